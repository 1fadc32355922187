/*
 * rsvd-target: reading NTLMSSP messages before GSSAPI (see ntlmssp_msg.h).
 */
#include "ntlmssp_msg.h"

#include <string.h>

#include <rsvd/wire.h>

#include "utf16.h"

static const uint8_t signature[8] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0};

uint32_t tgt_ntlmssp_type(const uint8_t *buf, size_t len)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    const uint8_t *sig = rsvd_rd_take(&r, sizeof signature); /* 0: Signature */
    uint32_t type = rsvd_rd_u32(&r);                         /* 8: MessageType */
    if (!rsvd_rd_ok(&r) || !sig || memcmp(sig, signature, sizeof signature) != 0)
        return 0;
    return type >= TGT_NTLMSSP_NEGOTIATE && type <= TGT_NTLMSSP_AUTHENTICATE ? type : 0;
}

/* A (Len, MaxLen, BufferOffset) field ([MS-NLMP] 2.2.1.3): the view. */
static int field(rsvd_rd *r, const uint8_t *msg, size_t msg_len, const uint8_t **view,
                 size_t *view_len)
{
    uint16_t n = rsvd_rd_u16(r);    /* Len */
    rsvd_rd_skip(r, 2);             /* MaxLen */
    uint32_t off = rsvd_rd_u32(r);  /* BufferOffset */
    if (!rsvd_rd_ok(r))
        return -1;
    *view = NULL;
    *view_len = n;
    if (n == 0)
        return 0;
    if (!rsvd_wire_range_ok(msg_len, off, n))
        return -1;
    rsvd_rd v;
    rsvd_rd_init(&v, msg, msg_len);
    rsvd_rd_seek(&v, off);
    *view = rsvd_rd_take(&v, n);
    return *view ? 0 : -1;
}

static int name_copy(const uint8_t *v, size_t n, bool unicode, char *out, size_t cap)
{
    if (unicode)
        return tgt_utf16_to_utf8(v, n, out, cap) == 0 ? 0 : -1;
    if (n >= cap)
        return -1;
    if (n)
        memcpy(out, v, n);
    out[n] = 0;
    return memchr(out, 0, n) ? -1 : 0;
}

int tgt_ntlmssp_auth_info_decode(const uint8_t *buf, size_t len, tgt_ntlmssp_auth_info *out)
{
    memset(out, 0, sizeof *out);
    if (tgt_ntlmssp_type(buf, len) != TGT_NTLMSSP_AUTHENTICATE)
        return -1;
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    rsvd_rd_skip(&r, 12); /* Signature, MessageType */
    const uint8_t *lm, *nt, *domain, *user, *ws, *key;
    size_t lm_len, nt_len, domain_len, user_len, ws_len, key_len;
    if (field(&r, buf, len, &lm, &lm_len) != 0 ||         /* 12: LmChallengeResponseFields */
        field(&r, buf, len, &nt, &nt_len) != 0 ||         /* 20: NtChallengeResponseFields */
        field(&r, buf, len, &domain, &domain_len) != 0 || /* 28: DomainNameFields */
        field(&r, buf, len, &user, &user_len) != 0 ||     /* 36: UserNameFields */
        field(&r, buf, len, &ws, &ws_len) != 0 ||         /* 44: WorkstationFields */
        field(&r, buf, len, &key, &key_len) != 0)         /* 52: EncryptedRandomSessionKeyFields */
        return -1;
    out->flags = rsvd_rd_u32(&r);                         /* 60: NegotiateFlags */
    if (!rsvd_rd_ok(&r))
        return -1;
    bool unicode = (out->flags & TGT_NTLMSSP_NEGOTIATE_UNICODE) != 0;
    if (name_copy(user, user_len, unicode, out->user, sizeof out->user) != 0 ||
        name_copy(domain, domain_len, unicode, out->domain, sizeof out->domain) != 0)
        return -1;
    /* [MS-NLMP] 3.2.5.1.2: anonymous when the user name and the NT response
     * are empty and the LM response is empty or Z(1). */
    out->anonymous = user_len == 0 && nt_len == 0 &&
                     (lm_len == 0 || (lm_len == 1 && lm && lm[0] == 0));
    return 0;
}

int tgt_ntlmssp_negotiate_normalize(const uint8_t *buf, size_t len, uint8_t *out, size_t cap,
                                    size_t *out_len)
{
    const size_t short_form = TGT_NTLMSSP_NEGOTIATE_SIZE - 8;
    bool pad = len == short_form && tgt_ntlmssp_type(buf, len) == TGT_NTLMSSP_NEGOTIATE;
    size_t n = pad ? TGT_NTLMSSP_NEGOTIATE_SIZE : len;
    if (n > cap)
        return -1;
    if (len)
        memcpy(out, buf, len);
    if (pad) {
        memset(out + len, 0, 8);
        /* NegotiateFlags (offset 12): no Version is carried. */
        rsvd_rd r;
        rsvd_rd_init(&r, out, n);
        rsvd_rd_skip(&r, 12);
        uint32_t flags = rsvd_rd_u32(&r) & ~TGT_NTLMSSP_NEGOTIATE_VERSION;
        rsvd_wr w;
        rsvd_wr_init(&w, out, n);
        (void)rsvd_wr_take(&w, 12);
        rsvd_wr_u32(&w, flags);
    }
    *out_len = n;
    return 0;
}
