/* SPDX-License-Identifier: Apache-2.0 */
/* flow_direct.c — direct mode's lookup for a wrapped compile (flow_int.h):
 * the local manifest's entries, then its second chances (comment-only
 * edits, another checkout's entry), then the remote's manifest, whose
 * entries are believed only once the action they name is this call's
 * (manifest.h, "foreign"). */
#include <stdlib.h>
#include <string.h>

#include "cache/util/log.h"
#include "cache/local/stats.h"
#include "wrapper/direct/comment_hit.h"
#include "wrapper/flows/flow_int.h"
#include "wrapper/key/result.h"
#include "wrapper/util/run.h"

/* Does __FILE__ or its kin put a path under the base into this compile's
 * output?  The entry of another checkout says its inputs use one, but a
 * macro using it may never be expanded (assert() under NDEBUG): the
 * preprocessor's output says.  1 when it holds the base or __builtin_FILE
 * (which only the compiler proper expands), or cannot be had; else 0. */
static int file_macros_record_base(call *c)
{
    const char *base = keybase_paths_base(&c->key.kb);
    int n = 0;
    while (c->cmd.dep_argv[n])
        n++;
    char **argv = calloc((size_t)n + 3, sizeof *argv);
    if (!argv || !base || n < 4)
        goto out;
    int k = 0;
    argv[k++] = c->compiler;
    for (int i = 1; i < n - 3; i++) /* (less the scan's "-M -MT _") */
        argv[k++] = c->cmd.dep_argv[i];
    argv[k++] = "-E";
    argv[k++] = "-P";
    run_result r;
    int records = 1;
    if (run_capture(c->compiler, argv, &r) == 0) {
        records = r.status != 0 || memmem(r.out, r.out_len, base, strlen(base)) ||
                  memmem(r.out, r.out_len, "__builtin_FILE", 14);
        run_result_free(&r);
    }
    free(argv);
    return records;
out:
    free(argv);
    return 1;
}

/* A twin of this call in m (manifest.h): an entry whose result is this
 * call's too, though its action is not.  Serve that result (only if it
 * printed nothing, when silent), keep it under this call's action too, and
 * add an entry for the files as they are: the exit status, or -1 with
 * nothing written.  Takes m and tw. */
static int serve_twin(call *c, manifest *m, manifest_twin *tw, int silent)
{
    char *bytes = NULL;
    size_t len = 0;
    int status = -1;
    if (store_get(c->p.st, STORE_AC, &tw->action, &bytes, &len) != 0 ||
        (silent && !result_is_silent(bytes, len)))
        goto out;
    /* The action of the files as they are, which must still be those.
     * (A direct lookup comes before the flow has inputs: c->deps is empty.) */
    c->deps = tw->paths;
    c->n_deps = tw->n;
    tw->paths = NULL;
    action_inputs in = c->in;
    in.deps = c->deps;
    in.n_deps = c->n_deps;
    in.base_seen = tw->base_in_output;
    in.n_unscanned = tw->n_unscanned;
    const char *why;
    if (action_finish(&in, &c->key, &why) != 0)
        goto out;
    for (int i = 0; i < c->n_deps; i++)
        if (!digest_equal(&c->key.dep_digests[i], &tw->now[i]))
            goto out;
    if ((status = flow_serve_hit(c, bytes, len)) < 0)
        goto out;
    if (store_put(c->p.st, STORE_AC, &c->key.action, bytes, len) == 0 &&
        manifest_add_twin(m, tw, &c->key.action,
                          c->key.late_base ? keybase_paths_base(&c->key.kb) : NULL) == 0) {
        flow_write_manifest(c, m);
        m = NULL;
    }
out:
    if (status < 0) {
        /* A miss after all: the flow finds its inputs itself, as before. */
        for (int i = 0; i < c->n_deps; i++)
            free(c->deps[i]);
        free(c->deps);
        c->deps = NULL;
        c->n_deps = 0;
    }
    manifest_twin_free(tw);
    manifest_free(m);
    free(bytes);
    return status;
}

/* When no entry of m holds, two kinds of twin: the comments alone changed
 * (comment_hit.h), or the entry is another checkout's, kept apart for a
 * __FILE__ that did not reach the output after all.  The exit status, or
 * -1.  Takes m. */
static int second_chance(call *c, manifest *m)
{
    manifest_twin tw;
    if (comment_hit_allowed(c->p.cfg, &c->cmd, c->compiler) &&
        comment_hit_match(&c->codes, c->p.cfg->dir, m, keybase_paths_base(&c->key.kb), &tw))
        return serve_twin(c, m, &tw, 1);
    if (manifest_match_elsewhere(m, keybase_paths_base(&c->key.kb), &tw)) {
        if (!file_macros_record_base(c)) {
            LOG_I("__FILE__ does not reach the output: the result of another checkout");
            return serve_twin(c, m, &tw, 0);
        }
        manifest_twin_free(&tw);
    }
    manifest_free(m);
    return -1;
}

