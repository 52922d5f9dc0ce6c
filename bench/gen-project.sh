#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# bench/gen-project.sh — write a synthetic C project for bench/run.sh.
#
#   bench/gen-project.sh DIR [FILES]      (FILES: number of .c sources, default 300)
#
# What a compiler cache meets in a real code base is mostly headers: every
# translation unit pulls in a few layers of project headers, which include
# each other, and a good number of system headers. The shape generated here:
#
#   include/base/b*.h   8 headers: <stddef.h>, <stdint.h>, <stdbool.h>, one
#                       or two other base headers; types, macros, inline helpers.
#   include/core/c*.h   16 headers: two base headers, <stdio.h>, <string.h>,
#                       <stdlib.h> and one more libc header; a struct and
#                       inline functions over it.
#   include/mod/m*.h    FILES/10 headers (at least 4): two or three core
#                       headers, another module header, and a "heavier"
#                       system header (pthread, sockets, regex, wide chars,
#                       tgmath, the x86 intrinsics on x86-64, ...).
#   src/s*.c            FILES sources: their module's header, one more module
#                       header and one core header, <stdio.h>, <stdlib.h>,
#                       <string.h> and up to two more system headers; a few
#                       functions with loops, switches and string handling,
#                       enough that -O2 has some work to do.
#   src/main.c          calls every source's entry point, so the project links.
#   cxx/hit.cpp         a C++ file using <vector>, <string>, <map>,
#                       <iostream>, <algorithm>, for the C++ hit latency.
#   Makefile            objects and dependency files in obj/; CC, CXX and
#                       CFLAGS may be overridden on the command line.
#
# The output is a pure function of FILES (a fixed-seed generator written in
# awk, not awk's rand(), whose sequence differs between awk versions), so two
# machines benchmark the same code.
set -eu

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 DIR [FILES]" >&2
    exit 2
fi
DIR=$1
FILES=${2:-300}
case $FILES in
    ''|*[!0-9]*) echo "$0: FILES must be a positive number, got '$FILES'" >&2; exit 2 ;;
esac
if [ "$FILES" -lt 1 ]; then
    echo "$0: FILES must be at least 1" >&2
    exit 2
fi

mkdir -p "$DIR/include/base" "$DIR/include/core" "$DIR/include/mod" "$DIR/src" "$DIR/cxx"

# One awk program writes every C file; it is easier to keep the include graph
# consistent when one piece of code decides all of it.
awk -v dir="$DIR" -v nfiles="$FILES" '
# Park-Miller "minimal standard" generator: every product stays below 2^46,
# so it is exact in the doubles awk computes with.
function rnd(n) {
    seed = (seed * 16807) % 2147483647
    return seed % n
}

function guard_open(f, name) {
    printf "#ifndef BENCH_%s_H\n#define BENCH_%s_H\n\n", toupper(name), toupper(name) > f
}

function write_base(i,    f, j) {
    f = dir "/include/base/b" i ".h"
    guard_open(f, "b" i)
    print "#include <stddef.h>\n#include <stdint.h>\n#include <stdbool.h>" > f
    # Each base header includes one or two earlier ones: a chain with
    # shortcuts, like a real "util" layer.
    if (i > 0) printf "#include \"base/b%d.h\"\n", i - 1 > f
    if (i > 2) printf "#include \"base/b%d.h\"\n", rnd(i - 1) > f
    print "" > f
    printf "#define B%d_SCALE %d\n", i, 3 + rnd(17) > f
    printf "#define B%d_CLAMP(x, lo, hi) ((x) < (lo) ? (lo) : (x) > (hi) ? (hi) : (x))\n\n", i > f
    printf "typedef struct b%d_span {\n    uint32_t off;\n    uint32_t len;\n    int32_t weight;\n} b%d_span;\n\n", i, i > f
    printf "static inline uint32_t b%d_mix(uint32_t x)\n{\n", i > f
    printf "    x ^= x >> %d;\n    x *= 0x%08xu;\n    x ^= x >> %d;\n    return x;\n}\n\n", 13 + rnd(5), 1 + rnd(2147483646), 11 + rnd(7) > f
    printf "static inline bool b%d_span_ok(const b%d_span *s, size_t limit)\n{\n", i, i > f
    print "    return s->len > 0 && (size_t)s->off + s->len <= limit;\n}\n" > f
    for (j = 0; j < 3; j++)
        printf "static inline int b%d_op%d(int a, int b)\n{\n    return B%d_CLAMP(a * %d %s b, -%d, %d);\n}\n\n", \
            i, j, i, 2 + rnd(9), (rnd(2) ? "+" : "-"), 1000 + rnd(9000), 1000 + rnd(9000) > f
    print "#endif" > f
    close(f)
}

