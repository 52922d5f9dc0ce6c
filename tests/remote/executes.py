#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""executes.py ADDRESS: does the REAPI server at ADDRESS execute actions?

Prints 1 when its GetCapabilities answer has execution_capabilities with
exec_enabled set, 0 when not (bazel-remote: a cache with no Execution
service), and exits 2 when the server cannot be asked.  run.sh exports the
answer as RICC_TEST_SERVER_EXECUTES, so that the tests that need Execute
skip with a reason against a cache-only server, judged by what the server
says rather than by its name.

The answer is read straight off the wire (two fields of two messages), so
this needs only Debian's python3-grpcio, not the REAPI message modules that
server.py generates with protoc.
"""
import sys

import grpc


def fields(buf):
    """(number, wire type, value) of each field of a protobuf message."""
    i = 0

    def varint():
        nonlocal i
        v = shift = 0
        while True:
            b = buf[i]
            i += 1
            v |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return v

    while i < len(buf):
        key = varint()
        num, wt = key >> 3, key & 7
        if wt == 0:
            yield num, wt, varint()
        elif wt == 2:
            n = varint()
            yield num, wt, buf[i:i + n]
            i += n
        elif wt == 1:
            i += 8
        elif wt == 5:
            i += 4
        else:
            raise ValueError("wire type %d" % wt)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: executes.py ADDRESS")
    addr = sys.argv[1]
    for scheme in ("grpc://", "http://"):
        if addr.startswith(scheme):
            addr = addr[len(scheme):]
    if addr.startswith(("grpcs://", "https://")):
        print("executes.py: TLS addresses are not supported", file=sys.stderr)
        sys.exit(2)
    call = grpc.insecure_channel(addr).unary_unary(
        "/build.bazel.remote.execution.v2.Capabilities/GetCapabilities")
    try:
        # GetCapabilitiesRequest with instance_name "": no bytes at all.
        caps = call(b"", timeout=20)
    except grpc.RpcError as e:
        print("executes.py: GetCapabilities on %s: %s" % (addr, e.code()), file=sys.stderr)
        sys.exit(2)
    enabled = 0
    for num, wt, val in fields(caps):
        if num == 2 and wt == 2:  # ServerCapabilities.execution_capabilities
            for n2, w2, v2 in fields(val):
                if n2 == 2 and w2 == 0:  # ExecutionCapabilities.exec_enabled
                    enabled = int(v2 != 0)
    print(enabled)


if __name__ == "__main__":
    main()
