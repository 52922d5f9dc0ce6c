#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_failure.sh — what ricc must pass through untouched.
# A failing compile: gcc's exit status and stderr, no object, nothing cached
# (the next call is not a hit).  Commands ricc cannot cache (unknown or
# file-writing options, linking, -E, several sources, -save-temps, no -c):
# exactly plain gcc's results, counted uncacheable.
. "$(dirname "$0")/lib.sh"

good_source() {
    cat >a.c <<'EOF'
#include <stdio.h>
int a(int x) { return x + 1; }
EOF
    cat >b.c <<'EOF'
int b(int x) { return x * 2; }
EOF
    cat >main.c <<'EOF'
#include <stdio.h>
int a(int);
int b(int);
int main(void) { printf("%d\n", a(b(20))); return 0; }
EOF
}

compile_error() {
    cat >bad.c <<'EOF'
#include <stdio.h>
int f(void) { return undeclared_thing + 1; }
int g(void) { int unused; return 0 }
EOF
    local i
    for i in 1 2 3; do
        R gcc -Wall -c bad.c -o bad.o
        expect nohit
        P gcc -Wall -c bad.c -o bad.o
        [ "$RC" != 0 ] || die "ricc exited 0 for a failing compile"
        [ "$RC" = "$PRC" ] || die "ricc exited $RC, gcc $PRC"
        cmp "$CASE/r.err" "$CASE/p.err" >&2 || die "stderr differs from gcc's"
        [ ! -e bad.o ] || die "an object was left behind"
    done
    # Fixed, it compiles and caches as usual.
    sed -i 's/undeclared_thing/1/; s/return 0 }/return 0; }/' bad.c
    cc_check miss bad.o gcc -Wall -c bad.c -o bad.o
    cc_check hit bad.o gcc -Wall -c bad.c -o bad.o
}

missing_source() {
    R gcc -c nosuch.c -o nosuch.o
    expect nohit
    P gcc -c nosuch.c -o nosuch.o
    [ "$RC" = "$PRC" ] || die "ricc exited $RC, gcc $PRC"
    cmp "$CASE/r.err" "$CASE/p.err" >&2 || die "stderr differs from gcc's"
}

missing_header() {
    printf '#include "nosuch.h"\nint x;\n' >m.c
    R gcc -c m.c -o m.o
    expect nohit
    P gcc -c m.c -o m.o
    [ "$RC" = "$PRC" ] && [ "$RC" != 0 ] || die "ricc exited $RC, gcc $PRC"
    cmp "$CASE/r.err" "$CASE/p.err" >&2 || die "stderr differs from gcc's"
    # Once the header exists, the same command compiles: not a stale failure.
    echo '#define NOSUCH 1' >nosuch.h
    cc_check miss m.o gcc -c m.c -o m.o
}

uncacheable() {
    good_source
    cc_check uncacheable "app" gcc -O2 a.c b.c main.c -o app
    [ "$(./app)" = 41 ] || die "the program built through ricc is wrong"
    gcc -c a.c b.c main.c
    cc_check uncacheable "app" gcc a.o b.o main.o -o app
    cc_check uncacheable "a.o b.o" gcc -O2 -c a.c b.c
    cc_check uncacheable "" gcc -E a.c
    grep -q 'int a(int x)' "$CASE/r.out" || die "-E output missing on stdout"
    cc_check uncacheable "a.i" gcc -E a.c -o a.i
    cc_check uncacheable "a.o a.i a.s" gcc -O2 -save-temps -c a.c -o a.o
    cc_check uncacheable "a.out" gcc a.c b.c main.c
    # Options that write files ricc would not know to restore.
    cc_check uncacheable "a.o" gcc -fdump-tree-original -c a.c -o a.o
    ls ./*original* >/dev/null 2>&1 || die "the -fdump-tree-original dump was not written"
    cc_check uncacheable "a.o a.aux" gcc -aux-info a.aux -c a.c -o a.o
    # Options gcc itself rejects.
    cc_check uncacheable "" gcc -c a.c -o a.o --no-such-option-for-ricc
    [ "$RC" != 0 ] || die "gcc accepted --no-such-option-for-ricc?"
    cc_check uncacheable "" gcc --version
    cc_check uncacheable "" gcc -dumpversion
}

run_case compile-error compile_error
run_case missing-source missing_source
run_case missing-header missing_header
run_case uncacheable uncacheable
finish
