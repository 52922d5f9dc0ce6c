/* SPDX-License-Identifier: Apache-2.0 */
/* reason.c — the names of the reasons (reason.h), their counters, and the
 * rules that sort a logged text into an uncacheable reason. */
#include "wrapper/flows/reason.h"

#include <string.h>

#include "cache/local/stats.h"
#include "cache/util/log.h"

static const char *const miss_names[MISS_REASON_COUNT] = {
    [MISS_NEW] = "new",
    [MISS_INPUT_CHANGED] = "input_changed",
    [MISS_ARGS_CHANGED] = "args_changed",
    [MISS_ENV_CHANGED] = "env_changed",
    [MISS_TOOLCHAIN_CHANGED] = "toolchain_changed",
    [MISS_OTHER] = "other",
    [MISS_HEADER_APPEARED] = "header_appeared",
    [MISS_DATE_CHANGED] = "date_changed",
    [MISS_SETTINGS_CHANGED] = "settings_changed",
    [MISS_RESULT_GONE] = "result_gone",
    [MISS_NO_KEY] = "no_key",
};

static const char *const unc_names[UNC_REASON_COUNT] = {
    [UNC_OTHER] = "other",
    [UNC_PREPROCESS_ONLY] = "preprocess_only",
    [UNC_LINKING] = "linking",
    [UNC_NO_INPUT] = "no_input",
    [UNC_MULTIPLE_INPUTS] = "multiple_inputs",
    [UNC_STDIN_SOURCE] = "stdin_source",
    [UNC_STDOUT_OUTPUT] = "stdout_output",
    [UNC_UNSUPPORTED_OPTION] = "unsupported_option",
    [UNC_UNTRACKED_FILES] = "untracked_files",
    [UNC_PROFILE_DATA] = "profile_data",
    [UNC_PLUGIN] = "plugin",
    [UNC_PRINTS_INFO] = "prints_info",
    [UNC_DRIVER_PROGRAMS] = "driver_programs",
    [UNC_PRECOMPILED_HEADER] = "precompiled_header",
    [UNC_LANGUAGE] = "language",
    [UNC_OUTPUT_NAME] = "output_name",
    [UNC_ENVIRONMENT] = "environment",
    [UNC_TIME_MACRO] = "time_macro",
    [UNC_UNKEYABLE_INPUT] = "unkeyable_input",
    [UNC_CLOCK] = "clock",
    [UNC_RANDOM] = "random",
    [UNC_NETWORK] = "network",
    [UNC_DIRECTORY_LISTING] = "directory_listing",
    [UNC_DEVICE] = "device",
    [UNC_WRITES_OUTSIDE] = "writes_outside",
    [UNC_CHANGES_FILES] = "changes_files",
    [UNC_UNTRACEABLE] = "untraceable",
    [UNC_STDIN_DATA] = "stdin_data",
    [UNC_AR_MODE] = "ar_mode",
    [UNC_LINKER] = "linker",
    [UNC_NONDETERMINISTIC] = "nondeterministic",
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

void reason_count_outcome(enum stat_id outcome, enum miss_reason why)
{
    if (outcome == ST_MISS)
        reason_count_miss(why);
    stats_add(outcome, 1);
}

void reason_count_uncacheable(enum uncacheable_reason r)
{
    if ((int)r >= 0 && r < UNC_REASON_COUNT)
        stats_add((enum stat_id)(ST_UNCACHEABLE_REASON0 + r), 1);
}

/* Words of the texts ricc logs, first match wins: the more particular rules
 * come before the general ones ("output written to a device" is about the
 * output's name, not a device the tool reads). */
static const struct rule {
    const char *words;
    enum uncacheable_reason r;
} rules[] = {
    {"preprocessing only", UNC_PREPROCESS_ONLY},
    {"dependency listing only", UNC_PREPROCESS_ONLY},
    {"-fsyntax-only", UNC_PREPROCESS_ONLY},
    {"linking (no -c", UNC_LINKING},
    {"compiles and links", UNC_LINKING},
    {"no input file", UNC_NO_INPUT},
    {"several input files", UNC_MULTIPLE_INPUTS},
    {"source read from standard input", UNC_STDIN_SOURCE},
    {"reads standard input", UNC_STDIN_SOURCE},
    {"its standard input", UNC_STDIN_DATA},
    {"standard output", UNC_STDOUT_OUTPUT},
    {"profile data", UNC_PROFILE_DATA},
    {"plugin", UNC_PLUGIN},
    {"prints information", UNC_PRINTS_INFO},
    {"verbose driver", UNC_PRINTS_INFO},
    {"programs or specs", UNC_DRIVER_PROGRAMS},
    {"precompiled header", UNC_PRECOMPILED_HEADER},
    {"not a C-family", UNC_LANGUAGE},
    {"of an assembler source", UNC_LANGUAGE},
    {"output written to a device", UNC_OUTPUT_NAME},
    {"output name", UNC_OUTPUT_NAME},
    {"two outputs", UNC_OUTPUT_NAME},
    {"source's basename", UNC_OUTPUT_NAME},
    {"-flto with", UNC_OUTPUT_NAME},
    {"named both by the driver", UNC_OUTPUT_NAME},
    {"timings", UNC_NONDETERMINISTIC},
    {"makes every link different", UNC_NONDETERMINISTIC},
    {"__TIME__", UNC_TIME_MACRO},
    {"reads the clock", UNC_CLOCK},
    {"random numbers", UNC_RANDOM},
    {"network", UNC_NETWORK},
    {"lists a directory", UNC_DIRECTORY_LISTING},
    {"device or kernel state", UNC_DEVICE},
    {"outside the working tree", UNC_WRITES_OUTSIDE},
    {"a file it did not make", UNC_CHANGES_FILES},
    {"a file it read", UNC_CHANGES_FILES},
    {"overwrote a file", UNC_CHANGES_FILES},
    {"whose metadata it looked at", UNC_CHANGES_FILES},
    {"makes a hard link", UNC_CHANGES_FILES},
    {"makes a symbolic link", UNC_CHANGES_FILES},
    {"exchanges two files", UNC_CHANGES_FILES},
    {"other than a regular file", UNC_CHANGES_FILES},
    {"statically linked", UNC_UNTRACEABLE},
    {"setuid", UNC_UNTRACEABLE},
    {"Go program", UNC_UNTRACEABLE},
    {"by descriptor", UNC_UNTRACEABLE},
    {"without the trace", UNC_UNTRACEABLE},
    {"cannot be traced", UNC_UNTRACEABLE},
    {"could not be traced", UNC_UNTRACEABLE},
    {"GNU ld", UNC_LINKER},
    {"also an input", UNC_LINKER},
    {"link-time optimization", UNC_LINKER},
    {"files ricc does not track", UNC_UNTRACKED_FILES},
    {"a file ricc does not track", UNC_UNTRACKED_FILES},
    {"list file", UNC_UNTRACKED_FILES},
    {"-save-temps", UNC_UNTRACKED_FILES},
    {"dump", UNC_UNTRACKED_FILES},
    {"written to a file", UNC_UNTRACKED_FILES},
    {"assembler listing", UNC_UNTRACKED_FILES},
    {"assembler dependency", UNC_UNTRACKED_FILES},
    {"assembler output", UNC_UNTRACKED_FILES},
    {"assembler response", UNC_UNTRACKED_FILES},
    {"modules read", UNC_UNTRACKED_FILES},
    {"NMake", UNC_UNTRACKED_FILES},
    {"cannot be read", UNC_UNKEYABLE_INPUT},
    {"same input-root path", UNC_UNKEYABLE_INPUT},
    {"__has_include", UNC_UNKEYABLE_INPUT},
    {"access, change or birth time", UNC_UNKEYABLE_INPUT},
    {"malformed", UNC_UNKEYABLE_INPUT},
    {"relative path", UNC_UNKEYABLE_INPUT},
    {"a process of the compile", UNC_UNKEYABLE_INPUT},
    {"too many processes", UNC_UNKEYABLE_INPUT},
    {"option", UNC_UNSUPPORTED_OPTION},
    {"-X", UNC_UNSUPPORTED_OPTION},
};

enum uncacheable_reason reason_classify(const char *why, enum uncacheable_reason dflt)
{
    if (!why)
        return dflt;
    for (size_t i = 0; i < sizeof rules / sizeof *rules; i++)
        if (strstr(why, rules[i].words))
            return rules[i].r;
    return dflt;
}

void reason_uncacheable(enum uncacheable_reason r, const char *what, const char *why,
                        const char *arg)
{
    reason_count_uncacheable(r);
    LOG_I("%s: %s%s%s (uncacheable: %s)", what, why ? why : "?", arg ? ": " : "", arg ? arg : "",
          uncacheable_reason_name(r));
}
