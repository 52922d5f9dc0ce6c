#!/bin/bash
# test_pathrewrite.sh — one project in two directories under RICC_PROJECT_ROOT
# (or recc's RECC_PROJECT_ROOT), compiled with absolute -I paths under the
# root.  ricc may rewrite those paths and hit, or miss; either way the object
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

rewrite_root() {
    project p1
    project p2
    export RICC_PROJECT_ROOT=$PWD
    two_dirs "absolute -I, relative source" -O2 -I@D@/include -c src/pr.c -o obj/pr.o
    two_dirs "absolute -I and source" -O2 -I@D@/include -c @D@/src/pr.c -o obj/pr.o
    two_dirs "absolute -I, __FILE__ in a header" -O2 -DWITH_WHERE -I@D@/include -c src/pr.c -o obj/pr.o
    two_dirs "absolute -I, -g" -O2 -g -I@D@/include -c src/pr.c -o obj/pr.o
    two_dirs "absolute -I, absolute -o" -O2 -I@D@/include -c src/pr.c -o @D@/obj/pr.o
    two_dirs "absolute -I, -MMD" -O2 -I@D@/include -MMD -c src/pr.c -o obj/pr.o
    # The dep file must name this directory's header.
    grep -q "$PWD/p2/include/pr.h" p2/obj/pr.d || die "p2's dep file does not name p2's header"
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

run_case project-root rewrite_root
run_case recc-project-root rewrite_recc_root
run_case no-path-rewrite no_rewrite
run_case outside-root outside_root
finish
