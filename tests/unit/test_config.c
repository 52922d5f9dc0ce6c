/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for cache/util/config.c: defaults, the order of precedence
 * (RICC_ over RECC_ over the file over defaults), the value parsers, the
 * YAML reader with every kind of value, its error messages (file, line,
 * setting), the remote_platform / remote_env maps, --show-config output,
 * the layers (system < user < cache directory or RICC_CONFIG <
 * environment; where `dir` may come from) and the settings-file writer of
 * -o and -M (comments and other lines kept, nothing written when refused).
 *
 * Every test starts from an environment with no RICC_* or RECC_* variable
 * and a fresh RICC_DIR under a scratch directory, so results do not depend
 * on the machine (RICC_CONFIG=/dev/null where /etc/ricc.yaml could leak in). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/util/config.h"
#include "cache/util/fsutil.h"
#include "tests/unit/unit.h"

extern char **environ;

static char tmpdir[64];
static char ricc_dir[128];
static char xdg_config[192];
static int n_dirs;

static int suite_init(void)
{
    strcpy(tmpdir, "/tmp/ricc-test-config-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int suite_clean(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Remove every RICC_* and RECC_* variable, and give each test its own
 * empty cache directory. */
static void fresh_env(void)
{
    for (;;) {
        char *victim = NULL;
        for (char **e = environ; e && *e && !victim; e++)
            if (!strncmp(*e, "RICC_", 5) || !strncmp(*e, "RECC_", 5))
                victim = strndup(*e, strcspn(*e, "="));
        if (!victim)
            break;
        unsetenv(victim);
        free(victim);
    }
    snprintf(ricc_dir, sizeof ricc_dir, "%s/d%d", tmpdir, n_dirs++);
    mkdir(ricc_dir, 0755);
    setenv("RICC_DIR", ricc_dir, 1);
    /* The machine's and the user's files are layers too: none here. */
    setenv("RICC_SYSTEM_CONFIG", "/nonexistent/ricc.yaml", 1);
    snprintf(xdg_config, sizeof xdg_config, "%s/xdg-config", ricc_dir);
    setenv("XDG_CONFIG_HOME", xdg_config, 1);
}

/* Write content to <ricc_dir>/name; returns a static path. */
static const char *write_file(const char *name, const char *content)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", ricc_dir, name);
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(content, f);
    fclose(f);
    return path;
}

/* Load a configuration that is expected to be valid. */
static void load_ok(config *c)
{
    char *err = NULL;
    int r = config_load(c, &err);
    if (r != 0)
        fprintf(stderr, "\nunexpected config error: %s\n", err ? err : "(null)");
    CU_ASSERT_EQUAL_FATAL(r, 0);
    CU_ASSERT_PTR_NULL(err);
}

/* Load a configuration that is expected to fail; returns the message. */
static char *load_err(void)
{
    config c;
    char *err = NULL;
    CU_ASSERT_EQUAL(config_load(&c, &err), -1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(err);
    CU_ASSERT_PTR_NULL(c.dir); /* nothing left behind to free */
    return err;
}

static char *show(const config *c)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    config_show(c, f);
    fclose(f);
    return buf;
}

static void test_defaults(void)
{
    fresh_env();
    setenv("RICC_CONFIG", "/dev/null", 1);
    config c;
    load_ok(&c);
    CU_ASSERT_STRING_EQUAL(c.dir, ricc_dir);
    CU_ASSERT_EQUAL(c.max_size, 5000000000ULL);
    CU_ASSERT_EQUAL(c.log_level, LOG_WARNING);
    CU_ASSERT_EQUAL(c.retry_limit, 3);
    CU_ASSERT_EQUAL(c.retry_delay_ms, 1000);
    CU_ASSERT_EQUAL(c.request_timeout_s, 60);
    CU_ASSERT_EQUAL(c.exec_timeout_s, 300);
    CU_ASSERT_EQUAL(c.remote_skip_seconds, 60);
    CU_ASSERT_PTR_NULL(c.server);
    CU_ASSERT_PTR_NULL(c.log_directory);
    CU_ASSERT_EQUAL(c.cache_only + c.link + c.disable + c.no_direct + c.server_ssl, 0);
    CU_ASSERT_EQUAL(c.comment_hits, 1);
    CU_ASSERT_EQUAL(c.n_remote_platform + c.n_remote_env, 0);
    CU_ASSERT_STRING_EQUAL(c.file, "/dev/null");
    config_free(&c);
    CU_ASSERT_PTR_NULL(c.dir);
}

/* A default directory that cannot be used is replaced by the private one
 * under TMPDIR; one the user named is kept; an empty RICC_DIR= names none. */
static void test_unusable_default(void)
{
    char *tmp = getenv("TMPDIR") ? strdup(getenv("TMPDIR")) : NULL;
    char *xdg = getenv("XDG_CACHE_HOME") ? strdup(getenv("XDG_CACHE_HOME")) : NULL;
    fresh_env();
    setenv("RICC_CONFIG", "/dev/null", 1);
    char blocked[300], fallback[300];
    snprintf(blocked, sizeof blocked, "%s/a-file", ricc_dir); /* a file: no dir inside */
    write_file("a-file", "x");
    setenv("XDG_CACHE_HOME", blocked, 1);
    setenv("TMPDIR", ricc_dir, 1);
    snprintf(fallback, sizeof fallback, "%s/ricc-%u", ricc_dir, (unsigned)getuid());
    config c;

    unsetenv("RICC_DIR");
    load_ok(&c);
    CU_ASSERT_STRING_EQUAL(c.dir, fallback);
    CU_ASSERT_PTR_NOT_NULL(c.dir_note);
    config_free(&c);

    setenv("RICC_DIR", "", 1);
    load_ok(&c);
    CU_ASSERT_STRING_EQUAL(c.dir, fallback);
    CU_ASSERT_PTR_NOT_NULL(c.dir_note);
    config_free(&c);

    char named[320];
    snprintf(named, sizeof named, "%s/ricc", blocked);
    setenv("RICC_DIR", named, 1);
    load_ok(&c);
    CU_ASSERT_STRING_EQUAL(c.dir, named);
    CU_ASSERT_PTR_NULL(c.dir_note);
    config_free(&c);

    tmp ? setenv("TMPDIR", tmp, 1) : unsetenv("TMPDIR");
    xdg ? setenv("XDG_CACHE_HOME", xdg, 1) : unsetenv("XDG_CACHE_HOME");
    free(tmp);
    free(xdg);
}

static void test_default_dir(void)
{
    char *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    char *xdg = getenv("XDG_CACHE_HOME") ? strdup(getenv("XDG_CACHE_HOME")) : NULL;
    fresh_env();
    unsetenv("RICC_DIR");
    setenv("RICC_CONFIG", "/dev/null", 1);
    config c;

    setenv("XDG_CACHE_HOME", "/nonexistent/xdg", 1);
    load_ok(&c);
    CU_ASSERT_STRING_EQUAL(c.dir, "/nonexistent/xdg/ricc");
    config_free(&c);

    unsetenv("XDG_CACHE_HOME");
    setenv("HOME", "/nonexistent/home", 1);
    load_ok(&c);
    CU_ASSERT_STRING_EQUAL(c.dir, "/nonexistent/home/.cache/ricc");
    config_free(&c);

    if (home)
        setenv("HOME", home, 1);
    if (xdg)
        setenv("XDG_CACHE_HOME", xdg, 1);
    free(home);
    free(xdg);
}

/* RICC_ beats RECC_ beats the file beats the default; the default file is
 * found in RICC_DIR. */
static void test_precedence(void)
{
    fresh_env();
    write_file("config.yaml", "server: file-server:1\n"
                              "instance: file-instance\n"
                              "cas_server: file-cas:1\n"
                              "retry_limit: 5\n"
                              "cache_only: true\n");
    setenv("RECC_SERVER", "recc-server:1", 1);
    setenv("RICC_SERVER", "ricc-server:1", 1);
    setenv("RECC_INSTANCE", "recc-instance", 1);
    setenv("RICC_CAS_SERVER", "", 1); /* empty: back to the default */
    config c;
    load_ok(&c);
    CU_ASSERT_PTR_NOT_NULL(c.file);
    CU_ASSERT_STRING_EQUAL(c.server, "ricc-server:1");
    CU_ASSERT_STRING_EQUAL(c.instance, "recc-instance");
    CU_ASSERT_PTR_NULL(c.cas_server);
    CU_ASSERT_EQUAL(c.retry_limit, 5);
    CU_ASSERT_EQUAL(c.cache_only, 1);
    CU_ASSERT_EQUAL(c.request_timeout_s, 60);
    config_free(&c);

    /* A setting recc does not have is not read from RECC_. */
    setenv("RECC_NO_DIRECT", "1", 1);
    setenv("RECC_RETRY_LIMIT", "7", 1);
    setenv("RICC_EXEC_TIMEOUT", "2m", 1);
    load_ok(&c);
    CU_ASSERT_EQUAL(c.no_direct, 0);
    CU_ASSERT_EQUAL(c.retry_limit, 7);
    CU_ASSERT_EQUAL(c.exec_timeout_s, 120);
    config_free(&c);
    unsetenv("RICC_EXEC_TIMEOUT");

    /* Names are upper case, as getenv() was asked for them: a lower-case
     * or a longer name is not a setting; an unknown one is ignored. */
    setenv("RICC_retry_limit", "1", 1);
    setenv("RICC_RETRY_LIMITS", "2", 1);
    setenv("RICC_NO_SUCH_SETTING", "3", 1);
    setenv("RICC_REMOTE_PLATFORM", "4", 1); /* a map's prefix, not an entry */
    load_ok(&c);
    CU_ASSERT_EQUAL(c.retry_limit, 7);      /* RECC_RETRY_LIMIT, from above */
    CU_ASSERT_EQUAL(c.n_remote_platform, 0);
    config_free(&c);
    unsetenv("RICC_retry_limit");
    unsetenv("RICC_RETRY_LIMITS");
    unsetenv("RICC_NO_SUCH_SETTING");
    unsetenv("RICC_REMOTE_PLATFORM");
}

static void test_parse_size(void)
{
    static const struct {
        const char *s;
        uint64_t v;
    } good[] = {
        {"0", 0},
        {"10", 10},
        {"10k", 10000},
        {"10K", 10000},
        {"5M", 5000000},
        {"5MB", 5000000},
        {"2G", 2000000000ULL},
        {"1T", 1000000000000ULL},
        {"1.5G", 1500000000ULL},
        {"0.5k", 500},
        {"1Ki", 1024},
        {"2GiB", 2ULL << 30},
        {"1.5Mi", 1572864},
        {"100B", 100},
    };
    static const char *bad[] = {"", "G", "12Q", "-1", " 5G", "5G ", "1.5", "1.", ".5G", "1.2.3G",
                                "5GG", "5 G", "99999999999999999999", "20000000T", "1e9"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        uint64_t v = 12345;
        CU_ASSERT_EQUAL(config_parse_size(good[i].s, &v), 0);
        CU_ASSERT_EQUAL(v, good[i].v);
        if (v != good[i].v)
            fprintf(stderr, "\n%s -> %llu\n", good[i].s, (unsigned long long)v);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t v = 12345;
        CU_ASSERT_EQUAL(config_parse_size(bad[i], &v), -1);
        CU_ASSERT_EQUAL(v, 12345);
    }
}

static void test_parse_bool_and_level(void)
{
    static const char *yes[] = {"1", "true", "TRUE", "yes", "Yes", "on", "ON"};
    static const char *no[] = {"0", "false", "False", "no", "NO", "off", "Off"};
    static const char *bad[] = {"", "2", "y", "n", "enable", "truee", " true"};
    int v;
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        v = -1;
        CU_ASSERT(config_parse_bool(yes[i], &v) == 0 && v == 1);
        v = -1;
        CU_ASSERT(config_parse_bool(no[i], &v) == 0 && v == 0);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CU_ASSERT_EQUAL(config_parse_bool(bad[i], &v), -1);

    enum log_level l;
    CU_ASSERT(config_parse_log_level("error", &l) == 0 && l == LOG_ERROR);
    CU_ASSERT(config_parse_log_level("Warning", &l) == 0 && l == LOG_WARNING);
    CU_ASSERT(config_parse_log_level("info", &l) == 0 && l == LOG_INFO);
    CU_ASSERT(config_parse_log_level("DEBUG", &l) == 0 && l == LOG_DEBUG);
    CU_ASSERT(config_parse_log_level("verbose", &l) == 0 && l == LOG_DEBUG);
    CU_ASSERT(config_parse_log_level("trace", &l) == 0 && l == LOG_TRACE);
    CU_ASSERT_EQUAL(config_parse_log_level("loud", &l), -1);
    CU_ASSERT_EQUAL(config_parse_log_level("", &l), -1);
}

/* A file that uses every kind of value. */
static void test_yaml_all_kinds(void)
{
    fresh_env();
    const char *path = write_file("all.yaml",
                                  "# ricc settings\n"
                                  "dir: /var/cache/ricc-test\n"
                                  "max_size: 1.5Gi\n"
                                  "log_level: debug\n"
                                  "log_directory: \"/tmp/ricc logs\"\n"
                                  "project_root: '/src/project'\n"
                                  "no_path_rewrite: yes\n"
                                  "deps_global_paths: on\n"
                                  "link: TRUE\n"
                                  "hard_link: 0\n"
                                  "compilers: gcc-13:cc1\n"
                                  "server: grpc://localhost:50051\n"
                                  "instance: ~\n"
                                  "server_ssl: false\n"
                                  "retry_limit: 0\n"
                                  "retry_delay: 2s\n"
                                  "request_timeout: 2m\n"
                                  "remote_skip_seconds: 15\n"
                                  "remote_platform:\n"
                                  "  OSFamily: linux\n"
                                  "  ISA: x86-64\n"
                                  "remote_env:\n"
                                  "  LANG: C\n"
                                  "  EMPTY:\n");
    setenv("RICC_CONFIG", path, 1);
    unsetenv("RICC_DIR"); /* it would win over the file's dir */
    config c;
    load_ok(&c);
    CU_ASSERT_STRING_EQUAL(c.file, path);
    CU_ASSERT_STRING_EQUAL(c.dir, "/var/cache/ricc-test");
    CU_ASSERT_EQUAL(c.max_size, 3ULL << 29);
    CU_ASSERT_EQUAL(c.log_level, LOG_DEBUG);
    CU_ASSERT_STRING_EQUAL(c.log_directory, "/tmp/ricc logs");
    CU_ASSERT_STRING_EQUAL(c.project_root, "/src/project");
    CU_ASSERT_EQUAL(c.no_path_rewrite, 1);
    CU_ASSERT_EQUAL(c.deps_global_paths, 1);
    CU_ASSERT_EQUAL(c.link, 1);
    CU_ASSERT_EQUAL(c.hard_link, 0);
    CU_ASSERT_STRING_EQUAL(c.compilers, "gcc-13:cc1");
    CU_ASSERT_STRING_EQUAL(c.server, "grpc://localhost:50051");
    CU_ASSERT_PTR_NULL(c.instance);
    CU_ASSERT_EQUAL(c.retry_limit, 0);
    CU_ASSERT_EQUAL(c.retry_delay_ms, 2000);
    CU_ASSERT_EQUAL(c.request_timeout_s, 120);
    CU_ASSERT_EQUAL(c.remote_skip_seconds, 15);
    CU_ASSERT_EQUAL_FATAL(c.n_remote_platform, 2);
    CU_ASSERT_STRING_EQUAL(c.remote_platform[0].name, "ISA");
    CU_ASSERT_STRING_EQUAL(c.remote_platform[0].value, "x86-64");
    CU_ASSERT_STRING_EQUAL(c.remote_platform[1].name, "OSFamily");
    CU_ASSERT_STRING_EQUAL(c.remote_platform[1].value, "linux");
    CU_ASSERT_EQUAL_FATAL(c.n_remote_env, 2);
    CU_ASSERT_STRING_EQUAL(c.remote_env[0].name, "EMPTY");
    CU_ASSERT_STRING_EQUAL(c.remote_env[0].value, "");
    CU_ASSERT_STRING_EQUAL(c.remote_env[1].name, "LANG");
    config_free(&c);

    /* Empty files and comment-only files are valid and set nothing. */
    setenv("RICC_CONFIG", write_file("empty.yaml", ""), 1);
    load_ok(&c);
    CU_ASSERT_EQUAL(c.retry_limit, 3);
    config_free(&c);
    setenv("RICC_CONFIG", write_file("comments.yaml", "# nothing\n\n# here\n"), 1);
    load_ok(&c);
    CU_ASSERT_EQUAL(c.max_size, 5000000000ULL);
    config_free(&c);
}

static void test_durations(void)
{
    fresh_env();
    setenv("RICC_CONFIG", "/dev/null", 1);
    config c;
    setenv("RECC_RETRY_DELAY", "1500", 1); /* recc: milliseconds */
    setenv("RECC_REQUEST_TIMEOUT", "90", 1);
    load_ok(&c);
    CU_ASSERT_EQUAL(c.retry_delay_ms, 1500);
    CU_ASSERT_EQUAL(c.request_timeout_s, 90);
    config_free(&c);

    setenv("RICC_REQUEST_TIMEOUT", "1500ms", 1); /* not whole seconds */
    char *err = load_err();
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "RICC_REQUEST_TIMEOUT: '1500ms' is not a duration"));
    free(err);
}

