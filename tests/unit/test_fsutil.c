/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for cache/util/fsutil.c: atomic writes and copies (content, mode,
 * directory creation, no temporaries left behind, failure leaves nothing),
 * whole-file reads, and the lexical path helpers that decide which paths the
 * action key sees. */
#include <dirent.h>
#include <pwd.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cache/util/fsutil.h"
#include "tests/unit/unit.h"

static char tmpdir[64];

static int suite_init(void)
{
    strcpy(tmpdir, "/tmp/ricc-test-fsutil-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int suite_clean(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Number of directory entries in dir (without . and ..) whose name
 * contains `part`, or all when part is NULL. */
static int count_entries(const char *dir, const char *part)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
            (!part || strstr(de->d_name, part)))
            n++;
    closedir(d);
    return n;
}

static void test_atomic_write_roundtrip(void)
{
    char *dir = path_join(tmpdir, "a/b/c"); /* does not exist yet */
    char *path = path_join(dir, "file");
    const char data[] = "hello\0world";

    CU_ASSERT_EQUAL_FATAL(atomic_write_file(path, data, sizeof data, 0640), 0);
    char *buf = NULL;
    size_t len = 0;
    CU_ASSERT_EQUAL_FATAL(fs_read_file(path, &buf, &len), 0);
    CU_ASSERT_EQUAL(len, sizeof data);
    CU_ASSERT(memcmp(buf, data, sizeof data) == 0);
    CU_ASSERT_EQUAL(buf[len], '\0');
    free(buf);

    struct stat st;
    CU_ASSERT_EQUAL(stat(path, &st), 0);
    mode_t um = umask(0);
    umask(um);
    CU_ASSERT_EQUAL(st.st_mode & 0777, 0640 & ~um);

    /* Replacing keeps one file and no temporaries. */
    CU_ASSERT_EQUAL(atomic_write_file(path, "x", 1, 0644), 0);
    CU_ASSERT_EQUAL(fs_read_file(path, &buf, &len), 0);
    CU_ASSERT_EQUAL(len, 1);
    CU_ASSERT_EQUAL(buf[0], 'x');
    free(buf);
    CU_ASSERT_EQUAL(count_entries(dir, NULL), 1);
    CU_ASSERT_EQUAL(count_entries(dir, ".tmp."), 0);

    /* Empty content is a valid file. */
    CU_ASSERT_EQUAL(atomic_write_file(path, "", 0, 0644), 0);
    CU_ASSERT_EQUAL(fs_read_file(path, &buf, &len), 0);
    CU_ASSERT_EQUAL(len, 0);
    free(buf);
    free(path);
    free(dir);
}

/* Run fn in a child process as an unprivileged user (root ignores
 * directory permissions) and with a file size limit of fsize bytes
 * (0 = none), the way a full disk would stop a write.  Returns fn's result:
 * the number of failed checks. */
static int in_child(int (*fn)(void), rlim_t fsize)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
            _exit(100);
        if (fsize) {
            struct rlimit rl = {fsize, fsize};
            signal(SIGXFSZ, SIG_IGN);
            if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
                _exit(101);
        }
        _exit(fn());
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        return 102;
    return WEXITSTATUS(status);
}

static char *ro_dir;

static int write_into_readonly(void)
{
    int bad = 0;
    char *path = path_join(ro_dir, "f");
    char *deep = path_join(ro_dir, "x/y/f");
    errno = 0;
    bad += atomic_write_file(path, "data", 4, 0644) != -1;
    bad += errno != EACCES;
    bad += atomic_write_file(deep, "data", 4, 0644) != -1; /* cannot mkdir either */
    bad += count_entries(ro_dir, NULL) != 0;
    free(deep);
    free(path);
    return bad;
}

