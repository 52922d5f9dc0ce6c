/* SPDX-License-Identifier: Apache-2.0 */
/* version.h — ricc's version: printed by --version, sent to REAPI servers
 * as ToolDetails, and part of the remote agent's identity (an agent of
 * another version is never used). */
#ifndef RICC_VERSION_H
#define RICC_VERSION_H

#define RICC_VERSION "0.1.0"

#endif
