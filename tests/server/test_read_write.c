/*
 * [MS-RSVD] 3.2.5.3 Receiving a Read Request and 3.2.5.4 Receiving a Write
 * Request, rule by rule, over the fake backend.
 */
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_rsvd.h>

#include "server_fixture.h"

#define NIB RSVD_FILE_NO_INTERMEDIATE_BUFFERING

/* The stored SenseError under @p key, through RSVD_TUNNEL_SRB_STATUS_OPERATION. */
static rsvd_tunnel_hdr srb_query(fx *f, uint64_t lo, uint8_t key,
                                 rsvd_svhdx_tunnel_srb_status_response *out)
{
    uint8_t body[28] = {key};
    fx_tunnel(f, lo, RSVD_TUNNEL_SRB_STATUS_OPERATION, 99, body, sizeof body, 64, NULL, 0x5B);
    fx_reply *r = fx_last(f);
    rsvd_tunnel_hdr h = fx_hdr(r);
    if (h.status == RSVD_STATUS_SUCCESS)
        assert_int_equal(rsvd_svhdx_tunnel_srb_status_response_decode(r->out + 16,
                                                                      r->r.output_len - 16, out),
                         RSVD_OK);
    return h;
}

/* Issues a READ (@p write false) or WRITE of 512 bytes with cookie 42; @return its reply. */
static fx_reply *io(fx *f, bool write, uint64_t lo)
{
    static uint8_t buf[512];
    size_t before = f->nreplies;
    if (write)
        fx_write(f, lo, 4096, sizeof buf, 0x1122334455667788ull, 42);
    else
        fx_read(f, lo, 4096, buf, sizeof buf, 42);
    assert_int_equal(f->nreplies, before + 1);
    fx_reply *r = fx_last(f);
    assert_int_equal((uintptr_t)r->r.cookie, 42);
    assert_int_equal(r->r.command, write ? RSVD_SMB2_WRITE : RSVD_SMB2_READ);
    return r;
}

static uint64_t open_without_nib(fx *f, const char *name, uint32_t originator, bool initiator)
{
    uint8_t ctx[192];
    size_t n = fx_ctx(ctx, 1, originator, initiator);
    fx_reply *r = fx_create(f, name, ctx, n, 0);
    assert_int_equal(r->r.status, RSVD_STATUS_SUCCESS);
    return r->r.local_open;
}

/* ---- "If no Open is found ... STATUS_INVALID_PARAMETER" ---------------------------------- */

static void read_and_write_on_unknown_open_fail_invalid_parameter(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    for (int w = 0; w <= 1; w++) {
        assert_int_equal(io(f, w, 0)->r.status, RSVD_STATUS_INVALID_PARAMETER);
        assert_int_equal(io(f, w, 0x0000000700000001ull)->r.status,
                         RSVD_STATUS_INVALID_PARAMETER);
    }
    assert_int_equal(f->fb.ncalls, 0);
    fx_free(f);
}

static void read_and_write_on_closed_open_fail_invalid_parameter(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    assert_int_equal(rsvd_server_close(f->srv, lo, NULL), RSVD_OK);
    /* A new open may reuse the slot: the old LocalOpen must stay unknown. */
    uint64_t lo2 = fx_open_scsi(f, "d.vhdx", true);
    assert_true(lo2 != lo);
    for (int w = 0; w <= 1; w++)
        assert_int_equal(io(f, w, lo)->r.status, RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_READ) + fb_count(&f->fb, FB_DISK, FB_WRITE), 0);
    fx_free(f);
}

/* ---- virtual SCSI open with InitiatorId zero ------------------------------------------------ */

