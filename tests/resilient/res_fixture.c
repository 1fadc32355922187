#include "res_fixture.h"

#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_smb2.h>

#include "resilient/server_int.h"

/* S-1-5-21-1-1001 and S-1-5-21-1-1002, laid out as [MS-DTYP] 2.4.2.2 SIDs
 * would be (shortened). */
const uint8_t fx_alice[12] = {1, 2, 0, 0, 0, 0, 0, 5, 0x15, 0, 0, 0xE9};
const uint8_t fx_bob[12] = {1, 2, 0, 0, 0, 0, 0, 5, 0x15, 0, 0, 0xEA};

static uint8_t lock_msg[256];

static void on_close(rsvd_res_server *srv, const rsvd_res_closed_open *c, void *ud)
{
    srv_fx *fx = ud;
    assert_ptr_equal(srv, fx->srv);
    /* The open is already unreachable when the host hears of it. */
    rsvd_res_open_info info = RSVD_STRUCT_INIT(rsvd_res_open_info);
    assert_int_equal(rsvd_res_server_open_info(srv, c->file_id.persistent_id, &info),
                     RSVD_E_NOENT);
    if (fx->n_closed < FX_MAX_CLOSED) {
        fx->closed[fx->n_closed].c = *c;
        fx->closed[fx->n_closed].at = fx->now;
        fx->n_closed++;
    }
    fx->n_closed_total++;
    if (fx->reenter) {
        size_t n;
        fx->reenter_rc = rsvd_res_server_handle_expiry(srv, fx->now, &n);
    }
}

void fx_init(srv_fx *fx, const rsvd_res_server_config *cfg, uint16_t dialect)
{
    memset(fx, 0, sizeof *fx);
    fx->now = 1000000;
    fx->next_mid = 1;
    const rsvd_res_server_callbacks cb = {.struct_size = sizeof(rsvd_res_server_callbacks),
                                          .close_open = on_close};
    assert_int_equal(rsvd_res_server_new(cfg, &cb, fx, &fx->srv), RSVD_OK);
    fx->main = fx_new_session(fx, dialect, fx_alice, sizeof fx_alice, FX_SESSION_ID, FX_TREE_ID);
}

void fx_fini(srv_fx *fx)
{
    fx_check(fx);
    rsvd_res_server_free(fx->srv);
    fx->srv = NULL;
}

fx_sess fx_new_session(srv_fx *fx, uint16_t dialect, const uint8_t *user, size_t user_len,
                       uint64_t session_id, uint32_t tree_id)
{
    fx_sess s;
    memset(&s, 0, sizeof s);
    const rsvd_res_conn_params p = {.struct_size = sizeof(rsvd_res_conn_params),
                                    .dialect = dialect,
                                    .supports_multi_credit = false,
                                    .max_transact_size = 0};
    assert_int_equal(rsvd_res_server_conn_add(fx->srv, &p, &s.ctx.conn), RSVD_OK);
    assert_int_equal(rsvd_res_server_session_add(fx->srv, s.ctx.conn, session_id, user, user_len,
                                                 &s.ctx.session),
                     RSVD_OK);
    assert_int_equal(
        rsvd_res_server_tree_add(fx->srv, s.ctx.session, RES_TREE(tree_id), &s.ctx.tree), RSVD_OK);
    s.ctx.credits = 1;
    s.session_id = session_id;
    s.tree_id = tree_id;
    return s;
}

rsvd_smb2_fileid fx_open_on(srv_fx *fx, const fx_sess *ss, uint32_t flags)
{
    rsvd_smb2_fileid fid;
    assert_int_equal(rsvd_res_server_open_add(fx->srv, &ss->ctx, flags, NULL, &fid), RSVD_OK);
    return fid;
}

rsvd_smb2_fileid fx_open(srv_fx *fx)
{
    return fx_open_on(fx, &fx->main, 0);
}

size_t fx_resiliency_req(uint64_t session_id, uint32_t tree_id, uint64_t mid,
                         const rsvd_smb2_fileid *fid, uint32_t timeout_ms, uint8_t *buf,
                         size_t cap)
{
    rsvd_smb2_resiliency_req_args a;
    memset(&a, 0, sizeof a);
    a.credit_charge = 1;
    a.credit_request = 1;
    a.message_id = mid;
    a.tree_id = tree_id;
    a.session_id = session_id;
    a.file_id = *fid;
    a.timeout_ms = timeout_ms;
    size_t n = 0;
    assert_int_equal(rsvd_smb2_resiliency_req_build(&a, buf, cap, &n), RSVD_OK);
    return n;
}

