/* strtab.c — see strtab.h.  FNV-1a hashing, linear probing, the slot array
 * kept at most half full so probes stay short. */
#include "cache/strtab.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

static int grow(strtab *t)
{
    size_t ns = t->nslot ? t->nslot * 2 : 128;
    int *slot = malloc(ns * sizeof *slot);
    if (!slot)
        return -1;
    for (size_t i = 0; i < ns; i++)
        slot[i] = -1;
    for (int i = 0; i < t->n; i++) {
        size_t j = hash(t->e[i].s, strlen(t->e[i].s)) & (ns - 1);
        while (slot[j] >= 0)
            j = (j + 1) & (ns - 1);
        slot[j] = i;
    }
    free(t->slot);
    t->slot = slot;
    t->nslot = ns;
    return 0;
}

/* The slot where s[0..n) is, or the empty one where it would go. */
static size_t probe(const strtab *t, const char *s, size_t n)
{
    size_t j = hash(s, n) & (t->nslot - 1);
    for (; t->slot[j] >= 0; j = (j + 1) & (t->nslot - 1)) {
        const char *e = t->e[t->slot[j]].s;
        if (!strncmp(e, s, n) && e[n] == '\0')
            break;
    }
    return j;
}

strtab_entry *strtab_find(const strtab *t, const char *s, size_t n)
{
    if (!t->nslot)
        return NULL;
    size_t j = probe(t, s, n);
    return t->slot[j] >= 0 ? &t->e[t->slot[j]] : NULL;
}

strtab_entry *strtab_get(strtab *t, const char *s, size_t n, int *added)
{
    if (added)
        *added = 0;
    if ((size_t)t->n * 2 >= t->nslot && grow(t) != 0)
        return NULL;
    size_t j = probe(t, s, n);
    if (t->slot[j] >= 0)
        return &t->e[t->slot[j]];
    if (t->n == t->cap) {
        int cap = t->cap ? t->cap * 2 : 64;
        strtab_entry *ne = realloc(t->e, (size_t)cap * sizeof *ne);
        if (!ne)
            return NULL;
        t->e = ne;
        t->cap = cap;
    }
    char *copy = malloc(n + 1);
    if (!copy)
        return NULL;
    memcpy(copy, s, n);
    copy[n] = '\0';
    t->e[t->n] = (strtab_entry){copy, 0};
    t->slot[j] = t->n;
    if (added)
        *added = 1;
    return &t->e[t->n++];
}

char **strtab_take(strtab *t)
{
    char **v = malloc(((size_t)t->n + 1) * sizeof *v);
    if (!v)
        return NULL;
    for (int i = 0; i < t->n; i++)
        v[i] = t->e[i].s;
    v[t->n] = NULL;
    t->n = 0; /* the strings are the caller's now */
    strtab_free(t);
    return v;
}

void strtab_free(strtab *t)
{
    for (int i = 0; i < t->n; i++)
        free(t->e[i].s);
    free(t->e);
    free(t->slot);
    memset(t, 0, sizeof *t);
}
