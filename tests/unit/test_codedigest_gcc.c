/* SPDX-License-Identifier: Apache-2.0 */
/* code_digest (wrapper/compiler/codedigest.c) against the real gcc.
 *
 * Equal code digests promise byte-identical gcc output.  This takes real
 * sources with many comments (lua and zlib from the shared projects
 * folder, and a few glibc headers, used in their place with -isystem),
 * copied into a temporary directory, and edits their comments at random
 * (fixed seed): words replaced, comments retyped, the blanks aligning a
 * trailing comment changed, block comments reflowed over their lines.  An
 * edit is kept only when the file's code digest stays the same; then every
 * translation unit is compiled again and must give the same object, and
 * the same stderr (when the original's was empty; else the same once the
 * source lines gcc quotes are left out: these show comment text, which is
 * why the caller serves a second chance only for an empty stderr).  A
 * round edits every file at once; a failure is narrowed to the file whose
 * edit makes the difference.  Code edits, on the other hand, must all
 * change the digest.  (test_codedigest.c has the rules one by one.)
 *
 * The projects are found at $E2E_PROJECTS or ../shared/projects from the
 * checkout, as tests/e2e/test_realproj.sh finds them; without them, or
 * without gcc, the test says so and checks nothing. */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cache/util/fsutil.h"
#include "tests/unit/unit.h"
#include "wrapper/compiler/codedigest.h"

#define MAX_SRC 160
#define MAX_TU 80
#define MAX_SPANS 4096

/* glibc headers edited too, compiled in place of the system's. */
static const char *const sys_headers[] = {
    "stdio.h", "stdlib.h", "string.h", "ctype.h", "math.h", "time.h", "setjmp.h",
    "signal.h", "locale.h", "errno.h", "x86_64-linux-gnu/bits/mathcalls.h",
    "x86_64-linux-gnu/bits/types.h", "x86_64-linux-gnu/bits/floatn.h",
};

static const char *const flags1[] = {"-O2", "-g", "-g3", "-Wall", "-Wextra",
                                     "-Wimplicit-fallthrough=1", NULL};
static const char *const flags3[] = {"-O2", "-g", "-g3", "-Wall", "-Wextra",
                                     "-Wimplicit-fallthrough=3", NULL};

typedef struct src {
    char path[600];
    char *orig, *text; /* the original, and this round's version */
    size_t orig_len, len;
    digest d;
    int edits;         /* this round's */
    char what[200];    /* and what they were, for a failure's message */
} src;

typedef struct tu {
    char dir[600], name[256];
    int base_err_empty;
} tu;

static char tmp[] = "/tmp/ricc-codedigest-gcc-XXXXXX";
static int made_tmp, keep_tmp; /* keep_tmp: left for a look at a failure */
static src srcs[MAX_SRC];
static int n_src;
static tu tus[MAX_TU];
static int n_tu;
static uint64_t rng = 0x2545F4914F6CDD1Dull;

static unsigned rnd(unsigned n)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (unsigned)(rng % n);
}

/* ---- files ---- */

static int write_text(const char *path, const char *text, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int ok = fd >= 0 && fs_write_all(fd, text, len) == 0;
    if (fd >= 0 && close(fd) != 0)
        ok = 0;
    return ok ? 0 : -1;
}

static int add_src(const char *from, const char *to)
{
    if (n_src == MAX_SRC)
        return -1;
    src *s = &srcs[n_src];
    if (fs_read_file(from, &s->orig, &s->orig_len) != 0)
        return -1;
    snprintf(s->path, sizeof s->path, "%s", to);
    if (write_text(to, s->orig, s->orig_len) != 0 || code_digest(s->orig, s->orig_len, &s->d) != 0) {
        free(s->orig);
        return 0; /* no digest: nothing to edit (test_codedigest.c says why) */
    }
    n_src++;
    return 0;
}

