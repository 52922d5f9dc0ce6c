#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_diskfull.sh — the cache's file system is full: compiles still run and
# give plain gcc's result, a fallback is counted, nothing crashes (a store
# whose writes fail, a stats file or stat index that cannot grow), and once
# there is room again the cache works; a build on a full disk is warned
# once, not once per compile.
#
# A real full file system: a small tmpfs mounted in a private mount
# namespace (unshare -m as root, unshare -rm otherwise); skipped where
# neither is allowed.
if [ -z "${E2E_IN_NS:-}" ]; then
    export E2E_IN_NS=1
    if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
        exec unshare -m --propagation private bash "$0" "$@"
    elif unshare -rm true 2>/dev/null; then
        exec unshare -rm --propagation private bash "$0" "$@"
    fi
    E2E_IN_NS=none
fi
. "$(dirname "$0")/lib.sh"

CMD="gcc -O2 -Wall -c full.c -o full.o"

# full_check EXPECT: R the command, expect EXPECT, then compare with plain
# gcc: the object, the exit status, stdout, and stderr once ricc's own
# warning lines ("ricc[pid] warning: ...", allowed: the user should hear
# that the cache is full) are taken out.
full_check() {
    rm -f full.o
    R $CMD
    expect "$1"
    [ -e full.o ] || { show_err; die "ricc did not produce full.o"; }
    cp full.o "$CASE/r.o"
    rm -f full.o
    P $CMD
    cmp "$CASE/r.o" full.o >&2 || die "full.o from ricc differs from plain gcc's"
    [ "$RC" = "$PRC" ] || die "exit status $RC from ricc, $PRC from plain gcc"
    cmp "$CASE/r.out" "$CASE/p.out" >&2 || die "stdout differs from plain gcc's"
    grep -v '^ricc\[[0-9]*\] warning: ' "$CASE/r.err" >"$CASE/r.err.gcc" || true
    cmp "$CASE/r.err.gcc" "$CASE/p.err" >&2 || die "gcc's stderr did not pass through unchanged"
}

# fill DIR: write until the file system refuses.
fill() {
    dd if=/dev/zero of="$1/filler" bs=4k 2>/dev/null || true
    # And the last few blocks, in small writes.
    dd if=/dev/zero of="$1/filler2" bs=512 2>/dev/null || true
}

disk_full() {
    [ "$E2E_IN_NS" != none ] || skip "cannot mount a tmpfs here (no mount namespace)"
    local fs="$CASE/fs"
    mkdir -p "$fs"
    mount -t tmpfs -o size=1m tmpfs "$fs" || skip "cannot mount a tmpfs here"
    export RICC_DIR="$fs/cache"
    {
        echo '#include <stdio.h>'
        echo 'int main(void) { int unused; puts("full"); return 0; }'
    } >full.c
    # The cache exists (stats file, stat index) before the disk fills, as
    # in a build that runs out of space half way.
    "$RICC" -z >/dev/null
    fill "$fs"
    full_check fallback
    full_check fallback
    # Room again: a miss that stores, then a hit.
    rm -f "$fs"/filler*
    cc_check miss full.o $CMD
    cc_check hit full.o $CMD
    umount "$fs"
}

disk_full_from_empty() {
    # Full before ricc ever ran: no stats file, no directories.
    [ "$E2E_IN_NS" != none ] || skip "cannot mount a tmpfs here (no mount namespace)"
    local fs="$CASE/fs"
    mkdir -p "$fs"
    mount -t tmpfs -o size=1m tmpfs "$fs" || skip "cannot mount a tmpfs here"
    export RICC_DIR="$fs/cache"
    printf 'int f(void) { return 42; }\n' >full.c
    fill "$fs"
    R_raw $CMD
    [ "$RC" = 0 ] || { show_err; die "exit $RC with a full cache file system"; }
    cp full.o "$CASE/r.o"
    rm -f full.o
    P $CMD
    cmp "$CASE/r.o" full.o >&2 || die "full.o from ricc differs from plain gcc's"
    umount "$fs"
}

disk_full_build() {
    # A build (make -j4, four compiles) on a full cache file system: one
    # warning saying so, not one per compile, and plain gcc's objects.
    [ "$E2E_IN_NS" != none ] || skip "cannot mount a tmpfs here (no mount namespace)"
    local fs="$CASE/fs" i n
    mkdir -p "$fs"
    mount -t tmpfs -o size=1m tmpfs "$fs" || skip "cannot mount a tmpfs here"
    trap 'umount "$CASE/fs" 2>/dev/null' EXIT
    export RICC_DIR="$fs/cache"
    for i in 1 2 3 4; do
        printf '#include <stdio.h>\nint f%d(void) { return puts("%d"); }\n' "$i" "$i" >"f$i.c"
    done
    printf 'all: f1.o f2.o f3.o f4.o\n%%.o: %%.c\n\t$(CC) -O2 -c $< -o $@\n' >Makefile
    "$RICC" -z >/dev/null
    fill "$fs"
    # The once-per-build mark lives under TMPDIR: a fresh one, off the full
    # file system.
    export TMPDIR="$CASE/tmpdir"
    mkdir -p "$TMPDIR"
    make -j4 CC="$RICC gcc" >"$CASE/make.out" 2>"$CASE/make.err" ||
        { cat "$CASE/make.err" >&2; die "make failed on a full cache file system"; }
    cat "$CASE/make.err" >&2
    n=$(grep -c '^ricc\[[0-9]*\] warning: ' "$CASE/make.err" || true)
    [ "$n" = 1 ] || die "$n warnings for the build, not one"
    grep -q "is full" "$CASE/make.err" || die "the warning does not say the cache is full"
    mkdir -p "$CASE/r"
    cp ./*.o "$CASE/r/"
    rm -f ./*.o
    make -j4 CC=gcc >/dev/null 2>&1
    for i in 1 2 3 4; do
        cmp "f$i.o" "$CASE/r/f$i.o" >&2 || die "f$i.o from ricc differs from plain gcc's"
    done
}

run_case full-after-start disk_full
run_case full-from-empty disk_full_from_empty
run_case full-build-one-warning disk_full_build
finish
