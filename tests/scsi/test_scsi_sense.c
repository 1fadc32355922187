/*
 * Sense data ([SPC-3] 4.5) and the unit-attention mapping ([MS-RSVD] 2.2.3).
 */
#include <string.h>

#include <rsvd/scsi.h>
#include <rsvd/status.h>

#include "testutil.h"

static int decode_sense(const uint8_t *b, size_t n, void *out)
{
    return rsvd_scsi_sense_decode(b, n, out);
}

static void fixed_sense_golden_decodes_field_by_field(void **state)
{
    (void)state;
    uint8_t msg[32];
    size_t len = tu_golden_get("scsi_sense_fixed_ua_registrations_preempted", msg, sizeof msg);
    assert_int_equal(len, 18);
    rsvd_scsi_sense s;
    assert_int_equal(tu_decode_exact(decode_sense, msg, len, &s), RSVD_OK);
    assert_int_equal(s.response_code, 0x70);
    assert_false(s.valid);
    assert_int_equal(s.key, RSVD_SCSI_SENSE_UNIT_ATTENTION);
    assert_int_equal(s.asc, 0x2A);
    assert_int_equal(s.ascq, 0x05);
    assert_int_equal(s.information, 0);
    assert_int_equal(s.cmd_info, 0);

    uint8_t out[32];
    size_t out_len = 0;
    assert_int_equal(rsvd_scsi_sense_encode(&s, out, sizeof out, &out_len), RSVD_OK);
    tu_assert_bytes(out, out_len, msg, len);
}

static void fixed_sense_with_every_field_round_trips(void **state)
{
    (void)state;
    uint8_t msg[32];
    size_t len = tu_golden_get("scsi_sense_fixed_all_fields", msg, sizeof msg);
    rsvd_scsi_sense s;
    assert_int_equal(tu_decode_exact(decode_sense, msg, len, &s), RSVD_OK);
    assert_int_equal(s.response_code, RSVD_SCSI_SENSE_FIXED_DEFERRED);
    assert_true(s.valid);
    assert_false(s.filemark);
    assert_false(s.eom);
    assert_true(s.ili);
    assert_int_equal(s.key, RSVD_SCSI_SENSE_MEDIUM_ERROR);
    assert_int_equal(s.information, 0x1000);
    assert_int_equal(s.cmd_info, 0x01020304);
    assert_int_equal(s.asc, 0x11);
    assert_int_equal(s.ascq, 0x00);
    assert_int_equal(s.fru, 0x7E);
    assert_int_equal(s.sks[0], 0x80);
    assert_int_equal(s.sks[2], 0x04);
    uint8_t out[32];
    size_t out_len = 0;
    assert_int_equal(rsvd_scsi_sense_encode(&s, out, sizeof out, &out_len), RSVD_OK);
    tu_assert_bytes(out, out_len, msg, len);
    rsvd_scsi_sense again;
    assert_int_equal(rsvd_scsi_sense_decode(out, out_len, &again), RSVD_OK);
    assert_memory_equal(&again, &s, sizeof s);
}

static void fixed_sense_shorter_than_ascq_is_rejected(void **state)
{
    (void)state;
    uint8_t msg[32];
    size_t len = tu_golden_get("scsi_sense_fixed_min_invalid_field", msg, sizeof msg);
    assert_int_equal(len, 14);
    rsvd_scsi_sense s;
    assert_int_equal(tu_decode_exact(decode_sense, msg, len, &s), RSVD_OK);
    assert_int_equal(s.key, RSVD_SCSI_SENSE_ILLEGAL_REQUEST);
    assert_int_equal(s.asc, 0x24);
    tu_assert_truncations_rejected(decode_sense, msg, len, sizeof s);
}

