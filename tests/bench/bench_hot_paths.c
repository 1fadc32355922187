/*
 * Hot-path benchmark: the library's cost per request next to the direct
 * backend call it wraps.
 *
 * Each phase is a separate, never-inlined function running N operations, so
 * that `valgrind --tool=callgrind` attributes the instructions of each phase
 * to one symbol (run_bench.py reads the inclusive counts, divides by N, and
 * checks the budgets). Run natively it prints nanoseconds per operation, for
 * information only: instruction counts are the figures that are checked.
 *
 * The backend is a null virtual SCSI disk that completes every call at once
 * with success, so what is measured is the library itself.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rsvd/file_store.h>
#include <rsvd/fscc.h>
#include <rsvd/resilient.h>
#include <rsvd/rsvd.h>
#include <rsvd/server.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_rsvd.h>
#include <rsvd/wire_smb2.h>

#include "util/completion.h"

#if defined(__clang__)
#define NOINLINE __attribute__((noinline))
#else /* gcc: no identical-code folding either, so each phase keeps its symbol */
#define NOINLINE __attribute__((noinline, noipa))
#endif
#define IO_SIZE 4096u

/* ---- a null virtual SCSI disk ---------------------------------------------- */

static void null_done(rsvd_completion c, uint32_t bytes, void *handle)
{
    rsvd_io_result r;
    memset(&r, 0, sizeof r);
    r.status = RSVD_STATUS_SUCCESS;
    r.bytes = bytes;
    r.handle = handle;
    r.scsi.srb_status = RSVD_SRB_STATUS_SUCCESS;
    r.scsi.scsi_status = RSVD_SCSI_STATUS_GOOD;
    (void)rsvd_complete(c, &r);
}

static int null_handle_storage;

static void null_open(void *ctx, const rsvd_backend_open_args *a, rsvd_completion c)
{
    (void)ctx;
    (void)a;
    null_done(c, 0, &null_handle_storage);
}

static void null_close(void *ctx, void *h, bool del, rsvd_completion c)
{
    (void)ctx;
    (void)h;
    (void)del;
    null_done(c, 0, NULL);
}

static void null_read(void *ctx, void *h, uint64_t off, uint8_t *buf, uint32_t len,
                      rsvd_completion c)
{
    (void)ctx;
    (void)h;
    (void)off;
    (void)buf;
    null_done(c, len, NULL);
}

static void null_write(void *ctx, void *h, uint64_t off, const uint8_t *data, uint32_t len,
                       rsvd_completion c)
{
    (void)ctx;
    (void)h;
    (void)off;
    (void)data;
    null_done(c, len, NULL);
}

static void null_execute(void *ctx, void *h, const rsvd_scsi_cmd *cmd, rsvd_completion c)
{
    (void)ctx;
    (void)h;
    null_done(c, cmd->direction == RSVD_SCSI_DATA_IN ? cmd->data_in_cap : 0, NULL);
}

static void null_get_info(void *ctx, void *h, rsvd_disk_info *out, rsvd_completion c)
{
    (void)ctx;
    (void)h;
    memset(out, 0, sizeof *out);
    out->sector_size = 512;
    out->physical_sector_size = 4096;
    out->virtual_size = 1ull << 30;
    null_done(c, 0, NULL);
}

static void null_validate(void *ctx, void *h, rsvd_completion c)
{
    (void)ctx;
    (void)h;
    null_done(c, 0, NULL);
}

static const rsvd_scsi_disk_ops null_disk = {.struct_size = sizeof(rsvd_scsi_disk_ops),
                                             .open = null_open,
                                             .close = null_close,
                                             .read = null_read,
                                             .write = null_write,
                                             .execute = null_execute,
                                             .get_info = null_get_info,
                                             .validate = null_validate,
                                             .query_info = NULL,
                                             .set_info = NULL};

/* The sink of the direct calls: what a host's completion costs at least. */
static unsigned long direct_done;
static int direct_complete(rsvd_completion_sink *self, uint64_t tag, const rsvd_io_result *r)
{
    (void)self;
    (void)tag;
    direct_done += r->bytes;
    return RSVD_OK;
}
static rsvd_completion_sink direct_sink = {direct_complete};

/* ---- the server side --------------------------------------------------------- */

static unsigned long replies, failures;
static uint64_t last_local_open;

static void on_reply(void *ctx, const rsvd_server_reply *r)
{
    (void)ctx;
    replies++;
    if (r->status != RSVD_STATUS_SUCCESS)
        failures++;
    if (r->command == RSVD_SMB2_CREATE)
        last_local_open = r->local_open;
}

