#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_masquerade.sh — ricc reached through links named gcc, cc (and g++,
# clang when installed) first on PATH: it finds the real compiler further
# down PATH, skipping itself (also when several directories of links come
# first), caches, and matches the real compiler's output.  And a build that
# uses the links through make.
. "$(dirname "$0")/lib.sh"

src() {
    printf '#include <stdio.h>\nint m(void) { int unused; return puts("m"); }\n' >m.c
}

# masq NAME CMD_ARGS...: via a link NAME -> ricc first on PATH, compare with
# the real NAME found on the original PATH.
masq() {
    local name=$1 real
    shift
    real=$(command -v "$name") || skip "$name is not installed"
    mkdir -p links
    ln -sf "$RICC" "links/$name"
    local path0=$PATH
    export PATH="$PWD/links:$path0"
    [ "$(command -v "$name")" = "$PWD/links/$name" ] || die "the link is not first on PATH"
    rm -f m.o
    R "$name" "$@"
    expect miss
    rm -f m.o
    R "$name" "$@"
    expect hit
    export PATH=$path0
    [ "$(command -v "$name")" = "$real" ] || die "PATH not restored"
    same_as_plain m.o "$name" "$@"
}

masq_gcc() { src; masq gcc -O2 -Wall -c m.c -o m.o; }
masq_cc() { src; masq cc -O2 -Wall -c m.c -o m.o; }
masq_clang() { src; masq clang -O2 -Wall -c m.c -o m.o; }
masq_gxx() {
    printf '#include <string>\nstd::string m() { return "m"; }\n' >m.cc
    masq g++ -O2 -c m.cc -o m.o
}

# R through the masquerade: ricc is run as $name from the links directory.
# Override R for these cases so the call goes through PATH, not $RICC.
R() {
    snap
    RC=0
    timeout 120 "$@" >"$CASE/r.out" 2>"$CASE/r.err" || RC=$?
    unsnap
    LAST="(masquerade) $*"
    OUTCOME=$(outcome)
    case $OUTCOME in INVALID*) show_err; die "counter invariant broken by '$LAST': $OUTCOME" ;; esac
    return 0
}

# Two directories of links ahead of the real compiler, and a link to a link.
masq_layers() {
    src
    mkdir l1 l2
    ln -s "$RICC" l1/gcc
    ln -s "$RICC" l2/ricc-copy
    ln -s ../l2/ricc-copy l2/gcc
    local path0=$PATH
    export PATH="$PWD/l1:$PWD/l2:$path0"
    rm -f m.o
    R gcc -O2 -c m.c -o m.o
    expect miss
    rm -f m.o
    R gcc -O2 -c m.c -o m.o
    expect hit
    export PATH=$path0
    same_as_plain m.o gcc -O2 -c m.c -o m.o
}

# No real compiler after the links: an error, not a loop.
masq_alone() {
    src
    mkdir links
    ln -s "$RICC" links/gcc
    local rc=0 start end
    start=$(date +%s)
    timeout 20 env PATH="$PWD/links" "$PWD/links/gcc" -c m.c -o m.o >"$CASE/r.out" 2>"$CASE/r.err" || rc=$?
    end=$(date +%s)
    [ $rc != 124 ] || die "ricc as gcc with no real gcc on PATH did not finish (loop?)"
    [ $rc != 0 ] || die "ricc as gcc with no real gcc on PATH exited 0"
    [ -s "$CASE/r.err" ] || die "no message"
    note "alone on PATH: exit $rc, '$(head -1 "$CASE/r.err")' ($((end - start))s)"
}

masq_make() {
    src
    printf 'int n(void) { return 2; }\n' >n.c
    printf 'all: m.o n.o\n%%.o: %%.c\n\t$(CC) -O2 -c $< -o $@\n' >Makefile
    mkdir links
    ln -s "$RICC" links/cc
    local path0=$PATH
    export PATH="$PWD/links:$path0"
    snap
    timeout 60 make -s CC=cc >/dev/null 2>&1 || die "make through the cc link failed"
    unsnap
    [ "$(delta miss)" = 2 ] || die "$(delta miss) misses, expected 2"
    rm -f m.o n.o
    snap
    timeout 60 make -s CC=cc >/dev/null 2>&1 || die "second make failed"
    unsnap
    [ $(($(delta direct_hit) + $(delta preprocessed_hit))) = 2 ] || die "second make: not 2 hits"
    export PATH=$path0
    cp m.o n.o "$CASE/"
    cc -O2 -c m.c -o m.o && cc -O2 -c n.c -o n.o
    cmp m.o "$CASE/m.o" && cmp n.o "$CASE/n.o" || die "objects differ from plain cc's"
}

run_case gcc masq_gcc
run_case cc masq_cc
run_case clang masq_clang
run_case g++ masq_gxx
run_case layered-links masq_layers
run_case alone-on-path masq_alone
run_case make masq_make
finish
