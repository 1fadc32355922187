/*
 * The integrator template of examples/common/ beyond what the examples run:
 * the dispatch's connections, sessions and tree connects as a host with
 * several of each drives them (each request finds its own session and tree
 * connect; TREE_DISCONNECT, LOGOFF and PreviousSessionId close what
 * [MS-SMB2] 3.3.5.8, 3.3.5.6 and 3.3.5.5.3 say), a durable v2 open granted
 * and reclaimed with DH2C, the commands it routes, and the disk set up from
 * a URI.
 *
 * Requests are built and answers read by the template's client
 * (smb2_client.c), one client per session, over an in-memory transport.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_rsvd.h>
#include <rsvd/wire_smb2.h>

#include "file_table.h"
#include "smb2_client.h"
#include "smb2_dispatch.h"
#include "vdisk.h"

#define MAX_EVENTS 16u

/* The server side: the dispatch over a file table, and what it reported. */
typedef struct server {
    smb2_dispatch *d;
    file_table *files;
    smb2_dispatch_event ev[MAX_EVENTS];
    char ev_name[MAX_EVENTS][64];
    size_t nev;
    uint64_t now;
} server;

/* One connection: the answers the dispatch sent on it, not yet read. */
typedef struct pipe_end {
    server *s;
    smb2_dispatch_conn *conn;
    uint8_t rsp[8][1024];
    size_t rsp_len[8];
    size_t nrsp;
} pipe_end;

/* One client: a session and tree connect over a link. */
typedef struct peer {
    pipe_end *l;
    smb2_client *c;
} peer;

static void on_send(void *ctx, void *conn_ctx, const uint8_t *msg, size_t len)
{
    (void)ctx;
    pipe_end *l = conn_ctx;
    assert_true(l->nrsp < 8 && len <= sizeof l->rsp[0]);
    memcpy(l->rsp[l->nrsp], msg, len);
    l->rsp_len[l->nrsp++] = len;
}

static void on_event(void *ctx, const smb2_dispatch_event *ev)
{
    server *s = ctx;
    assert_true(s->nev < MAX_EVENTS);
    s->ev[s->nev] = *ev;
    snprintf(s->ev_name[s->nev], sizeof s->ev_name[0], "%s", ev->name ? ev->name : "");
    s->ev[s->nev].name = s->ev_name[s->nev];
    s->nev++;
}

static uint64_t on_now(void *ctx)
{
    return ((server *)ctx)->now;
}

static int xp_send(void *ctx, const uint8_t *msg, size_t len)
{
    pipe_end *l = ctx;
    smb2_dispatch_receive(l->s->d, l->conn, msg, len);
    return RSVD_OK;
}

static int xp_recv(void *ctx, uint8_t *buf, size_t cap, size_t *len)
{
    pipe_end *l = ctx;
    if (l->nrsp == 0 || l->rsp_len[0] > cap)
        return RSVD_E_AGAIN;
    memcpy(buf, l->rsp[0], l->rsp_len[0]);
    *len = l->rsp_len[0];
    l->nrsp--;
    memmove(l->rsp[0], l->rsp[1], l->nrsp * sizeof l->rsp[0]);
    memmove(l->rsp_len, l->rsp_len + 1, l->nrsp * sizeof l->rsp_len[0]);
    return RSVD_OK;
}

static uint64_t xp_now(void *ctx)
{
    return ((pipe_end *)ctx)->s->now;
}

static int server_setup(void **state)
{
    server *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->now = 1000;
    assert_int_equal(file_table_new(&s->files), RSVD_OK);
    static const char content[] = "0123456789";
    const char *names[] = {"a.txt", "b.txt", "c.txt"};
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(file_table_add(s->files, names[i], content, sizeof content - 1),
                         RSVD_OK);
    smb2_dispatch_config cfg = {NULL,   NULL, s->files, on_send, s, on_event,
                                on_now, NULL, false,    RSVD_PROTOCOL_VERSION_1};
    assert_int_equal(smb2_dispatch_new(&cfg, &s->d), RSVD_OK);
    *state = s;
    return 0;
}

