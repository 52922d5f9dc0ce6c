/* SPDX-License-Identifier: Apache-2.0 */
/* textman.h — the line-based manifests of links (link.c) and traced tools
 * (exec_tool.c): the rule that keeps such a manifest bounded.
 *
 * Such a manifest is a list of entries, newest first.  Each entry starts
 * with a line "E <action hash> <size>" and goes on with tagged lines of the
 * caller's own ("I ...", "A ...", ...) up to the next "E".  Compile
 * manifests (manifest.c) are binary and do not use this. */
#ifndef RICC_TEXTMAN_H
#define RICC_TEXTMAN_H

#include <stddef.h>

#include "cache/reapi/digest.h"
#include "cache/local/store.h"
#include "wrapper/util/tbuf.h"

/* The action an entry's first line ("E <action hash> <size>") names: 1
 * with *action, or 0 when the line is not one or its digest is malformed. */
int textman_entry_action(const char *line, digest *action);

/* Store under mkey the manifest made of `entry` (one whole entry, for
 * `action`) followed by the entries already stored there for other actions,
 * at most max_entries in all (the oldest fall off).  Failures are only
 * logged: a manifest not written costs a later hit, nothing else.  `what`
 * names the manifest in that log line. */
void textman_update(store *st, const digest *mkey, const tbuf *entry, const digest *action,
                    int max_entries, const char *what);

#endif
