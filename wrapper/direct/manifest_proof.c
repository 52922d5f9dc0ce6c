/* SPDX-License-Identifier: Apache-2.0 */
/* manifest_proof.c — recording a direct-mode manifest's proof: every
 * #include of every input resolved the way the preprocessor searches, each
 * candidate before the one found (and its .gch/.pch where the compiler
 * could use one) recorded as "must stay absent", grouped under its nearest
 * existing directory.  See manifest.h for why, and manifest.c for how a
 * lookup checks it.  The include names of an input come from the scans
 * memo (cache/local/memo.h) under its digest when an earlier miss kept them.
 * A computed include (#include MACRO), whose name is not known here, is
 * resolved under every name it could have had: see resolve_computed.  A
 * __has_include test is resolved as an include is (what it finds is kept as
 * present); one made through a wrapper macro is found where the macro is
 * used (hasinclude_wrapped); one whose name is not known here (a macro's
 * expansion: incpath.h) makes the set unprovable, as what it finds is in no
 * key either (hasinclude.h). */
#include "wrapper/direct/manifest_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cache/util/fsutil.h"
#include "cache/util/log.h"
#include "cache/local/memo.h"
#include "cache/util/strtab.h"
#include "wrapper/deps/hasinclude.h"
#include "wrapper/deps/incpath.h"
#include "wrapper/deps/pathprobe.h"
#include "wrapper/util/strvec.h"

typedef struct depref {
    const char *norm;
    int index;
} depref;

static int cmp_depref(const void *a, const void *b)
{
    return strcmp(((const depref *)a)->norm, ((const depref *)b)->norm);
}

typedef struct recorder {
    depref *sorted;
    int n_deps;
    char *accounted;
    strvec absent, present;
    strtab seen;               /* candidates visited: SEEN_* */
    pathprobe probe;           /* directories looked at */
    strtab names;              /* names whose missing-directory paths are in */
    strtab computed_dirs;      /* includer directories resolve_computed did */
    const inc_chain *chain;
    const char *cwd;           /* absolute: relative paths are against it */
    char **deps;               /* the inputs, as the compile named them */
    int pch;                   /* a precompiled header could be used */
    int pch_main_only;         /* gcc: only the main file's includes can be */
    int probe_pch;             /* does the include being resolved need it? */
} recorder;

/* What a visited candidate gave (strtab val): absent or found, and whether
 * its precompiled forms were looked for (a later visit may need them). */
enum { SEEN_ABSENT = 1, SEEN_FOUND = 2, SEEN_PCH = 4 };

static int find_dep(const recorder *r, const char *norm)
{
    depref key = {norm, -1};
    depref *hit = bsearch(&key, r->sorted, (size_t)r->n_deps, sizeof key, cmp_depref);
    return hit ? hit->index : -1;
}

/* Proof paths are kept as the compile names them, made lexically normal:
 * relative where the search directory (or the including file) was given
 * relative, so a manifest shared by two checkouts whose Commands are the
 * same checks each checkout's own files, and absolute where it was absolute.
 * Matching against the dependency list is done on absolute forms. */
static char *candidate(const char *dir, const char *name)
{
    char *joined = dir ? path_join(dir, name) : strdup(name);
    char *cand = joined ? path_normalize(joined) : NULL;
    free(joined);
    return cand;
}

/* gcc and clang look for NAME.gch (clang also NAME.pch) in each directory
 * before NAME, and use it in its place without the dependency output naming
 * it: such a file must not exist anywhere the search went. */
static int pch_absent(recorder *r, const char *cand)
{
    static const char *const ext[] = {".gch", ".pch"};
    for (size_t i = 0; i < sizeof ext / sizeof *ext; i++) {
        size_t n = strlen(cand);
        char *p = malloc(n + 5);
        if (!p)
            return -1;
        memcpy(p, cand, n);
        memcpy(p + n, ext[i], 5);
        if (pathprobe_exists(&r->probe, p)) {
            LOG_D("direct mode: precompiled header %s", p);
            r->pch = 1;
            free(p);
            return -1;
        }
        if (strvec_push(&r->absent, p))
            return -1;
    }
    return 0;
}

