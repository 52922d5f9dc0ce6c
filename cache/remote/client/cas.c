/* SPDX-License-Identifier: Apache-2.0 */
/* cas.c — moving blobs to and from the remote CAS.
 *
 * Upload: ask FindMissingBlobs first (an upload of what the server already
 * has is the common case after the first build, and costs one small call),
 * then send the missing ones: blobs that fit go in BatchUpdateBlobs requests
 * filled up to the server's batch limit, bigger ones by ByteStream Write in
 * 1 MiB chunks, resumed from QueryWriteStatus's committed size after a
 * retryable failure.
 *
 * Fetch: blobs that fit go in BatchReadBlobs requests within the limit,
 * bigger ones by ByteStream Read, resumed at the offset reached.  Every blob
 * is hashed as it arrives and compared with its digest before a byte of it
 * is handed back or renamed into place: a server's mistake (or a corrupted
 * store behind it) is an error, never data.
 *
 * Both deduplicate the digests they are given.  The empty blob is never
 * fetched (it is known), but it is uploaded like any other when the server
 * says it lacks it: most servers have it always, but BuildGrid checks that
 * every blob an ActionResult names is in its CAS, the empty one included,
 * and answers NOT_FOUND for a result with an empty stream otherwise. */
#include "cache/remote/client/client.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef Build__Bazel__Remote__Execution__V2__FindMissingBlobsRequest pb_find_req;
typedef Build__Bazel__Remote__Execution__V2__FindMissingBlobsResponse pb_find_resp;
typedef Build__Bazel__Remote__Execution__V2__BatchUpdateBlobsRequest pb_upd_req;
typedef Build__Bazel__Remote__Execution__V2__BatchUpdateBlobsRequest__Request pb_upd_one;
typedef Build__Bazel__Remote__Execution__V2__BatchUpdateBlobsResponse pb_upd_resp;
typedef Build__Bazel__Remote__Execution__V2__BatchReadBlobsRequest pb_read_req;
typedef Build__Bazel__Remote__Execution__V2__BatchReadBlobsResponse pb_read_resp;

#define CAS "/build.bazel.remote.execution.v2.ContentAddressableStorage/"
#define BYTESTREAM "/google.bytestream.ByteStream/"
#define FIND_CHUNK 4096 /* digests per FindMissingBlobs request (~350 KB) */

static const char EMPTY_HASH[] =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/* ---- helpers ---- */

static int cmp_digest(const digest *a, const digest *b)
{
    int c = strcmp(a->hash, b->hash);
    if (c)
        return c;
    return a->size_bytes < b->size_bytes ? -1 : a->size_bytes > b->size_bytes;
}

/* Fits in a batch request on its own? */
static int fits_batch(rclient *c, int64_t size)
{
    return size + BATCH_ENTRY_OVERHEAD + BATCH_OVERHEAD <= c->batch_limit;
}

/* The ByteStream deadline: the usual one plus a second per MiB. */
static int stream_timeout(rclient *c, int64_t size)
{
    return c->timeout_s + (int)(size >> 20);
}

/* "{instance/}blobs/..." resource names. */
static char *resource(rclient *c, const char *middle, const digest *d)
{
    char *s = NULL;
    if (asprintf(&s, "%s%s%s%s/%lld", c->instance, *c->instance ? "/" : "", middle, d->hash,
                 (long long)d->size_bytes) < 0)
        return NULL;
    return s;
}

static int read_exact(const char *path, const digest *d, uint8_t **out, remote_status *st)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return st_set(st, GRPC_STATUS_UNKNOWN, "cannot read %s: %s", path, strerror(errno));
    uint8_t *buf = malloc((size_t)d->size_bytes + 1);
    size_t got = 0;
    ssize_t n = 1;
    while (buf && got <= (size_t)d->size_bytes &&
           (n = read(fd, buf + got, (size_t)d->size_bytes + 1 - got)) > 0)
        got += (size_t)n;
    close(fd);
    if (!buf || n < 0 || got != (size_t)d->size_bytes) {
        free(buf);
        return st_set(st, GRPC_STATUS_UNKNOWN, "%s: cannot read it, or its size is not %lld",
                      path, (long long)d->size_bytes);
    }
    *out = buf;
    return 0;
}

