/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for relocate.h, against the real gcc.
 *
 * The dependency-file emitter must write what gcc 12 writes, and nothing
 * short of gcc can say what that is: so gcc writes the files here, over
 * names of every length from 1 to 150 (where the line breaks fall), and in
 * checkouts whose directories differ in length and spelling (a file stored
 * in one must restore to exactly what gcc writes in the other).  The text
 * functions are checked on gcc's own diagnostics and .su files, and on the
 * boundary cases of a whole path prefix.  Stored forms are cache entries,
 * which may be corrupt: every prefix and many mutations of one are fed to
 * the restore, which must refuse or answer, never crash (run it under ASan). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cache/util/fsutil.h"
#include "tests/unit/unit.h"
#include "wrapper/key/relocate.h"

static char tmp[] = "/tmp/ricc-relocate-XXXXXX";

static int init(void)
{
    return mkdtemp(tmp) ? 0 : -1;
}

/* Run argv in dir: its exit status.  stderr goes to errpath (or nowhere). */
static int run(const char *dir, const char *const *argv, const char *errpath)
{
    pid_t pid = fork();
    if (pid == 0) {
        int out = open("/dev/null", O_WRONLY);
        int err = errpath ? open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644) : out;
        if (out < 0 || err < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0 || chdir(dir) != 0)
            _exit(127);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int clean(void)
{
    return run("/", (const char *[]){"rm", "-rf", tmp, NULL}, NULL) == 0 ? 0 : -1;
}

static void put(const char *dir, const char *name, const char *text)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    CU_ASSERT_EQUAL_FATAL(atomic_write_file(path, text, strlen(text), 0644), 0);
}

static char *slurp(const char *dir, const char *name, size_t *len)
{
    char path[1024], *text = NULL;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    CU_ASSERT_EQUAL_FATAL(fs_read_file(path, &text, len), 0);
    return text;
}

/* Are a and b the same bytes?  If not, say so (a failing test's diagnosis). */
static int same(const char *what, const char *a, size_t an, const char *b, size_t bn)
{
    if (a && b && an == bn && !memcmp(a, b, an))
        return 1;
    fprintf(stderr, "\n%s: differ\n--- got %zu\n%.*s\n--- want %zu\n%.*s\n", what, an, (int)an,
            a ? a : "(null)", bn, (int)bn, b ? b : "(null)");
    return 0;
}

#define SAME(what, got, n, lit) same(what, got, n, lit, sizeof lit - 1)

/* Store under base, restore under the same base and targets: the input. */
static void round_trip(const char *text, size_t len, const char *base,
                       const char *const *targets, int canon)
{
    size_t sn, rn;
    char *s = relocate_dep_store(text, len, base, targets, canon, &sn);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_PTR_NULL(memchr(s, '\0', sn));
    CU_ASSERT_EQUAL(s[sn], '\0');
    char *r = relocate_dep_restore(s, sn, base, targets, &rn);
    CU_ASSERT(same("round trip", r, rn, text, len));
    free(s);
    free(r);
}

/* A header name of len bytes, unique per len, some with awkward bytes. */
static void header_name(char *out, int len)
{
    if (len < 6) {
        memset(out, 'a' + len, (size_t)len);
    } else {
        snprintf(out, 6, "q%03d/", len);
        for (int i = 5; i < len; i++)
            out[i] = (char)('a' + i % 26);
        if (len >= 10 && len % 5 == 1)
            out[len / 2] = ' ';
        if (len >= 10 && len % 7 == 2)
            out[len / 2 + 1] = '$';
        if (len >= 10 && len % 11 == 3)
            out[len / 2 + 2] = '#';
    }
    out[len] = '\0';
}

/* gcc's line wrapping, found out: a source that includes headers of every
 * name length (some by absolute path), and targets of every length, -MT and
 * -MQ, one or two, with and without -MP.  Every file gcc writes must be
 * reproduced (store checks that) and survive a round trip. */
