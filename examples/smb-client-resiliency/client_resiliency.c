/*
 * smb-client-resiliency: how an SMB client asks for a resilient handle and
 * rides out a lost connection with librsvd's resilient client
 * (rsvd/resilient_client.h).
 *
 * The SMB client (main(), below) owns its sockets, NEGOTIATE,
 * SESSION_SETUP, TREE_CONNECT and its own requests; librsvd's resilient
 * client owns the MessageIds and credits of each connection, builds the
 * FSCTL_LMR_REQUEST_RESILIENCY, LOCK and reconnect CREATE requests, reads
 * their responses, keeps the open across the disconnect and re-sends the
 * LOCK that was in flight with its LockSequence.
 *
 *  1. connection 1: CREATE vm.vmcx (the host's request), then
 *     FSCTL_LMR_REQUEST_RESILIENCY for 60 s and a LOCK;
 *  2. a second LOCK goes out; the server applies it, but the connection
 *     dies before its answer arrives;
 *  3. connection 2: the CREATE with SMB2_CREATE_DURABLE_HANDLE_RECONNECT
 *     gets the open back, and the LOCK is sent again with the same
 *     LockSequence: the server recognises the replay and answers success
 *     without locking twice;
 *  4. CLOSE.
 *
 * The server is the integrator template's SMB2 dispatch
 * (examples/common/smb2_dispatch.c) in a child process, reached over two
 * socketpairs, one per connection; it drops the first right after it
 * processed the second LOCK. Exit status 0 when
 * every answer was the expected one on both sides.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rsvd/fscc.h>
#include <rsvd/rsvd.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_smb2.h>

#include "file_table.h"
#include "nbss.h"
#include "smb2_dispatch.h"

#define DIALECT RSVD_SMB2_DIALECT_302
#define SESSION_1 0x0000300000000001ull
#define SESSION_2 0x0000300000000002ull
#define TREE_ID 1u
#define RESILIENCY_MS 60000u

static const char user[] = "CLUSTER\\node-a$";
static const uint8_t file_name[] = {'v', 0, 'm', 0, '.', 0, 'v', 0, 'm', 0, 'c', 0, 'x', 0};

static uint64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void say(const char *who, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const char *who, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    printf("%-7s %s\n", who, msg);
    fflush(stdout);
}

/* ==== the client: the part this example is about ========================== */

typedef struct client {
    rsvd_res_client *cli;
    int fd;                 /* the socket of the current connection */
    uint64_t conn, session, tree; /* their handles in the resilient client */
    uint64_t session_id;
    uint64_t open;          /* the open's handle in the resilient client */
    uint8_t req[NBSS_MSG_MAX], rsp[NBSS_MSG_MAX];
    size_t rsp_len;
    int failures;
} client;

static void expect(client *c, const char *what, uint32_t got, uint32_t want)
{
    char g[48];
    say("client", "%-48s %s", what, rsvd_status_format(got, g, sizeof g));
    if (got != want)
        c->failures++;
}

/* The resilient client's callbacks: what it decided on its own. */
static void on_request_failed(rsvd_res_client *cli, const rsvd_res_client_done *d, void *ud)
{
    (void)cli;
    (void)ud;
    say("client", "(library) request MessageId %llu will not be answered",
        (unsigned long long)d->message_id);
}

static void on_open_lost(rsvd_res_client *cli, uint64_t open, void *open_ud,
                         rsvd_res_lost_reason reason, void *ud)
{
    (void)cli;
    (void)open;
    (void)open_ud;
    client *c = ud;
    c->open = 0;
    say("client", "(library) the open is given up (%s)", rsvd_res_lost_reason_name((int)reason));
}

/* The host has a new connection and completed NEGOTIATE, SESSION_SETUP (on
 * a reconnect with PreviousSessionId) and TREE_CONNECT with MessageIds 0-2:
 * the library takes over the connection's window from MessageId 3. */
static void connection_up(client *c, int fd, uint64_t session_id)
{
    rsvd_res_client_conn_params p = RSVD_STRUCT_INIT(rsvd_res_client_conn_params);
    p.dialect = DIALECT;
    p.supports_multi_credit = true;
    p.next_message_id = 3;
    p.credits = 8;
    rsvd_res_client_tree_params tp = RSVD_STRUCT_INIT(rsvd_res_client_tree_params);
    tp.tree_id = TREE_ID;
    if (rsvd_res_client_conn_add(c->cli, &p, &c->conn) != RSVD_OK ||
        rsvd_res_client_session_add(c->cli, c->conn, session_id, &c->session) != RSVD_OK ||
        rsvd_res_client_tree_add(c->cli, c->session, &tp, &c->tree) != RSVD_OK) {
        fprintf(stderr, "cannot register the connection\n");
        exit(2);
    }
    c->fd = fd;
    c->session_id = session_id;
    say("client", "connection up: SessionId 0x%016llx", (unsigned long long)session_id);
}

