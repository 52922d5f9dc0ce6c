#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/test_remote_policy.sh — what ricc does when the server cannot
# execute, or does not finish: configured for remote execution (no
# cache-only), a make -j4 of a four-file project against
#   1. a server without an Execution service, as bazel-remote is (the test
#      server with --no-execute, or RICC_TEST_SERVER when
#      RICC_TEST_SERVER_EXECUTES=0): its capabilities are honoured — one
#      warning for the build, no Execute call, no input uploaded for one;
#      every compile built here and uploaded, so a fresh sandbox then gets
#      four remote hits, byte-identical to plain gcc;
#   2. a server whose Execute says EXECUTING and then nothing, WaitExecution
#      the same (--hang-execute): exec_timeout bounds the wait, the operation
#      is cancelled on the server (CancelOperation), the build is
#      correct, one warning, and the build's later compiles do not Execute;
#   3. a server that executes: the Action carries exec_timeout as its
#      timeout, and the worker is held to it; the mark of scenario 1 (that
#      server does not execute) does not hold for this one;
#   4. a server that accepts connections and never answers: no retry, one
#      warning for the build, every compile built here;
#   5. a server that checks that a result's blobs are in its CAS, the empty
#      one included, as BuildGrid does: quiet compiles' results still hit.
# Needs: RICC, gcc, make, /usr/bin/python3 with grpc + protobuf, protoc.
set -eu
for v in $(env | sed -n 's/^\(R[IE]CC_[A-Za-z0-9_]*\)=.*/\1/p'); do
    case $v in RICC_TEST_SERVER|RICC_TEST_SERVER_EXECUTES|RICC_REMOTE_MODULE|RICC_REMOTE_HELPER) ;;
    *) unset "$v" ;; esac
done
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
ricc=${RICC:-$root/build/bin/ricc}
W=$(mktemp -d /tmp/ricc-e2e-policy-XXXXXX)
# The server's start and stop, the run's agents, ok/fail, calls.
. "$here/remote_lib.sh"

# ---- the project: four files, compiled only ----
P="$W/proj"
mkdir -p "$P"
for i in 1 2 3 4; do
    printf '#include <stdio.h>\nint f%d(int x) { printf("%%d\\n", x); return x * %d + N; }\n' \
        "$i" "$i" > "$P/f$i.c"
done
cat > "$P/Makefile" <<'EOF'
all: f1.o f2.o f3.o f4.o
%.o: %.c
	$(CC) $(CFLAGS) -c $< -o $@
EOF
# A nonce: an outside server's cache starts cold for this run.
N="$$$(date +%s)"
mkdir -p "$W/ref"
(cd "$P" && make -s CC=gcc CFLAGS="-O2 -DN=$N" && mv f?.o "$W/ref/")

# Configured for remote execution, in BuildStream's environment.
RECC_REMOTE_PLATFORM_chrootRootDigest="$(printf policy | sha256sum | cut -c1-64)/6"
export RECC_SERVER='' RECC_REMOTE_PLATFORM_chrootRootDigest

