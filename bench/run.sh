#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench/run.sh — ricc side by side with plain gcc and ccache, in one run.
#
#   RICC=/abs/path/to/ricc bench/run.sh        (what `make bench` does)
#
# Settings (environment):
#   BENCH_FILES=300     sources in the generated project
#   BENCH_RUNS=3        repetitions of everything; the table shows medians
#   BENCH_HIT_REPS=30   calls per hit-latency sample for ccache and ricc
#   BENCH_GCC_REPS=5    calls per sample for plain gcc (a full compile each)
#   BENCH_JOBS=$(nproc) make -j for the builds
#   BENCH_KEEP=1        keep the scratch directory (project, caches, logs)
#   BENCH_REMOTE=0      leave out the remote column
#
# What it does (bench/README.md says how to read the results):
#  1. bench/gen-project.sh writes a synthetic project into a scratch dir.
#  2. Each run, for each tool (gcc, then ccache and ricc in alternating
#     order): a fresh, empty cache dir; a cold build (make -jN from an empty
#     obj/); a warm build (obj/ removed again, cache kept); then the hit
#     latency of one C file and one C++ file: one untimed call to fill the
#     cache, then the same compile repeated, each call timed on its own;
#     and the peak RSS of one hit under /usr/bin/time.
#     The remote column is ricc in a fresh sandbox with a shared cache:
#     cache-only against bench/cas_server.c (a native in-memory REAPI
#     server, started anew each run) on a unix socket, as BuildStream sets
#     it up; its cold build uploads, its warm build and every hit call start
#     from an empty RICC_DIR, so every hit is a remote one.
#  3. The table: medians over runs (for latencies, the median over runs of
#     each run's median call), ricc's ratios to ccache and to gcc, and the
#     remote column's to ricc's local one.
#
# Sanity checks, because a benchmark that measures the wrong thing is worse
# than none: every build must succeed; the objects each cached build writes
# are compared with those plain gcc wrote (a cache that returned something
# else would be fast and wrong); and the warm build's hit count is read from
# each cache's own statistics and printed, so a "warm" build that quietly
# missed shows up.
#
# Progress goes to stderr, the results to stdout. Nothing here is an
# expectation: the numbers depend on the machine and are not compared with
# anything.
set -euo pipefail
export LC_ALL=C         # a decimal point, not a comma, in EPOCHREALTIME

HERE=$(cd "$(dirname "$0")" && pwd)
FILES=${BENCH_FILES:-300}
RUNS=${BENCH_RUNS:-3}
HIT_REPS=${BENCH_HIT_REPS:-30}
GCC_REPS=${BENCH_GCC_REPS:-5}
JOBS=${BENCH_JOBS:-$(nproc 2>/dev/null || echo 2)}
RICC_BIN=${RICC:-}
WANT_REMOTE=${BENCH_REMOTE:-1}

for v in FILES RUNS HIT_REPS GCC_REPS JOBS; do
    case ${!v} in
        ''|*[!0-9]*|0) echo "bench: BENCH_$v must be a positive number, got '${!v}'" >&2; exit 2 ;;
    esac
done

note() { printf 'bench: %s\n' "$*" >&2; }

# The tools to compare. Each is a label and a prefix put before the
# compiler; plain gcc has none.
TOOLS=(gcc)
declare -A PREFIX=([gcc]="")
NOTES=()
if command -v ccache >/dev/null 2>&1; then
    TOOLS+=(ccache)
    PREFIX[ccache]=$(command -v ccache)
else
    NOTES+=("ccache is not installed, so its column is empty; on Debian: apt-get install ccache")
fi
if [[ -n $RICC_BIN && -x $RICC_BIN ]]; then
    TOOLS+=(ricc)
    PREFIX[ricc]=$RICC_BIN
elif [[ -n $RICC_BIN ]]; then
    NOTES+=("RICC=$RICC_BIN is not an executable, so the ricc column is empty")
else
    NOTES+=("RICC is not set, so the ricc column is empty (make bench sets it)")
fi
TIME_BIN=
if [[ -x /usr/bin/time ]] && /usr/bin/time -f %M -o /dev/null true 2>/dev/null; then
    TIME_BIN=/usr/bin/time
