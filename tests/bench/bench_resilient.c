/*
 * Rows of the resilient handles (docs/performance.md): the server's LOCK
 * bookkeeping, the memory of an open of each kind through the allocator
 * hook, and the scavenger expiring a million detached opens with random
 * deadlines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rsvd/resilient.h>
#include <rsvd/rsvd.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_smb2.h>

#include "bench.h"
#include "bench_rows.h"
#include "fail_alloc.h"

/* ---- a resilient server with one connection, session and tree ----------------- */

static unsigned long closed_opens;

static void on_close(rsvd_res_server *srv, const rsvd_res_closed_open *c, void *ud)
{
    (void)srv;
    (void)c;
    (void)ud;
    closed_opens++;
}

typedef struct res_fixture {
    rsvd_res_server *srv;
    rsvd_res_server_ctx ctx;
} res_fixture;

static void res_new(res_fixture *f, uint32_t max_opens, const rsvd_mem *mem)
{
    rsvd_res_server_config cfg = RSVD_STRUCT_INIT(rsvd_res_server_config);
    cfg.mem = mem;
    cfg.max_opens = max_opens;
    cfg.max_opens_per_session = max_opens;
    cfg.max_detached = max_opens;
    rsvd_res_server_callbacks cb = RSVD_STRUCT_INIT(rsvd_res_server_callbacks);
    cb.close_open = on_close;
    if (rsvd_res_server_new(&cfg, &cb, NULL, &f->srv) != RSVD_OK)
        bench_fail("rsvd_res_server_new failed");
}

static void res_attach(res_fixture *f)
{
    uint64_t conn = 0, sess = 0, tree = 0;
    rsvd_res_conn_params cp = RSVD_STRUCT_INIT(rsvd_res_conn_params);
    cp.dialect = RSVD_SMB2_DIALECT_311;
    rsvd_res_tree_params tp = RSVD_STRUCT_INIT(rsvd_res_tree_params);
    tp.tree_id = 5;
    if (rsvd_res_server_conn_add(f->srv, &cp, &conn) != RSVD_OK ||
        rsvd_res_server_session_add(f->srv, conn, 0x11, "user", 4, &sess) != RSVD_OK ||
        rsvd_res_server_tree_add(f->srv, sess, &tp, &tree) != RSVD_OK)
        bench_fail("resilient registration failed");
    f->ctx = (rsvd_res_server_ctx){conn, sess, tree, 1, NULL};
}

static rsvd_smb2_fileid res_open(res_fixture *f)
{
    rsvd_smb2_fileid fid;
    if (rsvd_res_server_open_add(f->srv, &f->ctx, 0, NULL, &fid) != RSVD_OK)
        bench_fail("rsvd_res_server_open_add failed");
    return fid;
}

/* FSCTL_LMR_REQUEST_RESILIENCY on @p fid with @p timeout_ms. */
static void res_make_resilient(res_fixture *f, rsvd_smb2_fileid fid, uint32_t timeout_ms,
                               uint64_t message_id)
{
    uint8_t req[256], rsp[256];
    size_t len = 0, rlen = 0;
    rsvd_smb2_resiliency_req_args ra;
    memset(&ra, 0, sizeof ra);
    ra.message_id = message_id;
    ra.session_id = 0x11;
    ra.tree_id = 5;
    ra.credit_charge = 1;
    ra.credit_request = 1;
    ra.file_id = fid;
    ra.timeout_ms = timeout_ms;
    uint32_t status = 0;
    if (rsvd_smb2_resiliency_req_build(&ra, req, sizeof req, &len) != RSVD_OK ||
        rsvd_res_server_ioctl(f->srv, &f->ctx, req, len, rsp, sizeof rsp, &rlen, &status) !=
            RSVD_OK ||
        status != RSVD_STATUS_SUCCESS)
        bench_fail("the resiliency request failed");
}

/* ---- LOCK begin + end on a resilient open (instructions) ------------------------ */

typedef struct lock_loop {
    rsvd_res_server *srv;
    const rsvd_res_server_ctx *ctx;
    uint8_t *msg;
    size_t len;
    /* LOCKs sent so far: the next LockSequenceNumber. */
    unsigned long sent;
} lock_loop;

static unsigned long lock_failures;

