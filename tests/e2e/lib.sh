# SPDX-License-Identifier: Apache-2.0
# tests/e2e/lib.sh — sourced by every tests/e2e/test_*.sh (bash).
#
# The one rule every end-to-end test checks: whatever ricc leaves behind
# (outputs, stdout, stderr, exit status) is byte-identical to what the plain
# compiler produces for the same command, in the same directory, now.  So a
# typical step is
#
#     cc_check miss "foo.o" gcc -Wall -c foo.c -o foo.o
#
# which removes foo.o, runs `ricc gcc ...` (R), checks which counter moved,
# then runs plain `gcc ...` (P) in the same place and compares everything.
#
# Cases: `run_case NAME FUNCTION` runs FUNCTION in a subshell with `set -e`,
# in a fresh directory ($CASE/w, the current directory) and a fresh RICC_DIR
# ($CASE/cache), and prints "ok TEST/NAME", "FAIL TEST/NAME" (then the case's
# log, indented) or "skip TEST/NAME: why" — the lines run-all.sh counts.
# `die MSG` fails the case; `skip MSG` skips it.  E2E_DEBUG=1 logs ricc at
# debug level into $CASE/ricc-log and shows the end of it on a failure.
#
# Counters: R snapshots `ricc --print-stats` before and after the call and
# asserts the design's invariant that a wrapped call adds one to exactly one
# of direct_hit, preprocessed_hit, remote_hit, miss, uncacheable, fallback.
# $OUTCOME is that counter's name; `expect hit|nohit|miss|...` checks it, and
# `delta NAME` is any counter's change over the last R.

# shellcheck shell=bash
set -u
shopt -s inherit_errexit 2>/dev/null || true

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${RICC:=$(cd "$E2E_DIR/../.." && pwd)/build/bin/ricc}"
export RICC
TEST=$(basename "$0" .sh)
TEST=${TEST#test_}
SIX="direct_hit preprocessed_hit remote_hit miss uncacheable fallback"

# A known environment: nothing of the caller's ricc/recc settings or the
# compiler variables that change its output, an outer make's jobserver, or a
# translated message catalogue.
for v in $(env | sed -n 's/^\(R[IE]CC_[A-Za-z0-9_]*\)=.*/\1/p'); do
    case $v in RICC_PRELOAD) ;; *) unset "$v" ;; esac
done
unset CPATH C_INCLUDE_PATH CPLUS_INCLUDE_PATH OBJC_INCLUDE_PATH SOURCE_DATE_EPOCH \
      GCC_EXEC_PREFIX COMPILER_PATH LIBRARY_PATH DEPENDENCIES_OUTPUT SUNPRO_DEPENDENCIES \
      GCC_COMPARE_DEBUG MAKEFLAGS MFLAGS MAKELEVEL CC CFLAGS LD_PRELOAD 2>/dev/null || true
export LC_ALL=C

if [ -n "${E2E_TMP:-}" ]; then
    T=$E2E_TMP                  # run-all.sh made it and removes it
else
    T=$(mktemp -d "${TMPDIR:-/tmp}/ricc-e2e-$TEST-XXXXXX")
    [ -n "${E2E_KEEP:-}" ] || trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
fi
# The system's and the user's settings files (/etc/ricc.yaml,
# $XDG_CONFIG_HOME/ricc/config.yaml) are layers ricc reads: the tests read
# none but their own.
export XDG_CACHE_HOME="$T/xdg-cache" XDG_RUNTIME_DIR="$T/xdg-run" XDG_CONFIG_HOME="$T/xdg-config"
export RICC_SYSTEM_CONFIG="$T/no-system-config.yaml"
mkdir -p "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR" "$XDG_CONFIG_HOME"
chmod 700 "$XDG_RUNTIME_DIR"

have() { command -v "$1" >/dev/null 2>&1; }
die() { echo "  $*" >&2; exit 1; }
skip() { echo "$*" >"$CASE/skip-reason"; exit 77; }
note() { echo "  note: $*" >&2; echo "$*" >>"$CASE/notes"; }

