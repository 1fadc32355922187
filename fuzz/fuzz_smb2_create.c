/*
 * Fuzz harness: SMB2 CREATE request and response ([MS-SMB2] 2.2.13, 2.2.14),
 * create-context chains (2.2.13.2) and the durable-handle context data.
 *
 * Besides the round trips, it walks the context chain of every accepted
 * message and of the raw input, rebuilds each chain with the builder and
 * checks that the rebuilt chain walks to the same names and data.
 */
#include <rsvd/smb2.h>
#include <rsvd/wire.h>
#include <rsvd/wire_smb2.h>

#include "fuzz_common.h"

static int dec_req(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_create_req_decode(b, n, o);
}

static int enc_req(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return rsvd_smb2_create_req_encode(o, b, cap, len);
}

static int dec_rsp(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_create_rsp_decode(b, n, o);
}

static int enc_rsp(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return rsvd_smb2_create_rsp_encode(o, b, cap, len);
}

/* Durable-handle context data, adapted to the uniform shapes. */
static int dec_dhnq_req(const uint8_t *b, size_t n, void *o)
{
    (void)o;
    return rsvd_smb2_dhnq_req_decode(b, n);
}

static int enc_dhnq_req(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    (void)o;
    return rsvd_smb2_dhnq_req_encode(b, cap, len);
}

static int dec_dhnc(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_dhnc_decode(b, n, o);
}

static int enc_dhnc(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return rsvd_smb2_dhnc_encode(o, b, cap, len);
}

static int dec_dh2q_req(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_dh2q_req_decode(b, n, o);
}

static int enc_dh2q_req(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return rsvd_smb2_dh2q_req_encode(o, b, cap, len);
}

static int dec_dh2c(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_dh2c_decode(b, n, o);
}

static int enc_dh2c(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return rsvd_smb2_dh2c_encode(o, b, cap, len);
}

static int dec_dhnq_rsp(const uint8_t *b, size_t n, void *o)
{
    (void)o;
    return rsvd_smb2_dhnq_rsp_decode(b, n);
}

static int enc_dhnq_rsp(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    (void)o;
    return rsvd_smb2_dhnq_rsp_encode(b, cap, len);
}

static int dec_dh2q_rsp(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_dh2q_rsp_decode(b, n, o);
}

static int enc_dh2q_rsp(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return rsvd_smb2_dh2q_rsp_encode(o, b, cap, len);
}

static int dec_lease(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_lease_req_decode(b, n, o);
}

static int enc_lease(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return rsvd_smb2_lease_req_encode(o, b, cap, len);
}

static int dec_app_id(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_app_instance_id_decode(b, n, o);
}

static int enc_app_id(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return rsvd_smb2_app_instance_id_encode(o, b, cap, len);
}

static int dec_app_version(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_app_instance_version_decode(b, n, o);
}

static int enc_app_version(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return rsvd_smb2_app_instance_version_encode(o, b, cap, len);
}

static void durable_data_round_trips(const uint8_t *d, size_t n)
{
    fuzz_round_trip(d, n, dec_dhnq_req, enc_dhnq_req, 1);
    fuzz_round_trip(d, n, dec_dhnc, enc_dhnc, sizeof(rsvd_smb2_fileid));
    fuzz_round_trip(d, n, dec_dh2q_req, enc_dh2q_req, sizeof(rsvd_smb2_dh2q_req));
    fuzz_round_trip(d, n, dec_dh2c, enc_dh2c, sizeof(rsvd_smb2_dh2c));
    fuzz_round_trip(d, n, dec_dhnq_rsp, enc_dhnq_rsp, 1);
    fuzz_round_trip(d, n, dec_dh2q_rsp, enc_dh2q_rsp, sizeof(rsvd_smb2_dh2q_rsp));
    fuzz_round_trip(d, n, dec_lease, enc_lease, sizeof(rsvd_smb2_lease_req));
    fuzz_round_trip(d, n, dec_app_id, enc_app_id, sizeof(rsvd_guid));
    fuzz_round_trip(d, n, dec_app_version, enc_app_version,
                    sizeof(rsvd_smb2_app_instance_version));
}

