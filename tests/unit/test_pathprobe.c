/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for wrapper/deps/pathprobe.c: over a tree of files, directories,
 * symbolic links (to a directory, to a file, dangling) and paths through a
 * file, a missing directory, "." and "..", every path of up to three parts
 * gets the answer stat() gives, asked in order through one probe (whose
 * cache then decides most of them) and each through a new one; relative
 * and absolute; and a directory part too long to remember. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/unit.h"
#include "wrapper/deps/pathprobe.h"

static char top[PATH_MAX];

static int init(void)
{
    char tmpl[] = "/tmp/ricc-pathprobe-XXXXXX";
    if (!mkdtemp(tmpl))
        return -1;
    snprintf(top, sizeof top, "%s", tmpl);
    char cmd[PATH_MAX + 200];
    snprintf(cmd, sizeof cmd,
             "cd %s && mkdir -p d/sub/deep && touch d/f d/sub/g d/sub/deep/h && "
             "ln -s sub d/link_dir && ln -s f d/link_file && ln -s nowhere d/dangling",
             top);
    return system(cmd) == 0 ? 0 : -1;
}

static int clean(void)
{
    char cmd[PATH_MAX + 20];
    snprintf(cmd, sizeof cmd, "rm -rf %s", top);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *const parts[] = {"f", "sub", "g", "deep", "h", "link_dir", "link_file",
                                    "dangling", "none", ".", ".."};
#define NPARTS (sizeof parts / sizeof *parts)

static int by_stat(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Every path base/p1[/p2[/p3]]: one probe throughout and a new one each;
 * returns the number that disagreed with stat(), *n the number asked. */
static int compare_all(const char *base, int *n)
{
    pathprobe shared = {0};
    int wrong = 0;
    *n = 0;
    char path[PATH_MAX + 64];
    for (size_t a = 0; a < NPARTS; a++)
        for (size_t b = 0; b <= NPARTS; b++)
            for (size_t c = 0; c <= NPARTS; c++) {
                if (b == NPARTS && c < NPARTS)
                    continue; /* each path once */
                int len = snprintf(path, sizeof path, "%s%s", base, parts[a]);
                if (b < NPARTS)
                    len += snprintf(path + len, sizeof path - (size_t)len, "/%s", parts[b]);
                if (c < NPARTS)
                    snprintf(path + len, sizeof path - (size_t)len, "/%s", parts[c]);
                int want = by_stat(path);
                pathprobe fresh = {0};
                int got_shared = pathprobe_exists(&shared, path);
                int got_fresh = pathprobe_exists(&fresh, path);
                pathprobe_free(&fresh);
                if (got_shared != want || got_fresh != want) {
                    fprintf(stderr, "  %s: stat %d, probe %d, new probe %d\n", path, want,
                            got_shared, got_fresh);
                    wrong++;
                }
                (*n)++;
            }
    pathprobe_free(&shared);
    return wrong;
}

static void test_relative(void)
{
    char old[PATH_MAX];
    CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(old, sizeof old));
    CU_ASSERT_EQUAL_FATAL(chdir(top), 0);
    int n;
    CU_ASSERT_EQUAL(compare_all("d/", &n), 0);
    CU_ASSERT(n > 1000);
    /* Bare names: no directory part to probe. */
    CU_ASSERT_EQUAL(compare_all("", &n), 0);
    CU_ASSERT_EQUAL(chdir(old), 0);
}

static void test_absolute(void)
{
    char base[PATH_MAX + 8];
    snprintf(base, sizeof base, "%s/d/", top);
    int n;
    CU_ASSERT_EQUAL(compare_all(base, &n), 0);
    pathprobe p = {0};
    CU_ASSERT_EQUAL(pathprobe_exists(&p, "/"), 1);
    CU_ASSERT_EQUAL(pathprobe_exists(&p, "/tmp"), 1);
    CU_ASSERT_EQUAL(pathprobe_exists(&p, "/ricc-no-such-dir/x.h"), 0);
    CU_ASSERT_EQUAL(pathprobe_dir(&p, "/ricc-no-such-dir", 17), 0);
    char sub[PATH_MAX + 16];
    int len = snprintf(sub, sizeof sub, "%s/d/sub/deep", top);
    /* A length-bounded directory name: a prefix of a longer buffer. */
    CU_ASSERT_EQUAL(pathprobe_dir(&p, sub, (size_t)len), 1);
    CU_ASSERT_EQUAL(pathprobe_dir(&p, sub, (size_t)len - 2), 0); /* ".../de" */
    pathprobe_free(&p);
}

static void test_long_directory(void)
{
    /* A directory part longer than the probe remembers: stat() decides. */
    size_t n = 5000;
    char *path = malloc(n + 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(path);
    memset(path, 'a', n);
    for (size_t i = 100; i < n; i += 100)
        path[i] = '/';
    path[0] = '/';
    path[n] = '\0';
    pathprobe p = {0};
    CU_ASSERT_EQUAL(pathprobe_exists(&p, path), by_stat(path));
    pathprobe_free(&p);
    free(path);
}

static const unit_test tests[] = {
    {"relative paths answer as stat()", test_relative},
    {"absolute paths answer as stat()", test_absolute},
    {"a directory part too long to remember", test_long_directory},
    {NULL, NULL},
};

int main(void)
{
    return unit_run("pathprobe", init, clean, tests);
}
