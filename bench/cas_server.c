/* SPDX-License-Identifier: Apache-2.0 */
/* cas_server.c — a small native REAPI cache server, for bench/remote-hit.sh.
 *
 *   cas_server --unix PATH --ready-file FILE
 *
 * Why: a remote hit's wait is mostly the server's.  tests/remote/server.py
 * is Python (grpcio hands each call from its polling thread to a worker
 * thread and back), so on an idle machine its own wake-ups are a large part
 * of every remote figure.  This server answers the cache calls a remote hit
 * and its upload make the way a native server would: one thread that polls
 * the completion queue and answers each call in place.  The bench runs the
 * remote rows against both, so the client's share and the server's can be
 * told apart.
 *
 * What it serves, in memory: Capabilities.GetCapabilities,
 * ActionCache.GetActionResult (inlining the outputs, stdout and stderr asked
 * for, up to INLINE_CAP bytes) and UpdateActionResult,
 * ContentAddressableStorage.FindMissingBlobs, BatchUpdateBlobs (every blob
 * checked against its digest) and BatchReadBlobs.  Anything else is
 * UNIMPLEMENTED: there is no ByteStream and no Execute, which is why the
 * test suite keeps using server.py.  It runs until killed. */
#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <malloc.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/bazel/remote/execution/v2/remote_execution.pb-c.h"

#define INLINE_CAP (4 << 20)
#define BATCH_MAX (4 << 20)
#define BUCKETS 4096

#define PB(x) Build__Bazel__Remote__Execution__V2__##x
#define PB_INIT(X) BUILD__BAZEL__REMOTE__EXECUTION__V2__##X##__INIT
#define DESC(x) build__bazel__remote__execution__v2__##x##__descriptor

/* n + 1 zeroed elements of size, or abort (a bench server has no plan B). */
static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n + 1, size);
    if (!p)
        abort();
    return p;
}

/* ---- the two stores: hash (hex) → bytes ---- */

typedef struct ent {
    char key[65];
    uint8_t *val;
    size_t len;
    struct ent *next;
} ent;

static ent *cas[BUCKETS], *ac[BUCKETS];

static unsigned bucket(const char *key)
{
    unsigned h = 2166136261u;
    for (; *key; key++)
        h = (h ^ (unsigned char)*key) * 16777619u;
    return h % BUCKETS;
}

static ent *find(ent **table, const char *key)
{
    for (ent *e = table[bucket(key)]; e; e = e->next)
        if (strcmp(e->key, key) == 0)
            return e;
    return NULL;
}

static void put(ent **table, const char *key, const void *val, size_t len)
{
    if (strlen(key) != 64)
        return;
    ent *e = find(table, key);
    if (!e) {
        e = xcalloc(0, sizeof *e);
        memcpy(e->key, key, 65);
        unsigned b = bucket(key);
        e->next = table[b];
        table[b] = e;
    }
    free(e->val);
    e->val = malloc(len ? len : 1);
    if (!e->val)
        abort();
    memcpy(e->val, val, len);
    e->len = len;
}

/* The blob of d, or NULL.  The empty blob is always there. */
static const ent *blob(const PB(Digest) *d)
{
    static ent empty = {"", (uint8_t *)"", 0, NULL};
    if (!d || !d->hash)
        return NULL;
    if (d->size_bytes == 0)
        return &empty;
    const ent *e = find(cas, d->hash);
    return e && (int64_t)e->len == d->size_bytes ? e : NULL;
}

static int digest_matches(const PB(Digest) *d, const uint8_t *data, size_t len)
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    char hex[65];
    SHA256(data, len, md);
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
        sprintf(hex + 2 * i, "%02x", md[i]);
    return d && d->hash && (int64_t)len == d->size_bytes && strcmp(hex, d->hash) == 0;
}

/* ---- the calls ---- */

/* One call's answer: a packed message (NULL with a status other than OK). */
typedef struct answer {
    uint8_t *msg;
    size_t len;
    grpc_status_code code;
    const char *why;
} answer;