# build NAME [CFLAGS]: a fresh sandbox (RICC_DIR $W/dir-NAME, no objects),
# make -j4; stderr in $W/NAME.err; outputs compared with plain gcc's.
build() {
    name=$1
    export RICC_DIR="$W/dir-$name"
    rm -rf "$RICC_DIR" "$P"/*.o
    if ! (cd "$P" && timeout 300 make -s -j4 CC="$ricc gcc" CFLAGS="-O2 -DN=$N" 2>"$W/$name.err"); then
        fail "$name: make failed"; sed 's/^/    /' "$W/$name.err" | head -20; return 0
    fi
    for i in 1 2 3 4; do
        cmp -s "$W/ref/f$i.o" "$P/f$i.o" || fail "$name: f$i.o differs from plain gcc's"
    done
}
stat_of() { RICC_DIR="$W/dir-$1" "$ricc" --print-stats | awk -v k="$2" '$1 == k {v = $2} END {print v + 0}'; }
count() { n=$(grep -c "$1" "$W/$2.err" || true); echo "${n:-0}"; }

# ---- 1. a server that does not execute ----
RECORD=
if [ -n "${RICC_TEST_SERVER:-}" ]; then
    if [ "${RICC_TEST_SERVER_EXECUTES:-1}" = 0 ]; then ADDR=$RICC_TEST_SERVER; else ADDR=; fi
else
    start_server noexec --no-execute
fi
if [ -n "$ADDR" ]; then
    export RECC_SERVER="$ADDR"
    build noexec-first
    n=$(count "does not execute" noexec-first)
    [ "$n" = 1 ] || fail "noexec-first: $n warnings that the server does not execute, expected 1"
    [ "$(stat_of noexec-first miss)" = 4 ] || fail "noexec-first: $(stat_of noexec-first miss) misses, expected 4"
    if [ -n "$RECORD" ]; then
        # No Execute, and no input uploaded for one: the only blobs sent are
        # the four results' (object, and no stream: gcc is quiet here).
        [ "$(calls Execute)" = 0 ] || fail "noexec-first: $(calls Execute) Execute calls"
        [ "$(calls GetCapabilities)" -ge 1 ] || fail "noexec-first: capabilities never asked"
        [ "$(calls UpdateActionResult)" -ge 4 ] ||
            fail "noexec-first: $(calls UpdateActionResult) results uploaded, expected 4 or more"
    fi
    build noexec-second
    [ "$(stat_of noexec-second remote_hit)" = 4 ] ||
        fail "noexec-second: $(stat_of noexec-second remote_hit) remote hits, expected 4"
    [ "$(count "does not execute" noexec-second)" = 0 ] || fail "noexec-second: warned, with nothing to execute"
    [ "$failures" = 0 ] &&
        ok "a server without Execute: one warning, built here and uploaded, then 4 remote hits"
else
    echo "(RICC_TEST_SERVER executes: the no-Execute scenario needs a cache-only server)"
fi

# ---- 2. an Execute that never finishes; 3. the Action's timeout ----
if [ -n "${RICC_TEST_SERVER:-}" ]; then
    echo "(RICC_TEST_SERVER set: the hanging and timeout scenarios need the test server)"
else
    f0=$failures
    start_server hang --hang-execute
    export RECC_SERVER="$ADDR" RICC_EXEC_TIMEOUT=2
    build hang
    n=$(count "exec_timeout (2 s)" hang)
    [ "$n" = 1 ] || fail "hang: $n warnings naming exec_timeout, expected 1"
    # At most the compiles already waiting when the first gave up (make -j4).
    [ "$(calls Execute)" -ge 1 ] && [ "$(calls Execute)" -le 4 ] ||
        fail "hang: $(calls Execute) Execute calls, expected 1 to 4"
    # Each operation given up on is cancelled on the server, once.
    [ "$(calls CancelledOperation)" = "$(calls Execute)" ] ||
        fail "hang: $(calls CancelledOperation) operations cancelled for $(calls Execute) Executes"
    # The build's next compile does not try again.
    before=$(calls Execute)
    (cd "$P" && rm -f f1.o && echo '/* edit */' >> f1.c &&
        timeout 300 "$ricc" gcc -O2 -DN=$N -c f1.c -o f1.o 2>"$W/hang-again.err") ||
        fail "hang-again: the compile failed"
    [ "$(calls Execute)" = "$before" ] || fail "hang-again: Executed again within the build"
    [ "$(count "does not execute" hang-again)" = 0 ] || fail "hang-again: warned again"
    [ "$failures" = "$f0" ] &&
        ok "an Execute that never finishes: exec_timeout, one warning, compiled here"

    # (In the RICC_DIR of scenario 1, whose mark that its server does not
    # execute must not hold for this one.)
    f0=$failures
    start_server timeout
    export RECC_SERVER="$ADDR" RICC_EXEC_TIMEOUT=7
    rm -f "$P/f1.o"
    (cd "$P" && RICC_DIR="$W/dir-noexec-first" "$ricc" gcc -O2 -DN=$N -c f1.c -o f1.o 2>"$W/timeout.err") ||
        fail "timeout: the compile failed"
    grep -q '"method": "(run)", "timeout": 7}' "$RECORD" ||
        fail "timeout: the executed Action did not carry timeout 7: $(grep '(run)' "$RECORD" | head -1)"
    [ "$(calls Execute)" = 1 ] || fail "timeout: $(calls Execute) Execute calls, expected 1"
    [ "$failures" = "$f0" ] && ok "the Action carries exec_timeout as its timeout"
