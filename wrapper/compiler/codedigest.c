/* SPDX-License-Identifier: Apache-2.0 */
/* codedigest.c — the comment-blind digest of a source file.  See
 * codedigest.h for the contract and what the caller must check.
 *
 * The digest is SHA-256 of a canonical form: the text with some comments
 * replaced by a marker, fed to the hash piece by piece (no copy).  Two texts
 * with one canonical form must compile identically with gcc, so every rule
 * below answers a way gcc looks at comments, or at what surrounds them:
 *
 *  - Lexing is the preprocessor's, by wrapper/compiler/clex.h (shared with the
 *    include scanner), in the one reading every dialect agrees with when
 *    none of these is in the file: a raw string, a digit separator, a //
 *    comment holding a block comment opener (C90 reads a block comment
 *    there), a trigraph.  Any of them: no digest.
 *  - Code bytes are kept exactly; a comment is replaced only when it is
 *    "plain" and ends its line.  Others are kept verbatim.
 *  - Plain: printable ASCII and tabs only (gcc looks inside comments for
 *    bidirectional controls and invalid UTF-8), no backslash (a splice in
 *    a comment, -Wcomment's multi-line comment; \u escapes for -Wbidi-chars),
 *    no "/\*" after its opening (-Wcomment), no "??" (trigraph warnings),
 *    no "fall" in any case (-Wimplicit-fallthrough=2..4 read the words), no
 *    blank before a line end inside it or at its end (gcc 15's
 *    -Wtrailing-whitespace looks inside comments), closed.
 *  - Ends its line: only blanks between its end and the line end.  Columns
 *    after a comment (diagnostics, DWARF, -Wmisleading-indentation) depend
 *    on its length; nothing after one that ends its line does.
 *  - The marker says line or block comment (-Wc90-c99-compat warns at the
 *    first // comment) and keeps its presence (-Wimplicit-fallthrough=1
 *    takes any comment).  A block comment's line ends are kept with, on
 *    each line it continues on, the blanks that start it and whether more
 *    follows: line numbers stay, and -Wmisleading-indentation and gcc 15's
 *    -Wleading-whitespace read the indentation of every line, comment or
 *    not.
 *  - The blanks before a replaced comment go with it (aligned comments move
 *    when one is edited) when code comes before them on their line; not
 *    when they are the line's indentation (as above), nor when a backslash
 *    comes before them (without the comment it would splice).
 *  - A comment where gcc may be reading a header name is no comment there:
 *    // and /\* are part of <a//b.h>.  After #include, #include_next,
 *    #import and #embed, comments are allowed only behind a name that lexes
 *    the same as a header name and as ordinary tokens (gcc lexes a skipped
 *    block's directive as the latter), with nothing between; a comment or
 *    a literal in any other place on such a line: no digest.  On an #if or
 *    #elif line, a header name may start at a < or " right after a
 *    parenthesis (__has_include's operand, also through a macro standing
 *    for it): no digest for a comment or literal after such a <, nor for a
 *    "..." there with a backslash in it (a header name ends at its first
 *    quote).  Nor for a comment on a line after the words has_include or
 *    has_embed, or on a line starting a C++20 import.  A splice inside an
 *    identifier would hide those words: no digest.
 *  - -g3 records each macro's definition as its tokens, with one space
 *    where whitespace or a comment was: a comment that ends a #define's
 *    line has no tokens after it, so its text and the blanks before it do
 *    not show.
 *  - Markers start with a NUL byte; a text with a NUL in it (gcc warns and
 *    drops them) has no digest, so a marker can never be read as code.
 *
 * Speed: ordinary text is skipped sixteen bytes a step (clex.h), comments
 * by memchr() and a table; the whole-text checks are memchr() and an SSE2
 * pair search.  ~700 MB/s over /usr/include, hashing included. */
#include "wrapper/compiler/codedigest.h"

#include <string.h>

#include "wrapper/compiler/clex.h"

/* Leads the canonical form: a change to the rules must change it, so that
 * digests kept by an older ricc are never compared with newer ones. */
static const char FORMAT[] = "ricc code digest 1\n";

