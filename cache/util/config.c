/* SPDX-License-Identifier: Apache-2.0 */
/* config.c — ricc's settings, loaded in layers: defaults, /etc/ricc.yaml,
 * the user's file, the cache directory's file (or RICC_CONFIG), then the
 * environment.
 *
 * Everything is driven by one table, config_settings[] below: a setting's
 * name, its type, its default (as text, parsed like any other value),
 * whether recc has it too (so RECC_<NAME> is read as well as RICC_<NAME>),
 * and where it lives in struct config.  The environment reader, the YAML
 * reader, --show-config (config_show.c), the file writer (config_write.c)
 * and config_free all walk that table, so adding a setting is one line here
 * and one field in config.h.
 *
 * Loading goes from weakest to strongest source, each overwriting what it
 * sets (a map, per name): defaults, the system's file, the user's
 * ($XDG_CONFIG_HOME/ricc/config.yaml), the cache directory's (or
 * RICC_CONFIG), then RECC_<NAME>, then RICC_<NAME>.  As ccache does, a user
 * keeps personal settings in the user's file and a cache's own in that
 * cache's directory.  Only the cache directory is settled early, because it
 * says where its file is: the weaker files may name it, RICC_DIR or
 * ricc -d override them.  Each setting remembers where its value came from
 * (struct origin: the variable, or the file and line) so --show-config can
 * answer "why is this set?" and so a setting given twice in one file can be
 * reported.
 *
 * An empty value — `RICC_SERVER=` or `server:` with nothing after it — puts
 * the setting back to its default.  That lets an environment variable or a
 * stronger file switch off what a weaker one switched on, and matches the
 * shell habit of "empty means unset".
 *
 * Bad input is misuse of ricc, the one thing that is allowed to fail a
 * build, so messages must say exactly what to change: the file and line or
 * the variable, the setting, the value and what was expected.  Reasons are
 * built in small fixed buffers so that the error path itself needs no
 * allocation; only the final message is malloc'd.  The parsers of one value
 * that others use too (sizes, addresses, ...) are in config_values.c. */
#include "cache/util/config.h"
#include "cache/util/config_int.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <yaml.h>

#include "cache/local/cachedir.h"
#include "cache/util/fsutil.h"

extern char **environ;

