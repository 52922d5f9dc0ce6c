/* SPDX-License-Identifier: Apache-2.0 */
/* compiler.c — the gcc/clang command-line model (see compiler.h).
 *
 * A cached result is only right if ricc knows every file the compile reads
 * and every file it writes.  Reads are found by the dependency scan
 * (dep_argv, "-M"); writes are worked out here from the options.  So the
 * parser is strict: each argument is looked up in the option table
 * (compiler_opts.c), and anything unknown, or known to touch files ricc
 * cannot see, makes the command uncacheable and it runs untouched.
 *
 * One pass over the (response-file expanded) arguments records, per
 * argument, whether it holds a path (path_off) and whether the dependency
 * scan must drop or rewrite it; the outputs are derived at the end, since
 * their names depend on options that may come in any order.
 *
 * Output names follow what gcc 12 and clang 14 were seen to write
 * (tests/unit/test_compiler.c checks them against the real compilers):
 *   object:   -o X, else basename(source) with its suffix replaced by .o/.s;
 *   .d:       -MF X, else the object path with its suffix replaced (or
 *             ".d" appended when it has none); -Wp,-MD,X names it directly;
 *             none for already preprocessed sources;
 *   .dwo:     -gsplit-dwarf with -c, beside the object.  gcc writes it even
 *             without -g; clang only with debug info, except for .S;
 *   .gcno/.su: --coverage/-ftest-coverage, -fstack-usage, beside the
 *             object (or .s); not for assembler sources.
 * Where the two compilers differ, the compiler's name decides; a plain
 * "cc" or "c++" could be either, and such a command is left uncached. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "wrapper/compiler/compiler.h"
#include "preload/match.h"

enum family { FAM_UNKNOWN, FAM_GCC, FAM_CLANG };

static const char W_WHICH[] =
    "gcc and clang write different files here and the compiler's name does not say which this is";
static const char W_CLANG_DEP[] = "dependency options in a -Wp,/-Xpreprocessor form clang does not honour";
static const char W_MISSING[] = "option is missing its argument";

/* rw[i] values other than NULL (keep) and DROP are malloc'd replacements. */
static char drop_mark;
#define DROP (&drop_mark)

typedef struct parser {
    compile_cmd *c;
    const char *cwd;
    enum family fam;
    char **rw;              /* per argument: how the dependency scan takes it */
    int mode;               /* 0 (link), 'c' or 'S' */
    int x_state;            /* 0: by extension, 1: x_lang, 2: unsupported -x */
    enum lang x_lang;
    const char *x_why;
    int src;                /* index of the source, or -1 */
    const char *out;        /* -o */
    int md, mmd;            /* driver -MD / -MMD */
    const char *mf;         /* driver -MF */
    int pp_md;              /* -MD/-MMD given through -Wp, or -Xpreprocessor */
    char *pp_file;          /* the file those name (malloc'd) */
    int g_level;            /* did the last -g form turn debug info on */
    int split;              /* 0: no, 1: -gsplit-dwarf, 2: =single */
    int coverage, test_cov, profile_arcs, stack_usage, asm_debug;
    int lto;                /* -flto: code generation waits for the link */
} parser;

static int fail(parser *p, const char *why, int i)
{
    if (p->c->cacheable) {
        p->c->cacheable = 0;
        p->c->why_not = why;
        p->c->why_arg = i >= 0 ? p->c->argv[i] : NULL;
    }
    return -1;
}

static void drop(parser *p, int i)
{
    if (p->rw[i] != DROP)
        free(p->rw[i]);
    p->rw[i] = DROP;
}

/* Values like "=/usr/include" or "$SYSROOT/…" are relative to the sysroot,
 * not paths one could rewrite. */
static void set_path(parser *p, int i, int off)
{
    const char *v = p->c->argv[i] + off;
    if (*v && *v != '=' && strncmp(v, "$SYSROOT", 8) != 0)
        p->c->path_off[i] = off;
}

