/* SPDX-License-Identifier: Apache-2.0 */
/* incscan.c — the names a file includes, found the way the preprocessor
 * finds its directives.  See incpath.h for the contract.
 *
 * What is at stake.  The include proof (manifest_proof.c) checks, for each
 * name this finds, every candidate the compiler would search before the file
 * it found.  A directive missed here is a search nobody checks: a header
 * that appears in the includer's own directory would give a wrong hit.  A
 * name reported that is not really included costs at most a direct hit.  So
 * every choice below leans towards reporting.
 *
 * How.  One pass over the bytes, lexing as translation phases 1-3 do as far
 * as directives go: backslash-newline splices anywhere (blanks may sit
 * between the two, as gcc and clang allow), \n, \r\n and a lone \r as line
 * ends, block and line comments, string and character literals (ended by an
 * unspliced line end, so a stray apostrophe in an #if 0 block cannot swallow
 * later lines), raw strings, and the header-name token after #include (in
 * which // and /\* are part of the name).  A directive is a # (or %:, or
 * ??=, whatever the dialect: being liberal here is safe) first on its line,
 * comments counting as blanks.  Ordinary text is skipped a byte-table test
 * at a time; comments and raw strings by memchr().  The lexing primitives
 * are wrapper/compiler/clex.h's, which the comment-blind digest (codedigest.c) lexes
 * by too.
 *
 * Dialects.  A few lexing rules depend on the compile's language and
 * standard, which the memo (keyed by content alone) cannot know: trigraphs
 * (??/ is a backslash in strict ISO C before C23 and C++ before 17), raw
 * strings (C++11, GNU C; clang's GNU C before C11 knows R and LR only), digit
 * separators (1'000: C++14, C23) and // comments (not in C90).  Each can move
 * where a comment or literal ends, and so hide a directive one dialect sees:
 * a raw string recognized in C90 can hide an #include that is real there,
 * and one not recognized in C++ leaves its text open to a stray "/\*".  No
 * single reading is safe for every dialect, so the pass notes where a rule
 * of its dialect made a difference (a raw string entered, a digit separator
 * met, a // comment with "/\*" in it, trigraphs present), and the file is
 * lexed again under each combination of the rules that did; the names found
 * are the union.  Nearly every file needs the one pass.
 *
 * The __has_include tests are found apart: the literal ones in the whole
 * text (comments and strings included), as a name reported needlessly costs
 * only a hit; then, lexed the same way, the ones whose name the text does
 * not show, and the macros that wrap the operator (see tests_pass). */
#include "wrapper/deps/incpath.h"

#include <stdlib.h>
#include <string.h>

#include "cache/util/strtab.h"
#include "wrapper/compiler/clex.h"
#include "wrapper/compiler/inputs.h"

/* Dialect rules a pass lexes by (none set: C++ with every raw string
 * prefix, no trigraphs, no digit separators, // comments). */
enum {
    M_TRIGRAPHS = 1,   /* phase 1 replaces ??/ ??' ??= and the others */
    M_NO_RAW = 2,      /* R"(...)" is an identifier and a string */
    M_RAW_PLAIN = 4,   /* only R and LR prefix a raw string, not u, U, u8 */
    M_DIGIT_SEP = 8,   /* ' between the characters of a number is part of it */
    M_NO_LINE_COMMENTS = 16,
    M_ALL = 32,
};

/* REF_FORMAT leads every encoding.  The memo keeps incpath_scan's answers
 * by content digest across ricc versions: a change to what the scanner
 * finds must change REF_FORMAT, so that older answers are refused.
 * (2: comments, literals and splices lexed; computed includes reported.
 * 3: tests lexed too: computed tests and wrapper macros reported.) */
enum {
    REF_ANGLE = 1, REF_NEXT = 2, REF_TEST = 4, REF_COMPUTED = 8, REF_AFTER_INCLUDE = 16,
    REF_WRAPPER = 32, REF_FLAGS = 63, REF_FORMAT = 3,
};

/* The longest name kept; a longer one cannot be opened anyway, and is
 * reported as computed (which asks more of the proof, never less). */
#define NAME_CAP 4096
/* What of a computed include's macro text is kept: it is only shown. */
#define MACRO_CAP 48

typedef struct lexer {
    const char *text, *end;
    unsigned mode;     /* M_*: the dialect of this pass */
    unsigned seen;     /* M_*: rules whose other choice would have lexed differently */
    int depth;         /* #if nesting, never less than the compiler's */
    int top_include;   /* an #include outside every #if came before */
    strtab *found;     /* refs already reported, keyed by flags and name */
    inc_ref **refs;
    int *n;
    int oom;
    int tests_only;    /* report the existence tests alone */
} lexer;

