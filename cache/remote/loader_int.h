/* SPDX-License-Identifier: Apache-2.0 */
/* loader_int.h — what remote_loader.c (the calls and their failure policy)
 * and agent_start.c (finding and starting the agent) share.  Private to
 * cache/remote/. */
#ifndef RICC_LOADER_INT_H
#define RICC_LOADER_INT_H

#include <stddef.h>

#include "cache/remote/remote.h"

/* ---- remote_loader.c ---- */

/* The host table the agent and the helper run with: no log of their own. */
extern const remote_host loader_quiet_host;

/* dlopen the module (beside the program, or $RICC_REMOTE_MODULE); NULL
 * with why filled (a static ricc has none to load).  quiet: log nothing. */
const remote_module *loader_load_module(char *why, size_t whylen, int quiet);

/* fs_beside_program into path[cap]: 0, or -1 (none, or too long). */
int loader_find_beside(const char *env_name, const char *name, char *path, size_t cap);

/* Close every descriptor from `from` on (a helper must hold none of the
 * build's pipes). */
void loader_close_from(int from);

/* ---- agent_start.c ---- */

/* Is the agent wanted (RICC_REMOTE_AGENT is not 0)? */
int agent_wanted(void);

/* The socket path for cfg: 0, or -1 when there is no safe directory. */
int agent_path(const config *cfg, char *out, size_t len);

/* A connection to the agent at path, or -1. */
int agent_connect(const char *path);

/* Start the agent for path (once for concurrent callers): a connection to
 * it when another process started it, else -1 (this call goes direct). */
int agent_start(const config *cfg, const char *path);

#endif
