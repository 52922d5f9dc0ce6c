/* SPDX-License-Identifier: Apache-2.0 */
/* exec_trace.h — what a traced tool did, from libricc-trace.so's records
 * (preload/trace.c has the record format).
 *
 * Pure: the records are read in the order they were written and each path
 * gets a history (read before the tool made it? made? removed?), from which
 * come the tool's inputs, the files it made, and — the first one found — the
 * reason it must not be cached.  No file system access: the caller
 * (exec_tool.c) checks the files themselves. */
#ifndef RICC_EXEC_TRACE_H
#define RICC_EXEC_TRACE_H

#include <stddef.h>

typedef struct exec_trace {
    /* Absolute paths as the tool named them, each once, in first-use order. */
    char **inputs;   /* read (or run, or loaded) while the tool had not made them */
    int n_inputs;
    char **probes;   /* stat()ed or access()ed, existing, never read */
    int n_probes;
    char **absent;   /* looked for and not there, before the tool made them */
    int n_absent;
    char **outputs;  /* made or truncated by the tool and not removed since */
    int n_outputs;
    char **dirs;     /* directories the tool made */
    int n_dirs;
    /* Paths whose metadata the tool asked for (not made by it), each with
     * what it asked (XM_*): their values now are keyed (exec_tool.c). */
    char **meta;
    unsigned *meta_what;
    int n_meta;
    int root_seen;   /* a traced process whose parent is `parent` started */
    char *why_not;   /* NULL, or why the tool must not be cached (malloc'd) */
} exec_trace;

/* What a tool asked about a path beyond its existence: a Q record's
 * fields (the tracer's WHAT_* numbers, preload/trace.h) when following a
 * final symlink, the same shifted by XM_NOFOLLOW_SHIFT for the link
 * itself, the access bits an X record asked (R_OK, W_OK, X_OK) shifted by
 * XM_ACCESS_SHIFT, a link's target (L), the whole resolved name (P). */
enum {
    XM_MODE = 1,
    XM_OWNER = 2,
    XM_NLINK = 4,
    XM_SIZE = 8,
    XM_MTIME = 16,
    XM_FIELDS = 31,
    XM_NOFOLLOW_SHIFT = 5,
    XM_ACCESS_SHIFT = 10,
    XM_LINK = 1 << 13,
    XM_REAL = 1 << 14,
};

/* One record "TYPE PID[ NUM] PATH" at line[0..n), without its newline:
 * path points into line.  NUM is in H records (ppid: the parent's pid) and
 * Q and X records (extra: what was asked).  0, or -1 when malformed. */
typedef struct trace_record {
    char type;
    long pid, ppid, extra;
    const char *path;
    size_t path_len;
} trace_record;
int exec_trace_record(const char *line, size_t n, trace_record *rec);

/* Read len bytes of records.  parent: the pid of the process that started
 * the tool (ricc).  0, or -1 when out of memory. */
int exec_trace_parse(const char *buf, size_t len, long parent, exec_trace *t);
void exec_trace_free(exec_trace *t);

#endif
