/* SPDX-License-Identifier: Apache-2.0 */
/* manifest.c — direct-mode manifests: the record, its bytes, its lookup.
 * See manifest.h for the design; manifest_proof.c records the proof.
 *
 * Most of a manifest's bytes are absent-path lists (pathlist.h), and a hit
 * needs none of them unless a watched directory changed.  So parsing keeps
 * each list as a span of the manifest's own bytes (validated, not decoded),
 * only a changed directory walks its list, and serializing writes an
 * undecoded span back as it came. */
#include "wrapper/direct/manifest.h"
#include "wrapper/direct/manifest_int.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cache/util/fsutil.h"
#include "wrapper/compiler/inputs.h"
#include "wrapper/direct/pathlist.h"
#include "wrapper/deps/pathprobe.h"
#include "wrapper/util/tbuf.h"

#define MAGIC "RICCMAN5" /* its format is also in the manifest key: action.c */

static void entry_free(entry *e)
{
    free(e->base);
    for (int i = 0; i < e->n_files; i++)
        free(e->files[i].path);
    free(e->files);
    for (int i = 0; i < e->n_watch; i++) {
        for (int j = 0; e->watch[i].absent && j < e->watch[i].n_absent; j++)
            free(e->watch[i].absent[j]);
        free(e->watch[i].absent);
        free(e->watch[i].dir);
    }
    free(e->watch);
    for (int i = 0; i < e->n_present; i++)
        free(e->present[i]);
    free(e->present);
    free(e->present_d);
    memset(e, 0, sizeof *e);
}

manifest *manifest_new(void)
{
    return calloc(1, sizeof(manifest));
}

void manifest_free(manifest *m)
{
    if (!m)
        return;
    for (int i = 0; i < m->n; i++)
        entry_free(&m->e[i]);
    free(m->raw);
    free(m);
}

/* ---- bytes ---- */

static void put_u32(tbuf *w, uint32_t v) { tbuf_put(w, &v, sizeof v); }
static void put_i64(tbuf *w, int64_t v) { tbuf_put(w, &v, sizeof v); }
static void put_str(tbuf *w, const char *s)
{
    uint32_t n = (uint32_t)strlen(s);
    put_u32(w, n);
    tbuf_put(w, s, n);
}
static void put_digest(tbuf *w, const digest *d)
{
    tbuf_put(w, d->hash, DIGEST_HEX_LEN);
    put_i64(w, d->size_bytes);
}

char *manifest_serialize(const manifest *m, size_t *len)
{
    tbuf w = {0};
    tbuf_put(&w, MAGIC, 8);
    put_u32(&w, (uint32_t)m->scan_only);
    put_u32(&w, (uint32_t)m->n);
    for (int i = 0; i < m->n; i++) {
        const entry *e = &m->e[i];
        put_digest(&w, &e->action);
        put_str(&w, e->base ? e->base : "");
        put_str(&w, e->date);
        put_u32(&w, (uint32_t)e->foreign);
        put_u32(&w, (uint32_t)e->base_in_output);
        put_u32(&w, (uint32_t)e->n_unscanned);
        put_u32(&w, (uint32_t)e->n_files);
        for (int j = 0; j < e->n_files; j++) {
            put_str(&w, e->files[j].path);
            put_digest(&w, &e->files[j].d);
        }
        put_u32(&w, (uint32_t)e->n_watch);
        for (int j = 0; j < e->n_watch; j++) {
            const mwatch *x = &e->watch[j];
            put_str(&w, x->dir);
            put_i64(&w, (int64_t)x->ino);
            put_i64(&w, x->mtime);
            put_i64(&w, x->ctime);
            put_u32(&w, (uint32_t)x->always);
            if (!x->absent) {
                put_u32(&w, (uint32_t)x->n_raw);
                tbuf_put(&w, x->absent_raw, x->absent_raw_len);
                continue;
            }
            size_t n;
            int count;
            char *list = pathlist_encode(x->absent, x->n_absent, &n, &count);
            if (!list)
                w.failed = 1;
            put_u32(&w, (uint32_t)count);
            tbuf_put(&w, list, list ? n : 0);
            free(list);
        }
        put_u32(&w, (uint32_t)e->n_present);
        for (int j = 0; j < e->n_present; j++) {
            put_str(&w, e->present[j]);
            put_digest(&w, &e->present_d[j]);
        }
    }
    if (w.failed) {
        free(w.p);
        return NULL;
    }
    *len = w.len;
    return w.p;
}