static void test_emitter_matches_gcc(void)
{
    char dir[256], src[64 * 1024] = "", name[200], t1[200], t2[200];
    snprintf(dir, sizeof dir, "%s/emit", tmp);
    for (int k = 0; k < 150; k++) {
        int len = 1 + (k * 37) % 150; /* every length, in a shuffled order */
        header_name(name, len);
        put(dir, name, "\n");
        size_t n = strlen(src);
        if (k % 4 == 0)
            snprintf(src + n, sizeof src - n, "#include \"%s/%s\"\n", dir, name);
        else
            snprintf(src + n, sizeof src - n, "#include \"%s\"\n", name);
    }
    put(dir, "s.c", src);
    int at72 = 0, long_targets = 0;
    for (int len = 1; len <= 150; len++) {
        const char *argv[16] = {"gcc", "-E", "-o", "/dev/null", "-MD", "-MF", "out.d"};
        int argc = 7;
        memset(t1, 'T', (size_t)len);
        t1[len] = '\0';
        if (len % 4 == 0 && len > 3)
            t1[1] = '$', t1[2] = ' ';
        char *q1 = relocate_make_quote(t1);
        const char *want[3] = {len % 4 == 0 ? q1 : t1, NULL, NULL};
        argv[argc++] = len % 4 == 0 ? "-MQ" : "-MT";
        argv[argc++] = t1;
        if (len % 3 == 0) {
            memset(t2, 'u', (size_t)(151 - len));
            t2[151 - len] = '\0';
            argv[argc++] = "-MT";
            argv[argc++] = t2;
            /* gcc puts -MT targets before -MQ ones */
            want[0] = len % 4 == 0 ? t2 : t1;
            want[1] = len % 4 == 0 ? q1 : t2;
        }
        if (len % 2)
            argv[argc++] = "-MP";
        argv[argc++] = "s.c";
        argv[argc] = NULL;
        CU_ASSERT_EQUAL_FATAL(run(dir, argv, NULL), 0);
        size_t n, sn;
        char *text = slurp(dir, "out.d", &n);
        char *s = relocate_dep_store(text, n, dir, want, 0, &sn);
        if (!s)
            fprintf(stderr, "\nnot reproduced (target length %d):\n%s", len, text);
        CU_ASSERT_PTR_NOT_NULL(s);
        free(s);
        char *colon = strstr(text, ": "), *wrap = strstr(text, "\\\n");
        long_targets += colon && wrap && wrap < colon; /* wrapped among targets */
        round_trip(text, n, dir, want, 1);
        round_trip(text, n, dir, want, 0);
        /* That the boundary was met: a line filled to exactly column 72. */
        for (char *p = text, *nl; (nl = strchr(p, '\n')); p = nl + 1)
            at72 += nl - p == 74 && nl[-1] == '\\';
        free(text);
        free(q1);
    }
    CU_ASSERT(at72 > 0);
    CU_ASSERT(long_targets > 0);
}

/* The checkout's tree: a source, and headers found every way gcc finds
 * them (next to the source, -I absolute, -I relative, system), in
 * directories with awkward names. */
static void make_checkout(const char *base)
{
    put(base, "src/x.c",
        "#include <stdio.h>\n#include \"local.h\"\n#include \"sp ace/h$1.h\"\n"
        "#include <a_directory_name_of_some_length/abc.h>\n#include <#weird/x.h>\n"
        "#include \"rel.h\"\n"
        "#include <a_directory_name_of_some_length/and_a_header_whose_name_alone_fills_"
        "most_of_a_line_of_seventy.h>\n"
        "int main(void) { return 0; }\n");
    put(base, "src/local.h", "\n");
    put(base, "src/sp ace/h$1.h", "\n");
    put(base, "inc/a_directory_name_of_some_length/abc.h", "\n");
    put(base,
        "inc/a_directory_name_of_some_length/and_a_header_whose_name_alone_fills_most_of_a_"
        "line_of_seventy.h",
        "\n");
    put(base, "inc2/#weird/x.h", "\n");
    put(base, "inc3/rel.h", "\n");
}

/* gcc in checkout base on its src/x.c (given by absolute path) with args,
 * and "-MT base/abs_mt" unless abs_mt is NULL: the dependency file. */