function write_core(i,    f, a, b) {
    f = dir "/include/core/c" i ".h"
    guard_open(f, "c" i)
    print "#include <stdio.h>\n#include <string.h>\n#include <stdlib.h>" > f
    printf "#include <%s>\n", core_sys[rnd(ncore_sys)] > f
    a = rnd(nbase); b = rnd(nbase)
    core_base[i, 0] = a; core_base[i, 1] = b
    printf "#include \"base/b%d.h\"\n#include \"base/b%d.h\"\n\n", a, b > f
    printf "typedef struct c%d_buf {\n    char *data;\n    size_t len, cap;\n    b%d_span last;\n} c%d_buf;\n\n", i, a, i > f
    printf "static inline int c%d_reserve(c%d_buf *b, size_t extra)\n{\n", i, i > f
    print "    if (b->len + extra <= b->cap)\n        return 0;" > f
    print "    size_t cap = b->cap ? b->cap * 2 : 64;\n    while (cap < b->len + extra)\n        cap *= 2;" > f
    print "    char *p = realloc(b->data, cap);\n    if (p == NULL)\n        return -1;" > f
    print "    b->data = p;\n    b->cap = cap;\n    return 0;\n}\n" > f
    printf "static inline int c%d_append(c%d_buf *b, const char *s)\n{\n", i, i > f
    printf "    size_t n = strlen(s);\n    if (c%d_reserve(b, n + 1) != 0)\n        return -1;\n", i > f
    print "    memcpy(b->data + b->len, s, n + 1);" > f
    printf "    b->last.off = (uint32_t)b->len;\n    b->last.len = (uint32_t)n;\n    b->last.weight = (int32_t)b%d_mix((uint32_t)n);\n", b > f
    print "    b->len += n;\n    return 0;\n}\n" > f
    printf "static inline void c%d_free(c%d_buf *b)\n{\n    free(b->data);\n    memset(b, 0, sizeof *b);\n}\n\n", i, i > f
    print "#endif" > f
    close(f)
}

function write_mod(i,    f, k, n) {
    f = dir "/include/mod/m" i ".h"
    guard_open(f, "m" i)
    printf "#include <%s>\n", heavy_sys[i % nheavy] > f
    n = 2 + rnd(2)
    for (k = 0; k < n; k++) {
        mod_core[i, k] = rnd(ncore)
        printf "#include \"core/c%d.h\"\n", mod_core[i, k] > f
    }
    mod_ncore[i] = n
    # Modules depend on earlier modules, never later ones: no cycles, and
    # the guards still get exercised by diamonds.
    if (i > 0) printf "#include \"mod/m%d.h\"\n", rnd(i) > f
    print "" > f
    printf "enum m%d_kind { M%d_NONE, M%d_TEXT, M%d_NUMBER, M%d_LIST, M%d_MAX };\n\n", i, i, i, i, i, i > f
    printf "struct m%d_item {\n    enum m%d_kind kind;\n    c%d_buf text;\n    long value;\n};\n\n", i, i, mod_core[i, 0] > f
    printf "static inline const char *m%d_kind_name(enum m%d_kind k)\n{\n    switch (k) {\n", i, i > f
    printf "    case M%d_TEXT: return \"text\";\n    case M%d_NUMBER: return \"number\";\n", i, i > f
    printf "    case M%d_LIST: return \"list\";\n    default: return \"none\";\n    }\n}\n\n", i > f
    print "#endif" > f
    close(f)
}

