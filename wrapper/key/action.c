/* SPDX-License-Identifier: Apache-2.0 */
/* action.c — turning a parsed compile and its dependency list into the REAPI
 * Action that is its cache key.  See action.h for what goes where and why.
 *
 * Path rewriting: with a project root R (default: the working directory),
 * input files under the base B (keybase.h: the checkout's directory, within
 * R) are named in the input root relative to B and files elsewhere by their
 * absolute path (leading '/' dropped), the working directory is relative to
 * B, and absolute arguments under R become relative to the working directory
 * (the old prefix of a -f*-prefix-map= too).  So the same sources built in
 * another directory, with relative paths (make, autotools, BuildStream) or
 * absolute ones (CMake), have the same key.  With no_path_rewrite everything
 * keeps its absolute name. */
#include "wrapper/key/action.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cache/util/fsutil.h"
#include "cache/util/log.h"
#include "cache/reapi/merkle.h"
#include "cache/reapi/reapi.h"
#include "wrapper/compiler/inputs.h"

const char *const action_env_vars[] = {
    "CPATH", "C_INCLUDE_PATH", "CPLUS_INCLUDE_PATH", "OBJC_INCLUDE_PATH",
    "OBJCPLUS_INCLUDE_PATH", "SOURCE_DATE_EPOCH", "GCC_EXEC_PREFIX", "COMPILER_PATH",
    "LIBRARY_PATH", "GCC_COMPARE_DEBUG", "GCC_COLORS", "GCC_URLS", "TERM_URLS",
    "LANG", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "LANGUAGE", "MACOSX_DEPLOYMENT_TARGET",
    "SDKROOT", "CCC_OVERRIDE_OPTIONS", NULL,
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
    const char *base;      /* B (keybase.h), or NULL when not rewriting */
    int rewrote_abs;       /* absolute arguments under R rewritten so far */
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
        c->rewrote_abs++;
    }
    free(rel);
    if (!out)
        out = abs ? abs : strdup(p);
    else
        free(abs);
    return out;
}

/* The key's spelling of a prefix map "-f…-prefix-map=OLD=NEW": OLD as a
 * path argument (NEW is what the output records: kept as it is).  NULL
 * when arg is not one.  malloc'd. */
static char *key_prefix_map(ctx *c, const char *arg)
{
    static const char *const opts[] = {"-fdebug-prefix-map=", "-ffile-prefix-map=",
                                       "-fmacro-prefix-map=", "-fprofile-prefix-map=", NULL};
    for (const char *const *o = opts; *o; o++) {
        size_t n = strlen(*o);
        const char *eq = strncmp(arg, *o, n) ? NULL : strchr(arg + n, '=');
        if (!eq || arg[n] != '/')
            continue;
        char *old = strndup(arg + n, (size_t)(eq - arg) - n);
        char *k = old ? key_path(c, old) : NULL;
        char *out = k ? malloc(n + strlen(k) + strlen(eq) + 1) : NULL;
        if (out)
            sprintf(out, "%.*s%s%s", (int)n, arg, k, eq);
        free(old);
        free(k);
        return out;
    }
    return NULL;
}

