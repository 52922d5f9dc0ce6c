/* SPDX-License-Identifier: Apache-2.0 */
/* identity_probe.c — asking the driver what the identity (identity.h) is
 * made of, and noting what it searched.
 *
 * The driver is asked with the user's driver options (-B, --sysroot, ...)
 * in the environment of the call (COMPILER_PATH, GCC_EXEC_PREFIX,
 * LIBRARY_PATH, PATH), so it answers for the programs this call runs:
 *   -print-search-dirs          its version, multilib and program
 *                               directories (T entries; the program
 *                               directories are watched: D entries);
 *   -print-prog-name=PROG       where it finds each program; a bare name
 *                               means PATH, searched here as execvp does,
 *                               the directories before the one that has it
 *                               watched;
 *   -print-file-name=specs      (gcc) the specs file it would read; the
 *                               directories it looks in are watched, so
 *                               one appearing is seen;
 *   -E -v with each sysroot replaced by a probe that cannot exist: the
 *                               sysroot's standard include directories,
 *                               unresolved, then looked at under the real
 *                               sysroot (L entries).
 * A directory that does not exist is watched through its nearest existing
 * ancestor, cut at '/' as written (never normalized: "a/link/.." is not
 * "a"): that is the one whose entries change when it appears. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/util/fsutil.h"
#include "wrapper/compiler/identity_int.h"
#include "wrapper/util/run.h"

/* A sysroot that cannot exist: the driver then lists the sysroot's
 * standard directories as "ignoring nonexistent directory", unresolved. */
#define SYSROOT_PROBE "/proc/self/ricc-sysroot-probe-"

/* Run the compiler with the driver options and then extra (NULL-ended).
 * 0 when it ran (r filled), -1 when it could not be started. */
static int ask(const char *compiler, char *const *opts, const char *const *extra, run_result *r)
{
    int n = 0, k = 0;
    while (opts && opts[n])
        n++;
    int m = 0;
    while (extra[m])
        m++;
    char **argv = calloc((size_t)n + (size_t)m + 2, sizeof *argv);
    if (!argv)
        return -1;
    argv[k++] = (char *)compiler;
    for (int i = 0; i < n; i++)
        argv[k++] = opts[i];
    for (int i = 0; i < m; i++)
        argv[k++] = (char *)extra[i];
    int rc = run_capture(compiler, argv, r);
    free(argv);
    return rc;
}

/* The first line of a successful answer, or NULL (and unstorable when the
 * driver could not be run: the record would miss what it did not learn). */
static char *ask_line(id_record *rec, const char *compiler, char *const *opts, const char *q)
{
    const char *extra[] = {q, NULL};
    run_result r;
    if (ask(compiler, opts, extra, &r) != 0) {
        rec->unstorable = 1;
        return NULL;
    }
    char *line = NULL;
    if (r.status == 0) {
        r.out[strcspn(r.out, "\n")] = '\0';
        if (r.out[0])
            line = strdup(r.out);
    }
    run_result_free(&r);
    return line;
}

/* A file by content.  Its hash comes from the previous record when the
 * file is the same (stat and resolved path): a change to a directory the
 * driver searched must not cost hashing cc1plus again.  0 (also when the
 * file cannot be found: not a part), -1 if it cannot be read. */
static int add_part(id_record *rec, const id_record *old, const char *path)
{
    char *real = realpath(path, NULL);
    struct stat st;
    if (!real || stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        free(real);
        return 0;
    }
    for (int i = 0; i < rec->n; i++)
        if (rec->e[i].kind == 'P' && !strcmp(rec->e[i].real, real) && !strcmp(rec->e[i].path, path)) {
            free(real);
            return 0;
        }
    id_entry *e = identity_record_add(rec, 'P', path, real);
    int rc = e ? 0 : -1;
    for (int i = 0; e && old && i < old->n; i++) {
        const id_entry *o = &old->e[i];
        if (o->kind == 'P' && !strcmp(o->real, real) && identity_same_file(&o->st, &st)) {
            memcpy(e->hash, o->hash, sizeof e->hash);
            break;
        }
    }
    if (e) {
        e->st = st;
        digest d;
        if (!e->hash[0]) {
            if (digest_file(real, &d) == 0)
                memcpy(e->hash, d.hash, sizeof e->hash);
            else
                rc = -1;
        }
    }
    free(real);
    return rc;
}

/* A directory searched: it, or when it does not exist the nearest
 * ancestor that does (the one that must change for it to appear).  The
 * path is cut at '/' as written, never normalized: "a/link/.." is not "a". */
