/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for cache/local/store.c: CAS and keyed round trips; every kind of
 * damage (flipped byte, truncation, bad frame, wrong tree) read as a miss,
 * removed and counted; materialization (bytes, mode, LRU touch); the size
 * limit and its least-recently-used order; 32 concurrent processes sharing
 * one store; unwritable and full disks failing cleanly; clear and cleanup. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cache/util/fsutil.h"
#include "cache/local/stats.h"
#include "cache/local/store.h"
#include "tests/unit/scratch.h"
#include "tests/unit/unit.h"


static int suite_init(void)
{
    return scratch_init("store");
}



static void entry_file(const char *dir, const char *area, const digest *d, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s/%s/%.2s/%s", dir, area, d->hash, d->hash);
    CU_ASSERT_FATAL(n > 0 && (size_t)n < cap);
}

static int exists(const char *path)
{
    return access(path, F_OK) == 0;
}

/* Deterministic content of `len` bytes that differs for each seed. */
static char *make_blob(int seed, size_t len)
{
    char *b = malloc(len ? len : 1);
    uint32_t x = (uint32_t)seed * 2654435761u + 1;
    for (size_t i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        b[i] = (char)(x >> 16);
    }
    if (len >= 16)
        snprintf(b, 16, "seed%d", seed);
    return b;
}

static void set_mtime(const char *path, time_t when)
{
    struct timespec t[2] = {{when, 0}, {when, 0}};
    CU_ASSERT_EQUAL(utimensat(AT_FDCWD, path, t, 0), 0);
}

static time_t mtime_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_mtime : -1;
}

/* Regular files under dir (recursively) that are temporaries (tmp) or
 * not (!tmp); their total size goes to *bytes if not NULL. */
static int tree_files(const char *dir, int tmp, int64_t *bytes)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int files = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        char *p = path_join(dir, de->d_name);
        struct stat st;
        if (de->d_name[0] != '.' && lstat(p, &st) == 0) {
            if (S_ISDIR(st.st_mode)) {
                files += tree_files(p, tmp, bytes);
            } else if (!strstr(de->d_name, ".tmp.") == !tmp) {
                files++;
                if (bytes)
                    *bytes += st.st_size;
            }
        }
        free(p);
    }
    closedir(d);
    return files;
}

/* Entries in the store's trees (not stats, locks or temporaries). */
static int store_files(const char *dir, int64_t *bytes)
{
    static const char *const areas[] = {"cas", "ac", "manifests"};
    int files = 0;
    for (int a = 0; a < 3; a++) {
        char *p = path_join(dir, areas[a]);
        files += tree_files(p, 0, bytes);
        free(p);
    }
    return files;
}

static int count_tmp(const char *dir)
{
    return tree_files(dir, 1, NULL);
}

/* ---- round trips ---- */

