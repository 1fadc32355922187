/*
 * Rows of the RSVD server (docs/performance.md): READ, WRITE and the SCSI
 * tunnel against a null disk (instructions), the same through backends that
 * copy the data next to a direct call of the backend (wall clock), the
 * OpenTable with 1, 1e3 and 1e6 opens in random order, and the memory of an
 * open through the allocator hook.
 */
#define _GNU_SOURCE /* O_DIRECT */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rsvd/file_store.h>
#include <rsvd/fscc.h>
#include <rsvd/rsvd.h>
#include <rsvd/scsi_disk.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_rsvd.h>

#include "bench.h"
#include "bench_backend.h"
#include "bench_rows.h"
#include "fail_alloc.h"
#include "util/completion.h"

/* ---- a server and its opens --------------------------------------------------- */

static unsigned long replies, failures;
static uint64_t last_local_open;
static uint32_t last_status;

static void on_reply(void *ctx, const rsvd_server_reply *r)
{
    (void)ctx;
    replies++;
    last_status = r->status;
    if (r->status != RSVD_STATUS_SUCCESS && !(uintptr_t)r->cookie)
        failures++;
    if (r->command == RSVD_SMB2_CREATE)
        last_local_open = r->local_open;
}

static rsvd_server *server_new(const rsvd_scsi_disk_ops *disk, void *disk_ctx, uint32_t max_opens,
                               const rsvd_mem *mem)
{
    rsvd_server_config cfg = RSVD_STRUCT_INIT(rsvd_server_config);
    cfg.svhdx_supported = true;
    cfg.service_version = RSVD_PROTOCOL_VERSION_2;
    cfg.scsi_disk = disk;
    cfg.scsi_disk_ctx = disk_ctx;
    cfg.reply = on_reply;
    cfg.max_opens = max_opens;
    cfg.mem = mem;
    rsvd_server *srv = NULL;
    if (rsvd_server_new(&cfg, &srv) != RSVD_OK)
        bench_fail("rsvd_server_new failed");
    return srv;
}

/* Opens "disk<i>.vhdx" as a PVHDPARSER (SCSI) open, with an initiator of
 * its own unless @p no_initiator. */
static uint64_t open_disk(rsvd_server *srv, unsigned i, bool no_initiator)
{
    rsvd_svhdx_open_device_context ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.version = RSVD_ECP_CONTEXT_VERSION_1;
    ctx.has_initiator_id = no_initiator ? 0 : 1;
    if (!no_initiator) {
        ctx.initiator_id.b[0] = (uint8_t)(i + 1);
        ctx.initiator_id.b[1] = (uint8_t)((i + 1) >> 8);
        ctx.initiator_id.b[2] = (uint8_t)((i + 1) >> 16);
        ctx.initiator_id.b[3] = 0x80;
    }
    ctx.originator_flags = RSVD_SVHDX_ORIGINATOR_PVHDPARSER;
    uint8_t cbuf[RSVD_SERVER_CREATE_CONTEXT_MAX], rbuf[RSVD_SERVER_CREATE_CONTEXT_MAX];
    size_t clen = 0;
    if (rsvd_svhdx_open_device_context_v1_encode(&ctx, cbuf, sizeof cbuf, &clen) != RSVD_OK)
        bench_fail("context encode failed");
    char name[64];
    uint8_t wname[128];
    int n = snprintf(name, sizeof name, "disk%07u.vhdx:SharedVirtualDisk", i);
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
    if (rsvd_server_create(srv, &q, NULL) != RSVD_OK || !last_local_open)
        bench_fail("create %u failed", i);
    return last_local_open;
}

static void close_all(rsvd_server *srv, const uint64_t *lo, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (rsvd_server_close(srv, lo[i], NULL) != RSVD_OK)
            bench_fail("close failed");
    if (rsvd_server_free(srv) != RSVD_OK)
        bench_fail("rsvd_server_free failed");
}

