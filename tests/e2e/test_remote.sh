#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/test_remote.sh — ricc against a real gRPC REAPI server, end to end.
#
# A small make project (four C files, a header, a link) is built with
# CC="ricc gcc" (make -j4) in the environment BuildStream's recc tests use,
# against tests/remote/server.py on a unix socket:
#   1. cache-only: build (misses, uploaded), wipe the build tree and
#      RICC_DIR as a fresh sandbox would, rebuild with ricc installed as
#      "recc": every action, the link (RECC_LINK=1) included, a remote hit
#      found through the remote's manifests (no dependency scan, no link),
#      every output byte-identical to a plain gcc build, the program runs,
#      the log lines BuildStream counts present once per action, log files
#      named recc.<host>.*; a local hit loads no libgrpc;
#   2. remote execution through Execute (no cache-only); a compile error
#      gives gcc's own status and messages; the link, whose inputs only its
#      trace tells, runs here and is uploaded; a link whose manifest is known
#      is Executed (with a toolchain digest; without one it runs here), also
#      against a server sending corrupt blobs; RECC_ACTION_UNCACHEABLE and
#      RECC_SKIP_CACHE, with and without Execute; `ricc ar` and `ricc exec`
#      (a generator script) in both modes: run here and uploaded, then
#      remote hits in a fresh sandbox, byte-identical; failing blob reads
#      and no server during their lookups; remote execution keeps the
#      bytes (tests/e2e/remote_bytes.sh, sourced here): a compile whose
#      output records the directory it runs in (-g, coverage, -flto) or a
#      path the worker spells relative to the base (CMake's absolute paths
#      reaching a .d, __FILE__, .su, ...) runs here, every output, stream
#      and status plain gcc's (and clang's);
#   3. every misbehaviour of the test server, each ending in a correct
#      build, with exactly one warning per build for a server that is down,
#      slow or refusing updates;
#   4. a blob over the batch limit both ways (ByteStream), seen on the wire;
#   5. TLS with a CA made here.
# With RICC_TEST_SERVER=<address> (bazel-remote, BuildGrid: `make
# check-peers`) every case that needs no more than a REAPI server runs
# against that server: each scenario that needs cold keys gets a fresh
# nonce (-DNONCE, new references) instead of an empty server, and what only
# the test server's call record shows is checked through ricc's own stats
# and log lines there.  Each case that needs the test server itself (its
# faults, its record, TLS) says so and is skipped; so are the assertions
# that something was Executed when the server says it has no Execution
# service (bazel-remote): there the builds are still checked byte for byte.
#
# Needs: RICC (the ricc binary; its ../lib/libricc-remote.so), gcc, make,
# /usr/bin/python3 with grpc + protobuf, protoc, openssl.
set -eu
# Settings from the caller's environment (a developer's RICC_SERVER, say)
# would change every scenario: only these two are the test's to take.
for v in $(env | sed -n 's/^\(R[IE]CC_[A-Za-z0-9_]*\)=.*/\1/p'); do
    case $v in RICC_TEST_SERVER|RICC_REMOTE_MODULE|RICC_REMOTE_HELPER) ;; *) unset "$v" ;; esac
done
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
ricc=${RICC:-$root/build/bin/ricc}
W=$(mktemp -d /tmp/ricc-e2e-remote-XXXXXX)
EXT=${RICC_TEST_SERVER:-}
# Does the server execute?  The test server does; another one as its
# GetCapabilities says (tests/remote/run.sh asks once and exports it).
EXECUTES=1
if [ -n "$EXT" ]; then
    EXECUTES=${RICC_TEST_SERVER_EXECUTES:-$(/usr/bin/python3 "$root/tests/remote/executes.py" "$EXT")} ||
        { echo "test_remote: cannot ask $EXT for its capabilities"; exit 1; }
fi
# The server's start and stop, the run's agents, ok/fail, calls.
. "$here/remote_lib.sh"
# skip WHAT WHY: a case left out, and why.
skip() { echo "skip: $1 ($2)"; }
# own_server WHAT WHY: true with the test server; with RICC_TEST_SERVER says
# WHAT is skipped, for lack of the test server's WHY, and is false.
own_server() {
    [ -n "$EXT" ] || return 0
    skip "$1" "RICC_TEST_SERVER: needs the test server's $2"
    return 1
}
# executes WHAT: true if the server executes; if not says WHAT is skipped.
executes() {
    [ "$EXECUTES" = 1 ] && return 0
    skip "$1" "server has no Execution service"
    return 1
}

# ---- the project ----
P="$W/proj"
mkdir -p "$P/src" "$P/include"
cat > "$P/include/util.h" <<'EOF'
#ifndef UTIL_H
#define UTIL_H
int add(int a, int b);
const char *greeting(void);
#endif
EOF
cat > "$P/src/util.c" <<'EOF'
#include <string.h>
#include "util.h"
int add(int a, int b) { return a + b; }
EOF
cat > "$P/src/greet.c" <<'EOF'
#include <stdio.h>
#include "util.h"
#ifndef NONCE
#define NONCE "0"
#endif
const char *greeting(void) { return "hello " NONCE; }
EOF
cat > "$P/src/main.c" <<'EOF'
#include <stdio.h>
#include "util.h"
int main(void) { printf("%s %d\n", greeting(), add(2, 3)); return 0; }
EOF
# A table big enough that its object is over a 4 KB batch limit, and over
# the 64 KB from which the agent puts a blob it fetched into the local CAS
# itself (cache/remote/client/agent.c): a fresh sandbox's hit on it comes that way.
{
    echo "const unsigned int big_table[] = {"
    i=0
    while [ $i -lt 20000 ]; do echo "  $((i * 2654435761 % 4294967296))u,"; i=$((i + 1)); done
    echo "};"
} > "$P/src/table.c"
cat > "$P/Makefile" <<'EOF'
CC ?= cc
CFLAGS ?= -O2
OBJS = build/util.o build/greet.o build/main.o build/table.o
build/app: $(OBJS)
	$(CC) -o $@ $(OBJS)
