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

    /* ---- smb2_ioctl: [MS-SMB2] 2.2.31, 2.2.31.3, 2.2.32 ------------------- */
    /* One session throughout the SMB2 families: SessionId 0x11, TreeId 5;
     * the shared disk's open has FileId {Persistent 0x2A1, Volatile
     * 0x100000005} (0x100000001 before the reconnect of smb2_create). */

    /* FSCTL_LMR_REQUEST_RESILIENCY request of the worked example (spec
     * reference 1.6, [MS-SMB2] 3.2.4.20.8): MessageId 7, CreditCharge 1,
     * InputOffset 0x78, InputCount 8, OutputOffset 128 as Windows sends it
     * (<173>), Flags IS_FSCTL, Timeout 120000 ms. 128 bytes. */
    {"smb2_ioctl", "smb2_ioctl_resiliency_req", true,
     "FE534D42 4000 0100 00000000 0B00 0100 00000000 00000000"
     "0700000000000000 00000000 05000000 1100000000000000"
     "00000000000000000000000000000000"
     "3900 0000 D4011400 A102000000000000 0500000001000000"
     "78000000 08000000 00000000 80000000 00000000 00000000 01000000 00000000"
     "C0D40100 00000000"},

    /* The same request with OutputOffset 0, as the SHOULD of 3.2.4.20.8
     * says; MessageId 12. */
    {"smb2_ioctl", "smb2_ioctl_resiliency_req_output_offset_zero", true,
     "FE534D42 4000 0100 00000000 0B00 0100 00000000 00000000"
     "0C00000000000000 00000000 05000000 1100000000000000"
     "00000000000000000000000000000000"
     "3900 0000 D4011400 A102000000000000 0500000001000000"
     "78000000 08000000 00000000 00000000 00000000 00000000 01000000 00000000"
     "C0D40100 00000000"},

    /* The server's success response ([MS-SMB2] 3.3.5.15.9, spec reference
     * 1.6): FileId echoed, InputOffset 112, InputCount 0, OutputOffset 112,
     * OutputCount 0, Flags 0, no Buffer byte. 112 bytes. */
    {"smb2_ioctl", "smb2_ioctl_resiliency_rsp", true,
     "FE534D42 4000 0100 00000000 0B00 0100 01000000 00000000"
     "0700000000000000 00000000 05000000 1100000000000000"
     "00000000000000000000000000000000"
     "3100 0000 D4011400 A102000000000000 0500000001000000"
     "70000000 00000000 70000000 00000000 00000000 00000000"},

    /* NETWORK_RESILIENCY_REQUEST (2.2.31.3) alone: Timeout 120000 ms. */
    {"smb2_ioctl", "smb2_network_resiliency_request", false, "C0D40100 00000000"},

    /* FSCTL_QUERY_SHARED_VIRTUAL_DISK_SUPPORT request (MS-RSVD 2.2.4.15: no
     * input): MessageId 13, InputOffset and OutputOffset 0x78 with zero
     * counts as Windows sends them, MaxOutputResponse 8. 120 bytes. */
    {"smb2_ioctl", "smb2_ioctl_svhdx_support_req", true,
     "FE534D42 4000 0100 00000000 0B00 0100 00000000 00000000"
     "0D00000000000000 00000000 05000000 1100000000000000"
     "00000000000000000000000000000000"
     "3900 0000 00030900 A102000000000000 0500000001000000"
     "78000000 00000000 00000000 78000000 00000000 08000000 01000000 00000000"},

    /* Its response: 8 output bytes (SharedVirtualDisksSupported 1,
     * HandleStateShared 3) at OutputOffset = InputOffset + InputCount rounded
     * up to 8 = 0x70 ([MS-SMB2] 2.2.32). 120 bytes. */
    {"smb2_ioctl", "smb2_ioctl_svhdx_support_rsp", true,
     "FE534D42 4000 0100 00000000 0B00 0100 01000000 00000000"
     "0D00000000000000 00000000 05000000 1100000000000000"
     "00000000000000000000000000000000"
     "3100 0000 00030900 A102000000000000 0500000001000000"
     "70000000 00000000 70000000 08000000 00000000 00000000"
     "01000000 03000000"},

    /* ---- smb2_read_write: [MS-SMB2] 2.2.19 - 2.2.22 ------------------------ */

    /* READ request, MessageId 5: 64 bytes at offset 0x100000, Padding 0x50,
     * Channel NONE, and the one Buffer byte the client MUST send. 113 bytes. */
    {"smb2_read_write", "smb2_read_req", true,
     "FE534D42 4000 0100 00000000 0800 0100 00000000 00000000"
     "0500000000000000 00000000 05000000 1100000000000000"
     "00000000000000000000000000000000"
     "3100 50 00 40000000 0000100000000000 A102000000000000 0500000001000000"
     "00000000 00000000 00000000 0000 0000 00"},

    /* Its response: DataOffset 0x50, DataLength 64, bytes 00..3F. 144 bytes. */
    {"smb2_read_write", "smb2_read_rsp", true,
     "FE534D42 4000 0100 00000000 0800 0100 01000000 00000000"
     "0500000000000000 00000000 05000000 1100000000000000"
     "00000000000000000000000000000000"
     "1100 50 00 40000000 00000000 00000000"
     "000102030405060708090A0B0C0D0E0F 101112131415161718191A1B1C1D1E1F"
     "202122232425262728292A2B2C2D2E2F 303132333435363738393A3B3C3D3E3F"},

    /* WRITE request, MessageId 6: 64 bytes of 0x5A at offset 0x100000,
     * DataOffset 0x70. 176 bytes. */
    {"smb2_read_write", "smb2_write_req", true,
     "FE534D42 4000 0100 00000000 0900 0100 00000000 00000000"
     "0600000000000000 00000000 05000000 1100000000000000"
     "00000000000000000000000000000000"
     "3100 7000 40000000 0000100000000000 A102000000000000 0500000001000000"
     "00000000 00000000 0000 0000 00000000"
     "5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A 5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A"
     "5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A 5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A"},

    /* Its response: Count 64. 80 bytes. */
    {"smb2_read_write", "smb2_write_rsp", true,
     "FE534D42 4000 0100 00000000 0900 0100 01000000 00000000"
     "0600000000000000 00000000 05000000 1100000000000000"
     "00000000000000000000000000000000"
     "1100 0000 40000000 00000000 0000 0000"},

    /* ---- smb2_lock: [MS-SMB2] 2.2.26, 2.2.26.1, 2.2.27 --------------------- */

    /* LOCK request, MessageId 8, on a resilient open: LockSequenceIndex 1,
     * LockSequenceNumber 0 (0x10); one element: 0x1000 bytes at 0x1000,
     * EXCLUSIVE | FAIL_IMMEDIATELY. 112 bytes. */
    {"smb2_lock", "smb2_lock_req", true,
     "FE534D42 4000 0100 00000000 0A00 0100 00000000 00000000"
     "0800000000000000 00000000 05000000 1100000000000000"
     "00000000000000000000000000000000"
     "3000 0100 10000000 A102000000000000 0500000001000000"
     "0010000000000000 0010000000000000 12000000 00000000"},

    /* Its response. 68 bytes. */
    {"smb2_lock", "smb2_lock_rsp", true,
     "FE534D42 4000 0100 00000000 0A00 0100 01000000 00000000"
     "0800000000000000 00000000 05000000 1100000000000000"
     "00000000000000000000000000000000"
     "0400 0000"},

    /* LOCK request, MessageId 14: LockSequenceIndex 3, LockSequenceNumber 5
     * (0x35); two SHARED | FAIL_IMMEDIATELY elements (0x200 bytes at 0 and at
     * 0x10000). 136 bytes. */
    {"smb2_lock", "smb2_lock_req_two_elements", true,
     "FE534D42 4000 0100 00000000 0A00 0100 00000000 00000000"
     "0E00000000000000 00000000 05000000 1100000000000000"
     "00000000000000000000000000000000"
     "3000 0200 35000000 A102000000000000 0500000001000000"
     "0000000000000000 0002000000000000 11000000 00000000"
     "0000010000000000 0002000000000000 11000000 00000000"},

    /* ---- smb2_create: [MS-SMB2] 2.2.13, 2.2.13.2, 2.2.14 -------------------- */

    /* CREATE request, MessageId 3: a durable open of "d.vhdx" with a batch
     * oplock and a DH2Q context (Timeout 60000 ms, CreateGuid). Name at 0x78
     * (12 bytes), 4 pad bytes, the context at 0x88 (56 bytes). 192 bytes. */
    {"smb2_create", "smb2_create_req_dh2q", true,
     "FE534D42 4000 0100 00000000 0500 0100 00000000 00000000"
     "0300000000000000 00000000 05000000 1100000000000000"
     "00000000000000000000000000000000"
     "3900 00 09 02000000 0000000000000000 0000000000000000"
     "89001200 00000000 07000000 01000000 40000000"
     "7800 0C00 88000000 38000000"
     "6400 2E00 7600 6800 6400 7800 | 00000000"
     "00000000 1000 0400 0000 1800 20000000 44483251 00000000"
     "60EA0000 00000000 0000000000000000 1A2B3C4D5E6F708192A3B4C5D6E7F801"},

    /* Its response: batch oplock, FILE_OPENED, FileId {0x2A1, 0x100000001},
     * a DH2Q response context (Timeout 60000, Flags 0) at 0x98. 184 bytes. */
    {"smb2_create", "smb2_create_rsp_dh2q", true,
     "FE534D42 4000 0100 00000000 0500 0100 01000000 00000000"
     "0300000000000000 00000000 05000000 1100000000000000"
     "00000000000000000000000000000000"
     "5900 09 00 01000000"
     "605F4E3D2B1CDA01 807C6B5A4F3EDA01 807C6B5A4F3EDA01 807C6B5A4F3EDA01"
     "0000400400000000 0000400400000000 20000000 00000000"
     "A102000000000000 0100000001000000 98000000 20000000"
     "00000000 1000 0400 0000 1800 08000000 44483251 00000000"
     "60EA0000 00000000"},

    /* CREATE request, MessageId 4: reconnect of the resilient open of
     * "d.vhdx:SharedVirtualDisk" (MS-RSVD 3.1.4.2: FILE_NO_INTERMEDIATE_
     * BUFFERING | FILE_NON_DIRECTORY_FILE; read/write data, read attributes,
     * read control; share read/write/delete; FILE_OPEN). Name at 0x78 (48
     * bytes); contexts at 0xA8 (240 bytes): DHnC {0x2A1, 0x100000001} (40
     * bytes, Next 40), then the 16-byte-named SVHDX_OPEN_DEVICE_CONTEXT with
     * its 168-byte version-1 data (HasInitiatorId 1, OriginatorFlags
     * PVHDPARSER, OpenRequestId 0x3028E5B600000000, host "client01"). */
    {"smb2_create", "smb2_create_req_dhnc_svhdx", true,
     "FE534D42 4000 0100 00000000 0500 0100 00000000 00000000"
     "0400000000000000 00000000 05000000 1100000000000000"
     "00000000000000000000000000000000"
     "3900 00 00 02000000 0000000000000000 0000000000000000"
     "83000200 00000000 07000000 01000000 48000000"
     "7800 3000 A8000000 F0000000"
     "6400 2E00 7600 6800 6400 7800 3A00 5300 6800 6100 7200 6500"
     "6400 5600 6900 7200 7400 7500 6100 6C00 4400 6900 7300 6B00"
     "28000000 1000 0400 0000 1800 10000000 44486E43 00000000"
     "A102000000000000 0100000001000000"
     "00000000 1000 1000 0000 2000 A8000000"
     "9CCBCF9E04C1E643980E158DA1F6EC83"
     "01000000 01 000000 10B8A76BAD9DD11180B400C04FD430C8 00000000 01000000"
     "00000000B6E52830 1000"
     "63006C00690065006E00740030003100"
     "00000000000000000000000000000000 00000000000000000000000000000000"
     "00000000000000000000000000000000 00000000000000000000000000000000"
     "00000000000000000000000000000000 00000000000000000000000000000000"
     "0000000000000000000000000000"},

    /* Its response: FILE_OPENED, FileId {0x2A1, 0x100000005} (a new volatile
     * id), a DHnQ response context (8 reserved bytes) as <339> servers send
     * it. 184 bytes. */
    {"smb2_create", "smb2_create_rsp_dhnq", true,
     "FE534D42 4000 0100 00000000 0500 0100 01000000 00000000"
     "0400000000000000 00000000 05000000 1100000000000000"
     "00000000000000000000000000000000"
     "5900 00 00 01000000"
     "605F4E3D2B1CDA01 807C6B5A4F3EDA01 807C6B5A4F3EDA01 807C6B5A4F3EDA01"
     "0000400400000000 0000400400000000 20000000 00000000"
     "A102000000000000 0500000001000000 98000000 20000000"
     "00000000 1000 0400 0000 1800 08000000 44486E51 00000000"
     "0000000000000000"},

    /* A create-context chain of one DH2C context (2.2.13.2.12): FileId
     * {0x2A1, 0x100000001}, the CreateGuid of smb2_create_req_dh2q, Flags
     * PERSISTENT. 60 bytes. */
    {"smb2_create", "smb2_cc_dh2c", false,
     "00000000 1000 0400 0000 1800 24000000 44483243 00000000"
     "A102000000000000 0100000001000000 1A2B3C4D5E6F708192A3B4C5D6E7F801 02000000"},

    /* A chain of two contexts: DHnQ (16 reserved bytes; Next 40), then MxAc
     * without data (DataOffset 0, DataLength 0). 60 bytes. */
    {"smb2_create", "smb2_cc_dhnq_mxac", false,
     "28000000 1000 0400 0000 1800 10000000 44486E51 00000000"
     "00000000000000000000000000000000"
     "00000000 1000 0400 0000 0000 00000000 4D784163"},

    /* ---- smb2_close: [MS-SMB2] 2.2.15, 2.2.16 ------------------------------ */

    /* CLOSE request, MessageId 11, Flags POSTQUERY_ATTRIB. 88 bytes. */
    {"smb2_close", "smb2_close_req", true,
     "FE534D42 4000 0100 00000000 0600 0100 00000000 00000000"
     "0B00000000000000 00000000 05000000 1100000000000000"
     "00000000000000000000000000000000"
     "1800 0100 00000000 A102000000000000 0500000001000000"},

    /* Its response with the attributes. 124 bytes. */
    {"smb2_close", "smb2_close_rsp", true,
     "FE534D42 4000 0100 00000000 0600 0100 01000000 00000000"
     "0B00000000000000 00000000 05000000 1100000000000000"
     "00000000000000000000000000000000"
     "3C00 0100 00000000"
     "605F4E3D2B1CDA01 807C6B5A4F3EDA01 807C6B5A4F3EDA01 807C6B5A4F3EDA01"
     "0000400400000000 0000400400000000 20000000"},

    /* ---- smb2_info: [MS-SMB2] 2.2.37 - 2.2.40 ------------------------------ */

    /* QUERY_INFO request, MessageId 9: SMB2_0_INFO_FILE,
     * FileStandardInformation (5), OutputBufferLength 24, no input
     * (InputBufferOffset 0x68 as Windows sends it). 104 bytes. */
    {"smb2_info", "smb2_query_info_req", true,
     "FE534D42 4000 0100 00000000 1000 0100 00000000 00000000"
     "0900000000000000 00000000 05000000 1100000000000000"
     "00000000000000000000000000000000"
     "2900 01 05 18000000 6800 0000 00000000 00000000 00000000"
     "A102000000000000 0500000001000000"},

    /* Its response: FILE_STANDARD_INFORMATION ([MS-FSCC] 2.4.47: 68 MiB
     * allocated and long, 1 link) at 0x48. 96 bytes. */
    {"smb2_info", "smb2_query_info_rsp", true,
     "FE534D42 4000 0100 00000000 1000 0100 01000000 00000000"
     "0900000000000000 00000000 05000000 1100000000000000"
     "00000000000000000000000000000000"
     "0900 4800 18000000"
     "0000400400000000 0000400400000000 01000000 00 00 0000"},

    /* SET_INFO request, MessageId 10: FileEndOfFileInformation (20),
     * EndOfFile 128 MiB at BufferOffset 0x60. 104 bytes. */
    {"smb2_info", "smb2_set_info_req", true,
     "FE534D42 4000 0100 00000000 1100 0100 00000000 00000000"
     "0A00000000000000 00000000 05000000 1100000000000000"
     "00000000000000000000000000000000"
     "2100 01 14 08000000 6000 0000 00000000 A102000000000000 0500000001000000"
     "0000000800000000"},

    /* Its response. 66 bytes. */
    {"smb2_info", "smb2_set_info_rsp", true,
     "FE534D42 4000 0100 00000000 1100 0100 01000000 00000000"
     "0A00000000000000 00000000 05000000 1100000000000000"
     "00000000000000000000000000000000"
     "0200"},
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