/* At the line end that ends the line comment whose text starts at p (the
 * second slash), noting when C90, where it is no comment, would lex it
 * differently. */
static const char *line_comment(lexer *lx, const char *p)
{
    const char *e = clex_line_comment(p, lx->end);
    /* C90 lexes the text as code: only a block comment opening in it
     * could end elsewhere. */
    if (!(lx->mode & M_NO_LINE_COMMENTS) && clex_has_comment_start(p, e))
        lx->seen |= M_NO_LINE_COMMENTS;
    return e;
}

/* At the R of R"delim( ... )delim": past the raw string when this pass takes
 * it for one, else NULL. */
static const char *raw_string(lexer *lx, const char *r)
{
    const char *d, *open;
    int kind = clex_raw_start(lx->text, r, lx->end, &d, &open);
    if (kind == CLEX_RAW_NONE)
        return NULL;
    if ((lx->mode & M_NO_RAW) || (kind == CLEX_RAW_UNICODE && (lx->mode & M_RAW_PLAIN)))
        return NULL;
    lx->seen |= M_NO_RAW | (kind == CLEX_RAW_UNICODE ? M_RAW_PLAIN : 0);
    return clex_raw_end(d, open, lx->end);
}

static inc_ref make_ref(char *name, unsigned flags)
{
    return (inc_ref){name, (flags & REF_ANGLE) != 0, (flags & REF_NEXT) != 0,
                     (flags & REF_TEST) != 0, (flags & REF_COMPUTED) != 0,
                     (flags & REF_AFTER_INCLUDE) != 0, (flags & REF_WRAPPER) != 0};
}

/* Report a name (REF_* flags), once for each kind of reference to it. */
static void report(lexer *lx, const char *name, size_t len, unsigned flags)
{
    if (lx->tests_only && !(flags & REF_TEST))
        return;
    if ((flags & REF_COMPUTED) && lx->top_include)
        flags |= REF_AFTER_INCLUDE;
    char key[NAME_CAP + 2];
    key[0] = (char)('A' + flags);
    memcpy(key + 1, name, len);
    int added;
    if (lx->oom || !strtab_get(lx->found, key, len + 1, &added)) {
        lx->oom = 1;
        return;
    }
    if (!added)
        return;
    inc_ref *nr = realloc(*lx->refs, sizeof *nr * (size_t)(*lx->n + 1));
    char *copy = nr ? malloc(len + 1) : NULL;
    if (nr)
        *lx->refs = nr;
    if (!copy) {
        lx->oom = 1;
        return;
    }
    memcpy(copy, name, len);
    copy[len] = '\0';
    nr[(*lx->n)++] = make_ref(copy, flags);
}

/* After #include and its blanks: the header name, or a computed include.
 * Returns where the rest of the line is to be lexed from. */
static const char *header_name(lexer *lx, const char *p, int next)
{
    const char *end = lx->end;
    char name[NAME_CAP];
    size_t n = 0;
    if (p < end && (*p == '<' || *p == '"')) {
        char close = *p == '<' ? '>' : '"';
        const char *q = clex_next_char(p, end);
        while (q < end && *q != close && !clex_is_eol(*q) && n < sizeof name) {
            name[n++] = *q;
            q = clex_next_char(q, end);
        }
        if (q < end && *q == close && n > 0) {
            report(lx, name, n, (close == '>' ? REF_ANGLE : 0) | (next ? REF_NEXT : 0));
            return q + 1;
        }
        n = 0;
    }
    /* #include MACRO (or something malformed, which cannot hurt to treat
     * alike): kept as written, for the log. */
    for (const char *q = p; q < end && !clex_is_eol(*q) && n < MACRO_CAP; q = clex_next_char(q, end)) {
        if (*q == '/' && q + 1 < end && (q[1] == '*' || q[1] == '/'))
            break;
        name[n++] = *q;
    }
    while (n > 0 && clex_is_blank(name[n - 1]))
        n--;
    if (n == 0)
        name[n++] = '?';
    report(lx, name, n, REF_COMPUTED | (next ? REF_NEXT : 0));
    return p;
}

/* After a directive's # (sure: a plain #, a directive in every dialect).
 * Returns where the rest of the line is to be lexed from. */
