/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_depfile.c — libFuzzer target for dependency files and the stored
 * forms of a result's text (bytes a compiler writes, or a damaged or
 * hostile cache entry holds).  The first byte, a digit (seeds stay text),
 * picks:
 *   0  depfile_parse()          the make rule -M prints (wrapper/deps/depfile.c)
 *   1  relocate_dep_restore()   a stored .d with base/target markers back
 *                               to this call's (wrapper/key/relocate.c)
 *   2  relocate_text_restore()  a stored stream (stdout, stderr, .su)
 *   3  relocate_dep_store()     a .d as gcc wrote it, to its stored form;
 *                               what it accepts must restore to the same
 *   4  relocate_text_store()    likewise for a stream */
#include "tests/fuzz/fuzz.h"

#include <errno.h>

#include "wrapper/compiler/compiler.h"
#include "wrapper/key/relocate.h"

#define BASE "/w/a"

static const char *const targets[] = {"out.o", NULL};

static void dep_round_trip(const char *text, size_t n)
{
    size_t sl = 0, rl = 0;
    char *stored = relocate_dep_store(text, n, BASE, targets, 1, &sl);
    if (!stored)
        return;
    char *back = relocate_dep_restore(stored, sl, BASE, targets, &rl);
    /* restoring what store wrote must not be refused (a miss forever) */
    if (!back && errno != ENOMEM)
        abort();
    free(back);
    free(stored);
}

static void text_round_trip(const char *text, size_t n)
{
    size_t sl = 0, rl = 0;
    char *stored = relocate_text_store(text, n, BASE, &sl);
    if (!stored)
        return;
    char *back = relocate_text_restore(stored, sl, BASE, &rl);
    if (back && (rl != n || memcmp(back, text, n) != 0))
        abort(); /* stored and restored, the text must come back */
    free(back);
    free(stored);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char *p = fuzz_copy(data + 1, size - 1);
    size_t n = size - 1, out = 0;
    switch ((uint8_t)(data[0] - '0') % 5) {
    case 0: {
        char **files = NULL;
        int k = depfile_parse(p, n, &files);
        if (k >= 0 && !files)
            abort();
        for (int i = 0; k >= 0 && i < k; i++)
            free(files[i]);
        if (k >= 0 && files[k])
            abort();
        free(files);
        break;
    }
    case 1:
        free(relocate_dep_restore(p, n, BASE, targets, &out));
        break;
    case 2:
        free(relocate_text_restore(p, n, BASE, &out));
        break;
    case 3:
        dep_round_trip(p, n);
        break;
    default:
        text_round_trip(p, n);
        break;
    }
    free(p);
    return 0;
}
