/* SPDX-License-Identifier: Apache-2.0 */
/* keybase.h — what a compile's key may leave out: the directory of its
 * checkout, and the names of its outputs.
 *
 * A project built in /w/a and again in /w/b/other (a second checkout, CI's
 * workspace, a BuildStream sandbox) makes the same objects whenever nothing
 * records where it was built; so does one source compiled as t1/x.o and as
 * t2/x.o (CMake and meson build a source once per target).  ccache's base_dir
 * hits in both cases and sometimes serves an object that did record the
 * path.  Here the key leaves the checkout and the names out only where the
 * model knows they cannot reach the output:
 *
 *  - The base is the deepest directory under the project root that holds
 *    the working directory and every path the command names under the root
 *    (CMake's absolute -I and source paths, make's ../include).  The key
 *    names every input under it relative to it, the working directory too;
 *    absolute arguments under the root become relative (action.c).
 *  - The base stays in the key ("salted") when the output may record an
 *    absolute path under it: debug info or sanitizer file names not hidden by
 *    a prefix map, -flto, -frecord-gcc-switches, -fverbose-asm, a dependency
 *    file ricc cannot re-spell (not gcc's), a base whose characters could be
 *    escaped differently in the outputs, or (decided once the inputs are
 *    known, keybase_file_macros_record) __FILE__ and its kin with absolute
 *    paths no -fmacro-prefix-map hides.  Messages and dependency files name
 *    the base too: the stored result holds a marker there instead
 *    (relocate.h), and a hit writes this call's base back.
 *  - Output names are left out (canon) unless a name reaches an output
 *    (compiler.h, names_matter; -frecord-gcc-switches, -fverbose-asm): the
 *    key names the object ricc.o, the dependency file ricc.d and its
 *    targets "\x02"; the stored dependency file names its targets so, and a
 *    hit writes this call's targets (dep_targets) in their place. */
#ifndef RICC_KEYBASE_H
#define RICC_KEYBASE_H

#include "wrapper/compiler/compiler.h"

typedef struct keybase {
    char *base;            /* absolute, normalized; NULL: path rewriting is off */
    int relocate;          /* outputs are stored with the base marked (relocate.h) */
    int rewrote_abs;       /* an absolute argument under the root is rewritten */
    int salt_base;         /* the output may record the base: the key holds it */
    int macros_hidden;     /* every absolute argument under the root is hidden
                            * from __FILE__ by a -fmacro/-ffile-prefix-map */
    int canon;             /* output names are left out of the key */
    char **dep_targets;    /* with canon and a dependency file: this call's
                            * targets as gcc spells them (NULL-terminated) */
} keybase;

/* Decide for this compile (cwd: the physical working directory; root: the
 * project root, absolute, or NULL when path rewriting is off).  compile: a
 * compile whose outputs the flow relocates (not ar or a link, which keep
 * every name and salt the base whenever an absolute path was rewritten).
 * depfile_gcc: the dependency file, if any, is written by gcc (whose format
 * relocate.h re-spells).  0, or -1 out of memory. */
int keybase_decide(keybase *kb, const compile_cmd *cmd, const char *cwd, const char *root,
                   int compile, int depfile_gcc);

/* Once the inputs are known: do __FILE__ and its kin (inputs.h flag
 * INPUT_USES_FILE in some input) put the base into the output?  Then the
 * action, though not the manifest key, must hold the base. */
int keybase_file_macros_record(const keybase *kb, unsigned input_flags);

/* The base stored paths are relative to (manifest.h), or NULL. */
static inline const char *keybase_paths_base(const keybase *kb)
{
    return kb->relocate ? kb->base : NULL;
}

/* The canonical names the key gives the outputs ("ricc.o", ...): kind is
 * compiler.h's output_kind. */
const char *keybase_canonical_name(int kind);

void keybase_free(keybase *kb);

#endif
