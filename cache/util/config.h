/* SPDX-License-Identifier: Apache-2.0 */
/* config.h — ricc's settings, in layers, weakest first: defaults,
 * /etc/ricc.yaml, the user's $XDG_CONFIG_HOME/ricc/config.yaml (default
 * ~/.config/ricc/config.yaml), the cache directory's config.yaml (or the
 * file RICC_CONFIG names, instead), then the environment.  Each layer
 * overrides what it sets; maps merge per name.
 *
 * Every setting NAME has an environment variable RICC_NAME (upper case);
 * settings recc also has are read from RECC_NAME too (RICC_ wins when both
 * are set).  A YAML file is a mapping of lower-case setting names to
 * scalars, plus the mappings `remote_platform:` and `remote_env:`
 * (name: value).  The cache directory (`dir`) may be set in the system's or
 * the user's file; RICC_DIR and ricc -d override it, and its config.yaml is
 * the one read.  RICC_SYSTEM_CONFIG names another system file (for tests,
 * which must not read the machine's).  Environment variables
 * RECC_REMOTE_PLATFORM_<name> / RICC_REMOTE_PLATFORM_<name> and
 * RECC_REMOTE_ENV_<name> / RICC_REMOTE_ENV_<name> add to those maps.
 *
 * An invalid file or value is an error naming the file, line and setting
 * (or the variable): config_load() fails and ricc exits non-zero.
 *
 * Values: an empty one (RICC_SERVER=, or `server:` alone) means the default.
 * Sizes: k, M, G, T are powers of 1000, Ki, Mi, Gi, Ti powers of 1024.
 * Durations: a bare number is in the setting's unit (retry_delay in ms, as
 * recc; request_timeout, exec_timeout and remote_skip_seconds in seconds), or
 * 500ms, 2s, 5m.
 *
 * Settings (see config.c for the table and defaults):
 *   dir, max_size, log_level, log_directory, log_file, stats_log, compression,
 *   compression_level, umask, project_root, no_path_rewrite,
 *   deps_global_paths, skip_cache, action_uncacheable, disable, no_direct, comment_hits, link,
 *   hard_link, compilers, exec_tools, server, cas_server, action_cache_server, instance,
 *   cache_only, cache_upload_local_build, server_ssl, server_cert, client_cert,
 *   client_key, access_token_path, retry_limit, retry_delay, request_timeout,
 *   exec_timeout, remote_skip_seconds, remote_platform (map), remote_env (map). */
#ifndef RICC_CONFIG_H
#define RICC_CONFIG_H

#include <stdint.h>
#include <stdio.h>

/* The settings file in the cache directory.  Spelt here, the layer below the
 * store, and named again by cache/local/layout.h with the rest of RICC_DIR. */
#define CONFIG_FILE_NAME "config.yaml"

enum log_level { LOG_ERROR, LOG_WARNING, LOG_INFO, LOG_DEBUG, LOG_TRACE };

typedef struct config_kv {
    char *name;
    char *value;
} config_kv;

typedef struct config {
    char *dir;               /* RICC_DIR: $XDG_CACHE_HOME/ricc or ~/.cache/ricc, or
                                $TMPDIR/ricc-<uid> when that cannot be written (cachedir.h) */
    char *dir_note;          /* why the default was replaced (config_announce), or NULL */
    int dir_chosen;          /* dir is ricc's default, not one the user named (internal) */
    uint64_t max_size;       /* bytes; "5G", "500M", "0" = unlimited; default 5G */
    enum log_level log_level;/* error|warning|info|debug|trace; default warning */
    char *log_directory;     /* NULL: log to stderr */
    char *log_file;          /* one file every process appends to (log.h), or NULL */
    char *stats_log;         /* a file each call appends its outcome to (stats), or NULL */
    int compression;         /* store blobs compressed with zstd (store.c) */
    int compression_level;   /* zstd level for compression */
    char *umask;             /* octal umask for what ricc writes under dir, or NULL */
    char *project_root;      /* NULL: the current directory */
    int no_path_rewrite;
    int deps_global_paths;
    int skip_cache;          /* don't look up; run and store */
    int action_uncacheable;  /* look up, run, never store */
    int disable;             /* run the compiler untouched */
    int no_direct;           /* preprocessor mode only: no manifests, no depend mode */
    int comment_hits;        /* a header whose comments alone changed still hits (flow.c) */
    int link;
    int hard_link;
    char *compilers;         /* extra compiler names for the preload shim, ':'-separated */
    char *exec_tools;        /* tool names the preload shim runs as `ricc exec`, ':'-separated */
    char *server, *cas_server, *action_cache_server, *instance;
    int cache_only, cache_upload_local_build;
    int server_ssl;
    char *server_cert, *client_cert, *client_key, *access_token_path;
    int retry_limit;
    int retry_delay_ms;
    int request_timeout_s;
    int exec_timeout_s;      /* the longest wait for a remote execution; the Action's timeout */
    int remote_skip_seconds;
    config_kv *remote_platform; /* sorted by name */
    int n_remote_platform;
    config_kv *remote_env;      /* sorted by name */
    int n_remote_env;

    /* where each setting came from, for --show-config (internal) */
    struct config_origin *origins;
    char *file;              /* the strongest YAML file read, or NULL */
} config;

