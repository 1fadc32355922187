/*
 * [MS-RSVD] 3.2.5.8 Handling a Query Information Request and 3.2.5.9
 * Handling a Set Information Request.
 */
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>

#include "server_fixture.h"

static fx_reply *qinfo(fx *f, uint64_t lo, uint8_t type, uint32_t cls, uint32_t len)
{
    rsvd_server_query_info_req req = {lo, type, cls, len, f->out};
    size_t before = f->nreplies;
    assert_int_equal(rsvd_server_query_info(f->srv, &req, (void *)(uintptr_t)0x41), RSVD_OK);
    assert_int_equal(f->nreplies, before + 1);
    assert_int_equal(fx_last(f)->r.command, RSVD_SMB2_QUERY_INFO);
    return fx_last(f);
}

static fx_reply *sinfo(fx *f, uint64_t lo, uint8_t type, uint32_t cls)
{
    static const uint8_t in[8] = {0x00, 0x10, 0, 0, 0, 0, 0, 0};
    rsvd_server_set_info_req req = {lo, type, cls, in, sizeof in};
    size_t before = f->nreplies;
    assert_int_equal(rsvd_server_set_info(f->srv, &req, (void *)(uintptr_t)0x51), RSVD_OK);
    assert_int_equal(f->nreplies, before + 1);
    assert_int_equal(fx_last(f)->r.command, RSVD_SMB2_SET_INFO);
    return fx_last(f);
}

#define FILE_INFO RSVD_SMB2_0_INFO_FILE

/* ---- 3.2.5.8 -------------------------------------------------------------------------------- */

static void query_with_output_smaller_than_the_class_fails_buffer_too_small(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_store(f, "d.vhdx");
    const struct {
        uint32_t cls, size;
    } c[] = {{RSVD_FILE_STANDARD_INFORMATION, 24},
             {RSVD_FILE_NETWORK_OPEN_INFORMATION, 56},
             {RSVD_FILE_END_OF_FILE_INFORMATION, 8}};
    for (size_t i = 0; i < 3; i++) {
        fx_reply *r = qinfo(f, lo, FILE_INFO, c[i].cls, c[i].size - 1);
        assert_int_equal(r->r.status, RSVD_STATUS_BUFFER_TOO_SMALL);
        assert_int_equal(r->r.output_len, 0);
        /* The rule does not depend on the open. */
        assert_int_equal(qinfo(f, 12345, FILE_INFO, c[i].cls, 0)->r.status,
                         RSVD_STATUS_BUFFER_TOO_SMALL);
        assert_int_equal(qinfo(f, lo, FILE_INFO, c[i].cls, c[i].size)->r.status,
                         RSVD_STATUS_SUCCESS);
    }
    assert_int_equal(fb_count(&f->fb, FB_STORE, FB_QUERY_INFO), 3);
    fx_free(f);
}

static void query_on_an_object_store_open_asks_the_store(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_store(f, "d.vhdx");
    const uint8_t info[24] = {0, 0, 0, 0x40, 0, 0, 0, 0, 0, 0, 0, 0x40};
    fb_outcome o = fb_ok();
    o.data = info;
    o.data_len = sizeof info;
    fb_push(&f->fb, FB_STORE, FB_QUERY_INFO, &o);
    fx_reply *r = qinfo(f, lo, FILE_INFO, RSVD_FILE_STANDARD_INFORMATION, 100);
    assert_int_equal(r->r.status, RSVD_STATUS_SUCCESS);
    tu_assert_bytes(r->out, r->r.output_len, info, sizeof info);
    const fb_call *k = &f->fb.calls[fb_last(&f->fb, FB_STORE, FB_QUERY_INFO)];
    assert_int_equal(k->info_class, RSVD_FILE_STANDARD_INFORMATION);
    assert_int_equal(k->cap, 100);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_QUERY_INFO), 0);
    /* Its failure is returned. */
    o = fb_fail(RSVD_STATUS_ACCESS_DENIED);
    fb_push(&f->fb, FB_STORE, FB_QUERY_INFO, &o);
    r = qinfo(f, lo, FILE_INFO, 18 /* FileAllInformation */, 100);
    assert_int_equal(r->r.status, RSVD_STATUS_ACCESS_DENIED);
    assert_int_equal(r->r.output_len, 0);
    fx_free(f);
}

