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
 * log_file (ccache's setting) is the other way round: one file that every
 * process appends to, so a whole build reads in order, each line saying
 * when (to the millisecond), which process and how serious:
 * "2026-12-06 21:03:11.123 ricc[4242] info: ...".  O_APPEND and one write()
 * per line keep the lines of make -j64 whole.  With both set, a line goes
 * to both: the directory's files are for tools written for recc, the one
 * file for people; neither should lose lines because the other is set.
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
static char *one_file;                /* log_file: NULL for none */
static int one_fd = -1;               /* log_file, once opened */
static int one_failed;                /* could not open it */

static const char *const level_names[] = {"error", "warning", "info", "debug", "trace"};
static const char level_letters[] = "EWIDT";

void log_init(enum log_level level, const char *log_directory, const char *log_file,
              const char *program)
{
    log_close();
    threshold = level;
    if (log_directory && *log_directory)
        directory = strdup(log_directory); /* NULL on failure: stderr, which is fine */
    if (log_file && *log_file)
        one_file = strdup(log_file);
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
    if (one_fd >= 0)
        close(one_fd);
    one_fd = -1;
    free(one_file);
    one_file = NULL;
    one_failed = 0;
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
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0644);
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
    return directory != NULL || one_file != NULL;
}

/* Open what is configured and not open yet; 1 if any file is open. */
static int open_files(void)
{
    int saved = errno;
    if (directory && log_fd < 0 && !file_failed) {
        log_fd = open_log_file();
        file_failed = log_fd < 0;
    }
    if (one_file && one_fd < 0 && !one_failed) {
        one_fd = open(one_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
        one_failed = one_fd < 0;
    }
    errno = saved;
    return log_fd >= 0 || one_fd >= 0;
}

static void vlog(enum log_level level, const char *fmt, va_list ap0)
{
    int saved_errno = errno;
    if ((unsigned)level > LOG_TRACE)
        level = LOG_TRACE;

    char small[1024], *text = small, *big = NULL;
    va_list ap;
    va_copy(ap, ap0);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        errno = saved_errno;
        return;
    }
    if ((size_t)n >= sizeof small && (big = malloc((size_t)n + 1)) != NULL) {
        va_copy(ap, ap0);
        vsnprintf(big, (size_t)n + 1, fmt, ap);
        va_end(ap);
        text = big;
    } else if ((size_t)n >= sizeof small) { /* no memory: keep the truncated copy */
        n = (int)strlen(small);
    }
    size_t tlen = (size_t)n;
    while (tlen > 0 && text[tlen - 1] == '\n') /* we add our own */
        tlen--;

    char head[96];
    snprintf(head, sizeof head, "ricc[%d] %s: ", (int)getpid(), level_names[level]);
    if (open_files()) {
        /* As glog does, errors also reach the terminal. */
        if (level == LOG_ERROR)
            emit(STDERR_FILENO, head, text, tlen);
        struct timespec ts;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &ts);
        localtime_r(&ts.tv_sec, &tm);
        if (one_fd >= 0) {
            char one[160];
            snprintf(one, sizeof one, "%04d-%02d-%02d %02d:%02d:%02d.%03ld %s", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     ts.tv_nsec / 1000000, head);
            emit(one_fd, one, text, tlen);
        }
        if (log_fd >= 0) {
            snprintf(head, sizeof head, "%c%04d%02d%02d %02d:%02d:%02d.%06ld %d] ",
                     level_letters[level], tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000, (int)getpid());
            emit(log_fd, head, text, tlen);
        }
    } else {
        emit(STDERR_FILENO, head, text, tlen);
    }

    free(big);
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
    /* Only to the files: the user's stderr stays as the level says. */
    if (!log_enabled(LOG_INFO) && !open_files())
        return;
    va_list ap;
    va_start(ap, fmt);
    vlog(LOG_INFO, fmt, ap);
    va_end(ap);
}
