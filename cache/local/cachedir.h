/* SPDX-License-Identifier: Apache-2.0 */
/* cachedir.h — the default cache directory when it cannot be used: a private
 * one under TMPDIR instead; the one warning of a build whose cache
 * directory cannot be written; each process's private scratch directory
 * (cachedir.c says why and how).
 *
 * Only the default is ever replaced (no RICC_DIR, no `dir:` in a file): a
 * directory the user named is theirs to fix, and keeps failing loudly. */
#ifndef RICC_CACHEDIR_H
#define RICC_CACHEDIR_H

/* $TMPDIR/ricc-<uid> ($TMPDIR when absolute, else /tmp); malloc'd or NULL. */
char *cachedir_fallback_path(void);

/* *dir is the default cache directory.  If it is writable (or can be
 * created), nothing changes and 0 is returned.  Otherwise *dir is replaced
 * by the private fallback directory (created 0700; refused when it is a
 * symbolic link, not a directory, someone else's, or writable by others),
 * *note gets a malloc'd sentence for the warning, and 1 is returned.  When
 * the fallback is refused too, *dir stays, *note says so, and 1 is
 * returned: the store then fails and results still reach the remote. */
int cachedir_settle(char **dir, char **note);

/* The directory for this process's scratch files (trace records, a
 * dependency file the compiler writes, a copy of an archive): a directory
 * of its own, made with mkdtemp (0700) in <ricc_dir>/tmp, so that no other
 * user of a shared cache can plant anything where ricc or the compiler
 * writes (a name in tmp/ itself, such as the deps.<pid>.d of before, could
 * be a symbolic link another user made, and the compiler would write
 * through it).  Made on the first call (the next ones for the same ricc_dir
 * return it again), removed at exit (cachedir_scratch_done).  Made in tmp
 * of the private directory under TMPDIR instead when tmp cannot be written
 * (RICC_DIR named read-only: compiles are still keyed and their results
 * uploaded), and when others could replace it by its name (RICC_DIR or tmp
 * writable by the group, as in a shared cache: cachedir.c says why).  What
 * a killed process left is removed by the next cleanup (layout_sweep).
 * malloc'd, or NULL when neither can be made. */
char *cachedir_scratch(const char *ricc_dir);

/* Remove this process's scratch directories and what is in them.  Run at
 * exit, and before an exec (run_at_exec, wrapper/util/run.h). */
void cachedir_scratch_done(void);

/* Print note as a warning unless another process of this build has in the
 * last hour (the mark `dir-fallback` in dir, under a lock, holding the
 * note: a different note is warned about again): one warning per build,
 * as for a server that is down.  The log must be set up. */
void cachedir_announce(const char *dir, const char *note);

/* A write into the cache directory dir failed with err (what: the file
 * or the record, for the log).  Says what that means (dir is not a
 * directory, cannot be written, is full) as a warning once per build, at
 * info level every time.  A build is told apart by time: the mark
 * `write-failed` (in the private directory under TMPDIR, since dir is what
 * fails) holds the warning and when a failure was last seen; a failure a
 * minute after the last one, or a different warning, is warned about
 * again, so the next build hears it too.  The build goes on: the store keeps what it could not
 * write in memory (store.c), a remote still gets the results.  errno is
 * left at err. */
void cachedir_write_failed(const char *dir, const char *what, int err);

#endif
