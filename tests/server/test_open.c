/*
 * [MS-RSVD] 3.2.5.1 Receiving an Open Request (and the 3.2.5 preamble for
 * CREATE), over the fake backend.
 */
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/status.h>
#include <rsvd/wire_rsvd.h>

#include "server/server_internal.h"
#include "server_fixture.h"

#define NIB RSVD_FILE_NO_INTERMEDIATE_BUFFERING

static fx_reply *create_raw(fx *f, const char *utf8_name_with_suffix, const uint8_t *ctx,
                            size_t ctx_len)
{
    uint8_t wname[512];
    rsvd_server_create_req req;
    memset(&req, 0, sizeof req);
    req.file_name = wname;
    req.file_name_len = fx_utf16(utf8_name_with_suffix, wname, sizeof wname);
    req.create_options = NIB;
    req.context = ctx;
    req.context_len = ctx_len;
    req.response_context = f->ctx_room;
    req.response_context_cap = sizeof f->ctx_room;
    size_t before = f->nreplies;
    assert_int_equal(rsvd_server_create(f->srv, &req, (void *)(uintptr_t)1), RSVD_OK);
    assert_int_equal(f->nreplies, before + 1);
    return fx_last(f);
}

/* ---- 3.2.5 preamble ------------------------------------------------------------------ */

static void create_fails_invalid_device_request_when_svhdx_not_supported(void **state)
{
    (void)state;
    rsvd_server_config cfg = RSVD_STRUCT_INIT(rsvd_server_config);
    cfg.svhdx_supported = false;
    cfg.service_version = 1;
    fx *f = fx_new_cfg(&cfg, true, true);
    uint8_t ctx[192];
    size_t n = fx_ctx(ctx, 1, RSVD_SVHDX_ORIGINATOR_PVHDPARSER, true);
    fx_reply *r = fx_create(f, "disk.vhdx", ctx, n, NIB);
    assert_int_equal(r->r.status, RSVD_STATUS_INVALID_DEVICE_REQUEST);
    assert_int_equal(r->r.create_context_len, 0);
    assert_int_equal(f->fb.ncalls, 0);
    fx_free(f);
}

/* ---- reconnect: "Open.LocalOpen is not NULL" -------------------------------------------- */

static void reconnect_with_known_local_open_succeeds_without_a_backend_call(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "disk.vhdx", true);
    size_t calls = f->fb.ncalls;
    rsvd_server_create_req req;
    memset(&req, 0, sizeof req);
    req.local_open = lo; /* no context: a persistent-handle reconnect */
    assert_int_equal(rsvd_server_create(f->srv, &req, (void *)(uintptr_t)7), RSVD_OK);
    fx_reply *r = fx_last(f);
    assert_int_equal((uintptr_t)r->r.cookie, 7);
    assert_int_equal(r->r.status, RSVD_STATUS_SUCCESS);
    assert_true(r->r.local_open == lo);
    assert_null(r->r.create_context);
    assert_int_equal(f->fb.ncalls, calls);
    assert_int_equal(rsvd_server_open_count(f->srv), 1);
    fx_free(f);
}

static void reconnect_with_unknown_local_open_fails_invalid_handle(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    rsvd_server_create_req req;
    memset(&req, 0, sizeof req);
    req.local_open = 0x100000001ull;
    assert_int_equal(rsvd_server_create(f->srv, &req, NULL), RSVD_OK);
    assert_int_equal(fx_last(f)->r.status, RSVD_STATUS_INVALID_HANDLE);
    assert_int_equal(f->fb.ncalls, 0);
    fx_free(f);
}

static void reconnect_with_closed_local_open_fails_invalid_handle(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "disk.vhdx", true);
    assert_int_equal(rsvd_server_close(f->srv, lo, NULL), RSVD_OK);
    assert_int_equal(fx_last(f)->r.status, RSVD_STATUS_SUCCESS);
    rsvd_server_create_req req;
    memset(&req, 0, sizeof req);
    req.local_open = lo;
    assert_int_equal(rsvd_server_create(f->srv, &req, NULL), RSVD_OK);
    assert_int_equal(fx_last(f)->r.status, RSVD_STATUS_INVALID_HANDLE);
    fx_free(f);
}

/* ---- context sizes and versions ------------------------------------------------------------ */

