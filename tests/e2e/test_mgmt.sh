#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_mgmt.sh — the management commands: --print-stats's format,
# --zero-stats, --clear (the next call misses; everything that is cache goes,
# config.yaml stays), --cleanup (killed processes' leftovers go), the size
# counting the fixed tables, --show-config
# (every setting with where it came from), --show-stats, --version, --help,
# and an unknown option.
. "$(dirname "$0")/lib.sh"

src() { printf 'int z(int x) { return x - 1; }\n' >z.c; }
CMD="gcc -O2 -c z.c -o z.o"

print_stats() {
    R_raw --print-stats
    [ "$RC" = 0 ] || die "--print-stats exited $RC on an empty RICC_DIR"
    [ -s "$CASE/r.out" ] || die "--print-stats printed nothing"
    local bad
    bad=$(grep -Evc $'^[a-z_]+\t-?[0-9]+$' "$CASE/r.out" || true)
    [ "$bad" = 0 ] || { cat "$CASE/r.out" >&2; die "$bad lines are not name<TAB>value"; }
    local c
    for c in $SIX compile_failed corrupt_entry; do
        grep -q "^$c	0$" "$CASE/r.out" || { cat "$CASE/r.out" >&2; die "no '$c<TAB>0' line on a fresh RICC_DIR"; }
    done
    [ "$(cut -f1 "$CASE/r.out" | sort | uniq -d | wc -l)" = 0 ] || die "a counter is printed twice"
    src
    R $CMD
    expect miss
    [ "$(counter miss)" = 1 ] || die "miss is $(counter miss) after one miss"
    R gcc -c nosuch.c -o nosuch.o
    [ "$(counter compile_failed)" -ge 1 ] || note "compile_failed not counted for a missing source ($OUTCOME)"
    [ -z "$(cat "$CASE/r.out")" ] || die "a wrapped call printed to stdout"
}

zero_stats() {
    src
    R $CMD
    R $CMD
    expect hit
    R_raw --zero-stats
    [ "$RC" = 0 ] || die "--zero-stats exited $RC"
    local c
    for c in $SIX; do
        [ "$(counter "$c")" = 0 ] || die "$c is $(counter "$c") after --zero-stats"
    done
    rm z.o
    cc_check hit z.o $CMD           # the cache itself is kept
    [ "$(hits)" = 1 ] || die "hits() is $(hits)"
}

clear_cache() {
    src
    cc_check miss z.o $CMD
    cc_check hit z.o $CMD
    R_raw --clear
    [ "$RC" = 0 ] || die "--clear exited $RC"
    cc_check miss z.o $CMD
    cc_check hit z.o $CMD
    R_raw --clear
    R_raw --clear                   # twice, and on an empty store
    [ "$RC" = 0 ] || die "--clear on an empty store exited $RC"
    local left
    left=$(find "$RICC_DIR/cas" "$RICC_DIR/ac" -type f 2>/dev/null | wc -l)
    [ "$left" = 0 ] || die "$left files left under cas/ and ac/ after --clear"
}

cleanup_cache() {
    src
    cc_check miss z.o $CMD
    R_raw --cleanup
    [ "$RC" = 0 ] || die "--cleanup exited $RC"
    cc_check hit z.o $CMD           # nothing over the limit: nothing evicted
    # With a tiny limit, cleanup evicts, and a compile is still correct.
    local i
    for i in 1 2 3 4 5 6; do
        sed "s/x - 1/x - $i/" z.c >z$i.c
        RICC_MAX_SIZE=1k cc_check any z$i.o gcc -O2 -c z$i.c -o z$i.o
    done
    RICC_MAX_SIZE=1k R_raw --cleanup
    [ "$RC" = 0 ] || die "--cleanup with max_size 1k exited $RC"
    local size
    size=$(counter cache_size_bytes)
    note "cache_size_bytes after cleanup to 1k: $size"
    RICC_MAX_SIZE=1k cc_check any z.o $CMD
}

# Everything under RICC_DIR that is cache goes (layout.h): the store, the
# fixed tables, identity/ and incdirs/; the settings stay.
clear_all() {
    src
    cc_check miss z.o $CMD
    printf 'max_size: 5G\n' >"$RICC_DIR/config.yaml"
    local f left
    for f in statindex identity; do
        [ -e "$RICC_DIR/$f" ] || die "no $f after a miss (what this case checks is gone)"
    done
    R_raw --clear
    [ "$RC" = 0 ] || die "--clear exited $RC"
    for f in statindex incscan codes; do
        [ ! -e "$RICC_DIR/$f" ] || die "$f left after --clear"
    done
    left=$(find "$RICC_DIR/cas" "$RICC_DIR/ac" "$RICC_DIR/manifests" "$RICC_DIR/identity" \
        "$RICC_DIR/incdirs" -type f 2>/dev/null | wc -l)
    [ "$left" = 0 ] || die "$left files left in the store, identity/ or incdirs/ after --clear"
    [ -s "$RICC_DIR/config.yaml" ] || die "--clear removed config.yaml"
    [ "$(counter cache_size_bytes)" = 0 ] || die "cache_size_bytes is $(counter cache_size_bytes) after --clear"
    cc_check miss z.o $CMD
    cc_check hit z.o $CMD
}

