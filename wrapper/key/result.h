/* SPDX-License-Identifier: Apache-2.0 */
/* result.h — an action's result and the files of the call, both ways.
 *
 * A cached result is a serialized REAPI ActionResult in the local action
 * cache: output files by digest (blobs in the CAS), stdout and stderr inline
 * (or by digest, as a remote may send them), the exit code.  Serving one
 * writes every output atomically and replays the streams byte for byte;
 * storing one puts the outputs in the CAS and the ActionResult under the
 * action digest.  Outputs are named twice: as the Command names them
 * (key_paths, relative to the input root, what the ActionResult records) and
 * where this call writes them (paths, relative to the working directory). */
#ifndef RICC_RESULT_H
#define RICC_RESULT_H

#include <stddef.h>

#include "cache/reapi/digest.h"
#include "cache/local/store.h"
#include "wrapper/util/run.h"

/* What a compile's result says of its checkout and its output names
 * (keybase.h): stored dependency files, .su files and messages hold markers
 * for the base and the dependency file's targets (relocate.h), and serving
 * writes this call's in their place. */
typedef struct result_reloc {
    const char *base;            /* NULL: bytes are stored and served as they are */
    char *const *dep_targets;    /* this call's targets when the key leaves them out */
    const int *kinds;            /* per output: compiler.h's enum output_kind */
} result_reloc;

typedef struct result_outputs {
    int n;
    char *const *key_paths;
    const char *const *paths;
    const result_reloc *rl;      /* NULL: no relocation */
} result_outputs;

/* Serve bytes (a serialized ActionResult, the local entry under action).
 * The exit status when every output was written and the streams replayed;
 * -1 to treat the call as a miss (nothing was written to stdout or stderr:
 * an output or blob missing or corrupt, a non-zero exit code, or bytes that
 * are not an ActionResult, whose entry is then removed and counted). */
int result_serve(store *st, const digest *action, const result_outputs *o, const void *bytes,
                 size_t len);

/* Did the result in bytes (a serialized ActionResult) succeed and print
 * nothing, on stdout or stderr?  1 or 0. */
int result_is_silent(const void *bytes, size_t len);

/* Store the outputs of a successful run r under action.  0; 1 when an
 * expected output was not written, or one that must be relocated cannot be
 * (not cacheable after all); -1 on store trouble (errno), when what could
 * not be written is still kept in memory by the store (store.c) for the
 * upload that may follow in this process. */
int result_store(store *st, const digest *action, const result_outputs *o, const run_result *r);

#endif
