#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_realproj.sh — ricc on real projects, built by their own build systems:
# Lua 5.4.7 with its makefile, zlib 1.3.1 with CMake and Ninja (the trees in
# ../shared/projects beside the checkout, or E2E_PROJECTS; see the README
# there).  A generated project shows what its generator thought of; these
# bring glibc's real headers, CMake's absolute -I and source paths, and its
# -MD -MT -MF dependency files.
#
# Every case first checks what ricc must never get wrong: each object (and
# each .d file) byte-identical to a plain gcc build of the same tree at the
# same path with the same flags, the plain reference built once per case.
# Only then does it check the counters, with exact numbers: a rebuild of
# an unchanged tree is all direct hits; a second checkout of the same
# sources under a common RICC_PROJECT_ROOT (how ccache's base_dir is used)
# hits where its objects equal the first checkout's, and misses where they
# record the directory (-g without a prefix map).  Last, one source compiled
# to two output names, as CMake and meson do for two targets: the second
# hits, its .d file names its own output.
#
# A tree is copied into the case's directory before it is built (the
# originals are read-only in CI).  Without the trees, or without cmake and
# ninja for the zlib cases, a case is skipped, saying why.
. "$(dirname "$0")/lib.sh"

PROJECTS=${E2E_PROJECTS:-$(cd "$E2E_DIR/../.." && pwd)/../shared/projects}
LUA_UNITS=34     # lua's makefile: 34 objects (projects/README.md)
ZLIB_UNITS=34    # zlib with CMake: libz.so's 15, libz.a's 15, 4 test programs

need_project() {
    [ -d "$PROJECTS/$1" ] || skip "no $1 sources at $PROJECTS/$1 (set E2E_PROJECTS to the projects folder)"
}
need_cmake_ninja() {
    have cmake || skip "cmake is not installed"
    have ninja || skip "ninja is not installed"
}

# copy_tree NAME DEST: a writable copy of a project.
copy_tree() {
    mkdir -p "$(dirname "$2")"
    cp -R "$PROJECTS/$1" "$2" || die "cannot copy $PROJECTS/$1 to $2"
    chmod -R u+w "$2"
}

# ---- counters and objects ----

all_deltas() {
    local c s=""
    for c in $SIX; do s="$s $c=$(delta "$c")"; done
    echo "${s# }"
}
# want_counts LABEL NAME=N...: after an unsnap, each counter NAME (or
# "hits", direct and preprocessed together) moved by exactly N.
want_counts() {
    local label=$1 kv name got bad=""
    shift
    for kv in "$@"; do
        name=${kv%%=*}
        if [ "$name" = hits ]; then
            got=$(($(delta direct_hit) + $(delta preprocessed_hit)))
        else
            got=$(delta "$name")
        fi
        [ "$got" = "${kv#*=}" ] || bad="$bad $name"
    done
    [ -z "$bad" ] || die "$label: counters moved $(all_deltas); expected $*"
}

# build_outputs DIR: the objects and .d files a build left under DIR (CMake's
# are under CMakeFiles/*.dir), relative names, sorted.
build_outputs() {
    (cd "$1" && find . -type f \( -name '*.o' -o -name '*.d' \) | LC_ALL=C sort)
}
# keep_outputs DIR DEST: copy them aside, as the plain reference.
keep_outputs() {
    local f
    rm -rf "$2"
    mkdir -p "$2"
    build_outputs "$1" >"$2.list"
    while IFS= read -r f; do
        mkdir -p "$2/$(dirname "$f")"
        cp "$1/$f" "$2/$f"
    done <"$2.list"
}
# same_outputs REF DIR LABEL: the same set of objects and .d files, each
# byte-identical to the reference's.
same_outputs() {
    local f n=0
    build_outputs "$2" >"$CASE/got.list"
    diff "$1.list" "$CASE/got.list" >&2 ||
        die "$3: the build left other objects or .d files than plain gcc's (< plain, > ricc)"
    while IFS= read -r f; do
        cmp "$1/$f" "$2/$f" >&2 || die "$3: $f differs from plain gcc's at the same path"
        n=$((n + 1))
    done <"$1.list"
    [ $n -gt 0 ] || die "$3: no objects to compare"
}

# ---- 1. lua, its own makefile ----

# lua_make LABEL CC: make -j2 in lua/, stdout and stderr kept as LABEL.out,
# LABEL.err; counters snapped around it.
lua_make() {
    snap
    timeout 120 make -C lua -j2 CC="$2" >"$CASE/$1.out" 2>"$CASE/$1.err" ||
        { tail -20 "$CASE/$1.err" >&2; die "$1: make CC=\"$2\" failed"; }
    unsnap
}

