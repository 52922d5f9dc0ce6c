/* SPDX-License-Identifier: Apache-2.0 */
/* keybase.c — the base directory and the output names a compile's key may
 * leave out.  See keybase.h for the rules and why. */
#include "wrapper/key/keybase.h"

#include <stdlib.h>
#include <string.h>

#include "cache/util/fsutil.h"
#include "wrapper/compiler/inputs.h"
#include "wrapper/key/relocate.h"

/* Is dir equal to or below prefix (component-wise)?  Both normalized. */
static int under(const char *dir, const char *prefix)
{
    size_t n = strlen(prefix);
    while (n > 1 && prefix[n - 1] == '/')
        n--;
    return strncmp(dir, prefix, n) == 0 && (dir[n] == '\0' || dir[n] == '/' || n == 1);
}

/* Cut the directory b back to its longest common ancestor with p. */
static void cut_to_common(char *b, const char *p)
{
    size_t last = 0, i = 0;
    for (; b[i] && p[i] && b[i] == p[i]; i++)
        if (b[i] == '/')
            last = i;
    if (!b[i] && (!p[i] || p[i] == '/'))
        return; /* p is b or below it */
    if (!p[i] && b[i] == '/' && i > 0) {
        b[i] = '\0'; /* p is above b */
        return;
    }
    b[last ? last : 1] = '\0';
}

/* Characters a base may have for its markers to be found again: none that a
 * dependency file, a JSON message or a shell-quoted line would escape. */