/* A server with @p n opens on @p disk; their LocalOpens in *lo. */
static rsvd_server *server_with_opens(const rsvd_scsi_disk_ops *disk, void *disk_ctx, unsigned n,
                                      uint64_t **lo)
{
    rsvd_server *srv = server_new(disk, disk_ctx, n, NULL);
    *lo = malloc(sizeof **lo * n);
    if (!*lo)
        bench_fail("no memory");
    for (unsigned i = 0; i < n; i++)
        (*lo)[i] = open_disk(srv, i, false);
    return srv;
}

/* A sequence of @p n LocalOpens drawn at random from @p lo: read in order,
 * so that the benchmark's own choice costs no cache miss. */
static uint64_t *random_sequence(const uint64_t *lo, unsigned opens, unsigned long n)
{
    uint64_t *seq = malloc(sizeof *seq * n);
    if (!seq)
        bench_fail("no memory");
    uint64_t x = 88172645463325252ull;
    for (unsigned long i = 0; i < n; i++)
        seq[i] = lo[bench_rand(&x) % opens];
    return seq;
}

/* ---- loops ------------------------------------------------------------------- */

static uint8_t io_buf[BENCH_IO_SIZE] __attribute__((aligned(4096)));

typedef struct io_loop {
    rsvd_server *srv;
    const rsvd_scsi_disk_ops *disk;
    void *disk_ctx;
    void *handle;
    /* One open, or a sequence of LocalOpens (one per operation). */
    uint64_t lo;
    const uint64_t *seq;
    /* Offsets advance by one I/O and wrap here. */
    uint64_t span;
    uint64_t off;
    uint8_t *buf;
} io_loop;

static inline uint64_t next_off(io_loop *l)
{
    uint64_t o = l->off;
    l->off = o + BENCH_IO_SIZE >= l->span ? 0 : o + BENCH_IO_SIZE;
    return o;
}

BENCH_NOINLINE static void direct_write(void *arg, unsigned long n)
{
    io_loop *l = arg;
    for (unsigned long i = 0; i < n; i++)
        l->disk->write(l->disk_ctx, l->handle, next_off(l), l->buf, BENCH_IO_SIZE,
                       bench_direct_completion(i));
}

BENCH_NOINLINE static void server_write(void *arg, unsigned long n)
{
    io_loop *l = arg;
    rsvd_server_write_req q = {l->lo, 0, BENCH_IO_SIZE, l->buf};
    for (unsigned long i = 0; i < n; i++) {
        q.offset = next_off(l);
        (void)rsvd_server_write(l->srv, &q, NULL);
    }
}

BENCH_NOINLINE static void direct_read(void *arg, unsigned long n)
{
    io_loop *l = arg;
    for (unsigned long i = 0; i < n; i++)
        l->disk->read(l->disk_ctx, l->handle, next_off(l), l->buf, BENCH_IO_SIZE,
                      bench_direct_completion(i));
}

BENCH_NOINLINE static void server_read(void *arg, unsigned long n)
{
    io_loop *l = arg;
    rsvd_server_read_req q = {l->lo, 0, BENCH_IO_SIZE, l->buf};
    for (unsigned long i = 0; i < n; i++) {
        q.offset = next_off(l);
        (void)rsvd_server_read(l->srv, &q, NULL);
    }
}

/* The direct call of a sequence: the same reads of the sequence, the
 * backend called with the handle every open of these backends shares. */
BENCH_NOINLINE static void direct_write_seq(void *arg, unsigned long n)
{
    io_loop *l = arg;
    uint64_t sum = 0;
    for (unsigned long i = 0; i < n; i++) {
        sum += l->seq[i];
        l->disk->write(l->disk_ctx, l->handle, next_off(l), l->buf, BENCH_IO_SIZE,
                       bench_direct_completion(sum));
    }
}

BENCH_NOINLINE static void server_write_seq(void *arg, unsigned long n)
{
    io_loop *l = arg;
    rsvd_server_write_req q = {0, 0, BENCH_IO_SIZE, l->buf};
    for (unsigned long i = 0; i < n; i++) {
        q.local_open = l->seq[i];
        q.offset = next_off(l);
        (void)rsvd_server_write(l->srv, &q, NULL);
    }
}

