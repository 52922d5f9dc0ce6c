/* SPDX-License-Identifier: Apache-2.0 */
/* test_remote_faults.c — servers that are down, slow, refusing or
 * demanding: retries on UNAVAILABLE, the remote marked down once with one
 * warning, deadlines, PERMISSION_DENIED on UpdateActionResult, a server
 * without SHA-256, the bearer token, TLS with a CA and client certificates
 * made here (tests/remote/server.py, harness.c). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/remote/harness.h"

static void test_unavailable(void)
{
    NEEDS_OWN_SERVER("injected UNAVAILABLE (--fail-first)");
    server s;
    START(s, "--fail-first", "2");
    config cfg = make_cfg(&s);
    cfg.retry_limit = 2;
    remote *r = remote_open(&cfg);
    CU_ASSERT_FATAL(r != NULL);
    digest act;
    digest_str("retry me", &act);
    void *got;
    size_t len;
    int w = n_warnings;
    CU_ASSERT_EQUAL(remote_get_action_result(r, &act, NULL, 0, &got, &len), REMOTE_MISS);
    CU_ASSERT_EQUAL(record_count(&s, "GetCapabilities", NULL), 3); /* 2 failed + 1 */
    CU_ASSERT_EQUAL(n_warnings, w);
    CU_ASSERT(remote_usable(&cfg));
    remote_close(r);
    server_stop(&s);

    START(s, "--fail-first", "5");
    cfg = make_cfg(&s);
    cfg.retry_limit = 1;
    r = remote_open(&cfg);
    CU_ASSERT_FATAL(r != NULL);
    CU_ASSERT_EQUAL(remote_get_action_result(r, &act, NULL, 0, &got, &len), -1);
    CU_ASSERT_EQUAL(remote_error(r)->code, REMOTE_CODE_UNAVAILABLE);
    CU_ASSERT_EQUAL(n_warnings, w + 1);
    CU_ASSERT(strstr(last_warning, "unavailable") != NULL);
    CU_ASSERT(!remote_usable(&cfg));
    int calls = record_count(&s, NULL, NULL);
    CU_ASSERT_EQUAL(calls, 2);
    /* The handle fails at once now, and so does a new open, silently. */
    CU_ASSERT_EQUAL(remote_get_action_result(r, &act, NULL, 0, &got, &len), -1);
    remote_close(r);
    CU_ASSERT_PTR_NULL(remote_open(&cfg));
    CU_ASSERT_EQUAL(record_count(&s, NULL, NULL), calls);
    CU_ASSERT_EQUAL(n_warnings, w + 1);
    CU_ASSERT_EQUAL(remote_mark_down(&cfg, "again"), 0); /* already marked */
    server_stop(&s);
}

/* Nothing listening: fails fast, marks down, one warning. */
static void test_server_down(void)
{
    server s;
    memset(&s, 0, sizeof s);
    snprintf(s.dir, sizeof s.dir, "/tmp/rrt-XXXXXX");
    CU_ASSERT_FATAL(mkdtemp(s.dir) != NULL);
    add_scratch(s.dir);
    snprintf(s.addr, sizeof s.addr, "unix:%s/nobody.sock", s.dir);
    config cfg = make_cfg(&s);
    cfg.retry_limit = 1;
    int w = n_warnings;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    remote *r = remote_open(&cfg);
    CU_ASSERT_FATAL(r != NULL);
    digest act;
    digest_str("down", &act);
    void *got;
    size_t len;
    CU_ASSERT_EQUAL(remote_get_action_result(r, &act, NULL, 0, &got, &len), -1);
    CU_ASSERT_EQUAL(remote_error(r)->code, REMOTE_CODE_UNAVAILABLE);
    remote_close(r);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
    CU_ASSERT(ms < 2000);
    CU_ASSERT_EQUAL(n_warnings, w + 1);
    CU_ASSERT(!remote_usable(&cfg));
    CU_ASSERT_PTR_NULL(remote_open(&cfg));
    CU_ASSERT_EQUAL(n_warnings, w + 1);
    server_stop(&s);
}

/* A server slower than the deadline: DEADLINE_EXCEEDED, marked down. */
static void test_deadline(void)
{
    NEEDS_OWN_SERVER("slow answers (--delay-ms)");
    server s;
    START(s, "--delay-ms", "2500");
    config cfg = make_cfg(&s);
    cfg.request_timeout_s = 1;
    cfg.retry_limit = 3; /* not spent on a server that does not answer */
    remote *r = remote_open(&cfg);
    CU_ASSERT_FATAL(r != NULL);
    digest act;
    digest_str("slow", &act);
    void *got;
    size_t len;
    CU_ASSERT_EQUAL(remote_get_action_result(r, &act, NULL, 0, &got, &len), -1);
    CU_ASSERT_EQUAL(remote_error(r)->code, REMOTE_CODE_DEADLINE_EXCEEDED);
    CU_ASSERT(!remote_usable(&cfg));
    /* A deadline that expired is not tried again at full length. */
    int caps = record_count(&s, "GetCapabilities", NULL);
    int gets = record_count(&s, "GetActionResult", NULL);
    CU_ASSERT(caps <= 1 && gets <= 1 && caps + gets >= 1);
    remote_close(r);
    server_stop(&s);
}

