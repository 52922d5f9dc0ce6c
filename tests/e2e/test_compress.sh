#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_compress.sh — blobs stored compressed (the settings compression and
# compression_level): an object compiled with compression on is stored
# framed (cache/local/compress.h) and smaller than itself, and its hit
# restores it byte for byte; switching compression off and on keeps every
# old entry hitting, whichever form it was stored in; a damaged compressed
# blob (a flipped byte, truncated) is a correct miss that counts a corrupt
# entry, and the store repairs itself; --print-stats counts the store's
# size both ways.
. "$(dirname "$0")/lib.sh"

# A translation unit whose object (with -g) compresses well: many small
# functions, their names and debug info.
source_file() {
    local f=$1 tag=$2 i
    {
        echo '#include <stdio.h>'
        echo '#include <string.h>'
        for i in $(seq 1 60); do
            echo "int ${tag}_fn$i(int x) { char b[32]; snprintf(b, sizeof b, \"%d-$i\", x); return (int)strlen(b) + x * $i; }"
        done
    } >"$f"
}

# blob_of FILE: the CAS path of FILE's content (it is named by its SHA-256).
blob_of() {
    local h
    h=$(sha256sum "$1" | cut -d' ' -f1)
    echo "$RICC_DIR/cas/${h:0:2}/$h"
}

# is_framed FILE: does it start with the frame's magic (\x89 "RICCZ")?
is_framed() {
    [ "$(head -c 6 "$1" | od -An -tx1 | tr -d ' \n')" = 89524943435a ]
}

compressed_hit() {
    source_file a.c a
    cc_check miss a.o gcc -O2 -g -c a.c -o a.o
    gcc -O2 -g -c a.c -o ref.o
    local blob
    blob=$(blob_of ref.o)
    [ -f "$blob" ] || die "the object's blob is not at $blob"
    is_framed "$blob" || die "the object's blob is not compressed (compression is on by default)"
    local raw stored
    raw=$(wc -c <ref.o) stored=$(wc -c <"$blob")
    [ "$stored" -lt $((raw / 2)) ] || die "compressed blob $stored bytes for a $raw-byte object"
    note "a.o: $raw bytes, stored $stored"
    cc_check direct_hit a.o gcc -O2 -g -c a.c -o a.o
    cmp a.o ref.o || die "the hit's a.o differs from gcc's"
    # A higher level is read the same way.
    source_file b.c b
    RICC_COMPRESSION_LEVEL=19 cc_check miss b.o gcc -O2 -g -c b.c -o b.o
    cc_check hit b.o gcc -O2 -g -c b.c -o b.o
    rm -f ref.o
}

switch_off_and_on() {
    source_file raw.c raw
    source_file packed.c packed
    RICC_COMPRESSION=false cc_check miss raw.o gcc -O2 -g -c raw.c -o raw.o
    gcc -O2 -g -c raw.c -o "$CASE/raw.ref"
    ! is_framed "$(blob_of "$CASE/raw.ref")" || die "stored compressed with compression off"
    cmp -s "$(blob_of "$CASE/raw.ref")" "$CASE/raw.ref" || die "the raw blob is not the object"
    cc_check miss packed.o gcc -O2 -g -c packed.c -o packed.o
    gcc -O2 -g -c packed.c -o "$CASE/packed.ref"
    is_framed "$(blob_of "$CASE/packed.ref")" || die "not stored compressed with compression on"
    # Each read in the other setting, and in its own.
    for setting in true false true; do
        RICC_COMPRESSION=$setting cc_check hit raw.o gcc -O2 -g -c raw.c -o raw.o
        RICC_COMPRESSION=$setting cc_check hit packed.o gcc -O2 -g -c packed.c -o packed.o
    done
    # A blob already stored raw is not rewritten when compression is on.
    ! is_framed "$(blob_of "$CASE/raw.ref")" || die "the raw blob was rewritten"
}

# damaged HOW: damage a.o's compressed blob; the next call recompiles
# correctly and counts it; the one after hits.
damaged() {
    source_file a.c a
    cc_check miss a.o gcc -O2 -g -c a.c -o a.o
    local blob
    blob=$(blob_of a.o)
    is_framed "$blob" || die "not stored compressed"
    case $1 in
        flip) flip_byte "$blob" ;;
        flip-end) flip_byte "$blob" $(($(wc -c <"$blob") - 1)) ;;
        truncate) truncate -s $(($(wc -c <"$blob") / 2)) "$blob" ;;
        header) truncate -s 10 "$blob" ;;
    esac
    cc_check miss a.o gcc -O2 -g -c a.c -o a.o
    [ "$(delta corrupt_entry)" -gt 0 ] || die "corrupt_entry did not move ($1)"
    is_framed "$(blob_of a.o)" || die "the blob stored again is not compressed"
    cc_check hit a.o gcc -O2 -g -c a.c -o a.o
}
corrupt_flip() { damaged flip; }
corrupt_flip_end() { damaged flip-end; }
corrupt_truncated() { damaged truncate; }
corrupt_header() { damaged header; }

# --print-stats: the size on disk and uncompressed; the uncompressed one is
# the larger by about what the objects saved.  (ricc -s shows them too.)
sizes() {
    local i size raw
    for i in 1 2 3 4; do
        source_file s$i.c s$i
        cc_check miss s$i.o gcc -O2 -g -c s$i.c -o s$i.o
    done
    size=$(counter cache_size_bytes)
    raw=$(counter cache_size_uncompressed_bytes)
    [ "$size" -gt 0 ] || die "cache_size_bytes is $size"
    [ "$raw" -gt $((size + 4 * 4096)) ] ||
        die "uncompressed $raw is not well above the size on disk $size"
    "$RICC" --cleanup >/dev/null || die "ricc --cleanup failed"
    [ "$(counter cache_size_bytes)" = "$size" ] || die "a recount changed the size: $size -> $(counter cache_size_bytes)"
    [ "$(counter cache_size_uncompressed_bytes)" = "$raw" ] ||
        die "a recount changed the uncompressed size: $raw -> $(counter cache_size_uncompressed_bytes)"
    "$RICC" -s >"$CASE/s.out" || die "ricc -s failed"
    grep -q "uncompressed" "$CASE/s.out" || die "ricc -s does not show the uncompressed size: $(cat "$CASE/s.out")"
    note "$(grep -i "compressed" "$CASE/s.out" | head -1)"
}

run_case compressed-hit compressed_hit
run_case switch-off-and-on switch_off_and_on
run_case corrupt-flipped corrupt_flip
run_case corrupt-last-byte corrupt_flip_end
run_case corrupt-truncated corrupt_truncated
run_case corrupt-header corrupt_header
run_case sizes sizes
finish
