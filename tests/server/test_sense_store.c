/*
 * The sense-error store ([MS-RSVD] 3.2.1.2 SenseErrorSequence and
 * SenseErrorDataList, 3.2.1.3 SenseError, filled by 3.2.5.3/3.2.5.4) and
 * RSVD_TUNNEL_SRB_STATUS_OPERATION, which reads it ([MS-RSVD] 3.2.5.5.3).
 */
#include <stdlib.h>
#include <string.h>

#include <rsvd/status.h>
#include <rsvd/wire_rsvd.h>

#include "fail_alloc.h"
#include "server/server_internal.h"
#include "server_fixture.h"

/* A server whose allocations go through @p c (counted, failing on demand). */
static fx *fx_counting(fa_alloc *c, uint32_t max_requests)
{
    fa_init(c);
    rsvd_server_config cfg = RSVD_STRUCT_INIT(rsvd_server_config);
    cfg.svhdx_supported = true;
    cfg.service_version = 1;
    cfg.mem = &c->mem;
    cfg.max_requests = max_requests;
    fx *f = fx_new_cfg(&cfg, true, true);
    assert_non_null(f);
    return f;
}

static rsvd_tunnel_hdr srb_query(fx *f, uint64_t lo, uint8_t key,
                                 rsvd_svhdx_tunnel_srb_status_response *out)
{
    uint8_t body[28] = {key};
    fx_tunnel(f, lo, RSVD_TUNNEL_SRB_STATUS_OPERATION, 0x3028E5B600000005ull, body, sizeof body,
              40, NULL, 0x5B);
    fx_reply *r = fx_last(f);
    rsvd_tunnel_hdr h = fx_hdr(r);
    if (h.status == RSVD_STATUS_SUCCESS) {
        assert_int_equal(r->r.output_len, 40);
        assert_int_equal(rsvd_svhdx_tunnel_srb_status_response_decode(r->out + 16, 24, out),
                         RSVD_OK);
    } else {
        assert_int_equal(r->r.output_len, 16);
    }
    return h;
}

/* A failing write whose stored sense data names write number @p i. */
static uint32_t failing_write(fx *f, uint64_t lo, unsigned i)
{
    uint8_t sense[18] = {0x70, 0, 0x04, 0, 0, 0, 0, 0x0A};
    sense[12] = (uint8_t)i;        /* ASC: the write's number */
    sense[13] = (uint8_t)(i >> 8); /* ASCQ */
    fb_outcome o = fb_scsi((uint8_t)(1u + i % 0x12u), RSVD_SCSI_STATUS_CHECK_CONDITION, i % 2 == 0,
                           sense, sizeof sense);
    fb_push(&f->fb, FB_DISK, FB_WRITE, &o);
    fx_write(f, lo, 0, 512, i, i);
    return fx_last(f)->r.status;
}

/* ---- the sequence -------------------------------------------------------------------------- */

static void first_stored_key_is_01_and_keys_advance_by_one(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    for (unsigned i = 1; i <= 5; i++)
        assert_int_equal(failing_write(f, lo, i), RSVD_STATUS_SVHDX_ERROR_STORED | i);
    fx_free(f);
}

static void key_ff_is_followed_by_key_00(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    for (unsigned i = 1; i <= 255; i++)
        assert_int_equal(failing_write(f, lo, i), RSVD_STATUS_SVHDX_ERROR_STORED | i);
    assert_int_equal(failing_write(f, lo, 256), RSVD_STATUS_SVHDX_ERROR_STORED | 0x00u);
    assert_int_equal(failing_write(f, lo, 257), RSVD_STATUS_SVHDX_ERROR_STORED | 0x01u);
    fx_free(f);
}

static void each_open_has_its_own_sequence_and_store(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t a = fx_open_scsi(f, "d.vhdx", true);
    uint64_t b = fx_open_scsi(f, "d.vhdx", true);
    assert_int_equal(failing_write(f, a, 1), RSVD_STATUS_SVHDX_ERROR_STORED | 1u);
    assert_int_equal(failing_write(f, a, 2), RSVD_STATUS_SVHDX_ERROR_STORED | 2u);
    assert_int_equal(failing_write(f, b, 3), RSVD_STATUS_SVHDX_ERROR_STORED | 1u);
    rsvd_svhdx_tunnel_srb_status_response s;
    assert_int_equal(srb_query(f, b, 2, &s).status, RSVD_STATUS_SVHDX_ERROR_NOT_AVAILABLE);
    assert_int_equal(srb_query(f, b, 1, &s).status, RSVD_STATUS_SUCCESS);
    assert_int_equal(s.sense_data_ex[12], 3);
    fx_free(f);
}

