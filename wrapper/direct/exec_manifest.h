/* SPDX-License-Identifier: Apache-2.0 */
/* exec_manifest.h — the manifests of traced tools (`ricc exec`): matching
 * an entry against the files here, and the action an entry's lines give.
 * Design: exec_manifest.c; the format: exec_tool.c. */
#ifndef RICC_EXEC_MANIFEST_H
#define RICC_EXEC_MANIFEST_H

#include <stddef.h>

#include "cache/reapi/digest.h"

typedef struct xman_entry {
    digest action;
    const char *entry; /* its "E" line, in the manifest text */
    char **outputs;    /* "O" paths, pointing into the manifest text */
    int n_outputs;
    char **dirs;       /* "K" paths, the same */
    int n_dirs;
} xman_entry;

/* The first entry of text (cut up in place) whose lines all hold now: 1
 * with *m filled, 0 when none does, -1 out of memory.  *m starts {0};
 * xman_match_free it after, whatever the answer. */
int xman_match(char *text, xman_entry *m);
void xman_match_free(xman_entry *m);

/* The action of an entry: a digest of the manifest key and the entry's
 * lines after its "E" line (body, len bytes).  0, or -1 (out of memory). */
int xman_entry_action(const digest *mkey, const char *body, size_t len, digest *out);

/* Do the lines of the entry at e (its "E" line, in a manifest's text as it
 * came, not cut up) give `action`? */
int xman_entry_gives(const digest *mkey, const char *e, const digest *action);

/* The checks, shared with recording: 'f' regular file, 'd' directory, 'o'
 * anything else, 0 absent; and 1 when nothing is at path. */
char xman_kind(const char *path);
int xman_absent(const char *path);

/* What a tool saw of path beyond its content, as it is now: the ARG of a
 * manifest line (exec_tool.c has the format), in out[cap].
 *   'M': its metadata, `fields` (XM_* fields, exec_trace.h), of the final
 *        symlink itself when nofollow; a directory's mode and owner only
 *        (its times and link count change as files come and go in it);
 *   'X': which of the access bits `fields` (R_OK, W_OK, X_OK) it grants;
 *   'L': its symlink target (a digest), "-" when it is no symlink;
 *   'Z': its resolved name (realpath, a digest).
 * 0, or -1 when it cannot be said now (gone, unreadable). */
int xman_observe(const char *path, char tag, unsigned fields, int nofollow, char *out,
                 size_t cap);

/* Append s to the array *v of *n.  0, or -1 (out of memory; *v unchanged). */
int xman_push(char ***v, int *n, char *s);

#endif