static uint8_t io_buf[IO_SIZE];
static uint8_t tunnel_in[128], tunnel_out[256];
static size_t tunnel_in_len;

static rsvd_server *server_new(uint32_t max_opens)
{
    rsvd_server_config cfg = RSVD_STRUCT_INIT(rsvd_server_config);
    cfg.svhdx_supported = true;
    cfg.service_version = RSVD_PROTOCOL_VERSION_2;
    cfg.scsi_disk = &null_disk;
    cfg.reply = on_reply;
    cfg.max_opens = max_opens;
    rsvd_server *srv = NULL;
    if (rsvd_server_new(&cfg, &srv) != RSVD_OK) {
        fprintf(stderr, "rsvd_server_new failed\n");
        exit(1);
    }
    return srv;
}

/* Opens "disk<i>.vhdx" with an initiator, as a PVHDPARSER (SCSI) open. */
static uint64_t open_disk(rsvd_server *srv, unsigned i)
{
    rsvd_svhdx_open_device_context ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.version = RSVD_ECP_CONTEXT_VERSION_1;
    ctx.has_initiator_id = 1;
    ctx.initiator_id.b[0] = (uint8_t)(i + 1);
    ctx.initiator_id.b[1] = (uint8_t)((i + 1) >> 8);
    ctx.initiator_id.b[2] = (uint8_t)((i + 1) >> 16);
    ctx.originator_flags = RSVD_SVHDX_ORIGINATOR_PVHDPARSER;
    uint8_t cbuf[RSVD_SERVER_CREATE_CONTEXT_MAX], rbuf[RSVD_SERVER_CREATE_CONTEXT_MAX];
    size_t clen = 0;
    if (rsvd_svhdx_open_device_context_v1_encode(&ctx, cbuf, sizeof cbuf, &clen) != RSVD_OK)
        exit(1);
    char name[64];
    uint8_t wname[128];
    int n = snprintf(name, sizeof name, "disk%u.vhdx:SharedVirtualDisk", i);
    for (int k = 0; k < n; k++) {
        wname[2 * k] = (uint8_t)name[k];
        wname[2 * k + 1] = 0;
    }
    rsvd_server_create_req q;
    memset(&q, 0, sizeof q);
    q.file_name = wname;
    q.file_name_len = (size_t)n * 2;
    q.create_options = RSVD_FILE_NO_INTERMEDIATE_BUFFERING;
    q.context = cbuf;
    q.context_len = clen;
    q.response_context = rbuf;
    q.response_context_cap = sizeof rbuf;
    last_local_open = 0;
    if (rsvd_server_create(srv, &q, NULL) != RSVD_OK || !last_local_open) {
        fprintf(stderr, "create %u failed\n", i);
        exit(1);
    }
    return last_local_open;
}

/* A tunnelled SCSI READ(10) of 8 blocks (4 KiB of data in is too large for
 * the 256-byte output here; the CDB and the path are what is measured). */
static void build_tunnel_scsi(void)
{
    rsvd_tunnel_hdr h = {RSVD_TUNNEL_SCSI_OPERATION, 0, 1};
    rsvd_svhdx_tunnel_scsi_request s;
    memset(&s, 0, sizeof s);
    s.length = RSVD_SVHDX_TUNNEL_SCSI_REQUEST_SIZE;
    s.cdb_length = 10;
    s.sense_info_ex_length = RSVD_SCSI_SENSE_BUFFER_SIZE;
    s.disposition = RSVD_SCSI_DATA_IN;
    s.srb_flags = RSVD_SRB_FLAGS_DATA_IN;
    s.data_transfer_length = 64;
    s.cdb[0] = 0x28; /* READ(10), LBA 0, 1 block */
    s.cdb[8] = 1;
    size_t n = 0;
    if (rsvd_tunnel_hdr_encode(&h, tunnel_in, sizeof tunnel_in) != RSVD_OK ||
        rsvd_svhdx_tunnel_scsi_request_encode(&s, tunnel_in + RSVD_TUNNEL_HEADER_SIZE,
                                              sizeof tunnel_in - RSVD_TUNNEL_HEADER_SIZE,
                                              &n) != RSVD_OK)
        exit(1);
    tunnel_in_len = RSVD_TUNNEL_HEADER_SIZE + n;
}

/* ---- phases ----------------------------------------------------------------- */

