/* SPDX-License-Identifier: Apache-2.0 */
/* compiler_opts.c — the gcc/clang option table, the language tables, and
 * the options that change the driver's own search (compiler_driver_opts).
 *
 * Every option ricc lets through must be one whose effect on the files a
 * compile reads and writes is understood.  The table below lists them with
 * how each takes its value and what it means to the model (enum opt_kind in
 * compiler.h); compiler.c acts on the kinds.  An argument is matched to the
 * entry with the longest name that fits it, so a broad family ("-f", "-W",
 * "-m") can be accepted as a whole while narrower entries inside it
 * ("-fprofile-", "-fplugin", "-Wp,") are singled out.  Anything not in the
 * table is unknown, and an unknown option makes the command uncacheable:
 * it might read or write a file nobody would track.
 *
 * The entries come from the gcc 12 and clang 14 manuals and from checking
 * what the two compilers actually do; where they differ compiler.c decides
 * by the compiler's name.  Options that only matter when linking (-l, -L,
 * -Wl,…) are accepted: with -c or -S both compilers ignore them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wrapper/compiler/compiler.h"

#define FLAG OPT_FLAG
#define JOINED OPT_JOINED
#define SEP OPT_SEPARATE
#define JOS OPT_JOINED_OR_SEPARATE

/* Reasons, shared by many entries. */
static const char W_EXTRA_FILES[] = "option reads or writes files ricc does not track";
static const char W_PROFILE[] = "option reads profile data ricc does not track";
static const char W_PLUGIN[] = "compiler plugin";
static const char W_MODULES[] = "modules read files the dependency scan does not list";
static const char W_INFO[] = "prints information instead of compiling";
static const char W_DRIVER[] = "changes the programs or specs the driver uses";
static const char W_LIST[] = "option reads a list file ricc does not track";
static const char W_TIMING[] = "output includes timings";
static const char W_PCH[] = "precompiled header";

