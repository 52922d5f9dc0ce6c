/* SPDX-License-Identifier: Apache-2.0 */
/* explain.c — a miss's reason: the closest manifest entry, or the call's
 * record of its last key parts (explain.h for the design).
 *
 * The record is text, one part a line: a tag letter, a space, the value
 * with '\\' and newline escaped.  Tags: M manifest key, C compiler path,
 * T toolchain-or-identity digest, K 1 when T is a toolchain digest, S the
 * source's path, D its digest, A an argument, E an environment variable
 * (NAME=VALUE), P a platform property, W the working directory, O an
 * output, L a salt line.  Parts are read back in the order written; an
 * unknown tag is skipped (an older ricc reading a newer record). */
#include "wrapper/flows/explain.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/local/layout.h"
#include "cache/reapi/reapi.h"
#include "cache/util/fsutil.h"
#include "cache/util/log.h"
#include "wrapper/direct/manifest.h"
#include "wrapper/flows/flow_int.h"
#include "wrapper/util/tbuf.h"

/* ---- the record's path and bytes ---- */

/* dir/why/<hash of cwd and the first output>, malloc'd, or NULL. */
char *explain_record_path(const call *c, const char *dir)
{
    if (c->cmd.n_outputs < 1)
        return NULL;
    digest_ctx *dc = digest_ctx_new();
    if (!dc)
        return NULL;
    const char *out = c->cmd.outputs[0].path;
    digest_ctx_update(dc, "ricc-why-1", 11);
    digest_ctx_update(dc, c->p.cwd, strlen(c->p.cwd) + 1);
    digest_ctx_update(dc, out, strlen(out) + 1);
    digest d;
    digest_ctx_final(dc, &d);
    char name[33];
    snprintf(name, sizeof name, "%.32s", d.hash);
    return layout_path_dup(dir, LAYOUT_WHY, name);
}

static void put(tbuf *b, char tag, const char *v)
{
    char head[2] = {tag, ' '};
    tbuf_put(b, head, 2);
    for (const char *p = v ? v : ""; *p; p++) {
        if (*p == '\\')
            tbuf_put(b, "\\\\", 2);
        else if (*p == '\n')
            tbuf_put(b, "\\n", 2);
        else
            tbuf_put(b, p, 1);
    }
    tbuf_put(b, "\n", 1);
}

static void put_pair(tbuf *b, char tag, const char *name, const char *value)
{
    size_t n = strlen(name) + strlen(value ? value : "") + 2;
    char *s = malloc(n);
    if (!s) {
        b->failed = 1;
        return;
    }
    snprintf(s, n, "%s=%s", name, value ? value : "");
    put(b, tag, s);
    free(s);
}

static void put_digest(tbuf *b, char tag, const digest *d)
{
    char s[DIGEST_STR_MAX];
    snprintf(s, sizeof s, "%s/%lld", d->hash, (long long)d->size_bytes);
    put(b, tag, s);
}

/* c's key parts as record text (b->failed on trouble). */
static void parts_of(const call *c, tbuf *b)
{
    put_digest(b, 'M', &c->mkey);
    put(b, 'C', c->compiler);
    put_digest(b, 'T', &c->toolkey);
    put(b, 'K', c->in.toolchain ? "1" : "0");
    put(b, 'S', c->cmd.source);
    put_digest(b, 'D', &c->src);
    reapi_command *cmd =
        build__bazel__remote__execution__v2__command__unpack(NULL, c->key.command_len,
                                                             c->key.command_blob);
    if (!cmd) {
        b->failed = 1;
        return;
    }
    for (size_t i = 0; i < cmd->n_arguments; i++)
        put(b, 'A', cmd->arguments[i]);
    for (size_t i = 0; i < cmd->n_environment_variables; i++)
        put_pair(b, 'E', cmd->environment_variables[i]->name,
                 cmd->environment_variables[i]->value);
    for (size_t i = 0; cmd->platform && i < cmd->platform->n_properties; i++)
        put_pair(b, 'P', cmd->platform->properties[i]->name, cmd->platform->properties[i]->value);
    put(b, 'W', cmd->working_directory);
    for (size_t i = 0; i < cmd->n_output_paths; i++)
        put(b, 'O', cmd->output_paths[i]);
    build__bazel__remote__execution__v2__command__free_unpacked(cmd, NULL);
    const char *s = c->key.salt_base;
    while (s && *s) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        char *line = strndup(s, n);
        if (!line) {
            b->failed = 1;
            return;
        }
        put(b, 'L', line);
        free(line);
        s += n + (nl != NULL);
    }
}

/* ---- parts, parsed ---- */

typedef struct part {
    char tag;
    char *v;
} part;

typedef struct parts {
    int n;
    part *p;
} parts;

