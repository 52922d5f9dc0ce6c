/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for preload/match.c, the pure string work of the preload shim:
 * which program names are compilers, finding the shim in an LD_PRELOAD
 * list, environment lookups, bounded path joins.
 *
 * match.c is part of libricc-preload.so, not of the libraries the unit
 * tests link (libricc-wrapper.a, libricc-cache.a), and the shim exports
 * nothing but the functions it interposes; so the test compiles the file
 * itself, the exact code the shim runs.  (ricc links the same file since
 * the rule is kept once: compiler_name_known is pm_is_compiler.) */
#include <string.h>

#include "preload/match.c"
#include "tests/unit/unit.h"
#include "wrapper/flows/ar.h"
#include "wrapper/compiler/compiler.h"

static const char *const compilers[] = {
    "gcc", "g++", "cc", "c++", "clang", "clang++",
    "gcc-12", "g++-12", "clang-14", "clang++-14.0.6", "gcc-4.9", "cc-1",
    "x86_64-linux-gnu-gcc", "x86_64-linux-gnu-gcc-12", "aarch64-linux-gnu-g++-12",
    "arm-none-eabi-gcc-10.3.1", "x86_64-pc-linux-gnu-clang++", "llvm-gcc",
    "i686-w64-mingw32-c++",
};

static const char *const others[] = {
    "", "true", "sh", "make", "ninja", "ricc", "ccache", "distcc", "tcc", "icc",
    "cc1", "cc1plus", "collect2", "ld", "as", "lto-wrapper", "gcc-ar", "gcc-nm",
    "gcc-ranlib-12", "x86_64-linux-gnu-gcc-ar-12", "c++filt", "clang-tidy",
    "clang-format-14", "gcc-", "gcc-x", "gcc12", "gcc-.12", "xgcc", "libgcc",
    "gcc.sh", "c89", "c99", "cpp", "clang-cpp", "g++-", "-", "cc-",
};

/* The shim routes exactly the archivers the wrapper caches. */
static void test_archivers(void)
{
    static const char *const names[] = {
        "ar", "x86_64-linux-gnu-ar", "arm-none-eabi-ar", "gcc-ar", "x86_64-linux-gnu-gcc-ar",
        "llvm-ar", "llvm-ar-14", "ar-2", "-ar", "a-ar", "xar", "ranlib", "", "car", "gcc",
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        if (pm_is_archiver(names[i]) != ar_name_known(names[i]))
            fprintf(stderr, "\n  shim and wrapper disagree on '%s'", names[i]);
        CU_ASSERT_EQUAL(pm_is_archiver(names[i]), ar_name_known(names[i]));
    }
    CU_ASSERT(pm_is_archiver("ar"));
    CU_ASSERT(pm_is_archiver("aarch64-linux-gnu-ar"));
    CU_ASSERT(!pm_is_archiver("gcc-ar"));
    CU_ASSERT(!pm_is_archiver("ranlib"));
}

static void test_in_list(void)
{
    CU_ASSERT(pm_in_list("gen.sh", "gen.sh"));
    CU_ASSERT(pm_in_list("protoc", "bison:protoc:glib-genmarshal"));
    CU_ASSERT(pm_in_list("glib-genmarshal", "bison:protoc:glib-genmarshal"));
    CU_ASSERT(!pm_in_list("proto", "bison:protoc"));
    CU_ASSERT(!pm_in_list("protoc", "bison:protocx"));
    CU_ASSERT(!pm_in_list("", "a::b"));
    CU_ASSERT(!pm_in_list("protoc", ""));
    CU_ASSERT(!pm_in_list("protoc", NULL));
}

static void test_builtin_names(void)
{
    for (size_t i = 0; i < sizeof compilers / sizeof *compilers; i++) {
        if (!pm_is_compiler(compilers[i], NULL))
            fprintf(stderr, "\n  not taken for a compiler: '%s'", compilers[i]);
        CU_ASSERT(pm_is_compiler(compilers[i], NULL));
        CU_ASSERT(pm_is_compiler(compilers[i], ""));
    }
    for (size_t i = 0; i < sizeof others / sizeof *others; i++) {
        if (pm_is_compiler(others[i], NULL))
            fprintf(stderr, "\n  taken for a compiler: '%s'", others[i]);
        CU_ASSERT(!pm_is_compiler(others[i], NULL));
    }
}

/* The shim reroutes a name exactly when ricc would take it for a compiler
 * through a masquerade link: one rule for both ways in. */
