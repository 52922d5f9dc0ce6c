/* SPDX-License-Identifier: Apache-2.0 */
/* exec_tool.c — `ricc exec [--] TOOL ARGS...`: caching any deterministic
 * tool (a code generator, a compiler ricc has no model of) by tracing it.
 *
 * Nobody tells ricc what such a tool reads and writes, so the first run
 * finds out: the tool runs with libricc-trace.so preloaded (preload/trace.c)
 * in it and every program it starts, and the trace (exec_trace.h) says
 * which files it read, looked for, made, and whether it did anything that
 * makes its result not a function of its files: reading the clock, random
 * numbers, the network, listing a directory, making links, running a
 * program the trace cannot follow (static, setuid, or with LD_PRELOAD taken
 * out of its environment), reading devices or /proc, writing outside the
 * working tree, changing or removing files it did not make.  Any of those,
 * and the tool's run stands as it is, uncached; the reason is logged at
 * info level (RICC_LOG_LEVEL=info).
 *
 * The key has the depend-mode shape of links (link.c):
 *   manifest key = "ricc-exec-1", the resolved tool path and its content
 *                  (and a script's #! interpreter by name and content),
 *                  the arguments, the working directory, and the whole
 *                  environment minus what cannot matter to a tool and
 *                  changes from call to call: ricc's own RICC_* and RECC_*
 *                  settings, make's MAKEFLAGS/MFLAGS/MAKELEVEL (jobserver
 *                  descriptors), SHLVL, OLDPWD and "_" (a conservative
 *                  choice: any other variable may be read, so all count);
 *   manifest     = up to MAX_ENTRIES entries, newest first, each the files
 *                  read with their digests ("I"), the directories opened
 *                  ("Y"), the paths probed and their kind ("P"), the paths
 *                  that were absent ("A"), the metadata the tool looked at
 *                  as it is after the run ("M" the fields a stat returned:
 *                  mode, owner, link count, size, mtime — a directory's
 *                  mode and owner only; "X" the access bits it asked and
 *                  which are granted; "L" a symlink's target and "Z" a
 *                  realpath, as digests), and what to restore: the outputs
 *                  ("O", relative to the working directory) and directories
 *                  made ("K");
 *   action       = a digest of the manifest key and the entry's lines: the
 *                  local action cache keeps the ActionResult (outputs,
 *                  stdout, stderr) under it, served with result_serve.
 * Every file read counts, system files too (the interpreter, libc, the
 * programs a script runs), and /etc/ld.so.cache, which decides where the
 * loader finds libraries.  A call whose manifest has an entry whose checks
 * all still hold (exec_manifest.c) restores the outputs and replays the
 * streams without running the tool (counted as a direct hit).
 *
 * Standard input cannot be traced, so a tool is cached only when its stdin
 * is /dev/null, a terminal or closed; a file or pipe there runs uncached.
 * Only successful runs are cached (exit status 0), as for compiles.
 *
 * The remote (remote_flow.h), after a local miss, as links use it: the
 * remote's copy of the manifest (uploaded with every result) is checked
 * like a local one (an entry's action must also be its own lines' digest,
 * its outputs inside the working tree), and the result of an entry that
 * holds comes from the remote action cache.  The action is no REAPI Action
 * a worker could run: a miss runs here and uploads its result and manifest
 * (in cache-only mode when cache_upload_local_build is set).
 * Not seen by the trace (limits): files the C library opens for itself
 * (the locale archive, /etc/nsswitch.conf, passwd lookups), the host name
 * and user; and a tool that prints its whole environment would print the
 * trace's two variables (LD_PRELOAD, RICC_TRACE_FILE) into what is cached. */
#include "wrapper/flows/exec_tool.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/reapi/digest.h"
#include "cache/util/fsutil.h"
#include "cache/util/log.h"
#include "cache/local/statindex.h"
#include "cache/local/stats.h"
#include "cache/local/store.h"
#include "wrapper/key/action.h"
#include "wrapper/direct/exec_manifest.h"
#include "wrapper/flows/pipeline.h"
#include "wrapper/flows/reason.h"
#include "wrapper/trace/exec_trace.h"
#include "wrapper/compiler/inputs.h"
#include "wrapper/remote/remote_flow.h"
#include "wrapper/key/result.h"
#include "wrapper/util/run.h"
#include "wrapper/direct/textman.h"
#include "wrapper/trace/tracer.h"

#define MAX_ENTRIES 8
#define KEY_MAGIC "ricc-exec-1\n"