BENCH_NOINLINE static void lock_begin_end(void *arg, unsigned long n)
{
    lock_loop *l = arg;
    for (unsigned long i = 0; i < n; i++) {
        /* a new LockSequence each time (bucket 1, the next number mod 16):
         * processed */
        l->msg[68] = (uint8_t)(0x10 | (l->sent++ & 0xF));
        rsvd_res_lock_op op;
        if (rsvd_res_server_lock_begin(l->srv, l->ctx, l->msg, l->len, &op) == RSVD_OK &&
            op.action == RSVD_RES_LOCK_PROCESS)
            (void)rsvd_res_server_lock_end(l->srv, &op, RSVD_STATUS_SUCCESS);
        else
            lock_failures++;
    }
}

void bench_row_resilient_lock(void)
{
    if (!bench.count)
        return;
    res_fixture f;
    res_new(&f, 16, NULL);
    res_attach(&f);
    rsvd_smb2_fileid fid = res_open(&f);
    res_make_resilient(&f, fid, 60000, 1);
    rsvd_smb2_lock_req lk;
    memset(&lk, 0, sizeof lk);
    lk.hdr.command = RSVD_SMB2_LOCK;
    lk.hdr.message_id = 2;
    lk.hdr.session_id = 0x11;
    lk.hdr.tree_id = 5;
    lk.lock_count = 1;
    lk.lock_sequence = rsvd_smb2_lock_seq_encode(1, 0);
    lk.file_id = fid;
    uint8_t elem[RSVD_SMB2_LOCK_ELEMENT_SIZE], msg[256];
    rsvd_smb2_lock_element e = {0, 4096, RSVD_SMB2_LOCKFLAG_EXCLUSIVE_LOCK |
                                             RSVD_SMB2_LOCKFLAG_FAIL_IMMEDIATELY};
    size_t len = 0;
    if (rsvd_smb2_lock_element_encode(&e, elem, sizeof elem) != RSVD_OK)
        bench_fail("lock element encode failed");
    lk.locks = elem;
    if (rsvd_smb2_lock_req_encode(&lk, msg, sizeof msg, &len) != RSVD_OK)
        bench_fail("lock encode failed");
    lock_loop l = {f.srv, &f.ctx, msg, len, 0};
    unsigned long n = bench.ops;
    bench_section_begin();
    lock_begin_end(&l, n / 10 + 1);
    bench_section_zero();
    lock_begin_end(&l, n);
    bench_section_end("resilient_lock", "library", n);
    if (lock_failures)
        bench_fail("%lu LOCKs were not processed", lock_failures);
    rsvd_res_server_free(f.srv);
}

/* ---- the client's callbacks ---------------------------------------------------------- */

static void client_request_failed(rsvd_res_client *cli, const rsvd_res_client_done *done,
                                  void *user_data)
{
    (void)cli;
    (void)done;
    (void)user_data;
}

static void client_open_lost(rsvd_res_client *cli, uint64_t open, void *open_user_data,
                             rsvd_res_lost_reason reason, void *user_data)
{
    (void)cli;
    (void)open;
    (void)open_user_data;
    (void)reason;
    (void)user_data;
}

static const rsvd_res_client_callbacks client_callbacks = {
    .struct_size = sizeof(rsvd_res_client_callbacks),
    .request_failed = client_request_failed,
    .open_lost = client_open_lost};

/* ---- memory per open ------------------------------------------------------------ */

