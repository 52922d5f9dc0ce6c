/* SPDX-License-Identifier: Apache-2.0 */
/* opentrace.c — see opentrace.h.  Two passes over the records: the first
 * finds the compiler-proper processes (their H records may come after
 * records of the same process, the tracer writes it once it is set up), the
 * second collects what they read. */
#include "wrapper/trace/opentrace.h"

#include <stdlib.h>
#include <string.h>

#include "cache/util/strtab.h"
#include "wrapper/trace/exec_trace.h"

#define MAX_PROCS 16

static int is_compiler_proper(const char *path, size_t n)
{
    static const char *const names[] = {"cc1", "cc1plus", "cc1obj", "cc1objplus"};
    const char *base = path;
    for (size_t i = 0; i < n; i++)
        if (path[i] == '/')
            base = path + i + 1;
    size_t bn = (size_t)(path + n - base);
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (bn == strlen(names[i]) && !memcmp(base, names[i], bn))
            return 1;
    return 0;
}

static int has_prefix(const char *p, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    return n >= k && !memcmp(p, prefix, k);
}

static int ends_with(const char *p, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n >= k && !memcmp(p + n - k, suffix, k);
}

typedef struct proc {
    long pid;
    const char *exe;
    size_t exe_len;
} proc;

/* Call fn on each record; -1 at a malformed one. */
static int each_record(const char *text, size_t len, int (*fn)(const trace_record *, void *),
                       void *arg)
{
    for (size_t off = 0; off < len;) {
        const char *nl = memchr(text + off, '\n', len - off);
        trace_record rec;
        if (!nl || exec_trace_record(text + off, (size_t)(nl - text - off), &rec) != 0)
            return -1;
        if (fn(&rec, arg) != 0)
            return -1;
        off = (size_t)(nl - text) + 1;
    }
    return 0;
}

typedef struct state {
    proc procs[MAX_PROCS];
    int n_procs;
    const char *cwd;
    size_t cwd_len;
    strtab reads;
    int pch;
} state;

static int find_procs(const trace_record *r, void *arg)
{
    state *s = arg;
    if (r->type != 'H' || !is_compiler_proper(r->path, r->path_len))
        return 0;
    if (s->n_procs == MAX_PROCS)
        return -1; /* not a compile gcc's driver would make */
    s->procs[s->n_procs++] = (proc){r->pid, r->path, r->path_len};
    return 0;
}

static int collect(const trace_record *r, void *arg)
{
    state *s = arg;
    if (r->type != 'R')
        return 0;
    const proc *p = NULL;
    for (int i = 0; i < s->n_procs && !p; i++)
        if (s->procs[i].pid == r->pid)
            p = &s->procs[i];
    const char *path = r->path;
    size_t n = r->path_len;
    if (!p || (n == p->exe_len && !memcmp(path, p->exe, n)) || has_prefix(path, n, "/proc/") ||
        has_prefix(path, n, "/dev/") || has_prefix(path, n, "/sys/"))
        return 0;
    if (ends_with(path, n, ".gch") || ends_with(path, n, ".pch"))
        s->pch = 1;
    if (s->cwd_len > 1 && n > s->cwd_len + 1 && !memcmp(path, s->cwd, s->cwd_len) &&
        path[s->cwd_len] == '/') {
        path += s->cwd_len + 1;
        n -= s->cwd_len + 1;
    }
    return strtab_get(&s->reads, path, n, NULL) ? 0 : -1;
}

int opentrace_reads(const char *text, size_t len, const char *cwd, char ***paths, int *pch)
{
    state s = {.cwd = cwd, .cwd_len = strlen(cwd)};
    *paths = NULL;
    *pch = 0;
    if (each_record(text, len, find_procs, &s) != 0 || s.n_procs == 0 ||
        each_record(text, len, collect, &s) != 0) {
        strtab_free(&s.reads);
        return -1;
    }
    int n = s.reads.n;
    *pch = s.pch;
    if (!(*paths = strtab_take(&s.reads))) {
        strtab_free(&s.reads);
        return -1;
    }
    return n;
}
