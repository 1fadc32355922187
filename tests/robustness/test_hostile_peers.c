/*
 * Hostile peers: clients (and, for the resilient client, a server) that
 * flood the library with requests meant to exhaust it. Resource use must
 * stay within the configured limits - the RSVD server's max_opens and
 * max_requests; the resilient server's max_opens, max_opens_per_session and
 * max_detached; the resilient client's max_outstanding - measured with a
 * counting allocator, and every answer must be an error, never a crash or
 * unbounded growth.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_rsvd.h>
#include <rsvd/wire_smb2.h>

#include "fail_alloc.h"
#include "res_fixture.h"
#include "resilient/server_int.h"
#include "server_fixture.h"

/* A small deterministic generator (xorshift64*), so that every run sends
 * the same hostile bytes. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}

/* ---- the RSVD server ---------------------------------------------------------------------------- */

static fx *rsvd_fx(fa_alloc *a, uint32_t max_opens, uint32_t max_requests)
{
    rsvd_server_config cfg = RSVD_STRUCT_INIT(rsvd_server_config);
    cfg.svhdx_supported = true;
    cfg.service_version = 2;
    cfg.mem = &a->mem;
    cfg.max_opens = max_opens;
    cfg.max_requests = max_requests;
    fx *f = fx_new_cfg(&cfg, true, true);
    assert_non_null(f);
    return f;
}

/* A client opens until max_opens and keeps trying: every CREATE beyond the
 * limit fails with STATUS_INSUFFICIENT_RESOURCES without reaching the
 * backend, and memory stops growing at the limit. */
