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
    int root_seen;   /* a traced process whose parent is `parent` started */
    char *why_not;   /* NULL, or why the tool must not be cached (malloc'd) */
} exec_trace;

/* One record "TYPE PID[ PPID] PATH" (PPID in H records only) at line[0..n),
 * without its newline: path points into line.  0, or -1 when malformed. */
typedef struct trace_record {
    char type;
    long pid, ppid;
    const char *path;
    size_t path_len;
} trace_record;
int exec_trace_record(const char *line, size_t n, trace_record *rec);

/* Read len bytes of records.  parent: the pid of the process that started
 * the tool (ricc).  0, or -1 when out of memory. */
int exec_trace_parse(const char *buf, size_t len, long parent, exec_trace *t);
void exec_trace_free(exec_trace *t);

#endif
