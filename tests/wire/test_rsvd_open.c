/*
 * Opening a shared virtual disk: the SVHDX_OPEN_DEVICE_CONTEXT(_V2) create
 * contexts and responses ([MS-RSVD] 2.2.4.12, 2.2.4.31 - 2.2.4.33, examples
 * 4.1 and 4.3), the query-support response (2.2.4.16), FILE_FULL_EA_INFORMATION
 * chains ([MS-FSCC] 2.4.16) and the RSVD target specifier (2.2.4.34, 2.2.4.35,
 * 3.1.4.24, 3.2.5.7).
 */
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/wire.h>
#include <rsvd/wire_rsvd.h>

#include "rsvd_codec_check.h"
#include "testutil.h"

static int dec_v1(const uint8_t *b, size_t n, void *o)
{
    return rsvd_svhdx_open_device_context_v1_decode(b, n, o);
}

static int enc_v1(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return rsvd_svhdx_open_device_context_v1_encode(o, b, cap, len);
}

static int dec_v2(const uint8_t *b, size_t n, void *o)
{
    return rsvd_svhdx_open_device_context_v2_decode(b, n, o);
}

static int enc_v2(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return rsvd_svhdx_open_device_context_v2_encode(o, b, cap, len);
}

static int dec_support(const uint8_t *b, size_t n, void *o)
{
    return rsvd_svhdx_shared_virtual_disk_support_response_decode(b, n, o);
}

static int enc_support(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return rsvd_svhdx_shared_virtual_disk_support_response_encode(o, b, cap, len);
}

static int dec_ea(const uint8_t *b, size_t n, void *o)
{
    return rsvd_file_full_ea_information_decode(b, n, o);
}

static int enc_ea(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return rsvd_file_full_ea_information_encode(o, b, cap, len);
}

/* A whole EA chain, for the generic checks: up to 8 entries. */
typedef struct ea_chain {
    size_t count;
    rsvd_file_full_ea_information ea[8];
} ea_chain;

static int dec_chain(const uint8_t *b, size_t n, void *o)
{
    ea_chain *c = o;
    rsvd_ea_iter it;
    int rc;
    c->count = 0;
    rsvd_ea_iter_init(&it, b, n);
    while (c->count < 8 && (rc = rsvd_ea_iter_next(&it, &c->ea[c->count])) == RSVD_OK)
        c->count++;
    if (c->count == 8)
        rc = rsvd_ea_iter_next(&it, &c->ea[7]) == RSVD_E_NOENT ? RSVD_E_NOENT : RSVD_E_LIMIT;
    return rc == RSVD_E_NOENT ? RSVD_OK : rc;
}

static int enc_chain(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    const ea_chain *c = o;
    return rsvd_file_full_ea_information_chain_encode(c->ea, c->count, b, cap, len);
}

static bool eq_ctx(const void *pa, const void *pb)
{
    const rsvd_svhdx_open_device_context *a = pa, *b = pb;
    RC_EQ(version);
    RC_EQ(has_initiator_id);
    RC_EQ_BYTES(reserved);
    RC_EQ_GUID(initiator_id);
    RC_EQ(flags);
    RC_EQ(originator_flags);
    RC_EQ(open_request_id);
    RC_EQ(initiator_host_name_length);
    RC_EQ_VIEW(initiator_host_name, RSVD_SVHDX_INITIATOR_HOST_NAME_SIZE);
    RC_EQ(virtual_disk_properties_initialized);
    RC_EQ(server_service_version);
    RC_EQ(virtual_sector_size);
    RC_EQ(physical_sector_size);
    RC_EQ(virtual_size);
    return true;
}

static bool eq_support(const void *pa, const void *pb)
{
    const rsvd_svhdx_shared_virtual_disk_support_response *a = pa, *b = pb;
    RC_EQ(shared_virtual_disk_support);
    RC_EQ(shared_virtual_disk_handle_state);
    return true;
}

static bool ea_equal(const rsvd_file_full_ea_information *a,
                     const rsvd_file_full_ea_information *b)
{
    RC_EQ(flags);
    RC_EQ(ea_name_length);
    RC_EQ(ea_value_length);
    RC_EQ_VIEW(ea_name, a->ea_name_length);
    RC_EQ_VIEW(ea_value, a->ea_value_length);
    return true;
}

static bool eq_ea(const void *pa, const void *pb)
{
    const rsvd_file_full_ea_information *a = pa, *b = pb;
    RC_EQ(next_entry_offset);
    return ea_equal(a, b);
}

static bool eq_chain(const void *pa, const void *pb)
{
    const ea_chain *a = pa, *b = pb;
    RC_EQ(count);
    for (size_t i = 0; i < a->count; i++)
        if (!ea_equal(&a->ea[i], &b->ea[i]))
            return false;
    return true;
}

#define CODEC(golden, dec, enc, type, eq) {golden, 0, 0, dec, enc, sizeof(type), eq, 0}

