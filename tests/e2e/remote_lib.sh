# SPDX-License-Identifier: Apache-2.0
# tests/e2e/remote_lib.sh — what the remote end-to-end scripts share
# (test_remote.sh, test_remote_policy.sh), sourced once root, ricc and W
# are set: the agents of the run live in $W/xdg and are short-lived; the
# leak scan is off under ASan; the test server's start and stop; a cleanup
# trap that also stops the run's agents; ok/fail; and counting a method's
# calls in the server's record.

# shellcheck shell=bash
# root and ricc are set by the script that sources this, which uses ADDR and TCP_PORT:
# shellcheck disable=SC2154,SC2034
SERVER_PID=
RECORD=
failures=0
export RICC_REMOTE_AGENT_IDLE=5 XDG_RUNTIME_DIR="$W/xdg"   # agents of this run: ours, short-lived
mkdir -m 700 "$W/xdg"
# Under ASan, LeakSanitizer's exit-time scan of a ricc whose gRPC threads
# are winding down now and then crashes in its own tracer ("Tracer caught
# signal 11"), failing a compile at random: the remote client's leaks are
# checked by tests/remote's CUnit tests, where the threads are joined.
if readelf -d "$ricc" 2>/dev/null | grep -q 'NEEDED.*libasan'; then
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
fi

stop_server() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=
    fi
}
cleanup() {
    stop_server
    for l in "$W"/xdg/ricc/*.lock; do
        [ -s "$l" ] && kill "$(cat "$l")" 2>/dev/null || true
    done
    rm -rf "$W"
}
trap cleanup EXIT HUP INT TERM

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

# start_server NAME [server flags...]: tests/remote/server.py on a unix
# socket and TCP; ADDR, TCP_PORT and RECORD set.
start_server() {
    stop_server
    name=$1; shift
    d="$W/srv-$name"
    mkdir -p "$d"
    RECORD="$d/record"
    /usr/bin/python3 "$root/tests/remote/server.py" --unix "$d/s.sock" --tcp 127.0.0.1:0 \
        --ready-file "$d/ready" --record "$RECORD" --pb-dir "$W/pb" "$@" 2>"$d/log" &
    SERVER_PID=$!
    i=0
    while [ ! -f "$d/ready" ]; do
        i=$((i + 1))
        [ $i -lt 300 ] || { cat "$d/log"; echo "server $name did not start"; exit 1; }
        sleep 0.1
    done
    ADDR="unix:$d/s.sock"
    TCP_PORT=$(sed 's/.*"tcp": \([0-9]*\).*/\1/' "$d/ready")
}

# calls METHOD: how many calls of METHOD the server recorded.  (grep -c
# prints 0 but exits 1 when nothing matches: "|| true", or set -e would end
# the script here.)  Only the test server keeps a record: against another,
# calls is never asked (or says so loudly).
calls() {
    [ -n "$RECORD" ] || { echo "calls $1 without a call record" >&2; echo -1; return 0; }
    n=$(grep -c "\"method\": \"$1\"" "$RECORD" 2>/dev/null || true); echo "${n:-0}"
}
