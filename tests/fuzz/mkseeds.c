/* SPDX-License-Identifier: Apache-2.0 */
/* mkseeds.c — seed inputs for the fuzz targets whose interesting inputs
 * name blobs by digest (fuzz_result, fuzz_server, fuzz_agent) or are
 * binary (fuzz_slots): a fuzzer cannot find a SHA-256 by itself, but from
 * a valid answer naming fuzz.h's blobs it mutates its way everywhere.
 * Written at build time (`make fuzz` runs it) rather than checked in: they
 * follow the messages and the wire format as they change.
 *
 *   mkseeds DIR     writes DIR/<target>/<n> */
#include "tests/fuzz/fuzz.h"

#include <errno.h>

#include "cache/reapi/reapi.h"
#include "cache/remote/wire.h"
#include "google/bytestream/bytestream.pb-c.h"
#include "google/longrunning/operations.pb-c.h"
#include "tests/fuzz/fake_rpc.h"

typedef Build__Bazel__Remote__Execution__V2__ServerCapabilities pb_caps;
typedef Build__Bazel__Remote__Execution__V2__CacheCapabilities pb_cache_caps;
typedef Build__Bazel__Remote__Execution__V2__ExecutionCapabilities pb_exec_caps;
typedef Build__Bazel__Remote__Execution__V2__ExecuteResponse pb_exec_resp;
typedef Build__Bazel__Remote__Execution__V2__FindMissingBlobsResponse pb_find_resp;
typedef Build__Bazel__Remote__Execution__V2__BatchReadBlobsResponse pb_read_resp;
typedef Build__Bazel__Remote__Execution__V2__BatchReadBlobsResponse__Response pb_read_one;
typedef Build__Bazel__Remote__Execution__V2__BatchUpdateBlobsResponse pb_upd_resp;
typedef Build__Bazel__Remote__Execution__V2__BatchUpdateBlobsResponse__Response pb_upd_one;

static const char *out_dir;
static const char *agent_dir = FUZZ_AGENT_RICC_DIR;
static digest da, db, drel;
static reapi_digest ra, rb, rrel;

/* A growing byte buffer (wire.h's, which the agent's seeds need anyway). */
static void put(wbuf *w, const void *p, size_t n)
{
    w_raw(w, p, n);
}

static void put_msg(wbuf *w, const ProtobufCMessage *m)
{
    size_t len;
    void *b = reapi_pack(m, &len, NULL);
    uint8_t hdr[3] = {0, (uint8_t)(len & 0xff), (uint8_t)(len >> 8)};
    put(w, hdr, 3);
    put(w, b, len);
    free(b);
}

static void put_end(wbuf *w)
{
    uint8_t e = FAKE_END;
    put(w, &e, 1);
}

static void put_status(wbuf *w, int code)
{
    uint8_t hdr[3] = {(uint8_t)code, 4, 0};
    put(w, hdr, 3);
    put(w, "oops", 4);
}

static void save(const char *target, int n, const wbuf *w)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", out_dir, target);
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        perror(path);
        exit(1);
    }
    snprintf(path, sizeof path, "%s/%s/%d", out_dir, target, n);
    fuzz_write(path, w->p, w->len);
}

/* ---- messages ---- */

static void put_caps(wbuf *w, int64_t batch)
{
    pb_caps c = BUILD__BAZEL__REMOTE__EXECUTION__V2__SERVER_CAPABILITIES__INIT;
    pb_cache_caps cc = BUILD__BAZEL__REMOTE__EXECUTION__V2__CACHE_CAPABILITIES__INIT;
    pb_exec_caps ec = BUILD__BAZEL__REMOTE__EXECUTION__V2__EXECUTION_CAPABILITIES__INIT;
    Build__Bazel__Remote__Execution__V2__DigestFunction__Value sha =
        BUILD__BAZEL__REMOTE__EXECUTION__V2__DIGEST_FUNCTION__VALUE__SHA256;
    cc.n_digest_functions = 1;
    cc.digest_functions = &sha;
    cc.max_batch_total_size_bytes = batch;
    ec.exec_enabled = 1;
    c.cache_capabilities = &cc;
    c.execution_capabilities = &ec;
    put_msg(w, &c.base);
}

/* An ActionResult: out.o (blob A, inlined or not), optionally out.d (the
 * relocated blob), stdout inline, stderr by digest (blob B). */
