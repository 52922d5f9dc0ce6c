/* SPDX-License-Identifier: Apache-2.0 */
/* test_identity.c — the driver options the identity asks with
 * (compiler_driver_opts), and the identity itself against the real gcc:
 * remembered, unchanged by a reinstall-like touch of a searched directory,
 * changed by a re-pointed sysroot and by a program found through
 * COMPILER_PATH. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/unit.h"
#include "wrapper/compiler/compiler.h"
#include "wrapper/compiler/identity.h"
#include "wrapper/util/run.h"

static int argc_of(char **v)
{
    int n = 0;
    while (v[n])
        n++;
    return n;
}

/* The driver options of argv, joined by spaces. */
static char *opts_of(char **argv)
{
    static char buf[1024];
    char **o = compiler_driver_opts(argc_of(argv), argv);
    buf[0] = '\0';
    for (int i = 0; o && o[i]; i++) {
        if (i)
            strcat(buf, " ");
        strcat(buf, o[i]);
    }
    compiler_driver_opts_free(o);
    return buf;
}

static void test_forms(void)
{
    char *a[] = {"gcc", "-B", "tools/", "-Bx/", "--sysroot", "s", "--sysroot=t", "-isysroot", "u",
                 "-isysrootv", "-c", "x.c", NULL};
    CU_ASSERT_STRING_EQUAL(opts_of(a), "-Btools/ -Bx/ --sysroot=s --sysroot=t -isysrootu -isysrootv");
    char *b[] = {"clang", "-target", "aarch64-linux-gnu", "--gcc-toolchain=/opt/g", "-gcc-toolchain",
                 "/opt/h", "-m32", "-mx32", "-march=native", "-stdlib=libc++",
                 "-no-canonical-prefixes", NULL};
    CU_ASSERT_STRING_EQUAL(opts_of(b), "--target=aarch64-linux-gnu --gcc-toolchain=/opt/g "
                                       "--gcc-toolchain=/opt/h -m32 -mx32 -stdlib=libc++ "
                                       "-no-canonical-prefixes");
    char *c[] = {"gcc", "-specs", "f", "--specs=g", "-fuse-ld=bfd", "--ld-path=/l", "x.o", NULL};
    CU_ASSERT_STRING_EQUAL(opts_of(c), "-specs=f --specs=g -fuse-ld=bfd --ld-path=/l");
}

static void test_values_of_others(void)
{
    /* A value of another option is not a driver option. */
    char *a[] = {"gcc", "-Xlinker", "-Bstatic", "-o", "-m32", "-MF", "-B", "-I", "-m64", "x.c", NULL};
    CU_ASSERT_STRING_EQUAL(opts_of(a), "");
    /* A value missing at the end: nothing (the driver reports it). */
    char *b[] = {"gcc", "-c", "x.c", "--sysroot", NULL};
    CU_ASSERT_STRING_EQUAL(opts_of(b), "");
    char *c[] = {"gcc", NULL};
    CU_ASSERT_STRING_EQUAL(opts_of(c), "");
}

static void test_parse_keeps_them(void)
{
    char *a[] = {"gcc", "--sysroot=/s", "-O2", "-c", "x.c", NULL};
    compile_cmd cmd;
    CU_ASSERT_EQUAL_FATAL(compiler_parse(5, a, "/", &cmd), 0);
    CU_ASSERT_TRUE(cmd.cacheable);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cmd.driver_opts);
    CU_ASSERT_STRING_EQUAL(cmd.driver_opts[0], "--sysroot=/s");
    CU_ASSERT_PTR_NULL(cmd.driver_opts[1]);
    compile_cmd_free(&cmd);
    /* Also when not cacheable (a link). */
    char *b[] = {"gcc", "-B/t/", "x.o", NULL};
    CU_ASSERT_EQUAL_FATAL(compiler_parse(3, b, "/", &cmd), 0);
    CU_ASSERT_FALSE(cmd.cacheable);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cmd.driver_opts);
    CU_ASSERT_STRING_EQUAL(cmd.driver_opts[0], "-B/t/");
    compile_cmd_free(&cmd);
}