/* One candidate: 1 if the search stops here (found), 0 to go on, -1 error. */
static int visit(recorder *r, const char *dir, const char *name, int next)
{
    char *cand = candidate(dir, name);
    int added;
    strtab_entry *seen = cand ? strtab_get(&r->seen, cand, strlen(cand), &added) : NULL;
    if (!seen) {
        free(cand);
        return -1;
    }
    if (!added) {
        /* Headers include the same names again and again (every header
         * of a library includes its base types): the same candidate gives
         * the same answer, and its paths are recorded already, unless its
         * precompiled forms are wanted now and were not then. */
        unsigned val = seen->val;
        int rc = 0;
        if (r->probe_pch && !(val & SEEN_PCH)) {
            seen->val |= SEEN_PCH;
            rc = pch_absent(r, cand);
        }
        free(cand);
        return rc < 0 ? -1 : (val & SEEN_FOUND) ? !next : 0;
    }
    /* (cand is normal: an absolute one is its own absolute form.) */
    char *abs = cand[0] == '/' ? NULL : path_absolute(cand, r->cwd);
    if ((cand[0] != '/' && !abs) || (r->probe_pch && pch_absent(r, cand) != 0)) {
        free(cand);
        free(abs);
        return -1;
    }
    int i = find_dep(r, abs ? abs : cand);
    free(abs);
    /* (seen is still valid: pch_absent and pathprobe_exists() add to r->probe only.) */
    seen->val = SEEN_FOUND | (r->probe_pch ? SEEN_PCH : 0);
    if (i >= 0) {
        r->accounted[i] = 1;
        free(cand);
        return !next;
    }
    if (pathprobe_exists(&r->probe, cand))
        return strvec_push(&r->present, cand) ? -1 : !next;
    seen->val = SEEN_ABSENT | (r->probe_pch ? SEEN_PCH : 0);
    return strvec_push(&r->absent, cand) ? -1 : 0;
}

/* Resolve one include the way the preprocessor searches, recording what was
 * found and what must stay absent. */
static int resolve(recorder *r, const char *includer_dir, const inc_ref *ref)
{
    if (ref->name[0] == '/')
        return visit(r, NULL, ref->name, 0) < 0 ? -1 : 0;
    int v = 0;
    if (!ref->angle && (v = visit(r, includer_dir, ref->name, ref->next)) != 0)
        goto missing;
    for (int i = 0; !ref->angle && i < r->chain->n_quote; i++)
        if ((v = visit(r, r->chain->quote[i], ref->name, ref->next)) != 0)
            goto missing;
    for (int i = 0; i < r->chain->n_angle; i++)
        if ((v = visit(r, r->chain->angle[i], ref->name, ref->next)) != 0)
            goto missing;
missing:
    if (v < 0)
        return -1;
    /* A search directory that does not exist yet could appear anywhere in
     * the chain: its candidate (and, where wanted, its precompiled forms)
     * must stay absent whatever was found.  Those depend on the name alone:
     * recorded once (names val: SEEN_ABSENT, | SEEN_PCH). */
    if (!r->chain->n_missing)
        return 0;
    strtab_entry *done = strtab_get(&r->names, ref->name, strlen(ref->name), NULL);
    if (!done)
        return -1;
    int plain = !done->val, pch = r->probe_pch && !(done->val & SEEN_PCH);
    done->val |= SEEN_ABSENT | (pch ? SEEN_PCH : 0);
    for (int i = 0; (plain || pch) && i < r->chain->n_missing; i++) {
        char *cand = candidate(r->chain->missing[i], ref->name);
        if (!cand || (pch && pch_absent(r, cand) != 0)) {
            free(cand);
            return -1;
        }
        if (!plain)
            free(cand);
        else if (strvec_push(&r->absent, cand))
            return -1;
    }
    return 0;
}

/* What follows dir (as the compiler spells it) in path, or NULL: the
 * compiler joins a directory and a name with a '/' unless the directory
 * ends with one, and "" (a file in the working directory) with nothing. */
static const char *name_under(const char *path, const char *dir, size_t dlen)
{
    if (dlen == 0)
        return path[0] != '/' ? path : NULL;
    if (strncmp(path, dir, dlen) != 0)
        return NULL;
    const char *rest = dir[dlen - 1] == '/' ? path + dlen : path[dlen] == '/' ? path + dlen + 1 : NULL;
    return rest && *rest ? rest : NULL;
}

static int resolve_both(recorder *r, const char *includer_dir, const char *name)
{
    inc_ref q = {(char *)name, 0, 0, 0, 0, 0, 0}, a = {(char *)name, 1, 0, 0, 0, 0, 0};
    return resolve(r, includer_dir, &q) != 0 || resolve(r, includer_dir, &a) != 0 ? -1 : 0;
}

/* Every reading of spelling as DIR/N, DIR the includer's (as spelled, its
 * length slen) or a search chain directory: N resolved from the includer. */
