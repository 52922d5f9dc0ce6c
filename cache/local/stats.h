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
    ST_PUBLIC_COUNT,      /* number of counters shown to users */
    /* 11..29: free for more public counters (remote ones) */
    /* internal: when the counters were last zeroed (unix seconds) */
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

/* The user-facing name of a public counter ("direct_hit", ...). */
const char *stats_name(enum stat_id id);

/* Map (creating if needed) $dir/stats.  0 or -1 with errno.  Calling other
 * functions without a successful open makes them no-ops returning 0. */
int stats_open(const char *dir);
void stats_close(void);

void stats_add(enum stat_id id, int64_t delta);
int64_t stats_get(enum stat_id id);
void stats_set(enum stat_id id, int64_t value);
/* Zero every public counter (not the shard accounting). */
void stats_zero(void);

#endif
