/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_hdrtrace.c — libFuzzer target for a compile's stderr with gcc's or
 * clang's `-H` trace in it (depend mode reads it on every miss; the
 * compiler's diagnostics quote the user's source, so the lines can hold
 * anything): hdrtrace_split() (wrapper/deps/hdrtrace.c).  The stderr it keeps
 * must be no longer than what it was given, and the header list sorted and
 * without duplicates, as hdrtrace.h promises. */
#include "tests/fuzz/fuzz.h"

#include "wrapper/deps/hdrtrace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *p = fuzz_copy(data, size);
    hdrtrace t;
    memset(&t, 0, sizeof t);
    if (hdrtrace_split(p, size, &t) == 0) {
        if (t.err_len > size || !t.err || t.err[t.err_len] != '\0')
            abort();
        for (int i = 1; i < t.n_paths; i++)
            if (strcmp(t.paths[i - 1], t.paths[i]) >= 0)
                abort();
        hdrtrace_free(&t);
    }
    free(p);
    return 0;
}
