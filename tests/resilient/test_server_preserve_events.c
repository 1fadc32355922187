/*
 * What happens to each kind of preserved open at the events that detach or
 * close opens - loss of connection (3.3.7.1), LOGOFF (3.3.5.6),
 * PreviousSessionId (3.3.5.5.3), TREE_DISCONNECT (3.3.5.8), the server
 * closing a session (3.3.4.12) -, the one scavenger of every kind (3.3.6.2,
 * 3.3.6.4), the host's reports that end durability (3.3.4.6, 3.3.4.7), the
 * LOCK sequence of durable opens (3.3.5.14), and the quotas of detached
 * opens per client and per user.
 */
#include <stdio.h>
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/status.h>
#include <rsvd/wire_smb2.h>

#include "pv_fixture.h"

/* The kinds, made on one session. */
typedef struct kinds {
    rsvd_smb2_fileid plain, resilient, persistent, batch, lease_h, level_ii, breaking;
} kinds;

static rsvd_smb2_fileid open_with(srv_fx *fx, const fx_sess *s, uint8_t guid, uint32_t flags,
                                  uint8_t oplock, uint32_t lease_state)
{
    static unsigned seq;
    char name[32];
    snprintf(name, sizeof name, "f%u.txt", ++seq);
    pv_create c;
    memset(&c, 0, sizeof c);
    c.name = name;
    c.oplock = oplock;
    c.dh2q = guid != 0;
    c.dh2q_flags = flags;
    c.create_guid = pv_guid(guid);
    if (oplock == RSVD_SMB2_OPLOCK_LEVEL_LEASE) {
        c.rqls = true;
        c.lease_key = pv_guid((uint8_t)(guid + 1));
        c.lease_state = lease_state;
    }
    pv_grant g;
    memset(&g, 0, sizeof g);
    g.oplock = oplock;
    g.lease_state = lease_state;
    rsvd_res_create_op op = pv_open(fx, s, &c, &g);
    assert_int_equal(op.status, RSVD_STATUS_SUCCESS);
    return op.file_id;
}

static kinds make_kinds(srv_fx *fx, const fx_sess *s)
{
    kinds k;
    k.plain = open_with(fx, s, 0, 0, RSVD_SMB2_OPLOCK_LEVEL_NONE, 0);
    k.resilient = open_with(fx, s, 0, 0, RSVD_SMB2_OPLOCK_LEVEL_NONE, 0);
    assert_int_equal(fx_request_resiliency(fx, s, &k.resilient, 30000), RSVD_STATUS_SUCCESS);
    k.persistent = open_with(fx, s, 0x31, RSVD_SMB2_DHANDLE_FLAG_PERSISTENT,
                             RSVD_SMB2_OPLOCK_LEVEL_NONE, 0);
    k.batch = open_with(fx, s, 0x33, 0, RSVD_SMB2_OPLOCK_LEVEL_BATCH, 0);
    k.lease_h = open_with(fx, s, 0x35, 0, RSVD_SMB2_OPLOCK_LEVEL_LEASE,
                          RSVD_SMB2_LEASE_READ_CACHING | RSVD_SMB2_LEASE_HANDLE_CACHING);
    k.level_ii = open_with(fx, s, 0x37, 0, RSVD_SMB2_OPLOCK_LEVEL_BATCH, 0);
    assert_int_equal(rsvd_res_server_open_caching(fx->srv, k.level_ii.persistent_id,
                                                  RSVD_SMB2_OPLOCK_LEVEL_II, 0, false),
                     RSVD_OK);
    k.breaking = open_with(fx, s, 0x39, 0, RSVD_SMB2_OPLOCK_LEVEL_BATCH, 0);
    assert_int_equal(rsvd_res_server_open_caching(fx->srv, k.breaking.persistent_id,
                                                  RSVD_SMB2_OPLOCK_LEVEL_BATCH, 0, true),
                     RSVD_OK);
    return k;
}

static bool detached(const srv_fx *fx, const rsvd_smb2_fileid *f)
{
    return fx_exists(fx, f) && fx_info(fx, f).state == RSVD_RES_OPEN_DETACHED;
}

/* 3.3.7.1: preserved are IsResilient; IsPersistent; IsDurable with BATCH or
 * a HANDLE_CACHING lease *held* (no break in progress). The others are
 * closed (reason DISCONNECT). */