/* [SPC-3] 4.5.1: a sense buffer may cut sense data after ASCQ. */
static void fixed_sense_cut_after_ascq_still_decodes(void **state)
{
    (void)state;
    uint8_t msg[32];
    size_t len = tu_golden_get("scsi_sense_fixed_all_fields", msg, sizeof msg);
    rsvd_scsi_sense s;
    assert_int_equal(tu_decode_exact(decode_sense, msg, 15, &s), RSVD_OK);
    assert_int_equal(s.asc, 0x11);
    assert_int_equal(s.fru, 0x7E);
    assert_int_equal(s.sks[0], 0); /* cut off */
    tu_assert_truncations_rejected(decode_sense, msg, 14, sizeof s);
    (void)len;
}

static void fixed_sense_with_additional_length_below_6_is_rejected(void **state)
{
    (void)state;
    uint8_t msg[32];
    size_t len = tu_golden_get("scsi_sense_fixed_min_invalid_field", msg, sizeof msg);
    msg[7] = 5;
    rsvd_scsi_sense s;
    assert_int_equal(rsvd_scsi_sense_decode(msg, len, &s), RSVD_E_WIRE_VALUE);
}

static void unknown_response_code_is_rejected(void **state)
{
    (void)state;
    uint8_t msg[32];
    size_t len = tu_golden_get("scsi_sense_fixed_ua_registrations_preempted", msg, sizeof msg);
    rsvd_scsi_sense s;
    msg[0] = 0x7F; /* vendor specific */
    assert_int_equal(rsvd_scsi_sense_decode(msg, len, &s), RSVD_E_WIRE_VALUE);
    msg[0] = 0x00;
    assert_int_equal(rsvd_scsi_sense_decode(msg, len, &s), RSVD_E_WIRE_VALUE);
    s.response_code = 0x74;
    size_t n;
    assert_int_equal(rsvd_scsi_sense_encode(&s, msg, sizeof msg, &n), RSVD_E_INVAL);
}

static void descriptor_sense_header_decodes(void **state)
{
    (void)state;
    uint8_t msg[16];
    size_t len = tu_golden_get("scsi_sense_desc_ua_reservations_released", msg, sizeof msg);
    rsvd_scsi_sense s;
    assert_int_equal(tu_decode_exact(decode_sense, msg, len, &s), RSVD_OK);
    assert_int_equal(s.response_code, RSVD_SCSI_SENSE_DESC_CURRENT);
    assert_int_equal(s.key, RSVD_SCSI_SENSE_UNIT_ATTENTION);
    assert_int_equal(s.asc, 0x2A);
    assert_int_equal(s.ascq, 0x04);
    uint8_t out[16];
    size_t out_len = 0;
    assert_int_equal(rsvd_scsi_sense_encode(&s, out, sizeof out, &out_len), RSVD_OK);
    tu_assert_bytes(out, out_len, msg, len);
    tu_assert_truncations_rejected(decode_sense, msg, len, sizeof s);
}

/* [SPC-3] 4.5.2: bit 7 of byte 0 is reserved in descriptor format (VALID
 * exists in fixed format only); an empty buffer has no response code. */
static void descriptor_sense_with_bit_7_set_or_empty_sense_is_rejected(void **state)
{
    (void)state;
    uint8_t msg[16];
    size_t len = tu_golden_get("scsi_sense_desc_ua_reservations_released", msg, sizeof msg);
    rsvd_scsi_sense s;
    msg[0] |= 0x80;
    assert_int_equal(rsvd_scsi_sense_decode(msg, len, &s), RSVD_E_WIRE_VALUE);
    assert_int_equal(rsvd_scsi_sense_decode(msg, 0, &s), RSVD_E_WIRE_SHORT);
}

static void sense_build_lays_out_current_fixed_format(void **state)
{
    (void)state;
    uint8_t want[32], got[20];
    size_t len = tu_golden_get("scsi_sense_fixed_ua_registrations_preempted", want, sizeof want);
    memset(got, 0xEE, sizeof got);
    assert_int_equal(rsvd_scsi_sense_build(got, sizeof got, 6, 0x2A, 0x05), 18);
    tu_assert_bytes(got, 18, want, len);
    assert_int_equal(got[18], 0xEE); /* nothing written past the sense */
    assert_int_equal(rsvd_scsi_sense_build(got, 17, 6, 0x2A, 0x05), RSVD_E_NOSPC);
}