static void test_cas_roundtrip(void)
{
    char *dir = scratch_fresh_dir();
    store *s = store_open(dir, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_STRING_EQUAL(store_dir(s), dir);

    size_t len = 5000;
    char *blob = make_blob(1, len);
    digest d, want;
    digest_buf(blob, len, &want);
    CU_ASSERT_EQUAL(cas_has(s, &want), 0);
    char *buf = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL(cas_get(s, &want, &buf, &n), 1);

    CU_ASSERT_EQUAL_FATAL(cas_put(s, blob, len, &d), 0);
    CU_ASSERT(digest_equal(&d, &want));
    CU_ASSERT_EQUAL(cas_has(s, &d), 1);
    CU_ASSERT_EQUAL_FATAL(cas_get(s, &d, &buf, &n), 0);
    CU_ASSERT_EQUAL(n, len);
    CU_ASSERT(memcmp(buf, blob, len) == 0);
    free(buf);
    uint64_t size = store_size(s);
    CU_ASSERT_EQUAL(size, 8192); /* 5000 bytes are two 4 KiB blocks */

    /* Idempotent: a second put neither fails nor counts twice. */
    CU_ASSERT_EQUAL(cas_put(s, blob, len, NULL), 0);
    CU_ASSERT_EQUAL(store_size(s), size);

    /* The empty blob is a blob. */
    CU_ASSERT_EQUAL(cas_put(s, "", 0, &d), 0);
    CU_ASSERT_EQUAL(d.size_bytes, 0);
    CU_ASSERT_EQUAL_FATAL(cas_get(s, &d, &buf, &n), 0);
    CU_ASSERT_EQUAL(n, 0);
    free(buf);

    /* A name that is not a hash never reaches the file system. */
    digest evil = {.size_bytes = 1};
    strcpy(evil.hash, "../../../../../../etc/passwd");
    CU_ASSERT_EQUAL(cas_has(s, &evil), 0);
    CU_ASSERT_EQUAL(cas_get(s, &evil, &buf, &n), -1);
    CU_ASSERT_EQUAL(errno, EINVAL);
    digest upper = want;
    upper.hash[0] = 'A';
    CU_ASSERT_EQUAL(cas_get(s, &upper, &buf, &n), -1);

    /* cas_put_file stores a file's content under the same digest. */
    char *src = path_join(dir, "source.o");
    char *other = make_blob(2, 70000);
    CU_ASSERT_EQUAL_FATAL(atomic_write_file(src, other, 70000, 0644), 0);
    CU_ASSERT_EQUAL(cas_put_file(s, src, &d), 0);
    digest_buf(other, 70000, &want);
    CU_ASSERT(digest_equal(&d, &want));
    CU_ASSERT_EQUAL_FATAL(cas_get(s, &d, &buf, &n), 0);
    CU_ASSERT(n == 70000 && memcmp(buf, other, n) == 0);
    free(buf);
    CU_ASSERT_EQUAL(cas_put_file(s, src, NULL), 0);
    char *gone = path_join(dir, "no-such-file");
    CU_ASSERT_EQUAL(cas_put_file(s, gone, &d), -1);
    CU_ASSERT_EQUAL(count_tmp(dir), 0);

    free(gone);
    free(other);
    free(src);
    free(blob);
    store_close(s);
    free(dir);
}

static void test_keyed_roundtrip(void)
{
    char *dir = scratch_fresh_dir();
    store *s = store_open(dir, 0);
    digest key;
    digest_str("action", &key);
    char *buf = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL(store_get(s, STORE_AC, &key, &buf, &n), 1);

    CU_ASSERT_EQUAL_FATAL(store_put(s, STORE_AC, &key, "result-1", 8), 0);
    CU_ASSERT_EQUAL(store_put(s, STORE_MANIFEST, &key, "manifest", 8), 0);
    CU_ASSERT_EQUAL_FATAL(store_get(s, STORE_AC, &key, &buf, &n), 0);
    CU_ASSERT(n == 8 && memcmp(buf, "result-1", 8) == 0 && buf[n] == '\0');
    free(buf);
    CU_ASSERT_EQUAL_FATAL(store_get(s, STORE_MANIFEST, &key, &buf, &n), 0);
    CU_ASSERT(n == 8 && memcmp(buf, "manifest", 8) == 0);
    free(buf);
    CU_ASSERT_EQUAL(store_size(s), 2 * 4096);

    /* Replace: the new payload wins and the size is not double-counted. */
    char *big = make_blob(3, 10000);
    CU_ASSERT_EQUAL(store_put(s, STORE_AC, &key, big, 10000), 0);
    CU_ASSERT_EQUAL_FATAL(store_get(s, STORE_AC, &key, &buf, &n), 0);
    CU_ASSERT(n == 10000 && memcmp(buf, big, n) == 0);
    free(buf);
    CU_ASSERT_EQUAL(store_size(s), 4096 + 12288);

    /* Empty payload. */
    digest k2;
    digest_str("empty", &k2);
    CU_ASSERT_EQUAL(store_put(s, STORE_AC, &k2, "", 0), 0);
    CU_ASSERT_EQUAL_FATAL(store_get(s, STORE_AC, &k2, &buf, &n), 0);
    CU_ASSERT_EQUAL(n, 0);
    free(buf);

    /* Remove is exact and idempotent. */
    CU_ASSERT_EQUAL(store_remove(s, STORE_AC, &key), 0);
    CU_ASSERT_EQUAL(store_get(s, STORE_AC, &key, &buf, &n), 1);
    buf = NULL;
    CU_ASSERT_EQUAL(store_get(s, STORE_MANIFEST, &key, &buf, &n), 0);
    free(buf);
    CU_ASSERT_EQUAL(store_remove(s, STORE_AC, &key), 0);
    CU_ASSERT_EQUAL(store_remove(s, STORE_MANIFEST, &key), 0);
    CU_ASSERT_EQUAL(store_remove(s, STORE_AC, &k2), 0);
    CU_ASSERT_EQUAL(store_size(s), 0);
    CU_ASSERT_EQUAL(stats_get(ST_CORRUPT_ENTRY), 0);

    free(big);
    store_close(s);
    free(dir);
}

/* ---- damage ---- */

static void flip_byte(const char *path, off_t at)
{
    int fd = open(path, O_RDWR);
    CU_ASSERT_FATAL(fd >= 0);
    unsigned char c;
    CU_ASSERT_EQUAL(pread(fd, &c, 1, at), 1);
    c ^= 0x01;
    CU_ASSERT_EQUAL(pwrite(fd, &c, 1, at), 1);
    close(fd);
}

static void test_corruption_detected(void)
{
    char *dir = scratch_fresh_dir();
    store *s = store_open(dir, 0);
    char path[512];
    char *buf = NULL;
    size_t n = 0;
    int64_t corrupt = stats_get(ST_CORRUPT_ENTRY);

    /* A flipped byte in a blob. */
    char *blob = make_blob(10, 3000);
    digest d;
    CU_ASSERT_EQUAL_FATAL(cas_put(s, blob, 3000, &d), 0);
    entry_file(dir, "cas", &d, path, sizeof path);
    flip_byte(path, 1500);
    CU_ASSERT_EQUAL(cas_get(s, &d, &buf, &n), 1);
    CU_ASSERT_FALSE(exists(path));
    CU_ASSERT_EQUAL(stats_get(ST_CORRUPT_ENTRY), ++corrupt);
    CU_ASSERT_EQUAL(store_size(s), 0); /* the removal is accounted */
    /* ... and the next put stores a good copy again. */
    CU_ASSERT_EQUAL(cas_put(s, blob, 3000, &d), 0);
    buf = NULL;
    CU_ASSERT_EQUAL(cas_get(s, &d, &buf, &n), 0);
    free(buf);

    /* A truncated blob, seen by cas_get and by cas_materialize. */
    CU_ASSERT_EQUAL(truncate(path, 100), 0);
    CU_ASSERT_EQUAL(cas_get(s, &d, &buf, &n), 1);
    CU_ASSERT_FALSE(exists(path));
    CU_ASSERT_EQUAL(stats_get(ST_CORRUPT_ENTRY), ++corrupt);
    CU_ASSERT_EQUAL(cas_put(s, blob, 3000, &d), 0);
    CU_ASSERT_EQUAL(truncate(path, 2999), 0);
    char *dst = path_join(dir, "out.o");
    CU_ASSERT_EQUAL(cas_materialize(s, &d, dst, 0), 1);
    CU_ASSERT_FALSE(exists(path));
    CU_ASSERT_FALSE(exists(dst));
    CU_ASSERT_EQUAL(stats_get(ST_CORRUPT_ENTRY), ++corrupt);

    /* Same size, different content, through cas_materialize. */
    CU_ASSERT_EQUAL(cas_put(s, blob, 3000, &d), 0);
    flip_byte(path, 0);
    CU_ASSERT_EQUAL(cas_materialize(s, &d, dst, 0), 1);
    CU_ASSERT_FALSE(exists(path));
    CU_ASSERT_FALSE(exists(dst));
    CU_ASSERT_EQUAL(stats_get(ST_CORRUPT_ENTRY), ++corrupt);

    /* A keyed entry: payload byte, checksum byte, magic, truncation. */
    digest key;
    digest_str("some action", &key);
    entry_file(dir, "ac", &key, path, sizeof path);
    const off_t where[] = {45, 20, 3};
    for (int i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL_FATAL(store_put(s, STORE_AC, &key, "an action result", 16), 0);
        flip_byte(path, where[i]);
        CU_ASSERT_EQUAL(store_get(s, STORE_AC, &key, &buf, &n), 1);
        CU_ASSERT_FALSE(exists(path));
        CU_ASSERT_EQUAL(stats_get(ST_CORRUPT_ENTRY), ++corrupt);
    }
    CU_ASSERT_EQUAL_FATAL(store_put(s, STORE_AC, &key, "an action result", 16), 0);
    CU_ASSERT_EQUAL(truncate(path, 30), 0); /* shorter than the frame */
    CU_ASSERT_EQUAL(store_get(s, STORE_AC, &key, &buf, &n), 1);
    CU_ASSERT_FALSE(exists(path));
    CU_ASSERT_EQUAL(stats_get(ST_CORRUPT_ENTRY), ++corrupt);

    /* An intact AC entry placed in manifests/ is not a manifest. */
    CU_ASSERT_EQUAL_FATAL(store_put(s, STORE_AC, &key, "an action result", 16), 0);
    char mpath[512];
    entry_file(dir, "manifests", &key, mpath, sizeof mpath);
    char *frame = NULL;
    CU_ASSERT_EQUAL_FATAL(fs_read_file(path, &frame, &n), 0);
    CU_ASSERT_EQUAL(atomic_write_file(mpath, frame, n, 0644), 0);
    free(frame);
    CU_ASSERT_EQUAL(store_get(s, STORE_MANIFEST, &key, &buf, &n), 1);
    CU_ASSERT_FALSE(exists(mpath));
    CU_ASSERT_EQUAL(stats_get(ST_CORRUPT_ENTRY), ++corrupt);
    buf = NULL;
    CU_ASSERT_EQUAL(store_get(s, STORE_AC, &key, &buf, &n), 0);
    free(buf);

    /* A version 1 frame (its checksum the payload's SHA-256) is still read;
     * damaged, it is refused like any other. */
    char v1[8 + 32 + 16];
    digest pd;
    memcpy(v1, "RICC-AC1", 8);
    digest_buf("an action result", 16, &pd);
    CU_ASSERT_EQUAL_FATAL(digest_raw(&pd, (unsigned char *)v1 + 8), 0);
    memcpy(v1 + 40, "an action result", 16);
    CU_ASSERT_EQUAL_FATAL(atomic_write_file(path, v1, sizeof v1, 0644), 0);
    buf = NULL;
    CU_ASSERT_EQUAL(store_get(s, STORE_AC, &key, &buf, &n), 0);
    CU_ASSERT(buf && n == 16 && memcmp(buf, "an action result", 16) == 0);
    free(buf);
    v1[50] ^= 1;
    CU_ASSERT_EQUAL_FATAL(atomic_write_file(path, v1, sizeof v1, 0644), 0);
    CU_ASSERT_EQUAL(store_get(s, STORE_AC, &key, &buf, &n), 1);
    CU_ASSERT_EQUAL(stats_get(ST_CORRUPT_ENTRY), ++corrupt);

    free(dst);
    free(blob);
    store_close(s);
    free(dir);
}

/* ---- materialize ---- */

static void test_materialize(void)
{
    char *dir = scratch_fresh_dir();
    store *s = store_open(dir, 0);
    size_t len = 123457;
    char *blob = make_blob(20, len);
    digest d;
    CU_ASSERT_EQUAL_FATAL(cas_put(s, blob, len, &d), 0);
    char path[512];
    entry_file(dir, "cas", &d, path, sizeof path);
    time_t old = time(NULL) - 86400;
    set_mtime(path, old);

    mode_t um = umask(022);
    char *dst = path_join(dir, "out.o");
    CU_ASSERT_EQUAL_FATAL(cas_materialize(s, &d, dst, 0), 0);
    char *buf = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL_FATAL(fs_read_file(dst, &buf, &n), 0);
    CU_ASSERT(n == len && memcmp(buf, blob, len) == 0);
    free(buf);
    struct stat st;
    CU_ASSERT_EQUAL(stat(dst, &st), 0);
    CU_ASSERT_EQUAL(st.st_mode & 0777, 0644);
    CU_ASSERT(mtime_of(path) > old + 3600); /* the blob was marked as used */

    /* An existing read-only output is replaced; executable mode; umask. */
    chmod(dst, 0400);
    umask(027);
    CU_ASSERT_EQUAL(cas_materialize(s, &d, dst, 1), 0);
    CU_ASSERT_EQUAL(stat(dst, &st), 0);
    CU_ASSERT_EQUAL(st.st_mode & 0777, 0750);
    CU_ASSERT_EQUAL_FATAL(fs_read_file(dst, &buf, &n), 0);
    CU_ASSERT(n == len && memcmp(buf, blob, len) == 0);
    free(buf);
    umask(um);

    /* The output is a copy: changing it does not touch the blob. */
    CU_ASSERT_EQUAL(atomic_write_file(dst, "changed", 7, 0644), 0);
    buf = NULL;
    CU_ASSERT_EQUAL(cas_get(s, &d, &buf, &n), 0);
    free(buf);

    /* Missing blob; unwritable destination. */
    digest none;
    digest_str("never stored", &none);
    CU_ASSERT_EQUAL(cas_materialize(s, &none, dst, 0), 1);
    char *nodir = path_join(dir, "no/such/dir/out.o");
    CU_ASSERT_EQUAL(cas_materialize(s, &d, nodir, 0), -1);
    CU_ASSERT_EQUAL(stats_get(ST_CORRUPT_ENTRY), 0);
    CU_ASSERT_EQUAL(count_tmp(dir), 0);

    free(nodir);
    free(dst);
    free(blob);
    store_close(s);
    free(dir);
}

/* ---- size limit ---- */

#define SHARE_BLOCKS 8
#define LIMIT (16 * SHARE_BLOCKS * 4096)

static void test_limit_kept(void)
{
    char *dir = scratch_fresh_dir();
    store *s = store_open(dir, LIMIT);
    int over = 0;
    for (int i = 0; i < 600; i++) {
        char *blob = make_blob(1000 + i, 1000);
        if (i % 3 == 0) {
            digest key;
            digest_buf(blob, 100, &key);
            CU_ASSERT_EQUAL(store_put(s, STORE_AC, &key, blob, 1000), 0);
        } else {
            CU_ASSERT_EQUAL(cas_put(s, blob, 1000, NULL), 0);
        }
        free(blob);
        if (store_size(s) > LIMIT)
            over++;
    }
    CU_ASSERT_EQUAL(over, 0);
    int64_t bytes = 0;
    int files = store_files(dir, &bytes);
    /* Every file costs one block, so at most LIMIT/4096 files remain. */
    CU_ASSERT(files <= LIMIT / 4096);
    CU_ASSERT(files >= LIMIT / 4096 / 2); /* evicting is not emptying */
    CU_ASSERT(bytes <= LIMIT);
    CU_ASSERT_EQUAL(store_size(s), (uint64_t)files * 4096);
    CU_ASSERT(stats_get(ST_EVICTED_FILES) >= 600 - LIMIT / 4096);
    CU_ASSERT(stats_get(ST_CLEANUPS) > 0);
    store_close(s);
    free(dir);
}

/* Among d[1..n) (oldest first) in shard `x`, no evicted entry is newer
 * than a kept one.  Returns how many were evicted, or -1 if the order is
 * wrong. */
static int lru_respected(store *s, const digest *d, int n, char x)
{
    int oldest_kept = n, newest_gone = -1, gone = 0;
    for (int i = 1; i < n; i++) {
        if (d[i].hash[0] != x)
            continue;
        if (cas_has(s, &d[i])) {
            if (i < oldest_kept)
                oldest_kept = i;
        } else {
            gone++;
            newest_gone = i;
        }
    }
    return newest_gone < oldest_kept ? gone : -1;
}

static void test_lru_order(void)
{
    char *dir = scratch_fresh_dir();
    store *s = store_open(dir, 0); /* fill without a limit first */
    enum { N = 200 };
    digest d[N];
    char path[512];
    time_t base = time(NULL) - 100000;
    for (int i = 0; i < N; i++) {
        char *blob = make_blob(5000 + i, 500);
        CU_ASSERT_EQUAL_FATAL(cas_put(s, blob, 500, &d[i]), 0);
        free(blob);
        entry_file(dir, "cas", &d[i], path, sizeof path);
        set_mtime(path, base + i); /* entry 0 is the least recently used */
    }
    digest key;
    digest_str("an old action", &key);
    CU_ASSERT_EQUAL(store_put(s, STORE_AC, &key, "result", 6), 0);
    char kpath[512];
    entry_file(dir, "ac", &key, kpath, sizeof kpath);
    set_mtime(kpath, base - 1);

    /* Use the two oldest entries now. */
    char *buf;
    size_t n;
    buf = NULL;
    CU_ASSERT_EQUAL(cas_get(s, &d[0], &buf, &n), 0);
    free(buf);
    buf = NULL;
    CU_ASSERT_EQUAL(store_get(s, STORE_AC, &key, &buf, &n), 0);
    free(buf);
    store_close(s);

    /* Write into d[0]'s shard under a limit until that shard is cleaned. */
    s = store_open(dir, LIMIT);
    int64_t cleanups = stats_get(ST_CLEANUPS);
    for (int i = 0; stats_get(ST_CLEANUPS) == cleanups && i < 100000; i++) {
        char *blob = make_blob(900000 + i, 500);
        digest nd;
        digest_buf(blob, 500, &nd);
        if (nd.hash[0] == d[0].hash[0])
            CU_ASSERT_EQUAL(cas_put(s, blob, 500, NULL), 0);
        free(blob);
    }
    CU_ASSERT_FATAL(stats_get(ST_CLEANUPS) > cleanups);
    CU_ASSERT_EQUAL(cas_has(s, &d[0]), 1);
    CU_ASSERT(lru_respected(s, d, N, d[0].hash[0]) > 0);

    /* A full cleanup brings every shard to its share, oldest first; the
     * used AC entry survives its shard's cleanup too. */
    CU_ASSERT_EQUAL(store_cleanup(s, NULL), 0);
    CU_ASSERT(store_size(s) <= LIMIT);
    buf = NULL;
    CU_ASSERT_EQUAL(store_get(s, STORE_AC, &key, &buf, &n), 0);
    free(buf);
    CU_ASSERT_EQUAL(cas_has(s, &d[0]), 1);
    int evicted = 0;
    for (int x = 0; x < 16; x++) {
        int e = lru_respected(s, d, N, "0123456789abcdef"[x]);
        CU_ASSERT(e >= 0);
        evicted += e;
    }
    CU_ASSERT(evicted > 0);
    store_close(s);
    free(dir);
}

/* ---- concurrency ---- */

enum { PROCS = 32, ROUNDS = 40 };

/* One worker: shared and private blobs and keys, every read checked.
 * Returns the number of wrong results. */
static int worker(const char *dir, int id, uint64_t limit)
{
    if (stats_open(dir) != 0)
        return 1;
    store *s = store_open(dir, limit);
    int bad = 0;
    char *shared = make_blob(77, 20000);
    digest shared_d, key;
    digest_buf(shared, 20000, &shared_d);
    digest_str("shared key", &key);
    char dst[512];
    snprintf(dst, sizeof dst, "%s/out-%d.o", dir, id);
    for (int r = 0; r < ROUNDS; r++) {
        char *mine = make_blob(100000 + id * ROUNDS + r, 3000 + (size_t)r);
        digest md;
        char payload[64];
        int plen = snprintf(payload, sizeof payload, "result from %d round %d", id, r);
        bad += cas_put(s, shared, 20000, NULL) != 0;
        bad += cas_put(s, mine, 3000 + (size_t)r, &md) != 0;
        bad += store_put(s, STORE_AC, &key, payload, (size_t)plen) != 0;
        bad += store_put(s, STORE_MANIFEST, &md, payload, (size_t)plen) != 0;

        char *buf;
        size_t n;
        int g = cas_get(s, &shared_d, &buf, &n);
        if (g == 0) {
            bad += n != 20000 || memcmp(buf, shared, n) != 0;
            free(buf);
        }
        bad += limit == 0 && g != 0;
        g = store_get(s, STORE_AC, &key, &buf, &n);
        if (g == 0) {
            bad += strncmp(buf, "result from ", 12) != 0 || strlen(buf) != n;
            free(buf);
        }
        bad += limit == 0 && g != 0;
        g = store_get(s, STORE_MANIFEST, &md, &buf, &n);
        if (g == 0) {
            bad += n != (size_t)plen || memcmp(buf, payload, n) != 0;
            free(buf);
        }
        bad += limit == 0 && g != 0;
        g = cas_materialize(s, &md, dst, 0);
        if (g == 0) {
            bad += fs_read_file(dst, &buf, &n) != 0;
            bad += n != 3000 + (size_t)r || memcmp(buf, mine, n) != 0;
            free(buf);
        }
        bad += g < 0 || (limit == 0 && g != 0);
        free(mine);
    }
    free(shared);
    store_close(s);
    stats_close();
    return bad;
}

static void run_workers(const char *dir, uint64_t limit)
{
    pid_t pids[PROCS];
    int gate[2]; /* children wait here until all are forked, then race */
    CU_ASSERT_EQUAL_FATAL(pipe(gate), 0);
    fflush(NULL);
    for (int i = 0; i < PROCS; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            char c;
            close(gate[1]);
            _exit(read(gate[0], &c, 1) != 0 || worker(dir, i, limit) ? 1 : 0);
        }
        CU_ASSERT_FATAL(pids[i] > 0);
    }
    close(gate[0]);
    close(gate[1]);
    int failed = 0;
    for (int i = 0; i < PROCS; i++) {
        int status;
        if (waitpid(pids[i], &status, 0) != pids[i] || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0)
            failed++;
    }
    CU_ASSERT_EQUAL(failed, 0);
    CU_ASSERT_EQUAL(stats_get(ST_CORRUPT_ENTRY), 0);
}

