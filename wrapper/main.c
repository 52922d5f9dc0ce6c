/* SPDX-License-Identifier: Apache-2.0 */
/* main.c — the ricc program: which way in, then dispatch.
 *
 *   ricc COMPILER ARGS...     a wrapped call: classified once (compile,
 *                             ar or link), then the one cached-call
 *                             pipeline (wrapper/flows/pipeline.h) with
 *                             that kind's ops
 *   gcc ARGS... (masquerade)  ricc reached through a link named like a
 *                             compiler: the real one is found later on PATH
 *   ricc run -- COMMAND...    a whole build under the preload shim
 *   ricc exec -- TOOL...      any tool, cached by tracing it (exec_tool.c)
 *   ricc --OPTION             management (mgmt.c)
 *
 * Settings are loaded first (config.h); a bad setting is the one error ricc
 * reports itself, since guessing would put the build's results at risk. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/util/config.h"
#include "cache/util/fsutil.h"
#include "cache/util/log.h"
#include "cache/util/prefault.h"
#include "cache/local/cachedir.h"
#include "cache/local/stats.h"
#include "wrapper/flows/ar.h"
#include "wrapper/compiler/compiler.h"
#include "wrapper/flows/exec_tool.h"
#include "wrapper/flows/flow.h"
#include "wrapper/flows/link.h"
#include "wrapper/mgmt.h"
#include "wrapper/stats_log.h"
#include "wrapper/util/run.h"
#include "preload/match.h"

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* The preload shim reroutes compiler execs of processes that still carry
 * it in LD_PRELOAD.  ricc itself runs the real compiler, so it takes the shim
 * out of the environment its children inherit; that is what stops the
 * recursion (and keeps cc1, as and ld out of it). */
static void drop_shim_from_env(void)
{
    const char *v = getenv("LD_PRELOAD");
    size_t n;
    if (!v || !pm_shim_entry(v, &n))
        return;
    /* The rule is the shim's own (preload/match.h): entries split at ':' or
     * ' ', those whose base name is the shim's dropped, the rest joined by
     * ':'. */
    static const char var[] = "LD_PRELOAD=";
    size_t cap = sizeof var + strlen(v);
    char *buf = malloc(cap);
    if (!buf)
        return;
    int kept = pm_without_shim(buf, cap, v);
    if (kept > 0)
        setenv("LD_PRELOAD", buf + sizeof var - 1, 1);
    else if (kept == 0)
        unsetenv("LD_PRELOAD");
    free(buf);
}

/* The kinds of wrapped call, each a set of ops the one pipeline drives
 * (wrapper/flows/pipeline.h). */
enum call_kind { CALL_COMPILE, CALL_AR, CALL_LINK };

/* Which kind a wrapped command is, decided once, here: an ar call when ar
 * is what runs (by its name: ar.h), a link when link caching is on and the
 * link parser says it is one (its parse, in *lc, set only then, is handed
 * to the link, not made again), else a compile (flow.h), which also runs
 * anything else untouched, and everything when ricc is disabled. */
static enum call_kind classify(int argc, char **argv, const config *cfg, link_cmd *lc)
{
    if (cfg->disable)
        return CALL_COMPILE;
    if (ar_name_known(base_name(argv[0])))
        return CALL_AR;
    if (!cfg->link)
        return CALL_COMPILE;
    if (link_parse(argc, argv, lc) == 0 && lc->is_link)
        return CALL_LINK;
    link_cmd_free(lc);
    return CALL_COMPILE;
}

/* A wrapped call.  An ar or link call whose program cannot be run (not
 * found, out of memory) is NOT_MINE: flow_compile then reports it. */
static int wrapped_call(int argc, char **argv, const config *cfg)
{
    link_cmd lc;
    int status;
    enum call_kind kind = classify(argc, argv, cfg, &lc);
    stats_set_kind(kind == CALL_AR     ? STATS_KIND_AR
                   : kind == CALL_LINK ? STATS_KIND_LINK
                                       : STATS_KIND_COMPILE); /* counted per kind */
    switch (kind) {
    case CALL_AR:
        status = ar_flow(argc, argv, cfg);
        return status != AR_NOT_MINE ? status : flow_compile(argc, argv, cfg);
    case CALL_LINK:
        status = link_flow(argc, argv, cfg, &lc);
        return status != LINK_NOT_MINE ? status : flow_compile(argc, argv, cfg);
    case CALL_COMPILE:
        break;
    }
    return flow_compile(argc, argv, cfg);
}

int main(int argc, char **argv)
{
    const char *self = argc > 0 ? base_name(argv[0]) : "ricc";
    int masquerade = compiler_name_known(self) || ar_name_known(self);
    drop_shim_from_env();
    keep_freed_memory(); /* a remote hit's large buffers: prefault.h */

    if (!masquerade && argc < 2) {
        mgmt_usage(stderr);
        return 2;
    }
    /* Help and version work even with a broken configuration. */
    if (!masquerade && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        mgmt_usage(stdout);
        return 0;
    }
    if (!masquerade && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))) {
        mgmt_version();
        return 0;
    }

    config cfg;
    char *err = NULL;
    if (config_load(&cfg, &err) != 0) {
        fprintf(stderr, "ricc: %s\n", err ? err : "invalid configuration");
        free(err);
        return 2;
    }
    /* A cache a group shares (the umask setting): what ricc makes under
     * RICC_DIR gets that umask; the build's outputs and every program ricc
     * runs get the user's (fsutil.h, run.h).  This process's scratch
     * directory goes before an exec as at exit (cachedir.h). */
    mode_t cache_mask;
    if (cfg.umask && fs_parse_umask(cfg.umask, &cache_mask) == 0)
        run_child_umask((int)fs_umask_for_cache(cache_mask));
    run_at_exec(cachedir_scratch_done);
    log_init(cfg.log_level, cfg.log_directory, cfg.log_file, self);
    config_announce(&cfg); /* a default cache directory replaced: once per build */
    /* --explain only reads: not even a fresh counters file is made for it. */
    if (masquerade || strcmp(argv[1], "--explain") != 0) {
        stats_open(cfg.dir);
        stats_log_start(&cfg); /* the per-call stats log, if set (stats_log.h) */
    }

    int status;
    if (masquerade) {
        /* Found by name on PATH, skipping ourselves, however we were invoked. */
        argv[0] = (char *)self;
        status = wrapped_call(argc, argv, &cfg);
    }
    else if (!strcmp(argv[1], "run"))
        status = mgmt_run(argc - 2, argv + 2, &cfg);
    else if (!strcmp(argv[1], "exec"))
        status = (stats_set_kind(STATS_KIND_EXEC), exec_tool(argc - 2, argv + 2, &cfg));
    else if (argv[1][0] == '-')
        status = mgmt_command(argc - 1, argv + 1, &cfg);
    else
        status = wrapped_call(argc - 1, argv + 1, &cfg);

    stats_close();
    log_close();
    config_free(&cfg);
    return status;
}
