/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for cache/util/prefault.c and reapi_result_unpack (cache/reapi/reapi.c),
 * which uses it: prefault() makes resident exactly the whole pages inside
 * the buffer it is given, nothing below PREFAULT_MIN, keeps errno; and an
 * ActionResult unpacked through the prefaulting allocator comes out equal
 * to what was packed, large inlined contents included; and after
 * keep_freed_memory() a large block freed and allocated again is still
 * resident (glibc would have unmapped it).
 *
 * Residency is read with mincore() on memory mapped here, not malloc'd (a
 * malloc'd block may reuse pages already touched).  On a kernel without
 * MADV_POPULATE_WRITE (before 5.14) prefault() does nothing; the residency
 * checks then only check that, and say so. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cache/util/prefault.h"
#include "cache/reapi/reapi.h"
#include "tests/unit/unit.h"

static size_t page;
static int supported; /* does this kernel populate on request? */

static int init(void)
{
    page = (size_t)sysconf(_SC_PAGESIZE);
    void *p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return -1;
#ifdef MADV_POPULATE_WRITE
    supported = madvise(p, page, MADV_POPULATE_WRITE) == 0;
#endif
    munmap(p, page);
    if (!supported)
        printf("\n  (no MADV_POPULATE_WRITE here: prefault() is expected to do nothing)\n");
    return 0;
}

/* Pages [first, first + n) of the mapping at p that are resident. */
static size_t resident(void *p, size_t first, size_t n)
{
    unsigned char vec[1024];
    size_t total = first + n;
    CU_ASSERT_FATAL(total <= sizeof vec);
    CU_ASSERT_FATAL(mincore(p, total * page, vec) == 0);
    size_t r = 0;
    for (size_t i = first; i < total; i++)
        r += vec[i] & 1;
    return r;
}

