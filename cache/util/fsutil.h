/* SPDX-License-Identifier: Apache-2.0 */
/* fsutil.h — small file-system helpers every module needs.
 *
 * The one rule they enforce: a file another process may read is never seen
 * half-written.  atomic_write_* write to a unique temporary name in the same
 * directory and rename() it into place, so concurrent writers (make -j64) and
 * a crash at any instant leave either the old file, the new one, or a stray
 * temporary that nobody reads ("*.tmp.*" names; the store's cleanup sweeps old
 * ones, see store.c). */
#ifndef RICC_FSUTIL_H
#define RICC_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* Modes.  A mode given to the functions below that create (0644, 0755) is
 * what the file gets under the usual umask 022: group and others are given
 * write permission where the owner has it (0644 is created 0666, 0755 0777)
 * and the umask decides, as for any program; a private mode (0600, 0700)
 * stays private.
 *
 * The umask.  With the `umask` setting, files under RICC_DIR are made under
 * that umask (a group sharing a cache, as with ccache) and the build's own
 * files under the user's: fs_umask_for_cache() puts the setting's umask in
 * force for this process; fs_place_copy and fs_write_output, the writers
 * of outputs, use the user's; children get the user's (run.h). */

/* text: an octal umask of 1 to 4 digits, at most 0777 ("002", "0027").
 * 0, or -1 when it is not one. */
int fs_parse_umask(const char *text, mode_t *mask);

/* Put mask in force; returns the user's own umask (the one in force
 * before the first call). */
mode_t fs_umask_for_cache(mode_t mask);

/* mkdir -p; 0 or -1 with errno. */
int fs_mkdir_p(const char *path, mode_t mode);

/* Whole-file read into a malloc'd buffer (NUL-terminated for convenience;
 * *len excludes the NUL).  0 or -1 with errno. */
int fs_read_file(const char *path, char **buf, size_t *len);

/* Write all of buf to fd, retrying on EINTR/short writes. 0 or -1 with errno. */
int fs_write_all(int fd, const void *buf, size_t len);

/* Make a unique temporary path next to `path` ("path.tmp.<pid>.<n>") and open
 * it O_CREAT|O_EXCL with mode.  Returns the fd, or -1 with errno; *tmp gets a
 * malloc'd copy of the name. */
int fs_open_tmp_beside(const char *path, mode_t mode, char **tmp);

/* fs_open_tmp_beside, making path's directory first when it is missing (a
 * new shard of the store). */
int fs_open_tmp_mkdir(const char *path, mode_t mode, char **tmp);

/* Close fd (a temporary from fs_open_tmp_beside) and rename tmp over path;
 * on any failure remove tmp.  Consumes both fd and tmp.  `ok` says whether
 * the content was written fully; `unlink_first` removes path just before the
 * rename (see fs_place_copy).  0, or -1 with errno. */
int fs_finish_tmp(int fd, char *tmp, const char *path, int ok, int unlink_first);

/* Atomically replace `path` with buf (mode applied before rename). If the
 * directory does not exist it is created.  0 or -1 with errno (nothing left
 * behind on failure). */
int atomic_write_file(const char *path, const void *buf, size_t len, mode_t mode);

/* atomic_write_file, and when that fails (a cache directory that cannot be
 * written), a copy kept in this process that fs_read_kept() gives back: a
 * record the process writes and then reads again (the compiler's identity)
 * still works there.  0 when written or kept, -1 (errno) when neither. */
int fs_write_keep(const char *path, const void *buf, size_t len, mode_t mode);
/* fs_read_file, else the copy fs_write_keep kept of path. */
int fs_read_kept(const char *path, char **buf, size_t *len);

/* Atomically place a copy of src at dst: reflink (FICLONE) where the file
 * system can, else a copy.  0 or -1 with errno. */
int atomic_copy_file(const char *src, const char *dst, mode_t mode);

/* Place a copy of the whole of fd `in` at dst, a build output.  Written
 * beside dst and renamed into place like atomic_copy_file, but dst is
 * removed just before the rename: ext4 (auto_da_alloc) starts writing back a
 * file renamed over an existing one before rename() returns, which cost a
 * hit ~0.1 ms per output here.  A reader in between sees no dst, never a
 * partial one, and ricc killed there leaves the output missing, which make
 * rebuilds.  Created under the user's umask (above).  0 or -1 with errno. */
int fs_place_copy(int in, const char *dst, mode_t mode);

/* fs_open_tmp_beside for a build output (renamed into place by the
 * caller): created under the user's umask (above). */
int fs_open_tmp_output(const char *path, mode_t mode, char **tmp);

/* atomic_write_file for a build output: written under the user's umask
 * (above).  0 or -1 with errno. */
int fs_write_output(const char *path, const void *buf, size_t len, mode_t mode);

/* The directory part of path: "." when there is none, "/" for a name in
 * the root; malloc'd. */
char *path_dirname(const char *path);

/* Join a and b with exactly one '/'; malloc'd. */
char *path_join(const char *a, const char *b);

/* Lexically normalize (collapse "//", "/./", resolve "x/.." where x is not
 * ".."); does not touch the file system.  malloc'd. */
char *path_normalize(const char *p);

/* If p (normalized, absolute) is root itself or inside root (normalized,
 * absolute) return the malloc'd relative path ("" for root itself), else NULL. */
char *path_relative_to(const char *p, const char *root);

/* Make p absolute against cwd and normalize; malloc'd. */
char *path_absolute(const char *p, const char *cwd);

/* A file installed with this program: the value of the environment
 * variable env_name when it is set (as it is, whether or not it exists),
 * else the first that exists of <directory of /proc/self/exe>/../lib/NAME,
 * ../lib/ricc/NAME, ../libexec/ricc/NAME (the build tree, an installation
 * under PREFIX), then LIBDIR/ricc/NAME and LIBEXECDIR/ricc/NAME as `make
 * install` was given them.  malloc'd, or NULL. */
char *fs_beside_program(const char *env_name, const char *name);
/* The same, for a library to preload: NULL unless it is readable. */
char *fs_library_beside_program(const char *env_name, const char *name);

/* Field `field` (0 name, 5 home, ...) of uid's line in /etc/passwd,
 * malloc'd, or NULL.  Read by hand: ricc is linked statically, and
 * getpwuid() there would load the NSS modules of whatever glibc the machine
 * has. */
char *fs_passwd_field(uid_t uid, int field);

#endif
