/*
 * Allocation failure injection, RSVD server ([MS-RSVD] 3.2): every public
 * operation that allocates is run with its 1st, 2nd, ... Nth allocation
 * failing, until a run meets no failure. Each failing run must end with a
 * clean error (RSVD_E_NOMEM from the call, or STATUS_INSUFFICIENT_RESOURCES
 * in the reply), change nothing, leak nothing (the allocator's live count is
 * back to zero after teardown), and leave the server usable: the same
 * operation then succeeds with the allocator healthy, and a follow-up
 * operation works. The version-2 requests allocate their state per request
 * (not a hot path) and the open's version-2 state on first use.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_rsvd.h>

#include "fail_alloc.h"
#include "server_fixture.h"

/* Runs that an operation may need before one meets no failure. */
#define MAX_RUNS 64

static void nop_reply(void *ctx, const rsvd_server_reply *r)
{
    (void)ctx;
    (void)r;
}

static rsvd_server_config cfg_with(fa_alloc *a, uint32_t version)
{
    rsvd_server_config cfg = RSVD_STRUCT_INIT(rsvd_server_config);
    cfg.svhdx_supported = true;
    cfg.service_version = version;
    cfg.mem = &a->mem;
    return cfg;
}

/* A WRITE on @p lo that must succeed. */
static void write_ok(fx *f, uint64_t lo)
{
    fx_write(f, lo, 0, 512, 0x77, 0x3001);
    assert_int_equal(fx_reply_for(f, 0x3001)->r.status, RSVD_STATUS_SUCCESS);
}

/* ---- rsvd_server_new ----------------------------------------------------------------------- */

static void server_new_fails_with_nomem_and_leaks_nothing(void **state)
{
    (void)state;
    size_t hits = 0;
    for (size_t n = 1;; n++) {
        assert_true(n < MAX_RUNS);
        fa_alloc a;
        fa_init(&a);
        rsvd_server_config cfg = cfg_with(&a, 2);
        cfg.reply = nop_reply;
        rsvd_server *srv = NULL;
        fa_fail_nth(&a, n);
        int rc = rsvd_server_new(&cfg, &srv);
        bool hit = a.failed > 0;
        hits += hit;
        fa_heal(&a);
        if (hit) {
            assert_int_equal(rc, RSVD_E_NOMEM);
            assert_null(srv);
            assert_int_equal(a.live, 0);
            assert_int_equal(rsvd_server_new(&cfg, &srv), RSVD_OK); /* healthy: works */
        } else {
            assert_int_equal(rc, RSVD_OK);
        }
        assert_int_equal(rsvd_server_free(srv), RSVD_OK);
        assert_int_equal(a.live, 0);
        if (!hit)
            break;
    }
    assert_true(hits > 0); /* the operation allocates: a run met the failure */
}

/* ---- CREATE -------------------------------------------------------------------------------- */

typedef struct create_case {
    const char *what;
    uint32_t server_version, context_version, originator;
    /* Opens that exist before: 16 makes the OpenTable grow, 64 the name
     * index. */
    unsigned existing;
} create_case;