static char *compile_deps(const char *base, const char *const *args, const char *abs_mt,
                          size_t *len)
{
    char src[1024], inc[1024], inc2[1024], mt[1024];
    snprintf(src, sizeof src, "%s/src/x.c", base);
    snprintf(inc, sizeof inc, "-I%s/inc", base);
    snprintf(inc2, sizeof inc2, "-I%s/inc2", base);
    snprintf(mt, sizeof mt, "%s/%s", base, abs_mt ? abs_mt : "");
    const char *argv[32] = {"gcc", "-c", inc, inc2, "-Iinc3", src, "-MF", "out.d"};
    int argc = 8;
    for (; *args; args++)
        argv[argc++] = *args;
    if (abs_mt)
        argv[argc++] = "-MT", argv[argc++] = mt;
    argv[argc] = NULL;
    CU_ASSERT_EQUAL_FATAL(run(base, argv, NULL), 0);
    return slurp(base, "out.d", len);
}

typedef struct variant {
    const char *args_a[10], *args_b[10]; /* gcc's options in A, in B */
    const char *want_a[3], *want_b[3]; /* the targets (quoted: -MQ) */
    int quote;                         /* want_* are names to quote */
} variant;

static const variant variants[] = {
    {{"-MD", "-MT", "t1/x.o", "-o", "x.o", NULL},
     {"-MD", "-MT", "t2/sub/longer/x.o", "-o", "x.o", NULL},
     {"t1/x.o"},
     {"t2/sub/longer/x.o"},
     0},
    {{"-MMD", "-MP", "-MQ", "o u$t#1.o", "-o", "o1.o", NULL},
     {"-MMD", "-MP", "-MQ", "an other $ name.o", "-o", "o2.o", NULL},
     {"o u$t#1.o"},
     {"an other $ name.o"},
     1},
    /* the default target: -MD's object */
    {{"-MD", "-o", "x 1.o", NULL}, {"-MD", "-o", "./x$.o", NULL}, {"x 1.o"}, {"./x$.o"}, 1},
    /* -MT goes before -MQ */
    {{"-MD", "-MP", "-MQ", "q$1.o", "-MT", "t1/x.o", "-o", "x.o", NULL},
     {"-MD", "-MP", "-MQ", "q2.o", "-MT", "t2/x.o", "-o", "x.o", NULL},
     {"t1/x.o", "q$$1.o"},
     {"t2/x.o", "q2.o"},
     0},
};

/* Stored in checkout A, restored in checkout B (shorter, much longer, and
 * one whose name escaping changes): exactly what gcc writes in B. */