static void test_concurrent(void)
{
    char *dir = scratch_fresh_dir();
    run_workers(dir, 0);
    /* Every private blob plus the shared one, each once; so many
     * manifests; one AC entry; no temporaries. */
    CU_ASSERT_EQUAL(store_files(dir, NULL), 2 * PROCS * ROUNDS + 2);
    CU_ASSERT_EQUAL(count_tmp(dir), 0);
    free(dir);

    /* Again with a limit small enough that shards are cleaned while other
     * processes read and write them: misses are allowed, wrong bytes not. */
    dir = scratch_fresh_dir();
    run_workers(dir, LIMIT);
    CU_ASSERT(stats_get(ST_CLEANUPS) > 0);
    store *s = store_open(dir, LIMIT);
    CU_ASSERT_EQUAL(store_cleanup(s, NULL), 0);
    CU_ASSERT(store_size(s) <= LIMIT);
    store_close(s);
    free(dir);
}

/* ---- failures ---- */

static char *fail_dir;

static int put_unwritable(void)
{
    int bad = 0;
    store *s = store_open(fail_dir, LIMIT);
    digest d, key;
    char *buf;
    size_t n;
    errno = 0;
    bad += cas_put(s, "abc", 3, &d) != -1;
    bad += errno != EACCES;
    bad += store_put(s, STORE_AC, &d, "x", 1) != -1;
    bad += cas_put_file(s, "/proc/self/cmdline", NULL) != -1;
    /* What could not be written is kept for this process's reads (the
     * upload that follows a failed store): nothing else is. */
    bad += cas_get(s, &d, &buf, &n) != 0 || n != 3 || memcmp(buf, "abc", 3) != 0;
    free(buf);
    bad += store_get(s, STORE_AC, &d, &buf, &n) != 0 || n != 1 || buf[0] != 'x';
    free(buf);
    bad += !cas_has(s, &d);
    digest_str("k", &key);
    bad += store_get(s, STORE_MANIFEST, &key, &buf, &n) != 1;
    bad += cas_get(s, &key, &buf, &n) != 1;
    bad += store_cleanup(s, NULL) != -1; /* cannot lock, but no crash */
    store_close(s);
    return bad;
}

