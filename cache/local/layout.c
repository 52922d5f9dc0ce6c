/* SPDX-License-Identifier: Apache-2.0 */
/* layout.c — the names under RICC_DIR and the maintenance that follows from
 * their kinds (layout.h says what each is and why one module names them).
 *
 * Nothing here runs on a hit: a call only asks for a name or a path
 * (a string copy).  Measuring, sweeping and clearing list a few small
 * directories and stat three files; they run in --show-stats, --clear,
 * --cleanup and the store's shard cleanups, which already scan far more. */
#include "cache/local/layout.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/util/config.h"
#include "cache/util/fsutil.h"

enum {
    K_DIR = 1,      /* a directory */
    K_CACHE = 2,    /* removed by --clear (the store's areas by store.c) */
    K_COUNTED = 4,  /* counted toward max_size by layout_measure */
    K_SCRATCH = 8,  /* everything in it is a temporary */
};

static const struct {
    const char *name;
    unsigned kind;
} items[LAYOUT_COUNT] = {
    [LAYOUT_CAS] = {"cas", K_DIR},
    [LAYOUT_AC] = {"ac", K_DIR},
    [LAYOUT_MANIFESTS] = {"manifests", K_DIR},
    [LAYOUT_LOCK] = {"lock", K_DIR},
    [LAYOUT_ACTION_LOCK] = {"lock/actions", 0},
    [LAYOUT_STATS] = {"stats", 0},
    [LAYOUT_STATINDEX] = {"statindex", K_CACHE | K_COUNTED},
    [LAYOUT_INCSCAN] = {"incscan", K_CACHE | K_COUNTED},
    [LAYOUT_CODES] = {"codes", K_CACHE | K_COUNTED},
    [LAYOUT_IDENTITY] = {"identity", K_DIR | K_CACHE | K_COUNTED},
    [LAYOUT_INCDIRS] = {"incdirs", K_DIR | K_CACHE | K_COUNTED},
    [LAYOUT_TMP] = {"tmp", K_DIR | K_SCRATCH},
    [LAYOUT_REMOTE_DOWN] = {"remote-down", 0},
    [LAYOUT_REMOTE_NOUPDATE] = {"remote-noupdate", 0},
    [LAYOUT_REMOTE_NOEXEC] = {"remote-noexec", 0},
    [LAYOUT_REMOTE_CAPS] = {"remote-caps", K_CACHE},
    [LAYOUT_DIR_FALLBACK] = {"dir-fallback", 0},
    [LAYOUT_WRITE_FAILED] = {"write-failed", 0},
    [LAYOUT_CONFIG] = {CONFIG_FILE_NAME, 0}, /* spelt in config.h, the layer below */
    [LAYOUT_WHY] = {"why", K_DIR | K_CACHE | K_COUNTED},
};

const char *layout_name(enum layout_item it)
{
    return (unsigned)it < LAYOUT_COUNT ? items[it].name : "";
}

static int fits(int n, size_t cap)
{
    if (n < 0 || (size_t)n >= cap) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

int layout_path(const char *dir, enum layout_item it, const char *sub, char *buf, size_t cap)
{
    return fits(sub ? snprintf(buf, cap, "%s/%s/%s", dir, layout_name(it), sub)
                    : snprintf(buf, cap, "%s/%s", dir, layout_name(it)),
                cap);
}

char *layout_path_dup(const char *dir, enum layout_item it, const char *sub)
{
    char *p;
    int n = sub ? asprintf(&p, "%s/%s/%s", dir, layout_name(it), sub)
                : asprintf(&p, "%s/%s", dir, layout_name(it));
    return n < 0 ? NULL : p;
}

int layout_lock_path(const char *dir, enum layout_item it, char *buf, size_t cap)
{
    return fits(snprintf(buf, cap, "%s/%s.lock", dir, layout_name(it)), cap);
}

int layout_make_parent(const char *path)
{
    char *copy = strdup(path);
    char *slash = copy ? strrchr(copy, '/') : NULL;
    if (!slash) {
        free(copy);
        return -1;
    }
    *slash = '\0';
    int r = fs_mkdir_p(copy, 0755);
    free(copy);
    return r;
}

int64_t layout_charge(int64_t size)
{
    return (size + 4095) / 4096 * 4096;
}

int layout_is_tmp_name(const char *name)
{
    return strstr(name, ".tmp.") != NULL;
}

/* The charge of every regular file directly in path. */
static uint64_t dir_bytes(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return 0;
    uint64_t total = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        struct stat st;
        if (de->d_name[0] != '.' &&
            fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
            total += (uint64_t)layout_charge(st.st_size);
    }
    closedir(d);
    return total;
}

uint64_t layout_measure(const char *dir)
{
    uint64_t total = 0;
    for (int i = 0; i < LAYOUT_COUNT; i++) {
        if (!(items[i].kind & K_COUNTED))
            continue;
        char *p = layout_path_dup(dir, (enum layout_item)i, NULL);
        struct stat st;
        if (!p)
            continue;
        if (items[i].kind & K_DIR)
            total += dir_bytes(p);
        else if (lstat(p, &st) == 0 && S_ISREG(st.st_mode))
            total += (uint64_t)layout_charge(st.st_size);
        free(p);
    }
    return total;
}

/* path as a directory, never through a symbolic link; NULL if not one. */
static DIR *open_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (fd >= 0 && !d)
        close(fd);
    return d;
}

