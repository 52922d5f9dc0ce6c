/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for cache/local/stats.c: counter names, counting and persistence,
 * 200 concurrent processes creating and updating one file without losing a
 * count, rebuilding a damaged file, and staying harmless (no-ops, no crash)
 * where the directory cannot be written; the per-kind copies of the six
 * outcomes, when the counters were zeroed, and the outcome hook the stats
 * log hangs on (with the reason and subject it is given). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cache/util/fsutil.h"
#include "cache/local/stats.h"
#include "tests/unit/scratch.h"
#include "tests/unit/unit.h"


static int suite_init(void)
{
    return scratch_init("stats");
}


static off_t file_size(const char *dir, const char *name)
{
    char *p = path_join(dir, name);
    struct stat st;
    int r = stat(p, &st);
    free(p);
    return r == 0 ? st.st_size : -1;
}

static void test_names(void)
{
    static const char *const want[] = {
        "direct_hit", "preprocessed_hit", "remote_hit", "miss", "uncacheable", "fallback",
        "compile_failed", "corrupt_entry", "evicted_files", "cleanups", "store_errors",
        "remote_miss", "remote_error", "remote_timeout", "remote_bytes_up", "remote_bytes_down",
    };
    CU_ASSERT_EQUAL_FATAL(sizeof want / sizeof *want, ST_PUBLIC_COUNT);
    for (int i = 0; i < ST_PUBLIC_COUNT; i++)
        CU_ASSERT_STRING_EQUAL(stats_name((enum stat_id)i), want[i]);
    CU_ASSERT_PTR_NOT_NULL(stats_name(ST_SHARD_BYTES0));
    CU_ASSERT_STRING_EQUAL(stats_kind_name(STATS_KIND_COMPILE), "compile");
    CU_ASSERT_STRING_EQUAL(stats_kind_name(STATS_KIND_LINK), "link");
    CU_ASSERT_STRING_EQUAL(stats_kind_name(STATS_KIND_AR), "ar");
    CU_ASSERT_STRING_EQUAL(stats_kind_name(STATS_KIND_EXEC), "exec");
    CU_ASSERT_STRING_EQUAL(stats_kind_name(STATS_KIND_COUNT), "unknown");
}

static int64_t kind_slot(enum stats_kind k, enum stat_id outcome)
{
    return stats_get((enum stat_id)(ST_KIND0 + k * STATS_KIND_SLOTS + outcome));
}

/* Each outcome counted goes to the kind set last as well (compile until
 * one is set); other counters do not touch the kind slots. */
static void test_per_kind(void)
{
    char *dir = path_join(scratch_root, "kinds");
    CU_ASSERT_EQUAL_FATAL(stats_open(dir), 0);
    stats_add(ST_MISS, 1); /* no kind set yet: compile */
    CU_ASSERT_EQUAL(kind_slot(STATS_KIND_COMPILE, ST_MISS), 1);
    stats_set_kind(STATS_KIND_LINK);
    stats_add(ST_DIRECT_HIT, 1);
    stats_add(ST_DIRECT_HIT, 1);
    stats_set_kind(STATS_KIND_AR);
    stats_add(ST_UNCACHEABLE, 1);
    stats_set_kind(STATS_KIND_EXEC);
    stats_add(ST_FALLBACK, 1);
    stats_add(ST_REMOTE_HIT, 1);
    stats_add(ST_COMPILE_FAILED, 1); /* not an outcome */
    stats_add(ST_REMOTE_BYTES_DOWN, 100);
    stats_set_kind((enum stats_kind)99); /* ignored: exec stays */
    stats_add(ST_PREPROCESSED_HIT, 1);

    CU_ASSERT_EQUAL(stats_get(ST_DIRECT_HIT), 2);
    CU_ASSERT_EQUAL(kind_slot(STATS_KIND_LINK, ST_DIRECT_HIT), 2);
    CU_ASSERT_EQUAL(kind_slot(STATS_KIND_COMPILE, ST_DIRECT_HIT), 0);
    CU_ASSERT_EQUAL(kind_slot(STATS_KIND_AR, ST_UNCACHEABLE), 1);
    CU_ASSERT_EQUAL(kind_slot(STATS_KIND_EXEC, ST_FALLBACK), 1);
    CU_ASSERT_EQUAL(kind_slot(STATS_KIND_EXEC, ST_REMOTE_HIT), 1);
    CU_ASSERT_EQUAL(kind_slot(STATS_KIND_EXEC, ST_PREPROCESSED_HIT), 1);
    /* Nothing else moved in the kind area: the sum is the six counters'. */
    int64_t sum = 0, six = 0;
    for (int i = ST_KIND0; i < ST_MISS_REASON0; i++)
        sum += stats_get((enum stat_id)i);
    for (int i = 0; i < STATS_OUTCOMES; i++)
        six += stats_get((enum stat_id)i);
    CU_ASSERT_EQUAL(sum, six);
    CU_ASSERT_EQUAL(six, 7);

    /* Zeroing covers the kinds and the reasons, not the shard accounting. */
    stats_add((enum stat_id)(ST_MISS_REASON0 + 2), 3);
    stats_add((enum stat_id)(ST_SHARD_BYTES0 + 1), 512);
    stats_zero();
    for (int i = 0; i < ST_PUBLIC_COUNT; i++)
        CU_ASSERT_EQUAL(stats_get((enum stat_id)i), 0);
    for (int i = ST_KIND0; i < ST_SLOT_COUNT; i++)
        CU_ASSERT_EQUAL(stats_get((enum stat_id)i), 0);
    CU_ASSERT_EQUAL(stats_get((enum stat_id)(ST_SHARD_BYTES0 + 1)), 512);
    stats_set_kind(STATS_KIND_COMPILE);
    stats_close();
    free(dir);
}