/* @return the runs whose failure the CREATE survived (name-index growth). */
static size_t create_fails_insufficient_resources(const create_case *c)
{
    size_t hits = 0, survived = 0;
    for (size_t n = 1;; n++) {
        assert_true(n < MAX_RUNS);
        fa_alloc a;
        fa_init(&a);
        rsvd_server_config cfg = cfg_with(&a, c->server_version);
        fx *f = fx_new_cfg(&cfg, true, true);
        assert_non_null(f);
        char name[32];
        for (unsigned i = 0; i < c->existing; i++) {
            snprintf(name, sizeof name, "e%u.vhdx", i);
            fx_open_scsi(f, name, true);
        }
        size_t opens = rsvd_server_open_count(f->srv);
        size_t calls = f->fb.ncalls;
        uint8_t ctx[192];
        size_t cn = fx_ctx(ctx, c->context_version, c->originator, true);

        fa_fail_nth(&a, n);
        fx_reply *r = fx_create(f, "d.vhdx", ctx, cn, RSVD_FILE_NO_INTERMEDIATE_BUFFERING);
        bool hit = a.failed > 0;
        hits += hit;
        fa_heal(&a);
        uint64_t lo = 0;
        if (hit && r->r.status != RSVD_STATUS_SUCCESS) {
            /* A clean error; nothing changed, the backend was not asked. */
            assert_int_equal(r->r.status, RSVD_STATUS_INSUFFICIENT_RESOURCES);
            assert_int_equal(r->r.create_context_len, 0);
            assert_int_equal(rsvd_server_open_count(f->srv), opens);
            assert_int_equal(f->fb.ncalls, calls);
            /* The same CREATE now succeeds. */
            r = fx_create(f, "d.vhdx", ctx, cn, RSVD_FILE_NO_INTERMEDIATE_BUFFERING);
        } else if (hit) {
            /* Only the growth of the name index may fail without failing
             * the CREATE (it keeps its buckets: longer chains). */
            assert_true(c->existing >= 64);
            survived++;
        }
        assert_int_equal(r->r.status, RSVD_STATUS_SUCCESS);
        lo = r->r.local_open;
        assert_int_equal(rsvd_server_open_count(f->srv), opens + 1);
        /* Follow-up: the open works, and it is found by name. */
        write_ok(f, lo);
        uint8_t wname[64], out[64];
        rsvd_server_query_support_req q = {lo, wname, fx_utf16("d.vhdx", wname, sizeof wname),
                                           sizeof out, out};
        assert_int_equal(rsvd_server_query_support(f->srv, &q, (void *)0x3002), RSVD_OK);
        fx_reply *qr = fx_reply_for(f, 0x3002);
        assert_int_equal(qr->r.status, RSVD_STATUS_SUCCESS);
        rsvd_svhdx_shared_virtual_disk_support_response resp;
        assert_int_equal(rsvd_svhdx_shared_virtual_disk_support_response_decode(
                             qr->out, qr->r.output_len, &resp),
                         RSVD_OK);
        assert_int_equal(resp.shared_virtual_disk_handle_state, RSVD_HANDLE_STATE_SHARED);
        fx_free(f);
        assert_int_equal(a.live, 0);
        if (!hit)
            break;
    }
    assert_true(hits > 0); /* the operation allocates: a run met the failure */
    return survived;
}

static void create_of_a_virtual_scsi_disk_fails_cleanly(void **state)
{
    (void)state;
    const create_case c = {"v1 scsi", 1, RSVD_ECP_CONTEXT_VERSION_1,
                           RSVD_SVHDX_ORIGINATOR_PVHDPARSER, 0};
    assert_int_equal(create_fails_insufficient_resources(&c), 0);
}

static void create_v2_fails_cleanly(void **state)
{
    (void)state;
    const create_case c = {"v2 scsi", 2, RSVD_ECP_CONTEXT_VERSION_2,
                           RSVD_SVHDX_ORIGINATOR_PVHDPARSER, 1};
    assert_int_equal(create_fails_insufficient_resources(&c), 0);
}

static void create_of_an_object_store_open_fails_cleanly(void **state)
{
    (void)state;
    const create_case c = {"store", 1, RSVD_ECP_CONTEXT_VERSION_1, RSVD_SVHDX_ORIGINATOR_VHDMP,
                           1};
    assert_int_equal(create_fails_insufficient_resources(&c), 0);
}

static void create_that_grows_the_open_table_fails_cleanly(void **state)
{
    (void)state;
    const create_case c = {"growth", 1, RSVD_ECP_CONTEXT_VERSION_1,
                           RSVD_SVHDX_ORIGINATOR_PVHDPARSER, 16};
    assert_int_equal(create_fails_insufficient_resources(&c), 0);
}

static void create_that_grows_the_name_index_survives_its_failure(void **state)
{
    (void)state;
    const create_case c = {"names", 1, RSVD_ECP_CONTEXT_VERSION_1,
                           RSVD_SVHDX_ORIGINATOR_PVHDPARSER, 64};
    assert_int_equal(create_fails_insufficient_resources(&c), 1);
}

/* ---- the first stored error ------------------------------------------------------------------ */

