/* SPDX-License-Identifier: Apache-2.0 */
/* remote_flow.c — the remote REAPI server in a wrapped call.
 *
 * Where it sits.  flow.c looks in the local store first (direct mode, then
 * the dependency scan).  Only a local miss reaches this file, which talks to
 * the server through cache/remote/remote.h (the loader: gRPC is loaded only now,
 * and usually lives in the agent process).  In order:
 *
 *  1. A direct-mode manifest matched but the local action cache lacks its
 *     result (evicted, or a manifest fetched in step 2): rflow_lookup().
 *  2. No local manifest matched: the remote's manifest for the same key
 *     (rflow_manifest_match).  A manifest is kept remotely as an
 *     ActionResult under the manifest key, with one output file
 *     "ricc-manifest" whose blob is the manifest's bytes.  Its include sets
 *     are checked here exactly like a local manifest's (every file's digest,
 *     every "absent" path), so it can only name an action whose inputs are
 *     the files on this disk.  This is what lets a fresh sandbox (empty
 *     RICC_DIR) hit without running the preprocessor.
 *     One call: a manifest is uploaded with the result it was uploaded for
 *     (that ActionResult, its action digest, and its blobs, as further
 *     outputs "ricc-result*" of the manifest's ActionResult, which the
 *     server and the agent inline).  When the include set that holds here
 *     names that very action, the result is taken from there, checked as
 *     any remote result (every blob against its digest, exit code 0, every
 *     output), and the action cache is not asked again: a fresh sandbox's
 *     hit costs one call, not two.  Anything else (another action, a blob
 *     not inlined) asks the action cache as before.
 *  3. Otherwise the dependency scan gives the action (flow.c does not use
 *     depend mode while a remote is in use: the remote must be asked before
 *     compiling, and depend mode only knows the key after), and rflow_miss()
 *     asks the remote action cache, then either compiles here (cache-only;
 *     the result is uploaded when cache_upload_local_build is set) or
 *     uploads the inputs and Executes remotely.  Not a compile whose output
 *     would differ on a worker (remote_safe.c: debug info or coverage data
 *     recording the worker's directory, paths the worker spells relative
 *     to the base): it is compiled here and its result uploaded, as for
 *     rflow_call.no_execute.
 *
 * Links (link.c) use the same steps with their own manifests: the manifest
 * bytes come from rflow_manifest_fetch (link.c reads its own format), a
 * link whose action is known goes through rflow_miss (rflow_call.no_execute
 * when it must not run remotely), and a link whose key was learnt only by
 * linking here is shared afterwards with rflow_upload.  `ricc exec`
 * (exec_tool.c) does the same with its traced tools' manifests; ar (ar.c)
 * knows its Action before running, so it goes straight to rflow_miss, with
 * no_execute set.
 *
 * A remote result is never served straight from the wire: its blobs are
 * brought into the local CAS (only those missing there; each verified, by
 * the loader and again by the local store; a large one the agent has put
 * there itself, cache/remote/client/agent.c), a copy without inlined bytes
 * goes into the local action cache (so the next call is a local hit), and
 * flow.c serves it with the same code as a local hit.  A result is used
 * only if it has exit code 0 and every output the Command names.
 *
 * Counting: the loader counts failed calls and bytes (remote.h's calls
 * are where they are learnt); an action lookup the remote could not serve
 * is counted here (remote_miss; a manifest's lookup is not: the action's
 * lookup that may follow says whether the remote had the result).
 *
 * Failures.  The loader prints what the user needs (one warning per build
 * for a server that is down, cache/remote/remote.h); here a failure just makes the
 * call compile locally and be counted as a fallback.  A blob the server
 * lost (NOT_FOUND) is a miss, not a failure.  A remote execution that exits
 * non-zero is not replayed: the compile runs here, so the build's messages
 * and status are exactly the local compiler's.
 *
 * remote_exec.c has remote execution (the input root's upload and the
 * Execute call); remote_flow_int.h is what the two files share. */