static void *action_result(int inline_a, int with_d, int exit_code, size_t *len)
{
    reapi_action_result ar = REAPI_ACTION_RESULT_INIT;
    reapi_output_file f[2] = {REAPI_OUTPUT_FILE_INIT, REAPI_OUTPUT_FILE_INIT};
    reapi_output_file *fp[2] = {&f[0], &f[1]};
    f[0].path = "out.o";
    f[0].digest = &ra;
    if (inline_a) {
        f[0].contents.data = (uint8_t *)FUZZ_BLOB_A;
        f[0].contents.len = strlen(FUZZ_BLOB_A);
    }
    f[1].path = "out.d";
    f[1].digest = &rrel;
    ar.n_output_files = with_d ? 2 : 1;
    ar.output_files = fp;
    ar.stdout_raw.data = (uint8_t *)"hello\n";
    ar.stdout_raw.len = 6;
    ar.stderr_digest = &rb;
    ar.exit_code = exit_code;
    return reapi_pack(&ar.base, len, NULL);
}

static void put_ar(wbuf *w, int inline_a)
{
    size_t len;
    void *b = action_result(inline_a, 0, 0, &len);
    uint8_t hdr[3] = {0, (uint8_t)(len & 0xff), (uint8_t)(len >> 8)};
    put(w, hdr, 3);
    put(w, b, len);
    free(b);
}

static void put_operation(wbuf *w, int done, int error)
{
    Google__Longrunning__Operation op = GOOGLE__LONGRUNNING__OPERATION__INIT;
    Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;
    Google__Rpc__Status status = GOOGLE__RPC__STATUS__INIT;
    pb_exec_resp r = BUILD__BAZEL__REMOTE__EXECUTION__V2__EXECUTE_RESPONSE__INIT;
    op.name = "operations/fuzz-1";
    op.done = done;
    size_t len = 0;
    void *ar = NULL, *packed = NULL;
    if (done && error) {
        status.code = 9;
        status.message = "the worker failed";
        op.result_case = GOOGLE__LONGRUNNING__OPERATION__RESULT_ERROR;
        op.error = &status;
    } else if (done) {
        ar = action_result(1, 0, 0, &len);
        r.result = reapi_result_unpack(ar, len);
        r.cached_result = 1;
        packed = reapi_pack(&r.base, &any.value.len, NULL);
        any.value.data = packed;
        any.type_url = "type.googleapis.com/build.bazel.remote.execution.v2.ExecuteResponse";
        op.result_case = GOOGLE__LONGRUNNING__OPERATION__RESULT_RESPONSE;
        op.response = &any;
    }
    put_msg(w, &op.base);
    if (r.result)
        protobuf_c_message_free_unpacked(&r.result->base, NULL);
    free(ar);
    free(packed);
}

static void put_batch_read(wbuf *w, int with_b)
{
    pb_read_resp r = BUILD__BAZEL__REMOTE__EXECUTION__V2__BATCH_READ_BLOBS_RESPONSE__INIT;
    pb_read_one one[2] = {BUILD__BAZEL__REMOTE__EXECUTION__V2__BATCH_READ_BLOBS_RESPONSE__RESPONSE__INIT,
                          BUILD__BAZEL__REMOTE__EXECUTION__V2__BATCH_READ_BLOBS_RESPONSE__RESPONSE__INIT};
    pb_read_one *p[2] = {&one[0], &one[1]};
    one[0].digest = &ra;
    one[0].data.data = (uint8_t *)FUZZ_BLOB_A;
    one[0].data.len = strlen(FUZZ_BLOB_A);
    one[1].digest = &rb;
    one[1].data.data = (uint8_t *)FUZZ_BLOB_B;
    one[1].data.len = strlen(FUZZ_BLOB_B);
    r.n_responses = with_b ? 2 : 1;
    r.responses = p;
    put_msg(w, &r.base);
}

static void put_read_chunk(wbuf *w, const char *data)
{
    Google__Bytestream__ReadResponse r = GOOGLE__BYTESTREAM__READ_RESPONSE__INIT;
    r.data.data = (uint8_t *)data;
    r.data.len = strlen(data);
    put_msg(w, &r.base);
}

