/* SPDX-License-Identifier: Apache-2.0 */
/* fake_rpc.h — a scripted server in place of cache/remote/client/rpc.c, for the
 * targets that drive the remote module (fuzz_server.c, fuzz_agent.c).
 *
 * rpc.c is the module's only contact with gRPC's transport: every message
 * the server sends reaches client.c, caps.c, cas.c and exec.c through
 * rpc_unary() and rpc_recv(), and every status through them or
 * rpc_finish().  fake_rpc.c implements that interface (client.h) by taking
 * the answers, in order, from a script — part of the fuzz input — so all of
 * the module's handling of what a server says runs as in production,
 * without a server, a socket or a thread.  It also stands in for the few
 * gRPC calls the rest of the module makes (channel creation and the like),
 * so no gRPC library is linked.
 *
 * A script is a sequence of answers:
 *     0xFE                          the stream ends cleanly (rpc_recv: 0;
 *                                   rpc_finish: OK)
 *     CODE LEN_LO LEN_HI BYTES...   a message of LEN bytes when CODE is 0 or
 *                                   17 and over; CODE 1..16 is that gRPC
 *                                   status, failing the call (its bytes are
 *                                   the status message)
 * A call with no answer left fails UNAVAILABLE (the server went away).
 *
 * File calls of the code under test are kept inside one directory (the
 * fuzzer links with -Wl,--wrap=open,... for each call below that makes,
 * opens or removes a file by name): a path the input names — a blob to
 * upload or fetch into, the store the agent spills into — that is
 * absolute outside it, or climbs out with "..", fails EACCES.
 * (The fuzzers run as whatever user runs them, root in CI.) */
#ifndef RICC_FAKE_RPC_H
#define RICC_FAKE_RPC_H

#include <stddef.h>
#include <stdint.h>

#define FAKE_END 0xFE

void fake_rpc_script(const uint8_t *p, size_t n);
/* Confine file calls to dir and also (absolute; also may be NULL) and to
 * paths relative to the working directory, which the caller makes dir;
 * and to libFuzzer's -artifact_prefix in argv, where it writes the input
 * that crashed (relative when not given). */
void fake_rpc_sandbox(const char *dir, const char *also, int argc, char **argv);
/* Only between fake_rpc_arm(1) and fake_rpc_arm(0), around the code under
 * test: libFuzzer's own file calls (the corpus) go through the same
 * wrappers. */
void fake_rpc_arm(int on);

#endif
