/* SPDX-License-Identifier: Apache-2.0 */
/* depend.c — see depend.h for the ways and why. */
#include "wrapper/deps/depend.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache/local/cachedir.h"
#include "cache/util/fsutil.h"
#include "cache/util/log.h"
#include "wrapper/trace/opentrace.h"
#include "wrapper/trace/tracer.h"

/* -MMD leaves system headers out of the compile's dependency output. */
static int user_wants_mmd(const compile_cmd *cmd)
{
    for (int i = 1; i < cmd->argc; i++)
        if (strstr(cmd->argv[i], "-MMD"))
            return 1;
    return 0;
}

/* Would gcc write its own command line into the output?  Then an added -H
 * would change the output: debug info records the switches
 * (-grecord-gcc-switches is the default), and so do LTO objects,
 * -frecord-gcc-switches and -fverbose-asm.  Any -g but -g0 counts as debug
 * info; a stray reading here only costs the tracer. */
static int records_switches(const compile_cmd *cmd)
{
    int debug = 0, record_g = 1, record_f = 0;
    for (int i = 1; i < cmd->argc; i++) {
        const char *a = cmd->argv[i];
        if (!strcmp(a, "-g0"))
            debug = 0;
        else if (!strcmp(a, "-gno-record-gcc-switches"))
            record_g = 0;
        else if (!strcmp(a, "-grecord-gcc-switches"))
            record_g = 1;
        else if (!strncmp(a, "-gz", 3) || !strncmp(a, "-gno-", 5))
            continue;
        else if (!strncmp(a, "-g", 2))
            debug = 1;
        else if (!strcmp(a, "-frecord-gcc-switches"))
            record_f = 1;
        else if (!strcmp(a, "-fno-record-gcc-switches"))
            record_f = 0;
        else if (!strncmp(a, "-flto", 5) || !strcmp(a, "-fverbose-asm"))
            return 1;
    }
    return (debug && record_g) || record_f;
}

/* gcc, not clang under any name: clang 14's -H also puts system headers
 * into the -MMD file, and it compiles inside its driver process, which
 * reads other files too. */
static int is_gcc(const compile_cmd *cmd, const char *compiler)
{
    if (cmd->is_clang)
        return 0;
    char *real = realpath(compiler, NULL);
    const char *base = real ? strrchr(real, '/') : NULL;
    int clang = !real || strstr(base ? base : real, "clang") != NULL;
    free(real);
    return !clang;
}

/* Can -H stand in for the dependency output?  Not where gcc records its
 * switches (records_switches), not when the user asked for -H themselves
 * (their trace is part of the output), and only while the compiler's
 * messages can be told apart from the trace. */
static int header_trace_usable(const compile_cmd *cmd)
{
    if (records_switches(cmd))
        return 0;
    for (int i = 1; i < cmd->argc; i++)
        if (!strcmp(cmd->argv[i], "-H") || !strcmp(cmd->argv[i], "--trace-includes"))
            return 0;
    return hdrtrace_messages_english();
}

void depend_plain(depend *d)
{
    memset(d, 0, sizeof *d);
    d->lib = tracer_find();
}

void depend_choose(depend *d, const compile_cmd *cmd, const char *compiler)
{
    depend_plain(d);
    if (cmd->preprocessed)
        d->way = DEPEND_SOURCE;
    else if (!user_wants_mmd(cmd))
        d->way = DEPEND_DEPFILE;
    else if (!is_gcc(cmd, compiler))
        d->way = DEPEND_NONE;
    else if (header_trace_usable(cmd))
        d->way = DEPEND_HEADERS;
    else if (d->lib)
        d->way = DEPEND_OPENS;
    else
        d->way = DEPEND_NONE;
}

/* The user's argv plus what the way adds: -MD -MF <tmp> when they asked
 * for no dependency file themselves, -H for the header trace.  The object
 * does not change. */
static char **added_argv(const depend *d, char **argv, int argc)
{
    char **v = calloc((size_t)argc + 4, sizeof *v);
    if (!v)
        return NULL;
    memcpy(v, argv, (size_t)argc * sizeof *v);
    if (d->way == DEPEND_HEADERS) {
        v[argc] = "-H";
    } else if (d->tmp) {
        v[argc] = "-MD";
        v[argc + 1] = "-MF";
        v[argc + 2] = d->tmp;
    }
    return v;
}

