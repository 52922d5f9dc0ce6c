/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_manifest.c — libFuzzer target for the parsers of bytes that may come
 * from a remote server or a damaged cache: direct-mode manifests (binary,
 * with front-coded path lists), the text manifests of `ricc exec` and of
 * links (their "E" lines).  The first input byte picks the parser.  A
 * parser must reject what it cannot read and never read or write out of
 * bounds; a manifest it accepts must serialize and parse back the same.
 *
 *   make fuzz                 (clang with libFuzzer; FUZZ_SECONDS=60 each)
 *
 * Not part of `make check`: a run is open-ended.  A crash it finds becomes
 * a unit test of the parser, and is fixed there. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wrapper/direct/exec_manifest.h"
#include "wrapper/direct/manifest.h"
#include "wrapper/direct/manifest_int.h"
#include "wrapper/direct/pathlist.h"
#include "wrapper/direct/textman.h"

static int count_path(const char *path, void *arg)
{
    (*(size_t *)arg) += strlen(path) + 1;
    return 0;
}

static void binary_manifest(const char *p, size_t n)
{
    /* Half the inputs get the magic, so the fuzzer need not find it. */
    char *buf = malloc(n + 8);
    if (!buf)
        return;
    memcpy(buf, "RICCMAN3", 8);
    memcpy(buf + 8, p, n);
    manifest *m = manifest_parse(buf, n + 8);
    free(buf);
    if (!m)
        return;
    size_t total = 0;
    for (int i = 0; i < m->n; i++)
        for (int j = 0; j < m->e[i].n_watch; j++) {
            const mwatch *x = &m->e[i].watch[j];
            if (!x->absent)
                pathlist_each(x->absent_raw, x->n_raw, count_path, &total);
        }
    size_t len;
    char *out = manifest_serialize(m, &len);
    if (out) {
        manifest *again = manifest_parse(out, len);
        size_t len2;
        char *out2 = again ? manifest_serialize(again, &len2) : NULL;
        if (!out2 || len2 != len || memcmp(out, out2, len) != 0)
            abort(); /* accepted, but does not round-trip */
        free(out2);
        manifest_free(again);
        free(out);
    }
    manifest_free(m);
}

static void text_manifest(const char *p, size_t n)
{
    char *text = malloc(n + 1);
    if (!text)
        return;
    memcpy(text, p, n);
    text[n] = '\0';
    digest d;
    textman_entry_action(text, &d);
    xman_entry m;
    memset(&m, 0, sizeof m);
    xman_match(text, &m);
    xman_match_free(&m);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *p = (const char *)data + 1;
    size_t n = size - 1;
    switch (data[0] % 3) {
    case 0:
        binary_manifest(p, n);
        break;
    case 1: {
        manifest *m = manifest_parse(p, n); /* as it came, magic or not */
        manifest_free(m);
        break;
    }
    default:
        text_manifest(p, n);
        break;
    }
    return 0;
}