/* Load into *c.  Returns 0, or -1 with *err a malloc'd message such as
 * "/home/u/.cache/ricc/config.yaml:3: max_size: '12Q' is not a size". */
int config_load(config *c, char **err);
/* The same with the cache directory given (ricc -d DIR; NULL: as
 * config_load), stronger than RICC_DIR: its config.yaml is the layer read. */
int config_load_dir(config *c, const char *dir, char **err);
void config_free(config *c);

/* The user's file: $XDG_CONFIG_HOME/ricc/config.yaml, else
 * $HOME/.config/ricc/config.yaml; NULL with neither variable.  malloc'd. */
char *config_user_file(void);
/* The file ricc -M and -o write: RICC_CONFIG if set; else the cache
 * directory's config.yaml when that directory was named (RICC_DIR, -d);
 * else the user's file.  malloc'd, or NULL. */
char *config_write_target(const config *c);
/* Parse buf[0..len) as a settings file named path, on the defaults: 0, or
 * -1 with *err the message loading it would give. */
int config_check_text(const char *path, const char *buf, size_t len, char **err);
/* Check that KEY (a setting, or MAP.NAME for remote_platform/remote_env)
 * may be set to VALUE (empty: back to the default): 0, or -1 with *err the
 * message loading would give ("max_size: 'x' is not a size", or "servr:
 * unknown setting (did you mean 'server'?)"). */
int config_check_setting(const char *key, const char *value, char **err);
/* Set KEY to VALUE in the YAML file at path (made, with its directory, if
 * missing): the line `key:` (or the entry `  NAME:` under `map:`) is
 * replaced, or added at the end; every other line and comment is kept; an
 * empty VALUE removes the setting.  The result is checked as loading would
 * and then written atomically.  0, or -1 with *err. */
int config_file_set(const char *path, const char *key, const char *value, char **err);
/* Print KEY's value (or MAP.NAME's, or a map's NAME=VALUE lines) as
 * --show-config does.  0, or -1 with *err (unknown setting). */
int config_get(const config *c, const char *key, FILE *out, char **err);

/* After log_init: the one warning of a build whose default cache directory
 * could not be used (dir_note), if this process is the one to give it. */
void config_announce(const config *c);

/* Print every setting, its value and where it came from
 * ("environment RECC_SERVER", "file /etc/ricc.yaml:4", "option --dir",
 * "default"). */
void config_show(const config *c, FILE *out);

/* Parse helpers, exposed for tests.  0 or -1. */
int config_parse_size(const char *s, uint64_t *out);   /* 10, 10k, 10K, 5M, 5MB, 2G, 1T, 1.5G */
int config_parse_bool(const char *s, int *out);        /* 1/0 true/false yes/no on/off */
int config_parse_log_level(const char *s, enum log_level *out);
/* A server address as the remote client takes it: host:port (port 1-65535;
 * the host may be [IPv6]), optionally behind grpc://, http://, grpcs:// or
 * https:// and followed by one '/'; or a gRPC target unix:PATH,
 * unix-abstract:NAME, dns:, ipv4:, ipv6:.  0, or -1 with the reason in
 * why[cap]. */
int config_check_address(const char *a, char *why, size_t cap);

#endif