/*
 * Walks a chain; if it is valid, rebuilds it context by context and checks
 * that the rebuilt chain is valid and holds the same names and data, and
 * that find() returns the first context of each name.
 */
static void walk_and_rebuild(const uint8_t *chain, size_t len)
{
    static uint8_t rebuilt[2 * FUZZ_MAX_MSG];
    size_t count = 0;
    if (rsvd_smb2_cc_validate(chain, len, &count) != RSVD_OK)
        return;
    rsvd_smb2_cc_builder b;
    rsvd_smb2_cc_builder_init(&b, rebuilt, sizeof rebuilt);
    rsvd_smb2_cc_iter it;
    rsvd_smb2_cc cc;
    size_t seen = 0;
    rsvd_smb2_cc_iter_init(&it, chain, len);
    while (rsvd_smb2_cc_iter_next(&it, &cc) == RSVD_OK) {
        seen++;
        FUZZ_CHECK(cc.name_length >= RSVD_SMB2_CC_NAME_MIN && cc.name != NULL);
        FUZZ_CHECK(cc.data_length == 0 || cc.data != NULL);
        rsvd_smb2_cc first;
        FUZZ_CHECK(rsvd_smb2_cc_find(chain, len, cc.name, cc.name_length, &first) == RSVD_OK);
        FUZZ_CHECK(first.name_length == cc.name_length);
        durable_data_round_trips(cc.data, cc.data_length);
        FUZZ_CHECK(rsvd_smb2_cc_builder_add(&b, cc.name, cc.name_length, cc.data,
                                            cc.data_length) == RSVD_OK);
    }
    FUZZ_CHECK(seen == count);
    size_t rlen = 0;
    FUZZ_CHECK(rsvd_smb2_cc_builder_finish(&b, &rlen) == RSVD_OK);
    size_t rcount = 0;
    FUZZ_CHECK(rsvd_smb2_cc_validate(rebuilt, rlen, &rcount) == RSVD_OK && rcount == count);

    rsvd_smb2_cc_iter a, c;
    rsvd_smb2_cc x, y;
    rsvd_smb2_cc_iter_init(&a, chain, len);
    rsvd_smb2_cc_iter_init(&c, rebuilt, rlen);
    while (rsvd_smb2_cc_iter_next(&a, &x) == RSVD_OK) {
        FUZZ_CHECK(rsvd_smb2_cc_iter_next(&c, &y) == RSVD_OK);
        FUZZ_CHECK(x.name_length == y.name_length &&
                   memcmp(x.name, y.name, x.name_length) == 0);
        FUZZ_CHECK(x.data_length == y.data_length &&
                   (x.data_length == 0 || memcmp(x.data, y.data, x.data_length) == 0));
    }
    FUZZ_CHECK(rsvd_smb2_cc_iter_next(&c, &y) == RSVD_E_NOENT);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_MSG)
        size = FUZZ_MAX_MSG;
    fuzz_round_trip(data, size, dec_req, enc_req, sizeof(rsvd_smb2_create_req));
    fuzz_round_trip(data, size, dec_rsp, enc_rsp, sizeof(rsvd_smb2_create_rsp));

    rsvd_smb2_create_req q;
    if (rsvd_smb2_create_req_decode(data, size, &q) == RSVD_OK) {
        FUZZ_CHECK(q.name_length % 2 == 0);
        walk_and_rebuild(q.create_contexts, q.create_contexts_length);
    }
    rsvd_smb2_create_rsp p;
    if (rsvd_smb2_create_rsp_decode(data, size, &p) == RSVD_OK)
        walk_and_rebuild(p.create_contexts, p.create_contexts_length);

    /* The input as a bare context chain, and as context data. */
    walk_and_rebuild(data, size);
    durable_data_round_trips(data, size);
    return 0;
}
