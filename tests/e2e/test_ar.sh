#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_ar.sh — archive caching (`ricc ar rcs ...`): a hit writes the archive
# byte-identical to what plain ar writes now, in the same place, from the same
# prior archive; a changed member or a different prior archive misses; what
# is not deterministic (U) or not a create/replace (t, x) runs plainly.  And
# the issue's scenario: a Makefile building a program from two objects and a
# static library, with CC="ricc gcc" AR="ricc ar" RICC_LINK=1.
. "$(dirname "$0")/lib.sh"

have gcc && have ar && have make || { echo "skip ar/all: gcc, ar or make missing"; exit 0; }
# ricc caches only a deterministic ar: D given, or D the default.
DEFAULT_D=0
ar --help 2>/dev/null | grep -q '\[D\].*(default)' && DEFAULT_D=1

objs() {
    printf 'int a(void) { return %s; }\n' "${1:-1}" >a.c
    printf 'int b(void) { return 2; }\n' >b.c
    printf 'int c(void) { return 3; }\n' >c.c
    gcc -c a.c -o a.o
    gcc -c b.c -o b.o
    gcc -c c.c -o c.o
}

# ar_check EXPECT ARCHIVE ARGS...: `ricc ARGS...` then plain ARGS... from the
# same prior archive (or none); the archive, stdout, stderr and exit status
# must be the same.
ar_check() {
    local want=$1 arch=$2
    shift 2
    rm -f "$CASE/prior" "$CASE/r.arch"
    if [ -e "$arch" ]; then cp -p "$arch" "$CASE/prior"; fi
    R "$@"
    expect "$want"
    if [ -e "$arch" ]; then cp "$arch" "$CASE/r.arch"; fi
    rm -f "$arch"
    if [ -e "$CASE/prior" ]; then cp -p "$CASE/prior" "$arch"; fi
    P "$@"
    if [ -e "$arch" ] || [ -e "$CASE/r.arch" ]; then
        [ -e "$arch" ] && [ -e "$CASE/r.arch" ] || die "only one of ricc and plain '$*' wrote $arch"
        cmp "$CASE/r.arch" "$arch" >&2 || die "$arch from ricc differs from plain '$*'"
    fi
    [ "$RC" = "$PRC" ] || die "exit status $RC from ricc, $PRC from plain '$*'"
    cmp "$CASE/r.out" "$CASE/p.out" >&2 || die "stdout differs from plain '$*'"
    cmp "$CASE/r.err" "$CASE/p.err" >&2 || die "stderr differs from plain '$*'"
}

need_default_d() { [ $DEFAULT_D = 1 ] || skip "this ar is not deterministic by default"; }

rcs_twice() {
    need_default_d
    objs
    ar_check miss libx.a ar rcs libx.a a.o b.o
    # Again onto the archive it wrote: a hit (the result was verified to be
    # its own fixed point), and again from nothing.
    ar_check direct_hit libx.a ar rcs libx.a a.o b.o
    rm -f libx.a
    ar_check direct_hit libx.a ar rcs libx.a a.o b.o
    # A member touched, not changed: a hit.
    touch a.o
    ar_check direct_hit libx.a ar rcs libx.a a.o b.o
    # A member changed: a miss, and the new archive is right.
    objs 7
    ar_check miss libx.a ar rcs libx.a a.o b.o
    ar t libx.a >"$CASE/list"
    [ "$(tr '\n' ' ' <"$CASE/list")" = "a.o b.o " ] || die "members: $(cat "$CASE/list")"
    # Back to the first a.o, from nothing: the first entry hits.
    objs
    rm -f libx.a
    ar_check direct_hit libx.a ar rcs libx.a a.o b.o
}

prior_archive() {
    need_default_d
    objs
    rm -f libx.a
    ar_check miss libx.a ar rcs libx.a a.o b.o
    # r into an archive that holds something else: its content is an input.
    rm -f libx.a
    ar rcs libx.a c.o
    ar_check miss libx.a ar rcs libx.a a.o b.o
    [ "$(ar t libx.a | tr '\n' ' ')" = "c.o a.o b.o " ] || die "members: $(ar t libx.a)"
    # The same prior archive again: a hit.
    rm -f libx.a
    ar rcs libx.a c.o
    ar_check direct_hit libx.a ar rcs libx.a a.o b.o
    # A prior archive with a different c.o: a miss.
    printf 'int c(void) { return 33; }\n' >c.c
    gcc -c c.c -o c.o
    rm -f libx.a
    ar rcs libx.a c.o
    ar_check miss libx.a ar rcs libx.a a.o b.o
}