static int server_teardown(void **state)
{
    server *s = *state;
    smb2_dispatch_free(s->d);
    assert_int_equal(file_table_open_count(s->files), 0);
    file_table_free(s->files);
    free(s);
    return 0;
}

static pipe_end *link_new(server *s, uint16_t dialect)
{
    pipe_end *l = calloc(1, sizeof *l);
    assert_non_null(l);
    l->s = s;
    assert_int_equal(smb2_dispatch_conn_new(s->d, dialect, l, &l->conn), RSVD_OK);
    return l;
}

static void link_lost(pipe_end *l)
{
    smb2_dispatch_conn_lost(l->s->d, l->conn);
    free(l);
}

/* A client whose requests carry @p session_id and @p tree_id on @p l (the
 * dispatch may know neither). */
static peer peer_new(pipe_end *l, uint64_t session_id, uint32_t tree_id)
{
    peer p = {l, NULL};
    assert_int_equal(smb2_client_new("T", RSVD_SMB2_DIALECT_302, NULL, NULL, &p.c), RSVD_OK);
    smb2_transport t = {xp_send, xp_recv, xp_now, l};
    assert_int_equal(smb2_client_attach(p.c, &t, 3, 8, session_id, tree_id), RSVD_OK);
    return p;
}

static void peer_free(peer *p)
{
    smb2_client_detached(p->c);
    smb2_client_free(p->c);
}

static uint32_t read_some(peer *p, smb2_open *o)
{
    uint8_t buf[16];
    uint32_t got = 0;
    return smb2_client_read(p->c, o, 0, buf, sizeof buf, &got);
}

static const char alice[] = "S-1-5-21-1-1001";
static const char bob[] = "S-1-5-21-1-1002";

/* ---- routing ---------------------------------------------------------------------- */

static void handles_names_the_commands_it_routes_and_refuses_the_others(void **state)
{
    server *s = *state;
    const uint16_t routed[] = {RSVD_SMB2_CREATE, RSVD_SMB2_CLOSE, RSVD_SMB2_READ,
                               RSVD_SMB2_WRITE, RSVD_SMB2_LOCK, RSVD_SMB2_IOCTL,
                               RSVD_SMB2_QUERY_INFO, RSVD_SMB2_SET_INFO};
    for (size_t i = 0; i < sizeof routed / sizeof routed[0]; i++)
        assert_true(smb2_dispatch_handles(routed[i]));
    /* NEGOTIATE .. TREE_DISCONNECT (0..4), FLUSH (7), CANCEL (0x0C), ECHO
     * (0x0D), QUERY_DIRECTORY, CHANGE_NOTIFY, OPLOCK_BREAK are the host's. */
    const uint16_t hosts[] = {0, 1, 2, 3, 4, 7, 0x0C, 0x0D, 0x0E, 0x0F, 0x12};
    for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++)
        assert_false(smb2_dispatch_handles(hosts[i]));

    /* An ECHO handed over anyway is answered STATUS_NOT_SUPPORTED. */
    pipe_end *l = link_new(s, RSVD_SMB2_DIALECT_302);
    assert_int_equal(smb2_dispatch_session_add(s->d, l->conn, 7, alice, sizeof alice), RSVD_OK);
    assert_int_equal(smb2_dispatch_tree_add(s->d, l->conn, 7, 1), RSVD_OK);
    rsvd_smb2_hdr h;
    memset(&h, 0, sizeof h);
    h.command = 0x0D;
    h.credit = 1;
    h.message_id = 5;
    h.session_id = 7;
    h.tree_id = 1;
    uint8_t msg[RSVD_SMB2_HEADER_SIZE + 4] = {0};
    assert_int_equal(rsvd_smb2_hdr_encode(&h, msg, sizeof msg), RSVD_OK);
    msg[RSVD_SMB2_HEADER_SIZE] = 4; /* ECHO StructureSize */
    smb2_dispatch_receive(s->d, l->conn, msg, sizeof msg);
    assert_int_equal(l->nrsp, 1);
    rsvd_smb2_hdr r;
    assert_int_equal(rsvd_smb2_hdr_decode(l->rsp[0], l->rsp_len[0], &r), RSVD_OK);
    assert_true(rsvd_smb2_hdr_is_response(&r));
    assert_int_equal(r.message_id, 5);
    assert_int_equal(r.status, RSVD_STATUS_NOT_SUPPORTED);
    link_lost(l);
}