/* A foreign entry of m (manifest.h) that holds here, checked: the action
 * its files give for this call must be the one it names, every file with
 * the digest it holds now.  1 with *action (the entry is vouched for in m),
 * or 0 (each wrong entry is dropped from m, with a warning).  *changed = 1
 * when m changed. */
static int vouched_match(call *c, manifest *m, digest *action, int *changed)
{
    for (int tries = 0; tries < 8; tries++) {
        manifest_twin tw;
        if (!manifest_match_foreign(m, keybase_paths_base(&c->key.kb), &tw))
            return 0;
        action_inputs in = c->in;
        in.deps = tw.paths;
        in.n_deps = tw.n;
        in.base_seen = tw.base_in_output;
        in.n_unscanned = tw.n_unscanned;
        const char *why;
        int ok = action_finish(&in, &c->key, &why) == 0 &&
                 digest_equal(&c->key.action, &tw.action);
        for (int i = 0; ok && i < tw.n; i++)
            ok = digest_equal(&c->key.dep_digests[i], &tw.now[i]);
        if (!ok)
            LOG_W("a manifest from the remote names action %s for files whose action here is "
                  "%s; ignoring that entry", tw.action.hash, c->key.action.hash);
        manifest_vouch(m, tw.entry, ok);
        *changed = 1;
        if (ok)
            *action = tw.action;
        manifest_twin_free(&tw);
        if (ok)
            return 1;
    }
    return 0;
}

/* The remote's copy of the manifest, its entries foreign until checked
 * here (vouched_match).  It is kept locally when there is none, so that
 * what this call learns is added to it (and uploaded) rather than
 * replacing it.  1 with *action, and *taken = 1 when the result that
 * travels with the manifest was that action's and is now in the local
 * store; else 0. */
static int remote_manifest_match(call *c, int have_local, digest *action, int *taken)
{
    char *bytes;
    size_t len;
    rflow_carried *carried;
    *taken = 0;
    if (c->p.cfg->no_direct || !rflow_manifest_fetch(c->p.rf, &c->mkey, &bytes, &len, &carried)) {
        if (rflow_active(c->p.rf))
            LOG_D("remote manifest %s/%lld: none", c->mkey.hash, (long long)c->mkey.size_bytes);
        return 0;
    }
    manifest *m = manifest_parse(bytes, len);
    free(bytes);
    if (!m) {
        LOG_D("the remote manifest %s does not parse; ignored", c->mkey.hash);
        rflow_carried_free(carried);
        return 0;
    }
    manifest_mark_foreign(m);
    int changed = 0, found = vouched_match(c, m, action, &changed);
    if (found) {
        void *ar;
        size_t ar_len;
        if (rflow_take(c->p.rf, carried, &c->key, &ar, &ar_len) == 0) {
            *taken = !c->p.cfg->action_uncacheable;
            free(ar);
        }
    }
    rflow_carried_free(carried);
    LOG_D("remote manifest %s/%lld: %s", c->mkey.hash, (long long)c->mkey.size_bytes,
          found ? "matches" : "no match");
    if (!have_local)
        flow_write_manifest(c, m);
    else
        manifest_free(m);
    return found;
}

int flow_direct_lookup(call *c)
{
    if (c->p.cfg->no_direct || c->p.cfg->skip_cache)
        return DIRECT_MISS;
    char *bytes;
    size_t len;
    digest action;
    int found = 0, scan_only = 0, have_local = 0, taken = 0;
    if (store_get(c->p.st, STORE_MANIFEST, &c->mkey, &bytes, &len) == 0) {
        manifest *m = manifest_parse(bytes, len);
        free(bytes);
        if (!m) {
            LOG_W("manifest %s does not parse; removing it", c->mkey.hash);
            store_remove(c->p.st, STORE_MANIFEST, &c->mkey);
            stats_add(ST_CORRUPT_ENTRY, 1);
            return -1;
        }
        have_local = 1;
        found = manifest_match(m, keybase_paths_base(&c->key.kb), &action);
        scan_only = manifest_scan_only(m);
        int changed = manifest_refreshed(m);
        if (!found) {
            /* An entry the remote gave an earlier call, checked now. */
            found = vouched_match(c, m, &action, &changed);
            if (!found && !changed) {
                int status = second_chance(c, m);
                if (status >= 0)
                    return status;
                m = NULL;
            }
        }
        if (m && changed)
            flow_write_manifest(c, m);
        else
            manifest_free(m);
    }
    /* Nothing here holds: the remote's copy of the manifest, if any. */
    if (!found && !remote_manifest_match(c, have_local, &action, &taken))
        return scan_only ? DIRECT_SCAN : DIRECT_MISS;
    digest saved = c->key.action;
    c->key.action = action;
    int status = flow_lookup(c);
    c->from_remote = status >= 0 && taken; /* the result came with the remote manifest */
    if (status < 0)
        status = flow_remote_lookup(c);
    if (status < 0) {
        c->key.action = saved;
        return scan_only ? DIRECT_SCAN : DIRECT_MISS;
    }
    return status;
}