static int resolve_readings(recorder *r, const char *spelling, const char *self, size_t slen,
                            const char *includer_dir)
{
    const inc_chain *c = r->chain;
    const char *name;
    int rc = 0;
    if (spelling[0] == '/')
        rc = resolve_both(r, includer_dir, spelling);
    if (rc == 0 && (name = name_under(spelling, self, slen)))
        rc = resolve_both(r, includer_dir, name);
    for (int k = 0; rc == 0 && k < c->n_quote + c->n_angle; k++) {
        const char *dir = k < c->n_quote ? c->quote[k] : c->angle[k - c->n_quote];
        if ((name = name_under(spelling, dir, strlen(dir))))
            rc = resolve_both(r, includer_dir, name);
    }
    return rc;
}

/* A computed include in deps[i] (`#include MACRO`, not _next).  The macro's
 * expansion is a function of the inputs' bytes and the command line, both
 * of which a hit requires unchanged, so the name N it gave is the same next
 * time; it is only unknown.  The file N found is one of the dependencies,
 * spelled by the compiler, which does not normalize, as DIR/N with DIR the
 * includer's own directory or a directory of the search chain.  So every
 * way of reading each dependency's spelling as DIR/N (and an absolute one
 * as N itself) is resolved from the includer as a quote include and as an
 * angle include: the true search is among these, and what they record is a
 * superset of what it needs.  (They never need precompiled headers looked
 * for: the caller refused the one include gcc could read one for.)  This
 * depends only on the includer's directory: done once for each.
 *
 * The spelling must be the compiler's.  The file trace (opentrace.c) names
 * a path under the working directory relative to it: a relative one is
 * read as the absolute one it may have been, too.  What cannot be undone:
 * gcc spells a header found in a system directory by its real path where
 * that is shorter (-fcanonical-system-headers), so a name that climbs out
 * of a system directory with ".." (or through a symbolic link to a shorter
 * path) shows under another directory, and its own search is not among
 * those resolved here. */
static int resolve_computed(recorder *r, const manifest_inputs *in, int i, const char *includer_dir)
{
    const char *self = in->deps[i], *slash = strrchr(self, '/');
    size_t slen = slash ? (size_t)(slash - self) + 1 : 0;
    int added;
    if (!strtab_get(&r->computed_dirs, self, slen, &added))
        return -1;
    if (!added)
        return 0;
    int probe_pch = r->probe_pch;
    r->probe_pch = 0;
    int rc = 0;
    for (int j = 0; j < in->n_deps && rc == 0; j++) {
        const char *d = in->deps[j];
        rc = resolve_readings(r, d, self, slen, includer_dir);
        if (rc == 0 && d[0] != '/') {
            char *abs = path_join(r->cwd, d);
            rc = abs ? resolve_readings(r, abs, self, slen, includer_dir) : -1;
            free(abs);
        }
    }
    r->probe_pch = probe_pch;
    return rc;
}

/* A test that deps[i] makes through a wrapper macro (hasinclude.h). */
static int wrapped_test(void *ctx, int i, const inc_ref *ref)
{
    recorder *r = ctx;
    if (ref->computed) {
        LOG_D("direct mode: %s has a __has_include test of %s, which cannot be resolved",
              r->deps[i], ref->name);
        return -1;
    }
    char *named = path_normalize(r->deps[i]);
    char *dir = named ? path_dirname(named) : NULL;
    free(named);
    int rc = dir ? resolve(r, dir, ref) : -1;
    free(dir);
    return rc;
}

/* Group the absent paths under their nearest existing directory. */
static int add_to_watch(mwatch *x, strvec *absent, int i)
{
    /* (x is never NULL: its one caller passes an entry of e->watch.) */
    /* cppcheck-suppress [nullPointerRedundantCheck, ctunullpointer] */
    char **na = realloc(x->absent, sizeof *na * (size_t)(x->n_absent + 1));
    if (!na)
        return -1;
    x->absent = na;
    na[x->n_absent++] = absent->v[i];
    absent->v[i] = NULL;
    return 0;
}

