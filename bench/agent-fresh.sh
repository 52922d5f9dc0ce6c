#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# bench/agent-fresh.sh — what a fresh sandbox (a RICC_DIR never seen
# before) pays for reaching the remote, next to a local hit.
#
#   RICC=build/bin/ricc bench/agent-fresh.sh ADDRESS  (N, FILES, JOBS, RUNS, DIRS_IN)
#
# ADDRESS is a REAPI server with the results ricc uploads (bazel-remote on a
# unix socket is what issue 20 measured: the agent's cost shows best against
# a fast server).  BuildStream's settings: cache-only with uploads, a fixed
# chrootRootDigest.  Every RICC_DIR below is a new path, as each sandbox's
# is (a wiped directory at the same path would find that path's agent).
#  1. one call: a local direct hit (warm RICC_DIR), N times; a remote hit in
#     a fresh RICC_DIR, N times (each its own new directory); the ratio.
#  2. the bench project (gen-project.sh, FILES sources) rebuilt: warm local
#     (every compile a local hit) and in a fresh sandbox (every compile a
#     remote hit), make -jJOBS, the median of RUNS; the ratio.
#  3. the same fresh-sandbox rebuild at -j1 and -j32: the machine time per
#     hit (wall time x the CPUs the build could use, / hits) and the CPU
#     time per hit of the ricc processes, each -j32 over -j1.
#  And how many agents are running at the end (one per server is the aim).
# The agents this script starts live in its own XDG_RUNTIME_DIR and are
# stopped at the end.
set -eu
[ $# -ge 1 ] || { echo "usage: RICC=... $0 ADDRESS" >&2; exit 2; }
cd "$(dirname "$0")/.."
ADDR=$1
RICC=${RICC:-$PWD/build/bin/ricc}
W=$(mktemp -d /tmp/ricc-afresh-XXXXXX)
# The RICC_DIRs: in DIRS_IN when set (a tmpfs such as /dev/shm, as a
# sandbox's /tmp is: making a store's directories on a disk file system
# costs a fresh RICC_DIR more than anything else), else in W.
DIRS_ROOT=$W
[ -z "${DIRS_IN:-}" ] || DIRS_ROOT=$(mktemp -d "$DIRS_IN/ricc-afresh-XXXXXX")
export DIRS_ROOT
cleanup() {
    for l in "$W"/xdg/ricc/*.lock; do
        [ -s "$l" ] && kill "$(cat "$l")" 2>/dev/null || true
    done
    rm -rf "$W" "$DIRS_ROOT"
}
trap cleanup EXIT INT TERM
mkdir -m 700 "$W/xdg"
export XDG_RUNTIME_DIR="$W/xdg" RICC_REMOTE_AGENT_IDLE=120
for v in $(env | sed -n 's/^\(R[IE]CC_[A-Za-z0-9_]*\)=.*/\1/p'); do
    case $v in RICC_REMOTE_AGENT_IDLE) ;; *) unset "$v" ;; esac
done
RECC_REMOTE_PLATFORM_chrootRootDigest="$(printf toolchain | sha256sum | cut -c1-64)/9"
export RICC_SERVER="$ADDR" RICC_CACHE_ONLY=1 RICC_CACHE_UPLOAD_LOCAL_BUILD=1 \
    RECC_REMOTE_PLATFORM_chrootRootDigest
bench/gen-project.sh "$W/proj" "${FILES:-100}" >/dev/null
/usr/bin/python3 - "$RICC" "$W" "${N:-30}" "${JOBS:-2}" "${RUNS:-3}" <<'EOF'
import os, resource, shutil, statistics, subprocess, sys, time
ricc, w, n, jobs, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
nonce = "%d_%d" % (os.getpid(), time.time())
src = w + "/hello"
os.makedirs(src)
with open(src + "/hello.c", "w") as f:
    f.write('#include <stdio.h>\nint main(void) { puts("hello %s"); return 0; }\n' % nonce)
cmd = [ricc, "gcc", "-O2", "-c", "hello.c", "-o", "hello.o"]
dirs = [0]

def fresh():
    dirs[0] += 1
    return "%s/dir-%d" % (os.environ["DIRS_ROOT"], dirs[0])

