/* SPDX-License-Identifier: Apache-2.0 */
/* log.c — leveled logging for one ricc process.
 *
 * ricc is a short-lived process run thousands of times per build, usually
 * with logging off, so the design is about costing nothing when disabled:
 * the level test is one comparison (LOG_I/LOG_D skip even the argument
 * evaluation), and the log file is not created until the first line that
 * passes the filter.
 *
 * Many ricc processes log at the same time (make -j64), to one terminal or
 * one directory.  Each line is therefore composed in memory and written with
 * a single write() — to stderr, or to an O_APPEND file — so lines from
 * different processes never interleave within a line.  With a log directory,
 * each process gets its own file, named the way glog (and so recc) names
 * them, "<program>.<host>.<user>.log.INFO.<YYYYMMDD-HHMMSS>.<pid>", so
 * tooling written for recc's logs finds ours; lines look like glog's too.
 *
 * Logging must never break a build: if the directory or file cannot be
 * made, we quietly fall back to stderr for the rest of the process rather
 * than retrying (and failing) on every line.  errno is preserved, because
 * callers often log and then look at errno. */
#include "cache/util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache/util/fsutil.h"

static enum log_level threshold = LOG_WARNING;
static char *directory;               /* NULL: log to stderr */
static char program_name[64] = "ricc";
static int log_fd = -1;               /* the per-process file, once opened */
static int file_failed;               /* could not open it: use stderr */

static const char *const level_names[] = {"error", "warning", "info", "debug", "trace"};
static const char level_letters[] = "EWIDT";

void log_init(enum log_level level, const char *log_directory, const char *program)
{
    log_close();
    threshold = level;
    if (log_directory && *log_directory)
        directory = strdup(log_directory); /* NULL on failure: stderr, which is fine */
    snprintf(program_name, sizeof program_name, "%s", program && *program ? program : "ricc");
}

void log_close(void)
{
    if (log_fd >= 0)
        close(log_fd);
    log_fd = -1;
    free(directory);
    directory = NULL;
    file_failed = 0;
}

int log_enabled(enum log_level level)
{
    return level <= threshold;
}

/* A name component must not carry a '/' into the file name. */
static void copy_component(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src);
    for (char *p = dst; *p; p++)
        if (*p == '/')
            *p = '_';
}

static int open_log_file(void)
{
    if (fs_mkdir_p(directory, 0777) != 0)
        return -1;

    char raw[256], host[256], user[128], prog[64];
    if (gethostname(raw, sizeof raw) != 0)
        snprintf(raw, sizeof raw, "(unknown)");
    raw[sizeof raw - 1] = '\0';
    copy_component(host, sizeof host, raw);
    const char *u = getenv("USER");
    char *pw_name = NULL;
    if (!u || !*u)
        u = (pw_name = fs_passwd_field(getuid(), 0)) ? pw_name : "invalid-user"; /* glog's word */
    copy_component(user, sizeof user, u);
    free(pw_name);
    copy_component(prog, sizeof prog, program_name);

    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    char *path;
    if (asprintf(&path, "%s/%s.%s.%s.log.INFO.%04d%02d%02d-%02d%02d%02d.%d", directory, prog,
                 host, user, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min, tm.tm_sec, (int)getpid()) < 0)
        return -1;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    free(path);
    if (fd < 0)
        return -1;

    /* glog's file header, so the format is self-describing. */
    char head[512];
    int n = snprintf(head, sizeof head,
                     "Log file created at: %04d/%02d/%02d %02d:%02d:%02d\n"
                     "Running on machine: %s\n"
                     "Log line format: [EWIDT]yyyymmdd hh:mm:ss.uuuuuu pid] msg\n",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, host);
    if (n > 0)
        fs_write_all(fd, head, (size_t)n < sizeof head ? (size_t)n : sizeof head - 1);
    return fd;
}

/* Write head + text + "\n" with one write() to fd. */
static void emit(int fd, const char *head, const char *text, size_t tlen)
{
    char stack[4096], *line = stack;
    size_t hlen = strlen(head), len = hlen + tlen + 1;
    if (len > sizeof stack && !(line = malloc(len))) {
        line = stack; /* no memory: a truncated line beats none */
        len = sizeof stack;
        tlen = len - hlen - 1;
    }
    memcpy(line, head, hlen);
    memcpy(line + hlen, text, tlen);
    line[hlen + tlen] = '\n';
    fs_write_all(fd, line, len);
    if (line != stack)
        free(line);
}

int log_to_files(void)
{
    return directory != NULL;
}

static void vlog(enum log_level level, const char *fmt, va_list ap0)
{
    int saved_errno = errno;
    if ((unsigned)level > LOG_TRACE)
        level = LOG_TRACE;

    char small[1024], *text = small;
    va_list ap;
    va_copy(ap, ap0);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        errno = saved_errno;
        return;
    }
    if ((size_t)n >= sizeof small && (text = malloc((size_t)n + 1)) != NULL) {
        va_copy(ap, ap0);
        vsnprintf(text, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    if (!text) { /* keep the truncated copy */
        text = small;
        n = (int)strlen(small);
    }
    size_t tlen = (size_t)n;
    while (tlen > 0 && text[tlen - 1] == '\n') /* we add our own */
        tlen--;

    if (directory && log_fd < 0 && !file_failed) {
        log_fd = open_log_file();
        file_failed = log_fd < 0;
    }

    char head[96];
    snprintf(head, sizeof head, "ricc[%d] %s: ", (int)getpid(), level_names[level]);
    if (log_fd >= 0) {
        /* As glog does, errors also reach the terminal. */
        if (level == LOG_ERROR)
            emit(STDERR_FILENO, head, text, tlen);
        struct timespec ts;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &ts);
        localtime_r(&ts.tv_sec, &tm);
        snprintf(head, sizeof head, "%c%04d%02d%02d %02d:%02d:%02d.%06ld %d] ",
                 level_letters[level], tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000, (int)getpid());
        emit(log_fd, head, text, tlen);
    } else {
        emit(STDERR_FILENO, head, text, tlen);
    }

    if (text != small)
        free(text);
    errno = saved_errno;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    if (!log_enabled(level))
        return;
    va_list ap;
    va_start(ap, fmt);
    vlog(level, fmt, ap);
    va_end(ap);
}

void log_progress(const char *fmt, ...)
{
    if (!log_enabled(LOG_INFO)) {
        /* Only to the file: the user's stderr stays as the level says. */
        if (!directory || file_failed)
            return;
        if (log_fd < 0) {
            int saved = errno;
            log_fd = open_log_file();
            file_failed = log_fd < 0;
            errno = saved;
            if (file_failed)
                return;
        }
    }
    va_list ap;
    va_start(ap, fmt);
    vlog(LOG_INFO, fmt, ap);
    va_end(ap);
}