typedef struct rbuf {
    const char *p;
    size_t left;
    int bad;
} rbuf;

static void get(rbuf *r, void *dst, size_t n)
{
    if (r->bad || r->left < n) {
        r->bad = 1;
        memset(dst, 0, n);
        return;
    }
    memcpy(dst, r->p, n);
    r->p += n;
    r->left -= n;
}

static uint32_t get_u32(rbuf *r) { uint32_t v; get(r, &v, sizeof v); return v; }
static int64_t get_i64(rbuf *r) { int64_t v; get(r, &v, sizeof v); return v; }

/* A count, bounded by what the remaining bytes could possibly hold. */
static int get_count(rbuf *r, size_t min_item)
{
    uint32_t n = get_u32(r);
    if (r->bad || (size_t)n * min_item > r->left) {
        r->bad = 1;
        return 0;
    }
    return (int)n;
}

static char *get_str(rbuf *r)
{
    uint32_t n = get_u32(r);
    if (r->bad || n > r->left) {
        r->bad = 1;
        return NULL;
    }
    char *s = malloc((size_t)n + 1);
    if (!s) {
        r->bad = 1;
        return NULL;
    }
    get(r, s, n);
    s[n] = '\0';
    return s;
}

static void get_digest(rbuf *r, digest *d)
{
    get(r, d->hash, DIGEST_HEX_LEN);
    d->hash[DIGEST_HEX_LEN] = '\0';
    d->size_bytes = get_i64(r);
}

manifest *manifest_parse(const char *buf, size_t len)
{
    if (len < 8 || memcmp(buf, MAGIC, 8) != 0)
        return NULL;
    manifest *m = manifest_new();
    if (!m || !(m->raw = malloc(len))) {
        free(m);
        return NULL;
    }
    memcpy(m->raw, buf, len);
    rbuf r = {m->raw + 8, len - 8, 0};
    m->scan_only = get_u32(&r) != 0;
    int n = get_count(&r, 4);
    for (int i = 0; i < n && i < MAX_ENTRIES && !r.bad; i++) {
        entry *e = &m->e[m->n++];
        get_digest(&r, &e->action);
        e->base = get_str(&r);
        if (e->base && !e->base[0]) {
            free(e->base);
            e->base = NULL;
        }
        char *date = get_str(&r);
        if (date)
            snprintf(e->date, sizeof e->date, "%s", date);
        free(date);
        e->foreign = get_u32(&r) != 0;
        e->base_in_output = get_u32(&r) != 0;
        e->n_unscanned = (int)get_u32(&r);
        e->n_files = get_count(&r, 4 + DIGEST_HEX_LEN + 8);
        if (e->n_unscanned < 0 || e->n_unscanned > e->n_files)
            r.bad = 1;
        e->files = calloc((size_t)e->n_files + 1, sizeof *e->files);
        for (int j = 0; j < e->n_files && e->files && !r.bad; j++) {
            e->files[j].path = get_str(&r);
            get_digest(&r, &e->files[j].d);
        }
        e->n_watch = get_count(&r, 4 + 24 + 8);
        e->watch = calloc((size_t)e->n_watch + 1, sizeof *e->watch);
        for (int j = 0; j < e->n_watch && e->watch && !r.bad; j++) {
            mwatch *x = &e->watch[j];
            x->dir = get_str(&r);
            x->ino = (uint64_t)get_i64(&r);
            x->mtime = get_i64(&r);
            x->ctime = get_i64(&r);
            x->always = (int)get_u32(&r);
            x->n_raw = get_count(&r, 3);
            x->absent_raw = r.p;
            if (!r.bad && pathlist_check(r.p, r.left, x->n_raw, &x->absent_raw_len) != 0)
                r.bad = 1;
            if (!r.bad) {
                r.p += x->absent_raw_len;
                r.left -= x->absent_raw_len;
            }
        }
        e->n_present = get_count(&r, 4 + DIGEST_HEX_LEN + 8);
        e->present = calloc((size_t)e->n_present + 1, sizeof *e->present);
        e->present_d = calloc((size_t)e->n_present + 1, sizeof *e->present_d);
        for (int j = 0; j < e->n_present && e->present && e->present_d && !r.bad; j++) {
            e->present[j] = get_str(&r);
            get_digest(&r, &e->present_d[j]);
        }
        if (!e->files || !e->watch || !e->present || !e->present_d)
            r.bad = 1;
    }
    if (r.bad || r.left != 0 || n > MAX_ENTRIES) {
        manifest_free(m);
        return NULL;
    }
    return m;
}

