/* SPDX-License-Identifier: Apache-2.0 */
/* identity_int.h — what identity.c (the record) and identity_probe.c
 * (asking the driver) share.  Not for other modules. */
#ifndef RICC_IDENTITY_INT_H
#define RICC_IDENTITY_INT_H

#include <sys/stat.h>

#include "cache/reapi/digest.h"

/* One entry of the record: see identity.c for the kinds. */
typedef struct id_entry {
    char kind;                     /* P, D, L, T */
    int absent;                    /* L: the directory does not exist */
    char *path;                    /* T: the text */
    char *real;                    /* P, L */
    struct stat st;                /* P, D, present L */
    char hash[DIGEST_HEX_LEN + 1]; /* P */
} id_entry;

typedef struct id_record {
    id_entry *e;
    int n, cap;
    int has_cwd;                   /* its name holds the working directory */
    int unstorable;                /* a question went unanswered: do not keep it */
} id_record;


/* A new entry (path and real copied), or the D or L entry already there
 * for path; NULL out of memory. */
id_entry *identity_record_add(id_record *r, char kind, const char *path, const char *real);

/* Same file: device, inode, size, mtime and ctime. */
int identity_same_file(const struct stat *a, const struct stat *b);

/* Fill rec with what the driver says and what it searched (identity.c's
 * entries, the compiler first); old, when not NULL, is the previous
 * record, whose hashes are reused for files that did not change.  0, or
 * -1 when the compiler cannot be read or memory runs out. */
int identity_compute(id_record *rec, const id_record *old, const char *compiler, char *const *opts,
                     const char *const *progs);

#endif
