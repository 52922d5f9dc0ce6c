/* SPDX-License-Identifier: Apache-2.0 */
/* match.h — the pure string work of the preload shim: is this program a
 * compiler, does an environment still carry the shim, joining paths into
 * fixed buffers.
 *
 * Everything here runs inside exec and posix_spawn calls, possibly in a
 * vfork child, so every function is async-signal-safe: no allocation, no
 * locks, no stdio, no errno changes, only reads of its arguments and writes
 * into the caller's buffers.  It is kept apart from shim.c so the unit test
 * (tests/unit/test_preload_match.c) can check it without loading the shim,
 * and so ricc itself links it (Makefile): the rules for compiler and
 * archiver names and for taking the shim out of LD_PRELOAD are written here
 * once, and the wrapper calls them (compiler_name_known, ar_name_known,
 * `ricc run`, main.c). */
#ifndef RICC_PRELOAD_MATCH_H
#define RICC_PRELOAD_MATCH_H

#include <stddef.h>

/* The file name the dynamic linker is given; main.c drops entries with this
 * base name from LD_PRELOAD, and the shim looks for it there. */
#define PM_SHIM_NAME "libricc-preload.so"

/* The part of path after its last '/'. */
const char *pm_base(const char *path);

/* 1 if name (a base name) is a C/C++ compiler driver ricc knows: gcc, g++,
 * cc, c++, clang, clang++, alone or after a cross prefix ending in '-'
 * (x86_64-linux-gnu-gcc), with or without a version suffix (gcc-12,
 * clang++-14.0.6) — compiler_name_known() in wrapper/compiler/compiler.c,
 * which decides masquerade, is this rule — or a name listed exactly in
 * extra, a ':'-separated list (the `compilers` setting; NULL for none). */
int pm_is_compiler(const char *name, const char *extra);

/* 1 if name (a base name) is an archiver ricc caches: ar, or a cross ar
 * (x86_64-linux-gnu-ar) but not the gcc-ar or llvm-ar wrappers
 * (ar_name_known() in wrapper/flows/ar.c). */
int pm_is_archiver(const char *name);

/* 1 if name is one of the ':'-separated entries of list (NULL: none). */
int pm_in_list(const char *name, const char *list);

/* In an LD_PRELOAD value (entries separated by ':' or ' ', as ld.so reads
 * it), the first entry whose base name is PM_SHIM_NAME: its start, with its
 * length in *len.  NULL when there is none. */
const char *pm_shim_entry(const char *ld_preload, size_t *len);

/* buf = "LD_PRELOAD=" and the entries of ld_preload other than the shim
 * (any entry whose base name is PM_SHIM_NAME), joined by ':' — what
 * wrapper/main.c leaves for the compiler.  Returns how many entries were
 * kept (0: the variable is better dropped), or -1 when the result does not
 * fit in cap bytes. */
int pm_without_shim(char *buf, size_t cap, const char *ld_preload);

/* The index of the first "NAME=..." in an environment array, or -1.
 * envp may be NULL (an empty environment, as execve treats it on Linux). */
long pm_env_find(char *const envp[], const char *name);

/* The value of NAME in an environment array, or NULL (as pm_env_find). */
const char *pm_env_get(char *const envp[], const char *name);

/* buf = the first dlen bytes of dir, '/', then name.  An empty dir means the
 * current directory ("./name", so the result always holds a '/').  0, or -1
 * when it does not fit in cap bytes (buf is then an empty string). */
int pm_join(char *buf, size_t cap, const char *dir, size_t dlen, const char *name);

#endif
