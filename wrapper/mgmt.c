/* SPDX-License-Identifier: Apache-2.0 */
/* mgmt.c — `ricc OPTION...`: what a user of ccache expects (-s, -z, -C, -c,
 * -M, -o, -k, -d, --evict-older-than and their long forms), plus
 * --print-stats for scripts and --show-config.
 *
 * As in ccache, several options may be given at once and are carried out
 * left to right: `ricc -z -s`, `ricc -d DIR -M 1G -s`.  They are all read
 * and checked first (an unknown option, a missing or bad argument), so a
 * mistake anywhere does nothing at all and exits 2.  -v and --format apply
 * to the -s / --print-stats of the same call wherever they stand.
 *
 * -d DIR works on another cache: the settings are loaded again with that
 * directory (its config.yaml is then the layer read) and the counters are
 * reopened there, for the options after it.  -M and -o write one setting
 * into a settings file (config_write.c: comments and other lines kept,
 * atomic) and load the settings again, so an option after them sees the
 * new value.  Each option says what it did on stdout. */
#include "wrapper/mgmt.h"
#include "wrapper/mgmt_stats.h"
#include "wrapper/stats_log.h"

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
#include "wrapper/flows/explain.h"
#include "wrapper/flows/flow.h"
#include "wrapper/util/run.h"

void mgmt_usage(FILE *out)
{
    fputs("usage: ricc COMPILER [ARGS...]     compile through the cache\n"
          "       ricc run [--] COMMAND...    run a build with every compiler call cached\n"
          "       ricc exec [--] TOOL...      cache any deterministic tool by tracing it\n"
          "       ricc OPTION...              manage the cache (left to right)\n"
          "\n"
          "options:\n"
          "  -s, --show-stats         show the counters and the cache size (-v: more)\n"
          "      --print-stats        print the counters as name<TAB>value lines\n"
          "      --format FORMAT      --print-stats as tsv (the default) or json\n"
          "      --show-log-stats     totals and hit rate of the stats_log file\n"
          "  -v, --verbose            -s shows misses and uncacheable calls by reason\n"
          "  -z, --zero-stats         zero the counters\n"
          "  -p, --show-config        print every setting and where it came from\n"
          "  -k, --get-config KEY     print one setting's value\n"
          "  -o, --set-config KEY=VALUE\n"
          "                           set KEY in the settings file (remote_platform.NAME=V\n"
          "                           for a map entry; an empty VALUE removes the line)\n"
          "  -M, --max-size SIZE      set max_size (500M, 5G, 2GiB; 0: no limit)\n"
          "  -C, --clear              remove everything from the local cache\n"
          "  -c, --cleanup            shrink the cache to max_size and recount it\n"
          "      --evict-older-than AGE\n"
          "                           remove entries not used for AGE (30s, 5m, 12h, 2d;\n"
          "                           a bare number is seconds)\n"
          "  -d, --dir PATH           use the cache at PATH for the options after it\n"
          "      --explain COMMAND... would COMMAND hit, and if not, why (compiles nothing)\n"
          "  -V, --version            print the version\n"
          "  -h, --help               print this help\n"
          "\n"
          "A link named gcc, cc, g++, c++, clang or clang++ pointing at ricc, first on\n"
          "PATH, caches every compile that reaches it (masquerade).  Settings, weakest\n"
          "first: /etc/ricc.yaml, $XDG_CONFIG_HOME/ricc/config.yaml (~/.config/ricc/),\n"
          "the cache directory's config.yaml (or the file RICC_CONFIG names), then\n"
          "RECC_* and RICC_* environment variables; see --show-config.  -M and -o write\n"
          "RICC_CONFIG, else $RICC_DIR/config.yaml when the cache directory was named\n"
          "(RICC_DIR, -d), else the user's file.\n",
          out);
}

void mgmt_version(void)
{
    printf("ricc %s\n", RICC_VERSION);
}

/* 1.0 GB, 56.7 MB, 512 bytes: powers of 1000, as ccache prints them. */
static void human_size(uint64_t n, char *buf, size_t cap)
{
    static const char *unit[] = {"kB", "MB", "GB", "TB"};
    if (n < 1000) {
        snprintf(buf, cap, "%llu bytes", (unsigned long long)n);
        return;
    }
    double v = (double)n / 1000;
    int u = 0;
    while (v >= 1000 && u < 3) {
        v /= 1000;
        u++;
    }
    snprintf(buf, cap, "%.1f %s", v, unit[u]);
}

