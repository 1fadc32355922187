/*
 * Application instances ([MS-SMB2] 3.3.5.9.13 SMB2_CREATE_APP_INSTANCE_ID
 * and _VERSION; decisions D12, D14; pitfall B14): a new open of the same
 * instance on another client closes the old one.
 */
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/status.h>

#include "pv_fixture.h"

/* Every bit of FILE_GENERIC_READ. */
#define GENERIC_READ_BITS                                                                   \
    (RSVD_READ_CONTROL | RSVD_SYNCHRONIZE | RSVD_FILE_READ_DATA | RSVD_FILE_READ_EA |       \
     RSVD_FILE_READ_ATTRIBUTES)

static pv_create app_open(uint8_t app, uint8_t guid)
{
    pv_create c;
    memset(&c, 0, sizeof c);
    c.name = "vm.vhdx";
    c.dh2q = true;
    c.dh2q_flags = RSVD_SMB2_DHANDLE_FLAG_PERSISTENT;
    c.create_guid = pv_guid(guid);
    c.app_id = true;
    c.app_instance_id = pv_guid(app);
    return c;
}

static pv_where node(uint64_t sid, uint8_t client, uint16_t dialect)
{
    pv_where w = pv_alice();
    w.session_id = sid;
    w.client = client;
    w.dialect = dialect;
    return w;
}

static rsvd_res_create_params may_read(void)
{
    rsvd_res_create_params p = RSVD_STRUCT_INIT(rsvd_res_create_params);
    p.maximal_access = GENERIC_READ_BITS | RSVD_FILE_WRITE_DATA;
    return p;
}

/* Steps 3 and 6: the open of another client with the same AppInstanceId,
 * file and share is closed before the new one executes (reason
 * APP_INSTANCE) - attached or detached (decision D12, using Open.ClientGuid
 * then); its client's next request finds nothing. */
static void app_instance_of_another_client_closes_the_old_open(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_311);
    pv_where wa = node(0x11, 0xA1, RSVD_SMB2_DIALECT_302);
    fx_sess a = pv_session(&fx, &wa);
    pv_create c = app_open(0x55, 0x01);
    rsvd_res_create_op op = pv_open(&fx, &a, &c, NULL);
    rsvd_smb2_fileid old = op.file_id;
    assert_true(fx_info(&fx, &old).has_app_instance_id);
    pv_where wb = node(0x12, 0xB2, RSVD_SMB2_DIALECT_302);
    fx_sess b = pv_session(&fx, &wb);
    pv_create c2 = app_open(0x55, 0x02);
    rsvd_res_create_params p = may_read();
    op = pv_begin(&fx, &b, &c2, &p);
    assert_int_equal(op.action, RSVD_RES_CREATE_EXECUTE);
    assert_false(fx_exists(&fx, &old));
    assert_int_equal(pv_last_close(&fx), RSVD_RES_CLOSE_APP_INSTANCE);
    assert_int_equal(rsvd_res_server_open_lookup(fx.srv, &a.ctx, &old, NULL),
                     RSVD_STATUS_FILE_CLOSED);
    assert_int_equal(pv_end(&fx, &b, &op, NULL), RSVD_OK);
    rsvd_smb2_fileid now = op.file_id;
    /* Detached: judged by Open.ClientGuid. */
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, b.ctx.conn, fx.now), RSVD_OK);
    assert_int_equal(fx_info(&fx, &now).state, RSVD_RES_OPEN_DETACHED);
    pv_where wc = node(0x13, 0xC3, RSVD_SMB2_DIALECT_302);
    fx_sess cc = pv_session(&fx, &wc);
    pv_create c3 = app_open(0x55, 0x03);
    p = may_read();
    op = pv_begin(&fx, &cc, &c3, &p);
    /* The name collision comes first for a detached persistent open. */
    assert_int_equal(op.status, RSVD_STATUS_FILE_NOT_AVAILABLE);
    assert_true(fx_exists(&fx, &now));
    fx_fini(&fx);
}

/* Step 3: the same client, another AppInstanceId, another file or another
 * share - nothing is closed. */