#include "wrapper/remote/remote_flow.h"
#include "wrapper/remote/remote_flow_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cache/local/stats.h"
#include "cache/util/fsutil.h"
#include "cache/util/log.h"
#include "cache/reapi/merkle.h"
#include "cache/reapi/reapi.h"
#include "cache/remote/remote.h"
#include "wrapper/direct/manifest.h"
#include "wrapper/remote/remote_safe.h"

#define MANIFEST_OUTPUT "ricc-manifest"
/* The result a manifest travels with (see "One call" above): its
 * ActionResult, its action digest ("HASH/SIZE"), and its blobs. */
#define RESULT_OUTPUT "ricc-result"
#define RESULT_ACTION "ricc-result-action"
#define RESULT_BLOB "ricc-result-blob-"
#define MAX_RESULT_BLOBS 8

rflow *rflow_new(const config *cfg, store *st)
{
    if (!remote_configured(cfg))
        return NULL;
    rflow *rf = calloc(1, sizeof *rf);
    if (rf) {
        rf->cfg = cfg;
        rf->st = st;
    }
    return rf;
}

void rflow_close(rflow *rf)
{
    if (!rf)
        return;
    remote_close(rf->r);
    free(rf);
}

int rflow_active(rflow *rf)
{
    if (!rf)
        return 0;
    if (!rf->opened) {
        rf->opened = 1;
        /* Marked down: quietly local (the process that marked it warned). */
        if (remote_usable(rf->cfg)) {
            rf->r = remote_open(rf->cfg);
            rf->failed = rf->r == NULL; /* the loader said why */
        }
    }
    return rf->r && !rf->failed;
}

int rflow_failed(const rflow *rf)
{
    return rf && rf->failed;
}

/* A call failed: the loader has told the user; note it for the counters. */
int rflow_fail(rflow *rf, const char *what)
{
    if (rf->r)
        LOG_D("remote %s failed: %s (code %d)", what, remote_error(rf->r)->message,
              remote_error(rf->r)->code);
    rf->failed = 1;
    return -1;
}

/* May a result made here be uploaded?  In cache-only mode when
 * cache_upload_local_build says so.  With remote execution the server's
 * workers fill its cache, except for an action that could not be executed
 * remotely (local_only: a link whose key is known only once it ran): the
 * remote has no other way to learn it. */
static int may_upload(const config *cfg, int local_only)
{
    if (cfg->action_uncacheable)
        return 0;
    return cfg->cache_only ? cfg->cache_upload_local_build : local_only;
}

static int uploads_on(const config *cfg)
{
    return may_upload(cfg, 0);
}

/* ---- bringing a remote ActionResult home ---- */

/* Store bytes that must have digest d in the local CAS.  0 or -1. */
static int put_verified(rflow *rf, const void *buf, size_t len, const digest *d)
{
    digest got;
    if (cas_put(rf->st, buf, len, &got) != 0) {
        LOG_D("cannot store a remote blob in %s: %s", rf->cfg->dir, strerror(errno));
        return -1;
    }
    if (!digest_equal(&got, d)) { /* the loader verified it: cannot happen */
        LOG_W("remote blob %s does not match its digest; not used", d->hash);
        return -1;
    }
    return 0;
}

static int has_digest(const reapi_digest *d)
{
    return d && d->hash && d->hash[0];
}

/* A stream with content: an empty one needs no blob (nor a digest in the
 * local copy, which then replays nothing without touching the CAS). */
static int has_stream(const reapi_digest *d)
{
    return has_digest(d) && d->size_bytes != 0;
}

/* Make sure the blob of `rd` is in the local CAS: from inlined bytes, or
 * queued in items[*n] for one fetch.  0, 1 (queued) or -1. */
static int want_blob(rflow *rf, const reapi_digest *rd, const ProtobufCBinaryData *inl,
                     remote_fetch_item *items, size_t *n)
{
    digest d;
    if (reapi_digest_get(rd, &d) != 0)
        return -1;
    if (inl && inl->len > 0)
        return put_verified(rf, inl->data, inl->len, &d);
    if (d.size_bytes == 0)
        return put_verified(rf, "", 0, &d);
    if (cas_has(rf->st, &d))
        return 0;
    memset(&items[*n], 0, sizeof items[*n]);
    items[(*n)++].d = d;
    return 1;
}

