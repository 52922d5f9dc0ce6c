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
 * found): more inputs, never a wrong answer. */
#ifndef RICC_HASINCLUDE_H
#define RICC_HASINCLUDE_H

#include "cache/digest.h"
#include "wrapper/compiler.h"

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

#endif
