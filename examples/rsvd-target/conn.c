/*
 * rsvd-target: an SMB2 connection - the checks every request gets before
 * its command's handler ([MS-SMB2] 3.3.5.2), compounded requests and
 * responses (3.3.5.2.7, 3.3.4.1.3), credits (3.3.1.1, 3.3.1.2), signing
 * (3.3.4.1.1, 3.3.5.2.4), asynchronous answers (3.3.4.2) and CANCEL
 * (3.3.5.16).
 */
#include <stdlib.h>
#include <string.h>

#include "preserve.h"
#include "smb2_negotiate.h"
#include "smb2_query_directory.h"
#include "target.h"
#include "trace.h"
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire.h>
#include <rsvd/wire_smb2.h>

/* ---- the sequence window and credits ([MS-SMB2] 3.3.1.1, 3.3.1.2) ---------------- */

static bool seq_bit(const tgt_conn *c, uint64_t id)
{
    uint64_t i = id % c->seq_window;
    return (c->seq_used[i / 8] >> (i % 8)) & 1u;
}

static void seq_set(tgt_conn *c, uint64_t id, bool on)
{
    uint64_t i = id % c->seq_window;
    uint8_t m = (uint8_t)(1u << (i % 8));
    c->seq_used[i / 8] = on ? (uint8_t)(c->seq_used[i / 8] | m) : (uint8_t)(c->seq_used[i / 8] & ~m);
}

int tgt_conn_init(tgt_conn *c)
{
    tgt_list_init(&c->channels);
    tgt_list_init(&c->pending);
    /* Room for every credit a client may hold plus ids it used out of
     * order ([MS-SMB2] 3.3.1.1 <207>: the window may be capped). */
    c->seq_window = 2u * c->srv->cfg->limits.max_credits;
    c->seq_used = calloc(c->seq_window / 8u + 1u, 1);
    if (!c->seq_used)
        return -1;
    /* The window starts as {0}, with one credit ([MS-SMB2] 3.3.1.1, 3.3.1.2). */
    c->seq_low = 0;
    c->seq_high = 1;
    c->credits = 1;
    return 0;
}

/* [MS-SMB2] 3.3.5.2.3: MessageId (and, multi-credit, the CreditCharge ids
 * from it) must lie in the window and not have been used. */
static bool seq_take(tgt_conn *c, uint64_t id, uint32_t count)
{
    if (id < c->seq_low || id > c->seq_high || count > c->seq_high - id)
        return false;
    for (uint32_t i = 0; i < count; i++)
        if (seq_bit(c, id + i))
            return false;
    for (uint32_t i = 0; i < count; i++)
        seq_set(c, id + i, true);
    c->credits -= count;
    while (c->seq_low < c->seq_high && seq_bit(c, c->seq_low)) {
        seq_set(c, c->seq_low, false);
        c->seq_low++;
    }
    return true;
}

/* [MS-SMB2] 3.3.1.2: grant what the client asks for within the limit, and
 * never leave it without a credit. */
static uint16_t grant(tgt_conn *c, uint16_t requested)
{
    uint64_t max = c->srv->cfg->limits.max_credits;
    uint64_t room = c->seq_window - (c->seq_high - c->seq_low);
    uint64_t g = requested;
    if (c->credits + g > max)
        g = max > c->credits ? max - c->credits : 0;
    if (g > room)
        g = room;
    if (g == 0 && c->credits == 0 && room > 0)
        g = 1;
    c->credits += (uint32_t)g;
    c->seq_high += g;
    return (uint16_t)g;
}

uint16_t tgt_conn_smb1_credits(tgt_conn *c)
{
    /* [MS-SMB2] 3.3.5.2.3: SMB_COM_NEGOTIATE takes MessageId 0. */
    (void)seq_take(c, 0, 1);
    return grant(c, 1);
}

/* ---- answers ------------------------------------------------------------------------- */

