/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for code_digest (wrapper/compiler/codedigest.c): which edits keep the
 * digest and which change it, rule by rule, then every byte of a sample
 * file mutated against spans worked out by hand, then code_location_bound.
 * (tests/unit/test_codedigest_gcc.c checks the same rules against gcc.) */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "wrapper/compiler/codedigest.h"

static int digest_of(const char *text, size_t len, digest *d)
{
    int rc = code_digest(text, len, d);
    CU_ASSERT(rc == 0 || rc == 1);
    return rc;
}

/* Both texts have a digest; same says whether they are equal. */
static void check(const char *a, const char *b, int same, int line)
{
    digest da, db;
    int ra = digest_of(a, strlen(a), &da), rb = digest_of(b, strlen(b), &db);
    int ok = ra == 0 && rb == 0 && !digest_equal(&da, &db) == !same;
    CU_ASSERT(ok);
    if (!ok)
        fprintf(stderr, "\n  line %d: wanted %s, got rc %d/%d%s\n    [%s]\n    [%s]\n", line,
                same ? "equal" : "different", ra, rb,
                ra || rb ? "" : (digest_equal(&da, &db) ? " equal" : " different"), a, b);
}

static void check_none(const char *a, size_t len, int line)
{
    digest d;
    int rc = digest_of(a, len, &d);
    CU_ASSERT(rc == 1);
    if (rc != 1)
        fprintf(stderr, "\n  line %d: wanted no digest, got rc %d for [%s]\n", line, rc, a);
}

#define SAME(a, b) check(a, b, 1, __LINE__)
#define DIFF(a, b) check(a, b, 0, __LINE__)
#define NONE(a) check_none(a, strlen(a), __LINE__)

static void test_comment_edits_equal(void)
{
    /* A trailing comment's text, changed and lengthened. */
    SAME("int x; // one\n", "int x; // two, and longer\n");
    SAME("int x; /* one */\n", "int x; /* a much longer one */\n");
    /* A comment alone on its line. */
    SAME("// hello\nint x;\n", "// another text entirely\nint x;\n");
    SAME("  /* hello */\nint x;\n", "  /* bye */\nint x;\n");
    /* A block comment's text reflowed, keeping its lines, their
     * indentation and which of them are empty. */
    SAME("/* a b c\n * d e\n\n   f */\nint x;\n", "/* abc\n * d e f g h\n\n   i j */\nint x;\n");
    /* The blanks aligning a trailing comment after code. */
    SAME("int x;      // c\n", "int x; // c\n");
    SAME("int x;\t\t/* c */\n", "int x;/* c */\n");
    /* Blanks after a trailing comment are code, kept as they are. */
    SAME("int x; // a\nint y; /* b */  \n", "int x;  // aaa\nint y;  /* bb */  \n");
    /* In a #define (-g3 records the tokens, not the comment). */
    SAME("#define X 1 // one\n", "#define X 1    // two\n");
    /* Line ends of every kind, and a last line without one. */
    SAME("int x; // a\r\nint y; // b\rint z; // c", "int x; // aa\r\nint y; // bb\rint z; // cc");
    /* Tabs are plain. */
    SAME("int x; // a\tb\n", "int x; // a\tbbb\n");
    /* A byte order mark is code; the comment after it is not. */
    SAME("\xEF\xBB\xBF// c\nint x;\n", "\xEF\xBB\xBF// cc\nint x;\n");
    /* Behind a clean header name. */
    SAME("#include <a.h> // x\n", "#include <a.h>   // yy\n");
    SAME("#include \"a.h\" /* x\n   y */\n", "#include \"a.h\" /* xx\n   yy */\n");
    /* On an #if line with no header name possible before the comment. */
    SAME("#if X // c\n#endif\n", "#if X // cc\n#endif\n");
    SAME("#if defined(X) && Y > 2 /* c */\n", "#if defined(X) && Y > 2 /* cc */\n");
    /* A comment between the # and the name of a null directive. */
    SAME("# // c\n", "# // ccc\n");
}

