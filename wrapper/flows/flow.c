/* SPDX-License-Identifier: Apache-2.0 */
/* flow.c — the wrapped call.  See flow.h for the shape. */
#include "wrapper/flows/flow.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache/util/fsutil.h"
#include "cache/util/log.h"
#include "cache/reapi/reapi.h"
#include "cache/local/layout.h"
#include "cache/local/stats.h"
#include "cache/local/statindex.h"
#include "cache/local/store.h"
#include "wrapper/key/action.h"
#include "wrapper/direct/comment_hit.h"
#include "wrapper/compiler/compiler.h"
#include "wrapper/deps/depend.h"
#include "wrapper/flows/explain.h"
#include "wrapper/flows/flow_int.h"
#include "wrapper/deps/hasinclude.h"
#include "wrapper/compiler/identity.h"
#include "wrapper/compiler/inputs.h"
#include "wrapper/direct/manifest.h"
#include "wrapper/remote/remote_flow.h"
#include "wrapper/key/result.h"
#include "wrapper/util/run.h"
/* Run the compiler untouched, replacing this process. */
static int exec_compiler(call *c)
{
    return run_exec(c->compiler, c->argv);
}

/* Run the compiler on our own stdio, for when ricc cannot or should not
 * cache; counts `counter`. */
static int run_plain(call *c, enum stat_id counter)
{
    stats_add(counter, 1);
    return exec_compiler(c);
}

/* ---- dependency scan ---- */

int flow_scan_deps(call *c)
{
    if (c->cmd.preprocessed)
        return depend_source_only(c->cmd.source, &c->deps, &c->n_deps);
    int n = 0;
    while (c->cmd.dep_argv[n])
        n++;
    char *saved0 = c->cmd.dep_argv[0];
    c->cmd.dep_argv[0] = c->compiler;
    run_result r;
    int rc = run_capture_files(c->compiler, c->cmd.dep_argv, &r);
    c->cmd.dep_argv[0] = saved0;
    if (rc != 0)
        return -1;
    if (r.status != 0) {
        LOG_D("dependency scan exited %d: %s", r.status, r.err);
        run_result_free(&r);
        return -1;
    }
    c->n_deps = depfile_parse(r.out, r.out_len, &c->deps);
    run_result_free(&r);
    if (c->n_deps <= 0) {
        LOG_D("dependency scan printed no prerequisites");
        return -1;
    }
    return 0;
}

/* ---- the per-action lock ---- */

/* One byte of $RICC_DIR/lock/actions, at an offset taken from the key, locked with an open-file-description lock: racing identical
 * actions wait for each other, different actions practically never share a
 * byte, and the lock goes away with the process whatever happens to it. */
static void lock_key(call *c, const digest *key)
{
    c->lock_fd = -1;
    char *path = layout_path_dup(c->p.cfg->dir, LAYOUT_ACTION_LOCK, NULL);
    if (path) {
        c->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
        if (c->lock_fd < 0 && errno == ENOENT && layout_make_parent(path) == 0)
            c->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
    }
    free(path);
    if (c->lock_fd < 0)
        return;
    unsigned char raw[32];
    digest_raw(key, raw);
    off_t off = 0;
    for (int i = 0; i < 7; i++)
        off = off << 8 | raw[i];
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = off, .l_len = 1};
    while (fcntl(c->lock_fd, F_OFD_SETLKW, &fl) < 0) {
        if (errno != EINTR) {
            close(c->lock_fd);
            c->lock_fd = -1;
            return;
        }
    }
}

static void unlock_action(call *c)
{
    if (c->lock_fd >= 0)
        close(c->lock_fd);
    c->lock_fd = -1;
}

/* ---- hit ---- */

/* The outputs as the key names them and as this call does, and how they
 * are relocated (result.h).  0, or -1 out of memory. */
typedef struct call_outputs {
    const char **paths;
    int *kinds;
    result_reloc rl;
    result_outputs o;
} call_outputs;

