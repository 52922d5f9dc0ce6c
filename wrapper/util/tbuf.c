/* SPDX-License-Identifier: Apache-2.0 */
/* tbuf.c — see tbuf.h. */
#include "wrapper/util/tbuf.h"

#include <stdlib.h>
#include <string.h>

int tbuf_add(tbuf *b, const void *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *p = realloc(b->p, cap);
        if (!p)
            return -1;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

void tbuf_put(tbuf *b, const void *s, size_t n)
{
    if (!b->failed && tbuf_add(b, s, n) != 0)
        b->failed = 1;
}
