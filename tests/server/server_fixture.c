/*
 * The RSVD server test fixture.
 */
#include "server_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_rsvd.h>

const rsvd_guid fx_initiator = {{0x07, 0x77, 0x0D, 0x20, 0x1F, 0x27, 0x40, 0x83, 0x45, 0x79,
                                 0xD4, 0x6F, 0x5A, 0xC4, 0x3B, 0x73}};

static void on_reply(void *ctx, const rsvd_server_reply *r)
{
    fx *f = ctx;
    if (f->nreplies == f->cap) {
        size_t ncap = f->cap ? f->cap * 2 : 64;
        fx_reply *n = realloc(f->replies, ncap * sizeof *n);
        assert_non_null(n);
        f->replies = n;
        f->cap = ncap;
    }
    fx_reply *k = &f->replies[f->nreplies++];
    memset(k, 0, sizeof *k);
    k->r = *r;
    if (r->output_len) {
        k->out = malloc(r->output_len);
        assert_non_null(k->out);
        memcpy(k->out, r->output, r->output_len);
    }
    k->r.output = k->out;
    if (r->create_context_len) {
        assert_true(r->create_context_len <= sizeof k->ctx);
        memcpy(k->ctx, r->create_context, r->create_context_len);
        k->r.create_context = k->ctx;
    }
    if (r->command == RSVD_SMB2_CREATE && r->status == RSVD_STATUS_SUCCESS) {
        if (f->nopens == f->opens_cap) {
            size_t ncap = f->opens_cap ? f->opens_cap * 2 : 64;
            uint64_t *n = realloc(f->opens, ncap * sizeof *n);
            assert_non_null(n);
            f->opens = n;
            f->opens_cap = ncap;
        }
        f->opens[f->nopens++] = r->local_open;
    }
    if (f->hook)
        f->hook(f, r);
}

static void on_interim(void *ctx, void *cookie)
{
    fx *f = ctx;
    if (f->ninterim == f->interim_cap) {
        size_t ncap = f->interim_cap ? f->interim_cap * 2 : 64;
        uintptr_t *c = realloc(f->interim, ncap * sizeof *c);
        assert_non_null(c);
        f->interim = c;
        size_t *a = realloc(f->interim_at, ncap * sizeof *a);
        assert_non_null(a);
        f->interim_at = a;
        f->interim_cap = ncap;
    }
    f->interim[f->ninterim] = (uintptr_t)cookie;
    f->interim_at[f->ninterim] = f->nreplies;
    f->ninterim++;
}

static uint64_t wall_clock(void *ctx)
{
    return ((fx *)ctx)->wall_ms;
}

size_t fx_interims_for(const fx *f, uintptr_t cookie)
{
    size_t n = 0;
    for (size_t i = 0; i < f->ninterim; i++)
        n += f->interim[i] == cookie;
    return n;
}

fx *fx_new_cfg(const rsvd_server_config *cfg, bool store, bool disk)
{
    return fx_new_edit(cfg, store, disk, NULL);
}

fx *fx_new_edit(const rsvd_server_config *cfg, bool store, bool disk, void (*edit)(fake_backend *))
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    fb_init(&f->fb);
    if (edit)
        edit(&f->fb);
    f->cfg = *cfg;
    f->cfg.object_store = store ? &f->fb.store_ops : NULL;
    f->cfg.object_store_ctx = &f->fb;
    f->cfg.scsi_disk = disk ? &f->fb.disk_ops : NULL;
    f->cfg.scsi_disk_ctx = &f->fb;
    f->cfg.reply = on_reply;
    f->cfg.reply_ctx = f;
    if (!cfg->interim)
        f->cfg.interim = on_interim;
    if (!cfg->wall_clock)
        f->cfg.wall_clock = wall_clock;
    if (rsvd_server_new(&f->cfg, &f->srv) != RSVD_OK) {
        fb_fini(&f->fb);
        free(f);
        return NULL;
    }
    return f;
}

fx *fx_new_disk(uint32_t version, const rsvd_scsi_disk_ops *ops, void *ctx)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    fb_init(&f->fb); /* unused: fx_free() finds it idle */
    f->cfg = (rsvd_server_config)RSVD_STRUCT_INIT(rsvd_server_config);
    f->cfg.svhdx_supported = true;
    f->cfg.service_version = version;
    f->cfg.scsi_disk = ops;
    f->cfg.scsi_disk_ctx = ctx;
    f->cfg.reply = on_reply;
    f->cfg.reply_ctx = f;
    f->cfg.interim = on_interim;
    f->cfg.wall_clock = wall_clock;
    assert_int_equal(rsvd_server_new(&f->cfg, &f->srv), RSVD_OK);
    return f;
}

