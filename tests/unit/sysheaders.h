/* SPDX-License-Identifier: Apache-2.0 */
/* sysheaders.h — real input for the scanners' tests: every .h file of
 * /usr/include and of its bits/ directory, with its bytes; or every file
 * under a directory, however deep.  Real headers have what no hand-written
 * case thinks of. */
#ifndef RICC_TEST_SYSHEADERS_H
#define RICC_TEST_SYSHEADERS_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cache/util/fsutil.h"

/* fn(path, text, len, arg) with the file's bytes: 1, or 0 when it cannot
 * be read. */
static inline int visit_file(const char *path, void (*fn)(const char *, const char *, size_t, void *),
                             void *arg)
{
    char *text;
    size_t len;
    if (fs_read_file(path, &text, &len) != 0)
        return 0;
    fn(path, text, len, arg);
    free(text);
    return 1;
}

/* Call fn(path, text, len, arg) for each header; the number visited. */
static inline int each_system_header(void (*fn)(const char *, const char *, size_t, void *),
                                     void *arg)
{
    static const char *dirs[] = {"/usr/include", "/usr/include/x86_64-linux-gnu/bits"};
    int files = 0;
    for (size_t k = 0; k < sizeof dirs / sizeof *dirs; k++) {
        DIR *d = opendir(dirs[k]);
        if (!d)
            continue;
        struct dirent *e;
        while ((e = readdir(d))) {
            size_t nl = strlen(e->d_name);
            if (nl < 3 || strcmp(e->d_name + nl - 2, ".h") != 0)
                continue;
            char path[512];
            snprintf(path, sizeof path, "%s/%s", dirs[k], e->d_name);
            files += visit_file(path, fn, arg);
        }
        closedir(d);
    }
    return files;
}

/* Call fn(path, text, len, arg) for each regular file under dir, at any
 * depth (symbolic links are not followed); the number visited. */
static inline int each_file_under(const char *dir,
                                  void (*fn)(const char *, const char *, size_t, void *), void *arg)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int files = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char path[4096];
        struct stat st;
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path ||
            lstat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            files += each_file_under(path, fn, arg);
        } else if (S_ISREG(st.st_mode)) {
            files += visit_file(path, fn, arg);
        }
    }
    closedir(d);
    return files;
}

#endif