/* Copy dir's *.c and *.h into tmp/name; its *.c are translation units. */
static int add_project(const char *projects, const char *name)
{
    char from[600], to[600];
    snprintf(from, sizeof from, "%s/%s", projects, name);
    snprintf(to, sizeof to, "%s/%s", tmp, name);
    DIR *d = opendir(from);
    if (!d || mkdir(to, 0755) != 0) {
        if (d)
            closedir(d);
        return -1;
    }
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d))) {
        size_t nl = strlen(e->d_name);
        if (nl < 3 || e->d_name[nl - 2] != '.' || !strchr("ch", e->d_name[nl - 1]) ||
            !strcmp(e->d_name, "onelua.c")) /* all of lua in one: the others cover it */
            continue;
        char f[1200], t[1200];
        snprintf(f, sizeof f, "%s/%s", from, e->d_name);
        snprintf(t, sizeof t, "%s/%s", to, e->d_name);
        rc = add_src(f, t);
        if (rc == 0 && e->d_name[nl - 1] == 'c' && n_tu < MAX_TU) {
            snprintf(tus[n_tu].dir, sizeof tus[n_tu].dir, "%s", to);
            snprintf(tus[n_tu].name, sizeof tus[n_tu].name, "%s", e->d_name);
            n_tu++;
        }
    }
    closedir(d);
    return rc;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static int setup(void)
{
    const char *projects = getenv("E2E_PROJECTS");
    char lua[600];
    if (!projects)
        projects = "../shared/projects";
    snprintf(lua, sizeof lua, "%s/lua/lapi.c", projects);
    if (access(lua, R_OK) != 0 || system("gcc --version >/dev/null 2>&1") != 0) {
        fprintf(stderr, "\n  no lua at %s or no gcc: nothing checked (set E2E_PROJECTS)\n", projects);
        return 0;
    }
    if (!mkdtemp(tmp))
        return -1;
    made_tmp = 1;
    char dir[700];
    snprintf(dir, sizeof dir, "%s/out", tmp);
    if (mkdir(dir, 0755) != 0 || add_project(projects, "lua") != 0 ||
        add_project(projects, "zlib") != 0)
        return -1;
    snprintf(dir, sizeof dir, "%s/sys/bits", tmp);
    if (fs_mkdir_p(dir, 0755) != 0)
        return -1;
    for (size_t i = 0; i < sizeof sys_headers / sizeof *sys_headers; i++) {
        char f[700], t[700];
        snprintf(f, sizeof f, "/usr/include/%s", sys_headers[i]);
        /* bits/ is found through the multiarch directory; here, beside. */
        const char *rel = strncmp(sys_headers[i], "x86_64-linux-gnu/", 17) ? sys_headers[i]
                                                                            : sys_headers[i] + 17;
        snprintf(t, sizeof t, "%s/sys/%s", tmp, rel);
        if (access(f, R_OK) == 0 && add_src(f, t) != 0)
            return -1;
    }
    return 1;
}

static void teardown(void)
{
    if (made_tmp && !keep_tmp)
        nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    for (int i = 0; i < n_src; i++) {
        if (srcs[i].text != srcs[i].orig)
            free(srcs[i].text);
        free(srcs[i].orig);
    }
}

/* ---- gcc ---- */

static void out_path(char *buf, size_t cap, const tu *t, const char *tag, const char *ext)
{
    snprintf(buf, cap, "%s/out/%s-%s.%s.%s", tmp, strrchr(t->dir, '/') + 1, t->name, tag, ext);
}