static int write_too_big(void)
{
    int bad = 0;
    char *path = path_join(ro_dir, "big");
    static char data[200000];
    errno = 0;
    bad += atomic_write_file(path, data, sizeof data, 0644) != -1;
    bad += errno != EFBIG;
    bad += count_entries(ro_dir, NULL) != 0;
    free(path);
    return bad;
}

static void test_atomic_write_failure_leaves_nothing(void)
{
    ro_dir = path_join(tmpdir, "ro");
    CU_ASSERT_EQUAL_FATAL(fs_mkdir_p(ro_dir, 0755), 0);
    chmod(tmpdir, 0755); /* let the unprivileged child in */

    chmod(ro_dir, 0555);
    CU_ASSERT_EQUAL(in_child(write_into_readonly, 0), 0);

    chmod(ro_dir, 0777);
    CU_ASSERT_EQUAL(in_child(write_too_big, 100000), 0);
    CU_ASSERT_EQUAL(count_entries(ro_dir, NULL), 0);

    chmod(ro_dir, 0755);
    chmod(tmpdir, 0700);
    free(ro_dir);
}

static void test_atomic_copy(void)
{
    char *src = path_join(tmpdir, "copy-src");
    char *dst = path_join(tmpdir, "copy-dst");
    size_t len = 300000;
    char *data = malloc(len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(data);
    for (size_t i = 0; i < len; i++)
        data[i] = (char)(i * 7 + i / 251);
    CU_ASSERT_EQUAL_FATAL(atomic_write_file(src, data, len, 0644), 0);

    /* An existing read-only destination is replaced, with the new mode. */
    CU_ASSERT_EQUAL(atomic_write_file(dst, "old", 3, 0444), 0);
    CU_ASSERT_EQUAL(atomic_copy_file(src, dst, 0755), 0);
    char *buf = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL_FATAL(fs_read_file(dst, &buf, &n), 0);
    CU_ASSERT_EQUAL(n, len);
    CU_ASSERT(memcmp(buf, data, len) == 0);
    free(buf);
    struct stat st;
    CU_ASSERT_EQUAL(stat(dst, &st), 0);
    mode_t um = umask(0);
    umask(um);
    CU_ASSERT_EQUAL(st.st_mode & 0777, 0755 & ~um);
    CU_ASSERT_EQUAL(count_entries(tmpdir, ".tmp."), 0);

    /* A missing source fails and leaves no temporary. */
    char *missing = path_join(tmpdir, "no-such-file");
    CU_ASSERT_EQUAL(atomic_copy_file(missing, dst, 0644), -1);
    CU_ASSERT_EQUAL(errno, ENOENT);
    CU_ASSERT_EQUAL(count_entries(tmpdir, ".tmp."), 0);

    free(missing);
    free(data);
    free(src);
    free(dst);
}

/* A build output is placed as a new file: a hard link to the old one (an
 * object the user kept aside) keeps the old bytes, the whole descriptor is
 * copied whatever its offset, and a missing directory fails cleanly. */
static void test_place_copy(void)
{
    char *src = path_join(tmpdir, "place-src");
    char *dst = path_join(tmpdir, "place-dst");
    char *kept = path_join(tmpdir, "place-kept");
    CU_ASSERT_EQUAL_FATAL(atomic_write_file(src, "new content", 11, 0644), 0);
    CU_ASSERT_EQUAL_FATAL(atomic_write_file(dst, "old", 3, 0444), 0);
    CU_ASSERT_EQUAL_FATAL(link(dst, kept), 0);

    int in = open(src, O_RDONLY);
    CU_ASSERT_FATAL(in >= 0);
    char skip[4];
    CU_ASSERT_EQUAL(read(in, skip, sizeof skip), 4); /* as after verifying */
    CU_ASSERT_EQUAL(fs_place_copy(in, dst, 0644), 0);
    char *buf = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL_FATAL(fs_read_file(dst, &buf, &n), 0);
    CU_ASSERT(n == 11 && memcmp(buf, "new content", 11) == 0);
    free(buf);
    CU_ASSERT_EQUAL_FATAL(fs_read_file(kept, &buf, &n), 0);
    CU_ASSERT(n == 3 && memcmp(buf, "old", 3) == 0);
    free(buf);
    CU_ASSERT_EQUAL(count_entries(tmpdir, ".tmp."), 0);

    char *nodir = path_join(tmpdir, "no-such-dir/out.o");
    CU_ASSERT_EQUAL(fs_place_copy(in, nodir, 0644), -1);
    CU_ASSERT_EQUAL(errno, ENOENT);
    close(in);
    CU_ASSERT_EQUAL(count_entries(tmpdir, ".tmp."), 0);

    unlink(kept);
    free(nodir);
    free(kept);
    free(dst);
    free(src);
}

static void test_tmp_beside_unique(void)
{
    char *path = path_join(tmpdir, "target");
    char *t1 = NULL, *t2 = NULL;
    int fd1 = fs_open_tmp_beside(path, 0600, &t1);
    int fd2 = fs_open_tmp_beside(path, 0600, &t2);
    CU_ASSERT_FATAL(fd1 >= 0 && fd2 >= 0);
    CU_ASSERT_STRING_NOT_EQUAL(t1, t2);
    CU_ASSERT(strncmp(t1, path, strlen(path)) == 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(t1 + strlen(path), ".tmp."));
    CU_ASSERT_EQUAL(fs_write_all(fd1, "abc", 3), 0);
    close(fd1);
    close(fd2);
    unlink(t1);
    unlink(t2);
    free(t1);
    free(t2);
    free(path);
}

static void test_mkdir_p(void)
{
    char *deep = path_join(tmpdir, "m/n/o/p/");
    CU_ASSERT_EQUAL(fs_mkdir_p(deep, 0755), 0);
    CU_ASSERT_EQUAL(fs_mkdir_p(deep, 0755), 0); /* already there */
    struct stat st;
    CU_ASSERT(stat(deep, &st) == 0 && S_ISDIR(st.st_mode));

    char *file = path_join(tmpdir, "m/plain");
    CU_ASSERT_EQUAL(atomic_write_file(file, "x", 1, 0644), 0);
    CU_ASSERT_EQUAL(fs_mkdir_p(file, 0755), -1); /* a file is in the way */
    CU_ASSERT_EQUAL(errno, EEXIST);
    char *under = path_join(file, "sub");
    CU_ASSERT_EQUAL(fs_mkdir_p(under, 0755), -1);
    free(under);
    free(file);
    free(deep);
}

static void check_norm(const char *in, const char *want)
{
    char *got = path_normalize(in);
    CU_ASSERT_PTR_NOT_NULL_FATAL(got);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "\npath_normalize(\"%s\") = \"%s\", want \"%s\"\n", in, got, want);
    CU_ASSERT_STRING_EQUAL(got, want);
    free(got);
}