rsvd_smb2_hdr tgt_rsp_hdr(const tgt_req *r, uint32_t status)
{
    rsvd_smb2_hdr h = r->hdr;
    h.status = status;
    h.flags = RSVD_SMB2_FLAGS_SERVER_TO_REDIR | (r->hdr.flags & RSVD_SMB2_FLAGS_RELATED_OPERATIONS);
    h.next_command = 0;
    h.credit = 0; /* set when sent */
    if (r->async) {
        h.flags |= RSVD_SMB2_FLAGS_ASYNC_COMMAND;
        h.async_id = r->async_id;
    } else {
        h.flags &= ~RSVD_SMB2_FLAGS_ASYNC_COMMAND;
        h.async_id = 0;
        h.tree_id = r->hdr.tree_id;
    }
    if (r->session)
        h.session_id = r->session->id;
    if (r->tree && !r->async)
        h.tree_id = r->tree->id;
    memset(h.signature, 0, sizeof h.signature);
    return h;
}

int tgt_req_reserve(tgt_req *r, size_t rsp_cap, size_t out_cap)
{
    if (rsp_cap > r->rsp_cap) {
        uint8_t *p = realloc(r->rsp, rsp_cap);
        if (!p)
            return -1;
        r->rsp = p;
        r->rsp_cap = rsp_cap;
    }
    if (out_cap > r->out_cap) {
        uint8_t *p = realloc(r->out, out_cap);
        if (!p)
            return -1;
        r->out = p;
        r->out_cap = out_cap;
    }
    return 0;
}

/* The response to @p r is signed ([MS-SMB2] 3.3.4.1.1): its session has a
 * key and the request was signed or the session requires signing. */
static bool must_sign(const tgt_req *r)
{
    const tgt_session *s = r->session;
    if (!s || !s->has_key || (s->flags & (TGT_SESSION_FLAG_GUEST_OR_NULL)))
        return false;
    if (s->state != TGT_SESSION_VALID && !r->force_sign)
        return false;
    return r->signed_req || s->signing_required || r->force_sign;
}

void tgt_req_free(tgt_req *r)
{
    if (!r)
        return;
    if (tgt_link_linked(&r->link)) {
        tgt_list_remove(&r->link);
        r->conn->npending--;
    }
    if (tgt_link_linked(&r->wait_link))
        tgt_list_remove(&r->wait_link);
    tgt_conn *c = r->conn;
    /* [MS-SMB2] 3.3.4.1: the request no longer counts on its open. */
    tgt_preserve_request_end(r->srv->pres, r);
    free(r->msg);
    free(r->rsp);
    free(r->out);
    free(r);
    tgt_conn_put(c);
}

/* Appends a response to the frame being answered, 8-byte aligned. */
static bool chain_append(tgt_chain *ch, const uint8_t *rsp, size_t len, bool sign,
                         const tgt_session *s)
{
    size_t off = (size_t)rsvd_wire_align8(ch->len);
    if (ch->count == TGT_CHAIN_MAX)
        return false;
    if (off + len > ch->cap) {
        size_t cap = ch->cap ? ch->cap : 4096;
        while (cap < off + len)
            cap *= 2;
        uint8_t *p = realloc(ch->buf, cap);
        if (!p)
            return false;
        ch->buf = p;
        ch->cap = cap;
    }
    memset(ch->buf + ch->len, 0, off - ch->len);
    memcpy(ch->buf + off, rsp, len);
    tgt_chain_entry *e = &ch->entries[ch->count++];
    e->offset = off;
    e->len = len;
    e->sign = sign;
    if (sign) {
        e->algo = s->algo;
        memcpy(e->key, s->signing_key, sizeof e->key);
    }
    ch->len = off + len;
    return true;
}

/* Sends the frame of a chain: NextCommand links, then each signed over its
 * bytes up to the next response ([MS-SMB2] 3.3.4.1.3, 3.3.4.1.1). */