/* Counts @p fn over bench.ops operations after a warm-up of a tenth. */
static void count(const char *row, const char *part, bench_loop_fn fn, void *arg)
{
    unsigned long n = bench.ops;
    bench_section_begin();
    fn(arg, n / 10 + 1);
    bench_section_zero();
    fn(arg, n);
    bench_section_end(row, part, n);
}

static void check_replies(const char *row)
{
    if (failures)
        bench_fail("%s: %lu requests failed", row, failures);
}

/* ---- SMB2 READ and WRITE on one open, null disk (instructions) ------------------- */

void bench_row_io_null(void)
{
    if (!bench.count)
        return;
    uint64_t *lo;
    rsvd_server *srv = server_with_opens(&bench_null_disk, NULL, 1, &lo);
    io_loop l = {.srv = srv, .disk = &bench_null_disk, .handle = bench_null_handle(),
                 .lo = lo[0], .span = 1024u * BENCH_IO_SIZE, .buf = io_buf};
    count("write", "direct", direct_write, &l);
    count("write", "library", server_write, &l);
    count("read", "direct", direct_read, &l);
    count("read", "library", server_read, &l);
    check_replies("io_null");
    close_all(srv, lo, 1);
    free(lo);
}

/* ---- the SCSI tunnel, null disk (instructions) ----------------------------------- */

/* A tunnelled SCSI READ(10) of @p blocks blocks at LBA 0, MaxOutputResponse
 * for the response and the data. @return the input's length. */
static size_t tunnel_read10(uint8_t *in, size_t cap, uint16_t blocks, uint32_t data_len)
{
    rsvd_tunnel_hdr h = {RSVD_TUNNEL_SCSI_OPERATION, 0, 1};
    rsvd_svhdx_tunnel_scsi_request s;
    memset(&s, 0, sizeof s);
    s.length = RSVD_SVHDX_TUNNEL_SCSI_REQUEST_SIZE;
    s.cdb_length = 10;
    s.sense_info_ex_length = RSVD_SCSI_SENSE_BUFFER_SIZE;
    s.disposition = RSVD_SCSI_DATA_IN;
    s.srb_flags = RSVD_SRB_FLAGS_DATA_IN;
    s.data_transfer_length = data_len;
    s.cdb[0] = 0x28; /* READ(10) */
    s.cdb[7] = (uint8_t)(blocks >> 8);
    s.cdb[8] = (uint8_t)blocks;
    size_t n = 0;
    if (rsvd_tunnel_hdr_encode(&h, in, cap) != RSVD_OK ||
        rsvd_svhdx_tunnel_scsi_request_encode(&s, in + RSVD_TUNNEL_HEADER_SIZE,
                                              cap - RSVD_TUNNEL_HEADER_SIZE, &n) != RSVD_OK)
        bench_fail("tunnel encode failed");
    return RSVD_TUNNEL_HEADER_SIZE + n;
}

/* Where the CDB's LOGICAL BLOCK ADDRESS sits in the tunnel input. */
#define TUNNEL_LBA_AT (RSVD_TUNNEL_HEADER_SIZE + 16u + 2u)

typedef struct tunnel_loop {
    rsvd_server *srv;
    rsvd_server_ioctl_req q;
    uint8_t *in;
    const rsvd_scsi_disk_ops *disk;
    void *disk_ctx;
    void *handle;
    rsvd_scsi_cmd cmd;
    /* LBA advances by blocks and wraps at lbas. */
    uint32_t lba, blocks, lbas;
    /* pread: the file, the buffer. */
    int fd;
    uint8_t *pbuf;
} tunnel_loop;

BENCH_NOINLINE static void direct_execute(void *arg, unsigned long n)
{
    tunnel_loop *l = arg;
    for (unsigned long i = 0; i < n; i++)
        l->disk->execute(l->disk_ctx, l->handle, &l->cmd, bench_direct_completion(i));
}