static const rc_codec codecs[] = {
    CODEC("rsvd_open_device_context_v1_ex41", dec_v1, enc_v1, rsvd_svhdx_open_device_context,
          eq_ctx),
    CODEC("rsvd_open_device_context_v2_ex43", dec_v2, enc_v2, rsvd_svhdx_open_device_context,
          eq_ctx),
    CODEC("rsvd_open_device_context_v2_response_ex43", dec_v2, enc_v2,
          rsvd_svhdx_open_device_context, eq_ctx),
    CODEC("rsvd_shared_virtual_disk_support_response", dec_support, enc_support,
          rsvd_svhdx_shared_virtual_disk_support_response, eq_support),
    CODEC("rsvd_target_specifier_ea", dec_ea, enc_ea, rsvd_file_full_ea_information, eq_ea),
    CODEC("rsvd_target_specifier_ea", dec_chain, enc_chain, ea_chain, eq_chain),
    CODEC("rsvd_ea_chain_two_entries", dec_chain, enc_chain, ea_chain, eq_chain),
};

static const uint8_t ex41_initiator[16] = {0x07, 0x77, 0x0D, 0x20, 0x1F, 0x27, 0x40, 0x83,
                                           0x45, 0x79, 0xD4, 0x6F, 0x5A, 0xC4, 0x3B, 0x73};
static const uint8_t ex43_initiator[16] = {0x72, 0xD6, 0xBA, 0x68, 0x73, 0x2A, 0xD8, 0x4C,
                                           0x9F, 0x58, 0x6A, 0x4B, 0x67, 0x23, 0x2E, 0x0D};
static const uint8_t ex43_snapshot_id[16] = {0x13, 0x70, 0xC0, 0x5A, 0xB8, 0xED, 0x2C, 0x4E,
                                             0x97, 0x84, 0x6E, 0xDD, 0x28, 0x43, 0xF2, 0x69};
static const uint8_t client01[16] = {'c', 0, 'l', 0, 'i', 0, 'e', 0,
                                     'n', 0, 't', 0, '0', 0, '1', 0};

static void every_open_golden_vector_round_trips(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof codecs / sizeof codecs[0]; i++)
        rc_check(&codecs[i]);
}

/* Example 4.1. */
static void open_context_v1_ex41_decodes_field_by_field(void **state)
{
    (void)state;
    uint8_t b[256];
    size_t n = tu_golden_get("rsvd_open_device_context_v1_ex41", b, sizeof b);
    assert_int_equal(n, RSVD_SVHDX_OPEN_DEVICE_CONTEXT_SIZE);
    uint32_t version = 0;
    assert_int_equal(rsvd_svhdx_open_device_context_version(b, n, &version), RSVD_OK);
    assert_int_equal(version, RSVD_ECP_CONTEXT_VERSION_1);
    rsvd_svhdx_open_device_context c;
    assert_int_equal(rsvd_svhdx_open_device_context_v1_decode(b, n, &c), RSVD_OK);
    assert_int_equal(c.version, 1);
    assert_int_equal(c.has_initiator_id, 1);
    assert_int_equal(c.reserved[0] | c.reserved[1] | c.reserved[2], 0);
    assert_memory_equal(c.initiator_id.b, ex41_initiator, 16);
    assert_int_equal(c.flags, 0);
    assert_int_equal(c.originator_flags, RSVD_SVHDX_ORIGINATOR_PVHDPARSER);
    assert_true(c.open_request_id == 0x000000001EC7871Eull);
    assert_int_equal(c.initiator_host_name_length, 16);
    const uint8_t *name = NULL;
    size_t name_len = 0;
    assert_int_equal(rsvd_svhdx_open_device_context_host_name(&c, &name, &name_len), RSVD_OK);
    assert_int_equal(name_len, 16);
    assert_memory_equal(name, client01, 16);
    assert_ptr_equal(name, b + 42);
    assert_int_equal(c.virtual_disk_properties_initialized | c.server_service_version, 0);
    /* the V1 layout is too short for a V2 decode */
    assert_int_equal(rsvd_svhdx_open_device_context_v2_decode(b, n, &c), RSVD_E_WIRE_SHORT);
}