function write_source(i,    f, m, m2, c, k, nf, j, name, core, nl, nw) {
    name = sprintf("s%04d", i)
    f = dir "/src/" name ".c"
    m = i % nmod
    m2 = rnd(nmod)
    c = rnd(ncore)
    printf "/* generated by bench/gen-project.sh */\n" > f
    print "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>" > f
    for (k = rnd(3); k > 0; k--)
        printf "#include <%s>\n", src_sys[rnd(nsrc_sys)] > f
    # One source in ten is "SIMD code": the x86 intrinsics are the heaviest
    # common C header by far (about 150 ms of parsing each time).
    if (i % 10 == 9)
        print "#if defined(__x86_64__)\n#include <immintrin.h>\n#endif" > f
    printf "\n#include \"mod/m%d.h\"\n#include \"mod/m%d.h\"\n#include \"core/c%d.h\"\n\n", m, m2, c > f
    core = mod_core[m, 0]
    nf = 3 + rnd(4)
    nl = 0; nw = 0
    for (j = 0; j < nf; j++) {
        if (rnd(2)) {
            longs[nl++] = name "_f" j
            printf "static long %s_f%d(const long *v, size_t n, int k)\n{\n    long acc = %d;\n", name, j, rnd(100) > f
            print "    for (size_t i = 0; i < n; i++) {" > f
            printf "        switch ((v[i] + k) %% 5) {\n" > f
            printf "        case 0: acc += b%d_op0((int)v[i], k); break;\n", core_base[c, rnd(2)] > f
            printf "        case 1: acc -= (long)b%d_mix((uint32_t)v[i]) %% %d; break;\n", core_base[c, rnd(2)], 97 + rnd(900) > f
            printf "        case 2: acc ^= v[i] << (k & %d); break;\n", 7 + rnd(8) > f
            printf "        case 3: acc = acc * %d + v[i]; break;\n", 3 + rnd(29) > f
            print "        default: acc += k; break;\n        }\n    }\n    return acc;\n}\n" > f
        } else {
            words[nw++] = name "_f" j
            printf "static int %s_f%d(struct m%d_item *it, const char *word, long n)\n{\n", name, j, m > f
            printf "    char tmp[%d];\n", 32 + 16 * rnd(8) > f
            printf "    int w = snprintf(tmp, sizeof tmp, \"%%s-%%ld-%d\", word, n);\n", rnd(1000) > f
            print "    if (w < 0 || (size_t)w >= sizeof tmp)\n        return -1;" > f
            printf "    for (char *p = tmp; *p != %c\\0%c; p++)\n        if (*p == %c-%c)\n            *p = %c_%c;\n", 39, 39, 39, 39, 39, 39 > f
            printf "    if (c%d_append(&it->text, tmp) != 0)\n        return -1;\n", core > f
            printf "    it->kind = n %% 2 ? M%d_NUMBER : M%d_TEXT;\n    it->value += n;\n", m, m > f
            printf "    return (int)strlen(m%d_kind_name(it->kind));\n}\n\n", m > f
        }
    }
    # The entry point reaches every function above, so none is dead code
    # that -O2 could skip.
    printf "int %s_entry(int k)\n{\n", name > f
    printf "    long v[%d];\n    struct m%d_item it;\n    long total = 0;\n\n", 8 + rnd(56), m > f
    print "    memset(&it, 0, sizeof it);\n    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)\n        v[i] = (long)(i * 2654435761u % 1000) - k;" > f
    for (j = 0; j < nl; j++)
        printf "    total += %s(v, sizeof v / sizeof v[0], k + %d);\n", longs[j], j > f
    for (j = 0; j < nw; j++)
        printf "    total += %s(&it, \"%s\", k + %d);\n", words[j], name, j > f
    printf "    c%d_free(&it.text);\n", core > f
    printf "    if (total == %d)\n        fprintf(stderr, \"%s: %%ld\\n\", total);\n", rnd(100000), name > f
    print "    return (int)(total & 0x7fff);\n}" > f
    close(f)
}

