/* SPDX-License-Identifier: Apache-2.0 */
/* trace_meta.c — libricc-trace.so, third part: what a tool asks about a
 * file without reading it.  The record format and the rules every
 * interposer follows are in trace.c.
 *
 * A tool that prints a file's mtime (stat -c %Y, date -r, ls -l), tests a
 * mode bit (test -x), compares timestamps (test a -nt b, find -newer) or
 * reads a symlink's target (readlink, realpath) computes from that
 * metadata: it is an input like a file's content.  So each such call is
 * recorded with what it asked, for ricc to key the value (exec_tool.c):
 *
 *   stat family by name (stat, lstat, fstatat, statx, and the __xstat
 *   forms of older programs): Q with the fields the call returns (all of
 *   WHAT_STAT; statx says which by its mask, and one asking for the
 *   access, change or birth time by name, which ricc cannot key, says so
 *   with WHAT_TIMES), WHAT_NOFOLLOW for the link itself;
 *   fstat of a descriptor (and the *at/statx forms given AT_EMPTY_PATH):
 *   Q WHAT_MODE only, under the file's name from /proc/self/fd.  Nearly
 *   every tool fstat()s what it reads (cat for its buffer size, Python on
 *   every open), so keying the times of every file read would make a mere
 *   touch miss; the mode is what such tools copy (cp).  A tool that puts
 *   the mtime of a file it read through a descriptor into its output
 *   (gzip's header without -n) is the documented limit;
 *   access, faccessat, euidaccess: X with the bits asked (F_OK alone is an
 *   existence probe, S);
 *   readlink, readlinkat: L; realpath, canonicalize_file_name: P.
 *
 * A call on a path that is not there records N, as any probe does.  The
 * library's own look-ups use system calls directly (raw_* in trace.c) so
 * they record nothing. */
#undef _FORTIFY_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "preload/trace.h"

static int absent_errno(void)
{
    return errno == ENOENT || errno == ENOTDIR;
}

void note_probe(int dirfd, const char *path, int r)
{
    if (!path || !path[0])
        return;
    emit_at(r == 0 || !absent_errno() ? 'S' : 'N', dirfd, path);
}

/* After a stat-family call by name that returned r. */
static void note_meta(int dirfd, const char *path, int r, long what)
{
    if (!path || !path[0])
        return;
    if (r == 0)
        emit_at_extra('Q', what, dirfd, path);
    else
        note_probe(dirfd, path, r);
}

/* After an fstat of fd that returned r: the mode of the file it is open
 * on, when that is a file with a name.  Pipes, sockets ("pipe:[12]") and
 * files deleted or never named (" (deleted)", O_TMPFILE) have none. */
static void note_fd(int fd, int r)
{
    if (r != 0 || g_reads_only || fd < 0)
        return;
    int saved = errno;
    char link[32] = "/proc/self/fd/", path[PATH_MAX];
    char *q = link + 14, tmp[12];
    int n = 0, v = fd;
    do
        tmp[n++] = (char)('0' + v % 10);
    while ((v /= 10) > 0);
    while (n > 0)
        *q++ = tmp[--n];
    *q = '\0';
    ssize_t len = raw_readlink(link, path, sizeof path - 1);
    static const char deleted[] = " (deleted)";
    size_t dl = sizeof deleted - 1;
    if (len > 0 && path[0] == '/') {
        path[len] = '\0';
        if (!((size_t)len > dl && !memcmp(path + len - dl, deleted, dl)))
            emit_line('Q', WHAT_MODE, 1, path);
    }
    errno = saved;
}

/* What a statx mask asks for.  A mask holding all the basic fields is a
 * stat() in another form (Rust's metadata(), coreutils' `stat` without a
 * format): keyed as one.  One that picks a time ricc does not key by name
 * is WHAT_TIMES (ls -lc, ls -lu, stat -c %Z). */
