/* SPDX-License-Identifier: Apache-2.0 */
/* stats.h — counters shared by every ricc process using one RICC_DIR.
 *
 * The counters live in one small memory-mapped file ($RICC_DIR/stats) of
 * fixed-size 64-bit slots, updated with atomic adds on the shared mapping: no
 * lock, no read-modify-write of a file, safe under hundreds of concurrent
 * processes and after a crash (each slot update is a single atomic op).  A
 * file of the wrong size or magic is rebuilt as zeros (and that is logged).
 *
 * Every wrapped call adds one to exactly one of the first six counters
 * (design.md).  The rest are informational, plus internal slots the store
 * uses to account its size per shard. */
#ifndef RICC_STATS_H
#define RICC_STATS_H

#include <stdint.h>

enum stat_id {
    ST_DIRECT_HIT,
    ST_PREPROCESSED_HIT,
    ST_REMOTE_HIT,
    ST_MISS,
    ST_UNCACHEABLE,
    ST_FALLBACK,
    /* informational */
    ST_COMPILE_FAILED,    /* compiler exited non-zero; not cached */
    ST_CORRUPT_ENTRY,     /* a store entry failed verification and was removed */
    ST_EVICTED_FILES,     /* entries removed to keep max_size */
    ST_CLEANUPS,          /* shard cleanups run */
    ST_STORE_ERRORS,      /* a write to the store failed (disk full, permissions) */
    /* the remote, counted by the calling ricc process (cache/remote/
     * remote_loader.c, wrapper/remote/remote_flow.c) */
    ST_REMOTE_MISS,       /* an action lookup the remote could not serve */
    ST_REMOTE_ERROR,      /* a remote call that failed (not a timeout) */
    ST_REMOTE_TIMEOUT,    /* a remote call that ran out of its deadline */
    ST_REMOTE_BYTES_UP,   /* bytes handed to the remote: blobs, action results */
    ST_REMOTE_BYTES_DOWN, /* bytes received: action results, blobs */
    ST_PUBLIC_COUNT,      /* number of counters shown to users */
    /* up to 29: free for more public counters */
    /* when the counters were last zeroed, or the file made (unix seconds) */
    ST_ZEROED_AT = 30,
    /* internal: bytes under RICC_DIR outside the shards (layout_measure),
     * as the last cleanup measured them; they come off max_size */
    ST_OTHER_BYTES = 31,
    /* internal: bytes stored per shard (16 shards by first hex digit) */
    ST_SHARD_BYTES0 = 32,
    /* internal: the same entries' uncompressed bytes per shard */
    ST_SHARD_RAW_BYTES0 = 48,
    /* per kind of call (compile, link, ar, exec), 8 slots each: the first
     * six outcome counters again */
    ST_KIND0 = 64,
    /* misses and uncacheable calls by reason (wrapper/flows/reason.h) */
    ST_MISS_REASON0 = 96,
    ST_UNCACHEABLE_REASON0 = 128,
    ST_SLOT_COUNT = 160
};

_Static_assert(ST_PUBLIC_COUNT <= ST_ZEROED_AT, "public counters fit their slots");

/* The kinds of wrapped call, each with its own copy of the six outcome
 * counters at ST_KIND0 + kind * STATS_KIND_SLOTS + outcome. */
enum stats_kind { STATS_KIND_COMPILE, STATS_KIND_LINK, STATS_KIND_AR, STATS_KIND_EXEC,
                  STATS_KIND_COUNT };
#define STATS_KIND_SLOTS 8
#define STATS_OUTCOMES (ST_FALLBACK + 1)
_Static_assert(ST_KIND0 + STATS_KIND_COUNT * STATS_KIND_SLOTS <= ST_MISS_REASON0,
               "kind counters fit their slots");

/* The user-facing name of a public counter ("direct_hit", ...). */
const char *stats_name(enum stat_id id);
/* "compile", "link", "ar", "exec". */
const char *stats_kind_name(enum stats_kind k);

/* Map (creating if needed) $dir/stats.  0 or -1 with errno.  Calling other
 * functions without a successful open makes them no-ops returning 0. */
int stats_open(const char *dir);
void stats_close(void);

void stats_add(enum stat_id id, int64_t delta);
int64_t stats_get(enum stat_id id);
void stats_set(enum stat_id id, int64_t value);
/* Zero every public counter, the per-kind and per-reason counters (not
 * the shard accounting) and set ST_ZEROED_AT to now. */
void stats_zero(void);

/* What this process's wrapped call is (set once, where it is decided;
 * compile until then): each add to one of the six outcome counters is
 * added to that kind's copy too. */
void stats_set_kind(enum stats_kind k);

/* The call, for the per-call stats log (stats_log): the outcome counter
 * added last (-1: none yet), the reason slot added last (ST_MISS_REASON0 +
 * r or ST_UNCACHEABLE_REASON0 + r; -1: none), and what the call was about
 * (the source, the output: a pointer kept, not a copy, so it must live
 * until the outcome is counted; NULL: none named). */
typedef struct stats_call {
    int kind, outcome, reason;
    const char *subject;
} stats_call;
void stats_set_subject(const char *subject);
/* Called with the call once its outcome counter has been added (before a
 * plain run replaces the process): the stats log's writer (wrapper/
 * stats_log.c).  NULL: none. */
void stats_on_outcome(void (*fn)(const stats_call *call));

#endif