static int put_disk_full(void)
{
    int bad = 0;
    store *s = store_open(fail_dir, 0);
    char *big = make_blob(4242, 300000);
    digest key;
    digest_str("k", &key);
    errno = 0;
    bad += cas_put(s, big, 300000, NULL) != -1;
    bad += errno != EFBIG;
    bad += store_put(s, STORE_AC, &key, big, 300000) != -1;
    bad += cas_put(s, "small", 5, NULL) != 0; /* small writes still fit */
    free(big);
    store_close(s);
    return bad;
}

static int in_child(int (*fn)(void), int unprivileged, rlim_t fsize)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        if (unprivileged && geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
            _exit(100);
        if (fsize) {
            struct rlimit rl = {fsize, fsize};
            signal(SIGXFSZ, SIG_IGN);
            if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
                _exit(101);
        }
        _exit(fn());
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        return 102;
    return WEXITSTATUS(status);
}

static void test_write_failures(void)
{
    fail_dir = scratch_fresh_dir();
    stats_close();
    chmod(scratch_root, 0755); /* let the unprivileged child in */
    chmod(fail_dir, 0555);
    CU_ASSERT_EQUAL(in_child(put_unwritable, 1, 0), 0);
    CU_ASSERT_EQUAL(store_files(fail_dir, NULL), 0);
    chmod(fail_dir, 0755);
    chmod(scratch_root, 0700);

    CU_ASSERT_EQUAL(in_child(put_disk_full, 0, 100000), 0);
    CU_ASSERT_EQUAL(count_tmp(fail_dir), 0);
    CU_ASSERT_EQUAL(store_files(fail_dir, NULL), 1); /* only the small blob */
    free(fail_dir);
}

