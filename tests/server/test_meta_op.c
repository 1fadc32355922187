/*
 * [MS-RSVD] 3.2.5.5.7 Receiving a Start Meta-Operation Request (its
 * prologue, optimize 3.2.5.5.7.2, extract 3.2.5.5.7.3, convert 3.2.5.5.7.4,
 * resize 3.2.5.5.7.5, apply 3.2.5.5.7.6), the interim response of
 * FSCTL_SVHDX_ASYNC_TUNNEL_REQUEST ([MS-SMB2] 3.3.4.2), and 3.2.5.5.8
 * Receiving a Query Meta-Operation Progress Request.
 */
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/status.h>
#include <rsvd/wire_rsvd.h>

#include "server_fixture.h"

#define VM RSVD_SVHDX_SNAPSHOT_TYPE_VM
#define CDP RSVD_SVHDX_SNAPSHOT_TYPE_CDP
#define WRITEABLE RSVD_SVHDX_SNAPSHOT_TYPE_WRITEABLE
#define START RSVD_TUNNEL_META_OPERATION_START

static size_t disk_calls(const fx *f)
{
    size_t n = 0;
    for (fb_op op = FB_CREATE_SNAPSHOT; op <= FB_OPEN_SNAPSHOT; op++)
        n += fb_count(&f->fb, FB_DISK, op);
    return n;
}

static void assert_fails(fx *f, const fx_reply *r, uint32_t status, size_t calls_before)
{
    assert_int_equal(r->r.status, status);
    assert_int_equal(r->r.output_len, 0);
    assert_int_equal(disk_calls(f), calls_before);
}

