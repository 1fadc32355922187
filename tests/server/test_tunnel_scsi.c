/*
 * [MS-RSVD] 3.2.5.5.5 RSVD_TUNNEL_SCSI_OPERATION: the size and field
 * checks, the initiator-less case, data in and out, and how the disk's
 * outcomes (SCSI statuses, 2.2.3 codes, other failures) are answered.
 */
#include <string.h>

#include <rsvd/status.h>
#include <rsvd/wire_rsvd.h>

#include "server_fixture.h"

typedef struct scsi_req {
    uint16_t length;
    uint8_t cdb_length;
    uint8_t sense_info_ex_length;
    uint8_t disposition;
    uint32_t srb_flags;
    uint32_t dtl;
    uint8_t cdb[16];
    const uint8_t *data;
    size_t data_len;
} scsi_req;

/* A well-formed request: TEST UNIT READY, no data. */
static scsi_req tur(void)
{
    scsi_req s;
    memset(&s, 0, sizeof s);
    s.length = 36;
    s.cdb_length = 6;
    s.sense_info_ex_length = 20;
    s.disposition = RSVD_SCSI_NO_DATA;
    return s;
}

/* Lays out the request body by hand (2.2.4.7). @return its length. */
static size_t body_of(const scsi_req *s, uint8_t *b)
{
    memset(b, 0, 36);
    b[0] = (uint8_t)s->length;
    b[1] = (uint8_t)(s->length >> 8);
    b[4] = s->cdb_length;
    b[5] = s->sense_info_ex_length;
    b[6] = s->disposition;
    for (int i = 0; i < 4; i++) {
        b[8 + i] = (uint8_t)(s->srb_flags >> (8 * i));
        b[12 + i] = (uint8_t)(s->dtl >> (8 * i));
    }
    memcpy(b + 16, s->cdb, 16);
    if (s->data_len)
        memcpy(b + 36, s->data, s->data_len);
    return 36 + s->data_len;
}

static fx_reply *send_scsi(fx *f, uint64_t lo, const scsi_req *s, uint32_t max_output)
{
    uint8_t body[4096];
    size_t n = body_of(s, body);
    size_t before = f->nreplies;
    fx_tunnel(f, lo, RSVD_TUNNEL_SCSI_OPERATION, 0x44, body, n, max_output, NULL, 0x5C);
    assert_int_equal(f->nreplies, before + 1);
    return fx_last(f);
}

static rsvd_svhdx_tunnel_scsi_response decode_resp(const fx_reply *r)
{
    rsvd_svhdx_tunnel_scsi_response resp;
    assert_int_equal(rsvd_svhdx_tunnel_scsi_response_decode(r->out + 16, r->r.output_len - 16,
                                                            &resp),
                     RSVD_OK);
    return resp;
}

/* The error response: header Status @p status, then the request's first 36
 * bytes echoed, nothing more. */
static void assert_error_response(const fx_reply *r, const uint8_t *body, size_t body_len,
                                  uint32_t status)
{
    rsvd_tunnel_hdr h = fx_hdr(r);
    assert_int_equal(h.status, status);
    assert_int_equal(h.operation_code, RSVD_TUNNEL_SCSI_OPERATION);
    assert_int_equal(h.request_id, 0x44);
    assert_int_equal(r->r.output_len, 52);
    uint8_t want[36] = {0};
    memcpy(want, body, body_len < 36 ? body_len : 36);
    assert_memory_equal(r->out + 16, want, 36);
}

/* ---- checks before the disk ------------------------------------------------------------- */

static void scsi_with_max_output_below_52_fails_invalid_parameter(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    scsi_req s = tur();
    fx_reply *r = send_scsi(f, lo, &s, 51);
    assert_int_equal(r->r.status, RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(r->r.output_len, 0);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_EXECUTE), 0);
    assert_int_equal(fx_hdr(send_scsi(f, lo, &s, 52)).status, RSVD_STATUS_SUCCESS);
    fx_free(f);
}

