/* SPDX-License-Identifier: Apache-2.0 */
/* mgmt_stats.c — what `ricc -s` and `ricc --print-stats` show: the counters
 * (stats.h) and the size of the cache, measured now.
 *
 * -s is for people: the totals (whose lines scripts and tests already grep,
 * so they stay as they were), then the same six outcomes per kind of call,
 * the remote's counters, and with -v the misses and uncacheable calls by
 * reason.  --print-stats is for scripts: name<TAB>value lines, every
 * number -s shows under a stable name (new names are added, never
 * renamed), or the same as one JSON object.  Both read the counters once
 * each, without a lock: a build running meanwhile can make the totals and
 * the per-kind numbers disagree by the calls in flight. */
#include "wrapper/mgmt_stats.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cache/local/layout.h"
#include "cache/local/stats.h"
#include "cache/local/store.h"
#include "wrapper/flows/reason.h"

/* The store's shards, by first hex digit: as many as stats.h gives slots. */
#define SHARDS (ST_SHARD_RAW_BYTES0 - ST_SHARD_BYTES0)

static void human_size(uint64_t n, char *buf, size_t cap)
{
    const char *unit[] = {"B", "kB", "MB", "GB", "TB"};
    double v = (double)n;
    int u = 0;
    while (v >= 1000 && u < 4)
        v /= 1000, u++;
    snprintf(buf, cap, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

/* The stored entries (the shards' bytes) as on disk and uncompressed;
 * *unpacked = 0 when no shard tracks it. */
static void entries_size(uint64_t *stored, uint64_t *unpacked)
{
    uint64_t tracked = 0;
    *stored = *unpacked = 0;
    for (int i = 0; i < SHARDS; i++) {
        int64_t b = stats_get((enum stat_id)(ST_SHARD_BYTES0 + i));
        int64_t r = stats_get((enum stat_id)(ST_SHARD_RAW_BYTES0 + i));
        *stored += b > 0 ? (uint64_t)b : 0;
        /* 0: not tracked (a store that does not compress, or a shard
         * counted before it did): its stored size is its size. */
        *unpacked += r > 0 ? (uint64_t)r : b > 0 ? (uint64_t)b : 0;
        tracked += r > 0;
    }
    if (!tracked)
        *unpacked = 0;
}

/* What the cache holds: the store's areas and the rest of RICC_DIR that
 * counts toward max_size (the fixed tables, identity/, incdirs/), measured
 * now; and the same with each stored entry's uncompressed size, when the
 * store keeps it (*raw = 0 when no shard does). */
static uint64_t cache_size(const config *cfg, uint64_t *raw)
{
    store *s = store_open(cfg->dir, cfg->max_size);
    uint64_t n = s ? store_size(s) : 0;
    store_close(s);
    uint64_t other = layout_measure(cfg->dir), stored, unpacked;
    entries_size(&stored, &unpacked);
    *raw = unpacked ? unpacked + other + (n > stored ? n - stored : 0) : 0;
    return n + other;
}

static int64_t kind_get(int k, int outcome)
{
    return stats_get((enum stat_id)(ST_KIND0 + k * STATS_KIND_SLOTS + outcome));
}

static int64_t miss_get(int r)
{
    return stats_get((enum stat_id)(ST_MISS_REASON0 + r));
}

static int64_t unc_get(int r)
{
    return stats_get((enum stat_id)(ST_UNCACHEABLE_REASON0 + r));
}

/* "2026-12-06 21:03:11" (local time), or "never". */
static void zeroed_text(char *buf, size_t cap)
{
    time_t t = (time_t)stats_get(ST_ZEROED_AT);
    struct tm tm;
    if (t <= 0 || !localtime_r(&t, &tm) || !strftime(buf, cap, "%Y-%m-%d %H:%M:%S", &tm))
        snprintf(buf, cap, "never");
}

/* The remote's counters as -s shows them, and their short names. */
static const struct {
    enum stat_id id;
    const char *name, *label;
    int bytes;
} remote_rows[] = {
    {ST_REMOTE_HIT, "hit", "hits", 0},
    {ST_REMOTE_MISS, "miss", "misses", 0},
    {ST_REMOTE_ERROR, "error", "errors", 0},
    {ST_REMOTE_TIMEOUT, "timeout", "timeouts", 0},
    {ST_REMOTE_BYTES_UP, "bytes_up", "uploaded", 1},
    {ST_REMOTE_BYTES_DOWN, "bytes_down", "downloaded", 1},
};
#define N_REMOTE (sizeof remote_rows / sizeof remote_rows[0])

int mgmt_show_stats(const config *cfg, int verbose)
{
    int64_t hits = stats_get(ST_DIRECT_HIT) + stats_get(ST_PREPROCESSED_HIT) +
                   stats_get(ST_REMOTE_HIT);
    int64_t cacheable = hits + stats_get(ST_MISS);
    char when[64];
    zeroed_text(when, sizeof when);
    printf("cache directory      %s\n", cfg->dir);
    printf("stats zeroed         %s\n", when);
    printf("cacheable calls      %lld\n", (long long)cacheable);
    if (cacheable)
        printf("  hits               %lld (%.1f%%)\n", (long long)hits, 100.0 * (double)hits / (double)cacheable);
    else
        printf("  hits               0\n");
    for (int i = 0; i <= ST_STORE_ERRORS; i++)
        printf("  %-19s%lld\n", stats_name(i), (long long)stats_get(i));

    /* Per kind: the six outcomes, in columns, and each kind's hit rate. */
    printf("%-18s%8s%8s%8s%8s%8s%8s  hit rate\n", "by kind", "direct", "preproc", "remote",
           "miss", "uncach", "fallbk");
    for (int k = 0; k < STATS_KIND_COUNT; k++) {
        printf("  %-16s", stats_kind_name((enum stats_kind)k));
        for (int o = 0; o < STATS_OUTCOMES; o++)
            printf("%8lld", (long long)kind_get(k, o));
        int64_t h = kind_get(k, ST_DIRECT_HIT) + kind_get(k, ST_PREPROCESSED_HIT) +
                    kind_get(k, ST_REMOTE_HIT);
        int64_t c = h + kind_get(k, ST_MISS);
        if (c)
            printf("  %.1f%%\n", 100.0 * (double)h / (double)c);
        else
            printf("  -\n");
    }

    /* The remote's section where there is one, or was (its counts stay). */
    int remote_seen = cfg->server || cfg->cas_server || cfg->action_cache_server;
    for (size_t i = 0; i < N_REMOTE; i++)
        remote_seen |= stats_get(remote_rows[i].id) != 0;
    if (remote_seen)
        printf("remote\n");
    for (size_t i = 0; remote_seen && i < N_REMOTE; i++) {
        int64_t v = stats_get(remote_rows[i].id);
        char b[32];
        if (remote_rows[i].bytes)
            human_size(v > 0 ? (uint64_t)v : 0, b, sizeof b);
        else
            snprintf(b, sizeof b, "%lld", (long long)v);
        printf("  %-19s%s\n", remote_rows[i].label, b);
    }

    if (verbose) {
        printf("misses by reason\n");
        for (int r = 0; r < MISS_REASON_COUNT; r++)
            printf("  %-19s%lld\n", miss_reason_name((enum miss_reason)r), (long long)miss_get(r));
        printf("uncacheable by reason\n");
        for (int r = 0; r < UNC_REASON_COUNT; r++)
            printf("  %-19s%lld\n", uncacheable_reason_name((enum uncacheable_reason)r),
                   (long long)unc_get(r));
    }

    uint64_t raw;
    char sz[32], mx[32], rw[32];
    uint64_t size = cache_size(cfg, &raw);
    human_size(size, sz, sizeof sz);
    human_size(cfg->max_size, mx, sizeof mx);
    printf("cache size           %s of %s\n", sz, cfg->max_size ? mx : "unlimited");
    /* The entries alone: the fixed tables (megabytes, never compressed)
     * would hide the ratio in the total. */
    uint64_t stored, unpacked;
    entries_size(&stored, &unpacked);
    if (raw && unpacked != stored) {
        human_size(stored, sz, sizeof sz);
        human_size(unpacked, rw, sizeof rw);
        printf("  stored entries     compressed %s, uncompressed %s (%.1fx)\n", sz, rw,
               stored ? (double)unpacked / (double)stored : 0.0);
    }
    return 0;
}

/* A JSON string: the directory may hold any byte but NUL. */
static void json_string(const char *s)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            printf("\\u%04x", *p);
        else
            putchar(*p);
    }
    putchar('"');
}

