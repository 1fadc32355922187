/*
 * librsvd - transport-independent SCSI helpers.
 *
 * What a virtual SCSI disk backend and its tests need from SPC-3 and SBC-3,
 * independent of how the commands travel (the RSVD tunnel, iSCSI, a local
 * disk): operation codes, CDB builders, persistent-reservation service
 * actions and types, the PERSISTENT RESERVE OUT parameter list and the
 * PERSISTENT RESERVE IN data, READ CAPACITY data, fixed-format sense data,
 * and the mapping of a unit attention to the MS-RSVD 2.2.3 status codes.
 *
 * Conventions:
 *  - All multi-byte SCSI fields are big-endian ([SPC-3] 3.5); the functions
 *    here convert to and from host integers.
 *  - CDB builders write into @p cdb (at least @p cap bytes) and return the
 *    CDB length (6, 10 or 16), or RSVD_E_NOSPC if @p cap is too small, or
 *    RSVD_E_INVAL for a value that the CDB cannot carry.
 *  - Decoders take (buf, len), never read past len, and return RSVD_OK or a
 *    RSVD_E_WIRE_* code; encoders write into a caller buffer and return
 *    RSVD_E_NOSPC when it is too small.
 */
#ifndef RSVD_SCSI_H
#define RSVD_SCSI_H

#include <rsvd/backend.h>
#include <rsvd/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @file
 * @brief SCSI operation codes, CDB builders, persistent-reservation data,
 * sense data and unit-attention mapping ([SPC-3], [SBC-3], [MS-RSVD] 2.2.3).
 */

/** Largest CDB the library builds or accepts (the RSVD tunnel's CDBBuffer). */
#define RSVD_SCSI_CDB_MAX 16u

/** Operation codes ([SPC-3] annex D, [SBC-3]). */
enum rsvd_scsi_opcode {
    /** TEST UNIT READY. */
    RSVD_SCSI_OP_TEST_UNIT_READY = 0x00,
    /** REQUEST SENSE. */
    RSVD_SCSI_OP_REQUEST_SENSE = 0x03,
    /** READ(6). */
    RSVD_SCSI_OP_READ6 = 0x08,
    /** WRITE(6). */
    RSVD_SCSI_OP_WRITE6 = 0x0A,
    /** INQUIRY. */
    RSVD_SCSI_OP_INQUIRY = 0x12,
    /** MODE SELECT(6). */
    RSVD_SCSI_OP_MODE_SELECT6 = 0x15,
    /** RESERVE(6). */
    RSVD_SCSI_OP_RESERVE6 = 0x16,
    /** RELEASE(6). */
    RSVD_SCSI_OP_RELEASE6 = 0x17,
    /** MODE SENSE(6). */
    RSVD_SCSI_OP_MODE_SENSE6 = 0x1A,
    /** START STOP UNIT. */
    RSVD_SCSI_OP_START_STOP_UNIT = 0x1B,
    /** READ CAPACITY(10). */
    RSVD_SCSI_OP_READ_CAPACITY10 = 0x25,
    /** READ(10). */
    RSVD_SCSI_OP_READ10 = 0x28,
    /** WRITE(10). */
    RSVD_SCSI_OP_WRITE10 = 0x2A,
    /** VERIFY(10). */
    RSVD_SCSI_OP_VERIFY10 = 0x2F,
    /** SYNCHRONIZE CACHE(10). */
    RSVD_SCSI_OP_SYNCHRONIZE_CACHE10 = 0x35,
    /** WRITE SAME(10). */
    RSVD_SCSI_OP_WRITE_SAME10 = 0x41,
    /** UNMAP. */
    RSVD_SCSI_OP_UNMAP = 0x42,
    /** MODE SELECT(10). */
    RSVD_SCSI_OP_MODE_SELECT10 = 0x55,
    /** MODE SENSE(10). */
    RSVD_SCSI_OP_MODE_SENSE10 = 0x5A,
    /** PERSISTENT RESERVE IN. */
    RSVD_SCSI_OP_PERSISTENT_RESERVE_IN = 0x5E,
    /** PERSISTENT RESERVE OUT. */
    RSVD_SCSI_OP_PERSISTENT_RESERVE_OUT = 0x5F,
    /** READ(16). */
    RSVD_SCSI_OP_READ16 = 0x88,
    /** WRITE(16). */
    RSVD_SCSI_OP_WRITE16 = 0x8A,
    /** SYNCHRONIZE CACHE(16). */
    RSVD_SCSI_OP_SYNCHRONIZE_CACHE16 = 0x91,
    /** SERVICE ACTION IN(16); READ CAPACITY(16) is one of its service
     * actions (RSVD_SCSI_SAI_READ_CAPACITY16). */
    RSVD_SCSI_OP_SERVICE_ACTION_IN16 = 0x9E,
    /** REPORT LUNS. */
    RSVD_SCSI_OP_REPORT_LUNS = 0xA0,
    /** MAINTENANCE IN. */
    RSVD_SCSI_OP_MAINTENANCE_IN = 0xA3
};

