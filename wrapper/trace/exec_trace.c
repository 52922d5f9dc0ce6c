/* SPDX-License-Identifier: Apache-2.0 */
/* exec_trace.c — from libricc-trace.so's records to inputs, outputs and the
 * reason not to cache.  See exec_trace.h; the records are described in
 * preload/trace.c.
 *
 * Each path has a history, built record by record in the order they were
 * written (each record is one write(2) with O_APPEND, so this is the order
 * the tool's processes did things):
 *
 *   R, E, M, H  read / run / loaded: an input unless the tool made it first
 *   S        probed and there: a probe (its existence and kind matter)
 *   N        not there: must stay absent, unless the tool made or removed
 *            it first (then it is the tool's own business)
 *   C, T     made or truncated: an output from now on — but refused when
 *            the tool read the old file first (its old content was an
 *            input the run destroyed: the next call could not check it)
 *   W        written without truncation: fine on a file the tool made,
 *            refused on one it found (appending to a file that existed)
 *   D        removed: a file the tool made is then no output (a temporary);
 *            removing one the tool did not make is an effect a hit could not
 *            repeat, so refused unless the tool makes it again
 *   K        a directory made (then the tool's own, like a file it made)
 *   Q, X     its metadata asked for (stat, access): a probe, and what was
 *            asked is kept for the key (exec_meta); a stat that names the
 *            access, change or birth time is refused (they change whenever
 *            the file is read or touched: no value to key)
 *   L, P     its link target read (readlink) or its name resolved
 *            (realpath): the same
 *   U        refused, with the tracer's reason
 *
 * The metadata of a file the tool made is its own business.  A file whose
 * owner, link count, size, times, link target or resolved name the tool
 * looked at and then changed (rm -f, cp over it) is refused, as one it
 * read and then overwrote: what it saw is gone and the next call could not
 * check it.  Its mode and permissions survive such a change, so looking at
 * those alone does not refuse.  Devices and kernel files have no metadata
 * worth keying: asked about, they are ignored.
 *
 * Paths the tool may always use and that say nothing: /dev/null, /dev/zero,
 * and its own standard streams by name (/dev/stdout, /dev/fd/1, ...).
 * Reading anything else under /dev, /proc or /sys is refused: devices and
 * kernel state have no content to key on.  The tracer library itself is
 * not an input (it is ricc's, and not part of what the tool computes). */
#include "wrapper/trace/exec_trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/util/strtab.h"

enum {
    P_INPUT = 1,
    P_PROBE = 2,
    P_ABSENT = 4,
    P_MADE = 8,          /* made or truncated, not removed since */
    P_EVER_MADE = 16,
    P_REMOVED_FOUND = 32, /* removed while the tool had not made it */
    P_DIR = 64,
    P_META_SHIFT = 8, /* above: the XM_* bits asked while the tool had not made it */
};

/* What looking at a file and then changing it makes unverifiable. */
#define XM_CHANGED_BY_WRITES                                                          \
    ((unsigned)(XM_FIELDS & ~XM_MODE) | ((unsigned)(XM_FIELDS & ~XM_MODE) << XM_NOFOLLOW_SHIFT) | \
     XM_LINK | XM_REAL)

/* The XM_* bits a Q, X, L or P record asks for. */
static unsigned meta_bits(const trace_record *r)
{
    switch (r->type) {
    case 'Q': {
        unsigned fields = (unsigned)r->extra & XM_FIELDS;
        return (r->extra & 64) ? fields << XM_NOFOLLOW_SHIFT : fields;
    }
    case 'X':
        return ((unsigned)r->extra & 7) << XM_ACCESS_SHIFT;
    case 'L':
        return XM_LINK;
    default:
        return XM_REAL;
    }
}

static int is_quiet(const char *p)
{
    static const char *const quiet[] = {
        "/dev/null", "/dev/zero", "/dev/stdout", "/dev/stderr", "/dev/fd/1", "/dev/fd/2",
        "/proc/self/fd/1", "/proc/self/fd/2", NULL,
    };
    for (int i = 0; quiet[i]; i++)
        if (!strcmp(p, quiet[i]))
            return 1;
    return 0;
}

