#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_diskfull.sh — the cache's file system is full: compiles still run and
# give plain gcc's result, a fallback is counted, nothing crashes (a store
# whose writes fail, a stats file or stat index that cannot grow), and once
# there is room again the cache works.
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

run_case full-after-start disk_full
run_case full-from-empty disk_full_from_empty
finish
