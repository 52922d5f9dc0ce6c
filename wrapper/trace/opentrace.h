/* SPDX-License-Identifier: Apache-2.0 */
/* opentrace.h — the files gcc's compiler proper read, from the records of
 * libricc-trace.so (preload/trace.c has the format).
 *
 * Why: depend mode keys a miss from the compile's own account of what it
 * read.  With the user's -MMD that account leaves system headers out, and
 * the usual stand-in, gcc's -H trace (hdrtrace.h), cannot be used where gcc
 * writes its own command line into the object: debug info records the
 * switches (DW_AT_producer), so an added -H would change the object.  The
 * tracer changes nothing gcc sees: run under it, cc1 opening each header
 * is the list, system headers included, with no second preprocessor run.
 *
 * Only the compiler proper counts (cc1, cc1plus, cc1obj, cc1objplus: the
 * programs gcc's driver starts to compile); the driver, the assembler and
 * the linker plugin read other things.  Left out: the program files
 * themselves, and /proc, /dev and /sys (never a header).
 *
 * Names: the tracer joins a relative name to the working directory, so a
 * path under cwd + "/" is returned relative to it, which is how gcc spelt
 * it when the spelling was relative (-Iinclude, "../lib/x.h"): a manifest
 * then checks each checkout's own files, as with -H. */
#ifndef RICC_OPENTRACE_H
#define RICC_OPENTRACE_H

#include <stddef.h>

/* The files read, each once, in first-read order.  Returns their count
 * with *paths (malloc'd, NULL-terminated); -1 when the records are
 * malformed, name no compiler proper (the tracer did not reach it), or
 * memory ran out.  *pch = 1 when a precompiled header (.gch, .pch) was
 * read. */
int opentrace_reads(const char *text, size_t len, const char *cwd, char ***paths, int *pch);

#endif
