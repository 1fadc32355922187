/*
 * Sense data ([SPC-3] 4.5), the unit-attention mapping to the MS-RSVD 2.2.3
 * status codes, and the SCSI outcome helpers behind rsvd_scsi_result.
 */
#include <string.h>

#include <rsvd/scsi.h>
#include <rsvd/status.h>
#include <rsvd/wire.h>

#include "scsi/be.h"

/* [SPC-3] 4.5.3 fixed format: the bytes up to ASCQ are required. */
#define FIXED_MIN_LEN 14u
/* ADDITIONAL SENSE LENGTH that reaches ASCQ (byte 13 = 8 + 6 - 1). */
#define FIXED_MIN_ADD_LEN 6u

static int sense_decode_fixed(rsvd_rd *r, uint8_t b0, rsvd_scsi_sense *out)
{
    out->valid = (b0 & 0x80) != 0;              /* 0: VALID (bit 7) */
    rsvd_rd_skip(r, 1);                         /* 1: Obsolete */
    uint8_t b2 = rsvd_rd_u8(r);                 /* 2: FILEMARK, EOM, ILI, SENSE KEY */
    out->filemark = (b2 & 0x80) != 0;
    out->eom = (b2 & 0x40) != 0;
    out->ili = (b2 & 0x20) != 0;
    out->key = b2 & 0x0F;
    out->information = rsvd_rd_be32(r);         /* 3-6: INFORMATION */
    uint8_t add_len = rsvd_rd_u8(r);            /* 7: ADDITIONAL SENSE LENGTH */
    out->cmd_info = rsvd_rd_be32(r);            /* 8-11: COMMAND-SPECIFIC INFORMATION */
    out->asc = rsvd_rd_u8(r);                   /* 12: ADDITIONAL SENSE CODE */
    out->ascq = rsvd_rd_u8(r);                  /* 13: ADDITIONAL SENSE CODE QUALIFIER */
    if (!rsvd_rd_ok(r))
        return RSVD_E_WIRE_SHORT;
    if (add_len < FIXED_MIN_ADD_LEN)
        return RSVD_E_WIRE_VALUE;
    /* Bytes 14-17 are optional: a sense buffer may cut them ([SPC-3] 4.5.1);
     * read those the buffer and the ADDITIONAL SENSE LENGTH both cover. */
    size_t present = 8u + add_len;
    if (present > 14 && rsvd_rd_left(r) > 0)
        out->fru = rsvd_rd_u8(r);               /* 14: FIELD REPLACEABLE UNIT CODE */
    for (size_t i = 0; i < 3; i++)              /* 15-17: SKSV, SENSE KEY SPECIFIC */
        if (present > 15 + i && rsvd_rd_left(r) > 0)
            out->sks[i] = rsvd_rd_u8(r);
    return RSVD_OK;
}

/* [SPC-3] 4.5 */
int rsvd_scsi_sense_decode(const uint8_t *buf, size_t len, rsvd_scsi_sense *out)
{
    memset(out, 0, sizeof *out);
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    uint8_t b0 = rsvd_rd_u8(&r); /* 0: VALID (fixed only), RESPONSE CODE (bits 6-0) */
    if (!rsvd_rd_ok(&r))
        return RSVD_E_WIRE_SHORT;
    out->response_code = b0 & 0x7F;
    switch (out->response_code) {
    case RSVD_SCSI_SENSE_FIXED_CURRENT:
    case RSVD_SCSI_SENSE_FIXED_DEFERRED:
        if (len < FIXED_MIN_LEN)
            return RSVD_E_WIRE_SHORT;
        return sense_decode_fixed(&r, b0, out);
    case RSVD_SCSI_SENSE_DESC_CURRENT:
    case RSVD_SCSI_SENSE_DESC_DEFERRED:
        /* [SPC-3] 4.5.2: 8-byte header, then descriptors (not interpreted) */
        if (b0 & 0x80)
            return RSVD_E_WIRE_VALUE;          /* 0: bit 7 reserved */
        out->key = rsvd_rd_u8(&r) & 0x0F;     /* 1: SENSE KEY (bits 3-0) */
        out->asc = rsvd_rd_u8(&r);            /* 2: ADDITIONAL SENSE CODE */
        out->ascq = rsvd_rd_u8(&r);           /* 3: ADDITIONAL SENSE CODE QUALIFIER */
        rsvd_rd_skip(&r, 3);                  /* 4-6: Reserved */
        rsvd_rd_skip(&r, 1);                  /* 7: ADDITIONAL SENSE LENGTH */
        return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_SHORT;
    default:
        return RSVD_E_WIRE_VALUE;
    }
}