static void three_hundred_failing_writes_leave_the_latest_error_under_each_key(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    for (unsigned i = 1; i <= 300; i++)
        assert_int_equal(failing_write(f, lo, i), RSVD_STATUS_SVHDX_ERROR_STORED | (i & 0xFFu));
    for (unsigned key = 0; key <= 0xFF; key++) {
        /* The last write whose key was this one: write i has key i mod 256. */
        unsigned latest = key;
        while (latest + 256 <= 300)
            latest += 256;
        rsvd_svhdx_tunnel_srb_status_response s;
        rsvd_tunnel_hdr h = srb_query(f, lo, (uint8_t)key, &s);
        assert_int_equal(h.status, RSVD_STATUS_SUCCESS);
        assert_int_equal(h.operation_code, RSVD_TUNNEL_SRB_STATUS_OPERATION);
        assert_int_equal(h.request_id, 0x3028E5B600000005ull);
        assert_int_equal(s.status_key, key);
        assert_int_equal(s.sense_data_ex[12], (uint8_t)latest);
        assert_int_equal(s.sense_data_ex[13], (uint8_t)(latest >> 8));
        assert_int_equal(s.srb_status, 1u + latest % 0x12u);
        assert_int_equal(s.sense_info_auto_generated, latest % 2 == 0);
        assert_int_equal(s.scsi_status, RSVD_SCSI_STATUS_CHECK_CONDITION);
        assert_int_equal(s.sense_info_ex_length, 20);
    }
    fx_free(f);
}

static void stored_sense_is_exactly_20_bytes_zero_filled(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    uint8_t long_sense[20];
    memset(long_sense, 0xEE, sizeof long_sense);
    fb_outcome o = fb_scsi(RSVD_SRB_STATUS_ERROR, 2, true, long_sense, 20);
    fb_push(&f->fb, FB_DISK, FB_WRITE, &o);
    fx_write(f, lo, 0, 512, 0, 1); /* key 1 holds 20 bytes of 0xEE */
    for (unsigned i = 2; i <= 256; i++)
        failing_write(f, lo, i);
    /* Key 1 again, now with 3 bytes: the 17 after them are zero, not 0xEE. */
    const uint8_t short_sense[3] = {0x70, 0, 0x05};
    o = fb_scsi(RSVD_SRB_STATUS_ERROR, 2, true, short_sense, 3);
    fb_push(&f->fb, FB_DISK, FB_WRITE, &o);
    fx_write(f, lo, 0, 512, 0, 1);
    assert_int_equal(fx_last(f)->r.status, RSVD_STATUS_SVHDX_ERROR_STORED | 1u);
    rsvd_svhdx_tunnel_srb_status_response s;
    assert_int_equal(srb_query(f, lo, 1, &s).status, RSVD_STATUS_SUCCESS);
    const uint8_t want[20] = {0x70, 0, 0x05};
    assert_memory_equal(s.sense_data_ex, want, 20);
    /* A disk that claims more than 20 bytes of sense: 20 are kept. */
    o = fb_scsi(RSVD_SRB_STATUS_ERROR, 2, true, long_sense, 20);
    o.result.scsi.sense_len = 200;
    fb_push(&f->fb, FB_DISK, FB_WRITE, &o);
    fx_write(f, lo, 0, 512, 0, 1);
    assert_int_equal(srb_query(f, lo, 2, &s).status, RSVD_STATUS_SUCCESS);
    assert_memory_equal(s.sense_data_ex, long_sense, 20);
    fx_free(f);
}

/* ---- allocation on the first stored error ---------------------------------------------------- */

