/* result.c — serving and storing an action's result.  See result.h. */
#include "wrapper/result.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cache/log.h"
#include "cache/reapi.h"
#include "cache/stats.h"

/* A stream is inline (raw) or, from a remote, a blob in the CAS. */
static int replay_stream(store *st, int fd, const ProtobufCBinaryData *raw, const reapi_digest *d)
{
    if (d && d->hash && d->hash[0]) {
        digest dd;
        char *buf;
        size_t len;
        if (reapi_digest_get(d, &dd) != 0 || cas_get(st, &dd, &buf, &len) != 0)
            return -1;
        int r = run_write_out(fd, buf, len);
        free(buf);
        return r;
    }
    return raw->len ? run_write_out(fd, (const char *)raw->data, raw->len) : 0;
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
    for (int i = 0; i < o->n; i++) {
        digest d;
        if (reapi_digest_get(found[i]->digest, &d) != 0)
            goto out;
        int r = cas_materialize(st, &d, o->paths[i], found[i]->is_executable);
        if (r != 0) {
            LOG_I("cannot restore %s from the cache (%s); running it again", o->paths[i],
                  r > 0 ? "blob missing or corrupt" : strerror(errno));
            goto out;
        }
    }
    /* Both stream blobs must be there before either is written, so a
     * missing one is still a clean miss. */
    if (!stream_blob_present(st, ar->stdout_digest) || !stream_blob_present(st, ar->stderr_digest))
        goto out;
    if (replay_stream(st, 1, &ar->stdout_raw, ar->stdout_digest) != 0 ||
        replay_stream(st, 2, &ar->stderr_raw, ar->stderr_digest) != 0)
        LOG_W("could not replay the tool's messages in full");
    status = ar->exit_code;
out:
    free(found);
    protobuf_c_message_free_unpacked(&ar->base, NULL);
    return status;
}

int result_store(store *st, const digest *action, const result_outputs *o, const run_result *r)
{
    int n = o->n, rc = -1;
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
        if (cas_put_file(st, path, &ds[i]) != 0) {
            LOG_W("cannot store %s in the cache: %s", path, strerror(errno));
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
    size_t len;
    void *bytes = reapi_pack(&ar.base, &len, NULL);
    if (!bytes)
        goto out;
    if (store_put(st, STORE_AC, action, bytes, len) == 0)
        rc = 0;
    else
        LOG_W("cannot store the result in the cache: %s", strerror(errno));
    free(bytes);
out:
    free(files);
    free(ptrs);
    free(ds);
    free(rds);
    return rc;
}