static void test_across_checkouts(void)
{
    char a[256], bs[3][256];
    snprintf(a, sizeof a, "%s/a", tmp);
    snprintf(bs[0], sizeof bs[0], "%s/b", tmp);
    snprintf(bs[1], sizeof bs[1], "%s/b_a_much_longer_directory_name_than_a_/other", tmp);
    snprintf(bs[2], sizeof bs[2], "%s/sp ace$#/other", tmp);
    make_checkout(a);
    for (int k = 0; k < 3; k++)
        make_checkout(bs[k]);
    for (size_t v = 0; v < sizeof variants / sizeof *variants; v++) {
        const variant *x = &variants[v];
        char *wa[3] = {0}, *wb[3] = {0};
        for (int i = 0; x->want_a[i]; i++)
            wa[i] = x->quote ? relocate_make_quote(x->want_a[i]) : strdup(x->want_a[i]);
        for (int i = 0; x->want_b[i]; i++)
            wb[i] = x->quote ? relocate_make_quote(x->want_b[i]) : strdup(x->want_b[i]);
        size_t an, sn;
        char *ta = compile_deps(a, x->args_a, NULL, &an);
        CU_ASSERT_PTR_NOT_NULL(memmem(ta, an, a, strlen(a)));
        char *s = relocate_dep_store(ta, an, a, (const char *const *)wa, 1, &sn);
        CU_ASSERT_PTR_NOT_NULL_FATAL(s);
        CU_ASSERT_PTR_NULL(memmem(s, sn, a, strlen(a))); /* neutral */
        for (int k = 0; k < 3; k++) {
            size_t bn, rn, sbn;
            char *tb = compile_deps(bs[k], x->args_b, NULL, &bn);
            char *r = relocate_dep_restore(s, sn, bs[k], (const char *const *)wb, &rn);
            CU_ASSERT(same(bs[k], r, rn, tb, bn));
            /* and B stores the same entry: the key can leave both out */
            char *sb = relocate_dep_store(tb, bn, bs[k], (const char *const *)wb, 1, &sbn);
            CU_ASSERT(same("stored forms", sb, sbn, s, sn));
            free(sb);
            free(r);
            free(tb);
        }
        free(s);
        free(ta);
        for (int i = 0; i < 3; i++)
            free(wa[i]), free(wb[i]);
    }
    /* Without canon: the targets are kept, and one under the base moves. */
    static const char *const args[] = {"-MD", "-MP", "-o", "x.o", NULL};
    char ma[512], *want[] = {ma, NULL};
    snprintf(ma, sizeof ma, "%s/obj/x.o", a);
    size_t an, sn;
    char *ta = compile_deps(a, args, "obj/x.o", &an);
    char *s = relocate_dep_store(ta, an, a, (const char *const *)want, 0, &sn);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_PTR_NULL(memmem(s, sn, a, strlen(a)));
    for (int k = 0; k < 3; k++) {
        size_t bn, rn;
        char *tb = compile_deps(bs[k], args, "obj/x.o", &bn);
        char *r = relocate_dep_restore(s, sn, bs[k], NULL, &rn);
        if (k < 2) {
            CU_ASSERT(same(bs[k], r, rn, tb, bn));
        } else { /* -MT spells the base raw, the marker stands for it escaped */
            CU_ASSERT_PTR_NULL(r);
            CU_ASSERT_EQUAL(errno, EINVAL);
        }
        free(r);
        free(tb);
    }
    free(s);
    free(ta);
}

/* The escaped spelling of a name, as gcc gives it with -MQ and to the
 * default target (-MD with -o name). */
static void test_make_quote(void)
{
    static const char *const names[] = {"x.o",    "a b.o",  "a\\ b",  "a\\\\ b", "d$$$.o", "#z",
                                        "a\\#b",  "c:x",    "a\tb",   "./q.o",   ".//./e", "x/./y",
                                        "../p.o", "t\\.o",  "sp  two"};
    char dir[256];
    snprintf(dir, sizeof dir, "%s/quote", tmp);
    put(dir, "s.c", "\n");
    put(dir, "x/keep", "");
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char *q = relocate_make_quote(names[i]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(q);
        for (int dflt = 0; dflt < 2; dflt++) {
            const char *mq[] = {"gcc", "-E", "-o", "/dev/null", "-MD", "-MF", "out.d", "-MQ",
                                names[i], "s.c", NULL};
            const char *o[] = {"gcc", "-c", "-o", names[i], "-MD", "-MF", "out.d", "s.c", NULL};
            CU_ASSERT_EQUAL_FATAL(run(dir, dflt ? o : mq, NULL), 0);
            size_t n, qn = strlen(q);
            char *text = slurp(dir, "out.d", &n);
            CU_ASSERT(n > qn && !memcmp(text, q, qn) && text[qn] == ':');
            if (!(n > qn && !memcmp(text, q, qn)))
                fprintf(stderr, "\n'%s': quoted '%s', gcc wrote %s", names[i], q, text);
            free(text);
        }
        free(q);
    }
    CU_ASSERT_PTR_NULL(relocate_make_quote("./"));
    CU_ASSERT_EQUAL(errno, EINVAL);
    CU_ASSERT_PTR_NULL(relocate_make_quote(NULL));
}

/* The order gcc writes -MT and -MQ targets in, as relocate.h states it:
 * the -MT names, then the -MQ names rotated left by (-MT count) mod (-MQ
 * count), however they are interleaved on the command line. */
