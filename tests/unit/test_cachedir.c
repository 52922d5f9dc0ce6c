/* SPDX-License-Identifier: Apache-2.0 */
/* test_cachedir.c — the fallback for a default cache directory that cannot
 * be written (cache/local/cachedir.c), its one warning per build, the scratch
 * directory (private to the process), the one warning of a build whose
 * cache directory cannot be written, and fs_write_keep/fs_read_kept
 * (cache/util/fsutil.c).
 *
 * Unwritable is made without relying on permission bits (root ignores
 * them): a directory below a regular file cannot be created by anyone. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cache/local/cachedir.h"
#include "cache/local/layout.h"
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

/* Is s a private scratch directory made in parent: parent/p.<ns>.<pid>.XXXXXX,
 * a directory of ours that nobody else may enter? */
static int private_in(const char *s, const char *parent)
{
    size_t n = strlen(parent);
    unsigned long long ns;
    long pid;
    int end = 0;
    struct stat st;
    return s && !strncmp(s, parent, n) && s[n] == '/' &&
           sscanf(s + n + 1, "p.%llu.%ld.%n", &ns, &pid, &end) == 2 && end > 0 &&
           strlen(s + n + 1 + end) == 6 && pid == (long)getpid() && !strchr(s + n + 1, '/') &&
           lstat(s, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700 &&
           st.st_uid == geteuid();
}

static void test_scratch(void)
{
    char tmp[300], fb[300], bad[300], good[300], want[400], file[500];
    fresh_tmpdir("t4", tmp, fb, sizeof tmp);
    snprintf(good, sizeof good, "%s/good", root);
    char *s = cachedir_scratch(good);
    snprintf(want, sizeof want, "%s/tmp", good);
    CU_ASSERT(private_in(s, want));
    /* The same one for the rest of the process. */
    char *again = cachedir_scratch(good);
    CU_ASSERT(s && again && !strcmp(s, again));
    free(again);
    snprintf(bad, sizeof bad, "%s/a-file/x", root);
    char *f = cachedir_scratch(bad);
    snprintf(want, sizeof want, "%s/tmp", fb);
    CU_ASSERT(private_in(f, want));
    /* Removed with what is in them. */
    snprintf(file, sizeof file, "%s/deps.d", s ? s : "");
    FILE *fp = fopen(file, "w");
    CU_ASSERT(fp != NULL);
    if (fp)
        fclose(fp);
    cachedir_scratch_done();
    CU_ASSERT(s && access(s, F_OK) != 0 && errno == ENOENT);
    CU_ASSERT(f && access(f, F_OK) != 0 && errno == ENOENT);
    /* And a fresh one after that. */
    char *next = cachedir_scratch(good);
    snprintf(want, sizeof want, "%s/tmp", good);
    CU_ASSERT(private_in(next, want) && s && strcmp(next, s) != 0);
    cachedir_scratch_done();
    free(next);
    free(s);
    free(f);
}

/* A cache others can write (a group's): the scratch directory goes to the
 * private fallback under TMPDIR, where nobody can replace it by its name;
 * a sticky one is fine. */
static void test_scratch_shared(void)
{
    char tmp[300], fb[300], dir[300], t[400], want[400];
    fresh_tmpdir("t7", tmp, fb, sizeof tmp);
    snprintf(dir, sizeof dir, "%s/group", root);
    snprintf(t, sizeof t, "%s/tmp", dir);
    snprintf(want, sizeof want, "%s/tmp", fb);
    CU_ASSERT_FATAL(mkdir(dir, 0700) == 0 && chmod(dir, 02775) == 0);
    /* What a killed process left there is swept when the next one makes
     * its directory (nobody's cleanup looks there otherwise). */
    pid_t child = fork();
    if (child == 0)
        _exit(0);
    CU_ASSERT_FATAL(child > 0 && waitpid(child, NULL, 0) == child);
    char probe[400], *tpl = NULL, dead[600];
    unsigned long long ns = 0;
    snprintf(probe, sizeof probe, "%s/ricc-%u/tmp", tmp, (unsigned)geteuid());
    CU_ASSERT_FATAL(mkdir(fb, 0700) == 0 && mkdir(probe, 0700) == 0);
    tpl = layout_private_template(probe);
    CU_ASSERT_FATAL(tpl && sscanf(tpl + strlen(probe), "/p.%llu.", &ns) == 1);
    free(tpl);
    snprintf(dead, sizeof dead, "%s/p.%llu.%ld.zzzzzz", probe, ns, (long)child);
    CU_ASSERT_FATAL(mkdir(dead, 0700) == 0);
    char *s = cachedir_scratch(dir);
    CU_ASSERT(private_in(s, want));
    CU_ASSERT(access(dead, F_OK) != 0);
    cachedir_scratch_done();
    free(s);
    /* The directory private, tmp open to the group: the same. */
    CU_ASSERT(chmod(dir, 0755) == 0 && chmod(t, 0775) == 0);
    s = cachedir_scratch(dir);
    CU_ASSERT(private_in(s, want));
    cachedir_scratch_done();
    free(s);
    /* Sticky, like /tmp: in tmp. */
    CU_ASSERT(chmod(dir, 01777) == 0 && chmod(t, 0755) == 0);
    s = cachedir_scratch(dir);
    CU_ASSERT(private_in(s, t));
    cachedir_scratch_done();
    free(s);
}

/* A planted symbolic link where the scratch directory is made: the
 * directory is made beside it, never through it. */
static void test_scratch_not_through_links(void)
{
    char tmp[300], fb[300], dir[300], victim[300], t[400];
    fresh_tmpdir("t5", tmp, fb, sizeof tmp);
    snprintf(dir, sizeof dir, "%s/shared", root);
    snprintf(victim, sizeof victim, "%s/victim", root);
    snprintf(t, sizeof t, "%s/tmp", dir);
    CU_ASSERT_FATAL(mkdir(victim, 0700) == 0 && mkdir(dir, 0755) == 0 && mkdir(t, 0755) == 0);
    /* Links at every name a process of this pid could have used before. */
    char link[500];
    snprintf(link, sizeof link, "%s/deps.%ld.d", t, (long)getpid());
    CU_ASSERT(symlink(victim, link) == 0);
    char *s = cachedir_scratch(dir);
    CU_ASSERT(private_in(s, t));
    cachedir_scratch_done();
    free(s);
    /* tmp itself a link to someone's directory: the scratch directory goes
     * to the private fallback, and nothing is made in the link's target. */
    CU_ASSERT(unlink(link) == 0 && rmdir(t) == 0 && symlink(victim, t) == 0);
    char fbtmp[400];
    snprintf(fbtmp, sizeof fbtmp, "%s/tmp", fb);
    s = cachedir_scratch(dir);
    CU_ASSERT(private_in(s, fbtmp));
    DIR *d = opendir(victim);
    int entries = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        entries += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (d)
        closedir(d);
    CU_ASSERT_EQUAL(entries, 0);
    cachedir_scratch_done();
    free(s);
}

/* Lines of stderr during fn(dir). */
static int warnings_of(void (*fn)(const char *), const char *dir)
{
    char path[400];
    snprintf(path, sizeof path, "%s/stderr", root);
    fflush(stderr);
    int saved = dup(2), fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 2);
    close(fd);
    fn(dir);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    FILE *f = fopen(path, "r");
    int n = 0;
    char line[1024];
    while (f && fgets(line, sizeof line, f))
        n += strstr(line, "warning: ") && strstr(line, dir);
    if (f)
        fclose(f);
    return n;
}

