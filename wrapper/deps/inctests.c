/* SPDX-License-Identifier: Apache-2.0 */
/* inctests.c — the __has_include tests of a text, for incscan.c's scan:
 * the literal ones found in the whole text, then, lexed as the compiler
 * would, those whose name the text does not show and the macros that wrap
 * the operator.  The lexer is incscan.c's (incscan_int.h). */
#include "wrapper/deps/incscan_int.h"

#include <string.h>

#include "wrapper/compiler/clex.h"
#include "wrapper/compiler/inputs.h"

/* ---- existence tests ---- */

/* At p: optional blanks, then "x" or <x>.  Returns 1 and the name, 0 if what
 * follows is not a literal.  (The quick reading, of the raw bytes, comments
 * and literals included: inctests_pass reads them as the compiler does.) */
static int test_literal(const char *p, const char *end, const char **name, size_t *len,
                        int *angle)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    if (p >= end || (*p != '"' && *p != '<'))
        return 0;
    char close = *p == '"' ? '"' : '>';
    *angle = *p == '<';
    const char *s = ++p;
    while (p < end && *p != close && *p != '\n')
        p++;
    if (p >= end || *p != close || p == s)
        return 0;
    *name = s;
    *len = (size_t)(p - s);
    return 1;
}

/* Literal tests anywhere: "has_include" then any identifier tail ("_next",
 * or none), '(' and a literal, in comments and literals too (a needless
 * name costs at most a hit). */
void inctests_literal(lexer *lx)
{
    const char *end = lx->end;
    for (const char *p = lx->text; p < end && !lx->oom;) {
        const char *h = memmem(p, (size_t)(end - p), "has_include", 11);
        if (!h)
            break;
        p = h + 11;
        const char *tail = p;
        while (p < end && clex_is_ident(*p))
            p++;
        int next = p - tail == 5 && !memcmp(tail, "_next", 5);
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (p >= end || *p != '(')
            continue;
        const char *name;
        size_t nlen;
        int angle;
        if (test_literal(p + 1, end, &name, &nlen, &angle) && nlen < NAME_CAP)
            incscan_report(lx, name, nlen, REF_TEST | (angle ? REF_ANGLE : 0) | (next ? REF_NEXT : 0));
    }
}


/* An identifier at p (splices undone) into buf (its length in *len, which
 * may exceed cap: then it is cut).  Returns past it. */
static const char *ident(const char *p, const char *end, char *buf, size_t cap, size_t *len)
{
    size_t n = 0;
    for (; p < end && clex_is_ident(*p); p = clex_next_char(p, end)) {
        if (n < cap)
            buf[n] = *p;
        n++;
    }
    *len = n;
    return p;
}

/* Blanks, splices and comments within a line. */
static const char *tblanks(tpass *t, const char *p)
{
    return clex_blanks(p, t->lx->end);
}

/* A "..." or <...> header name at p (splices undone) ending on this line:
 * into name, returning past its close, or NULL. */
static const char *tname(const char *p, const char *end, char *name, size_t *len)
{
    char close = *p == '<' ? '>' : '"';
    size_t n = 0;
    for (p = clex_next_char(p, end); p < end && *p != close && !clex_is_eol(*p);
         p = clex_next_char(p, end)) {
        if (n >= NAME_CAP)
            return NULL;
        name[n++] = *p;
    }
    if (p >= end || *p != close || n == 0)
        return NULL;
    *len = n;
    return p + 1;
}

/* What follows a test's identifier, at p: OP_NONE (no parenthesis),
 * OP_LITERAL (a name, *angle), OP_PARAM (the macro's own parameter alone)
 * or OP_OTHER.  *past: where lexing goes on. */
static int operand(tpass *t, const char *p, char *name, size_t *len, int *angle,
                   const char **past)
{
    const char *end = t->lx->end;
    *past = p;
    const char *q = tblanks(t, p);
    if (q >= end || *q != '(')
        return OP_NONE;
    q = tblanks(t, clex_next_char(q, end));
    *past = q;
    const char *r = NULL;
    int kind = OP_OTHER;
    if (q < end && (*q == '"' || *q == '<')) {
        *angle = *q == '<';
        r = tname(q, end, name, len);
        kind = OP_LITERAL;
    } else if (q < end && clex_is_ident(*q) && t->n_params == 1) {
        char id[IDENT_CAP];
        size_t n;
        r = ident(q, end, id, sizeof id, &n);
        if (n != t->param_len || memcmp(id, t->param, n))
            r = NULL;
        kind = OP_PARAM;
    }
    if (r && (r = tblanks(t, r)) < end && *r == ')') {
        *past = clex_next_char(r, end);
        return kind;
    }
    /* Anything else: kept as written, for the log. */
    size_t n = 0;
    for (const char *s = q; s < end && !clex_is_eol(*s) && n < MACRO_CAP; s = clex_next_char(s, end))
        name[n++] = *s;
    if (n == 0)
        name[n++] = '?';
    *len = n;
    return OP_OTHER;
}

