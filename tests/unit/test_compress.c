/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for compressed blobs in the local store (cache/local/compress.c
 * through store.c): round trips through cas_put, cas_put_file, cas_get and
 * cas_materialize with compression on; raw blobs read with it on and framed
 * ones with it off; damage (a flipped byte, truncation, a bad header) read
 * as a miss, removed and counted; what is kept raw (small blobs,
 * incompressible data); a blob that starts with the magic; the raw-size
 * accounting on write, removal, eviction and recount; keyed entries (a
 * manifest compressed, an ActionResult not).  (Kept apart from
 * test_store.c, which is long enough.) */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "cache/local/compress.h"
#include "cache/local/stats.h"
#include "cache/local/store.h"
#include "cache/util/fsutil.h"
#include "tests/unit/scratch.h"
#include "tests/unit/unit.h"


static int suite_init(void)
{
    return scratch_init("compress");
}



static store *open_store(const char *dir, uint64_t max_size, int on)
{
    store *s = store_open(dir, max_size);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    store_set_compression(s, on, 1);
    return s;
}

static void blob_file(const char *dir, const digest *d, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s/cas/%.2s/%s", dir, d->hash, d->hash);
    CU_ASSERT_FATAL(n > 0 && (size_t)n < cap);
}

static int64_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (int64_t)st.st_size : -1;
}

/* Does the file at path begin with a frame header? */
static int framed(const char *path)
{
    char *buf;
    size_t n;
    uint64_t raw;
    if (fs_read_file(path, &buf, &n) != 0)
        return -1;
    int r = cz_header(buf, n, &raw) == 1;
    free(buf);
    return r;
}

/* Text that compresses well (an object file's symbol names, say), `len`
 * bytes, different for each seed. */
static char *text_blob(int seed, size_t len)
{
    char *b = malloc(len + 1);
    size_t i = 0;
    for (unsigned k = 0; i < len; k++) {
        char line[64];
        int n = snprintf(line, sizeof line, "symbol_%d_%u = %u;\n", seed, k % 997, k * 7u);
        for (int j = 0; j < n && i < len; j++)
            b[i++] = line[j];
    }
    return b;
}

/* Bytes that do not compress. */
static char *noise_blob(int seed, size_t len)
{
    char *b = malloc(len ? len : 1);
    uint64_t x = 0x9e3779b97f4a7c15ull * (uint64_t)(seed + 1);
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        b[i] = (char)(x >> 24);
    }
    return b;
}

/* cas_get gives exactly want[0..len). */
static void check_get(store *s, const digest *d, const char *want, size_t len)
{
    char *buf = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL_FATAL(cas_get(s, d, &buf, &n), 0);
    CU_ASSERT(n == len && memcmp(buf, want, len) == 0);
    CU_ASSERT_EQUAL(buf[n], '\0');
    free(buf);
}

/* cas_materialize places exactly want[0..len) at dir/name. */
static void check_place(store *s, const char *dir, const digest *d, const char *want, size_t len)
{
    char *dst = path_join(dir, "out.o");
    CU_ASSERT_EQUAL_FATAL(cas_materialize(s, d, dst, 0), 0);
    char *buf = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL_FATAL(fs_read_file(dst, &buf, &n), 0);
    CU_ASSERT(n == len && memcmp(buf, want, len) == 0);
    free(buf);
    unlink(dst);
    free(dst);
}

