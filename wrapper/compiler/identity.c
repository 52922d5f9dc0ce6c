/* SPDX-License-Identifier: Apache-2.0 */
/* identity.c — the compiler's identity by content, remembered by stat.
 * See identity.h for the why.
 *
 * The record ($RICC_DIR/identity/<name>) is text: a first line naming the
 * format, then one entry a line:
 *   P dev ino size mtime ctime hash path<TAB>real
 *        a file by content: the compiler (always first), a program the
 *        driver runs, gcc's specs file.  path is where the driver names it
 *        (it is stat()ed through, so a symbolic link on the way re-pointed
 *        shows), real its resolved path (in the digest).
 *   D dev ino mtime ctime path
 *        a directory the driver searches (or, for one that does not exist,
 *        its nearest existing ancestor: what must change for it to appear).
 *   L dev ino path<TAB>real      or      L - - path<TAB>
 *        a standard include directory under the sysroot, and where it
 *        leads (or that it does not exist).
 *   T text
 *        a line of the driver's -print-search-dirs.
 *   R dev ino size mtime ctime hash path<TAB>real
 *        as P: a program a compile was seen running that the driver's
 *        answers did not name (the gcc a wrapper script runs, the shell
 *        running it), learned afterwards (identity_learn), and kept when
 *        the rest is asked anew.
 *   I hash size
 *        the identity, last: a check that holds needs not hash again.
 * The digest is made of the P, L and T entries' content only, never of
 * stats or D entries: reinstalling the same compiler keeps the key, and
 * PATH may change without changing it.  Each R entry then folds its
 * content into it, in order: I' = H(I, hash, real).  How the driver is asked is
 * identity_probe.c. */
#include "wrapper/compiler/identity.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/local/layout.h"
#include "cache/util/fsutil.h"
#include "cache/util/log.h"
#include "wrapper/compiler/compiler.h"
#include "wrapper/compiler/identity_int.h"
#include "wrapper/util/tbuf.h"

#define RECORD_MAGIC "ricc-identity-4"

/* The environment the driver's search reads (clang's CCC_OVERRIDE_OPTIONS
 * can add any option).  The key's Command holds the first three; PATH
 * reaches the key only through what it leads to. */
static const char *const search_env[] = {"COMPILER_PATH", "GCC_EXEC_PREFIX", "LIBRARY_PATH",
                                         "PATH", "CCC_OVERRIDE_OPTIONS", NULL};

static void record_free(id_record *r)
{
    for (int i = 0; i < r->n; i++) {
        free(r->e[i].path);
        free(r->e[i].real);
    }
    free(r->e);
    memset(r, 0, sizeof *r);
}

id_entry *identity_record_add(id_record *r, char kind, const char *path, const char *real)
{
    if (kind == 'D' || kind == 'L')
        for (int i = 0; i < r->n; i++)
            if (r->e[i].kind == kind && !strcmp(r->e[i].path, path))
                return &r->e[i];
    if (r->n == r->cap) {
        int cap = r->cap ? 2 * r->cap : 16;
        id_entry *grown = realloc(r->e, sizeof *grown * (size_t)cap);
        if (!grown)
            return NULL;
        r->e = grown;
        r->cap = cap;
    }
    id_entry *e = &r->e[r->n];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->path = strdup(path);
    e->real = real ? strdup(real) : NULL;
    if (!e->path || (real && !e->real)) {
        free(e->path);
        free(e->real);
        return NULL;
    }
    r->n++;
    return e;
}

/* ---- the record as text ---- */