/* PERMISSION_DENIED on UpdateActionResult: reported once, then skipped. */
static void test_update_denied(void)
{
    NEEDS_OWN_SERVER("refused updates (--deny-ac-update)");
    server s;
    START(s, "--deny-ac-update");
    config cfg = make_cfg(&s);
    remote *r = remote_open(&cfg);
    CU_ASSERT_FATAL(r != NULL);
    digest act;
    digest_str("denied", &act);
    size_t len;
    void *ar = pack_result(NULL, NULL, 0, &len);
    int w = n_warnings;
    CU_ASSERT_EQUAL(remote_update_action_result(r, &act, ar, len), -1);
    CU_ASSERT_EQUAL(remote_error(r)->code, REMOTE_CODE_PERMISSION_DENIED);
    CU_ASSERT_EQUAL(n_warnings, w + 1);
    CU_ASSERT(strstr(last_warning, "refuses") != NULL);
    CU_ASSERT_EQUAL(remote_update_action_result(r, &act, ar, len), -1);
    CU_ASSERT_EQUAL(remote_error(r)->code, REMOTE_CODE_PERMISSION_DENIED);
    CU_ASSERT_EQUAL(n_warnings, w + 1);
    CU_ASSERT_EQUAL(record_count(&s, "UpdateActionResult", NULL), 1);
    /* The rest of the remote is still usable. */
    CU_ASSERT(remote_usable(&cfg));
    void *got;
    CU_ASSERT_EQUAL(remote_get_action_result(r, &act, NULL, 0, &got, &len), REMOTE_MISS);
    free(ar);
    remote_close(r);
    server_stop(&s);
}

/* A server without SHA-256 cannot be used. */
static void test_no_sha256(void)
{
    NEEDS_OWN_SERVER("missing SHA-256 (--no-sha256)");
    server s;
    START(s, "--no-sha256");
    config cfg = make_cfg(&s);
    remote *r = remote_open(&cfg);
    CU_ASSERT_FATAL(r != NULL);
    digest act;
    digest_str("sha1 only", &act);
    void *got;
    size_t len;
    CU_ASSERT_EQUAL(remote_get_action_result(r, &act, NULL, 0, &got, &len), -1);
    CU_ASSERT(strstr(remote_error(r)->message, "SHA-256") != NULL);
    CU_ASSERT(!remote_usable(&cfg));
    CU_ASSERT_EQUAL(record_count(&s, "GetActionResult", NULL), 0);
    remote_close(r);
    server_stop(&s);
}

/* The access token goes out as a bearer token; a wrong one is refused. */
static void test_access_token(void)
{
    NEEDS_OWN_SERVER("token check (--require-token)");
    server s;
    START(s, "--require-token", "s3cret");
    config cfg = make_cfg(&s);
    char tok[128];
    snprintf(tok, sizeof tok, "%s/token", s.dir);
    FILE *f = fopen(tok, "w");
    fputs("s3cret\n", f);
    fclose(f);
    cfg.access_token_path = tok;
    remote *r = remote_open(&cfg);
    CU_ASSERT_FATAL(r != NULL);
    digest act;
    digest_str("token", &act);
    void *got;
    size_t len;
    CU_ASSERT_EQUAL(remote_get_action_result(r, &act, NULL, 0, &got, &len), REMOTE_MISS);
    CU_ASSERT_EQUAL(record_count(&s, "GetActionResult", "\"authorization\": \"Bearer s3cret\""), 1);
    remote_close(r);

    f = fopen(tok, "w");
    fputs("wrong", f);
    fclose(f);
    r = remote_open(&cfg);
    CU_ASSERT_FATAL(r != NULL);
    CU_ASSERT_EQUAL(remote_get_action_result(r, &act, NULL, 0, &got, &len), -1);
    CU_ASSERT_EQUAL(remote_error(r)->code, REMOTE_CODE_UNAUTHENTICATED);
    CU_ASSERT(!remote_usable(&cfg));
    remote_close(r);

    /* An unreadable token file: open fails and marks the remote down. */
    char down[256];
    snprintf(down, sizeof down, "%s/remote-down", cfg.dir);
    unlink(down);
    cfg.access_token_path = "/nonexistent/token";
    CU_ASSERT_PTR_NULL(remote_open(&cfg));
    CU_ASSERT(!remote_usable(&cfg));
    server_stop(&s);
}

