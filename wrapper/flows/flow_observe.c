/* SPDX-License-Identifier: Apache-2.0 */
/* flow_observe.c — what a miss learns from watching the whole toolchain
 * (observe.h) and from its outputs, for a wrapped compile (flow_int.h):
 * files other programs than the preprocessor read become inputs, programs
 * the identity did not foresee are learned into it, and an output that
 * holds the base's name keeps the base in the key. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cache/util/fsutil.h"
#include "cache/util/log.h"
#include "wrapper/flows/flow_int.h"
#include "wrapper/flows/reason.h"
#include "wrapper/compiler/identity.h"
#include "wrapper/compiler/inputs.h"
#include "wrapper/trace/observe.h"

/* The programs o saw run that the compiler's identity does not cover,
 * learned into it (identity_learn); the key is then prepared again with
 * the new identity (and the manifest key with it), to be finished by the
 * caller.  1 when it was, 0 when nothing was new, -1 when the call must
 * not be cached (said why). */
static int learn_programs(call *c, const observed *o)
{
    const char *const *progs = identity_programs(c->cmd.lang);
    char *self = realpath(c->compiler, NULL);
    char **u = calloc((size_t)o->n_ran + 1, sizeof *u);
    int n = 0, rc = -1;
    if (!self || !u)
        goto out;
    for (int i = 0; i < o->n_ran; i++) {
        char *real = realpath(o->ran[i], NULL);
        if (!real) {
            reason_uncacheable(UNC_UNKEYABLE_INPUT, "not caching", "a program the compile ran is gone",
                               o->ran[i]);
            goto out;
        }
        int known = !strcmp(self, real);
        for (int j = 0; j < n && !known; j++)
            known = !strcmp(u[j], real); /* (a script and the link to it) */
        if (known)
            free(real);
        else
            u[n++] = real;
    }
    n = identity_uncovered(c->compiler, c->p.cfg->dir, progs, c->cmd.driver_opts, u, n);
    for (int i = 0; i < n; i++)
        LOG_I("the compile ran %s, which the compiler's identity did not foresee", u[i]);
    rc = 0;
    if (n == 0)
        goto out;
    digest id, src;
    struct stat st;
    unsigned flags;
    const char *why = "its record changed, or a program cannot be read";
    rc = -1;
    if (identity_learn(c->compiler, c->p.cfg->dir, progs, c->cmd.driver_opts, &c->toolkey, u, n,
                       &id) != 0 ||
        input_digest(c->cmd.source, &st, &src, &flags) != 0) {
        reason_uncacheable(UNC_UNKEYABLE_INPUT, "not caching",
                           "the compile ran programs its identity does not cover", why);
        goto out;
    }
    c->toolkey = id; /* (c->in.compiler_id points here) */
    action_key_free(&c->key);
    c->have_key = 0;
    if (action_prepare(&c->in, &c->key, &why) != 0) {
        reason_uncacheable(reason_classify(why, UNC_UNKEYABLE_INPUT), "not caching", why, NULL);
        goto out;
    }
    c->have_key = 1;
    action_manifest_key(&c->key, &src, &c->mkey);
    rc = 1;
out:
    for (int i = 0; u && i < n; i++)
        free(u[i]);
    free(u);
    free(self);
    return rc;
}

/* What the whole toolchain read beyond c->deps (observe.h): each other
 * file read becomes an input, appended to c->deps (c->n_extra of them) and
 * keyed again; the paths a helper program found absent go to the manifest.
 * 1 to go on caching, *rehashed = 1 when the key was made again now; 0
 * when the call must not be cached (said why). */