static int outputs_of(call *c, call_outputs *co)
{
    int n = c->cmd.n_outputs;
    co->paths = calloc((size_t)n + 1, sizeof *co->paths);
    co->kinds = calloc((size_t)n + 1, sizeof *co->kinds);
    if (!co->paths || !co->kinds) {
        free(co->paths);
        free(co->kinds);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        co->paths[i] = c->cmd.outputs[i].path;
        co->kinds[i] = c->cmd.outputs[i].kind;
    }
    co->rl = (result_reloc){keybase_paths_base(&c->key.kb), c->key.kb.dep_targets, co->kinds};
    co->o = (result_outputs){c->key.n_outputs, c->key.output_paths, co->paths, &co->rl};
    return 0;
}

static void outputs_free(call_outputs *co)
{
    free(co->paths);
    free(co->kinds);
}

/* Serve the call from a serialized ActionResult: its exit status, or -1
 * (a miss; nothing written to stdout or stderr). */
int flow_serve_hit(call *c, const void *bytes, size_t len)
{
    call_outputs co;
    if (outputs_of(c, &co) != 0)
        return -1;
    int status = result_serve(c->p.st, &c->key.action, &co.o, bytes, len);
    outputs_free(&co);
    return status;
}

int flow_lookup(call *c)
{
    char *bytes;
    size_t len;
    int r = store_get(c->p.st, STORE_AC, &c->key.action, &bytes, &len);
    if (r != 0)
        return -1;
    int status = flow_serve_hit(c, bytes, len);
    free(bytes);
    return status;
}

/* ---- miss ---- */

/* Store the outputs and the ActionResult.  0, 1 (not cacheable after all),
 * or -1 (store trouble). */
static int store_result(call *c, const run_result *r)
{
    call_outputs co;
    if (outputs_of(c, &co) != 0)
        return -1;
    int rc = result_store(c->p.st, &c->key.action, &co.o, r);
    outputs_free(&co);
    return rc;
}

/* The manifest with this compile's include set added, built before anything
 * is stored because its proof can show that the result must not be cached.
 * Returns 0 (proven), -1 (not provable: *out is marked scan-only) or
 * MANIFEST_PCH; *out is the manifest to write, or NULL. */
static int build_manifest(call *c, manifest **out)
{
    *out = NULL;
    char *bytes = NULL;
    size_t len = 0;
    manifest *m = NULL;
    if (store_get(c->p.st, STORE_MANIFEST, &c->mkey, &bytes, &len) == 0)
        m = manifest_parse(bytes, len);
    free(bytes);
    if (!m && !(m = manifest_new()))
        return -1;
    if (!c->scans) /* (opened on the first miss that records a proof) */
        c->scans = memo_open(c->p.cfg->dir, layout_name(LAYOUT_INCSCAN));
    manifest_inputs mi = {
        .cmd = &c->cmd, .compiler = c->compiler, .toolkey = &c->toolkey,
        .ricc_dir = c->p.cfg->dir, .cwd = c->p.cwd, .deps = c->deps,
        .dep_digests = c->key.dep_digests, .n_deps = c->n_deps, .action = &c->key.action,
        .base = keybase_paths_base(&c->key.kb), .base_in_action = c->key.late_base,
        .base_in_output = c->base_seen,
        .date = c->key.date[0] ? c->key.date : NULL,
        .gcc = compiler_is_gcc(&c->cmd, c->compiler),
        .scans = c->scans,
        .n_extra = c->n_extra, .absent = c->absent, .n_absent = c->n_absent,
    };
    int r = manifest_add(m, &mi);
    if (r == MANIFEST_PCH) {
        manifest_free(m);
        return r;
    }
    if (r == 0 && comment_hit_allowed(c->p.cfg, &c->cmd, c->compiler))
        comment_hit_remember(&c->codes, c->p.cfg->dir, c->deps, c->key.dep_digests, c->n_deps);
    *out = m;
    return r;
}

