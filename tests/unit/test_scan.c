/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for incpath_scan's lexing (wrapper/deps/incscan.c): what is a
 * directive and what is only text that looks like one.  Hand-written cases
 * for each rule, then every file under /usr/include against a slow, obvious
 * reading written here: the scanner must find every include that reading
 * finds, and whatever it calls computed must be computed there too. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/sysheaders.h"
#include "tests/unit/unit.h"
#include "wrapper/deps/incpath.h"

/* The include directives found in text (tests left out), as one string:
 * each name followed by a space, "<" before an angle one, "!" before a
 * computed one, "+" after one whose after_include is set. */
static char *found(const char *text)
{
    inc_ref *r;
    int n = incpath_scan(text, strlen(text), &r);
    CU_ASSERT_FATAL(n >= 0);
    size_t cap = 1;
    for (int i = 0; i < n; i++)
        cap += strlen(r[i].name) + 4;
    char *out = malloc(cap), *o = out;
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    for (int i = 0; i < n; i++) {
        if (r[i].test)
            continue;
        o += sprintf(o, "%s%s%s%s ", r[i].computed ? "!" : "", r[i].angle ? "<" : "", r[i].name,
                     r[i].after_include ? "+" : "");
    }
    *o = '\0';
    inc_refs_free(r, n);
    return out;
}