/* [MS-SMB2] 3.3.4.4: STATUS_BUFFER_OVERFLOW in a QUERY_INFO response is not a
 * failure: the partial information goes back in the QUERY_INFO response. */
static void query_buffer_overflow_returns_the_partial_information(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_store(f, "d.vhdx");
    const uint8_t part[40] = {0x11, 0x22, 0x33, [39] = 0x44};
    fb_outcome o = fb_fail(RSVD_STATUS_BUFFER_OVERFLOW);
    o.data = part;
    o.data_len = sizeof part;
    fb_push(&f->fb, FB_STORE, FB_QUERY_INFO, &o);
    fx_reply *r = qinfo(f, lo, FILE_INFO, 18 /* FileAllInformation */, sizeof part);
    assert_int_equal(r->r.status, RSVD_STATUS_BUFFER_OVERFLOW);
    assert_false(rsvd_server_reply_is_error(&r->r));
    tu_assert_bytes(r->out, r->r.output_len, part, sizeof part);
    /* The same from a virtual disk. */
    uint64_t scsi = fx_open_scsi(f, "e.vhdx", true);
    fb_push(&f->fb, FB_DISK, FB_QUERY_INFO, &o);
    r = qinfo(f, scsi, FILE_INFO, 18, sizeof part);
    assert_int_equal(r->r.status, RSVD_STATUS_BUFFER_OVERFLOW);
    tu_assert_bytes(r->out, r->r.output_len, part, sizeof part);
    /* Any other status is a failure and carries nothing, data or not. */
    o.result.status = RSVD_STATUS_BUFFER_TOO_SMALL;
    fb_push(&f->fb, FB_STORE, FB_QUERY_INFO, &o);
    r = qinfo(f, lo, FILE_INFO, 18, sizeof part);
    assert_int_equal(r->r.status, RSVD_STATUS_BUFFER_TOO_SMALL);
    assert_true(rsvd_server_reply_is_error(&r->r));
    assert_int_equal(r->r.output_len, 0);
    fx_free(f);
}

static void query_on_a_virtual_scsi_open_asks_the_disk(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    fx_reply *r = qinfo(f, lo, FILE_INFO, RSVD_FILE_END_OF_FILE_INFORMATION, 8);
    assert_int_equal(r->r.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(r->r.output_len, 8);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_QUERY_INFO), 1);
    assert_int_equal(fb_count(&f->fb, FB_STORE, FB_QUERY_INFO), 0);
    fx_free(f);
    /* A disk without query_info: STATUS_NOT_SUPPORTED. */
    f = fx_new_disk_without_info(1);
    lo = fx_open_scsi(f, "d.vhdx", true);
    assert_int_equal(qinfo(f, lo, FILE_INFO, RSVD_FILE_END_OF_FILE_INFORMATION, 8)->r.status,
                     RSVD_STATUS_NOT_SUPPORTED);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_QUERY_INFO), 0);
    fx_free(f);
}

static void query_completing_later_replies_then(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_store(f, "d.vhdx");
    fb_outcome o = fb_pend(fb_ok());
    o.fill_pattern = true;
    fb_push(&f->fb, FB_STORE, FB_QUERY_INFO, &o);
    uint8_t out[56];
    rsvd_server_query_info_req req = {lo, FILE_INFO, RSVD_FILE_NETWORK_OPEN_INFORMATION,
                                      sizeof out, out};
    assert_int_equal(rsvd_server_query_info(f->srv, &req, (void *)(uintptr_t)8), RSVD_OK);
    assert_int_equal(fx_replies_for(f, 8), 0);
    fb_complete_all(&f->fb);
    assert_int_equal(fx_reply_for(f, 8)->r.output_len, 56);
    fx_free(f);
}