static int make_watches(recorder *r, entry *e, strvec *absent)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    /* Thousands of absent paths share a few dozen directories: each
     * directory is looked up once (val: its watch's index + 1). */
    strtab dirs = {0};
    int rc = -1;
    for (int i = 0; i < absent->n; i++) {
        const char *slash = strrchr(absent->v[i], '/');
        size_t dlen = slash ? (size_t)(slash - absent->v[i]) + 1 : 0;
        int added;
        strtab_entry *known = strtab_get(&dirs, absent->v[i], dlen, &added);
        if (!known)
            goto out;
        if (!added) {
            if (add_to_watch(&e->watch[known->val - 1], absent, i) != 0)
                goto out;
            continue;
        }
        /* Up to the nearest directory there (the proof has looked at most
         * of them already), which is stat()ed once for its stamp. */
        char *dir = path_dirname(absent->v[i]);
        while (dir && !pathprobe_dir(&r->probe, dir, strlen(dir))) {
            char *up = path_dirname(dir);
            if (up && !strcmp(up, dir)) {
                free(up);
                free(dir);
                dir = NULL;
                break;
            }
            free(dir);
            dir = up;
        }
        if (!dir)
            goto out;
        mwatch *x = NULL;
        for (int j = e->n_watch - 1; j >= 0 && !x; j--)
            if (!strcmp(e->watch[j].dir, dir))
                x = &e->watch[j];
        struct stat st;
        if (!x && stat(dir, &st) != 0) {
            free(dir); /* gone since: nothing to watch, no proof */
            goto out;
        }
        if (!x) {
            mwatch *nw = realloc(e->watch, sizeof *nw * (size_t)(e->n_watch + 1));
            if (!nw) {
                free(dir);
                goto out;
            }
            e->watch = nw;
            x = &nw[e->n_watch++];
            memset(x, 0, sizeof *x);
            x->dir = dir;
            x->ino = (uint64_t)st.st_ino;
            x->mtime = manifest_ts(st.st_mtim);
            x->ctime = manifest_ts(st.st_ctim);
            int64_t newest = x->mtime > x->ctime ? x->mtime : x->ctime;
            x->always = manifest_ts(now) - newest < SETTLE_NS;
        } else {
            free(dir);
        }
        known->val = (unsigned)(x - e->watch) + 1;
        if (add_to_watch(x, absent, i) != 0)
            goto out;
    }
    rc = 0;
out:
    strtab_free(&dirs);
    return rc;
}

/* The includes of deps[i]: kept in the scans memo under the file's digest
 * (the names are a function of its bytes alone), else read, scanned and
 * kept.  The count with *refs, or -1 when the file cannot be read (or
 * out of memory). */
static int dep_refs(const manifest_inputs *in, int i, inc_ref **refs)
{
    unsigned char val[MEMO_VALUE_MAX];
    int len = memo_get(in->scans, &in->dep_digests[i], val);
    if (len >= 0) {
        int n = inc_refs_decode(val, (size_t)len, refs);
        if (n >= 0) {
            LOG_D("direct mode: the include names of %s from the memo", in->deps[i]);
            return n;
        }
    }
    char *text;
    size_t tlen;
    if (fs_read_file(in->deps[i], &text, &tlen) != 0)
        return -1;
    int n = incpath_scan(text, tlen, refs);
    free(text);
    if (n < 0)
        return -1;
    len = inc_refs_encode(*refs, n, val, sizeof val);
    if (len >= 0)
        memo_put(in->scans, &in->dep_digests[i], val, (size_t)len);
    return n;
}