/* Fetch the queued blobs into the local CAS.  0, REMOTE_MISS (the server
 * lacks one) or -1. */
static int fetch_blobs(rflow *rf, remote_fetch_item *items, size_t n)
{
    if (n == 0)
        return 0;
    if (remote_fetch(rf->r, items, n) != 0)
        return remote_error(rf->r)->code == REMOTE_CODE_NOT_FOUND ? REMOTE_MISS
                                                                  : rflow_fail(rf, "fetch");
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (rc == 0 && put_verified(rf, items[i].data, items[i].len, &items[i].d) != 0)
            rc = -1;
        free(items[i].data);
    }
    return rc;
}

/* The output of `ar` at Command output path `path`, or NULL. */
static reapi_output_file *find_output(reapi_action_result *ar, const char *path)
{
    for (size_t j = 0; j < ar->n_output_files; j++)
        if (ar->output_files[j]->path && !strcmp(ar->output_files[j]->path, path))
            return ar->output_files[j];
    return NULL;
}

/* raw: a checked ActionResult from the server for key.  Bring its blobs
 * into the local CAS, store a copy without inlined bytes in the local
 * action cache (unless action_uncacheable) and return that copy.  0,
 * REMOTE_MISS (a result we do not use) or -1. */
int rflow_import(rflow *rf, const action_key *key, const void *raw, size_t raw_len,
                         void **out, size_t *out_len)
{
    reapi_action_result *ar = reapi_result_unpack(raw, raw_len);
    if (!ar)
        return rflow_fail(rf, "result parse");
    int rc = REMOTE_MISS;
    size_t n = 0, *saved = calloc(ar->n_output_files + 1, sizeof *saved);
    remote_fetch_item *items = calloc((size_t)key->n_outputs + 2, sizeof *items);
    if (!saved || !items) {
        rc = -1;
        goto out;
    }
    if (ar->exit_code != 0) {
        LOG_D("remote result has exit code %d; not used", ar->exit_code);
        goto out;
    }
    for (int i = 0; i < key->n_outputs; i++) {
        reapi_output_file *f = find_output(ar, key->output_paths[i]);
        if (!f) {
            LOG_D("remote result lacks output %s; not used", key->output_paths[i]);
            goto out;
        }
        if (want_blob(rf, f->digest, &f->contents, items, &n) < 0) {
            rc = -1;
            goto out;
        }
    }
    if ((has_stream(ar->stdout_digest) &&
         want_blob(rf, ar->stdout_digest, &ar->stdout_raw, items, &n) < 0) ||
        (has_stream(ar->stderr_digest) &&
         want_blob(rf, ar->stderr_digest, &ar->stderr_raw, items, &n) < 0)) {
        rc = -1;
        goto out;
    }
    if ((rc = fetch_blobs(rf, items, n)) != 0)
        goto out;

    /* The local copy: blobs by digest only (they are in the CAS now). */
    for (size_t j = 0; j < ar->n_output_files; j++) {
        saved[j] = ar->output_files[j]->contents.len;
        ar->output_files[j]->contents.len = 0;
    }
    size_t so = ar->stdout_raw.len, se = ar->stderr_raw.len;
    reapi_digest *sod = ar->stdout_digest, *sed = ar->stderr_digest;
    if (has_digest(sod))
        ar->stdout_raw.len = 0;
    if (has_digest(sed))
        ar->stderr_raw.len = 0;
    if (has_digest(sod) && !has_stream(sod))
        ar->stdout_digest = NULL;
    if (has_digest(sed) && !has_stream(sed))
        ar->stderr_digest = NULL;
    *out = reapi_pack(&ar->base, out_len, NULL);
    for (size_t j = 0; j < ar->n_output_files; j++)
        ar->output_files[j]->contents.len = saved[j];
    ar->stdout_raw.len = so;
    ar->stderr_raw.len = se;
    ar->stdout_digest = sod;
    ar->stderr_digest = sed;
    if (!*out) {
        rc = -1;
        goto out;
    }
    if (!rf->cfg->action_uncacheable &&
        store_put(rf->st, STORE_AC, &key->action, *out, *out_len) != 0)
        LOG_D("cannot store the remote result in %s: %s", rf->cfg->dir, strerror(errno));
out:
    free(saved);
    free(items);
    protobuf_c_message_free_unpacked(&ar->base, NULL);
    return rc;
}