function write_main(    f, i) {
    f = dir "/src/main.c"
    print "/* generated by bench/gen-project.sh */\n#include <stdio.h>\n" > f
    for (i = 0; i < nfiles; i++)
        printf "int s%04d_entry(int k);\n", i > f
    print "\nint main(int argc, char **argv)\n{\n    long total = 0;\n\n    (void)argv;" > f
    for (i = 0; i < nfiles; i++)
        printf "    total += s%04d_entry(argc);\n", i > f
    print "    printf(\"%ld\\n\", total);\n    return 0;\n}" > f
    close(f)
}

BEGIN {
    seed = 20240601
    nbase = 8
    ncore = 16
    nmod = int(nfiles / 10); if (nmod < 4) nmod = 4
    ncore_sys = split("errno.h ctype.h limits.h inttypes.h assert.h time.h", core_sys, " ")
    nheavy = split("pthread.h sys/socket.h netdb.h regex.h wchar.h tgmath.h signal.h locale.h sys/stat.h", heavy_sys, " ")
    nsrc_sys = split("math.h unistd.h fcntl.h dirent.h sys/mman.h setjmp.h stdarg.h float.h complex.h sys/types.h", src_sys, " ")
    # split() numbers from 1; index the lists from 0 like the headers.
    for (i = ncore_sys; i >= 1; i--) core_sys[i - 1] = core_sys[i]
    for (i = nheavy; i >= 1; i--) heavy_sys[i - 1] = heavy_sys[i]
    for (i = nsrc_sys; i >= 1; i--) src_sys[i - 1] = src_sys[i]

    for (i = 0; i < nbase; i++) write_base(i)
    for (i = 0; i < ncore; i++) write_core(i)
    for (i = 0; i < nmod; i++) write_mod(i)
    for (i = 0; i < nfiles; i++) write_source(i)
    write_main()
}
'

cat > "$DIR/cxx/hit.cpp" <<'EOF'
// generated by bench/gen-project.sh: a C++ file with the usual standard
// library headers, for the C++ hit latency.
#include <algorithm>
#include <iostream>
#include <map>
#include <string>
#include <vector>

namespace {

struct Entry {
    std::string name;
    std::vector<int> values;
};

std::map<std::string, Entry> index_words(const std::vector<std::string> &words)
{
    std::map<std::string, Entry> out;
    for (std::size_t i = 0; i < words.size(); i++) {
        Entry &e = out[words[i]];
        e.name = words[i];
        e.values.push_back(static_cast<int>(i));
    }
    return out;
}

} // namespace

int main(int argc, char **argv)
{
    std::vector<std::string> words(argv + 1, argv + argc);
    std::sort(words.begin(), words.end());
    words.erase(std::unique(words.begin(), words.end()), words.end());
    auto idx = index_words(words);
    for (const auto &kv : idx) {
        const Entry &e = kv.second;
        int sum = 0;
        std::for_each(e.values.begin(), e.values.end(), [&](int v) { sum += v; });
        std::cout << e.name << ' ' << sum << '\n';
    }
    auto longest = std::max_element(words.begin(), words.end(),
        [](const std::string &a, const std::string &b) { return a.size() < b.size(); });
    if (longest != words.end())
        std::cout << "longest: " << *longest << std::endl;
    return 0;
}
EOF

cat > "$DIR/Makefile" <<'EOF'
# generated by bench/gen-project.sh
CC = gcc
CFLAGS = -O2 -g -Wall -Iinclude
DEPFLAGS = -MMD -MP
O = obj

SRCS := $(sort $(wildcard src/*.c))
OBJS := $(SRCS:src/%.c=$(O)/%.o)

$(O)/app: $(OBJS)
	$(CC) -o $@ $(OBJS) -lm -lpthread

$(O)/%.o: src/%.c | $(O)
	$(CC) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

$(O):
	mkdir -p $@

clean:
	rm -rf $(O)

.PHONY: clean
-include $(OBJS:.o=.d)
EOF
