/* SPDX-License-Identifier: Apache-2.0 */
/* fsutil.c — file-system helpers: whole-file I/O, atomic replacement, and
 * lexical path arithmetic.
 *
 * Atomic replacement is "write a temporary beside the target, rename() it
 * into place".  rename() within one directory is atomic, so a reader sees the
 * old file or the new one, never a mixture.  There is deliberately no fsync:
 * ricc runs thousands of times per build and an fsync per write would cost
 * more than a cache hit.  A crash may therefore lose a recent write (the file
 * can be empty or short after power loss), which is harmless because every
 * store read verifies content against its digest.
 *
 * The path helpers are pure string functions: they never consult the file
 * system, so they give the same answer inside and outside a sandbox and cost
 * no system calls.
 *
 * Modes and the umask (fsutil.h): a mode given is widened for the umask to
 * decide, so that the `umask` setting can make a cache a group shares; the
 * writers of build outputs put the user's own umask back around creating
 * the file: no system call at all when the setting is not used. */
#include "cache/util/fsutil.h"
#include "gen/installdirs.h" /* $(B)/gen, made by the Makefile: LIBDIR, LIBEXECDIR */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- modes and the umask ---- */

/* The modes callers give (0644, 0755) are what a file gets under the usual
 * umask 022.  As for any program, group and others get write permission
 * where the owner has it and the umask lets them: 0644 is created 0666,
 * 0755 0777, and the umask decides (022 gives 0644 and 0755 as before; the
 * `umask` setting 002 gives a cache a group can share; a user's own umask
 * 002 gives the outputs the compiler itself would have made).  A private
 * mode (0600, 0700) stays private. */
static mode_t widen(mode_t mode)
{
    return mode & 0200 ? mode | (mode & 044) >> 1 : mode;
}

/* The user's umask while the cache's is in force (fs_umask_for_cache), so
 * that what is written for the build gets the user's own. */
static int have_user_umask;
static mode_t user_umask;

int fs_parse_umask(const char *text, mode_t *mask)
{
    unsigned v = 0;
    size_t n = 0;
    for (; text && text[n]; n++) {
        if (text[n] < '0' || text[n] > '7' || n >= 4)
            return -1;
        v = v * 8 + (unsigned)(text[n] - '0');
    }
    if (n == 0 || v > 0777)
        return -1;
    *mask = (mode_t)v;
    return 0;
}

mode_t fs_umask_for_cache(mode_t mask)
{
    mode_t old = umask(mask);
    if (!have_user_umask) {
        user_umask = old;
        have_user_umask = 1;
    }
    return user_umask;
}

/* Around creating a file of the user's: the user's umask in force while a
 * cache umask is; begin returns what end restores ((mode_t)-1: nothing to
 * do, no system call). */
static mode_t umask_user_begin(void)
{
    return have_user_umask ? umask(user_umask) : (mode_t)-1;
}

static void umask_user_end(mode_t saved)
{
    if (saved != (mode_t)-1)
        umask(saved);
}

/* ---- directories and whole files ---- */

int fs_mkdir_p(const char *path, mode_t mode)
{
    mode = widen(mode);
    /* Optimistic: the directory or at least its parent usually exists, so
     * try the full path first and only walk upwards on ENOENT. */
    if (mkdir(path, mode) == 0)
        return 0;
    if (errno == EEXIST) {
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            return 0;
        errno = EEXIST;
        return -1;
    }
    if (errno != ENOENT)
        return -1;

    char *parent = strdup(path);
    if (!parent)
        return -1;
    char *slash = strrchr(parent, '/');
    while (slash && slash > parent && slash[1] == '\0') { /* trailing '/' */
        *slash = '\0';
        slash = strrchr(parent, '/');
    }
    if (!slash || slash == parent) { /* nothing above us to create */
        free(parent);
        errno = ENOENT;
        return -1;
    }
    *slash = '\0';
    int r = fs_mkdir_p(parent, mode);
    free(parent);
    if (r != 0)
        return -1;
    /* Another process may have created it in the meantime: that is fine. */
    if (mkdir(path, mode) == 0 || errno == EEXIST)
        return 0;
    return -1;
}