static void assert_header(const fx_reply *r, uint32_t status)
{
    assert_int_equal(r->r.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(r->r.output_len, 16);
    rsvd_tunnel_hdr h = fx_hdr(r);
    assert_int_equal(h.operation_code, START);
    assert_int_equal(h.status, status);
    assert_int_equal(h.request_id, 0x3028E5B600000002ull);
}

/* A START of @p type with @p data. */
static fx_reply *start(fx *f, uint64_t lo, uint8_t txn, uint32_t type, const uint8_t *data,
                       size_t len)
{
    uint8_t body[4096];
    size_t n = fx_meta_start(body, txn, type, data, len);
    return fx_v2(f, lo, START, body, n, 64);
}

/* ---- 3.2.5.5.7 the prologue ---------------------------------------------------------------- */

static void unknown_operation_type_fails_invalid_parameter(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    const uint32_t types[] = {6, 7, 0x100, 0xFFFFFFFFu};
    uint8_t data[64] = {0};
    for (size_t i = 0; i < 4; i++)
        assert_fails(f, start(f, lo, 1, types[i], data, sizeof data),
                     RSVD_STATUS_INVALID_PARAMETER, 0);
    fx_free(f);
}

static void start_without_its_fixed_part_or_room_for_the_header_fails_buffer_too_small(
    void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    uint8_t body[64];
    size_t n = fx_meta_start(body, 1, RSVD_SVHDX_META_OPERATION_TYPE_OPTIMIZE, NULL, 0);
    assert_int_equal(n, 24);
    assert_fails(f, fx_v2(f, lo, START, body, 23, 64), RSVD_STATUS_BUFFER_TOO_SMALL, 0);
    assert_fails(f, fx_v2(f, lo, START, body, 24, 15), RSVD_STATUS_BUFFER_TOO_SMALL, 0);
    assert_header(fx_v2(f, lo, START, body, 24, 16), RSVD_STATUS_SUCCESS);
    fx_free(f);
}

/* ---- the interim response ([MS-SMB2] 3.3.4.2) ------------------------------------------------ */

static void async_start_signals_the_interim_before_the_disk_and_the_reply(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    fb_outcome pend = fb_pend(fb_ok());
    fb_push(&f->fb, FB_DISK, FB_OPTIMIZE, &pend);
    uint8_t body[64];
    size_t n = fx_meta_start(body, 1, RSVD_SVHDX_META_OPERATION_TYPE_OPTIMIZE, NULL, 0);
    fx_tunnel_ctl(f, lo, RSVD_FSCTL_SVHDX_ASYNC_TUNNEL_REQUEST, START, 1, body, n, 64, NULL,
                  0xA5);
    /* The disk works: the host has been told to send the interim response. */
    assert_int_equal(fx_interims_for(f, 0xA5), 1);
    assert_int_equal(fx_replies_for(f, 0xA5), 0);
    fb_complete(&f->fb, fb_nth_pending(&f->fb, 0));
    assert_int_equal(fx_replies_for(f, 0xA5), 1);
    assert_int_equal(fx_interims_for(f, 0xA5), 1);
    /* A disk that answers at once: the interim still comes first. */
    fx_tunnel_ctl(f, lo, RSVD_FSCTL_SVHDX_ASYNC_TUNNEL_REQUEST, START, 2, body, n, 64, NULL,
                  0xA6);
    assert_int_equal(fx_interims_for(f, 0xA6), 1);
    size_t at = 0;
    for (size_t i = 0; i < f->ninterim; i++)
        if (f->interim[i] == 0xA6)
            at = f->interim_at[i];
    assert_int_equal(fx_replies_for(f, 0xA6), 1);
    assert_true((uintptr_t)f->replies[at].r.cookie == 0xA6); /* the next reply is its own */
    fx_free(f);
}

static void only_async_requests_that_reach_the_disk_signal_an_interim(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    uint8_t body[64];
    size_t n = fx_meta_start(body, 1, RSVD_SVHDX_META_OPERATION_TYPE_OPTIMIZE, NULL, 0);
    /* The sync FSCTL: none. */
    fx_tunnel_ctl(f, lo, RSVD_FSCTL_SVHDX_SYNC_TUNNEL_REQUEST, START, 1, body, n, 64, NULL, 0xB1);
    assert_int_equal(fx_replies_for(f, 0xB1), 1);
    assert_int_equal(fx_interims_for(f, 0xB1), 0);
    /* Failed before the disk: none. */
    fx_tunnel_ctl(f, lo, RSVD_FSCTL_SVHDX_ASYNC_TUNNEL_REQUEST, START, 2, body, 23, 64, NULL,
                  0xB2);
    assert_int_equal(fx_reply_for(f, 0xB2)->r.status, RSVD_STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(fx_interims_for(f, 0xB2), 0);
    /* Any tunnel operation sent asynchronously to the disk gets one. */
    fx_tunnel_ctl(f, lo, RSVD_FSCTL_SVHDX_ASYNC_TUNNEL_REQUEST,
                  RSVD_TUNNEL_GET_INITIAL_INFO_OPERATION, 3, NULL, 0, 64, NULL, 0xB3);
    assert_int_equal(fx_interims_for(f, 0xB3), 1);
    assert_int_equal(fx_hdr(fx_reply_for(f, 0xB3)).status, RSVD_STATUS_SUCCESS);
    fx_free(f);
}

/* ---- 3.2.5.5.7.2 Optimize ---------------------------------------------------------------------- */

static void optimize_is_issued_and_answered_success_whatever_the_disk_says(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    fb_outcome o = fb_fail(RSVD_STATUS_DISK_FULL);
    fb_push(&f->fb, FB_DISK, FB_OPTIMIZE, &o);
    assert_header(start(f, lo, 0x41, RSVD_SVHDX_META_OPERATION_TYPE_OPTIMIZE, NULL, 0),
                  RSVD_STATUS_SUCCESS);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_OPTIMIZE), 1);
    const fb_call *k = &f->fb.calls[fb_last(&f->fb, FB_DISK, FB_OPTIMIZE)];
    assert_memory_equal(k->transaction_id.b, fx_guid(0x41).b, 16);
    fx_free(f);
}

static void drop_v2(fake_backend *fb)
{
    fb->disk_ops.optimize = NULL;
    fb->disk_ops.extract = NULL;
    fb->disk_ops.convert_to_vhdset = NULL;
    fb->disk_ops.resize = NULL;
    fb->disk_ops.apply_snapshot = NULL;
    fb->disk_ops.query_vhdset = NULL;
}