char *action_tree_path(const char *base, const char *dep, const char *cwd)
{
    char *abs = path_absolute(dep, cwd);
    if (!abs)
        return NULL;
    char *rel = base ? path_relative_to(abs, base) : NULL;
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
    /* gcc's LTO objects hold the directory whatever the maps say (and no
     * scan of them can tell: the sections are compressed). */
    int lto = 0;
    for (int i = 1; i < cmd->argc; i++) {
        const char *a = cmd->argv[i];
        if (!strcmp(a, "-flto") || !strncmp(a, "-flto=", 6))
            lto = strcmp(a, "-flto=none") != 0;
        else if (!strcmp(a, "-fno-lto"))
            lto = 0;
    }
    if (lto)
        return 1;
    if (!cmd->cwd_sensitive)
        return 0;
    /* Coverage notes and profile-arcs data paths ignore prefix maps. */
    if (compile_cmd_output(cmd, OUT_GCNO))
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
        char *name = action_tree_path(c->base, dep, c->in->cwd);
        if (!name) {
            *why = "out of memory";
            rc = -1;
            break;
        }
        if (i >= c->in->n_deps - c->in->n_unscanned)
            flags = 0;
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

/* The key's spelling of argument i: with canonical names, the -o and -MF
 * names are the canonical ones and -MT/-MQ are left out (NULL, *skip set);
 * path arguments under the root relative; prefix maps with OLD so too.
 * malloc'd, or NULL (out of memory, unless *skip). */
static char *key_arg(ctx *c, const keybase *kb, int i, int *skip)
{
    const compile_cmd *cmd = c->in->cmd;
    const char *a = cmd->argv[i];
    char role = cmd->name_role ? cmd->name_role[i] : 0;
    *skip = 0;
    if (kb->canon && role) {
        if (role == 'M' || role == 'T' || role == 'Q') {
            *skip = 1;
            return NULL;
        }
        const char *name = keybase_canonical_name(role == 'F' ? OUT_DEPFILE : cmd->outputs[0].kind);
        int off = cmd->name_off[i];
        char *out = malloc((size_t)off + strlen(name) + 1);
        if (out)
            sprintf(out, "%.*s%s", off, a, name);
        return out;
    }
    int off = cmd->path_off ? cmd->path_off[i] : -1;
    if (off < 0) {
        char *m = c->root ? key_prefix_map(c, a) : NULL;
        return m ? m : strdup(a);
    }
    char *p = key_path(c, a + off);
    char *out = p ? malloc((size_t)off + strlen(p) + 1) : NULL;
    if (out) {
        memcpy(out, a, (size_t)off);
        strcpy(out + off, p);
    }
    free(p);
    return out;
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
    keybase *kb = &out->kb;
    if (keybase_decide(kb, cmd, in->cwd, root_abs, in->compile, in->depfile_gcc) != 0) {
        free(root_abs);
        keybase_free(kb);
        return -1;
    }
    c.base = kb->base;

    reapi_command command = REAPI_COMMAND_INIT;
    reapi_platform platform = REAPI_PLATFORM_INIT;
    char **args = calloc((size_t)cmd->argc + 3, sizeof *args);
    char **outs = calloc((size_t)cmd->n_outputs + 1, sizeof *outs);
    char **sorted_outs = calloc((size_t)cmd->n_outputs + 1, sizeof *sorted_outs);
    size_t n_env_max = sizeof action_env_vars / sizeof *action_env_vars + (size_t)cfg->n_remote_env;
    reapi_env_var *envs = calloc(n_env_max, sizeof *envs);
    reapi_env_var **env_ptrs = calloc(n_env_max, sizeof *env_ptrs);
    reapi_property *props = calloc((size_t)cfg->n_remote_platform + 1, sizeof *props);
    reapi_property **prop_ptrs = calloc((size_t)cfg->n_remote_platform + 1, sizeof *prop_ptrs);
    strbuf salt = {0}, abs_args = {0};
    int rc = -1;
    if (!args || !outs || !sorted_outs || !envs || !env_ptrs || !props || !prop_ptrs)
        goto done;

    /* Arguments, with path rewriting; with canonical names, the targets of
     * the dependency file are one "\x02" (relocate.h), given last.  Which
     * arguments were absolute goes into the salt: -Iinc and -I$PWD/inc
     * have one spelling in the Command, and outputs (dependency files,
     * __FILE__, messages) that differ. */
    int na = 0;
    for (int i = 0; i < cmd->argc; i++) {
        int skip, before = c.rewrote_abs;
        args[na] = key_arg(&c, kb, i, &skip);
        if (skip)
            continue;
        if (!args[na++])
            goto done;
        char num[16];
        snprintf(num, sizeof num, "%d", na - 1);
        if (c.rewrote_abs != before && sb_add(&abs_args, "absolute-arg=", num))
            goto done;
    }
    if (kb->dep_targets && (!(args[na++] = strdup("-MT")) || !(args[na++] = strdup("\x02"))))
        goto done;
    command.n_arguments = (size_t)na;
    command.arguments = args;

    /* Outputs. */
    for (int i = 0; i < cmd->n_outputs; i++) {
        outs[i] = kb->canon ? strdup(keybase_canonical_name(cmd->outputs[i].kind))
                            : key_path(&c, cmd->outputs[i].path);
        if (!outs[i])
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
    if (c.base)
        wd = path_relative_to(in->cwd, c.base);
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
    if (sb_add(&salt, "ricc-key-3", ""))
        goto done;
    if (!in->toolchain && in->compiler_id && sb_add(&salt, "compiler=", in->compiler_id->hash))
        goto done;
    if (needs_cwd(cmd, in->cwd)) {
        const char *pwd = getenv("PWD");
        if (sb_add(&salt, "cwd=", in->cwd) || sb_add(&salt, "pwd=", pwd ? pwd : ""))
            goto done;
    }
    if (abs_args.p && sb_add(&salt, abs_args.p, ""))
        goto done;
    /* The base, where the output may record it (keybase.h); for what is
     * not relocated (ar, a link), whenever an absolute path was rewritten. */
    out->base_salted = kb->relocate ? kb->salt_base : c.rewrote_abs;
    if (out->base_salted && sb_add(&salt, "base=", c.base))
        goto done;
    out->salt_base = salt.p;
    out->salt_base_len = salt.len;
    salt.p = NULL;

    out->output_paths = outs;
    out->n_outputs = cmd->n_outputs;
    outs = NULL;
    rc = 0;

done:
    if (args)
        for (int i = 0; i < cmd->argc + 2; i++)
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
    free(abs_args.p);
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
    ctx c = {.in = in, .base = out->kb.base};
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
    /* __FILE__ with an absolute path under the base (keybase.h). */
    out->late_base = !out->base_salted && out->kb.relocate &&
                     (in->base_seen || keybase_file_macros_record(&out->kb, c.input_flags));
    if (out->late_base && sb_add(&salt, "base=", out->kb.base))
        goto done;
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
    Google__Protobuf__Duration timeout;
    reapi_action_timeout(&action, &timeout, cfg->exec_timeout_s);
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
    digest_ctx_update(c, "ricc-manifest-5\n", 16);
    digest_ctx_update(c, k->command.hash, DIGEST_HEX_LEN);
    digest_ctx_update(c, k->salt_base, k->salt_base_len);
    digest_ctx_update(c, source->hash, DIGEST_HEX_LEN);
    digest_ctx_final(c, out);
}

void action_key_free(action_key *k)
{
    keybase_free(&k->kb);
    free(k->salt_base);
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
