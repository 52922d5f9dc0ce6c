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

enum lang {
    LANG_NONE,
    LANG_C, LANG_CXX, LANG_OBJC, LANG_OBJCXX,
    LANG_ASM_CPP,            /* .S, .sx, -x assembler-with-cpp */
    LANG_C_PRE, LANG_CXX_PRE, LANG_OBJC_PRE, LANG_OBJCXX_PRE /* .i .ii .mi .mii */
};

enum output_kind { OUT_OBJECT, OUT_ASM, OUT_DEPFILE, OUT_DWO, OUT_GCNO, OUT_SU };

typedef struct compile_output {
    char *path;              /* as the build expects it (relative to cwd or absolute) */
    enum output_kind kind;
} compile_output;

typedef struct compile_cmd {
    int cacheable;
    const char *why_not;     /* static reason when not cacheable */

    /* argv after @file expansion; argv[0] is the compiler as invoked. */
    int argc;
    char **argv;
    /* path_off[i] >= 0: argv[i] + path_off[i] is a file-system path (the
     * source, -I dir, -isystem dir, -include file, -o file, -MF file,
     * --sysroot=dir, ...); -1 otherwise.  Used for path rewriting. */
    int *path_off;

    char *source;            /* as given on the command line */
    enum lang lang;
    int is_clang;            /* decided by the compiler's name */
    int preprocessed;        /* source needs no preprocessing (.i/.ii...) */

    compile_output *outputs; /* outputs[0] is the object (or .s with -S) */
    int n_outputs;

    /* Output depends on the working directory: -g (level > 0) without a
     * -fdebug-prefix-map/-ffile-prefix-map covering it, --coverage,
     * -ftest-coverage, -fprofile-arcs. */
    int cwd_sensitive;
    /* old prefixes given to -fdebug-prefix-map=, -ffile-prefix-map=,
     * -fmacro-prefix-map= (malloc'd strings), for the caller to check. */
    char **prefix_maps;
    int n_prefix_maps;

    /* The dependency scan: the same compile with output options removed
     * (-c, -S, -o, -MD, -MMD, -MF, -MT, -MQ, -MP and their -Wp forms,
     * -gsplit-dwarf, --coverage-only outputs) and "-M -MT _" added, so its
     * stdout is a make rule listing every file read. NULL-terminated. */
    char **dep_argv;
} compile_cmd;

/* Parse argv (argv[0] = compiler).  Returns 0 with *out filled (cacheable or
 * not), or -1 if a response file cannot be read (then the command should be
 * run untouched and the compiler will report it).  cwd is used only to read
 * relative @files. */
int compiler_parse(int argc, char **argv, const char *cwd, compile_cmd *out);
void compile_cmd_free(compile_cmd *c);

/* 1 if `name` (a basename) names a compiler ricc models: gcc, g++, cc, c++,
 * clang, clang++, and their cross-prefixed (x86_64-linux-gnu-gcc) and
 * versioned (gcc-12, clang++-14) forms. */
int compiler_name_known(const char *name);

/* Parse the make rule that `-M` prints (or a .d file): every prerequisite,
 * unescaped ("\ " -> " ", "$$" -> "$", "\#" -> "#", backslash-newline
 * continuations), in order, without duplicates.  Returns the count (>= 0)
 * with *files a malloc'd array of malloc'd strings, or -1 if malformed. */
int depfile_parse(const char *text, size_t len, char ***files);

#endif
