#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/test_stats.sh — the counters per kind of call, when they were
# zeroed, --print-stats (tsv and json), the per-call stats log and
# --show-log-stats, the one log_file of a make -j4, and the remote's
# counters against the test server (hits, misses, bytes both ways — a blob
# the server has is not counted as sent —, an error and a timeout made by
# its fault flags).
#
#   kinds       gcc compiles (miss, hit, uncacheable), a link (RICC_LINK=1),
#               ar and `ricc exec` of a script, each a miss then a hit:
#               each kind's six counters, their sums equal to the totals,
#               -s's table, the json object, one stats-log line per call
#   zeroed      a fresh cache says when it was made, -z when it zeroed
#   build-log   a CI build's own hit rate from its stats log, whatever the
#               cache's counters say; a missing log is an error
#   log-file    make -j4 with RICC_LOG_FILE: every line of every process
#               whole and in the documented format, the stats log too
#   size        the stored entries compressed and uncompressed, in -s and
#               --print-stats, only when they differ
#   remote      the remote's counters (needs /usr/bin/python3 with grpc)
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$E2E_DIR/../.." && pwd)

# stat NAME: the counter NAME from --print-stats (0 when absent).
stat() { "$RICC" --print-stats | awk -F'\t' -v k="$1" '$1 == k {v = $2} END {print v + 0}'; }
# want NAME VALUE: the counter must be VALUE.
want() {
    local v
    v=$(stat "$1")
    [ "$v" = "$2" ] || die "$1 is $v, expected $2"
}

sources() {
    printf 'int f(void) { return 1; }\n' >a.c
    printf 'int f(void);\nint main(void) { return f() - 1; }\n' >m.c
}

