/*
 * SVHDX_TUNNEL_OPERATION_HEADER ([MS-RSVD] 2.2.4.11) and operation codes (2.2.2).
 */
#include <rsvd/wire.h>
#include <rsvd/wire_rsvd.h>

#include "testutil.h"

static int decode_hdr(const uint8_t *b, size_t n, void *out)
{
    return rsvd_tunnel_hdr_decode(b, n, out);
}

/* GET_INITIAL_INFO request with RequestId 0x3028E5B600000001 (example 4.3's ids). */
static void tunnel_header_golden_round_trips(void **state)
{
    (void)state;
    uint8_t msg[16];
    size_t len = tu_golden_get("rsvd_tunnel_header_initial_info", msg, sizeof msg);
    rsvd_tunnel_hdr h;
    assert_int_equal(tu_decode_exact(decode_hdr, msg, len, &h), RSVD_OK);
    assert_int_equal(h.operation_code, RSVD_TUNNEL_GET_INITIAL_INFO_OPERATION);
    assert_int_equal(h.status, 0);
    assert_true(h.request_id == 0x3028E5B600000001ull);
    uint8_t out[16];
    assert_int_equal(rsvd_tunnel_hdr_encode(&h, out, sizeof out), RSVD_OK);
    tu_assert_bytes(out, sizeof out, msg, len);
    assert_int_equal(rsvd_tunnel_hdr_encode(&h, out, 15), RSVD_E_NOSPC);
    tu_assert_truncations_rejected(decode_hdr, msg, len, sizeof h);
}

static void all_fifteen_operation_codes_have_names(void **state)
{
    (void)state;
    const uint32_t codes[] = {
        0x02001001u, 0x02001002u, 0x02001003u, 0x02001004u, 0x02001005u,
        0x02001006u, 0x02002101u, 0x02002002u, 0x02002005u, 0x02002006u,
        0x02002008u, 0x02002009u, 0x0200200Au, 0x0200200Cu, 0x0200200Du,
    };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        assert_non_null(rsvd_tunnel_opcode_name(codes[i]));
    assert_string_equal(rsvd_tunnel_opcode_name(0x02001002u), "RSVD_TUNNEL_SCSI_OPERATION");
    assert_null(rsvd_tunnel_opcode_name(0x02001007u));
    assert_null(rsvd_tunnel_opcode_name(0x02002001u));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tunnel_header_golden_round_trips),
        cmocka_unit_test(all_fifteen_operation_codes_have_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
