/* SPDX-License-Identifier: Apache-2.0 */
/* remote_safe.h — may a compile be Executed by a worker without changing its
 * bytes?  remote_safe.c explains the cases and why. */
#ifndef RICC_REMOTE_SAFE_H
#define RICC_REMOTE_SAFE_H

#include "wrapper/key/action.h"

/* How a keyed action may run remotely. */
typedef struct remote_safety {
    /* Not NULL: why it must run here (static text for the log). */
    const char *why_not;
    /* The worker spells a path differently (relative to the base) where
     * only the compiler's messages can show it: Execute without letting the
     * server cache the result, and use it only if stdout and stderr came
     * back empty. */
    int quiet_only;
} remote_safety;

/* Decide for the action key k, as the worker would run its Command (cwd:
 * this call's physical working directory, which the Command's relative
 * paths are relative to).  Actions that are not compiles get no objection
 * here: a link ricc caches is one without LTO (link_parse.c), and ld
 * records no directory. */
remote_safety remote_safe_check(const action_key *k, const char *cwd);

#endif
