/* SPDX-License-Identifier: Apache-2.0 */
/* result.c — serving and storing an action's result.  See result.h. */
#include "wrapper/key/result.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cache/local/cachedir.h"
#include "cache/util/fsutil.h"
#include "cache/util/log.h"
#include "cache/reapi/reapi.h"
#include "cache/local/stats.h"
#include "wrapper/compiler/compiler.h"
#include "wrapper/key/relocate.h"

/* Is output i stored relocated, and how: 'd' a dependency file, 't' text. */
static char reloc_kind(const result_outputs *o, int i)
{
    if (!o->rl || !o->rl->base || !o->rl->kinds)
        return 0;
    return o->rl->kinds[i] == OUT_DEPFILE ? 'd' : o->rl->kinds[i] == OUT_SU ? 't' : 0;
}

/* A stream's bytes as this call is to see them: inline (raw) or, from a
 * remote, a blob in the CAS; with the base put back.  0 with *buf malloc'd
 * (NULL when empty), or -1. */
static int stream_bytes(store *st, const result_outputs *o, const ProtobufCBinaryData *raw,
                        const reapi_digest *d, char **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    char *got = NULL;
    size_t n = raw->len;
    if (d && d->hash && d->hash[0]) {
        digest dd;
        if (reapi_digest_get(d, &dd) != 0 || cas_get(st, &dd, &got, &n) != 0)
            return -1;
    } else if (n && !(got = malloc(n))) {
        return -1;
    } else if (n) {
        memcpy(got, raw->data, n);
    }
    if (n && o->rl && o->rl->base) {
        char *back = relocate_text_restore(got, n, o->rl->base, &n);
        free(got);
        if (!(got = back))
            return -1;
    }
    *buf = got;
    *len = got ? n : 0;
    return 0;
}

/* Write a stored output that holds markers, with this call's base and
 * targets put back.  0, 1 (the stored bytes are damaged), -1 (errno). */
static int write_relocated(store *st, const result_outputs *o, int i, const digest *d)
{
    char *buf, *back = NULL;
    size_t len, blen = 0;
    int r = cas_get(st, d, &buf, &len);
    if (r != 0)
        return r;
    const char *const *targets = (const char *const *)o->rl->dep_targets;
    back = reloc_kind(o, i) == 'd' ? relocate_dep_restore(buf, len, o->rl->base, targets, &blen)
                                   : relocate_text_restore(buf, len, o->rl->base, &blen);
    free(buf);
    if (!back)
        return 1;
    r = fs_write_output(o->paths[i], back, blen, 0644);
    free(back);
    return r;
}

static int stream_blob_present(store *st, const reapi_digest *d)
{
    digest dd;
    if (!d || !d->hash || !d->hash[0])
        return 1;
    return reapi_digest_get(d, &dd) == 0 && cas_has(st, &dd);
}

int result_serve(store *st, const digest *action, const result_outputs *o, const void *bytes,
                 size_t len)
{
    reapi_action_result *ar = (reapi_action_result *)protobuf_c_message_unpack(
        &build__bazel__remote__execution__v2__action_result__descriptor, NULL, len,
        (const uint8_t *)bytes);
    if (!ar) {
        /* Damaged on disk: a miss now, and gone, so not a miss forever. */
        LOG_W("action cache entry for %s does not parse; removing it", action->hash);
        store_remove(st, STORE_AC, action);
        stats_add(ST_CORRUPT_ENTRY, 1);
        return -1;
    }
    int status = -1;
    char *out = NULL, *err = NULL;
    size_t out_len = 0, err_len = 0;
    /* Every expected output must be in the result before anything is
     * written, and only a success is ever served. */
    reapi_output_file **found = calloc((size_t)o->n + 1, sizeof *found);
    if (!found || ar->exit_code != 0)
        goto out;
    for (int i = 0; i < o->n; i++) {
        for (size_t j = 0; j < ar->n_output_files; j++)
            if (ar->output_files[j]->path && !strcmp(ar->output_files[j]->path, o->key_paths[i]))
                found[i] = ar->output_files[j];
        if (!found[i]) {
            LOG_I("cached result lacks output %s", o->key_paths[i]);
            goto out;
        }
    }
    /* Both streams must be at hand before anything is written, so a
     * missing or damaged one is still a clean miss. */
    if (!stream_blob_present(st, ar->stdout_digest) ||
        !stream_blob_present(st, ar->stderr_digest) ||
        stream_bytes(st, o, &ar->stdout_raw, ar->stdout_digest, &out, &out_len) != 0 ||
        stream_bytes(st, o, &ar->stderr_raw, ar->stderr_digest, &err, &err_len) != 0) {
        LOG_I("cannot replay the cached messages; running it again");
        goto out;
    }
    for (int i = 0; i < o->n; i++) {
        digest d;
        if (reapi_digest_get(found[i]->digest, &d) != 0)
            goto out;
        int r = reloc_kind(o, i) ? write_relocated(st, o, i, &d)
                                 : cas_materialize(st, &d, o->paths[i], found[i]->is_executable);
        if (r != 0) {
            LOG_I("cannot restore %s from the cache (%s); running it again", o->paths[i],
                  r > 0 ? "blob missing or corrupt" : strerror(errno));
            goto out;
        }
    }
    if (run_write_out(1, out, out_len) != 0 || run_write_out(2, err, err_len) != 0)
        LOG_W("could not replay the tool's messages in full");
    status = ar->exit_code;
out:
    free(out);
    free(err);
    free(found);
    protobuf_c_message_free_unpacked(&ar->base, NULL);
    return status;
}

