/*
 * smb-server-loop: how an SMB server drives librsvd from a poll() loop.
 *
 * librsvd does no I/O, starts no thread and reads no clock. The server
 * below owns all three:
 *
 *  - a socket (one end of a socketpair; a client process holds the other)
 *    carrying SMB2 messages in NBSS frames, read without blocking;
 *  - an asynchronous backend: a wrapper around the built-in SCSI disk that
 *    queues every call and wakes the loop through an eventfd, so that each
 *    call completes later, from the loop, as a disk on real hardware would;
 *  - the expiry clock: the loop's poll() timeout is
 *    rsvd_res_server_next_expiry() - now (smb2_dispatch_next_expiry()), and
 *    when it is due the loop runs the resilient-open scavenger.
 *
 * The SMB2 dispatch itself - decoded requests in, replies out - and the
 * client are the integrator template's (examples/common/smb2_dispatch.c,
 * smb2_client.c), used unchanged.
 *
 * The client process opens the shared disk, writes, runs a tunnelled SCSI
 * command, makes its open resilient for RESILIENCY_MS and then dies
 * without closing anything. The server sees the connection end, keeps the
 * resilient open, and RESILIENCY_MS later its scavenger closes it through
 * the RSVD close path. Exit status 0 when all of that happened.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rsvd/file_store.h>
#include <rsvd/rsvd.h>
#include <rsvd/scsi.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_rsvd.h>
#include <rsvd/wire_smb2.h>

#include "file_table.h"
#include "nbss.h"
#include "smb2_client.h"
#include "smb2_dispatch.h"
#include "vdisk.h"

#define DISK_NAME "cluster.vhdx"
#define RESILIENCY_MS 300u
#define SESSION_ID 0x0000200000000001ull
#define TREE_ID 1u

static uint64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- an asynchronous backend ---------------------------------------------- */

/* One backend call waiting for the loop. Every argument is kept as it came:
 * the backend contract keeps the buffers valid until the call completes. */
typedef enum call_kind {
    CALL_OPEN, CALL_CLOSE, CALL_READ, CALL_WRITE, CALL_EXECUTE, CALL_GET_INFO, CALL_VALIDATE,
    CALL_QUERY_INFO, CALL_SET_INFO
} call_kind;

typedef struct call {
    call_kind kind;
    rsvd_completion c;
    void *handle;
    rsvd_backend_open_args open;
    bool delete_file;
    uint64_t offset;
    uint8_t *buf;
    const uint8_t *data;
    uint32_t len;
    rsvd_scsi_cmd cmd;
    rsvd_disk_info *info;
    uint32_t info_class;
} call;

#define QUEUE_MAX 64u

typedef struct async_disk {
    const rsvd_scsi_disk_ops *inner; /* the disk that does the work */
    void *inner_ctx;
    int efd;                         /* the loop's wake-up */
    call queue[QUEUE_MAX];
    size_t head, count;
    unsigned completed_later;
} async_disk;

static call *enqueue(async_disk *a, call_kind kind, rsvd_completion c)
{
    if (a->count == QUEUE_MAX) {
        rsvd_io_result r = {.status = RSVD_STATUS_INSUFFICIENT_RESOURCES};
        (void)rsvd_complete(c, &r); /* completing at once is allowed too */
        return NULL;
    }
    call *k = &a->queue[(a->head + a->count++) % QUEUE_MAX];
    memset(k, 0, sizeof *k);
    k->kind = kind;
    k->c = c;
    uint64_t one = 1;
    if (write(a->efd, &one, sizeof one) != sizeof one)
        perror("eventfd");
    return k;
}

static void a_open(void *ctx, const rsvd_backend_open_args *args, rsvd_completion c)
{
    call *k = enqueue(ctx, CALL_OPEN, c);
    if (k)
        k->open = *args;
}

static void a_close(void *ctx, void *h, bool delete_file, rsvd_completion c)
{
    call *k = enqueue(ctx, CALL_CLOSE, c);
    if (k) {
        k->handle = h;
        k->delete_file = delete_file;
    }
}

static void a_read(void *ctx, void *h, uint64_t off, uint8_t *buf, uint32_t len, rsvd_completion c)
{
    call *k = enqueue(ctx, CALL_READ, c);
    if (k) {
        k->handle = h;
        k->offset = off;
        k->buf = buf;
        k->len = len;
    }
}

static void a_write(void *ctx, void *h, uint64_t off, const uint8_t *data, uint32_t len,
                    rsvd_completion c)
{
    call *k = enqueue(ctx, CALL_WRITE, c);
    if (k) {
        k->handle = h;
        k->offset = off;
        k->data = data;
        k->len = len;
    }
}