/* [MS-RSVD] 2.2.3: one status per unit attention the RSVD server reports. */
static void unit_attention_maps_to_ms_rsvd_status(void **state)
{
    (void)state;
    assert_int_equal(rsvd_scsi_ua_status(0x2A, 0x03),
                     RSVD_STATUS_SVHDX_UNIT_ATTENTION_RESERVATIONS_PREEMPTED);
    assert_int_equal(rsvd_scsi_ua_status(0x2A, 0x04),
                     RSVD_STATUS_SVHDX_UNIT_ATTENTION_RESERVATIONS_RELEASED);
    assert_int_equal(rsvd_scsi_ua_status(0x2A, 0x05),
                     RSVD_STATUS_SVHDX_UNIT_ATTENTION_REGISTRATIONS_PREEMPTED);
    assert_int_equal(rsvd_scsi_ua_status(0x2A, 0x09),
                     RSVD_STATUS_SVHDX_UNIT_ATTENTION_CAPACITY_DATA_CHANGED);
    assert_int_equal(rsvd_scsi_ua_status(0x3F, 0x00),
                     RSVD_STATUS_SVHDX_UNIT_ATTENTION_OPERATING_DEFINITION_CHANGED);
    assert_int_equal(rsvd_scsi_ua_status(0x3F, 0x0E),
                     RSVD_STATUS_SVHDX_UNIT_ATTENTION_OPERATING_DEFINITION_CHANGED);
    assert_int_equal(rsvd_scsi_ua_status(0x29, 0x00), /* POWER ON, RESET */
                     RSVD_STATUS_SVHDX_UNIT_ATTENTION_AVAILABLE);
    assert_int_equal(rsvd_scsi_ua_status(0x2A, 0x01), /* MODE PARAMETERS CHANGED */
                     RSVD_STATUS_SVHDX_UNIT_ATTENTION_AVAILABLE);
}

static void only_unit_attention_sense_maps_to_a_status(void **state)
{
    (void)state;
    uint8_t msg[32];
    size_t len = tu_golden_get("scsi_sense_fixed_ua_registrations_preempted", msg, sizeof msg);
    rsvd_scsi_sense s;
    assert_int_equal(rsvd_scsi_sense_decode(msg, len, &s), RSVD_OK);
    assert_int_equal(rsvd_scsi_sense_ua_status(&s),
                     RSVD_STATUS_SVHDX_UNIT_ATTENTION_REGISTRATIONS_PREEMPTED);
    msg[2] = RSVD_SCSI_SENSE_ILLEGAL_REQUEST; /* same ASC/ASCQ, another key */
    assert_int_equal(rsvd_scsi_sense_decode(msg, len, &s), RSVD_OK);
    assert_int_equal(rsvd_scsi_sense_ua_status(&s), RSVD_STATUS_SUCCESS);
    len = tu_golden_get("scsi_sense_desc_ua_reservations_released", msg, sizeof msg);
    assert_int_equal(rsvd_scsi_sense_decode(msg, len, &s), RSVD_OK);
    assert_int_equal(rsvd_scsi_sense_ua_status(&s),
                     RSVD_STATUS_SVHDX_UNIT_ATTENTION_RESERVATIONS_RELEASED);
}

/* [SAM-4] 5.3: every status code has its name; reserved and obsolete
 * codes have none. */
static void scsi_status_names_follow_sam4(void **state)
{
    (void)state;
    assert_string_equal(rsvd_scsi_status_name(RSVD_SCSI_STATUS_GOOD), "GOOD");
    assert_string_equal(rsvd_scsi_status_name(RSVD_SCSI_STATUS_CHECK_CONDITION),
                        "CHECK CONDITION");
    assert_string_equal(rsvd_scsi_status_name(0x04), "CONDITION MET");
    assert_string_equal(rsvd_scsi_status_name(RSVD_SCSI_STATUS_BUSY), "BUSY");
    assert_string_equal(rsvd_scsi_status_name(RSVD_SCSI_STATUS_RESERVATION_CONFLICT),
                        "RESERVATION CONFLICT");
    assert_string_equal(rsvd_scsi_status_name(0x28), "TASK SET FULL");
    assert_string_equal(rsvd_scsi_status_name(0x30), "ACA ACTIVE");
    assert_string_equal(rsvd_scsi_status_name(0x40), "TASK ABORTED");
    assert_null(rsvd_scsi_status_name(0x10)); /* INTERMEDIATE, obsolete */
    assert_null(rsvd_scsi_status_name(0x22)); /* COMMAND TERMINATED, obsolete */
    assert_null(rsvd_scsi_status_name(0x01));
    assert_null(rsvd_scsi_status_name(0xFF));
}