static void loss_of_connection_keeps_exactly_the_preserved_kinds(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    kinds k = make_kinds(&fx, &s);
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, s.ctx.conn, fx.now), RSVD_OK);
    assert_true(detached(&fx, &k.resilient));
    assert_true(detached(&fx, &k.persistent));
    assert_true(detached(&fx, &k.batch));
    assert_true(detached(&fx, &k.lease_h));
    assert_false(fx_exists(&fx, &k.plain));
    assert_false(fx_exists(&fx, &k.level_ii));
    assert_false(fx_exists(&fx, &k.breaking));
    assert_int_equal(fx.n_closed, 3);
    for (size_t i = 0; i < fx.n_closed; i++)
        assert_int_equal(fx.closed[i].c.reason, RSVD_RES_CLOSE_DISCONNECT);
    /* DurableOpenScavengerTimeout = now + DurableOpenTimeout. */
    assert_int_equal(fx_info(&fx, &k.batch).deadline_ms, fx.now + 60000);
    assert_int_equal(fx_info(&fx, &k.resilient).deadline_ms, fx.now + 30000);
    fx_fini(&fx);
}

/* 3.3.5.6: LOGOFF keeps IsResilient and IsDurable opens whatever their
 * oplock ("Otherwise" closes the rest, reason LOGOFF). */
static void logoff_keeps_every_durable_open_whatever_its_oplock(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    kinds k = make_kinds(&fx, &s);
    assert_int_equal(rsvd_res_server_logoff(fx.srv, s.ctx.session, fx.now), RSVD_OK);
    assert_true(detached(&fx, &k.resilient));
    assert_true(detached(&fx, &k.persistent));
    assert_true(detached(&fx, &k.batch));
    assert_true(detached(&fx, &k.level_ii));
    assert_true(detached(&fx, &k.breaking));
    assert_false(fx_exists(&fx, &k.plain));
    assert_int_equal(pv_last_close(&fx), RSVD_RES_CLOSE_LOGOFF);
    fx_fini(&fx);
}

/* 3.3.5.5.3: a PreviousSessionId of the same user removes the old session
 * "as specified in 3.3.7.1" - the same kinds are kept. */
static void previous_session_keeps_the_kinds_a_loss_keeps(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    kinds k = make_kinds(&fx, &s);
    pv_where w2 = pv_alice();
    w2.session_id = 0x77;
    fx_sess s2 = pv_session(&fx, &w2);
    bool removed = false;
    assert_int_equal(rsvd_res_server_previous_session(fx.srv, s2.ctx.session, s.ctx.session,
                                                      fx.now, &removed),
                     RSVD_OK);
    assert_true(removed);
    assert_true(detached(&fx, &k.persistent));
    assert_true(detached(&fx, &k.batch));
    assert_false(fx_exists(&fx, &k.level_ii));
    assert_int_equal(pv_last_close(&fx), RSVD_RES_CLOSE_PREVIOUS_SESSION);
    fx_fini(&fx);
}

/* 3.3.5.8 (pitfall B10) and 3.3.4.12: TREE_DISCONNECT and the server's
 * close of a session close durable and persistent opens too. */
static void tree_disconnect_and_session_close_close_durable_opens(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    kinds k = make_kinds(&fx, &s);
    assert_int_equal(rsvd_res_server_tree_disconnect(fx.srv, s.ctx.tree), RSVD_OK);
    assert_false(fx_exists(&fx, &k.persistent));
    assert_false(fx_exists(&fx, &k.batch));
    assert_int_equal(pv_last_close(&fx), RSVD_RES_CLOSE_TREE_DISCONNECT);
    fx_fini(&fx);
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    s = pv_session(&fx, &w);
    k = make_kinds(&fx, &s);
    assert_int_equal(rsvd_res_server_session_close(fx.srv, s.ctx.session), RSVD_OK);
    assert_false(fx_exists(&fx, &k.persistent));
    assert_int_equal(pv_last_close(&fx), RSVD_RES_CLOSE_SESSION_CLOSED);
    fx_fini(&fx);
}

/* 3.3.6.2 and 3.3.6.4 through one heap (decisions D6, D7): each kind
 * expires at detach time + its own timeout, earliest first, never before;
 * next_expiry is the earliest deadline + 1. */