/* Example 4.3: the V2 request and the server's V2 response. */
static void open_context_v2_ex43_decodes_field_by_field(void **state)
{
    (void)state;
    uint8_t b[256];
    size_t n = tu_golden_get("rsvd_open_device_context_v2_ex43", b, sizeof b);
    assert_int_equal(n, RSVD_SVHDX_OPEN_DEVICE_CONTEXT_V2_SIZE);
    rsvd_svhdx_open_device_context c;
    assert_int_equal(rsvd_svhdx_open_device_context_v2_decode(b, n, &c), RSVD_OK);
    assert_int_equal(c.version, RSVD_ECP_CONTEXT_VERSION_2);
    assert_int_equal(c.has_initiator_id, 1);
    assert_memory_equal(c.initiator_id.b, ex43_initiator, 16);
    assert_int_equal(c.originator_flags, RSVD_SVHDX_ORIGINATOR_PVHDPARSER);
    assert_true(c.open_request_id == 0x3028E5B600000000ull);
    assert_int_equal(c.initiator_host_name_length, 20);
    assert_int_equal(c.initiator_host_name[0], 'S');
    assert_int_equal(c.initiator_host_name[18], '1');
    assert_int_equal(c.virtual_disk_properties_initialized, 0);
    assert_int_equal(c.server_service_version, 0);
    assert_int_equal(c.virtual_sector_size, 0);
    assert_int_equal(c.physical_sector_size, 0);
    assert_true(c.virtual_size == 0);

    n = tu_golden_get("rsvd_open_device_context_v2_response_ex43", b, sizeof b);
    assert_int_equal(rsvd_svhdx_open_device_context_v2_decode(b, n, &c), RSVD_OK);
    assert_int_equal(c.virtual_disk_properties_initialized, 1);
    assert_int_equal(c.server_service_version, RSVD_PROTOCOL_VERSION_2);
    assert_int_equal(c.virtual_sector_size, 512);
    assert_int_equal(c.physical_sector_size, 4096);
    assert_true(c.virtual_size == 0x4000000000000000ull);
    /* its first 168 bytes are a V1 layout too */
    rsvd_svhdx_open_device_context c1;
    assert_int_equal(rsvd_svhdx_open_device_context_v1_decode(b, n, &c1), RSVD_OK);
    assert_true(c1.open_request_id == c.open_request_id);
    assert_int_equal(c1.virtual_sector_size, 0);
}

/* 3.2.5.1 answers these with STATUS_INVALID_PARAMETER: decode as sent. */
static void open_context_decodes_wrong_version_and_has_initiator_id_as_sent(void **state)
{
    (void)state;
    uint8_t b[256];
    size_t n = tu_golden_get("rsvd_open_device_context_v2_ex43", b, sizeof b);
    b[0] = 7;    /* Version 7 */
    b[4] = 2;    /* HasInitiatorId neither 0 nor 1 */
    b[5] = 0xEE; /* Reserved, copied into the V2 response */
    rsvd_svhdx_open_device_context c;
    assert_int_equal(rsvd_svhdx_open_device_context_v2_decode(b, n, &c), RSVD_OK);
    assert_int_equal(c.version, 7);
    assert_int_equal(c.has_initiator_id, 2);
    assert_int_equal(c.reserved[0], 0xEE);
    assert_int_equal(rsvd_svhdx_open_device_context_v1_decode(b, n, &c), RSVD_OK);
    assert_int_equal(c.version, 7);
    uint32_t version = 0;
    assert_int_equal(rsvd_svhdx_open_device_context_version(b, 4, &version), RSVD_OK);
    assert_int_equal(version, 7);
}

/* 3.2.5.1's BUFFER_TOO_SMALL rules need the Version of any context data. */
static void open_context_version_needs_four_bytes(void **state)
{
    (void)state;
    const uint8_t b[4] = {2, 0, 0, 0};
    uint32_t version = 99;
    assert_int_equal(rsvd_svhdx_open_device_context_version(b, 3, &version), RSVD_E_WIRE_SHORT);
    assert_int_equal(rsvd_svhdx_open_device_context_version(b, 4, &version), RSVD_OK);
    assert_int_equal(version, 2);
    assert_int_equal(rsvd_svhdx_open_device_context_version(NULL, 0, &version), RSVD_E_WIRE_SHORT);
}

/* [MS-RSVD] 2.2.4.12: InitiatorHostNameLength "MUST NOT exceed
 * RSVD_MAXIMUM_NAME_LENGTH" (126), and a UTF-16 name has an even length. */
static const uint16_t bad_host_name_lengths[] = {127, 128, 140, 0xFFFF, 1, 15, 125};
static const uint16_t good_host_name_lengths[] = {0, 2, 16, 124, 126};

static void put_host_name_length(uint8_t *b, uint16_t len)
{
    b[40] = (uint8_t)len;
    b[41] = (uint8_t)(len >> 8);
}

/* The request and the response layouts, V1 and V2: refused by both
 * decoders, every other field as sent. */