/* Does err start with "PATH:LINE: "? */
static int names_line(const char *err, const char *path, int line)
{
    char want[300];
    snprintf(want, sizeof want, "%s:%d: ", path, line);
    return !strncmp(err, want, strlen(want));
}

static void test_yaml_syntax_error(void)
{
    fresh_env();
    const char *path = write_file("bad.yaml", "server: x:1\n"
                                              "instance: [unclosed\n"
                                              "link: true\n"
                                              "retry_limit: 3\n");
    setenv("RICC_CONFIG", path, 1);
    char *err = load_err();
    CU_ASSERT(names_line(err, path, 3) || names_line(err, path, 2));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "invalid YAML"));
    free(err);

    path = write_file("bad2.yaml", "server: x:1\n"
                                   "instance: a: b\n");
    setenv("RICC_CONFIG", path, 1);
    err = load_err();
    CU_ASSERT(names_line(err, path, 2));
    free(err);

    /* Not UTF-8: libyaml reports a byte offset, we report the line. */
    path = write_file("bad3.yaml", "server: x:1\n"
                                   "instance: \xff\xfe\n");
    setenv("RICC_CONFIG", path, 1);
    err = load_err();
    CU_ASSERT(names_line(err, path, 2));
    free(err);
}

static void test_yaml_unknown_key(void)
{
    fresh_env();
    const char *path = write_file("config.yaml", "server: x:1\n"
                                                 "\n"
                                                 "frobnicate: 1\n");
    char *err = load_err();
    CU_ASSERT(names_line(err, path, 3));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "frobnicate: unknown setting"));
    free(err);

    /* recc-style names get a hint. */
    write_file("config.yaml", "RECC_SERVER: x\n");
    err = load_err();
    CU_ASSERT(names_line(err, path, 1));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "did you mean 'server'?"));
    free(err);
}

