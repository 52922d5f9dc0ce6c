#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench/projects.sh — ricc beside plain gcc, ccache and sccache on real
# projects (lua, zlib, fmt), with a floor under them all.
#
#   RICC=/abs/path/to/ricc bench/projects.sh [--quick]   (make bench-projects)
#
# bench/run.sh measures a generated project; a generator only shows what its
# author thought of.  This one builds the trees in ../shared/projects (beside
# the checkout; BENCH_PROJECTS overrides) with their own build systems:
# lua 5.4.7 with its makefile (make CC="TOOL gcc"), zlib 1.3.1 and fmt 11.1.4
# with CMake + Ninja (CMAKE_<LANG>_COMPILER_LAUNCHER=TOOL).  bench/README.md
# says how to read the tables; the short of it:
#
# - Columns: plain gcc, ccache, sccache (its own server, started and stopped
#   here), ricc, and the floor: bench/floor.c as the launcher, a static
#   program that copies the object plain gcc wrote at the same path (and the
#   dependency file Ninja reads), so make/ninja, ar and the link run for real.
#   That part every cache pays; a tool's time above the floor's is its own.
# - Rows (scenarios, each a timed build): cold (empty cache, clean build
#   dir); warm (clean build dir, the cache the cold build filled); moved (a
#   second checkout at another path, the same cache); header (a comment-only
#   edit in a header most files include, same line count); onefile (one
#   source edited so that its object changes).  Each round, each tool gets
#   fresh copies of the trees and a fresh, empty cache, and runs the five in
#   that order.
# - Fairness: every number is a median over rounds, and each round runs the
#   tools in the opposite order to the last (gcc always first: its objects
#   are the reference and the floor's store), so a busy spell of the machine
#   hits every column.  Settings from the caller's environment (CCACHE_*,
#   SCCACHE_*, RICC_*, RECC_*, MAKEFLAGS) are removed: each tool runs with its
#   defaults plus what is set here, and nothing here is tuned for one tool.
# - Checks, so that a wrong setup stops instead of skewing the figures: every
#   build and every call must succeed (else the script stops and shows the
#   log); each cache must have counted the cold build's compiles (so it was
#   really in the build); every object a cached build leaves (for lua also
#   liblua.a and lua) must be identical (cmp) to plain gcc's at the same path
#   in the same round and scenario, else the tables get a MISMATCH note and
#   the script exits 1 after printing them; gcc's edits must rebuild
#   something, the one-file edit must change an object, and the floor must
#   rebuild as many objects as gcc after each edit (else its dependency
#   files are wrong and its header-edit row would be too low).
#
# Also: the cold build's CPU time (user + system of the build and everything
# it waited for; for sccache plus its server's), lua's whole warm rebuild
# with `RICC_LINK=1 ricc run -- make` (ricc then caches ar and the link
# too), and one hit's latency on a real translation unit per project (the
# same call repeated, each timed alone by bench/spawn-time.c, beside a
# static no-op started the same way).
#
# Progress goes to stderr; the tables go to stdout and to BENCH_OUT.
set -euo pipefail
export LC_ALL=C         # a decimal point, not a comma, in EPOCHREALTIME

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

QUICK=${BENCH_QUICK:-0}
for a in "$@"; do
    case $a in
        --quick) QUICK=1 ;;
        *) echo "usage: [RICC=...] bench/projects.sh [--quick]   (settings: bench/README.md)" >&2; exit 2 ;;
    esac
done
if [[ $QUICK = 1 ]]; then d_rounds=1 d_reps=5 d_gccreps=1; else d_rounds=5 d_reps=20 d_gccreps=3; fi
ROUNDS=${BENCH_ROUNDS:-$d_rounds}
LAT_REPS=${BENCH_LAT_REPS:-$d_reps}
GCC_LAT_REPS=${BENCH_GCC_LAT_REPS:-$d_gccreps}
JOBS=${BENCH_JOBS:-2}
PROJECTS=${BENCH_PROJECTS:-$ROOT/../shared/projects}
ONLY=${BENCH_ONLY:-lua zlib fmt}
OUT=${BENCH_OUT:-${TMPDIR:-/tmp}/ricc-bench-projects.md}
RICC_ROOT_MODE=${BENCH_RICC_ROOT:-parent}
RICC_BIN=${RICC:-$ROOT/build/bin/ricc}

die() { printf 'bench: %s\n' "$*" >&2; exit 1; }
note() { printf 'bench: %s\n' "$*" >&2; }

for v in ROUNDS LAT_REPS GCC_LAT_REPS JOBS; do
    case ${!v} in ''|*[!0-9]*|0) die "BENCH_$v must be a positive number, got '${!v}'" ;; esac
done
case $RICC_ROOT_MODE in parent|checkout) ;; *) die "BENCH_RICC_ROOT must be parent or checkout" ;; esac
for p in $ONLY; do
    case $p in lua|zlib|fmt) ;; *) die "BENCH_ONLY: unknown project '$p' (lua zlib fmt)" ;; esac
    [[ -d $PROJECTS/$p ]] || die "no $PROJECTS/$p (BENCH_PROJECTS is the folder holding lua, zlib, fmt)"