int rflow_lookup(rflow *rf, const action_key *key, void **ar, size_t *len)
{
    if (!rflow_active(rf))
        return -1;
    void *raw;
    size_t raw_len;
    int rc = remote_get_action_result(rf->r, &key->action, key->output_paths, key->n_outputs,
                                      &raw, &raw_len);
    if (rc < 0)
        return rflow_fail(rf, "GetActionResult");
    if (rc == REMOTE_MISS) {
        LOG_D("remote action cache miss for %s", key->action.hash);
        stats_add(ST_REMOTE_MISS, 1);
        return REMOTE_MISS;
    }
    rc = rflow_import(rf, key, raw, raw_len, ar, len);
    free(raw);
    if (rc == REMOTE_MISS) /* a result not to use, or a blob the server lost */
        stats_add(ST_REMOTE_MISS, 1);
    return rc;
}

/* ---- manifests ---- */

/* The remote's ActionResult under the manifest key mkey, every output
 * asked inlined: the manifest and, for a compile's, the result that
 * travels with it (the loader refuses outputs not asked for).  Unpacked,
 * or NULL (none, or a failure: see rf->failed). */
static reapi_action_result *manifest_result(rflow *rf, const digest *mkey)
{
    if (!rflow_active(rf) || rf->cfg->skip_cache)
        return NULL;
    char names[MAX_RESULT_BLOBS][32];
    char *outs[3 + MAX_RESULT_BLOBS] = {MANIFEST_OUTPUT, RESULT_OUTPUT, RESULT_ACTION};
    for (int i = 0; i < MAX_RESULT_BLOBS; i++) {
        snprintf(names[i], sizeof names[i], "%s%d", RESULT_BLOB, i);
        outs[3 + i] = names[i];
    }
    void *raw;
    size_t raw_len;
    int rc = remote_get_action_result(rf->r, mkey, outs, 3 + MAX_RESULT_BLOBS, &raw, &raw_len);
    if (rc != 0) {
        if (rc < 0)
            rflow_fail(rf, "GetActionResult (manifest)");
        return NULL;
    }
    reapi_action_result *ar = reapi_result_unpack(raw, raw_len);
    free(raw);
    return ar;
}

/* The bytes of the manifest in ar (inlined; else in the local CAS, where
 * the agent puts a large one; else fetched), with a NUL after them.
 * malloc'd, or NULL. */
static char *manifest_bytes(rflow *rf, reapi_action_result *ar, size_t *len)
{
    reapi_output_file *f = ar ? find_output(ar, MANIFEST_OUTPUT) : NULL;
    remote_fetch_item item = { 0 };
    if (f && f->contents.len) {
        /* Inlined: checked against its digest by the loader. */
        item.data = malloc(f->contents.len + 1);
        if (item.data) {
            memcpy(item.data, f->contents.data, f->contents.len);
            item.len = f->contents.len;
        }
    } else if (f && reapi_digest_get(f->digest, &item.d) == 0 && item.d.size_bytes > 0) {
        char *local;
        size_t n;
        if (cas_get(rf->st, &item.d, &local, &n) == 0) {
            item.data = local; /* verified by the store */
            item.len = n;
        } else if (remote_fetch(rf->r, &item, 1) != 0) {
            if (remote_error(rf->r)->code != REMOTE_CODE_NOT_FOUND)
                rflow_fail(rf, "fetch (manifest)");
            free(item.data);
            item.data = NULL;
        }
    }
    /* A NUL after the bytes, so a text manifest can be read as a string. */
    char *text = item.data ? malloc(item.len + 1) : NULL;
    if (text) {
        memcpy(text, item.data, item.len);
        text[item.len] = '\0';
        *len = item.len;
    }
    free(item.data);
    return text;
}

struct rflow_carried {
    reapi_action_result *mar;  /* the manifest's ActionResult, outputs inlined */
};

