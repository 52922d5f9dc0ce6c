/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the gcc/clang command-line model (wrapper/compiler/compiler.h).
 *
 * Most tests are tables of real command lines.  The output tables are also
 * checked against the real compilers: each line is run with gcc and with
 * clang in a scratch copy of a small source tree, and the files the
 * compiler wrote must be exactly the outputs the model predicts for that
 * compiler.  The dependency scan (dep_argv) is run too, and must list the
 * headers the compile reads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/unit/unit.h"
#include "wrapper/compiler/compiler.h"

static char tmp[64];     /* scratch root */
static char fixture[96]; /* the source tree, never compiled in */
static char rundir[96];  /* a fresh copy of it per compiler run */
static int have_gcc, have_clang;

/* ---- helpers ---- */

static int sh(const char *fmt, const char *a, const char *b)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, fmt, a, b);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* Split a command line on spaces (test lines never need quoting). */
static int split(const char *line, char **argv, char *buf, size_t bufsz)
{
    int n = 0;
    snprintf(buf, bufsz, "%s", line);
    for (char *save, *t = strtok_r(buf, " ", &save); t && n < 127; t = strtok_r(NULL, " ", &save))
        argv[n++] = t;
    argv[n] = NULL;
    return n;
}

static int parse_in(const char *line, const char *cwd, compile_cmd *c)
{
    char buf[2048], *argv[128];
    int argc = split(line, argv, buf, sizeof buf);
    return compiler_parse(argc, argv, cwd, c);
}

static int parse(const char *line, compile_cmd *c)
{
    return parse_in(line, fixture, c);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The model's outputs as "K:path" words in a fixed kind order. */
static void outputs_str(const compile_cmd *c, char *out, size_t n)
{
    static const char kinds[] = "OADWGU"; /* indexed by enum output_kind */
    out[0] = '\0';
    for (int i = 0; i < c->n_outputs; i++) {
        size_t len = strlen(out);
        snprintf(out + len, n - len, "%s%c:%s", i ? " " : "", kinds[c->outputs[i].kind],
                 c->outputs[i].path);
    }
}

/* Files under dir that are not under base_dir: sorted, space-separated. */
static void new_files(const char *dir, const char *base_dir, char *out, size_t size)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && find . -type f | sort >'%s/base.lst' && cd '%s' && find . -type f | sort | "
             "comm -13 '%s/base.lst' - | sed 's|^\\./||' | tr '\\n' ' '",
             base_dir, tmp, dir, tmp);
    FILE *p = popen(cmd, "r");
    size_t n = p ? fread(out, 1, size - 1, p) : 0;
    if (p)
        pclose(p);
    while (n && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
}

/* The model's output paths, sorted and joined like new_files(). */
static void model_files(const compile_cmd *c, char *out, size_t size)
{
    char *v[8];
    int n = 0;
    for (int i = 0; i < c->n_outputs && n < 8; i++)
        v[n++] = c->outputs[i].path;
    qsort(v, (size_t)n, sizeof *v, cmp_str);
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        size_t len = strlen(out);
        snprintf(out + len, size - len, "%s%s", i ? " " : "", v[i]);
    }
}

/* Replace the compiler (first word) of line. */
static void with_compiler(const char *line, const char *cc, char *out, size_t n)
{
    const char *rest = strchr(line, ' ');
    snprintf(out, n, "%s%s", cc, rest ? rest : "");
}

/* Run line in a fresh copy of the fixture; 1 if it compiled and wrote
 * exactly the predicted files, 0 if it did not compile (nothing to check),
 * -1 on a mismatch. */
static int run_real(const char *line)
{
    compile_cmd c;
    if (parse(line, &c) != 0)
        return -1;
    int rc = 0;
    if (c.cacheable) {
        sh("rm -rf '%s'%s", rundir, "");
        sh("cp -r '%s' '%s'", fixture, rundir);
        if (sh("cd '%s' && %s >/dev/null 2>&1", rundir, line) == 0) {
            char got[1024], want[1024];
            new_files(rundir, fixture, got, sizeof got);
            model_files(&c, want, sizeof want);
            rc = strcmp(got, want) ? -1 : 1;
            if (rc < 0)
                fprintf(stderr, "\n  %s\n    compiler wrote: %s\n    model predicts: %s\n", line, got, want);
        }
    }
    compile_cmd_free(&c);
    return rc;
}

/* ---- outputs ---- */

typedef struct out_case {
    const char *line;
    const char *outs; /* O object, A assembly, D .d, W .dwo, G .gcno, U .su */
} out_case;

