/*
 * PERSISTENT RESERVE OUT parameter list, PERSISTENT RESERVE IN data
 * ([SPC-3] 6.11, 6.12) and READ CAPACITY data ([SBC-3]).
 */
#include <string.h>

#include <rsvd/scsi.h>

#include "testutil.h"

static int dec_prout(const uint8_t *b, size_t n, void *o)
{
    return rsvd_scsi_prout_params_decode(b, n, o);
}
static int dec_keys(const uint8_t *b, size_t n, void *o)
{
    return rsvd_scsi_prin_keys_decode(b, n, o);
}
static int dec_res(const uint8_t *b, size_t n, void *o)
{
    return rsvd_scsi_prin_reservation_decode(b, n, o);
}
static int dec_caps(const uint8_t *b, size_t n, void *o)
{
    return rsvd_scsi_prin_capabilities_decode(b, n, o);
}
static int dec_cap10(const uint8_t *b, size_t n, void *o)
{
    return rsvd_scsi_read_capacity10_decode(b, n, o);
}
static int dec_cap16(const uint8_t *b, size_t n, void *o)
{
    return rsvd_scsi_read_capacity16_decode(b, n, o);
}

static void prout_register_params_decode_field_by_field(void **state)
{
    (void)state;
    uint8_t msg[32];
    size_t len = tu_golden_get("scsi_prout_params_register", msg, sizeof msg);
    assert_int_equal(len, RSVD_SCSI_PROUT_PARAM_LEN);
    rsvd_scsi_prout_params p;
    assert_int_equal(tu_decode_exact(dec_prout, msg, len, &p), RSVD_OK);
    assert_true(p.reservation_key == 0);
    assert_true(p.sa_reservation_key == 0x0123456789ABCDEFull);
    assert_false(p.spec_i_pt);
    assert_true(p.all_tg_pt);
    assert_false(p.aptpl);
    uint8_t out[32];
    assert_int_equal(rsvd_scsi_prout_params_encode(&p, out, sizeof out), RSVD_OK);
    tu_assert_bytes(out, RSVD_SCSI_PROUT_PARAM_LEN, msg, len);
    assert_int_equal(rsvd_scsi_prout_params_encode(&p, out, 23), RSVD_E_NOSPC);
    tu_assert_truncations_rejected(dec_prout, msg, len, sizeof p);
}

static void prout_preempt_params_round_trip(void **state)
{
    (void)state;
    uint8_t msg[32];
    size_t len = tu_golden_get("scsi_prout_params_preempt", msg, sizeof msg);
    rsvd_scsi_prout_params p;
    assert_int_equal(rsvd_scsi_prout_params_decode(msg, len, &p), RSVD_OK);
    assert_true(p.reservation_key == 0xB);
    assert_true(p.sa_reservation_key == 0xA);
    assert_false(p.all_tg_pt);
    p.aptpl = true;
    p.spec_i_pt = true;
    uint8_t out[24];
    assert_int_equal(rsvd_scsi_prout_params_encode(&p, out, sizeof out), RSVD_OK);
    assert_int_equal(out[20], 0x09);
    rsvd_scsi_prout_params q;
    assert_int_equal(rsvd_scsi_prout_params_decode(out, sizeof out, &q), RSVD_OK);
    assert_true(q.reservation_key == 0xB && q.sa_reservation_key == 0xA);
    assert_true(q.aptpl && q.spec_i_pt && !q.all_tg_pt);
}

static void read_keys_data_decodes_each_key(void **state)
{
    (void)state;
    uint8_t msg[64];
    size_t len = tu_golden_get("scsi_prin_read_keys_two", msg, sizeof msg);
    rsvd_scsi_prin_keys k;
    assert_int_equal(rsvd_scsi_prin_keys_decode(msg, len, &k), RSVD_OK);
    assert_int_equal(k.pr_generation, 3);
    assert_int_equal(k.num_keys, 2);
    assert_true(rsvd_scsi_prin_keys_get(&k, 0) == 0xAA);
    assert_true(rsvd_scsi_prin_keys_get(&k, 1) == 0xBB);
    assert_true(rsvd_scsi_prin_keys_get(&k, 2) == 0);
    const uint64_t keys[] = {0xAA, 0xBB};
    uint8_t out[64];
    size_t out_len = 0;
    assert_int_equal(rsvd_scsi_prin_keys_encode(3, keys, 2, out, sizeof out, &out_len), RSVD_OK);
    tu_assert_bytes(out, out_len, msg, len);
    assert_int_equal(rsvd_scsi_prin_keys_encode(3, keys, 2, out, len - 1, &out_len),
                     RSVD_E_NOSPC);
    tu_assert_truncations_rejected(dec_keys, msg, len, sizeof k);
}