static void scsi_request_shorter_than_36_bytes_gets_the_error_response(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    scsi_req s = tur();
    uint8_t body[64];
    body_of(&s, body);
    for (size_t n = 0; n < 36; n += 7) {
        fx_tunnel(f, lo, RSVD_TUNNEL_SCSI_OPERATION, 0x44, body, n, 4096, NULL, 1);
        assert_error_response(fx_last(f), body, n, RSVD_STATUS_INVALID_PARAMETER);
    }
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_EXECUTE), 0);
    fx_free(f);
}

static void scsi_field_violations_get_the_error_response_with_invalid_parameter(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    const uint8_t data[8] = {0};
    scsi_req bad[7];
    for (int i = 0; i < 7; i++)
        bad[i] = tur();
    bad[0].length = 35;                /* Length not 36 */
    bad[1].length = 0;
    bad[2].sense_info_ex_length = 21;  /* above sizeof CDBBuffer + 4 */
    bad[3].cdb_length = 17;            /* above sizeof CDBBuffer */
    bad[4].disposition = RSVD_SCSI_DATA_IN; /* DataIn, DataTransferLength below the data */
    bad[4].dtl = 4;
    bad[4].data = data;
    bad[4].data_len = 8;
    bad[5].disposition = 3;            /* beyond the list: no such Disposition */
    bad[6].disposition = RSVD_SCSI_DATA_OUT; /* beyond the list: data out not sent */
    bad[6].dtl = 9;
    bad[6].data = data;
    bad[6].data_len = 8;
    for (int i = 0; i < 7; i++) {
        uint8_t body[64];
        size_t n = body_of(&bad[i], body);
        fx_reply *r = send_scsi(f, lo, &bad[i], 4096);
        assert_error_response(r, body, n, RSVD_STATUS_INVALID_PARAMETER);
    }
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_EXECUTE), 0);
    fx_free(f);
}

static void scsi_on_an_open_without_initiator_gets_the_error_response_invalid_handle(
    void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", false);
    scsi_req s = tur();
    uint8_t body[64];
    size_t n = body_of(&s, body);
    assert_error_response(send_scsi(f, lo, &s, 52), body, n, RSVD_STATUS_INVALID_HANDLE);
    /* INVALID_HANDLE wins over a field violation. */
    s.cdb_length = 30;
    n = body_of(&s, body);
    assert_error_response(send_scsi(f, lo, &s, 52), body, n, RSVD_STATUS_INVALID_HANDLE);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_EXECUTE), 0);
    /* No sense error is stored for it. */
    uint8_t key[28] = {1};
    fx_tunnel(f, lo, RSVD_TUNNEL_SRB_STATUS_OPERATION, 1, key, 28, 40, NULL, 1);
    assert_int_equal(fx_hdr(fx_last(f)).status, RSVD_STATUS_SVHDX_ERROR_NOT_AVAILABLE);
    fx_free(f);
}

static void scsi_error_response_appends_nothing_whatever_max_output(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    scsi_req s = tur();
    s.length = 40;
    assert_int_equal(send_scsi(f, lo, &s, 65536)->r.output_len, 52);
    fx_free(f);
}

static void scsi_on_an_object_store_open_gets_invalid_device_request(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_store(f, "d.vhdx");
    scsi_req s = tur();
    fx_reply *r = send_scsi(f, lo, &s, 52);
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_INVALID_DEVICE_REQUEST);
    assert_int_equal(r->r.output_len, 16);
    fx_free(f);
}

/* ---- the command reaches the disk ------------------------------------------------------------ */