/* A fresh file says when it was made; -z says when it zeroed. */
static void test_zeroed_at(void)
{
    char *dir = path_join(scratch_root, "zeroed");
    time_t before = time(NULL);
    CU_ASSERT_EQUAL_FATAL(stats_open(dir), 0);
    int64_t born = stats_get(ST_ZEROED_AT);
    CU_ASSERT(born >= (int64_t)before && born <= (int64_t)time(NULL));
    stats_set(ST_ZEROED_AT, 1000); /* as if long ago */
    stats_add(ST_MISS, 1);
    stats_close();
    CU_ASSERT_EQUAL_FATAL(stats_open(dir), 0); /* kept by a reopen */
    CU_ASSERT_EQUAL(stats_get(ST_ZEROED_AT), 1000);
    before = time(NULL);
    stats_zero();
    CU_ASSERT(stats_get(ST_ZEROED_AT) >= (int64_t)before);
    CU_ASSERT_EQUAL(stats_get(ST_MISS), 0);
    stats_close();
    free(dir);
}

static stats_call seen;
static int hook_calls;
static int hook_pipe = -1; /* also told, when set: a child's calls show */

static void hook(const stats_call *c)
{
    seen = *c;
    hook_calls++;
    if (hook_pipe >= 0 && write(hook_pipe, "x", 1) != 1)
        hook_calls = -1000;
}

/* A miss waiting for its reason is written at exit: by this process, not
 * by a child forked meanwhile that leaves with exit(). */
static void test_pending_not_in_child(void)
{
    int fds[2];
    CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
    pid_t kid = fork();
    if (kid == 0) { /* a process with a pending miss, and its child */
        close(fds[0]);
        hook_pipe = fds[1];
        stats_on_outcome(hook);
        stats_set_subject(NULL);
        stats_add((enum stat_id)(ST_UNCACHEABLE_REASON0), 1); /* not a miss's */
        int before = hook_calls;
        stats_add(ST_MISS, 1);
        if (hook_calls != before) /* waits for the reason */
            _exit(3);
        pid_t grandchild = fork();
        if (grandchild == 0)
            exit(0); /* runs the atexit handlers: must write nothing */
        int st;
        waitpid(grandchild, &st, 0);
        exit(0); /* writes the line: one byte */
    }
    close(fds[1]);
    char buf[8];
    ssize_t n, total = 0;
    while ((n = read(fds[0], buf, sizeof buf)) > 0)
        total += n;
    close(fds[0]);
    int st;
    CU_ASSERT_EQUAL(waitpid(kid, &st, 0), kid);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CU_ASSERT_EQUAL(total, 1);
}

/* The hook sees each outcome with the kind, the last reason slot and the
 * subject; other counters do not call it; a miss waits for its reason.
 * It runs even with no stats file open (a read-only cache still logs its
 * calls). */