static const out_case out_cases[] = {
    {"gcc -c a.c", "O:a.o"},
    {"gcc -c sub/a.c", "O:a.o"},
    {"gcc -c a.c -o out/x.o", "O:out/x.o"},
    {"gcc -c a.c -o out/x", "O:out/x"},
    {"gcc -c a.c -oout/x.y.o", "O:out/x.y.o"},
    {"gcc -c a.c -o x.o -o out/y.o", "O:out/y.o"},
    {"gcc -S a.c", "A:a.s"},
    {"gcc -c -S sub/a.c", "A:a.s"},
    {"gcc -S a.c -o out/q.s -MD", "A:out/q.s D:out/q.d"},
    {"gcc -c a.c -MD", "O:a.o D:a.d"},
    {"gcc -c sub/a.c -MD", "O:a.o D:a.d"},
    {"gcc -c a.c -MD -o out/x.o", "O:out/x.o D:out/x.d"},
    {"gcc -c a.c -MD -o out/x", "O:out/x D:out/x.d"},
    {"gcc -c a.c -MMD -o o.dir/x", "O:o.dir/x D:o.dir/x.d"},
    {"gcc -c a.c -MD -o out/x.", "O:out/x. D:out/x.d"},
    {"gcc -c a.c -MD -MF dd -MF out/m2.d", "O:a.o D:out/m2.d"},
    {"gcc -c a.c -o out/x.o -MMD -MFout/j.d -MT foo -MQ bar -MP", "O:out/x.o D:out/j.d"},
    {"gcc -c a.c -Wp,-MD,out/wp.d -o out/x.o", "O:out/x.o D:out/wp.d"},
    {"gcc -c a.c -Wp,-MMD,out/wp.d,-MP,-MTfoo,-DX=1", "O:a.o D:out/wp.d"},
    {"gcc -c a.c -Xpreprocessor -MD -Xpreprocessor out/xp.d", "O:a.o D:out/xp.d"},
    {"clang -c a.c -Wp,-MMD,out/wp.d -Wp,-MT,foo", "O:a.o D:out/wp.d"},
    {"clang -c a.c -MF out/m.d", "O:a.o"},
    {"gcc -c a.c -gsplit-dwarf", "O:a.o W:a.dwo"},
    {"gcc -c sub/a.c -g0 -gsplit-dwarf", "O:a.o W:a.dwo"},
    {"gcc -c a.c -g -gsplit-dwarf -o out/x.y.o", "O:out/x.y.o W:out/x.y.dwo"},
    {"gcc -c a.c -g -gsplit-dwarf -o o.dir/x", "O:o.dir/x W:o.dir/x.dwo"},
    {"gcc -c a.c -g -gsplit-dwarf -gno-split-dwarf", "O:a.o"},
    {"gcc -S a.c -g -gsplit-dwarf", "A:a.s"},
    {"clang -c a.c -gsplit-dwarf", "O:a.o"},
    {"clang -c a.c -g -gsplit-dwarf -o out/x", "O:out/x W:out/x.dwo"},
    {"clang -c a.c -gline-tables-only -gsplit-dwarf", "O:a.o W:a.dwo"},
    {"clang -c a.c -gdwarf-4 -g0 -gsplit-dwarf", "O:a.o"},
    {"clang -c a.c -g -gsplit-dwarf=single", "O:a.o"},
    {"clang -c a.c -g -gsplit-dwarf=split", "O:a.o W:a.dwo"},
    {"clang -c s.S -gsplit-dwarf", "O:s.o W:s.dwo"},
    {"gcc -c a.c --coverage -o out/x.o", "O:out/x.o G:out/x.gcno"},
    {"gcc -c sub/a.c --coverage", "O:a.o G:a.gcno"},
    {"gcc -c a.c -ftest-coverage -fprofile-arcs -o out/x", "O:out/x G:out/x.gcno"},
    {"gcc -c a.c -ftest-coverage -fno-test-coverage", "O:a.o"},
    {"gcc -c a.c --coverage -fno-test-coverage", "O:a.o G:a.gcno"},
    {"gcc -c a.c -fstack-usage -o out/x", "O:out/x U:out/x.su"},
    {"gcc -c sub/a.c -fstack-usage", "O:a.o U:a.su"},
    {"gcc -S a.c -fstack-usage --coverage -MD", "A:a.s D:a.d G:a.gcno U:a.su"},
    {"gcc -c a.c -g -gsplit-dwarf --coverage -fstack-usage -MD -o out/x.obj",
     "O:out/x.obj D:out/x.d W:out/x.dwo G:out/x.gcno U:out/x.su"},
    {"gcc -c s.S -g -gsplit-dwarf --coverage -fstack-usage -MD", "O:s.o D:s.d W:s.dwo"},
    {"gcc -c -x assembler-with-cpp s.S -o out/s.o", "O:out/s.o"},
    {"gcc -c a.i -g -gsplit-dwarf --coverage -fstack-usage -MD", "O:a.o W:a.dwo G:a.gcno U:a.su"},
    {"clang -c a.i -MD", "O:a.o"},
    {"gcc -c -x c noext -MD --coverage", "O:noext.o D:noext.d G:noext.gcno"},
    {"g++ -c b.cc -MD -MF out/b.d -std=c++17", "O:b.o D:out/b.d"},
    {"clang++ -c -x c++ a.c -o out/a.o", "O:out/a.o"},
    {"gcc -c a.c -Wl,-z,now -lm -L/tmp -Xlinker --foo -pthread", "O:a.o"},
    {"gcc -c a.c -flto --coverage -flto-partition=one", "O:a.o G:a.gcno"},
    {"gcc -c a.c -flto -fno-lto -fstack-usage", "O:a.o U:a.su"},
};

static void test_outputs(void)
{
    for (size_t i = 0; i < sizeof out_cases / sizeof *out_cases; i++) {
        compile_cmd c;
        char got[1024];
        CU_ASSERT_EQUAL_FATAL(parse(out_cases[i].line, &c), 0);
        CU_ASSERT(c.cacheable);
        outputs_str(&c, got, sizeof got);
        CU_ASSERT_STRING_EQUAL(got, out_cases[i].outs);
        if (!c.cacheable || strcmp(got, out_cases[i].outs))
            fprintf(stderr, "\n  %s\n    why_not %s; outputs '%s'\n", out_cases[i].line,
                    c.why_not ? c.why_not : "-", got);
        compile_cmd_free(&c);
    }
}

/* The table above, run by the compiler it names (which must succeed and
 * write exactly those files) and by the other one (which, when it accepts
 * the line, must too). */
static void test_outputs_real(void)
{
    if (!have_gcc || !have_clang) {
        fprintf(stderr, "(gcc or clang missing: skipped) ");
        return;
    }
    int checked = 0;
    for (size_t i = 0; i < sizeof out_cases / sizeof *out_cases; i++) {
        const char *line = out_cases[i].line;
        int is_clang = !strncmp(line, "clang", 5), cxx = strstr(line, "++ ") != NULL;
        char other[1024];
        int r = run_real(line);
        CU_ASSERT_EQUAL(r, 1);
        if (r != 1)
            fprintf(stderr, "\n  failed as written: %s\n", line);
        with_compiler(line, is_clang ? (cxx ? "g++" : "gcc") : (cxx ? "clang++" : "clang"), other,
                      sizeof other);
        r = run_real(other);
        CU_ASSERT(r >= 0);
        checked += r > 0;
    }
    CU_ASSERT(checked > 30); /* most lines work with both compilers */
}