static pid_t spawn_gcc(const tu *t, const char *const *flags, const char *tag)
{
    char obj[900], err[900], sys[700];
    out_path(obj, sizeof obj, t, tag, "o");
    out_path(err, sizeof err, t, tag, "err");
    snprintf(sys, sizeof sys, "%s/sys", tmp);
    const char *argv[32];
    int n = 0;
    argv[n++] = "gcc";
    argv[n++] = "-c";
    for (int i = 0; flags[i]; i++)
        argv[n++] = flags[i];
    argv[n++] = "-isystem";
    argv[n++] = sys;
    argv[n++] = t->name;
    argv[n++] = "-o";
    argv[n++] = obj;
    argv[n] = NULL;
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || dup2(fd, 2) < 0 || chdir(t->dir) != 0)
            _exit(127);
        execvp("gcc", (char *const *)argv);
        _exit(127);
    }
    return pid;
}

/* Compile the units (all, or just the one) as tag, two at a time. */
static int compile(const char *const *flags, const char *tag, int only)
{
    int next = only >= 0 ? only : 0, last = only >= 0 ? only + 1 : n_tu, running = 0, bad = 0;
    while (next < last || running > 0) {
        if (next < last && running < 2) {
            if (spawn_gcc(&tus[next++], flags, tag) < 0)
                return -1;
            running++;
            continue;
        }
        int status;
        if (wait(&status) < 0)
            return -1;
        running--;
        bad |= !WIFEXITED(status) || WEXITSTATUS(status) == 127;
    }
    return bad ? -1 : 0;
}

/* stderr without the source lines gcc quotes ("  12 | code", "     |  ^"). */
static size_t strip_quotes(char *s, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        char *nl = memchr(s + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - s) + 1 : len, j = i;
        while (j < e && s[j] == ' ')
            j++;
        while (j < e && isdigit((unsigned char)s[j]))
            j++;
        if (!(j + 1 < e && s[j] == ' ' && s[j + 1] == '|')) {
            memmove(s + o, s + i, e - i);
            o += e - i;
        }
        i = e;
    }
    return o;
}

/* Does unit t compiled as tag give what it gave as base?  (0: yes.) */
static int differs(const tu *t, const char *base, const char *tag, int *stderr_quotes_only)
{
    char a[900], b[900];
    char *x = NULL, *y = NULL;
    size_t xl, yl;
    int rc = 1;
    out_path(a, sizeof a, t, base, "o");
    out_path(b, sizeof b, t, tag, "o");
    if (fs_read_file(a, &x, &xl) || fs_read_file(b, &y, &yl) || xl != yl || memcmp(x, y, xl))
        goto done;
    free(x), free(y), x = y = NULL;
    out_path(a, sizeof a, t, base, "err");
    out_path(b, sizeof b, t, tag, "err");
    if (fs_read_file(a, &x, &xl) || fs_read_file(b, &y, &yl))
        goto done;
    if (xl == yl && !memcmp(x, y, xl)) {
        rc = 0;
    } else if (xl > 0 && stderr_quotes_only) {
        xl = strip_quotes(x, xl), yl = strip_quotes(y, yl);
        rc = !(xl == yl && !memcmp(x, y, xl));
        *stderr_quotes_only += !rc;
    }
done:
    free(x), free(y);
    return rc;
}

/* ---- comments, found the slow, obvious way ---- */

typedef struct span {
    size_t at, end; /* the comment, from its slash */
    int block, ends_line, code_before;
} span;

static int find_comments(const char *t, size_t n, span *sp)
{
    int k = 0;
    for (size_t i = 0; i < n && k < MAX_SPANS;) {
        char c = t[i];
        if (c == '"' || c == '\'') {
            for (i++; i < n && t[i] != c && t[i] != '\n'; i++)
                if (t[i] == '\\')
                    i++;
            i++;
        } else if (c == '/' && i + 1 < n && (t[i + 1] == '/' || t[i + 1] == '*')) {
            span *s = &sp[k++];
            s->at = i;
            s->block = t[i + 1] == '*';
            if (s->block) {
                const char *e = memmem(t + i + 2, n - i - 2, "*/", 2);
                i = e ? (size_t)(e - t) + 2 : n;
            } else {
                while (i < n && t[i] != '\n')
                    i += t[i] == '\\' && i + 1 < n && t[i + 1] == '\n' ? 2 : 1;
            }
            s->end = i;
            size_t j = i;
            while (j < n && (t[j] == ' ' || t[j] == '\t'))
                j++;
            s->ends_line = j == n || t[j] == '\n';
            j = s->at;
            while (j > 0 && (t[j - 1] == ' ' || t[j - 1] == '\t'))
                j--;
            s->code_before = j > 0 && t[j - 1] != '\n';
        } else {
            i++;
        }
    }
    return k;
}