int fs_read_file(const char *path, char **buf, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    /* st_size is a hint (the file may change, /proc files report 0); read
     * until EOF and grow as needed.  Room for the NUL plus one byte means
     * the EOF read of an unchanged file needs no realloc. */
    size_t cap = st.st_size > 0 ? (size_t)st.st_size + 2 : 4096;
    size_t n = 0;
    char *p = malloc(cap);
    if (!p) {
        close(fd);
        errno = ENOMEM;
        return -1;
    }
    for (;;) {
        if (n + 1 >= cap) {
            char *q = realloc(p, cap * 2);
            if (!q) {
                free(p);
                close(fd);
                errno = ENOMEM;
                return -1;
            }
            p = q;
            cap *= 2;
        }
        ssize_t r = read(fd, p + n, cap - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(p);
            close(fd);
            errno = e;
            return -1;
        }
        if (r == 0)
            break;
        size_t asked = cap - 1 - n;
        n += (size_t)r;
        /* A regular file that gave exactly the size fstat() reported when
         * asked for more is at its end: no second read() to hear it. */
        if (S_ISREG(st.st_mode) && st.st_size > 0 && n == (size_t)st.st_size &&
            (size_t)r < asked)
            break;
    }
    close(fd);
    p[n] = '\0';
    *buf = p;
    *len = n;
    return 0;
}

int fs_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        if (w == 0) { /* should not happen for regular files; avoid a spin */
            errno = EIO;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* ---- atomic replacement ---- */

int fs_open_tmp_beside(const char *path, mode_t mode, char **tmp)
{
    /* pid + counter makes the name unique among live processes; O_EXCL
     * catches a leftover from a dead process that had the same pid. */
    static unsigned counter;
    size_t cap = strlen(path) + 48;
    char *name = malloc(cap);
    if (!name) {
        errno = ENOMEM;
        return -1;
    }
    mode = widen(mode);
    for (int tries = 0; tries < 100; tries++) {
        snprintf(name, cap, "%s.tmp.%ld.%u", path, (long)getpid(), counter++);
        int fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        if (fd >= 0) {
            *tmp = name;
            return fd;
        }
        if (errno != EEXIST)
            break;
    }
    int e = errno;
    free(name);
    errno = e;
    return -1;
}

char *path_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

int fs_open_tmp_mkdir(const char *path, mode_t mode, char **tmp)
{
    int fd = fs_open_tmp_beside(path, mode, tmp);
    if (fd >= 0 || errno != ENOENT)
        return fd;
    char *dir = path_dirname(path);
    if (!dir) {
        errno = ENOMEM;
        return -1;
    }
    int r = fs_mkdir_p(dir, 0755);
    int e = errno;
    free(dir);
    if (r != 0) {
        errno = e;
        return -1;
    }
    return fs_open_tmp_beside(path, mode, tmp);
}

int fs_finish_tmp(int fd, char *tmp, const char *path, int ok, int unlink_first)
{
    int e = errno;
    if (close(fd) != 0 && ok) {
        ok = 0;
        e = errno;
    }
    if (ok && unlink_first)
        unlink(path); /* absent is fine; any other refusal, rename reports */
    if (ok && rename(tmp, path) != 0) {
        ok = 0;
        e = errno;
    }
    if (!ok)
        unlink(tmp);
    free(tmp);
    errno = e;
    return ok ? 0 : -1;
}

int atomic_write_file(const char *path, const void *buf, size_t len, mode_t mode)
{
    char *tmp = NULL;
    int fd = fs_open_tmp_mkdir(path, mode, &tmp);
    if (fd < 0)
        return -1;
    int ok = fs_write_all(fd, buf, len) == 0;
    return fs_finish_tmp(fd, tmp, path, ok, 0);
}

/* Copy the whole of in to out: in-kernel copy_file_range where possible
 * (which may itself share extents), a read/write loop otherwise. */
static int copy_fd(int in, int out)
{
    int first = 1;
    for (;;) {
        ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
        if (n > 0) {
            first = 0;
            continue;
        }
        if (n == 0)
            return 0;
        if (errno == EINTR)
            continue;
        /* Unsupported here (old kernel, cross-device, special file): fall
         * back, but only if nothing has been copied yet. */
        if (first && (errno == ENOSYS || errno == EXDEV || errno == EINVAL ||
                      errno == EOPNOTSUPP || errno == EPERM))
            break;
        return -1;
    }
    char buf[65536];
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            return 0;
        if (fs_write_all(out, buf, (size_t)n) != 0)
            return -1;
    }
}

/* Copy what `in` holds to a temporary beside dst and rename it into place;
 * `output`: a file of the build's, created under the user's umask. */
static int copy_into_place(int in, const char *dst, mode_t mode, int unlink_first, int output)
{
    char *tmp = NULL;
    int out = output ? fs_open_tmp_output(dst, mode, &tmp) : fs_open_tmp_beside(dst, mode, &tmp);
    if (out < 0)
        return -1;
    /* A reflink shares the blocks: instant, and no extra disk space. */
    int ok = ioctl(out, FICLONE, in) == 0 || copy_fd(in, out) == 0;
    return fs_finish_tmp(out, tmp, dst, ok, unlink_first);
}