void flow_write_manifest(call *c, manifest *m)
{
    size_t len;
    char *bytes = manifest_serialize(m, &len);
    if (bytes && store_put(c->p.st, STORE_MANIFEST, &c->mkey, bytes, len) != 0)
        LOG_D("cannot store the manifest: %s", strerror(errno));
    free(bytes);
    manifest_free(m);
}

/* Remember which inputs gave this action, for direct hits next time. */
static void record_manifest(call *c)
{
    manifest *m;
    if (c->p.cfg->no_direct || build_manifest(c, &m) == MANIFEST_PCH || !m)
        return;
    flow_write_manifest(c, m);
}

/* Does a precompiled header sit beside a header the scan listed?  (The
 * compiler would use it instead, and the scan does not say so.) */
int flow_deps_have_pch(const call *c)
{
    for (int i = 0; i < c->n_deps; i++) {
        size_t n = strlen(c->deps[i]);
        char *p = malloc(n + 5);
        if (!p)
            return 1;
        struct stat st;
        int found = 0;
        memcpy(p, c->deps[i], n);
        memcpy(p + n, ".gch", 5);
        found |= stat(p, &st) == 0;
        memcpy(p + n, ".pch", 5);
        found |= stat(p, &st) == 0;
        free(p);
        if (found)
            return 1;
    }
    return 0;
}

/* action_finish over c->deps, with the files the inputs' __has_include tests
 * find added to them first (hasinclude.h: no dependency output names
 * them, and the answer is in the output).  0, or -1 with *why. */
static int finish_key(call *c, action_inputs *in, const char **why)
{
    in->deps = c->deps;
    in->n_deps = c->n_deps;
    if (action_finish(in, &c->key, why) != 0)
        return -1;
    if (!(c->key.input_flags & INPUT_HAS_INCLUDE) || c->cmd.preprocessed)
        return 0;
    hasinclude_in hi = {
        .cmd = &c->cmd, .compiler = c->compiler, .toolkey = &c->toolkey,
        .ricc_dir = c->p.cfg->dir, .cwd = c->p.cwd, .flags = c->key.dep_flags,
    };
    int added = hasinclude_add(&hi, &c->deps, &c->n_deps);
    if (added < 0) {
        *why = "an input's __has_include tests cannot be resolved";
        return -1;
    }
    if (added == 0)
        return 0;
    in->deps = c->deps;
    in->n_deps = c->n_deps;
    return action_finish(in, &c->key, why);
}

int flow_finish_key(call *c, const char **why)
{
    return finish_key(c, &c->in, why);
}

/* Did every input stay as the compile read it (action.h, "the rule")?
 * bound is what action_clock_pass returned before the compile started.  In
 * depend mode the digests were taken after the compile, with the stamps
 * checked here; the dependency scan's were taken before it, so an input
 * stamped near t0 is hashed again and must not differ. */
static int inputs_settled(call *c, int64_t bound, int hashed_after)
{
    if (hashed_after)
        return c->key.newest_input_ns <= bound;
    for (int i = 0; i < c->n_deps; i++) {
        struct stat st;
        digest d;
        unsigned flags;
        if (stat(c->deps[i], &st) != 0 || action_stamp_ns(&st) > bound)
            return 0;
        if (action_stamp_ns(&st) > c->p.t0 - ACTION_CLOCK_SLACK_NS &&
            (input_digest(c->deps[i], &st, &d, &flags) != 0 ||
             !digest_equal(&d, &c->key.dep_digests[i]) || action_stamp_ns(&st) > bound))
            return 0;
    }
    return 1;
}

/* Run the compile; in depend mode (c->dep chosen) also learn the key from
 * what it read.  Then store (unless an input changed while it ran). */