static long statx_what(unsigned mask, int flags)
{
    long w = WHAT_MODE;
    if ((mask & STATX_BASIC_STATS) == STATX_BASIC_STATS)
        w = WHAT_STAT;
    else {
        if (mask & (STATX_UID | STATX_GID))
            w |= WHAT_OWNER;
        if (mask & STATX_NLINK)
            w |= WHAT_NLINK;
        if (mask & (STATX_SIZE | STATX_BLOCKS))
            w |= WHAT_SIZE;
        if (mask & STATX_MTIME)
            w |= WHAT_MTIME;
        if (mask & (STATX_ATIME | STATX_CTIME | STATX_BTIME))
            w |= WHAT_TIMES;
    }
    if (flags & AT_SYMLINK_NOFOLLOW)
        w |= WHAT_NOFOLLOW;
    return w;
}

/* Is (dirfd, path, flags) the descriptor itself (AT_EMPTY_PATH)? */
static int fd_form(const char *path, int flags)
{
    path = opaque(path);
    return path && !path[0] && (flags & AT_EMPTY_PATH);
}

static long at_what(int flags)
{
    return WHAT_STAT | ((flags & AT_SYMLINK_NOFOLLOW) ? WHAT_NOFOLLOW : 0);
}

/* ---- the stat family ---- */

typedef int xstat_fn(int, const char *, struct stat *);
typedef int fxstat_fn(int, int, struct stat *);
typedef int fxstatat_fn(int, int, const char *, struct stat *, int);
typedef int statx_fn(int, const char *, int, unsigned, struct statx *);