uint32_t fx_request_resiliency(srv_fx *fx, const fx_sess *ss, const rsvd_smb2_fileid *fid,
                               uint32_t timeout_ms)
{
    uint8_t req[256], rsp[256];
    size_t n = fx_resiliency_req(ss->session_id, ss->tree_id, fx->next_mid++, fid, timeout_ms,
                                 req, sizeof req);
    size_t rn = 0;
    uint32_t st = 0xFFFFFFFFu;
    assert_int_equal(
        rsvd_res_server_ioctl(fx->srv, &ss->ctx, req, n, rsp, sizeof rsp, &rn, &st), RSVD_OK);
    rsvd_smb2_hdr h;
    assert_int_equal(rsvd_smb2_hdr_decode(rsp, rn, &h), RSVD_OK);
    assert_int_equal(h.status, st);
    fx_check(fx);
    return st;
}

void fx_make_resilient(srv_fx *fx, const rsvd_smb2_fileid *fid, uint32_t timeout_ms)
{
    assert_int_equal(fx_request_resiliency(fx, &fx->main, fid, timeout_ms), RSVD_STATUS_SUCCESS);
}

size_t fx_lock_req(uint64_t session_id, uint32_t tree_id, uint64_t mid,
                   const rsvd_smb2_fileid *fid, uint32_t lock_sequence, uint8_t *buf, size_t cap)
{
    uint8_t el[RSVD_SMB2_LOCK_ELEMENT_SIZE];
    const rsvd_smb2_lock_element e = {
        0x1000, 0x1000, RSVD_SMB2_LOCKFLAG_EXCLUSIVE_LOCK | RSVD_SMB2_LOCKFLAG_FAIL_IMMEDIATELY};
    assert_int_equal(rsvd_smb2_lock_element_encode(&e, el, sizeof el), RSVD_OK);
    rsvd_smb2_lock_req m;
    memset(&m, 0, sizeof m);
    m.hdr.message_id = mid;
    m.hdr.session_id = session_id;
    m.hdr.tree_id = tree_id;
    m.hdr.credit = 1;
    m.lock_count = 1;
    m.lock_sequence = lock_sequence;
    m.file_id = *fid;
    m.locks = el;
    size_t n = 0;
    assert_int_equal(rsvd_smb2_lock_req_encode(&m, buf, cap, &n), RSVD_OK);
    return n;
}

rsvd_res_lock_op fx_lock_begin(srv_fx *fx, const fx_sess *ss, const rsvd_smb2_fileid *fid,
                               uint32_t lock_sequence)
{
    size_t n = fx_lock_req(ss->session_id, ss->tree_id, fx->next_mid++, fid, lock_sequence,
                           lock_msg, sizeof lock_msg);
    rsvd_res_lock_op op;
    assert_int_equal(rsvd_res_server_lock_begin(fx->srv, &ss->ctx, lock_msg, n, &op), RSVD_OK);
    return op;
}