static void scsi_data_in_returns_the_disks_data_in_a_successful_response(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    /* READ CAPACITY(10) as "rsvd_scsi_response_read_capacity_data" answers it:
     * CDBLength 10, SrbFlags DATA_IN, DataTransferLength 8 (with 8 zero
     * bytes of data buffer, as Windows sends), RequestId 3. */
    scsi_req s = tur();
    s.cdb_length = 10;
    s.cdb[0] = 0x25;
    s.disposition = RSVD_SCSI_DATA_IN;
    s.srb_flags = RSVD_SRB_FLAGS_DATA_IN;
    s.dtl = 8;
    const uint8_t zeros[8] = {0};
    s.data = zeros;
    s.data_len = 8;
    const uint8_t cap[8] = {0x00, 0x1F, 0xFF, 0xFF, 0x00, 0x00, 0x02, 0x00};
    fb_outcome o = fb_ok();
    o.data = cap;
    o.data_len = 8;
    fb_push(&f->fb, FB_DISK, FB_EXECUTE, &o);
    uint8_t body[64];
    size_t n = body_of(&s, body);
    fx_tunnel(f, lo, RSVD_TUNNEL_SCSI_OPERATION, 3, body, n, 1024, NULL, 1);
    fx_reply *r = fx_last(f);
    uint8_t want[128];
    size_t wn = tu_golden_get("rsvd_scsi_response_read_capacity_data", want, sizeof want);
    tu_assert_bytes(r->out, r->r.output_len, want, wn);
    /* What the disk received. */
    const fb_call *k = &f->fb.calls[fb_last(&f->fb, FB_DISK, FB_EXECUTE)];
    assert_int_equal(k->cmd.cdb_len, 10);
    assert_int_equal(k->cmd.cdb[0], 0x25);
    assert_int_equal(k->cmd.direction, RSVD_SCSI_DATA_IN);
    assert_int_equal(k->cmd.srb_flags, RSVD_SRB_FLAGS_DATA_IN);
    assert_int_equal(k->cmd.data_in_cap, 8);
    assert_null(k->cmd.data_out);
    fx_free(f);
}

/* The data of a command that reads lands at RSVD_SERVER_SCSI_DATA_OFFSET of
 * the host's output, where the disk reads it: no copy. A host that lays its
 * output out so that this address is on a page hands the disk a page. */
static void scsi_data_in_is_read_straight_into_the_host_output_at_the_data_offset(void **state)
{
    (void)state;
    assert_int_equal(RSVD_SERVER_SCSI_DATA_OFFSET,
                     RSVD_TUNNEL_MESSAGE_SIZE(RSVD_SVHDX_TUNNEL_SCSI_RESPONSE_SIZE));
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    static uint8_t pages[3 * 4096] __attribute__((aligned(4096)));
    uint8_t *out = pages + 4096 - RSVD_SERVER_SCSI_DATA_OFFSET;
    scsi_req s = tur();
    s.cdb_length = 10;
    s.cdb[0] = 0x28; /* READ(10), 8 blocks */
    s.cdb[8] = 8;
    s.disposition = RSVD_SCSI_DATA_IN;
    s.srb_flags = RSVD_SRB_FLAGS_DATA_IN;
    s.dtl = 4096;
    fb_outcome o = fb_ok();
    o.fill_pattern = true;
    fb_push(&f->fb, FB_DISK, FB_EXECUTE, &o);
    uint8_t body[64];
    size_t n = body_of(&s, body);
    fx_tunnel(f, lo, RSVD_TUNNEL_SCSI_OPERATION, 5, body, n, RSVD_SERVER_SCSI_DATA_OFFSET + 4096,
              out, 1);
    const fb_call *k = &f->fb.calls[fb_last(&f->fb, FB_DISK, FB_EXECUTE)];
    assert_ptr_equal(k->cmd.data_in, pages + 4096);
    assert_int_equal(k->cmd.data_in_cap, 4096);
    fx_reply *r = fx_last(f); /* its output is the fixture's copy of ours */
    assert_int_equal(r->r.output_len, RSVD_SERVER_SCSI_DATA_OFFSET + 4096);
    assert_memory_equal(r->out, out, RSVD_SERVER_SCSI_DATA_OFFSET + 4096);
    rsvd_svhdx_tunnel_scsi_response resp = decode_resp(r);
    assert_int_equal(resp.data_transfer_length, 4096);
    assert_ptr_equal(resp.data_buffer, r->out + RSVD_SERVER_SCSI_DATA_OFFSET);
    for (uint32_t j = 0; j < 4096; j++)
        assert_int_equal(pages[4096 + j], fb_pattern_byte(j));
    fx_free(f);
}

