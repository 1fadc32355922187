/*
 * The channel sequence ([MS-SMB2] 3.3.5.2.10 Verifying the Channel Sequence
 * Number, 3.3.4.1 for the counts; decision D9) and the commands that clear
 * Open.IsReplayEligible (3.3.5.11 ... 3.3.5.22).
 */
#include <string.h>

#include <rsvd/status.h>
#include <rsvd/wire_smb2.h>

#include "pv_fixture.h"

typedef struct ch_fx {
    srv_fx fx;
    fx_sess s;
    rsvd_smb2_fileid f;
} ch_fx;

/* A durable v2 open on 3.0.2, created with ChannelSequence 10. */
static void ch_init(ch_fx *c, uint16_t dialect)
{
    fx_init(&c->fx, NULL, dialect);
    pv_where w = pv_alice();
    w.dialect = dialect;
    c->s = pv_session(&c->fx, &w);
    pv_create cr;
    memset(&cr, 0, sizeof cr);
    cr.oplock = RSVD_SMB2_OPLOCK_LEVEL_BATCH;
    cr.dh2q = true;
    cr.create_guid = pv_guid(0x10);
    cr.channel_sequence = 10;
    pv_grant g;
    memset(&g, 0, sizeof g);
    g.oplock = RSVD_SMB2_OPLOCK_LEVEL_BATCH;
    rsvd_res_create_op op = pv_open(&c->fx, &c->s, &cr, &g);
    assert_int_equal(op.status, RSVD_STATUS_SUCCESS);
    c->f = op.file_id;
}

/* request_begin of @p command with @p seq (and REPLAY when replay). */
static rsvd_res_request ch_req(ch_fx *c, uint16_t command, uint16_t seq, bool replay)
{
    rsvd_smb2_hdr h;
    memset(&h, 0, sizeof h);
    h.command = command;
    h.status = seq;
    h.flags = replay ? RSVD_SMB2_FLAGS_REPLAY_OPERATION : 0;
    h.session_id = c->s.session_id;
    h.tree_id = c->s.tree_id;
    rsvd_res_request rq;
    assert_int_equal(rsvd_res_server_request_begin(c->fx.srv, &c->s.ctx, &h, &c->f, &rq),
                     RSVD_OK);
    return rq;
}

static void ch_counts(ch_fx *c, uint16_t seq, uint32_t outstanding, uint32_t pre)
{
    rsvd_res_open_info i = fx_info(&c->fx, &c->f);
    assert_int_equal(i.channel_sequence, seq);
    assert_int_equal(i.outstanding_requests, outstanding);
    assert_int_equal(i.outstanding_pre_requests, pre);
}

/* "Successful Open Initialization": Open.ChannelSequence is the CREATE's;
 * not replayed, equal: OutstandingRequestCount + 1; the response takes it
 * back (3.3.4.1). */
