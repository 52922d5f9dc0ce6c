/* SPDX-License-Identifier: Apache-2.0 */
/* observe.h — what every process of a compile read, beyond what its
 * dependency output says.
 *
 * Why: the dependency set ricc keys a compile on is what the preprocessor
 * reports.  The toolchain reads more: the assembler opens the files of
 * `.incbin` and `.include` (in a .S/.s source, or inside an asm() statement
 * of C or C++, spelt in pieces if need be), the driver opens a specs file,
 * clang's integrated assembler does what `as` does.  A key without those
 * files serves a stale object when one changes.  So a miss runs under
 * libricc-trace.so in every process the driver starts, and what they read
 * is compared with the dependency set: every other file read becomes an
 * input of the key too, by content, and every path a helper program (as,
 * ld) looked for and did not find must stay absent.
 *
 * What does not count (the records are described in preload/trace.c):
 *   - the programs run and the objects loaded (the compiler's identity,
 *     identity.h, or the toolchain digest answers for them);
 *   - files the compile made itself (the driver's temporary assembler file)
 *     and its outputs;
 *   - /proc, /dev and /sys;
 *   - the exec search of a program (the records of a process before its H
 *     record are its parent looking for it), the driver's own probes (its
 *     program and specs search) and what it reads before it reads a
 *     dependency (clang's driver reads /etc/os-release and a CUDA
 *     installation's version to find its toolchain; gcc's driver never
 *     reads a dependency, clang's in-process compiler does): the identity
 *     answers for those too.
 * A process that did something ricc cannot key (a U record: the clock, a
 * directory listing, the network) makes the compile uncacheable, except in
 * the compiler proper, whose clock (for __DATE__) the key already handles
 * and which the tracer lets through in reads-only mode, and in the driver,
 * whose listings look for toolchains (clang lists /opt for gcc
 * installations): the identity and the include chain answer for those.  A compile whose
 * root process left no record could not be observed (a static compiler):
 * not cacheable either.
 *
 * Pure: no file system access; paths are compared lexically (the tracer
 * joins relative names to the working directory without resolving). */
#ifndef RICC_OBSERVE_H
#define RICC_OBSERVE_H

#include <stddef.h>

typedef struct observed {
    char **extra;      /* read, and not in the dependency set (absolute) */
    int n_extra;
    char **absent;     /* looked for by a helper program, not there (absolute) */
    int n_absent;
    char **ran;        /* the programs run: as exec'd (a script, a link), and
                        * each process's, resolved (/proc/self/exe) */
    int n_ran;
    char *why_not;     /* why the compile must not be cached, or NULL; malloc'd */
} observed;

/* Read len bytes of records of a compile started by process `parent`,
 * whose dependency set is deps[0..n_deps) (names relative to cwd or
 * absolute).  0, or -1 when out of memory. */
int observe_parse(const char *records, size_t len, long parent, const char *cwd,
                  char *const *deps, int n_deps, observed *o);
void observed_free(observed *o);

#endif
