/* SPDX-License-Identifier: Apache-2.0 */
/* observe.c — see observe.h.  One pass over the records in the order they
 * were written (each is one write(2) with O_APPEND), keeping per path what
 * happened to it so far, then the sets are filtered.  exec_trace.c reads
 * the same records for `ricc exec`, where everything the tool does is the
 * action; here only the reads beyond the dependency output are wanted, and
 * the toolchain's own doings are the identity's. */
#include "wrapper/trace/observe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/util/fsutil.h"
#include "cache/util/strtab.h"
#include "wrapper/trace/exec_trace.h"

/* strtab values for paths. */
enum {
    F_READ = 1,       /* read by a process, not made by the compile first */
    F_MADE = 2,       /* made, truncated or written by the compile */
    F_TOOL = 4,       /* a program run or an object loaded */
    F_ABSENT = 8,     /* looked for by a helper program, not there */
    F_READ_THEN_MADE = 16,
    F_RAN = 32,       /* a program run (H, E records) */
};

#define MAX_PROCS 64

typedef struct proc {
    long pid;
    int started;      /* its H record has been seen */
    int root;         /* the driver: started by the caller */
} proc;

typedef struct state {
    proc procs[MAX_PROCS];
    int n_procs;
    int root_seen;
    int root_compiles;   /* the root has read a dependency: it compiles */
    strtab paths;
    const strtab *known; /* the dependency set */
    observed *o;
} state;

static proc *proc_of(state *s, long pid)
{
    for (int i = 0; i < s->n_procs; i++)
        if (s->procs[i].pid == pid)
            return &s->procs[i];
    if (s->n_procs == MAX_PROCS)
        return NULL;
    proc *p = &s->procs[s->n_procs++];
    *p = (proc){.pid = pid};
    return p;
}

static int is_kernel(const char *p, size_t n)
{
    return (n >= 5 && !memcmp(p, "/dev/", 5)) || (n >= 6 && !memcmp(p, "/proc/", 6)) ||
           (n >= 5 && !memcmp(p, "/sys/", 5));
}

static int set_why(observed *o, const char *what, const char *path, size_t n)
{
    if (o->why_not)
        return 0;
    size_t cap = strlen(what) + n + 3;
    if (!(o->why_not = malloc(cap)))
        return -1;
    snprintf(o->why_not, cap, "%s%s%.*s", what, n ? ": " : "", (int)n, path);
    return 0;
}

static int mark(state *s, const trace_record *r, unsigned bits)
{
    strtab_entry *e = strtab_get(&s->paths, r->path, r->path_len, NULL);
    if (!e)
        return -1;
    if ((bits & F_MADE) && (e->val & F_READ))
        e->val |= F_READ_THEN_MADE;
    if ((bits & F_READ) && (e->val & F_MADE))
        return 0; /* the compile's own file (the driver's temporary .s) */
    e->val |= bits;
    return 0;
}

static char *path_normalize_n(const char *p, size_t n)
{
    char *copy = strndup(p, n);
    char *norm = copy ? path_normalize(copy) : NULL;
    free(copy);
    return norm;
}

static int one(state *s, const trace_record *r)
{
    proc *p = proc_of(s, r->pid);
    if (!p)
        return set_why(s->o, "too many processes to observe", "", 0);
    if (r->type == 'H') {
        p->started = 1;
        p->root = p->root || r->ppid == (long)-1;
        s->root_seen |= p->root;
        return mark(s, r, F_TOOL | F_RAN);
    }
    if (r->type == 'U' && !p->root)
        return set_why(s->o, "a process of the compile", r->path, r->path_len);
    if (is_kernel(r->path, r->path_len) || r->type == 'S' || r->type == 'D')
        return 0;
    switch (r->type) {
    case 'M':
        return mark(s, r, F_TOOL);
    case 'E':
        return mark(s, r, F_TOOL | F_RAN);
    case 'C': case 'T': case 'W': case 'K':
        return mark(s, r, F_MADE);
    case 'R':
        /* The driver reads before it compiles (clang in its own process)
         * to find its toolchain: /etc/os-release, a CUDA installation's
         * version.  The identity answers for that; what it reads once it
         * compiles counts (clang's integrated assembler, in-process). */
        if (p->root && !s->root_compiles) {
            char *norm = path_normalize_n(r->path, r->path_len);
            if (!norm)
                return -1;
            s->root_compiles = strtab_find(s->known, norm, strlen(norm)) != NULL;
            free(norm);
            if (!s->root_compiles)
                return 0;
        }
        return mark(s, r, F_READ);
    case 'N':
        return p->started && !p->root ? mark(s, r, F_ABSENT) : 0;
    default:
        return 0;
    }
}

