/* SPDX-License-Identifier: Apache-2.0 */
/* depend.h — depend mode: a miss learns its key from the compile itself.
 *
 * A miss that ran the dependency scan (`cc -M`) and then the compile would
 * preprocess twice.  In depend mode the compile runs once and says what it
 * read; the key (and the manifest for direct hits) is made afterwards from
 * that.  The user never sees how: their own dependency file, stderr and
 * object are exactly what the compiler would have written without ricc.
 *
 * The ways, the first that applies:
 *   SOURCE   preprocessed input (.i, .ii): the source is the only input;
 *   DEPFILE  no -MMD: the user's own -MD file, or a -MD -MF file ricc adds
 *            (gcc leaves -M options out of the switches it records);
 *   HEADERS  -MMD (which leaves system headers out): gcc's -H trace, taken
 *            out of stderr (hdrtrace.h), where -H cannot show in the output;
 *   OPENS    -MMD where -H would show (debug info records gcc's switches):
 *            what gcc's compiler proper opened, run under libricc-trace.so
 *            (opentrace.h), which changes nothing the compiler sees;
 *   NONE     none applies (clang with -MMD, no tracer): scan first.
 *
 * Whatever the way, the compile runs under libricc-trace.so (reads-only
 * records, so the compiler proper stays cheap): every process the driver
 * starts is observed, so what the assembler or the driver read beyond the
 * dependency output becomes part of the key too (observe.h). */
#ifndef RICC_DEPEND_H
#define RICC_DEPEND_H

#include <stddef.h>

#include "wrapper/compiler/compiler.h"
#include "wrapper/deps/hdrtrace.h"
#include "wrapper/trace/observe.h"
#include "wrapper/util/run.h"

enum depend_way { DEPEND_NONE, DEPEND_SOURCE, DEPEND_DEPFILE, DEPEND_HEADERS, DEPEND_OPENS };

typedef struct depend {
    enum depend_way way;
    char *lib;              /* the tracer, NULL when it cannot be found */
    char *tmp;              /* the dependency file ricc added (DEPFILE) */
    const char *depfile;    /* the dependency file to read (DEPFILE) */
    hdrtrace ht;            /* the header trace (HEADERS) */
    char *records;          /* the tracer's records */
    size_t records_len;
} depend;

/* How this compile (compiler: the resolved path) can say what it read;
 * sets d->way.  No process is started. */
void depend_choose(depend *d, const compile_cmd *cmd, const char *compiler);

/* No way: the plain compile of preprocessor mode, observed all the same. */
void depend_plain(depend *d);

/* Run the compile (argv: the user's, argv[0] the resolved compiler, argc
 * entries) the chosen way, or as it is for DEPEND_NONE, capturing what the
 * user is to see into *r.  Temporary files go under ricc_dir/tmp.  0, or -1
 * when it could not be run that way (nothing printed, *r empty: the caller
 * runs the user's command itself). */
int depend_run(depend *d, const compile_cmd *cmd, char **argv, int argc, const char *ricc_dir,
               run_result *r);

/* After a run that succeeded: the files it read, the source first, each
 * once (malloc'd, NULL-terminated).  Their count, or -1 when they cannot be
 * known (cache nothing); *pch = 1 when a precompiled header was used. */
int depend_deps(depend *d, const compile_cmd *cmd, const char *cwd, char ***deps, int *pch);

/* The dependency list of a call that reads only its source.  0 or -1. */
int depend_source_only(const char *source, char ***deps, int *n);

/* What every process of the compile read beyond deps[0..n) (observe.h),
 * after depend_run.  0, or -1 when out of memory; o->why_not is set when
 * the compile could not be observed. */
int depend_observe(const depend *d, const char *cwd, char *const *deps, int n, observed *o);

void depend_free(depend *d);

#endif