int rflow_manifest_fetch(rflow *rf, const digest *mkey, char **bytes, size_t *len,
                         rflow_carried **carried)
{
    *len = 0;
    if (carried)
        *carried = NULL;
    reapi_action_result *ar = manifest_result(rf, mkey);
    *bytes = ar ? manifest_bytes(rf, ar, len) : NULL;
    if (ar && *bytes && carried && (*carried = malloc(sizeof **carried)))
        (*carried)->mar = ar;
    else if (ar)
        protobuf_c_message_free_unpacked(&ar->base, NULL);
    return *bytes != NULL;
}

void rflow_carried_free(rflow_carried *carried)
{
    if (!carried)
        return;
    protobuf_c_message_free_unpacked(&carried->mar->base, NULL);
    free(carried);
}

/* The result that travels with the manifest in mar, when it is the one for
 * `action` and came whole (every blob inlined, or put in the local CAS by
 * the agent): its blobs into the local CAS, each checked against its
 * digest (the agent's by the store when served), and the result imported as one
 * from the action cache (import_result: exit code 0, every output the
 * Command names).  So a fresh sandbox hits with this one call.  1 with
 * *out, the imported result (kept in the local action cache unless
 * action_uncacheable), else 0 (the caller asks the remote's action cache,
 * as without it). */
static int take_result(rflow *rf, reapi_action_result *mar, const action_key *key,
                       const digest *action, void **out, size_t *out_len)
{
    reapi_output_file *res = find_output(mar, RESULT_OUTPUT);
    reapi_output_file *act = find_output(mar, RESULT_ACTION);
    digest named, rd;
    const char *why;
    char text[DIGEST_HEX_LEN + 32];
    if (!res || !act || !res->contents.len || act->contents.len >= sizeof text ||
        reapi_digest_get(res->digest, &rd) != 0)
        return 0;
    memcpy(text, act->contents.data, act->contents.len);
    text[act->contents.len] = '\0';
    if (digest_parse(text, &named, &why) != 0 || !digest_equal(&named, action))
        return 0;
    for (size_t i = 0; i < mar->n_output_files; i++) {
        reapi_output_file *f = mar->output_files[i];
        digest d;
        if (!f->path || strncmp(f->path, RESULT_BLOB, strlen(RESULT_BLOB)))
            continue;
        if (reapi_digest_get(f->digest, &d) != 0)
            return 0;
        if (f->contents.len == 0 && d.size_bytes > 0) {
            if (!cas_has(rf->st, &d))
                return 0;
        } else if (put_verified(rf, f->contents.len ? (const void *)f->contents.data : "",
                                f->contents.len, &d) != 0) {
            return 0;
        }
    }
    digest got;
    digest_buf(res->contents.data, res->contents.len, &got);
    if (!digest_equal(&got, &rd))
        return 0;
    action_key k = *key;
    k.action = *action;
    if (rflow_import(rf, &k, res->contents.data, res->contents.len, out, out_len) != 0)
        return 0;
    LOG_D("the result of %s came with the manifest", action->hash);
    return 1;
}

int rflow_take(rflow *rf, rflow_carried *carried, const action_key *key, void **ar, size_t *len)
{
    return carried && take_result(rf, carried->mar, key, &key->action, ar, len) ? 0 : -1;
}

int rflow_manifest_match(rflow *rf, const action_key *key, const digest *mkey, digest *action,
                         int *taken)
{
    *taken = 0;
    if (!rf || rf->cfg->no_direct)
        return 0;
    reapi_action_result *mar = manifest_result(rf, mkey);
    size_t len = 0;
    char *bytes = mar ? manifest_bytes(rf, mar, &len) : NULL;
    if (!bytes) {
        if (mar)
            protobuf_c_message_free_unpacked(&mar->base, NULL);
        if (rflow_active(rf))
            LOG_D("remote manifest %s: none", mkey->hash);
        return 0;
    }
    manifest *m = manifest_parse(bytes, len);
    digest a;
    int found = m && manifest_match(m, keybase_paths_base(&key->kb), &a);
    if (found) {
        *action = a;
        void *out;
        size_t out_len;
        /* Taken when kept locally: the caller serves it from there. */
        if (take_result(rf, mar, key, &a, &out, &out_len)) {
            *taken = !rf->cfg->action_uncacheable;
            free(out);
        }
    }
    protobuf_c_message_free_unpacked(&mar->base, NULL);
    if (m) {
        /* Kept locally when there is none, so that what this call learns is
         * added to it (and uploaded) rather than replacing it. */
        char *local;
        size_t llen;
        if (store_get(rf->st, STORE_MANIFEST, mkey, &local, &llen) == 0)
            free(local);
        else
            store_put(rf->st, STORE_MANIFEST, mkey, bytes, len);
    } else {
        LOG_D("the remote manifest %s does not parse; ignored", mkey->hash);
    }
    LOG_D("remote manifest %s: %s", mkey->hash, found ? "matches" : m ? "no match" : "none");
    manifest_free(m);
    free(bytes);
    return found;
}