static void srb_status(fx *f, uint64_t lo, uint8_t key, uintptr_t cookie)
{
    uint8_t body[28];
    memset(body, 0, sizeof body);
    body[0] = key;
    fx_tunnel(f, lo, RSVD_TUNNEL_SRB_STATUS_OPERATION, 0x42, body, sizeof body, 512, NULL, cookie);
}

/* [MS-RSVD] 3.2.5.4: the 256-slot sense store is allocated on the first
 * stored error; if that fails the WRITE fails with
 * STATUS_INSUFFICIENT_RESOURCES and no key is issued (docs/decisions.md). */
static void first_sense_store_allocation_failure_issues_no_key(void **state)
{
    (void)state;
    fa_alloc a;
    fa_init(&a);
    rsvd_server_config cfg = cfg_with(&a, 1);
    fx *f = fx_new_cfg(&cfg, true, true);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    static const uint8_t sense[18] = {0x70, 0, 0x03, 0, 0, 0, 0, 0x0A, 0, 0, 0, 0, 0x0C, 0x00};
    fb_outcome bad = fb_scsi(RSVD_SRB_STATUS_ERROR, RSVD_SCSI_STATUS_CHECK_CONDITION, true,
                             sense, sizeof sense);
    fb_push(&f->fb, FB_DISK, FB_WRITE, &bad);
    fa_fail_nth(&a, 1);
    fx_write(f, lo, 0, 512, 1, 0x10);
    assert_int_equal(a.failed, 1);
    fa_heal(&a);
    assert_int_equal(fx_reply_for(f, 0x10)->r.status, RSVD_STATUS_INSUFFICIENT_RESOURCES);
    /* Nothing was stored under key 1 ... */
    srb_status(f, lo, 1, 0x11);
    assert_int_equal(fx_hdr(fx_reply_for(f, 0x11)).status, RSVD_STATUS_SVHDX_ERROR_NOT_AVAILABLE);
    /* ... and the sequence did not move: the next error gets key 1. */
    fb_push(&f->fb, FB_DISK, FB_WRITE, &bad);
    fx_write(f, lo, 0, 512, 2, 0x12);
    assert_int_equal(fx_reply_for(f, 0x12)->r.status, RSVD_STATUS_SVHDX_ERROR_STORED | 1u);
    srb_status(f, lo, 1, 0x13);
    fx_reply *r = fx_reply_for(f, 0x13);
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_SUCCESS);
    rsvd_svhdx_tunnel_srb_status_response s;
    assert_int_equal(rsvd_svhdx_tunnel_srb_status_response_decode(r->out + 16,
                                                                  r->r.output_len - 16u, &s),
                     RSVD_OK);
    assert_int_equal(s.scsi_status, RSVD_SCSI_STATUS_CHECK_CONDITION);
    assert_int_equal(s.sense_data_ex[2], 0x03);
    assert_int_equal(s.sense_data_ex[12], 0x0C);
    /* Follow-up: a good write. */
    write_ok(f, lo);
    fx_free(f);
    assert_int_equal(a.live, 0);
}

/* <12>: the error stored for I/O on an open without an initiator needs the
 * store too. */
static void no_initiator_sense_store_allocation_failure_is_clean(void **state)
{
    (void)state;
    fa_alloc a;
    fa_init(&a);
    rsvd_server_config cfg = cfg_with(&a, 1);
    fx *f = fx_new_cfg(&cfg, true, true);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", false);
    uint8_t buf[512];
    fa_fail_nth(&a, 1);
    fx_read(f, lo, 0, buf, sizeof buf, 0x20);
    assert_int_equal(a.failed, 1);
    fa_heal(&a);
    assert_int_equal(fx_reply_for(f, 0x20)->r.status, RSVD_STATUS_INSUFFICIENT_RESOURCES);
    assert_int_equal(f->fb.ncalls, 1); /* the open only: the disk was not asked */
    fx_read(f, lo, 0, buf, sizeof buf, 0x21);
    assert_int_equal(fx_reply_for(f, 0x21)->r.status, RSVD_STATUS_SVHDX_ERROR_STORED | 1u);
    fx_free(f);
    assert_int_equal(a.live, 0);
}

/* ---- query-support with a long name ------------------------------------------------------------- */

