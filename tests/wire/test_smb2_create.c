/*
 * SMB2 CREATE request/response ([MS-SMB2] 2.2.13, 2.2.14), create-context
 * chains (2.2.13.2) and the durable-handle contexts (2.2.13.2.3/.4/.11/.12,
 * 2.2.14.2.3/.12).
 */
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/smb2.h>
#include <rsvd/wire.h>
#include <rsvd/wire_smb2.h>

#include "smb2_test.h"
#include "testutil.h"

static int dec_req(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_create_req_decode(b, n, o);
}

static int dec_rsp(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_create_rsp_decode(b, n, o);
}

/* A non-empty context list (an empty one is valid: it holds no context). */
static int dec_chain(const uint8_t *b, size_t n, void *o)
{
    return n == 0 ? RSVD_E_WIRE_SHORT : rsvd_smb2_cc_validate(b, n, o);
}

static const uint8_t svhdx_name[16] = {0x9C, 0xCB, 0xCF, 0x9E, 0x04, 0xC1, 0xE6, 0x43,
                                       0x98, 0x0E, 0x15, 0x8D, 0xA1, 0xF6, 0xEC, 0x83};

/* Offset and length of the chain in smb2_create_req_dhnc_svhdx. */
#define CHAIN_OFF 0xA8u
#define CHAIN_LEN 240u

/* Copies the 240-byte DHnC + SVHDX chain of the golden request into @p chain. */
static void get_chain(uint8_t *chain)
{
    uint8_t msg[512];
    size_t len = tu_golden_get("smb2_create_req_dhnc_svhdx", msg, sizeof msg);
    assert_int_equal(len, CHAIN_OFF + CHAIN_LEN);
    memcpy(chain, msg + CHAIN_OFF, CHAIN_LEN);
}

/* ---- CREATE request with DHnC and the SVHDX context ---------------------------- */

static void create_request_golden_decodes_field_by_field(void **state)
{
    (void)state;
    uint8_t msg[512], out[512];
    size_t len = tu_golden_get("smb2_create_req_dhnc_svhdx", msg, sizeof msg);
    assert_int_equal(len, 408);
    rsvd_smb2_create_req m;
    assert_int_equal(tu_decode_exact(dec_req, msg, len, &m), RSVD_OK);
    assert_int_equal(rsvd_smb2_create_req_decode(msg, len, &m), RSVD_OK);
    assert_int_equal(m.hdr.command, RSVD_SMB2_CREATE);
    assert_int_equal(m.hdr.message_id, 4);
    assert_int_equal(m.security_flags, 0);
    assert_int_equal(m.requested_oplock_level, RSVD_SMB2_OPLOCK_LEVEL_NONE);
    assert_int_equal(m.impersonation_level, RSVD_SMB2_IMPERSONATION_IMPERSONATION);
    assert_true(m.smb_create_flags == 0);
    assert_int_equal(m.desired_access, 0x00020083);
    assert_int_equal(m.file_attributes, 0);
    assert_int_equal(m.share_access,
                     RSVD_FILE_SHARE_READ | RSVD_FILE_SHARE_WRITE | RSVD_FILE_SHARE_DELETE);
    assert_int_equal(m.create_disposition, RSVD_FILE_OPEN);
    assert_int_equal(m.create_options,
                     RSVD_FILE_NO_INTERMEDIATE_BUFFERING | RSVD_FILE_NON_DIRECTORY_FILE);
    assert_int_equal(m.name_offset, 0x78);
    assert_int_equal(m.name_length, 48);
    assert_int_equal(m.create_contexts_offset, CHAIN_OFF);
    assert_int_equal(m.create_contexts_length, CHAIN_LEN);
    const char *want = "d.vhdx:SharedVirtualDisk";
    assert_ptr_equal(m.name, msg + 0x78);
    for (size_t i = 0; i < 24; i++) {
        assert_int_equal(m.name[2 * i], (uint8_t)want[i]);
        assert_int_equal(m.name[2 * i + 1], 0);
    }
    assert_ptr_equal(m.create_contexts, msg + CHAIN_OFF);
    size_t n = 0;
    assert_int_equal(rsvd_smb2_create_req_encode(&m, out, sizeof out, &n), RSVD_OK);
    tu_assert_bytes(out, n, msg, len);
    assert_int_equal(rsvd_smb2_create_req_encode(&m, out, len - 1, &n), RSVD_E_NOSPC);
}

static void create_request_contexts_walk_to_dhnc_and_svhdx(void **state)
{
    (void)state;
    uint8_t msg[512];
    size_t len = tu_golden_get("smb2_create_req_dhnc_svhdx", msg, sizeof msg);
    rsvd_smb2_create_req m;
    assert_int_equal(rsvd_smb2_create_req_decode(msg, len, &m), RSVD_OK);
    size_t count = 0;
    assert_int_equal(rsvd_smb2_cc_validate(m.create_contexts, m.create_contexts_length, &count),
                     RSVD_OK);
    assert_int_equal(count, 2);

    rsvd_smb2_cc_iter it;
    rsvd_smb2_cc cc;
    rsvd_smb2_cc_iter_init(&it, m.create_contexts, m.create_contexts_length);
    assert_int_equal(rsvd_smb2_cc_iter_next(&it, &cc), RSVD_OK);
    assert_int_equal(cc.next, 40);
    assert_int_equal(cc.name_offset, 16);
    assert_int_equal(cc.name_length, 4);
    assert_int_equal(cc.data_offset, 24);
    assert_int_equal(cc.data_length, 16);
    assert_memory_equal(cc.name, "DHnC", 4);
    rsvd_smb2_fileid fid;
    assert_int_equal(rsvd_smb2_dhnc_decode(cc.data, cc.data_length, &fid), RSVD_OK);
    assert_true(fid.persistent_id == T_PERSISTENT);
    assert_true(fid.volatile_id == 0x100000001ull); /* the volatile id before the reconnect */

    assert_int_equal(rsvd_smb2_cc_iter_next(&it, &cc), RSVD_OK);
    assert_int_equal(cc.next, 0);
    assert_int_equal(cc.name_offset, 16);
    assert_int_equal(cc.name_length, 16);
    assert_int_equal(cc.data_offset, 32);
    assert_int_equal(cc.data_length, 168);
    assert_memory_equal(cc.name, svhdx_name, 16);
    assert_ptr_equal(cc.data, msg + CHAIN_OFF + 40 + 32);
    assert_int_equal(cc.data[0], 1); /* SVHDX_OPEN_DEVICE_CONTEXT Version 1 */
    assert_int_equal(rsvd_smb2_cc_iter_next(&it, &cc), RSVD_E_NOENT);
    assert_int_equal(rsvd_smb2_cc_iter_next(&it, &cc), RSVD_E_NOENT);
}