forms() {
    need_default_d
    objs
    for k in qc crs rcsD -rcs; do
        rm -f "lib$k.a"
        ar_check miss "lib$k.a" ar "$k" "lib$k.a" a.o b.o
        rm -f "lib$k.a"
        ar_check direct_hit "lib$k.a" ar "$k" "lib$k.a" a.o b.o
    done
    # q appends: onto its own result it appends again, so that is a miss.
    ar_check miss libqc.a ar qc libqc.a a.o b.o
    [ "$(ar t libqc.a | wc -l)" = 4 ] || die "q did not append"
    # Without c, ar warns that it creates the archive: replayed on a hit.
    rm -f libr.a
    ar_check miss libr.a ar r libr.a a.o
    grep -q creating "$CASE/r.err" || die "no 'creating' message: $(cat "$CASE/r.err")"
    rm -f libr.a
    ar_check direct_hit libr.a ar r libr.a a.o
    # v lists what it did on stdout: replayed.
    rm -f libv.a
    ar_check miss libv.a ar rcsv libv.a a.o b.o
    [ -s "$CASE/r.out" ] || die "v printed nothing"
    rm -f libv.a
    ar_check direct_hit libv.a ar rcsv libv.a a.o b.o
    # A cross-prefixed name.
    local cross
    cross=$(command -v x86_64-linux-gnu-ar) || return 0
    rm -f libc.a
    ar_check miss libc.a "$cross" rcs libc.a a.o c.o
    rm -f libc.a
    ar_check direct_hit libc.a "$cross" rcs libc.a a.o c.o
}

explicit_d() {
    # With D given, the default does not matter.
    objs
    rm -f libd.a
    ar_check miss libd.a ar rcsD libd.a a.o b.o
    rm -f libd.a
    ar_check direct_hit libd.a ar rcsD libd.a a.o b.o
}

refused() {
    objs
    rm -f libu.a
    R ar rcsU libu.a a.o b.o
    expect uncacheable
    [ $RC = 0 ] && [ "$(ar t libu.a | tr '\n' ' ')" = "a.o b.o " ] || die "ar rcsU went wrong"
    ar rcs libx.a a.o b.o
    ar_check uncacheable libx.a ar t libx.a
    [ "$(cat "$CASE/r.out")" = "$(printf 'a.o\nb.o')" ] || die "ar t printed $(cat "$CASE/r.out")"
    ar_check uncacheable libx.a ar tv libx.a
    ar_check uncacheable libx.a ar p libx.a a.o
    mkdir -p ex
    cd ex
    R ar x ../libx.a
    expect uncacheable
    cmp a.o ../a.o && cmp b.o ../b.o || die "ar x did not extract a.o and b.o"
    cd ..
    ar_check uncacheable libx.a ar rcu libx.a a.o
    ar_check uncacheable libx.a ar d libx.a b.o
    ar_check uncacheable libx.a ar --thin rcs libx.a c.o
    # A thin archive already there: its members are not in the key.
    rm -f thin.a
    ar rcT thin.a a.o
    ar_check uncacheable thin.a ar rcs thin.a b.o
}

failing() {
    objs
    rm -f libx.a
    ar_check miss libx.a ar rcs libx.a a.o missing.o
    [ $RC != 0 ] || die "ar with a missing member succeeded"
    ar_check miss libx.a ar rcs libx.a a.o missing.o
    # Not an archive: ar refuses it, ricc runs it plainly.
    echo junk >libj.a
    ar_check uncacheable libj.a ar rcs libj.a a.o
}

# The ar program is in the key: another one misses; a script (which could
# run any ar) is not cached.
identity() {
    need_default_d
    objs
    rm -f libx.a
    ar_check miss libx.a ar rcs libx.a a.o b.o
    mkdir -p other/bin
    cp "$(readlink -f "$(command -v ar)")" other/bin/ar
    rm -f libx.a
    ar_check miss libx.a other/bin/ar rcs libx.a a.o b.o
    rm -f libx.a
    ar_check direct_hit libx.a other/bin/ar rcs libx.a a.o b.o
    printf '#!/bin/sh\nexec ar "$@"\n' >other/bin/x86_64-test-ar
    chmod +x other/bin/x86_64-test-ar
    rm -f libx.a
    ar_check uncacheable libx.a other/bin/x86_64-test-ar rcs libx.a a.o b.o
}

