/*
 * smb-durable-client: the session's authentication - SPNEGO with NTLMSSP
 * through GSSAPI (MIT krb5's SPNEGO and the gss-ntlmssp mechanism), the
 * client side. The SMB2 SESSION_SETUP exchange carries the tokens
 * (smb2_setup_session.h frames them); nothing of NTLM is written here.
 */
#ifndef SMB_DURABLE_CLIENT_AUTH_H
#define SMB_DURABLE_CLIENT_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct auth auth;

/** Who logs on. A user the server does not know becomes its guest when
 * the server maps bad users to guest (Samba: "map to guest = Bad User"). */
typedef struct auth_identity {
    const char *user;     /**< user name */
    const char *domain;   /**< domain (NULL or "": none) */
    const char *password; /**< password */
    const char *server;   /**< the server's host name or address (target name) */
} auth_identity;

/** Outcome of auth_new() and auth_step(). */
typedef enum auth_result {
    AUTH_OK = 0,        /**< a token to send (or, done, none) */
    AUTH_ERROR = 1,     /**< the mechanism failed: see the message */
    AUTH_NO_NTLMSSP = 2 /**< GSSAPI has no NTLMSSP mechanism (gss-ntlmssp) */
} auth_result;

/** Acquires the credentials. @p err receives a message on failure. */
auth_result auth_new(const auth_identity *id, auth **out, char *err, size_t errlen);

/** One leg: @p in is the server's token (NULL, 0 for the first leg),
 * *out the token to send (freed by the next call or auth_free()), *done
 * once the context is established. */
auth_result auth_step(auth *a, const uint8_t *in, size_t in_len, const uint8_t **out,
                      size_t *out_len, bool *done, char *err, size_t errlen);

void auth_free(auth *a);

#endif /* SMB_DURABLE_CLIENT_AUTH_H */
