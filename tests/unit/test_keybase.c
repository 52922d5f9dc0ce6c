/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for wrapper/key/keybase.c: the base a compile's key is relative to,
 * and when the key keeps the base or the output names (keybase.h). */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "wrapper/compiler/compiler.h"
#include "wrapper/key/keybase.h"

/* Decide for "gcc ARGS..." run in cwd under root; the base in out. */
static int decide(const char *cwd, const char *root, keybase *kb, const char *args)
{
    char *copy = strdup(args), *argv[64];
    int argc = 0;
    argv[argc++] = "gcc";
    for (char *save, *a = strtok_r(copy, " ", &save); a && argc < 63; a = strtok_r(NULL, " ", &save))
        argv[argc++] = a;
    argv[argc] = NULL;
    compile_cmd cmd;
    int rc = compiler_parse(argc, argv, cwd, &cmd);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_FATAL(cmd.cacheable);
    rc = keybase_decide(kb, &cmd, cwd, root, 1, 1);
    compile_cmd_free(&cmd);
    free(copy);
    return rc;
}

static void expect_base(const char *cwd, const char *root, const char *args, const char *want)
{
    keybase kb;
    CU_ASSERT_EQUAL_FATAL(decide(cwd, root, &kb, args), 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(kb.base);
    if (strcmp(kb.base, want) != 0)
        fprintf(stderr, "\n  %s in %s: base %s, want %s\n", args, cwd, kb.base, want);
    CU_ASSERT_STRING_EQUAL(kb.base, want);
    keybase_free(&kb);
}

static void test_base(void)
{
    /* Relative paths inside the working directory: the working directory. */
    expect_base("/w/a", "/w", "-Iinc -c x.c -o x.o", "/w/a");
    /* CMake: the build directory inside the checkout, absolute -I of the
     * source directory (above the working directory) and of the build one. */
    expect_base("/w/a/zlib/build", "/w", "-I/w/a/zlib/build -I/w/a/zlib -c /w/a/zlib/adler32.c",
                "/w/a/zlib");
    expect_base("/w/a/zlib/build", "/w", "-I/w/a/zlib -c /w/a/zlib/adler32.c -o x.o",
                "/w/a/zlib");
    /* A sibling build directory. */
    expect_base("/w/a/b", "/w", "-I/w/a/src -c /w/a/src/x.c -o x.o", "/w/a");
    /* ../ paths climb as far as they go. */
    expect_base("/w/a/b/c", "/w", "-I../../inc -c x.c -o x.o", "/w/a");
    /* Not above the root; paths outside it do not count. */
    expect_base("/w/a", "/w/a", "-I/w/other -I/usr/include/foo -c x.c -o x.o", "/w/a");
    /* A working directory outside the root: the root. */
    expect_base("/elsewhere", "/w/a", "-I/w/a/inc -c /w/a/x.c -o x.o", "/w/a");
    /* A name sharing a prefix is not a parent. */
    expect_base("/w/ab/x", "/w", "-I/w/a -c y.c -o y.o", "/w");
}

static void test_salt_and_names(void)
{
    keybase kb;
    /* Absolute paths, nothing that records them: relocatable, names out. */
    CU_ASSERT_EQUAL_FATAL(decide("/w/a/b", "/w", &kb, "-O2 -I/w/a/inc -c /w/a/x.c -o x.o -MD"), 0);
    CU_ASSERT(kb.relocate && kb.rewrote_abs && !kb.salt_base && kb.canon);
    CU_ASSERT_PTR_NOT_NULL(kb.dep_targets);
    CU_ASSERT_STRING_EQUAL(kb.dep_targets[0], "x.o");
    keybase_free(&kb);
    /* -g records them... */
    CU_ASSERT_EQUAL_FATAL(decide("/w/a/b", "/w", &kb, "-g -I/w/a/inc -c /w/a/x.c -o x.o"), 0);
    CU_ASSERT(kb.salt_base);
    keybase_free(&kb);
    /* ...unless a prefix map hides every one of them. */
    CU_ASSERT_EQUAL_FATAL(
        decide("/w/a/b", "/w", &kb, "-g -ffile-prefix-map=/w/a=. -I/w/a/inc -c /w/a/x.c -o x.o"), 0);
    CU_ASSERT(!kb.salt_base);
    keybase_free(&kb);
    CU_ASSERT_EQUAL_FATAL(
        decide("/w/a/b", "/w", &kb, "-g -fdebug-prefix-map=/w/a/inc=. -I/w/a/inc -c /w/a/x.c -o x.o"),
        0);
    CU_ASSERT(kb.salt_base);
    keybase_free(&kb);
    /* Relative paths only: nothing absolute reaches an output. */
    CU_ASSERT_EQUAL_FATAL(decide("/w/a", "/w", &kb, "-g -Iinc -c x.c -o x.o"), 0);
    CU_ASSERT(!kb.rewrote_abs && !kb.salt_base);
    keybase_free(&kb);
    /* Sanitizers and LTO record them; __FILE__ only with the inputs known. */
    CU_ASSERT_EQUAL_FATAL(decide("/w/a", "/w", &kb, "-fsanitize=address -c /w/a/x.c -o x.o"), 0);
    CU_ASSERT(kb.salt_base);
    keybase_free(&kb);
    CU_ASSERT_EQUAL_FATAL(decide("/w/a", "/w", &kb, "-flto -c /w/a/x.c -o x.o"), 0);
    CU_ASSERT(kb.salt_base);
    keybase_free(&kb);
    CU_ASSERT_EQUAL_FATAL(decide("/w/a", "/w", &kb, "-c /w/a/x.c -o x.o"), 0);
    CU_ASSERT(keybase_file_macros_record(&kb, 8 /* INPUT_USES_FILE */));
    keybase_free(&kb);
    CU_ASSERT_EQUAL_FATAL(decide("/w/a", "/w", &kb, "-fmacro-prefix-map=/w/a=. -c /w/a/x.c -o x.o"), 0);
    CU_ASSERT(!keybase_file_macros_record(&kb, 8));
    keybase_free(&kb);
    /* Names: a .dwo's name is in the object, and -frecord-gcc-switches
     * records -o. */
    CU_ASSERT_EQUAL_FATAL(decide("/w/a", "/w", &kb, "-g -gsplit-dwarf -c x.c -o x.o"), 0);
    CU_ASSERT(!kb.canon);
    keybase_free(&kb);
    CU_ASSERT_EQUAL_FATAL(decide("/w/a", "/w", &kb, "-frecord-gcc-switches -c x.c -o x.o"), 0);
    CU_ASSERT(!kb.canon);
    keybase_free(&kb);
    /* gcc's target order: -MT first, then the -MQ ones rotated. */
    CU_ASSERT_EQUAL_FATAL(decide("/w/a", "/w", &kb, "-MD -MQ a -MQ b$ -MT ./c -c x.c -o x.o"), 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(kb.dep_targets);
    CU_ASSERT_STRING_EQUAL(kb.dep_targets[0], "c");
    CU_ASSERT_STRING_EQUAL(kb.dep_targets[1], "b$$");
    CU_ASSERT_STRING_EQUAL(kb.dep_targets[2], "a");
    CU_ASSERT_PTR_NULL(kb.dep_targets[3]);
    keybase_free(&kb);
    /* No path rewriting: nothing left out. */
    CU_ASSERT_EQUAL_FATAL(decide("/w/a", NULL, &kb, "-c x.c -o x.o"), 0);
    CU_ASSERT(!kb.base && !kb.canon && !kb.relocate);
    keybase_free(&kb);
    /* A base whose characters could be escaped: not relocated. */
    CU_ASSERT_EQUAL_FATAL(decide("/w/a b", "/w", &kb, "-c x.c -o x.o"), 0);
    CU_ASSERT(!kb.relocate && !kb.canon);
    keybase_free(&kb);
}

int main(void)
{
    static const unit_test tests[] = {
        {"the base", test_base},
        {"salt and names", test_salt_and_names},
        {NULL, NULL},
    };
    return unit_run("keybase", NULL, NULL, tests);
}