static void print_json(const config *cfg)
{
    uint64_t raw, size = cache_size(cfg, &raw);
    printf("{\n  \"counters\": {");
    for (int i = 0; i <= ST_STORE_ERRORS; i++)
        printf("%s\"%s\": %lld", i ? ", " : "", stats_name(i), (long long)stats_get(i));
    printf("},\n  \"kinds\": {");
    for (int k = 0; k < STATS_KIND_COUNT; k++) {
        printf("%s\"%s\": {", k ? ", " : "", stats_kind_name((enum stats_kind)k));
        for (int o = 0; o < STATS_OUTCOMES; o++)
            printf("%s\"%s\": %lld", o ? ", " : "", stats_name(o), (long long)kind_get(k, o));
        printf("}");
    }
    printf("},\n  \"remote\": {");
    for (size_t i = 0; i < N_REMOTE; i++)
        printf("%s\"%s\": %lld", i ? ", " : "", remote_rows[i].name,
               (long long)stats_get(remote_rows[i].id));
    printf("},\n  \"reasons\": {\"miss\": {");
    for (int r = 0; r < MISS_REASON_COUNT; r++)
        printf("%s\"%s\": %lld", r ? ", " : "", miss_reason_name((enum miss_reason)r),
               (long long)miss_get(r));
    printf("}, \"uncacheable\": {");
    for (int r = 0; r < UNC_REASON_COUNT; r++)
        printf("%s\"%s\": %lld", r ? ", " : "", uncacheable_reason_name((enum uncacheable_reason)r),
               (long long)unc_get(r));
    printf("}},\n  \"cache\": {\"directory\": ");
    json_string(cfg->dir);
    printf(", \"size_bytes\": %llu, \"uncompressed_bytes\": %llu, \"max_size_bytes\": %llu},\n",
           (unsigned long long)size, (unsigned long long)(raw ? raw : size),
           (unsigned long long)cfg->max_size);
    printf("  \"stats_zeroed_at\": %lld\n}\n", (long long)stats_get(ST_ZEROED_AT));
}