static void store_fails(const char *dir)
{
    cachedir_write_failed(dir, "x.o", ENOTDIR);
}

static void store_full(const char *dir)
{
    cachedir_write_failed(dir, "x.o", ENOSPC);
}

static void test_write_failed_once(void)
{
    char tmp[300], fb[300], file[300], mark[400];
    fresh_tmpdir("t6", tmp, fb, sizeof tmp);
    snprintf(file, sizeof file, "%s/a-file", root);
    /* Many failures of one build: one warning, saying what is wrong. */
    CU_ASSERT_EQUAL(warnings_of(store_fails, file), 1);
    CU_ASSERT_EQUAL(warnings_of(store_fails, file), 0);
    CU_ASSERT_EQUAL(warnings_of(store_fails, file), 0);
    snprintf(mark, sizeof mark, "%s/write-failed", fb);
    char *text = NULL;
    size_t len;
    CU_ASSERT(fs_read_file(mark, &text, &len) == 0 && strstr(text, "is not a directory"));
    free(text);
    /* Another trouble is told too. */
    char full[300];
    snprintf(full, sizeof full, "%s/full", root);
    CU_ASSERT_EQUAL(warnings_of(store_full, full), 1);
    CU_ASSERT_EQUAL(warnings_of(store_full, full), 0);
    /* The next build (nothing failed for more than a minute): again. */
    struct timespec old[2] = {{time(NULL) - 120, 0}, {time(NULL) - 120, 0}};
    CU_ASSERT(utimensat(AT_FDCWD, mark, old, 0) == 0);
    CU_ASSERT_EQUAL(warnings_of(store_full, full), 1);
    /* No private directory to keep the mark in: every failure warns
     * rather than none. */
    char planted[400];
    snprintf(planted, sizeof planted, "%s/elsewhere-t6", root);
    CU_ASSERT(mkdir(planted, 0700) == 0);
    char cmd[1500];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && ln -s '%s' '%s'", fb, planted, fb);
    CU_ASSERT(system(cmd) == 0);
    CU_ASSERT_EQUAL(warnings_of(store_full, full), 1);
    CU_ASSERT_EQUAL(warnings_of(store_full, full), 1);
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
    {"scratch: a private directory in tmp/, else in the fallback", test_scratch},
    {"scratch: never through a planted link", test_scratch_not_through_links},
    {"scratch: a cache others can write: under TMPDIR", test_scratch_shared},
    {"a cache directory that cannot be written: one warning", test_write_failed_once},
    {"a record that cannot be written is kept", test_write_keep},
    {NULL, NULL},
};

int main(void)
{
    return unit_run("cachedir", suite_init, suite_clean, tests);
}