/* What the logical line being lexed is, for the comments on it. */
enum {
    L_CODE,         /* anything else */
    /* From here on, gcc may read a header name somewhere on the line. */
    L_IF,           /* #if, #elif: __has_include may read a header name */
    L_INCLUDE,      /* #include and kin with a clean header name */
    L_INCLUDE_BAD,  /* #include and kin with anything else after the name */
    L_MODULE,       /* import, __import, export: a C++20 header unit maybe */
};

typedef struct cdx {
    const char *text, *end;
    const char *body;     /* text past a byte order mark */
    const char *emitted;  /* what is before this was fed to ctx */
    digest_ctx *ctx;      /* NULL: lexing for code_location_bound() only */
    size_t hint;          /* the widest line gcc sees in a block comment */
    int has_inc;          /* the text holds has_include or has_embed */
    /* The logical line being lexed. */
    const char *line;     /* its start */
    const char *scanned;  /* where checking it for risky text stopped */
    const char *name_end; /* L_INCLUDE: past the header name */
    int kind;             /* L_* */
} cdx;

static void feed(cdx *c, const char *from, const char *to)
{
    if (to > from && c->ctx)
        digest_ctx_update(c->ctx, from, (size_t)(to - from));
}

/* A marker: a NUL and a letter. */
static void mark(cdx *c, char what)
{
    const char m[2] = {'\0', what};
    if (c->ctx)
        digest_ctx_update(c->ctx, m, 2);
}

static void new_line(cdx *c, const char *p)
{
    c->line = c->scanned = p;
    c->kind = L_CODE;
}

/* NUL bytes (the markers' lead) or trigraphs anywhere: no digest. */
static int refused_bytes(const char *text, size_t len)
{
    const char *end = text + len;
    if (memchr(text, '\0', len))
        return 1;
    for (const char *p = text; p < end && (p = memchr(p, '?', (size_t)(end - p))); p++)
        if (end - p >= 3 && p[1] == '?' && p[2] && strchr("=/'()!<>-", p[2]))
            return 1;
    return 0;
}

/* After #include (and kin): is what follows a header name that lexes the
 * same as ordinary tokens, ending on this line?  No comment opener in it,
 * and no quote, apostrophe or backslash: read as tokens, those open
 * literals or escape, and a literal may end elsewhere than the name, say
 * after the "/\*" gcc opens a comment with (a name "a\" is fine to gcc).
 * Returns where lexing goes on, or NULL when the text can have no digest. */
static const char *include_line(cdx *c, const char *p)
{
    const char *end = c->end;
    c->kind = L_INCLUDE_BAD;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    if (p >= end || (*p != '<' && *p != '"'))
        return p; /* #include MACRO: lexed as tokens, both ways */
    char close = *p == '<' ? '>' : '"';
    const char *s = p + 1;
    for (; s < end && *s != close && !clex_is_eol(*s); s++) {
        if (*s == '\\' || *s == '"' || *s == '\'')
            return NULL;
        if (*s == '/' && s + 1 < end && (s[1] == '/' || s[1] == '*'))
            return p;
    }
    if (s >= end || *s != close)
        return p; /* unclosed: tokens to gcc too */
    c->kind = L_INCLUDE;
    c->name_end = s + 1;
    return s + 1;
}

/* After a directive's # (or %:): the directive name decides the line's
 * kind.  Returns where lexing goes on, or NULL when the text can have no
 * digest. */
static const char *directive(cdx *c, const char *p)
{
    const char *end = c->end;
    char name[16];
    size_t n = 0;
    for (p = clex_blanks(p, end); p < end && clex_is_ident(*p); p = clex_next_char(p, end)) {
        if (n == sizeof name)
            return p; /* no directive of ours is that long */
        name[n++] = *p;
    }
#define IS(s) (n == sizeof s - 1 && !memcmp(name, s, n))
    if (IS("include") || IS("include_next") || IS("import") || IS("embed"))
        return include_line(c, p);
    if (IS("if") || IS("elif"))
        c->kind = L_IF;
#undef IS
    return p;
}

/* Does the logical line start (at p, its first token) a C++20 module import,
 * whose header name gcc lexes as after #include? */
