/* SPDX-License-Identifier: Apache-2.0 */
/* clex.h — the lexing primitives of translation phases 1-3, shared by the
 * include scanner (incscan.c) and the comment-blind digest (codedigest.c).
 *
 * Both must read a file exactly as gcc's preprocessor does, or they fail
 * dangerously: a directive missed by the scanner is a search the include
 * proof never checks; a comment boundary misplaced by the digest lets a code
 * edit pass for a comment edit.  So there is one copy of each rule, here:
 * backslash-newline splices (blanks allowed between the two, as gcc and
 * clang allow), \n, \r\n and a lone \r as line ends, block and line
 * comments, string and character literals (ended by an unspliced line end),
 * raw strings, digit separators.  What a dialect decides (raw strings at
 * all, digit separators, trigraphs, // comments) is left to the callers:
 * these functions say where a construct would end, the callers decide
 * whether their dialect has it.
 *
 * Static inline, as they sit in the inner loops of both; an internal header
 * of the wrapper, not an interface. */
#ifndef RICC_CLEX_H
#define RICC_CLEX_H

#include <stddef.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* What stops the skip over ordinary text: line ends, and what may start a
 * comment, a literal or a splice (CLEX_STOP); R, which may start a raw
 * string (CLEX_STOP_RAW).  And what else may start a line that holds a
 * directive (CLEX_LINE). */
enum { CLEX_STOP = 1, CLEX_STOP_RAW = 2, CLEX_LINE = 4 };
static const unsigned char clex_stops[256] = {
    ['\n'] = CLEX_STOP,    ['\r'] = CLEX_STOP,   ['/'] = CLEX_STOP,  ['"'] = CLEX_STOP,
    ['\''] = CLEX_STOP,    ['\\'] = CLEX_STOP,   ['R'] = CLEX_STOP_RAW, ['#'] = CLEX_LINE,
    ['%'] = CLEX_LINE,     ['?'] = CLEX_LINE,    ['\f'] = CLEX_LINE, ['\v'] = CLEX_LINE,
};

/* Raw string prefixes, by what recognizes them. */
enum { CLEX_RAW_NONE, CLEX_RAW_PLAIN, CLEX_RAW_UNICODE };

static inline int clex_is_eol(char c)
{
    return c == '\n' || c == '\r';
}

static inline int clex_is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\f' || c == '\v';
}

/* gcc takes $ and any non-ASCII byte into identifiers (and numbers). */
static inline int clex_is_ident(char ch)
{
    unsigned char c = (unsigned char)ch;
    return (unsigned)((c | 32) - 'a') < 26 || (unsigned)(c - '0') < 10 || c == '_' || c == '$' ||
           c >= 0x80;
}

static inline int clex_is_digit(char c)
{
    return (unsigned)(c - '0') < 10;
}

/* Past the line end at p (\r\n is one). */
static inline const char *clex_past_eol(const char *p, const char *end)
{
    return *p == '\r' && p + 1 < end && p[1] == '\n' ? p + 2 : p + 1;
}

/* Where the next physical line starts if the backslash at p ends this one,
 * else NULL.  (A backslash at the very end of the file splices nothing.) */
static inline const char *clex_splice_at(const char *p, const char *end)
{
    const char *q = p + 1;
    while (q < end && clex_is_blank(*q))
        q++;
    return q < end && clex_is_eol(*q) ? clex_past_eol(q, end) : NULL;
}

/* p, or past the splices that start there. */
static inline const char *clex_unsplice(const char *p, const char *end)
{
    const char *q;
    while (p < end && *p == '\\' && (q = clex_splice_at(p, end)))
        p = q;
    return p;
}

/* The logical character after the one at p. */
static inline const char *clex_next_char(const char *p, const char *end)
{
    return clex_unsplice(p + 1, end);
}

/* Past the block comment whose text starts at p (after the opening star;
 * "*\<newline>/" ends it too), or end when it is never closed, *closed
 * saying which. */
static inline const char *clex_block_comment_end(const char *p, const char *end, int *closed)
{
    for (;;) {
        const char *star = memchr(p, '*', (size_t)(end - p));
        if (!star)
            break;
        const char *q = clex_next_char(star, end);
        if (q < end && *q == '/') {
            *closed = 1;
            return q + 1;
        }
        p = star + 1;
    }
    *closed = 0;
    return end;
}

static inline const char *clex_block_comment(const char *p, const char *end)
{
    int closed;
    return clex_block_comment_end(p, end, &closed);
}

/* At the line end that ends the line comment whose text starts at p (the
 * second slash), or end: a backslash ending a physical line carries it on. */
static inline const char *clex_line_comment(const char *p, const char *end)
{
    for (;;) {
        const char *e = p;
        while (e < end && !clex_is_eol(*e))
            e++;
        const char *b = e;
        while (b > p && clex_is_blank(b[-1]))
            b--;
        if (e < end && b > p && b[-1] == '\\') {
            p = clex_past_eol(e, end);
            continue;
        }
        return e;
    }
}

/* Does [p, e) hold "/\*" whose star is not at p?  (Asked of a line comment
 * from its second slash: in C90 it opens a block comment there.) */
static inline int clex_has_comment_start(const char *p, const char *e)
{
    for (const char *s = p; s < e && (s = memchr(s, '*', (size_t)(e - s))); s++)
        if (s > p && s[-1] == '/')
            return 1;
    return 0;
}

/* Past the string or character literal whose text starts at p, closed by
 * q; or at the line end where an unclosed one stops. */
static inline const char *clex_literal(const char *p, const char *end, char q)
{
    while (p < end) {
        if (*p == q)
            return p + 1;
        if (clex_is_eol(*p))
            return p;
        if (*p == '\\') {
            const char *s = clex_splice_at(p, end);
            if (s) {
                p = s;
                continue;
            }
            p = clex_next_char(p, end); /* the escaped character */
            if (p < end && !clex_is_eol(*p))
                p++;
            continue;
        }
        p++;
    }
    return end;
}