/** SERVICE ACTION IN(16) service action READ CAPACITY(16) ([SBC-3] READ CAPACITY(16)). */
#define RSVD_SCSI_SAI_READ_CAPACITY16 0x10u

/** @name READ/WRITE CDB byte 1 flags ([SBC-3] READ, WRITE)
 * @{ */
/** FUA: force unit access (the data goes to or comes from the medium,
 * not a volatile cache). */
#define RSVD_SCSI_RW_FUA 0x08u
/** DPO: disable page out (a cache retention hint). */
#define RSVD_SCSI_RW_DPO 0x10u
/** @} */

/** PERSISTENT RESERVE IN service actions ([SPC-3] 6.11.1). */
enum rsvd_scsi_prin_action {
    /** READ KEYS: the registered reservation keys. */
    RSVD_SCSI_PRIN_READ_KEYS = 0x00,
    /** READ RESERVATION: the reservation held, if any. */
    RSVD_SCSI_PRIN_READ_RESERVATION = 0x01,
    /** REPORT CAPABILITIES: the reservation features supported. */
    RSVD_SCSI_PRIN_REPORT_CAPABILITIES = 0x02,
    /** READ FULL STATUS: every registration and reservation. */
    RSVD_SCSI_PRIN_READ_FULL_STATUS = 0x03
};

/** PERSISTENT RESERVE OUT service actions ([SPC-3] 6.12.2). */
enum rsvd_scsi_prout_action {
    /** REGISTER: register, change or (with a zero key) remove a key. */
    RSVD_SCSI_PROUT_REGISTER = 0x00,
    /** RESERVE: create a persistent reservation. */
    RSVD_SCSI_PROUT_RESERVE = 0x01,
    /** RELEASE: release the reservation held. */
    RSVD_SCSI_PROUT_RELEASE = 0x02,
    /** CLEAR: remove every registration and the reservation. */
    RSVD_SCSI_PROUT_CLEAR = 0x03,
    /** PREEMPT: remove the registrations of a given key, taking over the
     * reservation if that key held it. */
    RSVD_SCSI_PROUT_PREEMPT = 0x04,
    /** PREEMPT AND ABORT: PREEMPT, and abort the preempted initiators'
     * commands. */
    RSVD_SCSI_PROUT_PREEMPT_AND_ABORT = 0x05,
    /** REGISTER AND IGNORE EXISTING KEY: REGISTER without checking the
     * current key. */
    RSVD_SCSI_PROUT_REGISTER_AND_IGNORE_EXISTING_KEY = 0x06,
    /** REGISTER AND MOVE: register another I_T nexus and move the
     * reservation to it. */
    RSVD_SCSI_PROUT_REGISTER_AND_MOVE = 0x07
};

/** Persistent reservation types ([SPC-3] 6.11.3.4). */
enum rsvd_scsi_pr_type {
    /** WRITE EXCLUSIVE: only the holder may write. */
    RSVD_SCSI_PR_WRITE_EXCLUSIVE = 0x1,
    /** EXCLUSIVE ACCESS: only the holder may read or write. */
    RSVD_SCSI_PR_EXCLUSIVE_ACCESS = 0x3,
    /** WRITE EXCLUSIVE - REGISTRANTS ONLY: only registrants may write. */
    RSVD_SCSI_PR_WRITE_EXCLUSIVE_REGISTRANTS_ONLY = 0x5,
    /** EXCLUSIVE ACCESS - REGISTRANTS ONLY: only registrants may read or
     * write. */
    RSVD_SCSI_PR_EXCLUSIVE_ACCESS_REGISTRANTS_ONLY = 0x6,
    /** WRITE EXCLUSIVE - ALL REGISTRANTS: every registrant holds the
     * reservation; only registrants may write. */
    RSVD_SCSI_PR_WRITE_EXCLUSIVE_ALL_REGISTRANTS = 0x7,
    /** EXCLUSIVE ACCESS - ALL REGISTRANTS: every registrant holds the
     * reservation; only registrants may read or write. */
    RSVD_SCSI_PR_EXCLUSIVE_ACCESS_ALL_REGISTRANTS = 0x8
};