static void test_code_edits_differ(void)
{
    DIFF("int x; // c\n", "int y; // c\n");
    DIFF("int x; // c\n", "int x ; // c\n");
    DIFF("int x; // c\n", "int x; // c\n\n");
    DIFF("int x; // c\n", "int x; // c\r\n");
    /* Comments added, removed, or changed in kind. */
    DIFF("int x;\n", "int x; // c\n");
    DIFF("int x; /* c */\n", "int x;\n");
    DIFF("int x; // c\n", "int x; /* c */\n");
    /* A comment's line count. */
    DIFF("/* a\n b */\nint x;\n", "/* a b */\n\nint x;\n");
    /* Code after a comment on its line moves with its length. */
    DIFF("int /* a */ x;\n", "int /* ab */ x;\n");
    DIFF("/* a */ int x;\n", "/* ab */ int x;\n");
    DIFF("/* a\n b */ int x;\n", "/* a\n bb */ int x;\n");
    DIFF("int x; /* a */ // b\n", "int x; /* aa */ // b\n");
    /* A splice after a comment carries the line on. */
    DIFF("#define X 1 /* a */\\\n  + 2\n", "#define X 1 /* aa */\\\n  + 2\n");
    /* Literals are code, whatever they look like. */
    DIFF("char *s = \"// a\";\n", "char *s = \"// b\";\n");
    DIFF("char *s = \"/* a */\";\n", "char *s = \"/* b */\";\n");
    /* An unclosed literal ends at its line: what follows is in it. */
    DIFF("#error don't // a\n", "#error don't // b\n");
    /* A comment's indentation (-Wmisleading-indentation reads it), and a
     * block comment line's, and whether such a line is empty. */
    DIFF("  // c\nint x;\n", "    // c\nint x;\n");
    DIFF("\f  // c\nint x;\n", "\f // c\nint x;\n");
    DIFF("/* a\n   b */\nint x;\n", "/* a\n     b */\nint x;\n");
    DIFF("/* a\n\n b */\nint x;\n", "/* a\n c\n b */\nint x;\n");
    DIFF("/* a\n\n b */\nint x;\n", "/* a\nc\n b */\nint x;\n");
    /* A backslash before the blanks: without the comment, a splice. */
    DIFF("x \\ // c\nint y;\n", "x \\\nint y;\n");
    DIFF("x \\  // c\nint y;\n", "x \\ // c\nint y;\n");
    DIFF("x \\// c\nint y;\n", "x \\// cc\nint y;\n");
}

static void test_kept_comments(void)
{
    /* Comments gcc looks inside are kept verbatim. */
    DIFF("case 1: f(); /* fall through */\n", "case 1: f(); /* fallthrough */\n");
    DIFF("case 1: f(); // FALLTHRU\n", "case 1: f(); // FALLTHRU.\n");
    DIFF("case 1: f(); // Fall-through\n", "case 1: f(); // Fall through\n");
    DIFF("int x; // caf\xC3\xA9\n", "int x; // caf\xC3\xA8\n");
    DIFF("int x; // a\x7f\n", "int x; // b\x7f\n");
    DIFF("int x; // a\fb\n", "int x; // a\fbb\n");
    DIFF("int x; // a\\b\n", "int x; // a\\bb\n");
    DIFF("int x; /* a /* b */\n", "int x; /* a /* bb */\n");
    DIFF("int x; // a ?? b\n", "int x; // a ?? bb\n");
    DIFF("int x; // a \\u202e b\n", "int x; // a \\u202e bb\n");
    /* Trailing blanks inside (gcc 15's -Wtrailing-whitespace). */
    DIFF("int x; // c \n", "int x; // c  \n");
    DIFF("/* a \n b */\nint x;\n", "/* a  \n b */\nint x;\n");
    /* Unclosed. */
    DIFF("int x; /* a\n", "int x; /* ab\n");
    DIFF("int x; /* a *b", "int x; /* ab *b");
    /* A splice in the opener or closer. */
    DIFF("int x; /\\\n* a */\n", "int x; /\\\n* ab */\n");
    DIFF("int x; /* a *\\\n/\n", "int x; /* ab *\\\n/\n");
}