void bench_row_memory_resilient(void)
{
    if (bench.count)
        return;
    const unsigned n = 65536;
    fa_alloc a;
    fa_init(&a);
    res_fixture f;
    res_new(&f, n, &a.mem);
    size_t server_only = a.live_bytes;
    res_attach(&f);
    size_t base = a.live_bytes;
    rsvd_smb2_fileid *fids = malloc(sizeof *fids * n);
    if (!fids)
        bench_fail("no memory");
    for (unsigned i = 0; i < n; i++)
        fids[i] = res_open(&f);
    bench_figure("memory_resilient_server_open", "attached", (double)(a.live_bytes - base) / n,
                 "bytes/open");
    for (unsigned i = 0; i < n; i++)
        res_make_resilient(&f, fids[i], 60000, 1 + i);
    bench_figure("memory_resilient_server_open", "resilient", (double)(a.live_bytes - base) / n,
                 "bytes/open");
    if (rsvd_res_server_conn_lost(f.srv, f.ctx.conn, 0) != RSVD_OK)
        bench_fail("conn_lost failed");
    /* The connection, session and tree are gone: what is left is the opens. */
    bench_figure("memory_resilient_server_open", "detached",
                 (double)(a.live_bytes - server_only) / n, "bytes/open");
    rsvd_res_server_free(f.srv);
    free(fids);
    if (a.live_bytes)
        bench_fail("memory left after rsvd_res_server_free");

    /* The client's open, with a 26-byte name. */
    fa_init(&a);
    rsvd_res_client_config cc = RSVD_STRUCT_INIT(rsvd_res_client_config);
    cc.mem = &a.mem;
    cc.max_opens = n;
    rsvd_res_client *cli = NULL;
    uint64_t conn = 0, sess = 0, tree = 0;
    rsvd_res_client_conn_params cp = RSVD_STRUCT_INIT(rsvd_res_client_conn_params);
    cp.dialect = RSVD_SMB2_DIALECT_311;
    cp.credits = 64;
    rsvd_res_client_tree_params tp = RSVD_STRUCT_INIT(rsvd_res_client_tree_params);
    tp.tree_id = 5;
    if (rsvd_res_client_new(&cc, &client_callbacks, NULL, &cli) != RSVD_OK ||
        rsvd_res_client_conn_add(cli, &cp, &conn) != RSVD_OK ||
        rsvd_res_client_session_add(cli, conn, 0x11, &sess) != RSVD_OK ||
        rsvd_res_client_tree_add(cli, sess, &tp, &tree) != RSVD_OK)
        bench_fail("resilient client registration failed");
    base = a.live_bytes;
    for (unsigned i = 0; i < n; i++) {
        char name[32];
        uint8_t wname[64];
        int len = snprintf(name, sizeof name, "vm%07u.vhdx", i);
        for (int k = 0; k < len; k++) {
            wname[2 * k] = (uint8_t)name[k];
            wname[2 * k + 1] = 0;
        }
        rsvd_res_client_open_params op = RSVD_STRUCT_INIT(rsvd_res_client_open_params);
        op.file_id.persistent_id = i + 1;
        op.file_id.volatile_id = i + 1;
        op.name = wname;
        op.name_len = (size_t)len * 2;
        uint64_t open = 0;
        if (rsvd_res_client_open_add(cli, tree, &op, &open) != RSVD_OK)
            bench_fail("rsvd_res_client_open_add failed");
    }
    bench_figure("memory_resilient_client_open", "attached", (double)(a.live_bytes - base) / n,
                 "bytes/open");
    rsvd_res_client_free(cli);
}

/* ---- memory per detached open of every kind, made by CREATE ----------------------- */

typedef enum open_kind { KIND_RESILIENT, KIND_DURABLE_V1, KIND_DURABLE_V2, KIND_PERSISTENT } open_kind;

static void add_context(rsvd_smb2_cc_builder *b, const char *name, const uint8_t *data, size_t n)
{
    if (rsvd_smb2_cc_builder_add(b, name, 4, data, n) != RSVD_OK)
        bench_fail("create context encode failed");
}

/* CREATE of "vm%07u.vhdx" (28 bytes in UTF-16) asking for the kind's
 * handle. */