#define EXPECT(text, want)                                                                        \
    do {                                                                                          \
        char *got_ = found(text);                                                                 \
        CU_ASSERT_STRING_EQUAL(got_, want);                                                       \
        if (strcmp(got_, want))                                                                   \
            fprintf(stderr, "\n  scanning %s\n  found [%s]\n  wanted [%s]\n", #text, got_, want); \
        free(got_);                                                                               \
    } while (0)

static void test_block_comments(void)
{
    EXPECT("/* #include <in_comment.h> */\n", "");
    EXPECT("/*\n#include <in_comment.h>\n*/\n#include <after.h>\n", "<after.h ");
    /* A comment is a blank: before the #, after it, before the name. */
    EXPECT("/* x */ #include <a.h>\n"
           "# /* x */ include <b.h>\n"
           "#include /* x */ <c.h>\n"
           "/* c */#include \"d.h\"\n",
           "<a.h <b.h <c.h d.h ");
    /* Comments do not nest: the first star-slash ends one. */
    EXPECT("/* /* */ #include <nested_looking.h>\n", "<nested_looking.h ");
    EXPECT("/* a /* b */ c */ #include <not_directive.h>\n", "");
    /* A comment spanning lines, begun at a line's start, is a blank before
     * the directive on the line where it ends (gcc and clang agree); begun
     * after code, it is not. */
    EXPECT("/* one\n   two */ #include <after_span.h>\n", "<after_span.h ");
    EXPECT("int a; /* one\n   two */ #include <not_directive.h>\n", "");
    /* glibc's <limits.h>: text in a comment that starts with #include. */
    EXPECT("/* Note:\n   #include's protect themselves, and in GCC 2 we may #include_next\n"
           "   through multiple copies of this file.  */\n#include <features.h>\n",
           "<features.h ");
    EXPECT("/* unterminated\n#include <never.h>\n", "");
}

static void test_line_comments(void)
{
    EXPECT("// #include <in_comment.h>\n#include <after.h>\n", "<after.h ");
    EXPECT("int x; // a comment /* that opens nothing\n#include <after.h>\n", "<after.h ");
    /* A backslash ending the line carries the comment on. */
    EXPECT("// comment \\\n#include <continued.h>\n#include <after.h>\n", "<after.h ");
    EXPECT("// comment \\   \n#include <continued.h>\n", "");
    EXPECT("// comment \\\r\n#include <continued.h>\r\n#include <after.h>\r\n", "<after.h ");
}

static void test_splices(void)
{
    /* In the keyword, in the name, before the #, in a comment's close. */
    EXPECT("#inc\\\nlude <keyword.h>\n", "<keyword.h ");
    EXPECT("#  include_\\\r\nnext <next.h>\n", "<next.h ");
    EXPECT("#include <spl\\\nit.h>\n", "<split.h ");
    EXPECT("\\\n#include <after_splice.h>\n", "<after_splice.h ");
    EXPECT("#\\\ninclude \"q.h\"\n", "q.h ");
    EXPECT("/* comment *\\\n/ #include <after_comment.h>\n", "<after_comment.h ");
    /* Spliced onto the line before, a # is not first on its line. */
    EXPECT("int a = 1 + \\\n#include <not_directive.h>\n2;\n", "");
    /* Blanks between backslash and line end still splice (gcc, clang). */
    EXPECT("#define X 1 \\ \t\n#include <in_macro.h>\n", "");
    /* Lone \r line ends, as gcc reads them. */
    EXPECT("#include <a.h>\r#include <b.h>\r", "<a.h <b.h ");
}

static void test_literals(void)
{
    /* A literal's text is not scanned: what looks like a comment in it
     * opens none, and a spliced line inside it is no directive. */
    EXPECT("const char *s = \"/* not a comment\";\n#include <after_string.h>\n",
           "<after_string.h ");
    EXPECT("char c = '\"';\n#include <after_char.h>\n/* \" */\n", "<after_char.h ");
    EXPECT("const char *s = \"a\\\"/*\";\n#include <after_escape.h>\n", "<after_escape.h ");
    EXPECT("const char *s = \"abc\\\n#include <in_string.h>\";\n", "");
    EXPECT("char c = '\\\n#include <in_char.h>';\n", "");
    EXPECT("const char *s = \"\\\\\";\n#include <after_backslash.h>\n", "<after_backslash.h ");
    /* A stray apostrophe (text in #if 0) ends at its line's end. */
    EXPECT("#if 0\nthat's all /* it is\n#endif\n#include <after_apostrophe.h>\n",
           "<after_apostrophe.h ");
    EXPECT("#error don't \"do /* that\n#include <after_error.h>\n", "<after_error.h ");
    /* Prefixed literals are literals. */
    EXPECT("wchar_t c = L'/'; const char *u = u8\"/*\";\n#include <after_prefix.h>\n",
           "<after_prefix.h ");
}

static void test_raw_strings(void)
{
    /* The text of a raw string is not scanned: a quote and a comment
     * opener in it hide nothing (as an ordinary string and a comment they
     * would hide the #include). */
    EXPECT("auto s = R\"(a\"b/*)\";\n#include <after_raw.h>\n", "<after_raw.h ");
    EXPECT("auto s = R\"xy(a)\" /* )xy\";\n#include <after_delim.h>\n", "<after_delim.h ");
    EXPECT("auto s = u8R\"(\"/*)\", t = LR\"(\"/*)\";\n#include <after_prefixes.h>\n",
           "<after_prefixes.h ");
    EXPECT("auto s = uR\"(\"/*)\", t = UR\"(\"/*)\";\n#include <after_prefixes.h>\n",
           "<after_prefixes.h ");
    /* R after an identifier is part of it: "(... is an ordinary string,
     * which ends at the line's end. */
    EXPECT("x = FOOR\"(\n#include <real.h>\n)\";\n", "<real.h ");
    /* Lines inside a raw string are text to C++11, but C and C++98 have no
     * raw strings and see a directive there: reported, as some compiler
     * reads it so. */
    EXPECT("auto s = R\"(\n#include <in_raw.h>\n)\";\n#include <after.h>\n", "<after.h <in_raw.h ");
}

static void test_directive_forms(void)
{
    EXPECT("%:include <digraph.h>\n%: include \"digraph2.h\"\n", "<digraph.h digraph2.h ");
    EXPECT("?\?=include <trigraph.h>\n", "<trigraph.h ");
    EXPECT("   #include <indented.h>\n\t# include <tabbed.h>\n\f#include <ff.h>\n",
           "<indented.h <tabbed.h <ff.h ");
    EXPECT("#include<no_blank.h>\n#include\"no_blank2.h\"\n", "<no_blank.h no_blank2.h ");
    EXPECT("#includes <not.h>\n#include_nextx <not.h>\n#import <objc.h>\n", "<objc.h ");
    EXPECT("x; #include <not_first.h>\n#define S(x) #x\n", "");
    /* After #include the name is a header name: // and a comment opener are
     * part of it, and open nothing. */
    EXPECT("#include <a//b.h>\n#include \"x/*y.h\"\n#include <after.h>\n",
           "<a//b.h x/*y.h <after.h ");
    /* In a quoted header name a backslash escapes nothing (gcc). */
    EXPECT("#include \"dir\\\\x.h\"\n", "dir\\\\x.h ");
    /* A byte order mark before the first directive. */
    EXPECT("\xEF\xBB\xBF#include <bom.h>\n", "<bom.h ");
    /* The same name twice is reported once; as another kind, again. */
    EXPECT("#include <a.h>\n#include <a.h>\n#include \"a.h\"\n", "<a.h a.h ");
}

static void test_computed(void)
{
    EXPECT("#include FT_FREETYPE_H\n", "!FT_FREETYPE_H ");
    EXPECT("#include MACRO(x) /* why */\n", "!MACRO(x) ");
    EXPECT("#include_next NEXT_H\n", "!NEXT_H ");
    EXPECT("#include\n#include <\n#include \"unclosed\n", "!? !<+ !\"unclosed+ ");
    /* Not computed: in a comment, in a string, in a raw string. */
    EXPECT("/* #include FT_FREETYPE_H */\n", "");
    EXPECT("// #include FT_FREETYPE_H\n", "");
    EXPECT("s = \"\\\n#include FT_FREETYPE_H\";\n", "");
    /* An #include outside every #if before it: then it cannot be a main
     * file's first include. */
    EXPECT("#include <ft2build.h>\n#include FT_FREETYPE_H\n", "<ft2build.h !FT_FREETYPE_H+ ");
    EXPECT("#ifdef HAVE_CONFIG_H\n#include <config.h>\n#endif\n#include H\n", "<config.h !H ");
    EXPECT("#if 0\n#elif 1\n#endif\n#include <a.h>\n#if X\n#include H\n#endif\n",
           "<a.h !H+ ");
    EXPECT("#define H \"h.h\"\n#include H\n#include <a.h>\n", "!H <a.h ");
    /* Only a plain # is sure to be a directive in every dialect. */
    EXPECT("%:include <a.h>\n#include H\n", "<a.h !H ");
    EXPECT("#if 1\n?\?=endif\n#include <a.h>\n#include H\n", "<a.h !H ");
    /* Both readings of a dialect-dependent line count: the one where
     * "#include <a.h>" comes first (no trigraphs) gives H with it, the
     * one where the trigraph splices it into a comment without. */
    EXPECT("// ?\?/\n#include <a.h>\n#include H\n", "<a.h !H+ !H ");
}

static void test_dialects(void)
{
    /* Trigraphs (strict ISO modes): ?\?/ is a backslash.  Where it ends a
     * comment only with trigraphs, the directive after is reported. */
    EXPECT("/* a *?\?/\n/ #include <tri.h>\n */\n", "<tri.h ");
    EXPECT("#include <tri?\?/\nsplit.h>\n", "!<tri?\?/ <trisplit.h ");
    /* Digit separators (C++14, C23): 1'2 is a number, so '/\*' is a
     * character literal and no comment opens. */
    EXPECT("#define X 0x1'2'/*';\n#include <sep.h>\n", "<sep.h ");
    EXPECT("long big = 1'000'000; /* \" */\n#include <after_sep.h>\n", "<after_sep.h ");
    /* C90 has no // comments: two slashes and a star open a block comment
     * there, which the next line's slash, star, slash closes. */
    EXPECT("a //*\n/*/\n#include <c90.h>\n*/\n", "<c90.h ");
}

static void test_existence_tests_kept(void)
{
    const char *text = "/* __has_include(<in_comment.h>) */\n"
                       "#if __has_include(<a.h>)\n#include <a.h>\n#endif\n";
    inc_ref *r;
    int n = incpath_scan(text, strlen(text), &r);
    CU_ASSERT_EQUAL_FATAL(n, 3);
    /* Directives first; tests anywhere (a needless one costs a hit). */
    CU_ASSERT(!r[0].test && !strcmp(r[0].name, "a.h"));
    CU_ASSERT(r[1].test && !strcmp(r[1].name, "in_comment.h"));
    CU_ASSERT(r[2].test && !strcmp(r[2].name, "a.h"));
    inc_refs_free(r, n);
}

/* The tests text makes, as "L<name" (literal, angle), "Lname" (quoted),
 * "?" (computed) or "W:name" (a wrapper), "+" after a _next one; through
 * the wrappers ops when set. */
static char *tests_found(const char *text, char *const *ops, const int *next, int n_ops)
{
    inc_ref *r;
    int n = ops ? incpath_scan_uses(text, strlen(text), ops, next, n_ops, &r)
                : incpath_scan_tests(text, strlen(text), &r);
    CU_ASSERT_FATAL(n >= 0);
    size_t cap = 1;
    for (int i = 0; i < n; i++)
        cap += strlen(r[i].name) + 8;
    char *out = malloc(cap), *o = out;
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    for (int i = 0; i < n; i++) {
        CU_ASSERT(r[i].test);
        if (r[i].wrapper)
            o += sprintf(o, "W:%s", r[i].name);
        else if (r[i].computed)
            o += sprintf(o, "?");
        else
            o += sprintf(o, "L%s%s", r[i].angle ? "<" : "", r[i].name);
        o += sprintf(o, "%s ", r[i].next ? "+" : "");
    }
    *o = '\0';
    inc_refs_free(r, n);
    return out;
}

#define TESTS(text, want)                                                                     \
    do {                                                                                      \
        char *got_ = tests_found(text, NULL, NULL, 0);                                        \
        CU_ASSERT_STRING_EQUAL(got_, want);                                                   \
        if (strcmp(got_, want))                                                               \
            fprintf(stderr, "\n  tests in %s\n  found [%s]\n  wanted [%s]\n", #text, got_, want); \
        free(got_);                                                                           \
    } while (0)

/* What the name of each test is, as far as the text can tell. */
static void test_test_operands(void)
{
    TESTS("#if __has_include(<a.h>) && __has_include_next(\"b.h\")\n", "L<a.h Lb.h+ ");
    /* glibc's and libstdc++'s guards are no tests. */
    TESTS("#ifdef __has_include\n#if defined __has_include && defined(__has_include_next)\n"
          "#endif // __has_include\n/* __has_include argument (GCC PR 80005) */\n",
          "");
    /* A macro's expansion can name anything. */
    TESTS("#define H \"x.h\"\n#if __has_include(H)\n", "? ");
    TESTS("#if __has_include_next(H)\n", "?+ ");
    TESTS("#define S(x) #x\n#if __has_include(S(x.h))\n", "? ");
    /* Written in a macro, <x.h>'s identifiers are expanded where it is
     * used ("linux" is 1 in GNU C); "x.h" is what it says. */
    TESTS("#define HAVE __has_include(<linux/x.h>)\n", "L<linux/x.h ? ");
    TESTS("#define HAVE __has_include(<_x.h>)\n", "L<_x.h ? ");
    TESTS("#define tbb 1\n#define HAVE __has_include(<tbb/tbb.h>)\n", "L<tbb/tbb.h ? ");
    /* libstdc++'s: no identifier there is a macro. */
    TESTS("#define _GLIBCXX_USE_TBB_PAR_BACKEND __has_include(<tbb/tbb.h>)\n", "L<tbb/tbb.h ");
    TESTS("#define HAVE __has_include(\"x.h\")\n", "Lx.h ");
    /* An alias of the operator. */
    TESTS("#define HI __has_include\n#if HI(<x.h>)\n", "? ");
    /* Comments and splices between the tokens. */
    TESTS("#if __has_include /* c */ (<x.h>)\n", "L<x.h ");
    TESTS("#if __has_include(/* c */ \"x.h\" /* d */)\n", "Lx.h ");
    TESTS("#if __has_include(<x\\\n.h>)\n", "L<x.h ");
    /* Split by a splice: input_has_tests() joins the lines too. */
    TESTS("#if __has_in\\\nclude(<x.h>)\n", "L<x.h ");
    /* In code, a comment or a literal, no test is evaluated. */
    TESTS("const char *s = \"__has_include(H)\"; /* __has_include(H) */ // __has_include(H)\n"
          "int __has_include_x;\n",
          "");
}

/* Macros that pass their argument to the operator, and their uses. */
static void test_wrappers(void)
{
    TESTS("#  define FMT_HAS_INCLUDE(x) __has_include(x)\n", "W:FMT_HAS_INCLUDE ");
    TESTS("#define HASN(x) (__has_include_next(x))\n", "W:HASN+ ");
    /* Named for the test: its uses are found by that name. */
    TESTS("#define __glibc_has_include(h) __has_include (h)\n"
          "#if __glibc_has_include (\"linux/stat.h\")\n",
          "Llinux/stat.h ");
    TESTS("#define __glibc_has_include(h) __has_include (h)\n#if __glibc_has_include (<linux/x.h>)\n",
          "L<linux/x.h ? ");
    /* Two parameters, or an operand that is more than the parameter. */
    TESTS("#define W(a, h) __has_include(h)\n", "? ");
    TESTS("#define W(h) __has_include(h.h)\n", "? ");
    char *ops[] = {"FMT_HAS_INCLUDE", "HASN"};
    int next[] = {0, 1};
    char *got = tests_found("#if FMT_HAS_INCLUDE(\"os.cc\") && HASN(\"n.h\")\n"
                            "#if FMT_HAS_INCLUDE(<ranges>) || FMT_HAS_INCLUDE(<__x>)\n"
                            "#if FMT_HAS_INCLUDE(HDR)\n"
                            "#ifdef FMT_HAS_INCLUDE\n#if defined(FMT_HAS_INCLUDE)\n"
                            "#define FMT_HAS_INCLUDE(x) __has_include(x)\n"
                            "#define W2(f) (FMT_HAS_INCLUDE(f) + 1)\n"
                            "#define ALIAS FMT_HAS_INCLUDE\n"
                            "FMT_HAS_INCLUDE(\"in_code.h\")\n",
                            ops, next, 2);
    CU_ASSERT_STRING_EQUAL(got, "Los.cc Ln.h+ L<ranges ? ? W:W2 ? ");
    free(got);
    /* A file that names none of them is not lexed at all. */
    got = tests_found("#if __has_include(H)\n", ops, next, 2);
    CU_ASSERT_STRING_EQUAL(got, "");
    free(got);
}

/* ---- the slow, obvious reading ---- */

typedef struct directive {
    char *name;       /* the header name, or the macro text's first word */
    int angle, next, computed;
} directive;

typedef struct reading {
    directive *d;
    int n;
} reading;

static void add_directive(reading *rd, const char *name, size_t len, int angle, int next,
                          int computed)
{
    rd->d = realloc(rd->d, sizeof *rd->d * (size_t)(rd->n + 1));
    CU_ASSERT_PTR_NOT_NULL_FATAL(rd->d);
    directive *x = &rd->d[rd->n++];
    x->name = strndup(name, len);
    x->angle = angle;
    x->next = next;
    x->computed = computed;
}

/* Does the output line so far (from line) read "# include" and blanks? */
static int awaits_header_name(const char *line, const char *o)
{
    const char *p = line;
    while (p < o && strchr(" \t\f\v", *p))
        p++;
    if (p < o && *p == '#')
        p++;
    else if (o - p >= 2 && p[0] == '%' && p[1] == ':')
        p += 2;
    else
        return 0;
    while (p < o && strchr(" \t\f\v", *p))
        p++;
    const char *kw = p;
    while (p < o && (isalnum((unsigned char)*p) || *p == '_'))
        p++;
    size_t k = (size_t)(p - kw);
    if (!((k == 7 && !strncmp(kw, "include", 7)) || (k == 12 && !strncmp(kw, "include_next", 12)) ||
          (k == 6 && !strncmp(kw, "import", 6))))
        return 0;
    while (p < o && strchr(" \t\f\v", *p))
        p++;
    return p == o;
}

/* Phase 1 line ends to \n; phase 2 splices out; phase 3 comments to one
 * blank (literals, and a header name after #include, kept as they are);
 * then each line that starts with # include: the C99 reading. */
static void slow_reading(const char *text, size_t len, reading *rd)
{
    char *a = malloc(len + 1), *b = malloc(len + 1);
    CU_ASSERT_FATAL(a && b);
    size_t n = 0, i = 0;
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
        i = 3;
    for (; i < len; i++) {
        if (text[i] == '\r') {
            a[n++] = '\n';
            if (i + 1 < len && text[i + 1] == '\n')
                i++;
        } else {
            a[n++] = text[i];
        }
    }
    size_t m = 0;
    for (i = 0; i < n; i++) {
        if (a[i] == '\\') {
            size_t j = i + 1;
            while (j < n && strchr(" \t\f\v", a[j]) && a[j])
                j++;
            if (j < n && a[j] == '\n') {
                i = j;
                continue;
            }
        }
        b[m++] = a[i];
    }
    n = 0; /* b -> a, comments out */
    const char *line = a;
    for (i = 0; i < m;) {
        char c = b[i];
        if (c == '/' && i + 1 < m && b[i + 1] == '*') {
            const char *close = memmem(b + i + 2, m - i - 2, "*/", 2);
            a[n++] = ' ';
            i = close ? (size_t)(close - b) + 2 : m;
        } else if (c == '/' && i + 1 < m && b[i + 1] == '/') {
            while (i < m && b[i] != '\n')
                i++;
        } else if (c == '"' || c == '\'' || ((c == '<') && awaits_header_name(line, a + n))) {
            char close = c == '<' ? '>' : c;
            int header = awaits_header_name(line, a + n);
            a[n++] = b[i++];
            while (i < m && b[i] != close && b[i] != '\n') {
                if (b[i] == '\\' && !header && i + 1 < m && b[i + 1] != '\n')
                    a[n++] = b[i++];
                a[n++] = b[i++];
            }
            if (i < m && b[i] == close)
                a[n++] = b[i++];
        } else {
            a[n++] = b[i++];
            if (c == '\n')
                line = a + n;
        }
    }
    for (const char *p = a, *end = a + n; p < end;) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        const char *q = p;
        while (q < eol && strchr(" \t\f\v", *q) && *q)
            q++;
        if (q < eol && (*q == '#' || (eol - q >= 2 && q[0] == '%' && q[1] == ':'))) {
            q += *q == '#' ? 1 : 2;
            while (q < eol && strchr(" \t\f\v", *q) && *q)
                q++;
            const char *kw = q;
            while (q < eol && (isalnum((unsigned char)*q) || *q == '_' || *q == '$'))
                q++;
            size_t k = (size_t)(q - kw);
            int next = k == 12 && !strncmp(kw, "include_next", 12);
            if (next || (k == 7 && !strncmp(kw, "include", 7)) ||
                (k == 6 && !strncmp(kw, "import", 6))) {
                while (q < eol && strchr(" \t\f\v", *q) && *q)
                    q++;
                const char *close = q < eol && (*q == '<' || *q == '"')
                                        ? memchr(q + 1, *q == '<' ? '>' : '"', (size_t)(eol - q - 1))
                                        : NULL;
                if (close && close > q + 1) {
                    add_directive(rd, q + 1, (size_t)(close - q - 1), *q == '<', next, 0);
                } else {
                    const char *w = q;
                    while (w < eol && !strchr(" \t\f\v", *w))
                        w++;
                    add_directive(rd, q, (size_t)(w - q), 0, next, 1);
                }
            }
        }
        p = eol + 1;
    }
    free(a);
    free(b);
}

typedef struct walk {
    int files, scanned, missed, wrongly_computed, extra;
} walk;

static void compare(const char *path, const char *text, size_t len, void *arg)
{
    walk *w = arg;
    w->files++;
    inc_ref *r;
    int n = incpath_scan(text, len, &r);
    if (n < 0) {
        w->missed++;
        fprintf(stderr, "\n  %s: the scan failed", path);
        return;
    }
    w->scanned++;
    reading rd = {NULL, 0};
    slow_reading(text, len, &rd);
    /* Every directive of the slow reading is found, as what it is. */
    for (int i = 0; i < rd.n; i++) {
        int hit = 0;
        for (int j = 0; j < n && !hit; j++) {
            if (r[j].test || r[j].computed != rd.d[i].computed || !r[j].next != !rd.d[i].next)
                continue;
            hit = rd.d[i].computed ? !strncmp(r[j].name, rd.d[i].name, strlen(rd.d[i].name))
                                   : !strcmp(r[j].name, rd.d[i].name) &&
                                         !r[j].angle == !rd.d[i].angle;
        }
        if (!hit) {
            w->missed++;
            fprintf(stderr, "\n  %s: the scan missed %s%s", path, rd.d[i].computed ? "computed " : "",
                    rd.d[i].name);
        }
    }
    /* Whatever the scan calls computed is computed there too.  (Other
     * names beyond the slow reading's are counted: a raw string's lines
     * read as C, a ??= directive.) */
    for (int j = 0; j < n; j++) {
        int computed = 0, named = 0;
        for (int i = 0; i < rd.n; i++) {
            computed |= rd.d[i].computed && !strncmp(r[j].name, rd.d[i].name, strlen(rd.d[i].name));
            named |= !strcmp(r[j].name, rd.d[i].name);
        }
        if (r[j].computed && !computed) {
            w->wrongly_computed++;
            fprintf(stderr, "\n  %s: computed %s only to the scan", path, r[j].name);
        }
        w->extra += !r[j].test && !r[j].computed && !named;
    }
    for (int i = 0; i < rd.n; i++)
        free(rd.d[i].name);
    free(rd.d);
    inc_refs_free(r, n);
}

/* Every file under /usr/include (C, C++, generated tables, whatever is
 * there): the scan finds no fewer directives than the slow reading, each
 * as what it is, and reports computed only what is computed. */
static void test_system_headers(void)
{
    walk w = {0, 0, 0, 0, 0};
    each_file_under("/usr/include", compare, &w);
    CU_ASSERT(w.files > 100);
    CU_ASSERT_EQUAL(w.scanned, w.files);
    CU_ASSERT_EQUAL(w.missed, 0);
    CU_ASSERT_EQUAL(w.wrongly_computed, 0);
    fprintf(stderr, "\n  %d files; %d names beyond the slow reading's ", w.files, w.extra);
}

/* The slow reading itself reads the rules the way the scan's tests say. */
static void test_slow_reading(void)
{
    const char *text = "/* #include <c.h> */ #include <a.h>\n"
                       "#inc\\\nlude \"b.h\"\n"
                       "s = \"/*\";\n#include <after.h>\n"
                       "// #include <d.h>\n"
                       "#include FT_H /* x */\n"
                       "#include <x//y.h>\n";
    reading rd = {NULL, 0};
    slow_reading(text, strlen(text), &rd);
    CU_ASSERT_EQUAL_FATAL(rd.n, 5);
    CU_ASSERT_STRING_EQUAL(rd.d[0].name, "a.h");
    CU_ASSERT_STRING_EQUAL(rd.d[1].name, "b.h");
    CU_ASSERT_STRING_EQUAL(rd.d[2].name, "after.h");
    CU_ASSERT_STRING_EQUAL(rd.d[3].name, "FT_H");
    CU_ASSERT(rd.d[3].computed);
    CU_ASSERT_STRING_EQUAL(rd.d[4].name, "x//y.h");
    for (int i = 0; i < rd.n; i++)
        free(rd.d[i].name);
    free(rd.d);
}

static const unit_test tests[] = {
    {"block comments", test_block_comments},
    {"line comments", test_line_comments},
    {"splices", test_splices},
    {"string and character literals", test_literals},
    {"raw strings", test_raw_strings},
    {"directive forms", test_directive_forms},
    {"computed includes", test_computed},
    {"dialects", test_dialects},
    {"existence tests", test_existence_tests_kept},
    {"existence test operands", test_test_operands},
    {"existence test wrappers", test_wrappers},
    {"the slow reading", test_slow_reading},
    {"every file under /usr/include", test_system_headers},
    {NULL, NULL},
};

int main(void)
{
    return unit_run("scan", NULL, NULL, tests);
}
