/* SPDX-License-Identifier: Apache-2.0 */
/* tracer.h — running a program under libricc-trace.so.
 *
 * The tracer (preload/trace.c) records every file a program and its
 * children open, look for, make and remove.  Two callers want it: `ricc
 * exec` (exec_tool.c), which learns a tool's inputs and outputs from it,
 * and depend mode for compiles gcc cannot be asked about any other way
 * (depend.c).  This is what they share: finding the library and running a
 * program captured with it preloaded. */
#ifndef RICC_TRACER_H
#define RICC_TRACER_H

#include <stddef.h>

#include "wrapper/util/run.h"

/* libricc-trace.so: RICC_TRACE_LIB, else beside the program (../lib in the
 * build tree, ../lib/ricc when installed).  malloc'd, or NULL. */
char *tracer_find(void);

/* How much to record: everything (a tool: inputs, outputs, refusals), or
 * only the processes and the files they read (a compile in depend mode). */
enum tracer_what { TRACE_ALL, TRACE_READS };

/* Run path with argv as run_capture does (run_capture_files when files is
 * set: a compiler), with lib preloaded (after any LD_PRELOAD already set)
 * and its records (`what`) going to a fresh file under ricc_dir.  0 with
 * *r and *records (malloc'd, NUL-terminated, *len bytes; NULL when the
 * records cannot be read), or -1 when it could not be run (nothing ran).
 * This process's environment is as before on return. */
int tracer_capture(const char *lib, const char *ricc_dir, int files, enum tracer_what what,
                   const char *path, char *const argv[], run_result *r, char **records,
                   size_t *len);

#endif
