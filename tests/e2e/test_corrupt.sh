#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_corrupt.sh — a damaged store never yields a hit with bad data.
# After a miss, one file of the store is damaged: the object's blob under
# cas/ (a flipped byte; truncated; emptied), the entry under ac/, each other
# blob and manifest in turn, the stats file, the stat index.  The next call must still leave
# exactly plain gcc's output; where the object or the action entry was hit,
# it must recompile (a miss) and count corrupt_entry.  The call after that
# hits again: the store repaired itself.
. "$(dirname "$0")/lib.sh"

CMD="gcc -O2 -Wall -c big.c -o big.o"

# A cached compile whose object is by far the largest blob, then a pristine
# copy of the store to start each damage from.
prime() {
    {
        echo '#include <stdio.h>'
        echo 'static const unsigned tbl[] = {'
        seq 1 2000 | sed 's/$/u * 2654435761u,/'
        echo '};'
        echo 'unsigned pick(unsigned i) { int unused; return tbl[i % 2000]; }'
    } >big.c
    cc_check miss big.o $CMD
    [ -d "$RICC_DIR/cas" ] || die "no cas/ under RICC_DIR after a miss"
    rm -rf "$CASE/pristine"
    cp -a "$RICC_DIR" "$CASE/pristine"
}
restore() {
    chmod -R u+w "$RICC_DIR"
    rm -rf "$RICC_DIR"
    cp -a "$CASE/pristine" "$RICC_DIR"
}
# The blob is named by the object's SHA-256 (its file may be compressed).
object_blob() {
    local h
    h=$(sha256sum big.o | cut -d' ' -f1)
    [ -f "$RICC_DIR/cas/${h:0:2}/$h" ] || die "big.o's blob is not under $RICC_DIR/cas"
    echo "$RICC_DIR/cas/${h:0:2}/$h"
}
# recompiled_after_damage: the call after the damage is a correct miss that
# counted the corrupt entry; the one after it a correct hit.
recompiled_after_damage() {
    cc_check miss big.o $CMD
    [ "$(delta corrupt_entry)" -gt 0 ] || die "corrupt_entry did not move ($1)"
    cc_check hit big.o $CMD
}

flip_object() {
    prime
    flip_byte "$(object_blob)"
    recompiled_after_damage "flipped byte in the object blob"
    restore
    flip_byte "$(object_blob)" 0
    recompiled_after_damage "flipped first byte of the object blob"
}

truncate_object() {
    prime
    local f
    f=$(object_blob)
    truncate -s $(($(wc -c <"$f") / 2)) "$f"
    recompiled_after_damage "truncated object blob"
    restore
    f=$(object_blob)
    : >"$f"
    recompiled_after_damage "emptied object blob"
}

corrupt_ac() {
    prime
    local n=0 f
    [ -d "$RICC_DIR/ac" ] || die "no ac/ under RICC_DIR after a miss"
    while IFS= read -r f; do flip_byte "$f"; n=$((n + 1)); done < <(find "$RICC_DIR/ac" -type f)
    [ $n -gt 0 ] || die "no entry under ac/"
    recompiled_after_damage "flipped byte in ac/ entries"
    restore
    find "$RICC_DIR/ac" -type f -exec truncate -s 20 {} +
    recompiled_after_damage "truncated ac/ entries"
    restore
    while IFS= read -r f; do flip_byte "$f" 0; done < <(find "$RICC_DIR/ac" -type f)
    recompiled_after_damage "flipped magic of ac/ entries"
}

# Every file of the store, one at a time: whatever ricc does, the result is
# plain gcc's.
each_file() {
    prime
    local f n=0 rel
    for rel in $(cd "$CASE/pristine" && find cas ac manifests -type f 2>/dev/null); do
        restore
        f="$RICC_DIR/$rel"
        [ -s "$f" ] || continue
        flip_byte "$f"
        cc_check any big.o $CMD
        case $OUTCOME in *_hit) [ "$(delta corrupt_entry)" = 0 ] ||
            die "counted a corrupt entry and still called it a hit ($rel)" ;; esac
        cc_check hit big.o $CMD
        n=$((n + 1))
    done
    note "damaged $n store files one at a time"
}

# The stat index (file stat -> digest, what direct hits trust instead of
# reading headers): truncated, overwritten with garbage, bytes flipped all
# over.  ricc repairs or ignores it and stays correct; above all, a header
# edited to the same size and mtime after the damage must still miss.
damaged_statindex() {
    mkdir -p inc
    echo '#define K 1' >inc/k.h
    printf '#include <stdio.h>\n#include "k.h"\nint k(void) { return K; }\n' >k.c
    local cmd="gcc -O2 -Iinc -c k.c -o k.o" f="$RICC_DIR/statindex" off size
    sleep 2.2    # let the files settle, so the index takes their digests
    cc_check miss k.o $cmd
    cc_check direct_hit k.o $cmd
    [ -f "$f" ] || skip "no $f"
    size=$(wc -c <"$f")
    truncate -s 100 "$f"
    cc_check hit k.o $cmd
    head -c "$size" /dev/urandom >"$f"
    cc_check hit k.o $cmd
    for off in 0 64 4096 65536 $((size / 2)) $((size - 1)); do
        flip_byte "$f" "$off"
    done
    cc_check hit k.o $cmd
    same_size_edit inc/k.h 'K 1' 'K 2'
    cc_check miss k.o $cmd
    cc_check hit k.o $cmd
}

corrupt_stats() {
    prime
    [ -f "$RICC_DIR/stats" ] || skip "no $RICC_DIR/stats file"
    head -c 100 /dev/urandom >"$RICC_DIR/stats"
    R_raw $CMD
    [ "$RC" = 0 ] || die "exit $RC with a garbage stats file"
    rm -f big.o
    R_raw $CMD
    same_as_plain big.o $CMD
    R $CMD
    expect hit
}

run_case object-byte-flipped flip_object
run_case object-truncated truncate_object
run_case ac-entry-corrupt corrupt_ac
run_case each-store-file each_file
run_case stats-file-garbage corrupt_stats
run_case statindex-damaged damaged_statindex
finish