NOINLINE static void phase_direct_write(unsigned long n)
{
    for (unsigned long i = 0; i < n; i++)
        null_disk.write(NULL, &null_handle_storage, (i % 1024) * IO_SIZE, io_buf, IO_SIZE,
                        rsvd_completion_make(&direct_sink, i));
}

NOINLINE static void phase_server_write(rsvd_server *srv, uint64_t lo, unsigned long n)
{
    rsvd_server_write_req q = {lo, 0, IO_SIZE, io_buf};
    for (unsigned long i = 0; i < n; i++) {
        q.offset = (i % 1024) * IO_SIZE;
        (void)rsvd_server_write(srv, &q, NULL);
    }
}

NOINLINE static void phase_direct_read(unsigned long n)
{
    for (unsigned long i = 0; i < n; i++)
        null_disk.read(NULL, &null_handle_storage, (i % 1024) * IO_SIZE, io_buf, IO_SIZE,
                       rsvd_completion_make(&direct_sink, i));
}

NOINLINE static void phase_server_read(rsvd_server *srv, uint64_t lo, unsigned long n)
{
    rsvd_server_read_req q = {lo, 0, IO_SIZE, io_buf};
    for (unsigned long i = 0; i < n; i++) {
        q.offset = (i % 1024) * IO_SIZE;
        (void)rsvd_server_read(srv, &q, NULL);
    }
}

NOINLINE static void phase_direct_execute(unsigned long n)
{
    rsvd_scsi_cmd cmd;
    memset(&cmd, 0, sizeof cmd);
    cmd.cdb[0] = 0x28;
    cmd.cdb_len = 10;
    cmd.direction = RSVD_SCSI_DATA_IN;
    cmd.data_in = io_buf;
    cmd.data_in_cap = 64;
    for (unsigned long i = 0; i < n; i++)
        null_disk.execute(NULL, &null_handle_storage, &cmd, rsvd_completion_make(&direct_sink, i));
}

NOINLINE static void phase_server_tunnel_scsi(rsvd_server *srv, uint64_t lo, unsigned long n)
{
    rsvd_server_ioctl_req q = {lo, RSVD_FSCTL_SVHDX_SYNC_TUNNEL_REQUEST, tunnel_in,
                               (uint32_t)tunnel_in_len, sizeof tunnel_out, tunnel_out};
    for (unsigned long i = 0; i < n; i++)
        (void)rsvd_server_ioctl(srv, &q, NULL);
}

/* WRITE spread over many opens: the OpenTable lookup at scale. */
NOINLINE static void phase_server_write_many_opens(rsvd_server *srv, const uint64_t *lo,
                                                   unsigned opens, unsigned long n)
{
    rsvd_server_write_req q = {0, 0, IO_SIZE, io_buf};
    uint64_t x = 88172645463325252ull;
    for (unsigned long i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        q.local_open = lo[x % opens];
        (void)rsvd_server_write(srv, &q, NULL);
    }
}

static void res_close(rsvd_res_server *srv, const rsvd_res_closed_open *c, void *ud)
{
    (void)srv;
    (void)c;
    (void)ud;
}