static void create_contexts_are_found_by_name(void **state)
{
    (void)state;
    uint8_t chain[CHAIN_LEN];
    get_chain(chain);
    rsvd_smb2_cc cc;
    assert_int_equal(rsvd_smb2_cc_find(chain, sizeof chain, RSVD_SMB2_CC_DURABLE_HANDLE_RECONNECT,
                                       RSVD_SMB2_CC_TAG_LEN, &cc),
                     RSVD_OK);
    assert_int_equal(cc.data_length, RSVD_SMB2_DHNC_SIZE);
    assert_int_equal(rsvd_smb2_cc_find(chain, sizeof chain, RSVD_SMB2_CC_SVHDX_OPEN_DEVICE_CONTEXT,
                                       RSVD_SMB2_CC_SVHDX_OPEN_DEVICE_CONTEXT_LEN, &cc),
                     RSVD_OK);
    assert_int_equal(cc.data_length, 168);
    assert_int_equal(rsvd_smb2_cc_find(chain, sizeof chain,
                                       RSVD_SMB2_CC_DURABLE_HANDLE_RECONNECT_V2,
                                       RSVD_SMB2_CC_TAG_LEN, &cc),
                     RSVD_E_NOENT);
    /* names are compared as whole byte strings */
    assert_int_equal(rsvd_smb2_cc_find(chain, sizeof chain, "DHn", 3, &cc), RSVD_E_NOENT);
    assert_int_equal(rsvd_smb2_cc_find(chain, sizeof chain, svhdx_name, 15, &cc), RSVD_E_NOENT);
    assert_int_equal(rsvd_smb2_cc_find(chain, sizeof chain, "dhnc", 4, &cc), RSVD_E_NOENT);
    /* a broken link before the match is reported */
    put32(chain, 0, 41);
    assert_int_equal(rsvd_smb2_cc_find(chain, sizeof chain, svhdx_name, 16, &cc),
                     RSVD_E_WIRE_CHAIN);
}

/* The builder lays the chain out exactly as the golden was laid out by hand. */
static void chain_builder_reproduces_the_golden_chains(void **state)
{
    (void)state;
    uint8_t chain[CHAIN_LEN], out[512];
    get_chain(chain);
    rsvd_smb2_cc dhnc, svhdx;
    assert_int_equal(rsvd_smb2_cc_find(chain, sizeof chain, "DHnC", 4, &dhnc), RSVD_OK);
    assert_int_equal(rsvd_smb2_cc_find(chain, sizeof chain, svhdx_name, 16, &svhdx), RSVD_OK);

    uint8_t fidb[16];
    const rsvd_smb2_fileid fid = {T_PERSISTENT, 0x100000001ull};
    size_t fl = 0;
    assert_int_equal(rsvd_smb2_dhnc_encode(&fid, fidb, sizeof fidb, &fl), RSVD_OK);
    assert_int_equal(fl, 16);

    rsvd_smb2_cc_builder b;
    rsvd_smb2_cc_builder_init(&b, out, sizeof out);
    assert_int_equal(rsvd_smb2_cc_builder_add(&b, "DHnC", 4, fidb, fl), RSVD_OK);
    assert_int_equal(rsvd_smb2_cc_builder_add(&b, svhdx_name, 16, svhdx.data, svhdx.data_length),
                     RSVD_OK);
    size_t n = 0;
    assert_int_equal(rsvd_smb2_cc_builder_finish(&b, &n), RSVD_OK);
    tu_assert_bytes(out, n, chain, sizeof chain);

    uint8_t want[128];
    size_t wl = tu_golden_get("smb2_cc_dhnq_mxac", want, sizeof want);
    uint8_t dhnq[16];
    assert_int_equal(rsvd_smb2_dhnq_req_encode(dhnq, sizeof dhnq, &fl), RSVD_OK);
    rsvd_smb2_cc_builder_init(&b, out, sizeof out);
    assert_int_equal(rsvd_smb2_cc_builder_add(&b, RSVD_SMB2_CC_DURABLE_HANDLE_REQUEST, 4, dhnq,
                                              fl),
                     RSVD_OK);
    assert_int_equal(rsvd_smb2_cc_builder_add(&b, RSVD_SMB2_CC_QUERY_MAXIMAL_ACCESS_REQUEST, 4,
                                              NULL, 0),
                     RSVD_OK);
    assert_int_equal(rsvd_smb2_cc_builder_finish(&b, &n), RSVD_OK);
    tu_assert_bytes(out, n, want, wl);

    wl = tu_golden_get("smb2_cc_dh2c", want, sizeof want);
    rsvd_smb2_dh2c c;
    memset(&c, 0, sizeof c);
    c.file_id = fid;
    const uint8_t guid[16] = {0x1A, 0x2B, 0x3C, 0x4D, 0x5E, 0x6F, 0x70, 0x81,
                              0x92, 0xA3, 0xB4, 0xC5, 0xD6, 0xE7, 0xF8, 0x01};
    memcpy(c.create_guid.b, guid, 16);
    c.flags = RSVD_SMB2_DHANDLE_FLAG_PERSISTENT;
    uint8_t d[64];
    assert_int_equal(rsvd_smb2_dh2c_encode(&c, d, sizeof d, &fl), RSVD_OK);
    assert_int_equal(fl, RSVD_SMB2_DH2C_SIZE);
    rsvd_smb2_cc_builder_init(&b, out, sizeof out);
    assert_int_equal(rsvd_smb2_cc_builder_add(&b, "DH2C", 4, d, fl), RSVD_OK);
    assert_int_equal(rsvd_smb2_cc_builder_finish(&b, &n), RSVD_OK);
    tu_assert_bytes(out, n, want, wl);
}

