/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for cache/local/statindex.c: hits only on an exact stat match, never
 * trusts a racy file, survives corruption and truncation, and stays correct
 * under concurrent writers and with readers racing them. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cache/reapi/digest.h"
#include "cache/local/statindex.h"
#include "tests/unit/unit.h"

static char dir[] = "/tmp/ricc-statindex-XXXXXX";

static void write_file(const char *path, const char *text, int age_s)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    if (age_s) {
        /* Settle: pretend the file was written age_s ago.  ctime cannot be
         * set, so tests that need a trusted entry wait instead. */
        struct timespec t[2];
        clock_gettime(CLOCK_REALTIME, &t[0]);
        t[0].tv_sec -= age_s;
        t[1] = t[0];
        utimensat(AT_FDCWD, path, t, 0);
    }
}

static void test_racy_file_not_stored(void)
{
    char p[256];
    snprintf(p, sizeof p, "%s/fresh.h", dir);
    write_file(p, "int x;\n", 0);
    statindex *x = statindex_open(dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    struct stat st;
    stat(p, &st);
    digest d, got;
    digest_file(p, &d);
    unsigned fl;
    statindex_store(x, &st, &d, 0);
    CU_ASSERT_EQUAL(statindex_lookup(x, &st, &got, &fl), 0);
    statindex_close(x);
}

static void test_settled_roundtrip_and_mismatch(void)
{
    char p[256];
    snprintf(p, sizeof p, "%s/settled.h", dir);
    write_file(p, "int y;\n", 10);
    sleep(3); /* let ctime settle too */
    statindex *x = statindex_open(dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    struct stat st;
    stat(p, &st);
    digest d, got;
    digest_file(p, &d);
    unsigned fl = 0;
    statindex_store(x, &st, &d, 5);
    CU_ASSERT_EQUAL_FATAL(statindex_lookup(x, &st, &got, &fl), 1);
    CU_ASSERT_TRUE(digest_equal(&d, &got));
    CU_ASSERT_EQUAL(fl, 5);

    /* Any field of the stat differing is a miss. */
    struct stat other = st;
    other.st_size++;
    CU_ASSERT_EQUAL(statindex_lookup(x, &other, &got, &fl), 0);
    other = st;
    other.st_ctim.tv_nsec ^= 1;
    CU_ASSERT_EQUAL(statindex_lookup(x, &other, &got, &fl), 0);
    other = st;
    other.st_mtim.tv_sec--;
    CU_ASSERT_EQUAL(statindex_lookup(x, &other, &got, &fl), 0);
    other = st;
    other.st_ino++;
    CU_ASSERT_EQUAL(statindex_lookup(x, &other, &got, &fl), 0);
    statindex_close(x);

    /* Shared: a second mapping sees the entry. */
    x = statindex_open(dir);
    CU_ASSERT_EQUAL(statindex_lookup(x, &st, &got, &fl), 1);
    statindex_close(x);
}

static void test_corruption_detected(void)
{
    char p[256], idx[256];
    snprintf(p, sizeof p, "%s/settled.h", dir);
    snprintf(idx, sizeof idx, "%s/statindex", dir);
    struct stat st;
    stat(p, &st);
    /* Flip every byte of the slots area that holds non-zero data: every
     * lookup must then miss rather than return a wrong digest. */
    int fd = open(idx, O_RDWR);
    CU_ASSERT_FATAL(fd >= 0);
    struct stat ist;
    fstat(fd, &ist);
    unsigned char *buf = malloc((size_t)ist.st_size);
    CU_ASSERT_EQUAL_FATAL(pread(fd, buf, (size_t)ist.st_size, 0), ist.st_size);
    for (off_t i = 128; i < ist.st_size; i++)
        if (buf[i] && (i % 128) >= 64 && (i % 128) < 96) /* the hash bytes */
            buf[i] ^= 0x40;
    pwrite(fd, buf, (size_t)ist.st_size, 0);
    close(fd);
    free(buf);
    statindex *x = statindex_open(dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    digest got;
    unsigned fl;
    CU_ASSERT_EQUAL(statindex_lookup(x, &st, &got, &fl), 0);
    statindex_close(x);

    /* Truncated: rebuilt empty, usable. */
    truncate(idx, 1000);
    x = statindex_open(dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    CU_ASSERT_EQUAL(statindex_lookup(x, &st, &got, &fl), 0);
    digest d;
    digest_file(p, &d);
    statindex_store(x, &st, &d, 0);
    CU_ASSERT_EQUAL(statindex_lookup(x, &st, &got, &fl), 1);
    statindex_close(x);
    struct stat ist2;
    stat(idx, &ist2);
    CU_ASSERT(ist2.st_size > 1000);
}

static void test_concurrent_writers(void)
{
    /* 32 processes store fake entries for distinct and shared inodes; every
     * lookup afterwards returns either nothing or the digest stored for it. */
    for (int k = 0; k < 32; k++) {
        pid_t pid = fork();
        if (pid == 0) {
            statindex *x = statindex_open(dir);
            for (int i = 0; i < 2000; i++) {
                struct stat st;
                memset(&st, 0, sizeof st);
                st.st_dev = 77;
                st.st_ino = (ino_t)(i % 500 + 1);
                st.st_size = (off_t)st.st_ino;
                st.st_mtim.tv_sec = st.st_ctim.tv_sec = 1000;
                char text[32];
                snprintf(text, sizeof text, "%ld", (long)st.st_ino);
                digest d;
                digest_buf(text, strlen(text), &d);
                d.size_bytes = st.st_size;
                statindex_store(x, &st, &d, 0);
            }
            statindex_close(x);
            _exit(0);
        }
    }
    int ok = 1;
    for (int k = 0; k < 32; k++) {
        int ws;
        wait(&ws);
        ok &= WIFEXITED(ws) && WEXITSTATUS(ws) == 0;
    }
    CU_ASSERT(ok);
    statindex *x = statindex_open(dir);
    int found = 0, wrong = 0;
    for (int i = 1; i <= 500; i++) {
        struct stat st;
        memset(&st, 0, sizeof st);
        st.st_dev = 77;
        st.st_ino = (ino_t)i;
        st.st_size = i;
        st.st_mtim.tv_sec = st.st_ctim.tv_sec = 1000;
        digest got, want;
        unsigned fl;
        char text[32];
        snprintf(text, sizeof text, "%d", i);
        digest_buf(text, strlen(text), &want);
        want.size_bytes = i;
        if (statindex_lookup(x, &st, &got, &fl)) {
            found++;
            wrong += !digest_equal(&got, &want);
        }
    }
    CU_ASSERT(found > 400);
    CU_ASSERT_EQUAL(wrong, 0);
    statindex_close(x);
}

/* The entry for inode 9 as version v: its own mtime and a digest of "v". */
static void version(int v, struct stat *st, digest *d)
{
    memset(st, 0, sizeof *st);
    st->st_dev = 78;
    st->st_ino = 9;
    st->st_size = 1;
    st->st_mtim.tv_sec = st->st_ctim.tv_sec = 1000 + v;
    char text[2] = {(char)('0' + v), 0};
    digest_buf(text, 1, d);
    d->size_bytes = 1;
}

static void test_readers_during_writes(void)
{
    /* Writers keep replacing one slot with one of two versions while this
     * process looks both up: a lookup may miss, but what it finds must be
     * the digest of the version whose stat it asked for, never a copy torn
     * between the two. */
    pid_t pids[4];
    for (int k = 0; k < 4; k++) {
        if ((pids[k] = fork()) == 0) {
            statindex *x = statindex_open(dir);
            for (int i = 0; i < 20000; i++) {
                struct stat st;
                digest d;
                version((i + k) % 2, &st, &d);
                statindex_store(x, &st, &d, 0);
            }
            statindex_close(x);
            _exit(0);
        }
    }
    statindex *x = statindex_open(dir);
    int found = 0, wrong = 0;
    for (int i = 0; i < 40000; i++) {
        struct stat st;
        digest want, got;
        unsigned fl;
        version(i % 2, &st, &want);
        if (statindex_lookup(x, &st, &got, &fl)) {
            found++;
            wrong += !digest_equal(&got, &want);
        }
    }
    statindex_close(x);
    int ok = 1;
    for (int k = 0; k < 4; k++) {
        int ws;
        waitpid(pids[k], &ws, 0);
        ok &= WIFEXITED(ws) && WEXITSTATUS(ws) == 0;
    }
    CU_ASSERT(ok);
    CU_ASSERT(found > 0);
    CU_ASSERT_EQUAL(wrong, 0);
}

/* A synthetic settled stat for entry i (the index only compares fields).
 * One fixed time for all: a clock read per call would give the same entry
 * another mtime once the second turned between its store and its lookup. */
static time_t fake_time;

static struct stat fake_stat(int i, const digest *d)
{
    struct stat st;
    memset(&st, 0, sizeof st);
    st.st_dev = 77;
    st.st_ino = (ino_t)(1000 + i);
    st.st_size = d->size_bytes;
    st.st_mtim.tv_sec = fake_time;
    st.st_ctim = st.st_mtim;
    return st;
}

/* An index this process created skips reading the file for lookups and
 * stores (statindex.c, "ours"); it must still find what it stored, more
 * entries than fit in one probe window included, and another process must
 * find them too. */
static void test_fresh_index(void)
{
    char sub[300];
    snprintf(sub, sizeof sub, "%s/fresh", dir);
    fake_time = time(NULL) - 100;
    statindex *x = statindex_open(sub);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    CU_ASSERT_TRUE(statindex_fresh(x));
    enum { N = 40000 }; /* more than STATINDEX_SLOTS: windows fill up */
    char text[64];
    for (int i = 0; i < N; i++) {
        digest d;
        snprintf(text, sizeof text, "content %d", i);
        digest_str(text, &d);
        struct stat st = fake_stat(i, &d);
        digest got;
        unsigned fl;
        if (!statindex_lookup(x, &st, &got, &fl))
            statindex_store(x, &st, &d, (unsigned)i & 7);
    }
    /* Every answer is right; the last entries are all there. */
    int found = 0, wrong = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < N; i++) {
            digest d, got;
            unsigned fl = 99;
            snprintf(text, sizeof text, "content %d", i);
            digest_str(text, &d);
            struct stat st = fake_stat(i, &d);
            if (statindex_lookup(x, &st, &got, &fl)) {
                found += pass == 0;
                wrong += !digest_equal(&d, &got) || fl != ((unsigned)i & 7);
            } else if (i >= N - 100) {
                wrong++;
            }
        }
        /* The same through a handle that did not create the file. */
        statindex_close(x);
        x = statindex_open(sub);
        CU_ASSERT_PTR_NOT_NULL_FATAL(x);
        CU_ASSERT_FALSE(statindex_fresh(x));
    }
    CU_ASSERT_EQUAL(wrong, 0);
    CU_ASSERT(found > STATINDEX_SLOTS / 2);
    /* Never stored: a miss. */
    digest d, got;
    unsigned fl;
    digest_str("never stored", &d);
    struct stat st = fake_stat(N + 5, &d);
    CU_ASSERT_EQUAL(statindex_lookup(x, &st, &got, &fl), 0);
    statindex_close(x);
}

static const unit_test tests[] = {
    {"a racy file is not stored", test_racy_file_not_stored},
    {"settled entries round-trip, any stat change misses", test_settled_roundtrip_and_mismatch},
    {"corrupt and truncated index files", test_corruption_detected},
    {"32 concurrent writers", test_concurrent_writers},
    {"readers while writers replace a slot", test_readers_during_writes},
    {"a fresh index finds what it stored", test_fresh_index},
    {NULL, NULL},
};

int main(void)
{
    if (!mkdtemp(dir))
        return 1;
    int failed = unit_run("statindex", NULL, NULL, tests);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    return failed;
}