static void open_context_decoders_refuse_a_host_name_length_above_126_or_odd(void **state)
{
    (void)state;
    static const char *const vectors[] = {"rsvd_open_device_context_v1_ex41",
                                          "rsvd_open_device_context_v2_ex43",
                                          "rsvd_open_device_context_v2_response_ex43"};
    for (size_t v = 0; v < sizeof vectors / sizeof vectors[0]; v++) {
        uint8_t b[256];
        size_t n = tu_golden_get(vectors[v], b, sizeof b);
        const bool v2 = n == RSVD_SVHDX_OPEN_DEVICE_CONTEXT_V2_SIZE;
        rsvd_svhdx_open_device_context c;
        for (size_t i = 0; i < sizeof bad_host_name_lengths / sizeof bad_host_name_lengths[0];
             i++) {
            put_host_name_length(b, bad_host_name_lengths[i]);
            assert_int_equal(rsvd_svhdx_open_device_context_v1_decode(b, n, &c),
                             RSVD_E_WIRE_NAME);
            assert_int_equal(c.initiator_host_name_length, bad_host_name_lengths[i]);
            if (v2)
                assert_int_equal(rsvd_svhdx_open_device_context_v2_decode(b, n, &c),
                                 RSVD_E_WIRE_NAME);
        }
        for (size_t i = 0; i < sizeof good_host_name_lengths / sizeof good_host_name_lengths[0];
             i++) {
            put_host_name_length(b, good_host_name_lengths[i]);
            assert_int_equal(rsvd_svhdx_open_device_context_v1_decode(b, n, &c), RSVD_OK);
            assert_int_equal(c.initiator_host_name_length, good_host_name_lengths[i]);
            if (v2)
                assert_int_equal(rsvd_svhdx_open_device_context_v2_decode(b, n, &c), RSVD_OK);
        }
    }
}

/* The request and the response, V1 and V2: a length the decoders refuse is
 * never written; nothing is. */
static void open_context_encoders_refuse_a_host_name_length_above_126_or_odd(void **state)
{
    (void)state;
    uint8_t golden[256];
    size_t n = tu_golden_get("rsvd_open_device_context_v2_response_ex43", golden, sizeof golden);
    rsvd_svhdx_open_device_context c;
    assert_int_equal(rsvd_svhdx_open_device_context_v2_decode(golden, n, &c), RSVD_OK);
    uint8_t name[256]; /* room for every length tried */
    memset(name, 'n', sizeof name);
    c.initiator_host_name = name;
    int (*const enc[])(const rsvd_svhdx_open_device_context *, uint8_t *, size_t, size_t *) = {
        rsvd_svhdx_open_device_context_v1_encode, rsvd_svhdx_open_device_context_v2_encode};
    for (size_t e = 0; e < 2; e++) {
        for (size_t i = 0; i < sizeof bad_host_name_lengths / sizeof bad_host_name_lengths[0];
             i++) {
            c.initiator_host_name_length = bad_host_name_lengths[i];
            uint8_t out[256];
            memset(out, 0xAA, sizeof out);
            size_t out_len = 7;
            assert_int_equal(enc[e](&c, out, sizeof out, &out_len), RSVD_E_INVAL);
            for (size_t k = 0; k < sizeof out; k++)
                assert_int_equal(out[k], 0xAA);
        }
        for (size_t i = 0; i < sizeof good_host_name_lengths / sizeof good_host_name_lengths[0];
             i++) {
            const uint16_t len = good_host_name_lengths[i];
            c.initiator_host_name_length = len;
            uint8_t out[256];
            size_t out_len = 0;
            assert_int_equal(enc[e](&c, out, sizeof out, &out_len), RSVD_OK);
            assert_int_equal(out[40] | out[41] << 8, len);
            for (size_t k = 0; k < RSVD_SVHDX_INITIATOR_HOST_NAME_SIZE; k++)
                assert_int_equal(out[42 + k], k < len ? 'n' : 0);
        }
    }
}

/* A context filled by hand is checked as the codecs check it. */
static void open_context_host_name_view_refuses_a_length_above_126_or_odd(void **state)
{
    (void)state;
    uint8_t field[RSVD_SVHDX_INITIATOR_HOST_NAME_SIZE] = {0};
    rsvd_svhdx_open_device_context c;
    memset(&c, 0, sizeof c);
    c.initiator_host_name = field;
    const uint8_t *name;
    size_t name_len;
    for (size_t i = 0; i < sizeof bad_host_name_lengths / sizeof bad_host_name_lengths[0]; i++) {
        c.initiator_host_name_length = bad_host_name_lengths[i];
        assert_int_equal(rsvd_svhdx_open_device_context_host_name(&c, &name, &name_len),
                         RSVD_E_WIRE_NAME);
    }
    c.initiator_host_name_length = 126;
    assert_int_equal(rsvd_svhdx_open_device_context_host_name(&c, &name, &name_len), RSVD_OK);
    assert_ptr_equal(name, field);
    assert_int_equal(name_len, 126);
    c.initiator_host_name = NULL;
    assert_int_equal(rsvd_svhdx_open_device_context_host_name(&c, &name, &name_len),
                     RSVD_E_WIRE_NAME);
}

