/*
 * Version-2 scenarios end to end: the RSVD server over the built-in disk
 * (tests/support/tu_disk_v2.h), every request as a host would send it.
 *
 *  - a whole backup flow: a VHD set, change tracking, a VM snapshot through
 *    all its stages, the guest's writes, a second snapshot, exactly the
 *    changed ranges (also cut to a small output buffer), the first snapshot
 *    read back through an open with a target specifier, extracted to a VHDX
 *    equal to it, then deleted;
 *  - a CDP snapshot whose UnblockIO comes after the timer ([MS-RSVD] 3.2.2);
 *  - resize and apply through META_OPERATION_START, and the safe size.
 *
 * Two meson tests run this program: without arguments the extracted file
 * is read back by the rules of [MS-VHDX]; with --qemu-img `qemu-img
 * compare` (Debian package qemu-utils) also finds it equal to the snapshot
 * (SKIP with the reason when qemu-img is missing, a failure where
 * RSVD_INTEGRATION_REQUIRED=1, as CI sets it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_rsvd.h>

#include "server_fixture.h"
#include "tu_daemon.h"
#include "tu_disk_v2.h"

#define KIB 1024u
#define MIB (1024u * 1024u)
#define VM RSVD_SVHDX_SNAPSHOT_TYPE_VM
#define CDP RSVD_SVHDX_SNAPSHOT_TYPE_CDP

static char qemu_img[256]; /* set with --qemu-img */

/* ---- requests as a host sends them ------------------------------------------------------- */

/* The body of a tunnel reply that succeeded (header Status 0). */
static const uint8_t *body_of(const fx_reply *r, size_t *len)
{
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_SUCCESS);
    *len = r->r.output_len - RSVD_TUNNEL_HEADER_SIZE;
    return r->out + RSVD_TUNNEL_HEADER_SIZE;
}

