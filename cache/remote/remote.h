/* SPDX-License-Identifier: Apache-2.0 */
/* remote.h — the remote REAPI v2 client, as the wrapper sees it.
 *
 * NOTE FOR CALLERS (API v1, stable): call remote_open() only after a local
 * miss; it returns NULL (silently, or after the one warning) whenever the
 * remote cannot be used, and then you carry on locally.  Every call below
 * returns 0 on success (REMOTE_MISS = 1 where a lookup can miss) and -1 on
 * failure; on failure the loader has ALREADY told the user what they need to
 * know (a warning, printed once per build for "server down" and "updates
 * refused"), so the caller prints nothing more (LOG_D at most), falls back
 * to running the compile here and counts a fallback.  remote_error(r) gives
 * the gRPC code and message for a debug log.  Buffers returned are malloc'd:
 * free() them.  The caller stores what comes back: a remote hit's bytes come
 * back in memory (or in files you name).  The one exception is the agent,
 * which writes a fetched blob of 64 KiB or more straight into the caller's
 * store (RICC_DIR travels with each request), checked against its digest,
 * rather than pass it through the socket (cache/remote/client/agent.c).
 *
 * The flow, in short:
 *   lookup   r = remote_open(cfg); remote_get_action_result(r, &key.action,
 *            key.output_paths, key.n_outputs, &ar, &len): on 0 parse it;
 *            OutputFiles with inlined contents are ready, the others (and
 *            stdout/stderr given by digest) come from one remote_fetch of
 *            the blobs not already in the local CAS; write the outputs,
 *            store the blobs and the ActionResult locally, count remote_hit.
 *   upload   (cache-only miss with cache_upload_local_build) run here, then
 *            remote_upload(outputs by path, stdout/stderr by data) and
 *            remote_update_action_result(r, &key.action, ar, len).
 *   execute  remote_set_action_id(r, &key.action); remote_upload(Action,
 *            Command, every Directory from merkle_finish, every input file
 *            by path); remote_execute(...); then as a lookup hit.
 *   remote_close(r) before exiting.
 *
 * Shape.  libricc (the ricc program) links no gRPC, so a local hit never pays
 * for loading libgrpc and grpc_init (design.md "Process start is the
 * budget").  The client proper lives in libricc-remote.so (cache/remote/client/).
 * Calls reach it through a per-user agent process that keeps it loaded and
 * connected (started on demand, gone when idle, never needed for
 * correctness; RICC_REMOTE_AGENT=0 turns it off), or by dlopen'ing it from
 * <dir of /proc/self/exe>/../lib/, then ../lib/ricc/, or
 * $RICC_REMOTE_MODULE (remote_loader.c says more).  The module exports ONE
 * symbol, REMOTE_MODULE_SYMBOL, a function returning a table of function
 * pointers (remote_module, below) with an ABI version.  The loader (remote_loader.c,
 * in libricc-cache) wraps that table and implements the failure policy:
 *
 *  - A failure that means "unreachable" or "unusable" (UNAVAILABLE,
 *    DEADLINE_EXCEEDED, connection refused, UNAUTHENTICATED, a server without
 *    SHA-256, the module missing) marks the server down: the file
 *    $RICC_DIR/remote-down ("<until-epoch> <why>", written atomically) makes
 *    every ricc process skip the remote for remote_skip_seconds without
 *    waiting and without printing.  Only the process whose call did the
 *    marking prints the warning, so a build sees one.
 *  - PERMISSION_DENIED / UNIMPLEMENTED on UpdateActionResult (casd with
 *    action cache updates disabled) marks $RICC_DIR/remote-noupdate the same
 *    way: one warning, then updates are skipped quietly.
 *  - A server without an Execution service (its capabilities, or Execute
 *    answering UNIMPLEMENTED) or whose Execute does not finish within
 *    exec_timeout marks $RICC_DIR/remote-noexec: one warning, then
 *    remote_can_execute says no and compiles run here (an hour for the
 *    former, remote_skip_seconds for the latter).
 *  - Anything else wrong (a blob whose content does not match its digest, an
 *    output path that leaves the tree, a garbled reply) is refused with a
 *    warning for that call only.
 *
 * Trust.  Everything the server sends is checked before it is returned:
 * blobs against their digests; inlined contents and stdout/stderr against
 * theirs; every output path of an ActionResult must be one of the Command's
 * output paths the caller passes (with none passed: relative, normalized,
 * no ".." component). */
#ifndef RICC_REMOTE_H
#define RICC_REMOTE_H

#include <stddef.h>
#include <stdint.h>
#include "cache/util/config.h"
#include "cache/reapi/digest.h"