static void test_yaml_bad_values(void)
{
    static const struct {
        const char *yaml;
        int line;
        const char *needle;
    } cases[] = {
        {"link: true\nserver: [a, b]\n", 2, "server: expected a single value, not a list"},
        {"max_size: 12Q\n", 1, "max_size: '12Q' is not a size"},
        {"\n\nlink: maybe\n", 3, "link: 'maybe' is not a boolean"},
        {"log_level: loud\n", 1, "log_level: 'loud' is not a log level"},
        {"retry_limit: -1\n", 1, "retry_limit: '-1' is not a whole number"},
        {"retry_delay: soon\n", 1, "retry_delay: 'soon' is not a duration"},
        {"remote_platform: linux\n", 1, "remote_platform: expected a mapping"},
        {"remote_env:\n  A: [1]\n", 2, "remote_env.A: expected a single value"},
        {"server: a:1\nserver: b:1\n", 2, "server: given twice (first on line 1)"},
        {"remote_env:\n  A: 1\n  A: 2\n", 3, "remote_env.A: given twice"},
        {"- server\n- link\n", 1, "expected a mapping of setting names"},
        {"server:\n  host: x\n", 2, "server: expected a single value, not a mapping"},
    };
    fresh_env();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *path = write_file("config.yaml", cases[i].yaml);
        char *err = load_err();
        int ok = names_line(err, path, cases[i].line) && strstr(err, cases[i].needle);
        CU_ASSERT(ok);
        if (!ok)
            fprintf(stderr, "\ncase %zu: %s\n", i, err);
        free(err);
    }
}