def run(argv, d, cwd=src):
    subprocess.run(argv, cwd=cwd, env=dict(os.environ, RICC_DIR=d), check=True,
                   stdout=subprocess.DEVNULL)

def stats(d):
    out = subprocess.run([ricc, "--print-stats"], env=dict(os.environ, RICC_DIR=d),
                         capture_output=True, text=True).stdout
    return {l.split("\t")[0]: int(l.split("\t")[1]) for l in out.splitlines() if "\t" in l}

def timed(argv, d, cwd=src):
    t = time.perf_counter()
    run(argv, d, cwd)
    return time.perf_counter() - t

run(cmd, fresh())                       # seeds the server (a miss, uploaded)
time.sleep(0.3)
local = fresh()
run(cmd, local)
run(cmd, local)
loc, rem, rd = [], [], []
for _ in range(n):                      # (interleaved: the machine's load hits both alike)
    loc.append(timed(cmd, local))
    d = fresh()
    rem.append(timed(cmd, d))
    rd.append(d)
hits = sum(stats(d).get("remote_hit", 0) for d in rd)
ml, mr = statistics.median(loc), statistics.median(rem)
print("one call, %d each (median)" % n)
print("  local direct hit, warm RICC_DIR        %7.2f ms" % (ml * 1e3))
print("  remote hit, a fresh RICC_DIR each      %7.2f ms  (%d/%d remote hits; mean %.2f ms)"
      % (mr * 1e3, hits, n, statistics.mean(rem) * 1e3))
print("  ratio                                   %6.2f x  (target <= 2)" % (mr / ml))

proj = w + "/proj"
# The objects only: the link is not cached without RICC_LINK, the same in
# every build.
objs = sorted("obj/%s.o" % f[:-2] for f in os.listdir(proj + "/src") if f.endswith(".c"))
def make(d, j):
    shutil.rmtree(proj + "/obj", ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    run(["make", "-s", "-j%d" % j, "CC=%s gcc" % ricc,
         "CFLAGS=-O2 -g -Wall -Iinclude -DBENCH_NONCE=%s" % nonce] + objs, d, proj)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu

make(fresh(), jobs)                     # the project on the server
time.sleep(0.3)
wl = fresh()
make(wl, jobs)                          # (fills it from the server)
warm, sb = [], []
for _ in range(runs):
    warm.append(make(wl, jobs)[0])
    d = fresh()
    sb.append(make(d, jobs)[0])
    s = stats(d)
nc = len(objs)
print("project rebuild, %d compiles, make -j%d, median of %d" % (nc, jobs, runs))
print("  warm local (local hits)                %7.0f ms" % (statistics.median(warm) * 1e3))
print("  fresh sandbox (remote hits: %d)        %7.0f ms" % (s.get("remote_hit", 0),
                                                          statistics.median(sb) * 1e3))
print("  ratio                                   %6.2f x  (target <= 1.5)"
      % (statistics.median(sb) / statistics.median(warm)))

ncpu = os.cpu_count() or 1
per = {}
rows = {1: [], 32: []}
for _ in range(runs):
    for j in (1, 32):
        d = fresh()
        wall, cpu = make(d, j)
        h = stats(d).get("remote_hit", 0) or 1
        rows[j].append((wall * min(j, ncpu) / h, cpu / h, h))
for j in (1, 32):
    per[j] = (statistics.median(r[0] for r in rows[j]), statistics.median(r[1] for r in rows[j]),
              rows[j][-1][2])
    print("  fresh sandbox -j%-2d: %6.2f ms machine time per hit, %6.2f ms CPU per hit (%d hits)"
          % (j, per[j][0] * 1e3, per[j][1] * 1e3, per[j][2]))
print("  -j32 over -j1: machine time %.2f x, CPU %.2f x  (target <= 2)"
      % (per[32][0] / per[1][0], per[32][1] / per[1][1]))
socks = [f for f in os.listdir(w + "/xdg/ricc") if f.endswith(".sock")]
print("agents running at the end: %d (sockets in XDG_RUNTIME_DIR/ricc)" % len(socks))
EOF
