/* SPDX-License-Identifier: Apache-2.0 */
/* link.c — caching link commands (RICC_LINK / RECC_LINK).
 *
 * What a link reads is known only after it ran: the objects and archives on
 * the command line, but also the crt files the driver adds, every library
 * found through -L, LIBRARY_PATH, the default SEARCH_DIRs and the -l rules
 * (libNAME.so before libNAME.a unless -Bstatic), the libraries named inside
 * linker scripts such as libc.so, and the DT_NEEDED libraries ld resolves.
 * Rather than re-implement those rules, the miss asks the linker: the real
 * link runs with -Wl,--verbose, and GNU ld then prints on stdout
 *     attempt to open ./libfoo.so failed
 *     attempt to open ./libfoo.a succeeded
 *     found libgcc_s.so.1 at /usr/lib/x86_64-linux-gnu/libgcc_s.so.1
 *     /usr/bin/ld: mode elf_x86_64
 * The "succeeded"/"found" files are the inputs (by content); the "failed"
 * ones are the candidates searched before each one found, which must stay
 * absent (a libfoo.so or an earlier libfoo.a appearing would change the
 * link without changing any file it read); the "mode" line names the linker
 * executable, which becomes an input too, with collect2.  -t alone would not
 * do: it names what was opened, not what was searched for.  gold and lld print
 * something else (on stderr), so only GNU ld's trace is accepted: any other
 * linker's link is run again plainly and not cached.
 *
 * The user's link prints nothing on stdout (link_parse.c refuses every option
 * that would), so the trace is taken off stdout and stdout is replayed empty;
 * stderr (warnings) is ld's own, unchanged by --verbose.  A failed link is
 * run again without the trace, so its messages are exactly the plain ones.
 *
 * The key has the depend-mode shape of compiles (manifest.h), simpler:
 *   manifest key = Command (arguments, environment, platform) + salt
 *                  (toolchain identity, LD_RUN_PATH, LD_LIBRARY_PATH, and
 *                  PATH, which decides the ld that collect2 runs, when no
 *                  toolchain digest says it) + digests of the files named on
 *                  the command line;
 *   manifest     = up to MAX_ENTRIES entries: the traced inputs with their
 *                  digests, the absent candidates, and the Action they gave;
 *   Action       = that Command + an input root of the traced inputs + salt,
 *                  whose ActionResult holds the output with its executable bit.
 * A call whose manifest has an entry whose inputs all still have their
 * digests and whose candidates are all still absent knows its Action without
 * linking: a direct hit.
 *
 * The remote (remote_flow.h) is asked only after a local miss, through the
 * manifest: see "the remote" below for how a fresh sandbox gets a hit
 * without linking.
 *
 * Not done here: -Wl,-Map= and other side outputs (refused), LTO (refused),
 * @files; leaving toolchain files out of the tree uploaded for Execute. */
#include "wrapper/flows/link.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache/util/fsutil.h"
#include "cache/util/log.h"
#include "cache/reapi/merkle.h"
#include "cache/reapi/reapi.h"
#include "cache/local/stats.h"
#include "cache/local/statindex.h"
#include "cache/local/store.h"
#include "wrapper/key/action.h"
#include "wrapper/compiler/compiler.h"
#include "wrapper/compiler/identity.h"
#include "wrapper/flows/pipeline.h"
#include "wrapper/flows/reason.h"
#include "wrapper/compiler/inputs.h"
#include "wrapper/remote/remote_flow.h"
#include "wrapper/key/result.h"
#include "wrapper/util/run.h"
#include "wrapper/util/strvec.h"
#include "wrapper/direct/textman.h"

#define MAX_ENTRIES 8
#define MANIFEST_MAGIC "ricc-link-manifest-1\n"