fx *fx_new(uint32_t version)
{
    rsvd_server_config cfg = RSVD_STRUCT_INIT(rsvd_server_config);
    cfg.svhdx_supported = true;
    cfg.service_version = version;
    fx *f = fx_new_cfg(&cfg, true, true);
    assert_non_null(f);
    return f;
}

static void drop_disk_info(fake_backend *fb)
{
    fb->disk_ops.query_info = NULL;
    fb->disk_ops.set_info = NULL;
}

fx *fx_new_disk_without_info(uint32_t version)
{
    rsvd_server_config cfg = RSVD_STRUCT_INIT(rsvd_server_config);
    cfg.svhdx_supported = true;
    cfg.service_version = version;
    fx *f = fx_new_edit(&cfg, true, true, drop_disk_info);
    assert_non_null(f);
    return f;
}

void fx_free(fx *f)
{
    f->hook = NULL;
    fb_complete_all(&f->fb);
    for (size_t i = 0; i < f->nopens; i++)
        assert_int_equal(rsvd_server_close(f->srv, f->opens[i], NULL), RSVD_OK);
    fb_complete_all(&f->fb);
    assert_int_equal(rsvd_server_requests_in_flight(f->srv), 0);
    assert_int_equal(rsvd_server_open_count(f->srv), 0);
    assert_int_equal(rsvd_server_free(f->srv), RSVD_OK);
    assert_int_equal(f->fb.open_handles, 0);
    assert_int_equal(f->fb.in_flight, 0);
    fx_assert_no_violation(f);
    for (size_t i = 0; i < f->nreplies; i++)
        free(f->replies[i].out);
    free(f->replies);
    free(f->opens);
    free(f->interim);
    free(f->interim_at);
    fb_fini(&f->fb);
    free(f);
}

void fx_assert_no_violation(const fx *f)
{
    if (f->fb.violations)
        fail_msg("backend contract broken %u times; last: %s", f->fb.violations,
                 f->fb.violation);
}

fx_reply *fx_last(fx *f)
{
    assert_true(f->nreplies > 0);
    return &f->replies[f->nreplies - 1];
}

fx_reply *fx_reply_for(fx *f, uintptr_t cookie)
{
    for (size_t i = f->nreplies; i-- > 0;)
        if ((uintptr_t)f->replies[i].r.cookie == cookie)
            return &f->replies[i];
    fail_msg("no reply with cookie %zu", (size_t)cookie);
    return NULL;
}

size_t fx_replies_for(const fx *f, uintptr_t cookie)
{
    size_t n = 0;
    for (size_t i = 0; i < f->nreplies; i++)
        if ((uintptr_t)f->replies[i].r.cookie == cookie)
            n++;
    return n;
}

size_t fx_utf16(const char *ascii, uint8_t *out, size_t cap)
{
    size_t n = strlen(ascii);
    assert_true(2 * n <= cap);
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = (uint8_t)ascii[i];
        out[2 * i + 1] = 0;
    }
    return 2 * n;
}

size_t fx_ctx(uint8_t *buf, uint32_t version, uint32_t originator, bool initiator)
{
    static const uint8_t host[] = {'c', 0, 'l', 0, 'i', 0, 'e', 0, 'n', 0, 't', 0, '0', 0, '1', 0};
    rsvd_svhdx_open_device_context c;
    memset(&c, 0, sizeof c);
    c.version = version;
    c.has_initiator_id = initiator ? 1 : 0;
    if (initiator)
        c.initiator_id = fx_initiator;
    c.originator_flags = originator;
    c.open_request_id = 0x3028E5B600000000ull;
    c.initiator_host_name_length = sizeof host;
    c.initiator_host_name = host;
    size_t n = 0;
    if (version == RSVD_ECP_CONTEXT_VERSION_2)
        assert_int_equal(rsvd_svhdx_open_device_context_v2_encode(&c, buf, 192, &n), RSVD_OK);
    else
        assert_int_equal(rsvd_svhdx_open_device_context_v1_encode(&c, buf, 168, &n), RSVD_OK);
    return n;
}

