/* SPDX-License-Identifier: Apache-2.0 */
/* scratch.h — a suite's scratch directory, for the tests of what lives under
 * RICC_DIR: made under /tmp by the suite's init, removed (the counters
 * closed first) by its clean, and a fresh RICC_DIR in it for each test with
 * the counters mapped there.  One suite per test program, so the state is
 * the file's own. */
#ifndef RICC_TEST_SCRATCH_H
#define RICC_TEST_SCRATCH_H

#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>

#include "cache/local/stats.h"
#include "cache/util/fsutil.h"

static char scratch_root[64];
static int scratch_cases;

/* /tmp/ricc-test-NAME-XXXXXX.  0 or -1, as a CUnit init returns. */
static inline int scratch_init(const char *name)
{
    snprintf(scratch_root, sizeof scratch_root, "/tmp/ricc-test-%.20s-XXXXXX", name);
    return mkdtemp(scratch_root) ? 0 : -1;
}

static inline int scratch_clean(void)
{
    stats_close();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch_root);
    return system(cmd) == 0 ? 0 : -1;
}

/* A new directory name in the scratch directory, with stats mapped there
 * (malloc'd). */
static inline char *scratch_fresh_dir(void)
{
    char name[32];
    snprintf(name, sizeof name, "case%d", scratch_cases++);
    char *dir = path_join(scratch_root, name);
    CU_ASSERT_FATAL(dir && stats_open(dir) == 0);
    return dir;
}

#endif
