/* SPDX-License-Identifier: Apache-2.0 */
/* link_parse.c — the link command-line model (link.h).
 *
 * A conservative allow-list: an option is accepted only when its effect on
 * the output is either nothing, or a change the key already holds (the
 * argument itself is in the Command; every file the linker opens is traced,
 * link.c).  Whatever could write a file we would not store (-Wl,-Map=,
 * -save-temps, --out-implib), print to stdout (link.c owns the linker's
 * stdout for its trace), read a file the trace does not show (-specs=,
 * @file, -fplugin=), or make the output differ from run to run
 * (--build-id=uuid) makes the command uncacheable, and it runs untouched.
 * Compiling and linking in one command is refused too: the objects the
 * compiler hands the linker are temporary files with new names each time. */
#include "wrapper/flows/link.h"

#include <stdlib.h>
#include <string.h>

static int has_prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

static void refuse(link_cmd *c, const char *why, const char *arg)
{
    if (c->cacheable) {
        c->cacheable = 0;
        c->why_not = why;
        c->why_arg = arg;
    }
}

static int add_file(link_cmd *c, const char *f, int *cap)
{
    if (c->n_files == *cap) {
        int n = *cap ? *cap * 2 : 16;
        char **v = realloc(c->files, (size_t)n * sizeof *v);
        if (!v)
            return -1;
        c->files = v;
        *cap = n;
    }
    if (!(c->files[c->n_files] = strdup(f)))
        return -1;
    c->n_files++;
    return 0;
}

/* Source files: the driver would compile them into temporary objects. */
static int is_source(const char *path)
{
    static const char *const ext[] = {
        ".c", ".cc", ".cp", ".cxx", ".cpp", ".CPP", ".c++", ".C", ".m", ".mm", ".M",
        ".i", ".ii", ".mi", ".mii", ".s", ".S", ".sx", ".h", ".hh", ".hpp", ".H",
        ".f", ".F", ".for", ".f90", ".F90", ".f95", ".go", ".d", ".ads", ".adb", NULL,
    };
    const char *base = strrchr(path, '/');
    const char *dot = strrchr(base ? base : path, '.');
    if (!dot)
        return 0;
    for (int i = 0; ext[i]; i++)
        if (!strcmp(dot, ext[i]))
            return 1;
    return 0;
}

/* ---- linker options (-Wl, and -Xlinker) ----
 * Items come one at a time; an option whose value is the next item leaves
 * `pending` set to what that value is. */
enum pending { P_NONE, P_VALUE, P_FILE };

static const char *const ld_flags[] = {
    "--as-needed", "--no-as-needed", "--start-group", "--end-group", "-(", "-)",
    "--whole-archive", "--no-whole-archive", "--gc-sections", "--no-gc-sections",
    "--no-undefined", "-Bstatic", "-Bdynamic", "-Bsymbolic", "-Bsymbolic-functions",
    "-dn", "-dy", "-static", "-call_shared", "-non_shared", "--export-dynamic", "-E",
    "--no-export-dynamic", "-O0", "-O1", "-O2", "-O3", "--eh-frame-hdr",
    "--enable-new-dtags", "--disable-new-dtags", "-s", "--strip-all", "-S",
    "--strip-debug", "--relax", "--no-relax", "--sort-common", "--warn-common",
    "--fatal-warnings", "--no-fatal-warnings", "--allow-shlib-undefined",
    "--no-allow-shlib-undefined", "--copy-dt-needed-entries",
    "--no-copy-dt-needed-entries", "--push-state", "--pop-state",
    "--no-undefined-version", "--discard-all", "-x", "--discard-locals", "-X",
    "--no-keep-memory", "--reduce-memory-overheads", "--warn-once", "-Bshareable",
    "-shared", "-pie", "--pie", "-no-pie", "--no-dynamic-linker", "--build-id",
    "--warn-execstack", "--no-warn-execstack", "--no-warn-rwx-segments",
    "--warn-rwx-segments", "--undefined-version", "--error-unresolved-symbols",
    "--unresolved-symbols=ignore-all", "--unresolved-symbols=report-all",
    "--unresolved-symbols=ignore-in-object-files",
    "--unresolved-symbols=ignore-in-shared-libs", NULL,
};
/* Options whose value (joined with '=' or the next item) is not a file read. */
static const char *const ld_valued[] = {
    "-rpath", "--rpath", "-rpath-link", "--rpath-link", "-soname", "--soname", "-h",
    "-e", "--entry", "-u", "--undefined", "-z", "--hash-style", "--defsym", "--wrap",
    "--exclude-libs", "--compress-debug-sections", "-L", "--library-path", "-l",
    "--library", "--sort-section", "--max-page-size", "--common-page-size",
    "--image-base", "-m", "--dynamic-linker", "-I", "--require-defined", NULL,
};
/* Options whose value is a file the linker reads outside its trace. */
static const char *const ld_file[] = {
    "--version-script", "--dynamic-list", "-T", "--script", NULL,
};