/* TLS with a CA made here; the server also demands a client certificate. */
static void test_tls(void)
{
    NEEDS_OWN_SERVER("TLS listener");
    char dir[] = "/tmp/rrt-tls-XXXXXX";
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    add_scratch(dir);
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "cd %s && exec >log 2>&1 && "
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
             "-keyout ca.key -out ca.pem -days 2 -subj /CN=ricc-test-ca && "
             "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > san.ext && "
             "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
             "-keyout srv.key -out srv.csr -subj /CN=localhost && "
             "openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
             "-out srv.pem -days 2 -extfile san.ext && "
             "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
             "-keyout cli.key -out cli.csr -subj /CN=ricc-client && "
             "openssl x509 -req -in cli.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
             "-out cli.pem -days 2 && "
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
             "-keyout other.key -out other.pem -days 2 -subj /CN=another-ca",
             dir);
    CU_ASSERT_FATAL(system(cmd) == 0);
    char cert[64], key[64], ca[64], ccert[64], ckey[64];
    snprintf(cert, sizeof cert, "%s/srv.pem", dir);
    snprintf(key, sizeof key, "%s/srv.key", dir);
    snprintf(ca, sizeof ca, "%s/ca.pem", dir);
    snprintf(ccert, sizeof ccert, "%s/cli.pem", dir);
    snprintf(ckey, sizeof ckey, "%s/cli.key", dir);
    server s;
    START(s, "--tls-cert", cert, "--tls-key", key, "--tls-client-ca", ca);
    char addr[128];
    snprintf(addr, sizeof addr, "grpcs://localhost:%s", strchr(s.tcp_addr, ':') + 1);
    config cfg = make_cfg(&s);
    cfg.server = addr;
    cfg.server_cert = ca;
    cfg.client_cert = ccert;
    cfg.client_key = ckey;
    remote *r = remote_open(&cfg);
    CU_ASSERT_FATAL(r != NULL);
    digest act;
    digest_str("over tls", &act);
    void *got;
    size_t len;
    CU_ASSERT_EQUAL(remote_get_action_result(r, &act, NULL, 0, &got, &len), REMOTE_MISS);
    remote_close(r);

    /* server_ssl with a plain address means TLS too. */
    snprintf(addr, sizeof addr, "localhost:%s", strchr(s.tcp_addr, ':') + 1);
    cfg.server_ssl = 1;
    r = remote_open(&cfg);
    CU_ASSERT_FATAL(r != NULL);
    CU_ASSERT_EQUAL(remote_get_action_result(r, &act, NULL, 0, &got, &len), REMOTE_MISS);
    remote_close(r);

    /* A server certificate from another CA is not trusted. */
    char other[64], down[128];
    snprintf(other, sizeof other, "%s/other.pem", dir);
    snprintf(down, sizeof down, "%s/remote-down", cfg.dir);
    cfg.server_cert = other;
    r = remote_open(&cfg);
    CU_ASSERT_FATAL(r != NULL);
    CU_ASSERT_EQUAL(remote_get_action_result(r, &act, NULL, 0, &got, &len), -1);
    CU_ASSERT_EQUAL(remote_error(r)->code, REMOTE_CODE_UNAVAILABLE);
    remote_close(r);
    unlink(down);

    /* Without the client certificate the handshake fails: unavailable. */
    cfg.server_cert = ca;
    cfg.client_cert = cfg.client_key = NULL;
    r = remote_open(&cfg);
    CU_ASSERT_FATAL(r != NULL);
    CU_ASSERT_EQUAL(remote_get_action_result(r, &act, NULL, 0, &got, &len), -1);
    CU_ASSERT_EQUAL(remote_error(r)->code, REMOTE_CODE_UNAVAILABLE);
    remote_close(r);
    CU_ASSERT_EQUAL(record_count(&s, "GetActionResult", NULL), 2);
    server_stop(&s);
    rm_rf(dir);
}

/* Execute a real command with an input file; then the cached result; then
 * through a broken stream (WaitExecution). */
int main(void)
{
    static const test_case tests[] = {
        { "UNAVAILABLE retried, then marked down", test_unavailable },
        { "server down: fast, one warning, skipped", test_server_down },
        { "deadline exceeded marks down", test_deadline },
        { "UpdateActionResult PERMISSION_DENIED", test_update_denied },
        { "server without SHA-256 unusable", test_no_sha256 },
        { "access token as bearer", test_access_token },
        { "TLS with a self-signed CA and client cert", test_tls },
    };
    return run_tests("remote client: faults, credentials", tests,
                     sizeof tests / sizeof tests[0]);
}
