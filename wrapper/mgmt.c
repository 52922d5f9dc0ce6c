/* SPDX-License-Identifier: Apache-2.0 */
/* mgmt.c — `ricc --OPTION`: what a user of ccache expects (-s, -z, -C, -c
 * and their long forms), plus --print-stats for scripts and --show-config. */
#include "wrapper/mgmt.h"
#include "wrapper/mgmt_stats.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache/local/layout.h"
#include "cache/local/stats.h"
#include "cache/local/store.h"
#include "cache/util/fsutil.h"
#include "cache/util/version.h"
#include "preload/match.h"
#include "wrapper/flows/flow.h"
#include "wrapper/util/run.h"

void mgmt_usage(FILE *out)
{
    fputs("usage: ricc COMPILER [ARGS...]     compile through the cache\n"
          "       ricc run [--] COMMAND...    run a build with every compiler call cached\n"
          "       ricc exec [--] TOOL...      cache any deterministic tool by tracing it\n"
          "       ricc OPTION\n"
          "\n"
          "options:\n"
          "  -s, --show-stats    show the counters and the cache size\n"
          "      --print-stats   print the counters as name<TAB>value lines\n"
          "  -z, --zero-stats    zero the counters\n"
          "  -p, --show-config   print every setting and where it came from\n"
          "  -C, --clear         remove everything from the local cache\n"
          "  -c, --cleanup       shrink the cache to max_size and recount it\n"
          "  -V, --version       print the version\n"
          "  -h, --help          print this help\n"
          "\n"
          "A link named gcc, cc, g++, c++, clang or clang++ pointing at ricc, first on\n"
          "PATH, caches every compile that reaches it (masquerade).  Settings come from\n"
          "RICC_* (and recc's RECC_*) environment variables, then $RICC_DIR/config.yaml\n"
          "or /etc/ricc.yaml (or RICC_CONFIG); see --show-config.\n",
          out);
}

void mgmt_version(void)
{
    printf("ricc %s\n", RICC_VERSION);
}

static int store_op(const config *cfg, int clear)
{
    store *s = store_open(cfg->dir, cfg->max_size);
    if (!s) {
        fprintf(stderr, "ricc: cannot open the cache at %s: %s\n", cfg->dir, strerror(errno));
        return 1;
    }
    int r = clear ? store_clear(s, NULL) : store_cleanup(s, NULL);
    if (r != 0)
        fprintf(stderr, "ricc: %s of %s failed: %s\n", clear ? "clearing" : "cleanup",
                cfg->dir, strerror(errno));
    store_close(s);
    return r != 0;
}

int mgmt_command(int argc, char **argv, const config *cfg)
{
    const char *o = argv[0];
    if (argc > 1) {
        fprintf(stderr, "ricc: %s takes no arguments\n", o);
        return 2;
    }
    if (!strcmp(o, "-s") || !strcmp(o, "--show-stats"))
        return mgmt_show_stats(cfg, 0);
    if (!strcmp(o, "--print-stats"))
        return mgmt_print_stats(cfg, NULL);
    if (!strcmp(o, "-z") || !strcmp(o, "--zero-stats")) {
        stats_zero();
        return 0;
    }
    if (!strcmp(o, "-p") || !strcmp(o, "--show-config")) {
        config_show(cfg, stdout);
        return 0;
    }
    if (!strcmp(o, "-C") || !strcmp(o, "--clear"))
        return store_op(cfg, 1);
    if (!strcmp(o, "-c") || !strcmp(o, "--cleanup"))
        return store_op(cfg, 0);
    fprintf(stderr, "ricc: unknown option %s (see ricc --help)\n", o);
    return 2;
}

/* The shim: RICC_PRELOAD, else beside the program (../lib/libricc-preload.so
 * in the build tree, ../lib/ricc/libricc-preload.so when installed). */
static char *find_shim(void)
{
    return fs_library_beside_program("RICC_PRELOAD", "libricc-preload.so");
}


int mgmt_run(int argc, char **argv, const config *cfg)
{
    if (argc > 0 && !strcmp(argv[0], "--"))
        argc--, argv++;
    if (argc == 0) {
        fprintf(stderr, "usage: ricc run [--] COMMAND [ARGS...]\n");
        return 2;
    }
    char *shim = find_shim();
    if (!shim) {
        const char *env = getenv("RICC_PRELOAD");
        if (env && *env)
            fprintf(stderr, "ricc: run: cannot read the preload shim %s (RICC_PRELOAD)\n", env);
        else
            fprintf(stderr, "ricc: run: the preload shim libricc-preload.so is not beside ricc "
                            "(../lib or ../lib/ricc); build it with make, or set RICC_PRELOAD\n");
        return 2;
    }
    /* The command itself may be the compiler: `ricc run -- gcc -c foo.c`.
     * The shim only sees execs from processes that load it, and ricc has
     * not, so this one is taken here. */
    if (pm_is_compiler(pm_base(argv[0]), cfg->compilers)) { /* the shim's rule */
        free(shim);
        return flow_compile(argc, argv, cfg);
    }
    /* After what is there: a library that must come first (the ASan
     * runtime, a malloc) stays first.  The shim still sees every exec that
     * an earlier library passes on to the next definition, as interposers
     * do. */
    const char *old = getenv("LD_PRELOAD");
    size_t len = strlen(shim) + (old ? strlen(old) + 1 : 0) + 1;
    char *val = malloc(len);
    if (!val) {
        free(shim);
        return 1;
    }
    snprintf(val, len, "%s%s%s", old ? old : "", old && *old ? ":" : "", shim);
    setenv("LD_PRELOAD", val, 1);
    free(val);
    free(shim);
    /* What the shim needs, read once per process from the environment. */
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = '\0';
        setenv("RICC_EXE", self, 1);
    }
    if (cfg->compilers && *cfg->compilers)
        setenv("RICC_COMPILERS", cfg->compilers, 1);
    if (cfg->exec_tools && *cfg->exec_tools)
        setenv("RICC_EXEC_TOOLS", cfg->exec_tools, 1);
    char *prog = run_find_program(argv[0]);
    if (!prog) {
        fprintf(stderr, "ricc: run: %s: command not found\n", argv[0]);
        return 127;
    }
    int st = run_wait(prog, argv);
    free(prog);
    return st < 0 ? 127 : st;
}
