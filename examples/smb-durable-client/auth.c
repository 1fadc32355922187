/*
 * smb-durable-client: SPNEGO with NTLMSSP through GSSAPI (see auth.h).
 *
 * The credentials are acquired for SPNEGO with the password
 * (gss_acquire_cred_with_password), and SPNEGO is told to negotiate
 * NTLMSSP only (gss_set_neg_mechs): without Kerberos on the machine, MIT's
 * SPNEGO would otherwise offer krb5 first.
 */
#include "auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_ntlmssp.h>

static char spnego_oid_bytes[] = "\x2b\x06\x01\x05\x05\x02";
static char ntlmssp_oid_bytes[] = GSS_NTLMSSP_OID_STRING;
static gss_OID_desc spnego_oid = {6, spnego_oid_bytes};
static gss_OID_desc ntlmssp_oid = {GSS_NTLMSSP_OID_LENGTH, ntlmssp_oid_bytes};

/* GSSAPI's input buffers are not const, though it only reads them. */
static void *input_of(const void *p)
{
    return (void *)(uintptr_t)p;
}

struct auth {
    gss_cred_id_t cred;
    gss_name_t target;
    gss_ctx_id_t ctx;
    gss_buffer_desc out;
};

/* The GSSAPI messages of a failure, for the log. */
static void gss_message(const char *what, OM_uint32 major, OM_uint32 minor, char *err,
                        size_t errlen)
{
    OM_uint32 mn, ctx = 0;
    gss_buffer_desc text = GSS_C_EMPTY_BUFFER;
    size_t n = (size_t)snprintf(err, errlen, "%s:", what);
    int type = GSS_C_GSS_CODE;
    OM_uint32 code = major;
    for (int pass = 0; pass < 2; pass++) {
        do {
            if (gss_display_status(&mn, code, type, GSS_C_NO_OID, &ctx, &text) != GSS_S_COMPLETE)
                break;
            if (n < errlen)
                n += (size_t)snprintf(err + n, errlen - n, " %.*s;", (int)text.length,
                                      (const char *)text.value);
            gss_release_buffer(&mn, &text);
        } while (ctx != 0);
        type = GSS_C_MECH_CODE;
        code = minor;
        if (!minor)
            break;
    }
}

static bool have_ntlmssp(void)
{
    OM_uint32 minor;
    gss_OID_set mechs = GSS_C_NO_OID_SET;
    int present = 0;
    if (gss_indicate_mechs(&minor, &mechs) != GSS_S_COMPLETE)
        return false;
    gss_test_oid_set_member(&minor, &ntlmssp_oid, mechs, &present);
    gss_release_oid_set(&minor, &mechs);
    return present != 0;
}

auth_result auth_new(const auth_identity *id, auth **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!have_ntlmssp()) {
        snprintf(err, errlen, "GSSAPI has no NTLMSSP mechanism (install gss-ntlmssp)");
        return AUTH_NO_NTLMSSP;
    }
    auth *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(err, errlen, "out of memory");
        return AUTH_ERROR;
    }
    a->cred = GSS_C_NO_CREDENTIAL;
    a->target = GSS_C_NO_NAME;
    a->ctx = GSS_C_NO_CONTEXT;
    OM_uint32 major, minor;
    /* The user as NTLMSSP reads it: DOMAIN\user. */
    char who[512];
    if (id->domain && id->domain[0])
        snprintf(who, sizeof who, "%s\\%s", id->domain, id->user);
    else
        snprintf(who, sizeof who, "%s", id->user);
    gss_buffer_desc nb = {strlen(who), who};
    gss_name_t user = GSS_C_NO_NAME;
    major = gss_import_name(&minor, &nb, GSS_C_NT_USER_NAME, &user);
    if (GSS_ERROR(major)) {
        gss_message("gss_import_name (user)", major, minor, err, errlen);
        auth_free(a);
        return AUTH_ERROR;
    }
    gss_buffer_desc pw = {strlen(id->password), input_of(id->password)};
    gss_OID_set_desc spnego_set = {1, &spnego_oid};
    major = gss_acquire_cred_with_password(&minor, user, &pw, GSS_C_INDEFINITE, &spnego_set,
                                           GSS_C_INITIATE, &a->cred, NULL, NULL);
    gss_release_name(&minor, &user);
    if (GSS_ERROR(major)) {
        gss_message("gss_acquire_cred_with_password", major, minor, err, errlen);
        auth_free(a);
        return AUTH_ERROR;
    }
    gss_OID_set_desc ntlm_set = {1, &ntlmssp_oid};
    major = gss_set_neg_mechs(&minor, a->cred, &ntlm_set);
    if (GSS_ERROR(major)) {
        gss_message("gss_set_neg_mechs", major, minor, err, errlen);
        auth_free(a);
        return AUTH_ERROR;
    }
    /* The target: the CIFS service of the server (its name is not checked
     * by NTLMSSP, but SPNEGO wants one). */
    char svc[300];
    snprintf(svc, sizeof svc, "cifs@%s", id->server);
    gss_buffer_desc sb = {strlen(svc), svc};
    major = gss_import_name(&minor, &sb, GSS_C_NT_HOSTBASED_SERVICE, &a->target);
    if (GSS_ERROR(major)) {
        gss_message("gss_import_name (target)", major, minor, err, errlen);
        auth_free(a);
        return AUTH_ERROR;
    }
    *out = a;
    return AUTH_OK;
}

auth_result auth_step(auth *a, const uint8_t *in, size_t in_len, const uint8_t **out,
                      size_t *out_len, bool *done, char *err, size_t errlen)
{
    OM_uint32 minor;
    gss_release_buffer(&minor, &a->out);
    gss_buffer_desc input = {in_len, input_of(in)};
    OM_uint32 major = gss_init_sec_context(
        &minor, a->cred, &a->ctx, a->target, &spnego_oid, GSS_C_MUTUAL_FLAG | GSS_C_INTEG_FLAG, 0,
        GSS_C_NO_CHANNEL_BINDINGS, in ? &input : GSS_C_NO_BUFFER, NULL, &a->out, NULL, NULL);
    if (GSS_ERROR(major)) {
        gss_message("gss_init_sec_context", major, minor, err, errlen);
        return AUTH_ERROR;
    }
    *out = a->out.value;
    *out_len = a->out.length;
    *done = major == GSS_S_COMPLETE;
    return AUTH_OK;
}

void auth_free(auth *a)
{
    if (!a)
        return;
    OM_uint32 minor;
    gss_release_buffer(&minor, &a->out);
    if (a->ctx != GSS_C_NO_CONTEXT)
        gss_delete_sec_context(&minor, &a->ctx, GSS_C_NO_BUFFER);
    if (a->target != GSS_C_NO_NAME)
        gss_release_name(&minor, &a->target);
    if (a->cred != GSS_C_NO_CREDENTIAL)
        gss_release_cred(&minor, &a->cred);
    free(a);
}