/* [MS-SMB2] 3.3.5.2.9, 3.3.5.2.11: each request finds its session and tree
 * connect among the connection's. */
static void each_request_finds_its_own_session_and_tree_connect(void **state)
{
    server *s = *state;
    pipe_end *l = link_new(s, RSVD_SMB2_DIALECT_302);
    assert_int_equal(smb2_dispatch_session_add(s->d, l->conn, 11, alice, sizeof alice), RSVD_OK);
    assert_int_equal(smb2_dispatch_session_add(s->d, l->conn, 12, bob, sizeof bob), RSVD_OK);
    assert_int_equal(smb2_dispatch_tree_add(s->d, l->conn, 11, 1), RSVD_OK);
    assert_int_equal(smb2_dispatch_tree_add(s->d, l->conn, 12, 2), RSVD_OK);
    peer a = peer_new(l, 11, 1), b = peer_new(l, 12, 2);
    peer wrong_tree = peer_new(l, 11, 2), no_session = peer_new(l, 13, 1);
    smb2_open oa, ob, x;
    assert_int_equal(smb2_client_open_file(a.c, "a.txt", &oa), RSVD_STATUS_SUCCESS);
    assert_int_equal(smb2_client_open_file(b.c, "b.txt", &ob), RSVD_STATUS_SUCCESS);
    assert_int_equal(smb2_client_open_file(wrong_tree.c, "c.txt", &x),
                     RSVD_STATUS_NETWORK_NAME_DELETED);
    assert_int_equal(smb2_client_open_file(no_session.c, "c.txt", &x),
                     RSVD_STATUS_USER_SESSION_DELETED);
    /* An open is reachable through its own session and tree only. */
    assert_int_equal(read_some(&a, &oa), RSVD_STATUS_SUCCESS);
    assert_int_equal(read_some(&b, &oa), RSVD_STATUS_FILE_CLOSED);
    assert_int_equal(smb2_client_close(a.c, &oa), RSVD_STATUS_SUCCESS);
    assert_int_equal(smb2_client_close(b.c, &ob), RSVD_STATUS_SUCCESS);
    peer *all[] = {&a, &b, &wrong_tree, &no_session};
    for (size_t i = 0; i < 4; i++)
        peer_free(all[i]);
    link_lost(l);
    assert_int_equal(s->nev, 1); /* the connection, with nothing to keep */
    assert_int_equal(s->ev[0].kind, SMB2_DISPATCH_EV_CONN_LOST);
    assert_int_equal(s->ev[0].kept, 0);
}

