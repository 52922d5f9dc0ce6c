/* SPDX-License-Identifier: Apache-2.0 */
/* mgmt.h — the management commands: stats, config, clearing, running a
 * build under the preload shim. */
#ifndef RICC_MGMT_H
#define RICC_MGMT_H

#include <stdio.h>

#include "cache/util/config.h"

void mgmt_usage(FILE *out);
void mgmt_version(void);
/* argv[0] is the option ("--show-stats", ...).  Returns the exit status. */
int mgmt_command(int argc, char **argv, const config *cfg);
/* `ricc run [--] COMMAND...`. Returns the command's exit status. */
int mgmt_run(int argc, char **argv, const config *cfg);

#endif
