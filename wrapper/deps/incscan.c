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
 * not show, and the macros that wrap the operator (inctests.c). */
#include "wrapper/deps/incpath.h"

#include <stdlib.h>
#include <string.h>

#include "cache/util/strtab.h"
#include "wrapper/compiler/clex.h"
#include "wrapper/compiler/inputs.h"
#include "wrapper/deps/incscan_int.h"


/* At the line end that ends the line comment whose text starts at p (the
 * second slash), noting when C90, where it is no comment, would lex it
 * differently. */
const char *incscan_line_comment(lexer *lx, const char *p)
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
const char *incscan_raw_string(lexer *lx, const char *r)
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
void incscan_report(lexer *lx, const char *name, size_t len, unsigned flags)
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
            incscan_report(lx, name, n, (close == '>' ? REF_ANGLE : 0) | (next ? REF_NEXT : 0));
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
    incscan_report(lx, name, n, REF_COMPUTED | (next ? REF_NEXT : 0));
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
const char *incscan_code(lexer *lx, const char *p)
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
                p = incscan_line_comment(lx, q);
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
            q = incscan_raw_string(lx, p);
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
        p = incscan_code(lx, p);
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
            inctests_literal(&lx);
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
                    inctests_pass(&t);
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