int manifest_record_proof(entry *e, const manifest_inputs *in)
{
    const compile_cmd *cmd = in->cmd;
    inc_chain chain;
    if (incpath_chain(in->compiler, cmd, in->toolkey, in->ricc_dir, &chain) != 0) {
        LOG_D("direct mode: cannot learn the include search chain");
        return -1;
    }
    recorder r = {.n_deps = in->n_deps, .chain = &chain, .cwd = in->cwd, .deps = in->deps,
                  .pch_main_only = in->gcc, .probe_pch = 1};
    hasinclude_wrappers wrappers = {0};
    r.sorted = calloc((size_t)in->n_deps + 1, sizeof *r.sorted);
    r.accounted = calloc((size_t)in->n_deps + 1, 1);
    char **norms = calloc((size_t)in->n_deps + 1, sizeof *norms);
    int rc = -1;
    if (!r.sorted || !r.accounted || !norms)
        goto out;
    for (int i = 0; i < in->n_deps; i++) {
        if (!(norms[i] = path_absolute(in->deps[i], in->cwd)))
            goto out;
        r.sorted[i] = (depref){norms[i], i};
    }
    qsort(r.sorted, (size_t)in->n_deps, sizeof *r.sorted, cmp_depref);

    /* The source, and -include/-imacros files, are named on the command line
     * (the latter searched from the working directory first). */
    char *src = path_absolute(cmd->source, in->cwd);
    int si = src ? find_dep(&r, src) : -1;
    free(src);
    if (si >= 0)
        r.accounted[si] = 1;
    /* gcc (and clang on glibc systems) reads <stdc-predef.h> before the
     * source, found through the system search chain, ignored if absent. */
    inc_ref predef = {"stdc-predef.h", 1, 0, 0, 0, 0, 0};
    if (resolve(&r, NULL, &predef) != 0)
        goto out;
    for (int i = 1; i + 1 < cmd->argc; i++) {
        if (strcmp(cmd->argv[i], "-include") && strcmp(cmd->argv[i], "-imacros"))
            continue;
        inc_ref ref = {cmd->argv[i + 1], 0, 0, 0, 0, 0, 0};
        if (resolve(&r, NULL, &ref) != 0)
            goto out;
    }

    for (int i = 0; i < in->n_deps; i++) {
        inc_ref *refs;
        int n = dep_refs(in, i, &refs);
        if (n < 0)
            goto out;
        /* gcc reads a precompiled header only in place of the main file's
         * first #include ("you cannot include a precompiled header from
         * inside another header", gcc's manual), or of an -include file;
         * so only the source's own includes need their .gch looked for.
         * Other compilers: every include, as far as we know. */
        r.probe_pch = !r.pch_main_only || si < 0 || i == si;
        char *named = path_normalize(in->deps[i]);
        char *dir = named ? path_dirname(named) : NULL;
        free(named);
        int computed = 0;
        for (int j = 0; j < n && dir; j++) {
            /* A precompiled header read for a computed include would be
             * named after the name not known here, and no dependency
             * output names it: provable only where none can be read.
             * Under gcc that is anywhere but the main file's first
             * include, which an #include outside every #if before this
             * one rules out; other compilers: nowhere (r.probe_pch). */
            int pch = r.probe_pch && !(r.pch_main_only && refs[j].after_include);
            if (refs[j].test && refs[j].computed) {
                /* No name to resolve: what it finds is in no key either
                 * (hasinclude.h), nor can its absence be proven. */
                LOG_D("direct mode: %s has a __has_include test of %s, which cannot be resolved",
                      in->deps[i], refs[j].name);
                free(dir);
                dir = NULL;
            } else if (refs[j].wrapper) {
                if (hasinclude_wrapper_add(&wrappers, &refs[j]) != 0) {
                    free(dir);
                    dir = NULL;
                }
            } else if (refs[j].computed && (refs[j].next || pch)) {
                LOG_D("direct mode: %s has #include%s %s, which cannot be resolved", in->deps[i],
                      refs[j].next ? "_next" : "", refs[j].name);
                free(dir);
                dir = NULL;
            } else if (refs[j].computed) {
                computed = 1;
            } else if (resolve(&r, dir, &refs[j]) != 0) {
                free(dir);
                dir = NULL;
            }
        }
        if (dir && computed) {
            LOG_D("direct mode: %s has a computed #include: each input's name is resolved from it",
                  in->deps[i]);
            if (resolve_computed(&r, in, i, dir) != 0) {
                free(dir);
                dir = NULL;
            }
        }
        inc_refs_free(refs, n);
        if (!dir)
            goto out;
        free(dir);
    }
    /* Tests made through wrapper macros, wherever they are used. */
    r.probe_pch = 0;
    if (wrappers.n > 0 && hasinclude_wrapped(in->deps, in->n_deps, &wrappers, wrapped_test,
                                             &r) != 0)
        goto out;
    for (int i = 0; i < in->n_deps; i++)
        if (!r.accounted[i]) {
            LOG_D("direct mode: no include accounts for %s", in->deps[i]);
            goto out;
        }

    strvec_sort_unique(&r.absent);
    strvec_sort_unique(&r.present);
    if (make_watches(&r, e, &r.absent) != 0)
        goto out;
    e->present = r.present.v;
    e->n_present = r.present.n;
    r.present.v = NULL;
    r.present.n = 0;
    rc = 0;
out:
    for (int i = 0; norms && i < in->n_deps; i++)
        free(norms[i]);
    free(norms);
    free(r.sorted);
    free(r.accounted);
    strvec_free(&r.absent);
    strvec_free(&r.present);
    strtab_free(&r.seen);
    pathprobe_free(&r.probe);
    strtab_free(&r.names);
    strtab_free(&r.computed_dirs);
    hasinclude_wrappers_free(&wrappers);
    inc_chain_free(&chain);
    return r.pch ? MANIFEST_PCH : rc;
}

