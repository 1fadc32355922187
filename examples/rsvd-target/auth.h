/*
 * rsvd-target: SESSION_SETUP authentication ([MS-SMB2] 3.3.5.5.3).
 *
 * SPNEGO is spnego.c's; NTLMSSP is verified by GSSAPI with the gss-ntlmssp
 * mechanism, never here. Before a message reaches GSSAPI the server looks
 * at it (ntlmssp_msg.h): an anonymous AUTHENTICATE is a null session and a
 * user the user file does not know is a guest, when guests are allowed
 * (Samba's "map to guest = bad user"); a user the file knows must prove
 * the password. The users file has gss-ntlmssp's format, one
 * DOMAIN:USER:PASSWORD per line, and gss-ntlmssp reads it too
 * (NTLM_USER_FILE).
 */
#ifndef RSVD_TARGET_AUTH_H
#define RSVD_TARGET_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ntlmssp_msg.h"

typedef struct tgt_auth tgt_auth;
typedef struct tgt_auth_exchange tgt_auth_exchange;

typedef struct tgt_auth_config {
    /* gss-ntlmssp user file, or NULL: no named users. */
    const char *users_file;
    /* Guest and anonymous logins allowed. */
    bool guest;
} tgt_auth_config;

/** Loads the user file and the GSSAPI acceptor credential.
 * @return 0, or -1 with the reason in @p err. */
int tgt_auth_new(const tgt_auth_config *cfg, tgt_auth **out, char *err, size_t errcap);
void tgt_auth_free(tgt_auth *a);

typedef enum tgt_login_kind {
    TGT_LOGIN_USER = 1,      /* authenticated by GSSAPI */
    TGT_LOGIN_GUEST = 2,     /* SMB2_SESSION_FLAG_IS_GUEST */
    TGT_LOGIN_ANONYMOUS = 3  /* SMB2_SESSION_FLAG_IS_NULL */
} tgt_login_kind;

/** Who logged in. */
typedef struct tgt_login {
    tgt_login_kind kind;
    char user[TGT_NTLMSSP_NAME_MAX];   /* USER: as the user file spells it */
    char domain[TGT_NTLMSSP_NAME_MAX];
    /* USER: Session.SessionKey ([MS-SMB2] 3.3.5.5.3), from GSSAPI. */
    uint8_t session_key[16];
    bool has_session_key;
} tgt_login;

/** The largest security buffer a step writes. */
#define TGT_AUTH_OUT_MAX 4096u

/**
 * One SESSION_SETUP round: @p in is the request's security buffer; the
 * response's is written to @p out. *@p x starts NULL and holds the exchange
 * between rounds; free it with tgt_auth_exchange_free() when the session
 * setup ends either way.
 * @return the NTSTATUS of the round: STATUS_MORE_PROCESSING_REQUIRED,
 * STATUS_SUCCESS (*login filled), STATUS_LOGON_FAILURE or
 * STATUS_INVALID_PARAMETER (a token that is not SPNEGO/NTLMSSP).
 */
uint32_t tgt_auth_step(tgt_auth *a, tgt_auth_exchange **x, const uint8_t *in, size_t in_len,
                       uint8_t *out, size_t cap, size_t *out_len, tgt_login *login);

void tgt_auth_exchange_free(tgt_auth_exchange *x);

/** The SPNEGO NegTokenInit a NEGOTIATE response carries: NTLMSSP offered.
 * @return 0 or -1. */
int tgt_auth_negotiate_hint(uint8_t *out, size_t cap, size_t *out_len);

/** @return the number of users in the user file. */
size_t tgt_auth_user_count(const tgt_auth *a);

#endif /* RSVD_TARGET_AUTH_H */