static void test_env_bad_values(void)
{
    fresh_env();
    setenv("RICC_CONFIG", "/dev/null", 1);
    setenv("RICC_MAX_SIZE", "12Q", 1);
    char *err = load_err();
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "RICC_MAX_SIZE: '12Q' is not a size"));
    CU_ASSERT(!strncmp(err, "RICC_MAX_SIZE: ", 15));
    free(err);
    unsetenv("RICC_MAX_SIZE");

    setenv("RECC_CACHE_ONLY", "maybe", 1);
    err = load_err();
    CU_ASSERT(!strncmp(err, "RECC_CACHE_ONLY: 'maybe' is not a boolean", 41));
    free(err);
    setenv("RECC_CACHE_ONLY", "", 1); /* empty: the default, not an error */
    config c;
    load_ok(&c);
    CU_ASSERT_EQUAL(c.cache_only, 0);
    config_free(&c);

    setenv("RECC_LOG_LEVEL", "verbose", 1);
    load_ok(&c);
    CU_ASSERT_EQUAL(c.log_level, LOG_DEBUG);
    config_free(&c);
}

static void test_files_missing_or_unreadable(void)
{
    fresh_env();
    char path[256];
    snprintf(path, sizeof path, "%s/no-such.yaml", ricc_dir);
    setenv("RICC_CONFIG", path, 1);
    char *err = load_err();
    CU_ASSERT_PTR_NOT_NULL(strstr(err, path));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "RICC_CONFIG"));
    free(err);

    /* A default file that is there but cannot be read is an error too. */
    unsetenv("RICC_CONFIG");
    snprintf(path, sizeof path, "%s/config.yaml", ricc_dir);
    CU_ASSERT_EQUAL_FATAL(mkdir(path, 0755), 0);
    err = load_err();
    CU_ASSERT_PTR_NOT_NULL(strstr(err, path));
    free(err);
    rmdir(path);

    /* A missing default file is no error (unless /etc/ricc.yaml is bad). */
    config c;
    if (access("/etc/ricc.yaml", F_OK) != 0) {
        load_ok(&c);
        CU_ASSERT_PTR_NULL(c.file);
        config_free(&c);
    }
}

