/*
 * Backend fault injection ([MS-RSVD] 3.2.5.1 - 3.2.5.9, 3.2.4): every call
 * the RSVD server makes to a backend - open, close, read, write, query/set
 * info, pass-through FSCTL, execute, get_info (tunnel and V2 CREATE),
 * validate, and the version-2 calls - completes, at once or later, with
 * each failure class:
 *
 *   I/O error        STATUS_IO_DEVICE_ERROR; a disk's CHECK CONDITION with
 *                    MEDIUM ERROR sense
 *   no space         STATUS_DISK_FULL; a disk's CHECK CONDITION DATA PROTECT,
 *                    SPACE ALLOCATION FAILED WRITE PROTECT (07/27/07)
 *   reservation      SCSI status RESERVATION CONFLICT (0x18);
 *   conflict         STATUS_SVHDX_RESERVATION_CONFLICT
 *   device gone      STATUS_NO_SUCH_DEVICE, STATUS_DEVICE_NOT_READY, with
 *                    SrbStatus NO_DEVICE
 *
 * and the reply must be the one MS-RSVD requires: a 2.2.3 code passed on, a
 * SCSI error stored under a StatusKey (and retrievable by SRB_STATUS), an
 * object-store error returned as it is, each in its channel (SMB2 status or
 * tunnel header Status). Every request gets exactly one reply; a completion
 * delivered again is refused; a close never overtakes calls in flight.
 *
 * The second half runs the built-in backends (virtual SCSI disk over a
 * failing block source, the file object store and the file block source
 * over failing system calls) through the server, end to end; and the
 * built-in disk's version-2 paths (copy-on-write, snapshot creation, the
 * change log, resize, apply, extract, convert) over a failing block source
 * and failing system calls under its storage directory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rsvd/file_store.h>
#include <rsvd/fscc.h>
#include <rsvd/scsi_disk.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_rsvd.h>

#include "backends/posix_file.h"
#include "backends/scsi_disk_int.h"
#include "server_fixture.h"
#include "tu_memblock.h"

/* ---- failure classes ------------------------------------------------------------------------ */

typedef enum fault_id {
    F_IO, F_IO_SENSE, F_FULL, F_FULL_SENSE, F_CONFLICT_SCSI, F_CONFLICT_STATUS, F_GONE,
    F_NOT_READY, F_GONE_SRB, F_COUNT
} fault_id;

static const char *const fault_names[F_COUNT] = {
    "I/O error", "MEDIUM ERROR sense", "disk full", "DATA PROTECT 27/07 sense",
    "SCSI RESERVATION CONFLICT", "STATUS_SVHDX_RESERVATION_CONFLICT", "STATUS_NO_SUCH_DEVICE",
    "STATUS_DEVICE_NOT_READY", "SRB NO_DEVICE",
};

/* Fixed-format sense, current, with this key and ASC/ASCQ. */
static void sense_of(uint8_t key, uint8_t asc, uint8_t ascq, uint8_t out[18])
{
    memset(out, 0, 18);
    out[0] = 0x70;
    out[2] = key;
    out[7] = 10;
    out[12] = asc;
    out[13] = ascq;
}

static fb_outcome fault_outcome(fault_id f)
{
    uint8_t s[18];
    fb_outcome o;
    switch (f) {
    case F_IO:
        return fb_fail(RSVD_STATUS_IO_DEVICE_ERROR);
    case F_IO_SENSE:
        sense_of(0x03, 0x11, 0x00, s);
        return fb_scsi(RSVD_SRB_STATUS_ERROR, RSVD_SCSI_STATUS_CHECK_CONDITION, true, s, 18);
    case F_FULL:
        return fb_fail(RSVD_STATUS_DISK_FULL);
    case F_FULL_SENSE:
        sense_of(0x07, 0x27, 0x07, s);
        return fb_scsi(RSVD_SRB_STATUS_ERROR, RSVD_SCSI_STATUS_CHECK_CONDITION, true, s, 18);
    case F_CONFLICT_SCSI:
        return fb_scsi(RSVD_SRB_STATUS_ERROR, RSVD_SCSI_STATUS_RESERVATION_CONFLICT, false, NULL,
                       0);
    case F_CONFLICT_STATUS:
        return fb_fail(RSVD_STATUS_SVHDX_RESERVATION_CONFLICT);
    case F_GONE:
        return fb_fail(RSVD_STATUS_NO_SUCH_DEVICE);
    case F_NOT_READY:
        return fb_fail(RSVD_STATUS_DEVICE_NOT_READY);
    case F_GONE_SRB:
    default:
        o = fb_fail(RSVD_STATUS_NO_SUCH_DEVICE);
        o.result.scsi.srb_status = RSVD_SRB_STATUS_NO_DEVICE;
        return o;
    }
}

/* A SCSI-level outcome: the call completed with STATUS_SUCCESS, the
 * command did not. Only a disk's SCSI calls (read, write, execute) have one. */
static bool scsi_level(fault_id f)
{
    return f == F_IO_SENSE || f == F_FULL_SENSE || f == F_CONFLICT_SCSI;
}

/* ---- the calls ------------------------------------------------------------------------------- */

typedef enum call_id {
    C_OPEN, C_CLOSE, C_READ, C_WRITE, C_QUERY_INFO, C_SET_INFO, C_FSCTL, C_EXECUTE,
    C_INITIAL_INFO, C_DISK_INFO, C_V2_OPEN_INFO, C_VALIDATE, C_COUNT
} call_id;

static const char *const call_names[C_COUNT] = {
    "open", "close", "read", "write", "query_info", "set_info", "fsctl", "execute",
    "get_info (GET_INITIAL_INFO)", "get_info (GET_DISK_INFO)", "get_info (V2 CREATE)", "validate",
};

static const fb_op call_ops[C_COUNT] = {
    FB_OPEN, FB_CLOSE, FB_READ, FB_WRITE, FB_QUERY_INFO, FB_SET_INFO, FB_FSCTL, FB_EXECUTE,
    FB_GET_INFO, FB_GET_INFO, FB_GET_INFO, FB_VALIDATE,
};

/* Which backend makes the call: the object store (true) or the disk. */
static bool call_on(call_id c, bool store)
{
    switch (c) {
    case C_FSCTL:
        return store;
    case C_EXECUTE:
    case C_INITIAL_INFO:
    case C_DISK_INFO:
    case C_V2_OPEN_INFO:
    case C_VALIDATE:
        return !store;
    default:
        return true;
    }
}

/* What the reply must be. */
typedef enum expect_kind {
    X_SMB2,       /* the SMB2 status is `status`, no output */
    X_STORED,     /* SMB2 status STATUS_SVHDX_ERROR_STORED | key: stored sense */
    X_HEADER,     /* SMB2 success, tunnel header Status `status` */
    X_HDR_STORED, /* SMB2 success, header Status STATUS_SVHDX_ERROR_STORED | key */
    X_SCSI,       /* SMB2 and header success, the SCSI outcome in the response */
    X_NO_SIZES    /* CREATE success, V2 response without the disk's sizes */
} expect_kind;

typedef struct expect {
    expect_kind kind;
    uint32_t status;
} expect;

static expect expected(call_id c, bool store, fault_id f, const fb_outcome *o)
{
    const uint32_t st = o->result.status;
    const bool rsvd_code = rsvd_status_is_rsvd_error(st);
    switch (c) {
    case C_READ:
    case C_WRITE:
        if (store) /* 2.2.3 codes and every other object-store error: as they are */
            return (expect){X_SMB2, st};
        if (f == F_CONFLICT_SCSI) /* 3.2.5.4 only; a read stores it */
            return c == C_WRITE ? (expect){X_SMB2, RSVD_STATUS_SVHDX_RESERVATION_CONFLICT}
                                : (expect){X_STORED, 0};
        if (rsvd_code) /* "specified in section 2.2.3": returned */
            return (expect){X_SMB2, st};
        return (expect){X_STORED, 0}; /* any other disk error: stored */
    case C_EXECUTE:
        if (scsi_level(f)) /* 3.2.5.5.5: the command's outcome in the response */
            return (expect){X_SCSI, 0};
        if (rsvd_code)
            return (expect){X_HEADER, st};
        return (expect){X_HDR_STORED, 0};
    case C_INITIAL_INFO:
    case C_DISK_INFO:
    case C_VALIDATE:
        return (expect){X_HEADER, st}; /* "construct the header with Status" */
    case C_V2_OPEN_INFO:
        return (expect){X_NO_SIZES, 0};
    default: /* open, close, query/set info, FSCTL: "return the error" */
        return (expect){X_SMB2, st};
    }
}

/* ---- running one case ------------------------------------------------------------------------- */

#define COOKIE 0xFA17u

static uint8_t out_buf[8192];

static void create_raw(fx *f, const char *name, uint32_t version, uint32_t originator,
                       uintptr_t cookie)
{
    uint8_t ctx[192], wname[128];
    size_t cn = fx_ctx(ctx, version, originator, true);
    rsvd_server_create_req req;
    memset(&req, 0, sizeof req);
    req.file_name = wname;
    req.file_name_len = fx_utf16(name, wname, sizeof wname);
    req.create_options = RSVD_FILE_NO_INTERMEDIATE_BUFFERING;
    req.context = ctx;
    req.context_len = cn;
    req.response_context = f->ctx_room;
    req.response_context_cap = sizeof f->ctx_room;
    assert_int_equal(rsvd_server_create(f->srv, &req, (void *)cookie), RSVD_OK);
}

