#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# bench/remote-hit.sh — what a remote cache hit costs, next to a local one.
#
#   B=build bench/remote-hit.sh          (needs $B/lib/libricc-cache.a and
#                                          $B/lib/libricc-remote.so; for the
#                                          ricc columns also $B/bin/ricc)
#
# Against tests/remote/server.py on a unix socket (or RICC_TEST_SERVER):
#  1. the client alone (tests/remote/bench_client.c): a process that does
#     nothing; one that loads the module, opens a channel, asks one
#     GetActionResult with the output inlined and closes (a remote hit's
#     network part, per process); and the same hit repeated on one open
#     channel (what a long-lived agent would cost per hit);
#  2. when $B/bin/ricc is there: which calls load libgrpc (LD_DEBUG=libs),
#     then a wrapped compile of a small C file, interleaved: a local direct
#     hit (without and with a remote configured), a remote hit (fresh
#     RICC_DIR, warm server) through the agent and direct, a remote hit in
#     a warm RICC_DIR that lacks the result, a remote hit from a server
#     that inlines nothing (a second server.py, --no-inline: the blobs come
#     by BatchReadBlobs, which the agent makes within the same request),
#     the fresh and warm remote hits again against bench/cas_server.c (a
#     native in-memory cache server: one thread answering each call in
#     place, as a C or C++ server would), and ccache's hit when ccache is
#     installed, with the ratios and each
#     call's CPU time (user + system, from wait4: what is not waiting on
#     the agent and the server); then a local hit and a fresh-RICC_DIR
#     remote hit each repeated back to back, as a build's compiles come.
# The test server is Python: its own time per call is part of every remote
# figure (the "warm" line is mostly server time).  The native server's rows
# show how much: the client does the same work against both.
set -eu
cd "$(dirname "$0")/.."
B=${B:-build}
N=${N:-200}
CC=${CC:-cc}
PKGS="libcrypto libprotobuf-c"
W=$(mktemp -d /tmp/ricc-rbench-XXXXXX)
SERVER_PID=
SERVER2_PID=
SERVER3_PID=
# (Each step "|| true": under set -e a failing step, such as wait giving
# the server's SIGTERM status, would end the trap before rm -rf.)
cleanup() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [ -n "$SERVER2_PID" ]; then
        kill "$SERVER2_PID" 2>/dev/null || true
        wait "$SERVER2_PID" 2>/dev/null || true
    fi
    if [ -n "$SERVER3_PID" ]; then
        kill "$SERVER3_PID" 2>/dev/null || true
        wait "$SERVER3_PID" 2>/dev/null || true
    fi
    for l in "$W"/xdg/ricc/*.lock; do     # the agents this run started
        [ -s "$l" ] && kill "$(cat "$l")" 2>/dev/null || true
    done
    rm -rf "$W"
}
trap cleanup EXIT INT TERM

# shellcheck disable=SC2086,SC2046
$CC -std=c11 -D_GNU_SOURCE -O2 -I. -I"$B/proto" $(pkg-config --cflags $PKGS) \
    -Wl,--export-dynamic-symbol=log_msg -Wl,--export-dynamic-symbol=log_enabled \
    -o "$W/bench_client" tests/remote/bench_client.c cache/remote/remote_loader.c cache/remote/agent_start.c \
    "$B/lib/libricc-cache.a" $(pkg-config --libs $PKGS) -ldl
export RICC_REMOTE_MODULE="$PWD/$B/lib/libricc-remote.so"
# A static ricc reaches the remote through this program instead.
[ ! -x "$B/lib/ricc-remote" ] || export RICC_REMOTE_HELPER="$PWD/$B/lib/ricc-remote"

# wait_ready FILE: until a server started in the background has made FILE.
wait_ready() {
    i=0
    while [ ! -f "$1" ]; do
        i=$((i + 1)); [ $i -lt 300 ] || { echo "a server did not start ($1)" >&2; exit 1; }
        sleep 0.1
    done
}

if [ -n "${RICC_TEST_SERVER:-}" ]; then
    ADDR=$RICC_TEST_SERVER
else
    /usr/bin/python3 tests/remote/server.py --unix "$W/s.sock" --ready-file "$W/ready" \
        --pb-dir "$PWD/$B/tests/remote/pb" &
    SERVER_PID=$!
    wait_ready "$W/ready"
    ADDR="unix:$W/s.sock"
fi
mkdir -p "$W/dir"
RICC_REMOTE_AGENT=0 "$W/bench_client" "$ADDR" "$W/dir" seed

# Mean wall time of N runs of a command, in microseconds.
mean_us() {
    /usr/bin/python3 - "$N" "$@" <<'EOF'
import subprocess, sys, time
n = int(sys.argv[1]); cmd = sys.argv[2:]
subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)   # warm-up
t = time.perf_counter()
for _ in range(n):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
print("%.0f" % ((time.perf_counter() - t) / n * 1e6))
EOF
}

echo "remote client, $N runs each, server $ADDR"
NONE=$(mean_us "$W/bench_client" "$ADDR" "$W/dir" none)
echo "  process hashing one string (baseline)      ${NONE} us"
export RICC_REMOTE_AGENT=0
ONCE=$(mean_us "$W/bench_client" "$ADDR" "$W/dir" once)
echo "  process with one remote hit, direct        ${ONCE} us  (+$((ONCE - NONE)) us)"
"$W/bench_client" "$ADDR" "$W/dir" once | awk '{printf "    inside: dlopen+grpc_init+channel %s us, GetActionResult %s us, close %s us\n", $2, $4, $6}'
"$W/bench_client" "$ADDR" "$W/dir" warm 500 | awk '{printf "  hit on a channel kept open                 %s us (per hit, server included)\n", $2}'
# Through the agent: a private runtime directory, so the agent is ours alone.
export RICC_REMOTE_AGENT=1 XDG_RUNTIME_DIR="$W/xdg" RICC_REMOTE_AGENT_IDLE=10
mkdir -m 700 "$W/xdg"
"$W/bench_client" "$ADDR" "$W/dir" once >/dev/null   # starts the agent
sleep 1
AGENT=$(mean_us "$W/bench_client" "$ADDR" "$W/dir" once)
echo "  process with one remote hit, via the agent ${AGENT} us  (+$((AGENT - NONE)) us)"
"$W/bench_client" "$ADDR" "$W/dir" once | awk '{printf "    inside: connect %s us, GetActionResult %s us, close %s us\n", $2, $4, $6}'

RICC=${RICC:-$PWD/$B/bin/ricc}
[ -x "$RICC" ] || exit 0

# ---- ricc: local hit, remote hit, ccache hit ----
# Every ricc row sets the toolchain digest, as BuildStream does
# (RECC_REMOTE_PLATFORM_chrootRootDigest): without it a fresh RICC_DIR first
# hashes the compiler's programs (their identity is cached in RICC_DIR), a
# cost of the empty directory rather than of the remote; one row shows it.
# The cases run interleaved, round by round in a shuffled order (see
# below), so that a busy machine slows them alike; figures are medians.
# Wiping the previous run's RICC_DIR happens between runs, untimed.
mkdir -p "$W/src"
cat > "$W/src/hello.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) { printf("%d %s\n", argc, argc > 1 ? strchr(argv[1], 'x') : ""); return 0; }
EOF
TOP=$PWD
cd "$W/src"
unset RICC_REMOTE_MODULE RICC_SERVER RECC_SERVER RICC_REMOTE_AGENT
TC=$(printf toolchain | sha256sum | cut -c1-64)/9
export RECC_REMOTE_PLATFORM_chrootRootDigest="$TC" XDG_RUNTIME_DIR="$W/xdg"
export RICC_REMOTE_AGENT_IDLE=60

RICC_DIR="$W/local" "$RICC" gcc -c hello.c -o hello.o
# Fill the server: the result and the direct-mode manifest.
RICC_DIR="$W/seed" RICC_SERVER="$ADDR" RICC_CACHE_ONLY=1 RICC_CACHE_UPLOAD_LOCAL_BUILD=1 \
    "$RICC" gcc -c hello.c -o hello.o
# A second server that inlines nothing, filled the same way (only when the
# first is ours too: RICC_TEST_SERVER is whatever it is).
ADDR2=
ADDR3=
if [ -z "${RICC_TEST_SERVER:-}" ]; then
    /usr/bin/python3 "$TOP/tests/remote/server.py" --unix "$W/s2.sock" --ready-file "$W/ready2" \
        --pb-dir "$TOP/$B/tests/remote/pb" --no-inline &
    SERVER2_PID=$!
    wait_ready "$W/ready2"
    ADDR2="unix:$W/s2.sock"
    RICC_DIR="$W/seed4" RICC_SERVER="$ADDR2" RICC_CACHE_ONLY=1 RICC_CACHE_UPLOAD_LOCAL_BUILD=1 \
        "$RICC" gcc -c hello.c -o hello.o
    # The native server, filled the same way.
    # shellcheck disable=SC2046
    $CC -std=c11 -D_GNU_SOURCE -O2 -I"$TOP" -I"$TOP/$B/proto" \
        $(pkg-config --cflags grpc libprotobuf-c libcrypto) -o "$W/cas_server" \
        "$TOP/bench/cas_server.c" "$TOP/$B/lib/libricc-cache.a" \
        $(pkg-config --libs grpc libprotobuf-c libcrypto)
    "$W/cas_server" --unix "$W/s3.sock" --ready-file "$W/ready3" &
    SERVER3_PID=$!
    wait_ready "$W/ready3"
    ADDR3="unix:$W/s3.sock"
    RICC_DIR="$W/seed5" RICC_SERVER="$ADDR3" RICC_CACHE_ONLY=1 RICC_CACHE_UPLOAD_LOCAL_BUILD=1 \
        "$RICC" gcc -c hello.c -o hello.o
    RICC_DIR="$W/warm3" RICC_SERVER="$ADDR3" RICC_CACHE_ONLY=1 "$RICC" gcc -c hello.c -o hello.o
fi
# The same without the toolchain digest (keyed on the compiler's identity).
env -u RECC_REMOTE_PLATFORM_chrootRootDigest RICC_DIR="$W/seed2" RICC_SERVER="$ADDR" \
    RICC_CACHE_ONLY=1 RICC_CACHE_UPLOAD_LOCAL_BUILD=1 "$RICC" gcc -c hello.c -o hello.o
# A RICC_DIR that has seen this compiler and these headers (stat index,
# identity) but not the result.
RICC_DIR="$W/warm" RICC_SERVER="$ADDR" RICC_CACHE_ONLY=1 "$RICC" gcc -c hello.c -o hello.o

# Does a call load libgrpc?  LD_DEBUG=libs makes the dynamic loader name
# every library it initialises, those dlopen'ed included.
grpc_loaded() { # RICC_DIR RICC_REMOTE_AGENT [SERVER]
    n=$(env RICC_DIR="$1" RICC_REMOTE_AGENT="$2" ${3:+RICC_SERVER=$3} ${3:+RICC_CACHE_ONLY=1} \
        LD_DEBUG=libs "$RICC" gcc -c hello.c -o hello.o 2>&1 |
        grep -c 'calling init:.*libgrpc' || true)
    [ "${n:-0}" -gt 0 ] && echo yes || echo no
}
echo "libgrpc loaded (LD_DEBUG=libs, 'calling init: ...libgrpc'):"
echo "  local hit, no remote configured            $(grpc_loaded "$W/local" 1)"
echo "  local hit, remote configured               $(grpc_loaded "$W/local" 1 "$ADDR")"
rm -rf "$W/probe"
RICC_DIR="$W/probe" RICC_SERVER="$ADDR" RICC_CACHE_ONLY=1 "$RICC" gcc -c hello.c -o hello.o
sleep 0.5   # the agent that call started is listening by now
rm -rf "$W/probe"
echo "  remote hit through the agent               $(grpc_loaded "$W/probe" 1 "$ADDR")"
rm -rf "$W/probe"
echo "  remote hit, direct (RICC_REMOTE_AGENT=0)   $(grpc_loaded "$W/probe" 0 "$ADDR")"

CCACHE=
if command -v ccache >/dev/null; then
    CCACHE=$(command -v ccache)
    export CCACHE_DIR="$W/ccache"
    ccache gcc -c hello.c -o hello.o
fi
# The floor: a program that does nothing, linked statically, so that it
# costs only what starting any process costs (/bin/true also loads libc,
# which a static ricc does not).
NOOP="$W/noop"
printf 'int main(void) { return 0; }\n' | $CC -O2 -static -x c -o "$NOOP" - 2>/dev/null ||
    NOOP=/bin/true
/usr/bin/python3 - "$N" "$RICC" "$ADDR" "$W" "$CCACHE" "$ADDR2" "$ADDR3" "$NOOP" <<'EOF'
import os, random, shutil, subprocess, sys, time
n, ricc, addr, w, ccache = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
addr2, addr3, noop = sys.argv[6], sys.argv[7], sys.argv[8]
noop_name = "/bin/true" if noop == "/bin/true" else "a static no-op"
cmd = ["gcc", "-c", "hello.c", "-o", "hello.o"]
remote = {"RICC_SERVER": addr, "RICC_CACHE_ONLY": "1"}

def wipe(*dirs):
    return lambda: [shutil.rmtree(d, ignore_errors=True) for d in dirs]

cases = [  # name, argv, environment, untimed preparation
    ("true", [noop], {}, None),
    ("local", [ricc] + cmd, {"RICC_DIR": w + "/local"}, None),
    ("local-cfg", [ricc] + cmd, dict(remote, RICC_DIR=w + "/local"), None),
    ("agent", [ricc] + cmd, dict(remote, RICC_DIR=w + "/fresh", RICC_REMOTE_AGENT="1"),
     wipe(w + "/fresh")),
    ("direct", [ricc] + cmd, dict(remote, RICC_DIR=w + "/fresh2", RICC_REMOTE_AGENT="0"),
     wipe(w + "/fresh2")),
    ("warm", [ricc] + cmd, dict(remote, RICC_DIR=w + "/warm", RICC_REMOTE_AGENT="1"),
     wipe(w + "/warm/ac", w + "/warm/cas", w + "/warm/manifests")),
    ("noident", [ricc] + cmd, dict(remote, RICC_DIR=w + "/fresh3", RICC_REMOTE_AGENT="1",
                                   RECC_REMOTE_PLATFORM_chrootRootDigest=None), wipe(w + "/fresh3")),
]
if addr2:
    cases.append(("noinline", [ricc] + cmd, dict(remote, RICC_SERVER=addr2, RICC_DIR=w + "/fresh4",
                                                 RICC_REMOTE_AGENT="1"), wipe(w + "/fresh4")))
if addr3:
    native = dict(remote, RICC_SERVER=addr3, RICC_REMOTE_AGENT="1")
    cases.append(("native", [ricc] + cmd, dict(native, RICC_DIR=w + "/fresh5"),
                  wipe(w + "/fresh5")))
    cases.append(("native-warm", [ricc] + cmd, dict(native, RICC_DIR=w + "/warm3"),
                  wipe(w + "/warm3/ac", w + "/warm3/cas", w + "/warm3/manifests")))
if ccache:
    cases.append(("ccache", [ccache] + cmd, {}, None))
times = {c[0]: [] for c in cases}
cpu = {c[0]: [] for c in cases}

def run(argv, e):
    # Wall time, and the CPU time (user + system) of the process and what it
    # waited for: the part of a remote hit that is not spent waiting on the
    # agent and the server.
    t = time.perf_counter()
    p = subprocess.Popen(argv, env=e, stdout=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        raise SystemExit("failed: %s" % " ".join(argv))
    return wall, ru.ru_utime + ru.ru_stime

# Each round runs the cases in a new order: in a fixed order every case
# follows the same neighbour (a wipe's deferred file-system work, an agent
# finishing a call), and one binary listed twice in a round measured 15%
# apart by position alone.  Seeded, so two runs shuffle alike.
shuffle = random.Random(1).shuffle
for r in range(n + 1):
    order = list(cases)
    if r:
        shuffle(order)
    for name, argv, env, prep in order:
        if prep:
            prep()
        e = dict(os.environ, **env)
        e = {k: v for k, v in e.items() if v is not None}
        wall, used = run(argv, e)
        if r:  # round 0 warms up (and starts the agents)
            times[name].append(wall)
            cpu[name].append(used)
med = {k: sorted(v)[len(v) // 2] * 1e6 for k, v in times.items()}
cmed = {k: sorted(v)[len(v) // 2] * 1e6 for k, v in cpu.items()}

def row(label, k):
    if k not in med:
        return
    extra = "  x%.2f ccache" % (med[k] / med["ccache"]) if "ccache" in med and k != "ccache" else ""
    print("  %-48s %7.0f us  x%.2f local%s  (cpu %5.0f us)" % (label, med[k], med[k] / med["local"],
                                                             extra, cmed[k]))
print("wrapped compile of a small C file (stdio.h, stdlib.h, string.h): median of %d, interleaved;" % n)
print("cpu: user + system time of the call (the rest of its wall time is waiting, mostly on the server)")
row("ricc local direct hit", "local")
row("ricc local direct hit, remote configured", "local-cfg")
row("ricc remote hit, fresh RICC_DIR, via the agent", "agent")
row("ricc remote hit, fresh RICC_DIR, direct", "direct")
row("ricc remote hit, warm RICC_DIR, via the agent", "warm")
row("ricc remote hit, fresh, no toolchain digest", "noident")
row("ricc remote hit, fresh, agent, server inlines nothing", "noinline")
row("ricc remote hit, fresh RICC_DIR, agent, native server", "native")
row("ricc remote hit, warm RICC_DIR, agent, native server", "native-warm")
row("ccache hit (direct mode)", "ccache")
row("%s (the cost of starting a process here)" % noop_name, "true")
# The rows above all include starting a process from Python, which pulls
# every ratio towards 1; without it, what the calls themselves cost.
floor = med["true"]
print("less that start (%s, %.0f us):" % (noop_name, floor))
for label, k in (("ricc local direct hit", "local"),
                 ("ricc remote hit, fresh RICC_DIR, via the agent", "agent"),
                 ("ricc remote hit, warm RICC_DIR, via the agent", "warm"),
                 ("ricc remote hit, fresh RICC_DIR, native server", "native"),
                 ("ricc remote hit, warm RICC_DIR, native server", "native-warm"),
                 ("ccache hit (direct mode)", "ccache")):
    if k in med:
        print("  %-48s %7.0f us  x%.2f local" % (label, med[k] - floor,
                                                  (med[k] - floor) / (med["local"] - floor)))

# Back to back, as the compiles of a build come: the agent and the server
# have no time to fall idle between calls, which the interleaved rounds
# above always give them (there each call follows ~8 others).  The fresh
# RICC_DIR is wiped between calls (untimed, ~1 ms); it keeps its path, as a
# sandbox's does, since the agent serves one configuration.
def burst(argv, env_of, prep=None):
    ts = []
    for i in range(n + 1):
        if prep:
            prep()
        e = {k: v for k, v in dict(os.environ, **env_of(i)).items() if v is not None}
        wall, _ = run(argv, e)
        if i:
            ts.append(wall)
    return sorted(ts)[len(ts) // 2] * 1e6
b_local = burst([ricc] + cmd, lambda i: {"RICC_DIR": w + "/local"})
b_fresh = burst([ricc] + cmd, lambda i: dict(remote, RICC_DIR=w + "/burst",
                                              RICC_REMOTE_AGENT="1"), wipe(w + "/burst"))
print("back to back, %d calls each:" % n)
print("  %-48s %7.0f us" % ("ricc local direct hit", b_local))
print("  %-48s %7.0f us  x%.2f local" % ("ricc remote hit, fresh RICC_DIR, via the agent",
                                          b_fresh, b_fresh / b_local))
if addr3:
    b_native = burst([ricc] + cmd, lambda i: dict(remote, RICC_SERVER=addr3, RICC_DIR=w + "/burst3",
                                                   RICC_REMOTE_AGENT="1"), wipe(w + "/burst3"))
    print("  %-48s %7.0f us  x%.2f local" % ("ricc remote hit, fresh, agent, native server",
                                              b_native, b_native / b_local))
EOF
for d in fresh fresh2 fresh3 warm ${ADDR2:+fresh4} ${ADDR3:+fresh5 warm3 burst3} burst; do
    h=$(RICC_DIR="$W/$d" "$RICC" --print-stats | awk '$1 == "remote_hit" {print $2}')
    [ "${h:-0}" -ge 1 ] || echo "  (warning: no remote hit counted in $d: that row did not measure a remote hit)"
done

# The same three side by side under hyperfine, when it is installed (it runs
# each command's rounds in a block, not interleaved: on a busy machine the
# medians above are the fairer comparison).  HYPERFINE=0 skips this.
if [ "${HYPERFINE:-1}" != 0 ] && command -v hyperfine >/dev/null && [ -n "$CCACHE" ]; then
    echo "hyperfine, $N runs each (local hit; remote hit, fresh RICC_DIR, agent; ccache hit):"
    env RICC_DIR="$W/hf" RICC_SERVER="$ADDR" RICC_CACHE_ONLY=1 RICC_REMOTE_AGENT=1 \
        "$RICC" gcc -c hello.c -o hello.o   # the agent for $W/hf
    sleep 0.5
    hyperfine -N -w 3 -r "$N" --style basic \
        -n local -p true "env RICC_DIR=$W/local $RICC gcc -c hello.c -o hello.o" \
        -n remote-agent -p "rm -rf $W/hf" \
        "env RICC_DIR=$W/hf RICC_SERVER=$ADDR RICC_CACHE_ONLY=1 RICC_REMOTE_AGENT=1 $RICC gcc -c hello.c -o hello.o" \
        -n ccache -p true "$CCACHE gcc -c hello.c -o hello.o" 2>&1 |
        grep -E '^Benchmark|Time \(mean|±|times faster' || true
fi
