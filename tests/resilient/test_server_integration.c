/*
 * The four failures an SMB server author met integrating the resilient
 * server of the first release, each as the host would drive the library:
 *  - a durable open registered beside resilient ones was closed at the
 *    lost connection, with no way to reclaim it;
 *  - a DHnC presented on a tree of another share reclaimed the open;
 *  - one client's flood of detached opens made another client's open be
 *    closed at its disconnection (reason RESOURCES);
 *  - a stale ChannelSequence ([MS-SMB2] 3.3.5.2.10) had no owner.
 */
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/status.h>
#include <rsvd/wire_smb2.h>

#include "pv_fixture.h"

/* A DHnQ open holding BATCH and two resilient opens, on one connection that
 * is lost: all three are kept and all three reclaimed with DHnC. */
static void durable_open_beside_resilient_ones_is_reclaimed_after_a_lost_connection(
    void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    pv_where w = pv_alice();
    w.dialect = RSVD_SMB2_DIALECT_210;
    fx_sess s = pv_session(&fx, &w);
    pv_create c;
    memset(&c, 0, sizeof c);
    c.name = "config.xml";
    c.oplock = RSVD_SMB2_OPLOCK_LEVEL_BATCH;
    c.dhnq = true;
    pv_grant g;
    memset(&g, 0, sizeof g);
    g.oplock = RSVD_SMB2_OPLOCK_LEVEL_BATCH;
    rsvd_res_create_op op = pv_open(&fx, &s, &c, &g);
    assert_memory_equal(op.rsp_context, "DHnQ", 4);
    rsvd_smb2_fileid durable = op.file_id;
    rsvd_smb2_fileid r1 = fx_open_on(&fx, &s, 0);
    rsvd_smb2_fileid r2 = fx_open_on(&fx, &s, 0);
    assert_int_equal(fx_request_resiliency(&fx, &s, &r1, 60000), RSVD_STATUS_SUCCESS);
    assert_int_equal(fx_request_resiliency(&fx, &s, &r2, 60000), RSVD_STATUS_SUCCESS);
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, s.ctx.conn, fx.now), RSVD_OK);
    assert_int_equal(fx.n_closed, 0);
    pv_where w2 = w;
    w2.session_id = 0x99;
    fx_sess s2 = pv_session(&fx, &w2);
    const rsvd_smb2_fileid *all[] = {&durable, &r1, &r2};
    for (int i = 0; i < 3; i++) {
        rsvd_res_reconnect_result rr = fx_reconnect(&fx, &s2, all[i], FX_CC_DHNC);
        assert_int_equal(rr.status, RSVD_STATUS_SUCCESS);
        assert_int_equal(rr.file_id.persistent_id, all[i]->persistent_id);
    }
    fx_fini(&fx);
}

/* A resilient open reconnected with DHnC through a tree of another share:
 * STATUS_OBJECT_NAME_NOT_FOUND (Samba's answer), and the open stays
 * waiting for its own share. */
