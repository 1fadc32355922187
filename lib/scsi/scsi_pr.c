/*
 * Persistent-reservation parameter data ([SPC-3] 6.11, 6.12) and READ
 * CAPACITY parameter data ([SBC-3]).
 */
#include <string.h>

#include <rsvd/scsi.h>
#include <rsvd/wire.h>

#include "scsi/be.h"

bool rsvd_scsi_pr_type_valid(uint8_t type)
{
    return rsvd_scsi_pr_type_name(type) != NULL;
}

/* [SPC-3] 6.11.3.4 persistent reservation type codes */
const char *rsvd_scsi_pr_type_name(uint8_t type)
{
    switch (type) {
    case RSVD_SCSI_PR_WRITE_EXCLUSIVE:
        return "WRITE EXCLUSIVE";
    case RSVD_SCSI_PR_EXCLUSIVE_ACCESS:
        return "EXCLUSIVE ACCESS";
    case RSVD_SCSI_PR_WRITE_EXCLUSIVE_REGISTRANTS_ONLY:
        return "WRITE EXCLUSIVE - REGISTRANTS ONLY";
    case RSVD_SCSI_PR_EXCLUSIVE_ACCESS_REGISTRANTS_ONLY:
        return "EXCLUSIVE ACCESS - REGISTRANTS ONLY";
    case RSVD_SCSI_PR_WRITE_EXCLUSIVE_ALL_REGISTRANTS:
        return "WRITE EXCLUSIVE - ALL REGISTRANTS";
    case RSVD_SCSI_PR_EXCLUSIVE_ACCESS_ALL_REGISTRANTS:
        return "EXCLUSIVE ACCESS - ALL REGISTRANTS";
    default:
        return NULL;
    }
}

/* [SPC-3] 6.12.3 PERSISTENT RESERVE OUT parameter list */
int rsvd_scsi_prout_params_encode(const rsvd_scsi_prout_params *p, uint8_t *buf, size_t cap)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_be64(&w, p->reservation_key);    /* 0-7: RESERVATION KEY */
    rsvd_wr_be64(&w, p->sa_reservation_key); /* 8-15: SERVICE ACTION RESERVATION KEY */
    rsvd_wr_be32(&w, 0);                     /* 16-19: Obsolete (scope-specific address) */
    rsvd_wr_u8(&w, (uint8_t)((p->spec_i_pt ? 0x08 : 0) | (p->all_tg_pt ? 0x04 : 0) |
                             (p->aptpl ? 0x01 : 0))); /* 20: SPEC_I_PT, ALL_TG_PT, APTPL */
    rsvd_wr_u8(&w, 0);                       /* 21: Reserved */
    rsvd_wr_be16(&w, 0);                     /* 22-23: Obsolete (extent length) */
    return rsvd_wr_finish(&w, NULL);
}

int rsvd_scsi_prout_params_decode(const uint8_t *buf, size_t len, rsvd_scsi_prout_params *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    out->reservation_key = rsvd_rd_be64(&r);    /* 0-7: RESERVATION KEY */
    out->sa_reservation_key = rsvd_rd_be64(&r); /* 8-15: SERVICE ACTION RESERVATION KEY */
    rsvd_rd_skip(&r, 4);                        /* 16-19: Obsolete */
    uint8_t b20 = rsvd_rd_u8(&r);               /* 20: SPEC_I_PT, ALL_TG_PT, APTPL */
    rsvd_rd_skip(&r, 1);                        /* 21: Reserved */
    rsvd_rd_skip(&r, 2);                        /* 22-23: Obsolete */
    out->spec_i_pt = (b20 & 0x08) != 0;
    out->all_tg_pt = (b20 & 0x04) != 0;
    out->aptpl = (b20 & 0x01) != 0;
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_SHORT;
}

/* [SPC-3] 6.11.2 READ KEYS parameter data */
int rsvd_scsi_prin_keys_decode(const uint8_t *buf, size_t len, rsvd_scsi_prin_keys *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    out->pr_generation = rsvd_rd_be32(&r);  /* 0-3: PRGENERATION */
    uint32_t add_len = rsvd_rd_be32(&r);    /* 4-7: ADDITIONAL LENGTH */
    if (!rsvd_rd_ok(&r))
        return RSVD_E_WIRE_SHORT;
    if (add_len % 8u)
        return RSVD_E_WIRE_VALUE;
    if (!rsvd_wire_range_ok(len, 8, add_len))
        return RSVD_E_WIRE_RANGE;
    out->num_keys = add_len / 8u;
    out->keys = rsvd_rd_take(&r, add_len);  /* 8-n: RESERVATION KEY list */
    return RSVD_OK;
}