/* Sends a message the library built (on the connection it named) and hands
 * the response to rsvd_res_client_on_response(). @return the status it
 * reports, or STATUS_CONNECTION_DISCONNECTED if the connection died. */
static uint32_t library_exchange(client *c, const rsvd_res_client_msg *m, rsvd_res_client_done *d)
{
    /* m->conn is the connection the library chose; this client has one. */
    if (nbss_send(c->fd, c->req, m->len) != 0 ||
        nbss_recv(c->fd, c->rsp, sizeof c->rsp, &c->rsp_len) != 0)
        return RSVD_STATUS_CONNECTION_DISCONNECTED;
    if (rsvd_res_client_on_response(c->cli, c->conn, c->rsp, c->rsp_len, monotonic_ms(), d) !=
        RSVD_OK)
        return RSVD_STATUS_INVALID_NETWORK_RESPONSE;
    return d->status;
}

/* The host's own request: its MessageId comes from the library's window,
 * and the credits its response grants go back to the library. */
static uint32_t host_exchange(client *c, size_t len, rsvd_smb2_hdr *rh)
{
    if (nbss_send(c->fd, c->req, len) != 0 ||
        nbss_recv(c->fd, c->rsp, sizeof c->rsp, &c->rsp_len) != 0 ||
        rsvd_smb2_hdr_decode(c->rsp, c->rsp_len, rh) != RSVD_OK)
        return RSVD_STATUS_CONNECTION_DISCONNECTED;
    (void)rsvd_res_client_conn_grant_credits(c->cli, c->conn, rh->credit);
    return rh->status;
}

static void host_header(client *c, uint16_t command, rsvd_smb2_hdr *h)
{
    uint64_t mid;
    if (rsvd_res_client_conn_take_message_ids(c->cli, c->conn, 1, &mid) != RSVD_OK) {
        fprintf(stderr, "no credits\n");
        exit(2);
    }
    memset(h, 0, sizeof *h);
    h->credit_charge = 1;
    h->command = command;
    h->credit = 1;
    h->message_id = mid;
    h->tree_id = TREE_ID;
    h->session_id = c->session_id;
}

static void create_file(client *c)
{
    rsvd_smb2_create_req q;
    memset(&q, 0, sizeof q);
    host_header(c, RSVD_SMB2_CREATE, &q.hdr);
    q.impersonation_level = RSVD_SMB2_IMPERSONATION_IMPERSONATION;
    q.desired_access = 0x0012019Fu;
    q.share_access = RSVD_FILE_SHARE_READ | RSVD_FILE_SHARE_WRITE;
    q.create_disposition = RSVD_FILE_OPEN_IF;
    q.create_options = RSVD_FILE_NON_DIRECTORY_FILE;
    q.name = file_name;
    q.name_length = sizeof file_name;
    size_t len = 0;
    rsvd_smb2_hdr h;
    rsvd_smb2_create_rsp r;
    uint32_t st = rsvd_smb2_create_req_encode(&q, c->req, sizeof c->req, &len) == RSVD_OK
                      ? host_exchange(c, len, &h)
                      : RSVD_STATUS_INVALID_PARAMETER;
    if (st == RSVD_STATUS_SUCCESS && rsvd_smb2_create_rsp_decode(c->rsp, c->rsp_len, &r) != RSVD_OK)
        st = RSVD_STATUS_INVALID_NETWORK_RESPONSE;
    expect(c, "CREATE vm.vmcx", st, RSVD_STATUS_SUCCESS);
    if (st != RSVD_STATUS_SUCCESS)
        exit(1);
    /* [MS-SMB2] 3.2.5.7: the library keeps what a reconnect CREATE needs. */
    rsvd_res_client_open_params p = RSVD_STRUCT_INIT(rsvd_res_client_open_params);
    p.file_id = r.file_id;
    p.name = q.name;
    p.name_len = q.name_length;
    p.desired_access = q.desired_access;
    p.share_access = q.share_access;
    p.create_disposition = q.create_disposition;
    p.create_options = q.create_options;
    p.oplock_level = r.oplock_level;
    if (rsvd_res_client_open_add(c->cli, c->tree, &p, &c->open) != RSVD_OK)
        exit(2);
}

