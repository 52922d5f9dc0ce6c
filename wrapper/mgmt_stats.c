/* SPDX-License-Identifier: Apache-2.0 */
/* mgmt_stats.c — what `ricc -s` and `ricc --print-stats` show: the counters
 * (stats.h) and the size of the cache, measured now. */
#include "wrapper/mgmt_stats.h"

#include <stdio.h>

#include "cache/local/layout.h"
#include "cache/local/stats.h"
#include "cache/local/store.h"

static void human_size(uint64_t n, char *buf, size_t cap)
{
    const char *unit[] = {"B", "kB", "MB", "GB", "TB"};
    double v = (double)n;
    int u = 0;
    while (v >= 1000 && u < 4)
        v /= 1000, u++;
    snprintf(buf, cap, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

/* What the cache holds: the store's areas and the rest of RICC_DIR that
 * counts toward max_size (the fixed tables, identity/, incdirs/), measured
 * now. */
static uint64_t cache_size(const config *cfg)
{
    store *s = store_open(cfg->dir, cfg->max_size);
    uint64_t n = s ? store_size(s) : 0;
    store_close(s);
    return n + layout_measure(cfg->dir);
}

int mgmt_show_stats(const config *cfg, int verbose)
{
    (void)verbose;
    int64_t hits = stats_get(ST_DIRECT_HIT) + stats_get(ST_PREPROCESSED_HIT) +
                   stats_get(ST_REMOTE_HIT);
    int64_t cacheable = hits + stats_get(ST_MISS);
    printf("cache directory      %s\n", cfg->dir);
    printf("cacheable calls      %lld\n", (long long)cacheable);
    if (cacheable)
        printf("  hits               %lld (%.1f%%)\n", (long long)hits, 100.0 * (double)hits / (double)cacheable);
    else
        printf("  hits               0\n");
    for (int i = 0; i < ST_PUBLIC_COUNT; i++)
        printf("  %-19s%lld\n", stats_name(i), (long long)stats_get(i));
    char sz[32], mx[32];
    human_size(cache_size(cfg), sz, sizeof sz);
    human_size(cfg->max_size, mx, sizeof mx);
    printf("cache size           %s of %s\n", sz, cfg->max_size ? mx : "unlimited");
    return 0;
}

int mgmt_print_stats(const config *cfg, const char *format)
{
    (void)format;
    for (int i = 0; i < ST_PUBLIC_COUNT; i++)
        printf("%s\t%lld\n", stats_name(i), (long long)stats_get(i));
    printf("cache_size_bytes\t%llu\n", (unsigned long long)cache_size(cfg));
    return 0;
}