BENCH_NOINLINE static void server_tunnel(void *arg, unsigned long n)
{
    tunnel_loop *l = arg;
    for (unsigned long i = 0; i < n; i++) {
        if (l->lbas) {
            uint32_t lba = l->lba;
            l->lba = lba + l->blocks >= l->lbas ? 0 : lba + l->blocks;
            l->in[TUNNEL_LBA_AT] = (uint8_t)(lba >> 24);
            l->in[TUNNEL_LBA_AT + 1] = (uint8_t)(lba >> 16);
            l->in[TUNNEL_LBA_AT + 2] = (uint8_t)(lba >> 8);
            l->in[TUNNEL_LBA_AT + 3] = (uint8_t)lba;
        }
        (void)rsvd_server_ioctl(l->srv, &l->q, NULL);
    }
}

void bench_row_tunnel_null(void)
{
    if (!bench.count)
        return;
    uint64_t *lo;
    rsvd_server *srv = server_with_opens(&bench_null_disk, NULL, 1, &lo);
    static uint8_t in[128], out[256];
    size_t len = tunnel_read10(in, sizeof in, 1, 64);
    tunnel_loop l = {.srv = srv,
                     .q = {lo[0], RSVD_FSCTL_SVHDX_SYNC_TUNNEL_REQUEST, in, (uint32_t)len,
                           sizeof out, out},
                     .in = in,
                     .disk = &bench_null_disk,
                     .handle = bench_null_handle()};
    l.cmd.cdb[0] = 0x28;
    l.cmd.cdb[8] = 1;
    l.cmd.cdb_len = 10;
    l.cmd.direction = RSVD_SCSI_DATA_IN;
    l.cmd.data_in = out + 52;
    l.cmd.data_in_cap = 64;
    count("tunnel_scsi_read10", "direct", direct_execute, &l);
    count("tunnel_scsi_read10", "library", server_tunnel, &l);
    check_replies("tunnel_null");
    close_all(srv, lo, 1);
    free(lo);
}

/* ---- the OpenTable at scale (instructions, simulated cache misses) ----------------- */

void bench_row_opentable_count(void)
{
    if (!bench.count)
        return;
    static const struct {
        const char *row;
        unsigned opens;
    } sizes[] = {{"opentable_1", 1}, {"opentable_1e3", 1000}, {"opentable_1e6", 1000000}};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        unsigned opens = bench.quick && sizes[k].opens > 10000 ? 10000 : sizes[k].opens;
        uint64_t *lo;
        rsvd_server *srv = server_with_opens(&bench_null_disk, NULL, opens, &lo);
        unsigned long n = bench.ops + bench.ops / 10 + 1;
        uint64_t *seq = random_sequence(lo, opens, n);
        io_loop l = {.srv = srv, .disk = &bench_null_disk, .handle = bench_null_handle(),
                     .seq = seq, .span = 1024u * BENCH_IO_SIZE, .buf = io_buf};
        count(sizes[k].row, "direct", direct_write_seq, &l);
        l.seq = seq; /* the same opens again, in the same order */
        count(sizes[k].row, "library", server_write_seq, &l);
        check_replies(sizes[k].row);
        free(seq);
        close_all(srv, lo, opens);
        free(lo);
    }
}

/* ---- wall clock: backends that copy the data, next to direct calls ---------------- */

void bench_row_io_mem(void)
{
    if (bench.count)
        return;
    unsigned long n = bench.quick ? 2000 : 20000;
    static const struct {
        const char *row;
        size_t span;
    } disks[] = {
        /* a disk the caches hold (1 MiB) */
        {"mem_cached", 1u << 20},
        /* sequential over 64 MiB: every copy goes to memory */
        {"mem_seq64m", 64u << 20},
    };
    for (size_t k = 0; k < sizeof disks / sizeof disks[0]; k++) {
        bench_mem_disk d;
        bench_mem_disk_init(&d, disks[k].span);
        uint64_t *lo;
        rsvd_server *srv = server_with_opens(&bench_mem_disk_ops, &d, 1, &lo);
        io_loop l = {.srv = srv, .disk = &bench_mem_disk_ops, .handle = &d, .lo = lo[0],
                     .span = disks[k].span, .buf = io_buf};
        char row[64];
        (void)snprintf(row, sizeof row, "write_%s", disks[k].row);
        bench_ratio(row, "direct", direct_write, &l, "library", server_write, &l, n);
        (void)snprintf(row, sizeof row, "read_%s", disks[k].row);
        bench_ratio(row, "direct", direct_read, &l, "library", server_read, &l, n);
        check_replies(row);
        close_all(srv, lo, 1);
        free(lo);
        bench_mem_disk_fini(&d);
    }
}

