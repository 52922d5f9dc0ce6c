/* SPDX-License-Identifier: Apache-2.0 */
/* hasinclude.c — the files a compile's __has_include tests find, as inputs.
 * See hasinclude.h for why. */
#include "wrapper/deps/hasinclude.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cache/util/fsutil.h"
#include "cache/util/log.h"
#include "cache/util/strtab.h"
#include "wrapper/deps/incpath.h"
#include "wrapper/compiler/inputs.h"

typedef struct search {
    const inc_chain *chain;
    const char *cwd;
    strtab known;              /* absolute forms of the inputs so far */
    char ***deps;
    int *n_deps;
    int added;
} search;

/* One candidate: 1 if the search stops here, 0 to go on, -1 on error. */
static int candidate(search *s, const char *dir, const inc_ref *ref)
{
    char *joined = dir ? path_join(dir, ref->name) : strdup(ref->name);
    char *cand = joined ? path_normalize(joined) : NULL;
    free(joined);
    if (!cand)
        return -1;
    struct stat st;
    /* Only a file answers "yes"; past anything else the compiler searches
     * on, and so does this (at worst one input more). */
    if (stat(cand, &st) != 0 || !S_ISREG(st.st_mode)) {
        free(cand);
        return 0;
    }
    char *abs = path_absolute(cand, s->cwd);
    int added = 0;
    if (!abs || !strtab_get(&s->known, abs, strlen(abs), &added)) {
        free(abs);
        free(cand);
        return -1;
    }
    free(abs);
    if (added) {
        char **v = realloc(*s->deps, sizeof *v * (size_t)(*s->n_deps + 2));
        if (!v) {
            free(cand);
            return -1;
        }
        *s->deps = v;
        v[(*s->n_deps)++] = cand;
        v[*s->n_deps] = NULL;
        s->added++;
        LOG_D("__has_include finds %s: an input", cand);
    } else {
        free(cand);
    }
    return !ref->next;
}

/* Search for one tested name the way the preprocessor does. */
static int resolve(search *s, const char *includer_dir, const inc_ref *ref)
{
    if (ref->name[0] == '/')
        return candidate(s, NULL, ref) < 0 ? -1 : 0;
    int v = 0;
    if (!ref->angle && (v = candidate(s, includer_dir, ref)) != 0)
        return v < 0 ? -1 : 0;
    for (int i = 0; !ref->angle && i < s->chain->n_quote; i++)
        if ((v = candidate(s, s->chain->quote[i], ref)) != 0)
            return v < 0 ? -1 : 0;
    for (int i = 0; i < s->chain->n_angle; i++)
        if ((v = candidate(s, s->chain->angle[i], ref)) != 0)
            return v < 0 ? -1 : 0;
    return 0;
}

/* The directory an input's quoted names are searched from first. */
static char *includer_dir(const char *dep)
{
    char *named = path_normalize(dep);
    char *dir = named ? path_dirname(named) : NULL;
    free(named);
    return dir;
}

static int read_input(const char *dep, char **text, size_t *len)
{
    if (fs_read_file(dep, text, len) == 0)
        return 0;
    LOG_D("__has_include: cannot read %s", dep);
    return -1;
}

/* The tests in one input, resolved; its wrapper macros kept in *w. */
static int tests_of(search *s, const char *dep, hasinclude_wrappers *w)
{
    char *text;
    size_t len;
    if (read_input(dep, &text, &len) != 0)
        return -1;
    inc_ref *refs;
    int n = incpath_scan_tests(text, len, &refs);
    free(text);
    char *dir = n > 0 ? includer_dir(dep) : NULL;
    int rc = n < 0 || (n > 0 && !dir) ? -1 : 0;
    for (int j = 0; j < n && rc == 0; j++) {
        if (refs[j].wrapper) {
            rc = hasinclude_wrapper_add(w, &refs[j]);
        } else if (refs[j].computed) {
            LOG_D("__has_include: %s tests %s, which cannot be known here", dep, refs[j].name);
            rc = -1;
        } else {
            rc = resolve(s, dir, &refs[j]);
        }
    }
    free(dir);
    if (n > 0)
        inc_refs_free(refs, n);
    return rc;
}

/* A test made through a wrapper in deps[i]. */
static int wrapped_test(void *ctx, int i, const inc_ref *ref)
{
    search *s = ctx;
    const char *dep = (*s->deps)[i]; /* (an input: its string stays) */
    if (ref->computed) {
        LOG_D("__has_include: %s tests %s, which cannot be known here", dep, ref->name);
        return -1;
    }
    char *dir = includer_dir(dep);
    int rc = dir ? resolve(s, dir, ref) : -1;
    free(dir);
    return rc;
}

