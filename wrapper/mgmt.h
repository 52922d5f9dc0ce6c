/* SPDX-License-Identifier: Apache-2.0 */
/* mgmt.h — the management commands: stats, config, clearing, running a
 * build under the preload shim. */
#ifndef RICC_MGMT_H
#define RICC_MGMT_H

#include <stdio.h>

#include "cache/util/config.h"

void mgmt_usage(FILE *out);
void mgmt_version(void);
/* argv[0..argc) are options ("-z", "--max-size=1G", "-M", "1G", ...), carried
 * out left to right after all are checked; -d loads *cfg again.  Returns the
 * exit status (2: an unknown option or a bad argument, nothing done). */
int mgmt_command(int argc, char **argv, config *cfg);
/* `ricc run [--] COMMAND...`. Returns the command's exit status. */
int mgmt_run(int argc, char **argv, const config *cfg);

#endif
