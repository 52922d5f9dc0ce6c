/* SPDX-License-Identifier: Apache-2.0 */
/* relocate.c — see relocate.h for the contract.
 *
 * Text streams are plain substitution: a marker byte for the base on the
 * way in, this call's base on the way out.  The boundary rule (a whole
 * path prefix) keeps /w/a from matching inside /w/ab or /x/w/a.
 *
 * Dependency files cannot be substituted: gcc wraps its one rule at column
 * 72, so a base or a target of another length moves every line break after
 * it, and the bytes gcc would write in the other checkout are not the
 * stored bytes with the base swapped.  So a file is parsed into its names
 * and written again by an emitter that follows gcc's rule (found by running
 * gcc 12 over names of every length; tests/unit/test_relocate.c does it
 * again):
 *
 *   - the first target at column 0; every later name, targets and
 *     prerequisites alike, is preceded by " " — or by " \\\n " when the
 *     bytes already on the line plus the name's length (the space before
 *     it not counted) would pass 72, however long the name;
 *   - ':' follows the last target directly and counts one column;
 *   - "\n" ends the rule; with -MP, "name:\n" for every prerequisite but
 *     the first.
 *
 * Storing refuses any file this emitter does not reproduce byte for byte
 * from what it parsed: then, and only then, re-emitting with another base
 * or other targets gives what gcc writes there (the emitter's one input is
 * the list of names).  The stored form is written by the same emitter, and
 * restoring checks it is, so no byte of a corrupt entry reaches the output
 * unchecked.  Names stay in their escaped spelling throughout: gcc measures
 * escaped lengths, and the base is matched by its escaped spelling. */
#include "wrapper/key/relocate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wrapper/util/tbuf.h"

#define DEP_COLUMNS 72

/* A name as emitted: pre (a replaced prefix, or nothing) then s. */
typedef struct tok {
    const char *pre, *s;
    size_t npre, n;
} tok;

/* A parsed rule: targets t[0..ntargets), prerequisites the rest; phony if
 * anything (the -MP lines) follows the rule's line. */
typedef struct rule {
    tok *t;
    size_t n, ntargets;
    int phony;
} rule;

static char *refuse(void)
{
    errno = EINVAL;
    return NULL;
}

/* Absolute, no trailing '/' (so not "/": a base that would match every
 * path), and nothing that could not stand in a rule's line. */
static int valid_base(const char *base)
{
    return base && base[0] == '/' && base[strlen(base) - 1] != '/' &&
           !strpbrk(base, "\n\x01\x02");
}

static int has_marker(const char *p, size_t len)
{
    return memchr(p, RELOCATE_BASE, len) || memchr(p, RELOCATE_TARGETS, len);
}

/* The buffer as the result: owned by the caller, or NULL (ENOMEM). */
static char *finish(tbuf *b, size_t *out_len)
{
    if (b->failed || tbuf_add(b, "", 0) != 0) { /* "" makes an empty result a buffer */
        free(b->p);
        errno = ENOMEM;
        return NULL;
    }
    *out_len = b->len;
    return b->p;
}

static int is_path_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("._+@~,%=-/", c));
}

char *relocate_text_store(const char *text, size_t len, const char *base, size_t *out_len)
{
    text = len ? text : ""; /* the mem*() functions want a pointer */
    if (!valid_base(base) || has_marker(text, len))
        return refuse();
    size_t bn = strlen(base), i = 0;
    char mark = RELOCATE_BASE;
    tbuf b = {0};
    while (i < len) {
        const char *hit = memmem(text + i, len - i, base, bn);
        size_t at = hit ? (size_t)(hit - text) : len;
        tbuf_put(&b, text + i, at - i);
        if (!hit)
            break;
        size_t after = at + bn;
        if ((at == 0 || !is_path_char((unsigned char)text[at - 1])) &&
            (after == len || text[after] == '/' || !is_path_char((unsigned char)text[after]))) {
            tbuf_put(&b, &mark, 1);
            i = after;
        } else {
            tbuf_put(&b, text + at, 1);
            i = at + 1;
        }
    }
    return finish(&b, out_len);
}

char *relocate_text_restore(const char *stored, size_t len, const char *base, size_t *out_len)
{
    stored = len ? stored : "";
    if (!valid_base(base) || memchr(stored, RELOCATE_TARGETS, len))
        return refuse();
    size_t bn = strlen(base), i = 0;
    tbuf b = {0};
    while (i < len) {
        const char *m = memchr(stored + i, RELOCATE_BASE, len - i);
        size_t at = m ? (size_t)(m - stored) : len;
        tbuf_put(&b, stored + i, at - i);
        if (m)
            tbuf_put(&b, base, bn);
        i = at + 1;
    }
    return finish(&b, out_len);
}

