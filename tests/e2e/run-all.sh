#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/run-all.sh — run every tests/e2e/test_*.sh against a built ricc.
#
#   RICC=/abs/path/to/ricc tests/e2e/run-all.sh [NAME...]
#
# NAME (e.g. "basic" or "test_basic") runs only the tests whose file name
# contains it.  Each test file runs in its own fresh temporary directory
# (E2E_TMP, also its working directory) with a fresh RICC_DIR inside it, under
# a time limit.  A test file reports one line per case: "ok NAME",
# "FAIL NAME" or "skip NAME: why" (a colon after the word is accepted too);
# other lines are diagnostics, shown indented.  A file that exits non-zero
# without reporting a failure counts as one failure.  The last line is
# exactly "N passed, N failed" (", N skipped" added when some were), and the
# exit status is non-zero if anything failed.  Files run E2E_JOBS at a time
# (default: the CPU count); their reports appear in file order.
# E2E_EXCLUDE="NAME..." leaves those files out (make check-e2e leaves out
# remote, which make check-remote runs).  E2E_KEEP=1 keeps the
# temporary directories; E2E_DEBUG=1 shows ricc's debug log of a failed case.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export RICC=${RICC:-$root/build/bin/ricc}
case $RICC in /*) ;; *) RICC="$(pwd)/$RICC" ;; esac
# The tests run their own make; an outer make's jobserver is not theirs.
unset MAKEFLAGS MFLAGS MAKELEVEL
limit=${E2E_TIME_LIMIT:-280}

passed=0 failed=0 skipped=0
if [ ! -x "$RICC" ]; then
    echo "FAIL setup: $RICC is not an executable (build it with make, or set RICC)"
    echo "0 passed, 1 failed"
    exit 1
fi

start_all=$(date +%s)
# Test files run in parallel (E2E_JOBS, default: the number of CPUs), each
# into its own output file; the results are then read in file order, so the
# report is the same whatever the timing.
jobs=${E2E_JOBS:-$(nproc 2>/dev/null || echo 2)}
names=() dirs=()
running=0
for t in "$here"/test_*.sh; do
    [ -e "$t" ] || continue
    short=$(basename "$t" .sh)
    short=${short#test_}
    case " ${E2E_EXCLUDE:-} " in *" $short "*) continue ;; esac
    if [ $# -gt 0 ]; then
        want=0
        for pat in "$@"; do
            case "test_$short" in *"${pat#test_}"*) want=1 ;; esac
        done
        [ $want = 1 ] || continue
    fi
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/ricc-e2e-$short-XXXXXX")
    names+=("$short")
    dirs+=("$tmp")
    if [ "$running" -ge "$jobs" ]; then
        wait -n
        running=$((running - 1))
    fi
    (
        t0=$(date +%s)
        (cd "$tmp" &&
            E2E_TMP="$tmp" RICC_DIR="$tmp/ricc-dir" timeout -k 10 "$limit" bash "$t" </dev/null 2>&1)
        echo "__rc $?"
        echo "__secs $(($(date +%s) - t0))"
    ) >"$tmp.out" 2>&1 &
    running=$((running + 1))
done
wait

for i in "${!names[@]}"; do
    short=${names[$i]} tmp=${dirs[$i]}
    reported_fail=0 reported=0 rc='' secs='?'
    while IFS= read -r line; do
        case $line in
            "__rc "*)
                rc=${line#__rc } ;;
            "__secs "*)
                secs=${line#__secs } ;;
            ok\ * | ok:*)
                rest=${line#ok}; rest=${rest#:}; rest=${rest# }
                case $rest in "$short"/*) ;; *) rest="$short: $rest" ;; esac
                echo "ok $rest"; passed=$((passed + 1)); reported=1 ;;
            FAIL\ * | FAIL:*)
                rest=${line#FAIL}; rest=${rest#:}; rest=${rest# }
                case $rest in "$short"/*) ;; *) rest="$short: $rest" ;; esac
                echo "FAIL $rest"; failed=$((failed + 1)); reported=1; reported_fail=1 ;;
            skip\ * | skip:*)
                rest=${line#skip}; rest=${rest#:}; rest=${rest# }
                case $rest in "$short"/*) ;; *) rest="$short: $rest" ;; esac
                echo "skip $rest"; skipped=$((skipped + 1)); reported=1 ;;
            *)
                echo "    $line" ;;
        esac
    done <"$tmp.out"
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
        echo "FAIL $short: timed out after ${limit}s"
        failed=$((failed + 1))
    elif [ "$rc" != 0 ] && [ $reported_fail = 0 ]; then
        echo "FAIL $short: exited with status ${rc:-?}"
        failed=$((failed + 1))
    elif [ $reported = 0 ]; then
        echo "FAIL $short: reported no results"
        failed=$((failed + 1))
    fi
    echo "    ($short: ${secs}s)"
    rm -f "$tmp.out"
    if [ -n "${E2E_KEEP:-}" ]; then
        echo "    (kept $tmp)"
    else
        chmod -R u+w "$tmp" 2>/dev/null
        rm -rf "$tmp"
    fi
done
echo "    (all: $(($(date +%s) - start_all))s)"

summary="$passed passed, $failed failed"
[ $skipped -gt 0 ] && summary="$summary, $skipped skipped"
echo "$summary"
[ $failed -eq 0 ]
