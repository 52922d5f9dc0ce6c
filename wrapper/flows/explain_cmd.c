/* SPDX-License-Identifier: Apache-2.0 */
/* explain_cmd.c — `ricc --explain COMPILER ARGS...` (explain.h): would this
 * compile hit, and if not, why — without compiling and without writing
 * anything under RICC_DIR.
 *
 * How it keeps its hands off RICC_DIR: the steps a compile takes write as
 * they read (a store lookup refreshes the entry's mtime for the LRU, the
 * compiler's identity and include chain are remembered on first use, the
 * stat index learns), so the explanation runs them against a private
 * scratch directory in $TMPDIR that holds copies of what they read: the
 * identity/ and incdirs/ records, this call's manifest, the action cache
 * entry asked about, the call's why/ record.  The CAS is only asked
 * whether the outputs' blobs are there (access(), which writes nothing),
 * and the counters are closed first.  The scratch directory is removed at
 * the end.
 *
 * What it checks: direct mode's manifest (its entries' files and proofs,
 * as a lookup does; a comment-only edit's second chance is not tried),
 * then the dependency scan (it runs the preprocessor's -M: not the
 * compile) and the action cache for that key.  A remote is not asked
 * (that would be a network call per question): the answer is the local
 * cache's, and it says so. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/local/layout.h"
#include "cache/reapi/reapi.h"
#include "cache/util/fsutil.h"
#include "wrapper/flows/ar.h"
#include "wrapper/flows/explain.h"
#include "wrapper/flows/flow_int.h"
#include "wrapper/util/run.h"

/* Copy the file src to dst (its directory made): 0, or -1 (none there). */
static int copy_in(const char *src, const char *dst)
{
    if (access(src, F_OK) != 0)
        return -1;
    char *dir = path_dirname(dst);
    int rc = dir && fs_mkdir_p(dir, 0700) == 0 ? atomic_copy_file(src, dst, 0600) : -1;
    free(dir);
    return rc;
}

/* Copy the regular files of the directory `it` of from into to. */
static void copy_dir(const char *from, const char *to, enum layout_item it)
{
    char *src = layout_path_dup(from, it, NULL);
    DIR *d = src ? opendir(src) : NULL;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char *a = layout_path_dup(from, it, e->d_name), *b = layout_path_dup(to, it, e->d_name);
        struct stat st;
        if (a && b && lstat(a, &st) == 0 && S_ISREG(st.st_mode))
            copy_in(a, b);
        free(a);
        free(b);
    }
    if (d)
        closedir(d);
    free(src);
}

/* Copy the store's entry of kind k and key into the scratch store. */
static void copy_entry(const char *from, const char *to, enum layout_item area, const digest *key)
{
    char sub[DIGEST_HEX_LEN + 4];
    snprintf(sub, sizeof sub, "%.2s/%s", key->hash, key->hash);
    char *a = layout_path_dup(from, area, sub), *b = layout_path_dup(to, area, sub);
    if (a && b)
        copy_in(a, b);
    free(a);
    free(b);
}

/* Remove the scratch directory. */
static void scratch_remove(const char *dir)
{
    layout_remove_contents(dir);
    rmdir(dir);
}

/* Is the action's result in the local cache, with every blob it names?
 * (A hit serves it.)  1 or 0. */
static int result_there(call *c, const char *real_dir, store *scratch, const digest *action)
{
    copy_entry(real_dir, c->p.cfg->dir, LAYOUT_AC, action);
    char *bytes;
    size_t len;
    if (store_get(scratch, STORE_AC, action, &bytes, &len) != 0)
        return 0;
    reapi_action_result *ar = reapi_result_unpack(bytes, len);
    free(bytes);
    if (!ar)
        return 0;
    store *real = store_open(real_dir, 0); /* (writes nothing until asked to) */
    int ok = real != NULL;
    for (size_t i = 0; ok && i < ar->n_output_files; i++) {
        const reapi_output_file *f = ar->output_files[i];
        digest d;
        if (f->contents.len == 0 && f->digest && reapi_digest_get(f->digest, &d) == 0 &&
            d.size_bytes > 0)
            ok = cas_has(real, &d);
    }
    if (real)
        store_close(real);
    protobuf_c_message_free_unpacked(&ar->base, NULL);
    return ok;
}

/* Direct mode's answer: 1 when a manifest entry holds and its result is
 * there. */
static int direct_hit(call *c, store *scratch, const char *real_dir)
{
    char *bytes;
    size_t len;
    if (c->p.cfg->no_direct || store_get(scratch, STORE_MANIFEST, &c->mkey, &bytes, &len) != 0)
        return 0;
    manifest *m = manifest_parse(bytes, len);
    free(bytes);
    digest action;
    int found = m && manifest_match(m, keybase_paths_base(&c->key.kb), &action);
    manifest_free(m);
    return found && result_there(c, real_dir, scratch, &action);
}

