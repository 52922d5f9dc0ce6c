/* SPDX-License-Identifier: Apache-2.0 */
/* strtab.c — see strtab.h.  Linear probing over a slot array kept at most
 * half full; each slot keeps its string's hash, so a probe compares strings
 * only when the hashes agree and growing never hashes again (hash64.h:
 * the include proof hashes about a thousand paths per compile). */
#include "cache/util/strtab.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cache/util/hash64.h"

static uint32_t hash(const char *s, size_t n)
{
    return (uint32_t)hash64(0x9e3779b97f4a7c15ULL ^ (uint64_t)n, s, n);
}

static int grow(strtab *t)
{
    size_t ns = t->nslot ? t->nslot * 2 : 128;
    strtab_slot *slot = malloc(ns * sizeof *slot);
    if (!slot)
        return -1;
    for (size_t i = 0; i < ns; i++)
        slot[i].idx = -1;
    for (size_t i = 0; i < t->nslot; i++) {
        if (t->slot[i].idx < 0)
            continue;
        size_t j = t->slot[i].h & (ns - 1);
        while (slot[j].idx >= 0)
            j = (j + 1) & (ns - 1);
        slot[j] = t->slot[i];
    }
    free(t->slot);
    t->slot = slot;
    t->nslot = ns;
    return 0;
}

/* The slot where s[0..n) (hash h) is, or the empty one where it would go. */
static size_t probe(const strtab *t, const char *s, size_t n, uint32_t h)
{
    size_t j = h & (t->nslot - 1);
    for (; t->slot[j].idx >= 0; j = (j + 1) & (t->nslot - 1)) {
        if (t->slot[j].h != h)
            continue;
        const char *e = t->e[t->slot[j].idx].s;
        if (!strncmp(e, s, n) && e[n] == '\0')
            break;
    }
    return j;
}

strtab_entry *strtab_find(const strtab *t, const char *s, size_t n)
{
    if (!t->nslot)
        return NULL;
    size_t j = probe(t, s, n, hash(s, n));
    return t->slot[j].idx >= 0 ? &t->e[t->slot[j].idx] : NULL;
}

strtab_entry *strtab_get(strtab *t, const char *s, size_t n, int *added)
{
    if (added)
        *added = 0;
    if ((size_t)t->n * 2 >= t->nslot && grow(t) != 0)
        return NULL;
    uint32_t h = hash(s, n);
    size_t j = probe(t, s, n, h);
    if (t->slot[j].idx >= 0)
        return &t->e[t->slot[j].idx];
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
    t->slot[j] = (strtab_slot){t->n, h};
    if (added)
        *added = 1;
    /* cppcheck-suppress memleak ; (copy is kept in t->e, not lost) */
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