int rsvd_scsi_sense_encode(const rsvd_scsi_sense *s, uint8_t *buf, size_t cap, size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    switch (s->response_code) {
    case RSVD_SCSI_SENSE_FIXED_CURRENT:
    case RSVD_SCSI_SENSE_FIXED_DEFERRED:
        /* [SPC-3] 4.5.3 fixed format */
        rsvd_wr_u8(&w, (uint8_t)((s->valid ? 0x80 : 0) | s->response_code)); /* 0 */
        rsvd_wr_u8(&w, 0);                                   /* 1: Obsolete */
        rsvd_wr_u8(&w, (uint8_t)((s->filemark ? 0x80 : 0) | (s->eom ? 0x40 : 0) |
                                 (s->ili ? 0x20 : 0) | (s->key & 0x0F))); /* 2 */
        rsvd_wr_be32(&w, s->information);                    /* 3-6: INFORMATION */
        rsvd_wr_u8(&w, RSVD_SCSI_FIXED_SENSE_LEN - 8);       /* 7: ADDITIONAL SENSE LENGTH */
        rsvd_wr_be32(&w, s->cmd_info);                       /* 8-11: COMMAND-SPECIFIC INFO */
        rsvd_wr_u8(&w, s->asc);                              /* 12: ASC */
        rsvd_wr_u8(&w, s->ascq);                             /* 13: ASCQ */
        rsvd_wr_u8(&w, s->fru);                              /* 14: FRU CODE */
        rsvd_wr_bytes(&w, s->sks, 3);                        /* 15-17: SKSV, SENSE KEY SPECIFIC */
        break;
    case RSVD_SCSI_SENSE_DESC_CURRENT:
    case RSVD_SCSI_SENSE_DESC_DEFERRED:
        /* [SPC-3] 4.5.2 descriptor format header, no descriptors */
        rsvd_wr_u8(&w, s->response_code);  /* 0: RESPONSE CODE */
        rsvd_wr_u8(&w, s->key & 0x0F);     /* 1: SENSE KEY */
        rsvd_wr_u8(&w, s->asc);            /* 2: ASC */
        rsvd_wr_u8(&w, s->ascq);           /* 3: ASCQ */
        rsvd_wr_zeros(&w, 3);              /* 4-6: Reserved */
        rsvd_wr_u8(&w, 0);                 /* 7: ADDITIONAL SENSE LENGTH */
        break;
    default:
        return RSVD_E_INVAL;
    }
    return rsvd_wr_finish(&w, out_len);
}

int rsvd_scsi_sense_build(uint8_t *buf, size_t cap, uint8_t key, uint8_t asc, uint8_t ascq)
{
    rsvd_scsi_sense s;
    memset(&s, 0, sizeof s);
    s.response_code = RSVD_SCSI_SENSE_FIXED_CURRENT;
    s.key = key & 0x0F;
    s.asc = asc;
    s.ascq = ascq;
    size_t n = 0;
    int rc = rsvd_scsi_sense_encode(&s, buf, cap, &n);
    return rc == RSVD_OK ? (int)n : rc;
}

const char *rsvd_scsi_sense_key_name(uint8_t key)
{
    /* [SPC-3] 4.5.6 sense key descriptions */
    static const char *const names[16] = {
        "NO SENSE",        "RECOVERED ERROR", "NOT READY",      "MEDIUM ERROR",
        "HARDWARE ERROR",  "ILLEGAL REQUEST", "UNIT ATTENTION", "DATA PROTECT",
        "BLANK CHECK",     "VENDOR SPECIFIC", "COPY ABORTED",   "ABORTED COMMAND",
        NULL,              "VOLUME OVERFLOW", "MISCOMPARE",     NULL,
    };
    return key < 16 ? names[key] : NULL;
}