NOINLINE static void phase_resilient_lock(rsvd_res_server *srv, const rsvd_res_server_ctx *ctx,
                                          uint8_t *msg, size_t len, unsigned long n)
{
    for (unsigned long i = 0; i < n; i++) {
        /* a new LockSequence each time (bucket 1, number i mod 16): processed */
        msg[68] = (uint8_t)(0x10 | (i & 0xF));
        rsvd_res_lock_op op;
        if (rsvd_res_server_lock_begin(srv, ctx, msg, len, &op) == RSVD_OK &&
            op.action == RSVD_RES_LOCK_PROCESS)
            (void)rsvd_res_server_lock_end(srv, &op, RSVD_STATUS_SUCCESS);
        else
            failures++;
    }
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

#define TIMED(label, n, call)                                                              \
    do {                                                                                   \
        double t0_ = now_ns();                                                             \
        call;                                                                              \
        printf("  %-28s %8.1f ns/op\n", label, (now_ns() - t0_) / (double)(n));          \
    } while (0)

int main(int argc, char **argv)
{
    unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000ul;
    unsigned opens = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 100000u;
    build_tunnel_scsi();

    rsvd_server *srv = server_new(opens + 1);
    uint64_t lo = open_disk(srv, 0);

    printf("librsvd hot paths, %lu operations each (wall clock, informational):\n", n);
    TIMED("direct backend write", n, phase_direct_write(n));
    TIMED("server WRITE 4 KiB", n, phase_server_write(srv, lo, n));
    TIMED("direct backend read", n, phase_direct_read(n));
    TIMED("server READ 4 KiB", n, phase_server_read(srv, lo, n));
    TIMED("direct backend execute", n, phase_direct_execute(n));
    TIMED("server tunnelled SCSI", n, phase_server_tunnel_scsi(srv, lo, n));

    uint64_t *los = malloc(sizeof *los * opens);
    if (!los)
        return 1;
    los[0] = lo;
    for (unsigned i = 1; i < opens; i++)
        los[i] = open_disk(srv, i);
    TIMED("server WRITE, many opens", n, phase_server_write_many_opens(srv, los, opens, n));

    /* The resilient server's LOCK bookkeeping on a resilient open. */
    rsvd_res_server_callbacks cb = RSVD_STRUCT_INIT(rsvd_res_server_callbacks);
    cb.close_open = res_close;
    rsvd_res_server *rs = NULL;
    uint64_t conn = 0, sess = 0, tree = 0;
    rsvd_res_conn_params cp = RSVD_STRUCT_INIT(rsvd_res_conn_params);
    cp.dialect = RSVD_SMB2_DIALECT_311;
    rsvd_res_tree_params tp = RSVD_STRUCT_INIT(rsvd_res_tree_params);
    tp.tree_id = 5;
    if (rsvd_res_server_new(NULL, &cb, NULL, &rs) != RSVD_OK ||
        rsvd_res_server_conn_add(rs, &cp, &conn) != RSVD_OK ||
        rsvd_res_server_session_add(rs, conn, 0x11, "user", 4, &sess) != RSVD_OK ||
        rsvd_res_server_tree_add(rs, sess, &tp, &tree) != RSVD_OK)
        return 1;
    rsvd_res_server_ctx ctx = {conn, sess, tree, 1, NULL};
    rsvd_smb2_fileid fid;
    if (rsvd_res_server_open_add(rs, &ctx, 0, NULL, &fid) != RSVD_OK)
        return 1;
    uint8_t req[256], rsp[256];
    size_t len = 0, rlen = 0;
    rsvd_smb2_resiliency_req_args ra;
    memset(&ra, 0, sizeof ra);
    ra.message_id = 1;
    ra.session_id = 0x11;
    ra.tree_id = 5;
    ra.credit_charge = 1;
    ra.credit_request = 1;
    ra.file_id = fid;
    ra.timeout_ms = 60000;
    uint32_t status = 0;
    if (rsvd_smb2_resiliency_req_build(&ra, req, sizeof req, &len) != RSVD_OK ||
        rsvd_res_server_ioctl(rs, &ctx, req, len, rsp, sizeof rsp, &rlen, &status) != RSVD_OK ||
        status != RSVD_STATUS_SUCCESS)
        return 1;
    rsvd_smb2_lock_req lk;
    memset(&lk, 0, sizeof lk);
    lk.hdr.command = RSVD_SMB2_LOCK;
    lk.hdr.message_id = 2;
    lk.hdr.session_id = 0x11;
    lk.hdr.tree_id = 5;
    lk.lock_count = 1;
    lk.lock_sequence = rsvd_smb2_lock_seq_encode(1, 0);
    lk.file_id = fid;
    uint8_t elem[RSVD_SMB2_LOCK_ELEMENT_SIZE];
    rsvd_smb2_lock_element e = {0, 4096, RSVD_SMB2_LOCKFLAG_EXCLUSIVE_LOCK |
                                             RSVD_SMB2_LOCKFLAG_FAIL_IMMEDIATELY};
    if (rsvd_smb2_lock_element_encode(&e, elem, sizeof elem) != RSVD_OK)
        return 1;
    lk.locks = elem;
    if (rsvd_smb2_lock_req_encode(&lk, req, sizeof req, &len) != RSVD_OK)
        return 1;
    TIMED("resilient LOCK begin+end", n, phase_resilient_lock(rs, &ctx, req, len, n));

    printf("replies %lu, failures %lu, direct completions %lu bytes\n", replies, failures,
           direct_done);
    rsvd_res_server_free(rs);
    for (unsigned i = 0; i < opens; i++)
        (void)rsvd_server_close(srv, los[i], NULL);
    free(los);
    if (rsvd_server_free(srv) != RSVD_OK)
        return 1;
    return failures ? 1 : 0;
}