/* AGE: a whole number with s, m, h or d after it; bare: seconds. */
static int parse_age(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || v < 0 || errno || *s == '-' || *s == '+')
        return -1;
    static const struct {
        char unit;
        int64_t secs;
    } units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};
    int64_t mul = 1;
    if (*end) {
        mul = 0;
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
            if (end[0] == units[i].unit && !end[1])
                mul = units[i].secs;
        if (!mul)
            return -1;
    }
    if (v > INT64_MAX / mul)
        return -1;
    *out = v * mul;
    return 0;
}

enum opt {
    O_SHOW_STATS, O_PRINT_STATS, O_ZERO, O_SHOW_CONFIG, O_CLEAR, O_CLEANUP, O_VERSION, O_HELP,
    O_VERBOSE, O_FORMAT, O_MAX_SIZE, O_SET_CONFIG, O_GET_CONFIG, O_EVICT, O_DIR,
    O_SHOW_LOG_STATS,
};

static const struct option_name {
    char short_name;
    const char *long_name;
    int takes_arg;
    enum opt id;
} options[] = {
    {'s', "--show-stats", 0, O_SHOW_STATS},   {0, "--print-stats", 0, O_PRINT_STATS},
    {'z', "--zero-stats", 0, O_ZERO},         {'p', "--show-config", 0, O_SHOW_CONFIG},
    {'C', "--clear", 0, O_CLEAR},             {'c', "--cleanup", 0, O_CLEANUP},
    {'V', "--version", 0, O_VERSION},         {'h', "--help", 0, O_HELP},
    {'v', "--verbose", 0, O_VERBOSE},         {0, "--format", 1, O_FORMAT},
    {'M', "--max-size", 1, O_MAX_SIZE},       {'o', "--set-config", 1, O_SET_CONFIG},
    {'k', "--get-config", 1, O_GET_CONFIG},   {0, "--evict-older-than", 1, O_EVICT},
    {'d', "--dir", 1, O_DIR},
    {0, "--show-log-stats", 0, O_SHOW_LOG_STATS}, /* stats_log.h */
};

/* One option of the command line, read and checked. */
typedef struct step {
    enum opt id;
    const char *name; /* as given, for messages */
    const char *arg;
} step;

/* argv[*i] (and its argument) as a step; *i moves past them.  0, or 2
 * after a message. */
static int read_option(int argc, char **argv, int *i, step *st)
{
    const char *o = argv[*i], *eq = NULL;
    const struct option_name *found = NULL;
    for (size_t k = 0; !found && k < sizeof options / sizeof options[0]; k++) {
        const struct option_name *on = &options[k];
        size_t n = strlen(on->long_name);
        if (!strncmp(o, on->long_name, n) && (o[n] == '\0' || (o[n] == '=' && on->takes_arg))) {
            found = on;
            eq = o[n] == '=' ? o + n + 1 : NULL;
        } else if (on->short_name && o[0] == '-' && o[1] == on->short_name &&
                   (o[2] == '\0' || on->takes_arg)) {
            found = on; /* -M1G as getopt takes it */
            eq = o[2] ? o + 2 : NULL;
        }
    }
    if (!found) {
        fprintf(stderr, "ricc: unknown option %s (see ricc --help); nothing done\n", o);
        return 2;
    }
    st->id = found->id;
    st->name = o;
    st->arg = eq;
    if (found->takes_arg && !eq) {
        if (*i + 1 >= argc) {
            fprintf(stderr, "ricc: %s needs an argument (see ricc --help); nothing done\n", o);
            return 2;
        }
        st->arg = argv[++*i];
    }
    (*i)++;
    return 0;
}