static void test_roundtrip(void)
{
    char *dir = scratch_fresh_dir();
    store *s = open_store(dir, 0, 1);
    size_t len = 300000; /* more than one streaming chunk */
    char *blob = text_blob(1, len);
    digest d;
    char path[512];
    CU_ASSERT_EQUAL_FATAL(cas_put(s, blob, len, &d), 0);
    blob_file(dir, &d, path, sizeof path);
    CU_ASSERT_EQUAL(framed(path), 1);
    CU_ASSERT(file_size(path) < (int64_t)len / 4);
    check_get(s, &d, blob, len);
    check_place(s, dir, &d, blob, len);

    /* cas_put_file compresses while copying (streamed), the same form. */
    char *blob2 = text_blob(2, 1000000);
    char *src = path_join(dir, "src.o");
    CU_ASSERT_EQUAL_FATAL(atomic_write_file(src, blob2, 1000000, 0644), 0);
    digest d2;
    CU_ASSERT_EQUAL_FATAL(cas_put_file(s, src, &d2), 0);
    blob_file(dir, &d2, path, sizeof path);
    CU_ASSERT_EQUAL(framed(path), 1);
    CU_ASSERT(file_size(path) < 1000000 / 4);
    check_get(s, &d2, blob2, 1000000);
    check_place(s, dir, &d2, blob2, 1000000);
    CU_ASSERT_EQUAL(stats_get(ST_CORRUPT_ENTRY), 0);

    /* The same bytes again: nothing rewritten. */
    int64_t before = store_size(s);
    CU_ASSERT_EQUAL(cas_put_file(s, src, NULL), 0);
    CU_ASSERT_EQUAL(cas_put(s, blob, len, NULL), 0);
    CU_ASSERT_EQUAL((int64_t)store_size(s), before);
    free(src);
    free(blob2);
    free(blob);
    store_close(s);
    free(dir);
}

/* Raw blobs (an older cache, or compression off) are read with it on, and
 * framed ones with it off: switching never loses an entry. */
static void test_switching(void)
{
    char *dir = scratch_fresh_dir();
    store *off = open_store(dir, 0, 0);
    size_t len = 50000;
    char *a = text_blob(3, len), *b = text_blob(4, len);
    digest da, db;
    char path[512];
    CU_ASSERT_EQUAL_FATAL(cas_put(off, a, len, &da), 0);
    blob_file(dir, &da, path, sizeof path);
    CU_ASSERT_EQUAL(framed(path), 0);
    CU_ASSERT_EQUAL(file_size(path), (int64_t)len);

    store *on = open_store(dir, 0, 1);
    check_get(on, &da, a, len);
    check_place(on, dir, &da, a, len);
    CU_ASSERT_EQUAL(cas_put(on, a, len, NULL), 0); /* present: stays raw */
    CU_ASSERT_EQUAL(framed(path), 0);
    CU_ASSERT_EQUAL_FATAL(cas_put(on, b, len, &db), 0);
    blob_file(dir, &db, path, sizeof path);
    CU_ASSERT_EQUAL(framed(path), 1);
    check_get(off, &db, b, len);
    check_place(off, dir, &db, b, len);
    CU_ASSERT_EQUAL(stats_get(ST_CORRUPT_ENTRY), 0);
    store_close(on);
    store_close(off);
    free(a);
    free(b);
    free(dir);
}

/* Store a compressible blob framed, damage its file with `damage`, and see
 * both readers refuse it: a miss, the file gone, counted once each.  The
 * shard counters are right at once when the damage left the file's size and
 * header as they were (`intact`), else after the next recount. */
