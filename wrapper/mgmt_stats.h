/* SPDX-License-Identifier: Apache-2.0 */
/* mgmt_stats.h — the counters and the cache size, for people and scripts. */
#ifndef RICC_MGMT_STATS_H
#define RICC_MGMT_STATS_H

#include "cache/util/config.h"

/* `ricc -s`: a table for people; verbose adds the counts by reason. */
int mgmt_show_stats(const config *cfg, int verbose);
/* `ricc --print-stats`: name<TAB>value lines (format NULL or "tsv"), or
 * one JSON object ("json").  0, or 2 for an unknown format. */
int mgmt_print_stats(const config *cfg, const char *format);

#endif
