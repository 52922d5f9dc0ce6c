/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for cache/reapi/digest.c: SHA-256 against published vectors, the
 * file, incremental and one-shot paths agreeing with each other, and the
 * strict "hash/size" text form (every malformed shape refused with a
 * message, since a digest from the environment decides what a build trusts). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache/reapi/digest.h"
#include "tests/unit/unit.h"

#define EMPTY_SHA "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define ABC_SHA "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/* FIPS 180-2 two-block vector. */
#define LONG_MSG "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
#define LONG_SHA "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"

static void test_known_vectors(void)
{
    digest d;
    digest_buf("", 0, &d);
    CU_ASSERT_STRING_EQUAL(d.hash, EMPTY_SHA);
    CU_ASSERT_EQUAL(d.size_bytes, 0);

    digest_str("abc", &d);
    CU_ASSERT_STRING_EQUAL(d.hash, ABC_SHA);
    CU_ASSERT_EQUAL(d.size_bytes, 3);

    digest_str(LONG_MSG, &d);
    CU_ASSERT_STRING_EQUAL(d.hash, LONG_SHA);
    CU_ASSERT_EQUAL(d.size_bytes, 56);
}

/* Fill buf with bytes that are not all printable and not periodic at any
 * small stride, so a wrong chunk boundary would change the hash. */
static void fill(unsigned char *buf, size_t len)
{
    uint32_t x = 12345;
    for (size_t i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (unsigned char)(x >> 16);
    }
}

