/* SPDX-License-Identifier: Apache-2.0 */
/* log.h — leveled logging for one ricc process.
 *
 * To stderr by default; with log_directory set, each process writes its own
 * file there named "<program>.<hostname>.<user>.log.<LEVEL>.<date>-<time>.<pid>"
 * (the glog-style name recc writes, which existing tooling greps).  With
 * log_file set, every process appends its lines to that one file too, each
 * "YYYY-MM-DD HH:MM:SS.mmm ricc[PID] LEVEL: text" (both may be set: the
 * lines go to both).  Logging below the configured level costs a
 * comparison; nothing is opened until the first line is written. */
#ifndef RICC_LOG_H
#define RICC_LOG_H

#include "cache/util/config.h"

/* program: the name ricc was invoked as (basename of argv[0]).
 * log_directory, log_file: NULL or "" for none. */
void log_init(enum log_level level, const char *log_directory, const char *log_file,
              const char *program);
void log_close(void);
int log_enabled(enum log_level level);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* recc's progress lines ("Action Cache hit for ...", "... executing
 * locally", "Executing action remotely", "Remote execution finished with
 * exit code N"): recc writes them to its log files whatever the log level,
 * and tools count them there (BuildStream's tests do).  So with a log
 * directory or a log file they are always written there; on stderr they
 * are info lines. */
int log_to_files(void);
void log_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define LOG_E(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define LOG_W(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define LOG_I(...) do { if (log_enabled(LOG_INFO)) log_msg(LOG_INFO, __VA_ARGS__); } while (0)
#define LOG_P(...) \
    do { if (log_enabled(LOG_INFO) || log_to_files()) log_progress(__VA_ARGS__); } while (0)
#define LOG_D(...) do { if (log_enabled(LOG_DEBUG)) log_msg(LOG_DEBUG, __VA_ARGS__); } while (0)

#endif