/* ---- uploads ---- */

int rflow_blobs_add(blobs *b, const digest *d, const void *data, size_t len, const char *path,
                    int owned)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 16;
        remote_blob *v = realloc(b->v, cap * sizeof *v);
        void **o = realloc(b->owned, cap * sizeof *o);
        if (v)
            b->v = v;
        if (o)
            b->owned = o;
        if (!v || !o)
            return -1;
        b->cap = cap;
    }
    b->v[b->n++] = (remote_blob){ .d = *d, .data = data, .len = len, .path = path };
    if (owned)
        b->owned[b->n_owned++] = (void *)data;
    return 0;
}

void rflow_blobs_free(blobs *b)
{
    for (size_t i = 0; i < b->n_owned; i++)
        free(b->owned[i]);
    free(b->owned);
    free(b->v);
}

/* What travels with an uploaded manifest: the result just uploaded. */
typedef struct travel {
    const digest *action;
    const void *ar;            /* its ActionResult, blobs by digest */
    size_t ar_len;
    digest *blobs;             /* the blobs it names (outputs, streams), */
    int n_blobs;               /* at most MAX_RESULT_BLOBS */
} travel;

/* Add the local manifest under mkey to b, and make the ActionResult that
 * names it (*mar, malloc'd), with the result in t when there is one.  0,
 * or -1 when there is no manifest. */
static int add_manifest(rflow *rf, const digest *mkey, const travel *t, blobs *b, void **mar,
                        size_t *mlen)
{
    char *bytes;
    size_t len;
    *mar = NULL;
    if (store_get(rf->st, STORE_MANIFEST, mkey, &bytes, &len) != 0)
        return -1;
    digest d;
    digest_buf(bytes, len, &d);
    if (rflow_blobs_add(b, &d, bytes, len, NULL, 1) != 0) {
        free(bytes);
        return -1;
    }
    int n_out = 1;
    reapi_output_file files[3 + MAX_RESULT_BLOBS], *fp[3 + MAX_RESULT_BLOBS];
    reapi_digest rds[3 + MAX_RESULT_BLOBS];
    digest res_d, act_d;
    char act_text[DIGEST_HEX_LEN + 32], names[MAX_RESULT_BLOBS][32];
    reapi_output_file init = REAPI_OUTPUT_FILE_INIT;
    files[0] = init;
    files[0].path = MANIFEST_OUTPUT;
    reapi_digest_ref(&rds[0], &d);
    if (t) {
        /* The result, its action and its blobs (already in b, or on the
         * server) as further outputs: a fresh sandbox's one GetActionResult
         * for the manifest, every output inlined, brings all it needs. */
        snprintf(act_text, sizeof act_text, "%s/%lld", t->action->hash,
                 (long long)t->action->size_bytes);
        digest_buf(t->ar, t->ar_len, &res_d);
        digest_buf(act_text, strlen(act_text), &act_d);
        char *copy = strdup(act_text);
        if (!copy || rflow_blobs_add(b, &res_d, t->ar, t->ar_len, NULL, 0) != 0 ||
            rflow_blobs_add(b, &act_d, copy, strlen(copy), NULL, 1) != 0) {
            free(copy);
            return -1;
        }
        files[1] = init;
        files[1].path = RESULT_OUTPUT;
        reapi_digest_ref(&rds[1], &res_d);
        files[2] = init;
        files[2].path = RESULT_ACTION;
        reapi_digest_ref(&rds[2], &act_d);
        n_out = 3;
        for (int i = 0; i < t->n_blobs; i++, n_out++) {
            snprintf(names[i], sizeof names[i], "%s%d", RESULT_BLOB, i);
            files[n_out] = init;
            files[n_out].path = names[i];
            reapi_digest_ref(&rds[n_out], &t->blobs[i]);
        }
    }
    for (int i = 0; i < n_out; i++) {
        files[i].digest = &rds[i];
        fp[i] = &files[i];
    }
    reapi_action_result ar = REAPI_ACTION_RESULT_INIT;
    ar.n_output_files = (size_t)n_out;
    ar.output_files = fp;
    *mar = reapi_pack(&ar.base, mlen, NULL);
    return *mar ? 0 : -1;
}