lua_rebuild() {
    need_project lua
    echo '#include <readline/readline.h>' | gcc -E -x c - >/dev/null 2>&1 ||
        skip "lua's makefile needs readline's headers (libreadline-dev)"
    copy_tree lua lua

    lua_make plain gcc
    local units
    units=$(grep -c -- ' -c ' "$CASE/plain.out" || true)
    [ "$units" = $LUA_UNITS ] || die "plain make ran $units compiles, expected $LUA_UNITS"
    keep_outputs lua "$CASE/plain"
    cp lua/lua "$CASE/plain-lua"
    timeout 60 make -C lua clean >/dev/null

    lua_make cold "$RICC gcc"
    same_outputs "$CASE/plain" lua "cold build"
    cmp "$CASE/plain-lua" lua/lua >&2 || die "cold build: the lua program differs from plain gcc's"
    # Every compile a miss; the link runs through ricc too, uncacheable.
    want_counts "cold build" miss="$units" fallback=0 direct_hit=0 preprocessed_hit=0 \
        remote_hit=0 uncacheable=1

    timeout 60 make -C lua clean >/dev/null
    lua_make warm "$RICC gcc"
    same_outputs "$CASE/plain" lua "rebuild"
    cmp "$CASE/plain-lua" lua/lua >&2 || die "rebuild: the lua program differs from plain gcc's"
    want_counts "rebuild" direct_hit="$units" miss=0 preprocessed_hit=0 fallback=0 \
        remote_hit=0 uncacheable=1
    [ "$(./lua/lua -e 'io.write(6 * 7)')" = 42 ] || die "the rebuilt lua does not run"
    # What gcc said (lua builds silently) reaches make's stderr unchanged.
    local e
    for e in cold warm; do
        diff <(sort "$CASE/plain.err") <(sort "$CASE/$e.err") >&2 ||
            die "$e build: make's stderr differs from the plain build's"
    done
}

# ---- zlib with CMake and Ninja ----

# zlib_configure SRC BUILD RICC|plain [CFLAGS]: configure an out-of-source
# build of the zlib tree SRC in BUILD (made afresh), through ricc or not.
zlib_configure() {
    local src=$1 bdir=$2 how=$3 args
    args=(-G Ninja -S "$src" -B "$bdir" -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=gcc)
    [ "$how" = plain ] || args+=("-DCMAKE_C_COMPILER_LAUNCHER=$RICC")
    [ $# -lt 4 ] || args+=("-DCMAKE_C_FLAGS=$4")
    rm -rf "$bdir"
    timeout 120 cmake "${args[@]}" >"$CASE/cmake.out" 2>&1 ||
        { tail -20 "$CASE/cmake.out" >&2; die "cmake ${args[*]} failed"; }
}

# zlib_build BUILD LABEL: ninja -j2 there, keeping the .d files (ninja reads
# them into its log and deletes them otherwise); counters snapped around it.
zlib_build() {
    snap
    timeout 120 ninja -C "$1" -j2 -v -d keepdepfile >"$CASE/$2.out" 2>&1 ||
        { tail -20 "$CASE/$2.out" >&2; die "$2: ninja failed"; }
    unsnap
}

# zlib_plain SRC BUILD [CFLAGS]: the plain gcc reference, kept in
# $CASE/plain; the build directory is removed after it.
zlib_plain() {
    local units
    zlib_configure "$1" "$2" plain "${@:3}"
    zlib_build "$2" plain
    units=$(grep -c -- ' -c ' "$CASE/plain.out" || true)
    [ "$units" = $ZLIB_UNITS ] || die "plain ninja ran $units compiles, expected $ZLIB_UNITS"
    keep_outputs "$2" "$CASE/plain"
    rm -rf "$2"
}

# ---- 2. zlib: a clean rebuild in the same place ----

zlib_rebuild() {
    need_project zlib
    need_cmake_ninja
    copy_tree zlib zlib
    local bdir=$PWD/build
    zlib_plain "$PWD/zlib" "$bdir"

    zlib_configure "$PWD/zlib" "$bdir" ricc
    zlib_build "$bdir" cold
    same_outputs "$CASE/plain" "$bdir" "cold build"
    want_counts "cold build" miss=$ZLIB_UNITS fallback=0 direct_hit=0 preprocessed_hit=0 \
        remote_hit=0 uncacheable=0

    zlib_configure "$PWD/zlib" "$bdir" ricc
    zlib_build "$bdir" warm
    same_outputs "$CASE/plain" "$bdir" "rebuild"
    want_counts "rebuild" direct_hit=$ZLIB_UNITS miss=0 preprocessed_hit=0 fallback=0 \
        remote_hit=0 uncacheable=0
}

# ---- 3, 4. zlib in two checkouts under one project root ----
#
# Checkout a is $W/a, checkout b is $W/b/other (another depth under the
# root), each holding zlib/ and its build directory build/; CMake names
# both by absolute paths.  RICC_PROJECT_ROOT is $W.  a is built first
# (through ricc, all misses), then b.  MODE: none (CMake's flags only), map
# (-g -ffile-prefix-map=CHECKOUT=., each checkout its own), g (-g alone:
# every object records its build directory).

mode_flags() {
    case $1 in
        none) ;;
        map) echo "-g -ffile-prefix-map=$2=." ;;
        g) echo "-g" ;;
    esac
}
# zlib_setup CHECKOUT MODE HOW: configure CHECKOUT's build (CFLAGS per MODE).
zlib_setup() {
    if [ "$2" = none ]; then
        zlib_configure "$1/zlib" "$1/build" "$3"
    else
        zlib_configure "$1/zlib" "$1/build" "$3" "$(mode_flags "$2" "$1")"
    fi
}