static void damaged(void (*damage)(const char *path, int64_t size), const char *what, int intact)
{
    char *dir = scratch_fresh_dir();
    store *s = open_store(dir, 0, 1);
    size_t len = 80000;
    char *blob = text_blob(5, len);
    char *dst = path_join(dir, "out.o");
    char path[512];
    for (int reader = 0; reader < 2; reader++) {
        digest d;
        CU_ASSERT_EQUAL_FATAL(cas_put(s, blob, len, &d), 0);
        blob_file(dir, &d, path, sizeof path);
        CU_ASSERT_EQUAL_FATAL(framed(path), 1);
        int64_t corrupt = stats_get(ST_CORRUPT_ENTRY);
        damage(path, file_size(path));
        char *buf = NULL;
        size_t n;
        int r = reader ? cas_materialize(s, &d, dst, 0) : cas_get(s, &d, &buf, &n);
        if (r != 1)
            fprintf(stderr, "\n%s (%s): %d\n", what, reader ? "materialize" : "get", r);
        CU_ASSERT_EQUAL(r, 1);
        CU_ASSERT_EQUAL(access(path, F_OK), -1);
        CU_ASSERT_EQUAL(stats_get(ST_CORRUPT_ENTRY), corrupt + 1);
        CU_ASSERT_EQUAL(access(dst, F_OK), -1);
        if (!intact)
            CU_ASSERT_EQUAL(store_cleanup(s, NULL), 0);
        CU_ASSERT_EQUAL(store_size(s), 0);
        CU_ASSERT_EQUAL(store_raw_size(s), 0);
        free(buf);
    }
    free(dst);
    free(blob);
    store_close(s);
    free(dir);
}

static void flip_at(const char *path, int64_t off)
{
    int fd = open(path, O_RDWR);
    unsigned char c;
    CU_ASSERT_FATAL(fd >= 0 && pread(fd, &c, 1, off) == 1);
    c ^= 0x40;
    CU_ASSERT(pwrite(fd, &c, 1, off) == 1);
    close(fd);
}

static void flip_payload(const char *path, int64_t size)
{
    flip_at(path, CZ_HEADER + (size - CZ_HEADER) / 2);
}
static void flip_last(const char *path, int64_t size)
{
    flip_at(path, size - 1);
}
static void flip_raw_size(const char *path, int64_t size)
{
    flip_at(path, 8); /* the uncompressed size's lowest byte */
}
static void flip_version(const char *path, int64_t size)
{
    flip_at(path, 6);
}
static void truncate_half(const char *path, int64_t size)
{
    CU_ASSERT(truncate(path, size / 2) == 0);
}
static void truncate_header(const char *path, int64_t size)
{
    CU_ASSERT(truncate(path, CZ_HEADER - 3) == 0);
}
static void truncate_last(const char *path, int64_t size)
{
    CU_ASSERT(truncate(path, size - 1) == 0);
}

/* A well-formed frame of the right size whose bytes are another blob's
 * (zstd finds nothing wrong with it): only the digest tells. */
static void test_wrong_content(void)
{
    char *dir = scratch_fresh_dir();
    store *s = open_store(dir, 0, 1);
    size_t len = 60000;
    char *blob = text_blob(10, len), *other = text_blob(11, len);
    digest d;
    char path[512];
    char *dst = path_join(dir, "out.o");
    for (int reader = 0; reader < 2; reader++) {
        CU_ASSERT_EQUAL_FATAL(cas_put(s, blob, len, &d), 0);
        blob_file(dir, &d, path, sizeof path);
        unlink(path);
        size_t cap = CZ_HEADER + ZSTD_compressBound(len);
        unsigned char *f = malloc(cap);
        size_t z = ZSTD_compress(f + CZ_HEADER, cap - CZ_HEADER, other, len, 1);
        CU_ASSERT_FATAL(!ZSTD_isError(z));
        memcpy(f, "\x89RICCZ\x01\x01", 8);
        for (int i = 0; i < 8; i++)
            f[8 + i] = (unsigned char)((uint64_t)len >> (8 * i));
        CU_ASSERT_EQUAL_FATAL(atomic_write_file(path, f, CZ_HEADER + z, 0644), 0);
        free(f);
        CU_ASSERT_EQUAL_FATAL(framed(path), 1);
        int64_t corrupt = stats_get(ST_CORRUPT_ENTRY);
        char *buf = NULL;
        size_t n;
        CU_ASSERT_EQUAL(reader ? cas_materialize(s, &d, dst, 0) : cas_get(s, &d, &buf, &n), 1);
        CU_ASSERT_EQUAL(access(path, F_OK), -1);
        CU_ASSERT_EQUAL(access(dst, F_OK), -1);
        CU_ASSERT_EQUAL(stats_get(ST_CORRUPT_ENTRY), corrupt + 1);
        free(buf);
    }
    free(dst);
    free(other);
    free(blob);
    store_close(s);
    free(dir);
}

