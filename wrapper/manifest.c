/* manifest.c — direct-mode manifests: the record, its proof, its bytes.
 * See manifest.h for the design.
 *
 * Most of a manifest's bytes are absent-path lists (pathlist.h), and a hit
 * needs none of them unless a watched directory changed.  So parsing keeps
 * each list as a span of the manifest's own bytes (validated, not decoded),
 * only a changed directory walks its list, and serializing writes an
 * undecoded span back as it came. */
#include "wrapper/manifest.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cache/fsutil.h"
#include "cache/log.h"
#include "cache/strtab.h"
#include "wrapper/incpath.h"
#include "wrapper/inputs.h"
#include "wrapper/pathlist.h"

#define MAX_ENTRIES 8
#define SETTLE_NS 2000000000LL
#define MAGIC "RICCMAN3" /* its format is also in the manifest key: action.c */

typedef struct mfile {
    char *path;
    digest d;
} mfile;

typedef struct mwatch {
    char *dir;
    uint64_t ino;
    int64_t mtime, ctime;
    int always;                /* changed too recently to trust its mtime */
    int n_absent;
    char **absent;             /* recorded here (sorted), or NULL: */
    int n_raw;                 /* pathlist entries in manifest->raw */
    const char *absent_raw;
    size_t absent_raw_len;
} mwatch;

typedef struct entry {
    digest action;
    char date[16];
    int n_files;
    mfile *files;
    int n_watch;
    mwatch *watch;
    int n_present;
    char **present;
} entry;

struct manifest {
    char *raw;                 /* the parsed bytes, which absent_raw spans point into */
    int refreshed;             /* a lookup re-stamped a watched directory */
    int scan_only;             /* some include set here could not be proven */
    int n;
    entry e[MAX_ENTRIES];
};

static void entry_free(entry *e)
{
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

typedef struct wbuf {
    char *p;
    size_t len, cap;
    int failed;
} wbuf;

static void put(wbuf *w, const void *src, size_t n)
{
    if (w->failed)
        return;
    if (w->len + n > w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 4096;
        while (cap < w->len + n)
            cap *= 2;
        char *p = realloc(w->p, cap);
        if (!p) {
            w->failed = 1;
            return;
        }
        w->p = p, w->cap = cap;
    }
    memcpy(w->p + w->len, src, n);
    w->len += n;
}

static void put_u32(wbuf *w, uint32_t v) { put(w, &v, sizeof v); }
static void put_i64(wbuf *w, int64_t v) { put(w, &v, sizeof v); }
static void put_str(wbuf *w, const char *s)
{
    uint32_t n = (uint32_t)strlen(s);
    put_u32(w, n);
    put(w, s, n);
}
static void put_digest(wbuf *w, const digest *d)
{
    put(w, d->hash, DIGEST_HEX_LEN);
    put_i64(w, d->size_bytes);
}

char *manifest_serialize(const manifest *m, size_t *len)
{
    wbuf w = {0};
    put(&w, MAGIC, 8);
    put_u32(&w, (uint32_t)m->scan_only);
    put_u32(&w, (uint32_t)m->n);
    for (int i = 0; i < m->n; i++) {
        const entry *e = &m->e[i];
        put_digest(&w, &e->action);
        put_str(&w, e->date);
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
                put(&w, x->absent_raw, x->absent_raw_len);
                continue;
            }
            size_t n;
            int count;
            char *list = pathlist_encode(x->absent, x->n_absent, &n, &count);
            if (!list)
                w.failed = 1;
            put_u32(&w, (uint32_t)count);
            put(&w, list, list ? n : 0);
            free(list);
        }
        put_u32(&w, (uint32_t)e->n_present);
        for (int j = 0; j < e->n_present; j++)
            put_str(&w, e->present[j]);
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
        char *date = get_str(&r);
        if (date)
            snprintf(e->date, sizeof e->date, "%s", date);
        free(date);
        e->n_files = get_count(&r, 4 + DIGEST_HEX_LEN + 8);
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
        e->n_present = get_count(&r, 4);
        e->present = calloc((size_t)e->n_present + 1, sizeof *e->present);
        for (int j = 0; j < e->n_present && e->present && !r.bad; j++)
            e->present[j] = get_str(&r);
        if (!e->files || !e->watch || !e->present)
            r.bad = 1;
    }
    if (r.bad || r.left != 0 || n > MAX_ENTRIES) {
        manifest_free(m);
        return NULL;
    }
    return m;
}