two_checkouts() {
    local mode=$1 W=$PWD A=$PWD/a B=$PWD/b/other f differ=0 same=0
    need_project zlib
    need_cmake_ninja
    copy_tree zlib "$A/zlib"
    copy_tree zlib "$B/zlib"

    # The reference: plain gcc in b, at b's path, with b's flags.
    zlib_setup "$B" "$mode" plain
    zlib_build "$B/build" plain
    keep_outputs "$B/build" "$CASE/plain"
    [ "$(grep -c -- ' -c ' "$CASE/plain.out" || true)" = $ZLIB_UNITS ] ||
        die "plain ninja in b did not run $ZLIB_UNITS compiles"
    rm -rf "$B/build"

    export RICC_PROJECT_ROOT=$W
    zlib_setup "$A" "$mode" ricc
    zlib_build "$A/build" a
    want_counts "checkout a (empty cache)" miss=$ZLIB_UNITS fallback=0 hits=0
    # Whether b may hit at all: a's objects (gcc's own, from misses) against
    # the plain ones of b.
    while IFS= read -r f; do
        case $f in *.o) ;; *) continue ;; esac
        if cmp -s "$A/build/$f" "$CASE/plain/$f"; then
            same=$((same + 1))
        else
            differ=$((differ + 1))
        fi
    done <"$CASE/plain.list"
    note "$mode: $same objects of a equal to plain gcc's of b, $differ differ"

    zlib_setup "$B" "$mode" ricc
    zlib_build "$B/build" b
    # b's dependency files name b's headers, never a's (said first, as it
    # is the likeliest way for a shared entry to go wrong), and everything
    # is plain gcc's at b.
    if grep -rlF --include='*.d' "$A/" "$B/build" >"$CASE/a-in-b" 2>/dev/null; then
        sed 's/^/    names a: /' "$CASE/a-in-b" | head -5 >&2
        die "checkout b: .d files name paths of checkout a"
    fi
    grep -qF "$B/zlib/zlib.h" "$B/build/CMakeFiles/zlib.dir/adler32.c.o.d" ||
        die "checkout b: adler32.c.o.d does not name b's zlib.h"
    same_outputs "$CASE/plain" "$B/build" "checkout b"

    case $mode in
        none | map)
            [ $differ = 0 ] ||
                die "premise: with '$(mode_flags "$mode" "$A")' $differ objects of a differ from b's, so b cannot hit"
            want_counts "checkout b" hits=$ZLIB_UNITS miss=0 fallback=0 remote_hit=0 uncacheable=0
            note "$mode: b got $(delta direct_hit) direct hits, $(delta preprocessed_hit) preprocessed hits"
            ;;
        g)
            [ $same = 0 ] || die "premise: with -g $same objects of a equal b's (expected all to record the directory)"
            want_counts "checkout b" miss=$ZLIB_UNITS hits=0 fallback=0 remote_hit=0 uncacheable=0
            ;;
    esac
}
zlib_two_checkouts() { two_checkouts none; }
zlib_prefix_map() { two_checkouts map; }
zlib_debug_no_map() { two_checkouts g; }

# ---- 5. one source, two output names ----

two_output_names() {
    mkdir -p t1 t2
    printf '#ifndef X_H\n#define X_H\n#define X_SCALE 5\n#endif\n' >x.h
    printf '#include <stdio.h>\n#include "x.h"\nint x(int v) { printf("%%d\\n", v); return v * X_SCALE; }\n' >x.c
    local t
    for t in t1 t2; do
        rm -f $t/x.o $t/x.o.d
        R gcc -O2 -c x.c -o $t/x.o -MD -MT $t/x.o -MF $t/x.o.d
        same_as_plain "$t/x.o $t/x.o.d" gcc -O2 -c x.c -o $t/x.o -MD -MT $t/x.o -MF $t/x.o.d
        grep -q "^$t/x.o:" $t/x.o.d || die "$t/x.o.d does not name $t/x.o"
        case $t in
            t1) expect miss ;;
            t2) expect hit ;;
        esac
    done
}

run_case lua-rebuild lua_rebuild
run_case zlib-cmake-rebuild zlib_rebuild
run_case zlib-two-checkouts zlib_two_checkouts
run_case zlib-prefix-map zlib_prefix_map
run_case zlib-debug-no-map zlib_debug_no_map
run_case two-output-names two_output_names
finish