static void test_corrupt(void)
{
    damaged(flip_payload, "a flipped byte in the frame", 1);
    damaged(flip_last, "the frame's last byte flipped", 1);
    damaged(flip_raw_size, "another uncompressed size", 0);
    damaged(flip_version, "an unknown version", 0);
}

static void test_truncated(void)
{
    damaged(truncate_half, "truncated to half", 0);
    damaged(truncate_header, "truncated inside the header", 0);
    damaged(truncate_last, "the last byte gone", 0);
}

/* What compression would not make smaller on disk is kept raw: data that
 * does not compress, and blobs of one 4 KiB block or less. */
static void test_kept_raw(void)
{
    char *dir = scratch_fresh_dir();
    store *s = open_store(dir, 0, 1);
    char path[512];
    size_t len = 200000;
    char *noise = noise_blob(6, len);
    digest d;
    CU_ASSERT_EQUAL_FATAL(cas_put(s, noise, len, &d), 0);
    blob_file(dir, &d, path, sizeof path);
    CU_ASSERT_EQUAL(framed(path), 0);
    CU_ASSERT_EQUAL(file_size(path), (int64_t)len);
    check_place(s, dir, &d, noise, len);

    /* The same through cas_put_file (the stream gives up early). */
    char *noise2 = noise_blob(7, len);
    char *src = path_join(dir, "noise.o");
    CU_ASSERT_EQUAL_FATAL(atomic_write_file(src, noise2, len, 0644), 0);
    CU_ASSERT_EQUAL_FATAL(cas_put_file(s, src, &d), 0);
    blob_file(dir, &d, path, sizeof path);
    CU_ASSERT_EQUAL(framed(path), 0);
    CU_ASSERT_EQUAL(file_size(path), (int64_t)len);
    check_get(s, &d, noise2, len);

    /* It compresses by more than 1/32 but still takes two blocks. */
    char *half = calloc(1, 8192);
    char *noise3 = noise_blob(9, 4200);
    memcpy(half, noise3, 4200);
    CU_ASSERT_EQUAL_FATAL(cas_put(s, half, 8192, &d), 0);
    blob_file(dir, &d, path, sizeof path);
    CU_ASSERT_EQUAL(framed(path), 0);
    CU_ASSERT_EQUAL(file_size(path), 8192);
    free(noise3);
    free(half);

    char *small = text_blob(8, 4000);
    CU_ASSERT_EQUAL_FATAL(cas_put(s, small, 4000, &d), 0);
    blob_file(dir, &d, path, sizeof path);
    CU_ASSERT_EQUAL(framed(path), 0);
    CU_ASSERT_EQUAL(store_size(s), store_raw_size(s)); /* nothing saved */
    CU_ASSERT_EQUAL(stats_get(ST_CORRUPT_ENTRY), 0);
    free(small);
    free(src);
    free(noise2);
    free(noise);
    store_close(s);
    free(dir);
}

/* A blob whose own bytes begin with the magic is framed even with
 * compression off (else it would read as a damaged framed file). */
