/* SPDX-License-Identifier: Apache-2.0 */
/* remote_exec.c — a compile Executed by the remote (remote_flow.c decides
 * when: a miss outside cache-only mode).
 *
 * The input root is built from the key's own dependency list and digests,
 * named as action.c names them, and must come out with the key's digest: so
 * what is uploaded is exactly what the key says, and a worker compiles the
 * files this call would have.  Only blobs the server lacks travel.  A
 * remote compile that exits non-zero is not replayed: the compile runs
 * here, so the build's messages and status are the local compiler's.
 * Nor is one whose paths the worker spelt otherwise than this command line
 * (remote_safe.h, quiet_only) when it printed anything: its messages would
 * name them so; the server was told not to keep it (do_not_cache). */
#include "wrapper/remote/remote_flow_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cache/util/fsutil.h"
#include "cache/util/log.h"
#include "cache/reapi/merkle.h"
#include "cache/reapi/reapi.h"

static int keep_dir(const digest *d, const void *bytes, size_t len, void *arg)
{
    blobs *b = arg;
    void *copy = malloc(len ? len : 1);
    if (!copy)
        return -1;
    memcpy(copy, bytes, len);
    if (rflow_blobs_add(b, d, copy, len, NULL, 1) != 0) {
        free(copy);
        return -1;
    }
    return 0;
}

/* The input root's Directory blobs and files, into b.  The tree is named
 * as action.c names it (action_tree_path); the root digest must come out as
 * the key's, so what is uploaded is exactly what the key says.  0 or -1. */
static int add_inputs(const rflow_call *c, blobs *b)
{
    const action_key *k = c->key;
    merkle_tree *t = merkle_new();
    int rc = t ? 0 : -1;
    for (int i = 0; rc == 0 && i < c->n_deps; i++) {
        char *name = action_tree_path(k->kb.base, c->deps[i], c->cwd);
        struct stat st;
        const char *why;
        if (!name || stat(c->deps[i], &st) != 0 ||
            merkle_add_file(t, name, &k->dep_digests[i], (st.st_mode & S_IXUSR) != 0, &why) != 0 ||
            rflow_blobs_add(b, &k->dep_digests[i], NULL, 0, c->deps[i], 0) != 0)
            rc = -1;
        free(name);
    }
    digest root;
    if (rc == 0 && merkle_finish(t, &root, keep_dir, b) != 0)
        rc = -1;
    if (rc == 0 && !digest_equal(&root, &k->input_root)) {
        LOG_D("input root %s is not the key's %s; not executing remotely", root.hash,
              k->input_root.hash);
        rc = -1;
    }
    merkle_free(t);
    return rc;
}

/* The Action to execute: the key's, or a copy with do_not_cache set so the
 * server keeps no result either (action_uncacheable, or a result that may
 * not be ours to keep: quiet_only).  *owned is what to free. */
static int exec_action(rflow *rf, const action_key *k, int no_cache, digest *d,
                       const void **blob, size_t *len, void **owned)
{
    *owned = NULL;
    *d = k->action;
    *blob = k->action_blob;
    *len = k->action_len;
    if (!rf->cfg->action_uncacheable && !no_cache)
        return 0;
    reapi_action *a = (reapi_action *)protobuf_c_message_unpack(
        &build__bazel__remote__execution__v2__action__descriptor, NULL, k->action_len,
        k->action_blob);
    if (!a)
        return -1;
    a->do_not_cache = 1;
    *owned = reapi_pack(&a->base, len, d);
    *blob = *owned;
    protobuf_c_message_free_unpacked(&a->base, NULL);
    return *owned ? 0 : -1;
}

/* A stream of a remote result: has it any bytes? */
static int stream_has_bytes(const reapi_digest *d, const ProtobufCBinaryData *raw)
{
    return raw->len > 0 || (d && d->size_bytes > 0);
}

/* Upload and Execute.  The exit status served, or -1 (failure or a result
 * not used: compile here). */
int rflow_execute(rflow *rf, const rflow_call *c, int quiet_only, enum rflow_how *how)
{
    const action_key *k = c->key;
    blobs b = { 0 };
    digest ad;
    const void *ablob;
    size_t alen;
    void *owned = NULL, *raw = NULL, *ar = NULL;
    size_t raw_len, ar_len;
    int cached = 0, status = -1;
    if (exec_action(rf, k, quiet_only, &ad, &ablob, &alen, &owned) != 0 ||
        rflow_blobs_add(&b, &ad, ablob, alen, NULL, 0) != 0 ||
        rflow_blobs_add(&b, &k->command, k->command_blob, k->command_len, NULL, 0) != 0 ||
        add_inputs(c, &b) != 0) {
        LOG_D("cannot prepare the remote execution; compiling here");
        goto out;
    }
    remote_set_action_id(rf->r, &ad);
    if (remote_upload(rf->r, b.v, b.n) != 0) {
        rflow_fail(rf, "upload of the inputs");
        goto out;
    }
    LOG_P("Executing action remotely");
    if (remote_execute(rf->r, &ad, rf->cfg->skip_cache, k->output_paths, k->n_outputs, &raw,
                       &raw_len, &cached) != 0) {
        rflow_fail(rf, "Execute");
        goto out;
    }
    reapi_action_result *m = (reapi_action_result *)protobuf_c_message_unpack(
        &build__bazel__remote__execution__v2__action_result__descriptor, NULL, raw_len, raw);
    if (!m) {
        rflow_fail(rf, "Execute result parse");
        goto out;
    }
    int code = m->exit_code;
    int said = stream_has_bytes(m->stdout_digest, &m->stdout_raw) ||
               stream_has_bytes(m->stderr_digest, &m->stderr_raw);
    protobuf_c_message_free_unpacked(&m->base, NULL);
    LOG_P("Remote execution finished with exit code %d", code);
    if (code != 0) {
        LOG_I("compiling here for the compiler's own messages and status");
        goto out;
    }
    if (quiet_only && said) {
        /* They would name a path as the worker spelt it, not as this
         * command line does. */
        LOG_I("the remote compile printed messages, which spell paths relative to the base; "
              "compiling here");
        goto out;
    }
    if (rflow_import(rf, k, raw, raw_len, &ar, &ar_len) != 0)
        goto out;
    status = c->serve(c->ctx, ar, ar_len);
    *how = cached ? RFLOW_HIT : RFLOW_EXECUTED;
out:
    free(ar);
    free(raw);
    free(owned);
    rflow_blobs_free(&b);
    return status;
}

