/*
 * CDB builders ([SPC-3] clause 6, [SBC-3] clause 5). Each lays out one CDB,
 * one line per field in byte order, with the field's byte offset beside it.
 */
#include <rsvd/scsi.h>
#include <rsvd/wire.h>

#include "scsi/be.h"

/* Ends a builder: the CDB length, or RSVD_E_NOSPC if it did not fit. */
static int cdb_finish(const rsvd_wr *w)
{
    size_t n = 0;
    if (rsvd_wr_finish(w, &n) != RSVD_OK)
        return RSVD_E_NOSPC;
    return (int)n;
}

/* [SPC-3] 6.33 TEST UNIT READY */
int rsvd_scsi_cdb_test_unit_ready(uint8_t *cdb, size_t cap)
{
    rsvd_wr w;
    rsvd_wr_init(&w, cdb, cap);
    rsvd_wr_u8(&w, RSVD_SCSI_OP_TEST_UNIT_READY); /* 0: OPERATION CODE */
    rsvd_wr_zeros(&w, 4);                         /* 1-4: Reserved */
    rsvd_wr_u8(&w, 0);                            /* 5: CONTROL */
    return cdb_finish(&w);
}

/* [SPC-3] 6.27 REQUEST SENSE */
int rsvd_scsi_cdb_request_sense(uint8_t *cdb, size_t cap, bool desc, uint8_t alloc_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, cdb, cap);
    rsvd_wr_u8(&w, RSVD_SCSI_OP_REQUEST_SENSE); /* 0: OPERATION CODE */
    rsvd_wr_u8(&w, desc ? 0x01 : 0x00);         /* 1: DESC (bit 0) */
    rsvd_wr_zeros(&w, 2);                       /* 2-3: Reserved */
    rsvd_wr_u8(&w, alloc_len);                  /* 4: ALLOCATION LENGTH */
    rsvd_wr_u8(&w, 0);                          /* 5: CONTROL */
    return cdb_finish(&w);
}

/* [SPC-3] 6.4.1 INQUIRY */
int rsvd_scsi_cdb_inquiry(uint8_t *cdb, size_t cap, bool evpd, uint8_t page_code,
                          uint16_t alloc_len)
{
    if (!evpd && page_code != 0)
        return RSVD_E_INVAL; /* [SPC-3] 6.4.1: PAGE CODE must be 0 when EVPD is 0 */
    rsvd_wr w;
    rsvd_wr_init(&w, cdb, cap);
    rsvd_wr_u8(&w, RSVD_SCSI_OP_INQUIRY); /* 0: OPERATION CODE */
    rsvd_wr_u8(&w, evpd ? 0x01 : 0x00);   /* 1: EVPD (bit 0) */
    rsvd_wr_u8(&w, page_code);            /* 2: PAGE CODE */
    rsvd_wr_be16(&w, alloc_len);          /* 3-4: ALLOCATION LENGTH */
    rsvd_wr_u8(&w, 0);                    /* 5: CONTROL */
    return cdb_finish(&w);
}

/* [SBC-3] READ CAPACITY(10) */
int rsvd_scsi_cdb_read_capacity10(uint8_t *cdb, size_t cap)
{
    rsvd_wr w;
    rsvd_wr_init(&w, cdb, cap);
    rsvd_wr_u8(&w, RSVD_SCSI_OP_READ_CAPACITY10); /* 0: OPERATION CODE */
    rsvd_wr_u8(&w, 0);                            /* 1: Reserved / obsolete */
    rsvd_wr_be32(&w, 0);                          /* 2-5: LOGICAL BLOCK ADDRESS (obsolete) */
    rsvd_wr_zeros(&w, 2);                         /* 6-7: Reserved */
    rsvd_wr_u8(&w, 0);                            /* 8: PMI (bit 0) */
    rsvd_wr_u8(&w, 0);                            /* 9: CONTROL */
    return cdb_finish(&w);
}

