/* SPDX-License-Identifier: Apache-2.0 */
/* stats_log.c — the per-call stats log and its summary (stats_log.h).
 *
 * Writing.  The line is written from the stats hook on the outcome counter
 * (stats_on_outcome), not at exit: a call that runs the compiler plainly
 * replaces the ricc process right after counting, and would never reach
 * an exit path.  Many processes of one build append to the same file at
 * once (make -j64), so the line is composed in memory and written with one
 * write() to a file opened O_APPEND: lines never interleave, and no lock is
 * taken.  A file that cannot be opened is skipped silently: statistics must
 * never break a build.  Nothing is done when stats_log is not set, so the
 * hit path pays one pointer test.
 *
 * Reading.  --show-log-stats sums the lines by outcome, kind and reason,
 * the same words `ricc -s` uses, and gives the hit rate as -s does: hits
 * (direct, preprocessed, remote) over hits plus misses.  Lines it cannot
 * read (a truncated last line of a killed build) are counted and skipped. */
#include "wrapper/stats_log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cache/local/stats.h"
#include "cache/util/fsutil.h"
#include "wrapper/flows/reason.h"

static char *log_path; /* the stats log of this process, or NULL */

/* The reason's name, when it explains this outcome; else "-". */
static const char *reason_for(const stats_call *c)
{
    if (c->outcome == ST_MISS && c->reason >= ST_MISS_REASON0 &&
        c->reason < ST_MISS_REASON0 + MISS_REASON_COUNT)
        return miss_reason_name((enum miss_reason)(c->reason - ST_MISS_REASON0));
    if (c->outcome == ST_UNCACHEABLE && c->reason >= ST_UNCACHEABLE_REASON0 &&
        c->reason < ST_UNCACHEABLE_REASON0 + UNC_REASON_COUNT)
        return uncacheable_reason_name(
            (enum uncacheable_reason)(c->reason - ST_UNCACHEABLE_REASON0));
    return "-";
}

static void write_line(const stats_call *c)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    char line[4096];
    int n = snprintf(line, sizeof line, "%04d-%02d-%02d %02d:%02d:%02d.%03ld\t%d\t%s\t%s\t%s\t%s\n",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, ts.tv_nsec / 1000000, (int)getpid(),
                     stats_kind_name((enum stats_kind)c->kind),
                     stats_name((enum stat_id)c->outcome), reason_for(c),
                     c->subject && *c->subject ? c->subject : "-");
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
    line[len - 1] = '\n'; /* (a path too long for the line is cut) */
    /* A tab or newline in a file name must not make two fields or lines. */
    for (size_t i = 0, tabs = 0; i + 1 < len; i++) {
        if (line[i] == '\t' && ++tabs <= 5)
            continue;
        if (line[i] == '\t' || line[i] == '\n')
            line[i] = ' ';
    }
    int saved = errno;
    int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
    if (fd >= 0) {
        fs_write_all(fd, line, len);
        close(fd);
    }
    errno = saved;
}

void stats_log_start(const config *cfg)
{
    if (!cfg->stats_log || !*cfg->stats_log)
        return;
    free(log_path);
    log_path = strdup(cfg->stats_log);
    if (log_path)
        stats_on_outcome(write_line);
}

/* ---- --show-log-stats ---- */

typedef struct tally {
    long long outcome[STATS_KIND_COUNT][STATS_OUTCOMES];
    long long miss_reason[MISS_REASON_COUNT], unc_reason[UNC_REASON_COUNT];
    long long bad;
} tally;

static int index_of(const char *word, const char *(*name)(int), int count)
{
    for (int i = 0; i < count; i++)
        if (!strcmp(word, name(i)))
            return i;
    return -1;
}

static const char *outcome_name(int i) { return stats_name((enum stat_id)i); }
static const char *kind_name(int i) { return stats_kind_name((enum stats_kind)i); }
static const char *miss_name(int i) { return miss_reason_name((enum miss_reason)i); }
static const char *unc_name(int i) { return uncacheable_reason_name((enum uncacheable_reason)i); }

