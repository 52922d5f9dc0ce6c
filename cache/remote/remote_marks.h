/* SPDX-License-Identifier: Apache-2.0 */
/* remote_marks.h — the marks behind the remote's failure policy
 * (remote_marks.c), shared by the loader's calls.  remote_configured,
 * remote_usable and remote_mark_down are in remote.h. */
#ifndef RICC_REMOTE_MARKS_H
#define RICC_REMOTE_MARKS_H

#include "cache/local/layout.h"
#include "cache/util/config.h"

/* The marks, files under RICC_DIR named by layout.h. */
#define REMOTE_DOWN_MARK LAYOUT_REMOTE_DOWN         /* the server is unreachable */
#define REMOTE_NOUPDATE_MARK LAYOUT_REMOTE_NOUPDATE /* it refuses action cache updates */
#define REMOTE_NOEXEC_MARK LAYOUT_REMOTE_NOEXEC     /* it has no Execution service */

/* The server's name for messages. */
const char *remote_server_name(const config *cfg);

/* Is mark `name` set and not yet expired? */
int remote_marked(const config *cfg, enum layout_item name);

/* Set mark `name` for remote_skip_seconds.  1 if this call set it (the
 * caller then prints the warning), 0 if it was already set.  Without a skip
 * period or a RICC_DIR nothing is written and every call warns. */
int remote_set_mark(const config *cfg, enum layout_item name, const char *why);

/* The same for `seconds` (a fact that does not change from one call to
 * the next, such as a server without Execute, is kept longer).  Still
 * nothing without a skip period. */
int remote_set_mark_for(const config *cfg, enum layout_item name, const char *why,
                        int seconds);

#endif
