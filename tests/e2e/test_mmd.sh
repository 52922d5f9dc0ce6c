#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_mmd.sh — depend mode for compiles that ask for -MMD.
#
# -MMD's dependency file leaves system headers out, so ricc learns the full
# include set of a miss from the compile's -H trace instead, and takes the
# trace out of the stderr the user sees; where -H would show in the output
# (debug info records gcc's switches), from the files gcc's compiler proper
# opens, seen by libricc-trace.so.  What must hold: one compiler run per miss
# (no dependency scan), a direct hit next time, the .d file, the object and
# the messages byte-identical to plain gcc's, and a change in a system
# header (one -MMD does not list) must miss.
. "$(dirname "$0")/lib.sh"

project() {
    mkdir -p inc sys bin
    cat >inc/conf.h <<'EOF'
#ifndef CONF_H
#define CONF_H
#define VALUE 11
#endif
EOF
    # Unguarded and included once: gcc's -H names it again at the end.
    echo 'static int unguarded = 1;' >inc/once.h
    echo '#define SYSVALUE 21' >sys/sysconf.h
    cat >m.c <<'EOF'
#include <stdio.h>
#include "conf.h"
#include "conf.h"
#include "once.h"
#include <sysconf.h>
#warning built with a warning
int get(int x) { int y; if (x) y = 2; return y + VALUE + SYSVALUE + unguarded; }
EOF
    # A compiler that counts its runs (a cross-style name ricc knows).
    printf '#!/bin/sh\necho "$*" >>"%s/../runs"\nexec %s "$@"\n' "$PWD" "$(command -v gcc)" \
        >bin/x86_64-test-linux-gnu-gcc
    chmod +x bin/x86_64-test-linux-gnu-gcc
}

CC_T=bin/x86_64-test-linux-gnu-gcc
ARGS="-O2 -Wall -Wmaybe-uninitialized -MMD -MP -Iinc -isystem sys -c m.c -o m.o"

# runs: how many times the compiler compiled m.c (its dependency scans, -M,
# and ricc's one-time questions about the compiler are not counted).
runs() { local n=0; [ ! -f ../runs ] || n=$(grep -c -- '-c m.c' ../runs || true); rm -f ../runs; echo "$n"; }
scans() { local n=0; [ ! -f ../runs ] || n=$(grep -c -- '-M -MT' ../runs || true); echo "$n"; }

mmd_one_compile() {
    project
    R $CC_T $ARGS
    expect miss
    [ "$(scans)" = 0 ] || die "a -MMD miss ran the dependency scan"
    [ "$(runs)" = 1 ] || die "a -MMD miss ran the compiler more than once"
    grep -q 'warning: #warning built with a warning' "$CASE/r.err" || die "the warning is missing"
    ! grep -q '^\.' "$CASE/r.err" || die "the -H trace reached the user"
    ! grep -q 'include guards' "$CASE/r.err" || die "the guard advice reached the user"
    R $CC_T $ARGS
    expect direct_hit
    [ "$(runs)" = 0 ] || die "a direct hit ran the compiler"
    # Another macro is another action, but the same include search chain:
    # ricc must not ask the compiler for it again.
    R $CC_T -DOTHER=1 $ARGS
    expect miss
    ! grep -q -- '-E -v' ../runs || die "the search chain was asked for again"
    [ "$(runs)" = 1 ] || die "a -MMD miss ran the compiler more than once"
}

mmd_identical() {
    project
    cc_check miss "m.o m.d" gcc $ARGS
    cc_check direct_hit "m.o m.d" gcc $ARGS
    grep -q sysconf m.d && die "-MMD listed a system header (test premise)"
    return 0
}

mmd_system_header() {
    project
    cc_check miss "m.o m.d" gcc $ARGS
    cc_check direct_hit "m.o m.d" gcc $ARGS
    # The .d file does not list sys/sysconf.h; the key must.
    echo '#define SYSVALUE 22' >sys/sysconf.h
    cc_check miss "m.o m.d" gcc $ARGS
    cc_check direct_hit "m.o m.d" gcc $ARGS
    same_size_edit sys/sysconf.h 'SYSVALUE 22' 'SYSVALUE 23'
    cc_check miss "m.o m.d" gcc $ARGS
    # A new header shadowing a system one, found earlier on the path.
    echo '#define SYSVALUE 31' >inc/sysconf.h
    cc_check miss "m.o m.d" gcc $ARGS
}