static int watch_dir(id_record *rec, const char *dir)
{
    size_t len = strlen(dir);
    char *p = malloc(len + 2);
    if (!p)
        return -1;
    memcpy(p, len ? dir : ".", len ? len + 1 : 2);
    for (;;) {
        size_t n = strlen(p);
        while (n > 1 && p[n - 1] == '/')
            p[--n] = '\0';
        struct stat st;
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
            id_entry *e = identity_record_add(rec, 'D', p, NULL);
            if (e)
                e->st = st;
            free(p);
            return e ? 0 : -1;
        }
        char *slash = strrchr(p, '/');
        if (!slash) {
            strcpy(p, ".");
        } else if (slash == p) {
            p[1] = '\0';
        } else {
            *slash = '\0';
        }
        if ((!strcmp(p, ".") || !strcmp(p, "/")) && stat(p, &st) != 0) {
            free(p);
            rec->unstorable = 1;
            return 0;
        }
    }
}

/* Each directory of a ':'-separated list (an empty one is ".") up to
 * and without the one equal to stop, or all when stop is NULL (or not in
 * the list); *failed set when memory ran out. */
static void watch_list(id_record *rec, const char *list, const char *stop, int *failed)
{
    size_t stop_len = stop ? strlen(stop) : 0;
    while (stop_len > 1 && stop[stop_len - 1] == '/')
        stop_len--;
    for (const char *p = list;;) {
        const char *end = strchr(p, ':');
        size_t n = end ? (size_t)(end - p) : strlen(p), m = n;
        while (m > 1 && p[m - 1] == '/')
            m--;
        if (stop && m == stop_len && !memcmp(p, stop, m))
            return;
        char *dir = strndup(p, n);
        if (!dir || watch_dir(rec, dir) != 0)
            *failed = 1;
        free(dir);
        if (!end)
            return;
        p = end + 1;
    }
}

static const char *path_env(void)
{
    const char *p = getenv("PATH");
    return p ? p : "/bin:/usr/bin"; /* execvp's default */
}

/* A bare program name, found on PATH as execvp finds it; the directories
 * before it are watched.  malloc'd, or NULL when it is nowhere. */
static char *find_on_path(id_record *rec, const char *name, int *failed)
{
    const char *list = path_env();
    for (const char *p = list;;) {
        const char *end = strchr(p, ':');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char *cand = malloc(n + strlen(name) + 3);
        if (!cand) {
            *failed = 1;
            return NULL;
        }
        sprintf(cand, "%.*s/%s", (int)(n ? n : 1), n ? p : ".", name);
        struct stat st;
        if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0) {
            char *dir = path_dirname(cand);
            if (dir)
                watch_list(rec, list, dir, failed);
            else
                *failed = 1;
            free(dir);
            return cand;
        }
        free(cand);
        if (!end)
            return NULL;
        p = end + 1;
    }
}

