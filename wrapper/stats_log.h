/* SPDX-License-Identifier: Apache-2.0 */
/* stats_log.h — the per-call stats log (the stats_log setting) and
 * `ricc --show-log-stats`, which sums one up.
 *
 * With stats_log set, every wrapped call appends one line to that file when
 * its outcome is counted:
 *
 *   2026-12-06 21:03:11.123<TAB>4242<TAB>compile<TAB>miss<TAB>input_changed<TAB>src/foo.c
 *
 * time (local, milliseconds), pid, kind (compile, link, ar, exec), outcome
 * (one of the six counters), the reason for a miss or an uncacheable call
 * ("-" otherwise), and what the call was about (the source of a compile,
 * the output of a link, the archive of ar, the tool of ricc exec; "-" when
 * none was named).  So a CI job sets RICC_STATS_LOG=build.log, builds, and
 * `ricc --show-log-stats build.log` reports that build's hit rate, whatever
 * else used the cache meanwhile. */
#ifndef RICC_STATS_LOG_H
#define RICC_STATS_LOG_H

#include <stdio.h>

#include "cache/util/config.h"

/* Start writing the call's line to cfg->stats_log, if set (a hook on the
 * outcome counter: cache/local/stats.h).  Once per process, after
 * stats_open. */
void stats_log_start(const config *cfg);

/* `ricc --show-log-stats [FILE]`: the totals and the hit rate of the log
 * FILE (NULL: cfg->stats_log), printed to out.  0, 1 when the file cannot
 * be read, 2 when there is no file to read. */
int stats_log_show(const config *cfg, const char *file, FILE *out);

#endif