static void scsi_data_out_hands_the_request_data_to_the_disk(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    uint8_t msg[128];
    size_t n = tu_golden_get("rsvd_scsi_request_pr_out_register", msg, sizeof msg);
    rsvd_tunnel_hdr h;
    assert_int_equal(rsvd_tunnel_hdr_decode(msg, n, &h), RSVD_OK);
    fx_tunnel(f, lo, h.operation_code, h.request_id, msg + 16, n - 16, 52, NULL, 1);
    fx_reply *r = fx_last(f);
    uint8_t want[128];
    size_t wn = tu_golden_get("rsvd_scsi_response_no_data", want, sizeof want);
    tu_assert_bytes(r->out, r->r.output_len, want, wn);
    const fb_call *k = &f->fb.calls[fb_last(&f->fb, FB_DISK, FB_EXECUTE)];
    assert_int_equal(k->cmd.cdb[0], 0x5F); /* PERSISTENT RESERVE OUT */
    assert_int_equal(k->cmd.cdb_len, 10);
    assert_int_equal(k->cmd.direction, RSVD_SCSI_DATA_OUT);
    assert_int_equal(k->cmd.data_out_len, 24);
    const uint8_t key[8] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF};
    assert_memory_equal(k->data_head + 8, key, 8); /* the reservation key */
    assert_null(k->cmd.data_in);
    fx_free(f);
}

static void scsi_no_data_command_has_no_buffers(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    scsi_req s = tur();
    rsvd_svhdx_tunnel_scsi_response resp = decode_resp(send_scsi(f, lo, &s, 4096));
    assert_int_equal(resp.data_transfer_length, 0);
    assert_int_equal(resp.disposition, RSVD_SCSI_NO_DATA);
    assert_int_equal(resp.length, 36);
    const fb_call *k = &f->fb.calls[fb_last(&f->fb, FB_DISK, FB_EXECUTE)];
    assert_null(k->cmd.data_in);
    assert_null(k->cmd.data_out);
    assert_int_equal(fx_last(f)->r.output_len, 52);
    fx_free(f);
}

static void scsi_data_in_is_limited_by_max_output_response(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    scsi_req s = tur();
    s.cdb[0] = 0x28; /* READ(10) */
    s.cdb_length = 10;
    s.disposition = RSVD_SCSI_DATA_IN;
    s.dtl = 4096;
    fx_reply *r = send_scsi(f, lo, &s, 52 + 100);
    assert_true(r->r.output_len <= 152);
    rsvd_svhdx_tunnel_scsi_response resp = decode_resp(r);
    assert_int_equal(resp.data_transfer_length, 100);
    assert_int_equal(f->fb.calls[fb_last(&f->fb, FB_DISK, FB_EXECUTE)].cmd.data_in_cap, 100);
    for (uint32_t i = 0; i < 100; i++)
        assert_int_equal(resp.data_buffer[i], fb_pattern_byte(i));
    /* A disk returning less: DataTransferLength is what it returned. */
    const uint8_t five[5] = {1, 2, 3, 4, 5};
    fb_outcome o = fb_ok();
    o.data = five;
    o.data_len = 5;
    fb_push(&f->fb, FB_DISK, FB_EXECUTE, &o);
    r = send_scsi(f, lo, &s, 4096);
    resp = decode_resp(r);
    assert_int_equal(resp.data_transfer_length, 5);
    assert_int_equal(r->r.output_len, 52 + 5);
    fx_free(f);
}

/* ---- the disk's outcomes ------------------------------------------------------------------- */

static void reservation_conflict_is_scsi_status_18_in_a_successful_response(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    fb_outcome o = fb_scsi(RSVD_SRB_STATUS_ERROR, RSVD_SCSI_STATUS_RESERVATION_CONFLICT, false,
                           NULL, 0);
    fb_push(&f->fb, FB_DISK, FB_EXECUTE, &o);
    scsi_req s = tur();
    s.cdb[0] = 0x2A; /* WRITE(10) */
    s.cdb_length = 10;
    fx_reply *r = send_scsi(f, lo, &s, 52);
    assert_int_equal(r->r.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_SUCCESS);
    rsvd_svhdx_tunnel_scsi_response resp = decode_resp(r);
    assert_int_equal(resp.scsi_status, 0x18);
    assert_int_equal(resp.srb_status, RSVD_SRB_STATUS_ERROR);
    assert_int_equal(resp.cdb_length, 10);
    fx_free(f);
}