int mgmt_print_stats(const config *cfg, const char *format)
{
    if (format && !strcmp(format, "json")) {
        print_json(cfg);
        return 0;
    }
    if (format && strcmp(format, "tsv") != 0) {
        fprintf(stderr, "ricc: --print-stats: unknown format %s (tsv or json)\n", format);
        return 2;
    }
    for (int i = 0; i < ST_PUBLIC_COUNT; i++)
        printf("%s\t%lld\n", stats_name(i), (long long)stats_get(i));
    for (int k = 0; k < STATS_KIND_COUNT; k++)
        for (int o = 0; o < STATS_OUTCOMES; o++)
            printf("kind_%s_%s\t%lld\n", stats_kind_name((enum stats_kind)k), stats_name(o),
                   (long long)kind_get(k, o));
    for (int r = 0; r < MISS_REASON_COUNT; r++)
        printf("miss_reason_%s\t%lld\n", miss_reason_name((enum miss_reason)r),
               (long long)miss_get(r));
    for (int r = 0; r < UNC_REASON_COUNT; r++)
        printf("uncacheable_reason_%s\t%lld\n", uncacheable_reason_name((enum uncacheable_reason)r),
               (long long)unc_get(r));
    printf("stats_zeroed_at\t%lld\n", (long long)stats_get(ST_ZEROED_AT));
    uint64_t raw, size = cache_size(cfg, &raw);
    printf("cache_size_bytes\t%llu\n", (unsigned long long)size);
    printf("cache_size_uncompressed_bytes\t%llu\n", (unsigned long long)(raw ? raw : size));
    return 0;
}
