/* SPDX-License-Identifier: Apache-2.0 */
/* bench_client.c — what a remote action cache hit costs the client.
 *
 *   bench_client ADDR DIR seed          store a 10 KB output and its
 *                                        ActionResult under a fixed action
 *   bench_client ADDR DIR once          one process, one hit, as a wrapped
 *                                        compile would do it: load the
 *                                        module, open, GetActionResult
 *                                        (outputs inlined), close; prints
 *                                        the phases in microseconds
 *   bench_client ADDR DIR warm N        one open handle, N hits: the cost
 *                                        per hit with a channel kept open
 *                                        (what an agent process would give)
 *   bench_client ADDR DIR none          start, hash one string (libcrypto's
 *                                        start-up, which any ricc call pays
 *                                        for its local lookup anyway), exit:
 *                                        the baseline
 *
 * DIR is the RICC_DIR (capabilities are remembered there, as in ricc).
 * Built and driven by bench/remote-hit.sh. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache/util/log.h"
#include "cache/reapi/reapi.h"
#include "cache/remote/remote.h"

int log_enabled(enum log_level level)
{
    return level <= LOG_WARNING;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "bench_client: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    (void)level;
}

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static char *outputs[] = { "obj/hello.o" };

static int hit(remote *r, const digest *act)
{
    void *ar;
    size_t len;
    if (remote_get_action_result(r, act, outputs, 1, &ar, &len) != 0)
        return -1;
    free(ar);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench_client ADDR DIR seed|once|warm N|none\n");
        return 2;
    }
    digest act;
    digest_str("ricc bench action", &act);
    if (strcmp(argv[3], "none") == 0)
        return act.hash[0] == '\0';
    config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.server = argv[1];
    cfg.dir = argv[2];
    cfg.request_timeout_s = 30;
    cfg.retry_delay_ms = 100;
    cfg.remote_skip_seconds = 0;

    double t0 = now_us();
    remote *r = remote_open(&cfg);
    double t1 = now_us();
    if (!r)
        return 1;
    int rc = 0;
    if (strcmp(argv[3], "seed") == 0) {
        static char obj[10240];
        for (size_t i = 0; i < sizeof obj; i++)
            obj[i] = (char)(i * 7);
        remote_blob b = { { "", 0 }, obj, sizeof obj, NULL };
        digest_buf(obj, sizeof obj, &b.d);
        reapi_action_result ar = REAPI_ACTION_RESULT_INIT;
        reapi_output_file of = REAPI_OUTPUT_FILE_INIT, *ofp = &of;
        reapi_digest rd;
        reapi_digest_ref(&rd, &b.d);
        of.path = outputs[0];
        of.digest = &rd;
        ar.n_output_files = 1;
        ar.output_files = &ofp;
        size_t len;
        void *buf = reapi_pack(&ar.base, &len, NULL);
        rc = remote_upload(r, &b, 1) || remote_update_action_result(r, &act, buf, len);
        free(buf);
    } else if (strcmp(argv[3], "once") == 0) {
        rc = hit(r, &act);
        double t2 = now_us();
        remote_close(r);
        r = NULL;
        double t3 = now_us();
        printf("open %.0f first-hit %.0f close %.0f\n", t1 - t0, t2 - t1, t3 - t2);
    } else if (strcmp(argv[3], "warm") == 0 && argc > 4) {
        int n = atoi(argv[4]);
        rc = hit(r, &act); /* connect and capabilities out of the way */
        double t2 = now_us();
        for (int i = 0; i < n && rc == 0; i++)
            rc = hit(r, &act);
        double t3 = now_us();
        printf("warm-hit %.1f\n", (t3 - t2) / n);
    }
    remote_close(r);
    return rc ? 1 : 0;
}
