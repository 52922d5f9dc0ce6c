#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_install.sh — `make install` and `make uninstall` as a packager and a
# user run them: the files land where PREFIX, DESTDIR, BINDIR, LIBDIR,
# LIBEXECDIR and MANDIR say; the installed ricc finds its preload shim,
# tracer and remote helper there (beside it, or where LIBDIR and LIBEXECDIR
# point when they are elsewhere); the masquerade links cache a build; the
# man page renders; uninstall leaves nothing behind.
#
# Each case builds the source tree into a build directory of this test's own
# ($T/b: the tree's build/ is untouched), so only a first case pays for the
# build; the next install with other directories relinks.
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$E2E_DIR/../.." && pwd)
TB=$T/b
# The installed ricc must find its own shim, not the build tree's.
unset RICC_PRELOAD RICC_TRACE_LIB RICC_REMOTE_HELPER RICC_REMOTE_MODULE

mk() { make -s -C "$ROOT" B="$TB" -j2 "$@" >"$CASE/make.out" 2>&1 || { tail -20 "$CASE/make.out" >&2; die "make $* failed"; }; }

# What a directory holds, files and links, relative to it.
tree() { (cd "$1" && find . \( -type f -o -type l \) | LC_ALL=C sort); }

src() { printf '#include <stdio.h>\nint main(void) { int unused; return puts("hi"); }\n' >m.c; }

# A compile with ricc $1 (a path), twice: a miss, then a hit identical to gcc's.
compile_twice() {
    local ricc=$1
    src
    "$ricc" gcc -O2 -Wall -c m.c -o m.o 2>r1.err
    [ "$(RICC="$ricc" counter miss)" = 1 ] || die "the first compile was not a miss"
    rm m.o
    "$ricc" gcc -O2 -Wall -c m.c -o m.o 2>r2.err
    [ "$(RICC="$ricc" counter direct_hit)" = 1 ] || die "the second compile was not a direct hit"
    gcc -O2 -Wall -c m.c -o p.o 2>p.err
    cmp m.o p.o || die "the hit's object differs from gcc's"
    cmp r2.err p.err || die "the hit's messages differ from gcc's"
}

# Under PREFIX alone (the default LIBDIR and LIBEXECDIR below it).
prefix() {
    local p=$CASE/pfx
    mk install PREFIX="$p"
    tree "$p" >got
    cat >want <<EOF
./bin/ricc
./lib/ricc/libricc-preload.so
./lib/ricc/libricc-remote.so
./lib/ricc/libricc-trace.so
./lib/ricc/masquerade/c++
./lib/ricc/masquerade/cc
./lib/ricc/masquerade/clang
./lib/ricc/masquerade/clang++
./lib/ricc/masquerade/g++
./lib/ricc/masquerade/gcc
./libexec/ricc/ricc-remote
./share/man/man1/ricc.1
EOF
    # A dynamically linked ricc (STATIC=0) has no helper program to install.
    [ -e "$TB/lib/ricc-remote" ] || sed -i '/ricc-remote$/d' want
    diff -u want got >&2 || die "installed files differ from the layout"
    [ "$(readlink "$p/lib/ricc/masquerade/gcc")" = "$p/bin/ricc" ] || die "masquerade link target"
    "$p/bin/ricc" --version | grep -q '^ricc ' || die "ricc --version"

    export RICC_DIR=$CASE/c1
    compile_twice "$p/bin/ricc"

    # The masquerade directory first on PATH caches a make build.
    export RICC_DIR=$CASE/c2
    mkdir mk && printf 'int f(void) { return 1; }\n' >mk/f.c
    printf 'f.o: f.c\n\tgcc -c f.c -o f.o\n' >mk/Makefile
    PATH="$p/lib/ricc/masquerade:$PATH" make -s -C mk >/dev/null
    rm mk/f.o
    PATH="$p/lib/ricc/masquerade:$PATH" make -s -C mk >/dev/null
    [ "$(RICC="$p/bin/ricc" counter direct_hit)" = 1 ] || die "no hit through the masquerade links"

    # ricc run finds the installed shim: a compile inside make is cached.
    export RICC_DIR=$CASE/c3
    rm mk/f.o
    "$p/bin/ricc" run -- make -s -C mk >/dev/null
    [ "$(RICC="$p/bin/ricc" counter miss)" = 1 ] || die "ricc run did not reach the compile (shim not found?)"

    # ricc exec finds the installed tracer (a /bin/sh script is cacheable).
    printf '#!/bin/sh\ncat in.txt >out.txt\n' >tool.sh && chmod +x tool.sh && echo x >in.txt
    "$p/bin/ricc" exec -- ./tool.sh 2>exec.err
    grep -q 'not beside ricc' exec.err && die "ricc exec did not find libricc-trace.so: $(cat exec.err)"
    "$p/bin/ricc" exec -- ./tool.sh
    [ "$(RICC="$p/bin/ricc" counter direct_hit)" -ge 1 ] || die "ricc exec did not hit"

    if have man; then
        MANWIDTH=80 man --warnings -l "$p/share/man/man1/ricc.1" >man.out 2>man.err ||
            die "man failed: $(cat man.err)"
        [ ! -s man.err ] || die "the man page has warnings: $(cat man.err)"
        grep -q -- '--max-size' man.out || die "the man page lacks --max-size"
    fi

    mk uninstall PREFIX="$p"
    [ -z "$(tree "$p")" ] || die "uninstall left: $(tree "$p")"
}