run_case() {
    local name=$1 fn=$2 rc
    CASE="$T/$name"
    rm -rf "$CASE"
    mkdir -p "$CASE/w"
    (
        export RICC_DIR="$CASE/cache"
        if [ -n "${E2E_DEBUG:-}" ]; then
            # ricc's debug log goes to files, so stderr comparisons still hold.
            export RICC_LOG_LEVEL=debug RICC_LOG_DIRECTORY="$CASE/ricc-log"
        fi
        cd "$CASE/w"
        set -eE
        trap 'echo "  (line $LINENO: $BASH_COMMAND exited $?)" >&2' ERR
        "$fn"
    ) >"$CASE/log" 2>&1
    rc=$?
    if [ $rc -eq 0 ]; then
        echo "ok $TEST/$name"
        [ -f "$CASE/notes" ] && sed 's/^/    note: /' "$CASE/notes"
    elif [ $rc -eq 77 ]; then
        echo "skip $TEST/$name: $(cat "$CASE/skip-reason" 2>/dev/null)"
    else
        echo "FAIL $TEST/$name"
        tail -n 60 "$CASE/log" | sed 's/^/    /'
        if [ -d "$CASE/ricc-log" ]; then
            echo "    ricc's log (last lines):"
            cat "$CASE"/ricc-log/* | grep -v '^Log \|^Running on' | tail -n 12 | sed 's/^/      /'
        fi
        FAILED=1
    fi
    return 0
}
FAILED=0
finish() { exit $FAILED; }

# ---- counters ----
stats_raw() { timeout 30 "$RICC" --print-stats; }
# counter NAME: its current value (0 if ricc does not print it).
counter() { stats_raw | awk -F'\t' -v k="$1" '$1 == k {v = $2} END {print v + 0}'; }
# hits: direct_hit + preprocessed_hit, the local hits of any kind.
hits() {
    stats_raw | awk -F'\t' '$1 == "direct_hit" || $1 == "preprocessed_hit" {n += $2} END {print n + 0}'
}
SNAP_B='' SNAP_A=''
snap() { SNAP_B=$(stats_raw) || die "ricc --print-stats failed"; }
unsnap() { SNAP_A=$(stats_raw) || die "ricc --print-stats failed"; }
# delta NAME: change of a counter between the last snap and unsnap.
delta() {
    awk -F'\t' -v k="$1" 'NR == FNR {if ($1 == k) b = $2; next} $1 == k {a = $2} END {print a - b}' \
        <(printf '%s\n' "$SNAP_B") <(printf '%s\n' "$SNAP_A")
}
# The one of the six counters that moved by exactly one, or INVALID(...).
outcome() {
    local c moved="" n=0 d
    for c in $SIX; do
        d=$(delta "$c")
        if [ "$d" != 0 ]; then moved="$moved $c:$d"; n=$((n + 1)); fi
    done
    if [ $n -eq 1 ] && [ "${moved##*:}" = 1 ]; then
        moved=${moved# }
        echo "${moved%:*}"
    else
        echo "INVALID(${moved# })"
    fi
}

# ---- running ----
# R ARGS...: `ricc ARGS...` with stdout, stderr in $CASE/r.out, r.err; sets RC,
# OUTCOME, and fails the case unless exactly one of the six counters moved.
R() {
    snap
    RC=0
    timeout 120 "$RICC" "$@" >"$CASE/r.out" 2>"$CASE/r.err" || RC=$?
    unsnap
    LAST="ricc $*"
    OUTCOME=$(outcome)
    case $OUTCOME in
        INVALID*) show_err; die "counter invariant broken by '$LAST': moved $OUTCOME" ;;
    esac
    return 0
}
# R_raw ARGS...: the same without counters (for a RICC_DIR ricc cannot use).
R_raw() {
    RC=0
    timeout 120 "$RICC" "$@" >"$CASE/r.out" 2>"$CASE/r.err" || RC=$?
    LAST="ricc $*"
}
# P ARGS...: the plain command; PRC, $CASE/p.out, p.err.
P() {
    PRC=0
    timeout 120 "$@" >"$CASE/p.out" 2>"$CASE/p.err" || PRC=$?
}
show_err() { [ -s "$CASE/r.err" ] && sed 's/^/    ricc stderr: /' "$CASE/r.err" | head -20 >&2; return 0; }

# expect hit|nohit|any|miss|uncacheable|fallback|direct_hit|preprocessed_hit
expect() {
    local good=0
    case $1 in
        any) good=1 ;;
        hit) case $OUTCOME in direct_hit | preprocessed_hit) good=1 ;; esac ;;
        nohit) case $OUTCOME in *_hit) ;; *) good=1 ;; esac ;;
        *) [ "$OUTCOME" = "$1" ] && good=1 ;;
    esac
    [ $good = 1 ] || { show_err; die "expected $1, got $OUTCOME: $LAST (in $(pwd))"; }
}

# files_here: every file under the current directory, sorted (names only).
files_here() { find . \( -type f -o -type l \) | LC_ALL=C sort; }

# same_as_plain "OUTS" CMD...: after an R of the same command, compare
# against a plain run: each OUT (ricc's copy saved, then removed so the plain
# compiler must make it again), the set of files in the tree, stdout, stderr
# and exit status.
same_as_plain() {
    local outs=$1 f i=0
    shift
    mkdir -p "$CASE/saved"
    rm -f "$CASE"/saved/*
    for f in $outs; do
        [ -e "$f" ] || { show_err; die "ricc did not produce $f: $LAST"; }
        cp "$f" "$CASE/saved/$i"
        i=$((i + 1))
    done
    files_here >"$CASE/r.files"
    rm -f $outs
    P "$@"
    files_here >"$CASE/p.files"
    i=0
    for f in $outs; do
        [ -e "$f" ] || die "plain $* did not produce $f"
        cmp "$CASE/saved/$i" "$f" >&2 || die "$f from ricc differs from plain '$*' (in $(pwd))"
        i=$((i + 1))
    done
    diff "$CASE/r.files" "$CASE/p.files" >&2 ||
        die "ricc and plain '$*' left different files (< ricc, > plain)"
    [ "$RC" = "$PRC" ] || die "exit status $RC from ricc, $PRC from plain '$*'"
    cmp "$CASE/r.out" "$CASE/p.out" >&2 || die "stdout differs from plain '$*'"
    if ! cmp -s "$CASE/r.err" "$CASE/p.err"; then
        diff "$CASE/p.err" "$CASE/r.err" | head -20 | sed 's/^/    /' >&2
        die "stderr differs from plain '$*' (< plain, > ricc)"
    fi
}

# cc_check EXPECT "OUTS" CMD...: remove OUTS, R CMD, expect EXPECT,
# same_as_plain "OUTS" CMD.
cc_check() {
    local want=$1 outs=$2
    shift 2
    rm -f $outs
    R "$@"
    expect "$want"
    same_as_plain "$outs" "$@"
}

# flip_byte FILE [OFFSET]: invert one byte in place (default: the middle).
flip_byte() {
    local f=$1 size off b
    size=$(wc -c <"$f")
    off=${2:-$((size / 2))}
    b=$(od -An -tu1 -j "$off" -N1 "$f" | tr -d ' ')
    chmod u+w "$f"
    # shellcheck disable=SC2059 # the format is the byte, as an octal escape
    printf "\\$(printf %03o $((b ^ 255)))" | dd of="$f" bs=1 seek="$off" conv=notrunc status=none
}

# same_size_edit FILE OLD NEW: replace OLD by NEW (same length) in place and
# put the old mtime back, so only the content (and ctime) says it changed.
same_size_edit() {
    local f=$1
    [ ${#2} = ${#3} ] || die "same_size_edit: '$2' and '$3' differ in length"
    # Rewritten in place: same inode, same size, same mtime.
    cp -p "$f" "$f.mtime-ref"
    sed "s|$2|$3|" "$f.mtime-ref" >"$f"
    touch -r "$f.mtime-ref" "$f"
    rm -f "$f.mtime-ref"
    grep -qF -- "$3" "$f" || die "same_size_edit: '$2' not found in $f"
}