static void test_target_order(void)
{
    static const char *const mt[] = {"./t0", "t$1", "t2"}, *const mt_sp[] = {"t0", "t$1", "t2"};
    static const char *const mq[] = {"q 0", "./q1", "q$2"};
    static const char *const mq_sp[] = {"q\\ 0", "q1", "q$$2"};
    char dir[256];
    snprintf(dir, sizeof dir, "%s/order", tmp);
    put(dir, "s.c", "\n");
    for (int m = 0; m <= 3; m++)
        for (int k = 0; k <= 3; k++) {
            if (!m && !k)
                continue;
            const char *argv[24] = {"gcc", "-E", "-o", "/dev/null", "-MD", "-MF", "out.d", "s.c"};
            const char *want[7] = {NULL};
            int argc = 8;
            for (int i = 0; i < 3; i++) {
                if (i < k)
                    argv[argc++] = "-MT", argv[argc++] = mt[i];
                if (i < m)
                    argv[argc++] = "-MQ", argv[argc++] = mq[i];
            }
            argv[argc] = NULL;
            for (int i = 0; i < k; i++)
                want[i] = mt_sp[i];
            for (int i = 0; i < m; i++)
                want[k + i] = mq_sp[(i + k % (m ? m : 1)) % (m ? m : 1)];
            CU_ASSERT_EQUAL_FATAL(run(dir, argv, NULL), 0);
            size_t n, sn;
            char *text = slurp(dir, "out.d", &n);
            char *st = relocate_dep_store(text, n, dir, want, 0, &sn);
            CU_ASSERT_PTR_NOT_NULL(st);
            if (!st)
                fprintf(stderr, "\n%d -MQ, %d -MT: %s", m, k, text);
            free(st);
            free(text);
        }
}

/* Rules gcc would not write as they are, and bad bases and targets. */
static void test_dep_refusals(void)
{
    static const char *const bad[] = {
        "x.o: x.c  h.h\n",            /* two spaces */
        "x.o: x.c h.h",               /* no newline */
        "x.o:x.c\n",                  /* no space after the colon */
        "x.o x.c\n",                  /* no colon */
        ": x.c\n",                    /* no target */
        "x.o:\n",                     /* no prerequisite */
        "x.o: x.c\th.h\n",            /* a tab */
        "x.o: x.c \\\n h.h\n",        /* wrapped where gcc would not */
        "x.o: x.c h.h\nh.h:\nz.h:\n", /* a phony rule too many */
        "",
    };
    size_t n;
    const char *const one[] = {"x.o", NULL};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        errno = 0;
        char *s = relocate_dep_store(bad[i], strlen(bad[i]), "/w/a", NULL, 0, &n);
        CU_ASSERT_PTR_NULL(s);
        CU_ASSERT_EQUAL(errno, EINVAL);
        if (s)
            fprintf(stderr, "\naccepted: %s", bad[i]);
        free(s);
    }
    const char *good = "x.o y.o: /w/a/x.c /w/ab/h.h\n/w/ab/h.h:\n";
    size_t gn = strlen(good);
    char *s = relocate_dep_store(good, gn, "/w/a", NULL, 0, &n);
    CU_ASSERT(SAME("stored", s, n, "x.o y.o: \x01/x.c /w/ab/h.h\n/w/ab/h.h:\n"));
    free(s);
    /* expected targets: all of them, in order */
    const char *const *exp_bad[] = {one, (const char *const[]){"y.o", "x.o", NULL},
                                    (const char *const[]){"x.o", "y.o", "z.o", NULL}};
    for (size_t i = 0; i < 3; i++)
        CU_ASSERT_PTR_NULL(relocate_dep_store(good, gn, "/w/a", exp_bad[i], 1, &n));
    s = relocate_dep_store(good, gn, "/w/a", (const char *const[]){"x.o", "y.o", NULL}, 1, &n);
    CU_ASSERT(SAME("canon", s, n, "\x02: \x01/x.c /w/ab/h.h\n/w/ab/h.h:\n"));
    free(s);
    /* marker bytes and NULs in the input; bases */
    static const char *const marked[] = {"x.o: x\x01.c\n", "x.o: x.c \x02\n", "x.o: x\0.c\n"};
    for (size_t i = 0; i < 3; i++)
        CU_ASSERT_PTR_NULL(relocate_dep_store(marked[i], 10, "/w/a", NULL, 1, &n));
    static const char *const bases[] = {"/", "", "w/a", "/w/a/", "/w/\x01", "/w/a\nb", NULL};
    for (size_t i = 0; i < sizeof bases / sizeof *bases; i++) {
        errno = 0;
        CU_ASSERT_PTR_NULL(relocate_dep_store(good, gn, bases[i], NULL, 1, &n));
        CU_ASSERT_EQUAL(errno, EINVAL);
        CU_ASSERT_PTR_NULL(relocate_dep_restore("\x02: x.c\n", 8, bases[i], one, &n));
    }
    /* a base escaping changes: only with canon */
    const char *sp = "x.o: /w/a\\ b/x.c\n";
    CU_ASSERT_PTR_NULL(relocate_dep_store(sp, strlen(sp), "/w/a b", NULL, 0, &n));
    s = relocate_dep_store(sp, strlen(sp), "/w/a b", NULL, 1, &n);
    CU_ASSERT(SAME("escaped base", s, n, "\x02: \x01/x.c\n"));
    free(s);
}