static void meta_operations_the_disk_cannot_do_get_invalid_device_request(void **state)
{
    (void)state;
    rsvd_server_config cfg = RSVD_STRUCT_INIT(rsvd_server_config);
    cfg.svhdx_supported = true;
    cfg.service_version = 2;
    fx *f = fx_new_edit(&cfg, true, true, drop_v2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    assert_header(start(f, lo, 1, RSVD_SVHDX_META_OPERATION_TYPE_OPTIMIZE, NULL, 0),
                  RSVD_STATUS_INVALID_DEVICE_REQUEST);
    rsvd_svhdx_meta_operation_resize_virtual_disk rz = {1 << 30, 0, 0, 0};
    uint8_t data[64];
    size_t n = 0;
    assert_int_equal(rsvd_svhdx_meta_operation_resize_virtual_disk_encode(&rz, data, 64, &n),
                     RSVD_OK);
    assert_header(start(f, lo, 1, RSVD_SVHDX_META_OPERATION_TYPE_RESIZE, data, n),
                  RSVD_STATUS_INVALID_DEVICE_REQUEST);
    rsvd_svhdx_apply_snapshot_params ap = {VM, fx_guid(2)};
    assert_int_equal(rsvd_svhdx_apply_snapshot_params_encode(&ap, data, 64, &n), RSVD_OK);
    assert_header(start(f, lo, 1, RSVD_SVHDX_META_OPERATION_TYPE_APPLY_SNAPSHOT, data, n),
                  RSVD_STATUS_INVALID_DEVICE_REQUEST);
    fx_free(f);
}

static void meta_operations_on_an_object_store_open_get_invalid_device_request(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint8_t ctx[192];
    size_t n = fx_ctx(ctx, RSVD_ECP_CONTEXT_VERSION_2, RSVD_SVHDX_ORIGINATOR_VHDMP, true);
    uint64_t lo = fx_create(f, "s.vhds", ctx, n, RSVD_FILE_NO_INTERMEDIATE_BUFFERING)->r.local_open;
    assert_header(start(f, lo, 1, RSVD_SVHDX_META_OPERATION_TYPE_OPTIMIZE, NULL, 0),
                  RSVD_STATUS_INVALID_DEVICE_REQUEST);
    assert_int_equal(disk_calls(f), 0);
    fx_free(f);
}

/* ---- 3.2.5.5.7.3 Extract ------------------------------------------------------------------------ */

/* An extract's data: @p name as NUL-terminated UTF-16 (length as given
 * when @p name_len is not (size_t)-1). */
static size_t extract_data(uint8_t *buf, uint32_t type, uint32_t flags, uint8_t src,
                           uint8_t limit, const char *name, size_t name_len)
{
    uint8_t wide[512];
    size_t w = fx_utf16(name, wide, sizeof wide - 2);
    wide[w] = wide[w + 1] = 0;
    w += 2;
    rsvd_svhdx_meta_operation_extract e;
    memset(&e, 0, sizeof e);
    e.snapshot_type = type;
    e.flags = flags;
    e.source_snapshot_id = fx_guid(src);
    e.source_limit_snapshot_id = fx_guid(limit);
    e.destination_file_name_length = (uint32_t)(name_len == (size_t)-1 ? w : name_len);
    e.destination_file_name = wide;
    size_t n = 0;
    assert_int_equal(rsvd_svhdx_meta_operation_extract_encode(&e, buf, 1024, &n), RSVD_OK);
    return n;
}

static fx_reply *extract(fx *f, uint64_t lo, uint32_t type, uint32_t flags, uint8_t src,
                         uint8_t limit, const char *name)
{
    uint8_t data[1024];
    size_t n = extract_data(data, type, flags, src, limit, name, (size_t)-1);
    return start(f, lo, 0x51, RSVD_SVHDX_META_OPERATION_TYPE_EXTRACT_SNAPSHOTS, data, n);
}

static void extract_shorter_than_88_plus_the_name_fails_buffer_too_small(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    uint8_t data[1024];
    size_t n = extract_data(data, VM, 0, 1, 0, "b.vhdx", (size_t)-1);
    assert_int_equal(n, 48 + 14);
    assert_fails(f, start(f, lo, 1, RSVD_SVHDX_META_OPERATION_TYPE_EXTRACT_SNAPSHOTS, data, 47),
                 RSVD_STATUS_BUFFER_TOO_SMALL, 0);
    assert_fails(f, start(f, lo, 1, RSVD_SVHDX_META_OPERATION_TYPE_EXTRACT_SNAPSHOTS, data, n - 1),
                 RSVD_STATUS_BUFFER_TOO_SMALL, 0);
    /* A length naming more than 4 GiB is compared without overflow. */
    memset(data + 44, 0xFF, 4);
    assert_fails(f, start(f, lo, 1, RSVD_SVHDX_META_OPERATION_TYPE_EXTRACT_SNAPSHOTS, data, n),
                 RSVD_STATUS_BUFFER_TOO_SMALL, 0);
    fx_free(f);
}

static void extract_name_rules_fail_invalid_parameter(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    uint8_t data[1024];
    /* DestinationFileNameLength 0. */
    size_t n = extract_data(data, VM, 0, 1, 0, "", 0);
    assert_fails(f, start(f, lo, 1, RSVD_SVHDX_META_OPERATION_TYPE_EXTRACT_SNAPSHOTS, data, n),
                 RSVD_STATUS_INVALID_PARAMETER, 0);
    /* Characters [MS-FSCC] 2.1.5 forbids. */
    const char *bad[] = {"a*b", "a?b", "c:d", "a<b", "a>b", "a|b", "a\"b", "a/b", "a\tb"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_fails(f, extract(f, lo, VM, 0, 1, 0, bad[i]), RSVD_STATUS_INVALID_PARAMETER, 0);
    /* A length that is not the string's: odd, without the NUL, or past it. */
    n = extract_data(data, VM, 0, 1, 0, "abc", 7);
    assert_fails(f, start(f, lo, 1, RSVD_SVHDX_META_OPERATION_TYPE_EXTRACT_SNAPSHOTS, data, n),
                 RSVD_STATUS_INVALID_PARAMETER, 0);
    n = extract_data(data, VM, 0, 1, 0, "abc", 6);
    assert_fails(f, start(f, lo, 1, RSVD_SVHDX_META_OPERATION_TYPE_EXTRACT_SNAPSHOTS, data, n),
                 RSVD_STATUS_INVALID_PARAMETER, 0);
    /* A path with backslashes is a name (the separator is allowed). */
    fx_reply *r = extract(f, lo, VM, 0, 1, 0, "backup\\snap.vhdx");
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_SUCCESS);
    const fb_call *k = &f->fb.calls[fb_last(&f->fb, FB_DISK, FB_EXTRACT)];
    assert_string_equal(k->name, "backup\\snap.vhdx");
    fx_free(f);
}

static void extract_of_snapshot_ids_that_are_not_valid_fails_invalid_parameter(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    /* A zero SourceSnapshotId names no snapshot. */
    assert_fails(f, extract(f, lo, VM, 0, 0, 0, "x.vhdx"), RSVD_STATUS_INVALID_PARAMETER, 0);
    /* The disk does not know the source. */
    fb_outcome o = fb_fail(RSVD_STATUS_INVALID_PARAMETER);
    fb_push(&f->fb, FB_DISK, FB_QUERY_VHDSET, &o);
    fx_reply *r = extract(f, lo, VM, 0, 1, 0, "x.vhdx");
    assert_int_equal(r->r.status, RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(r->r.output_len, 0);
    const fb_call *k = &f->fb.calls[fb_last(&f->fb, FB_DISK, FB_QUERY_VHDSET)];
    assert_int_equal(k->vhdset_query.information_type,
                     RSVD_SVHDX_VHDSET_INFORMATION_TYPE_SNAPSHOT_ENTRY);
    assert_int_equal(k->vhdset_query.snapshot_type, VM);
    assert_memory_equal(k->vhdset_query.snapshot_id.b, fx_guid(1).b, 16);
    /* It knows the source, not the nonzero limit. */
    fb_outcome good = fb_ok();
    fb_push(&f->fb, FB_DISK, FB_QUERY_VHDSET, &good);
    fb_push(&f->fb, FB_DISK, FB_QUERY_VHDSET, &o);
    r = extract(f, lo, VM, 0, 1, 2, "x.vhdx");
    assert_int_equal(r->r.status, RSVD_STATUS_INVALID_PARAMETER);
    k = &f->fb.calls[fb_last(&f->fb, FB_DISK, FB_QUERY_VHDSET)];
    assert_memory_equal(k->vhdset_query.snapshot_id.b, fx_guid(2).b, 16);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_EXTRACT), 0);
    /* A zero limit is not asked about. */
    size_t q = fb_count(&f->fb, FB_DISK, FB_QUERY_VHDSET);
    assert_int_equal(fx_hdr(extract(f, lo, VM, 0, 1, 0, "x.vhdx")).status, RSVD_STATUS_SUCCESS);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_QUERY_VHDSET), q + 1);
    fx_free(f);
}