static int compile_and_store(call *c, int in_depend_mode)
{
    depend plain;
    if (!in_depend_mode)
        depend_plain(&plain);
    depend *d = in_depend_mode ? &c->dep : &plain;
    run_result r;
    int64_t bound = action_clock_pass(c->p.t0);
    if (depend_run(d, &c->cmd, c->argv, c->argc, c->p.cfg->dir, &r) != 0) {
        depend_free(d);
        unlock_action(c);
        return run_plain(c, ST_FALLBACK);
    }
    run_write_out(1, r.out, r.out_len);
    run_write_out(2, r.err, r.err_len);
    int status = r.status;
    enum stat_id counter = rflow_failed(c->p.rf) ? ST_FALLBACK : ST_MISS;
    if (status != 0) {
        stats_add(ST_COMPILE_FAILED, 1);
    } else if (!c->p.cfg->action_uncacheable) {
        const char *why = NULL;
        int ok = 1, hashed_after = in_depend_mode;
        if (in_depend_mode) {
            action_inputs in = c->in;
            int pch;
            c->n_deps = depend_deps(d, &c->cmd, c->p.cwd, &c->deps, &pch);
            ok = c->n_deps > 0;
            if (pch)
                LOG_I("a precompiled header was used; not caching");
            if (ok && finish_key(c, &in, &why) != 0) {
                reason_uncacheable(reason_classify(why, UNC_UNKEYABLE_INPUT), "not caching",
                                   why, NULL);
                ok = 0;
                counter = ST_UNCACHEABLE; /* (what it read cannot be keyed) */
            }
        }
        if (ok && !flow_observe_inputs(c, d, &hashed_after)) {
            ok = 0;
            counter = ST_UNCACHEABLE;
        }
        int rekeyed = ok ? flow_base_in_outputs(c) : 0;
        if (rekeyed < 0)
            ok = 0;
        else if (rekeyed)
            hashed_after = 1;
        if (ok && !inputs_settled(c, bound, hashed_after)) {
            LOG_I("an input changed during the compile; not caching");
            ok = 0;
        }
        manifest *m = NULL;
        int proof = ok && !c->p.cfg->no_direct ? build_manifest(c, &m) : 0;
        if (proof == MANIFEST_PCH) {
            LOG_I("a precompiled header could stand in for a header; not caching");
            ok = 0;
        } else if (proof != 0 && in_depend_mode && flow_deps_have_pch(c)) {
            /* Unproven, the proof did not get to look for precompiled
             * headers: the dependency scan's own check, as a scan would. */
            LOG_I("a precompiled header sits beside a header; not caching");
            ok = 0;
        } else if (proof != 0) {
            /* The key is exact (every file the compile read, by content):
             * the result is kept, and the manifest, marked scan-only, sends
             * the next identical call to the dependency scan, which finds it. */
            LOG_I("include set cannot be proven; the next call will use the dependency scan");
        }
        if (ok) {
            int s = store_result(c, &r);
            if (s < 0) {
                stats_add(ST_STORE_ERRORS, 1);
                counter = ST_FALLBACK;
            }
            if (s == 0)
                explain_record(c);
            /* (Not stored, but kept in memory by the store: the manifest
             * too, so both can still reach the remote.) */
            if (s > 0) {
                manifest_free(m);
                m = NULL;
            }
        }
        if (m && (ok || proof == -1))
            flow_write_manifest(c, m);
        else
            manifest_free(m);
    }
    reason_count_outcome(counter, c->miss);
    depend_free(d);
    run_result_free(&r);
    return status;
}

/* ---- the call ---- */

void flow_call_free(call *c)
{
    if (c->have_key)
        action_key_free(&c->key);
    for (int i = 0; i < c->n_deps; i++)
        free(c->deps[i]);
    free(c->deps);
    for (int i = 0; i < c->n_absent; i++)
        free(c->absent[i]);
    free(c->absent);
    if (c->have_cmd)
        compile_cmd_free(&c->cmd);
    depend_free(&c->dep);
    pipeline_end(&c->p);
    memo_close(c->scans);
    memo_close(c->codes);
    unlock_action(c);
    free(c->argv);
    free(c->compiler);
}

