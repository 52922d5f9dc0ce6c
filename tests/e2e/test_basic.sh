#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_basic.sh — a miss, then a hit that restores the object and replays the
# compiler's stdout and stderr byte for byte, with gcc and (if installed)
# clang; every result identical to the plain compiler's.
. "$(dirname "$0")/lib.sh"

# A source with a -Wall warning, and a "compiler" that also prints to stdout
# (gcc itself writes nothing to stdout for -c).
make_sources() {
    cat >foo.h <<'EOF'
#define SCALE 3
int foo(int x);
EOF
    cat >foo.c <<'EOF'
#include <stdio.h>
#include "foo.h"
int foo(int x)
{
    int unused;
    return x * SCALE;
}
EOF
}

basic_gcc() {
    make_sources
    cc_check miss foo.o gcc -O2 -Wall -c foo.c -o foo.o
    grep -q "unused variable" "$CASE/r.err" || die "the -Wall warning was not printed on the miss"
    cp "$CASE/r.err" "$CASE/miss.err"
    cc_check hit foo.o gcc -O2 -Wall -c foo.c -o foo.o
    cmp "$CASE/miss.err" "$CASE/r.err" || die "stderr on the hit differs from the miss"
    [ "$RC" = 0 ] || die "exit status $RC on the hit"
    [ "$(hits)" -ge 1 ] || die "hits() is $(hits) after a hit"
    # The output is restored even when a stale one is in the way.
    echo garbage >foo.o
    R gcc -O2 -Wall -c foo.c -o foo.o
    expect hit
    same_as_plain foo.o gcc -O2 -Wall -c foo.c -o foo.o
}

basic_stdout() {
    make_sources
    mkdir bin
    # It speaks only when compiling, not when asked for dependencies (-M
    # without -MD), so that a dependency scan's make rule stays clean.
    cat >bin/gcc <<EOF
#!/bin/sh
case " \$* " in
*" -M "*) ;;
*" -c "*) echo "from the compiler, on stdout" ;;
esac
exec $(command -v gcc) "\$@"
EOF
    chmod +x bin/gcc
    cc_check miss foo.o "$PWD/bin/gcc" -Wall -c foo.c -o foo.o
    grep -q "from the compiler" "$CASE/r.out" || die "the compiler's stdout was not passed through"
    cp "$CASE/r.out" "$CASE/miss.out"
    cc_check hit foo.o "$PWD/bin/gcc" -Wall -c foo.c -o foo.o
    cmp "$CASE/miss.out" "$CASE/r.out" || die "stdout on the hit differs from the miss"
}

basic_no_o() {
    make_sources
    cc_check miss foo.o gcc -c foo.c
    cc_check hit foo.o gcc -c foo.c
}

basic_clang() {
    have clang || skip "clang is not installed"
    make_sources
    cc_check miss foo.o clang -O2 -Wall -c foo.c -o foo.o
    grep -q "unused variable" "$CASE/r.err" || die "clang's warning was not printed on the miss"
    cc_check hit foo.o clang -O2 -Wall -c foo.c -o foo.o
    # gcc with the same arguments is another action.
    cc_check miss foo.o gcc -O2 -Wall -c foo.c -o foo.o
}

basic_cxx() {
    have g++ || skip "g++ is not installed"
    cat >v.cc <<'EOF'
#include <vector>
#include <string>
std::string join(const std::vector<std::string> &v)
{
    std::string s;
    for (const auto &x : v) s += x;
    return s;
}
EOF
    cc_check miss v.o g++ -O2 -c v.cc -o v.o
    cc_check hit v.o g++ -O2 -c v.cc -o v.o
}

# The README's first command ends with `make demo`: on a fresh cache its
# counters must show one miss, then one direct hit (demo.sh checks them and
# fails otherwise), ten times over: the source is written just before the
# first call each time.
basic_demo() {
    local i
    for i in $(seq 1 10); do
        RICC="$RICC" "$E2E_DIR/../example/demo.sh" >"$CASE/demo.out" 2>&1 ||
            { cat "$CASE/demo.out" >&2; die "demo.sh failed on round $i"; }
    done
    grep -q "byte-identical" "$CASE/demo.out" || die "the demo's object differs from plain gcc's"
}

run_case demo basic_demo
run_case miss-then-hit basic_gcc
run_case stdout-replayed basic_stdout
run_case default-output-name basic_no_o
run_case clang basic_clang
run_case cxx basic_cxx
finish