else
    NOTES+=("GNU time (/usr/bin/time, Debian package 'time') is missing: no peak RSS row")
fi

# Settings from the caller's environment would make the columns measure
# something else (a disabled ccache, a remote ricc, a different cache dir):
# each tool gets only what is set below.
unset RICC
for v in $(compgen -e); do
    case $v in CCACHE_*|RICC_*|RECC_*) unset "$v" ;; esac
done

T=$(mktemp -d "${TMPDIR:-/tmp}/ricc-bench.XXXXXX")
SERVER_PID=
stop_server() {
    if [[ -n $SERVER_PID ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=
    fi
}
# The agents the remote column started (one per run: each has its own
# RICC_DIR) live in this run's private runtime directory.
stop_agents() {
    local l
    for l in "$T"/xdg/ricc/*.lock; do
        if [[ -s $l ]]; then kill "$(cat "$l")" 2>/dev/null || true; fi
    done
}
cleanup() {
    stop_server
    stop_agents
    if [[ ${BENCH_KEEP:-0} = 1 ]]; then
        note "kept $T"
    else
        rm -rf "$T"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The remote column: ricc as a BuildStream sandbox runs it, against a native
# cache server built here from bench/cas_server.c and ricc's build tree
# (RICC=<build>/bin/ricc: <build>/lib/libricc-cache.a, <build>/proto).
SERVER=$T/cas_server
if [[ $WANT_REMOTE = 1 && " ${TOOLS[*]} " = *" ricc "* ]]; then
    rb=$(cd "$(dirname "$RICC_BIN")/.." && pwd)
    # shellcheck disable=SC2046
    if pkg-config --exists grpc libprotobuf-c libcrypto 2>/dev/null &&
        gcc -std=c11 -D_GNU_SOURCE -O2 -I"$HERE/.." -I"$rb/proto" \
            $(pkg-config --cflags grpc libprotobuf-c libcrypto) -o "$SERVER" \
            "$HERE/cas_server.c" "$rb/lib/libricc-cache.a" \
            $(pkg-config --libs grpc libprotobuf-c libcrypto) 2>"$T/cas_server.log"; then
        TOOLS+=(remote)
        PREFIX[remote]=$RICC_BIN
    else
        NOTES+=("bench/cas_server.c did not build ($T/cas_server.log, needs libgrpc-dev and $rb/lib): no remote column")
    fi
fi
# start_server: a new, empty server for each run, so that run's cold
# build finds nothing.
start_server() {
    stop_server
    rm -f "$T/cas.sock" "$T/cas.ready"
    "$SERVER" --unix "$T/cas.sock" --ready-file "$T/cas.ready" 2>>"$T/cas_server.log" &
    SERVER_PID=$!
    local i
    for ((i = 0; i < 300; i++)); do
        [[ -f $T/cas.ready ]] && return
        sleep 0.1
    done
    note "bench/cas_server.c did not start; see $T/cas_server.log"
    exit 1
}

P=$T/project
R=$T/results
mkdir -p "$R" "$T/caches"

now() {
    if [[ -n ${EPOCHREALTIME:-} ]]; then NOW=$EPOCHREALTIME; else NOW=$(date +%s.%N); fi
}
elapsed() { awk -v a="$1" -v b="$2" -v s="$3" 'BEGIN { printf "%.6f\n", (b - a) * s }'; }
median() {
    sort -g | awk '{ v[NR] = $1 }
        END { if (NR == 0) exit
              if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Point the tool at this run's cache. Exported, so make's children see it.
# The remote column's settings are BuildStream's for recc (cache-only,
# uploading what it builds, the toolchain digest its digest-environment
# gives); they are unset again for every other tool.
use_cache() {
    local tool=$1 run=$2
    unset RICC_SERVER RICC_CACHE_ONLY RICC_CACHE_UPLOAD_LOCAL_BUILD \
        RECC_REMOTE_PLATFORM_chrootRootDigest XDG_RUNTIME_DIR RICC_REMOTE_AGENT_IDLE
    case $tool in
        ccache) export CCACHE_DIR=$T/caches/ccache-$run; mkdir -p "$CCACHE_DIR" ;;
        ricc) export RICC_DIR=$T/caches/ricc-$run; mkdir -p "$RICC_DIR" ;;
        remote)
            export RICC_DIR=$T/caches/remote-$run RICC_SERVER=unix:$T/cas.sock RICC_CACHE_ONLY=1 \
                RICC_CACHE_UPLOAD_LOCAL_BUILD=1 XDG_RUNTIME_DIR=$T/xdg RICC_REMOTE_AGENT_IDLE=600 \
                RECC_REMOTE_PLATFORM_chrootRootDigest=$TOOLCHAIN
            [[ -d $XDG_RUNTIME_DIR ]] || mkdir -m 700 "$XDG_RUNTIME_DIR"
            mkdir -p "$RICC_DIR"
            ;;
    esac
}
# What BuildStream's digest-environment would give: any fixed digest (the
# toolchain is this machine's, the same for every run).
TOOLCHAIN=$(printf 'bench toolchain' | sha256sum | cut -c1-64)/15

zero_stats() {
    case $1 in
        ccache) ccache --zero-stats >/dev/null ;;
        ricc) "$RICC_BIN" --zero-stats >/dev/null ;;
        remote) rm -rf "$RICC_DIR" ;;   # a fresh sandbox: nothing but the server
    esac
}

# Append "hits/compiles" to FILE and "direct hits/compiles" to DFILE for
# the compiles since the last zero_stats, from the counters each tool prints
# for scripts (tab-separated name and value). The direct hits are the ones
# that did without the preprocessor, which is what makes a hit cheap.
hit_count() {
    local tool=$1 file=$2 dfile=$3 out
    case $tool in
        ccache) out=$(ccache --print-stats) ;;
        ricc|remote) out=$("$RICC_BIN" --print-stats) ;;
        *) return ;;
    esac
    awk -F'\t' -v tool="$tool" -v dfile="$dfile" '
        tool == "ccache" && $1 == "direct_cache_hit" { d += $2 }
        tool == "ccache" && $1 == "preprocessed_cache_hit" { h += $2 }
        tool == "ccache" && $1 == "cache_miss" { m += $2 }
        tool != "ccache" && $1 == "direct_hit" { d += $2 }
        tool != "ccache" && ($1 == "preprocessed_hit" || $1 == "remote_hit") { h += $2 }
        tool != "ccache" && ($1 == "miss" || $1 == "fallback") { m += $2 }
        END { n = d + h + m
              printf "%d/%d\n", d + h, n
              # A remote hit is counted as such, whether found by a manifest
              # (no preprocessor) or not: no direct count for that column.
              if (tool != "remote") printf "%d/%d\n", d, n >> dfile }' <<<"$out" >>"$file"
}

# One timed build from an empty obj/. Prints seconds; appends the CPU
# seconds (user + system of make and every process it waited for) to
# CPUFILE: on a shared machine the elapsed time moves with everyone else's
# load, the CPU a build needed much less.
build() {
    local tool=$1 log=$2 cpufile=$3 t0 timer=()
    [[ -z $TIME_BIN ]] || timer=("$TIME_BIN" -f "%U %S" -o "$T/cpu")
    make -C "$P" -s clean >/dev/null
    now; t0=$NOW
    if ! "${timer[@]}" make -C "$P" -s -j"$JOBS" CC="${PREFIX[$tool]:+${PREFIX[$tool]} }gcc" >"$log" 2>&1; then
        note "the $tool build failed; the last lines of $log:"
        tail -n 20 "$log" >&2
        BENCH_KEEP=1    # for the rest of the logs and the project
        exit 1
    fi
    now
    [[ -z $TIME_BIN ]] || tail -n 1 "$T/cpu" | awk '{ printf "%.3f\n", $1 + $2 }' >>"$cpufile"
    elapsed "$t0" "$NOW" 1
}

# The objects gcc wrote, by digest, for comparing every cached build with.
OBJ_SUMS=$T/gcc-objects.sha256
record_objects() { (cd "$P/obj" && sha256sum -- *.o) >"$OBJ_SUMS"; }
check_objects() {
    local tool=$1 what=$2 bad
    bad=$(cd "$P/obj" && sha256sum --check --quiet "$OBJ_SUMS" 2>/dev/null | wc -l) || true
    if [[ $bad -ne 0 ]]; then
        NOTES+=("$tool $what build: $bad objects differ from gcc's (run $run)")
        note "WARNING: $tool $what build: $bad objects differ from plain gcc's"
    fi
}

# Time one compile command REPS times, each call on its own; append the
# median in ms to FILE. The first call is not timed: it fills the cache (or
# for gcc, the page cache). Calls are started by bench/spawn-time.c with
# posix_spawn, as ninja and make start a compiler; only if it cannot be
# built, by this shell (fork, which costs more and is then in the floor).
# With WIPE set, that directory is removed before every call, untimed (the
# remote column: each call in a fresh sandbox).
latency() {
    local file=$1 reps=$2 t0 i
    shift 2
    if [[ -n $SPAWN_TIME ]]; then
        "$SPAWN_TIME" ${WIPE:+-w "$WIPE"} "$reps" "$@" | median >>"$file" ||
            { note "failed: $*"; exit 1; }
        return
    fi
    [[ -z ${WIPE:-} ]] || rm -rf "$WIPE"
    "$@" >/dev/null 2>&1 || { note "failed: $*"; exit 1; }
    for ((i = 0; i < reps; i++)); do
        [[ -z ${WIPE:-} ]] || rm -rf "$WIPE"
        now; t0=$NOW
        "$@" >/dev/null 2>&1
        now
        elapsed "$t0" "$NOW" 1000
    done | median >>"$file"
}

SPAWN_TIME=$T/spawn-time
LAT_HOW="posix_spawn (bench/spawn-time.c)"
if ! gcc -O2 -o "$SPAWN_TIME" "$HERE/spawn-time.c" 2>"$T/spawn-time.log"; then
    SPAWN_TIME=
    LAT_HOW="fork from this shell"
    NOTES+=("bench/spawn-time.c did not build ($T/spawn-time.log): latencies were timed from the shell")
fi
# The floor's program: one that does nothing, linked statically, so that
# it costs only what starting any process costs (/bin/true, dynamically
# linked, also pays for loading libc: more than a static ricc pays to
# start, which once put ricc's hit below the floor).
NOOP=$T/noop
if ! printf 'int main(void) { return 0; }\n' | gcc -O2 -static -x c -o "$NOOP" - 2>/dev/null; then
    NOOP=/bin/true
    NOTES+=("no static C library to link a no-op with: the floor is /bin/true's start")
fi

# -------------------------------------------------------------------------

note "generating $FILES sources in $P"
"$HERE/gen-project.sh" "$P" "$FILES"
mkdir -p "$P/hit"
# The C hit file is an ordinary source of the project (not one of the few
# that include the x86 intrinsics), compiled with the Makefile's flags.
C_FLAGS=(-O2 -g -Wall -Iinclude -MMD -MP -c src/s0000.c -o hit/c.o)
CXX_FLAGS=(-O2 -g -Wall -c cxx/hit.cpp -o hit/cxx.o)
# How many headers a file reads: the words of its -M rule, less the target
# and the source.
count_headers() {
    (cd "$P" && "$@" -M) | awk '{ for (i = 1; i <= NF; i++) if ($i != "\\") n++ } END { print n - 2 }'
}
C_HEADERS=$(count_headers gcc -Iinclude src/s0000.c)
CXX_HEADERS=$(count_headers g++ cxx/hit.cpp)

# The process-start floor of this way of timing: what starting a program
# that does nothing costs from this shell. Every hit latency includes it once. It is timed
# beside each tool's latencies (below), so that it sees the machine as they
# do: timed once before everything, a busy spell could put it above a hit.
FLOOR=$T/floor

# Warm the page cache with the compilers and headers, so the first timed
# build does not pay for reading them from disk.
(cd "$P" && gcc "${C_FLAGS[@]}" && g++ "${CXX_FLAGS[@]}")

START=$SECONDS
for ((run = 1; run <= RUNS; run++)); do
    # gcc first (its objects are the reference), the caches in turn.
    order=(gcc)
    if ((run % 2)); then
        for t in "${TOOLS[@]:1}"; do order+=("$t"); done
    else
        for ((i = ${#TOOLS[@]} - 1; i >= 1; i--)); do order+=("${TOOLS[$i]}"); done
    fi
    for tool in "${order[@]}"; do
        pre=()
        [[ -z ${PREFIX[$tool]} ]] || pre=("${PREFIX[$tool]}")
        [[ $tool != remote ]] || start_server
        use_cache "$tool" "$run"
        note "run $run/$RUNS: $tool"

        build "$tool" "$T/$tool-cold-$run.log" "$R/coldcpu.$tool" >>"$R/cold.$tool"
        if [[ $tool = gcc ]]; then record_objects; else check_objects "$tool" cold; fi

        [[ $tool = gcc ]] || zero_stats "$tool"
        build "$tool" "$T/$tool-warm-$run.log" "$R/warmcpu.$tool" >>"$R/warm.$tool"
        [[ $tool = gcc ]] || check_objects "$tool" warm
        hit_count "$tool" "$R/hits.$tool" "$R/dhits.$tool"

        reps=$HIT_REPS
        [[ $tool = gcc ]] && reps=$GCC_REPS
        WIPE=
        [[ $tool != remote ]] || WIPE=$RICC_DIR
        cd "$P"
        WIPE='' latency "$FLOOR" "$HIT_REPS" "$NOOP"
        latency "$R/hitc.$tool" "$reps" "${pre[@]}" gcc "${C_FLAGS[@]}"
        latency "$R/hitcxx.$tool" "$reps" "${pre[@]}" g++ "${CXX_FLAGS[@]}"
        if [[ -n $TIME_BIN ]]; then
            [[ -z $WIPE ]] || rm -rf "$WIPE"
            "$TIME_BIN" -f %M -o "$T/rss" "${pre[@]}" gcc "${C_FLAGS[@]}" >/dev/null 2>&1
            tail -n 1 "$T/rss" >>"$R/rss.$tool"
        fi
        cd - >/dev/null
        if [[ $tool = remote ]]; then
            # Every hit call above must have been a remote hit: the last
            # one's RICC_DIR (made by that call alone) says so.
            if [[ $("$RICC_BIN" --print-stats | awk -F'\t' '$1 == "remote_hit" { print $2 }') != 1 ]]; then
                NOTES+=("remote column, run $run: the last hit call was not a remote hit")
                note "WARNING: the remote column's last hit call was not a remote hit"
            fi
            stop_agents
            stop_server
        fi
    done
done
TOTAL=$((SECONDS - START))

# -------------------------------------------------------------------------

version() {
    case $1 in
        gcc) gcc --version | head -n 1 ;;
        ccache) ccache --version | head -n 1 ;;
        ricc) "$RICC_BIN" --version 2>&1 | head -n 1 ;;
        remote) echo "the same ricc, cache-only, against bench/cas_server.c on a unix socket" ;;
    esac
}

# value METRIC TOOL: the median over runs, or empty.
value() { if [[ -s $R/$1.$2 ]]; then median <"$R/$1.$2"; fi; }

fmt() {
    if [[ -z $2 ]]; then echo "-"; else awk -v v="$2" -v f="$1" 'BEGIN { printf f, v }'; fi
}
ratio() {
    if [[ -z $1 || -z $2 ]]; then echo "-"
    else awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }'
    fi
}

# The remote column and its ratio to ricc's local one are printed only
# when that column was measured.
COLS=(gcc ccache ricc)
[[ " ${TOOLS[*]} " != *" remote "* ]] || COLS+=(remote)
header() {
    printf '%-24s %10s %10s %10s' metric gcc ccache ricc
    [[ ${#COLS[@]} -lt 4 ]] || printf ' %10s' remote
    printf ' %12s %10s' ricc/ccache ricc/gcc
    [[ ${#COLS[@]} -lt 4 ]] || printf ' %12s' remote/ricc
    echo
}

# row LABEL METRIC FORMAT [less_floor]: each column's median over runs,
# with the process-start floor (starting a no-op the same way) taken out
# when asked: what the tool itself costs, which is what the ratio of two
# latencies should compare.
FLOOR_MS=$(median <"$FLOOR")
less_floor() { if [[ -n $1 ]]; then awk -v v="$1" -v f="$FLOOR_MS" 'BEGIN { printf "%.4f", v - f }'; fi; }
row() {
    local label=$1 metric=$2 f=$3 t v
    declare -A val=()
    for t in "${COLS[@]}"; do
        v=$(value "$metric" "$t")
        [[ -z ${4:-} ]] || v=$(less_floor "$v")
        val[$t]=$v
    done
    printf '%-24s %10s %10s %10s' "$label" "$(fmt "$f" "${val[gcc]}")" "$(fmt "$f" "${val[ccache]}")" \
        "$(fmt "$f" "${val[ricc]}")"
    [[ ${#COLS[@]} -lt 4 ]] || printf ' %10s' "$(fmt "$f" "${val[remote]}")"
    printf ' %12s %10s' "$(ratio "${val[ricc]}" "${val[ccache]}")" "$(ratio "${val[ricc]}" "${val[gcc]}")"
    [[ ${#COLS[@]} -lt 4 ]] || printf ' %12s' "$(ratio "${val[remote]}" "${val[ricc]}")"
    echo
}

# The warm build's hits, as counted by the cache itself: each distinct
# value over the runs.
hits_row() {
    local label=$1 metric=$2 t cells=()
    for t in "${COLS[@]}"; do
        if [[ -s $R/$metric.$t ]]; then
            cells+=("$(sort -u "$R/$metric.$t" | paste -sd, -)")
        else
            cells+=("-")
        fi
    done
    printf '%-24s' "$label"
    printf ' %10s' "${cells[@]}"
    echo
}

echo "ricc benchmark: $FILES sources, $RUNS runs, make -j$JOBS, $(nproc) CPUs, $(uname -m)"
for t in "${TOOLS[@]}"; do echo "  $t: $(version "$t")"; done
echo "  hit files: src/s0000.c reads $C_HEADERS headers; cxx/hit.cpp reads $CXX_HEADERS headers"
echo
header
row "cold build (s)" cold "%.2f"
row "warm build (s)" warm "%.2f"
[[ -n $TIME_BIN ]] && row "cold build CPU (s)" coldcpu "%.2f"
[[ -n $TIME_BIN ]] && row "warm build CPU (s)" warmcpu "%.2f"
row "hit latency C (ms)" hitc "%.2f"
row "hit latency C++ (ms)" hitcxx "%.2f"
row "  C, less the floor" hitc "%.2f" less_floor
row "  C++, less the floor" hitcxx "%.2f" less_floor
[[ -n $TIME_BIN ]] && row "peak RSS, C hit (KB)" rss "%d"
hits_row "warm build hits" hits
hits_row "  of which direct" dhits
echo
echo "gcc's \"hit latency\" is a full compile. Latencies are timed per call, started"
echo "with $LAT_HOW; the floor (starting a static no-op"
echo "the same way) is $(fmt %.2f "$FLOOR_MS") ms and is inside every latency above but the"
echo "\"less the floor\" rows."
if [[ ${#COLS[@]} -ge 4 ]]; then
    echo "remote: each run a new, empty server; the cold build uploads what it compiles,"
    echo "the warm build and every hit call start from an empty RICC_DIR (its hits are"
    echo "remote hits, with or without a manifest: no direct count)."
fi
echo "all runs (s or ms, in run order):"
for m in cold warm hitc hitcxx; do
    for t in "${TOOLS[@]}"; do
        printf '  %-7s %-7s %s\n' "$m" "$t" "$(awk '{ printf "%s%.2f", (NR > 1 ? " " : ""), $1 }' "$R/$m.$t")"
    done
done
echo "total time: ${TOTAL}s"
for n in "${NOTES[@]+"${NOTES[@]}"}"; do echo "note: $n"; done
