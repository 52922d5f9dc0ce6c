/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for cache/util/log.c: level filtering, the stderr line format, the
 * per-process log file (glog-style name, created lazily with its
 * directory), falling back to stderr when the directory cannot be made,
 * errno preservation, long messages, and whole lines under concurrency
 * (several processes appending to one file never split a line); the one
 * log_file every process appends to (its line format: date, time to the
 * millisecond, pid, level; progress lines whatever the level; whole lines
 * from concurrent processes; both it and a log directory at once).
 *
 * stderr is captured by pointing fd 2 at a scratch file for the duration
 * of a test. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cache/util/fsutil.h"
#include "cache/util/log.h"
#include "tests/unit/unit.h"

static char tmpdir[64];
static int saved_stderr = -1;
static char capture_path[128];

static int suite_init(void)
{
    strcpy(tmpdir, "/tmp/ricc-test-log-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int suite_clean(void)
{
    char cmd[128];
    log_close();
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Send fd 2 to a fresh file (O_APPEND, as a terminal or a shared log is). */
static void capture_start(const char *name)
{
    snprintf(capture_path, sizeof capture_path, "%s/%s", tmpdir, name);
    int fd = open(capture_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
    CU_ASSERT_FATAL(fd >= 0);
    fflush(stderr);
    saved_stderr = dup(2);
    dup2(fd, 2);
    close(fd);
}

/* Restore fd 2 and return what was written to it (malloc'd). */
static char *capture_end(void)
{
    dup2(saved_stderr, 2);
    close(saved_stderr);
    saved_stderr = -1;
    char *buf = NULL;
    size_t len;
    CU_ASSERT_EQUAL_FATAL(fs_read_file(capture_path, &buf, &len), 0);
    return buf;
}

static void test_filter_and_stderr_format(void)
{
    log_init(LOG_WARNING, NULL, NULL, "ricc");
    CU_ASSERT(log_enabled(LOG_ERROR));
    CU_ASSERT(log_enabled(LOG_WARNING));
    CU_ASSERT(!log_enabled(LOG_INFO));
    CU_ASSERT(!log_enabled(LOG_DEBUG));

    capture_start("filter.txt");
    LOG_I("hidden info");
    LOG_D("hidden debug");
    log_msg(LOG_TRACE, "hidden trace");
    LOG_W("shown %d", 42);
    LOG_E("an error with its own newline\n");
    char *out = capture_end();

    char want[128];
    snprintf(want, sizeof want, "ricc[%d] warning: shown 42\nricc[%d] error: an error with its own newline\n",
             (int)getpid(), (int)getpid());
    CU_ASSERT_STRING_EQUAL(out, want);
    free(out);

    log_init(LOG_TRACE, NULL, NULL, "ricc");
    CU_ASSERT(log_enabled(LOG_TRACE));
    capture_start("trace.txt");
    LOG_D("now shown");
    out = capture_end();
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "debug: now shown\n"));
    free(out);
    log_close();
}

static void test_errno_preserved(void)
{
    log_init(LOG_DEBUG, NULL, NULL, "ricc");
    capture_start("errno.txt");
    errno = EACCES;
    LOG_W("something %s", "happened");
    int e = errno;
    char *out = capture_end();
    CU_ASSERT_EQUAL(e, EACCES);
    free(out);
    log_close();
}

static void test_long_message(void)
{
    size_t n = 20000;
    char *big = malloc(n + 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(big);
    memset(big, 'x', n);
    big[n] = '\0';
    log_init(LOG_INFO, NULL, NULL, "ricc");
    capture_start("long.txt");
    LOG_I("<%s>", big);
    char *out = capture_end();
    char *open_ = strchr(out, '<'), *close_ = strchr(out, '>');
    CU_ASSERT_PTR_NOT_NULL_FATAL(open_);
    CU_ASSERT_PTR_NOT_NULL_FATAL(close_);
    CU_ASSERT_EQUAL((size_t)(close_ - open_ - 1), n);
    CU_ASSERT_STRING_EQUAL(close_, ">\n");
    free(out);
    free(big);
    log_close();
}

/* The one entry in dir, or NULL (malloc'd name). */
static char *only_entry(const char *dir, int *count)
{
    DIR *d = opendir(dir);
    *count = 0;
    if (!d)
        return NULL;
    char *name = NULL;
    struct dirent *de;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
            (*count)++;
            free(name);
            name = strdup(de->d_name);
        }
    closedir(d);
    return name;
}

static void test_log_directory(void)
{
    char dir[160];
    snprintf(dir, sizeof dir, "%s/logs/nested", tmpdir);
    log_init(LOG_INFO, dir, NULL, "gcc");

    /* Nothing is created until a line passes the filter. */
    LOG_D("filtered out");
    struct stat st;
    CU_ASSERT_NOT_EQUAL(stat(dir, &st), 0);

    capture_start("dir-stderr.txt");
    LOG_I("hello %s", "world");
    LOG_W("second line");
    LOG_D("not this one");
    char *err_out = capture_end();
    CU_ASSERT_STRING_EQUAL(err_out, ""); /* all of it went to the file */
    free(err_out);
    log_close();

    int count;
    char *name = only_entry(dir, &count);
    CU_ASSERT_EQUAL(count, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(name);

    char host[256] = "";
    gethostname(host, sizeof host);
    const char *user = getenv("USER");
    if (!user || !*user) {
        struct passwd *pw = getpwuid(getuid());
        user = pw ? pw->pw_name : "invalid-user";
    }
    char prefix[512], suffix[32];
    snprintf(prefix, sizeof prefix, "gcc.%s.%s.log.INFO.", host, user);
    snprintf(suffix, sizeof suffix, ".%d", (int)getpid());
    CU_ASSERT_EQUAL(strncmp(name, prefix, strlen(prefix)), 0);
    size_t nl = strlen(name), sl = strlen(suffix);
    CU_ASSERT(nl > sl && !strcmp(name + nl - sl, suffix));
    /* <YYYYMMDD-HHMMSS> between them */
    const char *stamp = name + strlen(prefix);
    CU_ASSERT(strlen(stamp) == 15 + sl && stamp[8] == '-');

    char path[800];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *text = NULL;
    size_t len;
    CU_ASSERT_EQUAL_FATAL(fs_read_file(path, &text, &len), 0);
    char want[64];
    snprintf(want, sizeof want, " %d] hello world\n", (int)getpid());
    char *hello = strstr(text, want);
    CU_ASSERT_PTR_NOT_NULL(hello);
    snprintf(want, sizeof want, " %d] second line\n", (int)getpid());
    CU_ASSERT_PTR_NOT_NULL(strstr(text, want));
    CU_ASSERT_PTR_NULL(strstr(text, "not this one"));
    CU_ASSERT_PTR_NULL(strstr(text, "filtered out"));
    /* glog-like: the line starts with the level letter and a date. */
    if (hello) {
        char *bol = hello;
        while (bol > text && bol[-1] != '\n')
            bol--;
        CU_ASSERT_EQUAL(bol[0], 'I');
        CU_ASSERT(bol[1] == '2' && bol[9] == ' ' && bol[12] == ':' && bol[18] == '.');
    }
    free(text);
    free(name);
}

static void test_unusable_directory_falls_back(void)
{
    /* A regular file where the directory should be: mkdir -p must fail. */
    char blocker[160], dir[200];
    snprintf(blocker, sizeof blocker, "%s/blocker", tmpdir);
    FILE *f = fopen(blocker, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fclose(f);
    snprintf(dir, sizeof dir, "%s/sub", blocker);

    log_init(LOG_INFO, dir, NULL, "ricc");
    capture_start("fallback.txt");
    LOG_I("first");
    LOG_W("second");
    char *out = capture_end();
    char want[128];
    snprintf(want, sizeof want, "ricc[%d] info: first\nricc[%d] warning: second\n", (int)getpid(),
             (int)getpid());
    CU_ASSERT_STRING_EQUAL(out, want);
    free(out);
    log_close();
}

/* Several processes appending to one file: every line arrives whole. */
static void test_concurrent_lines_whole(void)
{
    enum { PROCS = 8, LINES = 200 };
    char pad[600];
    memset(pad, 'a', sizeof pad - 1);
    pad[sizeof pad - 1] = '\0';

    log_init(LOG_INFO, NULL, NULL, "ricc");
    capture_start("concurrent.txt");
    pid_t kids[PROCS];
    for (int p = 0; p < PROCS; p++) {
        kids[p] = fork();
        if (kids[p] == 0) {
            for (int i = 0; i < LINES; i++)
                LOG_W("%d %d %s end", p, i, pad);
            _exit(0);
        }
    }
    for (int p = 0; p < PROCS; p++)
        waitpid(kids[p], NULL, 0);
    char *out = capture_end();
    log_close();

    int lines = 0, whole = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        lines++;
        int p, i;
        char end[8];
        char *msg = strstr(line, "warning: ");
        if (msg && sscanf(msg, "warning: %d %d %*s %7s", &p, &i, end) == 3 && !strcmp(end, "end") &&
            strlen(line) > sizeof pad)
            whole++;
    }
    CU_ASSERT_EQUAL(lines, PROCS * LINES);
    CU_ASSERT_EQUAL(whole, PROCS * LINES);
    free(out);
}

/* Is line "YYYY-MM-DD HH:MM:SS.mmm ricc[PID] LEVEL: TEXT"?  Sets *pid and
 * points *text at TEXT (within line). */
static int one_file_line(const char *line, int *pid, const char **level, const char **text)
{
    static const char shape[] = "dddd-dd-dd dd:dd:dd.ddd ricc[";
    for (size_t i = 0; i < sizeof shape - 1; i++)
        if (shape[i] == 'd' ? line[i] < '0' || line[i] > '9' : line[i] != shape[i])
            return 0;
    char *end;
    long p = strtol(line + sizeof shape - 1, &end, 10);
    if (end == line + sizeof shape - 1 || strncmp(end, "] ", 2) != 0)
        return 0;
    *pid = (int)p;
    *level = end + 2;
    const char *colon = strstr(*level, ": ");
    if (!colon)
        return 0;
    *text = colon + 2;
    return 1;
}

static void test_log_file(void)
{
    char path[160], dir[160];
    snprintf(path, sizeof path, "%s/one.log", tmpdir);
    log_init(LOG_INFO, NULL, path, "ricc");
    LOG_D("filtered out");
    struct stat st;
    CU_ASSERT_NOT_EQUAL(stat(path, &st), 0); /* nothing yet: not created */
    capture_start("one-stderr.txt");
    LOG_I("hello %s", "file");
    LOG_E("an error");
    char *err_out = capture_end();
    log_close();
    /* errors reach the terminal too, as with a log directory */
    char want[96];
    snprintf(want, sizeof want, "ricc[%d] error: an error\n", (int)getpid());
    CU_ASSERT_STRING_EQUAL(err_out, want);
    free(err_out);

    /* Below the level, progress lines (recc's "Action Cache hit ...") still
     * go to the file, and nothing to stderr; the file is appended to. */
    log_init(LOG_WARNING, NULL, path, "ricc");
    capture_start("one-stderr2.txt");
    LOG_I("not at warning level");
    LOG_P("Action Cache hit for [%s]", "x");
    err_out = capture_end();
    CU_ASSERT_STRING_EQUAL(err_out, "");
    free(err_out);
    log_close();

    char *text = NULL;
    size_t len;
    CU_ASSERT_EQUAL_FATAL(fs_read_file(path, &text, &len), 0);
    const char *want_text[] = {"hello file", "an error", "Action Cache hit for [x]"};
    const char *want_level[] = {"info", "error", "info"};
    int n = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"), n++) {
        int pid;
        const char *level, *t;
        CU_ASSERT_FATAL(one_file_line(line, &pid, &level, &t));
        CU_ASSERT_EQUAL(pid, (int)getpid());
        if (n < 3) {
            CU_ASSERT_EQUAL(strncmp(level, want_level[n], strlen(want_level[n])), 0);
            CU_ASSERT_STRING_EQUAL(t, want_text[n]);
        }
    }
    CU_ASSERT_EQUAL(n, 3);
    free(text);

    /* Both set: each line goes to both. */
    snprintf(dir, sizeof dir, "%s/both-dir", tmpdir);
    snprintf(path, sizeof path, "%s/both.log", tmpdir);
    log_init(LOG_INFO, dir, path, "ricc");
    LOG_I("in both");
    log_close();
    CU_ASSERT_EQUAL_FATAL(fs_read_file(path, &text, &len), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "] info: in both\n"));
    free(text);
    int count;
    char *name = only_entry(dir, &count);
    CU_ASSERT_EQUAL_FATAL(count, 1);
    char full[800];
    snprintf(full, sizeof full, "%s/%s", dir, name);
    CU_ASSERT_EQUAL_FATAL(fs_read_file(full, &text, &len), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "] in both\n"));
    free(text);
    free(name);
}