kinds() {
    have gcc && have ar || skip "needs gcc and ar"
    sources
    export RICC_STATS_LOG="$CASE/calls.log" RICC_LINK=1
    R gcc -c a.c;            expect miss
    R gcc -c a.c;            expect hit
    R gcc -c m.c;            expect miss
    R gcc -E a.c;            expect uncacheable
    R gcc -o prog a.o m.o;   expect miss
    R gcc -o prog a.o m.o;   expect hit
    R ar rcsD libx.a a.o;    expect miss
    R ar rcsD libx.a a.o;    expect hit
    printf '#!/bin/sh\ntr a-z A-Z <"$1" >gen.out\n' >gen.sh
    chmod +x gen.sh
    R exec ./gen.sh a.c;     expect miss
    R exec ./gen.sh a.c;     expect hit
    [ "$(cat gen.out)" = "INT F(VOID) { RETURN 1; }" ] || die "exec's output is wrong"

    want kind_compile_miss 2
    want kind_compile_direct_hit 1
    want kind_compile_uncacheable 1
    want kind_link_miss 1
    want kind_link_direct_hit 1
    want kind_ar_miss 1
    want kind_ar_direct_hit 1
    want kind_exec_miss 1
    want kind_exec_direct_hit 1
    want kind_exec_uncacheable 0
    # Each of the six totals is the sum of its per-kind copies.
    local c k sum
    for c in $SIX; do
        sum=0
        for k in compile link ar exec; do sum=$((sum + $(stat "kind_${k}_$c"))); done
        [ "$sum" = "$(stat "$c")" ] || die "$c is $(stat "$c"), its kinds add up to $sum"
    done

    # -s: the kind table, one row per kind with its hit rate.
    "$RICC" -s >"$CASE/s.out"
    grep -Eq '^  link +1 +0 +0 +1 +0 +0 +50\.0%$' "$CASE/s.out" || { cat "$CASE/s.out"; die "-s: no link row"; }
    grep -Eq '^  compile +1 +0 +0 +2 +1 +0 +33\.3%$' "$CASE/s.out" || die "-s: no compile row"
    grep -q '^cache directory ' "$CASE/s.out" && grep -q '^  hits  ' "$CASE/s.out" ||
        die "-s lost its old lines"

    # json: valid, and the same numbers.
    "$RICC" --print-stats --format json >"$CASE/s.json" || die "--format json failed"
    /usr/bin/python3 - "$CASE/s.json" <<'EOF' || die "json: $(cat "$CASE/s.json")"
import json, sys
d = json.load(open(sys.argv[1]))
k = d["kinds"]
assert k["compile"]["miss"] == 2 and k["compile"]["uncacheable"] == 1, k
assert k["link"]["direct_hit"] == 1 and k["ar"]["miss"] == 1 and k["exec"]["direct_hit"] == 1, k
assert d["counters"]["miss"] == 5 and d["counters"]["direct_hit"] == 4, d["counters"]
assert d["remote"]["hit"] == 0 and d["cache"]["size_bytes"] > 0, d
assert isinstance(d["stats_zeroed_at"], int) and d["stats_zeroed_at"] > 0
assert d["reasons"]["miss"]["new"] == 2, d["reasons"]
assert d["reasons"]["uncacheable"]["preprocess_only"] == 1, d["reasons"]
EOF
    RC=0
    "$RICC" --print-stats --format xml >/dev/null 2>&1 || RC=$?
    [ "$RC" = 2 ] || die "an unknown format exited $RC, not 2"

    # The stats log: one line per call, in order, with kind, outcome and
    # what it was about.
    cut -f3,4,6 "$CASE/calls.log" >"$CASE/calls.cut"
    printf '%s\n' "compile	miss	a.c" "compile	direct_hit	a.c" "compile	miss	m.c" \
        "compile	uncacheable	-" "link	miss	prog" "link	direct_hit	prog" \
        "ar	miss	libx.a" "ar	direct_hit	libx.a" "exec	miss	./gen.sh" \
        "exec	direct_hit	./gen.sh" >"$CASE/calls.want"
    diff "$CASE/calls.want" "$CASE/calls.cut" >&2 || die "the stats log is not the calls made"
    grep -Evq '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}	[0-9]+	' \
        "$CASE/calls.log" && die "a stats log line without time and pid"
    # The reasons of the compile's misses and of the uncacheable call.
    [ "$(cut -f4,5 "$CASE/calls.log" | sed -n '1p;3p;4p' | tr '\t\n' ' ')" = \
      "miss new miss new uncacheable preprocess_only " ] ||
        die "reasons in the stats log: $(cut -f4,5 "$CASE/calls.log" | tr '\t\n' ' ')"
    "$RICC" -s -v >"$CASE/sv.out"
    grep -Eq '^  new +2$' "$CASE/sv.out" && grep -Eq '^  preprocess_only +1$' "$CASE/sv.out" ||
        { cat "$CASE/sv.out"; die "-s -v: not 2 new misses and 1 preprocess_only"; }
    want miss_reason_new 2
    want uncacheable_reason_preprocess_only 1
    "$RICC" --show-log-stats >"$CASE/ls.out"
    grep -Eq '^  hits +4 \(44\.4%\)$' "$CASE/ls.out" || { cat "$CASE/ls.out"; die "--show-log-stats: not 4 hits of 9"; }
    grep -Eq '^calls +10$' "$CASE/ls.out" || die "--show-log-stats: not 10 calls"
    grep -Eq '^  exec +2 +1 +1  50\.0%$' "$CASE/ls.out" || die "--show-log-stats: no exec row"
    grep -A1 '^misses by reason$' "$CASE/ls.out" | grep -Eq '^  new +2$' ||
        die "--show-log-stats: no misses by reason"
}

zeroed() {
    local t0 made now
    t0=$(date +%s)
    "$RICC" -s >"$CASE/s0.out" # makes the file
    made=$(stat stats_zeroed_at)
    [ "$made" -ge "$t0" ] && [ "$made" -le "$(date +%s)" ] || die "a fresh file says zeroed at $made"
    grep -q "^stats zeroed         $(date -d "@$made" '+%Y-%m-%d %H:%M:%S')\$" "$CASE/s0.out" ||
        die "-s does not say when: $(grep zeroed "$CASE/s0.out")"
    sources
    R gcc -c a.c; expect miss
    sleep 1.1 # a second later, so that -z's time is another one
    now=$(date +%s)
    "$RICC" -z >/dev/null
    [ "$(stat stats_zeroed_at)" -ge "$now" ] && [ "$(stat stats_zeroed_at)" -gt "$made" ] ||
        die "-z did not set the time ($(stat stats_zeroed_at), before it $now)"
    want miss 0
    want kind_compile_miss 0
}

