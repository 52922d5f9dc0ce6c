/* SPDX-License-Identifier: Apache-2.0 */
/* config_int.h — what the files of the configuration share and nobody else
 * sees: the table of settings (config.c), where each value came from, and
 * the parser of one value into struct config.  config.c loads the layers,
 * config_show.c prints (--show-config, -k), config_write.c edits a file
 * (-o, -M).  One table keeps them in step: a setting is one line of it. */
#ifndef RICC_CONFIG_INT_H
#define RICC_CONFIG_INT_H

#include <stddef.h>

#include "cache/util/config.h"

enum type {
    T_STRING,    /* char *; empty means NULL */
    T_BOOL,      /* int 0/1 */
    T_SIZE,      /* uint64_t bytes */
    T_INT,       /* int >= 0 */
    T_LOG_LEVEL, /* enum log_level */
    T_MSECS,     /* int, a duration kept in milliseconds */
    T_SECS,      /* int, a duration kept in seconds */
    T_MAP,       /* config_kv * with an int count beside it */
};

struct setting {
    const char *name;
    enum type type;
    const char *def;  /* default as text; NULL for "unset" */
    int recc;         /* recc has it: read RECC_<NAME> too */
    size_t off;       /* the field in struct config */
    size_t count_off; /* T_MAP only: the entry count field */
};

/* The number of settings: config.c checks it against its table. */
#define N_SETTINGS 39
extern const struct setting config_settings[N_SETTINGS];

#define FIELD(c, s, T) ((T *)((char *)(c) + (s)->off))
#define CFIELD(c, s, T) ((const T *)((const char *)(c) + (s)->off))
#define COUNT(c, s) (*(const int *)((const char *)(c) + (s)->count_off))

/* The files read, weakest first (config.c, config_load). */
enum layer { LAYER_SYSTEM, LAYER_USER, LAYER_DIR, N_LAYERS };

/* Where a value came from: an environment variable (var != NULL), a line of
 * a file (file, one of config_origin.paths, and line > 0), an option of the
 * command line (option: "--dir"), or the default (all unset). */
struct origin {
    char *var;
    const char *file;
    int line;
    const char *option;
};

struct config_origin {
    struct origin set[N_SETTINGS];
    struct origin *entry[N_SETTINGS]; /* T_MAP: parallel to the entries */
    char *paths[N_LAYERS];            /* the files read, NULL where none was */
};

/* Index of the setting called name, or -1. */
int config_find_setting(const char *name);
/* Parse text as setting s into c; NULL or "" is the default.  0, or -1 with
 * the reason in why. */
int config_set_value(config *c, const struct setting *s, const char *text, char *why,
                     size_t cap);
/* " (did you mean 'server'?)" for RICC_SERVER, SERVER or servr; else "". */
void config_suggest(const char *key, char *buf, size_t cap);
const char *config_log_level_name(enum log_level l);
/* Where a value came from: variable var, or line `line` of file (one of
 * origins->paths). */
void config_origin_set(struct origin *o, const char *var, const char *file, int line);
/* Set name = value in map setting i, keeping it sorted.  0 or -1 (ENOMEM). */
int config_map_set(config *c, int i, const char *name, const char *value, const char *var,
                   const char *file, int line);

/* The environment layer (config_env.c). */
/* Does any variable start with RICC_ or RECC_? */
int config_env_has_ours(void);
/* Setting i alone from the environment (the cache directory, read early). */
int config_env_setting(config *c, int i, char **err);
/* Every single-valued setting from the environment.  0, or -1 with *err. */
int config_env_settings(config *c, char **err);
/* Map setting i's entries from the environment.  0, or -1 with *err. */
int config_env_map(config *c, int i, char **err);
/* *err = a malloc'd message; NULL if even that fails (callers cope). */
void config_fail(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