static const char *directive(lexer *lx, const char *p, int sure)
{
    const char *end = lx->end;
    char name[16];
    size_t n = 0;
    for (p = clex_blanks(p, end); p < end && clex_is_ident(*p); p = clex_next_char(p, end))
        if (n < sizeof name)
            name[n++] = *p;
        else
            return p; /* no directive of ours is that long */
    int next = n == 12 && !memcmp(name, "include_next", 12);
    if (next || (n == 7 && !memcmp(name, "include", 7)) || (n == 6 && !memcmp(name, "import", 6))) {
        p = header_name(lx, clex_blanks(p, end), next);
        if (sure && lx->depth == 0)
            lx->top_include = 1;
    } else if (n >= 2 && name[0] == 'i' && name[1] == 'f') {
        lx->depth++; /* #if, #ifdef, #ifndef (and unknown #if... too) */
    } else if (sure && n == 5 && !memcmp(name, "endif", 5) && lx->depth > 0) {
        lx->depth--;
    }
    return p;
}

/* Lex from p to the start of a line that may hold a directive (or a comment
 * or splice before one); returns it, or end. */
static const char *code(lexer *lx, const char *p)
{
    const char *end = lx->end;
    const unsigned char mask = CLEX_STOP | (lx->mode & M_NO_RAW ? 0 : CLEX_STOP_RAW);
    for (;;) {
        p = clex_skip_ordinary(p, end, mask);
        if (p >= end)
            return end;
        const char *q;
        switch (*p) {
        case '\n':
        case '\r':
            /* Most lines start with neither: lexed on, here. */
            q = clex_past_eol(p, end);
            while (q < end && (*q == ' ' || *q == '\t'))
                q++;
            if (q >= end || (clex_stops[(unsigned char)*q] & (CLEX_STOP | CLEX_LINE)))
                return q;
            p = q;
            break;
        case '\\':
            q = clex_splice_at(p, end);
            p = q ? q : p + 1;
            break;
        case '/':
            q = clex_next_char(p, end);
            if (q < end && *q == '*')
                p = clex_block_comment(q + 1, end);
            else if (q < end && *q == '/' && !(lx->mode & M_NO_LINE_COMMENTS))
                p = line_comment(lx, q);
            else
                p = q;
            break;
        case '"':
            p = clex_literal(p + 1, end, '"');
            break;
        case '\'':
            if (clex_digit_sep(lx->text, p, end)) {
                if (lx->mode & M_DIGIT_SEP) {
                    p++;
                    break;
                }
                lx->seen |= M_DIGIT_SEP;
            }
            p = clex_literal(p + 1, end, '\'');
            break;
        default: /* 'R' */
            q = raw_string(lx, p);
            p = q ? q : p + 1;
            break;
        }
    }
}

/* One pass over text in lx->mode. */
static void lex(lexer *lx)
{
    const char *p = lx->text, *end = lx->end;
    if (end - p >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
        p += 3; /* a UTF-8 byte order mark, which gcc skips */
    while (p < end && !lx->oom) {
        p = clex_blanks(p, end);
        if (p >= end)
            break;
        if (clex_is_eol(*p)) {
            p = clex_past_eol(p, end);
            continue;
        }
        const char *q = clex_next_char(p, end);
        if (*p == '#')
            p = directive(lx, p + 1, 1);
        else if (*p == '%' && q < end && *q == ':')
            p = directive(lx, q + 1, 0);
        else if (end - p >= 3 && !memcmp(p, "?\?=", 3))
            p = directive(lx, p + 3, 0);
        p = code(lx, p);
    }
}

/* Could trigraphs change how the text lexes?  Only ??/ (a backslash) and ??'
 * (a caret, not a quote) can; ??= is taken for # in every pass anyway. */
static int has_trigraphs(const char *text, size_t len)
{
    const char *end = text + len;
    for (const char *p = text; p < end && (p = memchr(p, '?', (size_t)(end - p))); p++)
        if (end - p >= 3 && p[1] == '?' && (p[2] == '/' || p[2] == '\''))
            return 1;
    return 0;
}

/* text with its trigraphs replaced, as phase 1 does (malloc'd). */
static char *replace_trigraphs(const char *text, size_t len, size_t *out_len)
{
    static const char from[] = "=/'()!<>-", to[] = "#\\^[]|{}~";
    char *out = malloc(len + 1);
    size_t k = 0;
    for (size_t i = 0; out && i < len; i++) {
        const char *t = i + 2 < len && text[i] == '?' && text[i + 1] == '?' && text[i + 2]
                            ? strchr(from, text[i + 2])
                            : NULL;
        if (t) {
            out[k++] = to[t - from];
            i += 2;
        } else {
            out[k++] = text[i];
        }
    }
    *out_len = k;
    return out;
}

/* ---- existence tests ---- */

/* At p: optional blanks, then "x" or <x>.  Returns 1 and the name, 0 if what
 * follows is not a literal.  (The quick reading, of the raw bytes, comments
 * and literals included: tests_pass below reads them as the compiler does.) */
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
static void scan_literal_tests(lexer *lx)
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
            report(lx, name, nlen, REF_TEST | (angle ? REF_ANGLE : 0) | (next ? REF_NEXT : 0));
    }
}

