/* SPDX-License-Identifier: Apache-2.0 */
/* incpath.h — the preprocessor's include search, as direct mode needs it:
 * the compiler's real search chain (incpath.c), and the names each file
 * includes (incscan.c). */
#ifndef RICC_INCPATH_H
#define RICC_INCPATH_H

#include <stddef.h>

#include "cache/reapi/digest.h"
#include "wrapper/compiler/compiler.h"

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
    char *name;      /* as written; for a computed include, its macro text */
    int angle;       /* <name> rather than "name" */
    int next;        /* #include_next, __has_include_next */
    int test;        /* __has_include: asks whether name exists, reads nothing */
    int computed;    /* #include MACRO: the name is whatever MACRO expands to;
                      * with test, a test whose name is not known here */
    int after_include; /* computed, and an #include outside every #if comes
                        * first in the file: it cannot be the first include
                        * a main file processes (gcc reads a precompiled
                        * header only for that one) */
    int wrapper;     /* with test: name is a macro whose argument is tested,
                      * `#define name(h) __has_include(h)` (incpath_scan_uses
                      * finds its uses); next: __has_include_next's */
} inc_ref;

/* The names text includes: every `#include "x"`, `#include <x>`,
 * `#include_next` and `#import` directive, lexed as the preprocessor does
 * (comments, string, character and raw string literals, splices, digraph
 * and trigraph #), under every dialect whose rules would lex the text
 * differently (see incscan.c): so no directive any compiler would see is
 * missed, and one that no compiler sees (in a comment, a literal) is left
 * out, unless some dialect sees it.  In the order found, each name once
 * for each kind of reference (the flags below).
 * `#include MACRO` (or anything after #include that is no header name) is
 * reported computed, its name the macro text.  Then the `__has_include("x")`
 * / `__has_include(<x>)` tests (also through a wrapper macro such as
 * glibc's __glibc_has_include), found anywhere in the text, comments and
 * literals included.  Returns the count with *refs malloc'd, or -1 out of
 * memory.  (What this finds is kept in a memo across ricc versions: a
 * change to it must change the encoding's format byte, incscan.c.) */
int incpath_scan(const char *text, size_t len, inc_ref **refs);
/* The __has_include tests alone.  The count, or -1 out of memory.
 * Besides the literal tests, incpath_scan and this report, lexed as the
 * preprocessor reads them, the tests whose name cannot be known from the
 * text (computed: a macro argument, <x.h> expanded through a macro, an
 * alias of __has_include) and the wrapper macros (see inc_ref). */
int incpath_scan_tests(const char *text, size_t len, inc_ref **refs);
/* The tests text makes through the n macros named wrappers (next[i]: the
 * i-th wraps __has_include_next): literal ones, computed ones, and the
 * macros that wrap these in turn, as wrappers.  The count, or -1. */
int incpath_scan_uses(const char *text, size_t len, char *const *wrappers, const int *next,
                      int n, inc_ref **refs);
void inc_refs_free(inc_ref *refs, int n);

/* What incpath_scan found, as bytes to keep in a memo (cache/local/memo.h) under
 * the file's digest: a format byte, then for each ref a flags byte (every
 * flag of inc_ref) and the name with its NUL.  The length, or -1 when it
 * does not fit in cap. */
int inc_refs_encode(const inc_ref *refs, int n, unsigned char *out, size_t cap);
/* And back: the count with *refs malloc'd, or -1 when the bytes are not
 * such an encoding (or out of memory). */
int inc_refs_decode(const unsigned char *p, size_t len, inc_ref **refs);

#endif