static void context_shorter_than_v1_fails_buffer_too_small(void **state)
{
    (void)state;
    for (uint32_t version = 1; version <= 2; version++) {
        fx *f = fx_new(version);
        uint8_t ctx[192];
        size_t n = fx_ctx(ctx, 1, RSVD_SVHDX_ORIGINATOR_PVHDPARSER, true);
        assert_int_equal(fx_create(f, "d.vhdx", ctx, n - 1, NIB)->r.status,
                         RSVD_STATUS_BUFFER_TOO_SMALL);
        assert_int_equal(fx_create(f, "d.vhdx", NULL, 0, NIB)->r.status,
                         RSVD_STATUS_BUFFER_TOO_SMALL);
        assert_int_equal(f->fb.ncalls, 0);
        assert_int_equal(rsvd_server_open_count(f->srv), 0);
        fx_free(f);
    }
}

static void v2_context_shorter_than_v2_on_v2_server_fails_buffer_too_small(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint8_t ctx[192];
    size_t n = fx_ctx(ctx, 2, RSVD_SVHDX_ORIGINATOR_PVHDPARSER, true);
    assert_int_equal(n, 192);
    assert_int_equal(fx_create(f, "d.vhdx", ctx, 191, NIB)->r.status,
                     RSVD_STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(fx_create(f, "d.vhdx", ctx, 168, NIB)->r.status,
                     RSVD_STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(f->fb.ncalls, 0);
    fx_free(f);
}

static void v1_server_fails_context_version_2_invalid_parameter(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint8_t ctx[192];
    size_t n = fx_ctx(ctx, 2, RSVD_SVHDX_ORIGINATOR_PVHDPARSER, true);
    /* A whole V2 context, and one cut to 168 bytes: the size rule for V2
     * applies only on a version-2 server, so the version rule answers. */
    assert_int_equal(fx_create(f, "d.vhdx", ctx, n, NIB)->r.status,
                     RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(fx_create(f, "d.vhdx", ctx, 168, NIB)->r.status,
                     RSVD_STATUS_INVALID_PARAMETER);
    ctx[0] = 0; /* Version 0 */
    assert_int_equal(fx_create(f, "d.vhdx", ctx, 168, NIB)->r.status,
                     RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(f->fb.ncalls, 0);
    fx_free(f);
}

static void v2_server_fails_context_version_other_than_1_or_2_invalid_parameter(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint8_t ctx[192];
    size_t n = fx_ctx(ctx, 2, RSVD_SVHDX_ORIGINATOR_PVHDPARSER, true);
    const uint32_t bad[] = {0, 3, 0x100, 0xFFFFFFFFu};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ctx[0] = (uint8_t)bad[i];
        ctx[1] = (uint8_t)(bad[i] >> 8);
        ctx[2] = (uint8_t)(bad[i] >> 16);
        ctx[3] = (uint8_t)(bad[i] >> 24);
        assert_int_equal(fx_create(f, "d.vhdx", ctx, n, NIB)->r.status,
                         RSVD_STATUS_INVALID_PARAMETER);
    }
    assert_int_equal(f->fb.ncalls, 0);
    fx_free(f);
}

static void has_initiator_id_other_than_0_or_1_fails_invalid_parameter(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint8_t ctx[192];
    size_t n = fx_ctx(ctx, 1, RSVD_SVHDX_ORIGINATOR_PVHDPARSER, true);
    ctx[4] = 0x02; /* HasInitiatorId */
    assert_int_equal(fx_create(f, "d.vhdx", ctx, n, NIB)->r.status,
                     RSVD_STATUS_INVALID_PARAMETER);
    ctx[4] = 0xFF;
    assert_int_equal(fx_create(f, "d.vhdx", ctx, n, NIB)->r.status,
                     RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(f->fb.ncalls, 0);
    fx_free(f);
}

/* [MS-RSVD] 2.2.4.12: InitiatorHostNameLength "MUST NOT exceed
 * RSVD_MAXIMUM_NAME_LENGTH", and the name is UTF-16 (docs/decisions.md). */
static void host_name_length_above_126_or_odd_fails_invalid_parameter(void **state)
{
    (void)state;
    static const uint16_t bad[] = {127, 128, 140, 0xFFFF, 1, 15, 125};
    static const uint32_t originator[] = {RSVD_SVHDX_ORIGINATOR_PVHDPARSER,
                                          RSVD_SVHDX_ORIGINATOR_VHDMP};
    for (uint32_t server = 1; server <= 2; server++) {
        fx *f = fx_new(server);
        for (uint32_t version = 1; version <= server; version++) {
            for (size_t o = 0; o < 2; o++) {
                for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                    uint8_t ctx[192];
                    size_t n = fx_ctx(ctx, version, originator[o], true);
                    ctx[40] = (uint8_t)bad[i];
                    ctx[41] = (uint8_t)(bad[i] >> 8);
                    fx_reply *r = fx_create(f, "d.vhdx", ctx, n, NIB);
                    assert_int_equal(r->r.status, RSVD_STATUS_INVALID_PARAMETER);
                    assert_int_equal(r->r.create_context_len, 0);
                    assert_int_equal(r->r.local_open, 0);
                }
            }
        }
        /* Refused before the backend is asked: nothing was opened. */
        assert_int_equal(f->fb.ncalls, 0);
        assert_int_equal(rsvd_server_open_count(f->srv), 0);
        fx_free(f);
    }
}

/* The longest name the rule allows is opened, passed on and echoed. */
static void host_name_of_126_bytes_is_opened_and_echoed(void **state)
{
    (void)state;
    for (uint32_t server = 1; server <= 2; server++) {
        for (uint32_t version = 1; version <= server; version++) {
            fx *f = fx_new(server);
            uint8_t ctx[192];
            size_t n = fx_ctx(ctx, version, RSVD_SVHDX_ORIGINATOR_PVHDPARSER, true);
            ctx[40] = 126;
            ctx[41] = 0;
            for (size_t k = 0; k < 126; k++)
                ctx[42 + k] = (uint8_t)(k % 2 ? 0 : 'a' + k % 26);
            fx_reply *r = fx_create(f, "d.vhdx", ctx, n, NIB);
            assert_int_equal(r->r.status, RSVD_STATUS_SUCCESS);
            assert_int_equal(f->fb.calls[fb_last(&f->fb, FB_DISK, FB_OPEN)].host_name_len, 126);
            assert_int_equal(r->r.create_context_len, n);
            /* InitiatorHostNameLength and InitiatorHostName copied. */
            assert_memory_equal(r->ctx + 40, ctx + 40, 2 + 126);
            fx_free(f);
        }
    }
}

/* ---- STATUS_VHD_SHARED ----------------------------------------------------------------- */

static void vhdmp_open_of_a_name_already_open_fails_vhd_shared(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint8_t ctx[192];
    size_t n = fx_ctx(ctx, 1, RSVD_SVHDX_ORIGINATOR_VHDMP, true);
    fx_open_store(f, "a.vhdx");
    assert_int_equal(fx_create(f, "a.vhdx", ctx, n, NIB)->r.status, RSVD_STATUS_VHD_SHARED);
    /* An Open of the name as a virtual SCSI disk counts too. */
    fx_open_scsi(f, "b.vhdx", true);
    assert_int_equal(fx_create(f, "b.vhdx", ctx, n, NIB)->r.status, RSVD_STATUS_VHD_SHARED);
    /* Only the two successful opens reached the backend. */
    assert_int_equal(fb_count(&f->fb, FB_STORE, FB_OPEN), 1);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_OPEN), 1);
    fx_free(f);
}

static void vhdmp_open_of_a_name_not_open_succeeds(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    fx_open_store(f, "a.vhdx");
    fx_open_store(f, "a.vhdx.bak");
    fx_open_store(f, "dir\\a.vhdx");
    assert_int_equal(rsvd_server_open_count(f->srv), 3);
    fx_free(f);
}

static void vhd_shared_name_match_ignores_ascii_case_and_the_suffix(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    fx_open_scsi(f, "Disk.VHDX", true);
    uint8_t ctx[192];
    size_t n = fx_ctx(ctx, 1, RSVD_SVHDX_ORIGINATOR_VHDMP, true);
    assert_int_equal(create_raw(f, "disk.vhdx:SharedVirtualDisk", ctx, n)->r.status,
                     RSVD_STATUS_VHD_SHARED);
    assert_int_equal(create_raw(f, "DISK.vhdx", ctx, n)->r.status, RSVD_STATUS_VHD_SHARED);
    assert_int_equal(create_raw(f, "disk.vhdx:sharedvirtualdisk", ctx, n)->r.status,
                     RSVD_STATUS_VHD_SHARED);
    fx_free(f);
}

static void vhd_shared_name_match_is_exact_when_configured(void **state)
{
    (void)state;
    rsvd_server_config cfg = RSVD_STRUCT_INIT(rsvd_server_config);
    cfg.svhdx_supported = true;
    cfg.service_version = 1;
    cfg.case_sensitive_names = true;
    fx *f = fx_new_cfg(&cfg, true, true);
    fx_open_scsi(f, "Disk.vhdx", true);
    uint8_t ctx[192];
    size_t n = fx_ctx(ctx, 1, RSVD_SVHDX_ORIGINATOR_VHDMP, true);
    assert_int_equal(create_raw(f, "disk.vhdx", ctx, n)->r.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(create_raw(f, "Disk.vhdx", ctx, n)->r.status, RSVD_STATUS_VHD_SHARED);
    fx_free(f);
}

static void vhdmp_open_while_another_create_of_the_name_is_pending_fails_vhd_shared(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    fb_outcome pend = fb_pend(fb_ok());
    fb_push(&f->fb, FB_DISK, FB_OPEN, &pend);
    uint8_t ctx[192];
    size_t n = fx_ctx(ctx, 1, RSVD_SVHDX_ORIGINATOR_PVHDPARSER, true);
    uint8_t wname[64];
    uint8_t room[192];
    rsvd_server_create_req req;
    memset(&req, 0, sizeof req);
    req.file_name = wname;
    req.file_name_len = fx_utf16("d.vhdx:SharedVirtualDisk", wname, sizeof wname);
    req.create_options = NIB;
    req.context = ctx;
    req.context_len = n;
    req.response_context = room;
    req.response_context_cap = sizeof room;
    assert_int_equal(rsvd_server_create(f->srv, &req, (void *)(uintptr_t)11), RSVD_OK);
    assert_int_equal(f->nreplies, 0);
    uint8_t ctx2[192];
    size_t n2 = fx_ctx(ctx2, 1, RSVD_SVHDX_ORIGINATOR_VHDMP, true);
    assert_int_equal(fx_create(f, "d.vhdx", ctx2, n2, NIB)->r.status, RSVD_STATUS_VHD_SHARED);
    assert_int_equal(fb_complete(&f->fb, fb_last(&f->fb, FB_DISK, FB_OPEN)), RSVD_OK);
    assert_int_equal(fx_reply_for(f, 11)->r.status, RSVD_STATUS_SUCCESS);
    fx_free(f);
}

/* ---- IsVirtualSCSIDisk, the backend open ------------------------------------------------ */

static void originator_vhdmp_opens_the_object_store_with_the_name_without_suffix(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    fx_open_store(f, "vm\\disk.vhdx");
    assert_int_equal(fb_count(&f->fb, FB_STORE, FB_OPEN), 1);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_OPEN), 0);
    const fb_call *k = &f->fb.calls[fb_last(&f->fb, FB_STORE, FB_OPEN)];
    assert_string_equal(k->file_name, "vm\\disk.vhdx");
    assert_int_equal(k->create_options, NIB);
    fx_free(f);
}