/* The tests as the preprocessor meets them.  A test is evaluated only in
 * #if and #elif, or where a macro defined with one is expanded in them; what
 * the quick reading above cannot show is the name such a test asks for when
 * it is not a literal written in the #if itself:
 *   __has_include(HDR), HDR a macro (defined anywhere, or with -D);
 *   #define HAVE_X __has_include(<linux/x.h>): expanded where HAVE_X is
 *     used, the identifiers between < and > expanded too ("linux" is 1 in
 *     GNU C; see angle_expands: libstdc++'s <tbb/tbb.h> test is like this,
 *     in every C++ compile, and its identifiers are no macros);
 *   #define HI __has_include, then HI(<x.h>);
 *   comments or splices between the tokens.
 * The first three are reported computed: their name is not known here, and
 * the proof (manifest_proof.c) cannot stand; the fourth as the literal it
 * is.  A wrapper, `#define W(h) __has_include(h)` (fmt's FMT_HAS_INCLUDE),
 * is reported as such, named W: its uses, which need not mention
 * has_include, are found with incpath_scan_uses, in every input. */
enum { T_NONE, T_IF, T_DEFINE, T_OTHER };
enum { OP_LITERAL, OP_PARAM, OP_OTHER, OP_NONE };

#define IDENT_CAP 256

