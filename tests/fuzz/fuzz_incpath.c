/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_incpath.c — libFuzzer target for what ricc reads to find and follow
 * #include: the first byte, a digit (seeds stay text), picks
 *   0  parse_chain()           the include search list of `-E -v` (the
 *                              compiler's stderr, or the copy stored under
 *                              $RICC_DIR/incdirs/, which anyone who can
 *                              write the cache can change) (incpath.c)
 *   1  inc_refs_decode()       a memo value of the #include names of a
 *                              file ($RICC_DIR/incscan, cache/local/memo.h)
 *   2  incpath_scan()          a source or header's #include directives
 *                              (wrapper/deps/incscan.c); what it finds must
 *                              encode and decode back the same
 *   3  incpath_scan_tests() and incpath_scan_uses() (the __has_include
 *                              tests, and those made through wrappers)
 * parse_chain() is static: incpath.c is compiled into this target (it
 * defines nothing else the libraries need from it), so nothing in the
 * product is exported for the fuzzer's sake. */
#include "tests/fuzz/fuzz.h"

#include "wrapper/deps/incpath.c"

static void scan(const char *p, size_t n)
{
    inc_ref *refs = NULL;
    int k = incpath_scan(p, n, &refs);
    if (k < 0)
        return;
    unsigned char buf[65536];
    int len = inc_refs_encode(refs, k, buf, sizeof buf);
    if (len >= 0) {
        inc_ref *back = NULL;
        int k2 = inc_refs_decode(buf, (size_t)len, &back);
        if (k2 != k)
            abort(); /* encoded, but does not decode */
        for (int i = 0; i < k; i++)
            if (strcmp(refs[i].name, back[i].name) != 0 || refs[i].angle != back[i].angle ||
                refs[i].next != back[i].next || refs[i].test != back[i].test ||
                refs[i].computed != back[i].computed ||
                refs[i].after_include != back[i].after_include ||
                refs[i].wrapper != back[i].wrapper)
                abort();
        inc_refs_free(back, k2);
    }
    inc_refs_free(refs, k);
}

static void tests(const char *p, size_t n)
{
    inc_ref *refs = NULL;
    int k = incpath_scan_tests(p, n, &refs);
    if (k < 0)
        return;
    /* The wrappers it found, as the include proof passes them on. */
    char *names[16];
    int next[16], m = 0;
    for (int i = 0; i < k && m < 16; i++)
        if (refs[i].wrapper) {
            names[m] = refs[i].name;
            next[m++] = refs[i].next;
        }
    if (m > 0) {
        inc_ref *uses = NULL;
        int u = incpath_scan_uses(p, n, names, next, m, &uses);
        if (u >= 0)
            inc_refs_free(uses, u);
    }
    inc_refs_free(refs, k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t n = size - 1;
    switch ((uint8_t)(data[0] - '0') % 4) {
    case 0: {
        char *text = fuzz_cstr(data + 1, n);
        inc_chain c;
        memset(&c, 0, sizeof c);
        parse_chain(text, &c);
        inc_chain_free(&c);
        free(text);
        break;
    }
    case 1: {
        char *p = fuzz_copy(data + 1, n);
        inc_ref *refs = NULL;
        int k = inc_refs_decode((const unsigned char *)p, n, &refs);
        if (k >= 0)
            inc_refs_free(refs, k);
        free(p);
        break;
    }
    case 2: {
        char *p = fuzz_copy(data + 1, n);
        scan(p, n);
        free(p);
        break;
    }
    default: {
        char *p = fuzz_copy(data + 1, n);
        tests(p, n);
        free(p);
        break;
    }
    }
    return 0;
}