typedef struct lcall {
    pipeline p;              /* cfg, cwd, t0, toolchain, store, stat index, remote */
    char *compiler;          /* resolved path of the driver */
    char **argv;             /* the user's argv with argv[0] = compiler */
    char **orig_argv;        /* as the user gave it: the Command's arguments */
    int argc;
    link_cmd lc;
    compile_cmd cc;          /* the link as action.h sees it (no path rewriting) */
    compile_output out;
    digest toolkey;
    char **driver_opts;      /* compiler_driver_opts of argv (identity.h) */
    action_key key;
    int have_key;
    digest mkey;
    int64_t bound;           /* inputs stamped later changed during the link */
    int stored;              /* link_and_store kept a result under key.action */
} lcall;

/* ---- running plainly ---- */

static int exec_plain(lcall *c, int counter)
{
    if (counter >= 0) /* (only a compile's misses are explained) */
        reason_count_outcome((enum stat_id)counter, MISS_OTHER);
    return run_exec(c->compiler, c->argv);
}

/* ---- the key ---- */

/* The Command and salt (action.h's first half), the link's additions to the
 * salt, and the manifest key.  0, 1 (a named file is unreadable: the link
 * will say why), -1 (cannot key). */
static int prepare_key(lcall *c)
{
    c->out.path = (char *)c->lc.output;
    c->out.kind = OUT_OBJECT;
    c->cc.argc = c->argc;
    c->cc.argv = c->orig_argv;
    c->cc.outputs = &c->out;
    c->cc.n_outputs = 1;
    action_inputs in = {
        .cmd = &c->cc, .cfg = c->p.cfg, .cwd = c->p.cwd,
        .toolchain = c->p.have_toolchain ? &c->p.toolchain : NULL,
        .compiler_id = c->p.have_toolchain ? NULL : &c->toolkey,
    };
    const char *why = NULL;
    if (action_prepare(&in, &c->key, &why) != 0) {
        LOG_I("cannot key this link: %s", why);
        return -1;
    }
    c->have_key = 1;
    if (action_salt_append(&c->key, "link=", "1") || action_salt_append(&c->key, "LD_RUN_PATH=", getenv("LD_RUN_PATH")) ||
        action_salt_append(&c->key, "LD_LIBRARY_PATH=", getenv("LD_LIBRARY_PATH")) ||
        (!c->p.have_toolchain && action_salt_append(&c->key, "PATH=", getenv("PATH"))))
        return -1;
    digest_ctx *d = digest_ctx_new();
    if (!d)
        return -1;
    digest_ctx_update(d, MANIFEST_MAGIC, strlen(MANIFEST_MAGIC));
    digest_ctx_update(d, c->key.command.hash, DIGEST_HEX_LEN);
    digest_ctx_update(d, c->key.salt_base, c->key.salt_base_len);
    int rc = 0;
    for (int i = 0; i < c->lc.n_files; i++) {
        struct stat st;
        digest fd;
        unsigned flags;
        if (input_digest(c->lc.files[i], &st, &fd, &flags) != 0) {
            LOG_I("cannot read %s: %s", c->lc.files[i], strerror(errno));
            rc = 1;
            break;
        }
        digest_ctx_update(d, fd.hash, DIGEST_HEX_LEN);
    }
    digest_ctx_final(d, &c->mkey);
    return rc;
}

/* ---- the manifest ----
 * Text, one entry per "E" line followed by its lines:
 *   E <action hash> <action size>
 *   I <hash> <size> <path>     an input and its digest
 *   A <path>                   a candidate that must not exist
 * Paths are as the linker printed them (relative to the working directory
 * where relative); a path with a newline is never recorded. */

static int still_absent(const char *path)
{
    struct stat st;
    return lstat(path, &st) != 0 && (errno == ENOENT || errno == ENOTDIR);
}

/* The first entry that holds now: 1 with *action, or 0.  With inputs and
 * absent (both or neither), the entry's files are collected there too, so
 * that its Action can be rebuilt here (the remote path). */