#define STAT_LIKE(name, st_t, what)                             \
    EXPORT int name(const char *path, st_t *st)                 \
    {                                                           \
        typedef int fn_t(const char *, st_t *);                 \
        REAL(fn_t, name);                                       \
        if (!real_##name)                                       \
            NOSYS(-1);                                          \
        int r = real_##name(path, st);                          \
        note_meta(AT_FDCWD, path, r, what);                     \
        return r;                                               \
    }
STAT_LIKE(stat, struct stat, WHAT_STAT)
STAT_LIKE(stat64, struct stat64, WHAT_STAT)
STAT_LIKE(lstat, struct stat, WHAT_STAT | WHAT_NOFOLLOW)
STAT_LIKE(lstat64, struct stat64, WHAT_STAT | WHAT_NOFOLLOW)

#define FSTAT_LIKE(name, st_t)                                  \
    EXPORT int name(int fd, st_t *st)                           \
    {                                                           \
        typedef int fn_t(int, st_t *);                          \
        REAL(fn_t, name);                                       \
        if (!real_##name)                                       \
            NOSYS(-1);                                          \
        int r = real_##name(fd, st);                            \
        note_fd(fd, r);                                         \
        return r;                                               \
    }
FSTAT_LIKE(fstat, struct stat)
FSTAT_LIKE(fstat64, struct stat64)

#define FSTATAT_LIKE(name, st_t)                                            \
    EXPORT int name(int dirfd, const char *path, st_t *st, int fl)          \
    {                                                                       \
        typedef int fn_t(int, const char *, st_t *, int);                   \
        REAL(fn_t, name);                                                   \
        if (!real_##name)                                                   \
            NOSYS(-1);                                                      \
        int r = real_##name(dirfd, path, st, fl);                           \
        if (fd_form(path, fl))                       \
            note_fd(dirfd, r);                                              \
        else                                                                \
            note_meta(dirfd, path, r, at_what(fl));                         \
        return r;                                                           \
    }
FSTATAT_LIKE(fstatat, struct stat)
FSTATAT_LIKE(fstatat64, struct stat64)

/* Programs built against a C library before 2.33 call these instead.
 * (glibc's names are reserved identifiers: interposing means defining them.) */
/* NOLINTBEGIN(bugprone-reserved-identifier) */
int __xstat(int, const char *, struct stat *);
int __xstat64(int, const char *, struct stat *);
int __lxstat(int, const char *, struct stat *);
int __lxstat64(int, const char *, struct stat *);
int __fxstat(int, int, struct stat *);
int __fxstat64(int, int, struct stat *);
int __fxstatat(int, int, const char *, struct stat *, int);
int __fxstatat64(int, int, const char *, struct stat *, int);
/* NOLINTEND(bugprone-reserved-identifier) */

#define XSTAT_LIKE(name, what)                                  \
    EXPORT int name(int ver, const char *path, struct stat *st) \
    {                                                           \
        REAL(xstat_fn, name);                                   \
        if (!real_##name)                                       \
            NOSYS(-1);                                          \
        int r = real_##name(ver, path, st);                     \
        note_meta(AT_FDCWD, path, r, what);                     \
        return r;                                               \
    }
XSTAT_LIKE(__xstat, WHAT_STAT)
XSTAT_LIKE(__xstat64, WHAT_STAT)
XSTAT_LIKE(__lxstat, WHAT_STAT | WHAT_NOFOLLOW)
XSTAT_LIKE(__lxstat64, WHAT_STAT | WHAT_NOFOLLOW)

#define FXSTAT_LIKE(name)                                       \
    EXPORT int name(int ver, int fd, struct stat *st)           \
    {                                                           \
        REAL(fxstat_fn, name);                                  \
        if (!real_##name)                                       \
            NOSYS(-1);                                          \
        int r = real_##name(ver, fd, st);                       \
        note_fd(fd, r);                                         \
        return r;                                               \
    }
FXSTAT_LIKE(__fxstat)
FXSTAT_LIKE(__fxstat64)

#define FXSTATAT_LIKE(name)                                                          \
    EXPORT int name(int ver, int dirfd, const char *path, struct stat *st, int fl)   \
    {                                                                                \
        REAL(fxstatat_fn, name);                                                     \
        if (!real_##name)                                                            \
            NOSYS(-1);                                                               \
        int r = real_##name(ver, dirfd, path, st, fl);                               \
        if (fd_form(path, fl))                                \
            note_fd(dirfd, r);                                                       \
        else                                                                         \
            note_meta(dirfd, path, r, at_what(fl));                                  \
        return r;                                                                    \
    }
FXSTATAT_LIKE(__fxstatat)
FXSTATAT_LIKE(__fxstatat64)

EXPORT int statx(int dirfd, const char *path, int fl, unsigned mask, struct statx *sx)
{
    REAL(statx_fn, statx);
    if (!real_statx)
        NOSYS(-1);
    int r = real_statx(dirfd, path, fl, mask, sx);
    if (fd_form(path, fl))
        note_fd(dirfd, r);
    else
        note_meta(dirfd, path, r, statx_what(mask, fl));
    return r;
}

/* ---- permissions ---- */

typedef int access_fn(const char *, int);
typedef int faccessat_fn(int, const char *, int, int);

/* After access(path, mode) returned r: the answer depends on the mode
 * bits (X with the bits asked), or only on existence (F_OK: S). */
static void note_access(int dirfd, const char *path, int mode, int r)
{
    if (!path || !path[0])
        return;
    mode &= R_OK | W_OK | X_OK;
    if (mode && (r == 0 || !absent_errno()))
        emit_at_extra('X', mode, dirfd, path);
    else
        note_probe(dirfd, path, r);
}

EXPORT int access(const char *path, int mode)
{
    REAL(access_fn, access);
    if (!real_access)
        NOSYS(-1);
    int r = real_access(path, mode);
    note_access(AT_FDCWD, path, mode, r);
    return r;
}

EXPORT int euidaccess(const char *path, int mode)
{
    REAL(access_fn, euidaccess);
    if (!real_euidaccess)
        NOSYS(-1);
    int r = real_euidaccess(path, mode);
    note_access(AT_FDCWD, path, mode, r);
    return r;
}

EXPORT int eaccess(const char *path, int mode)
{
    REAL(access_fn, eaccess);
    if (!real_eaccess)
        NOSYS(-1);
    int r = real_eaccess(path, mode);
    note_access(AT_FDCWD, path, mode, r);
    return r;
}

EXPORT int faccessat(int dirfd, const char *path, int mode, int fl)
{
    REAL(faccessat_fn, faccessat);
    if (!real_faccessat)
        NOSYS(-1);
    int r = real_faccessat(dirfd, path, mode, fl);
    note_access(dirfd, path, mode, r);
    return r;
}

/* ---- links and names ---- */

typedef ssize_t readlink_fn(const char *, char *, size_t);
typedef ssize_t readlinkat_fn(int, const char *, char *, size_t);
typedef ssize_t readlink_chk_fn(const char *, char *, size_t, size_t);
typedef ssize_t readlinkat_chk_fn(int, const char *, char *, size_t, size_t);
typedef char *realpath_fn(const char *, char *);
typedef char *realpath_chk_fn(const char *, char *, size_t);
typedef char *canon_fn(const char *);

/* After a call that answered from (dirfd, path) as a link (L) or a whole
 * resolved name (P): failed = it returned an error. */
static void note_name(char type, int dirfd, const char *path, int failed)
{
    if (!path || !path[0])
        return;
    int saved = errno;
    emit_at(failed && absent_errno() ? 'N' : type, dirfd, path);
    errno = saved;
}

EXPORT ssize_t readlink(const char *restrict path, char *restrict buf, size_t n)
{
    REAL(readlink_fn, readlink);
    if (!real_readlink)
        NOSYS(-1);
    ssize_t r = real_readlink(path, buf, n);
    note_name('L', AT_FDCWD, path, r < 0);
    return r;
}

EXPORT ssize_t readlinkat(int dirfd, const char *restrict path, char *restrict buf, size_t n)
{
    REAL(readlinkat_fn, readlinkat);
    if (!real_readlinkat)
        NOSYS(-1);
    ssize_t r = real_readlinkat(dirfd, path, buf, n);
    note_name('L', dirfd, path, r < 0);
    return r;
}

/* _FORTIFY_SOURCE builds call these. */
/* NOLINTBEGIN(bugprone-reserved-identifier) */
EXPORT ssize_t __readlink_chk(const char *path, char *buf, size_t n, size_t cap)
{
    REAL(readlink_chk_fn, __readlink_chk);
    if (!real___readlink_chk)
        NOSYS(-1);
    ssize_t r = real___readlink_chk(path, buf, n, cap);
    note_name('L', AT_FDCWD, path, r < 0);
    return r;
}

EXPORT ssize_t __readlinkat_chk(int dirfd, const char *path, char *buf, size_t n, size_t cap)
{
    REAL(readlinkat_chk_fn, __readlinkat_chk);
    if (!real___readlinkat_chk)
        NOSYS(-1);
    ssize_t r = real___readlinkat_chk(dirfd, path, buf, n, cap);
    note_name('L', dirfd, path, r < 0);
    return r;
}
/* NOLINTEND(bugprone-reserved-identifier) */

EXPORT char *realpath(const char *restrict path, char *restrict out)
{
    REAL(realpath_fn, realpath);
    if (!real_realpath)
        NOSYS(NULL);
    char *r = real_realpath(path, out);
    note_name('P', AT_FDCWD, path, r == NULL);
    return r;
}

/* NOLINTNEXTLINE(bugprone-reserved-identifier): glibc's name, interposed */
EXPORT char *__realpath_chk(const char *path, char *out, size_t cap)
{
    REAL(realpath_chk_fn, __realpath_chk);
    if (!real___realpath_chk)
        NOSYS(NULL);
    char *r = real___realpath_chk(path, out, cap);
    note_name('P', AT_FDCWD, path, r == NULL);
    return r;
}

EXPORT char *canonicalize_file_name(const char *path)
{
    REAL(canon_fn, canonicalize_file_name);
    if (!real_canonicalize_file_name)
        NOSYS(NULL);
    char *r = real_canonicalize_file_name(path);
    note_name('P', AT_FDCWD, path, r == NULL);
    return r;
}
