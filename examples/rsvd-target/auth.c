/*
 * rsvd-target: SESSION_SETUP authentication through SPNEGO and GSSAPI with
 * gss-ntlmssp (see auth.h).
 */
#include "auth.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_ntlmssp.h>

#include "spnego.h"
#include "target_status.h"
#include "utf16.h"
#include <rsvd/status.h>

typedef struct auth_user {
    char domain[TGT_NTLMSSP_NAME_MAX];
    char user[TGT_NTLMSSP_NAME_MAX];
} auth_user;

struct tgt_auth {
    tgt_auth_config cfg;
    auth_user *users;
    size_t nusers;
    gss_cred_id_t cred;
};

struct tgt_auth_exchange {
    gss_ctx_id_t ctx;
    bool spnego;           /* the client speaks SPNEGO (else raw NTLMSSP) */
    bool mech_announced;   /* supportedMech sent already */
    bool mic_required;     /* NTLMSSP was not the client's first choice */
    uint8_t *mech_types;   /* the client's MechTypeList, for mechListMIC */
    size_t mech_types_len;
};

static char ntlmssp_oid_bytes[] = GSS_NTLMSSP_OID_STRING;
static gss_OID_desc ntlmssp_oid = {GSS_NTLMSSP_OID_LENGTH, ntlmssp_oid_bytes};

/* GSSAPI buffers take a void *; it reads input buffers only. */
static void *in_buf(const void *p)
{
    return (void *)(uintptr_t)p;
}

/* ---- the user file ---------------------------------------------------------- */

static int load_users(tgt_auth *a, const char *path, char *err, size_t errcap)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errcap, "%s: %s", path, strerror(errno));
        return -1;
    }
    char line[1024];
    unsigned lineno = 0;
    int rc = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0])
            continue;
        char *c1 = strchr(line, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c1 || !c2 || c2 == c1 + 1 || (size_t)(c1 - line) >= TGT_NTLMSSP_NAME_MAX ||
            (size_t)(c2 - c1 - 1) >= TGT_NTLMSSP_NAME_MAX) {
            snprintf(err, errcap, "%s:%u: expected DOMAIN:USER:PASSWORD", path, lineno);
            rc = -1;
            break;
        }
        auth_user *n = realloc(a->users, (a->nusers + 1) * sizeof *n);
        if (!n) {
            snprintf(err, errcap, "out of memory");
            rc = -1;
            break;
        }
        a->users = n;
        auth_user *u = &a->users[a->nusers++];
        memcpy(u->domain, line, (size_t)(c1 - line));
        u->domain[c1 - line] = 0;
        memcpy(u->user, c1 + 1, (size_t)(c2 - c1 - 1));
        u->user[c2 - c1 - 1] = 0;
    }
    fclose(f);
    return rc;
}

/* The user file's entry for a login: user names compare without case; an
 * entry's domain, when it has one, must match too. */
static const auth_user *find_user(const tgt_auth *a, const tgt_ntlmssp_auth_info *info)
{
    for (size_t i = 0; i < a->nusers; i++) {
        const auth_user *u = &a->users[i];
        if (tgt_name_equal_nocase(u->user, info->user) &&
            (!u->domain[0] || tgt_name_equal_nocase(u->domain, info->domain)))
            return u;
    }
    return NULL;
}

int tgt_auth_new(const tgt_auth_config *cfg, tgt_auth **out, char *err, size_t errcap)
{
    tgt_auth *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(err, errcap, "out of memory");
        return -1;
    }
    a->cfg = *cfg;
    a->cred = GSS_C_NO_CREDENTIAL;
    if (cfg->users_file) {
        if (load_users(a, cfg->users_file, err, errcap) != 0) {
            tgt_auth_free(a);
            return -1;
        }
        /* gss-ntlmssp reads the same file to verify a login. */
        if (setenv("NTLM_USER_FILE", cfg->users_file, 1) != 0) {
            snprintf(err, errcap, "setenv: %s", strerror(errno));
            tgt_auth_free(a);
            return -1;
        }
    }
    OM_uint32 minor;
    gss_OID_set_desc mechs = {1, &ntlmssp_oid};
    OM_uint32 major = gss_acquire_cred(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mechs,
                                       GSS_C_ACCEPT, &a->cred, NULL, NULL);
    if (GSS_ERROR(major)) {
        snprintf(err, errcap, "GSSAPI has no NTLMSSP acceptor (is gss-ntlmssp installed?): "
                 "major 0x%x minor 0x%x", major, minor);
        tgt_auth_free(a);
        return -1;
    }
    *out = a;
    return 0;
}