/* ---- lookup ---- */

static int64_t ts(struct timespec t)
{
    return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void today(char *buf, size_t cap)
{
    time_t now = time(NULL);
    struct tm tm;
    strftime(buf, cap, "%Y-%m-%d", localtime_r(&now, &tm));
}

static int exists(const char *path, void *unused)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Every absent path of x is still absent. */
static int watch_absent(const mwatch *x)
{
    if (x->absent) {
        for (int j = 0; j < x->n_absent; j++)
            if (exists(x->absent[j], NULL))
                return 0;
        return 1;
    }
    /* The list was checked by manifest_parse. */
    return pathlist_each(x->absent_raw, x->n_raw, exists, NULL) == 0;
}

/* Do e's files still have their digests and its proof still hold?  A
 * watched directory that changed, or had not settled when it was recorded,
 * has its absent paths checked one by one; when they hold and the
 * directory (as stat()ed before those checks) has settled since, its new
 * stamp is recorded (m->refreshed), so later lookups stat the directory
 * alone again.  That is safe: any entry made after that stat() gives the
 * directory a newer mtime than the recorded one. */
static int entry_holds(manifest *m, entry *e)
{
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
        if (input_digest(e->files[i].path, &st, &d, &flags) != 0 || !digest_equal(&d, &e->files[i].d))
            return 0;
    }
    struct timespec now = {0, 0};
    for (int i = 0; i < e->n_watch; i++) {
        mwatch *x = &e->watch[i];
        struct stat st;
        if (stat(x->dir, &st) != 0)
            return 0;
        if (!x->always && (uint64_t)st.st_ino == x->ino && ts(st.st_mtim) == x->mtime &&
            ts(st.st_ctim) == x->ctime)
            continue;
        if (!watch_absent(x))
            return 0;
        if (now.tv_sec == 0)
            clock_gettime(CLOCK_REALTIME, &now);
        int64_t newest = ts(st.st_mtim) > ts(st.st_ctim) ? ts(st.st_mtim) : ts(st.st_ctim);
        if (ts(now) - newest >= SETTLE_NS) {
            x->ino = (uint64_t)st.st_ino;
            x->mtime = ts(st.st_mtim);
            x->ctime = ts(st.st_ctim);
            x->always = 0;
            m->refreshed = 1;
        }
    }
    for (int i = 0; i < e->n_present; i++) {
        struct stat st;
        if (stat(e->present[i], &st) != 0)
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

int manifest_match(manifest *m, digest *action)
{
    for (int i = 0; i < m->n; i++)
        if (entry_holds(m, &m->e[i])) {
            *action = m->e[i].action;
            return 1;
        }
    return 0;
}

/* ---- recording ---- */

typedef struct strv {
    char **v;
    int n, cap;
} strv;

static int strv_push(strv *s, char *owned)
{
    if (!owned)
        return -1;
    if (s->n == s->cap) {
        int cap = s->cap ? s->cap * 2 : 64;
        char **v = realloc(s->v, sizeof *v * (size_t)cap);
        if (!v) {
            free(owned);
            return -1;
        }
        s->v = v, s->cap = cap;
    }
    s->v[s->n++] = owned;
    return 0;
}

static void strv_free(strv *s)
{
    for (int i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

static int cmp_strp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void strv_sort_unique(strv *s)
{
    if (s->n == 0)
        return;
    qsort(s->v, (size_t)s->n, sizeof *s->v, cmp_strp);
    int w = 0;
    for (int i = 0; i < s->n; i++) {
        if (w > 0 && !strcmp(s->v[w - 1], s->v[i])) {
            free(s->v[i]);
            continue;
        }
        s->v[w++] = s->v[i];
    }
    s->n = w;
}

typedef struct depref {
    const char *norm;
    int index;
} depref;

static int cmp_depref(const void *a, const void *b)
{
    return strcmp(((const depref *)a)->norm, ((const depref *)b)->norm);
}

typedef struct recorder {
    depref *sorted;
    int n_deps;
    char *accounted;
    strv absent, present;
    strtab seen;               /* candidates visited: val 1 absent, 2 found */
    const inc_chain *chain;
    const char *cwd;           /* absolute: relative paths are against it */
    int pch;                   /* a precompiled header could be used */
} recorder;

static int find_dep(const recorder *r, const char *norm)
{
    depref key = {norm, -1};
    depref *hit = bsearch(&key, r->sorted, (size_t)r->n_deps, sizeof key, cmp_depref);
    return hit ? hit->index : -1;
}

/* Proof paths are kept as the compile names them, made lexically normal:
 * relative where the search directory (or the including file) was given
 * relative, so a manifest shared by two checkouts whose Commands are the
 * same checks each checkout's own files, and absolute where it was absolute.
 * Matching against the dependency list is done on absolute forms. */
static char *candidate(const char *dir, const char *name)
{
    char *joined = dir ? path_join(dir, name) : strdup(name);
    char *cand = joined ? path_normalize(joined) : NULL;
    free(joined);
    return cand;
}

/* gcc and clang look for NAME.gch (clang also NAME.pch) in each directory
 * before NAME, and use it in its place without the dependency output naming
 * it: such a file must not exist anywhere the search went. */
static int pch_absent(recorder *r, const char *cand)
{
    static const char *const ext[] = {".gch", ".pch"};
    for (size_t i = 0; i < sizeof ext / sizeof *ext; i++) {
        size_t n = strlen(cand);
        char *p = malloc(n + 5);
        if (!p)
            return -1;
        memcpy(p, cand, n);
        memcpy(p + n, ext[i], 5);
        struct stat st;
        if (stat(p, &st) == 0) {
            LOG_D("direct mode: precompiled header %s", p);
            r->pch = 1;
            free(p);
            return -1;
        }
        if (strv_push(&r->absent, p))
            return -1;
    }
    return 0;
}

/* One candidate: 1 if the search stops here (found), 0 to go on, -1 error. */
static int visit(recorder *r, const char *dir, const char *name, int next)
{
    char *cand = candidate(dir, name);
    int added;
    strtab_entry *seen = cand ? strtab_get(&r->seen, cand, strlen(cand), &added) : NULL;
    if (seen && !added) {
        /* Headers include the same names again and again (every header
         * of a library includes its base types): the same candidate gives
         * the same answer, and its paths are recorded already. */
        free(cand);
        return seen->val == 2 ? !next : 0;
    }
    char *abs = seen ? path_absolute(cand, r->cwd) : NULL;
    if (!abs || pch_absent(r, cand) != 0) {
        free(cand);
        free(abs);
        return -1;
    }
    int i = find_dep(r, abs);
    free(abs);
    struct stat st;
    seen->val = 2;
    if (i >= 0) {
        r->accounted[i] = 1;
        free(cand);
        return !next;
    }
    if (stat(cand, &st) == 0)
        return strv_push(&r->present, cand) ? -1 : !next;
    seen->val = 1;
    return strv_push(&r->absent, cand) ? -1 : 0;
}

/* Resolve one include the way the preprocessor searches, recording what was
 * found and what must stay absent. */
static int resolve(recorder *r, const char *includer_dir, const inc_ref *ref)
{
    if (ref->name[0] == '/')
        return visit(r, NULL, ref->name, 0) < 0 ? -1 : 0;
    int v = 0;
    if (!ref->angle && (v = visit(r, includer_dir, ref->name, ref->next)) != 0)
        goto missing;
    for (int i = 0; !ref->angle && i < r->chain->n_quote; i++)
        if ((v = visit(r, r->chain->quote[i], ref->name, ref->next)) != 0)
            goto missing;
    for (int i = 0; i < r->chain->n_angle; i++)
        if ((v = visit(r, r->chain->angle[i], ref->name, ref->next)) != 0)
            goto missing;
missing:
    if (v < 0)
        return -1;
    /* A search directory that does not exist yet could appear anywhere in
     * the chain: its candidate must stay absent whatever was found. */
    for (int i = 0; i < r->chain->n_missing; i++)
        if (strv_push(&r->absent, candidate(r->chain->missing[i], ref->name)))
            return -1;
    return 0;
}

static char *dir_of(const char *p)
{
    const char *s = strrchr(p, '/');
    if (!s)
        return strdup(".");
    if (s == p)
        return strdup("/");
    char *d = malloc((size_t)(s - p) + 1);
    if (d) {
        memcpy(d, p, (size_t)(s - p));
        d[s - p] = '\0';
    }
    return d;
}

/* Group the absent paths under their nearest existing directory. */
static int add_to_watch(mwatch *x, strv *absent, int i)
{
    char **na = realloc(x->absent, sizeof *na * (size_t)(x->n_absent + 1));
    if (!na)
        return -1;
    x->absent = na;
    na[x->n_absent++] = absent->v[i];
    absent->v[i] = NULL;
    return 0;
}

static int make_watches(entry *e, strv *absent)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    /* Thousands of absent paths share a few dozen directories: each
     * directory is looked up once (val: its watch's index + 1). */
    strtab dirs = {0};
    int rc = -1;
    for (int i = 0; i < absent->n; i++) {
        const char *slash = strrchr(absent->v[i], '/');
        size_t dlen = slash ? (size_t)(slash - absent->v[i]) + 1 : 0;
        int added;
        strtab_entry *known = strtab_get(&dirs, absent->v[i], dlen, &added);
        if (!known)
            goto out;
        if (!added) {
            if (add_to_watch(&e->watch[known->val - 1], absent, i) != 0)
                goto out;
            continue;
        }
        char *dir = dir_of(absent->v[i]);
        struct stat st;
        while (dir && stat(dir, &st) != 0) {
            char *up = dir_of(dir);
            if (up && !strcmp(up, dir)) {
                free(up);
                free(dir);
                dir = NULL;
                break;
            }
            free(dir);
            dir = up;
        }
        if (!dir)
            goto out;
        mwatch *x = NULL;
        for (int j = e->n_watch - 1; j >= 0 && !x; j--)
            if (!strcmp(e->watch[j].dir, dir))
                x = &e->watch[j];
        if (!x) {
            mwatch *nw = realloc(e->watch, sizeof *nw * (size_t)(e->n_watch + 1));
            if (!nw) {
                free(dir);
                goto out;
            }
            e->watch = nw;
            x = &nw[e->n_watch++];
            memset(x, 0, sizeof *x);
            x->dir = dir;
            x->ino = (uint64_t)st.st_ino;
            x->mtime = ts(st.st_mtim);
            x->ctime = ts(st.st_ctim);
            int64_t newest = x->mtime > x->ctime ? x->mtime : x->ctime;
            x->always = ts(now) - newest < SETTLE_NS;
        } else {
            free(dir);
        }
        known->val = (unsigned)(x - e->watch) + 1;
        if (add_to_watch(x, absent, i) != 0)
            goto out;
    }
    rc = 0;
out:
    strtab_free(&dirs);
    return rc;
}

static int record_proof(entry *e, const manifest_inputs *in)
{
    const compile_cmd *cmd = in->cmd;
    inc_chain chain;
    if (incpath_chain(in->compiler, cmd, in->toolkey, in->ricc_dir, &chain) != 0) {
        LOG_D("direct mode: cannot learn the include search chain");
        return -1;
    }
    recorder r = {.n_deps = in->n_deps, .chain = &chain, .cwd = in->cwd};
    r.sorted = calloc((size_t)in->n_deps + 1, sizeof *r.sorted);
    r.accounted = calloc((size_t)in->n_deps + 1, 1);
    char **norms = calloc((size_t)in->n_deps + 1, sizeof *norms);
    int rc = -1;
    if (!r.sorted || !r.accounted || !norms)
        goto out;
    for (int i = 0; i < in->n_deps; i++) {
        if (!(norms[i] = path_absolute(in->deps[i], in->cwd)))
            goto out;
        r.sorted[i] = (depref){norms[i], i};
    }
    qsort(r.sorted, (size_t)in->n_deps, sizeof *r.sorted, cmp_depref);

    /* The source, and -include/-imacros files, are named on the command line
     * (the latter searched from the working directory first). */
    char *src = path_absolute(cmd->source, in->cwd);
    int si = src ? find_dep(&r, src) : -1;
    free(src);
    if (si >= 0)
        r.accounted[si] = 1;
    /* gcc (and clang on glibc systems) reads <stdc-predef.h> before the
     * source, found through the system search chain, ignored if absent. */
    inc_ref predef = {"stdc-predef.h", 1, 0};
    if (resolve(&r, NULL, &predef) != 0)
        goto out;
    for (int i = 1; i + 1 < cmd->argc; i++) {
        if (strcmp(cmd->argv[i], "-include") && strcmp(cmd->argv[i], "-imacros"))
            continue;
        inc_ref ref = {cmd->argv[i + 1], 0, 0};
        if (resolve(&r, NULL, &ref) != 0)
            goto out;
    }

    for (int i = 0; i < in->n_deps; i++) {
        char *text;
        size_t len;
        if (fs_read_file(in->deps[i], &text, &len) != 0)
            goto out;
        inc_ref *refs;
        int n = incpath_scan(text, len, &refs);
        free(text);
        if (n < 0) {
            LOG_D("direct mode: %s has a computed #include", in->deps[i]);
            goto out;
        }
        char *named = path_normalize(in->deps[i]);
        char *dir = named ? dir_of(named) : NULL;
        free(named);
        for (int j = 0; j < n && dir; j++)
            if (resolve(&r, dir, &refs[j]) != 0) {
                free(dir);
                dir = NULL;
            }
        inc_refs_free(refs, n);
        if (!dir)
            goto out;
        free(dir);
    }
    for (int i = 0; i < in->n_deps; i++)
        if (!r.accounted[i]) {
            LOG_D("direct mode: no include accounts for %s", in->deps[i]);
            goto out;
        }

    strv_sort_unique(&r.absent);
    strv_sort_unique(&r.present);
    if (make_watches(e, &r.absent) != 0)
        goto out;
    e->present = r.present.v;
    e->n_present = r.present.n;
    r.present.v = NULL;
    r.present.n = 0;
    rc = 0;
out:
    for (int i = 0; norms && i < in->n_deps; i++)
        free(norms[i]);
    free(norms);
    free(r.sorted);
    free(r.accounted);
    strv_free(&r.absent);
    strv_free(&r.present);
    strtab_free(&r.seen);
    inc_chain_free(&chain);
    return r.pch ? MANIFEST_PCH : rc;
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
    int proof = in->cmd->preprocessed ? 0 : record_proof(&e, in);
    if (proof != 0) {
        entry_free(&e);
        if (proof == -1)
            m->scan_only = 1;
        return proof;
    }
    /* Newest first; the same action replaces its older entry. */
    for (int i = 0; i < m->n; i++)
        if (digest_equal(&m->e[i].action, &e.action)) {
            entry_free(&m->e[i]);
            memmove(&m->e[i], &m->e[i + 1], sizeof *m->e * (size_t)(m->n - i - 1));
            m->n--;
            break;
        }
    if (m->n == MAX_ENTRIES)
        entry_free(&m->e[--m->n]);
    memmove(&m->e[1], &m->e[0], sizeof *m->e * (size_t)m->n);
    m->e[0] = e;
    m->n++;
    return 0;
}
