#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A small REAPI v2 server for ricc's tests, speaking real gRPC.

It serves Capabilities, ContentAddressableStorage (FindMissingBlobs,
BatchUpdateBlobs, BatchReadBlobs), ByteStream (Read, Write, QueryWriteStatus),
ActionCache (GetActionResult, UpdateActionResult) and Execution (Execute,
WaitExecution: the input root is staged in a temporary directory and the
Command run there) from memory, on TCP and/or unix sockets, optionally with
TLS.  It can be told to misbehave, by flag or by the environment variable
named in brackets, so that the client's failure handling can be tested:

  --fail-first N        [RTS_FAIL_FIRST]   the first N calls fail UNAVAILABLE
  --delay-ms D          [RTS_DELAY_MS]     every call waits D ms first
  --corrupt             [RTS_CORRUPT]      blob data sent back has a flipped byte
  --bad-output-path P   [RTS_BAD_OUTPUT_PATH] ActionResults name output P
                                           ("../x", "/etc/x") as well
  --deny-ac-update      [RTS_DENY_AC_UPDATE] UpdateActionResult: PERMISSION_DENIED
  --max-batch BYTES     [RTS_MAX_BATCH]    max_batch_total_size_bytes announced
                                           (and enforced)
  --break-execute N     [RTS_BREAK_EXECUTE] the first N Execute streams break
                                           (UNAVAILABLE) after one Operation
  --break-streams N     [RTS_BREAK_STREAMS] the first N ByteStream Reads, and
                                           the first N Writes, break after one chunk
  --no-sha256           [RTS_NO_SHA256]    announce SHA-1 only
  --no-inline           [RTS_NO_INLINE]    GetActionResult inlines nothing,
                                           whatever is asked (the spec allows it)
  --fail-reads          [RTS_FAIL_READS]   BatchReadBlobs and ByteStream Read
                                           fail UNAVAILABLE (the rest works)
  --streams-without-digest [RTS_STREAMS_WITHOUT_DIGEST] stdout and stderr go
                                           out inline with no digest, as
                                           BuildGrid sends them (REAPI allows it)
  --no-execute          [RTS_NO_EXECUTE]   a cache only, as bazel-remote: no
                                           execution capabilities, Execute
                                           answers UNIMPLEMENTED
  --hang-execute        [RTS_HANG_EXECUTE] Execute and WaitExecution say
                                           EXECUTING, then nothing
  --check-result-blobs  [RTS_CHECK_RESULT_BLOBS] as BuildGrid: GetActionResult
                                           answers NOT_FOUND for a result naming
                                           a blob not in the CAS, the empty one
                                           included (held only once uploaded)
  --require-token T     [RTS_REQUIRE_TOKEN] demand "authorization: Bearer T"
  --record FILE         [RTS_RECORD]       one JSON line per call: method,
                                           authorization, RequestMetadata (and
                                           one per action run: its timeout)

Listening: --tcp HOST:PORT (port 0 picks one), --unix PATH, --tls-cert/
--tls-key (TCP becomes TLS), --tls-client-ca (client certificates required).
When ready it writes {"tcp": port, "unix": path} to --ready-file.

It runs with Debian's /usr/bin/python3 and its python3-grpcio and
python3-protobuf; the message modules are generated at start-up with protoc
from the project's proto/ (the project's wellknown.proto stand-in replaced by
the real google/protobuf files so the types are the library's own).
"""

import argparse
import concurrent.futures
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import grpc
from google.protobuf import empty_pb2

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO_DIR = os.path.join(HERE, "..", "..", "proto")
EMPTY_HASH = hashlib.sha256(b"").hexdigest()


def generate_modules(out_dir):
    """protoc the project's .proto files into out_dir, once per content."""
    files = []
    for root, _, names in os.walk(PROTO_DIR):
        for n in names:
            if n.endswith(".proto") and n != "wellknown.proto":
                files.append(os.path.relpath(os.path.join(root, n), PROTO_DIR))
    files.sort()
    h = hashlib.sha256()
    for f in files:
        with open(os.path.join(PROTO_DIR, f), "rb") as fp:
            h.update(f.encode() + b"\0" + fp.read())
    stamp = os.path.join(out_dir, "stamp")
    if os.path.exists(stamp) and open(stamp).read() == h.hexdigest():
        return
    src = tempfile.mkdtemp(prefix="rts-proto-")
    try:
        for f in files:
            with open(os.path.join(PROTO_DIR, f)) as fp:
                text = fp.read()
            text = text.replace(
                'import "google/protobuf/wellknown.proto";',
                'import "google/protobuf/any.proto";\n'
                'import "google/protobuf/duration.proto";\n'
                'import "google/protobuf/timestamp.proto";\n'
                'import "google/protobuf/wrappers.proto";')
            dst = os.path.join(src, f)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with open(dst, "w") as fp:
                fp.write(text)
        os.makedirs(out_dir, exist_ok=True)
        p = subprocess.run(["protoc", "-I" + src, "-I/usr/include",
                            "--python_out=" + out_dir] + files, capture_output=True, text=True)
        if p.returncode != 0:  # (its warnings about unused imports are noise)
            sys.exit("protoc failed:\n" + p.stderr)
        with open(stamp + ".tmp", "w") as fp:
            fp.write(h.hexdigest())
        os.rename(stamp + ".tmp", stamp)
    finally:
        shutil.rmtree(src)


