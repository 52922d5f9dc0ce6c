/* SPDX-License-Identifier: Apache-2.0 */
/* rpc.c — gRPC calls over the C core API, synchronously.
 *
 * The C core is asynchronous: a call is a sequence of batches of operations
 * (send metadata, send a message, half-close, receive metadata, receive a
 * message, receive the status), each completing on a completion queue.  A
 * wrapped compile has nothing else to do while it waits, so every batch here
 * is started and then plucked from the client's one queue before returning:
 * the code reads top to bottom like a blocking client.
 *
 * A unary call is one batch of all six operations — one wake-up, which is
 * what a remote hit costs.  Streams use rpc_start / rpc_send / rpc_recv /
 * rpc_finish.  Every call has a deadline; gRPC ends it with
 * DEADLINE_EXCEEDED when it passes, so no pluck waits forever.
 *
 * Retries (unary calls here; streams in their callers, which know how to
 * resume) are bounded by retry_limit and spaced by exponential backoff with
 * jitter, and only for the codes that say "try again": UNAVAILABLE,
 * RESOURCE_EXHAUSTED, DEADLINE_EXCEEDED. */
#include "cache/remote/client/client.h"

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Not DEADLINE_EXCEEDED: a server that let a whole deadline pass will most
 * likely let the next pass too, and each costs the full request_timeout
 * (a 4-file build took minutes); the caller marks it down instead. */
int rpc_retryable(int code)
{
    return code == GRPC_STATUS_UNAVAILABLE || code == GRPC_STATUS_RESOURCE_EXHAUSTED;
}

void rpc_backoff(rclient *c, int attempt)
{
    long long ms = c->retry_delay_ms > 0 ? c->retry_delay_ms : 0;
    for (int i = 0; i < attempt && ms < 60000; i++)
        ms *= 2;
    if (ms > 60000)
        ms = 60000;
    if (ms > 0)
        ms = ms / 2 + rand_r(&c->rand_state) % (ms + 1); /* [ms/2, 3ms/2] */
    rlog(c, LOG_DEBUG, "retrying in %lld ms (retry %d of %d)", ms, attempt + 1,
         c->retry_limit);
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* Block until the batch tagged r completes.  1 if it succeeded. */
static int wait_batch(rpc *r)
{
    grpc_event ev = grpc_completion_queue_pluck(r->c->cq, r, gpr_inf_future(GPR_CLOCK_REALTIME),
                                                NULL);
    return ev.type == GRPC_OP_COMPLETE && ev.success;
}

static int run_batch(rpc *r, grpc_op *ops, size_t n)
{
    if (grpc_call_start_batch(r->call, ops, n, r, NULL) != GRPC_CALL_OK)
        return 0;
    return wait_batch(r);
}

/* The headers every call carries: the bearer token and RequestMetadata. */
static void set_metadata(rpc *r)
{
    rclient *c = r->c;
    r->n_md = 0;
    if (c->auth) {
        r->md[r->n_md].key = grpc_slice_from_static_string("authorization");
        r->md[r->n_md].value = grpc_slice_from_copied_string(c->auth);
        r->n_md++;
    }
    if (c->reqmeta) {
        r->md[r->n_md].key =
            grpc_slice_from_static_string("build.bazel.remote.execution.v2.requestmetadata-bin");
        r->md[r->n_md].value = grpc_slice_from_copied_buffer(c->reqmeta, c->reqmeta_len);
        r->n_md++;
    }
}

int rpc_start(rpc *r, rclient *c, grpc_channel *ch, const char *method, int timeout_s)
{
    memset(r, 0, sizeof *r);
    r->c = c;
    r->method = method;
    gpr_timespec deadline = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
                                         gpr_time_from_seconds(timeout_s, GPR_TIMESPAN));
    r->call = grpc_channel_create_call(ch, NULL, GRPC_PROPAGATE_DEFAULTS, c->cq,
                                       grpc_slice_from_static_string(method), NULL, deadline,
                                       NULL);
    if (!r->call)
        return -1;
    grpc_metadata_array_init(&r->init_md);
    grpc_metadata_array_init(&r->trail_md);
    set_metadata(r);
    return 0;
}

/* Wrap bytes in a byte buffer (copied: the C core owns what it sends). */
static grpc_byte_buffer *make_buffer(const void *buf, size_t len)
{
    grpc_slice s = grpc_slice_from_copied_buffer(buf, len);
    grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&s, 1);
    grpc_slice_unref(s);
    return bb;
}