/* fs_write_keep's copies: few (a record or two per process), so a list. */
struct kept_file {
    struct kept_file *next;
    char *path;
    size_t len;
    char *data;
};
static struct kept_file *kept_files;

int fs_write_keep(const char *path, const void *buf, size_t len, mode_t mode)
{
    if (atomic_write_file(path, buf, len, mode) == 0)
        return 0;
    int e = errno;
    struct kept_file *k = kept_files;
    while (k && strcmp(k->path, path) != 0)
        k = k->next;
    char *data = malloc(len + 1);
    if (!data || (!k && !(k = calloc(1, sizeof *k)))) {
        free(data);
        errno = e;
        return -1;
    }
    if (!k->path) {
        if (!(k->path = strdup(path))) {
            free(k);
            free(data);
            errno = e;
            return -1;
        }
        k->next = kept_files;
        kept_files = k;
    }
    memcpy(data, buf, len);
    data[len] = '\0';
    free(k->data);
    k->data = data;
    k->len = len;
    return 0;
}

int fs_read_kept(const char *path, char **buf, size_t *len)
{
    if (fs_read_file(path, buf, len) == 0)
        return 0;
    int e = errno;
    for (struct kept_file *k = kept_files; k; k = k->next)
        if (!strcmp(k->path, path) && (*buf = malloc(k->len + 1))) {
            memcpy(*buf, k->data, k->len + 1);
            *len = k->len;
            return 0;
        }
    errno = e;
    return -1;
}

int atomic_copy_file(const char *src, const char *dst, mode_t mode)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return -1;
    int r = copy_into_place(in, dst, mode, 0, 0);
    int e = errno;
    close(in);
    errno = e;
    return r;
}

int fs_place_copy(int in, const char *dst, mode_t mode)
{
    if (lseek(in, 0, SEEK_SET) != 0)
        return -1;
    return copy_into_place(in, dst, mode, 1, 1);
}

int fs_open_tmp_output(const char *path, mode_t mode, char **tmp)
{
    mode_t saved = umask_user_begin();
    int fd = fs_open_tmp_beside(path, mode, tmp);
    int e = errno;
    umask_user_end(saved);
    errno = e;
    return fd;
}

int fs_write_output(const char *path, const void *buf, size_t len, mode_t mode)
{
    char *tmp = NULL;
    int fd = fs_open_tmp_output(path, mode, &tmp);
    if (fd < 0)
        return -1;
    int ok = fs_write_all(fd, buf, len) == 0;
    return fs_finish_tmp(fd, tmp, path, ok, 0);
}

/* ---- paths ---- */

char *path_join(const char *a, const char *b)
{
    if (!*a)
        return strdup(b);
    size_t la = strlen(a);
    while (la > 1 && a[la - 1] == '/') /* keep "/" itself */
        la--;
    while (*b == '/')
        b++;
    size_t lb = strlen(b);
    int sep = a[la - 1] != '/';
    char *r = malloc(la + (size_t)sep + lb + 1);
    if (!r)
        return NULL;
    memcpy(r, a, la);
    if (sep)
        r[la] = '/';
    memcpy(r + la + sep, b, lb + 1);
    return r;
}

/* Is p[0..len) lexically normal already: not empty, no empty, "." or ".."
 * component, no '/' at the end (but "/" itself)?  Most paths are (an include
 * candidate is a clean directory and a clean name), and this look touches
 * only the bytes after each '/'. */
static int is_normal(const char *p, size_t len)
{
    if (len == 0)
        return 0;
    if (len == 1)
        return p[0] != '.';
    if (p[len - 1] == '/')
        return 0;
    const char *end = p + len;
    /* c: the start of a component (or of the '/' leading the path). */
    for (const char *c = p; c < end;) {
        const char *slash = memchr(c, '/', (size_t)(end - c));
        const char *stop = slash ? slash : end;
        size_t cl = (size_t)(stop - c);
        if (c != p || cl) {
            if (cl == 0 || (c[0] == '.' && (cl == 1 || (cl == 2 && c[1] == '.'))))
                return 0;
        }
        c = slash ? slash + 1 : end;
    }
    return 1;
}