static void parts_free(parts *ps)
{
    for (int i = 0; i < ps->n; i++)
        free(ps->p[i].v);
    free(ps->p);
    ps->p = NULL;
    ps->n = 0;
}

/* Parse record text (taken: modified in place).  0 or -1. */
static int parts_parse(char *text, parts *out)
{
    out->n = 0;
    out->p = NULL;
    int cap = 0;
    for (char *line = text; *line;) {
        char *nl = strchr(line, '\n');
        if (!nl)
            break;
        *nl = '\0';
        if (line[0] && line[1] == ' ') {
            if (out->n == cap) {
                cap = cap ? cap * 2 : 64;
                part *np = realloc(out->p, (size_t)cap * sizeof *np);
                if (!np)
                    return -1;
                out->p = np;
            }
            char *v = malloc(strlen(line + 2) + 1), *w = v;
            if (!v)
                return -1;
            for (const char *r = line + 2; *r; r++) {
                if (*r == '\\' && r[1]) {
                    r++;
                    *w++ = *r == 'n' ? '\n' : *r;
                } else {
                    *w++ = *r;
                }
            }
            *w = '\0';
            out->p[out->n].tag = line[0];
            out->p[out->n].v = v;
            out->n++;
        }
        line = nl + 1;
    }
    return 0;
}

static const char *first(const parts *ps, char tag)
{
    for (int i = 0; i < ps->n; i++)
        if (ps->p[i].tag == tag)
            return ps->p[i].v;
    return NULL;
}

/* The values of tag, in order (pointers into ps), NULL-terminated; *n. */
static const char **all(const parts *ps, char tag, int *n)
{
    const char **v = calloc((size_t)ps->n + 1, sizeof *v);
    *n = 0;
    for (int i = 0; v && i < ps->n; i++)
        if (ps->p[i].tag == tag)
            v[(*n)++] = ps->p[i].v;
    return v;
}

static int same(const char *a, const char *b)
{
    return a && b ? !strcmp(a, b) : a == b;
}

/* ---- comparing ---- */

typedef struct cmp {
    miss_why *out;
    int found;      /* differences found so far */
} cmp;