static int manifest_match(char *text, digest *action, strvec *inputs, strvec *absent)
{
    int ok = 0, in_entry = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == 'E' && line[1] == ' ') {
            if (in_entry && ok)
                return 1;
            in_entry = 1;
            if (inputs && absent) { /* given together, or neither */
                strvec_free(inputs);
                strvec_free(absent);
            }
            ok = textman_entry_action(line, action);
            continue;
        }
        if (!in_entry || !ok)
            continue;
        if (line[0] == 'A' && line[1] == ' ') {
            ok = still_absent(line + 2) &&
                 (!absent || strvec_add_unique(absent, line + 2, strlen(line + 2)) == 0);
        } else if (line[0] == 'I' && line[1] == ' ') {
            char hash[DIGEST_HEX_LEN + 1];
            long long size;
            int n = 0;
            struct stat st;
            digest d;
            unsigned flags;
            ok = sscanf(line + 2, "%64s %lld %n", hash, &size, &n) == 2 && n > 0 &&
                 input_digest(line + 2 + n, &st, &d, &flags) == 0 && !strcmp(d.hash, hash) &&
                 d.size_bytes == size &&
                 (!inputs || strvec_add_unique(inputs, line + 2 + n, strlen(line + 2 + n)) == 0);
        } else {
            ok = 0;
        }
    }
    return in_entry && ok;
}

/* ---- hit ---- */

/* Serve a serialized ActionResult whose blobs are in the local CAS: the
 * exit status, or -1 (nothing written). */
static int serve_bytes(lcall *c, const digest *action, const void *bytes, size_t len)
{
    const char *path = c->lc.output;
    result_outputs o = {1, c->key.output_paths, &path, NULL};
    return result_serve(c->p.st, action, &o, bytes, len);
}

/* Serve from the local action cache: the exit status, or -1. */
static int serve(lcall *c, const digest *action)
{
    const char *path = c->lc.output;
    result_outputs o = {1, c->key.output_paths, &path, NULL};
    return pipeline_serve_local(&c->p, action, &o);
}

static int lookup(lcall *c)
{
    char *text;
    size_t len;
    if (c->p.cfg->skip_cache || store_get(c->p.st, STORE_MANIFEST, &c->mkey, &text, &len) != 0)
        return -1;
    digest action;
    int found = manifest_match(text, &action, NULL, NULL);
    free(text);
    return found ? serve(c, &action) : -1;
}

/* ---- miss ---- */

/* Read ld's --verbose output.  0, or -1 when it is not GNU ld's trace. */
static int parse_trace(const char *out, strvec *inputs, strvec *absent)
{
    if (strncmp(out, "GNU ld ", 7) != 0)
        return -1;
    int have_mode = 0;
    for (const char *p = out; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        const char *end = p + n;
        static const char att[] = "attempt to open ", ok[] = " succeeded", bad[] = " failed";
        static const char found[] = "found ", mode[] = ": mode ";
        const char *m;
        int rc = 0;
        if (!strncmp(p, att, sizeof att - 1) && n > sizeof att - 1 + sizeof ok - 1 &&
            !strncmp(end - (sizeof ok - 1), ok, sizeof ok - 1)) {
            rc = strvec_add_unique(inputs, p + sizeof att - 1,
                                   n - (sizeof att - 1) - (sizeof ok - 1));
        } else if (!strncmp(p, att, sizeof att - 1) && n > sizeof att - 1 + sizeof bad - 1 &&
                   !strncmp(end - (sizeof bad - 1), bad, sizeof bad - 1)) {
            rc = strvec_add_unique(absent, p + sizeof att - 1,
                                   n - (sizeof att - 1) - (sizeof bad - 1));
        } else if (!strncmp(p, found, sizeof found - 1) && (m = strstr(p, " at ")) && m < end) {
            rc = strvec_add_unique(inputs, m + 4, (size_t)(end - m - 4));
        } else if (!have_mode && p[0] == '/' && (m = strstr(p, mode)) && m < end &&
                   !memchr(m + sizeof mode - 1, ' ', (size_t)(end - m - (sizeof mode - 1)))) {
            /* "/usr/bin/ld: mode elf_x86_64": the linker itself. */
            have_mode = 1;
            rc = strvec_add_unique(inputs, p, (size_t)(m - p));
        }
        if (rc != 0)
            return -1;
        p = nl ? nl + 1 : end;
    }
    return have_mode ? 0 : -1;
}