static void test_magic_content(void)
{
    char *dir = scratch_fresh_dir();
    store *s = open_store(dir, 0, 0);
    char path[512];
    char blob[40] = "\x89RICCZ\x01\x01 looks like a header";
    digest d;
    CU_ASSERT_EQUAL_FATAL(cas_put(s, blob, sizeof blob, &d), 0);
    blob_file(dir, &d, path, sizeof path);
    CU_ASSERT_EQUAL(framed(path), 1);
    CU_ASSERT_NOT_EQUAL(file_size(path), (int64_t)sizeof blob); /* not the raw bytes */
    check_get(s, &d, blob, sizeof blob);
    check_place(s, dir, &d, blob, sizeof blob);

    char *src = path_join(dir, "magic.bin");
    blob[30] = 'X';
    CU_ASSERT_EQUAL_FATAL(atomic_write_file(src, blob, sizeof blob, 0644), 0);
    CU_ASSERT_EQUAL_FATAL(cas_put_file(s, src, &d), 0);
    blob_file(dir, &d, path, sizeof path);
    CU_ASSERT_EQUAL(framed(path), 1);
    CU_ASSERT_NOT_EQUAL(file_size(path), (int64_t)sizeof blob);
    check_place(s, dir, &d, blob, sizeof blob);
    CU_ASSERT_EQUAL(stats_get(ST_CORRUPT_ENTRY), 0);
    free(src);
    store_close(s);
    free(dir);
}

/* The shard counters: bytes on disk against the limit, uncompressed bytes
 * beside them, both right after writes, a corrupt removal, a recount and
 * an eviction. */
static void test_raw_accounting(void)
{
    char *dir = scratch_fresh_dir();
    store *s = open_store(dir, 0, 1);
    enum { N = 12 };
    size_t len = 40960; /* 10 blocks raw */
    digest d[N];
    int64_t disk = 0;
    char path[512];
    for (int i = 0; i < N; i++) {
        char *b = text_blob(100 + i, len);
        CU_ASSERT_EQUAL_FATAL(cas_put(s, b, len, &d[i]), 0);
        free(b);
        blob_file(dir, &d[i], path, sizeof path);
        CU_ASSERT_EQUAL(framed(path), 1);
        disk += (file_size(path) + 4095) / 4096 * 4096;
    }
    CU_ASSERT_EQUAL((int64_t)store_raw_size(s), N * 40960);
    CU_ASSERT_EQUAL((int64_t)store_size(s), disk);
    CU_ASSERT(store_size(s) * 4 < store_raw_size(s));

    /* A recount from the files (their headers) finds the same. */
    for (int shard = 0; shard < 16; shard++) {
        stats_set((enum stat_id)(ST_SHARD_BYTES0 + shard), 7);
        stats_set((enum stat_id)(ST_SHARD_RAW_BYTES0 + shard), 7);
    }
    CU_ASSERT_EQUAL(store_cleanup(s, NULL), 0);
    CU_ASSERT_EQUAL((int64_t)store_raw_size(s), N * 40960);
    CU_ASSERT_EQUAL((int64_t)store_size(s), disk);

    /* A corrupt one removed takes its raw size with it. */
    blob_file(dir, &d[0], path, sizeof path);
    int64_t one = (file_size(path) + 4095) / 4096 * 4096;
    flip_payload(path, file_size(path));
    char *buf = NULL;
    size_t n;
    CU_ASSERT_EQUAL(cas_get(s, &d[0], &buf, &n), 1);
    CU_ASSERT_EQUAL((int64_t)store_raw_size(s), (N - 1) * 40960);
    CU_ASSERT_EQUAL((int64_t)store_size(s), disk - one);
    store_close(s);

    /* Evicted to a limit: what is left, counted both ways. */
    s = open_store(dir, 16 * 4096, 1);
    CU_ASSERT_EQUAL(store_cleanup(s, NULL), 0);
    CU_ASSERT(store_size(s) <= 16 * 4096);
    CU_ASSERT(store_raw_size(s) < (N - 1) * 40960);
    int64_t left = 0;
    for (int i = 1; i < N; i++) {
        blob_file(dir, &d[i], path, sizeof path);
        if (access(path, F_OK) == 0)
            left += 40960;
    }
    CU_ASSERT_EQUAL((int64_t)store_raw_size(s), left);
    store_close(s);
    free(dir);
}

/* Keyed entries: a large, compressible manifest is stored compressed (its
 * "Z" frame), read back with compression on or off, refused when damaged;
 * a small ActionResult stays plain; the raw accounting follows replacement
 * and removal. */