/** The only persistent reservation scope SPC-3 keeps: LU_SCOPE (6.11.3.3). */
#define RSVD_SCSI_PR_SCOPE_LU 0x0u

/** @return true if @p type is one of the six reservation types. */
RSVD_API bool rsvd_scsi_pr_type_valid(uint8_t type);

/** @return the type's name ("WRITE EXCLUSIVE - REGISTRANTS ONLY"), or NULL. */
RSVD_API const char *rsvd_scsi_pr_type_name(uint8_t type);

/** Sense keys ([SPC-3] 4.5.6). */
enum rsvd_scsi_sense_key {
    /** NO SENSE. */
    RSVD_SCSI_SENSE_NO_SENSE = 0x0,
    /** RECOVERED ERROR. */
    RSVD_SCSI_SENSE_RECOVERED_ERROR = 0x1,
    /** NOT READY. */
    RSVD_SCSI_SENSE_NOT_READY = 0x2,
    /** MEDIUM ERROR. */
    RSVD_SCSI_SENSE_MEDIUM_ERROR = 0x3,
    /** HARDWARE ERROR. */
    RSVD_SCSI_SENSE_HARDWARE_ERROR = 0x4,
    /** ILLEGAL REQUEST. */
    RSVD_SCSI_SENSE_ILLEGAL_REQUEST = 0x5,
    /** UNIT ATTENTION. */
    RSVD_SCSI_SENSE_UNIT_ATTENTION = 0x6,
    /** DATA PROTECT. */
    RSVD_SCSI_SENSE_DATA_PROTECT = 0x7,
    /** ABORTED COMMAND. */
    RSVD_SCSI_SENSE_ABORTED_COMMAND = 0xB
};

/** @name Additional sense codes, as (ASC << 8) | ASCQ ([SPC-3] 4.5.6)
 * @{ */
/** 00/00 NO ADDITIONAL SENSE INFORMATION. */
#define RSVD_SCSI_ASCQ_NO_ADDITIONAL_SENSE 0x0000u
/** 0C/00 WRITE ERROR. */
#define RSVD_SCSI_ASCQ_WRITE_ERROR 0x0C00u
/** 11/00 UNRECOVERED READ ERROR. */
#define RSVD_SCSI_ASCQ_UNRECOVERED_READ_ERROR 0x1100u
/** 1A/00 PARAMETER LIST LENGTH ERROR. */
#define RSVD_SCSI_ASCQ_PARAMETER_LIST_LENGTH_ERROR 0x1A00u
/** 20/00 INVALID COMMAND OPERATION CODE. */
#define RSVD_SCSI_ASCQ_INVALID_COMMAND_OPERATION_CODE 0x2000u
/** 21/00 LOGICAL BLOCK ADDRESS OUT OF RANGE. */
#define RSVD_SCSI_ASCQ_LBA_OUT_OF_RANGE 0x2100u
/** 24/00 INVALID FIELD IN CDB. */
#define RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB 0x2400u
/** 25/00 LOGICAL UNIT NOT SUPPORTED. */
#define RSVD_SCSI_ASCQ_LOGICAL_UNIT_NOT_SUPPORTED 0x2500u
/** 26/00 INVALID FIELD IN PARAMETER LIST. */
#define RSVD_SCSI_ASCQ_INVALID_FIELD_IN_PARAMETER_LIST 0x2600u
/** 26/04 INVALID RELEASE OF PERSISTENT RESERVATION. */
#define RSVD_SCSI_ASCQ_INVALID_RELEASE_OF_PERSISTENT_RESERVATION 0x2604u
/** 27/07 SPACE ALLOCATION FAILED WRITE PROTECT. */
#define RSVD_SCSI_ASCQ_SPACE_ALLOCATION_FAILED_WRITE_PROTECT 0x2707u
/** 29/00 POWER ON, RESET, OR BUS DEVICE RESET OCCURRED. */
#define RSVD_SCSI_ASCQ_POWER_ON_RESET 0x2900u
/** 2A/00 PARAMETERS CHANGED. */
#define RSVD_SCSI_ASCQ_PARAMETERS_CHANGED 0x2A00u
/** 2A/03 RESERVATIONS PREEMPTED. */
#define RSVD_SCSI_ASCQ_RESERVATIONS_PREEMPTED 0x2A03u
/** 2A/04 RESERVATIONS RELEASED. */
#define RSVD_SCSI_ASCQ_RESERVATIONS_RELEASED 0x2A04u
/** 2A/05 REGISTRATIONS PREEMPTED. */
#define RSVD_SCSI_ASCQ_REGISTRATIONS_PREEMPTED 0x2A05u
/** 2A/09 CAPACITY DATA HAS CHANGED. */
#define RSVD_SCSI_ASCQ_CAPACITY_DATA_HAS_CHANGED 0x2A09u
/** 39/00 SAVING PARAMETERS NOT SUPPORTED. */
#define RSVD_SCSI_ASCQ_SAVING_PARAMETERS_NOT_SUPPORTED 0x3900u
/** 3F/0E REPORTED LUNS DATA HAS CHANGED. */
#define RSVD_SCSI_ASCQ_REPORTED_LUNS_DATA_HAS_CHANGED 0x3F0Eu
/** 44/00 INTERNAL TARGET FAILURE. */
#define RSVD_SCSI_ASCQ_INTERNAL_TARGET_FAILURE 0x4400u
/** 55/04 INSUFFICIENT REGISTRATION RESOURCES. */
#define RSVD_SCSI_ASCQ_INSUFFICIENT_REGISTRATION_RESOURCES 0x5504u
/** @} */