static void put_upload_answers(wbuf *w)
{
    pb_find_resp f = BUILD__BAZEL__REMOTE__EXECUTION__V2__FIND_MISSING_BLOBS_RESPONSE__INIT;
    reapi_digest *missing[2] = {&ra, &rb};
    f.n_missing_blob_digests = 2;
    f.missing_blob_digests = missing;
    put_msg(w, &f.base);
    pb_upd_resp u = BUILD__BAZEL__REMOTE__EXECUTION__V2__BATCH_UPDATE_BLOBS_RESPONSE__INIT;
    pb_upd_one one[2] = {BUILD__BAZEL__REMOTE__EXECUTION__V2__BATCH_UPDATE_BLOBS_RESPONSE__RESPONSE__INIT,
                         BUILD__BAZEL__REMOTE__EXECUTION__V2__BATCH_UPDATE_BLOBS_RESPONSE__RESPONSE__INIT};
    pb_upd_one *p[2] = {&one[0], &one[1]};
    one[0].digest = &ra;
    one[1].digest = &rb;
    u.n_responses = 2;
    u.responses = p;
    put_msg(w, &u.base);
}

/* ---- the targets ---- */

static void result_seeds(void)
{
    int n = 0;
    for (int mode = 0; mode < 6; mode++) {
        size_t len;
        void *ar = action_result(0, mode % 3 == 2, mode == 1, &len);
        wbuf w = {0};
        uint8_t m = (uint8_t)mode;
        put(&w, &m, 1);
        put(&w, ar, len);
        save("result", n++, &w);
        free(w.p);
        free(ar);
    }
}

static void server_seed(int *n, uint8_t op, void (*fill)(wbuf *))
{
    wbuf w = {0};
    put(&w, &op, 1);
    fill(&w);
    save("server", (*n)++, &w);
    free(w.p);
}

static void s_get(wbuf *w) { put_caps(w, 0); put_ar(w, 1); }
static void s_get_miss(wbuf *w) { put_caps(w, 0); put_status(w, 5); }
static void s_exec(wbuf *w) { put_operation(w, 0, 0); put_operation(w, 1, 0); }
static void s_exec_wait(wbuf *w) { put_operation(w, 0, 0); put_end(w); put_operation(w, 1, 0); }
static void s_exec_err(wbuf *w) { put_operation(w, 1, 1); }
static void s_fetch(wbuf *w) { put_caps(w, 0); put_batch_read(w, 1); }
static void s_fetch_stream(wbuf *w)
{
    put_caps(w, 10); /* every blob over the batch limit: ByteStream */
    put_read_chunk(w, FUZZ_BLOB_A);
    put_end(w);
    put_read_chunk(w, "warning: ");
    put_read_chunk(w, "something\n");
    put_end(w);
}
static void s_upload(wbuf *w) { put_caps(w, 0); put_upload_answers(w); }
static void s_caps(wbuf *w) { put_caps(w, 0); }
static void s_update(wbuf *w) { put_caps(w, 0); put_end(w); }

static void server_seeds(void)
{
    int n = 0;
    server_seed(&n, 0, s_get);
    server_seed(&n, 0x40, s_get);
    server_seed(&n, 0, s_get_miss);
    server_seed(&n, 1, s_exec);
    server_seed(&n, 1, s_exec_wait);
    server_seed(&n, 1, s_exec_err);
    server_seed(&n, 2, s_fetch);
    server_seed(&n, 2, s_fetch_stream);
    server_seed(&n, 3, s_upload);
    server_seed(&n, 4, s_caps);
    server_seed(&n, 0x80 | 4, s_caps);
    server_seed(&n, 5, s_update);
}

/* An agent request's common head, as remote_loader.c writes it
 * (agent_header()). */
static void req_head(wbuf *b, uint32_t op)
{
    w_u32(b, op);
    w_str(b, "11111111-2222-3333-4444-555555555555");
    w_str(b, "");
    digest act;
    digest_str("fuzz action", &act);
    w_bytes(b, &act, sizeof act);
    /* the store to spill into (fuzz_agent.c's RICC_DIR), its max_size,
     * its compression (on, level 1: spilled blobs are compressed) */
    w_str(b, agent_dir);
    uint64_t max_size = 0;
    w_bytes(b, &max_size, sizeof max_size);
    int32_t cz[2] = {1, 1};
    w_bytes(b, cz, sizeof cz);
}

static void frame(wbuf *w, const wbuf *body)
{
    uint32_t l = (uint32_t)body->len;
    put(w, &l, 4);
    put(w, body->p, body->len);
}

static void agent_seed(int *n, const wbuf *reqs, void (*fill)(wbuf *))
{
    wbuf w = {0};
    uint8_t l[2] = {(uint8_t)(reqs->len & 0xff), (uint8_t)(reqs->len >> 8)};
    put(&w, l, 2);
    put(&w, reqs->p, reqs->len);
    fill(&w);
    save("agent", (*n)++, &w);
    free(w.p);
}