uint64_t rsvd_scsi_prin_keys_get(const rsvd_scsi_prin_keys *k, uint32_t i)
{
    if (i >= k->num_keys || !k->keys)
        return 0;
    rsvd_rd r;
    rsvd_rd_init(&r, k->keys, (size_t)k->num_keys * 8u);
    rsvd_rd_seek(&r, (uint64_t)i * 8u);
    return rsvd_rd_be64(&r);
}

int rsvd_scsi_prin_keys_encode(uint32_t pr_generation, const uint64_t *keys, size_t num_keys,
                               uint8_t *buf, size_t cap, size_t *out_len)
{
    if (num_keys > (UINT32_MAX - 8u) / 8u || (num_keys && !keys))
        return RSVD_E_INVAL;
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_be32(&w, pr_generation);              /* 0-3: PRGENERATION */
    rsvd_wr_be32(&w, (uint32_t)(num_keys * 8u));  /* 4-7: ADDITIONAL LENGTH */
    for (size_t i = 0; i < num_keys; i++)
        rsvd_wr_be64(&w, keys[i]);                /* 8-n: RESERVATION KEY list */
    return rsvd_wr_finish(&w, out_len);
}

/* [SPC-3] 6.11.3 READ RESERVATION parameter data */
int rsvd_scsi_prin_reservation_decode(const uint8_t *buf, size_t len,
                                      rsvd_scsi_prin_reservation *out)
{
    memset(out, 0, sizeof *out);
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    out->pr_generation = rsvd_rd_be32(&r);  /* 0-3: PRGENERATION */
    uint32_t add_len = rsvd_rd_be32(&r);    /* 4-7: ADDITIONAL LENGTH */
    if (!rsvd_rd_ok(&r))
        return RSVD_E_WIRE_SHORT;
    if (add_len == 0)
        return RSVD_OK;                     /* no persistent reservation */
    if (add_len != 16)
        return RSVD_E_WIRE_VALUE;
    out->reserved = true;
    out->reservation_key = rsvd_rd_be64(&r); /* 8-15: RESERVATION KEY */
    rsvd_rd_skip(&r, 4);                     /* 16-19: Obsolete */
    rsvd_rd_skip(&r, 1);                     /* 20: Reserved */
    uint8_t b21 = rsvd_rd_u8(&r);            /* 21: SCOPE (7-4), TYPE (3-0) */
    rsvd_rd_skip(&r, 2);                     /* 22-23: Obsolete */
    out->scope = (uint8_t)(b21 >> 4);
    out->type = b21 & 0x0F;
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_SHORT;
}

int rsvd_scsi_prin_reservation_encode(const rsvd_scsi_prin_reservation *res, uint8_t *buf,
                                      size_t cap, size_t *out_len)
{
    if (res->reserved && (res->scope > 0xF || res->type > 0xF))
        return RSVD_E_INVAL;
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_be32(&w, res->pr_generation);         /* 0-3: PRGENERATION */
    rsvd_wr_be32(&w, res->reserved ? 16u : 0u);   /* 4-7: ADDITIONAL LENGTH */
    if (res->reserved) {
        rsvd_wr_be64(&w, res->reservation_key);   /* 8-15: RESERVATION KEY */
        rsvd_wr_be32(&w, 0);                      /* 16-19: Obsolete */
        rsvd_wr_u8(&w, 0);                        /* 20: Reserved */
        rsvd_wr_u8(&w, (uint8_t)((res->scope << 4) | res->type)); /* 21: SCOPE, TYPE */
        rsvd_wr_be16(&w, 0);                      /* 22-23: Obsolete */
    }
    return rsvd_wr_finish(&w, out_len);
}

/* [SPC-3] 6.11.4 REPORT CAPABILITIES parameter data */
int rsvd_scsi_prin_capabilities_decode(const uint8_t *buf, size_t len,
                                       rsvd_scsi_prin_capabilities *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    uint16_t length = rsvd_rd_be16(&r);  /* 0-1: LENGTH (0008h) */
    uint8_t b2 = rsvd_rd_u8(&r);         /* 2: CRH, SIP_C, ATP_C, PTPL_C */
    uint8_t b3 = rsvd_rd_u8(&r);         /* 3: TMV, PTPL_A */
    out->type_mask = rsvd_rd_be16(&r);   /* 4-5: PERSISTENT RESERVATION TYPE MASK */
    rsvd_rd_skip(&r, 2);                 /* 6-7: Reserved */
    if (!rsvd_rd_ok(&r))
        return RSVD_E_WIRE_SHORT;
    if (length < RSVD_SCSI_PRIN_CAPABILITIES_LEN)
        return RSVD_E_WIRE_VALUE;
    out->crh = (b2 & 0x10) != 0;
    out->sip_c = (b2 & 0x08) != 0;
    out->atp_c = (b2 & 0x04) != 0;
    out->ptpl_c = (b2 & 0x01) != 0;
    out->tmv = (b3 & 0x80) != 0;
    out->ptpl_a = (b3 & 0x01) != 0;
    return RSVD_OK;
}

