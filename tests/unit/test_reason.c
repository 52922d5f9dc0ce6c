/* SPDX-License-Identifier: Apache-2.0 */
/* test_reason.c — the reasons' names (an interface: scripts read them),
 * their counters, and the rules that sort the texts ricc logs into
 * uncacheable reasons: one text of each decider. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache/local/stats.h"
#include "tests/unit/scratch.h"
#include "tests/unit/unit.h"
#include "wrapper/flows/reason.h"


static int suite_init(void)
{
    return scratch_init("reason");
}


static void test_names(void)
{
    /* Every reason has a name of its own, and the first ones keep theirs. */
    for (int i = 0; i < MISS_REASON_COUNT; i++) {
        const char *n = miss_reason_name((enum miss_reason)i);
        CU_ASSERT(n && *n && strcmp(n, "unknown") != 0);
        for (int j = 0; j < i; j++)
            CU_ASSERT(strcmp(n, miss_reason_name((enum miss_reason)j)) != 0);
    }
    for (int i = 0; i < UNC_REASON_COUNT; i++) {
        const char *n = uncacheable_reason_name((enum uncacheable_reason)i);
        CU_ASSERT(n && *n && strcmp(n, "unknown") != 0);
        for (int j = 0; j < i; j++)
            CU_ASSERT(strcmp(n, uncacheable_reason_name((enum uncacheable_reason)j)) != 0);
    }
    CU_ASSERT_STRING_EQUAL(miss_reason_name(MISS_NEW), "new");
    CU_ASSERT_STRING_EQUAL(miss_reason_name(MISS_INPUT_CHANGED), "input_changed");
    CU_ASSERT_STRING_EQUAL(miss_reason_name(MISS_TOOLCHAIN_CHANGED), "toolchain_changed");
    CU_ASSERT_STRING_EQUAL(uncacheable_reason_name(UNC_OTHER), "other");
    CU_ASSERT_STRING_EQUAL(miss_reason_name(MISS_REASON_COUNT), "unknown");
    CU_ASSERT_STRING_EQUAL(uncacheable_reason_name((enum uncacheable_reason)-1), "unknown");
}

static void test_counters(void)
{
    CU_ASSERT_EQUAL_FATAL(stats_open(scratch_root), 0);
    int64_t m0 = stats_get((enum stat_id)(ST_MISS_REASON0 + MISS_ARGS_CHANGED));
    int64_t u0 = stats_get((enum stat_id)(ST_UNCACHEABLE_REASON0 + UNC_PREPROCESS_ONLY));
    reason_count_miss(MISS_ARGS_CHANGED);
    reason_count_miss(MISS_ARGS_CHANGED);
    reason_uncacheable(UNC_PREPROCESS_ONLY, "not cacheable", "preprocessing only (-E)", "-E");
    reason_count_miss(MISS_REASON_COUNT); /* (out of range: nothing) */
    CU_ASSERT_EQUAL(stats_get((enum stat_id)(ST_MISS_REASON0 + MISS_ARGS_CHANGED)), m0 + 2);
    CU_ASSERT_EQUAL(stats_get((enum stat_id)(ST_UNCACHEABLE_REASON0 + UNC_PREPROCESS_ONLY)),
                    u0 + 1);
    CU_ASSERT_EQUAL(stats_get((enum stat_id)(ST_MISS_REASON0 + MISS_NEW)), 0);
}

