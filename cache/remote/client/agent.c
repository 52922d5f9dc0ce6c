/* SPDX-License-Identifier: Apache-2.0 */
/* agent.c — the agent's side: answer ricc processes' remote calls over a
 * unix socket, with gRPC loaded and channels connected once.
 *
 * Why: a wrapped compile is a fresh process; loading libgrpc and connecting
 * costs it ~6 ms, several times a local hit.  The agent (started by the
 * first ricc process that needs the remote, see remote_loader.c) pays that
 * once; each later remote call costs a ricc process one local socket round
 * trip plus the gRPC call itself.
 *
 * Shape: worker threads block in accept() on the listening socket; each
 * owns a client handle (its own channel and completion queue, opened on
 * first use) and serves one connection at a time, request by request
 * (wire.h).  A connection lasts as long as its ricc process (seconds for a
 * remote Execute), so a worker that takes the last idle slot starts
 * another, up to AGENT_MAX_WORKERS: make -j64 gets 64 workers.  The main thread watches: it returns — and the process exits —
 * when no connection has been active for idle_s seconds; and it retires
 * (unlinks its socket, finishes what it serves, returns) when it has lived
 * max_s seconds (so a changed token or certificate file is picked up in
 * time) or when sock_path has been removed or taken over by another agent.
 * Nothing here logs: the ricc process that asked reports failures.
 *
 * A hit is one request.  A server may leave a result's outputs (and
 * stdout/stderr) out of its GetActionResult or Execute answer however
 * politely it is asked to inline them; the ricc process would then need a
 * second request, and the agent a second server call, to fetch them.  So
 * the agent fetches them at once (every blob verified, as any fetch) and
 * answers with the result as if the server had inlined them, up to
 * INLINE_CAP bytes.  If that fetch finds the server gone (unavailable, too
 * slow, refusing our credentials) the whole request fails, so that the
 * loader marks it down after one wait rather than two; anything else (a
 * blob the server lost, one that does not match its digest) leaves the
 * result as the server sent it: the ricc process then fetches for itself
 * and meets the same answer, which the loader's policy handles as before
 * (a lost blob is a miss, not a failure).
 *
 * Large blobs are not sent back at all: the agent puts each blob of
 * SPILL_MIN bytes or more into the local CAS (the store at the RICC_DIR
 * the request names, the calling process's: one agent serves every
 * RICC_DIR of its user and server, remote_loader.c) and leaves it out of
 * the answer, where the ricc process finds it
 * in the CAS as it would any blob it already had.  Why: a ricc process is
 * fresh, and every page of memory it touches first costs a page fault;
 * in a VM that is ~6 us a page.  A 650 KB object sent back was received,
 * unpacked, hashed and written by the ricc process, through two fresh
 * 650 KB buffers: milliseconds of a remote hit.  The agent is long-lived,
 * its buffers are warm, and the bytes are in its hands already.  A blob
 * whose bytes do not hash to its digest (a server that lies) stays in the
 * answer, so the ricc process refuses it as before.  The blob is written
 * as the caller's own store would write it: the request carries its
 * compression settings (large blobs are what compression saves most on).
 * The store's size
 * accounting is the process-wide stats mapping (stats.h) of one RICC_DIR
 * at a time: spills into the RICC_DIR it has open run side by side (a read
 * lock), one into another RICC_DIR switches it (the write lock). */
#include "cache/util/prefault.h"
#include "cache/remote/client/client.h"
#include "cache/remote/wire.h"
#include "cache/local/stats.h"
#include "cache/local/store.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#define AGENT_MAX_WORKERS 256
/* Most bytes the agent adds to one answer (larger outputs: the caller
 * fetches them, by ByteStream if need be). */
#define INLINE_CAP GRPC_MESSAGE_LIMIT
/* Blobs this large go into the local CAS instead of the answer.  (Below
 * it, copying through the ricc process costs less than a file does.) */
#define SPILL_MIN (64u << 10)

/* The RICC_DIR whose stats are open, under stats_lock (see the top). */
static pthread_rwlock_t stats_lock = PTHREAD_RWLOCK_INITIALIZER;
static char *stats_dir;

