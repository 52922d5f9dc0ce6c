/* sysheaders.h — real input for the scanners' tests: every .h file of
 * /usr/include and of its bits/ directory, with its bytes.  Real headers
 * have what no hand-written case thinks of. */
#ifndef RICC_TEST_SYSHEADERS_H
#define RICC_TEST_SYSHEADERS_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/fsutil.h"

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
            char *text;
            size_t len;
            if (fs_read_file(path, &text, &len) != 0)
                continue;
            fn(path, text, len, arg);
            free(text);
            files++;
        }
        closedir(d);
    }
    return files;
}

#endif
