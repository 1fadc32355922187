/*
 * The server instance ([MS-RSVD] 3.2.1.1, 3.2.3): configuration, several
 * instances in one process, allocation failures, the no-allocation hot
 * paths, and an OpenTable with many opens.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/status.h>
#include <rsvd/wire_rsvd.h>

#include "fail_alloc.h"
#include "server/server_internal.h"
#include "server_fixture.h"

/* A configuration whose allocations go through @p a. */
static rsvd_server_config counting_cfg(fa_alloc *a)
{
    fa_init(a);
    rsvd_server_config cfg = RSVD_STRUCT_INIT(rsvd_server_config);
    cfg.svhdx_supported = true;
    cfg.service_version = 1;
    cfg.mem = &a->mem;
    return cfg;
}

static void nop_reply(void *ctx, const rsvd_server_reply *r)
{
    (void)ctx;
    (void)r;
}

/* ---- configuration ----------------------------------------------------------------------------- */

/* Each function of an object store and each required function of a
 * virtual SCSI disk must be set: a backend missing any one is refused. */
static void new_refuses_a_backend_missing_any_required_function(void **state)
{
    (void)state;
    fake_backend fb;
    fb_init(&fb);
    rsvd_server_config cfg = RSVD_STRUCT_INIT(rsvd_server_config);
    cfg.svhdx_supported = true;
    cfg.service_version = 1;
    cfg.reply = nop_reply;
    rsvd_server *srv = NULL;
    for (int i = 0; i < 8; i++) {
        rsvd_object_store_ops store = fb.store_ops;
        switch (i) {
        case 0: store.open = NULL; break;
        case 1: store.close = NULL; break;
        case 2: store.read = NULL; break;
        case 3: store.write = NULL; break;
        case 4: store.flush = NULL; break;
        case 5: store.query_info = NULL; break;
        case 6: store.set_info = NULL; break;
        default: store.fsctl = NULL; break;
        }
        cfg.object_store = &store;
        assert_int_equal(rsvd_server_new(&cfg, &srv), RSVD_E_INVAL);
    }
    cfg.object_store = NULL;
    for (int i = 0; i < 7; i++) {
        rsvd_scsi_disk_ops disk = fb.disk_ops;
        switch (i) {
        case 0: disk.open = NULL; break;
        case 1: disk.close = NULL; break;
        case 2: disk.read = NULL; break;
        case 3: disk.write = NULL; break;
        case 4: disk.execute = NULL; break;
        case 5: disk.get_info = NULL; break;
        default: disk.validate = NULL; break;
        }
        cfg.scsi_disk = &disk;
        assert_int_equal(rsvd_server_new(&cfg, &srv), RSVD_E_INVAL);
    }
    cfg.scsi_disk = &fb.disk_ops;
    cfg.object_store = &fb.store_ops;
    assert_int_equal(rsvd_server_new(&cfg, &srv), RSVD_OK);
    assert_int_equal(rsvd_server_free(srv), RSVD_OK);
    fb_fini(&fb);
}

