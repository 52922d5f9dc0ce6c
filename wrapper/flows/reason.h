/* SPDX-License-Identifier: Apache-2.0 */
/* reason.h — why a call missed, or why it could not be cached.
 *
 * Each wrapped call that misses or is uncacheable names one reason; it is
 * logged at info level with the detail (which input, which argument) and
 * counted in the stats slots ST_MISS_REASON0 / ST_UNCACHEABLE_REASON0 + the
 * reason, which `ricc -s -v` and `--print-stats` show by name.  The names
 * are part of the interface (scripts read them): add, never rename. */
#ifndef RICC_REASON_H
#define RICC_REASON_H

enum miss_reason {
    MISS_NEW,               /* nothing cached for this call before */
    MISS_INPUT_CHANGED,     /* an input's content differs from the closest entry */
    MISS_ARGS_CHANGED,      /* the arguments differ */
    MISS_ENV_CHANGED,       /* an environment variable that is part of the key */
    MISS_TOOLCHAIN_CHANGED, /* the compiler or the toolchain digest */
    MISS_OTHER,             /* a key part no check above names */
    MISS_REASON_COUNT
};

enum uncacheable_reason {
    UNC_OTHER,              /* a reason no entry below names */
    UNC_REASON_COUNT
};

const char *miss_reason_name(enum miss_reason r);
const char *uncacheable_reason_name(enum uncacheable_reason r);

/* Add one to that reason's counter. */
void reason_count_miss(enum miss_reason r);
void reason_count_uncacheable(enum uncacheable_reason r);

#endif
