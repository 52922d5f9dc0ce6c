/* SPDX-License-Identifier: Apache-2.0 */
/* cachedir.c — a private fallback for a default cache directory that cannot
 * be written; one warning per build when the cache directory fails; each
 * process's private scratch directory.
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
 * so each sandboxed build gets its one warning.
 *
 * A cache directory that cannot be written (RICC_DIR named as a regular
 * file, read-only, full): every store of the build fails.  Each failure
 * comes to cachedir_write_failed, which says once what it means; the mark
 * is kept in the private directory under TMPDIR, the one place ricc knows
 * it can write.  Before, every compile warned "cannot store ...".
 *
 * Scratch files.  What a process writes for a moment (the dependency file
 * the compiler writes, trace records, a copy of an archive) goes into a
 * directory of its own, made by mkdtemp in RICC_DIR/tmp.  In a cache a
 * group shares, tmp/ is writable by all of them; a fixed name there
 * (deps.<pid>.d, once) could be a symbolic link another member planted,
 * and the compiler, opening -MF with O_TRUNC, would write through it into
 * whatever file it points at.  In a 0700 directory made fresh nobody else
 * can put anything.  That holds only while nobody else can replace the
 * directory by its name either: in a cache others can write (a group's,
 * RICC_DIR group-writable) they could rename tmp/ or the new directory away
 * and put a link in its place before the compiler opens the file.  So
 * there the directory is made in the private fallback under TMPDIR instead
 * (0700, in sticky /tmp), and RICC_DIR/tmp only in a cache of one's own.
 * It is removed at exit and before an exec; the next cleanup removes those
 * of killed processes (layout_sweep; in the fallback, the next process
 * that makes one there). */
#include "cache/local/cachedir.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
/* A build's writes fail one after the other: a failure this long after the
 * last one seen is taken for the next build's, and warned about again. */
#define QUIET_SECONDS 60

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

/* This process's private scratch directories: one per cache directory
 * asked about (in practice one), removed at exit or before an exec. */
struct scratch {
    struct scratch *next;
    char *ricc_dir, *path;
};
static struct scratch *scratches;
static pid_t scratch_owner; /* a forked child's exit() must not remove them */

/* A fresh directory in parent, 0700, named by layout_private_template. */
static char *make_private(const char *parent)
{
    char *t = layout_private_template(parent);
    if (t && !mkdtemp(t)) {
        free(t);
        t = NULL;
    }
    return t;
}

static void scratch_exit(void)
{
    cachedir_scratch_done();
}

/* Could anyone else replace tmp, or what its path goes through in
 * ricc_dir, by a name (rename it away, put a link there) while a compiler
 * writes below it?  A directory they can write, unless it is sticky. */