/* The input root's name for a path: under the project root, relative to
 * it; elsewhere, absolute without the leading '/'.  malloc'd. */
static char *tree_name(const lcall *c, const char *path)
{
    char *abs = path_absolute(path, c->p.cwd);
    if (!abs)
        return NULL;
    char *rootabs = c->p.cfg->no_path_rewrite ? NULL
                    : c->p.cfg->project_root ? path_absolute(c->p.cfg->project_root, c->p.cwd)
                                           : strdup(c->p.cwd);
    char *rel = rootabs ? path_relative_to(abs, rootabs) : NULL;
    free(rootabs);
    if (rel && rel[0]) {
        free(abs);
        return rel;
    }
    free(rel);
    char *out = strdup(abs + 1);
    free(abs);
    return out;
}

/* Digest every input into the manifest entry and the input root, check the
 * candidates are still absent, and make the Action; c->key gets its digest,
 * bytes, input root and input digests (parallel to inputs), which the remote
 * needs to upload or Execute it.  after_link: the inputs were just read by
 * a link, whose result is only kept if none changed since the call began.
 * 0, or -1 (do not cache: *why). */
static int build_action(lcall *c, const strvec *inputs, const strvec *absent, int after_link,
                        tbuf *entry, digest *action, const char **why)
{
    *why = "out of memory";
    merkle_tree *t = merkle_new();
    tbuf body = {0};
    digest *dds = calloc((size_t)inputs->n + 1, sizeof *dds);
    int rc = -1;
    if (!t || !dds) {
        merkle_free(t);
        free(dds);
        return -1;
    }
    for (int i = 0; i < inputs->n; i++) {
        const char *p = inputs->v[i];
        struct stat st;
        digest d;
        unsigned flags;
        char line[DIGEST_HEX_LEN + 48];
        if (strchr(p, '\n') || input_digest(p, &st, &d, &flags) != 0) {
            *why = "an input cannot be read";
            goto out;
        }
        if (after_link && action_stamp_ns(&st) > c->bound) {
            *why = "an input changed during the link";
            goto out;
        }
        dds[i] = d;
        char *name = tree_name(c, p);
        const char *mwhy;
        int bad = !name || merkle_add_file(t, name, &d, (st.st_mode & S_IXUSR) != 0, &mwhy) != 0;
        free(name);
        if (bad) {
            *why = "two inputs map to the same input-root path";
            goto out;
        }
        snprintf(line, sizeof line, "I %s %lld ", d.hash, (long long)d.size_bytes);
        if (tbuf_add(&body, line, strlen(line)) || tbuf_add(&body, p, strlen(p)) ||
            tbuf_add(&body, "\n", 1))
            goto out;
    }
    for (int i = 0; i < absent->n; i++) {
        if (strvec_has(inputs, absent->v[i]) || !still_absent(absent->v[i]) ||
            strchr(absent->v[i], '\n')) {
            *why = "a library search candidate appeared during the link";
            goto out;
        }
        if (tbuf_add(&body, "A ", 2) || tbuf_add(&body, absent->v[i], strlen(absent->v[i])) ||
            tbuf_add(&body, "\n", 1))
            goto out;
    }
    digest root;
    if (merkle_finish(t, &root, NULL, NULL) != 0)
        goto out;

    reapi_property *props = calloc((size_t)c->p.cfg->n_remote_platform + 1, sizeof *props);
    reapi_property **pp = calloc((size_t)c->p.cfg->n_remote_platform + 1, sizeof *pp);
    if (props && pp) {
        reapi_platform platform = REAPI_PLATFORM_INIT;
        for (int i = 0; i < c->p.cfg->n_remote_platform; i++) {
            reapi_property init = REAPI_PROPERTY_INIT;
            props[i] = init;
            props[i].name = c->p.cfg->remote_platform[i].name;
            props[i].value = c->p.cfg->remote_platform[i].value;
            pp[i] = &props[i];
        }
        platform.n_properties = (size_t)c->p.cfg->n_remote_platform;
        platform.properties = pp;
        reapi_action a = REAPI_ACTION_INIT;
        reapi_digest cmd_d, root_d;
        reapi_digest_ref(&cmd_d, &c->key.command);
        reapi_digest_ref(&root_d, &root);
        a.command_digest = &cmd_d;
        a.input_root_digest = &root_d;
        a.salt.data = (uint8_t *)c->key.salt_base;
        a.salt.len = c->key.salt_base_len;
        if (platform.n_properties)
            a.platform = &platform;
        Google__Protobuf__Duration timeout;
        reapi_action_timeout(&a, &timeout, c->p.cfg->exec_timeout_s);
        size_t len;
        void *blob = reapi_pack(&a.base, &len, action);
        if (blob) {
            char head[DIGEST_HEX_LEN + 32];
            snprintf(head, sizeof head, "E %s %lld\n", action->hash, (long long)action->size_bytes);
            if (tbuf_add(entry, head, strlen(head)) == 0 && tbuf_add(entry, body.p, body.len) == 0)
                rc = 0;
        }
        if (rc == 0) {
            free(c->key.action_blob);
            free(c->key.dep_digests);
            c->key.action_blob = blob;
            c->key.action_len = len;
            c->key.action = *action;
            c->key.input_root = root;
            c->key.dep_digests = dds;
            blob = NULL;
            dds = NULL;
        }
        free(blob);
    }
    free(props);
    free(pp);
out:
    free(dds);
    free(body.p);
    merkle_free(t);
    return rc;
}

