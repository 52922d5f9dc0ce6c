/* SPDX-License-Identifier: Apache-2.0 */
/* action.h — the cache key: the REAPI Action of one compile.
 *
 * Everything that can change the compiler's output goes into the Action
 * (design.md "The key"):
 *   Command.arguments    the command line, paths under the project root made
 *                        relative to the working directory (path rewriting);
 *   Command.environment  the variables the compiler reads (CPATH, LANG, ...)
 *                        and every remote_env setting;
 *   Command.platform     remote_platform settings (chrootRootDigest, ...);
 *   Command.output_paths what the compile writes;
 *   input root           every file the compile reads (from the -M scan),
 *                        system headers included, by content;
 *   Action.salt          what the above cannot say: the compiler's identity
 *                        by content when no valid toolchain digest is set, the
 *                        working directory when the output records it (debug
 *                        info, coverage), and the checkout's base directory
 *                        when the output may record it (keybase.h).
 * Paths under the base are named relative to it, and output names are left
 * out where they cannot reach the outputs (keybase.h), so the same compile in
 * another checkout, or under another output name, has the same key.
 * The action digest is the key of the local action cache and of a remote
 * one; the Command and Action bytes are kept for a later upload. */
#ifndef RICC_ACTION_H
#define RICC_ACTION_H

#include <stdint.h>
#include <sys/stat.h>

#include "cache/util/config.h"
#include "cache/reapi/digest.h"
#include "wrapper/compiler/compiler.h"
#include "wrapper/key/keybase.h"

typedef struct action_inputs {
    const compile_cmd *cmd;
    const config *cfg;
    const char *cwd;           /* physical working directory */
    char **deps;               /* files the compile reads, as the -M scan printed them */
    int n_deps;
    const digest *toolchain;   /* valid chrootRootDigest, or NULL */
    const digest *compiler_id; /* identity by content; used when toolchain is NULL */
    int compile;               /* a compile (keybase.h): its outputs are relocated */
    int depfile_gcc;           /* its dependency file, if any, is gcc's */
    int base_seen;             /* the outputs were found to hold the base's
                                * name (flow.c): the action holds it too */
    int n_unscanned;           /* the last n_unscanned deps were read by other
                                * programs than the preprocessor (observe.h):
                                * their __TIME__ and kin expand nothing */
} action_inputs;

typedef struct action_key {
    digest action;             /* THE key */
    digest command;
    digest input_root;
    /* Command output paths, parallel to cmd->outputs (same index). */
    char **output_paths;
    int n_outputs;
    void *command_blob;
    size_t command_len;
    void *action_blob;
    size_t action_len;

    /* Filled by action_finish: the digest and inputs.h flags of each input
     * (parallel to in->deps) and the union of those flags, the newest
     * mtime/ctime among them (ns), and the date when __DATE__ put it in the
     * key.  action_finish may be called again with more inputs. */
    digest *dep_digests;
    unsigned *dep_flags;
    unsigned input_flags;
    int64_t newest_input_ns;
    char date[16];

    /* What the key leaves out (keybase.h), and whether the base is in the
     * Action's salt: from the command (then in the manifest key too), or
     * from the inputs (late_base: a manifest entry holds it, manifest.h). */
    keybase kb;
    int base_salted;
    int late_base;

    /* internal, between the two halves */
    char *salt_base;
    size_t salt_base_len;
} action_key;

/* Build the key.  0, or -1 with *why a static reason (an input unreadable, two
 * inputs mapping to one tree path): the caller then runs the compile plainly.
 * In two halves for direct mode: action_prepare needs no dependency list
 * (the Command, output paths and most of the salt — enough for the manifest
 * key), action_finish adds the input root and makes the Action. */
int action_build(const action_inputs *in, action_key *out, const char **why);
int action_prepare(const action_inputs *in, action_key *out, const char **why);
int action_finish(const action_inputs *in, action_key *out, const char **why);

/* The direct-mode manifest key: everything in the key but the headers. */
void action_manifest_key(const action_key *k, const digest *source, digest *out);

/* When a call begins (t0), on the clock file timestamps come from
 * (CLOCK_REALTIME).  The kernel stamps a change with the coarse clock, which
 * moves in ticks (4 ms here) and lags that one by up to a tick, or with a
 * finer reading (multigrain timestamps): never with a time later than the
 * change, never earlier than the coarse clock then.  Hence the rule for a
 * result worth keeping:
 *   - start the tool only once the coarse clock has passed t0
 *     (action_clock_pass): every change after that is stamped after t0;
 *   - keep the result only if no input's stamp (action_stamp_ns, taken after
 *     the tool ran) is later than the bound action_clock_pass returned;
 *   - an input hashed before the tool started and stamped within
 *     ACTION_CLOCK_SLACK_NS of t0 may have changed after it was hashed
 *     with a stamp that is not after t0: hash it again after the run.
 * So a file finished before the call never stops caching, and a file changed
 * while the tool ran always does. */
int64_t action_clock_ns(void);
#define ACTION_CLOCK_SLACK_NS 20000000LL /* a tick at any kernel HZ >= 50 */

/* Wait (sleeping, a tick at most) until the coarse clock has passed t0.
 * Returns the bound for action_stamp_ns: t0, or t0 minus the slack should
 * the clock not move (then only files stamped before that count as
 * settled). */
int64_t action_clock_pass(int64_t t0);

/* The later of a file's mtime and ctime, in ns. */
int64_t action_stamp_ns(const struct stat *st);

/* The toolchain digest from RECC_REMOTE_PLATFORM_chrootRootDigest: 1 with
 * *out set when the setting is there and valid; 0 otherwise (an invalid one
 * is warned about: the caller then keys on the compiler's content, and the
 * property stays in the platform, so no entry of a valid digest can match). */
int action_toolchain_digest(const config *cfg, digest *out);

/* Add "NAME VALUE" (VALUE NULL: "(none)") to the salt made by
 * action_prepare, for kinds of action whose key needs more than a compile's
 * (a link: its library search environment).  0 or -1 (out of memory). */
int action_salt_append(action_key *k, const char *name, const char *value);

void action_key_free(action_key *k);

/* The environment variables that change what gcc/clang write (exposed for
 * tests and --show-config). NULL-terminated. */
extern const char *const action_env_vars[];

/* The input root's name for a file the compile reads (dep, relative to
 * cwd or absolute): relative to base (the key's kb.base, or NULL) when under
 * it, else its absolute path without the leading '/'.  malloc'd. */
char *action_tree_path(const char *base, const char *dep, const char *cwd);

/* Relative path from directory `from` to `to` (both absolute, normalized):
 * "../include/x.h".  malloc'd. */
char *action_relpath(const char *to, const char *from);

#endif