done
PROJECTS=$(cd "$PROJECTS" && pwd)
[[ -x $RICC_BIN ]] || die "RICC=$RICC_BIN is not an executable (make bench-projects builds and sets it)"
RICC_BIN=$(cd "$(dirname "$RICC_BIN")" && pwd)/$(basename "$RICC_BIN")
for c in gcc g++ make cmake ninja ar cmp; do
    command -v "$c" >/dev/null || die "$c is not installed"
done

NOTES=()
TOOLS=(gcc floor)
declare -A LAUNCH=([gcc]="")
for c in ccache sccache; do
    if command -v "$c" >/dev/null; then
        TOOLS+=("$c")
        LAUNCH[$c]=$(command -v "$c")
    else
        NOTES+=("$c is not installed (Debian package '$c'): its column is empty")
    fi
done
TOOLS+=(ricc)
LAUNCH[ricc]=$RICC_BIN
TIME_BIN=
if [[ -x /usr/bin/time ]] && /usr/bin/time -f '%U' -o /dev/null true 2>/dev/null; then
    TIME_BIN=/usr/bin/time
else
    NOTES+=("GNU time (Debian package 'time') is missing: no CPU table")
fi

unset RICC MAKEFLAGS MFLAGS MAKELEVEL GNUMAKEFLAGS
for v in $(compgen -e); do
    case $v in CCACHE_*|SCCACHE_*|RICC_*|RECC_*) unset "$v" ;; esac
done

T=$(mktemp -d "${TMPDIR:-/tmp}/ricc-bench-projects.XXXXXX")
T=$(cd "$T" && pwd -P)   # the floor keys objects by the path the build sees
[[ $T != *[[:space:]]* ]] || die "the scratch dir $T has a space in it"
CO=$T/co                 # every checkout: a/P and b/P (moved), lat/P
R=$T/results
mkdir -p "$CO" "$R" "$T/cache" "$T/store" "$T/logs"

SC_PID=
sc_stop() {
    [[ -n $SC_PID ]] || return 0
    sccache --stop-server >/dev/null 2>&1 || true
    local i
    for ((i = 0; i < 50; i++)); do kill -0 "$SC_PID" 2>/dev/null || break; sleep 0.1; done
    kill "$SC_PID" 2>/dev/null || true
    wait "$SC_PID" 2>/dev/null || true
    SC_PID=
}
cleanup() {
    sc_stop
    if [[ ${BENCH_KEEP:-0} = 1 ]]; then note "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- helper programs ------------------------------------------------------

SPAWN_TIME=$T/spawn-time
gcc -O2 -o "$SPAWN_TIME" "$HERE/spawn-time.c" || die "bench/spawn-time.c did not build"
FLOOR=$T/floor
NOOP=$T/noop
if gcc -O2 -static -o "$FLOOR" "$HERE/floor.c" 2>"$T/logs/floor.log" &&
    printf 'int main(void) { return 0; }\n' | gcc -O2 -static -x c -o "$NOOP" - 2>>"$T/logs/floor.log"; then
    :
else
    gcc -O2 -o "$FLOOR" "$HERE/floor.c" || die "bench/floor.c did not build"
    printf 'int main(void) { return 0; }\n' | gcc -O2 -x c -o "$NOOP" -
    NOTES+=("no static C library: the floor and the no-op are linked dynamically (a higher floor)")
fi
LAUNCH[floor]=$FLOOR

# sccache: one server at a time, on a port of this run's own, each with its
# own SCCACHE_DIR. A client that finds no server starts one by itself;
# the idle timeout ends such a stray one.
SC_PORT=
if [[ -n ${LAUNCH[sccache]:-} ]]; then
    for ((i = 0; i < 50; i++)); do
        p=$((20000 + RANDOM % 30000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then SC_PORT=$p; break; fi
    done
    [[ -n $SC_PORT ]] || die "no free port for the sccache server"
fi
sc_start() {
    sc_stop
    rm -rf "$1"
    mkdir -p "$1"
    SCCACHE_DIR=$1 SCCACHE_START_SERVER=1 SCCACHE_NO_DAEMON=1 SCCACHE_IDLE_TIMEOUT=0 \
        sccache >>"$T/logs/sccache-server.log" 2>&1 &
    SC_PID=$!
    local i
    for ((i = 0; i < 100; i++)); do
        kill -0 "$SC_PID" 2>/dev/null || die "the sccache server exited; see $T/logs/sccache-server.log"
        if (exec 3<>"/dev/tcp/127.0.0.1/$SC_PORT") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    die "the sccache server did not start listening on port $SC_PORT"
}
# The server's CPU (its own and its compilers', once reaped), in seconds.
CLK_TCK=$(getconf CLK_TCK)
sc_cpu() {
    if [[ -n $SC_PID && -r /proc/$SC_PID/stat ]]; then
        awk -v hz="$CLK_TCK" '{ sub(/^.*\) /, ""); printf "%.3f\n", ($12 + $13 + $14 + $15) / hz }' "/proc/$SC_PID/stat"
    else
        echo 0
    fi
}

# --- each tool's environment, cache and counters ---------------------------

# use_tool TOOL CACHEDIR: a fresh, empty cache for TOOL, in the environment
# every later command (and the build's children) sees.
use_tool() {
    local tool=$1 dir=$2
    unset CCACHE_DIR CCACHE_BASEDIR SCCACHE_DIR RICC_DIR RICC_PROJECT_ROOT RICC_LINK BENCH_FLOOR_STORE
    export SCCACHE_SERVER_PORT=$SC_PORT SCCACHE_IDLE_TIMEOUT=120 SCCACHE_CONF=$T/no-sccache.conf
    rm -rf "$dir"
    case $tool in
        ccache)
            export CCACHE_DIR=$dir CCACHE_BASEDIR=$CO
            mkdir -p "$dir"
            log_cmd "export CCACHE_DIR=$dir CCACHE_BASEDIR=$CO"
            ;;
        sccache)
            export SCCACHE_DIR=$dir
            sc_start "$dir"
            log_cmd "export SCCACHE_DIR=$dir SCCACHE_SERVER_PORT=$SC_PORT SCCACHE_CONF=$SCCACHE_CONF" \
                "SCCACHE_IDLE_TIMEOUT=120; SCCACHE_START_SERVER=1 SCCACHE_NO_DAEMON=1" \
                "SCCACHE_IDLE_TIMEOUT=0 sccache &"
            ;;
        ricc)
            export RICC_DIR=$dir RICC_PROJECT_ROOT=$CO
            mkdir -p "$dir"
            log_cmd "export RICC_DIR=$dir RICC_PROJECT_ROOT=$CO"
            ;;
        floor) log_cmd "export BENCH_FLOOR_STORE=\$T/store/ROUND/PROJECT/SCENARIO  # gcc's outputs" ;;
    esac
}
done_tool() { [[ $1 != sccache ]] || sc_stop; }