/* Store the output and the ActionResult: result_store's 0, 1 or -1. */
static int store_result(lcall *c, const digest *action, const run_result *r)
{
    const char *path = c->lc.output;
    result_outputs o = {1, c->key.output_paths, &path, NULL};
    /* Standard output held ld's --verbose trace, ricc's, not the user's. */
    run_result kept = *r;
    kept.out_len = 0;
    return result_store(c->p.st, action, &o, &kept);
}

/* The compiler's collect2, when it has one: the program between the driver
 * and ld, part of the toolchain the key must hold; found with the user's
 * driver options (-B moves it).  malloc'd or NULL. */
static char *collect2_path(const char *compiler, char *const *opts)
{
    int n = 0;
    while (opts && opts[n])
        n++;
    char **argv = calloc((size_t)n + 3, sizeof *argv);
    if (!argv)
        return NULL;
    argv[0] = (char *)compiler;
    for (int i = 0; i < n; i++)
        argv[i + 1] = opts[i];
    argv[n + 1] = "-print-prog-name=collect2";
    run_result r;
    int started = run_capture(compiler, argv, &r);
    free(argv);
    if (started != 0)
        return NULL;
    char *res = NULL;
    r.out[strcspn(r.out, "\n")] = '\0';
    if (r.status == 0 && r.out[0] == '/' && access(r.out, R_OK) == 0)
        res = strdup(r.out);
    run_result_free(&r);
    return res;
}

