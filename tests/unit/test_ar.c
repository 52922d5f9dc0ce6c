/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for ar_parse and ar_name_known: which ar command lines ricc
 * caches, what it refuses and why, the archive and member names, and which
 * program names are GNU ar's. */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "wrapper/flows/ar.h"

static ar_cmd ac;

/* Parse a NULL-terminated argument list. */
static void parse(const char *const *args)
{
    int argc = 0;
    while (args[argc])
        argc++;
    CU_ASSERT_EQUAL_FATAL(ar_parse(argc, (char **)args, &ac), 0);
}

static void test_cacheable(void)
{
    const char *a[] = {"ar", "rcs", "libx.a", "a.o", "dir/b.o", NULL};
    parse(a);
    CU_ASSERT(ac.cacheable);
    CU_ASSERT_EQUAL(ac.op, 'r');
    CU_ASSERT(!ac.explicit_d);
    CU_ASSERT_STRING_EQUAL(ac.archive, "libx.a");
    CU_ASSERT_EQUAL_FATAL(ac.n_members, 2);
    CU_ASSERT_STRING_EQUAL(ac.members[0], "a.o");
    CU_ASSERT_STRING_EQUAL(ac.members[1], "dir/b.o");
    CU_ASSERT(ac.rerun_same);
    ar_cmd_free(&ac);

    const char *b[] = {"x86_64-linux-gnu-ar", "-crsD", "out/lib.a", "x.o", NULL};
    parse(b);
    CU_ASSERT(ac.cacheable);
    CU_ASSERT_EQUAL(ac.op, 'r');
    CU_ASSERT(ac.explicit_d);
    CU_ASSERT_STRING_EQUAL(ac.archive, "out/lib.a");
    ar_cmd_free(&ac);

    /* q appends: the same command on its result is not the result. */
    const char *c[] = {"ar", "qc", "l.a", "a.o", NULL};
    parse(c);
    CU_ASSERT(ac.cacheable);
    CU_ASSERT_EQUAL(ac.op, 'q');
    CU_ASSERT(!ac.rerun_same);
    ar_cmd_free(&ac);

    /* No members: an empty archive (or an index added). */
    const char *d[] = {"ar", "rc", "empty.a", NULL};
    parse(d);
    CU_ASSERT(ac.cacheable);
    CU_ASSERT_EQUAL(ac.n_members, 0);
    ar_cmd_free(&ac);

    /* v prints what it did, which differs between creating and replacing;
     * two members of one base name replace each other. */
    const char *e[] = {"ar", "rcsv", "l.a", "a.o", NULL};
    parse(e);
    CU_ASSERT(ac.cacheable && !ac.rerun_same);
    ar_cmd_free(&ac);
    const char *f[] = {"ar", "rcs", "l.a", "x/a.o", "b.o", "y/a.o", NULL};
    parse(f);
    CU_ASSERT(ac.cacheable && !ac.rerun_same);
    ar_cmd_free(&ac);
    const char *g[] = {"ar", "rcsS", "l.a", "a.o", NULL};
    parse(g);
    CU_ASSERT(ac.cacheable);
    ar_cmd_free(&ac);
}

/* Each of these must run plainly, with the reason given. */
static void refused(const char *const *args, const char *why_part)
{
    parse(args);
    CU_ASSERT(!ac.cacheable);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ac.why_not);
    if (!strstr(ac.why_not, why_part))
        fprintf(stderr, "\n  %s: why_not '%s' lacks '%s'\n", args[1], ac.why_not, why_part);
    CU_ASSERT_PTR_NOT_NULL(strstr(ac.why_not, why_part));
    ar_cmd_free(&ac);
}

static void test_refused(void)
{
    const char *u[] = {"ar", "rcsU", "l.a", "a.o", NULL};
    refused(u, "U ");
    const char *uu[] = {"ar", "rcu", "l.a", "a.o", NULL};
    refused(uu, "modification times");
    const char *t[] = {"ar", "t", "l.a", NULL};
    refused(t, "only r and q");
    const char *x[] = {"ar", "x", "l.a", NULL};
    refused(x, "only r and q");
    const char *dl[] = {"ar", "d", "l.a", "a.o", NULL};
    refused(dl, "only r and q");
    const char *p[] = {"ar", "p", "l.a", NULL};
    refused(p, "only r and q");
    const char *s[] = {"ar", "s", "l.a", NULL};
    refused(s, "ranlib");
    const char *thin[] = {"ar", "rcT", "l.a", "a.o", NULL};
    refused(thin, "thin");
    const char *thin2[] = {"ar", "--thin", "rc", "l.a", "a.o", NULL};
    refused(thin2, "long option");
    const char *plugin[] = {"ar", "rcs", "--plugin", "p.so", "l.a", "a.o", NULL};
    refused(plugin, "option after");
    const char *rsp[] = {"ar", "rcs", "l.a", "@objs.rsp", NULL};
    refused(rsp, "response file");
    const char *two[] = {"ar", "rq", "l.a", "a.o", NULL};
    refused(two, "two operations");
    const char *after[] = {"ar", "rbcs", "a.o", "l.a", "b.o", NULL};
    refused(after, "modifier");
    const char *none[] = {"ar", "cv", "l.a", "a.o", NULL};
    refused(none, "no operation");
    const char *dash[] = {"ar", "-", "l.a", NULL};
    refused(dash, "no operation");
    const char *noarch[] = {"ar", "rcs", NULL};
    refused(noarch, "no archive");
    const char *sep[] = {"ar", "-r", "-c", "l.a", "a.o", NULL};
    refused(sep, "option after");
    const char *ver[] = {"ar", "V", NULL};
    refused(ver, "no archive");
    const char *ver2[] = {"ar", "rV", "l.a", NULL};
    refused(ver2, "modifier");
}

static void test_names(void)
{
    CU_ASSERT(ar_name_known("ar"));
    CU_ASSERT(ar_name_known("x86_64-linux-gnu-ar"));
    CU_ASSERT(ar_name_known("aarch64-linux-gnu-ar"));
    CU_ASSERT(!ar_name_known("gcc-ar"));
    CU_ASSERT(!ar_name_known("x86_64-linux-gnu-gcc-ar"));
    CU_ASSERT(!ar_name_known("llvm-ar"));
    CU_ASSERT(!ar_name_known("gcc-ar-12"));
    CU_ASSERT(!ar_name_known("tar"));
    CU_ASSERT(!ar_name_known("my-tar"));
    CU_ASSERT(!ar_name_known("-ar"));
    CU_ASSERT(!ar_name_known("gcc"));
    CU_ASSERT(!ar_name_known("ranlib"));
}

static const unit_test tests[] = {
    {"cacheable", test_cacheable},
    {"refused", test_refused},
    {"names", test_names},
    {NULL, NULL},
};

int main(void)
{
    return unit_run("ar_parse", NULL, NULL, tests);
}