static void extract_flag_rules_fail_invalid_parameter_2_after_the_others(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    const uint32_t dco = RSVD_SVHDX_EXTRACT_SNAPSHOTS_FLAG_DELETE_ON_CLOSE;
    fx_reply *r = extract(f, lo, CDP, dco, 1, 0, "x.vhdx");
    assert_int_equal(r->r.status, RSVD_STATUS_INVALID_PARAMETER_2);
    r = extract(f, lo, VM, 2, 1, 0, "x.vhdx");
    assert_int_equal(r->r.status, RSVD_STATUS_INVALID_PARAMETER_2);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_EXTRACT), 0);
    /* An invalid name comes first. */
    r = extract(f, lo, VM, 2, 1, 0, "x*y");
    assert_int_equal(r->r.status, RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(fx_hdr(extract(f, lo, VM, dco, 1, 0, "x.vhdx")).status, RSVD_STATUS_SUCCESS);
    fx_free(f);
}

static void extract_is_issued_and_delete_on_close_sets_pending_delete(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    /* A failed extract does not make the close delete (decision). */
    fb_outcome o = fb_fail(RSVD_STATUS_OBJECT_NAME_COLLISION);
    fb_push(&f->fb, FB_DISK, FB_EXTRACT, &o);
    const uint32_t dco = RSVD_SVHDX_EXTRACT_SNAPSHOTS_FLAG_DELETE_ON_CLOSE;
    fx_reply *r = extract(f, lo, VM, dco, 1, 2, "x.vhdx");
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_OBJECT_NAME_COLLISION);
    uint64_t other = fx_open_v2(f, "set.vhds");
    r = extract(f, other, VM, dco, 3, 0, "y.vhdx");
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_SUCCESS);
    const fb_call *k = &f->fb.calls[fb_last(&f->fb, FB_DISK, FB_EXTRACT)];
    assert_int_equal(k->extract.snapshot_type, VM);
    assert_int_equal(k->extract.flags, dco);
    assert_memory_equal(k->extract.source_snapshot_id.b, fx_guid(3).b, 16);
    assert_true(rsvd_guid_is_zero(&k->extract.source_limit_snapshot_id));
    assert_memory_equal(k->extract.transaction_id.b, fx_guid(0x51).b, 16);
    assert_string_equal(k->name, "y.vhdx");
    /* Open.PendingDelete: the close deletes for the one that extracted. */
    assert_int_equal(rsvd_server_close(f->srv, lo, NULL), RSVD_OK);
    assert_false(f->fb.calls[fb_last(&f->fb, FB_DISK, FB_CLOSE)].delete_file);
    assert_int_equal(rsvd_server_close(f->srv, other, NULL), RSVD_OK);
    assert_true(f->fb.calls[fb_last(&f->fb, FB_DISK, FB_CLOSE)].delete_file);
    f->nopens = 0;
    fx_free(f);
}