static size_t kind_create_req(open_kind kind, unsigned i, uint8_t *buf, size_t cap)
{
    char ascii[32];
    int nl = snprintf(ascii, sizeof ascii, "vm%07u.vhdx", i);
    uint8_t name[64], chain[256], data[64];
    for (int k = 0; k < nl; k++) {
        name[2 * k] = (uint8_t)ascii[k];
        name[2 * k + 1] = 0;
    }
    size_t dn = 0, cn = 0;
    rsvd_smb2_cc_builder b;
    rsvd_smb2_cc_builder_init(&b, chain, sizeof chain);
    if (kind == KIND_DURABLE_V1) {
        if (rsvd_smb2_dhnq_req_encode(data, sizeof data, &dn) != RSVD_OK)
            bench_fail("DHnQ encode failed");
        add_context(&b, "DHnQ", data, dn);
    } else if (kind == KIND_DURABLE_V2 || kind == KIND_PERSISTENT) {
        rsvd_smb2_dh2q_req q;
        memset(&q, 0, sizeof q);
        q.timeout = 60000;
        q.flags = kind == KIND_PERSISTENT ? RSVD_SMB2_DHANDLE_FLAG_PERSISTENT : 0;
        memcpy(q.create_guid.b, &i, sizeof i); /* one CreateGuid per open */
        q.create_guid.b[15] = 0xC6;
        if (rsvd_smb2_dh2q_req_encode(&q, data, sizeof data, &dn) != RSVD_OK)
            bench_fail("DH2Q encode failed");
        add_context(&b, "DH2Q", data, dn);
    }
    if (rsvd_smb2_cc_builder_finish(&b, &cn) != RSVD_OK)
        bench_fail("create contexts failed");
    rsvd_smb2_create_req m;
    memset(&m, 0, sizeof m);
    m.hdr.message_id = 100 + i;
    m.hdr.session_id = 0x11;
    m.hdr.tree_id = 5;
    m.hdr.credit = 1;
    m.requested_oplock_level =
        kind == KIND_DURABLE_V1 || kind == KIND_DURABLE_V2 ? RSVD_SMB2_OPLOCK_LEVEL_BATCH : 0;
    m.impersonation_level = RSVD_SMB2_IMPERSONATION_IMPERSONATION;
    m.desired_access = 0x0012019Fu;
    m.share_access = RSVD_FILE_SHARE_READ | RSVD_FILE_SHARE_WRITE;
    m.create_disposition = RSVD_FILE_OPEN_IF;
    m.create_options = RSVD_FILE_NON_DIRECTORY_FILE;
    m.name_length = (uint16_t)(2 * nl);
    m.name = name;
    m.create_contexts_length = (uint32_t)cn;
    m.create_contexts = cn ? chain : NULL;
    size_t n = 0;
    if (rsvd_smb2_create_req_encode(&m, buf, cap, &n) != RSVD_OK)
        bench_fail("CREATE encode failed");
    return n;
}

/* Bytes per open of @p kind once its connection is lost, with everything
 * else of the server (connection, session, tree) gone. */
static double detached_bytes(open_kind kind, unsigned n)
{
    fa_alloc a;
    fa_init(&a);
    res_fixture f;
    res_new(&f, n, &a.mem);
    size_t server_only = a.live_bytes;
    uint64_t conn = 0, sess = 0, tree = 0;
    rsvd_res_conn_params cp = RSVD_STRUCT_INIT(rsvd_res_conn_params);
    cp.dialect = RSVD_SMB2_DIALECT_311;
    memset(cp.client_guid.b, 0xA1, sizeof cp.client_guid.b);
    cp.server_capabilities = RSVD_SMB2_GLOBAL_CAP_PERSISTENT_HANDLES;
    rsvd_res_tree_params tp = RSVD_STRUCT_INIT(rsvd_res_tree_params);
    tp.tree_id = 5;
    tp.flags = RSVD_RES_TREE_CA;
    tp.share = "vms";
    tp.share_len = 3;
    if (rsvd_res_server_conn_add(f.srv, &cp, &conn) != RSVD_OK ||
        rsvd_res_server_session_add(f.srv, conn, 0x11, "user", 4, &sess) != RSVD_OK ||
        rsvd_res_server_tree_add(f.srv, sess, &tp, &tree) != RSVD_OK)
        bench_fail("registration failed");
    f.ctx = (rsvd_res_server_ctx){conn, sess, tree, 1, NULL};
    uint8_t req[512];
    for (unsigned i = 0; i < n; i++) {
        size_t len = kind_create_req(kind, i, req, sizeof req);
        rsvd_res_create_op op;
        if (rsvd_res_server_create_begin(f.srv, &f.ctx, req, len, NULL, 0, &op) != RSVD_OK ||
            op.action != RSVD_RES_CREATE_EXECUTE)
            bench_fail("create_begin refused");
        rsvd_res_create_grant g = RSVD_STRUCT_INIT(rsvd_res_create_grant);
        g.status = RSVD_STATUS_SUCCESS;
        g.oplock_level = kind == KIND_DURABLE_V1 || kind == KIND_DURABLE_V2
                             ? RSVD_SMB2_OPLOCK_LEVEL_BATCH
                             : RSVD_SMB2_OPLOCK_LEVEL_NONE;
        g.granted_access = 0x0012019Fu;
        g.create_action = RSVD_FILE_OPENED;
        if (rsvd_res_server_create_end(f.srv, &f.ctx, req, len, &g, 0, &op) != RSVD_OK ||
            op.status != RSVD_STATUS_SUCCESS)
            bench_fail("create_end refused");
        if (kind == KIND_RESILIENT)
            res_make_resilient(&f, op.file_id, 60000, 100000 + i);
        rsvd_res_open_info info = RSVD_STRUCT_INIT(rsvd_res_open_info);
        if (rsvd_res_server_open_info(f.srv, op.file_id.persistent_id, &info) != RSVD_OK ||
            info.is_resilient != (kind == KIND_RESILIENT) ||
            info.is_persistent != (kind == KIND_PERSISTENT) ||
            info.is_durable != (kind != KIND_RESILIENT))
            bench_fail("the open is not of the kind asked for");
    }
    if (rsvd_res_server_conn_lost(f.srv, conn, 0) != RSVD_OK)
        bench_fail("conn_lost failed");
    rsvd_res_server_stats st = RSVD_STRUCT_INIT(rsvd_res_server_stats);
    rsvd_res_server_get_stats(f.srv, &st);
    if (st.opens != n || st.connections || st.sessions || st.trees)
        bench_fail("not every open was kept detached");
    double per = (double)(a.live_bytes - server_only) / n;
    rsvd_res_server_free(f.srv);
    if (a.live_bytes)
        bench_fail("memory left after rsvd_res_server_free");
    return per;
}

