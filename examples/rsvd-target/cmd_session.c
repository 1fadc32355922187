/*
 * rsvd-target: SESSION_SETUP ([MS-SMB2] 3.3.5.5, 3.3.5.5.1 - 3.3.5.5.3) and
 * LOGOFF ([MS-SMB2] 3.3.5.6).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/sha2.h>

#include "preserve.h"
#include "smb2_negotiate.h"
#include "smb2_session.h"
#include "smb2_simple.h"
#include "target.h"
#include <rsvd/smb2.h>
#include <rsvd/status.h>

static tgt_channel *channel_add(tgt_session *s, tgt_conn *c)
{
    tgt_channel *ch = calloc(1, sizeof *ch);
    if (!ch)
        return NULL;
    ch->conn = c;
    ch->session = s;
    tgt_list_append(&c->channels, &ch->conn_link);
    tgt_list_append(&s->channels, &ch->session_link);
    return ch;
}

/* [MS-SMB2] 3.3.5.5.1: a new session, InProgress, on this connection. */
static tgt_session *session_new(tgt_req *r)
{
    tgt_server *srv = r->srv;
    if (srv->nsessions >= srv->cfg->limits.max_sessions)
        return NULL;
    tgt_session *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->srv = srv;
    s->id = srv->next_session_id++;
    s->state = TGT_SESSION_IN_PROGRESS;
    s->dialect = r->conn->dialect;
    s->next_tree_id = 1;
    tgt_list_init(&s->channels);
    tgt_list_init(&s->trees);
    tgt_list_init(&s->opens);
    if (!channel_add(s, r->conn)) {
        free(s);
        return NULL;
    }
    tgt_list_append(&srv->sessions, &s->link);
    srv->nsessions++;
    return s;
}

/* The identity the resilient server compares (Open.DurableOwner): the kind
 * of login and the SHA-256 of DOMAIN\USER in capitals, in hex (names are
 * longer than the library's RSVD_RES_USER_MAX bytes may hold). */
