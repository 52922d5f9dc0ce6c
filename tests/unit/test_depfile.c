/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for depfile_parse: the make rules gcc and clang write with -M,
 * -MD and -MP, including the escapes they use for awkward file names. */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "wrapper/compiler/compiler.h"

static char **files;
static int nfiles;

static int parse(const char *text)
{
    files = NULL;
    nfiles = depfile_parse(text, strlen(text), &files);
    return nfiles;
}

static void done(void)
{
    for (int i = 0; i < nfiles; i++)
        free(files[i]);
    free(files);
    files = NULL;
    nfiles = 0;
}

/* Check the parsed list equals the NULL-terminated expectation, in order. */
static void expect(const char *text, const char *const *want)
{
    int n = 0;
    while (want[n])
        n++;
    CU_ASSERT_EQUAL_FATAL(parse(text), n);
    for (int i = 0; i < n; i++) {
        CU_ASSERT_STRING_EQUAL(files[i], want[i]);
        if (strcmp(files[i], want[i]))
            fprintf(stderr, "\n  [%d] got '%s' want '%s'\n", i, files[i], want[i]);
    }
    CU_ASSERT_PTR_NULL(files[n]); /* the array is also NULL-terminated */
    done();
}

static void test_simple_rule(void)
{
    expect("a.o: a.c h.h /usr/include/stdio.h\n",
           (const char *[]){"a.c", "h.h", "/usr/include/stdio.h", NULL});
    /* No final newline; the scan's "_" target; spaces around the colon. */
    expect("_: a.c", (const char *[]){"a.c", NULL});
    expect("_ : a.c  b.h\t c.h", (const char *[]){"a.c", "b.h", "c.h", NULL});
    /* Several targets on one rule. */
    expect("a.o a.d: a.c\n", (const char *[]){"a.c", NULL});
}

static void test_continuations(void)
{
    expect("a.o: a.c \\\n  h1.h h2.h \\\n  h3.h\n",
           (const char *[]){"a.c", "h1.h", "h2.h", "h3.h", NULL});
    /* CRLF line ends, and a continuation right after the colon. */
    expect("a.o: \\\r\n a.c \\\r\n h.h\r\n", (const char *[]){"a.c", "h.h", NULL});
    /* A continuation glued to a name ends the name. */
    expect("a.o: a.c\\\n h.h\n", (const char *[]){"a.c", "h.h", NULL});
}

static void test_escapes(void)
{
    /* Exactly what gcc 12 -M -MP prints for these header names:
     * "sp ace.h" "ha#sh.h" "dol$ar.h" "bs\ x.h" "co:lon.h" "bs\.h". */
    const char *gcc =
        "_: e.c /usr/include/stdc-predef.h sp\\ ace.h ha\\#sh.h dol$$ar.h bs\\\\\\ x.h \\\n"
        " co:lon.h bs\\.h\n"
        "/usr/include/stdc-predef.h:\n"
        "sp\\ ace.h:\n"
        "ha\\#sh.h:\n"
        "dol$$ar.h:\n"
        "bs\\\\\\ x.h:\n"
        "co:lon.h:\n"
        "bs\\.h:\n";
    expect(gcc, (const char *[]){"e.c", "/usr/include/stdc-predef.h", "sp ace.h", "ha#sh.h",
                                 "dol$ar.h", "bs\\ x.h", "co:lon.h", "bs\\.h", NULL});
    /* Two backslashes before a space: one backslash, then a separator. */
    expect("t: a\\\\ b\n", (const char *[]){"a\\", "b", NULL});
    /* A lone '$' and trailing backslashes stay literal. */
    expect("t: a$b c\\\\", (const char *[]){"a$b", "c\\\\", NULL});
}

static void test_mp_phony_rules(void)
{
    /* -MP adds a rule per header; their targets are not new inputs, and the
     * blank lines clang puts between rules are fine. */
    expect("x.o: x.c a.h b.h\n\na.h:\n\nb.h:\n", (const char *[]){"x.c", "a.h", "b.h", NULL});
    /* A header listed only as a phony target is not a prerequisite. */
    expect("x.o: x.c\nonly-target.h:\n", (const char *[]){"x.c", NULL});
}

static void test_duplicates(void)
{
    expect("a.o: a.c h.h \\\n h.h a.c g.h\nb.o: h.h g.h z.h\n",
           (const char *[]){"a.c", "h.h", "g.h", "z.h", NULL});
    /* Many distinct names keep their order through hash-set growth. */
    char *text = malloc(20 * 1000 + 16);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    char *w = text + sprintf(text, "t:");
    for (int i = 0; i < 1000; i++)
        w += sprintf(w, " h%d.h h%d.h", i, i / 2);
    CU_ASSERT_EQUAL_FATAL(parse(text), 1000);
    char name[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(name, sizeof name, "h%d.h", i);
        CU_ASSERT_STRING_EQUAL(files[i], name);
    }
    done();
    free(text);
}

static void test_empty_and_comments(void)
{
    CU_ASSERT_EQUAL(parse(""), 0);
    CU_ASSERT_PTR_NOT_NULL(files); /* still an array the caller can free */
    done();
    CU_ASSERT_EQUAL(parse("\n\n  \n"), 0);
    done();
    expect("# generated\na.o: a.c\n", (const char *[]){"a.c", NULL});
    expect("a.o:\n", (const char *[]){NULL});
}

static void test_malformed(void)
{
    CU_ASSERT_EQUAL(parse("a.c h.h\n"), -1); /* no colon */
    CU_ASSERT_PTR_NULL(files);
    CU_ASSERT_EQUAL(parse("a.o: a.c\nstray words\n"), -1);
    CU_ASSERT_EQUAL(parse(": a.c\n"), -1); /* no target */
    CU_ASSERT_EQUAL(parse("a.o"), -1);
    CU_ASSERT_EQUAL(parse("a.o:x.c"), -1); /* "a.o:x.c" is one name, no rule */
    const char nul[] = "a.o: a\0.c\n";
    files = NULL;
    CU_ASSERT_EQUAL(depfile_parse(nul, sizeof nul - 1, &files), -1);
    CU_ASSERT_PTR_NULL(files);
}

static void test_length_bound(void)
{
    /* Only len bytes are read: the text need not be NUL-terminated there. */
    const char *text = "a.o: a.c h.h EXTRA";
    files = NULL;
    nfiles = depfile_parse(text, strlen(text) - 6, &files);
    CU_ASSERT_EQUAL_FATAL(nfiles, 2);
    CU_ASSERT_STRING_EQUAL(files[1], "h.h");
    done();
}

static const unit_test tests[] = {
    {"simple rules", test_simple_rule},
    {"continuations", test_continuations},
    {"escapes", test_escapes},
    {"-MP phony rules", test_mp_phony_rules},
    {"duplicates", test_duplicates},
    {"empty and comments", test_empty_and_comments},
    {"malformed", test_malformed},
    {"length bound", test_length_bound},
    {NULL, NULL},
};

int main(void)
{
    return unit_run("depfile", NULL, NULL, tests);
}