/* Is the step's argument good?  0, or 2 after a message. */
static int check_step(const step *st, const config *cfg)
{
    char *err = NULL;
    uint64_t size;
    int64_t age;
    switch (st->id) {
    case O_MAX_SIZE:
        if (config_parse_size(st->arg, &size) == 0)
            return 0;
        fprintf(stderr, "ricc: %s: '%s' is not a size (e.g. 500M, 5G, 1.5T, 2GiB; 0 means "
                        "unlimited); nothing done\n", st->name, st->arg);
        return 2;
    case O_SET_CONFIG: {
        const char *eq = strchr(st->arg, '=');
        if (!eq || eq == st->arg) {
            fprintf(stderr, "ricc: %s: '%s' is not KEY=VALUE; nothing done\n", st->name, st->arg);
            return 2;
        }
        char *key = strndup(st->arg, (size_t)(eq - st->arg));
        int r = key ? config_check_setting(key, eq + 1, &err) : -1;
        free(key);
        if (r == 0)
            return 0;
        fprintf(stderr, "ricc: %s: %s; nothing done\n", st->name, err ? err : "out of memory");
        free(err);
        return 2;
    }
    case O_EVICT:
        if (parse_age(st->arg, &age) == 0)
            return 0;
        fprintf(stderr, "ricc: %s: '%s' is not an age (e.g. 30s, 5m, 12h, 2d, or seconds); "
                        "nothing done\n", st->name, st->arg);
        return 2;
    case O_GET_CONFIG: { /* a setting's name: asked for, the answer dropped */
        FILE *null = fopen("/dev/null", "w");
        int r = null ? config_get(cfg, st->arg, null, &err) : 0;
        if (null)
            fclose(null);
        if (r == 0)
            return 0;
        fprintf(stderr, "ricc: %s: %s; nothing done\n", st->name, err ? err : "out of memory");
        free(err);
        return 2;
    }
    case O_FORMAT:
        if (!strcmp(st->arg, "tsv") || !strcmp(st->arg, "json"))
            return 0;
        fprintf(stderr, "ricc: %s: unknown format '%s' (tsv or json); nothing done\n", st->name,
                st->arg);
        return 2;
    default:
        return 0;
    }
}

/* The state the steps share: the settings (loaded again after -d, -M, -o)
 * and the cache directory -d named. */
typedef struct run_state {
    config *cfg;
    const char *dir; /* -d's, or NULL */
    int verbose;
    const char *format;
} run_state;

static int reload(run_state *rs)
{
    config fresh;
    char *err = NULL;
    if (config_load_dir(&fresh, rs->dir, &err) != 0) {
        fprintf(stderr, "ricc: %s\n", err ? err : "invalid configuration");
        free(err);
        return 1;
    }
    config_free(rs->cfg);
    *rs->cfg = fresh;
    return 0;
}

/* -M and -o: KEY=VALUE into the file they write, then the settings again. */
static int set_config(run_state *rs, const char *key, const char *value, const char **path_out,
                      char **path_mem)
{
    char *path = config_write_target(rs->cfg), *err = NULL;
    if (!path) {
        fprintf(stderr, "ricc: no settings file to write: set RICC_CONFIG, RICC_DIR, "
                        "XDG_CONFIG_HOME or HOME\n");
        return 1;
    }
    if (config_file_set(path, key, value, &err) != 0) {
        fprintf(stderr, "ricc: %s\n", err ? err : "out of memory");
        free(err);
        free(path);
        return 1;
    }
    *path_out = *path_mem = path;
    return reload(rs);
}

static int store_op(const config *cfg, enum opt id, int64_t age, const char *age_text)
{
    store *s = store_open(cfg->dir, cfg->max_size);
    if (!s) {
        fprintf(stderr, "ricc: cannot open the cache at %s: %s\n", cfg->dir, strerror(errno));
        return 1;
    }
    store_removed gone = {0};
    int r = id == O_CLEAR     ? store_clear(s, &gone)
            : id == O_CLEANUP ? store_cleanup(s, &gone)
                              : store_evict_older_than(s, age, &gone);
    store_close(s);
    const char *what = id == O_CLEAR ? "clearing" : id == O_CLEANUP ? "cleanup" : "eviction";
    if (r != 0)
        fprintf(stderr, "ricc: %s of %s failed: %s\n", what, cfg->dir, strerror(errno));
    char size[32];
    human_size(gone.bytes, size, sizeof size);
    if (id == O_CLEAR)
        printf("Cleared cache: %llu files, %s\n", (unsigned long long)gone.files, size);
    else if (id == O_CLEANUP)
        printf("Cleaned up cache: removed %llu files, %s\n", (unsigned long long)gone.files,
               size);
    else
        printf("Evicted %llu files, %s (not used for %s)\n", (unsigned long long)gone.files,
               size, age_text);
    return r != 0;
}

