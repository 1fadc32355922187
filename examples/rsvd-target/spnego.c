/*
 * rsvd-target: SPNEGO DER codec (see spnego.h).
 */
#include "spnego.h"

#include <string.h>

#include <rsvd/wire.h>

const uint8_t tgt_spnego_ntlmssp_mech_list[] = {0x30, TGT_OID_NTLMSSP_DER_LEN,
    0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a};
const size_t tgt_spnego_ntlmssp_mech_list_len = sizeof tgt_spnego_ntlmssp_mech_list;

/* DER tags used here ([X.690] 8.1.2). */
#define TAG_SEQUENCE 0x30u
#define TAG_OID 0x06u
#define TAG_OCTET_STRING 0x04u
#define TAG_ENUMERATED 0x0Au
#define TAG_BIT_STRING 0x03u
#define TAG_APPLICATION_0 0x60u /* [APPLICATION 0], constructed */
#define TAG_CONTEXT(n) (0xA0u | (n)) /* [n], constructed */

/* One TLV: the tag, and views of the whole TLV and of its value. */
typedef struct tlv {
    uint8_t tag;
    const uint8_t *all;
    size_t all_len;
    const uint8_t *val;
    size_t len;
} tlv;

/* Reads the next TLV of @p r. @return 0 or -1. */
static int tlv_next(rsvd_rd *r, tlv *t)
{
    size_t start = rsvd_rd_pos(r);
    const uint8_t *first = rsvd_rd_take(r, 0);
    t->tag = rsvd_rd_u8(r);
    if ((t->tag & 0x1Fu) == 0x1Fu) /* high tag numbers: not in SPNEGO */
        return -1;
    uint8_t l = rsvd_rd_u8(r);
    size_t len = l;
    if (l & 0x80u) {
        unsigned n = l & 0x7Fu;
        if (n == 0 || n > 4) /* indefinite, or longer than anything here */
            return -1;
        len = 0;
        for (unsigned i = 0; i < n; i++)
            len = (len << 8) | rsvd_rd_u8(r);
    }
    if (!rsvd_rd_ok(r) || len > rsvd_rd_left(r))
        return -1;
    t->val = rsvd_rd_take(r, len);
    t->len = len;
    t->all = first;
    t->all_len = rsvd_rd_pos(r) - start;
    return rsvd_rd_ok(r) && first ? 0 : -1;
}

/* A reader over the value of @p t. */
static void tlv_open(const tlv *t, rsvd_rd *r)
{
    rsvd_rd_init(r, t->val, t->len);
}

/* Reads a TLV that must have tag @p tag. */
static int tlv_expect(rsvd_rd *r, uint8_t tag, tlv *t)
{
    return tlv_next(r, t) == 0 && t->tag == tag ? 0 : -1;
}

/* Reads the single TLV inside an explicit tag and requires @p tag. */
static int explicit_inner(const tlv *outer, uint8_t tag, tlv *t)
{
    rsvd_rd r;
    tlv_open(outer, &r);
    if (tlv_expect(&r, tag, t) != 0 || rsvd_rd_left(&r) != 0)
        return -1;
    return 0;
}

/* MechTypeList: a SEQUENCE of at least one OID. */
static int mech_types_decode(const tlv *seq, tgt_spnego *out)
{
    rsvd_rd r;
    tlv_open(seq, &r);
    out->mech_types = seq->all;
    out->mech_types_len = seq->all_len;
    out->mech_count = 0;
    out->ntlmssp_index = -1;
    while (rsvd_rd_left(&r) > 0) {
        tlv oid;
        if (tlv_expect(&r, TAG_OID, &oid) != 0 || oid.len == 0)
            return -1;
        if (oid.all_len == TGT_OID_NTLMSSP_DER_LEN &&
            memcmp(oid.all, TGT_OID_NTLMSSP_DER, TGT_OID_NTLMSSP_DER_LEN) == 0 &&
            out->ntlmssp_index < 0)
            out->ntlmssp_index = (int)out->mech_count;
        if (out->mech_count == UINT32_MAX)
            return -1;
        out->mech_count++;
    }
    return out->mech_count > 0 ? 0 : -1;
}

