#include "pv_fixture.h"

#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/status.h>
#include <rsvd/wire_smb2.h>

static uint8_t last_req[2048];
static size_t last_len;

pv_where pv_alice(void)
{
    pv_where w;
    memset(&w, 0, sizeof w);
    w.dialect = RSVD_SMB2_DIALECT_302;
    w.client = 0xA1;
    w.caps = RSVD_SMB2_GLOBAL_CAP_PERSISTENT_HANDLES;
    w.user = fx_alice;
    w.user_len = sizeof fx_alice;
    w.session_id = 0x21;
    w.tree_id = 3;
    w.share = "vms";
    w.tree_flags = RSVD_RES_TREE_CA;
    return w;
}

rsvd_guid pv_guid(uint8_t v)
{
    rsvd_guid g;
    memset(g.b, v, sizeof g.b);
    return g;
}

fx_sess pv_session(srv_fx *fx, const pv_where *w)
{
    fx_sess s;
    memset(&s, 0, sizeof s);
    rsvd_res_conn_params p = RSVD_STRUCT_INIT(rsvd_res_conn_params);
    p.dialect = w->dialect;
    p.client_guid = pv_guid(w->client);
    p.server_capabilities = w->caps;
    assert_int_equal(rsvd_res_server_conn_add(fx->srv, &p, &s.ctx.conn), RSVD_OK);
    assert_int_equal(rsvd_res_server_session_add(fx->srv, s.ctx.conn, w->session_id, w->user,
                                                 w->user_len, &s.ctx.session),
                     RSVD_OK);
    rsvd_res_tree_params t = RSVD_STRUCT_INIT(rsvd_res_tree_params);
    t.tree_id = w->tree_id;
    t.flags = w->tree_flags;
    t.share = w->share;
    t.share_len = w->share ? strlen(w->share) : 0;
    t.share_type = w->share_type;
    t.ca_timeout_ms = w->ca_timeout_ms;
    assert_int_equal(rsvd_res_server_tree_add(fx->srv, s.ctx.session, &t, &s.ctx.tree), RSVD_OK);
    s.ctx.credits = 1;
    s.session_id = w->session_id;
    s.tree_id = w->tree_id;
    return s;
}

static void add_cc(rsvd_smb2_cc_builder *b, const void *name, size_t name_len,
                   const uint8_t *data, size_t n)
{
    assert_int_equal(rsvd_smb2_cc_builder_add(b, name, name_len, data, n), RSVD_OK);
}