static int run_step(run_state *rs, const step *st)
{
    config *cfg = rs->cfg;
    char *err = NULL, *mem = NULL, text[64];
    const char *path = NULL;
    int64_t age = 0;
    int r = 0;
    switch (st->id) {
    case O_SHOW_STATS:
        return mgmt_show_stats(cfg, rs->verbose);
    case O_PRINT_STATS:
        return mgmt_print_stats(cfg, rs->format);
    case O_SHOW_LOG_STATS:
        return stats_log_show(cfg, NULL, stdout);
    case O_ZERO:
        stats_zero();
        puts("Statistics zeroed");
        return 0;
    case O_SHOW_CONFIG:
        config_show(cfg, stdout);
        return 0;
    case O_CLEAR:
    case O_CLEANUP:
        return store_op(cfg, st->id, 0, NULL);
    case O_EVICT:
        parse_age(st->arg, &age); /* checked */
        return store_op(cfg, st->id, age, st->arg);
    case O_VERSION:
        mgmt_version();
        return 0;
    case O_HELP:
        mgmt_usage(stdout);
        return 0;
    case O_VERBOSE:
    case O_FORMAT:
        return 0; /* taken before the steps ran */
    case O_MAX_SIZE: {
        uint64_t want = 0;
        config_parse_size(st->arg, &want);
        r = set_config(rs, "max_size", st->arg, &path, &mem);
        if (r == 0) {
            human_size(want, text, sizeof text);
            printf("Set cache size limit to %s in %s\n", want ? text : "unlimited", path);
            if (rs->cfg->max_size != want)
                printf("(but max_size is still %llu bytes: see ricc --show-config)\n",
                       (unsigned long long)rs->cfg->max_size);
        }
        free(mem);
        return r;
    }
    case O_SET_CONFIG: {
        const char *eq = strchr(st->arg, '=');
        char *key = strndup(st->arg, (size_t)(eq - st->arg));
        if (!key)
            return 1;
        r = set_config(rs, key, eq + 1, &path, &mem);
        if (r == 0 && eq[1])
            printf("Set %s to %s in %s\n", key, eq + 1, path);
        else if (r == 0)
            printf("Removed %s from %s\n", key, path);
        free(key);
        free(mem);
        return r;
    }
    case O_GET_CONFIG:
        if (config_get(cfg, st->arg, stdout, &err) == 0)
            return 0;
        fprintf(stderr, "ricc: %s: %s\n", st->name, err ? err : "out of memory");
        free(err);
        return 2;
    case O_DIR:
        rs->dir = st->arg;
        if (reload(rs) != 0)
            return 1;
        stats_close();
        stats_open(rs->cfg->dir);
        return 0;
    }
    return 0;
}

int mgmt_command(int argc, char **argv, config *cfg)
{
    /* (--explain COMMAND... is taken here: it consumes the rest.) */
    if (argc >= 1 && !strcmp(argv[0], "--explain"))
        return explain_command(argc - 1, argv + 1, cfg);
    step *steps = calloc((size_t)argc + 1, sizeof *steps);
    if (!steps)
        return 1;
    run_state rs = {cfg, NULL, 0, NULL};
    int n = 0, r = 0;
    for (int i = 0; i < argc && r == 0; n++) {
        r = read_option(argc, argv, &i, &steps[n]);
        if (r == 0)
            r = check_step(&steps[n], cfg);
        if (r == 0 && steps[n].id == O_VERBOSE)
            rs.verbose = 1;
        if (r == 0 && steps[n].id == O_FORMAT)
            rs.format = steps[n].arg;
    }
    /* Left to right; the first that fails stops the rest, as in ccache. */
    for (int k = 0; r == 0 && k < n; k++) {
        fflush(stdout);
        r = run_step(&rs, &steps[k]);
    }
    free(steps);
    return r;
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
