/*
 * Durable and persistent grants ([MS-SMB2] 3.3.5.9.6 DHnQ, 3.3.5.9.10
 * DH2Q), decided by create_end on what the host granted, and the CREATE's
 * context rules (3.3.5.9 "Create Context Validation").
 */
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/status.h>
#include <rsvd/wire_smb2.h>

#include "pv_fixture.h"

static pv_create create_dhnq(uint8_t oplock)
{
    pv_create c;
    memset(&c, 0, sizeof c);
    c.oplock = oplock;
    c.dhnq = true;
    return c;
}

static pv_create create_dh2q(uint8_t guid, uint32_t timeout, uint32_t flags)
{
    pv_create c;
    memset(&c, 0, sizeof c);
    c.oplock = RSVD_SMB2_OPLOCK_LEVEL_BATCH;
    c.dh2q = true;
    c.dh2q_timeout = timeout;
    c.dh2q_flags = flags;
    c.create_guid = pv_guid(guid);
    return c;
}

static pv_grant granted(uint8_t oplock, uint32_t lease_state)
{
    pv_grant g;
    memset(&g, 0, sizeof g);
    g.oplock = oplock;
    g.lease_state = lease_state;
    return g;
}

/* ---- 3.3.5.9.6 DHnQ ------------------------------------------------------------ */

static void dhnq_with_batch_granted_is_durable_with_the_v1_timeout(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    pv_where w = pv_alice();
    w.dialect = RSVD_SMB2_DIALECT_210;
    fx_sess a = pv_session(&fx, &w);
    pv_create c = create_dhnq(RSVD_SMB2_OPLOCK_LEVEL_BATCH);
    pv_grant g = granted(RSVD_SMB2_OPLOCK_LEVEL_BATCH, 0);
    rsvd_res_create_op op = pv_open(&fx, &a, &c, &g);
    assert_int_equal(op.status, RSVD_STATUS_SUCCESS);
    rsvd_res_open_info i = fx_info(&fx, &op.file_id);
    assert_true(i.is_durable);
    assert_false(i.is_persistent);
    /* <335>: Windows 8 and later keep a DHnQ open 2 minutes. */
    assert_int_equal(i.durable_timeout_ms, RSVD_RES_DEFAULT_DURABLE_V1_TIMEOUT_MS);
    /* 2.2.14.2.3: the DHnQ response, 8 reserved zero bytes. */
    assert_non_null(op.rsp_context);
    assert_memory_equal(op.rsp_context, "DHnQ", 4);
    assert_int_equal(op.rsp_context_len, 8);
    static const uint8_t zero[8] = {0};
    assert_memory_equal(op.rsp_context_data, zero, 8);
    fx_fini(&fx);
}

/* Decision D4: durability is decided on the oplock granted, not the one
 * requested - a BATCH request granted LEVEL_II is not durable. */
static void dhnq_with_batch_requested_but_level_ii_granted_is_not_durable(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    pv_where w = pv_alice();
    w.dialect = RSVD_SMB2_DIALECT_210;
    fx_sess a = pv_session(&fx, &w);
    pv_create c = create_dhnq(RSVD_SMB2_OPLOCK_LEVEL_BATCH);
    pv_grant g = granted(RSVD_SMB2_OPLOCK_LEVEL_II, 0);
    rsvd_res_create_op op = pv_open(&fx, &a, &c, &g);
    assert_int_equal(op.status, RSVD_STATUS_SUCCESS);
    assert_false(fx_info(&fx, &op.file_id).is_durable);
    assert_null(op.rsp_context);
    /* Step 4: without BATCH nor a lease with H the context is ignored. */
    c = create_dhnq(RSVD_SMB2_OPLOCK_LEVEL_NONE);
    g = granted(RSVD_SMB2_OPLOCK_LEVEL_NONE, 0);
    op = pv_open(&fx, &a, &c, &g);
    assert_false(fx_info(&fx, &op.file_id).is_durable);
    assert_null(op.rsp_context);
    fx_fini(&fx);
}

