/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for wrapper/trace/opentrace.c: the files gcc's compiler proper read,
 * from libricc-trace.so records shaped like a real `gcc -c` (driver, cc1,
 * as): only cc1's reads, the program itself and kernel files left out, each
 * file once in first-read order, names under the working directory made
 * relative again, precompiled headers flagged, and a trace that never
 * reached cc1 (or is cut short) refused. */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "wrapper/trace/opentrace.h"

static const char *const gcc_trace =
    "H 100 99 /usr/bin/x86_64-linux-gnu-gcc-12\n"
    "R 100 /usr/lib/gcc/x86_64-linux-gnu/12/specs\n"
    "C 100 /tmp/ccX.s\n"
    /* cc1's own records come before its H record (written once set up). */
    "R 101 /usr/lib/gcc/x86_64-linux-gnu/12/cc1\n"
    "M 101 /lib/x86_64-linux-gnu/libc.so.6\n"
    "H 101 100 /usr/lib/gcc/x86_64-linux-gnu/12/cc1\n"
    "U 101 reads the clock\n"
    "R 101 /work/proj/src/m.c\n"
    "R 101 /usr/include/stdc-predef.h\n"
    "N 101 /work/proj/include/stdio.h\n"
    "R 101 /usr/include/stdio.h\n"
    "R 101 /work/proj/include/conf.h\n"
    "R 101 /work/proj/../lib/x.h\n"
    "R 101 /work/projother/y.h\n"
    "R 101 /proc/meminfo\n"
    "R 101 /work/proj/include/conf.h\n"
    "T 101 /tmp/ccX.s\n"
    "T 101 /work/proj/m.d\n"
    "H 102 100 /usr/bin/x86_64-linux-gnu-as\n"
    "R 102 /tmp/ccX.s\n"
    "C 102 /work/proj/m.o\n";

static void test_reads(void)
{
    char **p;
    int pch;
    int n = opentrace_reads(gcc_trace, strlen(gcc_trace), "/work/proj", &p, &pch);
    CU_ASSERT_EQUAL_FATAL(n, 6);
    CU_ASSERT_EQUAL(pch, 0);
    CU_ASSERT_STRING_EQUAL(p[0], "src/m.c");
    CU_ASSERT_STRING_EQUAL(p[1], "/usr/include/stdc-predef.h");
    CU_ASSERT_STRING_EQUAL(p[2], "/usr/include/stdio.h");
    CU_ASSERT_STRING_EQUAL(p[3], "include/conf.h");
    CU_ASSERT_STRING_EQUAL(p[4], "../lib/x.h");
    /* A sibling whose name starts like the working directory stays whole. */
    CU_ASSERT_STRING_EQUAL(p[5], "/work/projother/y.h");
    CU_ASSERT_PTR_NULL(p[6]);
    for (int i = 0; i < n; i++)
        free(p[i]);
    free(p);
}

static void test_root_cwd(void)
{
    /* cwd "/" leaves names absolute (there is no "relative to /"). */
    const char *t = "H 5 4 /usr/libexec/gcc/cc1plus\nR 5 /a.cc\n";
    char **p;
    int pch;
    CU_ASSERT_EQUAL_FATAL(opentrace_reads(t, strlen(t), "/", &p, &pch), 1);
    CU_ASSERT_STRING_EQUAL(p[0], "/a.cc");
    free(p[0]);
    free(p);
}

static void test_pch(void)
{
    const char *t = "H 7 6 /usr/lib/gcc/x86_64-linux-gnu/12/cc1\n"
                    "R 7 /w/m.c\nR 7 /w/all.h.gch\n";
    char **p;
    int pch;
    int n = opentrace_reads(t, strlen(t), "/w", &p, &pch);
    CU_ASSERT_EQUAL(n, 2);
    CU_ASSERT_EQUAL(pch, 1);
    for (int i = 0; i < n; i++)
        free(p[i]);
    free(p);
}

static void test_refused(void)
{
    char **p;
    int pch;
    /* No compiler proper: the tracer did not reach it (a static cc1, an
     * environment that dropped LD_PRELOAD). */
    const char *driver_only = "H 1 0 /usr/bin/gcc\nR 1 /w/m.c\n";
    CU_ASSERT_EQUAL(opentrace_reads(driver_only, strlen(driver_only), "/w", &p, &pch), -1);
    CU_ASSERT_PTR_NULL(p);
    /* A record cut short, and a malformed one. */
    const char *cut = "H 7 6 /x/cc1\nR 7 /w/m.c";
    CU_ASSERT_EQUAL(opentrace_reads(cut, strlen(cut), "/w", &p, &pch), -1);
    const char *bad = "H 7 6 /x/cc1\nR x /w/m.c\n";
    CU_ASSERT_EQUAL(opentrace_reads(bad, strlen(bad), "/w", &p, &pch), -1);
    CU_ASSERT_EQUAL(opentrace_reads("", 0, "/w", &p, &pch), -1);
    /* A program merely named like cc1 elsewhere in its path is not one. */
    const char *lookalike = "H 3 2 /opt/cc1/bin/tool\nR 3 /w/m.c\n";
    CU_ASSERT_EQUAL(opentrace_reads(lookalike, strlen(lookalike), "/w", &p, &pch), -1);
}

static const unit_test tests[] = {
    {"a gcc -c trace", test_reads},
    {"working directory /", test_root_cwd},
    {"precompiled header", test_pch},
    {"refused traces", test_refused},
    {NULL, NULL},
};

int main(void)
{
    return unit_run("opentrace", NULL, NULL, tests);
}