static int link_and_store(lcall *c)
{
    char **argv = calloc((size_t)c->argc + 2, sizeof *argv);
    if (!argv)
        return exec_plain(c, ST_FALLBACK);
    memcpy(argv, c->argv, (size_t)c->argc * sizeof *argv);
    argv[c->argc] = "-Wl,--verbose";
    run_result r;
    c->bound = action_clock_pass(c->p.t0);
    int started = run_capture(c->compiler, argv, &r);
    free(argv);
    if (started != 0)
        return exec_plain(c, ST_FALLBACK);
    if (r.status != 0) {
        /* Its messages are wanted as the plain link prints them. */
        run_result_free(&r);
        stats_add(ST_COMPILE_FAILED, 1);
        return exec_plain(c, ST_MISS);
    }
    strvec inputs = {0}, absent = {0};
    const char *why = NULL;
    int ok = parse_trace(r.out, &inputs, &absent) == 0;
    if (!ok) {
        /* Not GNU ld: whatever its verbose mode printed is not the user's
         * output.  Link again as asked. */
        reason_uncacheable(UNC_LINKER, "link not cacheable",
                           "the linker's trace is not GNU ld's; linking without caching", NULL);
        run_result_free(&r);
        strvec_free(&inputs);
        strvec_free(&absent);
        return exec_plain(c, ST_UNCACHEABLE);
    }
    run_write_out(2, r.err, r.err_len);
    char *c2 = collect2_path(c->compiler, c->driver_opts);
    for (int i = 0; i < c->lc.n_files && ok; i++)
        ok = strvec_add_unique(&inputs, c->lc.files[i], strlen(c->lc.files[i])) == 0;
    if (ok && c2)
        ok = strvec_add_unique(&inputs, c2, strlen(c2)) == 0;
    free(c2);
    if (ok && strvec_has(&inputs, c->lc.output)) {
        ok = 0;
        why = "the output is also an input";
    }
    enum stat_id counter = rflow_failed(c->p.rf) ? ST_FALLBACK : ST_MISS;
    tbuf entry = {0};
    digest action;
    if (ok && !c->p.cfg->action_uncacheable) {
        if (build_action(c, &inputs, &absent, 1, &entry, &action, &why) != 0) {
            LOG_I("not caching this link: %s", why ? why : "?");
        } else {
            int s = store_result(c, &action, &r);
            if (s != 0) {
                /* result_store warned, once per build (cachedir_write_failed). */
                LOG_I("cannot store the link's result in %s: %s", c->p.cfg->dir, strerror(errno));
                stats_add(ST_STORE_ERRORS, 1);
                counter = ST_FALLBACK;
            }
            /* Not written, the store keeps it in memory all the same: the
             * result and its manifest still reach the remote. */
            if (s <= 0) {
                textman_update(c->p.st, &c->mkey, &entry, &action, MAX_ENTRIES, "link");
                c->stored = 1;
            }
        }
    } else if (why) {
        LOG_I("not caching this link: %s", why);
    }
    reason_count_outcome(counter, MISS_OTHER);
    free(entry.p);
    strvec_free(&inputs);
    strvec_free(&absent);
    run_result_free(&r);
    return 0;
}

/* ---- the remote (remote_flow.h), after a local miss ----
 * A link's Action needs its traced inputs, so the remote is asked through a
 * manifest: the local one, else the remote's copy under the same manifest
 * key (it travels with every result shared, as compiles' manifests do).  An
 * entry whose files hold here gives the inputs, and the Action is rebuilt
 * from them: a manifest cannot name an Action other than the one these
 * files give.  rflow_miss then asks the remote action cache, and Executes
 * (only with a toolchain digest: without one a worker's ld, crt files and
 * system libraries could differ from the ones the key holds) or links here.
 * With no entry anywhere the key is learnt only by linking, so the link runs
 * here and its result and manifest are uploaded afterwards (rflow_upload),
 * in remote-execution mode too: otherwise no fresh sandbox could ever hit. */

static int serve_cb(void *c, const void *ar, size_t len)
{
    return serve_bytes(c, &((lcall *)c)->key.action, ar, len);
}

static int link_cb(void *ctx)
{
    return link_and_store(ctx);
}

/* The manifest entry that holds here: 1 with *action, inputs and absent,
 * *from_remote when it is the remote's (with what travelled with it in
 * *carried); else 0.  When there is no local manifest, *keep gets a copy of
 * the remote's (malloc'd, *keep_len bytes), for the caller to keep locally
 * once the entry is checked (so that this call's entry is added to it):
 * a server may hand out another link's manifest. */