static void pack(answer *a, const ProtobufCMessage *m)
{
    a->len = protobuf_c_message_get_packed_size(m);
    a->msg = malloc(a->len ? a->len : 1);
    if (!a->msg)
        abort();
    protobuf_c_message_pack(m, a->msg);
}

/* The request, unpacked; NULL (and the answer INVALID_ARGUMENT) when it
 * does not parse. */
static void *request(answer *a, const ProtobufCMessageDescriptor *d, const uint8_t *in, size_t len)
{
    void *m = protobuf_c_message_unpack(d, NULL, len, in);
    if (!m) {
        a->code = GRPC_STATUS_INVALID_ARGUMENT;
        a->why = "cas_server: bad request";
    }
    return m;
}

static void done(void *req)
{
    protobuf_c_message_free_unpacked(req, NULL);
}

static void capabilities(answer *a)
{
    PB(DigestFunction__Value) fn =
        BUILD__BAZEL__REMOTE__EXECUTION__V2__DIGEST_FUNCTION__VALUE__SHA256;
    PB(ActionCacheUpdateCapabilities) up = PB_INIT(ACTION_CACHE_UPDATE_CAPABILITIES);
    up.update_enabled = 1;
    PB(CacheCapabilities) cc = PB_INIT(CACHE_CAPABILITIES);
    cc.n_digest_functions = 1;
    cc.digest_functions = &fn;
    cc.action_cache_update_capabilities = &up;
    cc.max_batch_total_size_bytes = BATCH_MAX;
    Build__Bazel__Semver__SemVer lo = BUILD__BAZEL__SEMVER__SEM_VER__INIT;
    Build__Bazel__Semver__SemVer hi = BUILD__BAZEL__SEMVER__SEM_VER__INIT;
    lo.major = 2;
    hi.major = 2;
    hi.minor = 3;
    PB(ServerCapabilities) caps = PB_INIT(SERVER_CAPABILITIES);
    caps.cache_capabilities = &cc;
    caps.low_api_version = &lo;
    caps.high_api_version = &hi;
    pack(a, &caps.base);
}

static int asked(const PB(GetActionResultRequest) *req, const char *path)
{
    for (size_t i = 0; path && i < req->n_inline_output_files; i++)
        if (strcmp(req->inline_output_files[i], path) == 0)
            return 1;
    return 0;
}

/* Point *field at d's blob when asked, present, and within *budget. */
static int inline_blob(ProtobufCBinaryData *field, const PB(Digest) *d, size_t *budget)
{
    const ent *e = d && d->size_bytes > 0 ? blob(d) : NULL;
    if (!e || e->len > *budget)
        return 0;
    *budget -= e->len;
    field->data = e->val;
    field->len = e->len;
    return 1;
}

static void get_action_result(answer *a, const uint8_t *in, size_t in_len)
{
    PB(GetActionResultRequest) *req = request(a, &DESC(get_action_result_request), in, in_len);
    if (!req)
        return;
    const ent *e = req->action_digest && req->action_digest->hash
                       ? find(ac, req->action_digest->hash)
                       : NULL;
    PB(ActionResult) *r = e ? (PB(ActionResult) *)protobuf_c_message_unpack(
                                  &DESC(action_result), NULL, e->len, e->val)
                            : NULL;
    if (!r) {
        a->code = GRPC_STATUS_NOT_FOUND;
        a->why = "cas_server: no such action";
    } else {
        /* The inlined bytes point into the store: they are unset again
         * before the message is freed. */
        size_t budget = INLINE_CAP;
        ProtobufCBinaryData out = r->stdout_raw, err = r->stderr_raw;
        int set_out = req->inline_stdout && !out.len &&
                      inline_blob(&r->stdout_raw, r->stdout_digest, &budget);
        int set_err = req->inline_stderr && !err.len &&
                      inline_blob(&r->stderr_raw, r->stderr_digest, &budget);
        char *set = xcalloc(r->n_output_files, 1);
        for (size_t i = 0; i < r->n_output_files; i++) {
            PB(OutputFile) *f = r->output_files[i];
            if (!f->contents.len && asked(req, f->path))
                set[i] = (char)inline_blob(&f->contents, f->digest, &budget);
        }
        pack(a, &r->base);
        for (size_t i = 0; i < r->n_output_files; i++)
            if (set[i])
                r->output_files[i]->contents = (ProtobufCBinaryData){0, NULL};
        if (set_out)
            r->stdout_raw = out;
        if (set_err)
            r->stderr_raw = err;
        free(set);
    }
    if (r)
        done(r);
    done(req);
}