/* ---- edits ---- */

static void random_word(char *w, size_t len)
{
    static const char letters[] = "abcdeghijklmnopqrstuvwxyzABCDEGHIJKLMNOPQRSTUVWXYZ"; /* no f */
    for (size_t i = 0; i < len; i++)
        w[i] = letters[rnd(sizeof letters - 1)];
}

/* text with [at, end) replaced by rep (malloc'd). */
static char *splice_text(const char *t, size_t n, size_t at, size_t end, const char *rep,
                         size_t rl, size_t *out_len)
{
    char *o = malloc(n - (end - at) + rl + 1);
    if (!o)
        return NULL;
    memcpy(o, t, at);
    memcpy(o + at, rep, rl);
    memcpy(o + at + rl, t + end, n - end);
    *out_len = n - (end - at) + rl;
    return o;
}

/* One edit of kind k (0 word, 1 line comment retyped, 2 blanks before a
 * trailing comment, 3 block comment reflowed) to s->text, if one applies. */
static char *edit(const src *s, int k, size_t *out_len, const char **what)
{
    static span sp[MAX_SPANS];
    int ns = find_comments(s->text, s->len, sp);
    if (ns == 0)
        return NULL;
    const span *c = &sp[rnd((unsigned)ns)];
    const char *t = s->text;
    char rep[8192];
    size_t rl = 0;
    if (k == 0) { /* a word */
        size_t from = c->at + 2, to = c->end - (c->block ? 2 : 0), w = from + rnd((unsigned)(to - from + 1));
        while (w < to && !isalpha((unsigned char)t[w]))
            w++;
        size_t we = w;
        while (we < to && isalpha((unsigned char)t[we]))
            we++;
        if (w == to)
            return NULL;
        rl = 1 + rnd(12);
        random_word(rep, rl);
        *what = "word";
        return splice_text(t, s->len, w, we, rep, rl, out_len);
    }
    if (k == 1) { /* a line comment's text */
        if (c->block)
            return NULL;
        rep[rl++] = ' ';
        for (unsigned words = 1 + rnd(8); words--;) {
            size_t wl = 1 + rnd(9);
            random_word(rep + rl, wl);
            rl += wl;
            if (words)
                rep[rl++] = ' ';
        }
        *what = "retyped";
        return splice_text(t, s->len, c->at + 2, c->end, rep, rl, out_len);
    }
    if (k == 2) { /* the blanks aligning a trailing comment */
        if (!c->ends_line || !c->code_before)
            return NULL;
        size_t b = c->at;
        while (b > 0 && (t[b - 1] == ' ' || t[b - 1] == '\t'))
            b--;
        rl = rnd(12);
        for (size_t i = 0; i < rl; i++)
            rep[i] = rnd(3) ? ' ' : '\t';
        *what = "aligned";
        return splice_text(t, s->len, b, c->at, rep, rl, out_len);
    }
    /* A block comment's words, spread again over its lines, each line
     * keeping its indentation, its stars, and being empty or not. */
    if (!c->block || !memchr(t + c->at, '\n', c->end - c->at) || c->end - c->at > 6000)
        return NULL;
    const char *body = t + c->at + 2, *bend = t + c->end - 2;
    char words[8192]; /* the comment is shorter */
    size_t wl = 0, slots = 0;
    for (const char *p = body; p < bend;) {
        const char *e = memchr(p, '\n', (size_t)(bend - p));
        if (!e)
            e = bend;
        const char *q = p;
        while (q < e && (*q == ' ' || *q == '\t' || *q == '*'))
            q++;
        slots += q < e;
        for (; q < e; q++)
            words[wl++] = *q == '\t' ? ' ' : *q;
        words[wl++] = ' ';
        p = e + 1;
    }
    words[wl] = '\0';
    /* The words, in order, one slot at least each. */
    char *wv[2048];
    size_t nw = 0;
    for (char *w = strtok(words, " "); w && nw < 2048; w = strtok(NULL, " "))
        wv[nw++] = w;
    if (nw < slots || slots == 0)
        return NULL;
    rep[rl++] = '/', rep[rl++] = '*';
    size_t next = 0, slot = 0;
    for (const char *p = body; p < bend;) {
        const char *e = memchr(p, '\n', (size_t)(bend - p));
        if (!e)
            e = bend;
        const char *q = p;
        while (q < e && (*q == ' ' || *q == '\t' || *q == '*'))
            q++;
        memcpy(rep + rl, p, (size_t)(q - p));
        rl += (size_t)(q - p);
        if (q < e) {
            slot++;
            size_t take = slot == slots ? nw - next : 1 + rnd((unsigned)(nw - next - (slots - slot)));
            for (size_t i = 0; i < take; i++) {
                size_t l = strlen(wv[next]);
                if (rl + l + 8 > sizeof rep)
                    return NULL;
                memcpy(rep + rl, wv[next++], l);
                rl += l;
                if (i + 1 < take)
                    rep[rl++] = ' ';
            }
            if (e == bend && e > q && (e[-1] == ' ' || e[-1] == '\t'))
                rep[rl++] = ' '; /* the blank before the closing star-slash */
        }
        if (e < bend)
            rep[rl++] = '\n';
        p = e + 1;
    }
    rep[rl++] = '*', rep[rl++] = '/';
    *what = "reflowed";
    return splice_text(t, s->len, c->at, c->end, rep, rl, out_len);
}

