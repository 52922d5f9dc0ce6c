#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_outputs.sh — every output a flag asks for is restored on a hit,
# byte-identical to plain gcc's: -MD -MF (with -MT/-MQ/-MP), -MMD's default
# .d name, -gsplit-dwarf's .dwo, --coverage's .gcno, -fstack-usage's .su,
# -S, all together into another directory.  The dependency file names the
# paths this build expects, even when the cached entry was made by a build
# that named them differently.
. "$(dirname "$0")/lib.sh"

sources() {
    mkdir -p inc obj deps
    cat >inc/o.h <<'EOF'
#define N 16
struct buf { char data[N]; };
EOF
    cat >o.c <<'EOF'
#include <string.h>
#include "o.h"
int fill(struct buf *b, int c)
{
    char tmp[64];
    memset(tmp, c, sizeof tmp);
    memcpy(b->data, tmp, N);
    return b->data[3] + (c > 7 ? 1 : 0);
}
EOF
}

# twice "OUTS" CMD...: a miss, then (outputs removed) a hit, both like plain
# gcc.  variant: the same for a command that may share its action with one
# seen before (another dep file name, say): a hit is fine if it is right.
twice() {
    local outs=$1
    shift
    cc_check miss "$outs" "$@"
    cc_check hit "$outs" "$@"
}
variant() {
    local outs=$1
    shift
    cc_check any "$outs" "$@"
    cc_check hit "$outs" "$@"
}

depfile_mf() {
    sources
    twice "o.o x.d" gcc -Iinc -MD -MF x.d -c o.c -o o.o
    grep -q '^o\.o:' x.d || die "x.d does not name o.o as its target"
    grep -q 'inc/o\.h' x.d || die "x.d does not list inc/o.h"
    # The same compile with another dep file name, target, or -MP.
    variant "o.o y.d" gcc -Iinc -MD -MF y.d -c o.c -o o.o
    variant "o.o deps/o.d" gcc -Iinc -MD -MF deps/o.d -MT custom-target -c o.c -o o.o
    grep -q '^custom-target:' deps/o.d || die "-MT target missing"
    variant "o.o deps/o.d" gcc -Iinc -MD -MF deps/o.d -MQ 'q$target' -MP -c o.c -o o.o
    variant "obj/o.o deps/o.d" gcc -Iinc -MD -MF deps/o.d -c o.c -o obj/o.o
    grep -q '^obj/o\.o:' deps/o.d || die "deps/o.d does not name obj/o.o"
    variant "o.o o.d" gcc -Iinc -Wp,-MD,o.d -c o.c -o o.o
}

depfile_mmd() {
    sources
    twice "obj/o.o obj/o.d" gcc -Iinc -MMD -c o.c -o obj/o.o
    ! grep -q 'string\.h' obj/o.d || die "-MMD listed a system header"
    variant "o.o o.d" gcc -Iinc -MMD -MP -c o.c
    variant "o.o o.d" gcc -Iinc -MD -c o.c
    grep -q 'string\.h' o.d || die "-MD did not list the system header"
}

# The same action seen from a project copied elsewhere: relative paths, so
# the dep file must be the same text there (made fresh or restored).
depfile_other_dir() {
    mkdir a
    (cd a && sources && cc_check miss "obj/o.o obj/o.d" gcc -Iinc -MMD -c o.c -o obj/o.o)
    cp -a a b
    rm b/obj/*
    (cd b && cc_check any "obj/o.o obj/o.d" gcc -Iinc -MMD -c o.c -o obj/o.o && echo "$OUTCOME" >"$CASE/outcome")
    note "the copy of the project: $(cat "$CASE/outcome")"
    # Absolute include paths: the dep file must name b's files, not a's.
    local top=$PWD
    (cd a && cc_check miss "obj/o.o obj/o.d" gcc -I"$top/a/inc" -MMD -c o.c -o obj/o.o)
    (cd b && cc_check any "obj/o.o obj/o.d" gcc -I"$top/b/inc" -MMD -c o.c -o obj/o.o)
    grep -q "$PWD/b/inc/o.h" b/obj/o.d || die "b's dep file does not name b's header"
    ! grep -q "$PWD/a/" b/obj/o.d || die "b's dep file names a's files"
}

split_dwarf() {
    sources
    twice "o.o o.dwo" gcc -Iinc -O2 -gsplit-dwarf -c o.c -o o.o
    variant "obj/o.o obj/o.dwo" gcc -Iinc -O2 -gsplit-dwarf -c o.c -o obj/o.o
}

coverage_seeded() {
    sources
    twice "o.o o.gcno" gcc -Iinc --coverage -frandom-seed=o.c -c o.c -o o.o
    variant "obj/o.o obj/o.gcno" gcc -Iinc -fprofile-arcs -ftest-coverage -frandom-seed=o.c -c o.c -o obj/o.o
}

# gcc puts a per-run stamp into the .gcno and the object unless
# -frandom-seed is given, so no two plain runs agree: a hit must give back
# the pair the miss made (they match each other), and that pair must differ
# from a fresh plain run only in the stamp.
coverage_unseeded() {
    sources
    rm -f o.o o.gcno
    R gcc -Iinc --coverage -c o.c -o o.o
    expect miss
    cp o.o "$CASE/miss.o"
    cp o.gcno "$CASE/miss.gcno"
    rm o.o o.gcno
    R gcc -Iinc --coverage -c o.c -o o.o
    expect hit
    cmp o.o "$CASE/miss.o" || die "the object from the hit is not the one from the miss"
    cmp o.gcno "$CASE/miss.gcno" || die "the .gcno from the hit is not the one from the miss"
    gcc -Iinc --coverage -c o.c -o o.o
    [ "$(cmp -l o.o "$CASE/miss.o" | wc -l)" -le 4 ] || die "object differs from plain gcc beyond the stamp"
    [ "$(cmp -l o.gcno "$CASE/miss.gcno" | wc -l)" -le 4 ] || die ".gcno differs from plain gcc beyond the stamp"
    # The stamp in the restored object is the restored .gcno's.
    local stamp
    stamp=$(od -An -tx1 -j8 -N4 "$CASE/miss.gcno" | tr -d ' \n')
    od -An -tx1 -v "$CASE/miss.o" | tr -d ' \n' | grep -q "$stamp" ||
        die "the restored object does not carry the restored .gcno's stamp"
}

stack_usage() {
    sources
    twice "o.o o.su" gcc -Iinc -O2 -fstack-usage -c o.c -o o.o
    variant "obj/o.o obj/o.su" gcc -Iinc -O1 -fstack-usage -c o.c -o obj/o.o
}

assembly() {
    sources
    twice "o.s" gcc -Iinc -O2 -S o.c
    variant "obj/out.s" gcc -Iinc -O2 -S o.c -o obj/out.s
    variant "o.s o.d" gcc -Iinc -O2 -MMD -S o.c
}

everything() {
    sources
    twice "obj/o.o obj/o.d obj/o.dwo obj/o.gcno obj/o.su" \
        gcc -Iinc -O2 -MMD -MP -gsplit-dwarf --coverage -frandom-seed=x -fstack-usage -c o.c -o obj/o.o
}

run_case depfile-MF depfile_mf
run_case depfile-MMD depfile_mmd
run_case depfile-other-dir depfile_other_dir
run_case split-dwarf split_dwarf
run_case coverage-seeded coverage_seeded
run_case coverage-unseeded coverage_unseeded
run_case stack-usage stack_usage
run_case assembly assembly
run_case all-together everything
finish