/* gRPC status codes (the same numbers as grpc_status_code), so the host
 * needs no gRPC header.  Local failures use the closest one: DATA_LOSS for a
 * digest mismatch, INTERNAL for a reply that cannot be parsed or is unsafe,
 * UNKNOWN for local I/O. */
enum remote_code {
    REMOTE_CODE_OK = 0,
    REMOTE_CODE_CANCELLED = 1,
    REMOTE_CODE_UNKNOWN = 2,
    REMOTE_CODE_INVALID_ARGUMENT = 3,
    REMOTE_CODE_DEADLINE_EXCEEDED = 4,
    REMOTE_CODE_NOT_FOUND = 5,
    REMOTE_CODE_ALREADY_EXISTS = 6,
    REMOTE_CODE_PERMISSION_DENIED = 7,
    REMOTE_CODE_RESOURCE_EXHAUSTED = 8,
    REMOTE_CODE_FAILED_PRECONDITION = 9,
    REMOTE_CODE_ABORTED = 10,
    REMOTE_CODE_OUT_OF_RANGE = 11,
    REMOTE_CODE_UNIMPLEMENTED = 12,
    REMOTE_CODE_INTERNAL = 13,
    REMOTE_CODE_UNAVAILABLE = 14,
    REMOTE_CODE_DATA_LOSS = 15,
    REMOTE_CODE_UNAUTHENTICATED = 16,
};

/* The outcome of the last failed call on a handle. */
typedef struct remote_status {
    int code;            /* enum remote_code */
    int unusable;        /* the server cannot serve this build (e.g. no SHA-256,
                            bad credentials): the loader marks it down */
    char message[512];   /* "GetActionResult: failed to connect to all addresses" */
} remote_status;

/* A blob to upload: in memory (data/len) or a file (path) whose content
 * has digest d.  The empty blob is sent only to a server that says it
 * lacks it (cas.c). */
typedef struct remote_blob {
    digest d;
    const void *data;
    size_t len;
    const char *path;   /* used when data is NULL */
} remote_blob;

/* A blob to download.  With path set it is written there atomically (temp
 * file + rename, mode 0755 if executable else 0644, minus umask); otherwise
 * data/len receive a malloc'd copy.  The content is verified against d
 * before it is returned or renamed into place. */
typedef struct remote_fetch_item {
    digest d;
    const char *path;
    int executable;
    void *data;         /* out, when path is NULL */
    size_t len;         /* out */
} remote_fetch_item;

enum { REMOTE_MISS = 1 };

typedef struct remote remote;

/* ---- caller API (remote_loader.c) ---- */

/* 1 if server, cas_server or action_cache_server is set.  No I/O. */
int remote_configured(const config *cfg);

/* 1 if configured and not marked down (one open() of $RICC_DIR/remote-down;
 * an expired mark counts as not down). */
int remote_usable(const config *cfg);

/* Mark the remote down for cfg->remote_skip_seconds because of `why`.
 * Returns 1 if this call made the mark (and printed the warning), 0 if it
 * was already marked by someone else (nothing printed). */
int remote_mark_down(const config *cfg, const char *why);

/* Load the module and open channels (no network traffic yet: connecting and
 * GetCapabilities happen on the first call).  NULL when the remote is not
 * configured, marked down, or cannot be opened (module missing, bad address,
 * unreadable certificate or token file: warned about once and marked down). */
remote *remote_open(const config *cfg);
void remote_close(remote *r);

/* The RequestMetadata action_id sent with the following calls (the action
 * digest's hash, as Bazel does).  The calls taking an action digest set it
 * themselves. */
void remote_set_action_id(remote *r, const digest *action);

/* ActionCache.GetActionResult.  0 hit (*ar malloc'd serialized ActionResult,
 * already checked as said under "Trust"), REMOTE_MISS, or -1.  outputs: the
 * Command's output paths (action_key.output_paths); the server is asked to
 * inline their contents (saving a fetch when it does) and a result naming
 * any other path is refused.  A server may ignore the inlining: fetch the
 * OutputFiles whose contents are empty and whose digest size is not 0.
 * (Through the agent there are seldom any: it fetches, verified, what the
 * server left out, up to 4 MiB, within the same request; remote_execute's
 * result likewise.) */
int remote_get_action_result(remote *r, const digest *action,
                             char *const *outputs, int n_outputs,
                             void **ar, size_t *ar_len);

/* ActionCache.UpdateActionResult with a serialized ActionResult whose blobs
 * are already uploaded.  0 or -1 (also -1, quietly, while updates are known
 * to be refused). */
int remote_update_action_result(remote *r, const digest *action,
                                const void *ar, size_t ar_len);

/* FindMissingBlobs, then BatchUpdateBlobs (within the server's batch limit)
 * or ByteStream Write (bigger blobs) for the missing ones only.  0 or -1. */