static void originator_pvhdparser_opens_the_virtual_scsi_disk_for_the_initiator(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint64_t lo = fx_open_scsi(f, "disk.vhdx", true);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_OPEN), 1);
    assert_int_equal(fb_count(&f->fb, FB_STORE, FB_OPEN), 0);
    const fb_call *k = &f->fb.calls[fb_last(&f->fb, FB_DISK, FB_OPEN)];
    assert_string_equal(k->file_name, "disk.vhdx");
    assert_true(k->has_initiator);
    assert_memory_equal(k->initiator_id.b, fx_initiator.b, 16);
    assert_int_equal(k->host_name_len, 16);
    /* IsVirtualSCSIDisk: I/O goes to the disk. */
    uint8_t buf[16];
    fx_read(f, lo, 0, buf, sizeof buf, 1);
    assert_int_equal(fx_last(f)->r.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_READ), 1);
    fx_free(f);
}

static void originator_flags_other_than_vhdmp_open_a_virtual_scsi_disk(void **state)
{
    (void)state;
    /* "IsVirtualSCSIDisk SHOULD be TRUE when OriginatorFlags is not
     * SVHDX_ORIGINATOR_VHDMP" (<10>: 0x00000008 included). */
    const uint32_t flags[] = {0x00000008u, 0x00000000u, 0x00000005u};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        fx *f = fx_new(1);
        uint8_t ctx[192];
        size_t n = fx_ctx(ctx, 1, flags[i], true);
        fx_reply *r = fx_create(f, "d.vhdx", ctx, n, NIB);
        assert_int_equal(r->r.status, RSVD_STATUS_SUCCESS);
        assert_int_equal(fb_count(&f->fb, FB_DISK, FB_OPEN), 1);
        uint8_t buf[8];
        fx_read(f, r->r.local_open, 0, buf, sizeof buf, 1);
        assert_int_equal(fb_count(&f->fb, FB_DISK, FB_READ), 1);
        fx_free(f);
    }
}