/* "name: =a:b:c" of -print-search-dirs: the list, or NULL. */
static const char *search_list(const char *text, const char *name, size_t *len)
{
    size_t n = strlen(name);
    for (const char *p = text; p && *p;) {
        if (!strncmp(p, name, n) && !strncmp(p + n, ": ", 2)) {
            const char *v = p + n + 2;
            if (*v == '=')
                v++;
            *len = strcspn(v, "\n");
            return v;
        }
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return NULL;
}

/* The language a query about a sysroot's directories uses for a program. */
static const char *lang_of_prog(const char *prog)
{
    static const char *const map[][2] = {{"cc1", "c"}, {"cc1plus", "c++"}, {"cc1obj", "objective-c"},
                                         {"cc1objplus", "objective-c++"}};
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (!strcmp(prog, map[i][0]))
            return map[i][1];
    return NULL;
}

static const char *sysroot_value(const char *opt)
{
    if (!strncmp(opt, "--sysroot=", 10))
        return opt + 10;
    if (!strncmp(opt, "-isysroot", 9))
        return opt + 9;
    return NULL;
}

/* One L entry for sysroot s and the standard directory f under it. */
static int add_sysroot_dir(id_record *rec, const char *s, const char *f, size_t flen)
{
    size_t slen = strlen(s);
    while (slen > 1 && s[slen - 1] == '/')
        slen--;
    char *path = malloc(slen + flen + 1);
    if (!path)
        return -1;
    memcpy(path, s, slen);
    memcpy(path + slen, f, flen);
    path[slen + flen] = '\0';
    struct stat st;
    char *real = NULL;
    int present = stat(path, &st) == 0;
    if (present)
        real = realpath(path, NULL);
    else if (errno != ENOENT && errno != ENOTDIR)
        rec->unstorable = 1;
    id_entry *e = present && !real ? NULL : identity_record_add(rec, 'L', path, present ? real : "");
    if (e) {
        e->absent = !present;
        e->st = st;
    }
    free(real);
    free(path);
    return e ? 0 : -1;
}

/* The sysroot's standard include directories: the driver is asked with
 * each sysroot replaced by a probe that cannot exist, so it lists them
 * unresolved ("ignoring nonexistent directory PROBE/usr/include"); each
 * is then looked at under the real sysroot. */
static int sysroot_dirs(id_record *rec, const char *compiler, char *const *opts,
                        const char *const *progs)
{
    int n = 0, any = 0;
    while (opts && opts[n])
        any |= sysroot_value(opts[n++]) != NULL;
    if (!any)
        return 0;
    char **probe = calloc((size_t)n + 1, sizeof *probe);
    if (!probe)
        return -1;
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        const char *v = sysroot_value(opts[i]);
        size_t keep = v ? (size_t)(v - opts[i]) : strlen(opts[i]);
        probe[i] = malloc(keep + sizeof SYSROOT_PROBE + 16);
        if (!probe[i])
            rc = -1;
        else if (v)
            sprintf(probe[i], "%.*s%s%d", (int)keep, opts[i], SYSROOT_PROBE, i);
        else
            strcpy(probe[i], opts[i]);
    }
    const char *langs[8];
    int nl = 0;
    for (int i = 0; progs[i] && nl < 8; i++)
        if (lang_of_prog(progs[i]))
            langs[nl++] = lang_of_prog(progs[i]);
    if (nl == 0)
        langs[nl++] = "c";
    for (int l = 0; l < nl && rc == 0; l++) {
        const char *extra[] = {"-E", "-v", "-x", langs[l], "/dev/null", NULL};
        run_result r;
        if (ask(compiler, probe, extra, &r) != 0) {
            rec->unstorable = 1;
            continue;
        }
        for (const char *p = r.err; rc == 0 && (p = strstr(p, SYSROOT_PROBE));) {
            p += sizeof SYSROOT_PROBE - 1;
            char *num_end;
            long i = strtol(p, &num_end, 10);
            size_t flen = strcspn(num_end, "\"\n");
            /* A directory, not the probe itself on cc1's command line. */
            if (num_end > p && *num_end == '/' && i >= 0 && i < n && sysroot_value(opts[i]))
                rc = add_sysroot_dir(rec, sysroot_value(opts[i]), num_end, flen);
            p = num_end;
        }
        run_result_free(&r);
    }
    for (int i = 0; i < n; i++)
        free(probe[i]);
    free(probe);
    return rc;
}

/* Does dir start with prefix (as written, a trailing '/' aside)? */
static int starts_with_dir(const char *dir, const char *prefix, size_t n)
{
    while (n > 1 && prefix[n - 1] == '/')
        n--;
    return n && !strncmp(dir, prefix, n) && (dir[n] == '/' || dir[n] == '\0');
}

/* gcc looks for its specs file before it adds the standard library
 * directories (/lib/, /usr/lib/, ...: strace shows it): only under the -B
 * prefixes, LIBRARY_PATH, GCC_EXEC_PREFIX and its own directories (install
 * and the one above it).  The library list's directories under those are
 * watched: every stat counts on a hit. */
static void watch_specs_dirs(id_record *rec, const char *llist, const char *install,
                             char *const *opts, int *failed)
{
    const char *lp = getenv("LIBRARY_PATH"), *gep = getenv("GCC_EXEC_PREFIX");
    char *up = NULL;
    if (install) {
        /* The directory above install ("/usr/lib/gcc/x86_64-linux-gnu/"). */
        size_t n = strlen(install);
        while (n > 1 && install[n - 1] == '/')
            n--;
        char *bare = strndup(install, n);
        up = bare ? path_dirname(bare) : NULL;
        free(bare);
        if (!up || watch_dir(rec, up) != 0)
            *failed = 1;
    }
    for (const char *p = llist;;) {
        const char *end = strchr(p, ':');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char *dir = strndup(p, n);
        int mine = 0;
        if (!dir) {
            *failed = 1;
            break;
        }
        if (install)
            mine |= starts_with_dir(dir, install, strlen(install));
        if (gep)
            mine |= starts_with_dir(dir, gep, strlen(gep));
        for (int i = 0; opts && opts[i] && !mine; i++)
            if (!strncmp(opts[i], "-B", 2))
                mine |= starts_with_dir(dir, opts[i] + 2, strlen(opts[i] + 2));
        for (const char *q = lp; q && !mine;) {
            const char *qe = strchr(q, ':');
            size_t qn = qe ? (size_t)(qe - q) : strlen(q);
            mine |= starts_with_dir(dir, q, qn);
            q = qe ? qe + 1 : NULL;
        }
        if (mine && watch_dir(rec, dir) != 0)
            *failed = 1;
        free(dir);
        if (!end)
            break;
        p = end + 1;
    }
    free(up);
}

