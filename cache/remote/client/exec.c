/* SPDX-License-Identifier: Apache-2.0 */
/* exec.c — Execution.Execute and WaitExecution.
 *
 * Execute answers with a stream of google.longrunning.Operations: progress
 * (metadata with a stage), then one with done set whose response is an
 * ExecuteResponse (or whose error is a google.rpc.Status).  Streams break —
 * servers close them after a while, proxies drop them — and the work goes on
 * on the server, so a stream that ends without a done Operation is followed
 * up with WaitExecution on the operation name seen, not a new Execute.  Only
 * if the server has forgotten the operation (NOT_FOUND) is the action
 * executed again.  Reconnections after errors are bounded by retry_limit (at
 * least one is always allowed: it is what WaitExecution exists for); quiet
 * stream ends that still make progress are bounded separately.
 *
 * The whole call, every stream and WaitExecution together, is bounded by
 * exec_timeout (also the Action's timeout, action.c): a server whose stream
 * says EXECUTING and then nothing would otherwise hold the build for as long
 * as it likes.  Past it the call fails with DEADLINE_EXCEEDED and the loader
 * stops Executing for the rest of the build (remote_loader.c).  With
 * exec_timeout 0 each stream may take an hour, or request_timeout if longer.
 * An operation given up on that way is cancelled (Operations.CancelOperation,
 * best effort, one short call): a worker must not go on with what nobody
 * waits for.
 *
 * ExecuteResponse.status is honoured: a non-OK status is an error even when
 * a result is attached.  The ActionResult is checked like a cached one. */
#include "cache/remote/client/client.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef Build__Bazel__Remote__Execution__V2__ExecuteRequest pb_exec_req;
typedef Build__Bazel__Remote__Execution__V2__ExecuteResponse pb_exec_resp;
typedef Build__Bazel__Remote__Execution__V2__WaitExecutionRequest pb_wait_req;

#define EXEC "/build.bazel.remote.execution.v2.Execution/"
#define EXEC_TIMEOUT_S 3600
#define CANCEL_TIMEOUT_S 5
#define MAX_QUIET_ENDS 100