/* A request's RICC_DIR and size limit: where its large blobs go. */
typedef struct spill_to {
    const char *dir;
    uint64_t max_size;
    uint64_t spilled;   /* bytes put in that CAS for this request */
    int32_t compression[2]; /* the caller's store's settings: on, zstd level */
} spill_to;

typedef struct agent {
    const config *cfg;
    const remote_host *host;
    const remote_module *m;
    int listen_fd;
    atomic_long last_active;   /* epoch seconds */
    atomic_int busy;           /* connections being served */
    atomic_int workers;        /* threads started */
} agent;

static void *worker(void *arg);

static void start_worker(agent *a)
{
    pthread_t t;
    a->workers++;
    if (pthread_create(&t, NULL, worker, a) == 0)
        pthread_detach(t);
    else
        a->workers--;
}

static void put_status(wbuf *w, int rc, const remote_status *st)
{
    w_u32(w, (uint32_t)rc);
    w_u32(w, (uint32_t)st->code);
    w_u32(w, (uint32_t)st->unusable);
    w_str(w, st->message);
}

/* An array of the n string fields that follow, pointing into the buffer. */
static char **read_strs(rbuf *r, uint32_t n)
{
    if (n > 100000) {
        r->bad = 1;
        return NULL;
    }
    char **v = calloc(n ? n : 1, sizeof *v);
    for (uint32_t i = 0; v && i < n; i++)
        v[i] = (char *)r_str(r);
    return v;
}

/* A digest field (copied: the buffer is not aligned for it).  0 or -1. */
static int read_digest(rbuf *r, digest *out)
{
    size_t n;
    const void *d = r_bytes(r, &n);
    if (!d || n != sizeof *out) {
        r->bad = 1;
        return -1;
    }
    memcpy(out, d, sizeof *out);
    if (!memchr(out->hash, '\0', sizeof out->hash)) {
        r->bad = 1;
        return -1;
    }
    return 0;
}

/* Is path one of the n outputs? */
static int named(const char *path, char *const *outputs, int n)
{
    for (int i = 0; path && i < n; i++)
        if (strcmp(path, outputs[i]) == 0)
            return 1;
    return 0;
}

/* Queue the blob of d for field `to` unless the server inlined it, it is
 * empty, or it would take the answer over INLINE_CAP. */
static void want(const ProtobufCBinaryData *have, const reapi_digest *rd,
                 ProtobufCBinaryData *to, remote_fetch_item *items,
                 ProtobufCBinaryData **dst, size_t *n, int64_t *total)
{
    digest d;
    if (have->len > 0 || !rd || reapi_digest_get(rd, &d) != 0 || d.size_bytes <= 0 ||
        d.size_bytes > INLINE_CAP - *total)
        return;
    *total += d.size_bytes;
    memset(&items[*n], 0, sizeof items[*n]);
    items[*n].d = d;
    dst[(*n)++] = to;
}

/* Does this failure mean the server cannot be used now (the loader's
 * "mark down" class)? */
static int server_gone(const remote_status *st)
{
    return st->code == GRPC_STATUS_UNAVAILABLE || st->code == GRPC_STATUS_DEADLINE_EXCEEDED ||
           st->code == GRPC_STATUS_UNAUTHENTICATED || st->unusable;
}

/* Take the stats lock with dir's stats open: the store's size accounting
 * lives in $RICC_DIR/stats, as in every ricc process (without it the blobs
 * spilled here would not count towards max_size). */
static void stats_for(const char *dir)
{
    pthread_rwlock_rdlock(&stats_lock);
    if (stats_dir && !strcmp(stats_dir, dir))
        return;
    pthread_rwlock_unlock(&stats_lock);
    pthread_rwlock_wrlock(&stats_lock);
    if (!stats_dir || strcmp(stats_dir, dir) != 0) {
        stats_close();
        free(stats_dir);
        stats_dir = strdup(dir);
        if (stats_dir)
            stats_open(dir);
    }
    /* (Held for writing: this spill runs alone, which costs only when
     * RICC_DIRs alternate.) */
}

/* Put the bytes of *b, which must have digest rd, into the local CAS
 * (opening it into *s on first use) and take them out of the answer.
 * 1 if done, 0 if left as it was. */
