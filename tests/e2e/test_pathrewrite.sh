#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_pathrewrite.sh — one project in two directories under RICC_PROJECT_ROOT
# (or recc's RECC_PROJECT_ROOT), compiled with absolute -I paths under the
# root; and one source under several output names.  ricc may rewrite those paths and hit, or miss; either way the object
# must be plain gcc's for the directory it is built in.  Only that invariant
# is asserted; what happened is reported as a note.  Variants where the path
# reaches the object (an absolute source name, __FILE__ in a header found by
# an absolute -I, -g) must therefore miss in the second directory, and
# RECC_NO_PATH_REWRITE=1 turns rewriting off.
. "$(dirname "$0")/lib.sh"

project() {
    mkdir -p "$1/src" "$1/include" "$1/obj"
    cat >"$1/include/pr.h" <<'EOF'
#define PR_SCALE 9
#ifdef WITH_WARNING
static int unused_in_header;
#endif
EOF
    cat >"$1/include/where.h" <<'EOF'
static const char header_path[] = __FILE__;
EOF
    cat >"$1/src/pr.c" <<'EOF'
#include "pr.h"
#ifdef WITH_WHERE
#include "where.h"
const char *where(void) { return header_path; }
#endif
int pr(int x) { return x * PR_SCALE; }
#ifdef WITH_ASSERT
#include <assert.h>
int checked(int x) { assert(x > 0); return x; }
#endif
#ifdef WITH_PASTED
#define PR_CAT(a, b) a##b
const char *pasted(void) { return PR_CAT(__FI, LE__); }
#endif
EOF
}

# two_dirs LABEL ARGS...: ARGS with @D@ replaced by each directory; p1 then
# p2, each a cc_check any, with a RICC_DIR of their own; notes what the
# second directory got.
N_LABEL=0
two_dirs() {
    local label=$1 d args a
    shift
    N_LABEL=$((N_LABEL + 1))
    export RICC_DIR="$CASE/cache-$N_LABEL"
    for d in p1 p2; do
        args=()
        for a in "$@"; do args+=("${a//@D@/$PWD/$d}"); done
        (cd "$d" && rm -f obj/pr.o && cc_check any obj/pr.o gcc "${args[@]}" && echo "$OUTCOME" >"$CASE/outcome-$d")
        # The same directory again is always a hit.
        (cd "$d" && cc_check hit obj/pr.o gcc "${args[@]}")
    done
    local o1 o2 same=differ
    o1=$(cat "$CASE/outcome-p1")
    o2=$(cat "$CASE/outcome-p2")
    [ "$o1" = miss ] || die "$label: the first directory was not a miss ($o1)"
    cmp -s p1/obj/pr.o p2/obj/pr.o && same=identical
    note "$label: second directory $o2 (plain gcc's objects of the two directories $same)"
    if [ $same = differ ]; then
        case $o2 in *_hit) die "$label: a hit where plain gcc's objects differ (cannot be identical)" ;; esac
    fi
    return 0
}

# p2_was OUTCOME: what the second directory got in the last two_dirs.
p2_was() {
    [ "$(cat "$CASE/outcome-p2")" = "$1" ] || die "second directory: $(cat "$CASE/outcome-p2"), not $1"
}

rewrite_root() {
    project p1
    project p2
    export RICC_PROJECT_ROOT=$PWD
    two_dirs "absolute -I, relative source" -O2 -I@D@/include -c src/pr.c -o obj/pr.o
    two_dirs "absolute -I and source" -O2 -I@D@/include -c @D@/src/pr.c -o obj/pr.o
    p2_was direct_hit
    two_dirs "absolute -I, __FILE__ in a header" -O2 -DWITH_WHERE -I@D@/include -c src/pr.c -o obj/pr.o
    two_dirs "absolute -I, -g" -O2 -g -I@D@/include -c src/pr.c -o obj/pr.o
    two_dirs "absolute -I, absolute -o" -O2 -I@D@/include -c src/pr.c -o @D@/obj/pr.o
    two_dirs "absolute -I, -MMD" -O2 -I@D@/include -MMD -c src/pr.c -o obj/pr.o
    p2_was direct_hit
    # The dep file must name this directory's header.
    grep -q "$PWD/p2/include/pr.h" p2/obj/pr.d || die "p2's dep file does not name p2's header"
    # A warning names the header by its absolute path: replayed in p2 with
    # p2's path (cc_check compares stderr with plain gcc's).
    two_dirs "absolute -I, a warning in the header" -O2 -Wall -DWITH_WARNING -I@D@/include \
        -c src/pr.c -o obj/pr.o
    p2_was direct_hit
    grep -q "$PWD/p2/include/pr.h" "$CASE/r.err" || die "the replayed warning does not name p2's header"
    # <assert.h> mentions __FILE__; under NDEBUG no assert() expands it, and
    # the second directory hits (the preprocessor says so); without, each
    # object records its own directory.
    two_dirs "absolute -I and source, assert() under NDEBUG" -O2 -DWITH_ASSERT -DNDEBUG \
        -I@D@/include -c @D@/src/pr.c -o obj/pr.o
    p2_was direct_hit
    two_dirs "absolute -I and source, assert()" -O2 -DWITH_ASSERT -I@D@/include -c @D@/src/pr.c \
        -o obj/pr.o
    # __FILE__ made by token pasting: no scan of the sources sees it, the
    # object records each directory all the same.
    two_dirs "absolute source, __FILE__ made by pasting" -O2 -DWITH_PASTED -I@D@/include \
        -c @D@/src/pr.c -o obj/pr.o
    # gcc's LTO objects hold the working directory (in compressed sections).
    two_dirs "relative paths, -flto" -O2 -flto -frandom-seed=1 -I@D@/include -c src/pr.c -o obj/pr.o
    two_dirs "relative paths only, -flto" -O2 -flto -frandom-seed=1 -Iinclude -c src/pr.c \
        -o obj/pr.o
    # -g with a prefix map hiding each directory: the objects are the same.
    two_dirs "absolute -I and source, -g, -ffile-prefix-map" -O2 -g -ffile-prefix-map=@D@=. \
        -I@D@/include -c @D@/src/pr.c -o obj/pr.o
    p2_was direct_hit
    # ... but not one that hides only the working directory.
    two_dirs "absolute -I, -g, a map of the working directory only" -O2 -g \
        -fdebug-prefix-map=@D@/obj=. -I@D@/include -c src/pr.c -o obj/pr.o
}