static void issue(fx *f, call_id c, bool store, uint64_t lo)
{
    static uint8_t data[512];
    uint8_t scsi[36];
    switch (c) {
    case C_OPEN:
        create_raw(f, "f.vhdx", 1,
                   store ? RSVD_SVHDX_ORIGINATOR_VHDMP : RSVD_SVHDX_ORIGINATOR_PVHDPARSER, COOKIE);
        break;
    case C_V2_OPEN_INFO:
        create_raw(f, "f.vhdx", 2, RSVD_SVHDX_ORIGINATOR_PVHDPARSER, COOKIE);
        break;
    case C_CLOSE:
        assert_int_equal(rsvd_server_close(f->srv, lo, (void *)COOKIE), RSVD_OK);
        break;
    case C_READ:
        fx_read(f, lo, 0, out_buf, 512, COOKIE);
        break;
    case C_WRITE:
        fx_write(f, lo, 0, 512, 0x51, COOKIE);
        break;
    case C_QUERY_INFO: {
        rsvd_server_query_info_req q = {lo, RSVD_SMB2_0_INFO_FILE,
                                        RSVD_FILE_STANDARD_INFORMATION, 64, out_buf};
        assert_int_equal(rsvd_server_query_info(f->srv, &q, (void *)COOKIE), RSVD_OK);
        break;
    }
    case C_SET_INFO: {
        rsvd_server_set_info_req s = {lo, RSVD_SMB2_0_INFO_FILE,
                                      RSVD_FILE_END_OF_FILE_INFORMATION, data, 8};
        assert_int_equal(rsvd_server_set_info(f->srv, &s, (void *)COOKIE), RSVD_OK);
        break;
    }
    case C_FSCTL: {
        rsvd_server_ioctl_req io = {lo, 0x000980C8u, data, 16, 64, out_buf};
        assert_int_equal(rsvd_server_ioctl(f->srv, &io, (void *)COOKIE), RSVD_OK);
        break;
    }
    case C_EXECUTE:
        /* READ(10) of one block: data in. */
        memset(scsi, 0, sizeof scsi);
        scsi[0] = 36;
        scsi[4] = 10;
        scsi[5] = 20;
        scsi[6] = RSVD_SCSI_DATA_IN;
        scsi[13] = 0x02; /* DataTransferLength 512 */
        scsi[16] = 0x28;
        scsi[24] = 1;
        fx_tunnel(f, lo, RSVD_TUNNEL_SCSI_OPERATION, 0x77, scsi, sizeof scsi, 52 + 512, out_buf,
                  COOKIE);
        break;
    case C_INITIAL_INFO:
        fx_tunnel(f, lo, RSVD_TUNNEL_GET_INITIAL_INFO_OPERATION, 0x77, NULL, 0, 512, out_buf,
                  COOKIE);
        break;
    case C_DISK_INFO:
        fx_tunnel(f, lo, RSVD_TUNNEL_GET_DISK_INFO_OPERATION, 0x77, NULL, 0, 512, out_buf,
                  COOKIE);
        break;
    case C_VALIDATE:
    default:
        fx_tunnel(f, lo, RSVD_TUNNEL_VALIDATE_DISK_OPERATION, 0x77, NULL, 0, 512, out_buf,
                  COOKIE);
        break;
    }
}

/* SRB_STATUS of @p key on @p lo: the stored error must be the disk's. */
static void assert_stored(fx *f, uint64_t lo, uint8_t key, const fb_outcome *o)
{
    uint8_t body[28];
    memset(body, 0, sizeof body);
    body[0] = key;
    fx_tunnel(f, lo, RSVD_TUNNEL_SRB_STATUS_OPERATION, 0x55, body, sizeof body, 512, NULL, 0x5AB);
    fx_reply *r = fx_reply_for(f, 0x5AB);
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_SUCCESS);
    rsvd_svhdx_tunnel_srb_status_response s;
    assert_int_equal(
        rsvd_svhdx_tunnel_srb_status_response_decode(r->out + 16, r->r.output_len - 16u, &s),
        RSVD_OK);
    assert_int_equal(s.status_key, key);
    uint8_t srb = o->result.scsi.srb_status ? o->result.scsi.srb_status : RSVD_SRB_STATUS_ERROR;
    assert_int_equal(s.srb_status, srb);
    assert_int_equal(s.scsi_status, o->result.scsi.scsi_status);
    assert_int_equal(s.sense_info_auto_generated, o->result.scsi.sense_auto_generated);
    assert_int_equal(s.sense_info_ex_length, 20);
    uint8_t want[20];
    memset(want, 0, sizeof want);
    memcpy(want, o->result.scsi.sense, o->result.scsi.sense_len);
    tu_assert_bytes(s.sense_data_ex, 20, want, 20);
}

static void check_reply(fx *f, call_id c, uint64_t lo, const expect *x, const fb_outcome *o)
{
    assert_int_equal(fx_replies_for(f, COOKIE), 1); /* one reply, no more */
    fx_reply *r = fx_reply_for(f, COOKIE);
    rsvd_tunnel_hdr h;
    switch (x->kind) {
    case X_SMB2:
        assert_int_equal(r->r.status, x->status);
        assert_int_equal(r->r.output_len, 0);
        assert_int_equal(r->r.count, 0);
        assert_int_equal(r->r.create_context_len, 0);
        break;
    case X_STORED:
        assert_int_equal(r->r.status, RSVD_STATUS_SVHDX_ERROR_STORED | 1u);
        assert_int_equal(r->r.output_len, 0);
        assert_stored(f, lo, 1, o);
        break;
    case X_HEADER:
        h = fx_hdr(r);
        assert_int_equal(h.status, x->status);
        assert_int_equal(h.request_id, 0x77);
        if (c == C_VALIDATE) {
            rsvd_svhdx_tunnel_validate_disk_response v;
            assert_int_equal(rsvd_svhdx_tunnel_validate_disk_response_decode(
                                 r->out + 16, r->r.output_len - 16u, &v),
                             RSVD_OK);
            assert_int_equal(v.is_valid_disk, 0);
        } else {
            assert_int_equal(r->r.output_len, 16);
        }
        break;
    case X_HDR_STORED:
        h = fx_hdr(r);
        assert_int_equal(h.status, RSVD_STATUS_SVHDX_ERROR_STORED | 1u);
        assert_int_equal(r->r.output_len, 16);
        assert_stored(f, lo, 1, o);
        break;
    case X_SCSI: {
        h = fx_hdr(r);
        assert_int_equal(h.status, RSVD_STATUS_SUCCESS);
        rsvd_svhdx_tunnel_scsi_response s;
        assert_int_equal(rsvd_svhdx_tunnel_scsi_response_decode(r->out + 16,
                                                                r->r.output_len - 16u, &s),
                         RSVD_OK);
        assert_int_equal(s.scsi_status, o->result.scsi.scsi_status);
        assert_int_equal(s.srb_status, o->result.scsi.srb_status);
        assert_int_equal(s.sense_info_ex_length, 20);
        if (o->result.scsi.sense_len)
            tu_assert_bytes(s.sense_data_ex, o->result.scsi.sense_len, o->result.scsi.sense,
                            o->result.scsi.sense_len);
        break;
    }
    case X_NO_SIZES:
    default: {
        assert_int_equal(r->r.status, RSVD_STATUS_SUCCESS);
        assert_int_equal(r->r.create_context_len, 192);
        rsvd_svhdx_open_device_context v2;
        assert_int_equal(rsvd_svhdx_open_device_context_v2_decode(r->ctx, 192, &v2), RSVD_OK);
        assert_int_equal(v2.virtual_disk_properties_initialized, 0);
        assert_int_equal(v2.server_service_version, 2);
        assert_int_equal(v2.virtual_size, 0);
        assert_int_equal(v2.virtual_sector_size, 0);
        break;
    }
    }
}

/* One call failing with one fault, completed at once or later. */
static void run_case(call_id c, bool store, fault_id fid, bool pending)
{
    fx *f = fx_new(RSVD_PROTOCOL_VERSION_2);
    uint64_t lo = 0;
    if (c != C_OPEN && c != C_V2_OPEN_INFO)
        lo = store ? fx_open_store(f, "d.vhdx") : fx_open_scsi(f, "d.vhdx", true);
    const fb_side side = store ? FB_STORE : FB_DISK;
    fb_outcome o = fault_outcome(fid);
    o.pending = pending;
    fb_push(&f->fb, side, call_ops[c], &o);
    size_t calls_before = f->fb.ncalls;
    issue(f, c, store, lo);
    size_t k = fb_last(&f->fb, side, call_ops[c]);
    assert_true(k != (size_t)-1 && k >= calls_before);
    if (pending) {
        /* Nothing is answered before the backend completes. */
        assert_int_equal(fx_replies_for(f, COOKIE), 0);
        assert_int_equal(fb_complete(&f->fb, k), RSVD_OK);
    }
    expect x = expected(c, store, fid, &o);
    check_reply(f, c, lo, &x, &o);
    /* The same completion again is refused and answers nothing. */
    assert_int_equal(fb_complete_again(&f->fb, k), RSVD_E_STATE);
    assert_int_equal(fx_replies_for(f, COOKIE), 1);
    if (c == C_OPEN) {
        assert_int_equal(rsvd_server_open_count(f->srv), 0);
        assert_int_equal(f->fb.open_handles, 0);
    } else if (c == C_CLOSE) {
        /* Freed whatever the backend said: later requests find nothing. */
        assert_int_equal(rsvd_server_open_count(f->srv), 0);
        fx_write(f, lo, 0, 512, 9, 0xC1);
        assert_int_equal(fx_reply_for(f, 0xC1)->r.status, RSVD_STATUS_INVALID_PARAMETER);
    } else if (c != C_V2_OPEN_INFO) {
        /* The open still works. */
        uint8_t rb[512];
        fx_read(f, lo, 0, rb, sizeof rb, 0xC2);
        assert_int_equal(fx_reply_for(f, 0xC2)->r.status, RSVD_STATUS_SUCCESS);
    }
    assert_int_equal(rsvd_server_requests_in_flight(f->srv), 0);
    fx_free(f); /* no leak, no contract breach */
}