static void test_outcome_hook(void)
{
    stats_close();
    stats_on_outcome(hook);
    stats_set_kind(STATS_KIND_AR);
    stats_set_subject("libx.a");
    stats_add((enum stat_id)(ST_UNCACHEABLE_REASON0 + 1), 1);
    stats_add(ST_STORE_ERRORS, 1);
    CU_ASSERT_EQUAL(hook_calls, 0);
    stats_add(ST_UNCACHEABLE, 1);
    CU_ASSERT_EQUAL(hook_calls, 1);
    CU_ASSERT_EQUAL(seen.kind, STATS_KIND_AR);
    CU_ASSERT_EQUAL(seen.outcome, ST_UNCACHEABLE);
    CU_ASSERT_EQUAL(seen.reason, ST_UNCACHEABLE_REASON0 + 1);
    CU_ASSERT_STRING_EQUAL(seen.subject, "libx.a");
    /* A miss's reason is counted after it: the hook waits for it. */
    stats_set_kind(STATS_KIND_COMPILE);
    stats_set_subject("a.c");
    stats_add(ST_MISS, 1);
    CU_ASSERT_EQUAL(hook_calls, 1);
    stats_add((enum stat_id)(ST_MISS_REASON0 + 1), 1);
    CU_ASSERT_EQUAL_FATAL(hook_calls, 2);
    CU_ASSERT_EQUAL(seen.outcome, ST_MISS);
    CU_ASSERT_EQUAL(seen.reason, ST_MISS_REASON0 + 1);
    CU_ASSERT_STRING_EQUAL(seen.subject, "a.c");
    stats_add((enum stat_id)(ST_MISS_REASON0 + 2), 1); /* once only */
    CU_ASSERT_EQUAL(hook_calls, 2);
    /* ... or comes first, and the hook runs at once. */
    stats_add(ST_MISS, 1);
    CU_ASSERT_EQUAL(hook_calls, 3);
    CU_ASSERT_EQUAL(seen.reason, ST_MISS_REASON0 + 2);
    stats_on_outcome(NULL);
    stats_add(ST_MISS, 1);
    CU_ASSERT_EQUAL(hook_calls, 3);
    stats_set_subject(NULL);
    stats_set_kind(STATS_KIND_COMPILE);
}

static void test_closed_is_noop(void)
{
    stats_close();
    stats_add(ST_MISS, 5);
    stats_set(ST_MISS, 7);
    stats_zero();
    CU_ASSERT_EQUAL(stats_get(ST_MISS), 0);
}

static void test_count_and_persist(void)
{
    char *dir = path_join(scratch_root, "basic/deeper"); /* created on open */
    CU_ASSERT_EQUAL_FATAL(stats_open(dir), 0);
    CU_ASSERT(file_size(dir, "stats") > 0);
    CU_ASSERT_EQUAL(stats_get(ST_DIRECT_HIT), 0);

    stats_add(ST_DIRECT_HIT, 1);
    stats_add(ST_DIRECT_HIT, 2);
    stats_add(ST_FALLBACK, 1);
    stats_add((enum stat_id)(ST_SHARD_BYTES0 + 15), 4096);
    stats_set(ST_MISS, 42);
    CU_ASSERT_EQUAL(stats_get(ST_DIRECT_HIT), 3);
    CU_ASSERT_EQUAL(stats_get(ST_FALLBACK), 1);
    CU_ASSERT_EQUAL(stats_get(ST_MISS), 42);

    /* Out-of-range ids are ignored rather than writing past the map. */
    stats_add(ST_SLOT_COUNT, 1);
    stats_add((enum stat_id)-1, 1);
    CU_ASSERT_EQUAL(stats_get(ST_SLOT_COUNT), 0);

    /* Another "process" (a reopen) sees the same numbers. */
    stats_close();
    CU_ASSERT_EQUAL_FATAL(stats_open(dir), 0);
    CU_ASSERT_EQUAL(stats_get(ST_DIRECT_HIT), 3);
    CU_ASSERT_EQUAL(stats_get(ST_MISS), 42);

    /* Zeroing clears the public counters only. */
    stats_zero();
    CU_ASSERT_EQUAL(stats_get(ST_DIRECT_HIT), 0);
    CU_ASSERT_EQUAL(stats_get(ST_MISS), 0);
    CU_ASSERT_EQUAL(stats_get((enum stat_id)(ST_SHARD_BYTES0 + 15)), 4096);
    stats_close();
    free(dir);
}

static void test_concurrent_processes(void)
{
    /* The file does not exist yet: the children also race to create it. */
    char *dir = path_join(scratch_root, "race");
    enum { PROCS = 200, ADDS = 100 };
    pid_t pids[PROCS];
    /* A start barrier: every child blocks on the pipe until all exist, so
     * the creations and the adds really overlap. */
    int gate[2];
    CU_ASSERT_EQUAL_FATAL(pipe(gate), 0);
    fflush(NULL);
    for (int i = 0; i < PROCS; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            char c;
            close(gate[1]);
            if (read(gate[0], &c, 1) != 0 || stats_open(dir) != 0)
                _exit(1);
            for (int k = 0; k < ADDS; k++)
                stats_add(ST_MISS, 1);
            stats_close();
            _exit(0);
        }
        CU_ASSERT_FATAL(pids[i] > 0);
    }
    close(gate[0]);
    close(gate[1]); /* open the gate */
    int failed = 0;
    for (int i = 0; i < PROCS; i++) {
        int status;
        if (waitpid(pids[i], &status, 0) != pids[i] || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0)
            failed++;
    }
    CU_ASSERT_EQUAL(failed, 0);
    CU_ASSERT_EQUAL_FATAL(stats_open(dir), 0);
    CU_ASSERT_EQUAL(stats_get(ST_MISS), PROCS * ADDS);
    stats_close();

    /* No temporaries were left by the losers of the creation race. */
    char cmd[256];
    snprintf(cmd, sizeof cmd, "test -z \"$(ls '%s' | grep -v '^stats$')\"", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
    free(dir);
}

