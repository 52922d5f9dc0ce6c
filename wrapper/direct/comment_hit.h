/* SPDX-License-Identifier: Apache-2.0 */
/* comment_hit.h — the second chance of a direct-mode miss: a header whose
 * comments alone changed.
 *
 * An edit to a comment in a widely included header changes the bytes of an
 * input of every compile that reads it, so every key changes.  ccache's
 * preprocessed mode and sccache still hit there, keyed on the preprocessed
 * text, which drops comments but also the columns and the comments' part in
 * diagnostics.  ricc's second chance is exact instead: each input's code
 * digest (codedigest.h) stands for its bytes with only those comments
 * blanked whose text cannot reach gcc's output (a trailing or whole-line
 * comment, not one followed by code on its line, not one gcc's warnings
 * read), so two files with one code digest give gcc's output byte for byte.
 * On a miss whose manifest has an entry whose every file has its digest or
 * one of the same code digest (and whose proof holds), that entry's result is
 * the answer, provided it printed nothing (a warning quotes source lines,
 * comments and all).  flow.c then serves it, stores it under the new action
 * and adds an entry for the new digests: the next call is a plain direct hit.
 *
 * Code digests are kept by content digest in the memo $RICC_DIR/codes: the
 * recorded file's bytes are gone after the edit, so they are kept when a
 * result is recorded (comment_hit_remember), a miss's cost. */
#ifndef RICC_COMMENT_HIT_H
#define RICC_COMMENT_HIT_H

#include "cache/util/config.h"
#include "cache/reapi/digest.h"
#include "cache/local/memo.h"
#include "wrapper/compiler/compiler.h"
#include "wrapper/direct/manifest.h"

/* Is the second chance sound for this compile?  gcc only (clang reads
 * documentation comments), not C90 (where // is code), -traditional-cpp,
 * -C/-CC, -fdirectives-only, nor a preprocessed source; and the setting
 * comment_hits.  compiler: the resolved path. */
int comment_hit_allowed(const config *cfg, const compile_cmd *cmd, const char *compiler);

/* Keep the code digest of each input the result was keyed on (deps[i] with
 * content digest digests[i]) where the memo *codes (opened on first use
 * under ricc_dir) lacks it.  A file whose bytes are no longer those is
 * skipped. */
void comment_hit_remember(memo **codes, const char *ricc_dir, char **deps, const digest *digests,
                          int n);

/* manifest_match_code with the comparison of code digests. */
int comment_hit_match(memo **codes, const char *ricc_dir, manifest *m, const char *base,
                      manifest_twin *out);

#endif