int rpc_send(rpc *r, const void *buf, size_t len, int last)
{
    grpc_op ops[3];
    size_t n = 0;
    memset(ops, 0, sizeof ops);
    if (!r->sent_md) {
        ops[n].op = GRPC_OP_SEND_INITIAL_METADATA;
        ops[n].data.send_initial_metadata.count = r->n_md;
        ops[n].data.send_initial_metadata.metadata = r->md;
        n++;
        r->sent_md = 1;
    }
    grpc_byte_buffer *bb = make_buffer(buf, len);
    ops[n].op = GRPC_OP_SEND_MESSAGE;
    ops[n].data.send_message.send_message = bb;
    n++;
    if (last) {
        ops[n++].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
        r->closed = 1;
    }
    int ok = run_batch(r, ops, n);
    grpc_byte_buffer_destroy(bb);
    return ok ? 0 : -1;
}

int rpc_send_msg(rpc *r, const ProtobufCMessage *m, int last)
{
    size_t len;
    void *buf = reapi_pack(m, &len, NULL);
    if (!buf)
        return -1;
    int rc = rpc_send(r, buf, len, last);
    free(buf);
    return rc;
}

/* Flatten a received byte buffer into malloc'd memory. */
static int take_buffer(grpc_byte_buffer *bb, uint8_t **buf, size_t *len)
{
    size_t n = grpc_byte_buffer_length(bb);
    uint8_t *p = malloc(n ? n : 1);
    grpc_byte_buffer_reader rd;
    if (!p || !grpc_byte_buffer_reader_init(&rd, bb)) {
        free(p);
        return -1;
    }
    size_t off = 0;
    grpc_slice s;
    while (grpc_byte_buffer_reader_next(&rd, &s)) {
        size_t l = GRPC_SLICE_LENGTH(s);
        if (off + l <= n)
            memcpy(p + off, GRPC_SLICE_START_PTR(s), l);
        off += l;
        grpc_slice_unref(s);
    }
    grpc_byte_buffer_reader_destroy(&rd);
    if (off != n) {
        free(p);
        return -1;
    }
    *buf = p;
    *len = n;
    return 0;
}

int rpc_recv(rpc *r, uint8_t **buf, size_t *len)
{
    grpc_op ops[2];
    size_t n = 0;
    grpc_byte_buffer *bb = NULL;
    memset(ops, 0, sizeof ops);
    if (!r->recv_md) {
        ops[n].op = GRPC_OP_RECV_INITIAL_METADATA;
        ops[n].data.recv_initial_metadata.recv_initial_metadata = &r->init_md;
        n++;
        r->recv_md = 1;
    }
    ops[n].op = GRPC_OP_RECV_MESSAGE;
    ops[n].data.recv_message.recv_message = &bb;
    n++;
    if (!run_batch(r, ops, n)) {
        if (bb)
            grpc_byte_buffer_destroy(bb);
        return -1;
    }
    if (!bb)
        return 0; /* the server ended the stream: rpc_finish has the status */
    int rc = take_buffer(bb, buf, len);
    grpc_byte_buffer_destroy(bb);
    return rc == 0 ? 1 : -1;
}

static void status_text(remote_status *st, const char *method, grpc_status_code code,
                        grpc_slice details, const char *error_string)
{
    const char *short_method = strrchr(method, '/');
    short_method = short_method ? short_method + 1 : method;
    int dlen = (int)GRPC_SLICE_LENGTH(details);
    if (dlen > 0)
        st_set(st, code, "%s: %.*s", short_method, dlen,
               (const char *)GRPC_SLICE_START_PTR(details));
    else
        st_set(st, code, "%s: status %d%s%s", short_method, (int)code,
               error_string ? ": " : "", error_string ? error_string : "");
}