/* Argument vi (at voff) names an output or a target (compiler.h,
 * name_role); i is its option, when the value came separately. */
static void set_name(parser *p, int i, int vi, int voff, char role)
{
    p->c->name_role[vi] = role;
    p->c->name_off[vi] = voff;
    if (i != vi && (role == 'T' || role == 'Q'))
        p->c->name_role[i] = 'M';
}

static int push_prefix(compile_cmd *c, const char *s, size_t n)
{
    char **v = realloc(c->prefix_maps, sizeof *v * (size_t)(c->n_prefix_maps + 1));
    if (!v)
        return -1;
    c->prefix_maps = v;
    if (!(v[c->n_prefix_maps] = strndup(s, n)))
        return -1;
    c->n_prefix_maps++;
    return 0;
}

static int set_pp_file(parser *p, const char *s, size_t n)
{
    free(p->pp_file);
    p->pp_file = strndup(s, n);
    return p->pp_file ? 0 : -1;
}

/* gcc looks for FILE.gch (and clang also FILE.pch) before an -include'd
 * FILE.  A precompiled header is read instead of the header, and neither
 * the -M scan nor gcc's own -MD output lists it, so refuse. */
static int uses_pch(parser *p, const char *file)
{
    static const char *const sfx[] = {".gch", ".pch"};
    size_t lc = file[0] == '/' || !p->cwd ? 0 : strlen(p->cwd), lf = strlen(file);
    char *path = malloc(lc + lf + 6);
    if (!path)
        return 1;
    for (size_t k = 0; k < 2; k++) {
        char *w = path;
        if (lc) {
            memcpy(w, p->cwd, lc);
            w[lc] = '/';
            w += lc + 1;
        }
        memcpy(w, file, lf);
        strcpy(w + lf, sfx[k]);
        struct stat st;
        if (stat(path, &st) == 0) {
            free(path);
            return 1;
        }
    }
    free(path);
    return 0;
}

/* ---- -Wa, / -Xassembler ---- */

static int check_asm_opt(parser *p, const char *o, int i)
{
    if (o[0] == '-' && o[1] == 'a')
        return fail(p, "assembler listing file (-Wa,-a…)", i);
    if (!strcmp(o, "-MD") || !strcmp(o, "--MD"))
        return fail(p, "assembler dependency file (-Wa,--MD)", i);
    if (!strncmp(o, "-o", 2))
        return fail(p, "assembler output option", i);
    if (o[0] == '@')
        return fail(p, "assembler response file", i);
    /* as records the directory in the debug info it makes. */
    if (!strcmp(o, "-g") || !strcmp(o, "--gen-debug") || !strncmp(o, "--gdwarf", 8) ||
        !strncmp(o, "-gdwarf", 7) || !strncmp(o, "--gstabs", 8))
        p->asm_debug = 1;
    return 0;
}

static int parse_wa(parser *p, int i)
{
    char *list = strdup(p->c->argv[i] + 4);
    if (!list)
        return fail(p, "out of memory", i);
    int rc = 0;
    for (char *save, *o = strtok_r(list, ",", &save); o && rc == 0; o = strtok_r(NULL, ",", &save))
        rc = check_asm_opt(p, o, i);
    free(list);
    return rc;
}

/* ---- -Wp, ---- */

static int starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Is o a preprocessor option -D/-U/-I/-A (joined, or alone when its value
 * follows)?  These are kept as they are. */
static int is_define_like(const char *o)
{
    return o[0] == '-' && o[1] && strchr("DUIA", o[1]);
}

/* -Wp,A,B,…: each part is a preprocessor option.  Dependency options are
 * taken out for the scan (the list is rebuilt without them); -D/-U/-I/-A
 * stay; anything else is refused. */
