/* SPDX-License-Identifier: Apache-2.0 */
/* reapi.c — serialization helpers shared by every user of the REAPI types. */
#include "cache/reapi/reapi.h"

#include <stdlib.h>
#include <string.h>

#include "cache/util/prefault.h"

static void *pb_alloc(void *unused, size_t n)
{
    (void)unused;
    return prefault_malloc(n);
}

static void pb_free(void *unused, void *p)
{
    (void)unused;
    free(p);
}

reapi_action_result *reapi_result_unpack(const void *buf, size_t len)
{
    /* protobuf-c frees with free() when given no allocator, which is what
     * this one's memory needs too. */
    static ProtobufCAllocator prefaulting = { pb_alloc, pb_free, NULL };
    return (reapi_action_result *)protobuf_c_message_unpack(
        &build__bazel__remote__execution__v2__action_result__descriptor, &prefaulting, len, buf);
}

void *reapi_pack(const ProtobufCMessage *m, size_t *len, digest *d)
{
    size_t n = protobuf_c_message_get_packed_size(m);
    /* malloc(0) may return NULL; an empty message is a valid 0-byte blob. */
    unsigned char *buf = malloc(n ? n : 1);
    if (!buf)
        return NULL;
    protobuf_c_message_pack(m, buf);
    *len = n;
    if (d)
        digest_buf(buf, n, d);
    return buf;
}

void reapi_digest_ref(reapi_digest *r, digest *d)
{
    reapi_digest init = REAPI_DIGEST_INIT;
    *r = init;
    r->hash = d->hash;
    r->size_bytes = d->size_bytes;
}

int reapi_digest_get(const reapi_digest *r, digest *out)
{
    if (!r || !r->hash || strlen(r->hash) != DIGEST_HEX_LEN || r->size_bytes < 0)
        return -1;
    for (int i = 0; i < DIGEST_HEX_LEN; i++) {
        char c = r->hash[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return -1;
    }
    memcpy(out->hash, r->hash, DIGEST_HEX_LEN + 1);
    out->size_bytes = r->size_bytes;
    return 0;
}

void reapi_action_timeout(reapi_action *a, Google__Protobuf__Duration *storage, int seconds)
{
    Google__Protobuf__Duration init = GOOGLE__PROTOBUF__DURATION__INIT;
    *storage = init;
    storage->seconds = seconds;
    a->timeout = seconds > 0 ? storage : NULL;
}