#define S(name, field, type, def, recc) {name, type, def, recc, offsetof(config, field), 0}
#define M(name, field, recc) \
    {name, T_MAP, NULL, recc, offsetof(config, field), offsetof(config, n_##field)}

const struct setting config_settings[] = {
    S("dir", dir, T_STRING, NULL, 0), /* default: default_dir() */
    S("max_size", max_size, T_SIZE, "5G", 0),
    S("log_level", log_level, T_LOG_LEVEL, "warning", 1),
    S("log_directory", log_directory, T_STRING, NULL, 1),
    S("log_file", log_file, T_STRING, NULL, 0),
    S("stats_log", stats_log, T_STRING, NULL, 0),
    S("compression", compression, T_BOOL, "true", 0),
    S("compression_level", compression_level, T_INT, "1", 0),
    S("umask", umask, T_STRING, NULL, 0),
    S("project_root", project_root, T_STRING, NULL, 1),
    S("no_path_rewrite", no_path_rewrite, T_BOOL, "false", 1),
    S("deps_global_paths", deps_global_paths, T_BOOL, "false", 1),
    S("skip_cache", skip_cache, T_BOOL, "false", 1),
    S("action_uncacheable", action_uncacheable, T_BOOL, "false", 1),
    S("disable", disable, T_BOOL, "false", 0),
    S("no_direct", no_direct, T_BOOL, "false", 0),
    S("comment_hits", comment_hits, T_BOOL, "true", 0),
    S("link", link, T_BOOL, "false", 1),
    S("hard_link", hard_link, T_BOOL, "false", 0),
    S("compilers", compilers, T_STRING, NULL, 0),
    S("exec_tools", exec_tools, T_STRING, NULL, 0),
    S("server", server, T_STRING, NULL, 1),
    S("cas_server", cas_server, T_STRING, NULL, 1),
    S("action_cache_server", action_cache_server, T_STRING, NULL, 1),
    S("instance", instance, T_STRING, NULL, 1),
    S("cache_only", cache_only, T_BOOL, "false", 1),
    S("cache_upload_local_build", cache_upload_local_build, T_BOOL, "false", 1),
    S("server_ssl", server_ssl, T_BOOL, "false", 1),
    S("server_cert", server_cert, T_STRING, NULL, 1),
    S("client_cert", client_cert, T_STRING, NULL, 1),
    S("client_key", client_key, T_STRING, NULL, 1),
    S("access_token_path", access_token_path, T_STRING, NULL, 1),
    S("retry_limit", retry_limit, T_INT, "3", 1),
    S("retry_delay", retry_delay_ms, T_MSECS, "1000", 1),
    S("request_timeout", request_timeout_s, T_SECS, "60", 1),
    S("exec_timeout", exec_timeout_s, T_SECS, "300", 0),
    S("remote_skip_seconds", remote_skip_seconds, T_SECS, "60", 0),
    M("remote_platform", remote_platform, 1),
    M("remote_env", remote_env, 1),
};
_Static_assert(sizeof config_settings / sizeof config_settings[0] == N_SETTINGS,
               "N_SETTINGS (config_int.h) is the number of settings");

/* ---- small helpers ---- */

void config_fail(char **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(err, fmt, ap) < 0)
        *err = NULL;
    va_end(ap);
}

int config_find_setting(const char *name)
{
    for (int i = 0; i < N_SETTINGS; i++)
        if (!strcmp(config_settings[i].name, name))
            return i;
    return -1;
}

/* From variable var, or line `line` of file (one of origins->paths). */
void config_origin_set(struct origin *o, const char *var, const char *file, int line)
{
    free(o->var);
    o->var = var ? strdup(var) : NULL;
    o->file = file;
    o->line = line;
    o->option = NULL;
}

/* $XDG_CACHE_HOME/ricc, else $HOME/.cache/ricc.  A sandbox may have neither
 * variable, so fall back to the password database, then to the private
 * directory under TMPDIR (cachedir.h): a cache in an odd place beats
 * refusing to compile.  One that cannot be written is replaced by that same
 * private directory once everything is loaded (config_load). */
static char *default_dir(void)
{
    const char *xdg = getenv("XDG_CACHE_HOME");
    if (xdg && *xdg)
        return path_join(xdg, "ricc");
    const char *home = getenv("HOME");
    char *pw_home = NULL;
    if (!home || !*home)
        home = pw_home = fs_passwd_field(getuid(), 5);
    if (home) {
        char *dir = path_join(home, ".cache/ricc");
        free(pw_home);
        return dir;
    }
    return cachedir_fallback_path();
}

/* ---- parsing values (the public parsers: config_values.c) ---- */

/* Decimal digits only, 0..INT_MAX. */
static int parse_int(const char *s, int *out)
{
    long long v = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (!isdigit((unsigned char)*s))
            return -1;
        v = v * 10 + (*s - '0');
        if (v > INT_MAX)
            return -1;
    }
    *out = (int)v;
    return 0;
}

/* A whole number with an optional unit (ms, s, m, min, h); a bare number is
 * in the setting's own unit.  recc's RECC_RETRY_DELAY is a bare number of
 * milliseconds, which is why retry_delay is kept in ms. */
static int parse_duration(const char *s, enum type type, int *out)
{
    static const struct {
        const char *suffix;
        long long ms;
    } units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"min", 60000}, {"h", 3600000}};
    long long v = 0, ms = type == T_MSECS ? 1 : 1000;
    const char *p = s;
    if (!isdigit((unsigned char)*p))
        return -1;
    for (; isdigit((unsigned char)*p); p++) {
        v = v * 10 + (*p - '0');
        if (v > INT_MAX)
            return -1;
    }
    if (*p) {
        size_t i, n = sizeof units / sizeof units[0];
        for (i = 0; i < n && strcasecmp(p, units[i].suffix); i++)
            ;
        if (i == n)
            return -1;
        ms = units[i].ms;
    }
    v *= ms; /* both factors are below 2^32: no overflow */
    if (type == T_SECS) {
        if (v % 1000)
            return -1;
        v /= 1000;
    }
    if (v > INT_MAX)
        return -1;
    *out = (int)v;
    return 0;
}

/* The settings whose value is a server's address. */
static int is_address(const struct setting *s)
{
    return !strcmp(s->name, "server") || !strcmp(s->name, "cas_server") ||
           !strcmp(s->name, "action_cache_server");
}