/* ---- 3.2.5.5.7.4 Convert to VHD set ----------------------------------------------------------- */

static fx_reply *convert(fx *f, uint64_t lo, const char *name, size_t len, size_t cut)
{
    uint8_t wide[512];
    size_t w = fx_utf16(name, wide, sizeof wide - 2);
    wide[w] = wide[w + 1] = 0;
    w += 2;
    rsvd_svhdx_meta_operation_convert_to_vhdset c = {(uint32_t)(len == (size_t)-1 ? w : len),
                                                     wide};
    uint8_t data[1024];
    size_t n = 0;
    assert_int_equal(rsvd_svhdx_meta_operation_convert_to_vhdset_encode(&c, data, sizeof data, &n),
                     RSVD_OK);
    return start(f, lo, 0x61, RSVD_SVHDX_META_OPERATION_TYPE_CONVERT_TO_VHDSET, data, n - cut);
}

static void convert_shorter_than_44_plus_the_name_fails_buffer_too_small(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "d.vhdx");
    assert_fails(f, convert(f, lo, "n.vhds", (size_t)-1, 1), RSVD_STATUS_BUFFER_TOO_SMALL, 0);
    assert_fails(f, convert(f, lo, "n.vhds", (size_t)-1, 14 + 1), RSVD_STATUS_BUFFER_TOO_SMALL, 0);
    fx_free(f);
}

static void convert_name_without_its_nul_or_the_vhds_extension_fails_invalid_parameter(
    void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "d.vhdx");
    assert_fails(f, convert(f, lo, "n.vhds", 12, 0), RSVD_STATUS_INVALID_PARAMETER, 0);
    assert_fails(f, convert(f, lo, "n.vhds", 13, 0), RSVD_STATUS_INVALID_PARAMETER, 0);
    assert_fails(f, convert(f, lo, "n.vhdx", (size_t)-1, 0), RSVD_STATUS_INVALID_PARAMETER, 0);
    assert_fails(f, convert(f, lo, "vhds", (size_t)-1, 0), RSVD_STATUS_INVALID_PARAMETER, 0);
    fx_reply *r = convert(f, lo, "New.VHDS", (size_t)-1, 0);
    assert_header(r, RSVD_STATUS_SUCCESS);
    const fb_call *k = &f->fb.calls[fb_last(&f->fb, FB_DISK, FB_CONVERT)];
    assert_string_equal(k->name, "New.VHDS");
    assert_memory_equal(k->transaction_id.b, fx_guid(0x61).b, 16);
    fb_outcome o = fb_fail(RSVD_STATUS_OBJECT_NAME_COLLISION);
    fb_push(&f->fb, FB_DISK, FB_CONVERT, &o);
    assert_header(convert(f, lo, "New.VHDS", (size_t)-1, 0), RSVD_STATUS_OBJECT_NAME_COLLISION);
    fx_free(f);
}