static int safe_base(const char *b)
{
    if (!strcmp(b, "/"))
        return 0;
    for (const char *p = b; *p; p++)
        if (!strchr("/._+@~,%=-", *p) && !(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
            !(*p >= '0' && *p <= '9'))
            return 0;
    return 1;
}

static int has_arg(const compile_cmd *cmd, const char *prefix, int whole)
{
    size_t n = strlen(prefix);
    for (int i = 1; i < cmd->argc; i++)
        if (whole ? !strcmp(cmd->argv[i], prefix) : !strncmp(cmd->argv[i], prefix, n))
            return 1;
    return 0;
}

/* Is the path as spelled hidden by one of the prefix maps whose option
 * names are listed?  gcc compares the spelling, a plain string prefix. */
static int mapped(const compile_cmd *cmd, const char *path, const char *const *opts)
{
    for (int i = 1; i < cmd->argc; i++)
        for (const char *const *o = opts; *o; o++) {
            size_t n = strlen(*o);
            const char *a = cmd->argv[i];
            if (strncmp(a, *o, n) != 0)
                continue;
            const char *old = a + n, *eq = strchr(old, '=');
            if (eq && eq > old && !strncmp(path, old, (size_t)(eq - old)))
                return 1;
        }
    return 0;
}

/* Is every absolute argument under the root hidden by those maps? */
static int abs_args_mapped(const compile_cmd *cmd, const char *root, const char *const *opts)
{
    for (int i = 1; i < cmd->argc; i++) {
        int off = cmd->path_off ? cmd->path_off[i] : -1;
        const char *v = off >= 0 ? cmd->argv[i] + off : NULL;
        if (!v || v[0] != '/' || (cmd->name_role && cmd->name_role[i]))
            continue; /* output names reach no output (names_matter says when they do) */
        char *norm = path_normalize(v);
        int in_root = norm && under(norm, root);
        free(norm);
        if (in_root && !mapped(cmd, v, opts))
            return 0;
    }
    return 1;
}

static const char *const DEBUG_MAPS[] = {"-fdebug-prefix-map=", "-ffile-prefix-map=", NULL};
static const char *const FILE_MAPS[] = {"-ffile-prefix-map=", NULL};
static const char *const MACRO_MAPS[] = {"-fmacro-prefix-map=", "-ffile-prefix-map=", NULL};

/* The deepest directory under root holding cwd and every path the command
 * names under root.  malloc'd. */
static char *find_base(const compile_cmd *cmd, const char *cwd, const char *root, int *rewrote)
{
    if (!under(cwd, root))
        return strdup(root);
    char *b = strdup(cwd);
    for (int i = 1; b && i < cmd->argc; i++) {
        int off = cmd->path_off ? cmd->path_off[i] : -1;
        const char *v = off >= 0 ? cmd->argv[i] + off : NULL;
        if (!v || !*v)
            continue;
        char *abs = path_absolute(v, cwd);
        if (!abs) {
            free(b);
            return NULL;
        }
        if (under(abs, root)) {
            cut_to_common(b, abs);
            *rewrote |= v[0] == '/';
        }
        free(abs);
    }
    return b;
}

const char *keybase_canonical_name(int kind)
{
    switch (kind) {
    case OUT_ASM: return "ricc.s";
    case OUT_DEPFILE: return "ricc.d";
    case OUT_SU: return "ricc.su";
    default: return "ricc.o";
    }
}

/* gcc's targets for this call's dependency file, as it spells them (gcc 12,
 * relocate.h): the -MT ones in order, as given less a leading "./"; then the
 * -MQ ones quoted for make, rotated left by the number of -MT ones (modulo
 * their own number); with neither, the driver passes -MQ with the -o name,
 * or cpp takes the source's base name with ".o".  (relocate_dep_store checks
 * the file gcc wrote against this list, so a rule misread here costs
 * caching, never a wrong dependency file.) */
static char **targets_of(const compile_cmd *cmd)
{
    char **t = calloc((size_t)cmd->argc + 2, sizeof *t);
    int *mq = calloc((size_t)cmd->argc + 1, sizeof *mq);
    int n = 0, n_mq = 0;
    for (int i = 1; t && mq && i < cmd->argc; i++) {
        if (cmd->name_role[i] == 'Q')
            mq[n_mq++] = i;
        if (cmd->name_role[i] != 'T')
            continue;
        const char *v = cmd->argv[i] + cmd->name_off[i];
        while (v[0] == '.' && v[1] == '/')
            for (v += 2; *v == '/'; v++)
                ;
        if (!(t[n++] = strdup(v)))
            goto fail;
    }
    if (!mq)
        goto fail;
    for (int k = 0, n_mt = n; t && k < n_mq; k++) {
        int i = mq[(k + n_mt) % n_mq];
        if (!(t[n++] = relocate_make_quote(cmd->argv[i] + cmd->name_off[i])))
            goto fail;
    }
    free(mq);
    mq = NULL;
    if (t && n == 0) {
        int has_o = 0;
        for (int i = 1; i < cmd->argc; i++)
            has_o |= cmd->name_role[i] == 'o';
        char *name = NULL;
        if (has_o) {
            name = strdup(cmd->outputs[0].path);
        } else {
            const char *s = strrchr(cmd->source, '/');
            s = s ? s + 1 : cmd->source;
            const char *dot = strrchr(s, '.');
            size_t k = dot ? (size_t)(dot - s) : strlen(s);
            if ((name = malloc(k + 3))) {
                memcpy(name, s, k);
                memcpy(name + k, ".o", 3);
            }
        }
        t[n] = name ? relocate_make_quote(name) : NULL;
        free(name);
        if (!t[n++])
            goto fail;
    }
    return t;
fail:
    for (int i = 0; t && t[i]; i++)
        free(t[i]);
    free(t);
    free(mq);
    return NULL;
}

int keybase_decide(keybase *kb, const compile_cmd *cmd, const char *cwd, const char *root,
                   int compile, int depfile_gcc)
{
    memset(kb, 0, sizeof *kb);
    if (!root)
        return 0;
    if (!(kb->base = find_base(cmd, cwd, root, &kb->rewrote_abs)))
        return -1;
    int depfile = compile_cmd_output(cmd, OUT_DEPFILE) != NULL;
    int records_switches = has_arg(cmd, "-frecord-gcc-switches", 1) ||
                           has_arg(cmd, "-fverbose-asm", 1);
    kb->relocate = compile && safe_base(kb->base) && (!depfile || depfile_gcc);
    kb->macros_hidden = abs_args_mapped(cmd, root, MACRO_MAPS);
    if (kb->rewrote_abs)
        kb->salt_base = !kb->relocate || records_switches || has_arg(cmd, "-flto", 0) ||
                        (cmd->cwd_sensitive && !abs_args_mapped(cmd, root, DEBUG_MAPS)) ||
                        (has_arg(cmd, "-fsanitize=", 0) && !abs_args_mapped(cmd, root, FILE_MAPS));
    kb->canon = kb->relocate && !cmd->names_matter && !records_switches;
    if (kb->canon && depfile && !(kb->dep_targets = targets_of(cmd)))
        return -1;
    return 0;
}

int keybase_file_macros_record(const keybase *kb, unsigned input_flags)
{
    return kb->rewrote_abs && !kb->macros_hidden && (input_flags & INPUT_USES_FILE);
}

void keybase_free(keybase *kb)
{
    free(kb->base);
    for (int i = 0; kb->dep_targets && kb->dep_targets[i]; i++)
        free(kb->dep_targets[i]);
    free(kb->dep_targets);
    memset(kb, 0, sizeof *kb);
}
