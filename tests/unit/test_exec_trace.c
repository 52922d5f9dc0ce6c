/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for exec_trace_parse: libricc-trace.so's records (the format
 * is in preload/trace.c) to inputs, probes, absent paths, outputs and the
 * reason a tool must not be cached. */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "wrapper/trace/exec_trace.h"

#define PARENT 100

static exec_trace t;

static void parse(const char *text)
{
    CU_ASSERT_EQUAL_FATAL(exec_trace_parse(text, strlen(text), PARENT, &t), 0);
}

static int has(char **v, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(v[i], s))
            return 1;
    return 0;
}

static int refused_with(const char *part)
{
    return t.why_not && strstr(t.why_not, part);
}

static void test_generator(void)
{
    parse("H 200 100 /usr/bin/dash\n"
          "M 200 /lib/x86_64-linux-gnu/libc.so.6\n"
          "M 200 /opt/ricc/lib/libricc-trace.so\n"
          "R 200 /w/./gen.sh\n"
          "S 200 /w\n"
          "N 200 /usr/local/bin/sed\n"
          "S 200 /usr/bin/sed\n"
          "C 200 /w/gen.c\n"
          "H 201 200 /usr/bin/sed\n"
          "R 201 /w/template.in\n"
          "R 201 /w/template.in\n"
          "N 200 /w/opt.inc\n"
          "W 200 /w/gen.c\n"
          "T 200 /dev/null\n");
    CU_ASSERT_PTR_NULL(t.why_not);
    CU_ASSERT(t.root_seen);
    CU_ASSERT_EQUAL(t.n_inputs, 5);
    CU_ASSERT(has(t.inputs, t.n_inputs, "/usr/bin/dash"));
    CU_ASSERT(has(t.inputs, t.n_inputs, "/lib/x86_64-linux-gnu/libc.so.6"));
    CU_ASSERT(has(t.inputs, t.n_inputs, "/w/./gen.sh"));
    CU_ASSERT(has(t.inputs, t.n_inputs, "/w/template.in"));
    /* The tracer is ricc's, not the tool's. */
    CU_ASSERT(!has(t.inputs, t.n_inputs, "/opt/ricc/lib/libricc-trace.so"));
    /* Probed, then run: its content is an input, not just its existence. */
    CU_ASSERT(has(t.inputs, t.n_inputs, "/usr/bin/sed"));
    CU_ASSERT(!has(t.probes, t.n_probes, "/usr/bin/sed"));
    CU_ASSERT(has(t.probes, t.n_probes, "/w"));
    CU_ASSERT_EQUAL(t.n_absent, 2);
    CU_ASSERT(has(t.absent, t.n_absent, "/usr/local/bin/sed"));
    CU_ASSERT(has(t.absent, t.n_absent, "/w/opt.inc"));
    CU_ASSERT_EQUAL(t.n_outputs, 1);
    CU_ASSERT(has(t.outputs, t.n_outputs, "/w/gen.c"));
    exec_trace_free(&t);

    /* Without a start record from a child of ricc: not traced. */
    parse("H 300 299 /bin/sh\nR 300 /w/in\n");
    CU_ASSERT(!t.root_seen);
    exec_trace_free(&t);
}

static void test_own_files(void)
{
    /* A temporary made and removed is no output; reading it back is no
     * input; looking for it after is no constraint. */
    parse("H 2 100 /bin/sh\n"
          "C 2 /w/tmp.1\n"
          "R 2 /w/tmp.1\n"
          "D 2 /w/tmp.1\n"
          "N 2 /w/tmp.1\n"
          "K 2 /w/out\n"
          "R 2 /w/out\n"
          "C 2 /w/out/f.c\n");
    CU_ASSERT_PTR_NULL(t.why_not);
    CU_ASSERT_EQUAL(t.n_outputs, 1);
    CU_ASSERT(has(t.outputs, t.n_outputs, "/w/out/f.c"));
    CU_ASSERT(has(t.dirs, t.n_dirs, "/w/out"));
    CU_ASSERT(!has(t.inputs, t.n_inputs, "/w/tmp.1"));
    CU_ASSERT(!has(t.inputs, t.n_inputs, "/w/out"));
    CU_ASSERT_EQUAL(t.n_absent, 0);
    exec_trace_free(&t);

    /* rm -f out; make out: the old file goes, the new one is an output. */
    parse("H 2 100 /bin/sh\nD 2 /w/out.c\nC 2 /w/out.c\n");
    CU_ASSERT_PTR_NULL(t.why_not);
    CU_ASSERT(has(t.outputs, t.n_outputs, "/w/out.c"));
    exec_trace_free(&t);

    /* A rename of the tool's temporary onto the output. */
    parse("H 2 100 /bin/sed\nC 2 /w/sedXYZ\nD 2 /w/sedXYZ\nC 2 /w/out.c\n");
    CU_ASSERT_PTR_NULL(t.why_not);
    CU_ASSERT_EQUAL(t.n_outputs, 1);
    CU_ASSERT(has(t.outputs, t.n_outputs, "/w/out.c"));
    exec_trace_free(&t);
}

