/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_result.c — libFuzzer target for stored results: the bytes are an
 * action cache entry (a serialized ActionResult under $RICC_DIR/ac/, which
 * a damaged disk, another ricc version or anyone who can write the cache
 * may have made, or one a remote sent and ricc stored).  The first byte
 * picks how the call that finds it names its outputs; the rest is the
 * entry, given to
 *   result_serve()        (wrapper/key/result.c) with a store whose CAS holds
 *                         fuzz.h's blobs: outputs written under the
 *                         scratch directory, relocated ones (a .d or .su
 *                         with base markers, relocate.h) put back, the
 *                         streams replayed (to stdout and stderr, which
 *                         libFuzzer's -close_fd_mask=3 swallows);
 *   result_is_silent()    (flow_direct.c's question);
 *   reapi_result_unpack() (cache/reapi/reapi.c, how the remote flow reads it). */
#include "tests/fuzz/fuzz.h"

#include "cache/reapi/reapi.h"
#include "cache/local/store.h"
#include "wrapper/compiler/compiler.h"
#include "wrapper/key/result.h"

static store *st;
static digest action;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_add_flag(argc, argv, "-close_fd_mask=3");
    const char *dir = fuzz_dir("result");
    char path[4096];
    if (chdir(dir) != 0 || !(st = store_open(fuzz_path(path, dir, "store"), 0)))
        abort();
    static const char *const blobs[] = {FUZZ_BLOB_A, FUZZ_BLOB_B, FUZZ_BLOB_REL};
    for (int i = 0; i < 3; i++) {
        digest d;
        if (cas_put(st, blobs[i], strlen(blobs[i]), &d) != 0)
            abort();
    }
    digest_str("fuzz action", &action);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char *p = fuzz_copy(data + 1, size - 1);
    size_t n = size - 1;
    /* mode: outputs none, out.o, or out.o and out.d; relocated or not */
    int mode = data[0] % 6;
    char *key_paths[] = {"out.o", "out.d"};
    const char *paths[] = {"out.o", "out.d"};
    char *targets[] = {"out.o", NULL};
    int kinds[] = {OUT_OBJECT, data[0] & 0x80 ? OUT_SU : OUT_DEPFILE};
    result_reloc rl = {"/w/a", targets, kinds};
    result_outputs o = {mode % 3, key_paths, paths, mode >= 3 ? &rl : NULL};
    result_serve(st, &action, &o, p, n);
    result_is_silent(p, n);
    reapi_action_result *ar = reapi_result_unpack(p, n);
    if (ar)
        protobuf_c_message_free_unpacked(&ar->base, NULL);
    free(p);
    return 0;
}