static void ids_in_use_unknown_ids_and_full_tables_are_refused(void **state)
{
    server *s = *state;
    pipe_end *l = link_new(s, RSVD_SMB2_DIALECT_302);
    assert_int_equal(smb2_dispatch_tree_add(s->d, l->conn, 21, 1), RSVD_E_NOENT);
    assert_int_equal(smb2_dispatch_logoff(s->d, l->conn, 21), RSVD_E_NOENT);
    assert_int_equal(smb2_dispatch_tree_disconnect(s->d, l->conn, 21, 1), RSVD_E_NOENT);
    for (uint64_t id = 1; id <= SMB2_DISPATCH_SESSIONS_MAX; id++)
        assert_int_equal(smb2_dispatch_session_add(s->d, l->conn, id, alice, sizeof alice),
                         RSVD_OK);
    assert_int_equal(smb2_dispatch_session_add(s->d, l->conn, 1, alice, sizeof alice),
                     RSVD_E_STATE);
    assert_int_equal(smb2_dispatch_session_add(s->d, l->conn, 99, alice, sizeof alice),
                     RSVD_E_LIMIT);
    for (uint32_t id = 1; id <= SMB2_DISPATCH_TREES_MAX; id++)
        assert_int_equal(smb2_dispatch_tree_add(s->d, l->conn, 1, id), RSVD_OK);
    assert_int_equal(smb2_dispatch_tree_add(s->d, l->conn, 1, 1), RSVD_E_STATE);
    assert_int_equal(smb2_dispatch_tree_add(s->d, l->conn, 1, 99), RSVD_E_LIMIT);
    assert_int_equal(smb2_dispatch_tree_disconnect(s->d, l->conn, 1, 99), RSVD_E_NOENT);
    /* A slot freed by LOGOFF takes a new session. */
    assert_int_equal(smb2_dispatch_logoff(s->d, l->conn, 3), RSVD_OK);
    assert_int_equal(smb2_dispatch_session_add(s->d, l->conn, 99, alice, sizeof alice), RSVD_OK);
    link_lost(l);
}

/* ---- what ends opens -------------------------------------------------------------- */

/* [MS-SMB2] 3.3.5.8: TREE_DISCONNECT closes the opens of that tree connect,
 * and only those. */
static void tree_disconnect_closes_the_opens_of_that_tree_only(void **state)
{
    server *s = *state;
    pipe_end *l = link_new(s, RSVD_SMB2_DIALECT_302);
    assert_int_equal(smb2_dispatch_session_add(s->d, l->conn, 31, alice, sizeof alice), RSVD_OK);
    assert_int_equal(smb2_dispatch_tree_add(s->d, l->conn, 31, 1), RSVD_OK);
    assert_int_equal(smb2_dispatch_tree_add(s->d, l->conn, 31, 2), RSVD_OK);
    peer t1 = peer_new(l, 31, 1), t2 = peer_new(l, 31, 2);
    smb2_open o1, o2;
    assert_int_equal(smb2_client_open_file(t1.c, "a.txt", &o1), RSVD_STATUS_SUCCESS);
    assert_int_equal(smb2_client_open_file(t2.c, "b.txt", &o2), RSVD_STATUS_SUCCESS);

    assert_int_equal(smb2_dispatch_tree_disconnect(s->d, l->conn, 31, 1), RSVD_OK);
    assert_int_equal(s->nev, 1);
    assert_int_equal(s->ev[0].kind, SMB2_DISPATCH_EV_CLOSED);
    assert_int_equal(s->ev[0].reason, RSVD_RES_CLOSE_TREE_DISCONNECT);
    assert_string_equal(s->ev[0].name, "a.txt");
    assert_false(s->ev[0].shared_disk);
    assert_int_equal(file_table_open_count(s->files), 1);
    /* The tree connect is gone; the other one still serves its open. */
    assert_int_equal(read_some(&t1, &o1), RSVD_STATUS_NETWORK_NAME_DELETED);
    assert_int_equal(read_some(&t2, &o2), RSVD_STATUS_SUCCESS);
    assert_int_equal(smb2_client_close(t2.c, &o2), RSVD_STATUS_SUCCESS);
    peer_free(&t1);
    peer_free(&t2);
    link_lost(l);
}

/* [MS-SMB2] 3.3.5.6: LOGOFF keeps a resilient open (detached, its deadline
 * running) and closes the others; the session is gone. */