static void check_condition_returns_the_sense_data_in_a_successful_response(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    /* UNIT ATTENTION, 2A/03 reservations preempted */
    const uint8_t sense[18] = {0x70, 0, 0x06, 0, 0, 0, 0, 0x0C, 0, 0, 0, 0, 0x2A, 0x03};
    fb_outcome o = fb_scsi(RSVD_SRB_STATUS_ERROR, RSVD_SCSI_STATUS_CHECK_CONDITION, true, sense,
                           sizeof sense);
    fb_push(&f->fb, FB_DISK, FB_EXECUTE, &o);
    scsi_req s = tur();
    s.srb_flags = 0x0020014Au;
    fx_reply *r = send_scsi(f, lo, &s, 52);
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_SUCCESS);
    rsvd_svhdx_tunnel_scsi_response resp = decode_resp(r);
    assert_int_equal(resp.scsi_status, RSVD_SCSI_STATUS_CHECK_CONDITION);
    assert_true(resp.sense_info_auto_generated);
    assert_int_equal(resp.srb_status, RSVD_SRB_STATUS_ERROR);
    assert_int_equal(resp.sense_info_ex_length, 20);
    uint8_t want[20] = {0};
    memcpy(want, sense, sizeof sense);
    assert_memory_equal(resp.sense_data_ex, want, 20);
    assert_int_equal(resp.srb_flags, 0x0020014Au); /* echoed */
    assert_int_equal(resp.disposition, RSVD_SCSI_NO_DATA);
    fx_free(f);
}

static void disk_failure_with_a_2_2_3_code_is_the_header_status(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    const uint32_t codes[] = {RSVD_STATUS_SVHDX_UNIT_ATTENTION_RESERVATIONS_PREEMPTED,
                              RSVD_STATUS_SVHDX_RESERVATION_CONFLICT,
                              RSVD_STATUS_SVHDX_UNIT_ATTENTION_CAPACITY_DATA_CHANGED};
    for (size_t i = 0; i < 3; i++) {
        fb_outcome o = fb_fail(codes[i]);
        fb_push(&f->fb, FB_DISK, FB_EXECUTE, &o);
        scsi_req s = tur();
        fx_reply *r = send_scsi(f, lo, &s, 52);
        assert_int_equal(r->r.status, RSVD_STATUS_SUCCESS);
        assert_int_equal(fx_hdr(r).status, codes[i]);
        assert_int_equal(r->r.output_len, 16);
    }
    fx_free(f);
}

static void disk_failure_with_another_code_is_stored_and_reported_by_key(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    fb_outcome o = fb_fail(RSVD_STATUS_IO_DEVICE_ERROR);
    o.result.scsi.srb_status = RSVD_SRB_STATUS_SELECTION_TIMEOUT;
    fb_push(&f->fb, FB_DISK, FB_EXECUTE, &o);
    scsi_req s = tur();
    fx_reply *r = send_scsi(f, lo, &s, 52);
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_SVHDX_ERROR_STORED | 1u);
    assert_int_equal(r->r.output_len, 16);
    uint8_t key[28] = {1};
    fx_tunnel(f, lo, RSVD_TUNNEL_SRB_STATUS_OPERATION, 1, key, 28, 40, NULL, 1);
    r = fx_last(f);
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_SUCCESS);
    assert_int_equal(r->out[17] & 0x7F, RSVD_SRB_STATUS_SELECTION_TIMEOUT);
    fx_free(f);
}

