/* SPDX-License-Identifier: Apache-2.0 */
/* store.h — the local store under RICC_DIR: CAS blobs and keyed entries.
 *
 * Layout (design.md "Local store"):
 *   cas/<h0h1>/<hash>        blobs named by their SHA-256; content = the blob,
 *                            or the blob compressed with zstd behind a small
 *                            header (compress.h; store_set_compression)
 *   ac/<h0h1>/<hash>         ActionResults keyed by action digest
 *   manifests/<h0h1>/<hash>  direct-mode manifests keyed by manifest key
 * Keyed entries (ac, manifests) are framed: an 8-byte magic, the SHA-256 of
 * the payload (32 bytes), the payload; so a torn or bit-flipped entry is
 * detected like a bad blob.
 *
 * Every write is temp-file-then-rename (fsutil.h).  Every read is verified: a
 * blob whose content (uncompressed) does not hash to its name, or an entry
 * whose checksum fails, is removed, counted (ST_CORRUPT_ENTRY) and reported
 * as missing.  With compression on, keyed entries are compressed by the
 * same rule as blobs: in practice manifests (text and paths, ~3x smaller),
 * never ActionResults (far below one 4 KiB block, where nothing is saved).
 *
 * (The names are layout.h's.)
 *
 * Size limit: entries are accounted in 16 shards by the first hex digit of
 * their name (stats slots ST_SHARD_BYTES0.., bytes on disk: a compressed
 * blob counts compressed, so max_size bounds the disk; beside them
 * ST_SHARD_RAW_BYTES0.. count the same entries uncompressed).  What RICC_DIR holds besides
 * (the fixed tables, ...: layout_measure, kept in ST_OTHER_BYTES by each
 * cleanup) comes off max_size first.  When a write pushes a shard over its
 * share, (max_size - other)/16, that one shard is cleaned under a non-blocking lock:
 * its files are listed, sorted by mtime (a hit refreshes mtime, so mtime is
 * "last used"), and the oldest removed until the shard is at 90% of its
 * share; the shard's byte count is then reset from what the scan saw, so
 * drift from crashes heals.  The cost is amortized: a scan of 1/16 of the
 * cache removes ~10% of that shard, so per write it is bounded and does not
 * grow with the cache.
 *
 * A store never learns what a compiler is: it moves bytes by digest. */
#ifndef RICC_STORE_H
#define RICC_STORE_H

#include <stddef.h>
#include <stdint.h>
#include "cache/reapi/digest.h"

typedef struct store store;

enum store_kind { STORE_AC, STORE_MANIFEST };

/* Open (creating directories lazily on first write) the store at dir.
 * max_size 0 means unlimited.  stats_open(dir) must have been called for
 * accounting to happen (it is optional for correctness). */
store *store_open(const char *dir, uint64_t max_size);
void store_close(store *s);
const char *store_dir(const store *s);
/* Write new blobs compressed with zstd at `level` (on != 0: the settings
 * compression and compression_level), or raw (on == 0, what store_open
 * gives).  Reads take either form whatever this says. */
void store_set_compression(store *s, int on, int level);

/* ---- CAS ---- */
/* 1 if a blob of that digest is present (not verified: cheap). */
int cas_has(store *s, const digest *d);
/* Store bytes under their digest (computed here, returned in *out if not
 * NULL).  Idempotent.  0 or -1 with errno. */
int cas_put(store *s, const void *buf, size_t len, digest *out);
/* Store a file's content: hashed first, then copied (or reflinked) in only
 * when that blob is not already stored.  *out (may be NULL) gets its digest. */
int cas_put_file(store *s, const char *path, digest *out);
/* Read and verify.  0 ok (*buf malloc'd), 1 missing or corrupt (removed and
 * counted), -1 error (errno). */
int cas_get(store *s, const digest *d, char **buf, size_t *len);
/* Verify and place the blob at dst atomically (reflink or copy, mode 0755 if
 * executable else 0644 minus umask).  Refreshes the blob's mtime (LRU).
 * 0 ok, 1 missing or corrupt (removed, counted), -1 error writing dst. */
int cas_materialize(store *s, const digest *d, const char *dst, int executable);

/* ---- keyed entries ---- */
/* 0 ok (*buf malloc'd payload), 1 missing or corrupt (removed, counted),
 * -1 error.  A hit refreshes the entry's mtime. */
int store_get(store *s, enum store_kind k, const digest *key, char **buf, size_t *len);
int store_put(store *s, enum store_kind k, const digest *key, const void *buf, size_t len);
int store_remove(store *s, enum store_kind k, const digest *key);

/* ---- maintenance ---- */
/* What a maintenance call removed: entries (files) of the three areas, and
 * bytes as the size limit counts them.  Each call adds to it; NULL: not
 * wanted. */
typedef struct store_removed {
    uint64_t files, bytes;
} store_removed;
/* Remove everything that is cache (ricc --clear): the three areas and what
 * layout_clear() removes (the fixed tables, identity/, incdirs/, ...); the
 * latter count in out->bytes, not in out->files. */
int store_clear(store *s, store_removed *out);
/* Clean every shard down to its share now and recount sizes (ricc --cleanup).
 * Also measures what RICC_DIR holds outside the shards (layout_measure:
 * it is subtracted from max_size before the shares are taken) and removes
 * killed processes' temporaries (layout_sweep).  The automatic cleaning of a
 * shard that a write took over its share does the same. */
int store_cleanup(store *s, store_removed *out);
/* Remove the entries of the three areas last used (mtime) more than
 * age_seconds ago, and recount the shards as store_cleanup() does
 * (ricc --evict-older-than).  0 or -1 (a shard could not be locked). */
int store_evict_older_than(store *s, int64_t age_seconds, store_removed *out);
/* Total bytes accounted in the three areas (layout_measure() is the rest):
 * on disk, so compressed blobs count compressed. */
uint64_t store_size(store *s);
/* The same entries counted uncompressed (what store_size() would be without
 * compression; kept in ST_SHARD_RAW_BYTES0.., recounted by each cleanup). */
uint64_t store_raw_size(store *s);

#endif
