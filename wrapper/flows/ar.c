/* SPDX-License-Identifier: Apache-2.0 */
/* ar.c — caching `ar r`/`ar q` (creating or replacing archive members).
 *
 * When a rebuild changes one source of a static library, every step that did
 * not change should be free and the one that did must run.  The archive is a
 * function of: the ar program, its arguments, the content of every member
 * file named, and — because r replaces into and q appends to the archive that
 * is there — the content of the existing archive, or the fact that there is
 * none.  So the key is an REAPI Action like a compile's (action.h): the
 * Command (arguments as given, the environment ar's messages read), an input
 * root of the members and the existing archive, and a salt holding the
 * ar program's identity, whether the archive existed, and the variables
 * that steer libbfd (GNUTARGET) and the loader.  The output is the archive.
 * Every input is named on the command line, so there is no manifest: a call
 * knows its Action from stat() and the stat index, and a hit runs nothing.
 *
 * Deterministic only.  GNU ar writes member timestamps, uids and modes
 * unless in deterministic mode (D, 0 for all of them); a build configured
 * with --enable-deterministic-archives makes D the default, and `ar --help`
 * then says "[D] ... (default)" (Debian's does).  ricc caches a call only
 * when D is given, or the help says D is the default and U is not given;
 * U is refused outright.  So a hit is byte-identical to what ar would write
 * now.  What else is refused (run plainly, counted uncacheable): every
 * operation but r and q (d m p t x, s alone), u (compares mtimes), a/b/i/N
 * (positional member names), T and --thin, l, P, o, O, V, M, any long or
 * emulation option, @response files, an argument after the archive that
 * starts with '-', an existing archive that is not a plain "!<arch>" one
 * (thin archives point at files the key would not hold), a symlink as the
 * archive, a member that is the archive.
 *
 * The ar program's identity, without a toolchain digest, is the content of
 * the executable, the shared libraries it loads and its bfd plugins
 * (ar_tool.c, which also tells the deterministic default).  An ar that is
 * not an ELF executable (a script could run any ar) or not GNU ar is never
 * cached.
 *
 * The result is kept only when the member files did not change while ar ran
 * (they are digested again after it) nor just before the call began.
 *
 * The archive being an input means that running the same `ar rcs lib.a a.o
 * b.o` again onto the archive it wrote is another key (a rebuild after a
 * member was touched but not changed does exactly that).  For r, replacing
 * members by equal ones leaves the archive as it was, so after a miss ricc
 * runs ar once more on a copy of the result (in $RICC_DIR/tmp) and, when the
 * copy comes back byte-identical with nothing printed, stores the result under
 * that second key too.  The rerun is a proof, not an assumption: it is skipped
 * for what could break it (q, v, f, two members of one base name, anything
 * printed), and it costs one more ar run per miss, none per hit.
 *
 * The remote (remote_flow.h) is asked after a local miss, with the same
 * Action: a remote hit is served like a local one.  ar is never Executed
 * remotely (without a toolchain digest the key holds this machine's ar by
 * content, and a worker's could differ; either way ar costs less than the
 * upload): it runs here, and its result is uploaded (in cache-only mode
 * when cache_upload_local_build is set), so a fresh sandbox hits.  Only
 * the first key is shared, not the rerun's.
 *
 * Under `ricc run` the preload shim reroutes ar execs here too (the rule is
 * preload/match.c's pm_is_archiver, ar_name_known below).  Not done here:
 * the archive's file mode (a hit writes it 0644 less the umask, as ar does
 * when it creates one; ar keeps an existing archive's mode). */
#include "wrapper/flows/ar.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/local/cachedir.h"
#include "cache/util/fsutil.h"
#include "cache/util/log.h"
#include "cache/local/stats.h"
#include "cache/local/statindex.h"
#include "cache/local/store.h"
#include "wrapper/key/action.h"
#include "wrapper/compiler/ar_tool.h"
#include "wrapper/compiler/compiler.h"
#include "wrapper/flows/pipeline.h"
#include "wrapper/flows/reason.h"
#include "wrapper/compiler/inputs.h"
#include "wrapper/remote/remote_flow.h"
#include "wrapper/key/result.h"
#include "wrapper/util/run.h"
#include "preload/match.h"

/* ---- the command line ---- */

