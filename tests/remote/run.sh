#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# tests/remote/run.sh — the remote client tests, against tests/remote/server.py
# (a REAPI server on Debian's python3-grpcio), or against any REAPI server
# named by RICC_TEST_SERVER=<address> (bazel-remote and BuildGrid in CI: see
# `make check-peers`); then the cases that need the test server's faults or
# call record, and without an Execution service those of Execute, skip
# with a printed reason.
#
# Expects $B/lib/libricc-cache.a and $B/lib/libricc-remote.so built (the
# check-remote make target builds them).  Compiles the CUnit client tests
# (test_remote_{cas,faults,exec}.c with harness.c) with the same OPT/SAN as
# the libraries and runs them, then tests/e2e/test_remote.sh when
# $B/bin/ricc has the remote in it.
set -eu
cd "$(dirname "$0")/../.."
B=${B:-build}
case $B in /*) ;; *) B="$PWD/$B" ;; esac   # (absolute from here on)
CC=${CC:-cc}
OPT=${OPT:--O2 -g}
SAN=${SAN:-}
PKGS="libcrypto libprotobuf-c libzstd"   # libzstd: the store (compress.c)

for f in "$B/lib/libricc-cache.a" "$B/lib/libricc-remote.so"; do
    [ -f "$f" ] || { echo "run.sh: $f is missing: make B=$B $f" >&2; exit 2; }
done
/usr/bin/python3 -c 'import grpc, google.protobuf' 2>/dev/null || {
    echo "run.sh: needs /usr/bin/python3 with grpc and protobuf" \
         "(apt-get install python3-grpcio python3-protobuf protobuf-compiler)" >&2
    exit 2; }
if [ -z "${RICC_TEST_SERVER:-}" ]; then
    command -v protoc >/dev/null || { echo "run.sh: needs protoc (protobuf-compiler)" >&2; exit 2; }
else
    # Whether the server executes, as its GetCapabilities says: the tests of
    # Execute skip with a reason against a cache-only server (bazel-remote).
    RICC_TEST_SERVER_EXECUTES=$(/usr/bin/python3 tests/remote/executes.py "$RICC_TEST_SERVER") || {
        echo "run.sh: cannot ask $RICC_TEST_SERVER for its capabilities" >&2; exit 2; }
    export RICC_TEST_SERVER_EXECUTES
    echo "run.sh: against $RICC_TEST_SERVER, which $([ "$RICC_TEST_SERVER_EXECUTES" = 1 ] &&
        echo executes || echo has no Execution service: a cache only)"
fi

mkdir -p "$B/tests/remote"
export LSAN_OPTIONS="suppressions=$PWD/tests/remote/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export RICC_REMOTE_MODULE="$B/lib/libricc-remote.so"
# A static build reaches the remote through this program instead.
[ ! -x "$B/lib/ricc-remote" ] || export RICC_REMOTE_HELPER="$B/lib/ricc-remote"
export RTS_SERVER="$PWD/tests/remote/server.py"
export RTS_PB_DIR="$B/tests/remote/pb"   # generated message modules, reused

# The tests define the host's log_msg/log_enabled (to count warnings); they
# are exported so the module's copy of the loader can resolve them too.
# The loader is compiled here in its dlopen form whatever the build: the
# tests hand the client configurations of their own, which the helper
# program of a static build (reading the environment) would not see.
status=0
for t in cas faults exec; do
    bin="$B/tests/remote/test_remote_$t"
    # shellcheck disable=SC2086,SC2046
    $CC -std=c11 -D_GNU_SOURCE -I. -I"$B/proto" $(pkg-config --cflags $PKGS) $OPT $SAN \
        -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter \
        -Wl,--export-dynamic-symbol=log_msg -Wl,--export-dynamic-symbol=log_enabled \
        -o "$bin" "tests/remote/test_remote_$t.c" tests/remote/harness.c \
        cache/remote/remote_loader.c cache/remote/agent_start.c "$B/lib/libricc-cache.a" $(pkg-config --libs $PKGS) -ldl -lcunit
    echo "== $bin${RICC_TEST_SERVER:+ (against $RICC_TEST_SERVER)}"
    "$bin" || status=1
done

# End to end, once ricc's flow calls the remote (the loader, and so the
# module's name, is linked into ricc only then).
if [ -x "$B/bin/ricc" ] && grep -q ricc-remote "$B/bin/ricc"; then
    echo "== tests/e2e/test_remote.sh"
    RICC="$B/bin/ricc" sh tests/e2e/test_remote.sh || status=1
    echo "== tests/e2e/test_remote_policy.sh"
    RICC="$B/bin/ricc" sh tests/e2e/test_remote_policy.sh || status=1
else
    echo "(tests/e2e/test_remote*.sh skipped: $B/bin/ricc missing or without the remote)"
fi
exit $status
