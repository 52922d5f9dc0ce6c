/* SPDX-License-Identifier: Apache-2.0 */
/* cachedir.h — the default cache directory when it cannot be used: a private
 * one under TMPDIR instead (cachedir.c says why and how).
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

/* The directory for a call's scratch files (trace records, a dependency
 * file): <ricc_dir>/tmp, made if need be; when it cannot be, tmp in the
 * private directory under TMPDIR, so a cache directory that cannot be
 * written (RICC_DIR named read-only) still lets compiles be keyed, and
 * their results uploaded.  malloc'd, or NULL when neither can be made. */
char *cachedir_scratch(const char *ricc_dir);

/* Print note as a warning unless another process of this build has in the
 * last hour (the mark `dir-fallback` in dir, under a lock): one warning per
 * build, as for a server that is down.  The log must be set up. */
void cachedir_announce(const char *dir, const char *note);

#endif