static void chain_builder_rejects_bad_input_and_full_buffers(void **state)
{
    (void)state;
    uint8_t out[64];
    const uint8_t data[40] = {0};
    rsvd_smb2_cc_builder b;
    rsvd_smb2_cc_builder_init(&b, out, sizeof out);
    assert_int_equal(rsvd_smb2_cc_builder_add(&b, "DHn", 3, NULL, 0), RSVD_E_INVAL);
    assert_int_equal(rsvd_smb2_cc_builder_add(&b, NULL, 4, NULL, 0), RSVD_E_INVAL);
    assert_int_equal(rsvd_smb2_cc_builder_add(&b, "DHnQ", 4, NULL, 16), RSVD_E_INVAL);
    assert_int_equal(rsvd_smb2_cc_builder_add(&b, "DHnQ", 4, data, 16), RSVD_OK); /* 40 bytes */
    /* the next one needs 40 + 24 + 40 bytes */
    assert_int_equal(rsvd_smb2_cc_builder_add(&b, "ExtA", 4, data, sizeof data), RSVD_E_NOSPC);
    assert_int_equal(rsvd_smb2_cc_builder_add(&b, "MxAc", 4, NULL, 0), RSVD_E_NOSPC); /* sticky */
    size_t n = 0;
    assert_int_equal(rsvd_smb2_cc_builder_finish(&b, &n), RSVD_E_NOSPC);

    rsvd_smb2_cc_builder_init(&b, NULL, 100);
    assert_int_equal(rsvd_smb2_cc_builder_add(&b, "MxAc", 4, NULL, 0), RSVD_E_NOSPC);
    rsvd_smb2_cc_builder_init(&b, out, sizeof out);
    assert_int_equal(rsvd_smb2_cc_builder_finish(&b, &n), RSVD_OK);
    assert_int_equal(n, 0);
}

/* ---- chain rules ([MS-SMB2] 2.2.13.2, 3.3.5.9) --------------------------------- */

static void chain_goldens_reject_every_truncation(void **state)
{
    (void)state;
    uint8_t chain[CHAIN_LEN];
    get_chain(chain);
    size_t count = 0;
    assert_int_equal(tu_decode_exact(dec_chain, chain, sizeof chain, &count), RSVD_OK);
    tu_assert_truncations_rejected(dec_chain, chain, sizeof chain, sizeof count);
    uint8_t b[128];
    size_t len = tu_golden_get("smb2_cc_dh2c", b, sizeof b);
    tu_assert_truncations_rejected(dec_chain, b, len, sizeof count);
    len = tu_golden_get("smb2_cc_dhnq_mxac", b, sizeof b);
    assert_int_equal(rsvd_smb2_cc_validate(b, len, &count), RSVD_OK);
    assert_int_equal(count, 2);
    tu_assert_truncations_rejected(dec_chain, b, len, sizeof count);
}

static void chain_shorter_than_one_context_is_short(void **state)
{
    (void)state;
    uint8_t chain[CHAIN_LEN];
    get_chain(chain);
    assert_int_equal(rsvd_smb2_cc_validate(chain, 15, NULL), RSVD_E_WIRE_SHORT);
    assert_int_equal(rsvd_smb2_cc_validate(chain, 0, NULL), RSVD_OK); /* no contexts */
}

static void chain_next_not_multiple_of_8_is_rejected(void **state)
{
    (void)state;
    uint8_t chain[CHAIN_LEN];
    get_chain(chain);
    put32(chain, 0, 44);
    assert_int_equal(rsvd_smb2_cc_validate(chain, sizeof chain, NULL), RSVD_E_WIRE_CHAIN);
    put32(chain, 0, 41);
    assert_int_equal(rsvd_smb2_cc_validate(chain, sizeof chain, NULL), RSVD_E_WIRE_CHAIN);
}

/* A Next that does not move past the context's own 16 bytes would revisit them. */
static void chain_next_back_into_its_own_context_is_rejected(void **state)
{
    (void)state;
    uint8_t chain[CHAIN_LEN];
    get_chain(chain);
    put32(chain, 0, 8);
    assert_int_equal(rsvd_smb2_cc_validate(chain, sizeof chain, NULL), RSVD_E_WIRE_CHAIN);
    /* Next wrapping around the address space (a loop on 32-bit arithmetic) */
    put32(chain, 0, 0xFFFFFFF8);
    assert_int_equal(rsvd_smb2_cc_validate(chain, sizeof chain, NULL), RSVD_E_WIRE_CHAIN);
}

