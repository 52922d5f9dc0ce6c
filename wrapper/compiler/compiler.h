/* SPDX-License-Identifier: Apache-2.0 */
/* compiler.h — the gcc/clang command-line model.
 *
 * compiler_parse() reads a compiler invocation and decides whether ricc may
 * cache it.  It is cacheable only when it is `-c` (or `-S`) of exactly one
 * C, C++, Objective-C/C++, preprocessed-assembler (.S/.sx) or already
 * preprocessed (.i/.ii/.mi/.mii) source, and every option is one this model
 * knows the meaning of.  Anything else (linking, -E, -M without -MD, several
 * sources, -save-temps, -fplugin=, -specs=, -fprofile-use, unknown options)
 * is not cacheable and ricc runs the command untouched: an option we do not
 * understand might read or write a file we would not track.
 *
 * The model also says what the compile writes (the object or assembly, the
 * -MD/-MMD dependency file, .dwo, .gcno, .su), which arguments hold paths
 * (for path rewriting), which options make the output depend on the working
 * directory (debug info, coverage), and gives the argument vector of the
 * dependency scan ("-M" form) that lists every file the compile reads.
 *
 * Response files (@file) are expanded first, with gcc's quoting rules; -Wp,
 * and -Xpreprocessor forms of -MD/-MMD/-MF/-MT/-MQ/-MP are understood. */
#ifndef RICC_COMPILER_H
#define RICC_COMPILER_H

#include <stddef.h>

enum lang {
    LANG_NONE,
    LANG_C, LANG_CXX, LANG_OBJC, LANG_OBJCXX,
    LANG_ASM_CPP,            /* .S, .sx, -x assembler-with-cpp */
    LANG_C_PRE, LANG_CXX_PRE, LANG_OBJC_PRE, LANG_OBJCXX_PRE, /* .i .ii .mi .mii */
    LANG_ASM                 /* .s, -x assembler: no preprocessing; what the
                              * assembler reads (.include, .incbin) is what a
                              * miss is seen reading (observe.h) */
};

enum output_kind { OUT_OBJECT, OUT_ASM, OUT_DEPFILE, OUT_DWO, OUT_GCNO, OUT_SU };

typedef struct compile_output {
    char *path;              /* as the build expects it (relative to cwd or absolute) */
    enum output_kind kind;
} compile_output;

typedef struct compile_cmd {
    int cacheable;
    const char *why_not;     /* static reason when not cacheable */
    const char *why_arg;     /* the argument it is about (points into argv), or NULL */

    /* argv after @file expansion; argv[0] is the compiler as invoked. */
    int argc;
    char **argv;
    /* path_off[i] >= 0: argv[i] + path_off[i] is a file-system path (the
     * source, -I dir, -isystem dir, -include file, -o file, -MF file,
     * --sysroot=dir, ...); -1 otherwise.  Used for path rewriting. */
    int *path_off;

    /* Where the command names its outputs, so that a key can leave the
     * names out (action.c): name_role[i] is 'o' (argv[i] + name_off[i] is
     * the -o name), 'F' (the -MF name), 'T' or 'Q' (an -MT or -MQ target),
     * 'M' (the -MT/-MQ option whose value is the next argument), or 0.
     * names_matter: a name can reach an output's content or another
     * output's name in a way the model does not rewrite (.dwo and coverage
     * files, dependency options passed through -Wp, or -Xpreprocessor). */
    char *name_role;
    int *name_off;
    int names_matter;

    char *source;            /* as given on the command line */
    enum lang lang;
    int is_clang;            /* decided by the compiler's name */
    int preprocessed;        /* source needs no preprocessing (.i/.ii...) */

    compile_output *outputs; /* outputs[0] is the object (or .s with -S) */
    int n_outputs;

    /* The output may depend on the working directory: set for -g (level
     * > 0, also through -Wa,--gdwarf…), .dwo output, --coverage,
     * -ftest-coverage and -fprofile-arcs, whatever prefix maps are given;
     * the caller checks prefix_maps to see whether they hide the directory
     * (they cannot for coverage data). */
    int cwd_sensitive;
    /* old prefixes given to -fdebug-prefix-map= and -ffile-prefix-map=
     * (malloc'd strings), for the caller to check; "/" when clang's
     * -fdebug-compilation-dir= hides the directory whatever it is.
     * (-fmacro-prefix-map= does not touch debug info, so it is not here.) */
    char **prefix_maps;
    int n_prefix_maps;

    /* The dependency scan: the same compile with output options removed
     * (-c, -S, -o, -MD, -MMD, -MF, -MT, -MQ, -MP and their -Wp forms,
     * -gsplit-dwarf, --coverage-only outputs) and "-M -MT _" added, so its
     * stdout is a make rule listing every file read. NULL-terminated. */
    char **dep_argv;

    /* The arguments that change which programs and files the driver
     * itself finds (compiler_driver_opts), NULL-terminated; set whenever
     * compiler_parse succeeds (cacheable or not). */
    char **driver_opts;
} compile_cmd;

/* The path of the command's output of that kind (the dependency file, the
 * .gcno, ...), or NULL when it writes none. */
const char *compile_cmd_output(const compile_cmd *cmd, enum output_kind kind);

/* Is the compiler (resolved: its path) GNU gcc, by its real name after
 * symbolic links?  Not for clang under any name, nor for one we cannot
 * tell; a few system calls. */
int compiler_is_gcc(const compile_cmd *cmd, const char *resolved);

