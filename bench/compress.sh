#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench/compress.sh — what storing blobs compressed costs and saves, on the
# real projects (lua with make, zlib and fmt with CMake + Ninja), with
# compression on and off side by side in one run.
#
#   RICC=/abs/path/to/ricc bench/compress.sh        (default: build/bin/ricc)
#
# Settings (environment): BENCH_ROUNDS (3) warm rebuilds per setting, the
# table shows medians; BENCH_LEVEL (1) the zstd level of "on"; BENCH_JOBS
# (nproc); BENCH_DEBUG (1) also builds every project with -g (CMake's
# RelWithDebInfo), since debug info is most of what compresses;
# BENCH_HIT_RUNS (40) calls per hit timing; BENCH_PROJECTS (../shared/projects
# beside the checkout); BENCH_KEEP (0) keeps the scratch directory.
#
# What it prints:
# - Size: after a cold build of all three projects into an empty cache,
#   the store's areas (cas/, ac/, manifests/) on disk, in blocks as max_size
#   counts them, with compression off and on; their quotient is how many
#   times more builds the same max_size holds.  Also the CAS alone, and what
#   --print-stats says (cache_size_bytes and cache_size_uncompressed_bytes,
#   which include RICC_DIR's fixed tables).
# - Levels: the same objects (the blobs of the "off" cache) compressed at
#   other zstd levels by the zstd program with the store's rule (framed only
#   when that takes fewer 4 KiB blocks and saves 1/32), and the CPU time
#   that took: what a miss pays to store, per level.
# - Time: cold builds (every compile a miss: compression's cost is here),
#   warm rebuilds (clean build tree, every compile a direct hit that
#   materializes its object), medians over BENCH_ROUNDS alternating the
#   order of the settings.
# - One hit: the instructions (callgrind) and wall time (hyperfine, when
#   installed) of one direct hit on a real translation unit: lua's lvm.c
#   (-O2) and fmt's format.cc (-O2 -g, a large object).
#
# Every cached build's objects are compared (cmp) with those of a plain
# build at the same path; a difference stops the script.
set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
RICC=${RICC:-$ROOT/build/bin/ricc}
case $RICC in /*) ;; *) RICC=$PWD/$RICC ;; esac
[ -x "$RICC" ] || { echo "compress.sh: no ricc at $RICC (make first, or set RICC)" >&2; exit 2; }
PROJECTS=${BENCH_PROJECTS:-$ROOT/../shared/projects}
ROUNDS=${BENCH_ROUNDS:-3}
LEVEL=${BENCH_LEVEL:-1}
JOBS=${BENCH_JOBS:-$(nproc)}
DEBUG=${BENCH_DEBUG:-1}
HIT_RUNS=${BENCH_HIT_RUNS:-40}
for c in gcc g++ make cmake ninja cmp zstd; do
    command -v $c >/dev/null || { echo "compress.sh: needs $c" >&2; exit 2; }
done
for p in lua zlib fmt; do
    [ -d "$PROJECTS/$p" ] || { echo "compress.sh: no $PROJECTS/$p" >&2; exit 2; }
done

# Only what is set here reaches ricc.
for v in $(env | sed -n 's/^\(R[IE]CC_[A-Za-z0-9_]*\|CCACHE_[A-Za-z0-9_]*\)=.*/\1/p'); do
    unset "$v"
done
unset MAKEFLAGS MFLAGS MAKELEVEL CC CXX CFLAGS CXXFLAGS
T=$(mktemp -d /tmp/ricc-bench-compress-XXXXXX)
[ "${BENCH_KEEP:-0}" = 1 ] || trap 'rm -rf "$T"' EXIT
export XDG_CONFIG_HOME=$T/xdg-config XDG_RUNTIME_DIR=$T/xdg-run
mkdir -p "$XDG_CONFIG_HOME" "$XDG_RUNTIME_DIR" "$T/logs"
chmod 700 "$XDG_RUNTIME_DIR"
say() { echo "compress.sh: $*" >&2; }
die() { say "$*"; exit 1; }
now() { echo "$EPOCHREALTIME"; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", b - a}'; }
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
# CPU seconds (user + system) of this shell's waited-for children so far.
child_cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($16 + $17) / hz}' /proc/$$/stat; }

SRC=$T/src
mkdir -p "$SRC"
for p in lua zlib fmt; do
    cp -a "$PROJECTS/$p" "$SRC/$p"
    chmod -R u+w "$SRC/$p"
