/* SPDX-License-Identifier: Apache-2.0 */
/* flow_int.h — what the parts of the wrapped compile share: the call, and
 * the steps each part lends the others.  flow.c is the compile's ops for
 * the pipeline (pipeline.h; parse, key, lookup, compile, store: flow.h);
 * flow_direct.c is direct mode's lookup (manifests, their second chances,
 * the remote's manifests);
 * flow_observe.c is what a miss learns from watching the whole toolchain
 * (observe.h).  Nothing else includes this. */
#ifndef RICC_FLOW_INT_H
#define RICC_FLOW_INT_H

#include <stddef.h>
#include <stdint.h>

#include "cache/util/config.h"
#include "cache/reapi/digest.h"
#include "cache/local/memo.h"
#include "cache/local/statindex.h"
#include "cache/local/store.h"
#include "wrapper/key/action.h"
#include "wrapper/compiler/compiler.h"
#include "wrapper/deps/depend.h"
#include "wrapper/direct/manifest.h"
#include "wrapper/flows/pipeline.h"
#include "wrapper/flows/reason.h"
#include "wrapper/remote/remote_flow.h"

typedef struct call {
    pipeline p;              /* cfg, cwd, t0, toolchain, store, stat index, remote */
    char *compiler;          /* resolved path of the real compiler */
    char **argv;             /* the user's argv with argv[0] = compiler path */
    char **user_argv;        /* as the user gave it (what compiler_parse reads) */
    int argc;
    compile_cmd cmd;
    int have_cmd;
    char **deps;
    int n_deps;
    int n_extra;             /* the last n_extra deps: read by others than cc1 */
    int base_seen;           /* an output held the base's name (flow_base_in_outputs) */
    char **absent;           /* looked for by a helper program (observe.h) */
    int n_absent;
    action_inputs in;
    digest toolkey;          /* toolchain digest or compiler identity */
    digest mkey;             /* direct-mode manifest key */
    digest src;              /* the source's digest (in mkey) */
    memo *scans;             /* include names by file digest, for the proof */
    memo *codes;             /* code digests by file digest (comment_hit.h) */
    action_key key;
    int have_key;
    int lock_fd;
    int direct;              /* the direct lookup's miss: DIRECT_MISS or DIRECT_SCAN */
    int from_remote;         /* the hit came from the remote */
    depend dep;              /* how a miss learns its inputs (depend mode) */
    enum miss_reason miss;   /* why it missed (explain.h), counted with ST_MISS */
    int explaining;          /* `ricc --explain`: nothing may be written */
} call;

/* ---- flow.c ---- */

/* Serve the call from a serialized ActionResult: its exit status, or -1
 * (a miss; nothing written to stdout or stderr). */
int flow_serve_hit(call *c, const void *bytes, size_t len);
/* The local action cache for c->key.action: the exit status, or -1. */
int flow_lookup(call *c);
/* The remote's action cache for c->key.action: the exit status, or -1. */
int flow_remote_lookup(call *c);
/* Store m (taken) under c->mkey. */
void flow_write_manifest(call *c, manifest *m);
/* Parse, the toolchain, the Action's first half and the manifest key
 * (the key op's work, which `ricc --explain` shares): FLOW_KEYED, or why
 * not — FLOW_UNCACHEABLE (*why, *arg, *r), FLOW_FALLBACK (ricc's trouble;
 * *why or NULL when already said), FLOW_DISABLED, FLOW_NO_SOURCE (the
 * source cannot be read: the compiler will say so).  Runs nothing. */
enum { FLOW_KEYED, FLOW_UNCACHEABLE, FLOW_FALLBACK, FLOW_DISABLED, FLOW_NO_SOURCE };
int flow_key(call *c, const char **why, const char **arg, enum uncacheable_reason *r);
/* The dependency scan into c->deps: 0 or -1. */
int flow_scan_deps(call *c);
/* The key's second half over c->deps (and __has_include's finds): 0, or -1
 * with *why. */
int flow_finish_key(call *c, const char **why);
/* A precompiled header beside a header the scan listed? */
int flow_deps_have_pch(const call *c);
/* Free what the call holds (and close what its pipeline opened). */
void flow_call_free(call *c);

/* ---- flow_direct.c ---- */

/* The preprocessor-free lookup: manifest → action → action cache.  The exit
 * status on a hit; DIRECT_MISS; or DIRECT_SCAN when this source's include
 * set could not be proven before, so only the dependency scan can tell. */
#define DIRECT_MISS (-1)
#define DIRECT_SCAN (-2)
int flow_direct_lookup(call *c);

/* ---- flow_observe.c ---- */

/* After the compile of a miss (d: how it ran), what the whole toolchain
 * read beyond c->deps: 1 to go on caching (*rehashed = 1 when the key was
 * made again after the compile), 0 not cacheable (said why). */
int flow_observe_inputs(call *c, const depend *d, int *rehashed);
/* Do the outputs hold the base's name though the key does not?  1 when the
 * key was made again to hold it, 0 when not needed, -1 not cacheable. */
int flow_base_in_outputs(call *c);

#endif