static int parse_wp(parser *p, int i)
{
    const char *arg = p->c->argv[i];
    size_t alen = strlen(arg);
    char *list = strdup(arg + 4), *keep = malloc(alen + 1);
    char **parts = calloc(alen, sizeof *parts);
    int n = 0, kept = 0, changed = 0, rc = 0;
    if (!list || !keep || !parts) {
        rc = fail(p, "out of memory", i);
        goto out;
    }
    for (char *s = list;; s++) { /* split on every comma, keeping empty parts */
        parts[n++] = s;
        if (!(s = strchr(s, ',')))
            break;
        *s = '\0';
    }
    strcpy(keep, "-Wp,");
    for (int j = 0; j < n && rc == 0; j++) {
        const char *o = parts[j], *next = j + 1 < n ? parts[j + 1] : NULL;
        if (!strcmp(o, "-MD") || !strcmp(o, "-MMD")) {
            /* clang only understands exactly -Wp,-MD,FILE (it turns that
             * into -MD -MF FILE); longer lists reach its cc1 unchanged. */
            if (!next || !*next)
                rc = fail(p, W_MISSING, i);
            else if (p->fam != FAM_GCC && n != 2)
                rc = fail(p, W_CLANG_DEP, i);
            else if (set_pp_file(p, next, strlen(next)) != 0)
                rc = fail(p, "out of memory", i);
            else
                p->c->path_off[i] = 4 + (int)(next - list);
            p->pp_md = 1;
            changed = 1;
            j++;
        } else if (starts(o, "-MF")) {
            const char *v = o[3] ? o + 3 : next;
            if (p->fam != FAM_GCC)
                rc = fail(p, W_CLANG_DEP, i);
            else if (!v || !*v)
                rc = fail(p, W_MISSING, i);
            else if (set_pp_file(p, v, strlen(v)) != 0)
                rc = fail(p, "out of memory", i);
            else
                p->c->path_off[i] = 4 + (int)(v - list);
            changed = 1;
            j += !o[3];
        } else if (starts(o, "-MT") || starts(o, "-MQ")) {
            if (!o[3] && !next)
                rc = fail(p, W_MISSING, i);
            changed = 1;
            j += !o[3];
        } else if (!strcmp(o, "-MP") || !strcmp(o, "-MG")) {
            changed = 1;
        } else if (is_define_like(o)) {
            int two = o[2] == '\0';
            if (two && !next) {
                rc = fail(p, W_MISSING, i);
                break;
            }
            for (int k = 0; k <= two; k++) {
                if (kept++)
                    strcat(keep, ",");
                strcat(keep, parts[j + k]);
            }
            j += two;
        } else {
            rc = fail(p, "unsupported -Wp, option", i);
        }
    }
    if (rc == 0 && changed) {
        p->c->names_matter = 1; /* dependency options the key keeps as they are */
        if (kept) {
            p->rw[i] = keep;
            keep = NULL;
        } else {
            drop(p, i);
        }
    }
out:
    free(list);
    free(keep);
    free(parts);
    return rc;
}

/* -Xpreprocessor OPT [-Xpreprocessor VALUE]: gcc hands these to cpp in
 * order; clang hands them to cc1, which knows none of the driver's
 * dependency options. */
