/* SPDX-License-Identifier: Apache-2.0 */
/* pathprobe.h — does a path exist, with one stat() per directory.
 *
 * A direct-mode proof is mostly paths that must not exist, and most of them
 * lie in a subdirectory that their search directory lacks (bits/, sys/,
 * gnu/ under every -I and system directory but the one that has them).  A
 * probe stat()s each directory once and remembers the answer, so a path
 * under a missing directory is absent without a system call.  Its answers
 * are those of a stat() per path, as of when each directory was looked at.
 * Recording a proof (manifest_proof.c) and checking one whose watched
 * directory changed (manifest.c) both ask through a probe. */
#ifndef RICC_PATHPROBE_H
#define RICC_PATHPROBE_H

#include <stddef.h>

#include "cache/util/strtab.h"

typedef struct pathprobe {
    strtab dirs; /* directories looked at: val 1 there, 2 not */
} pathprobe;     /* zero-initialised is empty */

/* Is path[0..len) a directory now (symbolic links followed)? */
int pathprobe_dir(pathprobe *p, const char *path, size_t len);

/* Does path exist, as stat() would answer? */
int pathprobe_exists(pathprobe *p, const char *path);

void pathprobe_free(pathprobe *p);

#endif