/* Write to a fresh temporary file beside path.  fd, or -1 (st set). */
static int open_tmp(const char *path, int executable, char **tmp, remote_status *st)
{
    static atomic_uint seq; /* the agent's threads share it */
    for (int i = 0; i < 100; i++) {
        char *t = NULL;
        if (asprintf(&t, "%s.tmp.%d.%u", path, (int)getpid(), seq++) < 0)
            break;
        int fd = open(t, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                      executable ? 0777 : 0666); /* the umask decides: fsutil.h */
        if (fd >= 0) {
            *tmp = t;
            return fd;
        }
        free(t);
        if (errno != EEXIST)
            break;
    }
    return st_set(st, GRPC_STATUS_UNKNOWN, "cannot create a file beside %s: %s", path,
                  strerror(errno));
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int write_file(const char *path, int executable, const uint8_t *data, size_t len,
                      remote_status *st)
{
    char *tmp;
    int fd = open_tmp(path, executable, &tmp, st);
    if (fd < 0)
        return -1;
    int rc = write_all(fd, data, len);
    if (close(fd) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -1;
    if (rc != 0) {
        st_set(st, GRPC_STATUS_UNKNOWN, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    return rc;
}

/* ---- upload ---- */

typedef struct up_ctx {
    rclient *c;
    const remote_blob *blobs;
    size_t *idx;     /* indices of distinct non-empty blobs, sorted by digest */
    size_t n;
    char *missing;   /* parallel to idx */
} up_ctx;

static const remote_blob *up_blob(up_ctx *u, size_t i)
{
    return &u->blobs[u->idx[i]];
}

static int cmp_blob_idx(const void *a, const void *b, void *base)
{
    const remote_blob *v = base;
    return cmp_digest(&v[*(const size_t *)a].d, &v[*(const size_t *)b].d);
}

static int find_missing(up_ctx *u, remote_status *st)
{
    for (size_t start = 0; start < u->n; start += FIND_CHUNK) {
        size_t cnt = u->n - start < FIND_CHUNK ? u->n - start : FIND_CHUNK;
        reapi_digest *ds = malloc(cnt * sizeof *ds);
        reapi_digest **dp = malloc(cnt * sizeof *dp);
        if (!ds || !dp) {
            free(ds);
            free(dp);
            return st_set(st, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
        }
        for (size_t i = 0; i < cnt; i++) {
            reapi_digest_ref(&ds[i], (digest *)&up_blob(u, start + i)->d);
            dp[i] = &ds[i];
        }
        pb_find_req req = BUILD__BAZEL__REMOTE__EXECUTION__V2__FIND_MISSING_BLOBS_REQUEST__INIT;
        req.instance_name = (char *)u->c->instance;
        req.n_blob_digests = cnt;
        req.blob_digests = dp;
        uint8_t *resp;
        size_t len;
        int rc = rpc_unary(u->c, u->c->cas_ch, CAS "FindMissingBlobs", &req.base, &resp, &len,
                           st);
        free(ds);
        free(dp);
        if (rc != 0)
            return -1;
        pb_find_resp *m = (pb_find_resp *)protobuf_c_message_unpack(
            &build__bazel__remote__execution__v2__find_missing_blobs_response__descriptor, NULL,
            len, resp);
        free(resp);
        if (!m)
            return st_set(st, GRPC_STATUS_INTERNAL, "FindMissingBlobs: unparsable reply");
        for (size_t j = 0; j < m->n_missing_blob_digests; j++) {
            digest d;
            if (reapi_digest_get(m->missing_blob_digests[j], &d) != 0)
                continue;
            size_t lo = start, hi = start + cnt; /* binary search in this chunk */
            while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                int c = cmp_digest(&up_blob(u, mid)->d, &d);
                if (c == 0) {
                    u->missing[mid] = 1;
                    break;
                }
                if (c < 0)
                    lo = mid + 1;
                else
                    hi = mid;
            }
        }
        protobuf_c_message_free_unpacked(&m->base, NULL);
    }
    return 0;
}

/* Send blobs idx[from..to) (all missing, all small) in one request. */
static int batch_update(up_ctx *u, size_t *which, size_t cnt, remote_status *st)
{
    int rc = -1;
    pb_upd_one *one = calloc(cnt, sizeof *one);
    pb_upd_one **op = calloc(cnt, sizeof *op);
    reapi_digest *ds = calloc(cnt, sizeof *ds);
    uint8_t **owned = calloc(cnt, sizeof *owned);
    if (!one || !op || !ds || !owned) {
        st_set(st, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < cnt; i++) {
        const remote_blob *b = up_blob(u, which[i]);
        pb_upd_one init =
            BUILD__BAZEL__REMOTE__EXECUTION__V2__BATCH_UPDATE_BLOBS_REQUEST__REQUEST__INIT;
        one[i] = init;
        reapi_digest_ref(&ds[i], (digest *)&b->d);
        one[i].digest = &ds[i];
        if (b->data) {
            one[i].data.data = (uint8_t *)b->data;
        } else {
            if (read_exact(b->path, &b->d, &owned[i], st) != 0)
                goto out;
            one[i].data.data = owned[i];
        }
        one[i].data.len = (size_t)b->d.size_bytes;
        op[i] = &one[i];
    }
    pb_upd_req req = BUILD__BAZEL__REMOTE__EXECUTION__V2__BATCH_UPDATE_BLOBS_REQUEST__INIT;
    req.instance_name = (char *)u->c->instance;
    req.n_requests = cnt;
    req.requests = op;
    uint8_t *resp;
    size_t len;
    if (rpc_unary(u->c, u->c->cas_ch, CAS "BatchUpdateBlobs", &req.base, &resp, &len, st) != 0)
        goto out;
    pb_upd_resp *m = (pb_upd_resp *)protobuf_c_message_unpack(
        &build__bazel__remote__execution__v2__batch_update_blobs_response__descriptor, NULL, len,
        resp);
    free(resp);
    if (!m) {
        st_set(st, GRPC_STATUS_INTERNAL, "BatchUpdateBlobs: unparsable reply");
        goto out;
    }
    rc = 0;
    for (size_t i = 0; i < m->n_responses && rc == 0; i++) {
        const Google__Rpc__Status *s = m->responses[i]->status;
        if (s && s->code != 0)
            rc = st_set(st, s->code, "BatchUpdateBlobs: %s: %s",
                        m->responses[i]->digest ? m->responses[i]->digest->hash : "?",
                        s->message);
    }
    protobuf_c_message_free_unpacked(&m->base, NULL);
out:
    if (owned)
        for (size_t i = 0; i < cnt; i++)
            free(owned[i]);
    free(owned);
    free(ds);
    free(op);
    free(one);
    return rc;
}

/* Where a resumed upload continues: the committed size, or 0. */
static int64_t query_committed(rclient *c, char *res, int64_t size)
{
    Google__Bytestream__QueryWriteStatusRequest req =
        GOOGLE__BYTESTREAM__QUERY_WRITE_STATUS_REQUEST__INIT;
    req.resource_name = res;
    uint8_t *resp;
    size_t len;
    remote_status st;
    if (rpc_unary(c, c->cas_ch, BYTESTREAM "QueryWriteStatus", &req.base, &resp, &len, &st) != 0)
        return 0;
    Google__Bytestream__QueryWriteStatusResponse *m =
        google__bytestream__query_write_status_response__unpack(NULL, len, resp);
    free(resp);
    int64_t off = 0;
    if (m && m->committed_size > 0 && m->committed_size <= size)
        off = m->committed_size;
    if (m)
        google__bytestream__query_write_status_response__free_unpacked(m, NULL);
    return off;
}

static int bytestream_write(rclient *c, const remote_blob *b, remote_status *st)
{
    /* Upload ids: this process's invocation id and a counter. */
    static atomic_uint uploads;
    char mid[80];
    snprintf(mid, sizeof mid, "uploads/%s-%u/blobs/", c->invocation_id, uploads++);
    char *res = resource(c, mid, &b->d);
    uint8_t *chunk = malloc(STREAM_CHUNK);
    int fd = -1, rc = -1;
    if (!res || !chunk) {
        st_set(st, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
        goto out;
    }
    if (!b->data && (fd = open(b->path, O_RDONLY | O_CLOEXEC)) < 0) {
        st_set(st, GRPC_STATUS_UNKNOWN, "cannot read %s: %s", b->path, strerror(errno));
        goto out;
    }
    int64_t size = b->d.size_bytes, off = 0;
    for (int attempt = 0;; attempt++) {
        rpc r;
        if (rpc_start(&r, c, c->cas_ch, BYTESTREAM "Write", stream_timeout(c, size)) != 0) {
            st_set(st, GRPC_STATUS_INTERNAL, "Write: cannot create the call");
            goto out;
        }
        int sent_all = 1;
        do {
            size_t n = size - off < STREAM_CHUNK ? (size_t)(size - off) : STREAM_CHUNK;
            Google__Bytestream__WriteRequest w = GOOGLE__BYTESTREAM__WRITE_REQUEST__INIT;
            w.resource_name = res;
            w.write_offset = off;
            w.finish_write = off + (int64_t)n == size;
            if (b->data) {
                w.data.data = (uint8_t *)b->data + off;
            } else {
                ssize_t got = pread(fd, chunk, n, off);
                if (got != (ssize_t)n) {
                    grpc_call_cancel(r.call, NULL);
                    rpc_finish(&r, st);
                    st_set(st, GRPC_STATUS_UNKNOWN, "%s changed while uploading it", b->path);
                    goto out;
                }
                w.data.data = chunk;
            }
            w.data.len = n;
            if (rpc_send_msg(&r, &w.base, w.finish_write) != 0) {
                sent_all = 0; /* the server ended the call: its status says why */
                break;
            }
            off += (int64_t)n;
        } while (off < size);
        uint8_t *resp = NULL;
        size_t len = 0;
        int got = rpc_recv(&r, &resp, &len);
        int code = rpc_finish(&r, st);
        if (code == GRPC_STATUS_OK) {
            Google__Bytestream__WriteResponse *m =
                got == 1 ? google__bytestream__write_response__unpack(NULL, len, resp) : NULL;
            int64_t committed = m ? m->committed_size : -2;
            if (m)
                google__bytestream__write_response__free_unpacked(m, NULL);
            free(resp);
            /* Done, or the server already had it and ended early. */
            if (committed == size || (!sent_all && committed == -1)) {
                rc = 0;
                goto out;
            }
            st_set(st, GRPC_STATUS_DATA_LOSS, "Write: the server committed %lld of %lld bytes",
                   (long long)committed, (long long)size);
            goto out;
        }
        free(resp);
        if (!rpc_retryable(code) || attempt >= c->retry_limit)
            goto out;
        rpc_backoff(c, attempt);
        off = query_committed(c, res, size);
        if (off == size) {
            rc = 0;
            goto out;
        }
    }
out:
    if (fd >= 0)
        close(fd);
    free(chunk);
    free(res);
    return rc;
}

int cas_upload(rclient *c, const remote_blob *blobs, size_t n, remote_status *st)
{
    up_ctx u = { c, blobs, NULL, 0, NULL };
    int rc = -1;
    size_t *batch = NULL;
    if (client_capabilities(c, st) != 0)
        return -1;
    u.idx = malloc((n ? n : 1) * sizeof *u.idx);
    if (!u.idx)
        return st_set(st, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
    for (size_t i = 0; i < n; i++) {
        if (!blobs[i].data && !blobs[i].path) {
            st_set(st, GRPC_STATUS_INVALID_ARGUMENT, "blob %s has neither data nor path",
                   blobs[i].d.hash);
            goto out;
        }
        u.idx[u.n++] = i;
    }
    qsort_r(u.idx, u.n, sizeof *u.idx, cmp_blob_idx, (void *)blobs);
    size_t k = 0; /* drop duplicates */
    for (size_t i = 0; i < u.n; i++)
        if (k == 0 || cmp_digest(&blobs[u.idx[k - 1]].d, &blobs[u.idx[i]].d) != 0)
            u.idx[k++] = u.idx[i];
    u.n = k;
    if (u.n == 0) {
        rc = 0;
        goto out;
    }
    u.missing = calloc(u.n, 1);
    batch = malloc(u.n * sizeof *batch);
    if (!u.missing || !batch) {
        st_set(st, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
        goto out;
    }
    if (find_missing(&u, st) != 0)
        goto out;

    size_t nb = 0, n_missing = 0;
    int64_t bytes = BATCH_OVERHEAD, sent = 0;
    for (size_t i = 0; i < u.n; i++) {
        if (!u.missing[i])
            continue;
        n_missing++;
        const remote_blob *b = up_blob(&u, i);
        sent += b->d.size_bytes;
        if (!fits_batch(c, b->d.size_bytes)) {
            if (bytestream_write(c, b, st) != 0)
                goto out;
            continue;
        }
        int64_t cost = b->d.size_bytes + BATCH_ENTRY_OVERHEAD;
        if (nb > 0 && bytes + cost > c->batch_limit) {
            if (batch_update(&u, batch, nb, st) != 0)
                goto out;
            nb = 0;
            bytes = BATCH_OVERHEAD;
        }
        batch[nb++] = i;
        bytes += cost;
    }
    if (nb > 0 && batch_update(&u, batch, nb, st) != 0)
        goto out;
    rlog(c, LOG_DEBUG, "uploaded %zu of %zu blobs (the rest were present)", n_missing, u.n);
    c->sent += sent; /* (counted when all went) */
    rc = 0;
out:
    free(batch);
    free(u.missing);
    free(u.idx);
    return rc;
}

/* ---- fetch ---- */

typedef struct fetch_ctx {
    rclient *c;
    remote_fetch_item *items;
    size_t *idx;     /* non-empty items sorted by digest; groups of equal digests */
    size_t n;
} fetch_ctx;

static int cmp_item_idx(const void *a, const void *b, void *base)
{
    const remote_fetch_item *v = base;
    return cmp_digest(&v[*(const size_t *)a].d, &v[*(const size_t *)b].d);
}

/* Hand verified bytes to every item of the group starting at idx[g]. */
static int deliver(fetch_ctx *f, size_t g, const uint8_t *data, size_t len, remote_status *st)
{
    const digest *d = &f->items[f->idx[g]].d;
    for (size_t i = g; i < f->n && cmp_digest(&f->items[f->idx[i]].d, d) == 0; i++) {
        remote_fetch_item *it = &f->items[f->idx[i]];
        if (it->path) {
            if (write_file(it->path, it->executable, data, len, st) != 0)
                return -1;
        } else {
            if (!(it->data = malloc(len ? len : 1)))
                return st_set(st, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
            memcpy(it->data, data, len);
            it->len = len;
        }
    }
    return 0;
}

static int verify(const digest *d, const uint8_t *data, size_t len, const char *how,
                  remote_status *st)
{
    digest got;
    digest_buf(data, len, &got);
    if (!digest_equal(&got, d))
        return st_set(st, GRPC_STATUS_DATA_LOSS,
                      "%s: blob %s/%lld: content does not match its digest", how, d->hash,
                      (long long)d->size_bytes);
    return 0;
}

/* Read the groups starting at idx[groups[0..cnt)] in one request. */
static int batch_read(fetch_ctx *f, size_t *groups, size_t cnt, remote_status *st)
{
    reapi_digest *ds = calloc(cnt, sizeof *ds);
    reapi_digest **dp = calloc(cnt, sizeof *dp);
    char *done = calloc(cnt, 1);
    int rc = -1;
    if (!ds || !dp || !done) {
        st_set(st, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < cnt; i++) {
        reapi_digest_ref(&ds[i], &f->items[f->idx[groups[i]]].d);
        dp[i] = &ds[i];
    }
    pb_read_req req = BUILD__BAZEL__REMOTE__EXECUTION__V2__BATCH_READ_BLOBS_REQUEST__INIT;
    req.instance_name = (char *)f->c->instance;
    req.n_digests = cnt;
    req.digests = dp;
    uint8_t *resp;
    size_t len;
    if (rpc_unary(f->c, f->c->cas_ch, CAS "BatchReadBlobs", &req.base, &resp, &len, st) != 0)
        goto out;
    pb_read_resp *m = (pb_read_resp *)protobuf_c_message_unpack(
        &build__bazel__remote__execution__v2__batch_read_blobs_response__descriptor, NULL, len,
        resp);
    free(resp);
    if (!m) {
        st_set(st, GRPC_STATUS_INTERNAL, "BatchReadBlobs: unparsable reply");
        goto out;
    }
    rc = 0;
    for (size_t j = 0; j < m->n_responses && rc == 0; j++) {
        const Build__Bazel__Remote__Execution__V2__BatchReadBlobsResponse__Response *r =
            m->responses[j];
        digest d;
        if (reapi_digest_get(r->digest, &d) != 0)
            continue;
        size_t i = 0;
        while (i < cnt && (done[i] || cmp_digest(&f->items[f->idx[groups[i]]].d, &d) != 0))
            i++;
        if (i == cnt)
            continue; /* not asked for */
        if (r->status && r->status->code != 0) {
            rc = st_set(st, r->status->code, "BatchReadBlobs: %s/%lld: %s", d.hash,
                        (long long)d.size_bytes, r->status->message);
            break;
        }
        if (r->compressor != 0)
            rc = st_set(st, GRPC_STATUS_INTERNAL, "BatchReadBlobs: compressed reply not asked for");
        else if ((rc = verify(&d, r->data.data, r->data.len, "BatchReadBlobs", st)) == 0)
            rc = deliver(f, groups[i], r->data.data, r->data.len, st);
        done[i] = 1;
    }
    protobuf_c_message_free_unpacked(&m->base, NULL);
    for (size_t i = 0; i < cnt && rc == 0; i++)
        if (!done[i])
            rc = st_set(st, GRPC_STATUS_NOT_FOUND, "BatchReadBlobs: no reply for %s",
                        f->items[f->idx[groups[i]]].d.hash);
out:
    free(done);
    free(dp);
    free(ds);
    return rc;
}

/* *buf holds at least need bytes (need <= most): 1, or 0 out of memory. */
static int grow(uint8_t **buf, size_t *cap, size_t need, size_t most)
{
    if (need <= *cap)
        return 1;
    size_t n = *cap ? *cap : 64 * 1024;
    while (n < need)
        n *= 2;
    if (n > most)
        n = most;
    uint8_t *p = realloc(*buf, n ? n : 1);
    if (!p)
        return 0;
    *buf = p;
    *cap = n;
    return 1;
}

/* ByteStream Read of one group's blob, into memory, or into the file when
 * the group is a single item with a path; resumed at the offset reached. */
static int bytestream_read(fetch_ctx *f, size_t g, remote_status *st)
{
    rclient *c = f->c;
    remote_fetch_item *first = &f->items[f->idx[g]];
    const digest *d = &first->d;
    int to_file = first->path && (g + 1 >= f->n ||
                                  cmp_digest(&f->items[f->idx[g + 1]].d, d) != 0);
    int64_t size = d->size_bytes, off = 0;
    char *res = resource(c, "blobs/", d), *tmp = NULL;
    /* The buffer grows with what arrives, never beyond the size the digest
     * claims: a claim of 50 GB costs nothing until 50 GB come. */
    uint8_t *mem = NULL;
    size_t cap = 0;
    int fd = -1, rc = -1;
    digest_ctx *h = digest_ctx_new();
    if (!res || !h) {
        st_set(st, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
        goto out;
    }
    if (to_file && (fd = open_tmp(first->path, first->executable, &tmp, st)) < 0)
        goto out;
    for (int attempt = 0;; attempt++) {
        rpc r;
        if (rpc_start(&r, c, c->cas_ch, BYTESTREAM "Read", stream_timeout(c, size - off)) != 0) {
            st_set(st, GRPC_STATUS_INTERNAL, "Read: cannot create the call");
            goto out;
        }
        Google__Bytestream__ReadRequest q = GOOGLE__BYTESTREAM__READ_REQUEST__INIT;
        q.resource_name = res;
        q.read_offset = off;
        int bad = 0;
        if (rpc_send_msg(&r, &q.base, 1) == 0) {
            uint8_t *buf;
            size_t len;
            while (!bad && rpc_recv(&r, &buf, &len) == 1) {
                Google__Bytestream__ReadResponse *m =
                    google__bytestream__read_response__unpack(NULL, len, buf);
                free(buf);
                if (!m || off + (int64_t)m->data.len > size) {
                    bad = 1;
                } else if (!to_file && !grow(&mem, &cap, (size_t)off + m->data.len,
                                             (size_t)size)) {
                    bad = 3;
                } else {
                    digest_ctx_update(h, m->data.data, m->data.len);
                    if (!to_file && m->data.len > 0) /* (an empty message: mem may be NULL) */
                        memcpy(mem + off, m->data.data, m->data.len);
                    else if (write_all(fd, m->data.data, m->data.len) != 0)
                        bad = 2;
                    off += (int64_t)m->data.len;
                }
                if (m)
                    google__bytestream__read_response__free_unpacked(m, NULL);
            }
        }
        if (bad)
            grpc_call_cancel(r.call, NULL);
        int code = rpc_finish(&r, st);
        if (bad == 1) {
            st_set(st, GRPC_STATUS_DATA_LOSS, "Read: %s: more data than its size, or garbled",
                   d->hash);
            goto out;
        }
        if (bad == 2) {
            st_set(st, GRPC_STATUS_UNKNOWN, "cannot write %s: %s", tmp, strerror(errno));
            goto out;
        }
        if (bad == 3) {
            st_set(st, GRPC_STATUS_RESOURCE_EXHAUSTED, "Read: out of memory for %s", d->hash);
            goto out;
        }
        if (code == GRPC_STATUS_OK)
            break;
        if (!rpc_retryable(code) || attempt >= c->retry_limit)
            goto out;
        rpc_backoff(c, attempt);
    }
    digest got;
    digest_ctx_final(h, &got);
    h = NULL;
    if (off != size || !digest_equal(&got, d)) {
        st_set(st, GRPC_STATUS_DATA_LOSS, "Read: blob %s/%lld: content does not match its digest",
               d->hash, (long long)size);
        goto out;
    }
    if (to_file) {
        int e = close(fd);
        fd = -1;
        if (e != 0 || rename(tmp, first->path) != 0) {
            st_set(st, GRPC_STATUS_UNKNOWN, "cannot write %s: %s", first->path, strerror(errno));
            goto out;
        }
        free(tmp);
        tmp = NULL;
        rc = 0;
    } else {
        rc = deliver(f, g, mem ? mem : (const uint8_t *)"", (size_t)size, st);
    }
out:
    if (h) {
        digest tmpd;
        digest_ctx_final(h, &tmpd);
    }
    if (fd >= 0)
        close(fd);
    if (tmp) {
        unlink(tmp);
        free(tmp);
    }
    free(mem);
    free(res);
    return rc;
}

int cas_fetch(rclient *c, remote_fetch_item *items, size_t n, remote_status *st)
{
    fetch_ctx f = { c, items, NULL, 0 };
    size_t *groups = NULL;
    int rc = -1;
    for (size_t i = 0; i < n; i++) {
        items[i].data = NULL;
        items[i].len = 0;
    }
    f.idx = malloc((n ? n : 1) * sizeof *f.idx);
    groups = malloc((n ? n : 1) * sizeof *groups);
    if (!f.idx || !groups) {
        st_set(st, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (items[i].d.size_bytes == 0) { /* nothing to ask for */
            if (strcmp(items[i].d.hash, EMPTY_HASH) != 0) {
                st_set(st, GRPC_STATUS_INVALID_ARGUMENT, "blob %s of size 0 cannot exist",
                       items[i].d.hash);
                goto out;
            }
            if (items[i].path ? write_file(items[i].path, items[i].executable,
                                           (const uint8_t *)"", 0, st) != 0
                              : !(items[i].data = calloc(1, 1))) {
                if (!items[i].path)
                    st_set(st, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
                goto out;
            }
            continue;
        }
        f.idx[f.n++] = i;
    }
    if (f.n == 0) {
        rc = 0;
        goto out;
    }
    if (client_capabilities(c, st) != 0)
        goto out;
    qsort_r(f.idx, f.n, sizeof *f.idx, cmp_item_idx, items);

    size_t ng = 0;
    int64_t bytes = BATCH_OVERHEAD;
    for (size_t i = 0; i < f.n; i++) {
        const digest *d = &items[f.idx[i]].d;
        if (i > 0 && cmp_digest(&items[f.idx[i - 1]].d, d) == 0)
            continue; /* same blob as the previous item: one group */
        if (!fits_batch(c, d->size_bytes)) {
            if (bytestream_read(&f, i, st) != 0)
                goto out;
            continue;
        }
        int64_t cost = d->size_bytes + BATCH_ENTRY_OVERHEAD;
        if (ng > 0 && bytes + cost > c->batch_limit) {
            if (batch_read(&f, groups, ng, st) != 0)
                goto out;
            ng = 0;
            bytes = BATCH_OVERHEAD;
        }
        groups[ng++] = i;
        bytes += cost;
    }
    if (ng > 0 && batch_read(&f, groups, ng, st) != 0)
        goto out;
    rc = 0;
out:
    if (rc != 0)
        for (size_t i = 0; i < n; i++) {
            free(items[i].data);
            items[i].data = NULL;
            items[i].len = 0;
        }
    free(groups);
    free(f.idx);
    return rc;
}
