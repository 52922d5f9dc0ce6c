/* SPDX-License-Identifier: Apache-2.0 */
/* exec_tool.h — `ricc exec [--] TOOL ARGS...`: cache any deterministic tool
 * by tracing the files it reads and writes (design: exec_tool.c), as the
 * traced tool's ops for the one cached-call pipeline (pipeline.h). */
#ifndef RICC_EXEC_TOOL_H
#define RICC_EXEC_TOOL_H

#include "cache/util/config.h"

/* argv: what follows "exec" on ricc's command line.  The tool's exit
 * status (replayed on a hit), 127 when it cannot be found, 2 on misuse. */
int exec_tool(int argc, char **argv, const config *cfg);

#endif