/* ---- lookup ---- */

static void today(char *buf, size_t cap)
{
    time_t now = time(NULL);
    struct tm tm;
    strftime(buf, cap, "%Y-%m-%d", localtime_r(&now, &tm));
}

/* ---- paths under the base ---- */

/* A stored path: behind RELOC, relative to the base (manifest.h). */
#define RELOC '\x01'

/* The stored form of path: relative to base behind RELOC when it is an
 * absolute path under base, else itself.  malloc'd. */
static char *stored_path(const char *path, const char *base)
{
    if (!base || path[0] != '/')
        return strdup(path);
    char *norm = path_normalize(path);
    char *rel = norm ? path_relative_to(norm, base) : NULL;
    free(norm);
    if (!rel)
        return strdup(path);
    char *out = malloc(strlen(rel) + 2);
    if (out) {
        out[0] = RELOC;
        strcpy(out + 1, rel);
    }
    free(rel);
    return out;
}

static int store_paths(char **v, int n, const char *base)
{
    for (int i = 0; i < n; i++) {
        char *p = stored_path(v[i], base);
        if (!p)
            return -1;
        free(v[i]);
        v[i] = p;
    }
    return 0;
}

/* A stored path as this call names it: in buf (cap bytes), or p itself.
 * NULL when it does not fit, or names the base with none to resolve it. */
static const char *resolved(const char *p, const char *base, char *buf, size_t cap)
{
    return manifest_resolved(p, base, buf, cap);
}

const char *manifest_resolved(const char *p, const char *base, char *buf, size_t cap)
{
    if (p[0] != RELOC)
        return p;
    if (!base || snprintf(buf, cap, "%s%s%s", base, p[1] ? "/" : "", p + 1) >= (int)cap)
        return NULL;
    return buf;
}

typedef struct probe_at {
    pathprobe *probe;
    const char *base;
    /* The second chance (manifest_match_code): a file whose digest
     * differs may still do when same() says so; now[] gets each file's
     * digest as it is. */
    manifest_same_fn same;
    void *ctx;
    digest *now;
    int elsewhere;     /* only entries recorded for another base */
    int foreign;       /* only entries not checked here yet (else only others) */
} probe_at;

static int exists(const char *path, void *arg)
{
    probe_at *pa = arg;
    char buf[PATHLIST_MAX + 4096];
    const char *p = resolved(path, pa->base, buf, sizeof buf);
    return !p || pathprobe_exists(pa->probe, p);
}

/* Every absent path of x is still absent.  Most lie in subdirectories that
 * x lacks (bits/, sys/ ...): the probe stat()s each of those once, so a
 * walk costs a system call per path only where the directory is there.  A
 * remote manifest was recorded on another machine or in another sandbox,
 * where no watched directory has this one's stamp, so its first check here
 * walks every list: for three libc headers, 445 absent paths, and 88 failed
 * stat() calls with the probe. */
static int watch_absent(const mwatch *x, probe_at *pa)
{
    if (x->absent) {
        for (int j = 0; j < x->n_absent; j++)
            if (exists(x->absent[j], pa))
                return 0;
        return 1;
    }
    /* The list was checked by manifest_parse. */
    return pathlist_each(x->absent_raw, x->n_raw, exists, pa) == 0;
}

/* Do e's files still have their digests and its proof still hold?  A
 * watched directory that changed, or had not settled when it was recorded,
 * has its absent paths checked one by one; when they hold and the
 * directory (as stat()ed before those checks) has settled since, its new
 * stamp is recorded (m->refreshed), so later lookups stat the directory
 * alone again.  That is safe: any entry made after that stat() gives the
 * directory a newer mtime than the recorded one. */