/* The encoder copies the name and zero-fills the rest of the 126-byte field. */
static void open_context_encoder_zero_fills_the_host_name_field(void **state)
{
    (void)state;
    uint8_t want[256];
    size_t n = tu_golden_get("rsvd_open_device_context_v1_ex41", want, sizeof want);
    rsvd_svhdx_open_device_context c = {
        .version = RSVD_ECP_CONTEXT_VERSION_1,
        .has_initiator_id = 1,
        .flags = 0,
        .originator_flags = RSVD_SVHDX_ORIGINATOR_PVHDPARSER,
        .open_request_id = 0x1EC7871E,
        .initiator_host_name_length = 16,
        .initiator_host_name = client01,
    };
    memcpy(c.initiator_id.b, ex41_initiator, 16);
    uint8_t out[256];
    memset(out, 0xAA, sizeof out);
    size_t out_len = 0;
    assert_int_equal(rsvd_svhdx_open_device_context_v1_encode(&c, out, sizeof out, &out_len),
                     RSVD_OK);
    tu_assert_bytes(out, out_len, want, n);
    c.initiator_host_name = NULL;
    assert_int_equal(rsvd_svhdx_open_device_context_v1_encode(&c, out, sizeof out, &out_len),
                     RSVD_E_INVAL);
    c.initiator_host_name_length = 0;
    assert_int_equal(rsvd_svhdx_open_device_context_v2_encode(&c, out, sizeof out, &out_len),
                     RSVD_OK);
    assert_int_equal(out_len, RSVD_SVHDX_OPEN_DEVICE_CONTEXT_V2_SIZE);
}

static void context_name_is_the_16_spec_bytes(void **state)
{
    (void)state;
    const uint8_t name[16] = {0x9C, 0xCB, 0xCF, 0x9E, 0x04, 0xC1, 0xE6, 0x43,
                              0x98, 0x0E, 0x15, 0x8D, 0xA1, 0xF6, 0xEC, 0x83};
    assert_true(rsvd_is_svhdx_open_device_context_name(name, 16));
    assert_false(rsvd_is_svhdx_open_device_context_name(name, 15));
    assert_false(rsvd_is_svhdx_open_device_context_name(NULL, 16));
    uint8_t other[16];
    memcpy(other, name, 16);
    other[15] = 0x84;
    assert_false(rsvd_is_svhdx_open_device_context_name(other, 16));
    const uint8_t dhnq[4] = {'D', 'H', 'n', 'Q'};
    assert_false(rsvd_is_svhdx_open_device_context_name(dhnq, 4));
}

/* [MS-SMB2] 3.3.5.9.14: the name ends with ":SharedVirtualDisk". */
static void shared_virtual_disk_suffix_is_found_in_utf16_names(void **state)
{
    (void)state;
    const char *ascii = "disk.vhdx:SharedVirtualDisk";
    uint8_t name[64];
    size_t n = strlen(ascii);
    for (size_t i = 0; i < n; i++) {
        name[2 * i] = (uint8_t)ascii[i];
        name[2 * i + 1] = 0;
    }
    assert_true(rsvd_utf16le_ends_with_ascii(name, 2 * n, RSVD_SHARED_VIRTUAL_DISK_SUFFIX));
    assert_false(rsvd_utf16le_ends_with_ascii(name, 2 * n - 2, RSVD_SHARED_VIRTUAL_DISK_SUFFIX));
    assert_false(rsvd_utf16le_ends_with_ascii(name, 2 * 9, RSVD_SHARED_VIRTUAL_DISK_SUFFIX));
}

static void support_response_decodes_field_by_field(void **state)
{
    (void)state;
    uint8_t b[16];
    size_t n = tu_golden_get("rsvd_shared_virtual_disk_support_response", b, sizeof b);
    assert_int_equal(n, RSVD_SVHDX_SHARED_VIRTUAL_DISK_SUPPORT_RESPONSE_SIZE);
    rsvd_svhdx_shared_virtual_disk_support_response r;
    assert_int_equal(rsvd_svhdx_shared_virtual_disk_support_response_decode(b, n, &r), RSVD_OK);
    assert_int_equal(r.shared_virtual_disk_support, RSVD_SHARED_VIRTUAL_DISK_SNAPSHOTS_SUPPORTED);
    assert_int_equal(r.shared_virtual_disk_handle_state, RSVD_HANDLE_STATE_SHARED);
}

