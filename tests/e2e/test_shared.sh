#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_shared.sh — a cache directory shared by a group, and one that cannot
# be used.
#
#   umask           RICC_UMASK=002: everything ricc makes under RICC_DIR is
#                   group-writable, while the build's own files (.o, .d, on a
#                   miss from the compiler, on a hit from ricc) keep the
#                   user's umask 022 (0644), as with plain gcc
#   umask-invalid   a bad value is a configuration error naming it
#   no-planted-link symbolic links planted in tmp/ at every name of the old
#                   scheme (deps.<pid>.d for every pid) never make a
#                   compile write through them; every file the compile wrote
#                   under RICC_DIR/tmp was in a directory the process made
#                   itself (strace, when there is one)
#   leftovers       what a killed ricc left (its private directory, a stale
#                   temporary) is gone after `ricc -c`; a running call's is not
#   tables-counted  the fixed tables count toward the cache's size
#   regular-file    RICC_DIR is a regular file: make -j4 of four files gives
#                   exactly one warning and plain gcc's objects
#   read-only       RICC_DIR cannot be written: the same (root ignores
#                   permission bits, so as root a read-only tmpfs in a
#                   private mount namespace; skipped where neither works)
#
# A fresh TMPDIR per case: the once-per-build marks live under it.
if [ -z "${E2E_IN_NS:-}" ]; then
    export E2E_IN_NS=1
    if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
        exec unshare -m --propagation private bash "$0" "$@"
    fi
    E2E_IN_NS=none
fi
. "$(dirname "$0")/lib.sh"

mode_of() { stat -c %a "$1"; }

# sources N: f1.c .. fN.c and a Makefile building their objects.
sources() {
    local i objs=""
    for i in $(seq 1 "$1"); do
        printf '#include <stdio.h>\nint f%d(void) { return printf("%d\\n"); }\n' "$i" "$i" >"f$i.c"
        objs="$objs f$i.o"
    done
    printf 'all:%s\n%%.o: %%.c\n\t$(CC) -O2 -c $< -o $@\n' "$objs" >Makefile
}

