#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_race.sh — 2, then 8, ricc processes running the same action at once
# (same relative command line in copies of one project, so the same key),
# against a cold store (directories and the stats file created concurrently)
# and then a warm one.  All succeed with plain gcc's output; no counter update
# is lost; afterwards the action hits.  And the clock: a file written just
# before a compile (within the same clock tick) does not stop its result from
# being kept; one changed while the compiler runs always does.
. "$(dirname "$0")/lib.sh"

CMD="gcc -O2 -Wall -c slow.c -o slow.o"

# A source that takes a moment to compile, so the processes overlap.
source_file() {
    {
        echo '#include <stdio.h>'
        for i in $(seq 1 400); do
            echo "int f$i(int x) { int unused$i; for (int i = 0; i < x; i++) x ^= i * $i; return x; }"
        done
    } >slow.c
}

race() {
    local n=$1 i pids=() st
    mkdir ref
    (cd ref && source_file && gcc -O2 -Wall -c slow.c -o slow.o 2>../ref.err)
    for i in $(seq 1 "$n"); do
        mkdir "p$i"
        cp ref/slow.c "p$i/"
    done
    for round in cold warm; do
        rm -f p*/slow.o
        snap
        for i in $(seq 1 "$n"); do
            (cd "p$i" && timeout 120 "$RICC" $CMD >../out$i 2>../err$i; echo $? >../rc$i) &
            pids+=($!)
        done
        wait "${pids[@]}"
        pids=()
        unsnap
        for i in $(seq 1 "$n"); do
            st=$(cat "rc$i" 2>/dev/null || echo none)
            [ "$st" = 0 ] || { cat "err$i" >&2; die "$round: process $i exited $st"; }
            cmp ref/slow.o "p$i/slow.o" >&2 || die "$round: process $i left a different object"
            cmp ref.err "err$i" >&2 || die "$round: process $i printed different stderr"
            [ ! -s "out$i" ] || die "$round: process $i printed to stdout"
        done
        local total=0 c
        for c in $SIX; do total=$((total + $(delta "$c"))); done
        [ $total = "$n" ] || die "$round: the six counters moved by $total for $n calls (updates lost?)"
        local h=$(($(delta direct_hit) + $(delta preprocessed_hit)))
        note "$round round of $n: miss $(delta miss), hits $h, fallback $(delta fallback)"
        if [ $round = cold ]; then
            [ "$(delta miss)" -ge 1 ] || die "cold: no miss among $n calls"
        else
            [ $h = "$n" ] || die "warm: $h hits among $n calls"
        fi
        [ "$(delta fallback)" = 0 ] || die "$round: $(delta fallback) fallbacks"
    done
    cd p1
    cc_check hit slow.o $CMD
}

# 64 processes compiling 64 different sources that read the same headers (a
# project header and the system headers behind stdio.h and stdlib.h), cold
# then warm: the shared stat index, manifests and store under real
# contention.  Every object is plain gcc's, no count is lost, warm is all
# direct hits.
race64() {
    local n=64 i pids=()
    mkdir -p inc ref p
    printf '#include <stdio.h>\n#include <stdlib.h>\n#define SCALE 3\n' >inc/common.h
    for i in $(seq 1 $n); do
        printf '#include "common.h"\nint f%d(int x) { return abs(x) * SCALE + %d; }\n' "$i" "$i" >"p/s$i.c"
    done
    for i in $(seq 1 $n); do gcc -O2 -Iinc -c "p/s$i.c" -o "ref/s$i.o"; done
    sleep 2.2    # settled headers: the stat index will take them
    for round in cold warm; do
        rm -f p/*.o
        snap
        for i in $(seq 1 $n); do
            (timeout 120 "$RICC" gcc -O2 -Iinc -c "p/s$i.c" -o "p/s$i.o" 2>"err$i"; echo $? >"rc$i") &
            pids+=($!)
        done
        wait "${pids[@]}"
        pids=()
        unsnap
        for i in $(seq 1 $n); do
            [ "$(cat "rc$i")" = 0 ] || { cat "err$i" >&2; die "$round: process $i failed"; }
            [ ! -s "err$i" ] || { cat "err$i" >&2; die "$round: process $i printed to stderr"; }
            cmp "ref/s$i.o" "p/s$i.o" >&2 || die "$round: s$i.o differs from plain gcc's"
        done
        local total=0 c
        for c in $SIX; do total=$((total + $(delta "$c"))); done
        [ $total = $n ] || die "$round: the six counters moved by $total for $n calls"
        note "$round round of $n: miss $(delta miss), direct hits $(delta direct_hit), fallback $(delta fallback)"
        if [ $round = warm ]; then
            [ "$(delta direct_hit)" = $n ] || die "warm: $(delta direct_hit) direct hits of $n"
        fi
        [ "$(delta fallback)" = 0 ] || die "$round: $(delta fallback) fallbacks"
    done
}

race2() { race 2; }
race8() { race 8; }

# A source and header written the instant before each call, as a build step
# generating them or configure's conftest.c does: every result is kept.
# Twenty rounds, each with new contents: with a coarse clock, a file written in
# the tick the call starts in looks like one written while the compiler ran
# unless ricc tells the two apart.
written_just_before() {
    local i
    for i in $(seq 1 20); do
        printf '#include "fresh.h"\nint get%d(void) { return FRESH; }\n' "$i" >fresh.c
        printf '#define FRESH %d\n' "$i" >fresh.h
        cc_check miss fresh.o gcc -O2 -c fresh.c -o fresh.o
        cc_check direct_hit fresh.o gcc -O2 -c fresh.c -o fresh.o
    done
}

# The dependency scan hashes the inputs before the compile runs (a source
# whose include set cannot be proven; here a computed include through a
# macro that takes an argument); a header that changes between the scan and
# the compiler reading it (the compiler, a script, changes it first) must not
# leave the result stored under the content the scan hashed.
changed_after_scan() {
    mkdir -p bin inc
    printf '#define VALUE 11\n' >inc/conf.h
    cat >m.c <<'EOF'
#define NAME(x) #x
#define HDR(x) NAME(x.h)
#include HDR(conf)
int get(void) { return VALUE; }
EOF
    cat >bin/cc <<EOF
#!/bin/sh
case " \$* " in *" -c "*)
    if [ -f "$PWD/trigger" ]; then
        rm "$PWD/trigger"
        sed -i 's/VALUE 13/VALUE 77/' "$PWD/inc/conf.h"
    fi ;;
esac
exec $(command -v gcc) "\$@"
EOF
    chmod +x bin/cc
    export PATH="$PWD/bin:$PATH"
    local args="-O2 -Iinc -c m.c -o m.o"
    cc_check miss m.o cc $args       # depend mode: unprovable, scan-only from now
    sed -i 's/VALUE 11/VALUE 12/' inc/conf.h
    cc_check miss m.o cc $args       # scanned, compiled, kept
    sed -i 's/VALUE 12/VALUE 13/' inc/conf.h
    touch trigger
    R cc $args                       # scanned with 13, compiled with 77
    expect uncacheable               # (bin/cc's sed rewrote conf.h: observe.h)
    [ ! -e trigger ] || die "the compile did not run through bin/cc"
    sed -i 's/VALUE 77/VALUE 13/' inc/conf.h
    # Had the 77 object been kept under the 13 header, this would be a hit.
    cc_check miss m.o cc $args
    cc_check preprocessed_hit m.o cc $args
}

run_case written-just-before written_just_before
run_case changed-after-scan changed_after_scan
run_case sixty-four-sources race64
run_case two-processes race2
run_case eight-processes race8
finish