/* One text of each place that says why, as it says it. */
static void test_classify(void)
{
    static const struct {
        const char *why;
        enum uncacheable_reason want;
    } cases[] = {
        /* compiler.c and its option table */
        {"preprocessing only (-E)", UNC_PREPROCESS_ONLY},
        {"dependency listing only (-M/-MM)", UNC_PREPROCESS_ONLY},
        {"no output (-fsyntax-only)", UNC_PREPROCESS_ONLY},
        {"linking (no -c or -S)", UNC_LINKING},
        {"no input file", UNC_NO_INPUT},
        {"several input files", UNC_MULTIPLE_INPUTS},
        {"source read from standard input", UNC_STDIN_SOURCE},
        {"output to standard output", UNC_STDOUT_OUTPUT},
        {"option reads profile data ricc does not track", UNC_PROFILE_DATA},
        {"compiler plugin", UNC_PLUGIN},
        {"prints information instead of compiling", UNC_PRINTS_INFO},
        {"verbose driver (-v)", UNC_PRINTS_INFO},
        {"changes the programs or specs the driver uses", UNC_DRIVER_PROGRAMS},
        {"precompiled header generation", UNC_PRECOMPILED_HEADER},
        {"input is not a C-family source (linking or unsupported language)", UNC_LANGUAGE},
        {"output written to a device", UNC_OUTPUT_NAME},
        {"two outputs with the same name", UNC_OUTPUT_NAME},
        {"output includes timings", UNC_NONDETERMINISTIC},
        {"option reads or writes files ricc does not track", UNC_UNTRACKED_FILES},
        {"-save-temps writes intermediate files", UNC_UNTRACKED_FILES},
        {"modules read files the dependency scan does not list", UNC_UNTRACKED_FILES},
        {"unknown option", UNC_UNSUPPORTED_OPTION},
        {"option is missing its argument", UNC_UNSUPPORTED_OPTION},
        /* the key (action.c, flow.c) */
        {"an input uses __TIME__ or __TIMESTAMP__", UNC_TIME_MACRO},
        {"an input file cannot be read", UNC_UNKEYABLE_INPUT},
        {"two inputs map to the same input-root path", UNC_UNKEYABLE_INPUT},
        {"an input's __has_include tests cannot be resolved", UNC_UNKEYABLE_INPUT},
        /* the tracer (preload/trace_exec.c, exec_trace.c, observe.c) */
        {"reads the clock", UNC_CLOCK},
        {"reads random numbers", UNC_RANDOM},
        {"uses the network (a socket)", UNC_NETWORK},
        {"lists a directory /usr/include", UNC_DIRECTORY_LISTING},
        {"the tool reads a device or kernel state: /proc/cpuinfo", UNC_DEVICE},
        {"the tool writes outside the working tree", UNC_WRITES_OUTSIDE},
        {"the tool changes a file it did not make: x", UNC_CHANGES_FILES},
        {"the tool overwrites a file it read: x", UNC_CHANGES_FILES},
        {"the compile overwrote a file it read: x", UNC_CHANGES_FILES},
        {"the tool makes a symbolic link", UNC_CHANGES_FILES},
        {"the tool runs a statically linked program", UNC_UNTRACEABLE},
        {"the tool is a Go program (it reads and writes files without the C library)",
         UNC_UNTRACEABLE},
        {"the tool cannot be traced (a statically linked or setuid program?)", UNC_UNTRACEABLE},
        {"its standard input is a file or pipe it may read", UNC_STDIN_DATA},
        /* link_parse.c */
        {"only GNU ld's trace is understood", UNC_LINKER},
        {"--build-id=uuid makes every link different", UNC_NONDETERMINISTIC},
        {"-specs= reads a file ricc does not track", UNC_UNTRACKED_FILES},
        {"an option ricc does not model", UNC_UNSUPPORTED_OPTION},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        enum uncacheable_reason got = reason_classify(cases[i].why, UNC_OTHER);
        if (got != cases[i].want)
            fprintf(stderr, "\n    '%s': %s, not %s\n", cases[i].why,
                    uncacheable_reason_name(got), uncacheable_reason_name(cases[i].want));
        CU_ASSERT_EQUAL(got, cases[i].want);
    }
    /* A text no rule knows: the caller's default. */
    CU_ASSERT_EQUAL(reason_classify("something new", UNC_LINKER), UNC_LINKER);
    CU_ASSERT_EQUAL(reason_classify(NULL, UNC_AR_MODE), UNC_AR_MODE);
}

static const unit_test tests[] = {
    {"names", test_names},
    {"counters", test_counters},
    {"classify", test_classify},
    {NULL, NULL},
};

int main(void)
{
    return unit_run("reason", suite_init, scratch_clean, tests);
}