static void test_path_normalize(void)
{
    check_norm("/", "/");
    check_norm("//", "/");
    check_norm("/a//b/./c/", "/a/b/c");
    check_norm("/a/b/../c", "/a/c");
    check_norm("/a/b/../../..", "/");
    check_norm("/..", "/");
    check_norm("/../a", "/a");
    check_norm("a/./b", "a/b");
    check_norm("a/..", ".");
    check_norm(".", ".");
    check_norm("", ".");
    check_norm("./", ".");
    check_norm("..", "..");
    check_norm("../..", "../..");
    check_norm("../a/..", "..");
    check_norm("a/../../b", "../b");
    check_norm("a/b/../../../c/./d/..", "../c");
    check_norm("...", "...");
    check_norm("/a/.../..", "/a");
    check_norm("/a/.b/..c/.", "/a/.b/..c");
}

/* The meaning, written the slow obvious way: a stack of components. */
static void reference_norm(const char *in, char *out)
{
    char comp[16][16];
    int n = 0, absolute = in[0] == '/';
    for (const char *s = in; *s;) {
        while (*s == '/')
            s++;
        size_t cl = strcspn(s, "/");
        if (cl == 0 || (cl == 1 && s[0] == '.')) {
            /* nothing */
        } else if (cl == 2 && s[0] == '.' && s[1] == '.') {
            if (n > 0 && strcmp(comp[n - 1], ".."))
                n--;
            else if (!absolute)
                strcpy(comp[n++], "..");
        } else {
            memcpy(comp[n], s, cl);
            comp[n++][cl] = '\0';
        }
        s += cl;
    }
    strcpy(out, absolute ? "/" : "");
    for (int i = 0; i < n; i++) {
        if (i > 0)
            strcat(out, "/");
        strcat(out, comp[i]);
    }
    if (!*out)
        strcpy(out, ".");
}