build/%.o: src/%.c include/util.h
	@mkdir -p build
	$(CC) $(CFLAGS) -Iinclude -c $< -o $@
clean:
	rm -rf build
EOF

# (Written now: ricc does not cache a compile whose input changed just
# before it, and ctime cannot be set back.)
printf 'int tiny(void) { return 1; }\n' > "$W/tiny.c"
# The sources of "remote execution must not change the bytes" (scenario 2).
RB="$W/rb"
mkdir -p "$RB/src" "$RB/inc" "$RB/build"
printf '#define H 3\n' > "$RB/inc/h.h"
printf '#include "h.h"\nstatic int g[10];\nint f(int i) { return g[i] + H; }\n' > "$RB/src/x.c"
printf '#include "h.h"\nint w(void) { int unused; return H; }\n' > "$RB/src/warn.c"
printf '#include "h.h"\nconst char *where(void) { return __FILE__; }\n' > "$RB/src/file.c"

# Reference outputs from plain gcc, built at the same path, for the
# project with -DNONCE=$NONCE.
set_nonce() {
    NONCE=$1
    CFLAGS="-O2 -DNONCE=\\\"$NONCE\\\""
    (cd "$P" && make -s clean && make -s CC=gcc CFLAGS="$CFLAGS" >/dev/null)
    rm -rf "$W/ref"
    mkdir -p "$W/ref"
    cp "$P"/build/*.o "$P/build/app" "$W/ref/"
    sleep 0.1   # (the objects are a link's inputs: see tiny.c)
}
RUN_NONCE=0
[ -n "$EXT" ] && RUN_NONCE="$$-$(date +%s)"
set_nonce "$RUN_NONCE"
printf 'const char *quiet(void) { return "%s"; }\n' "$RUN_NONCE" >"$W/quiet.c"
# cold_keys NAME: a scenario that needs keys no server has seen.  The test
# server is started anew for it; RICC_TEST_SERVER keeps what earlier
# scenarios (and runs) stored, so there the project gets a nonce of its own.
cold_keys() {
    if [ -z "$EXT" ]; then start_server "$1"; else set_nonce "$RUN_NONCE-$1"; fi
}

# The environment BuildStream's recc integration tests set.
bst_env() {
    export RECC_SERVER="$1"
    export RECC_DEPS_GLOBAL_PATHS=1 RECC_NO_PATH_REWRITE=1 RECC_LINK=1
    export RECC_LOG_LEVEL=debug RECC_LOG_DIRECTORY=.recc-log
    tc=$(printf toolchain | sha256sum | cut -c1-64)
    export RECC_REMOTE_PLATFORM_chrootRootDigest="$tc/9"
}
cache_only() { export RECC_CACHE_ONLY=1 RECC_CACHE_UPLOAD_LOCAL_BUILD=1; }
no_cache_only() { unset RECC_CACHE_ONLY RECC_CACHE_UPLOAD_LOCAL_BUILD 2>/dev/null || true; }

# build NAME: a fresh sandbox (empty build tree and RICC_DIR), make with
# ricc; stderr kept in $W/NAME.err.  Fails the scenario if make fails or an
# output differs from the reference.
build() {
    name=$1
    export RICC_DIR="$W/dir-$name"
    rm -rf "$RICC_DIR" "$P/build" "$P/.recc-log"
    if ! (cd "$P" && make -s -j4 CC="${RICC_AS:-$ricc} gcc" CFLAGS="$CFLAGS" >"$W/$name.out" 2>"$W/$name.err"); then
        fail "$name: make failed"; sed 's/^/    /' "$W/$name.err" | head -20; return 0
    fi
    for f in "$W"/ref/*; do
        cmp -s "$f" "$P/build/$(basename "$f")" || fail "$name: $(basename "$f") differs from plain gcc's"
    done
    rm -rf "$W/$name.log"
    [ -d "$P/.recc-log" ] && cp -r "$P/.recc-log" "$W/$name.log"
    return 0
}
stat_of() { RICC_DIR="$W/dir-$1" "$ricc" --print-stats | awk -v k="$2" '$1 == k {v = $2} END {print v + 0}'; }
log_lines() { n=$(cat "$P"/.recc-log/* 2>/dev/null | grep -c "$1" || true); echo "${n:-0}"; }
# relink NAME [SERVER]: only the project's link, with RICC_DIR $W/dir-NAME
# (kept) and the remote SERVER ("" for none; default RECC_SERVER), the
# program checked against plain gcc's.
relink() {
    export RICC_DIR="$W/dir-$1"
    rm -rf "$P/build/app" "$P/.recc-log"
    (cd "$P" && RECC_SERVER="${2-${RECC_SERVER:-}}" "$ricc" gcc -o build/app build/util.o \
        build/greet.o build/main.o build/table.o) 2>"$W/$1.err" || fail "$1: the link failed"
    cmp -s "$W/ref/app" "$P/build/app" && [ "$("$P/build/app")" = "hello $NONCE 5" ] ||
        fail "$1: build/app differs from plain gcc's or does not run"
}
# The same, in the link's log file only (the process that says "link of
# build/app").
link_log_lines() {
    n=$(grep -l "link of build/app" "$P"/.recc-log/* 2>/dev/null |
        xargs -r cat | grep -c "$1" || true)
    echo "${n:-0}"
}
# Warnings of build $2 matching $1: on its stderr, and in its log files
# (with a log directory, warnings go there, glog lines "W<date> ...").
warnings() {
    n=$( { cat "$W/$2.err"; cat "$W/$2.log"/* 2>/dev/null | grep '^W[0-9]'; } |
        grep -ci "$1" || true)
    echo "${n:-0}"
}

# ---- 1. cache only, the BuildStream scenario ----
if [ -n "$EXT" ]; then ADDR=$EXT; else start_server plain; fi
bst_env "$ADDR"; cache_only
build bst-first
# Four compiles and the link (RECC_LINK=1): five remote actions, each a miss
# run here and uploaded, then in the fresh sandbox a remote hit.
actions=5
n=$(stat_of bst-first miss)
[ "$n" = "$actions" ] || fail "bst-first: expected $actions misses, got '$n'"
n=$(log_lines "Action not cached and running in cache-only mode, executing locally")
[ "$n" = "$actions" ] || fail "bst-first: $n 'not cached' log lines for $actions actions"
n=$(link_log_lines "Action not cached and running in cache-only mode, executing locally")
[ "$n" = 1 ] || fail "bst-first: the link logged $n 'not cached' lines, expected 1"
# The second sandbox runs ricc installed as "recc", as BuildStream's tests do.
mkdir -p "$W/bin"
ln -s "$ricc" "$W/bin/recc"
[ -z "$EXT" ] && lookups=$(calls GetActionResult) reads=$(($(calls BatchReadBlobs) + $(calls Read)))
RICC_AS="$W/bin/recc" build bst-second
# A hit is one call: its result travels with its manifest, a compile's and
# the link's alike, its blobs inlined (table.o's, over 64 KB, put in the
# local CAS by the agent): no blob is read apart.
n=$(log_lines "came with the manifest")
if own_server "the count of calls of a fresh sandbox's hits" "call record"; then
    lookups=$(($(calls GetActionResult) - lookups))
    reads=$(($(calls BatchReadBlobs) + $(calls Read) - reads))
    [ "$n" = 5 ] && [ "$lookups" = 5 ] && [ "$reads" = 0 ] &&
        ok "fresh sandbox: one GetActionResult per hit ($lookups for 4 compiles and the link)" ||
        fail "bst-second: $n results came with their manifests, $lookups GetActionResult calls, $reads blob reads (expected 5, 5, 0)"
else
    [ "$n" = 5 ] && ok "fresh sandbox: every hit's result came with its manifest" ||
        fail "bst-second: $n results came with their manifests (expected 5)"
fi
host=$(hostname)
n=$(ls "$P/.recc-log" | grep -c "^recc\.$host\." || true)
[ "$n" -ge 4 ] && [ "$(ls "$P/.recc-log" | grep -vc "^recc\.$host\." || true)" = 0 ] &&
    ok "log files named recc.$host.*" || fail "bst-second: log files: $(ls "$P/.recc-log" | head -3)"
# A fresh sandbox hits without a dependency scan or a link: the remote keeps
# the compiles' direct-mode manifests and the link's manifest too.
n=$(log_lines "remote manifest .*: matches")
[ "$n" = "$actions" ] || fail "bst-second: $n hits through remote manifests, expected $actions"
hits=$(stat_of bst-second remote_hit)
[ "${hits:-0}" = "$actions" ] && ok "cache-only rebuild: $hits remote hits, the link one of them" ||
    fail "bst-second: $hits remote hits, expected $actions"
n=$(log_lines "Action Cache hit")
[ "$n" = "$actions" ] || fail "bst-second: $n 'Action Cache hit' log lines for $actions actions"
n=$(link_log_lines "Action Cache hit")
[ "$n" = 1 ] || fail "bst-second: the link logged $n 'Action Cache hit' lines, expected 1"
n=$(log_lines "executing locally")
[ "$n" = 0 ] || fail "bst-second: $n actions ran here"
n=$(stat_of bst-second miss)
[ "$n" = 0 ] || fail "bst-second: $n misses, expected none"
[ -x "$P/build/app" ] && [ "$("$P/build/app")" = "hello $NONCE 5" ] &&
    ok "the program from the remote cache runs" || fail "bst-second: build/app does not run right"

# A new sandbox stages the project anew: same path, new inodes, so no
# directory a manifest watches has the stamps it was recorded with, and
# each remote manifest's absent paths are checked (wrapper/deps/pathprobe.h).
# Still every action a remote hit; then a header appearing under a
# directory the proofs found missing (include/bits/, searched before the
# system's for <bits/...>) must make the compiles that would read it miss,
# though its bytes are the system header's (the outputs stay the same).
cp -a "$P" "$W/restage" && rm -rf "$P" && mv "$W/restage" "$P"
sleep 2.1 # (inputs that changed just before a call are not trusted)
build bst-restaged
hits=$(stat_of bst-restaged remote_hit)
[ "${hits:-0}" = "$actions" ] && ok "a re-staged project: $hits remote hits" ||
    fail "bst-restaged: $hits remote hits, expected $actions"
start_h=$(find /usr/include -path '*/bits/libc-header-start.h' | head -1)
if [ -n "$start_h" ]; then
    mkdir "$P/include/bits"
    cp "$start_h" "$P/include/bits/"
    sleep 2.1
    build bst-shadowed
    hits=$(stat_of bst-shadowed remote_hit)
    n=$(stat_of bst-shadowed miss)
    # util.c, greet.c and main.c include libc headers; table.c and the link
    # do not read it.
    [ "${hits:-0}" = 2 ] && [ "$n" = 3 ] &&
        ok "a header under a directory the proof found missing: 3 misses, 2 hits" ||
        fail "bst-shadowed: $hits remote hits and $n misses, expected 2 and 3"
    rm -r "$P/include/bits"
fi

# A local hit never loads gRPC, whether a remote is configured or not.  A
# dynamically linked ricc: LD_DEBUG=libs names every library the loader
# initialises, dlopen too.  A static one cannot load anything; it must not
# start the remote helper program either (a stand-in here that leaves a
# mark if it is ever run).
export RICC_DIR="$W/dir-tiny"
(cd "$W" && "$ricc" gcc -c tiny.c -o tiny.o)
if ! readelf -l "$ricc" 2>/dev/null | grep -q 'INTERP'; then
    printf '#!/bin/sh\ntouch "%s/helper-ran"\nexit 1\n' "$W" >"$W/fake-helper"
    chmod +x "$W/fake-helper"
    for srv in "$ADDR" ""; do
        (cd "$W" && RECC_SERVER="$srv" RICC_REMOTE_HELPER="$W/fake-helper" \
            "$ricc" gcc -c tiny.c -o tiny.o)
        [ ! -e "$W/helper-ran" ] || fail "a local hit started the remote helper (RECC_SERVER='$srv')"
    done
else
    for srv in "$ADDR" ""; do
        out=$(cd "$W" && RECC_SERVER="$srv" LD_DEBUG=libs "$ricc" gcc -c tiny.c -o tiny.o 2>&1)
        if echo "$out" | grep -q 'calling init:.*libgrpc'; then
            fail "a local hit loaded libgrpc (RECC_SERVER='$srv')"
        elif ! echo "$out" | grep -q 'calling init:.*libc\.so'; then
            fail "LD_DEBUG=libs printed nothing: cannot tell what a local hit loads"
        fi
    done
fi
[ "$(stat_of tiny direct_hit)" = 2 ] && ok "local hits load no libgrpc, with or without a remote" ||
    fail "tiny: expected 2 direct hits, got $(stat_of tiny direct_hit)"

# A sandbox whose compiles are remote action hits but whose manifests the
# remote lacks (they were uploaded by a client with direct mode off) uploads
# the manifests it learned, carrying the results it found: a third sandbox's
# compile hits are then one call each, as after a miss.
cold_keys carry
bst_env "$ADDR"; cache_only
RICC_NO_DIRECT=1 build carry-1
build carry-2
# (The link's manifest is not a direct-mode one: it came with its result.)
n=$(log_lines "came with the manifest")
[ "$(stat_of carry-2 remote_hit)" = 5 ] && [ "$n" = 1 ] ||
    fail "carry-2: $(stat_of carry-2 remote_hit) remote hits (expected 5), $n results with manifests (expected 1, the link's)"
lookups=5
[ -z "$EXT" ] && lookups=$(calls GetActionResult)
build carry-3
own_server "the count of carry-3's lookups" "call record" &&
    lookups=$(($(calls GetActionResult) - lookups))
n=$(log_lines "came with the manifest")
[ "$n" = 5 ] && [ "$lookups" = 5 ] && [ "$(stat_of carry-3 remote_hit)" = 5 ] &&
    ok "manifests learned from remote hits carry their results (4 compiles and the link)" ||
    fail "carry-3: $n results came with their manifests, $lookups GetActionResult calls (expected 5, 5), $(stat_of carry-3 remote_hit) remote hits"

# A source that includes 600 headers: its manifest is over the 64 KB from
# which the agent puts a blob in the local CAS itself rather than send it
# back.  A fresh sandbox still hits with one call, no blob read apart.
M="$W/many"
mkdir -p "$M/inc"
: >"$M/many.c"
i=0
while [ $i -lt 600 ]; do
    h="a_header_whose_long_name_makes_the_manifest_large_$i.h"
    echo "#define H_$i $i" >"$M/inc/$h"
    echo "#include \"$h\"" >>"$M/many.c"
    i=$((i + 1))
done
echo "int many(void) { return H_599; }" >>"$M/many.c"
echo "/* $RUN_NONCE */" >>"$M/many.c"   # (cold for RICC_TEST_SERVER too)
(cd "$M" && gcc -O2 -Iinc -c many.c -o many.ref.o)
for sandbox in many-1 many-2; do
    export RICC_DIR="$W/dir-$sandbox"
    rm -rf "$RICC_DIR" "$M/many.o"
    lookups=1 reads=0
    [ -z "$EXT" ] && lookups=$(calls GetActionResult) reads=$(($(calls BatchReadBlobs) + $(calls Read)))
    (cd "$M" && "$ricc" gcc -O2 -Iinc -c many.c -o many.o) 2>"$W/$sandbox.err" ||
        fail "$sandbox: the compile failed"
    if [ -z "$EXT" ]; then
        lookups=$(($(calls GetActionResult) - lookups))
        reads=$(($(calls BatchReadBlobs) + $(calls Read) - reads))
    fi
    cmp -s "$M/many.ref.o" "$M/many.o" || fail "$sandbox: many.o differs from plain gcc's"
done
# (Its size uncompressed: a compressed manifest, magic RICC-MZ2, has it in
# its frame, cache/local/compress.h, after the 40-byte entry header.)
size=$(find "$W/dir-many-1/manifests" -type f | while IFS= read -r f; do
    if [ "$(head -c 8 "$f")" = RICC-MZ2 ]; then
        echo $((40 + $(od -An -tu8 -j 48 -N 8 "$f" | tr -d ' ')))
    else
        wc -c <"$f"
    fi
done | awk '{n += $1} END {print n + 0}')
[ "$size" -gt 65536 ] || fail "many-1: the manifest is only $size bytes"
own_server "the count of many-2's calls" "call record" || true
[ "$(stat_of many-2 remote_hit)" = 1 ] && [ "$lookups" = 1 ] && [ "$reads" = 0 ] &&
    ok "a manifest of $size bytes: a fresh sandbox hits$([ -n "$EXT" ] || echo ", with one call")" ||
    fail "many-2: $(stat_of many-2 remote_hit) remote hits, $lookups GetActionResult calls, $reads blob reads (expected 1, 1, 0)"
# The agent put that manifest's blob into many-2's CAS as many-2's store
# writes blobs: compressed (the default), framed with magic \x89 "RICCZ".
framed=$(find "$W/dir-many-2/cas" -type f -size +8k -exec head -c 6 {} \; -exec echo \; |
    od -An -tx1 | tr -d ' \n' | grep -c 89524943435a || true)
[ "$framed" -gt 0 ] && ok "the agent stored the large blob compressed, as the caller's store does" ||
    fail "many-2: no compressed blob in its CAS (the agent did not use its compression setting)"

# A result whose stdout and stderr are empty, uploaded cache-only and looked
# up by its action (RICC_NO_DIRECT=1: no manifest brings it), is a remote
# hit in a fresh sandbox.  Its ActionResult names the empty blob as both
# streams: a server that checks every blob a result names (BuildGrid) must
# have it.
for sandbox in quiet-1 quiet-2; do
    export RICC_DIR="$W/dir-$sandbox"
    rm -rf "$RICC_DIR" "$W/quiet.o"
    (cd "$W" && RICC_NO_DIRECT=1 "$ricc" gcc -O2 -c quiet.c -o quiet.o) 2>"$W/$sandbox.err" ||
        fail "$sandbox: the compile failed"
done
[ "$(stat_of quiet-2 remote_hit)" = 1 ] &&
    ok "a result with empty stdout and stderr: a remote hit in a fresh sandbox" ||
    fail "quiet-2: $(stat_of quiet-2 remote_hit) remote hits, expected 1 (is the empty blob on the server?)"

# ---- 2. remote execution ----
# Against a server without an Execution service the same builds must come
# out right (ricc compiles here); only the assertions that something was
# Executed are skipped.
cold_keys exec
bst_env "$ADDR"; no_cache_only
build exec
if executes "the 'executed remotely' assertions of remote execution"; then
    n=$(log_lines "Executing action remotely")
    [ "$n" -ge 4 ] && ok "remote execution: $n actions executed remotely" ||
        fail "exec: $n 'Executing action remotely' log lines"
    n=$(log_lines "Remote execution finished with exit code 0")
    [ "$n" -ge 4 ] || fail "exec: $n 'Remote execution finished with exit code 0' lines"
    [ -n "$EXT" ] || [ "$(calls Execute)" -ge 4 ] || fail "exec: no Execute calls seen"
    # The link's key comes from ld's trace: with no manifest anywhere it
    # cannot be Executed, so it ran here and its result and manifest were
    # uploaded; a fresh sandbox's link is then a remote hit.
    n=$(link_log_lines "not executable remotely (a link's inputs are known only once it ran)")
    [ "$n" = 1 ] || fail "exec: the link logged $n 'not executable remotely' lines, expected 1"
fi
relink exec-link
[ "$(stat_of exec-link remote_hit)" = 1 ] &&
    ok "remote execution mode: the link uploaded, then a remote hit" ||
    fail "exec-link: $(stat_of exec-link remote_hit) remote hits, expected 1"
# CMake's shape under remote execution: path rewriting on, the project root
# a parent of the checkout, absolute -I and source from a build directory.
# The input root is named relative to the key's base (the checkout), and
# what is uploaded must give the key's input root: Executed, and the object
# plain gcc's.
unset RECC_NO_PATH_REWRITE
export RECC_PROJECT_ROOT="$W" RICC_DIR="$W/dir-exec-base"
rm -rf "$RICC_DIR" "$P/.recc-log" "$P/cbuild"
mkdir -p "$P/cbuild"
(cd "$P/cbuild" && gcc -O2 -DN="$NONCE" -I"$P/include" -c "$P/src/util.c" -o util.ref.o)
(cd "$P/cbuild" && "$ricc" gcc -O2 -DN="$NONCE" -I"$P/include" -c "$P/src/util.c" -o util.o) \
    2>"$W/exec-base.err" || fail "exec-base: the compile failed"
n=$(cat "$P"/cbuild/.recc-log/* 2>/dev/null | grep -c "Executing action remotely" || true)
executes "exec-base's 'executed remotely' assertion" || n=1
cmp -s "$P/cbuild/util.ref.o" "$P/cbuild/util.o" && [ "$n" = 1 ] &&
    ok "remote execution with the key relative to the checkout, not the project root" ||
    fail "exec-base: $n actions executed remotely (expected 1), or util.o differs from plain gcc's"
unset RECC_PROJECT_ROOT
export RECC_NO_PATH_REWRITE=1

# Remote execution must not change the bytes: tests/e2e/remote_bytes.sh.
. "$here/remote_bytes.sh"

# A compile error under remote execution: gcc's own messages and status.
printf 'int broken( {\n' > "$W/bad.c"
rc=0; (cd "$W" && "$ricc" gcc -c bad.c -o bad.o) 2>"$W/bad.err" || rc=$?
ref=0; (cd "$W" && gcc -c bad.c -o bad.o) 2>"$W/bad.ref" || ref=$?
[ "$rc" = "$ref" ] && [ "$rc" != 0 ] && cmp -s "$W/bad.err" "$W/bad.ref" &&
    ok "remote execution of a broken file: gcc's status $rc and messages" ||
    fail "exec: broken file gave status $rc (gcc: $ref) or other messages"

# ---- a link Executed remotely ----
# A local link manifest whose result is not in the local cache (evicted,
# say) gives the link's Action before linking.  With a toolchain digest the
# link is Executed; without one a worker's ld, crt files and libraries could
# differ from the ones keyed, so it links here and uploads.  Each seed link
# runs with no remote; then its result (and blobs) is dropped and it links
# again.  (Against RICC_TEST_SERVER the Execute calls are told by the log
# lines alone.)
if executes "a link Executed remotely"; then
    cold_keys exec-link
    bst_env "$ADDR"; no_cache_only
    unset RECC_REMOTE_PLATFORM_chrootRootDigest
    relink link-notc ""
    rm -rf "$W/dir-link-notc/ac"
    RICC_DIR="$W/dir-link-notc" "$ricc" --zero-stats
    relink link-notc
    n=$(link_log_lines "not executable remotely (a link without a toolchain digest)")
    x=$(link_log_lines "Executing action remotely") u=1
    [ -z "$EXT" ] && x=$(calls Execute) u=$(calls UpdateActionResult)
    [ "$n" = 1 ] && [ "$x" = 0 ] && [ "$(stat_of link-notc miss)" = 1 ] && [ "$u" -ge 1 ] &&
        ok "a link without a toolchain digest: linked here and uploaded" ||
        fail "link-notc: $n log lines, $x Execute calls, $(stat_of link-notc miss) misses, $u updates"
    bst_env "$ADDR"
    relink link-exec ""
    rm -rf "$W/dir-link-exec/ac" "$W/dir-link-exec/cas"
    RICC_DIR="$W/dir-link-exec" "$ricc" --zero-stats
    relink link-exec
    x=1
    [ -z "$EXT" ] && x=$(calls Execute)
    [ "$(link_log_lines "Executing action remotely")" = 1 ] &&
        [ "$(link_log_lines "Remote execution finished with exit code 0")" = 1 ] &&
        [ "$x" = 1 ] && [ "$(stat_of link-exec miss)" = 1 ] &&
        ok "a link Executed remotely: byte-identical and runs" ||
        fail "link-exec: $x Execute calls, $(stat_of link-exec miss) misses"
    # The executed result is kept locally (the next link is a local hit),
    # and the manifest was uploaded with it: a fresh sandbox's link is a
    # remote hit, not Executed again.
    relink link-exec
    [ "$(stat_of link-exec direct_hit)" = 1 ] || fail "link-exec: no local hit after the remote execution"
    relink link-exec-fresh
    x=$(($(link_log_lines "Executing action remotely") + 1))
    [ -z "$EXT" ] && x=$(calls Execute)
    [ "$(stat_of link-exec-fresh remote_hit)" = 1 ] && [ "$x" = 1 ] &&
        ok "after a remote link execution a fresh sandbox hits" ||
        fail "link-exec-fresh: $(stat_of link-exec-fresh remote_hit) remote hits, $x Execute calls in all"
fi
# A link Executed by a server whose blobs come back corrupt: the result is
# refused, the link runs here (a fallback), and relink checks the program.
if own_server "a link Executed with corrupt blobs back" "--corrupt"; then
    start_server link-corrupt --corrupt
    bst_env "$ADDR"; no_cache_only
    relink link-corrupt ""
    rm -rf "$W/dir-link-corrupt/ac" "$W/dir-link-corrupt/cas"
    RICC_DIR="$W/dir-link-corrupt" "$ricc" --zero-stats
    relink link-corrupt
    [ "$(calls Execute)" = 1 ] && [ "$(stat_of link-corrupt fallback)" = 1 ] &&
        ok "a link Executed with corrupt blobs back: linked here, correct" ||
        fail "link-corrupt: $(calls Execute) Execute calls, $(stat_of link-corrupt fallback) fallbacks"
fi

# ---- RECC_ACTION_UNCACHEABLE and RECC_SKIP_CACHE ----
# What was not uploaded shows in the test server's record, and anywhere in
# the next fresh sandbox: it finds nothing.
cold_keys flags
bst_env "$ADDR"; cache_only
RECC_ACTION_UNCACHEABLE=1 build uncacheable
u=0
[ -z "$EXT" ] && u=$(calls UpdateActionResult)
[ "$u" = 0 ] && [ "$(stat_of uncacheable miss)" -ge 4 ] &&
    [ -z "$(find "$W/dir-uncacheable/ac" -type f 2>/dev/null)" ] ||
    fail "uncacheable: $u UpdateActionResult calls, or results stored locally"
build flags-seed
[ "$(stat_of flags-seed remote_hit)" = 0 ] && [ "$(stat_of flags-seed miss)" -ge 4 ] &&
    ok "RECC_ACTION_UNCACHEABLE: nothing stored, here or there" ||
    fail "flags-seed: $(stat_of flags-seed remote_hit) remote hits after RECC_ACTION_UNCACHEABLE"
[ -z "$EXT" ] && before=$(calls GetActionResult)
RECC_SKIP_CACHE=1 build skip
n=0
own_server "RECC_SKIP_CACHE's count of lookups" "call record" &&
    n=$(($(calls GetActionResult) - before))
[ "$n" = 0 ] && [ "$(stat_of skip remote_hit)" = 0 ] &&
    [ "$(stat_of skip miss)" -ge 4 ] && ok "RECC_SKIP_CACHE: no lookups, compiled" ||
    fail "skip: $n lookups, $(stat_of skip remote_hit) hits"
if executes "RECC_ACTION_UNCACHEABLE with Execute"; then
    cold_keys flags-exec
    bst_env "$ADDR"; no_cache_only
    RECC_ACTION_UNCACHEABLE=1 build uncacheable-exec
    x1=$(log_lines "Executing action remotely")
    build exec-after-uncacheable
    x=$((x1 + $(log_lines "Executing action remotely")))
    [ -z "$EXT" ] && x=$(calls Execute)
    [ "$x" -ge 8 ] && [ "$(stat_of exec-after-uncacheable remote_hit)" = 0 ] &&
        ok "RECC_ACTION_UNCACHEABLE with Execute: do_not_cache honoured" ||
        fail "uncacheable-exec: $x Execute calls, $(stat_of exec-after-uncacheable remote_hit) hits after"
fi

# ---- ar and ricc exec through the remote ----
# A static library made with `ricc ar rcsD` and a C file made by a generator
# script under `ricc exec --`, in a tree at one path that every sandbox gets
# a fresh copy of (the exec key holds the working directory).  References
# come from ar and the script run directly.
TS="$W/tools-seed" TL="$W/tools" TR="$W/tools-ref"
# tools_tree NONCE: the seed tree and the references, a.o and words.txt
# holding NONCE (keys no server has seen: see cold_keys).
tools_tree() {
    TOOLS_NONCE=$1
    rm -rf "$TS" "$TR"
    mkdir -p "$TS" "$TR"
    printf 'int fa(void) { return 1; }\nconst char nonce[] = "%s";\n' "$1" >"$TS/a.c"
    printf 'int fb(void) { return 2; }\n' >"$TS/b.c"
    (cd "$TS" && gcc -c a.c b.c)
    printf 'alpha\nbeta\n%s\n' "$1" >"$TS/words.txt"
    cat >"$TS/gen.sh" <<'EOF'
#!/bin/sh
# gen.sh IN OUT: the lines of IN as a C array in OUT.
{ echo "const char *words[] = {"; sed 's/.*/  "&",/' "$1"; echo "};"; } >"$2"
echo "generated $2 from $1"
EOF
    chmod +x "$TS/gen.sh"
    cp -a "$TS/." "$TR/"
    (cd "$TR" && ar rcsD libab.a a.o b.o && ./gen.sh words.txt words.c >gen.out) </dev/null ||
        fail "tools: the reference ar or generator failed"
}
# tools NAME [WORDS]: a fresh tree (words.txt holding WORDS, and the nonce,
# when given) and RICC_DIR $W/dir-NAME; ar and the generator through ricc;
# their outputs and the generator's stdout checked against the references
# (against the script run directly on WORDS when given).
tools() {
    export RICC_DIR="$W/dir-$1"
    rm -rf "$RICC_DIR" "$TL"
    cp -a "$TS" "$TL"
    [ -z "${2:-}" ] || printf '%s\n%s\n' "$2" "$TOOLS_NONCE" >"$TL/words.txt"
    sleep 0.05   # (a result is kept only from inputs older than the call: see tiny.c)
    (cd "$TL" && "$ricc" ar rcsD libab.a a.o b.o && "$ricc" exec -- ./gen.sh words.txt words.c \
        >gen.out) </dev/null 2>"$W/$1.err" || { fail "$1: ar or the generator failed"; return 0; }
    cmp -s "$TR/libab.a" "$TL/libab.a" || fail "$1: libab.a differs from ar's own"
    ref=$TR
    if [ -n "${2:-}" ]; then
        ref="$W/tools-ref-$1"
        mkdir -p "$ref"
        cp "$TS/gen.sh" "$TL/words.txt" "$ref/"
        (cd "$ref" && ./gen.sh words.txt words.c >gen.out) </dev/null
    fi
    cmp -s "$ref/words.c" "$TL/words.c" && cmp -s "$ref/gen.out" "$TL/gen.out" ||
        fail "$1: words.c or the generator's stdout differs from the script's own"
    return 0
}
tools_log() { n=$(cat "$TL"/.recc-log/* 2>/dev/null | grep -c "$1" || true); echo "${n:-0}"; }
# Cache-only, as in BuildStream: a first sandbox runs both and uploads, a
# fresh one gets both from the remote.
[ -n "$EXT" ] || start_server tools
tools_tree "$RUN_NONCE-tools"
bst_env "$ADDR"; cache_only
tools tools-1
u=3
[ -z "$EXT" ] && u=$(calls UpdateActionResult)
[ "$(stat_of tools-1 miss)" = 2 ] && [ "$(tools_log "executing locally")" = 2 ] && [ "$u" -ge 3 ] ||
    fail "tools-1: $(stat_of tools-1 miss) misses, $u UpdateActionResult calls"
[ -z "$EXT" ] && lookups=$(calls GetActionResult)
tools tools-2
# One call each: ar's for its result, ricc exec's for its manifest, which
# brings the result along.
if own_server "the count of tools-2's lookups" "call record"; then
    lookups=$(($(calls GetActionResult) - lookups))
else
    lookups=2
fi
[ "$(stat_of tools-2 remote_hit)" = 2 ] && [ "$(stat_of tools-2 miss)" = 0 ] &&
    [ "$(tools_log "Action Cache hit")" = 2 ] && [ "$lookups" = 2 ] &&
    [ "$(tools_log "came with the manifest")" = 1 ] &&
    ok "cache-only: ar and ricc exec remote hits in a fresh sandbox, one call each, byte-identical" ||
    fail "tools-2: $(stat_of tools-2 remote_hit) remote hits, $(stat_of tools-2 miss) misses, $(tools_log "Action Cache hit") 'Action Cache hit' lines, $lookups GetActionResult calls (expected 2), $(tools_log "came with the manifest") results with a manifest (expected 1)"
# What came from the remote is kept locally: the same calls again (outputs
# removed) are local hits.
(cd "$TL" && rm libab.a words.c && "$ricc" ar rcsD libab.a a.o b.o &&
    "$ricc" exec -- ./gen.sh words.txt words.c >/dev/null) </dev/null 2>/dev/null
[ "$(stat_of tools-2 direct_hit)" = 2 ] && cmp -s "$TR/libab.a" "$TL/libab.a" &&
    cmp -s "$TR/words.c" "$TL/words.c" || fail "tools-2: $(stat_of tools-2 direct_hit) local hits after the remote hits"
# The generator's input changed: it runs (its output follows), ar still hits.
tools tools-3 "gamma"
[ "$(stat_of tools-3 remote_hit)" = 1 ] && [ "$(stat_of tools-3 miss)" = 1 ] &&
    grep -q '"gamma"' "$TL/words.c" && ok "ricc exec: a changed input misses and runs the tool" ||
    fail "tools-3: $(stat_of tools-3 remote_hit) remote hits, $(stat_of tools-3 miss) misses"
# Remote execution mode: neither is Executed (ar's key holds this machine's
# ar; a traced tool's action is no REAPI Action); both run here and are
# uploaded, and a fresh sandbox hits.  (The Execute calls that must not be
# are told by the log lines against RICC_TEST_SERVER.)
[ -n "$EXT" ] || start_server tools-exec
tools_tree "$RUN_NONCE-tools-exec"
bst_env "$ADDR"; no_cache_only
tools tools-x1
x=$(tools_log "Executing action remotely") here=2
[ -z "$EXT" ] && x=$(calls Execute)
executes "tools-x1's 'not executable remotely' lines" && here=$(tools_log "not executable remotely")
[ "$here" = 2 ] && [ "$x" = 0 ] && [ "$(stat_of tools-x1 miss)" = 2 ] ||
    fail "tools-x1: $here 'not executable remotely' lines, $x Execute calls, $(stat_of tools-x1 miss) misses"
tools tools-x2
x=$(tools_log "Executing action remotely")
[ -z "$EXT" ] && x=$(calls Execute)
[ "$(stat_of tools-x2 remote_hit)" = 2 ] && [ "$x" = 0 ] &&
    ok "remote execution mode: ar and ricc exec run here, uploaded, then remote hits" ||
    fail "tools-x2: $(stat_of tools-x2 remote_hit) remote hits, $x Execute calls"
# Faults during the lookups: blob reads failing (the results are there, the
# blobs cannot be had; nothing inlined), and no server at all.  Each a
# correct result, counted as a fallback.  (No skip period: the exec call
# too tries the server the ar call found failing.)
export RICC_RETRY_LIMIT=0 RICC_REMOTE_SKIP_SECONDS=0
if own_server "failing blob reads during ar and ricc exec lookups" "--fail-reads"; then
    start_server tools-reads --fail-reads --no-inline
    bst_env "$ADDR"; cache_only
    tools tools-r1
    tools tools-r2
    [ "$(stat_of tools-r2 fallback)" = 2 ] && [ "$(stat_of tools-r2 remote_hit)" = 0 ] &&
        [ "$(calls BatchReadBlobs)" -ge 2 ] &&
        ok "blob reads failing during ar and ricc exec lookups: run here, correct" ||
        fail "tools-r2: $(stat_of tools-r2 fallback) fallbacks, $(calls BatchReadBlobs) BatchReadBlobs calls"
    stop_server
fi
bst_env "unix:$W/no-server.sock"
tools tools-down
unset RICC_RETRY_LIMIT RICC_REMOTE_SKIP_SECONDS
[ "$(stat_of tools-down fallback)" = 2 ] && ok "no server: ar and ricc exec run here, correct" ||
    fail "tools-down: $(stat_of tools-down fallback) fallbacks, expected 2"

if [ -n "$EXT" ]; then
    skip "the misbehaving servers, ByteStream over a 4 KB batch limit, TLS" \
        "RICC_TEST_SERVER: need the test server's faults, limits and TLS listener"
    [ $failures -eq 0 ] && echo "test_remote: all passed" || echo "test_remote: $failures failed"
    exit $((failures > 0))
fi

# ---- 3. misbehaving servers: every build correct ----
export RICC_RETRY_DELAY=10 RICC_REMOTE_SKIP_SECONDS=60
fault() { # fault NAME MODE [server flags...]; MODE cache|exec
    # fname, not name: start_server and build set name (sh has no locals).
    fname=$1 mode=$2; shift 2
    start_server "$fname" "$@"
    bst_env "$ADDR"
    if [ "$mode" = cache ]; then cache_only; else no_cache_only; fi
    build "$fname-1"
    build "$fname-2"
}
export RICC_RETRY_LIMIT=4
fault retried cache --fail-first 3
[ "$(stat_of retried-2 remote_hit)" -ge 4 ] && ok "UNAVAILABLE retried" || fail "retried: no remote hits"
export RICC_RETRY_LIMIT=0
fault down cache --fail-first 1000000
for b in down-1 down-2; do   # each a fresh RICC_DIR: each build warns once
    n=$(warnings unavailable $b)
    [ "$n" -eq 1 ] || fail "$b: $n warnings about the server being down, expected one"
done
[ "$(stat_of down-1 fallback)" -ge 1 ] || fail "down-1: no fallback counted"
export RICC_REQUEST_TIMEOUT=1
fault slow cache --delay-ms 2500
unset RICC_REQUEST_TIMEOUT
for b in slow-1 slow-2; do
    [ "$(warnings unavailable $b)" -eq 1 ] || fail "$b: $(warnings unavailable $b) warnings, expected one"
done
fault corrupt cache --corrupt
# Nothing it sends verifies: the link too ran here, and build checked its
# program against plain gcc's.
[ "$(link_log_lines "Action Cache hit")" = 0 ] && [ "$(link_log_lines "link of build/app")" = 1 ] &&
    [ "$(stat_of corrupt-2 remote_hit)" = 0 ] && ok "corrupt blobs: the link ran here, correct" ||
    fail "corrupt-2: the link logged $(link_log_lines "Action Cache hit") hits"
fault corrupt-exec exec --corrupt
EVIL="ricc-evil-$$"
fault escape cache --bad-output-path "../$EVIL"
fault escape-abs exec --bad-output-path "/tmp/$EVIL"
[ ! -e "$P/../$EVIL" ] && [ ! -e "/tmp/$EVIL" ] && [ ! -e "$P/build/../../$EVIL" ] &&
    ok "output paths outside the tree refused" || fail "a server's output path outside the tree was written"
fault denied cache --deny-ac-update
n=$(warnings refuses denied-1)
[ "$n" -eq 1 ] && ok "UpdateActionResult refusal: $n warning" || fail "denied-1: $n warnings"
fault wait exec --break-execute 2
[ "$(calls WaitExecution)" -ge 1 ] && ok "broken Execute stream followed with WaitExecution" ||
    fail "wait: no WaitExecution seen"

# ---- 4. over the batch limit: ByteStream both ways ----
fault bytestream cache --max-batch 4096
[ "$(calls Write)" -ge 1 ] && [ "$(calls Read)" -ge 1 ] &&
    [ "$(stat_of bytestream-2 remote_hit)" -ge 4 ] && ok "ByteStream Write and Read" ||
    fail "bytestream: Write $(calls Write), Read $(calls Read), hits $(stat_of bytestream-2 remote_hit)"

# ---- 5. TLS with a CA made here ----
T="$W/tls"
mkdir -p "$T"
(
    cd "$T"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key \
        -out ca.pem -days 2 -subj /CN=ricc-e2e-ca
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > san.ext
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout srv.key \
        -out srv.csr -subj /CN=localhost
    openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem \
        -days 2 -extfile san.ext
) >"$T/log" 2>&1 || { cat "$T/log"; fail "openssl"; }
start_server tls --tls-cert "$T/srv.pem" --tls-key "$T/srv.key"
bst_env "grpcs://localhost:$TCP_PORT"; cache_only
export RICC_SERVER_CERT="$T/ca.pem"
build tls-1
build tls-2
[ "$(stat_of tls-2 remote_hit)" -ge 4 ] && ok "TLS" || fail "tls: no remote hits over TLS"
unset RICC_SERVER_CERT

stop_server
[ $failures -eq 0 ] && echo "test_remote: all passed" || echo "test_remote: $failures failed"
exit $((failures > 0))