int result_is_silent(const void *bytes, size_t len)
{
    reapi_action_result *ar = (reapi_action_result *)protobuf_c_message_unpack(
        &build__bazel__remote__execution__v2__action_result__descriptor, NULL, len,
        (const uint8_t *)bytes);
    if (!ar)
        return 0;
    int silent = ar->exit_code == 0 && ar->stdout_raw.len == 0 && ar->stderr_raw.len == 0 &&
                 (!ar->stdout_digest || !ar->stdout_digest->size_bytes) &&
                 (!ar->stderr_digest || !ar->stderr_digest->size_bytes);
    protobuf_c_message_free_unpacked(&ar->base, NULL);
    return silent;
}

/* Store output i with markers for the base (and the targets): 0, 1 (it
 * cannot be: not cacheable), -1 (errno). */
static int put_relocated(store *st, const result_outputs *o, int i, digest *d)
{
    char *buf, *rel;
    size_t len, rlen = 0;
    if (fs_read_file(o->paths[i], &buf, &len) != 0)
        return -1;
    rel = reloc_kind(o, i) == 'd'
              ? relocate_dep_store(buf, len, o->rl->base, (const char *const *)o->rl->dep_targets,
                                   o->rl->dep_targets != NULL, &rlen)
              : relocate_text_store(buf, len, o->rl->base, &rlen);
    free(buf);
    if (!rel) {
        LOG_I("%s cannot be stored apart from this directory and name; not caching", o->paths[i]);
        return 1;
    }
    int r = cas_put(st, rel, rlen, d);
    free(rel);
    return r;
}

/* A stream as stored: with the base marked (relocate.h), in *kept
 * (malloc'd, or NULL when empty), which *raw then points at.  0, or -1. */
static int stream_store(const char *text, size_t len, const char *base, char **kept,
                        ProtobufCBinaryData *raw)
{
    if (!len)
        return 0;
    if (!(*kept = relocate_text_store(text, len, base, &raw->len)))
        return -1;
    raw->data = (uint8_t *)*kept;
    return 0;
}

int result_store(store *st, const digest *action, const result_outputs *o, const run_result *r)
{
    int n = o->n, rc = -1, failed = 0;
    char *out = NULL, *err = NULL;
    reapi_output_file *files = calloc((size_t)n + 1, sizeof *files);
    reapi_output_file **ptrs = calloc((size_t)n + 1, sizeof *ptrs);
    digest *ds = calloc((size_t)n + 1, sizeof *ds);
    reapi_digest *rds = calloc((size_t)n + 1, sizeof *rds);
    if (!files || !ptrs || !ds || !rds)
        goto out;
    for (int i = 0; i < n; i++) {
        const char *path = o->paths[i];
        struct stat sb;
        if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
            /* The model expected a file the tool did not write: a result
             * that lacks it must not be cached. */
            LOG_W("expected output %s was not written; not caching", path);
            rc = 1;
            goto out;
        }
        int stored =
            reloc_kind(o, i) ? put_relocated(st, o, i, &ds[i]) : cas_put_file(st, path, &ds[i]);
        if (stored > 0) {
            rc = 1;
            goto out;
        }
        if (stored != 0) {
            if (!failed) /* once per build, and what it means: cachedir.h */
                cachedir_write_failed(store_dir(st), path, errno);
            failed = 1;
            /* Kept in memory (store.c) all the same: go on, so the whole
             * result can still be uploaded from there. */
            if (!cas_has(st, &ds[i]))
                goto out;
        }
        reapi_output_file init = REAPI_OUTPUT_FILE_INIT;
        files[i] = init;
        files[i].path = o->key_paths[i];
        reapi_digest_ref(&rds[i], &ds[i]);
        files[i].digest = &rds[i];
        files[i].is_executable = (sb.st_mode & S_IXUSR) != 0;
        ptrs[i] = &files[i];
    }
    reapi_action_result ar = REAPI_ACTION_RESULT_INIT;
    ar.n_output_files = (size_t)n;
    ar.output_files = ptrs;
    ar.exit_code = 0;
    ar.stdout_raw.data = (uint8_t *)r->out;
    ar.stdout_raw.len = r->out_len;
    ar.stderr_raw.data = (uint8_t *)r->err;
    ar.stderr_raw.len = r->err_len;
    if (o->rl && o->rl->base &&
        (stream_store(r->out, r->out_len, o->rl->base, &out, &ar.stdout_raw) != 0 ||
         stream_store(r->err, r->err_len, o->rl->base, &err, &ar.stderr_raw) != 0)) {
        LOG_I("the compiler's messages cannot be stored apart from this directory; not caching");
        rc = 1;
        goto out;
    }
    size_t len;
    void *bytes = reapi_pack(&ar.base, &len, NULL);
    if (!bytes)
        goto out;
    if (store_put(st, STORE_AC, action, bytes, len) == 0)
        rc = failed ? -1 : 0;
    else if (!failed)
        cachedir_write_failed(store_dir(st), "the result", errno);
    free(bytes);
out:
    free(out);
    free(err);
    free(files);
    free(ptrs);
    free(ds);
    free(rds);
    return rc;
}
