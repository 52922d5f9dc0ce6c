#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_options.sh — ccache's management options (issue 22): several options
# in one call carried out left to right, and nothing done when one of them
# is wrong; -M and -o writing the settings file (which one, what it keeps,
# what it refuses); -k; -z and -C saying what they did; -d on another cache
# directory; --evict-older-than by last use; -v and --format.
. "$(dirname "$0")/lib.sh"

# No machine-wide file reaches these tests (lib.sh gives each its own
# XDG_CONFIG_HOME).
export RICC_SYSTEM_CONFIG="$T/no-system.yaml"

src() { printf 'int z(int x) { return x - %s; }\n' "${1:-1}" >"${2:-z.c}"; }
CMD="gcc -O2 -c z.c -o z.o"
out() { cat "$CASE/r.out"; }

# -z -s: zeroed first, then shown as zero; -s -z: shown first, then zeroed.
several_in_order() {
    src
    cc_check miss z.o $CMD
    R_raw -s -z
    [ "$RC" = 0 ] || die "-s -z exited $RC"
    grep -q 'Statistics zeroed' "$CASE/r.out" || die "-z did not say 'Statistics zeroed'"
    # -s ran before -z: its table shows the miss, and comes first.
    local miss_line zero_line
    miss_line=$(grep -n '^ *miss *1$' "$CASE/r.out" | head -1 | cut -d: -f1)
    zero_line=$(grep -n 'Statistics zeroed' "$CASE/r.out" | cut -d: -f1)
    [ -n "$miss_line" ] || { out >&2; die "-s before -z does not show the miss"; }
    [ "$miss_line" -lt "$zero_line" ] || die "-s -z: -z's message came before -s's table"
    [ "$(counter miss)" = 0 ] || die "-s -z did not zero (miss is $(counter miss))"
    cc_check hit z.o $CMD
    R_raw -z -s
    [ "$RC" = 0 ] || die "-z -s exited $RC"
    [ "$(head -1 "$CASE/r.out")" = "Statistics zeroed" ] || die "-z -s: the first line is not -z's"
    grep -q '^ *direct_hit *0$' "$CASE/r.out" || { out >&2; die "-z -s shows hits that -z zeroed"; }
    # Long and short forms, a value joined by '=' or given apart.
    R_raw --zero-stats --max-size=2G --show-stats
    [ "$RC" = 0 ] || die "--zero-stats --max-size=2G --show-stats exited $RC"
    grep -q 'Set cache size limit to 2.0 GB' "$CASE/r.out" || die "--max-size=2G said: $(out)"
    grep -q 'of 2.0 GB' "$CASE/r.out" || { out >&2; die "-s after --max-size=2G does not show the limit"; }
}

# One bad option anywhere: exit 2, a message, and nothing done (the -z
# before it did not zero, the -M did not write).
nothing_done_on_error() {
    src
    cc_check miss z.o $CMD
    local o
    for o in --no-such-option -X '-M nonsense' '--evict-older-than 3w' '--format xml' '-o nokey=1' \
        '-k nokey' '-M'; do
        # shellcheck disable=SC2086 # the option and its argument are two words
        R_raw -z -M 3G $o
        [ "$RC" = 2 ] || die "'-z -M 3G $o' exited $RC, not 2"
        [ -s "$CASE/r.err" ] || die "'-z -M 3G $o' printed no message"
        [ ! -s "$CASE/r.out" ] || die "'-z -M 3G $o' printed on stdout: $(out)"
        [ "$(counter miss)" = 1 ] || die "'-z -M 3G $o' zeroed the counters"
        [ ! -e "$RICC_DIR/config.yaml" ] || die "'-z -M 3G $o' wrote config.yaml"
    done
    R_raw -M 12Q
    grep -q "12Q" "$CASE/r.err" || die "a bad size's message does not name it: $(cat "$CASE/r.err")"
}