static const compiler_opt opts[] = {
    /* What to do. */
    {"-c", FLAG, K_COMPILE, NULL},
    {"-S", FLAG, K_ASSEMBLE, NULL},
    {"-E", FLAG, K_NO, "preprocessing only (-E)"},
    {"-fsyntax-only", FLAG, K_NO, "no output (-fsyntax-only)"},
    {"-o", JOS, K_OUTPUT, NULL},
    {"-x", JOS, K_LANG, NULL},
    {"-pipe", FLAG, K_OK, NULL},
    {"-save-temps", JOINED, K_NO, "-save-temps writes intermediate files"},
    {"--save-temps", JOINED, K_NO, "-save-temps writes intermediate files"},
    {"-v", FLAG, K_NO, "verbose driver (-v)"},
    {"--verbose", FLAG, K_NO, "verbose driver (-v)"},
    {"-###", FLAG, K_NO, W_INFO},
    {"--version", FLAG, K_NO, W_INFO},
    {"--help", JOINED, K_NO, W_INFO},
    {"--target-help", FLAG, K_NO, W_INFO},
    {"-print-", JOINED, K_NO, W_INFO},
    {"--print-", JOINED, K_NO, W_INFO},
    /* -dumpversion, -dumpmachine, -dumpspecs, -dumpbase, -dumpdir, and the
     * -dLETTERS debugging dumps. */
    {"-d", JOINED, K_NO, "dump option (-d…)"},
    {"-auxbase", JOS, K_NO, W_EXTRA_FILES},
    {"-aux-info", JOS, K_NO, W_EXTRA_FILES},
    {"-time", JOINED, K_NO, W_TIMING},
    {"-B", JOS, K_NO, W_DRIVER},
    {"-specs", SEP, K_NO, W_DRIVER},
    {"-specs=", JOINED, K_NO, W_DRIVER},
    {"--specs", SEP, K_NO, W_DRIVER},
    {"--specs=", JOINED, K_NO, W_DRIVER},
    {"-wrapper", SEP, K_NO, W_DRIVER},
    {"-no-canonical-prefixes", FLAG, K_OK, NULL},
    {"-Xclang", SEP, K_NO, "-Xclang passes options ricc cannot check"},

    /* Preprocessor. */
    {"-D", JOS, K_OK, NULL},
    {"-U", JOS, K_OK, NULL},
    {"-A", JOS, K_OK, NULL},
    {"-I", JOS, K_PATH, NULL},
    {"-I-", FLAG, K_OK, NULL},
    {"-iquote", JOS, K_PATH, NULL},
    {"-isystem", JOS, K_PATH, NULL},
    {"-idirafter", JOS, K_PATH, NULL},
    {"-isysroot", JOS, K_PATH, NULL},
    {"--sysroot", SEP, K_PATH, NULL},
    {"--sysroot=", JOINED, K_PATH, NULL},
    {"-iframework", JOS, K_PATH, NULL},
    {"-cxx-isystem", JOS, K_PATH, NULL},
    {"-isystem-after", JOS, K_PATH, NULL},
    /* These take a prefix or a directory name relative to one, not a path
     * that can be rewritten on its own. */
    {"-iprefix", JOS, K_OK, NULL},
    {"-iwithprefix", JOS, K_OK, NULL},
    {"-iwithprefixbefore", JOS, K_OK, NULL},
    {"-iwithsysroot", JOS, K_OK, NULL},
    {"-imultilib", JOS, K_OK, NULL},
    {"-imultiarch", JOS, K_OK, NULL},
    {"-include", JOS, K_INCLUDE, NULL},
    {"-imacros", JOS, K_PATH, NULL},
    {"-include-pch", SEP, K_NO, W_PCH},
    {"-ivfsoverlay", JOS, K_NO, W_EXTRA_FILES},
    {"-nostdinc", FLAG, K_OK, NULL},
    {"-nostdinc++", FLAG, K_OK, NULL},
    {"-nostdlibinc", FLAG, K_OK, NULL},
    {"-nobuiltininc", FLAG, K_OK, NULL},
    {"-undef", FLAG, K_OK, NULL},
    {"-trigraphs", FLAG, K_OK, NULL},
    {"-traditional", FLAG, K_OK, NULL},
    {"-traditional-cpp", FLAG, K_OK, NULL},
    {"-no-integrated-cpp", FLAG, K_OK, NULL},
    {"-remap", FLAG, K_OK, NULL},
    {"-P", FLAG, K_OK, NULL},
    {"-C", FLAG, K_OK, NULL},
    {"-CC", FLAG, K_OK, NULL},
    {"-H", FLAG, K_OK, NULL},
    {"-Wp,", JOINED, K_WP, NULL},
    {"-Xpreprocessor", SEP, K_XPRE, NULL},

    /* Dependency output. */
    {"-M", FLAG, K_NO, "dependency listing only (-M/-MM)"},
    {"-MM", FLAG, K_NO, "dependency listing only (-M/-MM)"},
    {"-MD", FLAG, K_MD, NULL},
    {"-MMD", FLAG, K_MMD, NULL},
    {"-MF", JOS, K_MF, NULL},
    {"-MT", JOS, K_MT, NULL},
    {"-MQ", JOS, K_MT, NULL},
    {"-MP", FLAG, K_MP, NULL},
    {"-MG", FLAG, K_MG, NULL},
    {"-MJ", JOS, K_NO, W_EXTRA_FILES},
    {"-MV", FLAG, K_NO, "NMake-style dependency file (-MV)"},

    /* Language, warnings, optimisation. */
    {"-std=", JOINED, K_OK, NULL},
    {"--std=", JOINED, K_OK, NULL},
    {"-ansi", FLAG, K_OK, NULL},
    {"-pedantic", FLAG, K_OK, NULL},
    {"-pedantic-errors", FLAG, K_OK, NULL},
    {"--pedantic", FLAG, K_OK, NULL},
    {"-w", FLAG, K_OK, NULL},
    {"-W", JOINED, K_OK, NULL},
    {"-O", JOINED, K_OK, NULL},
    {"--param", SEP, K_OK, NULL},
    {"--param=", JOINED, K_OK, NULL},
    {"-Qunused-arguments", FLAG, K_OK, NULL},
    {"-Qn", FLAG, K_OK, NULL},
    {"-Qy", FLAG, K_OK, NULL},

    /* Debug information.  "-g" catches every form that turns it on (-g,
     * -g1..3, -ggdb, -gdwarf-N, -gline-tables-only, …); the entries below it
     * only adjust its format. */
    {"-g", JOINED, K_DEBUG, NULL},
    {"-g0", FLAG, K_DEBUG0, NULL},
    {"-gno-", JOINED, K_OK, NULL},
    {"-gno-inline-line-tables", FLAG, K_DEBUG, NULL}, /* clang turns debug info on */
    {"-gz", JOINED, K_OK, NULL},
    {"-gcolumn-info", FLAG, K_OK, NULL},
    {"-gstrict-dwarf", FLAG, K_OK, NULL},
    {"-grecord-gcc-switches", FLAG, K_OK, NULL},
    {"-grecord-command-line", FLAG, K_OK, NULL},
    {"-gpubnames", FLAG, K_OK, NULL},
    {"-ggnu-pubnames", FLAG, K_OK, NULL},
    {"-gcodeview", FLAG, K_OK, NULL},
    {"-gcodeview-ghash", FLAG, K_OK, NULL},
    {"-gdescribe-dies", FLAG, K_OK, NULL},
    {"-ginline-points", FLAG, K_OK, NULL},
    {"-gstatement-frontiers", FLAG, K_OK, NULL},
    {"-gvariable-location-views", JOINED, K_OK, NULL},
    {"-ginternal-reset-location-views", FLAG, K_OK, NULL},
    {"-gas-loc-support", FLAG, K_OK, NULL},
    {"-gas-locview-support", FLAG, K_OK, NULL},
    {"-gembed-source", FLAG, K_OK, NULL},
    {"-gsimple-template-names", FLAG, K_OK, NULL},
    {"-gsplit-dwarf", FLAG, K_SPLIT, NULL},
    {"-gsplit-dwarf=", JOINED, K_SPLIT_EQ, NULL},
    {"-gno-split-dwarf", FLAG, K_NO_SPLIT, NULL},
    {"-gmodules", FLAG, K_NO, W_MODULES},
    {"-gtoggle", FLAG, K_NO, "-gtoggle"},
    {"-fdebug-prefix-map=", JOINED, K_DEBUG_MAP, NULL},
    {"-ffile-prefix-map=", JOINED, K_DEBUG_MAP, NULL},
    {"-fdebug-compilation-dir", SEP, K_COMP_DIR, NULL},
    {"-fdebug-compilation-dir=", JOINED, K_COMP_DIR, NULL},
    {"-ffile-compilation-dir=", JOINED, K_COMP_DIR, NULL},

    /* The -f family: accepted as a whole, except these. */
    {"-f", JOINED, K_OK, NULL},
    {"--coverage", FLAG, K_COVERAGE, NULL},
    {"-ftest-coverage", FLAG, K_TEST_COV, NULL},
    {"-fno-test-coverage", FLAG, K_NO_TEST_COV, NULL},
    {"-fprofile-arcs", FLAG, K_PROFILE_ARCS, NULL},
    {"-fno-profile-arcs", FLAG, K_NO_PROFILE_ARCS, NULL},
    {"-fstack-usage", FLAG, K_STACK_USAGE, NULL},
    {"-flto", FLAG, K_LTO, NULL},
    {"-flto=", JOINED, K_LTO, NULL},
    {"-fno-lto", FLAG, K_NO_LTO, NULL},
    {"-fprofile-", JOINED, K_NO, W_PROFILE},
    {"-fprofile-update=", JOINED, K_OK, NULL},
    {"-fprofile-abs-path", FLAG, K_OK, NULL},
    {"-fprofile-info-section", JOINED, K_OK, NULL},
    {"-fprofile-exclude-files=", JOINED, K_OK, NULL},
    {"-fprofile-filter-files=", JOINED, K_OK, NULL},
    {"-fprofile-reproducible=", JOINED, K_OK, NULL},
    {"-fprofile-partial-training", FLAG, K_OK, NULL},
    {"-fprofile-correction", FLAG, K_OK, NULL},
    {"-fprofile-values", FLAG, K_OK, NULL},
    {"-fprofile-reorder-functions", FLAG, K_OK, NULL},
    {"-fprofile-prefix-path=", JOINED, K_OK, NULL},
    {"-fprofile-prefix-map=", JOINED, K_OK, NULL},
    {"-fprofile-sample-accurate", FLAG, K_OK, NULL},
    {"-fprofile-note=", JOINED, K_NO, W_EXTRA_FILES},
    {"-fbranch-probabilities", FLAG, K_NO, W_PROFILE},
    {"-fauto-profile", JOINED, K_NO, W_PROFILE},
    {"-fcs-profile-generate", JOINED, K_NO, W_EXTRA_FILES},
    {"-fcreate-profile", JOINED, K_NO, W_EXTRA_FILES},
    {"-fthinlto-index=", JOINED, K_NO, W_EXTRA_FILES},
    {"-fplugin", JOINED, K_NO, W_PLUGIN},
    {"-fpass-plugin=", JOINED, K_NO, W_PLUGIN},
    {"-fdump-", JOINED, K_NO, "dump files (-fdump-…)"},
    {"-fcallgraph-info", JOINED, K_NO, W_EXTRA_FILES},
    {"-fsave-optimization-record", JOINED, K_NO, W_EXTRA_FILES},
    {"-foptimization-record-file=", JOINED, K_NO, W_EXTRA_FILES},
    {"-fopt-info", JOINED, K_OPT_INFO, NULL},
    {"-fdiagnostics-format=", JOINED, K_DIAG_FORMAT, NULL},
    {"-fcompare-debug", JOINED, K_NO, W_EXTRA_FILES},
    {"-ftime-report", JOINED, K_NO, W_TIMING},
    {"-ftime-trace", JOINED, K_NO, W_EXTRA_FILES},
    {"-fmem-report", JOINED, K_NO, W_TIMING},
    {"-fproc-stat-report", JOINED, K_NO, W_TIMING},
    {"-fmodules", JOINED, K_NO, W_MODULES},
    {"-fmodule-", JOINED, K_NO, W_MODULES},
    {"-fimplicit-module", JOINED, K_NO, W_MODULES},
    {"-fprebuilt-module-path=", JOINED, K_NO, W_MODULES},
    {"-fcxx-modules", FLAG, K_NO, W_MODULES},
    {"-fbuild-session-file=", JOINED, K_NO, W_EXTRA_FILES},
    {"-fsanitize-blacklist=", JOINED, K_NO, W_LIST},
    {"-fsanitize-ignorelist=", JOINED, K_NO, W_LIST},
    {"-fsanitize-system-ignorelist=", JOINED, K_NO, W_LIST},
    {"-fsanitize-coverage-allowlist=", JOINED, K_NO, W_LIST},
    {"-fsanitize-coverage-ignorelist=", JOINED, K_NO, W_LIST},
    {"-fsanitize-coverage-blocklist=", JOINED, K_NO, W_LIST},
    {"-fsanitize-coverage-whitelist=", JOINED, K_NO, W_LIST},
    {"-fsanitize-coverage-blacklist=", JOINED, K_NO, W_LIST},
    {"-fxray-attr-list=", JOINED, K_NO, W_LIST},
    {"-fxray-always-instrument=", JOINED, K_NO, W_LIST},
    {"-fxray-never-instrument=", JOINED, K_NO, W_LIST},

    /* Target. */
    {"-m", JOINED, K_OK, NULL},
    {"-mllvm", SEP, K_OK, NULL},
    {"-target", SEP, K_OK, NULL},
    {"--target=", JOINED, K_OK, NULL},
    {"-arch", SEP, K_OK, NULL},
    {"-gcc-toolchain", SEP, K_PATH, NULL},
    {"--gcc-toolchain=", JOINED, K_PATH, NULL},
    {"-resource-dir", SEP, K_PATH, NULL},
    {"-resource-dir=", JOINED, K_PATH, NULL},
    {"-stdlib=", JOINED, K_OK, NULL},
    {"--stdlib=", JOINED, K_OK, NULL},
    {"-integrated-as", FLAG, K_OK, NULL},
    {"-no-integrated-as", FLAG, K_OK, NULL},
    {"-pthread", FLAG, K_OK, NULL},
    {"-p", FLAG, K_OK, NULL},
    {"-pg", FLAG, K_OK, NULL},

    /* Assembler. */
    {"-Wa,", JOINED, K_WA, NULL},
    {"-Xassembler", SEP, K_XASM, NULL},

    /* Link only: ignored with -c or -S. */
    {"-Wl,", JOINED, K_OK, NULL},
    {"-Xlinker", SEP, K_OK, NULL},
    {"-l", JOS, K_OK, NULL},
    {"-L", JOS, K_OK, NULL},
    {"-u", JOS, K_OK, NULL},
    {"-T", JOS, K_OK, NULL},
    {"-z", SEP, K_OK, NULL},
    {"-s", FLAG, K_OK, NULL},
    {"-pie", FLAG, K_OK, NULL},
    {"-no-pie", FLAG, K_OK, NULL},
    {"-static", FLAG, K_OK, NULL},
    {"-static-pie", FLAG, K_OK, NULL},
    {"-shared", FLAG, K_OK, NULL},
    {"-rdynamic", FLAG, K_OK, NULL},
    {"-symbolic", FLAG, K_OK, NULL},
    {"-static-libgcc", FLAG, K_OK, NULL},
    {"-shared-libgcc", FLAG, K_OK, NULL},
    {"-static-libstdc++", FLAG, K_OK, NULL},
    {"-nostdlib", FLAG, K_OK, NULL},
    {"-nostdlib++", FLAG, K_OK, NULL},
    {"-nodefaultlibs", FLAG, K_OK, NULL},
    {"-nostartfiles", FLAG, K_OK, NULL},
    {"-nolibc", FLAG, K_OK, NULL},
    {"-rtlib=", JOINED, K_OK, NULL},
    {"--rtlib=", JOINED, K_OK, NULL},
    {"-unwindlib=", JOINED, K_OK, NULL},
    {"--unwindlib=", JOINED, K_OK, NULL},
    {"--ld-path=", JOINED, K_OK, NULL},
};