static void reconnect_through_another_share_is_refused_object_name_not_found(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    w.share = "vms";
    fx_sess s = pv_session(&fx, &w);
    rsvd_smb2_fileid f = fx_open_on(&fx, &s, 0);
    assert_int_equal(fx_request_resiliency(&fx, &s, &f, 60000), RSVD_STATUS_SUCCESS);
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, s.ctx.conn, fx.now), RSVD_OK);
    pv_where w2 = w;
    w2.session_id = 0x98;
    w2.share = "public";
    fx_sess other = pv_session(&fx, &w2);
    rsvd_res_reconnect_result rr = fx_reconnect(&fx, &other, &f, FX_CC_DHNC);
    assert_int_equal(rr.status, RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
    rr = fx_reconnect(&fx, &other, &f, FX_CC_DH2C);
    assert_int_equal(rr.status, RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(fx_info(&fx, &f).state, RSVD_RES_OPEN_DETACHED);
    pv_where w3 = w;
    w3.session_id = 0x97;
    fx_sess own = pv_session(&fx, &w3);
    rr = fx_reconnect(&fx, &own, &f, FX_CC_DHNC);
    assert_int_equal(rr.status, RSVD_STATUS_SUCCESS);
    fx_fini(&fx);
}

/* Client A detaches as many resilient opens as the server keeps; then
 * client B's one resilient open loses its connection: B's open is kept,
 * one of A's is closed for resources. */
static void one_clients_flood_cannot_make_another_clients_open_be_closed(void **state)
{
    (void)state;
    srv_fx fx;
    rsvd_res_server_config cfg = RSVD_STRUCT_INIT(rsvd_res_server_config);
    cfg.max_detached = 100;
    fx_init(&fx, &cfg, RSVD_SMB2_DIALECT_302);
    pv_where wa = pv_alice();
    wa.client = 0xAA;
    wa.session_id = 0x71;
    fx_sess a = pv_session(&fx, &wa);
    for (int i = 0; i < 100; i++) {
        rsvd_smb2_fileid f = fx_open_on(&fx, &a, 0);
        assert_int_equal(fx_request_resiliency(&fx, &a, &f, 60000), RSVD_STATUS_SUCCESS);
    }
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, a.ctx.conn, fx.now), RSVD_OK);
    pv_where wb = pv_alice();
    wb.client = 0xBB;
    wb.user = fx_bob;
    wb.session_id = 0x72;
    fx_sess b = pv_session(&fx, &wb);
    rsvd_smb2_fileid mine = fx_open_on(&fx, &b, 0);
    assert_int_equal(fx_request_resiliency(&fx, &b, &mine, 60000), RSVD_STATUS_SUCCESS);
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, b.ctx.conn, fx.now), RSVD_OK);
    assert_true(fx_exists(&fx, &mine));
    assert_int_equal(fx_info(&fx, &mine).state, RSVD_RES_OPEN_DETACHED);
    assert_int_equal(fx.n_closed, 1);
    assert_int_equal(fx.closed[0].c.reason, RSVD_RES_CLOSE_RESOURCES);
    assert_int_not_equal(fx.closed[0].c.file_id.persistent_id, mine.persistent_id);
    fx_fini(&fx);
}

/* A WRITE whose ChannelSequence is stale (0x8000 behind or more, 16-bit
 * arithmetic) fails STATUS_FILE_NOT_AVAILABLE; the current one goes on. */
static void stale_channel_sequence_is_answered_file_not_available(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    rsvd_smb2_fileid f = pv_durable_v2(&fx, &s, 0x51);
    rsvd_smb2_hdr h;
    memset(&h, 0, sizeof h);
    h.command = RSVD_SMB2_WRITE;
    h.session_id = s.session_id;
    h.tree_id = s.tree_id;
    h.status = 5; /* ChannelSequence 5 moves the open to 5 */
    rsvd_res_request rq;
    assert_int_equal(rsvd_res_server_request_begin(fx.srv, &s.ctx, &h, &f, &rq), RSVD_OK);
    assert_int_equal(rq.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(rsvd_res_server_request_end(fx.srv, &rq), RSVD_OK);
    h.status = (uint16_t)(5 + 0x8000);
    assert_int_equal(rsvd_res_server_request_begin(fx.srv, &s.ctx, &h, &f, &rq), RSVD_OK);
    assert_int_equal(rq.status, RSVD_STATUS_FILE_NOT_AVAILABLE);
    h.status = 4;
    assert_int_equal(rsvd_res_server_request_begin(fx.srv, &s.ctx, &h, &f, &rq), RSVD_OK);
    assert_int_equal(rq.status, RSVD_STATUS_FILE_NOT_AVAILABLE);
    fx_fini(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            durable_open_beside_resilient_ones_is_reclaimed_after_a_lost_connection),
        cmocka_unit_test(reconnect_through_another_share_is_refused_object_name_not_found),
        cmocka_unit_test(one_clients_flood_cannot_make_another_clients_open_be_closed),
        cmocka_unit_test(stale_channel_sequence_is_answered_file_not_available),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