int identity_same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
           a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static int same_dir(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
           a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* A path the record's lines cannot hold, or a relative one in a id_record
 * whose name does not pin the working directory. */
static int path_unstorable(const id_record *r, const char *p)
{
    return strpbrk(p, "\n\t") != NULL || (p[0] != '/' && !r->has_cwd);
}

static void format_entry(const id_record *r, const id_entry *e, tbuf *b, int *unstorable)
{
    char line[256];
    int n = 0;
    const struct stat *s = &e->st;
    switch (e->kind) {
    case 'P':
    case 'R':
        n = snprintf(line, sizeof line, "%c %llu %llu %lld %lld.%09ld %lld.%09ld %s ", e->kind,
                     (unsigned long long)s->st_dev, (unsigned long long)s->st_ino,
                     (long long)s->st_size, (long long)s->st_mtim.tv_sec, s->st_mtim.tv_nsec,
                     (long long)s->st_ctim.tv_sec, s->st_ctim.tv_nsec, e->hash);
        break;
    case 'D':
        n = snprintf(line, sizeof line, "D %llu %llu %lld.%09ld %lld.%09ld ",
                     (unsigned long long)s->st_dev, (unsigned long long)s->st_ino,
                     (long long)s->st_mtim.tv_sec, s->st_mtim.tv_nsec,
                     (long long)s->st_ctim.tv_sec, s->st_ctim.tv_nsec);
        break;
    case 'L':
        n = e->absent ? snprintf(line, sizeof line, "L - - ")
                      : snprintf(line, sizeof line, "L %llu %llu ", (unsigned long long)s->st_dev,
                                 (unsigned long long)s->st_ino);
        break;
    default:
        n = snprintf(line, sizeof line, "T ");
        break;
    }
    if (e->kind != 'T' && path_unstorable(r, e->path))
        *unstorable = 1;
    if (e->real && strpbrk(e->real, "\n\t"))
        *unstorable = 1;
    if (e->kind == 'T' && strchr(e->path, '\n'))
        *unstorable = 1;
    tbuf_put(b, line, (size_t)n);
    tbuf_put(b, e->path, strlen(e->path));
    if (e->kind == 'P' || e->kind == 'R' || e->kind == 'L') {
        tbuf_put(b, "\t", 1);
        if (e->real)
            tbuf_put(b, e->real, strlen(e->real));
    }
    tbuf_put(b, "\n", 1);
}

/* Split "path<TAB>real" in place. */
static int split_real(char *rest, id_entry *e)
{
    char *tab = strchr(rest, '\t');
    if (!tab)
        return -1;
    *tab = '\0';
    e->path = strdup(rest);
    e->real = strdup(tab + 1);
    return e->path && e->real ? 0 : -1;
}

/* A decimal number ended by `end`, *p moved past it; 0, or -1.  (sscanf
 * costs more than the rest of a record check.) */
static int num(char **p, unsigned long long *v, char end)
{
    char *s = *p;
    unsigned long long n = 0;
    if (*s < '0' || *s > '9')
        return -1;
    while (*s >= '0' && *s <= '9')
        n = n * 10 + (unsigned)(*s++ - '0');
    if (*s != end)
        return -1;
    *v = n;
    *p = s + 1;
    return 0;
}

static int parse_entry(char *line, id_entry *e)
{
    unsigned long long dev = 0, ino = 0, size = 0, ms = 0, mn = 0, cs = 0, cn = 0;
    char *p = line + 2;
    memset(e, 0, sizeof *e);
    e->kind = line[0];
    if (!line[0] || line[1] != ' ')
        return -1;
    switch (line[0]) {
    case 'P':
    case 'R':
        if (num(&p, &dev, ' ') || num(&p, &ino, ' ') || num(&p, &size, ' ') ||
            num(&p, &ms, '.') || num(&p, &mn, ' ') || num(&p, &cs, '.') || num(&p, &cn, ' ') ||
            strlen(p) < DIGEST_HEX_LEN + 1 || p[DIGEST_HEX_LEN] != ' ')
            return -1;
        memcpy(e->hash, p, DIGEST_HEX_LEN);
        e->hash[DIGEST_HEX_LEN] = '\0';
        p += DIGEST_HEX_LEN + 1;
        e->st.st_size = (off_t)size;
        break;
    case 'D':
        if (num(&p, &dev, ' ') || num(&p, &ino, ' ') || num(&p, &ms, '.') || num(&p, &mn, ' ') ||
            num(&p, &cs, '.') || num(&p, &cn, ' '))
            return -1;
        break;
    case 'L':
        if (!strncmp(p, "- - ", 4)) {
            e->absent = 1;
            p += 4;
        } else if (num(&p, &dev, ' ') || num(&p, &ino, ' ')) {
            return -1;
        }
        break;
    case 'T':
        break;
    default:
        return -1;
    }
    e->st.st_dev = (dev_t)dev;
    e->st.st_ino = (ino_t)ino;
    e->st.st_mtim.tv_sec = (time_t)ms;
    e->st.st_mtim.tv_nsec = (long)mn;
    e->st.st_ctim.tv_sec = (time_t)cs;
    e->st.st_ctim.tv_nsec = (long)cn;
    if (e->kind == 'P' || e->kind == 'R' || e->kind == 'L')
        return split_real(p, e);
    e->path = strdup(p);
    return e->path ? 0 : -1;
}

/* The entries a check needs (the T entries are in the digest only), and
 * the digest the record was written with ("I hash", last) into *id. */
static int parse_record(char *text, id_record *r, digest *id, int *have_id)
{
    char *save = NULL;
    char *line = strtok_r(text, "\n", &save);
    *have_id = 0;
    if (!line || strcmp(line, RECORD_MAGIC) != 0)
        return -1;
    while ((line = strtok_r(NULL, "\n", &save))) {
        if (*have_id)
            return -1; /* nothing after the digest */
        if (line[0] == 'T' && line[1] == ' ')
            continue;
        if (line[0] == 'I' && line[1] == ' ') {
            char *p = line + 2 + DIGEST_HEX_LEN + 1;
            unsigned long long size;
            if (strlen(line + 2) <= DIGEST_HEX_LEN + 1 || line[2 + DIGEST_HEX_LEN] != ' ' ||
                num(&p, &size, '\0'))
                return -1;
            memcpy(id->hash, line + 2, DIGEST_HEX_LEN);
            id->hash[DIGEST_HEX_LEN] = '\0';
            id->size_bytes = (int64_t)size;
            *have_id = 1;
            continue;
        }
        if (r->n == r->cap) {
            int cap = r->cap ? 2 * r->cap : 16;
            id_entry *grown = realloc(r->e, sizeof *grown * (size_t)cap);
            if (!grown)
                return -1;
            r->e = grown;
            r->cap = cap;
        }
        id_entry e;
        if (parse_entry(line, &e) != 0) {
            free(e.path);
            free(e.real);
            return -1;
        }
        r->e[r->n++] = e;
    }
    return *have_id && r->n > 0 && r->e[0].kind == 'P' ? 0 : -1;
}

static int gone(const char *path)
{
    struct stat st;
    return stat(path, &st) != 0 && (errno == ENOENT || errno == ENOTDIR);
}

/* Does every entry still hold?  The compiler's name must still lead to the
 * file of the first entry: a `cc` re-pointed from gcc to clang leaves both
 * files as they were. */
static int record_holds(const id_record *r, const char *compiler)
{
    char *real = realpath(compiler, NULL);
    int ok = real && !strcmp(real, r->e[0].real);
    free(real);
    for (int i = 0; i < r->n && ok; i++) {
        const id_entry *e = &r->e[i];
        struct stat st;
        switch (e->kind) {
        case 'P':
        case 'R':
            ok = stat(e->path, &st) == 0 && identity_same_file(&st, &e->st);
            break;
        case 'D':
            ok = stat(e->path, &st) == 0 && S_ISDIR(st.st_mode) && same_dir(&st, &e->st);
            break;
        case 'L':
            ok = e->absent ? gone(e->path)
                           : stat(e->path, &st) == 0 && st.st_dev == e->st.st_dev &&
                                 st.st_ino == e->st.st_ino;
            break;
        default:
            break;
        }
    }
    return ok;
}

static void record_digest(const id_record *r, digest *out)
{
    digest_ctx *c = digest_ctx_new();
    if (!c) {
        memset(out, 0, sizeof *out);
        return;
    }
    for (int i = 0; i < r->n; i++) {
        const id_entry *e = &r->e[i];
        switch (e->kind) {
        case 'P':
            digest_ctx_update(c, e->hash, DIGEST_HEX_LEN);
            digest_ctx_update(c, " ", 1);
            digest_ctx_update(c, e->real, strlen(e->real) + 1);
            break;
        case 'L':
        case 'T':
            digest_ctx_update(c, &e->kind, 1);
            digest_ctx_update(c, e->path, strlen(e->path) + 1);
            if (e->real)
                digest_ctx_update(c, e->real, strlen(e->real) + 1);
            break;
        default:
            break;
        }
    }
    digest_ctx_final(c, out);
}

/* ---- the record's name ---- */

static int list_relative(const char *v)
{
    if (!v)
        return 0;
    for (const char *p = v;;) {
        if (*p != '/')
            return 1;
        p = strchr(p, ':');
        if (!p)
            return 0;
        p++;
    }
}

/* Does a driver option or the environment name something relative to the
 * working directory?  (CCC_OVERRIDE_OPTIONS can add any option.) */
static int needs_cwd(const char *compiler, char *const *opts)
{
    static const char *const path_opts[] = {"-B", "--sysroot=", "-isysroot", "--gcc-toolchain=",
                                            "--gcc-install-dir=", "-specs=", "--specs=",
                                            "--ld-path=", NULL};
    if (compiler[0] != '/' || getenv("CCC_OVERRIDE_OPTIONS"))
        return 1;
    for (int i = 0; opts && opts[i]; i++) {
        const char *o = opts[i], *v = NULL;
        for (int k = 0; path_opts[k] && !v; k++)
            if (!strncmp(o, path_opts[k], strlen(path_opts[k])))
                v = o + strlen(path_opts[k]);
        if (v ? v[0] != '/' : strchr(o, '=') && strchr(o, '/') && !strstr(o, "=/"))
            return 1; /* -Btools/, -fuse-ld=./ld, ... */
    }
    for (int i = 0; search_env[i]; i++)
        if (strcmp(search_env[i], "CCC_OVERRIDE_OPTIONS") && list_relative(getenv(search_env[i])))
            return 1;
    return 0;
}

static char *record_path(const char *ricc_dir, const char *compiler, const char *const *progs,
                         char *const *opts, int *has_cwd)
{
    digest_ctx *dc = digest_ctx_new();
    if (!dc)
        return NULL;
    digest_ctx_update(dc, RECORD_MAGIC, sizeof RECORD_MAGIC);
    digest_ctx_update(dc, compiler, strlen(compiler) + 1);
    for (const char *const *p = progs; *p; p++)
        digest_ctx_update(dc, *p, strlen(*p) + 1);
    digest_ctx_update(dc, "\1", 1);
    for (int i = 0; opts && opts[i]; i++)
        digest_ctx_update(dc, opts[i], strlen(opts[i]) + 1);
    for (int i = 0; search_env[i]; i++) {
        const char *v = getenv(search_env[i]);
        digest_ctx_update(dc, "\1", 1);
        digest_ctx_update(dc, search_env[i], strlen(search_env[i]));
        if (v) {
            digest_ctx_update(dc, "=", 1);
            digest_ctx_update(dc, v, strlen(v) + 1);
        }
    }
    *has_cwd = needs_cwd(compiler, opts);
    if (*has_cwd) {
        char cwd[4096];
        if (!getcwd(cwd, sizeof cwd)) {
            digest pd;
            digest_ctx_final(dc, &pd);
            return NULL;
        }
        digest_ctx_update(dc, "\2", 1);
        digest_ctx_update(dc, cwd, strlen(cwd) + 1);
    }
    digest pd;
    digest_ctx_final(dc, &pd);
    char name[33];
    snprintf(name, sizeof name, "%.32s", pd.hash);
    return layout_path_dup(ricc_dir, LAYOUT_IDENTITY, name);
}

/* ---- the identity ---- */

const char *const *identity_programs(int lang)
{
    static const char *const c[] = {"cc1", "as", NULL}, *const cxx[] = {"cc1plus", "as", NULL},
                             *const objc[] = {"cc1obj", "as", NULL},
                             *const objcxx[] = {"cc1objplus", "as", NULL},
                             *const as[] = {"as", NULL},
                             *const all[] = {"cc1",      "cc1plus", "cc1obj",
                                             "as",       "collect2", "ld",
                                             "liblto_plugin.so", NULL};
    switch (lang) {
    case LANG_C: case LANG_C_PRE: case LANG_ASM_CPP: return c;
    case LANG_CXX: case LANG_CXX_PRE: return cxx;
    case LANG_OBJC: case LANG_OBJC_PRE: return objc;
    case LANG_OBJCXX: case LANG_OBJCXX_PRE: return objcxx;
    case LANG_ASM: return as;
    default: return all;
    }
}

/* A learned program into the identity: I' = H(I, hash, real). */
static void fold(digest *id, const id_entry *e)
{
    digest_ctx *c = digest_ctx_new();
    if (!c)
        return;
    digest_ctx_update(c, id->hash, DIGEST_HEX_LEN);
    digest_ctx_update(c, e->hash, DIGEST_HEX_LEN);
    digest_ctx_update(c, " ", 1);
    digest_ctx_update(c, e->real, strlen(e->real) + 1);
    digest_ctx_final(c, id);
}

/* old's learned programs (R entries) into rec, in their order, each hashed
 * again only if it changed, and folded into *id: what the driver answers
 * anew (a re-pointed link, an edited program) does not make the identity
 * forget what compiles were seen running.  One that is gone is dropped. */
static int carry_learned(id_record *rec, const id_record *old, digest *id)
{
    for (int i = 0; i < old->n; i++) {
        const id_entry *o = &old->e[i];
        struct stat st;
        if (o->kind != 'R' || stat(o->real, &st) != 0)
            continue;
        id_entry *e = identity_record_add(rec, 'R', o->path, o->real);
        if (!e)
            return -1;
        e->st = st;
        digest d;
        if (identity_same_file(&st, &o->st))
            memcpy(e->hash, o->hash, sizeof e->hash);
        else if (digest_file(o->real, &d) == 0)
            memcpy(e->hash, d.hash, DIGEST_HEX_LEN + 1);
        else
            return -1;
        fold(id, e);
    }
    return 0;
}

int compiler_identity_for(const char *compiler, const char *ricc_dir, const char *const *progs,
                          char *const *driver_opts, digest *out)
{
    int has_cwd = 0;
    char *rec_path = ricc_dir ? record_path(ricc_dir, compiler, progs, driver_opts, &has_cwd)
                              : NULL;
    id_record old = {0};
    char *text;
    size_t len;
    if (rec_path && fs_read_kept(rec_path, &text, &len) == 0) {
        int have_id;
        int ok = parse_record(text, &old, out, &have_id) == 0 && record_holds(&old, compiler);
        free(text);
        if (ok) {
            record_free(&old);
            free(rec_path);
            return 0;
        }
        /* What it holds is still worth something: the hashes of the
         * files that did not change (add_part). */
    }

    id_record rec = {.has_cwd = has_cwd};
    int rc = identity_compute(&rec, &old, compiler, driver_opts, progs);
    if (rc == 0) {
        record_digest(&rec, out);
        rc = carry_learned(&rec, &old, out);
    }
    if (rc == 0) {
        tbuf b = {0};
        int unstorable = rec.unstorable;
        tbuf_put(&b, RECORD_MAGIC "\n", sizeof RECORD_MAGIC);
        for (int i = 0; i < rec.n; i++)
            format_entry(&rec, &rec.e[i], &b, &unstorable);
        char id[DIGEST_HEX_LEN + 32];
        int n = snprintf(id, sizeof id, "I %s %lld\n", out->hash, (long long)out->size_bytes);
        tbuf_put(&b, id, (size_t)n);
        if (rec_path && !unstorable && !b.failed &&
            fs_write_keep(rec_path, b.p, b.len, 0644) != 0)
            LOG_D("cannot record compiler identity in %s: %s", rec_path, strerror(errno));
        free(b.p);
    }
    record_free(&rec);
    record_free(&old);
    free(rec_path);
    return rc;
}

int identity_uncovered(const char *compiler, const char *ricc_dir, const char *const *progs,
                       char *const *driver_opts, char **reals, int n)
{
    int has_cwd = 0;
    char *rec_path = ricc_dir ? record_path(ricc_dir, compiler, progs, driver_opts, &has_cwd)
                              : NULL;
    char *text;
    size_t len;
    id_record r = {0};
    if (rec_path && fs_read_kept(rec_path, &text, &len) == 0) {
        digest id;
        int have_id;
        if (parse_record(text, &r, &id, &have_id) != 0)
            record_free(&r);
        free(text);
    }
    free(rec_path);
    int k = 0;
    for (int i = 0; i < n; i++) {
        int found = 0;
        for (int j = 0; j < r.n && !found; j++)
            found = (r.e[j].kind == 'P' || r.e[j].kind == 'R') && r.e[j].real &&
                    !strcmp(r.e[j].real, reals[i]);
        if (found)
            free(reals[i]);
        else
            reals[k++] = reals[i];
    }
    record_free(&r);
    return k;
}

int identity_learn(const char *compiler, const char *ricc_dir, const char *const *progs,
                   char *const *driver_opts, const digest *current, char *const *reals, int n,
                   digest *out)
{
    int has_cwd = 0, rc = -1;
    char *rec_path = ricc_dir ? record_path(ricc_dir, compiler, progs, driver_opts, &has_cwd)
                              : NULL;
    char *text = NULL, *copy = NULL;
    size_t len;
    id_record r = {.has_cwd = has_cwd}, learned = {.has_cwd = has_cwd};
    digest id;
    int have_id;
    if (!rec_path || fs_read_kept(rec_path, &text, &len) != 0 || !(copy = strdup(text)) ||
        parse_record(copy, &r, &id, &have_id) != 0 || !digest_equal(&id, current))
        goto out; /* (another call's record now) */
    /* The record without its last line ("I ..."), then the new entries. */
    char *last = len > 1 ? memrchr(text, '\n', len - 1) : NULL;
    if (!last || strncmp(last + 1, "I ", 2) != 0)
        goto out;
    tbuf b = {0};
    tbuf_put(&b, text, (size_t)(last + 1 - text));
    int unstorable = 0;
    for (int i = 0; i < n; i++) {
        id_entry *e = identity_record_add(&learned, 'R', reals[i], reals[i]);
        digest d;
        if (!e || stat(reals[i], &e->st) != 0 || digest_file(reals[i], &d) != 0)
            goto out_b;
        memcpy(e->hash, d.hash, DIGEST_HEX_LEN + 1);
        fold(&id, e);
        format_entry(&learned, e, &b, &unstorable);
    }
    *out = id;
    char line[DIGEST_HEX_LEN + 32];
    int k = snprintf(line, sizeof line, "I %s %lld\n", out->hash, (long long)out->size_bytes);
    tbuf_put(&b, line, (size_t)k);
    rc = unstorable || b.failed || fs_write_keep(rec_path, b.p, b.len, 0644) != 0 ? -1 : 0;
out_b:
    free(b.p);
out:
    record_free(&r);
    record_free(&learned);
    free(copy);
    free(text);
    free(rec_path);
    return rc;
}

int compiler_identity(const char *compiler, const char *ricc_dir, const char *const *progs,
                      digest *out)
{
    return compiler_identity_for(compiler, ricc_dir, progs, NULL, out);
}