/* Is ident (n bytes) #defined somewhere in text? */
static int defined_in(const char *text, const char *end, const char *ident, size_t n)
{
    for (const char *p = text; (p = memmem(p, (size_t)(end - p), ident, n)); p += n) {
        if ((p > text && clex_is_ident(p[-1])) || (p + n < end && clex_is_ident(p[n])))
            continue;
        const char *b = p;
        while (b > text && clex_is_blank(b[-1]))
            b--;
        if (b - text >= 6 && !memcmp(b - 6, "define", 6) && b < p)
            return 1;
    }
    return 0;
}

/* Could the identifiers of <name>, expanded as macros where the test is
 * made through one, make another name?  Where one is a macro: the
 * compilers' own lowercase ones (GNU modes; reserved names are left to
 * the implementation, so any may be), or one this file defines.  (One
 * defined in another file and named in a header name is not seen.) */
static int angle_expands(const tpass *t, const char *name, size_t len)
{
    static const char *const predefined[] = {"linux", "unix", "i386", "sun", "sparc", "mips",
                                             "vax", "hppa", "m68k", "mc68000", "bsd", "pyr"};
    for (size_t i = 0; i < len;) {
        if (!clex_is_ident(name[i]) || clex_is_digit(name[i])) {
            while (i < len && clex_is_ident(name[i]) && clex_is_digit(name[i]))
                i++; /* (a number's digits, not an identifier) */
            i += i < len && !clex_is_ident(name[i]);
            continue;
        }
        size_t s = i;
        while (i < len && clex_is_ident(name[i]))
            i++;
        size_t n = i - s;
        if (name[s] == '_')
            return 1;
        for (size_t k = 0; k < sizeof predefined / sizeof *predefined; k++)
            if (n == strlen(predefined[k]) && !memcmp(name + s, predefined[k], n))
                return 1;
        if (defined_in(t->lx->text, t->lx->end, name + s, n))
            return 1;
    }
    return 0;
}

static int is_operator(const char *id, size_t n, int *next)
{
    static const char *const ops[] = {"__has_include", "__has_include_next", "__has_include__",
                                      "__has_include_next__"};
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
        if (n == strlen(ops[i]) && !memcmp(id, ops[i], n)) {
            *next = i % 2;
            return 1;
        }
    return 0;
}

/* An identifier in an #if, #elif or #define line: report what it tests. */
static const char *test_at(tpass *t, const char *id, size_t n, const char *p)
{
    int next = 0, exact = 0, wrapper = -1;
    if (t->ops) {
        for (int i = 0; i < t->n_ops && wrapper < 0; i++)
            if (strlen(t->ops[i]) == n && !memcmp(t->ops[i], id, n))
                wrapper = i;
        if (wrapper < 0)
            return p;
        next = t->op_next[wrapper];
    } else {
        exact = is_operator(id, n, &next);
        if (!exact && !memmem(id, n, "has_include", 11))
            return p;
        if (!exact)
            next = n >= 16 && memmem(id, n, "has_include_next", 16) != NULL;
    }
    if (t->after_defined)
        return p;
    char name[NAME_CAP];
    size_t len = 0;
    int angle = 0;
    const char *past;
    int kind = operand(t, p, name, &len, &angle, &past);
    unsigned nf = next ? REF_NEXT : 0;
    /* Through a macro (a wrapper's use, or written in a #define), the
     * identifiers of <x/y.h> are expanded as any others. */
    int expanded = t->ops || !exact || t->dir == T_DEFINE;
    if (kind == OP_NONE) {
        /* `#define HI __has_include`: HI( ... ) is a test.  In an #if, a
         * wrapper's name alone is no call, and a lone operator an error. */
        if (t->dir == T_DEFINE && (t->ops || exact))
            incscan_report(t->lx, id, n, REF_TEST | REF_COMPUTED | nf);
    } else if (kind == OP_LITERAL && (!angle || !expanded || !angle_expands(t, name, len))) {
        /* A test that input_has_tests() does not see (has_include split
         * by a splice) is in no key: no proof can stand for it. */
        incscan_report(t->lx, name, len, REF_TEST | (angle ? REF_ANGLE : 0) | nf |
                                     (t->flagged ? 0 : REF_COMPUTED));
    } else if (kind == OP_PARAM && t->dir == T_DEFINE) {
        /* A wrapper named for has_include has its uses found as tests by
         * that name already. */
        if (t->ops || !memmem(t->macro, t->macro_len, "has_include", 11))
            incscan_report(t->lx, t->macro, t->macro_len, REF_TEST | REF_WRAPPER | nf);
    } else {
        incscan_report(t->lx, name, len, REF_TEST | REF_COMPUTED | nf);
    }
    return past;
}

