/*
 * rsvd-demo: the scenario (see scenario.h).
 *
 * Two nodes of a guest cluster, A and B, and a management host M share
 * one virtual disk, cluster.vhdx, on one file server (an RSVD server of
 * version 2). M also backs the disk up through version 2: it makes it a
 * VHD set, cluster.vhds, takes snapshots with change tracking around A's
 * writes and reads back exactly the ranges A wrote. Each step is a
 * function; each request prints one line - who, what, and the status by
 * name - and is checked against the answer the specs require. The server
 * and the clients also report what they do on their own (closes on a lost
 * connection, the scavenger, opens given up); those lines start with "S"
 * (the server) or the host's name and "(client)".
 */
#include "scenario.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rsvd/scsi.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_rsvd.h>

#include "file_table.h"
#include "network.h"
#include "smb2_client.h"
#include "smb2_dispatch.h"
#include "vdisk.h"

/* The name the shared disk is opened by. */
#define DEMO_DISK_NAME "cluster.vhdx"
/* The name it answers to as a VHD set, once converted. */
#define DEMO_SET_NAME "cluster.vhds"
/* 2024-01-01T00:00:00Z: where the demo's clock starts. */
#define START_MS 1704067200000ull
/* The size of every SMB2 READ and WRITE of the demo. */
#define IO_SIZE 4096u
/* The dialect every connection negotiated (RSVD needs 3.0.2 or 3.1.1). */
#define DIALECT RSVD_SMB2_DIALECT_302
/* MessageIds 0, 1, 2 went to NEGOTIATE, SESSION_SETUP and TREE_CONNECT;
 * the host holds this many credits after them. */
#define FIRST_MESSAGE_ID 3u
#define CREDITS_AFTER_SETUP 8u
#define RESILIENCY_A_MS 60000u
#define RESILIENCY_B_MS 5000u
#define MAX_EVENTS 32u
#define MAX_LINKS 8u

typedef struct demo demo;

/* One host: its machine, its SMB2 client and the opens it holds. */
typedef struct host {
    demo *d;
    const char *name;    /* "A" */
    const char *machine; /* InitiatorHostName */
    const char *user;    /* the user of its SMB2 session */
    uint8_t ip[4];
    bool has_initiator;
    rsvd_guid initiator;
    uint64_t pr_key; /* its persistent-reservation key */
    uint64_t session_id;
    uint32_t tree_id;
    smb2_client *c;
    demo_link *link;
    smb2_open disk; /* cluster.vhdx:SharedVirtualDisk */
    smb2_open cfg;  /* its VM's configuration file */
    smb2_open pdisk; /* the shared disk with a persistent handle */
    smb2_open set;  /* M: cluster.vhds:SharedVirtualDisk */
} host;

/* Something a server or client did on its own, kept for the checks. */
typedef struct server_ev {
    smb2_dispatch_event_kind kind;
    rsvd_res_close_reason reason;
    bool shared_disk;
    uint32_t status;
    uint32_t kept;
    char who[16];
    char name[64];
} server_ev;

typedef struct client_ev {
    char who[16];
    char name[64];
    rsvd_res_lost_reason reason;
    bool request_failed;
} client_ev;

struct demo {
    demo_options opt;
    vdisk disk;
    file_table *files;
    demo_wire *wire;
    smb2_dispatch *srv;
    host a, b, m;
    demo_link *links[MAX_LINKS];
    size_t nlinks;
    int step;
    const char *step_title;
    unsigned checks, failures;
    char first_failure[320];
    server_ev sev[MAX_EVENTS];
    size_t nsev;
    client_ev cev[MAX_EVENTS];
    size_t ncev;
    uint8_t data_a[IO_SIZE], data_b[IO_SIZE], data_m[IO_SIZE];
    uint64_t virtual_size; /* as GET_INITIAL_INFO answered */
};

/* ---- printing and checking ------------------------------------------------- */