static void one_scavenger_expires_every_kind_at_its_own_deadline(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    kinds k = make_kinds(&fx, &s);
    rsvd_smb2_fileid v1;
    {
        pv_create c;
        memset(&c, 0, sizeof c);
        c.oplock = RSVD_SMB2_OPLOCK_LEVEL_BATCH;
        c.dhnq = true;
        c.name = "v1.txt";
        pv_grant g;
        memset(&g, 0, sizeof g);
        g.oplock = RSVD_SMB2_OPLOCK_LEVEL_BATCH;
        v1 = pv_open(&fx, &s, &c, &g).file_id;
    }
    uint64_t t0 = fx.now;
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, s.ctx.conn, t0), RSVD_OK);
    assert_int_equal(rsvd_res_server_next_expiry(fx.srv), t0 + 30000 + 1);
    size_t closed = 0;
    assert_int_equal(rsvd_res_server_handle_expiry(fx.srv, t0 + 30000, &closed), RSVD_OK);
    assert_int_equal(closed, 0);
    assert_int_equal(rsvd_res_server_handle_expiry(fx.srv, t0 + 30001, &closed), RSVD_OK);
    assert_int_equal(closed, 1);
    assert_false(fx_exists(&fx, &k.resilient));
    assert_int_equal(rsvd_res_server_next_expiry(fx.srv), t0 + 60000 + 1);
    assert_int_equal(rsvd_res_server_handle_expiry(fx.srv, t0 + 60001, &closed), RSVD_OK);
    assert_int_equal(closed, 3); /* persistent, batch, lease: 60 s each */
    assert_true(fx_exists(&fx, &v1));
    assert_int_equal(rsvd_res_server_handle_expiry(fx.srv, t0 + 120001, &closed), RSVD_OK);
    assert_int_equal(closed, 1);
    assert_false(fx_exists(&fx, &v1));
    assert_int_equal(pv_last_close(&fx), RSVD_RES_CLOSE_EXPIRED);
    assert_int_equal(rsvd_res_server_next_expiry(fx.srv), UINT64_MAX);
    fx_fini(&fx);
}

/* 3.3.4.6 / 3.3.4.7 and decision D5: a break that cannot reach a detached
 * durable open closes it (DURABILITY_LOST); a persistent or a resilient
 * one is kept. A conflicting open purges like a break (durable reference
 * §3.3); a deleted file ends any detached open. */
static void events_on_the_file_end_detached_durable_opens_only(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    kinds k = make_kinds(&fx, &s);
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, s.ctx.conn, fx.now), RSVD_OK);
    bool closed = true;
    assert_int_equal(rsvd_res_server_durability_event(fx.srv, k.persistent.persistent_id,
                                                      RSVD_RES_EVENT_BREAK, &closed),
                     RSVD_OK);
    assert_false(closed);
    assert_int_equal(rsvd_res_server_durability_event(fx.srv, k.resilient.persistent_id,
                                                      RSVD_RES_EVENT_BREAK, &closed),
                     RSVD_OK);
    assert_false(closed);
    assert_int_equal(rsvd_res_server_durability_event(fx.srv, k.batch.persistent_id,
                                                      RSVD_RES_EVENT_BREAK, &closed),
                     RSVD_OK);
    assert_true(closed);
    assert_int_equal(pv_last_close(&fx), RSVD_RES_CLOSE_DURABILITY_LOST);
    assert_int_equal(rsvd_res_server_durability_event(fx.srv, k.lease_h.persistent_id,
                                                      RSVD_RES_EVENT_CONFLICTING_OPEN, &closed),
                     RSVD_OK);
    assert_true(closed);
    assert_int_equal(rsvd_res_server_durability_event(fx.srv, k.persistent.persistent_id,
                                                      RSVD_RES_EVENT_CONFLICTING_OPEN, &closed),
                     RSVD_OK);
    assert_false(closed);
    assert_int_equal(rsvd_res_server_durability_event(fx.srv, k.persistent.persistent_id,
                                                      RSVD_RES_EVENT_FILE_DELETED, &closed),
                     RSVD_OK);
    assert_true(closed);
    assert_int_equal(rsvd_res_server_durability_event(fx.srv, k.resilient.persistent_id,
                                                      (rsvd_res_durability_event)9, &closed),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_durability_event(fx.srv, k.batch.persistent_id,
                                                      RSVD_RES_EVENT_BREAK, &closed),
                     RSVD_E_NOENT);
    fx_fini(&fx);
}

