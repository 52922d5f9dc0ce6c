#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_hit.sh — what must not cost a compile: touching files without changing
# them, removing the output, the same project built in another directory with
# the same relative command lines.  With -g the directory is in the debug
# info, so there the copy must miss — and still match plain gcc.
. "$(dirname "$0")/lib.sh"

project() {
    mkdir -p "$1/src" "$1/include" "$1/obj"
    cat >"$1/include/shape.h" <<'EOF'
struct shape { int w, h; };
int area(const struct shape *s);
EOF
    cat >"$1/include/units.h" <<'EOF'
#define UNIT 4
EOF
    cat >"$1/src/shape.c" <<'EOF'
#include <string.h>
#include "shape.h"
#include "units.h"
static const char where[] = __FILE__;
int area(const struct shape *s) { return s->w * s->h * UNIT + (int)strlen(where); }
EOF
}
CMD="gcc -O2 -Iinclude -c src/shape.c -o obj/shape.o"

hit_touch() {
    project .
    cc_check miss obj/shape.o $CMD
    sleep 0.01
    touch src/shape.c include/shape.h include/units.h
    cc_check hit obj/shape.o $CMD
    # touched again, output left in place this time
    touch src/shape.c include/*.h
    R $CMD
    expect hit
    same_as_plain obj/shape.o $CMD
}

hit_rm_output() {
    project .
    cc_check miss obj/shape.o $CMD
    rm obj/shape.o
    cc_check hit obj/shape.o $CMD
    rm obj/shape.o
    cc_check hit obj/shape.o $CMD
}

hit_other_dir() {
    project a
    (cd a && cc_check miss obj/shape.o $CMD)
    cp -a a b
    rm b/obj/shape.o
    (cd b && cc_check hit obj/shape.o $CMD)
    cmp a/obj/shape.o b/obj/shape.o || die "the two directories' objects differ"
}

miss_other_dir_g() {
    project a
    (cd a && cc_check miss obj/shape.o $CMD -g)
    cp -a a b
    rm b/obj/shape.o
    (cd b && cc_check miss obj/shape.o $CMD -g)
    ! cmp -s a/obj/shape.o b/obj/shape.o || die "plain gcc -g objects from two directories are identical: test is moot"
    # Each directory still hits its own entry.
    (cd a && cc_check hit obj/shape.o $CMD -g)
    (cd b && cc_check hit obj/shape.o $CMD -g)
}

run_case touched hit_touch
# recc's progress lines reach a log directory whatever the log level (tools
# count them there), and never the user's stderr below info level.
recc_log_lines() {
    printf 'int x = 1;\n' >l.c
    export RECC_LOG_DIRECTORY=$PWD/../logs
    cc_check miss l.o gcc -c l.c -o l.o
    cc_check hit l.o gcc -c l.c -o l.o
    local n
    n=$(cat ../logs/* | grep -c "Action Cache hit for" || true)
    [ "$n" = 1 ] || die "$n 'Action Cache hit' lines in the log directory at warning level, expected 1"
    ! grep -q "Action Cache" "$CASE/r.err" || die "a progress line reached stderr"
}

run_case output-removed hit_rm_output
run_case recc-log-lines recc_log_lines
run_case other-directory hit_other_dir
run_case other-directory-g-misses miss_other_dir_g
finish