static void a_execute(void *ctx, void *h, const rsvd_scsi_cmd *cmd, rsvd_completion c)
{
    call *k = enqueue(ctx, CALL_EXECUTE, c);
    if (k) {
        k->handle = h;
        k->cmd = *cmd;
    }
}

static void a_get_info(void *ctx, void *h, rsvd_disk_info *out, rsvd_completion c)
{
    call *k = enqueue(ctx, CALL_GET_INFO, c);
    if (k) {
        k->handle = h;
        k->info = out;
    }
}

static void a_validate(void *ctx, void *h, rsvd_completion c)
{
    call *k = enqueue(ctx, CALL_VALIDATE, c);
    if (k)
        k->handle = h;
}

static void a_query_info(void *ctx, void *h, uint32_t cls, uint8_t *out, uint32_t cap,
                         rsvd_completion c)
{
    call *k = enqueue(ctx, CALL_QUERY_INFO, c);
    if (k) {
        k->handle = h;
        k->info_class = cls;
        k->buf = out;
        k->len = cap;
    }
}

static void a_set_info(void *ctx, void *h, uint32_t cls, const uint8_t *in, uint32_t len,
                       rsvd_completion c)
{
    call *k = enqueue(ctx, CALL_SET_INFO, c);
    if (k) {
        k->handle = h;
        k->info_class = cls;
        k->data = in;
        k->len = len;
    }
}

static const rsvd_scsi_disk_ops async_ops = {.struct_size = sizeof(rsvd_scsi_disk_ops),
                                             .open = a_open,
                                             .close = a_close,
                                             .read = a_read,
                                             .write = a_write,
                                             .execute = a_execute,
                                             .get_info = a_get_info,
                                             .validate = a_validate,
                                             .query_info = a_query_info,
                                             .set_info = a_set_info};

/* The loop's part: the eventfd fired; each queued call now goes to the disk
 * that does the work, with the completion the library issued - it finishes
 * the call, and the library's reply callback sends the answer. */
static void async_run(async_disk *a)
{
    uint64_t n;
    if (read(a->efd, &n, sizeof n) != sizeof n)
        return;
    const rsvd_scsi_disk_ops *d = a->inner;
    void *x = a->inner_ctx;
    while (a->count > 0) {
        call k = a->queue[a->head];
        a->head = (a->head + 1) % QUEUE_MAX;
        a->count--;
        a->completed_later++;
        switch (k.kind) {
        case CALL_OPEN: d->open(x, &k.open, k.c); break;
        case CALL_CLOSE: d->close(x, k.handle, k.delete_file, k.c); break;
        case CALL_READ: d->read(x, k.handle, k.offset, k.buf, k.len, k.c); break;
        case CALL_WRITE: d->write(x, k.handle, k.offset, k.data, k.len, k.c); break;
        case CALL_EXECUTE: d->execute(x, k.handle, &k.cmd, k.c); break;
        case CALL_GET_INFO: d->get_info(x, k.handle, k.info, k.c); break;
        case CALL_VALIDATE: d->validate(x, k.handle, k.c); break;
        case CALL_QUERY_INFO: d->query_info(x, k.handle, k.info_class, k.buf, k.len, k.c); break;
        case CALL_SET_INFO: d->set_info(x, k.handle, k.info_class, k.data, k.len, k.c); break;
        }
    }
}

/* ---- the server ------------------------------------------------------------ */

typedef struct loop {
    int sock; /* -1 once the connection is gone */
    uint64_t start_ms;
    uint64_t lost_ms;
    unsigned expired_rsvd_closes;
    unsigned kept;
} loop;

static const char *command_name(uint16_t cmd)
{
    static const char *const names[] = {
        "NEGOTIATE", "SESSION_SETUP", "LOGOFF", "TREE_CONNECT", "TREE_DISCONNECT", "CREATE",
        "CLOSE", "FLUSH", "READ", "WRITE", "LOCK", "IOCTL", "CANCEL", "ECHO", "QUERY_DIRECTORY",
        "CHANGE_NOTIFY", "QUERY_INFO", "SET_INFO", "OPLOCK_BREAK"};
    return cmd < sizeof names / sizeof names[0] ? names[cmd] : "?";
}

static void say(const loop *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const loop *l, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    printf("server +%4llums  %s\n", (unsigned long long)(monotonic_ms() - l->start_ms), msg);
    fflush(stdout);
}

/* smb2_dispatch_config.send: a reply leaves through the socket. */
static void on_send(void *ctx, void *conn_ctx, const uint8_t *msg, size_t len)
{
    (void)conn_ctx;
    loop *l = ctx;
    rsvd_smb2_hdr h;
    char st[48];
    if (rsvd_smb2_hdr_decode(msg, len, &h) == RSVD_OK)
        say(l, "-> %s response, MessageId %llu: %s", command_name(h.command),
            (unsigned long long)h.message_id, rsvd_status_format(h.status, st, sizeof st));
    if (l->sock >= 0 && nbss_send(l->sock, msg, len) != 0)
        say(l, "   (the client is gone: the answer is dropped)");
}

