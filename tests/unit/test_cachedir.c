/* SPDX-License-Identifier: Apache-2.0 */
/* test_cachedir.c — the fallback for a default cache directory that cannot
 * be written (cache/local/cachedir.c), its one warning per build, the scratch
 * directory, and fs_write_keep/fs_read_kept (cache/util/fsutil.c).
 *
 * Unwritable is made without relying on permission bits (root ignores
 * them): a directory below a regular file cannot be created by anyone. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/local/cachedir.h"
#include "cache/util/fsutil.h"
#include "tests/unit/unit.h"

static char root[] = "/tmp/ricc-test-cachedir-XXXXXX";

static int suite_init(void)
{
    return mkdtemp(root) ? 0 : -1;
}

static int suite_clean(void)
{
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

/* A fresh TMPDIR under root; the fallback path in it. */
static void fresh_tmpdir(const char *name, char *tmp, char *fb, size_t cap)
{
    snprintf(tmp, cap, "%s/%s", root, name);
    CU_ASSERT_FATAL(mkdir(tmp, 0755) == 0);
    setenv("TMPDIR", tmp, 1);
    snprintf(fb, cap, "%s/ricc-%u", tmp, (unsigned)geteuid());
}

static void test_usable_dir_stays(void)
{
    char tmp[300], fb[300], want[300];
    fresh_tmpdir("t1", tmp, fb, sizeof tmp);
    snprintf(want, sizeof want, "%s/home/.cache/ricc", root);
    char *dir = strdup(want), *note = (char *)"unset";
    /* Missing: created, and kept. */
    CU_ASSERT_EQUAL(cachedir_settle(&dir, &note), 0);
    CU_ASSERT_STRING_EQUAL(dir, want);
    CU_ASSERT(note == NULL);
    struct stat st;
    CU_ASSERT(stat(want, &st) == 0 && S_ISDIR(st.st_mode));
    CU_ASSERT(access(fb, F_OK) != 0); /* no fallback made */
    free(dir);
}

static void test_unwritable_falls_back(void)
{
    char tmp[300], fb[300], file[300], bad[400];
    fresh_tmpdir("t2", tmp, fb, sizeof tmp);
    snprintf(file, sizeof file, "%s/a-file", root);
    FILE *f = fopen(file, "w");
    CU_ASSERT_FATAL(f != NULL);
    fclose(f);
    snprintf(bad, sizeof bad, "%s/.cache/ricc", file);
    char *dir = strdup(bad), *note = NULL;
    CU_ASSERT_EQUAL(cachedir_settle(&dir, &note), 1);
    CU_ASSERT_STRING_EQUAL(dir, fb);
    CU_ASSERT(note && strstr(note, bad) && strstr(note, fb));
    struct stat st;
    CU_ASSERT(lstat(fb, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 077) == 0 &&
              st.st_uid == geteuid());
    /* One warning per build: the first process to look takes the mark. */
    char mark[400];
    snprintf(mark, sizeof mark, "%s/dir-fallback", fb);
    CU_ASSERT(access(mark, F_OK) != 0);
    cachedir_announce(dir, note);
    CU_ASSERT(access(mark, F_OK) == 0);
    /* Settled again (the next process): the same directory. */
    char *dir2 = strdup(bad), *note2 = NULL;
    CU_ASSERT_EQUAL(cachedir_settle(&dir2, &note2), 1);
    CU_ASSERT_STRING_EQUAL(dir2, fb);
    free(dir);
    free(note);
    free(dir2);
    free(note2);
}

static void test_planted_refused(void)
{
    char tmp[300], fb[300], elsewhere[300], bad[300];
    fresh_tmpdir("t3", tmp, fb, sizeof tmp);
    snprintf(elsewhere, sizeof elsewhere, "%s/elsewhere", root);
    CU_ASSERT_FATAL(mkdir(elsewhere, 0700) == 0);
    CU_ASSERT_FATAL(symlink(elsewhere, fb) == 0);
    snprintf(bad, sizeof bad, "%s/a-file/x", root);
    char *dir = strdup(bad), *note = NULL;
    CU_ASSERT_EQUAL(cachedir_settle(&dir, &note), 1);
    CU_ASSERT_STRING_EQUAL(dir, bad); /* not the planted link */
    CU_ASSERT(note && strstr(note, "not a directory of its own"));
    free(dir);
    free(note);
    /* A directory open to others is refused too. */
    CU_ASSERT(unlink(fb) == 0);
    CU_ASSERT(mkdir(fb, 0777) == 0 && chmod(fb, 0777) == 0);
    dir = strdup(bad);
    CU_ASSERT_EQUAL(cachedir_settle(&dir, &note), 1);
    CU_ASSERT_STRING_EQUAL(dir, bad);
    CU_ASSERT(note && strstr(note, "writable by others"));
    free(dir);
    free(note);
    /* No scratch directory there either. */
    char *scratch = cachedir_scratch(bad);
    CU_ASSERT(scratch == NULL);
    free(scratch);
}

static void test_scratch(void)
{
    char tmp[300], fb[300], bad[300], good[300], want[400];
    fresh_tmpdir("t4", tmp, fb, sizeof tmp);
    snprintf(good, sizeof good, "%s/good", root);
    char *s = cachedir_scratch(good);
    snprintf(want, sizeof want, "%s/tmp", good);
    CU_ASSERT(s && !strcmp(s, want));
    free(s);
    snprintf(bad, sizeof bad, "%s/a-file/x", root);
    s = cachedir_scratch(bad);
    snprintf(want, sizeof want, "%s/tmp", fb);
    CU_ASSERT(s && !strcmp(s, want));
    struct stat st;
    CU_ASSERT(s && stat(s, &st) == 0 && S_ISDIR(st.st_mode));
    free(s);
}

static void test_write_keep(void)
{
    char bad[300], good[300];
    snprintf(bad, sizeof bad, "%s/a-file/record", root);
    snprintf(good, sizeof good, "%s/record", root);
    char *buf = NULL;
    size_t len = 0;
    CU_ASSERT(fs_read_kept(bad, &buf, &len) != 0);
    CU_ASSERT_EQUAL(fs_write_keep(bad, "first", 5, 0644), 0); /* kept, not written */
    CU_ASSERT(access(bad, F_OK) != 0);
    CU_ASSERT(fs_read_kept(bad, &buf, &len) == 0 && len == 5 && !strcmp(buf, "first"));
    free(buf);
    CU_ASSERT_EQUAL(fs_write_keep(bad, "second!", 7, 0644), 0);
    CU_ASSERT(fs_read_kept(bad, &buf, &len) == 0 && len == 7 && !strcmp(buf, "second!"));
    free(buf);
    /* Where it can be written it is, and read back from the file. */
    CU_ASSERT_EQUAL(fs_write_keep(good, "on disk", 7, 0644), 0);
    CU_ASSERT(fs_read_file(good, &buf, &len) == 0 && len == 7);
    free(buf);
}

static const unit_test tests[] = {
    {"a usable default stays", test_usable_dir_stays},
    {"an unwritable default falls back, one warning", test_unwritable_falls_back},
    {"a planted or open fallback is refused", test_planted_refused},
    {"scratch beside the cache, else in the fallback", test_scratch},
    {"a record that cannot be written is kept", test_write_keep},
    {NULL, NULL},
};

int main(void)
{
    return unit_run("cachedir", suite_init, suite_clean, tests);
}
