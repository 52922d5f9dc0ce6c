/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the direct-mode pieces that need no compiler: include-name
 * scanning (its lexing rules: test_scan.c), its encoding for the memo,
 * manifest bytes, and action_relpath. */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/sysheaders.h"
#include "tests/unit/unit.h"
#include "wrapper/key/action.h"
#include "wrapper/deps/incpath.h"
#include "wrapper/direct/manifest.h"

static int scan(const char *text, inc_ref **refs)
{
    return incpath_scan(text, strlen(text), refs);
}

static void test_scan_forms(void)
{
    inc_ref *r;
    int n = scan("#include <stdio.h>\n"
                 "  #  include \"a/b.h\"\n"
                 "#include_next <limits.h>\n"
                 "#import \"objc.h\"\n"
                 "#if __has_include(<optional.h>)\n"
                 "#if __glibc_has_include (\"linux/stat.h\")\n"
                 "#define __glibc_has_include(h) __has_include (h)\n"
                 "#includes_not_a_directive\n"
                 "int x; /* #include \"in_comment.h\" */\n",
                 &r);
    CU_ASSERT_EQUAL_FATAL(n, 6);
    CU_ASSERT_STRING_EQUAL(r[0].name, "stdio.h");
    CU_ASSERT(r[0].angle && !r[0].next);
    CU_ASSERT_STRING_EQUAL(r[1].name, "a/b.h");
    CU_ASSERT(!r[1].angle);
    CU_ASSERT_STRING_EQUAL(r[2].name, "limits.h");
    CU_ASSERT(r[2].next && r[2].angle);
    CU_ASSERT_STRING_EQUAL(r[3].name, "objc.h");
    CU_ASSERT_STRING_EQUAL(r[4].name, "optional.h");
    CU_ASSERT(r[4].angle);
    CU_ASSERT_STRING_EQUAL(r[5].name, "linux/stat.h");
    for (int i = 0; i < n; i++)
        CU_ASSERT_EQUAL(r[i].test, i >= 4); /* existence tests come last */
    inc_refs_free(r, n);
}

static void test_scan_tests(void)
{
    const char *text = "#include FT_FREETYPE_H\n"
                       "#if __has_include_next(<limits.h>) && __has_include(\"q.h\")\n"
                       "#include <real.h>\n"
                       "#endif\n";
    inc_ref *r;
    /* A computed #include is reported as one, and the rest as ever. */
    int n = incpath_scan(text, strlen(text), &r);
    CU_ASSERT_EQUAL_FATAL(n, 4);
    CU_ASSERT(r[0].computed && !r[0].after_include && !strcmp(r[0].name, "FT_FREETYPE_H"));
    CU_ASSERT(!r[1].computed && !strcmp(r[1].name, "real.h"));
    inc_refs_free(r, n);
    /* The tests alone. */
    n = incpath_scan_tests(text, strlen(text), &r);
    CU_ASSERT_EQUAL_FATAL(n, 2);
    CU_ASSERT_STRING_EQUAL(r[0].name, "limits.h");
    CU_ASSERT(r[0].test && r[0].next && r[0].angle);
    CU_ASSERT_STRING_EQUAL(r[1].name, "q.h");
    CU_ASSERT(r[1].test && !r[1].next && !r[1].angle);
    inc_refs_free(r, n);
    CU_ASSERT_EQUAL(incpath_scan_tests("int x;", 6, &r), 0);
}

/* Directives are found from their '#': one that is not first on its line
 * (after blanks) is not one, and neither ends the search. */
static void test_scan_hash_positions(void)
{
    inc_ref *r;
    int n = scan("#define STR(x) #x\n"
                 "#include <first.h>\n"
                 "int a = 1; # include <not_a_directive.h>\n"
                 "\t #\tinclude \"tabbed.h\"\n"
                 "#define PASTE(a, b) a ## b /* # */ #include <pasted.h>\n"
                 "#include <last.h>",
                 &r);
    CU_ASSERT_EQUAL_FATAL(n, 3);
    CU_ASSERT_STRING_EQUAL(r[0].name, "first.h");
    CU_ASSERT_STRING_EQUAL(r[1].name, "tabbed.h");
    CU_ASSERT_STRING_EQUAL(r[2].name, "last.h");
    inc_refs_free(r, n);
    /* An existence test with no "__" before it is still one (a macro:
     * with <bare.h> its name would be expanded, and so not known). */
    n = scan("#if has_include(\"bare.h\")\n#endif\n", &r);
    CU_ASSERT_EQUAL_FATAL(n, 1);
    CU_ASSERT_STRING_EQUAL(r[0].name, "bare.h");
    CU_ASSERT(r[0].test && !r[0].computed);
    inc_refs_free(r, n);
}

static int same_refs(const inc_ref *a, int na, const inc_ref *b, int nb)
{
    if (na != nb)
        return 0;
    for (int i = 0; i < na; i++)
        if (strcmp(a[i].name, b[i].name) || !a[i].angle != !b[i].angle ||
            !a[i].next != !b[i].next || !a[i].test != !b[i].test ||
            !a[i].computed != !b[i].computed || !a[i].after_include != !b[i].after_include)
            return 0;
    return 1;
}

