#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_project.sh — a 50-file project with a Makefile, CC="ricc gcc":
# make -j4 cold (50 misses, the link uncacheable), make clean, make -j4 again
# (50 hits), every object and the program byte-identical to a plain gcc build
# of the same project.
. "$(dirname "$0")/lib.sh"
N=50            # sources: f00..f48 and main.c

generate() {
    local d=$1 i
    mkdir -p "$d/src" "$d/include"
    cat >"$d/include/common.h" <<'EOF'
#ifndef COMMON_H
#define COMMON_H
#include <stddef.h>
#include "config.h"
struct item { const char *name; long value; };
long combine(long a, long b);
#endif
EOF
    cat >"$d/include/config.h" <<'EOF'
#define FACTOR 7
#define NAME_PREFIX "item-"
EOF
    cat >"$d/include/util.h" <<'EOF'
#include <string.h>
static inline size_t name_len(const char *s) { return strlen(s); }
EOF
    for i in $(seq -w 0 $((N - 2))); do
        {
            echo '#include "common.h"'
            [ $((10#$i % 3)) = 0 ] && echo '#include "util.h"'
            [ $((10#$i % 5)) = 0 ] && echo '#include <stdio.h>'
            echo "static struct item it = { NAME_PREFIX \"$i\", $((10#$i)) * FACTOR };"
            echo "long f$i(long x) { return combine(x, it.value) + $((10#$i)); }"
            [ $((10#$i % 3)) = 0 ] && echo "size_t g$i(void) { return name_len(it.name); }"
        } >"$d/src/f$i.c"
    done
    {
        echo '#include <stdio.h>'
        echo '#include "common.h"'
        for i in $(seq -w 0 $((N - 2))); do echo "long f$i(long);"; done
        echo 'long combine(long a, long b) { return a * 31 + b; }'
        echo 'int main(void) { long s = 0;'
        for i in $(seq -w 0 $((N - 2))); do echo "  s += f$i(s % 1000);"; done
        # shellcheck disable=SC2028 # the \n is C's, for the source file
        echo '  printf("%ld\n", s); return 0; }'
    } >"$d/src/main.c"
    cat >"$d/Makefile" <<'EOF'
CC ?= cc
CFLAGS ?= -O2 -Wall
SRCS := $(sort $(wildcard src/*.c))
OBJS := $(SRCS:src/%.c=obj/%.o)
app: $(OBJS)
	$(CC) -o $@ $(OBJS)
obj/%.o: src/%.c | obj
	$(CC) $(CFLAGS) -Iinclude -c $< -o $@
obj:
	mkdir -p obj
clean:
	rm -rf obj app
.PHONY: clean
EOF
}

project_build() {
    generate ref
    timeout 120 make -s -C ref -j4 CC=gcc >/dev/null 2>"$CASE/ref.err" || die "plain gcc build failed"
    generate p
    local objs=$N

    snap
    timeout 120 make -s -C p -j4 CC="$RICC gcc" >"$CASE/cold.out" 2>"$CASE/cold.err" ||
        { cat "$CASE/cold.err" >&2; die "cold make through ricc failed"; }
    unsnap
    [ "$(delta miss)" = $objs ] || die "cold build: $(delta miss) misses, expected $objs"
    [ "$(delta uncacheable)" = 1 ] || die "cold build: the link counted $(delta uncacheable) uncacheable"
    compare_trees cold

    timeout 60 make -s -C p clean
    snap
    timeout 120 make -s -C p -j4 CC="$RICC gcc" >"$CASE/warm.out" 2>"$CASE/warm.err" ||
        { cat "$CASE/warm.err" >&2; die "warm make through ricc failed"; }
    unsnap
    local h=$(($(delta direct_hit) + $(delta preprocessed_hit)))
    [ $h = $objs ] || die "warm build: $h hits, expected $objs (miss $(delta miss))"
    [ "$(delta miss)" = 0 ] || die "warm build: $(delta miss) misses"
    compare_trees warm
    cmp "$CASE/cold.err" "$CASE/warm.err" || die "make's stderr differs between cold and warm builds"

    # Wipe the objects behind make's back and touch a header: all hits again.
    rm -f p/obj/*.o p/app
    touch p/include/*.h
    snap
    timeout 120 make -s -C p -j4 CC="$RICC gcc" >/dev/null 2>&1 || die "third make failed"
    unsnap
    h=$(($(delta direct_hit) + $(delta preprocessed_hit)))
    [ $h = $objs ] || die "third build: $h hits, expected $objs"
    compare_trees third
    [ "$(./p/app)" = "$(./ref/app)" ] || die "the program prints something else"
}

compare_trees() {
    local f n=0
    for f in ref/obj/*.o; do
        cmp "$f" "p/obj/${f##*/}" >&2 || die "$1 build: ${f##*/} differs from plain gcc's"
        n=$((n + 1))
    done
    [ $n = $N ] || die "reference has $n objects"
    [ "$(ls p/obj | wc -l)" = $n ] || die "$1 build: $(ls p/obj | wc -l) files in obj/, expected $n"
    cmp ref/app p/app >&2 || die "$1 build: the linked program differs from plain gcc's"
}

run_case make-j4 project_build
finish