/* [SBC-3] READ CAPACITY(16) */
int rsvd_scsi_cdb_read_capacity16(uint8_t *cdb, size_t cap, uint32_t alloc_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, cdb, cap);
    rsvd_wr_u8(&w, RSVD_SCSI_OP_SERVICE_ACTION_IN16); /* 0: OPERATION CODE */
    rsvd_wr_u8(&w, RSVD_SCSI_SAI_READ_CAPACITY16);    /* 1: SERVICE ACTION (bits 4-0) */
    rsvd_wr_be64(&w, 0);                              /* 2-9: LOGICAL BLOCK ADDRESS */
    rsvd_wr_be32(&w, alloc_len);                      /* 10-13: ALLOCATION LENGTH */
    rsvd_wr_u8(&w, 0);                                /* 14: PMI (bit 0) */
    rsvd_wr_u8(&w, 0);                                /* 15: CONTROL */
    return cdb_finish(&w);
}

/* READ(10)/WRITE(10): opcode, flags, LBA(4), group, length(2), control. */
static int cdb_rw10(uint8_t *cdb, size_t cap, uint8_t op, uint32_t lba, uint16_t blocks,
                    uint8_t flags)
{
    if (flags & ~(RSVD_SCSI_RW_FUA | RSVD_SCSI_RW_DPO))
        return RSVD_E_INVAL;
    rsvd_wr w;
    rsvd_wr_init(&w, cdb, cap);
    rsvd_wr_u8(&w, op);       /* 0: OPERATION CODE */
    rsvd_wr_u8(&w, flags);    /* 1: RDPROTECT/WRPROTECT 0, DPO, FUA */
    rsvd_wr_be32(&w, lba);    /* 2-5: LOGICAL BLOCK ADDRESS */
    rsvd_wr_u8(&w, 0);        /* 6: GROUP NUMBER */
    rsvd_wr_be16(&w, blocks); /* 7-8: TRANSFER LENGTH */
    rsvd_wr_u8(&w, 0);        /* 9: CONTROL */
    return cdb_finish(&w);
}

/* READ(16)/WRITE(16): opcode, flags, LBA(8), length(4), group, control. */
static int cdb_rw16(uint8_t *cdb, size_t cap, uint8_t op, uint64_t lba, uint32_t blocks,
                    uint8_t flags)
{
    if (flags & ~(RSVD_SCSI_RW_FUA | RSVD_SCSI_RW_DPO))
        return RSVD_E_INVAL;
    rsvd_wr w;
    rsvd_wr_init(&w, cdb, cap);
    rsvd_wr_u8(&w, op);       /* 0: OPERATION CODE */
    rsvd_wr_u8(&w, flags);    /* 1: RDPROTECT/WRPROTECT 0, DPO, FUA */
    rsvd_wr_be64(&w, lba);    /* 2-9: LOGICAL BLOCK ADDRESS */
    rsvd_wr_be32(&w, blocks); /* 10-13: TRANSFER LENGTH */
    rsvd_wr_u8(&w, 0);        /* 14: GROUP NUMBER */
    rsvd_wr_u8(&w, 0);        /* 15: CONTROL */
    return cdb_finish(&w);
}

int rsvd_scsi_cdb_read10(uint8_t *cdb, size_t cap, uint32_t lba, uint16_t blocks, uint8_t flags)
{
    return cdb_rw10(cdb, cap, RSVD_SCSI_OP_READ10, lba, blocks, flags);
}

int rsvd_scsi_cdb_read16(uint8_t *cdb, size_t cap, uint64_t lba, uint32_t blocks, uint8_t flags)
{
    return cdb_rw16(cdb, cap, RSVD_SCSI_OP_READ16, lba, blocks, flags);
}

int rsvd_scsi_cdb_write10(uint8_t *cdb, size_t cap, uint32_t lba, uint16_t blocks, uint8_t flags)
{
    return cdb_rw10(cdb, cap, RSVD_SCSI_OP_WRITE10, lba, blocks, flags);
}