static void read_keys_data_without_keys(void **state)
{
    (void)state;
    uint8_t msg[16];
    size_t len = tu_golden_get("scsi_prin_read_keys_empty", msg, sizeof msg);
    rsvd_scsi_prin_keys k;
    assert_int_equal(tu_decode_exact(dec_keys, msg, len, &k), RSVD_OK);
    assert_int_equal(k.num_keys, 0);
    uint8_t out[16];
    size_t out_len = 0;
    assert_int_equal(rsvd_scsi_prin_keys_encode(0, NULL, 0, out, sizeof out, &out_len), RSVD_OK);
    tu_assert_bytes(out, out_len, msg, len);
    tu_assert_truncations_rejected(dec_keys, msg, len, sizeof k);
}

static void read_keys_length_not_multiple_of_8_is_rejected(void **state)
{
    (void)state;
    uint8_t msg[64];
    size_t len = tu_golden_get("scsi_prin_read_keys_two", msg, sizeof msg);
    msg[7] = 0x0F;
    rsvd_scsi_prin_keys k;
    assert_int_equal(rsvd_scsi_prin_keys_decode(msg, len, &k), RSVD_E_WIRE_VALUE);
    msg[7] = 0x18; /* three keys announced, two present */
    assert_int_equal(rsvd_scsi_prin_keys_decode(msg, len, &k), RSVD_E_WIRE_RANGE);
    msg[4] = 0xFF; /* length near 4 GiB must not overflow the range check */
    msg[7] = 0xF8;
    assert_int_equal(rsvd_scsi_prin_keys_decode(msg, len, &k), RSVD_E_WIRE_RANGE);
}

/* Encoders refuse what the data cannot say: keys promised but not given,
 * more keys than ADDITIONAL LENGTH counts, a SCOPE or TYPE over 4 bits. */
static void pr_data_encoders_refuse_unrepresentable_values(void **state)
{
    (void)state;
    uint8_t buf[64];
    size_t n = 0;
    assert_int_equal(rsvd_scsi_prin_keys_encode(1, NULL, 2, buf, sizeof buf, &n), RSVD_E_INVAL);
    const uint64_t key = 1;
    assert_int_equal(rsvd_scsi_prin_keys_encode(1, &key, (size_t)UINT32_MAX / 8u, buf,
                                                sizeof buf, &n),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_scsi_prin_keys_encode(1, NULL, 0, buf, sizeof buf, &n), RSVD_OK);
    assert_int_equal(n, 8);
    rsvd_scsi_prin_reservation res;
    memset(&res, 0, sizeof res);
    res.reserved = true;
    res.scope = 0x10;
    assert_int_equal(rsvd_scsi_prin_reservation_encode(&res, buf, sizeof buf, &n), RSVD_E_INVAL);
    res.scope = 0;
    res.type = 0x10;
    assert_int_equal(rsvd_scsi_prin_reservation_encode(&res, buf, sizeof buf, &n), RSVD_E_INVAL);
    res.reserved = false; /* without a reservation they are not encoded */
    assert_int_equal(rsvd_scsi_prin_reservation_encode(&res, buf, sizeof buf, &n), RSVD_OK);
    assert_int_equal(n, 8);
}

static void read_reservation_data_decodes_holder_and_type(void **state)
{
    (void)state;
    uint8_t msg[32];
    size_t len = tu_golden_get("scsi_prin_read_reservation_we_ro", msg, sizeof msg);
    rsvd_scsi_prin_reservation r;
    assert_int_equal(tu_decode_exact(dec_res, msg, len, &r), RSVD_OK);
    assert_int_equal(r.pr_generation, 5);
    assert_true(r.reserved);
    assert_true(r.reservation_key == 0xAA);
    assert_int_equal(r.scope, RSVD_SCSI_PR_SCOPE_LU);
    assert_int_equal(r.type, RSVD_SCSI_PR_WRITE_EXCLUSIVE_REGISTRANTS_ONLY);
    uint8_t out[32];
    size_t out_len = 0;
    assert_int_equal(rsvd_scsi_prin_reservation_encode(&r, out, sizeof out, &out_len), RSVD_OK);
    tu_assert_bytes(out, out_len, msg, len);
    tu_assert_truncations_rejected(dec_res, msg, len, sizeof r);
}

static void read_reservation_data_without_reservation(void **state)
{
    (void)state;
    uint8_t msg[32];
    size_t len = tu_golden_get("scsi_prin_read_reservation_none", msg, sizeof msg);
    rsvd_scsi_prin_reservation r;
    assert_int_equal(tu_decode_exact(dec_res, msg, len, &r), RSVD_OK);
    assert_false(r.reserved);
    assert_int_equal(r.pr_generation, 5);
    uint8_t out[32];
    size_t out_len = 0;
    assert_int_equal(rsvd_scsi_prin_reservation_encode(&r, out, sizeof out, &out_len), RSVD_OK);
    tu_assert_bytes(out, out_len, msg, len);
    tu_assert_truncations_rejected(dec_res, msg, len, sizeof r);
    msg[7] = 8; /* neither 0 nor 16 */
    assert_int_equal(rsvd_scsi_prin_reservation_decode(msg, len, &r), RSVD_E_WIRE_VALUE);
}

