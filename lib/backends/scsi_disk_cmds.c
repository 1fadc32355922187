/*
 * SPC-3 and SBC-3 commands of the built-in virtual SCSI disk, other than the
 * persistent reservations (scsi_disk_pr.c). Each handler reads its CDB from
 * x->cdb (positioned at byte 0, exactly the command's CDB length long) one
 * field per line, checks the fields, and sets the outcome.
 */
#include "backends/scsi_disk_int.h"

#include <string.h>

#include <rsvd/block.h>
#include <rsvd/scsi.h>
#include <rsvd/scsi_disk.h>
#include <rsvd/status.h>
#include <rsvd/wire.h>

/* ------------------------------------------------------------------------ */
/* Block I/O                                                                 */
/* ------------------------------------------------------------------------ */

void sd_io(sd_cmd *x, bool write, uint64_t lba, uint64_t blocks, uint8_t *in_buf,
           const uint8_t *out_buf, size_t buf_len, bool fua)
{
    rsvd_scsi_disk *d = x->d;
    /* [SBC-3]: the range must lie on the medium */
    if (lba > x->blocks || blocks > x->blocks - lba) {
        sd_illegal(x, RSVD_SCSI_ASCQ_LBA_OUT_OF_RANGE);
        return;
    }
    uint64_t bytes = blocks * d->lbs; /* at most the block source's size */
    if (bytes > buf_len || bytes > UINT32_MAX || (bytes && !(write ? (const void *)out_buf
                                                                   : (const void *)in_buf))) {
        /* The transfer does not fit the buffer the initiator gave. */
        sd_illegal(x, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
        return;
    }
    if (bytes == 0) { /* a transfer length of 0 is not an error ([SBC-3]) */
        sd_good(x, 0);
        return;
    }
    uint64_t off = lba * d->lbs;
    const rsvd_block_ops *bo = d->block.ops;
    if (!write) {
        uint32_t rst = x->view ? sd_snap_read(d, x->view, off, in_buf, (size_t)bytes)
                               : bo->read(d->block.ctx, off, in_buf, (size_t)bytes);
        if (rst != RSVD_STATUS_SUCCESS) {
            sd_check(x, RSVD_SCSI_SENSE_MEDIUM_ERROR, RSVD_SCSI_ASCQ_UNRECOVERED_READ_ERROR);
            return;
        }
        sd_good(x, (uint32_t)bytes);
        return;
    }
    if (x->view) { /* a snapshot keeps its content */
        sd_check(x, RSVD_SCSI_SENSE_DATA_PROTECT, SD_ASCQ_WRITE_PROTECTED);
        return;
    }
    uint32_t st = d->store ? sd_store_write(d, off, out_buf, (size_t)bytes)
                           : bo->write(d->block.ctx, off, out_buf, (size_t)bytes);
    if (st == RSVD_STATUS_SUCCESS && fua && d->write_cache)
        st = bo->flush(d->block.ctx); /* FUA: on the medium before GOOD */
    if (st == RSVD_STATUS_DISK_FULL) {
        /* [SBC-3] thin provisioning: the storage under the disk is full */
        sd_check(x, RSVD_SCSI_SENSE_DATA_PROTECT,
                 RSVD_SCSI_ASCQ_SPACE_ALLOCATION_FAILED_WRITE_PROTECT);
        return;
    }
    if (st != RSVD_STATUS_SUCCESS) {
        sd_check(x, RSVD_SCSI_SENSE_MEDIUM_ERROR, RSVD_SCSI_ASCQ_WRITE_ERROR);
        return;
    }
    sd_good(x, 0);
}

/* Byte 1 of READ/WRITE(10)/(16): RDPROTECT/WRPROTECT, DPO, FUA, FUA_NV. */
static bool rw_flags_ok(sd_cmd *x, uint8_t b1, bool *fua)
{
    if (b1 & 0xE0) { /* protection information: the disk has none */
        sd_illegal(x, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
        return false;
    }
    *fua = (b1 & RSVD_SCSI_RW_FUA) != 0;
    return true;
}

static void rw10(sd_cmd *x, bool write)
{
    rsvd_rd *r = &x->cdb;
    rsvd_rd_skip(r, 1);                  /* 0: OPERATION CODE */
    uint8_t b1 = rsvd_rd_u8(r);          /* 1: xPROTECT, DPO, FUA, FUA_NV */
    uint32_t lba = rsvd_rd_be32(r);      /* 2-5: LOGICAL BLOCK ADDRESS */
    rsvd_rd_skip(r, 1);                  /* 6: GROUP NUMBER */
    uint16_t blocks = rsvd_rd_be16(r);   /* 7-8: TRANSFER LENGTH */
    bool fua;
    if (!rw_flags_ok(x, b1, &fua))
        return;
    const rsvd_scsi_cmd *c = x->cmd;
    sd_io(x, write, lba, blocks, c->data_in, c->data_out,
          write ? c->data_out_len : c->data_in_cap, fua);
}

static void rw16(sd_cmd *x, bool write)
{
    rsvd_rd *r = &x->cdb;
    rsvd_rd_skip(r, 1);                  /* 0: OPERATION CODE */
    uint8_t b1 = rsvd_rd_u8(r);          /* 1: xPROTECT, DPO, FUA, FUA_NV */
    uint64_t lba = rsvd_rd_be64(r);      /* 2-9: LOGICAL BLOCK ADDRESS */
    uint32_t blocks = rsvd_rd_be32(r);   /* 10-13: TRANSFER LENGTH */
    bool fua;
    if (!rw_flags_ok(x, b1, &fua))
        return;
    const rsvd_scsi_cmd *c = x->cmd;
    sd_io(x, write, lba, blocks, c->data_in, c->data_out,
          write ? c->data_out_len : c->data_in_cap, fua);
}

void sd_cmd_read10(sd_cmd *x)
{
    rw10(x, false);
}

void sd_cmd_write10(sd_cmd *x)
{
    rw10(x, true);
}

void sd_cmd_read16(sd_cmd *x)
{
    rw16(x, false);
}

void sd_cmd_write16(sd_cmd *x)
{
    rw16(x, true);
}

/* [SBC-3] SYNCHRONIZE CACHE: number of blocks 0 = through the last LBA. */
static void sync_cache(sd_cmd *x, uint64_t lba, uint64_t blocks)
{
    rsvd_scsi_disk *d = x->d;
    if (lba > x->blocks || blocks > x->blocks - lba) {
        sd_illegal(x, RSVD_SCSI_ASCQ_LBA_OUT_OF_RANGE);
        return;
    }
    if (d->block.ops->flush(d->block.ctx) != RSVD_STATUS_SUCCESS) {
        sd_check(x, RSVD_SCSI_SENSE_MEDIUM_ERROR, RSVD_SCSI_ASCQ_WRITE_ERROR);
        return;
    }
    sd_good(x, 0); /* IMMED is honoured by finishing first: nothing is left to do */
}

void sd_cmd_sync_cache10(sd_cmd *x)
{
    rsvd_rd *r = &x->cdb;
    rsvd_rd_skip(r, 2);                 /* 0: OPERATION CODE; 1: SYNC_NV, IMMED */
    uint32_t lba = rsvd_rd_be32(r);     /* 2-5: LOGICAL BLOCK ADDRESS */
    rsvd_rd_skip(r, 1);                 /* 6: GROUP NUMBER */
    uint16_t blocks = rsvd_rd_be16(r);  /* 7-8: NUMBER OF LOGICAL BLOCKS */
    sync_cache(x, lba, blocks);
}

void sd_cmd_sync_cache16(sd_cmd *x)
{
    rsvd_rd *r = &x->cdb;
    rsvd_rd_skip(r, 2);                 /* 0: OPERATION CODE; 1: SYNC_NV, IMMED */
    uint64_t lba = rsvd_rd_be64(r);     /* 2-9: LOGICAL BLOCK ADDRESS */
    uint32_t blocks = rsvd_rd_be32(r);  /* 10-13: NUMBER OF LOGICAL BLOCKS */
    sync_cache(x, lba, blocks);
}

/* ------------------------------------------------------------------------ */
/* Capacity                                                                  */
/* ------------------------------------------------------------------------ */

static uint8_t log2_u32(uint32_t v)
{
    uint8_t n = 0;
    while (v > 1) {
        v >>= 1;
        n++;
    }
    return n;
}

/* [SBC-3] READ CAPACITY(10) */
void sd_cmd_read_capacity10(sd_cmd *x)
{
    rsvd_rd *r = &x->cdb;
    rsvd_rd_skip(r, 2);                /* 0: OPERATION CODE; 1: Reserved/obsolete */
    uint32_t lba = rsvd_rd_be32(r);    /* 2-5: LOGICAL BLOCK ADDRESS */
    rsvd_rd_skip(r, 2);                /* 6-7: Reserved */
    uint8_t pmi = rsvd_rd_u8(r) & 1u;  /* 8: PMI */
    if (!pmi && lba != 0) {
        sd_illegal(x, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
        return;
    }
    rsvd_scsi_capacity cap = {.last_lba = x->blocks - 1, .block_length = x->d->lbs};
    rsvd_scsi_read_capacity10_encode(&cap, x->d->scratch, x->d->scratch_size);
    sd_data_in(x, RSVD_SCSI_READ_CAPACITY10_LEN, RSVD_SCSI_READ_CAPACITY10_LEN);
}

/* [SBC-3] SERVICE ACTION IN(16): READ CAPACITY(16) is the one service action. */
void sd_cmd_service_action_in16(sd_cmd *x)
{
    rsvd_rd *r = &x->cdb;
    rsvd_rd_skip(r, 1);                   /* 0: OPERATION CODE */
    uint8_t sa = rsvd_rd_u8(r) & 0x1F;    /* 1: SERVICE ACTION */
    uint64_t lba = rsvd_rd_be64(r);       /* 2-9: LOGICAL BLOCK ADDRESS */
    uint32_t alloc = rsvd_rd_be32(r);     /* 10-13: ALLOCATION LENGTH */
    uint8_t pmi = rsvd_rd_u8(r) & 1u;     /* 14: PMI */
    if (sa != RSVD_SCSI_SAI_READ_CAPACITY16 || (!pmi && lba != 0)) {
        sd_illegal(x, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
        return;
    }
    rsvd_scsi_capacity cap = {
        .last_lba = x->blocks - 1,
        .block_length = x->d->lbs,
        .lbppb_exponent = log2_u32(x->d->pbs / x->d->lbs),
    };
    rsvd_scsi_read_capacity16_encode(&cap, x->d->scratch, x->d->scratch_size);
    sd_data_in(x, RSVD_SCSI_READ_CAPACITY16_LEN, alloc);
}

/* ------------------------------------------------------------------------ */
/* SPC-3 commands                                                            */
/* ------------------------------------------------------------------------ */

/* [SPC-3] 6.33 */
void sd_cmd_test_unit_ready(sd_cmd *x)
{
    sd_good(x, 0);
}

/* [SPC-3] 6.27 REQUEST SENSE: a pending unit attention is returned as the
 * sense data and cleared; otherwise NO SENSE (autosense already delivered
 * every other error with its command). */
void sd_cmd_request_sense(sd_cmd *x)
{
    rsvd_rd *r = &x->cdb;
    rsvd_rd_skip(r, 1);                /* 0: OPERATION CODE */
    uint8_t desc = rsvd_rd_u8(r) & 1u; /* 1: DESC */
    rsvd_rd_skip(r, 2);                /* 2-3: Reserved */
    uint8_t alloc = rsvd_rd_u8(r);     /* 4: ALLOCATION LENGTH */
    if (desc) { /* descriptor format is not supported: fixed format only */
        sd_illegal(x, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
        return;
    }
    uint16_t ascq = RSVD_SCSI_ASCQ_NO_ADDITIONAL_SENSE;
    uint8_t key = RSVD_SCSI_SENSE_NO_SENSE;
    if (sd_ua_pop(x->nx, &ascq))
        key = RSVD_SCSI_SENSE_UNIT_ATTENTION;
    int n = rsvd_scsi_sense_build(x->d->scratch, x->d->scratch_size, key, (uint8_t)(ascq >> 8),
                                  (uint8_t)ascq);
    sd_data_in(x, n > 0 ? (size_t)n : 0, alloc);
}

/* Standard INQUIRY data ([SPC-3] 6.4.2): 36 bytes. */
static size_t inquiry_standard(rsvd_scsi_disk *d)
{
    rsvd_wr w;
    rsvd_wr_init(&w, d->scratch, d->scratch_size);
    rsvd_wr_u8(&w, 0x00);     /* 0: PERIPHERAL QUALIFIER 000b, DEVICE TYPE 00h (direct access) */
    rsvd_wr_u8(&w, 0x00);     /* 1: RMB 0 */
    rsvd_wr_u8(&w, 0x05);     /* 2: VERSION: SPC-3 */
    rsvd_wr_u8(&w, 0x12);     /* 3: NORMACA 0, HISUP 1, RESPONSE DATA FORMAT 2 */
    rsvd_wr_u8(&w, 36 - 5);   /* 4: ADDITIONAL LENGTH */
    rsvd_wr_u8(&w, 0x00);     /* 5: SCCS, ACC, TPGS, 3PC, PROTECT: 0 */
    rsvd_wr_u8(&w, 0x00);     /* 6: ENCSERV, MULTIP, ...: 0 */
    rsvd_wr_u8(&w, 0x02);     /* 7: CMDQUE 1 */
    rsvd_wr_ascii_field(&w, d->vendor, 8);    /* 8-15: T10 VENDOR IDENTIFICATION */
    rsvd_wr_ascii_field(&w, d->product, 16);  /* 16-31: PRODUCT IDENTIFICATION */
    rsvd_wr_ascii_field(&w, d->revision, 4);  /* 32-35: PRODUCT REVISION LEVEL */
    return rsvd_wr_pos(&w);
}

/* The VPD pages the disk has, ascending ([SPC-3] 7.6.10). */
static const uint8_t vpd_pages[] = {0x00, 0x80, 0x83};

/* The NAA designator: the library owns no IEEE company id, so NAA 3h
 * (locally assigned, [SPC-3] 7.6.3.6) with 60 bits folded from the 128-bit
 * disk id. */
static void naa_locally_assigned(const rsvd_guid *id, uint8_t out[8])
{
    for (size_t i = 0; i < 8; i++)
        out[i] = (uint8_t)(id->b[i] ^ id->b[i + 8]);
    out[0] = (uint8_t)(0x30 | (out[0] & 0x0F));
}

static size_t inquiry_vpd(rsvd_scsi_disk *d, uint8_t page)
{
    rsvd_wr w;
    rsvd_wr_init(&w, d->scratch, d->scratch_size);
    rsvd_wr_u8(&w, 0x00);     /* 0: PERIPHERAL QUALIFIER, DEVICE TYPE */
    rsvd_wr_u8(&w, page);     /* 1: PAGE CODE */
    rsvd_wr_be16(&w, 0);      /* 2-3: PAGE LENGTH, set below */
    switch (page) {
    case 0x00: /* [SPC-3] 7.6.10 Supported VPD pages */
        rsvd_wr_bytes(&w, vpd_pages, sizeof vpd_pages);
        break;
    case 0x80: /* [SPC-3] 7.6.11 Unit serial number */
        rsvd_wr_bytes(&w, d->serial, 32);
        break;
    case 0x83: { /* [SPC-3] 7.6.3 Device identification */
        uint8_t naa[8];
        naa_locally_assigned(&d->disk_id, naa);
        rsvd_wr_u8(&w, 0x01);  /* PROTOCOL IDENTIFIER 0, CODE SET 1h (binary) */
        rsvd_wr_u8(&w, 0x03);  /* PIV 0, ASSOCIATION 00b (LU), TYPE 3h (NAA) */
        rsvd_wr_u8(&w, 0x00);  /* Reserved */
        rsvd_wr_u8(&w, 8);     /* DESIGNATOR LENGTH */
        rsvd_wr_bytes(&w, naa, sizeof naa);
        rsvd_wr_u8(&w, 0x02);  /* CODE SET 2h (ASCII) */
        rsvd_wr_u8(&w, 0x01);  /* ASSOCIATION 00b (LU), TYPE 1h (T10 vendor ID) */
        rsvd_wr_u8(&w, 0x00);  /* Reserved */
        rsvd_wr_u8(&w, 8 + 32);                /* DESIGNATOR LENGTH */
        rsvd_wr_ascii_field(&w, d->vendor, 8); /* T10 VENDOR IDENTIFICATION */
        rsvd_wr_bytes(&w, d->serial, 32);      /* VENDOR SPECIFIC IDENTIFIER: the disk id */
        break;
    }
    default:
        return 0;
    }
    size_t len = rsvd_wr_pos(&w);
    rsvd_wr_be16_at(&w, 2, (uint16_t)(len - 4)); /* 2-3: PAGE LENGTH */
    return len;
}

/* [SPC-3] 6.4 INQUIRY */
void sd_cmd_inquiry(sd_cmd *x)
{
    rsvd_rd *r = &x->cdb;
    rsvd_rd_skip(r, 1);                  /* 0: OPERATION CODE */
    uint8_t b1 = rsvd_rd_u8(r);          /* 1: CMDDT (obsolete), EVPD */
    uint8_t page = rsvd_rd_u8(r);        /* 2: PAGE CODE */
    uint16_t alloc = rsvd_rd_be16(r);    /* 3-4: ALLOCATION LENGTH */
    bool evpd = b1 & 0x01;
    if ((b1 & 0x02) || (!evpd && page != 0)) {
        sd_illegal(x, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
        return;
    }
    size_t len = evpd ? inquiry_vpd(x->d, page) : inquiry_standard(x->d);
    if (len == 0) { /* a VPD page the disk does not have */
        sd_illegal(x, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
        return;
    }
    sd_data_in(x, len, alloc);
}

/* [SPC-3] 6.21 REPORT LUNS: one logical unit, LUN 0. */
void sd_cmd_report_luns(sd_cmd *x)
{
    rsvd_rd *r = &x->cdb;
    rsvd_rd_skip(r, 2);                  /* 0: OPERATION CODE; 1: Reserved */
    uint8_t select = rsvd_rd_u8(r);      /* 2: SELECT REPORT */
    rsvd_rd_skip(r, 3);                  /* 3-5: Reserved */
    uint32_t alloc = rsvd_rd_be32(r);    /* 6-9: ALLOCATION LENGTH */
    if (select > 2 || alloc < 16) {      /* at least 16 bytes ([SPC-3] 6.21) */
        sd_illegal(x, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
        return;
    }
    bool lun0 = select != 0x01;          /* 01h: well-known LUNs only, none here */
    rsvd_wr w;
    rsvd_wr_init(&w, x->d->scratch, x->d->scratch_size);
    rsvd_wr_be32(&w, lun0 ? 8u : 0u);    /* 0-3: LUN LIST LENGTH */
    rsvd_wr_be32(&w, 0);                 /* 4-7: Reserved */
    if (lun0)
        rsvd_wr_be64(&w, 0);             /* 8-15: LUN 0 */
    sd_data_in(x, rsvd_wr_pos(&w), alloc);
}

/* ------------------------------------------------------------------------ */
/* MODE SENSE                                                                */
/* ------------------------------------------------------------------------ */

/* [SBC-3] Caching mode page (08h); @p changeable: the mask (nothing is). */
static void page_caching(rsvd_wr *w, const rsvd_scsi_disk *d, bool changeable)
{
    rsvd_wr_u8(w, RSVD_SCSI_MODE_PAGE_CACHING); /* 0: PS 0, SPF 0, PAGE CODE */
    rsvd_wr_u8(w, 0x12);                        /* 1: PAGE LENGTH */
    rsvd_wr_u8(w, (!changeable && d->write_cache) ? 0x04 : 0x00); /* 2: WCE (bit 2), RCD 0 */
    rsvd_wr_zeros(w, 17);                       /* 3-19: retention, prefetch, segments: 0 */
}

/* [SPC-3] 7.4.6 Control mode page (0Ah). */
static void page_control(rsvd_wr *w, bool changeable)
{
    rsvd_wr_u8(w, RSVD_SCSI_MODE_PAGE_CONTROL); /* 0: PS 0, SPF 0, PAGE CODE */
    rsvd_wr_u8(w, 0x0A);                        /* 1: PAGE LENGTH */
    rsvd_wr_u8(w, 0x00);                        /* 2: TST 0, D_SENSE 0 (fixed), ... */
    rsvd_wr_u8(w, changeable ? 0x00 : 0x10);    /* 3: QUEUE ALGORITHM MODIFIER 1, QERR 0 */
    rsvd_wr_u8(w, 0x00);                        /* 4: RAC, UA_INTLCK_CTRL, SWP: 0 */
    rsvd_wr_u8(w, 0x00);                        /* 5: ATO, TAS, AUTOLOAD MODE: 0 */
    rsvd_wr_zeros(w, 2);                        /* 6-7: Obsolete */
    rsvd_wr_be16(w, changeable ? 0x0000 : 0xFFFF); /* 8-9: BUSY TIMEOUT PERIOD: unlimited */
    rsvd_wr_be16(w, 0);                         /* 10-11: EXTENDED SELF-TEST COMPLETION TIME */
}

/*
 * Common part of MODE SENSE(6) and (10) ([SPC-3] 6.9, 6.10): checks PC,
 * page and subpage, and writes the block descriptor and the pages after the
 * header of @p hdr_len bytes. @return the total length, or 0 after setting
 * a CHECK CONDITION.
 */
static size_t mode_sense(sd_cmd *x, size_t hdr_len, bool dbd, bool llbaa, uint8_t pc,
                         uint8_t page, uint8_t subpage, size_t *bd_len)
{
    if (pc == RSVD_SCSI_MODE_PC_SAVED) {
        sd_illegal(x, RSVD_SCSI_ASCQ_SAVING_PARAMETERS_NOT_SUPPORTED);
        return 0;
    }
    bool all = page == RSVD_SCSI_MODE_PAGE_ALL;
    if ((subpage != 0 && !(all && subpage == 0xFF)) ||
        (!all && page != RSVD_SCSI_MODE_PAGE_CACHING && page != RSVD_SCSI_MODE_PAGE_CONTROL)) {
        sd_illegal(x, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
        return 0;
    }
    rsvd_scsi_disk *d = x->d;
    bool changeable = pc == RSVD_SCSI_MODE_PC_CHANGEABLE;
    rsvd_wr w;
    rsvd_wr_init(&w, d->scratch, d->scratch_size);
    rsvd_wr_zeros(&w, hdr_len);
    *bd_len = 0;
    if (!dbd && !llbaa) { /* [SBC-3] short LBA mode parameter block descriptor */
        uint64_t n = changeable ? 0 : x->blocks;
        rsvd_wr_be32(&w, n > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)n); /* 0-3: NUMBER OF BLOCKS */
        rsvd_wr_u8(&w, 0);                                             /* 4: Reserved */
        rsvd_wr_be24(&w, changeable ? 0 : d->lbs);                     /* 5-7: BLOCK LENGTH */
        *bd_len = 8;
    } else if (!dbd) {    /* [SBC-3] long LBA mode parameter block descriptor */
        rsvd_wr_be64(&w, changeable ? 0 : x->blocks);  /* 0-7: NUMBER OF BLOCKS */
        rsvd_wr_be32(&w, 0);                           /* 8-11: Reserved */
        rsvd_wr_be32(&w, changeable ? 0 : d->lbs);     /* 12-15: BLOCK LENGTH */
        *bd_len = 16;
    }
    if (all || page == RSVD_SCSI_MODE_PAGE_CACHING)
        page_caching(&w, d, changeable);
    if (all || page == RSVD_SCSI_MODE_PAGE_CONTROL)
        page_control(&w, changeable);
    return rsvd_wr_pos(&w);
}

/* Device-specific parameter of direct-access devices ([SBC-3]): WP 0, DPOFUA 1. */
#define SD_DEVICE_SPECIFIC 0x10u

void sd_cmd_mode_sense6(sd_cmd *x)
{
    rsvd_rd *r = &x->cdb;
    rsvd_rd_skip(r, 1);                  /* 0: OPERATION CODE */
    uint8_t b1 = rsvd_rd_u8(r);          /* 1: DBD (bit 3) */
    uint8_t b2 = rsvd_rd_u8(r);          /* 2: PC (7-6), PAGE CODE (5-0) */
    uint8_t subpage = rsvd_rd_u8(r);     /* 3: SUBPAGE CODE */
    uint8_t alloc = rsvd_rd_u8(r);       /* 4: ALLOCATION LENGTH */
    size_t bd_len;
    size_t len = mode_sense(x, 4, (b1 & 0x08) != 0, false, (uint8_t)(b2 >> 6), b2 & 0x3F,
                            subpage, &bd_len);
    if (len == 0)
        return;
    rsvd_wr w;                           /* mode parameter header(6), [SPC-3] 7.4.3 */
    rsvd_wr_init(&w, x->d->scratch, 4);
    rsvd_wr_u8(&w, (uint8_t)(len - 1));  /* 0: MODE DATA LENGTH */
    rsvd_wr_u8(&w, 0);                   /* 1: MEDIUM TYPE */
    rsvd_wr_u8(&w, SD_DEVICE_SPECIFIC);  /* 2: DEVICE-SPECIFIC PARAMETER */
    rsvd_wr_u8(&w, (uint8_t)bd_len);     /* 3: BLOCK DESCRIPTOR LENGTH */
    sd_data_in(x, len, alloc);
}

void sd_cmd_mode_sense10(sd_cmd *x)
{
    rsvd_rd *r = &x->cdb;
    rsvd_rd_skip(r, 1);                  /* 0: OPERATION CODE */
    uint8_t b1 = rsvd_rd_u8(r);          /* 1: LLBAA (bit 4), DBD (bit 3) */
    uint8_t b2 = rsvd_rd_u8(r);          /* 2: PC, PAGE CODE */
    uint8_t subpage = rsvd_rd_u8(r);     /* 3: SUBPAGE CODE */
    rsvd_rd_skip(r, 3);                  /* 4-6: Reserved */
    uint16_t alloc = rsvd_rd_be16(r);    /* 7-8: ALLOCATION LENGTH */
    bool llbaa = (b1 & 0x10) != 0;
    size_t bd_len;
    size_t len = mode_sense(x, 8, (b1 & 0x08) != 0, llbaa, (uint8_t)(b2 >> 6), b2 & 0x3F,
                            subpage, &bd_len);
    if (len == 0)
        return;
    rsvd_wr w;                           /* mode parameter header(10), [SPC-3] 7.4.3 */
    rsvd_wr_init(&w, x->d->scratch, 8);
    rsvd_wr_be16(&w, (uint16_t)(len - 2));         /* 0-1: MODE DATA LENGTH */
    rsvd_wr_u8(&w, 0);                             /* 2: MEDIUM TYPE */
    rsvd_wr_u8(&w, SD_DEVICE_SPECIFIC);            /* 3: DEVICE-SPECIFIC PARAMETER */
    rsvd_wr_u8(&w, bd_len == 16 ? 0x01 : 0x00);    /* 4: LONGLBA */
    rsvd_wr_u8(&w, 0);                             /* 5: Reserved */
    rsvd_wr_be16(&w, (uint16_t)bd_len);            /* 6-7: BLOCK DESCRIPTOR LENGTH */
    sd_data_in(x, len, alloc);
}
