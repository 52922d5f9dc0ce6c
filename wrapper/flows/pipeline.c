/* SPDX-License-Identifier: Apache-2.0 */
/* pipeline.c — the one cached call (pipeline.h), driven through a kind's
 * ops.
 *
 * Why ops and not one function per kind: a compile, an ar call, a link and
 * a traced tool differ in how they are parsed, keyed, looked up and run,
 * but not in the order of those steps, nor in what they share: the store,
 * the stat index and the remote, opened the same way and closed the same
 * way whatever happened.  Four copies of that drifted (one kind opened the
 * stat index after the store, another before), so the steps are written
 * once here and each kind lends only what is its own.
 *
 * What stays in the ops, and why:
 * - key: each kind checks different things before any file is hashed (a
 *   compile's environment variables, ar's archive, exec's standard input),
 *   and in an order tests and counters see (uncacheable before fallback),
 *   so the op calls the shared openers below where its logic needs them
 *   (ar needs the store before its key: the ar program's identity is kept
 *   there).
 * - lookup: a compile's first lookup is direct mode's manifest (and the
 *   remote's manifest after it), a link's and exec's their text manifests,
 *   ar's the action cache; the hit's counter and message differ too.
 * - remote/run: a compile keys itself again after a direct miss (depend
 *   mode, the dependency scan) and only then knows whether to ask the
 *   remote, so its run op does that itself and it has no remote op.
 *
 * Opening: the store only once the call is keyed (an uncacheable call never
 * touches RICC_DIR's store), with the remote's handle, which does no I/O:
 * rflow_active() opens the remote only after a local miss. */
#include "wrapper/flows/pipeline.h"

#include <stdlib.h>
#include <string.h>

#include "cache/local/stats.h"
#include "wrapper/key/action.h"
#include "wrapper/compiler/inputs.h"

int pipeline_run(const pipeline_ops *ops, void *call, pipeline *p)
{
    p->t0 = action_clock_ns();
    int status = ops->key(call);
    if (status != PIPELINE_GO)
        return status;
    if (!pipeline_open_store(p))
        return ops->plain(call, ST_FALLBACK);
    status = ops->lookup(call);
    if (status >= 0)
        return status;
    if (ops->remote && rflow_active(p->rf))
        return ops->remote(call);
    return ops->run(call);
}

void pipeline_end(pipeline *p)
{
    rflow_close(p->rf);
    p->rf = NULL;
    if (p->st)
        store_close(p->st);
    p->st = NULL;
    inputs_set_index(NULL);
    statindex_close(p->index);
    p->index = NULL;
}

int pipeline_toolchain(pipeline *p)
{
    p->have_toolchain = action_toolchain_digest(p->cfg, &p->toolchain);
    return p->have_toolchain;
}

void pipeline_open_index(pipeline *p)
{
    if (!p->index)
        p->index = statindex_open(p->cfg->dir);
    inputs_set_index(p->index);
}

store *pipeline_open_store(pipeline *p)
{
    if (p->st)
        return p->st;
    p->st = store_open(p->cfg->dir, p->cfg->max_size);
    if (p->st) {
        store_set_compression(p->st, p->cfg->compression, p->cfg->compression_level);
        p->rf = rflow_new(p->cfg, p->st);
    }
    return p->st;
}

int pipeline_serve_local(pipeline *p, const digest *action, const result_outputs *o)
{
    char *bytes;
    size_t len;
    if (store_get(p->st, STORE_AC, action, &bytes, &len) != 0)
        return -1;
    int status = result_serve(p->st, action, o, bytes, len);
    free(bytes);
    return status;
}
