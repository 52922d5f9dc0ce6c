#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The README's first command ends here: compile an example twice through ricc
# with an empty cache — a miss, then a hit that restores the object and
# replays the warning — check the object against plain gcc, show the counters
# (the table people read; the check below reads --print-stats).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
ricc=${RICC:-$here/../../build/bin/ricc}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/foo.c" "$here/foo.h" "$work/"
cd "$work"
# The demo's own settings only: none of the caller's RICC_/RECC_ variables,
# the user's or the machine's settings files (a server or `disable: true`
# there would change what it shows).
for v in $(env | sed -n 's/^\(R[IE]CC_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
export RICC_DIR="$work/cache" XDG_CONFIG_HOME="$work/config"
export RICC_SYSTEM_CONFIG="$work/no-system-config.yaml"

echo "\$ ricc gcc -O2 -Wall -c foo.c -o foo.o      # miss: compiles and stores"
"$ricc" gcc -O2 -Wall -c foo.c -o foo.o
rm foo.o
echo "\$ ricc gcc -O2 -Wall -c foo.c -o foo.o      # hit: restored, warning replayed"
"$ricc" gcc -O2 -Wall -c foo.c -o foo.o
gcc -O2 -Wall -c foo.c -o plain.o 2>/dev/null
cmp foo.o plain.o && echo "foo.o is byte-identical to plain gcc's"
echo "\$ ricc -s"
"$ricc" -s
"$ricc" --print-stats >stats
# The demo is also a test (tests/e2e/test_basic.sh): the first call a miss,
# the second a direct hit, nothing else (their copies per kind and the
# miss's reason aside, and the cache's size and when its counters started).
grep -qx 'miss	1' stats && grep -qx 'direct_hit	1' stats &&
    [ "$(awk '$1 !~ /^(miss|direct_hit|kind_compile_(miss|direct_hit)|miss_reason_.*|cache_size_.*|stats_zeroed_at)$/ && $2 != 0' stats)" = "" ] || {
    echo "demo: expected 1 miss and 1 direct hit" >&2
    exit 1
}