static void on_event(void *ctx, const smb2_dispatch_event *ev)
{
    loop *l = ctx;
    char st[48];
    if (ev->kind == SMB2_DISPATCH_EV_CONN_LOST) {
        l->kept = ev->kept;
        say(l, "connection lost: %u resilient open kept, the others closed", ev->kept);
        return;
    }
    say(l, "the resilient server closed %s (%s) -> %s, through %s", ev->name,
        rsvd_res_close_reason_name((int)ev->reason), rsvd_status_format(ev->status, st, sizeof st),
        ev->shared_disk ? "the RSVD close path" : "the file table");
    if (ev->shared_disk && ev->reason == RSVD_RES_CLOSE_EXPIRED && ev->status == 0)
        l->expired_rsvd_closes++;
}

static uint64_t on_now(void *ctx)
{
    (void)ctx;
    return monotonic_ms();
}

/* ---- the client process (the template's client over the socket) ------------- */

static int sock_send(void *ctx, const uint8_t *msg, size_t len)
{
    return nbss_send(*(int *)ctx, msg, len) == 0 ? RSVD_OK : RSVD_E_IO;
}

static int sock_recv(void *ctx, uint8_t *buf, size_t cap, size_t *len)
{
    return nbss_recv(*(int *)ctx, buf, cap, len) == 0 ? RSVD_OK : RSVD_E_AGAIN;
}

static uint64_t sock_now(void *ctx)
{
    (void)ctx;
    return monotonic_ms();
}

static int client_expect(const char *what, uint32_t got, uint32_t want)
{
    char g[48];
    printf("client         %-44s %s\n", what, rsvd_status_format(got, g, sizeof g));
    fflush(stdout);
    return got == want ? 0 : 1;
}

static int run_client(int fd)
{
    smb2_client *c;
    if (smb2_client_new("C", RSVD_SMB2_DIALECT_302, NULL, NULL, &c) != RSVD_OK)
        return 1;
    smb2_transport t = {sock_send, sock_recv, sock_now, &fd};
    if (smb2_client_attach(c, &t, 3, 8, SESSION_ID, TREE_ID) != RSVD_OK)
        return 1;
    static const rsvd_guid initiator = {{0x10, 0x20, 0x30, 0x40}};
    static uint8_t data[65536];
    memset(data, 0x5A, sizeof data);
    smb2_disk_open_args a = {&initiator, "node-c", NULL};
    rsvd_svhdx_open_device_context echo;
    smb2_open o;
    int bad = client_expect("CREATE cluster.vhdx:SharedVirtualDisk",
                            smb2_client_open_disk(c, DISK_NAME, &a, &o, &echo),
                            RSVD_STATUS_SUCCESS);
    uint32_t count = 0;
    bad |= client_expect("WRITE 64 KiB @0", smb2_client_write(c, &o, 0, data, sizeof data, &count),
                         RSVD_STATUS_SUCCESS);
    uint8_t cdb[RSVD_SCSI_CDB_MAX];
    int n = rsvd_scsi_cdb_read_capacity10(cdb, sizeof cdb);
    smb2_scsi_cmd cmd = {cdb, (uint8_t)(n > 0 ? n : 0), RSVD_SCSI_DATA_IN, NULL, 0,
                     RSVD_SCSI_READ_CAPACITY10_LEN};
    smb2_scsi_result r;
    bad |= client_expect("RSVD SCSI READ CAPACITY(10)", smb2_client_scsi(c, &o, &cmd, &r),
                         RSVD_STATUS_SUCCESS);
    bad |= r.r.scsi_status != RSVD_SCSI_STATUS_GOOD;
    bad |= client_expect("FSCTL_LMR_REQUEST_RESILIENCY 300 ms",
                         smb2_client_request_resiliency(c, &o, RESILIENCY_MS),
                         RSVD_STATUS_SUCCESS);
    printf("client         exits without closing anything (a crash)\n");
    fflush(stdout);
    smb2_client_free(c);
    return bad;
}

/* ---- the loop --------------------------------------------------------------------- */