static void test_no_digest(void)
{
    /* Dialects. */
    NONE("auto s = R\"(x)\";\n");
    NONE("auto s = u8R\"d(x)d\";\n");
    NONE("auto s = LR\"(x)\";\n");
    NONE("int x = 1'000;\n");
    NONE("int x = 0x1'2;\n");
    NONE("int x; // a /* b\n");
    NONE("?\?=define X\n");
    NONE("int x; ?\?/\n");
    NONE("char *s = \"?\?(\";\n");
    /* Header names. */
    NONE("#include <a//b.h>\n");
    NONE("#include \"a//b.h\"\n");
    NONE("#include <a/*b.h> */\n");
    NONE("#include_next <a.h /* x */>\n");
    NONE("#import <a//b.h>\n");
    NONE("#embed \"f\" limit(1) // c\n");
    NONE("#include /* c */ <a.h>\n");
    NONE("#include <a.h> x // c\n");
    NONE("#include <a.h> /* a */ /* b */\n");
    NONE("#include <a.h> /* a */ int x;\n");
    NONE("#include MACRO // c\n");
    NONE("#include \"a\\\" // c\n");
    NONE("#include \"a\\\" /* c\n int x; // */ int y;\n");
    NONE("#include <a'b.h> /* c\n int x; // */ int y;\n");
    NONE("#include \"a.h\" \"b.h\" // c\n");
    NONE("#if __has_include(<a//b.h>)\n#endif\n");
    NONE("#if __has_include(<a.h>) // c\n#endif\n");
    NONE("#if HAS(<a//b.h>)\n#endif\n");
    NONE("#if HI (<a.h>) // c\n#endif\n");
    NONE("#if HI( /* x */ <a//b.h>)\n#endif\n");
    NONE("#if HI(\\\n <a//b.h>)\n#endif\n");
    NONE("#if HAS(\"a\\\" /* \")\n#endif\n");
    NONE("#if HAS(<a'b.h>) /* \n int x; // */ int y;\n");
    NONE("#if HAS(<a'b.h>)\n#endif\n");
    NONE("import \"a\\\" /* x\n int x; // */ int y;\n");
    NONE("#define H __has_include(<x>) // c\n");
    NONE("int x = __has_embed(\"f\"); // c\n");
    NONE("import <a//b.h>;\n");
    NONE("export import x; // c\n");
    /* A splice inside an identifier (could hide the words above). */
    NONE("#if __has_inc\\\nlude(<a//b.h>)\n#endif\n");
    NONE("int fo\\\no;\n");
    /* Empty is a text like any other. */
    digest d1, d2;
    CU_ASSERT(code_digest(NULL, 0, &d1) == 0 && code_digest("", 0, &d2) == 0 &&
              digest_equal(&d1, &d2));
    CU_ASSERT(code_digest("\n", 1, &d2) == 0 && !digest_equal(&d1, &d2));
    /* NUL bytes: the markers' lead. */
    check_none("int x;\0 // c\n", 13, __LINE__);
}

static void test_not_refused(void)
{
    /* Near misses of the refusals: these have a digest. */
    SAME("int x = a ?? b; // c\n", "int x = a ?? b; // cc\n");
    SAME("char c = 'a'; // c\n", "char c = 'a'; // cc\n");
    SAME("char c = '\"'; // \"x\n", "char c = '\"'; // \"yy\n");
    SAME("x = FOOR\"(a)\"; // c\n", "x = FOOR\"(a)\"; // cc\n");
    SAME("#if X > 2 // c\n", "#if X > 2 // cc\n");
    SAME("#ifdef X // c\n", "#ifdef X // cc\n");
    SAME("#elif L'\\0' - 1 > 0 // c\n", "#elif L'\\0' - 1 > 0 // cc\n");
    SAME("#elif X < 2 /* c */\n", "#elif X < 2 /* cc */\n");
    SAME("#if X == \"a\\\" // c\n", "#if X == \"a\\\" // c\n");
    SAME("int important; // c\n", "int important; // cc\n");
    SAME("x = y // c\n  + 1;\n", "x = y // ccc\n  + 1;\n");
}

/* ---- every byte of a sample, mutated ---- */

static const char sample[] =
    "#include <stdio.h> // io\n"
    "#define N 10 /* count */\n"
    "int f(int x) { return x + N; }   // sum\n"
    "  /* block\n"
    "     comment */\n"
    "char *s = \"a // b /* c */\";\n"
    "int g; /* mid */ int h;\n"
    "case 2: /* falls through */\n";

/* Where the indentation of the sample's block comment's second line ends. */
static size_t indent_end(void)
{
    return (size_t)(strstr(sample, "     comment") - sample) + 5;
}

/* Is position i of the sample in the text of a comment the canonical form
 * drops (so that any printable change there keeps the digest)? */
static int in_dropped_text(size_t i)
{
    static const char *const texts[] = {" io", " count ", " sum", " block", "comment "};
    for (size_t k = 0; k < sizeof texts / sizeof *texts; k++) {
        const char *at = strstr(sample, texts[k]);
        size_t from = (size_t)(at - sample), to = from + strlen(texts[k]);
        if (k == 4) /* the indentation of a comment's line is kept */
            from = indent_end();
        if (i >= from && i < to)
            return 1;
    }
    return 0;
}