static int spill_one(spill_to *to, store **s, ProtobufCBinaryData *b,
                     const reapi_digest *rd)
{
    digest d, got;
    if (b->len < SPILL_MIN || !rd || reapi_digest_get(rd, &d) != 0 ||
        (size_t)d.size_bytes != b->len)
        return 0;
    if (!*s) {
        if (!(*s = store_open(to->dir, to->max_size)))
            return 0;
        store_set_compression(*s, to->compression[0], to->compression[1]);
    }
    if (cas_put(*s, b->data, b->len, &got) != 0 || !digest_equal(&got, &d))
        return 0;
    to->spilled += b->len; /* the caller counts them as received (stats.h) */
    b->len = 0; /* (the bytes stay the message's, freed with it) */
    return 1;
}

/* Every blob of m of SPILL_MIN bytes or more (of the outputs named and of
 * stdout/stderr) into the local CAS, out of the answer (see the top of
 * this file).  1 if m changed. */
static int spill(spill_to *to, reapi_action_result *m, char *const *outputs,
                 int n_outputs)
{
    /* (The loader sends RICC_DIR absolute: a relative one would be the
     * agent's directory's, not the ricc process's.) */
    if (!to->dir || to->dir[0] != '/')
        return 0;
    int big = m->stdout_raw.len >= SPILL_MIN || m->stderr_raw.len >= SPILL_MIN;
    for (size_t i = 0; !big && i < m->n_output_files; i++)
        big = m->output_files[i]->contents.len >= SPILL_MIN;
    if (!big)
        return 0;
    store *s = NULL;
    int changed = 0;
    stats_for(to->dir);
    for (size_t i = 0; i < m->n_output_files; i++)
        if (named(m->output_files[i]->path, outputs, n_outputs))
            changed |= spill_one(to, &s, &m->output_files[i]->contents,
                                 m->output_files[i]->digest);
    changed |= spill_one(to, &s, &m->stdout_raw, m->stdout_digest);
    changed |= spill_one(to, &s, &m->stderr_raw, m->stderr_digest);
    pthread_rwlock_unlock(&stats_lock);
    store_close(s);
    return changed;
}

/* The answer to a hit, *ar (a checked, serialized ActionResult), with the
 * blobs of the outputs named and of stdout/stderr that the server did not
 * inline filled in, and the large ones spilled into the local CAS (see
 * the top of this file).  0, with *ar as it was when anything went wrong;
 * -1 with *st set when the server is gone. */
static int finish_answer(agent *a, spill_to *to, void *h, void **ar, size_t *len,
                         char *const *outputs, int n_outputs, remote_status *st)
{
    reapi_action_result *m = (reapi_action_result *)protobuf_c_message_unpack(
        &build__bazel__remote__execution__v2__action_result__descriptor, NULL, *len, *ar);
    if (!m)
        return 0;
    size_t cap = m->n_output_files + 2, n = 0;
    remote_fetch_item *items = calloc(cap, sizeof *items);
    ProtobufCBinaryData **dst = calloc(cap, sizeof *dst);
    int64_t total = 0;
    for (size_t i = 0; items && dst && i < m->n_output_files; i++) {
        reapi_output_file *f = m->output_files[i];
        if (named(f->path, outputs, n_outputs))
            want(&f->contents, f->digest, &f->contents, items, dst, &n, &total);
    }
    if (items && dst) {
        want(&m->stdout_raw, m->stdout_digest, &m->stdout_raw, items, dst, &n, &total);
        want(&m->stderr_raw, m->stderr_digest, &m->stderr_raw, items, dst, &n, &total);
    }
    remote_status fst;
    memset(&fst, 0, sizeof fst);
    int rc = 0, fetched = n > 0 ? a->m->fetch(h, items, n, &fst) : -1;
    if (n > 0 && fetched != 0 && server_gone(&fst)) {
        *st = fst;
        rc = -1;
    }
    if (rc == 0 && fetched == 0) {
        /* The message owns them now (freed with it). */
        for (size_t i = 0; i < n; i++) {
            dst[i]->data = items[i].data;
            dst[i]->len = items[i].len;
        }
    }
    if (rc == 0 && (spill(to, m, outputs, n_outputs) || fetched == 0)) {
        size_t new_len;
        void *packed = reapi_pack(&m->base, &new_len, NULL);
        if (packed) {
            free(*ar);
            *ar = packed;
            *len = new_len;
        }
    }
    free(items);
    free(dst);
    protobuf_c_message_free_unpacked(&m->base, NULL);
    return rc;
}

