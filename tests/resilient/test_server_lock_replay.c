/*
 * Server: LOCK lock-sequence replay detection ([MS-SMB2] 3.3.5.14, and the
 * recording step of 3.3.5.14.1 / 3.3.5.14.2).
 *
 * The "object store" here counts how often the host really locks: a replay
 * must not reach it.
 */
#include <string.h>

#include <rsvd/smb2.h>
#include <rsvd/status.h>

#include "res_fixture.h"

typedef struct store {
    unsigned locks; /* ranges locked through Open.LocalOpen */
} store;

/* One LOCK request end to end, as a host runs it: begin, lock through the
 * object store if told to, end with the outcome. Returns the status sent. */
static uint32_t host_lock(srv_fx *fx, const fx_sess *ss, store *st, const rsvd_smb2_fileid *fid,
                          uint32_t lock_sequence, uint32_t store_status)
{
    rsvd_res_lock_op op = fx_lock_begin(fx, ss, fid, lock_sequence);
    switch (op.action) {
    case RSVD_RES_LOCK_PROCESS:
        if (store_status == RSVD_STATUS_SUCCESS)
            st->locks++;
        assert_int_equal(rsvd_res_server_lock_end(fx->srv, &op, store_status), RSVD_OK);
        fx_check(fx);
        return store_status;
    case RSVD_RES_LOCK_REPLAY:
        assert_int_equal(op.status, RSVD_STATUS_SUCCESS);
        assert_int_equal(rsvd_res_server_lock_end(fx->srv, &op, RSVD_STATUS_SUCCESS), RSVD_OK);
        return op.status;
    default:
        assert_int_equal(op.action, RSVD_RES_LOCK_FAIL);
        return op.status;
    }
}

static void entry(srv_fx *fx, const rsvd_smb2_fileid *fid, uint32_t index, bool *valid,
                  uint8_t *number)
{
    assert_int_equal(rsvd_res_server_lock_seq(fx->srv, fid->persistent_id, index, valid, number),
                     RSVD_OK);
}

static void replayed_lock_returns_success_without_locking_again(void **state)
{
    (void)state;
    srv_fx fx;
    store st = {0};
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid fid = fx_open(&fx);
    fx_make_resilient(&fx, &fid, 60000);
    const uint32_t ls = rsvd_smb2_lock_seq_encode(1, 0);
    assert_int_equal(host_lock(&fx, &fx.main, &st, &fid, ls, RSVD_STATUS_SUCCESS),
                     RSVD_STATUS_SUCCESS);
    assert_int_equal(st.locks, 1);
    bool valid;
    uint8_t number;
    entry(&fx, &fid, 1, &valid, &number);
    assert_true(valid);
    assert_int_equal(number, 0);
    /* The same request again (the client never saw the response). */
    rsvd_res_lock_op op = fx_lock_begin(&fx, &fx.main, &fid, ls);
    assert_int_equal(op.action, RSVD_RES_LOCK_REPLAY);
    assert_int_equal(op.status, RSVD_STATUS_SUCCESS);
    assert_int_equal(host_lock(&fx, &fx.main, &st, &fid, ls, RSVD_STATUS_SUCCESS),
                     RSVD_STATUS_SUCCESS);
    assert_int_equal(st.locks, 1); /* never locked again */
    fx_fini(&fx);
}

static void different_number_invalidates_the_entry_and_is_processed(void **state)
{
    (void)state;
    srv_fx fx;
    store st = {0};
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid fid = fx_open(&fx);
    fx_make_resilient(&fx, &fid, 60000);
    (void)host_lock(&fx, &fx.main, &st, &fid, rsvd_smb2_lock_seq_encode(5, 3),
                    RSVD_STATUS_SUCCESS);
    rsvd_res_lock_op op = fx_lock_begin(&fx, &fx.main, &fid, rsvd_smb2_lock_seq_encode(5, 4));
    assert_int_equal(op.action, RSVD_RES_LOCK_PROCESS);
    bool valid;
    uint8_t number;
    entry(&fx, &fid, 5, &valid, &number);
    assert_false(valid); /* reset before processing */
    /* It fails: nothing recorded, the entry stays invalid. */
    assert_int_equal(rsvd_res_server_lock_end(fx.srv, &op, RSVD_STATUS_LOCK_NOT_GRANTED), RSVD_OK);
    entry(&fx, &fid, 5, &valid, &number);
    assert_false(valid);
    /* So the old number is no replay any more either. */
    op = fx_lock_begin(&fx, &fx.main, &fid, rsvd_smb2_lock_seq_encode(5, 3));
    assert_int_equal(op.action, RSVD_RES_LOCK_PROCESS);
    fx_fini(&fx);
}