typedef struct outcome {
    int done;            /* a done Operation was seen */
    int rc;              /* then: 0 or -1 */
    void *ar;
    size_t ar_len;
    int cached;
} outcome;

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* A done Operation: turn it into the call's result. */
static void finish_op(const Google__Longrunning__Operation *op, char *const *outputs,
                      int n_outputs, outcome *o, remote_status *st)
{
    o->done = 1;
    o->rc = -1;
    if (op->result_case == GOOGLE__LONGRUNNING__OPERATION__RESULT_ERROR) {
        const Google__Rpc__Status *e = op->error;
        st_set(st, e && e->code ? e->code : GRPC_STATUS_INTERNAL, "Execute: %s",
               e && *e->message ? e->message : "the operation failed");
        return;
    }
    const Google__Protobuf__Any *any =
        op->result_case == GOOGLE__LONGRUNNING__OPERATION__RESULT_RESPONSE ? op->response : NULL;
    if (!any || !ends_with(any->type_url, "/build.bazel.remote.execution.v2.ExecuteResponse")) {
        st_set(st, GRPC_STATUS_INTERNAL, "Execute: the operation ended without an ExecuteResponse");
        return;
    }
    pb_exec_resp *r = (pb_exec_resp *)protobuf_c_message_unpack(
        &build__bazel__remote__execution__v2__execute_response__descriptor, NULL, any->value.len,
        any->value.data);
    if (!r) {
        st_set(st, GRPC_STATUS_INTERNAL, "Execute: unparsable ExecuteResponse");
        return;
    }
    if (r->status && r->status->code != 0) {
        st_set(st, r->status->code, "Execute: %s%s%s", r->status->message,
               *r->message ? "; " : "", r->message);
    } else if (!r->result) {
        st_set(st, GRPC_STATUS_INTERNAL, "Execute: the response has no ActionResult");
    } else if (client_check_result(r->result, outputs, n_outputs, st) == 0) {
        o->ar = reapi_pack(&r->result->base, &o->ar_len, NULL);
        o->cached = r->cached_result;
        if (o->ar)
            o->rc = 0;
        else
            st_set(st, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
    }
    protobuf_c_message_free_unpacked(&r->base, NULL);
}

/* One Execute or WaitExecution stream.  Returns the call's status code;
 * *name learns the operation's name; o->done says whether it finished. */
static int one_stream(rclient *c, const digest *action, int skip_cache_lookup, char **name,
                      char *const *outputs, int n_outputs, int timeout, outcome *o,
                      remote_status *st)
{
    rpc r;
    int sent;
    if (rpc_start(&r, c, c->exec_ch, *name ? EXEC "WaitExecution" : EXEC "Execute", timeout) != 0) {
        st_set(st, GRPC_STATUS_INTERNAL, "Execute: cannot create a call");
        return GRPC_STATUS_INTERNAL;
    }
    if (*name) {
        pb_wait_req req = BUILD__BAZEL__REMOTE__EXECUTION__V2__WAIT_EXECUTION_REQUEST__INIT;
        req.name = *name;
        sent = rpc_send_msg(&r, &req.base, 1);
    } else {
        pb_exec_req req = BUILD__BAZEL__REMOTE__EXECUTION__V2__EXECUTE_REQUEST__INIT;
        reapi_digest d;
        reapi_digest_ref(&d, (digest *)action);
        req.instance_name = (char *)c->instance;
        req.skip_cache_lookup = skip_cache_lookup;
        req.action_digest = &d;
        sent = rpc_send_msg(&r, &req.base, 1);
    }
    uint8_t *buf;
    size_t len;
    while (sent == 0 && !o->done && rpc_recv(&r, &buf, &len) == 1) {
        Google__Longrunning__Operation *op =
            google__longrunning__operation__unpack(NULL, len, buf);
        free(buf);
        if (!op) {
            st_set(st, GRPC_STATUS_INTERNAL, "Execute: unparsable Operation");
            o->done = 1;
            o->rc = -1;
            break;
        }
        if (*op->name && (!*name || strcmp(*name, op->name) != 0)) {
            free(*name);
            *name = strdup(op->name);
        }
        if (op->done)
            finish_op(op, outputs, n_outputs, o, st);
        google__longrunning__operation__free_unpacked(op, NULL);
    }
    if (o->done) {
        /* Whatever the server sends after "done" does not matter. */
        grpc_call_cancel(r.call, NULL);
        remote_status ignored;
        rpc_finish(&r, &ignored);
        return GRPC_STATUS_OK;
    }
    return rpc_finish(&r, st);
}

/* Ask the server to stop operation `name`: once, for at most
 * CANCEL_TIMEOUT_S (or request_timeout if shorter); what it answers changes
 * nothing here, so it is only logged. */
static void cancel_op(rclient *c, const char *name)
{
    int t = c->timeout_s > 0 && c->timeout_s < CANCEL_TIMEOUT_S ? c->timeout_s : CANCEL_TIMEOUT_S;
    rpc r;
    if (rpc_start(&r, c, c->exec_ch, "/google.longrunning.Operations/CancelOperation", t) != 0)
        return;
    Google__Longrunning__CancelOperationRequest req =
        GOOGLE__LONGRUNNING__CANCEL_OPERATION_REQUEST__INIT;
    req.name = (char *)name;
    uint8_t *buf;
    size_t len;
    if (rpc_send_msg(&r, &req.base, 1) == 0 && rpc_recv(&r, &buf, &len) == 1)
        free(buf);
    remote_status st;
    int code = rpc_finish(&r, &st);
    rlog(c, LOG_DEBUG, "cancelled operation %s: %s", name, code == GRPC_STATUS_OK ? "ok" : st.message);
}

int exec_execute(rclient *c, const digest *action, int skip_cache_lookup, char *const *outputs,
                 int n_outputs, void **ar, size_t *ar_len, int *cached, remote_status *st)
{
    if (!c->exec_ch)
        return st_set(st, GRPC_STATUS_FAILED_PRECONDITION,
                      "remote execution needs `server` set (only a cache is configured)");
    char *name = NULL;
    outcome o = { 0, -1, NULL, 0, 0 };
    int errors = 0, quiet = 0;
    int error_budget = c->retry_limit > 0 ? c->retry_limit : 1;
    int limit = c->cfg->exec_timeout_s;
    time_t end = limit > 0 ? time(NULL) + limit : 0;
    for (;;) {
        int waiting = name != NULL;
        int timeout = end ? (int)(end - time(NULL))
                          : c->timeout_s > EXEC_TIMEOUT_S ? c->timeout_s : EXEC_TIMEOUT_S;
        int code = timeout <= 0 ? GRPC_STATUS_DEADLINE_EXCEEDED
                                : one_stream(c, action, skip_cache_lookup, &name, outputs,
                                             n_outputs, timeout, &o, st);
        if (o.done)
            break;
        if (code == GRPC_STATUS_DEADLINE_EXCEEDED && end) {
            st_set(st, GRPC_STATUS_DEADLINE_EXCEEDED,
                   "Execute: no result within exec_timeout (%d s)", limit);
            if (name)
                cancel_op(c, name);
            break;
        }
        if (code == GRPC_STATUS_OK) {
            /* Ended cleanly without a result: follow the operation. */
            if (!name || ++quiet > MAX_QUIET_ENDS) {
                st_set(st, GRPC_STATUS_INTERNAL,
                       "Execute: the stream ended without a result%s",
                       name ? " too many times" : " or an operation name");
                break;
            }
            continue;
        }
        if (waiting && code == GRPC_STATUS_NOT_FOUND) {
            /* The server forgot the operation: execute again. */
            rlog(c, LOG_DEBUG, "operation %s is gone; executing again", name);
            free(name);
            name = NULL;
        } else if (!rpc_retryable(code)) {
            break;
        }
        if (errors >= error_budget)
            break;
        rpc_backoff(c, errors++);
        rlog(c, LOG_DEBUG, "%s; %s", st->message, name ? "waiting on the operation" : "retrying");
    }
    free(name);
    if (!o.done || o.rc != 0) {
        free(o.ar);
        return -1;
    }
    *ar = o.ar;
    *ar_len = o.ar_len;
    *cached = o.cached;
    return 0;
}