static void logoff_keeps_resilient_opens_and_closes_the_others(void **state)
{
    server *s = *state;
    pipe_end *l = link_new(s, RSVD_SMB2_DIALECT_302);
    assert_int_equal(smb2_dispatch_session_add(s->d, l->conn, 41, alice, sizeof alice), RSVD_OK);
    assert_int_equal(smb2_dispatch_tree_add(s->d, l->conn, 41, 1), RSVD_OK);
    peer p = peer_new(l, 41, 1);
    smb2_open kept, closed;
    assert_int_equal(smb2_client_open_file(p.c, "a.txt", &kept), RSVD_STATUS_SUCCESS);
    assert_int_equal(smb2_client_open_file(p.c, "b.txt", &closed), RSVD_STATUS_SUCCESS);
    assert_int_equal(smb2_client_request_resiliency(p.c, &kept, 5000), RSVD_STATUS_SUCCESS);

    assert_int_equal(smb2_dispatch_logoff(s->d, l->conn, 41), RSVD_OK);
    assert_int_equal(s->nev, 1);
    assert_int_equal(s->ev[0].reason, RSVD_RES_CLOSE_LOGOFF);
    assert_string_equal(s->ev[0].name, "b.txt");
    smb2_dispatch_stats st;
    smb2_dispatch_get_stats(s->d, &st);
    assert_int_equal(st.res.detached, 1);
    assert_int_equal(st.file_opens, 1);
    assert_int_equal(read_some(&p, &kept), RSVD_STATUS_USER_SESSION_DELETED);

    /* Its deadline passes: the scavenger closes it. */
    s->now += 5001;
    assert_int_equal(smb2_dispatch_next_expiry(s->d), s->now);
    assert_int_equal(smb2_dispatch_handle_expiry(s->d), 1);
    assert_int_equal(s->ev[1].reason, RSVD_RES_CLOSE_EXPIRED);
    assert_string_equal(s->ev[1].name, "a.txt");
    peer_free(&p);
    link_lost(l);
}

/* [MS-SMB2] 3.3.5.9.10: a DH2Q with the batch oplock the dispatch grants
 * makes a durable v2 open (DH2Q response: Timeout 60000 ms, <344>; not
 * persistent); 3.3.7.1: a lost connection keeps it, detached; 3.3.5.9.12:
 * DH2C on a new connection reclaims it - same FileId.Persistent, a new
 * FileId.Volatile - and it reads what was written before. Without the
 * oplock no durable handle is granted. */
