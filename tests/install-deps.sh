#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# tests/install-deps.sh — install, from Debian's packages, everything ricc's
# build, its tests and its benchmark need.  README's first command and CI
# (.ci/run) both run it, so the list lives here once.  As root it runs
# apt-get itself; otherwise through sudo, which must then be there.
#
# --peers: also what `make check-peers` needs to build and run the two
# third-party REAPI servers in ../shared/peers (see its README.md): Go and
# the Go libraries bazel-remote is built from (its packages.txt), and the
# Python modules BuildGrid runs on.  Without it nothing of the peers is
# installed: `make check` does not need them.
set -eu
peers=
case ${1:-} in
--peers) peers=1 ;;
"") ;;
*) echo "usage: $0 [--peers]" >&2; exit 2 ;;
esac

packages="
    libssl-dev libprotobuf-c-dev protobuf-c-compiler libgrpc-dev libyaml-dev libzstd-dev pkg-config
    gcc g++ make
    libcunit1-dev clang libclang-rt-14-dev
    python3 python3-grpcio python3-protobuf protobuf-compiler libprotobuf-dev openssl
    cmake ninja-build bubblewrap strace man-db
    ccache sccache zstd valgrind hyperfine
    cppcheck clang-tidy shellcheck clang-format
"
# build: OpenSSL's libcrypto, protobuf-c, gRPC's C core, libyaml, libzstd.
# tests: CUnit; a real clang, and its libFuzzer and sanitizer runtimes (only
# recommended by clang, which --no-install-recommends leaves out); the Python REAPI test server (protoc needs
# libprotobuf-dev's google/protobuf/*.proto) and its TLS case; real CMake
# (Ninja and Makefile generators); bubblewrap for the sandbox test (a
# BuildStream-like sandbox; skipped where it cannot make namespaces); strace
# (test_shared: every file a compile writes is in ricc's private directory);
# man-db (test_install renders the man page).
# bench/: ccache and sccache side by side; zstd, valgrind (callgrind) and
# hyperfine for bench/compress.sh.
# make lint: cppcheck, clang-tidy and shellcheck (and clang-format, for
# .clang-format).

if [ -n "$peers" ]; then
    PEERS=${RICC_PEERS:-$(cd "$(dirname "$0")/.." && pwd)/../shared/peers}
    [ -f "$PEERS/bazel-remote/packages.txt" ] ||
        { echo "install-deps: no $PEERS/bazel-remote/packages.txt (RICC_PEERS=DIR)" >&2; exit 1; }
    packages="$packages $(cat "$PEERS/bazel-remote/packages.txt")
    python3-yaml python3-click python3-janus python3-sqlalchemy python3-alembic python3-boto3"
fi

if [ "$(id -u)" = 0 ]; then
    as_root=
elif command -v sudo >/dev/null 2>&1; then
    as_root=sudo
else
    echo "install-deps: not root and no sudo: run this as root, or install: $packages" >&2
    exit 1
fi
# shellcheck disable=SC2086 # the list is meant to split
$as_root apt-get update
$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $packages