/* Parse text as setting s and store it in c.  NULL or "" means the default.
 * 0, or -1 with the reason in why. */
int config_set_value(config *c, const struct setting *s, const char *text, char *why,
                     size_t cap)
{
    if (!text || !*text)
        text = s->def;
    switch (s->type) {
    case T_STRING: {
        int computed = !text && !strcmp(s->name, "dir");
        char *v = text ? strdup(text) : computed ? default_dir() : NULL;
        if (!strcmp(s->name, "dir"))
            c->dir_chosen = computed;
        if (!v && (text || computed)) {
            snprintf(why, cap, "out of memory");
            return -1;
        }
        if (v && is_address(s) && config_check_address(v, why, cap) != 0) {
            free(v);
            return -1;
        }
        mode_t mask; /* umask: kept as written (002), checked here (fsutil.h) */
        if (v && !strcmp(s->name, "umask") && fs_parse_umask(v, &mask) != 0) {
            snprintf(why, cap, "'%.200s' is not a umask (octal, at most 0777: e.g. 002 or 027)",
                     v);
            free(v);
            return -1;
        }
        char **f = FIELD(c, s, char *);
        free(*f);
        *f = v;
        return 0;
    }
    case T_BOOL:
        if (config_parse_bool(text, FIELD(c, s, int)) == 0)
            return 0;
        snprintf(why, cap, "'%.200s' is not a boolean (use true/false, yes/no, on/off or 1/0)", text);
        return -1;
    case T_SIZE:
        if (config_parse_size(text, FIELD(c, s, uint64_t)) == 0)
            return 0;
        snprintf(why, cap, "'%.200s' is not a size (e.g. 500M, 5G, 1.5T, 2GiB; 0 means unlimited)",
                 text);
        return -1;
    case T_INT:
        if (parse_int(text, FIELD(c, s, int)) == 0)
            return 0;
        snprintf(why, cap, "'%.200s' is not a whole number", text);
        return -1;
    case T_LOG_LEVEL:
        if (config_parse_log_level(text, FIELD(c, s, enum log_level)) == 0)
            return 0;
        snprintf(why, cap, "'%.200s' is not a log level (error, warning, info, debug or trace)",
                 text);
        return -1;
    case T_MSECS:
    case T_SECS:
        if (parse_duration(text, s->type, FIELD(c, s, int)) == 0)
            return 0;
        snprintf(why, cap, "'%.200s' is not a duration (a whole number of %s, or e.g. %s)", text,
                 s->type == T_MSECS ? "milliseconds" : "seconds",
                 s->type == T_MSECS ? "500ms, 2s" : "30s, 5m");
        return -1;
    case T_MAP:
        break;
    }
    snprintf(why, cap, "not a single value");
    return -1;
}

/* ---- the name -> value maps ---- */