/* The built-in disk over a file on tmpfs. */
typedef struct builtin_disk {
    char path[256];
    rsvd_file_block *fb;
    rsvd_scsi_disk *disk;
    rsvd_scsi_disk_set *set;
    const rsvd_scsi_disk_ops *ops;
    void *handle; /* a direct open */
} builtin_disk;

static void *opened_handle;
static int open_complete(rsvd_completion_sink *self, uint64_t tag, const rsvd_io_result *r)
{
    (void)self;
    (void)tag;
    opened_handle = r->status == RSVD_STATUS_SUCCESS ? r->handle : NULL;
    return RSVD_OK;
}
static rsvd_completion_sink open_sink = {open_complete};

static void builtin_open(builtin_disk *b, uint64_t size, rsvd_direct_io_policy policy)
{
    (void)snprintf(b->path, sizeof b->path, "%s/rsvd-bench-%ld.img", bench.tmpdir,
                   (long)getpid());
    (void)unlink(b->path);
    rsvd_file_block_config fc = RSVD_STRUCT_INIT(rsvd_file_block_config);
    fc.path = b->path;
    fc.create_size = size;
    fc.direct_io = policy;
    rsvd_backend_diag why;
    if (rsvd_file_block_open(&fc, &b->fb, &why) != RSVD_OK)
        bench_fail("cannot create %s: %s", b->path, why.reason);
    /* Every block written once: no hole is read or filled while timed. */
    uint8_t *chunk = aligned_alloc(4096, 1u << 20);
    if (!chunk)
        bench_fail("no memory");
    memset(chunk, 0xA5, 1u << 20);
    rsvd_block_source src = rsvd_file_block_source(b->fb);
    for (uint64_t off = 0; off < size; off += 1u << 20)
        if (src.ops->write(src.ctx, off, chunk, 1u << 20) != RSVD_STATUS_SUCCESS)
            bench_fail("cannot fill %s", b->path);
    free(chunk);
    rsvd_scsi_disk_config dc = RSVD_STRUCT_INIT(rsvd_scsi_disk_config);
    dc.block = src;
    dc.disk_id.b[0] = 1;
    if (rsvd_scsi_disk_create(&dc, &b->disk) != RSVD_OK ||
        rsvd_scsi_disk_set_create(NULL, &b->set) != RSVD_OK ||
        rsvd_scsi_disk_set_add(b->set, NULL, b->disk) != RSVD_OK)
        bench_fail("cannot create the built-in disk");
    b->ops = rsvd_scsi_disk_backend_ops();
    rsvd_backend_open_args a;
    memset(&a, 0, sizeof a);
    a.file_name = "direct.vhdx";
    a.create_options = RSVD_FILE_NO_INTERMEDIATE_BUFFERING;
    a.initiator_id.b[0] = 0xD1;
    a.has_initiator = true;
    b->ops->open(b->set, &a, rsvd_completion_make(&open_sink, 1));
    if (!opened_handle)
        bench_fail("the direct open of the built-in disk failed");
    b->handle = opened_handle;
}

static void builtin_close(builtin_disk *b)
{
    b->ops->close(b->set, b->handle, false, bench_direct_completion(0));
    rsvd_scsi_disk_set_destroy(b->set);
    if (rsvd_scsi_disk_destroy(b->disk) != RSVD_OK)
        bench_fail("the built-in disk is still busy");
    rsvd_file_block_close(b->fb);
    (void)unlink(b->path);
}