/* ---- not cacheable ---- */

typedef struct no_case {
    const char *line;
    const char *why; /* a substring of why_not */
} no_case;

static const no_case no_cases[] = {
    {"gcc a.c -o a", "linking"},
    {"gcc -c", "no input"},
    {"gcc -c a.c sub/a.c", "several input"},
    {"gcc -c x.o", "not a C-family"},
    {"gcc -c libx.a", "not a C-family"},
    {"gcc -c a.foo", "not a C-family"},
    {"gcc -c -", "standard input"},
    {"gcc -c -x c -", "standard input"},
    {"gcc -E a.c", "-E"},
    {"gcc -E -c a.c", "-E"},
    {"gcc -c a.c -M", "-M/-MM"},
    {"gcc -c a.c -MM -MD", "-M/-MM"},
    {"gcc -fsyntax-only a.c", "syntax"},
    {"gcc -S s.S", "-S of an assembler"},
    {"gcc -c h.h", "precompiled header"},
    {"gcc -c -x c-header a.c", "precompiled header"},
    {"gcc -c -x c-cpp-output a.c", "unsupported language"},
    {"clang -c -x cuda a.c", "unsupported language"},
    {"gcc -c a.c -save-temps", "save-temps"},
    {"gcc -c a.c -save-temps=obj", "save-temps"},
    {"gcc -c a.c -specs=x.specs", "specs"},
    {"gcc -c a.c -B/opt/bin", "driver"},
    {"gcc -c a.c -B /opt/bin", "driver"},
    {"gcc -c a.c -fplugin=foo.so", "plugin"},
    {"gcc -c a.c -fplugin-arg-foo-x=1", "plugin"},
    {"gcc -c a.c -fprofile-use", "profile"},
    {"gcc -c a.c -fprofile-use=dir", "profile"},
    {"gcc -c a.c -fprofile-generate", "profile"},
    {"gcc -c a.c -fprofile-dir=d", "profile"},
    {"gcc -c a.c -fauto-profile=x.afdo", "profile"},
    {"gcc -c a.c -fbranch-probabilities", "profile"},
    {"clang -c a.c -fprofile-instr-generate", "profile"},
    {"clang -c a.c -fprofile-instr-use=x.profdata", "profile"},
    {"clang -c a.c -fprofile-sample-use=x.prof", "profile"},
    {"gcc -c a.c -fprofile-note=x.gcno", "files ricc does not track"},
    {"gcc -c a.c -fdump-tree-all", "dump"},
    {"gcc -c a.c -fcallgraph-info=su", "files ricc does not track"},
    {"clang -c a.c -fsave-optimization-record", "files ricc does not track"},
    {"gcc -c a.c -fopt-info-vec-missed=report.txt", "report"},
    {"gcc -c a.c -fdiagnostics-format=json-file", "diagnostics"},
    {"gcc -c a.c -fmodules-ts", "modules"},
    {"clang -c a.c -fmodules", "modules"},
    {"clang -c a.c -fmodule-map-file=m.modulemap", "modules"},
    {"clang -c a.c -gmodules", "modules"},
    {"gcc -c a.c -v", "verbose"},
    {"gcc -c a.c -###", "prints"},
    {"gcc --version", "prints"},
    {"gcc -print-search-dirs", "prints"},
    {"gcc -print-file-name=libc.so", "prints"},
    {"gcc -dumpversion", "dump"},
    {"gcc -dumpmachine", "dump"},
    {"gcc -c a.c -dumpbase x", "dump"},
    {"gcc -c a.c -dumpdir out/", "dump"},
    {"gcc -c a.c -dD", "dump"},
    {"gcc -c a.c -aux-info x.aux", "files ricc does not track"},
    {"gcc -c a.c -ftime-report", "timings"},
    {"clang -c a.c -ftime-trace", "files ricc does not track"},
    {"clang -c a.c -fsanitize=address -fsanitize-ignorelist=ign.txt", "list file"},
    {"clang -c a.c -fsanitize-blacklist=ign.txt", "list file"},
    {"clang -c a.c -Xclang -fcolor-diagnostics", "-Xclang"},
    {"clang -c a.c -MJ cdb.json", "files ricc does not track"},
    {"gcc -c a.c -Wa,-adhln=a.lst", "listing"},
    {"gcc -c a.c -Wa,--noexecstack,-al", "listing"},
    {"gcc -c a.c -Wa,--MD,x.d", "assembler dependency"},
    {"gcc -c a.c -Xassembler -al", "listing"},
    {"gcc -c a.c -Wa,-o,x.o", "assembler output"},
    {"gcc -c a.c -Wp,-dM", "unsupported -Wp"},
    {"gcc -c a.c -Wp,-MD", "missing"},
    {"gcc -c a.c -Xpreprocessor -fdirectives-only", "unsupported -Xpreprocessor"},
    {"clang -c a.c -Wp,-MD,x.d,-MP", "clang does not honour"},
    {"clang -c a.c -Wp,-MF,x.d", "clang does not honour"},
    {"clang -c a.c -Xpreprocessor -MD -Xpreprocessor x.d", "clang does not honour"},
    {"cc -c a.c -Wp,-MD,x.d,-MP", "clang does not honour"},
    {"gcc -c a.c -MD -Wp,-MD,x.d", "both by the driver"},
    {"gcc -c a.c -MF y.d -Xpreprocessor -MMD -Xpreprocessor x.d", "both by the driver"},
    {"gcc -c a.c --frobnicate", "unknown option"},
    {"gcc -c a.c -Q", "unknown option"},
    {"gcc -c a.c -o -", "standard output"},
    {"gcc -c a.c -o /dev/null", "device"},
    {"gcc -c a.c -MD -MF /dev/null", "device"},
    {"gcc -c a.c -MD -MF a.o", "same name"},
    {"gcc -c a.c -I", "missing"},
    {"gcc -c a.c -o", "missing"},
    {"gcc -c a.c -x", "missing"},
    {"cc -c a.c -gsplit-dwarf", "name does not say"},
    {"clang -S a.c -g -gsplit-dwarf", "clang -S"},
    {"gcc -c a.c -o .x --coverage", "dot"},
    {"gcc -c a.c -include pch.h", "precompiled header"},
    {"clang -c a.c -include-pch x.pch", "precompiled header"},
    {"gcc -c a.c -fdebug-prefix-map=noequals", "malformed prefix"},
    {"clang -c a.c -gsplit-dwarf=bogus", "-gsplit-dwarf="},
    {"gcc -c a.c -gtoggle", "-gtoggle"},
    {"gcc -c a.c -wrapper gdb,--args", "driver"},
    {"gcc -c a.c -time", "timings"},
    {"gcc -c a.c -flto -fstack-usage", "-flto"},
    {"clang -c a.c -flto=thin -g -gsplit-dwarf", "-flto"},
    {"clang -c a.c -emit-llvm", "unknown option"},
    {"clang -c a.c -save-stats", "unknown option"},
};

