/* action.c — turning a parsed compile and its dependency list into the REAPI
 * Action that is its cache key.  See action.h for what goes where and why.
 *
 * Path rewriting: with a project root R (default: the working directory),
 * input files under R are named in the input root relative to R and files
 * elsewhere by their absolute path (leading '/' dropped), and absolute
 * arguments under R become relative to the working directory.  So a
 * relative-path build (make, autotools, BuildStream) of the same sources in
 * another directory has the same key.  With no_path_rewrite everything keeps
 * its absolute name. */
#include "wrapper/action.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cache/fsutil.h"
#include "cache/log.h"
#include "cache/merkle.h"
#include "cache/reapi.h"
#include "wrapper/inputs.h"

const char *const action_env_vars[] = {
    "CPATH", "C_INCLUDE_PATH", "CPLUS_INCLUDE_PATH", "OBJC_INCLUDE_PATH",
    "OBJCPLUS_INCLUDE_PATH", "SOURCE_DATE_EPOCH", "GCC_EXEC_PREFIX", "COMPILER_PATH",
    "LIBRARY_PATH", "GCC_COMPARE_DEBUG", "GCC_COLORS", "GCC_URLS", "TERM_URLS",
    "LANG", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "LANGUAGE", "MACOSX_DEPLOYMENT_TARGET",
    "SDKROOT", NULL,
};

char *action_relpath(const char *to, const char *from)
{
    /* Longest common prefix ending at a component boundary. */
    size_t common = 0, i = 0;
    for (; to[i] && from[i] && to[i] == from[i]; i++)
        if (to[i] == '/')
            common = i;
    if ((!to[i] || to[i] == '/') && !from[i])
        common = i;
    else if (!to[i] && from[i] == '/')
        common = i;
    int ups = 0;
    for (const char *p = from + common; *p; p++)
        if (*p == '/' && p[1])
            ups++;
    const char *rest = to + common;
    while (*rest == '/')
        rest++;
    size_t len = (size_t)ups * 3 + strlen(rest) + 2;
    char *out = malloc(len);
    if (!out)
        return NULL;
    out[0] = '\0';
    for (int u = 0; u < ups; u++)
        strcat(out, "../");
    strcat(out, rest);
    size_t n = strlen(out);
    if (n == 0)
        strcpy(out, ".");
    else if (out[n - 1] == '/')
        out[n - 1] = '\0';
    return out;
}

typedef struct ctx {
    const action_inputs *in;
    const char *root;      /* R, or NULL when not rewriting */
    int rewrote_abs;       /* an absolute argument under R was rewritten */
    unsigned input_flags;  /* union of inputs.h flags over every input */
} ctx;

/* The key's spelling of a path argument. malloc'd. */
static char *key_path(ctx *c, const char *p)
{
    if (!c->root || p[0] != '/')
        return strdup(p);
    char *abs = path_normalize(p);
    char *rel = abs ? path_relative_to(abs, c->root) : NULL;
    char *out = NULL;
    if (rel) {
        out = action_relpath(abs, c->in->cwd);
        c->rewrote_abs = 1;
    }
    free(rel);
    if (!out)
        out = abs ? abs : strdup(p);
    else
        free(abs);
    return out;
}