# -M writes max_size into the cache directory's file (RICC_DIR is named),
# -s then shows it; 0 is unlimited; the file keeps its other lines.
max_size() {
    src
    mkdir -p "$RICC_DIR"
    printf '# my settings\nlog_level: error   # quiet\n\nmax_size: 9G\n' >"$RICC_DIR/config.yaml"
    R_raw -M 1G
    [ "$RC" = 0 ] || die "-M 1G exited $RC"
    [ "$(out)" = "Set cache size limit to 1.0 GB in $RICC_DIR/config.yaml" ] || die "-M 1G said: $(out)"
    [ "$(cat "$RICC_DIR/config.yaml")" = "$(printf '# my settings\nlog_level: error   # quiet\n\nmax_size: 1G')" ] ||
        { cat "$RICC_DIR/config.yaml" >&2; die "-M did not replace just the max_size line"; }
    R_raw -s
    grep -q 'of 1.0 GB' "$CASE/r.out" || { out >&2; die "-s does not show the 1G limit"; }
    R_raw -k max_size
    [ "$(out)" = 1G ] || die "-k max_size after -M 1G printed $(out)"
    R_raw --max-size 0
    [ "$(out)" = "Set cache size limit to unlimited in $RICC_DIR/config.yaml" ] || die "-M 0 said: $(out)"
    R_raw --get-config max_size
    [ "$(out)" = 0 ] || die "-k max_size after -M 0 printed $(out)"
    # The environment is stronger than the file: -M says so.
    RICC_MAX_SIZE=3G R_raw -M 1G
    grep -q 'still' "$CASE/r.out" || die "-M under RICC_MAX_SIZE did not say the limit is still 3G: $(out)"
    [ -z "$(find "$RICC_DIR" -maxdepth 1 -name 'config.yaml.*')" ] || die "a temporary file was left beside config.yaml"
}

# -o: written as loading reads it; a bad key or value exits 2 and leaves the
# file as it was; a map entry is remote_platform.NAME; an empty value removes.
set_config() {
    mkdir -p "$RICC_DIR"
    local f="$RICC_DIR/config.yaml"
    printf '# keep me\nserver: localhost:1\nremote_platform:\n  OSFamily: linux   # the OS\n' >"$f"
    cp "$f" "$CASE/before"
    local bad
    for bad in 'servr=localhost:2' 'retry_limit=many' 'server=nohost' 'log_level=loud' \
        'remote_platform=x' 'nokey'; do
        R_raw -o "$bad"
        [ "$RC" = 2 ] || die "-o $bad exited $RC, not 2"
        [ -s "$CASE/r.err" ] || die "-o $bad printed no message"
        cmp -s "$f" "$CASE/before" || die "-o $bad changed the file"
    done
    R_raw -o servr=localhost:2
    grep -q "did you mean 'server'" "$CASE/r.err" || die "-o servr=: no suggestion: $(cat "$CASE/r.err")"
    R_raw -o retry_limit=many
    grep -q "'many' is not a whole number" "$CASE/r.err" || die "-o retry_limit=many: $(cat "$CASE/r.err")"

    R_raw -o server=localhost:2 -o remote_platform.ISA=x86-64 -o remote_platform.OSFamily=debian \
        --set-config=log_level=debug -o 'instance=a b #c'
    [ "$RC" = 0 ] || { cat "$CASE/r.err" >&2; die "-o ... exited $RC"; }
    grep -q "Set server to localhost:2 in $f" "$CASE/r.out" || die "-o server= said: $(out)"
    grep -q '^# keep me$' "$f" || die "-o dropped the comment"
    grep -q '^server: localhost:2$' "$f" || die "-o server= did not replace the line"
    [ "$(grep -c '^server:' "$f")" = 1 ] || die "two server lines"
    R_raw -k server -k remote_platform -k log_level -k instance -k remote_platform.ISA
    [ "$(out)" = "$(printf 'localhost:2\nISA=x86-64\nOSFamily=debian\ndebug\na b #c\nx86-64')" ] ||
        { out >&2; cat "$f" >&2; die "-k after -o printed the above"; }
    R_raw -o server= -o remote_platform.ISA=
    grep -q "Removed server from $f" "$CASE/r.out" || die "-o server= said: $(out)"
    ! grep -q '^server:' "$f" || die "-o server= left the line"
    ! grep -q 'ISA' "$f" || die "-o remote_platform.ISA= left the entry"
    R_raw -k server
    [ "$(out)" = "" ] || die "-k server after removing it printed $(out)"
    R_raw -k nosuch
    [ "$RC" = 2 ] || die "-k nosuch exited $RC"
    R_raw -p
    grep -q "^remote_platform.OSFamily = debian  (file $f:[0-9]*)$" "$CASE/r.out" ||
        { out >&2; die "--show-config does not show the -o'd map entry from $f"; }
}