static void test_every_byte(void)
{
    digest base, d;
    CU_ASSERT_EQUAL_FATAL(code_digest(sample, sizeof sample - 1, &base), 0);
    char copy[sizeof sample];
    int same_seen = 0;
    for (size_t i = 0; i < sizeof sample - 1; i++) {
        static const char repl[] = {'q', ' ', 'Q', '1'};
        for (size_t r = 0; r < sizeof repl; r++) {
            if (sample[i] == repl[r])
                continue;
            memcpy(copy, sample, sizeof sample);
            copy[i] = repl[r];
            int rc = code_digest(copy, sizeof sample - 1, &d);
            int same = rc == 0 && digest_equal(&d, &base);
            /* A change in a dropped text keeps the digest, unless it puts
             * a blank at a line end or lengthens an indentation; a change
             * anywhere else shows. */
            int want = in_dropped_text(i) &&
                       !(repl[r] == ' ' && (sample[i + 1] == '\n' || i == indent_end()));
            if (same != want)
                fprintf(stderr, "\n  byte %zu ('%c' -> '%c'): %s, wanted %s", i, sample[i], repl[r],
                        same ? "same" : "different", want ? "same" : "different");
            CU_ASSERT(same == want);
            same_seen += same;
        }
    }
    CU_ASSERT(same_seen > 40);
    /* The blanks before "// sum" may grow, shrink or turn into tabs. */
    const char *edited = "#include <stdio.h>\t// io\n"
                         "#define N 10/* count */\n"
                         "int f(int x) { return x + N; } \t // sum\n"
                         "  /* block\n"
                         "     comment */\n"
                         "char *s = \"a // b /* c */\";\n"
                         "int g; /* mid */ int h;\n"
                         "case 2: /* falls through */\n";
    CU_ASSERT(code_digest(edited, strlen(edited), &d) == 0 && digest_equal(&d, &base));
}

/* ---- the location bound ---- */

static uint64_t bound_of(const char *text)
{
    return code_location_bound(text, strlen(text));
}

static void test_location_bound(void)
{
    /* One line: (lines + 1 + 3 * maps) << (column bits + 5), the maps
     * being two (entering and leaving the file), the bits 7. */
    CU_ASSERT_EQUAL(bound_of("a\n"), 8u << 12);
    CU_ASSERT_EQUAL(bound_of("a\nb\n"), 9u << 12);
    /* A line gcc may start a new map at counts two more maps. */
    CU_ASSERT_EQUAL(bound_of("#include <a.h>\nb\n"), 15u << 12);
    CU_ASSERT_EQUAL(bound_of("  # 12 \"x.c\"\nb\n"), 15u << 12);
    CU_ASSERT_EQUAL(bound_of("import x;\nb\n"), 15u << 12);
    CU_ASSERT_EQUAL(bound_of("_Pragma(\"x\") b\n"), 14u << 12);
    CU_ASSERT_EQUAL(bound_of("important;\nb\n"), 9u << 12);
    /* The longest line sets the width of every line. */
    char wide[300];
    memset(wide, 'x', sizeof wide);
    wide[sizeof wide - 1] = '\n';
    CU_ASSERT_EQUAL(code_location_bound(wide, sizeof wide), 8u << 14);
    /* Tokens' columns count from their physical line; but at a line end
     * in a block comment, gcc asks for the whole next logical line. */
    char spliced[305];
    memset(spliced, 'x', sizeof spliced);
    spliced[98] = ' ', spliced[99] = '\\', spliced[100] = '\n', spliced[sizeof spliced - 1] = '\n';
    CU_ASSERT_EQUAL(code_location_bound(spliced, sizeof spliced), 9u << 13);
    memcpy(spliced, "/* a\n", 5);
    memcpy(spliced + sizeof spliced - 4, " */", 3);
    CU_ASSERT_EQUAL(code_location_bound(spliced, sizeof spliced), 10u << 14);
    /* Where the lexing depends on the dialect, the longest logical line. */
    spliced[0] = 'R', spliced[1] = '"', spliced[2] = '(', spliced[3] = ')', spliced[4] = '"';
    memset(spliced + sizeof spliced - 4, 'x', 3);
    CU_ASSERT_EQUAL(code_location_bound(spliced, sizeof spliced), 9u << 14);
    /* From 10 column bits on, any line may narrow the map and start a new
     * one (two maps more a line). */
    char wider[600];
    memset(wider, 'x', sizeof wider);
    wider[sizeof wider - 1] = '\n';
    CU_ASSERT_EQUAL(code_location_bound(wider, sizeof wider), 14u << 15);
    /* A lone CR ends a line we cannot measure: the widest columns. */
    CU_ASSERT_EQUAL(bound_of("a\rb\n"), 27u << 18);
    CU_ASSERT_EQUAL(bound_of("a\r\nb\r\n"), 9u << 12);
    CU_ASSERT_EQUAL(code_location_bound(NULL, 0), 7u << 12);
    /* The source files of a translation unit stay far below the budget. */
    CU_ASSERT(20 * code_location_bound(sample, sizeof sample - 1) < CODE_LOCATION_BUDGET);
}

int main(void)
{
    static const unit_test tests[] = {
        {"comment edits keep the digest", test_comment_edits_equal},
        {"code edits change it", test_code_edits_differ},
        {"comments gcc reads are kept", test_kept_comments},
        {"texts with no digest", test_no_digest},
        {"near misses have one", test_not_refused},
        {"every byte of a sample", test_every_byte},
        {"location bound", test_location_bound},
        {NULL, NULL},
    };
    return unit_run("codedigest", NULL, NULL, tests);
}