/* After a directive's #: which it is, and a #define's name and parameter. */
static const char *test_directive(tpass *t, const char *p)
{
    const char *end = t->lx->end;
    char id[IDENT_CAP];
    size_t n;
    p = ident(tblanks(t, p), end, id, sizeof id, &n);
    t->dir = T_OTHER;
    if ((n == 2 && !memcmp(id, "if", 2)) || (n == 4 && !memcmp(id, "elif", 4)))
        t->dir = T_IF;
    if (!(n == 6 && !memcmp(id, "define", 6)))
        return p;
    t->dir = T_DEFINE;
    t->n_params = -1;
    p = ident(tblanks(t, p), end, t->macro, sizeof t->macro, &t->macro_len);
    if (t->macro_len > sizeof t->macro)
        t->macro_len = 0; /* reported computed where used: not named */
    p = clex_unsplice(p, end);
    if (p >= end || *p != '(')
        return p;
    /* The parameters, the first kept; "..." counts as one. */
    t->n_params = 0;
    for (p = tblanks(t, clex_next_char(p, end)); p < end && *p != ')' && !clex_is_eol(*p);
         p = tblanks(t, p)) {
        if (clex_is_ident(*p)) {
            size_t m;
            p = ident(p, end, t->n_params == 0 ? t->param : id, IDENT_CAP, &m);
            if (t->n_params++ == 0)
                t->param_len = m > IDENT_CAP ? 0 : m;
        } else {
            if (*p == '.')
                t->n_params += t->n_params == 0 || p[-1] == ','; /* (roughly: one more) */
            p = clex_next_char(p, end);
        }
    }
    if (p < end && *p == ')')
        p = clex_next_char(p, end);
    return p;
}

/* One pass in lx->mode over lx->text, lexed as incscan_code() does. */
void inctests_pass(tpass *t)
{
    lexer *lx = t->lx;
    const char *p = lx->text, *end = lx->end;
    int line_start = 1;
    t->dir = T_NONE;
    while (p < end && !lx->oom) {
        p = clex_unsplice(p, end);
        if (p >= end)
            break;
        char c = *p;
        const char *q = clex_next_char(p, end);
        if (clex_is_eol(c)) {
            p = clex_past_eol(p, end);
            line_start = 1;
            t->dir = T_NONE;
            t->after_defined = 0;
            continue;
        }
        if (clex_is_blank(c)) {
            p++;
            continue;
        }
        if (c == '/' && q < end && *q == '*') {
            p = clex_block_comment(q + 1, end);
            continue;
        }
        if (c == '/' && q < end && *q == '/' && !(lx->mode & M_NO_LINE_COMMENTS)) {
            p = incscan_line_comment(lx, q);
            continue;
        }
        int was_start = line_start;
        line_start = 0;
        if (was_start && (c == '#' || (c == '%' && q < end && *q == ':') ||
                          (end - p >= 3 && !memcmp(p, "?\?=", 3)))) {
            p = test_directive(t, c == '#' ? q : c == '%' ? clex_next_char(q, end) : p + 3);
            continue;
        }
        int defined = t->after_defined;
        t->after_defined = 0;
        if (c == '"') {
            p = clex_literal(p + 1, end, '"');
        } else if (c == '\'') {
            if (clex_digit_sep(lx->text, p, end)) {
                if (lx->mode & M_DIGIT_SEP) {
                    p++;
                    continue;
                }
                lx->seen |= M_DIGIT_SEP;
            }
            p = clex_literal(p + 1, end, '\'');
        } else if (c == 'R' && (q = incscan_raw_string(lx, p))) {
            p = q;
        } else if (clex_is_ident(c)) {
            char id[IDENT_CAP];
            size_t n;
            const char *after = ident(p, end, id, sizeof id, &n);
            if (n > sizeof id) {
                p = after;
            } else if (t->dir == T_IF && n == 7 && !memcmp(id, "defined", 7)) {
                t->after_defined = 1;
                p = after;
            } else if (t->dir == T_IF || t->dir == T_DEFINE) {
                t->after_defined = defined;
                p = test_at(t, id, n, after);
                t->after_defined = 0;
            } else {
                p = after;
            }
        } else {
            if (c == '(' && defined == 1)
                t->after_defined = 2;
            p = q;
        }
    }
}