/* A round: up to per_file digest-keeping edits of the kinds in mask to
 * every file; the number made. */
static int make_edits(unsigned mask, int per_file)
{
    int made = 0;
    for (int i = 0; i < n_src; i++) {
        src *s = &srcs[i];
        s->text = s->orig, s->len = s->orig_len, s->edits = 0, s->what[0] = '\0';
        for (int tries = 0; tries < 40 && s->edits < per_file; tries++) {
            int k = (int)rnd(4);
            size_t nl;
            const char *what = NULL;
            if (!(mask >> k & 1))
                continue;
            char *e = edit(s, k, &nl, &what);
            digest d;
            if (!e)
                continue;
            if (code_digest(e, nl, &d) != 0 || !digest_equal(&d, &s->d)) {
                free(e);
                continue;
            }
            if (s->text != s->orig)
                free(s->text);
            s->text = e, s->len = nl, s->edits++, made++;
            size_t wl = strlen(s->what);
            snprintf(s->what + wl, sizeof s->what - wl, "%s%s", wl ? ", " : "", what);
        }
        CU_ASSERT_FATAL(write_text(s->path, s->text, s->len) == 0);
    }
    return made;
}

static void restore(int i)
{
    src *s = &srcs[i];
    CU_ASSERT_FATAL(write_text(s->path, s->orig, s->orig_len) == 0);
    if (s->text != s->orig)
        free(s->text);
    s->text = s->orig, s->len = s->orig_len;
}

/* Unit t differs after the round's edits: find the file whose edit does it
 * (putting files back one at a time), say so, and put all back. */