/* 3.3.5.9.6 step 4 (and its v2-lease pitfall): a lease granted with
 * HANDLE_CACHING makes the open durable, one without does not. */
static void dhnq_with_a_lease_is_durable_only_with_handle_caching(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    for (uint8_t v = 1; v <= 2; v++) {
        pv_create c = create_dhnq(RSVD_SMB2_OPLOCK_LEVEL_LEASE);
        c.rqls = true;
        c.lease_version = v;
        c.lease_key = pv_guid((uint8_t)(0x10 + v));
        c.lease_state = RSVD_SMB2_LEASE_READ_CACHING | RSVD_SMB2_LEASE_HANDLE_CACHING;
        pv_grant g = granted(RSVD_SMB2_OPLOCK_LEVEL_LEASE,
                             RSVD_SMB2_LEASE_READ_CACHING | RSVD_SMB2_LEASE_HANDLE_CACHING);
        rsvd_res_create_op op = pv_open(&fx, &s, &c, &g);
        assert_true(fx_info(&fx, &op.file_id).is_durable);
        assert_true(fx_info(&fx, &op.file_id).leased);
        g = granted(RSVD_SMB2_OPLOCK_LEVEL_LEASE, RSVD_SMB2_LEASE_READ_CACHING);
        op = pv_open(&fx, &s, &c, &g);
        assert_false(fx_info(&fx, &op.file_id).is_durable);
        assert_null(op.rsp_context);
    }
    fx_fini(&fx);
}

/* 3.3.5.9.6 step 5: a lease requested on a directory - no durability. */
static void dhnq_with_a_lease_on_a_directory_is_ignored(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    pv_create c = create_dhnq(RSVD_SMB2_OPLOCK_LEVEL_LEASE);
    c.rqls = true;
    c.lease_key = pv_guid(0x33);
    c.lease_state = 7;
    pv_grant g = granted(RSVD_SMB2_OPLOCK_LEVEL_LEASE, 3);
    g.flags = RSVD_RES_GRANT_DIRECTORY;
    rsvd_res_create_op op = pv_open(&fx, &s, &c, &g);
    assert_int_equal(op.status, RSVD_STATUS_SUCCESS);
    assert_false(fx_info(&fx, &op.file_id).is_durable);
    fx_fini(&fx);
}

/* 3.3.5.9.6 steps 1 and 6, 3.3.5.9.10 step 4: an object store that grants
 * no durability - for the whole server or for this open. */