size_t pv_create_req(const fx_sess *ss, uint64_t mid, const pv_create *c, uint8_t *buf,
                     size_t cap)
{
    const char *ascii = c->name ? c->name : "vm1.vhdx";
    uint8_t name[256];
    size_t nl = strlen(ascii);
    assert_true(2 * nl <= sizeof name);
    for (size_t i = 0; i < nl; i++) {
        name[2 * i] = (uint8_t)ascii[i];
        name[2 * i + 1] = 0;
    }
    uint8_t chain[1024], data[64];
    size_t dn = 0, cn = 0;
    rsvd_smb2_cc_builder b;
    rsvd_smb2_cc_builder_init(&b, chain, sizeof chain);
    if (c->dhnq) {
        assert_int_equal(rsvd_smb2_dhnq_req_encode(data, sizeof data, &dn), RSVD_OK);
        add_cc(&b, "DHnQ", 4, data, dn);
    }
    if (c->dhnc) {
        assert_int_equal(rsvd_smb2_dhnc_encode(&c->reconnect, data, sizeof data, &dn), RSVD_OK);
        add_cc(&b, "DHnC", 4, data, dn);
    }
    if (c->dh2q) {
        rsvd_smb2_dh2q_req q = {.timeout = c->dh2q_timeout,
                                .flags = c->dh2q_flags,
                                .create_guid = c->create_guid};
        assert_int_equal(rsvd_smb2_dh2q_req_encode(&q, data, sizeof data, &dn), RSVD_OK);
        add_cc(&b, "DH2Q", 4, data, dn);
    }
    if (c->dh2c) {
        rsvd_smb2_dh2c d = {.file_id = c->reconnect,
                            .create_guid = c->create_guid,
                            .flags = c->dh2c_flags};
        assert_int_equal(rsvd_smb2_dh2c_encode(&d, data, sizeof data, &dn), RSVD_OK);
        add_cc(&b, "DH2C", 4, data, dn);
    }
    if (c->rqls) {
        rsvd_smb2_lease_req l;
        memset(&l, 0, sizeof l);
        l.version = c->lease_version ? c->lease_version : 1;
        l.lease_key = c->lease_key;
        l.lease_state = c->lease_state;
        assert_int_equal(rsvd_smb2_lease_req_encode(&l, data, sizeof data, &dn), RSVD_OK);
        add_cc(&b, "RqLs", 4, data, dn);
    }
    if (c->app_id) {
        assert_int_equal(
            rsvd_smb2_app_instance_id_encode(&c->app_instance_id, data, sizeof data, &dn),
            RSVD_OK);
        add_cc(&b, RSVD_SMB2_CC_APP_INSTANCE_ID, RSVD_SMB2_CC_APP_INSTANCE_LEN, data, dn);
    }
    if (c->app_version) {
        rsvd_smb2_app_instance_version v = {.high = c->app_high, .low = c->app_low};
        assert_int_equal(rsvd_smb2_app_instance_version_encode(&v, data, sizeof data, &dn),
                         RSVD_OK);
        add_cc(&b, RSVD_SMB2_CC_APP_INSTANCE_VERSION, RSVD_SMB2_CC_APP_INSTANCE_LEN, data, dn);
    }
    assert_int_equal(rsvd_smb2_cc_builder_finish(&b, &cn), RSVD_OK);
    rsvd_smb2_create_req m;
    memset(&m, 0, sizeof m);
    m.hdr.message_id = mid;
    m.hdr.session_id = ss->session_id;
    m.hdr.tree_id = ss->tree_id;
    m.hdr.credit = 1;
    m.hdr.flags = c->hdr_flags;
    m.hdr.status = c->channel_sequence; /* ChannelSequence on 3.x */
    m.requested_oplock_level = c->oplock;
    m.impersonation_level = RSVD_SMB2_IMPERSONATION_IMPERSONATION;
    m.desired_access = c->desired_access ? c->desired_access : 0x0012019Fu;
    m.share_access =
        c->share_access ? c->share_access : RSVD_FILE_SHARE_READ | RSVD_FILE_SHARE_WRITE;
    m.create_disposition = RSVD_FILE_OPEN_IF;
    m.create_options = c->create_options ? c->create_options : RSVD_FILE_NON_DIRECTORY_FILE;
    m.name_length = (uint16_t)(2 * nl);
    m.name = name;
    m.create_contexts_length = (uint32_t)cn;
    m.create_contexts = cn ? chain : NULL;
    size_t n = 0;
    assert_int_equal(rsvd_smb2_create_req_encode(&m, buf, cap, &n), RSVD_OK);
    return n;
}

rsvd_res_create_op pv_begin(srv_fx *fx, const fx_sess *ss, const pv_create *c,
                            const rsvd_res_create_params *p)
{
    last_len = pv_create_req(ss, fx->next_mid++, c, last_req, sizeof last_req);
    rsvd_res_create_op op;
    assert_int_equal(
        rsvd_res_server_create_begin(fx->srv, &ss->ctx, last_req, last_len, p, fx->now, &op),
        RSVD_OK);
    fx_check(fx);
    return op;
}

int pv_end(srv_fx *fx, const fx_sess *ss, rsvd_res_create_op *op, const pv_grant *g)
{
    pv_grant none;
    memset(&none, 0, sizeof none);
    if (!g)
        g = &none;
    rsvd_res_create_grant gr = RSVD_STRUCT_INIT(rsvd_res_create_grant);
    gr.status = g->status;
    gr.flags = g->flags;
    gr.open_user_data = g->user_data;
    gr.oplock_level = g->oplock;
    gr.lease_state = g->lease_state;
    gr.granted_access = g->access ? g->access : 0x0012019Fu;
    gr.create_action = g->create_action ? g->create_action : RSVD_FILE_OPENED;
    gr.file_key = g->file_key;
    gr.file_key_len = g->file_key ? strlen(g->file_key) : 0;
    int rc = rsvd_res_server_create_end(fx->srv, &ss->ctx, last_req, last_len, &gr, fx->now,
                                        op);
    fx_check(fx);
    return rc;
}

rsvd_res_create_op pv_open(srv_fx *fx, const fx_sess *ss, const pv_create *c, const pv_grant *g)
{
    rsvd_res_create_op op = pv_begin(fx, ss, c, NULL);
    if (op.action == RSVD_RES_CREATE_EXECUTE || op.action == RSVD_RES_CREATE_RECLAIM)
        assert_int_equal(pv_end(fx, ss, &op, g), RSVD_OK);
    return op;
}

