/* SPDX-License-Identifier: Apache-2.0 */
/* comment_hit.c — code digests kept by content digest, and the comparison
 * the second chance makes.  See comment_hit.h. */
#include "wrapper/direct/comment_hit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cache/local/layout.h"
#include "cache/util/fsutil.h"
#include "cache/util/log.h"
#include "wrapper/compiler/codedigest.h"

/* A memo value: a kind, CODE_NONE (the file has no code digest: only its
 * exact bytes will do) or CODE_SOME; the 32 raw bytes of the digest; the
 * file's code_location_bound(), 8 bytes. */
enum { CODE_NONE = 1, CODE_SOME = 2, CODE_BOUND = 33, CODE_LEN = 41 };

/* How many times over the inputs' location bounds, each read once, must fit
 * gcc's budget: a header without an include guard is read at each #include
 * of it (codedigest.h), and ricc does not count those.  The bound itself is
 * several times what gcc spends (lua's units: bounds of 20-35% of the
 * budget, for some 10,000 lines); twice it leaves a unit that reads all it
 * includes again, and more, well inside.  libstdc++'s units are over it. */
#define LOCATION_READS 2

int comment_hit_allowed(const config *cfg, const compile_cmd *cmd, const char *compiler)
{
    if (!cfg->comment_hits || cmd->preprocessed || cmd->is_clang)
        return 0;
    int c90 = 0;
    for (int i = 1; i < cmd->argc; i++) {
        const char *a = cmd->argv[i];
        /* (codedigest.h says why each: the comments' text could count.) */
        if (!strcmp(a, "-traditional") || !strcmp(a, "-traditional-cpp") || !strcmp(a, "-C") ||
            !strcmp(a, "-CC") || !strcmp(a, "-fdirectives-only") || !strcmp(a, "-fpreprocessed") ||
            !strncmp(a, "-finput-charset", 15) || !strncmp(a, "-fplugin", 8) ||
            (!strncmp(a, "-fdiagnostics-format=", 21) && strcmp(a + 21, "text") != 0))
            return 0;
        if (!strcmp(a, "-ansi"))
            c90 = 1;
        else if (!strncmp(a, "-std=", 5))
            c90 = !strcmp(a + 5, "c89") || !strcmp(a + 5, "c90") || !strcmp(a + 5, "gnu89") ||
                  !strcmp(a + 5, "gnu90") || !strcmp(a + 5, "iso9899:1990") ||
                  !strcmp(a + 5, "iso9899:199409");
    }
    if (c90 && (cmd->lang == LANG_C || cmd->lang == LANG_OBJC || cmd->lang == LANG_ASM_CPP))
        return 0;
    return compiler_is_gcc(cmd, compiler);
}

/* The memo value for path, whose content digest must be d: from the memo,
 * else read and computed (and kept).  CODE_LEN, or -1 (unreadable, or no
 * longer those bytes). */
static int code_of(memo **codes, const char *ricc_dir, const char *path, const digest *d,
                   unsigned char *val)
{
    if (!*codes && !(*codes = memo_open(ricc_dir, layout_name(LAYOUT_CODES))))
        return -1;
    if (memo_get(*codes, d, val) == CODE_LEN)
        return CODE_LEN;
    char *text;
    size_t len;
    if (fs_read_file(path, &text, &len) != 0)
        return -1;
    digest got, code;
    digest_buf(text, len, &got);
    int r = digest_equal(&got, d) ? code_digest(text, len, &code) : -1;
    if (r < 0) {
        free(text);
        return -1;
    }
    val[0] = r == 0 ? CODE_SOME : CODE_NONE;
    memset(val + 1, 0, CODE_LEN - 1);
    if (r == 0)
        digest_raw(&code, val + 1);
    uint64_t bound = code_location_bound(text, len);
    memcpy(val + CODE_BOUND, &bound, sizeof bound);
    free(text);
    memo_put(*codes, d, val, CODE_LEN);
    return CODE_LEN;
}

void comment_hit_remember(memo **codes, const char *ricc_dir, char **deps, const digest *digests,
                          int n)
{
    unsigned char val[MEMO_VALUE_MAX];
    for (int i = 0; i < n; i++)
        code_of(codes, ricc_dir, deps[i], &digests[i], val);
}

typedef struct same_ctx {
    memo **codes;
    const char *ricc_dir;
} same_ctx;

/* Does the file at path, whose digest is now, have the code digest the
 * recorded bytes had?  The recorded bytes are gone: only the memo knows. */
static int same_code(void *arg, const char *path, const digest *recorded, const digest *now)
{
    same_ctx *s = arg;
    unsigned char was[MEMO_VALUE_MAX], is[MEMO_VALUE_MAX];
    if (!*s->codes && !(*s->codes = memo_open(s->ricc_dir, layout_name(LAYOUT_CODES))))
        return 0;
    if (memo_get(*s->codes, recorded, was) != CODE_LEN || was[0] != CODE_SOME ||
        code_of(s->codes, s->ricc_dir, path, now, is) != CODE_LEN || is[0] != CODE_SOME)
        return 0;
    int same = !memcmp(was, is, CODE_LEN);
    if (same)
        LOG_I("only comments changed in %s", path);
    return same;
}

static int cmp_digest(const void *a, const void *b)
{
    return memcmp(((const digest *)a)->hash, ((const digest *)b)->hash, DIGEST_HEX_LEN);
}

/* Does what gcc's output depends on beyond the code digests hold for the
 * twin (codedigest.h)?  No two inputs now alike (#pragma once would skip
 * one), and the inputs' location bounds, before and after, well within
 * gcc's budget. */
static int twin_sound(memo **codes, const char *ricc_dir, const manifest_twin *tw)
{
    digest *sorted = malloc(sizeof *sorted * (size_t)(tw->n + 1));
    if (!sorted)
        return 0;
    memcpy(sorted, tw->now, sizeof *sorted * (size_t)tw->n);
    qsort(sorted, (size_t)tw->n, sizeof *sorted, cmp_digest);
    int alike = 0;
    for (int i = 1; i < tw->n; i++)
        alike |= digest_equal(&sorted[i - 1], &sorted[i]);
    free(sorted);
    if (alike) {
        LOG_I("two inputs are alike now; no second chance");
        return 0;
    }
    uint64_t before = 0, after = 0;
    for (int i = 0; i < tw->n; i++) {
        unsigned char was[MEMO_VALUE_MAX], is[MEMO_VALUE_MAX];
        uint64_t b, a;
        if (memo_get(*codes, &tw->was[i], was) != CODE_LEN ||
            code_of(codes, ricc_dir, tw->paths[i], &tw->now[i], is) != CODE_LEN)
            return 0;
        memcpy(&b, was + CODE_BOUND, sizeof b);
        memcpy(&a, is + CODE_BOUND, sizeof a);
        before += b;
        after += a;
    }
    uint64_t limit = CODE_LOCATION_BUDGET / LOCATION_READS;
    if (before > limit || after > limit) {
        LOG_I("a large translation unit: no second chance");
        return 0;
    }
    return 1;
}

int comment_hit_match(memo **codes, const char *ricc_dir, manifest *m, const char *base,
                      manifest_twin *out)
{
    same_ctx s = {codes, ricc_dir};
    if (!manifest_match_code(m, base, same_code, &s, out))
        return 0;
    int ok = twin_sound(codes, ricc_dir, out);
    if (!ok)
        manifest_twin_free(out);
    return ok;
}