extern char **environ;

typedef struct xcall {
    pipeline p;        /* cfg, cwd, t0, store, stat index, remote */
    char *tool;        /* resolved path */
    char **argv;       /* argv with argv[0] = tool */
    int argc;
    char **orig_argv;  /* as the user gave it (the key) */
    digest mkey;
    int64_t bound;     /* inputs stamped later changed while the tool ran */
    digest action;     /* the action served from the remote, or stored */
    int stored;        /* record() stored a result under action */
} xcall;

/* "TAG ARG PATH\n" (ARG may be NULL).  0 or -1. */
static int buf_line(tbuf *b, const char *tag, const char *arg, const char *path)
{
    return tbuf_add(b, tag, strlen(tag)) || tbuf_add(b, " ", 1) ||
           (arg && (tbuf_add(b, arg, strlen(arg)) || tbuf_add(b, " ", 1))) ||
           tbuf_add(b, path, strlen(path)) || tbuf_add(b, "\n", 1);
}

/* ---- running plainly ---- */

static int exec_plain(xcall *c, int counter)
{
    if (counter >= 0) /* (only a compile's misses are explained) */
        reason_count_outcome((enum stat_id)counter, MISS_OTHER);
    return run_exec(c->tool, c->argv);
}

/* ---- the key ---- */

static int env_ignored(const char *kv)
{
    static const char *const names[] = {
        "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "SHLVL", "OLDPWD", "_", NULL,
    };
    if (!strncmp(kv, "RICC_", 5) || !strncmp(kv, "RECC_", 5))
        return 1;
    size_t n = strcspn(kv, "=");
    for (int i = 0; names[i]; i++)
        if (strlen(names[i]) == n && !strncmp(kv, names[i], n))
            return 1;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The interpreter a script names on its #! line, into out; "" if none.
 * ricc starts the tool, so the trace only sees the interpreter once it
 * runs, by its resolved name: /bin/sh now pointing at another shell must
 * change the key. */
static void script_interpreter(const char *tool, char *out, size_t cap)
{
    char head[256];
    out[0] = '\0';
    int fd = open(tool, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t n = read(fd, head, sizeof head - 1);
    close(fd);
    if (n < 3 || head[0] != '#' || head[1] != '!')
        return;
    head[n] = '\0';
    char *p = head + 2 + strspn(head + 2, " \t");
    size_t len = strcspn(p, " \t\n");
    if (len < cap) {
        memcpy(out, p, len);
        out[len] = '\0';
    }
}

/* 0, or -1 (the tool cannot be read, or out of memory). */
static int make_key(xcall *c)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + 1, sizeof *env);
    digest_ctx *d = digest_ctx_new();
    struct stat st;
    digest tool;
    unsigned flags;
    if (!env || !d || input_digest(c->tool, &st, &tool, &flags) != 0) {
        free(env);
        if (d) {
            digest scratch;
            digest_ctx_final(d, &scratch);
        }
        return -1;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!env_ignored(environ[i]))
            env[k++] = environ[i];
    qsort(env, k, sizeof *env, cmp_str);
    char num[32];
    digest_ctx_update(d, KEY_MAGIC, strlen(KEY_MAGIC));
    digest_ctx_update(d, c->tool, strlen(c->tool) + 1);
    digest_ctx_update(d, tool.hash, DIGEST_HEX_LEN);
    char interp[PATH_MAX];
    script_interpreter(c->tool, interp, sizeof interp);
    if (interp[0]) {
        digest id;
        if (input_digest(interp, &st, &id, &flags) != 0)
            id = tool; /* not runnable: the run fails and is not stored */
        digest_ctx_update(d, interp, strlen(interp) + 1);
        digest_ctx_update(d, id.hash, DIGEST_HEX_LEN);
    }
    snprintf(num, sizeof num, "argc=%d", c->argc);
    digest_ctx_update(d, num, strlen(num) + 1);
    for (int i = 0; i < c->argc; i++)
        digest_ctx_update(d, c->orig_argv[i], strlen(c->orig_argv[i]) + 1);
    digest_ctx_update(d, c->p.cwd, strlen(c->p.cwd) + 1);
    snprintf(num, sizeof num, "env=%zu", k);
    digest_ctx_update(d, num, strlen(num) + 1);
    for (size_t i = 0; i < k; i++)
        digest_ctx_update(d, env[i], strlen(env[i]) + 1);
    digest_ctx_final(d, &c->mkey);
    free(env);
    return 0;
}

/* ---- hit ---- */