static void test_refused(void)
{
    parse("H 2 100 /bin/sh\nU 2 reads the clock\nU 2 lists a directory /w\n");
    CU_ASSERT_STRING_EQUAL(t.why_not, "the tool reads the clock");
    exec_trace_free(&t);

    parse("H 2 100 /bin/sh\nR 2 /w/in.c\nT 2 /w/in.c\n");
    CU_ASSERT(refused_with("overwrites a file it read: /w/in.c"));
    exec_trace_free(&t);

    parse("H 2 100 /bin/sh\nW 2 /w/log.txt\n");
    CU_ASSERT(refused_with("changes a file it did not make: /w/log.txt"));
    exec_trace_free(&t);

    parse("H 2 100 /bin/sh\nD 2 /w/input.txt\n");
    CU_ASSERT(refused_with("removes a file it did not make: /w/input.txt"));
    exec_trace_free(&t);

    parse("H 2 100 /bin/sh\nR 2 /dev/urandom\n");
    CU_ASSERT(refused_with("device or kernel state: /dev/urandom"));
    exec_trace_free(&t);

    parse("H 2 100 /bin/sh\nR 2 /proc/cpuinfo\n");
    CU_ASSERT(refused_with("/proc/cpuinfo"));
    exec_trace_free(&t);

    /* Its own streams and /dev/null by name are fine. */
    parse("H 2 100 /bin/sh\nR 2 /dev/null\nW 2 /dev/stderr\nT 2 /dev/fd/1\n");
    CU_ASSERT_PTR_NULL(t.why_not);
    CU_ASSERT_EQUAL(t.n_outputs, 0);
    exec_trace_free(&t);
}

static void test_malformed(void)
{
    parse("H 2 100 /bin/sh\nR 2 /w/in");   /* cut short */
    CU_ASSERT(refused_with("malformed"));
    exec_trace_free(&t);

    parse("R 2 relative/path\n");
    CU_ASSERT(refused_with("relative path"));
    exec_trace_free(&t);

    parse("R x /w/in\n");
    CU_ASSERT(refused_with("malformed"));
    exec_trace_free(&t);

    parse("Q 2 /w/in\n");
    CU_ASSERT(refused_with("malformed"));
    exec_trace_free(&t);

    parse("");
    CU_ASSERT_PTR_NULL(t.why_not);
    CU_ASSERT(!t.root_seen);
    exec_trace_free(&t);
}