static void test_keyed(void)
{
    char *dir = scratch_fresh_dir();
    store *on = open_store(dir, 0, 1), *off = open_store(dir, 0, 0);
    size_t len = 30000;
    char *man = text_blob(12, len), *man2 = text_blob(13, len + 5000);
    digest key, small;
    digest_str("manifest key", &key);
    digest_str("result key", &small);
    char path[512];
    snprintf(path, sizeof path, "%s/manifests/%.2s/%s", dir, key.hash, key.hash);
    CU_ASSERT_EQUAL_FATAL(store_put(on, STORE_MANIFEST, &key, man, len), 0);
    CU_ASSERT(file_size(path) < (int64_t)len / 3);
    char *buf = NULL;
    size_t n = 0;
    for (int i = 0; i < 2; i++) {
        CU_ASSERT_EQUAL_FATAL(store_get(i ? off : on, STORE_MANIFEST, &key, &buf, &n), 0);
        CU_ASSERT(n == len && memcmp(buf, man, len) == 0 && buf[n] == '\0');
        free(buf);
    }
    CU_ASSERT_EQUAL(store_put(on, STORE_AC, &small, "tiny result", 11), 0);
    CU_ASSERT_EQUAL(store_get(off, STORE_AC, &small, &buf, &n), 0);
    CU_ASSERT(n == 11 && memcmp(buf, "tiny result", 11) == 0);
    free(buf);
    CU_ASSERT_EQUAL((int64_t)store_raw_size(on), 4096 + (int64_t)(40 + len + 4095) / 4096 * 4096);

    /* Replaced by a larger one, raw size follows; a recount agrees. */
    CU_ASSERT_EQUAL_FATAL(store_put(on, STORE_MANIFEST, &key, man2, len + 5000), 0);
    int64_t raw = 4096 + (int64_t)(40 + len + 5000 + 4095) / 4096 * 4096;
    CU_ASSERT_EQUAL((int64_t)store_raw_size(on), raw);
    int64_t disk = (int64_t)store_size(on);
    CU_ASSERT(disk < raw);
    CU_ASSERT_EQUAL(store_cleanup(on, NULL), 0);
    CU_ASSERT_EQUAL((int64_t)store_raw_size(on), raw);
    CU_ASSERT_EQUAL((int64_t)store_size(on), disk);

    /* Damaged: a miss, removed, counted. */
    flip_at(path, file_size(path) / 2 + 20);
    int64_t corrupt = stats_get(ST_CORRUPT_ENTRY);
    CU_ASSERT_EQUAL(store_get(on, STORE_MANIFEST, &key, &buf, &n), 1);
    CU_ASSERT_EQUAL(access(path, F_OK), -1);
    CU_ASSERT_EQUAL(stats_get(ST_CORRUPT_ENTRY), corrupt + 1);
    CU_ASSERT_EQUAL((int64_t)store_raw_size(on), 4096);
    CU_ASSERT_EQUAL(store_remove(on, STORE_AC, &small), 0);
    CU_ASSERT_EQUAL(store_raw_size(on), 0);
    CU_ASSERT_EQUAL(store_size(on), 0);
    free(man);
    free(man2);
    store_close(on);
    store_close(off);
    free(dir);
}

static const unit_test tests[] = {
    {"compressed round trip", test_roundtrip},
    {"compression switched off and on", test_switching},
    {"corrupt compressed blob", test_corrupt},
    {"truncated compressed blob", test_truncated},
    {"frame of another blob's bytes", test_wrong_content},
    {"kept raw when it would not save", test_kept_raw},
    {"content that starts with the magic", test_magic_content},
    {"raw size accounting", test_raw_accounting},
    {"keyed entries", test_keyed},
    {NULL, NULL},
};

int main(void)
{
    return unit_run("compress", suite_init, scratch_clean, tests);
}