static int others_can_replace(const char *ricc_dir, const char *tmp)
{
    struct stat st;
    if (lstat(tmp, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
        (st.st_mode & 022))
        return 1;
    return stat(ricc_dir, &st) != 0 || ((st.st_mode & 022) && !(st.st_mode & S_ISVTX));
}

char *cachedir_scratch(const char *ricc_dir)
{
    for (struct scratch *s = scratches; s; s = s->next)
        if (!strcmp(s->ricc_dir, ricc_dir))
            return strdup(s->path);
    char *tmp = layout_path_dup(ricc_dir, LAYOUT_TMP, NULL);
    char *path = tmp && fs_mkdir_p(tmp, 0755) == 0 && !others_can_replace(ricc_dir, tmp)
                     ? make_private(tmp)
                     : NULL;
    free(tmp);
    if (!path) {
        char why[128], *fb = cachedir_fallback_path();
        tmp = fb && private_dir(fb, why, sizeof why) == 0 ? layout_path_dup(fb, LAYOUT_TMP, NULL)
                                                         : NULL;
        if (tmp && (mkdir(tmp, 0700) == 0 || errno == EEXIST)) {
            /* Nobody's cleanup looks here but ours: what killed processes
             * left goes now. */
            layout_sweep(fb, time(NULL));
            path = make_private(tmp);
        }
        free(fb);
        free(tmp);
    }
    struct scratch *s = path ? calloc(1, sizeof *s) : NULL;
    if (!s || !(s->ricc_dir = strdup(ricc_dir))) {
        if (path)
            rmdir(path);
        free(path);
        free(s);
        return NULL;
    }
    s->path = path;
    if (!scratches && scratch_owner != getpid()) {
        if (!scratch_owner)
            atexit(scratch_exit);
        scratch_owner = getpid();
    }
    s->next = scratches;
    scratches = s;
    return strdup(path);
}

void cachedir_scratch_done(void)
{
    if (scratch_owner != getpid())
        return;
    while (scratches) {
        struct scratch *s = scratches;
        scratches = s->next;
        /* Normally empty (each user removes its file): what a compiler
         * killed half way left is removed too. */
        layout_remove_contents(s->path);
        if (rmdir(s->path) != 0)
            LOG_D("cannot remove %s: %s", s->path, strerror(errno));
        free(s->path);
        free(s->ricc_dir);
        free(s);
    }
}

/* Is this process the one to warn?  The mark `it` in dir holds the
 * warning last given and a time (the mtime): 1 when there was none, it is
 * `seconds` old, or it was another warning (and the mark now holds this
 * one); also 1 when no mark can be kept: then every process warns rather
 * than none.  `refresh`: a process that stays quiet sets the time too, so
 * the mark says when the trouble was last seen. */
static int take_mark(const char *dir, enum layout_item it, const char *text, int seconds,
                     int refresh)
{
    char *path = layout_path_dup(dir, it, NULL);
    if (!path)
        return 1;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    free(path);
    if (fd < 0)
        return 1;
    flock(fd, LOCK_EX); /* held for a stat, a read and a write */
    size_t len = strlen(text);
    char old[512];
    struct stat st;
    ssize_t n = pread(fd, old, sizeof old, 0);
    int mine = fstat(fd, &st) != 0 || st.st_size == 0 ||
               (long long)time(NULL) - (long long)st.st_mtime >= seconds ||
               (len < sizeof old && (n != (ssize_t)len || memcmp(old, text, len) != 0));
    if (mine) {
        if (pwrite(fd, text, len, 0) != (ssize_t)len || ftruncate(fd, (off_t)len) != 0 ||
            futimens(fd, NULL) != 0)
            LOG_D("cannot write the %s mark in %s: %s", layout_name(it), dir, strerror(errno));
    } else if (refresh) {
        futimens(fd, NULL);
    }
    close(fd); /* releases the lock */
    return mine;
}

void cachedir_announce(const char *dir, const char *note)
{
    if (note && take_mark(dir, LAYOUT_DIR_FALLBACK, note, MARK_SECONDS, 0))
        LOG_W("%s", note);
}

/* What a write into dir failing with err means, for the user. */
static void describe(const char *dir, int err, char *buf, size_t cap)
{
    struct stat st;
    if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode))
        snprintf(buf, cap, "the cache directory %s is not a directory: nothing is kept in the "
                           "local cache (set RICC_DIR to a directory)", dir);
    else if (err == ENOSPC || err == EDQUOT)
        snprintf(buf, cap, "the cache directory %s is full (%s): results are not kept in the "
                           "local cache (free some space, or lower max_size: ricc -M)",
                 dir, strerror(err));
    else if (err == EACCES || err == EPERM || err == EROFS || err == ENOTDIR)
        snprintf(buf, cap, "the cache directory %s cannot be written (%s): nothing is kept in "
                           "the local cache (set RICC_DIR to a directory you can write)",
                 dir, strerror(err));
    else
        snprintf(buf, cap, "cannot write into the cache directory %s (%s): results are not "
                           "kept in the local cache", dir, strerror(err));
}

void cachedir_write_failed(const char *dir, const char *what, int err)
{
    LOG_I("cannot store %s in %s: %s", what, dir, strerror(err));
    char note[PATH_MAX + 256], why[128];
    describe(dir, err, note, sizeof note);
    /* The mark cannot be kept in dir (that is what failed): in the private
     * directory under TMPDIR (cachedir_fallback_path), when it is ours. */
    char *fb = cachedir_fallback_path();
    int mine = !fb || private_dir(fb, why, sizeof why) != 0 ||
               take_mark(fb, LAYOUT_WRITE_FAILED, note, QUIET_SECONDS, 1);
    free(fb);
    if (mine)
        LOG_W("%s", note);
    errno = err;
}