static void a_get(wbuf *w) { put_caps(w, 0); put_ar(w, 0); put_batch_read(w, 1); }
/* ByteStream (a batch limit of 10) answering an empty ReadResponse before
 * the data: once a memcpy to NULL (418df1b).  Made here rather than kept as
 * a file, so it follows the request's format as it changes. */
static void a_fetch_empty_first(wbuf *w)
{
    put_caps(w, 10);
    put_read_chunk(w, "");
    put_read_chunk(w, FUZZ_BLOB_A);
    put_end(w);
}

static void agent_seeds(void)
{
    int n = 0;
    wbuf reqs = {0}, b = {0};
    /* GetActionResult for out.o; the server leaves out.o and stderr out */
    req_head(&b, OP_GET_AR);
    w_u32(&b, 1);
    w_str(&b, "out.o");
    frame(&reqs, &b);
    agent_seed(&n, &reqs, a_get);
    /* Execute, then can-execute on the same connection */
    reqs.len = b.len = 0;
    req_head(&b, OP_EXECUTE);
    w_u32(&b, 0);
    w_u32(&b, 1);
    w_str(&b, "out.o");
    frame(&reqs, &b);
    b.len = 0;
    req_head(&b, OP_CAN_EXECUTE);
    frame(&reqs, &b);
    agent_seed(&n, &reqs, s_exec);
    /* Upload blob A from memory and blob B from a file */
    reqs.len = b.len = 0;
    req_head(&b, OP_UPLOAD);
    w_u32(&b, 2);
    w_bytes(&b, &da, sizeof da);
    w_u32(&b, 0);
    w_bytes(&b, FUZZ_BLOB_A, strlen(FUZZ_BLOB_A));
    w_bytes(&b, &db, sizeof db);
    w_u32(&b, 1);
    w_str(&b, "upload.b");
    frame(&reqs, &b);
    agent_seed(&n, &reqs, s_upload);
    /* Fetch blob A back, blob B into a file */
    reqs.len = b.len = 0;
    req_head(&b, OP_FETCH);
    w_u32(&b, 2);
    w_bytes(&b, &da, sizeof da);
    w_str(&b, "");
    w_u32(&b, 0);
    w_bytes(&b, &db, sizeof db);
    w_str(&b, "fetched.b");
    w_u32(&b, 1);
    frame(&reqs, &b);
    agent_seed(&n, &reqs, s_fetch);
    /* Fetch blob A through ByteStream, an empty chunk first */
    reqs.len = b.len = 0;
    req_head(&b, OP_FETCH);
    w_u32(&b, 1);
    w_bytes(&b, &da, sizeof da);
    w_str(&b, "");
    w_u32(&b, 0);
    frame(&reqs, &b);
    agent_seed(&n, &reqs, a_fetch_empty_first);
    /* UpdateActionResult */
    reqs.len = b.len = 0;
    req_head(&b, OP_UPDATE_AR);
    size_t len;
    void *ar = action_result(0, 0, 0, &len);
    w_bytes(&b, ar, len);
    free(ar);
    frame(&reqs, &b);
    agent_seed(&n, &reqs, s_update);
    free(reqs.p);
    free(b.p);
}

static void slots_seeds(void)
{
    static const uint8_t zero[1024];
    int n = 0;
    for (uint8_t first = 0; first < 8; first++) {
        wbuf w = {0};
        put(&w, &first, 1);
        put(&w, zero, first / 2 % 4 == 1 ? 30 : first / 2 % 4 == 3 ? 8 : 128);
        save("slots", n++, &w);
        free(w.p);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: mkseeds DIR\n");
        return 2;
    }
    out_dir = argv[1];
    if (mkdir(out_dir, 0755) != 0 && errno != EEXIST) {
        perror(out_dir);
        return 1;
    }
    digest_buf(FUZZ_BLOB_A, strlen(FUZZ_BLOB_A), &da);
    digest_buf(FUZZ_BLOB_B, strlen(FUZZ_BLOB_B), &db);
    digest_buf(FUZZ_BLOB_REL, strlen(FUZZ_BLOB_REL), &drel);
    reapi_digest_ref(&ra, &da);
    reapi_digest_ref(&rb, &db);
    reapi_digest_ref(&rrel, &drel);
    result_seeds();
    server_seeds();
    agent_seeds();
    slots_seeds();
    return 0;
}