static uint32_t lock(client *c, uint64_t offset, bool await)
{
    rsvd_smb2_lock_element e = {offset, 4096, RSVD_SMB2_LOCKFLAG_EXCLUSIVE_LOCK};
    rsvd_res_client_msg m;
    rsvd_res_client_done d;
    if (rsvd_res_client_lock(c->cli, c->open, &e, 1, NULL, c->req, sizeof c->req, &m) != RSVD_OK)
        return RSVD_STATUS_INVALID_PARAMETER;
    rsvd_smb2_lock_req q;
    if (rsvd_smb2_lock_req_decode(c->req, m.len, &q) == RSVD_OK)
        say("client", "LOCK 4 KiB @%llu with LockSequence 0x%02X", (unsigned long long)offset,
            q.lock_sequence);
    if (!await)
        return nbss_send(c->fd, c->req, m.len) == 0 ? RSVD_STATUS_PENDING
                                                     : RSVD_STATUS_CONNECTION_DISCONNECTED;
    return library_exchange(c, &m, &d);
}

static int run_client(int fd1, int fd2)
{
    client *c = calloc(1, sizeof *c);
    rsvd_res_client_callbacks cb = {.struct_size = sizeof(rsvd_res_client_callbacks),
                                    .request_failed = on_request_failed,
                                    .open_lost = on_open_lost};
    if (!c || rsvd_res_client_new(NULL, &cb, c, &c->cli) != RSVD_OK)
        return 2;

    /* 1. The open, made resilient, and a lock. */
    connection_up(c, fd1, SESSION_1);
    create_file(c);
    rsvd_res_client_msg m;
    rsvd_res_client_done d;
    uint32_t st = RSVD_STATUS_INVALID_PARAMETER;
    if (rsvd_res_client_request_resiliency(c->cli, c->open, RESILIENCY_MS, NULL, c->req,
                                           sizeof c->req, &m) == RSVD_OK)
        st = library_exchange(c, &m, &d);
    expect(c, "FSCTL_LMR_REQUEST_RESILIENCY 60000 ms", st, RSVD_STATUS_SUCCESS);
    expect(c, "LOCK", lock(c, 0, true), RSVD_STATUS_SUCCESS);

    /* 2. The next LOCK is sent; the connection dies before its answer. */
    expect(c, "LOCK (sent)", lock(c, 4096, false), RSVD_STATUS_PENDING);
    size_t n;
    if (nbss_recv(c->fd, c->rsp, sizeof c->rsp, &n) == 0)
        c->failures++; /* an answer came after all */
    say("client", "the connection is gone");
    close(c->fd);
    (void)rsvd_res_client_on_disconnect(c->cli, c->conn, monotonic_ms()); /* [MS-SMB2] 3.2.7.1 */
    rsvd_res_client_open_info info = RSVD_STRUCT_INIT(rsvd_res_client_open_info);
    if (rsvd_res_client_open_info_get(c->cli, c->open, &info) == RSVD_OK)
        say("client", "the open is kept: %s, resilient %s, %u LOCK(s) to re-send",
            info.state == RSVD_RES_CLIENT_OPEN_DETACHED ? "detached" : "connected",
            info.resilient_handle ? "yes" : "no", info.resend_pending);
    else
        c->failures++;

    /* 3. A new connection; the open comes back; the LOCK goes again. */
    connection_up(c, fd2, SESSION_2);
    st = RSVD_STATUS_INVALID_PARAMETER;
    if (rsvd_res_client_reconnect_create(c->cli, c->open, c->tree, monotonic_ms(), NULL, 0,
                                         c->req, sizeof c->req, &m) == RSVD_OK)
        st = library_exchange(c, &m, &d);
    expect(c, "CREATE vm.vmcx with DHnC (reconnect)", st, RSVD_STATUS_SUCCESS);
    while (rsvd_res_client_resend_next(c->cli, c->open, c->req, sizeof c->req, &m) == RSVD_OK) {
        rsvd_smb2_lock_req q;
        if (rsvd_smb2_lock_req_decode(c->req, m.len, &q) == RSVD_OK)
            say("client", "LOCK re-sent with LockSequence 0x%02X", q.lock_sequence);
        expect(c, "LOCK (re-sent)", library_exchange(c, &m, &d), RSVD_STATUS_SUCCESS);
    }

    /* 4. CLOSE: the library forgets the open. */
    rsvd_smb2_close_req q;
    memset(&q, 0, sizeof q);
    host_header(c, RSVD_SMB2_CLOSE, &q.hdr);
    if (rsvd_res_client_open_info_get(c->cli, c->open, &info) == RSVD_OK)
        q.file_id = info.file_id; /* the FileId after the reconnect */
    (void)rsvd_res_client_open_close(c->cli, c->open);
    size_t len = 0;
    rsvd_smb2_hdr h;
    st = rsvd_smb2_close_req_encode(&q, c->req, sizeof c->req, &len) == RSVD_OK
             ? host_exchange(c, len, &h)
             : RSVD_STATUS_INVALID_PARAMETER;
    expect(c, "CLOSE", st, RSVD_STATUS_SUCCESS);
    close(c->fd);

    int failures = c->failures;
    rsvd_res_client_free(c->cli);
    free(c);
    return failures ? 1 : 0;
}