zero_stats() {
    case $1 in
        ccache) ccache --zero-stats >/dev/null ;;
        sccache) sccache --zero-stats >/dev/null ;;
        ricc) "$RICC_BIN" --zero-stats >/dev/null ;;
    esac || die "$1: zeroing the counters failed"
}
# read_stats TOOL: "hits direct compiles" since zero_stats, as the tool
# counts them (direct: without running the preprocessor; sccache has no
# such mode and prints -). ricc's fallbacks count as compiles that missed.
read_stats() {
    local out
    case $1 in
        ccache) out=$(ccache --print-stats) ;;
        sccache) out=$(sccache --show-stats) ;;
        ricc) out=$("$RICC_BIN" --print-stats) ;;
    esac || die "$1: reading the counters failed"
    awk -F'\t' -v tool="$1" '
        tool == "ccache" && $1 == "direct_cache_hit" { d += $2 }
        tool == "ccache" && $1 == "preprocessed_cache_hit" { p += $2 }
        tool == "ccache" && $1 == "cache_miss" { m += $2 }
        tool == "ricc" && $1 == "direct_hit" { d += $2 }
        tool == "ricc" && ($1 == "preprocessed_hit" || $1 == "remote_hit") { p += $2 }
        tool == "ricc" && ($1 == "miss" || $1 == "fallback") { m += $2 }
        tool == "sccache" && /^Cache hits +[0-9]+$/ { split($0, w, / +/); p += w[3] }
        tool == "sccache" && /^(Cache misses|Non-cacheable compilations) +[0-9]+$/ {
            n = split($0, w, / +/); m += w[n] }
        END { printf "%d %s %d\n", d + p, tool == "sccache" ? "-" : d + 0, d + p + m }' <<<"$out"
}
hits_cell() { awk '{ printf "%d/%d", $1, $3; if ($2 != "-") printf " (%d direct)", $2; print "" }'; }

# --- the projects ---------------------------------------------------------