typedef struct enc_counts {
    int scanned, fitted, bad;
} enc_counts;

static void check_encoding(const char *path, const char *text, size_t len, void *arg)
{
    enc_counts *c = arg;
    inc_ref *refs, *back;
    int n = incpath_scan(text, len, &refs);
    if (n < 0)
        return;
    c->scanned++;
    unsigned char buf[448];
    int bl = inc_refs_encode(refs, n, buf, sizeof buf);
    if (bl >= 0) {
        c->fitted++;
        int m = inc_refs_decode(buf, (size_t)bl, &back);
        c->bad += !same_refs(refs, n, back, m);
        if (m >= 0)
            inc_refs_free(back, m);
        /* Every shorter room is too small. */
        c->bad += inc_refs_encode(refs, n, buf, (size_t)bl - 1) != -1;
    }
    inc_refs_free(refs, n);
}

/* What the proof keeps in its memo decodes to exactly what the scan found,
 * for every header of /usr/include that fits; what does not fit is refused,
 * and bytes that are no encoding are refused. */
static void test_refs_encoding(void)
{
    enc_counts c = {0, 0, 0};
    each_system_header(check_encoding, &c);
    CU_ASSERT_EQUAL(c.bad, 0);
    CU_ASSERT(c.scanned > 50);
    CU_ASSERT(c.fitted > c.scanned / 2);
    /* Flags, angle brackets, include_next, tests and computed includes
     * (with whether an #include came before) survive. */
    inc_ref *r, *back;
    int n = scan("#include FIRST_H\n#include <a.h>\n#include \"b/c.h\"\n#include_next <d.h>\n"
                 "#include SECOND_H\n#if __has_include_next(\"e.h\")\n#endif\n", &r);
    CU_ASSERT_EQUAL_FATAL(n, 6);
    CU_ASSERT(r[0].computed && !r[0].after_include && r[4].computed && r[4].after_include);
    unsigned char buf[448];
    int bl = inc_refs_encode(r, n, buf, sizeof buf);
    CU_ASSERT_FATAL(bl > 0);
    CU_ASSERT_EQUAL(inc_refs_decode(buf, (size_t)bl, &back), 6);
    CU_ASSERT(same_refs(r, n, back, 6));
    inc_refs_free(back, 6);
    inc_refs_free(r, n);
    /* No refs at all is an encoding too. */
    CU_ASSERT_EQUAL(inc_refs_encode(NULL, 0, buf, sizeof buf), 1);
    CU_ASSERT_EQUAL(inc_refs_decode(buf, 1, &back), 0);
    /* Not encodings: no format byte, an older format (whose scanner read
     * comments), a name without its NUL, an empty name, unknown flags. */
    static const struct {
        const char *b;
        size_t len;
    } junk[] = {{"", 0}, {"\1", 1}, {"\1\1a\0", 4}, {"\2\1abc", 5}, {"\2\1\0", 3},
                {"\2\x20x\0", 4}};
    for (size_t j = 0; j < sizeof junk / sizeof *junk; j++)
        CU_ASSERT_EQUAL(inc_refs_decode((const unsigned char *)junk[j].b, junk[j].len, &back), -1);
}

static void test_manifest_bytes(void)
{
    manifest *m = manifest_new();
    size_t len;
    char *bytes = manifest_serialize(m, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(bytes);
    manifest *back = manifest_parse(bytes, len);
    CU_ASSERT_PTR_NOT_NULL(back);
    manifest_free(back);
    /* Every truncation and a wrong magic are refused, never misread. */
    for (size_t cut = 0; cut < len; cut++)
        CU_ASSERT_PTR_NULL(manifest_parse(bytes, cut));
    bytes[0] ^= 1;
    CU_ASSERT_PTR_NULL(manifest_parse(bytes, len));
    free(bytes);
    digest d;
    CU_ASSERT_EQUAL(manifest_match(m, NULL, &d), 0);
    manifest_free(m);
}

static void test_relpath(void)
{
    struct { const char *to, *from, *want; } cases[] = {
        {"/p/include/x.h", "/p/build", "../include/x.h"},
        {"/p/build/x.o", "/p/build", "x.o"},
        {"/p/build", "/p/build", "."},
        {"/p/b/c/d.c", "/p", "b/c/d.c"},
        {"/q/x.h", "/p/a/b", "../../../q/x.h"},
        {"/p/ab/x.h", "/p/a", "../ab/x.h"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *got = action_relpath(cases[i].to, cases[i].from);
        CU_ASSERT_PTR_NOT_NULL_FATAL(got);
        CU_ASSERT_STRING_EQUAL(got, cases[i].want);
        free(got);
    }
}

static const unit_test tests[] = {
    {"include forms", test_scan_forms},
    {"directives found by their #", test_scan_hash_positions},
    {"refs encoded for the memo", test_refs_encoding},
    {"existence tests alone", test_scan_tests},
    {"manifest bytes", test_manifest_bytes},
    {"relative paths", test_relpath},
    {NULL, NULL},
};

int main(void)
{
    return unit_run("incpath", NULL, NULL, tests);
}