static void update_action_result(answer *a, const uint8_t *in, size_t in_len)
{
    PB(UpdateActionResultRequest) *req =
        request(a, &DESC(update_action_result_request), in, in_len);
    if (!req)
        return;
    if (!req->action_digest || !req->action_digest->hash || !req->action_result) {
        a->code = GRPC_STATUS_INVALID_ARGUMENT;
        a->why = "cas_server: no action digest or result";
    } else {
        pack(a, &req->action_result->base);
        put(ac, req->action_digest->hash, a->msg, a->len);
    }
    done(req);
}

static void find_missing(answer *a, const uint8_t *in, size_t in_len)
{
    PB(FindMissingBlobsRequest) *req = request(a, &DESC(find_missing_blobs_request), in, in_len);
    if (!req)
        return;
    PB(FindMissingBlobsResponse) resp = PB_INIT(FIND_MISSING_BLOBS_RESPONSE);
    resp.missing_blob_digests = xcalloc(req->n_blob_digests, sizeof *resp.missing_blob_digests);
    for (size_t i = 0; i < req->n_blob_digests; i++)
        if (!blob(req->blob_digests[i]))
            resp.missing_blob_digests[resp.n_missing_blob_digests++] = req->blob_digests[i];
    pack(a, &resp.base);
    free(resp.missing_blob_digests);
    done(req);
}

static void batch_update(answer *a, const uint8_t *in, size_t in_len)
{
    PB(BatchUpdateBlobsRequest) *req = request(a, &DESC(batch_update_blobs_request), in, in_len);
    if (!req)
        return;
    size_t n = req->n_requests;
    PB(BatchUpdateBlobsResponse) resp = PB_INIT(BATCH_UPDATE_BLOBS_RESPONSE);
    PB(BatchUpdateBlobsResponse__Response) *rs = xcalloc(n, sizeof *rs);
    PB(BatchUpdateBlobsResponse__Response) **rp = xcalloc(n, sizeof *rp);
    Google__Rpc__Status *st = xcalloc(n, sizeof *st);
    for (size_t i = 0; i < n; i++) {
        const PB(BatchUpdateBlobsRequest__Request) *q = req->requests[i];
        PB(BatchUpdateBlobsResponse__Response) init =
            PB_INIT(BATCH_UPDATE_BLOBS_RESPONSE__RESPONSE);
        Google__Rpc__Status sinit = GOOGLE__RPC__STATUS__INIT;
        rs[i] = init;
        st[i] = sinit;
        rs[i].digest = q->digest;
        rs[i].status = &st[i];
        if (digest_matches(q->digest, q->data.data, q->data.len)) {
            put(cas, q->digest->hash, q->data.data, q->data.len);
        } else {
            st[i].code = GRPC_STATUS_INVALID_ARGUMENT;
            st[i].message = "cas_server: blob does not match its digest";
        }
        rp[i] = &rs[i];
    }
    resp.n_responses = n;
    resp.responses = rp;
    pack(a, &resp.base);
    free(rs);
    free(rp);
    free(st);
    done(req);
}