static void chain_flush(tgt_conn *c, tgt_chain *ch)
{
    if (ch->count == 0)
        return;
    for (size_t i = 0; i < ch->count; i++) {
        tgt_chain_entry *e = &ch->entries[i];
        size_t span = i + 1 < ch->count ? ch->entries[i + 1].offset - e->offset : e->len;
        rsvd_wr w;
        rsvd_wr_init(&w, ch->buf + e->offset + 20, 4);
        rsvd_wr_u32(&w, i + 1 < ch->count ? (uint32_t)span : 0); /* NextCommand */
        if (e->sign)
            tgt_sign_message(e->algo, e->key, ch->buf + e->offset, span);
    }
    tgt_trace_message(c, false, ch->buf, ch->len);
    (void)tgt_conn_send_frame(c, ch->buf, ch->len);
}

void tgt_req_send(tgt_req *r, size_t len)
{
    tgt_conn *c = r->conn;
    /* Credits: granted now, except by the final answer of a request that
     * went async (its interim granted them, [MS-SMB2] 3.3.4.2). */
    uint16_t credits = r->async ? 0 : grant(c, r->hdr.credit);
    rsvd_rd rd;
    rsvd_rd_init(&rd, r->rsp, len);
    rsvd_rd_skip(&rd, 8);
    uint32_t status = rsvd_rd_u32(&rd);
    rsvd_wr w;
    rsvd_wr_init(&w, r->rsp, len);
    (void)rsvd_wr_take(&w, 14);
    rsvd_wr_u16(&w, credits); /* CreditResponse */
    bool sign = must_sign(r);
    tgt_log(r->srv, "%s -> %s %s mid %llu: %s%s", c->peer, tgt_command_name(r->hdr.command),
            r->async ? "(async)" : "", (unsigned long long)r->hdr.message_id,
            tgt_status_name(status), sign ? " signed" : "");
    if (r->chain) {
        r->chain->prev_status = status;
        r->chain->session = r->session;
        r->chain->tree = r->tree;
        if (!chain_append(r->chain, r->rsp, len, sign, r->session))
            tgt_conn_close(c, "a compound answer does not fit");
    } else if (!c->dead) {
        if (sign)
            tgt_sign_message(r->session->algo, r->session->signing_key, r->rsp, len);
        tgt_trace_message(c, false, r->rsp, len);
        (void)tgt_conn_send_frame(c, r->rsp, len);
    }
    tgt_req_free(r);
}

void tgt_req_fail(tgt_req *r, uint32_t status)
{
    /* [MS-SMB2] 3.3.4.4: the header and an ERROR body without data. */
    if (tgt_req_reserve(r, RSVD_SMB2_HEADER_SIZE + RSVD_SMB2_ERROR_STRUCTURE_SIZE, 0) != 0) {
        tgt_conn_close(r->conn, "out of memory");
        tgt_req_free(r);
        return;
    }
    rsvd_smb2_hdr h = tgt_rsp_hdr(r, status);
    size_t len = 0;
    if (rsvd_smb2_error_response_build(&h, status, 0, r->rsp, r->rsp_cap, &len) != RSVD_OK) {
        tgt_req_free(r);
        return;
    }
    tgt_req_send(r, len);
}

