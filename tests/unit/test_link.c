/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for link_parse: which command lines are links, which of them
 * ricc may cache, the output name, and the files the command names. */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "wrapper/flows/link.h"

static link_cmd lc;

/* Parse a NULL-terminated argument list. */
static void parse(const char *const *args)
{
    int argc = 0;
    while (args[argc])
        argc++;
    CU_ASSERT_EQUAL_FATAL(link_parse(argc, (char **)args, &lc), 0);
}

static int has_file(const char *f)
{
    for (int i = 0; i < lc.n_files; i++)
        if (!strcmp(lc.files[i], f))
            return 1;
    return 0;
}

static void test_plain_links(void)
{
    const char *a[] = {"gcc", "main.o", "b.o", "-L.", "-lv", "-o", "prog", NULL};
    parse(a);
    CU_ASSERT(lc.is_link);
    CU_ASSERT(lc.cacheable);
    CU_ASSERT_STRING_EQUAL(lc.output, "prog");
    CU_ASSERT_EQUAL(lc.n_files, 2);
    CU_ASSERT(has_file("main.o") && has_file("b.o"));
    link_cmd_free(&lc);

    const char *b[] = {"g++", "-shared", "-fPIC", "-O2", "x.o", "-Wl,-soname,libx.so.1",
                       "-Wl,--as-needed", "-lm", "-oout.so", NULL};
    parse(b);
    CU_ASSERT(lc.is_link && lc.cacheable);
    CU_ASSERT_STRING_EQUAL(lc.output, "out.so");
    link_cmd_free(&lc);

    const char *c[] = {"cc", "m.o", NULL};
    parse(c);
    CU_ASSERT(lc.cacheable);
    CU_ASSERT_STRING_EQUAL(lc.output, "a.out");
    link_cmd_free(&lc);

    /* Only -l inputs still link. */
    const char *d[] = {"gcc", "-lfoo", "-o", "p", NULL};
    parse(d);
    CU_ASSERT(lc.is_link && lc.cacheable);
    link_cmd_free(&lc);
}

static void test_not_links(void)
{
    const char *const *cases[] = {
        (const char *[]){"gcc", "-c", "a.c", "-o", "a.o", NULL},
        (const char *[]){"gcc", "-S", "a.c", NULL},
        (const char *[]){"gcc", "-E", "a.c", NULL},
        (const char *[]){"gcc", "-print-prog-name=ld", NULL},
        (const char *[]){"gcc", "-v", "a.o", NULL},
        (const char *[]){"gcc", "--version", NULL},
        (const char *[]){"gcc", "-O2", NULL},
        NULL,
    };
    for (int i = 0; cases[i]; i++) {
        parse(cases[i]);
        CU_ASSERT(!lc.is_link);
        CU_ASSERT(!lc.cacheable);
        link_cmd_free(&lc);
    }
}

static void test_refused(void)
{
    const char *const *cases[] = {
        (const char *[]){"gcc", "a.c", "-o", "p", NULL},             /* compiles too */
        (const char *[]){"gcc", "a.o", "-Wl,-Map=p.map", NULL},       /* side output */
        (const char *[]){"gcc", "a.o", "-Wl,--build-id=uuid", NULL},  /* nondeterministic */
        (const char *[]){"gcc", "a.o", "-Wl,--verbose", NULL},        /* prints on stdout */
        (const char *[]){"gcc", "a.o", "-Xlinker", "-M", NULL},
        (const char *[]){"gcc", "a.o", "-flto", NULL},
        (const char *[]){"gcc", "a.o", "-fuse-ld=gold", NULL},
        (const char *[]){"gcc", "a.o", "-specs=x.specs", NULL},
        (const char *[]){"gcc", "a.o", "@args", NULL},
        (const char *[]){"gcc", "a.o", "-o", "-", NULL},
        (const char *[]){"gcc", "a.o", "-save-temps", NULL},
        (const char *[]){"gcc", "a.o", "-Wl,-rpath", NULL},           /* value missing */
        NULL,
    };
    for (int i = 0; cases[i]; i++) {
        parse(cases[i]);
        CU_ASSERT(lc.is_link);
        if (lc.cacheable)
            fprintf(stderr, "case %d was accepted\n", i);
        CU_ASSERT(!lc.cacheable);
        CU_ASSERT_PTR_NOT_NULL(lc.why_not);
        link_cmd_free(&lc);
    }
}

static void test_named_files(void)
{
    const char *a[] = {"gcc", "a.o", "-Wl,--version-script=v.map,--as-needed", "-T", "s.ld",
                       "-Wl,--dynamic-list", "-Wl,dl.txt", "-Xlinker", "-T", "-Xlinker",
                       "t.ld", "-Wl,-rpath,/opt/lib", "-o", "p", NULL};
    parse(a);
    CU_ASSERT(lc.cacheable);
    CU_ASSERT(has_file("a.o"));
    CU_ASSERT(has_file("v.map"));
    CU_ASSERT(has_file("s.ld"));
    CU_ASSERT(has_file("dl.txt"));
    CU_ASSERT(has_file("t.ld"));
    CU_ASSERT(!has_file("/opt/lib"));
    CU_ASSERT_EQUAL(lc.n_files, 5);
    link_cmd_free(&lc);
}

static const unit_test tests[] = {
    {"plain links", test_plain_links},
    {"not links", test_not_links},
    {"refused", test_refused},
    {"named files", test_named_files},
    {NULL, NULL},
};

int main(void)
{
    return unit_run("link_parse", NULL, NULL, tests);
}
