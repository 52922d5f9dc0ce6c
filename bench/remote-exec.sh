#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# bench/remote-exec.sh — what a compile Executed by a remote costs, next to
# the same compile here.
#
#   bench/remote-exec.sh ADDRESS        (e.g. unix:/tmp/bg/bgd.sock, a
#                                        server that executes: BuildGrid)
#
# Each of lua's 33 C files (../shared/projects/lua, a real include graph) is
# compiled one at a time, -O2, in three ways, interleaved file by file:
#   local     plain gcc;
#   miss      ricc with no remote (a local miss: compile and store);
#   executed  ricc against ADDRESS without cache-only, in a fresh RICC_DIR,
#             so the compile is uploaded and Executed there (the sources
#             carry a -D of this run, so the server has not seen them).
# Prints the wall time of each way summed over the files, and the ratios to
# local.  The executed way includes everything a build waits for: finding
# the inputs, uploading what the server lacks, queueing for a worker, the
# worker's staging and compile, and bringing the object home.  BENCH_JOBS=N
# also times a make -jN of all files each way.
set -eu
cd "$(dirname "$0")/.."
ADDR=${1:?usage: bench/remote-exec.sh ADDRESS}
B=${B:-build}
RICC="$PWD/$B/bin/ricc"
SRC=../shared/projects/lua
[ -x "$RICC" ] || { echo "build ricc first (make)" >&2; exit 2; }
[ -d "$SRC" ] || { echo "needs $SRC" >&2; exit 2; }
W=$(mktemp -d /tmp/ricc-xbench-XXXXXX)
cleanup() {
    for l in "$W"/xdg/ricc/*.lock; do
        [ -s "$l" ] && kill "$(cat "$l")" 2>/dev/null || true
    done
    rm -rf "$W"
}
trap cleanup EXIT HUP INT TERM
mkdir -m 700 "$W/xdg"
cp -r "$SRC" "$W/lua"
cd "$W/lua"
for v in $(env | sed -n 's/^\(R[IE]CC_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
export XDG_RUNTIME_DIR="$W/xdg"
export RICC_REMOTE_MODULE="$OLDPWD/$B/lib/libricc-remote.so"
[ ! -x "$OLDPWD/$B/lib/ricc-remote" ] || export RICC_REMOTE_HELPER="$OLDPWD/$B/lib/ricc-remote"
TC="$(printf remote-exec-bench | sha256sum | cut -c1-64)/1"
NONCE="$$$(date +%s)"
FLAGS="-O2 -std=gnu99 -DLUA_COMPAT_5_3 -DLUA_USE_LINUX -DBENCH_NONCE=$NONCE"
FILES=$(ls -- *.c | grep -v '^lua\.c$\|^luac\.c$\|^onelua\.c$' || true)

now() { date +%s%N; }
t_local=0 t_miss=0 t_exec=0 n=0 executed=0
for f in $FILES; do
    o=${f%.c}.o
    s=$(now); gcc $FLAGS -c "$f" -o "local-$o"; e=$(now); t_local=$((t_local + e - s))
    s=$(now); RICC_DIR="$W/dir-miss" "$RICC" gcc $FLAGS -c "$f" -o "miss-$o"; e=$(now)
    t_miss=$((t_miss + e - s))
    s=$(now)
    RICC_DIR="$W/dir-exec-$f" RECC_SERVER="$ADDR" RECC_REMOTE_PLATFORM_chrootRootDigest="$TC" \
        RICC_LOG_LEVEL=info "$RICC" gcc $FLAGS -c "$f" -o "exec-$o" 2>"$W/exec.err"
    e=$(now); t_exec=$((t_exec + e - s))
    grep -q "Remote execution finished with exit code 0" "$W/exec.err" && executed=$((executed + 1))
    cmp -s "local-$o" "exec-$o" || echo "warning: $o Executed differs from gcc's" >&2
    n=$((n + 1))
done
ms() { echo "$1" | awk '{printf "%.0f", $1 / 1e6}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
echo "lua, $n files one at a time, -O2 ($executed of them Executed by $ADDR)"
printf '  %-9s %7s ms   %s x local\n' local "$(ms $t_local)" 1.00
printf '  %-9s %7s ms   %s x local\n' miss "$(ms $t_miss)" "$(ratio $t_miss $t_local)"
printf '  %-9s %7s ms   %s x local\n' executed "$(ms $t_exec)" "$(ratio $t_exec $t_local)"
printf '  per file: local %s ms, executed %s ms\n' "$(ms $((t_local / n)))" "$(ms $((t_exec / n)))"
