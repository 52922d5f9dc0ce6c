/* SPDX-License-Identifier: Apache-2.0 */
/* fake_rpc.c — a scripted server in place of rpc.c.  See fake_rpc.h. */
#include "tests/fuzz/fake_rpc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cache/remote/client/client.h"

#include <grpc/grpc_security.h>
#include <grpc/support/log.h>

static const uint8_t *script;
static size_t script_len, script_off;

void fake_rpc_script(const uint8_t *p, size_t n)
{
    script = p;
    script_len = n;
    script_off = 0;
}

/* The next answer: 1 a message (*buf, *len point into the script), 0 the
 * end of a stream, or a negative gRPC status. */
static int next_answer(const uint8_t **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    if (script_off >= script_len)
        return -GRPC_STATUS_UNAVAILABLE;
    uint8_t code = script[script_off++];
    if (code == FAKE_END)
        return 0;
    size_t n = 0;
    if (script_len - script_off >= 2) {
        n = script[script_off] | (size_t)script[script_off + 1] << 8;
        script_off += 2;
    } else {
        script_off = script_len;
    }
    if (n > script_len - script_off)
        n = script_len - script_off;
    *buf = script + script_off;
    *len = n;
    script_off += n;
    return code >= 1 && code <= 16 ? -(int)code : 1;
}

static uint8_t *copy(const uint8_t *p, size_t n)
{
    uint8_t *b = malloc(n ? n : 1);
    if (b && n)
        memcpy(b, p, n);
    return b;
}

static void fail_text(remote_status *st, const char *method, int code, const uint8_t *p,
                      size_t n)
{
    st_set(st, code, "%s: %.*s", method, (int)(n > 200 ? 200 : n), (const char *)p);
}

/* ---- client.h's rpc.c interface ---- */

int rpc_retryable(int code)
{
    return code == GRPC_STATUS_UNAVAILABLE || code == GRPC_STATUS_RESOURCE_EXHAUSTED;
}

void rpc_backoff(rclient *c, int attempt)
{
    (void)c;
    (void)attempt; /* no sleeping: the script answers at once */
}

int rpc_start(rpc *r, rclient *c, grpc_channel *ch, const char *method, int timeout_s)
{
    (void)ch;
    (void)timeout_s;
    memset(r, 0, sizeof *r);
    r->c = c;
    r->method = method;
    r->call = (grpc_call *)r; /* not NULL; only the stubs below see it */
    return 0;
}

int rpc_send(rpc *r, const void *buf, size_t len, int last)
{
    (void)buf;
    (void)len;
    if (r->closed)
        return -1;
    r->closed = last;
    return 0;
}

int rpc_send_msg(rpc *r, const ProtobufCMessage *m, int last)
{
    size_t len;
    void *buf = reapi_pack(m, &len, NULL);
    if (!buf)
        return -1;
    free(buf);
    return rpc_send(r, NULL, len, last);
}

/* The stream's state is kept in recv_md (rpc.c's bookkeeping is not needed
 * here): 0 open, 1 ended cleanly, -CODE failed with CODE. */
int rpc_recv(rpc *r, uint8_t **buf, size_t *len)
{
    if (r->recv_md)
        return r->recv_md > 0 ? 0 : -1; /* ended already */
    const uint8_t *p;
    size_t n;
    int a = next_answer(&p, &n);
    if (a == 1) {
        *buf = copy(p, n);
        *len = n;
        return *buf ? 1 : -1;
    }
    r->recv_md = a == 0 ? 1 : a;
    return a == 0 ? 0 : -1;
}

int rpc_finish(rpc *r, remote_status *st)
{
    int code = GRPC_STATUS_OK;
    if (r->recv_md < 0)
        code = -r->recv_md;
    else if (r->recv_md == 0) {
        /* Finished before the stream ended: the status comes now. */
        const uint8_t *p;
        size_t n;
        int a = next_answer(&p, &n);
        code = a < 0 ? -a : GRPC_STATUS_OK;
    }
    if (code != GRPC_STATUS_OK)
        fail_text(st, r->method, code, (const uint8_t *)"stream failed", 13);
    r->call = NULL;
    return code;
}

