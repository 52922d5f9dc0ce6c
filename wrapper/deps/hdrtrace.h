/* SPDX-License-Identifier: Apache-2.0 */
/* hdrtrace.h — the headers a compile read, from the trace `-H` prints on
 * its stderr, and that stderr as it would have been without `-H`.
 *
 * Why: depend mode keys a miss from the compile's own dependency output, so
 * a miss costs one compile.  With the user's -MMD that output leaves system
 * headers out, and gcc writes only one dependency file, so ricc cannot add
 * its own -MD beside it.  `-H` lists every header as it is entered, system
 * headers included, without touching the object or the user's .d file.
 *
 * What gcc and clang print with -H, all on stderr:
 *   ". path", ".. path", ...      a header entered, one dot per depth;
 *   "! path.gch", "x path.gch"    (gcc) a precompiled header used / rejected;
 *   "Multiple include guards may be useful for:" and then one header path
 *                                 per line: gcc, at the end of cc1's output.
 * hdrtrace_split() takes all of these out and keeps every other line, in
 * order, byte for byte: the compiler's diagnostics are what the user sees
 * and what a hit replays.  The banner is recognised in English only, so
 * callers use -H only when hdrtrace_messages_english() says gcc's messages
 * are not translated. */
#ifndef RICC_HDRTRACE_H
#define RICC_HDRTRACE_H

#include <stddef.h>

typedef struct hdrtrace {
    char *err;          /* stderr without the trace; malloc'd, NUL-terminated */
    size_t err_len;
    char **paths;       /* the headers, sorted, without duplicates; malloc'd */
    int n_paths;
    int pch;            /* a precompiled header was used or considered */
} hdrtrace;

/* Split err (len bytes) into *out.  0, or -1 when out of memory. */
int hdrtrace_split(const char *err, size_t len, hdrtrace *out);
void hdrtrace_free(hdrtrace *t);

/* 1 when the environment leaves the compiler's messages untranslated
 * (LANGUAGE, LC_ALL, LC_MESSAGES, LANG unset, C, POSIX or English). */
int hdrtrace_messages_english(void);

#endif