static int matches(const compiler_opt *o, const char *arg, size_t nlen)
{
    switch (o->form) {
    case OPT_FLAG:
    case OPT_SEPARATE:
        return arg[nlen] == '\0' && memcmp(arg, o->name, nlen) == 0;
    default:
        return memcmp(arg, o->name, nlen) == 0;
    }
}

const compiler_opt *compiler_opt_find(const char *arg)
{
    /* A linear scan: the table is small, and comparing the second character
     * first skips nearly every entry cheaply. */
    const compiler_opt *best = NULL;
    size_t best_len = 0, alen = strlen(arg);
    if (alen < 2 || arg[0] != '-')
        return NULL;
    for (size_t i = 0; i < sizeof opts / sizeof *opts; i++) {
        const compiler_opt *o = &opts[i];
        if (o->name[1] != arg[1])
            continue;
        size_t n = strlen(o->name);
        if (n > alen || n <= best_len)
            continue;
        if (matches(o, arg, n)) {
            best = o;
            best_len = n;
        }
    }
    return best;
}

/* ---- languages ---- */

static const char W_HEADER[] = "precompiled header generation";
static const char W_NOT_SOURCE[] = "input is not a C-family source (linking or unsupported language)";

static const struct {
    const char *ext;
    enum lang lang;
} exts[] = {
    {"c", LANG_C},        {"i", LANG_C_PRE},    {"cc", LANG_CXX},       {"cp", LANG_CXX},
    {"cxx", LANG_CXX},    {"cpp", LANG_CXX},    {"CPP", LANG_CXX},      {"c++", LANG_CXX},
    {"C", LANG_CXX},      {"ii", LANG_CXX_PRE}, {"m", LANG_OBJC},       {"mi", LANG_OBJC_PRE},
    {"mm", LANG_OBJCXX},  {"M", LANG_OBJCXX},   {"mii", LANG_OBJCXX_PRE}, {"S", LANG_ASM_CPP},
    {"sx", LANG_ASM_CPP}, {"s", LANG_ASM},
};