static void test_maps_merge(void)
{
    fresh_env();
    write_file("config.yaml", "remote_platform:\n"
                              "  zeta: file\n"
                              "  OSFamily: linux\n"
                              "  ISA: x86-64\n"
                              "remote_env:\n"
                              "  LANG: C\n");
    setenv("RECC_REMOTE_PLATFORM_chrootRootDigest", "abc/12", 1);
    setenv("RECC_REMOTE_PLATFORM_zeta", "recc", 1);
    setenv("RICC_REMOTE_PLATFORM_zeta", "ricc", 1);
    setenv("RECC_REMOTE_PLATFORM_ISA", "arm", 1);
    setenv("RECC_REMOTE_ENV_PATH", "/usr/bin", 1);
    setenv("RICC_REMOTE_ENV_LANG", "en_US", 1);
    config c;
    load_ok(&c);
    static const char *names[] = {"ISA", "OSFamily", "chrootRootDigest", "zeta"};
    static const char *values[] = {"arm", "linux", "abc/12", "ricc"};
    CU_ASSERT_EQUAL_FATAL(c.n_remote_platform, 4);
    for (int i = 0; i < 4; i++) {
        CU_ASSERT_STRING_EQUAL(c.remote_platform[i].name, names[i]);
        CU_ASSERT_STRING_EQUAL(c.remote_platform[i].value, values[i]);
    }
    CU_ASSERT_EQUAL_FATAL(c.n_remote_env, 2);
    CU_ASSERT_STRING_EQUAL(c.remote_env[0].name, "LANG");
    CU_ASSERT_STRING_EQUAL(c.remote_env[0].value, "en_US");
    CU_ASSERT_STRING_EQUAL(c.remote_env[1].name, "PATH");
    CU_ASSERT_STRING_EQUAL(c.remote_env[1].value, "/usr/bin");
    config_free(&c);
}

static void test_show(void)
{
    static const char *all[] = {
        "dir", "max_size", "log_level", "log_directory", "project_root", "no_path_rewrite",
        "deps_global_paths", "skip_cache", "action_uncacheable", "disable", "no_direct",
        "comment_hits", "link", "hard_link", "compilers", "server", "cas_server",
        "action_cache_server", "instance",
        "cache_only", "cache_upload_local_build", "server_ssl", "server_cert", "client_cert",
        "client_key", "access_token_path", "retry_limit", "retry_delay", "request_timeout",
        "remote_skip_seconds", "remote_platform", "remote_env",
    };
    fresh_env();
    const char *path = write_file("config.yaml", "retry_limit: 5\n"
                                                 "max_size: 512Mi\n"
                                                 "remote_platform:\n"
                                                 "  OSFamily: linux\n");
    setenv("RICC_SERVER", "ricc-server:1", 1);
    setenv("RECC_REMOTE_PLATFORM_zeta", "z", 1);
    config c;
    load_ok(&c);
    char *out = show(&c);
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        char want[64];
        snprintf(want, sizeof want, "\n%s", all[i]);
        CU_ASSERT(strstr(out, want) != NULL || !strncmp(out, all[i], strlen(all[i])));
    }
    char line[512];
    snprintf(line, sizeof line, "retry_limit = 5  (file %s:1)\n", path);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, line));
    snprintf(line, sizeof line, "max_size = 512Mi  (file %s:2)\n", path);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, line));
    snprintf(line, sizeof line, "remote_platform.OSFamily = linux  (file %s:4)\n", path);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, line));
    snprintf(line, sizeof line, "dir = %s  (environment RICC_DIR)\n", ricc_dir);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, line));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "server = ricc-server:1  (environment RICC_SERVER)\n"));
    CU_ASSERT_PTR_NOT_NULL(
        strstr(out, "remote_platform.zeta = z  (environment RECC_REMOTE_PLATFORM_zeta)\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "log_level = warning  (default)\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "retry_delay = 1000ms  (default)\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "request_timeout = 60s  (default)\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "link = false  (default)\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "remote_env = (none)  (default)\n"));
    free(out);
    config_free(&c);

    /* Printed values read back as the same values. */
    setenv("RICC_MAX_SIZE", "5G", 1);
    load_ok(&c);
    out = show(&c);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "max_size = 5G  (environment RICC_MAX_SIZE)\n"));
    free(out);
    config_free(&c);
}