def env_default(name, kind=str, default=None):
    v = os.environ.get(name)
    if v is None or v == "":
        return default
    if kind is bool:
        return v not in ("0", "false", "no")
    return kind(v)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--tcp", help="HOST:PORT to listen on (port 0: any)")
    p.add_argument("--unix", help="unix socket path to listen on")
    p.add_argument("--ready-file", help="written when listening")
    p.add_argument("--pb-dir", default=os.environ.get("RTS_PB_DIR"),
                   help="where generated modules are kept (default: a temp dir)")
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--tls-client-ca")
    p.add_argument("--fail-first", type=int, default=env_default("RTS_FAIL_FIRST", int, 0))
    p.add_argument("--delay-ms", type=int, default=env_default("RTS_DELAY_MS", int, 0))
    p.add_argument("--corrupt", action="store_true", default=env_default("RTS_CORRUPT", bool, False))
    p.add_argument("--bad-output-path", default=env_default("RTS_BAD_OUTPUT_PATH"))
    p.add_argument("--deny-ac-update", action="store_true",
                   default=env_default("RTS_DENY_AC_UPDATE", bool, False))
    p.add_argument("--max-batch", type=int, default=env_default("RTS_MAX_BATCH", int, 4 << 20))
    p.add_argument("--break-execute", type=int, default=env_default("RTS_BREAK_EXECUTE", int, 0))
    p.add_argument("--break-streams", type=int, default=env_default("RTS_BREAK_STREAMS", int, 0))
    p.add_argument("--no-sha256", action="store_true", default=env_default("RTS_NO_SHA256", bool, False))
    p.add_argument("--no-inline", action="store_true", default=env_default("RTS_NO_INLINE", bool, False))
    p.add_argument("--fail-reads", action="store_true", default=env_default("RTS_FAIL_READS", bool, False))
    p.add_argument("--streams-without-digest", action="store_true",
                   default=env_default("RTS_STREAMS_WITHOUT_DIGEST", bool, False))
    p.add_argument("--no-execute", action="store_true", default=env_default("RTS_NO_EXECUTE", bool, False),
                   help="a cache only, as bazel-remote: no execution capabilities, Execute UNIMPLEMENTED")
    p.add_argument("--hang-execute", action="store_true",
                   default=env_default("RTS_HANG_EXECUTE", bool, False),
                   help="Execute and WaitExecution say EXECUTING, then nothing until the client leaves")
    p.add_argument("--check-result-blobs", action="store_true",
                   default=env_default("RTS_CHECK_RESULT_BLOBS", bool, False),
                   help="as BuildGrid: a result naming a blob not in the CAS is NOT_FOUND, "
                        "and the empty blob is there only once uploaded")
    p.add_argument("--require-token", default=env_default("RTS_REQUIRE_TOKEN"))
    p.add_argument("--record", default=env_default("RTS_RECORD"))
    return p.parse_args()