/* ---- the remote (remote_flow.h), after a local miss ---- */

/* The remote's result for c->key.action: the exit status, or -1. */
int flow_remote_lookup(call *c)
{
    void *ar;
    size_t len;
    if (c->p.cfg->skip_cache || rflow_lookup(c->p.rf, &c->key, &ar, &len) != 0)
        return -1;
    int status = flow_serve_hit(c, ar, len);
    free(ar);
    c->from_remote = status >= 0;
    return status;
}

static int serve_cb(void *c, const void *ar, size_t len)
{
    int status = flow_serve_hit(c, ar, len);
    if (status >= 0)
        record_manifest(c);
    return status;
}

static int compile_cb(void *c)
{
    return compile_and_store(c, 0);
}

/* Run a compile that cannot be keyed because it is about to fail (a missing
 * source or header, a syntax error the scan tripped on): its messages and
 * status are the user's answer.  A failure counts as a miss that failed to
 * compile, as ccache counts it; a success (the scan failed for a reason the
 * compile did not share) as a fallback. */
static int compile_uncached(call *c)
{
    run_result r;
    if (run_capture(c->compiler, c->argv, &r) != 0)
        return run_plain(c, ST_FALLBACK);
    run_write_out(1, r.out, r.out_len);
    run_write_out(2, r.err, r.err_len);
    int status = r.status;
    run_result_free(&r);
    reason_count_outcome(status != 0 ? ST_MISS : ST_FALLBACK, c->miss);
    if (status != 0)
        stats_add(ST_COMPILE_FAILED, 1);
    return status;
}

static int hit(call *c, enum stat_id counter, int status)
{
    stats_add(c->from_remote ? ST_REMOTE_HIT : counter, 1);
    LOG_P("Action Cache hit for %s", c->key.action.hash);
    return status;
}

/* A keyed action missed locally: the remote's cache, Execute, or compile. */
static int remote_miss(call *c)
{
    rflow_call rc = {
        .key = &c->key, .mkey = c->p.cfg->no_direct ? NULL : &c->mkey, .deps = c->deps,
        .n_deps = c->n_deps, .cwd = c->p.cwd, .ctx = c, .serve = serve_cb, .compile = compile_cb,
        .carry_result = 1,
        /* The assembler's .incbin and .include files are known only from
         * what it reads (observe.h), which a worker does not tell. */
        .no_execute = c->cmd.lang == LANG_ASM_CPP || c->cmd.lang == LANG_ASM
                          ? "an assembler source, whose inputs only its run here shows"
                          : NULL,
    };
    enum rflow_how how;
    int status = rflow_miss(c->p.rf, &rc, &how);
    if (how == RFLOW_EXECUTED)
        reason_count_outcome(ST_MISS, c->miss);
    return how == RFLOW_HIT ? hit(c, ST_REMOTE_HIT, status) : status;
}

/* ---- the compile's ops (pipeline.h) ---- */

static int op_plain(void *c, int counter)
{
    if (counter < 0)
        return exec_compiler(c);
    return run_plain(c, (enum stat_id)counter);
}