char *path_normalize(const char *p)
{
    /* The output is never longer than the input (plus "." for empty), so
     * one buffer suffices; components are appended and ".." pops back to
     * the previous '/'. */
    size_t len = strlen(p);
    char *out = malloc(len + 2);
    if (!out)
        return NULL;
    if (is_normal(p, len)) {
        memcpy(out, p, len + 1);
        return out;
    }
    int absolute = p[0] == '/';
    size_t n = 0;     /* bytes in out */
    size_t floor = 0; /* out[0..floor) may not be popped by ".." */
    if (absolute) {
        out[n++] = '/';
        floor = 1;
    }
    const char *s = p;
    while (*s) {
        while (*s == '/')
            s++;
        const char *e = s;
        while (*e && *e != '/')
            e++;
        size_t cl = (size_t)(e - s);
        if (cl == 0 || (cl == 1 && s[0] == '.')) {
            /* empty or "." */
        } else if (cl == 2 && s[0] == '.' && s[1] == '.') {
            if (n > floor) {
                /* Pop the last component, which is never ".." because
                 * those only survive at or below floor. */
                size_t k = n;
                while (k > floor && out[k - 1] != '/')
                    k--;
                n = k > floor ? k - 1 : k;
            } else if (!absolute) {
                /* A leading ".." of a relative path stays. */
                if (n > 0)
                    out[n++] = '/';
                memcpy(out + n, "..", 2);
                n += 2;
                floor = n;
            }
            /* "/.." is "/". */
        } else {
            if (n > 0 && out[n - 1] != '/')
                out[n++] = '/';
            memcpy(out + n, s, cl);
            n += cl;
        }
        s = e;
    }
    if (n == 0)
        out[n++] = '.';
    out[n] = '\0';
    return out;
}

char *path_relative_to(const char *p, const char *root)
{
    size_t rl = strlen(root);
    while (rl > 1 && root[rl - 1] == '/') /* tolerate "root/" */
        rl--;
    if (rl == 1 && root[0] == '/')
        return p[0] == '/' ? strdup(p + 1) : NULL;
    if (strncmp(p, root, rl) != 0)
        return NULL;
    if (p[rl] == '\0')
        return strdup("");
    if (p[rl] != '/')
        return NULL; /* "/a/bc" is not inside "/a/b" */
    return strdup(p + rl + 1);
}

char *path_absolute(const char *p, const char *cwd)
{
    if (p[0] == '/')
        return path_normalize(p);
    char here[4096];
    if (!cwd) {
        if (!getcwd(here, sizeof here))
            return NULL;
        cwd = here;
    }
    char *joined = path_join(cwd, p);
    if (!joined)
        return NULL;
    char *r = path_normalize(joined);
    free(joined);
    return r;
}

/* The first of dir/NAME for dir in the list that exists, malloc'd. */
static char *first_existing(const char *const *dirs, size_t n, const char *base, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        char *dir = base ? path_join(base, dirs[i]) : strdup(dirs[i]);
        char *p = dir ? path_join(dir, name) : NULL;
        free(dir);
        if (p && access(p, F_OK) == 0)
            return p;
        free(p);
    }
    return NULL;
}

char *fs_beside_program(const char *env_name, const char *name)
{
    const char *env = getenv(env_name);
    if (env && *env)
        return strdup(env);
    /* Relative first: the build tree, and an installation moved as a whole
     * (PREFIX/bin beside PREFIX/lib/ricc and PREFIX/libexec/ricc). */
    static const char *const rel[] = {"../lib", "../lib/ricc", "../libexec/ricc"};
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *slash = n > 0 ? memrchr(exe, '/', (size_t)n) : NULL;
    char *p = NULL;
    if (slash) {
        *slash = '\0';
        p = first_existing(rel, sizeof rel / sizeof *rel, exe, name);
    }
    /* Then where `make install` put them when LIBDIR or LIBEXECDIR is not
     * under PREFIX (a distribution's /usr/lib/<triplet>). */
    static const char *const installed[] = {RICC_INSTALL_LIBDIR, RICC_INSTALL_LIBEXECDIR};
    if (!p)
        p = first_existing(installed, sizeof installed / sizeof *installed, NULL, name);
    return p;
}

char *fs_library_beside_program(const char *env_name, const char *name)
{
    char *p = fs_beside_program(env_name, name);
    if (p && access(p, R_OK) != 0) {
        free(p);
        return NULL;
    }
    return p;
}

char *fs_passwd_field(uid_t uid, int field)
{
    FILE *f = fopen("/etc/passwd", "re");
    char line[1024], *out = NULL;
    while (f && !out && fgets(line, sizeof line, f)) {
        /* name:password:uid:gid:gecos:home:shell */
        char *v[7] = {line}, *p = line;
        int n = 1;
        for (; *p && *p != '\n'; p++)
            if (*p == ':' && n < 7) {
                *p = '\0';
                v[n++] = p + 1;
            }
        *p = '\0';
        if (n == 7 && field >= 0 && field < 7 && *v[field] &&
            strtoul(v[2], NULL, 10) == (unsigned long)uid)
            out = strdup(v[field]);
    }
    if (f)
        fclose(f);
    return out;
}
