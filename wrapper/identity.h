/* identity.h — what "the compiler" is, by content.
 *
 * Without a toolchain digest (RECC_REMOTE_PLATFORM_chrootRootDigest), the key
 * must change when the program behind the compiler's name changes.  The
 * identity is the digest of the contents of the compiler executable and the
 * programs it runs for a compile of the language at hand (cc1 or cc1plus,
 * and as, as gcc reports them with -print-prog-name), so an upgraded cc1 or
 * a `cc` that now points at clang is a different toolchain.
 *
 * Asking the compiler costs processes, and hashing cc1plus costs ~20 ms, so
 * the result is remembered in $RICC_DIR/identity/<hash of path and programs>: one line per
 * component with its (device, inode, size, mtime, ctime).  A later call
 * resolves the name (realpath) and stat()s those few files; any change,
 * including the name now leading to another file, recomputes. */
#ifndef RICC_IDENTITY_H
#define RICC_IDENTITY_H

#include "cache/digest.h"

/* compiler: the resolved path of the compiler to run; progs: the programs
 * (as -print-prog-name names them) the call at hand can run, NULL-terminated:
 * a C compile hashes cc1, not cc1plus (each ~35 MB, ~20 ms to hash).
 * identity_programs() gives them for a language.  ricc_dir may be NULL (no
 * caching of the result).  0 with *out set, or -1 if the compiler cannot be
 * read. */
int compiler_identity(const char *compiler, const char *ricc_dir, const char *const *progs,
                      digest *out);

/* The programs a compile of language lang (compiler.h's enum lang) runs;
 * lang LANG_NONE: every compiler proper (a link, which may compile nothing,
 * keeps the identity of the whole driver). */
const char *const *identity_programs(int lang);

#endif