/* gcc's escaping of a name (its spelling in a dependency file). */
static char *quote(const char *name)
{
    char *q = malloc(2 * strlen(name) + 1), *o = q;
    size_t slashes = 0;
    if (!q)
        return NULL;
    for (const char *p = name; *p; p++) {
        if (*p == '\\') {
            slashes++;
        } else {
            if (*p == ' ' || *p == '\t') {
                /* make reads 2k+1 backslashes and a space as k backslashes
                 * and a space in the name */
                memset(o, '\\', slashes + 1);
                o += slashes + 1;
            } else if (*p == '#') {
                *o++ = '\\';
            } else if (*p == '$') {
                *o++ = '$';
            }
            slashes = 0;
        }
        *o++ = *p;
    }
    *o = '\0';
    return q;
}

char *relocate_make_quote(const char *name)
{
    if (!name)
        return refuse();
    /* gcc drops a leading "./" and the slashes after it */
    while (name[0] == '.' && name[1] == '/') {
        name += 2;
        while (*name == '/')
            name++;
    }
    if (!*name)
        return refuse();
    char *q = quote(name);
    if (!q)
        errno = ENOMEM;
    return q;
}

/* Write one name at column col the gcc way; the new column. */
static size_t put_name(tbuf *b, const tok *t, size_t col)
{
    size_t size = t->npre + t->n;
    if (col) {
        if (col + size > DEP_COLUMNS) {
            tbuf_put(b, " \\\n", 3);
            col = 0;
        }
        tbuf_put(b, " ", 1);
        col++;
    }
    tbuf_put(b, t->pre, t->npre);
    tbuf_put(b, t->s, t->n);
    return col + size;
}

/* The rule as gcc writes it (nothing at all without prerequisites). */
static void emit(tbuf *b, const tok *tg, size_t ntg, const tok *dp, size_t ndp, int phony)
{
    size_t col = 0;
    if (ndp == 0)
        return;
    for (size_t i = 0; i < ntg; i++)
        col = put_name(b, &tg[i], col);
    tbuf_put(b, ":", 1);
    col++;
    for (size_t i = 0; i < ndp; i++)
        col = put_name(b, &dp[i], col);
    tbuf_put(b, "\n", 1);
    for (size_t i = 1; phony && i < ndp; i++) {
        tbuf_put(b, dp[i].pre, dp[i].npre);
        tbuf_put(b, dp[i].s, dp[i].n);
        tbuf_put(b, ":\n", 2);
    }
}

/* Split the rule's line into names.  A space or tab ends a name unless an
 * odd number of backslashes precedes it (gcc's escape); the first name
 * ending in ':' ends the targets.  Anything the emitter would not write is
 * left for load()'s byte-for-byte check to refuse.  0, or an errno (r->t
 * then NULL). */
static int parse(const char *text, size_t len, rule *r)
{
    const char *p = text, *end = text + len;
    size_t cap = 0;
    int in_targets = 1, err = EINVAL;
    memset(r, 0, sizeof *r);
    while (p < end) {
        const char *s = p;
        size_t slashes = 0;
        while (p < end && *p != '\n' && ((*p != ' ' && *p != '\t') || slashes % 2)) {
            slashes = *p == '\\' ? slashes + 1 : 0;
            p++;
        }
        size_t n = (size_t)(p - s);
        if (in_targets && n > 0 && s[n - 1] == ':') {
            in_targets = 0;
            r->ntargets = r->n + 1;
            n--;
        }
        if (n == 0)
            break;
        if (r->n == cap) {
            cap = cap ? 2 * cap : 64;
            tok *t = realloc(r->t, cap * sizeof *t);
            if (!t) {
                err = ENOMEM;
                break;
            }
            r->t = t;
        }
        r->t[r->n++] = (tok){"", s, 0, n};
        if (p == end)
            break; /* gcc ends the rule with a newline */
        if (*p == '\n') {
            if (in_targets)
                break;
            r->phony = ++p < end;
            return 0;
        }
        p += (end - p >= 4 && !memcmp(p, " \\\n ", 4)) ? 4 : 1;
    }
    free(r->t);
    r->t = NULL;
    return err;
}

/* Does emitting r give exactly text?  0, or an errno. */
static int reproduces(const rule *r, const char *text, size_t len)
{
    tbuf b = {0};
    emit(&b, r->t, r->ntargets, r->t + r->ntargets, r->n - r->ntargets, r->phony);
    int err = b.failed ? ENOMEM : b.len == len && (!len || !memcmp(b.p, text, len)) ? 0 : EINVAL;
    free(b.p);
    return err;
}