size_t fx_create_req(uint64_t session_id, uint32_t tree_id, uint64_t mid,
                     const rsvd_smb2_fileid *fid, uint32_t which, uint8_t *buf, size_t cap)
{
    static const uint8_t name[12] = {'d', 0, '.', 0, 'v', 0, 'h', 0, 'd', 0, 'x', 0};
    uint8_t chain[512], data[64];
    size_t dn = 0, cn = 0;
    rsvd_smb2_cc_builder b;
    rsvd_smb2_cc_builder_init(&b, chain, sizeof chain);
    if (which & FX_CC_DHNQ) {
        assert_int_equal(rsvd_smb2_dhnq_req_encode(data, sizeof data, &dn), RSVD_OK);
        assert_int_equal(rsvd_smb2_cc_builder_add(&b, "DHnQ", 4, data, dn), RSVD_OK);
    }
    if (which & FX_CC_DHNC) {
        assert_int_equal(rsvd_smb2_dhnc_encode(fid, data, sizeof data, &dn), RSVD_OK);
        assert_int_equal(rsvd_smb2_cc_builder_add(&b, "DHnC", 4, data, dn), RSVD_OK);
    }
    if (which & FX_CC_DH2Q) {
        rsvd_smb2_dh2q_req q;
        memset(&q, 0, sizeof q);
        q.create_guid.b[0] = 0x42;
        assert_int_equal(rsvd_smb2_dh2q_req_encode(&q, data, sizeof data, &dn), RSVD_OK);
        assert_int_equal(rsvd_smb2_cc_builder_add(&b, "DH2Q", 4, data, dn), RSVD_OK);
    }
    if (which & FX_CC_DH2C) {
        rsvd_smb2_dh2c d;
        memset(&d, 0, sizeof d);
        d.file_id = *fid;
        if (which & FX_CC_DH2C_GUID)
            d.create_guid.b[15] = 1;
        if (which & FX_CC_DH2C_PERSISTENT)
            d.flags = RSVD_SMB2_DHANDLE_FLAG_PERSISTENT;
        assert_int_equal(rsvd_smb2_dh2c_encode(&d, data, sizeof data, &dn), RSVD_OK);
        assert_int_equal(rsvd_smb2_cc_builder_add(&b, "DH2C", 4, data, dn), RSVD_OK);
    }
    if (which & FX_CC_RQLS) {
        uint8_t lease[32];
        memset(lease, 0, sizeof lease);
        lease[0] = 0x77; /* LeaseKey */
        lease[16] = 0x07; /* LeaseState RWH */
        assert_int_equal(rsvd_smb2_cc_builder_add(&b, "RqLs", 4, lease, sizeof lease), RSVD_OK);
    }
    assert_int_equal(rsvd_smb2_cc_builder_finish(&b, &cn), RSVD_OK);
    rsvd_smb2_create_req m;
    memset(&m, 0, sizeof m);
    m.hdr.message_id = mid;
    m.hdr.session_id = session_id;
    m.hdr.tree_id = tree_id;
    m.hdr.credit = 1;
    m.requested_oplock_level = RSVD_SMB2_OPLOCK_LEVEL_NONE;
    m.impersonation_level = RSVD_SMB2_IMPERSONATION_IMPERSONATION;
    m.desired_access = 0x0012019F;
    m.share_access = RSVD_FILE_SHARE_READ | RSVD_FILE_SHARE_WRITE;
    m.create_disposition = RSVD_FILE_OPEN;
    m.create_options = RSVD_FILE_NON_DIRECTORY_FILE;
    m.name_length = sizeof name;
    m.name = name;
    m.create_contexts_length = (uint32_t)cn;
    m.create_contexts = cn ? chain : NULL;
    size_t n = 0;
    assert_int_equal(rsvd_smb2_create_req_encode(&m, buf, cap, &n), RSVD_OK);
    return n;
}

rsvd_res_reconnect_result fx_reconnect(srv_fx *fx, const fx_sess *ss,
                                       const rsvd_smb2_fileid *fid, uint32_t which)
{
    uint8_t req[1024];
    size_t n = fx_create_req(ss->session_id, ss->tree_id, fx->next_mid++, fid, which, req,
                             sizeof req);
    rsvd_res_reconnect_result r;
    assert_int_equal(rsvd_res_server_reconnect(fx->srv, &ss->ctx, req, n, fx->now, &r), RSVD_OK);
    fx_check(fx);
    return r;
}

void fx_check(const srv_fx *fx)
{
    const char *broken = res_server_check_invariants(fx->srv);
    if (broken)
        fail_msg("server invariant broken: %s", broken);
}

rsvd_res_open_info fx_info(const srv_fx *fx, const rsvd_smb2_fileid *fid)
{
    rsvd_res_open_info info = RSVD_STRUCT_INIT(rsvd_res_open_info);
    assert_int_equal(rsvd_res_server_open_info(fx->srv, fid->persistent_id, &info), RSVD_OK);
    return info;
}

bool fx_exists(const srv_fx *fx, const rsvd_smb2_fileid *fid)
{
    rsvd_res_open_info info = RSVD_STRUCT_INIT(rsvd_res_open_info);
    return rsvd_res_server_open_info(fx->srv, fid->persistent_id, &info) == RSVD_OK;
}