static int find_entry(lcall *c, digest *action, strvec *inputs, strvec *absent, int *from_remote,
                      rflow_carried **carried, char **keep, size_t *keep_len)
{
    char *text;
    size_t len;
    int have_local = 0;
    *from_remote = 0;
    if (store_get(c->p.st, STORE_MANIFEST, &c->mkey, &text, &len) == 0) {
        have_local = 1;
        int found = manifest_match(text, action, inputs, absent);
        free(text);
        if (found)
            return 1;
    }
    if (!rflow_manifest_fetch(c->p.rf, &c->mkey, &text, &len, carried)) {
        LOG_D("remote manifest %s/%lld: none", c->mkey.hash, (long long)c->mkey.size_bytes);
        return 0;
    }
    /* manifest_match cuts the text up: the copy to keep is taken first. */
    char *copy = have_local ? NULL : malloc(len + 1);
    if (copy)
        memcpy(copy, text, len + 1);
    int found = manifest_match(text, action, inputs, absent);
    free(text);
    LOG_D("remote manifest %s: %s", c->mkey.hash, found ? "matches" : "no match");
    *keep = copy;
    *keep_len = len;
    *from_remote = found;
    return found;
}

static int remote_link(lcall *c)
{
    digest action, again;
    strvec inputs = {0}, absent = {0};
    tbuf entry = {0};
    const char *why = NULL;
    int from_remote = 0, status = -1; /* (set on every path below) */
    LOG_D("link of %s: not in the local cache; asking the remote", c->lc.output);
    rflow_carried *carried = NULL;
    char *keep = NULL;
    size_t keep_len = 0;
    int known = find_entry(c, &action, &inputs, &absent, &from_remote, &carried, &keep,
                           &keep_len);
    if (known && (build_action(c, &inputs, &absent, 0, &entry, &again, &why) != 0 ||
                  !digest_equal(&again, &action))) {
        LOG_D("the manifest's entry does not give its action here (%s); linking",
              why ? why : "another action");
        known = 0;
    }
    free(entry.p);
    /* The remote's manifest, kept locally only once its entry is checked. */
    if (keep && known && store_put(c->p.st, STORE_MANIFEST, &c->mkey, keep, keep_len) != 0)
        LOG_D("cannot store the link manifest: %s", strerror(errno));
    free(keep);
    void *ar;
    size_t ar_len;
    if (known && from_remote && rflow_take(c->p.rf, carried, &c->key, &ar, &ar_len) == 0) {
        /* Its result came with the manifest: one call in all. */
        status = serve_cb(c, ar, ar_len);
        free(ar);
        if (status >= 0) {
            stats_add(ST_REMOTE_HIT, 1);
            LOG_P("Action Cache hit for %s", c->key.action.hash);
            known = -1; /* served */
        }
    }
    rflow_carried_free(carried);
    if (known > 0) {
        rflow_call rc = {
            .key = &c->key, .mkey = from_remote ? NULL : &c->mkey, .deps = inputs.v,
            .n_deps = inputs.n, .cwd = c->p.cwd, .ctx = c, .serve = serve_cb, .compile = link_cb,
            .no_execute = c->p.have_toolchain ? NULL : "a link without a toolchain digest",
            .carry_result = 1,
        };
        enum rflow_how how;
        status = rflow_miss(c->p.rf, &rc, &how);
        if (how == RFLOW_HIT) {
            stats_add(ST_REMOTE_HIT, 1);
            LOG_P("Action Cache hit for %s", c->key.action.hash);
        } else if (how == RFLOW_EXECUTED) {
            /* The worker filled the remote's action cache, but only this
             * call has the manifest that leads a fresh sandbox to it. */
            reason_count_outcome(ST_MISS, MISS_OTHER);
            if (!from_remote)
                rflow_upload(c->p.rf, &c->key, &c->mkey);
        }
    } else if (known == 0) {
        if (rflow_failed(c->p.rf))
            LOG_I("link cache miss for %s; linking", c->lc.output);
        else if (c->p.cfg->cache_only)
            LOG_P("Action not cached and running in cache-only mode, executing locally");
        else
            LOG_P("Action not cached and not executable remotely (a link's inputs are known "
                  "only once it ran), executing locally%s",
                  c->p.cfg->action_uncacheable ? "" : " and uploading the result");
        status = link_and_store(c);
        if (c->stored)
            rflow_upload(c->p.rf, &c->key, &c->mkey);
    }
    strvec_free(&inputs);
    strvec_free(&absent);
    return status;
}

