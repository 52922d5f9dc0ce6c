/* SPDX-License-Identifier: Apache-2.0 */
/* remote_flow.h — the remote REAPI server in a wrapped call (flow.c's
 * hooks).  remote_flow.c explains the design.
 *
 * Everything here runs only after the local store missed, so a local hit
 * never opens the remote (nor loads gRPC).  A remote failure is never the
 * build's failure: the functions return -1, the loader has already warned
 * (cache/remote/remote.h), rflow_failed() becomes 1 and the caller compiles here. */
#ifndef RICC_REMOTE_FLOW_H
#define RICC_REMOTE_FLOW_H

#include <stddef.h>

#include "cache/util/config.h"
#include "cache/reapi/digest.h"
#include "cache/local/store.h"
#include "wrapper/key/action.h"

typedef struct rflow rflow;

/* The remote for one call: NULL when none is configured.  No I/O: the
 * remote is opened by the first function that needs it (so a local hit
 * never does).  Every function below accepts NULL.  st is the local store
 * results go to. */
rflow *rflow_new(const config *cfg, store *st);
void rflow_close(rflow *rf);

/* Open it if not done yet: 1 if the remote can be used (configured, not
 * marked down, opened, no call of ours has failed), else 0. */
int rflow_active(rflow *rf);

/* 1 if a remote call of this process failed (count a fallback). */
int rflow_failed(const rflow *rf);

/* The remote action cache for key->action.  0: *ar (malloc'd) is a
 * serialized ActionResult with exit code 0 and every output of the key,
 * whose blobs are all in the local CAS now; it is also stored in the local
 * action cache unless action_uncacheable.  REMOTE_MISS, or -1. */
int rflow_lookup(rflow *rf, const action_key *key, void **ar, size_t *len);

/* The remote's copy of the direct-mode manifest under mkey: 1 with *action
 * when one of its include sets holds here (the manifest is then kept in the
 * local store if there is none), else 0.  When the result that travels
 * with the manifest is *action's, it is in the local store too (checked as
 * rflow_lookup checks, against key's outputs; *taken = 1): no second call
 * is needed. */
int rflow_manifest_match(rflow *rf, const action_key *key, const digest *mkey, digest *action,
                         int *taken);

/* What travels with a remote manifest: the result last uploaded with it. */
typedef struct rflow_carried rflow_carried;

/* The bytes of the remote's manifest under mkey, whatever its format (a
 * link's manifest is not a compile's): 1 with *bytes (malloc'd, with a NUL
 * after its len bytes), else 0 (none, or a failure: see rflow_failed).
 * With `carried`, *carried gets what travels with it (for rflow_take; free
 * with rflow_carried_free), or NULL. */
int rflow_manifest_fetch(rflow *rf, const digest *mkey, char **bytes, size_t *len,
                         rflow_carried **carried);

/* The result that travelled with a manifest, if it is key->action's: 0
 * with *ar as rflow_lookup gives it (checked the same way, its blobs in the
 * local CAS, kept in the local action cache), so no second call is needed;
 * else -1 (ask the action cache).  carried may be NULL. */
int rflow_take(rflow *rf, rflow_carried *carried, const action_key *key, void **ar, size_t *len);
void rflow_carried_free(rflow_carried *carried);

/* What the caller lends for the miss path. */
typedef struct rflow_call {
    const action_key *key;     /* finished: input root and dep_digests set */
    const digest *mkey;        /* manifest key, NULL without direct mode */
    char *const *deps;         /* the inputs, as key->dep_digests names them */
    int n_deps;
    const char *cwd;
    void *ctx;
    /* Serve an ActionResult whose blobs are in the local CAS (outputs,
     * stdout, stderr): the exit status, or -1 (nothing written). */
    int (*serve)(void *ctx, const void *ar, size_t len);
    /* Compile here and store locally (counted by the callee).  It may
     * update *key's action (a link keyed again by its own trace): the upload
     * that follows reads the local result under key->action. */
    int (*compile)(void *ctx);
    /* Not NULL: why this action must not be Executed remotely (it is then
     * run here, and its result uploaded even without cache-only mode, as
     * rflow_upload does). */
    const char *no_execute;
    /* Upload the manifest with this result travelling along
     * (rflow_manifest_match or rflow_take takes it from there). */
    int carry_result;
} rflow_call;

enum rflow_how {
    RFLOW_HIT,       /* served from the remote action cache (count remote_hit) */
    RFLOW_EXECUTED,  /* executed remotely and served (count a miss) */
    RFLOW_LOCAL,     /* compiled here through call->compile (already counted) */
};

/* A keyed compile the local store does not have: the remote action cache;
 * then, in cache-only mode, compile here and (cache_upload_local_build)
 * upload the result; otherwise upload the inputs and Execute.  Returns the
 * exit status; *how says which. */
int rflow_miss(rflow *rf, const rflow_call *call, enum rflow_how *how);

/* An action run here whose key was known only afterwards (a link: its
 * inputs come from the linker's trace), so rflow_miss could not be asked
 * first: upload the local result under key->action and the local manifest
 * under mkey (NULL: none), unless action_uncacheable, or cache-only mode
 * without cache_upload_local_build.  Failures are only warned about. */
void rflow_upload(rflow *rf, const action_key *key, const digest *mkey);

#endif