/* Parent directories of a relative path, made as the tool made them. */
static void make_parents(const char *rel)
{
    char *dir = strdup(rel);
    char *slash = dir ? strrchr(dir, '/') : NULL;
    if (slash) {
        *slash = '\0';
        if (dir[0])
            fs_mkdir_p(dir, 0777);
    }
    free(dir);
}

/* Serve the result (ActionResult bytes, whose blobs are in the local CAS)
 * of the entry m: its directories and outputs made, its streams replayed.
 * The exit status, or -1 (nothing written to stdout or stderr). */
static int serve_entry(xcall *c, const xman_entry *m, const void *bytes, size_t len)
{
    for (int i = 0; i < m->n_dirs; i++)
        fs_mkdir_p(m->dirs[i], 0777);
    for (int i = 0; i < m->n_outputs; i++)
        make_parents(m->outputs[i]);
    result_outputs o = {m->n_outputs, m->outputs, (const char *const *)m->outputs, NULL};
    return result_serve(c->p.st, &m->action, &o, bytes, len);
}

/* The exit status, or -1 (nothing written to stdout or stderr). */
static int lookup(xcall *c)
{
    char *text;
    size_t len;
    if (c->p.cfg->skip_cache || store_get(c->p.st, STORE_MANIFEST, &c->mkey, &text, &len) != 0)
        return -1;
    xman_entry m = {0};
    int status = -1;
    if (xman_match(text, &m) == 1) {
        char *bytes;
        size_t blen;
        if (store_get(c->p.st, STORE_AC, &m.action, &bytes, &blen) == 0) {
            status = serve_entry(c, &m, bytes, blen);
            free(bytes);
        }
    }
    xman_match_free(&m);
    free(text);
    return status;
}

/* After a local miss: the remote's manifest under the same key (kept
 * locally when there is none, so that what this call records is added to
 * it), and on a match the entry's result from the remote action cache,
 * served like a local hit.  The exit status, or -1. */
static int remote_lookup(xcall *c)
{
    char *text, *local;
    size_t len, llen;
    rflow_carried *carried = NULL;
    if (!rflow_manifest_fetch(c->p.rf, &c->mkey, &text, &len, &carried)) {
        LOG_D("remote manifest %s: none", c->mkey.hash);
        return -1;
    }
    /* xman_match cuts the text up: the copy is taken first. */
    char *copy = malloc(len + 1);
    if (!copy) {
        free(text);
        rflow_carried_free(carried);
        return -1;
    }
    memcpy(copy, text, len + 1);
    if (store_get(c->p.st, STORE_MANIFEST, &c->mkey, &local, &llen) == 0)
        free(local);
    else if (store_put(c->p.st, STORE_MANIFEST, &c->mkey, copy, len) != 0)
        LOG_D("cannot store the exec manifest: %s", strerror(errno));
    xman_entry m = {0};
    int status = -1, found = xman_match(text, &m) == 1 &&
                             xman_entry_gives(&c->mkey, copy + (m.entry - text), &m.action);
    LOG_D("remote manifest %s: %s", c->mkey.hash, found ? "matches" : "no match");
    void *ar;
    size_t ar_len;
    /* Only what import_result reads: the action and the outputs to expect. */
    action_key key = {.action = m.action, .output_paths = m.outputs, .n_outputs = m.n_outputs};
    /* Its result may have come with the manifest: then one call in all. */
    if (found && (rflow_take(c->p.rf, carried, &key, &ar, &ar_len) == 0 ||
                  rflow_lookup(c->p.rf, &key, &ar, &ar_len) == 0)) {
        status = serve_entry(c, &m, ar, ar_len);
        c->action = m.action;
        free(ar);
    }
    rflow_carried_free(carried);
    xman_match_free(&m);
    free(copy);
    free(text);
    return status;
}

/* ---- miss ---- */

/* Where path is, relative to the working directory, when it is inside the
 * working tree (symlinks in its directory resolved).  malloc'd, or NULL. */
static char *tree_relative(const xcall *c, const char *path)
{
    char *dir = strdup(path);
    char *slash = dir ? strrchr(dir, '/') : NULL;
    char *out = NULL;
    if (slash && slash[1]) {
        *slash = '\0';
        char *real = realpath(dir[0] ? dir : "/", NULL);
        char *full = real ? path_join(real, slash + 1) : NULL;
        char *rel = full ? path_relative_to(full, c->p.cwd) : NULL;
        if (rel && rel[0])
            out = rel;
        else
            free(rel);
        free(full);
        free(real);
    }
    free(dir);
    return out;
}

