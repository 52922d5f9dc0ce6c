/* SPDX-License-Identifier: Apache-2.0 */
/* textman.c — see textman.h.  Kept apart so that the two flows with text
 * manifests (links, traced tools) share one copy of the bounding rule. */
#include "wrapper/direct/textman.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/util/log.h"

int textman_entry_action(const char *line, digest *action)
{
    long long size;
    if (line[0] != 'E' || line[1] != ' ' ||
        sscanf(line + 2, "%64s %lld", action->hash, &size) != 2 ||
        strlen(action->hash) != DIGEST_HEX_LEN)
        return 0;
    action->size_bytes = size;
    return 1;
}

void textman_update(store *st, const digest *mkey, const tbuf *entry, const digest *action,
                    int max_entries, const char *what)
{
    char *old = NULL;
    size_t len = 0;
    tbuf m = {0};
    if (tbuf_add(&m, entry->p, entry->len) != 0)
        return;
    if (store_get(st, STORE_MANIFEST, mkey, &old, &len) == 0) {
        /* Copy the old entries line by line, skipping the one for this
         * action (the new entry replaces it) and any past the bound. */
        int kept = 1, skip = 0;
        for (char *p = old; p < old + len;) {
            char *nl = memchr(p, '\n', (size_t)(old + len - p));
            size_t n = nl ? (size_t)(nl - p + 1) : (size_t)(old + len - p);
            if (p[0] == 'E') {
                skip = kept >= max_entries || !strncmp(p + 2, action->hash, DIGEST_HEX_LEN);
                kept += !skip;
            }
            if (!skip && tbuf_add(&m, p, n) != 0)
                break;
            p += n;
        }
    }
    free(old);
    if (store_put(st, STORE_MANIFEST, mkey, m.p, m.len) != 0)
        LOG_D("cannot store the %s manifest: %s", what, strerror(errno));
    free(m.p);
}