void bench_row_io_builtin(void)
{
    if (bench.count)
        return;
    unsigned long n = bench.quick ? 500 : 5000;
    builtin_disk b;
    builtin_open(&b, 64u << 20, RSVD_DIRECT_IO_PREFER);
    bench_figure("write_builtin_tmpfs", "o_direct",
                 rsvd_file_block_io_mode(b.fb, NULL) == RSVD_IO_DIRECT ? 1 : 0, "bool");
    rsvd_server *srv = server_new(b.ops, b.set, 16, NULL);
    uint64_t lo = open_disk(srv, 0, false);
    io_loop l = {.srv = srv, .disk = b.ops, .disk_ctx = b.set, .handle = b.handle, .lo = lo,
                 .span = 64u << 20, .buf = io_buf};
    bench_ratio("write_builtin_tmpfs", "direct", direct_write, &l, "library", server_write, &l,
                n);
    bench_ratio("read_builtin_tmpfs", "direct", direct_read, &l, "library", server_read, &l, n);
    check_replies("io_builtin");
    close_all(srv, &lo, 1);
    builtin_close(&b);
}

/* ---- wall clock: a tunnelled READ(10) over O_DIRECT next to pread ------------------ */

BENCH_NOINLINE static void pread_loop(void *arg, unsigned long n)
{
    tunnel_loop *l = arg;
    size_t len = (size_t)l->blocks * 512u;
    for (unsigned long i = 0; i < n; i++) {
        uint32_t lba = l->lba;
        l->lba = lba + l->blocks >= l->lbas ? 0 : lba + l->blocks;
        if (pread(l->fd, l->pbuf, len, (off_t)lba * 512) != (ssize_t)len)
            bench_fail("pread failed");
    }
}

void bench_row_tunnel_odirect(void)
{
    if (bench.count)
        return;
    unsigned long n = bench.quick ? 500 : 5000;
    builtin_disk b;
    const uint64_t size = 64u << 20;
    builtin_open(&b, size, RSVD_DIRECT_IO_PREFER);
    bench_figure("tunnel_read10", "o_direct",
                 rsvd_file_block_io_mode(b.fb, NULL) == RSVD_IO_DIRECT ? 1 : 0, "bool");
    rsvd_server *srv = server_new(b.ops, b.set, 16, NULL);
    uint64_t lo = open_disk(srv, 0, false);
    /* pread as the disk reads: O_DIRECT where the filesystem has it. */
    int fd = open(b.path, O_RDONLY | O_CLOEXEC |
                              (rsvd_file_block_io_mode(b.fb, NULL) == RSVD_IO_DIRECT ? O_DIRECT : 0));
    if (fd < 0)
        bench_fail("cannot open %s", b.path);
    static const uint16_t sizes[] = {8, 128}; /* 4 KiB, 64 KiB */
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        uint32_t len = sizes[k] * 512u;
        const uint32_t resp = RSVD_TUNNEL_MESSAGE_SIZE(RSVD_SVHDX_TUNNEL_SCSI_RESPONSE_SIZE);
        uint8_t *mem = aligned_alloc(4096, 2 * 4096 + len);
        uint8_t *pbuf = aligned_alloc(4096, len);
        if (!mem || !pbuf)
            bench_fail("no memory");
        static uint8_t in[128];
        size_t inlen = tunnel_read10(in, sizeof in, sizes[k], len);
        tunnel_loop l = {.srv = srv, .in = in, .blocks = sizes[k],
                         .lbas = (uint32_t)(size / 512u), .fd = fd, .pbuf = pbuf};
        l.q = (rsvd_server_ioctl_req){lo, RSVD_FSCTL_SVHDX_SYNC_TUNNEL_REQUEST, in,
                                      (uint32_t)inlen, resp + len, NULL};
        char row[64];
        /* The host's output laid out so that the data lands on a page. */
        l.q.output = mem + 4096 - resp;
        (void)snprintf(row, sizeof row, "tunnel_read10_%uk_aligned", len / 1024u);
        double r = bench_ratio(row, "pread", pread_loop, &l, "library", server_tunnel, &l, n);
        bench_figure(row, "throughput_vs_pread", 1 / r, "x");
        /* The output itself on a page: the data 52 bytes in. */
        l.q.output = mem;
        (void)snprintf(row, sizeof row, "tunnel_read10_%uk_unaligned", len / 1024u);
        r = bench_ratio(row, "pread", pread_loop, &l, "library", server_tunnel, &l, n);
        bench_figure(row, "throughput_vs_pread", 1 / r, "x");
        if (last_status != RSVD_STATUS_SUCCESS || failures)
            bench_fail("%s: the tunnelled READ(10) failed", row);
        free(mem);
        free(pbuf);
    }
    close(fd);
    close_all(srv, &lo, 1);
    builtin_close(&b);
}

