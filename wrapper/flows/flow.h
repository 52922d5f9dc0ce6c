/* SPDX-License-Identifier: Apache-2.0 */
/* flow.h — one wrapped compiler call: lookup, execute, store.
 *
 *   parse the command ─ not cacheable ──────────────► exec the compiler untouched
 *        │
 *   toolchain (digest variable or compiler identity), dependency scan (-M),
 *   the Action (action.h)
 *        │
 *   local action cache ─ hit ─► write outputs, replay stdout/stderr, exit code
 *        │ miss
 *   run the compiler (stdout/stderr captured, then passed on), and if it
 *   succeeded store the outputs and the ActionResult.
 *
 * Identical actions racing (make -j with the same object twice) are
 * serialized on a per-action lock, so the second finds the first's result
 * instead of compiling over the file the first is storing.
 *
 * The steps are the compile's ops for the one cached-call pipeline
 * (pipeline.h), which opens the store, the stat index and the remote:
 * key (parse, toolchain, Action, manifest key), lookup (direct mode),
 * run (depend mode, or the dependency scan, its lookup, then the remote
 * or the compile).
 *
 * Failure policy (design.md): anything that goes wrong inside ricc falls back
 * to running the compiler as if ricc were not there, counted as a fallback;
 * the exit status is always the compiler's. */
#ifndef RICC_FLOW_H
#define RICC_FLOW_H

#include "cache/util/config.h"

/* argv[0] is the compiler as the user named it ("gcc", "/usr/bin/cc").
 * Returns the exit status for the process (or does not return: exec). */
int flow_compile(int argc, char **argv, const config *cfg);

#endif