# The 4 MB stat index counts toward the size shown (and kept).
size_counts_tables() {
    src
    cc_check miss z.o $CMD
    local size table
    size=$(counter cache_size_bytes)
    table=$(stat -c %s "$RICC_DIR/statindex")
    [ "$size" -gt "$table" ] || die "cache_size_bytes ($size) does not count the stat index ($table bytes)"
}

# What killed processes left in tmp/ (and "*.tmp.*" files) goes once it is
# an hour old; a fresh one (a call in progress) stays.
cleanup_leftovers() {
    src
    cc_check miss z.o $CMD
    mkdir -p "$RICC_DIR/tmp"
    local f
    for f in tmp/trace.tmp.999999.0 tmp/deps.999999.d remote-caps.tmp.999999.1 identity/x.tmp.999999.2; do
        printf x >"$RICC_DIR/$f"
        touch -d '2 hours ago' "$RICC_DIR/$f"
    done
    printf x >"$RICC_DIR/tmp/deps.999998.d"
    R_raw --cleanup
    [ "$RC" = 0 ] || die "--cleanup exited $RC"
    for f in tmp/trace.tmp.999999.0 tmp/deps.999999.d remote-caps.tmp.999999.1 identity/x.tmp.999999.2; do
        [ ! -e "$RICC_DIR/$f" ] || die "--cleanup left the stale $f"
    done
    [ -e "$RICC_DIR/tmp/deps.999998.d" ] || die "--cleanup removed a fresh file in tmp/"
    cc_check hit z.o $CMD
}

show_config() {
    export RICC_MAX_SIZE=7G RECC_NO_PATH_REWRITE=1
    local f="$CASE/conf.yaml"
    printf '# a comment\nlog_level: info\n' >"$f"
    export RICC_CONFIG="$f"
    R_raw --show-config
    [ "$RC" = 0 ] || die "--show-config exited $RC"
    local o="$CASE/r.out"
    grep -q max_size "$o" || die "max_size not listed"
    grep max_size "$o" | grep -Eq 'RICC_MAX_SIZE|environment' || die "max_size's origin (RICC_MAX_SIZE) not shown"
    grep no_path_rewrite "$o" | grep -Eq 'RECC_NO_PATH_REWRITE|environment' ||
        die "no_path_rewrite's origin (RECC_NO_PATH_REWRITE) not shown"
    grep log_level "$o" | grep -q "$f" || die "log_level's origin ($f) not shown"
    grep log_level "$o" | grep -Eq "$f:2|line 2" || note "log_level's line in $f is not shown"
    grep '^ *dir\b\|^ *dir[ :=	]' "$o" | grep -q "$RICC_DIR" || die "dir ($RICC_DIR) not shown"
    grep -q default "$o" || die "no setting says it is a default"
    local n
    n=$(wc -l <"$o")
    [ "$n" -ge 10 ] || die "only $n lines of settings"
}

show_stats() {
    src
    R $CMD
    R_raw --show-stats
    [ "$RC" = 0 ] || die "--show-stats exited $RC"
    grep -q miss "$CASE/r.out" || die "--show-stats does not show the miss counter"
    R_raw -s
    [ "$RC" = 0 ] || die "-s exited $RC"
}

version_help() {
    R_raw --version
    [ "$RC" = 0 ] || die "--version exited $RC"
    grep -qi ricc "$CASE/r.out" || die "--version does not say ricc"
    R_raw --help
    [ "$RC" = 0 ] || die "--help exited $RC"
    grep -q -- --print-stats "$CASE/r.out" || die "--help does not mention --print-stats"
    grep -q -- --zero-stats "$CASE/r.out" || die "--help does not mention --zero-stats"
    # Help and version work even when the configuration is broken.
    RICC_MAX_SIZE=bad R_raw --version
    [ "$RC" = 0 ] || die "--version with a bad setting exited $RC"
    R_raw --no-such-option
    [ "$RC" != 0 ] || die "an unknown option exited 0"
    [ -s "$CASE/r.err" ] || die "an unknown option printed no message"
    R_raw
    [ "$RC" != 0 ] || die "ricc with no arguments exited 0"
}

run_case print-stats print_stats
run_case zero-stats zero_stats
run_case clear clear_cache
run_case cleanup cleanup_cache
run_case clear-all clear_all
run_case size-counts-tables size_counts_tables
run_case cleanup-leftovers cleanup_leftovers
run_case show-config show_config
run_case show-stats show_stats
run_case version-help version_help
finish