/* ---- wall clock: random WRITEs over 1e6 opens next to 1e3 opens -------------------- */

void bench_row_opentable_wall(void)
{
    if (bench.count)
        return;
    unsigned long n = bench.quick ? 20000 : 200000;
    unsigned big = bench.quick ? 100000 : 1000000;
    bench_mem_disk d;
    bench_mem_disk_init(&d, 1u << 20);
    static const struct {
        const char *row;
        const rsvd_scsi_disk_ops *ops;
    } disks[] = {{"opentable_wall_mem", &bench_mem_disk_ops},
                 {"opentable_wall_null", &bench_null_disk}};
    for (size_t k = 0; k < sizeof disks / sizeof disks[0]; k++) {
        void *ctx = disks[k].ops == &bench_mem_disk_ops ? &d : NULL;
        uint64_t *lo_small, *lo_big;
        rsvd_server *small = server_with_opens(disks[k].ops, ctx, 1000, &lo_small);
        rsvd_server *large = server_with_opens(disks[k].ops, ctx, big, &lo_big);
        uint64_t *seq_small = random_sequence(lo_small, 1000, n);
        uint64_t *seq_big = random_sequence(lo_big, big, n);
        io_loop ls = {.srv = small, .seq = seq_small, .span = 1u << 20, .buf = io_buf};
        io_loop lb = {.srv = large, .seq = seq_big, .span = 1u << 20, .buf = io_buf};
        /* Each run walks the whole sequence: the same opens every run. */
        bench_ratio(disks[k].row, "opens_1e3", server_write_seq, &ls, "opens_1e6",
                    server_write_seq, &lb, n);
        check_replies(disks[k].row);
        free(seq_small);
        free(seq_big);
        close_all(small, lo_small, 1000);
        close_all(large, lo_big, big);
        free(lo_small);
        free(lo_big);
    }
    bench_mem_disk_fini(&d);
}

/* ---- memory per open (the allocator hook) ------------------------------------------- */

void bench_row_memory_rsvd(void)
{
    if (bench.count)
        return;
    const unsigned n = 65536; /* a power of two: the tables are full, not half empty */
    static const struct {
        const char *key;
        unsigned errors;
    } kinds[] = {{"idle", 0}, {"one_sense_error", 1}, {"sense_errors_256", 256}};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        fa_alloc a;
        fa_init(&a);
        rsvd_server *srv = server_new(&bench_null_disk, NULL, n, &a.mem);
        size_t before = a.live_bytes;
        uint64_t *lo = malloc(sizeof *lo * n);
        if (!lo)
            bench_fail("no memory");
        /* Errors are stored for a WRITE on an open without an initiator
         * ([MS-RSVD] 3.2.5.4). */
        for (unsigned i = 0; i < n; i++) {
            lo[i] = open_disk(srv, i, kinds[k].errors > 0);
            rsvd_server_write_req q = {lo[i], 0, BENCH_IO_SIZE, io_buf};
            for (unsigned e = 0; e < kinds[k].errors; e++) {
                (void)rsvd_server_write(srv, &q, (void *)1);
                if ((last_status & 0xFFFFFF00u) != RSVD_STATUS_SVHDX_ERROR_STORED)
                    bench_fail("no sense error was stored");
            }
        }
        bench_figure("memory_rsvd_open", kinds[k].key, (double)(a.live_bytes - before) / n,
                     "bytes/open");
        close_all(srv, lo, n);
        free(lo);
        if (a.live_bytes)
            bench_fail("memory left after rsvd_server_free");
    }
}
