/* SPDX-License-Identifier: Apache-2.0 */
/* strvec.h — a growing array of malloc'd strings, kept NULL-terminated (so
 * that v can be handed on as an argv).  Used wherever the wrapper collects
 * paths or arguments: response-file expansion, a link's inputs, a
 * manifest's proof, the header trace. */
#ifndef RICC_STRVEC_H
#define RICC_STRVEC_H

#include <stddef.h>

typedef struct strvec {
    char **v; /* NULL until the first push */
    int n, cap;
} strvec;

/* Append s, which the vector now owns (freed here on failure; a NULL s is a
 * failure, so strvec_push(sv, strdup(x)) needs no check of its own).  0, or
 * -1 out of memory. */
int strvec_push(strvec *sv, char *s);

/* Append a copy of x[0..len) unless an equal string is there.  0 or -1. */
int strvec_add_unique(strvec *sv, const char *x, size_t len);

/* Is a string equal to x in sv? */
int strvec_has(const strvec *sv, const char *x);

/* Sort the n strings of v (strcmp order) and free repeats; the new count. */
int strs_sort_unique(char **v, int n);

/* strs_sort_unique over sv, which stays NULL-terminated. */
void strvec_sort_unique(strvec *sv);

/* Free the strings and the array; sv is empty again. */
void strvec_free(strvec *sv);

#endif