/* Index of name in map i, or -(insertion point) - 1. */
static int map_find(const config *c, const struct setting *s, const char *name)
{
    const config_kv *kv = *CFIELD(c, s, config_kv *);
    int lo = 0, hi = COUNT(c, s);
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2, d = strcmp(kv[mid].name, name);
        if (d == 0)
            return mid;
        if (d < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -lo - 1;
}

/* Set name = value in map setting i, keeping it sorted.  0 or -1 (ENOMEM). */
int config_map_set(config *c, int i, const char *name, const char *value, const char *var,
                   const char *file, int line)
{
    const struct setting *s = &config_settings[i];
    config_kv **kvp = FIELD(c, s, config_kv *);
    int *n = (int *)((char *)c + s->count_off);
    struct origin **from = &c->origins->entry[i];
    char *v = strdup(value);
    if (!v)
        return -1;
    int at = map_find(c, s, name);
    if (at >= 0) {
        free((*kvp)[at].value);
        (*kvp)[at].value = v;
        config_origin_set(&(*from)[at], var, file, line);
        return 0;
    }
    at = -at - 1;
    char *k = strdup(name);
    config_kv *kv = realloc(*kvp, (size_t)(*n + 1) * sizeof *kv);
    if (kv)
        *kvp = kv;
    struct origin *o = realloc(*from, (size_t)(*n + 1) * sizeof *o);
    if (o)
        *from = o;
    if (!k || !kv || !o) {
        free(k);
        free(v);
        return -1;
    }
    memmove(&kv[at + 1], &kv[at], (size_t)(*n - at) * sizeof *kv);
    memmove(&o[at + 1], &o[at], (size_t)(*n - at) * sizeof *o);
    kv[at] = (config_kv){k, v};
    o[at] = (struct origin){0};
    config_origin_set(&o[at], var, file, line);
    (*n)++;
    /* cppcheck-suppress memleak ; (k and v are kept in kv, which is *kvp) */
    return 0;
}

/* ---- the YAML file ---- */

static int node_line(const yaml_node_t *n)
{
    return (int)n->start_mark.line + 1;
}

/* `key:`, `key: ~` and `key: null` all mean "no value"; quoted text never does. */
static int node_is_null(const yaml_node_t *n)
{
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return 0;
    const char *v = (const char *)n->data.scalar.value;
    return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
           !strcmp(v, "NULL");
}

static const char *node_kind(const yaml_node_t *n)
{
    return n->type == YAML_SEQUENCE_NODE ? "a list" : n->type == YAML_MAPPING_NODE ? "a mapping"
                                                                                   : "a value";
}

/* A mapping of name: value under remote_platform: or remote_env:.  An
 * entry a weaker layer set is replaced; one this file already set is an
 * error. */
static int file_map(config *c, int i, const char *path, yaml_document_t *doc, yaml_node_t *v,
                    char **err)
{
    const char *name = config_settings[i].name;
    if (node_is_null(v))
        return 0;
    if (v->type != YAML_MAPPING_NODE) {
        config_fail(err, "%s:%d: %s: expected a mapping of names to values, not %s", path,
             node_line(v), name, node_kind(v));
        return -1;
    }
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        yaml_node_t *val = yaml_document_get_node(doc, p->value);
        if (k->type != YAML_SCALAR_NODE || !*k->data.scalar.value) {
            config_fail(err, "%s:%d: %s: each entry needs a plain name", path, node_line(k), name);
            return -1;
        }
        const char *key = (const char *)k->data.scalar.value;
        if (val->type != YAML_SCALAR_NODE) {
            config_fail(err, "%s:%d: %s.%s: expected a single value, not %s", path, node_line(val),
                 name, key, node_kind(val));
            return -1;
        }
        int at = map_find(c, &config_settings[i], key);
        if (at >= 0 && c->origins->entry[i][at].file == path) {
            config_fail(err, "%s:%d: %s.%s: given twice (first on line %d)", path, node_line(k), name,
                 key, c->origins->entry[i][at].line);
            return -1;
        }
        const char *text = node_is_null(val) ? "" : (const char *)val->data.scalar.value;
        if (config_map_set(c, i, key, text, NULL, path, node_line(k)) != 0) {
            config_fail(err, "out of memory");
            return -1;
        }
    }
    return 0;
}

static int file_settings(config *c, const char *path, yaml_document_t *doc, char **err)
{
    yaml_node_t *root = yaml_document_get_root_node(doc);
    if (!root || node_is_null(root)) /* an empty file, or only comments */
        return 0;
    if (root->type != YAML_MAPPING_NODE) {
        config_fail(err, "%s:%d: expected a mapping of setting names to values, not %s", path,
             node_line(root), node_kind(root));
        return -1;
    }
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        yaml_node_t *v = yaml_document_get_node(doc, p->value);
        if (k->type != YAML_SCALAR_NODE) {
            config_fail(err, "%s:%d: expected a setting name, not %s", path, node_line(k), node_kind(k));
            return -1;
        }
        const char *key = (const char *)k->data.scalar.value;
        int i = config_find_setting(key);
        if (i < 0) {
            char hint[96];
            config_suggest(key, hint, sizeof hint);
            config_fail(err, "%s:%d: %s: unknown setting%s", path, node_line(k), key, hint);
            return -1;
        }
        struct origin *o = &c->origins->set[i];
        if (o->file == path && o->line) {
            config_fail(err, "%s:%d: %s: given twice (first on line %d)", path, node_line(k), key,
                 o->line);
            return -1;
        }
        config_origin_set(o, NULL, path, node_line(k));
        if (config_settings[i].type == T_MAP) {
            if (file_map(c, i, path, doc, v, err) != 0)
                return -1;
            continue;
        }
        if (v->type != YAML_SCALAR_NODE) {
            config_fail(err, "%s:%d: %s: expected a single value, not %s", path, node_line(v), key,
                 node_kind(v));
            return -1;
        }
        char why[512];
        const char *text = node_is_null(v) ? "" : (const char *)v->data.scalar.value;
        if (config_set_value(c, &config_settings[i], text, why, sizeof why) != 0) {
            config_fail(err, "%s:%d: %s: %s", path, node_line(v), key, why);
            return -1;
        }
    }
    return 0;
}