# Which file -M and -o write: RICC_CONFIG; else the named cache directory's;
# else the user's ($XDG_CONFIG_HOME/ricc/config.yaml, made with its directory).
write_target() {
    export XDG_CONFIG_HOME="$CASE/xdg" # made by -M; this case's own
    local user="$XDG_CONFIG_HOME/ricc/config.yaml"
    (
        unset RICC_DIR
        R_raw -M 2G
        [ "$RC" = 0 ] || die "-M 2G without RICC_DIR exited $RC: $(cat "$CASE/r.err")"
        grep -q "in $user" "$CASE/r.out" || die "-M without RICC_DIR did not write $user: $(out)"
        [ "$(cat "$user")" = "max_size: 2G" ] || die "$user has: $(cat "$user")"
    ) || exit 1
    R_raw -M 3G
    grep -q "in $RICC_DIR/config.yaml" "$CASE/r.out" || die "-M with RICC_DIR wrote elsewhere: $(out)"
    export RICC_CONFIG="$CASE/named.yaml"
    : >"$RICC_CONFIG" # a file RICC_CONFIG names must be there
    R_raw -o log_level=info
    grep -q "in $RICC_CONFIG" "$CASE/r.out" || die "-o with RICC_CONFIG wrote elsewhere: $(out)"
    [ "$(cat "$RICC_CONFIG")" = "log_level: info" ] || die "RICC_CONFIG has $(cat "$RICC_CONFIG")"
    [ "$(cat "$user")" = "max_size: 2G" ] || die "the user's file changed"
}

# -C and -c say what they removed.
clear_says() {
    src
    cc_check miss z.o $CMD
    local n
    n=$(find "$RICC_DIR/cas" "$RICC_DIR/ac" "$RICC_DIR/manifests" -type f | wc -l)
    R_raw -C
    [ "$RC" = 0 ] || die "-C exited $RC"
    grep -Eq "^Cleared cache: $n files, [0-9.]+ (kB|MB|bytes)$" "$CASE/r.out" ||
        die "-C said '$(out)', not 'Cleared cache: $n files, SIZE'"
    R_raw --clear
    grep -q "^Cleared cache: 0 files" "$CASE/r.out" || die "-C on an empty cache said: $(out)"
    cc_check miss z.o $CMD
    R_raw -c
    grep -Eq "^Cleaned up cache: removed 0 files" "$CASE/r.out" || die "-c said: $(out)"
    local i
    for i in 2 3 4 5; do
        src $i z$i.c
        R gcc -O2 -c z$i.c -o z$i.o
    done
    RICC_MAX_SIZE=1k R_raw -c
    grep -Eq "^Cleaned up cache: removed [1-9][0-9]* files" "$CASE/r.out" || die "-c to 1k said: $(out)"
}

# -d: the options after it work on that directory, its config.yaml counts.
other_dir() {
    src
    cc_check miss z.o $CMD
    local other="$CASE/other"
    mkdir -p "$other"
    printf 'max_size: 7G\n' >"$other/config.yaml"
    R_raw -s -d "$other" -s -M 4G -k max_size -z
    [ "$RC" = 0 ] || die "-d exited $RC: $(cat "$CASE/r.err")"
    grep -q 'of 5.0 GB' "$CASE/r.out" || { out >&2; die "the first -s is not of RICC_DIR"; }
    grep -q 'of 7.0 GB' "$CASE/r.out" || { out >&2; die "-s after -d does not read $other/config.yaml"; }
    grep -q "in $other/config.yaml" "$CASE/r.out" || die "-M after -d wrote elsewhere: $(out)"
    [ "$(tail -2 "$CASE/r.out" | head -1)" = 4G ] || die "-k after -d -M 4G: $(out)"
    [ "$(cat "$other/config.yaml")" = "max_size: 4G" ] || die "$other/config.yaml has $(cat "$other/config.yaml")"
    [ "$(counter miss)" = 1 ] || die "-d DIR -z zeroed RICC_DIR's counters"
    [ ! -e "$RICC_DIR/config.yaml" ] || die "-M after -d wrote RICC_DIR's config.yaml"
    R_raw --dir="$other" --print-stats
    grep -q "^miss	0$" "$CASE/r.out" || die "--print-stats in $other does not show 0 misses"
    R_raw -d "$other" -C
    [ -d "$RICC_DIR/cas" ] || die "-d $other -C cleared RICC_DIR"
    R_raw -d "$other" -p
    grep -q "^dir = $other  (option --dir)$" "$CASE/r.out" || die "-p after -d: $(grep '^dir' "$CASE/r.out")"
}