static void failed_lock_is_never_recorded(void **state)
{
    (void)state;
    srv_fx fx;
    store st = {0};
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid fid = fx_open(&fx);
    fx_make_resilient(&fx, &fid, 60000);
    const uint32_t ls = rsvd_smb2_lock_seq_encode(2, 7);
    assert_int_equal(host_lock(&fx, &fx.main, &st, &fid, ls, RSVD_STATUS_LOCK_NOT_GRANTED),
                     RSVD_STATUS_LOCK_NOT_GRANTED);
    bool valid;
    uint8_t number;
    entry(&fx, &fid, 2, &valid, &number);
    assert_false(valid);
    /* The retry is processed, not taken for a replay. */
    assert_int_equal(fx_lock_begin(&fx, &fx.main, &fid, ls).action, RSVD_RES_LOCK_PROCESS);
    fx_fini(&fx);
}

static void index_0_and_above_64_are_not_tracked(void **state)
{
    (void)state;
    srv_fx fx;
    store st = {0};
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid fid = fx_open(&fx);
    fx_make_resilient(&fx, &fid, 60000);
    const uint32_t seqs[] = {rsvd_smb2_lock_seq_encode(0, 1), rsvd_smb2_lock_seq_encode(65, 1),
                             0xFFFFFFFFu};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(host_lock(&fx, &fx.main, &st, &fid, seqs[i], RSVD_STATUS_SUCCESS),
                         RSVD_STATUS_SUCCESS);
        assert_int_equal(fx_lock_begin(&fx, &fx.main, &fid, seqs[i]).action,
                         RSVD_RES_LOCK_PROCESS);
    }
    assert_int_equal(st.locks, 3);
    for (uint32_t i = 1; i <= 64; i++) {
        bool valid;
        uint8_t number;
        entry(&fx, &fid, i, &valid, &number);
        assert_false(valid);
    }
    bool v;
    uint8_t nb;
    assert_int_equal(rsvd_res_server_lock_seq(fx.srv, fid.persistent_id, 0, &v, &nb),
                     RSVD_E_INVAL);
    assert_int_equal(rsvd_res_server_lock_seq(fx.srv, fid.persistent_id, 65, &v, &nb),
                     RSVD_E_INVAL);
    fx_fini(&fx);
}

static void index_64_is_tracked(void **state)
{
    (void)state;
    srv_fx fx;
    store st = {0};
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid fid = fx_open(&fx);
    fx_make_resilient(&fx, &fid, 60000);
    const uint32_t ls = rsvd_smb2_lock_seq_encode(64, 15);
    (void)host_lock(&fx, &fx.main, &st, &fid, ls, RSVD_STATUS_SUCCESS);
    assert_int_equal(fx_lock_begin(&fx, &fx.main, &fid, ls).action, RSVD_RES_LOCK_REPLAY);
    fx_fini(&fx);
}

static void non_resilient_open_is_not_checked_nor_recorded(void **state)
{
    (void)state;
    srv_fx fx;
    store st = {0};
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_300);
    rsvd_smb2_fileid fid = fx_open(&fx);
    const uint32_t ls = rsvd_smb2_lock_seq_encode(1, 0);
    (void)host_lock(&fx, &fx.main, &st, &fid, ls, RSVD_STATUS_SUCCESS);
    (void)host_lock(&fx, &fx.main, &st, &fid, ls, RSVD_STATUS_SUCCESS);
    assert_int_equal(st.locks, 2);
    bool valid;
    uint8_t number;
    entry(&fx, &fid, 1, &valid, &number);
    assert_false(valid);
    fx_fini(&fx);
}

static void multi_channel_server_checks_every_3x_open(void **state)
{
    (void)state;
    rsvd_res_server_config cfg = RSVD_STRUCT_INIT(rsvd_res_server_config);
    cfg.multi_channel_capable = true;
    srv_fx fx;
    store st = {0};
    fx_init(&fx, &cfg, RSVD_SMB2_DIALECT_300);
    rsvd_smb2_fileid fid = fx_open(&fx);
    const uint32_t ls = rsvd_smb2_lock_seq_encode(1, 0);
    (void)host_lock(&fx, &fx.main, &st, &fid, ls, RSVD_STATUS_SUCCESS);
    assert_int_equal(fx_lock_begin(&fx, &fx.main, &fid, ls).action, RSVD_RES_LOCK_REPLAY);
    fx_fini(&fx);
    /* Not on 2.1. */
    fx_init(&fx, &cfg, RSVD_SMB2_DIALECT_210);
    fid = fx_open(&fx);
    (void)host_lock(&fx, &fx.main, &st, &fid, ls, RSVD_STATUS_SUCCESS);
    assert_int_equal(fx_lock_begin(&fx, &fx.main, &fid, ls).action, RSVD_RES_LOCK_PROCESS);
    fx_fini(&fx);
}

static void dialect_202_ignores_lock_sequence(void **state)
{
    (void)state;
    srv_fx fx;
    store st = {0};
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_202);
    rsvd_smb2_fileid fid = fx_open(&fx);
    fx_make_resilient(&fx, &fid, 60000); /* processed on 2.0.2, as Windows does */
    const uint32_t ls = rsvd_smb2_lock_seq_encode(1, 0);
    (void)host_lock(&fx, &fx.main, &st, &fid, ls, RSVD_STATUS_SUCCESS);
    assert_int_equal(fx_lock_begin(&fx, &fx.main, &fid, ls).action, RSVD_RES_LOCK_PROCESS);
    bool valid;
    uint8_t number;
    entry(&fx, &fid, 1, &valid, &number);
    assert_false(valid);
    fx_fini(&fx);
}