static void test_addresses(void)
{
    char why[256];
    static const char *const good[] = {"localhost:50051", "grpc://h:1/", "http://10.0.0.1:80",
                                       "grpcs://buildgrid.example:443", "https://h:65535",
                                       "[::1]:8980", "grpc://[::1]:8980/", "unix:/tmp/s.sock",
                                       "unix:rel.sock", "unix-abstract:x", "dns:///h:1", NULL};
    static const char *const bad[] = {"localhost:99999", "localhost:0", "http://x", "unix:",
                                      "ftp://h:1", "h:12:13", ":80", "h:", "h:80/x", "h:8a",
                                      "dns:", "[::1]", NULL};
    for (int i = 0; good[i]; i++) {
        why[0] = '\0';
        CU_ASSERT_EQUAL(config_check_address(good[i], why, sizeof why), 0);
        if (why[0])
            fprintf(stderr, "%s: %s\n", good[i], why);
    }
    for (int i = 0; bad[i]; i++) {
        why[0] = '\0';
        CU_ASSERT_EQUAL(config_check_address(bad[i], why, sizeof why), -1);
        CU_ASSERT(strstr(why, bad[i]) != NULL);
    }
}


/* Write content to path (any directory under tmpdir, made here). */
static void put(const char *path, const char *content)
{
    char *dir = path_dirname(path);
    CU_ASSERT_EQUAL_FATAL(fs_mkdir_p(dir, 0755), 0);
    free(dir);
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(content, f);
    fclose(f);
}

static char *slurp(const char *path)
{
    char *buf = NULL;
    size_t len;
    if (fs_read_file(path, &buf, &len) != 0)
        return NULL;
    return buf;
}

/* Weakest first: system < user < the cache directory's file < environment;
 * each layer overrides only what it sets, maps merge per name, and
 * --show-config names the file and line of the layer that gave a value. */
static void test_layers(void)
{
    fresh_env();
    char sys[256], user[256], line[512];
    snprintf(sys, sizeof sys, "%s/etc/ricc.yaml", ricc_dir);
    snprintf(user, sizeof user, "%s/ricc/config.yaml", xdg_config);
    setenv("RICC_SYSTEM_CONFIG", sys, 1);
    put(sys, "retry_limit: 1\n"
             "instance: sys\n"
             "server: sys:1\n"
             "log_level: error\n"
             "remote_platform:\n"
             "  OSFamily: linux\n"
             "  ISA: sys\n");
    put(user, "# mine\n"
              "instance: user\n"
              "server: user:1\n"
              "remote_platform:\n"
              "  ISA: user\n");
    const char *dirf = write_file("config.yaml", "server: dir:1\nretry_limit:\n");
    setenv("RICC_LOG_LEVEL", "debug", 1);
    config c;
    load_ok(&c);
    CU_ASSERT_STRING_EQUAL(c.instance, "user");
    CU_ASSERT_STRING_EQUAL(c.server, "dir:1");
    CU_ASSERT_EQUAL(c.retry_limit, 3); /* empty in the dir's file: the default again */
    CU_ASSERT_EQUAL(c.log_level, LOG_DEBUG);
    CU_ASSERT_EQUAL_FATAL(c.n_remote_platform, 2);
    CU_ASSERT_STRING_EQUAL(c.remote_platform[0].value, "user"); /* ISA */
    CU_ASSERT_STRING_EQUAL(c.remote_platform[1].value, "linux"); /* OSFamily */
    CU_ASSERT_STRING_EQUAL(c.file, dirf);
    char *out = show(&c);
    snprintf(line, sizeof line, "instance = user  (file %s:2)\n", user);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, line));
    snprintf(line, sizeof line, "server = dir:1  (file %s:1)\n", dirf);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, line));
    snprintf(line, sizeof line, "retry_limit = 3  (file %s:2)\n", dirf);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, line));
    snprintf(line, sizeof line, "remote_platform.OSFamily = linux  (file %s:6)\n", sys);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, line));
    snprintf(line, sizeof line, "remote_platform.ISA = user  (file %s:5)\n", user);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, line));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "log_level = debug  (environment RICC_LOG_LEVEL)\n"));
    free(out);
    config_free(&c);

    /* RICC_CONFIG instead of the cache directory's file, over the user's. */
    put(user, "instance: user\nmax_size: 1G\n");
    char named[256];
    snprintf(named, sizeof named, "%s/named.yaml", ricc_dir);
    put(named, "max_size: 2G\n");
    setenv("RICC_CONFIG", named, 1);
    load_ok(&c);
    CU_ASSERT_EQUAL(c.max_size, 2000000000ULL);
    CU_ASSERT_STRING_EQUAL(c.server, "sys:1"); /* the dir's file is not read */
    CU_ASSERT_STRING_EQUAL(c.instance, "user");
    config_free(&c);
    unsetenv("RICC_CONFIG");

    /* A key given twice in one file is an error; in two layers it is not. */
    put(user, "instance: a\ninstance: b\n");
    char *err = load_err();
    CU_ASSERT_PTR_NOT_NULL(strstr(err, user));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "given twice"));
    free(err);
    put(user, "remote_platform:\n  OSFamily: a\n  OSFamily: b\n");
    err = load_err();
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "given twice"));
    free(err);
    /* A bad value in the system's file names that file. */
    put(user, "");
    put(sys, "max_size: lots\n");
    err = load_err();
    snprintf(line, sizeof line, "%s:1: max_size: 'lots' is not a size", sys);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, line));
    free(err);
}