/* What relocate_dep_store never writes is refused on the way out. */
static void test_restore_refusals(void)
{
    static const char *const bad[] = {
        "\x02: x\x01/a.h\n",       /* marker inside a name */
        "\x02: \x01x/a.h\n",       /* not a whole path prefix */
        "\x02: \x01/\x01/a.h\n",   /* twice */
        "\x02: \x02\n",            /* targets marker as a prerequisite */
        "\x02 x.o: a.c\n",         /* and among other targets */
        "x\x02.o: a.c\n",          /* inside a target */
        "\x01/x.o: a.c\n",         /* fine, unless the base is escaped: below */
        "\x02:  a.c\n",            /* not as written: unparsable, */
        "\x02: a.c \\\n b.h\n",   /* wrapped where it fits, */
        "\x02: a.c b.h\nzzz\n",     /* not the -MP lines */
    };
    const char *const one[] = {"x.o", NULL};
    size_t n;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *base = i == 6 ? "/w/a$" : "/w/a";
        errno = 0;
        char *r = relocate_dep_restore(bad[i], strlen(bad[i]), base, one, &n);
        CU_ASSERT_PTR_NULL(r);
        CU_ASSERT_EQUAL(errno, EINVAL);
        if (r)
            fprintf(stderr, "\naccepted %zu: %s", i, r);
        free(r);
    }
    char *r = relocate_dep_restore(bad[6], strlen(bad[6]), "/w/a", NULL, &n);
    CU_ASSERT(SAME("target under base", r, n, "/w/a/x.o: a.c\n"));
    free(r);
    /* a target list that cannot stand for the marker */
    const char *c = "\x02: \x01/a.c \x01\n";
    static const char *const t_bad[][3] = {{NULL}, {"", NULL}, {"a\nb", NULL}, {"a", "\x01", NULL}};
    for (size_t i = 0; i < 4; i++)
        CU_ASSERT_PTR_NULL(relocate_dep_restore(c, strlen(c), "/w/a", t_bad[i], &n));
    CU_ASSERT_PTR_NULL(relocate_dep_restore(c, strlen(c), "/w/a", NULL, &n));
    r = relocate_dep_restore(c, strlen(c), "/w/a b#", (const char *const[]){"o", "p", NULL}, &n);
    CU_ASSERT(SAME("restored", r, n, "o p: /w/a\\ b\\#/a.c /w/a\\ b\\#\n"));
    free(r);
}

/* Every prefix and many mutations of a real stored form, and garbage:
 * refused or answered, never a crash (ASan watches the reads). */