static void app_instance_of_the_same_client_or_another_target_closes_nothing(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_311);
    pv_where wa = node(0x21, 0xA1, RSVD_SMB2_DIALECT_302);
    fx_sess a = pv_session(&fx, &wa);
    pv_create c = app_open(0x56, 0x11);
    c.dh2q_flags = 0;
    c.oplock = RSVD_SMB2_OPLOCK_LEVEL_BATCH;
    pv_grant g;
    memset(&g, 0, sizeof g);
    g.oplock = RSVD_SMB2_OPLOCK_LEVEL_BATCH;
    rsvd_res_create_op op = pv_open(&fx, &a, &c, &g);
    rsvd_smb2_fileid old = op.file_id;
    rsvd_res_create_params p = may_read();
    pv_where wa2 = node(0x22, 0xA1, RSVD_SMB2_DIALECT_302); /* same client */
    fx_sess a2 = pv_session(&fx, &wa2);
    pv_create c2 = app_open(0x56, 0x12);
    op = pv_begin(&fx, &a2, &c2, &p);
    assert_true(fx_exists(&fx, &old));
    pv_where wb = node(0x23, 0xB2, RSVD_SMB2_DIALECT_302);
    fx_sess b = pv_session(&fx, &wb);
    pv_create other_app = app_open(0x57, 0x13);
    op = pv_begin(&fx, &b, &other_app, &p);
    assert_true(fx_exists(&fx, &old));
    pv_create other_file = app_open(0x56, 0x14);
    other_file.name = "other.vhdx";
    op = pv_begin(&fx, &b, &other_file, &p);
    assert_true(fx_exists(&fx, &old));
    pv_where wo = node(0x24, 0xB2, RSVD_SMB2_DIALECT_302);
    wo.share = "elsewhere";
    fx_sess o = pv_session(&fx, &wo);
    pv_create c4 = app_open(0x56, 0x15);
    op = pv_begin(&fx, &o, &c4, &p);
    assert_true(fx_exists(&fx, &old));
    fx_fini(&fx);
}

/* Decision D14: "the target path name is Open.PathName" compares the
 * object - an open made under another name of the same file is found by
 * the host's file key. */
static void app_instance_compares_the_object_by_its_file_key(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_311);
    pv_where wa = node(0x25, 0xA1, RSVD_SMB2_DIALECT_302);
    fx_sess a = pv_session(&fx, &wa);
    pv_create c = app_open(0x5B, 0x17);
    pv_grant g;
    memset(&g, 0, sizeof g);
    g.file_key = "dev1:ino7";
    rsvd_res_create_op op = pv_open(&fx, &a, &c, &g);
    rsvd_smb2_fileid old = op.file_id;
    pv_where wb = node(0x26, 0xB2, RSVD_SMB2_DIALECT_302);
    fx_sess b = pv_session(&fx, &wb);
    pv_create c2 = app_open(0x5B, 0x18);
    c2.name = "alias.vhdx";
    rsvd_res_create_params p = may_read();
    p.file_key = "dev1:ino8";
    p.file_key_len = 9;
    op = pv_begin(&fx, &b, &c2, &p);
    assert_true(fx_exists(&fx, &old));
    p.file_key = "dev1:ino7";
    op = pv_begin(&fx, &b, &c2, &p);
    assert_int_equal(op.action, RSVD_RES_CREATE_EXECUTE);
    assert_false(fx_exists(&fx, &old));
    fx_fini(&fx);
}

/* Step 6, decision: the requesting user must be able to read the file
 * (every bit of FILE_GENERIC_READ in its maximal access); step 7, SHOULD
 * <355>: an open without CreateGuid on a share that is not CA is closed
 * anyway. */
static void app_instance_closes_only_with_read_access_or_without_create_guid(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_311);
    pv_where wa = node(0x31, 0xA1, RSVD_SMB2_DIALECT_302);
    fx_sess a = pv_session(&fx, &wa);
    pv_create c = app_open(0x58, 0x21);
    rsvd_res_create_op op = pv_open(&fx, &a, &c, NULL);
    rsvd_smb2_fileid old = op.file_id;
    pv_where wb = node(0x32, 0xB2, RSVD_SMB2_DIALECT_302);
    fx_sess b = pv_session(&fx, &wb);
    pv_create c2 = app_open(0x58, 0x22);
    rsvd_res_create_params p = RSVD_STRUCT_INIT(rsvd_res_create_params);
    p.maximal_access = GENERIC_READ_BITS & ~RSVD_FILE_READ_EA;
    op = pv_begin(&fx, &b, &c2, &p);
    assert_int_equal(op.action, RSVD_RES_CREATE_EXECUTE);
    assert_true(fx_exists(&fx, &old)); /* CreateGuid set: step 7 does not apply */

    /* An open without CreateGuid (no DH2Q) on a share that is not CA. */
    pv_where wn = node(0x33, 0xA1, RSVD_SMB2_DIALECT_302);
    wn.share = "plain";
    wn.tree_flags = 0;
    fx_sess an = pv_session(&fx, &wn);
    pv_create c3;
    memset(&c3, 0, sizeof c3);
    c3.name = "vm.vhdx";
    c3.app_id = true;
    c3.app_instance_id = pv_guid(0x59);
    op = pv_open(&fx, &an, &c3, NULL);
    rsvd_smb2_fileid bare = op.file_id;
    rsvd_res_open_info bi = fx_info(&fx, &bare);
    assert_true(rsvd_guid_is_zero(&bi.create_guid));
    pv_where wbn = node(0x34, 0xB2, RSVD_SMB2_DIALECT_302);
    wbn.share = "plain";
    wbn.tree_flags = 0;
    fx_sess bn = pv_session(&fx, &wbn);
    op = pv_begin(&fx, &bn, &c3, &p); /* no read access */
    assert_false(fx_exists(&fx, &bare));
    fx_fini(&fx);
}