static void chain_next_running_past_the_end_is_rejected(void **state)
{
    (void)state;
    uint8_t chain[CHAIN_LEN];
    get_chain(chain);
    put32(chain, 0, CHAIN_LEN); /* points at the end: no room for a context */
    assert_int_equal(rsvd_smb2_cc_validate(chain, sizeof chain, NULL), RSVD_E_WIRE_CHAIN);
    put32(chain, 0, CHAIN_LEN - 8); /* 8 bytes left, 16 needed */
    assert_int_equal(rsvd_smb2_cc_validate(chain, sizeof chain, NULL), RSVD_E_WIRE_CHAIN);
    put32(chain, 0, 40);
    put32(chain, 40, 0x100); /* the second context's Next */
    assert_int_equal(rsvd_smb2_cc_validate(chain, sizeof chain, NULL), RSVD_E_WIRE_CHAIN);
}

/* [MS-SMB2] 3.3.5.9: NameLength < 4 -> STATUS_INVALID_PARAMETER. */
static void chain_name_shorter_than_4_bytes_is_rejected(void **state)
{
    (void)state;
    uint8_t chain[CHAIN_LEN];
    get_chain(chain);
    put16(chain, 6, 3);
    assert_int_equal(rsvd_smb2_cc_validate(chain, sizeof chain, NULL), RSVD_E_WIRE_NAME);
    put16(chain, 6, 0);
    assert_int_equal(rsvd_smb2_cc_validate(chain, sizeof chain, NULL), RSVD_E_WIRE_NAME);
}

static void chain_name_outside_its_context_is_rejected(void **state)
{
    (void)state;
    uint8_t chain[CHAIN_LEN];
    get_chain(chain);
    put16(chain, 4, 8); /* NameOffset into the 16 fixed bytes */
    assert_int_equal(rsvd_smb2_cc_validate(chain, sizeof chain, NULL), RSVD_E_WIRE_OFFSET);
    put16(chain, 4, 16);
    put16(chain, 6, 28); /* 16 + 28 > Next (40): into the next context */
    assert_int_equal(rsvd_smb2_cc_validate(chain, sizeof chain, NULL), RSVD_E_WIRE_RANGE);
    put16(chain, 6, 4);
    put16(chain, 4, 0xFFFF);
    assert_int_equal(rsvd_smb2_cc_validate(chain, sizeof chain, NULL), RSVD_E_WIRE_OFFSET);
}

static void chain_data_outside_its_context_is_rejected(void **state)
{
    (void)state;
    uint8_t chain[CHAIN_LEN];
    get_chain(chain);
    put32(chain, 12, 17); /* 24 + 17 > Next (40) */
    assert_int_equal(rsvd_smb2_cc_validate(chain, sizeof chain, NULL), RSVD_E_WIRE_RANGE);
    put32(chain, 12, 0xFFFFFFFF);
    assert_int_equal(rsvd_smb2_cc_validate(chain, sizeof chain, NULL), RSVD_E_WIRE_RANGE);
    put32(chain, 12, 16);
    put16(chain, 10, 12); /* DataOffset into the fixed part */
    assert_int_equal(rsvd_smb2_cc_validate(chain, sizeof chain, NULL), RSVD_E_WIRE_OFFSET);
    put16(chain, 10, 24);
    put32(chain, 40 + 12, 169); /* the last context: 32 + 169 > 200 */
    assert_int_equal(rsvd_smb2_cc_validate(chain, sizeof chain, NULL), RSVD_E_WIRE_RANGE);
}

/* <54>: DataOffset is ignored when DataLength is 0. */
static void chain_data_offset_of_empty_data_is_ignored(void **state)
{
    (void)state;
    uint8_t chain[CHAIN_LEN];
    get_chain(chain);
    put32(chain, 12, 0);
    put16(chain, 10, 0xFFFF);
    rsvd_smb2_cc cc;
    assert_int_equal(rsvd_smb2_cc_find(chain, sizeof chain, "DHnC", 4, &cc), RSVD_OK);
    assert_int_equal(cc.data_length, 0);
    assert_int_equal(cc.data_offset, 0xFFFF);
    assert_null(cc.data);
}

static void chain_iterator_error_is_sticky(void **state)
{
    (void)state;
    uint8_t chain[CHAIN_LEN];
    get_chain(chain);
    put16(chain, 40 + 6, 2); /* the second context's NameLength */
    rsvd_smb2_cc_iter it;
    rsvd_smb2_cc cc;
    rsvd_smb2_cc_iter_init(&it, chain, sizeof chain);
    assert_int_equal(rsvd_smb2_cc_iter_next(&it, &cc), RSVD_OK);
    assert_int_equal(rsvd_smb2_cc_iter_next(&it, &cc), RSVD_E_WIRE_NAME);
    assert_int_equal(rsvd_smb2_cc_iter_next(&it, &cc), RSVD_E_WIRE_NAME);
    rsvd_smb2_cc_iter_init(&it, NULL, 100);
    assert_int_equal(rsvd_smb2_cc_iter_next(&it, &cc), RSVD_E_NOENT);
}

/* ---- CREATE request rules --------------------------------------------------- */

static void create_request_passes_on_the_chain_error(void **state)
{
    (void)state;
    uint8_t msg[512];
    size_t len = tu_golden_get("smb2_create_req_dhnc_svhdx", msg, sizeof msg);
    rsvd_smb2_create_req m;
    put32(msg, CHAIN_OFF, 36); /* DHnC Next misaligned */
    assert_int_equal(rsvd_smb2_create_req_decode(msg, len, &m), RSVD_E_WIRE_CHAIN);
    put32(msg, CHAIN_OFF, 40);
    put16(msg, CHAIN_OFF + 6, 2);
    assert_int_equal(rsvd_smb2_create_req_decode(msg, len, &m), RSVD_E_WIRE_NAME);
}