static void sense_key_names(void **state)
{
    (void)state;
    assert_string_equal(rsvd_scsi_sense_key_name(6), "UNIT ATTENTION");
    assert_string_equal(rsvd_scsi_sense_key_name(5), "ILLEGAL REQUEST");
    assert_null(rsvd_scsi_sense_key_name(0x0C));
    assert_null(rsvd_scsi_sense_key_name(16));
}

/* The SrbStatus mapping documented in rsvd/scsi.h. */
static void result_set_maps_status_to_srb_status(void **state)
{
    (void)state;
    rsvd_scsi_result r;
    memset(&r, 0xAA, sizeof r);
    rsvd_scsi_result_set(&r, RSVD_SCSI_STATUS_GOOD, NULL, 0);
    assert_int_equal(r.srb_status, RSVD_SRB_STATUS_SUCCESS);
    assert_false(r.sense_auto_generated);
    assert_int_equal(r.sense_len, 0);
    assert_int_equal(r.sense[19], 0);

    rsvd_scsi_result_check_condition(&r, 5, 0x20, 0x00);
    assert_int_equal(r.scsi_status, RSVD_SCSI_STATUS_CHECK_CONDITION);
    assert_int_equal(r.srb_status, RSVD_SRB_STATUS_ERROR);
    assert_true(r.sense_auto_generated);
    assert_int_equal(r.sense_len, 18);
    assert_int_equal(r.sense[0], 0x70);
    assert_int_equal(r.sense[2], 5);
    assert_int_equal(r.sense[12], 0x20);
    assert_int_equal(r.sense[18], 0);
    assert_int_equal(r.sense[19], 0);

    rsvd_scsi_result_set(&r, RSVD_SCSI_STATUS_RESERVATION_CONFLICT, NULL, 0);
    assert_int_equal(r.srb_status, RSVD_SRB_STATUS_ERROR);
    assert_int_equal(r.scsi_status, 0x18);
    assert_false(r.sense_auto_generated);
    assert_int_equal(r.sense_len, 0);

    uint8_t big[40];
    memset(big, 0x11, sizeof big);
    rsvd_scsi_result_set(&r, RSVD_SCSI_STATUS_CHECK_CONDITION, big, sizeof big);
    assert_int_equal(r.sense_len, 20); /* RSVD_SCSI_SENSE_BUFFER_SIZE */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fixed_sense_golden_decodes_field_by_field),
        cmocka_unit_test(fixed_sense_with_every_field_round_trips),
        cmocka_unit_test(fixed_sense_shorter_than_ascq_is_rejected),
        cmocka_unit_test(fixed_sense_cut_after_ascq_still_decodes),
        cmocka_unit_test(fixed_sense_with_additional_length_below_6_is_rejected),
        cmocka_unit_test(unknown_response_code_is_rejected),
        cmocka_unit_test(descriptor_sense_header_decodes),
        cmocka_unit_test(descriptor_sense_with_bit_7_set_or_empty_sense_is_rejected),
        cmocka_unit_test(sense_build_lays_out_current_fixed_format),
        cmocka_unit_test(unit_attention_maps_to_ms_rsvd_status),
        cmocka_unit_test(only_unit_attention_sense_maps_to_a_status),
        cmocka_unit_test(sense_key_names),
        cmocka_unit_test(scsi_status_names_follow_sam4),
        cmocka_unit_test(result_set_maps_status_to_srb_status),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
