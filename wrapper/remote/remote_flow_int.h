/* SPDX-License-Identifier: Apache-2.0 */
/* remote_flow_int.h — what remote_flow.c shares with remote_exec.c, and
 * with nothing else: the per-call remote state, the list of blobs to
 * upload, and bringing a result home.  Not a contract for other modules:
 * remote_flow.h is that. */
#ifndef RICC_REMOTE_FLOW_INT_H
#define RICC_REMOTE_FLOW_INT_H

#include <stddef.h>

#include "cache/remote/remote.h"
#include "wrapper/remote/remote_flow.h"

struct rflow {
    const config *cfg;
    store *st;
    remote *r;      /* once opened; NULL when it could not be */
    int opened;
    int failed;
};

typedef struct blobs {
    remote_blob *v;
    size_t n, cap;
    void **owned;        /* buffers to free afterwards */
    size_t n_owned;
} blobs;

/* Add a blob to upload: its bytes (data, len), or the file at path; owned
 * data is freed by rflow_blobs_free.  0 or -1. */
int rflow_blobs_add(blobs *b, const digest *d, const void *data, size_t len, const char *path,
                    int owned);
void rflow_blobs_free(blobs *b);

/* A call failed: the loader has told the user; note it.  Returns -1. */
int rflow_fail(rflow *rf, const char *what);

/* raw: a checked ActionResult from the server for key.  Bring its blobs
 * into the local CAS, store a copy without inlined bytes in the local
 * action cache (unless action_uncacheable) and return that copy in *out.
 * 0, REMOTE_MISS (a result not to use) or -1. */
int rflow_import(rflow *rf, const action_key *key, const void *raw, size_t raw_len, void **out,
                 size_t *out_len);

/* remote_exec.c: upload the input root and Execute.  The exit status
 * served (*how set), or -1 (a failure, or a result not to use: compile
 * here).  quiet_only (remote_safe.h): the server must not cache the result
 * (do_not_cache), and it is used only if stdout and stderr are empty. */
int rflow_execute(rflow *rf, const rflow_call *c, int quiet_only, enum rflow_how *how);

#endif