static void create_request_name_rules(void **state)
{
    (void)state;
    uint8_t msg[512];
    size_t len = tu_golden_get("smb2_create_req_dhnc_svhdx", msg, sizeof msg);
    rsvd_smb2_create_req m;
    put16(msg, 110, 47); /* NameLength not a multiple of 2 */
    assert_int_equal(rsvd_smb2_create_req_decode(msg, len, &m), RSVD_E_WIRE_NAME);
    put16(msg, 110, 48);
    put16(msg, 108, 0x70); /* NameOffset below the Buffer */
    assert_int_equal(rsvd_smb2_create_req_decode(msg, len, &m), RSVD_E_WIRE_OFFSET);
    put16(msg, 108, 0);
    assert_int_equal(rsvd_smb2_create_req_decode(msg, len, &m), RSVD_E_WIRE_OFFSET);
    put16(msg, 108, 0x78);
    put16(msg, 110, 0xFFFE); /* beyond the request */
    assert_int_equal(rsvd_smb2_create_req_decode(msg, len, &m), RSVD_E_WIRE_RANGE);
    put16(msg, 110, 0); /* the share root: NameOffset is not looked at */
    put16(msg, 108, 0);
    assert_int_equal(rsvd_smb2_create_req_decode(msg, len, &m), RSVD_OK);
    assert_null(m.name);
}

static void create_request_contexts_offset_and_length_are_checked(void **state)
{
    (void)state;
    uint8_t msg[512];
    size_t len = tu_golden_get("smb2_create_req_dhnc_svhdx", msg, sizeof msg);
    rsvd_smb2_create_req m;
    put32(msg, 112, 0x20); /* CreateContextsOffset into the header */
    assert_int_equal(rsvd_smb2_create_req_decode(msg, len, &m), RSVD_E_WIRE_OFFSET);
    put32(msg, 112, 0x77);
    assert_int_equal(rsvd_smb2_create_req_decode(msg, len, &m), RSVD_E_WIRE_OFFSET);
    put32(msg, 112, 0xFFFFFFFF);
    assert_int_equal(rsvd_smb2_create_req_decode(msg, len, &m), RSVD_E_WIRE_OFFSET);
    put32(msg, 112, CHAIN_OFF);
    put32(msg, 116, 0xFFFFFFFF);
    assert_int_equal(rsvd_smb2_create_req_decode(msg, len, &m), RSVD_E_WIRE_RANGE);
    put32(msg, 116, CHAIN_LEN + 1);
    assert_int_equal(rsvd_smb2_create_req_decode(msg, len, &m), RSVD_E_WIRE_RANGE);
    put32(msg, 116, 0); /* no contexts: the offset is not looked at */
    put32(msg, 112, 0xFFFFFFFF);
    assert_int_equal(rsvd_smb2_create_req_decode(msg, len, &m), RSVD_OK);
    assert_null(m.create_contexts);
}

/* 2.2.13: "In the request, the Buffer field MUST be at least one byte in length." */
static void create_request_needs_one_buffer_byte(void **state)
{
    (void)state;
    rsvd_smb2_create_req m;
    memset(&m, 0, sizeof m);
    m.hdr.message_id = 2;
    m.impersonation_level = RSVD_SMB2_IMPERSONATION_IMPERSONATION;
    m.name_offset = 0x78; /* the share root, as Windows sends it */
    uint8_t buf[256];
    size_t n = 0;
    assert_int_equal(rsvd_smb2_create_req_encode(&m, buf, sizeof buf, &n), RSVD_OK);
    assert_int_equal(n, 121);
    assert_int_equal(buf[120], 0);
    rsvd_smb2_create_req d;
    assert_int_equal(rsvd_smb2_create_req_decode(buf, n, &d), RSVD_OK);
    assert_int_equal(d.name_offset, 0x78);
    assert_int_equal(d.name_length, 0);
    assert_int_equal(rsvd_smb2_create_req_decode(buf, 120, &d), RSVD_E_WIRE_SHORT);
}

