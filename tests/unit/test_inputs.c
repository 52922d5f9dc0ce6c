/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the scan in wrapper/compiler/inputs.c: the one-pass scanner finds
 * exactly what a plain substring search finds (the clock macros, __FILE__
 * and its kin, __has_include), wherever the words sit in
 * the buffer (its 16-byte blocks and its scalar tail), and on real headers. */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/sysheaders.h"
#include "tests/unit/unit.h"
#include "wrapper/compiler/inputs.h"

/* The meaning, spelled out with memmem. */
static unsigned reference(const char *p, size_t n)
{
    unsigned f = 0;
    if (memmem(p, n, "__TIME__", 8) || memmem(p, n, "__TIMESTAMP__", 13))
        f |= INPUT_USES_TIME;
    if (memmem(p, n, "__DATE__", 8))
        f |= INPUT_USES_DATE;
    if (memmem(p, n, "has_include", 11))
        f |= INPUT_HAS_INCLUDE;
    if (memmem(p, n, "__FILE__", 8) || memmem(p, n, "__BASE_FILE__", 13) ||
        memmem(p, n, "__FILE_NAME__", 13) || memmem(p, n, "__builtin_FILE", 14))
        f |= INPUT_USES_FILE;
    return f;
}

/* Each word at every offset of buffers of many lengths, among filler that
 * comes close (underscores, "has", "TIME" without its underscores), in a
 * buffer of exactly that length (so reading past it would be an ASan
 * error). */
static void test_every_offset(void)
{
    static const char *words[] = {"__TIME__", "__TIMESTAMP__", "__DATE__", "has_include",
                                  "__has_include_next", "___TIME__", "_TIME__", "__TIME_",
                                  "has_includ", "__DATE_", "TIMESTAMP__", "__",
                                  "__FILE__", "__BASE_FILE__", "__FILE_NAME__", "__builtin_FILE",
                                  "__FILE_", "_FILE__", "__BASE_FILE_", "__builtin_FIL"};
    static const char filler[] = "_ has __T __DAT has_ _h TIME_ __TIMES ";
    int bad = 0, checked = 0;
    for (size_t w = 0; w < sizeof words / sizeof *words; w++) {
        size_t wl = strlen(words[w]);
        for (size_t len = wl; len < 70; len++) {
            for (size_t off = 0; off + wl <= len; off++) {
                char *buf = malloc(len);
                for (size_t i = 0; i < len; i++)
                    buf[i] = filler[i % (sizeof filler - 1)];
                memcpy(buf + off, words[w], wl);
                unsigned want = reference(buf, len);
                bad += input_scan(buf, len) != want;
                bad += input_has_tests(buf, len) != !!(want & INPUT_HAS_INCLUDE);
                checked++;
                free(buf);
            }
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT(checked > 10000);
    CU_ASSERT_EQUAL(input_scan("", 0), 0);
    CU_ASSERT_EQUAL(input_scan("__DATE__", 8), INPUT_USES_DATE);
    CU_ASSERT_EQUAL(input_scan("x __TIME__ __DATE__ __has_include(<a.h>)", 40),
                    INPUT_USES_TIME | INPUT_USES_DATE | INPUT_HAS_INCLUDE);
    CU_ASSERT_EQUAL(input_scan("assert(__FILE__)", 16), INPUT_USES_FILE);
    CU_ASSERT_EQUAL(input_scan("__builtin_FILE()", 16), INPUT_USES_FILE);
}

/* A line splice inside a name: the preprocessor joins the lines first. */
static void test_spliced_names(void)
{
    static const char time_[] = "const char *t = __TI\\\nME__;", file[] = "f(__FI\\\r\nLE__)",
                      test[] = "#if __has_in\\\nclude(<x.h>)", macro[] = "#define X a \\\n  b\n";
    CU_ASSERT_EQUAL(input_scan(time_, sizeof time_ - 1), INPUT_USES_TIME);
    CU_ASSERT_EQUAL(input_scan(file, sizeof file - 1), INPUT_USES_FILE);
    CU_ASSERT_EQUAL(input_scan(test, sizeof test - 1), INPUT_HAS_INCLUDE);
    CU_ASSERT(input_has_tests(test, sizeof test - 1));
    CU_ASSERT_EQUAL(input_scan(macro, sizeof macro - 1), 0);
}

typedef struct real_counts {
    int bad, flagged;
} real_counts;

static void check_header(const char *path, const char *text, size_t len, void *arg)
{
    real_counts *c = arg;
    unsigned got = input_scan(text, len), want = reference(text, len);
    c->bad += got != want;
    c->bad += input_has_tests(text, len) != !!(want & INPUT_HAS_INCLUDE);
    c->flagged += got != 0;
}

/* Every header of two system include directories: the same answers. */
static void test_real_headers(void)
{
    real_counts c = {0, 0};
    int files = each_system_header(check_header, &c);
    CU_ASSERT_EQUAL(c.bad, 0);
    CU_ASSERT(files > 50);
    CU_ASSERT(c.flagged > 0); /* glibc's headers test __has_include */
}

static const unit_test tests[] = {
    {"every word at every offset", test_every_offset},
    {"names split by a line splice", test_spliced_names},
    {"system headers scan as memmem finds", test_real_headers},
    {NULL, NULL},
};

int main(void)
{
    return unit_run("inputs", NULL, NULL, tests);
}