/* ------------------------------------------------------------------------ */
/* CDB builders                                                              */
/* ------------------------------------------------------------------------ */

/** TEST UNIT READY ([SPC-3] 6.33). */
RSVD_API int rsvd_scsi_cdb_test_unit_ready(uint8_t *cdb, size_t cap);

/** REQUEST SENSE ([SPC-3] 6.27); @p desc asks for descriptor format. */
RSVD_API int rsvd_scsi_cdb_request_sense(uint8_t *cdb, size_t cap, bool desc, uint8_t alloc_len);

/** INQUIRY ([SPC-3] 6.4): standard data (@p evpd false, page 0) or a VPD page. */
RSVD_API int rsvd_scsi_cdb_inquiry(uint8_t *cdb, size_t cap, bool evpd, uint8_t page_code,
                                   uint16_t alloc_len);

/** READ CAPACITY(10) ([SBC-3]). */
RSVD_API int rsvd_scsi_cdb_read_capacity10(uint8_t *cdb, size_t cap);

/** READ CAPACITY(16) ([SBC-3] READ CAPACITY(16)). */
RSVD_API int rsvd_scsi_cdb_read_capacity16(uint8_t *cdb, size_t cap, uint32_t alloc_len);

/** READ(10) ([SBC-3]); @p flags: RSVD_SCSI_RW_FUA, RSVD_SCSI_RW_DPO. */
RSVD_API int rsvd_scsi_cdb_read10(uint8_t *cdb, size_t cap, uint32_t lba, uint16_t blocks,
                                  uint8_t flags);

/** READ(16) ([SBC-3]). */
RSVD_API int rsvd_scsi_cdb_read16(uint8_t *cdb, size_t cap, uint64_t lba, uint32_t blocks,
                                  uint8_t flags);

/** WRITE(10) ([SBC-3]). */
RSVD_API int rsvd_scsi_cdb_write10(uint8_t *cdb, size_t cap, uint32_t lba, uint16_t blocks,
                                   uint8_t flags);

/** WRITE(16) ([SBC-3]). */
RSVD_API int rsvd_scsi_cdb_write16(uint8_t *cdb, size_t cap, uint64_t lba, uint32_t blocks,
                                   uint8_t flags);

/** SYNCHRONIZE CACHE(10) ([SBC-3]); 0 blocks means "to the last LBA". */
RSVD_API int rsvd_scsi_cdb_synchronize_cache10(uint8_t *cdb, size_t cap, uint32_t lba,
                                               uint16_t blocks, bool immed);

/** SYNCHRONIZE CACHE(16) ([SBC-3]). */
RSVD_API int rsvd_scsi_cdb_synchronize_cache16(uint8_t *cdb, size_t cap, uint64_t lba,
                                               uint32_t blocks, bool immed);

/** @name MODE SENSE page control values ([SPC-3] 6.9.1)
 * @{ */
/** Current values. */
#define RSVD_SCSI_MODE_PC_CURRENT 0u
/** Changeable values: a mask of the bits MODE SELECT may change. */
#define RSVD_SCSI_MODE_PC_CHANGEABLE 1u
/** Default values. */
#define RSVD_SCSI_MODE_PC_DEFAULT 2u
/** Saved values. */
#define RSVD_SCSI_MODE_PC_SAVED 3u
/** @} */