fx_reply *fx_create(fx *f, const char *name, const uint8_t *ctx, size_t ctx_len,
                    uint32_t create_options)
{
    char full[2048];
    uint8_t wname[4096];
    snprintf(full, sizeof full, "%s:SharedVirtualDisk", name);
    rsvd_server_create_req req;
    memset(&req, 0, sizeof req);
    req.file_name = wname;
    req.file_name_len = fx_utf16(full, wname, sizeof wname);
    req.create_options = create_options;
    req.context = ctx;
    req.context_len = ctx_len;
    req.response_context = f->ctx_room;
    req.response_context_cap = sizeof f->ctx_room;
    size_t before = f->nreplies;
    assert_int_equal(rsvd_server_create(f->srv, &req, (void *)(uintptr_t)0xC0EA7E), RSVD_OK);
    assert_int_equal(f->nreplies, before + 1);
    return fx_last(f);
}

static uint64_t open_with(fx *f, const char *name, uint32_t originator, bool initiator)
{
    uint8_t ctx[192];
    size_t n = fx_ctx(ctx, RSVD_ECP_CONTEXT_VERSION_1, originator, initiator);
    fx_reply *r = fx_create(f, name, ctx, n, RSVD_FILE_NO_INTERMEDIATE_BUFFERING);
    assert_int_equal(r->r.status, RSVD_STATUS_SUCCESS);
    assert_true(r->r.local_open != 0);
    return r->r.local_open;
}

uint64_t fx_open_scsi(fx *f, const char *name, bool initiator)
{
    return open_with(f, name, RSVD_SVHDX_ORIGINATOR_PVHDPARSER, initiator);
}

uint64_t fx_open_store(fx *f, const char *name)
{
    return open_with(f, name, RSVD_SVHDX_ORIGINATOR_VHDMP, true);
}

void fx_write(fx *f, uint64_t lo, uint64_t off, uint32_t len, uint64_t tag, uintptr_t cookie)
{
    static uint8_t data[4096];
    assert_true(len <= sizeof data);
    memset(data, 0x5A, sizeof data);
    for (int i = 0; i < 8; i++)
        data[i] = (uint8_t)(tag >> (8 * i));
    rsvd_server_write_req w = {lo, off, len, data};
    assert_int_equal(rsvd_server_write(f->srv, &w, (void *)cookie), RSVD_OK);
}

void fx_read(fx *f, uint64_t lo, uint64_t off, uint8_t *buf, uint32_t len, uintptr_t cookie)
{
    rsvd_server_read_req r = {lo, off, len, buf};
    assert_int_equal(rsvd_server_read(f->srv, &r, (void *)cookie), RSVD_OK);
}

void fx_tunnel(fx *f, uint64_t lo, uint32_t op, uint64_t request_id, const uint8_t *body,
               size_t body_len, uint32_t max_output, uint8_t *out, uintptr_t cookie)
{
    fx_tunnel_ctl(f, lo, RSVD_FSCTL_SVHDX_SYNC_TUNNEL_REQUEST, op, request_id, body, body_len,
                  max_output, out, cookie);
}

void fx_tunnel_ctl(fx *f, uint64_t lo, uint32_t ctl, uint32_t op, uint64_t request_id,
                   const uint8_t *body, size_t body_len, uint32_t max_output, uint8_t *out,
                   uintptr_t cookie)
{
    static uint8_t in[65536];
    assert_true(body_len + 16 <= sizeof in);
    rsvd_tunnel_hdr h = {op, 0xFFFFFFFFu, request_id};
    assert_int_equal(rsvd_tunnel_hdr_encode(&h, in, 16), RSVD_OK);
    if (body_len)
        memcpy(in + 16, body, body_len);
    if (!out) {
        out = f->out;
        assert_true(max_output <= sizeof f->out);
    }
    rsvd_server_ioctl_req req = {lo, ctl, in, (uint32_t)(16 + body_len), max_output, out};
    assert_int_equal(rsvd_server_ioctl(f->srv, &req, (void *)cookie), RSVD_OK);
}

rsvd_tunnel_hdr fx_hdr(const fx_reply *r)
{
    rsvd_tunnel_hdr h;
    assert_int_equal(r->r.status, RSVD_STATUS_SUCCESS);
    assert_true(r->r.output_len >= 16);
    assert_int_equal(rsvd_tunnel_hdr_decode(r->out, r->r.output_len, &h), RSVD_OK);
    return h;
}

/* ---- version 2 ---------------------------------------------------------------------- */

rsvd_guid fx_guid(uint8_t n)
{
    rsvd_guid g;
    memset(g.b, n, sizeof g.b);
    return g;
}

uint64_t fx_open_v2(fx *f, const char *name)
{
    uint8_t ctx[192];
    size_t n = fx_ctx(ctx, RSVD_ECP_CONTEXT_VERSION_2, RSVD_SVHDX_ORIGINATOR_PVHDPARSER, true);
    fx_reply *r = fx_create(f, name, ctx, n, RSVD_FILE_NO_INTERMEDIATE_BUFFERING);
    assert_int_equal(r->r.status, RSVD_STATUS_SUCCESS);
    assert_true(r->r.local_open != 0);
    return r->r.local_open;
}

