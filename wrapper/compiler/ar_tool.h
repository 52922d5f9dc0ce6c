/* SPDX-License-Identifier: Apache-2.0 */
/* ar_tool.h — the identity of an ar program by content, for ar.c's key.
 * Design: ar_tool.c. */
#ifndef RICC_AR_TOOL_H
#define RICC_AR_TOOL_H

#include "cache/reapi/digest.h"
#include "cache/local/store.h"

/* ar: the resolved path of the ar program.  0 with *kind ('D': GNU ar,
 * deterministic by default; 'U': GNU ar, not by default; 'X': not GNU ar,
 * never cached) and *id (its executable, loaded libraries and bfd plugins,
 * by content); -1 when that cannot be told (run ar plainly).  The slow part
 * is remembered in st. */
int ar_tool_identity(const char *ar, store *st, char *kind, digest *id);

#endif