/** @name Mode page codes ([SPC-3] 7.4, [SBC-3] caching mode page)
 * @{ */
/** Caching mode page ([SBC-3]). */
#define RSVD_SCSI_MODE_PAGE_CACHING 0x08u
/** Control mode page ([SPC-3]). */
#define RSVD_SCSI_MODE_PAGE_CONTROL 0x0Au
/** Every mode page (page code 3Fh). */
#define RSVD_SCSI_MODE_PAGE_ALL 0x3Fu
/** @} */

/** MODE SENSE(6) ([SPC-3] 6.9). */
RSVD_API int rsvd_scsi_cdb_mode_sense6(uint8_t *cdb, size_t cap, bool dbd, uint8_t pc,
                                       uint8_t page_code, uint8_t subpage, uint8_t alloc_len);

/** MODE SENSE(10) ([SPC-3] 6.10). */
RSVD_API int rsvd_scsi_cdb_mode_sense10(uint8_t *cdb, size_t cap, bool llbaa, bool dbd,
                                        uint8_t pc, uint8_t page_code, uint8_t subpage,
                                        uint16_t alloc_len);

/** REPORT LUNS ([SPC-3] 6.21); @p select_report 0, 1 or 2. */
RSVD_API int rsvd_scsi_cdb_report_luns(uint8_t *cdb, size_t cap, uint8_t select_report,
                                       uint32_t alloc_len);

/** PERSISTENT RESERVE IN ([SPC-3] 6.11). */
RSVD_API int rsvd_scsi_cdb_prin(uint8_t *cdb, size_t cap, enum rsvd_scsi_prin_action action,
                                uint16_t alloc_len);

/**
 * PERSISTENT RESERVE OUT ([SPC-3] 6.12). @p scope and @p type go into byte 2
 * (pass 0 for REGISTER and CLEAR, whose type is ignored); @p param_len is
 * the parameter list length (24 for the basic parameter list).
 */
RSVD_API int rsvd_scsi_cdb_prout(uint8_t *cdb, size_t cap, enum rsvd_scsi_prout_action action,
                                 uint8_t scope, uint8_t type, uint32_t param_len);

/* ------------------------------------------------------------------------ */
/* Persistent reservations: parameter list and data                          */
/* ------------------------------------------------------------------------ */

/** Size of the PERSISTENT RESERVE OUT basic parameter list ([SPC-3] 6.12.3). */
#define RSVD_SCSI_PROUT_PARAM_LEN 24u

/** PERSISTENT RESERVE OUT parameter list ([SPC-3] 6.12.3). */
typedef struct rsvd_scsi_prout_params {
    uint64_t reservation_key;    /**< bytes 0-7 */
    uint64_t sa_reservation_key; /**< bytes 8-15: service action reservation key */
    bool spec_i_pt;              /**< byte 20 bit 3 */
    bool all_tg_pt;              /**< byte 20 bit 2 */
    bool aptpl;                  /**< byte 20 bit 0 */
} rsvd_scsi_prout_params;

/** Encodes the 24-byte basic parameter list; obsolete fields are written as zero. */
RSVD_API int rsvd_scsi_prout_params_encode(const rsvd_scsi_prout_params *p, uint8_t *buf,
                                           size_t cap);

/**
 * Decodes the first 24 bytes of a parameter list (bytes past them, the
 * TransportIDs of SPEC_I_PT, are the caller's business).
 * @return RSVD_OK, or RSVD_E_WIRE_SHORT if @p len < 24.
 */
RSVD_API int rsvd_scsi_prout_params_decode(const uint8_t *buf, size_t len,
                                           rsvd_scsi_prout_params *out);

/** PERSISTENT RESERVE IN, READ KEYS data ([SPC-3] 6.11.2). */
typedef struct rsvd_scsi_prin_keys {
    /** PRGENERATION: counts the registration changes of the logical unit. */
    uint32_t pr_generation;
    /** Number of keys in the list (ADDITIONAL LENGTH / 8). */
    uint32_t num_keys;
    /** View of the key list in the input: num_keys big-endian 8-byte keys. */
    const uint8_t *keys;
} rsvd_scsi_prin_keys;

/**
 * Decodes READ KEYS data. The whole list ADDITIONAL LENGTH announces must
 * be present (reissue with a larger allocation length otherwise).
 * @return RSVD_OK; RSVD_E_WIRE_SHORT (< 8 bytes); RSVD_E_WIRE_VALUE
 * (ADDITIONAL LENGTH not a multiple of 8); RSVD_E_WIRE_RANGE (list cut).
 */