static void backend_open_failure_returns_its_status_and_leaves_no_open(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    fb_outcome o = fb_fail(RSVD_STATUS_FILE_CORRUPT_ERROR); /* <9> */
    fb_push(&f->fb, FB_DISK, FB_OPEN, &o);
    uint8_t ctx[192];
    size_t n = fx_ctx(ctx, 1, RSVD_SVHDX_ORIGINATOR_PVHDPARSER, true);
    fx_reply *r = fx_create(f, "d.vhdx", ctx, n, NIB);
    assert_int_equal(r->r.status, RSVD_STATUS_FILE_CORRUPT_ERROR);
    assert_int_equal(r->r.local_open, 0);
    assert_int_equal(r->r.create_context_len, 0);
    assert_int_equal(rsvd_server_open_count(f->srv), 0);
    /* The name is free again: a VHDMP open of it is not STATUS_VHD_SHARED. */
    o = fb_fail(RSVD_STATUS_ACCESS_DENIED);
    fb_push(&f->fb, FB_STORE, FB_OPEN, &o);
    n = fx_ctx(ctx, 1, RSVD_SVHDX_ORIGINATOR_VHDMP, true);
    assert_int_equal(fx_create(f, "d.vhdx", ctx, n, NIB)->r.status, RSVD_STATUS_ACCESS_DENIED);
    fx_free(f);
}