static void open_flood_stops_at_max_opens(void **state)
{
    (void)state;
    enum { LIMIT = 256 };
    fa_alloc a;
    fa_init(&a);
    fx *f = rsvd_fx(&a, LIMIT, 0);
    uint8_t ctx[192];
    size_t cn = fx_ctx(ctx, 1, RSVD_SVHDX_ORIGINATOR_PVHDPARSER, true);
    char name[32];
    for (unsigned i = 0; i < LIMIT; i++) {
        snprintf(name, sizeof name, "d%u.vhdx", i);
        assert_int_equal(fx_create(f, name, ctx, cn, RSVD_FILE_NO_INTERMEDIATE_BUFFERING)->r.status,
                         RSVD_STATUS_SUCCESS);
    }
    size_t live = a.live, bytes = a.live_bytes, calls = f->fb.ncalls;
    for (unsigned i = 0; i < 20 * LIMIT; i++) {
        snprintf(name, sizeof name, "x%u.vhdx", i);
        fx_reply *r = fx_create(f, name, ctx, cn, RSVD_FILE_NO_INTERMEDIATE_BUFFERING);
        assert_int_equal(r->r.status, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        assert_int_equal(rsvd_server_open_count(f->srv), LIMIT);
    }
    assert_int_equal(f->fb.ncalls, calls); /* the backend never saw them */
    assert_int_equal(a.live, live);
    assert_int_equal(a.live_bytes, bytes);
    /* Closing one makes room for one. */
    assert_int_equal(rsvd_server_close(f->srv, f->opens[0], (void *)1), RSVD_OK);
    f->opens[0] = 0;
    assert_int_equal(fx_create(f, "again.vhdx", ctx, cn, RSVD_FILE_NO_INTERMEDIATE_BUFFERING)
                         ->r.status,
                     RSVD_STATUS_SUCCESS);
    fx_free(f);
    assert_int_equal(a.live, 0);
}

/* Malformed CREATEs by the thousand: each answered with its error, nothing
 * kept. */
static void malformed_create_flood_keeps_nothing(void **state)
{
    (void)state;
    fa_alloc a;
    fa_init(&a);
    fx *f = rsvd_fx(&a, 64, 0);
    /* Warm up: the OpenTable and the name index exist. */
    uint64_t warm = fx_open_scsi(f, "warm.vhdx", true);
    size_t live = a.live;
    uint8_t ctx[256], wname[64];
    for (unsigned i = 0; i < 5000; i++) {
        size_t cn = fx_ctx(ctx, 1 + (i & 1), RSVD_SVHDX_ORIGINATOR_PVHDPARSER, true);
        size_t cut = rng() % (cn + 1);
        for (unsigned k = 0; k < 4; k++)
            ctx[rng() % cn] = (uint8_t)rng();
        rsvd_server_create_req req;
        memset(&req, 0, sizeof req);
        req.file_name = wname;
        req.file_name_len = (rng() % 32) * 2 + (i & 2 ? 1 : 0);
        for (size_t k = 0; k < req.file_name_len; k++)
            wname[k] = (uint8_t)rng();
        req.create_options = RSVD_FILE_NO_INTERMEDIATE_BUFFERING;
        req.context = ctx;
        req.context_len = cut;
        req.response_context = f->ctx_room;
        req.response_context_cap = sizeof f->ctx_room;
        size_t before = f->nreplies;
        assert_int_equal(rsvd_server_create(f->srv, &req, (void *)2), RSVD_OK);
        assert_int_equal(f->nreplies, before + 1);
        fx_reply *r = fx_last(f);
        if (r->r.status == RSVD_STATUS_SUCCESS) { /* a mutation that is still valid */
            assert_int_equal(rsvd_server_close(f->srv, r->r.local_open, (void *)3), RSVD_OK);
            f->nopens--;
        }
        assert_int_equal(rsvd_server_open_count(f->srv), 1);
    }
    assert_int_equal(a.live, live);
    (void)warm;
    fx_free(f);
    assert_int_equal(a.live, 0);
}

/* Requests that would pile up in the backend: beyond max_requests calls in
 * flight, each fails at once with STATUS_INSUFFICIENT_RESOURCES; nothing is
 * queued, nothing allocated. */
static void request_flood_stops_at_max_requests(void **state)
{
    (void)state;
    enum { POOL = 8 };
    fa_alloc a;
    fa_init(&a);
    fx *f = rsvd_fx(&a, 0, POOL);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    fb_outcome slow = fb_pend(fb_ok());
    fb_set_default(&f->fb, FB_DISK, FB_WRITE, &slow);
    size_t live = a.live, calls = a.calls;
    for (uintptr_t i = 0; i < 5000; i++) {
        fx_write(f, lo, 0, 512, i, 100 + i);
        if (i < POOL)
            assert_int_equal(fx_replies_for(f, 100 + i), 0);
        else
            assert_int_equal(fx_reply_for(f, 100 + i)->r.status,
                             RSVD_STATUS_INSUFFICIENT_RESOURCES);
    }
    assert_int_equal(rsvd_server_requests_in_flight(f->srv), POOL);
    assert_int_equal(a.calls, calls);
    assert_int_equal(a.live, live);
    fb_outcome ok = fb_ok();
    fb_set_default(&f->fb, FB_DISK, FB_WRITE, &ok);
    fb_complete_all(&f->fb);
    for (uintptr_t i = 0; i < POOL; i++)
        assert_int_equal(fx_reply_for(f, 100 + i)->r.status, RSVD_STATUS_SUCCESS);
    fx_free(f);
    assert_int_equal(a.live, 0);
}

/* SRB_STATUS for keys that were never issued, by the thousand: each
 * STATUS_SVHDX_ERROR_NOT_AVAILABLE in the header, and the open's sense store
 * is not even allocated. */
static void srb_status_flood_for_absent_keys(void **state)
{
    (void)state;
    fa_alloc a;
    fa_init(&a);
    fx *f = rsvd_fx(&a, 0, 0);
    uint64_t lo = fx_open_scsi(f, "d.vhdx", true);
    size_t live = a.live, calls = a.calls;
    uint8_t body[28];
    for (unsigned i = 0; i < 20000; i++) {
        memset(body, 0, sizeof body);
        for (size_t k = 0; k < sizeof body; k++)
            body[k] = (uint8_t)rng();
        size_t before = f->nreplies;
        fx_tunnel(f, lo, RSVD_TUNNEL_SRB_STATUS_OPERATION, i, body, sizeof body, 64, NULL, 7);
        assert_int_equal(f->nreplies, before + 1);
        assert_int_equal(fx_hdr(fx_last(f)).status, RSVD_STATUS_SVHDX_ERROR_NOT_AVAILABLE);
        if (f->nreplies > 4096) { /* keep the record small */
            for (size_t k = 0; k < f->nreplies; k++)
                free(f->replies[k].out);
            f->nreplies = 0;
        }
    }
    assert_int_equal(a.calls, calls);
    assert_int_equal(a.live, live);
    fx_free(f);
    assert_int_equal(a.live, 0);
}

/* Tunnel requests with fuzzed bodies and MaxOutputResponse on every
 * operation code, by the thousand: each gets exactly one reply, within
 * MaxOutputResponse, and failures carry no output; no breach of the backend
 * contract, nothing left in flight. The version-1 operations allocate
 * nothing; a version-2 one allocates its state and frees it with its reply
 * (the open's version-2 state, once, stays until the close). */
static void fuzzed_tunnel_flood(void **state)
{
    (void)state;
    static const uint32_t ops[] = {
        RSVD_TUNNEL_GET_INITIAL_INFO_OPERATION, RSVD_TUNNEL_SCSI_OPERATION,
        RSVD_TUNNEL_CHECK_CONNECTION_STATUS_OPERATION, RSVD_TUNNEL_SRB_STATUS_OPERATION,
        RSVD_TUNNEL_GET_DISK_INFO_OPERATION, RSVD_TUNNEL_VALIDATE_DISK_OPERATION,
        RSVD_TUNNEL_META_OPERATION_START, RSVD_TUNNEL_QUERY_SAFE_SIZE, 0x02003001u, 0x01001001u,
        RSVD_TUNNEL_META_OPERATION_QUERY_PROGRESS, RSVD_TUNNEL_VHDSET_QUERY_INFORMATION,
        RSVD_TUNNEL_DELETE_SNAPSHOT, RSVD_TUNNEL_CHANGE_TRACKING_GET_PARAMETERS,
        RSVD_TUNNEL_CHANGE_TRACKING_START, RSVD_TUNNEL_CHANGE_TRACKING_STOP,
        RSVD_TUNNEL_QUERY_VIRTUAL_DISK_CHANGES,
    };
    /* The open's version-2 state, its snapshots and the transactions, made
     * first, so that the flood adds none of them. */
    fa_alloc a;
    fa_init(&a);
    fx *f = rsvd_fx(&a, 0, 0);
    uint64_t scsi = fx_open_v2(f, "d.vhds");
    uint64_t store = fx_open_store(f, "s.vhdx");
    /* One error stored, so that the store exists and SRB_STATUS finds key 1. */
    fb_outcome bad = fb_scsi(RSVD_SRB_STATUS_ERROR, RSVD_SCSI_STATUS_CHECK_CONDITION, true, NULL,
                             0);
    fb_push(&f->fb, FB_DISK, FB_WRITE, &bad);
    fx_write(f, scsi, 0, 512, 1, 1);
    fx_vm_snapshot(f, scsi, 1, 1, true);
    size_t live = a.live;
    static uint8_t body[4096], out[8192];
    for (uint32_t i = 0; i < 20000; i++) {
        size_t len = rng() % 80;
        if ((i & 15) == 0)
            len = rng() % sizeof body;
        for (size_t k = 0; k < len; k++)
            body[k] = (uint8_t)rng();
        if (len > 0 && (i & 1))
            body[0] = 36; /* Length of a SCSI request, often */
        uint32_t max = (uint32_t)(rng() % 200);
        if ((i & 7) == 0)
            max = (uint32_t)(rng() % sizeof out);
        uint64_t lo = (i & 3) == 3 ? store : scsi;
        size_t before = f->nreplies, calls = a.calls;
        uint32_t op = ops[rng() % (sizeof ops / sizeof ops[0])];
        fx_tunnel(f, lo, op, i, body, len, max, out, 8);
        fb_complete_all(&f->fb);
        if ((op & RSVD_TUNNEL_OPCODE_VERSION_MASK) != RSVD_TUNNEL_OPCODE_VERSION_2)
            assert_int_equal(a.calls, calls);
        /* Whatever the START did, its transaction stays in the open's table
         * (allocated with it); change tracking started is remembered. */
        if (op != RSVD_TUNNEL_CHANGE_TRACKING_START && op != RSVD_TUNNEL_CHANGE_TRACKING_STOP &&
            lo == scsi)
            assert_int_equal(a.live, live);
        live = a.live;
        assert_int_equal(f->nreplies, before + 1);
        fx_reply *r = fx_last(f);
        assert_true(r->r.output_len <= max);
        if (r->r.status != RSVD_STATUS_SUCCESS)
            assert_int_equal(r->r.output_len, 0);
        else
            assert_int_equal(fx_hdr(r).request_id, i);
        if (f->nreplies > 4096) {
            for (size_t k = 0; k < f->nreplies; k++)
                free(f->replies[k].out);
            f->nreplies = 0;
        }
    }
    assert_int_equal(rsvd_server_requests_in_flight(f->srv), 0);
    fx_assert_no_violation(f);
    fx_free(f);
    assert_int_equal(a.live, 0);
}

/* ---- the resilient-handle server --------------------------------------------------------------- */

static rsvd_res_server_config res_cfg(fa_alloc *a)
{
    rsvd_res_server_config cfg = RSVD_STRUCT_INIT(rsvd_res_server_config);
    cfg.mem = &a->mem;
    cfg.max_opens = 6000;
    cfg.max_opens_per_session = 4000;
    cfg.max_detached = 3000;
    return cfg;
}

/* A client opens as much as its session may, requests resiliency on every
 * open and vanishes, twice over. The session's limit stops the opens
 * (RSVD_E_LIMIT: the host answers STATUS_INSUFFICIENT_RESOURCES), the
 * detached limit closes the excess at once (reason RESOURCES), the rest is
 * scavenged at its deadline - not a millisecond before - and the second
 * attack needs no more memory than the first. */
/* FSCTL_LMR_REQUEST_RESILIENCY through @p s (no invariant walk per call:
 * there are thousands). */
static uint32_t grant(srv_fx *sx, const fx_sess *s, const rsvd_smb2_fileid *fid,
                      uint32_t timeout)
{
    uint8_t req[256], rsp[256];
    size_t n = fx_resiliency_req(s->session_id, s->tree_id, sx->next_mid++, fid, timeout, req,
                                 sizeof req);
    size_t rn = 0;
    uint32_t st = 0;
    assert_int_equal(rsvd_res_server_ioctl(sx->srv, &s->ctx, req, n, rsp, sizeof rsp, &rn, &st),
                     RSVD_OK);
    return st;
}

static void resiliency_flood_then_vanish(void **state)
{
    (void)state;
    fa_alloc a;
    fa_init(&a);
    rsvd_res_server_config cfg = res_cfg(&a);
    srv_fx sx;
    fx_init(&sx, &cfg, RSVD_SMB2_DIALECT_311);
    size_t peak_first = 0;
    for (int round = 0; round < 2; round++) {
        fx_sess s = round == 0 ? sx.main
                               : fx_new_session(&sx, RSVD_SMB2_DIALECT_311, fx_alice,
                                                sizeof fx_alice, 0x100, 9);
        uint32_t n = 0;
        rsvd_smb2_fileid fid;
        for (;;) {
            int rc = rsvd_res_server_open_add(sx.srv, &s.ctx, 0, NULL, &fid);
            if (rc != RSVD_OK) {
                assert_int_equal(rc, RSVD_E_LIMIT);
                break;
            }
            assert_int_equal(grant(&sx, &s, &fid, 30000), RSVD_STATUS_SUCCESS);
            n++;
        }
        assert_int_equal(n, cfg.max_opens_per_session);
        /* More refusals change nothing. */
        for (int i = 0; i < 1000; i++)
            assert_int_equal(rsvd_res_server_open_add(sx.srv, &s.ctx, 0, NULL, &fid),
                             RSVD_E_LIMIT);
        size_t closed_before = sx.n_closed_total;
        assert_int_equal(rsvd_res_server_conn_lost(sx.srv, s.ctx.conn, sx.now), RSVD_OK);
        fx_check(&sx);
        rsvd_res_server_stats st = RSVD_STRUCT_INIT(rsvd_res_server_stats);
        rsvd_res_server_get_stats(sx.srv, &st);
        assert_int_equal(st.detached, cfg.max_detached);
        assert_int_equal(st.attached, 0);
        assert_int_equal(sx.n_closed_total - closed_before,
                         cfg.max_opens_per_session - cfg.max_detached);
        /* The deadline is now + 30000: nothing goes before it. */
        size_t closed = 0;
        assert_int_equal(rsvd_res_server_next_expiry(sx.srv), sx.now + 30000 + 1);
        assert_int_equal(rsvd_res_server_handle_expiry(sx.srv, sx.now + 30000, &closed), RSVD_OK);
        assert_int_equal(closed, 0);
        sx.now += 30001;
        assert_int_equal(rsvd_res_server_handle_expiry(sx.srv, sx.now, &closed), RSVD_OK);
        assert_int_equal(closed, cfg.max_detached);
        rsvd_res_server_get_stats(sx.srv, &st);
        assert_int_equal(st.opens, 0);
        assert_int_equal(rsvd_res_server_next_expiry(sx.srv), UINT64_MAX);
        fx_check(&sx);
        if (round == 0)
            peak_first = a.peak_bytes;
        else
            assert_true(a.peak_bytes <= peak_first + peak_first / 16);
    }
    fx_fini(&sx);
    assert_int_equal(a.live, 0);
}

/* Many sessions together cannot pass the server's max_opens. */
static void open_flood_from_many_sessions_stops_at_max_opens(void **state)
{
    (void)state;
    fa_alloc a;
    fa_init(&a);
    rsvd_res_server_config cfg = res_cfg(&a);
    srv_fx sx;
    fx_init(&sx, &cfg, RSVD_SMB2_DIALECT_311);
    uint32_t total = 0;
    for (uint64_t s = 0; s < 4; s++) {
        fx_sess ss = fx_new_session(&sx, RSVD_SMB2_DIALECT_311, fx_bob, sizeof fx_bob, 0x200 + s,
                                    (uint32_t)(20 + s));
        rsvd_smb2_fileid fid;
        while (rsvd_res_server_open_add(sx.srv, &ss.ctx, 0, NULL, &fid) == RSVD_OK)
            total++;
    }
    assert_int_equal(total, cfg.max_opens);
    size_t live = a.live;
    rsvd_smb2_fileid fid;
    for (int i = 0; i < 1000; i++)
        assert_int_equal(rsvd_res_server_open_add(sx.srv, &sx.main.ctx, 0, NULL, &fid),
                         RSVD_E_LIMIT);
    assert_int_equal(a.live, live);
    fx_check(&sx);
    fx_fini(&sx);
    assert_int_equal(a.live, 0);
}

/* A client replays and fuzzes LockSequences on a resilient open: every
 * index and number, recorded or not, over and over. Only indices 1..64 are
 * ever kept (a fixed array per open), a replay is recognised without
 * locking, and nothing is allocated however many LOCKs arrive. */
static void lock_sequence_replay_and_fuzz_keeps_no_state(void **state)
{
    (void)state;
    fa_alloc a;
    fa_init(&a);
    rsvd_res_server_config cfg = res_cfg(&a);
    srv_fx sx;
    fx_init(&sx, &cfg, RSVD_SMB2_DIALECT_311);
    rsvd_smb2_fileid fid = fx_open(&sx);
    fx_make_resilient(&sx, &fid, 60000);
    size_t live = a.live, calls = a.calls;
    uint32_t replays = 0;
    for (uint32_t i = 0; i < 50000; i++) {
        uint32_t ls = (uint32_t)rng();
        if (i & 1) /* half of them in the tracked range */
            ls = rsvd_smb2_lock_seq_encode(1 + (uint32_t)(rng() % 64), (uint8_t)(rng() & 0xF));
        rsvd_res_lock_op op = fx_lock_begin(&sx, &sx.main, &fid, ls);
        assert_true(op.action == RSVD_RES_LOCK_PROCESS || op.action == RSVD_RES_LOCK_REPLAY);
        if (op.action == RSVD_RES_LOCK_REPLAY) {
            replays++;
            uint32_t idx = rsvd_smb2_lock_seq_index(ls);
            assert_true(idx >= 1 && idx <= 64);
        }
        uint32_t end = (rng() & 1) ? RSVD_STATUS_SUCCESS : RSVD_STATUS_LOCK_NOT_GRANTED;
        assert_int_equal(rsvd_res_server_lock_end(sx.srv, &op, end), RSVD_OK);
        /* The exact replay of a request that succeeded is recognised. */
        if (op.action == RSVD_RES_LOCK_PROCESS && (i % 97) == 0) {
            uint32_t r = rsvd_smb2_lock_seq_encode(7, (uint8_t)(i & 0xF));
            rsvd_res_lock_op p = fx_lock_begin(&sx, &sx.main, &fid, r);
            assert_int_equal(rsvd_res_server_lock_end(sx.srv, &p, RSVD_STATUS_SUCCESS), RSVD_OK);
            assert_int_equal(fx_lock_begin(&sx, &sx.main, &fid, r).action, RSVD_RES_LOCK_REPLAY);
        }
    }
    assert_true(replays > 0);
    bool valid;
    uint8_t number;
    assert_int_equal(rsvd_res_server_lock_seq(sx.srv, fid.persistent_id, 65, &valid, &number),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_lock_seq(sx.srv, fid.persistent_id, 0, &valid, &number),
                     RSVD_E_INVAL);
    assert_int_equal(a.calls, calls);
    assert_int_equal(a.live, live);
    fx_check(&sx);
    fx_fini(&sx);
    assert_int_equal(a.live, 0);
}

/* A host that hands back a LOCK op that lock_begin did not fill (stale,
 * copied badly, overwritten): its private fields name an index outside the
 * LockSequenceArray. lock_end refuses it (RSVD_E_INVAL) and records
 * nothing, instead of writing outside the open. */
static void lock_end_refuses_a_corrupted_op(void **state)
{
    (void)state;
    fa_alloc a;
    fa_init(&a);
    rsvd_res_server_config cfg = res_cfg(&a);
    srv_fx sx;
    fx_init(&sx, &cfg, RSVD_SMB2_DIALECT_311);
    rsvd_smb2_fileid fid = fx_open(&sx);
    fx_make_resilient(&sx, &fid, 60000);
    static const uint32_t bad[] = {0, 65, 1000, 0x0FFFFFFFu, UINT32_MAX};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rsvd_res_lock_op op = fx_lock_begin(&sx, &sx.main, &fid, rsvd_smb2_lock_seq_encode(5, 3));
        assert_int_equal(op.action, RSVD_RES_LOCK_PROCESS);
        op.priv_index = bad[i];
        assert_int_equal(rsvd_res_server_lock_end(sx.srv, &op, RSVD_STATUS_SUCCESS), RSVD_E_INVAL);
    }
    for (uint32_t idx = 1; idx <= 64; idx++) {
        bool valid;
        uint8_t number;
        assert_int_equal(rsvd_res_server_lock_seq(sx.srv, fid.persistent_id, idx, &valid, &number),
                         RSVD_OK);
        assert_false(valid);
    }
    fx_check(&sx);
    fx_fini(&sx);
    assert_int_equal(a.live, 0);
}