now() { if [[ -n ${EPOCHREALTIME:-} ]]; then NOW=$EPOCHREALTIME; else NOW=$(date +%s.%N); fi; }
median() {
    sort -g | awk '{ v[NR] = $1 }
        END { if (NR == 0) exit
              if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
is_cmake() { [[ $1 != lua ]]; }

# The build directory of checkout DIR, and the files of it compared with
# gcc's (absolute paths, one a line).
build_dir() { if is_cmake "$1"; then echo "$2/build"; else echo "$2"; fi; }
outputs() {
    if is_cmake "$1"; then
        find "$2/build" -name '*.o' | sort
    else
        { ls "$2"/*.o "$2/liblua.a" "$2/lua" 2>/dev/null || true; } | sort
    fi
}

# The commands as run, for the report: CMDS[CMD_KEY] collects each distinct
# command of round 1 (and of the latency set-up), $T written as "$T".
declare -A CMDS=()
CMD_KEY=
LOG_CMDS=1
log_cmd() {
    ((LOG_CMDS)) || return 0
    local c=$*
    c=${c//$T/\$T}
    if ! grep -qxF -- "$c" <<<"${CMDS[$CMD_KEY]:-}"; then
        CMDS[$CMD_KEY]+=$c$'\n'
    fi
}

# An argument list as one would type it: a word with a space in quotes
# (NAME="a b" for an assignment such as make's CC).
words() {
    local a out=()
    for a; do
        if [[ $a != *' '* ]]; then out+=("$a")
        elif [[ $a =~ ^[A-Za-z_]+= ]]; then out+=("${a%%=*}=\"${a#*=}\"")
        else out+=("\"$a\""); fi
    done
    echo "${out[*]}"
}

# fresh_checkout P DIR: a pristine, writable copy of project P at DIR.
fresh_checkout() {
    rm -rf "$2"
    mkdir -p "$(dirname "$2")"
    cp -a "$PROJECTS/$1" "$2"
    chmod -R u+w "$2"
}
# configure P DIR TOOL (CMake projects): a clean, configured build dir.
configure() {
    local p=$1 dir=$2 tool=$3 args=()
    is_cmake "$p" || return 0
    args=(-S "$dir" -B "$dir/build" -G Ninja)
    case $p in
        zlib) [[ -z ${LAUNCH[$tool]} ]] || args+=("-DCMAKE_C_COMPILER_LAUNCHER=${LAUNCH[$tool]}") ;;
        fmt) args+=(-DFMT_TEST=OFF)
             [[ -z ${LAUNCH[$tool]} ]] || args+=("-DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCH[$tool]}") ;;
    esac
    rm -rf "$dir/build"
    cmake "${args[@]}" >"$T/logs/configure.log" 2>&1 ||
        { tail -n 30 "$T/logs/configure.log" >&2; die "configuring $p for $tool failed"; }
    log_cmd "rm -rf $dir/build; cmake ${args[*]}"
}
clean_build() {
    if is_cmake "$1"; then
        configure "$1" "$2" "$3"
    else
        make -C "$2" -s clean >/dev/null
        log_cmd "make -C $2 -s clean"
    fi
}
# The build command for P in DIR with TOOL, into the array BUILD.
build_cmd() {
    local p=$1 dir=$2 tool=$3
    if [[ $tool = riccrun ]]; then
        BUILD=("$RICC_BIN" run -- make -C "$dir" -j"$JOBS")
    elif is_cmake "$p"; then
        BUILD=(ninja -C "$dir/build" -v -j"$JOBS")
    else
        BUILD=(make -C "$dir" -j"$JOBS" "CC=${LAUNCH[$tool]:+${LAUNCH[$tool]} }gcc")
    fi
}
# timed_build P DIR TOOL KEY: one timed build; its wall seconds go to
# $R/KEY.TOOL, its CPU seconds to $R/KEY.cpu.TOOL.
timed_build() {
    local p=$1 dir=$2 tool=$3 key=$4 log=$T/logs/build.log t0 sc0 timer=()
    build_cmd "$p" "$dir" "$tool"
    [[ -z $TIME_BIN ]] || timer=("$TIME_BIN" -f '%U %S' -o "$T/cpu")
    [[ $tool != sccache ]] || sc0=$(sc_cpu)
    now; t0=$NOW
    if ! "${timer[@]}" "${BUILD[@]}" >"$log" 2>&1; then
        note "the $tool build of $p ($key) failed; the last lines of its log:"
        tail -n 40 "$log" >&2
        exit 1
    fi
    now
    awk -v a="$t0" -v b="$NOW" 'BEGIN { printf "%.4f\n", b - a }' >>"$R/$key.$tool"
    if [[ -n $TIME_BIN ]]; then
        tail -n 1 "$T/cpu" | awk -v s="${sc0:-0}" -v e="$([[ $tool = sccache ]] && sc_cpu || echo 0)" \
            '{ printf "%.3f\n", $1 + $2 + e - s }' >>"$R/$key.cpu.$tool"
    fi
    log_cmd "$(words "${BUILD[@]}")"
}

# The edits. The header edit changes the text of one comment line (the
# line count stays, so the preprocessed output does not change); the
# source edit adds a definition, so that file's object changes.
declare -A HEADER=([lua]=lua.h [zlib]=zlib.h [fmt]=include/fmt/base.h)
declare -A HEADER_OLD=(
    [lua]='** Lua - A Scripting Language'
    [zlib]="/* zlib.h -- interface of the 'zlib' general purpose compression library"
    [fmt]='// Formatting library for C++ - the base API for char/UTF-8')
declare -A HEADER_NEW=(
    [lua]='** Lua - a scripting language (edited by bench/projects.sh)'
    [zlib]="/* zlib.h -- interface of the 'zlib' general-purpose compression library (edited)"
    [fmt]='// Formatting library for C++: the base API for char and UTF-8 (edited)')
declare -A SOURCE=([lua]=lapi.c [zlib]=deflate.c [fmt]=src/os.cc)
edit_header() {
    local f=$2/${HEADER[$1]}
    awk -v old="${HEADER_OLD[$1]}" -v new="${HEADER_NEW[$1]}" \
        '!done && $0 == old { print new; done = 1; next } { print } END { exit !done }' \
        "$f" >"$T/edit" || die "$f: the line to edit is not there"
    cat "$T/edit" >"$f"
}
edit_source() {
    printf '\nextern const char bench_projects_edit[];\nconst char bench_projects_edit[] = "edited";\n' \
        >>"$2/${SOURCE[$1]}"
}

# Store gcc's outputs for the floor and the checks: STORE/<absolute path>.
# Ninja deletes the dependency files once it has read them, so the floor's
# are written back from Ninja's record of them (ninja -t deps), one per
# object, under the -MF name CMake gives (the object's name + .d).
snapshot() {
    local p=$1 dir=$2 store=$3 bd
    mkdir -p "$store"
    outputs "$p" "$dir" | xargs -d '\n' cp --parents -t "$store"
    if is_cmake "$p"; then
        bd=$dir/build
        (cd "$bd" && ninja -t deps) | awk -v out="$store$bd" '
            /^[^ ].*: #deps / { t = substr($0, 1, index($0, ": #deps") - 1)
                                f = t ~ /\.o$/ ? out "/" t ".d" : ""
                                if (f != "") printf "%s:", t > f
                                next }
            /^ +[^ ]/ && f != "" { sub(/^ +/, ""); printf " \\\n  %s", $0 > f; next }
            /^$/ && f != "" { print "" > f; close(f); f = "" }
            END { if (f != "") print "" > f }'
    fi
}
# How many objects of the build were written since the last edit.
rebuilt() { find "$(build_dir "$1" "$2")" -name '*.o' -newer "$T/edited" | wc -l; }
MISMATCH=0
# check_outputs P DIR STORE WHAT: every output equal to gcc's, none missing
# or extra.
check_outputs() {
    local p=$1 dir=$2 store=$3 what=$4 f bad=0 list
    list=$(outputs "$p" "$dir")
    if [[ $list != "$(cd "$store" && outputs "$p" "${dir#/}" | sed 's|^|/|')" ]]; then
        bad=$((bad + 1))
        note "$what: the set of outputs differs from gcc's"
    fi
    while IFS= read -r f; do
        cmp -s "$f" "$store$f" || { bad=$((bad + 1)); note "$what: $f differs from gcc's"; }
    done <<<"$list"
    if ((bad)); then
        MISMATCH=1
        NOTES+=("MISMATCH: $what: $bad outputs differ from plain gcc's at the same path")
    fi
}

SCEN=(cold warm moved header onefile)
declare -A SCEN_LABEL=([cold]="cold" [warm]="warm" [moved]="warm, 2nd checkout"
    [header]="header comment edit" [onefile]="one-file edit")

# run_project P TOOL ROUND: the five scenarios, in order.
run_project() {
    local p=$1 tool=$2 r=$3 a=$CO/a/$1 b=$CO/b/$1 s dir key st
    CMD_KEY="$p $tool"
    fresh_checkout "$p" "$a"
    fresh_checkout "$p" "$b"
    use_tool "$tool" "$T/cache/$tool-$p"
    configure "$p" "$a" "$tool"
    configure "$p" "$b" "$tool"
    for s in "${SCEN[@]}"; do
        dir=$a
        case $s in
            warm) clean_build "$p" "$a" "$tool" ;;
            moved) dir=$b ;;
            header) edit_header "$p" "$a"; touch "$T/edited" ;;
            onefile) edit_source "$p" "$a"; touch "$T/edited" ;;
        esac
        key=$p.$s
        st=$T/store/$r/$p/$s
        [[ $tool != floor ]] || export BENCH_FLOOR_STORE=$st
        if [[ $tool = ricc && $RICC_ROOT_MODE = checkout ]]; then
            export RICC_PROJECT_ROOT=$dir
            log_cmd "export RICC_PROJECT_ROOT=$dir"
        fi
        [[ $tool = gcc || $tool = floor ]] || zero_stats "$tool"
        timed_build "$p" "$dir" "$tool" "$key"
        case $tool in
            gcc)
                snapshot "$p" "$dir" "$st"
                if [[ $s = header || $s = onefile ]]; then
                    rebuilt "$p" "$dir" >"$st.rebuilt"
                    (($(cat "$st.rebuilt") > 0)) || die "$p: the $s edit rebuilt nothing"
                fi
                if [[ $s = onefile ]] && diff -rq "$T/store/$r/$p/header$a" "$st$a" >/dev/null; then
                    die "$p: the one-file edit changed no object"
                fi
                ;;
            floor)
                # The floor must have stood in for every compile gcc ran:
                # its copies are gcc's objects, so only the count of
                # objects it wrote after an edit tells.
                if [[ ($s = header || $s = onefile) && $(rebuilt "$p" "$dir") != "$(cat "$st.rebuilt")" ]]; then
                    die "$p ($s): the floor build rebuilt $(rebuilt "$p" "$dir") objects, gcc's $(cat "$st.rebuilt")"
                fi
                grep -q "$FLOOR" "$T/logs/build.log" || die "$p ($s): the floor build never ran the floor"
                check_outputs "$p" "$dir" "$st" "floor, $p, $s (round $r)"
                ;;
            *)
                read_stats "$tool" >"$T/stats"
                [[ $s != cold ]] || (($(awk '{ print $3 }' "$T/stats") > 0)) ||
                    die "$tool counted no compiles in the cold $p build: it was not in the build"
                hits_cell <"$T/stats" >>"$R/$key.hits.$tool"
                check_outputs "$p" "$dir" "$st" "$tool, $p, $s (round $r)"
                ;;
        esac
    done
    # ricc run with RICC_LINK=1 on lua: ar and the link cached too.
    if [[ $tool = ricc && $p = lua ]]; then
        fresh_checkout lua "$a"
        use_tool ricc "$T/cache/riccrun-lua"
        [[ $RICC_ROOT_MODE = parent ]] || export RICC_PROJECT_ROOT=$a
        export RICC_LINK=1
        log_cmd "export RICC_LINK=1"
        timed_build lua "$a" riccrun lua.runcold
        make -C "$a" -s clean >/dev/null
        zero_stats ricc
        timed_build lua "$a" riccrun lua.runwarm
        read_stats ricc >"$T/stats"
        hits_cell <"$T/stats" >>"$R/lua.runwarm.hits.ricc"
        check_outputs lua "$a" "$T/store/$r/lua/warm" "ricc run, lua, warm (round $r)"
        unset RICC_LINK
    fi
    done_tool "$tool"
}

# --- per-call latency -------------------------------------------------------

declare -A LAT_TARGET=([lua]=lapi.o [zlib]=CMakeFiles/zlibstatic.dir/deflate.c.o
    [fmt]=CMakeFiles/fmt.dir/src/format.cc.o)
declare -A LAT_CMD=() LAT_DIR=()
# One plain, built checkout per project, and the compile command its build
# system runs for the file (the file's object is the build's own output).
setup_latency() {
    local p=$1 dir=$CO/lat/$1 line
    CMD_KEY="latency $p"
    fresh_checkout "$p" "$dir"
    configure "$p" "$dir" gcc
    build_cmd "$p" "$dir" gcc
    "${BUILD[@]}" >"$T/logs/lat-build.log" 2>&1 || die "the plain build of $p for the latency failed"
    log_cmd "$(words "${BUILD[@]}")"
    if is_cmake "$p"; then
        LAT_DIR[$p]=$dir/build
        line=$(cd "$dir/build" && ninja -t commands "${LAT_TARGET[$p]}" | tail -n 1)
    else
        LAT_DIR[$p]=$dir
        line=$(cd "$dir" && make -n -B "${LAT_TARGET[$p]}" | tail -n 1)
    fi
    [[ $line == *" -c "* && $line != *[\"\'\\\$]* ]] || die "$p: unexpected compile command: $line"
    LAT_CMD[$p]=$line
}
# latency P TOOL: the median of one sample of calls, in ms, to
# $R/lat.P.TOOL; the no-op's beside it to $R/lat.P.noop.TOOL.
latency() {
    local p=$1 tool=$2 reps=$LAT_REPS args=() pre=()
    read -r -a args <<<"${LAT_CMD[$p]}"
    CMD_KEY="latency $p"
    [[ -z ${LAUNCH[$tool]} ]] || pre=("${LAUNCH[$tool]}")
    cd "${LAT_DIR[$p]}"
    "$SPAWN_TIME" "$LAT_REPS" "$NOOP" | median >>"$R/lat.$p.noop.$tool"
    if [[ $tool = gcc ]]; then
        reps=$GCC_LAT_REPS
    else
        # The same call until it hits (at most 3 calls: a cache may need
        # a second one to settle; today ricc does when a header has a
        # computed include, moving from its first call's dependency output
        # to a scan), so that what is timed is the steady state; a tool that
        # still misses is timed at gcc's sample size, with a note, instead
        # of for many compiles.
        local k hit=0
        for ((k = 0; k < 3 && !hit; k++)); do
            zero_stats "$tool"
            "${pre[@]}" "${args[@]}" >/dev/null 2>&1 || die "$tool: $p latency call failed"
            read_stats "$tool" >"$T/stats"
            [[ $(awk '{ print $1 }' "$T/stats") != 1 ]] || hit=1
        done
        if ((!hit)); then
            reps=$GCC_LAT_REPS
            NOTES+=("$tool: the $p latency call still missed after 3 calls (round $r): timed $reps calls, not $LAT_REPS")
        elif ((k > 2)); then
            NOTES+=("$tool: the $p latency call hit only on its third call (round $r)")
        fi
        zero_stats "$tool"
    fi
    "$SPAWN_TIME" "$reps" "${pre[@]}" "${args[@]}" | median >>"$R/lat.$p.$tool" ||
        die "$tool: a timed $p latency call failed"
    if [[ $tool != gcc ]]; then
        read_stats "$tool" >"$T/stats"
        hits_cell <"$T/stats" >>"$R/lat.$p.hits.$tool"
    fi
    cd - >/dev/null
    log_cmd "(cd ${LAT_DIR[$p]} && spawn-time $reps ${pre[*]}${pre:+ }${LAT_CMD[$p]})"
}

# --- the run ----------------------------------------------------------------

note "scratch dir $T; $ROUNDS round(s); projects: $ONLY"
for p in $ONLY; do setup_latency "$p"; done
START=$SECONDS
for ((r = 1; r <= ROUNDS; r++)); do
    order=(gcc)
    if ((r % 2)); then
        order+=("${TOOLS[@]:1}")
    else
        for ((i = ${#TOOLS[@]} - 1; i >= 1; i--)); do order+=("${TOOLS[$i]}"); done
    fi
    for p in $ONLY; do
        for tool in "${order[@]}"; do
            note "round $r/$ROUNDS: $p, $tool"
            run_project "$p" "$tool" "$r"
        done
    done
    note "round $r/$ROUNDS: latency"
    for tool in gcc "${order[@]:1}"; do
        [[ $tool != floor ]] || continue
        CMD_KEY=latency-env
        use_tool "$tool" "$T/cache/lat-$tool"
        for p in $ONLY; do latency "$p" "$tool"; done
        done_tool "$tool"
    done
    rm -rf "$T/store/$r"
    LOG_CMDS=0
done
TOTAL=$((SECONDS - START))

# --- the tables ---------------------------------------------------------------

val() { if [[ -s $R/$1 ]]; then median <"$R/$1"; fi; }
# The per-round difference of two series (same rounds, same order), median.
diffmed() {
    if [[ -s $R/$1 && -s $R/$2 ]]; then paste "$R/$1" "$R/$2" | awk '{ print $1 - $2 }' | median; fi
}
less() { if [[ -n $1 && -n $2 ]]; then awk -v a="$1" -v b="$2" 'BEGIN { print a - b }'; fi; }
num() { if [[ -z $2 ]]; then echo "-"; else awk -v v="$2" -v f="$1" 'BEGIN { printf f, v }'; fi; }
ratio() {
    if [[ -z $1 || -z $2 ]]; then echo "-"
    else awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; fi
}
# A markdown table row from its cells (surrounding spaces dropped).
cells() {
    local c line="|"
    for c; do
        c=${c#"${c%%[![:space:]]*}"}
        line+=" ${c%"${c##*[![:space:]]}"} |"
    done
    echo "$line"
}
distinct() { if [[ -s $R/$1 ]]; then sort -u "$R/$1" | paste -sd, - | sed 's/,/, /g'; else echo "-"; fi; }
has() { [[ " ${TOOLS[*]} " = *" $1 "* ]]; }
col() { if has "$1"; then num "$2" "$3"; else echo "-"; fi; }

version() {
    case $1 in
        gcc) gcc --version | head -n 1 ;;
        floor) echo "bench/floor.c: copies gcc's objects, a static program" ;;
        ccache) ccache --version | head -n 1 ;;
        sccache) sccache --version | head -n 1 ;;
        ricc) "$RICC_BIN" --version 2>&1 | head -n 1 ;;
    esac
}

report() {
    local p s k g c sc ri fl
    echo "# ricc on real projects"
    echo
    echo "$ROUNDS round(s), -j$JOBS, $(nproc) CPUs, $(uname -m), $(date -u +%Y-%m-%d); medians over rounds."
    echo "Tools:"
    for t in "${TOOLS[@]}"; do echo "- $t: $(version "$t")"; done
    echo
    echo "## Build time (s)"
    echo
    cells " project, scenario " " gcc " " ccache " " sccache " " ricc " " floor " " ricc/ccache " " ricc/gcc "
    cells "---" "---:" "---:" "---:" "---:" "---:" "---:" "---:"
    for p in $ONLY; do for s in "${SCEN[@]}"; do
        k=$p.$s
        g=$(val "$k.gcc") c=$(val "$k.ccache") sc=$(val "$k.sccache") ri=$(val "$k.ricc") fl=$(val "$k.floor")
        cells " $p, ${SCEN_LABEL[$s]} " " $(num %.2f "$g") " " $(col ccache %.2f "$c") " " $(col sccache %.2f "$sc") " \
            " $(num %.2f "$ri") " " $(num %.2f "$fl") " " $(ratio "$ri" "$c") " " $(ratio "$ri" "$g") "
    done; done
    echo
    echo "## Above the floor (s): each build less the floor's in the same round"
    echo
    cells " project, scenario " " gcc " " ccache " " sccache " " ricc " " ricc/ccache " " ricc/gcc "
    cells "---" "---:" "---:" "---:" "---:" "---:" "---:"
    for p in $ONLY; do for s in "${SCEN[@]}"; do
        k=$p.$s
        g=$(diffmed "$k.gcc" "$k.floor") c=$(diffmed "$k.ccache" "$k.floor")
        sc=$(diffmed "$k.sccache" "$k.floor") ri=$(diffmed "$k.ricc" "$k.floor")
        cells " $p, ${SCEN_LABEL[$s]} " " $(num %.2f "$g") " " $(col ccache %.2f "$c") " " $(col sccache %.2f "$sc") " \
            " $(num %.2f "$ri") " " $(ratio "$ri" "$c") " " $(ratio "$ri" "$g") "
    done; done
    echo
    echo "## Hits (hits/compiles as each cache counts them; each distinct value over the rounds)"
    echo
    cells " project, scenario " " ccache " " sccache " " ricc "
    cells "---" "---" "---" "---"
    for p in $ONLY; do for s in "${SCEN[@]}"; do
        k=$p.$s
        cells " $p, ${SCEN_LABEL[$s]} " " $(distinct "$k.hits.ccache") " " $(distinct "$k.hits.sccache") " \
            " $(distinct "$k.hits.ricc") "
    done; done
    if [[ -n $TIME_BIN ]]; then
        echo
        echo "## Cold build CPU, user + system (s); target ricc/gcc <= 1.03"
        echo
        cells " project " " gcc " " ccache " " sccache " " ricc " " floor " " ricc/gcc " " ricc/ccache "
        cells "---" "---:" "---:" "---:" "---:" "---:" "---:" "---:"
        for p in $ONLY; do
            k=$p.cold.cpu
            g=$(val "$k.gcc") c=$(val "$k.ccache") sc=$(val "$k.sccache") ri=$(val "$k.ricc") fl=$(val "$k.floor")
            cells " $p " " $(num %.2f "$g") " " $(col ccache %.2f "$c") " " $(col sccache %.2f "$sc") " \
                " $(num %.2f "$ri") " " $(num %.2f "$fl") " " $(ratio "$ri" "$g") " " $(ratio "$ri" "$c") "
        done
    fi
    if [[ " $ONLY " = *" lua "* ]]; then
        echo
        echo "## lua, whole warm rebuild: ricc as \`RICC_LINK=1 ricc run -- make\` (compiles, ar and link cached)"
        echo
        echo "The other columns are the same rounds' warm builds (ccache caches neither ar nor the link)."
        echo
        cells " build " " gcc " " ccache " " sccache " " ricc run " " floor " " ricc/ccache " " above floor: ricc/ccache " " ricc hits "
        cells "---" "---:" "---:" "---:" "---:" "---:" "---:" "---:" "---"
        g=$(val lua.warm.gcc) c=$(val lua.warm.ccache) sc=$(val lua.warm.sccache)
        ri=$(val lua.runwarm.riccrun) fl=$(val lua.warm.floor)
        cells " lua warm (s) " " $(num %.2f "$g") " " $(col ccache %.2f "$c") " " $(col sccache %.2f "$sc") " \
            " $(num %.2f "$ri") " " $(num %.2f "$fl") " " $(ratio "$ri" "$c") " \
            " $(ratio "$(diffmed lua.runwarm.riccrun lua.warm.floor)" "$(diffmed lua.warm.ccache lua.warm.floor)") " \
            " $(distinct lua.runwarm.hits.ricc) "
    fi
    echo
    echo "## One hit on a real file (ms per call); target above the floor: ricc/ccache <= 0.5"
    echo
    echo "Each cell: the median over rounds of one round's median call. gcc: the compile itself"
    echo "(what a hit saves). floor: a static no-op started the same way (posix_spawn), just"
    echo "before each tool's calls; the cell is the median of all those samples, and the"
    echo "above-floor ratio takes it out of both sides (a single sample can catch a busy spell)."
    echo
    cells " file " " gcc " " ccache " " sccache " " ricc " " floor " " ricc/ccache " " above floor: ricc/ccache " " hits ccache " " hits ricc "
    cells "---" "---:" "---:" "---:" "---:" "---:" "---:" "---:" "---" "---"
    for p in $ONLY; do
        k=lat.$p
        g=$(val "$k.gcc") c=$(val "$k.ccache") sc=$(val "$k.sccache") ri=$(val "$k.ricc")
        fl=$(cat "$R"/"$k".noop.* | median)
        cells " $p ${LAT_TARGET[$p]##*/} " " $(num %.1f "$g") " " $(col ccache %.2f "$c") " " $(col sccache %.2f "$sc") " \
            " $(num %.2f "$ri") " " $(num %.2f "$fl") " " $(ratio "$ri" "$c") " \
            " $(ratio "$(less "$ri" "$fl")" "$(less "$c" "$fl")") " \
            " $(distinct "$k.hits.ccache") " " $(distinct "$k.hits.ricc") "
    done
    echo
    echo "## How it was run"
    echo
    echo "Total time of the rounds: ${TOTAL}s. \$T is a scratch dir, removed at the end; checkouts"
    echo "are \$T/co/a/P, the second one \$T/co/b/P, the latency one \$T/co/lat/P. Environment:"
    echo "ccache: CCACHE_DIR (empty each round), CCACHE_BASEDIR=\$T/co; sccache: its own server"
    echo "(SCCACHE_DIR empty each round, SCCACHE_SERVER_PORT); ricc: RICC_DIR (empty each round),"
    if [[ $RICC_ROOT_MODE = parent ]]; then
        echo "RICC_PROJECT_ROOT=\$T/co (the checkouts' common parent, as ricc's README says under \"Hits"
        echo "across checkouts\"; BENCH_RICC_ROOT=checkout sets each checkout's root instead);"
    else
        echo "RICC_PROJECT_ROOT=the checkout's root (BENCH_RICC_ROOT=checkout);"
    fi
    echo "floor: BENCH_FLOOR_STORE (gcc's outputs of the same round and scenario)."
    echo "Edits, in checkout A after the warm build: the header edit replaces one line,"
    for p in $ONLY; do
        echo "- $p, ${HEADER[$p]}: \`${HEADER_OLD[$p]}\` becomes \`${HEADER_NEW[$p]}\`"
    done
    echo "and the one-file edit appends \`extern const char bench_projects_edit[];\` and"
    echo "\`const char bench_projects_edit[] = \"edited\";\` to $(for p in $ONLY; do printf '%s ' "${SOURCE[$p]}"; done)(then a build each)."
    echo "Clean build dir: \`make clean\` (lua), a new configured build dir (CMake)."
    echo
    for p in $ONLY; do
        echo "### $p"
        echo
        echo '```'
        for t in "${TOOLS[@]}"; do
            [[ -n ${CMDS[$p $t]:-} ]] || continue
            echo "# $t"
            printf '%s' "${CMDS[$p $t]}"
        done
        echo "# latency (spawn-time REPS CMD: bench/spawn-time.c; after up to 3 untimed calls until a hit)"
        printf '%s' "${CMDS[latency $p]:-}"
        echo '```'
        echo
    done
    echo
    echo "All rounds, in order (s; latency ms):"
    echo
    echo '```'
    for f in "$R"/*; do
        [[ $f != *.hits.* ]] || continue
        printf '%-28s %s\n' "${f##*/}" "$(awk '{ printf "%s%.3f", (NR > 1 ? " " : ""), $1 }' "$f")"
    done
    echo '```'
    for n in "${NOTES[@]+"${NOTES[@]}"}"; do echo; echo "note: $n"; done
}

report >"$T/report.md"
cp "$T/report.md" "$OUT" || die "cannot write $OUT"
cat "$T/report.md"
note "written to $OUT"
if ((MISMATCH)); then
    note "MISMATCH: some cached build left outputs that differ from plain gcc's (see the notes)"
    exit 1
fi