static void io_on_virtual_scsi_open_without_initiator_stores_error_and_fails_error_stored(
    void **state)
{
    (void)state;
    for (int w = 0; w <= 1; w++) {
        fx *f = fx_new(1);
        uint64_t lo = fx_open_scsi(f, "d.vhdx", false);
        fx_reply *r = io(f, w, lo);
        /* The first key is 0x01: the sequence starts at 0 and is advanced first. */
        assert_int_equal(r->r.status, RSVD_STATUS_SVHDX_ERROR_STORED | 0x01u);
        assert_int_equal(r->r.output_len, 0);
        assert_int_equal(io(f, w, lo)->r.status, RSVD_STATUS_SVHDX_ERROR_STORED | 0x02u);
        /* Nothing reached the disk. */
        assert_int_equal(fb_count(&f->fb, FB_DISK, w ? FB_WRITE : FB_READ), 0);
        /* The stored values (<12>, <14>): SrbStatus 0x02, ScsiStatus 0x02,
         * sense F0 00 00 00 00 00 00 0A then zeros. */
        rsvd_svhdx_tunnel_srb_status_response s;
        rsvd_tunnel_hdr h = srb_query(f, lo, 0x01, &s);
        assert_int_equal(h.status, RSVD_STATUS_SUCCESS);
        assert_int_equal(s.status_key, 0x01);
        assert_int_equal(s.srb_status, 0x02);
        assert_int_equal(s.scsi_status, 0x02);
        assert_false(s.sense_info_auto_generated);
        assert_int_equal(s.sense_info_ex_length, 20);
        const uint8_t want[20] = {0xF0, 0, 0, 0, 0, 0, 0, 0x0A};
        assert_memory_equal(s.sense_data_ex, want, 20);
        fx_free(f);
    }
}

static void initiator_check_comes_before_the_create_options_check(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = open_without_nib(f, "d.vhdx", RSVD_SVHDX_ORIGINATOR_PVHDPARSER, false);
    assert_int_equal(io(f, true, lo)->r.status, RSVD_STATUS_SVHDX_ERROR_STORED | 0x01u);
    assert_int_equal(io(f, false, lo)->r.status, RSVD_STATUS_SVHDX_ERROR_STORED | 0x02u);
    fx_free(f);
}

static void object_store_open_without_initiator_does_io(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint8_t ctx[192];
    size_t n = fx_ctx(ctx, 1, RSVD_SVHDX_ORIGINATOR_VHDMP, false);
    uint64_t lo = fx_create(f, "d.vhdx", ctx, n, NIB)->r.local_open;
    assert_int_equal(io(f, true, lo)->r.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(io(f, false, lo)->r.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(fb_count(&f->fb, FB_STORE, FB_WRITE), 1);
    fx_free(f);
}

/* ---- FILE_NO_INTERMEDIATE_BUFFERING -------------------------------------------------------- */

static void io_without_no_intermediate_buffering_fails_not_supported(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t scsi = open_without_nib(f, "a.vhdx", RSVD_SVHDX_ORIGINATOR_PVHDPARSER, true);
    uint64_t store = open_without_nib(f, "b.vhdx", RSVD_SVHDX_ORIGINATOR_VHDMP, true);
    for (int w = 0; w <= 1; w++) {
        assert_int_equal(io(f, w, scsi)->r.status, RSVD_STATUS_NOT_SUPPORTED);
        assert_int_equal(io(f, w, store)->r.status, RSVD_STATUS_NOT_SUPPORTED);
    }
    assert_int_equal(f->fb.ncalls, 2); /* the two opens */
    fx_free(f);
}

/* ---- where the I/O goes, and success --------------------------------------------------------- */

static void write_on_object_store_open_goes_to_the_store_and_succeeds(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_store(f, "d.vhdx");
    fx_reply *r = io(f, true, lo);
    assert_int_equal(r->r.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(r->r.count, 512);
    assert_int_equal(fb_count(&f->fb, FB_STORE, FB_WRITE), 1);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_WRITE), 0);
    const fb_call *k = &f->fb.calls[fb_last(&f->fb, FB_STORE, FB_WRITE)];
    assert_int_equal(k->offset, 4096);
    assert_int_equal(k->len, 512);
    const uint8_t head[8] = {0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11};
    assert_memory_equal(k->data_head, head, 8);
    fx_free(f);
}

static void write_on_virtual_scsi_open_goes_to_the_disk_and_succeeds(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    fb_outcome o = fb_ok();
    o.result.bytes = 256; /* the disk wrote less */
    fb_push(&f->fb, FB_DISK, FB_WRITE, &o);
    fx_reply *r = io(f, true, lo);
    assert_int_equal(r->r.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(r->r.count, 256);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_WRITE), 1);
    assert_int_equal(fb_count(&f->fb, FB_STORE, FB_WRITE), 0);
    fx_free(f);
}