/* The first difference names the reason and its detail; later ones count. */
static void differs(cmp *k, enum miss_reason r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void differs(cmp *k, enum miss_reason r, const char *fmt, ...)
{
    if (k->found++)
        return;
    k->out->reason = r;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(k->out->detail, sizeof k->out->detail, fmt, ap);
    va_end(ap);
}

static const char *short_digest(const char *v, char *buf, size_t cap)
{
    /* "hash/size" shown whole: the digests are what a user compares with
     * sha256sum and stat. */
    snprintf(buf, cap, "%s", v ? v : "(none)");
    return buf;
}

/* Lists of tag (arguments, outputs): the first place they part. */
static void compare_list(cmp *k, const parts *old, const parts *now, char tag, enum miss_reason r,
                         const char *what)
{
    int no, nn;
    const char **a = all(old, tag, &no), **b = all(now, tag, &nn);
    if (!a || !b) {
        free(a);
        free(b);
        return;
    }
    int i = 0;
    while (i < no && i < nn && !strcmp(a[i], b[i]))
        i++;
    if (i == no && i == nn)
        goto out;
    /* One added or removed, the rest alike: say which. */
    int tail = 1;
    if (nn == no + 1) {
        for (int j = i; j < no && tail; j++)
            tail = !strcmp(a[j], b[j + 1]);
        if (tail) {
            differs(k, r, "%s %d added: '%s'", what, i, b[i]);
            goto out;
        }
    } else if (no == nn + 1) {
        for (int j = i; j < nn && tail; j++)
            tail = !strcmp(a[j + 1], b[j]);
        if (tail) {
            differs(k, r, "%s %d removed: '%s'", what, i, a[i]);
            goto out;
        }
    }
    if (i < no && i < nn)
        differs(k, r, "%s %d was '%s', now '%s'", what, i, a[i], b[i]);
    else if (i < nn)
        differs(k, r, "%s %d added: '%s'", what, i, b[i]);
    else
        differs(k, r, "%s %d removed: '%s'", what, i, a[i]);
out:
    free(a);
    free(b);
}

/* NAME=VALUE sets of tag (environment, platform): each name that differs. */
static void compare_map(cmp *k, const parts *old, const parts *now, char tag, enum miss_reason r,
                        const char *what, const char *skip)
{
    int no, nn;
    const char **a = all(old, tag, &no), **b = all(now, tag, &nn);
    for (int pass = 0; a && b && pass < 2; pass++) {
        const char **x = pass ? b : a, **y = pass ? a : b;
        int nx = pass ? nn : no, ny = pass ? no : nn;
        for (int i = 0; i < nx; i++) {
            const char *eq = strchr(x[i], '=');
            size_t len = eq ? (size_t)(eq - x[i]) : strlen(x[i]);
            if (skip && strlen(skip) == len && !strncmp(x[i], skip, len))
                continue;
            const char *other = NULL;
            for (int j = 0; j < ny && !other; j++)
                if (!strncmp(y[j], x[i], len) && y[j][len] == '=')
                    other = y[j] + len + 1;
            const char *val = eq ? eq + 1 : "";
            if (!other)
                differs(k, r, "%s %.*s %s (%s '%s')", what, (int)len, x[i],
                        pass ? "is set now" : "is not set now", pass ? "now" : "was", val);
            else if (!pass && strcmp(other, val) != 0)
                differs(k, r, "%s %.*s was '%s', now '%s'", what, (int)len, x[i], val, other);
        }
    }
    free(a);
    free(b);
}

/* Compare the record (old) with this call's parts (now), in the order of
 * explain.h.  The number of differences. */
static int compare(const parts *old, const parts *now, miss_why *out)
{
    cmp k = {out, 0};
    char b1[DIGEST_STR_MAX], b2[DIGEST_STR_MAX];
    const char *ot = first(old, 'T'), *nt = first(now, 'T');
    int ok_ = same(first(old, 'K'), "1"), nk = same(first(now, 'K'), "1");
    if (ok_ || nk) {
        if (!same(ot, nt) || ok_ != nk)
            differs(&k, MISS_TOOLCHAIN_CHANGED,
                    "the toolchain digest (RECC_REMOTE_PLATFORM_chrootRootDigest) was %s, now %s",
                    ok_ ? short_digest(ot, b1, sizeof b1) : "not set",
                    nk ? short_digest(nt, b2, sizeof b2) : "not set");
    } else if (!same(first(old, 'C'), first(now, 'C'))) {
        differs(&k, MISS_TOOLCHAIN_CHANGED, "the compiler was %s, now %s", first(old, 'C'),
                first(now, 'C'));
    } else if (!same(ot, nt)) {
        differs(&k, MISS_TOOLCHAIN_CHANGED,
                "the compiler %s changed (its identity was %s, now %s)", first(now, 'C'),
                short_digest(ot, b1, sizeof b1), short_digest(nt, b2, sizeof b2));
    }
    compare_list(&k, old, now, 'A', MISS_ARGS_CHANGED, "argument");
    compare_map(&k, old, now, 'E', MISS_ENV_CHANGED, "environment variable", NULL);
    compare_map(&k, old, now, 'P', MISS_SETTINGS_CHANGED, "remote platform property",
                "chrootRootDigest");
    if (!same(first(old, 'W'), first(now, 'W')))
        differs(&k, MISS_SETTINGS_CHANGED, "the working directory in the key was '%s', now '%s'",
                first(old, 'W'), first(now, 'W'));
    compare_list(&k, old, now, 'O', MISS_SETTINGS_CHANGED, "output");
    /* The salt's compiler= line is the identity, said above. */
    int no, nn;
    const char **a = all(old, 'L', &no), **b = all(now, 'L', &nn);
    for (int i = 0; a && b && i < no + nn; i++) {
        const char *x = i < no ? a[i] : b[i - no];
        const char **y = i < no ? b : a;
        int ny = i < no ? nn : no, found = 0;
        for (int j = 0; j < ny && !found; j++)
            found = !strcmp(x, y[j]);
        if (found || !strncmp(x, "compiler=", 9))
            continue;
        enum miss_reason r = !strncmp(x, "absolute-arg=", 13) ? MISS_ARGS_CHANGED
                                                                : MISS_SETTINGS_CHANGED;
        differs(&k, r, "the key %s '%s'%s", i < no ? "no longer holds" : "now holds", x,
                !strncmp(x, "cwd=", 4) || !strncmp(x, "pwd=", 4)
                    ? " (the output records the working directory)"
                : !strncmp(x, "base=", 5) ? " (the output records the checkout's directory)"
                : !strncmp(x, "absolute-arg=", 13) ? " (an argument given as an absolute path)"
                                                   : "");
    }
    free(a);
    free(b);
    const char *od = first(old, 'D'), *nd = first(now, 'D');
    if (!same(od, nd))
        differs(&k, MISS_INPUT_CHANGED, "%s was %s, now %s", first(now, 'S'),
                short_digest(od, b1, sizeof b1), short_digest(nd, b2, sizeof b2));
    return k.found;
}

/* ---- the miss ---- */

static void say(miss_why *out, enum miss_reason r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(miss_why *out, enum miss_reason r, const char *fmt, ...)
{
    out->reason = r;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->detail, sizeof out->detail, fmt, ap);
    va_end(ap);
}

/* From the manifest's closest entry: 1 when it said why, else 0. */
static int from_manifest(call *c, store *st, miss_why *out, int *had)
{
    char *bytes;
    size_t len;
    *had = 0;
    if (!st || c->p.cfg->no_direct || store_get(st, STORE_MANIFEST, &c->mkey, &bytes, &len) != 0)
        return 0;
    manifest *m = manifest_parse(bytes, len);
    free(bytes);
    if (!m)
        return 0;
    *had = 1 + manifest_scan_only(m);
    manifest_diff d;
    manifest_explain(m, keybase_paths_base(&c->key.kb), &d);
    manifest_free(m);
    char w[DIGEST_STR_MAX], n[DIGEST_STR_MAX];
    snprintf(w, sizeof w, "%s/%lld", d.was.hash, (long long)d.was.size_bytes);
    snprintf(n, sizeof n, "%s/%lld", d.now.hash, (long long)d.now.size_bytes);
    switch (d.kind) {
    case MDIFF_EMPTY:
        return 0;
    case MDIFF_FILE:
        say(out, MISS_INPUT_CHANGED, "%s was %s, now %s", d.path, w, n);
        break;
    case MDIFF_GONE:
        say(out, MISS_INPUT_CHANGED, "%s is gone (was %s)", d.path, w);
        break;
    case MDIFF_APPEARED:
        say(out, MISS_HEADER_APPEARED,
            "%s now exists (the cached compile's search found a header after it, or a tool "
            "looked for it and did not find it)", d.path);
        break;
    case MDIFF_PRESENT:
        say(out, MISS_INPUT_CHANGED, "%s (found by the include search) was %s, now %s", d.path,
            w, d.now.hash[0] ? n : "(not a file)");
        break;
    case MDIFF_DATE:
        say(out, MISS_DATE_CHANGED, "an input uses __DATE__, cached on %s", d.date);
        break;
    case MDIFF_NONE:
        say(out, MISS_RESULT_GONE,
            "the manifest names action %s, whose result is not in the cache (evicted, cleared, "
            "or not stored)", d.action.hash);
        break;
    }
    if (d.n_entries > 1 && d.kind != MDIFF_NONE) {
        size_t used = strlen(out->detail);
        snprintf(out->detail + used, sizeof out->detail - used,
                 " (closest of %d entries: %d of %d files alike)", d.n_entries, d.matched,
                 d.total);
    }
    return 1;
}

void explain_miss(call *c, store *st, miss_why *out)
{
    out->reason = MISS_OTHER;
    snprintf(out->detail, sizeof out->detail, "no part of the key could be named");
    int had;
    if (from_manifest(c, st, out, &had))
        return;
    char *path = explain_record_path(c, c->p.cfg->dir), *text = NULL;
    size_t len;
    if (!path || fs_read_file(path, &text, &len) != 0) {
        free(path);
        if (had == 2)
            say(out, MISS_INPUT_CHANGED,
                "an input changed (this call's include set cannot be proven, so no manifest "
                "entry names its headers)");
        else
            say(out, MISS_NEW, "nothing was cached for this call (%s in %s) before",
                c->cmd.outputs[0].path, c->p.cwd);
        return;
    }
    free(path);
    tbuf now = {0};
    parts_of(c, &now);
    parts po = {0}, pn = {0};
    if (!now.failed && parts_parse(text, &po) == 0 && parts_parse(now.p, &pn) == 0) {
        int n = compare(&po, &pn, out);
        if (n > 1) {
            size_t used = strlen(out->detail);
            snprintf(out->detail + used, sizeof out->detail - used, " (and %d more difference%s)",
                     n - 1, n > 2 ? "s" : "");
        } else if (n == 0) {
            if (c->p.cfg->no_direct || had == 2)
                say(out, MISS_INPUT_CHANGED,
                    "an included file changed (the key's other parts are as last cached; %s)",
                    c->p.cfg->no_direct ? "direct mode is off, whose manifest would name it"
                                        : "this call's include set cannot be proven");
            else
                say(out, MISS_RESULT_GONE,
                    "the key's parts are as last cached, but its manifest is gone (evicted or "
                    "cleared)");
        }
    }
    parts_free(&po);
    parts_free(&pn);
    free(now.p);
    free(text);
}

void explain_log(const miss_why *w)
{
    LOG_I("cache miss (%s): %s", miss_reason_name(w->reason), w->detail);
}

void explain_record(call *c)
{
    char *path = explain_record_path(c, c->p.cfg->dir);
    tbuf b = {0};
    if (!path)
        return;
    parts_of(c, &b);
    if (!b.failed &&
        atomic_write_file(path, b.p, b.len, 0666) != 0 &&
        (errno != ENOENT || layout_make_parent(path) != 0 ||
         atomic_write_file(path, b.p, b.len, 0666) != 0))
        LOG_D("cannot write %s: %s", path, strerror(errno));
    free(b.p);
    free(path);
}
