/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for cache/local/memo.c: a value comes back only for its own key,
 * through eviction, corruption, a damaged file, and processes writing and
 * reading at once. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cache/reapi/digest.h"
#include "cache/local/memo.h"
#include "tests/unit/unit.h"

static char dir[] = "/tmp/ricc-memo-XXXXXX";

static digest key_of(unsigned i)
{
    char text[32];
    snprintf(text, sizeof text, "key %u", i);
    digest d;
    digest_buf(text, strlen(text), &d);
    return d;
}

/* The value for key i: its length and bytes depend on i. */
static size_t value_of(unsigned i, unsigned char *out)
{
    size_t len = 1 + (i * 37u) % MEMO_VALUE_MAX;
    for (size_t k = 0; k < len; k++)
        out[k] = (unsigned char)(i * 31u + k * 7u);
    return len;
}

/* 1 when memo_get(k) gives i's value or nothing, 0 when it gives anything
 * else. */
static int right_or_none(memo *m, unsigned i, int *found)
{
    unsigned char want[MEMO_VALUE_MAX], got[MEMO_VALUE_MAX];
    size_t wlen = value_of(i, want);
    digest k = key_of(i);
    int len = memo_get(m, &k, got);
    if (len < 0)
        return 1;
    (*found)++;
    return (size_t)len == wlen && !memcmp(got, want, wlen);
}

static void test_roundtrip(void)
{
    memo *m = memo_open(dir, "rt");
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    unsigned char v[MEMO_VALUE_MAX], got[MEMO_VALUE_MAX];
    for (unsigned i = 0; i < 200; i++) {
        digest k = key_of(i);
        memo_put(m, &k, v, value_of(i, v));
    }
    int found = 0, wrong = 0;
    for (unsigned i = 0; i < 200; i++)
        wrong += !right_or_none(m, i, &found);
    CU_ASSERT_EQUAL(wrong, 0);
    CU_ASSERT_EQUAL(found, 200);
    /* A key never stored. */
    digest other = key_of(100000);
    CU_ASSERT_EQUAL(memo_get(m, &other, got), -1);
    /* An empty value is a value; one too long is not kept. */
    digest e = key_of(5000), big = key_of(5001);
    memo_put(m, &e, "", 0);
    CU_ASSERT_EQUAL(memo_get(m, &e, got), 0);
    unsigned char huge[MEMO_VALUE_MAX + 1] = {0};
    memo_put(m, &big, huge, sizeof huge);
    CU_ASSERT_EQUAL(memo_get(m, &big, got), -1);
    /* A second handle (another process) sees them. */
    memo *m2 = memo_open(dir, "rt");
    CU_ASSERT_PTR_NOT_NULL_FATAL(m2);
    found = wrong = 0;
    for (unsigned i = 0; i < 200; i++)
        wrong += !right_or_none(m2, i, &found);
    CU_ASSERT_EQUAL(wrong, 0);
    CU_ASSERT_EQUAL(found, 200);
    memo_close(m2);
    memo_close(m);
    /* A NULL memo (one that could not be opened) keeps and finds nothing. */
    memo_put(NULL, &e, "x", 1);
    CU_ASSERT_EQUAL(memo_get(NULL, &e, got), -1);
}

/* Four times as many keys as slots: most are evicted, none answers wrong,
 * and the newest are mostly there. */
static void test_eviction(void)
{
    memo *m = memo_open(dir, "ev");
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    unsigned n = 4 * MEMO_SLOTS;
    unsigned char v[MEMO_VALUE_MAX];
    for (unsigned i = 0; i < n; i++) {
        digest k = key_of(i);
        memo_put(m, &k, v, value_of(i, v));
    }
    int found = 0, wrong = 0;
    for (unsigned i = 0; i < n; i++)
        wrong += !right_or_none(m, i, &found);
    CU_ASSERT_EQUAL(wrong, 0);
    CU_ASSERT(found > MEMO_SLOTS / 2);
    CU_ASSERT(found <= MEMO_SLOTS);
    int recent = 0;
    for (unsigned i = n - 100; i < n; i++)
        right_or_none(m, i, &recent);
    CU_ASSERT(recent >= 90);
    memo_close(m);
}