int flow_observe_inputs(call *c, const depend *d, int *rehashed)
{
    observed o;
    if (depend_observe(d, c->p.cwd, c->deps, c->n_deps, &o) != 0) {
        reason_uncacheable(UNC_UNKEYABLE_INPUT, "not caching", "what the compile ran cannot be known",
                           NULL);
        return 0;
    }
    int ok = 0;
    if (o.why_not) {
        reason_uncacheable(reason_classify(o.why_not, UNC_UNKEYABLE_INPUT), "not caching",
                           o.why_not, NULL);
        goto out;
    }
    /* A program the identity did not foresee (the gcc a wrapper script
     * runs, the shell running it) is learned into it, and the key made
     * again with it: the next call's identity has it from the start.  (A
     * toolchain digest answers for every program.) */
    int rekey = 0;
    if (!c->in.toolchain) {
        int learned = learn_programs(c, &o);
        if (learned < 0)
            goto out;
        rekey = learned > 0;
    }
    if (o.n_extra > 0) {
        for (int i = 0; i < o.n_extra; i++) {
            size_t n = strlen(o.extra[i]);
            if (n > 4 && (!strcmp(o.extra[i] + n - 4, ".gch") ||
                          !strcmp(o.extra[i] + n - 4, ".pch"))) {
                /* (One's bytes are a compiler's memory: not an input to
                 * key, as with the other ways a precompiled header shows.) */
                reason_uncacheable(UNC_PRECOMPILED_HEADER, "not caching",
                                   "a precompiled header was used", o.extra[i]);
                goto out;
            }
        }
        char **grown = realloc(c->deps, (size_t)(c->n_deps + o.n_extra + 1) * sizeof *grown);
        if (!grown)
            goto out;
        c->deps = grown;
        for (int i = 0; i < o.n_extra; i++) {
            LOG_I("the compile also read %s", o.extra[i]);
            c->deps[c->n_deps++] = o.extra[i];
        }
        c->deps[c->n_deps] = NULL;
        c->n_extra = o.n_extra;
        o.n_extra = 0;
        rekey = 1;
    }
    if (rekey) {
        action_inputs in = c->in;
        in.deps = c->deps;
        in.n_deps = c->n_deps;
        in.n_unscanned = c->n_extra;
        const char *why;
        if (action_finish(&in, &c->key, &why) != 0) {
            reason_uncacheable(reason_classify(why, UNC_UNKEYABLE_INPUT), "not caching", why,
                               NULL);
            goto out;
        }
        *rehashed = 1;
    }
    c->absent = o.absent;
    c->n_absent = o.n_absent;
    o.absent = NULL;
    o.n_absent = 0;
    ok = 1;
out:
    observed_free(&o);
    return ok;
}

/* Does an output that is stored as it is (not a .d or .su file, whose
 * paths are relocated) hold the base's name, though the key does not?  A
 * __FILE__ made by token pasting, say, which no scan of the inputs sees.
 * Then the action must hold the base (action.h, base_seen) so that no other
 * checkout is served this object.  1 when the key was made again; 0 when it
 * did not need to be; -1 (not cacheable) when it could not be made. */
int flow_base_in_outputs(call *c)
{
    const char *base = keybase_paths_base(&c->key.kb);
    if (!base || c->key.late_base || c->key.base_salted || !c->key.kb.relocate)
        return 0;
    int seen = 0;
    for (int i = 0; i < c->cmd.n_outputs && !seen; i++) {
        int kind = c->cmd.outputs[i].kind;
        char *bytes;
        size_t len;
        if (kind == OUT_DEPFILE || kind == OUT_SU ||
            fs_read_file(c->cmd.outputs[i].path, &bytes, &len) != 0)
            continue;
        seen = memmem(bytes, len, base, strlen(base)) != NULL;
        free(bytes);
    }
    if (!seen)
        return 0;
    LOG_I("the output holds the directory %s: kept for this directory only", base);
    action_inputs in = c->in;
    in.deps = c->deps;
    in.n_deps = c->n_deps;
    in.n_unscanned = c->n_extra;
    in.base_seen = c->base_seen = 1;
    const char *why;
    return action_finish(&in, &c->key, &why) == 0 ? 1 : -1;
}