/* dir in the user's file says which cache directory's file is read; RICC_DIR
 * and the option (config_load_dir) are stronger. */
static void test_layers_dir(void)
{
    fresh_env();
    char user[256], there[256], line[512];
    snprintf(user, sizeof user, "%s/ricc/config.yaml", xdg_config);
    snprintf(there, sizeof there, "%s/there", ricc_dir);
    snprintf(line, sizeof line, "dir: %s\nmax_size: 1G\n", there);
    put(user, line);
    snprintf(line, sizeof line, "%s/config.yaml", there);
    put(line, "max_size: 3G\n");
    unsetenv("RICC_DIR");
    config c;
    load_ok(&c);
    CU_ASSERT_STRING_EQUAL(c.dir, there);
    CU_ASSERT_EQUAL(c.max_size, 3000000000ULL);
    char *target = config_write_target(&c); /* dir from a file: not named */
    CU_ASSERT_STRING_EQUAL(target, user);
    free(target);
    config_free(&c);

    setenv("RICC_DIR", ricc_dir, 1);
    load_ok(&c);
    CU_ASSERT_STRING_EQUAL(c.dir, ricc_dir);
    CU_ASSERT_EQUAL(c.max_size, 1000000000ULL); /* ricc_dir has no file */
    target = config_write_target(&c);
    snprintf(line, sizeof line, "%s/config.yaml", ricc_dir);
    CU_ASSERT_STRING_EQUAL(target, line);
    free(target);
    config_free(&c);

    char *err = NULL;
    CU_ASSERT_EQUAL_FATAL(config_load_dir(&c, there, &err), 0);
    CU_ASSERT_STRING_EQUAL(c.dir, there);
    CU_ASSERT_EQUAL(c.max_size, 3000000000ULL);
    char *out = show(&c);
    snprintf(line, sizeof line, "dir = %s  (option --dir)\n", there);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, line));
    free(out);
    config_free(&c);

    setenv("RICC_CONFIG", "/dev/null", 1);
    load_ok(&c);
    target = config_write_target(&c);
    CU_ASSERT_STRING_EQUAL(target, "/dev/null");
    free(target);
    config_free(&c);
}

/* The writer: one line replaced or added, comments and the other lines
 * kept, map entries, quoting that reads back, and nothing written when the
 * result would not load. */
