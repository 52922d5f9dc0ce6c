/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the clock rule in action.h: a result is kept only if no
 * input is stamped after t0, and the tool starts once action_clock_pass says
 * the clock has passed t0.  These check that rule against the real file
 * system's stamps, in both directions: a file written just before t0 is
 * stamped at or before it, one written after action_clock_pass returned is
 * stamped after it. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tests/unit/unit.h"
#include "wrapper/key/action.h"

static char path[64];

static int64_t write_and_stamp(const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);
    struct stat st;
    CU_ASSERT_FATAL(stat(path, &st) == 0);
    return action_stamp_ns(&st);
}

static int64_t coarse_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME_COARSE, &t);
    return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* Many rounds, since where in its tick a round starts is up to the machine:
 * each round a write just before t0 (settled), then one right after the
 * clock passed it (not). */
static void test_pass_separates_before_and_after(void)
{
    for (int round = 0; round < 200; round++) {
        int64_t before = write_and_stamp("before");
        int64_t t0 = action_clock_ns();
        CU_ASSERT(before <= t0);
        int64_t bound = action_clock_pass(t0);
        CU_ASSERT_EQUAL(bound, t0);
        CU_ASSERT(coarse_now() > t0);
        int64_t after = write_and_stamp("after");
        CU_ASSERT(after > bound);
        if (before > t0 || bound != t0 || after <= bound)
            break; /* one report is enough */
    }
}

/* action_clock_pass sleeps a tick at most when called at once. */
static void test_pass_is_short(void)
{
    struct timespec res;
    CU_ASSERT_FATAL(clock_getres(CLOCK_REALTIME_COARSE, &res) == 0);
    int64_t t0 = action_clock_ns();
    action_clock_pass(t0);
    int64_t waited = action_clock_ns() - t0;
    /* (Not a timing assertion: a loaded machine may wake late, so only a
     * gross bound, ten ticks, is checked.) */
    CU_ASSERT(waited < 10 * ((int64_t)res.tv_sec * 1000000000LL + res.tv_nsec) + 100000000LL);
}

static void test_stamp_is_later_of_mtime_and_ctime(void)
{
    struct stat st;
    memset(&st, 0, sizeof st);
    st.st_mtim.tv_sec = 10;
    st.st_ctim.tv_sec = 9;
    CU_ASSERT_EQUAL(action_stamp_ns(&st), 10000000000LL);
    st.st_ctim.tv_nsec = 999999999;
    st.st_ctim.tv_sec = 10;
    CU_ASSERT_EQUAL(action_stamp_ns(&st), 10999999999LL);
}

int main(void)
{
    snprintf(path, sizeof path, "/tmp/ricc-test-clock-%d", (int)getpid());
    static const unit_test tests[] = {
        {"a write after action_clock_pass is stamped after t0", test_pass_separates_before_and_after},
        {"action_clock_pass waits about a tick", test_pass_is_short},
        {"the stamp is the later of mtime and ctime", test_stamp_is_later_of_mtime_and_ctime},
        {NULL, NULL},
    };
    int rc = unit_run("clock", NULL, NULL, tests);
    unlink(path);
    return rc;
}
