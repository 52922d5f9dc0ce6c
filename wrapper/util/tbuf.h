/* SPDX-License-Identifier: Apache-2.0 */
/* tbuf.h — a byte buffer that grows, NUL-terminated for text's sake.
 * Manifests of every kind are built in one. */
#ifndef RICC_TBUF_H
#define RICC_TBUF_H

#include <stddef.h>

/* {0} is empty.  free(b.p). */
typedef struct tbuf {
    char *p;
    size_t len, cap;
    int failed;                /* a tbuf_put ran out of memory */
} tbuf;

/* Append n bytes of s.  0, or -1 when out of memory (b unchanged). */
int tbuf_add(tbuf *b, const void *s, size_t n);

/* The same for a writer that checks once at the end: after a failure
 * b->failed is set and later puts do nothing. */
void tbuf_put(tbuf *b, const void *s, size_t n);

#endif