static void query_support_of_a_long_name_fails_cleanly(void **state)
{
    (void)state;
    fa_alloc a;
    fa_init(&a);
    rsvd_server_config cfg = cfg_with(&a, 1);
    fx *f = fx_new_cfg(&cfg, true, true);
    char longname[600];
    memset(longname, 'x', sizeof longname - 6);
    memcpy(longname + sizeof longname - 6, ".vhdx", 6);
    uint64_t lo = fx_open_scsi(f, longname, true);
    uint8_t wname[1400], out[64];
    rsvd_server_query_support_req q = {0, wname, fx_utf16(longname, wname, sizeof wname),
                                       sizeof out, out};
    fa_fail_nth(&a, 1);
    assert_int_equal(rsvd_server_query_support(f->srv, &q, (void *)0x30), RSVD_OK);
    assert_int_equal(a.failed, 1);
    fa_heal(&a);
    fx_reply *r = fx_reply_for(f, 0x30);
    assert_int_equal(r->r.status, RSVD_STATUS_INSUFFICIENT_RESOURCES);
    assert_int_equal(r->r.output_len, 0);
    assert_int_equal(rsvd_server_query_support(f->srv, &q, (void *)0x31), RSVD_OK);
    r = fx_reply_for(f, 0x31);
    assert_int_equal(r->r.status, RSVD_STATUS_SUCCESS);
    rsvd_svhdx_shared_virtual_disk_support_response resp;
    assert_int_equal(
        rsvd_svhdx_shared_virtual_disk_support_response_decode(r->out, r->r.output_len, &resp),
        RSVD_OK);
    assert_int_equal(resp.shared_virtual_disk_handle_state, RSVD_HANDLE_STATE_FILE_SHARED);
    write_ok(f, lo);
    fx_free(f);
    assert_int_equal(a.live, 0);
}

/* ---- version 2 ---------------------------------------------------------------------------------- */

typedef enum v2_req {
    R_CREATE_SNAPSHOT, R_OPTIMIZE, R_EXTRACT, R_CONVERT, R_RESIZE, R_APPLY, R_VHDSET_LIST,
    R_DELETE, R_CT_GET, R_CT_START, R_CT_STOP, R_CHANGES, R_SAFE_SIZE, R_TARGET_OPEN, R_COUNT
} v2_req;

static const char *const v2_names[R_COUNT] = {
    "create snapshot", "optimize", "extract", "convert", "resize", "apply", "snapshot list",
    "delete snapshot", "get parameters", "start tracking", "stop tracking", "changes",
    "safe size", "target-specifier open"};

static size_t v2_calls(const fx *f)
{
    size_t n = 0;
    for (fb_op op = FB_CREATE_SNAPSHOT; op <= FB_OPEN_SNAPSHOT; op++)
        n += fb_count(&f->fb, FB_DISK, op);
    return n;
}