masquerade() {
    need_default_d
    objs
    mkdir -p links
    ln -sf "$RICC" links/ar
    local path0=$PATH
    export PATH="$PWD/links:$path0"
    [ "$(command -v ar)" = "$PWD/links/ar" ] || die "the link is not first on PATH"
    local want
    for want in miss direct_hit; do
        rm -f libm.a
        snap
        ar rcs libm.a a.o b.o
        unsnap
        OUTCOME=$(outcome)
        expect $want
    done
    cp libm.a "$CASE/m.a"
    export PATH=$path0
    rm -f libm.a
    ar rcs libm.a a.o b.o
    cmp libm.a "$CASE/m.a" || die "the masquerade's archive differs from plain ar's"
}

# The issue's scenario.
project() {
    mkdir -p "$1"
    cat >"$1/main.c" <<'EOF'
#include <stdio.h>
int twice(int);
int lib1(void);
int lib2(void);
int main(void) { printf("%d\n", twice(lib1() + lib2())); return 0; }
EOF
    printf 'int twice(int x) { return 2 * x; }\n' >"$1/twice.c"
    printf 'int lib1(void) { return 20; }\n' >"$1/lib1.c"
    printf 'int lib2(void) { return 1; }\n' >"$1/lib2.c"
    cat >"$1/Makefile" <<'EOF'
CC ?= cc
AR ?= ar
prog: main.o twice.o libv.a
	$(CC) -o prog main.o twice.o -L. -lv
libv.a: lib1.o lib2.o
	$(AR) rcs $@ $^
%.o: %.c
	$(CC) -O2 -c $< -o $@
clean:
	rm -f prog *.o *.a
EOF
}
# mk DIR [TARGET...]: make in DIR through ricc, counting.
mk() {
    snap
    make -s -C "$1" CC="$RICC gcc" AR="$RICC ar" "${@:2}" >"$CASE/make.out" 2>&1 ||
        { cat "$CASE/make.out" >&2; die "make in $1 failed"; }
    unsnap
}
makefile() {
    need_default_d
    export RICC_LINK=1
    project w1
    # The archive and the link start within a clock tick of their inputs
    # being written: they are stored all the same.
    mk w1
    [ "$(delta miss)" = 6 ] || die "first build: $(delta miss) misses, not 6 (4 compiles, ar, link)"
    [ "$(w1/prog)" = 42 ] || die "prog printed $(w1/prog)"
    # A source of the library touched, not changed: every step reruns and hits.
    touch w1/lib2.c
    mk w1
    [ "$(delta direct_hit)" = 3 ] && [ "$(delta miss)" = 0 ] ||
        die "touch rebuild: $(delta direct_hit) hits, $(delta miss) misses (want 3, 0)"
    # One source of the library changed, built from clean: only that
    # compile, the ar and the link run.
    sed -i 's/20/30/' w1/lib1.c
    make -s -C w1 clean
    mk w1
    [ "$(delta miss)" = 3 ] && [ "$(delta direct_hit)" = 3 ] ||
        die "rebuild: $(delta miss) misses, $(delta direct_hit) hits (want 3, 3)"
    [ "$(delta uncacheable)" = 0 ] && [ "$(delta fallback)" = 0 ] ||
        die "uncacheable or fallback calls"
    [ "$(w1/prog)" = 62 ] || die "prog printed $(w1/prog)"
    # Byte-identical to a build without ricc.
    project plain
    sed -i 's/20/30/' plain/lib1.c
    make -s -C plain >/dev/null
    cmp w1/prog plain/prog || die "prog differs from the plain build's"
    cmp w1/libv.a plain/libv.a || die "libv.a differs from the plain build's"
}

run_case rcs_twice rcs_twice
run_case prior_archive prior_archive
run_case forms forms
run_case explicit_d explicit_d
run_case refused refused
run_case failing failing
run_case identity identity
run_case masquerade masquerade
run_case makefile makefile
finish