done

# use SETTING FLAVOR: point ricc at the cache of that setting (on|off) and
# flavor (plain|g).
use() {
    export RICC_DIR=$T/cache-$2-$1 RICC_COMPRESSION_LEVEL=$LEVEL
    if [ "$1" = on ]; then export RICC_COMPRESSION=true; else export RICC_COMPRESSION=false; fi
}
# clean P FLAVOR LAUNCHER: a clean build tree for P (configured for CMake).
clean() {
    local p=$1 flavor=$2 launcher=$3 args=()
    case $p in
        lua) make -C "$SRC/lua" -s clean >/dev/null ;;
        *)
            args=(-S "$SRC/$p" -B "$SRC/$p/build" -G Ninja)
            [ "$flavor" = g ] && args+=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
            [ "$p" = fmt ] && args+=(-DFMT_TEST=OFF)
            if [ -n "$launcher" ]; then
                args+=("-DCMAKE_C_COMPILER_LAUNCHER=$launcher" "-DCMAKE_CXX_COMPILER_LAUNCHER=$launcher")
            fi
            rm -rf "$SRC/$p/build"
            cmake "${args[@]}" >"$T/logs/configure.log" 2>&1 ||
                { tail -20 "$T/logs/configure.log" >&2; die "configuring $p failed"; }
            ;;
    esac
}
# build P FLAVOR LAUNCHER: build it; the wall seconds go to stdout.
build() {
    local p=$1 flavor=$2 launcher=$3 t0 t1 cmd=()
    case $p in
        lua)
            cmd=(make -C "$SRC/lua" -j"$JOBS" "CC=${launcher:+$launcher }gcc")
            [ "$flavor" = g ] && cmd+=("MYCFLAGS=-std=c99 -DLUA_USE_LINUX -DLUA_USE_READLINE -g")
            ;;
        *) cmd=(ninja -C "$SRC/$p/build" -j"$JOBS") ;;
    esac
    t0=$(now)
    "${cmd[@]}" >"$T/logs/build.log" 2>&1 || { tail -30 "$T/logs/build.log" >&2; die "building $p failed: ${cmd[*]}"; }
    t1=$(now)
    secs "$t0" "$t1"
}
objects() {
    case $1 in
        lua) (cd "$SRC/lua" && ls ./*.o) ;;
        *) (cd "$SRC/$1/build" && find . -name '*.o' | sort) ;;
    esac
}
objdir() { if [ "$1" = lua ]; then echo "$SRC/lua"; else echo "$SRC/$1/build"; fi; }
# keep_reference P FLAVOR: plain gcc's objects of P, to compare with.
keep_reference() {
    local o d
    d=$(objdir "$1")
    rm -rf "$T/ref/$2/$1"
    mkdir -p "$T/ref/$2/$1"
    while IFS= read -r o; do
        mkdir -p "$T/ref/$2/$1/$(dirname "$o")"
        cp "$d/$o" "$T/ref/$2/$1/$o"
    done < <(objects "$1")
}
same_as_reference() {
    local o d n=0
    d=$(objdir "$1")
    while IFS= read -r o; do
        cmp -s "$d/$o" "$T/ref/$2/$1/$o" || die "$1/$o ($2) differs from plain gcc's"
        n=$((n + 1))
    done < <(objects "$1")
    [ $n -gt 0 ] || die "$1 built no objects"
}
# blocks DIRS...: bytes in 4 KiB blocks, as max_size counts them.
blocks() {
    find "$@" -type f -printf '%s\n' 2>/dev/null | awk '{b += int(($1 + 4095) / 4096) * 4096} END {print b + 0}'
}
stat_of() { "$RICC" --print-stats | awk -F'\t' -v k="$1" '$1 == k {print $2}'; }
mb() { awk -v b="$1" 'BEGIN {printf "%.1f MB", b / 1e6}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2fx", b ? a / b : 0}'; }

FLAVORS="plain"
[ "$DEBUG" = 1 ] && FLAVORS="plain g"
declare -A COLD WARM WARMMIN WARMCPU STORE CAS PS_SIZE PS_RAW

for flavor in $FLAVORS; do
    say "plain gcc builds ($flavor)"
    for p in lua zlib fmt; do
        clean $p $flavor ""
        build $p $flavor "" >/dev/null
        keep_reference $p $flavor
    done
    for setting in on off; do
        use $setting $flavor
        say "cold builds, compression $setting ($flavor)"
        t=0
        for p in lua zlib fmt; do
            clean $p $flavor "$RICC"
            s=$(build $p $flavor "$RICC")
            same_as_reference $p $flavor
            t=$(awk -v a="$t" -v b="$s" 'BEGIN {print a + b}')
        done
        COLD[$flavor.$setting]=$t
        STORE[$flavor.$setting]=$(blocks "$RICC_DIR/cas" "$RICC_DIR/ac" "$RICC_DIR/manifests")
        CAS[$flavor.$setting]=$(blocks "$RICC_DIR/cas")
        PS_SIZE[$flavor.$setting]=$(stat_of cache_size_bytes)
        PS_RAW[$flavor.$setting]=$(stat_of cache_size_uncompressed_bytes)
    done
    for r in $(seq 1 "$ROUNDS"); do
        order="on off"
        [ $((r % 2)) = 0 ] && order="off on"
        for setting in $order; do
            use $setting $flavor
            t=0 cpu=0
            for p in lua zlib fmt; do
                clean $p $flavor "$RICC"
                c0=$(child_cpu)
                s=$(build $p $flavor "$RICC")
                c1=$(child_cpu)
                same_as_reference $p $flavor
                t=$(awk -v a="$t" -v b="$s" 'BEGIN {print a + b}')
                cpu=$(awk -v a="$cpu" -v b="$c0" -v c="$c1" 'BEGIN {print a + c - b}')
            done
            echo "$t" >>"$T/warm.$flavor.$setting"
            echo "$cpu" >>"$T/warmcpu.$flavor.$setting"
        done
        say "warm round $r ($flavor) done"
    done
    for setting in on off; do
        WARM[$flavor.$setting]=$(median <"$T/warm.$flavor.$setting")
        WARMMIN[$flavor.$setting]=$(sort -g "$T/warm.$flavor.$setting" | head -1)
        WARMCPU[$flavor.$setting]=$(median <"$T/warmcpu.$flavor.$setting")
    done
done

echo "# compressed storage (zstd level $LEVEL) vs raw: lua + zlib + fmt, $(nproc) CPUs, $ROUNDS rounds"
echo
echo "## Size after a cold build of the three"
echo
echo "| build | store off | store on | ratio | CAS off | CAS on | ratio | --print-stats on: size / uncompressed |"
echo "|---|---|---|---|---|---|---|---|"
for flavor in $FLAVORS; do
    name=$([ $flavor = g ] && echo "with -g" || echo "default flags")
    echo "| $name | $(mb "${STORE[$flavor.off]}") | $(mb "${STORE[$flavor.on]}") |" \
        "$(ratio "${STORE[$flavor.off]}" "${STORE[$flavor.on]}") | $(mb "${CAS[$flavor.off]}") |" \
        "$(mb "${CAS[$flavor.on]}") | $(ratio "${CAS[$flavor.off]}" "${CAS[$flavor.on]}") |" \
        "$(mb "${PS_SIZE[$flavor.on]}") / $(mb "${PS_RAW[$flavor.on]}") |"
done

echo
echo "## Other levels (the raw blobs of the off cache, zstd CLI, the store's rule)"
echo
echo "| build | level | CAS stored | ratio | CPU to compress |"
echo "|---|---|---|---|---|"
for flavor in $FLAVORS; do
    mapfile -t blobs < <(find "$T/cache-$flavor-off/cas" -type f)
    raw=$(blocks "$T/cache-$flavor-off/cas")
    for l in -1 1 3 6 9 19; do
        if [ "$l" -lt 0 ]; then zargs=("--fast=${l#-}"); else zargs=("-$l"); fi
        # (the CPU of waited-for children: the zstd processes; clock ticks)
        c0=$(awk '{print $16 + $17}' /proc/$$/stat)
        stored=0
        for b in "${blobs[@]}"; do
            s=$(stat -c %s "$b")
            z=$(zstd -q -c --no-check "${zargs[@]}" "$b" | wc -c)
            z=$((z + 16))
            bs=$(((s + 4095) / 4096 * 4096)) bz=$(((z + 4095) / 4096 * 4096))
            if [ $s -gt 4096 ] && [ $z -lt $((s - s / 32)) ] && [ $bz -lt $bs ]; then
                stored=$((stored + bz))
            else
                stored=$((stored + bs))
            fi
        done
        c1=$(awk '{print $16 + $17}' /proc/$$/stat)
        cpu=$(awk -v a="$c0" -v b="$c1" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f s", (b - a) / hz}')
        echo "| $([ $flavor = g ] && echo "with -g" || echo "default flags") | $l | $(mb $stored) | $(ratio "$raw" "$stored") | $cpu |"
    done
done
echo
echo "(CPU includes starting one zstd process per blob, the same for every level.)"

echo
echo "## Build time (seconds, all three projects)"
echo
echo "| build | cold off | cold on | warm off | warm on | warm on/off | warm min off / on | warm CPU off / on |"
echo "|---|---|---|---|---|---|---|---|"
for flavor in $FLAVORS; do
    echo "| $([ $flavor = g ] && echo "with -g" || echo "default flags") | ${COLD[$flavor.off]} | ${COLD[$flavor.on]} |" \
        "${WARM[$flavor.off]} | ${WARM[$flavor.on]} | $(ratio "${WARM[$flavor.on]}" "${WARM[$flavor.off]}") |" \
        "${WARMMIN[$flavor.off]} / ${WARMMIN[$flavor.on]} | ${WARMCPU[$flavor.off]} / ${WARMCPU[$flavor.on]} |"
done
echo
echo "(warm: medians of the wall time; min: the fastest round; CPU: user + system of the builds, medians.)"

# ---- one hit ----
# hit NAME DIR FLAVOR COMPILE...: a warm direct hit of that compile, with
# each setting: callgrind's instructions and hyperfine's mean.
echo
echo "## One direct hit"
echo
echo "| translation unit | object | stored (on) | instructions off | on | wall off | on | CPU off | on |"
echo "|---|---|---|---|---|---|---|---|---|"
hit() {
    local name=$1 dir=$2 setting out ins=() wall=() cpu=() obj h stored
    shift 2
    out=$T/hit.o
    for setting in off on; do
        use $setting hit
        (cd "$dir" && "$RICC" "$@" -o "$out" && sleep 2.2 && "$RICC" "$@" -o "$out")
        (cd "$dir" && valgrind --tool=callgrind --callgrind-out-file="$T/cg.out" "$RICC" "$@" -o "$out") \
            2>"$T/cg.log" || die "callgrind failed: $(tail -5 "$T/cg.log")"
        ins+=("$(awk '/refs:/ {print $NF}' "$T/cg.log")")
        if command -v hyperfine >/dev/null; then
            (cd "$dir" && hyperfine -N -w 3 -r "$HIT_RUNS" --export-json "$T/hf.json" \
                "$RICC $* -o $out" >/dev/null 2>&1) || die "hyperfine failed"
            wall+=("$(awk -F: '/"median"/ {gsub(/[ ,]/, "", $2); printf "%.2f ms", $2 * 1000; exit}' "$T/hf.json")")
            cpu+=("$(awk -F: '/"user"/ && !u {gsub(/[ ,]/, "", $2); u = $2} /"system"/ && !s {gsub(/[ ,]/, "", $2); s = $2}
                     END {printf "%.2f ms", (u + s) * 1000}' "$T/hf.json")")
        else
            wall+=("-")
            cpu+=("-")
        fi
    done
    obj=$(stat -c %s "$out")
    h=$(sha256sum "$out" | cut -d' ' -f1)
    stored=$(stat -c %s "$RICC_DIR/cas/${h:0:2}/$h")
    echo "| $name | $obj B | $stored B | ${ins[0]} | ${ins[1]} | ${wall[0]} | ${wall[1]} | ${cpu[0]} | ${cpu[1]} |"
}
hit "lua lvm.c -O2" "$SRC/lua" gcc -std=c99 -Wall -O2 -DLUA_USE_LINUX -c lvm.c
hit "fmt format.cc -O2 -g" "$SRC/fmt" g++ -std=c++17 -O2 -g -Iinclude -c src/format.cc
echo
echo "(wall: hyperfine's median of $HIT_RUNS; CPU: its mean user + system.)"
echo
echo "Command: RICC=$RICC BENCH_ROUNDS=$ROUNDS BENCH_LEVEL=$LEVEL BENCH_DEBUG=$DEBUG bench/compress.sh"