static void test_corrupt_stored(void)
{
    char a[256];
    snprintf(a, sizeof a, "%s/a", tmp);
    make_checkout(a);
    static const char *const args[] = {"-MD", "-MP", "-o", "x.o", NULL};
    size_t an, sn, n;
    char *ta = compile_deps(a, args, NULL, &an);
    const char *const one[] = {"x.o", NULL};
    char *s = relocate_dep_store(ta, an, a, one, 1, &sn);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    int answered = 0, refused = 0;
    for (size_t cut = 0; cut <= sn; cut++) {
        char *p = malloc(cut ? cut : 1); /* exactly cut bytes: ASan sees overreads */
        memcpy(p, s, cut);
        errno = 0;
        char *r = relocate_dep_restore(p, cut, "/b", one, &n);
        if (r) {
            answered++;
            CU_ASSERT_EQUAL(r[n], '\0');
        } else {
            refused++;
            CU_ASSERT_EQUAL(errno, EINVAL);
        }
        free(r);
        free(p);
    }
    CU_ASSERT(answered >= 2 && refused > (int)sn / 2); /* the whole, the rule alone */
    static const char subst[] = {'\x01', '\x02', ' ', '\n', ':', '\\', '/', '\0', 'x'};
    for (size_t i = 0; i < sn; i++)
        for (size_t k = 0; k < sizeof subst; k++) {
            char *p = malloc(sn);
            memcpy(p, s, sn);
            p[i] = subst[k];
            errno = 0;
            char *r = relocate_dep_restore(p, sn, "/b", one, &n);
            CU_ASSERT(r || errno == EINVAL);
            free(r);
            free(p);
        }
    unsigned seed = 12345;
    for (int i = 0; i < 2000; i++) {
        char g[64];
        size_t len = (size_t)i % sizeof g;
        for (size_t j = 0; j < len; j++) {
            seed = seed * 1103515245 + 12345;
            g[j] = "\x01\x02 \n:\\/ab"[(seed >> 16) % 9];
        }
        errno = 0;
        char *r = relocate_dep_restore(g, len, "/b", one, &n);
        CU_ASSERT(r || errno == EINVAL);
        free(r);
    }
    free(s);
    free(ta);
}

/* clang wraps one name a line: not gcc's format, refused. */
static void test_clang_refused(void)
{
    if (run("/", (const char *[]){"clang", "--version", NULL}, NULL) != 0) {
        fprintf(stderr, "(no clang: skipped) ");
        return;
    }
    char a[256];
    snprintf(a, sizeof a, "%s/a", tmp);
    make_checkout(a);
    const char *argv[] = {"clang", "-c", "-Iinc", "-Iinc2", "-Iinc3", "src/x.c", "-o", "x.o",
                          "-MD", "-MF", "clang.d", NULL};
    CU_ASSERT_EQUAL_FATAL(run(a, argv, NULL), 0);
    size_t n, sn;
    char *text = slurp(a, "clang.d", &n);
    errno = 0;
    char *s = relocate_dep_store(text, n, a, NULL, 1, &sn);
    CU_ASSERT_PTR_NULL(s);
    CU_ASSERT_EQUAL(errno, EINVAL);
    free(s);
    free(text);
}

/* One text through store and restore: stored as want_stored, restored
 * under /o/other as want_restored. */
static void text_case(const char *text, const char *want_stored, const char *want_restored)
{
    size_t sn, rn;
    char *s = relocate_text_store(text, strlen(text), "/w/a", &sn);
    CU_ASSERT(same(text, s, sn, want_stored, strlen(want_stored)));
    char *r = s ? relocate_text_restore(s, sn, "/o/other", &rn) : NULL;
    CU_ASSERT(same(text, r, rn, want_restored, strlen(want_restored)));
    free(r);
    r = s ? relocate_text_restore(s, sn, "/w/a", &rn) : NULL;
    CU_ASSERT(same(text, r, rn, text, strlen(text)));
    free(r);
    free(s);
}

