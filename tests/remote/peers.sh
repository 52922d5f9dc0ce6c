#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# tests/remote/peers.sh — `make check-peers`: the remote suite (run.sh: the
# CUnit client tests and tests/e2e/test_remote.sh) against the two
# third-party REAPI servers in ../shared/peers (their README.md), one after
# the other:
#   bazel-remote — a cache only (no Execution service), built once into
#                  $B/peers/bazel-remote from the Go sources there;
#   BuildGrid    — Execute, with host-tools bots running each action in a
#                  fresh temporary directory.
# Each server is started with its state in a directory of its own under a
# mktemp directory, and stopped (trap) whatever happens.  The suite skips,
# saying why, what needs the project's own test server (`make
# check-remote` runs it against that one).
#
# Needs what `tests/install-deps.sh --peers` installs.  RICC_PEERS=DIR
# names the peers folder when it is not ../shared/peers beside the
# checkout.  Takes B, CC, OPT and SAN as run.sh does.
set -eu
cd "$(dirname "$0")/../.."
B=${B:-build}
case $B in /*) ;; *) B="$PWD/$B" ;; esac
PEERS=${RICC_PEERS:-$PWD/../shared/peers}
export B

[ -d "$PEERS/bazel-remote" ] && [ -d "$PEERS/buildgrid" ] ||
    { echo "peers.sh: no bazel-remote and buildgrid in $PEERS (RICC_PEERS=DIR)" >&2; exit 2; }
command -v go >/dev/null ||
    { echo "peers.sh: needs Go to build bazel-remote: tests/install-deps.sh --peers" >&2; exit 2; }
/usr/bin/python3 -c 'import grpc, yaml, click, janus, sqlalchemy, alembic' 2>/dev/null ||
    { echo "peers.sh: BuildGrid needs Python modules: tests/install-deps.sh --peers" >&2; exit 2; }

# bazel-remote: built once per build tree (build.sh keeps Go's cache there).
BZR="$B/peers/bazel-remote"
if [ ! -x "$BZR" ]; then
    echo "== building bazel-remote into $B/peers"
    "$PEERS/bazel-remote/build.sh" "$B/peers" >/dev/null
fi

STATE=$(mktemp -d /tmp/ricc-peers-XXXXXX)
stop_all() {
    [ ! -f "$STATE/bzr/server.pid" ] || "$PEERS/bazel-remote/stop.sh" "$STATE/bzr" >/dev/null 2>&1
    [ ! -d "$STATE/bg" ] || "$PEERS/buildgrid/stop.sh" "$STATE/bg" >/dev/null 2>&1
    rm -rf "$STATE"
}
trap stop_all EXIT
trap 'exit 130' INT TERM HUP

status=0
# against NAME ADDRESS: the suite against one server.
against() {
    echo "== check-remote against $1 ($2)"
    start=$(date +%s)
    RICC_TEST_SERVER=$2 tests/remote/run.sh || { status=1; echo "== FAILED against $1"; }
    echo "== against $1: $(($(date +%s) - start)) s"
}

addr=$("$PEERS/bazel-remote/start.sh" "$BZR" "$STATE/bzr" | tail -1) ||
    { echo "peers.sh: bazel-remote did not start" >&2; exit 1; }
against bazel-remote "$addr"
"$PEERS/bazel-remote/stop.sh" "$STATE/bzr" >/dev/null

addr=$("$PEERS/buildgrid/start.sh" "$STATE/bg" | tail -1) ||
    { echo "peers.sh: BuildGrid did not start" >&2; exit 1; }
against BuildGrid "$addr"
"$PEERS/buildgrid/stop.sh" "$STATE/bg" >/dev/null
rm -rf "$STATE/bg"

exit $status