static void durable_v2_open_is_granted_with_a_batch_oplock_and_reclaimed_with_dh2c(void **state)
{
    server *s = *state;
    pipe_end *l = link_new(s, RSVD_SMB2_DIALECT_302);
    assert_int_equal(smb2_dispatch_session_add(s->d, l->conn, 61, alice, sizeof alice), RSVD_OK);
    assert_int_equal(smb2_dispatch_tree_add(s->d, l->conn, 61, 1), RSVD_OK);
    peer p = peer_new(l, 61, 1);
    const rsvd_guid guid = {{0xd2, 0x0c, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
                             0x0a, 0x0b, 0x0c, 0x0d, 0x0e}};
    smb2_open o, plain;
    assert_int_equal(smb2_client_open_file_durable(p.c, "a.txt", &guid, &o),
                     RSVD_STATUS_SUCCESS);
    assert_true(o.durable);
    assert_false(o.persistent);
    assert_int_equal(o.durable_timeout_ms, 60000);
    /* A second open of the file gets no batch oplock, so its DH2Q no
     * durable handle - and the first one's oplock keeps it out (the
     * template breaks no oplock). */
    const rsvd_guid guid2 = {{0xd2, 0x0c, 0x02}};
    assert_int_equal(smb2_client_open_file_durable(p.c, "a.txt", &guid2, &plain),
                     RSVD_STATUS_SHARING_VIOLATION);
    assert_int_equal(smb2_client_open_file_durable(p.c, "b.txt", &guid2, &plain),
                     RSVD_STATUS_SUCCESS);
    assert_true(plain.durable);
    assert_int_equal(smb2_client_close(p.c, &plain), RSVD_STATUS_SUCCESS);
    smb2_open none;
    assert_int_equal(smb2_client_open_file(p.c, "b.txt", &none), RSVD_STATUS_SUCCESS);
    assert_false(none.durable); /* asked for nothing */
    uint32_t count = 0;
    assert_int_equal(smb2_client_write(p.c, &o, 0, (const uint8_t *)"durable", 7, &count),
                     RSVD_STATUS_SUCCESS);
    rsvd_smb2_fileid before = o.file_id;

    /* The connection is lost: the durable open is kept, the plain one closed. */
    smb2_client_detached(p.c);
    link_lost(l);
    smb2_dispatch_stats st;
    smb2_dispatch_get_stats(s->d, &st);
    assert_int_equal(st.res.detached, 1);
    assert_int_equal(st.res.durable, 1);
    assert_int_equal(s->nev, 2);
    assert_int_equal(s->ev[0].kind, SMB2_DISPATCH_EV_CLOSED);
    assert_int_equal(s->ev[0].reason, RSVD_RES_CLOSE_DISCONNECT);
    assert_string_equal(s->ev[0].name, "b.txt");
    assert_int_equal(s->ev[1].kind, SMB2_DISPATCH_EV_CONN_LOST);
    assert_int_equal(s->ev[1].kept, 1);

    pipe_end *l2 = link_new(s, RSVD_SMB2_DIALECT_302);
    assert_int_equal(smb2_dispatch_session_add(s->d, l2->conn, 62, alice, sizeof alice),
                     RSVD_OK);
    assert_int_equal(smb2_dispatch_tree_add(s->d, l2->conn, 62, 1), RSVD_OK);
    smb2_transport t = {xp_send, xp_recv, xp_now, l2};
    assert_int_equal(smb2_client_attach(p.c, &t, 3, 8, 62, 1), RSVD_OK);
    assert_int_equal(smb2_client_reconnect(p.c, &o), RSVD_STATUS_SUCCESS);
    assert_int_equal(o.file_id.persistent_id, before.persistent_id);
    assert_int_not_equal(o.file_id.volatile_id, before.volatile_id);
    uint8_t buf[7];
    uint32_t got = 0;
    assert_int_equal(smb2_client_read(p.c, &o, 0, buf, sizeof buf, &got), RSVD_STATUS_SUCCESS);
    assert_int_equal(got, 7);
    assert_memory_equal(buf, "durable", 7);
    smb2_dispatch_get_stats(s->d, &st);
    assert_int_equal(st.res.detached, 0);
    assert_int_equal(smb2_client_close(p.c, &o), RSVD_STATUS_SUCCESS);
    peer_free(&p);
    link_lost(l2);
}

/* [MS-SMB2] 3.3.4.6: a detached durable open's batch oplock cannot be
 * broken - its client is gone -: another open of the file ends it
 * (DURABILITY_LOST), and gets the file. */
static void detached_durable_open_yields_to_another_open(void **state)
{
    server *s = *state;
    pipe_end *l = link_new(s, RSVD_SMB2_DIALECT_302);
    assert_int_equal(smb2_dispatch_session_add(s->d, l->conn, 71, alice, sizeof alice), RSVD_OK);
    assert_int_equal(smb2_dispatch_tree_add(s->d, l->conn, 71, 1), RSVD_OK);
    peer p = peer_new(l, 71, 1);
    const rsvd_guid guid = {{0xd2, 0x0c, 0x07}};
    smb2_open o;
    assert_int_equal(smb2_client_open_file_durable(p.c, "c.txt", &guid, &o),
                     RSVD_STATUS_SUCCESS);
    assert_true(o.durable);
    peer_free(&p);
    link_lost(l);
    assert_int_equal(s->nev, 1);
    assert_int_equal(s->ev[0].kind, SMB2_DISPATCH_EV_CONN_LOST);
    assert_int_equal(s->ev[0].kept, 1); /* kept, detached */

    pipe_end *l2 = link_new(s, RSVD_SMB2_DIALECT_302);
    assert_int_equal(smb2_dispatch_session_add(s->d, l2->conn, 72, bob, sizeof bob), RSVD_OK);
    assert_int_equal(smb2_dispatch_tree_add(s->d, l2->conn, 72, 1), RSVD_OK);
    peer b = peer_new(l2, 72, 1);
    smb2_open ob;
    assert_int_equal(smb2_client_open_file(b.c, "c.txt", &ob), RSVD_STATUS_SUCCESS);
    assert_int_equal(s->nev, 2);
    assert_int_equal(s->ev[1].kind, SMB2_DISPATCH_EV_CLOSED);
    assert_int_equal(s->ev[1].reason, RSVD_RES_CLOSE_DURABILITY_LOST);
    assert_string_equal(s->ev[1].name, "c.txt");
    assert_int_equal(smb2_client_close(b.c, &ob), RSVD_STATUS_SUCCESS);
    peer_free(&b);
    link_lost(l2);
}