static int entry_holds(manifest *m, entry *e, probe_at *pa)
{
    char buf[PATHLIST_MAX + 4096];
    const char *p;
    int here = !e->base || (pa->base && !strcmp(e->base, pa->base));
    if (here == pa->elsewhere || e->foreign != pa->foreign)
        return 0;
    /* Another checkout's result only where __FILE__ put the base into the
     * key; an output holding it is that checkout's alone. */
    if (pa->elsewhere && e->base_in_output)
        return 0;
    if (e->date[0]) {
        char d[16];
        today(d, sizeof d);
        if (strcmp(d, e->date) != 0)
            return 0;
    }
    for (int i = 0; i < e->n_files; i++) {
        struct stat st;
        digest d;
        unsigned flags;
        if (!(p = resolved(e->files[i].path, pa->base, buf, sizeof buf)) ||
            input_digest(p, &st, &d, &flags) != 0)
            return 0;
        if (!digest_equal(&d, &e->files[i].d) &&
            (!pa->same || !pa->same(pa->ctx, p, &e->files[i].d, &d)))
            return 0;
        if (pa->now)
            pa->now[i] = d;
    }
    struct timespec now = {0, 0};
    for (int i = 0; i < e->n_watch; i++) {
        mwatch *x = &e->watch[i];
        struct stat st;
        if (!(p = resolved(x->dir, pa->base, buf, sizeof buf)) || stat(p, &st) != 0)
            return 0;
        int64_t mt = manifest_ts(st.st_mtim), ct = manifest_ts(st.st_ctim);
        if (!x->always && (uint64_t)st.st_ino == x->ino && mt == x->mtime && ct == x->ctime)
            continue;
        if (!watch_absent(x, pa))
            return 0;
        if (now.tv_sec == 0)
            clock_gettime(CLOCK_REALTIME, &now);
        if (manifest_ts(now) - (mt > ct ? mt : ct) >= SETTLE_NS) {
            x->ino = (uint64_t)st.st_ino;
            x->mtime = mt;
            x->ctime = ct;
            x->always = 0;
            m->refreshed = 1;
        }
    }
    for (int i = 0; i < e->n_present; i++) {
        struct stat st;
        digest d;
        unsigned flags;
        int64_t kind = e->present_d[i].size_bytes;
        if (!(p = resolved(e->present[i], pa->base, buf, sizeof buf)))
            return 0;
        if (kind == PRESENT_ABSENT ? lstat(p, &st) == 0 || errno != ENOENT
            : kind < 0             ? stat(p, &st) != 0
                                   : input_digest(p, &st, &d, &flags) != 0 ||
                                         !digest_equal(&d, &e->present_d[i]))
            return 0;
    }
    return 1;
}

int manifest_scan_only(const manifest *m)
{
    return m->scan_only;
}

int manifest_refreshed(const manifest *m)
{
    return m->refreshed;
}

int manifest_match(manifest *m, const char *base, digest *action)
{
    pathprobe probe = {0};
    probe_at pa = {&probe, base, NULL, NULL, NULL, 0, 0};
    int found = 0;
    for (int i = 0; i < m->n && !found; i++)
        if (entry_holds(m, &m->e[i], &pa)) {
            *action = m->e[i].action;
            found = 1;
        }
    pathprobe_free(&probe);
    return found;
}

static int match_twin(manifest *m, const char *base, manifest_same_fn same, void *ctx,
                      int elsewhere, int foreign, manifest_twin *out)
{
    memset(out, 0, sizeof *out);
    pathprobe probe = {0};
    probe_at pa = {&probe, base, same, ctx, NULL, elsewhere, foreign};
    int found = -1;
    for (int i = 0; i < m->n && found < 0; i++) {
        entry *e = &m->e[i];
        free(pa.now);
        if (!(pa.now = calloc((size_t)e->n_files + 1, sizeof *pa.now)))
            break;
        if (entry_holds(m, e, &pa))
            found = i;
    }
    pathprobe_free(&probe);
    if (found < 0) {
        free(pa.now);
        return 0;
    }
    entry *e = &m->e[found];
    char buf[PATHLIST_MAX + 4096];
    out->entry = found;
    out->action = e->action;
    out->has_base = e->base != NULL;
    out->base_in_output = e->base_in_output;
    out->n_unscanned = e->n_unscanned;
    out->now = pa.now;
    out->n = e->n_files;
    out->paths = calloc((size_t)e->n_files + 1, sizeof *out->paths);
    out->was = malloc(sizeof *out->was * (size_t)(e->n_files + 1));
    for (int i = 0; out->was && i < e->n_files; i++)
        out->was[i] = e->files[i].d;
    for (int i = 0; out->paths && i < e->n_files; i++) {
        const char *p = resolved(e->files[i].path, base, buf, sizeof buf);
        if (!p || !(out->paths[i] = strdup(p))) {
            manifest_twin_free(out);
            return 0;
        }
    }
    if (!out->paths || !out->was) {
        manifest_twin_free(out);
        return 0;
    }
    return 1;
}