RSVD_API int rsvd_scsi_prin_keys_decode(const uint8_t *buf, size_t len, rsvd_scsi_prin_keys *out);

/** @return key @p i (0-based) of a decoded list, or 0 when @p i is out of range. */
RSVD_API uint64_t rsvd_scsi_prin_keys_get(const rsvd_scsi_prin_keys *k, uint32_t i);

/** Encodes READ KEYS data for @p num_keys keys; *out_len = 8 + 8 * num_keys. */
RSVD_API int rsvd_scsi_prin_keys_encode(uint32_t pr_generation, const uint64_t *keys,
                                        size_t num_keys, uint8_t *buf, size_t cap,
                                        size_t *out_len);

/** PERSISTENT RESERVE IN, READ RESERVATION data ([SPC-3] 6.11.3). */
typedef struct rsvd_scsi_prin_reservation {
    /** PRGENERATION: counts the registration changes of the logical unit. */
    uint32_t pr_generation;
    /** A persistent reservation is held (ADDITIONAL LENGTH 16, not 0). */
    bool reserved;
    /** The holder's key; 0 for an all-registrants reservation. */
    uint64_t reservation_key;
    uint8_t scope; /**< byte 21 bits 7-4 */
    uint8_t type;  /**< byte 21 bits 3-0 */
} rsvd_scsi_prin_reservation;

/**
 * Decodes READ RESERVATION data.
 * @return RSVD_OK; RSVD_E_WIRE_SHORT; RSVD_E_WIRE_VALUE if ADDITIONAL
 * LENGTH is neither 0 nor 16.
 */
RSVD_API int rsvd_scsi_prin_reservation_decode(const uint8_t *buf, size_t len,
                                               rsvd_scsi_prin_reservation *out);

/** Encodes READ RESERVATION data (8 bytes, or 24 when reserved). */
RSVD_API int rsvd_scsi_prin_reservation_encode(const rsvd_scsi_prin_reservation *r, uint8_t *buf,
                                               size_t cap, size_t *out_len);

/** @name PERSISTENT RESERVATION TYPE MASK bits of REPORT CAPABILITIES
 * ([SPC-3] 6.11.4), as a 16-bit big-endian value
 * @{ */
/** WR_EX_AR: WRITE EXCLUSIVE - ALL REGISTRANTS is supported. */
#define RSVD_SCSI_PR_TYPE_MASK_WR_EX_AR 0x8000u
/** EX_AC_RO: EXCLUSIVE ACCESS - REGISTRANTS ONLY is supported. */
#define RSVD_SCSI_PR_TYPE_MASK_EX_AC_RO 0x4000u
/** WR_EX_RO: WRITE EXCLUSIVE - REGISTRANTS ONLY is supported. */
#define RSVD_SCSI_PR_TYPE_MASK_WR_EX_RO 0x2000u
/** EX_AC: EXCLUSIVE ACCESS is supported. */
#define RSVD_SCSI_PR_TYPE_MASK_EX_AC 0x0800u
/** WR_EX: WRITE EXCLUSIVE is supported. */
#define RSVD_SCSI_PR_TYPE_MASK_WR_EX 0x0200u
/** EX_AC_AR: EXCLUSIVE ACCESS - ALL REGISTRANTS is supported. */
#define RSVD_SCSI_PR_TYPE_MASK_EX_AC_AR 0x0001u
/** @} */

/** Length of REPORT CAPABILITIES data ([SPC-3] 6.11.4). */
#define RSVD_SCSI_PRIN_CAPABILITIES_LEN 8u

/** PERSISTENT RESERVE IN, REPORT CAPABILITIES data ([SPC-3] 6.11.4). */
typedef struct rsvd_scsi_prin_capabilities {
    bool crh;    /**< compatible reservation handling */
    bool sip_c;  /**< specify initiator ports capable */
    bool atp_c;  /**< all target ports capable */
    bool ptpl_c; /**< persist through power loss capable */
    bool tmv;    /**< type mask valid */
    bool ptpl_a; /**< persist through power loss activated */
    /** PERSISTENT RESERVATION TYPE MASK: RSVD_SCSI_PR_TYPE_MASK_* bits
     * (meaningful when tmv is set). */
    uint16_t type_mask;
} rsvd_scsi_prin_capabilities;

/**
 * Decodes REPORT CAPABILITIES data.
 * @return RSVD_OK; RSVD_E_WIRE_SHORT (< 8 bytes); RSVD_E_WIRE_VALUE if the
 * LENGTH field is below 8.
 */