/* The manifest under mkey alone, carrying no result. */
static void upload_manifest(rflow *rf, const digest *mkey)
{
    blobs b = { 0 };
    void *mar;
    size_t mlen;
    if (add_manifest(rf, mkey, NULL, &b, &mar, &mlen) == 0 && remote_upload(rf->r, b.v, b.n) == 0)
        remote_update_action_result(rf->r, mkey, mar, mlen);
    free(mar);
    rflow_blobs_free(&b);
}

/* A stream of a local result as a blob: digest set in *rd (pointing at *d). */
static int add_stream(blobs *b, const ProtobufCBinaryData *raw, digest *d, reapi_digest *rd)
{
    digest_buf(raw->data, raw->len, d);
    reapi_digest_ref(rd, d);
    /* An empty stream's blob too: a server may check that the result's
     * blobs are all there (remote_upload sends it only if it is missing). */
    return rflow_blobs_add(b, d, raw->len ? (const void *)raw->data : "", raw->len, NULL, 0);
}

/* The result this call stored locally, and the manifest, to the remote.
 * Only blobs the server lacks travel (remote_upload asks first).  When the
 * result came from the remote (`found`), only the manifest is updated; it
 * carries that result all the same, or every later fresh sandbox would pay
 * a second call for it. */
static void upload_result(rflow *rf, const action_key *key, const digest *mkey, int carry,
                          int found)
{
    if (found && !mkey)
        return;
    char *bytes;
    size_t len;
    if (store_get(rf->st, STORE_AC, &key->action, &bytes, &len) != 0) {
        /* Not stored: not cacheable after all (nothing to share), or the
         * found result could not be kept here (the manifest goes alone). */
        if (found)
            upload_manifest(rf, mkey);
        return;
    }
    reapi_action_result *ar = (reapi_action_result *)protobuf_c_message_unpack(
        &build__bazel__remote__execution__v2__action_result__descriptor, NULL, len,
        (const uint8_t *)bytes);
    free(bytes);
    if (!ar)
        return;
    blobs b = { 0 };
    void *out = NULL, *mar = NULL;
    size_t out_len, mlen = 0;
    int ok = 1;
    for (size_t i = 0; ok && i < ar->n_output_files; i++) {
        digest d;
        char *data;
        size_t dlen;
        ok = reapi_digest_get(ar->output_files[i]->digest, &d) == 0 &&
             cas_get(rf->st, &d, &data, &dlen) == 0;
        if (ok && rflow_blobs_add(&b, &d, data, dlen, NULL, 1) != 0) {
            free(data);
            ok = 0;
        }
    }
    /* stdout/stderr travel as blobs, as servers expect. */
    digest od, ed;
    reapi_digest ord, erd;
    ok = ok && add_stream(&b, &ar->stdout_raw, &od, &ord) == 0 &&
         add_stream(&b, &ar->stderr_raw, &ed, &erd) == 0;
    if (ok) {
        ProtobufCBinaryData so = ar->stdout_raw, se = ar->stderr_raw;
        reapi_digest *sod = ar->stdout_digest, *sed = ar->stderr_digest;
        ar->stdout_raw.len = ar->stderr_raw.len = 0;
        ar->stdout_digest = &ord;
        ar->stderr_digest = &erd;
        out = reapi_pack(&ar->base, &out_len, NULL);
        ar->stdout_raw = so;
        ar->stderr_raw = se;
        ar->stdout_digest = sod;
        ar->stderr_digest = sed;
        if (mkey && out && carry && b.n <= MAX_RESULT_BLOBS) {
            /* The blobs the result names are all in b by now. */
            digest named[MAX_RESULT_BLOBS];
            for (size_t i = 0; i < b.n; i++)
                named[i] = b.v[i].d;
            travel t = {&key->action, out, out_len, named, (int)b.n};
            add_manifest(rf, mkey, &t, &b, &mar, &mlen);
        } else if (mkey) {
            add_manifest(rf, mkey, NULL, &b, &mar, &mlen);
        }
    }
    if (ok && out && remote_upload(rf->r, b.v, b.n) == 0 &&
        (found || remote_update_action_result(rf->r, &key->action, out, out_len) == 0)) {
        if (!found)
            LOG_D("uploaded the result of %s", key->action.hash);
        if (mar)
            remote_update_action_result(rf->r, mkey, mar, mlen);
    }
    free(out);
    free(mar);
    rflow_blobs_free(&b);
    protobuf_c_message_free_unpacked(&ar->base, NULL);
}