/* A break of an attached durable open leaves it without BATCH or
 * HANDLE_CACHING (3.3.6.1): at the next loss of connection it is not
 * preserved; a persistent open is. */
static void break_of_an_attached_durable_open_ends_its_preservation(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    kinds k = make_kinds(&fx, &s);
    bool closed = true;
    assert_int_equal(rsvd_res_server_durability_event(fx.srv, k.batch.persistent_id,
                                                      RSVD_RES_EVENT_BREAK, &closed),
                     RSVD_OK);
    assert_false(closed);
    assert_int_equal(rsvd_res_server_durability_event(fx.srv, k.lease_h.persistent_id,
                                                      RSVD_RES_EVENT_BREAK, &closed),
                     RSVD_OK);
    assert_int_equal(fx_info(&fx, &k.lease_h).oplock_level, RSVD_SMB2_OPLOCK_LEVEL_LEASE);
    assert_int_equal(fx_info(&fx, &k.lease_h).lease_state, 0);
    assert_int_equal(rsvd_res_server_durability_event(fx.srv, k.persistent.persistent_id,
                                                      RSVD_RES_EVENT_BREAK, &closed),
                     RSVD_OK);
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, s.ctx.conn, fx.now), RSVD_OK);
    assert_false(fx_exists(&fx, &k.batch));
    assert_false(fx_exists(&fx, &k.lease_h));
    assert_true(detached(&fx, &k.persistent));
    fx_fini(&fx);
}

/* 3.3.5.14: the LOCK sequence is checked and recorded for IsDurable and
 * IsPersistent opens too, and for every open of a 3.x connection whose
 * ServerCapabilities has MULTI_CHANNEL; a replay after a reclaim of a
 * durable open is recognised. */
static void lock_sequence_applies_to_durable_and_persistent_opens(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    kinds k = make_kinds(&fx, &s);
    const rsvd_smb2_fileid *checked[] = {&k.persistent, &k.batch};
    for (size_t i = 0; i < 2; i++) {
        rsvd_res_lock_op op = fx_lock_begin(&fx, &s, checked[i], rsvd_smb2_lock_seq_encode(2, 5));
        assert_int_equal(op.action, RSVD_RES_LOCK_PROCESS);
        assert_int_equal(rsvd_res_server_lock_end(fx.srv, &op, RSVD_STATUS_SUCCESS), RSVD_OK);
        op = fx_lock_begin(&fx, &s, checked[i], rsvd_smb2_lock_seq_encode(2, 5));
        assert_int_equal(op.action, RSVD_RES_LOCK_REPLAY);
    }
    rsvd_res_lock_op op = fx_lock_begin(&fx, &s, &k.plain, rsvd_smb2_lock_seq_encode(2, 5));
    assert_int_equal(rsvd_res_server_lock_end(fx.srv, &op, RSVD_STATUS_SUCCESS), RSVD_OK);
    op = fx_lock_begin(&fx, &s, &k.plain, rsvd_smb2_lock_seq_encode(2, 5));
    assert_int_equal(op.action, RSVD_RES_LOCK_PROCESS); /* not tracked */
    /* The durable open comes back on a new connection: the entry is there. */
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, s.ctx.conn, fx.now), RSVD_OK);
    pv_where w2 = pv_alice();
    w2.session_id = 0x78;
    fx_sess s2 = pv_session(&fx, &w2);
    assert_int_equal(pv_reconnect(&fx, &s2, &k.batch, true, 0x33, false), RSVD_STATUS_SUCCESS);
    rsvd_smb2_fileid now = {k.batch.persistent_id, fx_info(&fx, &k.batch).file_id.volatile_id};
    op = fx_lock_begin(&fx, &s2, &now, rsvd_smb2_lock_seq_encode(2, 5));
    assert_int_equal(op.action, RSVD_RES_LOCK_REPLAY);
    /* A multi-channel connection: every open is tracked. */
    pv_where wm = pv_alice();
    wm.session_id = 0x79;
    wm.caps = RSVD_SMB2_GLOBAL_CAP_MULTI_CHANNEL;
    fx_sess m = pv_session(&fx, &wm);
    rsvd_smb2_fileid p = open_with(&fx, &m, 0, 0, RSVD_SMB2_OPLOCK_LEVEL_NONE, 0);
    op = fx_lock_begin(&fx, &m, &p, rsvd_smb2_lock_seq_encode(3, 1));
    assert_int_equal(rsvd_res_server_lock_end(fx.srv, &op, RSVD_STATUS_SUCCESS), RSVD_OK);
    op = fx_lock_begin(&fx, &m, &p, rsvd_smb2_lock_seq_encode(3, 1));
    assert_int_equal(op.action, RSVD_RES_LOCK_REPLAY);
    fx_fini(&fx);
}

