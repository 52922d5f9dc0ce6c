/* SPDX-License-Identifier: Apache-2.0 */
/* config_env.c — the environment, the strongest layer of the settings:
 * RICC_<NAME>, and RECC_<NAME> for the settings recc has too (RICC_ wins),
 * plus RECC_/RICC_REMOTE_PLATFORM_<name> and _REMOTE_ENV_<name> for the two
 * maps.  Read on every call, so it is one pass over the environment, and
 * none at all when no variable starts with RICC_ or RECC_.  The table and
 * the value parsers are config.c's (config_int.h). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cache/util/config.h"
#include "cache/util/config_int.h"

extern char **environ;

/* "RICC_" + "max_size" -> "RICC_MAX_SIZE". */
/* prefix + NAME in upper case.  Not snprintf: it runs for every setting on
 * every call, and formatting was most of what loading the settings cost. */
static void env_name(char *buf, size_t cap, const char *prefix, const char *name)
{
    size_t p = strlen(prefix), n = strlen(name);
    if (p + n >= cap)
        n = p < cap ? cap - 1 - p : 0;
    memcpy(buf, prefix, p < cap ? p : 0);
    for (size_t i = 0; i < n; i++)
        buf[p + i] = (char)toupper((unsigned char)name[i]);
    buf[p + n < cap ? p + n : cap - 1] = '\0';
}

/* Does any variable start with RICC_ or RECC_?  Outside a sandbox set up
 * for ricc or recc usually none does, and then no setting needs looking up. */
int config_env_has_ours(void)
{
    for (char **e = environ; e && *e; e++)
        if ((*e)[0] == 'R' && ((*e)[1] == 'I' || (*e)[1] == 'E') && !strncmp(*e + 2, "CC_", 3))
            return 1;
    return 0;
}



int config_env_setting(config *c, int i, char **err)
{
    const struct setting *s = &config_settings[i];
    char var[64], why[512];
    env_name(var, sizeof var, "RICC_", s->name);
    const char *v = getenv(var);
    if (!v && s->recc) {
        env_name(var, sizeof var, "RECC_", s->name);
        v = getenv(var);
    }
    if (!v)
        return 0;
    if (config_set_value(c, s, v, why, sizeof why) != 0) {
        config_fail(err, "%s: %s", var, why);
        return -1;
    }
    config_origin_set(&c->origins->set[i], var, NULL, 0);
    return 0;
}

/* Every single-valued setting from the environment in one pass over it:
 * a getenv() per setting and prefix scanned the whole environment some
 * ninety times, a tenth of a direct hit where RECC_* variables are set (a
 * BuildStream sandbox, CI).  The first RICC_<NAME>, else the first
 * RECC_<NAME> for a setting recc has, as getenv() would find them; NAME in
 * upper case only, as env_name() spells it. */
int config_env_settings(config *c, char **err)
{
    const char *ricc[N_SETTINGS] = {0}, *recc[N_SETTINGS] = {0};
    for (char **e = environ; e && *e; e++) {
        const char *v = *e;
        int is_ricc = !strncmp(v, "RICC_", 5);
        if (!is_ricc && strncmp(v, "RECC_", 5) != 0)
            continue;
        char name[64];
        size_t n = 0;
        for (v += 5; *v && *v != '=' && n < sizeof name - 1; v++, n++) {
            if (islower((unsigned char)*v))
                break;
            name[n] = (char)tolower((unsigned char)*v);
        }
        if (*v != '=')
            continue;
        name[n] = '\0';
        int i = config_find_setting(name);
        if (i < 0 || config_settings[i].type == T_MAP)
            continue;
        const char **slot = is_ricc ? &ricc[i] : config_settings[i].recc ? &recc[i] : NULL;
        if (slot && !*slot)
            *slot = v + 1;
    }
    for (int i = 0; i < N_SETTINGS; i++) {
        const char *v = ricc[i] ? ricc[i] : recc[i];
        if (!v)
            continue;
        char var[64], why[512];
        env_name(var, sizeof var, ricc[i] ? "RICC_" : "RECC_", config_settings[i].name);
        if (config_set_value(c, &config_settings[i], v, why, sizeof why) != 0) {
            config_fail(err, "%s: %s", var, why);
            return -1;
        }
        config_origin_set(&c->origins->set[i], var, NULL, 0);
    }
    return 0;
}

/* RECC_REMOTE_PLATFORM_<name>=value, then RICC_..., so RICC_ wins. */
int config_env_map(config *c, int i, char **err)
{
    for (int pass = config_settings[i].recc ? 0 : 1; pass < 2; pass++) {
        char prefix[64];
        env_name(prefix, sizeof prefix - 1, pass ? "RICC_" : "RECC_", config_settings[i].name);
        strcat(prefix, "_");
        size_t plen = strlen(prefix);
        for (char **e = environ; e && *e; e++) {
            const char *eq = strchr(*e, '=');
            if (strncmp(*e, prefix, plen) != 0 || !eq || eq == *e + plen)
                continue;
            char *var = strndup(*e, (size_t)(eq - *e));
            int r = var ? config_map_set(c, i, var + plen, eq + 1, var, NULL, 0) : -1;
            free(var);
            if (r != 0) {
                config_fail(err, "out of memory");
                return -1;
            }
        }
    }
    return 0;
}
