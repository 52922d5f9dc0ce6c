/* SPDX-License-Identifier: Apache-2.0 */
/* strtab.h — a set of strings with a small value each, in first-seen order.
 *
 * Several places collect path names that repeat many times (a dependency
 * file lists a header once per rule, a tool's trace opens the same file
 * again and again, an include proof visits the same candidate from many
 * headers) and need each name once, fast, in the order first seen.  This is
 * that one table: open addressing over an array of entries.
 *
 * Entry pointers stay valid only until the next strtab_get (the array may
 * move); e[0..n) may be read directly. */
#ifndef RICC_STRTAB_H
#define RICC_STRTAB_H

#include <stddef.h>

typedef struct strtab_entry {
    char *s;           /* NUL-terminated copy, owned by the table */
    unsigned val;      /* 0 when added; the caller's to use */
} strtab_entry;

typedef struct strtab_slot {
    int idx;           /* index into e, or -1 */
    unsigned h;        /* the string's hash */
} strtab_slot;

typedef struct strtab {
    strtab_entry *e;   /* in first-seen order */
    int n, cap;
    strtab_slot *slot;
    size_t nslot;
} strtab;

/* The entry for s[0..n), added if new (*added = 1, else 0; added may be
 * NULL).  NULL when out of memory. */
strtab_entry *strtab_get(strtab *t, const char *s, size_t n, int *added);

/* The entry for s[0..n), or NULL. */
strtab_entry *strtab_find(const strtab *t, const char *s, size_t n);

/* Take the strings out as a NULL-terminated malloc'd array (first-seen
 * order); the table is left empty.  NULL when out of memory (the table is
 * then as it was). */
char **strtab_take(strtab *t);

void strtab_free(strtab *t);

#endif