int flow_key(call *c, const char **why, const char **arg, enum uncacheable_reason *r)
{
    const config *cfg = c->p.cfg;
    *why = *arg = NULL;
    *r = UNC_OTHER;
    if (cfg->disable)
        return FLOW_DISABLED;
    /* Variables that make the compiler write files of its own. */
    static const char *const writers[] = {"DEPENDENCIES_OUTPUT", "SUNPRO_DEPENDENCIES",
                                          "CC_PRINT_HEADERS", "CC_LOG_DIAGNOSTICS",
                                          "CC_PRINT_OPTIONS", NULL};
    for (int i = 0; writers[i]; i++)
        if (getenv(writers[i])) {
            *why = "the compiler writes files of its own when this variable is set";
            *arg = writers[i];
            *r = UNC_ENVIRONMENT;
            return FLOW_UNCACHEABLE;
        }
    if (!getcwd(c->p.cwd, sizeof c->p.cwd)) {
        *why = "the working directory cannot be named";
        return FLOW_FALLBACK;
    }
    if (compiler_parse(c->argc, c->user_argv, c->p.cwd, &c->cmd) != 0) {
        *why = "the command line cannot be read (a response file?)";
        return FLOW_UNCACHEABLE;
    }
    c->have_cmd = 1;
    stats_set_subject(c->cmd.source); /* for the stats log (stats_log.h) */
    if (!c->cmd.cacheable) {
        *why = c->cmd.why_not ? c->cmd.why_not : "?";
        *arg = c->cmd.why_arg;
        *r = reason_classify(*why, *arg ? UNC_UNSUPPORTED_OPTION : UNC_OTHER);
        return FLOW_UNCACHEABLE;
    }

    int have_toolchain = pipeline_toolchain(&c->p);
    if (have_toolchain) {
        c->toolkey = c->p.toolchain;
    } else if (compiler_identity_for(c->compiler, cfg->dir, identity_programs(c->cmd.lang),
                                     c->cmd.driver_opts, &c->toolkey) != 0) {
        LOG_W("cannot read the compiler %s: %s", c->compiler, strerror(errno));
        return FLOW_FALLBACK;
    }

    if (!c->explaining)
        pipeline_open_index(&c->p);
    int depfile = compile_cmd_output(&c->cmd, OUT_DEPFILE) != NULL;
    c->in = (action_inputs){
        .cmd = &c->cmd, .cfg = cfg, .cwd = c->p.cwd,
        .toolchain = have_toolchain ? &c->p.toolchain : NULL,
        .compiler_id = have_toolchain ? NULL : &c->toolkey,
        .compile = 1, .depfile_gcc = depfile && compiler_is_gcc(&c->cmd, c->compiler),
    };
    if (action_prepare(&c->in, &c->key, why) != 0) {
        *r = reason_classify(*why, UNC_UNKEYABLE_INPUT);
        return FLOW_UNCACHEABLE;
    }
    c->have_key = 1;
    struct stat sst;
    unsigned sflags;
    if (input_digest(c->cmd.source, &sst, &c->src, &sflags) != 0) {
        LOG_I("cannot read %s: %s", c->cmd.source, strerror(errno));
        return FLOW_NO_SOURCE;
    }
    action_manifest_key(&c->key, &c->src, &c->mkey);
    return FLOW_KEYED;
}

/* The pipeline's key op: flow_key, and what to do when it does not key. */
static int op_key(void *cp)
{
    call *c = cp;
    const char *why, *arg;
    enum uncacheable_reason r;
    switch (flow_key(c, &why, &arg, &r)) {
    case FLOW_KEYED:
        return PIPELINE_GO;
    case FLOW_DISABLED:
        return exec_compiler(c);
    case FLOW_UNCACHEABLE:
        reason_uncacheable(r, "not cacheable", why, arg);
        return run_plain(c, ST_UNCACHEABLE);
    case FLOW_NO_SOURCE:
        c->miss = MISS_NO_KEY;
        return compile_uncached(c); /* the compiler will say what is wrong */
    default:
        if (why)
            LOG_I("%s; running the compiler plainly", why);
        return run_plain(c, ST_FALLBACK);
    }
}

/* A miss: why (explain.h), logged at info and kept for the counter. */
static void explain_call_miss(call *c)
{
    miss_why w;
    explain_miss(c, c->p.st, &w);
    explain_log(&w);
    c->miss = w.reason;
}

/* Direct mode's lookup (flow_direct.c): its miss is kept in c->direct. */
static int op_lookup(void *cp)
{
    call *c = cp;
    int status = flow_direct_lookup(c);
    if (status >= 0)
        return hit(c, ST_DIRECT_HIT, status);
    c->direct = status;
    return -1;
}

