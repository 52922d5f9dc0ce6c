/* SPDX-License-Identifier: Apache-2.0 */
/* merkle.h — build a REAPI input root (a tree of Directory messages).
 *
 * The caller adds files, symlinks and empty directories by relative path
 * ("src/a.h"; no leading '/', no "." or ".." components, no empty components);
 * merkle_finish() serializes every Directory bottom-up following the REAPI
 * rules — files, directories and symlinks each sorted by name (bytewise),
 * is_executable set only for executables, default fields omitted — and hands
 * each serialized Directory to a callback (so the caller can store or upload
 * it), then returns the root digest.  The same set of entries always gives
 * the same root digest whatever the order they were added in. */
#ifndef RICC_MERKLE_H
#define RICC_MERKLE_H

#include "cache/reapi/digest.h"

typedef struct merkle_tree merkle_tree;

/* Called once per distinct Directory (children before parents). Return 0 to
 * continue, non-zero to abort merkle_finish with that value. */
typedef int (*merkle_blob_fn)(const digest *d, const void *bytes, size_t len, void *arg);

merkle_tree *merkle_new(void);
void merkle_free(merkle_tree *t);

/* Each returns 0, or -1 with a message in *why (static or owned by t, valid
 * until merkle_free) when the path is invalid or conflicts with an entry
 * already added: the same path as a file with another digest, a file where a
 * directory is, and so on.  Adding an identical entry twice is fine. */
int merkle_add_file(merkle_tree *t, const char *path, const digest *d, int executable,
                    const char **why);
int merkle_add_symlink(merkle_tree *t, const char *path, const char *target, const char **why);
int merkle_add_dir(merkle_tree *t, const char *path, const char **why);

/* Compute the root.  cb may be NULL.  Returns 0, -1 on allocation failure, or
 * the callback's non-zero value. */
int merkle_finish(merkle_tree *t, digest *root, merkle_blob_fn cb, void *arg);

#endif