typedef struct tpass {
    lexer *lx;
    char *const *ops;          /* wrapper names (a uses pass), or NULL */
    const int *op_next;
    int n_ops;
    int flagged;               /* input_has_tests() sees the text's tests */
    int dir;                   /* T_*: the directive the line holds */
    char macro[IDENT_CAP];     /* #define: the macro's name, */
    size_t macro_len;
    char param[IDENT_CAP];     /* its one parameter, */
    size_t param_len;
    int n_params;              /* how many it has (-1: object-like) */
    int after_defined;         /* 1: after `defined`, 2: after `defined (` */
} tpass;

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
            report(t->lx, id, n, REF_TEST | REF_COMPUTED | nf);
    } else if (kind == OP_LITERAL && (!angle || !expanded || !angle_expands(t, name, len))) {
        /* A test that input_has_tests() does not see (has_include split
         * by a splice) is in no key: no proof can stand for it. */
        report(t->lx, name, len, REF_TEST | (angle ? REF_ANGLE : 0) | nf |
                                     (t->flagged ? 0 : REF_COMPUTED));
    } else if (kind == OP_PARAM && t->dir == T_DEFINE) {
        /* A wrapper named for has_include has its uses found as tests by
         * that name already. */
        if (t->ops || !memmem(t->macro, t->macro_len, "has_include", 11))
            report(t->lx, t->macro, t->macro_len, REF_TEST | REF_WRAPPER | nf);
    } else {
        report(t->lx, name, len, REF_TEST | REF_COMPUTED | nf);
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

/* One pass in lx->mode over lx->text, lexed as code() does. */
static void tests_pass(tpass *t)
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
            p = line_comment(lx, q);
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
        } else if (c == 'R' && (q = raw_string(lx, p))) {
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

/* Does a splice join two identifier characters?  (Then an identifier such
 * as __has_include may be spelt in pieces that no byte search finds.) */
static int split_identifier(const char *text, size_t len)
{
    const char *end = text + len;
    for (const char *p = text; p < end && (p = memchr(p, '\\', (size_t)(end - p))); p++) {
        const char *q = clex_splice_at(p, end);
        if (q && p > text && clex_is_ident(p[-1]) && q < end && clex_is_ident(*q))
            return 1;
    }
    return 0;
}

/* Every name (tests last), the tests alone, or (ops set) the tests made
 * through the n_ops wrappers named ops. */
static int scan(const char *text, size_t len, inc_ref **refs, int directives, char *const *ops,
                const int *op_next, int n_ops)
{
    *refs = NULL;
    int n = 0;
    strtab found = {0};
    lexer lx = {.text = text, .end = text + len, .found = &found, .refs = refs, .n = &n,
                .tests_only = !directives};
    char *tri = NULL;
    size_t tri_len = 0;
    tpass t = {.lx = &lx, .ops = ops, .op_next = op_next, .n_ops = n_ops};
    int tests = 0;
    if (ops) {
        for (int i = 0; i < n_ops && !tests; i++)
            tests = memmem(text, len, ops[i], strlen(ops[i])) != NULL;
        t.flagged = 1;
    } else {
        t.flagged = input_has_tests(text, len);
        tests = t.flagged || split_identifier(text, len);
    }
    if (!directives && !tests)
        return 0;
    unsigned need = has_trigraphs(text, len) ? M_TRIGRAPHS : 0;
    /* Every combination of the rules that made a difference somewhere,
     * until no pass finds another such rule.  (The two raw string rules
     * together are M_NO_RAW alone.)  The directives are lexed first, the
     * tests after, so that they come last. */
    for (int stage = directives ? 0 : 1; stage < 2 && !lx.oom; stage++) {
        if (stage == 1 && tests && !ops)
            scan_literal_tests(&lx);
        if (stage == 1 && !tests)
            break;
        unsigned long ran = 0;
        for (int again = 1; again && !lx.oom;) {
            again = 0;
            for (unsigned m = 0; m < M_ALL && !lx.oom; m++) {
                if ((m & ~need) || (ran >> m & 1) || ((m & M_NO_RAW) && (m & M_RAW_PLAIN)))
                    continue;
                ran |= 1ul << m;
                if ((m & M_TRIGRAPHS) && !tri && !(tri = replace_trigraphs(text, len, &tri_len))) {
                    lx.oom = 1;
                    break;
                }
                lx.text = m & M_TRIGRAPHS ? tri : text;
                lx.end = lx.text + (m & M_TRIGRAPHS ? tri_len : len);
                lx.mode = m;
                lx.seen = 0;
                lx.depth = lx.top_include = 0;
                if (stage == 0)
                    lex(&lx);
                else
                    tests_pass(&t);
                if (lx.seen & ~need) {
                    need |= lx.seen;
                    again = 1;
                }
            }
        }
        lx.text = text;
        lx.end = text + len;
    }
    free(tri);
    strtab_free(&found);
    if (lx.oom) {
        inc_refs_free(*refs, n);
        *refs = NULL;
        return -1;
    }
    return n;
}

int incpath_scan(const char *text, size_t len, inc_ref **refs)
{
    return scan(text, len, refs, 1, NULL, NULL, 0);
}

int incpath_scan_tests(const char *text, size_t len, inc_ref **refs)
{
    return scan(text, len, refs, 0, NULL, NULL, 0);
}

int incpath_scan_uses(const char *text, size_t len, char *const *wrappers, const int *next,
                      int n, inc_ref **refs)
{
    return scan(text, len, refs, 0, wrappers, next, n);
}

void inc_refs_free(inc_ref *refs, int n)
{
    for (int i = 0; i < n; i++)
        free(refs[i].name);
    free(refs);
}

/* ---- the memo's encoding ---- */

int inc_refs_encode(const inc_ref *refs, int n, unsigned char *out, size_t cap)
{
    size_t k = 0;
    if (cap < 1)
        return -1;
    out[k++] = REF_FORMAT;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(refs[i].name);
        if (len == 0 || cap - k < len + 2)
            return -1;
        out[k++] = (unsigned char)((refs[i].angle ? REF_ANGLE : 0) | (refs[i].next ? REF_NEXT : 0) |
                                   (refs[i].test ? REF_TEST : 0) |
                                   (refs[i].computed ? REF_COMPUTED : 0) |
                                   (refs[i].after_include ? REF_AFTER_INCLUDE : 0) |
                                   (refs[i].wrapper ? REF_WRAPPER : 0));
        memcpy(out + k, refs[i].name, len + 1);
        k += len + 1;
    }
    return (int)k;
}

int inc_refs_decode(const unsigned char *p, size_t len, inc_ref **refs)
{
    *refs = NULL;
    int n = 0;
    if (len < 1 || p[0] != REF_FORMAT)
        return -1;
    for (size_t k = 1; k < len;) {
        unsigned flags = p[k++];
        const unsigned char *nul = k < len ? memchr(p + k, '\0', len - k) : NULL;
        size_t nlen = nul ? (size_t)(nul - (p + k)) : 0;
        inc_ref *nr = NULL;
        char *name = NULL;
        if (flags > REF_FLAGS || !nul || nlen == 0 ||
            !(nr = realloc(*refs, sizeof *nr * (size_t)(n + 1))) || !(name = malloc(nlen + 1))) {
            if (nr)
                *refs = nr;
            inc_refs_free(*refs, n);
            *refs = NULL;
            return -1;
        }
        *refs = nr;
        memcpy(name, p + k, nlen + 1);
        nr[n++] = make_ref(name, flags);
        k = (size_t)(nul - p) + 1;
    }
    return n;
}