/* The answer for the keyed call c: printed; 0. */
static int answer(call *c, const config *cfg)
{
    const char *real = cfg->dir, *dir = c->p.cfg->dir;
    copy_entry(real, dir, LAYOUT_MANIFESTS, &c->mkey);
    char *from = explain_record_path(c, real), *to = explain_record_path(c, dir);
    if (from && to)
        copy_in(from, to);
    free(from);
    free(to);
    store *st = store_open(dir, 0);
    if (!st) {
        fprintf(stderr, "ricc --explain: cannot open a scratch store in %s\n", dir);
        return 1;
    }
    c->p.st = st;
    if (!cfg->skip_cache && direct_hit(c, st, real)) {
        printf("would hit (direct)\n");
        return 0;
    }
    miss_why w;
    explain_miss(c, st, &w);
    const char *why = NULL;
    if (flow_scan_deps(c) != 0) {
        printf("would miss: %s: the dependency scan fails (a missing header or a syntax error: "
               "the compile would say which)\n", miss_reason_name(MISS_NO_KEY));
        return 0;
    }
    if (flow_deps_have_pch(c)) {
        printf("uncacheable: %s: a precompiled header sits beside a header\n",
               uncacheable_reason_name(UNC_PRECOMPILED_HEADER));
        return 0;
    }
    if (flow_finish_key(c, &why) != 0) {
        printf("uncacheable: %s: %s\n",
               uncacheable_reason_name(reason_classify(why, UNC_UNKEYABLE_INPUT)), why);
        return 0;
    }
    if (!cfg->skip_cache && result_there(c, real, st, &c->key.action)) {
        printf("would hit (preprocessed)\n");
        return 0;
    }
    printf("would miss: %s: %s\n", miss_reason_name(w.reason), w.detail);
    return 0;
}

/* Does the command compile (-c, -S, -E), rather than link? */
static int compiles(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "-c") || !strcmp(argv[i], "-S") || !strcmp(argv[i], "-E"))
            return 1;
    return 0;
}

int explain_command(int argc, char **argv, const config *cfg)
{
    if (argc < 1) {
        fprintf(stderr, "ricc: --explain needs a compile command (ricc --explain gcc -c foo.c)\n");
        return 1;
    }
    /* Nothing here is counted (main.c opens no counters for --explain):
     * a corrupt copy dropped from the scratch store must not reach the
     * cache's. */
    const char *tmp = getenv("TMPDIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/ricc-explain.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        fprintf(stderr, "ricc --explain: cannot make a scratch directory %s: %s\n", dir,
                strerror(errno));
        return 1;
    }
    copy_dir(cfg->dir, dir, LAYOUT_IDENTITY);
    copy_dir(cfg->dir, dir, LAYOUT_INCDIRS);
    /* An ar call, or a link with link caching on, takes another flow
     * (main.c's classify): only a compile is explained. */
    const char *b = strrchr(argv[0], '/');
    if (ar_name_known(b ? b + 1 : argv[0])) {
        fprintf(stderr, "ricc --explain: only compiles are explained (%s is ar)\n", argv[0]);
        scratch_remove(dir);
        return 1;
    }
    config xc = *cfg;
    xc.dir = dir;
    call c = {.p.cfg = &xc, .lock_fd = -1, .explaining = 1};
    int rc = 1;
    c.compiler = run_find_program(argv[0]);
    c.argv = calloc((size_t)argc + 1, sizeof *c.argv);
    if (!c.compiler || !c.argv) {
        fprintf(stderr, "ricc: %s: %s\n", argv[0], c.argv ? "command not found" : "out of memory");
        goto out;
    }
    c.argc = argc;
    c.user_argv = argv;
    memcpy(c.argv, argv, (size_t)argc * sizeof *argv);
    c.argv[0] = c.compiler;
    c.p.t0 = action_clock_ns();
    const char *why, *arg;
    enum uncacheable_reason r;
    switch (flow_key(&c, &why, &arg, &r)) {
    case FLOW_KEYED:
        rc = answer(&c, cfg);
        break;
    case FLOW_DISABLED:
        printf("not cached: ricc is disabled (the disable setting)\n");
        rc = 0;
        break;
    case FLOW_UNCACHEABLE:
        if ((r == UNC_LINKING || r == UNC_LANGUAGE) && cfg->link && !compiles(argc, argv)) {
            fprintf(stderr, "ricc --explain: only compiles are explained (this is a link, "
                            "and link caching is on)\n");
            break;
        }
        printf("uncacheable: %s: %s%s%s\n", uncacheable_reason_name(r), why, arg ? ": " : "",
               arg ? arg : "");
        rc = 0;
        break;
    case FLOW_NO_SOURCE:
        printf("would miss: %s: the source %s cannot be read (the compiler would say why)\n",
               miss_reason_name(MISS_NO_KEY), c.cmd.source);
        rc = 0;
        break;
    default:
        fprintf(stderr, "ricc --explain: %s\n", why ? why : "cannot key this call");
        break;
    }
    if (rc == 0 && (cfg->server || cfg->action_cache_server))
        fprintf(stderr, "ricc --explain: the local cache only; the remote was not asked\n");
out:
    flow_call_free(&c);
    scratch_remove(dir);
    return rc;
}