class Server:
    def __init__(self, args, pb):
        self.a = args
        self.pb = pb
        self.cas = {}            # hash -> bytes
        self.ac = {}             # action hash -> ActionResult bytes
        self.uploads = {}        # resource name -> bytearray (partial writes)
        self.ops = {}            # operation name -> threading.Event, [ExecuteResponse]
        self.hung = set()        # operations --hang-execute never finishes
        self.cancelled = set()   # ... of which a client gave up on (CancelOperation)
        self.lock = threading.Lock()
        self.calls = 0
        self.exec_breaks = args.break_execute
        self.read_breaks = self.write_breaks = args.break_streams

    # ---- every call goes through here ----

    def admit(self, method, context):
        md = dict(context.invocation_metadata())
        if self.a.record:
            rec = {"method": method, "authorization": md.get("authorization")}
            raw = md.get("build.bazel.remote.execution.v2.requestmetadata-bin")
            if raw is not None:
                rm = self.pb.RequestMetadata.FromString(raw)
                rec.update(tool=rm.tool_details.tool_name, version=rm.tool_details.tool_version,
                           action_id=rm.action_id, invocation=rm.tool_invocation_id,
                           correlated=rm.correlated_invocations_id)
            with self.lock, open(self.a.record, "a") as fp:
                fp.write(json.dumps(rec) + "\n")
        if self.a.delay_ms:
            time.sleep(self.a.delay_ms / 1000.0)
        with self.lock:
            self.calls += 1
            failing = self.calls <= self.a.fail_first
        if failing:
            context.abort(grpc.StatusCode.UNAVAILABLE, "test server: failing the first calls")
        if self.a.fail_reads and method in ("BatchReadBlobs", "Read"):
            context.abort(grpc.StatusCode.UNAVAILABLE, "test server: reads are failing")
        if self.a.require_token and md.get("authorization") != "Bearer " + self.a.require_token:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "test server: bad or missing token")

    def take(self, what):
        """Consume one scheduled break of kind `what`; True if it applies."""
        with self.lock:
            if getattr(self, what) > 0:
                setattr(self, what, getattr(self, what) - 1)
                return True
        return False

    def out(self, data):
        """Blob data on its way out: corrupted when told to."""
        if self.a.corrupt and data:
            return bytes([data[0] ^ 0xFF]) + data[1:]
        return data

    def put(self, data):
        h = hashlib.sha256(data).hexdigest()
        self.cas[h] = bytes(data)
        return self.pb.Digest(hash=h, size_bytes=len(data))

    def has(self, d):
        stored = d.hash in self.cas and len(self.cas[d.hash]) == d.size_bytes
        return stored or (d.hash == EMPTY_HASH and not self.a.check_result_blobs)

    def get(self, d):
        return b"" if d.hash == EMPTY_HASH else self.cas.get(d.hash)

    # ---- Capabilities ----

    def GetCapabilities(self, req, context):
        pb = self.pb
        fn = pb.DigestFunction.SHA1 if self.a.no_sha256 else pb.DigestFunction.SHA256
        return pb.ServerCapabilities(
            cache_capabilities=pb.CacheCapabilities(
                digest_functions=[fn], max_batch_total_size_bytes=self.a.max_batch,
                action_cache_update_capabilities=pb.ActionCacheUpdateCapabilities(
                    update_enabled=not self.a.deny_ac_update)),
            execution_capabilities=None if self.a.no_execute else
            pb.ExecutionCapabilities(digest_function=fn, exec_enabled=True))

    # ---- CAS ----

    def FindMissingBlobs(self, req, context):
        return self.pb.FindMissingBlobsResponse(
            missing_blob_digests=[d for d in req.blob_digests if not self.has(d)])

    def check_batch(self, total, context):
        if total > self.a.max_batch:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                          "test server: batch of %d bytes over the limit %d" % (total, self.a.max_batch))

    def BatchUpdateBlobs(self, req, context):
        self.check_batch(sum(len(r.data) for r in req.requests), context)
        resp = self.pb.BatchUpdateBlobsResponse()
        for r in req.requests:
            code, msg = 0, ""
            if hashlib.sha256(r.data).hexdigest() != r.digest.hash or len(r.data) != r.digest.size_bytes:
                code, msg = grpc.StatusCode.INVALID_ARGUMENT.value[0], "digest mismatch"
            else:
                self.put(r.data)
            resp.responses.add(digest=r.digest, status=self.pb.Status(code=code, message=msg))
        return resp

    def BatchReadBlobs(self, req, context):
        self.check_batch(sum(d.size_bytes for d in req.digests), context)
        resp = self.pb.BatchReadBlobsResponse()
        for d in req.digests:
            data = self.get(d)
            if data is None:
                resp.responses.add(digest=d, status=self.pb.Status(
                    code=grpc.StatusCode.NOT_FOUND.value[0], message="not found"))
            else:
                resp.responses.add(digest=d, data=self.out(data), status=self.pb.Status(code=0))
        return resp

    # ---- ByteStream ----

    @staticmethod
    def parse_resource(name):
        m = re.search(r"blobs/([0-9a-f]{64})/(\d+)$", name)
        return (m.group(1), int(m.group(2))) if m else (None, None)

    def Read(self, req, context):
        h, size = self.parse_resource(req.resource_name)
        data = self.get(self.pb.Digest(hash=h or "", size_bytes=size or 0))
        if data is None:
            context.abort(grpc.StatusCode.NOT_FOUND, "test server: no blob " + req.resource_name)
        data = self.out(data)
        off = req.read_offset
        breaking = self.take("read_breaks")
        chunk = 64 * 1024
        while off < len(data):
            yield self.pb.ReadResponse(data=data[off:off + chunk])
            off += chunk
            if breaking:
                context.abort(grpc.StatusCode.UNAVAILABLE, "test server: breaking the Read")

    def Write(self, req_iter, context):
        name = None
        breaking = self.take("write_breaks")
        for req in req_iter:
            if req.resource_name:
                name = req.resource_name
            h, size = self.parse_resource(name or "")
            if h is None:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, "test server: bad resource name")
            if h in self.cas:  # already have it: finish early
                return self.pb.WriteResponse(committed_size=size)
            buf = self.uploads.setdefault(name, bytearray())
            if req.write_offset != len(buf):
                context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                              "test server: write at %d, have %d" % (req.write_offset, len(buf)))
            buf += req.data
            if breaking:
                context.abort(grpc.StatusCode.UNAVAILABLE, "test server: breaking the Write")
            if req.finish_write:
                data = bytes(self.uploads.pop(name))
                if hashlib.sha256(data).hexdigest() != h or len(data) != size:
                    context.abort(grpc.StatusCode.INVALID_ARGUMENT, "test server: digest mismatch")
                self.put(data)
                return self.pb.WriteResponse(committed_size=len(data))
        context.abort(grpc.StatusCode.INVALID_ARGUMENT, "test server: write not finished")

    def QueryWriteStatus(self, req, context):
        h, size = self.parse_resource(req.resource_name)
        if h in self.cas:
            return self.pb.QueryWriteStatusResponse(committed_size=size, complete=True)
        if req.resource_name not in self.uploads:
            context.abort(grpc.StatusCode.NOT_FOUND, "test server: no such upload")
        return self.pb.QueryWriteStatusResponse(committed_size=len(self.uploads[req.resource_name]))

    # ---- ActionCache ----

    def doctor(self, result):
        """Apply --bad-output-path and --corrupt to an ActionResult going out."""
        if self.a.bad_output_path:
            result.output_files.add(path=self.a.bad_output_path, digest=self.put(b"evil\n"))
        return self.streams(result)

    def streams(self, result):
        """--streams-without-digest: stdout and stderr inline, no digest."""
        if self.a.streams_without_digest:
            for name in ("stdout", "stderr"):
                d = getattr(result, name + "_digest")
                if d.size_bytes:
                    setattr(result, name + "_raw", self.get(d))
                result.ClearField(name + "_digest")
        return result

    def GetActionResult(self, req, context):
        raw = self.ac.get(req.action_digest.hash)
        if raw is None:
            context.abort(grpc.StatusCode.NOT_FOUND, "test server: no such action")
        result = self.pb.ActionResult.FromString(raw)
        if self.a.check_result_blobs:
            named = [f.digest for f in result.output_files]
            named += [d for d in (result.stdout_digest, result.stderr_digest) if d.hash]
            if not all(self.has(d) for d in named):
                context.abort(grpc.StatusCode.NOT_FOUND, "test server: a blob of the result is missing")
        # Inline what was asked for while it fits in the batch limit, as real
        # servers do (the spec lets a server inline less than requested), so
        # that a small --max-batch makes clients fetch with ByteStream.
        budget = [0 if self.a.no_inline else self.a.max_batch]

        def fits(d):
            if d.size_bytes > budget[0]:
                return False
            budget[0] -= d.size_bytes
            return True
        if req.inline_stdout and result.stdout_digest.size_bytes and fits(result.stdout_digest):
            result.stdout_raw = self.out(self.get(result.stdout_digest))
        if req.inline_stderr and result.stderr_digest.size_bytes and fits(result.stderr_digest):
            result.stderr_raw = self.out(self.get(result.stderr_digest))
        for f in result.output_files:
            if f.path in req.inline_output_files and f.digest.size_bytes and fits(f.digest):
                f.contents = self.out(self.get(f.digest))
        return self.doctor(result)

    def UpdateActionResult(self, req, context):
        if self.a.deny_ac_update:
            context.abort(grpc.StatusCode.PERMISSION_DENIED, "test server: updates are disabled")
        self.ac[req.action_digest.hash] = req.action_result.SerializeToString()
        return req.action_result

    # ---- Execution ----

    def stage(self, dir_digest, path):
        d = self.pb.Directory.FromString(self.get(dir_digest))
        os.makedirs(path, exist_ok=True)
        for f in d.files:
            p = os.path.join(path, f.name)
            with open(p, "wb") as fp:
                fp.write(self.get(f.digest))
            os.chmod(p, 0o755 if f.is_executable else 0o644)
        for s in d.symlinks:
            os.symlink(s.target, os.path.join(path, s.name))
        for sub in d.directories:
            self.stage(sub.digest, os.path.join(path, sub.name))

    def tree_of(self, path):
        """A Tree message for an output directory."""
        pb = self.pb
        children = []

        def walk(p):
            d = pb.Directory()
            for name in sorted(os.listdir(p)):
                full = os.path.join(p, name)
                if os.path.islink(full):
                    d.symlinks.add(name=name, target=os.readlink(full))
                elif os.path.isdir(full):
                    sub = walk(full)
                    children.append(sub)
                    d.directories.add(name=name, digest=self.put(sub.SerializeToString()))
                else:
                    with open(full, "rb") as fp:
                        d.files.add(name=name, digest=self.put(fp.read()),
                                    is_executable=os.access(full, os.X_OK))
            return d
        root = walk(path)
        return pb.Tree(root=root, children=children)

    def run_action(self, action_digest):
        """Stage, run, collect.  Returns an ExecuteResponse."""
        pb = self.pb
        raw = self.get(action_digest)
        if raw is None:
            return pb.ExecuteResponse(status=pb.Status(
                code=grpc.StatusCode.FAILED_PRECONDITION.value[0], message="action not in CAS"))
        action = pb.Action.FromString(raw)
        cmd_raw = self.get(action.command_digest)
        missing = cmd_raw is None or self.get(action.input_root_digest) is None
        if missing:
            return pb.ExecuteResponse(status=pb.Status(
                code=grpc.StatusCode.FAILED_PRECONDITION.value[0], message="inputs not in CAS"))
        cmd = pb.Command.FromString(cmd_raw)
        top = tempfile.mkdtemp(prefix="rts-exec-")
        try:
            root = os.path.join(top, "root")
            self.stage(action.input_root_digest, root)
            wd = os.path.join(root, cmd.working_directory)
            os.makedirs(wd, exist_ok=True)
            outputs = list(cmd.output_paths) or list(cmd.output_files) + list(cmd.output_directories)
            for o in outputs:
                os.makedirs(os.path.dirname(os.path.join(wd, o)) or wd, exist_ok=True)
            env = {e.name: e.value for e in cmd.environment_variables}
            env.setdefault("PATH", os.environ.get("PATH", "/usr/bin:/bin"))
            timeout = action.timeout.seconds if action.HasField("timeout") else None
            if self.a.record:
                with self.lock, open(self.a.record, "a") as fp:
                    fp.write(json.dumps({"method": "(run)", "timeout": timeout}) + "\n")
            try:
                p = subprocess.run(list(cmd.arguments), cwd=wd, env=env, capture_output=True,
                                   timeout=timeout)
            except subprocess.TimeoutExpired:
                return pb.ExecuteResponse(status=pb.Status(
                    code=grpc.StatusCode.DEADLINE_EXCEEDED.value[0],
                    message="test server: the action's timeout expired"))
            result = pb.ActionResult(exit_code=p.returncode,
                                     stdout_digest=self.put(p.stdout),
                                     stderr_digest=self.put(p.stderr))
            for o in sorted(outputs):
                full = os.path.join(wd, o)
                if os.path.islink(full):
                    result.output_symlinks.add(path=o, target=os.readlink(full))
                elif os.path.isdir(full):
                    tree = self.tree_of(full)
                    result.output_directories.add(path=o, tree_digest=self.put(tree.SerializeToString()))
                elif os.path.isfile(full):
                    with open(full, "rb") as fp:
                        result.output_files.add(path=o, digest=self.put(fp.read()),
                                                is_executable=os.access(full, os.X_OK))
            if p.returncode == 0 and not action.do_not_cache:
                self.ac[action_digest.hash] = result.SerializeToString()
            return pb.ExecuteResponse(result=self.doctor(result), status=pb.Status(code=0))
        except (OSError, ValueError) as e:
            return pb.ExecuteResponse(status=pb.Status(
                code=grpc.StatusCode.INTERNAL.value[0], message="test server: " + str(e)))
        finally:
            shutil.rmtree(top, ignore_errors=True)

    def operation(self, name, stage, response=None):
        pb = self.pb
        op = pb.Operation(name=name)
        op.metadata.Pack(pb.ExecuteOperationMetadata(stage=stage))
        if response is not None:
            op.done = True
            op.response.Pack(response)
        return op

    def hang(self, name, context):
        """Say EXECUTING, then nothing, for as long as the client waits (or
        until the operation is cancelled)."""
        with self.lock:
            self.hung.add(name)
        yield self.operation(name, self.pb.ExecutionStage.EXECUTING)
        while context.is_active() and name not in self.cancelled:
            time.sleep(0.1)

    def CancelOperation(self, req, context):
        """Cancel an operation this server knows (a hung one); the call
        record gets a "CancelledOperation" line only then, so a client that
        names no operation, or another, is seen."""
        with self.lock:
            known = req.name in self.hung
            if known:
                self.cancelled.add(req.name)
        if not known:
            context.abort(grpc.StatusCode.NOT_FOUND, "test server: no operation " + req.name)
        if self.a.record:
            with self.lock, open(self.a.record, "a") as fp:
                fp.write(json.dumps({"method": "CancelledOperation"}) + "\n")
        return empty_pb2.Empty()

    def Execute(self, req, context):
        pb = self.pb
        name = "operations/" + str(uuid.uuid4())
        if self.a.no_execute:
            context.abort(grpc.StatusCode.UNIMPLEMENTED, "test server: no Execution service")
        if self.a.hang_execute:
            yield from self.hang(name, context)
            return
        if not req.skip_cache_lookup and req.action_digest.hash in self.ac:
            result = pb.ActionResult.FromString(self.ac[req.action_digest.hash])
            yield self.operation(name, pb.ExecutionStage.COMPLETED,
                                 pb.ExecuteResponse(result=self.doctor(result), cached_result=True,
                                                    status=pb.Status(code=0)))
            return
        done = threading.Event()
        slot = []
        with self.lock:
            self.ops[name] = (done, slot)

        def work():
            resp = self.run_action(req.action_digest)
            if resp.HasField("result"):
                self.streams(resp.result)
            slot.append(resp)
            done.set()
        threading.Thread(target=work, daemon=True).start()
        yield self.operation(name, pb.ExecutionStage.EXECUTING)
        if self.take("exec_breaks"):
            context.abort(grpc.StatusCode.UNAVAILABLE, "test server: breaking the Execute stream")
        done.wait()
        yield self.operation(name, pb.ExecutionStage.COMPLETED, slot[0])

    def WaitExecution(self, req, context):
        if self.a.hang_execute:
            yield from self.hang(req.name, context)
            return
        with self.lock:
            entry = self.ops.get(req.name)
        if entry is None:
            context.abort(grpc.StatusCode.NOT_FOUND, "test server: no operation " + req.name)
        done, slot = entry
        done.wait()
        yield self.operation(req.name, self.pb.ExecutionStage.COMPLETED, slot[0])