int rpc_unary(rclient *c, grpc_channel *ch, const char *method, const ProtobufCMessage *req,
              uint8_t **resp, size_t *resp_len, remote_status *st)
{
    (void)c;
    (void)ch;
    size_t len;
    void *buf = reapi_pack(req, &len, NULL);
    if (!buf)
        return st_set(st, GRPC_STATUS_RESOURCE_EXHAUSTED, "%s: out of memory", method);
    free(buf);
    const uint8_t *p;
    size_t n;
    int a = next_answer(&p, &n);
    if (a == 0)
        a = 1, n = 0; /* an empty reply */
    if (a < 0) {
        fail_text(st, method, -a, p, n);
        return -1;
    }
    if (!(*resp = copy(p, n)))
        return st_set(st, GRPC_STATUS_RESOURCE_EXHAUSTED, "%s: out of memory", method);
    *resp_len = n;
    return 0;
}

/* ---- the gRPC calls the rest of the module makes ---- */

static int dummy;

void grpc_init(void) {}
void gpr_set_log_function(gpr_log_func f) { (void)f; }
grpc_completion_queue *grpc_completion_queue_create_for_pluck(void *reserved)
{
    (void)reserved;
    return (grpc_completion_queue *)&dummy;
}
grpc_channel_credentials *grpc_insecure_credentials_create(void)
{
    return (grpc_channel_credentials *)&dummy;
}
grpc_channel_credentials *grpc_ssl_credentials_create(const char *a, grpc_ssl_pem_key_cert_pair *b,
                                                      const verify_peer_options *c, void *d)
{
    (void)a, (void)b, (void)c, (void)d;
    return (grpc_channel_credentials *)&dummy;
}
void grpc_channel_credentials_release(grpc_channel_credentials *c) { (void)c; }
grpc_channel *grpc_channel_create(const char *target, grpc_channel_credentials *creds,
                                  const grpc_channel_args *args)
{
    (void)target, (void)creds, (void)args;
    return (grpc_channel *)&dummy;
}
grpc_call_error grpc_call_cancel(grpc_call *call, void *reserved)
{
    (void)call, (void)reserved;
    return GRPC_CALL_OK;
}

/* ---- the sandbox ---- */

static char box[2][4096];
static char artifacts[4096];
static int armed;

void fake_rpc_arm(int on)
{
    armed = on;
}

void fake_rpc_sandbox(const char *dir, const char *also, int argc, char **argv)
{
    snprintf(box[0], sizeof box[0], "%s", dir);
    snprintf(box[1], sizeof box[1], "%s", also ? also : dir);
    for (int i = 1; i < argc; i++)
        if (!strncmp(argv[i], "-artifact_prefix=", 17))
            snprintf(artifacts, sizeof artifacts, "%s", argv[i] + 17);
}

static int under(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

static int allowed(const char *path)
{
    if (!armed || !box[0][0])
        return 1;
    if (artifacts[0] && !strncmp(path, artifacts, strlen(artifacts)))
        return 1; /* libFuzzer saving the input that crashed, while armed */
    if (path[0] == '/' && !under(path, box[0]) && !under(path, box[1]))
        return 0;
    for (const char *s = path; (s = strstr(s, "..")); s += 2)
        if ((s == path || s[-1] == '/') && (s[2] == '\0' || s[2] == '/'))
            return 0;
    return 1;
}

int __real_open(const char *path, int flags, ...);
FILE *__real_fopen(const char *path, const char *mode);
DIR *__real_opendir(const char *path);
int __real_mkdir(const char *path, mode_t mode);
int __real_rename(const char *from, const char *to);
int __real_unlink(const char *path);
int __real_link(const char *from, const char *to);

#define REFUSE(path, fail)                                                                    \
    do {                                                                                      \
        if (!allowed(path)) {                                                                 \
            errno = EACCES;                                                                   \
            return fail;                                                                      \
        }                                                                                     \
    } while (0)

int __wrap_open(const char *path, int flags, ...)
{
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    REFUSE(path, -1);
    return __real_open(path, flags, mode);
}

FILE *__wrap_fopen(const char *path, const char *mode)
{
    REFUSE(path, NULL);
    return __real_fopen(path, mode);
}

DIR *__wrap_opendir(const char *path)
{
    REFUSE(path, NULL);
    return __real_opendir(path);
}

int __wrap_mkdir(const char *path, mode_t mode)
{
    REFUSE(path, -1);
    return __real_mkdir(path, mode);
}

int __wrap_rename(const char *from, const char *to)
{
    REFUSE(from, -1);
    REFUSE(to, -1);
    return __real_rename(from, to);
}

int __wrap_unlink(const char *path)
{
    REFUSE(path, -1);
    return __real_unlink(path);
}

int __wrap_link(const char *from, const char *to)
{
    REFUSE(from, -1);
    REFUSE(to, -1);
    return __real_link(from, to);
}