static void yaml_failure(const yaml_parser_t *p, const char *path, const char *buf, char **err)
{
    if (p->error == YAML_MEMORY_ERROR) {
        config_fail(err, "%s: out of memory reading YAML", path);
        return;
    }
    size_t line = p->problem_mark.line + 1;
    if (p->error == YAML_READER_ERROR) { /* bad encoding: only a byte offset is known */
        line = 1;
        for (size_t i = 0; i < p->problem_offset && buf[i]; i++)
            line += buf[i] == '\n';
    }
    const char *problem = p->problem ? p->problem : "cannot parse";
    if (p->context)
        config_fail(err, "%s:%zu: invalid YAML: %s (%s on line %zu)", path, line, problem, p->context,
             p->context_mark.line + 1);
    else
        config_fail(err, "%s:%zu: invalid YAML: %s", path, line, problem);
}

static int read_text(config *c, enum layer layer, const char *path, const char *buf,
                     size_t len, char **err);

/* Read one YAML file as layer `layer`.  A missing file is fine unless
 * required; a file that is there but cannot be read is not, since it was
 * surely meant to count. */
static int read_file(config *c, enum layer layer, const char *path, int required, char **err)
{
    char *buf;
    size_t len;
    if (fs_read_file(path, &buf, &len) != 0) {
        if (!required && (errno == ENOENT || errno == ENOTDIR))
            return 0;
        config_fail(err, "%s: cannot read the configuration file: %s%s", path, strerror(errno),
             required ? " (named by RICC_CONFIG)" : "");
        return -1;
    }
    int r = read_text(c, layer, path, buf, len, err);
    free(buf);
    return r;
}

/* The text of a file, buf[0..len), as layer `layer`, named path. */
static int read_text(config *c, enum layer layer, const char *path, const char *buf,
                     size_t len, char **err)
{
    /* The origins of what this file sets point at paths[layer]. */
    free(c->file);
    c->file = strdup(path);
    c->origins->paths[layer] = strdup(path);
    path = c->origins->paths[layer];
    yaml_parser_t parser;
    yaml_document_t doc;
    int r = -1;
    if (!c->file || !path || !yaml_parser_initialize(&parser)) {
        config_fail(err, "out of memory");
        return -1;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    if (!yaml_parser_load(&parser, &doc)) {
        yaml_failure(&parser, path, buf, err);
    } else {
        r = file_settings(c, path, &doc, err);
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&parser);
    return r;
}

/* The system's file: /etc/ricc.yaml, or RICC_SYSTEM_CONFIG (for tests,
 * which must not read the machine's). */
static const char *system_file(void)
{
    const char *named = getenv("RICC_SYSTEM_CONFIG");
    return named && *named ? named : "/etc/ricc.yaml";
}

char *config_user_file(void)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    if (xdg && *xdg)
        return path_join(xdg, "ricc/" CONFIG_FILE_NAME);
    const char *home = getenv("HOME");
    return home && *home ? path_join(home, ".config/ricc/" CONFIG_FILE_NAME) : NULL;
}

/* The strongest file: RICC_CONFIG, else the cache directory's. */
static int load_dir_file(config *c, char **err)
{
    const char *named = getenv("RICC_CONFIG");
    if (named && *named)
        return read_file(c, LAYER_DIR, named, 1, err);
    char *p = path_join(c->dir, CONFIG_FILE_NAME);
    if (!p) {
        config_fail(err, "out of memory");
        return -1;
    }
    int r = read_file(c, LAYER_DIR, p, 0, err);
    free(p);
    return r;
}

/* dir = the option's value (ricc -d), strongest of all. */
static int set_dir_option(config *c, const char *dir, char **err)
{
    int i = config_find_setting("dir");
    char why[512];
    if (config_set_value(c, &config_settings[i], dir, why, sizeof why) != 0) {
        config_fail(err, "--dir: %s", why);
        return -1;
    }
    config_origin_set(&c->origins->set[i], NULL, NULL, 0);
    c->origins->set[i].option = "--dir";
    return 0;
}