static void sense_store_grows_with_the_keys_used(void **state)
{
    (void)state;
    fa_alloc c;
    fx *f = fx_counting(&c, 4);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    rsvd_open *o = rsvd_srv_find_open(f->srv, lo);
    assert_non_null(o);
    assert_null(o->sense);
    size_t before = c.allocs, bytes = c.live_bytes;
    /* Successful I/O allocates nothing. */
    for (unsigned i = 0; i < 50; i++) {
        fx_write(f, lo, 0, 512, i, 1);
        uint8_t buf[64];
        fx_read(f, lo, 0, buf, sizeof buf, 2);
    }
    assert_int_equal(c.allocs, before);
    assert_null(o->sense);
    /* The first stored error allocates eight slots (keys 0x00 - 0x07): the
     * open with its error stays under 1 KiB. */
    failing_write(f, lo, 1);
    assert_int_equal(c.allocs, before + 1);
    assert_non_null(o->sense);
    assert_int_equal(o->sense->cap, 8);
    assert_true(c.live_bytes - bytes == sizeof(rsvd_sense_store) + 8 * sizeof(rsvd_sense_slot));
    assert_true(sizeof(rsvd_open) + 32 + sizeof(rsvd_open_slot) + sizeof(rsvd_open *) +
                    c.live_bytes - bytes <= 1024);
    /* It doubles when the sequence reaches a key past its end: at keys 0x08,
     * 0x10, 0x20, 0x40 and 0x80, to 256 slots. */
    static const struct {
        unsigned key, cap;
    } steps[] = {{7, 8}, {8, 16}, {15, 16}, {16, 32}, {32, 64}, {64, 128}, {127, 128},
                 {128, 256}, {255, 256}};
    unsigned key = 1;
    for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
        while (key < steps[k].key) {
            key++;
            assert_int_equal(failing_write(f, lo, key), RSVD_STATUS_SVHDX_ERROR_STORED | key);
        }
        assert_int_equal(o->sense->cap, steps[k].cap);
    }
    assert_int_equal(c.allocs, before + 6);
    /* Past 0xFF the keys wrap to 0x00 in the store as it is: nothing more is
     * allocated, and every key finds its own error. */
    for (unsigned i = 256; i < 600; i++)
        assert_int_equal(failing_write(f, lo, i), RSVD_STATUS_SVHDX_ERROR_STORED | (i & 0xFFu));
    assert_int_equal(c.allocs, before + 6);
    assert_int_equal(o->sense->cap, 256);
    rsvd_svhdx_tunnel_srb_status_response r;
    for (unsigned k = 0; k < 256; k++) {
        assert_int_equal(srb_query(f, lo, (uint8_t)k, &r).status, RSVD_STATUS_SUCCESS);
        unsigned i = k + (k <= 599 - 512 ? 512 : 256); /* the last write with key k */
        assert_int_equal(r.sense_data_ex[12], (uint8_t)i);
        assert_int_equal(r.sense_data_ex[13], (uint8_t)(i >> 8));
    }
    fx_free(f);
    assert_int_equal(c.live, 0);
}

static void sense_store_allocation_failure_fails_insufficient_resources_without_a_key(
    void **state)
{
    (void)state;
    fa_alloc c;
    fx *f = fx_counting(&c, 4);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    fa_fail_nth(&c, 1); /* the store's allocation */
    assert_int_equal(failing_write(f, lo, 1), RSVD_STATUS_INSUFFICIENT_RESOURCES);
    fa_heal(&c);
    /* The sequence did not move: the next stored error still gets key 0x01. */
    assert_int_equal(failing_write(f, lo, 2), RSVD_STATUS_SVHDX_ERROR_STORED | 1u);
    fx_free(f);
    assert_int_equal(c.live, 0);
}

static void sense_store_growth_failure_fails_insufficient_resources_without_a_key(void **state)
{
    (void)state;
    fa_alloc c;
    fx *f = fx_counting(&c, 4);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    for (unsigned i = 1; i <= 7; i++) /* keys 0x01 - 0x07: the first eight slots */
        assert_int_equal(failing_write(f, lo, i), RSVD_STATUS_SVHDX_ERROR_STORED | i);
    fa_fail_nth(&c, 1); /* the growth to 16 slots */
    assert_int_equal(failing_write(f, lo, 8), RSVD_STATUS_INSUFFICIENT_RESOURCES);
    fa_heal(&c);
    /* The sequence did not move, and what was stored is still there. */
    rsvd_svhdx_tunnel_srb_status_response r;
    assert_int_equal(srb_query(f, lo, 8, &r).status, RSVD_STATUS_SVHDX_ERROR_NOT_AVAILABLE);
    assert_int_equal(srb_query(f, lo, 7, &r).status, RSVD_STATUS_SUCCESS);
    assert_int_equal(r.sense_data_ex[12], 7);
    assert_int_equal(failing_write(f, lo, 9), RSVD_STATUS_SVHDX_ERROR_STORED | 8u);
    assert_int_equal(srb_query(f, lo, 8, &r).status, RSVD_STATUS_SUCCESS);
    assert_int_equal(r.sense_data_ex[12], 9);
    fx_free(f);
    assert_int_equal(c.live, 0);
}

static void idle_open_is_small(void **state)
{
    (void)state;
    /* An idle open: the Open itself (its name follows it in the same block),
     * one OpenTable slot and one name-bucket pointer; no sense store. */
    size_t idle = sizeof(rsvd_open) + sizeof(rsvd_open_slot) + sizeof(rsvd_open *);
    print_message("sizeof(rsvd_open) = %zu, idle open = %zu bytes + its name; "
                  "sense store = %zu bytes on the first error; request = %zu bytes\n",
                  sizeof(rsvd_open), idle, sizeof(rsvd_sense_store), sizeof(rsvd_req));
    assert_true(sizeof(rsvd_open) <= 128);
    assert_true(idle <= 160);
    assert_true(sizeof(rsvd_sense_slot) == 24);
    /* READ and WRITE read one slot: it never spans two cache lines. */
    assert_true(sizeof(rsvd_open_slot) == 32);
}

