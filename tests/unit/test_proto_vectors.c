/* SPDX-License-Identifier: Apache-2.0 */
/* Wire compatibility of proto/ with the published REAPI v2 protos.
 *
 * proto/ was written for this project, so a wrong field number or type would
 * go unnoticed by every other test (they only talk to ourselves).  Here every
 * message in tests/vectors/reapi-vectors/vectors.tsv (a copy of ../shared/) — produced by an
 * independent implementation — is built with the protobuf-c generated code as
 * notes.tsv describes and packed; the size, bytes and SHA-256 must match.
 * Each vector is also unpacked and packed again to the same bytes, which
 * checks the decoder on the same data.
 *
 * Digests inside the messages are computed (digest_str of the contents,
 * digest of the packed sub-message) rather than copied from the vectors, so
 * the chain command -> action and directory -> root is checked too.  A vector
 * with no builder here fails the test, so a new vector cannot be skipped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/bazel/remote/execution/v2/remote_execution.pb-c.h"
#include "cache/reapi/digest.h"
#include "google/bytestream/bytestream.pb-c.h"
#include "google/rpc/status.pb-c.h"
#include "tests/unit/unit.h"

#define V2(name) Build__Bazel__Remote__Execution__V2__##name
#define V2_INIT(NAME) BUILD__BAZEL__REMOTE__EXECUTION__V2__##NAME##__INIT

typedef V2(Digest) pb_digest;

/* ---- helpers ---- */

static uint8_t *pack(const ProtobufCMessage *m, size_t *len)
{
    *len = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = malloc(*len + 1); /* + 1: an empty message is zero bytes */
    if (buf)
        protobuf_c_message_pack(m, buf);
    return buf;
}

/* Point a Digest message at d (which must outlive the pack). */
static pb_digest *set_digest(pb_digest *m, digest *d)
{
    pb_digest init = V2_INIT(DIGEST);
    *m = init;
    m->hash = d->hash;
    m->size_bytes = d->size_bytes;
    return m;
}

static ProtobufCBinaryData bytes_of(const char *s)
{
    ProtobufCBinaryData b = {strlen(s), (uint8_t *)s};
    return b;
}

typedef uint8_t *(*builder)(size_t *len);