/* ---- client ------------------------------------------------------------ */

const uint8_t cx_name[12] = {'d', 0, '.', 0, 'v', 0, 'h', 0, 'd', 0, 'x', 0};

static void on_failed(rsvd_res_client *cli, const rsvd_res_client_done *d, void *ud)
{
    cli_fx *cx = ud;
    assert_ptr_equal(cli, cx->cli);
    assert_true(d->final);
    if (cx->n_failed < CX_MAX_EVENTS)
        cx->failed[cx->n_failed++] = *d;
    if (cx->reenter) {
        size_t n;
        cx->reenter_rc = rsvd_res_client_handle_expiry(cli, cx->now, &n);
    }
}

static void on_lost(rsvd_res_client *cli, uint64_t open, void *open_ud, rsvd_res_lost_reason r,
                    void *ud)
{
    cli_fx *cx = ud;
    assert_ptr_equal(cli, cx->cli);
    /* Its handle is already invalid. */
    rsvd_res_client_open_info info = RSVD_STRUCT_INIT(rsvd_res_client_open_info);
    assert_int_equal(rsvd_res_client_open_info_get(cli, open, &info), RSVD_E_NOENT);
    if (cx->n_lost < CX_MAX_EVENTS) {
        cx->lost[cx->n_lost].open = open;
        cx->lost[cx->n_lost].user_data = open_ud;
        cx->lost[cx->n_lost].reason = r;
        cx->n_lost++;
    }
}

rsvd_res_client_conn_params cx_conn_params(uint16_t dialect)
{
    rsvd_res_client_conn_params p = RSVD_STRUCT_INIT(rsvd_res_client_conn_params);
    p.dialect = dialect;
    p.next_message_id = 0;
    p.credits = 64;
    return p;
}

void cx_init(cli_fx *cx, const rsvd_res_client_config *cfg,
             const rsvd_res_client_conn_params *cp, bool durable)
{
    memset(cx, 0, sizeof *cx);
    cx->now = 5000000;
    const rsvd_res_client_callbacks cb = {.struct_size = sizeof(rsvd_res_client_callbacks),
                                          .request_failed = on_failed,
                                          .open_lost = on_lost};
    assert_int_equal(rsvd_res_client_new(cfg, &cb, cx, &cx->cli), RSVD_OK);
    rsvd_res_client_conn_params p = cp ? *cp : cx_conn_params(RSVD_SMB2_DIALECT_210);
    assert_int_equal(rsvd_res_client_conn_add(cx->cli, &p, &cx->conn), RSVD_OK);
    assert_int_equal(rsvd_res_client_session_add(cx->cli, cx->conn, 0x11, &cx->sess), RSVD_OK);
    assert_int_equal(rsvd_res_client_tree_add(cx->cli, cx->sess, CLI_TREE(5), &cx->tree), RSVD_OK);
    rsvd_res_client_open_params op = RSVD_STRUCT_INIT(rsvd_res_client_open_params);
    op.file_id.persistent_id = CX_PERSISTENT;
    op.file_id.volatile_id = CX_VOLATILE;
    op.name = cx_name;
    op.name_len = sizeof cx_name;
    op.desired_access = 0x0012019F;
    op.file_attributes = 0x80;
    op.share_access = RSVD_FILE_SHARE_READ | RSVD_FILE_SHARE_WRITE | RSVD_FILE_SHARE_DELETE;
    op.create_disposition = RSVD_FILE_OPEN_IF;
    op.create_options = RSVD_FILE_NON_DIRECTORY_FILE;
    op.oplock_level = RSVD_SMB2_OPLOCK_LEVEL_BATCH;
    op.durable = durable;
    op.user_data = cx;
    assert_int_equal(rsvd_res_client_open_add(cx->cli, cx->tree, &op, &cx->open), RSVD_OK);
    cx->fid = op.file_id;
}

void cx_fini(cli_fx *cx)
{
    rsvd_res_client_free(cx->cli);
    cx->cli = NULL;
}