static void refuse(ar_cmd *c, const char *why, const char *arg)
{
    if (c->cacheable) {
        c->cacheable = 0;
        c->why_not = why;
        c->why_arg = arg;
    }
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Do two members have the same base name (the name ar stores)?  1 also
 * when out of memory: the answer that promises less. */
static int same_base_names(const ar_cmd *c)
{
    const char **names = malloc(((size_t)c->n_members + 1) * sizeof *names);
    if (!names)
        return 1;
    for (int i = 0; i < c->n_members; i++)
        names[i] = base_name(c->members[i]);
    qsort(names, (size_t)c->n_members, sizeof *names, cmp_str);
    int same = 0;
    for (int i = 1; i < c->n_members && !same; i++)
        same = !strcmp(names[i - 1], names[i]);
    free(names);
    return same;
}

int ar_parse(int argc, char **argv, ar_cmd *out)
{
    memset(out, 0, sizeof *out);
    out->cacheable = 1;
    if (argc < 3) {
        refuse(out, "no archive named", NULL);
        return 0;
    }
    const char *key = argv[1];
    if (key[0] == '-' && key[1] == '-') {
        refuse(out, "long option", key);
        return 0;
    }
    const char *k = key[0] == '-' ? key + 1 : key;
    if (!k[0]) {
        refuse(out, "no operation", key);
        return 0;
    }
    int index_only = 0, verbose = 0, truncate = 0;
    for (; *k; k++) {
        switch (*k) {
        case 'r':
        case 'q':
            if (out->op)
                refuse(out, "two operations", key);
            out->op = *k;
            break;
        case 's':
            index_only = 1;  /* a modifier with r/q; ranlib alone */
            break;
        case 'c': /* no "creating" warning */
        case 'S': /* no symbol index */
            break;
        case 'v': /* lists what it did on stdout, replayed */
            verbose = 1;
            break;
        case 'f': /* truncated member names */
            truncate = 1;
            break;
        case 'D':
            out->explicit_d = 1;
            break;
        case 'U':
            refuse(out, "U writes real timestamps and owners", key);
            break;
        case 'u':
            refuse(out, "u compares modification times", key);
            break;
        case 'T':
            refuse(out, "thin archives are not cached", key);
            break;
        case 'd': case 'm': case 'p': case 't': case 'x':
            refuse(out, "only r and q are cached", key);
            break;
        default: /* a b i N l P o O V M h, and whatever else */
            refuse(out, "modifier not supported", key);
            break;
        }
    }
    if (!out->op)
        refuse(out, index_only ? "s alone (ranlib) is not cached" : "no operation", key);
    out->archive = argv[2];
    for (int i = 2; i < argc; i++)
        if (argv[i][0] == '-' || argv[i][0] == '@' || !argv[i][0])
            refuse(out, argv[i][0] == '@' ? "response file" : "option after the key", argv[i]);
    if (!out->cacheable)
        return 0;
    out->n_members = argc - 3;
    out->members = calloc((size_t)out->n_members + 1, sizeof *out->members);
    if (!out->members)
        return -1;
    for (int i = 3; i < argc; i++)
        out->members[i - 3] = argv[i];
    out->rerun_same = out->op == 'r' && !verbose && !truncate && !same_base_names(out);
    return 0;
}

void ar_cmd_free(ar_cmd *c)
{
    free(c->members);
    memset(c, 0, sizeof *c);
}

/* The rule is the preload shim's (preload/match.c), linked into ricc too. */
int ar_name_known(const char *name)
{
    return pm_is_archiver(name);
}

/* ---- the call ---- */

typedef struct acall {
    pipeline p;              /* cfg, cwd, t0, toolchain, store, stat index, remote */
    char *ar;                /* resolved path of ar */
    char **argv;             /* what runs: argv[0] as the user gave it, or ar's
                              * path when a masquerade link would shadow it */
    char **orig_argv;        /* as the user gave it: the Command's arguments */
    int argc;
    ar_cmd cmd;
    int archive_present;
    digest tool_id;
    char kind;               /* 'D', 'U' (GNU ar, default D or U), 'X' (other) */
    action_key key;
    int have_key;
    char **deps;             /* members, then the archive when present */
    int n_deps;
} acall;

static int exec_plain(acall *c, enum stat_id counter)
{
    reason_count_outcome(counter, MISS_OTHER); /* (only a compile's misses are explained) */
    return run_exec(c->ar, c->argv);
}

/* ---- the key ---- */

/* The archive as it is now: 0 (c->archive_present set), or -1 with *why
 * (not cacheable). */
static int check_archive(acall *c, const char **why)
{
    struct stat st;
    if (lstat(c->cmd.archive, &st) != 0) {
        if (errno == ENOENT) {
            c->archive_present = 0;
            return 0;
        }
        *why = "the archive cannot be examined";
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        *why = "the archive is not a regular file";
        return -1;
    }
    char head[8];
    int fd = open(c->cmd.archive, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, head, sizeof head) : -1;
    if (fd >= 0)
        close(fd);
    if (n != 8 || memcmp(head, "!<arch>\n", 8) != 0) {
        *why = "the existing archive is thin or not an archive";
        return -1;
    }
    for (int i = 0; i < c->cmd.n_members; i++) {
        struct stat ms;
        if (stat(c->cmd.members[i], &ms) == 0 && ms.st_dev == st.st_dev && ms.st_ino == st.st_ino) {
            *why = "a member is the archive itself";
            return -1;
        }
    }
    c->archive_present = 1;
    return 0;
}

/* The Action.  0; 1 when a member cannot be read (ar will say so); -1 with
 * *why (not cacheable). */
static int make_key(acall *c, const char **why)
{
    for (int i = 0; i < c->cmd.n_members; i++)
        if (access(c->cmd.members[i], R_OK) != 0)
            return 1;
    c->deps = calloc((size_t)c->cmd.n_members + 1, sizeof *c->deps);
    *why = "out of memory";
    if (!c->deps)
        return -1;
    for (int i = 0; i < c->cmd.n_members; i++)
        c->deps[c->n_deps++] = (char *)c->cmd.members[i];
    if (c->archive_present)
        c->deps[c->n_deps++] = (char *)c->cmd.archive;

    compile_output out = {.path = (char *)c->cmd.archive, .kind = OUT_OBJECT};
    compile_cmd cc = {.argc = c->argc, .argv = c->orig_argv, .outputs = &out, .n_outputs = 1};
    action_inputs in = {
        .cmd = &cc, .cfg = c->p.cfg, .cwd = c->p.cwd, .deps = c->deps, .n_deps = c->n_deps,
        .toolchain = c->p.have_toolchain ? &c->p.toolchain : NULL,
        .compiler_id = c->p.have_toolchain ? NULL : &c->tool_id,
    };
    if (action_prepare(&in, &c->key, why) != 0)
        return -1;
    c->have_key = 1;
    *why = "out of memory";
    char kind[2] = {c->kind, '\0'};
    /* ar names itself by argv[0] in its messages, which a hit replays. */
    if (action_salt_append(&c->key, "ar=", kind) ||
        action_salt_append(&c->key, "argv0=", c->argv[0]) ||
        action_salt_append(&c->key, "archive=", c->archive_present ? "present" : "absent") ||
        action_salt_append(&c->key, "GNUTARGET=", getenv("GNUTARGET")) ||
        action_salt_append(&c->key, "POSIXLY_CORRECT=", getenv("POSIXLY_CORRECT")) ||
        action_salt_append(&c->key, "LD_LIBRARY_PATH=", getenv("LD_LIBRARY_PATH")) ||
        action_salt_append(&c->key, "LD_PRELOAD=", getenv("LD_PRELOAD")))
        return -1;
    return action_finish(&in, &c->key, why) != 0 ? -1 : 0;
}

/* ---- hit and miss ---- */

/* Serve the ActionResult bytes (local, or the remote's brought home by
 * remote_flow.c) onto the archive.  The exit status, or -1. */
static int serve_bytes(acall *c, const void *bytes, size_t len)
{
    const char *path = c->cmd.archive;
    result_outputs o = {1, c->key.output_paths, &path, NULL};
    return result_serve(c->p.st, &c->key.action, &o, bytes, len);
}

static int serve(acall *c)
{
    if (c->p.cfg->skip_cache)
        return -1;
    const char *path = c->cmd.archive;
    result_outputs o = {1, c->key.output_paths, &path, NULL};
    return pipeline_serve_local(&c->p, &c->key.action, &o);
}

/* Does deps[i] still have the digest the key holds, unchanged since the
 * clock passed t0 (action.h, "the rule")? */
static int dep_unchanged(acall *c, int i, int64_t bound)
{
    struct stat st;
    digest d;
    unsigned flags;
    return input_digest(c->deps[i], &st, &d, &flags) == 0 && action_stamp_ns(&st) <= bound &&
           !strcmp(d.hash, c->key.dep_digests[i].hash);
}

/* After ar ran: do the members still have the digests the key holds? */
static int members_unchanged(acall *c, int64_t bound)
{
    for (int i = 0; i < c->cmd.n_members; i++)
        if (!dep_unchanged(c, i, bound))
            return 0;
    return 1;
}

/* Before ar runs: the archive already there (r replaces into it) was hashed
 * for the key, perhaps within the tick of a change made just before this
 * call (the previous `ar r` of the same build).  Once the clock has passed
 * that tick, what ar reads can be checked against the key; after the run,
 * ar's own write hides it. */
static int archive_unchanged(acall *c, int64_t bound)
{
    int i = c->cmd.n_members;
    struct stat st;
    if (i >= c->n_deps || stat(c->deps[i], &st) != 0)
        return i >= c->n_deps;
    return action_stamp_ns(&st) <= c->p.t0 - ACTION_CLOCK_SLACK_NS || dep_unchanged(c, i, bound);
}

/* Run ar again, as this call did, on a copy of the archive it just wrote
 * (whose digest is *x).  1 when that ran cleanly, printed nothing and left
 * the copy with that digest: the result is then also the answer for the same
 * call on that archive. */
static int rerun_gives_same(acall *c, const digest *x)
{
    char *dir = cachedir_scratch(c->p.cfg->dir);
    char *base = dir ? path_join(dir, "ar") : NULL;
    char *tmp = NULL;
    int fd = base ? fs_open_tmp_beside(base, 0644, &tmp) : -1;
    free(dir);
    free(base);
    if (fd < 0)
        return 0;
    close(fd);
    int ok = atomic_copy_file(c->cmd.archive, tmp, 0644) == 0;
    char **argv = ok ? calloc((size_t)c->argc + 1, sizeof *argv) : NULL;
    run_result r;
    if (argv) {
        memcpy(argv, c->argv, (size_t)c->argc * sizeof *argv);
        argv[2] = tmp;
        ok = run_capture(c->ar, argv, &r) == 0;
        free(argv);
        if (ok) {
            ok = r.status == 0 && r.out_len == 0 && r.err_len == 0;
            run_result_free(&r);
        }
    } else {
        ok = 0;
    }
    digest y;
    ok = ok && digest_file(tmp, &y) == 0 && !strcmp(x->hash, y.hash);
    unlink(tmp);
    free(tmp);
    return ok;
}

/* After a miss that stored its result under the key with the archive as it
 * was (absent, or older), store it also under the key with the archive as it
 * is now, when a rerun proves that is the same: so a rebuild that runs the
 * same `ar r` again (a member touched, not changed) is a hit.  Best effort.
 * c->key stays the first key: the remote upload that follows is under it
 * (the one a fresh sandbox, with no archive yet, asks for). */
static void remember_fixed_point(acall *c, const run_result *r)
{
    if (!c->cmd.rerun_same || r->out_len || r->err_len)
        return;
    digest x, *before = calloc((size_t)c->cmd.n_members + 1, sizeof *before);
    if (!before || digest_file(c->cmd.archive, &x) != 0 ||
        (c->archive_present && !strcmp(c->key.dep_digests[c->n_deps - 1].hash, x.hash))) {
        /* (An archive that was already the result is keyed already.) */
        free(before);
        return;
    }
    memcpy(before, c->key.dep_digests, (size_t)c->cmd.n_members * sizeof *before);
    const char *why = NULL;
    action_key first = c->key;
    char **first_deps = c->deps;
    int first_n = c->n_deps, first_present = c->archive_present;
    int ok = rerun_gives_same(c, &x), rekeyed = ok;
    if (ok) {
        memset(&c->key, 0, sizeof c->key);
        c->have_key = 0;
        c->deps = NULL;
        c->n_deps = 0;
        ok = check_archive(c, &why) == 0 && c->archive_present && make_key(c, &why) == 0 &&
             !strcmp(c->key.dep_digests[c->n_deps - 1].hash, x.hash);
        for (int i = 0; i < c->cmd.n_members && ok; i++)
            ok = !strcmp(before[i].hash, c->key.dep_digests[i].hash);
    }
    if (ok) {
        const char *path = c->cmd.archive;
        result_outputs o = {1, c->key.output_paths, &path, NULL};
        if (result_store(c->p.st, &c->key.action, &o, r) == 0)
            LOG_D("%s is also the result of the same ar call on itself", c->cmd.archive);
    }
    if (rekeyed) {
        if (c->have_key)
            action_key_free(&c->key);
        free(c->deps);
        c->key = first;
        c->have_key = 1;
        c->deps = first_deps;
        c->n_deps = first_n;
        c->archive_present = first_present;
    }
    free(before);
}

static int run_and_store(acall *c)
{
    run_result r;
    int64_t bound = action_clock_pass(c->p.t0);
    int archive_ok = archive_unchanged(c, bound);
    if (run_capture(c->ar, c->argv, &r) != 0)
        return exec_plain(c, ST_FALLBACK);
    run_write_out(1, r.out, r.out_len);
    run_write_out(2, r.err, r.err_len);
    int status = r.status;
    /* A remote that failed us: ricc's trouble, counted as such. */
    enum stat_id counter = rflow_failed(c->p.rf) ? ST_FALLBACK : ST_MISS;
    if (status != 0) {
        stats_add(ST_COMPILE_FAILED, 1);
    } else if (c->p.cfg->action_uncacheable) {
        /* asked not to store */
    } else if (!archive_ok || c->key.newest_input_ns > bound || !members_unchanged(c, bound)) {
        LOG_I("a member of %s changed around the ar run; not caching", c->cmd.archive);
    } else {
        const char *path = c->cmd.archive;
        result_outputs o = {1, c->key.output_paths, &path, NULL};
        int s = result_store(c->p.st, &c->key.action, &o, &r);
        if (s < 0) {
            /* result_store warned, once per build (cachedir_write_failed). */
            LOG_I("cannot store the archive in %s: %s", c->p.cfg->dir, strerror(errno));
            stats_add(ST_STORE_ERRORS, 1);
            counter = ST_FALLBACK;
        } else if (s > 0) {
            LOG_I("ar did not write %s; not caching", c->cmd.archive);
        } else {
            remember_fixed_point(c, &r);
        }
    }
    reason_count_outcome(counter, MISS_OTHER);
    run_result_free(&r);
    return status;
}

/* ---- the remote (remote_flow.h), after a local miss ---- */

static int serve_cb(void *c, const void *ar, size_t len)
{
    return serve_bytes(c, ar, len);
}

static int run_cb(void *c)
{
    return run_and_store(c);
}

/* The remote action cache under the same Action, else ar runs here (its
 * result uploaded as rflow_miss decides).  The exit status. */
static int remote_ar(acall *c)
{
    rflow_call rc = {
        .key = &c->key, .deps = c->deps, .n_deps = c->n_deps, .cwd = c->p.cwd, .ctx = c,
        .serve = serve_cb, .compile = run_cb,
        .no_execute = "ar runs here, not on a worker",
    };
    enum rflow_how how;
    int status = rflow_miss(c->p.rf, &rc, &how);
    if (how == RFLOW_HIT) {
        stats_add(ST_REMOTE_HIT, 1);
        LOG_P("Action Cache hit for %s", c->key.action.hash);
    }
    return status;
}

/* ---- the ar call's ops (pipeline.h) ---- */

static int op_plain(void *c, int counter)
{
    return exec_plain(c, (enum stat_id)counter);
}

/* ar's identity (kept in the store: opened first), the archive, the key. */
static int op_key(void *cp)
{
    acall *c = cp;
    if (!c->cmd.cacheable) {
        reason_uncacheable(reason_classify(c->cmd.why_not, UNC_AR_MODE) == UNC_PLUGIN
                               ? UNC_PLUGIN
                               : UNC_AR_MODE,
                           "ar not cacheable", c->cmd.why_not, c->cmd.why_arg);
        return exec_plain(c, ST_UNCACHEABLE);
    }
    if (!getcwd(c->p.cwd, sizeof c->p.cwd))
        return exec_plain(c, ST_FALLBACK);
    pipeline_open_index(&c->p);
    if (!pipeline_open_store(&c->p))
        return exec_plain(c, ST_FALLBACK);
    pipeline_toolchain(&c->p);
    if (ar_tool_identity(c->ar, c->p.st, &c->kind, &c->tool_id) != 0)
        return exec_plain(c, ST_FALLBACK);
    if (c->kind != 'D' && (c->kind != 'U' || !c->cmd.explicit_d)) {
        reason_uncacheable(UNC_AR_MODE, "ar not cacheable",
                           c->kind != 'U' ? "not GNU ar" : "not deterministic (no D)", NULL);
        return exec_plain(c, ST_UNCACHEABLE);
    }
    const char *why = NULL;
    if (check_archive(c, &why) != 0) {
        reason_uncacheable(UNC_AR_MODE, "ar not cacheable", why, NULL);
        return exec_plain(c, ST_UNCACHEABLE);
    }
    int k = make_key(c, &why);
    if (k > 0) {
        /* A member is missing: ar fails and says so. */
        stats_add(ST_COMPILE_FAILED, 1);
        return exec_plain(c, ST_MISS);
    }
    if (k < 0) {
        reason_uncacheable(reason_classify(why, UNC_UNKEYABLE_INPUT), "cannot key this ar call",
                           why, NULL);
        return exec_plain(c, ST_UNCACHEABLE);
    }
    return PIPELINE_GO;
}

static int op_lookup(void *cp)
{
    acall *c = cp;
    int status = serve(c);
    if (status >= 0) {
        stats_add(ST_DIRECT_HIT, 1);
        LOG_I("ar cache hit for %s", c->cmd.archive);
        return status;
    }
    LOG_I("ar cache miss for %s", c->cmd.archive);
    return -1;
}

static int op_remote(void *c)
{
    return remote_ar(c);
}

static int op_run(void *c)
{
    return run_and_store(c);
}

static const pipeline_ops ar_ops = {
    .plain = op_plain, .key = op_key, .lookup = op_lookup, .remote = op_remote, .run = op_run,
};

/* Is `resolved` what a PATH search for `name` finds first?  Not when a
 * masquerade link to ricc comes first: then ar, which finds its plugin
 * directory from its argv[0] as the shell would, must be given its own path. */
static int first_on_path(const char *name, const char *resolved)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    for (const char *p = path;;) {
        const char *end = strchr(p, ':');
        int dlen = end ? (int)(end - p) : (int)strlen(p);
        char cand[4096];
        struct stat st;
        /* Spelled as run_find_program spells it ("./name" for an empty element). */
        if (snprintf(cand, sizeof cand, "%.*s/%s", dlen ? dlen : 1, dlen ? p : ".", name) <
                (int)sizeof cand &&
            stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0)
            return !strcmp(cand, resolved);
        if (!end)
            return 0;
        p = end + 1;
    }
}

int ar_flow(int argc, char **argv, const config *cfg)
{
    acall c = {.p.cfg = cfg, .argc = argc, .orig_argv = argv};
    c.ar = run_find_program(argv[0]);
    c.argv = calloc((size_t)argc + 1, sizeof *c.argv);
    if (!c.ar || !c.argv || ar_parse(argc, argv, &c.cmd) != 0) {
        free(c.ar);
        free(c.argv);
        ar_cmd_free(&c.cmd);
        return AR_NOT_MINE; /* run (or reported) as any other command */
    }
    memcpy(c.argv, argv, (size_t)argc * sizeof *argv);
    stats_set_subject(c.cmd.archive); /* for the stats log (stats_log.h) */
    /* ar names itself in its messages by argv[0]: keep the user's spelling
     * when it leads to the same program. */
    if (strchr(argv[0], '/') == NULL && !first_on_path(argv[0], c.ar))
        c.argv[0] = c.ar;
    int status = pipeline_run(&ar_ops, &c, &c.p);
    if (c.have_key)
        action_key_free(&c.key);
    pipeline_end(&c.p);
    free(c.deps);
    ar_cmd_free(&c.cmd);
    free(c.argv);
    free(c.ar);
    return status;
}