static void durable_requests_are_ignored_when_the_object_store_grants_none(void **state)
{
    (void)state;
    srv_fx fx;
    rsvd_res_server_config cfg = RSVD_STRUCT_INIT(rsvd_res_server_config);
    cfg.flags = RSVD_RES_SERVER_NO_DURABLE;
    fx_init(&fx, &cfg, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    pv_create c = create_dhnq(RSVD_SMB2_OPLOCK_LEVEL_BATCH);
    pv_grant g = granted(RSVD_SMB2_OPLOCK_LEVEL_BATCH, 0);
    rsvd_res_create_op op = pv_open(&fx, &s, &c, &g);
    assert_false(fx_info(&fx, &op.file_id).is_durable);
    c = create_dh2q(0x44, 0, RSVD_SMB2_DHANDLE_FLAG_PERSISTENT);
    op = pv_open(&fx, &s, &c, &g);
    assert_false(fx_info(&fx, &op.file_id).is_durable);
    assert_null(op.rsp_context);
    fx_fini(&fx);

    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    s = pv_session(&fx, &w);
    c = create_dhnq(RSVD_SMB2_OPLOCK_LEVEL_BATCH);
    g.flags = RSVD_RES_GRANT_NO_DURABLE;
    op = pv_open(&fx, &s, &c, &g);
    assert_false(fx_info(&fx, &op.file_id).is_durable);
    g.flags = 0;
    op = pv_open(&fx, &s, &c, &g);
    assert_true(fx_info(&fx, &op.file_id).is_durable);
    fx_fini(&fx);
}

/* 3.3.5.9.10 step 1 (MUST) and 3.3.5.9.6 step 3 (SHOULD <334>): DH2Q with
 * DHnQ or DH2C fails STATUS_INVALID_PARAMETER before anything happens. */
static void dh2q_with_dhnq_or_dh2c_fails_invalid_parameter(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    pv_create c = create_dh2q(0x51, 0, 0);
    c.dhnq = true;
    rsvd_res_create_op op = pv_begin(&fx, &s, &c, NULL);
    assert_int_equal(op.action, RSVD_RES_CREATE_FAIL);
    assert_int_equal(op.status, RSVD_STATUS_INVALID_PARAMETER);
    c.dhnq = false;
    c.dh2c = true;
    op = pv_begin(&fx, &s, &c, NULL);
    assert_int_equal(op.action, RSVD_RES_CREATE_FAIL);
    assert_int_equal(op.status, RSVD_STATUS_INVALID_PARAMETER);
    rsvd_res_server_stats st = RSVD_STRUCT_INIT(rsvd_res_server_stats);
    rsvd_res_server_get_stats(fx.srv, &st);
    assert_int_equal(st.opens, 0);
    fx_fini(&fx);
}

/* ---- 3.3.5.9.10 DH2Q -------------------------------------------------------------- */

static void dh2q_with_batch_is_durable_v2_with_its_create_guid(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    pv_create c = create_dh2q(0x61, 30000, 0);
    pv_grant g = granted(RSVD_SMB2_OPLOCK_LEVEL_BATCH, 0);
    rsvd_res_create_op op = pv_open(&fx, &s, &c, &g);
    assert_int_equal(op.status, RSVD_STATUS_SUCCESS);
    rsvd_res_open_info i = fx_info(&fx, &op.file_id);
    assert_true(i.is_durable);
    assert_false(i.is_persistent);
    rsvd_guid want = pv_guid(0x61);
    assert_memory_equal(i.create_guid.b, want.b, 16);
    want = pv_guid(0xA1);
    assert_memory_equal(i.client_guid.b, want.b, 16);
    assert_int_equal(i.durable_timeout_ms, 30000);
    /* Step 7 and pitfall B15: the DH2Q response, laid out little-endian by
     * the wire layer - Timeout 30000, Flags 0. */
    assert_memory_equal(op.rsp_context, "DH2Q", 4);
    static const uint8_t rsp[8] = {0x30, 0x75, 0, 0, 0, 0, 0, 0};
    assert_int_equal(op.rsp_context_len, 8);
    assert_memory_equal(op.rsp_context_data, rsp, 8);
    fx_fini(&fx);
}

/* Decision D8, <343> and <344>: Timeout 0 takes Share.CATimeout, or the
 * configured default (60 s) when that is 0; a Timeout above the maximum
 * (300 s) is granted the maximum (pitfall B8: milliseconds, never 0). */
static void dh2q_timeout_zero_takes_ca_timeout_or_the_default_and_is_capped(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    pv_grant g = granted(RSVD_SMB2_OPLOCK_LEVEL_BATCH, 0);
    pv_create c = create_dh2q(0x62, 0, 0);
    rsvd_res_create_op op = pv_open(&fx, &s, &c, &g);
    assert_int_equal(fx_info(&fx, &op.file_id).durable_timeout_ms, 60000);
    c = create_dh2q(0x63, 300001, 0);
    op = pv_open(&fx, &s, &c, &g);
    assert_int_equal(fx_info(&fx, &op.file_id).durable_timeout_ms, 300000);
    uint8_t rsp[8] = {0xE0, 0x93, 0x04, 0, 0, 0, 0, 0}; /* 300000 */
    assert_memory_equal(op.rsp_context_data, rsp, 8);
    c = create_dh2q(0x64, 1, 0);
    op = pv_open(&fx, &s, &c, &g);
    assert_int_equal(fx_info(&fx, &op.file_id).durable_timeout_ms, 1);
    pv_where w2 = pv_alice();
    w2.session_id = 0x22;
    w2.tree_id = 4;
    w2.ca_timeout_ms = 45000;
    fx_sess s2 = pv_session(&fx, &w2);
    c = create_dh2q(0x65, 0, 0);
    op = pv_open(&fx, &s2, &c, &g);
    assert_int_equal(fx_info(&fx, &op.file_id).durable_timeout_ms, 45000);
    fx_fini(&fx);

    rsvd_res_server_config cfg = RSVD_STRUCT_INIT(rsvd_res_server_config);
    cfg.durable_v2_timeout_ms = 7000;
    cfg.durable_v2_max_timeout_ms = 8000;
    fx_init(&fx, &cfg, RSVD_SMB2_DIALECT_302);
    s = pv_session(&fx, &w);
    c = create_dh2q(0x66, 0, 0);
    op = pv_open(&fx, &s, &c, &g);
    assert_int_equal(fx_info(&fx, &op.file_id).durable_timeout_ms, 7000);
    c = create_dh2q(0x67, 9000, 0);
    op = pv_open(&fx, &s, &c, &g);
    assert_int_equal(fx_info(&fx, &op.file_id).durable_timeout_ms, 8000);
    fx_fini(&fx);
}

/* Decision D1: PERSISTENT on a CA share of a connection that negotiated
 * PERSISTENT_HANDLES is persistent, with no oplock at all. */
static void dh2q_persistent_on_a_ca_share_with_the_capability_needs_no_oplock(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    pv_create c = create_dh2q(0x71, 0, RSVD_SMB2_DHANDLE_FLAG_PERSISTENT);
    c.oplock = RSVD_SMB2_OPLOCK_LEVEL_NONE;
    rsvd_res_create_op op = pv_open(&fx, &s, &c, NULL);
    rsvd_res_open_info i = fx_info(&fx, &op.file_id);
    assert_true(i.is_durable);
    assert_true(i.is_persistent);
    assert_true(i.is_replay_eligible); /* persistent: eligible on a disk share */
    static const uint8_t rsp[8] = {0x60, 0xEA, 0, 0, 2, 0, 0, 0}; /* 60000, PERSISTENT */
    assert_memory_equal(op.rsp_context_data, rsp, 8);
    rsvd_res_server_stats st = RSVD_STRUCT_INIT(rsvd_res_server_stats);
    rsvd_res_server_get_stats(fx.srv, &st);
    assert_int_equal(st.persistent, 1);
    assert_int_equal(st.durable, 1);
    fx_fini(&fx);
}

/* Pitfall P5 and D1: PERSISTENT on a share that is not CA, or without the
 * negotiated capability, is no error: not persistent, and durable only
 * with BATCH or a lease with H. */
static void dh2q_persistent_without_ca_or_capability_is_not_persistent(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    w.tree_flags = 0; /* not CA */
    fx_sess s = pv_session(&fx, &w);
    pv_create c = create_dh2q(0x72, 0, RSVD_SMB2_DHANDLE_FLAG_PERSISTENT);
    rsvd_res_create_op op = pv_open(&fx, &s, &c, NULL);
    assert_int_equal(op.status, RSVD_STATUS_SUCCESS);
    assert_false(fx_info(&fx, &op.file_id).is_durable);
    assert_null(op.rsp_context);
    pv_grant g = granted(RSVD_SMB2_OPLOCK_LEVEL_BATCH, 0);
    c = create_dh2q(0x73, 0, RSVD_SMB2_DHANDLE_FLAG_PERSISTENT);
    op = pv_open(&fx, &s, &c, &g);
    assert_true(fx_info(&fx, &op.file_id).is_durable);
    assert_false(fx_info(&fx, &op.file_id).is_persistent);
    static const uint8_t rsp[8] = {0x60, 0xEA, 0, 0, 0, 0, 0, 0}; /* no PERSISTENT */
    assert_memory_equal(op.rsp_context_data, rsp, 8);

    pv_where w2 = pv_alice();
    w2.caps = 0; /* PERSISTENT_HANDLES not negotiated */
    w2.session_id = 0x23;
    fx_sess s2 = pv_session(&fx, &w2);
    c = create_dh2q(0x74, 0, RSVD_SMB2_DHANDLE_FLAG_PERSISTENT);
    op = pv_open(&fx, &s2, &c, NULL);
    assert_false(fx_info(&fx, &op.file_id).is_persistent);
    assert_false(fx_info(&fx, &op.file_id).is_durable);
    fx_fini(&fx);
}

/* Decision D1 (the older explicit rule): a DH2Q without PERSISTENT needs
 * BATCH or a lease with HANDLE_CACHING granted; the response goes exactly
 * with IsDurable. */
static void dh2q_without_batch_or_handle_lease_gets_no_response(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    pv_create c = create_dh2q(0x75, 0, 0);
    pv_grant g = granted(RSVD_SMB2_OPLOCK_LEVEL_EXCLUSIVE, 0);
    rsvd_res_create_op op = pv_open(&fx, &s, &c, &g);
    assert_false(fx_info(&fx, &op.file_id).is_durable);
    assert_null(op.rsp_context);
    assert_int_equal(op.rsp_context_len, 0);
    c.create_guid = pv_guid(0x76);
    c.rqls = true;
    c.lease_version = 2;
    c.lease_key = pv_guid(0x77);
    g = granted(RSVD_SMB2_OPLOCK_LEVEL_LEASE, RSVD_SMB2_LEASE_READ_CACHING |
                                                  RSVD_SMB2_LEASE_HANDLE_CACHING);
    op = pv_open(&fx, &s, &c, &g);
    assert_true(fx_info(&fx, &op.file_id).is_durable);
    assert_non_null(op.rsp_context);
    fx_fini(&fx);
}

/* 3.3.5.9.10 step 4: Open.CreateGuid is recorded even when durability is
 * refused (a directory here), and a directory open is never durable. */
static void dh2q_create_guid_is_recorded_even_on_a_directory(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    pv_create c = create_dh2q(0x78, 0, RSVD_SMB2_DHANDLE_FLAG_PERSISTENT);
    pv_grant g = granted(RSVD_SMB2_OPLOCK_LEVEL_BATCH, 0);
    g.flags = RSVD_RES_GRANT_DIRECTORY;
    rsvd_res_create_op op = pv_open(&fx, &s, &c, &g);
    rsvd_res_open_info i = fx_info(&fx, &op.file_id);
    assert_false(i.is_durable);
    rsvd_guid want = pv_guid(0x78);
    assert_memory_equal(i.create_guid.b, want.b, 16);
    assert_null(op.rsp_context);
    fx_fini(&fx);
}

/* 3.3.5.9.10 step 4: IsReplayEligible needs STYPE_DISKTREE and, when not
 * persistent, read, execute, write, append or delete access. */
static void dh2q_replay_eligibility_needs_a_disk_share_and_data_access(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    pv_grant g = granted(RSVD_SMB2_OPLOCK_LEVEL_BATCH, 0);
    pv_create c = create_dh2q(0x81, 0, 0);
    rsvd_res_create_op op = pv_open(&fx, &s, &c, &g);
    assert_true(fx_info(&fx, &op.file_id).is_replay_eligible);
    g.access = RSVD_FILE_READ_ATTRIBUTES | RSVD_SYNCHRONIZE;
    c = create_dh2q(0x82, 0, 0);
    op = pv_open(&fx, &s, &c, &g);
    assert_true(fx_info(&fx, &op.file_id).is_durable);
    assert_false(fx_info(&fx, &op.file_id).is_replay_eligible);
    pv_where w2 = pv_alice();
    w2.session_id = 0x24;
    w2.share_type = RSVD_RES_STYPE_PRINTQ;
    fx_sess s2 = pv_session(&fx, &w2);
    g.access = 0;
    c = create_dh2q(0x83, 0, 0);
    op = pv_open(&fx, &s2, &c, &g);
    assert_false(fx_info(&fx, &op.file_id).is_replay_eligible);
    fx_fini(&fx);
}

/* 3.3.5.9.10 steps 3 and 5: a DH2Q whose CreateGuid names a replay-eligible
 * open of the same client, without the REPLAY flag, fails
 * STATUS_DUPLICATE_OBJECTID; pitfall P3: another client's CreateGuid, or
 * an open that is no longer eligible, makes a new open. */
static void dh2q_with_a_create_guid_in_use_fails_duplicate_objectid(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    rsvd_smb2_fileid f = pv_durable_v2(&fx, &s, 0x91);
    pv_create c = create_dh2q(0x91, 0, 0);
    rsvd_res_create_op op = pv_begin(&fx, &s, &c, NULL);
    assert_int_equal(op.action, RSVD_RES_CREATE_FAIL);
    assert_int_equal(op.status, RSVD_STATUS_DUPLICATE_OBJECTID);
    pv_where w2 = pv_alice();
    w2.client = 0xB2;
    w2.session_id = 0x31;
    fx_sess other = pv_session(&fx, &w2);
    op = pv_begin(&fx, &other, &c, NULL);
    assert_int_equal(op.action, RSVD_RES_CREATE_EXECUTE);
    /* A READ clears IsReplayEligible (3.3.5.12): the CreateGuid is free. */
    rsvd_smb2_hdr h;
    memset(&h, 0, sizeof h);
    h.command = RSVD_SMB2_READ;
    h.session_id = s.session_id;
    h.tree_id = s.tree_id;
    rsvd_res_request rq;
    assert_int_equal(rsvd_res_server_request_begin(fx.srv, &s.ctx, &h, &f, &rq), RSVD_OK);
    assert_int_equal(rsvd_res_server_request_end(fx.srv, &rq), RSVD_OK);
    op = pv_begin(&fx, &s, &c, NULL);
    assert_int_equal(op.action, RSVD_RES_CREATE_EXECUTE);
    fx_fini(&fx);
}

/* Pitfall B6: another client's DH2Q with the same CreateGuid is "not
 * found" and takes nothing from the open it names: both opens live, and
 * the first still expires at its own deadline when its client goes away. */
static void create_guid_of_another_client_pins_nothing(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    rsvd_smb2_fileid first = pv_durable_v2(&fx, &s, 0x9A);
    pv_where w2 = pv_alice();
    w2.client = 0xB2;
    w2.session_id = 0x32;
    fx_sess other = pv_session(&fx, &w2);
    pv_create c = create_dh2q(0x9A, 0, 0);
    pv_grant g = granted(RSVD_SMB2_OPLOCK_LEVEL_BATCH, 0);
    rsvd_res_create_op op = pv_open(&fx, &other, &c, &g);
    assert_int_equal(op.status, RSVD_STATUS_SUCCESS);
    rsvd_smb2_fileid second = op.file_id;
    assert_int_not_equal(second.persistent_id, first.persistent_id);
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, s.ctx.conn, fx.now), RSVD_OK);
    rsvd_res_open_info i = fx_info(&fx, &first);
    assert_int_equal(i.state, RSVD_RES_OPEN_DETACHED);
    size_t closed = 0;
    assert_int_equal(rsvd_res_server_handle_expiry(fx.srv, i.deadline_ms + 1, &closed), RSVD_OK);
    assert_int_equal(closed, 1);
    assert_false(fx_exists(&fx, &first));
    assert_true(fx_exists(&fx, &second));
    fx_fini(&fx);
}