static int take(char **out, int *n, const char *path)
{
    if (!(out[*n] = strdup(path)))
        return -1;
    (*n)++;
    return 0;
}

/* The dependency set as absolute, normalized names. */
static int deps_table(strtab *t, const char *cwd, char *const *deps, int n)
{
    for (int i = 0; i < n; i++) {
        char *abs = path_absolute(deps[i], cwd);
        char *norm = abs ? path_normalize(abs) : NULL;
        free(abs);
        if (!norm || !strtab_get(t, norm, strlen(norm), NULL)) {
            free(norm);
            return -1;
        }
        free(norm);
    }
    return 0;
}

int observe_parse(const char *records, size_t len, long parent, const char *cwd,
                  char *const *deps, int n_deps, observed *o)
{
    memset(o, 0, sizeof *o);
    strtab known = {0};
    state s = {.o = o, .known = &known};
    int rc = -1;
    if (deps_table(&known, cwd, deps, n_deps) != 0)
        goto out;
    const char *p = records, *end = records + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        trace_record r;
        if (exec_trace_record(p, n, &r) != 0) {
            if (set_why(o, "the compile's trace is malformed", "", 0) != 0)
                goto out;
        } else {
            if (r.type == 'H' && r.ppid == parent)
                r.ppid = -1; /* (the root, as one() knows it) */
            if (one(&s, &r) != 0)
                goto out;
        }
        p += n + 1;
    }
    if (!s.root_seen && set_why(o, "the compiler could not be traced", "", 0) != 0)
        goto out;
    int cap = s.paths.n + 1;
    o->extra = calloc((size_t)cap, sizeof *o->extra);
    o->absent = calloc((size_t)cap, sizeof *o->absent);
    o->ran = calloc((size_t)cap, sizeof *o->ran);
    if (!o->extra || !o->absent || !o->ran)
        goto out;
    for (int i = 0; i < s.paths.n; i++) {
        const strtab_entry *e = &s.paths.e[i];
        const char *path = e->s;
        if (e->val & F_TOOL) {
            if ((e->val & F_RAN) && take(o->ran, &o->n_ran, path) != 0)
                goto out;
            continue;
        }
        if ((e->val & F_READ_THEN_MADE) &&
            set_why(o, "the compile overwrote a file it read", path, strlen(path)) != 0)
            goto out;
        char *norm = path_normalize(path);
        if (!norm)
            goto out;
        int dep = strtab_find(&known, norm, strlen(norm)) != NULL;
        free(norm);
        if ((e->val & F_READ) && !(e->val & F_MADE) && !dep &&
            take(o->extra, &o->n_extra, path) != 0)
            goto out;
        if ((e->val & F_ABSENT) && !(e->val & (F_MADE | F_READ)) &&
            take(o->absent, &o->n_absent, path) != 0)
            goto out;
    }
    rc = 0;
out:
    strtab_free(&s.paths);
    strtab_free(&known);
    if (rc != 0)
        observed_free(o);
    return rc;
}

void observed_free(observed *o)
{
    for (int i = 0; i < o->n_extra; i++)
        free(o->extra[i]);
    for (int i = 0; i < o->n_absent; i++)
        free(o->absent[i]);
    for (int i = 0; i < o->n_ran; i++)
        free(o->ran[i]);
    free(o->ran);
    free(o->extra);
    free(o->absent);
    free(o->why_not);
    memset(o, 0, sizeof *o);
}