RSVD_API int rsvd_scsi_prin_capabilities_decode(const uint8_t *buf, size_t len,
                                                rsvd_scsi_prin_capabilities *out);

/** Encodes REPORT CAPABILITIES data (8 bytes). */
RSVD_API int rsvd_scsi_prin_capabilities_encode(const rsvd_scsi_prin_capabilities *c,
                                                uint8_t *buf, size_t cap);

/* ------------------------------------------------------------------------ */
/* READ CAPACITY data                                                        */
/* ------------------------------------------------------------------------ */

/** @name Data lengths ([SBC-3] READ CAPACITY(10) and (16) parameter data)
 * @{ */
/** READ CAPACITY(10) parameter data. */
#define RSVD_SCSI_READ_CAPACITY10_LEN 8u
/** READ CAPACITY(16) parameter data. */
#define RSVD_SCSI_READ_CAPACITY16_LEN 32u
/** @} */

/** Capacity of a logical unit (READ CAPACITY data). */
typedef struct rsvd_scsi_capacity {
    /** RETURNED LOGICAL BLOCK ADDRESS: the last LBA. READ CAPACITY(10)
     * carries 0xFFFFFFFF when it does not fit in 32 bits. */
    uint64_t last_lba;
    /** LOGICAL BLOCK LENGTH IN BYTES. */
    uint32_t block_length;
    /** READ CAPACITY(16) only: LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT. */
    uint8_t lbppb_exponent;
    /** READ CAPACITY(16) only: LOWEST ALIGNED LOGICAL BLOCK ADDRESS (14 bits). */
    uint16_t lowest_aligned_lba;
} rsvd_scsi_capacity;

/** Decodes the 8 bytes of READ CAPACITY(10) data. */
RSVD_API int rsvd_scsi_read_capacity10_decode(const uint8_t *buf, size_t len,
                                              rsvd_scsi_capacity *out);

/** Encodes READ CAPACITY(10) data; a last LBA above 32 bits is written as 0xFFFFFFFF. */
RSVD_API int rsvd_scsi_read_capacity10_encode(const rsvd_scsi_capacity *c, uint8_t *buf,
                                              size_t cap);

/** Decodes the 32 bytes of READ CAPACITY(16) data (protection fields ignored). */
RSVD_API int rsvd_scsi_read_capacity16_decode(const uint8_t *buf, size_t len,
                                              rsvd_scsi_capacity *out);

/** Encodes READ CAPACITY(16) data (32 bytes, no protection information).
 * @return RSVD_E_INVAL if lbppb_exponent > 15 or lowest_aligned_lba > 0x3FFF. */
RSVD_API int rsvd_scsi_read_capacity16_encode(const rsvd_scsi_capacity *c, uint8_t *buf,
                                              size_t cap);

/* ------------------------------------------------------------------------ */
/* Sense data                                                                */
/* ------------------------------------------------------------------------ */

/** Length of the fixed-format sense data the library builds (additional length 10). */
#define RSVD_SCSI_FIXED_SENSE_LEN 18u

/** @name Sense data response codes ([SPC-3] 4.5.1)
 * @{ */
/** Fixed format, current error. */
#define RSVD_SCSI_SENSE_FIXED_CURRENT 0x70u
/** Fixed format, deferred error. */
#define RSVD_SCSI_SENSE_FIXED_DEFERRED 0x71u
/** Descriptor format, current error. */
#define RSVD_SCSI_SENSE_DESC_CURRENT 0x72u
/** Descriptor format, deferred error. */
#define RSVD_SCSI_SENSE_DESC_DEFERRED 0x73u
/** @} */

/** Sense data, fixed ([SPC-3] 4.5.3) or descriptor ([SPC-3] 4.5.2) format. */
typedef struct rsvd_scsi_sense {
    uint8_t response_code; /**< 0x70, 0x71, 0x72 or 0x73 */
    uint8_t key;           /**< sense key (4 bits) */
    uint8_t asc;           /**< additional sense code */
    uint8_t ascq;          /**< additional sense code qualifier */
    /* Fixed format only: */
    bool valid;            /**< byte 0 bit 7: INFORMATION is valid */
    bool filemark;         /**< byte 2 bit 7 */
    bool eom;              /**< byte 2 bit 6 */
    bool ili;              /**< byte 2 bit 5 */
    uint32_t information;  /**< bytes 3-6 */
    uint32_t cmd_info;     /**< bytes 8-11: command-specific information */
    uint8_t fru;           /**< byte 14: field replaceable unit code */
    uint8_t sks[3];        /**< bytes 15-17: SKSV and sense-key specific */
} rsvd_scsi_sense;