/* DH2Q, DH2C and the application-instance contexts are 3.x contexts:
 * ignored on 2.1 (<334>, <336>). */
static void dh2q_is_ignored_below_3_0(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    pv_where w = pv_alice();
    w.dialect = RSVD_SMB2_DIALECT_210;
    fx_sess s = pv_session(&fx, &w);
    pv_create c = create_dh2q(0x95, 0, RSVD_SMB2_DHANDLE_FLAG_PERSISTENT);
    c.dhnq = true; /* would be INVALID_PARAMETER on 3.x */
    pv_grant g = granted(RSVD_SMB2_OPLOCK_LEVEL_BATCH, 0);
    rsvd_res_create_op op = pv_open(&fx, &s, &c, &g);
    assert_int_equal(op.status, RSVD_STATUS_SUCCESS);
    rsvd_res_open_info i = fx_info(&fx, &op.file_id);
    assert_true(i.is_durable); /* the DHnQ */
    assert_false(i.is_persistent);
    assert_true(rsvd_guid_is_zero(&i.create_guid));
    assert_memory_equal(op.rsp_context, "DHnQ", 4);
    fx_fini(&fx);
}

/* ---- the two halves -------------------------------------------------------------- */

/* create_end of a failed Open Execution keeps nothing; an op not from
 * create_begin, or one ended already, is refused. */