static void narrow(int t, const char *const *flags, const char *base)
{
    fprintf(stderr, "\n  %s/%s compiles differently after comment edits with equal digests",
            tus[t].dir, tus[t].name);
    for (int i = 0; i < n_src; i++) {
        if (!srcs[i].edits)
            continue;
        char *edited = srcs[i].text;
        size_t len = srcs[i].len;
        srcs[i].text = NULL;
        CU_ASSERT_FATAL(write_text(srcs[i].path, srcs[i].orig, srcs[i].orig_len) == 0);
        if (compile(flags, "narrow", t) == 0 && !differs(&tus[t], base, "narrow", NULL)) {
            fprintf(stderr, "\n  because of %s (%s): edited copy kept at %s.edited", srcs[i].path,
                    srcs[i].what, srcs[i].path);
            char keep[sizeof srcs[i].path + 8];
            snprintf(keep, sizeof keep, "%.600s.edited", srcs[i].path);
            write_text(keep, edited, len);
            free(edited);
            keep_tmp = 1;
            break;
        }
        srcs[i].text = edited, srcs[i].len = len;
        CU_ASSERT_FATAL(write_text(srcs[i].path, edited, len) == 0);
    }
}

static int total_edits;

/* Edit, compile everything, compare with base. */
static void round_of(const char *const *flags, const char *base, unsigned mask, int per_file)
{
    int made = make_edits(mask, per_file), quotes_only = 0;
    total_edits += made;
    CU_ASSERT_FATAL(compile(flags, "round", -1) == 0);
    for (int t = 0; t < n_tu; t++) {
        int bad = differs(&tus[t], base, "round", tus[t].base_err_empty ? NULL : &quotes_only);
        CU_ASSERT(!bad);
        if (bad) {
            narrow(t, flags, base);
            break;
        }
    }
    fprintf(stderr, "\n  %d comment edits in %d files, %d units identical%s", made, n_src, n_tu,
            quotes_only ? " (stderr of some: but for the quoted source lines)" : "");
    for (int i = 0; i < n_src; i++)
        if (srcs[i].text)
            restore(i);
}

static void baseline(const char *const *flags, const char *tag)
{
    CU_ASSERT_FATAL(compile(flags, tag, -1) == 0);
    for (int t = 0; t < n_tu; t++) {
        char err[900];
        struct stat st;
        out_path(err, sizeof err, &tus[t], tag, "err");
        tus[t].base_err_empty = stat(err, &st) == 0 && st.st_size == 0;
    }
}

/* setup() once, for whichever test comes first: 1 ready, 0 nothing to
 * check here, -1 broken. */
static int ready(void)
{
    static int state = -2;
    if (state == -2)
        state = setup();
    return state;
}

static void test_comment_edits(void)
{
    int state = ready();
    CU_ASSERT_FATAL(state >= 0);
    if (!state)
        return;
    int empty = 0;
    baseline(flags1, "base1");
    for (int t = 0; t < n_tu; t++)
        empty += tus[t].base_err_empty;
    fprintf(stderr, "\n  %d files with a digest, %d units (%d with an empty stderr)", n_src, n_tu,
            empty);
    CU_ASSERT(n_tu >= 40 && empty >= n_tu / 2);
    round_of(flags1, "base1", 1u << 0 | 1u << 1, 4);
    round_of(flags1, "base1", 1u << 2 | 1u << 3, 3);
    baseline(flags3, "base3");
    round_of(flags3, "base3", 15, 4);
    CU_ASSERT(total_edits >= 500);
    /* Code edits: a byte outside the comments and the blanks before them,
     * changed; every one must change the digest, or leave none. */
    static span sp[MAX_SPANS];
    int tried = 0, missed = 0;
    for (int i = 0; i < n_src; i++) {
        src *s = &srcs[i];
        int ns = find_comments(s->orig, s->orig_len, sp);
        for (int k = 0; k < 40; k++) {
            size_t at = rnd((unsigned)s->orig_len);
            int skip = 0;
            for (int j = 0; j < ns && !skip; j++) {
                size_t b = sp[j].at;
                while (b > 0 && (s->orig[b - 1] == ' ' || s->orig[b - 1] == '\t'))
                    b--;
                skip = at >= b && at < sp[j].end;
            }
            static const char repl[] = "xQ7 \t;(/*\"'\\\n#";
            char r = repl[rnd(sizeof repl - 1)];
            if (skip || s->orig[at] == r)
                continue;
            char old = s->orig[at];
            s->orig[at] = r;
            digest d;
            int rc = code_digest(s->orig, s->orig_len, &d);
            tried++;
            if (rc == 0 && digest_equal(&d, &s->d)) {
                missed++;
                fprintf(stderr, "\n  %s: byte %zu changed, digest the same", s->path, at);
            }
            s->orig[at] = old;
        }
    }
    fprintf(stderr, "\n  %d code edits, %d unseen\n", tried, missed);
    CU_ASSERT(tried >= 1000 && missed == 0);
}