void tgt_auth_free(tgt_auth *a)
{
    if (!a)
        return;
    if (a->cred != GSS_C_NO_CREDENTIAL) {
        OM_uint32 minor;
        (void)gss_release_cred(&minor, &a->cred);
    }
    free(a->users);
    free(a);
}

size_t tgt_auth_user_count(const tgt_auth *a)
{
    return a->nusers;
}

void tgt_auth_exchange_free(tgt_auth_exchange *x)
{
    if (!x)
        return;
    if (x->ctx != GSS_C_NO_CONTEXT) {
        OM_uint32 minor;
        (void)gss_delete_sec_context(&minor, &x->ctx, GSS_C_NO_BUFFER);
    }
    free(x->mech_types);
    free(x);
}

int tgt_auth_negotiate_hint(uint8_t *out, size_t cap, size_t *out_len)
{
    tgt_spnego t;
    memset(&t, 0, sizeof t);
    t.kind = TGT_SPNEGO_INIT;
    t.neg_state = TGT_NEG_ABSENT;
    t.mech_types = tgt_spnego_ntlmssp_mech_list;
    t.mech_types_len = tgt_spnego_ntlmssp_mech_list_len;
    return tgt_spnego_encode(&t, out, cap, out_len);
}

/* ---- one round ---------------------------------------------------------------- */

/* Wraps the NTLMSSP answer @p tok (may be empty) as the exchange speaks. */
static int reply(tgt_auth_exchange *x, tgt_neg_state state, const void *tok, size_t tok_len,
                 const void *mic, size_t mic_len, uint8_t *out, size_t cap, size_t *out_len)
{
    if (!x->spnego) {
        if (tok_len > cap)
            return -1;
        if (tok_len)
            memcpy(out, tok, tok_len);
        *out_len = tok_len;
        return 0;
    }
    tgt_spnego t;
    memset(&t, 0, sizeof t);
    t.kind = TGT_SPNEGO_RESP;
    t.neg_state = state;
    if (!x->mech_announced) { /* [RFC 4178] 4.2.2: in the first reply */
        t.supported_mech = (const uint8_t *)TGT_OID_NTLMSSP_DER;
        t.supported_mech_len = TGT_OID_NTLMSSP_DER_LEN;
        x->mech_announced = true;
    }
    if (tok_len) {
        t.token = tok;
        t.token_len = tok_len;
    }
    if (mic_len) {
        t.mic = mic;
        t.mic_len = mic_len;
    }
    return tgt_spnego_encode(&t, out, cap, out_len);
}

static uint32_t negotiate_step(tgt_auth *a, tgt_auth_exchange *x, const uint8_t *tok,
                               size_t tok_len, uint8_t *out, size_t cap, size_t *out_len)
{
    uint8_t msg[TGT_AUTH_OUT_MAX];
    size_t msg_len = 0;
    if (tgt_ntlmssp_negotiate_normalize(tok, tok_len, msg, sizeof msg, &msg_len) != 0)
        return RSVD_STATUS_INVALID_PARAMETER;
    OM_uint32 minor;
    gss_buffer_desc in = {msg_len, msg}, challenge = GSS_C_EMPTY_BUFFER;
    OM_uint32 major = gss_accept_sec_context(&minor, &x->ctx, a->cred, &in,
                                             GSS_C_NO_CHANNEL_BINDINGS, NULL, NULL, &challenge,
                                             NULL, NULL, NULL);
    uint32_t status = TGT_STATUS_MORE_PROCESSING_REQUIRED;
    if (major != GSS_S_CONTINUE_NEEDED ||
        reply(x, x->mic_required ? TGT_NEG_REQUEST_MIC : TGT_NEG_ACCEPT_INCOMPLETE,
              challenge.value, challenge.length, NULL, 0, out, cap, out_len) != 0)
        status = TGT_STATUS_LOGON_FAILURE;
    (void)gss_release_buffer(&minor, &challenge);
    return status;
}

