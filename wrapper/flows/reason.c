/* SPDX-License-Identifier: Apache-2.0 */
/* reason.c — the names of the reasons (reason.h) and their counters. */
#include "wrapper/flows/reason.h"

#include "cache/local/stats.h"

static const char *const miss_names[MISS_REASON_COUNT] = {
    [MISS_NEW] = "new",
    [MISS_INPUT_CHANGED] = "input_changed",
    [MISS_ARGS_CHANGED] = "args_changed",
    [MISS_ENV_CHANGED] = "env_changed",
    [MISS_TOOLCHAIN_CHANGED] = "toolchain_changed",
    [MISS_OTHER] = "other",
};

static const char *const unc_names[UNC_REASON_COUNT] = {
    [UNC_OTHER] = "other",
};

_Static_assert(MISS_REASON_COUNT <= ST_UNCACHEABLE_REASON0 - ST_MISS_REASON0,
               "miss reasons fit their stats slots");
_Static_assert(UNC_REASON_COUNT <= ST_SLOT_COUNT - ST_UNCACHEABLE_REASON0,
               "uncacheable reasons fit their stats slots");

const char *miss_reason_name(enum miss_reason r)
{
    return (int)r >= 0 && r < MISS_REASON_COUNT ? miss_names[r] : "unknown";
}

const char *uncacheable_reason_name(enum uncacheable_reason r)
{
    return (int)r >= 0 && r < UNC_REASON_COUNT ? unc_names[r] : "unknown";
}

void reason_count_miss(enum miss_reason r)
{
    if ((int)r >= 0 && r < MISS_REASON_COUNT)
        stats_add((enum stat_id)(ST_MISS_REASON0 + r), 1);
}

void reason_count_uncacheable(enum uncacheable_reason r)
{
    if ((int)r >= 0 && r < UNC_REASON_COUNT)
        stats_add((enum stat_id)(ST_UNCACHEABLE_REASON0 + r), 1);
}
