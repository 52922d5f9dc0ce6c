/* SPDX-License-Identifier: Apache-2.0 */
/* pathprobe.c — see pathprobe.h. */
#include "wrapper/deps/pathprobe.h"

#include <string.h>
#include <sys/stat.h>

int pathprobe_dir(pathprobe *p, const char *path, size_t len)
{
    strtab_entry *known = strtab_find(&p->dirs, path, len);
    if (known)
        return known->val == 1;
    char dir[4096];
    if (len >= sizeof dir)
        return 1; /* not worth remembering: the caller's stat() decides */
    memcpy(dir, path, len);
    dir[len] = '\0';
    /* A directory under a missing one is missing without a look. */
    const char *slash = strrchr(dir, '/');
    struct stat st;
    int there = (!slash || slash == dir || pathprobe_dir(p, dir, (size_t)(slash - dir))) &&
                stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
    strtab_entry *e = strtab_get(&p->dirs, path, len, NULL);
    if (e)
        e->val = there ? 1 : 2;
    return there;
}

int pathprobe_exists(pathprobe *p, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash && slash != path && !pathprobe_dir(p, path, (size_t)(slash - path)))
        return 0;
    struct stat st;
    return stat(path, &st) == 0;
}

void pathprobe_free(pathprobe *p)
{
    strtab_free(&p->dirs);
}