/* After a direct miss: depend mode, or the dependency scan, its lookup,
 * and the remote or the compile. */
static int op_run(void *cp)
{
    call *c = cp;
    const config *cfg = c->p.cfg;
    int status = c->direct;
    const char *why = NULL;

    /* Depend mode: one compile gives the result and its own key (not with
     * a remote, which must be asked before compiling).  Racing
     * identical compiles wait on the manifest key's lock, and the second
     * then finds a direct hit. */
    if (!cfg->no_direct && status != DIRECT_SCAN && !rflow_active(c->p.rf))
        depend_choose(&c->dep, &c->cmd, c->compiler);
    if (c->dep.way != DEPEND_NONE) {
        lock_key(c, &c->mkey);
        status = flow_direct_lookup(c);
        if (status >= 0)
            return hit(c, ST_DIRECT_HIT, status);
        if (status != DIRECT_SCAN) {
            explain_call_miss(c);
            LOG_I("Action Cache miss; compiling (depend mode)");
            return compile_and_store(c, 1);
        }
        unlock_action(c);
    }

    /* Preprocessor mode: the dependency scan gives the key before compiling. */
    if (flow_scan_deps(c) != 0) {
        /* Usually a missing header or a syntax error the compile will report
         * itself: run it for its messages and status. */
        LOG_I("dependency scan failed; compiling without caching");
        c->miss = MISS_NO_KEY;
        return compile_uncached(c);
    }
    if (flow_deps_have_pch(c)) {
        reason_uncacheable(UNC_PRECOMPILED_HEADER, "not cacheable",
                           "a precompiled header sits beside a header", NULL);
        return run_plain(c, ST_UNCACHEABLE);
    }
    if (finish_key(c, &c->in, &why) != 0) {
        reason_uncacheable(reason_classify(why, UNC_UNKEYABLE_INPUT), "not cacheable", why, NULL);
        return run_plain(c, ST_UNCACHEABLE);
    }
    LOG_D("action %s/%lld", c->key.action.hash, (long long)c->key.action.size_bytes);
    if (!cfg->skip_cache && (status = flow_lookup(c)) >= 0) {
        record_manifest(c);
        return hit(c, ST_PREPROCESSED_HIT, status);
    }
    lock_key(c, &c->key.action);
    /* Someone may have stored it while we waited for the lock. */
    if (!cfg->skip_cache && (status = flow_lookup(c)) >= 0)
        return hit(c, ST_PREPROCESSED_HIT, status);
    explain_call_miss(c);
    if (rflow_active(c->p.rf))
        return remote_miss(c);
    LOG_I("Action Cache miss for %s; compiling", c->key.action.hash);
    return compile_and_store(c, 0);
}

static const pipeline_ops compile_ops = {
    .plain = op_plain, .key = op_key, .lookup = op_lookup, .remote = NULL, .run = op_run,
};

int flow_compile(int argc, char **argv, const config *cfg)
{
    call c = {.p.cfg = cfg, .lock_fd = -1};
    c.compiler = run_find_program(argv[0]);
    if (!c.compiler) {
        fprintf(stderr, "ricc: %s: command not found\n", argv[0]);
        return 127;
    }
    c.argv = calloc((size_t)argc + 1, sizeof *c.argv);
    if (!c.argv) {
        fprintf(stderr, "ricc: out of memory\n");
        free(c.compiler);
        return 1;
    }
    c.argc = argc;
    c.user_argv = argv;
    memcpy(c.argv, argv, (size_t)argc * sizeof *argv);
    /* The compiler gets its PATH-resolved name as argv[0] (not the link
     * target), so gcc finds its own tools and messages keep its name. */
    c.argv[0] = c.compiler;
    int status = pipeline_run(&compile_ops, &c, &c.p);
    flow_call_free(&c);
    return status;
}