static void data_out_with_more_data_returned_than_transferred_fails_invalid_parameter(
    void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    fb_outcome o = fb_ok();
    o.result.bytes = 25;
    fb_push(&f->fb, FB_DISK, FB_EXECUTE, &o);
    uint8_t msg[128];
    size_t n = tu_golden_get("rsvd_scsi_request_pr_out_register", msg, sizeof msg); /* DTL 24 */
    fx_tunnel(f, lo, RSVD_TUNNEL_SCSI_OPERATION, 4, msg + 16, n - 16, 52, NULL, 1);
    fx_reply *r = fx_last(f);
    assert_int_equal(r->r.status, RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(r->r.output_len, 0);
    fx_free(f);
}

static void completed_command_with_srb_status_pending_is_reported_as_finished(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    fb_outcome o = fb_scsi(RSVD_SRB_STATUS_PENDING, RSVD_SCSI_STATUS_GOOD, false, NULL, 0);
    fb_push(&f->fb, FB_DISK, FB_EXECUTE, &o);
    o = fb_scsi(RSVD_SRB_STATUS_PENDING, RSVD_SCSI_STATUS_BUSY, false, NULL, 0);
    fb_push(&f->fb, FB_DISK, FB_EXECUTE, &o);
    scsi_req s = tur();
    assert_int_equal(decode_resp(send_scsi(f, lo, &s, 52)).srb_status, RSVD_SRB_STATUS_SUCCESS);
    rsvd_svhdx_tunnel_scsi_response resp = decode_resp(send_scsi(f, lo, &s, 52));
    assert_int_equal(resp.srb_status, RSVD_SRB_STATUS_ERROR);
    assert_int_equal(resp.scsi_status, RSVD_SCSI_STATUS_BUSY);
    fx_free(f);
}

static void scsi_commands_completing_later_in_any_order_reply_once_each(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    fb_outcome pend = fb_pend(fb_ok());
    pend.fill_pattern = true;
    fb_set_default(&f->fb, FB_DISK, FB_EXECUTE, &pend);
    static uint8_t outs[4][52 + 16];
    scsi_req s = tur();
    s.disposition = RSVD_SCSI_DATA_IN;
    s.dtl = 16;
    uint8_t body[64];
    size_t n = body_of(&s, body);
    size_t call[4];
    for (uintptr_t i = 0; i < 4; i++) {
        fx_tunnel(f, lo, RSVD_TUNNEL_SCSI_OPERATION, 100 + i, body, n, sizeof outs[i], outs[i],
                  200 + i);
        call[i] = fb_last(&f->fb, FB_DISK, FB_EXECUTE);
    }
    assert_int_equal(rsvd_server_requests_in_flight(f->srv), 4);
    assert_int_equal(f->nreplies, 1); /* the CREATE */
    const size_t order[4] = {2, 0, 3, 1};
    for (int k = 0; k < 4; k++) {
        assert_int_equal(fb_complete(&f->fb, call[order[k]]), RSVD_OK);
        assert_int_equal((uintptr_t)fx_last(f)->r.cookie, 200 + order[k]);
    }
    for (uintptr_t i = 0; i < 4; i++) {
        fx_reply *r = fx_reply_for(f, 200 + i);
        assert_int_equal(fx_replies_for(f, 200 + i), 1);
        assert_int_equal(fx_hdr(r).request_id, 100 + i);
        assert_int_equal(decode_resp(r).data_transfer_length, 16);
    }
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scsi_with_max_output_below_52_fails_invalid_parameter),
        cmocka_unit_test(scsi_request_shorter_than_36_bytes_gets_the_error_response),
        cmocka_unit_test(scsi_field_violations_get_the_error_response_with_invalid_parameter),
        cmocka_unit_test(scsi_on_an_open_without_initiator_gets_the_error_response_invalid_handle),
        cmocka_unit_test(scsi_error_response_appends_nothing_whatever_max_output),
        cmocka_unit_test(scsi_on_an_object_store_open_gets_invalid_device_request),
        cmocka_unit_test(scsi_data_in_returns_the_disks_data_in_a_successful_response),
        cmocka_unit_test(
            scsi_data_in_is_read_straight_into_the_host_output_at_the_data_offset),
        cmocka_unit_test(scsi_data_out_hands_the_request_data_to_the_disk),
        cmocka_unit_test(scsi_no_data_command_has_no_buffers),
        cmocka_unit_test(scsi_data_in_is_limited_by_max_output_response),
        cmocka_unit_test(reservation_conflict_is_scsi_status_18_in_a_successful_response),
        cmocka_unit_test(check_condition_returns_the_sense_data_in_a_successful_response),
        cmocka_unit_test(disk_failure_with_a_2_2_3_code_is_the_header_status),
        cmocka_unit_test(disk_failure_with_another_code_is_stored_and_reported_by_key),
        cmocka_unit_test(data_out_with_more_data_returned_than_transferred_fails_invalid_parameter),
        cmocka_unit_test(completed_command_with_srb_status_pending_is_reported_as_finished),
        cmocka_unit_test(scsi_commands_completing_later_in_any_order_reply_once_each),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