/* The inode number of this process's pid namespace (0 when /proc cannot
 * say): a pid means this process only within one namespace, and a sandbox
 * sharing RICC_DIR has its own. */
static unsigned long long pid_ns(void)
{
    static unsigned long long ns;
    static int known;
    if (!known) {
        char buf[64];
        ssize_t n = readlink("/proc/self/ns/pid", buf, sizeof buf - 1);
        char *b = n > 0 ? (buf[n] = '\0', strchr(buf, '[')) : NULL;
        ns = b ? strtoull(b + 1, NULL, 10) : 0;
        known = 1;
    }
    return ns;
}

char *layout_private_template(const char *tmpdir)
{
    char *p;
    return asprintf(&p, "%s/p.%llu.%ld.XXXXXX", tmpdir, pid_ns(), (long)getpid()) < 0 ? NULL
                                                                                     : p;
}

/* Is name a private scratch directory's (p.<ns>.<pid>.XXXXXX)?  Then its
 * namespace and pid. */
static int private_owner(const char *name, unsigned long long *ns, long *pid)
{
    int end = 0;
    return sscanf(name, "p.%llu.%ld.%n", ns, pid, &end) == 2 && end > 0 &&
           strlen(name + end) == 6;
}

/* Remove private directory `name` in tmp (fd tfd) when its process is gone
 * (one of this pid namespace), or nothing in it changed for an hour (one of
 * another namespace, or where /proc cannot say). */
static void sweep_private(int tfd, const char *name, time_t now)
{
    unsigned long long ns;
    long pid;
    if (!private_owner(name, &ns, &pid))
        return;
    /* A process of this namespace is asked; another's cannot be. */
    int here = ns && ns == pid_ns();
    if (here && (pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH))
        return;
    int gone = here;
    int fd = openat(tfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct stat st;
    if (!d || fstat(dirfd(d), &st) != 0) {
        if (d)
            closedir(d);
        else if (fd >= 0)
            close(fd);
        return;
    }
    time_t newest = st.st_mtime;
    struct dirent *de;
    while (!gone && (de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
            fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_mtime > newest)
            newest = st.st_mtime;
    if (gone || now - newest > LAYOUT_STALE_SECONDS) {
        rewinddir(d);
        while ((de = readdir(d)))
            if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                unlinkat(dirfd(d), de->d_name, 0);
        unlinkat(tfd, name, AT_REMOVEDIR);
    }
    closedir(d);
}

/* Remove the stale temporaries directly in path (every stale regular file
 * when all of them are temporaries, and the private directories there). */
static void sweep_dir(const char *path, time_t now, int all)
{
    DIR *d = open_dir(path);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        struct stat st;
        if (de->d_name[0] == '.' || (!all && !layout_is_tmp_name(de->d_name)) ||
            fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (S_ISREG(st.st_mode) && now - st.st_mtime > LAYOUT_STALE_SECONDS)
            unlinkat(dirfd(d), de->d_name, 0);
        else if (all && S_ISDIR(st.st_mode))
            sweep_private(dirfd(d), de->d_name, now);
    }
    closedir(d);
}

void layout_sweep(const char *dir, time_t now)
{
    sweep_dir(dir, now, 0);
    for (int i = 0; i < LAYOUT_COUNT; i++) {
        if (!(items[i].kind & K_DIR))
            continue;
        char *p = layout_path_dup(dir, (enum layout_item)i, NULL);
        if (p)
            sweep_dir(p, now, (items[i].kind & K_SCRATCH) != 0);
        free(p);
    }
}

int layout_remove_contents(const char *path)
{
    DIR *d = open_dir(path);
    if (!d)
        return errno == ENOENT ? 0 : -1;
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        struct stat st;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            char *sub = path_join(path, de->d_name);
            if (!sub || layout_remove_contents(sub) != 0)
                rc = -1;
            free(sub);
            if (unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) != 0 && errno != ENOENT)
                rc = -1;
        } else if (unlinkat(dirfd(d), de->d_name, 0) != 0 && errno != ENOENT) {
            rc = -1;
        }
    }
    closedir(d);
    return rc;
}

int layout_clear(const char *dir)
{
    int rc = 0;
    for (int i = 0; i < LAYOUT_COUNT; i++) {
        if (!(items[i].kind & K_CACHE))
            continue;
        char *p = layout_path_dup(dir, (enum layout_item)i, NULL);
        if (!p)
            rc = -1;
        else if (items[i].kind & K_DIR ? layout_remove_contents(p) != 0
                                       : unlink(p) != 0 && errno != ENOENT)
            rc = -1;
        free(p);
    }
    layout_sweep(dir, time(NULL));
    return rc;
}
