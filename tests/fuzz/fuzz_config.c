/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_config.c — libFuzzer target for the configuration file: the bytes
 * are $RICC_CONFIG (YAML, any user's file or a sandbox's /etc/ricc.yaml),
 * read by config_load() (cache/util/config.c: libyaml, then every setting's
 * value parser: sizes, durations, booleans, log levels, server addresses,
 * the remote_platform / remote_env maps), and an accepted configuration is
 * printed by config_show() (--show-config) and freed.
 *
 * The environment is emptied of RICC_* and RECC_* first, so only the file
 * counts; RICC_DIR is not set (a `dir:` in the file is read as in use), and
 * HOME and XDG_CACHE_HOME point into the scratch directory so the default
 * directory ricc settles on is never the real one. */
#include "tests/fuzz/fuzz.h"

#include "cache/util/config.h"

extern char **environ;

static char cfg_path[4096];
static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    for (int again = 1; again;) {
        again = 0;
        for (char **e = environ; *e; e++)
            if (!strncmp(*e, "RICC_", 5) || !strncmp(*e, "RECC_", 5)) {
                char name[256];
                size_t n = strcspn(*e, "=");
                snprintf(name, sizeof name, "%.*s", (int)n, *e);
                unsetenv(name);
                again = 1;
                break;
            }
    }
    const char *dir = fuzz_dir("config");
    setenv("HOME", dir, 1);
    setenv("XDG_CACHE_HOME", dir, 1);
    /* The input is the only settings file read: not the machine's or the
     * user's layers. */
    setenv("XDG_CONFIG_HOME", dir, 1);
    setenv("RICC_SYSTEM_CONFIG", "/nonexistent/ricc.yaml", 1);
    setenv("RICC_CONFIG", fuzz_path(cfg_path, dir, "config.yaml"), 1);
    devnull = fopen("/dev/null", "we");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_write(cfg_path, data, size);
    config c;
    char *err = NULL;
    if (config_load(&c, &err) == 0) {
        config_show(&c, devnull);
        config_free(&c);
    }
    free(err);
    return 0;
}