static void write_raw(const char *dir, const void *buf, size_t len)
{
    char *p = path_join(dir, "stats");
    FILE *f = fopen(p, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(fwrite(buf, 1, len, f), len);
    fclose(f);
    free(p);
}

static void test_corrupt_rebuilt(void)
{
    char *dir = path_join(scratch_root, "corrupt");
    CU_ASSERT_EQUAL_FATAL(stats_open(dir), 0);
    stats_add(ST_MISS, 9);
    off_t good = file_size(dir, "stats");
    stats_close();

    /* Wrong size. */
    write_raw(dir, "garbage", 7);
    CU_ASSERT_EQUAL_FATAL(stats_open(dir), 0);
    CU_ASSERT_EQUAL(file_size(dir, "stats"), good);
    CU_ASSERT_EQUAL(stats_get(ST_MISS), 0);
    stats_add(ST_MISS, 2);
    CU_ASSERT_EQUAL(stats_get(ST_MISS), 2);
    stats_close();

    /* Right size, wrong magic. */
    char *junk = malloc((size_t)good);
    CU_ASSERT_PTR_NOT_NULL_FATAL(junk);
    memset(junk, 0x5a, (size_t)good);
    write_raw(dir, junk, (size_t)good);
    CU_ASSERT_EQUAL_FATAL(stats_open(dir), 0);
    CU_ASSERT_EQUAL(stats_get(ST_MISS), 0);
    stats_add(ST_UNCACHEABLE, 1);
    stats_close();
    CU_ASSERT_EQUAL_FATAL(stats_open(dir), 0);
    CU_ASSERT_EQUAL(stats_get(ST_UNCACHEABLE), 1);
    stats_close();
    free(junk);
    free(dir);
}

/* In a child as an unprivileged user (root ignores permissions): returns
 * the number of failed checks. */
static int in_child(int (*fn)(const char *), const char *dir)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
            _exit(100);
        _exit(fn(dir));
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        return 102;
    return WEXITSTATUS(status);
}

static int open_unwritable_fresh(const char *dir)
{
    int bad = 0;
    bad += stats_open(dir) != -1;
    stats_add(ST_MISS, 1); /* must not crash */
    bad += stats_get(ST_MISS) != 0;
    return bad;
}

static int open_unwritable_existing(const char *dir)
{
    int bad = 0;
    bad += stats_open(dir) != 0; /* readable: --show-stats works */
    bad += stats_get(ST_MISS) != 5;
    stats_add(ST_MISS, 1); /* ignored, and must not fault */
    stats_zero();
    bad += stats_get(ST_MISS) != 5;
    stats_close();
    return bad;
}

static void test_unwritable_dir(void)
{
    chmod(scratch_root, 0755); /* let the unprivileged child in */
    char *dir = path_join(scratch_root, "ro");
    CU_ASSERT_EQUAL_FATAL(fs_mkdir_p(dir, 0555), 0);
    chmod(dir, 0555);
    CU_ASSERT_EQUAL(in_child(open_unwritable_fresh, dir), 0);
    CU_ASSERT_EQUAL(file_size(dir, "stats"), -1);

    chmod(dir, 0755);
    CU_ASSERT_EQUAL_FATAL(stats_open(dir), 0);
    stats_set(ST_MISS, 5);
    stats_close();
    /* Unwritable for the child whoever runs the test: as root the child is
     * nobody; otherwise it is the file's owner, so the file's mode counts. */
    char *file = path_join(dir, "stats");
    chmod(file, 0444);
    chmod(dir, 0555);
    CU_ASSERT_EQUAL(in_child(open_unwritable_existing, dir), 0);

    chmod(file, 0644);
    free(file);
    chmod(dir, 0755);
    chmod(scratch_root, 0700);
    free(dir);
}

static const unit_test tests[] = {
    {"names", test_names},
    {"closed is a no-op", test_closed_is_noop},
    {"count and persist", test_count_and_persist},
    {"200 concurrent processes", test_concurrent_processes},
    {"corrupt file rebuilt", test_corrupt_rebuilt},
    {"unwritable directory", test_unwritable_dir},
    {"per kind", test_per_kind},
    {"zeroed at", test_zeroed_at},
    {"outcome hook", test_outcome_hook},
    {"pending miss not written by a child", test_pending_not_in_child},
    {NULL, NULL},
};

int main(void)
{
    return unit_run("stats", suite_init, scratch_clean, tests);
}