static void v2_issue(fx *f, uint64_t lo, v2_req r, uintptr_t cookie)
{
    uint8_t body[256], data[128];
    size_t n = 0;
    memset(body, 0, sizeof body);
    memset(data, 0, sizeof data);
    uint32_t op = RSVD_TUNNEL_META_OPERATION_START;
    switch (r) {
    case R_CREATE_SNAPSHOT: {
        const uint32_t st[] = {RSVD_SVHDX_SNAPSHOT_STAGE_INITIALIZE};
        n = fx_create_snapshot(body, 0x31, 0x32, RSVD_SVHDX_SNAPSHOT_TYPE_VM, 0, st, 1, false);
        break;
    }
    case R_OPTIMIZE:
        n = fx_meta_start(body, 0x33, RSVD_SVHDX_META_OPERATION_TYPE_OPTIMIZE, NULL, 0);
        break;
    case R_EXTRACT: {
        static const uint8_t name[] = {'x', 0, 0, 0};
        rsvd_svhdx_meta_operation_extract e = {RSVD_SVHDX_SNAPSHOT_TYPE_VM, 0, fx_guid(1),
                                               fx_guid(0), sizeof name, name};
        assert_int_equal(rsvd_svhdx_meta_operation_extract_encode(&e, data, 128, &n), RSVD_OK);
        n = fx_meta_start(body, 0x34, RSVD_SVHDX_META_OPERATION_TYPE_EXTRACT_SNAPSHOTS, data, n);
        break;
    }
    case R_CONVERT: {
        static const uint8_t name[] = {'a', 0, '.', 0, 'v', 0, 'h', 0, 'd', 0, 's', 0, 0, 0};
        rsvd_svhdx_meta_operation_convert_to_vhdset c = {sizeof name, name};
        assert_int_equal(rsvd_svhdx_meta_operation_convert_to_vhdset_encode(&c, data, 128, &n),
                         RSVD_OK);
        n = fx_meta_start(body, 0x35, RSVD_SVHDX_META_OPERATION_TYPE_CONVERT_TO_VHDSET, data, n);
        break;
    }
    case R_RESIZE: {
        rsvd_svhdx_meta_operation_resize_virtual_disk rz = {2ull << 30, 1, 0, 0};
        assert_int_equal(rsvd_svhdx_meta_operation_resize_virtual_disk_encode(&rz, data, 128, &n),
                         RSVD_OK);
        n = fx_meta_start(body, 0x36, RSVD_SVHDX_META_OPERATION_TYPE_RESIZE, data, n);
        break;
    }
    case R_APPLY: {
        rsvd_svhdx_apply_snapshot_params ap = {RSVD_SVHDX_SNAPSHOT_TYPE_VM, fx_guid(1)};
        assert_int_equal(rsvd_svhdx_apply_snapshot_params_encode(&ap, data, 128, &n), RSVD_OK);
        n = fx_meta_start(body, 0x37, RSVD_SVHDX_META_OPERATION_TYPE_APPLY_SNAPSHOT, data, n);
        break;
    }
    case R_VHDSET_LIST:
        op = RSVD_TUNNEL_VHDSET_QUERY_INFORMATION;
        body[0] = RSVD_SVHDX_VHDSET_INFORMATION_TYPE_SNAPSHOT_LIST;
        body[4] = RSVD_SVHDX_SNAPSHOT_TYPE_VM;
        n = 24;
        break;
    case R_DELETE:
        op = RSVD_TUNNEL_DELETE_SNAPSHOT;
        memset(body, 1, 16);
        body[20] = RSVD_SVHDX_SNAPSHOT_TYPE_CDP;
        n = 24;
        break;
    case R_CT_GET:
        op = RSVD_TUNNEL_CHANGE_TRACKING_GET_PARAMETERS;
        break;
    case R_CT_START:
        op = RSVD_TUNNEL_CHANGE_TRACKING_START;
        n = 56;
        break;
    case R_CT_STOP:
        op = RSVD_TUNNEL_CHANGE_TRACKING_STOP;
        break;
    case R_CHANGES:
        op = RSVD_TUNNEL_QUERY_VIRTUAL_DISK_CHANGES;
        memset(body, 2, 16);
        memset(body + 16, 1, 16);
        body[32] = RSVD_SVHDX_SNAPSHOT_TYPE_VM;
        body[49] = 1;
        n = 56;
        break;
    case R_SAFE_SIZE:
        op = RSVD_TUNNEL_QUERY_SAFE_SIZE;
        break;
    default: {
        rsvd_block_device_target_specifier ts = {0, {RSVD_SVHDX_SNAPSHOT_TYPE_VM, fx_guid(7)}};
        assert_int_equal(rsvd_target_specifier_ea_build(&ts, body, sizeof body, &n), RSVD_OK);
        uint8_t wname[64];
        rsvd_server_target_create_req req = RSVD_STRUCT_INIT(rsvd_server_target_create_req);
        req.file_name = wname;
        req.file_name_len = fx_utf16("set.vhds:SharedVirtualDisk", wname, sizeof wname);
        req.ea_buffer = body;
        req.ea_buffer_len = n;
        assert_int_equal(rsvd_server_create_target(f->srv, &req, (void *)cookie), RSVD_OK);
        return;
    }
    }
    uint32_t ctl = op == RSVD_TUNNEL_META_OPERATION_START ? RSVD_FSCTL_SVHDX_ASYNC_TUNNEL_REQUEST
                                                          : RSVD_FSCTL_SVHDX_SYNC_TUNNEL_REQUEST;
    fx_tunnel_ctl(f, lo, ctl, op, 1, body, n, 4096, NULL, cookie);
}

