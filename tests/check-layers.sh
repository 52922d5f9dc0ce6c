#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# check-layers.sh — the include rules of doc/ARCHITECTURE.md, checked.
#
# Every #include "..." of a source file under cache/, wrapper/ and preload/
# must name a header its folder may use.  The rules are the table below,
# one line per folder: the prefixes of the headers a
# file there may include.  "pb" stands for the headers protoc-c generates
# (build/bazel/..., google/...).  A few files break their folder's rule
# today; they are listed by name under EXCEPTIONS, so that a new file
# breaking it fails, and each is a debt doc/ARCHITECTURE.md names.
# Also checked: an X_int.h is included only from its own folder; project
# headers are included with quotes, never <...>; <grpc/...> only in
# cache/remote/client/.  tests/ and bench/ may include anything.
#
#   tests/check-layers.sh          exit 0, or 1 with one line per violation
set -u
cd "$(dirname "$0")/.." || exit 2

C_LOW="cache/util/ cache/reapi/ cache/local/"
W_MATCH="preload/match.h"   # the name rules, pure: shared by ricc and the shim
RULES="
preload/             preload/
cache/util/          cache/util/ gen/
cache/reapi/         cache/reapi/ cache/util/ pb
cache/local/         cache/local/ cache/reapi/ cache/util/
cache/remote/client/ cache/ pb
cache/remote/helper/ cache/remote/ cache/util/
cache/remote/        cache/remote/remote.h cache/remote/remote_marks.h cache/remote/wire.h cache/reapi/ cache/util/ cache/local/layout.h cache/local/stats.h
wrapper/util/        wrapper/util/
wrapper/trace/       wrapper/trace/ wrapper/util/ $C_LOW $W_MATCH
wrapper/compiler/    wrapper/compiler/ wrapper/trace/ wrapper/util/ $C_LOW $W_MATCH
wrapper/deps/        wrapper/deps/ wrapper/compiler/ wrapper/trace/ wrapper/util/ $C_LOW $W_MATCH
wrapper/key/         wrapper/key/ wrapper/deps/ wrapper/compiler/ wrapper/util/ $C_LOW $W_MATCH
wrapper/direct/      wrapper/direct/ wrapper/deps/ wrapper/compiler/ wrapper/key/ wrapper/trace/ wrapper/util/ $C_LOW $W_MATCH
wrapper/remote/      wrapper/remote/ wrapper/direct/ wrapper/deps/ wrapper/compiler/ wrapper/key/ wrapper/trace/ wrapper/util/ $C_LOW cache/remote/remote.h $W_MATCH
wrapper/flows/       wrapper/flows/ wrapper/remote/ wrapper/direct/ wrapper/deps/ wrapper/compiler/ wrapper/key/ wrapper/trace/ wrapper/util/ $C_LOW cache/remote/remote.h $W_MATCH
wrapper/             wrapper/ $C_LOW cache/remote/remote.h $W_MATCH
"

# file:header pairs that break their folder's rule (doc/ARCHITECTURE.md,
# "Known exceptions").
EXCEPTIONS="
cache/util/config.c:cache/local/cachedir.h
"

# The rule line for folder $1 ("wrapper/key/"): its own, not a parent's, so
# a new folder has none until it is given one here and in the doc.
rule_for() {
    printf '%s\n' "$RULES" | while read -r dir allowed; do
        [ "$dir" = "$1" ] && { printf '%s %s\n' "$dir" "$allowed"; return; }
    done
}

fail=0
violation() {
    echo "check-layers: $1"
    fail=1
}

files=$(find preload cache wrapper -name '*.[ch]' | sort)
for f in $files; do
    fdir=$(dirname "$f")/
    rule=$(rule_for "$fdir")
    [ -n "$rule" ] || { violation "$f: no rule for its folder (add one to tests/check-layers.sh)"; continue; }
    dir=${rule%% *}
    allowed=${rule#* }

    if grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*<\(cache\|wrapper\|preload\)/' "$f" >/dev/null; then
        violation "$f: a project header included with <...>, not \"...\""
    fi
    case $fdir in
    cache/remote/client/) ;;
    *) grep -q '^[[:space:]]*#[[:space:]]*include[[:space:]]*<grpc' "$f" &&
        violation "$f: includes gRPC (only cache/remote/client/ may)" ;;
    esac

    incs=$(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
    for h in $incs; do
        case $h in
        */*) ;;
        *) violation "$f: includes \"$h\" without its folder"; continue ;;
        esac
        case $h in
        *_int.h)
            [ "$(dirname "$h")/" = "$fdir" ] ||
                violation "$f: includes $h, private to $(dirname "$h")/"
            continue ;;
        esac
        ok=0
        for a in $allowed; do
            case $a in
            pb) case $h in build/*|google/*) ok=1 ;; esac ;;
            */) case $h in "$a"*) ok=1 ;; esac ;;
            *) [ "$h" = "$a" ] && ok=1 ;;
            esac
            [ $ok = 1 ] && break
        done
        if [ $ok = 0 ]; then
            case $EXCEPTIONS in
            *"
$f:$h
"*) ;;
            *) violation "$f: includes $h; $dir may include only: $allowed" ;;
            esac
        fi
    done
done

# An exception that no longer happens is dropped from the list (and the doc).
for e in $EXCEPTIONS; do
    f=${e%%:*}
    h=${e#*:}
    if ! [ -f "$f" ] || ! grep -q "^[[:space:]]*#[[:space:]]*include[[:space:]]*\"$h\"" "$f"; then
        violation "$f no longer includes $h: drop it from EXCEPTIONS and from doc/ARCHITECTURE.md"
    fi
done

exit $fail