/* ---- each rule, where gcc tells the difference ---- */

enum { GCC_DIFFERS, GCC_SAME, QUOTES_DIFFER };

typedef struct pair {
    const char *what, *a, *b;
    int level3; /* -Wimplicit-fallthrough=3, else =1 */
    int expect;
} pair;

#define SWITCH(comment)                                                                          \
    "void g(int);\nvoid f(int x)\n{\n  switch (x) {\n  case 1:\n    g(1);\n" comment           \
    "  case 2:\n    g(2);\n  }\n}\n"

static const pair pairs[] = {
    /* What the canonical form keeps, because gcc's output shows it. */
    {"code after a comment on its line (DWARF columns)",
     "void g(int);\nvoid f(int x)\n{\n    /* c */ g(x);\n    g(x + 1);\n}\n",
     "void g(int);\nvoid f(int x)\n{\n    /* longer */ g(x);\n    g(x + 1);\n}\n", 0, GCC_DIFFERS},
    {"code after a block comment's last line", "/* a\n   b */ int v;\n", "/* a\n   bb */ int v;\n", 0,
     GCC_DIFFERS},
    {"a comment's line count", "/* a\n   b */\nint v;\n", "/* a b */\nint v;\n", 0, GCC_DIFFERS},
    {"an empty line in a comment", "/* a\n\n b */\nint v;\n", "/* a\n b */\nint v;\n", 0,
     GCC_DIFFERS},
    {"fallthrough words (=3)", SWITCH("    /* FALLTHROUGH */\n"), SWITCH("    /* FALLTHROUGX */\n"),
     1, GCC_DIFFERS},
    {"a comment's presence (=1)", SWITCH("    /* nothing */\n"), SWITCH("\n"), 0, GCC_DIFFERS},
    {"a comment line's indentation (-Wmisleading-indentation)",
     "int f(int x)\n{\n  if (x)\n    x++;\n// note\n    x--;\n  return x;\n}\n",
     "int f(int x)\n{\n  if (x)\n    x++;\n    // note\n    x--;\n  return x;\n}\n", 0, GCC_DIFFERS},
    {"a block comment line's indentation (-Wmisleading-indentation)",
     "int f(int x)\n{\n  if (x)\n    x++;\n    /* a\nb */\n    x--;\n  return x;\n}\n",
     "int f(int x)\n{\n  if (x)\n    x++;\n    /* a\n    b */\n    x--;\n  return x;\n}\n", 0,
     GCC_DIFFERS},
    {"a comment opener in a comment (-Wcomment)", "int v; /* a /* b */\n", "int v; /* a  b */\n", 0,
     GCC_DIFFERS},
    {"a line comment spliced on", "int v; // a \\\nint w;\n", "int v; // a b\nint w;\n", 0,
     GCC_DIFFERS},
    {"a bidirectional control (-Wbidi-chars)", "int v; // \xe2\x80\xae x\n", "int v; // y x\n", 0,
     GCC_DIFFERS},
    /* What it drops, because gcc's output does not show it. */
    {"a trailing comment, and the blanks before it",
     "void g(int);\nvoid f(int x)\n{\n    g(x); /* c */\n    g(x + 1);\t// d\n}\n",
     "void g(int);\nvoid f(int x)\n{\n    g(x);       /* longer */\n    g(x + 1); // dd d\n}\n", 0,
     GCC_SAME},
    {"a comment ending a #define (-g3)", "#define N 10 /* ten */\nint v = N;\n",
     "#define N 10      /* ten, as a number of things */\nint v = N;\n", 0, GCC_SAME},
    {"a block comment reflowed", "/* one two\n * three four\n */\nint v;\n",
     "/* one\n * two three four five\n */\nint v;\n", 0, GCC_SAME},
    {"a comment after a header name", "#include <stddef.h> /* size_t */\nsize_t v;\n",
     "#include <stddef.h> /* for size_t, the type */\nsize_t v;\n", 0, GCC_SAME},
    {"comments in macro arguments and stringified",
     "#define S(x) #x\nconst char *s = S(a // c\n b);\nint v = (1 + // one\n  2);\n",
     "#define S(x) #x\nconst char *s = S(a   // cc c\n b);\nint v = (1 + // two\n  2);\n", 0,
     GCC_SAME},
    {"any comment's text (=1)", SWITCH("    /* nothing */\n"),
     SWITCH("    /* something else entirely */\n"), 0, GCC_SAME},
    {"a comment's text where the switch needs none (=1)", SWITCH("    g(3); break; // a\n"),
     SWITCH("    g(3); break; // another\n"), 0, GCC_SAME},
    /* Why the caller wants an empty stderr: gcc quotes the line. */
    {"a comment on a line gcc quotes", "static int unused; // note\n",
     "static int unused; // another note\n", 0, QUOTES_DIFFER},
};