static void test_not_cacheable(void)
{
    for (size_t i = 0; i < sizeof no_cases / sizeof *no_cases; i++) {
        compile_cmd c;
        CU_ASSERT_EQUAL_FATAL(parse(no_cases[i].line, &c), 0);
        int ok = !c.cacheable && c.why_not && strstr(c.why_not, no_cases[i].why);
        CU_ASSERT(ok);
        if (!ok)
            fprintf(stderr, "\n  %s\n    cacheable=%d why_not='%s' (want '%s')\n", no_cases[i].line,
                    c.cacheable, c.why_not ? c.why_not : "", no_cases[i].why);
        compile_cmd_free(&c);
    }
    /* why_arg names the offending argument. */
    compile_cmd c;
    CU_ASSERT_EQUAL_FATAL(parse("gcc -O2 -c a.c --frobnicate -o a.o", &c), 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.why_arg);
    CU_ASSERT_STRING_EQUAL(c.why_arg, "--frobnicate");
    CU_ASSERT_EQUAL(c.argc, 7); /* the argument vector is still there */
    compile_cmd_free(&c);
}

/* Command lines from real build systems, all cacheable. */
static const char *const real_lines[] = {
    /* Linux kbuild */
    "gcc -Wp,-MMD,drivers/.a.o.d -nostdinc -I./arch/x86/include -I./include -include "
    "./include/linux/kconfig.h -D__KERNEL__ -fmacro-prefix-map=./= -Wall -Wundef "
    "-Werror=strict-prototypes -fno-strict-aliasing -fshort-wchar -fno-PIE -std=gnu11 -mno-sse "
    "-mno-mmx -m64 -falign-jumps=1 -mcmodel=kernel -fno-asynchronous-unwind-tables "
    "-mindirect-branch=thunk-extern -fno-jump-tables -O2 -fstack-protector-strong -pg "
    "-mrecord-mcount -mfentry -DCC_USING_FENTRY -fno-stack-clash-protection -g -gdwarf-5 "
    "-DKBUILD_MODNAME=a -DKBUILD_BASENAME=a -c -o drivers/a.o a.c",
    /* CMake + Ninja */
    "/usr/bin/c++ -DFOO -I/src/include -isystem /usr/local/include -O3 -DNDEBUG -std=gnu++17 -fPIC "
    "-MD -MT CMakeFiles/x.dir/b.cc.o -MF CMakeFiles/x.dir/b.cc.o.d -o CMakeFiles/x.dir/b.cc.o "
    "-c /src/b.cc",
    /* Automake */
    "gcc -DHAVE_CONFIG_H -I. -I.. -g -O2 -MT foo.o -MD -MP -MF .deps/foo.Tpo -c -o foo.o foo.c",
    /* Meson */
    "cc -Ifoo.p -I. -fdiagnostics-color=always -D_FILE_OFFSET_BITS=64 -Wall -Winvalid-pch -O0 -g "
    "-MD -MQ foo.p/a.c.o -MF foo.p/a.c.o.d -o foo.p/a.c.o -c ../a.c",
    /* clang cross-compiling with reproducibility flags */
    "clang -target aarch64-linux-gnu --target=aarch64-linux-gnu -march=armv8-a -fcolor-diagnostics "
    "-Qunused-arguments --sysroot=/sr -fdebug-prefix-map=/src=. -ffile-prefix-map=/b=/c -g "
    "-fdebug-compilation-dir=. -gcc-toolchain /opt/gcc -resource-dir /opt/res -c a.c",
    "x86_64-linux-gnu-gcc-12 -c a.c -iquote inc -idirafter /x -iprefix /p/ -iwithprefix sub "
    "-iwithprefixbefore sub2 -imacros m.h -isysroot /sr -I=/usr/include -isystem$SYSROOT/inc "
    "-nostdinc -P -C -CC -pipe -pedantic-errors -ansi -w -O3 -Os -Ofast -Og -march=native "
    "-mtune=generic -fPIC -fno-common -pthread -U X -D Y=1 -A sys=1 -H --param max-inline-insns=5",
    "gcc -c a.c -Wl,-rpath,/x -lm -l m -L/usr/lib -L /l -Xlinker -z -Xlinker now -static -shared "
    "-rdynamic -nostdlib -nostartfiles -s -pie -no-pie -u sym -T x.ld -z relro",
    "gcc -c a.c -Wa,--noexecstack -Xassembler --compress-debug-sections -fprofile-arcs "
    "-fprofile-update=atomic -frecord-gcc-switches -fdiagnostics-color=always -fopt-info-vec-missed "
    "-frandom-seed=x -fmacro-prefix-map=a=b -g3 -ggdb -gdwarf-4 -gz=zlib -gno-column-info "
    "-gstrict-dwarf -fprofile-abs-path -fdiagnostics-format=json -flto -ffat-lto-objects",
    "clang++ -c b.cc -stdlib=libc++ -mllvm -x86-asm-syntax=intel -fcoverage-mapping "
    "-fsanitize=address,undefined -fno-sanitize-recover=all -gline-tables-only -Xpreprocessor -DZ",
    "gcc -c a.c -Xpreprocessor -D -Xpreprocessor Q=1 -Xpreprocessor -MP -Wp,-I,inc,-DX=1",
};