static void batch_read(answer *a, const uint8_t *in, size_t in_len)
{
    PB(BatchReadBlobsRequest) *req = request(a, &DESC(batch_read_blobs_request), in, in_len);
    if (!req)
        return;
    size_t n = req->n_digests;
    PB(BatchReadBlobsResponse) resp = PB_INIT(BATCH_READ_BLOBS_RESPONSE);
    PB(BatchReadBlobsResponse__Response) *rs = xcalloc(n, sizeof *rs);
    PB(BatchReadBlobsResponse__Response) **rp = xcalloc(n, sizeof *rp);
    Google__Rpc__Status *st = xcalloc(n, sizeof *st);
    for (size_t i = 0; i < n; i++) {
        PB(BatchReadBlobsResponse__Response) init = PB_INIT(BATCH_READ_BLOBS_RESPONSE__RESPONSE);
        Google__Rpc__Status sinit = GOOGLE__RPC__STATUS__INIT;
        rs[i] = init;
        st[i] = sinit;
        rs[i].digest = req->digests[i];
        rs[i].status = &st[i];
        const ent *e = blob(req->digests[i]);
        if (e) {
            rs[i].data.data = e->val;
            rs[i].data.len = e->len;
        } else {
            st[i].code = GRPC_STATUS_NOT_FOUND;
            st[i].message = "cas_server: no such blob";
        }
        rp[i] = &rs[i];
    }
    resp.n_responses = n;
    resp.responses = rp;
    pack(a, &resp.base);
    free(rs);
    free(rp);
    free(st);
    done(req);
}

#define SVC "/build.bazel.remote.execution.v2."

static void dispatch(grpc_slice method, const uint8_t *in, size_t len, answer *a)
{
    if (grpc_slice_str_cmp(method, SVC "Capabilities/GetCapabilities") == 0)
        capabilities(a);
    else if (grpc_slice_str_cmp(method, SVC "ActionCache/GetActionResult") == 0)
        get_action_result(a, in, len);
    else if (grpc_slice_str_cmp(method, SVC "ActionCache/UpdateActionResult") == 0)
        update_action_result(a, in, len);
    else if (grpc_slice_str_cmp(method, SVC "ContentAddressableStorage/FindMissingBlobs") == 0)
        find_missing(a, in, len);
    else if (grpc_slice_str_cmp(method, SVC "ContentAddressableStorage/BatchUpdateBlobs") == 0)
        batch_update(a, in, len);
    else if (grpc_slice_str_cmp(method, SVC "ContentAddressableStorage/BatchReadBlobs") == 0)
        batch_read(a, in, len);
    else {
        a->code = GRPC_STATUS_UNIMPLEMENTED;
        a->why = "cas_server: not served here";
    }
}

/* ---- the completion-queue loop ---- */

/* A call goes NEW (asked for) → RECEIVED (request read) → DONE (answered). */
enum { NEW, RECEIVED, DONE };

typedef struct rpc {
    int state;
    grpc_call *call;
    grpc_call_details details;
    grpc_metadata_array md;
    grpc_byte_buffer *req;
    grpc_byte_buffer *resp; /* kept until the answer's batch completes */
    int cancelled;
} rpc;

static grpc_server *server;
static grpc_completion_queue *cq;

static void ask_for_call(void)
{
    rpc *r = xcalloc(0, sizeof *r);
    grpc_call_details_init(&r->details);
    grpc_metadata_array_init(&r->md);
    if (grpc_server_request_call(server, &r->call, &r->details, &r->md, cq, cq, r) != GRPC_CALL_OK)
        abort();
}

static void start(rpc *r, grpc_op *ops, size_t n, int next)
{
    r->state = next;
    if (grpc_call_start_batch(r->call, ops, n, r, NULL) != GRPC_CALL_OK)
        abort();
}