static int parse_xpre(parser *p, int *ip)
{
    int i = *ip, argc = p->c->argc;
    char **argv = p->c->argv;
    if (i + 1 >= argc)
        return fail(p, W_MISSING, i);
    const char *o = argv[i + 1];
    int pair = i + 3 < argc && !strcmp(argv[i + 2], "-Xpreprocessor");
    int dep = 0, span = 2;
    if (o[0] == '-' && o[1] == 'M') {
        if (p->fam != FAM_GCC)
            return fail(p, W_CLANG_DEP, i);
        dep = 1;
        if (!strcmp(o, "-MD") || !strcmp(o, "-MMD") || !strcmp(o, "-MF") || !strcmp(o, "-MT") ||
            !strcmp(o, "-MQ")) {
            if (!pair)
                return fail(p, W_MISSING, i);
            span = 4;
            if (o[2] != 'T' && o[2] != 'Q') {
                p->pp_md |= o[2] != 'F';
                if (set_pp_file(p, argv[i + 3], strlen(argv[i + 3])) != 0)
                    return fail(p, "out of memory", i);
                set_path(p, i + 3, 0);
            }
        } else if (starts(o, "-MF")) {
            if (set_pp_file(p, o + 3, strlen(o + 3)) != 0)
                return fail(p, "out of memory", i);
            set_path(p, i + 1, 3);
        } else if (!starts(o, "-MT") && !starts(o, "-MQ") && strcmp(o, "-MP") && strcmp(o, "-MG")) {
            return fail(p, "unsupported -Xpreprocessor option", i);
        }
    } else if (is_define_like(o)) {
        if (o[2] == '\0') {
            if (!pair)
                return fail(p, W_MISSING, i);
            span = 4;
        }
    } else {
        return fail(p, "unsupported -Xpreprocessor option", i);
    }
    p->c->names_matter |= dep;
    for (int k = 0; dep && k < span; k++)
        drop(p, i + k);
    *ip = i + span - 1;
    return 0;
}

/* ---- one argument ---- */

static int input(parser *p, int i)
{
    const char *a = p->c->argv[i];
    if (!strcmp(a, "-"))
        return fail(p, "source read from standard input", i);
    if (p->src >= 0)
        return fail(p, "several input files", i);
    const char *why = NULL;
    if (p->x_state == 2)
        return fail(p, p->x_why, i);
    p->c->lang = p->x_state == 1 ? p->x_lang : compiler_lang_of_path(a, &why);
    if (p->c->lang == LANG_NONE)
        return fail(p, why, i);
    p->src = i;
    p->c->path_off[i] = 0;
    return 0;
}