/* One line (NUL-terminated, no newline) into t. */
static void count_line(tally *t, char *line)
{
    char *f[6];
    int n = 0;
    for (char *p = line; n < 6; n++) {
        f[n] = p;
        char *tab = strchr(p, '\t');
        if (!tab) {
            n++;
            break;
        }
        *tab = '\0';
        p = tab + 1;
    }
    int k = n >= 6 ? index_of(f[2], kind_name, STATS_KIND_COUNT) : -1;
    int o = k >= 0 ? index_of(f[3], outcome_name, STATS_OUTCOMES) : -1;
    if (o < 0) {
        t->bad++;
        return;
    }
    t->outcome[k][o]++;
    int r;
    if (o == ST_MISS && (r = index_of(f[4], miss_name, MISS_REASON_COUNT)) >= 0)
        t->miss_reason[r]++;
    if (o == ST_UNCACHEABLE && (r = index_of(f[4], unc_name, UNC_REASON_COUNT)) >= 0)
        t->unc_reason[r]++;
}

static long long hits_of(const long long *o)
{
    return o[ST_DIRECT_HIT] + o[ST_PREPROCESSED_HIT] + o[ST_REMOTE_HIT];
}

static void rate(FILE *out, long long hits, long long cacheable)
{
    if (cacheable)
        fprintf(out, "%lld (%.1f%%)\n", hits, 100.0 * (double)hits / (double)cacheable);
    else
        fprintf(out, "0\n");
}

int stats_log_show(const config *cfg, const char *file, FILE *out)
{
    const char *path = file && *file ? file : cfg->stats_log;
    if (!path || !*path) {
        fprintf(stderr, "ricc: --show-log-stats: no stats log (set stats_log, RICC_STATS_LOG, "
                        "or name the file)\n");
        return 2;
    }
    char *buf;
    size_t len;
    if (fs_read_file(path, &buf, &len) != 0) {
        fprintf(stderr, "ricc: --show-log-stats: cannot read %s: %s\n", path, strerror(errno));
        return 1;
    }
    tally *t = calloc(1, sizeof *t);
    if (!t) {
        free(buf);
        return 1;
    }
    for (char *p = buf; p < buf + len;) {
        char *nl = memchr(p, '\n', (size_t)(buf + len - p));
        if (!nl) { /* a last line cut short */
            t->bad++;
            break;
        }
        *nl = '\0';
        if (nl > p)
            count_line(t, p);
        p = nl + 1;
    }
    free(buf);

    long long all[STATS_OUTCOMES] = {0}, calls = 0;
    for (int k = 0; k < STATS_KIND_COUNT; k++)
        for (int o = 0; o < STATS_OUTCOMES; o++)
            all[o] += t->outcome[k][o], calls += t->outcome[k][o];
    fprintf(out, "stats log            %s\n", path);
    fprintf(out, "calls                %lld\n", calls);
    fprintf(out, "cacheable calls      %lld\n", hits_of(all) + all[ST_MISS]);
    fprintf(out, "  hits               ");
    rate(out, hits_of(all), hits_of(all) + all[ST_MISS]);
    for (int o = 0; o < STATS_OUTCOMES; o++)
        fprintf(out, "  %-19s%lld\n", stats_name((enum stat_id)o), all[o]);
    fprintf(out, "by kind              calls  hits  misses  hit rate\n");
    for (int k = 0; k < STATS_KIND_COUNT; k++) {
        const long long *o = t->outcome[k];
        long long n = 0, h = hits_of(o), c = h + o[ST_MISS];
        for (int i = 0; i < STATS_OUTCOMES; i++)
            n += o[i];
        fprintf(out, "  %-19s%5lld %5lld %7lld  ", stats_kind_name((enum stats_kind)k), n, h,
                o[ST_MISS]);
        if (c)
            fprintf(out, "%.1f%%\n", 100.0 * (double)h / (double)c);
        else
            fprintf(out, "-\n");
    }
    for (int r = 0, first = 1; r < MISS_REASON_COUNT; r++)
        if (t->miss_reason[r]) {
            if (first)
                fprintf(out, "misses by reason\n");
            first = 0;
            fprintf(out, "  %-19s%lld\n", miss_reason_name((enum miss_reason)r), t->miss_reason[r]);
        }
    for (int r = 0, first = 1; r < UNC_REASON_COUNT; r++)
        if (t->unc_reason[r]) {
            if (first)
                fprintf(out, "uncacheable by reason\n");
            first = 0;
            fprintf(out, "  %-19s%lld\n", uncacheable_reason_name((enum uncacheable_reason)r),
                    t->unc_reason[r]);
        }
    if (t->bad)
        fprintf(out, "unreadable lines     %lld\n", t->bad);
    free(t);
    return 0;
}