fx_reply *fx_v2(fx *f, uint64_t lo, uint32_t op, const uint8_t *body, size_t body_len,
                uint32_t max_output)
{
    size_t before = f->nreplies;
    uint32_t ctl = op == RSVD_TUNNEL_META_OPERATION_START ? RSVD_FSCTL_SVHDX_ASYNC_TUNNEL_REQUEST
                                                          : RSVD_FSCTL_SVHDX_SYNC_TUNNEL_REQUEST;
    fx_tunnel_ctl(f, lo, ctl, op, 0x3028E5B600000002ull, body, body_len, max_output, NULL, 0x2);
    assert_int_equal(f->nreplies, before + 1);
    return fx_last(f);
}

size_t fx_meta_start(uint8_t *buf, uint8_t txn, uint32_t type, const uint8_t *data,
                     size_t data_len)
{
    rsvd_svhdx_meta_operation_start_request s = {fx_guid(txn), type, data, data_len};
    size_t n = 0;
    assert_int_equal(rsvd_svhdx_meta_operation_start_request_encode(&s, buf, 4096, &n), RSVD_OK);
    return n;
}

size_t fx_create_snapshot(uint8_t *buf, uint8_t txn, uint8_t id, uint32_t type, uint32_t flags,
                          const uint32_t *stages, size_t nstages, bool cdp_params)
{
    uint8_t cdp[24];
    size_t cdp_len = 0;
    if (cdp_params) {
        rsvd_svhdx_meta_operation_create_cdp_parameter p;
        memset(&p, 0, sizeof p);
        p.log_file_name_offset = 24;
        p.log_file_id = fx_guid(0x4C);
        assert_int_equal(rsvd_svhdx_meta_operation_create_cdp_parameter_encode(&p, cdp, sizeof cdp,
                                                                               &cdp_len),
                         RSVD_OK);
    }
    rsvd_svhdx_meta_operation_create_snapshot c;
    memset(&c, 0, sizeof c);
    c.snapshot_type = type;
    c.flags = flags;
    for (size_t i = 0; i < nstages && i < 6; i++)
        c.stage[i] = stages[i];
    c.snapshot_id = fx_guid(id);
    c.cdp_parameters = cdp_len ? cdp : NULL;
    c.cdp_parameters_len = cdp_len;
    uint8_t data[128];
    size_t n = 0;
    assert_int_equal(rsvd_svhdx_meta_operation_create_snapshot_encode(&c, data, sizeof data, &n),
                     RSVD_OK);
    return fx_meta_start(buf, txn, RSVD_SVHDX_META_OPERATION_TYPE_CREATE_SNAPSHOT, data, n);
}

fx_reply *fx_snapshot(fx *f, uint64_t lo, uint8_t txn, uint8_t id, uint32_t type,
                      uint32_t flags, const uint32_t *stages, size_t nstages)
{
    uint8_t body[256];
    size_t n = fx_create_snapshot(body, txn, id, type, flags, stages, nstages,
                                  type == RSVD_SVHDX_SNAPSHOT_TYPE_CDP);
    return fx_v2(f, lo, RSVD_TUNNEL_META_OPERATION_START, body, n, 64);
}

void fx_vm_snapshot(fx *f, uint64_t lo, uint8_t txn, uint8_t id, bool tracked)
{
    const uint32_t init[] = {RSVD_SVHDX_SNAPSHOT_STAGE_INITIALIZE};
    const uint32_t rest[] = {RSVD_SVHDX_SNAPSHOT_STAGE_BLOCK_IO,
                             RSVD_SVHDX_SNAPSHOT_STAGE_SWITCH_OBJECT_STORE,
                             RSVD_SVHDX_SNAPSHOT_STAGE_UNBLOCK_IO,
                             RSVD_SVHDX_SNAPSHOT_STAGE_FINALIZE};
    fx_reply *r = fx_snapshot(f, lo, txn, id, RSVD_SVHDX_SNAPSHOT_TYPE_VM,
                              tracked ? RSVD_SVHDX_SNAPSHOT_DISK_FLAG_ENABLE_CHANGE_TRACKING : 0,
                              init, 1);
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_SUCCESS);
    r = fx_snapshot(f, lo, txn, id, RSVD_SVHDX_SNAPSHOT_TYPE_VM, 0, rest, 4);
    assert_int_equal(fx_hdr(r).status, RSVD_STATUS_SUCCESS);
}