build_log() {
    sources
    printf 'int g(void) { return 2; }\n' >b.c
    build() { for f in a b m; do "$RICC" gcc -c $f.c || die "compile $f"; done; }
    build                       # an earlier build: misses, not logged
    export RICC_STATS_LOG="$CASE/ci.log"
    build                       # the CI build: all hits
    "$RICC" --show-log-stats >"$CASE/ls.out"
    grep -Eq '^  hits +3 \(100\.0%\)$' "$CASE/ls.out" || { cat "$CASE/ls.out"; die "not 3 hits of 3"; }
    "$RICC" -s | grep -Eq '^  hits +3 \(50\.0%\)$' || die "-s does not show the cache's 50%"
    RC=0
    RICC_STATS_LOG="$CASE/none.log" "$RICC" --show-log-stats >/dev/null 2>&1 || RC=$?
    [ "$RC" = 1 ] || die "a missing stats log exited $RC"
    RC=0
    (unset RICC_STATS_LOG; "$RICC" --show-log-stats >/dev/null 2>&1) || RC=$?
    [ "$RC" = 2 ] || die "no stats log set exited $RC"
    # A line cut short (a killed build) is counted apart, not misread.
    printf '2026-01-01 00:00:00.000\t1\tcompile\tdirect' >>"$CASE/ci.log"
    "$RICC" --show-log-stats | grep -Eq '^unreadable lines +1$' || die "a cut line not reported"
}

log_file() {
    have make || skip "needs make"
    local i n
    for i in $(seq 1 12); do printf 'int f%d(void) { return %d; }\n' "$i" "$i" >"s$i.c"; done
    printf 'all: %s\n%%.o: %%.c\n\t$(CC) -c $< -o $@\n' "$(echo s{1..12}.o)" >Makefile
    export RICC_LOG_FILE="$CASE/all.log" RICC_LOG_LEVEL=debug RICC_STATS_LOG="$CASE/calls.log"
    make -s -j4 CC="$RICC gcc" >/dev/null 2>&1 || die "make failed"
    rm -f ./*.o
    make -s -j4 CC="$RICC gcc" >/dev/null 2>&1 || die "make failed (again)"
    [ -s "$CASE/all.log" ] || die "no log file"
    n=$(grep -Evc '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} ricc\[[0-9]+\] (error|warning|info|debug|trace): ' "$CASE/all.log" || true)
    [ "$n" = 0 ] || { grep -Ev '^[0-9-]+ [0-9:.]+ ricc\[[0-9]+\] [a-z]+: ' "$CASE/all.log" | head -5 >&2; die "$n malformed lines"; }
    n=$(sed 's/.* ricc\[\([0-9]*\)\].*/\1/' "$CASE/all.log" | sort -u | wc -l)
    [ "$n" -ge 24 ] || die "lines from $n processes, expected 24 (or more)"
    grep -c 'Action Cache hit' "$CASE/all.log" | grep -qx 12 || die "not 12 hits logged"
    [ "$(wc -l <"$CASE/calls.log")" = 24 ] || die "$(wc -l <"$CASE/calls.log") stats log lines, expected 24"
    [ "$(awk -F'\t' 'NF == 6' "$CASE/calls.log" | wc -l)" = 24 ] || die "malformed stats log lines"
    "$RICC" --show-log-stats | grep -Eq '^  hits +12 \(50\.0%\)$' || die "--show-log-stats: not 12 of 24"
}

size() {
    local i
    # Objects that compress well: an initialized array of one repeated value.
    for i in 1 2 3; do
        printf 'int a%d[20000] = {[0 ... 19999] = %d};\n' "$i" "$i" >"z$i.c"
    done
    export RICC_COMPRESSION=0
    R gcc -c z1.c; expect miss
    "$RICC" -s | grep -q '^  stored entries ' && die "-s shows compression with none"
    export RICC_COMPRESSION=1 RICC_DIR="$CASE/cache-z"
    R gcc -c z2.c; expect miss
    R gcc -c z3.c; expect miss
    "$RICC" -s >"$CASE/s.out"
    grep -Eq '^  stored entries     compressed [0-9.]+ [kM]?B, uncompressed [0-9.]+ kB \([0-9.]+x\)$' \
        "$CASE/s.out" || { cat "$CASE/s.out" >&2; die "-s: no compressed/uncompressed line"; }
    [ "$(stat cache_size_uncompressed_bytes)" -gt "$(( $(stat cache_size_bytes) + 100000 ))" ] ||
        die "uncompressed $(stat cache_size_uncompressed_bytes), stored $(stat cache_size_bytes)"
}

