#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_sandbox.sh — ricc in a build sandbox whose HOME cannot be written and
# where RICC_DIR is not set (BuildStream's: read-only root, a fresh /tmp,
# the server's socket bound in, recc's variables), against a real REAPI
# server (tests/remote/server.py on a unix socket, or RICC_TEST_SERVER).
#
# A small make project (four compiles and a link, RECC_LINK=1) is built in
# one sandbox (every action a miss, compiled here and uploaded), then in a
# fresh one (a fresh TMPDIR): every action must be a remote hit, every
# object and the program byte-identical to plain gcc's, and each build must
# print exactly one warning about the cache directory (cache/local/cachedir.c:
# the default directory is replaced by a private $TMPDIR/ricc-<uid>).
#   fallback-shares   HOME not writable, simulated (a 0500 HOME, or for
#                     root, for whom modes do not count, a HOME below a
#                     regular file), a fresh TMPDIR per sandbox;
#   bwrap-shares      the same in real bubblewrap sandboxes (skipped
#                     without bwrap, or where it cannot make namespaces);
#   named-dir-unusable  RICC_DIR named but unusable: the stores fail (and
#                     say so, once for the build), the results still reach the server, from
#                     memory (cache/local/store.c), so a fresh sandbox hits;
#   fallback-refused  $TMPDIR/ricc-<uid> planted as a symbolic link (or
#                     someone else's): not used, nothing written through it,
#                     the build still correct (uncached: with no directory
#                     to trace a compile in, there is no key to share).
#   agent-once        sixteen concurrent first calls start one agent (the
#                     others wait for it), which a second fresh RICC_DIR
#                     uses too.
# Every case builds with its own -DNONCE, so its keys are new to the server.
#
# Needs: gcc, make; /usr/bin/python3 with grpc and protobuf and protoc for
# the project's server (else skipped unless RICC_TEST_SERVER is set).
EXT=${RICC_TEST_SERVER:-}   # (lib.sh clears every RICC_ variable)
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$E2E_DIR/../.." && pwd)
export RICC_REMOTE_AGENT_IDLE=5
SERVER_PID='' SRV='' SRV_DIR='' SERVER_WHY=''

start_server() {
    if [ -n "$EXT" ]; then
        SRV=$EXT
        case $EXT in unix:*) SRV_DIR=$(dirname "${EXT#unix:}") ;; esac
        return 0
    fi
    if ! /usr/bin/python3 -c 'import grpc, google.protobuf' 2>/dev/null || ! have protoc; then
        SERVER_WHY="no /usr/bin/python3 with grpc and protobuf, or no protoc, for the test server"
        return 0
    fi
    SRV_DIR="$T/srv"
    mkdir -p "$SRV_DIR"
    /usr/bin/python3 "$ROOT/tests/remote/server.py" --unix "$SRV_DIR/s.sock" \
        --ready-file "$SRV_DIR/ready" --record "$SRV_DIR/record" --pb-dir "$T/pb" \
        2>"$SRV_DIR/log" &
    SERVER_PID=$!
    local i=0
    while [ ! -f "$SRV_DIR/ready" ]; do
        i=$((i + 1))
        if [ $i -ge 300 ] || ! kill -0 "$SERVER_PID" 2>/dev/null; then
            SERVER_WHY="the test server did not start: $(tail -3 "$SRV_DIR/log")"
            return 0
        fi
        sleep 0.1
    done
    SRV="unix:$SRV_DIR/s.sock"
}