static int module_line(const char *p, const char *end)
{
    static const char *const words[] = {"import", "__import", "export"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
        size_t n = strlen(words[i]);
        if ((size_t)(end - p) >= n && !memcmp(p, words[i], n) &&
            ((size_t)(end - p) == n || !clex_is_ident(p[n])))
            return 1;
    }
    return 0;
}

/* On an #if line, may a header name start at the < or " at at?  Only
 * right after a parenthesis: __has_include's, or that of a macro standing
 * for it (gcc reads the operand as a header name; without the parenthesis
 * it is an error).  Blanks and splices may come between; a comment too,
 * which this does not look behind. */
static int opens_name(const char *line, const char *at)
{
    const char *p = at;
    while (p > line) {
        char ch = p[-1];
        if (clex_is_blank(ch)) {
            p--;
        } else if (clex_is_eol(ch)) {
            const char *q = p - 1;
            if (ch == '\n' && q > line && q[-1] == '\r')
                q--;
            while (q > line && clex_is_blank(q[-1]))
                q--;
            if (q == line || q[-1] != '\\')
                return 1; /* a comment's line end */
            p = q - 1;
        } else {
            return ch == '(' || (ch == '/' && p - 1 > line && p[-2] == '*');
        }
    }
    return 0;
}

/* Is there a < in [from, to) that may start a header name? */
static int name_opener(cdx *c, const char *from, const char *to)
{
    for (const char *p = from; p < to && (p = memchr(p, '<', (size_t)(to - p))); p++)
        if (opens_name(c->line, p))
            return 1;
    return 0;
}

/* On a line where gcc may read a header name: could the literal [p, e)
 * be, or be inside, one, which would end elsewhere?  <...> ends at a '>'
 * where a literal inside would not, and "..." at its first quote, where a
 * string literal ends at its first unescaped one. */
static int literal_may_be_name(cdx *c, const char *p, const char *e)
{
    if (c->kind != L_IF)
        return 1; /* after #include's name, or an import: never seen */
    if (name_opener(c, c->line, p))
        return 1;
    return *p == '"' && opens_name(c->line, p) && memchr(p, '\\', (size_t)(e - p));
}

/* May gcc be reading a header name where a comment seems to open at open? */
static int in_header_name(cdx *c, const char *open)
{
    if (c->kind == L_INCLUDE_BAD || c->kind == L_MODULE)
        return 1;
    if (c->kind == L_INCLUDE) {
        for (const char *s = c->name_end; s < open; s++)
            if (*s != ' ' && *s != '\t')
                return 1;
        return 0;
    }
    /* What of the line came since the last comment on it (comment text is
     * no code, and a comment splits an identifier in two).  A "..." name
     * ends where its string literal did (literal_may_be_name). */
    const char *from = c->scanned;
    size_t n = (size_t)(open - from);
    if (c->kind == L_IF && name_opener(c, from, open))
        return 1;
    if (c->has_inc && (memmem(from, n, "has_include", 11) || memmem(from, n, "has_embed", 9)))
        return 1;
    return 0;
}

/* Bytes plain() must look at: all but printable ASCII and tabs, and what
 * may start a backslash, "/\*", "??" or "fall"; line ends. */
static const unsigned char attention[256] = {
    [0 ... 8] = 1, [10 ... 31] = 1, [127 ... 255] = 1,
    ['\\'] = 1, ['/'] = 1, ['?'] = 1, ['f'] = 1, ['F'] = 1,
};

/* Is the comment [open, e) plain (see the top of the file)?  block: a
 * closed block comment, else a line comment ending at its line end. */
