/* SPDX-License-Identifier: Apache-2.0 */
/* cachedir.c — a private fallback for a default cache directory that cannot
 * be written.
 *
 * Why.  A build sandbox (bubblewrap, BuildStream) often has a read-only root
 * and HOME, no XDG_CACHE_HOME and no RICC_DIR, but a fresh writable /tmp.
 * With ~/.cache/ricc unwritable every store failed, every compile warned,
 * and (before the store kept failed writes in memory, store.c) nothing was
 * uploaded either.  So when the directory ricc chose itself cannot be used,
 * it uses $TMPDIR/ricc-<uid> for this build and says so once.
 *
 * Cost.  This runs in every ricc process that uses the default directory:
 * the usual answer is one access() call.  Only when that fails is anything
 * created or checked.
 *
 * Safety.  /tmp is shared: a directory of that name made by someone else (or
 * a symbolic link planted there) would hand them our cache, whose results
 * are trusted by whoever reads it.  The directory is created 0700 and used
 * only if lstat() shows a real directory owned by us that nobody else may
 * write; /tmp's sticky bit keeps it ours once it is.  Otherwise there is no
 * usable local cache and the store's writes fail as before (results still
 * reach a remote).
 *
 * One warning per build.  Many processes of one build fall back; the first
 * to take the lock on `<dir>/dir-fallback` with the mark absent or older
 * than an hour writes it and warns, the others stay quiet (the same idea as
 * the remote's marks, remote_marks.c).  A fresh sandbox has a fresh TMPDIR,
 * so each sandboxed build gets its one warning. */
#include "cache/local/cachedir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache/local/layout.h"
#include "cache/util/fsutil.h"
#include "cache/util/log.h"

#define MARK_SECONDS 3600

char *cachedir_fallback_path(void)
{
    const char *tmp = getenv("TMPDIR");
    if (!tmp || tmp[0] != '/')
        tmp = "/tmp";
    char *p;
    return asprintf(&p, "%s/ricc-%u", tmp, (unsigned)geteuid()) < 0 ? NULL : p;
}

/* Writable by us, creating it when it is missing.  0, or -1 with errno. */
static int usable(const char *dir)
{
    if (access(dir, W_OK | X_OK) == 0)
        return 0;
    if (errno != ENOENT)
        return -1;
    return fs_mkdir_p(dir, 0755) == 0 && access(dir, W_OK | X_OK) == 0 ? 0 : -1;
}

/* The fallback directory, made or checked: 0, or -1 with the reason. */
static int private_dir(const char *dir, char *why, size_t cap)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(why, cap, "%s", strerror(errno));
        return -1;
    }
    struct stat st;
    if (lstat(dir, &st) != 0) {
        snprintf(why, cap, "%s", strerror(errno));
        return -1;
    }
    if (S_ISLNK(st.st_mode) || !S_ISDIR(st.st_mode)) {
        snprintf(why, cap, "not a directory of its own");
        return -1;
    }
    if (st.st_uid != geteuid()) {
        snprintf(why, cap, "owned by uid %u", (unsigned)st.st_uid);
        return -1;
    }
    if (st.st_mode & 022) {
        snprintf(why, cap, "writable by others");
        return -1;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        snprintf(why, cap, "%s", strerror(errno));
        return -1;
    }
    return 0;
}

int cachedir_settle(char **dir, char **note)
{
    *note = NULL;
    char *fb = cachedir_fallback_path();
    if (!fb)
        return 0;
    /* Without any home directory config.c's default is the fallback itself:
     * it must be private all the same. */
    int is_fb = !strcmp(*dir, fb);
    char why[128];
    if (!is_fb) {
        if (usable(*dir) == 0) {
            free(fb);
            return 0;
        }
        snprintf(why, sizeof why, "%s", strerror(errno));
    }
    char fwhy[128];
    int r;
    if (private_dir(fb, fwhy, sizeof fwhy) == 0) {
        r = is_fb ? asprintf(note, "there is no home directory; the cache is in %s for this "
                                   "build (set RICC_DIR to choose)", fb)
                  : asprintf(note, "the cache directory %s cannot be used (%s); using %s for "
                                   "this build (set RICC_DIR to choose)", *dir, why, fb);
        free(*dir);
        *dir = fb;
        fb = NULL;
    } else if (is_fb) {
        r = asprintf(note, "there is no home directory and %s cannot be used (%s): no local "
                           "cache (set RICC_DIR)", fb, fwhy);
    } else {
        r = asprintf(note, "the cache directory %s cannot be used (%s), nor %s (%s): no local "
                           "cache (set RICC_DIR)", *dir, why, fb, fwhy);
    }
    if (r < 0)
        *note = NULL;
    free(fb);
    return 1;
}

char *cachedir_scratch(const char *ricc_dir)
{
    char *dir = layout_path_dup(ricc_dir, LAYOUT_TMP, NULL);
    if (dir && fs_mkdir_p(dir, 0755) == 0)
        return dir;
    free(dir);
    char why[128], *fb = cachedir_fallback_path();
    dir = fb && private_dir(fb, why, sizeof why) == 0 ? layout_path_dup(fb, LAYOUT_TMP, NULL)
                                                     : NULL;
    free(fb);
    if (dir && mkdir(dir, 0700) != 0 && errno != EEXIST) {
        free(dir);
        dir = NULL;
    }
    return dir;
}

/* Is this process the one to warn?  1 when it set the mark (or no mark can
 * be kept: then every process warns rather than none). */
static int take_mark(const char *dir)
{
    char *path = layout_path_dup(dir, LAYOUT_DIR_FALLBACK, NULL);
    if (!path)
        return 1;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    free(path);
    if (fd < 0)
        return 1;
    flock(fd, LOCK_EX); /* held for a stat and a write */
    struct stat st;
    int mine = fstat(fd, &st) != 0 || st.st_size == 0 ||
               (long long)time(NULL) - (long long)st.st_mtime >= MARK_SECONDS;
    if (mine) {
        /* The content only makes the size non-zero; the time is the mtime. */
        if (pwrite(fd, "1\n", 2, 0) != 2 || futimens(fd, NULL) != 0)
            LOG_D("cannot write the %s mark in %s: %s", layout_name(LAYOUT_DIR_FALLBACK), dir,
                  strerror(errno));
    }
    close(fd); /* releases the lock */
    return mine;
}

void cachedir_announce(const char *dir, const char *note)
{
    if (note && take_mark(dir))
        LOG_W("%s", note);
}