int manifest_match_code(manifest *m, const char *base, manifest_same_fn same, void *ctx,
                        manifest_twin *out)
{
    return match_twin(m, base, same, ctx, 0, 0, out);
}

int manifest_match_elsewhere(manifest *m, const char *base, manifest_twin *out)
{
    return base && match_twin(m, base, NULL, NULL, 1, 0, out);
}

int manifest_match_foreign(manifest *m, const char *base, manifest_twin *out)
{
    return match_twin(m, base, NULL, NULL, 0, 1, out);
}

void manifest_mark_foreign(manifest *m)
{
    for (int i = 0; i < m->n; i++)
        m->e[i].foreign = 1;
}

void manifest_vouch(manifest *m, int i, int ok)
{
    if (i < 0 || i >= m->n)
        return;
    if (ok) {
        m->e[i].foreign = 0;
        return;
    }
    entry_free(&m->e[i]);
    memmove(&m->e[i], &m->e[i + 1], sizeof *m->e * (size_t)(m->n - i - 1));
    m->n--;
}

void manifest_twin_free(manifest_twin *t)
{
    for (int i = 0; t->paths && i < t->n; i++)
        free(t->paths[i]);
    free(t->paths);
    free(t->now);
    free(t->was);
    memset(t, 0, sizeof *t);
}

/* Add e (taken) first: newest first, bounded; the same action replaces its
 * older entry. */
static void put_newest(manifest *m, entry *e)
{
    for (int i = 0; i < m->n; i++)
        if (digest_equal(&m->e[i].action, &e->action)) {
            entry_free(&m->e[i]);
            memmove(&m->e[i], &m->e[i + 1], sizeof *m->e * (size_t)(m->n - i - 1));
            m->n--;
            break;
        }
    if (m->n == MAX_ENTRIES)
        entry_free(&m->e[--m->n]);
    memmove(&m->e[1], &m->e[0], sizeof *m->e * (size_t)m->n);
    m->e[0] = *e;
    m->n++;
}

/* A deep copy of e's watches and present paths (the absent lists still in
 * the manifest's bytes stay there: both entries are in m). */
static int copy_proof(entry *to, const entry *e)
{
    to->watch = calloc((size_t)e->n_watch + 1, sizeof *to->watch);
    to->present = calloc((size_t)e->n_present + 1, sizeof *to->present);
    to->present_d = calloc((size_t)e->n_present + 1, sizeof *to->present_d);
    if (!to->watch || !to->present || !to->present_d)
        return -1;
    memcpy(to->present_d, e->present_d, sizeof *to->present_d * (size_t)e->n_present);
    for (int j = 0; j < e->n_watch; j++) {
        mwatch *x = &to->watch[to->n_watch++];
        *x = e->watch[j];
        x->dir = NULL;
        x->absent = NULL;
        x->n_absent = 0;
        if (!(x->dir = strdup(e->watch[j].dir)))
            return -1;
        if (e->watch[j].absent) {
            if (!(x->absent = calloc((size_t)e->watch[j].n_absent + 1, sizeof *x->absent)))
                return -1;
            for (int k = 0; k < e->watch[j].n_absent; k++, x->n_absent++)
                if (!(x->absent[k] = strdup(e->watch[j].absent[k])))
                    return -1;
        }
    }
    for (int j = 0; j < e->n_present; j++, to->n_present++)
        if (!(to->present[j] = strdup(e->present[j])))
            return -1;
    return 0;
}