static int plain(const char *open, const char *e, int block)
{
    if (open[1] != (block ? '*' : '/'))
        return 0; /* a splice inside the opener */
    const char *p = open + 2, *stop = e;
    if (block) {
        if (e - open < 4 || e[-2] != '*')
            return 0; /* a splice inside the closer */
        stop = e - 2;
    }
    for (;; p++) {
        while (p < stop && !attention[(unsigned char)*p])
            p++;
        if (p >= stop)
            break;
        switch (*p) {
        case '\\':
            return 0;
        case '/':
            if (p + 1 < stop && p[1] == '*')
                return 0;
            break;
        case '?':
            if (p + 1 < stop && p[1] == '?')
                return 0;
            break;
        case 'f':
        case 'F':
            if (stop - p >= 4 && (p[1] | 32) == 'a' && (p[2] | 32) == 'l' && (p[3] | 32) == 'l')
                return 0;
            break;
        case '\n':
        case '\r':
            if (!block || p[-1] == ' ' || p[-1] == '\t')
                return 0;
            break;
        default:
            return 0;
        }
    }
    /* A line comment's end is its line's. */
    return block || !(stop > open + 2 && (stop[-1] == ' ' || stop[-1] == '\t'));
}

/* The marker of a replaced block comment [open, e): its line ends, each
 * with the blanks starting the next line and whether more follows. */
static void block_marker(cdx *c, const char *open, const char *e)
{
    mark(c, 'B');
    for (const char *p = open; p < e; p++) {
        if (!clex_is_eol(*p))
            continue;
        const char *s = clex_past_eol(p, e);
        while (s < e && (*s == ' ' || *s == '\t'))
            s++;
        feed(c, p, s);
        if (s < e && !clex_is_eol(*s))
            mark(c, 'c');
        p = s - 1;
    }
    mark(c, 'E');
}

/* The comment opening at open, q being the logical character after the
 * slash ('*' or '/').  Replaces it when it may be; *next is past it.
 * Returns 1 when the text can have no digest. */
static int comment(cdx *c, const char *open, const char *q, const char **next)
{
    const char *end = c->end, *e;
    int block = *q == '*', closed = 1;
    if (block) {
        e = clex_block_comment_end(q + 1, end, &closed);
    } else {
        e = clex_line_comment(q, end);
        if (clex_has_comment_start(q, e))
            return 1; /* C90 would read a block comment from there */
    }
    *next = e;
    if (block && !c->ctx) {
        /* At each line end in it, gcc takes the next logical line's
         * length, up to its unspliced line end, for a column hint. */
        for (const char *p = memchr(open, '\n', (size_t)(e - open)); p;
             p = p + 1 < e ? memchr(p + 1, '\n', (size_t)(e - p - 1)) : NULL) {
            size_t n = (size_t)(clex_line_comment(p + 1, end) - p) + 1;
            if (n > c->hint)
                c->hint = n;
        }
    }
    if (in_header_name(c, open))
        return 1;
    const char *t = e;
    while (t < end && (*t == ' ' || *t == '\t'))
        t++;
    int ends_line = closed && (t == end || clex_is_eol(*t));
    c->scanned = e;
    if (c->kind == L_INCLUDE && !ends_line)
        return 1;
    if (!ends_line || !plain(open, e, block))
        return 0;

    /* The blanks before it, when code comes before them. */
    const char *from = open;
    while (from > c->body && (from[-1] == ' ' || from[-1] == '\t'))
        from--;
    if (from > c->body && from[-1] == '\\')
        return 0;
    const char *r = from;
    while (r > c->body && clex_is_blank(r[-1]))
        r--;
    if (r == c->body || clex_is_eol(r[-1]))
        from = open; /* the line's indentation */
    if (from < c->emitted)
        from = c->emitted;
    feed(c, c->emitted, from);
    if (block)
        block_marker(c, open, e);
    else
        mark(c, 'L');
    c->emitted = e;
    return 0;
}

/* Lex the whole text, feeding its canonical form.  Returns 1 when it can
 * have no digest. */