int rsvd_scsi_prin_capabilities_encode(const rsvd_scsi_prin_capabilities *c, uint8_t *buf,
                                       size_t cap)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_be16(&w, RSVD_SCSI_PRIN_CAPABILITIES_LEN); /* 0-1: LENGTH */
    rsvd_wr_u8(&w, (uint8_t)((c->crh ? 0x10 : 0) | (c->sip_c ? 0x08 : 0) |
                             (c->atp_c ? 0x04 : 0) | (c->ptpl_c ? 0x01 : 0))); /* 2 */
    rsvd_wr_u8(&w, (uint8_t)((c->tmv ? 0x80 : 0) | (c->ptpl_a ? 0x01 : 0)));  /* 3 */
    rsvd_wr_be16(&w, c->type_mask);                   /* 4-5: TYPE MASK */
    rsvd_wr_be16(&w, 0);                              /* 6-7: Reserved */
    return rsvd_wr_finish(&w, NULL);
}

/* [SBC-3] READ CAPACITY(10) parameter data */
int rsvd_scsi_read_capacity10_decode(const uint8_t *buf, size_t len, rsvd_scsi_capacity *out)
{
    memset(out, 0, sizeof *out);
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    out->last_lba = rsvd_rd_be32(&r);     /* 0-3: RETURNED LOGICAL BLOCK ADDRESS */
    out->block_length = rsvd_rd_be32(&r); /* 4-7: LOGICAL BLOCK LENGTH IN BYTES */
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_SHORT;
}

int rsvd_scsi_read_capacity10_encode(const rsvd_scsi_capacity *c, uint8_t *buf, size_t cap)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    /* 0-3: RETURNED LOGICAL BLOCK ADDRESS; FFFFFFFFh tells the client to use
     * READ CAPACITY(16) */
    rsvd_wr_be32(&w, c->last_lba > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)c->last_lba);
    rsvd_wr_be32(&w, c->block_length); /* 4-7: LOGICAL BLOCK LENGTH IN BYTES */
    return rsvd_wr_finish(&w, NULL);
}

/* [SBC-3] READ CAPACITY(16) parameter data */
int rsvd_scsi_read_capacity16_decode(const uint8_t *buf, size_t len, rsvd_scsi_capacity *out)
{
    memset(out, 0, sizeof *out);
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    out->last_lba = rsvd_rd_be64(&r);     /* 0-7: RETURNED LOGICAL BLOCK ADDRESS */
    out->block_length = rsvd_rd_be32(&r); /* 8-11: LOGICAL BLOCK LENGTH IN BYTES */
    rsvd_rd_skip(&r, 1);                  /* 12: P_TYPE, PROT_EN */
    uint8_t b13 = rsvd_rd_u8(&r);         /* 13: P_I_EXPONENT, LBPPB EXPONENT */
    uint16_t b14 = rsvd_rd_be16(&r);      /* 14-15: TPE, TPRZ, LOWEST ALIGNED LBA */
    rsvd_rd_skip(&r, 16);                 /* 16-31: Reserved */
    out->lbppb_exponent = b13 & 0x0F;
    out->lowest_aligned_lba = b14 & 0x3FFF;
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_SHORT;
}

int rsvd_scsi_read_capacity16_encode(const rsvd_scsi_capacity *c, uint8_t *buf, size_t cap)
{
    if (c->lbppb_exponent > 0x0F || c->lowest_aligned_lba > 0x3FFF)
        return RSVD_E_INVAL;
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_be64(&w, c->last_lba);           /* 0-7: RETURNED LOGICAL BLOCK ADDRESS */
    rsvd_wr_be32(&w, c->block_length);       /* 8-11: LOGICAL BLOCK LENGTH IN BYTES */
    rsvd_wr_u8(&w, 0);                       /* 12: P_TYPE 0, PROT_EN 0 */
    rsvd_wr_u8(&w, c->lbppb_exponent);       /* 13: P_I_EXPONENT 0, LBPPB EXPONENT */
    rsvd_wr_be16(&w, c->lowest_aligned_lba); /* 14-15: TPE 0, TPRZ 0, LOWEST ALIGNED LBA */
    rsvd_wr_zeros(&w, 16);                   /* 16-31: Reserved */
    return rsvd_wr_finish(&w, NULL);
}