static int option(parser *p, int *ip)
{
    int i = *ip;
    compile_cmd *c = p->c;
    const char *a = c->argv[i];
    const compiler_opt *o = compiler_opt_find(a);
    if (!o)
        return fail(p, "unknown option", i);
    size_t nlen = strlen(o->name);
    int vi = i, voff = (int)nlen;
    if (o->form == OPT_SEPARATE || (o->form == OPT_JOINED_OR_SEPARATE && a[nlen] == '\0')) {
        if (o->kind == K_XPRE)
            return parse_xpre(p, ip);
        if (i + 1 >= c->argc)
            return fail(p, W_MISSING, i);
        vi = i + 1;
        voff = 0;
        *ip = vi;
    } else if (o->form == OPT_FLAG) {
        voff = -1;
    }
    const char *val = voff >= 0 ? c->argv[vi] + voff : NULL;

    switch ((enum opt_kind)o->kind) {
    case K_OK:
        return 0;
    case K_NO:
        return fail(p, o->why, i);
    case K_PATH:
        set_path(p, vi, voff);
        return 0;
    case K_INCLUDE:
        set_path(p, vi, voff);
        return uses_pch(p, val) ? fail(p, "precompiled header", i) : 0;
    case K_COMPILE:
        if (!p->mode)
            p->mode = 'c';
        drop(p, i);
        return 0;
    case K_ASSEMBLE:
        p->mode = 'S'; /* -S wins over -c, in either order */
        drop(p, i);
        return 0;
    case K_OUTPUT:
        p->out = val;
        set_path(p, vi, voff);
        set_name(p, i, vi, voff, 'o');
        drop(p, i);
        drop(p, vi);
        return 0;
    case K_LANG:
        if (compiler_lang_of_x(val, &p->x_lang, &p->x_why) != 0)
            p->x_state = 2;
        else
            p->x_state = p->x_lang != LANG_NONE;
        return 0;
    case K_MD:
    case K_MMD:
        *(o->kind == K_MD ? &p->md : &p->mmd) = 1;
        drop(p, i);
        return 0;
    case K_MF:
        p->mf = val;
        set_path(p, vi, voff);
        set_name(p, i, vi, voff, 'F');
        drop(p, i);
        drop(p, vi);
        return 0;
    case K_MT:
        set_name(p, i, vi, voff, o->name[2]);
        drop(p, i);
        drop(p, vi);
        return 0;
    case K_MP:
    case K_MG:
        drop(p, i);
        return 0;
    case K_DEBUG:
    case K_DEBUG0:
        p->g_level = o->kind == K_DEBUG;
        return 0;
    case K_SPLIT:
        p->split = 1;
        drop(p, i);
        return 0;
    case K_NO_SPLIT:
        p->split = 0;
        return 0;
    case K_SPLIT_EQ: /* clang: =split is -gsplit-dwarf, =single writes no .dwo */
        if (!strcmp(val, "split"))
            p->split = 1;
        else if (!strcmp(val, "single"))
            p->split = 2;
        else
            return fail(p, "unknown -gsplit-dwarf= mode", i);
        drop(p, i);
        return 0;
    case K_COVERAGE:
        p->coverage = 1;
        drop(p, i);
        return 0;
    case K_TEST_COV:
    case K_NO_TEST_COV:
        p->test_cov = o->kind == K_TEST_COV;
        drop(p, i);
        return 0;
    case K_PROFILE_ARCS:
    case K_NO_PROFILE_ARCS:
        p->profile_arcs = o->kind == K_PROFILE_ARCS;
        return 0;
    case K_STACK_USAGE:
        p->stack_usage = 1;
        drop(p, i);
        return 0;
    case K_LTO:
    case K_NO_LTO:
        p->lto = o->kind == K_LTO;
        return 0;
    case K_DEBUG_MAP: {
        const char *eq = strchr(val, '=');
        if (!eq || eq == val)
            return fail(p, "malformed prefix map", i);
        return push_prefix(c, val, (size_t)(eq - val)) ? fail(p, "out of memory", i) : 0;
    }
    case K_COMP_DIR:
        /* The directory is replaced in the debug info, whatever it is. */
        return push_prefix(c, "/", 1) ? fail(p, "out of memory", i) : 0;
    case K_WP:
        return parse_wp(p, i);
    case K_XPRE:
        return parse_xpre(p, ip);
    case K_WA:
        return parse_wa(p, i);
    case K_XASM:
        return check_asm_opt(p, val, i);
    case K_OPT_INFO:
        return strchr(a, '=') ? fail(p, "optimization report written to a file", i) : 0;
    case K_DIAG_FORMAT: {
        size_t n = strlen(val);
        return n >= 5 && !strcmp(val + n - 5, "-file") ? fail(p, "diagnostics written to a file", i) : 0;
    }
    }
    return fail(p, "unknown option", i);
}

/* ---- outputs ---- */

/* path with the suffix of its last component replaced by sfx (or sfx
 * appended when there is none). */
static char *with_suffix(const char *path, const char *sfx)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t keep = dot ? (size_t)(dot - path) : strlen(path), ls = strlen(sfx);
    char *s = malloc(keep + ls + 1);
    if (s) {
        memcpy(s, path, keep);
        memcpy(s + keep, sfx, ls + 1);
    }
    return s;
}

static int add_output(compile_cmd *c, char *path, enum output_kind kind)
{
    if (!path)
        return -1;
    c->outputs[c->n_outputs].path = path;
    c->outputs[c->n_outputs].kind = kind;
    c->n_outputs++;
    return 0;
}