/* At an R in code: the prefix it ends, if it is one.  (An identifier
 * character before the prefix makes it part of an identifier or number.) */
static inline int clex_raw_prefix(const char *text, const char *r)
{
    if (r - text >= 2 && r[-2] == 'u' && r[-1] == '8' && (r - text == 2 || !clex_is_ident(r[-3])))
        return CLEX_RAW_UNICODE;
    if (r - text >= 1 && (r[-1] == 'u' || r[-1] == 'U' || r[-1] == 'L') &&
        (r - text == 1 || !clex_is_ident(r[-2])))
        return r[-1] == 'L' ? CLEX_RAW_PLAIN : CLEX_RAW_UNICODE;
    return r == text || !clex_is_ident(r[-1]) ? CLEX_RAW_PLAIN : CLEX_RAW_NONE;
}

/* At the R of R"delim( ... )delim": its prefix kind, and through *delim and
 * *open where its delimiter starts and its opening parenthesis, when a
 * dialect with raw strings reads one there; else CLEX_RAW_NONE. */
static inline int clex_raw_start(const char *text, const char *r, const char *end,
                                 const char **delim, const char **open)
{
    int kind = clex_raw_prefix(text, r);
    const char *q = clex_next_char(r, end);
    if (kind == CLEX_RAW_NONE || q >= end || *q != '"')
        return CLEX_RAW_NONE;
    const char *d = q + 1, *o = d;
    while (o < end && o - d <= 16 && *o != '(' && !strchr(" )\\\t\v\f\n\r", *o))
        o++;
    if (o >= end || *o != '(' || o - d > 16)
        return CLEX_RAW_NONE; /* no raw string: the compiler says so */
    *delim = d;
    *open = o;
    return kind;
}

/* Past the raw string whose delimiter is [d, open), open being its opening
 * parenthesis; or end.  Between its quotes splices and trigraphs are
 * undone, so its text is searched as it stands. */
static inline const char *clex_raw_end(const char *d, const char *open, const char *end)
{
    size_t dlen = (size_t)(open - d);
    for (const char *p = open + 1; p < end;) {
        const char *c = memchr(p, ')', (size_t)(end - p));
        if (!c)
            break;
        if ((size_t)(end - c) > dlen + 1 && !memcmp(c + 1, d, dlen) && c[1 + dlen] == '"')
            return c + dlen + 2;
        p = c + 1;
    }
    return end;
}

/* Is the ' at q inside a number, as digit separators are?  The token it
 * ends is found by going back over what a number can hold, then lexing
 * forwards from there (in "x.5", x is an identifier and .5 a number). */
static inline int clex_in_number(const char *text, const char *q)
{
    const char *s = q;
    while (s > text) {
        char c = s[-1];
        if (clex_is_ident(c) || c == '.' || (c == '\'' && clex_is_ident(*s)))
            s--;
        else if ((c == '+' || c == '-') && s - 1 > text && strchr("eEpP", s[-2]))
            s--;
        else
            break;
    }
    for (const char *p = s; p < q;) {
        if (clex_is_digit(*p) || (*p == '.' && p + 1 < q && clex_is_digit(p[1])))
            return 1; /* a number, which takes in all the rest */
        if (clex_is_ident(*p))
            while (p < q && clex_is_ident(*p))
                p++;
        else
            p++;
    }
    return 0;
}

/* Is the ' at p a digit separator where a dialect has them (C++14, C23)? */
static inline int clex_digit_sep(const char *text, const char *p, const char *end)
{
    return p > text && clex_is_ident(p[-1]) && p + 1 < end && clex_is_ident(p[1]) &&
           (unsigned char)p[1] < 0x80 && p[1] != '$' && clex_in_number(text, p);
}

/* Blanks, splices and block comments: within a directive, or before one. */
static inline const char *clex_blanks(const char *p, const char *end)
{
    for (;;) {
        p = clex_unsplice(p, end);
        if (p < end && clex_is_blank(*p)) {
            p++;
        } else if (p < end && *p == '/') {
            const char *q = clex_next_char(p, end);
            if (q >= end || *q != '*')
                return p;
            p = clex_block_comment(q + 1, end);
        } else {
            return p;
        }
    }
}

/* The first byte at or after p that may start something (clex_stops[] &
 * mask), or end.  Sixteen bytes a step where SSE2 is there: ordinary text
 * is most of a file. */
static inline const char *clex_skip_ordinary(const char *p, const char *end, unsigned char mask)
{
#ifdef __SSE2__
    const __m128i nl = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r'), sl = _mm_set1_epi8('/'),
                  dq = _mm_set1_epi8('"'), sq = _mm_set1_epi8('\''), bs = _mm_set1_epi8('\\'),
                  rr = _mm_set1_epi8(mask & CLEX_STOP_RAW ? 'R' : '\n');
    for (; end - p >= 16; p += 16) {
        __m128i b = _mm_loadu_si128((const __m128i *)p);
        __m128i m = _mm_or_si128(
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(b, nl), _mm_cmpeq_epi8(b, cr)),
                         _mm_or_si128(_mm_cmpeq_epi8(b, sl), _mm_cmpeq_epi8(b, dq))),
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(b, sq), _mm_cmpeq_epi8(b, bs)),
                         _mm_cmpeq_epi8(b, rr)));
        unsigned bits = (unsigned)_mm_movemask_epi8(m);
        if (bits)
            return p + __builtin_ctz(bits);
    }
#endif
    while (p < end && !(clex_stops[(unsigned char)*p] & mask))
        p++;
    return p;
}

#endif
