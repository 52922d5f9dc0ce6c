/* SPDX-License-Identifier: Apache-2.0 */
/* statindex.h — (device, inode, size, mtime, ctime) → content digest, shared
 * by every ricc process through one file, $RICC_DIR/statindex.
 *
 * A hit needs the digest of every header the compile reads; reading and
 * hashing 200 headers costs more than the stat() calls that prove they did
 * not change.  The index remembers digests by stat identity:
 *
 *  - Fixed size (a header and STATINDEX_SLOTS slots of 128 bytes): bounded,
 *    no growth, no compaction.  Open addressing, a short probe window; a full
 *    window evicts its oldest-written slot.
 *  - Lock-free: a reader copies its probe window with one pread, a writer
 *    writes one whole slot with one pwrite (the kernel orders writes to a
 *    file, so racing writers leave one complete slot).  So hundreds of
 *    processes read and write at once.
 *  - Every slot carries a checksum of its fields: a corrupted slot, or a copy
 *    a reader took while a writer was half-way, is a miss, never a wrong
 *    digest.  A file of the wrong size or magic is replaced by
 *    an empty one (renamed into place).
 *  - Racy entries are never stored: a file whose mtime or ctime is within the
 *    last two seconds may still change without its timestamps changing
 *    (coarse file-system granularity), so it is hashed every time until it
 *    has settled.  Matching ctime (and inode) catches a file replaced by one
 *    with the same size and mtime. */
#ifndef RICC_STATINDEX_H
#define RICC_STATINDEX_H

#include <sys/stat.h>

#include "cache/reapi/digest.h"

#define STATINDEX_SLOTS 32768

typedef struct statindex statindex;

/* Open (creating or repairing) $dir/statindex.  NULL if it cannot be used;
 * callers then hash files themselves. */
statindex *statindex_open(const char *dir);
void statindex_close(statindex *x);

/* 1 if this process created the index (it was absent or unusable): a
 * lookup would only miss, so callers may hash without stat()ing first. */
int statindex_fresh(const statindex *x);

/* 1 and *d, *flags filled if the index knows a file with exactly this stat;
 * 0 otherwise. */
int statindex_lookup(statindex *x, const struct stat *st, digest *d, unsigned *flags);

/* Remember a digest computed from a file with this stat (skipped when the
 * file changed too recently to be trusted). */
void statindex_store(statindex *x, const struct stat *st, const digest *d, unsigned flags);

#endif