/* make -j: processes appending to the one file never split a line. */
static void test_log_file_concurrent(void)
{
    enum { PROCS = 8, LINES = 200 };
    char pad[600], path[160];
    memset(pad, 'b', sizeof pad - 1);
    pad[sizeof pad - 1] = '\0';
    snprintf(path, sizeof path, "%s/many.log", tmpdir);
    pid_t kids[PROCS];
    for (int p = 0; p < PROCS; p++) {
        kids[p] = fork();
        if (kids[p] == 0) {
            log_init(LOG_INFO, NULL, path, "ricc");
            for (int i = 0; i < LINES; i++)
                LOG_I("%d %d %s end", p, i, pad);
            log_close();
            _exit(0);
        }
    }
    for (int p = 0; p < PROCS; p++)
        waitpid(kids[p], NULL, 0);
    char *text = NULL;
    size_t len;
    CU_ASSERT_EQUAL_FATAL(fs_read_file(path, &text, &len), 0);
    int lines = 0, whole = 0, seen[PROCS] = {0};
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        lines++;
        int pid, p, i;
        const char *level, *t;
        char end[8];
        if (one_file_line(line, &pid, &level, &t) && !strncmp(level, "info", 4) &&
            sscanf(t, "%d %d %*s %7s", &p, &i, end) == 3 && !strcmp(end, "end") && p >= 0 &&
            p < PROCS && pid == (int)kids[p] && i == seen[p]) {
            seen[p]++; /* each process's lines in its order */
            whole++;
        }
    }
    CU_ASSERT_EQUAL(lines, PROCS * LINES);
    CU_ASSERT_EQUAL(whole, PROCS * LINES);
    free(text);
}

static const unit_test tests[] = {
    {"filter and stderr format", test_filter_and_stderr_format},
    {"errno preserved", test_errno_preserved},
    {"long message", test_long_message},
    {"log directory", test_log_directory},
    {"unusable directory falls back", test_unusable_directory_falls_back},
    {"concurrent lines whole", test_concurrent_lines_whole},
    {"log file", test_log_file},
    {"log file: concurrent lines whole", test_log_file_concurrent},
    {NULL, NULL},
};

int main(void)
{
    return unit_run("log", suite_init, suite_clean, tests);
}