static void read_returns_the_data_the_backend_read(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t scsi = fx_open_scsi(f, "a.vhdx", true);
    uint64_t store = fx_open_store(f, "b.vhdx");
    const uint64_t los[2] = {scsi, store};
    for (int i = 0; i < 2; i++) {
        uint8_t buf[300];
        fx_read(f, los[i], 1000, buf, sizeof buf, 9);
        fx_reply *r = fx_last(f);
        assert_int_equal(r->r.status, RSVD_STATUS_SUCCESS);
        assert_int_equal(r->r.output_len, 300);
        for (uint32_t j = 0; j < 300; j++)
            assert_int_equal(r->out[j], fb_pattern_byte(1000 + j));
    }
    /* A short read returns what was read. */
    const uint8_t five[5] = {1, 2, 3, 4, 5};
    fb_outcome o = fb_ok();
    o.data = five;
    o.data_len = 5;
    fb_push(&f->fb, FB_STORE, FB_READ, &o);
    uint8_t buf[64];
    fx_read(f, store, 0, buf, sizeof buf, 9);
    assert_int_equal(fx_last(f)->r.output_len, 5);
    assert_memory_equal(fx_last(f)->out, five, 5);
    fx_free(f);
}

/* A backend that claims more bytes than were asked: the reply never says
 * more than the request's Length (rsvd/server.h, output_len and count). */
static void backend_claiming_more_bytes_than_asked_is_cut_to_the_length(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t scsi = fx_open_scsi(f, "a.vhdx", true);
    uint64_t store = fx_open_store(f, "b.vhdx");
    const uint64_t los[2] = {scsi, store};
    const fb_side sides[2] = {FB_DISK, FB_STORE};
    for (int i = 0; i < 2; i++) {
        fb_outcome o = fb_ok();
        o.result.bytes = 1u << 20;
        fb_push(&f->fb, sides[i], FB_WRITE, &o);
        fx_reply *r = io(f, true, los[i]);
        assert_int_equal(r->r.status, RSVD_STATUS_SUCCESS);
        assert_int_equal(r->r.count, 512);
        assert_int_equal(r->r.output_len, 0);
        fb_push(&f->fb, sides[i], FB_READ, &o);
        r = io(f, false, los[i]);
        assert_int_equal(r->r.status, RSVD_STATUS_SUCCESS);
        assert_int_equal(r->r.output_len, 512);
        assert_int_equal(r->r.count, 0);
    }
    fx_free(f);
}

/* ---- errors ---------------------------------------------------------------------------------- */

static void write_reservation_conflict_fails_svhdx_reservation_conflict(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    fb_outcome o = fb_scsi(RSVD_SRB_STATUS_ERROR, RSVD_SCSI_STATUS_RESERVATION_CONFLICT, false,
                           NULL, 0);
    fb_push(&f->fb, FB_DISK, FB_WRITE, &o);
    assert_int_equal(io(f, true, lo)->r.status, RSVD_STATUS_SVHDX_RESERVATION_CONFLICT);
    /* Nothing was stored. */
    rsvd_svhdx_tunnel_srb_status_response s;
    assert_int_equal(srb_query(f, lo, 0x01, &s).status, RSVD_STATUS_SVHDX_ERROR_NOT_AVAILABLE);
    fx_free(f);
}