/* ---- 3.2.5.5.7.5 Resize ------------------------------------------------------------------------ */

static fx_reply *resize(fx *f, uint64_t lo, uint64_t size, uint8_t expand, uint8_t unsafe,
                        uint8_t shrink, size_t cut)
{
    rsvd_svhdx_meta_operation_resize_virtual_disk rz = {size, expand, unsafe, shrink};
    uint8_t data[64];
    size_t n = 0;
    assert_int_equal(rsvd_svhdx_meta_operation_resize_virtual_disk_encode(&rz, data, 64, &n),
                     RSVD_OK);
    return start(f, lo, 0x71, RSVD_SVHDX_META_OPERATION_TYPE_RESIZE, data, n - cut);
}

static void resize_shorter_than_52_fails_buffer_too_small(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    assert_fails(f, resize(f, lo, 1 << 20, 0, 0, 0, 1), RSVD_STATUS_BUFFER_TOO_SMALL, 0);
    fx_free(f);
}

static void shrink_to_minimum_safe_size_with_another_field_fails_invalid_parameter_1(
    void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    assert_fails(f, resize(f, lo, 1, 0, 0, 1, 0), RSVD_STATUS_INVALID_PARAMETER_1, 0);
    assert_fails(f, resize(f, lo, 0, 1, 0, 1, 0), RSVD_STATUS_INVALID_PARAMETER_1, 0);
    assert_fails(f, resize(f, lo, 0, 0, 1, 1, 0), RSVD_STATUS_INVALID_PARAMETER_1, 0);
    assert_header(resize(f, lo, 0, 0, 0, 1, 0), RSVD_STATUS_SUCCESS);
    const fb_call *k = &f->fb.calls[fb_last(&f->fb, FB_DISK, FB_RESIZE)];
    assert_true(k->resize.shrink_to_minimum_safe_size);
    fx_free(f);
}

static void expand_only_below_the_current_size_fails_invalid_parameter(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds"); /* the fake disk: 1 GiB */
    size_t infos = fb_count(&f->fb, FB_DISK, FB_GET_INFO);
    fx_reply *r = resize(f, lo, (1ull << 30) - 512, 1, 0, 0, 0);
    assert_int_equal(r->r.status, RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_GET_INFO), infos + 1);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_RESIZE), 0);
    assert_header(resize(f, lo, 1ull << 30, 1, 0, 0, 0), RSVD_STATUS_SUCCESS);
    assert_header(resize(f, lo, 2ull << 30, 1, 0, 0, 0), RSVD_STATUS_SUCCESS);
    const fb_call *k = &f->fb.calls[fb_last(&f->fb, FB_DISK, FB_RESIZE)];
    assert_int_equal(k->resize.new_size, 2ull << 30);
    assert_true(k->resize.expand_only);
    /* Without the current size, the disk's error is the answer. */
    fb_outcome o = fb_fail(RSVD_STATUS_IO_DEVICE_ERROR);
    fb_push(&f->fb, FB_DISK, FB_GET_INFO, &o);
    assert_header(resize(f, lo, 3ull << 30, 1, 0, 0, 0), RSVD_STATUS_IO_DEVICE_ERROR);
    /* A shrink that is not ExpandOnly does not ask. */
    infos = fb_count(&f->fb, FB_DISK, FB_GET_INFO);
    assert_header(resize(f, lo, 1 << 20, 0, 1, 0, 0), RSVD_STATUS_SUCCESS);
    assert_int_equal(fb_count(&f->fb, FB_DISK, FB_GET_INFO), infos);
    fx_free(f);
}

static void resize_header_carries_the_disks_status(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    fb_outcome o = fb_fail(RSVD_STATUS_INVALID_PARAMETER);
    fb_push(&f->fb, FB_DISK, FB_RESIZE, &o);
    assert_header(resize(f, lo, 1 << 20, 0, 0, 0, 0), RSVD_STATUS_INVALID_PARAMETER);
    fx_free(f);
}

/* ---- 3.2.5.5.7.6 Apply snapshot ------------------------------------------------------------------ */

static fx_reply *apply(fx *f, uint64_t lo, uint32_t type, uint8_t id, size_t cut)
{
    rsvd_svhdx_apply_snapshot_params ap = {type, fx_guid(id)};
    uint8_t data[64];
    size_t n = 0;
    assert_int_equal(rsvd_svhdx_apply_snapshot_params_encode(&ap, data, 64, &n), RSVD_OK);
    return start(f, lo, 0x81, RSVD_SVHDX_META_OPERATION_TYPE_APPLY_SNAPSHOT, data, n - cut);
}