/* ---- against the real gcc ---- */

static char tmp[256];
static char *gcc;

static int setup(void)
{
    snprintf(tmp, sizeof tmp, "/tmp/ricc-test-identity-XXXXXX");
    if (!mkdtemp(tmp))
        return 1;
    gcc = run_find_program("gcc");
    return 0;
}

static int teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    free(gcc);
    return system(cmd) == 0 ? 0 : 1;
}

static void path(char *out, const char *name)
{
    snprintf(out, 512, "%s/%s", tmp, name);
}

static int count_records(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "ls '%s/identity' | wc -l", dir);
    FILE *f = popen(cmd, "r");
    int n = -1;
    if (f) {
        if (fscanf(f, "%d", &n) != 1)
            n = -1;
        pclose(f);
    }
    return n;
}

static void test_remembered(void)
{
    if (!gcc)
        return;
    char dir[512];
    path(dir, "cache1");
    digest a, b, c;
    const char *const *progs = identity_programs(LANG_C);
    CU_ASSERT_EQUAL_FATAL(compiler_identity(gcc, dir, progs, &a), 0);
    CU_ASSERT_EQUAL(count_records(dir), 1);
    CU_ASSERT_EQUAL_FATAL(compiler_identity(gcc, dir, progs, &b), 0);
    CU_ASSERT_TRUE(digest_equal(&a, &b));
    /* Without a place to remember, the same answer. */
    CU_ASSERT_EQUAL_FATAL(compiler_identity(gcc, NULL, progs, &c), 0);
    CU_ASSERT_TRUE(digest_equal(&a, &c));
    /* Another language, another record and another identity (cc1plus). */
    CU_ASSERT_EQUAL_FATAL(compiler_identity(gcc, dir, identity_programs(LANG_CXX), &c), 0);
    CU_ASSERT_EQUAL(count_records(dir), 2);
    CU_ASSERT_FALSE(digest_equal(&a, &c));
}

static void test_sysroot_link(void)
{
    if (!gcc)
        return;
    char dir[512], a[512], b[512], link[512], opt[600];
    path(dir, "cache2");
    path(a, "A");
    path(b, "B");
    path(link, "root");
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s/usr/include' '%s/usr/include' && ln -sfn A '%s'", a, b,
             link);
    CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
    snprintf(opt, sizeof opt, "--sysroot=%s", link);
    char *opts[] = {opt, NULL};
    const char *const *progs = identity_programs(LANG_C);
    digest plain, d1, d2, d3;
    CU_ASSERT_EQUAL_FATAL(compiler_identity(gcc, dir, progs, &plain), 0);
    CU_ASSERT_EQUAL_FATAL(compiler_identity_for(gcc, dir, progs, opts, &d1), 0);
    CU_ASSERT_FALSE(digest_equal(&plain, &d1));
    snprintf(cmd, sizeof cmd, "ln -sfn B '%s'", link);
    CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
    CU_ASSERT_EQUAL_FATAL(compiler_identity_for(gcc, dir, progs, opts, &d2), 0);
    CU_ASSERT_FALSE(digest_equal(&d1, &d2));
    snprintf(cmd, sizeof cmd, "ln -sfn A '%s'", link);
    CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
    CU_ASSERT_EQUAL_FATAL(compiler_identity_for(gcc, dir, progs, opts, &d3), 0);
    CU_ASSERT_TRUE(digest_equal(&d1, &d3));
}