static int is_kernel(const char *p)
{
    return !strncmp(p, "/dev/", 5) || !strncmp(p, "/proc/", 6) || !strncmp(p, "/sys/", 5);
}

static int is_tracer(const char *p)
{
    const char *b = strrchr(p, '/');
    return b && !strcmp(b + 1, "libricc-trace.so");
}

/* First reason wins: "WHAT: PATH". */
static int refuse(exec_trace *t, const char *what, const char *path)
{
    if (t->why_not)
        return 0;
    size_t n = strlen(what) + (path ? strlen(path) + 2 : 0) + 1;
    t->why_not = malloc(n);
    if (!t->why_not)
        return -1;
    snprintf(t->why_not, n, "%s%s%s", what, path ? ": " : "", path ? path : "");
    return 0;
}

/* One record's effect on its path.  0 or -1 (out of memory). */
static int apply(exec_trace *t, strtab *tb, const trace_record *r)
{
    char type = r->type;
    const char *path = r->path;
    size_t n = r->path_len;
    if (type == 'U') {
        if (t->why_not)
            return 0;
        if (!(t->why_not = malloc(n + 10)))
            return -1;
        snprintf(t->why_not, n + 10, "the tool %.*s", (int)n, path);
        return 0;
    }
    if (n == 0 || path[0] != '/')
        return refuse(t, "the trace holds a relative path", NULL);
    strtab_entry *e = strtab_get(tb, path, n, NULL);
    if (!e)
        return -1;
    if (is_quiet(e->s) || is_tracer(e->s))
        return 0;
    unsigned f = e->val;
    int changes = type == 'C' || type == 'T' || type == 'W' || type == 'D';
    if (changes && !(f & P_EVER_MADE) && ((f >> P_META_SHIFT) & XM_CHANGED_BY_WRITES))
        return refuse(t, "the tool changes a file whose metadata it looked at", e->s);
    switch (type) {
    case 'R':
    case 'E':
    case 'M':
    case 'H':
        if (!(f & P_EVER_MADE)) {
            if (is_kernel(e->s))
                return refuse(t, "the tool reads a device or kernel state", e->s);
            f |= P_INPUT;
        }
        break;
    case 'S':
        if (!(f & P_EVER_MADE))
            f |= P_PROBE;
        break;
    case 'Q':
    case 'X':
    case 'L':
    case 'P':
        if ((f & P_EVER_MADE) || is_kernel(e->s))
            break;
        if (type == 'Q' && (r->extra & 32))
            return refuse(t, "the tool reads a file's access, change or birth time", e->s);
        f |= P_PROBE | meta_bits(r) << P_META_SHIFT;
        break;
    case 'N':
        if (!(f & (P_EVER_MADE | P_REMOVED_FOUND)))
            f |= P_ABSENT;
        break;
    case 'C':
    case 'T':
        if ((f & P_INPUT) && !(f & P_EVER_MADE))
            return refuse(t, "the tool overwrites a file it read", e->s);
        f |= P_MADE | P_EVER_MADE;
        break;
    case 'W':
        if (!(f & P_MADE))
            return refuse(t, "the tool changes a file it did not make", e->s);
        break;
    case 'D':
        if (!(f & P_EVER_MADE))
            f |= P_REMOVED_FOUND;
        f &= ~(unsigned)P_MADE;
        break;
    case 'K':
        /* Made by the tool: looking into it later is the tool's business. */
        f |= P_DIR | P_EVER_MADE;
        break;
    default:
        return refuse(t, "the trace is malformed", NULL);
    }
    e->val = f;
    return 0;
}

static int push(char ***v, int *n, const char *s)
{
    char *c = strdup(s);
    char **nv = c ? realloc(*v, (size_t)(*n + 1) * sizeof *nv) : NULL;
    if (!nv) {
        free(c);
        return -1;
    }
    nv[(*n)++] = c;
    *v = nv;
    return 0;
}