static void apply_rules_and_the_disks_status(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    /* "If the input buffer is less than 60 bytes": STATUS_BUFFER_TOO_SMALL. */
    assert_fails(f, apply(f, lo, VM, 1, 1), RSVD_STATUS_BUFFER_TOO_SMALL, 0);
    /* Neither VM nor writeable: STATUS_INVALID_PARAMETER_1. */
    assert_fails(f, apply(f, lo, CDP, 1, 0), RSVD_STATUS_INVALID_PARAMETER_1, 0);
    assert_fails(f, apply(f, lo, 0, 1, 0), RSVD_STATUS_INVALID_PARAMETER_1, 0);
    assert_header(apply(f, lo, WRITEABLE, 4, 0), RSVD_STATUS_SUCCESS);
    const fb_call *k = &f->fb.calls[fb_last(&f->fb, FB_DISK, FB_APPLY)];
    assert_int_equal(k->apply.snapshot_type, WRITEABLE);
    assert_memory_equal(k->apply.snapshot_id.b, fx_guid(4).b, 16);
    assert_memory_equal(k->apply.transaction_id.b, fx_guid(0x81).b, 16);
    fb_outcome o = fb_fail(RSVD_STATUS_FILE_CORRUPT_ERROR);
    fb_push(&f->fb, FB_DISK, FB_APPLY, &o);
    assert_header(apply(f, lo, VM, 5, 0), RSVD_STATUS_FILE_CORRUPT_ERROR);
    fx_free(f);
}

/* ---- 3.2.5.5.8 Receiving a Query Meta-Operation Progress Request ------------------------------- */

static fx_reply *progress(fx *f, uint64_t lo, uint8_t txn, size_t len, uint32_t max_output)
{
    uint8_t body[16];
    memset(body, txn, sizeof body);
    return fx_v2(f, lo, RSVD_TUNNEL_META_OPERATION_QUERY_PROGRESS, body, len, max_output);
}

static void progress_is_the_disks_for_a_transaction_in_flight_and_finished(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    fb_outcome pend = fb_pend(fb_ok());
    pend.meta.progress_current = 1000;
    pend.meta.progress_complete = 1000;
    fb_push(&f->fb, FB_DISK, FB_OPTIMIZE, &pend);
    uint8_t body[64];
    size_t n = fx_meta_start(body, 0x91, RSVD_SVHDX_META_OPERATION_TYPE_OPTIMIZE, NULL, 0);
    fx_tunnel_ctl(f, lo, RSVD_FSCTL_SVHDX_ASYNC_TUNNEL_REQUEST, START, 1, body, n, 64, NULL, 0x9);
    /* In flight: the values the disk has written so far. */
    size_t i = fb_nth_pending(&f->fb, 0);
    f->fb.calls[i].meta_out->progress_complete = 1000;
    f->fb.calls[i].meta_out->progress_current = 250;
    fx_reply *r = progress(f, lo, 0x91, 16, 32);
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_SUCCESS);
    rsvd_svhdx_meta_operation_query_progress_response p;
    assert_int_equal(rsvd_svhdx_meta_operation_query_progress_response_decode(
                         r->out + 16, r->r.output_len - 16, &p),
                     RSVD_OK);
    assert_int_equal(p.current_progress_value, 250);
    assert_int_equal(p.complete_value, 1000);
    /* Finished: its last values. */
    fb_complete(&f->fb, i);
    r = progress(f, lo, 0x91, 16, 32);
    assert_int_equal(rsvd_svhdx_meta_operation_query_progress_response_decode(
                         r->out + 16, r->r.output_len - 16, &p),
                     RSVD_OK);
    assert_int_equal(p.current_progress_value, 1000);
    assert_int_equal(p.complete_value, 1000);
    fx_free(f);
}

static void progress_of_an_unknown_transaction_is_an_error_in_the_header(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    uint64_t other = fx_open_v2(f, "set.vhds");
    assert_header(start(f, other, 0x92, RSVD_SVHDX_META_OPERATION_TYPE_OPTIMIZE, NULL, 0), 0);
    fx_reply *r = progress(f, lo, 0x92, 16, 32); /* another open's */
    assert_int_equal(r->r.output_len, 16);
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_INVALID_PARAMETER);
    r = progress(f, other, 0x93, 16, 32);
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(fx_hdr(progress(f, other, 0x92, 16, 32)).status, RSVD_STATUS_SUCCESS);
    fx_free(f);
}