/* Bytes flipped all over the file: lookups miss or answer right. */
static void test_corruption(void)
{
    memo *m = memo_open(dir, "co");
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    unsigned char v[MEMO_VALUE_MAX];
    for (unsigned i = 0; i < 3000; i++) {
        digest k = key_of(i);
        memo_put(m, &k, v, value_of(i, v));
    }
    char path[256];
    snprintf(path, sizeof path, "%s/co", dir);
    int fd = open(path, O_RDWR);
    CU_ASSERT_FATAL(fd >= 0);
    struct stat st;
    fstat(fd, &st);
    srand(7);
    for (int j = 0; j < 20000; j++) {
        off_t at = 128 + (off_t)((unsigned)rand() % (unsigned)(st.st_size - 128));
        unsigned char b;
        if (pread(fd, &b, 1, at) == 1) {
            b ^= (unsigned char)(1u << (rand() % 8));
            CU_ASSERT_EQUAL(pwrite(fd, &b, 1, at), 1);
        }
    }
    close(fd);
    int found = 0, wrong = 0;
    for (unsigned i = 0; i < 3000; i++)
        wrong += !right_or_none(m, i, &found);
    CU_ASSERT_EQUAL(wrong, 0);
    CU_ASSERT(found < 3000); /* the flips did hit slots */
    memo_close(m);
}

/* A truncated file, or one with another header, is replaced by an empty
 * one that works. */
static void test_damaged_file(void)
{
    char path[256];
    snprintf(path, sizeof path, "%s/dm", dir);
    FILE *f = fopen(path, "w");
    fputs("not a memo", f);
    fclose(f);
    memo *m = memo_open(dir, "dm");
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    unsigned char v[MEMO_VALUE_MAX], got[MEMO_VALUE_MAX];
    digest k = key_of(1);
    CU_ASSERT_EQUAL(memo_get(m, &k, got), -1);
    size_t len = value_of(1, v);
    memo_put(m, &k, v, len);
    CU_ASSERT_EQUAL(memo_get(m, &k, got), (int)len);
    memo_close(m);
    CU_ASSERT_EQUAL(truncate(path, 4096), 0);
    m = memo_open(dir, "dm");
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(memo_get(m, &k, got), -1);
    memo_close(m);
}

/* Eight processes storing and looking up overlapping keys at once (more
 * keys than slots, so they evict each other's): every answer is the key's
 * own value or a miss. */
static void test_concurrent(void)
{
    enum { PROCS = 8, ROUNDS = 6000 };
    pid_t pids[PROCS];
    for (int p = 0; p < PROCS; p++) {
        pids[p] = fork();
        if (pids[p] == 0) {
            memo *m = memo_open(dir, "cc");
            if (!m)
                _exit(2);
            srand((unsigned)p + 1);
            unsigned char v[MEMO_VALUE_MAX];
            int found = 0;
            for (int r = 0; r < ROUNDS; r++) {
                unsigned i = (unsigned)rand() % (2 * MEMO_SLOTS);
                if (!right_or_none(m, i, &found))
                    _exit(1);
                digest k = key_of(i);
                memo_put(m, &k, v, value_of(i, v));
            }
            memo_close(m);
            _exit(0);
        }
        CU_ASSERT_FATAL(pids[p] > 0);
    }
    int bad = 0;
    for (int p = 0; p < PROCS; p++) {
        int status;
        waitpid(pids[p], &status, 0);
        bad += !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    }
    CU_ASSERT_EQUAL(bad, 0);
}

static const unit_test tests[] = {
    {"a value comes back for its own key", test_roundtrip},
    {"eviction never answers wrong", test_eviction},
    {"flipped bytes are misses", test_corruption},
    {"a damaged file is replaced", test_damaged_file},
    {"concurrent writers and readers", test_concurrent},
    {NULL, NULL},
};

int main(void)
{
    if (!mkdtemp(dir))
        return 1;
    int failed = unit_run("memo", NULL, NULL, tests);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    return failed;
}