static void new_refuses_an_invalid_configuration(void **state)
{
    (void)state;
    fake_backend fb;
    fb_init(&fb);
    rsvd_server_config cfg = RSVD_STRUCT_INIT(rsvd_server_config);
    cfg.svhdx_supported = true;
    cfg.service_version = 1;
    cfg.reply = nop_reply;
    rsvd_server *srv = NULL;
    assert_int_equal(rsvd_server_new(NULL, &srv), RSVD_E_INVAL);
    assert_int_equal(rsvd_server_new(&cfg, NULL), RSVD_E_INVAL);
    cfg.reply = NULL;
    assert_int_equal(rsvd_server_new(&cfg, &srv), RSVD_E_INVAL);
    cfg.reply = nop_reply;
    cfg.service_version = 0;
    assert_int_equal(rsvd_server_new(&cfg, &srv), RSVD_E_INVAL);
    cfg.service_version = 3;
    assert_int_equal(rsvd_server_new(&cfg, &srv), RSVD_E_INVAL);
    cfg.service_version = 2;
    rsvd_object_store_ops store = fb.store_ops;
    store.fsctl = NULL;
    cfg.object_store = &store;
    assert_int_equal(rsvd_server_new(&cfg, &srv), RSVD_E_INVAL);
    cfg.object_store = NULL;
    rsvd_scsi_disk_ops disk = fb.disk_ops;
    disk.execute = NULL;
    cfg.scsi_disk = &disk;
    assert_int_equal(rsvd_server_new(&cfg, &srv), RSVD_E_INVAL);
    disk.execute = fb.disk_ops.execute;
    disk.query_info = NULL; /* optional */
    disk.set_info = NULL;
    assert_int_equal(rsvd_server_new(&cfg, &srv), RSVD_OK);
    assert_int_equal(rsvd_server_open_count(srv), 0);
    assert_int_equal(rsvd_server_requests_in_flight(srv), 0);
    assert_int_equal(rsvd_server_free(srv), RSVD_OK);
    /* No backend at all is a valid (if useless) server. */
    cfg.scsi_disk = NULL;
    assert_int_equal(rsvd_server_new(&cfg, &srv), RSVD_OK);
    assert_int_equal(rsvd_server_free(srv), RSVD_OK);
    assert_int_equal(rsvd_server_open_count(NULL), 0);
    fb_fini(&fb);
}

static void new_fails_cleanly_when_memory_runs_out(void **state)
{
    (void)state;
    for (size_t k = 1; k <= 2; k++) {
        fa_alloc c;
        rsvd_server_config cfg = counting_cfg(&c);
        cfg.reply = nop_reply;
        fa_fail_nth(&c, k);
        rsvd_server *srv = NULL;
        assert_int_equal(rsvd_server_new(&cfg, &srv), RSVD_E_NOMEM);
        assert_int_equal(c.live, 0);
    }
}

static void request_pool_is_allocated_at_creation(void **state)
{
    (void)state;
    fa_alloc c;
    rsvd_server_config cfg = counting_cfg(&c);
    cfg.max_requests = 3;
    fx *f = fx_new_cfg(&cfg, true, true);
    assert_int_equal(c.allocs, 2); /* the server and its pool */
    rsvd_req *q;
    size_t n = 0;
    for (q = f->srv->free_reqs; q; q = q->next_free)
        n++;
    assert_int_equal(n, 3);
    fx_free(f);
    assert_int_equal(c.live, 0);
}

static void servers_in_one_process_are_independent(void **state)
{
    (void)state;
    fx *a = fx_new(1);
    fx *b = fx_new(2);
    uint64_t la = fx_open_scsi(a, "d.vhdx", true);
    /* The same name opens as an object store on the other server. */
    uint64_t lb = fx_open_store(b, "d.vhdx");
    uint8_t buf[8];
    fx_read(a, la, 0, buf, sizeof buf, 1);
    fb_outcome o = fb_scsi(RSVD_SRB_STATUS_ERROR, RSVD_SCSI_STATUS_CHECK_CONDITION, true, NULL, 0);
    fb_push(&a->fb, FB_DISK, FB_WRITE, &o);
    fx_write(a, la, 0, 512, 0, 2);
    assert_int_equal(fx_last(a)->r.status, RSVD_STATUS_SVHDX_ERROR_STORED | 1u);
    /* b's sequence is its own, and its replies go to its callback only. */
    uint8_t ctx[192];
    size_t n = fx_ctx(ctx, 1, RSVD_SVHDX_ORIGINATOR_PVHDPARSER, false);
    uint64_t lb2 = fx_create(b, "e.vhdx", ctx, n, RSVD_FILE_NO_INTERMEDIATE_BUFFERING)
                       ->r.local_open;
    fx_write(b, lb2, 0, 512, 0, 3);
    assert_int_equal(fx_last(b)->r.status, RSVD_STATUS_SVHDX_ERROR_STORED | 1u);
    assert_int_equal(a->nreplies, 3);
    assert_int_equal(b->nreplies, 3);
    assert_int_equal(rsvd_server_open_count(a->srv), 1);
    assert_int_equal(rsvd_server_open_count(b->srv), 2);
    (void)lb;
    fx_free(a);
    fx_free(b);
}

