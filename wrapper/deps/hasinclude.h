/* SPDX-License-Identifier: Apache-2.0 */
/* hasinclude.h — the files a compile's __has_include tests find, as inputs.
 *
 * `#if __has_include(<x.h>)` asks whether x.h exists along the include
 * search without reading it, so no dependency output names it (gcc's -M and
 * -MD do not).  A key made of the files the compile read would then stay
 * the same when x.h appears or goes: the preprocessor-mode and depend-mode
 * keys would serve a result compiled with the other answer, and a remote
 * worker, whose input root holds only those files, would answer "no" where
 * this machine says "yes".  libstdc++'s <ext/atomicity.h> and glibc's
 * <sys/stat.h> test like this, so it is most C++ and much C.
 *
 * So the file each such test finds becomes an input: its presence (and
 * content) is in the key and in the input root; one that appears earlier
 * on the search, or goes, changes which file is found and so the key.  A
 * test that finds nothing adds nothing, and a file that appears later for it
 * is then found and added.  __has_include_next adds every file along the
 * search (which one the compiler finds depends on where the includer was
 * found): more inputs, never a wrong answer.
 *
 * The name a test asks for is known from the text only when it is written
 * as a literal in the #if itself, or passed as a "quoted" literal to a
 * wrapper macro (`#define W(h) __has_include(h)`, fmt's FMT_HAS_INCLUDE,
 * whose uses need not mention has_include: every input is searched for
 * them).  A test of a macro's expansion (`__has_include(HDR)`, HDR from a
 * header or -D; <x.h> through a macro, whose identifiers are expanded too:
 * "linux" is 1 in GNU C) can ask for any name: no key made of the files
 * found can follow it, so such a compile is not cached (the scan reports it
 * computed, incpath.h), and direct mode does not prove it either. */
#ifndef RICC_HASINCLUDE_H
#define RICC_HASINCLUDE_H

#include "cache/reapi/digest.h"
#include "wrapper/compiler/compiler.h"
#include "wrapper/deps/incpath.h"

typedef struct hasinclude_in {
    const compile_cmd *cmd;
    const char *compiler;      /* resolved path, to ask for its search chain */
    const digest *toolkey;
    const char *ricc_dir;
    const char *cwd;           /* absolute */
    const unsigned *flags;     /* inputs.h flags of each of *deps */
} hasinclude_in;

/* Append to *deps (malloc'd strings in a malloc'd array of *n_deps) the
 * files that the __has_include tests of the inputs flagged INPUT_HAS_INCLUDE
 * find, spelt as the compiler would, unless already there.  Returns how many
 * were added, or -1 when the tests cannot be resolved (the search chain or
 * an input cannot be read): the compile must not be cached then. */
int hasinclude_add(const hasinclude_in *in, char ***deps, int *n_deps);

/* Wrapper macros met so far, each once (names malloc'd). */
typedef struct hasinclude_wrappers {
    char **names;
    int *next;                 /* it wraps __has_include_next */
    int n;
} hasinclude_wrappers;
/* Add one (a wrapper ref of incpath.h).  0, or -1 out of memory. */
int hasinclude_wrapper_add(hasinclude_wrappers *w, const inc_ref *ref);
void hasinclude_wrappers_free(hasinclude_wrappers *w);

/* The tests deps[0..n_deps) make through the wrappers in *w, and through
 * the macros that wrap those in turn (added to *w): each(ctx, i, ref) for
 * every literal or computed one found in deps[i].  0, or -1 when a file
 * cannot be read, memory runs out, or each() returned -1. */
typedef int (*hasinclude_each_fn)(void *ctx, int i, const inc_ref *ref);
int hasinclude_wrapped(char *const *deps, int n_deps, hasinclude_wrappers *w,
                       hasinclude_each_fn each, void *ctx);

#endif
