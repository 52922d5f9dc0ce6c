/* SPDX-License-Identifier: Apache-2.0 */
/* reason.h — why a call missed, or why it could not be cached.
 *
 * Each wrapped call that misses or is uncacheable names one reason; it is
 * logged at info level with the detail (which input, which argument) and
 * counted in the stats slots ST_MISS_REASON0 / ST_UNCACHEABLE_REASON0 + the
 * reason, which `ricc -s -v` and `--print-stats` show by name.  The names
 * are part of the interface (scripts read them): add, never rename, and
 * never reorder (the value is the stats slot).
 *
 * The uncacheable reasons come from free text: each part of ricc says why
 * in words where it decides (compiler.c's option table, the tracer, ar's
 * and the link's parsers), and those words are what the log has always
 * shown.  reason_classify() sorts them into the enum here, by the words,
 * so a reason needs no second spelling in every decider; a new text no
 * rule below knows falls to the caller's default (tests/unit/test_reason.c
 * holds one text of each). */
#ifndef RICC_REASON_H
#define RICC_REASON_H

#include "cache/local/stats.h"

enum miss_reason {
    MISS_NEW,               /* nothing cached for this call before */
    MISS_INPUT_CHANGED,     /* an input's content differs from the closest entry */
    MISS_ARGS_CHANGED,      /* the arguments differ */
    MISS_ENV_CHANGED,       /* an environment variable that is part of the key */
    MISS_TOOLCHAIN_CHANGED, /* the compiler or the toolchain digest */
    MISS_OTHER,             /* a key part no check above names */
    MISS_HEADER_APPEARED,   /* a file that had to stay absent (a header found
                             * earlier in the search path) now exists */
    MISS_DATE_CHANGED,      /* __DATE__ is in the key and the day changed */
    MISS_SETTINGS_CHANGED,  /* another key part: remote platform properties,
                             * remote_env, the working directory or base */
    MISS_RESULT_GONE,       /* the key is known but its result is not stored
                             * (evicted, cleared, or never stored) */
    MISS_NO_KEY,            /* the inputs could not be known (the dependency
                             * scan failed: the compile itself fails) */
    MISS_REASON_COUNT
};

enum uncacheable_reason {
    UNC_OTHER,              /* a reason no entry below names */
    UNC_PREPROCESS_ONLY,    /* -E, -M, -fsyntax-only: no object */
    UNC_LINKING,            /* no -c or -S */
    UNC_NO_INPUT,
    UNC_MULTIPLE_INPUTS,
    UNC_STDIN_SOURCE,       /* the source is read from standard input */
    UNC_STDOUT_OUTPUT,      /* output to standard output */
    UNC_UNSUPPORTED_OPTION, /* an option ricc does not model */
    UNC_UNTRACKED_FILES,    /* an option reads or writes files ricc does not track */
    UNC_PROFILE_DATA,       /* -fprofile-use and kin */
    UNC_PLUGIN,
    UNC_PRINTS_INFO,        /* --version, -v, -###, -print-* */
    UNC_DRIVER_PROGRAMS,    /* -B, -specs, ...: the driver's programs change */
    UNC_PRECOMPILED_HEADER,
    UNC_LANGUAGE,           /* not a C-family source */
    UNC_OUTPUT_NAME,        /* an output to a device, two outputs of one name, ... */
    UNC_ENVIRONMENT,        /* DEPENDENCIES_OUTPUT and kin make the compiler write files */
    UNC_TIME_MACRO,         /* an input uses __TIME__ (no SOURCE_DATE_EPOCH) */
    UNC_UNKEYABLE_INPUT,    /* what the call read cannot be keyed */
    UNC_CLOCK,              /* (a traced tool) reads the clock */
    UNC_RANDOM,             /* reads random numbers */
    UNC_NETWORK,
    UNC_DIRECTORY_LISTING,
    UNC_DEVICE,             /* reads a device or /proc */
    UNC_WRITES_OUTSIDE,     /* writes outside the working tree */
    UNC_CHANGES_FILES,      /* changes or removes a file it did not make, makes links */
    UNC_UNTRACEABLE,        /* static, setuid or Go programs, no trace */
    UNC_STDIN_DATA,         /* standard input is a file or pipe the tool may read */
    UNC_AR_MODE,            /* an ar call that is not a deterministic r or q */
    UNC_LINKER,             /* a link ricc does not model */
    UNC_NONDETERMINISTIC,   /* the output differs from run to run (timings, uuid) */
    UNC_REASON_COUNT
};

const char *miss_reason_name(enum miss_reason r);
const char *uncacheable_reason_name(enum uncacheable_reason r);

/* Add one to that reason's counter. */
void reason_count_miss(enum miss_reason r);
/* Count a call's outcome (one of the six counters); a miss's reason `why`
 * first, so whatever hears of the outcome (the stats log) hears it with
 * its reason.  Every flow counts its outcome through this. */
void reason_count_outcome(enum stat_id outcome, enum miss_reason why);
void reason_count_uncacheable(enum uncacheable_reason r);

/* The reason the text why (as logged) names; dflt when no rule knows it. */
enum uncacheable_reason reason_classify(const char *why, enum uncacheable_reason dflt);

/* Log at info "WHAT: WHY[: ARG] (uncacheable: NAME)" and count r. */
void reason_uncacheable(enum uncacheable_reason r, const char *what, const char *why,
                        const char *arg);

#endif
