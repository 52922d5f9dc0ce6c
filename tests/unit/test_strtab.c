/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for cache/util/strtab.c: each string once, in first-seen order,
 * found by a length-bounded key (a name inside a longer buffer), through
 * many growths of the slot array; values kept; taking the strings out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/util/strtab.h"
#include "tests/unit/unit.h"

static void test_once_in_order(void)
{
    strtab t = {0};
    int added;
    strtab_entry *e = strtab_get(&t, "b.h", 3, &added);
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    CU_ASSERT_EQUAL(added, 1);
    CU_ASSERT_EQUAL(e->val, 0);
    e->val = 7;
    CU_ASSERT_PTR_NOT_NULL(strtab_get(&t, "a.h", 3, &added));
    CU_ASSERT_EQUAL(added, 1);
    e = strtab_get(&t, "b.h", 3, &added);
    CU_ASSERT_EQUAL(added, 0);
    CU_ASSERT_EQUAL(e->val, 7);
    CU_ASSERT_EQUAL(t.n, 2);
    CU_ASSERT_STRING_EQUAL(t.e[0].s, "b.h");
    CU_ASSERT_STRING_EQUAL(t.e[1].s, "a.h");
    strtab_free(&t);
    CU_ASSERT_EQUAL(t.n, 0);
}

static void test_bounded_keys(void)
{
    strtab t = {0};
    const char *buf = "dir/file.h trailing";
    /* The key is the first n bytes, not the whole buffer, and a prefix of a
     * stored string is another string. */
    CU_ASSERT_PTR_NOT_NULL(strtab_get(&t, buf, 10, NULL));
    CU_ASSERT_STRING_EQUAL(t.e[0].s, "dir/file.h");
    CU_ASSERT_PTR_NOT_NULL(strtab_find(&t, "dir/file.h", 10));
    CU_ASSERT_PTR_NULL(strtab_find(&t, "dir/file", 8));
    CU_ASSERT_PTR_NULL(strtab_find(&t, "dir/", 4));
    int added;
    strtab_get(&t, "dir/", 4, &added);
    CU_ASSERT_EQUAL(added, 1);
    strtab_get(&t, "", 0, &added);
    CU_ASSERT_EQUAL(added, 1);
    strtab_get(&t, "", 0, &added);
    CU_ASSERT_EQUAL(added, 0);
    CU_ASSERT_EQUAL(t.n, 3);
    strtab_free(&t);
    CU_ASSERT_PTR_NULL(strtab_find(&t, "x", 1)); /* an empty table */
}

static void test_growth_and_take(void)
{
    strtab t = {0};
    char name[32];
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < 5000; i++) {
            int added;
            snprintf(name, sizeof name, "/usr/include/h%d.h", i);
            strtab_entry *e = strtab_get(&t, name, strlen(name), &added);
            CU_ASSERT_PTR_NOT_NULL_FATAL(e);
            CU_ASSERT_EQUAL(added, round == 0);
            if (round == 0)
                e->val = (unsigned)i;
            else
                CU_ASSERT_EQUAL(e->val, (unsigned)i);
        }
    CU_ASSERT_EQUAL(t.n, 5000);
    char **v = strtab_take(&t);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    CU_ASSERT_EQUAL(t.n, 0);
    int i = 0, in_order = 1;
    for (; v[i]; i++) {
        snprintf(name, sizeof name, "/usr/include/h%d.h", i);
        in_order &= !strcmp(v[i], name);
        free(v[i]);
    }
    free(v);
    CU_ASSERT_EQUAL(i, 5000);
    CU_ASSERT(in_order);
}

static const unit_test tests[] = {
    {"each string once, in order", test_once_in_order},
    {"length-bounded keys", test_bounded_keys},
    {"growth and take", test_growth_and_take},
    {NULL, NULL},
};

int main(void)
{
    return unit_run("strtab", NULL, NULL, tests);
}