static int add_input(xcall *c, tbuf *body, const char *p, const char **why, const char **what)
{
    struct stat st;
    digest d;
    unsigned flags;
    char k = xman_kind(p);
    if (k == 'd')
        return buf_line(body, "Y", NULL, p);
    *what = p;
    if (k != 'f') {
        *why = k ? "the tool reads a special file" : "an input vanished while the tool ran";
        return -1;
    }
    if (input_digest(p, &st, &d, &flags) != 0) {
        *why = "an input cannot be read";
        return -1;
    }
    if (action_stamp_ns(&st) > c->bound) {
        *why = "an input changed while the tool ran";
        return -1;
    }
    char num[DIGEST_HEX_LEN + 32];
    snprintf(num, sizeof num, "%s %lld", d.hash, (long long)d.size_bytes);
    return buf_line(body, "I", num, p);
}

/* The lines keying what the tool saw of p beyond its content (what: the
 * XM_* bits it asked, exec_trace.h).  A file (not a directory: the tool's
 * own files come and go in those) stamped after the bound changed while
 * the tool ran, so what it saw cannot be told from what is there now. */
static int add_meta(xcall *c, tbuf *body, const char *p, unsigned what, const char **why,
                    const char **whatpath)
{
    struct stat st;
    *whatpath = p;
    for (int follow = 0; follow < 2; follow++) {
        if ((follow ? stat(p, &st) : lstat(p, &st)) != 0) {
            *why = "a file the tool looked at vanished while it ran";
            return -1;
        }
        if (!S_ISDIR(st.st_mode) && action_stamp_ns(&st) > c->bound) {
            *why = "a file the tool looked at changed while it ran";
            return -1;
        }
    }
    const struct {
        char tag[2];
        unsigned fields;
        int nofollow;
    } asked[] = {
        {"M", what & XM_FIELDS, 0},
        {"M", (what >> XM_NOFOLLOW_SHIFT) & XM_FIELDS, 1},
        {"X", (what >> XM_ACCESS_SHIFT) & 7, 0},
        {"L", what & XM_LINK, 0},
        {"Z", what & XM_REAL, 0},
    };
    for (size_t i = 0; i < sizeof asked / sizeof *asked; i++) {
        char arg[160];
        if (!asked[i].fields)
            continue;
        if (xman_observe(p, asked[i].tag[0], asked[i].fields, asked[i].nofollow, arg,
                         sizeof arg) != 0) {
            *why = "what the tool looked at cannot be read now";
            return -1;
        }
        if (buf_line(body, asked[i].tag, arg, p)) {
            *why = "out of memory";
            return -1;
        }
    }
    return 0;
}

/* The entry's lines (after its "E" line) and the outputs to store, from
 * the trace and the files as they are now.  0, or -1 with *why (and *what,
 * the path it is about, or NULL) when the run must not be cached. */
static int build_entry(xcall *c, const exec_trace *t, tbuf *body, char ***outs, int *n_outs,
                       const char **why, const char **what)
{
    *what = NULL;
    *why = "out of memory";
    for (int i = 0; i < t->n_inputs; i++)
        if (add_input(c, body, t->inputs[i], why, what) != 0)
            return -1;
    if (access("/etc/ld.so.cache", R_OK) == 0 && add_input(c, body, "/etc/ld.so.cache", why, what))
        return -1;
    for (int i = 0; i < t->n_probes; i++) {
        char k[2] = {xman_kind(t->probes[i]), 0};
        if (!k[0]) {
            *why = "a file the tool looked at vanished while it ran";
            *what = t->probes[i];
            return -1;
        }
        if (buf_line(body, "P", k, t->probes[i]))
            return -1;
    }
    for (int i = 0; i < t->n_meta; i++)
        if (add_meta(c, body, t->meta[i], t->meta_what[i], why, what) != 0)
            return -1;
    *why = "out of memory";
    for (int i = 0; i < t->n_absent; i++) {
        if (!xman_absent(t->absent[i])) {
            *why = "a file the tool found absent appeared while it ran";
            *what = t->absent[i];
            return -1;
        }
        if (buf_line(body, "A", NULL, t->absent[i]))
            return -1;
    }
    for (int i = 0; i < t->n_dirs; i++) {
        if (xman_kind(t->dirs[i]) != 'd')
            continue;
        char *rel = tree_relative(c, t->dirs[i]);
        if (!rel) {
            *why = "the tool writes outside the working tree";
            *what = t->dirs[i];
            return -1;
        }
        int bad = buf_line(body, "K", NULL, rel);
        free(rel);
        if (bad)
            return -1;
    }
    for (int i = 0; i < t->n_outputs; i++) {
        struct stat st;
        if (lstat(t->outputs[i], &st) != 0)
            continue; /* a temporary file the tool removed */
        *what = t->outputs[i];
        char *rel = tree_relative(c, t->outputs[i]);
        if (!rel) {
            *why = "the tool writes outside the working tree";
            return -1;
        }
        if (!S_ISREG(st.st_mode) || strchr(rel, '\n')) {
            free(rel);
            *why = "the tool makes something other than a regular file";
            return -1;
        }
        if (buf_line(body, "O", NULL, rel) || xman_push(outs, n_outs, rel)) {
            free(rel);
            *why = "out of memory";
            return -1;
        }
    }
    return 0;
}

