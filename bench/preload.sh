#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench/preload.sh — what the preload shim costs (issue 4's two targets).
#
#   RICC=/abs/path/to/ricc [RICC_PRELOAD=/abs/path/to/libricc-preload.so] bench/preload.sh
#
# (a) Exec overhead on non-compilers: a program that starts /bin/true
#     BENCH_EXECS times, without the shim and under `ricc run --` (the shim
#     in LD_PRELOAD of the driver and of every /bin/true).  Two drivers: a
#     bash loop (fork + execve, as shells and make's shell do) and a small C
#     program that uses posix_spawn (as GNU make 4.3 and ninja do).
#     Target: under 3% slower.
# (b) A warm build of bench/gen-project.sh's project (BENCH_FILES sources,
#     make -jBENCH_JOBS, obj/ wiped before each build, the cache full):
#     `ricc run -- make` against `make CC="ricc gcc"`.  Both hit the same
#     cache entries; the hit counts are checked from ricc's counters.
#     Target: within 2%.
#
# Timing: BENCH_PAIRS pairs, each "without" then "with", after one untimed
# run of each; elapsed time and CPU time (user + system of the whole process
# tree, from bash's `time`).  The two alternate run by run so that a change
# in machine load hits both sides alike: timing all runs of one command and
# then all of the other (hyperfine's way) showed differences of 25% between
# identical builds on a busy machine.  BENCH_HYPERFINE=1 uses hyperfine
# instead (--warmup 1, BENCH_PAIRS runs of each, one command after the
# other; elapsed time only).  The ratios are medians of "with" over medians
# of "without"; every sample is printed, since on a busy machine the spread
# says more than one ratio, and CPU time is the steadier of the two there.
#
# Settings: BENCH_EXECS=10000, BENCH_PAIRS=5, BENCH_FILES=100,
# BENCH_JOBS=$(nproc), BENCH_HYPERFINE=1, BENCH_KEEP=1 (keep the scratch
# directory).  Results to stdout, progress to stderr.
set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
EXECS=${BENCH_EXECS:-10000}
PAIRS=${BENCH_PAIRS:-5}
FILES=${BENCH_FILES:-100}
JOBS=${BENCH_JOBS:-$(nproc 2>/dev/null || echo 2)}
for v in EXECS PAIRS FILES JOBS; do
    case ${!v} in
        '' | *[!0-9]* | 0) echo "bench: BENCH_$v must be a positive number, got '${!v}'" >&2; exit 2 ;;
    esac
done
RICC=${RICC:-$HERE/../build/bin/ricc}
case $RICC in /*) ;; *) RICC=$(pwd)/$RICC ;; esac
[ -x "$RICC" ] || { echo "bench: $RICC is not an executable (build it, or set RICC)" >&2; exit 2; }
SHIM=${RICC_PRELOAD:-$(dirname "$RICC")/../lib/libricc-preload.so}
[ -f "$SHIM" ] || { echo "bench: no shim at $SHIM (build it, or set RICC_PRELOAD)" >&2; exit 2; }
export RICC_PRELOAD=$SHIM

note() { printf 'bench: %s\n' "$*" >&2; }

# A clean environment for ricc: its own cache, none of the caller's settings.
for v in $(env | sed -n 's/^\(R[IE]CC_[A-Za-z0-9_]*\)=.*/\1/p'); do
    case $v in RICC_PRELOAD) ;; *) unset "$v" ;; esac
done
unset LD_PRELOAD MAKEFLAGS MFLAGS MAKELEVEL CC CFLAGS

S=$(mktemp -d "${TMPDIR:-/tmp}/ricc-bench-preload-XXXXXX")
if [ -z "${BENCH_KEEP:-}" ]; then trap 'rm -rf "$S"' EXIT; else note "keeping $S"; fi
export RICC_DIR=$S/cache

HYPERFINE=
if [ -n "${BENCH_HYPERFINE:-}" ]; then
    HYPERFINE=$(command -v hyperfine) || { echo "bench: hyperfine is not installed" >&2; exit 2; }
fi

# run_timed SIDE NAME CMD: one timed run of CMD (a shell command string);
# appends elapsed and CPU seconds to $S/NAME.SIDE and $S/NAME.SIDE.cpu.
run_timed() {
    local TIMEFORMAT='%R %U %S' t
    t=$({ time bash -c "$3" >/dev/null 2>"$S/last.err"; } 2>&1) ||
        { cat "$S/last.err" >&2; note "failed: $3"; exit 1; }
    set -- "$1" "$2" $t
    echo "$3" >>"$S/$2.$1"
    awk -v u="$4" -v s="$5" 'BEGIN {printf "%.3f\n", u + s}' >>"$S/$2.$1.cpu"
}

# time_pair NAME PREPARE WITHOUT WITH: PAIRS timed runs of WITHOUT and of
# WITH, alternating (PREPARE, untimed, before each run).
time_pair() {
    local name=$1 prep=$2 a=$3 b=$4 i
    : >"$S/$name.without"
    : >"$S/$name.with"
    : >"$S/$name.without.cpu"
    : >"$S/$name.with.cpu"
    if [ -n "$HYPERFINE" ]; then
        note "$name: hyperfine, $PAIRS runs of each"
        "$HYPERFINE" -N --style none --warmup 1 --runs "$PAIRS" --prepare "${prep:-true}" \
            --export-json "$S/h.json" -- "$a" "$b" >/dev/null
        # The "times" arrays of the two commands, in order.
        awk '/"times"/ {on = 1; n++; next} on && /\]/ {on = 0} on {gsub(/[ ,]/, ""); print n, $0}' \
            "$S/h.json" | while read -r which v; do
                if [ "$which" = 1 ]; then echo "$v" >>"$S/$name.without"; else echo "$v" >>"$S/$name.with"; fi
            done
        return
    fi
    bash -c "${prep:-true}; $a" >/dev/null 2>&1    # warm-ups, untimed
    bash -c "${prep:-true}; $b" >/dev/null 2>&1
    for ((i = 1; i <= PAIRS; i++)); do
        note "$name: pair $i/$PAIRS"
        bash -c "${prep:-true}" >/dev/null 2>&1
        run_timed without "$name" "$a"
        bash -c "${prep:-true}" >/dev/null 2>&1
        run_timed with "$name" "$b"
    done
}