static void read_reservation_conflict_is_stored_as_a_disk_error(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    fb_outcome o = fb_scsi(RSVD_SRB_STATUS_ERROR, RSVD_SCSI_STATUS_RESERVATION_CONFLICT, false,
                           NULL, 0);
    fb_push(&f->fb, FB_DISK, FB_READ, &o);
    assert_int_equal(io(f, false, lo)->r.status, RSVD_STATUS_SVHDX_ERROR_STORED | 1u);
    rsvd_svhdx_tunnel_srb_status_response s;
    assert_int_equal(srb_query(f, lo, 0x01, &s).status, RSVD_STATUS_SUCCESS);
    assert_int_equal(s.scsi_status, RSVD_SCSI_STATUS_RESERVATION_CONFLICT);
    assert_int_equal(s.srb_status, RSVD_SRB_STATUS_ERROR);
    fx_free(f);
}

static const uint32_t rsvd_codes[] = {
    RSVD_STATUS_SVHDX_ERROR_NOT_AVAILABLE,
    RSVD_STATUS_SVHDX_UNIT_ATTENTION_AVAILABLE,
    RSVD_STATUS_SVHDX_UNIT_ATTENTION_CAPACITY_DATA_CHANGED,
    RSVD_STATUS_SVHDX_UNIT_ATTENTION_RESERVATIONS_PREEMPTED,
    RSVD_STATUS_SVHDX_UNIT_ATTENTION_RESERVATIONS_RELEASED,
    RSVD_STATUS_SVHDX_UNIT_ATTENTION_REGISTRATIONS_PREEMPTED,
    RSVD_STATUS_SVHDX_UNIT_ATTENTION_OPERATING_DEFINITION_CHANGED,
    RSVD_STATUS_SVHDX_RESERVATION_CONFLICT,
    RSVD_STATUS_SVHDX_WRONG_FILE_TYPE,
    RSVD_STATUS_SVHDX_VERSION_MISMATCH,
    RSVD_STATUS_VHD_SHARED,
};

static void every_2_2_3_error_code_is_returned_as_it_is(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t scsi = fx_open_scsi(f, "a.vhdx", true);
    uint64_t store = fx_open_store(f, "b.vhdx");
    for (size_t i = 0; i < sizeof rsvd_codes / sizeof rsvd_codes[0]; i++) {
        for (int w = 0; w <= 1; w++) {
            fb_outcome o = fb_fail(rsvd_codes[i]);
            fb_push(&f->fb, FB_DISK, w ? FB_WRITE : FB_READ, &o);
            fb_push(&f->fb, FB_STORE, w ? FB_WRITE : FB_READ, &o);
            assert_int_equal(io(f, w, scsi)->r.status, rsvd_codes[i]);
            assert_int_equal(io(f, w, store)->r.status, rsvd_codes[i]);
        }
    }
    /* None of them stored sense data. */
    rsvd_svhdx_tunnel_srb_status_response s;
    assert_int_equal(srb_query(f, scsi, 0x01, &s).status, RSVD_STATUS_SVHDX_ERROR_NOT_AVAILABLE);
    fx_free(f);
}

static void disk_scsi_error_stores_srb_status_scsi_status_and_sense(void **state)
{
    (void)state;
    for (int w = 0; w <= 1; w++) {
        fx *f = fx_new(1);
        uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
        /* CHECK CONDITION, MEDIUM ERROR 11/00 (unrecovered read error), 18
         * bytes of fixed-format sense. */
        const uint8_t sense[18] = {0x70, 0, 0x03, 0, 0, 0, 0, 0x0A, 0, 0, 0, 0, 0x11, 0x00};
        fb_outcome o = fb_scsi(RSVD_SRB_STATUS_ERROR, RSVD_SCSI_STATUS_CHECK_CONDITION, true,
                               sense, sizeof sense);
        fb_push(&f->fb, FB_DISK, w ? FB_WRITE : FB_READ, &o);
        assert_int_equal(io(f, w, lo)->r.status, RSVD_STATUS_SVHDX_ERROR_STORED | 0x01u);
        rsvd_svhdx_tunnel_srb_status_response s;
        assert_int_equal(srb_query(f, lo, 0x01, &s).status, RSVD_STATUS_SUCCESS);
        assert_int_equal(s.srb_status, RSVD_SRB_STATUS_ERROR);
        assert_int_equal(s.scsi_status, RSVD_SCSI_STATUS_CHECK_CONDITION);
        assert_true(s.sense_info_auto_generated);
        assert_int_equal(s.sense_info_ex_length, 20);
        uint8_t want[20] = {0};
        memcpy(want, sense, sizeof sense);
        assert_memory_equal(s.sense_data_ex, want, 20);
        fx_free(f);
    }
}