size_t cx_rsp_resiliency(const uint8_t *req, size_t n, uint16_t credits, uint8_t *buf, size_t cap)
{
    rsvd_smb2_resiliency_req q;
    assert_int_equal(rsvd_smb2_resiliency_req_decode(req, n, &q), RSVD_OK);
    size_t len = 0;
    assert_int_equal(rsvd_smb2_resiliency_rsp_build(&q.ioctl, credits, buf, cap, &len), RSVD_OK);
    return len;
}

size_t cx_rsp_error(const uint8_t *req, size_t n, uint32_t status, uint16_t credits, uint8_t *buf,
                    size_t cap)
{
    rsvd_smb2_hdr h;
    assert_int_equal(rsvd_smb2_hdr_decode(req, n, &h), RSVD_OK);
    size_t len = 0;
    assert_int_equal(rsvd_smb2_error_response_build(&h, status, credits, buf, cap, &len), RSVD_OK);
    return len;
}

size_t cx_rsp_lock(const uint8_t *req, size_t n, uint16_t credits, uint8_t *buf, size_t cap)
{
    rsvd_smb2_lock_req q;
    assert_int_equal(rsvd_smb2_lock_req_decode(req, n, &q), RSVD_OK);
    rsvd_smb2_lock_rsp m;
    memset(&m, 0, sizeof m);
    m.hdr = q.hdr;
    m.hdr.flags |= RSVD_SMB2_FLAGS_SERVER_TO_REDIR;
    m.hdr.credit = credits;
    m.hdr.status = RSVD_STATUS_SUCCESS;
    size_t len = 0;
    assert_int_equal(rsvd_smb2_lock_rsp_encode(&m, buf, cap, &len), RSVD_OK);
    return len;
}

size_t cx_rsp_create(const uint8_t *req, size_t n, const rsvd_smb2_fileid *fid, uint16_t credits,
                     uint8_t *buf, size_t cap)
{
    rsvd_smb2_create_req q;
    assert_int_equal(rsvd_smb2_create_req_decode(req, n, &q), RSVD_OK);
    rsvd_smb2_create_rsp m;
    memset(&m, 0, sizeof m);
    m.hdr = q.hdr;
    m.hdr.flags |= RSVD_SMB2_FLAGS_SERVER_TO_REDIR;
    m.hdr.credit = credits;
    m.hdr.status = RSVD_STATUS_SUCCESS;
    m.oplock_level = q.requested_oplock_level;
    m.create_action = RSVD_FILE_OPENED;
    m.file_attributes = 0x80;
    m.file_id = *fid;
    size_t len = 0;
    assert_int_equal(rsvd_smb2_create_rsp_encode(&m, buf, cap, &len), RSVD_OK);
    return len;
}

void cx_make_resilient(cli_fx *cx, uint32_t timeout_ms)
{
    uint8_t req[256], rsp[256];
    rsvd_res_client_msg m;
    assert_int_equal(
        rsvd_res_client_request_resiliency(cx->cli, cx->open, timeout_ms, NULL, req, sizeof req, &m),
        RSVD_OK);
    size_t rn = cx_rsp_resiliency(req, m.len, 1, rsp, sizeof rsp);
    rsvd_res_client_done d;
    assert_int_equal(rsvd_res_client_on_response(cx->cli, m.conn, rsp, rn, cx->now, &d), RSVD_OK);
    assert_int_equal(d.status, RSVD_STATUS_SUCCESS);
    assert_true(cx_info(cx, cx->open).resilient_handle);
}

rsvd_smb2_lock_element cx_element(uint64_t offset)
{
    rsvd_smb2_lock_element e = {offset, 0x100, RSVD_SMB2_LOCKFLAG_EXCLUSIVE_LOCK};
    return e;
}

rsvd_res_client_open_info cx_info(const cli_fx *cx, uint64_t open)
{
    rsvd_res_client_open_info info = RSVD_STRUCT_INIT(rsvd_res_client_open_info);
    assert_int_equal(rsvd_res_client_open_info_get(cx->cli, open, &info), RSVD_OK);
    return info;
}