static void out(const demo *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(const demo *d, const char *fmt, ...)
{
    if (d->opt.quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

static void title(demo *d, int n, const char *t)
{
    d->step = n;
    d->step_title = t;
    out(d, "\nStep %d  %s\n", n, t);
}

/* One line: who, what, the status by name, details. */
static void line(const demo *d, const char *who, const char *what, const char *result,
                 const char *detail)
{
    out(d, "  %-2s %-46s -> %s%s%s\n", who, what, result, detail && *detail ? "  " : "",
        detail ? detail : "");
}

static const char *status_str(uint32_t st, char *buf, size_t cap)
{
    return rsvd_status_format(st, buf, cap);
}

/* Records one check; a failure is printed at once (also with --quiet),
 * naming the step. @return ok. */
static bool check(demo *d, bool ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool check(demo *d, bool ok, const char *fmt, ...)
{
    d->checks++;
    if (ok)
        return true;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char full[320];
    snprintf(full, sizeof full, "step %d (%s): %s", d->step, d->step_title, msg);
    printf("  FAIL %s\n", full);
    if (d->failures++ == 0)
        snprintf(d->first_failure, sizeof d->first_failure, "%s", full);
    return false;
}

/* Prints the line of a request and checks its status. */
static bool expect(demo *d, const host *h, const char *what, uint32_t got, uint32_t want,
                   const char *detail)
{
    char g[48], w[48];
    line(d, h->name, what, status_str(got, g, sizeof g), got == want ? detail : NULL);
    return check(d, got == want, "%s %s: got %s, want %s", h->name, what, g,
                 status_str(want, w, sizeof w));
}

static const char *scsi_status_name(uint8_t s)
{
    const char *n = rsvd_scsi_status_name(s);
    return n ? n : "?";
}

static void hex(const uint8_t *p, size_t n, char *buf, size_t cap)
{
    size_t k = 0;
    buf[0] = 0;
    for (size_t i = 0; i < n && k + 4 < cap; i++)
        k += (size_t)snprintf(buf + k, cap - k, "%s%02X", i ? " " : "", p[i]);
}

/* A GUID as Windows prints it (Data1-3 little-endian on the wire). */
static void guid_str(const rsvd_guid *g, char *buf, size_t cap)
{
    const uint8_t *b = g->b;
    snprintf(buf, cap, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12],
             b[13], b[14], b[15]);
}

/* ---- what the server and the clients report on their own -------------------- */

static void on_server_event(demo *d, const smb2_dispatch_event *ev)
{
    const char *who = ev->conn_ctx ? demo_link_label(ev->conn_ctx) : "?";
    if (d->nsev < MAX_EVENTS) {
        server_ev *e = &d->sev[d->nsev++];
        memset(e, 0, sizeof *e);
        e->kind = ev->kind;
        e->reason = ev->reason;
        e->shared_disk = ev->shared_disk;
        e->status = ev->status;
        e->kept = ev->kept;
        snprintf(e->who, sizeof e->who, "%s", who);
        snprintf(e->name, sizeof e->name, "%s", ev->name ? ev->name : "");
    }
    char what[128], s[48];
    if (ev->kind == SMB2_DISPATCH_EV_CLOSED) {
        snprintf(what, sizeof what, "closes %s's %s (%s)", who, ev->name,
                 rsvd_res_close_reason_name((int)ev->reason));
        line(d, "S", what, status_str(ev->status, s, sizeof s),
             ev->shared_disk ? "through the RSVD close path" : "in the file table");
    } else {
        snprintf(what, sizeof what, "%s's connection is gone", who);
        snprintf(s, sizeof s, "%u preserved open%s kept", ev->kept, ev->kept == 1 ? "" : "s");
        line(d, "S", what, s, NULL);
    }
}

static void server_event(void *ctx, const smb2_dispatch_event *ev)
{
    on_server_event(ctx, ev);
}

static void client_event(void *ctx, smb2_client *c, const smb2_client_event *ev)
{
    demo *d = ctx;
    if (d->ncev < MAX_EVENTS) {
        client_ev *e = &d->cev[d->ncev++];
        memset(e, 0, sizeof *e);
        snprintf(e->who, sizeof e->who, "%s", smb2_client_name(c));
        if (ev->lost)
            snprintf(e->name, sizeof e->name, "%s", ev->lost->name);
        e->reason = ev->reason;
        e->request_failed = ev->request_failed;
    }
    char who[16], what[128];
    snprintf(who, sizeof who, "%s", smb2_client_name(c));
    if (ev->lost) {
        snprintf(what, sizeof what, "(client) gives up %s", ev->lost->name);
        line(d, who, what, rsvd_res_lost_reason_name((int)ev->reason), NULL);
    } else {
        line(d, who, "(client) a request will not be answered", "", NULL);
    }
}

/* The server's callbacks, with the demo as their context. */
static void server_send(void *ctx, void *conn_ctx, const uint8_t *msg, size_t len)
{
    demo_wire_server_send(((demo *)ctx)->wire, conn_ctx, msg, len);
}

static uint64_t server_now(void *ctx)
{
    return demo_wire_now_ms(((demo *)ctx)->wire);
}

/* ---- a host's connection ------------------------------------------------------ */

static int xp_send(void *ctx, const uint8_t *msg, size_t len)
{
    return demo_link_send(((host *)ctx)->link, msg, len);
}

static int xp_recv(void *ctx, uint8_t *buf, size_t cap, size_t *len)
{
    return demo_link_recv(((host *)ctx)->link, buf, cap, len);
}

static uint64_t xp_now(void *ctx)
{
    return demo_wire_now_ms(((host *)ctx)->d->wire);
}

/* The host connects (a new TCP connection) and sets up a new session and
 * tree connect: the link carries the messages, the client registers them. */
static bool host_connect(host *h, uint64_t session_id, uint32_t tree_id)
{
    demo *d = h->d;
    h->session_id = session_id;
    h->tree_id = tree_id;
    int rc = d->nlinks < MAX_LINKS
                 ? demo_link_open(d->wire, h->ip, h->name, DIALECT, session_id, h->user,
                                  strlen(h->user), tree_id, &h->link)
                 : RSVD_E_LIMIT;
    if (rc == RSVD_OK) {
        d->links[d->nlinks++] = h->link; /* freed at the end: events name them */
        smb2_transport t = {xp_send, xp_recv, xp_now, h};
        rc = smb2_client_attach(h->c, &t, FIRST_MESSAGE_ID, CREDITS_AFTER_SETUP, session_id,
                                tree_id);
    }
    char what[96], detail[96];
    snprintf(what, sizeof what, "connects from %u.%u.%u.%u:%u", h->ip[0], h->ip[1], h->ip[2],
             h->ip[3], rc == RSVD_OK ? demo_link_port(h->link) : 0);
    snprintf(detail, sizeof detail, "SMB 3.0.2, SessionId 0x%016llx",
             (unsigned long long)session_id);
    line(d, h->name, what, rc == RSVD_OK ? "connected" : rsvd_error_name(rc), detail);
    return check(d, rc == RSVD_OK, "%s cannot connect: %s", h->name, rsvd_strerror(rc));
}

/* The connection is lost under the host's feet: RST, the server and the
 * client are told. */
static void host_drop(host *h)
{
    demo *d = h->d;
    char what[64];
    snprintf(what, sizeof what, "connection from port %u", demo_link_port(h->link));
    line(d, h->name, what, "lost (RST)", NULL);
    demo_link_drop(h->link);
    smb2_client_detached(h->c);
    h->link = NULL;
}

/* ---- SCSI commands through the tunnel ------------------------------------------ */

static uint32_t prout(host *h, smb2_open *o, enum rsvd_scsi_prout_action sa, uint8_t type,
                      uint64_t key, uint64_t sa_key, smb2_scsi_result *r)
{
    uint8_t cdb[RSVD_SCSI_CDB_MAX], param[RSVD_SCSI_PROUT_PARAM_LEN];
    int n = rsvd_scsi_cdb_prout(cdb, sizeof cdb, sa, RSVD_SCSI_PR_SCOPE_LU, type,
                                RSVD_SCSI_PROUT_PARAM_LEN);
    rsvd_scsi_prout_params p = {key, sa_key, false, false, false};
    if (n < 0 || rsvd_scsi_prout_params_encode(&p, param, sizeof param) < 0)
        return RSVD_STATUS_INVALID_PARAMETER;
    smb2_scsi_cmd cmd = {cdb, (uint8_t)n, RSVD_SCSI_DATA_OUT, param, sizeof param, 0};
    return smb2_client_scsi(h->c, o, &cmd, r);
}

/* Prints and checks a tunnelled SCSI command: SMB2 success, tunnel header
 * success, the SCSI status @p want. The status shown is the tunnel
 * header's. */
static bool expect_scsi(demo *d, host *h, const char *what, uint32_t st,
                        const smb2_scsi_result *r, uint8_t want, const char *more)
{
    char s[48], detail[160];
    uint32_t shown = st == RSVD_STATUS_SUCCESS ? r->t.hdr.status : st;
    bool body = st == RSVD_STATUS_SUCCESS && r->t.hdr.status == RSVD_STATUS_SUCCESS;
    snprintf(detail, sizeof detail, "ScsiStatus 0x%02X %s%s%s", r->r.scsi_status,
             scsi_status_name(r->r.scsi_status), more ? ", " : "", more ? more : "");
    line(d, h->name, what, status_str(shown, s, sizeof s), body ? detail : NULL);
    return check(d, body && r->r.scsi_status == want,
                 "%s %s: got %s ScsiStatus 0x%02X, want STATUS_SUCCESS ScsiStatus 0x%02X",
                 h->name, what, s, body ? r->r.scsi_status : 0xFFu, want);
}

/* ---- the steps ------------------------------------------------------------------- */

static bool step1_open(demo *d)
{
    title(d, 1, "A and B open the shared disk, each with its InitiatorId; M opens it without one");
    host *hosts[] = {&d->a, &d->b, &d->m};
    for (size_t i = 0; i < 3; i++) {
        host *h = hosts[i];
        smb2_disk_open_args a = {h->has_initiator ? &h->initiator : NULL, h->machine, NULL};
        rsvd_svhdx_open_device_context echo;
        uint32_t st = smb2_client_open_disk(h->c, DEMO_DISK_NAME, &a, &h->disk, &echo);
        char what[96], detail[128], g[40];
        snprintf(what, sizeof what, "CREATE %s%s%s", DEMO_DISK_NAME,
                 RSVD_SHARED_VIRTUAL_DISK_SUFFIX, h->has_initiator ? "" : " (no InitiatorId)");
        guid_str(&h->initiator, g, sizeof g);
        if (h->has_initiator)
            snprintf(detail, sizeof detail, "InitiatorId %s, FileId 0x%llx", g,
                     (unsigned long long)h->disk.file_id.persistent_id);
        else
            snprintf(detail, sizeof detail, "HasInitiatorId 0, FileId 0x%llx",
                     (unsigned long long)h->disk.file_id.persistent_id);
        if (!expect(d, h, what, st, RSVD_STATUS_SUCCESS, detail)) {
            const char *why = vdisk_why(&d->disk);
            if (why)
                printf("  the disk says: %s\n", why);
            return false;
        }
    }

    /* RSVD_TUNNEL_GET_INITIAL_INFO_OPERATION ([MS-RSVD] 3.1.4.4, 3.2.5.5.1). */
    smb2_tunnel_result t;
    uint32_t st = smb2_client_tunnel(d->a.c, &d->a.disk, RSVD_TUNNEL_GET_INITIAL_INFO_OPERATION,
                                     NULL, 0,
                                     RSVD_TUNNEL_MESSAGE_SIZE(
                                         RSVD_SVHDX_TUNNEL_INITIAL_INFO_RESPONSE_SIZE),
                                     &t);
    rsvd_svhdx_tunnel_initial_info_response info;
    memset(&info, 0, sizeof info);
    bool ok = st == RSVD_STATUS_SUCCESS && t.hdr.status == RSVD_STATUS_SUCCESS &&
              rsvd_svhdx_tunnel_initial_info_response_decode(t.body, t.body_len, &info) == RSVD_OK;
    char detail[128], s[48];
    snprintf(detail, sizeof detail, "ServerVersion %u, %u-byte sectors, %llu MiB",
             info.server_version, info.sector_size,
             (unsigned long long)(info.virtual_size >> 20));
    line(d, "A", rsvd_tunnel_opcode_name(RSVD_TUNNEL_GET_INITIAL_INFO_OPERATION),
         status_str(st == RSVD_STATUS_SUCCESS ? t.hdr.status : st, s, sizeof s),
         ok ? detail : NULL);
    d->virtual_size = info.virtual_size;
    check(d, ok && info.server_version == RSVD_PROTOCOL_VERSION_2 && info.sector_size >= 512 &&
                 info.virtual_size > 0,
          "A GET_INITIAL_INFO: got %s, ServerVersion %u, SectorSize %u", s, info.server_version,
          info.sector_size);

    /* FSCTL_QUERY_SHARED_VIRTUAL_DISK_SUPPORT ([MS-RSVD] 3.2.5.6). */
    rsvd_svhdx_shared_virtual_disk_support_response sup;
    memset(&sup, 0, sizeof sup);
    st = smb2_client_query_support(d->a.c, &d->a.disk, &sup);
    snprintf(detail, sizeof detail, "SharedVirtualDiskSupport 0x%X, HandleState 0x%X (%s)",
             sup.shared_virtual_disk_support, sup.shared_virtual_disk_handle_state,
             sup.shared_virtual_disk_handle_state == RSVD_HANDLE_STATE_SHARED ? "shared by this open"
                                                                                : "?");
    expect(d, &d->a, "FSCTL_QUERY_SHARED_VIRTUAL_DISK_SUPPORT", st, RSVD_STATUS_SUCCESS, detail);
    check(d, sup.shared_virtual_disk_support == RSVD_SHARED_VIRTUAL_DISK_SNAPSHOTS_SUPPORTED &&
                 sup.shared_virtual_disk_handle_state == RSVD_HANDLE_STATE_SHARED,
          "query support: got 0x%X/0x%X, want 0x7/0x3", sup.shared_virtual_disk_support,
          sup.shared_virtual_disk_handle_state);
    return true;
}

static bool step2_reserve(demo *d)
{
    title(d, 2, "A and B register their keys; A reserves the disk (Write Exclusive)");
    host *hosts[] = {&d->a, &d->b};
    char what[96];
    smb2_scsi_result r;
    for (size_t i = 0; i < 2; i++) {
        host *h = hosts[i];
        uint32_t st = prout(h, &h->disk, RSVD_SCSI_PROUT_REGISTER, 0, 0, h->pr_key, &r);
        snprintf(what, sizeof what, "SCSI PERSISTENT RESERVE OUT REGISTER key 0x%llX",
                 (unsigned long long)h->pr_key);
        if (!expect_scsi(d, h, what, st, &r, RSVD_SCSI_STATUS_GOOD, NULL))
            return false;
    }
    uint32_t st = prout(&d->a, &d->a.disk, RSVD_SCSI_PROUT_RESERVE, RSVD_SCSI_PR_WRITE_EXCLUSIVE,
                        d->a.pr_key, 0, &r);
    if (!expect_scsi(d, &d->a, "SCSI PERSISTENT RESERVE OUT RESERVE", st, &r,
                     RSVD_SCSI_STATUS_GOOD, "WRITE EXCLUSIVE"))
        return false;

    /* B looks: PERSISTENT RESERVE IN READ RESERVATION (data in). */
    uint8_t cdb[RSVD_SCSI_CDB_MAX];
    int n = rsvd_scsi_cdb_prin(cdb, sizeof cdb, RSVD_SCSI_PRIN_READ_RESERVATION, 24);
    smb2_scsi_cmd cmd = {cdb, (uint8_t)(n > 0 ? n : 0), RSVD_SCSI_DATA_IN, NULL, 0, 24};
    st = smb2_client_scsi(d->b.c, &d->b.disk, &cmd, &r);
    rsvd_scsi_prin_reservation res;
    memset(&res, 0, sizeof res);
    bool decoded = st == RSVD_STATUS_SUCCESS && r.t.hdr.status == RSVD_STATUS_SUCCESS &&
                   r.r.scsi_status == RSVD_SCSI_STATUS_GOOD &&
                   rsvd_scsi_prin_reservation_decode(r.r.data_buffer, r.r.data_transfer_length,
                                                     &res) == RSVD_OK;
    char more[96];
    snprintf(more, sizeof more, "held by key 0x%llX, %s", (unsigned long long)res.reservation_key,
             res.reserved ? rsvd_scsi_pr_type_name(res.type) : "none");
    expect_scsi(d, &d->b, "SCSI PERSISTENT RESERVE IN READ RESERVATION", st, &r,
                RSVD_SCSI_STATUS_GOOD, decoded ? more : NULL);
    check(d, decoded && res.reserved && res.reservation_key == d->a.pr_key &&
                 res.type == RSVD_SCSI_PR_WRITE_EXCLUSIVE,
          "B READ RESERVATION: want A's key 0x%llX holding WRITE EXCLUSIVE",
          (unsigned long long)d->a.pr_key);
    return true;
}

static bool step3_writes(demo *d)
{
    title(d, 3, "A writes; B's writes meet A's reservation; B may still read");
    char detail[96];
    uint32_t count = 0, got = 0;
    uint32_t st = smb2_client_write(d->a.c, &d->a.disk, 0, d->data_a, IO_SIZE, &count);
    snprintf(detail, sizeof detail, "%u bytes written", count);
    expect(d, &d->a, "SMB2 WRITE 4 KiB @0", st, RSVD_STATUS_SUCCESS, detail);
    check(d, count == IO_SIZE, "A WRITE: %u bytes written, want %u", count, IO_SIZE);

    /* [MS-RSVD] 3.2.5.4: a write denied by a persistent reservation. */
    st = smb2_client_write(d->b.c, &d->b.disk, 0, d->data_b, IO_SIZE, &count);
    expect(d, &d->b, "SMB2 WRITE 4 KiB @0", st, RSVD_STATUS_SVHDX_RESERVATION_CONFLICT,
           "MS-RSVD 3.2.5.4");

    /* The same through the tunnel: the SCSI status itself comes back. */
    uint8_t cdb[RSVD_SCSI_CDB_MAX];
    int n = rsvd_scsi_cdb_write10(cdb, sizeof cdb, 8, 1, 0);
    smb2_scsi_cmd cmd = {cdb, (uint8_t)(n > 0 ? n : 0), RSVD_SCSI_DATA_OUT, d->data_b, 512, 0};
    smb2_scsi_result r;
    st = smb2_client_scsi(d->b.c, &d->b.disk, &cmd, &r);
    snprintf(detail, sizeof detail, "SrbStatus 0x%02X", r.r.srb_status);
    expect_scsi(d, &d->b, "SCSI WRITE(10) LBA 8, 1 block", st, &r,
                RSVD_SCSI_STATUS_RESERVATION_CONFLICT, detail);

    /* WRITE EXCLUSIVE leaves reading to everyone. */
    uint8_t buf[IO_SIZE];
    st = smb2_client_read(d->b.c, &d->b.disk, 0, buf, IO_SIZE, &got);
    bool same = got == IO_SIZE && memcmp(buf, d->data_a, IO_SIZE) == 0;
    snprintf(detail, sizeof detail, "%u bytes, %s", got, same ? "the data A wrote" : "NOT A's data");
    expect(d, &d->b, "SMB2 READ 4 KiB @0", st, RSVD_STATUS_SUCCESS, detail);
    check(d, same, "B READ: the data is not what A wrote");
    return true;
}

static bool step4_sense(demo *d)
{
    title(d, 4, "M, without an InitiatorId, writes; the stored sense error is fetched back");
    uint32_t count = 0;
    uint32_t st = smb2_client_write(d->m.c, &d->m.disk, 0, d->data_m, IO_SIZE, &count);
    bool stored = rsvd_status_is_error_stored(st);
    uint8_t key = (uint8_t)(st & 0xFFu);
    expect(d, &d->m, "SMB2 WRITE 4 KiB @0", st, RSVD_STATUS_SVHDX_ERROR_STORED | 0x01u,
           "MS-RSVD 3.2.5.4: the first StatusKey is 0x01");
    if (!stored)
        return true;

    /* RSVD_TUNNEL_SRB_STATUS_OPERATION with that key ([MS-RSVD] 3.2.5.5.3). */
    rsvd_svhdx_tunnel_srb_status_request q = {key};
    uint8_t body[RSVD_SVHDX_TUNNEL_SRB_STATUS_REQUEST_SIZE];
    size_t n = 0;
    (void)rsvd_svhdx_tunnel_srb_status_request_encode(&q, body, sizeof body, &n);
    smb2_tunnel_result t;
    st = smb2_client_tunnel(d->m.c, &d->m.disk, RSVD_TUNNEL_SRB_STATUS_OPERATION, body, n,
                            RSVD_TUNNEL_MESSAGE_SIZE(RSVD_SVHDX_TUNNEL_SRB_STATUS_RESPONSE_SIZE),
                            &t);
    rsvd_svhdx_tunnel_srb_status_response r;
    memset(&r, 0, sizeof r);
    bool ok = st == RSVD_STATUS_SUCCESS && t.hdr.status == RSVD_STATUS_SUCCESS &&
              rsvd_svhdx_tunnel_srb_status_response_decode(t.body, t.body_len, &r) == RSVD_OK;
    char what[96], detail[192], sense[96], s[48];
    snprintf(what, sizeof what, "%s key 0x%02X",
             rsvd_tunnel_opcode_name(RSVD_TUNNEL_SRB_STATUS_OPERATION), key);
    hex(r.sense_data_ex, ok ? r.sense_info_ex_length : 0, sense, sizeof sense);
    snprintf(detail, sizeof detail, "SrbStatus 0x%02X, ScsiStatus 0x%02X %s, sense %s",
             r.srb_status, r.scsi_status, scsi_status_name(r.scsi_status), sense);
    line(d, "M", what, status_str(st == RSVD_STATUS_SUCCESS ? t.hdr.status : st, s, sizeof s),
         ok ? detail : NULL);
    /* Windows' values for I/O without an initiator (<14>, docs/decisions.md). */
    static const uint8_t want_sense[8] = {0xF0, 0, 0, 0, 0, 0, 0, 0x0A};
    check(d, ok && r.status_key == key && r.srb_status == RSVD_SRB_STATUS_ABORTED &&
                 r.scsi_status == RSVD_SCSI_STATUS_CHECK_CONDITION &&
                 r.sense_info_ex_length == RSVD_SCSI_SENSE_BUFFER_SIZE &&
                 memcmp(r.sense_data_ex, want_sense, sizeof want_sense) == 0,
          "M SRB_STATUS: got %s, key 0x%02X, SrbStatus 0x%02X, ScsiStatus 0x%02X", s,
          r.status_key, r.srb_status, r.scsi_status);
    return true;
}

static bool step5_resilient(demo *d)
{
    title(d, 5, "A locks its VM's configuration file, makes the open resilient, and it survives "
                "a lost connection");
    host *a = &d->a;
    char detail[160], what[96];
    uint32_t st = smb2_client_open_file(a->c, "vm-a.vmcx", &a->cfg);
    snprintf(detail, sizeof detail, "FileId 0x%llx/0x%llx",
             (unsigned long long)a->cfg.file_id.persistent_id,
             (unsigned long long)a->cfg.file_id.volatile_id);
    if (!expect(d, a, "CREATE vm-a.vmcx", st, RSVD_STATUS_SUCCESS, detail))
        return false;
    const rsvd_smb2_fileid before = a->cfg.file_id;

    /* A byte-range lock on it, before the open is resilient: LockSequence
     * 0, no bucket ([MS-SMB2] 3.2.4.19). */
    rsvd_smb2_lock_element e = {0, IO_SIZE, RSVD_SMB2_LOCKFLAG_EXCLUSIVE_LOCK};
    uint32_t seq = 0;
    st = smb2_client_lock(a->c, &a->cfg, &e, 1, true, &seq);
    snprintf(detail, sizeof detail, "LockSequence 0x%02X (not resilient yet: no bucket)", seq);
    expect(d, a, "LOCK vm-a.vmcx 4 KiB @0 exclusive", st, RSVD_STATUS_SUCCESS, detail);
    check(d, seq == 0, "A's first LOCK carries LockSequence 0x%02X, want 0", seq);

    st = smb2_client_request_resiliency(a->c, &a->cfg, RESILIENCY_A_MS);
    snprintf(what, sizeof what, "FSCTL_LMR_REQUEST_RESILIENCY %u ms", RESILIENCY_A_MS);
    expect(d, a, what, st, RSVD_STATUS_SUCCESS, "the open is resilient");

    /* MS-RSVD 3.2.4: no byte-range locks on a shared virtual disk. */
    st = smb2_client_lock(a->c, &a->disk, &e, 1, true, &seq);
    expect(d, a, "LOCK cluster.vhdx:SharedVirtualDisk 4 KiB @0", st,
           RSVD_STATUS_LOCK_NOT_GRANTED, "MS-RSVD 3.2.4");

    /* The network fails right after the next LOCK reaches the server: the
     * server applies it, its answer is lost, the connection drops. */
    demo_link_cut(a->link);
    e.offset = IO_SIZE;
    uint32_t lost_seq = 0;
    st = smb2_client_lock(a->c, &a->cfg, &e, 1, false, &lost_seq);
    snprintf(detail, sizeof detail, "LockSequence 0x%02X (index %u, number %u); the answer is lost",
             lost_seq, rsvd_smb2_lock_seq_index(lost_seq), rsvd_smb2_lock_seq_number(lost_seq));
    line(d, "A", "LOCK vm-a.vmcx 4 KiB @4 KiB exclusive", "(sent)", detail);
    check(d, st == RSVD_STATUS_PENDING && rsvd_smb2_lock_seq_index(lost_seq) == 1,
          "A's second LOCK was not sent with a bucket (LockSequence 0x%02X)", lost_seq);
    size_t locks = smb2_dispatch_locks_held(d->srv, before.persistent_id);
    check(d, locks == 2, "the server holds %zu locks on vm-a.vmcx, want 2", locks);

    size_t sev = d->nsev, cev = d->ncev;
    host_drop(a);
    /* [MS-SMB2] 3.3.7.1: the resilient open is kept; A's shared-disk open,
     * neither durable nor resilient, is closed through MS-RSVD 3.2.5.2. */
    bool disk_closed = false, kept = false;
    for (size_t i = sev; i < d->nsev; i++) {
        const server_ev *x = &d->sev[i];
        if (x->kind == SMB2_DISPATCH_EV_CLOSED && x->shared_disk &&
            x->reason == RSVD_RES_CLOSE_DISCONNECT &&
            x->status == RSVD_STATUS_SUCCESS && strcmp(x->who, "A") == 0)
            disk_closed = true;
        if (x->kind == SMB2_DISPATCH_EV_CONN_LOST && x->kept == 1)
            kept = true;
    }
    check(d, disk_closed, "A's shared-disk open was not closed through the RSVD close path");
    check(d, kept && d->nsev - sev == 2, "the server did not keep exactly A's resilient open");
    bool gave_up_disk = false;
    for (size_t i = cev; i < d->ncev; i++)
        gave_up_disk |= strcmp(d->cev[i].who, "A") == 0 &&
                        d->cev[i].reason == RSVD_RES_LOST_NOT_DURABLE &&
                        strstr(d->cev[i].name, "SharedVirtualDisk") != NULL;
    check(d, gave_up_disk && d->ncev - cev == 1, "A's client did not give up exactly its disk open");

    /* Five seconds later, well within the 60 s: the scavenger has nothing
     * to do; A reconnects with the durable reconnect context. */
    demo_wire_advance(d->wire, 5000);
    out(d, "  -- 5 s later --\n");
    size_t closed = smb2_dispatch_handle_expiry(d->srv);
    check(d, closed == 0, "the scavenger closed %zu opens before their deadline", closed);
    if (!host_connect(a, 0x00001000000000A2ull, 5))
        return false;
    st = smb2_client_reconnect(a->c, &a->cfg);
    snprintf(detail, sizeof detail, "DHnC; same FileId.Persistent 0x%llx, new Volatile 0x%llx",
             (unsigned long long)a->cfg.file_id.persistent_id,
             (unsigned long long)a->cfg.file_id.volatile_id);
    if (!expect(d, a, "CREATE vm-a.vmcx (reconnect)", st, RSVD_STATUS_SUCCESS, detail))
        return false;
    check(d, a->cfg.file_id.persistent_id == before.persistent_id &&
                 a->cfg.file_id.volatile_id != before.volatile_id,
          "the reconnected open has FileId 0x%llx/0x%llx",
          (unsigned long long)a->cfg.file_id.persistent_id,
          (unsigned long long)a->cfg.file_id.volatile_id);

    /* [MS-SMB2] 3.2.4.4 / 3.3.5.14: the LOCK goes again with its
     * LockSequence; the server recognises it and locks nothing. */
    st = smb2_client_resend_lock(a->c, &a->cfg, &seq);
    snprintf(detail, sizeof detail, "LockSequence 0x%02X replayed; locks held: %zu", seq,
             smb2_dispatch_locks_held(d->srv, before.persistent_id));
    expect(d, a, "LOCK vm-a.vmcx 4 KiB @4 KiB (re-sent)", st, RSVD_STATUS_SUCCESS, detail);
    locks = smb2_dispatch_locks_held(d->srv, before.persistent_id);
    check(d, seq == lost_seq && locks == 2,
          "replay: LockSequence 0x%02X (sent 0x%02X), %zu locks held, want 2", seq, lost_seq,
          locks);
    check(d, smb2_client_resend_lock(a->c, &a->cfg, &seq) == SMB2_CLIENT_NOTHING_TO_RESEND,
          "A's client has more LOCKs to re-send");
    return true;
}

static bool step6_expiry(demo *d)
{
    title(d, 6, "B's resilient handle expires: B drops and does not come back");
    host *b = &d->b;
    char what[96];
    uint32_t st = smb2_client_open_file(b->c, "vm-b.vmcx", &b->cfg);
    if (!expect(d, b, "CREATE vm-b.vmcx", st, RSVD_STATUS_SUCCESS, NULL))
        return false;
    st = smb2_client_request_resiliency(b->c, &b->cfg, RESILIENCY_B_MS);
    snprintf(what, sizeof what, "FSCTL_LMR_REQUEST_RESILIENCY %u ms", RESILIENCY_B_MS);
    expect(d, b, what, st, RSVD_STATUS_SUCCESS, "the open is resilient");

    size_t sev = d->nsev;
    host_drop(b);
    bool disk_closed = false;
    for (size_t i = sev; i < d->nsev; i++)
        disk_closed |= d->sev[i].kind == SMB2_DISPATCH_EV_CLOSED && d->sev[i].shared_disk &&
                       d->sev[i].reason == RSVD_RES_CLOSE_DISCONNECT &&
                       strcmp(d->sev[i].who, "B") == 0;
    check(d, disk_closed, "B's shared-disk open was not closed through the RSVD close path");

    /* The open lives through its deadline; the clock moves past it. */
    uint64_t due = smb2_dispatch_next_expiry(d->srv);
    uint64_t now = demo_wire_now_ms(d->wire);
    check(d, due == now + RESILIENCY_B_MS + 1, "the scavenger is due at +%lld ms, want +%u ms",
          (long long)(due - now), RESILIENCY_B_MS + 1);
    demo_wire_advance(d->wire, due - now);
    out(d, "  -- %llu ms later: past B's deadline --\n", (unsigned long long)(due - now));
    sev = d->nsev;
    size_t cev = d->ncev;
    size_t closed = smb2_dispatch_handle_expiry(d->srv);
    size_t lost = smb2_client_expire(b->c);
    bool expired = d->nsev - sev == 1 && d->sev[sev].reason == RSVD_RES_CLOSE_EXPIRED &&
                   strcmp(d->sev[sev].name, "vm-b.vmcx") == 0;
    check(d, closed == 1 && expired, "the scavenger closed %zu opens, want B's vm-b.vmcx", closed);
    check(d, lost == 1 && d->ncev - cev == 1 && d->cev[cev].reason == RSVD_RES_LOST_TIMEOUT,
          "B's client gave up %zu opens, want vm-b.vmcx (timeout)", lost);
    rsvd_res_client_open_info info = RSVD_STRUCT_INIT(rsvd_res_client_open_info);
    check(d, smb2_client_open_info(d->a.c, &d->a.cfg, &info) &&
                 info.state == RSVD_RES_CLIENT_OPEN_CONNECTED,
          "A's open was touched by B's expiry");
    return true;
}

/* READ RESERVATION through @p o: the reservation held, for a check. */
static bool read_reservation(demo *d, host *h, smb2_open *o, rsvd_scsi_prin_reservation *res)
{
    uint8_t cdb[RSVD_SCSI_CDB_MAX];
    int n = rsvd_scsi_cdb_prin(cdb, sizeof cdb, RSVD_SCSI_PRIN_READ_RESERVATION, 24);
    smb2_scsi_cmd cmd = {cdb, (uint8_t)(n > 0 ? n : 0), RSVD_SCSI_DATA_IN, NULL, 0, 24};
    smb2_scsi_result r;
    uint32_t st = smb2_client_scsi(h->c, o, &cmd, &r);
    memset(res, 0, sizeof *res);
    bool decoded = st == RSVD_STATUS_SUCCESS && r.t.hdr.status == RSVD_STATUS_SUCCESS &&
                   r.r.scsi_status == RSVD_SCSI_STATUS_GOOD &&
                   rsvd_scsi_prin_reservation_decode(r.r.data_buffer, r.r.data_transfer_length,
                                                     res) == RSVD_OK;
    char more[96];
    snprintf(more, sizeof more, "held by key 0x%llX, %s", (unsigned long long)res->reservation_key,
             res->reserved ? rsvd_scsi_pr_type_name(res->type) : "none");
    expect_scsi(d, h, "SCSI PERSISTENT RESERVE IN READ RESERVATION", st, &r,
                RSVD_SCSI_STATUS_GOOD, decoded ? more : NULL);
    return decoded;
}

static bool step7_persistent(demo *d)
{
    title(d, 7, "A opens the shared disk with a persistent handle; it survives a lost "
                "connection and keeps A's reservation");
    host *a = &d->a;
    char detail[160];
    /* [MS-SMB2] 3.2.4.3.5 on a continuously available share: DH2Q with
     * PERSISTENT and a new CreateGuid, beside the SVHDX context. */
    static const rsvd_guid create_guid = {{0x7E, 0x57, 0x00, 0xA0, 0x11, 0x22, 0x33, 0x44, 0x55,
                                           0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xA1}};
    smb2_disk_open_args args = {&a->initiator, a->machine, &create_guid};
    rsvd_svhdx_open_device_context echo;
    uint32_t st = smb2_client_open_disk(a->c, DEMO_DISK_NAME, &args, &a->pdisk, &echo);
    snprintf(detail, sizeof detail, "DH2Q: persistent handle granted, Timeout %u ms",
             a->pdisk.durable_timeout_ms);
    if (!expect(d, a, "CREATE cluster.vhdx:SharedVirtualDisk + DH2Q", st, RSVD_STATUS_SUCCESS,
                detail))
        return false;
    check(d, a->pdisk.persistent, "A's DH2Q PERSISTENT got no persistent handle");
    const rsvd_smb2_fileid before = a->pdisk.file_id;

    size_t sev = d->nsev;
    host_drop(a);
    /* [MS-SMB2] 3.3.7.1: the persistent open is preserved with its RSVD
     * Open (no RSVD close), beside the resilient vm-a.vmcx. */
    bool disk_closed = false;
    uint32_t kept = 0;
    for (size_t i = sev; i < d->nsev; i++) {
        disk_closed |= d->sev[i].kind == SMB2_DISPATCH_EV_CLOSED && d->sev[i].shared_disk;
        if (d->sev[i].kind == SMB2_DISPATCH_EV_CONN_LOST)
            kept = d->sev[i].kept;
    }
    check(d, !disk_closed && kept == 2,
          "the server closed A's persistent disk open, or kept %u opens, want 2", kept);
    smb2_dispatch_stats ds;
    smb2_dispatch_get_stats(d->srv, &ds);
    check(d, ds.res.persistent == 1 && ds.rsvd_opens == 2,
          "persistent opens %u (want 1), RSVD opens %zu (want 2: A's and M's)", ds.res.persistent,
          ds.rsvd_opens);

    demo_wire_advance(d->wire, 5000);
    out(d, "  -- 5 s later --\n");
    if (!host_connect(a, 0x00001000000000A3ull, 7))
        return false;
    st = smb2_client_reconnect(a->c, &a->cfg);
    expect(d, a, "CREATE vm-a.vmcx (reconnect)", st, RSVD_STATUS_SUCCESS, "DHnC");
    /* [MS-SMB2] 3.3.5.9.12 and [MS-RSVD] 3.2.5.1: DH2C, no SVHDX context;
     * the RSVD server finds the Open by its LocalOpen. */
    st = smb2_client_reclaim_persistent(a->c, &a->pdisk);
    snprintf(detail, sizeof detail,
             "DH2C, no SVHDX context; same FileId.Persistent 0x%llx, new Volatile 0x%llx",
             (unsigned long long)a->pdisk.file_id.persistent_id,
             (unsigned long long)a->pdisk.file_id.volatile_id);
    if (!expect(d, a, "CREATE cluster.vhdx:SharedVirtualDisk (reclaim)", st,
                RSVD_STATUS_SUCCESS, detail))
        return false;
    check(d, a->pdisk.file_id.persistent_id == before.persistent_id &&
                 a->pdisk.file_id.volatile_id != before.volatile_id,
          "the reclaimed open has FileId 0x%llx/0x%llx",
          (unsigned long long)a->pdisk.file_id.persistent_id,
          (unsigned long long)a->pdisk.file_id.volatile_id);

    /* The same InitiatorId and backend handle: A's registration and
     * reservation hold. */
    rsvd_scsi_prin_reservation res;
    bool decoded = read_reservation(d, a, &a->pdisk, &res);
    check(d, decoded && res.reserved && res.reservation_key == a->pr_key &&
                 res.type == RSVD_SCSI_PR_WRITE_EXCLUSIVE,
          "after the reclaim: want A's key 0x%llX holding WRITE EXCLUSIVE",
          (unsigned long long)a->pr_key);
    uint32_t count = 0;
    st = smb2_client_write(a->c, &a->pdisk, 2 * IO_SIZE, d->data_a, IO_SIZE, &count);
    snprintf(detail, sizeof detail, "%u bytes written: the reservation holder", count);
    expect(d, a, "SMB2 WRITE 4 KiB @8 KiB", st, RSVD_STATUS_SUCCESS, detail);
    return true;
}

/* ---- version 2: M backs the disk up ([MS-RSVD] 3.1.4.12 - 3.1.4.27) ------------------- */

/* The snapshots, transactions and change log of step 8. */
#define SNAP_1 0x51
#define SNAP_2 0x52
#define TXN_1 0x61
#define TXN_2 0x62
#define TXN_CONVERT 0x63
#define LOG_ID 0x4C
/* Where A writes between the two snapshots. */
#define CHANGE_1 (64u * 1024u)
#define CHANGE_2 (1024u * 1024u)

static rsvd_guid demo_guid(uint8_t n)
{
    rsvd_guid g;
    memset(g.b, n, sizeof g.b);
    g.b[0] = 0xD0; /* Data1 0x..D0: readable in a capture */
    return g;
}

/* Prints a tunnel operation's line and checks SMB2 success with the header
 * Status @p want. */
static bool expect_tunnel(demo *d, host *h, const char *what, uint32_t st,
                          const smb2_tunnel_result *t, uint32_t want, const char *detail)
{
    char s[48], w[48];
    uint32_t shown = st == RSVD_STATUS_SUCCESS ? t->hdr.status : st;
    line(d, h->name, what, status_str(shown, s, sizeof s), shown == want ? detail : NULL);
    return check(d, st == RSVD_STATUS_SUCCESS && t->hdr.status == want, "%s %s: got %s, want %s",
                 h->name, what, s, status_str(want, w, sizeof w));
}

/* META_OPERATION_START of a VM snapshot, on the async FSCTL: Initialize
 * (with change tracking), then BlockIO to Finalize, as Windows takes one
 * (example 4.3; [MS-RSVD] 3.1.4.12). */
static bool vm_snapshot(demo *d, host *h, smb2_open *o, uint8_t txn, uint8_t id)
{
    static const uint32_t stages[2][6] = {
        {RSVD_SVHDX_SNAPSHOT_STAGE_INITIALIZE},
        {RSVD_SVHDX_SNAPSHOT_STAGE_BLOCK_IO, RSVD_SVHDX_SNAPSHOT_STAGE_SWITCH_OBJECT_STORE,
         RSVD_SVHDX_SNAPSHOT_STAGE_UNBLOCK_IO, RSVD_SVHDX_SNAPSHOT_STAGE_FINALIZE}};
    static const char *const what[2] = {"START CreateSnapshot VM: Initialize",
                                        "START CreateSnapshot VM: BlockIO .. Finalize"};
    for (int i = 0; i < 2; i++) {
        rsvd_svhdx_meta_operation_create_snapshot c;
        memset(&c, 0, sizeof c);
        c.snapshot_type = RSVD_SVHDX_SNAPSHOT_TYPE_VM;
        c.flags = i == 0 ? RSVD_SVHDX_SNAPSHOT_DISK_FLAG_ENABLE_CHANGE_TRACKING : 0;
        memcpy(c.stage, stages[i], sizeof c.stage);
        c.snapshot_id = demo_guid(id);
        uint8_t data[RSVD_SVHDX_META_OPERATION_CREATE_SNAPSHOT_FIXED_SIZE], body[128];
        size_t n = 0, m = 0;
        rsvd_svhdx_meta_operation_start_request s = {demo_guid(txn),
                                                     RSVD_SVHDX_META_OPERATION_TYPE_CREATE_SNAPSHOT,
                                                     data, 0};
        if (rsvd_svhdx_meta_operation_create_snapshot_encode(&c, data, sizeof data, &n) !=
                RSVD_OK ||
            (s.data_len = n,
             rsvd_svhdx_meta_operation_start_request_encode(&s, body, sizeof body, &m)) != RSVD_OK)
            return check(d, false, "cannot encode a snapshot request");
        smb2_tunnel_result t;
        uint32_t st = smb2_client_tunnel_async(h->c, o, RSVD_TUNNEL_META_OPERATION_START, body, m,
                                               64, &t);
        char g[40], detail[96];
        guid_str(&c.snapshot_id, g, sizeof g);
        snprintf(detail, sizeof detail, "SnapshotId %s%s", g,
                 i == 0 ? ", change tracking" : "");
        if (!expect_tunnel(d, h, what[i], st, &t, RSVD_STATUS_SUCCESS, detail))
            return false;
    }
    return true;
}

static bool step8_backup(demo *d)
{
    title(d, 8, "M backs the disk up: a VHD set, snapshots with change tracking around A's "
                "writes, exactly the ranges A wrote");
    host *m = &d->m, *a = &d->a;
    if (!d->disk.version2) {
        line(d, "M", "(skipped)", "",
             "this disk keeps no snapshots: version-2 operations need the built-in disk");
        smb2_disk_open_args args = {&a->initiator, a->machine, NULL};
        rsvd_svhdx_open_device_context echo;
        uint32_t st = smb2_client_open_disk(a->c, DEMO_DISK_NAME, &args, &a->disk, &echo);
        return expect(d, a, "CREATE cluster.vhdx:SharedVirtualDisk", st, RSVD_STATUS_SUCCESS,
                      NULL);
    }
    char detail[200], what[96];
    smb2_tunnel_result t;
    size_t interims_before;
    smb2_dispatch_stats ds;
    smb2_dispatch_get_stats(d->srv, &ds);
    interims_before = ds.interims;

    /* 1. ConvertToVHDSet ([MS-RSVD] 3.1.4.17): the disk answers to
     * cluster.vhds from now on. */
    uint8_t name[64], data[96], body[160];
    size_t nl = 0, n = 0, bl = 0;
    static const char set16[] = DEMO_SET_NAME;
    for (size_t i = 0; i < sizeof set16; i++) { /* NUL-terminated UTF-16 */
        name[nl++] = (uint8_t)set16[i];
        name[nl++] = 0;
    }
    rsvd_svhdx_meta_operation_convert_to_vhdset cv = {(uint32_t)nl, name};
    rsvd_svhdx_meta_operation_start_request sr = {
        demo_guid(TXN_CONVERT), RSVD_SVHDX_META_OPERATION_TYPE_CONVERT_TO_VHDSET, data, 0};
    if (rsvd_svhdx_meta_operation_convert_to_vhdset_encode(&cv, data, sizeof data, &n) != RSVD_OK ||
        (sr.data_len = n, rsvd_svhdx_meta_operation_start_request_encode(&sr, body, sizeof body,
                                                                          &bl)) != RSVD_OK)
        return check(d, false, "cannot encode the convert request");
    uint32_t st =
        smb2_client_tunnel_async(m->c, &m->disk, RSVD_TUNNEL_META_OPERATION_START, body, bl, 64, &t);
    if (!expect_tunnel(d, m, "START ConvertToVHDSet " DEMO_SET_NAME, st, &t, RSVD_STATUS_SUCCESS,
                       "on the async FSCTL: interim STATUS_PENDING, then the answer"))
        return false;

    /* 2. The VHD set opened with the V2 context: the response carries the
     * disk's geometry and the server's version ([MS-RSVD] 3.2.5.1). */
    smb2_disk_open_args args = {NULL, m->machine, NULL};
    rsvd_svhdx_open_device_context echo;
    st = smb2_client_open_disk_v2(m->c, DEMO_SET_NAME, &args, &m->set, &echo);
    snprintf(detail, sizeof detail,
             "V2 context: ServerServiceVersion %u, %u/%u-byte sectors, %llu MiB",
             echo.server_service_version, echo.virtual_sector_size, echo.physical_sector_size,
             (unsigned long long)(echo.virtual_size >> 20));
    if (!expect(d, m, "CREATE " DEMO_SET_NAME ":SharedVirtualDisk", st, RSVD_STATUS_SUCCESS,
                detail))
        return false;
    check(d, echo.virtual_disk_properties_initialized && echo.server_service_version == 2 &&
                 echo.virtual_sector_size == 512 && echo.virtual_size == d->virtual_size,
          "V2 response: initialized %u, version %u, sectors %u, size %llu",
          echo.virtual_disk_properties_initialized, echo.server_service_version,
          echo.virtual_sector_size, (unsigned long long)echo.virtual_size);

    /* 3. CHANGE_TRACKING_START ([MS-RSVD] 3.1.4.22). */
    rsvd_svhdx_change_tracking_start_request cs;
    memset(&cs, 0, sizeof cs);
    cs.transaction_id = demo_guid(0x64);
    cs.log_file_name_offset = RSVD_SVHDX_CHANGE_TRACKING_START_REQUEST_FIXED_SIZE;
    cs.log_file_id = demo_guid(LOG_ID);
    if (rsvd_svhdx_change_tracking_start_request_encode(&cs, body, sizeof body, &n) != RSVD_OK)
        return check(d, false, "cannot encode the change-tracking start");
    st = smb2_client_tunnel(m->c, &m->set, RSVD_TUNNEL_CHANGE_TRACKING_START, body, n, 64, &t);
    if (!expect_tunnel(d, m, "CHANGE_TRACKING_START", st, &t, RSVD_STATUS_SUCCESS, NULL))
        return false;

    /* 4. The first snapshot, the baseline of the backup. */
    if (!vm_snapshot(d, m, &m->set, TXN_1, SNAP_1))
        return false;

    /* 5. A, the guest, writes in two places. */
    smb2_disk_open_args aa = {&a->initiator, a->machine, NULL};
    st = smb2_client_open_disk(a->c, DEMO_DISK_NAME, &aa, &a->disk, &echo);
    if (!expect(d, a, "CREATE cluster.vhdx:SharedVirtualDisk", st, RSVD_STATUS_SUCCESS, NULL))
        return false;
    const uint32_t at[2] = {CHANGE_1, CHANGE_2};
    for (int i = 0; i < 2; i++) {
        uint32_t count = 0;
        st = smb2_client_write(a->c, &a->disk, at[i], d->data_a, IO_SIZE, &count);
        snprintf(what, sizeof what, "SMB2 WRITE 4 KiB @%u KiB", at[i] / 1024u);
        expect(d, a, what, st, RSVD_STATUS_SUCCESS, NULL);
    }

    /* 6. The second snapshot; its progress is complete. */
    if (!vm_snapshot(d, m, &m->set, TXN_2, SNAP_2))
        return false;
    rsvd_guid txn = demo_guid(TXN_2);
    st = smb2_client_tunnel(m->c, &m->set, RSVD_TUNNEL_META_OPERATION_QUERY_PROGRESS, txn.b, 16,
                            32, &t);
    rsvd_svhdx_meta_operation_query_progress_response pr;
    memset(&pr, 0, sizeof pr);
    bool done = st == RSVD_STATUS_SUCCESS && t.hdr.status == RSVD_STATUS_SUCCESS &&
                rsvd_svhdx_meta_operation_query_progress_response_decode(t.body, t.body_len,
                                                                         &pr) == RSVD_OK &&
                pr.current_progress_value == pr.complete_value;
    snprintf(detail, sizeof detail, "%llu of %llu", (unsigned long long)pr.current_progress_value,
             (unsigned long long)pr.complete_value);
    expect_tunnel(d, m, "META_OPERATION_QUERY_PROGRESS (2nd snapshot)", st, &t,
                  RSVD_STATUS_SUCCESS, detail);
    check(d, done, "the second snapshot's progress is not complete");

    /* 7. The changes between the two snapshots: exactly A's two writes
     * ([MS-RSVD] 3.1.4.26, 3.2.5.5.14). */
    rsvd_svhdx_tunnel_query_virtual_disk_changes_request cq = {
        demo_guid(SNAP_2), demo_guid(SNAP_1), RSVD_SVHDX_SNAPSHOT_TYPE_VM, 0, d->virtual_size};
    if (rsvd_svhdx_tunnel_query_virtual_disk_changes_request_encode(&cq, body, sizeof body, &n) !=
        RSVD_OK)
        return check(d, false, "cannot encode the changes query");
    st = smb2_client_tunnel(m->c, &m->set, RSVD_TUNNEL_QUERY_VIRTUAL_DISK_CHANGES, body, n, 1024,
                            &t);
    rsvd_svhdx_tunnel_query_virtual_disk_changes_reply cr;
    memset(&cr, 0, sizeof cr);
    rsvd_svhdx_virtual_disk_changed_range r0 = {0, 0}, r1 = {0, 0};
    bool exact = st == RSVD_STATUS_SUCCESS && t.hdr.status == RSVD_STATUS_SUCCESS &&
                 rsvd_svhdx_tunnel_query_virtual_disk_changes_reply_decode(t.body, t.body_len,
                                                                           &cr) == RSVD_OK &&
                 cr.range_count == 2 &&
                 rsvd_svhdx_tunnel_query_virtual_disk_changes_reply_range(&cr, 0, &r0) ==
                     RSVD_OK &&
                 rsvd_svhdx_tunnel_query_virtual_disk_changes_reply_range(&cr, 1, &r1) ==
                     RSVD_OK &&
                 r0.byte_offset == CHANGE_1 && r0.byte_length == IO_SIZE &&
                 r1.byte_offset == CHANGE_2 && r1.byte_length == IO_SIZE &&
                 cr.processed_byte_length == d->virtual_size;
    snprintf(detail, sizeof detail, "%u ranges: %llu KiB @%llu KiB, %llu KiB @%llu KiB",
             cr.range_count, (unsigned long long)(r0.byte_length >> 10),
             (unsigned long long)(r0.byte_offset >> 10), (unsigned long long)(r1.byte_length >> 10),
             (unsigned long long)(r1.byte_offset >> 10));
    expect_tunnel(d, m, "QUERY_VIRTUAL_DISK_CHANGES 1st .. 2nd snapshot", st, &t,
                  RSVD_STATUS_SUCCESS, detail);
    check(d, exact, "the changed ranges are not exactly A's two writes");

    /* 8. The first snapshot still reads as it was: M opens the VHD set at
     * it with a target specifier ([MS-RSVD] 3.1.4.24, 3.2.5.7) and reads
     * where A wrote since. */
    smb2_open snap;
    rsvd_guid sid = demo_guid(SNAP_1);
    st = smb2_client_open_snapshot(m->c, DEMO_SET_NAME, RSVD_SVHDX_SNAPSHOT_TYPE_VM, &sid, &snap);
    if (!expect(d, m, "CREATE " DEMO_SET_NAME " @snapshot 1 (EA)", st,
                RSVD_STATUS_SUCCESS, "RSVD_TARGET_SPECIFIER_EA in an SMB2_CREATE_EA_BUFFER"))
        return false;
    uint8_t buf[IO_SIZE], zero[IO_SIZE];
    uint32_t got = 0;
    memset(zero, 0, sizeof zero);
    st = smb2_client_read(m->c, &snap, CHANGE_1, buf, IO_SIZE, &got);
    bool old_data = st == RSVD_STATUS_SUCCESS && got == IO_SIZE && memcmp(buf, zero, IO_SIZE) == 0;
    expect(d, m, "SMB2 READ 4 KiB @64 KiB of snapshot 1", st, RSVD_STATUS_SUCCESS,
           old_data ? "zeros: the data before A's write" : NULL);
    check(d, old_data, "the first snapshot does not read as it was before A's write");
    expect(d, m, "CLOSE " DEMO_SET_NAME " @snapshot 1",
           smb2_client_close(m->c, &snap), RSVD_STATUS_SUCCESS, NULL);

    /* 9. The VHD set lists both snapshots ([MS-RSVD] 3.1.4.18). */
    rsvd_svhdx_tunnel_vhdset_query_information_request vq = {
        RSVD_SVHDX_VHDSET_INFORMATION_TYPE_SNAPSHOT_LIST, RSVD_SVHDX_SNAPSHOT_TYPE_VM,
        demo_guid(0)};
    if (rsvd_svhdx_tunnel_vhdset_query_information_request_encode(&vq, body, sizeof body, &n) !=
        RSVD_OK)
        return check(d, false, "cannot encode the VHD-set query");
    st = smb2_client_tunnel(m->c, &m->set, RSVD_TUNNEL_VHDSET_QUERY_INFORMATION, body, n, 256, &t);
    rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response vl;
    memset(&vl, 0, sizeof vl);
    rsvd_guid s0, s1;
    bool listed =
        st == RSVD_STATUS_SUCCESS && t.hdr.status == RSVD_STATUS_SUCCESS &&
        rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response_decode(
            t.body, t.body_len, &vl) == RSVD_OK &&
        vl.response_complete == 1 && vl.number_of_snapshots == 2 &&
        rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response_snapshot_id(&vl, 0,
                                                                                      &s0) ==
            RSVD_OK &&
        rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response_snapshot_id(&vl, 1,
                                                                                      &s1) ==
            RSVD_OK;
    rsvd_guid w0 = demo_guid(SNAP_1), w1 = demo_guid(SNAP_2);
    snprintf(detail, sizeof detail, "SnapshotList: %u snapshots, complete", vl.number_of_snapshots);
    expect_tunnel(d, m, "VHDSET_QUERY_INFORMATION SnapshotList", st, &t, RSVD_STATUS_SUCCESS,
                  detail);
    check(d, listed && rsvd_guid_equal(&s0, &w0) && rsvd_guid_equal(&s1, &w1),
          "the VHD set does not list the two snapshots, oldest first");

    /* 10. The baseline goes; tracking stops; M closes the VHD set. */
    rsvd_svhdx_tunnel_delete_snapshot_request del = {demo_guid(SNAP_1), 0,
                                                     RSVD_SVHDX_SNAPSHOT_TYPE_VM};
    if (rsvd_svhdx_tunnel_delete_snapshot_request_encode(&del, body, sizeof body, &n) != RSVD_OK)
        return check(d, false, "cannot encode the delete");
    st = smb2_client_tunnel(m->c, &m->set, RSVD_TUNNEL_DELETE_SNAPSHOT, body, n, 64, &t);
    expect_tunnel(d, m, "DELETE_SNAPSHOT 1st snapshot", st, &t, RSVD_STATUS_SUCCESS, NULL);
    st = smb2_client_tunnel(m->c, &m->set, RSVD_TUNNEL_CHANGE_TRACKING_STOP, NULL, 0, 64, &t);
    rsvd_svhdx_change_tracking_stop_response stop;
    memset(&stop, 0, sizeof stop);
    bool stopped = st == RSVD_STATUS_SUCCESS &&
                   rsvd_svhdx_change_tracking_stop_response_decode(t.body, t.body_len, &stop) ==
                       RSVD_OK &&
                   stop.change_tracking_status == RSVD_STATUS_SUCCESS;
    expect_tunnel(d, m, "CHANGE_TRACKING_STOP", st, &t, RSVD_STATUS_SUCCESS,
                  "ChangeTrackingStatus STATUS_SUCCESS");
    check(d, stopped, "CHANGE_TRACKING_STOP: ChangeTrackingStatus 0x%08X", stop.change_tracking_status);
    expect(d, m, "CLOSE " DEMO_SET_NAME ":SharedVirtualDisk", smb2_client_close(m->c, &m->set),
           RSVD_STATUS_SUCCESS, NULL);

    /* [MS-SMB2] 3.3.4.2: every START went asynchronous (an interim response
     * each), nothing else did. */
    smb2_dispatch_get_stats(d->srv, &ds);
    check(d, ds.interims - interims_before == 5, "%zu interim responses, want 5 (one per START)",
          (size_t)(ds.interims - interims_before));
    return true;
}

static bool step9_close(demo *d)
{
    title(d, 9, "the cluster shuts down: A clears the reservations; everything is closed");
    host *a = &d->a;
    uint32_t st;
    smb2_scsi_result r;
    st = prout(a, &a->disk, RSVD_SCSI_PROUT_CLEAR, 0, a->pr_key, 0, &r);
    expect_scsi(d, a, "SCSI PERSISTENT RESERVE OUT CLEAR", st, &r, RSVD_SCSI_STATUS_GOOD,
                "no key, no reservation left");
    expect(d, a, "CLOSE cluster.vhdx:SharedVirtualDisk", smb2_client_close(a->c, &a->disk),
           RSVD_STATUS_SUCCESS, NULL);
    expect(d, a, "CLOSE cluster.vhdx:SharedVirtualDisk (persistent)",
           smb2_client_close(a->c, &a->pdisk), RSVD_STATUS_SUCCESS, NULL);
    expect(d, a, "CLOSE vm-a.vmcx", smb2_client_close(a->c, &a->cfg), RSVD_STATUS_SUCCESS,
           "its locks are released");
    expect(d, &d->m, "CLOSE cluster.vhdx:SharedVirtualDisk", smb2_client_close(d->m.c, &d->m.disk),
           RSVD_STATUS_SUCCESS, NULL);
    host *done[] = {a, &d->m};
    for (size_t i = 0; i < 2; i++) {
        char what[64];
        snprintf(what, sizeof what, "connection from port %u", demo_link_port(done[i]->link));
        line(d, done[i]->name, what, "closed (FIN)", NULL);
        demo_link_close(done[i]->link);
        smb2_client_detached(done[i]->c);
        done[i]->link = NULL;
    }

    smb2_dispatch_stats s;
    smb2_dispatch_get_stats(d->srv, &s);
    check(d, s.rsvd_opens == 0 && s.res.opens == 0 && s.file_opens == 0 && s.pending == 0,
          "opens left: RSVD %zu, SMB2 %u, files %zu; requests pending %u", s.rsvd_opens,
          s.res.opens, s.file_opens, s.pending);
    return true;
}

/* ---- the world ---------------------------------------------------------------------- */

static void host_init(host *h, demo *d, const char *name, const char *machine, const char *user,
                      uint8_t last_octet, const rsvd_guid *initiator, uint64_t key)
{
    h->d = d;
    h->name = name;
    h->machine = machine;
    h->user = user;
    const uint8_t ip[4] = {192, 168, 10, last_octet};
    memcpy(h->ip, ip, 4);
    h->has_initiator = initiator != NULL;
    if (initiator)
        h->initiator = *initiator;
    h->pr_key = key;
}

static int setup(demo *d)
{
    char err[400] = "";
    vdisk_config dc = {d->opt.disk, DEMO_DISK_NAME, "rsvd-demo", 0};
    int rc = vdisk_open(&d->disk, &dc, err, sizeof err);
    if (rc != RSVD_OK) {
        fprintf(stderr, "rsvd-demo: %s\n", err);
        return rc;
    }
    static const char cfg_a[] = "<VirtualMachine name=\"node-a\"/>\n";
    static const char cfg_b[] = "<VirtualMachine name=\"node-b\"/>\n";
    if ((rc = file_table_new(&d->files)) != RSVD_OK ||
        (rc = file_table_add(d->files, "vm-a.vmcx", cfg_a, sizeof cfg_a - 1)) != RSVD_OK ||
        (rc = file_table_add(d->files, "vm-b.vmcx", cfg_b, sizeof cfg_b - 1)) != RSVD_OK) {
        fprintf(stderr, "rsvd-demo: %s\n", rsvd_strerror(rc));
        return rc;
    }
    rc = demo_wire_new(d->opt.pcap, START_MS, &d->wire, err, sizeof err);
    if (rc != RSVD_OK) {
        fprintf(stderr, "rsvd-demo: %s\n", err);
        return rc;
    }
    /* The share is continuously available, as a Hyper-V cluster's is:
     * persistent handles are offered. */
    smb2_dispatch_config sc = {d->disk.ops, d->disk.ctx, d->files, server_send, d, server_event,
                             server_now, "vms", true, RSVD_PROTOCOL_VERSION_2};
    if ((rc = smb2_dispatch_new(&sc, &d->srv)) != RSVD_OK) {
        fprintf(stderr, "rsvd-demo: cannot create the server: %s\n", rsvd_strerror(rc));
        return rc;
    }
    demo_wire_set_server(d->wire, d->srv);

    static const rsvd_guid init_a = {{0x01, 0x00, 0x00, 0xA0, 0x00, 0x00, 0x00, 0x40, 0x80, 0x00,
                                      0x00, 0x00, 0x00, 0x00, 0x00, 0xA1}};
    static const rsvd_guid init_b = {{0x02, 0x00, 0x00, 0xB0, 0x00, 0x00, 0x00, 0x40, 0x80, 0x00,
                                      0x00, 0x00, 0x00, 0x00, 0x00, 0xB2}};
    host_init(&d->a, d, "A", "node-a", "CLUSTER\\node-a$", 11, &init_a, 0xA1);
    host_init(&d->b, d, "B", "node-b", "CLUSTER\\node-b$", 12, &init_b, 0xB2);
    host_init(&d->m, d, "M", "mgmt-1", "CLUSTER\\backup", 13, NULL, 0);
    host *hosts[] = {&d->a, &d->b, &d->m};
    for (size_t i = 0; i < 3; i++)
        if ((rc = smb2_client_new(hosts[i]->name, DIALECT, client_event, d, &hosts[i]->c)) !=
            RSVD_OK) {
            fprintf(stderr, "rsvd-demo: cannot create a client: %s\n", rsvd_strerror(rc));
            return rc;
        }
    memset(d->data_a, 0xA5, sizeof d->data_a);
    memset(d->data_b, 0xB5, sizeof d->data_b);
    memset(d->data_m, 0xC5, sizeof d->data_m);
    return RSVD_OK;
}

static void teardown(demo *d)
{
    host *hosts[] = {&d->a, &d->b, &d->m};
    for (size_t i = 0; i < 3; i++)
        smb2_client_free(hosts[i]->c);
    for (size_t i = 0; i < d->nlinks; i++)
        demo_link_free(d->links[i]); /* a link still up is closed */
    smb2_dispatch_free(d->srv);
    demo_wire_free(d->wire);
    file_table_free(d->files);
    vdisk_close(&d->disk);
}

static void summary(demo *d)
{
    demo_wire_stats w;
    demo_wire_get_stats(d->wire, &w);
    check(d, w.pcap_error == RSVD_OK, "the capture could not be written: %s",
          rsvd_strerror(w.pcap_error));
    out(d, "\nSummary\n");
    out(d, "  %u SMB2 requests, %u responses (%u lost with a connection), %u TCP connections "
           "(%u reset)\n",
        w.to_server, w.to_client, w.lost, w.flows, w.resets);
    if (d->opt.pcap)
        out(d, "  capture: %s  (open it in Wireshark, or: tshark -r %s)\n", d->opt.pcap,
            d->opt.pcap);
    if (d->failures == 0)
        printf("rsvd-demo: all %u checks passed: every answer was the one MS-RSVD and MS-SMB2 "
               "require\n",
               d->checks);
    else
        printf("rsvd-demo: %u of %u checks FAILED; the first: %s\n", d->failures, d->checks,
               d->first_failure);
}

int demo_scenario_run(const demo_options *opt)
{
    demo *d = calloc(1, sizeof *d);
    if (!d) {
        fprintf(stderr, "rsvd-demo: out of memory\n");
        return 2;
    }
    d->opt = *opt;
    if (setup(d) != RSVD_OK) {
        teardown(d);
        free(d);
        return 2;
    }
    out(d, "rsvd-demo %s: a guest cluster's shared virtual disk on an SMB 3 file server\n",
        rsvd_version());
    out(d, "  disk: %s\n", d->disk.description);
    out(d, "  hosts: A (node-a) and B (node-b), cluster nodes; M (mgmt-1), a management host\n");
    out(d, "  SCSI lines are %s requests. For RSVD tunnel operations the\n"
           "  status shown is the tunnel header's (the SMB2 IOCTL itself succeeded).\n"
           "  S lines are what the server did on its own.\n",
        rsvd_tunnel_opcode_name(RSVD_TUNNEL_SCSI_OPERATION));

    d->step = 0;
    d->step_title = "connect";
    out(d, "\nStep 0  the hosts connect (NEGOTIATE, SESSION_SETUP, TREE_CONNECT are the "
           "hosts' own, not shown)\n");
    bool ok = host_connect(&d->a, 0x00001000000000A1ull, 1) &&
              host_connect(&d->b, 0x00001000000000B1ull, 1) &&
              host_connect(&d->m, 0x00001000000000C1ull, 1);
    bool (*steps[])(demo *) = {step1_open,      step2_reserve,    step3_writes,
                               step4_sense,     step5_resilient,  step6_expiry,
                               step7_persistent, step8_backup,    step9_close};
    for (size_t i = 0; ok && i < sizeof steps / sizeof steps[0]; i++)
        ok = steps[i](d);
    if (!ok)
        check(d, false, "the scenario cannot go on");
    summary(d);
    int status = d->failures ? 1 : 0;
    teardown(d);
    free(d);
    return status;
}
