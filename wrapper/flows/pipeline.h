/* SPDX-License-Identifier: Apache-2.0 */
/* pipeline.h — the one cached call that every kind of wrapped call plugs
 * into: a compile (flow.c), an ar call (ar.c), a link (link.c) and
 * `ricc exec` (exec_tool.c).  Design: pipeline.c.
 *
 *   key ─ not cacheable / cannot be keyed ─────────► plain (ran untouched)
 *    │  (each kind's own parse checks, toolchain, stat index, the key)
 *   open the store and the remote's handle ─ fails ─► plain (fallback)
 *    │
 *   lookup ─ hit ─► its exit status (the local store, counted by the kind)
 *    │ miss
 *   remote, when the kind has one and a remote is usable ─► its exit status
 *    │ else
 *   run here and store the result.
 *
 * The pipeline owns what every kind shares (the context below): the store,
 * the stat index and the remote are opened here and only here, and closed
 * by pipeline_end().  A kind's call struct embeds a `pipeline`, set up by
 * its initializer as {.p.cfg = cfg} (the rest zero: no second pass over
 * the 4 kB of cwd on the hit path), and hands its own pointer to the ops. */
#ifndef RICC_PIPELINE_H
#define RICC_PIPELINE_H

#include <stdint.h>

#include "cache/util/config.h"
#include "cache/reapi/digest.h"
#include "cache/local/statindex.h"
#include "cache/local/store.h"
#include "wrapper/key/result.h"
#include "wrapper/remote/remote_flow.h"

typedef struct pipeline {
    const config *cfg;
    char cwd[4096];          /* filled by the kind's key op (getcwd) */
    int64_t t0;              /* when the call began (action.h, "the rule") */
    digest toolchain;        /* the toolchain digest (pipeline_toolchain) */
    int have_toolchain;
    statindex *index;        /* pipeline_open_index */
    store *st;               /* pipeline_open_store */
    rflow *rf;               /* with the store; NULL when no remote is configured */
} pipeline;

/* The key op's answer when the call is keyed and goes on to the lookup
 * (any other value is the exit status of a call already run or served). */
#define PIPELINE_GO (-2000)

typedef struct pipeline_ops {
    /* Run the command untouched, replacing this process, after counting
     * `counter` (an enum stat_id; < 0 counts nothing). */
    int (*plain)(void *call, int counter);
    /* Everything before the store: the kind's checks, the working
     * directory, the toolchain, the stat index, the key.  PIPELINE_GO, or
     * an exit status (the op ran the command itself). */
    int (*key)(void *call);
    /* The local store's answer: a hit's exit status (counted and logged by
     * the op), or -1 (nothing written). */
    int (*lookup)(void *call);
    /* A local miss with a usable remote (remote_flow.h): the exit status.
     * NULL for a kind whose run op asks the remote itself (a compile: its
     * dependency scan keys it again after the first lookup). */
    int (*remote)(void *call);
    /* A local miss without a remote: run here, store, the exit status. */
    int (*run)(void *call);
} pipeline_ops;

/* Drive one call: t0, then the ops in the order drawn above. */
int pipeline_run(const pipeline_ops *ops, void *call, pipeline *p);
/* Close what was opened (remote, store, stat index). */
void pipeline_end(pipeline *p);

/* The toolchain digest setting (action_toolchain_digest) into
 * p->toolchain: 1 when there is one, else 0 (p->have_toolchain too). */
int pipeline_toolchain(pipeline *p);
/* The stat index, installed for input digests (inputs.h). */
void pipeline_open_index(pipeline *p);
/* The store (once; and the remote's handle, which does no I/O until the
 * remote is first used, so a local hit never opens it): NULL on failure. */
store *pipeline_open_store(pipeline *p);

/* Serve the local action cache's entry for action onto o: the exit status,
 * or -1 (a miss; nothing written to stdout or stderr). */
int pipeline_serve_local(pipeline *p, const digest *action, const result_outputs *o);

#endif
