/* SPDX-License-Identifier: Apache-2.0 */
/* manifest_int.h — what manifest.c (bytes, lookup) and manifest_proof.c
 * (recording the proof) share: the in-memory form of a manifest.  Nothing
 * else includes it but manifest_explain.c (which reads entries to say why
 * none matched) and the fuzz target (tests/fuzz/); manifest.h is the
 * contract. */
#ifndef RICC_MANIFEST_INT_H
#define RICC_MANIFEST_INT_H

#include <stdint.h>
#include <time.h>

#include "wrapper/direct/manifest.h"

#define MAX_ENTRIES 8
/* A directory whose newest change is younger than this may still change
 * within its timestamp granularity: its stamp is not trusted. */
#define SETTLE_NS 2000000000LL

typedef struct mfile {
    char *path;
    digest d;
} mfile;

typedef struct mwatch {
    char *dir;
    uint64_t ino;
    int64_t mtime, ctime;
    int always;                /* changed too recently to trust its mtime */
    int n_absent;
    char **absent;             /* recorded here (sorted), or NULL: */
    int n_raw;                 /* pathlist entries in manifest->raw */
    const char *absent_raw;
    size_t absent_raw_len;
} mwatch;

typedef struct entry {
    digest action;
    char *base;                /* the base the action's salt holds, or NULL */
    char date[16];
    int foreign;               /* came from the remote, not checked here yet */
    int base_in_output;        /* base set because an output held its name */
    int n_unscanned;           /* the last files: read by other programs than the
                                * preprocessor (manifest_inputs n_extra) */
    int n_files;
    mfile *files;
    int n_watch;
    mwatch *watch;
    int n_present;
    char **present;            /* found by the proof but not read (#pragma once, */
    digest *present_d;         /* an inactive #if): their contents; or the size is */
} entry;                       /* one of these kinds: */
#define PRESENT_THERE (-1)     /* there, not a file (a directory) */
#define PRESENT_ABSENT (-2)    /* not there (observe.h: a helper program's probe) */

struct manifest {
    char *raw;                 /* the parsed bytes, which absent_raw spans point into */
    int refreshed;             /* a lookup re-stamped a watched directory */
    int scan_only;             /* some include set here could not be proven */
    int n;
    entry e[MAX_ENTRIES];
};

/* A file time in nanoseconds, as the stamps are kept. */
static inline int64_t manifest_ts(struct timespec t)
{
    return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* Resolve every include of in's inputs along the compiler's search chain
 * and record in e what must stay absent and present (see manifest.h).  0,
 * -1 (not provable) or MANIFEST_PCH. */
int manifest_record_proof(entry *e, const manifest_inputs *in);

/* A stored path (RELOC-marked relative to the base, or as it is) as this
 * call names it: in buf (cap bytes), or p itself; NULL when it does not
 * fit or names the base with none given. */
const char *manifest_resolved(const char *p, const char *base, char *buf, size_t cap);

#endif
