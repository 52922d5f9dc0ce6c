/* SPDX-License-Identifier: Apache-2.0 */
/* store_int.h — what the two halves of the local store share: store.c
 * (names, accounting, keyed entries, the size limit and its cleanup) and
 * store_cas.c (the blobs, raw or compressed).  Only cache/local/ includes
 * it. */
#ifndef RICC_STORE_INT_H
#define RICC_STORE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "cache/local/store.h"

enum area { AREA_CAS, AREA_AC, AREA_MANIFEST, AREA_COUNT };

/* Most bytes a process keeps of what it could not write (store.c's top). */
#define KEPT_MAX ((size_t)512 << 20)

/* A blob or entry whose write failed, kept for this process's reads. */
typedef struct kept {
    struct kept *next;
    enum area area;
    char hash[DIGEST_HEX_LEN + 1];
    size_t len;
    char data[];
} kept;

struct store {
    char *dir;
    uint64_t max_size;
    int compress;     /* blobs written compressed (compress.h) */
    int level;        /* at this zstd level */
    kept *kept;
    size_t kept_bytes;
};

/* out = the entry's path: dir/area/h0h1/hash.  0, or -1 (errno EINVAL for a
 * hash that is not 64 lowercase hex digits, ENAMETOOLONG). */
int st_entry_path(const store *s, enum area a, const char *hash, char *out, size_t cap);
/* What a file of `size` bytes is charged against the limit. */
int64_t st_charge(int64_t size);
/* Charge (or, negative, credit) the entry's shard: `disk` against the
 * limit (cleaning the shard when that takes it over its share), `raw`
 * (what it would take uncompressed) to the raw count. */
void st_account(store *s, const char *hash, int64_t disk, int64_t raw);
/* A file failed verification: remove it so the next call can store a good
 * one, and count it (ST_CORRUPT_ENTRY).  `raw`: its uncompressed size as
 * far as it tells (the next scan corrects what it got wrong). */
void st_drop_corrupt(store *s, const char *hash, const char *path, int64_t size, int64_t raw);
/* Record use for LRU.  Failure (someone else's file) only costs accuracy. */
void st_touch(const char *path);
/* 1 if path exists, refreshing its mtime on the way (one system call). */
int st_present_touch(const char *path);
/* The kept copy of (a, hash), or NULL. */
kept *st_find_kept(const store *s, enum area a, const char *hash);
/* A write of buf under hash failed: keep a copy for this process (errno is
 * left as the failure set it). */
void st_keep(store *s, enum area a, const char *hash, const void *buf, size_t len);
/* A copy of a kept blob or entry, NUL-terminated as fs_read_file's.  0 or
 * -1 (none; errno untouched). */
int st_read_kept(const store *s, enum area a, const char *hash, char **buf, size_t *len);

#endif
