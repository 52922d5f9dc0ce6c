/* incpath.h — the preprocessor's include search, as direct mode needs it:
 * the compiler's real search chain, and the names each file includes. */
#ifndef RICC_INCPATH_H
#define RICC_INCPATH_H

#include <stddef.h>

#include "cache/digest.h"
#include "wrapper/compiler.h"

typedef struct inc_chain {
    char **quote;    /* -iquote dirs (searched for "x" after the includer's dir) */
    int n_quote;
    char **angle;    /* -I, -isystem, system dirs, -idirafter, in order */
    int n_angle;
    char **missing;  /* dirs the compiler would search but that do not exist */
    int n_missing;
} inc_chain;

/* The chain for this compile, from `COMPILER <flags> -E -v -x LANG /dev/null`,
 * remembered in $ricc_dir/incdirs/ per (toolkey, flags, environment).
 * 0, or -1 if the compiler's answer cannot be had or parsed. */
int incpath_chain(const char *compiler, const compile_cmd *cmd, const digest *toolkey,
                  const char *ricc_dir, inc_chain *out);
void inc_chain_free(inc_chain *c);

typedef struct inc_ref {
    char *name;
    int angle;       /* <name> rather than "name" */
    int next;        /* #include_next, __has_include_next */
    int test;        /* __has_include: asks whether name exists, reads nothing */
} inc_ref;

/* (What this finds is kept in a memo across ricc versions: a change to it
 * must change inc_refs_encode's format byte, incpath.c.)
 * Every `#include "x"`, `#include <x>`, `#include_next`, `#import` and
 * `__has_include("x")` / `__has_include(<x>)` (also through a wrapper macro
 * such as glibc's __glibc_has_include) in text.  Returns the count with *refs
 * malloc'd, or -1 when a computed include (`#include MACRO`) makes the set
 * unknowable. */
int incpath_scan(const char *text, size_t len, inc_ref **refs);
/* The __has_include tests alone (whatever the #includes are).  The count,
 * or -1 out of memory. */
int incpath_scan_tests(const char *text, size_t len, inc_ref **refs);
void inc_refs_free(inc_ref *refs, int n);

/* What incpath_scan found, as bytes to keep in a memo (cache/memo.h) under
 * the file's digest: a format byte, then for each ref a flags byte and the
 * name with its NUL.  The length, or -1 when it does not fit in cap. */
int inc_refs_encode(const inc_ref *refs, int n, unsigned char *out, size_t cap);
/* And back: the count with *refs malloc'd, or -1 when the bytes are not
 * such an encoding (or out of memory). */
int inc_refs_decode(const unsigned char *p, size_t len, inc_ref **refs);

#endif