static void report_capabilities_decode_field_by_field(void **state)
{
    (void)state;
    uint8_t msg[16];
    size_t len = tu_golden_get("scsi_prin_report_capabilities", msg, sizeof msg);
    rsvd_scsi_prin_capabilities c;
    assert_int_equal(tu_decode_exact(dec_caps, msg, len, &c), RSVD_OK);
    assert_false(c.crh);
    assert_false(c.sip_c);
    assert_true(c.atp_c);
    assert_false(c.ptpl_c);
    assert_true(c.tmv);
    assert_false(c.ptpl_a);
    assert_int_equal(c.type_mask, RSVD_SCSI_PR_TYPE_MASK_WR_EX | RSVD_SCSI_PR_TYPE_MASK_EX_AC |
                                      RSVD_SCSI_PR_TYPE_MASK_WR_EX_RO |
                                      RSVD_SCSI_PR_TYPE_MASK_EX_AC_RO |
                                      RSVD_SCSI_PR_TYPE_MASK_WR_EX_AR |
                                      RSVD_SCSI_PR_TYPE_MASK_EX_AC_AR);
    uint8_t out[16];
    assert_int_equal(rsvd_scsi_prin_capabilities_encode(&c, out, sizeof out), RSVD_OK);
    tu_assert_bytes(out, RSVD_SCSI_PRIN_CAPABILITIES_LEN, msg, len);
    tu_assert_truncations_rejected(dec_caps, msg, len, sizeof c);
    msg[1] = 7;
    assert_int_equal(rsvd_scsi_prin_capabilities_decode(msg, len, &c), RSVD_E_WIRE_VALUE);
}

static void read_capacity10_data(void **state)
{
    (void)state;
    uint8_t msg[16];
    size_t len = tu_golden_get("scsi_read_capacity10_64m", msg, sizeof msg);
    rsvd_scsi_capacity c;
    assert_int_equal(tu_decode_exact(dec_cap10, msg, len, &c), RSVD_OK);
    assert_true(c.last_lba == 0x1FFFF);
    assert_int_equal(c.block_length, 512);
    uint8_t out[8];
    assert_int_equal(rsvd_scsi_read_capacity10_encode(&c, out, sizeof out), RSVD_OK);
    tu_assert_bytes(out, sizeof out, msg, len);
    tu_assert_truncations_rejected(dec_cap10, msg, len, sizeof c);
}

/* [SBC-3]: a last LBA beyond 32 bits reads FFFFFFFFh in READ CAPACITY(10). */
static void read_capacity10_saturates_large_disks(void **state)
{
    (void)state;
    rsvd_scsi_capacity c = {.last_lba = 1ull << 32, .block_length = 512};
    uint8_t out[8];
    assert_int_equal(rsvd_scsi_read_capacity10_encode(&c, out, sizeof out), RSVD_OK);
    rsvd_scsi_capacity d;
    assert_int_equal(rsvd_scsi_read_capacity10_decode(out, sizeof out, &d), RSVD_OK);
    assert_true(d.last_lba == 0xFFFFFFFFu);
}

static void read_capacity16_data(void **state)
{
    (void)state;
    uint8_t msg[40];
    size_t len = tu_golden_get("scsi_read_capacity16_64m_4k_physical", msg, sizeof msg);
    assert_int_equal(len, RSVD_SCSI_READ_CAPACITY16_LEN);
    rsvd_scsi_capacity c;
    assert_int_equal(tu_decode_exact(dec_cap16, msg, len, &c), RSVD_OK);
    assert_true(c.last_lba == 0x1FFFF);
    assert_int_equal(c.block_length, 512);
    assert_int_equal(c.lbppb_exponent, 3);
    assert_int_equal(c.lowest_aligned_lba, 0);
    uint8_t out[32];
    assert_int_equal(rsvd_scsi_read_capacity16_encode(&c, out, sizeof out), RSVD_OK);
    tu_assert_bytes(out, sizeof out, msg, len);
    tu_assert_truncations_rejected(dec_cap16, msg, len, sizeof c);
    c.lbppb_exponent = 16;
    assert_int_equal(rsvd_scsi_read_capacity16_encode(&c, out, sizeof out), RSVD_E_INVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(prout_register_params_decode_field_by_field),
        cmocka_unit_test(prout_preempt_params_round_trip),
        cmocka_unit_test(read_keys_data_decodes_each_key),
        cmocka_unit_test(read_keys_data_without_keys),
        cmocka_unit_test(read_keys_length_not_multiple_of_8_is_rejected),
        cmocka_unit_test(read_reservation_data_decodes_holder_and_type),
        cmocka_unit_test(pr_data_encoders_refuse_unrepresentable_values),
        cmocka_unit_test(read_reservation_data_without_reservation),
        cmocka_unit_test(report_capabilities_decode_field_by_field),
        cmocka_unit_test(read_capacity10_data),
        cmocka_unit_test(read_capacity10_saturates_large_disks),
        cmocka_unit_test(read_capacity16_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
