/* SPDX-License-Identifier: Apache-2.0 */
#define FOO_GREETING "hello from ricc"