int rsvd_scsi_cdb_write16(uint8_t *cdb, size_t cap, uint64_t lba, uint32_t blocks, uint8_t flags)
{
    return cdb_rw16(cdb, cap, RSVD_SCSI_OP_WRITE16, lba, blocks, flags);
}

/* [SBC-3] SYNCHRONIZE CACHE(10) */
int rsvd_scsi_cdb_synchronize_cache10(uint8_t *cdb, size_t cap, uint32_t lba, uint16_t blocks,
                                      bool immed)
{
    rsvd_wr w;
    rsvd_wr_init(&w, cdb, cap);
    rsvd_wr_u8(&w, RSVD_SCSI_OP_SYNCHRONIZE_CACHE10); /* 0: OPERATION CODE */
    rsvd_wr_u8(&w, immed ? 0x02 : 0x00);              /* 1: IMMED (bit 1) */
    rsvd_wr_be32(&w, lba);                            /* 2-5: LOGICAL BLOCK ADDRESS */
    rsvd_wr_u8(&w, 0);                                /* 6: GROUP NUMBER */
    rsvd_wr_be16(&w, blocks);                         /* 7-8: NUMBER OF LOGICAL BLOCKS */
    rsvd_wr_u8(&w, 0);                                /* 9: CONTROL */
    return cdb_finish(&w);
}

/* [SBC-3] SYNCHRONIZE CACHE(16) */
int rsvd_scsi_cdb_synchronize_cache16(uint8_t *cdb, size_t cap, uint64_t lba, uint32_t blocks,
                                      bool immed)
{
    rsvd_wr w;
    rsvd_wr_init(&w, cdb, cap);
    rsvd_wr_u8(&w, RSVD_SCSI_OP_SYNCHRONIZE_CACHE16); /* 0: OPERATION CODE */
    rsvd_wr_u8(&w, immed ? 0x02 : 0x00);              /* 1: IMMED (bit 1) */
    rsvd_wr_be64(&w, lba);                            /* 2-9: LOGICAL BLOCK ADDRESS */
    rsvd_wr_be32(&w, blocks);                         /* 10-13: NUMBER OF LOGICAL BLOCKS */
    rsvd_wr_u8(&w, 0);                                /* 14: GROUP NUMBER */
    rsvd_wr_u8(&w, 0);                                /* 15: CONTROL */
    return cdb_finish(&w);
}

/* [SPC-3] 6.9 MODE SENSE(6) */
int rsvd_scsi_cdb_mode_sense6(uint8_t *cdb, size_t cap, bool dbd, uint8_t pc, uint8_t page_code,
                              uint8_t subpage, uint8_t alloc_len)
{
    if (pc > 3 || page_code > 0x3F)
        return RSVD_E_INVAL;
    rsvd_wr w;
    rsvd_wr_init(&w, cdb, cap);
    rsvd_wr_u8(&w, RSVD_SCSI_OP_MODE_SENSE6);             /* 0: OPERATION CODE */
    rsvd_wr_u8(&w, dbd ? 0x08 : 0x00);                    /* 1: DBD (bit 3) */
    rsvd_wr_u8(&w, (uint8_t)((pc << 6) | page_code));     /* 2: PC (7-6), PAGE CODE (5-0) */
    rsvd_wr_u8(&w, subpage);                              /* 3: SUBPAGE CODE */
    rsvd_wr_u8(&w, alloc_len);                            /* 4: ALLOCATION LENGTH */
    rsvd_wr_u8(&w, 0);                                    /* 5: CONTROL */
    return cdb_finish(&w);
}