stop_all() {
    [ -z "$SERVER_PID" ] || { kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; }
    for l in "$XDG_RUNTIME_DIR"/ricc/*.lock; do
        [ -s "$l" ] && kill "$(cat "$l")" 2>/dev/null
    done
    [ -n "${E2E_TMP:-}" ] || [ -n "${E2E_KEEP:-}" ] || { chmod -R u+w "$T"; rm -rf "$T"; }
} 2>/dev/null
trap stop_all EXIT
start_server

need_server() { [ -n "$SRV" ] || skip "$SERVER_WHY"; }

# The project, in $CASE/w/proj; reference outputs from plain gcc in
# $CASE/ref.  NONCE makes this case's keys new to the server.
make_project() {
    NONCE="$$-$(date +%s%N)-$1"
    P="$CASE/w/proj"
    mkdir -p "$P/src" "$P/include"
    printf '#ifndef UTIL_H\n#define UTIL_H\nint add(int, int);\nconst char *greeting(void);\n#endif\n' \
        >"$P/include/util.h"
    printf '#include "util.h"\nint add(int a, int b) { return a + b; }\n' >"$P/src/util.c"
    printf '#include "util.h"\nconst char *greeting(void) { return "hello " NONCE; }\n' \
        >"$P/src/greet.c"
    printf '#include <stdio.h>\n#include "util.h"\nint main(void) { printf("%%s %%d\\n", greeting(), add(2, 3)); return 0; }\n' \
        >"$P/src/main.c"
    printf 'int warned(void) { int unused; return 4; }\n' >"$P/src/warn.c"
    cat >"$P/Makefile" <<'EOF'
OBJS = build/util.o build/greet.o build/main.o build/warn.o
build/app: $(OBJS)
	$(CC) -o $@ $(OBJS)
build/%.o: src/%.c include/util.h
	@mkdir -p build
	$(CC) $(CFLAGS) -Wall -Iinclude -c $< -o $@
EOF
    CFLAGS="-O2 -DNONCE=\\\"$NONCE\\\""
    (cd "$P" && make -s CC=gcc CFLAGS="$CFLAGS" >/dev/null 2>&1) || die "plain gcc build failed"
    mkdir -p "$CASE/ref"
    cp "$P"/build/*.o "$P/build/app" "$CASE/ref/"
    rm -rf "$P/build"
    sleep 0.1 # (ricc does not cache a compile whose input changed just before it)
}

# BuildStream's recc variables (no RICC_DIR, no XDG_CACHE_HOME).
recc_env() {
    tc=$(printf toolchain | sha256sum | cut -c1-64)
    RENV=(RECC_SERVER="$SRV" RECC_CACHE_ONLY=1 RECC_CACHE_UPLOAD_LOCAL_BUILD=1 RECC_LINK=1
          RECC_REMOTE_PLATFORM_chrootRootDigest="$tc/9" RECC_PROJECT_ROOT="$P"
          RECC_DEPS_GLOBAL_PATHS=1)
}

# check_build NAME: the outputs are plain gcc's, the program runs, and the
# build printed exactly one warning about the cache directory.
check_build() {
    local f
    for f in "$CASE"/ref/*; do
        cmp "$f" "$P/build/$(basename "$f")" >&2 || die "$1: $(basename "$f") differs from plain gcc's"
    done
    [ "$("$P/build/app")" = "hello $NONCE 5" ] || die "$1: the program does not run right"
    local n
    n=$(grep -c 'warning: .*cache director' "$CASE/$1.err" || true)
    [ "$n" = 1 ] || { sed 's/^/    /' "$CASE/$1.err" >&2; die "$1: $n warnings about the cache directory, not one"; }
}

# counts NAME HITS MISSES: the stats the build left (in $CASE/NAME.stats).
counts() {
    local st="$CASE/$1.stats" h m
    h=$(awk -F'\t' '$1 == "remote_hit" {print $2}' "$st")
    m=$(awk -F'\t' '$1 == "miss" {print $2}' "$st")
    [ "$h" = "$2" ] && [ "$m" = "$3" ] ||
        { cat "$st" >&2; die "$1: $h remote hits and $m misses, expected $2 and $3"; }
}

# An unwritable HOME: a 0500 directory; for root (whom modes do not stop),
# one below a regular file.
unwritable_home() {
    HOME_RO="$CASE/home"
    mkdir -p "$HOME_RO"
    chmod 0500 "$HOME_RO"
    if touch "$HOME_RO/probe" 2>/dev/null; then
        rm -f "$HOME_RO/probe"
        chmod 0700 "$HOME_RO"
        : >"$CASE/home-file"
        HOME_RO="$CASE/home-file/home"
    fi
}

# sim_build NAME: make in a simulated fresh sandbox (a fresh TMPDIR), then
# its stats into $CASE/NAME.stats.
sim_build() {
    local sb="$CASE/sb-$1"
    mkdir -p "$sb/tmp"
    rm -rf "$P/build"
    (cd "$P" && env -u RICC_DIR -u XDG_CACHE_HOME HOME="$HOME_RO" TMPDIR="$sb/tmp" "${RENV[@]}" \
        make -s -j4 CC="$RICC gcc" CFLAGS="$CFLAGS" >"$CASE/$1.out" 2>"$CASE/$1.err") ||
        { cat "$CASE/$1.err" >&2; die "$1: make failed"; }
    env -u RICC_DIR -u XDG_CACHE_HOME HOME="$HOME_RO" TMPDIR="$sb/tmp" "$RICC" --print-stats \
        >"$CASE/$1.stats" 2>/dev/null
    # The fallback: private, ours.
    local fb
    fb="$sb/tmp/ricc-$(id -u)"
    [ -d "$fb" ] && [ ! -L "$fb" ] || die "$1: no $fb"
    [ "$(stat -c '%a %u' "$fb")" = "700 $(id -u)" ] || die "$1: $fb is $(stat -c '%a %u' "$fb")"
}

fallback_shares() {
    need_server
    make_project sim
    unwritable_home
    recc_env
    sim_build first
    check_build first
    counts first 0 5
    sim_build second
    check_build second
    counts second 5 0
}

bwrap_shares() {
    need_server
    have bwrap || skip "no bwrap (bubblewrap)"
    bwrap --ro-bind / / --dev /dev true 2>/dev/null || skip "bwrap cannot make a sandbox here"
    make_project bwrap
    recc_env
    # ricc's own tree, if it is under /tmp (which the sandbox replaces).
    local rroot binds=()
    rroot=$(cd "$(dirname "$RICC")/.." && pwd)
    case $rroot in /tmp/*) binds+=(--ro-bind "$rroot" "$rroot") ;; esac
    [ -z "$SRV_DIR" ] || binds+=(--bind "$SRV_DIR" "$SRV_DIR")
    local name
    for name in first second; do
        rm -rf "$P/build"
        # (HOME stays the caller's: read-only in there.)
        bwrap --ro-bind / / --dev /dev --proc /proc --tmpfs /tmp "${binds[@]}" \
            --bind "$P" "$P" --bind "$CASE" "$CASE" --unshare-pid --die-with-parent \
            --unsetenv RICC_DIR --unsetenv XDG_CACHE_HOME --unsetenv XDG_RUNTIME_DIR \
            --unsetenv TMPDIR --chdir "$P" \
            env "${RENV[@]}" sh -c 'make -s -j4 CC="$1 gcc" CFLAGS="$2" 2>"$3.err" >"$3.out" &&
                "$1" --print-stats >"$3.stats"' sh "$RICC" "$CFLAGS" "$CASE/$name" ||
            { cat "$CASE/$name.err" >&2; die "$name: the sandboxed build failed"; }
        check_build $name
    done
    counts first 0 5
    counts second 5 0
}

named_dir_unusable() {
    need_server
    make_project named
    recc_env
    : >"$CASE/not-a-dir"
    rm -rf "$P/build"
    (cd "$P" && env RICC_DIR="$CASE/not-a-dir/cache" "${RENV[@]}" \
        make -s -j4 CC="$RICC gcc" CFLAGS="$CFLAGS" >"$CASE/named.out" 2>"$CASE/named.err") ||
        { cat "$CASE/named.err" >&2; die "make failed"; }
    for f in "$CASE"/ref/*; do
        cmp "$f" "$P/build/$(basename "$f")" >&2 || die "$(basename "$f") differs from plain gcc's"
    done
    # One warning for the build, saying what is wrong (cachedir_write_failed).
    [ "$(grep -c 'warning: the cache directory .* cannot be written' "$CASE/named.err")" = 1 ] ||
        { cat "$CASE/named.err" >&2; die "not one warning that the cache cannot be written"; }
    # A fresh sandbox with a usable cache: everything from the server.
    rm -rf "$P/build"
    (cd "$P" && env RICC_DIR="$CASE/fresh" "${RENV[@]}" \
        make -s -j4 CC="$RICC gcc" CFLAGS="$CFLAGS" >"$CASE/fresh.out" 2>"$CASE/fresh.err") ||
        { cat "$CASE/fresh.err" >&2; die "make failed in the fresh sandbox"; }
    RICC_DIR="$CASE/fresh" "$RICC" --print-stats >"$CASE/fresh.stats"
    counts fresh 5 0
    for f in "$CASE"/ref/*; do
        cmp "$f" "$P/build/$(basename "$f")" >&2 || die "fresh: $(basename "$f") differs"
    done
}

fallback_refused() {
    need_server
    make_project refused
    unwritable_home
    recc_env
    local sb="$CASE/sb-planted" uid
    uid=$(id -u)
    mkdir -p "$sb/tmp" "$CASE/elsewhere"
    ln -s "$CASE/elsewhere" "$sb/tmp/ricc-$uid"
    (cd "$P" && env -u RICC_DIR -u XDG_CACHE_HOME HOME="$HOME_RO" TMPDIR="$sb/tmp" "${RENV[@]}" \
        make -s -j4 CC="$RICC gcc" CFLAGS="$CFLAGS" >"$CASE/planted.out" 2>"$CASE/planted.err") ||
        { cat "$CASE/planted.err" >&2; die "make failed"; }
    for f in "$CASE"/ref/*; do
        cmp "$f" "$P/build/$(basename "$f")" >&2 || die "$(basename "$f") differs from plain gcc's"
    done
    [ -z "$(ls -A "$CASE/elsewhere")" ] || die "ricc wrote through the planted link"
    grep -q "cannot be used.*ricc-$uid (not a directory of its own)" "$CASE/planted.err" ||
        { cat "$CASE/planted.err" >&2; die "no warning naming the refused directory"; }
    # Someone else's directory (root can make one): refused too.
    if [ "$uid" = 0 ]; then
        local sb2="$CASE/sb-other"
        mkdir -p "$sb2/tmp/ricc-0"
        chown 65534 "$sb2/tmp/ricc-0"
        rm -rf "$P/build"
        (cd "$P" && env -u RICC_DIR -u XDG_CACHE_HOME HOME="$HOME_RO" TMPDIR="$sb2/tmp" \
            "${RENV[@]}" make -s CC="$RICC gcc" CFLAGS="$CFLAGS" >/dev/null 2>"$CASE/other.err") ||
            die "make failed with someone else's directory"
        grep -q "owned by uid 65534" "$CASE/other.err" || die "someone else's directory not refused"
        [ -z "$(ls -A "$sb2/tmp/ricc-0")" ] || die "ricc wrote into someone else's directory"
    fi
}

# One agent per user and server, whatever the RICC_DIR (remote_loader.c):
# sixteen compiles starting at once in a fresh RICC_DIR, with no agent
# running, start exactly one; the one that started it calls directly, every
# other waits for it and calls through it; a second fresh RICC_DIR starts
# none and uses the same one.
agent_once() {
    need_server
    make_project agent
    recc_env
    export XDG_RUNTIME_DIR="$CASE/run"
    # The second round needs the first round's agent alive, however loaded
    # the machine: it is stopped at the end of the case.
    export RICC_REMOTE_AGENT_IDLE=60
    mkdir -m 700 "$XDG_RUNTIME_DIR"
    local i
    for i in $(seq 1 16); do
        printf 'int f%d(void) { return %d; }\n' "$i" "$i" >"$P/src/par$i.c"
    done
    sleep 0.1
    local d
    for d in one two; do
        rm -rf "$CASE/log-$d"
        (cd "$P/src" && for i in $(seq 1 16); do
            env RICC_DIR="$CASE/dir-$d" "${RENV[@]}" RICC_LOG_LEVEL=debug \
                RICC_LOG_DIRECTORY="$CASE/log-$d" "$RICC" gcc -O2 -DNONCE=\"$NONCE\" \
                -c par$i.c -o "$CASE/par$i-$d.o" &
        done; wait) || die "$d: a compile failed"
    done
    local started direct through
    started=$(cat "$CASE"/log-one/* | grep -c 'started a remote agent' || true)
    direct=$(cat "$CASE"/log-one/* | grep -c 'remote calls through /' || true)
    through=$(cat "$CASE"/log-one/* | grep -c 'remote calls through the agent' || true)
    [ "$started" = 1 ] || die "16 concurrent first calls started $started agents, not 1"
    # (The one that started it calls directly this time; the others wait.)
    [ "$direct" = 1 ] || die "$direct of them called directly, not the starter alone"
    [ "$through" = 15 ] || die "$through of 16 called through the agent, not 15"
    started=$(cat "$CASE"/log-two/* | grep -c 'started a remote agent' || true)
    through=$(cat "$CASE"/log-two/* | grep -c 'remote calls through the agent' || true)
    [ "$started" = 0 ] || die "a second fresh RICC_DIR started $started agents"
    [ "$through" = 16 ] || die "in a second fresh RICC_DIR $through of 16 called through the agent"
    [ "$(ls "$XDG_RUNTIME_DIR"/ricc/*.sock | wc -l)" = 1 ] || die "not one agent socket"
    RICC_DIR="$CASE/dir-two" "$RICC" --print-stats >"$CASE/two.stats"
    counts two 16 0
    for l in "$XDG_RUNTIME_DIR"/ricc/*.lock; do kill "$(cat "$l")" 2>/dev/null || true; done
}

run_case fallback-shares fallback_shares
run_case bwrap-shares bwrap_shares
run_case named-dir-unusable named_dir_unusable
run_case fallback-refused fallback_refused
run_case agent-once agent_once
finish
