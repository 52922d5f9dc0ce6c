#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_badinput.sh — misuse of ricc is an error that says what to change;
# ricc's own trouble is not the build's.
#   malformed RICC_CONFIG / bad value in it -> non-zero, file and line named
#   RICC_MAX_SIZE=12Q                        -> non-zero, variable named
#   invalid toolchain digest                 -> a warning, a correct compile,
#                                               never a hit on a valid-digest entry
#   RICC_DIR ricc cannot write               -> a correct compile, exit 0
. "$(dirname "$0")/lib.sh"

src() {
    printf '#include <stdio.h>\nint s(void) { int unused; return 5; }\n' >s.c
}
CMD="gcc -O2 -Wall -c s.c -o s.o"

malformed_yaml() {
    src
    local f="$CASE/bad.yaml"
    printf 'log_level: warning\nmax_size: 5G\nserver: [unclosed, "x\n  : : :\n' >"$f"
    export RICC_CONFIG="$f"
    R_raw $CMD
    [ "$RC" != 0 ] || die "a malformed RICC_CONFIG compiled anyway (exit 0)"
    [ ! -e s.o ] || die "a malformed RICC_CONFIG still compiled"
    grep -q "$f" "$CASE/r.err" || { show_err; die "the message does not name $f"; }
    grep -Eq "$f:[0-9]+|line [0-9]+" "$CASE/r.err" || { show_err; die "the message names no line"; }
    note "$(head -1 "$CASE/r.err")"
    R_raw --show-config
    [ "$RC" != 0 ] || die "--show-config exits 0 with a malformed config"
    # Well-formed YAML, a mapping where a value belongs on line 3.
    printf 'log_level: warning\nmax_size: 5G\nmax_size: 5G: 6\n' >"$f"
    R_raw $CMD
    [ "$RC" != 0 ] || die "line 3 'max_size: 5G: 6' accepted"
    grep -Eq "$f:3|line 3" "$CASE/r.err" || { show_err; die "the message does not point at line 3"; }
}

bad_value_in_file() {
    src
    local f="$CASE/ricc.yaml"
    printf '# ricc settings\nlog_level: warning\nmax_size: 12Q\n' >"$f"
    export RICC_CONFIG="$f"
    R_raw $CMD
    [ "$RC" != 0 ] || die "max_size: 12Q accepted"
    grep -Eq "$f:3|$f.*line 3" "$CASE/r.err" || { show_err; die "the message does not name $f line 3"; }
    grep -q max_size "$CASE/r.err" || { show_err; die "the message does not name max_size"; }
    printf 'log_level: loud\n' >"$f"
    R_raw $CMD
    [ "$RC" != 0 ] || die "log_level: loud accepted"
    grep -q log_level "$CASE/r.err" || { show_err; die "the message does not name log_level"; }
    printf 'no_such_setting: 1\n' >"$f"
    R_raw $CMD
    note "unknown setting in the file: exit $RC, '$(head -1 "$CASE/r.err")'"
    # RICC_DIR/config.yaml is read without RICC_CONFIG.
    unset RICC_CONFIG
    mkdir -p "$RICC_DIR"
    printf 'max_size: lots\n' >"$RICC_DIR/config.yaml"
    R_raw $CMD
    [ "$RC" != 0 ] || die "max_size: lots in \$RICC_DIR/config.yaml accepted"
    grep -q "$RICC_DIR/config.yaml" "$CASE/r.err" || { show_err; die "the message does not name the file"; }
    rm "$RICC_DIR/config.yaml"
}

bad_env() {
    src
    RICC_MAX_SIZE=12Q R_raw $CMD
    [ "$RC" != 0 ] || die "RICC_MAX_SIZE=12Q accepted"
    grep -q RICC_MAX_SIZE "$CASE/r.err" || { show_err; die "the message does not name RICC_MAX_SIZE"; }
    [ ! -e s.o ] || die "compiled with an invalid RICC_MAX_SIZE"
    RICC_MAX_SIZE=12Q R_raw --print-stats
    [ "$RC" != 0 ] || die "--print-stats with RICC_MAX_SIZE=12Q exits 0"
    RICC_LOG_LEVEL=shouty R_raw $CMD
    [ "$RC" != 0 ] || die "RICC_LOG_LEVEL=shouty accepted"
    grep -q RICC_LOG_LEVEL "$CASE/r.err" || { show_err; die "the message does not name RICC_LOG_LEVEL"; }
    RICC_MAX_SIZE=2G cc_check miss s.o $CMD
}