/* The input root's name for a file the compile reads. malloc'd. */
static char *tree_path(ctx *c, const char *dep)
{
    char *abs = path_absolute(dep, c->in->cwd);
    if (!abs)
        return NULL;
    char *rel = c->root ? path_relative_to(abs, c->root) : NULL;
    if (rel && rel[0]) {
        free(abs);
        return rel;
    }
    free(rel);
    char *out = strdup(abs + 1);
    free(abs);
    return out;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_env(const void *a, const void *b)
{
    return strcmp((*(reapi_env_var *const *)a)->name, (*(reapi_env_var *const *)b)->name);
}

/* Is dir equal to or below prefix (path-component-wise)? */
static int path_has_prefix(const char *dir, const char *prefix)
{
    size_t n = strlen(prefix);
    while (n > 1 && prefix[n - 1] == '/')
        n--;
    return strncmp(dir, prefix, n) == 0 && (dir[n] == '\0' || dir[n] == '/' || n == 1);
}

/* Does the output record the working directory in a way no prefix map hides? */
static int needs_cwd(const compile_cmd *cmd, const char *cwd)
{
    if (!cmd->cwd_sensitive)
        return 0;
    /* Coverage notes and profile-arcs data paths ignore prefix maps. */
    for (int i = 0; i < cmd->n_outputs; i++)
        if (cmd->outputs[i].kind == OUT_GCNO)
            return 1;
    for (int i = 1; i < cmd->argc; i++)
        if (!strcmp(cmd->argv[i], "-fprofile-arcs") || !strcmp(cmd->argv[i], "--coverage"))
            return 1;
    for (int i = 0; i < cmd->n_prefix_maps; i++)
        if (path_has_prefix(cwd, cmd->prefix_maps[i]))
            return 0;
    return 1;
}

typedef struct strbuf {
    char *p;
    size_t len;
} strbuf;

static int sb_add(strbuf *s, const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *p = realloc(s->p, s->len + la + lb + 2);
    if (!p)
        return -1;
    s->p = p;
    memcpy(p + s->len, a, la);
    memcpy(p + s->len + la, b, lb);
    s->len += la + lb;
    p[s->len++] = '\n';
    p[s->len] = '\0';
    return 0;
}

static int64_t stat_ns(struct timespec t)
{
    return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int build_tree(ctx *c, action_key *out, const char **why)
{
    digest *root = &out->input_root;
    free(out->dep_digests);
    free(out->dep_flags);
    out->dep_digests = calloc((size_t)c->in->n_deps + 1, sizeof *out->dep_digests);
    out->dep_flags = calloc((size_t)c->in->n_deps + 1, sizeof *out->dep_flags);
    if (!out->dep_digests || !out->dep_flags) {
        *why = "out of memory";
        return -1;
    }
    merkle_tree *t = merkle_new();
    if (!t) {
        *why = "out of memory";
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < c->in->n_deps && rc == 0; i++) {
        const char *dep = c->in->deps[i];
        struct stat st;
        digest d;
        unsigned flags = 0;
        if (input_digest(dep, &st, &d, &flags) != 0) {
            LOG_D("cannot read input %s: %s", dep, strerror(errno));
            *why = "an input file cannot be read";
            rc = -1;
            break;
        }
        char *name = tree_path(c, dep);
        if (!name) {
            *why = "out of memory";
            rc = -1;
            break;
        }
        c->input_flags |= flags;
        out->dep_digests[i] = d;
        out->dep_flags[i] = flags;
        int64_t changed = action_stamp_ns(&st);
        if (changed > out->newest_input_ns)
            out->newest_input_ns = changed;
        const char *mwhy = NULL;
        if (merkle_add_file(t, name, &d, (st.st_mode & S_IXUSR) != 0, &mwhy) != 0) {
            LOG_D("input %s as %s: %s", dep, name, mwhy ? mwhy : "?");
            *why = "two inputs map to the same input-root path";
            rc = -1;
        }
        free(name);
    }
    if (rc == 0 && merkle_finish(t, root, NULL, NULL) != 0) {
        *why = "out of memory";
        rc = -1;
    }
    merkle_free(t);
    return rc;
}

int action_prepare(const action_inputs *in, action_key *out, const char **why)
{
    const compile_cmd *cmd = in->cmd;
    const config *cfg = in->cfg;
    ctx c = {.in = in};
    char *root_abs = NULL;
    memset(out, 0, sizeof *out);
    *why = "out of memory";

    if (!cfg->no_path_rewrite) {
        root_abs = cfg->project_root ? path_absolute(cfg->project_root, in->cwd)
                                     : strdup(in->cwd);
        if (!root_abs)
            return -1;
        c.root = root_abs;
    }

    reapi_command command = REAPI_COMMAND_INIT;
    reapi_platform platform = REAPI_PLATFORM_INIT;
    char **args = calloc((size_t)cmd->argc + 1, sizeof *args);
    char **outs = calloc((size_t)cmd->n_outputs + 1, sizeof *outs);
    char **sorted_outs = calloc((size_t)cmd->n_outputs + 1, sizeof *sorted_outs);
    size_t n_env_max = sizeof action_env_vars / sizeof *action_env_vars + (size_t)cfg->n_remote_env;
    reapi_env_var *envs = calloc(n_env_max, sizeof *envs);
    reapi_env_var **env_ptrs = calloc(n_env_max, sizeof *env_ptrs);
    reapi_property *props = calloc((size_t)cfg->n_remote_platform + 1, sizeof *props);
    reapi_property **prop_ptrs = calloc((size_t)cfg->n_remote_platform + 1, sizeof *prop_ptrs);
    strbuf salt = {0};
    int rc = -1;
    if (!args || !outs || !sorted_outs || !envs || !env_ptrs || !props || !prop_ptrs)
        goto done;

    /* Arguments, with path rewriting. */
    for (int i = 0; i < cmd->argc; i++) {
        int off = cmd->path_off ? cmd->path_off[i] : -1;
        if (off < 0) {
            args[i] = strdup(cmd->argv[i]);
        } else {
            char *p = key_path(&c, cmd->argv[i] + off);
            args[i] = p ? malloc((size_t)off + strlen(p) + 1) : NULL;
            if (args[i]) {
                memcpy(args[i], cmd->argv[i], (size_t)off);
                strcpy(args[i] + off, p);
            }
            free(p);
        }
        if (!args[i])
            goto done;
    }
    command.n_arguments = (size_t)cmd->argc;
    command.arguments = args;

    /* Outputs. */
    for (int i = 0; i < cmd->n_outputs; i++) {
        if (!(outs[i] = key_path(&c, cmd->outputs[i].path)))
            goto done;
        sorted_outs[i] = outs[i];
    }
    qsort(sorted_outs, (size_t)cmd->n_outputs, sizeof *sorted_outs, cmp_str);
    command.n_output_files = command.n_output_paths = (size_t)cmd->n_outputs;
    command.output_files = command.output_paths = sorted_outs;

    /* Environment: what the compiler reads, then remote_env settings. */
    size_t ne = 0;
    for (const char *const *v = action_env_vars; *v; v++) {
        const char *val = getenv(*v);
        if (!val)
            continue;
        reapi_env_var init = REAPI_ENV_VAR_INIT;
        envs[ne] = init;
        envs[ne].name = (char *)*v;
        envs[ne].value = (char *)val;
        env_ptrs[ne] = &envs[ne];
        ne++;
    }
    for (int i = 0; i < cfg->n_remote_env; i++) {
        int dup = 0;
        for (size_t j = 0; j < ne; j++)
            dup |= !strcmp(envs[j].name, cfg->remote_env[i].name);
        if (dup)
            continue;
        reapi_env_var init = REAPI_ENV_VAR_INIT;
        envs[ne] = init;
        envs[ne].name = cfg->remote_env[i].name;
        envs[ne].value = cfg->remote_env[i].value;
        env_ptrs[ne] = &envs[ne];
        ne++;
    }
    qsort(env_ptrs, ne, sizeof *env_ptrs, cmp_env);
    command.n_environment_variables = ne;
    command.environment_variables = env_ptrs;

    /* Platform: the remote_platform settings, sorted by name (config keeps
     * them sorted).  An invalid chrootRootDigest stays in as given, so it
     * can never match an entry made under a valid one. */
    for (int i = 0; i < cfg->n_remote_platform; i++) {
        reapi_property init = REAPI_PROPERTY_INIT;
        props[i] = init;
        props[i].name = cfg->remote_platform[i].name;
        props[i].value = cfg->remote_platform[i].value;
        prop_ptrs[i] = &props[i];
    }
    platform.n_properties = (size_t)cfg->n_remote_platform;
    platform.properties = prop_ptrs;
    if (platform.n_properties)
        command.platform = &platform;

    /* Working directory, relative to the root of the input tree. */
    char *wd = NULL;
    if (c.root)
        wd = path_relative_to(in->cwd, c.root);
    if (!wd)
        wd = strdup(in->cwd + 1);
    if (!wd)
        goto done;
    command.working_directory = wd;

    out->command_blob = reapi_pack(&command.base, &out->command_len, &out->command);
    free(wd);
    if (!out->command_blob)
        goto done;

    /* Salt: what the Command and tree cannot say. */
    if (sb_add(&salt, "ricc-key-1", ""))
        goto done;
    if (!in->toolchain && in->compiler_id && sb_add(&salt, "compiler=", in->compiler_id->hash))
        goto done;
    if (needs_cwd(cmd, in->cwd)) {
        const char *pwd = getenv("PWD");
        if (sb_add(&salt, "cwd=", in->cwd) || sb_add(&salt, "pwd=", pwd ? pwd : ""))
            goto done;
    }
    if (c.rewrote_abs && sb_add(&salt, "root=", c.root))
        goto done;
    out->salt_base = salt.p;
    out->salt_base_len = salt.len;
    salt.p = NULL;
    out->root = root_abs;
    root_abs = NULL;
    out->rewrote_abs = c.rewrote_abs;

    out->output_paths = outs;
    out->n_outputs = cmd->n_outputs;
    outs = NULL;
    rc = 0;

done:
    if (args)
        for (int i = 0; i < cmd->argc; i++)
            free(args[i]);
    free(args);
    if (outs)
        for (int i = 0; i < cmd->n_outputs; i++)
            free(outs[i]);
    free(outs);
    free(sorted_outs);
    free(envs);
    free(env_ptrs);
    free(props);
    free(prop_ptrs);
    free(salt.p);
    free(root_abs);
    if (rc != 0)
        action_key_free(out);
    return rc;
}

/* The second half: the input root from the dependency list, the clock, and
 * the Action itself. */
int action_finish(const action_inputs *in, action_key *out, const char **why)
{
    const config *cfg = in->cfg;
    ctx c = {.in = in, .root = out->root, .rewrote_abs = out->rewrote_abs};
    if (build_tree(&c, out, why) != 0)
        return -1;
    out->input_flags = c.input_flags;
    *why = "out of memory";
    strbuf salt = {0};
    reapi_property *props = calloc((size_t)cfg->n_remote_platform + 1, sizeof *props);
    reapi_property **prop_ptrs = calloc((size_t)cfg->n_remote_platform + 1, sizeof *prop_ptrs);
    int rc = -1;
    if (!props || !prop_ptrs)
        goto done;
    salt.p = malloc(out->salt_base_len + 1);
    if (!salt.p)
        goto done;
    memcpy(salt.p, out->salt_base, out->salt_base_len + 1);
    salt.len = out->salt_base_len;
    /* The clock reaches the output through __TIME__/__DATE__ unless
     * SOURCE_DATE_EPOCH (in the Command's environment) pins it. */
    if (!getenv("SOURCE_DATE_EPOCH")) {
        if (c.input_flags & INPUT_USES_TIME) {
            *why = "an input uses __TIME__ or __TIMESTAMP__";
            goto done;
        }
        if (c.input_flags & INPUT_USES_DATE) {
            time_t now = time(NULL);
            struct tm tm;
            strftime(out->date, sizeof out->date, "%Y-%m-%d", localtime_r(&now, &tm));
            if (sb_add(&salt, "date=", out->date))
                goto done;
        }
    }

    reapi_platform platform = REAPI_PLATFORM_INIT;
    for (int i = 0; i < cfg->n_remote_platform; i++) {
        reapi_property init = REAPI_PROPERTY_INIT;
        props[i] = init;
        props[i].name = cfg->remote_platform[i].name;
        props[i].value = cfg->remote_platform[i].value;
        prop_ptrs[i] = &props[i];
    }
    platform.n_properties = (size_t)cfg->n_remote_platform;
    platform.properties = prop_ptrs;

    reapi_action action = REAPI_ACTION_INIT;
    reapi_digest cmd_d, root_d;
    reapi_digest_ref(&cmd_d, &out->command);
    reapi_digest_ref(&root_d, &out->input_root);
    action.command_digest = &cmd_d;
    action.input_root_digest = &root_d;
    action.salt.data = (uint8_t *)salt.p;
    action.salt.len = salt.len;
    if (platform.n_properties)
        action.platform = &platform;
    free(out->action_blob);
    out->action_blob = reapi_pack(&action.base, &out->action_len, &out->action);
    if (out->action_blob)
        rc = 0;
done:
    free(salt.p);
    free(props);
    free(prop_ptrs);
    return rc;
}

int action_build(const action_inputs *in, action_key *out, const char **why)
{
    if (action_prepare(in, out, why) != 0)
        return -1;
    if (action_finish(in, out, why) != 0) {
        action_key_free(out);
        return -1;
    }
    return 0;
}

int64_t action_clock_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return stat_ns(t);
}

static int64_t coarse_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME_COARSE, &t);
    return stat_ns(t);
}