static const char *const header_exts[] = {"h", "hh", "H", "hp", "hxx", "hpp", "HPP", "h++", "tcc"};

enum lang compiler_lang_of_path(const char *path, const char **why)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    *why = W_NOT_SOURCE;
    if (!dot)
        return LANG_NONE;
    const char *ext = dot + 1;
    for (size_t i = 0; i < sizeof exts / sizeof *exts; i++)
        if (!strcmp(ext, exts[i].ext)) {
            *why = NULL;
            return exts[i].lang;
        }
    for (size_t i = 0; i < sizeof header_exts / sizeof *header_exts; i++)
        if (!strcmp(ext, header_exts[i]))
            *why = W_HEADER;
    return LANG_NONE;
}

static const struct {
    const char *name;
    enum lang lang;
} xlangs[] = {
    {"none", LANG_NONE},
    {"c", LANG_C},
    {"c++", LANG_CXX},
    {"objective-c", LANG_OBJC},
    {"objective-c++", LANG_OBJCXX},
    {"assembler-with-cpp", LANG_ASM_CPP},
    {"assembler", LANG_ASM},
    {"cpp-output", LANG_C_PRE},
    {"c++-cpp-output", LANG_CXX_PRE},
    {"objective-c-cpp-output", LANG_OBJC_PRE},
    {"objc-cpp-output", LANG_OBJC_PRE},
    {"objective-c++-cpp-output", LANG_OBJCXX_PRE},
    {"objc++-cpp-output", LANG_OBJCXX_PRE},
};