/* ==== the server: the template's SMB2 dispatch, with a fault ================= */

typedef struct server_side {
    smb2_dispatch *srv;
    int fd;
    bool cut;            /* the network failed: answers are lost */
    unsigned locks_seen;
    size_t locks_after_replay;
} server_side;

static void srv_send(void *ctx, void *conn_ctx, const uint8_t *msg, size_t len)
{
    (void)conn_ctx;
    server_side *s = ctx;
    rsvd_smb2_hdr h;
    char st[48];
    if (s->cut) {
        say("server", "(the answer is lost with the connection)");
        return;
    }
    if (rsvd_smb2_hdr_decode(msg, len, &h) == RSVD_OK)
        say("server", "answers MessageId %llu: %s", (unsigned long long)h.message_id,
            rsvd_status_format(h.status, st, sizeof st));
    (void)nbss_send(s->fd, msg, len);
}

static uint64_t srv_now(void *ctx)
{
    (void)ctx;
    return monotonic_ms();
}

/* Serves one connection until it ends, or until the second LOCK of the
 * first connection, after which the network fails. */
static void serve(server_side *s, int fd, uint64_t session_id, bool fail_after_second_lock)
{
    smb2_dispatch_conn *conn;
    if (smb2_dispatch_connect(s->srv, DIALECT, session_id, user, sizeof user - 1, TREE_ID, NULL,
                              &conn) != RSVD_OK)
        exit(2);
    s->fd = fd;
    s->cut = false;
    static uint8_t msg[NBSS_MSG_MAX];
    size_t len;
    while (nbss_recv(fd, msg, sizeof msg, &len) == 0) {
        rsvd_smb2_lock_req q;
        bool is_lock = rsvd_smb2_lock_req_decode(msg, len, &q) == RSVD_OK;
        if (is_lock && ++s->locks_seen == 2 && fail_after_second_lock)
            s->cut = true;
        smb2_dispatch_receive(s->srv, conn, msg, len);
        if (is_lock) {
            size_t held = smb2_dispatch_locks_held(s->srv, q.file_id.persistent_id);
            say("server", "byte-range locks held on vm.vmcx: %zu", held);
            if (s->locks_seen == 3)
                s->locks_after_replay = held;
        }
        if (s->cut)
            break;
    }
    close(fd);
    smb2_dispatch_conn_lost(s->srv, conn); /* [MS-SMB2] 3.3.7.1: the resilient open is kept */
}

static int run_server(int fd1, int fd2)
{
    server_side s;
    memset(&s, 0, sizeof s);
    file_table *files;
    if (file_table_new(&files) != RSVD_OK ||
        file_table_add(files, "vm.vmcx", "<vm/>", 5) != RSVD_OK)
        return 2;
    smb2_dispatch_config cfg = {NULL,    NULL, files, srv_send, &s, NULL,
                                srv_now, NULL, false, RSVD_PROTOCOL_VERSION_1};
    if (smb2_dispatch_new(&cfg, &s.srv) != RSVD_OK)
        return 2;
    serve(&s, fd1, SESSION_1, true);
    serve(&s, fd2, SESSION_2, false);
    smb2_dispatch_stats st;
    smb2_dispatch_get_stats(s.srv, &st);
    smb2_dispatch_free(s.srv);
    file_table_free(files);
    /* The replayed LOCK locked nothing: still the two locks. */
    return s.locks_seen == 3 && s.locks_after_replay == 2 && st.res.opens == 0 ? 0 : 1;
}

int main(void)
{
    int one[2], two[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, one) != 0 ||
        socketpair(AF_UNIX, SOCK_STREAM, 0, two) != 0) {
        perror("socketpair");
        return 2;
    }
    fflush(stdout);
    pid_t server = fork();
    if (server < 0) {
        perror("fork");
        return 2;
    }
    if (server == 0) {
        close(one[0]);
        close(two[0]);
        exit(run_server(one[1], two[1])); /* exit(): libraries free what they hold */
    }
    close(one[1]);
    close(two[1]);
    int client_status = run_client(one[0], two[0]);
    int st = 0;
    while (waitpid(server, &st, 0) < 0 && errno == EINTR) {
    }
    bool ok = client_status == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
    printf("smb-client-resiliency: %s\n", ok ? "as expected" : "NOT as expected");
    return ok ? 0 : 1;
}