# ---- the remote, against tests/remote/server.py ----
SRV_PID=
srv_start() { # NAME FLAGS...: ADDR set
    local d="$CASE/srv-$1" i=0
    shift
    mkdir -p "$d"
    /usr/bin/python3 "$ROOT/tests/remote/server.py" --unix "$d/s.sock" --ready-file "$d/ready" \
        --pb-dir "$T/pb" "$@" 2>"$d/log" &
    SRV_PID=$!
    while [ ! -f "$d/ready" ]; do
        i=$((i + 1))
        [ $i -lt 300 ] || { cat "$d/log" >&2; die "the test server did not start"; }
        sleep 0.1
    done
    ADDR="unix:$d/s.sock"
}
srv_stop() {
    if [ -n "$SRV_PID" ]; then
        kill "$SRV_PID" 2>/dev/null || true
        wait "$SRV_PID" 2>/dev/null || true
    fi
    SRV_PID=
    local l
    for l in "$XDG_RUNTIME_DIR"/ricc/*.lock; do # the agents of this case
        if [ -s "$l" ]; then kill "$(cat "$l")" 2>/dev/null || true; fi
    done
    return 0
}

remote() {
    /usr/bin/python3 -c 'import grpc, google.protobuf' 2>/dev/null || skip "no grpc for /usr/bin/python3"
    trap srv_stop EXIT
    # Under ASan, LeakSanitizer's exit-time scan of a ricc whose gRPC
    # threads are winding down now and then crashes in its own tracer, as
    # remote_lib.sh says: the client's leaks are checked by check-remote.
    if readelf -d "$RICC" 2>/dev/null | grep -q 'NEEDED.*libasan'; then
        export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
    fi
    export RICC_REMOTE_AGENT_IDLE=5
    # A 100 kB object: more than the agent sends back in its answer (it
    # puts it in our CAS itself), so its bytes are counted as it reports.
    printf 'char big[100000] = {1};\nint f(void) { return big[0]; }\n' >big.c
    srv_start plain
    export RECC_SERVER=$ADDR RECC_CACHE_ONLY=1 RECC_CACHE_UPLOAD_LOCAL_BUILD=1
    export RICC_DIR="$CASE/c1"
    R gcc -c big.c; expect miss
    want remote_miss 1
    want remote_error 0
    [ "$(stat remote_bytes_up)" -ge 100000 ] || die "uploaded $(stat remote_bytes_up) bytes"
    want remote_bytes_down 0
    # Another action making the same object: the server has its blob, which
    # is not sent again, nor counted.
    local up=$(($(stat remote_bytes_up)))
    R gcc -DUNUSED -c big.c; expect miss
    [ "$(($(stat remote_bytes_up) - up))" -lt 50000 ] ||
        die "uploaded $(($(stat remote_bytes_up) - up)) bytes for an object the server has"
    export RICC_DIR="$CASE/c2" # a fresh sandbox: a remote hit
    R gcc -c big.c; expect remote_hit
    want remote_miss 0
    want kind_compile_remote_hit 1
    [ "$(stat remote_bytes_down)" -ge 100000 ] || die "downloaded $(stat remote_bytes_down) bytes"
    want remote_bytes_up 0
    "$RICC" -s | grep -Eq '^  downloaded +[0-9.]+ kB$' || die "-s: no downloaded line"

    # Failed calls: a server failing every call (an error), then a slow one
    # (a timeout).  Each build goes on here: a fallback.
    srv_stop
    srv_start failing --fail-first 1000000
    export RECC_SERVER=$ADDR RICC_RETRY_LIMIT=0 RICC_DIR="$CASE/c3"
    R gcc -c big.c; expect fallback
    want remote_error 1
    want remote_timeout 0
    srv_stop
    srv_start slow --delay-ms 3000
    export RECC_SERVER=$ADDR RICC_REQUEST_TIMEOUT=1 RICC_DIR="$CASE/c4"
    R gcc -c big.c; expect fallback
    want remote_timeout 1
    want remote_error 0
    srv_stop
}

run_case kinds kinds
run_case zeroed zeroed
run_case build-log build_log
run_case log-file log_file
run_case size size
run_case remote remote
finish