static void backend_open_completing_later_replies_then(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    fb_outcome pend = fb_pend(fb_ok());
    fb_push(&f->fb, FB_STORE, FB_OPEN, &pend);
    uint8_t ctx[192];
    size_t n = fx_ctx(ctx, 1, RSVD_SVHDX_ORIGINATOR_VHDMP, true);
    uint8_t wname[64], room[192];
    rsvd_server_create_req req = {0, wname, fx_utf16("x.vhdx", wname, sizeof wname), NIB,
                                  ctx, n, room, sizeof room};
    assert_int_equal(rsvd_server_create(f->srv, &req, (void *)(uintptr_t)5), RSVD_OK);
    assert_int_equal(f->nreplies, 0);
    assert_int_equal(rsvd_server_open_count(f->srv), 1);
    assert_int_equal(fb_complete(&f->fb, fb_last(&f->fb, FB_STORE, FB_OPEN)), RSVD_OK);
    assert_int_equal(f->nreplies, 1);
    assert_int_equal(fx_last(f)->r.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(fx_last(f)->r.create_context_len, 168);
    fx_free(f);
}

static void has_initiator_id_0_gives_a_zero_initiator_id(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint8_t ctx[192];
    size_t n = fx_ctx(ctx, 1, RSVD_SVHDX_ORIGINATOR_PVHDPARSER, true);
    ctx[4] = 0; /* HasInitiatorId 0; the InitiatorId field still holds a GUID */
    fx_reply *r = fx_create(f, "d.vhdx", ctx, n, NIB);
    assert_int_equal(r->r.status, RSVD_STATUS_SUCCESS);
    const fb_call *k = &f->fb.calls[fb_last(&f->fb, FB_DISK, FB_OPEN)];
    assert_false(k->has_initiator);
    static const rsvd_guid zero;
    assert_memory_equal(k->initiator_id.b, zero.b, 16);
    /* Open.InitiatorId is zero: a read stores the initiator-less error. */
    uint8_t buf[8];
    fx_read(f, r->r.local_open, 0, buf, sizeof buf, 1);
    assert_int_equal(fx_last(f)->r.status, RSVD_STATUS_SVHDX_ERROR_STORED | 1u);
    fx_free(f);
}

static void missing_backend_fails_not_supported(void **state)
{
    (void)state;
    rsvd_server_config cfg = RSVD_STRUCT_INIT(rsvd_server_config);
    cfg.svhdx_supported = true;
    cfg.service_version = 1;
    fx *f = fx_new_cfg(&cfg, false, true); /* no object store */
    uint8_t ctx[192];
    size_t n = fx_ctx(ctx, 1, RSVD_SVHDX_ORIGINATOR_VHDMP, true);
    assert_int_equal(fx_create(f, "d.vhdx", ctx, n, NIB)->r.status, RSVD_STATUS_NOT_SUPPORTED);
    fx_free(f);
    f = fx_new_cfg(&cfg, true, false); /* no virtual SCSI disk */
    n = fx_ctx(ctx, 1, RSVD_SVHDX_ORIGINATOR_PVHDPARSER, true);
    assert_int_equal(fx_create(f, "d.vhdx", ctx, n, NIB)->r.status, RSVD_STATUS_NOT_SUPPORTED);
    assert_int_equal(rsvd_server_open_count(f->srv), 0);
    fx_free(f);
}

static void file_name_that_is_not_utf16_fails_object_name_invalid(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint8_t ctx[192];
    size_t n = fx_ctx(ctx, 1, RSVD_SVHDX_ORIGINATOR_PVHDPARSER, true);
    const uint8_t lone_surrogate[] = {'a', 0, 0x00, 0xD8, 'b', 0};
    const uint8_t odd[] = {'a', 0, 'b'};
    const uint8_t nul[] = {'a', 0, 0, 0};
    const uint8_t high_at_end[] = {'a', 0, 0x3D, 0xD8};
    const uint8_t lone_low[] = {'a', 0, 0x00, 0xDE, 'b', 0};
    const uint8_t high_then_high[] = {0x3D, 0xD8, 0x3D, 0xD8};
    const struct {
        const uint8_t *p;
        size_t n;
    } names[] = {{lone_surrogate, sizeof lone_surrogate}, {odd, sizeof odd},
                 {nul, sizeof nul},
                 {high_at_end, sizeof high_at_end},
                 {lone_low, sizeof lone_low},
                 {high_then_high, sizeof high_then_high}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        rsvd_server_create_req req = {0, names[i].p, names[i].n, NIB, ctx, n, f->ctx_room, 192};
        assert_int_equal(rsvd_server_create(f->srv, &req, NULL), RSVD_OK);
        assert_int_equal(fx_last(f)->r.status, RSVD_STATUS_OBJECT_NAME_INVALID);
    }
    assert_int_equal(f->fb.ncalls, 0);
    fx_free(f);
}

static void file_name_with_a_surrogate_pair_reaches_the_backend_as_utf8(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint8_t ctx[192];
    size_t n = fx_ctx(ctx, 1, RSVD_SVHDX_ORIGINATOR_VHDMP, true);
    /* "é😀.vhdx": U+00E9, U+1F600 (D83D DE00) */
    const uint8_t name[] = {0xE9, 0x00, 0x3D, 0xD8, 0x00, 0xDE, '.', 0, 'v', 0};
    rsvd_server_create_req req = {0, name, sizeof name, NIB, ctx, n, f->ctx_room, 192};
    assert_int_equal(rsvd_server_create(f->srv, &req, NULL), RSVD_OK);
    assert_int_equal(fx_last(f)->r.status, RSVD_STATUS_SUCCESS);
    assert_string_equal(f->fb.calls[fb_last(&f->fb, FB_STORE, FB_OPEN)].file_name,
                        "\xC3\xA9\xF0\x9F\x98\x80.v");
    fx_free(f);
}

/* UTF-16LE -> UTF-8 for code points of each UTF-8 length (1 to 4 bytes),
 * into a buffer that is exactly big enough or one byte short. */
static void file_name_converts_code_points_of_every_utf8_length(void **state)
{
    (void)state;
    /* "a\u00E9\u20AC\U0001D11E": a, e-acute, euro sign, G clef (D834 DD1E) */
    const uint8_t name[] = {'a', 0, 0xE9, 0x00, 0xAC, 0x20, 0x34, 0xD8, 0x1E, 0xDD};
    const char want[] = "a\xC3\xA9\xE2\x82\xAC\xF0\x9D\x84\x9E";
    size_t n = 0;
    assert_int_equal(rsvd_name_from_utf16(name, sizeof name, NULL, 0, &n), RSVD_OK);
    assert_int_equal(n, sizeof want - 1);
    char out[16];
    memset(out, 0, sizeof out);
    assert_int_equal(rsvd_name_from_utf16(name, sizeof name, out, sizeof want - 1, &n), RSVD_OK);
    assert_memory_equal(out, want, sizeof want - 1);
    assert_int_equal(rsvd_name_from_utf16(name, sizeof name, out, sizeof want - 2, &n),
                     RSVD_E_NOSPC);
    assert_int_equal(rsvd_name_from_utf16(NULL, 2, out, sizeof out, &n), RSVD_E_WIRE_NAME);
    assert_int_equal(rsvd_name_from_utf16(NULL, 0, out, sizeof out, &n), RSVD_OK);
    assert_int_equal(n, 0);
}

/* ---- the response context ------------------------------------------------------------------ */

static void v1_response_echoes_every_field_of_the_request(void **state)
{
    (void)state;
    for (uint32_t version = 1; version <= 2; version++) {
        fx *f = fx_new(version);
        uint8_t ctx[192];
        size_t n = tu_golden_get("rsvd_open_device_context_v1_ex41", ctx, sizeof ctx);
        assert_int_equal(n, 168);
        fx_reply *r = fx_create(f, "d.vhdx", ctx, n, NIB);
        assert_int_equal(r->r.status, RSVD_STATUS_SUCCESS);
        /* SVHDX_OPEN_DEVICE_CONTEXT_RESPONSE: every field copied (2.2.4.31
         * has the request's layout). */
        tu_assert_bytes(r->r.create_context, r->r.create_context_len, ctx, n);
        fx_free(f);
    }
}

static void v2_response_carries_the_disk_sizes(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    fb_outcome info = fb_ok();
    info.info.sector_size = 512;
    info.info.physical_sector_size = 4096;
    info.info.virtual_size = 0x4000000000000000ull;
    fb_push(&f->fb, FB_DISK, FB_GET_INFO, &info);
    uint8_t ctx[192], want[192];
    size_t n = tu_golden_get("rsvd_open_device_context_v2_ex43", ctx, sizeof ctx);
    size_t wn = tu_golden_get("rsvd_open_device_context_v2_response_ex43", want, sizeof want);
    fx_reply *r = fx_create(f, "d.vhdx", ctx, n, NIB);
    assert_int_equal(r->r.status, RSVD_STATUS_SUCCESS);
    tu_assert_bytes(r->r.create_context, r->r.create_context_len, want, wn);
    fx_free(f);
}

static void v2_response_without_disk_sizes_has_properties_not_initialized(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    fb_outcome o = fb_fail(RSVD_STATUS_NOT_SUPPORTED);
    fb_push(&f->fb, FB_DISK, FB_GET_INFO, &o);
    uint8_t ctx[192];
    size_t n = tu_golden_get("rsvd_open_device_context_v2_ex43", ctx, sizeof ctx);
    fx_reply *r = fx_create(f, "d.vhdx", ctx, n, NIB);
    assert_int_equal(r->r.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(r->r.create_context_len, 192);
    rsvd_svhdx_open_device_context resp;
    assert_int_equal(rsvd_svhdx_open_device_context_v2_decode(r->ctx, 192, &resp), RSVD_OK);
    assert_int_equal(resp.virtual_disk_properties_initialized, 0);
    assert_int_equal(resp.server_service_version, 2);
    assert_int_equal(resp.virtual_sector_size, 0);
    assert_int_equal(resp.physical_sector_size, 0);
    assert_int_equal(resp.virtual_size, 0);
    /* The first 168 bytes are the request's. */
    assert_memory_equal(r->ctx, ctx, 168);

    /* An object-store open has no disk to ask. */
    n = fx_ctx(ctx, 2, RSVD_SVHDX_ORIGINATOR_VHDMP, true);
    r = fx_create(f, "e.vhdx", ctx, n, NIB);
    assert_int_equal(r->r.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(rsvd_svhdx_open_device_context_v2_decode(r->ctx, 192, &resp), RSVD_OK);
    assert_int_equal(resp.virtual_disk_properties_initialized, 0);
    assert_int_equal(resp.server_service_version, 2);
    fx_free(f);
}

static void v2_server_answers_a_v1_context_with_the_v1_response(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint8_t ctx[192];
    size_t n = fx_ctx(ctx, 1, RSVD_SVHDX_ORIGINATOR_PVHDPARSER, true);
    fx_reply *r = fx_create(f, "d.vhdx", ctx, n, NIB);
    assert_int_equal(r->r.status, RSVD_STATUS_SUCCESS);
    tu_assert_bytes(r->r.create_context, r->r.create_context_len, ctx, n);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_GET_INFO), 0);
    fx_free(f);
}

static void v2_open_whose_get_info_completes_later_replies_then(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    fb_outcome pend = fb_pend(fb_ok());
    pend.info.sector_size = 4096;
    pend.info.physical_sector_size = 4096;
    pend.info.virtual_size = 1u << 20;
    fb_push(&f->fb, FB_DISK, FB_GET_INFO, &pend);
    uint8_t ctx[192], room[192], wname[64];
    size_t n = fx_ctx(ctx, 2, RSVD_SVHDX_ORIGINATOR_PVHDPARSER, true);
    rsvd_server_create_req req = {0, wname, fx_utf16("d.vhdx", wname, sizeof wname), NIB,
                                  ctx, n, room, sizeof room};
    assert_int_equal(rsvd_server_create(f->srv, &req, (void *)(uintptr_t)3), RSVD_OK);
    assert_int_equal(f->nreplies, 0);
    assert_int_equal(fb_complete(&f->fb, fb_last(&f->fb, FB_DISK, FB_GET_INFO)), RSVD_OK);
    fx_reply *r = fx_reply_for(f, 3);
    assert_int_equal(r->r.status, RSVD_STATUS_SUCCESS);
    rsvd_svhdx_open_device_context resp;
    assert_int_equal(rsvd_svhdx_open_device_context_v2_decode(r->ctx, 192, &resp), RSVD_OK);
    assert_int_equal(resp.virtual_disk_properties_initialized, 1);
    assert_int_equal(resp.virtual_sector_size, 4096);
    assert_int_equal(resp.virtual_size, 1u << 20);
    fx_free(f);
}

/* ---- limits and API misuse -------------------------------------------------------------- */

static void create_beyond_max_opens_fails_insufficient_resources(void **state)
{
    (void)state;
    rsvd_server_config cfg = RSVD_STRUCT_INIT(rsvd_server_config);
    cfg.svhdx_supported = true;
    cfg.service_version = 1;
    cfg.max_opens = 2;
    fx *f = fx_new_cfg(&cfg, true, true);
    fx_open_scsi(f, "a", true);
    fx_open_scsi(f, "b", true);
    uint8_t ctx[192];
    size_t n = fx_ctx(ctx, 1, RSVD_SVHDX_ORIGINATOR_PVHDPARSER, true);
    assert_int_equal(fx_create(f, "c", ctx, n, NIB)->r.status,
                     RSVD_STATUS_INSUFFICIENT_RESOURCES);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_OPEN), 2);
    fx_free(f);
}