rsvd_smb2_fileid pv_durable_v2(srv_fx *fx, const fx_sess *ss, uint8_t guid)
{
    pv_create c;
    memset(&c, 0, sizeof c);
    c.oplock = RSVD_SMB2_OPLOCK_LEVEL_BATCH;
    c.dh2q = true;
    c.create_guid = pv_guid(guid);
    pv_grant g;
    memset(&g, 0, sizeof g);
    g.oplock = RSVD_SMB2_OPLOCK_LEVEL_BATCH;
    rsvd_res_create_op op = pv_open(fx, ss, &c, &g);
    assert_int_equal(op.action, RSVD_RES_CREATE_EXECUTE);
    assert_int_equal(op.status, RSVD_STATUS_SUCCESS);
    assert_non_null(op.rsp_context);
    assert_memory_equal(op.rsp_context, "DH2Q", 4);
    return op.file_id;
}

rsvd_smb2_fileid pv_persistent(srv_fx *fx, const fx_sess *ss, uint8_t guid)
{
    pv_create c;
    memset(&c, 0, sizeof c);
    c.dh2q = true;
    c.dh2q_flags = RSVD_SMB2_DHANDLE_FLAG_PERSISTENT;
    c.create_guid = pv_guid(guid);
    rsvd_res_create_op op = pv_open(fx, ss, &c, NULL);
    assert_int_equal(op.action, RSVD_RES_CREATE_EXECUTE);
    assert_int_equal(op.status, RSVD_STATUS_SUCCESS);
    assert_true(fx_info(fx, &op.file_id).is_persistent);
    return op.file_id;
}

uint32_t pv_reconnect(srv_fx *fx, const fx_sess *ss, const rsvd_smb2_fileid *fid, bool dh2c,
                      uint8_t guid, bool persistent)
{
    pv_create c;
    memset(&c, 0, sizeof c);
    c.reconnect = *fid;
    if (dh2c) {
        c.dh2c = true;
        c.create_guid = pv_guid(guid);
        c.dh2c_flags = persistent ? RSVD_SMB2_DHANDLE_FLAG_PERSISTENT : 0;
    } else {
        c.dhnc = true;
    }
    rsvd_res_create_op op = pv_open(fx, ss, &c, NULL);
    if (op.action == RSVD_RES_CREATE_RECLAIM && op.status == RSVD_STATUS_SUCCESS) {
        assert_int_equal(op.file_id.persistent_id, fid->persistent_id);
        assert_null(op.rsp_context); /* a reconnect carries no durable response */
    }
    return op.status;
}

rsvd_res_close_reason pv_last_close(const srv_fx *fx)
{
    if (fx->n_closed == 0)
        return (rsvd_res_close_reason)0;
    return fx->closed[fx->n_closed - 1].c.reason;
}

/* ---- a server with a state store ------------------------------------------ */

uint64_t pv_wall = 1700000000000ull;
int pv_restore_answer;
size_t pv_restored_calls;
char pv_restored_name[64];

static void pv_on_close(rsvd_res_server *srv, const rsvd_res_closed_open *c, void *ud)
{
    srv_fx *fx = ud;
    assert_ptr_equal(srv, fx->srv);
    if (fx->n_closed < FX_MAX_CLOSED) {
        fx->closed[fx->n_closed].c = *c;
        fx->closed[fx->n_closed].at = fx->now;
        fx->n_closed++;
    }
    fx->n_closed_total++;
}

static uint64_t pv_wall_clock(rsvd_res_server *srv, void *ud)
{
    (void)srv;
    (void)ud;
    return pv_wall;
}

static int pv_restore(rsvd_res_server *srv, const rsvd_res_restored_open *r, void **ud,
                      void *user_data)
{
    (void)srv;
    (void)user_data;
    pv_restored_calls++;
    size_t n = 0;
    for (size_t i = 0; i + 1 < r->name_len && n + 1 < sizeof pv_restored_name; i += 2)
        pv_restored_name[n++] = (char)r->name[i];
    pv_restored_name[n] = 0;
    *ud = (void *)(uintptr_t)(0x5000u + r->file_id.persistent_id);
    return pv_restore_answer;
}

void pv_init(srv_fx *fx, const rsvd_res_server_config *cfg, const rsvd_store_ops *store,
             void *store_ctx, const rsvd_guid *instance)
{
    memset(fx, 0, sizeof *fx);
    fx->now = 1000000;
    fx->next_mid = 1;
    rsvd_res_server_config c = RSVD_STRUCT_INIT(rsvd_res_server_config);
    if (cfg)
        c = *cfg;
    c.store = store;
    c.store_ctx = store_ctx;
    if (instance)
        c.instance_id = *instance;
    const rsvd_res_server_callbacks cb = {.struct_size = sizeof(rsvd_res_server_callbacks),
                                          .close_open = pv_on_close,
                                          .wall_clock_ms = pv_wall_clock,
                                          .restore_open = pv_restore};
    assert_int_equal(rsvd_res_server_new(&c, &cb, fx, &fx->srv), RSVD_OK);
    pv_restore_answer = 0;
    pv_restored_calls = 0;
}