static void disk_failure_with_another_ntstatus_is_stored(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    /* An I/O error without SCSI detail: stored, SrbStatus ERROR. */
    fb_outcome o = fb_fail(RSVD_STATUS_IO_DEVICE_ERROR);
    fb_push(&f->fb, FB_DISK, FB_WRITE, &o);
    assert_int_equal(io(f, true, lo)->r.status, RSVD_STATUS_SVHDX_ERROR_STORED | 0x01u);
    rsvd_svhdx_tunnel_srb_status_response s;
    assert_int_equal(srb_query(f, lo, 0x01, &s).status, RSVD_STATUS_SUCCESS);
    assert_int_equal(s.srb_status, RSVD_SRB_STATUS_ERROR);
    /* With SCSI detail (a device that is gone): stored as given. */
    o = fb_fail(RSVD_STATUS_NO_SUCH_DEVICE);
    o.result.scsi.srb_status = RSVD_SRB_STATUS_NO_DEVICE;
    o.result.scsi.scsi_status = 0;
    fb_push(&f->fb, FB_DISK, FB_READ, &o);
    assert_int_equal(io(f, false, lo)->r.status, RSVD_STATUS_SVHDX_ERROR_STORED | 0x02u);
    assert_int_equal(srb_query(f, lo, 0x02, &s).status, RSVD_STATUS_SUCCESS);
    assert_int_equal(s.srb_status, RSVD_SRB_STATUS_NO_DEVICE);
    /* A backend's own "error stored" code is not passed through: only the
     * server issues keys. */
    o = fb_fail(RSVD_STATUS_SVHDX_ERROR_STORED | 0x77u);
    fb_push(&f->fb, FB_DISK, FB_WRITE, &o);
    assert_int_equal(io(f, true, lo)->r.status, RSVD_STATUS_SVHDX_ERROR_STORED | 0x03u);
    fx_free(f);
}

static void backend_statuses_that_only_the_server_may_give_are_not_passed_on(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_store(f, "d.vhdx");
    /* An object store naming a StatusKey (none was stored), or still
     * "pending" when it completes: STATUS_UNSUCCESSFUL. */
    fb_outcome o = fb_fail(RSVD_STATUS_SVHDX_ERROR_STORED | 0x42u);
    fb_push(&f->fb, FB_STORE, FB_READ, &o);
    assert_int_equal(io(f, false, lo)->r.status, RSVD_STATUS_UNSUCCESSFUL);
    o = fb_fail(RSVD_STATUS_PENDING);
    fb_push(&f->fb, FB_STORE, FB_WRITE, &o);
    assert_int_equal(io(f, true, lo)->r.status, RSVD_STATUS_UNSUCCESSFUL);
    /* The same in a tunnel header. */
    uint64_t scsi = fx_open_scsi(f, "e.vhdx", true);
    o = fb_fail(RSVD_STATUS_SVHDX_ERROR_STORED | 0x01u);
    fb_push(&f->fb, FB_DISK, FB_GET_INFO, &o);
    fx_tunnel(f, scsi, RSVD_TUNNEL_GET_INITIAL_INFO_OPERATION, 1, NULL, 0, 40, NULL, 3);
    assert_int_equal(fx_hdr(fx_last(f)).status, RSVD_STATUS_UNSUCCESSFUL);
    rsvd_svhdx_tunnel_srb_status_response s;
    assert_int_equal(srb_query(f, scsi, 0x01, &s).status, RSVD_STATUS_SVHDX_ERROR_NOT_AVAILABLE);
    fx_free(f);
}

