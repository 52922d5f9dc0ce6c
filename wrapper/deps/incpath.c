/* SPDX-License-Identifier: Apache-2.0 */
/* incpath.c — include search chains (the scanning of include names is
 * incscan.c).
 *
 * The chain comes from the compiler itself (`-E -v` prints it), not from a
 * re-implementation of its rules: multilib dirs, --sysroot, -nostdinc,
 * CPATH and the C++ library dirs are all the compiler's business.  Asking
 * costs a process, so the answer is stored per (toolchain, flags, include
 * environment) and shared by every file compiled with the same flags. */
#include "wrapper/deps/incpath.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/local/layout.h"
#include "cache/util/fsutil.h"
#include "cache/util/log.h"
#include "wrapper/util/run.h"

static const char *lang_name(enum lang l)
{
    switch (l) {
    case LANG_CXX: return "c++";
    case LANG_OBJC: return "objective-c";
    case LANG_OBJCXX: return "objective-c++";
    case LANG_ASM_CPP: return "assembler-with-cpp";
    default: return "c";
    }
}

static int push(char ***v, int *n, const char *s)
{
    char **nv = realloc(*v, sizeof **v * (size_t)(*n + 1));
    if (!nv)
        return -1;
    *v = nv;
    if (!(nv[*n] = strdup(s)))
        return -1;
    (*n)++;
    return 0;
}

void inc_chain_free(inc_chain *c)
{
    for (int i = 0; i < c->n_quote; i++)
        free(c->quote[i]);
    for (int i = 0; i < c->n_angle; i++)
        free(c->angle[i]);
    for (int i = 0; i < c->n_missing; i++)
        free(c->missing[i]);
    free(c->quote);
    free(c->angle);
    free(c->missing);
    memset(c, 0, sizeof *c);
}

/* Parse `-E -v` stderr (or our stored copy of the same lines). */
static int parse_chain(const char *text, inc_chain *c)
{
    enum { NONE, QUOTE, ANGLE } sect = NONE;
    const char *p = text;
    int seen_end = 0;
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t n = eol ? (size_t)(eol - p) : strlen(p);
        char line[4096];
        if (n >= sizeof line)
            n = sizeof line - 1;
        memcpy(line, p, n);
        line[n] = '\0';
        p += n + (eol ? 1 : 0);

        const char *ign = "ignoring nonexistent directory \"";
        if (!strncmp(line, ign, strlen(ign))) {
            char *d = line + strlen(ign), *q = strrchr(d, '"');
            if (q)
                *q = '\0';
            if (push(&c->missing, &c->n_missing, d))
                return -1;
        } else if (strstr(line, "#include \"...\" search starts here:")) {
            sect = QUOTE;
        } else if (strstr(line, "#include <...> search starts here:")) {
            sect = ANGLE;
        } else if (!strncmp(line, "End of search list.", 19)) {
            seen_end = 1;
            sect = NONE;
        } else if (sect != NONE && line[0] == ' ') {
            char *d = line + 1;
            char *fw = strstr(d, " (framework directory)");
            if (fw)
                *fw = '\0';
            if (push(sect == QUOTE ? &c->quote : &c->angle, sect == QUOTE ? &c->n_quote : &c->n_angle, d))
                return -1;
        }
    }
    return seen_end ? 0 : -1;
}

/* The compiler drops search directories that do not exist, so a remembered
 * chain holds only while each of its directories still exists and each it
 * ignored still does not (relative ones are against the working directory,
 * as the compiler would take them). */
static int chain_current(const inc_chain *c)
{
    struct stat st;
    for (int i = 0; i < c->n_missing; i++)
        if (stat(c->missing[i], &st) == 0)
            return 0;
    for (int i = 0; i < c->n_quote; i++)
        if (stat(c->quote[i], &st) != 0)
            return 0;
    for (int i = 0; i < c->n_angle; i++)
        if (stat(c->angle[i], &st) != 0)
            return 0;
    return 1;
}

static int is_input_arg(const compile_cmd *cmd, const char *a)
{
    return !strcmp(a, cmd->source);
}