/* ---- allocation failures on the CREATE path --------------------------------------------------- */

static void create_fails_insufficient_resources_when_memory_runs_out_and_leaks_nothing(
    void **state)
{
    (void)state;
    for (size_t k = 1;; k++) {
        fa_alloc c;
        rsvd_server_config cfg = counting_cfg(&c);
        cfg.service_version = 2;
        fx *f = fx_new_cfg(&cfg, true, true);
        fa_fail_nth(&c, k);
        uint8_t ctx[192];
        size_t n = fx_ctx(ctx, 2, RSVD_SVHDX_ORIGINATOR_PVHDPARSER, true);
        fx_reply *r = fx_create(f, "d.vhdx", ctx, n, RSVD_FILE_NO_INTERMEDIATE_BUFFERING);
        bool hit = c.failed > 0;
        if (hit) {
            assert_int_equal(r->r.status, RSVD_STATUS_INSUFFICIENT_RESOURCES);
            assert_int_equal(rsvd_server_open_count(f->srv), 0);
            assert_int_equal(f->fb.ncalls, 0);
        } else {
            assert_int_equal(r->r.status, RSVD_STATUS_SUCCESS);
        }
        fa_heal(&c);
        /* The server still works. */
        fx_open_scsi(f, "e.vhdx", true);
        fx_free(f);
        assert_int_equal(c.live, 0);
        if (!hit)
            break;
        assert_true(k < 20);
    }
}

/* ---- the hot paths allocate nothing ---------------------------------------------------------- */

static void read_write_and_scsi_tunnel_allocate_nothing(void **state)
{
    (void)state;
    fa_alloc c;
    rsvd_server_config cfg = counting_cfg(&c);
    cfg.max_requests = 64;
    fx *f = fx_new_cfg(&cfg, true, true);
    uint64_t scsi = fx_open_scsi(f, "a.vhdx", true);
    uint64_t store = fx_open_store(f, "b.vhdx");
    /* Stored errors first, until the sense store has all 256 keys: the
     * store, grown as keys are used, is the one allowed allocation. */
    fb_outcome o = fb_scsi(RSVD_SRB_STATUS_ERROR, RSVD_SCSI_STATUS_CHECK_CONDITION, true, NULL, 0);
    for (unsigned i = 0; i < 255; i++) {
        fb_push(&f->fb, FB_DISK, FB_WRITE, &o);
        fx_write(f, scsi, 0, 512, 0, 1);
    }
    size_t before = c.allocs;
    uint8_t buf[512];
    uint8_t rcap[36] = {36, 0, 0, 0, 10, 20, RSVD_SCSI_DATA_IN, 0, 0x40, 0, 0, 0, 8, 0, 0, 0,
                        0x25};
    for (unsigned i = 0; i < 200; i++) {
        bool pend = i % 3 == 0;
        fb_outcome ok = pend ? fb_pend(fb_ok()) : fb_ok();
        ok.fill_pattern = true;
        for (int side = 0; side < 2; side++) {
            fb_set_default(&f->fb, (fb_side)side, FB_READ, &ok);
            fb_set_default(&f->fb, (fb_side)side, FB_WRITE, &ok);
        }
        fb_set_default(&f->fb, FB_DISK, FB_EXECUTE, &ok);
        if (i % 7 == 0) {
            fb_outcome bad = fb_scsi(RSVD_SRB_STATUS_ERROR, 2, true, NULL, 0);
            fb_push(&f->fb, FB_DISK, FB_WRITE, &bad);
        }
        fx_write(f, scsi, i * 512u, 512, i, 10);
        fx_write(f, store, i * 512u, 512, i, 11);
        fx_read(f, scsi, 0, buf, sizeof buf, 12);
        fx_read(f, store, 0, buf, sizeof buf, 13);
        fx_tunnel(f, scsi, RSVD_TUNNEL_SCSI_OPERATION, i, rcap, sizeof rcap, 60, NULL, 14);
        uint8_t key[28] = {1};
        fx_tunnel(f, scsi, RSVD_TUNNEL_SRB_STATUS_OPERATION, i, key, sizeof key, 40, NULL, 15);
        fx_tunnel(f, scsi, RSVD_TUNNEL_CHECK_CONNECTION_STATUS_OPERATION, i, NULL, 0, 16, NULL,
                  16);
        if (pend)
            fb_complete_all(&f->fb);
    }
    assert_int_equal(c.allocs, before);
    fx_free(f);
    assert_int_equal(c.live, 0);
}

