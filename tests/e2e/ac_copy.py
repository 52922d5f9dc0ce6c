#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""ac_copy.py — make a REAPI server lie: store the action cache entry of one
digest under another, as a server that mixes up its keys would answer.

    ac_copy.py PB_DIR ADDRESS SRC_HASH/SIZE DST_HASH/SIZE

PB_DIR holds the message modules tests/remote/server.py generated; ADDRESS
is a gRPC target (unix:/path).  Exit status 0 when the entry was copied."""
import sys

import grpc


def main():
    pb_dir, addr, src, dst = sys.argv[1:5]
    sys.path.insert(0, pb_dir)
    from build.bazel.remote.execution.v2 import remote_execution_pb2 as re

    def digest(text):
        h, n = text.split("/")
        return re.Digest(hash=h, size_bytes=int(n))

    ch = grpc.insecure_channel(addr)
    get = ch.unary_unary(
        "/build.bazel.remote.execution.v2.ActionCache/GetActionResult",
        request_serializer=re.GetActionResultRequest.SerializeToString,
        response_deserializer=re.ActionResult.FromString)
    put = ch.unary_unary(
        "/build.bazel.remote.execution.v2.ActionCache/UpdateActionResult",
        request_serializer=re.UpdateActionResultRequest.SerializeToString,
        response_deserializer=re.ActionResult.FromString)
    result = get(re.GetActionResultRequest(action_digest=digest(src)), timeout=30)
    put(re.UpdateActionResultRequest(action_digest=digest(dst), action_result=result), timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