/* [RFC 4178] 4.2.1 NegTokenInit (and [MS-SPNG] 2.2.1 NegTokenInit2). */
static int neg_token_init_decode(const tlv *seq, tgt_spnego *out)
{
    rsvd_rd r;
    tlv_open(seq, &r);
    tlv f;
    bool have_types = false;
    int last = -1;
    while (rsvd_rd_left(&r) > 0) {
        if (tlv_next(&r, &f) != 0)
            return -1;
        int n = (int)(f.tag & 0x1Fu);
        if ((f.tag & 0xE0u) != 0xA0u || n <= last) /* context tags, in order */
            return -1;
        last = n;
        tlv in;
        switch (n) {
        case 0: /* mechTypes */
            if (explicit_inner(&f, TAG_SEQUENCE, &in) != 0 || mech_types_decode(&in, out) != 0)
                return -1;
            have_types = true;
            break;
        case 1: /* reqFlags: ignored */
            if (explicit_inner(&f, TAG_BIT_STRING, &in) != 0)
                return -1;
            break;
        case 2: /* mechToken */
            if (explicit_inner(&f, TAG_OCTET_STRING, &in) != 0)
                return -1;
            out->token = in.val;
            out->token_len = in.len;
            break;
        case 3: /* mechListMIC ([RFC 4178]) or negHints ([MS-SPNG]) */
            if (explicit_inner(&f, TAG_OCTET_STRING, &in) == 0) {
                out->mic = in.val;
                out->mic_len = in.len;
            } else if (explicit_inner(&f, TAG_SEQUENCE, &in) != 0) {
                return -1;
            }
            break;
        case 4: /* [MS-SPNG] NegTokenInit2 mechListMIC */
            if (explicit_inner(&f, TAG_OCTET_STRING, &in) != 0)
                return -1;
            out->mic = in.val;
            out->mic_len = in.len;
            break;
        default:
            return -1;
        }
    }
    return have_types ? 0 : -1;
}

/* [RFC 4178] 4.2.2 NegTokenResp. */
static int neg_token_resp_decode(const tlv *seq, tgt_spnego *out)
{
    rsvd_rd r;
    tlv_open(seq, &r);
    tlv f, in;
    int last = -1;
    while (rsvd_rd_left(&r) > 0) {
        if (tlv_next(&r, &f) != 0)
            return -1;
        int n = (int)(f.tag & 0x1Fu);
        if ((f.tag & 0xE0u) != 0xA0u || n <= last)
            return -1;
        last = n;
        switch (n) {
        case 0: /* negState */
            if (explicit_inner(&f, TAG_ENUMERATED, &in) != 0 || in.len != 1 || in.val[0] > 3)
                return -1;
            out->neg_state = (tgt_neg_state)in.val[0];
            break;
        case 1: /* supportedMech */
            if (explicit_inner(&f, TAG_OID, &in) != 0 || in.len == 0)
                return -1;
            out->supported_mech = in.all;
            out->supported_mech_len = in.all_len;
            break;
        case 2: /* responseToken */
            if (explicit_inner(&f, TAG_OCTET_STRING, &in) != 0)
                return -1;
            out->token = in.val;
            out->token_len = in.len;
            break;
        case 3: /* mechListMIC */
            if (explicit_inner(&f, TAG_OCTET_STRING, &in) != 0)
                return -1;
            out->mic = in.val;
            out->mic_len = in.len;
            break;
        default:
            return -1;
        }
    }
    return 0;
}

int tgt_spnego_decode(const uint8_t *buf, size_t len, tgt_spnego *out)
{
    memset(out, 0, sizeof *out);
    out->neg_state = TGT_NEG_ABSENT;
    out->ntlmssp_index = -1;
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    tlv top;
    if (tlv_next(&r, &top) != 0 || rsvd_rd_left(&r) != 0)
        return -1;
    if (top.tag == TAG_APPLICATION_0) {
        /* InitialContextToken: thisMech (SPNEGO), then [0] NegTokenInit. */
        rsvd_rd a;
        tlv oid, choice, seq;
        tlv_open(&top, &a);
        if (tlv_expect(&a, TAG_OID, &oid) != 0 || oid.all_len != sizeof TGT_OID_SPNEGO_DER - 1 ||
            memcmp(oid.all, TGT_OID_SPNEGO_DER, oid.all_len) != 0)
            return -1;
        if (tlv_expect(&a, TAG_CONTEXT(0), &choice) != 0 || rsvd_rd_left(&a) != 0 ||
            explicit_inner(&choice, TAG_SEQUENCE, &seq) != 0)
            return -1;
        out->kind = TGT_SPNEGO_INIT;
        return neg_token_init_decode(&seq, out);
    }
    if (top.tag == TAG_CONTEXT(1)) {
        tlv seq;
        if (explicit_inner(&top, TAG_SEQUENCE, &seq) != 0)
            return -1;
        out->kind = TGT_SPNEGO_RESP;
        return neg_token_resp_decode(&seq, out);
    }
    return -1;
}