rewrite_recc_root() {
    project p1
    project p2
    export RECC_PROJECT_ROOT=$PWD
    two_dirs "RECC_PROJECT_ROOT, absolute -I" -O2 -I@D@/include -c src/pr.c -o obj/pr.o
}

no_rewrite() {
    project p1
    project p2
    export RICC_PROJECT_ROOT=$PWD RECC_NO_PATH_REWRITE=1
    two_dirs "RECC_NO_PATH_REWRITE=1, absolute -I" -O2 -I@D@/include -c src/pr.c -o obj/pr.o
}

# The root is one project; the other directory is outside it.
outside_root() {
    project p1
    project p2
    export RICC_PROJECT_ROOT=$PWD/p1
    two_dirs "root is p1 only, absolute -I" -O2 -I@D@/include -c src/pr.c -o obj/pr.o
}

# One source compiled under several output names (CMake and meson build a
# source once per target): the second name hits where the outputs cannot
# record the name, with the dependency file naming this call's target, and
# misses where they can (a .dwo's name is in the object).  Every output is
# plain gcc's (cc_check).
output_names() {
    project .
    local t
    for t in t1 t2 longer-target-directory-name; do
        mkdir -p "$t"
        cc_check any "$t/pr.o $t/pr.o.d" gcc -O2 -Iinclude -MD -MT "$t/pr.o" -MF "$t/pr.o.d" \
            -c src/pr.c -o "$t/pr.o"
        [ "$t" = t1 ] && expect miss || expect direct_hit
    done
    # -MQ quotes for make (the key holds neither form of target); the
    # default target is the -o name; no dependency file (each of these two
    # its own command: a miss, then a hit).
    cc_check direct_hit 'q$1.o q$1.d' gcc -O2 -Iinclude -MD -MQ 'q$1.o' -MF 'q$1.d' -c src/pr.c -o 'q$1.o'
    cc_check direct_hit 't1/q#2.o t1/q#2.d' gcc -O2 -Iinclude -MD -MQ 't1/q#2.o' -MF 't1/q#2.d' \
        -c src/pr.c -o 't1/q#2.o'
    # Several targets: gcc writes the -MT ones first, then the -MQ ones
    # in an order of its own.
    cc_check direct_hit "t2/m.o t2/m.d" gcc -O2 -Iinclude -MD -MQ a -MQ 'b$' -MT c -MF t2/m.d \
        -c src/pr.c -o t2/m.o
    cc_check miss "t1/d.o t1/d.d" gcc -O2 -Iinclude -MD -c src/pr.c -o t1/d.o
    cc_check direct_hit "t2/a-longer-name.o t2/a-longer-name.d" gcc -O2 -Iinclude -MD -c src/pr.c \
        -o t2/a-longer-name.o
    cc_check miss "plain.o" gcc -O2 -Iinclude -c src/pr.c -o plain.o
    cc_check direct_hit "t2/plain.o" gcc -O2 -Iinclude -c src/pr.c -o t2/plain.o
    for t in t1 t2; do
        cc_check any "$t/s.o $t/s.dwo" gcc -O2 -g -gsplit-dwarf -Iinclude -c src/pr.c -o "$t/s.o"
        expect miss
    done
}

run_case project-root rewrite_root
run_case output-names output_names
run_case recc-project-root rewrite_recc_root
run_case no-path-rewrite no_rewrite
run_case outside-root outside_root
finish