/* ---- the miss ---- */

int rflow_miss(rflow *rf, const rflow_call *c, enum rflow_how *how)
{
    const config *cfg = rf->cfg;
    int status, remote_has = 0;
    if (!cfg->skip_cache && rflow_active(rf)) {
        void *ar;
        size_t len;
        if (rflow_lookup(rf, c->key, &ar, &len) == 0) {
            remote_has = 1;
            status = c->serve(c->ctx, ar, len);
            free(ar);
            if (status >= 0) {
                *how = RFLOW_HIT;
                if (uploads_on(cfg) && c->mkey && !rf->failed) /* what this call learned */
                    upload_result(rf, c->key, c->mkey, c->carry_result, 1);
                return status;
            }
        }
    }
    /* Would a worker make other bytes than this machine (remote_safe.c)? */
    remote_safety safe = {c->no_execute, 0};
    if (!safe.why_not && !cfg->cache_only && rflow_active(rf))
        safe = remote_safe_check(c->key, c->cwd);
    /* A server without Execute (bazel-remote): built here, and shared. */
    if (!safe.why_not && !cfg->cache_only && rflow_active(rf)) {
        int can = remote_can_execute(rf->r);
        if (can < 0)
            rflow_fail(rf, "GetCapabilities");
        else if (can == 0)
            safe.why_not = "the server has no Execution service";
    }
    if (!cfg->cache_only && !safe.why_not && rflow_active(rf)) {
        if ((status = rflow_execute(rf, c, safe.quiet_only, how)) >= 0) {
            /* Kept out of the server's cache (do_not_cache) until known
             * to be this machine's bytes: now it is, so share it. */
            if (safe.quiet_only && !cfg->action_uncacheable && !remote_has && !rf->failed)
                upload_result(rf, c->key, c->mkey, c->carry_result, 0);
            return status;
        }
    } else if (cfg->cache_only && !rf->failed) {
        LOG_P("Action not cached and running in cache-only mode, executing locally");
    } else if (!cfg->cache_only && safe.why_not && !rf->failed) {
        LOG_P("Action not cached and not executable remotely (%s), executing locally%s",
              safe.why_not, may_upload(cfg, 1) ? " and uploading the result" : "");
    }
    *how = RFLOW_LOCAL;
    status = c->compile(c->ctx);
    /* Made here where a worker could not have made it: the server learns it
     * from us or not at all. */
    int local_only = safe.why_not != NULL || safe.quiet_only;
    if (status == 0 && may_upload(cfg, local_only) && rflow_active(rf) && !remote_has)
        upload_result(rf, c->key, c->mkey, c->carry_result, 0);
    return status;
}

void rflow_upload(rflow *rf, const action_key *key, const digest *mkey)
{
    if (rf && !rf->failed && may_upload(rf->cfg, 1) && rflow_active(rf))
        upload_result(rf, key, mkey, 1, 0);
}
