/* SPDX-License-Identifier: Apache-2.0 */
/* memo.h — small values keyed by a content digest, shared by every ricc
 * process through one file ($RICC_DIR/<name>).
 *
 * Why: what a pure function of a file's bytes computes (the #include names
 * of a header, for a miss's include proof) need not be computed, nor the
 * file read, again: the next process finds it with one pread().  Reading a
 * header to scan it costs four system calls; a build's misses read the same
 * system headers hundreds of times.
 *
 * Keys are content digests, so an entry never goes stale: whatever wrote it,
 * it is the value of those bytes.  Like the stat index (statindex.h): a
 * fixed-size file (MEMO_SLOTS slots of 512 bytes, bounded, a full probe
 * window evicts its oldest entry), lock-free (one pread per lookup, one
 * pwrite per store), and every slot checksummed, so a torn or corrupted slot
 * is a miss, never another value.  A value longer than MEMO_VALUE_MAX is not
 * kept (the caller computes it each time). */
#ifndef RICC_MEMO_H
#define RICC_MEMO_H

#include <stddef.h>

#include "cache/reapi/digest.h"

#define MEMO_SLOTS 8192
#define MEMO_VALUE_MAX 448

typedef struct memo memo;

/* Open (creating or repairing) $dir/name.  NULL if it cannot be used:
 * callers then compute every value. */
memo *memo_open(const char *dir, const char *name);
void memo_close(memo *m);

/* The value kept for key: its length, with the bytes in
 * out[0..MEMO_VALUE_MAX); -1 when there is none. */
int memo_get(memo *m, const digest *key, unsigned char *out);

/* Keep val[0..len) for key (nothing when len > MEMO_VALUE_MAX, or m is
 * NULL, or the disk is full). */
void memo_put(memo *m, const digest *key, const void *val, size_t len);

#endif
