/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for hdrtrace_split: the -H trace taken out of a compile's
 * stderr, every other byte kept.  The inputs are what gcc 12 and clang 14
 * print (copied from real runs, with shorter paths). */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "wrapper/deps/hdrtrace.h"

static hdrtrace t;

static void split(const char *err)
{
    CU_ASSERT_EQUAL_FATAL(hdrtrace_split(err, strlen(err), &t), 0);
}

static void expect_paths(const char *const *want)
{
    int n = 0;
    while (want[n])
        n++;
    CU_ASSERT_EQUAL_FATAL(t.n_paths, n);
    for (int i = 0; i < n; i++)
        CU_ASSERT_STRING_EQUAL(t.paths[i], want[i]);
    CU_ASSERT_PTR_NULL(t.paths[n]);
}

static void test_gcc_full(void)
{
    split(". /usr/include/stdio.h\n"
          ".. /usr/include/features.h\n"
          "... /usr/include/sys/cdefs.h\n"
          ".. /usr/include/features.h\n"
          ". inc/ung.h\n"
          "a.c:5:2: warning: #warning hello [-Wcpp]\n"
          "    5 | #warning hello\n"
          "      |  ^~~~~~~\n"
          "Multiple include guards may be useful for:\n"
          "/usr/include/sys/cdefs.h\n"
          "inc/ung.h\n");
    CU_ASSERT_STRING_EQUAL(t.err, "a.c:5:2: warning: #warning hello [-Wcpp]\n"
                                  "    5 | #warning hello\n"
                                  "      |  ^~~~~~~\n");
    CU_ASSERT_EQUAL(t.err_len, strlen(t.err));
    CU_ASSERT_EQUAL(t.pch, 0);
    static const char *const want[] = {"/usr/include/features.h", "/usr/include/stdio.h",
                                       "/usr/include/sys/cdefs.h", "inc/ung.h", NULL};
    expect_paths(want);
    hdrtrace_free(&t);
}

/* After the guard block come the assembler's messages: they stay. */
static void test_after_banner(void)
{
    split(". x.h\n"
          "Multiple include guards may be useful for:\n"
          "x.h\n"
          "/tmp/cc1.s: Assembler messages:\n"
          "/tmp/cc1.s:3: Warning: something\n");
    CU_ASSERT_STRING_EQUAL(t.err, "/tmp/cc1.s: Assembler messages:\n"
                                  "/tmp/cc1.s:3: Warning: something\n");
    hdrtrace_free(&t);
}

/* A banner-like line not followed by a traced path is the user's. */
static void test_lookalike_banner(void)
{
    const char *err = ". x.h\n"
                      "Multiple include guards may be useful for:\n"
                      "y.h\n";
    split(err);
    CU_ASSERT_STRING_EQUAL(t.err, "Multiple include guards may be useful for:\ny.h\n");
    hdrtrace_free(&t);
}

/* clang: no banner; "N warnings generated." stays; no final newline kept. */
static void test_clang_no_newline(void)
{
    split(". ./inc/g.h\n"
          "a.c:1:2: warning: hello [-W#warnings]\n"
          "1 warning generated.");
    CU_ASSERT_STRING_EQUAL(t.err, "a.c:1:2: warning: hello [-W#warnings]\n1 warning generated.");
    static const char *const want[] = {"./inc/g.h", NULL};
    expect_paths(want);
    hdrtrace_free(&t);
}

/* Lines that only look like trace lines stay. */
static void test_not_trace(void)
{
    const char *err = "...\n"
                      ".. \n"
                      ".x.c:1: error: no\n"
                      "x marks the spot\n"
                      " . indented\n";
    split(err);
    CU_ASSERT_STRING_EQUAL(t.err, err);
    CU_ASSERT_EQUAL(t.n_paths, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t.paths);
    CU_ASSERT_PTR_NULL(t.paths[0]);
    hdrtrace_free(&t);
}

static void test_pch(void)
{
    split("! inc/conf.h.gch\n. inc/other.h\n");
    CU_ASSERT_EQUAL(t.pch, 1);
    CU_ASSERT_EQUAL(t.err_len, 0);
    static const char *const want[] = {"inc/other.h", NULL};
    expect_paths(want);
    hdrtrace_free(&t);
    split("x inc/conf.h.gch/a\n");
    CU_ASSERT_EQUAL(t.pch, 1);
    hdrtrace_free(&t);
}

static void test_empty_and_spaces(void)
{
    split("");
    CU_ASSERT_EQUAL(t.err_len, 0);
    CU_ASSERT_STRING_EQUAL(t.err, "");
    hdrtrace_free(&t);
    split(". dir with space/h h.h\n");
    static const char *const want[] = {"dir with space/h h.h", NULL};
    expect_paths(want);
    hdrtrace_free(&t);
}

static void test_locale(void)
{
    unsetenv("LC_ALL");
    unsetenv("LC_MESSAGES");
    unsetenv("LANGUAGE");
    unsetenv("LANG");
    CU_ASSERT_EQUAL(hdrtrace_messages_english(), 1);
    setenv("LANG", "C.UTF-8", 1);
    CU_ASSERT_EQUAL(hdrtrace_messages_english(), 1);
    setenv("LANG", "de_DE.UTF-8", 1);
    CU_ASSERT_EQUAL(hdrtrace_messages_english(), 0);
    setenv("LC_ALL", "en_GB.UTF-8", 1);
    CU_ASSERT_EQUAL(hdrtrace_messages_english(), 1);
    setenv("LANGUAGE", "en_GB:fr", 1);
    CU_ASSERT_EQUAL(hdrtrace_messages_english(), 0);
    setenv("LC_ALL", "C", 1);  /* gettext ignores LANGUAGE in the C locale */
    CU_ASSERT_EQUAL(hdrtrace_messages_english(), 1);
    unsetenv("LC_ALL");
    unsetenv("LANGUAGE");
    unsetenv("LANG");
}

static const unit_test tests[] = {
    {"gcc trace and guard block", test_gcc_full},
    {"messages after the guard block", test_after_banner},
    {"look-alike banner kept", test_lookalike_banner},
    {"clang, no final newline", test_clang_no_newline},
    {"look-alike trace lines kept", test_not_trace},
    {"precompiled headers", test_pch},
    {"empty, spaces", test_empty_and_spaces},
    {"message locale", test_locale},
    {NULL, NULL},
};

int main(void)
{
    return unit_run("hdrtrace", NULL, NULL, tests);
}
