#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_layers.sh — the layers of settings (issue 22), weakest first: the
# system's file (RICC_SYSTEM_CONFIG here, /etc/ricc.yaml for real), the
# user's ($XDG_CONFIG_HOME/ricc/config.yaml), the cache directory's
# config.yaml or RICC_CONFIG, then the environment; --show-config names the
# file and line of whichever layer gave each value; a setting in a weaker
# layer really changes what a compile does.
. "$(dirname "$0")/lib.sh"

layers() {
    local sys="$CASE/etc/ricc.yaml" user="$XDG_CONFIG_HOME/ricc/config.yaml"
    mkdir -p "$CASE/etc" "$XDG_CONFIG_HOME/ricc" "$RICC_DIR"
    export RICC_SYSTEM_CONFIG="$sys"
    printf 'retry_limit: 1\ninstance: sys\nexec_timeout: 1m\nrequest_timeout: 11s\nremote_env:\n  A: sys\n  B: sys\n' >"$sys"
    printf '# mine\ninstance: user\nexec_timeout: 2m\nremote_env:\n  B: user\n' >"$user"
    printf 'exec_timeout: 3m\nretry_delay: 5ms\n' >"$RICC_DIR/config.yaml"
    export RICC_RETRY_DELAY=7ms
    R_raw --show-config
    [ "$RC" = 0 ] || die "--show-config exited $RC: $(cat "$CASE/r.err")"
    local o="$CASE/r.out"
    grep -qx "retry_limit = 1  (file $sys:1)" "$o" || die "system layer: $(grep retry_limit "$o")"
    grep -qx "request_timeout = 11s  (file $sys:4)" "$o" || die "system layer: $(grep request_timeout "$o")"
    grep -qx "instance = user  (file $user:2)" "$o" || die "user over system: $(grep instance "$o")"
    grep -qx "exec_timeout = 180s  (file $RICC_DIR/config.yaml:1)" "$o" ||
        die "cache dir over user: $(grep exec_timeout "$o")"
    grep -qx "retry_delay = 7ms  (environment RICC_RETRY_DELAY)" "$o" ||
        die "environment over cache dir: $(grep retry_delay "$o")"
    grep -qx "remote_env.A = sys  (file $sys:6)" "$o" || die "map entry from system: $(grep remote_env "$o")"
    grep -qx "remote_env.B = user  (file $user:5)" "$o" || die "map entry from user: $(grep remote_env "$o")"
    # RICC_CONFIG instead of the cache directory's file.
    printf 'exec_timeout: 4m\n' >"$CASE/named.yaml"
    RICC_CONFIG="$CASE/named.yaml" R_raw --show-config
    grep -qx "exec_timeout = 240s  (file $CASE/named.yaml:1)" "$o" || die "RICC_CONFIG: $(grep exec_timeout "$o")"
    grep -q "retry_delay = 7ms" "$o" || die "RICC_CONFIG lost the environment"
    grep -qx "instance = user  (file $user:2)" "$o" || die "RICC_CONFIG dropped the user's file"
    # -k sees the same.
    R_raw -k exec_timeout -k instance
    [ "$(cat "$o")" = "$(printf '180s\nuser')" ] || die "-k: $(cat "$o")"
    # A broken weaker layer is an error naming it.
    printf 'retry_limit: lots\n' >"$sys"
    R_raw -s
    [ "$RC" = 2 ] || die "a bad system file: exit $RC"
    grep -q "$sys:1: retry_limit" "$CASE/r.err" || die "the message does not name $sys:1: $(cat "$CASE/r.err")"
}

# The user's file may name the cache directory; that directory's file is
# then the layer read, and compiles go there.
user_names_dir() {
    unset RICC_DIR
    local user="$XDG_CONFIG_HOME/ricc/config.yaml" there="$CASE/there"
    mkdir -p "$XDG_CONFIG_HOME/ricc" "$there"
    export RICC_SYSTEM_CONFIG="$CASE/none.yaml"
    printf 'dir: %s\nmax_size: 1G\n' "$there" >"$user"
    printf 'max_size: 3G\n' >"$there/config.yaml"
    R_raw -k dir -k max_size
    [ "$(cat "$CASE/r.out")" = "$(printf '%s\n3G' "$there")" ] || die "-k dir max_size: $(cat "$CASE/r.out")"
    printf 'int f(void) { return 3; }\n' >f.c
    RICC_DIR="$there" cc_check miss f.o gcc -c f.c -o f.o
    [ -n "$(find "$there/ac" -type f)" ] || die "the compile did not store in $there"
    rm f.o
    # No RICC_DIR: the user's file's dir is used, so this hits.
    timeout 60 "$RICC" gcc -c f.c -o f.o
    RICC_DIR="$there" R_raw --print-stats
    grep -Eq $'^direct_hit\t1$|^preprocessed_hit\t1$' "$CASE/r.out" ||
        die "a compile without RICC_DIR did not hit in the user's dir"
    # The system's layer counts for compiles too: disable it all there.
    printf 'disable: true\n' >"$CASE/none.yaml"
    rm f.o
    timeout 60 "$RICC" gcc -c f.c -o f.o
    [ -e f.o ] || die "a disabled ricc did not compile"
    RICC_DIR="$there" R_raw --print-stats
    grep -Eq $'^direct_hit\t1$|^preprocessed_hit\t1$' "$CASE/r.out" ||
        die "disable: true in the system file was not obeyed (hit again)"
}

run_case layers layers
run_case user-names-dir user_names_dir
finish