/* Arguments that cannot change where headers are searched for: macros,
 * optimisation, debug info, warnings (but -Wp, which passes anything to the
 * preprocessor).  Left out of the query and its key, so the compiles of a
 * project that differ only in these share one chain.  Returns how many
 * arguments (1 or 2) to skip, or 0. */
static int search_neutral(const char *a, const char *next)
{
    if (!strcmp(a, "-D") || !strcmp(a, "-U"))
        return next ? 2 : 0;
    if ((a[0] == '-' && (a[1] == 'D' || a[1] == 'U' || a[1] == 'O' || a[1] == 'g')) ||
        !strcmp(a, "-w") || (!strncmp(a, "-W", 2) && strncmp(a, "-Wp,", 4) != 0))
        return 1;
    return 0;
}

int incpath_chain(const char *compiler, const compile_cmd *cmd, const digest *toolkey,
                  const char *ricc_dir, inc_chain *out)
{
    memset(out, 0, sizeof *out);
    /* The dependency scan's argv minus the source and the appended -M -MT _,
     * plus -E -v on an empty input of the same language. */
    int n = 0;
    while (cmd->dep_argv[n])
        n++;
    char **argv = calloc((size_t)n + 8, sizeof *argv);
    if (!argv)
        return -1;
    int k = 0;
    argv[k++] = (char *)compiler;
    for (int i = 1; i < n; i++) {
        const char *a = cmd->dep_argv[i];
        if (!strcmp(a, "-MT") && i + 1 < n && !strcmp(cmd->dep_argv[i + 1], "_")) {
            i++;
            continue;
        }
        if (!strcmp(a, "-M") || is_input_arg(cmd, a))
            continue;
        int skip = search_neutral(a, i + 1 < n ? cmd->dep_argv[i + 1] : NULL);
        if (skip) {
            i += skip - 1;
            continue;
        }
        argv[k++] = (char *)a;
    }
    argv[k++] = "-E";
    argv[k++] = "-v";
    argv[k++] = "-x";
    argv[k++] = (char *)lang_name(cmd->lang);
    argv[k++] = "/dev/null";
    argv[k] = NULL;

    digest_ctx *dc = digest_ctx_new();
    if (!dc) {
        free(argv);
        return -1;
    }
    digest_ctx_update(dc, toolkey->hash, DIGEST_HEX_LEN);
    for (int i = 1; i < k; i++)
        digest_ctx_update(dc, argv[i], strlen(argv[i]) + 1);
    static const char *env[] = {"CPATH", "C_INCLUDE_PATH", "CPLUS_INCLUDE_PATH",
                                "OBJC_INCLUDE_PATH", "GCC_EXEC_PREFIX", "COMPILER_PATH", NULL};
    for (int i = 0; env[i]; i++) {
        const char *v = getenv(env[i]);
        digest_ctx_update(dc, env[i], strlen(env[i]) + 1);
        if (v)
            digest_ctx_update(dc, v, strlen(v) + 1);
    }
    /* Relative -I dirs are relative to the working directory. */
    char cwd[4096];
    if (getcwd(cwd, sizeof cwd))
        digest_ctx_update(dc, cwd, strlen(cwd) + 1);
    digest key;
    digest_ctx_final(dc, &key);

    char *path = layout_path_dup(ricc_dir, LAYOUT_INCDIRS, key.hash);
    char *text = NULL;
    size_t len;
    int rc = -1;
    if (path && fs_read_file(path, &text, &len) == 0 && parse_chain(text, out) == 0 &&
        chain_current(out)) {
        rc = 0;
    } else {
        inc_chain_free(out);
        run_result r;
        if (run_capture(compiler, argv, &r) == 0) {
            if (r.status == 0 && parse_chain(r.err, out) == 0) {
                rc = 0;
                if (path)
                    atomic_write_file(path, r.err, r.err_len, 0644);
            } else {
                inc_chain_free(out);
            }
            run_result_free(&r);
        }
    }
    free(text);
    free(path);
    free(argv);
    return rc;
}
