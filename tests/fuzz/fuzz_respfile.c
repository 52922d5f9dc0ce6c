/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_respfile.c — libFuzzer target for response files: the bytes are
 * the contents of `@a.rsp` on a compile's command line (written by a build
 * system, or by anyone who can write the build tree), expanded by
 * respfile_expand() (wrapper/compiler/respfile.c: quotes, backslashes, nested
 * @files, the nesting limit).  Up to the first NUL byte the input is
 * a.rsp; after it, b.rsp, which a.rsp may name (so nesting, a file naming
 * itself and a pair naming each other are all reachable). */
#include "tests/fuzz/fuzz.h"

#include "wrapper/compiler/compiler.h"

static const char *dir;
static char a_path[4096], b_path[4096];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    dir = fuzz_dir("respfile");
    fuzz_path(a_path, dir, "a.rsp");
    fuzz_path(b_path, dir, "b.rsp");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, '\0', size);
    size_t a = nul ? (size_t)(nul - data) : size;
    fuzz_write(a_path, data, a);
    if (nul)
        fuzz_write(b_path, nul + 1, size - a - 1);
    else
        unlink(b_path);
    char *argv[] = {"gcc", "-c", "@a.rsp", "x.c", NULL};
    int out_argc = 0;
    char **out_argv = NULL;
    if (respfile_expand(4, argv, dir, &out_argc, &out_argv) == 0) {
        for (int i = 0; i < out_argc; i++)
            if (!out_argv[i])
                abort(); /* the count and the vector disagree */
        if (out_argv[out_argc])
            abort();
        for (int i = 0; i < out_argc; i++)
            free(out_argv[i]);
        free(out_argv);
    }
    return 0;
}