/* Reconnect attempts naming FileIds that do not exist, or that belong to
 * another user, by the thousand: each STATUS_OBJECT_NAME_NOT_FOUND or
 * STATUS_ACCESS_DENIED, and no state is created. */
static void reconnect_guessing_keeps_no_state(void **state)
{
    (void)state;
    fa_alloc a;
    fa_init(&a);
    rsvd_res_server_config cfg = res_cfg(&a);
    srv_fx sx;
    fx_init(&sx, &cfg, RSVD_SMB2_DIALECT_311);
    rsvd_smb2_fileid mine = fx_open(&sx);
    fx_make_resilient(&sx, &mine, 60000);
    assert_int_equal(rsvd_res_server_conn_lost(sx.srv, sx.main.ctx.conn, sx.now), RSVD_OK);
    fx_sess mallory =
        fx_new_session(&sx, RSVD_SMB2_DIALECT_311, fx_bob, sizeof fx_bob, 0x666, 66);
    size_t live = a.live, calls = a.calls;
    for (uint32_t i = 0; i < 20000; i++) {
        rsvd_smb2_fileid guess = {rng(), rng()};
        if ((i & 7) == 0)
            guess.persistent_id = mine.persistent_id; /* the real one: not hers */
        rsvd_res_reconnect_result r = fx_reconnect(&sx, &mallory, &guess, FX_CC_DHNC);
        if (guess.persistent_id == mine.persistent_id)
            assert_int_equal(r.status, RSVD_STATUS_ACCESS_DENIED);
        else
            assert_int_equal(r.status, RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
    }
    assert_int_equal(a.calls, calls);
    assert_int_equal(a.live, live);
    assert_int_equal(fx_info(&sx, &mine).state, RSVD_RES_OPEN_DETACHED);
    fx_fini(&sx);
    assert_int_equal(a.live, 0);
}

/* Resiliency requests with fuzzed bytes on every open of a session: answered
 * (or refused as not the library's), never a crash, no allocation. */
static void fuzzed_resiliency_requests(void **state)
{
    (void)state;
    fa_alloc a;
    fa_init(&a);
    rsvd_res_server_config cfg = res_cfg(&a);
    srv_fx sx;
    fx_init(&sx, &cfg, RSVD_SMB2_DIALECT_311);
    rsvd_smb2_fileid fids[8];
    for (int i = 0; i < 8; i++)
        fids[i] = fx_open(&sx);
    size_t live = a.live, calls = a.calls;
    uint8_t req[256], rsp[256];
    for (uint32_t i = 0; i < 20000; i++) {
        size_t n = fx_resiliency_req(FX_SESSION_ID, FX_TREE_ID, i, &fids[i & 7],
                                     (uint32_t)rng(), req, sizeof req);
        for (unsigned k = 0; k < 1 + (i & 3); k++)
            req[rng() % n] = (uint8_t)rng();
        if (i & 8)
            n = rng() % (n + 1);
        size_t rn = 0;
        uint32_t st = 0;
        int rc = rsvd_res_server_ioctl(sx.srv, &sx.main.ctx, req, n, rsp, sizeof rsp, &rn, &st);
        if (rc == RSVD_OK) {
            rsvd_smb2_hdr h;
            assert_int_equal(rsvd_smb2_hdr_decode(rsp, rn, &h), RSVD_OK);
            assert_int_equal(h.status, st);
        } else {
            assert_int_equal(rn, 0);
        }
    }
    assert_int_equal(a.calls, calls);
    assert_int_equal(a.live, live);
    fx_check(&sx);
    fx_fini(&sx);
    assert_int_equal(a.live, 0);
}

/* ---- the resilient-handle client against a hostile server --------------------------------------- */

/* A server that answers with MessageIds never sent, floods interim
 * responses, grants absurd credits and never finishes: the client ignores
 * the strays, keeps its window from overflowing, and never has more than
 * max_outstanding requests in flight. */
static void client_against_a_hostile_server(void **state)
{
    (void)state;
    fa_alloc a;
    fa_init(&a);
    rsvd_res_client_config cfg = RSVD_STRUCT_INIT(rsvd_res_client_config);
    cfg.mem = &a.mem;
    cfg.max_outstanding = 16;
    cli_fx cx;
    rsvd_res_client_conn_params p = cx_conn_params(RSVD_SMB2_DIALECT_311);
    p.supports_multi_credit = true;
    cx_init(&cx, &cfg, &p, true);
    cx_make_resilient(&cx, 60000);
    uint8_t req[512], rsp[512];
    rsvd_res_client_msg m;
    const rsvd_smb2_lock_element e = cx_element(0);
    uint64_t sent[16];
    uint32_t n = 0;
    int rc;
    while ((rc = rsvd_res_client_lock(cx.cli, cx.open, &e, 1, NULL, req, sizeof req, &m)) ==
           RSVD_OK) {
        assert_true(n < 16);
        sent[n++] = m.message_id;
        /* An interim response with the most credits it can carry. */
        size_t rn = cx_rsp_error(req, m.len, RSVD_STATUS_PENDING, 0xFFFF, rsp, sizeof rsp);
        rsp[16] |= RSVD_SMB2_FLAGS_ASYNC_COMMAND; /* Flags: ASYNC */
        rsvd_res_client_done d;
        assert_int_equal(rsvd_res_client_on_response(cx.cli, m.conn, rsp, rn, cx.now, &d),
                         RSVD_OK);
        assert_false(d.final);
    }
    assert_int_equal(rc, RSVD_E_LIMIT);
    assert_int_equal(n, 16);
    size_t live = a.live;
    rsvd_res_client_conn_info ci = RSVD_STRUCT_INIT(rsvd_res_client_conn_info);
    assert_int_equal(rsvd_res_client_conn_info_get(cx.cli, cx.conn, &ci), RSVD_OK);
    assert_int_equal(ci.outstanding, 16);
    for (uint32_t i = 0; i < 20000; i++) {
        rsvd_smb2_hdr h;
        memset(&h, 0, sizeof h);
        h.command = RSVD_SMB2_LOCK;
        h.flags = RSVD_SMB2_FLAGS_SERVER_TO_REDIR;
        h.credit = 0xFFFF;
        h.message_id = (i & 1) ? rng() : sent[i % 16] + 1000000; /* never sent */
        if (i % 3 == 0) { /* an interim for a real request, granting the most it can */
            h.message_id = sent[i % 16];
            h.flags |= RSVD_SMB2_FLAGS_ASYNC_COMMAND;
            h.async_id = i;
            size_t rn = 0;
            assert_int_equal(rsvd_smb2_hdr_encode(&h, rsp, sizeof rsp), RSVD_OK);
            rsp[8] = 0x03; /* Status STATUS_PENDING */
            rsp[9] = 0x01;
            rsp[10] = rsp[11] = 0;
            rsp[14] = rsp[15] = 0xFF; /* CreditResponse 65535 */
            const rsvd_smb2_error empty = {0, NULL, 0};
            assert_int_equal(rsvd_smb2_error_encode(&empty, rsp + 64, sizeof rsp - 64, &rn),
                             RSVD_OK);
            rsvd_res_client_done d;
            assert_int_equal(rsvd_res_client_on_response(cx.cli, cx.conn, rsp, 64 + rn, cx.now, &d),
                             RSVD_OK);
            assert_false(d.final);
            continue;
        }
        h.status = (uint32_t)rng();
        size_t rn = 0;
        assert_int_equal(rsvd_smb2_error_response_build(&h, h.status, 0xFFFF, rsp, sizeof rsp,
                                                        &rn),
                         RSVD_OK);
        rsvd_res_client_done d;
        int r = rsvd_res_client_on_response(cx.cli, cx.conn, rsp, rn, cx.now, &d);
        bool ours = false;
        for (uint32_t k = 0; k < 16; k++)
            ours = ours || sent[k] == h.message_id;
        if (!ours)
            assert_int_equal(r, RSVD_E_NOENT);
    }
    assert_int_equal(rsvd_res_client_conn_info_get(cx.cli, cx.conn, &ci), RSVD_OK);
    assert_int_equal(ci.outstanding, 16);
    assert_true(ci.available <= UINT64_MAX - ci.next_message_id);
    assert_int_equal(a.live, live);
    cx_fini(&cx);
    assert_int_equal(a.live, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(open_flood_stops_at_max_opens),
        cmocka_unit_test(malformed_create_flood_keeps_nothing),
        cmocka_unit_test(request_flood_stops_at_max_requests),
        cmocka_unit_test(srb_status_flood_for_absent_keys),
        cmocka_unit_test(fuzzed_tunnel_flood),
        cmocka_unit_test(resiliency_flood_then_vanish),
        cmocka_unit_test(open_flood_from_many_sessions_stops_at_max_opens),
        cmocka_unit_test(lock_sequence_replay_and_fuzz_keeps_no_state),
        cmocka_unit_test(lock_end_refuses_a_corrupted_op),
        cmocka_unit_test(reconnect_guessing_keeps_no_state),
        cmocka_unit_test(fuzzed_resiliency_requests),
        cmocka_unit_test(client_against_a_hostile_server),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