/* 3.1.4.24: the 57-byte EA, field by field. */
static void target_specifier_ea_decodes_field_by_field(void **state)
{
    (void)state;
    uint8_t b[128];
    size_t n = tu_golden_get("rsvd_target_specifier_ea", b, sizeof b);
    assert_int_equal(n, RSVD_TARGET_SPECIFIER_EA_SIZE);
    rsvd_file_full_ea_information ea;
    assert_int_equal(rsvd_file_full_ea_information_decode(b, n, &ea), RSVD_OK);
    assert_int_equal(ea.next_entry_offset, 0);
    assert_int_equal(ea.flags, RSVD_FILE_NEED_EA);
    assert_int_equal(ea.ea_name_length, 24);
    assert_int_equal(ea.ea_value_length, 24);
    assert_memory_equal(ea.ea_name, RSVD_TARGET_SPECIFIER_EA_NAME, 24);
    assert_ptr_equal(ea.ea_value, b + 33);
    rsvd_block_device_target_specifier ts;
    assert_int_equal(rsvd_block_device_target_specifier_decode(ea.ea_value, ea.ea_value_length,
                                                               &ts),
                     RSVD_OK);
    assert_int_equal(ts.rsvd_block_device_target_namespace,
                     RSVD_BLOCK_DEVICE_TARGET_NAMESPACE_SNAPSHOT_ID);
    assert_int_equal(ts.target_information_snapshot.snapshot_type, RSVD_SVHDX_SNAPSHOT_TYPE_VM);
    assert_memory_equal(ts.target_information_snapshot.snapshot_id.b, ex43_snapshot_id, 16);
    tu_assert_truncations_rejected(dec_ea, b, n, sizeof ea);

    /* the specifier on its own round-trips */
    uint8_t out[64];
    size_t out_len = 0;
    assert_int_equal(rsvd_block_device_target_specifier_encode(&ts, out, sizeof out, &out_len),
                     RSVD_OK);
    tu_assert_bytes(out, out_len, b + 33, 24);
    assert_int_equal(rsvd_block_device_target_specifier_encode(&ts, out, 23, &out_len),
                     RSVD_E_NOSPC);
}

static int dec_ts(const uint8_t *b, size_t n, void *o)
{
    return rsvd_block_device_target_specifier_decode(b, n, o);
}

static void target_specifier_truncations_are_short(void **state)
{
    (void)state;
    uint8_t b[128];
    tu_golden_get("rsvd_target_specifier_ea", b, sizeof b);
    tu_assert_truncations_rejected(dec_ts, b + 33, 24, sizeof(rsvd_block_device_target_specifier));
}

/* The builder lays out exactly the bytes 3.1.4.24 describes. */
static void target_specifier_ea_builder_matches_the_golden_bytes(void **state)
{
    (void)state;
    uint8_t want[128];
    size_t n = tu_golden_get("rsvd_target_specifier_ea", want, sizeof want);
    rsvd_block_device_target_specifier ts = {
        .rsvd_block_device_target_namespace = RSVD_BLOCK_DEVICE_TARGET_NAMESPACE_SNAPSHOT_ID,
        .target_information_snapshot = {.snapshot_type = RSVD_SVHDX_SNAPSHOT_TYPE_VM}};
    memcpy(ts.target_information_snapshot.snapshot_id.b, ex43_snapshot_id, 16);
    uint8_t out[128];
    size_t out_len = 0;
    assert_int_equal(rsvd_target_specifier_ea_build(&ts, out, sizeof out, &out_len), RSVD_OK);
    tu_assert_bytes(out, out_len, want, n);
    assert_int_equal(rsvd_target_specifier_ea_build(&ts, out, 56, &out_len), RSVD_E_NOSPC);
}

/* 3.2.5.7: EaName "RSVD_TARGET_SPECIFIER_EA" and EaValueLength >= 24. */
static void target_specifier_is_found_in_an_ea_chain(void **state)
{
    (void)state;
    uint8_t b[128];
    size_t n = tu_golden_get("rsvd_ea_chain_two_entries", b, sizeof b);
    rsvd_block_device_target_specifier ts;
    assert_int_equal(rsvd_target_specifier_ea_find(b, n, &ts), RSVD_OK);
    assert_int_equal(ts.target_information_snapshot.snapshot_type, RSVD_SVHDX_SNAPSHOT_TYPE_VM);
    assert_memory_equal(ts.target_information_snapshot.snapshot_id.b, ex43_snapshot_id, 16);

    /* the first entry alone is a well-formed chain without it */
    b[0] = 0;
    assert_int_equal(rsvd_target_specifier_ea_find(b, 14, &ts), RSVD_E_NOENT);

    /* a value shorter than 24 bytes does not qualify */
    n = tu_golden_get("rsvd_target_specifier_ea", b, sizeof b);
    b[6] = 23;
    assert_int_equal(rsvd_target_specifier_ea_find(b, n - 1, &ts), RSVD_E_NOENT);
    /* nor does a name that differs (case included) */
    n = tu_golden_get("rsvd_target_specifier_ea", b, sizeof b);
    b[8] = 'r';
    assert_int_equal(rsvd_target_specifier_ea_find(b, n, &ts), RSVD_E_NOENT);
    /* a longer value is accepted: its first 24 bytes are the specifier */
    n = tu_golden_get("rsvd_target_specifier_ea", b, sizeof b);
    b[6] = 28;
    memset(b + n, 0xEE, 4);
    assert_int_equal(rsvd_target_specifier_ea_find(b, n + 4, &ts), RSVD_OK);
    assert_memory_equal(ts.target_information_snapshot.snapshot_id.b, ex43_snapshot_id, 16);
}