static void test_real_build_lines(void)
{
    for (size_t i = 0; i < sizeof real_lines / sizeof *real_lines; i++) {
        compile_cmd c;
        CU_ASSERT_EQUAL_FATAL(parse(real_lines[i], &c), 0);
        CU_ASSERT(c.cacheable);
        if (!c.cacheable)
            fprintf(stderr, "\n  %s\n    why_not %s (%s)\n", real_lines[i], c.why_not,
                    c.why_arg ? c.why_arg : "-");
        compile_cmd_free(&c);
    }
}

/* ---- languages ---- */

static void test_languages(void)
{
    static const struct {
        const char *line;
        enum lang lang;
        int preprocessed;
    } cases[] = {
        {"gcc -c a.c", LANG_C, 0},         {"g++ -c b.cc", LANG_CXX, 0},
        {"g++ -c b.cpp", LANG_CXX, 0},     {"g++ -c b.CPP", LANG_CXX, 0},
        {"g++ -c b.cxx", LANG_CXX, 0},     {"g++ -c b.cp", LANG_CXX, 0},
        {"g++ -c b.c++", LANG_CXX, 0},     {"g++ -c b.C", LANG_CXX, 0},
        {"gcc -c o.m", LANG_OBJC, 0},      {"gcc -c o.mm", LANG_OBJCXX, 0},
        {"gcc -c o.M", LANG_OBJCXX, 0},    {"gcc -c s.S", LANG_ASM_CPP, 0},
        {"gcc -c s.sx", LANG_ASM_CPP, 0},  {"gcc -c a.i", LANG_C_PRE, 1},
        {"g++ -c a.ii", LANG_CXX_PRE, 1},  {"gcc -c o.mi", LANG_OBJC_PRE, 1},
        {"gcc -c o.mii", LANG_OBJCXX_PRE, 1},
        {"gcc -c -x c++ a.c", LANG_CXX, 0},
        {"gcc -c -xc++ q.txt", LANG_CXX, 0},
        {"gcc -c -x c++ -x none a.c", LANG_C, 0},
        {"gcc -c a.c -x c++", LANG_C, 0}, /* -x after the source: no effect */
        {"gcc -c -x cpp-output a.c", LANG_C_PRE, 1},
        {"clang -c -x objective-c++-cpp-output a.i", LANG_OBJCXX_PRE, 1},
        {"gcc -c -x assembler-with-cpp a.c", LANG_ASM_CPP, 0},
        {"gcc -c x.s", LANG_ASM, 1},       {"gcc -c -x assembler s.S", LANG_ASM, 1},
        {"gcc -c -x c x.o", LANG_C, 0}, /* -x wins over the extension */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        compile_cmd c;
        CU_ASSERT_EQUAL_FATAL(parse(cases[i].line, &c), 0);
        CU_ASSERT(c.cacheable);
        CU_ASSERT_EQUAL(c.lang, cases[i].lang);
        CU_ASSERT_EQUAL(c.preprocessed, cases[i].preprocessed);
        if (!c.cacheable || c.lang != cases[i].lang)
            fprintf(stderr, "\n  %s: lang %d why %s\n", cases[i].line, c.lang, c.why_not);
        compile_cmd_free(&c);
    }
    compile_cmd c;
    CU_ASSERT_EQUAL_FATAL(parse("/usr/bin/clang-14 -c sub/a.c", &c), 0);
    CU_ASSERT(c.is_clang);
    CU_ASSERT_STRING_EQUAL(c.source, "sub/a.c");
    compile_cmd_free(&c);
    CU_ASSERT_EQUAL_FATAL(parse("x86_64-linux-gnu-gcc -c a.c", &c), 0);
    CU_ASSERT(!c.is_clang);
    compile_cmd_free(&c);
}

/* ---- path offsets ---- */

static void test_path_off(void)
{
    static const char line[] =
        "gcc -c -I/usr/inc -I rel a.c -o out/x.o -MD -MF out/x.d --sysroot=/x -isystem /sys "
        "-include pre.h -iquote q -idirafter d -imacros m.h -isysroot/sr -MT tgt -DX=1 -x c "
        "-I=/sysrel -ofoo.o -MFj.d --sysroot /y -iwithprefix w";
    static const int want[] = {
        -1, -1, 2, -1, 0, 0,  -1, 0,  -1, -1, 0,  10, -1, 0, -1, 0, -1, 0, -1,
        0,  -1, 0, 9, -1, -1, -1, -1, -1, -1, 2,  3,  -1, 0, -1, -1,
    };
    compile_cmd c;
    CU_ASSERT_EQUAL_FATAL(parse(line, &c), 0);
    CU_ASSERT_FATAL(c.cacheable);
    CU_ASSERT_EQUAL_FATAL(c.argc, (int)(sizeof want / sizeof *want));
    for (int i = 0; i < c.argc; i++) {
        CU_ASSERT_EQUAL(c.path_off[i], want[i]);
        if (c.path_off[i] != want[i])
            fprintf(stderr, "\n  argv[%d] '%s': path_off %d, want %d\n", i, c.argv[i], c.path_off[i], want[i]);
    }
    compile_cmd_free(&c);

    /* Inside -Wp, and -Xpreprocessor. */
    CU_ASSERT_EQUAL_FATAL(parse("gcc -c a.c -Wp,-DX,-MMD,out/wp.d -Xpreprocessor -DY", &c), 0);
    CU_ASSERT_EQUAL(c.path_off[3], 13);
    CU_ASSERT_STRING_EQUAL(c.argv[3] + c.path_off[3], "out/wp.d");
    compile_cmd_free(&c);
    CU_ASSERT_EQUAL_FATAL(parse("gcc -c a.c -Xpreprocessor -MMD -Xpreprocessor out/xp.d", &c), 0);
    CU_ASSERT_EQUAL(c.path_off[6], 0);
    CU_ASSERT_EQUAL(c.path_off[4], -1);
    compile_cmd_free(&c);
}