/* [MS-SMB2] 3.3.5.5.3: a SESSION_SETUP naming a session of the same user in
 * PreviousSessionId removes it, on whichever connection; another user's is
 * left alone. */
static void previous_session_of_the_same_user_is_removed_on_any_connection(void **state)
{
    server *s = *state;
    pipe_end *old = link_new(s, RSVD_SMB2_DIALECT_302);
    pipe_end *cur = link_new(s, RSVD_SMB2_DIALECT_302);
    assert_int_equal(smb2_dispatch_session_add(s->d, old->conn, 51, alice, sizeof alice),
                     RSVD_OK);
    assert_int_equal(smb2_dispatch_tree_add(s->d, old->conn, 51, 1), RSVD_OK);
    peer p = peer_new(old, 51, 1);
    smb2_open o;
    assert_int_equal(smb2_client_open_file(p.c, "a.txt", &o), RSVD_STATUS_SUCCESS);

    bool removed = true;
    assert_int_equal(smb2_dispatch_session_add(s->d, cur->conn, 52, bob, sizeof bob), RSVD_OK);
    assert_int_equal(smb2_dispatch_previous_session(s->d, cur->conn, 52, 51, &removed), RSVD_OK);
    assert_false(removed); /* Bob's SESSION_SETUP: Alice's session stays */
    assert_int_equal(s->nev, 0);
    assert_int_equal(smb2_dispatch_previous_session(s->d, cur->conn, 52, 77, &removed), RSVD_OK);
    assert_false(removed); /* no such session */
    assert_int_equal(smb2_dispatch_previous_session(s->d, cur->conn, 77, 51, &removed),
                     RSVD_E_NOENT);

    assert_int_equal(smb2_dispatch_session_add(s->d, cur->conn, 53, alice, sizeof alice),
                     RSVD_OK);
    assert_int_equal(smb2_dispatch_previous_session(s->d, cur->conn, 53, 51, &removed), RSVD_OK);
    assert_true(removed);
    assert_int_equal(s->nev, 1);
    assert_int_equal(s->ev[0].reason, RSVD_RES_CLOSE_PREVIOUS_SESSION);
    assert_string_equal(s->ev[0].name, "a.txt");
    assert_int_equal(read_some(&p, &o), RSVD_STATUS_USER_SESSION_DELETED);
    peer_free(&p);
    link_lost(old);
    link_lost(cur);
}

/* ---- the disk from a URI -------------------------------------------------------- */

static void vdisk_refuses_what_it_does_not_understand(void **state)
{
    (void)state;
    char err[400];
    vdisk d;
    vdisk_config cfg = {"foo://x", "d.vhdx", "test-template", 0};
    assert_int_equal(vdisk_open(&d, &cfg, err, sizeof err), RSVD_E_INVAL);
    assert_non_null(strstr(err, "expected iscsi://"));
    cfg.uri = "iscsi://127.0.0.1:3260/no-lun";
#if EXAMPLES_HAVE_ISCSI
    assert_int_equal(vdisk_open(&d, &cfg, err, sizeof err), RSVD_E_INVAL);
    assert_non_null(strstr(err, "expected iscsi://HOST:PORT/IQN/LUN"));
#else
    assert_int_equal(vdisk_open(&d, &cfg, err, sizeof err), RSVD_E_NOTSUP);
    assert_non_null(strstr(err, "this test-template was built without the iSCSI backend"));
#endif
}