void bench_row_memory_preserved(void)
{
    if (bench.count)
        return;
    const unsigned n = 65536;
    static const struct {
        open_kind kind;
        const char *name;
    } kinds[] = {{KIND_RESILIENT, "resilient"},
                 {KIND_DURABLE_V1, "durable_v1"},
                 {KIND_DURABLE_V2, "durable_v2"},
                 {KIND_PERSISTENT, "persistent"}};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        bench_figure("memory_detached_open", kinds[k].name, detached_bytes(kinds[k].kind, n),
                     "bytes/open");
}

/* ---- the scavenger with a million detached opens ---------------------------------- */

static res_fixture scavenger_setup(unsigned n)
{
    res_fixture f;
    res_new(&f, n, NULL);
    res_attach(&f);
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (unsigned i = 0; i < n; i++) {
        rsvd_smb2_fileid fid = res_open(&f);
        /* A random ResiliencyTimeout: random deadlines. */
        res_make_resilient(&f, fid, (uint32_t)(1 + bench_rand(&x) % 300000u), 1 + i);
    }
    if (rsvd_res_server_conn_lost(f.srv, f.ctx.conn, 0) != RSVD_OK)
        bench_fail("conn_lost failed");
    return f;
}

BENCH_NOINLINE static void expire_all(rsvd_res_server *srv, unsigned n)
{
    size_t closed = 0;
    closed_opens = 0;
    if (rsvd_res_server_handle_expiry(srv, 300001, &closed) != RSVD_OK || closed != n ||
        closed_opens != n)
        bench_fail("the scavenger closed %zu of %u opens", closed, n);
}

void bench_row_scavenger(void)
{
    unsigned n = bench.quick ? 100000 : 1000000;
    res_fixture f = scavenger_setup(n);
    if (bench.count) {
        bench_section_begin();
        bench_section_zero();
        expire_all(f.srv, n);
        bench_section_end("scavenger_1e6", "library", n);
    } else {
        double t0 = bench_now_ns(), c0 = bench_cpu_ns();
        expire_all(f.srv, n);
        double cpu = (bench_cpu_ns() - c0) / 1e9;
        double s = (bench_now_ns() - t0) / 1e9;
        bench_figure("scavenger_1e6", "opens", n, "opens");
        bench_figure("scavenger_1e6", "seconds", s, "s");
        /* What the budget is on: the process's CPU, which the
         * other work of a shared machine does not inflate as it does the
         * wall clock. */
        bench_figure("scavenger_1e6", "cpu_seconds", cpu, "s");
        bench_figure("scavenger_1e6", "per_expiry_ns", s * 1e9 / n, "ns");
    }
    rsvd_res_server_free(f.srv);
}