/* Pitfall B3: a LOCK in flight when its durable open's connection dies -
 * its end still records the entry on the detached open (for the replay
 * after the reclaim); one whose open expired meanwhile touches nothing. */
static void lock_in_flight_across_detach_and_expiry_is_harmless(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    rsvd_smb2_fileid d = pv_durable_v2(&fx, &s, 0x41);
    rsvd_res_lock_op op = fx_lock_begin(&fx, &s, &d, rsvd_smb2_lock_seq_encode(4, 2));
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, s.ctx.conn, fx.now), RSVD_OK);
    assert_int_equal(rsvd_res_server_lock_end(fx.srv, &op, RSVD_STATUS_SUCCESS), RSVD_OK);
    bool valid = false;
    uint8_t number = 0;
    assert_int_equal(rsvd_res_server_lock_seq(fx.srv, d.persistent_id, 4, &valid, &number),
                     RSVD_OK);
    assert_true(valid);
    assert_int_equal(number, 2);

    pv_where w2 = pv_alice();
    w2.session_id = 0x42;
    fx_sess s2 = pv_session(&fx, &w2);
    pv_create c;
    memset(&c, 0, sizeof c);
    c.name = "other.txt";
    c.oplock = RSVD_SMB2_OPLOCK_LEVEL_BATCH;
    c.dh2q = true;
    c.create_guid = pv_guid(0x43);
    pv_grant g;
    memset(&g, 0, sizeof g);
    g.oplock = RSVD_SMB2_OPLOCK_LEVEL_BATCH;
    rsvd_smb2_fileid e = pv_open(&fx, &s2, &c, &g).file_id;
    op = fx_lock_begin(&fx, &s2, &e, rsvd_smb2_lock_seq_encode(4, 3));
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, s2.ctx.conn, fx.now), RSVD_OK);
    size_t closed = 0;
    assert_int_equal(rsvd_res_server_handle_expiry(fx.srv, fx.now + 60001, &closed), RSVD_OK);
    assert_int_equal(closed, 2);
    assert_int_equal(rsvd_res_server_lock_end(fx.srv, &op, RSVD_STATUS_SUCCESS), RSVD_E_NOENT);
    fx_fini(&fx);
}

/* ---- quotas ---------------------------------------------------------------- */

/* Disconnects @p n durable opens of client @p client (user @p user) and
 * returns the FileId of the last. */
static rsvd_smb2_fileid detach_many(srv_fx *fx, uint8_t client, const uint8_t *user,
                                    uint64_t sid, int n, uint8_t guid0)
{
    pv_where w = pv_alice();
    w.client = client;
    w.user = user;
    w.session_id = sid;
    fx_sess s = pv_session(fx, &w);
    rsvd_smb2_fileid last = {0, 0};
    for (int i = 0; i < n; i++)
        last = pv_durable_v2(fx, &s, (uint8_t)(guid0 + i));
    assert_int_equal(rsvd_res_server_conn_lost(fx->srv, s.ctx.conn, fx->now), RSVD_OK);
    return last;
}

/* max_detached_per_client: an open over its client's quota is closed
 * (RESOURCES); another client's are untouched. */