/* A login the user file knows: GSSAPI verifies it; the session key comes
 * from the finished context; a mechListMIC the client sent is verified and
 * answered with the server's ([RFC 4178] 5, [MS-SPNG] 3.3.5.1). */
static uint32_t user_step(tgt_auth *a, tgt_auth_exchange *x, const uint8_t *tok, size_t tok_len,
                          const uint8_t *client_mic, size_t client_mic_len, uint8_t *out,
                          size_t cap, size_t *out_len, tgt_login *login)
{
    OM_uint32 minor;
    gss_buffer_desc in = {tok_len, in_buf(tok)}, none = GSS_C_EMPTY_BUFFER;
    OM_uint32 major = gss_accept_sec_context(&minor, &x->ctx, a->cred, &in,
                                             GSS_C_NO_CHANNEL_BINDINGS, NULL, NULL, &none, NULL,
                                             NULL, NULL);
    (void)gss_release_buffer(&minor, &none);
    if (major != GSS_S_COMPLETE)
        return TGT_STATUS_LOGON_FAILURE;

    gss_buffer_set_t keys = GSS_C_NO_BUFFER_SET;
    major = gss_inquire_sec_context_by_oid(&minor, x->ctx, GSS_C_INQ_SSPI_SESSION_KEY, &keys);
    if (GSS_ERROR(major) || !keys || keys->count < 1 || keys->elements[0].length == 0) {
        (void)gss_release_buffer_set(&minor, &keys);
        return TGT_STATUS_LOGON_FAILURE;
    }
    /* [MS-SMB2] 3.3.5.5.3: the first 16 bytes (zero-extended if shorter). */
    memset(login->session_key, 0, sizeof login->session_key);
    size_t n = keys->elements[0].length < sizeof login->session_key
                   ? keys->elements[0].length
                   : sizeof login->session_key;
    memcpy(login->session_key, keys->elements[0].value, n);
    login->has_session_key = true;
    (void)gss_release_buffer_set(&minor, &keys);

    gss_buffer_desc mic = GSS_C_EMPTY_BUFFER;
    if (x->spnego && (client_mic_len || x->mic_required)) {
        gss_buffer_desc types = {x->mech_types_len, x->mech_types};
        gss_buffer_desc theirs = {client_mic_len, in_buf(client_mic)};
        if (!client_mic_len ||
            gss_verify_mic(&minor, x->ctx, &types, &theirs, NULL) != GSS_S_COMPLETE ||
            gss_get_mic(&minor, x->ctx, GSS_C_QOP_DEFAULT, &types, &mic) != GSS_S_COMPLETE) {
            (void)gss_release_buffer(&minor, &mic);
            return TGT_STATUS_LOGON_FAILURE;
        }
    }
    int rc = reply(x, TGT_NEG_ACCEPT_COMPLETED, NULL, 0, mic.value, mic.length, out, cap,
                   out_len);
    (void)gss_release_buffer(&minor, &mic);
    return rc == 0 ? RSVD_STATUS_SUCCESS : TGT_STATUS_LOGON_FAILURE;
}

static uint32_t authenticate_step(tgt_auth *a, tgt_auth_exchange *x, const uint8_t *tok,
                                  size_t tok_len, const uint8_t *mic, size_t mic_len,
                                  uint8_t *out, size_t cap, size_t *out_len, tgt_login *login)
{
    tgt_ntlmssp_auth_info info;
    if (tgt_ntlmssp_auth_info_decode(tok, tok_len, &info) != 0)
        return RSVD_STATUS_INVALID_PARAMETER;
    memset(login, 0, sizeof *login);
    const auth_user *u = info.anonymous ? NULL : find_user(a, &info);
    if (u) {
        login->kind = TGT_LOGIN_USER;
        snprintf(login->user, sizeof login->user, "%s", u->user);
        snprintf(login->domain, sizeof login->domain, "%s", u->domain);
        return user_step(a, x, tok, tok_len, mic, mic_len, out, cap, out_len, login);
    }
    if (!a->cfg.guest)
        return TGT_STATUS_LOGON_FAILURE;
    /* [MS-SMB2] 3.3.5.5.3: a null session for an anonymous login, else a
     * guest one; neither has a session key nor signs. */
    login->kind = info.anonymous ? TGT_LOGIN_ANONYMOUS : TGT_LOGIN_GUEST;
    return reply(x, TGT_NEG_ACCEPT_COMPLETED, NULL, 0, NULL, 0, out, cap, out_len) == 0
               ? RSVD_STATUS_SUCCESS
               : TGT_STATUS_LOGON_FAILURE;
}