/* Every version-2 request with its 1st, 2nd, ... allocation failing, on an
 * open that has done nothing of version 2 yet (its state is allocated then)
 * and on one that has: STATUS_INSUFFICIENT_RESOURCES and no disk call for
 * it, or success when no allocation failed; then it works healthy, and
 * nothing leaks. */
static void version_2_requests_fail_cleanly(void **state)
{
    (void)state;
    for (int r = 0; r < R_COUNT; r++)
        for (int warm = 0; warm < 2; warm++) {
            size_t hits = 0;
            for (size_t n = 1;; n++) {
                assert_true(n < MAX_RUNS);
                fa_alloc a;
                fa_init(&a);
                rsvd_server_config cfg = cfg_with(&a, 2);
                fx *f = fx_new_cfg(&cfg, true, true);
                uint64_t lo = fx_open_v2(f, "set.vhds");
                if (warm || r == R_CHANGES) {
                    fx_vm_snapshot(f, lo, 0x11, 1, true);
                    fx_vm_snapshot(f, lo, 0x12, 2, true);
                }
                size_t calls = v2_calls(f);
                size_t opens = rsvd_server_open_count(f->srv);
                fa_fail_nth(&a, n);
                v2_issue(f, lo, (v2_req)r, 0x900);
                bool hit = a.failed > 0;
                fa_heal(&a);
                fx_reply *rep = fx_reply_for(f, 0x900);
                if (hit) {
                    hits++;
                    print_message("%s%s: allocation %zu fails\n", v2_names[r],
                                  warm ? " (warm)" : "", n);
                    assert_int_equal(rep->r.status, RSVD_STATUS_INSUFFICIENT_RESOURCES);
                    assert_int_equal(rep->r.output_len, 0);
                    assert_int_equal(v2_calls(f), calls);
                    assert_int_equal(rsvd_server_open_count(f->srv), opens);
                    v2_issue(f, lo, (v2_req)r, 0x901); /* healthy: works */
                    rep = fx_reply_for(f, 0x901);
                }
                if (r == R_TARGET_OPEN)
                    assert_int_equal(rep->r.status, RSVD_STATUS_SUCCESS);
                else
                    assert_int_equal(fx_hdr(rep).status, RSVD_STATUS_SUCCESS);
                write_ok(f, lo);
                fx_free(f);
                assert_int_equal(a.live, 0);
                if (!hit)
                    break;
            }
            assert_true(hits > 0); /* each of them allocates */
        }
}

/* ---- everything else allocates nothing ------------------------------------------------------------ */

/* With every allocation failing, the requests that need no new open and no
 * first sense store still work: READ, WRITE, every tunnel operation (SRB
 * status included), query-support of a short name, QUERY_INFO, SET_INFO,
 * pass-through FSCTL, LOCK, CLOSE and a reconnect. */