# --evict-older-than: what was last used before AGE goes, the rest stays and
# still hits; the size counted is what is left.
evict() {
    src 1 old.c
    src 2 new.c
    R gcc -O2 -c old.c -o old.o
    find "$RICC_DIR/cas" "$RICC_DIR/ac" "$RICC_DIR/manifests" -type f -exec touch -d '3 days ago' {} +
    R gcc -O2 -c new.c -o new.o
    local all n_old size_all
    all=$(find "$RICC_DIR/cas" "$RICC_DIR/ac" "$RICC_DIR/manifests" -type f | wc -l)
    n_old=$(find "$RICC_DIR/cas" "$RICC_DIR/ac" "$RICC_DIR/manifests" -type f -mmin +1440 | wc -l)
    [ "$n_old" -gt 0 ] || die "no entry is old (the test's setup failed)"
    size_all=$(counter cache_size_bytes)
    R_raw --evict-older-than 2d
    [ "$RC" = 0 ] || die "--evict-older-than 2d exited $RC"
    grep -Eq "^Evicted $n_old files, " "$CASE/r.out" || die "--evict-older-than 2d said '$(out)', $n_old were old"
    local left
    left=$(find "$RICC_DIR/cas" "$RICC_DIR/ac" "$RICC_DIR/manifests" -type f | wc -l)
    [ "$left" = $((all - n_old)) ] || die "$left entries left of $all, $n_old old"
    [ -z "$(find "$RICC_DIR/cas" "$RICC_DIR/ac" "$RICC_DIR/manifests" -type f -mmin +1440)" ] ||
        die "an old entry stayed"
    # The size is recounted: what is left, not what was.
    local size_left
    size_left=$(counter cache_size_bytes)
    [ "$size_left" -lt "$size_all" ] || die "cache_size_bytes $size_left after eviction, $size_all before"
    R_raw --cleanup
    [ "$(counter cache_size_bytes)" = "$size_left" ] || die "a cleanup recounted $(counter cache_size_bytes), eviction said $size_left"
    # The recent one still hits, the evicted one misses and is stored again.
    cc_check hit new.o gcc -O2 -c new.c -o new.o
    cc_check miss old.o gcc -O2 -c old.c -o old.o
    cc_check hit old.o gcc -O2 -c old.c -o old.o
    # Bare seconds, and an age older than everything: nothing goes.
    R_raw --evict-older-than=86400
    grep -q "^Evicted 0 files" "$CASE/r.out" || die "--evict-older-than=86400 said: $(out)"
    find "$RICC_DIR/cas" "$RICC_DIR/ac" "$RICC_DIR/manifests" -type f -exec touch -d '1 hour ago' {} +
    R_raw --evict-older-than 30m -s
    grep -Eq "^Evicted [1-9][0-9]* files" "$CASE/r.out" || die "--evict-older-than 30m said: $(out)"
    [ -z "$(find "$RICC_DIR/cas" "$RICC_DIR/ac" "$RICC_DIR/manifests" -type f)" ] || die "entries left after evicting all"
    [ "$(counter cache_size_bytes)" -lt "$size_left" ] || die "the size did not go down after evicting all"
}

# -v makes -s verbose wherever it stands; --format goes to --print-stats.
verbose_format() {
    src
    cc_check miss z.o $CMD
    R_raw -s
    local plain
    plain=$(wc -l <"$CASE/r.out")
    R_raw -s -v
    [ "$RC" = 0 ] || die "-s -v exited $RC"
    [ "$(wc -l <"$CASE/r.out")" -gt "$plain" ] || die "-s -v shows no more than -s"
    cp "$CASE/r.out" "$CASE/sv.out"
    R_raw -v -s
    [ "$RC" = 0 ] || die "-v -s exited $RC"
    cmp -s "$CASE/sv.out" "$CASE/r.out" || die "-v -s shows other than -s -v"
    R_raw --print-stats --format json
    [ "$RC" = 0 ] || die "--print-stats --format json exited $RC"
    /usr/bin/python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$CASE/r.out" ||
        die "--print-stats --format json is not JSON: $(head -3 "$CASE/r.out")"
    R_raw --format=json --print-stats
    /usr/bin/python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$CASE/r.out" ||
        die "--format=json --print-stats is not JSON"
    R_raw --print-stats --format tsv
    grep -q $'^miss\t1$' "$CASE/r.out" || die "--format tsv is not name<TAB>value"
}

run_case several-in-order several_in_order
run_case nothing-done-on-error nothing_done_on_error
run_case max-size max_size
run_case set-config set_config
run_case write-target write_target
run_case clear-says clear_says
run_case other-dir other_dir
run_case evict evict
run_case verbose-format verbose_format
finish