/* ---- the link's ops (pipeline.h) ---- */

static int op_plain(void *c, int counter)
{
    return exec_plain(c, counter);
}

/* The toolchain (and collect2's driver options), the manifest key. */
static int op_key(void *cp)
{
    lcall *c = cp;
    if (!c->lc.cacheable) {
        reason_uncacheable(reason_classify(c->lc.why_not, UNC_LINKER), "link not cacheable",
                           c->lc.why_not, c->lc.why_arg);
        return exec_plain(c, ST_UNCACHEABLE);
    }
    if (!getcwd(c->p.cwd, sizeof c->p.cwd))
        return exec_plain(c, ST_FALLBACK);
    pipeline_toolchain(&c->p);
    if (!(c->driver_opts = compiler_driver_opts(c->argc, c->argv)))
        return exec_plain(c, ST_FALLBACK);
    if (!c->p.have_toolchain &&
        compiler_identity_for(c->compiler, c->p.cfg->dir, identity_programs(LANG_NONE),
                              c->driver_opts, &c->toolkey) != 0)
        return exec_plain(c, ST_FALLBACK);
    pipeline_open_index(&c->p);
    int k = prepare_key(c);
    if (k < 0) {
        reason_uncacheable(UNC_UNKEYABLE_INPUT, "link not cacheable", "the link cannot be keyed",
                           NULL);
        return exec_plain(c, ST_UNCACHEABLE);
    }
    if (k > 0) {
        /* A named input is missing: the link fails and says so. */
        stats_add(ST_COMPILE_FAILED, 1);
        return exec_plain(c, ST_MISS);
    }
    return PIPELINE_GO;
}

static int op_lookup(void *cp)
{
    lcall *c = cp;
    int status = lookup(c);
    if (status >= 0) {
        stats_add(ST_DIRECT_HIT, 1);
        LOG_I("link cache hit for %s", c->lc.output);
    }
    return status;
}

static int op_remote(void *c)
{
    return remote_link(c);
}

static int op_run(void *cp)
{
    lcall *c = cp;
    LOG_I("link cache miss for %s; linking", c->lc.output);
    return link_and_store(c);
}

static const pipeline_ops link_ops = {
    .plain = op_plain, .key = op_key, .lookup = op_lookup, .remote = op_remote, .run = op_run,
};

int link_flow(int argc, char **argv, const config *cfg, link_cmd *lc)
{
    lcall c = {.p.cfg = cfg, .argc = argc, .orig_argv = argv, .lc = *lc};
    memset(lc, 0, sizeof *lc); /* (taken) */
    stats_set_subject(c.lc.output); /* for the stats log (stats_log.h) */
    c.compiler = run_find_program(argv[0]);
    c.argv = calloc((size_t)argc + 1, sizeof *c.argv);
    if (!c.compiler || !c.argv) {
        free(c.compiler);
        free(c.argv);
        link_cmd_free(&c.lc);
        return LINK_NOT_MINE; /* flow_compile reports it */
    }
    memcpy(c.argv, argv, (size_t)argc * sizeof *argv);
    c.argv[0] = c.compiler;
    int status = pipeline_run(&link_ops, &c, &c.p);
    if (c.have_key)
        action_key_free(&c.key);
    pipeline_end(&c.p);
    link_cmd_free(&c.lc);
    compiler_driver_opts_free(c.driver_opts);
    free(c.argv);
    free(c.compiler);
    return status;
}