static void test_file_set(void)
{
    fresh_env();
    char path[256];
    snprintf(path, sizeof path, "%s/w/config.yaml", ricc_dir);
    char *err = NULL, *text;
    /* A missing file (and directory) is made. */
    CU_ASSERT_EQUAL(config_file_set(path, "max_size", "1G", &err), 0);
    text = slurp(path);
    CU_ASSERT_STRING_EQUAL(text, "max_size: 1G\n");
    free(text);
    put(path, "# top comment\n"
              "server: localhost:1   # the server\n"
              "\n"
              "max_size: 9G\n"
              "remote_platform:\n"
              "    OSFamily: linux\n"
              "    # a comment in the map\n"
              "    ISA: x86\n"
              "log_level: info");
    CU_ASSERT_EQUAL(config_file_set(path, "max_size", "2G", &err), 0);
    CU_ASSERT_EQUAL(config_file_set(path, "remote_platform.ISA", "arm", &err), 0);
    CU_ASSERT_EQUAL(config_file_set(path, "remote_platform.chrootRootDigest", "ab/1", &err), 0);
    CU_ASSERT_EQUAL(config_file_set(path, "remote_platform.OSFamily", "", &err), 0);
    CU_ASSERT_EQUAL(config_file_set(path, "instance", "a: b #c \"d\"", &err), 0);
    CU_ASSERT_EQUAL(config_file_set(path, "remote_env.LANG", "C", &err), 0);
    CU_ASSERT_EQUAL(config_file_set(path, "server", "", &err), 0);
    CU_ASSERT_EQUAL(config_file_set(path, "compilers", "null", &err), 0);
    text = slurp(path);
    CU_ASSERT_STRING_EQUAL(text, "# top comment\n"
                                 "\n"
                                 "max_size: 2G\n"
                                 "remote_platform:\n"
                                 "    # a comment in the map\n"
                                 "    ISA: arm\n"
                                 "    chrootRootDigest: ab/1\n"
                                 "log_level: info\n"
                                 "instance: \"a: b #c \\\"d\\\"\"\n"
                                 "remote_env:\n"
                                 "  LANG: C\n"
                                 "compilers: \"null\"\n");
    free(text);
    /* It loads back as written. */
    setenv("RICC_CONFIG", path, 1);
    config c;
    load_ok(&c);
    CU_ASSERT_STRING_EQUAL(c.instance, "a: b #c \"d\"");
    CU_ASSERT_STRING_EQUAL(c.compilers, "null");
    CU_ASSERT_EQUAL(c.max_size, 2000000000ULL);
    CU_ASSERT_EQUAL(c.n_remote_platform, 2);
    CU_ASSERT_PTR_NULL(c.server);
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    CU_ASSERT_EQUAL(config_get(&c, "max_size", f, &err), 0);
    CU_ASSERT_EQUAL(config_get(&c, "remote_platform", f, &err), 0);
    CU_ASSERT_EQUAL(config_get(&c, "remote_platform.ISA", f, &err), 0);
    CU_ASSERT_EQUAL(config_get(&c, "retry_delay", f, &err), 0);
    fclose(f);
    CU_ASSERT_STRING_EQUAL(out, "2G\nISA=arm\nchrootRootDigest=ab/1\narm\n1000ms\n");
    free(out);
    f = fopen("/dev/null", "w");
    CU_ASSERT_EQUAL(config_get(&c, "max_sise", f, &err), -1);
    fclose(f);
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err, "did you mean 'max_size'"));
    free(err);
    config_free(&c);
    unsetenv("RICC_CONFIG");

    /* Refused, the file untouched: unknown keys (with the loader's
     * suggestion), bad values (the loader's message), a whole map, an
     * inline map, a file that does not load. */
    char *before = slurp(path);
    static const char *const bad[][3] = {
        {"servr", "h:1", "did you mean 'server'"},
        {"RICC_SERVER", "h:1", "did you mean 'server'"},
        {"max_size", "12Q", "'12Q' is not a size"},
        {"retry_limit", "-1", "not a whole number"},
        {"server", "nohost", "nohost"},
        {"remote_platform", "x", "remote_platform.NAME=VALUE"},
        {"remote_platform.a b", "x", "not a name"},
        {"max_size.x", "1", "unknown setting"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err = NULL;
        CU_ASSERT_EQUAL(config_file_set(path, bad[i][0], bad[i][1], &err), -1);
        CU_ASSERT_PTR_NOT_NULL_FATAL(err);
        if (!strstr(err, bad[i][2]))
            fprintf(stderr, "\n%s=%s: %s\n", bad[i][0], bad[i][1], err);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i][2]));
        free(err);
    }
    text = slurp(path);
    CU_ASSERT_STRING_EQUAL(text, before);
    free(text);
    free(before);
    put(path, "remote_env: {A: b}\n");
    CU_ASSERT_EQUAL(config_file_set(path, "remote_env.C", "d", &err), -1);
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err, "by hand"));
    free(err);
    put(path, "max_size: [\n");
    CU_ASSERT_EQUAL(config_file_set(path, "server", "h:1", &err), -1);
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err, "invalid YAML"));
    free(err);
    text = slurp(path);
    CU_ASSERT_STRING_EQUAL(text, "max_size: [\n");
    free(text);
    CU_ASSERT_EQUAL(config_check_setting("log_level", "trace", &err), 0);
    CU_ASSERT_EQUAL(config_check_setting("dir", "", &err), 0);
    CU_ASSERT_EQUAL(config_check_setting("umask", "027", &err), 0);
    CU_ASSERT_EQUAL(config_check_setting("umask", "0789", &err), -1);
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err, "not a umask"));
    free(err);

    /* Not a regular file (RICC_CONFIG=/dev/null): refused, left alone. */
    CU_ASSERT_EQUAL(config_file_set("/dev/null", "max_size", "1G", &err), -1);
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err, "not a regular file"));
    free(err);
    struct stat st;
    CU_ASSERT(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode));
    /* A link is written through: the link stays, its target changes. */
    char target[256], link[256];
    snprintf(target, sizeof target, "%s/dotfiles/ricc.yaml", ricc_dir);
    snprintf(link, sizeof link, "%s/linked.yaml", ricc_dir);
    put(target, "# kept\n");
    CU_ASSERT_EQUAL_FATAL(symlink(target, link), 0);
    CU_ASSERT_EQUAL(config_file_set(link, "max_size", "1G", &err), 0);
    CU_ASSERT(lstat(link, &st) == 0 && S_ISLNK(st.st_mode));
    text = slurp(target);
    CU_ASSERT_STRING_EQUAL(text, "# kept\nmax_size: 1G\n");
    free(text);
}

static const unit_test tests[] = {
    {"defaults", test_defaults},
    {"default dir", test_default_dir},
    {"an unusable default dir, an empty RICC_DIR", test_unusable_default},
    {"precedence", test_precedence},
    {"parse size", test_parse_size},
    {"parse bool and level", test_parse_bool_and_level},
    {"yaml all kinds", test_yaml_all_kinds},
    {"durations", test_durations},
    {"yaml syntax error", test_yaml_syntax_error},
    {"yaml unknown key", test_yaml_unknown_key},
    {"yaml bad values", test_yaml_bad_values},
    {"env bad values", test_env_bad_values},
    {"files missing or unreadable", test_files_missing_or_unreadable},
    {"maps merge", test_maps_merge},
    {"show", test_show},
    {"server addresses", test_addresses},
    {"layers", test_layers},
    {"layers and the cache directory", test_layers_dir},
    {"file writer", test_file_set},
    {NULL, NULL},
};

int main(void)
{
    return unit_run("config", suite_init, suite_clean, tests);
}
