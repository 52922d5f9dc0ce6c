/* SPDX-License-Identifier: Apache-2.0 */
/* manifest_explain.c — why no entry of a manifest holds (manifest.h,
 * manifest_explain).  Apart from manifest.c's lookup because that one stops
 * at the first difference of every entry, cheaply, and must stay so on the
 * hit path; this one runs only on a miss (or for `ricc --explain`), checks
 * every file of every entry to find the closest, and says what differs.
 * It reads: no directory stamp is refreshed, nothing is written. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "wrapper/compiler/inputs.h"
#include "wrapper/direct/manifest.h"
#include "wrapper/direct/manifest_int.h"
#include "wrapper/direct/pathlist.h"

typedef struct seek {
    const char *base;
    char found[PATHLIST_MAX + 4096];
} seek;

/* pathlist_each's callback: stop at the first absent path that exists. */
static int appeared(const char *path, void *arg)
{
    seek *s = arg;
    const char *p = manifest_resolved(path, s->base, s->found, sizeof s->found);
    struct stat st;
    if (!p || lstat(p, &st) != 0)
        return 0;
    if (p != s->found)
        snprintf(s->found, sizeof s->found, "%s", p);
    return 1;
}

/* How many of e's files still have their recorded digest. */
static int count_matching(const entry *e, const char *base)
{
    char buf[PATHLIST_MAX + 4096];
    int n = 0;
    for (int i = 0; i < e->n_files; i++) {
        const char *p = manifest_resolved(e->files[i].path, base, buf, sizeof buf);
        struct stat st;
        digest d;
        unsigned flags;
        if (p && input_digest(p, &st, &d, &flags) == 0 && digest_equal(&d, &e->files[i].d))
            n++;
    }
    return n;
}

static void set_path(manifest_diff *out, const char *p)
{
    size_t n = strnlen(p, sizeof out->path - 1);
    memcpy(out->path, p, n);
    out->path[n] = '\0';
}

/* The first thing in e that does not hold (out->kind), or MDIFF_NONE. */
static void first_difference(const entry *e, const char *base, manifest_diff *out)
{
    char buf[PATHLIST_MAX + 4096];
    const char *p;
    for (int i = 0; i < e->n_files; i++) {
        struct stat st;
        digest d;
        unsigned flags;
        p = manifest_resolved(e->files[i].path, base, buf, sizeof buf);
        if (!p || input_digest(p, &st, &d, &flags) != 0) {
            out->kind = MDIFF_GONE;
            set_path(out, p ? p : e->files[i].path);
            out->was = e->files[i].d;
            return;
        }
        if (!digest_equal(&d, &e->files[i].d)) {
            out->kind = MDIFF_FILE;
            set_path(out, p);
            out->was = e->files[i].d;
            out->now = d;
            return;
        }
    }
    for (int i = 0; i < e->n_watch; i++) {
        const mwatch *x = &e->watch[i];
        seek s = {.base = base};
        int hit = 0;
        if (x->absent) {
            for (int j = 0; j < x->n_absent && !hit; j++)
                hit = appeared(x->absent[j], &s);
        } else {
            hit = pathlist_each(x->absent_raw, x->n_raw, appeared, &s) != 0;
        }
        if (hit) {
            out->kind = MDIFF_APPEARED;
            set_path(out, s.found);
            return;
        }
    }
    for (int i = 0; i < e->n_present; i++) {
        struct stat st;
        digest d;
        unsigned flags;
        int64_t kind = e->present_d[i].size_bytes;
        if (!(p = manifest_resolved(e->present[i], base, buf, sizeof buf)))
            continue;
        int differs = kind == PRESENT_ABSENT ? lstat(p, &st) == 0 || errno != ENOENT
                      : kind < 0             ? stat(p, &st) != 0
                                             : input_digest(p, &st, &d, &flags) != 0 ||
                                                   !digest_equal(&d, &e->present_d[i]);
        if (differs) {
            out->kind = kind == PRESENT_ABSENT ? MDIFF_APPEARED : MDIFF_PRESENT;
            set_path(out, p);
            out->was = e->present_d[i];
            if (kind >= 0 && input_digest(p, &st, &d, &flags) == 0)
                out->now = d;
            return;
        }
    }
    if (e->date[0]) {
        char today[16];
        time_t now = time(NULL);
        struct tm tm;
        strftime(today, sizeof today, "%Y-%m-%d", localtime_r(&now, &tm));
        if (strcmp(today, e->date) != 0) {
            out->kind = MDIFF_DATE;
            snprintf(out->date, sizeof out->date, "%s", e->date);
            return;
        }
    }
    out->kind = MDIFF_NONE;
    out->action = e->action;
}

void manifest_explain(const manifest *m, const char *base, manifest_diff *out)
{
    memset(out, 0, sizeof *out);
    out->kind = MDIFF_EMPTY;
    out->entry = -1;
    int best = -1, best_n = -1;
    for (int i = 0; i < m->n; i++) {
        const entry *e = &m->e[i];
        int here = !e->base || (base && !strcmp(e->base, base));
        if (e->foreign || !here)
            continue;
        out->n_entries++;
        int n = count_matching(e, base);
        if (n > best_n) {
            best = i;
            best_n = n;
        }
    }
    if (best < 0)
        return;
    out->entry = best;
    out->matched = best_n;
    out->total = m->e[best].n_files;
    first_difference(&m->e[best], base, out);
}