/* The REAPI digest of what a builder produces. */
static void digest_of(builder b, digest *out)
{
    size_t len;
    uint8_t *buf = b(&len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
    digest_buf(buf, len, out);
    free(buf);
}

/* ---- one builder per vector, in the order of notes.tsv ---- */

#define HELLO_C "#include \"hello.h\"\nint main(void){return HELLO;}\n"
#define HELLO_H "#define HELLO 0\n"
#define RUN_SH "#!/bin/sh\nexit 0\n"

static uint8_t *b_digest_of_empty(size_t *len)
{
    digest d;
    pb_digest m;
    digest_str("", &d);
    return pack(&set_digest(&m, &d)->base, len);
}

static uint8_t *b_digest_hello_c(size_t *len)
{
    digest d;
    pb_digest m;
    digest_str(HELLO_C, &d);
    return pack(&set_digest(&m, &d)->base, len);
}

static uint8_t *b_directory_src(size_t *len)
{
    digest dc, dh;
    pb_digest mc, mh;
    digest_str(HELLO_C, &dc);
    digest_str(HELLO_H, &dh);
    V2(FileNode) fc = V2_INIT(FILE_NODE), fh = V2_INIT(FILE_NODE);
    fc.name = "hello.c";
    fc.digest = set_digest(&mc, &dc);
    fh.name = "hello.h";
    fh.digest = set_digest(&mh, &dh);
    V2(FileNode) *files[] = {&fc, &fh};
    V2(Directory) dir = V2_INIT(DIRECTORY);
    dir.n_files = 2;
    dir.files = files;
    return pack(&dir.base, len);
}

static uint8_t *b_directory_tools(size_t *len)
{
    digest d;
    pb_digest md;
    digest_str(RUN_SH, &d);
    V2(FileNode) f = V2_INIT(FILE_NODE);
    f.name = "run.sh";
    f.digest = set_digest(&md, &d);
    f.is_executable = 1;
    V2(FileNode) *files[] = {&f};
    V2(Directory) dir = V2_INIT(DIRECTORY);
    dir.n_files = 1;
    dir.files = files;
    return pack(&dir.base, len);
}

static uint8_t *b_directory_root(size_t *len)
{
    digest ds, dt;
    pb_digest ms, mt;
    digest_of(b_directory_src, &ds);
    digest_of(b_directory_tools, &dt);
    V2(DirectoryNode) src = V2_INIT(DIRECTORY_NODE), tools = V2_INIT(DIRECTORY_NODE);
    src.name = "src";
    src.digest = set_digest(&ms, &ds);
    tools.name = "tools";
    tools.digest = set_digest(&mt, &dt);
    V2(DirectoryNode) *dirs[] = {&src, &tools};
    V2(SymlinkNode) link = V2_INIT(SYMLINK_NODE);
    link.name = "link";
    link.target = "src/hello.h";
    V2(SymlinkNode) *links[] = {&link};
    V2(Directory) dir = V2_INIT(DIRECTORY);
    dir.n_directories = 2;
    dir.directories = dirs;
    dir.n_symlinks = 1;
    dir.symlinks = links;
    return pack(&dir.base, len);
}

static uint8_t *b_directory_empty(size_t *len)
{
    V2(Directory) dir = V2_INIT(DIRECTORY);
    return pack(&dir.base, len);
}

/* notes.tsv writes the toolchain digest as "<hash>/1234"; the hash itself is
 * an arbitrary value, taken from the vector's bytes. */
#define CHROOT_DIGEST "8b1a9953c4611296a827abf8c47804d7e6c49c6b2b5a1c8f1f2b9e1c2d3e4f50/1234"

static uint8_t *b_command_compile(size_t *len)
{
    char *args[] = {"gcc", "-c", "src/hello.c", "-o", "src/hello.o"};
    char *outputs[] = {"src/hello.o"};
    V2(Command__EnvironmentVariable) lang = V2_INIT(COMMAND__ENVIRONMENT_VARIABLE);
    V2(Command__EnvironmentVariable) path = V2_INIT(COMMAND__ENVIRONMENT_VARIABLE);
    lang.name = "LANG";
    lang.value = "C";
    path.name = "PATH";
    path.value = "/usr/bin:/bin";
    V2(Command__EnvironmentVariable) *env[] = {&lang, &path};
    V2(Platform__Property) os = V2_INIT(PLATFORM__PROPERTY);
    V2(Platform__Property) chroot = V2_INIT(PLATFORM__PROPERTY);
    os.name = "OSFamily";
    os.value = "linux";
    chroot.name = "chrootRootDigest";
    chroot.value = CHROOT_DIGEST;
    V2(Platform__Property) *props[] = {&os, &chroot};
    V2(Platform) platform = V2_INIT(PLATFORM);
    platform.n_properties = 2;
    platform.properties = props;

    V2(Command) cmd = V2_INIT(COMMAND);
    cmd.n_arguments = 5;
    cmd.arguments = args;
    cmd.n_environment_variables = 2;
    cmd.environment_variables = env;
    cmd.n_output_files = 1;
    cmd.output_files = outputs;
    cmd.n_output_paths = 1;
    cmd.output_paths = outputs;
    cmd.platform = &platform;
    /* working_directory stays the empty string: omitted on the wire. */
    return pack(&cmd.base, len);
}

static uint8_t *build_action(size_t *len, int salted)
{
    digest dc, dr;
    pb_digest mc, mr;
    digest_of(b_command_compile, &dc);
    digest_of(b_directory_root, &dr);
    V2(Action) a = V2_INIT(ACTION);
    a.command_digest = set_digest(&mc, &dc);
    a.input_root_digest = set_digest(&mr, &dr);

    V2(Platform__Property) os = V2_INIT(PLATFORM__PROPERTY);
    os.name = "OSFamily";
    os.value = "linux";
    V2(Platform__Property) *props[] = {&os};
    V2(Platform) platform = V2_INIT(PLATFORM);
    platform.n_properties = 1;
    platform.properties = props;
    if (salted) {
        a.do_not_cache = 1;
        a.salt = bytes_of("ricc");
        a.platform = &platform;
    }
    return pack(&a.base, len);
}

static uint8_t *b_action_compile(size_t *len)
{
    return build_action(len, 0);
}

static uint8_t *b_action_compile_salted(size_t *len)
{
    return build_action(len, 1);
}

static uint8_t *b_action_result(size_t *len)
{
    static const char object[] = "\x7f" "ELF fake object";
    digest dobj, derr;
    pb_digest mobj, merr;
    digest_buf(object, sizeof object - 1, &dobj);
    digest_str("warning: x\n", &derr);
    V2(OutputFile) out = V2_INIT(OUTPUT_FILE);
    out.path = "src/hello.o";
    out.digest = set_digest(&mobj, &dobj);
    V2(OutputFile) *outs[] = {&out};
    V2(ActionResult) r = V2_INIT(ACTION_RESULT);
    r.n_output_files = 1;
    r.output_files = outs;
    r.exit_code = 0;
    r.stderr_digest = set_digest(&merr, &derr);
    return pack(&r.base, len);
}

static void init_failed_result(V2(ActionResult) *r)
{
    V2(ActionResult) init = V2_INIT(ACTION_RESULT);
    *r = init;
    r->exit_code = 1;
    r->stderr_raw = bytes_of("error\n");
}

static uint8_t *b_action_result_failed(size_t *len)
{
    V2(ActionResult) r;
    init_failed_result(&r);
    return pack(&r.base, len);
}

static uint8_t *b_get_action_result_request(size_t *len)
{
    digest d;
    pb_digest m;
    digest_str("x", &d);
    char *inline_files[] = {"a.o"};
    V2(GetActionResultRequest) req = V2_INIT(GET_ACTION_RESULT_REQUEST);
    req.instance_name = "main";
    req.action_digest = set_digest(&m, &d);
    req.inline_stdout = 1;
    req.inline_stderr = 1;
    req.n_inline_output_files = 1;
    req.inline_output_files = inline_files;
    return pack(&req.base, len);
}

static uint8_t *b_update_action_result_request(size_t *len)
{
    digest d;
    pb_digest m;
    digest_str("x", &d);
    V2(ActionResult) r;
    init_failed_result(&r);
    V2(UpdateActionResultRequest) req = V2_INIT(UPDATE_ACTION_RESULT_REQUEST);
    req.action_digest = set_digest(&m, &d);
    req.action_result = &r;
    return pack(&req.base, len);
}

static uint8_t *b_find_missing_blobs_request(size_t *len)
{
    digest da, db;
    pb_digest ma, mb;
    digest_str("a", &da);
    digest_str("b", &db);
    pb_digest *digests[] = {set_digest(&ma, &da), set_digest(&mb, &db)};
    V2(FindMissingBlobsRequest) req = V2_INIT(FIND_MISSING_BLOBS_REQUEST);
    req.instance_name = "main";
    req.n_blob_digests = 2;
    req.blob_digests = digests;
    return pack(&req.base, len);
}

static uint8_t *b_batch_update_blobs_request(size_t *len)
{
    digest d;
    pb_digest m;
    digest_str("a", &d);
    V2(BatchUpdateBlobsRequest__Request) one = V2_INIT(BATCH_UPDATE_BLOBS_REQUEST__REQUEST);
    one.digest = set_digest(&m, &d);
    one.data = bytes_of("a");
    V2(BatchUpdateBlobsRequest__Request) *reqs[] = {&one};
    V2(BatchUpdateBlobsRequest) req = V2_INIT(BATCH_UPDATE_BLOBS_REQUEST);
    req.n_requests = 1;
    req.requests = reqs;
    return pack(&req.base, len);
}

static uint8_t *b_batch_read_blobs_request(size_t *len)
{
    digest d;
    pb_digest m;
    digest_str("a", &d);
    pb_digest *digests[] = {set_digest(&m, &d)};
    V2(BatchReadBlobsRequest) req = V2_INIT(BATCH_READ_BLOBS_REQUEST);
    req.n_digests = 1;
    req.digests = digests;
    return pack(&req.base, len);
}

static uint8_t *b_batch_read_blobs_response(size_t *len)
{
    digest da, dz;
    pb_digest ma, mz;
    digest_str("a", &da);
    digest_str("zz", &dz);
    /* A status that is present but all defaults packs as an empty field 3:
     * protobuf-c writes a set sub-message pointer even when it is empty. */
    Google__Rpc__Status ok = GOOGLE__RPC__STATUS__INIT;
    Google__Rpc__Status missing = GOOGLE__RPC__STATUS__INIT;
    missing.code = 5; /* NOT_FOUND */
    missing.message = "not found";
    V2(BatchReadBlobsResponse__Response) ra = V2_INIT(BATCH_READ_BLOBS_RESPONSE__RESPONSE);
    V2(BatchReadBlobsResponse__Response) rz = V2_INIT(BATCH_READ_BLOBS_RESPONSE__RESPONSE);
    ra.digest = set_digest(&ma, &da);
    ra.data = bytes_of("a");
    ra.status = &ok;
    rz.digest = set_digest(&mz, &dz);
    rz.status = &missing;
    V2(BatchReadBlobsResponse__Response) *resps[] = {&ra, &rz};
    V2(BatchReadBlobsResponse) resp = V2_INIT(BATCH_READ_BLOBS_RESPONSE);
    resp.n_responses = 2;
    resp.responses = resps;
    return pack(&resp.base, len);
}

static uint8_t *b_get_capabilities_request(size_t *len)
{
    V2(GetCapabilitiesRequest) req = V2_INIT(GET_CAPABILITIES_REQUEST);
    req.instance_name = "main";
    return pack(&req.base, len);
}

static uint8_t *b_execute_request(size_t *len)
{
    digest d;
    pb_digest m;
    digest_str("x", &d);
    V2(ExecuteRequest) req = V2_INIT(EXECUTE_REQUEST);
    req.instance_name = "main";
    req.action_digest = set_digest(&m, &d);
    return pack(&req.base, len);
}

/* notes.tsv gives no field values for this one; these are the vector's. */
static uint8_t *b_request_metadata(size_t *len)
{
    V2(ToolDetails) tool = V2_INIT(TOOL_DETAILS);
    tool.tool_name = "ricc";
    tool.tool_version = "0.1.0";
    V2(RequestMetadata) md = V2_INIT(REQUEST_METADATA);
    md.tool_details = &tool;
    md.action_id = "abc";
    md.tool_invocation_id = "inv";
    md.correlated_invocations_id = "corr";
    md.action_mnemonic = "CppCompile";
    md.target_id = "t";
    md.configuration_id = "c";
    return pack(&md.base, len);
}

static uint8_t *b_bytestream_read_request(size_t *len)
{
    digest d;
    char name[256];
    digest_str("a", &d);
    snprintf(name, sizeof name, "%s/blobs/%s/%lld", "main", d.hash, (long long)d.size_bytes);
    Google__Bytestream__ReadRequest req = GOOGLE__BYTESTREAM__READ_REQUEST__INIT;
    req.resource_name = name;
    return pack(&req.base, len);
}

/* The upload UUID and the data are not in notes.tsv: a fixed version-4 UUID
 * and blob 'a', one chunk that finishes the write (from the vector). */
static uint8_t *b_bytestream_write_request(size_t *len)
{
    digest d;
    char name[256];
    digest_str("a", &d);
    snprintf(name, sizeof name, "%s/uploads/%s/blobs/%s/%lld", "main",
             "00000000-0000-4000-8000-000000000000", d.hash, (long long)d.size_bytes);
    Google__Bytestream__WriteRequest req = GOOGLE__BYTESTREAM__WRITE_REQUEST__INIT;
    req.resource_name = name;
    req.finish_write = 1;
    req.data = bytes_of("a");
    return pack(&req.base, len);
}

static const struct {
    const char *name;
    builder build;
    const ProtobufCMessageDescriptor *desc;
} builders[] = {
#define ENTRY(n, d) {#n, b_##n, &d}
#define V2D(n) build__bazel__remote__execution__v2__##n##__descriptor
    ENTRY(digest_of_empty, V2D(digest)),
    ENTRY(digest_hello_c, V2D(digest)),
    ENTRY(directory_src, V2D(directory)),
    ENTRY(directory_tools, V2D(directory)),
    ENTRY(directory_root, V2D(directory)),
    ENTRY(directory_empty, V2D(directory)),
    ENTRY(command_compile, V2D(command)),
    ENTRY(action_compile, V2D(action)),
    ENTRY(action_compile_salted, V2D(action)),
    ENTRY(action_result, V2D(action_result)),
    ENTRY(action_result_failed, V2D(action_result)),
    ENTRY(get_action_result_request, V2D(get_action_result_request)),
    ENTRY(update_action_result_request, V2D(update_action_result_request)),
    ENTRY(find_missing_blobs_request, V2D(find_missing_blobs_request)),
    ENTRY(batch_update_blobs_request, V2D(batch_update_blobs_request)),
    ENTRY(batch_read_blobs_request, V2D(batch_read_blobs_request)),
    ENTRY(batch_read_blobs_response, V2D(batch_read_blobs_response)),
    ENTRY(get_capabilities_request, V2D(get_capabilities_request)),
    ENTRY(execute_request, V2D(execute_request)),
    ENTRY(request_metadata, V2D(request_metadata)),
    ENTRY(bytestream_read_request, google__bytestream__read_request__descriptor),
    ENTRY(bytestream_write_request, google__bytestream__write_request__descriptor),
#undef V2D
#undef ENTRY
};

/* ---- the vectors ---- */

typedef struct vector {
    char *name, *type, *sha;
    size_t size;
    uint8_t *bytes;
    size_t nbytes;
} vector;

static vector *vectors;
static int nvectors;

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Suite setup: read every line of vectors.tsv.  Non-zero makes CUnit report
 * the suite as failed to initialize (so a missing file is a failure). */
static int load_vectors(void)
{
    const char *shared = getenv("RICC_SHARED");
    char path[4096];
    snprintf(path, sizeof path, "%s/reapi-vectors/vectors.tsv",
             shared && *shared ? shared : "tests/vectors");
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "cannot open %s (set RICC_SHARED)\n", path);
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    int rc = 0;
    while (rc == 0 && getline(&line, &cap, f) > 0) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        char *save, *name = strtok_r(line, "\t\n", &save);
        char *type = strtok_r(NULL, "\t\n", &save);
        char *size = strtok_r(NULL, "\t\n", &save);
        char *sha = strtok_r(NULL, "\t\n", &save);
        char *hex = strtok_r(NULL, "\t\n", &save);
        if (!name || !type || !size || !sha || strlen(sha) != DIGEST_HEX_LEN) {
            fprintf(stderr, "malformed line in %s\n", path);
            rc = 1;
            break;
        }
        vector *grown = realloc(vectors, (size_t)(nvectors + 1) * sizeof *vectors);
        if (!grown) {
            rc = 1;
            break;
        }
        vectors = grown;
        vector *v = &vectors[nvectors++];
        memset(v, 0, sizeof *v);
        v->name = strdup(name);
        v->type = strdup(type);
        v->sha = strdup(sha);
        v->size = strtoul(size, NULL, 10);
        /* An empty message has no hex column at all. */
        size_t hexlen = hex ? strlen(hex) : 0;
        v->nbytes = hexlen / 2;
        v->bytes = malloc(v->nbytes + 1);
        if (!v->name || !v->type || !v->sha || !v->bytes || hexlen % 2) {
            rc = 1;
            break;
        }
        for (size_t i = 0; i < v->nbytes; i++) {
            int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
            if (hi < 0 || lo < 0) {
                rc = 1;
                break;
            }
            v->bytes[i] = (uint8_t)(hi << 4 | lo);
        }
    }
    free(line);
    fclose(f);
    if (rc == 0 && nvectors == 0)
        rc = 1;
    return rc;
}