static void create_end_keeps_nothing_of_a_failed_open_and_ends_once(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    pv_create c = create_dh2q(0xA1, 0, RSVD_SMB2_DHANDLE_FLAG_PERSISTENT);
    rsvd_res_create_op op = pv_begin(&fx, &s, &c, NULL);
    pv_grant g = granted(0, 0);
    g.status = RSVD_STATUS_SHARING_VIOLATION;
    assert_int_equal(pv_end(&fx, &s, &op, &g), RSVD_OK);
    assert_int_equal(op.status, RSVD_STATUS_SHARING_VIOLATION);
    rsvd_res_server_stats st = RSVD_STRUCT_INIT(rsvd_res_server_stats);
    rsvd_res_server_get_stats(fx.srv, &st);
    assert_int_equal(st.opens, 0);
    assert_int_equal(pv_end(&fx, &s, &op, NULL), RSVD_E_INVAL); /* ended already */
    rsvd_res_create_op blank;
    memset(&blank, 0, sizeof blank);
    assert_int_equal(pv_end(&fx, &s, &blank, NULL), RSVD_E_INVAL);
    /* A grant not initialised with RSVD_STRUCT_INIT. */
    op = pv_begin(&fx, &s, &c, NULL);
    rsvd_res_create_grant bad;
    memset(&bad, 0, sizeof bad);
    uint8_t req[1024];
    size_t n = pv_create_req(&s, 99, &c, req, sizeof req);
    assert_int_equal(rsvd_res_server_create_end(fx.srv, &s.ctx, req, n, &bad, fx.now, &op),
                     RSVD_E_INVAL);
    fx_fini(&fx);
}

