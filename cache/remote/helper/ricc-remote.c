/* SPDX-License-Identifier: Apache-2.0 */
/* ricc-remote — the remote client as a program, for a statically linked
 * ricc, which cannot load libricc-remote.so (remote_loader.c says how ricc
 * starts it).  It links the module's code and gRPC directly; everything it
 * does is remote_helper_main's.  Its settings are ricc's: the same
 * environment and working directory give the same configuration. */
#include <stdio.h>
#include <stdlib.h>

#include "cache/util/config.h"
#include "cache/remote/remote.h"
#include "cache/remote/client/client.h"

int main(int argc, char **argv)
{
    config cfg;
    char *err = NULL;
    if (config_load(&cfg, &err) != 0) {
        fprintf(stderr, "ricc-remote: %s\n", err ? err : "invalid configuration");
        free(err);
        return 2;
    }
    int rc = remote_helper_main(&cfg, argc, argv, ricc_remote_module_v1());
    config_free(&cfg);
    return rc;
}