static void create_request_built_from_name_and_chain_round_trips(void **state)
{
    (void)state;
    const uint8_t name[6] = {'a', 0, '.', 0, 'b', 0}; /* 6 bytes: contexts at 0x80 */
    uint8_t chain[128];
    uint8_t dh2q[32];
    rsvd_smb2_dh2q_req q;
    memset(&q, 0, sizeof q);
    q.timeout = 60000;
    q.flags = RSVD_SMB2_DHANDLE_FLAG_PERSISTENT;
    q.create_guid.b[0] = 0x42;
    size_t dl = 0;
    assert_int_equal(rsvd_smb2_dh2q_req_encode(&q, dh2q, sizeof dh2q, &dl), RSVD_OK);
    rsvd_smb2_cc_builder b;
    rsvd_smb2_cc_builder_init(&b, chain, sizeof chain);
    assert_int_equal(rsvd_smb2_cc_builder_add(&b, "DH2Q", 4, dh2q, dl), RSVD_OK);
    assert_int_equal(rsvd_smb2_cc_builder_add(&b, "MxAc", 4, NULL, 0), RSVD_OK);
    size_t cl = 0;
    assert_int_equal(rsvd_smb2_cc_builder_finish(&b, &cl), RSVD_OK);

    rsvd_smb2_create_req m;
    memset(&m, 0, sizeof m);
    m.hdr.message_id = 50;
    m.requested_oplock_level = RSVD_SMB2_OPLOCK_LEVEL_BATCH;
    m.desired_access = 0x12019F;
    m.create_disposition = RSVD_FILE_OPEN_IF;
    m.name = name;
    m.name_length = sizeof name;
    m.create_contexts = chain;
    m.create_contexts_length = (uint32_t)cl;
    uint8_t buf[512];
    size_t n = 0;
    assert_int_equal(rsvd_smb2_create_req_encode(&m, buf, sizeof buf, &n), RSVD_OK);
    rsvd_smb2_create_req d;
    assert_int_equal(rsvd_smb2_create_req_decode(buf, n, &d), RSVD_OK);
    assert_int_equal(d.name_offset, 0x78);
    assert_int_equal(d.create_contexts_offset, 0x80);
    assert_int_equal(d.requested_oplock_level, RSVD_SMB2_OPLOCK_LEVEL_BATCH);
    assert_int_equal(d.desired_access, 0x12019F);
    assert_int_equal(d.create_disposition, RSVD_FILE_OPEN_IF);
    assert_memory_equal(d.name, name, sizeof name);
    assert_int_equal(d.create_contexts_length, cl);
    rsvd_smb2_cc cc;
    assert_int_equal(rsvd_smb2_cc_find(d.create_contexts, d.create_contexts_length, "DH2Q", 4, &cc),
                     RSVD_OK);
    rsvd_smb2_dh2q_req q2;
    assert_int_equal(rsvd_smb2_dh2q_req_decode(cc.data, cc.data_length, &q2), RSVD_OK);
    assert_int_equal(q2.timeout, 60000);
    assert_int_equal(q2.flags, RSVD_SMB2_DHANDLE_FLAG_PERSISTENT);
    assert_true(rsvd_guid_equal(&q2.create_guid, &q.create_guid));
    m.name = NULL;
    assert_int_equal(rsvd_smb2_create_req_encode(&m, buf, sizeof buf, &n), RSVD_E_INVAL);
}

/* ---- the DH2Q open and the responses ------------------------------------------ */

static void create_dh2q_exchange_goldens_decode_field_by_field(void **state)
{
    (void)state;
    uint8_t msg[512], out[512];
    size_t len = tu_golden_get("smb2_create_req_dh2q", msg, sizeof msg);
    rsvd_smb2_create_req q;
    assert_int_equal(tu_decode_exact(dec_req, msg, len, &q), RSVD_OK);
    assert_int_equal(rsvd_smb2_create_req_decode(msg, len, &q), RSVD_OK);
    assert_int_equal(q.hdr.message_id, 3);
    assert_int_equal(q.requested_oplock_level, RSVD_SMB2_OPLOCK_LEVEL_BATCH);
    assert_int_equal(q.desired_access, 0x00120089);
    assert_int_equal(q.create_options, RSVD_FILE_NON_DIRECTORY_FILE);
    assert_int_equal(q.name_length, 12);
    assert_int_equal(q.create_contexts_offset, 0x88);
    assert_int_equal(q.create_contexts_length, 56);
    rsvd_smb2_cc cc;
    assert_int_equal(rsvd_smb2_cc_find(q.create_contexts, q.create_contexts_length,
                                       RSVD_SMB2_CC_DURABLE_HANDLE_REQUEST_V2, 4, &cc),
                     RSVD_OK);
    rsvd_smb2_dh2q_req dq;
    assert_int_equal(rsvd_smb2_dh2q_req_decode(cc.data, cc.data_length, &dq), RSVD_OK);
    assert_int_equal(dq.timeout, 60000);
    assert_int_equal(dq.flags, 0);
    assert_int_equal(dq.create_guid.b[0], 0x1A);
    assert_int_equal(dq.create_guid.b[15], 0x01);
    size_t n = 0;
    assert_int_equal(rsvd_smb2_create_req_encode(&q, out, sizeof out, &n), RSVD_OK);
    tu_assert_bytes(out, n, msg, len); /* with the 4 pad bytes after the name */
    tu_assert_truncations_rejected(dec_req, msg, len, sizeof q);

    len = tu_golden_get("smb2_create_rsp_dh2q", msg, sizeof msg);
    rsvd_smb2_create_rsp p;
    assert_int_equal(tu_decode_exact(dec_rsp, msg, len, &p), RSVD_OK);
    assert_int_equal(rsvd_smb2_create_rsp_decode(msg, len, &p), RSVD_OK);
    assert_int_equal(p.oplock_level, RSVD_SMB2_OPLOCK_LEVEL_BATCH);
    assert_int_equal(p.create_action, RSVD_FILE_OPENED);
    assert_true(p.file_id.persistent_id == T_PERSISTENT);
    assert_true(p.file_id.volatile_id == 0x100000001ull);
    assert_int_equal(rsvd_smb2_cc_find(p.create_contexts, p.create_contexts_length, "DH2Q", 4,
                                       &cc),
                     RSVD_OK);
    rsvd_smb2_dh2q_rsp dr;
    assert_int_equal(rsvd_smb2_dh2q_rsp_decode(cc.data, cc.data_length, &dr), RSVD_OK);
    assert_int_equal(dr.timeout, 60000);
    assert_int_equal(dr.flags, 0);
    assert_int_equal(rsvd_smb2_create_rsp_encode(&p, out, sizeof out, &n), RSVD_OK);
    tu_assert_bytes(out, n, msg, len);
    tu_assert_truncations_rejected(dec_rsp, msg, len, sizeof p);
}