static void object_store_error_not_in_2_2_3_is_returned_and_not_stored(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_store(f, "d.vhdx");
    fb_outcome o = fb_fail(RSVD_STATUS_DISK_FULL);
    fb_push(&f->fb, FB_STORE, FB_WRITE, &o);
    assert_int_equal(io(f, true, lo)->r.status, RSVD_STATUS_DISK_FULL);
    o = fb_fail(RSVD_STATUS_END_OF_FILE);
    fb_push(&f->fb, FB_STORE, FB_READ, &o);
    fx_reply *r = io(f, false, lo);
    assert_int_equal(r->r.status, RSVD_STATUS_END_OF_FILE);
    assert_int_equal(r->r.output_len, 0);
    rsvd_svhdx_tunnel_srb_status_response s;
    assert_int_equal(srb_query(f, lo, 0x01, &s).status, RSVD_STATUS_SVHDX_ERROR_NOT_AVAILABLE);
    fx_free(f);
}

/* ---- completion later, many in flight -------------------------------------------------------- */

static void writes_completing_later_reply_once_each_in_completion_order(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    fb_outcome pend = fb_pend(fb_ok());
    fb_set_default(&f->fb, FB_DISK, FB_WRITE, &pend);
    for (uintptr_t i = 0; i < 8; i++)
        fx_write(f, lo, i * 512, 512, i, 100 + i);
    assert_int_equal(f->nreplies, 1); /* the CREATE only */
    assert_int_equal(rsvd_server_requests_in_flight(f->srv), 8);
    const size_t order[8] = {5, 0, 7, 2, 1, 6, 3, 4};
    for (int k = 0; k < 8; k++) {
        /* call 1 + i is write i (call 0 is the open) */
        fb_outcome o = fb_ok();
        if (order[k] == 3) /* one of them fails */
            o = fb_scsi(RSVD_SRB_STATUS_ERROR, RSVD_SCSI_STATUS_CHECK_CONDITION, true, NULL, 0);
        assert_int_equal(fb_complete_with(&f->fb, 1 + order[k], &o), RSVD_OK);
        fx_reply *r = fx_last(f);
        assert_int_equal((uintptr_t)r->r.cookie, 100 + order[k]);
        assert_int_equal(r->r.status, order[k] == 3 ? (RSVD_STATUS_SVHDX_ERROR_STORED | 1u)
                                                    : RSVD_STATUS_SUCCESS);
    }
    for (uintptr_t i = 0; i < 8; i++)
        assert_int_equal(fx_replies_for(f, 100 + i), 1);
    assert_int_equal(rsvd_server_requests_in_flight(f->srv), 0);
    fx_free(f);
}

static void repeated_completion_is_refused(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    fx_write(f, lo, 0, 512, 1, 1);
    size_t k = fb_last(&f->fb, FB_DISK, FB_WRITE);
    size_t replies = f->nreplies;
    assert_int_equal(fb_complete_again(&f->fb, k), RSVD_E_STATE);
    /* Even after the request slot was reused by another request. */
    fb_outcome pend = fb_pend(fb_ok());
    fb_push(&f->fb, FB_DISK, FB_WRITE, &pend);
    fx_write(f, lo, 0, 512, 2, 2);
    assert_int_equal(fb_complete_again(&f->fb, k), RSVD_E_STATE);
    assert_int_equal(f->nreplies, replies);
    assert_int_equal(fb_complete(&f->fb, fb_last(&f->fb, FB_DISK, FB_WRITE)), RSVD_OK);
    assert_int_equal(f->nreplies, replies + 1);
    rsvd_completion bogus = {NULL, 0};
    rsvd_io_result res;
    memset(&res, 0, sizeof res);
    assert_int_equal(rsvd_complete(bogus, &res), RSVD_E_STATE);
    fx_free(f);
}