int compiler_lang_of_x(const char *name, enum lang *out, const char **why)
{
    for (size_t i = 0; i < sizeof xlangs / sizeof *xlangs; i++)
        if (!strcmp(name, xlangs[i].name)) {
            *out = xlangs[i].lang;
            *why = NULL;
            return 0;
        }
    if (strstr(name, "-header"))
        *why = W_HEADER;
    else
        *why = "unsupported language (-x)";
    return -1;
}

/* ---- the driver's own search (identity.h) ---- */

/* How each driver option is written; "sep" ones take the next argument,
 * and are rewritten joined with "joined" (NULL: the name itself joins). */
static const struct {
    const char *name;
    unsigned char form;      /* enum opt_form: FLAG, JOINED, SEPARATE, JOINED_OR_SEPARATE */
    const char *joined;
} driver_table[] = {
    {"-B", OPT_JOINED_OR_SEPARATE, NULL},
    {"--sysroot=", OPT_JOINED, NULL},
    {"--sysroot", OPT_SEPARATE, "--sysroot="},
    {"-isysroot", OPT_JOINED_OR_SEPARATE, NULL},
    {"-no-canonical-prefixes", OPT_FLAG, NULL},
    {"--gcc-toolchain=", OPT_JOINED, NULL},
    {"-gcc-toolchain", OPT_SEPARATE, "--gcc-toolchain="},
    {"--gcc-install-dir=", OPT_JOINED, NULL},
    {"--target=", OPT_JOINED, NULL},
    {"-target", OPT_SEPARATE, "--target="},
    {"-m16", OPT_FLAG, NULL},
    {"-m32", OPT_FLAG, NULL},
    {"-m64", OPT_FLAG, NULL},
    {"-mx32", OPT_FLAG, NULL},
    {"-stdlib=", OPT_JOINED, NULL},
    {"--stdlib=", OPT_JOINED, NULL},
    {"-specs=", OPT_JOINED, NULL},
    {"--specs=", OPT_JOINED, NULL},
    {"-specs", OPT_SEPARATE, "-specs="},
    {"--specs", OPT_SEPARATE, "--specs="},
    {"-fuse-ld=", OPT_JOINED, NULL},
    {"--ld-path=", OPT_JOINED, NULL},
};

