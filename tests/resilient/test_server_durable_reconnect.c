/*
 * Reclaiming durable and persistent opens ([MS-SMB2] 3.3.5.9.7 DHnC,
 * 3.3.5.9.12 DH2C) through create_begin / create_end: every check in the
 * spec's order, the share (decision D11), and the RECLAIMED state.
 */
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/status.h>
#include <rsvd/wire_smb2.h>

#include "pv_fixture.h"

/* Alice's open of @p c with grant @p g, then her connection lost. */
static rsvd_smb2_fileid open_and_lose(srv_fx *fx, const pv_where *w, const pv_create *c,
                                      const pv_grant *g)
{
    fx_sess s = pv_session(fx, w);
    rsvd_res_create_op op = pv_open(fx, &s, c, g);
    assert_int_equal(op.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(rsvd_res_server_conn_lost(fx->srv, s.ctx.conn, fx->now), RSVD_OK);
    assert_int_equal(fx_info(fx, &op.file_id).state, RSVD_RES_OPEN_DETACHED);
    return op.file_id;
}

static pv_where next_session(uint64_t sid)
{
    pv_where w = pv_alice();
    w.session_id = sid;
    return w;
}

static pv_grant batch(void)
{
    pv_grant g;
    memset(&g, 0, sizeof g);
    g.oplock = RSVD_SMB2_OPLOCK_LEVEL_BATCH;
    return g;
}

static pv_create dh2q(uint8_t guid)
{
    pv_create c;
    memset(&c, 0, sizeof c);
    c.oplock = RSVD_SMB2_OPLOCK_LEVEL_BATCH;
    c.dh2q = true;
    c.create_guid = pv_guid(guid);
    return c;
}

/* 3.3.7.1 and 3.3.5.9.7: a DHnQ open holding BATCH is kept at a lost
 * connection and reclaimed with DHnC: the same FileId.Persistent, a new
 * FileId.Volatile; decision D9: ChannelSequence is the reconnect's. */
static void durable_v1_open_is_reclaimed_with_dhnc_and_a_new_volatile_id(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    pv_create c;
    memset(&c, 0, sizeof c);
    c.oplock = RSVD_SMB2_OPLOCK_LEVEL_BATCH;
    c.dhnq = true;
    pv_grant g = batch();
    rsvd_smb2_fileid f = open_and_lose(&fx, &w, &c, &g);
    pv_where w2 = next_session(0x40);
    fx_sess s2 = pv_session(&fx, &w2);
    pv_create r;
    memset(&r, 0, sizeof r);
    r.dhnc = true;
    r.reconnect = f;
    r.channel_sequence = 7;
    rsvd_res_create_op op = pv_begin(&fx, &s2, &r, NULL);
    assert_int_equal(op.action, RSVD_RES_CREATE_RECLAIM);
    assert_false(op.replay);
    assert_string_equal(op.context, RSVD_SMB2_CC_DURABLE_HANDLE_RECONNECT);
    assert_int_equal(op.create_action, RSVD_FILE_OPENED);
    assert_int_equal(op.oplock_level, RSVD_SMB2_OPLOCK_LEVEL_BATCH);
    /* RECLAIMED until the host has answered: no request reaches it yet. */
    assert_int_equal(fx_info(&fx, &f).state, RSVD_RES_OPEN_RECLAIMED);
    assert_int_equal(rsvd_res_server_open_lookup(fx.srv, &s2.ctx, &op.file_id, NULL),
                     RSVD_STATUS_FILE_CLOSED);
    assert_int_equal(pv_end(&fx, &s2, &op, NULL), RSVD_OK);
    assert_int_equal(op.status, RSVD_STATUS_SUCCESS);
    assert_null(op.rsp_context); /* B13: no durable response on a reconnect */
    assert_int_equal(op.file_id.persistent_id, f.persistent_id);
    assert_int_not_equal(op.file_id.volatile_id, f.volatile_id);
    rsvd_res_open_info i = fx_info(&fx, &f);
    assert_int_equal(i.state, RSVD_RES_OPEN_ATTACHED);
    assert_int_equal(i.channel_sequence, 7);
    assert_int_equal(i.deadline_ms, 0);
    assert_int_equal(rsvd_res_server_open_lookup(fx.srv, &s2.ctx, &op.file_id, NULL),
                     RSVD_STATUS_SUCCESS);
    fx_fini(&fx);
}

/* 3.3.5.9.12 step 2: Open.CreateGuid must be the request's; kept across
 * reclaims (pitfall B12), so a second cycle matches again. */
static void durable_v2_open_is_reclaimed_with_dh2c_and_its_create_guid(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    pv_create c = dh2q(0x11);
    pv_grant g = batch();
    rsvd_smb2_fileid f = open_and_lose(&fx, &w, &c, &g);
    pv_where w2 = next_session(0x41);
    fx_sess s2 = pv_session(&fx, &w2);
    assert_int_equal(pv_reconnect(&fx, &s2, &f, true, 0x12, false),
                     RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(pv_reconnect(&fx, &s2, &f, true, 0x00, false),
                     RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(pv_reconnect(&fx, &s2, &f, true, 0x11, false), RSVD_STATUS_SUCCESS);
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, s2.ctx.conn, fx.now), RSVD_OK);
    pv_where w3 = next_session(0x42);
    fx_sess s3 = pv_session(&fx, &w3);
    assert_int_equal(pv_reconnect(&fx, &s3, &f, true, 0x11, false), RSVD_STATUS_SUCCESS);
    fx_fini(&fx);
}

/* Decision D10 (3.3.5.9.7 step 4): the ClientGuid is checked for a leased
 * open only - an oplock-only durable open is reclaimed from another client
 * (Samba's reopen1a), the owner check being the guard; a leased one is not. */
static void dhnc_from_another_client_reclaims_only_an_open_without_lease(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    pv_create c;
    memset(&c, 0, sizeof c);
    c.oplock = RSVD_SMB2_OPLOCK_LEVEL_BATCH;
    c.dhnq = true;
    pv_grant g = batch();
    rsvd_smb2_fileid f = open_and_lose(&fx, &w, &c, &g);
    pv_where w2 = next_session(0x43);
    w2.client = 0xC3;
    fx_sess s2 = pv_session(&fx, &w2);
    assert_int_equal(pv_reconnect(&fx, &s2, &f, false, 0, false), RSVD_STATUS_SUCCESS);

    pv_where w3 = next_session(0x44);
    c.oplock = RSVD_SMB2_OPLOCK_LEVEL_LEASE;
    c.rqls = true;
    c.lease_key = pv_guid(0x55);
    c.lease_state = 7;
    g.oplock = RSVD_SMB2_OPLOCK_LEVEL_LEASE;
    g.lease_state = 7;
    rsvd_smb2_fileid f2 = open_and_lose(&fx, &w3, &c, &g);
    pv_where w4 = next_session(0x45);
    w4.client = 0xC4;
    fx_sess s4 = pv_session(&fx, &w4);
    pv_create r;
    memset(&r, 0, sizeof r);
    r.dhnc = true;
    r.reconnect = f2;
    r.rqls = true;
    r.lease_key = pv_guid(0x55);
    rsvd_res_create_op op = pv_begin(&fx, &s4, &r, NULL);
    assert_int_equal(op.status, RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
    pv_where w5 = next_session(0x46); /* Alice's own client again */
    fx_sess s5 = pv_session(&fx, &w5);
    op = pv_open(&fx, &s5, &r, NULL);
    assert_int_equal(op.status, RSVD_STATUS_SUCCESS);
    fx_fini(&fx);
}

/* Pitfall B12: the reconnect looks up FileId.Persistent only; a volatile
 * part that names nothing (or junk) is ignored. */
static void reconnect_ignores_file_id_volatile(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    pv_create c = dh2q(0x21);
    pv_grant g = batch();
    rsvd_smb2_fileid f = open_and_lose(&fx, &w, &c, &g);
    pv_where w2 = next_session(0x47);
    fx_sess s2 = pv_session(&fx, &w2);
    rsvd_smb2_fileid junk = {f.persistent_id, 0xDEADBEEFull};
    assert_int_equal(pv_reconnect(&fx, &s2, &junk, true, 0x21, false), RSVD_STATUS_SUCCESS);
    fx_fini(&fx);
}

/* 3.3.5.9.7 step 6 and 7, pitfall B9: a leased open needs a lease context
 * with its key and version; an open without a lease refuses one. */
static void reconnect_of_a_leased_open_checks_lease_presence_key_and_version(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    pv_create c = dh2q(0x31);
    c.oplock = RSVD_SMB2_OPLOCK_LEVEL_LEASE;
    c.rqls = true;
    c.lease_version = 2;
    c.lease_key = pv_guid(0x32);
    c.lease_state = 7;
    pv_grant g = batch();
    g.oplock = RSVD_SMB2_OPLOCK_LEVEL_LEASE;
    g.lease_state = 7;
    rsvd_smb2_fileid f = open_and_lose(&fx, &w, &c, &g);
    pv_where w2 = next_session(0x48);
    fx_sess s2 = pv_session(&fx, &w2);
    pv_create r;
    memset(&r, 0, sizeof r);
    r.dh2c = true;
    r.reconnect = f;
    r.create_guid = pv_guid(0x31);
    rsvd_res_create_op op = pv_begin(&fx, &s2, &r, NULL);
    assert_int_equal(op.status, RSVD_STATUS_OBJECT_NAME_NOT_FOUND); /* no lease context */
    r.rqls = true;
    r.lease_version = 2;
    r.lease_key = pv_guid(0x33);
    op = pv_begin(&fx, &s2, &r, NULL);
    assert_int_equal(op.status, RSVD_STATUS_OBJECT_NAME_NOT_FOUND); /* another key */
    r.lease_key = pv_guid(0x32);
    r.lease_version = 1;
    op = pv_begin(&fx, &s2, &r, NULL);
    assert_int_equal(op.status, RSVD_STATUS_OBJECT_NAME_NOT_FOUND); /* v1 for a v2 lease */
    r.lease_version = 2;
    op = pv_open(&fx, &s2, &r, NULL);
    assert_int_equal(op.status, RSVD_STATUS_SUCCESS);

    /* An open without a lease, reconnected with one (chimera #1441). */
    pv_where w3 = next_session(0x49);
    pv_create c2 = dh2q(0x34);
    pv_grant g2 = batch();
    rsvd_smb2_fileid f2 = open_and_lose(&fx, &w3, &c2, &g2);
    pv_where w4 = next_session(0x4A);
    fx_sess s4 = pv_session(&fx, &w4);
    r.reconnect = f2;
    r.create_guid = pv_guid(0x34);
    op = pv_begin(&fx, &s4, &r, NULL);
    assert_int_equal(op.status, RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
    fx_fini(&fx);
}

/* 3.3.5.9.7 step 5, 3.3.5.9.12 step 3: the lease's file name must be the
 * request's (without regard to case) - STATUS_INVALID_PARAMETER. */
static void reconnect_of_a_lease_under_another_name_fails_invalid_parameter(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    pv_create c;
    memset(&c, 0, sizeof c);
    c.name = "Disk.vhdx";
    c.oplock = RSVD_SMB2_OPLOCK_LEVEL_LEASE;
    c.dhnq = true;
    c.rqls = true;
    c.lease_key = pv_guid(0x41);
    pv_grant g = batch();
    g.oplock = RSVD_SMB2_OPLOCK_LEVEL_LEASE;
    g.lease_state = 3;
    rsvd_smb2_fileid f = open_and_lose(&fx, &w, &c, &g);
    pv_where w2 = next_session(0x4B);
    fx_sess s2 = pv_session(&fx, &w2);
    pv_create r;
    memset(&r, 0, sizeof r);
    r.name = "other.vhdx";
    r.dhnc = true;
    r.reconnect = f;
    r.rqls = true;
    r.lease_key = pv_guid(0x41);
    rsvd_res_create_op op = pv_begin(&fx, &s2, &r, NULL);
    assert_int_equal(op.status, RSVD_STATUS_INVALID_PARAMETER);
    r.name = "DISK.VHDX";
    op = pv_open(&fx, &s2, &r, NULL);
    assert_int_equal(op.status, RSVD_STATUS_SUCCESS);
    fx_fini(&fx);
}

/* Durable reference §3.7 and 3.3.5.9.7 step 6: LOGOFF keeps a durable open
 * whatever its oplock, but one whose BATCH was broken is not reclaimable. */
static void durable_open_whose_batch_was_broken_is_kept_at_logoff_but_not_reclaimable(
    void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    pv_create c = dh2q(0x51);
    pv_grant g = batch();
    rsvd_res_create_op op = pv_open(&fx, &s, &c, &g);
    rsvd_smb2_fileid f = op.file_id;
    assert_int_equal(
        rsvd_res_server_open_caching(fx.srv, f.persistent_id, RSVD_SMB2_OPLOCK_LEVEL_II, 0, false),
        RSVD_OK);
    assert_int_equal(rsvd_res_server_logoff(fx.srv, s.ctx.session, fx.now), RSVD_OK);
    assert_int_equal(fx_info(&fx, &f).state, RSVD_RES_OPEN_DETACHED);
    pv_where w2 = next_session(0x4C);
    fx_sess s2 = pv_session(&fx, &w2);
    assert_int_equal(pv_reconnect(&fx, &s2, &f, true, 0x51, false),
                     RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(fx_info(&fx, &f).state, RSVD_RES_OPEN_DETACHED);
    fx_fini(&fx);
}

/* Decision D11: a reconnect through a tree of another share does not find
 * the open (Samba's answer); through its own share it does. */
static void reconnect_through_another_share_fails_object_name_not_found(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    pv_create c = dh2q(0x61);
    pv_grant g = batch();
    rsvd_smb2_fileid f = open_and_lose(&fx, &w, &c, &g);
    pv_where w2 = next_session(0x4D);
    w2.share = "public";
    fx_sess other = pv_session(&fx, &w2);
    assert_int_equal(pv_reconnect(&fx, &other, &f, true, 0x61, false),
                     RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(pv_reconnect(&fx, &other, &f, false, 0, false),
                     RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(fx_info(&fx, &f).state, RSVD_RES_OPEN_DETACHED);
    pv_where w3 = next_session(0x4E);
    fx_sess own = pv_session(&fx, &w3);
    assert_int_equal(pv_reconnect(&fx, &own, &f, true, 0x61, false), RSVD_STATUS_SUCCESS);
    fx_fini(&fx);
}

/* Decision D15: Open.Session != NULL - a durable or persistent open still
 * attached is not found (the spec, not Windows' persistent exception). */
static void reconnect_of_an_attached_durable_or_persistent_open_fails(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    rsvd_smb2_fileid d = pv_durable_v2(&fx, &s, 0x71);
    rsvd_smb2_fileid p = pv_persistent(&fx, &s, 0x72);
    pv_where w2 = next_session(0x4F);
    fx_sess s2 = pv_session(&fx, &w2);
    assert_int_equal(pv_reconnect(&fx, &s2, &d, true, 0x71, false),
                     RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(pv_reconnect(&fx, &s2, &p, true, 0x72, true),
                     RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(fx_info(&fx, &p).state, RSVD_RES_OPEN_ATTACHED);
    fx_fini(&fx);
}

/* Decision D6: the deadline is checked again at reclaim time - a durable
 * open past it is closed there (EXPIRED) even if no scavenger ran; through
 * it the open is reclaimed. */
static void durable_reconnect_checks_the_deadline_itself(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    pv_create c = dh2q(0x81);
    c.dh2q_timeout = 5000;
    pv_grant g = batch();
    rsvd_smb2_fileid f = open_and_lose(&fx, &w, &c, &g);
    rsvd_smb2_fileid f2;
    {
        pv_where w2 = next_session(0x50);
        pv_create c2 = dh2q(0x82);
        c2.dh2q_timeout = 5000;
        f2 = open_and_lose(&fx, &w2, &c2, &g);
    }
    fx.now += 5000; /* exactly the deadline: still alive */
    pv_where w3 = next_session(0x51);
    fx_sess s3 = pv_session(&fx, &w3);
    assert_int_equal(pv_reconnect(&fx, &s3, &f, true, 0x81, false), RSVD_STATUS_SUCCESS);
    fx.now += 1;
    assert_int_equal(pv_reconnect(&fx, &s3, &f2, true, 0x82, false),
                     RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
    assert_false(fx_exists(&fx, &f2));
    assert_int_equal(pv_last_close(&fx), RSVD_RES_CLOSE_EXPIRED);
    fx_fini(&fx);
}

/* 3.3.5.9.7 step 8, 3.3.5.9.12 step 4, pitfall B4: another user cannot
 * reclaim an orphaned durable or persistent open. */
static void durable_reconnect_by_another_user_fails_access_denied(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    pv_create c = dh2q(0x91);
    pv_grant g = batch();
    rsvd_smb2_fileid f = open_and_lose(&fx, &w, &c, &g);
    pv_where wb = next_session(0x52);
    wb.user = fx_bob;
    fx_sess bob = pv_session(&fx, &wb);
    assert_int_equal(pv_reconnect(&fx, &bob, &f, true, 0x91, false), RSVD_STATUS_ACCESS_DENIED);
    assert_int_equal(pv_reconnect(&fx, &bob, &f, false, 0, false), RSVD_STATUS_ACCESS_DENIED);
    assert_int_equal(fx_info(&fx, &f).state, RSVD_RES_OPEN_DETACHED);
    fx_fini(&fx);
}

/* 3.3.5.9.12 steps 2 and 3: a persistent open needs the PERSISTENT flag
 * (SHOULD <349>: not found without it); the flag on an open that is not
 * persistent is STATUS_INVALID_PARAMETER (SHOULD <352>). */
static void dh2c_persistent_flag_must_match_the_open(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    rsvd_smb2_fileid p = pv_persistent(&fx, &s, 0xA1);
    rsvd_smb2_fileid d = pv_durable_v2(&fx, &s, 0xA2);
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, s.ctx.conn, fx.now), RSVD_OK);
    pv_where w2 = next_session(0x53);
    fx_sess s2 = pv_session(&fx, &w2);
    assert_int_equal(pv_reconnect(&fx, &s2, &p, true, 0xA1, false),
                     RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(pv_reconnect(&fx, &s2, &d, true, 0xA2, true),
                     RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(pv_reconnect(&fx, &s2, &p, true, 0xA1, true), RSVD_STATUS_SUCCESS);
    assert_int_equal(pv_reconnect(&fx, &s2, &d, true, 0xA2, false), RSVD_STATUS_SUCCESS);
    fx_fini(&fx);
}

/* 3.3.5.9.12 step 1: when FileId.Persistent names nothing (a failover), a
 * DH2C with PERSISTENT on a CA share of a server with PERSISTENT_HANDLES
 * finds the persistent open by its CreateGuid; without those, not found. */
static void dh2c_finds_a_persistent_open_by_create_guid(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    rsvd_smb2_fileid p = pv_persistent(&fx, &s, 0xB1);
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, s.ctx.conn, fx.now), RSVD_OK);
    rsvd_smb2_fileid unknown = {0x7777777700000001ull, 0};
    pv_where w2 = next_session(0x54);
    w2.caps = 0;
    fx_sess nocap = pv_session(&fx, &w2);
    assert_int_equal(pv_reconnect(&fx, &nocap, &unknown, true, 0xB1, true),
                     RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
    pv_where w3 = next_session(0x55);
    fx_sess s3 = pv_session(&fx, &w3);
    pv_create r;
    memset(&r, 0, sizeof r);
    r.dh2c = true;
    r.reconnect = unknown;
    r.create_guid = pv_guid(0xB1);
    r.dh2c_flags = RSVD_SMB2_DHANDLE_FLAG_PERSISTENT;
    rsvd_res_create_op op = pv_open(&fx, &s3, &r, NULL);
    assert_int_equal(op.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(op.file_id.persistent_id, p.persistent_id);
    fx_fini(&fx);
}

/* Pitfall B5 and "nothing half-done": a reclaim is one step - the open is
 * RECLAIMED, no second reconnect finds it, no deadline closes it; when the
 * host fails the CREATE (an RSVD reopen that failed), the open goes back
 * detached with its old deadline. */
static void failed_reclaim_puts_the_open_back_with_its_deadline(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    pv_create c = dh2q(0xC1);
    c.dh2q_timeout = 10000;
    pv_grant g = batch();
    rsvd_smb2_fileid f = open_and_lose(&fx, &w, &c, &g);
    uint64_t deadline = fx_info(&fx, &f).deadline_ms;
    pv_where w2 = next_session(0x56);
    fx_sess s2 = pv_session(&fx, &w2);
    pv_create r;
    memset(&r, 0, sizeof r);
    r.dh2c = true;
    r.reconnect = f;
    r.create_guid = pv_guid(0xC1);
    rsvd_res_create_op op = pv_begin(&fx, &s2, &r, NULL);
    assert_int_equal(op.action, RSVD_RES_CREATE_RECLAIM);
    /* A second reconnect meanwhile does not find it. */
    pv_where w3 = next_session(0x57);
    fx_sess s3 = pv_session(&fx, &w3);
    uint8_t req[1024];
    size_t n = pv_create_req(&s3, 77, &r, req, sizeof req);
    rsvd_res_create_op op2;
    assert_int_equal(rsvd_res_server_create_begin(fx.srv, &s3.ctx, req, n, NULL, fx.now, &op2),
                     RSVD_OK);
    assert_int_equal(op2.status, RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
    /* Past its deadline, the scavenger leaves it alone. */
    size_t closed = 0;
    assert_int_equal(rsvd_res_server_handle_expiry(fx.srv, deadline + 1, &closed), RSVD_OK);
    assert_int_equal(closed, 0);
    /* The host fails the CREATE: back to DETACHED with its old deadline. */
    n = pv_create_req(&s2, 78, &r, req, sizeof req);
    rsvd_res_create_grant gr = RSVD_STRUCT_INIT(rsvd_res_create_grant);
    gr.status = RSVD_STATUS_INVALID_HANDLE;
    assert_int_equal(rsvd_res_server_create_end(fx.srv, &s2.ctx, req, n, &gr, fx.now, &op),
                     RSVD_OK);
    assert_int_equal(op.status, RSVD_STATUS_INVALID_HANDLE);
    rsvd_res_open_info i = fx_info(&fx, &f);
    assert_int_equal(i.state, RSVD_RES_OPEN_DETACHED);
    assert_int_equal(i.deadline_ms, deadline);
    fx_check(&fx);
    fx_fini(&fx);
}

/* An undone reclaim whose deadline passed while the host worked expires
 * then (D6); one the limit of detached opens no longer leaves room for is
 * closed for resources - never left half-way, never over the limit. */
static void undone_reclaim_expires_or_yields_to_the_limit(void **state)
{
    (void)state;
    srv_fx fx;
    rsvd_res_server_config cfg = RSVD_STRUCT_INIT(rsvd_res_server_config);
    cfg.max_detached = 1;
    fx_init(&fx, &cfg, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    pv_create c = dh2q(0xC5);
    c.dh2q_timeout = 1000;
    pv_grant g = batch();
    rsvd_smb2_fileid f = open_and_lose(&fx, &w, &c, &g);
    pv_where w2 = next_session(0x59);
    fx_sess s2 = pv_session(&fx, &w2);
    pv_create r;
    memset(&r, 0, sizeof r);
    r.dh2c = true;
    r.reconnect = f;
    r.create_guid = pv_guid(0xC5);
    rsvd_res_create_op op = pv_begin(&fx, &s2, &r, NULL);
    assert_int_equal(op.action, RSVD_RES_CREATE_RECLAIM);
    fx.now += 1001;
    pv_grant fail;
    memset(&fail, 0, sizeof fail);
    fail.status = RSVD_STATUS_INVALID_HANDLE;
    assert_int_equal(pv_end(&fx, &s2, &op, &fail), RSVD_OK);
    assert_false(fx_exists(&fx, &f));
    assert_int_equal(pv_last_close(&fx), RSVD_RES_CLOSE_EXPIRED);

    /* Another open takes the only detached place while this one is
     * reclaimed by the same client: its undo has no room. */
    pv_create c2 = dh2q(0xC6);
    c2.name = "second.vhdx";
    rsvd_smb2_fileid f2 = open_and_lose(&fx, &w, &c2, &g);
    r.reconnect = f2;
    r.create_guid = pv_guid(0xC6);
    op = pv_begin(&fx, &s2, &r, NULL);
    assert_int_equal(op.action, RSVD_RES_CREATE_RECLAIM);
    pv_create c3 = dh2q(0xC7);
    c3.name = "third.vhdx";
    rsvd_smb2_fileid f3 = open_and_lose(&fx, &w, &c3, &g);
    assert_int_equal(pv_end(&fx, &s2, &op, &fail), RSVD_OK);
    assert_false(fx_exists(&fx, &f2));
    assert_int_equal(pv_last_close(&fx), RSVD_RES_CLOSE_RESOURCES);
    assert_int_equal(fx_info(&fx, &f3).state, RSVD_RES_OPEN_DETACHED);
    fx_fini(&fx);
}

/* [MS-RSVD] 3.2.5.1 via 3.3.5.9.12: a persistent shared-virtual-disk open
 * reclaimed by DH2C without an SVHDX context is handed back for the RSVD
 * reconnect path (op.shared_vhdx); a durable one that is not persistent is
 * not. */
static void persistent_shared_vhdx_reclaim_is_marked_for_the_rsvd_reconnect(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    pv_create c;
    memset(&c, 0, sizeof c);
    c.name = "cluster.vhdx:SharedVirtualDisk";
    c.dh2q = true;
    c.dh2q_flags = RSVD_SMB2_DHANDLE_FLAG_PERSISTENT;
    c.create_guid = pv_guid(0xD1);
    pv_grant g;
    memset(&g, 0, sizeof g);
    g.flags = RSVD_RES_GRANT_SHARED_VHDX;
    rsvd_smb2_fileid f = open_and_lose(&fx, &w, &c, &g);
    assert_true(fx_info(&fx, &f).shared_vhdx);
    pv_where w2 = next_session(0x58);
    fx_sess s2 = pv_session(&fx, &w2);
    pv_create r;
    memset(&r, 0, sizeof r);
    r.name = "cluster.vhdx:SharedVirtualDisk";
    r.dh2c = true;
    r.reconnect = f;
    r.create_guid = pv_guid(0xD1);
    r.dh2c_flags = RSVD_SMB2_DHANDLE_FLAG_PERSISTENT;
    rsvd_res_create_op op = pv_begin(&fx, &s2, &r, NULL);
    assert_int_equal(op.action, RSVD_RES_CREATE_RECLAIM);
    assert_true(op.shared_vhdx);
    assert_int_equal(pv_end(&fx, &s2, &op, NULL), RSVD_OK);
    assert_int_equal(op.status, RSVD_STATUS_SUCCESS);
    fx_fini(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(durable_v1_open_is_reclaimed_with_dhnc_and_a_new_volatile_id),
        cmocka_unit_test(durable_v2_open_is_reclaimed_with_dh2c_and_its_create_guid),
        cmocka_unit_test(dhnc_from_another_client_reclaims_only_an_open_without_lease),
        cmocka_unit_test(reconnect_ignores_file_id_volatile),
        cmocka_unit_test(reconnect_of_a_leased_open_checks_lease_presence_key_and_version),
        cmocka_unit_test(reconnect_of_a_lease_under_another_name_fails_invalid_parameter),
        cmocka_unit_test(
            durable_open_whose_batch_was_broken_is_kept_at_logoff_but_not_reclaimable),
        cmocka_unit_test(reconnect_through_another_share_fails_object_name_not_found),
        cmocka_unit_test(reconnect_of_an_attached_durable_or_persistent_open_fails),
        cmocka_unit_test(durable_reconnect_checks_the_deadline_itself),
        cmocka_unit_test(durable_reconnect_by_another_user_fails_access_denied),
        cmocka_unit_test(dh2c_persistent_flag_must_match_the_open),
        cmocka_unit_test(dh2c_finds_a_persistent_open_by_create_guid),
        cmocka_unit_test(failed_reclaim_puts_the_open_back_with_its_deadline),
        cmocka_unit_test(undone_reclaim_expires_or_yields_to_the_limit),
        cmocka_unit_test(persistent_shared_vhdx_reclaim_is_marked_for_the_rsvd_reconnect),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
