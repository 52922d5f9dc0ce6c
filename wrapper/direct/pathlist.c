/* SPDX-License-Identifier: Apache-2.0 */
/* pathlist.c — a sorted list of paths as compact bytes.  See pathlist.h. */
#include "wrapper/direct/pathlist.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wrapper/util/tbuf.h"

enum { F_NAME = 1, F_GCH = 2, F_PCH = 4 };

static const char *const ext[] = {"", ".gch", ".pch"}; /* by flag bit */

static void put_varint(tbuf *o, size_t v)
{
    unsigned char b[10];
    size_t n = 0;
    do {
        b[n] = (unsigned char)(v & 0x7f);
        v >>= 7;
        if (v)
            b[n] |= 0x80;
        n++;
    } while (v);
    tbuf_put(o, b, n);
}

/* NAME and the form bit of one path: "x.h.gch" is x.h's .gch form. */
static size_t split(const char *s, size_t len, unsigned *flag)
{
    if (len > 4 && (!memcmp(s + len - 4, ".gch", 4) || !memcmp(s + len - 4, ".pch", 4))) {
        *flag = s[len - 3] == 'g' ? F_GCH : F_PCH;
        return len - 4;
    }
    *flag = F_NAME;
    return len;
}

static void flush(tbuf *o, const char *name, size_t len, unsigned flags, const char *prev,
                  size_t prev_len)
{
    size_t shared = 0;
    while (shared < len && shared < prev_len && name[shared] == prev[shared])
        shared++;
    unsigned char f = (unsigned char)flags;
    tbuf_put(o, &f, 1);
    put_varint(o, shared);
    put_varint(o, len - shared);
    tbuf_put(o, name + shared, len - shared);
}

char *pathlist_encode(char *const *v, int n, size_t *len, int *count)
{
    tbuf o = {0};
    const char *prev = "", *cur = NULL;
    size_t prev_len = 0, cur_len = 0;
    unsigned cur_flags = 0;
    int entries = 0;
    for (int i = 0; i < n; i++) {
        size_t slen = strlen(v[i]);
        if (slen + 5 > PATHLIST_MAX) {
            free(o.p);
            return NULL;
        }
        unsigned flag;
        size_t blen = split(v[i], slen, &flag);
        if (cur && blen == cur_len && !memcmp(v[i], cur, blen) && !(cur_flags & flag)) {
            cur_flags |= flag;
            continue;
        }
        if (cur) {
            flush(&o, cur, cur_len, cur_flags, prev, prev_len);
            prev = cur, prev_len = cur_len;
            entries++;
        }
        cur = v[i], cur_len = blen, cur_flags = flag;
    }
    if (cur) {
        flush(&o, cur, cur_len, cur_flags, prev, prev_len);
        entries++;
    }
    if (!o.p && !o.failed)
        o.p = malloc(1); /* an empty list is zero bytes, not a failure */
    if (o.failed || !o.p) {
        free(o.p);
        return NULL;
    }
    *len = o.len;
    *count = entries;
    return o.p;
}

/* A varint of at most PATHLIST_MAX; 0 bytes used when malformed. */
static size_t get_varint(const unsigned char *p, size_t left, size_t *v)
{
    size_t r = 0;
    for (size_t i = 0; i < left && i < 2; i++) { /* 2 bytes reach 16383 */
        r |= (size_t)(p[i] & 0x7f) << (7 * i);
        if (!(p[i] & 0x80)) {
            *v = r;
            return r < PATHLIST_MAX ? i + 1 : 0;
        }
    }
    return 0;
}

/* One entry at p: its flags, shared and tail; bytes used, 0 if malformed. */
static size_t entry(const unsigned char *p, size_t left, size_t prev_len, unsigned *flags,
                    size_t *shared, size_t *tail)
{
    if (left < 1 || p[0] == 0 || p[0] > 7)
        return 0;
    *flags = p[0];
    size_t used = 1, n;
    if (!(n = get_varint(p + used, left - used, shared)) || *shared > prev_len)
        return 0;
    used += n;
    if (!(n = get_varint(p + used, left - used, tail)))
        return 0;
    used += n;
    if (*tail > left - used || *shared + *tail == 0 || *shared + *tail + 5 > PATHLIST_MAX ||
        memchr(p + used, '\0', *tail))
        return 0;
    return used + *tail;
}

int pathlist_check(const char *p, size_t left, int count, size_t *used)
{
    const unsigned char *u = (const unsigned char *)p;
    size_t at = 0, prev_len = 0;
    for (int i = 0; i < count; i++) {
        unsigned flags;
        size_t shared, tail;
        size_t n = entry(u + at, left - at, prev_len, &flags, &shared, &tail);
        if (!n)
            return -1;
        at += n;
        prev_len = shared + tail;
    }
    *used = at;
    return 0;
}

int pathlist_each(const char *p, int count, int (*fn)(const char *path, void *arg), void *arg)
{
    const unsigned char *u = (const unsigned char *)p;
    char path[PATHLIST_MAX];
    size_t at = 0, prev_len = 0;
    for (int i = 0; i < count; i++) {
        unsigned flags;
        size_t shared, tail;
        size_t n = entry(u + at, (size_t)-1 / 2, prev_len, &flags, &shared, &tail);
        if (!n)
            return -1; /* not checked by pathlist_check: treat as failing */
        memcpy(path + shared, u + at + n - tail, tail);
        size_t len = shared + tail;
        at += n;
        prev_len = len;
        for (unsigned bit = 0; bit < 3; bit++) {
            if (!(flags & (1u << bit)))
                continue;
            memcpy(path + len, ext[bit], strlen(ext[bit]) + 1);
            int r = fn(path, arg);
            if (r)
                return r;
        }
    }
    return 0;
}