static void ea_chain_walks_every_entry(void **state)
{
    (void)state;
    uint8_t b[128];
    size_t n = tu_golden_get("rsvd_ea_chain_two_entries", b, sizeof b);
    rsvd_ea_iter it;
    rsvd_file_full_ea_information ea;
    rsvd_ea_iter_init(&it, b, n);
    assert_int_equal(rsvd_ea_iter_next(&it, &ea), RSVD_OK);
    assert_int_equal(ea.next_entry_offset, 16);
    assert_int_equal(ea.flags, 0);
    assert_int_equal(ea.ea_name_length, 3);
    assert_memory_equal(ea.ea_name, "APP", 3);
    assert_int_equal(ea.ea_value_length, 2);
    assert_int_equal(ea.ea_value[1], 0x02);
    assert_int_equal(rsvd_ea_iter_next(&it, &ea), RSVD_OK);
    assert_ptr_equal(ea.ea_name, b + 16 + 8);
    assert_int_equal(ea.next_entry_offset, 0);
    assert_int_equal(rsvd_ea_iter_next(&it, &ea), RSVD_E_NOENT);
    assert_int_equal(rsvd_ea_iter_next(&it, &ea), RSVD_E_NOENT);
}

static int walk(const uint8_t *b, size_t n)
{
    rsvd_ea_iter it;
    rsvd_file_full_ea_information ea;
    int rc;
    rsvd_ea_iter_init(&it, b, n);
    while ((rc = rsvd_ea_iter_next(&it, &ea)) == RSVD_OK)
        ;
    return rc == RSVD_E_NOENT ? RSVD_OK : rc;
}

/* A link that does not move past its own entry would overlap or loop. */
static void ea_chain_link_that_loops_back_is_chain(void **state)
{
    (void)state;
    uint8_t b[128];
    size_t n = tu_golden_get("rsvd_ea_chain_two_entries", b, sizeof b);
    b[0] = 12; /* inside the 14-byte first entry */
    assert_int_equal(walk(b, n), RSVD_E_WIRE_CHAIN);
    b[0] = 0; b[1] = 0; /* 0 ends the chain: no loop possible */
    assert_int_equal(walk(b, n), RSVD_OK);
    /* a loop through the second entry: its link points back by wrapping */
    n = tu_golden_get("rsvd_ea_chain_two_entries", b, sizeof b);
    b[16] = 0xF0; b[17] = 0xFF; b[18] = 0xFF; b[19] = 0xFF; /* -16 as an unsigned offset */
    assert_int_equal(walk(b, n), RSVD_E_WIRE_CHAIN);
    /* and the error is sticky */
    rsvd_ea_iter it;
    rsvd_file_full_ea_information ea;
    rsvd_ea_iter_init(&it, b, n);
    assert_int_equal(rsvd_ea_iter_next(&it, &ea), RSVD_OK);
    assert_int_equal(rsvd_ea_iter_next(&it, &ea), RSVD_E_WIRE_CHAIN);
    assert_int_equal(rsvd_ea_iter_next(&it, &ea), RSVD_E_WIRE_CHAIN);
}

static void ea_chain_link_not_4_aligned_is_chain(void **state)
{
    (void)state;
    uint8_t b[128];
    size_t n = tu_golden_get("rsvd_ea_chain_two_entries", b, sizeof b);
    b[0] = 14; /* right after the entry, but not on a 4-byte boundary */
    assert_int_equal(walk(b, n), RSVD_E_WIRE_CHAIN);
}

static void ea_chain_link_past_the_buffer_is_chain(void **state)
{
    (void)state;
    uint8_t b[128];
    size_t n = tu_golden_get("rsvd_ea_chain_two_entries", b, sizeof b);
    b[0] = 0x44; /* 68 + 8 > 73 bytes */
    assert_int_equal(walk(b, n), RSVD_E_WIRE_CHAIN);
    b[0] = 0x10;
    assert_int_equal(walk(b, 16 + 7), RSVD_E_WIRE_CHAIN); /* 7 bytes left: no fixed part */
}

static void ea_name_without_its_nul_is_name(void **state)
{
    (void)state;
    uint8_t b[128];
    size_t n = tu_golden_get("rsvd_target_specifier_ea", b, sizeof b);
    rsvd_file_full_ea_information ea;
    b[32] = 'X';
    assert_int_equal(rsvd_file_full_ea_information_decode(b, n, &ea), RSVD_E_WIRE_NAME);
    assert_int_equal(walk(b, n), RSVD_E_WIRE_NAME);
}

static void ea_value_past_the_buffer_is_range(void **state)
{
    (void)state;
    uint8_t b[128];
    size_t n = tu_golden_get("rsvd_target_specifier_ea", b, sizeof b);
    rsvd_file_full_ea_information ea;
    b[6] = 25;
    assert_int_equal(tu_decode_exact(dec_ea, b, n, &ea), RSVD_E_WIRE_RANGE);
    b[6] = 24;
    b[5] = 50; /* the name runs past too */
    assert_int_equal(tu_decode_exact(dec_ea, b, n, &ea), RSVD_E_WIRE_RANGE);
    assert_int_equal(walk(NULL, 0), RSVD_E_WIRE_SHORT);
}