static void test_agrees_with_wrapper(void)
{
    for (size_t i = 0; i < sizeof compilers / sizeof *compilers; i++)
        CU_ASSERT_EQUAL(pm_is_compiler(compilers[i], NULL), compiler_name_known(compilers[i]));
    for (size_t i = 0; i < sizeof others / sizeof *others; i++) {
        if (!others[i][0])
            continue;
        CU_ASSERT_EQUAL(pm_is_compiler(others[i], NULL), compiler_name_known(others[i]));
    }
}

static void test_extra_names(void)
{
    const char *extra = "icc:tcc-0.9:my cc::";
    CU_ASSERT(pm_is_compiler("icc", extra));
    CU_ASSERT(pm_is_compiler("tcc-0.9", extra));
    CU_ASSERT(pm_is_compiler("my cc", extra));
    CU_ASSERT(pm_is_compiler("gcc", extra));
    /* Exact names only: no prefixes, suffixes or substrings. */
    CU_ASSERT(!pm_is_compiler("ic", extra));
    CU_ASSERT(!pm_is_compiler("iccx", extra));
    CU_ASSERT(!pm_is_compiler("tcc", extra));
    CU_ASSERT(!pm_is_compiler("my", extra));
    CU_ASSERT(!pm_is_compiler("", extra));
    CU_ASSERT(pm_is_compiler("cc1", "gcc-13:cc1"));
    CU_ASSERT(pm_is_compiler("cc", ":"));
}

static void test_base(void)
{
    CU_ASSERT_STRING_EQUAL(pm_base("/usr/bin/gcc"), "gcc");
    CU_ASSERT_STRING_EQUAL(pm_base("gcc"), "gcc");
    CU_ASSERT_STRING_EQUAL(pm_base("./x/g++-12"), "g++-12");
    CU_ASSERT_STRING_EQUAL(pm_base("/usr/bin/"), "");
    CU_ASSERT_STRING_EQUAL(pm_base(""), "");
}

static void check_entry(const char *list, const char *want)
{
    size_t len = 12345;
    const char *e = pm_shim_entry(list, &len);
    if (!want) {
        CU_ASSERT_PTR_NULL(e);
        return;
    }
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    CU_ASSERT_EQUAL(len, strlen(want));
    CU_ASSERT(strncmp(e, want, len) == 0);
}

static void test_shim_entry(void)
{
    check_entry(NULL, NULL);
    check_entry("", NULL);
    check_entry("libricc-preload.so", "libricc-preload.so");
    check_entry("/opt/ricc/lib/libricc-preload.so", "/opt/ricc/lib/libricc-preload.so");
    check_entry("/a/libfoo.so:/b/libricc-preload.so", "/b/libricc-preload.so");
    check_entry("/b/libricc-preload.so:/a/libfoo.so", "/b/libricc-preload.so");
    check_entry("  /a/libfoo.so /b/libricc-preload.so  ", "/b/libricc-preload.so");
    check_entry("::/b/libricc-preload.so::", "/b/libricc-preload.so");
    /* The base name must be exactly the shim's. */
    check_entry("/a/xlibricc-preload.so", NULL);
    check_entry("/a/libricc-preload.so.1", NULL);
    check_entry("/a/libricc-preload.so/x.so", NULL);
    check_entry("/libricc-preload.so.d/libasan.so", NULL);
    check_entry("ricc-preload.so", NULL);
}

static void check_without(const char *list, int kept, const char *want)
{
    char buf[64];
    memset(buf, 'x', sizeof buf);
    CU_ASSERT_EQUAL(pm_without_shim(buf, sizeof buf, list), kept);
    if (kept >= 0)
        CU_ASSERT_STRING_EQUAL(buf, want);
}

static void test_without_shim(void)
{
    check_without(NULL, 0, "LD_PRELOAD=");
    check_without("", 0, "LD_PRELOAD=");
    check_without("/l/libricc-preload.so", 0, "LD_PRELOAD=");
    check_without("libricc-preload.so", 0, "LD_PRELOAD=");
    check_without("/a.so:/l/libricc-preload.so", 1, "LD_PRELOAD=/a.so");
    check_without("/l/libricc-preload.so:/a.so", 1, "LD_PRELOAD=/a.so");
    check_without("/a.so /l/libricc-preload.so /b.so", 2, "LD_PRELOAD=/a.so:/b.so");
    check_without("::/a.so::/b.so::", 2, "LD_PRELOAD=/a.so:/b.so");
    /* Every copy goes, as wrapper/main.c drops every one. */
    check_without("/x/libricc-preload.so:/y/libricc-preload.so:/a.so", 1, "LD_PRELOAD=/a.so");
    check_without("/x/xlibricc-preload.so", 1, "LD_PRELOAD=/x/xlibricc-preload.so");
    /* 11 + 52 + NUL = 64 fits exactly; one byte more does not. */
    check_without("/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.s", 1,
                  "LD_PRELOAD=/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.s");
    check_without("/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.so", -1, NULL);
    check_without("/a.so:/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.so", -1, NULL);
    char small[8];
    CU_ASSERT_EQUAL(pm_without_shim(small, sizeof small, ""), -1);
}