static void every_backend_call_maps_every_failure_class(void **state)
{
    (void)state;
    size_t cases = 0;
    for (int c = 0; c < C_COUNT; c++)
        for (int s = 0; s < 2; s++) {
            bool store = s == 0;
            if (!call_on((call_id)c, store))
                continue;
            for (int fid = 0; fid < F_COUNT; fid++) {
                bool scsi_call = !store && (c == C_READ || c == C_WRITE || c == C_EXECUTE);
                if (scsi_level((fault_id)fid) && !scsi_call)
                    continue; /* a call that has no SCSI outcome */
                for (int pending = 0; pending < 2; pending++) {
                    print_message("%s %s: %s%s\n", store ? "store" : "disk",
                                  call_names[c], fault_names[fid], pending ? " (later)" : "");
                    run_case((call_id)c, store, (fault_id)fid, pending != 0);
                    cases++;
                }
            }
        }
    assert_true(cases > 200);
}

/* ---- a close does not overtake the calls in flight ------------------------------------------------ */

/* [MS-RSVD] 3.2.5.2 with calls in flight: the backend close is issued only
 * once every call on the open has completed (the fake counts a close over
 * calls in flight as a breach); each call, failing, gets its own reply
 * before the CLOSE's; completions delivered after the close are refused. */
static void close_waits_for_failing_calls_and_late_completions_are_refused(void **state)
{
    (void)state;
    for (int store = 0; store < 2; store++) {
        fx *f = fx_new(RSVD_PROTOCOL_VERSION_1);
        uint64_t lo = store ? fx_open_store(f, "d.vhdx") : fx_open_scsi(f, "d.vhdx", true);
        const fb_side side = store ? FB_STORE : FB_DISK;
        fb_outcome io = fb_pend(fault_outcome(F_IO));
        fb_outcome gone = fb_pend(fault_outcome(F_GONE));
        fb_outcome full = fb_pend(fault_outcome(F_FULL));
        fb_push(&f->fb, side, FB_READ, &io);
        fb_push(&f->fb, side, FB_WRITE, &full);
        fb_push(&f->fb, side, FB_QUERY_INFO, &gone);
        fx_read(f, lo, 0, out_buf, 512, 1);
        fx_write(f, lo, 0, 512, 2, 2);
        rsvd_server_query_info_req q = {lo, RSVD_SMB2_0_INFO_FILE,
                                        RSVD_FILE_STANDARD_INFORMATION, 64, out_buf + 1024};
        assert_int_equal(rsvd_server_query_info(f->srv, &q, (void *)3), RSVD_OK);
        size_t calls[3] = {fb_last(&f->fb, side, FB_READ), fb_last(&f->fb, side, FB_WRITE),
                           fb_last(&f->fb, side, FB_QUERY_INFO)};
        assert_int_equal(rsvd_server_close(f->srv, lo, (void *)4), RSVD_OK);
        assert_int_equal(fb_count(&f->fb, side, FB_CLOSE), 0); /* waits */
        assert_int_equal(fx_replies_for(f, 4), 0);
        /* Later requests do not find the open any more. */
        fx_write(f, lo, 0, 512, 5, 5);
        assert_int_equal(fx_reply_for(f, 5)->r.status, RSVD_STATUS_INVALID_PARAMETER);
        /* Completed out of order. */
        assert_int_equal(fb_complete(&f->fb, calls[2]), RSVD_OK);
        assert_int_equal(fb_complete(&f->fb, calls[0]), RSVD_OK);
        assert_int_equal(fb_count(&f->fb, side, FB_CLOSE), 0);
        assert_int_equal(fb_complete(&f->fb, calls[1]), RSVD_OK);
        assert_int_equal(fb_count(&f->fb, side, FB_CLOSE), 1); /* now */
        for (uintptr_t k = 1; k <= 4; k++)
            assert_int_equal(fx_replies_for(f, k), 1);
        assert_int_equal(fx_reply_for(f, 3)->r.status, RSVD_STATUS_NO_SUCH_DEVICE);
        if (store) {
            assert_int_equal(fx_reply_for(f, 1)->r.status, RSVD_STATUS_IO_DEVICE_ERROR);
            assert_int_equal(fx_reply_for(f, 2)->r.status, RSVD_STATUS_DISK_FULL);
        } else {
            /* Stored, keys 1 and 2 in completion order. */
            assert_int_equal(fx_reply_for(f, 1)->r.status, RSVD_STATUS_SVHDX_ERROR_STORED | 1u);
            assert_int_equal(fx_reply_for(f, 2)->r.status, RSVD_STATUS_SVHDX_ERROR_STORED | 2u);
        }
        /* The CLOSE's reply is the last one. */
        assert_ptr_equal(fx_last(f)->r.cookie, (void *)4);
        assert_int_equal(fx_last(f)->r.status, RSVD_STATUS_SUCCESS);
        /* Every completion again, now that the open is gone: refused. */
        size_t replies = f->nreplies;
        for (size_t k = 0; k < f->fb.ncalls; k++)
            assert_int_equal(fb_complete_again(&f->fb, k), RSVD_E_STATE);
        assert_int_equal(f->nreplies, replies);
        fx_free(f);
    }
}

/* With one request in the pool, a CLOSE queues its backend close behind a
 * failing call and still answers once the call is done. */