static int lex(cdx *c)
{
    const char *p = c->body, *end = c->end, *q;
    int bol = 1; /* no token yet on this logical line */
    new_line(c, p);
    for (;;) {
        if (bol) {
            /* Blanks and splices; then a comment (the line still has no
             * token after it), a line end, a directive or a first token. */
            for (q = p;;) {
                q = clex_unsplice(q, end);
                if (q < end && clex_is_blank(*q))
                    q++;
                else
                    break;
            }
            if (q >= end)
                return 0;
            if (clex_is_eol(*q)) {
                p = clex_past_eol(q, end);
                new_line(c, p);
                continue;
            }
            const char *r = clex_next_char(q, end);
            if (*q == '/' && r < end && (*r == '*' || *r == '/')) {
                if (comment(c, q, r, &p))
                    return 1;
                continue;
            }
            bol = 0;
            if (*q == '#')
                q = directive(c, q + 1);
            else if (*q == '%' && r < end && *r == ':')
                q = directive(c, r + 1);
            else if ((*q == 'i' || *q == 'e' || *q == '_') && module_line(q, end))
                c->kind = L_MODULE;
            if (!q)
                return 1;
            p = q;
        }
        p = clex_skip_ordinary(p, end, CLEX_STOP | CLEX_STOP_RAW);
        if (p >= end)
            return 0;
        switch (*p) {
        case '\n':
        case '\r':
            p = clex_past_eol(p, end);
            new_line(c, p);
            bol = 1;
            break;
        case '\\':
            q = clex_splice_at(p, end);
            if (q && p > c->text && clex_is_ident(p[-1]) && q < end && clex_is_ident(*q))
                return 1; /* an identifier spliced in two */
            p = q ? q : p + 1;
            break;
        case '/':
            q = clex_next_char(p, end);
            if (q < end && (*q == '*' || *q == '/')) {
                if (comment(c, p, q, &p))
                    return 1;
            } else {
                p = q;
            }
            break;
        case '"':
            q = clex_literal(p + 1, end, '"');
            if (c->kind >= L_IF && literal_may_be_name(c, p, q))
                return 1;
            p = q;
            break;
        case '\'':
            if (clex_digit_sep(c->text, p, end))
                return 1;
            q = clex_literal(p + 1, end, '\'');
            if (c->kind >= L_IF && literal_may_be_name(c, p, q))
                return 1;
            p = q;
            break;
        default: { /* 'R' */
            const char *d, *open;
            if (clex_raw_start(c->text, p, end, &d, &open) != CLEX_RAW_NONE)
                return 1;
            p++;
            break;
        }
        }
    }
}

/* Does the text hold "has_include" or "has_embed"?  One pass looking for
 * "s_", sixteen bytes a step where SSE2 is there: this runs over every
 * text, most of which has neither. */
static int has_inc_words(const char *text, size_t len)
{
    if (len < 9)
        return 0;
    const char *end = text + len, *p = text + 3;
#ifdef __SSE2__
    const __m128i s = _mm_set1_epi8('s'), u = _mm_set1_epi8('_');
    for (; end - p >= 17; p += 16) {
        __m128i a = _mm_loadu_si128((const __m128i *)(p - 1)), b = _mm_loadu_si128((const __m128i *)p);
        unsigned bits = (unsigned)_mm_movemask_epi8(
            _mm_and_si128(_mm_cmpeq_epi8(a, s), _mm_cmpeq_epi8(b, u)));
        for (; bits; bits &= bits - 1) {
            const char *q = p + __builtin_ctz(bits) - 3; /* at "has_" */
            if (!memcmp(q, "ha", 2) && ((end - q >= 11 && !memcmp(q + 4, "include", 7)) ||
                                        (end - q >= 9 && !memcmp(q + 4, "embed", 5))))
                return 1;
        }
    }
#endif
    for (; p < end; p++)
        if (p[-1] == 's' && *p == '_') {
            const char *q = p - 3;
            if (!memcmp(q, "ha", 2) && ((end - q >= 11 && !memcmp(q + 4, "include", 7)) ||
                                        (end - q >= 9 && !memcmp(q + 4, "embed", 5))))
                return 1;
        }
    return 0;
}

int code_digest(const char *text, size_t len, digest *out)
{
    if (len == 0)
        text = ""; /* maybe NULL, which even memchr() must not see */
    if (refused_bytes(text, len))
        return 1;
    cdx c = {.text = text, .end = text + len, .body = text, .emitted = text};
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
        c.body = text + 3; /* a UTF-8 byte order mark: kept, as code */
    c.has_inc = has_inc_words(text, len);
    if (!(c.ctx = digest_ctx_new()))
        return -1;
    feed(&c, FORMAT, FORMAT + sizeof FORMAT - 1);
    if (lex(&c)) {
        digest tmp;
        digest_ctx_final(c.ctx, &tmp); /* frees it */
        return 1;
    }
    feed(&c, c.emitted, c.end);
    digest_ctx_final(c.ctx, out);
    return 0;
}