int64_t action_clock_pass(int64_t t0)
{
    /* The coarse clock passes t0 at the first tick after it: sleep until
     * about then, then in short steps.  Most misses spend part of the tick
     * on their own work first, and sleep less or not at all.  A clock that
     * does not move within a few ticks (stepped back) is not waited for:
     * the stricter bound covers it. */
    struct timespec res;
    if (clock_getres(CLOCK_REALTIME_COARSE, &res) != 0 || res.tv_sec > 0)
        return t0 - ACTION_CLOCK_SLACK_NS;
    for (int i = 0; i < 64; i++) {
        if (coarse_ns() > t0)
            return t0;
        int64_t left = coarse_ns() + stat_ns(res) - action_clock_ns();
        if (left < 50000)
            left = 50000;
        if (left > stat_ns(res))
            left = stat_ns(res);
        struct timespec nap = {0, (long)left};
        nanosleep(&nap, NULL);
    }
    return t0 - ACTION_CLOCK_SLACK_NS;
}

int64_t action_stamp_ns(const struct stat *st)
{
    int64_t m = stat_ns(st->st_mtim), c = stat_ns(st->st_ctim);
    return m > c ? m : c;
}

int action_toolchain_digest(const config *cfg, digest *out)
{
    for (int i = 0; i < cfg->n_remote_platform; i++) {
        if (strcmp(cfg->remote_platform[i].name, "chrootRootDigest") != 0)
            continue;
        const char *why;
        if (digest_parse(cfg->remote_platform[i].value, out, &why) == 0)
            return 1;
        LOG_W("ignoring RECC_REMOTE_PLATFORM_chrootRootDigest='%s': %s; "
              "keying on the compiler's content instead",
              cfg->remote_platform[i].value, why);
        return 0;
    }
    return 0;
}