int depend_run(depend *d, const compile_cmd *cmd, char **argv, int argc, const char *ricc_dir,
               run_result *r)
{
    memset(r, 0, sizeof *r);
    if (d->way == DEPEND_DEPFILE && !(d->depfile = compile_cmd_output(cmd, OUT_DEPFILE))) {
        /* In this process's own directory (cachedir.h): the compiler opens
         * -MF with O_TRUNC and would follow a link another user of a
         * shared cache planted at a name of tmp/ (deps.<pid>.d, once). */
        char *dir = cachedir_scratch(ricc_dir);
        d->tmp = dir ? path_join(dir, "deps.d") : NULL;
        free(dir);
        if (!d->tmp)
            return -1;
        d->depfile = d->tmp;
    }
    char **v = added_argv(d, argv, argc);
    if (!v)
        return -1;
    int rc = d->lib ? tracer_capture(d->lib, ricc_dir, 1, TRACE_READS, argv[0], v, r,
                                     &d->records, &d->records_len)
                    : run_capture_files(argv[0], v, r);
    free(v);
    if (rc != 0)
        return -1;
    if (d->lib && memmem(r->err, r->err_len, "libricc-trace.so", 16)) {
        /* The loader complained about the tracer (a program of another
         * word size in the compiler, say): that line is not the
         * compiler's, so this stderr is not the user's. */
        LOG_I("the tracer could not be loaded into the compiler; compiling plainly");
        run_result_free(r);
        return -1;
    }
    if (r->status != 0 && d->tmp && memmem(r->err, r->err_len, d->tmp, strlen(d->tmp))) {
        /* The compiler could not write the dependency file ricc added (a
         * full or broken cache file system): that is ricc's failure, not
         * the build's; said once per build (cachedir.h), with the reason
         * the compiler gave. */
        static const int errs[] = {ENOSPC, EDQUOT, EROFS, EACCES};
        int err = EIO;
        for (size_t i = 0; i < sizeof errs / sizeof *errs && err == EIO; i++) {
            const char *m = strerror(errs[i]);
            if (memmem(r->err, r->err_len, m, strlen(m)))
                err = errs[i];
        }
        cachedir_write_failed(ricc_dir, d->tmp, err);
        LOG_I("compiling without caching");
        run_result_free(r);
        return -1;
    }
    if (d->way == DEPEND_HEADERS) {
        if (hdrtrace_split(r->err, r->err_len, &d->ht) != 0) {
            /* The trace cannot be taken out: this stderr is not the user's. */
            run_result_free(r);
            return -1;
        }
        free(r->err);
        r->err = d->ht.err;
        r->err_len = d->ht.err_len;
        d->ht.err = NULL;
    }
    return 0;
}

int depend_source_only(const char *source, char ***deps, int *n)
{
    *n = 0;
    if (!(*deps = calloc(2, sizeof **deps)) || !((*deps)[0] = strdup(source)))
        return -1;
    *n = 1;
    return 0;
}

/* The source, then paths[0..n) but the source (by absolute name). */
static int source_first(const compile_cmd *cmd, const char *cwd, char **paths, int n,
                        char ***deps)
{
    char **v = calloc((size_t)n + 2, sizeof *v);
    char *src = path_absolute(cmd->source, cwd);
    int k = 0;
    if (!v || !src || !(v[k++] = strdup(cmd->source)))
        goto fail;
    for (int i = 0; i < n; i++) {
        char *abs = path_absolute(paths[i], cwd);
        int same = abs && !strcmp(abs, src);
        free(abs);
        if (same)
            continue;
        if (!(v[k] = strdup(paths[i])))
            goto fail;
        k++;
    }
    free(src);
    *deps = v;
    return k;
fail:
    for (int i = 0; v && i < k; i++)
        free(v[i]);
    free(v);
    free(src);
    return -1;
}

int depend_deps(depend *d, const compile_cmd *cmd, const char *cwd, char ***deps, int *pch)
{
    *deps = NULL;
    *pch = 0;
    int n = -1;
    switch (d->way) {
    case DEPEND_SOURCE:
        return depend_source_only(cmd->source, deps, &n) == 0 ? n : -1;
    case DEPEND_DEPFILE: {
        char *text;
        size_t len;
        if (fs_read_file(d->depfile, &text, &len) != 0)
            return -1;
        n = depfile_parse(text, len, deps);
        free(text);
        return n > 0 ? n : -1;
    }
    case DEPEND_HEADERS:
        *pch = d->ht.pch;
        return *pch ? -1 : source_first(cmd, cwd, d->ht.paths, d->ht.n_paths, deps);
    case DEPEND_OPENS: {
        char **paths;
        n = d->records ? opentrace_reads(d->records, d->records_len, cwd, &paths, pch) : -1;
        if (n < 0) {
            LOG_I("the compiler's file trace cannot be read; not caching");
            return -1;
        }
        int k = *pch ? -1 : source_first(cmd, cwd, paths, n, deps);
        for (int i = 0; i < n; i++)
            free(paths[i]);
        free(paths);
        return k;
    }
    default:
        return -1;
    }
}

int depend_observe(const depend *d, const char *cwd, char *const *deps, int n, observed *o)
{
    if (!d->records) {
        memset(o, 0, sizeof *o);
        o->why_not = strdup(d->lib ? "the compile's trace cannot be read"
                                   : "the compile cannot be observed: libricc-trace.so not found");
        return o->why_not ? 0 : -1;
    }
    return observe_parse(d->records, d->records_len, (long)getpid(), cwd, deps, n, o);
}

void depend_free(depend *d)
{
    if (d->tmp)
        unlink(d->tmp);
    free(d->tmp);
    free(d->lib);
    free(d->records);
    hdrtrace_free(&d->ht);
    memset(d, 0, sizeof *d);
}