def handlers(srv, pb):
    """grpc generic handlers for every method, each behind srv.admit()."""
    def wrap(method, fn, streaming_out):
        if streaming_out:
            def h(req, context):
                srv.admit(method, context)
                yield from fn(req, context)
        else:
            def h(req, context):
                srv.admit(method, context)
                return fn(req, context)
        return h

    table = {
        "build.bazel.remote.execution.v2.Capabilities": [
            ("GetCapabilities", "uu", pb.GetCapabilitiesRequest, pb.ServerCapabilities)],
        "build.bazel.remote.execution.v2.ContentAddressableStorage": [
            ("FindMissingBlobs", "uu", pb.FindMissingBlobsRequest, pb.FindMissingBlobsResponse),
            ("BatchUpdateBlobs", "uu", pb.BatchUpdateBlobsRequest, pb.BatchUpdateBlobsResponse),
            ("BatchReadBlobs", "uu", pb.BatchReadBlobsRequest, pb.BatchReadBlobsResponse)],
        "build.bazel.remote.execution.v2.ActionCache": [
            ("GetActionResult", "uu", pb.GetActionResultRequest, pb.ActionResult),
            ("UpdateActionResult", "uu", pb.UpdateActionResultRequest, pb.ActionResult)],
        "build.bazel.remote.execution.v2.Execution": [
            ("Execute", "us", pb.ExecuteRequest, pb.Operation),
            ("WaitExecution", "us", pb.WaitExecutionRequest, pb.Operation)],
        "google.longrunning.Operations": [
            ("CancelOperation", "uu", pb.CancelOperationRequest, empty_pb2.Empty)],
        "google.bytestream.ByteStream": [
            ("Read", "us", pb.ReadRequest, pb.ReadResponse),
            ("Write", "su", pb.WriteRequest, pb.WriteResponse),
            ("QueryWriteStatus", "uu", pb.QueryWriteStatusRequest, pb.QueryWriteStatusResponse)],
    }
    out = []
    for service, methods in table.items():
        hs = {}
        for name, kind, req, resp in methods:
            fn = getattr(srv, name)
            kw = dict(request_deserializer=req.FromString, response_serializer=resp.SerializeToString)
            if kind == "uu":
                hs[name] = grpc.unary_unary_rpc_method_handler(wrap(name, fn, False), **kw)
            elif kind == "us":
                hs[name] = grpc.unary_stream_rpc_method_handler(wrap(name, fn, True), **kw)
            else:
                hs[name] = grpc.stream_unary_rpc_method_handler(wrap(name, fn, False), **kw)
        out.append(grpc.method_handlers_generic_handler(service, hs))
    return out