/* Record a successful traced run.  The counter it adds to. */
static enum stat_id record(xcall *c, const exec_trace *t, const run_result *r)
{
    const char *why = t->why_not, *what = NULL;
    if (!why && !t->root_seen)
        why = "the tool cannot be traced (a statically linked or setuid program?)";
    if (why) {
        reason_uncacheable(reason_classify(why, UNC_OTHER), "not caching", c->tool, why);
        return ST_UNCACHEABLE;
    }
    if (c->p.cfg->action_uncacheable)
        return ST_MISS;
    tbuf body = {0}, entry = {0};
    char **outs = NULL;
    int n_outs = 0;
    enum stat_id counter = ST_UNCACHEABLE;
    if (build_entry(c, t, &body, &outs, &n_outs, &why, &what) != 0) {
        LOG_I("not caching %s: %s%s%s", c->tool, why, what ? ": " : "", what ? what : "");
        reason_count_uncacheable(reason_classify(why, UNC_UNKEYABLE_INPUT));
        goto out;
    }
    digest action;
    if (xman_entry_action(&c->mkey, body.p ? body.p : "", body.len, &action) != 0)
        goto out;
    char head[DIGEST_HEX_LEN + 32];
    snprintf(head, sizeof head, "E %s %lld\n", action.hash, (long long)action.size_bytes);
    if (tbuf_add(&entry, head, strlen(head)) || tbuf_add(&entry, body.p ? body.p : "", body.len))
        goto out;
    result_outputs o = {n_outs, outs, (const char *const *)outs, NULL};
    int s = result_store(c->p.st, &action, &o, r);
    if (s < 0) {
        /* result_store warned, once per build (cachedir_write_failed). */
        LOG_I("cannot store the tool's result in %s: %s", c->p.cfg->dir, strerror(errno));
        stats_add(ST_STORE_ERRORS, 1);
    }
    if (s <= 0) {
        /* Not written, the store keeps it in memory all the same: the
         * result and its manifest still reach the remote. */
        textman_update(c->p.st, &c->mkey, &entry, &action, MAX_ENTRIES, "exec");
        counter = s < 0 ? ST_FALLBACK : ST_MISS;
        c->action = action;
        c->stored = 1;
    }
out:
    if (counter == ST_UNCACHEABLE && !why) /* (an output not written, or out of memory) */
        reason_count_uncacheable(UNC_OTHER);
    for (int i = 0; i < n_outs; i++)
        free(outs[i]);
    free(outs);
    free(body.p);
    free(entry.p);
    return counter;
}

static int run_traced(xcall *c)
{
    char *lib = tracer_find();
    if (!lib) {
        LOG_W("libricc-trace.so is not beside ricc (../lib or ../lib/ricc) and RICC_TRACE_LIB "
              "is not set; running the tool uncached");
        return exec_plain(c, ST_FALLBACK);
    }
    run_result r;
    char *text = NULL;
    size_t len = 0;
    c->bound = action_clock_pass(c->p.t0);
    int started =
        tracer_capture(lib, c->p.cfg->dir, 0, TRACE_ALL, c->tool, c->argv, &r, &text, &len);
    free(lib);
    if (started != 0)
        return exec_plain(c, ST_FALLBACK);
    run_write_out(1, r.out, r.out_len);
    run_write_out(2, r.err, r.err_len);
    int have_trace = text != NULL;
    int status = r.status;
    enum stat_id counter;
    exec_trace t;
    if (status != 0) {
        stats_add(ST_COMPILE_FAILED, 1);
        counter = ST_MISS;
    } else if (!have_trace || exec_trace_parse(text, len, (long)getpid(), &t) != 0) {
        LOG_W("cannot read the tool's trace; not caching it");
        counter = ST_FALLBACK;
    } else {
        counter = record(c, &t, &r);
        exec_trace_free(&t);
    }
    if (counter == ST_MISS && rflow_failed(c->p.rf))
        counter = ST_FALLBACK; /* the remote failed us: ricc's trouble */
    reason_count_outcome(counter, MISS_OTHER);
    free(text);
    run_result_free(&r);
    return status;
}

