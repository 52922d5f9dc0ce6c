/* SPDX-License-Identifier: Apache-2.0 */
/* remote_marks.c — the failure policy around the remote: marks in RICC_DIR
 * that make later calls skip a server that is down or refuses updates.
 *
 * Whichever way a call went (remote_loader.c): a server that is down must not
 * cost each of a build's thousand compiles a timeout, nor print a thousand
 * warnings.  The first call that finds it unreachable writes
 * $RICC_DIR/remote-down ("<until> <why>" and a line naming the server, temp
 * file + rename) under a short flock, so that exactly one process sees "not
 * marked yet" and prints the warning; every later call reads the file (one
 * open(), no network) and skips the remote until <until>.  Refused
 * UpdateActionResult calls get the same treatment in remote-noupdate, a
 * server without Execute in remote-noexec.  A mark holds for the server it
 * names only: a RICC_DIR pointed at another server starts clean.  The
 * caller never prints anything about the remote (remote.h). */
#include "cache/remote/remote_marks.h"

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

#include "cache/util/fsutil.h"
#include "cache/util/log.h"
#include "cache/remote/remote.h"

const char *remote_server_name(const config *cfg)
{
    if (cfg->server && *cfg->server)
        return cfg->server;
    if (cfg->cas_server && *cfg->cas_server)
        return cfg->cas_server;
    return cfg->action_cache_server ? cfg->action_cache_server : "(none)";
}

int remote_configured(const config *cfg)
{
    return (cfg->server && *cfg->server) || (cfg->cas_server && *cfg->cas_server) ||
           (cfg->action_cache_server && *cfg->action_cache_server);
}

/* Replace path with buf: a temporary file renamed into place, so a reader
 * sees the old mark or the new one, never half of one. */
static int write_mark(const char *path, const char *buf, size_t len)
{
    /* A fresh temporary (O_EXCL), never a fixed name another user of a
     * shared cache could have made a symbolic link. */
    return atomic_write_file(path, buf, len, 0644);
}

/* The epoch second until which mark file `name` holds for this server, 0
 * if none.  A garbled file, or one naming another server, counts as no mark
 * (the next mark rewrites it). */
static long long mark_until(const config *cfg, enum layout_item name)
{
    char path[PATH_MAX];
    if (!cfg->dir || layout_path(cfg->dir, name, NULL, path, sizeof path) != 0)
        return 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    char buf[PATH_MAX + 700];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    const char *server = strchr(buf, '\n');
    const char *name_of = remote_server_name(cfg);
    size_t sl = strlen(name_of);
    if (!server || strncmp(server + 1, name_of, sl) != 0 || server[1 + sl] != '\n')
        return 0;
    return strtoll(buf, NULL, 10);
}

int remote_marked(const config *cfg, enum layout_item name)
{
    long long until = mark_until(cfg, name);
    return until > 0 && (long long)time(NULL) < until;
}

int remote_set_mark(const config *cfg, enum layout_item name, const char *why)
{
    return remote_set_mark_for(cfg, name, why, cfg->remote_skip_seconds);
}

int remote_set_mark_for(const config *cfg, enum layout_item name, const char *why, int seconds)
{
    char lock[PATH_MAX], path[PATH_MAX];
    if (cfg->remote_skip_seconds <= 0 || !cfg->dir ||
        layout_lock_path(cfg->dir, name, lock, sizeof lock) != 0 ||
        layout_path(cfg->dir, name, NULL, path, sizeof path) != 0)
        return 1;
    mkdir(cfg->dir, 0777); /* usually there already; deeper trouble just skips the mark */
    int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
    if (fd >= 0)
        flock(fd, LOCK_EX); /* held for two small file operations */
    int mine = !remote_marked(cfg, name);
    if (mine) {
        char buf[PATH_MAX + 700], line[601];
        snprintf(line, sizeof line, "%s", why); /* the first line: one line */
        for (char *p = line; (p = strchr(p, '\n')); )
            *p = ' ';
        int n = snprintf(buf, sizeof buf, "%lld %s\n%s\n", (long long)time(NULL) + seconds,
                         line, remote_server_name(cfg));
        if (n >= (int)sizeof buf)
            n = 0; /* no mark: a server name too long to keep */
        if (n > 0 && write_mark(path, buf, (size_t)n) != 0)
            LOG_D("cannot write %s: %s", path, strerror(errno));
    }
    if (fd >= 0)
        close(fd); /* releases the lock */
    return mine;
}

int remote_usable(const config *cfg)
{
    return remote_configured(cfg) && !remote_marked(cfg, REMOTE_DOWN_MARK);
}

int remote_mark_down(const config *cfg, const char *why)
{
    if (!remote_set_mark(cfg, REMOTE_DOWN_MARK, why)) {
        LOG_D("remote already marked down: %s", why);
        return 0;
    }
    if (cfg->remote_skip_seconds > 0)
        LOG_W("remote %s is unavailable (%s); building locally and not trying it "
              "again for %d s", remote_server_name(cfg), why, cfg->remote_skip_seconds);
    else
        LOG_W("remote %s is unavailable (%s); building locally", remote_server_name(cfg), why);
    return 1;
}