static int in_list(const char *const *list, const char *s)
{
    for (int i = 0; list[i]; i++)
        if (!strcmp(list[i], s))
            return 1;
    return 0;
}

/* The value part of "--opt=value" when "--opt" is in list. */
static const char *joined_value(const char *const *list, const char *item)
{
    for (int i = 0; list[i]; i++) {
        size_t n = strlen(list[i]);
        if (!strncmp(item, list[i], n) && item[n] == '=')
            return item + n + 1;
    }
    return NULL;
}

static int ld_item(link_cmd *c, const char *item, enum pending *pending, int *cap, const char *arg)
{
    if (*pending != P_NONE) {
        enum pending p = *pending;
        *pending = P_NONE;
        return p == P_FILE ? add_file(c, item, cap) : 0;
    }
    const char *v;
    if (in_list(ld_flags, item))
        return 0;
    if (has_prefix(item, "--build-id=")) {
        if (!strcmp(item, "--build-id=uuid"))
            refuse(c, "--build-id=uuid makes every link different", arg);
        return 0;
    }
    if (in_list(ld_valued, item)) {
        *pending = P_VALUE;
        return 0;
    }
    if (in_list(ld_file, item)) {
        *pending = P_FILE;
        return 0;
    }
    if (joined_value(ld_valued, item))
        return 0;
    if ((v = joined_value(ld_file, item)))
        return add_file(c, v, cap);
    /* Joined short forms: -zrelro, -L/dir, -lfoo, -Tscript. */
    if ((has_prefix(item, "-z") || has_prefix(item, "-L") || has_prefix(item, "-l")) && item[2])
        return 0;
    if (has_prefix(item, "-T") && item[2])
        return add_file(c, item + 2, cap);
    refuse(c, "a linker option ricc does not model", arg);
    return 0;
}

/* Options of the driver that end the question: not a link at all. */
static int not_a_link(const char *a)
{
    static const char *const flags[] = {
        "-c", "-S", "-E", "-M", "-MM", "-###", "-v", "--version", "--help", "-dumpversion",
        "-dumpmachine", "-dumpspecs", "-dumpfullversion", "--target-help", "-fsyntax-only",
        NULL,
    };
    return in_list(flags, a) || has_prefix(a, "-print-") || has_prefix(a, "--print-") ||
           has_prefix(a, "--help=");
}

/* Driver options taking the next argument as their value (when not joined). */
static const char *const drv_separate[] = {
    "-o", "-L", "-l", "-B", "-e", "-u", "-T", "-z", "-I", "-D", "-U", "-isystem",
    "-idirafter", "-iquote", "-Xlinker", "--sysroot", "-x", "-include", "-imacros",
    "-specs", "--param", "-MF", "-MT", "-MQ", "-aux-info", "-wrapper", "-Xassembler",
    "-Xpreprocessor", "-Xclang", "-target", "--target", NULL,
};

/* Options accepted as they are (prefix matches). */
static const char *const drv_ok_prefix[] = {
    "-static", "-shared", "-pie", "-no-pie", "-rdynamic", "-pthread", "-nostdlib",
    "-nostartfiles", "-nodefaultlibs", "-nolibc", "-symbolic", "-m", "-O", "-g",
    "-std=", "-ansi", "-W", "--coverage", "-pipe", "--sysroot=", "-fsanitize",
    "-fno-sanitize", "-fPIC", "-fpic", "-fPIE", "-fpie", "-fno-pic", "-fno-PIC",
    "-fno-pie", "-fno-PIE", "-fno-lto", "-fuse-ld=bfd", "-fopenmp", "-fprofile-arcs",
    "-fprofile-generate", "-ftest-coverage", "-fstack-protector", "-fno-stack-protector",
    "-fvisibility", "-fno-", "-fexceptions", "-fcf-protection", "-fstack-clash-protection",
    "-fasynchronous-unwind-tables", "-funwind-tables", "-fdiagnostics-color", "-D", "-U", "-I", "-L", "-l", "-B", "-T", "-z", "-o", "-target", "--target",
    NULL,
};

