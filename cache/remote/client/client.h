/* SPDX-License-Identifier: Apache-2.0 */
/* client.h — internals of the gRPC client module (libricc-remote.so).
 *
 *   rpc.c     calls on gRPC C core: one synchronous completion queue, unary
 *             calls with deadline and retries, and a small streaming API
 *             (start / send / recv / finish) for ByteStream and Execute
 *   client.c  the module table, channels, credentials, metadata,
 *             the action cache, result checking
 *   caps.c    GetCapabilities, remembered across processes
 *   cas.c     FindMissingBlobs, batch and ByteStream upload and fetch
 *   exec.c    Execute / WaitExecution
 *   agent.c   the per-user agent's side: serve ricc processes' calls over
 *             a unix socket with channels kept open (remote_loader.c has
 *             the other side and the why)
 *
 * Everything runs on the caller's thread, one call at a time: a wrapped
 * compile is one short process that waits for each answer anyway. */
#ifndef RICC_REMOTE_CLIENT_H
#define RICC_REMOTE_CLIENT_H

#include <grpc/grpc.h>
#include <protobuf-c/protobuf-c.h>

#include "cache/remote/remote.h"
#include "cache/reapi/reapi.h"
#include "google/bytestream/bytestream.pb-c.h"
#include "google/longrunning/operations.pb-c.h"

#include "cache/util/version.h"

/* The default gRPC message size limit most servers keep: batches stay under
 * it whatever a server announces. */
#define GRPC_MESSAGE_LIMIT (4 * 1024 * 1024)
/* Room for the request's own fields and framing around a batch's blobs. */
#define BATCH_OVERHEAD 1024
#define BATCH_ENTRY_OVERHEAD 160
/* ByteStream chunk: well under any server's message limit. */
#define STREAM_CHUNK (1024 * 1024)

typedef struct rclient {
    const config *cfg;
    const remote_host *host;
    grpc_completion_queue *cq;
    grpc_channel *chans[3];      /* distinct channels, owned */
    int n_chans;
    grpc_channel *exec_ch, *cas_ch, *ac_ch;
    const char *cas_addr;        /* the CAS address as configured */
    const char *instance;        /* "" when none */
    char *auth;                  /* "Bearer <token>" or NULL */
    char *correlated_id;         /* RICC_CORRELATED_INVOCATIONS_ID, or NULL */
    char invocation_id[37];      /* a random UUID per process */
    char action_id[DIGEST_HEX_LEN + 1];
    void *reqmeta;               /* serialized RequestMetadata for action_id */
    size_t reqmeta_len;
    int caps_done;
    int executes;                /* the execution server executes: 1, 0, -1 not known yet */
    int64_t batch_limit;         /* bytes per batch request, after capabilities */
    int timeout_s, retry_limit, retry_delay_ms;
    unsigned rand_state;
    int64_t sent;                /* blob bytes uploaded (remote_module.bytes_sent) */
} rclient;

/* ---- logging and status (client.c) ---- */
void rlog(rclient *c, enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Fill st; always returns -1 so error paths can `return st_set(...)`. */
int st_set(remote_status *st, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- rpc.c ---- */
typedef struct rpc {
    rclient *c;
    grpc_call *call;
    const char *method;
    int sent_md, recv_md, closed;
    grpc_metadata md[3];
    size_t n_md;
    grpc_metadata_array init_md, trail_md;
} rpc;

/* Worth a retry: UNAVAILABLE, RESOURCE_EXHAUSTED; never a deadline that
 * expired (rpc.c). */
int rpc_retryable(int code);
/* Sleep before retry number `attempt` (0-based): retry_delay_ms * 2^attempt,
 * with +-50% jitter so that a build's many processes do not retry in step. */
void rpc_backoff(rclient *c, int attempt);

/* Start a call of `method` ("/pkg.Service/Method") on ch with a deadline of
 * timeout_s seconds.  Metadata goes out with the first message.  0 or -1. */
int rpc_start(rpc *r, rclient *c, grpc_channel *ch, const char *method, int timeout_s);
/* Send one message; `last` half-closes.  0, or -1 if the call has ended
 * (rpc_finish then says why). */
int rpc_send(rpc *r, const void *buf, size_t len, int last);
int rpc_send_msg(rpc *r, const ProtobufCMessage *m, int last);
/* Receive one message: 1 (*buf malloc'd), 0 at the end of the stream, -1
 * if the call failed. */
int rpc_recv(rpc *r, uint8_t **buf, size_t *len);
/* End the call and release it.  Returns the gRPC status code; on non-OK st
 * gets "Method: details". */
int rpc_finish(rpc *r, remote_status *st);

/* A unary call with retries.  0 (*resp malloc'd, may be 0 bytes) or -1. */
int rpc_unary(rclient *c, grpc_channel *ch, const char *method, const ProtobufCMessage *req,
              uint8_t **resp, size_t *resp_len, remote_status *st);

/* ---- caps.c ---- */
/* GetCapabilities (or its remembered answer) once per handle: sets
 * batch_limit; -1 if the server cannot be used (no SHA-256). */
int client_capabilities(rclient *c, remote_status *st);
/* Does the execution server offer Execute (its capabilities' exec_enabled)?
 * 1 or 0 (asked once per handle), -1 if it could not be asked. */
int client_can_execute(rclient *c, remote_status *st);

/* ---- client.c ---- */
/* Check a received ActionResult against the rules in remote.h "Trust". */
int client_check_result(const reapi_action_result *ar, char *const *outputs, int n_outputs,
                        remote_status *st);

/* ---- cas.c ---- */
int cas_upload(rclient *c, const remote_blob *blobs, size_t n, remote_status *st);
int cas_fetch(rclient *c, remote_fetch_item *items, size_t n, remote_status *st);

/* The module's table (client.c; also what the agent calls). */
const remote_module *ricc_remote_module_v1(void);

/* ---- agent.c ---- */
void agent_serve(const config *cfg, const remote_host *host, int listen_fd,
                 const char *sock_path, int idle_s, int max_s);
/* Serve the one connection fd (a socketpair end: ricc-remote --fd, the
 * direct calls of a static ricc) until it closes. */
void agent_serve_fd(const config *cfg, const remote_host *host, int fd);

/* ---- exec.c ---- */
int exec_execute(rclient *c, const digest *action, int skip_cache_lookup, char *const *outputs,
                 int n_outputs, void **ar, size_t *ar_len, int *cached, remote_status *st);

#endif