static void test_text_boundaries(void)
{
    text_case("", "", "");
    text_case("/w/a/x.h:1: warning", "\x01/x.h:1: warning", "/o/other/x.h:1: warning");
    text_case("/w/ab/x.h /x/w/a/y.h -I/w/a", "/w/ab/x.h /x/w/a/y.h -I/w/a",
              "/w/ab/x.h /x/w/a/y.h -I/w/a");
    text_case("in /w/a", "in \x01", "in /o/other");
    text_case("/w/a", "\x01", "/o/other");
    text_case("/w/a: \"/w/a\" '/w/a/' (/w/a)", "\x01: \"\x01\" '\x01/' (\x01)",
              "/o/other: \"/o/other\" '/o/other/' (/o/other)");
    text_case("/w/a.c /w/a-b /w/a~ /w/a/w/a", "/w/a.c /w/a-b /w/a~ \x01/w/a",
              "/w/a.c /w/a-b /w/a~ /o/other/w/a");
    text_case("x\n/w/a\n/w/a\t/w/a/b", "x\n\x01\n\x01\t\x01/b",
              "x\n/o/other\n/o/other\t/o/other/b");
    size_t n;
    static const char *const bases[] = {"/", "", "a", "/w/a/", "/w\x01", NULL};
    for (size_t i = 0; i < sizeof bases / sizeof *bases; i++) {
        errno = 0;
        CU_ASSERT_PTR_NULL(relocate_text_store("/w/a", 4, bases[i], &n));
        CU_ASSERT_EQUAL(errno, EINVAL);
        CU_ASSERT_PTR_NULL(relocate_text_restore("\x01", 1, bases[i], &n));
    }
    CU_ASSERT_PTR_NULL(relocate_text_store("a\x01", 2, "/w/a", &n));
    CU_ASSERT_PTR_NULL(relocate_text_store("a\x02", 2, "/w/a", &n));
    CU_ASSERT_PTR_NULL(relocate_text_restore("a\x02", 2, "/w/a", &n));
    /* NULs pass through */
    char *s = relocate_text_store("\0/w/a\0", 6, "/w/a", &n);
    CU_ASSERT(SAME("NULs", s, n, "\0\x01\0"));
    free(s);
}

/* gcc's own diagnostics and -fstack-usage file, in checkouts A and B. */
static void test_text_from_gcc(void)
{
    char a[256], b[256];
    snprintf(a, sizeof a, "%s/ta", tmp);
    snprintf(b, sizeof b, "%s/tb_longer/other", tmp);
    char *out[2][2];
    size_t len[2][2];
    for (int k = 0; k < 2; k++) {
        const char *base = k ? b : a;
        char src[512], inc[512];
        put(base, "src/w.c", "#include \"inc/w.h\"\nint f(int x) { int u; return x; }\n");
        put(base, "src/inc/w.h", "#warning \"from a header\"\n");
        snprintf(src, sizeof src, "%s/src/w.c", base);
        snprintf(inc, sizeof inc, "-I%s/src", base);
        const char *argv[] = {"gcc", "-c", "-Wall", "-fdiagnostics-color=never", "-fstack-usage",
                              inc, src, "-o", "w.o", NULL};
        char errpath[600];
        snprintf(errpath, sizeof errpath, "%s/err", base);
        CU_ASSERT_EQUAL_FATAL(run(base, argv, errpath), 0);
        out[k][0] = slurp(base, "err", &len[k][0]);
        out[k][1] = slurp(base, "w.su", &len[k][1]);
    }
    for (int f = 0; f < 2; f++) {
        size_t sn, rn;
        CU_ASSERT_PTR_NOT_NULL(memmem(out[0][f], len[0][f], a, strlen(a)));
        char *s = relocate_text_store(out[0][f], len[0][f], a, &sn);
        CU_ASSERT_PTR_NOT_NULL_FATAL(s);
        CU_ASSERT_PTR_NULL(memmem(s, sn, a, strlen(a)));
        char *r = relocate_text_restore(s, sn, b, &rn);
        CU_ASSERT(same(f ? ".su" : "stderr", r, rn, out[1][f], len[1][f]));
        free(r);
        free(s);
    }
    for (int k = 0; k < 2; k++)
        free(out[k][0]), free(out[k][1]);
}

int main(void)
{
    static const unit_test tests[] = {
        {"the emitter writes what gcc writes", test_emitter_matches_gcc},
        {"stored in one checkout, restored in another", test_across_checkouts},
        {"names escaped as gcc escapes them", test_make_quote},
        {"gcc's order of -MT and -MQ targets", test_target_order},
        {"store refuses what it cannot reproduce", test_dep_refusals},
        {"restore refuses what store never writes", test_restore_refusals},
        {"corrupt stored forms never crash", test_corrupt_stored},
        {"clang's dependency files are refused", test_clang_refused},
        {"text: the whole path prefix rule", test_text_boundaries},
        {"text: gcc's diagnostics and .su files", test_text_from_gcc},
        {NULL, NULL},
    };
    return unit_run("relocate", init, clean, tests);
}
