/* SPDX-License-Identifier: Apache-2.0 */
/* pathlist.h — a sorted list of paths as compact bytes.
 *
 * A direct-mode manifest's proof is mostly paths that must not exist: every
 * candidate searched before a header was found, and for each of those and
 * each found header its NAME.gch and NAME.pch.  Written out one by one they
 * were ~85% of a manifest (45 KB of 54 for a file including three libc
 * headers), read on every hit and sent by the remote on every fresh one.
 *
 * The encoding folds NAME, NAME.gch and NAME.pch into one entry with a flag
 * per form, and front-codes each path against the one before it (sorted
 * paths share their directories).  Each entry:
 *
 *     flags   1 byte: 1 NAME, 2 NAME.gch, 4 NAME.pch (at least one)
 *     shared  varint: bytes of the previous entry's NAME it begins with
 *     tail    varint length, then that many bytes (no NUL)
 *
 * Decoding gives back exactly the paths encoded, whatever they are (a name
 * that ends in ".gch" itself simply becomes an entry with that flag), and in
 * the same order when they were sorted. */
#ifndef RICC_PATHLIST_H
#define RICC_PATHLIST_H

#include <stddef.h>

/* Longest path an entry may stand for, its NUL included. */
#define PATHLIST_MAX 4096

/* Encode v[0..n) (sorted, no duplicates, each shorter than PATHLIST_MAX).
 * Returns the malloc'd bytes with *len and the entry count *count (what
 * pathlist_check and pathlist_each take), or NULL when out of memory or a
 * path is too long. */
char *pathlist_encode(char *const *v, int n, size_t *len, int *count);

/* Are there `count` well-formed entries at the start of p (at most `left`
 * bytes)?  0 with *used set to the bytes they take, or -1. */
int pathlist_check(const char *p, size_t left, int count, size_t *used);

/* Call fn(path, arg) for each path of `count` entries checked by
 * pathlist_check, in order; stop at the first non-zero return and return
 * it.  0 when fn accepted every path. */
int pathlist_each(const char *p, int count, int (*fn)(const char *path, void *arg), void *arg);

#endif