/* ---- working-directory sensitivity and prefix maps ---- */

static void test_cwd_sensitive(void)
{
    static const struct {
        const char *line;
        int sensitive;
        const char *maps; /* prefix_maps joined by spaces */
    } cases[] = {
        {"gcc -c a.c -O2", 0, ""},
        {"gcc -c a.c -g", 1, ""},
        {"gcc -c a.c -g -g0", 0, ""},
        {"gcc -c a.c -g0 -gdwarf-4", 1, ""},
        {"gcc -c a.c -ggdb3", 1, ""},
        {"gcc -c a.c -gz -gno-column-info", 0, ""},
        {"gcc -c a.c --coverage", 1, ""},
        {"gcc -c a.c -ftest-coverage", 1, ""},
        {"gcc -c a.c -fprofile-arcs", 1, ""},
        {"gcc -c a.c -fprofile-arcs -fno-profile-arcs", 0, ""},
        {"gcc -c s.S -Wa,--gdwarf-5", 1, ""},
        {"gcc -c a.c -g -fdebug-prefix-map=/src=. -ffile-prefix-map=/b/=x", 1, "/src /b/"},
        {"gcc -c a.c -fmacro-prefix-map=/src=. -g", 1, ""},
        {"clang -c a.c -g -fdebug-compilation-dir=.", 1, "/"},
        {"clang -c a.c -g -fdebug-compilation-dir .", 1, "/"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        compile_cmd c;
        char maps[256] = "";
        CU_ASSERT_EQUAL_FATAL(parse(cases[i].line, &c), 0);
        CU_ASSERT(c.cacheable);
        CU_ASSERT_EQUAL(c.cwd_sensitive, cases[i].sensitive);
        for (int k = 0; k < c.n_prefix_maps; k++)
            snprintf(maps + strlen(maps), sizeof maps - strlen(maps), "%s%s", k ? " " : "", c.prefix_maps[k]);
        CU_ASSERT_STRING_EQUAL(maps, cases[i].maps);
        if (c.cwd_sensitive != cases[i].sensitive || strcmp(maps, cases[i].maps))
            fprintf(stderr, "\n  %s: sensitive %d maps '%s'\n", cases[i].line, c.cwd_sensitive, maps);
        compile_cmd_free(&c);
    }
}

/* ---- the dependency scan ---- */

static void join(char *const *v, char *out, size_t n)
{
    out[0] = '\0';
    for (int i = 0; v[i]; i++)
        snprintf(out + strlen(out), n - strlen(out), "%s%s", i ? " " : "", v[i]);
}

static void test_dep_argv(void)
{
    static const struct {
        const char *line, *dep;
    } cases[] = {
        {"gcc -c a.c -o out/x.o -MD -MF out/x.d -MT x -MQ y -MP -MG -I inc -DX",
         "gcc a.c -I inc -DX -M -MT _"},
        {"gcc -c a.c -MMD -MFout/x.d -MTx -oout/x.o", "gcc a.c -M -MT _"},
        {"gcc -c a.c -Wp,-MD,out/wp.d,-DX=1,-MT,foo,-MQbar -g -gsplit-dwarf --coverage -fstack-usage "
         "-ftest-coverage -S",
         "gcc a.c -Wp,-DX=1 -g -M -MT _"},
        {"gcc -c a.c -Wp,-MMD,out/wp.d", "gcc a.c -M -MT _"},
        {"gcc -c -Xpreprocessor -MD -Xpreprocessor x.d -Xpreprocessor -MP -Xpreprocessor -DY a.c",
         "gcc -Xpreprocessor -DY a.c -M -MT _"},
        {"clang -c -x c++ a.c -include pre.h -fprofile-arcs -gsplit-dwarf=split -g",
         "clang -x c++ a.c -include pre.h -fprofile-arcs -g -M -MT _"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        compile_cmd c;
        char got[1024];
        CU_ASSERT_EQUAL_FATAL(parse(cases[i].line, &c), 0);
        CU_ASSERT_FATAL(c.cacheable && c.dep_argv);
        join(c.dep_argv, got, sizeof got);
        CU_ASSERT_STRING_EQUAL(got, cases[i].dep);
        if (strcmp(got, cases[i].dep))
            fprintf(stderr, "\n  %s\n    dep_argv: %s\n", cases[i].line, got);
        compile_cmd_free(&c);
    }
}

/* Run argv in dir and capture stdout. */
static int capture(char **argv, const char *dir, char *out, size_t n)
{
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        if (chdir(dir) != 0)
            _exit(127);
        dup2(fd[1], 1);
        close(fd[0]);
        close(fd[1]);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(fd[1]);
    size_t len = 0;
    ssize_t r;
    while (len + 1 < n && (r = read(fd[0], out + len, n - 1 - len)) > 0)
        len += (size_t)r;
    out[len] = '\0';
    close(fd[0]);
    int st;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int has_dep(char **files, int n, const char *suffix)
{
    size_t ls = strlen(suffix);
    for (int i = 0; i < n; i++) {
        size_t lf = strlen(files[i]);
        if (lf >= ls && !strcmp(files[i] + lf - ls, suffix))
            return 1;
    }
    return 0;
}

/* The scan of a compile with every kind of output option must print a rule
 * naming the source, the -I header and the -include file, and write nothing. */
static void test_dep_scan_real(void)
{
    static const char *const lines[] = {
        "%s -c main.c -Iinc -include pre.h -o out/x.o -MD -MF out/x.d -MT foo -MP -g -gsplit-dwarf "
        "--coverage -fstack-usage",
        "%s -c main.c -Wp,-MMD,out/wp.d -Iinc -include pre.h -o out/y.o",
    };
    static const char *const ccs[] = {"gcc", "clang"};
    char dir[128];
    snprintf(dir, sizeof dir, "%s/scan", tmp);
    sh("mkdir -p '%s/inc' '%s/out'", dir, dir);
    write_file(dir, "main.c", "#include \"h.h\"\nint f(void) { return H + P; }\n");
    write_file(dir, "inc/h.h", "#define H 1\n");
    write_file(dir, "pre.h", "#define P 2\n");
    for (size_t k = 0; k < 2; k++) {
        if (!(k ? have_clang : have_gcc))
            continue;
        for (size_t l = 0; l < sizeof lines / sizeof *lines; l++) {
            char line[512], out[8192], **files = NULL;
            snprintf(line, sizeof line, lines[l], ccs[k]);
            compile_cmd c;
            CU_ASSERT_EQUAL_FATAL(parse_in(line, dir, &c), 0);
            CU_ASSERT_FATAL(c.cacheable);
            CU_ASSERT_EQUAL(capture(c.dep_argv, dir, out, sizeof out), 0);
            int n = depfile_parse(out, strlen(out), &files);
            CU_ASSERT(n >= 3);
            CU_ASSERT(has_dep(files, n, "main.c"));
            CU_ASSERT(has_dep(files, n, "inc/h.h"));
            CU_ASSERT(has_dep(files, n, "pre.h"));
            if (k == 0)
                CU_ASSERT(has_dep(files, n, "/usr/include/stdc-predef.h"));
            for (int i = 0; i < n; i++)
                free(files[i]);
            free(files);
            char names[1024], none[128];
            snprintf(none, sizeof none, "%s/none", tmp);
            new_files(dir, none, names, sizeof names);
            CU_ASSERT_STRING_EQUAL(names, "inc/h.h main.c pre.h"); /* the scan wrote nothing */
            compile_cmd_free(&c);
        }
    }
}

/* ---- response files ---- */

static void test_response_files(void)
{
    char dir[128];
    snprintf(dir, sizeof dir, "%s/rsp", tmp);
    sh("mkdir -p '%s/adir'", dir, "");
    write_file(dir, "one", "-DA=1 \"-DB=two words\" '-DC=it''s' @two a\\ b.c\n"
                           "-DD=\"q\\\"x\" @missing-file -DE='back\\\\slash' '' @empty @adir\n");
    write_file(dir, "two", "-c\n\t-o  out/x.o @three\n");
    write_file(dir, "three", "-DNESTED");
    write_file(dir, "empty", "  \n\t\n");
    write_file(dir, "loop", "-DX @loop");

    char *argv[] = {"gcc", "-O2", "@one", "-g", NULL}, **out;
    int argc;
    CU_ASSERT_EQUAL_FATAL(respfile_expand(4, argv, dir, &argc, &out), 0);
    static const char *const want[] = {
        "gcc", "-O2", "-DA=1", "-DB=two words", "-DC=its", "-c", "-o", "out/x.o", "-DNESTED", "a b.c",
        "-DD=q\"x", "@missing-file", "-DE=back\\slash", "", "@adir", "-g",
    };
    CU_ASSERT_EQUAL_FATAL(argc, (int)(sizeof want / sizeof *want));
    for (int i = 0; i < argc; i++) {
        CU_ASSERT_STRING_EQUAL(out[i], want[i]);
        if (strcmp(out[i], want[i]))
            fprintf(stderr, "\n  [%d] '%s' want '%s'\n", i, out[i], want[i]);
    }
    CU_ASSERT_PTR_NULL(out[argc]);
    for (int i = 0; i < argc; i++)
        free(out[i]);
    free(out);

    /* A file that names itself: too deep, so the command runs untouched. */
    char *loop[] = {"gcc", "-c", "a.c", "@loop", NULL};
    CU_ASSERT_EQUAL(respfile_expand(4, loop, dir, &argc, &out), -1);
    compile_cmd c;
    CU_ASSERT_EQUAL(compiler_parse(4, loop, dir, &c), -1);

    /* Through compiler_parse, with the process in another directory. */
    write_file(dir, "args", "-c a.c -o 'out dir/a.o' -MD");
    CU_ASSERT_EQUAL_FATAL(parse_in("gcc @args", dir, &c), 0);
    CU_ASSERT(c.cacheable);
    char got[256];
    outputs_str(&c, got, sizeof got);
    CU_ASSERT_STRING_EQUAL(got, "O:out dir/a.o D:out dir/a.d");
    CU_ASSERT_EQUAL(c.argc, 6);
    CU_ASSERT_EQUAL(c.path_off[4], 0);
    compile_cmd_free(&c);

    /* gcc itself agrees on the quoting: the macros it sees are ours. */
    if (have_gcc) {
        write_file(dir, "q.c", "const char *s = S; int t = T;\n");
        write_file(dir, "qr", "-DS='\"a b\"' -DT=\\7 -E q.c");
        char *e[] = {"gcc", "@qr", NULL}, text[8192];
        CU_ASSERT_EQUAL(capture(e, dir, text, sizeof text), 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(text, "const char *s = \"a b\"; int t = 7;"));
        CU_ASSERT_EQUAL_FATAL(respfile_expand(2, e, dir, &argc, &out), 0);
        CU_ASSERT_EQUAL(argc, 5);
        CU_ASSERT_STRING_EQUAL(out[1], "-DS=\"a b\"");
        CU_ASSERT_STRING_EQUAL(out[2], "-DT=7");
        for (int i = 0; i < argc; i++)
            free(out[i]);
        free(out);
    }
}

/* ---- names, option table ---- */

static void test_compiler_names(void)
{
    static const char *const yes[] = {
        "gcc", "g++", "cc", "c++", "clang", "clang++", "gcc-12", "g++-12", "clang-14", "clang++-14",
        "x86_64-linux-gnu-gcc", "arm-none-eabi-g++", "x86_64-linux-gnu-gcc-12", "aarch64-linux-gnu-cc",
        "gcc-12.2", "x86_64-pc-linux-gnu-clang++-14.0.6",
    };
    static const char *const no[] = {
        "gcc-ar", "gcc-nm", "gcc-ranlib", "clang-format", "clang-tidy", "ccache", "cc1", "cc1plus",
        "distcc", "x86_64-linux-gnu-gcc-ar-12", "clang-cpp", "cpp", "ld", "gcc-", "", "tcc", "ricc",
    };
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
        CU_ASSERT(compiler_name_known(yes[i]));
        if (!compiler_name_known(yes[i]))
            fprintf(stderr, "\n  should know %s\n", yes[i]);
    }
    for (size_t i = 0; i < sizeof no / sizeof *no; i++) {
        CU_ASSERT(!compiler_name_known(no[i]));
        if (compiler_name_known(no[i]))
            fprintf(stderr, "\n  should not know %s\n", no[i]);
    }
}

static void test_option_table(void)
{
    static const struct {
        const char *arg;
        int kind; /* -1: unknown */
    } cases[] = {
        {"-fprofile-arcs", K_PROFILE_ARCS}, {"-fprofile-arcsx", K_NO},   {"-fprofile-use", K_NO},
        {"-fno-profile-arcs", K_NO_PROFILE_ARCS}, {"-fPIC", K_OK},      {"-fno-plt", K_OK},
        {"-Wp,-MD,x", K_WP},                {"-Wall", K_OK},             {"-Wl,-O1", K_OK},
        {"-MF", K_MF},                      {"-MFx.d", K_MF},            {"-MD", K_MD},
        {"-MDx", -1},                       {"-gsplit-dwarf", K_SPLIT},  {"-g3", K_DEBUG},
        {"-g0", K_DEBUG0},                  {"-gz=zlib", K_OK},          {"-I-", K_OK},
        {"-Iinc", K_PATH},                  {"-include-pch", K_NO},      {"-include", K_INCLUDE},
        {"--sysroot=/x", K_PATH},           {"-o", K_OUTPUT},            {"-std=c11", K_OK},
        {"-undef", K_OK},                   {"-u", K_OK},                {"--frob", -1},
        {"-", -1},                          {"a.c", -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const compiler_opt *o = compiler_opt_find(cases[i].arg);
        int kind = o ? o->kind : -1;
        CU_ASSERT_EQUAL(kind, cases[i].kind);
        if (kind != cases[i].kind)
            fprintf(stderr, "\n  %s: kind %d want %d\n", cases[i].arg, kind, cases[i].kind);
    }
}

/* ---- setup ---- */

static int setup(void)
{
    snprintf(tmp, sizeof tmp, "/tmp/ricc-test-compiler-XXXXXX");
    if (!mkdtemp(tmp))
        return -1;
    snprintf(fixture, sizeof fixture, "%s/src", tmp);
    snprintf(rundir, sizeof rundir, "%s/run", tmp);
    sh("mkdir -p '%s/sub' '%s/none'", fixture, tmp);
    sh("mkdir -p '%s/out' '%s/o.dir'", fixture, fixture);
    write_file(fixture, "h.h", "#define H 1\n");
    write_file(fixture, "a.c", "#include \"h.h\"\nint f(void) { return H; }\n");
    write_file(fixture, "sub/a.c", "#include \"h.h\"\nint g(void) { return H; }\n");
    write_file(fixture, "sub/h.h", "#define H 2\n");
    write_file(fixture, "noext", "int n(void) { return 3; }\n");
    write_file(fixture, "a.i", "# 1 \"a.c\"\nint f(void) { return 1; }\n");
    write_file(fixture, "b.cc", "template <class T> T id(T t) { return t; }\nint b() { return id(1); }\n");
    write_file(fixture, "s.S", "#define R 1\n.globl f\nf: ret\n");
    write_file(fixture, "pch.h", "#define P 1\n");
    write_file(fixture, "pch.h.gch", "not really a pch\n");
    have_gcc = sh("gcc --version >/dev/null 2>&1%s%s", "", "") == 0;
    have_clang = sh("clang --version >/dev/null 2>&1%s%s", "", "") == 0;
    return 0;
}

static int teardown(void)
{
    if (tmp[0])
        sh("rm -rf '%s'%s", tmp, "");
    return 0;
}

static const unit_test tests[] = {
    {"outputs", test_outputs},
    {"outputs match gcc and clang", test_outputs_real},
    {"not cacheable", test_not_cacheable},
    {"real build lines", test_real_build_lines},
    {"languages", test_languages},
    {"path offsets", test_path_off},
    {"cwd sensitivity", test_cwd_sensitive},
    {"dep_argv", test_dep_argv},
    {"dependency scan with gcc and clang", test_dep_scan_real},
    {"response files", test_response_files},
    {"compiler names", test_compiler_names},
    {"option table", test_option_table},
    {NULL, NULL},
};

int main(void)
{
    return unit_run("compiler", setup, teardown, tests);
}