static void per_client_quota_closes_only_that_clients_opens(void **state)
{
    (void)state;
    srv_fx fx;
    rsvd_res_server_config cfg = RSVD_STRUCT_INIT(rsvd_res_server_config);
    cfg.max_detached_per_client = 3;
    fx_init(&fx, &cfg, RSVD_SMB2_DIALECT_302);
    rsvd_smb2_fileid b = detach_many(&fx, 0xB2, fx_bob, 0x51, 1, 0x90);
    (void)detach_many(&fx, 0xA1, fx_alice, 0x52, 5, 0x10);
    rsvd_res_server_stats st = RSVD_STRUCT_INIT(rsvd_res_server_stats);
    rsvd_res_server_get_stats(fx.srv, &st);
    assert_int_equal(st.detached, 4); /* Alice's 3, Bob's 1 */
    assert_true(detached(&fx, &b));
    assert_int_equal(pv_last_close(&fx), RSVD_RES_CLOSE_RESOURCES);
    fx_fini(&fx);
}

/* max_detached_per_user: the same for one user across clients. */
static void per_user_quota_counts_a_user_across_clients(void **state)
{
    (void)state;
    srv_fx fx;
    rsvd_res_server_config cfg = RSVD_STRUCT_INIT(rsvd_res_server_config);
    cfg.max_detached_per_user = 2;
    fx_init(&fx, &cfg, RSVD_SMB2_DIALECT_302);
    (void)detach_many(&fx, 0xA1, fx_alice, 0x53, 2, 0x10);
    rsvd_smb2_fileid third = detach_many(&fx, 0xA2, fx_alice, 0x54, 1, 0x20);
    rsvd_smb2_fileid b = detach_many(&fx, 0xA3, fx_bob, 0x55, 2, 0x30);
    assert_false(fx_exists(&fx, &third));
    assert_true(detached(&fx, &b));
    rsvd_res_server_stats st = RSVD_STRUCT_INIT(rsvd_res_server_stats);
    rsvd_res_server_get_stats(fx.srv, &st);
    assert_int_equal(st.detached, 4);
    fx_fini(&fx);
}

/* max_detached (3.3.2.4): at the global limit the open that is closed is
 * the oldest of the client holding the most, never the newcomer of a
 * client holding fewer. */
static void global_limit_evicts_the_heaviest_clients_oldest_open(void **state)
{
    (void)state;
    srv_fx fx;
    rsvd_res_server_config cfg = RSVD_STRUCT_INIT(rsvd_res_server_config);
    cfg.max_detached = 4;
    fx_init(&fx, &cfg, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    w.session_id = 0x56;
    fx_sess s = pv_session(&fx, &w);
    rsvd_smb2_fileid first = pv_durable_v2(&fx, &s, 0x10);
    for (int i = 1; i < 4; i++)
        (void)pv_durable_v2(&fx, &s, (uint8_t)(0x10 + i));
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, s.ctx.conn, fx.now), RSVD_OK);
    rsvd_smb2_fileid b = detach_many(&fx, 0xB2, fx_bob, 0x57, 1, 0x90);
    assert_true(detached(&fx, &b));
    assert_false(fx_exists(&fx, &first));
    assert_int_equal(pv_last_close(&fx), RSVD_RES_CLOSE_RESOURCES);
    /* Alice (3) again: she holds the most - her own newcomer is closed. */
    rsvd_smb2_fileid again = detach_many(&fx, 0xA1, fx_alice, 0x58, 1, 0x50);
    assert_false(fx_exists(&fx, &again));
    assert_true(detached(&fx, &b));
    fx_fini(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(loss_of_connection_keeps_exactly_the_preserved_kinds),
        cmocka_unit_test(logoff_keeps_every_durable_open_whatever_its_oplock),
        cmocka_unit_test(previous_session_keeps_the_kinds_a_loss_keeps),
        cmocka_unit_test(tree_disconnect_and_session_close_close_durable_opens),
        cmocka_unit_test(one_scavenger_expires_every_kind_at_its_own_deadline),
        cmocka_unit_test(events_on_the_file_end_detached_durable_opens_only),
        cmocka_unit_test(break_of_an_attached_durable_open_ends_its_preservation),
        cmocka_unit_test(lock_sequence_applies_to_durable_and_persistent_opens),
        cmocka_unit_test(lock_in_flight_across_detach_and_expiry_is_harmless),
        cmocka_unit_test(per_client_quota_closes_only_that_clients_opens),
        cmocka_unit_test(per_user_quota_counts_a_user_across_clients),
        cmocka_unit_test(global_limit_evicts_the_heaviest_clients_oldest_open),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