static void test_file_equals_buf(void)
{
    char dir[] = "/tmp/ricc-test-digest-XXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    char path[sizeof dir + 16];
    snprintf(path, sizeof path, "%s/blob", dir);

    /* Larger than digest_fd's read buffer, and not a multiple of it. */
    size_t len = 200000 + 7;
    unsigned char *buf = malloc(len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
    fill(buf, len);
    FILE *f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(fwrite(buf, 1, len, f), len);
    CU_ASSERT_EQUAL(fclose(f), 0);

    digest a, b;
    digest_buf(buf, len, &a);
    CU_ASSERT_EQUAL(digest_file(path, &b), 0);
    CU_ASSERT_STRING_EQUAL(a.hash, b.hash);
    CU_ASSERT_EQUAL(b.size_bytes, (int64_t)len);
    CU_ASSERT(digest_equal(&a, &b));

    /* An empty file is the empty blob. */
    f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fclose(f);
    CU_ASSERT_EQUAL(digest_file(path, &b), 0);
    CU_ASSERT_STRING_EQUAL(b.hash, EMPTY_SHA);
    CU_ASSERT_EQUAL(b.size_bytes, 0);

    CU_ASSERT_EQUAL(unlink(path), 0);
    errno = 0;
    CU_ASSERT_EQUAL(digest_file(path, &b), -1);
    CU_ASSERT_EQUAL(errno, ENOENT);
    CU_ASSERT_EQUAL(rmdir(dir), 0);
    free(buf);
}

static void test_incremental(void)
{
    size_t len = 100003;
    unsigned char *buf = malloc(len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
    fill(buf, len);
    digest one, inc;
    digest_buf(buf, len, &one);

    /* Odd chunk sizes, including empty updates, straddle SHA-256 blocks. */
    static const size_t steps[] = {0, 1, 63, 64, 65, 1000, 0, 4096, 7};
    digest_ctx *c = digest_ctx_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    size_t off = 0;
    for (int i = 0; off < len; i = (i + 1) % (int)(sizeof steps / sizeof *steps)) {
        size_t n = steps[i] < len - off ? steps[i] : len - off;
        digest_ctx_update(c, buf + off, n);
        off += n;
    }
    digest_ctx_final(c, &inc);
    CU_ASSERT(digest_equal(&one, &inc));
    CU_ASSERT_EQUAL(inc.size_bytes, (int64_t)len);

    c = digest_ctx_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    digest_ctx_update(c, "a", 1);
    digest_ctx_update(c, "bc", 2);
    digest_ctx_final(c, &inc);
    CU_ASSERT_STRING_EQUAL(inc.hash, ABC_SHA);
    CU_ASSERT_EQUAL(inc.size_bytes, 3);
    free(buf);
}

static void test_parse_valid(void)
{
    digest d;
    const char *why = NULL;
    CU_ASSERT_EQUAL(digest_parse(ABC_SHA "/3", &d, &why), 0);
    CU_ASSERT_STRING_EQUAL(d.hash, ABC_SHA);
    CU_ASSERT_EQUAL(d.size_bytes, 3);

    CU_ASSERT_EQUAL(digest_parse(EMPTY_SHA "/0", &d, &why), 0);
    CU_ASSERT_EQUAL(d.size_bytes, 0);

    CU_ASSERT_EQUAL(digest_parse(EMPTY_SHA "/9223372036854775807", &d, &why), 0);
    CU_ASSERT_EQUAL(d.size_bytes, INT64_MAX);
}

static void expect_bad(const char *s)
{
    digest d;
    const char *why = NULL;
    CU_ASSERT_EQUAL(digest_parse(s, &d, &why), -1);
    CU_ASSERT_PTR_NOT_NULL(why);
    if (why)
        CU_ASSERT(strlen(why) > 0);
}

static void test_parse_malformed(void)
{
    expect_bad("");
    expect_bad("/");
    expect_bad(ABC_SHA);                   /* no slash */
    expect_bad(ABC_SHA "3");               /* no slash, just longer */
    /* uppercase hex */
    expect_bad("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD/3");
    expect_bad("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015aD/3");
    expect_bad("ba7816bf/3");              /* short hash */
    expect_bad(ABC_SHA "0/3");             /* long hash */
    expect_bad("ga7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad/3");
    expect_bad(ABC_SHA "/");               /* no size */
    expect_bad(ABC_SHA "/-3");             /* negative */
    expect_bad(ABC_SHA "/+3");             /* signed */
    expect_bad(ABC_SHA "/ 3");
    expect_bad(ABC_SHA "/three");
    expect_bad(ABC_SHA "/3x");             /* trailing garbage */
    expect_bad(ABC_SHA "/3/4");
    expect_bad(ABC_SHA "/9223372036854775808"); /* INT64_MAX + 1 */
    expect_bad(ABC_SHA "/99999999999999999999999");

    /* The uppercase case says so, so the user knows what to fix. */
    digest d;
    const char *why = NULL;
    CU_ASSERT_EQUAL(digest_parse("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD/3",
                                 &d, &why), -1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(why);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "lowercase"));
}

static void test_format_round_trip(void)
{
    char buf[DIGEST_STR_MAX];
    digest d, back;
    const char *why;
    digest_str("abc", &d);
    CU_ASSERT_STRING_EQUAL(digest_format(&d, buf), ABC_SHA "/3");
    CU_ASSERT_EQUAL(digest_parse(buf, &back, &why), 0);
    CU_ASSERT(digest_equal(&d, &back));

    /* The largest size fits DIGEST_STR_MAX exactly. */
    d.size_bytes = INT64_MAX;
    CU_ASSERT_PTR_EQUAL(digest_format(&d, buf), buf);
    CU_ASSERT_EQUAL(strlen(buf), (size_t)DIGEST_STR_MAX - 2);
    CU_ASSERT_EQUAL(digest_parse(buf, &back, &why), 0);
    CU_ASSERT(digest_equal(&d, &back));

    /* digest_equal looks at both the hash and the size. */
    back.size_bytes = 1;
    CU_ASSERT_FALSE(digest_equal(&d, &back));
    digest_str("abd", &back);
    back.size_bytes = d.size_bytes;
    CU_ASSERT_FALSE(digest_equal(&d, &back));
}

static void test_raw(void)
{
    digest d;
    unsigned char raw[32];
    digest_str("abc", &d);
    CU_ASSERT_EQUAL(digest_raw(&d, raw), 0);
    CU_ASSERT_EQUAL(raw[0], 0xba);
    CU_ASSERT_EQUAL(raw[1], 0x78);
    CU_ASSERT_EQUAL(raw[30], 0x15);
    CU_ASSERT_EQUAL(raw[31], 0xad);

    d.hash[10] = 'G';
    CU_ASSERT_EQUAL(digest_raw(&d, raw), -1);
    d.hash[10] = 'A';
    CU_ASSERT_EQUAL(digest_raw(&d, raw), -1);
}

static const unit_test tests[] = {
    {"known SHA-256 vectors", test_known_vectors},
    {"digest_file equals digest_buf", test_file_equals_buf},
    {"incremental equals one-shot", test_incremental},
    {"parse valid", test_parse_valid},
    {"parse malformed", test_parse_malformed},
    {"format round trip", test_format_round_trip},
    {"raw bytes", test_raw},
    {NULL, NULL},
};

int main(void)
{
    return unit_run("digest", NULL, NULL, tests);
}
