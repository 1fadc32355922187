/*
 * Fuzz harness: opening a shared virtual disk ([MS-RSVD] 2.2.4.12,
 * 2.2.4.31 - 2.2.4.35, 2.2.4.16): the V1 and V2 open contexts, the
 * query-support response, FILE_FULL_EA_INFORMATION entries and chains
 * ([MS-FSCC] 2.4.16) and the target specifier they carry.
 */
#include <rsvd/wire.h>
#include <rsvd/wire_rsvd.h>

#include "fuzz_common.h"

#define CODEC(fn)                                                                          \
    static int dec_##fn(const uint8_t *b, size_t n, void *o)                               \
    {                                                                                      \
        return rsvd_##fn##_decode(b, n, o);                                                \
    }                                                                                      \
    static int enc_##fn(const void *o, uint8_t *b, size_t cap, size_t *len)                \
    {                                                                                      \
        return rsvd_##fn##_encode(o, b, cap, len);                                         \
    }

CODEC(svhdx_open_device_context_v1)
CODEC(svhdx_open_device_context_v2)
CODEC(svhdx_shared_virtual_disk_support_response)
CODEC(file_full_ea_information)
CODEC(block_device_target_specifier)

/* A whole EA chain of up to EA_MAX entries, for the round trip. */
enum { EA_MAX = 64 };
typedef struct ea_chain {
    size_t count;
    rsvd_file_full_ea_information ea[EA_MAX];
} ea_chain;

static int dec_chain(const uint8_t *b, size_t n, void *o)
{
    ea_chain *c = o;
    rsvd_ea_iter it;
    rsvd_file_full_ea_information ea;
    int rc;
    c->count = 0;
    rsvd_ea_iter_init(&it, b, n);
    while ((rc = rsvd_ea_iter_next(&it, &ea)) == RSVD_OK) {
        if (c->count == EA_MAX)
            return RSVD_E_LIMIT;
        c->ea[c->count++] = ea;
    }
    return rc == RSVD_E_NOENT ? RSVD_OK : rc;
}

static int enc_chain(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    const ea_chain *c = o;
    return rsvd_file_full_ea_information_chain_encode(c->ea, c->count, b, cap, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_MSG)
        size = FUZZ_MAX_MSG;
    fuzz_round_trip(data, size, dec_svhdx_open_device_context_v1,
                    enc_svhdx_open_device_context_v1, sizeof(rsvd_svhdx_open_device_context));
    fuzz_round_trip(data, size, dec_svhdx_open_device_context_v2,
                    enc_svhdx_open_device_context_v2, sizeof(rsvd_svhdx_open_device_context));
    fuzz_round_trip(data, size, dec_svhdx_shared_virtual_disk_support_response,
                    enc_svhdx_shared_virtual_disk_support_response,
                    sizeof(rsvd_svhdx_shared_virtual_disk_support_response));
    fuzz_round_trip(data, size, dec_file_full_ea_information, enc_file_full_ea_information,
                    sizeof(rsvd_file_full_ea_information));
    fuzz_round_trip(data, size, dec_block_device_target_specifier,
                    enc_block_device_target_specifier,
                    sizeof(rsvd_block_device_target_specifier));
    fuzz_round_trip(data, size, dec_chain, enc_chain, sizeof(ea_chain));

    uint32_t version;
    int vrc = rsvd_svhdx_open_device_context_version(data, size, &version);
    FUZZ_CHECK((vrc == RSVD_OK) == (size >= 4));

    /* [MS-RSVD] 2.2.4.12: the decoders take a whole layout exactly when its
     * InitiatorHostNameLength is even and at most 126, and then the name is
     * readable; the round trips above show the encoders take it too. */
    rsvd_svhdx_open_device_context c, c2;
    const int d1 = rsvd_svhdx_open_device_context_v1_decode(data, size, &c);
    const int d2 = rsvd_svhdx_open_device_context_v2_decode(data, size, &c2);
    if (size >= RSVD_SVHDX_OPEN_DEVICE_CONTEXT_SIZE) {
        const uint16_t len = (uint16_t)(data[40] | data[41] << 8);
        const bool ok = len <= RSVD_MAXIMUM_NAME_LENGTH && len % 2 == 0;
        FUZZ_CHECK(d1 == (ok ? RSVD_OK : RSVD_E_WIRE_NAME));
        if (size >= RSVD_SVHDX_OPEN_DEVICE_CONTEXT_V2_SIZE)
            FUZZ_CHECK(d2 == d1);
    }
    if (d1 == RSVD_OK) {
        FUZZ_CHECK(vrc == RSVD_OK && c.version == version);
        const uint8_t *name;
        size_t name_len;
        FUZZ_CHECK(rsvd_svhdx_open_device_context_host_name(&c, &name, &name_len) == RSVD_OK);
        FUZZ_CHECK(name_len == c.initiator_host_name_length && name == data + 42);
    }

    /* The target specifier, found in the chain, is the one the builder writes. */
    rsvd_block_device_target_specifier ts;
    if (rsvd_target_specifier_ea_find(data, size, &ts) == RSVD_OK) {
        uint8_t ea[RSVD_TARGET_SPECIFIER_EA_SIZE];
        size_t ea_len = 0;
        rsvd_block_device_target_specifier back;
        FUZZ_CHECK(rsvd_target_specifier_ea_build(&ts, ea, sizeof ea, &ea_len) == RSVD_OK);
        FUZZ_CHECK(ea_len == sizeof ea);
        FUZZ_CHECK(rsvd_target_specifier_ea_find(ea, ea_len, &back) == RSVD_OK);
        FUZZ_CHECK(back.rsvd_block_device_target_namespace ==
                       ts.rsvd_block_device_target_namespace &&
                   back.target_information_snapshot.snapshot_type ==
                       ts.target_information_snapshot.snapshot_type &&
                   rsvd_guid_equal(&back.target_information_snapshot.snapshot_id,
                                   &ts.target_information_snapshot.snapshot_id));
    }

    (void)rsvd_is_svhdx_open_device_context_name(data, size);
    (void)rsvd_utf16le_ends_with_ascii(data, size, RSVD_SHARED_VIRTUAL_DISK_SUFFIX);
    /* A name the client sent: converting it to UTF-8 and back gives the same
     * bytes, and measuring agrees with converting. */
    size_t n8;
    if (rsvd_utf16le_to_utf8(data, size, NULL, 0, &n8) == RSVD_OK) {
        static char u8[4 * 65536];
        static uint8_t u16[2 * 65536];
        size_t got, n16;
        FUZZ_CHECK(n8 <= sizeof u8 || size > sizeof u16);
        if (n8 <= sizeof u8 && size <= sizeof u16) {
            FUZZ_CHECK(rsvd_utf16le_to_utf8(data, size, u8, sizeof u8, &got) == RSVD_OK);
            FUZZ_CHECK(got == n8);
            FUZZ_CHECK(rsvd_utf8_to_utf16le(u8, got, u16, sizeof u16, &n16) == RSVD_OK);
            FUZZ_CHECK(n16 == size && memcmp(u16, data, size) == 0);
        }
    }
    return 0;
}