/* One request: decode, call the module, encode the answer into w. */
static void handle(agent *a, void **h, rbuf *r, wbuf *w)
{
    remote_status st;
    memset(&st, 0, sizeof st);
    uint32_t op = r_u32(r);
    const char *inv = r_str(r), *corr = r_str(r);
    digest act;
    const digest *action = &act;
    read_digest(r, &act);
    spill_to to = {r_str(r), 0, 0, {0, 0}};
    size_t ms_len, cz_len;
    const void *ms = r_bytes(r, &ms_len);
    if (ms && ms_len == sizeof to.max_size)
        memcpy(&to.max_size, ms, sizeof to.max_size);
    else
        r->bad = 1;
    const void *cz = r_bytes(r, &cz_len);
    if (cz && cz_len == sizeof to.compression)
        memcpy(to.compression, cz, sizeof to.compression);
    else
        r->bad = 1;
    if (r->bad) {
        st_set(&st, GRPC_STATUS_INTERNAL, "agent: garbled request");
        put_status(w, -1, &st);
        return;
    }
    if (!*h && !(*h = a->m->open(a->cfg, a->host, &st))) {
        put_status(w, -1, &st);
        return;
    }
    a->m->set_ids(*h, inv, corr);
    if (action->size_bytes >= 0 && action->hash[0])
        a->m->set_action_id(*h, action);

    int rc = -1;
    void *out = NULL;
    size_t out_len = 0;
    if (op == OP_GET_AR || op == OP_EXECUTE) {
        uint32_t skip = op == OP_EXECUTE ? r_u32(r) : 0;
        uint32_t n = r_u32(r);
        char **outs = read_strs(r, n);
        int cached = 0;
        if (r->bad || !outs)
            st_set(&st, GRPC_STATUS_INTERNAL, "agent: garbled request");
        else if (op == OP_GET_AR)
            rc = a->m->get_action_result(*h, action, outs, (int)n, &out, &out_len, &st);
        else
            rc = a->m->execute(*h, action, (int)skip, outs, (int)n, &out, &out_len, &cached,
                               &st);
        if (rc == 0 && finish_answer(a, &to, *h, &out, &out_len, outs, (int)n, &st) != 0)
            rc = -1;
        free(outs);
        put_status(w, rc, &st);
        w_bytes(w, rc == 0 ? out : NULL, rc == 0 ? out_len : 0);
        w_u32(w, (uint32_t)cached);
        /* The bytes put in the caller's CAS rather than the answer, for its
         * remote_bytes_down (last: an older caller does not read it). */
        w_bytes(w, &to.spilled, sizeof to.spilled);
        free(out);
    } else if (op == OP_UPDATE_AR) {
        size_t n;
        const void *ar = r_bytes(r, &n);
        if (r->bad)
            st_set(&st, GRPC_STATUS_INTERNAL, "agent: garbled request");
        else
            rc = a->m->update_action_result(*h, action, ar, n, &st);
        put_status(w, rc, &st);
    } else if (op == OP_UPLOAD) {
        uint32_t n = r_u32(r);
        remote_blob *b = n <= 1000000 ? calloc(n ? n : 1, sizeof *b) : NULL;
        for (uint32_t i = 0; b && i < n && !r->bad; i++) {
            if (read_digest(r, &b[i].d) != 0)
                break;
            if (r_u32(r))
                b[i].path = r_str(r);
            else
                b[i].data = r_bytes(r, &b[i].len);
        }
        int64_t sent = a->m->bytes_sent(*h);
        if (!b || r->bad)
            st_set(&st, GRPC_STATUS_INTERNAL, "agent: garbled request");
        else
            rc = a->m->upload(*h, b, n, &st);
        free(b);
        put_status(w, rc, &st);
        /* The bytes sent, for the caller's remote_bytes_up (last: an older
         * caller does not read it). */
        sent = a->m->bytes_sent(*h) - sent;
        w_bytes(w, &sent, sizeof sent);
    } else if (op == OP_FETCH) {
        uint32_t n = r_u32(r);
        remote_fetch_item *it = n <= 1000000 ? calloc(n ? n : 1, sizeof *it) : NULL;
        for (uint32_t i = 0; it && i < n && !r->bad; i++) {
            if (read_digest(r, &it[i].d) != 0)
                break;
            const char *path = r_str(r);
            it[i].executable = (int)r_u32(r);
            it[i].path = *path ? path : NULL;
        }
        if (!it || r->bad)
            st_set(&st, GRPC_STATUS_INTERNAL, "agent: garbled request");
        else
            rc = a->m->fetch(*h, it, n, &st);
        put_status(w, rc, &st);
        for (uint32_t i = 0; rc == 0 && i < n; i++)
            if (!it[i].path)
                w_bytes(w, it[i].data, it[i].len);
        for (uint32_t i = 0; it && i < n; i++)
            free(it[i].data);
        free(it);
    } else if (op == OP_CAN_EXECUTE) {
        rc = a->m->can_execute(*h, &st);
        put_status(w, rc < 0 ? -1 : 0, &st);
        w_u32(w, rc > 0);
    } else {
        st_set(&st, GRPC_STATUS_UNIMPLEMENTED, "agent: unknown request %u", op);
        put_status(w, -1, &st);
    }
}

