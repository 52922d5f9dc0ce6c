/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for exec_manifest.c: matching a traced tool's manifest against
 * real files (in a temporary directory), the paths an entry may restore,
 * and the check that an entry's lines give its action (what keeps a remote
 * manifest from leading to another action's result). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/unit.h"
#include "wrapper/direct/exec_manifest.h"

static char dir[] = "/tmp/ricc-xman-XXXXXX";
static digest mkey;

static void write_file(const char *name, const char *text)
{
    FILE *f = fopen(name, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
}

/* "I <digest> <size> in.txt\n" for the file as it is. */
static void input_line(char *out, size_t cap, const char *name)
{
    digest d;
    CU_ASSERT_EQUAL_FATAL(digest_file(name, &d), 0);
    snprintf(out, cap, "I %s %lld %s\n", d.hash, (long long)d.size_bytes, name);
}

/* A whole entry for body: "E <action> <size>\n" + body, into out. */
static void entry(char *out, size_t cap, const char *body)
{
    digest a;
    CU_ASSERT_EQUAL_FATAL(xman_entry_action(&mkey, body, strlen(body), &a), 0);
    snprintf(out, cap, "E %s %lld\n%s", a.hash, (long long)a.size_bytes, body);
}

/* The copy the last match cut up: m's paths point into it. */
static char *cut;

/* Match text (a copy is cut up) and, on a match, check the matched entry
 * against the text as it came.  1 matched and verified, 0 no match, -2
 * matched but not verified. */
static int match(const char *text, xman_entry *m)
{
    free(cut);
    cut = strdup(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cut);
    int r = xman_match(cut, m);
    if (r == 1 && !xman_entry_gives(&mkey, text + (m->entry - cut), &m->action))
        r = -2;
    return r;
}

static void test_holds(void)
{
    char in[256], body[1024], text[2048];
    write_file("in.txt", "alpha\n");
    input_line(in, sizeof in, "in.txt");
    snprintf(body, sizeof body, "%sA missing.h\nP d .\nO gen/out.c\nK gen\n", in);
    entry(text, sizeof text, body);
    xman_entry m = {0};
    CU_ASSERT_EQUAL(match(text, &m), 1);
    CU_ASSERT_EQUAL(m.n_outputs, 1);
    CU_ASSERT_EQUAL(m.n_dirs, 1);
    if (m.n_outputs == 1 && m.n_dirs == 1) {
        CU_ASSERT_STRING_EQUAL(m.outputs[0], "gen/out.c");
        CU_ASSERT_STRING_EQUAL(m.dirs[0], "gen");
    }
    xman_match_free(&m);
    /* The input changes: the entry no longer holds. */
    write_file("in.txt", "beta\n");
    CU_ASSERT_EQUAL(match(text, &m), 0);
    xman_match_free(&m);
    /* An absent path appears. */
    write_file("in.txt", "alpha\n");
    write_file("missing.h", "");
    CU_ASSERT_EQUAL(match(text, &m), 0);
    xman_match_free(&m);
    unlink("missing.h");
    CU_ASSERT_EQUAL(match(text, &m), 1);
    xman_match_free(&m);
}

/* The second entry holds when the first does not; each verified on its
 * own lines. */
static void test_second_entry(void)
{
    char in[256], b1[512], b2[512], e1[1024], e2[1024], text[2048];
    write_file("in.txt", "alpha\n");
    input_line(in, sizeof in, "in.txt");
    snprintf(b1, sizeof b1, "I %064d 6 in.txt\nO one.c\n", 0);
    snprintf(b2, sizeof b2, "%sO two.c\n", in);
    entry(e1, sizeof e1, b1);
    entry(e2, sizeof e2, b2);
    snprintf(text, sizeof text, "%s%s", e1, e2);
    xman_entry m = {0};
    CU_ASSERT_EQUAL(match(text, &m), 1);
    if (m.n_outputs == 1)
        CU_ASSERT_STRING_EQUAL(m.outputs[0], "two.c");
    xman_match_free(&m);
}

/* Outputs and directories must stay inside the working tree. */
static void test_paths(void)
{
    static const char *const bad[] = {
        "O ../x.c\n", "O /tmp/x.c\n", "O a/../../x.c\n", "O a/..\n", "K ..\n", "K /etc\n", "O \n",
    };
    static const char *const fine[] = {"O ..x.c\n", "O a/..b/x.c\n", "K a/b\n", "O x..\n"};
    char body[256], text[512];
    xman_entry m = {0};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        entry(text, sizeof text, bad[i]);
        CU_ASSERT_EQUAL(match(text, &m), 0);
        xman_match_free(&m);
    }
    for (size_t i = 0; i < sizeof fine / sizeof *fine; i++) {
        snprintf(body, sizeof body, "%s", fine[i]);
        entry(text, sizeof text, body);
        CU_ASSERT_EQUAL(match(text, &m), 1);
        xman_match_free(&m);
    }
}

/* An entry whose action is not its lines' digest (a manifest written by
 * someone else, or for another key) matches but does not verify. */
static void test_action_check(void)
{
    char in[256], body[512], text[1024];
    write_file("in.txt", "alpha\n");
    input_line(in, sizeof in, "in.txt");
    snprintf(body, sizeof body, "%sO out.c\n", in);
    entry(text, sizeof text, body);
    xman_entry m = {0};
    CU_ASSERT_EQUAL(match(text, &m), 1);
    xman_match_free(&m);
    /* Another output under the same action line. */
    char *o = strstr(text, "O out.c");
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    memcpy(o, "O oth.c", 7);
    CU_ASSERT_EQUAL(match(text, &m), -2);
    xman_match_free(&m);
    /* The same lines under another manifest key. */
    memcpy(o, "O out.c", 7);
    digest other = mkey;
    mkey.hash[0] = mkey.hash[0] == 'a' ? 'b' : 'a';
    CU_ASSERT_EQUAL(match(text, &m), -2);
    xman_match_free(&m);
    mkey = other;
}

static const unit_test tests[] = {
    {"an entry holds, then not", test_holds},
    {"the second entry", test_second_entry},
    {"paths inside the tree only", test_paths},
    {"an entry's lines give its action", test_action_check},
    {NULL, NULL},
};

int main(void)
{
    if (!mkdtemp(dir) || chdir(dir) != 0)
        return 1;
    digest_buf("a manifest key", 14, &mkey);
    int failed = unit_run("exec_manifest", NULL, NULL, tests);
    free(cut);
    unlink("in.txt");
    unlink("missing.h");
    if (chdir("/") == 0)
        rmdir(dir);
    return failed;
}