# build_once WHAT: make -j4 through ricc with RICC_DIR as set; the objects
# must be plain gcc's, the status 0, and ricc's warnings exactly one line.
build_once() {
    export TMPDIR="$CASE/tmpdir-$1"
    mkdir -p "$TMPDIR"
    rm -f ./*.o
    make -j4 CC="$RICC gcc" >"$CASE/make.out" 2>"$CASE/make.err" ||
        { cat "$CASE/make.err" >&2; die "make failed with RICC_DIR $1"; }
    local n
    n=$(grep -c '^ricc\[[0-9]*\] warning: ' "$CASE/make.err" || true)
    [ "$n" = 1 ] || { cat "$CASE/make.err" >&2; die "$n warnings with RICC_DIR $1, not one"; }
    grep -v '^ricc\[[0-9]*\] warning: ' "$CASE/make.err" >"$CASE/make.err.rest" || true
    [ ! -s "$CASE/make.err.rest" ] || { cat "$CASE/make.err.rest" >&2; die "more on stderr"; }
    grep warning: "$CASE/make.err" >&2
    mkdir -p "$CASE/r-objs"
    cp ./*.o "$CASE/r-objs/"
    rm -f ./*.o
    make -j4 CC=gcc >/dev/null 2>&1
    local o
    for o in ./*.o; do
        cmp "$o" "$CASE/r-objs/$o" >&2 || die "$o from ricc differs from plain gcc's"
    done
    unset TMPDIR
}

# modes_check EXPECT "OUTS" MODE CMD...: cc_check, and each of OUTS has MODE
# as ricc left it.
modes_check() {
    local want=$1 outs=$2 mode=$3 o
    shift 3
    rm -f $outs
    R "$@"
    expect "$want"
    for o in $outs; do
        [ "$(mode_of "$o")" = "$mode" ] || die "$o is $(mode_of "$o") after a $want, not $mode"
    done
    same_as_plain "$outs" "$@"
}

umask_group() {
    umask 022
    export RICC_UMASK=002 TMPDIR="$CASE/tmpdir"
    mkdir -p "$TMPDIR"
    printf '#include <stdio.h>\nint main(void) { puts("x"); return 0; }\n' >u.c
    # A miss (the compiler writes the outputs), then a hit (ricc does); the
    # modes are looked at before same_as_plain has plain gcc write them.
    modes_check miss "u.o u.d" 644 gcc -O2 -MD -c u.c -o u.o
    modes_check hit "u.o u.d" 644 gcc -O2 -MD -c u.c -o u.o
    # A link's output too (RICC_LINK: miss, then hit).
    export RICC_LINK=1
    modes_check miss u 755 gcc u.o -o u
    modes_check hit u 755 gcc u.o -o u
    unset RICC_LINK
    # Everything under RICC_DIR is writable by the group.
    local bad
    bad=$(find "$RICC_DIR" ! -perm -g+w -printf '%m %p\n')
    [ -z "$bad" ] || { echo "$bad" >&2; die "not group-writable under RICC_DIR"; }
    [ -n "$(find "$RICC_DIR/cas" -type f)" ] || die "nothing stored"
    # Without the setting: the user's umask there too.
    unset RICC_UMASK
    export RICC_DIR="$CASE/cache2"
    cc_check miss "u.o u.d" gcc -O2 -MD -c u.c -o u.o
    bad=$(find "$RICC_DIR" -type f -perm -g+w -printf '%m %p\n')
    [ -z "$bad" ] || { echo "$bad" >&2; die "group-writable without the umask setting"; }
}

umask_invalid() {
    printf 'int f(void) { return 1; }\n' >i.c
    local v
    for v in abc 8 0x2 1000; do
        RC=0
        RICC_UMASK=$v "$RICC" gcc -c i.c -o i.o 2>"$CASE/err" || RC=$?
        [ "$RC" = 2 ] || die "RICC_UMASK=$v: exit $RC, not 2"
        grep -q "RICC_UMASK" "$CASE/err" && grep -q "'$v'" "$CASE/err" ||
            { cat "$CASE/err" >&2; die "RICC_UMASK=$v: the error does not name it"; }
    done
    mkdir -p "$RICC_DIR"
    echo 'umask: 9' >"$RICC_DIR/config.yaml"
    RC=0
    "$RICC" gcc -c i.c -o i.o 2>"$CASE/err" || RC=$?
    [ "$RC" = 2 ] && grep -q umask "$CASE/err" ||
        { cat "$CASE/err" >&2; die "umask: 9 in config.yaml: exit $RC"; }
    echo 'umask: 027' >"$RICC_DIR/config.yaml"
    cc_check miss i.o gcc -c i.c -o i.o
}

# The victim: a file a planted link points at, which must keep its content.
plant_links() {
    local t=$RICC_DIR/tmp first last
    mkdir -p "$t"
    echo "precious" >"$CASE/victim"
    # Every pid there can be (other builds on the machine use some).
    first=2
    last=$(cat /proc/sys/kernel/pid_max 2>/dev/null || echo 32768)
    [ "$last" -le 100000 ] || last=100000
    perl -e 'symlink($ARGV[2], "$ARGV[3]/deps.$_.d") for $ARGV[0] .. $ARGV[1]' \
        "$first" "$last" "$CASE/victim" "$t"
}

# planted_links_case DEF: compiles with links planted at the old names in
# RICC_DIR/tmp (-DDEF: new keys); then, under strace, every file opened for
# writing under $1's tmp (RICC_DIR/tmp in a cache of one's own, the private
# directory under TMPDIR in a cache others can write) is in a directory the
# same call made with mkdir 0700 first, and nothing is written in
# RICC_DIR/tmp but there.
planted_links_case() {
    local def=$1 where=$2 i
    plant_links
    for i in 1 2 3 4; do
        "$RICC" gcc -O2 -D"$def" -c "f$i.c" -o "f$i.o"
    done
    [ "$(cat "$CASE/victim")" = precious ] || die "a compile wrote through a planted link"
    for i in 1 2 3 4; do
        cc_check hit "f$i.o" gcc -O2 -D"$def" -c "f$i.c" -o "f$i.o"
    done
    # Nothing of the calls is left in tmp/ but the links.
    local left
    left=$(find "$RICC_DIR/tmp" -mindepth 1 ! -type l)
    [ -z "$left" ] || { echo "$left" >&2; die "left in tmp/"; }
    command -v strace >/dev/null || { note "no strace: the open names were not checked"; return 0; }
    rm -f f1.o
    strace -f -qq -e trace=mkdir,openat,open -o "$CASE/strace" \
        "$RICC" gcc -O2 -D"$def" -DSTRACE -c f1.c -o f1.o || die "ricc under strace failed"
    grep -q "mkdir(\"$where/p\.[0-9]*\.[0-9]*\.[A-Za-z0-9]\{6\}\", 0700) = 0" "$CASE/strace" ||
        { grep "tmp" "$CASE/strace" >&2; die "no private directory was made in $where"; }
    local made bad="" line
    made=$(sed -n "s|.*mkdir(\"\\($where/p\\.[^\"]*\\)\", 0700) = 0|\\1|p" "$CASE/strace")
    while read -r line; do
        case $line in
            *"\"$made/"*) ;;
            *) bad="$bad$line"$'\n' ;;
        esac
    done < <(grep -E "open(at)?\(.*\"($where|$RICC_DIR/tmp)/[^\"]*\".*O_(WRONLY|RDWR|CREAT)" \
        "$CASE/strace" || true)
    [ -z "$bad" ] || { printf '%s' "$bad" >&2; die "written in tmp/ outside the private directory"; }
    grep -qE "open(at)?\(.*\"$made/[^\"]*\".*O_(WRONLY|RDWR)" "$CASE/strace" ||
        die "the compile wrote nothing in its private directory (is the test looking right?)"
}

no_planted_link() {
    export TMPDIR="$CASE/tmpdir"
    mkdir -p "$TMPDIR"
    sources 4
    "$RICC" -z >/dev/null
    # A cache of one's own: the private directory is made in its tmp/.
    planted_links_case OWN "$RICC_DIR/tmp"
    # A cache the group shares (RICC_UMASK=002 makes it group-writable):
    # others could rename a directory there, so it is made under TMPDIR.
    export RICC_UMASK=002 RICC_DIR="$CASE/group"
    mkdir -p "$RICC_DIR"
    chmod 2775 "$RICC_DIR"
    planted_links_case GROUP "$TMPDIR/ricc-$(id -u)/tmp"
}

leftovers() {
    export TMPDIR="$CASE/tmpdir"
    mkdir -p "$TMPDIR"
    # A gcc first on PATH whose compile waits for the test's go-ahead (the
    # file go) and says when it is over (the file done): ricc is killed in
    # the middle of a miss, with no guess at how long anything takes.
    mkdir -p "$CASE/bin"
    cat >"$CASE/bin/gcc" <<EOF
#!/bin/sh
case " \$* " in *" -c "*)
    while [ ! -e "$CASE/go" ]; do sleep 0.05; done
    /usr/bin/gcc "\$@"; rc=\$?; touch "$CASE/done"; exit \$rc ;;
esac
exec /usr/bin/gcc "\$@"
EOF
    chmod +x "$CASE/bin/gcc"
    printf 'int f(void) { return 1; }\n' >k.c
    "$RICC" -z >/dev/null
    PATH="$CASE/bin:$PATH" "$RICC" gcc -c k.c -o k.o &
    local pid=$! i
    for i in $(seq 1 600); do
        [ -n "$(find "$RICC_DIR/tmp" -mindepth 1 -maxdepth 1 -name "p.*" 2>/dev/null)" ] && break
        sleep 0.1
    done
    local dir
    dir=$(find "$RICC_DIR/tmp" -mindepth 1 -maxdepth 1 -name "p.*.$pid.*")
    [ -n "$dir" ] || die "no private directory of ricc ($pid) while it compiles"
    # A cleanup while it runs leaves its directory alone.
    "$RICC" -c >/dev/null
    [ -d "$dir" ] || die "ricc -c removed the directory of a running call"
    kill -9 "$pid" # (it is waiting for its gcc, which waits for go)
    wait "$pid" 2>/dev/null || true
    touch "$CASE/go" # the orphaned gcc finishes (it was not killed)
    for i in $(seq 1 600); do
        [ -e "$CASE/done" ] && break
        sleep 0.1
    done
    [ -e "$CASE/done" ] || die "the orphaned gcc did not finish"
    [ -d "$dir" ] || die "the killed ricc's directory is not there to be swept"
    # And older leftovers of before: a stale temporary, and the private
    # directory of a process of another pid namespace untouched for hours.
    echo x >"$RICC_DIR/tmp/deps.123.d"
    touch -d '3 hours ago' "$RICC_DIR/tmp/deps.123.d"
    mkdir -p "$RICC_DIR/tmp/p.1.77.abcdef"
    echo x >"$RICC_DIR/tmp/p.1.77.abcdef/deps.d"
    touch -d '3 hours ago' "$RICC_DIR/tmp/p.1.77.abcdef/deps.d" "$RICC_DIR/tmp/p.1.77.abcdef"
    "$RICC" -c >/dev/null
    [ ! -e "$dir" ] || die "ricc -c left the killed call's $dir"
    [ ! -e "$RICC_DIR/tmp/deps.123.d" ] || die "ricc -c left a stale temporary"
    [ ! -e "$RICC_DIR/tmp/p.1.77.abcdef" ] || die "ricc -c left an old private directory"
    # And the compile still works (and is cached).
    cc_check miss k.o gcc -c k.c -o k.o
    cc_check hit k.o gcc -c k.c -o k.o
}

tables_counted() {
    printf 'int f(void) { return 1; }\n' >t.c
    cc_check miss t.o gcc -c t.c -o t.o
    local tables=0 f size
    for f in statindex incscan codes; do
        [ -f "$RICC_DIR/$f" ] || continue
        tables=$((tables + $(stat -c %s "$RICC_DIR/$f")))
    done
    [ "$tables" -gt 0 ] || die "no fixed table was made"
    size=$(counter cache_size_bytes)
    [ "$size" -ge "$tables" ] || die "cache size $size is less than the tables' $tables bytes"
    "$RICC" -c >/dev/null
    size=$(counter cache_size_bytes)
    [ "$size" -ge "$tables" ] || die "after ricc -c, cache size $size < the tables' $tables"
}

regular_file() {
    sources 4
    touch "$CASE/a-file"
    export RICC_DIR="$CASE/a-file"
    build_once regular-file
    grep -q "$CASE/a-file is not a directory" "$CASE/make.err" || die "the warning does not say why"
    [ ! -s "$CASE/a-file" ] || die "the regular file was written"
    # The next build is told again.
    build_once regular-file-again
}

read_only() {
    sources 4
    if [ "$(id -u)" != 0 ]; then
        mkdir -p "$CASE/ro"
        chmod 555 "$CASE/ro"
    else
        [ "$E2E_IN_NS" != none ] || skip "root, and no mount namespace for a read-only tmpfs"
        mkdir -p "$CASE/ro"
        mount -t tmpfs -o size=1m tmpfs "$CASE/ro" || skip "cannot mount a tmpfs here"
        mount -o remount,ro "$CASE/ro" || { umount "$CASE/ro"; skip "cannot remount read-only"; }
    fi
    [ "$(id -u)" != 0 ] || trap 'umount "$CASE/ro" 2>/dev/null' EXIT
    export RICC_DIR="$CASE/ro"
    build_once read-only
    grep -q "$CASE/ro cannot be written" "$CASE/make.err" || die "the warning does not say why"
    [ "$(id -u)" = 0 ] || chmod 755 "$CASE/ro"
}

run_case umask umask_group
run_case umask-invalid umask_invalid
run_case no-planted-link no_planted_link
run_case leftovers leftovers
run_case tables-counted tables_counted
run_case regular-file regular_file
run_case read-only read_only
finish