static void vdisk_builtin_disk_answers_to_its_name_and_removes_its_file(void **state)
{
    (void)state;
    char err[400] = "";
    vdisk d;
    vdisk_config cfg = {NULL, "shared.vhdx", "test-template", 1u << 20};
    assert_int_equal(vdisk_open(&d, &cfg, err, sizeof err), RSVD_OK);
    /* "built-in SCSI disk over DIR/test-template-XXXXXX/shared.img (1 MiB,
     * temporary)" */
    const char *over = strstr(d.description, " over ");
    const char *end = strstr(d.description, " (1 MiB, temporary)");
    assert_non_null(over);
    assert_non_null(end);
    char path[320];
    snprintf(path, sizeof path, "%.*s", (int)(end - over - 6), over + 6);
    assert_non_null(strstr(path, "/test-template-"));
    assert_string_equal(strrchr(path, '/'), "/shared.img");
    assert_int_equal(access(path, F_OK), 0);

    /* Behind a dispatch: the disk opens by its name, and by no other. */
    server s;
    memset(&s, 0, sizeof s);
    smb2_dispatch_config dc = {d.ops,  d.ctx, NULL,  on_send, &s, NULL,
                               on_now, NULL,  false, RSVD_PROTOCOL_VERSION_1};
    assert_int_equal(file_table_new(&dc.files), RSVD_OK);
    assert_int_equal(smb2_dispatch_new(&dc, &s.d), RSVD_OK);
    pipe_end *l = calloc(1, sizeof *l);
    assert_non_null(l);
    l->s = &s;
    assert_int_equal(smb2_dispatch_connect(s.d, RSVD_SMB2_DIALECT_302, 61, alice, sizeof alice,
                                           1, l, &l->conn),
                     RSVD_OK);
    peer p = peer_new(l, 61, 1);
    static const rsvd_guid initiator = {{1, 2, 3, 4}};
    smb2_disk_open_args args = {&initiator, "node-t", NULL};
    rsvd_svhdx_open_device_context echo;
    smb2_open o;
    assert_int_equal(smb2_client_open_disk(p.c, "other.vhdx", &args, &o, &echo),
                     RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(smb2_client_open_disk(p.c, "shared.vhdx", &args, &o, &echo),
                     RSVD_STATUS_SUCCESS);
    assert_int_equal(smb2_client_close(p.c, &o), RSVD_STATUS_SUCCESS);
    peer_free(&p);
    link_lost(l);
    smb2_dispatch_free(s.d);
    file_table_free(dc.files);

    vdisk_close(&d);
    assert_null(d.impl);
    assert_int_equal(access(path, F_OK), -1); /* the temporary file is gone */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            handles_names_the_commands_it_routes_and_refuses_the_others, server_setup,
            server_teardown),
        cmocka_unit_test_setup_teardown(each_request_finds_its_own_session_and_tree_connect,
                                        server_setup, server_teardown),
        cmocka_unit_test_setup_teardown(ids_in_use_unknown_ids_and_full_tables_are_refused,
                                        server_setup, server_teardown),
        cmocka_unit_test_setup_teardown(tree_disconnect_closes_the_opens_of_that_tree_only,
                                        server_setup, server_teardown),
        cmocka_unit_test_setup_teardown(
            durable_v2_open_is_granted_with_a_batch_oplock_and_reclaimed_with_dh2c, server_setup,
            server_teardown),
        cmocka_unit_test_setup_teardown(detached_durable_open_yields_to_another_open,
                                        server_setup, server_teardown),
        cmocka_unit_test_setup_teardown(logoff_keeps_resilient_opens_and_closes_the_others,
                                        server_setup, server_teardown),
        cmocka_unit_test_setup_teardown(
            previous_session_of_the_same_user_is_removed_on_any_connection, server_setup,
            server_teardown),
        cmocka_unit_test(vdisk_refuses_what_it_does_not_understand),
        cmocka_unit_test(vdisk_builtin_disk_answers_to_its_name_and_removes_its_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