/**
 * Decodes sense data.
 *
 * Fixed format needs bytes 0-13 (up to ASCQ) and an ADDITIONAL SENSE LENGTH
 * of at least 6; bytes the ADDITIONAL SENSE LENGTH announces past the buffer
 * are treated as cut off by the sense buffer ([SPC-3] 4.5.1 lets a transport
 * truncate sense data) and read as zero. Descriptor format needs its 8-byte
 * header; the descriptors that follow are not interpreted.
 *
 * @return RSVD_OK; RSVD_E_WIRE_SHORT; RSVD_E_WIRE_VALUE for a response code
 * other than 0x70-0x73 or a fixed ADDITIONAL SENSE LENGTH below 6.
 */
RSVD_API int rsvd_scsi_sense_decode(const uint8_t *buf, size_t len, rsvd_scsi_sense *out);

/**
 * Encodes sense data: fixed format (18 bytes, ADDITIONAL SENSE LENGTH 10)
 * for response codes 0x70/0x71, the 8-byte descriptor header (no
 * descriptors) for 0x72/0x73. *out_len receives the length.
 * @return RSVD_OK, RSVD_E_NOSPC, or RSVD_E_INVAL for another response code.
 */
RSVD_API int rsvd_scsi_sense_encode(const rsvd_scsi_sense *s, uint8_t *buf, size_t cap,
                                    size_t *out_len);

/**
 * Builds current fixed-format sense data (response code 0x70) with the
 * given key, ASC and ASCQ and every other field zero.
 * @return RSVD_SCSI_FIXED_SENSE_LEN, or RSVD_E_NOSPC.
 */
RSVD_API int rsvd_scsi_sense_build(uint8_t *buf, size_t cap, uint8_t key, uint8_t asc,
                                   uint8_t ascq);

/** @return the sense key's name ("UNIT ATTENTION"), or NULL. */
RSVD_API const char *rsvd_scsi_sense_key_name(uint8_t key);

/**
 * @return the name of a SCSI status code ([SAM-4] 5.3: "GOOD", "CHECK
 * CONDITION", "RESERVATION CONFLICT", ...), or NULL for a reserved or
 * obsolete code.
 */
RSVD_API const char *rsvd_scsi_status_name(uint8_t status);

/**
 * Maps a unit attention's ASC/ASCQ to its MS-RSVD 2.2.3 status:
 * 2A/03 RESERVATIONS PREEMPTED, 2A/04 RESERVATIONS RELEASED, 2A/05
 * REGISTRATIONS PREEMPTED, 2A/09 CAPACITY DATA CHANGED, 3F/xx
 * OPERATING DEFINITION CHANGED, anything else UNIT ATTENTION AVAILABLE.
 */
RSVD_API uint32_t rsvd_scsi_ua_status(uint8_t asc, uint8_t ascq);

/**
 * @return the MS-RSVD 2.2.3 status for decoded sense @p s when its key is
 * UNIT ATTENTION (see rsvd_scsi_ua_status()), else STATUS_SUCCESS (0).
 */
RSVD_API uint32_t rsvd_scsi_sense_ua_status(const rsvd_scsi_sense *s);

/* ------------------------------------------------------------------------ */
/* SCSI outcome as the backends report it                                    */
/* ------------------------------------------------------------------------ */

/**
 * Fills @p r for a command that ended with @p scsi_status and the sense data
 * (@p sense, @p sense_len, may be NULL/0), using the library's mapping:
 *  - GOOD: SRB_STATUS_SUCCESS, no sense;
 *  - CHECK CONDITION: SRB_STATUS_ERROR; with sense data, sense_auto_generated
 *    TRUE (the 0x80 bit of the SrbStatus byte) and the sense copied (at most
 *    20 bytes);
 *  - RESERVATION CONFLICT, BUSY and any other status: SRB_STATUS_ERROR, no
 *    sense.
 * Bytes of r->sense past sense_len are zeroed.
 */
RSVD_API void rsvd_scsi_result_set(rsvd_scsi_result *r, uint8_t scsi_status, const uint8_t *sense,
                                   size_t sense_len);

/** Fills @p r with CHECK CONDITION and fixed-format sense key/ASC/ASCQ. */
RSVD_API void rsvd_scsi_result_check_condition(rsvd_scsi_result *r, uint8_t key, uint8_t asc,
                                               uint8_t ascq);

#ifdef __cplusplus
}
#endif

#endif /* RSVD_SCSI_H */