/* ---- maintenance ---- */

static void test_clear_and_cleanup(void)
{
    char *dir = scratch_fresh_dir();
    store *s = store_open(dir, 0);
    digest d[20];
    for (int i = 0; i < 20; i++) {
        char *blob = make_blob(300 + i, 2000);
        CU_ASSERT_EQUAL(cas_put(s, blob, 2000, &d[i]), 0);
        CU_ASSERT_EQUAL(store_put(s, STORE_AC, &d[i], blob, 100), 0);
        CU_ASSERT_EQUAL(store_put(s, STORE_MANIFEST, &d[i], blob, 100), 0);
        free(blob);
    }
    CU_ASSERT_EQUAL(store_size(s), 60 * 4096);

    /* Cleanup without a limit: counters that drifted are recomputed, stray
     * temporaries older than an hour go, a live one stays. */
    stats_set((enum stat_id)(ST_SHARD_BYTES0 + 3), 999999);
    stats_set((enum stat_id)(ST_SHARD_BYTES0 + 7), -5);
    char path[512], stale[600], live[600], top[600];
    entry_file(dir, "cas", &d[0], path, sizeof path);
    snprintf(stale, sizeof stale, "%s.tmp.1.0", path);
    snprintf(live, sizeof live, "%s.tmp.2.0", path);
    snprintf(top, sizeof top, "%s/cas/x.tmp.3.0", dir);
    CU_ASSERT_EQUAL(atomic_write_file(stale, "s", 1, 0644), 0);
    CU_ASSERT_EQUAL(atomic_write_file(live, "l", 1, 0644), 0);
    CU_ASSERT_EQUAL(atomic_write_file(top, "t", 1, 0644), 0);
    set_mtime(stale, time(NULL) - 7200);
    set_mtime(top, time(NULL) - 7200);
    int64_t cleanups = stats_get(ST_CLEANUPS);
    CU_ASSERT_EQUAL(store_cleanup(s, NULL), 0);
    CU_ASSERT_EQUAL(store_size(s), 60 * 4096);
    CU_ASSERT_FALSE(exists(stale));
    CU_ASSERT_FALSE(exists(top));
    CU_ASSERT_TRUE(exists(live));
    CU_ASSERT_EQUAL(stats_get(ST_EVICTED_FILES), 0);
    CU_ASSERT(stats_get(ST_CLEANUPS) > cleanups);
    unlink(live);
    store_close(s);

    /* Cleanup with a limit: each shard to its share. */
    s = store_open(dir, 16 * 2 * 4096);
    CU_ASSERT_EQUAL(store_cleanup(s, NULL), 0);
    CU_ASSERT(store_size(s) <= 16 * 2 * 4096);
    CU_ASSERT(stats_get(ST_EVICTED_FILES) > 0);
    CU_ASSERT_EQUAL(store_size(s), (uint64_t)store_files(dir, NULL) * 4096);

    /* Clear removes everything and zeroes the accounting. */
    stats_add(ST_MISS, 3);
    CU_ASSERT_EQUAL(store_clear(s, NULL), 0);
    CU_ASSERT_EQUAL(store_size(s), 0);
    char *buf;
    size_t n;
    for (int i = 0; i < 20; i++) {
        CU_ASSERT_EQUAL(cas_has(s, &d[i]), 0);
        CU_ASSERT_EQUAL(store_get(s, STORE_AC, &d[i], &buf, &n), 1);
        CU_ASSERT_EQUAL(store_get(s, STORE_MANIFEST, &d[i], &buf, &n), 1);
    }
    CU_ASSERT_EQUAL(store_files(dir, NULL), 0);
    CU_ASSERT_EQUAL(stats_get(ST_MISS), 3); /* counters are not the store */
    /* And the store works after a clear. */
    CU_ASSERT_EQUAL(cas_put(s, "again", 5, &d[0]), 0);
    CU_ASSERT_EQUAL(cas_has(s, &d[0]), 1);
    store_close(s);
    free(dir);
}

static const unit_test tests[] = {
    {"cas round trip", test_cas_roundtrip},
    {"keyed round trip", test_keyed_roundtrip},
    {"corruption detected", test_corruption_detected},
    {"materialize", test_materialize},
    {"size limit kept", test_limit_kept},
    {"least recently used evicted first", test_lru_order},
    {"32 concurrent processes", test_concurrent},
    {"write failures", test_write_failures},
    {"clear and cleanup", test_clear_and_cleanup},
    {NULL, NULL},
};

int main(void)
{
    return unit_run("store", suite_init, scratch_clean, tests);
}
