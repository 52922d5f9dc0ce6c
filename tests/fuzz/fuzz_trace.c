/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_trace.c — libFuzzer target for the records libricc-trace.so writes
 * (preload/trace.c has the format): every process of a traced tool or
 * compile appends to the one file, so its lines are as the tool's
 * programs made them — any path bytes, any pids.  The first byte, a digit
 * (seeds stay text), picks:
 *   0  exec_trace_record()   one record line (wrapper/trace/exec_trace.c)
 *   1  exec_trace_parse()    a `ricc exec` tool's trace: inputs, outputs,
 *                            probes, metadata asked, why not cacheable
 *   2  opentrace_reads()     what a compiler proper read (depend mode,
 *                            wrapper/trace/opentrace.c)
 *   3  observe_parse()       what every process of a compile read beyond
 *                            its dependency set (wrapper/trace/observe.c)
 * The parent pid is 100 and the working directory /w. */
#include "tests/fuzz/fuzz.h"

#include "wrapper/trace/exec_trace.h"
#include "wrapper/trace/observe.h"
#include "wrapper/trace/opentrace.h"

#define PARENT 100

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t n = size - 1;
    char *p = fuzz_copy(data + 1, n);
    switch ((uint8_t)(data[0] - '0') % 4) {
    case 0: {
        trace_record r;
        if (exec_trace_record(p, n, &r) == 0 &&
            (r.path < p || r.path + r.path_len > p + n))
            abort(); /* the path must lie within the line */
        break;
    }
    case 1: {
        exec_trace t;
        memset(&t, 0, sizeof t);
        if (exec_trace_parse(p, n, PARENT, &t) == 0)
            exec_trace_free(&t);
        break;
    }
    case 2: {
        char **paths = NULL;
        int pch = 0;
        int k = opentrace_reads(p, n, "/w", &paths, &pch);
        for (int i = 0; i < k; i++)
            free(paths[i]);
        free(paths);
        break;
    }
    default: {
        char *deps[] = {"a.c", "/usr/include/stdio.h", "inc/../b.h"};
        observed o;
        memset(&o, 0, sizeof o);
        if (observe_parse(p, n, PARENT, "/w", deps, 3, &o) == 0)
            observed_free(&o);
        break;
    }
    }
    free(p);
    return 0;
}
