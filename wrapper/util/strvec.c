/* SPDX-License-Identifier: Apache-2.0 */
/* strvec.c — see strvec.h. */
#include "wrapper/util/strvec.h"

#include <stdlib.h>
#include <string.h>

int strvec_push(strvec *sv, char *s)
{
    if (!s)
        return -1;
    if (sv->n + 1 >= sv->cap) { /* room for s and the NULL after it */
        int cap = sv->cap ? sv->cap * 2 : 32;
        char **v = realloc(sv->v, sizeof *v * (size_t)cap);
        if (!v) {
            free(s);
            return -1;
        }
        sv->v = v;
        sv->cap = cap;
    }
    sv->v[sv->n++] = s;
    sv->v[sv->n] = NULL;
    return 0;
}

int strvec_has(const strvec *sv, const char *x)
{
    for (int i = 0; i < sv->n; i++)
        if (!strcmp(sv->v[i], x))
            return 1;
    return 0;
}

int strvec_add_unique(strvec *sv, const char *x, size_t len)
{
    char *c = strndup(x, len);
    if (c && strvec_has(sv, c)) {
        free(c);
        return 0;
    }
    return strvec_push(sv, c);
}

static int cmp_strp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int strs_sort_unique(char **v, int n)
{
    if (n == 0)
        return 0;
    qsort(v, (size_t)n, sizeof *v, cmp_strp);
    int w = 1;
    for (int i = 1; i < n; i++) {
        if (!strcmp(v[w - 1], v[i]))
            free(v[i]);
        else
            v[w++] = v[i];
    }
    return w;
}

void strvec_sort_unique(strvec *sv)
{
    sv->n = strs_sort_unique(sv->v, sv->n);
    if (sv->v)
        sv->v[sv->n] = NULL;
}

void strvec_free(strvec *sv)
{
    for (int i = 0; i < sv->n; i++)
        free(sv->v[i]);
    free(sv->v);
    memset(sv, 0, sizeof *sv);
}