static int derive_outputs(parser *p)
{
    compile_cmd *c = p->c;
    int pre = c->preprocessed, as = c->lang == LANG_ASM_CPP || c->lang == LANG_ASM;
    int dwo = p->mode == 'c' && p->split == 1 && (p->fam == FAM_GCC || as || p->g_level);
    int gcno = (p->coverage || p->test_cov) && !as;
    int su = p->stack_usage && !as;
    int dep = !pre && (p->md || p->mmd || p->pp_md);

    if (p->mode == 'c' && p->split == 1 && !as && !p->g_level && p->fam == FAM_UNKNOWN)
        return fail(p, W_WHICH, -1);
    if (p->mode == 'S' && p->split == 1 && p->g_level && p->fam != FAM_GCC)
        return fail(p, "clang -S -gsplit-dwarf writes the .dwo beside the source's basename", -1);
    /* With -flto gcc writes a .dwo but no .su (unless the objects are
     * fat), clang neither. */
    if (p->lto && (p->stack_usage || p->split == 1))
        return fail(p, "-flto with -fstack-usage or -gsplit-dwarf", -1);
    if (p->mode == 'S' && as)
        return fail(p, "-S of an assembler source", p->src);
    if (p->out && !strcmp(p->out, "-"))
        return fail(p, "output to standard output", -1);
    if ((p->pp_md || p->pp_file) && (p->md || p->mmd || p->mf))
        return fail(p, "dependency file named both by the driver and through the preprocessor", -1);

    if (!(c->outputs = calloc(5, sizeof *c->outputs)))
        return -1;
    const char *src_base = strrchr(c->source, '/');
    src_base = src_base ? src_base + 1 : c->source;
    char *obj = p->out ? strdup(p->out) : with_suffix(src_base, p->mode == 'S' ? ".s" : ".o");
    if (add_output(c, obj, p->mode == 'S' ? OUT_ASM : OUT_OBJECT) != 0)
        return -1;

    /* For "-o .x", gcc names the side files ".x.dwo" and clang ".dwo". */
    const char *obj_base = strrchr(obj, '/');
    obj_base = obj_base ? obj_base + 1 : obj;
    if ((dwo || gcno || su) && obj_base[0] == '.' && !strchr(obj_base + 1, '.'))
        return fail(p, "output name starts with a dot", -1);

    if (dep && add_output(c, p->pp_md ? strdup(p->pp_file) : p->mf ? strdup(p->mf) : with_suffix(obj, ".d"),
                          OUT_DEPFILE) != 0)
        return -1;
    if (dwo && add_output(c, with_suffix(obj, ".dwo"), OUT_DWO) != 0)
        return -1;
    if (gcno && add_output(c, with_suffix(obj, ".gcno"), OUT_GCNO) != 0)
        return -1;
    if (su && add_output(c, with_suffix(obj, ".su"), OUT_SU) != 0)
        return -1;

    for (int i = 0; i < c->n_outputs; i++) {
        /* Restoring a hit replaces the file: never do that to a device. */
        if (!strncmp(c->outputs[i].path, "/dev/", 5))
            return fail(p, "output written to a device", -1);
        for (int j = 0; j < i; j++)
            if (!strcmp(c->outputs[i].path, c->outputs[j].path))
                return fail(p, "two outputs with the same name", -1);
    }
    c->cwd_sensitive = p->g_level || p->coverage || p->test_cov || p->profile_arcs || p->asm_debug || dwo;
    c->names_matter |= dwo || gcno || p->profile_arcs || p->pp_md || p->pp_file;
    return 0;
}

static int build_dep_argv(parser *p)
{
    compile_cmd *c = p->c;
    static const char *const tail[] = {"-M", "-MT", "_"};
    if (!(c->dep_argv = calloc((size_t)c->argc + 4, sizeof *c->dep_argv)))
        return -1;
    int n = 0;
    for (int i = 0; i < c->argc; i++) {
        if (p->rw[i] == DROP)
            continue;
        if (!(c->dep_argv[n++] = strdup(p->rw[i] ? p->rw[i] : c->argv[i])))
            return -1;
    }
    for (int k = 0; k < 3; k++)
        if (!(c->dep_argv[n++] = strdup(tail[k])))
            return -1;
    return 0;
}

static enum family family_of(const char *argv0)
{
    const char *base = strrchr(argv0, '/');
    base = base ? base + 1 : argv0;
    if (strstr(base, "clang"))
        return FAM_CLANG;
    if (strstr(base, "gcc") || strstr(base, "g++"))
        return FAM_GCC;
    return FAM_UNKNOWN;
}