static void *fresh(size_t pages)
{
    void *p = mmap(NULL, pages * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CU_ASSERT_FATAL(p != MAP_FAILED);
    return p;
}

static void test_whole_pages_inside(void)
{
    size_t pages = 64; /* 256 KB with 4 KB pages: above PREFAULT_MIN */
    char *p = fresh(pages);
    CU_ASSERT_EQUAL(resident(p, 0, pages), 0);
    /* From 100 bytes into the second page to 100 bytes into the last but
     * one: the partial pages at both ends are left alone. */
    errno = 4242;
    prefault(p + page + 100, (pages - 3) * page);
    CU_ASSERT_EQUAL(errno, 4242);
    CU_ASSERT_EQUAL(resident(p, 0, 2), 0);
    CU_ASSERT_EQUAL(resident(p, 2, pages - 4), supported ? pages - 4 : 0);
    CU_ASSERT_EQUAL(resident(p, pages - 2, 2), 0);
    /* The memory is the same memory: writable, zero, as it was. */
    for (size_t i = 0; i < pages * page; i += 997)
        CU_ASSERT_EQUAL(p[i], 0);
    munmap(p, pages * page);
}

static void test_small_left_alone(void)
{
    size_t pages = PREFAULT_MIN / page;
    char *p = fresh(pages + 1);
    prefault(p, PREFAULT_MIN - 1);
    CU_ASSERT_EQUAL(resident(p, 0, pages + 1), 0);
    prefault(NULL, PREFAULT_MIN * 4); /* a failed malloc passed on: nothing */
    munmap(p, (pages + 1) * page);
}

static void test_malloc(void)
{
    char *z = prefault_malloc(0); /* like malloc(0), but never NULL for 0 */
    CU_ASSERT_PTR_NOT_NULL(z);
    free(z);
    size_t n = 3 * PREFAULT_MIN + 5;
    char *p = prefault_malloc(n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    memset(p, 0x5a, n);
    CU_ASSERT_EQUAL(p[0], 0x5a);
    CU_ASSERT_EQUAL(p[n - 1], 0x5a);
    free(p);
}

static void test_result_round_trip(void)
{
    /* Two outputs, one inlined and large (as an object file comes with a
     * remote hit), one with no contents; stdout inlined; exit code 0. */
    size_t big = 700 * 1024;
    unsigned char *obj = malloc(big);
    CU_ASSERT_PTR_NOT_NULL_FATAL(obj);
    for (size_t i = 0; i < big; i++)
        obj[i] = (unsigned char)(i * 31 + (i >> 9));
    digest d1, d2;
    digest_buf(obj, big, &d1);
    digest_buf("", 0, &d2);
    reapi_digest r1, r2;
    reapi_digest_ref(&r1, &d1);
    reapi_digest_ref(&r2, &d2);
    reapi_output_file f1 = REAPI_OUTPUT_FILE_INIT, f2 = REAPI_OUTPUT_FILE_INIT;
    f1.path = "obj/a.o";
    f1.digest = &r1;
    f1.contents.data = obj;
    f1.contents.len = big;
    f2.path = "obj/empty.d";
    f2.digest = &r2;
    reapi_output_file *files[] = {&f1, &f2};
    reapi_action_result ar = REAPI_ACTION_RESULT_INIT;
    ar.n_output_files = 2;
    ar.output_files = files;
    ar.stdout_raw.data = (uint8_t *)"warning: none\n";
    ar.stdout_raw.len = 14;
    size_t len;
    void *buf = reapi_pack(&ar.base, &len, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);

    reapi_action_result *got = reapi_result_unpack(buf, len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(got);
    CU_ASSERT_EQUAL(got->exit_code, 0);
    CU_ASSERT_EQUAL_FATAL(got->n_output_files, 2);
    CU_ASSERT_STRING_EQUAL(got->output_files[0]->path, "obj/a.o");
    CU_ASSERT_EQUAL_FATAL(got->output_files[0]->contents.len, big);
    CU_ASSERT(memcmp(got->output_files[0]->contents.data, obj, big) == 0);
    digest back;
    CU_ASSERT_EQUAL(reapi_digest_get(got->output_files[0]->digest, &back), 0);
    CU_ASSERT(digest_equal(&back, &d1));
    CU_ASSERT_STRING_EQUAL(got->output_files[1]->path, "obj/empty.d");
    CU_ASSERT_EQUAL(got->output_files[1]->contents.len, 0);
    CU_ASSERT_EQUAL(got->stdout_raw.len, 14);
    CU_ASSERT(memcmp(got->stdout_raw.data, "warning: none\n", 14) == 0);
    protobuf_c_message_free_unpacked(&got->base, NULL);

    /* Cut short anywhere inside the large field: refused, not read past. */
    CU_ASSERT_PTR_NULL(reapi_result_unpack(buf, len - 1));
    CU_ASSERT_PTR_NULL(reapi_result_unpack(buf, len / 2));
    free(buf);
    free(obj);
}

static void test_keep_freed_memory(void)
{
#ifdef __SANITIZE_ADDRESS__
    /* ASan's allocator, not glibc's: mallopt() does not apply to it. */
    return;
#endif
    keep_freed_memory();
    /* Larger than any block this file allocated before, so glibc's own
     * adaptive threshold cannot be what keeps it. */
    size_t n = 8u << 20;
    char *p = malloc(n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    /* Written through a volatile pointer: a memset() just before free()
     * is a dead store the compiler may drop. */
    for (size_t i = 0; i < n; i += page)
        ((volatile char *)p)[i] = 1;
    free(p);
    char *q = malloc(n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    /* Its whole pages, as mincore() sees them: every one still resident. */
    char *a = (char *)(((uintptr_t)q + page - 1) & ~(uintptr_t)(page - 1));
    size_t pages = (size_t)(q + n - a) / page;
    unsigned char *vec = malloc(pages);
    CU_ASSERT_PTR_NOT_NULL_FATAL(vec);
    CU_ASSERT_FATAL(mincore(a, pages * page, vec) == 0);
    size_t in = 0;
    for (size_t i = 0; i < pages; i++)
        in += vec[i] & 1;
    CU_ASSERT_EQUAL(in, pages);
    free(vec);
    free(q);
}

static const unit_test tests[] = {
    {"prefault: the whole pages inside, errno kept", test_whole_pages_inside},
    {"prefault: below PREFAULT_MIN, and NULL, left alone", test_small_left_alone},
    {"prefault_malloc", test_malloc},
    {"reapi_result_unpack round-trips a large inlined output", test_result_round_trip},
    {"keep_freed_memory: a large block freed stays resident", test_keep_freed_memory},
    {NULL, NULL},
};

int main(void)
{
    return unit_run("prefault", init, NULL, tests);
}