void compiler_driver_opts_free(char **v)
{
    for (int i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

char **compiler_driver_opts(int argc, char *const *argv)
{
    char **v = calloc((size_t)argc + 1, sizeof *v);
    int n = 0;
    if (!v)
        return NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-')
            continue;
        size_t alen = strlen(a);
        int hit = 0;
        for (size_t k = 0; k < sizeof driver_table / sizeof *driver_table && !hit; k++) {
            const char *name = driver_table[k].name;
            size_t nlen = strlen(name);
            int form = driver_table[k].form, exact = alen == nlen && !memcmp(a, name, nlen);
            const char *value = NULL, *prefix = name;
            if (form == OPT_FLAG || form == OPT_JOINED) {
                if (!(form == OPT_FLAG ? exact : alen > nlen && !memcmp(a, name, nlen)))
                    continue;
            } else if (exact) {
                if (i + 1 >= argc) /* no value: the driver will say so */
                    break;
                value = argv[++i];
                if (driver_table[k].joined)
                    prefix = driver_table[k].joined;
            } else if (form != OPT_JOINED_OR_SEPARATE || alen <= nlen || memcmp(a, name, nlen)) {
                continue;
            }
            hit = 1;
            char *s = value ? malloc(strlen(prefix) + strlen(value) + 1) : strdup(a);
            if (!s) {
                compiler_driver_opts_free(v);
                return NULL;
            }
            if (value)
                sprintf(s, "%s%s", prefix, value);
            v[n++] = s;
        }
        if (hit)
            continue;
        /* The value of another option (-Xlinker -Bstatic, -o -m32) is
         * not a driver option. */
        const compiler_opt *o = compiler_opt_find(a);
        if (o && (o->form == OPT_SEPARATE ||
                  (o->form == OPT_JOINED_OR_SEPARATE && strlen(o->name) == alen)))
            i++;
    }
    return v;
}
