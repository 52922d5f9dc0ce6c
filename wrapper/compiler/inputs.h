/* SPDX-License-Identifier: Apache-2.0 */
/* inputs.h — the digest of a file the compile reads, and the facts about its
 * text the key needs.
 *
 * A file that uses __TIME__ or __TIMESTAMP__ makes every compile's output
 * different (unless SOURCE_DATE_EPOCH pins it), and one using __DATE__
 * differs from day to day: the key is a function of input *content*, so
 * those must be seen in the content; so must __FILE__ and its kin, which
 * put the path the compile named a file by into the output.  The scan is one
 * pass over bytes already read for hashing.  (The stat index keeps these
 * flags: a new one changes its format version, cache/local/statindex.c.) */
#ifndef RICC_INPUTS_H
#define RICC_INPUTS_H

#include <sys/stat.h>

#include "cache/reapi/digest.h"

enum input_flag {
    INPUT_USES_TIME = 1,       /* __TIME__ or __TIMESTAMP__ */
    INPUT_USES_DATE = 2,       /* __DATE__ */
    INPUT_HAS_INCLUDE = 4,     /* __has_include: existence tests (direct mode) */
    INPUT_USES_FILE = 8,       /* __FILE__, __BASE_FILE__, __FILE_NAME__,
                                * __builtin_FILE: a path as the compile spelled
                                * it, which may be absolute (action.c) */
};

/* Digest `path` and scan it.  *st is filled.  0, or -1 with errno.  With an
 * index set, a file whose stat the index knows is not read at all. */
int input_digest(const char *path, struct stat *st, digest *d, unsigned *flags);

/* The input_flag bits of the n bytes at p. */
unsigned input_scan(const char *p, size_t n);
/* input_scan(p, n) & INPUT_HAS_INCLUDE, in less time. */
int input_has_tests(const char *p, size_t n);

/* Use this stat index (NULL: none) for the calls that follow. */
struct statindex;
void inputs_set_index(struct statindex *x);

#endif