/* ---- the public functions ---- */

int config_load(config *c, char **err)
{
    return config_load_dir(c, NULL, err);
}

/* Weakest first, each layer overwriting what it sets: defaults, the
 * system's file, the user's, the cache directory's (or RICC_CONFIG), then
 * RECC_<NAME> and RICC_<NAME>.  The cache directory is settled before its
 * file is looked for: by the option, else RICC_DIR, else the weaker files,
 * else the default. */
/* *c = the defaults.  0, or -1 with *err (c is freed). */
static int load_defaults(config *c, char **err)
{
    char why[512];
    memset(c, 0, sizeof *c);
    *err = NULL;
    c->origins = calloc(1, sizeof *c->origins);
    if (!c->origins) {
        config_fail(err, "out of memory");
        return -1;
    }
    for (int i = 0; i < N_SETTINGS; i++)
        if (config_settings[i].type != T_MAP &&
            config_set_value(c, &config_settings[i], NULL, why, sizeof why) != 0) {
            config_fail(err, "%s: default: %s", config_settings[i].name, why);
            config_free(c);
            return -1;
        }
    return 0;
}

int config_check_text(const char *path, const char *buf, size_t len, char **err)
{
    config c;
    if (load_defaults(&c, err) != 0)
        return -1;
    int r = read_text(&c, LAYER_DIR, path, buf, len, err);
    config_free(&c);
    return r;
}

int config_load_dir(config *c, const char *dir, char **err)
{
    if (load_defaults(c, err) != 0)
        return -1;
    int ours = config_env_has_ours();
    char *user = config_user_file();
    int r = read_file(c, LAYER_SYSTEM, system_file(), 0, err);
    if (r == 0 && user)
        r = read_file(c, LAYER_USER, user, 0, err);
    free(user);
    if (r != 0)
        goto fail;
    if (dir ? set_dir_option(c, dir, err) != 0
            : ours && config_env_setting(c, config_find_setting("dir"), err) != 0)
        goto fail;
    if (load_dir_file(c, err) != 0)
        goto fail;
    if (ours && config_env_settings(c, err) != 0)
        goto fail;
    for (int i = 0; ours && i < N_SETTINGS; i++)
        if (config_settings[i].type == T_MAP && config_env_map(c, i, err) != 0)
            goto fail;
    if (dir && set_dir_option(c, dir, err) != 0) /* over RICC_DIR again */
        goto fail;
    /* A directory ricc chose itself must be one it can write (a sandbox's
     * read-only HOME): else a private one under TMPDIR.  One named by the
     * user stays, whatever it costs them; an empty RICC_DIR= (or `dir:`)
     * names none, it asks for the default. */
    if (c->dir_chosen && c->dir)
        cachedir_settle(&c->dir, &c->dir_note);
    return 0;
fail:
    config_free(c);
    return -1;
}

char *config_write_target(const config *c)
{
    const char *named = getenv("RICC_CONFIG");
    if (named && *named)
        return strdup(named);
    const struct origin *o = &c->origins->set[config_find_setting("dir")];
    if (c->dir && (o->var || o->option))
        return path_join(c->dir, CONFIG_FILE_NAME);
    return config_user_file();
}

void config_free(config *c)
{
    for (int i = 0; i < N_SETTINGS; i++) {
        const struct setting *s = &config_settings[i];
        if (s->type == T_STRING) {
            free(*FIELD(c, s, char *));
        } else if (s->type == T_MAP) {
            config_kv *kv = *FIELD(c, s, config_kv *);
            int n = COUNT(c, s);
            for (int j = 0; j < n; j++) {
                free(kv[j].name);
                free(kv[j].value);
                if (c->origins && c->origins->entry[i])
                    free(c->origins->entry[i][j].var);
            }
            free(kv);
        }
        if (c->origins) {
            free(c->origins->set[i].var);
            free(c->origins->entry[i]);
        }
    }
    for (int l = 0; c->origins && l < N_LAYERS; l++)
        free(c->origins->paths[l]);
    free(c->origins);
    free(c->file);
    free(c->dir_note);
    memset(c, 0, sizeof *c);
}

void config_announce(const config *c)
{
    cachedir_announce(c->dir, c->dir_note);
}

