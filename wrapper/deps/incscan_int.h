/* SPDX-License-Identifier: Apache-2.0 */
/* incscan_int.h — what incscan.c (the lexer and the include scan) and
 * inctests.c (the __has_include tests) share: the dialect rules, the ref
 * flags of the memo's format, the lexer's state, and the test pass.
 * Private to wrapper/deps/. */
#ifndef RICC_INCSCAN_INT_H
#define RICC_INCSCAN_INT_H

#include <stddef.h>

#include "cache/util/strtab.h"
#include "wrapper/deps/incpath.h"

/* Dialect rules a pass lexes by (none set: C++ with every raw string
 * prefix, no trigraphs, no digit separators, // comments). */
enum {
    M_TRIGRAPHS = 1,   /* phase 1 replaces ??/ ??' ??= and the others */
    M_NO_RAW = 2,      /* R"(...)" is an identifier and a string */
    M_RAW_PLAIN = 4,   /* only R and LR prefix a raw string, not u, U, u8 */
    M_DIGIT_SEP = 8,   /* ' between the characters of a number is part of it */
    M_NO_LINE_COMMENTS = 16,
    M_ALL = 32,
};

/* REF_FORMAT leads every encoding.  The memo keeps incpath_scan's answers
 * by content digest across ricc versions: a change to what the scanner
 * finds must change REF_FORMAT, so that older answers are refused.
 * (2: comments, literals and splices lexed; computed includes reported.
 * 3: tests lexed too: computed tests and wrapper macros reported.) */
enum {
    REF_ANGLE = 1, REF_NEXT = 2, REF_TEST = 4, REF_COMPUTED = 8, REF_AFTER_INCLUDE = 16,
    REF_WRAPPER = 32, REF_FLAGS = 63, REF_FORMAT = 3,
};

/* The longest name kept; a longer one cannot be opened anyway, and is
 * reported as computed (which asks more of the proof, never less). */
#define NAME_CAP 4096
/* What of a computed include's macro text is kept: it is only shown. */
#define MACRO_CAP 48

typedef struct lexer {
    const char *text, *end;
    unsigned mode;     /* M_*: the dialect of this pass */
    unsigned seen;     /* M_*: rules whose other choice would have lexed differently */
    int depth;         /* #if nesting, never less than the compiler's */
    int top_include;   /* an #include outside every #if came before */
    strtab *found;     /* refs already reported, keyed by flags and name */
    inc_ref **refs;
    int *n;
    int oom;
    int tests_only;    /* report the existence tests alone */
} lexer;

/* ---- incscan.c: lexing primitives the test pass reads by ---- */

/* Past the line comment whose text starts at p (the second slash). */
const char *incscan_line_comment(lexer *lx, const char *p);
/* Past the raw string whose R is at r (or at r, if none starts there). */
const char *incscan_raw_string(lexer *lx, const char *r);
/* Report name[0..len) with flags REF_*, once. */
void incscan_report(lexer *lx, const char *name, size_t len, unsigned flags);
/* Past the code (not a directive) that starts at p. */
const char *incscan_code(lexer *lx, const char *p);

/* ---- inctests.c ---- */

/* The tests as the preprocessor meets them.  A test is evaluated only in
 * #if and #elif, or where a macro defined with one is expanded in them; what
 * the quick reading (inctests_literal) cannot show is the name such a test asks for when
 * it is not a literal written in the #if itself:
 *   __has_include(HDR), HDR a macro (defined anywhere, or with -D);
 *   #define HAVE_X __has_include(<linux/x.h>): expanded where HAVE_X is
 *     used, the identifiers between < and > expanded too ("linux" is 1 in
 *     GNU C; see angle_expands: libstdc++'s <tbb/tbb.h> test is like this,
 *     in every C++ compile, and its identifiers are no macros);
 *   #define HI __has_include, then HI(<x.h>);
 *   comments or splices between the tokens.
 * The first three are reported computed: their name is not known here, and
 * the proof (manifest_proof.c) cannot stand; the fourth as the literal it
 * is.  A wrapper, `#define W(h) __has_include(h)` (fmt's FMT_HAS_INCLUDE),
 * is reported as such, named W: its uses, which need not mention
 * has_include, are found with incpath_scan_uses, in every input. */
enum { T_NONE, T_IF, T_DEFINE, T_OTHER };
enum { OP_LITERAL, OP_PARAM, OP_OTHER, OP_NONE };

#define IDENT_CAP 256

typedef struct tpass {
    lexer *lx;
    char *const *ops;          /* wrapper names (a uses pass), or NULL */
    const int *op_next;
    int n_ops;
    int flagged;               /* input_has_tests() sees the text's tests */
    int dir;                   /* T_*: the directive the line holds */
    char macro[IDENT_CAP];     /* #define: the macro's name, */
    size_t macro_len;
    char param[IDENT_CAP];     /* its one parameter, */
    size_t param_len;
    int n_params;              /* how many it has (-1: object-like) */
    int after_defined;         /* 1: after `defined`, 2: after `defined (` */
} tpass;

/* Literal tests anywhere in the text (comments and literals too). */
void inctests_literal(lexer *lx);
/* The tests as the preprocessor meets them (see inctests.c). */
void inctests_pass(tpass *t);

#endif