static int push_meta(exec_trace *t, const char *s, unsigned what)
{
    unsigned *w = realloc(t->meta_what, (size_t)(t->n_meta + 1) * sizeof *w);
    if (!w)
        return -1;
    t->meta_what = w;
    w[t->n_meta] = what; /* push() counts n_meta up */
    return push(&t->meta, &t->n_meta, s);
}

int exec_trace_record(const char *line, size_t n, trace_record *rec)
{
    const char *end = line + n, *p = line + 2;
    if (n < 4 || line[1] != ' ')
        return -1;
    rec->type = line[0];
    rec->ppid = rec->extra = -1;
    int fields = rec->type == 'H' || rec->type == 'Q' || rec->type == 'X' ? 2 : 1;
    for (int k = 0; k < fields; k++) {
        long v = 0;
        const char *d = p;
        while (p < end && *p >= '0' && *p <= '9' && v < 100000000L)
            v = v * 10 + (*p++ - '0');
        if (p == d || p >= end || *p != ' ')
            return -1;
        p++;
        *(k == 0 ? &rec->pid : rec->type == 'H' ? &rec->ppid : &rec->extra) = v;
    }
    rec->path = p;
    rec->path_len = (size_t)(end - p);
    return 0;
}

/* One record's line[0..n).  0 or -1 (out of memory). */
static int parse_line(exec_trace *t, strtab *tb, const char *line, size_t n, long parent)
{
    trace_record rec;
    if (exec_trace_record(line, n, &rec) != 0)
        return refuse(t, "the trace is malformed", NULL);
    if (rec.type == 'H' && rec.ppid == parent)
        t->root_seen = 1;
    return apply(t, tb, &rec);
}

int exec_trace_parse(const char *buf, size_t len, long parent, exec_trace *t)
{
    memset(t, 0, sizeof *t);
    strtab tb = {0};
    int rc = 0;
    for (size_t off = 0; off < len && rc == 0;) {
        const char *nl = memchr(buf + off, '\n', len - off);
        if (!nl) {
            rc = refuse(t, "the trace is malformed (a record was cut short)", NULL);
            break;
        }
        rc = parse_line(t, &tb, buf + off, (size_t)(nl - (buf + off)), parent);
        off = (size_t)(nl - buf) + 1;
    }
    for (int i = 0; i < tb.n && rc == 0; i++) {
        strtab_entry *e = &tb.e[i];
        unsigned f = e->val;
        if ((f & P_REMOVED_FOUND) && !(f & P_MADE))
            rc = refuse(t, "the tool removes a file it did not make", e->s);
        else if (f & P_INPUT)
            rc = push(&t->inputs, &t->n_inputs, e->s);
        else if (f & P_PROBE)
            rc = push(&t->probes, &t->n_probes, e->s);
        else if (f & P_ABSENT)
            rc = push(&t->absent, &t->n_absent, e->s);
        if (rc == 0 && (f & P_MADE))
            rc = push(&t->outputs, &t->n_outputs, e->s);
        if (rc == 0 && (f & P_DIR))
            rc = push(&t->dirs, &t->n_dirs, e->s);
        if (rc == 0 && (f >> P_META_SHIFT) && !(f & P_EVER_MADE))
            rc = push_meta(t, e->s, f >> P_META_SHIFT);
    }
    strtab_free(&tb);
    if (rc != 0)
        exec_trace_free(t);
    return rc;
}

static void free_vec(char **v, int n)
{
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void exec_trace_free(exec_trace *t)
{
    free_vec(t->inputs, t->n_inputs);
    free_vec(t->probes, t->n_probes);
    free_vec(t->absent, t->n_absent);
    free_vec(t->outputs, t->n_outputs);
    free_vec(t->dirs, t->n_dirs);
    free_vec(t->meta, t->n_meta);
    free(t->meta_what);
    free(t->why_not);
    memset(t, 0, sizeof *t);
}