/* Answer one connection's requests until it closes, then close it. */
static void serve_conn(agent *a, void **h, int fd)
{
    rbuf r;
    while (wire_recv(fd, &r) == 0) {
        wbuf w = { 0 };
        handle(a, h, &r, &w);
        free((void *)r.p);
        int sent = wire_send(fd, &w);
        free(w.p);
        if (sent != 0)
            break;
    }
    close(fd);
}

static void *worker(void *arg)
{
    agent *a = arg;
    void *h = NULL;
    for (;;) {
        int fd = accept4(a->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            return NULL;
        }
        if (++a->busy >= a->workers && a->workers < AGENT_MAX_WORKERS)
            start_worker(a); /* keep one in accept() */
        serve_conn(a, &h, fd);
        a->last_active = (long)time(NULL);
        a->busy--;
    }
}

void agent_serve_fd(const config *cfg, const remote_host *host, int fd)
{
    static agent a;
    a.cfg = cfg;
    a.host = host;
    a.m = ricc_remote_module_v1();
    a.listen_fd = -1;
    void *h = NULL;
    serve_conn(&a, &h, fd);
    if (h)
        a.m->close(h);
}

/* Does sock_path still name the socket we bound? */
static int still_ours(const char *sock_path, const struct stat *mine)
{
    struct stat sb;
    return stat(sock_path, &sb) == 0 && sb.st_ino == mine->st_ino && sb.st_dev == mine->st_dev;
}

void agent_serve(const config *cfg, const remote_host *host, int listen_fd,
                 const char *sock_path, int idle_s, int max_s)
{
    static agent a;
    struct stat mine;
    if (stat(sock_path, &mine) != 0)
        return;
    a.cfg = cfg;
    a.host = host;
    a.m = ricc_remote_module_v1();
    a.listen_fd = listen_fd;
    keep_freed_memory(); /* a large answer's memory, kept for the next */
    a.last_active = (long)time(NULL);
    long start = a.last_active;
    start_worker(&a);
    start_worker(&a);
    /* Retiring: the socket is unlinked, so new ricc processes start a new
     * agent, and this one leaves when its last connection ends. */
    int retiring = 0;
    for (;;) {
        sleep(1);
        long now = (long)time(NULL);
        if (!retiring && (now - start >= max_s || !still_ours(sock_path, &mine))) {
            if (still_ours(sock_path, &mine))
                unlink(sock_path);
            retiring = 1;
        }
        if (a.busy == 0 && (retiring || now - a.last_active >= idle_s)) {
            if (still_ours(sock_path, &mine))
                unlink(sock_path);
            return;
        }
    }
}