static void answer_call(rpc *r)
{
    answer a = {NULL, 0, GRPC_STATUS_OK, ""};
    uint8_t *in = NULL;
    size_t len = 0;
    grpc_slice all = grpc_empty_slice();
    if (r->req) {
        grpc_byte_buffer_reader rd;
        if (grpc_byte_buffer_reader_init(&rd, r->req)) {
            all = grpc_byte_buffer_reader_readall(&rd);
            grpc_byte_buffer_reader_destroy(&rd);
        }
        in = GRPC_SLICE_START_PTR(all);
        len = GRPC_SLICE_LENGTH(all);
        dispatch(r->details.method, in, len, &a);
    } else {
        a.code = GRPC_STATUS_INVALID_ARGUMENT;
        a.why = "cas_server: no request message";
    }
    grpc_slice_unref(all);

    grpc_op ops[3];
    memset(ops, 0, sizeof ops);
    size_t n = 0;
    if (a.code == GRPC_STATUS_OK) {
        grpc_slice s = grpc_slice_from_copied_buffer((const char *)a.msg, a.len);
        r->resp = grpc_raw_byte_buffer_create(&s, 1);
        grpc_slice_unref(s);
        ops[n].op = GRPC_OP_SEND_MESSAGE;
        ops[n++].data.send_message.send_message = r->resp;
    }
    free(a.msg);
    grpc_slice details = grpc_slice_from_static_string(a.why);
    ops[n].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
    ops[n].data.send_status_from_server.status = a.code;
    ops[n++].data.send_status_from_server.status_details = &details;
    ops[n].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
    ops[n++].data.recv_close_on_server.cancelled = &r->cancelled;
    start(r, ops, n, DONE);
}

static void finish(rpc *r)
{
    if (r->req)
        grpc_byte_buffer_destroy(r->req);
    if (r->resp)
        grpc_byte_buffer_destroy(r->resp);
    if (r->call)
        grpc_call_unref(r->call);
    grpc_call_details_destroy(&r->details);
    grpc_metadata_array_destroy(&r->md);
    free(r);
}

int main(int argc, char **argv)
{
    const char *sock = NULL, *ready = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--unix") == 0)
            sock = argv[i + 1];
        else if (strcmp(argv[i], "--ready-file") == 0)
            ready = argv[i + 1];
    }
    if (!sock) {
        fprintf(stderr, "usage: cas_server --unix PATH [--ready-file FILE]\n");
        return 2;
    }
    /* Keep freed memory for the next call.  By default glibc gives every
     * block over 128 KB its own mapping and unmaps it on free, so each
     * large answer (an object file inlined) faulted in its pages afresh:
     * in a VM that cost this server ~15 ms of CPU per 700 KB answer, which
     * no real server pays (their allocators keep their heaps). */
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
    grpc_init();
    grpc_arg arg = {GRPC_ARG_INTEGER, GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH, {.integer = -1}};
    grpc_channel_args args = {1, &arg};
    server = grpc_server_create(&args, NULL);
    cq = grpc_completion_queue_create_for_next(NULL);
    grpc_server_register_completion_queue(server, cq, NULL);
    char addr[4200];
    snprintf(addr, sizeof addr, "unix:%s", sock);
    grpc_server_credentials *creds = grpc_insecure_server_credentials_create();
    int bound = grpc_server_add_http2_port(server, addr, creds);
    grpc_server_credentials_release(creds);
    if (!bound) {
        fprintf(stderr, "cas_server: cannot listen on %s\n", addr);
        return 1;
    }
    grpc_server_start(server);
    ask_for_call();
    if (ready) {
        FILE *f = fopen(ready, "w");
        if (f)
            fclose(f);
    }
    for (;;) {
        grpc_event ev = grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
        if (ev.type != GRPC_OP_COMPLETE)
            continue;
        rpc *r = ev.tag;
        if (r->state == NEW) {
            ask_for_call();
            if (!ev.success) {
                finish(r);
                continue;
            }
            grpc_op ops[2];
            memset(ops, 0, sizeof ops);
            ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
            ops[1].op = GRPC_OP_RECV_MESSAGE;
            ops[1].data.recv_message.recv_message = &r->req;
            start(r, ops, 2, RECEIVED);
        } else if (r->state == RECEIVED) {
            if (ev.success)
                answer_call(r);
            else
                finish(r);
        } else {
            finish(r);
        }
    }
}