/* ---- 3.2.5.5.3 RSVD_TUNNEL_SRB_STATUS_OPERATION ------------------------------------------------ */

static void srb_status_with_max_output_below_40_fails_invalid_parameter(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    failing_write(f, lo, 1);
    uint8_t body[28] = {1};
    fx_tunnel(f, lo, RSVD_TUNNEL_SRB_STATUS_OPERATION, 1, body, sizeof body, 39, NULL, 7);
    assert_int_equal(fx_last(f)->r.status, RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(fx_last(f)->r.output_len, 0);
    fx_tunnel(f, lo, RSVD_TUNNEL_SRB_STATUS_OPERATION, 1, body, sizeof body, 40, NULL, 7);
    assert_int_equal(fx_hdr(fx_last(f)).status, RSVD_STATUS_SUCCESS);
    fx_free(f);
}

static void srb_status_request_shorter_than_28_bytes_fails_invalid_parameter(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    failing_write(f, lo, 1);
    uint8_t body[28] = {1};
    fx_tunnel(f, lo, RSVD_TUNNEL_SRB_STATUS_OPERATION, 1, body, 27, 64, NULL, 7);
    assert_int_equal(fx_last(f)->r.status, RSVD_STATUS_INVALID_PARAMETER);
    fx_tunnel(f, lo, RSVD_TUNNEL_SRB_STATUS_OPERATION, 1, NULL, 0, 64, NULL, 7);
    assert_int_equal(fx_last(f)->r.status, RSVD_STATUS_INVALID_PARAMETER);
    fx_free(f);
}

static void srb_status_for_a_key_never_stored_returns_error_not_available_in_the_header(
    void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    rsvd_svhdx_tunnel_srb_status_response s;
    /* No store yet. */
    rsvd_tunnel_hdr h = srb_query(f, lo, 0x01, &s);
    assert_int_equal(h.status, RSVD_STATUS_SVHDX_ERROR_NOT_AVAILABLE);
    assert_int_equal(h.operation_code, RSVD_TUNNEL_SRB_STATUS_OPERATION);
    assert_int_equal(h.request_id, 0x3028E5B600000005ull);
    /* A store, but not this key (the SMB2 status is success: the header
     * carries the error). */
    failing_write(f, lo, 1);
    assert_int_equal(srb_query(f, lo, 0x00, &s).status, RSVD_STATUS_SVHDX_ERROR_NOT_AVAILABLE);
    assert_int_equal(srb_query(f, lo, 0x02, &s).status, RSVD_STATUS_SVHDX_ERROR_NOT_AVAILABLE);
    assert_int_equal(fx_last(f)->r.status, RSVD_STATUS_SUCCESS);
    fx_free(f);
}

static void srb_status_response_matches_the_windows_layout(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", false);
    uint8_t buf[8];
    fx_read(f, lo, 0, buf, sizeof buf, 1); /* stores the <12> error under key 1 */
    /* RequestId 6, as in the golden response */
    uint8_t body[28] = {1};
    fx_tunnel(f, lo, RSVD_TUNNEL_SRB_STATUS_OPERATION, 6, body, sizeof body, 40, NULL, 7);
    uint8_t want[64];
    size_t n = tu_golden_get("rsvd_srb_status_response_no_initiator", want, sizeof want);
    fx_reply *r = fx_last(f);
    tu_assert_bytes(r->out, r->r.output_len, want, n);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(first_stored_key_is_01_and_keys_advance_by_one),
        cmocka_unit_test(key_ff_is_followed_by_key_00),
        cmocka_unit_test(each_open_has_its_own_sequence_and_store),
        cmocka_unit_test(three_hundred_failing_writes_leave_the_latest_error_under_each_key),
        cmocka_unit_test(stored_sense_is_exactly_20_bytes_zero_filled),
        cmocka_unit_test(sense_store_grows_with_the_keys_used),
        cmocka_unit_test(
            sense_store_allocation_failure_fails_insufficient_resources_without_a_key),
        cmocka_unit_test(
            sense_store_growth_failure_fails_insufficient_resources_without_a_key),
        cmocka_unit_test(idle_open_is_small),
        cmocka_unit_test(srb_status_with_max_output_below_40_fails_invalid_parameter),
        cmocka_unit_test(srb_status_request_shorter_than_28_bytes_fails_invalid_parameter),
        cmocka_unit_test(
            srb_status_for_a_key_never_stored_returns_error_not_available_in_the_header),
        cmocka_unit_test(srb_status_response_matches_the_windows_layout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