static void equal_channel_sequence_counts_the_request_until_its_response(void **state)
{
    (void)state;
    ch_fx c;
    ch_init(&c, RSVD_SMB2_DIALECT_302);
    ch_counts(&c, 10, 0, 0);
    rsvd_res_request a = ch_req(&c, RSVD_SMB2_WRITE, 10, false);
    rsvd_res_request b = ch_req(&c, RSVD_SMB2_READ, 10, false);
    assert_int_equal(a.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(b.status, RSVD_STATUS_SUCCESS);
    ch_counts(&c, 10, 2, 0);
    assert_int_equal(rsvd_res_server_request_end(c.fx.srv, &a), RSVD_OK);
    assert_int_equal(rsvd_res_server_request_end(c.fx.srv, &b), RSVD_OK);
    ch_counts(&c, 10, 0, 0);
    fx_fini(&c.fx);
}

/* Not replayed, ahead by 1..0x7FFF (16-bit unsigned difference): the
 * outstanding requests become pre-requests, this one the only current one,
 * its sequence Open.ChannelSequence; requests of the old sequence end in
 * OutstandingPreRequestCount. */
static void channel_sequence_ahead_moves_the_counts_and_is_adopted(void **state)
{
    (void)state;
    ch_fx c;
    ch_init(&c, RSVD_SMB2_DIALECT_302);
    rsvd_res_request old1 = ch_req(&c, RSVD_SMB2_WRITE, 10, false);
    rsvd_res_request old2 = ch_req(&c, RSVD_SMB2_WRITE, 10, false);
    rsvd_res_request n = ch_req(&c, RSVD_SMB2_WRITE, 11, false);
    assert_int_equal(n.status, RSVD_STATUS_SUCCESS);
    ch_counts(&c, 11, 1, 2);
    assert_int_equal(rsvd_res_server_request_end(c.fx.srv, &old1), RSVD_OK);
    ch_counts(&c, 11, 1, 1);
    assert_int_equal(rsvd_res_server_request_end(c.fx.srv, &n), RSVD_OK);
    assert_int_equal(rsvd_res_server_request_end(c.fx.srv, &old2), RSVD_OK);
    ch_counts(&c, 11, 0, 0);
    /* 0x7FFF ahead is still ahead (wrapping past 0xFFFF). */
    rsvd_res_request far = ch_req(&c, RSVD_SMB2_SET_INFO, (uint16_t)(11 + 0x7FFF), false);
    assert_int_equal(far.status, RSVD_STATUS_SUCCESS);
    ch_counts(&c, (uint16_t)(11 + 0x7FFF), 1, 0);
    fx_fini(&c.fx);
}

/* Not replayed and stale (0x8000 or more ahead): WRITE, SET_INFO and IOCTL
 * fail STATUS_FILE_NOT_AVAILABLE; other commands go on, uncounted. */
static void stale_channel_sequence_fails_write_set_info_and_ioctl_only(void **state)
{
    (void)state;
    ch_fx c;
    ch_init(&c, RSVD_SMB2_DIALECT_302);
    uint16_t stale = (uint16_t)(10 + 0x8000);
    assert_int_equal(ch_req(&c, RSVD_SMB2_WRITE, stale, false).status,
                     RSVD_STATUS_FILE_NOT_AVAILABLE);
    assert_int_equal(ch_req(&c, RSVD_SMB2_SET_INFO, 9, false).status,
                     RSVD_STATUS_FILE_NOT_AVAILABLE);
    assert_int_equal(ch_req(&c, RSVD_SMB2_IOCTL, 9, false).status,
                     RSVD_STATUS_FILE_NOT_AVAILABLE);
    rsvd_res_request r = ch_req(&c, RSVD_SMB2_READ, 9, false);
    assert_int_equal(r.status, RSVD_STATUS_SUCCESS);
    ch_counts(&c, 10, 0, 0);
    assert_int_equal(rsvd_res_server_request_end(c.fx.srv, &r), RSVD_OK);
    ch_counts(&c, 10, 0, 0);
    fx_fini(&c.fx);
}

/* Replayed, equal: counted when no pre-request is outstanding; otherwise
 * WRITE/SET_INFO/IOCTL fail STATUS_FILE_NOT_AVAILABLE. */
static void replay_with_equal_sequence_waits_for_the_pre_requests(void **state)
{
    (void)state;
    ch_fx c;
    ch_init(&c, RSVD_SMB2_DIALECT_302);
    rsvd_res_request r = ch_req(&c, RSVD_SMB2_WRITE, 10, true);
    assert_int_equal(r.status, RSVD_STATUS_SUCCESS);
    ch_counts(&c, 10, 1, 0);
    rsvd_res_request old = ch_req(&c, RSVD_SMB2_WRITE, 10, false);
    rsvd_res_request ahead = ch_req(&c, RSVD_SMB2_WRITE, 12, false); /* 2 pre-requests */
    ch_counts(&c, 12, 1, 2);
    assert_int_equal(ch_req(&c, RSVD_SMB2_WRITE, 12, true).status,
                     RSVD_STATUS_FILE_NOT_AVAILABLE);
    assert_int_equal(ch_req(&c, RSVD_SMB2_READ, 12, true).status, RSVD_STATUS_SUCCESS);
    ch_counts(&c, 12, 1, 2);
    assert_int_equal(rsvd_res_server_request_end(c.fx.srv, &r), RSVD_OK);
    assert_int_equal(rsvd_res_server_request_end(c.fx.srv, &old), RSVD_OK);
    ch_counts(&c, 12, 1, 0);
    rsvd_res_request again = ch_req(&c, RSVD_SMB2_WRITE, 12, true);
    assert_int_equal(again.status, RSVD_STATUS_SUCCESS);
    ch_counts(&c, 12, 2, 0);
    (void)ahead;
    fx_fini(&c.fx);
}

/* Replayed, ahead (SHOULD <273>): the counts move and the sequence is
 * adopted; with no pre-request left the request counts, otherwise
 * WRITE/SET_INFO/IOCTL fail. Replayed and stale: they fail. */
static void replay_ahead_is_adopted_and_replay_stale_fails(void **state)
{
    (void)state;
    ch_fx c;
    ch_init(&c, RSVD_SMB2_DIALECT_302);
    rsvd_res_request r = ch_req(&c, RSVD_SMB2_IOCTL, 11, true);
    assert_int_equal(r.status, RSVD_STATUS_SUCCESS);
    ch_counts(&c, 11, 1, 0);
    rsvd_res_request r2 = ch_req(&c, RSVD_SMB2_IOCTL, 12, true);
    assert_int_equal(r2.status, RSVD_STATUS_FILE_NOT_AVAILABLE); /* r is now a pre-request */
    ch_counts(&c, 12, 0, 1);
    assert_int_equal(ch_req(&c, RSVD_SMB2_SET_INFO, 3, true).status,
                     RSVD_STATUS_FILE_NOT_AVAILABLE);
    assert_int_equal(ch_req(&c, RSVD_SMB2_QUERY_INFO, 3, true).status, RSVD_STATUS_SUCCESS);
    fx_fini(&c.fx);
}

/* 3.3.5.2.10 is skipped on 2.0.2 and 2.1. */
static void channel_sequence_is_not_checked_below_3_0(void **state)
{
    (void)state;
    ch_fx c;
    ch_init(&c, RSVD_SMB2_DIALECT_210);
    rsvd_res_request r = ch_req(&c, RSVD_SMB2_WRITE, 0x9000, true);
    assert_int_equal(r.status, RSVD_STATUS_SUCCESS);
    ch_counts(&c, 0, 0, 0);
    assert_int_equal(rsvd_res_server_request_end(c.fx.srv, &r), RSVD_OK);
    fx_fini(&c.fx);
}

/* Decision D9: a detach drops the counts (the lost connection's requests
 * get no response); a reclaim takes the reconnect's ChannelSequence; a
 * request that began before the detach counts nowhere when it ends. */
static void detach_drops_the_counts_and_reclaim_reseeds_the_sequence(void **state)
{
    (void)state;
    ch_fx c;
    ch_init(&c, RSVD_SMB2_DIALECT_302);
    rsvd_res_request before = ch_req(&c, RSVD_SMB2_WRITE, 10, false);
    rsvd_res_request ahead = ch_req(&c, RSVD_SMB2_WRITE, 11, false);
    ch_counts(&c, 11, 1, 1);
    assert_int_equal(rsvd_res_server_conn_lost(c.fx.srv, c.s.ctx.conn, c.fx.now), RSVD_OK);
    ch_counts(&c, 11, 0, 0);
    pv_where w = pv_alice();
    w.session_id = 0x99;
    fx_sess s2 = pv_session(&c.fx, &w);
    pv_create r;
    memset(&r, 0, sizeof r);
    r.dh2c = true;
    r.reconnect = c.f;
    r.create_guid = pv_guid(0x10);
    r.channel_sequence = 0; /* a new session starts again */
    rsvd_res_create_op op = pv_open(&c.fx, &s2, &r, NULL);
    assert_int_equal(op.status, RSVD_STATUS_SUCCESS);
    c.s = s2;
    c.f = op.file_id;
    ch_counts(&c, 0, 0, 0);
    rsvd_res_request now = ch_req(&c, RSVD_SMB2_WRITE, 0, false);
    assert_int_equal(now.status, RSVD_STATUS_SUCCESS);
    ch_counts(&c, 0, 1, 0);
    assert_int_equal(rsvd_res_server_request_end(c.fx.srv, &before), RSVD_OK);
    assert_int_equal(rsvd_res_server_request_end(c.fx.srv, &ahead), RSVD_OK);
    ch_counts(&c, 0, 1, 0);
    assert_int_equal(rsvd_res_server_request_end(c.fx.srv, &now), RSVD_OK);
    ch_counts(&c, 0, 0, 0);
    fx_fini(&c.fx);
}

/* 3.3.5.11-3.3.5.22 (3.x): FLUSH, READ, WRITE, LOCK, IOCTL, QUERY_DIRECTORY,
 * CHANGE_NOTIFY, QUERY_INFO, SET_INFO and oplock acknowledgments clear
 * Open.IsReplayEligible; CLOSE, CREATE do not; on 2.1 nothing is cleared. */
static void commands_on_the_open_clear_replay_eligibility(void **state)
{
    (void)state;
    static const uint16_t clearing[] = {
        RSVD_SMB2_FLUSH,           RSVD_SMB2_READ,          RSVD_SMB2_WRITE,
        RSVD_SMB2_LOCK,            RSVD_SMB2_IOCTL,         RSVD_SMB2_QUERY_DIRECTORY,
        RSVD_SMB2_CHANGE_NOTIFY,   RSVD_SMB2_QUERY_INFO,    RSVD_SMB2_SET_INFO,
        RSVD_SMB2_OPLOCK_BREAK};
    for (size_t k = 0; k < sizeof clearing / sizeof clearing[0]; k++) {
        ch_fx c;
        ch_init(&c, RSVD_SMB2_DIALECT_302);
        assert_true(fx_info(&c.fx, &c.f).is_replay_eligible);
        (void)ch_req(&c, RSVD_SMB2_CLOSE, 10, false);
        (void)ch_req(&c, RSVD_SMB2_CREATE, 10, false);
        assert_true(fx_info(&c.fx, &c.f).is_replay_eligible);
        (void)ch_req(&c, clearing[k], 10, false);
        assert_false(fx_info(&c.fx, &c.f).is_replay_eligible);
        fx_fini(&c.fx);
    }
    /* LOCK and the resiliency FSCTL through their own entry points. */
    ch_fx c;
    ch_init(&c, RSVD_SMB2_DIALECT_302);
    rsvd_res_lock_op op = fx_lock_begin(&c.fx, &c.s, &c.f, rsvd_smb2_lock_seq_encode(1, 1));
    assert_int_equal(op.action, RSVD_RES_LOCK_PROCESS);
    assert_false(fx_info(&c.fx, &c.f).is_replay_eligible);
    fx_fini(&c.fx);
    ch_init(&c, RSVD_SMB2_DIALECT_302);
    assert_int_equal(fx_request_resiliency(&c.fx, &c.s, &c.f, 1000), RSVD_STATUS_SUCCESS);
    assert_false(fx_info(&c.fx, &c.f).is_replay_eligible);
    fx_fini(&c.fx);
}

/* request_begin finds the open as every command does: only through its own
 * session and tree; otherwise STATUS_FILE_CLOSED, counting nothing. */
static void request_on_an_unknown_open_fails_file_closed(void **state)
{
    (void)state;
    ch_fx c;
    ch_init(&c, RSVD_SMB2_DIALECT_302);
    rsvd_smb2_fileid wrong = {c.f.persistent_id, c.f.volatile_id + 1};
    rsvd_smb2_hdr h;
    memset(&h, 0, sizeof h);
    h.command = RSVD_SMB2_WRITE;
    rsvd_res_request rq;
    assert_int_equal(rsvd_res_server_request_begin(c.fx.srv, &c.s.ctx, &h, &wrong, &rq),
                     RSVD_OK);
    assert_int_equal(rq.status, RSVD_STATUS_FILE_CLOSED);
    assert_int_equal(rsvd_res_server_request_end(c.fx.srv, &rq), RSVD_OK);
    ch_counts(&c, 10, 0, 0);
    fx_fini(&c.fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(equal_channel_sequence_counts_the_request_until_its_response),
        cmocka_unit_test(channel_sequence_ahead_moves_the_counts_and_is_adopted),
        cmocka_unit_test(stale_channel_sequence_fails_write_set_info_and_ioctl_only),
        cmocka_unit_test(replay_with_equal_sequence_waits_for_the_pre_requests),
        cmocka_unit_test(replay_ahead_is_adopted_and_replay_stale_fails),
        cmocka_unit_test(channel_sequence_is_not_checked_below_3_0),
        cmocka_unit_test(detach_drops_the_counts_and_reclaim_reseeds_the_sequence),
        cmocka_unit_test(commands_on_the_open_clear_replay_eligibility),
        cmocka_unit_test(request_on_an_unknown_open_fails_file_closed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