class Messages:
    """Every message class of the generated modules, by short name."""
    def __init__(self, pb_dir):
        sys.path.insert(0, pb_dir)
        from build.bazel.remote.execution.v2 import remote_execution_pb2 as re_pb2
        from google.bytestream import bytestream_pb2 as bs_pb2
        from google.longrunning import operations_pb2 as op_pb2
        from google.rpc import status_pb2
        for mod in (re_pb2, bs_pb2, op_pb2, status_pb2):
            for name in mod.DESCRIPTOR.message_types_by_name:
                setattr(self, name, getattr(mod, name))


def main():
    a = parse_args()
    tmp_pb = None
    pb_dir = a.pb_dir
    if not pb_dir:
        pb_dir = tmp_pb = tempfile.mkdtemp(prefix="rts-pb-")
    generate_modules(pb_dir)
    pb = Messages(pb_dir)
    srv = Server(a, pb)
    server = grpc.server(concurrent.futures.ThreadPoolExecutor(max_workers=32),
                         options=[("grpc.max_receive_message_length", 64 << 20),
                                  ("grpc.max_send_message_length", 64 << 20)])
    server.add_generic_rpc_handlers(handlers(srv, pb))
    ready = {}
    if a.tcp:
        if a.tls_cert:
            key = open(a.tls_key, "rb").read()
            cert = open(a.tls_cert, "rb").read()
            ca = open(a.tls_client_ca, "rb").read() if a.tls_client_ca else None
            creds = grpc.ssl_server_credentials([(key, cert)], root_certificates=ca,
                                                require_client_auth=ca is not None)
            ready["tcp"] = server.add_secure_port(a.tcp, creds)
        else:
            ready["tcp"] = server.add_insecure_port(a.tcp)
    if a.unix:
        server.add_insecure_port("unix:" + a.unix)
        ready["unix"] = a.unix
    server.start()
    if a.ready_file:
        with open(a.ready_file + ".tmp", "w") as fp:
            json.dump(ready, fp)
        os.rename(a.ready_file + ".tmp", a.ready_file)
    else:
        print(json.dumps(ready), flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    # Python runs handlers in the main thread, but the kernel may deliver
    # the signal to one of gRPC's threads; a main thread asleep in an
    # untimed wait would then never run the handler, and the test that
    # stops this server would wait for it forever.  So wake up to look.
    while not stop.wait(0.05):
        pass
    server.stop(0)
    if tmp_pb:
        shutil.rmtree(tmp_pb, ignore_errors=True)


if __name__ == "__main__":
    main()