int rpc_finish(rpc *r, remote_status *st)
{
    grpc_op ops[3];
    size_t n = 0;
    grpc_status_code code = GRPC_STATUS_UNKNOWN;
    grpc_slice details = grpc_empty_slice();
    const char *error_string = NULL;
    memset(ops, 0, sizeof ops);
    if (!r->sent_md) {
        ops[n].op = GRPC_OP_SEND_INITIAL_METADATA;
        ops[n].data.send_initial_metadata.count = r->n_md;
        ops[n].data.send_initial_metadata.metadata = r->md;
        n++;
        r->sent_md = 1;
    }
    if (!r->recv_md) {
        ops[n].op = GRPC_OP_RECV_INITIAL_METADATA;
        ops[n].data.recv_initial_metadata.recv_initial_metadata = &r->init_md;
        n++;
        r->recv_md = 1;
    }
    ops[n].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
    ops[n].data.recv_status_on_client.trailing_metadata = &r->trail_md;
    ops[n].data.recv_status_on_client.status = &code;
    ops[n].data.recv_status_on_client.status_details = &details;
    ops[n].data.recv_status_on_client.error_string = &error_string;
    n++;
    if (!run_batch(r, ops, n) && code == GRPC_STATUS_OK)
        code = GRPC_STATUS_UNKNOWN;
    if (code != GRPC_STATUS_OK)
        status_text(st, r->method, code, details, error_string);
    grpc_slice_unref(details);
    if (error_string)
        gpr_free((void *)error_string);
    grpc_metadata_array_destroy(&r->init_md);
    grpc_metadata_array_destroy(&r->trail_md);
    for (size_t i = 0; i < r->n_md; i++)
        grpc_slice_unref(r->md[i].value);
    grpc_call_unref(r->call);
    r->call = NULL;
    return code;
}

/* One attempt of a unary call: one batch with every operation. */
static int unary_once(rclient *c, grpc_channel *ch, const char *method, const void *req,
                      size_t req_len, uint8_t **resp, size_t *resp_len, remote_status *st)
{
    rpc r;
    if (rpc_start(&r, c, ch, method, c->timeout_s) != 0) {
        st_set(st, GRPC_STATUS_INTERNAL, "%s: cannot create the call", method);
        return GRPC_STATUS_INTERNAL;
    }
    grpc_byte_buffer *bb = make_buffer(req, req_len), *in = NULL;
    grpc_op ops[6];
    memset(ops, 0, sizeof ops);
    ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
    ops[0].data.send_initial_metadata.count = r.n_md;
    ops[0].data.send_initial_metadata.metadata = r.md;
    ops[1].op = GRPC_OP_SEND_MESSAGE;
    ops[1].data.send_message.send_message = bb;
    ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
    ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
    ops[3].data.recv_initial_metadata.recv_initial_metadata = &r.init_md;
    ops[4].op = GRPC_OP_RECV_MESSAGE;
    ops[4].data.recv_message.recv_message = &in;
    r.sent_md = r.recv_md = r.closed = 1;

    /* The status op goes in the same batch: one round trip, one wake-up. */
    grpc_status_code code = GRPC_STATUS_UNKNOWN;
    grpc_slice details = grpc_empty_slice();
    const char *error_string = NULL;
    ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
    ops[5].data.recv_status_on_client.trailing_metadata = &r.trail_md;
    ops[5].data.recv_status_on_client.status = &code;
    ops[5].data.recv_status_on_client.status_details = &details;
    ops[5].data.recv_status_on_client.error_string = &error_string;
    if (!run_batch(&r, ops, 6) && code == GRPC_STATUS_OK)
        code = GRPC_STATUS_UNKNOWN;
    grpc_byte_buffer_destroy(bb);

    if (code == GRPC_STATUS_OK) {
        if (!in)
            *resp = calloc(1, 1), *resp_len = 0;
        else if (take_buffer(in, resp, resp_len) != 0)
            *resp = NULL;
        if (!*resp) {
            code = GRPC_STATUS_RESOURCE_EXHAUSTED;
            st_set(st, code, "%s: out of memory reading the reply", method);
        }
    } else {
        status_text(st, method, code, details, error_string);
    }
    if (in)
        grpc_byte_buffer_destroy(in);
    grpc_slice_unref(details);
    if (error_string)
        gpr_free((void *)error_string);
    grpc_metadata_array_destroy(&r.init_md);
    grpc_metadata_array_destroy(&r.trail_md);
    for (size_t i = 0; i < r.n_md; i++)
        grpc_slice_unref(r.md[i].value);
    grpc_call_unref(r.call);
    return code;
}

int rpc_unary(rclient *c, grpc_channel *ch, const char *method, const ProtobufCMessage *req,
              uint8_t **resp, size_t *resp_len, remote_status *st)
{
    size_t len;
    void *buf = reapi_pack(req, &len, NULL);
    if (!buf)
        return st_set(st, GRPC_STATUS_RESOURCE_EXHAUSTED, "%s: out of memory", method);
    for (int attempt = 0;; attempt++) {
        int code = unary_once(c, ch, method, buf, len, resp, resp_len, st);
        if (code == GRPC_STATUS_OK) {
            free(buf);
            return 0;
        }
        rlog(c, LOG_DEBUG, "%s (code %d)", st->message, code);
        if (!rpc_retryable(code) || attempt >= c->retry_limit) {
            free(buf);
            return -1;
        }
        rpc_backoff(c, attempt);
    }
}