/* [SPC-3] 6.10 MODE SENSE(10) */
int rsvd_scsi_cdb_mode_sense10(uint8_t *cdb, size_t cap, bool llbaa, bool dbd, uint8_t pc,
                               uint8_t page_code, uint8_t subpage, uint16_t alloc_len)
{
    if (pc > 3 || page_code > 0x3F)
        return RSVD_E_INVAL;
    rsvd_wr w;
    rsvd_wr_init(&w, cdb, cap);
    rsvd_wr_u8(&w, RSVD_SCSI_OP_MODE_SENSE10);                  /* 0: OPERATION CODE */
    rsvd_wr_u8(&w, (uint8_t)((llbaa ? 0x10 : 0) | (dbd ? 0x08 : 0))); /* 1: LLBAA, DBD */
    rsvd_wr_u8(&w, (uint8_t)((pc << 6) | page_code));          /* 2: PC, PAGE CODE */
    rsvd_wr_u8(&w, subpage);                                   /* 3: SUBPAGE CODE */
    rsvd_wr_zeros(&w, 3);                                      /* 4-6: Reserved */
    rsvd_wr_be16(&w, alloc_len);                               /* 7-8: ALLOCATION LENGTH */
    rsvd_wr_u8(&w, 0);                                         /* 9: CONTROL */
    return cdb_finish(&w);
}

/* [SPC-3] 6.21 REPORT LUNS */
int rsvd_scsi_cdb_report_luns(uint8_t *cdb, size_t cap, uint8_t select_report, uint32_t alloc_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, cdb, cap);
    rsvd_wr_u8(&w, RSVD_SCSI_OP_REPORT_LUNS); /* 0: OPERATION CODE */
    rsvd_wr_u8(&w, 0);                        /* 1: Reserved */
    rsvd_wr_u8(&w, select_report);            /* 2: SELECT REPORT */
    rsvd_wr_zeros(&w, 3);                     /* 3-5: Reserved */
    rsvd_wr_be32(&w, alloc_len);              /* 6-9: ALLOCATION LENGTH */
    rsvd_wr_u8(&w, 0);                        /* 10: Reserved */
    rsvd_wr_u8(&w, 0);                        /* 11: CONTROL */
    return cdb_finish(&w);
}

/* [SPC-3] 6.11.1 PERSISTENT RESERVE IN */
int rsvd_scsi_cdb_prin(uint8_t *cdb, size_t cap, enum rsvd_scsi_prin_action action,
                       uint16_t alloc_len)
{
    if ((unsigned)action > 0x1F)
        return RSVD_E_INVAL;
    rsvd_wr w;
    rsvd_wr_init(&w, cdb, cap);
    rsvd_wr_u8(&w, RSVD_SCSI_OP_PERSISTENT_RESERVE_IN); /* 0: OPERATION CODE */
    rsvd_wr_u8(&w, (uint8_t)action);                    /* 1: SERVICE ACTION (bits 4-0) */
    rsvd_wr_zeros(&w, 5);                               /* 2-6: Reserved */
    rsvd_wr_be16(&w, alloc_len);                        /* 7-8: ALLOCATION LENGTH */
    rsvd_wr_u8(&w, 0);                                  /* 9: CONTROL */
    return cdb_finish(&w);
}

/* [SPC-3] 6.12.1 PERSISTENT RESERVE OUT */
int rsvd_scsi_cdb_prout(uint8_t *cdb, size_t cap, enum rsvd_scsi_prout_action action,
                        uint8_t scope, uint8_t type, uint32_t param_len)
{
    if ((unsigned)action > 0x1F || scope > 0xF || type > 0xF)
        return RSVD_E_INVAL;
    rsvd_wr w;
    rsvd_wr_init(&w, cdb, cap);
    rsvd_wr_u8(&w, RSVD_SCSI_OP_PERSISTENT_RESERVE_OUT); /* 0: OPERATION CODE */
    rsvd_wr_u8(&w, (uint8_t)action);                     /* 1: SERVICE ACTION (bits 4-0) */
    rsvd_wr_u8(&w, (uint8_t)((scope << 4) | type));      /* 2: SCOPE (7-4), TYPE (3-0) */
    rsvd_wr_zeros(&w, 2);                                /* 3-4: Reserved */
    rsvd_wr_be32(&w, param_len);                         /* 5-8: PARAMETER LIST LENGTH */
    rsvd_wr_u8(&w, 0);                                   /* 9: CONTROL */
    return cdb_finish(&w);
}
