/* SPDX-License-Identifier: Apache-2.0 */
/* explain.h — why a compile missed (issue 22), said at the miss and asked
 * beforehand with `ricc --explain COMMAND`.
 *
 * A miss has two shapes, and each has its own witness:
 *
 *  - The manifest of this call's manifest key (everything in the key but
 *    the headers: manifest.h) has entries, and none holds: the closest
 *    entry says which input differs (manifest_explain: path, recorded and
 *    current digest), or that a header appeared earlier in the search, or
 *    that the entry holds and only its result is gone.
 *
 *  - There is no manifest for this key: the arguments, the environment,
 *    the compiler, a setting or the source itself differ from the last
 *    time this call was cached.  "This call" is the working directory and
 *    the first output's path; at each miss that stored a result, its key
 *    parts (the Command's arguments, environment, platform, working
 *    directory and outputs, the salt's lines, the compiler and its
 *    identity or the toolchain digest, the source and its digest) are
 *    written to $RICC_DIR/why/<hash of those two> (layout.h), a few hundred
 *    bytes overwritten by the next miss.  A hit reads and writes nothing of
 *    it: a miss already writes, a hit must stay as fast as it was.  The
 *    parts are compared in that order and the first that differs is named
 *    (with a count of the others).  Since a hit does not write the record,
 *    it is the last *miss* of the call; one that went back to an older
 *    configuration that still hits leaves the record at the newer one.
 *
 * Preprocessor mode without a manifest (direct mode off, or an include set
 * that cannot be proven) cannot name the header: the record then says the
 * key parts are the same, and the reason is "input_changed" with no path. */
#ifndef RICC_EXPLAIN_H
#define RICC_EXPLAIN_H

#include "cache/util/config.h"
#include "cache/local/store.h"
#include "wrapper/flows/reason.h"

struct call;

typedef struct miss_why {
    enum miss_reason reason;
    char detail[2048];
} miss_why;

/* Why the keyed call c (flow_int.h: c->key prepared, c->mkey, c->src)
 * misses, from the manifest in st (NULL: none read) and the call's record.
 * Reads only. */
void explain_miss(struct call *c, store *st, miss_why *out);

/* Log it at info ("cache miss (REASON): DETAIL"). */
void explain_log(const miss_why *w);

/* Write c's key parts as the call's record (at a miss that stored). */
void explain_record(struct call *c);

/* The record's path under dir for the keyed call c; malloc'd, or NULL. */
char *explain_record_path(const struct call *c, const char *dir);

/* `ricc --explain COMPILER ARGS...` (argv[0] the compiler): prints one line
 * to stdout, "would hit (direct)", "would hit (preprocessed)", "would miss:
 * REASON: DETAIL" or "uncacheable: REASON: DETAIL", and writes nothing
 * under RICC_DIR.  0 when it could answer, 1 when not (said why). */
int explain_command(int argc, char **argv, const config *cfg);

#endif