static void identity(tgt_session *s)
{
    const tgt_login *l = &s->login;
    char name[2 * TGT_NTLMSSP_NAME_MAX + 2];
    snprintf(name, sizeof name, "%s\\%s", l->kind == TGT_LOGIN_USER ? l->domain : "",
             l->kind == TGT_LOGIN_USER ? l->user : "");
    for (char *p = name; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    uint8_t digest[SHA256_DIGEST_SIZE];
    struct sha256_ctx h;
    sha256_init(&h);
    sha256_update(&h, strlen(name), (const uint8_t *)name);
    sha256_digest(&h, sizeof digest, digest);
    int n = snprintf(s->identity, sizeof s->identity, "%c:",
                     l->kind == TGT_LOGIN_USER ? 'U' : l->kind == TGT_LOGIN_GUEST ? 'G' : 'A');
    for (size_t i = 0; i < sizeof digest && (size_t)n + 2 < sizeof s->identity; i++, n += 2)
        snprintf(s->identity + n, 3, "%02x", digest[i]);
}

static void answer(tgt_req *r, uint32_t status, uint16_t flags, const uint8_t *tok, size_t n)
{
    tgt_session_setup_rsp m;
    memset(&m, 0, sizeof m);
    m.hdr = tgt_rsp_hdr(r, status);
    m.session_flags = flags;
    m.security_buffer_length = (uint16_t)n;
    m.security_buffer = n ? tok : NULL;
    if (tgt_req_reserve(r, TGT_SESSION_SETUP_RSP_BUFFER_OFFSET + n + 8, 0) != 0) {
        tgt_req_fail(r, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        return;
    }
    size_t len = 0;
    tgt_req_encoded(r, tgt_session_setup_rsp_encode(&m, r->rsp, r->rsp_cap, &len), &len);
}

/* [MS-SMB2] 3.3.5.5.3: the login succeeded. */
static uint32_t established(tgt_req *r, tgt_session *s, const tgt_session_setup_req *q,
                            const tgt_login *login)
{
    tgt_server *srv = r->srv;
    bool reauth = s->state == TGT_SESSION_VALID;
    if (reauth) {
        /* A re-authentication must keep the user. */
        tgt_session tmp;
        memset(&tmp, 0, sizeof tmp);
        tmp.login = *login;
        identity(&tmp);
        return strcmp(tmp.identity, s->identity) == 0 ? RSVD_STATUS_SUCCESS
                                                      : RSVD_STATUS_ACCESS_DENIED;
    }
    s->login = *login;
    identity(s);
    s->flags = login->kind == TGT_LOGIN_GUEST       ? TGT_SESSION_FLAG_IS_GUEST
               : login->kind == TGT_LOGIN_ANONYMOUS ? TGT_SESSION_FLAG_IS_NULL
                                                    : 0;
    if (login->kind == TGT_LOGIN_USER && login->has_session_key) {
        s->has_key = true;
        if (s->dialect >= RSVD_SMB2_DIALECT_300) {
            /* Session.SigningKey: KDF(SessionKey, "SMB2AESCMAC", "SmbSign"). */
            s->algo = TGT_SIGN_AES_CMAC;
            tgt_signing_key_30(login->session_key, s->signing_key);
        } else {
            s->algo = TGT_SIGN_HMAC_SHA256; /* 2.x: the session key signs */
            memcpy(s->signing_key, login->session_key, sizeof s->signing_key);
        }
        /* Signing is required when the client requires it (the server
         * only enables it). */
        s->signing_required = (q->security_mode & TGT_NEGOTIATE_SIGNING_REQUIRED) != 0;
    }
    if (tgt_preserve_session_add(srv->pres, s, r->conn) != 0)
        return RSVD_STATUS_INSUFFICIENT_RESOURCES;
    s->state = TGT_SESSION_VALID;
    tgt_log(srv, "%s: session 0x%llx: %s%s%s", r->conn->peer, (unsigned long long)s->id,
            login->kind == TGT_LOGIN_USER ? login->domain : login->kind == TGT_LOGIN_GUEST ? "guest" : "anonymous",
            login->kind == TGT_LOGIN_USER ? "\\" : "", login->kind == TGT_LOGIN_USER ? login->user : "");
    /* PreviousSessionId: a session of the same user that this one replaces
     * (its resilient opens kept). */
    if (q->previous_session_id && q->previous_session_id != s->id)
        (void)tgt_preserve_previous_session(srv->pres, s, q->previous_session_id);
    /* [MS-SMB2] 3.3.5.5.3: the final response of a 3.x session that is
     * neither guest nor anonymous is signed. */
    if (s->has_key && s->dialect >= RSVD_SMB2_DIALECT_300)
        r->force_sign = true;
    return RSVD_STATUS_SUCCESS;
}

/* [MS-SMB2] 3.3.5.5.2: binding a 3.x session to another connection. */
static tgt_session *binding(tgt_req *r, uint32_t *status)
{
    tgt_conn *c = r->conn;
    tgt_session *s = tgt_session_find(r->srv, r->hdr.session_id);
    *status = RSVD_STATUS_USER_SESSION_DELETED;
    if (!s || s->state != TGT_SESSION_VALID)
        return NULL;
    if (!(c->server_capabilities & TGT_CAP_MULTI_CHANNEL) || c->dialect != s->dialect) {
        *status = RSVD_STATUS_INVALID_PARAMETER;
        return NULL;
    }
    if (s->flags & TGT_SESSION_FLAG_GUEST_OR_NULL) {
        *status = TGT_STATUS_REQUEST_NOT_ACCEPTED;
        return NULL;
    }
    /* The binding request is signed with the session's key. */
    if (!r->signed_req || !tgt_sign_verify(s->algo, s->signing_key, r->msg, r->len)) {
        *status = RSVD_STATUS_ACCESS_DENIED;
        return NULL;
    }
    return s;
}

void tgt_cmd_session_setup(tgt_req *r)
{
    tgt_session_setup_req q;
    if (tgt_session_setup_req_decode(r->msg, r->len, &q) != RSVD_OK) {
        tgt_req_fail(r, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    tgt_session *s = r->session;
    bool bind = false;
    if (r->hdr.session_id == 0) {
        s = session_new(r);
        if (!s) {
            tgt_req_fail(r, RSVD_STATUS_INSUFFICIENT_RESOURCES);
            return;
        }
    } else if (!s && (q.flags & TGT_SESSION_FLAG_BINDING)) {
        uint32_t st;
        s = binding(r, &st);
        if (!s) {
            tgt_req_fail(r, st);
            return;
        }
        bind = true;
    } else if (!s) {
        tgt_req_fail(r, RSVD_STATUS_USER_SESSION_DELETED);
        return;
    }
    r->session = s;

    uint8_t out[TGT_AUTH_OUT_MAX];
    size_t out_len = 0;
    tgt_login login;
    memset(&login, 0, sizeof login);
    uint32_t st = tgt_auth_step(r->srv->auth, &s->auth, q.security_buffer,
                                q.security_buffer_length, out, sizeof out, &out_len, &login);
    if (st == TGT_STATUS_MORE_PROCESSING_REQUIRED) {
        answer(r, st, 0, out, out_len);
        return;
    }
    tgt_auth_exchange_free(s->auth);
    s->auth = NULL;
    if (st == RSVD_STATUS_SUCCESS && bind) {
        tgt_session tmp;
        memset(&tmp, 0, sizeof tmp);
        tmp.login = login;
        identity(&tmp);
        if (strcmp(tmp.identity, s->identity) != 0)
            st = RSVD_STATUS_ACCESS_DENIED;
        else if (!channel_add(s, r->conn) || tgt_preserve_session_bind(r->srv->pres, s, r->conn))
            st = RSVD_STATUS_INSUFFICIENT_RESOURCES;
        else
            r->force_sign = true;
    } else if (st == RSVD_STATUS_SUCCESS) {
        st = established(r, s, &q, &login);
    }
    if (st != RSVD_STATUS_SUCCESS) {
        tgt_log(r->srv, "%s: login failed: %s", r->conn->peer, tgt_status_name(st));
        if (s->state == TGT_SESSION_IN_PROGRESS && !bind) {
            /* [MS-SMB2] 3.3.5.5.3: a failed session goes. */
            r->session = NULL;
            tgt_session_destroy(s, TGT_END_SHUTDOWN);
        }
        tgt_req_fail(r, st);
        return;
    }
    answer(r, RSVD_STATUS_SUCCESS, s->flags, out, out_len);
}

/* [MS-SMB2] 3.3.5.6 */
void tgt_cmd_logoff(tgt_req *r)
{
    tgt_smb2_empty q;
    if (tgt_smb2_empty_decode(r->msg, r->len, RSVD_SMB2_LOGOFF, &q) != RSVD_OK) {
        tgt_req_fail(r, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    tgt_session *s = r->session;
    tgt_smb2_empty m = {tgt_rsp_hdr(r, RSVD_STATUS_SUCCESS)};
    if (tgt_req_reserve(r, 128, 0) != 0) {
        tgt_req_fail(r, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        return;
    }
    size_t len = 0;
    /* The answer is built (and signed) while the session still has its
     * key; then the session goes: its resilient opens are kept. */
    tgt_req_encoded(r, tgt_smb2_empty_encode(&m, RSVD_SMB2_LOGOFF, r->rsp, r->rsp_cap, &len), &len);
    tgt_preserve_logoff(s->srv->pres, s);
    tgt_session_destroy(s, TGT_END_LOGOFF);
}