mmd_debug_info() {
    # gcc records its switches in debug info, LTO objects and verbose asm:
    # an added -H would show there.  Such compiles are traced instead: still
    # one compile per miss, and the output as gcc makes it.
    project
    local a
    for a in "-g" "-g3 -gdwarf-4" "-O2 -flto" "-frecord-gcc-switches" "-ggdb -g0 -frecord-gcc-switches"; do
        R $CC_T $a $ARGS
        expect miss
        [ "$(scans)" = 0 ] || die "$a: the dependency scan ran"
        [ "$(runs)" = 1 ] || die "$a: a -MMD miss ran the compiler more than once"
        case $a in
            # gcc's LTO objects differ from run to run (a random seed).
            *-flto*) R $CC_T $a $ARGS; expect direct_hit ;;
            *) cc_check direct_hit "m.o m.d" $CC_T $a $ARGS ;;
        esac
        rm -f m.o m.d ../runs
    done
    # Debug info without the switches, or switched off: -H is invisible.
    for a in "-g -gno-record-gcc-switches" "-g -g0"; do
        cc_check miss "m.o m.d" gcc $a $ARGS
        cc_check direct_hit "m.o m.d" gcc $a $ARGS
        R $CC_T $a -DX=1 $ARGS
        [ "$(scans)" = 0 ] || die "$a: the dependency scan ran"
        rm -f ../runs
    done
    # Without the tracer library, such a compile scans first; and as what
    # the assembler reads cannot be observed (observe.h), nothing is kept.
    (
        export RICC_TRACE_LIB=$PWD/no-such-libricc-trace.so RICC_LOG_LEVEL=info
        R $CC_T -g -DNOTRACER=1 $ARGS
        expect uncacheable
        [ "$(scans)" = 1 ] || die "without the tracer: expected the dependency scan"
        grep -q "cannot be observed" "$CASE/r.err" || die "without the tracer: no reason given"
        rm -f ../runs
        R $CC_T -g -DNOTRACER=1 $ARGS
        expect uncacheable
    )
}

mmd_tracer_unloadable() {
    # A tracer the loader refuses (here: not an ELF file) makes ld.so print
    # an error into the compiler's stderr: that compile is run again
    # plainly, so the user sees exactly gcc's messages, and nothing is kept.
    project
    mkdir -p fake
    echo 'not a library' >fake/libricc-trace.so
    (
        export RICC_TRACE_LIB=$PWD/fake/libricc-trace.so
        cc_check fallback "m.o m.d" gcc -g $ARGS
        ! grep -q 'ld.so' "$CASE/r.err" || die "the loader's complaint reached the user"
        grep -q 'warning: #warning built with a warning' "$CASE/r.err" || die "the warning is missing"
        cc_check fallback "m.o m.d" gcc -g $ARGS
    )
}

mmd_traced_headers() {
    # The traced include set holds the system headers -MMD leaves out, and
    # a header that would now be found earlier still misses.
    project
    local G="-g -O1"
    cc_check miss "m.o m.d" gcc $G $ARGS
    cc_check direct_hit "m.o m.d" gcc $G $ARGS
    grep -q sysconf m.d && die "-MMD listed a system header (test premise)"
    echo '#define SYSVALUE 22' >sys/sysconf.h
    cc_check miss "m.o m.d" gcc $G $ARGS
    cc_check direct_hit "m.o m.d" gcc $G $ARGS
    same_size_edit sys/sysconf.h 'SYSVALUE 22' 'SYSVALUE 23'
    cc_check miss "m.o m.d" gcc $G $ARGS
    echo '#define VALUE 12' >>inc/conf.h
    cc_check miss "m.o m.d" gcc $G $ARGS
    echo '#define SYSVALUE 31' >inc/sysconf.h
    cc_check miss "m.o m.d" gcc $G $ARGS
    cc_check direct_hit "m.o m.d" gcc $G $ARGS
    # Another directory, the same relative command: the manifest names the
    # files as gcc spelt them (relative), so it checks this tree's files.
    mkdir ../other && cp -a . ../other/ && cd ../other
    echo '#define VALUE 13' >>inc/conf.h
    cc_check nohit "m.o m.d" gcc $G $ARGS
}

mmd_failed_compile() {
    project
    echo 'int broken(void) { return missing_name; }' >>m.c
    cc_check miss "" gcc $ARGS
    ! grep -q '^\.' "$CASE/r.err" || die "the -H trace reached the user"
    [ "$RC" != 0 ] || die "a broken source compiled"
}

mmd_user_trace() {
    # The user's own -H is their output: it must appear, and hit the same.
    project
    cc_check miss "m.o m.d" gcc -H $ARGS
    grep -q '^\. /usr/include/stdio.h' "$CASE/r.err" || die "the user's -H trace is missing"
    cc_check hit "m.o m.d" gcc -H $ARGS
    grep -q '^\. /usr/include/stdio.h' "$CASE/r.err" || die "the hit lost the user's -H trace"
}

mmd_translated() {
    # Messages in another language: the guard advice of -H cannot be told
    # apart, so the compile is traced instead (one run) and stays correct.
    project
    (
        export LANG=de_DE.UTF-8 LANGUAGE=de LC_ALL=
        R $CC_T $ARGS
        expect miss
        [ "$(scans)" = 0 ] || die "the dependency scan ran"
        [ "$(runs)" = 1 ] || die "expected one compile"
        cc_check direct_hit "m.o m.d" $CC_T $ARGS
    )
}

mmd_clang() {
    # clang's -H would add system headers to its -MMD file: ricc scans.
    have clang || skip "clang is not installed"
    project
    cc_check miss "m.o m.d" clang $ARGS
    cc_check hit "m.o m.d" clang $ARGS
    echo '#define SYSVALUE 24' >sys/sysconf.h
    cc_check miss "m.o m.d" clang $ARGS
    cc_check hit "m.o m.d" clang $ARGS
}

run_case one-compile mmd_one_compile
run_case identical mmd_identical
run_case system-header mmd_system_header
run_case debug-info mmd_debug_info
run_case traced-headers mmd_traced_headers
run_case tracer-unloadable mmd_tracer_unloadable
run_case failed-compile mmd_failed_compile
run_case user-trace mmd_user_trace
run_case translated mmd_translated
run_case clang mmd_clang
finish