const char *compile_cmd_output(const compile_cmd *cmd, enum output_kind kind)
{
    for (int i = 0; i < cmd->n_outputs; i++)
        if (cmd->outputs[i].kind == kind)
            return cmd->outputs[i].path;
    return NULL;
}

int compiler_is_gcc(const compile_cmd *cmd, const char *resolved)
{
    if (cmd->is_clang)
        return 0;
    /* gcc, g++, cc and c++ are links to the real driver, whose name says
     * what it is (x86_64-linux-gnu-gcc-12, arm-none-eabi-g++, ...). */
    char *real = realpath(resolved, NULL);
    int gcc = real && family_of(real) == FAM_GCC;
    free(real);
    return gcc;
}

int compiler_parse(int argc, char **argv, const char *cwd, compile_cmd *out)
{
    memset(out, 0, sizeof *out);
    if (argc < 1 || respfile_expand(argc, argv, cwd, &out->argc, &out->argv) != 0)
        return -1;
    parser p = {.c = out, .cwd = cwd, .src = -1, .fam = family_of(out->argv[0])};
    int rc = -1;
    out->cacheable = 1;
    out->is_clang = p.fam == FAM_CLANG;
    out->path_off = malloc(sizeof *out->path_off * (size_t)out->argc);
    out->name_off = malloc(sizeof *out->name_off * (size_t)out->argc);
    out->name_role = calloc((size_t)out->argc + 1, 1);
    p.rw = calloc((size_t)out->argc, sizeof *p.rw);
    if (!out->path_off || !out->name_off || !out->name_role || !p.rw)
        goto done;
    for (int i = 0; i < out->argc; i++)
        out->path_off[i] = out->name_off[i] = -1;

    if (!(out->driver_opts = compiler_driver_opts(out->argc, out->argv)))
        goto done;
    for (int i = 1; i < out->argc && out->cacheable; i++) {
        const char *a = out->argv[i];
        if (a[0] == '-' && a[1])
            option(&p, &i);
        else
            input(&p, i);
    }
    if (out->cacheable) {
        if (!p.mode)
            fail(&p, "linking (no -c or -S)", -1);
        else if (p.src < 0)
            fail(&p, "no input file", -1);
    }
    if (out->cacheable) {
        out->preprocessed = out->lang >= LANG_C_PRE;
        if (!(out->source = strdup(out->argv[p.src])))
            goto done;
        /* These fail either by clearing cacheable or for want of memory. */
        if (derive_outputs(&p) != 0 && out->cacheable)
            goto done;
        if (out->cacheable && build_dep_argv(&p) != 0)
            goto done;
    }
    rc = 0;
done:
    if (p.rw)
        for (int i = 0; i < out->argc; i++)
            if (p.rw[i] != DROP)
                free(p.rw[i]);
    free(p.rw);
    free(p.pp_file);
    if (rc != 0)
        compile_cmd_free(out);
    return rc;
}

void compile_cmd_free(compile_cmd *c)
{
    for (int i = 0; c->argv && i < c->argc; i++)
        free(c->argv[i]);
    free(c->argv);
    free(c->path_off);
    free(c->name_off);
    free(c->name_role);
    free(c->source);
    for (int i = 0; i < c->n_outputs; i++)
        free(c->outputs[i].path);
    free(c->outputs);
    for (int i = 0; i < c->n_prefix_maps; i++)
        free(c->prefix_maps[i]);
    free(c->prefix_maps);
    for (int i = 0; c->dep_argv && c->dep_argv[i]; i++)
        free(c->dep_argv[i]);
    free(c->dep_argv);
    compiler_driver_opts_free(c->driver_opts);
    memset(c, 0, sizeof *c);
}

/* ---- compiler names ---- */

/* The rule is the preload shim's (preload/match.c), linked into ricc too, so
 * masquerade and `ricc run` can never disagree about what a compiler is. */
int compiler_name_known(const char *name)
{
    return pm_is_compiler(name, NULL);
}