static int free_vectors(void)
{
    for (int i = 0; i < nvectors; i++) {
        free(vectors[i].name);
        free(vectors[i].type);
        free(vectors[i].sha);
        free(vectors[i].bytes);
    }
    free(vectors);
    vectors = NULL;
    nvectors = 0;
    return 0;
}

static int find_builder(const char *name)
{
    for (size_t i = 0; i < sizeof builders / sizeof *builders; i++)
        if (strcmp(builders[i].name, name) == 0)
            return (int)i;
    return -1;
}

static void hexdump(const char *label, const uint8_t *b, size_t n)
{
    fprintf(stderr, "    %s: ", label);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "%02x", b[i]);
    fprintf(stderr, "\n");
}

/* ---- tests ---- */

/* The file itself is consistent: sizes and hashes describe the hex bytes. */
static void test_vectors_self_consistent(void)
{
    for (int i = 0; i < nvectors; i++) {
        digest d;
        digest_buf(vectors[i].bytes, vectors[i].nbytes, &d);
        CU_ASSERT_EQUAL(vectors[i].nbytes, vectors[i].size);
        CU_ASSERT_STRING_EQUAL(d.hash, vectors[i].sha);
    }
}

static void test_build_matches(void)
{
    int matched = 0;
    for (int i = 0; i < nvectors; i++) {
        const vector *v = &vectors[i];
        int b = find_builder(v->name);
        CU_ASSERT(b >= 0);
        if (b < 0) {
            fprintf(stderr, "\n    no builder for vector %s\n", v->name);
            continue;
        }
        CU_ASSERT_STRING_EQUAL(builders[b].desc->name, v->type);
        size_t len;
        uint8_t *buf = builders[b].build(&len);
        CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
        digest d;
        digest_buf(buf, len, &d);
        int same = len == v->size && len == v->nbytes && memcmp(buf, v->bytes, len) == 0;
        CU_ASSERT_EQUAL(len, v->size);
        CU_ASSERT(same);
        CU_ASSERT_STRING_EQUAL(d.hash, v->sha);
        if (!same) {
            fprintf(stderr, "\n    vector %s differs\n", v->name);
            hexdump("want", v->bytes, v->nbytes);
            hexdump("got ", buf, len);
        }
        matched += same;
        free(buf);
    }
    /* Every builder was used: the vectors file did not lose a line. */
    CU_ASSERT_EQUAL(matched, (int)(sizeof builders / sizeof *builders));
}