int link_parse(int argc, char **argv, link_cmd *c)
{
    memset(c, 0, sizeof *c);
    c->cacheable = 1;
    c->output = "a.out";
    int cap = 0, inputs = 0;
    enum pending pending = P_NONE;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (not_a_link(a)) {
            c->is_link = 0;
            refuse(c, "not a link", a);
            return 0;
        }
        if (a[0] != '-' || !a[1]) {
            if (!a[1] && a[0] == '-') {
                refuse(c, "reads standard input", a);
                continue;
            }
            if (a[0] == '@') {
                refuse(c, "response files are not modelled for links", a);
                continue;
            }
            inputs++;
            if (is_source(a))
                refuse(c, "compiles and links in one command", a);
            if (add_file(c, a, &cap) != 0)
                return -1;
            continue;
        }
        /* Separate-value options: take the value now. */
        const char *val = NULL;
        int separate = in_list(drv_separate, a);
        if (separate) {
            if (i + 1 >= argc) {
                refuse(c, "an option lacks its value", a);
                break;
            }
            val = argv[++i];
        }
        if (!strcmp(a, "-Xlinker")) {
            if (ld_item(c, val, &pending, &cap, a) != 0)
                return -1;
            continue;
        }
        if (has_prefix(a, "-Wl,")) {
            char *copy = strdup(a + 4);
            if (!copy)
                return -1;
            for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok;
                 tok = strtok_r(NULL, ",", &save)) {
                if (ld_item(c, tok, &pending, &cap, a) != 0) {
                    free(copy);
                    return -1;
                }
            }
            free(copy);
            continue;
        }
        if (pending != P_NONE) {
            refuse(c, "a linker option lacks its value", a);
            pending = P_NONE;
        }
        if (!strcmp(a, "-o")) {
            c->output = val;
        } else if (has_prefix(a, "-o") && !separate) {
            c->output = a + 2;
        } else if (!strcmp(a, "-l") || (has_prefix(a, "-l") && !separate)) {
            inputs++;
        } else if (!strcmp(a, "-T")) {
            if (add_file(c, val, &cap) != 0)
                return -1;
        } else if (has_prefix(a, "-T") && !separate) {
            if (add_file(c, a + 2, &cap) != 0)
                return -1;
        } else if (!strcmp(a, "-x") || !strcmp(a, "-include") || !strcmp(a, "-imacros")) {
            refuse(c, "a language or include option in a link", a);
        } else if (!strcmp(a, "-specs") || has_prefix(a, "-specs=") || has_prefix(a, "--specs")) {
            refuse(c, "-specs= reads a file ricc does not track", a);
        } else if (!strcmp(a, "-wrapper") || !strcmp(a, "-Xclang") || !strcmp(a, "-aux-info")) {
            refuse(c, "an option ricc does not model", a);
        } else if (has_prefix(a, "-flto") || has_prefix(a, "-fuse-linker-plugin")) {
            refuse(c, "link-time optimization is not modelled", a);
        } else if (has_prefix(a, "-fuse-ld=") && strcmp(a, "-fuse-ld=bfd") != 0) {
            refuse(c, "only GNU ld's trace is understood", a);
        } else if (has_prefix(a, "-save-temps") || has_prefix(a, "-fplugin") ||
                   has_prefix(a, "-fprofile-use") || has_prefix(a, "-fauto-profile") ||
                   has_prefix(a, "-fdump") || has_prefix(a, "-fcompare-debug") ||
                   has_prefix(a, "-frecord-gcc-switches") || !strcmp(a, "-time") ||
                   !strcmp(a, "-Q") || has_prefix(a, "-ftime-report") ||
                   has_prefix(a, "-fstack-usage") || has_prefix(a, "-fcallgraph-info")) {
            refuse(c, "an option that writes or reads files ricc does not track", a);
        } else if (separate) {
            /* -L, -B, -e, -u, -z, -I, -D, -U, --sysroot, ...: in the Command. */
        } else {
            static const char *const exact[] = {"-p", "-pg", "-s", "-r", "-w", NULL};
            int ok = in_list(exact, a);
            for (int k = 0; drv_ok_prefix[k] && !ok; k++)
                ok = has_prefix(a, drv_ok_prefix[k]);
            /* Other -f options change code generation, which at link time
             * only matters through LTO (refused above). */
            if (!ok && has_prefix(a, "-f"))
                ok = 1;
            if (!ok)
                refuse(c, "an option ricc does not model for links", a);
        }
    }
    if (pending != P_NONE)
        refuse(c, "a linker option lacks its value", NULL);
    c->is_link = inputs > 0;
    if (!c->is_link)
        refuse(c, "no input files", NULL);
    if (c->cacheable && (!c->output[0] || !strcmp(c->output, "-")))
        refuse(c, "output to standard output", c->output);
    return 0;
}

void link_cmd_free(link_cmd *c)
{
    for (int i = 0; i < c->n_files; i++)
        free(c->files[i]);
    free(c->files);
    memset(c, 0, sizeof *c);
}
