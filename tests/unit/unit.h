/* SPDX-License-Identifier: Apache-2.0 */
/* unit.h — the main() of every CUnit test file here: one suite, its tests
 * from a table, run verbosely, and an exit status that is non-zero on any
 * failed assertion or CUnit error.  Each file then holds only its tests. */
#ifndef RICC_TEST_UNIT_H
#define RICC_TEST_UNIT_H

#include <CUnit/Basic.h>

typedef struct unit_test {
    const char *name;
    CU_TestFunc fn;
} unit_test;

/* Run suite `name` (init and clean may be NULL) over tests, which ends with
 * {NULL, NULL}.  0 when every test passed, else 1. */
static inline int unit_run(const char *name, CU_InitializeFunc init, CU_CleanupFunc clean,
                           const unit_test *tests)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_pSuite s = CU_add_suite(name, init, clean);
    int ok = s != NULL;
    for (const unit_test *t = tests; ok && t->name; t++)
        ok = CU_add_test(s, t->name, t->fn) != NULL;
    if (!ok) {
        CU_cleanup_registry();
        return 1;
    }
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_ErrorCode err = CU_basic_run_tests();
    int bad = CU_get_number_of_failures() > 0 || err != CUE_SUCCESS ||
              CU_get_error() != CUE_SUCCESS;
    CU_cleanup_registry();
    return bad;
}

#endif