/* The arguments of argv[1..argc) that change where the driver finds the
 * programs it runs (as, cc1*, collect2, ld), its specs file and the
 * sysroot's standard directories, in order, each in its joined spelling
 * ("-B" "dir" gives "-Bdir", "--sysroot" "s" gives "--sysroot=s", "-target"
 * "t" gives "--target=t"): -B, --sysroot, -isysroot, -no-canonical-prefixes,
 * --gcc-toolchain, --gcc-install-dir, the target and multilib selectors
 * (--target, -m16, -m32, -m64, -mx32), -stdlib=, -specs=, -fuse-ld=,
 * --ld-path=.  The compiler identity (identity.h) asks the driver with
 * exactly these.  The value of another option (-Xlinker -Bstatic) is not
 * one.  A malloc'd NULL-terminated vector of malloc'd strings (free with
 * compiler_driver_opts_free), or NULL out of memory. */
char **compiler_driver_opts(int argc, char *const *argv);
void compiler_driver_opts_free(char **opts);

/* Parse argv (argv[0] = compiler).  Returns 0 with *out filled (cacheable or
 * not), or -1 if a response file cannot be read or nests too deep, or memory
 * runs out (then the command should be run untouched and the compiler will
 * report it).  cwd is used to read relative @files and to look for a
 * precompiled header beside an -include file.  Parsing stops at the first
 * reason not to cache, so source, outputs, path_off and dep_argv are only
 * complete for a cacheable command; argv always is. */
int compiler_parse(int argc, char **argv, const char *cwd, compile_cmd *out);
void compile_cmd_free(compile_cmd *c);

/* 1 if `name` (a basename) names a compiler ricc models: gcc, g++, cc, c++,
 * clang, clang++, and their cross-prefixed (x86_64-linux-gnu-gcc) and
 * versioned (gcc-12, clang++-14) forms: pm_is_compiler's rule
 * (preload/match.h), the one the preload shim applies. */
int compiler_name_known(const char *name);

/* Parse the make rule that `-M` prints (or a .d file): every prerequisite,
 * unescaped ("\ " -> " ", "$$" -> "$", "\#" -> "#", backslash-newline
 * continuations), in order, without duplicates.  Returns the count (>= 0)
 * with *files a malloc'd, NULL-terminated array of malloc'd strings (an
 * array even when the count is 0), or -1 (*files NULL) if malformed. */
int depfile_parse(const char *text, size_t len, char ***files);

/* ---- Internals shared by compiler.c, compiler_opts.c, respfile.c ----
 * Declared here so the unit tests can reach them; other modules should not
 * need them. */

/* Expand @file arguments of argv[1..] the way gcc does (whitespace separates,
 * '…' and "…" quote, backslash escapes; an @file that cannot be opened stays
 * a literal argument; nested @files are relative to cwd).  On success
 * *out_argv is a malloc'd NULL-terminated vector of malloc'd strings.
 * Returns -1 on a read error, nesting deeper than RESPFILE_MAX_DEPTH, or no
 * memory. */
#define RESPFILE_MAX_DEPTH 10
int respfile_expand(int argc, char *const *argv, const char *cwd, int *out_argc,
                    char ***out_argv);

/* How an option takes its value. */
enum opt_form {
    OPT_FLAG,                /* exactly the name */
    OPT_JOINED,              /* the name is a prefix; the rest is the value */
    OPT_SEPARATE,            /* exactly the name; the value is the next argument */
    OPT_JOINED_OR_SEPARATE   /* either of the two above */
};

/* What an option means to the model (compiler.c acts on these). */
enum opt_kind {
    K_OK,                    /* known, changes nothing the model tracks */
    K_PATH,                  /* known; its value is a file-system path */
    K_NO,                    /* makes the command not cacheable: see why */
    K_COMPILE, K_ASSEMBLE,   /* -c, -S */
    K_OUTPUT, K_LANG,        /* -o, -x */
    K_MD, K_MMD, K_MF, K_MT, K_MP, K_MG,
    K_DEBUG, K_DEBUG0,       /* -g forms giving debug info; -g0 */
    K_SPLIT, K_NO_SPLIT, K_SPLIT_EQ,
    K_COVERAGE, K_TEST_COV, K_NO_TEST_COV, K_PROFILE_ARCS, K_NO_PROFILE_ARCS,
    K_STACK_USAGE,
    K_LTO, K_NO_LTO,         /* -flto[=…], -fno-lto */
    K_DEBUG_MAP,             /* -fdebug-prefix-map=, -ffile-prefix-map= */
    K_COMP_DIR,              /* -fdebug-compilation-dir= */
    K_WP, K_XPRE,            /* -Wp,…  -Xpreprocessor */
    K_WA, K_XASM,            /* -Wa,…  -Xassembler */
    K_OPT_INFO,              /* -fopt-info…[=file] */
    K_DIAG_FORMAT,           /* -fdiagnostics-format= */
    K_INCLUDE                /* -include: a path, and maybe a precompiled header */
};

typedef struct compiler_opt {
    const char *name;
    unsigned char form;      /* enum opt_form */
    unsigned char kind;      /* enum opt_kind */
    const char *why;         /* for K_NO */
} compiler_opt;

/* The table entry for an argument starting with '-' (the longest name that
 * matches), or NULL for an option the model does not know. */
const compiler_opt *compiler_opt_find(const char *arg);

/* Language of a source file by its extension (LANG_NONE with *why set when
 * it is not a C-family source ricc can cache), and of a -x name (-1 with
 * *why when ricc cannot cache that language; LANG_NONE for "none"). */
enum lang compiler_lang_of_path(const char *path, const char **why);
int compiler_lang_of_x(const char *name, enum lang *out, const char **why);

#endif