static void create_response_golden_decodes_field_by_field(void **state)
{
    (void)state;
    uint8_t msg[512], out[512];
    size_t len = tu_golden_get("smb2_create_rsp_dhnq", msg, sizeof msg);
    assert_int_equal(len, 184);
    rsvd_smb2_create_rsp m;
    assert_int_equal(tu_decode_exact(dec_rsp, msg, len, &m), RSVD_OK);
    assert_int_equal(rsvd_smb2_create_rsp_decode(msg, len, &m), RSVD_OK);
    assert_true(rsvd_smb2_hdr_is_response(&m.hdr));
    assert_int_equal(m.hdr.message_id, 4);
    assert_int_equal(m.oplock_level, RSVD_SMB2_OPLOCK_LEVEL_NONE);
    assert_int_equal(m.flags, 0);
    assert_int_equal(m.create_action, RSVD_FILE_OPENED);
    assert_true(m.creation_time == 0x01DA1C2B3D4E5F60ull);
    assert_true(m.last_access_time == 0x01DA3E4F5A6B7C80ull);
    assert_true(m.last_write_time == 0x01DA3E4F5A6B7C80ull);
    assert_true(m.change_time == 0x01DA3E4F5A6B7C80ull);
    assert_true(m.allocation_size == 0x4400000);
    assert_true(m.end_of_file == 0x4400000);
    assert_int_equal(m.file_attributes, 0x20);
    assert_true(m.file_id.persistent_id == T_PERSISTENT);
    assert_true(m.file_id.volatile_id == T_VOLATILE);
    assert_int_equal(m.create_contexts_offset, 0x98);
    assert_int_equal(m.create_contexts_length, 32);
    rsvd_smb2_cc cc;
    assert_int_equal(rsvd_smb2_cc_find(m.create_contexts, m.create_contexts_length,
                                       RSVD_SMB2_CC_DURABLE_HANDLE_RESPONSE, 4, &cc),
                     RSVD_OK);
    assert_int_equal(rsvd_smb2_dhnq_rsp_decode(cc.data, cc.data_length), RSVD_OK);
    size_t n = 0;
    assert_int_equal(rsvd_smb2_create_rsp_encode(&m, out, sizeof out, &n), RSVD_OK);
    tu_assert_bytes(out, n, msg, len);
    assert_int_equal(rsvd_smb2_create_rsp_encode(&m, out, len - 1, &n), RSVD_E_NOSPC);
    tu_assert_truncations_rejected(dec_rsp, msg, len, sizeof m);
}

static void create_response_rules(void **state)
{
    (void)state;
    uint8_t msg[512];
    size_t len = tu_golden_get("smb2_create_rsp_dhnq", msg, sizeof msg);
    rsvd_smb2_create_rsp m;
    put32(msg, 144, 0x90); /* CreateContextsOffset into the fixed part */
    assert_int_equal(rsvd_smb2_create_rsp_decode(msg, len, &m), RSVD_E_WIRE_OFFSET);
    put32(msg, 144, 0x98);
    put32(msg, 148, 0xFFFFFFFF);
    assert_int_equal(rsvd_smb2_create_rsp_decode(msg, len, &m), RSVD_E_WIRE_RANGE);
    put32(msg, 148, 32);
    put32(msg, 0x98, 8); /* the context's Next */
    assert_int_equal(rsvd_smb2_create_rsp_decode(msg, len, &m), RSVD_E_WIRE_CHAIN);
    len = tu_golden_get("smb2_create_rsp_dhnq", msg, sizeof msg);
    put16(msg, 64, 88);
    assert_int_equal(rsvd_smb2_create_rsp_decode(msg, len, &m), RSVD_E_WIRE_STRUCTURE_SIZE);
}

static void create_rejects_wrong_structure_size_and_command(void **state)
{
    (void)state;
    uint8_t msg[512];
    size_t len = tu_golden_get("smb2_create_req_dhnc_svhdx", msg, sizeof msg);
    rsvd_smb2_create_req q;
    rsvd_smb2_create_rsp p;
    put16(msg, 64, 56);
    assert_int_equal(rsvd_smb2_create_req_decode(msg, len, &q), RSVD_E_WIRE_STRUCTURE_SIZE);
    len = tu_golden_get("smb2_close_req", msg, sizeof msg);
    assert_int_equal(rsvd_smb2_create_req_decode(msg, len, &q), RSVD_E_WIRE_COMMAND);
    assert_int_equal(rsvd_smb2_create_rsp_decode(msg, len, &p), RSVD_E_WIRE_COMMAND);
}

/* ---- durable-handle context data ---------------------------------------------- */