static void test_unpack_repack(void)
{
    for (int i = 0; i < nvectors; i++) {
        const vector *v = &vectors[i];
        int b = find_builder(v->name);
        if (b < 0)
            continue; /* reported by test_build_matches */
        ProtobufCMessage *m = protobuf_c_message_unpack(builders[b].desc, NULL, v->nbytes,
                                                        v->bytes);
        CU_ASSERT_PTR_NOT_NULL(m);
        if (!m) {
            fprintf(stderr, "\n    vector %s does not unpack\n", v->name);
            continue;
        }
        size_t len;
        uint8_t *buf = pack(m, &len);
        CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
        CU_ASSERT_EQUAL(len, v->nbytes);
        CU_ASSERT(len == v->nbytes && memcmp(buf, v->bytes, len) == 0);
        free(buf);
        protobuf_c_message_free_unpacked(m, NULL);
    }
}

/* Spot checks that the decoder puts values in the right fields, not merely
 * that bytes survive a round trip (an unknown field would too). */
static void test_decoded_fields(void)
{
    for (int i = 0; i < nvectors; i++) {
        const vector *v = &vectors[i];
        if (strcmp(v->name, "action_compile_salted") == 0) {
            V2(Action) *a = build__bazel__remote__execution__v2__action__unpack(NULL, v->nbytes,
                                                                             v->bytes);
            CU_ASSERT_PTR_NOT_NULL_FATAL(a);
            CU_ASSERT(a->do_not_cache);
            CU_ASSERT_EQUAL(a->salt.len, 4);
            CU_ASSERT(a->salt.len == 4 && memcmp(a->salt.data, "ricc", 4) == 0);
            CU_ASSERT_PTR_NOT_NULL(a->platform);
            CU_ASSERT_EQUAL(a->base.n_unknown_fields, 0);
            CU_ASSERT_EQUAL(a->command_digest->size_bytes, 211);
            build__bazel__remote__execution__v2__action__free_unpacked(a, NULL);
        } else if (strcmp(v->name, "batch_read_blobs_response") == 0) {
            V2(BatchReadBlobsResponse) *r =
                build__bazel__remote__execution__v2__batch_read_blobs_response__unpack(
                    NULL, v->nbytes, v->bytes);
            CU_ASSERT_PTR_NOT_NULL_FATAL(r);
            CU_ASSERT_EQUAL_FATAL(r->n_responses, 2);
            CU_ASSERT_PTR_NOT_NULL(r->responses[0]->status);
            CU_ASSERT_EQUAL(r->responses[0]->data.len, 1);
            CU_ASSERT_PTR_NOT_NULL_FATAL(r->responses[1]->status);
            CU_ASSERT_EQUAL(r->responses[1]->status->code, 5);
            build__bazel__remote__execution__v2__batch_read_blobs_response__free_unpacked(r,
                                                                                          NULL);
        }
    }
}

static const unit_test tests[] = {
    {"vectors file is self-consistent", test_vectors_self_consistent},
    {"built messages match every vector", test_build_matches},
    {"unpack and re-pack", test_unpack_repack},
    {"decoded field values", test_decoded_fields},
    {NULL, NULL},
};

int main(void)
{
    return unit_run("proto vectors", load_vectors, free_vectors, tests);
}
