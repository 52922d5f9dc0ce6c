/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for pathlist: the compact absent-path lists of manifests. */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "wrapper/direct/pathlist.h"

typedef struct got {
    char *v[64];
    int n;
    int stop_at; /* return 7 from the callback at this path index, or -1 */
} got;

static int collect(const char *path, void *arg)
{
    got *g = arg;
    if (g->n == g->stop_at)
        return 7;
    if (g->n < 64)
        g->v[g->n++] = strdup(path);
    return 0;
}

static void got_free(got *g)
{
    for (int i = 0; i < g->n; i++)
        free(g->v[i]);
    g->n = 0;
}

/* Encode, check and decode v: the same paths come back, in order. */
static void round_trip(char *const *v, int n, int want_entries, size_t *out_len)
{
    size_t len = 0;
    int count = -1;
    char *bytes = pathlist_encode(v, n, &len, &count);
    CU_ASSERT_PTR_NOT_NULL_FATAL(bytes);
    CU_ASSERT_EQUAL(count, want_entries);
    size_t used = 99;
    CU_ASSERT_EQUAL(pathlist_check(bytes, len, count, &used), 0);
    CU_ASSERT_EQUAL(used, len);
    got g = {.stop_at = -1};
    CU_ASSERT_EQUAL(pathlist_each(bytes, count, collect, &g), 0);
    CU_ASSERT_EQUAL_FATAL(g.n, n);
    for (int i = 0; i < n; i++)
        CU_ASSERT_STRING_EQUAL(g.v[i], v[i]);
    got_free(&g);
    /* Every truncation is refused (a list that is all there is only ever
     * read with its own count). */
    for (size_t cut = 0; cut < len; cut++)
        CU_ASSERT_EQUAL(pathlist_check(bytes, cut, count, &used), -1);
    if (out_len)
        *out_len = len;
    free(bytes);
}

static void test_round_trips(void)
{
    char *proof[] = {
        "/usr/include/a.h",
        "/usr/include/a.h-x", /* sorts between a.h and a.h.gch: */
        "/usr/include/a.h.gch", "/usr/include/a.h.pch", /* a.h again */
        "/usr/include/bits/b.h.gch", "/usr/include/bits/b.h.pch", /* a found header */
        "/usr/include/c.gch",  /* a name ending in .gch: folded as c's .gch */
        "/usr/include/c.gch.gch",
        "include/x.pch", /* .pch alone */
        "rel.h",
    };
    int n = (int)(sizeof proof / sizeof *proof);
    size_t len = 0;
    round_trip(proof, n, 8, &len);
    size_t plain = 0;
    for (int i = 0; i < n; i++)
        plain += strlen(proof[i]);
    CU_ASSERT(len < plain / 2);

    round_trip(NULL, 0, 0, NULL);
    char *one[] = {"x"};
    round_trip(one, 1, 1, NULL);
    /* Unsorted input still comes back whole (only the order may change
     * within one folded name; here there is none). */
    char *unsorted[] = {"/b/z.h", "/a/y.h", "/b/z.hh"};
    round_trip(unsorted, 3, 3, NULL);
}

static void test_stops_early(void)
{
    char *v[] = {"/i/a.h", "/i/a.h.gch", "/i/a.h.pch", "/i/b.h"};
    size_t len;
    int count;
    char *bytes = pathlist_encode(v, 4, &len, &count);
    CU_ASSERT_PTR_NOT_NULL_FATAL(bytes);
    got g = {.stop_at = 2};
    CU_ASSERT_EQUAL(pathlist_each(bytes, count, collect, &g), 7);
    CU_ASSERT_EQUAL(g.n, 2);
    got_free(&g);
    free(bytes);
}

static void test_malformed(void)
{
    size_t used;
    /* flags 0 and 8 are no forms at all */
    CU_ASSERT_EQUAL(pathlist_check("\0\0\1x", 4, 1, &used), -1);
    CU_ASSERT_EQUAL(pathlist_check("\x08\0\1x", 4, 1, &used), -1);
    CU_ASSERT_EQUAL(pathlist_check("\x01\0\1x", 4, 1, &used), 0);
    /* sharing more than the previous name has */
    CU_ASSERT_EQUAL(pathlist_check("\x01\0\1x\x01\2\1y", 8, 2, &used), -1);
    CU_ASSERT_EQUAL(pathlist_check("\x01\0\1x\x01\1\1y", 8, 2, &used), 0);
    /* an empty name, a NUL inside one, a tail past the end */
    CU_ASSERT_EQUAL(pathlist_check("\x01\0\0", 3, 1, &used), -1);
    CU_ASSERT_EQUAL(pathlist_check("\x01\0\2x\0", 5, 1, &used), -1);
    CU_ASSERT_EQUAL(pathlist_check("\x01\0\5xy", 5, 1, &used), -1);
    /* a length that would overflow the path buffer */
    CU_ASSERT_EQUAL(pathlist_check("\x01\0\xff\x7f", 4, 1, &used), -1);
    /* more entries than there are bytes */
    CU_ASSERT_EQUAL(pathlist_check("\x01\0\1x", 4, 2, &used), -1);

    char *longest = malloc(PATHLIST_MAX);
    CU_ASSERT_PTR_NOT_NULL_FATAL(longest);
    memset(longest, 'a', PATHLIST_MAX - 1);
    longest[PATHLIST_MAX - 1] = '\0';
    size_t len;
    int count;
    CU_ASSERT_PTR_NULL(pathlist_encode(&longest, 1, &len, &count));
    longest[PATHLIST_MAX - 6] = '\0'; /* room for ".gch" and the NUL */
    char *bytes = pathlist_encode(&longest, 1, &len, &count);
    CU_ASSERT_PTR_NOT_NULL(bytes);
    CU_ASSERT_EQUAL(pathlist_check(bytes, len, count, &used), 0);
    free(bytes);
    free(longest);
}

static const unit_test tests[] = {
    {"round trips", test_round_trips},
    {"the callback stops the walk", test_stops_early},
    {"malformed lists refused", test_malformed},
    {NULL, NULL},
};

int main(void)
{
    return unit_run("pathlist", NULL, NULL, tests);
}
