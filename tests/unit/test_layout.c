/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for cache/local/layout.c, the one owner of the names under
 * RICC_DIR, and the maintenance that follows from them: every name distinct
 * and under the directory; the fixed tables and identity/ and incdirs/
 * counted toward the size, and kept within max_size by a cleanup; killed
 * processes' temporaries (tmp/, "*.tmp.*") removed when stale and only
 * then, their private scratch directories when the process is gone, never
 * through a planted link; --clear (store_clear) removing everything that is cache and nothing
 * that is not (config.yaml, the counters, locks, the remote's marks). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cache/local/layout.h"
#include "cache/local/memo.h"
#include "cache/local/statindex.h"
#include "cache/local/stats.h"
#include "cache/local/store.h"
#include "cache/util/fsutil.h"
#include "tests/unit/scratch.h"
#include "tests/unit/unit.h"


static int suite_init(void)
{
    return scratch_init("layout");
}



/* Write `len` bytes to dir/rel (its directory made), with mtime `age`
 * seconds ago.  Returns the path (malloc'd). */
static char *put(const char *dir, const char *rel, size_t len, time_t age)
{
    char *p = path_join(dir, rel);
    CU_ASSERT_FATAL(p != NULL);
    CU_ASSERT_FATAL(layout_make_parent(p) == 0);
    char *buf = calloc(1, len + 1);
    CU_ASSERT_FATAL(buf && atomic_write_file(p, buf, len, 0644) == 0);
    free(buf);
    struct timespec t[2] = {{time(NULL) - age, 0}, {time(NULL) - age, 0}};
    CU_ASSERT_FATAL(utimensat(AT_FDCWD, p, t, 0) == 0);
    return p;
}

static int exists(const char *p)
{
    return access(p, F_OK) == 0;
}

static int exists_in(const char *dir, const char *rel)
{
    char *p = path_join(dir, rel);
    int r = exists(p);
    free(p);
    return r;
}

static void test_names(void)
{
    for (int i = 0; i < LAYOUT_COUNT; i++) {
        const char *n = layout_name((enum layout_item)i);
        CU_ASSERT(n[0] != '\0' && n[0] != '/' && !strstr(n, ".."));
        for (int j = 0; j < i; j++)
            CU_ASSERT(strcmp(n, layout_name((enum layout_item)j)) != 0);
    }
    char buf[64];
    CU_ASSERT_EQUAL(layout_path("/c", LAYOUT_STATINDEX, NULL, buf, sizeof buf), 0);
    CU_ASSERT_STRING_EQUAL(buf, "/c/statindex");
    CU_ASSERT_EQUAL(layout_path("/c", LAYOUT_INCDIRS, "ab", buf, sizeof buf), 0);
    CU_ASSERT_STRING_EQUAL(buf, "/c/incdirs/ab");
    CU_ASSERT_EQUAL(layout_lock_path("/c", LAYOUT_REMOTE_DOWN, buf, sizeof buf), 0);
    CU_ASSERT_STRING_EQUAL(buf, "/c/remote-down.lock");
    CU_ASSERT_EQUAL(layout_path("/c", LAYOUT_MANIFESTS, NULL, buf, 8), -1);
    CU_ASSERT_EQUAL(errno, ENAMETOOLONG);
    char *p = layout_path_dup("/c", LAYOUT_ACTION_LOCK, NULL);
    CU_ASSERT_STRING_EQUAL(p, "/c/lock/actions");
    free(p);
    /* The store's areas are where store.c keeps them. */
    CU_ASSERT_STRING_EQUAL(layout_name(LAYOUT_CAS), "cas");
    CU_ASSERT_STRING_EQUAL(layout_name(LAYOUT_AC), "ac");
    CU_ASSERT_STRING_EQUAL(layout_name(LAYOUT_MANIFESTS), "manifests");
}

/* The tables the calls make, identity/ and incdirs/ are counted in 4 KiB
 * blocks; the counters, the settings and the store's areas are not. */
static void test_measure(void)
{
    char *dir = scratch_fresh_dir();
    CU_ASSERT_EQUAL(layout_measure(dir), 0);
    statindex *x = statindex_open(dir);
    memo *m = memo_open(dir, layout_name(LAYOUT_INCSCAN));
    CU_ASSERT_FATAL(x && m);
    struct stat a, b;
    char *pa = layout_path_dup(dir, LAYOUT_STATINDEX, NULL);
    char *pb = layout_path_dup(dir, LAYOUT_INCSCAN, NULL);
    CU_ASSERT_FATAL(stat(pa, &a) == 0 && stat(pb, &b) == 0);
    uint64_t tables = (uint64_t)(layout_charge(a.st_size) + layout_charge(b.st_size));
    CU_ASSERT(tables >= 8u << 20); /* the two 4 MB tables */
    CU_ASSERT_EQUAL(layout_measure(dir), tables);
    free(put(dir, "identity/0123", 10, 0));
    free(put(dir, "incdirs/4567", 5000, 0));
    free(put(dir, "config.yaml", 100, 0));
    free(put(dir, "cas/ab/abcd", 100, 0));
    CU_ASSERT_EQUAL(layout_measure(dir), tables + 4096 + 8192);
    statindex_close(x);
    memo_close(m);
    free(pa);
    free(pb);
    free(dir);
}

/* A cleanup keeps the store and the tables together within max_size. */
static void test_tables_within_limit(void)
{
    char *dir = scratch_fresh_dir();
    statindex *x = statindex_open(dir);
    CU_ASSERT_FATAL(x != NULL);
    uint64_t tables = layout_measure(dir);
    const uint64_t limit = tables + 16 * 4 * 4096;
    store *s = store_open(dir, 0);
    for (int i = 0; i < 300; i++) {
        char blob[64];
        int n = snprintf(blob, sizeof blob, "blob %d", i);
        CU_ASSERT(cas_put(s, blob, (size_t)n, NULL) == 0);
    }
    CU_ASSERT(store_size(s) + tables > limit);
    store_close(s);
    s = store_open(dir, limit);
    CU_ASSERT_EQUAL(store_cleanup(s, NULL), 0);
    CU_ASSERT(store_size(s) + layout_measure(dir) <= limit);
    CU_ASSERT(store_size(s) > 0); /* evicting is not emptying */
    CU_ASSERT_EQUAL(stats_get(ST_OTHER_BYTES), (int64_t)tables);
    /* Writes after it keep the limit too (the automatic cleaning). */
    for (int i = 0; i < 300; i++) {
        char blob[64];
        int n = snprintf(blob, sizeof blob, "later %d", i);
        CU_ASSERT(cas_put(s, blob, (size_t)n, NULL) == 0);
    }
    CU_ASSERT(store_size(s) + layout_measure(dir) <= limit);
    store_close(s);
    statindex_close(x);
    free(dir);
}

/* What killed processes left: stale temporaries go, fresh ones (a call in
 * progress) and everything else stay. */
static void test_sweep(void)
{
    char *dir = scratch_fresh_dir();
    const time_t old = LAYOUT_STALE_SECONDS + 600, young = 60;
    char *t_old = put(dir, "tmp/trace.tmp.123.0", 10, old);
    char *t_dep = put(dir, "tmp/deps.123.d", 10, old);
    char *t_new = put(dir, "tmp/deps.456.d", 10, young);
    char *top_old = put(dir, "remote-caps.tmp.77.1", 10, old);
    char *top_new = put(dir, "remote-caps.tmp.78.1", 10, young);
    char *id_old = put(dir, "identity/0123.tmp.9.0", 10, old);
    char *id = put(dir, "identity/0123", 10, old);
    char *inc_old = put(dir, "incdirs/89ab.tmp.9.1", 10, old);
    char *caps = put(dir, "remote-caps", 10, old);
    char *area_old = put(dir, "ac/x.tmp.1.1", 10, old);
    layout_sweep(dir, time(NULL));
    CU_ASSERT_FALSE(exists(t_old));
    CU_ASSERT_FALSE(exists(t_dep));
    CU_ASSERT_TRUE(exists(t_new));
    CU_ASSERT_FALSE(exists(top_old));
    CU_ASSERT_TRUE(exists(top_new));
    CU_ASSERT_FALSE(exists(id_old));
    CU_ASSERT_TRUE(exists(id));
    CU_ASSERT_FALSE(exists(inc_old));
    CU_ASSERT_TRUE(exists(caps));
    CU_ASSERT_FALSE(exists(area_old));
    /* ricc --cleanup does the same. */
    char *again = put(dir, "tmp/trace.tmp.124.0", 10, old);
    store *s = store_open(dir, 0);
    CU_ASSERT_EQUAL(store_cleanup(s, NULL), 0);
    store_close(s);
    CU_ASSERT_FALSE(exists(again));
    CU_ASSERT_TRUE(exists(t_new));
    char *all[] = {t_old, t_dep, t_new, top_old, top_new, id_old, id, inc_old, caps, area_old, again};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        free(all[i]);
    free(dir);
}

/* Set path's mtime to `age` seconds ago. */
static void age_of(const char *path, time_t age)
{
    struct timespec t[2] = {{time(NULL) - age, 0}, {time(NULL) - age, 0}};
    CU_ASSERT_FATAL(utimensat(AT_FDCWD, path, t, AT_SYMLINK_NOFOLLOW) == 0);
}

/* tmp/NAME, a private scratch directory with one file, both `age` old. */
static char *private_dir(const char *dir, const char *name, time_t age)
{
    char rel[128];
    snprintf(rel, sizeof rel, "tmp/%s/deps.d", name);
    free(put(dir, rel, 10, age));
    snprintf(rel, sizeof rel, "tmp/%s", name);
    char *p = path_join(dir, rel);
    age_of(p, age);
    return p;
}

/* The private scratch directories of tmp/ (cachedir.h): a gone process's
 * go at once, a live one's stay, one of another pid namespace (whose
 * process cannot be asked) only once nothing in it changed for an hour;
 * and a tmp/ that is a symbolic link is not followed. */
static void test_sweep_private(void)
{
    char *dir = scratch_fresh_dir();
    const time_t old = LAYOUT_STALE_SECONDS + 600, young = 60;
    char *t = path_join(dir, "tmp");
    CU_ASSERT_FATAL(t && fs_mkdir_p(t, 0755) == 0);
    char *tpl = layout_private_template(t);
    unsigned long long ns = 0;
    long me = 0;
    CU_ASSERT_FATAL(tpl && sscanf(tpl + strlen(t), "/p.%llu.%ld.XXXXXX", &ns, &me) == 2);
    CU_ASSERT_EQUAL(me, (long)getpid());
    pid_t child = fork();
    if (child == 0)
        _exit(0);
    CU_ASSERT_FATAL(child > 0 && waitpid(child, NULL, 0) == child);
    char name[128];
    snprintf(name, sizeof name, "p.%llu.%ld.aaaaaa", ns, (long)child);
    char *gone = private_dir(dir, name, young);
    snprintf(name, sizeof name, "p.%llu.%ld.bbbbbb", ns, (long)getpid());
    char *mine = private_dir(dir, name, old); /* old, but its process runs */
    snprintf(name, sizeof name, "p.%llu.%ld.cccccc", ns, (long)getppid());
    char *parent = private_dir(dir, name, young);
    snprintf(name, sizeof name, "p.%llu.%ld.dddddd", ns + 1, (long)child);
    char *other_young = private_dir(dir, name, young);
    snprintf(name, sizeof name, "p.%llu.%ld.eeeeee", ns + 1, (long)child);
    char *other_old = private_dir(dir, name, old);
    snprintf(name, sizeof name, "p.%llu.%ld.ffffff", ns + 1, (long)child);
    char *other_busy = private_dir(dir, name, old);
    char *busy_file = path_join(other_busy, "trace.tmp.1.0");
    CU_ASSERT_FATAL(busy_file && atomic_write_file(busy_file, "x", 1, 0644) == 0);
    age_of(other_busy, old);
    char *stranger = private_dir(dir, "not-ours", old);
    layout_sweep(dir, time(NULL));
    CU_ASSERT_FALSE(exists(gone));
    CU_ASSERT_TRUE(exists(mine));
    CU_ASSERT_TRUE(exists(parent));
    CU_ASSERT_TRUE(exists(other_young));
    CU_ASSERT_FALSE(exists(other_old));
    CU_ASSERT_TRUE(exists(other_busy));
    CU_ASSERT_TRUE(exists(stranger));

    /* tmp planted as a link to someone's directory: nothing behind it goes. */
    char *victim = path_join(scratch_root, "victim");
    CU_ASSERT_FATAL(victim && fs_mkdir_p(victim, 0755) == 0);
    free(put(victim, "old-file", 10, old));
    char *vdir = path_join(victim, name);
    CU_ASSERT_FATAL(vdir && mkdir(vdir, 0700) == 0);
    free(put(vdir, "x", 1, old));
    age_of(vdir, old);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && ln -s '%s' '%s'", t, victim, t);
    CU_ASSERT_FATAL(system(cmd) == 0);
    layout_sweep(dir, time(NULL));
    CU_ASSERT_TRUE(exists_in(victim, "old-file"));
    CU_ASSERT_TRUE(exists(vdir));
    char *all[] = {t, tpl, gone, mine, parent, other_young, other_old, other_busy, busy_file,
                   stranger, victim, vdir};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        free(all[i]);
    free(dir);
}

/* --clear: every cache file goes, the settings, counters, locks and marks
 * stay, and the size is zero. */
static void test_clear(void)
{
    char *dir = scratch_fresh_dir();
    statindex *x = statindex_open(dir);
    memo *m = memo_open(dir, layout_name(LAYOUT_CODES));
    CU_ASSERT_FATAL(x && m);
    statindex_close(x);
    memo_close(m);
    store *s = store_open(dir, 0);
    CU_ASSERT_EQUAL(cas_put(s, "x", 1, NULL), 0);
    free(put(dir, "identity/0123", 10, 0));
    free(put(dir, "incdirs/4567", 10, 0));
    free(put(dir, "remote-caps", 10, 0));
    free(put(dir, "config.yaml", 10, 0));
    free(put(dir, "remote-down", 10, 0));
    free(put(dir, "remote-down.lock", 0, 0));
    free(put(dir, "dir-fallback", 2, 0));
    free(put(dir, "lock/actions", 0, 0));
    free(put(dir, "tmp/deps.1.d", 10, 0)); /* a call in progress */
    CU_ASSERT_EQUAL(store_clear(s, NULL), 0);
    CU_ASSERT_EQUAL(store_size(s) + layout_measure(dir), 0);
    CU_ASSERT_EQUAL(stats_get(ST_OTHER_BYTES), 0);
    static const char *const gone[] = {"statindex", "codes", "identity/0123", "incdirs/4567",
                                       "remote-caps"};
    for (size_t i = 0; i < sizeof gone / sizeof *gone; i++)
        CU_ASSERT_FALSE(exists_in(dir, gone[i]));
    static const char *const kept[] = {"config.yaml", "stats",        "remote-down",
                                       "remote-down.lock", "dir-fallback", "lock/actions",
                                       "tmp/deps.1.d"};
    for (size_t i = 0; i < sizeof kept / sizeof *kept; i++)
        CU_ASSERT_TRUE(exists_in(dir, kept[i]));
    /* And the store works on. */
    CU_ASSERT_EQUAL(cas_put(s, "y", 1, NULL), 0);
    CU_ASSERT_EQUAL(store_size(s), 4096);
    store_close(s);
    free(dir);
}

int main(void)
{
    static const unit_test tests[] = {
        {"names and paths", test_names},
        {"the tables, identity/ and incdirs/ are measured", test_measure},
        {"cleanup keeps store and tables within max_size", test_tables_within_limit},
        {"killed processes' temporaries are swept when stale", test_sweep},
        {"private scratch directories: swept when their process is gone", test_sweep_private},
        {"clear removes what is cache and only that", test_clear},
        {NULL, NULL},
    };
    return unit_run("layout", suite_init, scratch_clean, tests);
}