/* Where store and restore start: base checked, its escaped spelling in
 * *q, text parsed into r and found to be exactly what the emitter writes.
 * 0, or an errno; *q and r->t are to be freed either way. */
static int load(const char *text, size_t len, const char *base, char **q, rule *r)
{
    memset(r, 0, sizeof *r);
    *q = NULL;
    if (!valid_base(base) || memchr(text, '\0', len))
        return EINVAL;
    if (!(*q = quote(base)))
        return ENOMEM;
    int err = parse(text, len, r);
    return err ? err : reproduces(r, text, len);
}

/* Does t's spelling start with q (the escaped base) as a whole path prefix? */
static int under_base(const tok *t, const char *q, size_t qn)
{
    return t->n >= qn && !memcmp(t->s, q, qn) && (t->n == qn || t->s[qn] == '/');
}

/* Are the targets t[0..n) spelled as the NULL-terminated list says? */
static int targets_are(const tok *t, size_t n, const char *const *list)
{
    size_t i = 0;
    for (; i < n && list[i]; i++)
        if (strlen(list[i]) != t[i].n || memcmp(list[i], t[i].s, t[i].n))
            return 0;
    return i == n && !list[i];
}

/* Is list a usable target list: names neither empty nor holding a newline
 * or a marker?  Then its names as toks (malloc'd) in *t. */
static int target_toks(const char *const *list, tok **t, size_t *n)
{
    *t = NULL;
    for (*n = 0; list && list[*n]; ++*n)
        if (!list[*n][0] || strpbrk(list[*n], "\n\x01\x02"))
            return EINVAL;
    if (*n == 0)
        return EINVAL;
    if (!(*t = malloc(*n * sizeof **t)))
        return ENOMEM;
    for (size_t i = 0; i < *n; i++)
        (*t)[i] = (tok){"", list[i], 0, strlen(list[i])};
    return 0;
}

/* The rule as the result, and the cleanup both functions share. */
static char *conclude(int err, tbuf *b, char *q, rule *r, tok *tg, size_t *out_len)
{
    char *out = err ? NULL : finish(b, out_len);
    if (err) {
        free(b->p);
        errno = err;
    }
    free(q);
    free(r->t);
    free(tg);
    return out;
}

char *relocate_dep_store(const char *text, size_t len, const char *base,
                         const char *const *expected_targets, int canon, size_t *out_len)
{
    static const char base_mark[] = {RELOCATE_BASE}, targets_mark[] = {RELOCATE_TARGETS};
    text = len ? text : "";
    if (has_marker(text, len))
        return refuse();
    char *q;
    rule r;
    tbuf b = {0};
    int err = load(text, len, base, &q, &r);
    if (!err && ((!canon && strcmp(q, base)) ||
                 (expected_targets && !targets_are(r.t, r.ntargets, expected_targets))))
        err = EINVAL;
    if (!err) {
        size_t qn = strlen(q), nt = r.ntargets;
        for (size_t i = canon ? nt : 0; i < r.n; i++)
            if (under_base(&r.t[i], q, qn))
                r.t[i] = (tok){base_mark, r.t[i].s + qn, 1, r.t[i].n - qn};
        tok canon_target = {"", targets_mark, 0, 1};
        emit(&b, canon ? &canon_target : r.t, canon ? 1 : nt, r.t + nt, r.n - nt, r.phony);
    }
    return conclude(err, &b, q, &r, NULL, out_len);
}

char *relocate_dep_restore(const char *stored, size_t len, const char *base,
                           const char *const *targets, size_t *out_len)
{
    stored = len ? stored : "";
    char *q;
    rule r;
    tbuf b = {0};
    tok *tg = NULL;
    size_t ntg = 0;
    int err = load(stored, len, base, &q, &r);
    size_t nt = r.ntargets;
    int canon = !err && nt == 1 && r.t[0].n == 1 && r.t[0].s[0] == RELOCATE_TARGETS;
    if (canon)
        err = target_toks(targets, &tg, &ntg);
    for (size_t i = canon ? nt : 0; !err && i < r.n; i++) {
        /* A marker only where store puts one: the base once, as a whole
         * path prefix, and in a target only if escaping leaves the base
         * as it is (-MT names are not escaped). */
        tok *t = &r.t[i];
        if (t->s[0] == RELOCATE_BASE && (t->n == 1 || t->s[1] == '/') &&
            !(i < nt && strcmp(q, base)))
            *t = (tok){q, t->s + 1, strlen(q), t->n - 1};
        if (has_marker(t->s, t->n))
            err = EINVAL;
    }
    if (!err)
        emit(&b, canon ? tg : r.t, canon ? ntg : nt, r.t + nt, r.n - nt, r.phony);
    return conclude(err, &b, q, &r, tg, out_len);
}