static void progress_needs_its_transaction_id_and_room_for_the_answer(void **state)
{
    (void)state;
    fx *f = fx_new(2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    assert_int_equal(progress(f, lo, 1, 15, 32)->r.status, RSVD_STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(progress(f, lo, 1, 16, 31)->r.status, RSVD_STATUS_BUFFER_TOO_SMALL);
    fx_free(f);
}

static void the_oldest_finished_transaction_makes_room_for_a_new_one(void **state)
{
    (void)state;
    rsvd_server_config cfg = RSVD_STRUCT_INIT(rsvd_server_config);
    cfg.svhdx_supported = true;
    cfg.service_version = 2;
    cfg.max_transactions = 2;
    fx *f = fx_new_cfg(&cfg, true, true);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    assert_header(start(f, lo, 1, RSVD_SVHDX_META_OPERATION_TYPE_OPTIMIZE, NULL, 0), 0);
    assert_header(start(f, lo, 2, RSVD_SVHDX_META_OPERATION_TYPE_OPTIMIZE, NULL, 0), 0);
    assert_header(start(f, lo, 3, RSVD_SVHDX_META_OPERATION_TYPE_OPTIMIZE, NULL, 0), 0);
    assert_int_equal(fx_hdr(progress(f, lo, 1, 16, 32)).status, RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(fx_hdr(progress(f, lo, 2, 16, 32)).status, 0);
    assert_int_equal(fx_hdr(progress(f, lo, 3, 16, 32)).status, 0);
    /* Two in flight: no room for a third. */
    fb_outcome pend = fb_pend(fb_ok());
    fb_push(&f->fb, FB_DISK, FB_OPTIMIZE, &pend);
    fb_push(&f->fb, FB_DISK, FB_OPTIMIZE, &pend);
    uint8_t body[64];
    for (uint8_t t = 4; t <= 5; t++) {
        size_t n = fx_meta_start(body, t, RSVD_SVHDX_META_OPERATION_TYPE_OPTIMIZE, NULL, 0);
        fx_tunnel_ctl(f, lo, RSVD_FSCTL_SVHDX_ASYNC_TUNNEL_REQUEST, START, t, body, n, 64, NULL,
                      t);
    }
    fx_reply *r = start(f, lo, 6, RSVD_SVHDX_META_OPERATION_TYPE_OPTIMIZE, NULL, 0);
    assert_int_equal(r->r.status, RSVD_STATUS_INSUFFICIENT_RESOURCES);
    fb_complete_all(&f->fb);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unknown_operation_type_fails_invalid_parameter),
        cmocka_unit_test(
            start_without_its_fixed_part_or_room_for_the_header_fails_buffer_too_small),
        cmocka_unit_test(async_start_signals_the_interim_before_the_disk_and_the_reply),
        cmocka_unit_test(only_async_requests_that_reach_the_disk_signal_an_interim),
        cmocka_unit_test(optimize_is_issued_and_answered_success_whatever_the_disk_says),
        cmocka_unit_test(meta_operations_the_disk_cannot_do_get_invalid_device_request),
        cmocka_unit_test(meta_operations_on_an_object_store_open_get_invalid_device_request),
        cmocka_unit_test(extract_shorter_than_88_plus_the_name_fails_buffer_too_small),
        cmocka_unit_test(extract_name_rules_fail_invalid_parameter),
        cmocka_unit_test(extract_of_snapshot_ids_that_are_not_valid_fails_invalid_parameter),
        cmocka_unit_test(extract_flag_rules_fail_invalid_parameter_2_after_the_others),
        cmocka_unit_test(extract_is_issued_and_delete_on_close_sets_pending_delete),
        cmocka_unit_test(convert_shorter_than_44_plus_the_name_fails_buffer_too_small),
        cmocka_unit_test(
            convert_name_without_its_nul_or_the_vhds_extension_fails_invalid_parameter),
        cmocka_unit_test(resize_shorter_than_52_fails_buffer_too_small),
        cmocka_unit_test(
            shrink_to_minimum_safe_size_with_another_field_fails_invalid_parameter_1),
        cmocka_unit_test(expand_only_below_the_current_size_fails_invalid_parameter),
        cmocka_unit_test(resize_header_carries_the_disks_status),
        cmocka_unit_test(apply_rules_and_the_disks_status),
        cmocka_unit_test(progress_is_the_disks_for_a_transaction_in_flight_and_finished),
        cmocka_unit_test(progress_of_an_unknown_transaction_is_an_error_in_the_header),
        cmocka_unit_test(progress_needs_its_transaction_id_and_room_for_the_answer),
        cmocka_unit_test(the_oldest_finished_transaction_makes_room_for_a_new_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