/* Every path of up to 7 characters from 'a', '.' and '/': the paths that are
 * normal already take a shortcut, the others the full walk; both must mean
 * the same. */
static void test_path_normalize_all(void)
{
    static const char alphabet[] = "a./";
    int failures = 0;
    for (int len = 0; len <= 7; len++) {
        int total = 1;
        for (int i = 0; i < len; i++)
            total *= 3;
        for (int k = 0; k < total; k++) {
            char in[8], want[32];
            for (int i = 0, x = k; i < len; i++, x /= 3)
                in[i] = alphabet[x % 3];
            in[len] = '\0';
            reference_norm(in, want);
            char *got = path_normalize(in);
            CU_ASSERT_PTR_NOT_NULL_FATAL(got);
            if (strcmp(got, want) && failures++ < 5)
                fprintf(stderr, "\npath_normalize(\"%s\") = \"%s\", want \"%s\"\n", in, got, want);
            free(got);
        }
    }
    CU_ASSERT_EQUAL(failures, 0);
}

static void check_rel(const char *p, const char *root, const char *want)
{
    char *got = path_relative_to(p, root);
    if (!want) {
        CU_ASSERT_PTR_NULL(got);
    } else {
        CU_ASSERT_PTR_NOT_NULL_FATAL(got);
        CU_ASSERT_STRING_EQUAL(got, want);
    }
    free(got);
}

static void test_path_relative_to(void)
{
    check_rel("/src/proj/a.c", "/src/proj", "a.c");
    check_rel("/src/proj/sub/a.c", "/src/proj", "sub/a.c");
    check_rel("/src/proj", "/src/proj", "");
    check_rel("/src/proj/a.c", "/src/proj/", "a.c");
    check_rel("/src/project/a.c", "/src/proj", NULL);
    check_rel("/src", "/src/proj", NULL);
    check_rel("/usr/include/stdio.h", "/src/proj", NULL);
    check_rel("/usr/include", "/", "usr/include");
    check_rel("/", "/", "");
}

static void check_join(const char *a, const char *b, const char *want)
{
    char *got = path_join(a, b);
    CU_ASSERT_PTR_NOT_NULL_FATAL(got);
    CU_ASSERT_STRING_EQUAL(got, want);
    free(got);
}

static void test_path_join(void)
{
    check_join("a", "b", "a/b");
    check_join("a/", "b", "a/b");
    check_join("a//", "/b", "a/b");
    check_join("/", "b", "/b");
    check_join("/", "/b/c", "/b/c");
    check_join("", "b", "b");
    check_join("/x/y", "z.h", "/x/y/z.h");
}