static void test_many_paths(void)
{
    /* Enough paths to grow the table several times; each kept once. */
    size_t cap = 5000 * 40, len = 0;
    char *text = malloc(cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    for (int i = 0; i < 5000; i++)
        len += (size_t)snprintf(text + len, cap - len, "R 2 /w/in%d\nR 2 /w/in%d\n", i % 2500,
                                i % 2500);
    CU_ASSERT_EQUAL_FATAL(exec_trace_parse(text, len, PARENT, &t), 0);
    CU_ASSERT_EQUAL(t.n_inputs, 2500);
    CU_ASSERT_STRING_EQUAL(t.inputs[0], "/w/in0");
    CU_ASSERT_STRING_EQUAL(t.inputs[2499], "/w/in2499");
    exec_trace_free(&t);
    free(text);
}

/* The metadata of a path a tool looked at (Q, X, L, P): what it asked. */
static unsigned meta_of(const char *path)
{
    for (int i = 0; i < t.n_meta; i++)
        if (!strcmp(t.meta[i], path))
            return t.meta_what[i];
    return 0;
}

static void test_metadata(void)
{
    parse("H 2 100 /bin/sh\n"
          "Q 2 81 /w/a\n"           /* statx MODE|MTIME, of the link itself */
          "Q 2 31 /w/a\n"           /* stat: everything, following it */
          "X 2 1 /w/b\n"            /* access(X_OK) */
          "X 2 4 /w/b\n"            /* access(R_OK) */
          "L 2 /w/lnk\n"
          "P 2 /w/lnk\n"
          "Q 2 1 /dev/pts/0\n"      /* a device's mode: nothing to key */
          "C 2 /w/out\n"
          "Q 2 31 /w/out\n");       /* the tool's own file */
    CU_ASSERT_PTR_NULL(t.why_not);
    CU_ASSERT_EQUAL(meta_of("/w/a"), XM_FIELDS | (unsigned)(XM_MODE | XM_MTIME) << XM_NOFOLLOW_SHIFT);
    CU_ASSERT_EQUAL(meta_of("/w/b"), (unsigned)(1 | 4) << XM_ACCESS_SHIFT);
    CU_ASSERT_EQUAL(meta_of("/w/lnk"), (unsigned)(XM_LINK | XM_REAL));
    CU_ASSERT_EQUAL(t.n_meta, 3);
    /* Looked at: a probe too (its kind is checked as for S). */
    CU_ASSERT(has(t.probes, t.n_probes, "/w/a"));
    CU_ASSERT(has(t.outputs, t.n_outputs, "/w/out"));
    exec_trace_free(&t);

    /* Read and fstat()ed: content and mode, both. */
    parse("H 2 100 /bin/cat\nR 2 /w/in\nQ 2 1 /w/in\n");
    CU_ASSERT(has(t.inputs, t.n_inputs, "/w/in"));
    CU_ASSERT_EQUAL(meta_of("/w/in"), (unsigned)XM_MODE);
    exec_trace_free(&t);

    /* A time ricc cannot key, asked for by name. */
    parse("H 2 100 /bin/stat\nQ 2 97 /w/a\n");
    CU_ASSERT(refused_with("access, change or birth time"));
    exec_trace_free(&t);

    /* Looked at its size and times, then removed and made again (rm -f,
     * then a redirection): what it saw is gone. */
    parse("H 2 100 /bin/sh\nQ 2 95 /w/out\nD 2 /w/out\nC 2 /w/out\n");
    CU_ASSERT(refused_with("metadata it looked at"));
    exec_trace_free(&t);
    parse("H 2 100 /bin/cp\nL 2 /w/out\nT 2 /w/out\n");
    CU_ASSERT(refused_with("metadata it looked at"));
    exec_trace_free(&t);

    /* Its mode and permissions survive a truncation: not refused. */
    parse("H 2 100 /bin/sh\nX 2 2 /w/out\nQ 2 1 /w/out\nT 2 /w/out\n");
    CU_ASSERT_PTR_NULL(t.why_not);
    CU_ASSERT(has(t.outputs, t.n_outputs, "/w/out"));
    exec_trace_free(&t);
}

static void test_record_numbers(void)
{
    trace_record r;
    const char *q = "Q 12 81 /w/a b";
    CU_ASSERT_EQUAL_FATAL(exec_trace_record(q, strlen(q), &r), 0);
    CU_ASSERT_EQUAL(r.type, 'Q');
    CU_ASSERT_EQUAL(r.pid, 12);
    CU_ASSERT_EQUAL(r.extra, 81);
    CU_ASSERT_EQUAL(r.ppid, -1);
    CU_ASSERT_EQUAL(r.path_len, 6);
    CU_ASSERT_NSTRING_EQUAL(r.path, "/w/a b", 6);
    const char *h = "H 12 7 /bin/sh";
    CU_ASSERT_EQUAL_FATAL(exec_trace_record(h, strlen(h), &r), 0);
    CU_ASSERT_EQUAL(r.ppid, 7);
    CU_ASSERT_EQUAL(r.extra, -1);
    const char *l = "L 12 /w/81";
    CU_ASSERT_EQUAL_FATAL(exec_trace_record(l, strlen(l), &r), 0);
    CU_ASSERT_NSTRING_EQUAL(r.path, "/w/81", 5);
    /* Q without its number is malformed. */
    CU_ASSERT_EQUAL(exec_trace_record("Q 12 /w/a", 9, &r), -1);
}

static const unit_test tests[] = {
    {"a generator's trace", test_generator},
    {"the tool's own files", test_own_files},
    {"refused", test_refused},
    {"malformed", test_malformed},
    {"many paths", test_many_paths},
    {"metadata looked at", test_metadata},
    {"record numbers", test_record_numbers},
    {NULL, NULL},
};

int main(void)
{
    return unit_run("exec_trace", NULL, NULL, tests);
}