# A distribution's layout, staged with DESTDIR: LIBDIR and LIBEXECDIR apart
# from PREFIX; the links name the final path, not the stage.
staged() {
    local s=$CASE/stage
    mk install DESTDIR="$s" PREFIX=/usr LIBDIR=/usr/lib/x86_64-linux-gnu LIBEXECDIR=/usr/libexec \
        MANDIR=/usr/share/man
    for f in usr/bin/ricc usr/lib/x86_64-linux-gnu/ricc/libricc-preload.so \
        usr/lib/x86_64-linux-gnu/ricc/masquerade/g++ usr/share/man/man1/ricc.1; do
        [ -e "$s/$f" ] || [ -L "$s/$f" ] || die "missing $f"
    done
    [ "$(readlink "$s/usr/lib/x86_64-linux-gnu/ricc/masquerade/g++")" = /usr/bin/ricc ] ||
        die "a staged link must name the final /usr/bin/ricc"
    grep -q -a /usr/lib/x86_64-linux-gnu/ricc "$s/usr/bin/ricc" ||
        die "the installed ricc does not know its LIBDIR"
    mk uninstall DESTDIR="$s" PREFIX=/usr LIBDIR=/usr/lib/x86_64-linux-gnu LIBEXECDIR=/usr/libexec \
        MANDIR=/usr/share/man
    [ -z "$(tree "$s")" ] || die "uninstall left: $(tree "$s")"
}

# LIBDIR and LIBEXECDIR nowhere near BINDIR: found where make install put
# them, compiled in, not beside the program.
elsewhere() {
    local p=$CASE/p2 e=$CASE/elsewhere
    mk install PREFIX="$p" LIBDIR="$e/lib" LIBEXECDIR="$e/libexec"
    [ -e "$e/lib/ricc/libricc-preload.so" ] || die "LIBDIR not honoured"
    [ ! -e "$p/lib" ] || die "something went to PREFIX/lib"
    export RICC_DIR=$CASE/c4
    src
    mkdir mk && printf 'm.o: m.c\n\tgcc -c m.c -o m.o\n' >mk/Makefile && cp m.c mk/
    "$p/bin/ricc" run -- make -s -C mk >/dev/null
    [ "$(RICC="$p/bin/ricc" counter miss)" = 1 ] || die "the shim in LIBDIR was not found"
    if [ -e "$TB/lib/ricc-remote" ]; then
        # The helper program is looked for when a remote is configured; no
        # server is needed to see which one was started.  (A source no
        # compile above cached: a local hit would not ask the remote.)
        printf 'int n;\n' >n.c
        RICC_SERVER=unix:$CASE/none.sock RICC_REMOTE_AGENT=0 RICC_LOG_LEVEL=debug \
            "$p/bin/ricc" gcc -c n.c -o n.o 2>remote.err || die "the compile failed"
        grep -q "remote calls through $e/libexec/ricc/ricc-remote" remote.err ||
            die "ricc-remote not found in LIBEXECDIR: $(grep -i remote remote.err | head -3)"
    fi
    mk uninstall PREFIX="$p" LIBDIR="$e/lib" LIBEXECDIR="$e/libexec"
    [ -z "$(tree "$p")$(tree "$e")" ] || die "uninstall left files"
}

run_case prefix prefix
run_case staged staged
run_case elsewhere elsewhere
finish