static void close_behind_a_failing_call_with_an_empty_pool(void **state)
{
    (void)state;
    rsvd_server_config cfg = RSVD_STRUCT_INIT(rsvd_server_config);
    cfg.svhdx_supported = true;
    cfg.service_version = 1;
    cfg.max_requests = 1;
    fx *f = fx_new_cfg(&cfg, true, true);
    uint64_t a = fx_open_scsi(f, "a.vhdx", true);
    uint64_t b = fx_open_scsi(f, "b.vhdx", true);
    fb_outcome gone = fb_pend(fault_outcome(F_GONE_SRB));
    fb_push(&f->fb, FB_DISK, FB_WRITE, &gone);
    fx_write(f, a, 0, 512, 1, 1);
    size_t k = fb_last(&f->fb, FB_DISK, FB_WRITE);
    /* The pool is empty: another request fails at once, a CLOSE waits. */
    fx_write(f, b, 0, 512, 2, 2);
    assert_int_equal(fx_reply_for(f, 2)->r.status, RSVD_STATUS_INSUFFICIENT_RESOURCES);
    assert_int_equal(rsvd_server_close(f->srv, b, (void *)3), RSVD_OK);
    assert_int_equal(fx_replies_for(f, 3), 0);
    assert_int_equal(fb_complete(&f->fb, k), RSVD_OK);
    assert_int_equal(fx_reply_for(f, 1)->r.status, RSVD_STATUS_SVHDX_ERROR_STORED | 1u);
    assert_int_equal(fx_replies_for(f, 3), 1);
    assert_int_equal(fx_reply_for(f, 3)->r.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(fb_complete_again(&f->fb, k), RSVD_E_STATE);
    fx_free(f);
}

/* A backend completing with a StatusKey of its own or with STATUS_PENDING
 * (statuses only the server may issue) is treated as STATUS_UNSUCCESSFUL
 * (docs/decisions.md), whatever the call. */
static void forged_statuses_from_a_backend_are_unsuccessful(void **state)
{
    (void)state;
    static const uint32_t forged[] = {RSVD_STATUS_SVHDX_ERROR_STORED | 0x42u,
                                      RSVD_STATUS_PENDING};
    for (size_t i = 0; i < 2; i++) {
        fx *f = fx_new(RSVD_PROTOCOL_VERSION_1);
        uint64_t so = fx_open_store(f, "s.vhdx");
        fb_outcome o = fb_fail(forged[i]);
        fb_push(&f->fb, FB_STORE, FB_WRITE, &o);
        fx_write(f, so, 0, 512, 1, 1);
        assert_int_equal(fx_reply_for(f, 1)->r.status, RSVD_STATUS_UNSUCCESSFUL);
        fb_push(&f->fb, FB_STORE, FB_OPEN, &o);
        create_raw(f, "t.vhdx", 1, RSVD_SVHDX_ORIGINATOR_VHDMP, 2);
        assert_int_equal(fx_reply_for(f, 2)->r.status, RSVD_STATUS_UNSUCCESSFUL);
        fx_free(f);
    }
}

/* ---- the server's version-2 calls ([MS-RSVD] 3.2.5.5.7 - 3.2.5.5.15, 3.2.5.7) ----------------- */

/* Each version-2 request, the disk call that a failure is injected into,
 * and how the answer must carry it. */
typedef enum v2_answer {
    V2_HEADER,      /* the header's Status is the disk's */
    V2_SUCCESS,     /* the header says success whatever the disk did (optimize) */
    V2_FAIL,        /* the request fails with STATUS_INVALID_PARAMETER (extract's ids) */
    V2_DISK_DECIDES /* the failing call only informs; the next call answers */
} v2_answer;

typedef struct v2_case {
    const char *what;
    uint32_t op;       /* tunnel operation, or 0 for the target-specifier open */
    fb_op call;        /* the call that fails */
    v2_answer answer;
    uint32_t body_len; /* answer body bytes after the header on a failure */
} v2_case;

static const v2_case v2_cases[] = {
    {"create snapshot", RSVD_TUNNEL_META_OPERATION_START, FB_CREATE_SNAPSHOT, V2_HEADER, 4},
    {"optimize", RSVD_TUNNEL_META_OPERATION_START, FB_OPTIMIZE, V2_SUCCESS, 0},
    {"extract: the source id", RSVD_TUNNEL_META_OPERATION_START, FB_QUERY_VHDSET, V2_FAIL, 0},
    {"extract", RSVD_TUNNEL_META_OPERATION_START, FB_EXTRACT, V2_HEADER, 0},
    {"convert", RSVD_TUNNEL_META_OPERATION_START, FB_CONVERT, V2_HEADER, 0},
    {"resize: the current size", RSVD_TUNNEL_META_OPERATION_START, FB_GET_INFO, V2_HEADER, 0},
    {"resize", RSVD_TUNNEL_META_OPERATION_START, FB_RESIZE, V2_HEADER, 0},
    {"apply", RSVD_TUNNEL_META_OPERATION_START, FB_APPLY, V2_HEADER, 0},
    {"vhdset query", RSVD_TUNNEL_VHDSET_QUERY_INFORMATION, FB_QUERY_VHDSET, V2_HEADER, 0},
    {"delete: the active list", RSVD_TUNNEL_DELETE_SNAPSHOT, FB_QUERY_VHDSET, V2_DISK_DECIDES,
     0},
    {"delete", RSVD_TUNNEL_DELETE_SNAPSHOT, FB_DELETE_SNAPSHOT, V2_HEADER, 0},
    {"get parameters", RSVD_TUNNEL_CHANGE_TRACKING_GET_PARAMETERS, FB_CT_GET_PARAMETERS,
     V2_HEADER, 0},
    {"start tracking", RSVD_TUNNEL_CHANGE_TRACKING_START, FB_CT_START, V2_HEADER, 0},
    {"stop tracking", RSVD_TUNNEL_CHANGE_TRACKING_STOP, FB_CT_STOP, V2_HEADER, 4},
    {"changes", RSVD_TUNNEL_QUERY_VIRTUAL_DISK_CHANGES, FB_QUERY_CHANGES, V2_HEADER, 0},
    {"safe size", RSVD_TUNNEL_QUERY_SAFE_SIZE, FB_QUERY_SAFE_SIZE, V2_HEADER, 8},
    {"target-specifier open", 0, FB_OPEN_SNAPSHOT, V2_HEADER, 0},
};

/* The body of @p c's request (the snapshots it names exist). */
static size_t v2_body(const v2_case *c, uint8_t *body)
{
    memset(body, 0, 256);
    switch (c->op) {
    case RSVD_TUNNEL_META_OPERATION_START: {
        uint8_t data[128];
        size_t n = 0;
        memset(data, 0, sizeof data);
        if (c->call == FB_CREATE_SNAPSHOT) {
            const uint32_t st[] = {RSVD_SVHDX_SNAPSHOT_STAGE_INITIALIZE};
            return fx_create_snapshot(body, 1, 9, RSVD_SVHDX_SNAPSHOT_TYPE_CDP, 0, st, 1, true);
        }
        if (c->call == FB_OPTIMIZE)
            return fx_meta_start(body, 1, RSVD_SVHDX_META_OPERATION_TYPE_OPTIMIZE, NULL, 0);
        if (c->call == FB_QUERY_VHDSET || c->call == FB_EXTRACT) {
            static const uint8_t name[] = {'x', 0, 0, 0};
            rsvd_svhdx_meta_operation_extract e = {RSVD_SVHDX_SNAPSHOT_TYPE_VM, 0, fx_guid(1),
                                                   fx_guid(0), sizeof name, name};
            assert_int_equal(rsvd_svhdx_meta_operation_extract_encode(&e, data, 128, &n), 0);
            return fx_meta_start(body, 1, RSVD_SVHDX_META_OPERATION_TYPE_EXTRACT_SNAPSHOTS,
                                 data, n);
        }
        if (c->call == FB_CONVERT) {
            static const uint8_t name[] = {'a', 0, '.', 0, 'v', 0, 'h', 0, 'd', 0, 's', 0, 0, 0};
            rsvd_svhdx_meta_operation_convert_to_vhdset v = {sizeof name, name};
            assert_int_equal(rsvd_svhdx_meta_operation_convert_to_vhdset_encode(&v, data, 128,
                                                                                &n),
                             0);
            return fx_meta_start(body, 1, RSVD_SVHDX_META_OPERATION_TYPE_CONVERT_TO_VHDSET,
                                 data, n);
        }
        if (c->call == FB_GET_INFO || c->call == FB_RESIZE) {
            rsvd_svhdx_meta_operation_resize_virtual_disk rz = {2ull << 30, 1, 0, 0};
            assert_int_equal(rsvd_svhdx_meta_operation_resize_virtual_disk_encode(&rz, data, 128,
                                                                                  &n),
                             0);
            return fx_meta_start(body, 1, RSVD_SVHDX_META_OPERATION_TYPE_RESIZE, data, n);
        }
        rsvd_svhdx_apply_snapshot_params ap = {RSVD_SVHDX_SNAPSHOT_TYPE_VM, fx_guid(1)};
        assert_int_equal(rsvd_svhdx_apply_snapshot_params_encode(&ap, data, 128, &n), 0);
        return fx_meta_start(body, 1, RSVD_SVHDX_META_OPERATION_TYPE_APPLY_SNAPSHOT, data, n);
    }
    case RSVD_TUNNEL_VHDSET_QUERY_INFORMATION:
        body[0] = RSVD_SVHDX_VHDSET_INFORMATION_TYPE_OPTIMIZE_NEEDED;
        return 24;
    case RSVD_TUNNEL_DELETE_SNAPSHOT:
        memset(body, 1, 16);
        body[20] = RSVD_SVHDX_SNAPSHOT_TYPE_CDP;
        return 24;
    case RSVD_TUNNEL_CHANGE_TRACKING_START:
        return 56;
    case RSVD_TUNNEL_QUERY_VIRTUAL_DISK_CHANGES:
        memset(body, 2, 16);
        memset(body + 16, 1, 16);
        body[32] = RSVD_SVHDX_SNAPSHOT_TYPE_VM;
        body[48] = 1; /* ByteLength 1 */
        return 56;
    default:
        return 0;
    }
}

static void v2_run(const v2_case *c, uint32_t status, bool pending)
{
    fx *f = fx_new(RSVD_PROTOCOL_VERSION_2);
    uint64_t lo = fx_open_v2(f, "set.vhds");
    fx_vm_snapshot(f, lo, 0x51, 1, true);
    fx_vm_snapshot(f, lo, 0x52, 2, true);
    fb_outcome o = fb_fail(status);
    o.pending = pending;
    o.ct.change_tracking_status = RSVD_STATUS_CHANGE_TRACKING_NOT_INITIALIZED;
    fb_push(&f->fb, FB_DISK, c->call, &o);
    size_t calls_before = f->fb.ncalls;
    uint8_t body[256], out[4096];
    if (c->op) {
        size_t n = v2_body(c, body);
        uint32_t ctl = c->op == RSVD_TUNNEL_META_OPERATION_START
                           ? RSVD_FSCTL_SVHDX_ASYNC_TUNNEL_REQUEST
                           : RSVD_FSCTL_SVHDX_SYNC_TUNNEL_REQUEST;
        fx_tunnel_ctl(f, lo, ctl, c->op, 0x77, body, n, sizeof out, out, COOKIE);
    } else {
        rsvd_block_device_target_specifier ts = {0, {RSVD_SVHDX_SNAPSHOT_TYPE_VM, fx_guid(1)}};
        size_t n = 0;
        assert_int_equal(rsvd_target_specifier_ea_build(&ts, body, sizeof body, &n), RSVD_OK);
        uint8_t wname[64];
        rsvd_server_target_create_req req = RSVD_STRUCT_INIT(rsvd_server_target_create_req);
        req.file_name = wname;
        req.file_name_len = fx_utf16("set.vhds:SharedVirtualDisk", wname, sizeof wname);
        req.ea_buffer = body;
        req.ea_buffer_len = n;
        assert_int_equal(rsvd_server_create_target(f->srv, &req, (void *)COOKIE), RSVD_OK);
    }
    size_t k = fb_last(&f->fb, FB_DISK, c->call);
    assert_true(k != (size_t)-1 && k >= calls_before);
    if (pending) {
        assert_int_equal(fx_replies_for(f, COOKIE), 0);
        /* A START on the async FSCTL had its interim response signalled. */
        if (c->op == RSVD_TUNNEL_META_OPERATION_START)
            assert_int_equal(fx_interims_for(f, COOKIE), 1);
        assert_int_equal(fb_complete(&f->fb, k), RSVD_OK);
    }
    fx_reply *r = fx_reply_for(f, COOKIE);
    const uint32_t want = status == RSVD_STATUS_PENDING ||
                                  (status & RSVD_STATUS_SVHDX_ERROR_STORED_MASK) ==
                                      RSVD_STATUS_SVHDX_ERROR_STORED
                              ? RSVD_STATUS_UNSUCCESSFUL /* a forged status */
                              : status;
    if (!c->op) {
        assert_int_equal(r->r.status, want);
        assert_int_equal(rsvd_server_open_count(f->srv), 1);
    } else if (c->answer == V2_FAIL) {
        assert_int_equal(r->r.status, RSVD_STATUS_INVALID_PARAMETER);
        assert_int_equal(r->r.output_len, 0);
    } else if (c->answer == V2_DISK_DECIDES) {
        /* The next call was made and its (successful) answer came. */
        assert_int_equal(fx_hdr(r).status, RSVD_STATUS_SUCCESS);
        assert_int_equal(fb_count(&f->fb, FB_DISK, FB_DELETE_SNAPSHOT), 1);
    } else {
        rsvd_tunnel_hdr h = fx_hdr(r);
        assert_int_equal(h.operation_code, c->op);
        assert_int_equal(h.request_id, 0x77);
        assert_int_equal(h.status, c->answer == V2_SUCCESS ? RSVD_STATUS_SUCCESS : want);
        assert_int_equal(r->r.output_len, 16 + c->body_len);
    }
    assert_int_equal(fb_complete_again(&f->fb, k), RSVD_E_STATE);
    assert_int_equal(fx_replies_for(f, COOKIE), 1);
    /* The open still works. */
    uint8_t rb[512];
    fx_read(f, lo, 0, rb, sizeof rb, 0xC2);
    assert_int_equal(fx_reply_for(f, 0xC2)->r.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(rsvd_server_requests_in_flight(f->srv), 0);
    fx_free(f);
}

static void every_version_2_call_maps_every_failure(void **state)
{
    (void)state;
    static const uint32_t statuses[] = {
        RSVD_STATUS_IO_DEVICE_ERROR, RSVD_STATUS_DISK_FULL, RSVD_STATUS_NO_SUCH_DEVICE,
        RSVD_STATUS_DEVICE_NOT_READY, RSVD_STATUS_SVHDX_RESERVATION_CONFLICT,
        RSVD_STATUS_SVHDX_ERROR_STORED | 0x42u, RSVD_STATUS_PENDING};
    for (size_t c = 0; c < sizeof v2_cases / sizeof v2_cases[0]; c++)
        for (size_t s = 0; s < sizeof statuses / sizeof statuses[0]; s++)
            for (int pending = 0; pending < 2; pending++) {
                print_message("%s: %08x%s\n", v2_cases[c].what, statuses[s],
                              pending ? " (later)" : "");
                v2_run(&v2_cases[c], statuses[s], pending != 0);
            }
}

/* A failing abort (the CDP timer's, a CLOSE's) changes nothing else: the
 * CLOSE still closes. */
static void failing_aborts_do_not_stop_the_close(void **state)
{
    (void)state;
    for (int pending = 0; pending < 2; pending++) {
        fx *f = fx_new(RSVD_PROTOCOL_VERSION_2);
        uint64_t lo = fx_open_v2(f, "set.vhds");
        const uint32_t st[] = {RSVD_SVHDX_SNAPSHOT_STAGE_INITIALIZE,
                               RSVD_SVHDX_SNAPSHOT_STAGE_BLOCK_IO};
        assert_int_equal(fx_hdr(fx_snapshot(f, lo, 1, 2, RSVD_SVHDX_SNAPSHOT_TYPE_CDP, 0, st, 2))
                             .status,
                         RSVD_STATUS_SUCCESS);
        fb_outcome o = fb_fail(RSVD_STATUS_IO_DEVICE_ERROR);
        o.pending = pending != 0;
        fb_push(&f->fb, FB_DISK, FB_ABORT_SNAPSHOT, &o);
        assert_int_equal(rsvd_server_handle_expiry(f->srv, 0, NULL), RSVD_OK);
        assert_int_equal(rsvd_server_handle_expiry(f->srv, 701, NULL), RSVD_OK);
        if (pending)
            fb_complete_all(&f->fb);
        fb_push(&f->fb, FB_DISK, FB_ABORT_SNAPSHOT, &o);
        const uint32_t st2[] = {RSVD_SVHDX_SNAPSHOT_STAGE_INITIALIZE};
        assert_int_equal(fx_hdr(fx_snapshot(f, lo, 3, 4, RSVD_SVHDX_SNAPSHOT_TYPE_CDP, 0, st2, 1))
                             .status,
                         RSVD_STATUS_SUCCESS);
        assert_int_equal(rsvd_server_close(f->srv, lo, (void *)0xC3), RSVD_OK);
        if (pending)
            fb_complete_all(&f->fb);
        assert_int_equal(fb_count(&f->fb, FB_DISK, FB_ABORT_SNAPSHOT), 2);
        assert_int_equal(fx_reply_for(f, 0xC3)->r.status, RSVD_STATUS_SUCCESS);
        assert_int_equal(rsvd_server_open_count(f->srv), 0);
        f->nopens = 0;
        fx_free(f);
    }
}

/* ---- the built-in backends, end to end -------------------------------------------------------- */

typedef struct live {
    rsvd_server *srv;
    rsvd_server_reply last;
    uint8_t out[8192];
    unsigned replies;
    uint8_t ctx_room[RSVD_SERVER_CREATE_CONTEXT_MAX];
} live;

static void live_reply(void *ctx, const rsvd_server_reply *r)
{
    live *l = ctx;
    l->last = *r;
    if (r->output_len) {
        assert_true(r->output_len <= sizeof l->out);
        memmove(l->out, r->output, r->output_len);
        l->last.output = l->out;
    }
    l->replies++;
}

static void live_new(live *l, const rsvd_object_store_ops *store, void *store_ctx,
                     const rsvd_scsi_disk_ops *disk, void *disk_ctx)
{
    memset(l, 0, sizeof *l);
    rsvd_server_config cfg = RSVD_STRUCT_INIT(rsvd_server_config);
    cfg.svhdx_supported = true;
    cfg.service_version = 1;
    cfg.object_store = store;
    cfg.object_store_ctx = store_ctx;
    cfg.scsi_disk = disk;
    cfg.scsi_disk_ctx = disk_ctx;
    cfg.reply = live_reply;
    cfg.reply_ctx = l;
    assert_int_equal(rsvd_server_new(&cfg, &l->srv), RSVD_OK);
}

static uint64_t live_open(live *l, const char *name, uint32_t originator)
{
    uint8_t ctx[192], wname[128];
    size_t cn = fx_ctx(ctx, 1, originator, true);
    rsvd_server_create_req req;
    memset(&req, 0, sizeof req);
    req.file_name = wname;
    req.file_name_len = fx_utf16(name, wname, sizeof wname);
    req.create_options = RSVD_FILE_NO_INTERMEDIATE_BUFFERING;
    req.context = ctx;
    req.context_len = cn;
    req.response_context = l->ctx_room;
    req.response_context_cap = sizeof l->ctx_room;
    unsigned before = l->replies;
    assert_int_equal(rsvd_server_create(l->srv, &req, NULL), RSVD_OK);
    assert_int_equal(l->replies, before + 1);
    assert_int_equal(l->last.status, RSVD_STATUS_SUCCESS);
    return l->last.local_open;
}

static uint32_t live_write(live *l, uint64_t lo, uint64_t off, uint32_t len)
{
    static uint8_t data[4096];
    rsvd_server_write_req w = {lo, off, len, data};
    unsigned before = l->replies;
    assert_int_equal(rsvd_server_write(l->srv, &w, NULL), RSVD_OK);
    assert_int_equal(l->replies, before + 1);
    return l->last.status;
}

static uint32_t live_read(live *l, uint64_t lo, uint64_t off, uint32_t len)
{
    static uint8_t buf[4096];
    rsvd_server_read_req r = {lo, off, len, buf};
    unsigned before = l->replies;
    assert_int_equal(rsvd_server_read(l->srv, &r, NULL), RSVD_OK);
    assert_int_equal(l->replies, before + 1);
    return l->last.status;
}

/* SRB_STATUS of @p key: asserts the stored sense key, ASC and ASCQ. */
static void live_assert_sense(live *l, uint64_t lo, uint8_t key, uint8_t sk, uint8_t asc,
                              uint8_t ascq)
{
    uint8_t in[16 + 28], out[64];
    memset(in, 0, sizeof in);
    rsvd_tunnel_hdr h = {RSVD_TUNNEL_SRB_STATUS_OPERATION, 0, 9};
    assert_int_equal(rsvd_tunnel_hdr_encode(&h, in, 16), RSVD_OK);
    in[16] = key;
    rsvd_server_ioctl_req io = {lo, RSVD_FSCTL_SVHDX_SYNC_TUNNEL_REQUEST, in, sizeof in,
                                sizeof out, out};
    assert_int_equal(rsvd_server_ioctl(l->srv, &io, NULL), RSVD_OK);
    assert_int_equal(l->last.status, RSVD_STATUS_SUCCESS);
    rsvd_tunnel_hdr rh;
    assert_int_equal(rsvd_tunnel_hdr_decode(l->last.output, l->last.output_len, &rh), RSVD_OK);
    assert_int_equal(rh.status, RSVD_STATUS_SUCCESS);
    rsvd_svhdx_tunnel_srb_status_response s;
    assert_int_equal(rsvd_svhdx_tunnel_srb_status_response_decode(
                         l->last.output + 16, l->last.output_len - 16u, &s),
                     RSVD_OK);
    assert_int_equal(s.srb_status, RSVD_SRB_STATUS_ERROR);
    assert_int_equal(s.scsi_status, RSVD_SCSI_STATUS_CHECK_CONDITION);
    assert_true(s.sense_info_auto_generated);
    assert_int_equal(s.sense_data_ex[2] & 0x0F, sk);
    assert_int_equal(s.sense_data_ex[12], asc);
    assert_int_equal(s.sense_data_ex[13], ascq);
}

static void live_close(live *l, uint64_t lo)
{
    assert_int_equal(rsvd_server_close(l->srv, lo, NULL), RSVD_OK);
    assert_int_equal(l->last.command, RSVD_SMB2_CLOSE);
    assert_int_equal(l->last.status, RSVD_STATUS_SUCCESS);
}

/* The built-in virtual SCSI disk over a block source that fails: SMB2 READ
 * and WRITE store the disk's sense (MEDIUM ERROR 11/00 and 0C/00; DATA
 * PROTECT 27/07 for a full storage), a tunnelled WRITE(10) reports CHECK
 * CONDITION with that sense in its response, and VALIDATE reports the disk
 * invalid when the source cannot answer. */
static void builtin_disk_over_a_failing_block_source(void **state)
{
    (void)state;
    tu_memblock mb;
    assert_int_equal(tu_memblock_init(&mb, 1u << 20, 512, 4096), 0);
    rsvd_scsi_disk_config dc = RSVD_STRUCT_INIT(rsvd_scsi_disk_config);
    dc.block = tu_memblock_source(&mb);
    rsvd_scsi_disk *disk;
    assert_int_equal(rsvd_scsi_disk_create(&dc, &disk), RSVD_OK);
    rsvd_scsi_disk_set *set;
    assert_int_equal(rsvd_scsi_disk_set_create(NULL, &set), RSVD_OK);
    assert_int_equal(rsvd_scsi_disk_set_add(set, "disk.vhdx", disk), RSVD_OK);
    live l;
    live_new(&l, NULL, NULL, rsvd_scsi_disk_backend_ops(), set);
    uint64_t lo = live_open(&l, "disk.vhdx:SharedVirtualDisk", RSVD_SVHDX_ORIGINATOR_PVHDPARSER);

    mb.fail_write = RSVD_STATUS_IO_DEVICE_ERROR;
    assert_int_equal(live_write(&l, lo, 0, 512), RSVD_STATUS_SVHDX_ERROR_STORED | 1u);
    live_assert_sense(&l, lo, 1, 0x03, 0x0C, 0x00);
    mb.fail_write = RSVD_STATUS_DISK_FULL;
    assert_int_equal(live_write(&l, lo, 512, 512), RSVD_STATUS_SVHDX_ERROR_STORED | 2u);
    live_assert_sense(&l, lo, 2, 0x07, 0x27, 0x07);
    mb.fail_write = 0;
    mb.fail_read = RSVD_STATUS_IO_DEVICE_ERROR;
    assert_int_equal(live_read(&l, lo, 0, 512), RSVD_STATUS_SVHDX_ERROR_STORED | 3u);
    live_assert_sense(&l, lo, 3, 0x03, 0x11, 0x00);
    mb.fail_read = 0;
    assert_int_equal(live_read(&l, lo, 0, 512), RSVD_STATUS_SUCCESS);

    /* Tunnelled WRITE(10) of one block on a full storage. */
    mb.fail_write = RSVD_STATUS_DISK_FULL;
    uint8_t in[16 + 36 + 512], out[52 + 64];
    memset(in, 0, sizeof in);
    rsvd_tunnel_hdr h = {RSVD_TUNNEL_SCSI_OPERATION, 0, 7};
    assert_int_equal(rsvd_tunnel_hdr_encode(&h, in, 16), RSVD_OK);
    uint8_t *b = in + 16;
    b[0] = 36;
    b[4] = 10;
    b[5] = 20;
    b[6] = RSVD_SCSI_DATA_OUT;
    b[13] = 0x02;   /* DataTransferLength 512 */
    b[16] = 0x2A;   /* WRITE(10) */
    b[24] = 1;      /* one block */
    rsvd_server_ioctl_req io = {lo, RSVD_FSCTL_SVHDX_SYNC_TUNNEL_REQUEST, in, sizeof in,
                                sizeof out, out};
    assert_int_equal(rsvd_server_ioctl(l.srv, &io, NULL), RSVD_OK);
    assert_int_equal(l.last.status, RSVD_STATUS_SUCCESS);
    rsvd_tunnel_hdr rh;
    assert_int_equal(rsvd_tunnel_hdr_decode(l.last.output, l.last.output_len, &rh), RSVD_OK);
    assert_int_equal(rh.status, RSVD_STATUS_SUCCESS);
    rsvd_svhdx_tunnel_scsi_response s;
    assert_int_equal(rsvd_svhdx_tunnel_scsi_response_decode(l.last.output + 16,
                                                            l.last.output_len - 16u, &s),
                     RSVD_OK);
    assert_int_equal(s.scsi_status, RSVD_SCSI_STATUS_CHECK_CONDITION);
    assert_int_equal(s.srb_status, RSVD_SRB_STATUS_ERROR);
    assert_int_equal(s.sense_data_ex[2] & 0x0F, 0x07);
    assert_int_equal(s.sense_data_ex[12], 0x27);
    assert_int_equal(s.sense_data_ex[13], 0x07);
    mb.fail_write = 0;

    /* VALIDATE: the block source cannot answer. */
    mb.fail_info = RSVD_STATUS_DEVICE_NOT_READY;
    h.operation_code = RSVD_TUNNEL_VALIDATE_DISK_OPERATION;
    assert_int_equal(rsvd_tunnel_hdr_encode(&h, in, 16), RSVD_OK);
    io.input_len = 16;
    assert_int_equal(rsvd_server_ioctl(l.srv, &io, NULL), RSVD_OK);
    rsvd_svhdx_tunnel_validate_disk_response v;
    assert_int_equal(rsvd_tunnel_hdr_decode(l.last.output, l.last.output_len, &rh), RSVD_OK);
    assert_int_equal(rsvd_svhdx_tunnel_validate_disk_response_decode(
                         l.last.output + 16, l.last.output_len - 16u, &v),
                     RSVD_OK);
    assert_int_equal(v.is_valid_disk, 0);
    mb.fail_info = 0;

    live_close(&l, lo);
    assert_int_equal(rsvd_server_free(l.srv), RSVD_OK);
    rsvd_scsi_disk_set_destroy(set);
    assert_int_equal(rsvd_scsi_disk_destroy(disk), RSVD_OK);
    tu_memblock_fini(&mb);
}

/* ---- failing system calls under the file backends ---------------------------------------------- */

static int fail_pwrite_errno, fail_pread_errno;

static ssize_t failing_pwrite(int fd, const void *buf, size_t n, off_t off)
{
    if (fail_pwrite_errno) {
        errno = fail_pwrite_errno;
        return -1;
    }
    return rsvd_posix_sys_default()->pwrite(fd, buf, n, off);
}

static ssize_t failing_pread(int fd, void *buf, size_t n, off_t off)
{
    if (fail_pread_errno) {
        errno = fail_pread_errno;
        return -1;
    }
    return rsvd_posix_sys_default()->pread(fd, buf, n, off);
}

static rsvd_posix_sys failing_sys(void)
{
    rsvd_posix_sys s = *rsvd_posix_sys_default();
    s.pwrite = failing_pwrite;
    s.pread = failing_pread;
    return s;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void make_root(char *out, size_t cap)
{
    snprintf(out, cap, "%s/rsvd-fault-XXXXXX", TU_SCRATCH_DIR);
    if (!mkdtemp(out))
        fail_msg("mkdtemp: %s", strerror(errno));
    char path[1024];
    snprintf(path, sizeof path, "%s/d.vhdx", out);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    static uint8_t zero[1u << 16];
    assert_int_equal(fwrite(zero, 1, sizeof zero, f), sizeof zero);
    fclose(f);
}

/* The file object store: ENOSPC, EDQUOT and EIO from the system reach the
 * client as STATUS_DISK_FULL and STATUS_IO_DEVICE_ERROR, returned as they
 * are (an object store's errors are not stored), and the open keeps
 * working once the system does. */
static void file_store_over_failing_system_calls(void **state)
{
    (void)state;
    char root[512];
    make_root(root, sizeof root);
    rsvd_file_store_config fc = {.struct_size = sizeof(rsvd_file_store_config),.root = root};
    rsvd_file_store *fs;
    assert_int_equal(rsvd_file_store_create(&fc, &fs), RSVD_OK);
    rsvd_posix_sys sys = failing_sys();
    rsvd_file_store_set_sys(fs, &sys);
    live l;
    live_new(&l, rsvd_file_store_ops(), fs, NULL, NULL);
    uint64_t lo = live_open(&l, "d.vhdx", RSVD_SVHDX_ORIGINATOR_VHDMP);
    fail_pwrite_errno = ENOSPC;
    assert_int_equal(live_write(&l, lo, 0, 4096), RSVD_STATUS_DISK_FULL);
    fail_pwrite_errno = EDQUOT;
    assert_int_equal(live_write(&l, lo, 0, 4096), RSVD_STATUS_DISK_FULL);
    fail_pwrite_errno = EIO;
    assert_int_equal(live_write(&l, lo, 0, 4096), RSVD_STATUS_IO_DEVICE_ERROR);
    fail_pwrite_errno = 0;
    fail_pread_errno = EIO;
    assert_int_equal(live_read(&l, lo, 0, 4096), RSVD_STATUS_IO_DEVICE_ERROR);
    fail_pread_errno = ENXIO;
    assert_int_equal(live_read(&l, lo, 0, 4096), RSVD_STATUS_NO_SUCH_DEVICE);
    fail_pread_errno = 0;
    assert_int_equal(live_write(&l, lo, 0, 4096), RSVD_STATUS_SUCCESS);
    assert_int_equal(live_read(&l, lo, 0, 4096), RSVD_STATUS_SUCCESS);
    live_close(&l, lo);
    assert_int_equal(rsvd_server_free(l.srv), RSVD_OK);
    rsvd_file_store_set_sys(fs, NULL);
    assert_int_equal(rsvd_file_store_destroy(fs), RSVD_OK);
    nftw(root, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* The file block source under the built-in disk: ENOSPC on a write is the
 * disk's DATA PROTECT, SPACE ALLOCATION FAILED WRITE PROTECT (07/27/07), EIO
 * its MEDIUM ERROR, each stored by the server under a StatusKey. */
static void file_block_under_the_disk_over_failing_system_calls(void **state)
{
    (void)state;
    char root[512], path[1024];
    make_root(root, sizeof root);
    snprintf(path, sizeof path, "%s/d.vhdx", root);
    rsvd_posix_sys sys = failing_sys();
    rsvd_file_block_config bc = {.struct_size = sizeof(rsvd_file_block_config),
                                 .path = path,
                                 .direct_io = RSVD_DIRECT_IO_NEVER};
    rsvd_file_block *fb;
    rsvd_backend_diag diag;
    assert_int_equal(rsvd_file_block_open_sys(&bc, &sys, &fb, &diag), RSVD_OK);
    rsvd_scsi_disk_config dc = RSVD_STRUCT_INIT(rsvd_scsi_disk_config);
    dc.block = rsvd_file_block_source(fb);
    rsvd_scsi_disk *disk;
    assert_int_equal(rsvd_scsi_disk_create(&dc, &disk), RSVD_OK);
    rsvd_scsi_disk_set *set;
    assert_int_equal(rsvd_scsi_disk_set_create(NULL, &set), RSVD_OK);
    assert_int_equal(rsvd_scsi_disk_set_add(set, NULL, disk), RSVD_OK);
    live l;
    live_new(&l, NULL, NULL, rsvd_scsi_disk_backend_ops(), set);
    uint64_t lo = live_open(&l, "d.vhdx", RSVD_SVHDX_ORIGINATOR_PVHDPARSER);
    fail_pwrite_errno = ENOSPC;
    assert_int_equal(live_write(&l, lo, 0, 512), RSVD_STATUS_SVHDX_ERROR_STORED | 1u);
    live_assert_sense(&l, lo, 1, 0x07, 0x27, 0x07);
    fail_pwrite_errno = EIO;
    assert_int_equal(live_write(&l, lo, 0, 512), RSVD_STATUS_SVHDX_ERROR_STORED | 2u);
    live_assert_sense(&l, lo, 2, 0x03, 0x0C, 0x00);
    fail_pwrite_errno = 0;
    fail_pread_errno = EIO;
    assert_int_equal(live_read(&l, lo, 0, 512), RSVD_STATUS_SVHDX_ERROR_STORED | 3u);
    live_assert_sense(&l, lo, 3, 0x03, 0x11, 0x00);
    fail_pread_errno = 0;
    assert_int_equal(live_write(&l, lo, 0, 512), RSVD_STATUS_SUCCESS);
    live_close(&l, lo);
    assert_int_equal(rsvd_server_free(l.srv), RSVD_OK);
    rsvd_scsi_disk_set_destroy(set);
    assert_int_equal(rsvd_scsi_disk_destroy(disk), RSVD_OK);
    rsvd_file_block_close(fb);
    nftw(root, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* ---- the built-in disk's version-2 paths over failures ---------------------------------------- */

/* System calls that fail for the files whose name contains fault_name. */
static const char *fault_name;
static int fault_errno;
static char fd_names[1024][128];

static bool fd_faulty(int fd)
{
    return fault_name && fd >= 0 && fd < 1024 && strstr(fd_names[fd], fault_name);
}

static int fault_open_beneath(int dirfd, const char *path, int flags, mode_t mode)
{
    int fd = rsvd_posix_sys_default()->open_beneath(dirfd, path, flags, mode);
    if (fd >= 0 && fd < 1024)
        snprintf(fd_names[fd], sizeof fd_names[fd], "%s", path);
    return fd;
}

static ssize_t fault_pwrite(int fd, const void *buf, size_t n, off_t off)
{
    if (fd_faulty(fd)) {
        errno = fault_errno;
        return -1;
    }
    return rsvd_posix_sys_default()->pwrite(fd, buf, n, off);
}

static ssize_t fault_pread(int fd, void *buf, size_t n, off_t off)
{
    if (fd_faulty(fd)) {
        errno = fault_errno;
        return -1;
    }
    return rsvd_posix_sys_default()->pread(fd, buf, n, off);
}

static int fault_fdatasync(int fd)
{
    if (fd_faulty(fd)) {
        errno = fault_errno;
        return -1;
    }
    return rsvd_posix_sys_default()->fdatasync(fd);
}

static int fault_renameat(int od, const char *op, int nd, const char *np)
{
    if (fault_name && strstr(np, fault_name)) {
        errno = fault_errno;
        return -1;
    }
    return rsvd_posix_sys_default()->renameat(od, op, nd, np);
}

static void fault(const char *name, int err)
{
    fault_name = name;
    fault_errno = err;
}

typedef struct v2f {
    char root[512];
    tu_memblock mb;
    rsvd_posix_sys sys;
    rsvd_scsi_disk_config cfg;
    rsvd_scsi_disk *d;
    rsvd_scsi_disk_set *set;
    const rsvd_scsi_disk_ops *o;
    void *h;
} v2f;

static rsvd_guid g16(uint8_t n)
{
    rsvd_guid g;
    memset(g.b, n, sizeof g.b);
    return g;
}

static void v2f_init(v2f *f)
{
    memset(f, 0, sizeof *f);
    make_root(f->root, sizeof f->root);
    assert_int_equal(tu_memblock_init(&f->mb, 1u << 20, 512, 4096), 0);
    f->sys = *rsvd_posix_sys_default();
    f->sys.open_beneath = fault_open_beneath;
    f->sys.pwrite = fault_pwrite;
    f->sys.pread = fault_pread;
    f->sys.fdatasync = fault_fdatasync;
    f->sys.renameat = fault_renameat;
    f->cfg.struct_size = sizeof f->cfg;
    f->cfg.block = tu_memblock_source(&f->mb);
    f->cfg.storage_dir = f->root;
    f->cfg.storage_name = "disk";
    f->cfg.chunk_size = 4096;
    assert_int_equal(rsvd_scsi_disk_create_sys(&f->cfg, &f->sys, &f->d), RSVD_OK);
    assert_int_equal(rsvd_scsi_disk_set_create(NULL, &f->set), RSVD_OK);
    assert_int_equal(rsvd_scsi_disk_set_add(f->set, NULL, f->d), RSVD_OK);
    f->o = rsvd_scsi_disk_backend_ops();
    rsvd_backend_open_args a;
    memset(&a, 0, sizeof a);
    a.file_name = "d";
    a.has_initiator = true;
    a.initiator_id = g16(0xA1);
    tu_capture cap;
    f->o->open(f->set, &a, tu_capture_begin(&cap));
    f->h = tu_capture_end(&cap).handle;
}

static void v2f_fini(v2f *f)
{
    fault(NULL, 0);
    tu_capture cap;
    f->o->close(f->set, f->h, false, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_SUCCESS);
    rsvd_scsi_disk_set_destroy(f->set);
    assert_int_equal(rsvd_scsi_disk_destroy(f->d), RSVD_OK);
    tu_memblock_fini(&f->mb);
    nftw(f->root, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static uint32_t v2f_snapshot(v2f *f, uint8_t id, uint32_t flags)
{
    rsvd_disk_snapshot_args a;
    memset(&a, 0, sizeof a);
    a.transaction_id = g16((uint8_t)(0x80 | id));
    a.snapshot_id = g16(id);
    a.snapshot_type = RSVD_SVHDX_SNAPSHOT_TYPE_VM;
    a.flags = flags;
    a.stages[0] = RSVD_SVHDX_SNAPSHOT_STAGE_INITIALIZE;
    a.stages[1] = RSVD_SVHDX_SNAPSHOT_STAGE_SWITCH_OBJECT_STORE;
    a.stages[2] = RSVD_SVHDX_SNAPSHOT_STAGE_FINALIZE;
    rsvd_disk_meta_result out;
    tu_capture cap;
    f->o->create_snapshot(f->set, f->h, &a, &out, tu_capture_begin(&cap));
    return tu_capture_end(&cap).status;
}

static rsvd_io_result v2f_write(v2f *f, uint64_t off, uint8_t byte)
{
    uint8_t b[4096];
    memset(b, byte, sizeof b);
    tu_capture cap;
    f->o->write(f->set, f->h, off, b, sizeof b, tu_capture_begin(&cap));
    return tu_capture_end(&cap);
}

static uint8_t v2f_snapshot_byte(v2f *f, uint8_t id, uint64_t off)
{
    rsvd_backend_open_args a;
    memset(&a, 0, sizeof a);
    a.file_name = "d";
    rsvd_disk_snapshot_target t = {.snapshot_type = RSVD_SVHDX_SNAPSHOT_TYPE_VM,
                                   .snapshot_id = g16(id)};
    tu_capture cap;
    f->o->open_snapshot(f->set, &a, &t, tu_capture_begin(&cap));
    rsvd_io_result r = tu_capture_end(&cap);
    assert_int_equal(r.status, RSVD_STATUS_SUCCESS);
    uint8_t b[512];
    f->o->read(f->set, r.handle, off, b, sizeof b, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).scsi.scsi_status, RSVD_SCSI_STATUS_GOOD);
    f->o->close(f->set, r.handle, false, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_SUCCESS);
    return b[0];
}

static void expect_sense(rsvd_io_result r, uint8_t key, uint8_t asc, uint8_t ascq)
{
    assert_int_equal(r.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(r.scsi.scsi_status, RSVD_SCSI_STATUS_CHECK_CONDITION);
    rsvd_scsi_sense s;
    assert_int_equal(rsvd_scsi_sense_decode(r.scsi.sense, r.scsi.sense_len, &s), RSVD_OK);
    assert_true(s.key == key && s.asc == asc && s.ascq == ascq);
}

/* Copy-on-write that cannot be done fails the guest's write, and nothing
 * is written: a snapshot never loses what it held. The block source cannot
 * read the old data: MEDIUM ERROR, WRITE ERROR (03/0C/00); the delta file
 * is full: DATA PROTECT, SPACE ALLOCATION FAILED (07/27/07); I/O error on
 * it: 03/0C/00. Once the storage works again, so do the writes. */
static void copy_on_write_failures_fail_the_write_not_the_snapshot(void **state)
{
    (void)state;
    v2f f;
    v2f_init(&f);
    assert_int_equal(v2f_write(&f, 0, 0x11).scsi.scsi_status, RSVD_SCSI_STATUS_GOOD);
    assert_int_equal(v2f_snapshot(&f, 1, 0), RSVD_STATUS_SUCCESS);
    f.mb.fail_read = RSVD_STATUS_IO_DEVICE_ERROR;
    expect_sense(v2f_write(&f, 0, 0x22), 0x03, 0x0C, 0x00);
    f.mb.fail_read = 0;
    fault(".rsvdsnap", ENOSPC);
    expect_sense(v2f_write(&f, 0, 0x22), 0x07, 0x27, 0x07);
    fault(".rsvdsnap", EIO);
    expect_sense(v2f_write(&f, 0, 0x22), 0x03, 0x0C, 0x00);
    fault(NULL, 0);
    assert_int_equal(f.mb.data[0], 0x11); /* nothing written */
    assert_int_equal(v2f_snapshot_byte(&f, 1, 0), 0x11);
    assert_int_equal(v2f_write(&f, 0, 0x22).scsi.scsi_status, RSVD_SCSI_STATUS_GOOD);
    assert_int_equal(v2f_snapshot_byte(&f, 1, 0), 0x11);
    /* A delta that cannot be read fails the snapshot's reads, not the
     * disk's. */
    fault(".rsvdsnap", EIO);
    rsvd_backend_open_args a;
    memset(&a, 0, sizeof a);
    a.file_name = "d";
    rsvd_disk_snapshot_target t = {.snapshot_type = RSVD_SVHDX_SNAPSHOT_TYPE_VM,
                                   .snapshot_id = g16(1)};
    tu_capture cap;
    f.o->open_snapshot(f.set, &a, &t, tu_capture_begin(&cap));
    void *v = tu_capture_end(&cap).handle;
    uint8_t b[512];
    f.o->read(f.set, v, 0, b, sizeof b, tu_capture_begin(&cap));
    expect_sense(tu_capture_end(&cap), 0x03, 0x11, 0x00);
    f.o->close(f.set, v, false, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_SUCCESS);
    v2f_fini(&f);
}

/* A snapshot whose files cannot be made or whose metadata cannot be saved
 * is not taken, and leaves no file. */
static void snapshot_creation_failures_take_nothing(void **state)
{
    (void)state;
    v2f f;
    v2f_init(&f);
    const char *faults[] = {".rsvdsnap", ".rsvdmeta", ".rsvdmeta.tmp"};
    const int errs[] = {ENOSPC, EIO, EIO};
    for (int i = 0; i < 3; i++) {
        fault(faults[i], errs[i]);
        uint32_t st = v2f_snapshot(&f, 1, 0);
        assert_int_equal(st, errs[i] == ENOSPC ? RSVD_STATUS_DISK_FULL
                                               : RSVD_STATUS_IO_DEVICE_ERROR);
        fault(NULL, 0);
        char p[700];
        snprintf(p, sizeof p, "%s/disk.01010101010101010101010101010101.rsvdsnap", f.root);
        assert_int_equal(access(p, F_OK), -1);
        rsvd_disk_vhdset_query q = {
            .information_type = RSVD_SVHDX_VHDSET_INFORMATION_TYPE_SNAPSHOT_LIST,
            .snapshot_type = RSVD_SVHDX_SNAPSHOT_TYPE_VM};
        rsvd_disk_vhdset_info info;
        memset(&info, 0, sizeof info);
        tu_capture cap;
        f.o->query_vhdset(f.set, f.h, &q, &info, tu_capture_begin(&cap));
        assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_SUCCESS);
        assert_int_equal(info.number_of_snapshots, 0);
    }
    assert_int_equal(v2f_snapshot(&f, 1, 0), RSVD_STATUS_SUCCESS);
    /* A delete whose metadata cannot be saved keeps the snapshot. */
    fault(".rsvdmeta", EIO);
    rsvd_disk_delete_snapshot_args da = {.snapshot_id = g16(1),
                                         .snapshot_type = RSVD_SVHDX_SNAPSHOT_TYPE_VM};
    tu_capture cap;
    f.o->delete_snapshot(f.set, f.h, &da, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_IO_DEVICE_ERROR);
    fault(NULL, 0);
    assert_int_equal(v2f_snapshot_byte(&f, 1, 0), 0);
    v2f_fini(&f);
}

/* A change log that cannot be written breaks tracking
 * (INCONSISTENT_TRACKING_FILE), never the guest's write. */
static void change_log_failures_break_tracking_not_the_writes(void **state)
{
    (void)state;
    v2f f;
    v2f_init(&f);
    assert_int_equal(v2f_snapshot(&f, 1, RSVD_SVHDX_SNAPSHOT_DISK_FLAG_ENABLE_CHANGE_TRACKING),
                     RSVD_STATUS_SUCCESS);
    fault(".rsvdlog", EIO);
    assert_int_equal(v2f_write(&f, 8192, 0x33).scsi.scsi_status, RSVD_SCSI_STATUS_GOOD);
    fault(NULL, 0);
    assert_int_equal(f.mb.data[8192], 0x33);
    rsvd_disk_change_tracking_parameters p;
    tu_capture cap;
    f.o->change_tracking_get_parameters(f.set, f.h, &p, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_SUCCESS);
    assert_int_equal(p.change_tracking_status,
                     RSVD_STATUS_CHANGE_TRACKING_INCONSISTENT_TRACKING_FILE);
    rsvd_disk_changed_range r[4];
    rsvd_disk_changes ch = {.ranges = r, .ranges_cap = 4};
    rsvd_disk_query_changes_args qa = {.limit_snapshot_id = g16(1),
                                       .snapshot_type = RSVD_SVHDX_SNAPSHOT_TYPE_VM,
                                       .byte_length = 1u << 20};
    f.o->query_changes(f.set, f.h, &qa, &ch, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status,
                     RSVD_STATUS_CHANGE_TRACKING_INCONSISTENT_TRACKING_FILE);
    /* A start whose log cannot be made: its status. */
    fault(".rsvdlog", ENOSPC);
    rsvd_disk_change_tracking_start_args sa = {.log_file_id = g16(2)};
    f.o->change_tracking_start(f.set, f.h, &sa, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_DISK_FULL);
    fault(NULL, 0);
    f.o->change_tracking_start(f.set, f.h, &sa, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_SUCCESS);
    v2f_fini(&f);
}

/* Meta-operations over failures end with the storage's status: resize
 * (the block source cannot grow), apply (a write fails half-way; applying
 * again completes it), extract (the file cannot be written: none is left),
 * convert (the set file cannot be written), optimize (the new log cannot
 * replace the old: the old stays). */
static void meta_operations_over_failures(void **state)
{
    (void)state;
    v2f f;
    v2f_init(&f);
    for (int i = 0; i < 8; i++)
        assert_int_equal(v2f_write(&f, (uint64_t)i * 4096, (uint8_t)(0x40 + i)).scsi.scsi_status,
                         RSVD_SCSI_STATUS_GOOD);
    assert_int_equal(v2f_snapshot(&f, 1, RSVD_SVHDX_SNAPSHOT_DISK_FLAG_ENABLE_CHANGE_TRACKING),
                     RSVD_STATUS_SUCCESS);
    for (int i = 0; i < 8; i++)
        assert_int_equal(v2f_write(&f, (uint64_t)i * 4096, 0x50).scsi.scsi_status,
                         RSVD_SCSI_STATUS_GOOD);
    rsvd_disk_meta_result out;
    tu_capture cap;
    f.mb.fail_resize = RSVD_STATUS_DISK_FULL;
    rsvd_disk_resize_args ra = {.new_size = 2u << 20};
    f.o->resize(f.set, f.h, &ra, &out, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_DISK_FULL);
    f.mb.fail_resize = 0;
    f.mb.fail_write = RSVD_STATUS_IO_DEVICE_ERROR;
    rsvd_disk_apply_args aa = {.snapshot_type = RSVD_SVHDX_SNAPSHOT_TYPE_VM,
                               .snapshot_id = g16(1)};
    f.o->apply_snapshot(f.set, f.h, &aa, &out, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_IO_DEVICE_ERROR);
    assert_true(out.progress_current < out.progress_complete);
    f.mb.fail_write = 0;
    f.o->apply_snapshot(f.set, f.h, &aa, &out, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_SUCCESS);
    for (int i = 0; i < 8; i++)
        assert_int_equal(f.mb.data[i * 4096], 0x40 + i);
    fault("x.vhdx", ENOSPC);
    rsvd_disk_extract_args ea = {.snapshot_type = RSVD_SVHDX_SNAPSHOT_TYPE_VM,
                                 .source_snapshot_id = g16(1),
                                 .destination_file_name = "x.vhdx"};
    f.o->extract(f.set, f.h, &ea, &out, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_DISK_FULL);
    char p[700];
    snprintf(p, sizeof p, "%s/x.vhdx", f.root);
    assert_int_equal(access(p, F_OK), -1);
    fault("set.vhds", EIO);
    rsvd_disk_convert_args ca = {.destination_vhdset_name = "set.vhds"};
    f.o->convert_to_vhdset(f.set, f.h, &ca, &out, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_IO_DEVICE_ERROR);
    snprintf(p, sizeof p, "%s/set.vhds", f.root);
    assert_int_equal(access(p, F_OK), -1);
    fault(".rsvdlog", EIO);
    rsvd_disk_change_tracking_parameters before, after;
    f.o->change_tracking_get_parameters(f.set, f.h, &before, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_SUCCESS);
    rsvd_guid tx = g16(0x12);
    f.o->optimize(f.set, f.h, &tx, &out, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_IO_DEVICE_ERROR);
    fault(NULL, 0);
    f.o->change_tracking_get_parameters(f.set, f.h, &after, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_SUCCESS);
    assert_true(before.log_file_size == after.log_file_size);
    /* Not broken: no START was ever given, a tracked snapshot alone. */
    assert_int_equal(after.change_tracking_status, RSVD_STATUS_CHANGE_TRACKING_NOT_INITIALIZED);
    v2f_fini(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_backend_call_maps_every_failure_class),
        cmocka_unit_test(close_waits_for_failing_calls_and_late_completions_are_refused),
        cmocka_unit_test(close_behind_a_failing_call_with_an_empty_pool),
        cmocka_unit_test(forged_statuses_from_a_backend_are_unsuccessful),
        cmocka_unit_test(every_version_2_call_maps_every_failure),
        cmocka_unit_test(failing_aborts_do_not_stop_the_close),
        cmocka_unit_test(builtin_disk_over_a_failing_block_source),
        cmocka_unit_test(file_store_over_failing_system_calls),
        cmocka_unit_test(file_block_under_the_disk_over_failing_system_calls),
        cmocka_unit_test(copy_on_write_failures_fail_the_write_not_the_snapshot),
        cmocka_unit_test(snapshot_creation_failures_take_nothing),
        cmocka_unit_test(change_log_failures_break_tracking_not_the_writes),
        cmocka_unit_test(meta_operations_over_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
