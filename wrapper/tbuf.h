/* tbuf.h — a byte buffer that grows, NUL-terminated for text's sake.
 * Manifests of every kind are built in one. */
#ifndef RICC_TBUF_H
#define RICC_TBUF_H

#include <stddef.h>

/* {0} is empty.  free(b.p). */
typedef struct tbuf {
    char *p;
    size_t len, cap;
} tbuf;

/* Append n bytes of s.  0, or -1 when out of memory (b unchanged). */
int tbuf_add(tbuf *b, const void *s, size_t n);

#endif