fi

# ---- 4. a server that accepts the connection and never answers ----
# Each call's deadline (request_timeout) expires once, is not retried, and
# marks the server down: one warning; the build's other compiles skip it.
f0=$failures
stop_server
/usr/bin/python3 - "$W/silent.sock" "$W/silent.ready" <<'PYEOF' &
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1]); s.listen(64)
open(sys.argv[2], "w").close()
held = []
while True:
    c, _ = s.accept()
    held.append(c)          # never read, never answered
PYEOF
SERVER_PID=$!
i=0
while [ ! -f "$W/silent.ready" ] && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.1; done
export RECC_SERVER="unix:$W/silent.sock" RECC_CACHE_ONLY=1 RICC_REQUEST_TIMEOUT=2 RECC_RETRY_LIMIT=3
# Calls made here, not by an agent (which keeps no log).
export RICC_LOG_LEVEL=debug RICC_LOG_DIRECTORY="$W/silent-log" RICC_REMOTE_AGENT=0
build silent
n=$(cat "$W/silent-log"/* 2>/dev/null | grep -c "(code 4)" || true)
[ "${n:-0}" -ge 1 ] || fail "silent: no call's deadline expired in the logs: the retries below were not seen"
n=$( { cat "$W/silent.err"; cat "$W/silent-log"/* 2>/dev/null | grep '^W[0-9]'; } | grep -ci "unreachable\|down\|deadline" || true)
[ "${n:-0}" = 1 ] || fail "silent: ${n:-0} warnings about the server, expected 1"
# The client's own lines ("retrying in ...") reach the log only when it runs
# in ricc's process (a dynamic build: make check-asan's); a static ricc's
# helper program keeps none, and test_remote_faults checks it there.
if readelf -d "$ricc" 2>/dev/null | grep -q 'NEEDED'; then
    n=$(cat "$W/silent-log"/* 2>/dev/null | grep -c "retrying in" || true)
    [ "${n:-0}" = 0 ] || fail "silent: ${n:-0} retries of a call whose deadline expired"
else
    echo "(static ricc: whether a deadline is retried is test_remote_faults' to check)"
fi
unset RECC_CACHE_ONLY RICC_REQUEST_TIMEOUT RECC_RETRY_LIMIT RICC_LOG_LEVEL RICC_LOG_DIRECTORY RICC_REMOTE_AGENT
[ "$failures" = "$f0" ] && ok "a server that never answers: no retry, one warning, built here"

# ---- 5. a server that checks a result's blobs, as BuildGrid does ----
# The four compiles are quiet: their results name the empty blob for stdout
# and stderr, which the server holds only once someone uploaded it.  Looked
# up by action (no manifests), a fresh sandbox hits all four.
if [ -n "${RICC_TEST_SERVER:-}" ]; then
    echo "(RICC_TEST_SERVER set: the result-blob check is the test server's --check-result-blobs)"
else
    f0=$failures
    start_server blobs --check-result-blobs
    export RECC_SERVER="$ADDR" RECC_CACHE_ONLY=1 RECC_CACHE_UPLOAD_LOCAL_BUILD=1 RICC_NO_DIRECT=1
    build blobs-first
    build blobs-second
    [ "$(stat_of blobs-second remote_hit)" = 4 ] ||
        fail "blobs-second: $(stat_of blobs-second remote_hit) remote hits, expected 4"
    unset RECC_CACHE_ONLY RECC_CACHE_UPLOAD_LOCAL_BUILD RICC_NO_DIRECT
    [ "$failures" = "$f0" ] && ok "a server that checks a result's blobs: quiet results hit (the empty blob uploaded)"
fi

echo "test_remote_policy: $failures failed"
[ "$failures" = 0 ]
