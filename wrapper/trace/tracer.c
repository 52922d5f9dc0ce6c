/* SPDX-License-Identifier: Apache-2.0 */
/* tracer.c — see tracer.h.
 *
 * The records go to a file, not a pipe: every process of the tool appends
 * to it with O_APPEND, one write per record, and it is read once the tool
 * is done.  It lives in RICC_DIR (not /tmp) so a sandbox that gives ricc
 * only its cache directory can still trace.  The tracer is handed over in
 * this process's own environment (LD_PRELOAD, RICC_TRACE_FILE) because
 * run_capture starts children with it, and is taken back out right after:
 * whatever runs next (a plain fallback) must not be traced. */
#include "wrapper/trace/tracer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache/local/cachedir.h"
#include "cache/util/fsutil.h"

char *tracer_find(void)
{
    return fs_library_beside_program("RICC_TRACE_LIB", "libricc-trace.so");
}

/* Point the environment at the tracer.  0 or -1. */
static int trace_env(const char *lib, const char *file)
{
    const char *old = getenv("LD_PRELOAD");
    size_t len = strlen(lib) + (old ? strlen(old) + 1 : 0) + 1;
    char *val = malloc(len);
    if (!val)
        return -1;
    snprintf(val, len, "%s%s%s", old && *old ? old : "", old && *old ? ":" : "", lib);
    int rc = setenv("LD_PRELOAD", val, 1) || setenv("RICC_TRACE_FILE", file, 1);
    free(val);
    return rc;
}

int tracer_capture(const char *lib, const char *ricc_dir, int files, enum tracer_what what,
                   const char *path, char *const argv[], run_result *r, char **records,
                   size_t *len)
{
    *records = NULL;
    *len = 0;
    char *dir = cachedir_scratch(ricc_dir);
    char *base = dir ? path_join(dir, "trace") : NULL, *tmp = NULL;
    int fd = base ? fs_open_tmp_beside(base, 0600, &tmp) : -1;
    free(base);
    free(dir);
    if (fd < 0) {
        free(tmp);
        return -1;
    }
    close(fd);
    const char *old = getenv("LD_PRELOAD");
    char *saved = old ? strdup(old) : NULL;
    int rc = -1;
    if ((!old || saved) && trace_env(lib, tmp) == 0 &&
        (what == TRACE_ALL || setenv("RICC_TRACE_READS", "1", 1) == 0))
        rc = files ? run_capture_files(path, argv, r) : run_capture(path, argv, r);
    if (saved)
        setenv("LD_PRELOAD", saved, 1);
    else if (!old)
        unsetenv("LD_PRELOAD");
    unsetenv("RICC_TRACE_FILE");
    unsetenv("RICC_TRACE_READS");
    free(saved);
    if (rc == 0 && fs_read_file(tmp, records, len) != 0) {
        *records = NULL;
        *len = 0;
    }
    unlink(tmp);
    free(tmp);
    return rc;
}