static void io_when_the_request_pool_is_empty_fails_insufficient_resources(void **state)
{
    (void)state;
    rsvd_server_config cfg = RSVD_STRUCT_INIT(rsvd_server_config);
    cfg.svhdx_supported = true;
    cfg.service_version = 1;
    cfg.max_requests = 2;
    fx *f = fx_new_cfg(&cfg, true, true);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    fb_outcome pend = fb_pend(fb_ok());
    fb_set_default(&f->fb, FB_DISK, FB_WRITE, &pend);
    fx_write(f, lo, 0, 512, 1, 1);
    fx_write(f, lo, 0, 512, 2, 2);
    fx_write(f, lo, 0, 512, 3, 3);
    assert_int_equal(fx_reply_for(f, 3)->r.status, RSVD_STATUS_INSUFFICIENT_RESOURCES);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_WRITE), 2);
    uint8_t buf[16];
    fx_read(f, lo, 0, buf, sizeof buf, 4);
    assert_int_equal(fx_reply_for(f, 4)->r.status, RSVD_STATUS_INSUFFICIENT_RESOURCES);
    fb_complete_all(&f->fb);
    fx_write(f, lo, 0, 512, 5, 5);
    assert_int_equal(rsvd_server_requests_in_flight(f->srv), 1);
    fx_free(f);
}

static void io_with_a_null_buffer_is_refused(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    rsvd_server_read_req r = {1, 0, 10, NULL};
    assert_int_equal(rsvd_server_read(f->srv, &r, NULL), RSVD_E_INVAL);
    rsvd_server_write_req w = {1, 0, 10, NULL};
    assert_int_equal(rsvd_server_write(f->srv, &w, NULL), RSVD_E_INVAL);
    assert_int_equal(rsvd_server_read(NULL, &r, NULL), RSVD_E_INVAL);
    assert_int_equal(rsvd_server_write(f->srv, NULL, NULL), RSVD_E_INVAL);
    assert_int_equal(f->nreplies, 0);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(read_and_write_on_unknown_open_fail_invalid_parameter),
        cmocka_unit_test(read_and_write_on_closed_open_fail_invalid_parameter),
        cmocka_unit_test(
            io_on_virtual_scsi_open_without_initiator_stores_error_and_fails_error_stored),
        cmocka_unit_test(initiator_check_comes_before_the_create_options_check),
        cmocka_unit_test(object_store_open_without_initiator_does_io),
        cmocka_unit_test(io_without_no_intermediate_buffering_fails_not_supported),
        cmocka_unit_test(write_on_object_store_open_goes_to_the_store_and_succeeds),
        cmocka_unit_test(write_on_virtual_scsi_open_goes_to_the_disk_and_succeeds),
        cmocka_unit_test(read_returns_the_data_the_backend_read),
        cmocka_unit_test(backend_claiming_more_bytes_than_asked_is_cut_to_the_length),
        cmocka_unit_test(write_reservation_conflict_fails_svhdx_reservation_conflict),
        cmocka_unit_test(read_reservation_conflict_is_stored_as_a_disk_error),
        cmocka_unit_test(every_2_2_3_error_code_is_returned_as_it_is),
        cmocka_unit_test(disk_scsi_error_stores_srb_status_scsi_status_and_sense),
        cmocka_unit_test(disk_failure_with_another_ntstatus_is_stored),
        cmocka_unit_test(object_store_error_not_in_2_2_3_is_returned_and_not_stored),
        cmocka_unit_test(backend_statuses_that_only_the_server_may_give_are_not_passed_on),
        cmocka_unit_test(writes_completing_later_reply_once_each_in_completion_order),
        cmocka_unit_test(repeated_completion_is_refused),
        cmocka_unit_test(io_when_the_request_pool_is_empty_fails_insufficient_resources),
        cmocka_unit_test(io_with_a_null_buffer_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
