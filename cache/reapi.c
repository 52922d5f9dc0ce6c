/* reapi.c — serialization helpers shared by every user of the REAPI types. */
#include "cache/reapi.h"

#include <stdlib.h>
#include <string.h>

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
