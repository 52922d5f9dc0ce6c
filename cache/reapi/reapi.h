/* SPDX-License-Identifier: Apache-2.0 */
/* reapi.h — short names for the generated REAPI v2 message types, and the
 * one operation every user of them needs: serialize a message to bytes and
 * name those bytes by digest (a REAPI digest of a message is the SHA-256 of
 * its serialization). */
#ifndef RICC_REAPI_H
#define RICC_REAPI_H

#include "build/bazel/remote/execution/v2/remote_execution.pb-c.h"
#include "cache/reapi/digest.h"

typedef Build__Bazel__Remote__Execution__V2__Action reapi_action;
typedef Build__Bazel__Remote__Execution__V2__Command reapi_command;
typedef Build__Bazel__Remote__Execution__V2__Command__EnvironmentVariable reapi_env_var;
typedef Build__Bazel__Remote__Execution__V2__Platform reapi_platform;
typedef Build__Bazel__Remote__Execution__V2__Platform__Property reapi_property;
typedef Build__Bazel__Remote__Execution__V2__Digest reapi_digest;
typedef Build__Bazel__Remote__Execution__V2__ActionResult reapi_action_result;
typedef Build__Bazel__Remote__Execution__V2__OutputFile reapi_output_file;

#define REAPI_ACTION_INIT BUILD__BAZEL__REMOTE__EXECUTION__V2__ACTION__INIT
#define REAPI_COMMAND_INIT BUILD__BAZEL__REMOTE__EXECUTION__V2__COMMAND__INIT
#define REAPI_ENV_VAR_INIT BUILD__BAZEL__REMOTE__EXECUTION__V2__COMMAND__ENVIRONMENT_VARIABLE__INIT
#define REAPI_PLATFORM_INIT BUILD__BAZEL__REMOTE__EXECUTION__V2__PLATFORM__INIT
#define REAPI_PROPERTY_INIT BUILD__BAZEL__REMOTE__EXECUTION__V2__PLATFORM__PROPERTY__INIT
#define REAPI_DIGEST_INIT BUILD__BAZEL__REMOTE__EXECUTION__V2__DIGEST__INIT
#define REAPI_ACTION_RESULT_INIT BUILD__BAZEL__REMOTE__EXECUTION__V2__ACTION_RESULT__INIT
#define REAPI_OUTPUT_FILE_INIT BUILD__BAZEL__REMOTE__EXECUTION__V2__OUTPUT_FILE__INIT

/* Serialize m into a malloc'd buffer; *d (if not NULL) gets its digest.
 * Returns NULL only on allocation failure. */
void *reapi_pack(const ProtobufCMessage *m, size_t *len, digest *d);

/* Unpack a serialized ActionResult (NULL if it does not parse).  The
 * contents inlined in it are copied into prefaulted memory (prefault.h):
 * a remote hit's object file arrives this way.  Free it with
 * protobuf_c_message_free_unpacked(&ar->base, NULL). */
reapi_action_result *reapi_result_unpack(const void *buf, size_t len);

/* Set an Action's timeout to `seconds` (none when 0), kept in *storage
 * (which must outlive a).  It is part of the Action, and so of its digest:
 * every client sharing a cache must send the same (config: exec_timeout). */
void reapi_action_timeout(reapi_action *a, Google__Protobuf__Duration *storage, int seconds);

/* Point a reapi_digest at a digest (no copy: d must outlive r). */
void reapi_digest_ref(reapi_digest *r, digest *d);

/* Copy a received reapi_digest into a digest, validating it (64 lowercase
 * hex digits, size >= 0).  0 or -1. */
int reapi_digest_get(const reapi_digest *r, digest *out);

#endif