/* Chain encoding pads to 4 between entries, never after the last. */
static void ea_chain_encoder_pads_between_entries_only(void **state)
{
    (void)state;
    uint8_t want[128];
    size_t n = tu_golden_get("rsvd_ea_chain_two_entries", want, sizeof want);
    const uint8_t v1[2] = {1, 2};
    rsvd_file_full_ea_information eas[2] = {
        {.next_entry_offset = 999, .ea_name_length = 3, .ea_value_length = 2,
         .ea_name = (const uint8_t *)"APP", .ea_value = v1},
        {.flags = RSVD_FILE_NEED_EA, .ea_name_length = 24, .ea_value_length = 24,
         .ea_name = (const uint8_t *)RSVD_TARGET_SPECIFIER_EA_NAME, .ea_value = want + 16 + 33},
    };
    uint8_t out[128];
    memset(out, 0xAA, sizeof out);
    size_t out_len = 0;
    assert_int_equal(rsvd_file_full_ea_information_chain_encode(eas, 2, out, sizeof out,
                                                                &out_len),
                     RSVD_OK);
    tu_assert_bytes(out, out_len, want, n);
    assert_int_equal(rsvd_file_full_ea_information_chain_encode(eas, 2, out, n - 1, &out_len),
                     RSVD_E_NOSPC);
    assert_int_equal(rsvd_file_full_ea_information_chain_encode(eas, 0, out, sizeof out,
                                                                &out_len),
                     RSVD_E_INVAL);
    eas[1].ea_value = NULL;
    assert_int_equal(rsvd_file_full_ea_information_chain_encode(eas, 2, out, sizeof out,
                                                                &out_len),
                     RSVD_E_INVAL);
}

static void sizes_match_the_spec(void **state)
{
    (void)state;
    assert_int_equal(RSVD_SVHDX_OPEN_DEVICE_CONTEXT_SIZE, 168);
    assert_int_equal(RSVD_SVHDX_OPEN_DEVICE_CONTEXT_V2_SIZE, 192);
    assert_int_equal(RSVD_SVHDX_SHARED_VIRTUAL_DISK_SUPPORT_RESPONSE_SIZE, 8);
    assert_int_equal(RSVD_TARGET_SPECIFIER_EA_SIZE,
                     RSVD_FILE_FULL_EA_INFORMATION_FIXED_SIZE +
                         RSVD_TARGET_SPECIFIER_EA_NAME_LENGTH + 1 +
                         RSVD_BLOCK_DEVICE_TARGET_SPECIFIER_SIZE);
    assert_int_equal(strlen(RSVD_TARGET_SPECIFIER_EA_NAME), RSVD_TARGET_SPECIFIER_EA_NAME_LENGTH);
    assert_int_equal(sizeof(rsvd_guid), 16); /* arrays of GUIDs are their wire bytes */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_open_golden_vector_round_trips),
        cmocka_unit_test(open_context_v1_ex41_decodes_field_by_field),
        cmocka_unit_test(open_context_v2_ex43_decodes_field_by_field),
        cmocka_unit_test(open_context_decodes_wrong_version_and_has_initiator_id_as_sent),
        cmocka_unit_test(open_context_version_needs_four_bytes),
        cmocka_unit_test(open_context_decoders_refuse_a_host_name_length_above_126_or_odd),
        cmocka_unit_test(open_context_encoders_refuse_a_host_name_length_above_126_or_odd),
        cmocka_unit_test(open_context_host_name_view_refuses_a_length_above_126_or_odd),
        cmocka_unit_test(open_context_encoder_zero_fills_the_host_name_field),
        cmocka_unit_test(context_name_is_the_16_spec_bytes),
        cmocka_unit_test(shared_virtual_disk_suffix_is_found_in_utf16_names),
        cmocka_unit_test(support_response_decodes_field_by_field),
        cmocka_unit_test(target_specifier_ea_decodes_field_by_field),
        cmocka_unit_test(target_specifier_truncations_are_short),
        cmocka_unit_test(target_specifier_ea_builder_matches_the_golden_bytes),
        cmocka_unit_test(target_specifier_is_found_in_an_ea_chain),
        cmocka_unit_test(ea_chain_walks_every_entry),
        cmocka_unit_test(ea_chain_link_that_loops_back_is_chain),
        cmocka_unit_test(ea_chain_link_not_4_aligned_is_chain),
        cmocka_unit_test(ea_chain_link_past_the_buffer_is_chain),
        cmocka_unit_test(ea_name_without_its_nul_is_name),
        cmocka_unit_test(ea_value_past_the_buffer_is_range),
        cmocka_unit_test(ea_chain_encoder_pads_between_entries_only),
        cmocka_unit_test(sizes_match_the_spec),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