static void test_env_get(void)
{
    char *env[] = {"PATH=/bin", "LD_PRELOAD=/x/libricc-preload.so", "LD=1", "EMPTY=", "NOEQ", NULL};
    CU_ASSERT_STRING_EQUAL(pm_env_get(env, "PATH"), "/bin");
    CU_ASSERT_STRING_EQUAL(pm_env_get(env, "LD_PRELOAD"), "/x/libricc-preload.so");
    CU_ASSERT_STRING_EQUAL(pm_env_get(env, "LD"), "1");
    CU_ASSERT_STRING_EQUAL(pm_env_get(env, "EMPTY"), "");
    CU_ASSERT_PTR_NULL(pm_env_get(env, "NOEQ"));
    CU_ASSERT_PTR_NULL(pm_env_get(env, "LD_"));
    CU_ASSERT_PTR_NULL(pm_env_get(env, "PAT"));
    CU_ASSERT_PTR_NULL(pm_env_get(env, "PATHX"));
    CU_ASSERT_PTR_NULL(pm_env_get(NULL, "PATH"));
    char *none[] = {NULL};
    CU_ASSERT_PTR_NULL(pm_env_get(none, "PATH"));
    CU_ASSERT_EQUAL(pm_env_find(env, "PATH"), 0);
    CU_ASSERT_EQUAL(pm_env_find(env, "LD_PRELOAD"), 1);
    CU_ASSERT_EQUAL(pm_env_find(env, "EMPTY"), 3);
    CU_ASSERT_EQUAL(pm_env_find(env, "NOEQ"), -1);
    CU_ASSERT_EQUAL(pm_env_find(NULL, "PATH"), -1);
    /* The first of two, as getenv() and ld.so take it. */
    char *twice[] = {"A=1", "LD_PRELOAD=first", "LD_PRELOAD=second", NULL};
    CU_ASSERT_EQUAL(pm_env_find(twice, "LD_PRELOAD"), 1);
    CU_ASSERT_STRING_EQUAL(pm_env_get(twice, "LD_PRELOAD"), "first");
}

static void test_join(void)
{
    char buf[16];
    CU_ASSERT_EQUAL(pm_join(buf, sizeof buf, "/usr/bin:/bin", 8, "gcc"), 0);
    CU_ASSERT_STRING_EQUAL(buf, "/usr/bin/gcc");
    CU_ASSERT_EQUAL(pm_join(buf, sizeof buf, "", 0, "gcc"), 0);
    CU_ASSERT_STRING_EQUAL(buf, "./gcc");
    CU_ASSERT_EQUAL(pm_join(buf, sizeof buf, ":/bin", 0, "gcc"), 0);
    CU_ASSERT_STRING_EQUAL(buf, "./gcc");
    /* 11 + '/' + 3 + NUL = 16 fits exactly; one more byte does not. */
    CU_ASSERT_EQUAL(pm_join(buf, sizeof buf, "/0123456789", 11, "gcc"), 0);
    CU_ASSERT_STRING_EQUAL(buf, "/0123456789/gcc");
    CU_ASSERT_EQUAL(pm_join(buf, sizeof buf, "/0123456789a", 12, "gcc"), -1);
    CU_ASSERT_STRING_EQUAL(buf, "");
    CU_ASSERT_EQUAL(pm_join(buf, 0, "/", 1, "gcc"), -1);
}

static const unit_test tests[] = {
    {"builtin compiler names", test_builtin_names},
    {"agrees with compiler_name_known", test_agrees_with_wrapper},
    {"archivers, as ar_name_known", test_archivers},
    {"tool lists", test_in_list},
    {"extra names from the config", test_extra_names},
    {"base name", test_base},
    {"shim entry in LD_PRELOAD", test_shim_entry},
    {"LD_PRELOAD without the shim", test_without_shim},
    {"environment lookup", test_env_get},
    {"bounded join", test_join},
    {NULL, NULL},
};

int main(void)
{
    return unit_run("preload_match", NULL, NULL, tests);
}