/* The connection lost between the halves: create_end says RSVD_E_NOENT and
 * keeps nothing (the host undoes its open). */
static void create_end_after_the_connection_was_lost_keeps_nothing(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    pv_create c = create_dh2q(0xA2, 0, RSVD_SMB2_DHANDLE_FLAG_PERSISTENT);
    rsvd_res_create_op op = pv_begin(&fx, &s, &c, NULL);
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, s.ctx.conn, fx.now), RSVD_OK);
    assert_int_equal(pv_end(&fx, &s, &op, NULL), RSVD_E_NOENT);
    rsvd_res_server_stats st = RSVD_STRUCT_INIT(rsvd_res_server_stats);
    rsvd_res_server_get_stats(fx.srv, &st);
    assert_int_equal(st.opens, 0);
    fx_fini(&fx);
}

/* 3.3.5.9 Create Context Validation and pitfalls B1, B2, B7: a durable
 * context of the wrong size, or a malformed lease request, fails
 * STATUS_INVALID_PARAMETER before any field is read; a name that only
 * starts like a tag is another context. */
static void malformed_durable_or_lease_contexts_fail_invalid_parameter(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    struct {
        const char *name;
        size_t name_len, data_len;
        uint32_t status;
    } cases[] = {
        {"DH2Q", 4, 31, RSVD_STATUS_INVALID_PARAMETER},
        {"DH2Q", 4, 33, RSVD_STATUS_INVALID_PARAMETER},
        {"DHnQ", 4, 8, RSVD_STATUS_INVALID_PARAMETER},
        {"DH2C", 4, 35, RSVD_STATUS_INVALID_PARAMETER},
        {"RqLs", 4, 31, RSVD_STATUS_INVALID_PARAMETER},
        {"RqLs", 4, 40, RSVD_STATUS_INVALID_PARAMETER},
        {RSVD_SMB2_CC_APP_INSTANCE_ID, 16, 19, RSVD_STATUS_INVALID_PARAMETER},
        {"DH2Qx", 5, 3, RSVD_STATUS_SUCCESS}, /* not the DH2Q tag (B2) */
        {"DHnQ\0\0\0\0", 8, 3, RSVD_STATUS_SUCCESS},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        uint8_t chain[256], data[64] = {0}, req[1024];
        size_t cn = 0;
        rsvd_smb2_cc_builder b;
        rsvd_smb2_cc_builder_init(&b, chain, sizeof chain);
        assert_int_equal(rsvd_smb2_cc_builder_add(&b, cases[k].name, cases[k].name_len, data,
                                                  cases[k].data_len),
                         RSVD_OK);
        assert_int_equal(rsvd_smb2_cc_builder_finish(&b, &cn), RSVD_OK);
        static const uint8_t name[4] = {'a', 0, 'b', 0};
        rsvd_smb2_create_req m;
        memset(&m, 0, sizeof m);
        m.hdr.message_id = 5;
        m.hdr.session_id = s.session_id;
        m.hdr.tree_id = s.tree_id;
        m.name = name;
        m.name_length = 4;
        m.create_contexts = chain;
        m.create_contexts_length = (uint32_t)cn;
        size_t n = 0;
        assert_int_equal(rsvd_smb2_create_req_encode(&m, req, sizeof req, &n), RSVD_OK);
        rsvd_res_create_op op;
        assert_int_equal(
            rsvd_res_server_create_begin(fx.srv, &s.ctx, req, n, NULL, fx.now, &op), RSVD_OK);
        if (cases[k].status == RSVD_STATUS_SUCCESS) {
            assert_int_equal(op.action, RSVD_RES_CREATE_EXECUTE);
        } else {
            assert_int_equal(op.action, RSVD_RES_CREATE_FAIL);
            assert_int_equal(op.status, cases[k].status);
        }
    }
    fx_fini(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dhnq_with_batch_granted_is_durable_with_the_v1_timeout),
        cmocka_unit_test(dhnq_with_batch_requested_but_level_ii_granted_is_not_durable),
        cmocka_unit_test(dhnq_with_a_lease_is_durable_only_with_handle_caching),
        cmocka_unit_test(dhnq_with_a_lease_on_a_directory_is_ignored),
        cmocka_unit_test(durable_requests_are_ignored_when_the_object_store_grants_none),
        cmocka_unit_test(dh2q_with_dhnq_or_dh2c_fails_invalid_parameter),
        cmocka_unit_test(dh2q_with_batch_is_durable_v2_with_its_create_guid),
        cmocka_unit_test(dh2q_timeout_zero_takes_ca_timeout_or_the_default_and_is_capped),
        cmocka_unit_test(dh2q_persistent_on_a_ca_share_with_the_capability_needs_no_oplock),
        cmocka_unit_test(dh2q_persistent_without_ca_or_capability_is_not_persistent),
        cmocka_unit_test(dh2q_without_batch_or_handle_lease_gets_no_response),
        cmocka_unit_test(dh2q_create_guid_is_recorded_even_on_a_directory),
        cmocka_unit_test(dh2q_replay_eligibility_needs_a_disk_share_and_data_access),
        cmocka_unit_test(dh2q_with_a_create_guid_in_use_fails_duplicate_objectid),
        cmocka_unit_test(create_guid_of_another_client_pins_nothing),
        cmocka_unit_test(dh2q_is_ignored_below_3_0),
        cmocka_unit_test(create_end_keeps_nothing_of_a_failed_open_and_ends_once),
        cmocka_unit_test(create_end_after_the_connection_was_lost_keeps_nothing),
        cmocka_unit_test(malformed_durable_or_lease_contexts_fail_invalid_parameter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