static void requests_on_an_open_allocate_nothing(void **state)
{
    (void)state;
    fa_alloc a;
    fa_init(&a);
    rsvd_server_config cfg = cfg_with(&a, 1);
    fx *f = fx_new_cfg(&cfg, true, true);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    uint64_t so = fx_open_store(f, "s.vhdx");
    /* A first error, so that the open has its sense store. */
    fb_outcome bad = fb_scsi(RSVD_SRB_STATUS_ERROR, RSVD_SCSI_STATUS_CHECK_CONDITION, true, NULL,
                             0);
    fb_push(&f->fb, FB_DISK, FB_WRITE, &bad);
    fx_write(f, lo, 0, 512, 1, 0x40);
    size_t before = a.calls;
    fa_fail_all(&a);

    uint8_t buf[4096];
    fx_read(f, lo, 0, buf, 512, 0x41);
    fx_write(f, lo, 0, 512, 2, 0x42);
    fb_push(&f->fb, FB_DISK, FB_WRITE, &bad);
    fx_write(f, lo, 0, 512, 3, 0x43); /* a second error: the store exists */
    fx_tunnel(f, lo, RSVD_TUNNEL_GET_INITIAL_INFO_OPERATION, 1, NULL, 0, 512, NULL, 0x44);
    fx_tunnel(f, lo, RSVD_TUNNEL_CHECK_CONNECTION_STATUS_OPERATION, 2, NULL, 0, 512, NULL, 0x45);
    srb_status(f, lo, 1, 0x46);
    fx_tunnel(f, lo, RSVD_TUNNEL_GET_DISK_INFO_OPERATION, 3, NULL, 0, 512, NULL, 0x47);
    fx_tunnel(f, lo, RSVD_TUNNEL_VALIDATE_DISK_OPERATION, 4, NULL, 0, 512, NULL, 0x48);
    uint8_t scsi[36];
    memset(scsi, 0, sizeof scsi);
    scsi[0] = 36;
    scsi[4] = 6;
    scsi[5] = 20;
    scsi[6] = RSVD_SCSI_NO_DATA;
    fx_tunnel(f, lo, RSVD_TUNNEL_SCSI_OPERATION, 5, scsi, sizeof scsi, 512, NULL, 0x49);
    uint8_t wname[32];
    rsvd_server_query_support_req q = {lo, wname, fx_utf16("d.vhdx", wname, sizeof wname), 64,
                                       buf};
    assert_int_equal(rsvd_server_query_support(f->srv, &q, (void *)0x4A), RSVD_OK);
    rsvd_server_query_info_req qi = {so, RSVD_SMB2_0_INFO_FILE, RSVD_FILE_STANDARD_INFORMATION,
                                     64, buf};
    assert_int_equal(rsvd_server_query_info(f->srv, &qi, (void *)0x4B), RSVD_OK);
    uint8_t eof[8] = {0};
    rsvd_server_set_info_req si = {so, RSVD_SMB2_0_INFO_FILE, RSVD_FILE_END_OF_FILE_INFORMATION,
                                   eof, sizeof eof};
    assert_int_equal(rsvd_server_set_info(f->srv, &si, (void *)0x4C), RSVD_OK);
    rsvd_server_ioctl_req io = {so, 0x000900C4u, eof, 0, 64, buf};
    assert_int_equal(rsvd_server_ioctl(f->srv, &io, (void *)0x4D), RSVD_OK);
    assert_int_equal(rsvd_server_lock(f->srv, lo, (void *)0x4E), RSVD_OK);
    rsvd_server_create_req rc;
    memset(&rc, 0, sizeof rc);
    rc.local_open = lo;
    rc.file_name = wname;
    rc.file_name_len = 12;
    assert_int_equal(rsvd_server_create(f->srv, &rc, (void *)0x4F), RSVD_OK);
    assert_int_equal(rsvd_server_close(f->srv, so, (void *)0x50), RSVD_OK);

    assert_int_equal(a.failed, 0); /* not one allocation was even tried */
    assert_int_equal(a.calls, before);
    fa_heal(&a);
    static const uintptr_t ok[] = {0x41, 0x42, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
                                   0x4A, 0x4B, 0x4C, 0x4D, 0x4F, 0x50};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        assert_int_equal(fx_replies_for(f, ok[i]), 1);
        assert_int_equal(fx_reply_for(f, ok[i])->r.status, RSVD_STATUS_SUCCESS);
    }
    assert_int_equal(fx_reply_for(f, 0x43)->r.status, RSVD_STATUS_SVHDX_ERROR_STORED | 2u);
    assert_int_equal(fx_reply_for(f, 0x4E)->r.status, RSVD_STATUS_LOCK_NOT_GRANTED);
    fx_free(f);
    assert_int_equal(a.live, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(server_new_fails_with_nomem_and_leaks_nothing),
        cmocka_unit_test(create_of_a_virtual_scsi_disk_fails_cleanly),
        cmocka_unit_test(create_v2_fails_cleanly),
        cmocka_unit_test(create_of_an_object_store_open_fails_cleanly),
        cmocka_unit_test(create_that_grows_the_open_table_fails_cleanly),
        cmocka_unit_test(create_that_grows_the_name_index_survives_its_failure),
        cmocka_unit_test(first_sense_store_allocation_failure_issues_no_key),
        cmocka_unit_test(no_initiator_sense_store_allocation_failure_is_clean),
        cmocka_unit_test(query_support_of_a_long_name_fails_cleanly),
        cmocka_unit_test(version_2_requests_fail_cleanly),
        cmocka_unit_test(requests_on_an_open_allocate_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