int hasinclude_add(const hasinclude_in *in, char ***deps, int *n_deps)
{
    int n0 = *n_deps, any = 0;
    for (int i = 0; i < n0; i++)
        any |= (in->flags[i] & INPUT_HAS_INCLUDE) != 0;
    if (!any)
        return 0;
    inc_chain chain;
    if (incpath_chain(in->compiler, in->cmd, in->toolkey, in->ricc_dir, &chain) != 0) {
        LOG_D("__has_include: cannot learn the include search chain");
        return -1;
    }
    search s = {.chain = &chain, .cwd = in->cwd, .deps = deps, .n_deps = n_deps};
    int rc = 0;
    for (int i = 0; i < n0 && rc == 0; i++) {
        char *abs = path_absolute((*deps)[i], in->cwd);
        if (!abs || !strtab_get(&s.known, abs, strlen(abs), NULL))
            rc = -1;
        free(abs);
    }
    hasinclude_wrappers w = {0};
    for (int i = 0; i < n0 && rc == 0; i++)
        if (in->flags[i] & INPUT_HAS_INCLUDE)
            rc = tests_of(&s, (*deps)[i], &w);
    if (rc == 0 && w.n > 0) {
        /* (*deps grows as tests find files: the inputs, apart.) */
        char **inputs = malloc(sizeof *inputs * (size_t)n0);
        if (inputs)
            memcpy(inputs, *deps, sizeof *inputs * (size_t)n0);
        rc = inputs ? hasinclude_wrapped(inputs, n0, &w, wrapped_test, &s) : -1;
        free(inputs);
    }
    hasinclude_wrappers_free(&w);
    strtab_free(&s.known);
    inc_chain_free(&chain);
    return rc == 0 ? s.added : -1;
}

/* ---- wrapper macros ---- */

/* More wrappers than this (each a pass over every input) is no real code:
 * given up on, which leaves the compile uncached. */
#define WRAPPERS_MAX 64

int hasinclude_wrapper_add(hasinclude_wrappers *w, const inc_ref *ref)
{
    for (int i = 0; i < w->n; i++)
        if (!strcmp(w->names[i], ref->name) && w->next[i] == ref->next)
            return 0;
    char **nn = realloc(w->names, sizeof *nn * (size_t)(w->n + 1));
    if (!nn)
        return -1;
    w->names = nn;
    int *nx = realloc(w->next, sizeof *nx * (size_t)(w->n + 1));
    if (!nx)
        return -1;
    w->next = nx;
    if (!(nn[w->n] = strdup(ref->name)))
        return -1;
    nx[w->n++] = ref->next;
    LOG_D("__has_include: %s wraps the test", ref->name);
    return 0;
}

void hasinclude_wrappers_free(hasinclude_wrappers *w)
{
    for (int i = 0; i < w->n; i++)
        free(w->names[i]);
    free(w->names);
    free(w->next);
    memset(w, 0, sizeof *w);
}

/* The uses in one file of the wrappers w->names[from..to). */
static int uses_in(const char *dep, int i, hasinclude_wrappers *w, int from, int to,
                   hasinclude_each_fn each, void *ctx)
{
    char *text;
    size_t len;
    if (read_input(dep, &text, &len) != 0)
        return -1;
    inc_ref *refs;
    int n = incpath_scan_uses(text, len, w->names + from, w->next + from, to - from, &refs);
    free(text);
    int rc = n < 0 ? -1 : 0;
    for (int j = 0; j < n && rc == 0; j++)
        rc = refs[j].wrapper ? hasinclude_wrapper_add(w, &refs[j]) : each(ctx, i, &refs[j]);
    if (n > 0)
        inc_refs_free(refs, n);
    return rc;
}

int hasinclude_wrapped(char *const *deps, int n_deps, hasinclude_wrappers *w,
                       hasinclude_each_fn each, void *ctx)
{
    /* A use may sit in any file, before or after the definition; a macro
     * wrapping a wrapper is one more round, over every file again. */
    for (int from = 0; from < w->n;) {
        if (w->n > WRAPPERS_MAX) {
            LOG_D("__has_include: more than %d wrapper macros", WRAPPERS_MAX);
            return -1;
        }
        int to = w->n;
        for (int i = 0; i < n_deps; i++)
            if (uses_in(deps[i], i, w, from, to, each, ctx) != 0)
                return -1;
        from = to;
    }
    return 0;
}