static void create_without_room_for_the_response_context_is_refused(void **state)
{
    (void)state;
    fx *f = fx_new(1);
    uint8_t ctx[192], room[191], wname[16];
    size_t n = fx_ctx(ctx, 1, RSVD_SVHDX_ORIGINATOR_PVHDPARSER, true);
    rsvd_server_create_req req = {0, wname, fx_utf16("d", wname, sizeof wname), NIB,
                                  ctx, n, room, sizeof room};
    assert_int_equal(rsvd_server_create(f->srv, &req, NULL), RSVD_E_INVAL);
    req.response_context = NULL;
    req.response_context_cap = 192;
    assert_int_equal(rsvd_server_create(f->srv, &req, NULL), RSVD_E_INVAL);
    assert_int_equal(rsvd_server_create(f->srv, NULL, NULL), RSVD_E_INVAL);
    assert_int_equal(rsvd_server_create(NULL, &req, NULL), RSVD_E_INVAL);
    assert_int_equal(f->nreplies, 0);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(create_fails_invalid_device_request_when_svhdx_not_supported),
        cmocka_unit_test(reconnect_with_known_local_open_succeeds_without_a_backend_call),
        cmocka_unit_test(reconnect_with_unknown_local_open_fails_invalid_handle),
        cmocka_unit_test(reconnect_with_closed_local_open_fails_invalid_handle),
        cmocka_unit_test(context_shorter_than_v1_fails_buffer_too_small),
        cmocka_unit_test(v2_context_shorter_than_v2_on_v2_server_fails_buffer_too_small),
        cmocka_unit_test(v1_server_fails_context_version_2_invalid_parameter),
        cmocka_unit_test(v2_server_fails_context_version_other_than_1_or_2_invalid_parameter),
        cmocka_unit_test(has_initiator_id_other_than_0_or_1_fails_invalid_parameter),
        cmocka_unit_test(host_name_length_above_126_or_odd_fails_invalid_parameter),
        cmocka_unit_test(host_name_of_126_bytes_is_opened_and_echoed),
        cmocka_unit_test(vhdmp_open_of_a_name_already_open_fails_vhd_shared),
        cmocka_unit_test(vhdmp_open_of_a_name_not_open_succeeds),
        cmocka_unit_test(vhd_shared_name_match_ignores_ascii_case_and_the_suffix),
        cmocka_unit_test(vhd_shared_name_match_is_exact_when_configured),
        cmocka_unit_test(vhdmp_open_while_another_create_of_the_name_is_pending_fails_vhd_shared),
        cmocka_unit_test(originator_vhdmp_opens_the_object_store_with_the_name_without_suffix),
        cmocka_unit_test(originator_pvhdparser_opens_the_virtual_scsi_disk_for_the_initiator),
        cmocka_unit_test(originator_flags_other_than_vhdmp_open_a_virtual_scsi_disk),
        cmocka_unit_test(backend_open_failure_returns_its_status_and_leaves_no_open),
        cmocka_unit_test(backend_open_completing_later_replies_then),
        cmocka_unit_test(has_initiator_id_0_gives_a_zero_initiator_id),
        cmocka_unit_test(missing_backend_fails_not_supported),
        cmocka_unit_test(file_name_that_is_not_utf16_fails_object_name_invalid),
        cmocka_unit_test(file_name_with_a_surrogate_pair_reaches_the_backend_as_utf8),
        cmocka_unit_test(v1_response_echoes_every_field_of_the_request),
        cmocka_unit_test(v2_response_carries_the_disk_sizes),
        cmocka_unit_test(v2_response_without_disk_sizes_has_properties_not_initialized),
        cmocka_unit_test(v2_server_answers_a_v1_context_with_the_v1_response),
        cmocka_unit_test(v2_open_whose_get_info_completes_later_replies_then),
        cmocka_unit_test(create_beyond_max_opens_fails_insufficient_resources),
        cmocka_unit_test(create_without_room_for_the_response_context_is_refused),
        cmocka_unit_test(file_name_converts_code_points_of_every_utf8_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