static void query_on_an_unknown_open_fails_invalid_parameter(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    assert_int_equal(qinfo(f, 5, FILE_INFO, RSVD_FILE_STANDARD_INFORMATION, 24)->r.status,
                     RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(f->fb.ncalls, 0);
    fx_free(f);
}

static void query_of_another_info_type_fails_not_supported(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_store(f, "d.vhdx");
    assert_int_equal(qinfo(f, lo, 0x03 /* SECURITY */, 0, 100)->r.status,
                     RSVD_STATUS_NOT_SUPPORTED);
    assert_int_equal(sinfo(f, lo, 0x02 /* FILESYSTEM */, 10)->r.status,
                     RSVD_STATUS_NOT_SUPPORTED);
    assert_int_equal(fb_count(&f->fb, FB_STORE, FB_QUERY_INFO), 0);
    assert_int_equal(fb_count(&f->fb, FB_STORE, FB_SET_INFO), 0);
    fx_free(f);
}

/* ---- 3.2.5.9 ---------------------------------------------------------------------------------- */

static void set_rename_fails_not_supported(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_store(f, "d.vhdx");
    assert_int_equal(sinfo(f, lo, FILE_INFO, RSVD_FILE_RENAME_INFORMATION)->r.status,
                     RSVD_STATUS_NOT_SUPPORTED);
    assert_int_equal(sinfo(f, 777, FILE_INFO, RSVD_FILE_RENAME_INFORMATION)->r.status,
                     RSVD_STATUS_NOT_SUPPORTED);
    assert_int_equal(fb_count(&f->fb, FB_STORE, FB_SET_INFO), 0);
    fx_free(f);
}

static void set_link_fails_invalid_parameter(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    assert_int_equal(sinfo(f, lo, FILE_INFO, RSVD_FILE_LINK_INFORMATION)->r.status,
                     RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_SET_INFO), 0);
    fx_free(f);
}

static void set_of_other_classes_is_applied_and_its_status_returned(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t scsi = fx_open_scsi(f, "a.vhdx", true);
    uint64_t store = fx_open_store(f, "b.vhdx");
    assert_int_equal(sinfo(f, scsi, FILE_INFO, RSVD_FILE_END_OF_FILE_INFORMATION)->r.status,
                     RSVD_STATUS_SUCCESS);
    const fb_call *k = &f->fb.calls[fb_last(&f->fb, FB_DISK, FB_SET_INFO)];
    assert_int_equal(k->info_class, RSVD_FILE_END_OF_FILE_INFORMATION);
    assert_int_equal(k->len, 8);
    assert_int_equal(k->data_head[1], 0x10);
    fb_outcome o = fb_fail(RSVD_STATUS_DISK_FULL);
    fb_push(&f->fb, FB_STORE, FB_SET_INFO, &o);
    assert_int_equal(sinfo(f, store, FILE_INFO, RSVD_FILE_END_OF_FILE_INFORMATION)->r.status,
                     RSVD_STATUS_DISK_FULL);
    assert_int_equal(fb_count(&f->fb, FB_STORE, FB_SET_INFO), 1);
    fx_free(f);
    /* A disk without set_info: STATUS_NOT_SUPPORTED. */
    f = fx_new_disk_without_info(1);
    scsi = fx_open_scsi(f, "a.vhdx", true);
    assert_int_equal(sinfo(f, scsi, FILE_INFO, 4 /* FileBasicInformation */)->r.status,
                     RSVD_STATUS_NOT_SUPPORTED);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_SET_INFO), 0);
    fx_free(f);
}

static void set_on_an_unknown_open_fails_invalid_parameter(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    assert_int_equal(sinfo(f, 3, FILE_INFO, RSVD_FILE_END_OF_FILE_INFORMATION)->r.status,
                     RSVD_STATUS_INVALID_PARAMETER);
    rsvd_server_set_info_req bad = {3, FILE_INFO, 4, NULL, 8};
    assert_int_equal(rsvd_server_set_info(f->srv, &bad, NULL), RSVD_E_INVAL);
    rsvd_server_query_info_req qbad = {3, FILE_INFO, 4, 8, NULL};
    assert_int_equal(rsvd_server_query_info(f->srv, &qbad, NULL), RSVD_E_INVAL);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(query_with_output_smaller_than_the_class_fails_buffer_too_small),
        cmocka_unit_test(query_on_an_object_store_open_asks_the_store),
        cmocka_unit_test(query_buffer_overflow_returns_the_partial_information),
        cmocka_unit_test(query_on_a_virtual_scsi_open_asks_the_disk),
        cmocka_unit_test(query_completing_later_replies_then),
        cmocka_unit_test(query_on_an_unknown_open_fails_invalid_parameter),
        cmocka_unit_test(query_of_another_info_type_fails_not_supported),
        cmocka_unit_test(set_rename_fails_not_supported),
        cmocka_unit_test(set_link_fails_invalid_parameter),
        cmocka_unit_test(set_of_other_classes_is_applied_and_its_status_returned),
        cmocka_unit_test(set_on_an_unknown_open_fails_invalid_parameter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