uint32_t tgt_auth_step(tgt_auth *a, tgt_auth_exchange **xp, const uint8_t *in, size_t in_len,
                       uint8_t *out, size_t cap, size_t *out_len, tgt_login *login)
{
    *out_len = 0;
    tgt_auth_exchange *x = *xp;
    bool first = x == NULL;
    if (first) {
        x = calloc(1, sizeof *x);
        if (!x)
            return RSVD_STATUS_INSUFFICIENT_RESOURCES;
        x->ctx = GSS_C_NO_CONTEXT;
        *xp = x;
    }
    const uint8_t *tok = NULL, *mic = NULL;
    size_t tok_len = 0, mic_len = 0;
    if (tgt_ntlmssp_type(in, in_len) != 0) {
        if (!first && x->spnego)
            return RSVD_STATUS_INVALID_PARAMETER;
        tok = in; /* raw NTLMSSP, without SPNEGO */
        tok_len = in_len;
    } else {
        tgt_spnego t;
        if (tgt_spnego_decode(in, in_len, &t) != 0)
            return RSVD_STATUS_INVALID_PARAMETER;
        if (first) {
            if (t.kind != TGT_SPNEGO_INIT || t.ntlmssp_index < 0)
                return TGT_STATUS_LOGON_FAILURE; /* no mechanism in common */
            x->spnego = true;
            x->mech_types = malloc(t.mech_types_len);
            if (!x->mech_types)
                return RSVD_STATUS_INSUFFICIENT_RESOURCES;
            memcpy(x->mech_types, t.mech_types, t.mech_types_len);
            x->mech_types_len = t.mech_types_len;
            if (t.ntlmssp_index != 0) {
                /* [RFC 4178] 5: the optimistic token is for another
                 * mechanism; NTLMSSP is chosen and the MICs are required. */
                x->mic_required = true;
                return reply(x, TGT_NEG_REQUEST_MIC, NULL, 0, NULL, 0, out, cap, out_len) == 0
                           ? TGT_STATUS_MORE_PROCESSING_REQUIRED
                           : TGT_STATUS_LOGON_FAILURE;
            }
        } else if (t.kind != TGT_SPNEGO_RESP || !x->spnego) {
            return RSVD_STATUS_INVALID_PARAMETER;
        }
        if (!t.token) { /* NegTokenInit without a mechToken: ask for one */
            return reply(x, TGT_NEG_ACCEPT_INCOMPLETE, NULL, 0, NULL, 0, out, cap, out_len) == 0
                       ? TGT_STATUS_MORE_PROCESSING_REQUIRED
                       : TGT_STATUS_LOGON_FAILURE;
        }
        tok = t.token;
        tok_len = t.token_len;
        mic = t.mic;
        mic_len = t.mic_len;
    }
    switch (tgt_ntlmssp_type(tok, tok_len)) {
    case TGT_NTLMSSP_NEGOTIATE:
        if (x->ctx != GSS_C_NO_CONTEXT)
            return RSVD_STATUS_INVALID_PARAMETER;
        return negotiate_step(a, x, tok, tok_len, out, cap, out_len);
    case TGT_NTLMSSP_AUTHENTICATE:
        if (x->ctx == GSS_C_NO_CONTEXT)
            return RSVD_STATUS_INVALID_PARAMETER;
        return authenticate_step(a, x, tok, tok_len, mic, mic_len, out, cap, out_len, login);
    default:
        return RSVD_STATUS_INVALID_PARAMETER;
    }
}