int remote_upload(remote *r, const remote_blob *blobs, size_t n);

/* BatchReadBlobs within the batch limit, ByteStream Read for bigger blobs;
 * every blob verified.  0 when every item was fetched, -1 otherwise (a blob
 * the server lacks is NOT_FOUND).  On -1, data already returned is freed
 * and set to NULL. */
int remote_fetch(remote *r, remote_fetch_item *items, size_t n);

/* Execution.Execute the action (its Action, Command, input tree and files
 * uploaded first with remote_upload); follows the Operation stream,
 * WaitExecution when it breaks, and honours ExecuteResponse.status.  0 with
 * *ar the serialized ActionResult (checked like remote_get_action_result's,
 * against outputs; its exit code may be non-zero) and *cached (may be NULL)
 * set from cached_result, or -1. */
int remote_execute(remote *r, const digest *action, int skip_cache_lookup,
                   char *const *outputs, int n_outputs,
                   void **ar, size_t *ar_len, int *cached);

/* May compiles be Executed?  1 when the server offers Execute (its
 * GetCapabilities, asked once per agent or process), 0 when it says it does
 * not, or an Execute call answered UNIMPLEMENTED earlier in the build: the
 * first process to learn it warns, once per build (the mark
 * $RICC_DIR/remote-noexec), and the caller compiles here instead, uploading
 * the result as for an action no worker could make.  -1 on failure (the
 * failure policy above has applied; compile here). */
int remote_can_execute(remote *r);

/* The last failure on r. */
const remote_status *remote_error(const remote *r);

/* 1 if r's calls go through the agent (remote_loader.c), for logs and tests. */
int remote_via_agent(const remote *r);

/* ---- module ABI (cache/remote/client/ implements, remote_loader.c calls) ---- */

#define REMOTE_ABI_VERSION 2
#define REMOTE_MODULE_SYMBOL "ricc_remote_module_v1"

/* What the host lends the module: the module has its own copy of
 * libricc-cache (and so its own, uninitialised, log state), so it logs
 * through the host. */
typedef struct remote_host {
    int abi_version;
    int (*log_enabled)(enum log_level level);
    void (*log)(enum log_level level, const char *msg);
} remote_host;

/* Each call fills *st on failure.  Return values as in the caller API. */
typedef struct remote_module {
    int abi_version;          /* REMOTE_ABI_VERSION */
    size_t size;              /* sizeof(remote_module) */
    void *(*open)(const config *cfg, const remote_host *host, remote_status *st);
    void (*close)(void *h);
    void (*set_action_id)(void *h, const digest *action);
    int (*get_action_result)(void *h, const digest *action, char *const *outputs,
                             int n_outputs, void **ar, size_t *ar_len, remote_status *st);
    int (*update_action_result)(void *h, const digest *action, const void *ar, size_t ar_len,
                                remote_status *st);
    int (*upload)(void *h, const remote_blob *blobs, size_t n, remote_status *st);
    int (*fetch)(void *h, remote_fetch_item *items, size_t n, remote_status *st);
    int (*execute)(void *h, const digest *action, int skip_cache_lookup, char *const *outputs,
                   int n_outputs, void **ar, size_t *ar_len, int *cached, remote_status *st);
    /* RequestMetadata ids of the ricc process a call is made for (the agent
     * serves many): tool_invocation_id and correlated_invocations_id. */
    void (*set_ids)(void *h, const char *invocation_id, const char *correlated_id);
    /* The agent's loop (remote_loader.c "The agent"): answer requests on
     * listen_fd until idle for idle_s seconds, alive for max_s seconds, or
     * sock_path no longer names our socket.  Returns; the caller exits. */
    void (*serve)(const config *cfg, const remote_host *host, int listen_fd,
                  const char *sock_path, int idle_s, int max_s);
    /* Serve one connection (the direct calls of a static ricc) until it
     * closes. */
    void (*serve_fd)(const config *cfg, const remote_host *host, int fd);
    /* Does the execution server execute (GetCapabilities)?  1, 0 or -1. */
    int (*can_execute)(void *h, remote_status *st);
    /* The blob bytes this handle's uploads have sent so far (only the
     * blobs FindMissingBlobs said the server lacks), for the caller's
     * remote_bytes_up (stats.h). */
    int64_t (*bytes_sent)(void *h);
} remote_module;

typedef const remote_module *(*remote_module_fn)(void);

/* The main of ricc-remote, the program a static ricc uses instead of
 * loading the module (remote_loader.c): `--fd N` serves the one connection
 * on N, `--agent SOCKET` becomes the agent.  m: the module, linked in. */
int remote_helper_main(const config *cfg, int argc, char **argv, const remote_module *m);

#endif