void tgt_req_encoded(tgt_req *r, int rc, const size_t *len)
{
    if (rc != RSVD_OK) {
        tgt_warn("cannot encode a %s response: %s", tgt_command_name(r->hdr.command),
                 rsvd_strerror(rc));
        tgt_req_fail(r, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        return;
    }
    tgt_req_send(r, *len);
}

/* [MS-SMB2] 3.3.4.2: an interim response (STATUS_PENDING, ASYNC, the
 * AsyncId, credits granted; not signed) and the request waits. */
void tgt_req_go_async(tgt_req *r)
{
    tgt_conn *c = r->conn;
    if (r->async)
        return;
    r->async = true;
    r->async_id = ++r->srv->next_async_id;
    tgt_list_append(&c->pending, &r->link);
    c->npending++;
    rsvd_smb2_hdr h = tgt_rsp_hdr(r, RSVD_STATUS_PENDING);
    h.credit = grant(c, r->hdr.credit);
    uint8_t rsp[RSVD_SMB2_HEADER_SIZE + RSVD_SMB2_ERROR_STRUCTURE_SIZE];
    size_t len = 0;
    if (rsvd_smb2_error_response_build(&h, RSVD_STATUS_PENDING, h.credit, rsp, sizeof rsp, &len) !=
        RSVD_OK)
        return;
    /* rsvd_smb2_error_response_build() gives an async request 0 credits. */
    rsvd_wr w;
    rsvd_wr_init(&w, rsp, len);
    (void)rsvd_wr_take(&w, 14);
    rsvd_wr_u16(&w, h.credit);
    tgt_log(r->srv, "%s -> %s mid %llu: STATUS_PENDING, async id %llu", c->peer,
            tgt_command_name(r->hdr.command), (unsigned long long)r->hdr.message_id,
            (unsigned long long)r->async_id);
    if (r->chain) {
        if (!chain_append(r->chain, rsp, len, false, NULL))
            tgt_conn_close(c, "a compound answer does not fit");
        r->chain->prev_status = RSVD_STATUS_PENDING;
        r->chain = NULL; /* the final answer is sent on its own */
    } else if (!c->dead) {
        tgt_trace_message(c, false, rsp, len);
        (void)tgt_conn_send_frame(c, rsp, len);
    }
}

/* [MS-SMB2] 3.3.5.2.5: CreditCharge covers the larger of what is sent and
 * what may come back, in 64 KiB units. */
bool tgt_req_charge_ok(const tgt_req *r, uint64_t send, uint64_t recv)
{
    if (!r->conn->supports_multi_credit)
        return true;
    uint64_t payload = send > recv ? send : recv;
    uint64_t needed = payload == 0 ? 1 : (payload - 1) / 65536u + 1;
    if (r->hdr.credit_charge == 0)
        return payload <= 65536u;
    return r->hdr.credit_charge >= needed;
}

tgt_open *tgt_req_open(tgt_req *r, const rsvd_smb2_fileid *fid)
{
    rsvd_smb2_fileid id = *fid;
    /* [MS-SMB2] 3.3.5.2.7.2: a related request's all-0xFF FileId is the one
     * the previous request used or created. */
    if (r->related && id.persistent_id == UINT64_MAX && id.volatile_id == UINT64_MAX &&
        r->chain && r->chain->have_file_id)
        id = r->chain->file_id;
    /* [MS-SMB2] 3.3.5.2.10: the channel sequence is the library's too. */
    tgt_preserve_request_end(r->srv->pres, r); /* a CREATE retried, say */
    tgt_open *o = tgt_preserve_request_begin(r->srv->pres, r, &id, &r->open_status);
    if (o && r->chain) {
        r->chain->file_id = id;
        r->chain->have_file_id = true;
    }
    r->file_id = id;
    r->open = o;
    return o;
}

/* ---- sessions ----------------------------------------------------------------------- */

tgt_session *tgt_session_find(tgt_server *srv, uint64_t id)
{
    tgt_link *k, *nk;
    TGT_LIST_FOREACH_SAFE(&srv->sessions, k, nk) {
        tgt_session *s = TGT_CONTAINER(k, tgt_session, link);
        if (s->id == id)
            return s;
    }
    return NULL;
}

/* The session @p id if it is bound to @p c ([MS-SMB2] 3.3.5.2.9: looked
 * up in Connection.SessionTable). */
static tgt_session *conn_session(tgt_conn *c, uint64_t id)
{
    tgt_link *k, *nk;
    TGT_LIST_FOREACH_SAFE(&c->channels, k, nk) {
        tgt_channel *ch = TGT_CONTAINER(k, tgt_channel, conn_link);
        if (ch->session->id == id)
            return ch->session;
    }
    return NULL;
}

static tgt_tree *session_tree(tgt_session *s, uint32_t id)
{
    tgt_link *k, *nk;
    TGT_LIST_FOREACH_SAFE(&s->trees, k, nk) {
        tgt_tree *t = TGT_CONTAINER(k, tgt_tree, link);
        if (t->id == id)
            return t;
    }
    return NULL;
}

/* ---- CANCEL ([MS-SMB2] 3.3.5.16) ----------------------------------------------------------- */

static void cancel(tgt_conn *c, const rsvd_smb2_hdr *h)
{
    tgt_link *k, *nk;
    TGT_LIST_FOREACH_SAFE(&c->pending, k, nk) {
        tgt_req *p = TGT_CONTAINER(k, tgt_req, link);
        bool match = (h->flags & RSVD_SMB2_FLAGS_ASYNC_COMMAND) ? p->async_id == h->async_id
                                                                : p->hdr.message_id == h->message_id;
        if (!match || p->cancelled)
            continue;
        /* A request whose session the CANCEL does not name is left alone. */
        if (p->session && p->session->id != h->session_id)
            return;
        p->cancelled = true;
        tgt_log(c->srv, "%s: CANCEL of %s mid %llu", c->peer, tgt_command_name(p->hdr.command),
                (unsigned long long)p->hdr.message_id);
        if (p->on_cancel)
            p->on_cancel(p); /* answers STATUS_CANCELLED */
        return;
    }
}

/* ---- one request -------------------------------------------------------------------------- */

/* What a request sends and may get back, for the CreditCharge check. */
static void payload_sizes(const tgt_req *r, uint64_t *send, uint64_t *recv)
{
    *send = *recv = 0;
    switch (r->hdr.command) {
    case RSVD_SMB2_READ: {
        rsvd_smb2_read_req q;
        if (rsvd_smb2_read_req_decode(r->msg, r->len, &q) == RSVD_OK) {
            *send = q.read_channel_info_length;
            *recv = q.length;
        }
        break;
    }
    case RSVD_SMB2_WRITE: {
        rsvd_smb2_write_req q;
        if (rsvd_smb2_write_req_decode(r->msg, r->len, &q) == RSVD_OK)
            *send = (uint64_t)q.length + q.write_channel_info_length;
        break;
    }
    case RSVD_SMB2_IOCTL: {
        rsvd_smb2_ioctl_req q;
        if (rsvd_smb2_ioctl_req_decode(r->msg, r->len, &q) == RSVD_OK) {
            *send = (uint64_t)q.input_count + q.output_count;
            *recv = (uint64_t)q.max_input_response + q.max_output_response;
        }
        break;
    }
    case RSVD_SMB2_QUERY_DIRECTORY: {
        tgt_query_directory_req q;
        if (tgt_query_directory_req_decode(r->msg, r->len, &q) == RSVD_OK)
            *recv = q.output_buffer_length;
        break;
    }
    case RSVD_SMB2_QUERY_INFO: {
        rsvd_smb2_query_info_req q;
        if (rsvd_smb2_query_info_req_decode(r->msg, r->len, &q) == RSVD_OK) {
            *send = q.input_buffer_length;
            *recv = q.output_buffer_length;
        }
        break;
    }
    case RSVD_SMB2_SET_INFO: {
        rsvd_smb2_set_info_req q;
        if (rsvd_smb2_set_info_req_decode(r->msg, r->len, &q) == RSVD_OK)
            *send = q.buffer_length;
        break;
    }
    default:
        break;
    }
}

static bool needs_tree(uint16_t cmd)
{
    switch (cmd) {
    case RSVD_SMB2_TREE_DISCONNECT:
    case RSVD_SMB2_CREATE:
    case RSVD_SMB2_CLOSE:
    case RSVD_SMB2_FLUSH:
    case RSVD_SMB2_READ:
    case RSVD_SMB2_WRITE:
    case RSVD_SMB2_LOCK:
    case RSVD_SMB2_IOCTL:
    case RSVD_SMB2_QUERY_DIRECTORY:
    case RSVD_SMB2_CHANGE_NOTIFY:
    case RSVD_SMB2_QUERY_INFO:
    case RSVD_SMB2_SET_INFO:
    case RSVD_SMB2_OPLOCK_BREAK:
        return true;
    default:
        return false;
    }
}

static void dispatch(tgt_req *r)
{
    switch (r->hdr.command) {
    case RSVD_SMB2_NEGOTIATE: tgt_cmd_negotiate(r); break;
    case RSVD_SMB2_SESSION_SETUP: tgt_cmd_session_setup(r); break;
    case RSVD_SMB2_LOGOFF: tgt_cmd_logoff(r); break;
    case RSVD_SMB2_TREE_CONNECT: tgt_cmd_tree_connect(r); break;
    case RSVD_SMB2_TREE_DISCONNECT: tgt_cmd_tree_disconnect(r); break;
    case RSVD_SMB2_CREATE: tgt_cmd_create(r); break;
    case RSVD_SMB2_CLOSE: tgt_cmd_close(r); break;
    case RSVD_SMB2_FLUSH: tgt_cmd_flush(r); break;
    case RSVD_SMB2_READ: tgt_cmd_read(r); break;
    case RSVD_SMB2_WRITE: tgt_cmd_write(r); break;
    case RSVD_SMB2_LOCK: tgt_cmd_lock(r); break;
    case RSVD_SMB2_IOCTL: tgt_cmd_ioctl(r); break;
    case RSVD_SMB2_ECHO: tgt_cmd_echo(r); break;
    case RSVD_SMB2_QUERY_DIRECTORY: tgt_cmd_query_directory(r); break;
    case RSVD_SMB2_QUERY_INFO: tgt_cmd_query_info(r); break;
    case RSVD_SMB2_SET_INFO: tgt_cmd_set_info(r); break;
    case RSVD_SMB2_OPLOCK_BREAK: tgt_cmd_oplock_break(r); break;
    default: /* CHANGE_NOTIFY and unknown commands */
        tgt_req_fail(r, RSVD_STATUS_NOT_SUPPORTED);
        break;
    }
}

/* Takes one request of a frame through [MS-SMB2] 3.3.5.2 to its handler.
 * @return false if the connection must be dropped. */
static bool request(tgt_conn *c, tgt_chain *ch, const rsvd_smb2_hdr *h, const uint8_t *msg,
                    size_t len, size_t index)
{
    tgt_server *srv = c->srv;
    if (h->flags & RSVD_SMB2_FLAGS_SERVER_TO_REDIR)
        return false; /* a response from a client */
    /* [MS-SMB2] 3.3.5.16: CANCEL takes no sequence number and gets no answer. */
    if (h->command == RSVD_SMB2_CANCEL) {
        cancel(c, h);
        return true;
    }
    /* [MS-SMB2] 3.3.5.2.3 */
    uint32_t charge = c->supports_multi_credit && h->credit_charge > 1 ? h->credit_charge : 1;
    if (!seq_take(c, h->message_id, charge)) {
        tgt_warn("%s: MessageId %llu outside the window: disconnecting", c->peer,
                 (unsigned long long)h->message_id);
        return false;
    }
    /* [MS-SMB2] 3.3.5.2: NEGOTIATE first and only once. */
    if ((h->command == RSVD_SMB2_NEGOTIATE) == c->negotiated && !c->smb1_wildcard)
        return false;

    tgt_req *r = calloc(1, sizeof *r);
    if (!r)
        return false;
    r->kind = TGT_KIND_REQ;
    r->srv = srv;
    r->conn = c;
    c->refs++;
    tgt_link_init(&r->link);
    tgt_link_init(&r->wait_link);
    r->hdr = *h;
    r->msg = malloc(len);
    if (!r->msg) {
        tgt_req_free(r);
        return false;
    }
    memcpy(r->msg, msg, len);
    r->len = len;
    r->chain = ch;
    r->signed_req = (h->flags & RSVD_SMB2_FLAGS_SIGNED) != 0;
    r->related = index > 0 && (h->flags & RSVD_SMB2_FLAGS_RELATED_OPERATIONS);
    tgt_log(srv, "%s <- %s mid %llu%s%s", c->peer, tgt_command_name(h->command),
            (unsigned long long)h->message_id, r->related ? " related" : "",
            r->signed_req ? " signed" : "");

    if (r->related && index > 0 && ch->prev_status != RSVD_STATUS_SUCCESS &&
        h->command != RSVD_SMB2_CREATE) {
        /* [MS-SMB2] 3.3.5.2.7.2: the previous request failed; so does this. */
        tgt_req_fail(r, ch->prev_status == RSVD_STATUS_PENDING ? RSVD_STATUS_INVALID_PARAMETER
                                                                : ch->prev_status);
        return true;
    }
    if (c->npending >= srv->cfg->limits.max_pending) { /* --max-pending */
        tgt_req_fail(r, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        return true;
    }
    if (rsvd_smb2_hdr_is_async(h)) { /* only CANCEL comes async */
        tgt_req_fail(r, RSVD_STATUS_INVALID_PARAMETER);
        return true;
    }
    if (h->command > RSVD_SMB2_OPLOCK_BREAK) { /* not an SMB2 command at all */
        tgt_req_fail(r, RSVD_STATUS_NOT_SUPPORTED);
        return true;
    }
    uint64_t send, recv;
    payload_sizes(r, &send, &recv);
    if (!tgt_req_charge_ok(r, send, recv)) { /* [MS-SMB2] 3.3.5.2.5 */
        tgt_req_fail(r, RSVD_STATUS_INVALID_PARAMETER);
        return true;
    }

    /* [MS-SMB2] 3.3.5.2.9: the session (a related request takes the one
     * of the request before it, 3.3.5.2.7.2). */
    uint16_t cmd = h->command;
    bool sessionless = cmd == RSVD_SMB2_NEGOTIATE ||
                       (cmd == RSVD_SMB2_SESSION_SETUP && h->session_id == 0) ||
                       (cmd == RSVD_SMB2_ECHO && h->session_id == 0);
    if (!sessionless) {
        tgt_session *s = r->related && ch->session ? ch->session : conn_session(c, h->session_id);
        if (!s && cmd == RSVD_SMB2_SESSION_SETUP) {
            r->session = NULL; /* binding or an unknown id: the handler decides */
        } else if (!s) {
            tgt_req_fail(r, RSVD_STATUS_USER_SESSION_DELETED);
            return true;
        } else {
            r->session = s;
        }
        /* [MS-SMB2] 3.3.5.2.4: a signed request is verified with the
         * session's key; an unsigned one is refused when the session
         * requires signing. */
        if (s && r->signed_req && cmd != RSVD_SMB2_SESSION_SETUP) {
            if (!s->has_key || !tgt_sign_verify(s->algo, s->signing_key, msg, len)) {
                tgt_warn("%s: bad signature on %s mid %llu", c->peer, tgt_command_name(cmd),
                         (unsigned long long)h->message_id);
                r->session = NULL; /* answered unsigned */
                tgt_req_fail(r, RSVD_STATUS_ACCESS_DENIED);
                return true;
            }
        } else if (s && !r->signed_req && s->signing_required && s->state == TGT_SESSION_VALID &&
                   cmd != RSVD_SMB2_SESSION_SETUP) {
            tgt_req_fail(r, RSVD_STATUS_ACCESS_DENIED);
            return true;
        }
        if (s && s->state != TGT_SESSION_VALID && cmd != RSVD_SMB2_SESSION_SETUP &&
            cmd != RSVD_SMB2_LOGOFF) {
            tgt_req_fail(r, RSVD_STATUS_USER_SESSION_DELETED);
            return true;
        }
    }
    /* [MS-SMB2] 3.3.5.2.11: the tree connect. */
    if (needs_tree(cmd)) {
        tgt_tree *t = r->related && ch->tree ? ch->tree : session_tree(r->session, h->tree_id);
        if (!t) {
            tgt_req_fail(r, RSVD_STATUS_NETWORK_NAME_DELETED);
            return true;
        }
        r->tree = t;
    }
    dispatch(r);
    return true;
}

void tgt_conn_frame(tgt_conn *c, const uint8_t *frame, size_t len)
{
    tgt_server *srv = c->srv;
    srv->frames_in++;
    tgt_trace_message(c, true, frame, len);
    rsvd_rd r;
    rsvd_rd_init(&r, frame, len);
    uint32_t protocol = rsvd_rd_u32(&r);
    if (!rsvd_rd_ok(&r)) {
        tgt_conn_close(c, "a frame too short for a protocol id");
        return;
    }
    if (protocol == TGT_SMB1_PROTOCOL_ID) {
        /* [MS-SMB2] 3.3.5.3: only a first SMB1 NEGOTIATE is understood. */
        if (c->negotiated || c->smb1_wildcard) {
            tgt_conn_close(c, "SMB1 after NEGOTIATE");
            return;
        }
        tgt_cmd_smb1_negotiate(c, frame, len);
        return;
    }
    if (protocol != RSVD_SMB2_PROTOCOL_ID) {
        /* Not SMB2 (an SMB2 TRANSFORM header included: no encryption is
         * offered): [MS-SMB2] 3.3.5.2 disconnects. */
        tgt_conn_close(c, "not an SMB2 message");
        return;
    }
    tgt_chain ch;
    memset(&ch, 0, sizeof ch);
    ch.prev_status = RSVD_STATUS_SUCCESS;
    c->chain = &ch;
    c->refs++; /* the connection outlives this frame */
    size_t off = 0;
    for (size_t index = 0; !c->dead && !c->closing; index++) {
        rsvd_smb2_hdr h;
        const uint8_t *msg = frame + off;
        size_t rest = len - off;
        if (rsvd_smb2_hdr_decode(msg, rest, &h) != RSVD_OK) {
            tgt_conn_close(c, "a malformed SMB2 header");
            break;
        }
        size_t mlen = rest;
        if (h.next_command) {
            /* [MS-SMB2] 3.3.5.2.7: 8-byte aligned, inside the frame. */
            if (h.next_command % 8 || h.next_command < RSVD_SMB2_HEADER_SIZE ||
                h.next_command >= rest) {
                tgt_conn_close(c, "a malformed compound");
                break;
            }
            mlen = h.next_command;
        }
        if (index >= TGT_CHAIN_MAX) {
            tgt_conn_close(c, "too many compounded requests");
            break;
        }
        if (!request(c, &ch, &h, msg, mlen, index)) {
            tgt_conn_close(c, "a protocol violation");
            break;
        }
        if (!h.next_command)
            break;
        off += h.next_command;
    }
    c->chain = NULL;
    if (!c->dead)
        chain_flush(c, &ch);
    free(ch.buf);
    tgt_conn_put(c);
}

/* [MS-SMB2] 3.3.7.1: the connection is gone. Requests waiting on it are
 * dropped (a backend's late reply finds its request and sends nothing);
 * the resilient server detaches the resilient opens of its sessions and
 * closes the others; the sessions go. */
void tgt_conn_lost(tgt_conn *c)
{
    tgt_link *k, *nk;
    TGT_LIST_FOREACH_SAFE(&c->pending, k, nk) {
        tgt_req *p = TGT_CONTAINER(k, tgt_req, link);
        p->cancelled = true;
        if (p->on_cancel)
            p->on_cancel(p);
    }
    tgt_preserve_conn_lost(c->srv->pres, c);
    TGT_LIST_FOREACH_SAFE(&c->channels, k, nk) {
        tgt_channel *ch = TGT_CONTAINER(k, tgt_channel, conn_link);
        tgt_session *s = ch->session;
        tgt_list_remove(&ch->conn_link);
        tgt_list_remove(&ch->session_link);
        free(ch);
        if (tgt_list_empty(&s->channels))
            tgt_session_destroy(s, TGT_END_CONN_LOST);
    }
}