int identity_compute(id_record *rec, const id_record *old, const char *compiler, char *const *opts,
                     const char *const *progs)
{
    char *self = realpath(compiler, NULL);
    if (!self)
        return -1;
    int failed = 0;
    id_entry *e = identity_record_add(rec, 'P', compiler, self);
    free(self);
    if (!e || stat(compiler, &e->st) != 0)
        return -1;
    digest d;
    if (digest_file(e->real, &d) != 0)
        return -1;
    memcpy(e->hash, d.hash, sizeof e->hash);

    /* The search lists: facts of the toolchain (its version and multilib
     * directories) and the directories a program could appear in. */
    const char *extra[] = {"-print-search-dirs", NULL};
    run_result sd = {0};
    int have_sd = ask(compiler, opts, extra, &sd) == 0 && sd.status == 0;
    if (!have_sd)
        rec->unstorable = 1;
    size_t plen = 0, llen = 0;
    const char *programs = have_sd ? search_list(sd.out, "programs", &plen) : NULL;
    const char *libraries = have_sd ? search_list(sd.out, "libraries", &llen) : NULL;
    int gcc = have_sd && !strncmp(sd.out, "install: ", 9);
    char *install = gcc ? strndup(sd.out + 9, strcspn(sd.out + 9, "\n")) : NULL;
    if (gcc && !install)
        failed = 1;
    for (const char *p = have_sd ? sd.out : ""; *p && !failed;) {
        size_t n = strcspn(p, "\n");
        char *line = strndup(p, n);
        if (!line || (n && !identity_record_add(rec, 'T', line, NULL)))
            failed = 1;
        free(line);
        p += n + (p[n] == '\n');
    }
    char *plist = programs ? strndup(programs, plen) : NULL;
    char *llist = libraries ? strndup(libraries, llen) : NULL;
    if ((programs && !plist) || (libraries && !llist))
        failed = 1;
    run_result_free(&sd);
    if (plist)
        watch_list(rec, plist, NULL, &failed);

    for (const char *const *p = progs; *p && !failed; p++) {
        char q[64];
        snprintf(q, sizeof q, "-print-prog-name=%s", *p);
        char *name = ask_line(rec, compiler, opts, q);
        char *path = NULL;
        if (!name)
            continue;
        if (strchr(name, '/')) {
            /* Found in the driver's own directories, else on PATH (clang
             * names what it found there): the directories before it. */
            path = name;
            name = NULL;
            char *dir = path_dirname(path);
            int in_programs = 0;
            if (!dir)
                failed = 1;
            else if (plist) {
                for (const char *s = plist; s;) {
                    const char *end = strchr(s, ':');
                    size_t n = end ? (size_t)(end - s) : strlen(s);
                    while (n > 1 && s[n - 1] == '/')
                        n--;
                    in_programs |= n == strlen(dir) && !memcmp(s, dir, n);
                    s = end ? end + 1 : NULL;
                }
            }
            if (dir && !in_programs)
                watch_list(rec, path_env(), dir, &failed);
            free(dir);
        } else {
            path = find_on_path(rec, name, &failed);
        }
        if (path && add_part(rec, old, path) != 0)
            failed = 1;
        free(path);
        free(name);
    }

    /* gcc reads a file named "specs" where it looks for libraries, before
     * its built-in specs. */
    if (gcc && !failed) {
        char *specs = ask_line(rec, compiler, opts, "-print-file-name=specs");
        if (specs && strchr(specs, '/') && add_part(rec, old, specs) != 0)
            failed = 1;
        free(specs);
        if (llist)
            watch_specs_dirs(rec, llist, install, opts, &failed);
    }
    free(install);
    free(plist);
    free(llist);
    if (!failed && sysroot_dirs(rec, compiler, opts, progs) != 0)
        failed = 1;
    return failed ? -1 : 0;
}