static void test_compiler_path(void)
{
    if (!gcc)
        return;
    char dir[512], tools[512], as[600], env[600];
    path(dir, "cache3");
    path(tools, "tools");
    snprintf(as, sizeof as, "%s/as", tools);
    CU_ASSERT_EQUAL_FATAL(mkdir(tools, 0755), 0);
    FILE *f = fopen(as, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("#!/bin/sh\nexec as \"$@\"\n", f);
    fclose(f);
    CU_ASSERT_EQUAL_FATAL(chmod(as, 0755), 0);
    const char *const *progs = identity_programs(LANG_C);
    digest plain, d1, d2;
    CU_ASSERT_EQUAL_FATAL(compiler_identity(gcc, dir, progs, &plain), 0);
    snprintf(env, sizeof env, "%s", tools);
    setenv("COMPILER_PATH", env, 1);
    CU_ASSERT_EQUAL(compiler_identity(gcc, dir, progs, &d1), 0);
    /* Edited in place: same path, other content. */
    f = fopen(as, "a");
    CU_ASSERT_PTR_NOT_NULL(f);
    if (f) {
        fputs("# edited\n", f);
        fclose(f);
    }
    CU_ASSERT_EQUAL(compiler_identity(gcc, dir, progs, &d2), 0);
    unsetenv("COMPILER_PATH");
    CU_ASSERT_FALSE(digest_equal(&plain, &d1));
    CU_ASSERT_FALSE(digest_equal(&d1, &d2));
}

/* A program a compile was seen running is learned into the identity, and
 * kept when the rest is asked again; learning against a record that is not
 * the caller's any more fails. */
static void test_learned(void)
{
    if (!gcc)
        return;
    char dir[512], sh[600];
    path(dir, "cache4");
    char *dash = realpath("/bin/sh", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dash);
    snprintf(sh, sizeof sh, "%s", dash);
    const char *const *progs = identity_programs(LANG_C);
    digest d0, d1, d2, again, stale = {{0}, 0};
    char *reals[] = {sh, NULL};
    CU_ASSERT_EQUAL_FATAL(compiler_identity(gcc, dir, progs, &d0), 0);
    char *probe[2] = {strdup(sh), strdup(gcc)};
    char *real_gcc = realpath(gcc, NULL);
    free(probe[1]);
    probe[1] = real_gcc;
    CU_ASSERT_EQUAL(identity_uncovered(gcc, dir, progs, NULL, probe, 2), 1);
    CU_ASSERT_STRING_EQUAL(probe[0], sh);
    free(probe[0]);
    CU_ASSERT_NOT_EQUAL(identity_learn(gcc, dir, progs, NULL, &stale, reals, 1, &d1), 0);
    CU_ASSERT_EQUAL_FATAL(identity_learn(gcc, dir, progs, NULL, &d0, reals, 1, &d1), 0);
    CU_ASSERT_FALSE(digest_equal(&d0, &d1));
    char *again_sh = strdup(sh);
    CU_ASSERT_EQUAL(identity_uncovered(gcc, dir, progs, NULL, &again_sh, 1), 0);
    CU_ASSERT_EQUAL_FATAL(compiler_identity(gcc, dir, progs, &d2), 0);
    CU_ASSERT_TRUE(digest_equal(&d1, &d2));
    /* The driver asked anew (the record no longer holds): still learned. */
    char cmd[700];
    snprintf(cmd, sizeof cmd, "sed -i 's/^I .*/I %064d 1/' '%s'/identity/*", 0, dir);
    CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "sed -i 's/^\\(P [0-9]* [0-9]*\\) [0-9]* /\\1 1 /' '%s'/identity/*",
             dir);
    CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
    CU_ASSERT_EQUAL_FATAL(compiler_identity(gcc, dir, progs, &again), 0);
    CU_ASSERT_TRUE(digest_equal(&d1, &again));
    free(dash);
}

int main(void)
{
    static const unit_test tests[] = {
        {"driver options and their joined spelling", test_forms},
        {"values of other options are not driver options", test_values_of_others},
        {"compiler_parse keeps the driver options", test_parse_keeps_them},
        {"the identity is remembered", test_remembered},
        {"a re-pointed sysroot changes the identity", test_sysroot_link},
        {"an as found through COMPILER_PATH, edited", test_compiler_path},
        {"programs seen running are learned and kept", test_learned},
        {NULL, NULL},
    };
    return unit_run("identity", setup, teardown, tests);
}