/* ---- the call ---- */

/* Standard input the tool could read and the trace cannot see? */
static int stdin_is_data(void)
{
    struct stat st, null;
    if (fstat(0, &st) != 0 || isatty(0))
        return 0;
    return !(S_ISCHR(st.st_mode) && stat("/dev/null", &null) == 0 && st.st_rdev == null.st_rdev);
}

/* ---- the traced tool's ops (pipeline.h) ---- */

static int op_plain(void *c, int counter)
{
    return exec_plain(c, counter);
}

/* Its standard input, the key (no toolchain: the tool is in the key). */
static int op_key(void *cp)
{
    xcall *c = cp;
    if (stdin_is_data()) {
        reason_uncacheable(UNC_STDIN_DATA, "not caching", c->tool,
                           "its standard input is a file or pipe it may read");
        return exec_plain(c, ST_UNCACHEABLE);
    }
    if (!getcwd(c->p.cwd, sizeof c->p.cwd))
        return exec_plain(c, ST_FALLBACK);
    pipeline_open_index(&c->p);
    if (make_key(c) != 0)
        return exec_plain(c, ST_FALLBACK);
    return PIPELINE_GO;
}

static int op_lookup(void *cp)
{
    xcall *c = cp;
    int status = lookup(c);
    if (status >= 0) {
        stats_add(ST_DIRECT_HIT, 1);
        LOG_I("exec cache hit for %s", c->tool);
        return status;
    }
    LOG_I("exec cache miss for %s; running it traced", c->tool);
    return -1;
}

/* The remote's manifest and result, else a traced run here whose result
 * and manifest are uploaded. */
static int op_remote(void *cp)
{
    xcall *c = cp;
    int status;
    if ((status = remote_lookup(c)) >= 0) {
        stats_add(ST_REMOTE_HIT, 1);
        LOG_P("Action Cache hit for %s", c->action.hash);
        return status;
    }
    if (c->p.cfg->cache_only && !rflow_failed(c->p.rf))
        LOG_P("Action not cached and running in cache-only mode, executing locally");
    else if (!rflow_failed(c->p.rf))
        LOG_P("Action not cached and not executable remotely (a traced tool's inputs are known "
              "only once it ran), executing locally%s",
              c->p.cfg->action_uncacheable ? "" : " and uploading the result");
    status = run_traced(c);
    /* With the manifest, which is what leads a fresh sandbox to it. */
    if (c->stored) {
        action_key key = {.action = c->action};
        rflow_upload(c->p.rf, &key, &c->mkey);
    }
    return status;
}

static int op_run(void *c)
{
    return run_traced(c);
}

static const pipeline_ops exec_ops = {
    .plain = op_plain, .key = op_key, .lookup = op_lookup, .remote = op_remote, .run = op_run,
};

int exec_tool(int argc, char **argv, const config *cfg)
{
    if (argc > 0 && !strcmp(argv[0], "--"))
        argc--, argv++;
    if (argc == 0) {
        fprintf(stderr, "usage: ricc exec [--] TOOL [ARGS...]\n");
        return 2;
    }
    xcall c = {.p.cfg = cfg, .argc = argc, .orig_argv = argv};
    stats_set_subject(argv[0]); /* for the stats log (stats_log.h) */
    c.tool = run_find_program(argv[0]);
    if (!c.tool) {
        fprintf(stderr, "ricc: exec: %s: command not found\n", argv[0]);
        return 127;
    }
    c.argv = calloc((size_t)argc + 1, sizeof *c.argv);
    if (!c.argv) {
        free(c.tool);
        return 1;
    }
    memcpy(c.argv, argv, (size_t)argc * sizeof *argv);
    /* The tool sees its name as the user gave it (a script may print it). */
    int status = cfg->disable ? exec_plain(&c, -1) : pipeline_run(&exec_ops, &c, &c.p);
    pipeline_end(&c.p);
    free(c.argv);
    free(c.tool);
    return status;
}
