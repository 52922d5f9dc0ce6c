/* SPDX-License-Identifier: Apache-2.0 */
/* test_observe.c — observe_parse: which records of a traced compile become
 * inputs, absent paths and programs, and which make it uncacheable. */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "wrapper/trace/observe.h"

static int has(char **v, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(v[i], s))
            return 1;
    return 0;
}

static observed parse(const char *rec, char *const *deps, int n)
{
    observed o;
    CU_ASSERT_EQUAL_FATAL(observe_parse(rec, strlen(rec), 100, "/w", deps, n, &o), 0);
    return o;
}

/* A gcc compile of an asm source: the driver makes the temporary .s that
 * as reads; as reads blob.bin, which no dependency output names. */
static void test_assembler_reads(void)
{
    const char *rec =
        "H 101 100 /usr/bin/gcc-12\n"
        "N 101 /usr/lib/gcc/x86_64-linux-gnu/12/specs\n"
        "C 101 /tmp/cc1.s\n"
        "E 102 /usr/lib/gcc/x86_64-linux-gnu/12/cc1\n"
        "H 102 101 /usr/lib/gcc/x86_64-linux-gnu/12/cc1\n"
        "R 102 /w/a.S\n"
        "R 102 /w/inc/../a.h\n"
        "N 103 /usr/local/bin/as\n"
        "E 103 /usr/bin/as\n"
        "H 103 101 /usr/bin/x86_64-linux-gnu-as\n"
        "M 103 /lib/x86_64-linux-gnu/libopcodes.so\n"
        "R 103 /tmp/cc1.s\n"
        "R 103 /w/blob.bin\n"
        "R 103 /w/blob.bin\n"
        "N 103 /w/inc1/part.s\n"
        "R 103 /w/inc2/part.s\n"
        "R 103 /dev/null\n"
        "C 103 /w/a.o\n";
    char *deps[] = {"a.S", "a.h"};
    observed o = parse(rec, deps, 2);
    CU_ASSERT_PTR_NULL(o.why_not);
    CU_ASSERT_EQUAL(o.n_extra, 2);
    CU_ASSERT(has(o.extra, o.n_extra, "/w/blob.bin"));
    CU_ASSERT(has(o.extra, o.n_extra, "/w/inc2/part.s"));
    /* as's own probe counts; the exec search and the driver's do not. */
    CU_ASSERT_EQUAL(o.n_absent, 1);
    CU_ASSERT(has(o.absent, o.n_absent, "/w/inc1/part.s"));
    /* The programs run (for the identity), not the objects loaded. */
    CU_ASSERT(has(o.ran, o.n_ran, "/usr/bin/as"));
    CU_ASSERT(has(o.ran, o.n_ran, "/usr/lib/gcc/x86_64-linux-gnu/12/cc1"));
    CU_ASSERT(!has(o.ran, o.n_ran, "/lib/x86_64-linux-gnu/libopcodes.so"));
    CU_ASSERT(!has(o.extra, o.n_extra, "/lib/x86_64-linux-gnu/libopcodes.so"));
    observed_free(&o);
}

/* Everything read is in the dependency set: nothing extra. */
static void test_nothing_extra(void)
{
    const char *rec = "H 101 100 /usr/bin/gcc-12\n"
                      "H 102 101 /usr/lib/gcc/x86_64-linux-gnu/12/cc1\n"
                      "R 102 /w/x.c\n"
                      "R 102 /usr/include/stdio.h\n";
    char *deps[] = {"x.c", "/usr/include/stdio.h"};
    observed o = parse(rec, deps, 2);
    CU_ASSERT_PTR_NULL(o.why_not);
    CU_ASSERT_EQUAL(o.n_extra, 0);
    CU_ASSERT_EQUAL(o.n_absent, 0);
    observed_free(&o);
}

/* clang compiles in its driver's process: what it reads to find its
 * toolchain comes before the source and is not an input; what its
 * integrated assembler reads after is. */
static void test_driver_compiles(void)
{
    const char *rec = "H 101 100 /usr/lib/llvm-14/bin/clang\n"
                      "R 101 /etc/os-release\n"
                      "R 101 /usr/local/cuda/include/cuda.h\n"
                      "R 101 /w/b.c\n"
                      "R 101 /w/blob.bin\n";
    char *deps[] = {"b.c"};
    observed o = parse(rec, deps, 1);
    CU_ASSERT_PTR_NULL(o.why_not);
    CU_ASSERT_EQUAL(o.n_extra, 1);
    CU_ASSERT(has(o.extra, o.n_extra, "/w/blob.bin"));
    observed_free(&o);
}

static void test_refusals(void)
{
    char *deps[] = {"x.c"};
    /* A helper program read the clock. */
    observed o = parse("H 101 100 /usr/bin/gcc\nH 103 101 /usr/bin/as\nU 103 reads the clock\n",
                       deps, 1);
    CU_ASSERT_PTR_NOT_NULL(o.why_not);
    observed_free(&o);
    /* The driver's toolchain search is the identity's business. */
    o = parse("H 101 100 /usr/bin/clang\nU 101 lists a directory /opt\n", deps, 1);
    CU_ASSERT_PTR_NULL(o.why_not);
    observed_free(&o);
    /* No root: the compiler was not traced (static, say). */
    o = parse("", deps, 1);
    CU_ASSERT_PTR_NOT_NULL(o.why_not);
    observed_free(&o);
    /* A file read, then overwritten by the compile. */
    o = parse("H 101 100 /usr/bin/gcc\nH 103 101 /usr/bin/as\nR 103 /w/y\nT 103 /w/y\n", deps, 1);
    CU_ASSERT_PTR_NOT_NULL(o.why_not);
    observed_free(&o);
    /* Malformed records. */
    o = parse("H 101 100 /usr/bin/gcc\nthis is not a record\n", deps, 1);
    CU_ASSERT_PTR_NOT_NULL(o.why_not);
    observed_free(&o);
}

int main(void)
{
    static const unit_test tests[] = {
        {"the assembler's reads and probes", test_assembler_reads},
        {"nothing beyond the dependency set", test_nothing_extra},
        {"a driver that compiles", test_driver_compiles},
        {"what makes a compile uncacheable", test_refusals},
        {NULL, NULL},
    };
    return unit_run("observe", NULL, NULL, tests);
}