/* 3.3.5.9: a context whose size is not what its DataLength must be fails. */
static void durable_context_data_must_have_its_exact_size(void **state)
{
    (void)state;
    uint8_t d[64];
    memset(d, 0, sizeof d);
    rsvd_smb2_fileid fid;
    rsvd_smb2_dh2q_req q;
    rsvd_smb2_dh2c c;
    rsvd_smb2_dh2q_rsp r;
    assert_int_equal(rsvd_smb2_dhnq_req_decode(d, 16), RSVD_OK);
    assert_int_equal(rsvd_smb2_dhnq_req_decode(d, 15), RSVD_E_WIRE_SHORT);
    assert_int_equal(rsvd_smb2_dhnq_req_decode(d, 17), RSVD_E_WIRE_VALUE);
    assert_int_equal(rsvd_smb2_dhnq_req_decode(NULL, 16), RSVD_E_WIRE_SHORT);
    assert_int_equal(rsvd_smb2_dhnc_decode(d, 16, &fid), RSVD_OK);
    assert_int_equal(rsvd_smb2_dhnc_decode(d, 15, &fid), RSVD_E_WIRE_SHORT);
    assert_int_equal(rsvd_smb2_dhnc_decode(d, 17, &fid), RSVD_E_WIRE_VALUE);
    assert_int_equal(rsvd_smb2_dh2q_req_decode(d, 32, &q), RSVD_OK);
    assert_int_equal(rsvd_smb2_dh2q_req_decode(d, 31, &q), RSVD_E_WIRE_SHORT);
    assert_int_equal(rsvd_smb2_dh2q_req_decode(d, 33, &q), RSVD_E_WIRE_VALUE);
    assert_int_equal(rsvd_smb2_dh2c_decode(d, 36, &c), RSVD_OK);
    assert_int_equal(rsvd_smb2_dh2c_decode(d, 35, &c), RSVD_E_WIRE_SHORT);
    assert_int_equal(rsvd_smb2_dh2c_decode(d, 40, &c), RSVD_E_WIRE_VALUE);
    assert_int_equal(rsvd_smb2_dhnq_rsp_decode(d, 8), RSVD_OK);
    assert_int_equal(rsvd_smb2_dhnq_rsp_decode(d, 7), RSVD_E_WIRE_SHORT);
    assert_int_equal(rsvd_smb2_dhnq_rsp_decode(d, 9), RSVD_E_WIRE_VALUE);
    assert_int_equal(rsvd_smb2_dh2q_rsp_decode(d, 8, &r), RSVD_OK);
    assert_int_equal(rsvd_smb2_dh2q_rsp_decode(d, 7, &r), RSVD_E_WIRE_SHORT);
    assert_int_equal(rsvd_smb2_dh2q_rsp_decode(d, 9, &r), RSVD_E_WIRE_VALUE);
}

static void durable_context_data_round_trips(void **state)
{
    (void)state;
    uint8_t b[64];
    size_t n = 0;
    uint8_t want[128];
    size_t wl = tu_golden_get("smb2_cc_dh2c", want, sizeof want);
    rsvd_smb2_cc cc;
    assert_int_equal(rsvd_smb2_cc_find(want, wl, "DH2C", 4, &cc), RSVD_OK);
    rsvd_smb2_dh2c c;
    assert_int_equal(rsvd_smb2_dh2c_decode(cc.data, cc.data_length, &c), RSVD_OK);
    assert_true(c.file_id.persistent_id == T_PERSISTENT);
    assert_true(c.file_id.volatile_id == 0x100000001ull);
    assert_int_equal(c.create_guid.b[0], 0x1A);
    assert_int_equal(c.flags, RSVD_SMB2_DHANDLE_FLAG_PERSISTENT);
    assert_int_equal(rsvd_smb2_dh2c_encode(&c, b, sizeof b, &n), RSVD_OK);
    tu_assert_bytes(b, n, cc.data, cc.data_length);
    assert_int_equal(rsvd_smb2_dh2c_encode(&c, b, 35, &n), RSVD_E_NOSPC);

    rsvd_smb2_dh2q_rsp r = {1234, RSVD_SMB2_DHANDLE_FLAG_PERSISTENT}, r2;
    assert_int_equal(rsvd_smb2_dh2q_rsp_encode(&r, b, sizeof b, &n), RSVD_OK);
    assert_int_equal(n, 8);
    assert_int_equal(rsvd_smb2_dh2q_rsp_decode(b, n, &r2), RSVD_OK);
    assert_int_equal(r2.timeout, 1234);
    assert_int_equal(r2.flags, RSVD_SMB2_DHANDLE_FLAG_PERSISTENT);
    assert_int_equal(rsvd_smb2_dhnq_rsp_encode(b, sizeof b, &n), RSVD_OK);
    assert_int_equal(n, 8);
    assert_int_equal(rsvd_smb2_dhnq_rsp_decode(b, n), RSVD_OK);
    assert_int_equal(rsvd_smb2_dhnq_req_encode(b, 15, &n), RSVD_E_NOSPC);
    assert_int_equal(rsvd_smb2_dhnc_encode(&c.file_id, b, 15, &n), RSVD_E_NOSPC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(create_request_golden_decodes_field_by_field),
        cmocka_unit_test(create_request_contexts_walk_to_dhnc_and_svhdx),
        cmocka_unit_test(create_contexts_are_found_by_name),
        cmocka_unit_test(chain_builder_reproduces_the_golden_chains),
        cmocka_unit_test(chain_builder_rejects_bad_input_and_full_buffers),
        cmocka_unit_test(chain_goldens_reject_every_truncation),
        cmocka_unit_test(chain_shorter_than_one_context_is_short),
        cmocka_unit_test(chain_next_not_multiple_of_8_is_rejected),
        cmocka_unit_test(chain_next_back_into_its_own_context_is_rejected),
        cmocka_unit_test(chain_next_running_past_the_end_is_rejected),
        cmocka_unit_test(chain_name_shorter_than_4_bytes_is_rejected),
        cmocka_unit_test(chain_name_outside_its_context_is_rejected),
        cmocka_unit_test(chain_data_outside_its_context_is_rejected),
        cmocka_unit_test(chain_data_offset_of_empty_data_is_ignored),
        cmocka_unit_test(chain_iterator_error_is_sticky),
        cmocka_unit_test(create_request_passes_on_the_chain_error),
        cmocka_unit_test(create_request_name_rules),
        cmocka_unit_test(create_request_contexts_offset_and_length_are_checked),
        cmocka_unit_test(create_request_needs_one_buffer_byte),
        cmocka_unit_test(create_request_built_from_name_and_chain_round_trips),
        cmocka_unit_test(create_dh2q_exchange_goldens_decode_field_by_field),
        cmocka_unit_test(create_response_golden_decodes_field_by_field),
        cmocka_unit_test(create_response_rules),
        cmocka_unit_test(create_rejects_wrong_structure_size_and_command),
        cmocka_unit_test(durable_context_data_must_have_its_exact_size),
        cmocka_unit_test(durable_context_data_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