/* Could a line starting at p (past its blanks) change gcc's line map: a
 * directive (#include, #line, a line marker, #pragma GCC system_header), or
 * a C++20 import?  (More than these: only the bound grows.) */
static int map_line(const char *p, const char *end)
{
    if (p >= end)
        return 0;
    if (*p == '#' || *p == '%' || *p == '?')
        return 1;
    return (*p == 'i' || *p == 'e' || *p == '_' || *p == 'm') &&
           (module_line(p, end) || ((size_t)(end - p) >= 6 && !memcmp(p, "module", 6)));
}

/* The bound.  gcc gives each line of a line map 2^(column bits + range
 * bits) locations: range bits are at most 5, column bits at least 7, and
 * grow to hold the widest column asked of the map (a token's column + 50,
 * or a block comment line's whole length) up to 13 (4096 and beyond: no
 * columns at all).  So a line costs at most S = 2^(5 + bits of this text's
 * widest line + 51).  A new map starts just past the highest location
 * given out, which wastes at most a line's worth, and after it come at most
 * six widenings, each wasting at most the narrower map's line: at most 3S
 * a map.  New maps come with a file change (entering and leaving this
 * file, an #include and what it includes, #line and line markers, #pragma
 * GCC system_header, _Pragma, module imports: map_line()), and once a map
 * has 10 column bits or more, with each line that narrows it back (a first
 * token within 30 columns) and each line over 4096 columns. */
uint64_t code_location_bound(const char *text, size_t len)
{
    if (len == 0)
        text = "";
    /* cppcheck-suppress pointerOutOfBoundsCond ; (text is "" only when len is 0) */
    const char *p = text, *end = text + len;
    uint64_t lines = 0, maps = 2;
    size_t longest = 0, logical = 0, longest_logical = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end, *f = p, *b = e;
        if ((size_t)(e - p) + 1 > longest)
            longest = (size_t)(e - p) + 1;
        while (f < e && clex_is_blank(*f))
            f++;
        maps += 2 * (uint64_t)map_line(f, e);
        if (b > p && b[-1] == '\r')
            b--;
        while (b > p && clex_is_blank(b[-1]))
            b--;
        logical += (size_t)(e - p) + 1;
        if (!nl || b == p || b[-1] != '\\') { /* else a splice: the line goes on */
            if (logical > longest_logical)
                longest_logical = logical;
            logical = 0;
        }
        lines++;
        p = nl ? nl + 1 : end;
    }
    if (logical > longest_logical)
        longest_logical = logical;
    /* A CR not before an LF ends a line too: count them, and give up on
     * knowing the longest line or where directives are. */
    for (p = text; p < end && (p = memchr(p, '\r', (size_t)(end - p))); p++)
        if (p + 1 == end || p[1] != '\n') {
            lines++;
            maps += 2;
            longest = 4096;
        }
    /* Tokens ask for their column + 50, columns counting from the physical
     * line; lines in block comments for their logical line's length, found
     * by lexing (where the dialect could change that, the longest). */
    cdx c = {.text = text, .end = end, .body = text, .emitted = text};
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
        c.body = text + 3;
    c.has_inc = has_inc_words(text, len);
    if (refused_bytes(text, len) || lex(&c))
        c.hint = longest_logical + 1;
    longest = longest + 51 > c.hint ? longest + 51 : c.hint;
    for (p = text; p < end && (p = memmem(p, (size_t)(end - p), "_Pragma", 7)); p++)
        maps += 2;
    size_t widest = longest < 4096 ? longest : 4096;
    unsigned bits = 7;
    while (widest >= ((size_t)1 << bits))
        bits++;
    if (bits >= 10)
        maps += 2 * lines;
    return (lines + 1 + 3 * maps) << (bits + 5);
}