static void replay_after_reconnect_is_recognised(void **state)
{
    (void)state;
    srv_fx fx;
    store st = {0};
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid fid = fx_open(&fx);
    fx_make_resilient(&fx, &fid, 60000);
    const uint32_t ls = rsvd_smb2_lock_seq_encode(3, 9);
    /* Processed while the connection dies: the end comes after the detach. */
    rsvd_res_lock_op op = fx_lock_begin(&fx, &fx.main, &fid, ls);
    assert_int_equal(op.action, RSVD_RES_LOCK_PROCESS);
    st.locks++;
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, fx.main.ctx.conn, fx.now), RSVD_OK);
    assert_int_equal(rsvd_res_server_lock_end(fx.srv, &op, RSVD_STATUS_SUCCESS), RSVD_OK);
    fx_check(&fx);
    fx_sess s = fx_new_session(&fx, RSVD_SMB2_DIALECT_210, fx_alice, sizeof fx_alice, 0x12, 7);
    rsvd_res_reconnect_result r = fx_reconnect(&fx, &s, &fid, FX_CC_DHNC);
    assert_int_equal(r.status, RSVD_STATUS_SUCCESS);
    /* The client re-sends with its original LockSequence and the new FileId. */
    assert_int_equal(host_lock(&fx, &s, &st, &r.file_id, ls, RSVD_STATUS_SUCCESS),
                     RSVD_STATUS_SUCCESS);
    assert_int_equal(st.locks, 1);
    fx_fini(&fx);
}

static void lock_on_unknown_file_fails_file_closed(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid fid = fx_open(&fx);
    rsvd_smb2_fileid other = {fid.persistent_id, fid.volatile_id + 1};
    rsvd_res_lock_op op = fx_lock_begin(&fx, &fx.main, &other, 0x10);
    assert_int_equal(op.action, RSVD_RES_LOCK_FAIL);
    assert_int_equal(op.status, RSVD_STATUS_FILE_CLOSED);
    assert_int_equal(rsvd_res_server_lock_end(fx.srv, &op, RSVD_STATUS_SUCCESS), RSVD_OK);
    fx_fini(&fx);
}

static void malformed_lock_fails_invalid_parameter(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid fid = fx_open(&fx);
    uint8_t req[256];
    size_t n = fx_lock_req(FX_SESSION_ID, FX_TREE_ID, 1, &fid, 0x10, req, sizeof req);
    req[66] = 0; /* LockCount 0 */
    req[67] = 0;
    rsvd_res_lock_op op;
    assert_int_equal(rsvd_res_server_lock_begin(fx.srv, &fx.main.ctx, req, n, &op), RSVD_OK);
    assert_int_equal(op.action, RSVD_RES_LOCK_FAIL);
    assert_int_equal(op.status, RSVD_STATUS_INVALID_PARAMETER);
    assert_int_equal(rsvd_res_server_lock_begin(fx.srv, &fx.main.ctx, req, 20, &op),
                     RSVD_E_WIRE_SHORT);
    fx_fini(&fx);
}

static void end_after_the_open_closed_is_harmless(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_210);
    rsvd_smb2_fileid fid = fx_open(&fx);
    fx_make_resilient(&fx, &fid, 60000);
    rsvd_res_lock_op op = fx_lock_begin(&fx, &fx.main, &fid, 0x10);
    assert_int_equal(rsvd_res_server_open_close(fx.srv, fid.persistent_id), RSVD_OK);
    /* A later open in the same slot is not touched by the stale op. */
    rsvd_smb2_fileid next = fx_open(&fx);
    fx_make_resilient(&fx, &next, 60000);
    assert_int_equal(rsvd_res_server_lock_end(fx.srv, &op, RSVD_STATUS_SUCCESS), RSVD_E_NOENT);
    bool valid;
    uint8_t number;
    entry(&fx, &next, 1, &valid, &number);
    assert_false(valid);
    fx_fini(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(replayed_lock_returns_success_without_locking_again),
        cmocka_unit_test(different_number_invalidates_the_entry_and_is_processed),
        cmocka_unit_test(failed_lock_is_never_recorded),
        cmocka_unit_test(index_0_and_above_64_are_not_tracked),
        cmocka_unit_test(index_64_is_tracked),
        cmocka_unit_test(non_resilient_open_is_not_checked_nor_recorded),
        cmocka_unit_test(multi_channel_server_checks_every_3x_open),
        cmocka_unit_test(dialect_202_ignores_lock_sequence),
        cmocka_unit_test(replay_after_reconnect_is_recognised),
        cmocka_unit_test(lock_on_unknown_file_fails_file_closed),
        cmocka_unit_test(malformed_lock_fails_invalid_parameter),
        cmocka_unit_test(end_after_the_open_closed_is_harmless),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