static void test_path_dirname(void)
{
    const char *cases[][2] = {
        {"a/b/c.h", "a/b"}, {"c.h", "."}, {"/c.h", "/"}, {"/usr/include/x.h", "/usr/include"},
        {"../x.h", ".."}, {"/", "/"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *got = path_dirname(cases[i][0]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(got);
        CU_ASSERT_STRING_EQUAL(got, cases[i][1]);
        free(got);
    }
}

static void check_abs(const char *p, const char *cwd, const char *want)
{
    char *got = path_absolute(p, cwd);
    CU_ASSERT_PTR_NOT_NULL_FATAL(got);
    CU_ASSERT_STRING_EQUAL(got, want);
    free(got);
}

static void test_path_absolute(void)
{
    check_abs("a.c", "/src/proj", "/src/proj/a.c");
    check_abs("./inc/../a.h", "/src/proj/", "/src/proj/a.h");
    check_abs("../other/b.h", "/src/proj", "/src/other/b.h");
    check_abs("/usr//include/./x.h", "/src/proj", "/usr/include/x.h");
    check_abs(".", "/src/proj", "/src/proj");
    check_abs("../../../..", "/src/proj", "/");

    /* NULL cwd means the process's working directory. */
    char here[4096];
    CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(here, sizeof here));
    char *want = path_join(here, "x.c");
    char *got = path_absolute("x.c", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(got);
    CU_ASSERT_STRING_EQUAL(got, want);
    free(got);
    free(want);
}

static mode_t mode_of(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

static void test_parse_umask(void)
{
    mode_t m = 0;
    CU_ASSERT(fs_parse_umask("002", &m) == 0 && m == 02);
    CU_ASSERT(fs_parse_umask("0027", &m) == 0 && m == 027);
    CU_ASSERT(fs_parse_umask("777", &m) == 0 && m == 0777);
    CU_ASSERT(fs_parse_umask("0", &m) == 0 && m == 0);
    static const char *const bad[] = {"", "8", "0x12", "1000", "00000", "-2", "22 ", "u=rwx"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CU_ASSERT(fs_parse_umask(bad[i], &m) != 0);
    CU_ASSERT(fs_parse_umask(NULL, &m) != 0);
}

/* The modes given are widened for the umask to decide (0644 -> 0666 less
 * the umask), private ones stay private; with a cache umask in force, the
 * writers of build outputs use the user's.  In a child: the umask is the
 * process's. */
static void test_umask_modes(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        int bad = 0;
        char p[256];
        umask(022);
        snprintf(p, sizeof p, "%s/m-default", tmpdir);
        bad += atomic_write_file(p, "x", 1, 0644) != 0 || mode_of(p) != 0644;
        umask(002);
        snprintf(p, sizeof p, "%s/m-group", tmpdir);
        bad += atomic_write_file(p, "x", 1, 0644) != 0 || mode_of(p) != 0664;
        snprintf(p, sizeof p, "%s/m-private", tmpdir);
        bad += atomic_write_file(p, "x", 1, 0600) != 0 || mode_of(p) != 0600;
        snprintf(p, sizeof p, "%s/m-dir/sub", tmpdir);
        bad += fs_mkdir_p(p, 0755) != 0 || mode_of(p) != 0775;
        /* The user's 022, the cache's 002: cache files group-writable, the
         * outputs as the user's umask makes them. */
        umask(022);
        bad += fs_umask_for_cache(002) != 022;
        snprintf(p, sizeof p, "%s/m-cache", tmpdir);
        bad += atomic_write_file(p, "x", 1, 0644) != 0 || mode_of(p) != 0664;
        snprintf(p, sizeof p, "%s/m-out", tmpdir);
        bad += fs_write_output(p, "x", 1, 0644) != 0 || mode_of(p) != 0644;
        char src[256];
        snprintf(src, sizeof src, "%s/m-cache", tmpdir);
        int in = open(src, O_RDONLY);
        snprintf(p, sizeof p, "%s/m-placed", tmpdir);
        bad += in < 0 || fs_place_copy(in, p, 0755) != 0 || mode_of(p) != 0755;
        if (in >= 0)
            close(in);
        char *tmp = NULL;
        snprintf(p, sizeof p, "%s/m-tmpout", tmpdir);
        int fd = fs_open_tmp_output(p, 0644, &tmp);
        bad += fd < 0 || !tmp || mode_of(tmp) != 0644;
        if (fd >= 0)
            close(fd);
        free(tmp);
        /* ... and the cache's again after each. */
        mode_t now = umask(0);
        bad += now != 002;
        /* A second setting keeps the user's as it was. */
        umask(002);
        bad += fs_umask_for_cache(027) != 022;
        _exit(bad);
    }
    int st = -1;
    CU_ASSERT_FATAL(pid > 0 && waitpid(pid, &st, 0) == pid);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void test_read_missing(void)
{
    char *path = path_join(tmpdir, "nope");
    char *buf = (char *)1;
    size_t len = 99;
    CU_ASSERT_EQUAL(fs_read_file(path, &buf, &len), -1);
    CU_ASSERT_EQUAL(errno, ENOENT);
    free(path);
}

/* The hand-read /etc/passwd agrees with the C library's for this user and
 * for root, and knows nothing of a uid nobody has. */
static void test_beside_program(void)
{
    /* The variable wins, as it is (even naming nothing). */
    setenv("RICC_TEST_BESIDE", "/no/such/lib.so", 1);
    char *p = fs_beside_program("RICC_TEST_BESIDE", "libricc-cache.a");
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_STRING_EQUAL(p, "/no/such/lib.so");
    free(p);
    unsetenv("RICC_TEST_BESIDE");
    /* This test runs from $(B)/tests, so ../lib is $(B)/lib, where the
     * cache library it was linked from lies. */
    p = fs_beside_program("RICC_TEST_BESIDE", "libricc-cache.a");
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    struct stat st;
    CU_ASSERT_EQUAL(stat(p, &st), 0);
    const char *tail = "/lib/libricc-cache.a";
    CU_ASSERT(strlen(p) > strlen(tail) && !strcmp(p + strlen(p) - strlen(tail), tail));
    free(p);
    CU_ASSERT_PTR_NULL(fs_beside_program("RICC_TEST_BESIDE", "no-such-file-here"));
}

static void test_passwd_field(void)
{
    uid_t uids[] = {getuid(), 0};
    for (size_t i = 0; i < sizeof uids / sizeof *uids; i++) {
        struct passwd *pw = getpwuid(uids[i]);
        if (!pw)
            continue;
        char *name = fs_passwd_field(uids[i], 0), *home = fs_passwd_field(uids[i], 5);
        CU_ASSERT_PTR_NOT_NULL_FATAL(name);
        CU_ASSERT_PTR_NOT_NULL_FATAL(home);
        CU_ASSERT_STRING_EQUAL(name, pw->pw_name);
        CU_ASSERT_STRING_EQUAL(home, pw->pw_dir);
        free(name);
        free(home);
    }
    CU_ASSERT_PTR_NULL(fs_passwd_field((uid_t)987654321, 0));
    CU_ASSERT_PTR_NULL(fs_passwd_field(0, 7));
}

static const unit_test tests[] = {
    {"atomic write round trip", test_atomic_write_roundtrip},
    {"atomic write failure leaves nothing", test_atomic_write_failure_leaves_nothing},
    {"atomic copy", test_atomic_copy},
    {"build outputs are placed as new files", test_place_copy},
    {"temporaries are unique", test_tmp_beside_unique},
    {"mkdir -p", test_mkdir_p},
    {"path_normalize", test_path_normalize},
    {"path_normalize agrees with a reference", test_path_normalize_all},
    {"path_relative_to", test_path_relative_to},
    {"path_join", test_path_join},
    {"path_dirname", test_path_dirname},
    {"path_absolute", test_path_absolute},
    {"read missing file", test_read_missing},
    {"umask settings parse", test_parse_umask},
    {"modes: the umask decides, outputs get the user's", test_umask_modes},
    {"passwd fields", test_passwd_field},
    {"files beside the program", test_beside_program},
    {NULL, NULL},
};

int main(void)
{
    return unit_run("fsutil", suite_init, suite_clean, tests);
}