int action_salt_append(action_key *k, const char *name, const char *value)
{
    strbuf sb = {k->salt_base, k->salt_base_len};
    if (sb_add(&sb, name, value ? value : "(none)") != 0)
        return -1;
    k->salt_base = sb.p;
    k->salt_base_len = sb.len;
    return 0;
}

void action_manifest_key(const action_key *k, const digest *source, digest *out)
{
    digest_ctx *c = digest_ctx_new();
    if (!c) {
        digest_str("", out);
        return;
    }
    /* The key names the manifest format (manifest.c's MAGIC): clients of
     * two formats sharing a cache then keep apart instead of replacing each
     * other's manifests with ones the other cannot read. */
    digest_ctx_update(c, "ricc-manifest-3\n", 16);
    digest_ctx_update(c, k->command.hash, DIGEST_HEX_LEN);
    digest_ctx_update(c, k->salt_base, k->salt_base_len);
    digest_ctx_update(c, source->hash, DIGEST_HEX_LEN);
    digest_ctx_final(c, out);
}

void action_key_free(action_key *k)
{
    free(k->salt_base);
    free(k->root);
    free(k->dep_digests);
    free(k->dep_flags);
    if (k->output_paths)
        for (int i = 0; i < k->n_outputs; i++)
            free(k->output_paths[i]);
    free(k->output_paths);
    free(k->command_blob);
    free(k->action_blob);
    memset(k, 0, sizeof *k);
}