# A malformed server address is a configuration error (exit 2, naming the
# setting and the value), not a server that looks dead for seconds a call.
bad_server() {
    src
    local a
    for a in localhost:99999 http://x unix: ftp://host:1 host:12:13 :80; do
        RECC_SERVER=$a R_raw $CMD
        [ "$RC" = 2 ] || { show_err; die "RECC_SERVER=$a: exit status $RC, not 2"; }
        grep -qF "RECC_SERVER: '$a'" "$CASE/r.err" || { show_err; die "RECC_SERVER=$a: not named"; }
        [ ! -e s.o ] || die "compiled with RECC_SERVER=$a"
    done
    mkdir -p "$RICC_DIR"
    printf 'server: "http://x"\n' >"$RICC_DIR/config.yaml"
    R_raw $CMD
    [ "$RC" = 2 ] && grep -q "server" "$CASE/r.err" || { show_err; die "server: http://x accepted"; }
    rm "$RICC_DIR/config.yaml"
}

bad_digest() {
    src
    local good
    good="$(printf toolchain | sha256sum | cut -c1-64)/9"
    export RECC_REMOTE_PLATFORM_chrootRootDigest=$good
    cc_check miss s.o $CMD
    cc_check hit s.o $CMD
    local bad
    for bad in "nothex/9" "${good%/*}" "${good%/*}/-1" "${good%/*}/x" "${good%??????/*}/9" \
        "${good%/*}x/9" ""; do
        # A store holding only the valid-digest entry.
        timeout 30 "$RICC" --clear
        export RECC_REMOTE_PLATFORM_chrootRootDigest=$good
        cc_check miss s.o $CMD
        export RECC_REMOTE_PLATFORM_chrootRootDigest=$bad
        rm -f s.o
        R $CMD
        expect nohit
        [ "$RC" = 0 ] || die "exit $RC with digest '$bad'"
        [ "$bad" = "" ] || grep -qi "digest" "$CASE/r.err" ||
            { show_err; die "no warning about the invalid digest '$bad'"; }
        [ -e s.o ] || die "no object with digest '$bad'"
        cp s.o "$CASE/ricc.o"
        cp "$CASE/r.err" "$CASE/bad.err"
        P $CMD
        cmp s.o "$CASE/ricc.o" || die "object differs from plain gcc with digest '$bad'"
        # After the warning, gcc's own stderr, unchanged.
        tail -n "$(wc -l <"$CASE/p.err")" "$CASE/bad.err" | cmp - "$CASE/p.err" >&2 ||
            die "gcc's stderr is not passed through with digest '$bad'"
    done
    note "an invalid digest warns: '$(head -1 "$CASE/bad.err")'"
}

dir_unwritable() {
    src
    local d
    if [ "$(id -u)" != 0 ]; then
        d="$CASE/ro"
        mkdir -p "$d"
        chmod 555 "$d"
        for RICC_DIR in "$d" "$d/sub"; do
            export RICC_DIR
            rm -f s.o
            R_raw $CMD
            [ "$RC" = 0 ] || { show_err; die "exit $RC with RICC_DIR=$RICC_DIR unwritable"; }
            P_check
        done
        chmod 755 "$d"
    fi
    : >"$CASE/a-file"
    export RICC_DIR="$CASE/a-file/x"
    rm -f s.o
    R_raw $CMD
    [ "$RC" = 0 ] || { show_err; die "exit $RC with RICC_DIR under a regular file"; }
    P_check
    note "RICC_DIR under a regular file: stderr '$(head -1 "$CASE/r.err")'"
}
# The object is plain gcc's and gcc's warning got through.
P_check() {
    [ -e s.o ] || die "no object with RICC_DIR=$RICC_DIR"
    cp s.o "$CASE/ricc.o"
    P $CMD
    cmp s.o "$CASE/ricc.o" || die "object differs from plain gcc with RICC_DIR=$RICC_DIR"
    grep -q "unused variable" "$CASE/r.err" || die "gcc's warning was lost with RICC_DIR=$RICC_DIR"
}

run_case malformed-config malformed_yaml
run_case bad-value-in-config bad_value_in_file
run_case bad-env-value bad_env
run_case bad-server-address bad_server
run_case invalid-toolchain-digest bad_digest
run_case unwritable-dir dir_unwritable
finish