int manifest_add_twin(manifest *m, const manifest_twin *t, const digest *action,
                      const char *base)
{
    const entry *e = &m->e[t->entry];
    entry n;
    memset(&n, 0, sizeof n);
    n.action = *action;
    n.base_in_output = base && e->base_in_output;
    n.n_unscanned = e->n_unscanned;
    memcpy(n.date, e->date, sizeof n.date);
    int bad = (base && !(n.base = strdup(base))) ||
              !(n.files = calloc((size_t)e->n_files + 1, sizeof *n.files)) || copy_proof(&n, e);
    for (int i = 0; !bad && i < e->n_files; i++, n.n_files++) {
        n.files[i].d = t->now[i];
        bad = !(n.files[i].path = strdup(e->files[i].path));
    }
    if (bad) {
        entry_free(&n);
        return -1;
    }
    put_newest(m, &n);
    return 0;
}

/* The paths a helper program found absent, as present[] entries of kind
 * PRESENT_ABSENT (a reader that does not know the kind asks them to be
 * there, and so never matches).  0 or -1. */
static int add_absent(entry *e, char **absent, int n)
{
    if (n == 0)
        return 0;
    char **p = realloc(e->present, (size_t)(e->n_present + n + 1) * sizeof *p);
    if (p)
        e->present = p;
    digest *d = p ? realloc(e->present_d, (size_t)(e->n_present + n + 1) * sizeof *d) : NULL;
    if (!d)
        return -1;
    e->present_d = d;
    for (int i = 0; i < n; i++) {
        if (!(e->present[e->n_present] = strdup(absent[i])))
            return -1;
        memset(&e->present_d[e->n_present], 0, sizeof *d);
        e->present_d[e->n_present].size_bytes = PRESENT_ABSENT;
        e->n_present++;
    }
    return 0;
}

int manifest_add(manifest *m, const manifest_inputs *in)
{
    entry e;
    memset(&e, 0, sizeof e);
    e.action = *in->action;
    if (in->date)
        snprintf(e.date, sizeof e.date, "%s", in->date);
    e.files = calloc((size_t)in->n_deps + 1, sizeof *e.files);
    if (!e.files)
        return -1;
    for (int i = 0; i < in->n_deps; i++) {
        if (!(e.files[i].path = strdup(in->deps[i]))) {
            entry_free(&e);
            return -1;
        }
        e.files[i].d = in->dep_digests[i];
        e.n_files++;
    }
    manifest_inputs included = *in; /* (the extras, last, are no include's) */
    included.n_deps -= in->n_extra;
    int proof = in->cmd->preprocessed ? 0 : manifest_record_proof(&e, &included);
    if (proof != 0) {
        entry_free(&e);
        if (proof == -1)
            m->scan_only = 1;
        return proof;
    }
    /* What a found file holds counts even when the compile did not read
     * it: gcc skips a #pragma once header whose bytes equal one it read,
     * and reads it once it differs. */
    int bad = !(e.present_d = calloc((size_t)e.n_present + 1, sizeof *e.present_d));
    for (int i = 0; i < e.n_present && !bad; i++) {
        struct stat st;
        unsigned flags;
        if (input_digest(e.present[i], &st, &e.present_d[i], &flags) != 0)
            e.present_d[i].size_bytes = PRESENT_THERE; /* a directory: only there */
    }
    bad = bad || add_absent(&e, in->absent, in->n_absent) != 0;
    /* Absolute paths under the base, relative to it.  (A watched directory
     * is under the base exactly when its absent paths are, and they keep
     * their order.) */
    bad = bad || (in->base_in_action && !(e.base = strdup(in->base)));
    e.base_in_output = in->base_in_action && in->base_in_output;
    e.n_unscanned = in->n_extra;
    for (int i = 0; i < e.n_files && !bad; i++)
        bad = store_paths(&e.files[i].path, 1, in->base);
    for (int i = 0; i < e.n_watch && !bad; i++)
        bad = store_paths(&e.watch[i].dir, 1, in->base) ||
              store_paths(e.watch[i].absent, e.watch[i].n_absent, in->base);
    if (bad || store_paths(e.present, e.n_present, in->base)) {
        entry_free(&e);
        return -1;
    }
    put_newest(m, &e);
    return 0;
}