/* ---- many opens --------------------------------------------------------------------------------- */

static void open_table_stays_constant_time_with_many_opens(void **state)
{
    (void)state;
    rsvd_server_config cfg = RSVD_STRUCT_INIT(rsvd_server_config);
    cfg.svhdx_supported = true;
    cfg.service_version = 1;
    cfg.name_hash_key[0] = 0x0123456789ABCDEFull;
    cfg.name_hash_key[1] = 0xFEDCBA9876543210ull;
    fx *f = fx_new_cfg(&cfg, true, true);
    enum { N = 20000 };
    uint64_t *lo = malloc(N * sizeof *lo);
    assert_non_null(lo);
    for (unsigned i = 0; i < N; i++) {
        char name[32];
        snprintf(name, sizeof name, "vm%05u\\disk.vhdx", i);
        lo[i] = fx_open_scsi(f, name, true);
    }
    assert_int_equal(rsvd_server_open_count(f->srv), N);
    /* The name index: buckets at least as many as names, short chains. */
    rsvd_server *srv = f->srv;
    assert_true(srv->name_bucket_count >= N);
    size_t longest = 0;
    for (uint32_t b = 0; b < srv->name_bucket_count; b++) {
        size_t len = 0;
        for (rsvd_open *o = srv->name_buckets[b]; o; o = o->name_next)
            len++;
        if (len > longest)
            longest = len;
    }
    print_message("%u opens: %u name buckets, longest chain %zu\n", (unsigned)N,
                  srv->name_bucket_count, longest);
    assert_true(longest <= 12);
    /* Every LocalOpen finds its own open. */
    for (unsigned i = 0; i < N; i += 997) {
        rsvd_open *o = rsvd_srv_find_open(srv, lo[i]);
        assert_non_null(o);
        assert_true(o->local_open == lo[i]);
        char name[32];
        snprintf(name, sizeof name, "vm%05u\\disk.vhdx", i);
        uint8_t w[64];
        rsvd_server_query_support_req q = {lo[i], w, fx_utf16(name, w, sizeof w), 8, f->out};
        assert_int_equal(rsvd_server_query_support(srv, &q, NULL), RSVD_OK);
        assert_int_equal(f->out[4], RSVD_HANDLE_STATE_SHARED);
    }
    free(lo);
    fx_free(f);
}

static void name_hash_depends_on_the_key_and_ignores_case(void **state)
{
    (void)state;
    rsvd_server_config cfg = RSVD_STRUCT_INIT(rsvd_server_config);
    cfg.svhdx_supported = true;
    cfg.service_version = 1;
    fx *a = fx_new_cfg(&cfg, true, true);
    cfg.name_hash_key[0] = 1;
    fx *b = fx_new_cfg(&cfg, true, true);
    rsvd_name n1 = {"Disk.VHDX", 9}, n2 = {"disk.vhdx", 9};
    assert_int_equal(rsvd_name_hash(a->srv, n1), rsvd_name_hash(a->srv, n2));
    assert_true(rsvd_name_hash(a->srv, n1) != rsvd_name_hash(b->srv, n1));
    fx_free(a);
    fx_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(new_refuses_an_invalid_configuration),
        cmocka_unit_test(new_refuses_a_backend_missing_any_required_function),
        cmocka_unit_test(new_fails_cleanly_when_memory_runs_out),
        cmocka_unit_test(request_pool_is_allocated_at_creation),
        cmocka_unit_test(servers_in_one_process_are_independent),
        cmocka_unit_test(
            create_fails_insufficient_resources_when_memory_runs_out_and_leaks_nothing),
        cmocka_unit_test(read_write_and_scsi_tunnel_allocate_nothing),
        cmocka_unit_test(open_table_stays_constant_time_with_many_opens),
        cmocka_unit_test(name_hash_depends_on_the_key_and_ignores_case),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
