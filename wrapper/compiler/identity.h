/* SPDX-License-Identifier: Apache-2.0 */
/* identity.h — what "the compiler" is, by content.
 *
 * Without a toolchain digest (RECC_REMOTE_PLATFORM_chrootRootDigest), the key
 * must change when the toolchain behind the compiler's name changes.  The
 * identity is the digest of:
 *   - the compiler executable, by content and resolved path (a `cc` that now
 *     points at clang is another toolchain);
 *   - the programs a compile of the language at hand runs (cc1 or cc1plus,
 *     as; collect2 and ld for a link), found as the driver finds them: asked
 *     with -print-prog-name and the user's options that move the search (-B,
 *     --sysroot, ...) in the environment that moves it too (COMPILER_PATH,
 *     GCC_EXEC_PREFIX, LIBRARY_PATH, PATH);
 *   - gcc's specs file, when one is found where gcc looks for it;
 *   - the driver's search lists (-print-search-dirs), which name its
 *     version and multilib directories;
 *   - with a sysroot, where each of the sysroot's standard include
 *     directories leads: gcc names them by their resolved path, so a
 *     dependency list and a manifest made under `--sysroot=link` say nothing
 *     of `link`; re-pointing it must change the key.
 *
 * Asking the driver costs processes, and hashing cc1plus costs ~20 ms, so
 * the result is remembered in $RICC_DIR/identity/<hash of the compiler's
 * path, the programs, the options, that environment (and the working
 * directory when one of them is relative)>, with what makes it still true:
 * each file's (device, inode, size, mtime, ctime), and each directory the
 * driver searched before it found a program or the specs file (or in vain)
 * with its (device, inode, mtime, ctime): a program that appears in an
 * earlier directory changes that directory, and a symbolic link on the
 * way re-pointed changes the inode reached.  A later call reads the record
 * and stat()s those paths; no process is started unless one changed.  See
 * identity.c for the record's format. */
#ifndef RICC_IDENTITY_H
#define RICC_IDENTITY_H

#include "cache/reapi/digest.h"

/* compiler: the resolved path of the compiler to run; progs: the programs
 * (as -print-prog-name names them) the call at hand can run, NULL-terminated:
 * a C compile hashes cc1, not cc1plus (each ~35 MB, ~20 ms to hash).
 * identity_programs() gives them for a language.  driver_opts: the user's
 * options that change the driver's search (compiler.h's
 * compiler_driver_opts), NULL-terminated, or NULL for none.  ricc_dir may be
 * NULL (no caching of the result).  0 with *out set, or -1 if the compiler
 * cannot be read. */
int compiler_identity_for(const char *compiler, const char *ricc_dir, const char *const *progs,
                          char *const *driver_opts, digest *out);

/* Which of the programs reals[0..n) (resolved paths, malloc'd) are not part
 * of the identity compiler_identity_for() last recorded for these
 * arguments (the compiler, a file it hashed, or one learned)?  Those are
 * moved to the front of reals, the others freed; their count.  (A compile
 * is observed running its programs, observe.h: one the identity did not
 * foresee, such as the gcc a wrapper script runs, is learned.) */
int identity_uncovered(const char *compiler, const char *ricc_dir, const char *const *progs,
                       char *const *driver_opts, char **reals, int n);

/* Add reals[0..n) (resolved paths of programs a compile was seen running,
 * none of them covered) to the identity recorded for these arguments, which
 * must still be `current` (this call's), by content: 0 with *out, the
 * identity that now includes them (the next compiler_identity_for gives it
 * too, while they stay as they are), or -1 (no such record to add to, or a
 * program cannot be read). */
int identity_learn(const char *compiler, const char *ricc_dir, const char *const *progs,
                   char *const *driver_opts, const digest *current, char *const *reals, int n,
                   digest *out);

/* The same without driver options. */
int compiler_identity(const char *compiler, const char *ricc_dir, const char *const *progs,
                      digest *out);

/* The programs a compile of language lang (compiler.h's enum lang) runs;
 * lang LANG_NONE: a link's (every compiler proper, as, collect2, ld and
 * the linker plugin: a link may compile too). */
const char *const *identity_programs(int lang);

#endif