const char *rsvd_scsi_status_name(uint8_t status)
{
    /* [SAM-4] 5.3 Status codes (the obsolete ones have no name) */
    switch (status) {
    case 0x00: return "GOOD";
    case 0x02: return "CHECK CONDITION";
    case 0x04: return "CONDITION MET";
    case 0x08: return "BUSY";
    case 0x18: return "RESERVATION CONFLICT";
    case 0x28: return "TASK SET FULL";
    case 0x30: return "ACA ACTIVE";
    case 0x40: return "TASK ABORTED";
    default: return NULL;
    }
}

/* [MS-RSVD] 2.2.3: the unit attentions an RSVD server reports by status. */
uint32_t rsvd_scsi_ua_status(uint8_t asc, uint8_t ascq)
{
    if (asc == 0x2A) {
        switch (ascq) {
        case 0x03: /* RESERVATIONS PREEMPTED */
            return RSVD_STATUS_SVHDX_UNIT_ATTENTION_RESERVATIONS_PREEMPTED;
        case 0x04: /* RESERVATIONS RELEASED */
            return RSVD_STATUS_SVHDX_UNIT_ATTENTION_RESERVATIONS_RELEASED;
        case 0x05: /* REGISTRATIONS PREEMPTED */
            return RSVD_STATUS_SVHDX_UNIT_ATTENTION_REGISTRATIONS_PREEMPTED;
        case 0x09: /* CAPACITY DATA HAS CHANGED */
            return RSVD_STATUS_SVHDX_UNIT_ATTENTION_CAPACITY_DATA_CHANGED;
        default:
            break;
        }
    }
    if (asc == 0x3F) /* 3F/xx: the operating definition (inquiry, LUNs, ...) changed */
        return RSVD_STATUS_SVHDX_UNIT_ATTENTION_OPERATING_DEFINITION_CHANGED;
    return RSVD_STATUS_SVHDX_UNIT_ATTENTION_AVAILABLE;
}

uint32_t rsvd_scsi_sense_ua_status(const rsvd_scsi_sense *s)
{
    if (s->key != RSVD_SCSI_SENSE_UNIT_ATTENTION)
        return RSVD_STATUS_SUCCESS;
    return rsvd_scsi_ua_status(s->asc, s->ascq);
}

void rsvd_scsi_result_set(rsvd_scsi_result *r, uint8_t scsi_status, const uint8_t *sense,
                          size_t sense_len)
{
    memset(r, 0, sizeof *r);
    r->scsi_status = scsi_status;
    switch (scsi_status) {
    case RSVD_SCSI_STATUS_GOOD:
        r->srb_status = RSVD_SRB_STATUS_SUCCESS;
        return;
    case RSVD_SCSI_STATUS_CHECK_CONDITION:
        r->srb_status = RSVD_SRB_STATUS_ERROR;
        if (sense && sense_len) {
            size_t n = sense_len < sizeof r->sense ? sense_len : sizeof r->sense;
            memcpy(r->sense, sense, n);
            r->sense_len = (uint8_t)n;
            r->sense_auto_generated = true;
        }
        return;
    default: /* RESERVATION CONFLICT, BUSY, ...: no sense data ([SAM-4] 5.3) */
        r->srb_status = RSVD_SRB_STATUS_ERROR;
        return;
    }
}

void rsvd_scsi_result_check_condition(rsvd_scsi_result *r, uint8_t key, uint8_t asc,
                                      uint8_t ascq)
{
    uint8_t sense[RSVD_SCSI_FIXED_SENSE_LEN];
    int n = rsvd_scsi_sense_build(sense, sizeof sense, key, asc, ascq);
    rsvd_scsi_result_set(r, RSVD_SCSI_STATUS_CHECK_CONDITION, sense, n > 0 ? (size_t)n : 0);
}