/* Steps 4 and 5 (3.1.1): a version that is not newer than the open's, or
 * none when the open has one, fails STATUS_FILE_FORCED_CLOSED and closes
 * nothing; a newer version replaces the open. */
static void app_instance_version_must_be_newer_to_replace(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_311);
    pv_where wa = node(0x41, 0xA1, RSVD_SMB2_DIALECT_311);
    fx_sess a = pv_session(&fx, &wa);
    pv_create c = app_open(0x5A, 0x31);
    c.app_version = true;
    c.app_high = 2;
    c.app_low = 5;
    rsvd_res_create_op op = pv_open(&fx, &a, &c, NULL);
    rsvd_smb2_fileid old = op.file_id;
    pv_where wb = node(0x42, 0xB2, RSVD_SMB2_DIALECT_311);
    fx_sess b = pv_session(&fx, &wb);
    rsvd_res_create_params p = may_read();
    struct {
        bool version;
        uint64_t high, low;
        uint32_t status;
    } cases[] = {
        {true, 2, 5, RSVD_STATUS_FILE_FORCED_CLOSED},  /* equal */
        {true, 2, 4, RSVD_STATUS_FILE_FORCED_CLOSED},  /* older low */
        {true, 1, 9, RSVD_STATUS_FILE_FORCED_CLOSED},  /* older high */
        {false, 0, 0, RSVD_STATUS_FILE_FORCED_CLOSED}, /* step 5: none */
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        pv_create c2 = app_open(0x5A, (uint8_t)(0x32 + k));
        c2.app_version = cases[k].version;
        c2.app_high = cases[k].high;
        c2.app_low = cases[k].low;
        op = pv_begin(&fx, &b, &c2, &p);
        assert_int_equal(op.action, RSVD_RES_CREATE_FAIL);
        assert_int_equal(op.status, cases[k].status);
        assert_true(fx_exists(&fx, &old));
    }
    pv_create c3 = app_open(0x5A, 0x39);
    c3.app_version = true;
    c3.app_high = 2;
    c3.app_low = 6;
    op = pv_begin(&fx, &b, &c3, &p);
    assert_int_equal(op.action, RSVD_RES_CREATE_EXECUTE);
    assert_false(fx_exists(&fx, &old));
    fx_fini(&fx);
}

/* Decision D12: an all-zero AppInstanceId is an ordinary id; an open
 * without a version ("empty") is replaced whatever the request carries. */
static void zero_app_instance_id_is_an_ordinary_id(void **state)
{
    (void)state;
    srv_fx fx;
    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_311);
    pv_where wa = node(0x51, 0xA1, RSVD_SMB2_DIALECT_302);
    fx_sess a = pv_session(&fx, &wa);
    pv_create c = app_open(0x00, 0x41);
    rsvd_res_create_op op = pv_open(&fx, &a, &c, NULL);
    rsvd_smb2_fileid old = op.file_id;
    pv_where wb = node(0x52, 0xB2, RSVD_SMB2_DIALECT_311);
    fx_sess b = pv_session(&fx, &wb);
    pv_create c2 = app_open(0x00, 0x42);
    c2.app_version = true;
    c2.app_high = 1;
    rsvd_res_create_params p = may_read();
    op = pv_begin(&fx, &b, &c2, &p);
    assert_int_equal(op.action, RSVD_RES_CREATE_EXECUTE);
    assert_false(fx_exists(&fx, &old));
    fx_fini(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(app_instance_of_another_client_closes_the_old_open),
        cmocka_unit_test(app_instance_of_the_same_client_or_another_target_closes_nothing),
        cmocka_unit_test(app_instance_compares_the_object_by_its_file_key),
        cmocka_unit_test(app_instance_closes_only_with_read_access_or_without_create_guid),
        cmocka_unit_test(app_instance_version_must_be_newer_to_replace),
        cmocka_unit_test(zero_app_instance_id_is_an_ordinary_id),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