/* An SMB2 WRITE of @p len bytes of @p byte at @p off; the model follows. */
static void write_at(fx *f, uint64_t lo, uint64_t off, uint32_t len, uint8_t byte, uint8_t *model)
{
    uint8_t *b = malloc(len);
    assert_non_null(b);
    memset(b, byte, len);
    size_t before = f->nreplies;
    rsvd_server_write_req w = {lo, off, len, b};
    assert_int_equal(rsvd_server_write(f->srv, &w, (void *)0x57), RSVD_OK);
    assert_int_equal(f->nreplies, before + 1);
    assert_int_equal(fx_last(f)->r.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(fx_last(f)->r.count, len);
    if (model)
        memset(model + off, byte, len);
    free(b);
}

/* An SMB2 READ; must return all @p len bytes. */
static void read_at(fx *f, uint64_t lo, uint64_t off, uint8_t *buf, uint32_t len)
{
    size_t before = f->nreplies;
    rsvd_server_read_req q = {lo, off, len, buf};
    assert_int_equal(rsvd_server_read(f->srv, &q, (void *)0x52), RSVD_OK);
    assert_int_equal(f->nreplies, before + 1);
    assert_int_equal(fx_last(f)->r.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(fx_last(f)->r.output_len, len);
}

/* SPC-3 6.6 (MS-RSVD 3.2.5.3): the first READ after the capacity changed
 * reports it, once. */
static void expect_capacity_changed(fx *f, uint64_t lo)
{
    uint8_t b[512];
    rsvd_server_read_req q = {lo, 0, sizeof b, b};
    assert_int_equal(rsvd_server_read(f->srv, &q, (void *)0x52), RSVD_OK);
    assert_int_equal(fx_last(f)->r.status, RSVD_STATUS_SVHDX_UNIT_ATTENTION_CAPACITY_DATA_CHANGED);
    read_at(f, lo, 0, b, sizeof b);
}

/* Reads [off, off + len) on @p lo and compares it with @p want there. */
static void expect_content(fx *f, uint64_t lo, const uint8_t *want, uint64_t off, uint32_t len)
{
    uint8_t *b = malloc(len);
    assert_non_null(b);
    read_at(f, lo, off, b, len);
    assert_memory_equal(b, want + off, len);
    free(b);
}

/* UTF-16LE of @p ascii with its NUL. @return the byte length. */
static uint32_t utf16z(const char *ascii, uint8_t *out)
{
    size_t n = strlen(ascii) + 1;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = (uint8_t)ascii[i];
        out[2 * i + 1] = 0;
    }
    return (uint32_t)(2 * n);
}

/* META_OPERATION_START of @p type (transaction all @p txn) with @p data. */
static fx_reply *meta_start(fx *f, uint64_t lo, uint8_t txn, uint32_t type, const uint8_t *data,
                            size_t data_len)
{
    uint8_t body[1024];
    size_t n = fx_meta_start(body, txn, type, data, data_len);
    return fx_v2(f, lo, RSVD_TUNNEL_META_OPERATION_START, body, n, 64);
}

/* Opens disk.vhdx, makes it the VHD set disk.vhds (3.2.5.5.7.4) and opens
 * that with the V2 context. @return the VHD set's LocalOpen. */
static uint64_t open_vhd_set(fx *f)
{
    uint64_t disk = fx_open_v2(f, "disk.vhdx");
    uint8_t name[64], data[128];
    rsvd_svhdx_meta_operation_convert_to_vhdset c = {utf16z("disk.vhds", name), name};
    size_t n = 0;
    assert_int_equal(rsvd_svhdx_meta_operation_convert_to_vhdset_encode(&c, data, sizeof data, &n),
                     RSVD_OK);
    assert_int_equal(fx_hdr(meta_start(f, disk, 0x40, RSVD_SVHDX_META_OPERATION_TYPE_CONVERT_TO_VHDSET,
                                       data, n)).status,
                     RSVD_STATUS_SUCCESS);
    return fx_open_v2(f, "disk.vhds");
}

static void tracking_start(fx *f, uint64_t lo)
{
    rsvd_svhdx_change_tracking_start_request s;
    memset(&s, 0, sizeof s);
    s.transaction_id = fx_guid(0x64);
    s.log_file_name_offset = RSVD_SVHDX_CHANGE_TRACKING_START_REQUEST_FIXED_SIZE;
    s.log_file_id = fx_guid(0x4C);
    uint8_t body[128];
    size_t n = 0;
    assert_int_equal(rsvd_svhdx_change_tracking_start_request_encode(&s, body, sizeof body, &n),
                     RSVD_OK);
    assert_int_equal(fx_hdr(fx_v2(f, lo, RSVD_TUNNEL_CHANGE_TRACKING_START, body, n, 64)).status,
                     RSVD_STATUS_SUCCESS);
}

/* QUERY_VIRTUAL_DISK_CHANGES from @p limit to @p target over [off, off +
 * len) with MaxOutputResponse @p max_output. */
static fx_reply *changes(fx *f, uint64_t lo, uint8_t target, uint8_t limit, uint64_t off,
                         uint64_t len, uint32_t max_output,
                         rsvd_svhdx_tunnel_query_virtual_disk_changes_reply *out)
{
    rsvd_svhdx_tunnel_query_virtual_disk_changes_request q = {fx_guid(target), fx_guid(limit), VM,
                                                              off, len};
    uint8_t body[64];
    size_t n = 0;
    assert_int_equal(
        rsvd_svhdx_tunnel_query_virtual_disk_changes_request_encode(&q, body, sizeof body, &n),
        RSVD_OK);
    fx_reply *r = fx_v2(f, lo, RSVD_TUNNEL_QUERY_VIRTUAL_DISK_CHANGES, body, n, max_output);
    if (out && fx_hdr(r).status == RSVD_STATUS_SUCCESS) {
        size_t bl = 0;
        const uint8_t *b = body_of(r, &bl);
        assert_int_equal(rsvd_svhdx_tunnel_query_virtual_disk_changes_reply_decode(b, bl, out),
                         RSVD_OK);
    }
    return r;
}

static void expect_range(const rsvd_svhdx_tunnel_query_virtual_disk_changes_reply *c, uint32_t i,
                         uint64_t off, uint64_t len)
{
    rsvd_svhdx_virtual_disk_changed_range r;
    assert_int_equal(rsvd_svhdx_tunnel_query_virtual_disk_changes_reply_range(c, i, &r), RSVD_OK);
    assert_int_equal(r.byte_offset, off);
    assert_int_equal(r.byte_length, len);
}

/* VHDSET_QUERY_INFORMATION SnapshotList of type @p type: the ids, in
 * order, into @p ids. @return NumberOfSnapshots. */
static uint32_t snapshot_list(fx *f, uint64_t lo, uint32_t info_type, uint32_t type,
                              uint8_t *ids, size_t cap)
{
    rsvd_svhdx_tunnel_vhdset_query_information_request q = {info_type, type, fx_guid(0)};
    uint8_t body[64];
    size_t n = 0;
    assert_int_equal(
        rsvd_svhdx_tunnel_vhdset_query_information_request_encode(&q, body, sizeof body, &n),
        RSVD_OK);
    fx_reply *r = fx_v2(f, lo, RSVD_TUNNEL_VHDSET_QUERY_INFORMATION, body, n, 1024);
    size_t bl = 0;
    const uint8_t *b = body_of(r, &bl);
    rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response l;
    assert_int_equal(
        rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response_decode(b, bl, &l),
        RSVD_OK);
    assert_int_equal(l.response_complete, 1);
    assert_true(l.number_of_snapshots <= cap);
    for (uint32_t i = 0; i < l.number_of_snapshots; i++) {
        rsvd_guid g;
        assert_int_equal(
            rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response_snapshot_id(&l, i,
                                                                                          &g),
            RSVD_OK);
        ids[i] = g.b[0];
        assert_memory_equal(g.b, fx_guid(ids[i]).b, 16);
    }
    return l.number_of_snapshots;
}

/* VHDSET_QUERY_INFORMATION SnapshotEntry of snapshot @p id. */
static fx_reply *snapshot_entry(fx *f, uint64_t lo, uint32_t type, uint8_t id,
                                rsvd_svhdx_tunnel_vhdset_query_information_snapshot_entry_response *e)
{
    rsvd_svhdx_tunnel_vhdset_query_information_request q = {
        RSVD_SVHDX_VHDSET_INFORMATION_TYPE_SNAPSHOT_ENTRY, type, fx_guid(id)};
    uint8_t body[64];
    size_t n = 0;
    assert_int_equal(
        rsvd_svhdx_tunnel_vhdset_query_information_request_encode(&q, body, sizeof body, &n),
        RSVD_OK);
    fx_reply *r = fx_v2(f, lo, RSVD_TUNNEL_VHDSET_QUERY_INFORMATION, body, n, 1024);
    if (e && fx_hdr(r).status == RSVD_STATUS_SUCCESS) {
        size_t bl = 0;
        const uint8_t *b = body_of(r, &bl);
        assert_int_equal(
            rsvd_svhdx_tunnel_vhdset_query_information_snapshot_entry_response_decode(b, bl, e),
            RSVD_OK);
    }
    return r;
}

/* The open of "disk.vhds" at snapshot @p id (3.1.4.24, 3.2.5.7). */
static uint64_t open_target(fx *f, uint8_t id)
{
    rsvd_block_device_target_specifier ts = {RSVD_BLOCK_DEVICE_TARGET_NAMESPACE_SNAPSHOT_ID,
                                             {VM, fx_guid(id)}};
    uint8_t ea[128], wname[128];
    size_t ea_len = 0;
    assert_int_equal(rsvd_target_specifier_ea_build(&ts, ea, sizeof ea, &ea_len), RSVD_OK);
    rsvd_server_target_create_req req = RSVD_STRUCT_INIT(rsvd_server_target_create_req);
    req.file_name = wname;
    req.file_name_len = fx_utf16("disk.vhds:SharedVirtualDisk", wname, sizeof wname);
    req.create_options = RSVD_FILE_NO_INTERMEDIATE_BUFFERING;
    req.ea_buffer = ea;
    req.ea_buffer_len = ea_len;
    size_t before = f->nreplies;
    assert_int_equal(rsvd_server_create_target(f->srv, &req, (void *)0x7A), RSVD_OK);
    assert_int_equal(f->nreplies, before + 1);
    assert_int_equal(fx_last(f)->r.status, RSVD_STATUS_SUCCESS);
    return fx_last(f)->r.local_open;
}

static void close_open(fx *f, uint64_t lo)
{
    size_t before = f->nreplies;
    assert_int_equal(rsvd_server_close(f->srv, lo, (void *)0xC1), RSVD_OK);
    assert_int_equal(f->nreplies, before + 1);
    assert_int_equal(fx_last(f)->r.status, RSVD_STATUS_SUCCESS);
}

static uint64_t initial_info_size(fx *f, uint64_t lo)
{
    fx_tunnel(f, lo, RSVD_TUNNEL_GET_INITIAL_INFO_OPERATION, 9, NULL, 0, 64, NULL, 0x11);
    size_t bl = 0;
    const uint8_t *b = body_of(fx_last(f), &bl);
    rsvd_svhdx_tunnel_initial_info_response info;
    assert_int_equal(rsvd_svhdx_tunnel_initial_info_response_decode(b, bl, &info), RSVD_OK);
    assert_int_equal(info.server_version, RSVD_PROTOCOL_VERSION_2);
    return info.virtual_size;
}

/* ---- a whole backup flow ----------------------------------------------------------------- */

#define BACKUP_SIZE (8u * MIB)

static void a_whole_backup_flow_keeps_the_snapshot_and_reports_exactly_the_writes(void **state)
{
    (void)state;
    tu_v2 t;
    tu_v2_init(&t, true, BACKUP_SIZE, 0);
    fx *f = fx_new_disk(RSVD_PROTOCOL_VERSION_2, t.ops, t.set);
    uint8_t *model = calloc(1, BACKUP_SIZE), *snap1 = malloc(BACKUP_SIZE);
    assert_non_null(model);
    assert_non_null(snap1);

    /* The VM's data before the backup; a VHD set; tracking started. */
    uint64_t set = open_vhd_set(f);
    write_at(f, set, 0, 256 * KIB, 0x11, model);
    write_at(f, set, 5 * MIB, 64 * KIB, 0x12, model);
    tracking_start(f, set);

    /* 3.2.5.5.7.1: the baseline, through every stage; its progress is
     * complete (3.2.5.5.8). */
    fx_vm_snapshot(f, set, 0x61, 0x51, true);
    memcpy(snap1, model, BACKUP_SIZE);
    rsvd_guid txn = fx_guid(0x61);
    size_t bl = 0;
    const uint8_t *b =
        body_of(fx_v2(f, set, RSVD_TUNNEL_META_OPERATION_QUERY_PROGRESS, txn.b, 16, 64), &bl);
    rsvd_svhdx_meta_operation_query_progress_response pr;
    assert_int_equal(rsvd_svhdx_meta_operation_query_progress_response_decode(b, bl, &pr),
                     RSVD_OK);
    assert_true(pr.complete_value > 0);
    assert_int_equal(pr.current_progress_value, pr.complete_value);

    /* The guest writes: one range inside a copy-on-write chunk, one that
     * starts mid-chunk and crosses into the next; then the second snapshot. */
    write_at(f, set, 64 * KIB, 4 * KIB, 0xA5, model);
    write_at(f, set, 3 * MIB + 60 * KIB, 8 * KIB, 0xB6, model);
    fx_vm_snapshot(f, set, 0x62, 0x52, true);
    write_at(f, set, 7 * MIB, 4 * KIB, 0xC7, model); /* after it: not a change between them */

    /* 3.2.5.5.14: exactly the guest's two writes, the whole disk processed. */
    rsvd_svhdx_tunnel_query_virtual_disk_changes_reply c;
    changes(f, set, 0x52, 0x51, 0, BACKUP_SIZE, 1024, &c);
    assert_int_equal(c.processed_byte_length, BACKUP_SIZE);
    assert_int_equal(c.range_count, 2);
    expect_range(&c, 0, 64 * KIB, 4 * KIB);
    expect_range(&c, 1, 3 * MIB + 60 * KIB, 8 * KIB);
    /* Cut to an output buffer with room for one range: ProcessedByteLength
     * stops before the second, and a query from there finds it. */
    const uint32_t one = RSVD_TUNNEL_MESSAGE_SIZE(
        RSVD_SVHDX_TUNNEL_QUERY_VIRTUAL_DISK_CHANGES_REPLY_FIXED_SIZE +
        RSVD_SVHDX_VIRTUAL_DISK_CHANGED_RANGE_SIZE);
    changes(f, set, 0x52, 0x51, 0, BACKUP_SIZE, one, &c);
    assert_int_equal(c.range_count, 1);
    expect_range(&c, 0, 64 * KIB, 4 * KIB);
    assert_true(c.processed_byte_length >= 68 * KIB &&
                c.processed_byte_length <= 3 * MIB + 60 * KIB);
    uint64_t from = c.processed_byte_length;
    changes(f, set, 0x52, 0x51, from, BACKUP_SIZE - from, 1024, &c);
    assert_int_equal(c.processed_byte_length, BACKUP_SIZE - from);
    assert_int_equal(c.range_count, 1);
    expect_range(&c, 0, 3 * MIB + 60 * KIB, 8 * KIB);

    /* 3.2.5.7: the baseline, opened by its target specifier, reads as it
     * was; the VHD set reads as it is. */
    uint64_t at1 = open_target(f, 0x51);
    expect_content(f, at1, snap1, 0, 512 * KIB);
    expect_content(f, at1, snap1, 3 * MIB, 128 * KIB);
    expect_content(f, set, model, 0, 512 * KIB);
    expect_content(f, set, model, 3 * MIB, 128 * KIB);
    close_open(f, at1);

    /* 3.2.5.5.7.3: the baseline extracted is a VHDX equal to it. */
    uint8_t name[64], data[256];
    rsvd_svhdx_meta_operation_extract e = {VM, 0, fx_guid(0x51), fx_guid(0), 0, name};
    e.destination_file_name_length = utf16z("backup.vhdx", name);
    size_t n = 0;
    assert_int_equal(rsvd_svhdx_meta_operation_extract_encode(&e, data, sizeof data, &n), RSVD_OK);
    assert_int_equal(
        fx_hdr(meta_start(f, set, 0x63, RSVD_SVHDX_META_OPERATION_TYPE_EXTRACT_SNAPSHOTS, data, n))
            .status,
        RSVD_STATUS_SUCCESS);
    tu_v2_vhdx_read_back(&t, "backup.vhdx", 512, snap1, BACKUP_SIZE);
    if (qemu_img[0]) {
        assert_int_equal(tu_v2_qemu_compare(&t, qemu_img, "backup.vhdx", snap1, BACKUP_SIZE, 0),
                         0);
        snap1[64 * KIB] ^= 1; /* the comparison can fail */
        assert_int_equal(tu_v2_qemu_compare(&t, qemu_img, "backup.vhdx", snap1, BACKUP_SIZE, 1),
                         1);
        snap1[64 * KIB] ^= 1;
    }

    /* 3.2.5.5.9: both snapshots, oldest first. */
    uint8_t ids[8];
    assert_int_equal(snapshot_list(f, set, RSVD_SVHDX_VHDSET_INFORMATION_TYPE_SNAPSHOT_LIST, VM,
                                   ids, sizeof ids),
                     2);
    assert_int_equal(ids[0], 0x51);
    assert_int_equal(ids[1], 0x52);

    /* 3.2.5.5.10: the baseline goes; the list and the changes know it. */
    rsvd_svhdx_tunnel_delete_snapshot_request del = {fx_guid(0x51), 0, VM};
    uint8_t body[64];
    assert_int_equal(rsvd_svhdx_tunnel_delete_snapshot_request_encode(&del, body, sizeof body, &n),
                     RSVD_OK);
    assert_int_equal(fx_hdr(fx_v2(f, set, RSVD_TUNNEL_DELETE_SNAPSHOT, body, n, 64)).status,
                     RSVD_STATUS_SUCCESS);
    assert_int_equal(snapshot_list(f, set, RSVD_SVHDX_VHDSET_INFORMATION_TYPE_SNAPSHOT_LIST, VM,
                                   ids, sizeof ids),
                     1);
    assert_int_equal(ids[0], 0x52);
    assert_int_equal(changes(f, set, 0x52, 0x51, 0, BACKUP_SIZE, 1024, NULL)->r.status,
                     RSVD_STATUS_INVALID_PARAMETER);
    /* The second snapshot kept its content: the chunks the first one held
     * went to it ([MS-RSVD] 3.2.5.5.10 leaves the data of the others). */
    uint8_t *snap2 = malloc(BACKUP_SIZE);
    assert_non_null(snap2);
    memcpy(snap2, model, BACKUP_SIZE);
    memset(snap2 + 7 * MIB, 0, 4 * KIB);
    uint64_t at2 = open_target(f, 0x52);
    expect_content(f, at2, snap2, 0, 512 * KIB);
    expect_content(f, at2, snap2, 3 * MIB, 128 * KIB);
    expect_content(f, at2, snap2, 7 * MIB, 64 * KIB);
    close_open(f, at2);

    /* 3.2.5.5.13: tracking stops cleanly. */
    fx_reply *r = fx_v2(f, set, RSVD_TUNNEL_CHANGE_TRACKING_STOP, NULL, 0, 64);
    rsvd_svhdx_change_tracking_stop_response stop;
    b = body_of(r, &bl);
    assert_int_equal(rsvd_svhdx_change_tracking_stop_response_decode(b, bl, &stop), RSVD_OK);
    assert_int_equal(stop.change_tracking_status, RSVD_STATUS_SUCCESS);

    free(snap2);
    free(model);
    free(snap1);
    fx_free(f);
    tu_v2_fini(&t);
}

/* ---- a CDP snapshot whose UnblockIO comes after the timer (3.2.2) ------------------------ */

static void a_cdp_snapshot_whose_unblock_io_comes_after_the_timer_is_abandoned(void **state)
{
    (void)state;
    static const uint32_t to_block[] = {RSVD_SVHDX_SNAPSHOT_STAGE_INITIALIZE,
                                        RSVD_SVHDX_SNAPSHOT_STAGE_BLOCK_IO};
    static const uint32_t rest[] = {RSVD_SVHDX_SNAPSHOT_STAGE_SWITCH_OBJECT_STORE,
                                    RSVD_SVHDX_SNAPSHOT_STAGE_UNBLOCK_IO,
                                    RSVD_SVHDX_SNAPSHOT_STAGE_FINALIZE};
    tu_v2 t;
    tu_v2_init(&t, false, 4 * MIB, 0);
    fx *f = fx_new_disk(RSVD_PROTOCOL_VERSION_2, t.ops, t.set);
    uint8_t *model = calloc(1, 4 * MIB);
    assert_non_null(model);
    uint64_t set = open_vhd_set(f);
    tracking_start(f, set);

    /* One in time: UnblockIO 300 ms after BlockIO. */
    assert_int_equal(fx_hdr(fx_snapshot(f, set, 0x71, 0x53, CDP, 0, to_block, 2)).status,
                     RSVD_STATUS_SUCCESS);
    assert_int_equal(rsvd_server_handle_expiry(f->srv, 10000, NULL), RSVD_OK);
    assert_int_equal(rsvd_server_next_expiry(f->srv), 10701);
    assert_int_equal(rsvd_server_handle_expiry(f->srv, 10300, NULL), RSVD_OK);
    assert_int_equal(fx_hdr(fx_snapshot(f, set, 0x71, 0x53, CDP, 0, rest, 3)).status,
                     RSVD_STATUS_SUCCESS);
    assert_int_equal(rsvd_server_next_expiry(f->srv), UINT64_MAX);

    /* One too late: the guest writes while I/O is "blocked", the timer
     * fires at BlockIO + 700 ms + 1. */
    assert_int_equal(fx_hdr(fx_snapshot(f, set, 0x72, 0x54, CDP, 0, to_block, 2)).status,
                     RSVD_STATUS_SUCCESS);
    assert_int_equal(rsvd_server_next_expiry(f->srv), 0); /* armed at the next call */
    size_t fired = 9;
    assert_int_equal(rsvd_server_handle_expiry(f->srv, 20000, &fired), RSVD_OK);
    assert_int_equal(fired, 0);
    write_at(f, set, 128 * KIB, 4 * KIB, 0x5A, model);
    assert_int_equal(rsvd_server_next_expiry(f->srv), 20701);
    assert_int_equal(rsvd_server_handle_expiry(f->srv, 20700, &fired), RSVD_OK);
    assert_int_equal(fired, 0);
    assert_int_equal(rsvd_server_handle_expiry(f->srv, 20701, &fired), RSVD_OK);
    assert_int_equal(fired, 1);
    assert_int_equal(rsvd_server_next_expiry(f->srv), UINT64_MAX);

    /* 3.2.5.5.7.1: the later stages fail STATUS_IO_TIMEOUT; the disk took
     * nothing (the creation was abandoned before SwitchObjectStore). */
    fx_reply *r = fx_snapshot(f, set, 0x72, 0x54, CDP, 0, rest, 3);
    assert_int_equal(r->r.status, RSVD_STATUS_IO_TIMEOUT);
    assert_int_equal(r->r.output_len, 0);
    rsvd_svhdx_tunnel_vhdset_query_information_snapshot_entry_response e;
    assert_int_equal(fx_hdr(snapshot_entry(f, set, CDP, 0x54, NULL)).status,
                     RSVD_STATUS_INVALID_PARAMETER);
    uint8_t ids[8];
    /* 3.2.5.5.9: the active CDP list (SnapshotType 0) has the first only. */
    assert_int_equal(snapshot_list(f, set, RSVD_SVHDX_VHDSET_INFORMATION_TYPE_CDP_SNAPSHOT_ACTIVE_LIST,
                                   0, ids, sizeof ids),
                     1);
    assert_int_equal(ids[0], 0x53);
    memset(&e, 0xEE, sizeof e);
    snapshot_entry(f, set, CDP, 0x53, &e);
    assert_int_equal(e.snapshot_type, CDP);
    assert_int_equal(e.is_valid_snapshot, 1);
    assert_memory_equal(e.snapshot_id.b, fx_guid(0x53).b, 16);
    /* The guest's write is there, and the next CDP creation works. */
    expect_content(f, set, model, 0, 256 * KIB);
    assert_int_equal(fx_hdr(fx_snapshot(f, set, 0x73, 0x55, CDP, 0, to_block, 2)).status,
                     RSVD_STATUS_SUCCESS);
    assert_int_equal(rsvd_server_handle_expiry(f->srv, 30000, NULL), RSVD_OK);
    assert_int_equal(fx_hdr(fx_snapshot(f, set, 0x73, 0x55, CDP, 0, rest, 3)).status,
                     RSVD_STATUS_SUCCESS);

    free(model);
    fx_free(f);
    tu_v2_fini(&t);
}

/* ---- resize, safe size, apply ------------------------------------------------------------ */

static void resize_safe_size_and_apply_change_what_the_disk_answers(void **state)
{
    (void)state;
    tu_v2 t;
    tu_v2_init(&t, true, 4 * MIB, 0);
    fx *f = fx_new_disk(RSVD_PROTOCOL_VERSION_2, t.ops, t.set);
    uint8_t *model = calloc(1, 6 * MIB), *before = malloc(6 * MIB);
    assert_non_null(model);
    assert_non_null(before);
    uint64_t set = open_vhd_set(f);
    write_at(f, set, 0, 64 * KIB, 0x21, model);
    fx_vm_snapshot(f, set, 0x81, 0x56, false);
    memcpy(before, model, 6 * MIB);
    write_at(f, set, 0, 64 * KIB, 0x22, model);

    /* 3.2.5.5.7.5: grow to 6 MiB; GET_INITIAL_INFO says so; the new end
     * reads zeros and takes data. */
    rsvd_svhdx_meta_operation_resize_virtual_disk rz = {6 * MIB, 0, 0, 0};
    uint8_t data[64];
    size_t n = 0;
    assert_int_equal(rsvd_svhdx_meta_operation_resize_virtual_disk_encode(&rz, data, sizeof data,
                                                                          &n),
                     RSVD_OK);
    assert_int_equal(
        fx_hdr(meta_start(f, set, 0x82, RSVD_SVHDX_META_OPERATION_TYPE_RESIZE, data, n)).status,
        RSVD_STATUS_SUCCESS);
    assert_int_equal(initial_info_size(f, set), 6 * MIB);
    expect_capacity_changed(f, set);
    expect_content(f, set, model, 5 * MIB, 64 * KIB);
    write_at(f, set, 6 * MIB - 4 * KIB, 4 * KIB, 0x23, model);

    /* 3.2.5.5.15: SafeVirtualSize is what the disk finds allocated. */
    size_t bl = 0;
    const uint8_t *b = body_of(fx_v2(f, set, RSVD_TUNNEL_QUERY_SAFE_SIZE, NULL, 0, 64), &bl);
    rsvd_svhdx_tunnel_query_safe_size_response safe;
    assert_int_equal(rsvd_svhdx_tunnel_query_safe_size_response_decode(b, bl, &safe), RSVD_OK);
    uint64_t disk_safe = 0;
    assert_int_equal(tu_v2_safe_size(&t, &disk_safe), RSVD_STATUS_SUCCESS);
    assert_int_equal(safe.safe_virtual_size, disk_safe);
    assert_true(safe.safe_virtual_size == 6 * MIB); /* the write at the new end */

    /* 3.2.5.5.7.6: apply the snapshot: its size and content again. */
    rsvd_svhdx_apply_snapshot_params ap = {VM, fx_guid(0x56)};
    assert_int_equal(rsvd_svhdx_apply_snapshot_params_encode(&ap, data, sizeof data, &n), RSVD_OK);
    assert_int_equal(
        fx_hdr(meta_start(f, set, 0x83, RSVD_SVHDX_META_OPERATION_TYPE_APPLY_SNAPSHOT, data, n))
            .status,
        RSVD_STATUS_SUCCESS);
    assert_int_equal(initial_info_size(f, set), 4 * MIB);
    expect_capacity_changed(f, set);
    expect_content(f, set, before, 0, 128 * KIB);

    free(model);
    free(before);
    fx_free(f);
    tu_v2_fini(&t);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_whole_backup_flow_keeps_the_snapshot_and_reports_exactly_the_writes),
        cmocka_unit_test(a_cdp_snapshot_whose_unblock_io_comes_after_the_timer_is_abandoned),
        cmocka_unit_test(resize_safe_size_and_apply_change_what_the_disk_answers),
    };
    const struct CMUnitTest qemu_tests[] = {
        cmocka_unit_test(a_whole_backup_flow_keeps_the_snapshot_and_reports_exactly_the_writes),
    };
    if (argc > 1 && strcmp(argv[1], "--qemu-img") == 0) {
        if (!tu_which("qemu-img", qemu_img, sizeof qemu_img))
            tu_skip("qemu-img is not installed (Debian package qemu-utils; .ci/packages lists "
                    "it): the extracted VHDX cannot be compared");
        return cmocka_run_group_tests(qemu_tests, NULL, NULL);
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