/* ---- encoder --------------------------------------------------------------- */

static size_t len_size(size_t len)
{
    return len < 0x80 ? 1 : len <= 0xFF ? 2 : len <= 0xFFFF ? 3 : len <= 0xFFFFFF ? 4 : 5;
}

static size_t tlv_size(size_t len)
{
    return 1 + len_size(len) + len;
}

static void put_hdr(rsvd_wr *w, uint8_t tag, size_t len)
{
    rsvd_wr_u8(w, tag);
    size_t n = len_size(len);
    if (n == 1) {
        rsvd_wr_u8(w, (uint8_t)len);
        return;
    }
    rsvd_wr_u8(w, (uint8_t)(0x80u | (n - 1)));
    for (size_t i = n - 1; i > 0; i--)
        rsvd_wr_u8(w, (uint8_t)(len >> (8 * (i - 1))));
}

/* [n] EXPLICIT OCTET STRING */
static size_t octets_field_size(size_t len)
{
    return tlv_size(tlv_size(len));
}

static void put_octets_field(rsvd_wr *w, unsigned n, const uint8_t *v, size_t len)
{
    put_hdr(w, (uint8_t)TAG_CONTEXT(n), tlv_size(len));
    put_hdr(w, TAG_OCTET_STRING, len);
    rsvd_wr_bytes(w, v, len);
}

int tgt_spnego_encode(const tgt_spnego *t, uint8_t *buf, size_t cap, size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    if (t->kind == TGT_SPNEGO_INIT) {
        if (!t->mech_types || t->mech_types_len < 2 || t->mech_types[0] != TAG_SEQUENCE)
            return -1;
        size_t body = tlv_size(t->mech_types_len); /* [0] mechTypes */
        if (t->token)
            body += octets_field_size(t->token_len);
        if (t->mic)
            body += octets_field_size(t->mic_len);
        size_t choice = tlv_size(tlv_size(body));
        size_t app = sizeof TGT_OID_SPNEGO_DER - 1 + choice;
        put_hdr(&w, TAG_APPLICATION_0, app);
        rsvd_wr_bytes(&w, TGT_OID_SPNEGO_DER, sizeof TGT_OID_SPNEGO_DER - 1);
        put_hdr(&w, (uint8_t)TAG_CONTEXT(0), tlv_size(body));
        put_hdr(&w, TAG_SEQUENCE, body);
        put_hdr(&w, (uint8_t)TAG_CONTEXT(0), t->mech_types_len);
        rsvd_wr_bytes(&w, t->mech_types, t->mech_types_len);
        if (t->token)
            put_octets_field(&w, 2, t->token, t->token_len);
        if (t->mic)
            put_octets_field(&w, 3, t->mic, t->mic_len);
    } else if (t->kind == TGT_SPNEGO_RESP) {
        size_t body = 0;
        if (t->neg_state != TGT_NEG_ABSENT) {
            if (t->neg_state < TGT_NEG_ACCEPT_COMPLETED || t->neg_state > TGT_NEG_REQUEST_MIC)
                return -1;
            body += tlv_size(tlv_size(1));
        }
        if (t->supported_mech) {
            if (t->supported_mech_len < 2 || t->supported_mech[0] != TAG_OID)
                return -1;
            body += tlv_size(t->supported_mech_len);
        }
        if (t->token)
            body += octets_field_size(t->token_len);
        if (t->mic)
            body += octets_field_size(t->mic_len);
        put_hdr(&w, (uint8_t)TAG_CONTEXT(1), tlv_size(body));
        put_hdr(&w, TAG_SEQUENCE, body);
        if (t->neg_state != TGT_NEG_ABSENT) {
            put_hdr(&w, (uint8_t)TAG_CONTEXT(0), tlv_size(1));
            put_hdr(&w, TAG_ENUMERATED, 1);
            rsvd_wr_u8(&w, (uint8_t)t->neg_state);
        }
        if (t->supported_mech) {
            put_hdr(&w, (uint8_t)TAG_CONTEXT(1), t->supported_mech_len);
            rsvd_wr_bytes(&w, t->supported_mech, t->supported_mech_len);
        }
        if (t->token)
            put_octets_field(&w, 2, t->token, t->token_len);
        if (t->mic)
            put_octets_field(&w, 3, t->mic, t->mic_len);
    } else {
        return -1;
    }
    return rsvd_wr_finish(&w, out_len) == RSVD_OK ? 0 : -1;
}