median() { sort -g | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

ROWS=()
# row NAME LABEL: the elapsed row, and the CPU row when there is one.
row() {
    local name=$1 label=$2 kind ma mb
    for kind in elapsed cpu; do
        local sfx=
        [ $kind = elapsed ] || sfx=.cpu
        [ -s "$S/$name.without$sfx" ] || continue
        ma=$(median <"$S/$name.without$sfx")
        mb=$(median <"$S/$name.with$sfx")
        ROWS+=("$(awk -v l="$label, $kind" -v a="$ma" -v b="$mb" \
            'BEGIN {printf "%-48s %10.3f %10.3f %7.3f  (%+.1f%%)", l, a, b, b / a, (b / a - 1) * 100}')")
    done
    ROWS+=("$(printf '    elapsed without: %s' "$(tr '\n' ' ' <"$S/$name.without")")")
    ROWS+=("$(printf '    elapsed with:    %s' "$(tr '\n' ' ' <"$S/$name.with")")")
    if [ -s "$S/$name.without.cpu" ]; then
        ROWS+=("$(printf '    cpu without:     %s' "$(tr '\n' ' ' <"$S/$name.without.cpu")")")
        ROWS+=("$(printf '    cpu with:        %s' "$(tr '\n' ' ' <"$S/$name.with.cpu")")")
    fi
}

# ---- (a) non-compiler execs ----

cat >"$S/spawn-loop.c" <<'EOF'
/* spawn-loop N PROG: posix_spawn PROG N times, waiting for each. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
extern char **environ;
int main(int argc, char **argv)
{
    if (argc < 3) return 2;
    long n = atol(argv[1]);
    for (long i = 0; i < n; i++) {
        pid_t pid;
        int ws;
        if (posix_spawn(&pid, argv[2], NULL, NULL, argv + 2, environ) != 0 ||
            waitpid(pid, &ws, 0) < 0 || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
            fprintf(stderr, "spawn-loop: run %ld failed\n", i);
            return 1;
        }
    }
    return 0;
}
EOF
gcc -O2 -o "$S/spawn-loop" "$S/spawn-loop.c"
TRUE=$(type -P true)
# The shim must really be in every /bin/true: check once.
"$RICC" run -- sh -c "grep -q libricc-preload /proc/self/maps" ||
    { note "the shim is not loaded under ricc run"; exit 1; }

note "(a) $EXECS execs of $TRUE, $PAIRS pairs"
time_pair spawn "" "$S/spawn-loop $EXECS $TRUE" "$RICC run -- $S/spawn-loop $EXECS $TRUE"
time_pair shloop "" "bash -c 'for ((i = 0; i < $EXECS; i++)); do $TRUE; done'" \
    "$RICC run -- bash -c 'for ((i = 0; i < $EXECS; i++)); do $TRUE; done'"

# ---- (b) warm build ----

note "(b) generating a $FILES-file project"
P=$S/project
"$HERE/gen-project.sh" "$P" "$FILES" >/dev/null
cd "$P"
UNITS=$(ls src/*.c | wc -l)
sleep 1   # ricc does not store a compile whose inputs are only just written
note "(b) filling the cache (cold build with CC=\"ricc gcc\")"
rm -rf obj && make -s -j"$JOBS" CC="$RICC gcc" >/dev/null
"$RICC" --zero-stats
rm -rf obj && "$RICC" run -- make -s -j"$JOBS" >/dev/null
hits=$("$RICC" --print-stats | awk -F'\t' '$1 ~ /_hit$/ {h += $2} $1 == "miss" {m += $2} END {print h + 0, m + 0}')
note "(b) warm build under ricc run: hits, misses = $hits (of $UNITS compiles)"
[ "$hits" = "$UNITS 0" ] || { note "the warm build is not all hits: $hits"; exit 1; }
"$RICC" --zero-stats

note "(b) warm builds, $PAIRS pairs"
time_pair build "rm -rf $P/obj" "make -s -C $P -j$JOBS CC='$RICC gcc'" "$RICC run -- make -s -C $P -j$JOBS"
total=$("$RICC" --print-stats | awk -F'\t' '$1 ~ /_hit$/ {h += $2} $1 == "miss" {m += $2} END {print h + 0, m + 0}')
note "(b) all timed builds: hits, misses = $total"
case $total in *" 0") ;; *) note "misses during the timed builds: the numbers are not warm builds"; exit 1 ;; esac

# ---- the table ----

echo "preload shim overhead ($(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); ${HYPERFINE:+hyperfine, }$PAIRS runs each)"
printf '%-48s %10s %10s %7s\n' "" "without s" "with s" "ratio"
row spawn "(a) $EXECS x posix_spawn $TRUE"
row shloop "(a) $EXECS x $TRUE from a bash loop"
row build "(b) warm build, $FILES files, -j$JOBS"
printf '%s\n' "${ROWS[@]}"
echo "(a) without: plain; with: ricc run -- (the shim in every process)."
echo "(b) without: make CC=\"ricc gcc\"; with: ricc run -- make (CC=gcc)."