int main(void)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
        perror("socketpair");
        return 2;
    }
    fflush(stdout);
    pid_t child = fork();
    if (child < 0) {
        perror("fork");
        return 2;
    }
    if (child == 0) {
        close(sv[0]);
        exit(run_client(sv[1])); /* exit(), not _exit(): libraries free what they hold */
    }
    close(sv[1]);

    loop l = {sv[0], monotonic_ms(), 0, 0, 0};
    char err[400];
    vdisk disk;
    file_table *files = NULL;
    smb2_dispatch *srv = NULL;
    async_disk ad;
    memset(&ad, 0, sizeof ad);
    ad.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    vdisk_config dc = {NULL, DISK_NAME, "smb-server-loop", 0};
    if (ad.efd < 0 || vdisk_open(&disk, &dc, err, sizeof err) != RSVD_OK ||
        file_table_new(&files) != RSVD_OK) {
        fprintf(stderr, "smb-server-loop: cannot set up: %s\n", ad.efd < 0 ? "eventfd" : err);
        return 2;
    }
    ad.inner = disk.ops;
    ad.inner_ctx = disk.ctx;
    smb2_dispatch_config cfg = {&async_ops, &ad,    files, on_send, &l,
                                on_event,   on_now, NULL,  false,   RSVD_PROTOCOL_VERSION_2};
    smb2_dispatch_conn *conn = NULL;
    static const char user[] = "CLUSTER\\node-c$";
    if (smb2_dispatch_new(&cfg, &srv) != RSVD_OK ||
        smb2_dispatch_connect(srv, RSVD_SMB2_DIALECT_302, SESSION_ID, user, sizeof user - 1,
                              TREE_ID, NULL, &conn) != RSVD_OK) {
        fprintf(stderr, "smb-server-loop: cannot create the server\n");
        return 2;
    }
    (void)fcntl(l.sock, F_SETFL, fcntl(l.sock, F_GETFL) | O_NONBLOCK);
    say(&l, "serving one connection (SMB 3.0.2, SessionId 0x%016llx)",
        (unsigned long long)SESSION_ID);

    static nbss_reader rd;
    static uint8_t msg[NBSS_MSG_MAX];
    for (;;) {
        smb2_dispatch_stats s;
        smb2_dispatch_get_stats(srv, &s);
        uint64_t due = smb2_dispatch_next_expiry(srv);
        /* Done: no connection, no backend call queued or in flight, no
         * resilient open waiting for its deadline. */
        if (l.sock < 0 && ad.count == 0 && s.pending == 0 && s.rsvd_opens == 0 &&
            due == UINT64_MAX)
            break;

        /* The poll() timeout comes from the library's next deadline. */
        uint64_t now = monotonic_ms();
        int timeout = due == UINT64_MAX ? -1 : due <= now ? 0 : (int)(due - now);
        struct pollfd p[2] = {{ad.efd, POLLIN, 0}, {l.sock, POLLIN, 0}};
        int rc = poll(p, l.sock >= 0 ? 2 : 1, timeout);
        if (rc < 0 && errno != EINTR) {
            perror("poll");
            break;
        }

        if (p[0].revents & POLLIN) {
            say(&l, "eventfd: %zu queued backend call(s) complete now", ad.count);
            async_run(&ad); /* backend completions: replies go out from here */
        }

        if (l.sock >= 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            long got = nbss_reader_fill(&rd, l.sock);
            size_t len;
            int more;
            while ((more = nbss_reader_next(&rd, msg, sizeof msg, &len)) == 1) {
                rsvd_smb2_hdr h;
                if (rsvd_smb2_hdr_decode(msg, len, &h) == RSVD_OK)
                    say(&l, "<- %s request, MessageId %llu", command_name(h.command),
                        (unsigned long long)h.message_id);
                smb2_dispatch_receive(srv, conn, msg, len); /* decoded requests in */
            }
            if (got == 0 || (got < 0 && errno != EAGAIN) || more < 0) {
                /* The connection is gone: [MS-SMB2] 3.3.7.1. */
                close(l.sock);
                l.sock = -1;
                l.lost_ms = monotonic_ms();
                smb2_dispatch_conn_lost(srv, conn);
            }
        }

        if (monotonic_ms() >= due) {
            size_t closed = smb2_dispatch_handle_expiry(srv); /* the scavenger */
            say(&l, "timer: the scavenger ran and closed %zu open(s), %llu ms after the loss",
                closed, (unsigned long long)(monotonic_ms() - l.lost_ms));
        }
    }

    int st = 0;
    while (waitpid(child, &st, 0) < 0 && errno == EINTR) {
    }
    bool client_ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
    say(&l, "done: %u backend calls completed from the loop, client %s", ad.completed_later,
        client_ok ? "succeeded" : "FAILED");
    smb2_dispatch_free(srv);
    file_table_free(files);
    vdisk_close(&disk);
    close(ad.efd);

    bool ok = client_ok && l.kept == 1 && l.expired_rsvd_closes == 1 && ad.completed_later > 0;
    printf("smb-server-loop: %s\n", ok ? "as expected" : "NOT as expected");
    return ok ? 0 : 1;
}