static void test_rule_pairs(void)
{
    int state = ready();
    CU_ASSERT_FATAL(state >= 0);
    if (!state)
        return;
    tu t = {.name = "pair.c"};
    snprintf(t.dir, sizeof t.dir, "%s/pairs", tmp);
    CU_ASSERT_FATAL(mkdir(t.dir, 0755) == 0);
    char path[700];
    snprintf(path, sizeof path, "%s/pair.c", t.dir);
    tus[n_tu] = t;
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
        const pair *p = &pairs[i];
        const char *const *flags = p->level3 ? flags3 : flags1;
        digest da, db;
        int ra = code_digest(p->a, strlen(p->a), &da), rb = code_digest(p->b, strlen(p->b), &db);
        int same_digest = ra == 0 && rb == 0 && digest_equal(&da, &db);
        CU_ASSERT_FATAL(write_text(path, p->a, strlen(p->a)) == 0 && compile(flags, "pa", n_tu) == 0);
        CU_ASSERT_FATAL(write_text(path, p->b, strlen(p->b)) == 0 && compile(flags, "pb", n_tu) == 0);
        int quotes = 0, gcc_differs = differs(&t, "pa", "pb", &quotes) || quotes;
        int ok = p->expect == GCC_DIFFERS   ? gcc_differs && !same_digest
                 : p->expect == GCC_SAME    ? !gcc_differs && same_digest
                                            : quotes && same_digest;
        CU_ASSERT(ok);
        if (!ok)
            fprintf(stderr, "\n  %s: gcc %s, digests %s", p->what,
                    gcc_differs ? (quotes ? "differs in quoted lines" : "differs") : "the same",
                    same_digest ? "equal" : "different");
    }
}

int main(void)
{
    static const unit_test tests[] = {
        {"each rule where gcc tells the difference", test_rule_pairs},
        {"comment edits with equal digests compile the same", test_comment_edits},
        {NULL, NULL},
    };
    int rc = unit_run("codedigest_gcc", NULL, NULL, tests);
    teardown();
    return rc;
}
