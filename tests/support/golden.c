/*
 * The golden vectors. Each is cited to the section whose table or example it
 * was laid out from. Add new vectors at the end of their family.
 */
#include "golden.h"

#include <string.h>

const tu_golden tu_golden_vectors[] = {
    /* ---- smb2_header: [MS-SMB2] 2.2.1, 2.2.2 ------------------------------ */

    /* SYNC request header of the spec reference's FSCTL_LMR_REQUEST_RESILIENCY
     * worked example (1.6): Command IOCTL, MessageId 7, TreeId 5, SessionId
     * 0x11, Reserved 0xFEFF as Windows clients send it. */
    {"smb2_header", "smb2_header_sync_request", false,
     "FE534D42 4000 0100 00000000 0B00 0100 00000000 00000000"
     "0700000000000000 FFFE0000 05000000 1100000000000000"
     "00000000000000000000000000000000"},

    /* ASYNC response header (2.2.1.1): STATUS_PENDING, AsyncId 42. */
    {"smb2_header", "smb2_header_async_response", false,
     "FE534D42 4000 0000 03010000 0B00 0100 03000000 00000000"
     "0800000000000000 2A00000000000000 1100000000000000"
     "00000000000000000000000000000000"},

    /* ERROR response body (2.2.2) with ByteCount 0 and the pad byte. */
    {"smb2_header", "smb2_error_body_empty", false, "0900 00 00 00000000 00"},

    /* ERROR response body for STATUS_BUFFER_TOO_SMALL (2.2.2.2): 4-byte
     * minimum length 0x28. */
    {"smb2_header", "smb2_error_body_buffer_too_small", false,
     "0900 00 00 04000000 28000000"},

    /* ---- rsvd_tunnel: [MS-RSVD] 2.2.4 ------------------------------------- */

    /* SVHDX_TUNNEL_OPERATION_HEADER (2.2.4.11) of a GET_INITIAL_INFO request,
     * RequestId 0x3028E5B600000001 (the id sequence of example 4.3). */
    {"rsvd_tunnel", "rsvd_tunnel_header_initial_info", false,
     "01100002 00000000 01000000B6E52830"},

    /* ---- scsi: [SPC-3], [SBC-3] (all fields big-endian) ------------------- */

    /* Fixed-format sense data ([SPC-3] 4.5.3): current error, UNIT ATTENTION,
     * ADDITIONAL SENSE LENGTH 10, ASC/ASCQ 2A/05 REGISTRATIONS PREEMPTED. */
    {"scsi", "scsi_sense_fixed_ua_registrations_preempted", false,
     "70 00 06 00000000 0A 00000000 2A 05 00 000000"},

    /* The shortest fixed-format sense data ([SPC-3] 4.5.3): ADDITIONAL SENSE
     * LENGTH 6 ends at ASCQ; ILLEGAL REQUEST, 24/00 INVALID FIELD IN CDB. */
    {"scsi", "scsi_sense_fixed_min_invalid_field", false,
     "70 00 05 00000000 06 00000000 24 00"},

    /* Fixed-format sense with every field set: VALID, deferred (71h), ILI,
     * MEDIUM ERROR, INFORMATION 0x00001000, CSI 0x01020304, 11/00, FRU 0x7E,
     * SKSV + sense-key specific 80 00 04. */
    {"scsi", "scsi_sense_fixed_all_fields", false,
     "F1 00 23 00001000 0A 01020304 11 00 7E 800004"},

    /* Descriptor-format sense header ([SPC-3] 4.5.2): UNIT ATTENTION 2A/04
     * RESERVATIONS RELEASED, no descriptors. */
    {"scsi", "scsi_sense_desc_ua_reservations_released", false,
     "72 06 2A 04 000000 00"},

    /* PERSISTENT RESERVE OUT parameter list ([SPC-3] 6.12.3): REGISTER from
     * an unregistered I_T nexus (RESERVATION KEY 0), SERVICE ACTION
     * RESERVATION KEY 0x0123456789ABCDEF, ALL_TG_PT set. */
    {"scsi", "scsi_prout_params_register", false,
     "0000000000000000 0123456789ABCDEF 00000000 04 00 0000"},

    /* PERSISTENT RESERVE OUT parameter list: PREEMPT with RESERVATION KEY
     * 0xB and SERVICE ACTION RESERVATION KEY 0xA, no flags. */
    {"scsi", "scsi_prout_params_preempt", false,
     "000000000000000B 000000000000000A 00000000 00 00 0000"},

    /* READ KEYS data ([SPC-3] 6.11.2): PRGENERATION 3, two keys 0xAA, 0xBB. */
    {"scsi", "scsi_prin_read_keys_two", false,
     "00000003 00000010 00000000000000AA 00000000000000BB"},

    /* READ KEYS data with no registered key: PRGENERATION 0, length 0. */
    {"scsi", "scsi_prin_read_keys_empty", false, "00000000 00000000"},

    /* READ RESERVATION data ([SPC-3] 6.11.3): PRGENERATION 5, key 0xAA held,
     * scope LU_SCOPE, type 5 WRITE EXCLUSIVE - REGISTRANTS ONLY. */
    {"scsi", "scsi_prin_read_reservation_we_ro", false,
     "00000005 00000010 00000000000000AA 00000000 00 05 0000"},

    /* READ RESERVATION data with no reservation: PRGENERATION 5, length 0. */
    {"scsi", "scsi_prin_read_reservation_none", false, "00000005 00000000"},

    /* REPORT CAPABILITIES data ([SPC-3] 6.11.4): LENGTH 8, ATP_C, TMV, the
     * six types in the mask (byte 4: WR_EX_AR EX_AC_RO WR_EX_RO EX_AC WR_EX =
     * EA, byte 5: EX_AC_AR = 01). */
    {"scsi", "scsi_prin_report_capabilities", false, "0008 04 80 EA 01 0000"},

    /* READ CAPACITY(10) data ([SBC-3]): last LBA 0x1FFFF, 512-byte blocks
     * (a 64 MiB disk). */
    {"scsi", "scsi_read_capacity10_64m", false, "0001FFFF 00000200"},

    /* READ CAPACITY(16) data ([SBC-3]): last LBA 0x1FFFF, 512-byte blocks,
     * 8 logical blocks per physical block (exponent 3), lowest aligned 0. */
    {"scsi", "scsi_read_capacity16_64m_4k_physical", false,
     "000000000001FFFF 00000200 00 03 0000"
     "00000000000000000000000000000000"},

    /* CDBs ([SPC-3] clause 6, [SBC-3] clause 5), one per builder. */
    {"scsi", "scsi_cdb_test_unit_ready", false, "00 00000000 00"},
    {"scsi", "scsi_cdb_request_sense_18", false, "03 00 0000 12 00"},
    {"scsi", "scsi_cdb_inquiry_standard_96", false, "12 00 00 0060 00"},
    {"scsi", "scsi_cdb_inquiry_vpd83_255", false, "12 01 83 00FF 00"},
    {"scsi", "scsi_cdb_read_capacity10", false, "25 00 00000000 0000 00 00"},
    {"scsi", "scsi_cdb_read_capacity16_32", false, "9E 10 0000000000000000 00000020 00 00"},
    {"scsi", "scsi_cdb_read10_lba4096_8", false, "28 00 00001000 00 0008 00"},
    {"scsi", "scsi_cdb_write10_fua_lba4096_8", false, "2A 08 00001000 00 0008 00"},
    {"scsi", "scsi_cdb_read16_lba2p32_1", false, "88 00 0000000100000000 00000001 00 00"},
    {"scsi", "scsi_cdb_write16_dpo_lba7_2", false, "8A 10 0000000000000007 00000002 00 00"},
    {"scsi", "scsi_cdb_sync_cache10_all", false, "35 00 00000000 00 0000 00"},
    {"scsi", "scsi_cdb_sync_cache16_immed", false, "91 02 0000000000000010 00000020 00 00"},
    {"scsi", "scsi_cdb_mode_sense6_caching_dbd", false, "1A 08 08 00 FF 00"},
    {"scsi", "scsi_cdb_mode_sense10_all_llbaa", false, "5A 10 3F 00 000000 0400 00"},
    {"scsi", "scsi_cdb_report_luns_16", false, "A0 00 00 000000 00000010 00 00"},
    {"scsi", "scsi_cdb_prin_read_keys_512", false, "5E 00 0000000000 0200 00"},
    {"scsi", "scsi_cdb_prout_register_24", false, "5F 00 00 0000 00000018 00"},
    {"scsi", "scsi_cdb_prout_reserve_we_ro_24", false, "5F 01 05 0000 00000018 00"},

    /* ---- scsi_disk: command sequences for fuzz/fuzz_scsi_disk.c ----------- */
    /* Records (see the harness): op (initiator | kind << 2), then for an
     * EXECUTE cdb_len, the CDB, out_len (LE), data out, in_cap (LE). CDBs
     * and parameter lists as in [SPC-3]/[SBC-3]. */

    /* A: INQUIRY (96), READ CAPACITY(10), READ CAPACITY(16); capacity
     * changed; A: TEST UNIT READY (reports 2A/09). */
    {"scsi_disk", "scsi_disk_inquiry_capacity", false,
     "01 06 12 00 00 0060 00 | 0000 | 6000"
     "01 0A 25 00 00000000 0000 00 00 | 0000 | 0800"
     "01 10 9E 10 0000000000000000 00000020 00 00 | 0000 | 2000"
     "0D 00"
     "01 06 00 00000000 00 | 0000 | 0000"},

    /* A and B register (keys A1, B2), A reserves Exclusive Access, B READ(10)
     * conflicts, C SMB2 READ conflicts, B preempts A into Write Exclusive,
     * A: TEST UNIT READY (2A/05), A: REQUEST SENSE, B: READ KEYS. */
    {"scsi_disk", "scsi_disk_reservations", false,
     "01 0A 5F 00 00 0000 00000018 00 | 1800 |"
     "  0000000000000000 00000000000000A1 00000000 00 00 0000 | 0000"
     "02 0A 5F 00 00 0000 00000018 00 | 1800 |"
     "  0000000000000000 00000000000000B2 00000000 00 00 0000 | 0000"
     "01 0A 5F 01 03 0000 00000018 00 | 1800 |"
     "  00000000000000A1 0000000000000000 00000000 00 00 0000 | 0000"
     "02 0A 28 00 00000000 00 0001 00 | 0000 | 0002"
     "07 00000000 0002"
     "02 0A 5F 04 01 0000 00000018 00 | 1800 |"
     "  00000000000000B2 00000000000000A1 00000000 00 00 0000 | 0000"
     "01 06 00 00000000 00 | 0000 | 0000"
     "01 06 03 00 0000 12 00 | 0000 | 1200"
     "02 0A 5E 00 0000000000 0100 00 | 0000 | 0001"},

    /* Refusals: FORMAT UNIT (unsupported), PR OUT REGISTER from the open
     * without initiator, a 17-byte CDB length, MODE SENSE(6) all pages,
     * SMB2 WRITE of 0 bytes, reopen of B. */
    {"scsi_disk", "scsi_disk_refusals", false,
     "01 06 04 00 00 00 00 00 | 0000 | 0000"
     "00 0A 5F 00 00 0000 00000018 00 | 1800 |"
     "  0000000000000000 0000000000000001 00000000 00 00 0000 | 0000"
     "01 11 88 00 0000000000000000 00000001 00 00 | 0000 | 0002"
     "02 06 1A 00 3F 00 FF 00 | 0000 | FF00"
     "0A 00000000 0000"
     "0E 01"},
};

const size_t tu_golden_count = sizeof tu_golden_vectors / sizeof tu_golden_vectors[0];

const tu_golden *tu_golden_find(const char *name)
{
    for (size_t i = 0; i < tu_golden_count; i++)
        if (strcmp(tu_golden_vectors[i].name, name) == 0)
            return &tu_golden_vectors[i];
    return NULL;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

size_t tu_golden_parse(const tu_golden *g, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (const char *p = g->hex; *p; p++) {
        if (*p == ' ' || *p == '\n' || *p == '\t' || *p == '|')
            continue;
        int v = hexval(*p);
        if (v < 0)
            return (size_t)-1;
        if (hi < 0) {
            hi = v;
            continue;
        }
        if (n >= cap)
            return (size_t)-1;
        out[n++] = (uint8_t)(hi << 4 | v);
        hi = -1;
    }
    return hi < 0 ? n : (size_t)-1;
}