size_t cx_rsp_create_cc(const uint8_t *req, size_t n, const rsvd_smb2_fileid *fid, uint8_t oplock,
                        const rsvd_res_client_cc *cc, size_t ncc, uint8_t *buf, size_t cap)
{
    rsvd_smb2_create_req q;
    assert_int_equal(rsvd_smb2_create_req_decode(req, n, &q), RSVD_OK);
    uint8_t chain[512];
    size_t cn = 0;
    rsvd_smb2_cc_builder b;
    rsvd_smb2_cc_builder_init(&b, chain, sizeof chain);
    for (size_t i = 0; i < ncc; i++)
        assert_int_equal(
            rsvd_smb2_cc_builder_add(&b, cc[i].name, cc[i].name_len, cc[i].data, cc[i].data_len),
            RSVD_OK);
    assert_int_equal(rsvd_smb2_cc_builder_finish(&b, &cn), RSVD_OK);
    rsvd_smb2_create_rsp m;
    memset(&m, 0, sizeof m);
    m.hdr = q.hdr;
    m.hdr.flags |= RSVD_SMB2_FLAGS_SERVER_TO_REDIR;
    m.hdr.credit = 1;
    m.hdr.status = RSVD_STATUS_SUCCESS;
    m.oplock_level = oplock;
    m.create_action = RSVD_FILE_CREATED;
    m.file_attributes = 0x80;
    m.file_id = *fid;
    m.create_contexts_length = (uint32_t)cn;
    m.create_contexts = cn ? chain : NULL;
    size_t len = 0;
    assert_int_equal(rsvd_smb2_create_rsp_encode(&m, buf, cap, &len), RSVD_OK);
    return len;
}

bool cx_random_fails;

static int counting_random(void *buf, size_t len, void *ud)
{
    (void)ud;
    static uint8_t next = 0x10;
    if (cx_random_fails)
        return -1;
    uint8_t *b = buf;
    for (size_t i = 0; i < len; i++)
        b[i] = next++;
    return 0;
}

void cx_init_durable(cli_fx *cx, const rsvd_res_client_config *cfg, uint16_t dialect,
                     bool persistent_handles, bool multi_channel, uint32_t share_caps)
{
    memset(cx, 0, sizeof *cx);
    cx->now = 5000000;
    cx_random_fails = false;
    const rsvd_res_client_callbacks cb = {.struct_size = sizeof(rsvd_res_client_callbacks),
                                          .request_failed = on_failed,
                                          .open_lost = on_lost,
                                          .random = counting_random};
    assert_int_equal(rsvd_res_client_new(cfg, &cb, cx, &cx->cli), RSVD_OK);
    rsvd_res_client_conn_params p = cx_conn_params(dialect);
    p.supports_multi_credit = true;
    p.supports_persistent_handles = persistent_handles;
    p.supports_multi_channel = multi_channel;
    assert_int_equal(rsvd_res_client_conn_add(cx->cli, &p, &cx->conn), RSVD_OK);
    assert_int_equal(rsvd_res_client_session_add(cx->cli, cx->conn, 0x11, &cx->sess), RSVD_OK);
    rsvd_res_client_tree_params tp = RSVD_STRUCT_INIT(rsvd_res_client_tree_params);
    tp.tree_id = 5;
    tp.share_capabilities = share_caps;
    assert_int_equal(rsvd_res_client_tree_add(cx->cli, cx->sess, &tp, &cx->tree), RSVD_OK);
}

uint64_t cx_create(cli_fx *cx, uint32_t flags, uint8_t oplock, uint8_t *req, size_t cap,
                   rsvd_res_client_msg *m)
{
    rsvd_res_client_create_params p = RSVD_STRUCT_INIT(rsvd_res_client_create_params);
    p.name = cx_name;
    p.name_len = sizeof cx_name;
    p.desired_access = 0x0012019F;
    p.file_attributes = 0x80;
    p.share_access = RSVD_FILE_SHARE_READ | RSVD_FILE_SHARE_WRITE | RSVD_FILE_SHARE_DELETE;
    p.create_disposition = RSVD_FILE_OPEN_IF;
    p.create_options = RSVD_FILE_NON_DIRECTORY_FILE;
    p.impersonation_level = RSVD_SMB2_IMPERSONATION_IMPERSONATION;
    p.flags = flags;
    p.requested_oplock_level = oplock;
    p.user_data = cx;
    uint64_t open = 0;
    assert_int_equal(rsvd_res_client_create(cx->cli, cx->tree, &p, NULL, req, cap, m, &open),
                     RSVD_OK);
    assert_true(open != 0);
    return open;
}
