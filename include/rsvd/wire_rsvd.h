/*
 * librsvd - MS-RSVD message codecs ([MS-RSVD] section 2.2): the tunnel
 * header, every version-1 and version-2 tunnel operation body, the
 * SVHDX_OPEN_DEVICE_CONTEXT(_V2) create contexts, the query-support output,
 * and the FILE_FULL_EA_INFORMATION chain ([MS-FSCC] 2.4.15) that carries the
 * RSVD target specifier.
 *
 * Part of the opt-in toolkit: no core header includes it, and it knows
 * nothing of storage (the backend interface is rsvd/backend.h). The
 * conventions of rsvd/wire_smb2.h apply: decoders never read past len,
 * return views into their input, and encoders fail cleanly with
 * RSVD_E_NOSPC.
 */
#ifndef RSVD_WIRE_RSVD_H
#define RSVD_WIRE_RSVD_H

#include <rsvd/common.h>
#include <rsvd/fscc.h>
#include <rsvd/smb2.h>
#include <rsvd/svhdx.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @file
 * @brief MS-RSVD message codecs and constants ([MS-RSVD] 2.2).
 */

/** @name Create-context versions ([MS-RSVD] 2.2.4.12, 2.2.4.32); the
 * general constants of 2.2.1 are in rsvd/svhdx.h
 * @{ */
/** Version of SVHDX_OPEN_DEVICE_CONTEXT (2.2.4.12) and its response. */
#define RSVD_ECP_CONTEXT_VERSION_1 0x00000001u
/** Version of SVHDX_OPEN_DEVICE_CONTEXT_V2 (2.2.4.32) and its response. */
#define RSVD_ECP_CONTEXT_VERSION_2 0x00000002u
/** @} */


/** @name Tunnel operation codes ([MS-RSVD] 2.2.2)
 * Bits 24-31 are 0x02 (RSVD), bits 12-23 the version class, bits 0-11 the
 * operation.
 * @{ */
/** Disk geometry: SVHDX_TUNNEL_INITIAL_INFO_REQUEST/_RESPONSE (3.2.5.5.1). */
#define RSVD_TUNNEL_GET_INITIAL_INFO_OPERATION 0x02001001u
/** A SCSI command: SVHDX_TUNNEL_SCSI_REQUEST/_RESPONSE (3.2.5.5.5). */
#define RSVD_TUNNEL_SCSI_OPERATION 0x02001002u
/** Connection check: header only both ways (3.2.5.5.2). */
#define RSVD_TUNNEL_CHECK_CONNECTION_STATUS_OPERATION 0x02001003u
/** Stored sense of a failed READ/WRITE: SVHDX_TUNNEL_SRB_STATUS_REQUEST/
 * _RESPONSE (3.2.5.5.3). */
#define RSVD_TUNNEL_SRB_STATUS_OPERATION 0x02001004u
/** Disk properties: SVHDX_TUNNEL_DISK_INFO_REQUEST/_RESPONSE (3.2.5.5.4). */
#define RSVD_TUNNEL_GET_DISK_INFO_OPERATION 0x02001005u
/** Disk check: SVHDX_TUNNEL_VALIDATE_DISK_REQUEST/_RESPONSE (3.2.5.5.6). */
#define RSVD_TUNNEL_VALIDATE_DISK_OPERATION 0x02001006u
/** Starts a snapshot, resize, optimize, extract, convert or apply:
 * SVHDX_META_OPERATION_START_REQUEST, on the async FSCTL (3.2.5.5.7). */
#define RSVD_TUNNEL_META_OPERATION_START 0x02002101u
/** Progress of a meta-operation: SVHDX_META_OPERATION_QUERY_PROGRESS_REQUEST/
 * _RESPONSE (3.2.5.5.8). */
#define RSVD_TUNNEL_META_OPERATION_QUERY_PROGRESS 0x02002002u
/** VHD-set information: SVHDX_TUNNEL_VHDSET_QUERY_INFORMATION_REQUEST and
 * one of its three responses (3.2.5.5.9). */
#define RSVD_TUNNEL_VHDSET_QUERY_INFORMATION 0x02002005u
/** Deletes a snapshot: SVHDX_TUNNEL_DELETE_SNAPSHOT_REQUEST, header-only
 * response (3.2.5.5.10). */
#define RSVD_TUNNEL_DELETE_SNAPSHOT 0x02002006u
/** Change-tracking state: header-only request,
 * SVHDX_CHANGE_TRACKING_GET_PARAMETERS_RESPONSE (3.2.5.5.11). */
#define RSVD_TUNNEL_CHANGE_TRACKING_GET_PARAMETERS 0x02002008u
/** Starts change tracking: SVHDX_CHANGE_TRACKING_START_REQUEST, header-only
 * response (3.2.5.5.12). */
#define RSVD_TUNNEL_CHANGE_TRACKING_START 0x02002009u
/** Stops change tracking: header-only request,
 * SVHDX_CHANGE_TRACKING_STOP_RESPONSE (3.2.5.5.13). */
#define RSVD_TUNNEL_CHANGE_TRACKING_STOP 0x0200200Au
/** Changed ranges between snapshots:
 * SVHDX_TUNNEL_QUERY_VIRTUAL_DISK_CHANGES_REQUEST/_REPLY (3.2.5.5.14). */
#define RSVD_TUNNEL_QUERY_VIRTUAL_DISK_CHANGES 0x0200200Cu
/** Smallest safe virtual size: header-only request,
 * SVHDX_TUNNEL_QUERY_SAFE_SIZE_RESPONSE (3.2.5.5.15). */
#define RSVD_TUNNEL_QUERY_SAFE_SIZE 0x0200200Du

/** Mask of the protocol field of an operation code (must be 0x02000000). */
#define RSVD_TUNNEL_OPCODE_PROTOCOL_MASK 0xFF000000u
/** The protocol field of every RSVD operation code. */
#define RSVD_TUNNEL_OPCODE_PROTOCOL_RSVD 0x02000000u
/** Mask of the version-class field of an operation code. */
#define RSVD_TUNNEL_OPCODE_VERSION_MASK 0x00FFF000u
/** Version class of the version-1 operations (0x02001xxx). */
#define RSVD_TUNNEL_OPCODE_VERSION_1 0x00001000u
/** Version class of the version-2 operations (0x02002xxx); a version-1
 * server answers them with STATUS_SVHDX_VERSION_MISMATCH (3.2.5.5). */
#define RSVD_TUNNEL_OPCODE_VERSION_2 0x00002000u
/** @} */

/** @return the name of a tunnel operation code, or NULL if it is none of the 15. */
RSVD_API const char *rsvd_tunnel_opcode_name(uint32_t opcode);

/** Size of SVHDX_TUNNEL_OPERATION_HEADER ([MS-RSVD] 2.2.4.11). */
#define RSVD_TUNNEL_HEADER_SIZE 16u

/** SVHDX_TUNNEL_OPERATION_HEADER ([MS-RSVD] 2.2.4.11). */
typedef struct rsvd_tunnel_hdr {
    /** OperationCode: an RSVD_TUNNEL_* code; a response echoes the request's. */
    uint32_t operation_code;
    /** Request: the client SHOULD send 0, the server ignores it.
     * Response: the status of the tunnel operation. */
    uint32_t status;
    /** RequestId: the client's RequestIdentifier (3.1.4.1); a response echoes it. */
    uint64_t request_id;
} rsvd_tunnel_hdr;

/**
 * Decodes the 16-byte tunnel header at the start of @p buf.
 * @return RSVD_OK or RSVD_E_WIRE_SHORT.
 */
RSVD_API int rsvd_tunnel_hdr_decode(const uint8_t *buf, size_t len, rsvd_tunnel_hdr *out);

/**
 * Encodes the 16-byte tunnel header at the start of @p buf.
 * @return RSVD_OK or RSVD_E_NOSPC.
 */
RSVD_API int rsvd_tunnel_hdr_encode(const rsvd_tunnel_hdr *h, uint8_t *buf, size_t cap);

/** Total size of a tunnel message: the 16-byte header plus a body of
 * @p body bytes. The size checks of [MS-RSVD] 3.2.5.5.x read "size of
 * SVHDX_TUNNEL_OPERATION_HEADER + size of <structure>": write them as
 * RSVD_TUNNEL_MESSAGE_SIZE(RSVD_SVHDX_<structure>_SIZE), e.g.
 * RSVD_TUNNEL_MESSAGE_SIZE(RSVD_SVHDX_TUNNEL_INITIAL_INFO_RESPONSE_SIZE) == 40. */
#define RSVD_TUNNEL_MESSAGE_SIZE(body) (RSVD_TUNNEL_HEADER_SIZE + (body))

/* ======================================================================== */
/* Version-1 tunnel operation bodies ([MS-RSVD] 2.2.4.1 - 2.2.4.14)          */
/* ======================================================================== */
/*
 * Every body codec below works on the bytes AFTER the 16-byte tunnel header:
 * the caller decodes the header with rsvd_tunnel_hdr_decode() and passes
 * (buf + RSVD_TUNNEL_HEADER_SIZE, len - RSVD_TUNNEL_HEADER_SIZE); an
 * encoder fills only the body, the server writes the header in front.
 *
 * Decoders check only what they need to decode: the fixed part is present
 * (RSVD_E_WIRE_SHORT), every length or count names bytes that are there
 * (RSVD_E_WIRE_RANGE), and a field that decides the layout holds a value
 * the layout allows (RSVD_E_WIRE_VALUE). Semantic rules that [MS-RSVD] 3.2.5
 * answers with a status of its own (a Length field that is not 36, an
 * unknown Version, a non-Boolean HasInitiatorId, a name without its NUL, a
 * request body longer than its structure) are left to the server: the
 * decoders return the fields exactly as sent.
 *
 * Reserved fields that the receiver must ignore are read over and written
 * as zero, except where the spec lets them carry any value, where a rule
 * copies them back to the peer, or where a request is made of nothing else
 * (those are kept in the structs and written as given).
 *
 * Operations whose request or response is the header alone
 * (SVHDX_TUNNEL_INITIAL_INFO_REQUEST, SVHDX_TUNNEL_CHECK_CONNECTION_REQUEST
 * and _RESPONSE, the change-tracking get-parameters, start-response and
 * stop-request, the safe-size request) have no body codec.
 */

/** @name Body sizes of the version-1 structures ([MS-RSVD] 2.2.4)
 * The sizes the spec's MaxOutputResponse checks use: with
 * RSVD_TUNNEL_MESSAGE_SIZE() they give 40 (initial info), 16 (check
 * connection), 40 (SRB status), 72 (disk info), 52 (SCSI), 17 (validate).
 * @{ */
/** SVHDX_TUNNEL_CHECK_CONNECTION_RESPONSE (2.2.4.2): no body. */
#define RSVD_SVHDX_TUNNEL_CHECK_CONNECTION_RESPONSE_SIZE 0u
/** SVHDX_TUNNEL_INITIAL_INFO_RESPONSE (2.2.4.14). */
#define RSVD_SVHDX_TUNNEL_INITIAL_INFO_RESPONSE_SIZE 24u
/** SVHDX_TUNNEL_SRB_STATUS_REQUEST (2.2.4.3). */
#define RSVD_SVHDX_TUNNEL_SRB_STATUS_REQUEST_SIZE 28u
/** Fixed part of the SRB status response, before SenseDataEx. */
#define RSVD_SVHDX_TUNNEL_SRB_STATUS_RESPONSE_FIXED_SIZE 4u
/** The SRB status response with its full 20-byte sense area, as the spec
 * sizes it (3.2.5.5.3: 16 + 24 = 40). */
#define RSVD_SVHDX_TUNNEL_SRB_STATUS_RESPONSE_SIZE                                          \
    (RSVD_SVHDX_TUNNEL_SRB_STATUS_RESPONSE_FIXED_SIZE + RSVD_SCSI_SENSE_BUFFER_SIZE)
/** SVHDX_TUNNEL_DISK_INFO_REQUEST (2.2.4.5). */
#define RSVD_SVHDX_TUNNEL_DISK_INFO_REQUEST_SIZE 56u
/** SVHDX_TUNNEL_DISK_INFO_RESPONSE (2.2.4.6). */
#define RSVD_SVHDX_TUNNEL_DISK_INFO_RESPONSE_SIZE 56u
/** The fixed part of the SCSI request; its Length field MUST hold this value. */
#define RSVD_SVHDX_TUNNEL_SCSI_REQUEST_SIZE 36u
/** Fixed part of the SCSI response, before SenseDataEx. */
#define RSVD_SVHDX_TUNNEL_SCSI_RESPONSE_FIXED_SIZE 16u
/** The SCSI response with its full 20-byte sense area and no data, as the
 * spec sizes it (3.2.5.5.5: 16 + 36 = 52); also the Length Windows sends. */
#define RSVD_SVHDX_TUNNEL_SCSI_RESPONSE_SIZE                                                \
    (RSVD_SVHDX_TUNNEL_SCSI_RESPONSE_FIXED_SIZE + RSVD_SCSI_SENSE_BUFFER_SIZE)
/** SVHDX_TUNNEL_VALIDATE_DISK_REQUEST (2.2.4.9). */
#define RSVD_SVHDX_TUNNEL_VALIDATE_DISK_REQUEST_SIZE 56u
/** SVHDX_TUNNEL_VALIDATE_DISK_RESPONSE (2.2.4.10). */
#define RSVD_SVHDX_TUNNEL_VALIDATE_DISK_RESPONSE_SIZE 1u
/** @} */

/** @name The SrbStatus byte of the SRB status and SCSI responses
 * ([MS-RSVD] 2.2.4.4, 2.2.4.8): bit 0x80 is SenseInfoAutoGenerated ("A"),
 * the low 7 bits SrbStatus (RSVD_SRB_STATUS_*, rsvd/svhdx.h). See
 * docs/decisions.md.
 * @{ */
/** SenseInfoAutoGenerated ("A"): the sense data came from the virtual
 * SCSI disk. */
#define RSVD_SRB_STATUS_SENSE_INFO_AUTO_GENERATED 0x80u
/** SrbStatus: an RSVD_SRB_STATUS_* value. */
#define RSVD_SRB_STATUS_MASK 0x7Fu
/** @} */

/** @name SrbFlags bits that [MS-RSVD] 2.2.4.7 defines (Windows sends more,
 * which servers ignore, <4>)
 * @{ */
/** SRB_FLAGS_DATA_IN: data moves from the disk to the initiator (Windows
 * srb.h); the client then sends Disposition 0x01 (3.1.4.9). The spec's
 * prose describes the two bits the other way round. */
#define RSVD_SRB_FLAGS_DATA_IN 0x00000040u
/** SRB_FLAGS_DATA_OUT: data moves from the initiator to the disk; the
 * client then sends Disposition 0x00 (3.1.4.9). */
#define RSVD_SRB_FLAGS_DATA_OUT 0x00000080u
/** @} */

/*
 * Disposition ([MS-RSVD] 2.2.4.7, 2.2.4.8) holds an rsvd_scsi_direction value
 * (rsvd/svhdx.h): RSVD_SCSI_DATA_OUT 0x00, RSVD_SCSI_DATA_IN 0x01,
 * RSVD_SCSI_NO_DATA 0x02, numbered as Windows uses the field
 * (docs/decisions.md). DiskType and DiskFormat hold RSVD_VHD_TYPE_* and
 * RSVD_VIRTUAL_STORAGE_TYPE_DEVICE_* values (rsvd/svhdx.h).
 */

/** SVHDX_TUNNEL_INITIAL_INFO_RESPONSE ([MS-RSVD] 2.2.4.14), 24 bytes. */
typedef struct rsvd_svhdx_tunnel_initial_info_response {
    /** ServerVersion: the server's protocol version
     * (RSVD_PROTOCOL_VERSION_*). */
    uint32_t server_version;
    /** SectorSize: logical sector size of the disk, in bytes. */
    uint32_t sector_size;
    /** PhysicalSectorSize: physical sector size, in bytes. */
    uint32_t physical_sector_size;
    /* 12: Reserved (4), zero */
    /** VirtualSize: size of the virtual disk, in bytes. */
    uint64_t virtual_size;
} rsvd_svhdx_tunnel_initial_info_response;

/** @return RSVD_OK or RSVD_E_WIRE_SHORT (fewer than 24 bytes). */
RSVD_API int rsvd_svhdx_tunnel_initial_info_response_decode(
    const uint8_t *buf, size_t len, rsvd_svhdx_tunnel_initial_info_response *out);
/** @return RSVD_OK (24 bytes in *out_len) or RSVD_E_NOSPC. */
RSVD_API int rsvd_svhdx_tunnel_initial_info_response_encode(
    const rsvd_svhdx_tunnel_initial_info_response *in, uint8_t *buf, size_t cap,
    size_t *out_len);

/** SVHDX_TUNNEL_SRB_STATUS_REQUEST ([MS-RSVD] 2.2.4.3), 28 bytes. */
typedef struct rsvd_svhdx_tunnel_srb_status_request {
    /** Low byte of the NTSTATUS of the failed request. */
    uint8_t status_key;
    /* 1: Reserved (27), zero */
} rsvd_svhdx_tunnel_srb_status_request;

/** @return RSVD_OK or RSVD_E_WIRE_SHORT (fewer than 28 bytes). */
RSVD_API int rsvd_svhdx_tunnel_srb_status_request_decode(
    const uint8_t *buf, size_t len, rsvd_svhdx_tunnel_srb_status_request *out);
/** @return RSVD_OK (28 bytes) or RSVD_E_NOSPC. */
RSVD_API int rsvd_svhdx_tunnel_srb_status_request_encode(
    const rsvd_svhdx_tunnel_srb_status_request *in, uint8_t *buf, size_t cap,
    size_t *out_len);

/** SVHDX_TUNNEL_SRB_STATUS_RESPONSE ([MS-RSVD] 2.2.4.4): 4 bytes + SenseDataEx. */
typedef struct rsvd_svhdx_tunnel_srb_status_response {
    /** StatusKey: the request's, echoed. */
    uint8_t status_key;
    /** "A": bit 0x80 of byte 1. */
    bool sense_info_auto_generated;
    /** Low 7 bits of byte 1 (RSVD_SRB_STATUS_*). */
    uint8_t srb_status;
    /** ScsiStatus: the stored SCSI status (RSVD_SCSI_STATUS_*). */
    uint8_t scsi_status;
    /** At most RSVD_SCSI_SENSE_BUFFER_SIZE (20). */
    uint8_t sense_info_ex_length;
    /** SenseDataEx: sense_info_ex_length bytes (a view into the input). */
    const uint8_t *sense_data_ex;
} rsvd_svhdx_tunnel_srb_status_response;

/**
 * @return RSVD_OK, RSVD_E_WIRE_SHORT (fewer than 4 bytes), RSVD_E_WIRE_VALUE
 * (SenseInfoExLength above 20) or RSVD_E_WIRE_RANGE (SenseDataEx runs past
 * the body).
 */
RSVD_API int rsvd_svhdx_tunnel_srb_status_response_decode(
    const uint8_t *buf, size_t len, rsvd_svhdx_tunnel_srb_status_response *out);
/**
 * Writes 4 + sense_info_ex_length bytes.
 * @return RSVD_OK, RSVD_E_INVAL (srb_status above 0x7F, sense_info_ex_length
 * above 20, or sense_data_ex NULL with a nonzero length) or RSVD_E_NOSPC.
 */
RSVD_API int rsvd_svhdx_tunnel_srb_status_response_encode(
    const rsvd_svhdx_tunnel_srb_status_response *in, uint8_t *buf, size_t cap,
    size_t *out_len);

/** SVHDX_TUNNEL_DISK_INFO_REQUEST ([MS-RSVD] 2.2.4.5), 56 bytes. The client
 * MUST send zeros and the server MUST ignore every field. */
typedef struct rsvd_svhdx_tunnel_disk_info_request {
    /** Reserved1, as sent. */
    uint64_t reserved1;
    /** BlockSize, as sent. */
    uint32_t block_size;
    /** LinkageID, as sent. */
    rsvd_guid linkage_id;
    /** IsMounted, as sent. */
    uint8_t is_mounted;
    /** Is4kAligned, as sent. */
    uint8_t is_4k_aligned;
    /** Reserved2, as sent. */
    uint16_t reserved2;
    /** FileSize, as sent. */
    uint64_t file_size;
    /** VirtualDiskId, as sent (MUST NOT be used). */
    rsvd_guid virtual_disk_id;
} rsvd_svhdx_tunnel_disk_info_request;

/** @return RSVD_OK or RSVD_E_WIRE_SHORT (fewer than 56 bytes). */
RSVD_API int rsvd_svhdx_tunnel_disk_info_request_decode(
    const uint8_t *buf, size_t len, rsvd_svhdx_tunnel_disk_info_request *out);
/** @return RSVD_OK (56 bytes) or RSVD_E_NOSPC. */
RSVD_API int rsvd_svhdx_tunnel_disk_info_request_encode(
    const rsvd_svhdx_tunnel_disk_info_request *in, uint8_t *buf, size_t cap,
    size_t *out_len);

/** SVHDX_TUNNEL_DISK_INFO_RESPONSE ([MS-RSVD] 2.2.4.6), 56 bytes. */
typedef struct rsvd_svhdx_tunnel_disk_info_response {
    /** DiskType: RSVD_VHD_TYPE_FIXED or RSVD_VHD_TYPE_DYNAMIC. */
    uint32_t disk_type;
    /** DiskFormat: RSVD_VIRTUAL_STORAGE_TYPE_DEVICE_VHDX or _VHDSET (a VHD set
     * on a version-2 server, 3.2.5.5.4). */
    uint32_t disk_format;
    /** BlockSize: block size of the disk in bytes (Windows: 0 for a fixed
     * disk, <17>). */
    uint32_t block_size;
    /** LinkageID: GUID of the linked disk (Windows: zero, <18>). */
    rsvd_guid linkage_id;
    /** IsMounted: 0x00 not ready for I/O, 0x01 mounted and ready. */
    uint8_t is_mounted;
    /** Is4kAligned: 0x01 if the disk's sectors are 4 KiB aligned, else 0x00. */
    uint8_t is_4k_aligned;
    /* 30: Reserved (2), zero */
    /** FileSize: bytes the disk occupies on its underlying storage. */
    uint64_t file_size;
    /** VirtualDiskId: GUID of the virtual disk. */
    rsvd_guid virtual_disk_id;
} rsvd_svhdx_tunnel_disk_info_response;

/** @return RSVD_OK or RSVD_E_WIRE_SHORT (fewer than 56 bytes). */
RSVD_API int rsvd_svhdx_tunnel_disk_info_response_decode(
    const uint8_t *buf, size_t len, rsvd_svhdx_tunnel_disk_info_response *out);
/** @return RSVD_OK (56 bytes) or RSVD_E_NOSPC. */
RSVD_API int rsvd_svhdx_tunnel_disk_info_response_encode(
    const rsvd_svhdx_tunnel_disk_info_response *in, uint8_t *buf, size_t cap,
    size_t *out_len);

/**
 * SVHDX_TUNNEL_SCSI_REQUEST ([MS-RSVD] 2.2.4.7): the 36-byte fixed part and
 * DataBuffer.
 *
 * Every field is returned as sent, reserved ones included: [MS-RSVD]
 * 3.2.5.5.5 answers a request whose Length is not 36, whose CDBLength is
 * above 16, whose SenseInfoExLength is above 20 or whose DataTransferLength
 * disagrees with the data present with an error response that echoes the
 * request, so the decoder accepts them.
 */
typedef struct rsvd_svhdx_tunnel_scsi_request {
    /** Length: size without DataBuffer; MUST be 36
     * (RSVD_SVHDX_TUNNEL_SCSI_REQUEST_SIZE). */
    uint16_t length;
    /** Reserved1, as sent (the client sends 0). */
    uint16_t reserved1;
    /** CDBLength: valid bytes in cdb, at most RSVD_CDB_GENERIC_LENGTH (16). */
    uint8_t cdb_length;
    /** SenseInfoExLength: SHOULD be 20; the server ignores it. */
    uint8_t sense_info_ex_length;
    /** Disposition: an rsvd_scsi_direction value (0x00 data out, 0x01 data
     * in, 0x02 none). */
    uint8_t disposition;
    /** Reserved2: MUST be 0x00; as sent. */
    uint8_t reserved2;
    /** SrbFlags: RSVD_SRB_FLAGS_DATA_IN, _DATA_OUT and other bits that the
     * server ignores (<4>). */
    uint32_t srb_flags;
    /** DataTransferLength as sent: not necessarily data_buffer_len. */
    uint32_t data_transfer_length;
    /** CDBBuffer: always 16 bytes on the wire, zero-padded after cdb_length. */
    uint8_t cdb[16];
    /** Reserved3: MUST be 0; as sent. */
    uint32_t reserved3;
    /** DataBuffer: every byte after the fixed part (a view into the input). */
    const uint8_t *data_buffer;
    /** Bytes at data_buffer. */
    size_t data_buffer_len;
} rsvd_svhdx_tunnel_scsi_request;

/**
 * @return RSVD_OK or RSVD_E_WIRE_SHORT (fewer than 36 bytes, which 3.2.5.5.5
 * also answers with an error response: see
 * rsvd_svhdx_tunnel_scsi_response_echo_request()).
 */
RSVD_API int rsvd_svhdx_tunnel_scsi_request_decode(const uint8_t *buf, size_t len,
                                                   rsvd_svhdx_tunnel_scsi_request *out);
/**
 * Writes the fixed part with every field as given, then data_buffer_len
 * bytes of data_buffer (data_buffer may already sit at buf + 36).
 * @return RSVD_OK, RSVD_E_INVAL (data_buffer NULL with a nonzero length) or
 * RSVD_E_NOSPC.
 */
RSVD_API int rsvd_svhdx_tunnel_scsi_request_encode(const rsvd_svhdx_tunnel_scsi_request *in,
                                                   uint8_t *buf, size_t cap, size_t *out_len);

/**
 * SVHDX_TUNNEL_SCSI_RESPONSE ([MS-RSVD] 2.2.4.8): the 16-byte fixed part,
 * SenseDataEx[SenseInfoExLength] and DataBuffer[DataTransferLength].
 *
 * Length is "the size of the structure excluding the DataBuffer field", so
 * DataBuffer starts at offset Length; SenseDataEx lies at 16 and must end
 * within Length. On every message a conforming peer sends (Length = 16 +
 * SenseInfoExLength; Windows: 36 and 20) this is where Wireshark and
 * Microsoft's test suite find the data too (docs/decisions.md).
 */
typedef struct rsvd_svhdx_tunnel_scsi_response {
    /** Size excluding DataBuffer, i.e. DataBuffer's offset; Windows sends 36. */
    uint16_t length;
    /** "A": bit 0x80 of byte 2. */
    bool sense_info_auto_generated;
    /** Low 7 bits of byte 2 (RSVD_SRB_STATUS_*). */
    uint8_t srb_status;
    /** ScsiStatus: SCSI status from the disk (RSVD_SCSI_STATUS_*). */
    uint8_t scsi_status;
    /** CDBLength: the request's, echoed; ignored on receipt. */
    uint8_t cdb_length;
    /** SenseInfoExLength: bytes of SenseDataEx, at most
     * RSVD_SCSI_SENSE_BUFFER_SIZE (20). */
    uint8_t sense_info_ex_length;
    /** Disposition: the request's, echoed. */
    uint8_t disposition;
    /* 7: Reserved (1), zero */
    /** SrbFlags: the request's, echoed. */
    uint32_t srb_flags;
    /** DataTransferLength: bytes of DataBuffer (0 when no data is returned). */
    uint32_t data_transfer_length;
    /** SenseDataEx: sense_info_ex_length bytes (a view). */
    const uint8_t *sense_data_ex;
    /** DataBuffer: data_transfer_length bytes at offset length (a view). */
    const uint8_t *data_buffer;
} rsvd_svhdx_tunnel_scsi_response;

/**
 * @return RSVD_OK, RSVD_E_WIRE_SHORT (fewer than 16 bytes),
 * RSVD_E_WIRE_VALUE (SenseInfoExLength above 20, or Length smaller than
 * 16 + SenseInfoExLength) or RSVD_E_WIRE_RANGE (Length, or DataBuffer at
 * Length + DataTransferLength, runs past the body).
 */
RSVD_API int rsvd_svhdx_tunnel_scsi_response_decode(const uint8_t *buf, size_t len,
                                                    rsvd_svhdx_tunnel_scsi_response *out);
/**
 * Writes the fixed part, the sense data, zeros up to offset length, and the
 * data: length + data_transfer_length bytes. The server sends length 36 and
 * a 20-byte sense area (RSVD_SVHDX_TUNNEL_SCSI_RESPONSE_SIZE). The data may
 * already sit in place at buf + length (a backend that read straight into
 * the output buffer): it is then left as it is.
 * @return RSVD_OK, RSVD_E_INVAL (srb_status above 0x7F, sense_info_ex_length
 * above 20, length below 16 + sense_info_ex_length, or a NULL view with a
 * nonzero length) or RSVD_E_NOSPC.
 */
RSVD_API int rsvd_svhdx_tunnel_scsi_response_encode(const rsvd_svhdx_tunnel_scsi_response *in,
                                                    uint8_t *buf, size_t cap, size_t *out_len);

/**
 * Builds the body of the error response of [MS-RSVD] 3.2.5.5.5, whose
 * SVHDX_TUNNEL_SCSI_RESPONSE "MUST be set to the data received in
 * SVHDX_TUNNEL_SCSI_REQUEST": the first 36 bytes of the request body
 * @p req (zero-filled when the request is shorter), copied as they are. The
 * two layouts share offsets 4-15 (CDBLength, SenseInfoExLength, Disposition,
 * SrbFlags, DataTransferLength), and the request's CDBBuffer and Reserved3
 * land in the 20-byte sense area, as Windows answers (example 4.2 shows the
 * CDB in SenseDataEx). Writes exactly 36 bytes and nothing more (the spec's
 * SHOULD NOT add data; docs/decisions.md).
 * @return RSVD_OK or RSVD_E_NOSPC.
 */
RSVD_API int rsvd_svhdx_tunnel_scsi_response_echo_request(const uint8_t *req, size_t req_len,
                                                          uint8_t *buf, size_t cap,
                                                          size_t *out_len);

/** SVHDX_TUNNEL_VALIDATE_DISK_REQUEST ([MS-RSVD] 2.2.4.9): 56 reserved
 * bytes that the client MUST zero and the server ignores. */
typedef struct rsvd_svhdx_tunnel_validate_disk_request {
    /** Reserved: the 56 bytes as sent; the encoder writes them as given. */
    uint8_t reserved[56];
} rsvd_svhdx_tunnel_validate_disk_request;

/** @return RSVD_OK or RSVD_E_WIRE_SHORT (fewer than 56 bytes). */
RSVD_API int rsvd_svhdx_tunnel_validate_disk_request_decode(
    const uint8_t *buf, size_t len, rsvd_svhdx_tunnel_validate_disk_request *out);
/** @return RSVD_OK (56 bytes) or RSVD_E_NOSPC. */
RSVD_API int rsvd_svhdx_tunnel_validate_disk_request_encode(
    const rsvd_svhdx_tunnel_validate_disk_request *in, uint8_t *buf, size_t cap,
    size_t *out_len);

/** SVHDX_TUNNEL_VALIDATE_DISK_RESPONSE ([MS-RSVD] 2.2.4.10), 1 byte. */
typedef struct rsvd_svhdx_tunnel_validate_disk_response {
    /** Boolean: nonzero if the disk is valid. */
    uint8_t is_valid_disk;
} rsvd_svhdx_tunnel_validate_disk_response;

/** @return RSVD_OK or RSVD_E_WIRE_SHORT (empty body). */
RSVD_API int rsvd_svhdx_tunnel_validate_disk_response_decode(
    const uint8_t *buf, size_t len, rsvd_svhdx_tunnel_validate_disk_response *out);
/** @return RSVD_OK (1 byte) or RSVD_E_NOSPC. */
RSVD_API int rsvd_svhdx_tunnel_validate_disk_response_encode(
    const rsvd_svhdx_tunnel_validate_disk_response *in, uint8_t *buf, size_t cap,
    size_t *out_len);

/* ======================================================================== */
/* Version-2 tunnel operation bodies ([MS-RSVD] 2.2.4.17 - 2.2.4.40)         */
/* ======================================================================== */

/** @name Meta-operation types ([MS-RSVD] 2.2.4.17 OperationType)
 * @{ */
/** SvhdxMetaOperationTypeResize: Data is
 * SVHDX_META_OPERATION_RESIZE_VIRTUAL_DISK. */
#define RSVD_SVHDX_META_OPERATION_TYPE_RESIZE 0x00000000u
/** SvhdxMetaOperationTypeCreateSnapshot: Data is
 * SVHDX_META_OPERATION_CREATE_SNAPSHOT. */
#define RSVD_SVHDX_META_OPERATION_TYPE_CREATE_SNAPSHOT 0x00000001u
/** SvhdxMetaOperationTypeOptimize: optimizes the VHD set; no Data. */
#define RSVD_SVHDX_META_OPERATION_TYPE_OPTIMIZE 0x00000002u
/** SvhdxMetaOperationTypeExtractSnapshots ("ExtractVHD" in 3.2.5.5.7.3): Data
 * is SVHDX_META_OPERATION_EXTRACT. */
#define RSVD_SVHDX_META_OPERATION_TYPE_EXTRACT_SNAPSHOTS 0x00000003u
/** SvhdxMetaOperationTypeConvertToVHDSet: Data is
 * SVHDX_META_OPERATION_CONVERT_TO_VHDSET. */
#define RSVD_SVHDX_META_OPERATION_TYPE_CONVERT_TO_VHDSET 0x00000004u
/** SvhdxMetaOperationTypeApplySnapshot: Data is SVHDX_APPLY_SNAPSHOT_PARAMS. */
#define RSVD_SVHDX_META_OPERATION_TYPE_APPLY_SNAPSHOT 0x00000005u
/** @} */

/** @name Snapshot types ([MS-RSVD] 2.2.6)
 * @{ */
/** SvhdxSnapshotTypeVM: a virtual-machine snapshot. */
#define RSVD_SVHDX_SNAPSHOT_TYPE_VM 0x00000001u
/** SvhdxSnapshotTypeCDP: a continuous-data-protection snapshot. */
#define RSVD_SVHDX_SNAPSHOT_TYPE_CDP 0x00000003u
/** SvhdxSnapshotTypeWriteable: a writeable snapshot. */
#define RSVD_SVHDX_SNAPSHOT_TYPE_WRITEABLE 0x00000004u
/** @} */

/** @name Snapshot creation stages ([MS-RSVD] 2.2.4.17.1 Stage1-Stage6)
 * @{ */
/** SvhdxSnapshotStageInvalid: no stage; fills the unused Stage fields. */
#define RSVD_SVHDX_SNAPSHOT_STAGE_INVALID 0x00000000u
/** SvhdxSnapshotStageInitialize. */
#define RSVD_SVHDX_SNAPSHOT_STAGE_INITIALIZE 0x00000001u
/** SvhdxSnapshotStageBlockIO: I/O to the disk is held (for a CDP snapshot
 * the server times UnblockIO from here, 3.2.2). */
#define RSVD_SVHDX_SNAPSHOT_STAGE_BLOCK_IO 0x00000002u
/** SvhdxSnapshotStageSwitchObjectStore. */
#define RSVD_SVHDX_SNAPSHOT_STAGE_SWITCH_OBJECT_STORE 0x00000003u
/** SvhdxSnapshotStageUnblockIO: I/O to the disk resumes. */
#define RSVD_SVHDX_SNAPSHOT_STAGE_UNBLOCK_IO 0x00000004u
/** SvhdxSnapshotStageFinalize. */
#define RSVD_SVHDX_SNAPSHOT_STAGE_FINALIZE 0x00000005u
/** Number of Stage fields in SVHDX_META_OPERATION_CREATE_SNAPSHOT. */
#define RSVD_SVHDX_SNAPSHOT_STAGE_COUNT 6u
/** @} */

/** @name Meta-operation flags ([MS-RSVD] 2.2.4.17.1, 2.2.4.17.2)
 * @{ */
/** CreateSnapshot Flags: enable change tracking for the snapshot
 * (Snapshot.ChangeTracking, 3.2.5.5.7.1). */
#define RSVD_SVHDX_SNAPSHOT_DISK_FLAG_ENABLE_CHANGE_TRACKING 0x00000001u
/** ExtractSnapshots Flags: the file is deleted when the open closes
 * (Open.PendingDelete, 3.2.5.5.7.3). */
#define RSVD_SVHDX_EXTRACT_SNAPSHOTS_FLAG_DELETE_ON_CLOSE 0x00000001u
/** @} */

/** @name VHD-set information types ([MS-RSVD] 2.2.4.19 VHDSetInformationType)
 * @{ */
/** SvhdxVHDSetInformationTypeSnapshotList: the list of snapshots (a
 * SNAPSHOT_LIST response). */
#define RSVD_SVHDX_VHDSET_INFORMATION_TYPE_SNAPSHOT_LIST 0x00000002u
/** SvhdxVHDSetInformationTypeSnapshotEntry: the details of one snapshot (a
 * SNAPSHOT_ENTRY response). */
#define RSVD_SVHDX_VHDSET_INFORMATION_TYPE_SNAPSHOT_ENTRY 0x00000005u
/** SvhdxVHDSetInformationTypeOptimizeNeeded: whether the VHD set needs an
 * optimize (an OPTIMIZE response). */
#define RSVD_SVHDX_VHDSET_INFORMATION_TYPE_OPTIMIZE_NEEDED 0x00000008u
/** SvhdxVHDSetInformationTypeCdpSnapshotRoot: the oldest CDP snapshot (a
 * SNAPSHOT_ENTRY response of this type). */
#define RSVD_SVHDX_VHDSET_INFORMATION_TYPE_CDP_SNAPSHOT_ROOT 0x00000009u
/** SvhdxVHDSetInformationTypeCdpSnapshotActiveList: the active CDP
 * snapshots (a SNAPSHOT_LIST response, type SnapshotList). */
#define RSVD_SVHDX_VHDSET_INFORMATION_TYPE_CDP_SNAPSHOT_ACTIVE_LIST 0x0000000Au
/** SvhdxVHDSetInformationTypeCdpSnapshotInactiveList: the inactive CDP
 * snapshots (a SNAPSHOT_LIST response, type SnapshotList). */
#define RSVD_SVHDX_VHDSET_INFORMATION_TYPE_CDP_SNAPSHOT_INACTIVE_LIST 0x0000000Cu
/** @} */

/*
 * Change-tracking status values ([MS-RSVD] 2.2.4.18, ChangeTrackingStatus,
 * ChangeTrackingErrorStatus) are NTSTATUS values: RSVD_STATUS_SUCCESS and
 * RSVD_STATUS_CHANGE_TRACKING_* in rsvd/status.h.
 */

/** @name Body sizes of the version-2 structures ([MS-RSVD] 2.2.4)
 * "_FIXED_SIZE" is the part before a variable field. The create-snapshot
 * minimum of 3.2.5.5.7.1 is RSVD_TUNNEL_MESSAGE_SIZE(
 * RSVD_SVHDX_META_OPERATION_START_REQUEST_FIXED_SIZE +
 * RSVD_SVHDX_META_OPERATION_CREATE_SNAPSHOT_FIXED_SIZE) = 92, and so on.
 * @{ */
/** SVHDX_META_OPERATION_START_REQUEST (2.2.4.17) before Data. */
#define RSVD_SVHDX_META_OPERATION_START_REQUEST_FIXED_SIZE 24u
/** SVHDX_META_OPERATION_CREATE_SNAPSHOT (2.2.4.17.1) before CdpParameters. */
#define RSVD_SVHDX_META_OPERATION_CREATE_SNAPSHOT_FIXED_SIZE 52u
/** SVHDX_META_OPERATION_CREATE_CDP_PARAMETER (2.2.4.17.1.1) before
 * LogFileName. */
#define RSVD_SVHDX_META_OPERATION_CREATE_CDP_PARAMETER_FIXED_SIZE 24u
/** SVHDX_META_OPERATION_EXTRACT (2.2.4.17.2) before DestinationFileName. */
#define RSVD_SVHDX_META_OPERATION_EXTRACT_FIXED_SIZE 48u
/** SVHDX_META_OPERATION_CONVERT_TO_VHDSET (2.2.4.17.3) before
 * DestinationVhdSetName. */
#define RSVD_SVHDX_META_OPERATION_CONVERT_TO_VHDSET_FIXED_SIZE 4u
/** SVHDX_META_OPERATION_RESIZE_VIRTUAL_DISK (2.2.4.17.4). */
#define RSVD_SVHDX_META_OPERATION_RESIZE_VIRTUAL_DISK_SIZE 12u
/** SVHDX_APPLY_SNAPSHOT_PARAMS (2.2.4.36). */
#define RSVD_SVHDX_APPLY_SNAPSHOT_PARAMS_SIZE 20u
/** SVHDX_META_OPERATION_REPLY (2.2.4.18). */
#define RSVD_SVHDX_META_OPERATION_REPLY_SIZE 4u
/** SVHDX_TUNNEL_VHDSET_QUERY_INFORMATION_REQUEST (2.2.4.19). */
#define RSVD_SVHDX_TUNNEL_VHDSET_QUERY_INFORMATION_REQUEST_SIZE 24u
/** SVHDX_TUNNEL_VHDSET_QUERY_INFORMATION_SNAPSHOT_LIST_RESPONSE (2.2.4.20)
 * before SnapshotIds. */
#define RSVD_SVHDX_TUNNEL_VHDSET_QUERY_INFORMATION_SNAPSHOT_LIST_RESPONSE_FIXED_SIZE 16u
/** SVHDX_TUNNEL_VHDSET_QUERY_INFORMATION_SNAPSHOT_ENTRY_RESPONSE (2.2.4.21). */
#define RSVD_SVHDX_TUNNEL_VHDSET_QUERY_INFORMATION_SNAPSHOT_ENTRY_RESPONSE_SIZE 72u
/** SVHDX_TUNNEL_VHDSET_QUERY_INFORMATION_OPTIMIZE_RESPONSE (2.2.4.22). */
#define RSVD_SVHDX_TUNNEL_VHDSET_QUERY_INFORMATION_OPTIMIZE_RESPONSE_SIZE 12u
/** SVHDX_META_OPERATION_QUERY_PROGRESS_REQUEST (2.2.4.23). */
#define RSVD_SVHDX_META_OPERATION_QUERY_PROGRESS_REQUEST_SIZE 16u
/** SVHDX_META_OPERATION_QUERY_PROGRESS_RESPONSE (2.2.4.24). */
#define RSVD_SVHDX_META_OPERATION_QUERY_PROGRESS_RESPONSE_SIZE 16u
/** SVHDX_CHANGE_TRACKING_GET_PARAMETERS_RESPONSE (2.2.4.25). */
#define RSVD_SVHDX_CHANGE_TRACKING_GET_PARAMETERS_RESPONSE_SIZE 16u
/** SVHDX_TUNNEL_DELETE_SNAPSHOT_REQUEST (2.2.4.26). */
#define RSVD_SVHDX_TUNNEL_DELETE_SNAPSHOT_REQUEST_SIZE 24u
/** SVHDX_CHANGE_TRACKING_START_REQUEST (2.2.4.27) before LogFileName. */
#define RSVD_SVHDX_CHANGE_TRACKING_START_REQUEST_FIXED_SIZE 56u
/** SVHDX_CHANGE_TRACKING_STOP_RESPONSE (2.2.4.30). */
#define RSVD_SVHDX_CHANGE_TRACKING_STOP_RESPONSE_SIZE 4u
/** SVHDX_TUNNEL_QUERY_VIRTUAL_DISK_CHANGES_REQUEST (2.2.4.37). */
#define RSVD_SVHDX_TUNNEL_QUERY_VIRTUAL_DISK_CHANGES_REQUEST_SIZE 56u
/** SVHDX_TUNNEL_QUERY_VIRTUAL_DISK_CHANGES_REPLY (2.2.4.38) before Ranges. */
#define RSVD_SVHDX_TUNNEL_QUERY_VIRTUAL_DISK_CHANGES_REPLY_FIXED_SIZE 16u
/** One SVHDX_VIRTUAL_DISK_CHANGED_RANGE (2.2.4.39). */
#define RSVD_SVHDX_VIRTUAL_DISK_CHANGED_RANGE_SIZE 24u
/** SVHDX_TUNNEL_QUERY_SAFE_SIZE_RESPONSE (2.2.4.40). */
#define RSVD_SVHDX_TUNNEL_QUERY_SAFE_SIZE_RESPONSE_SIZE 8u
/** @} */

/**
 * SVHDX_META_OPERATION_START_REQUEST ([MS-RSVD] 2.2.4.17): the 24-byte fixed
 * part and Data, which the operation type's own decoder reads:
 * CreateSnapshot rsvd_svhdx_meta_operation_create_snapshot_decode(),
 * ExtractSnapshots rsvd_svhdx_meta_operation_extract_decode(),
 * ConvertToVHDSet rsvd_svhdx_meta_operation_convert_to_vhdset_decode(),
 * Resize rsvd_svhdx_meta_operation_resize_virtual_disk_decode(),
 * ApplySnapshot rsvd_svhdx_apply_snapshot_params_decode(); Optimize has none.
 */
typedef struct rsvd_svhdx_meta_operation_start_request {
    /** TransactionId: unique per meta-operation; QUERY_PROGRESS names it. */
    rsvd_guid transaction_id;
    /** RSVD_SVHDX_META_OPERATION_TYPE_*, as sent (not checked). */
    uint32_t operation_type;
    /* 20: Reserved (4), zero (example 4.3 calls it Padding) */
    /** Data: every byte after the fixed part (a view). */
    const uint8_t *data;
    /** Bytes at data. */
    size_t data_len;
} rsvd_svhdx_meta_operation_start_request;

/** @return RSVD_OK or RSVD_E_WIRE_SHORT (fewer than 24 bytes). */
RSVD_API int rsvd_svhdx_meta_operation_start_request_decode(
    const uint8_t *buf, size_t len, rsvd_svhdx_meta_operation_start_request *out);
/** @return RSVD_OK, RSVD_E_INVAL (data NULL with a nonzero length) or RSVD_E_NOSPC. */
RSVD_API int rsvd_svhdx_meta_operation_start_request_encode(
    const rsvd_svhdx_meta_operation_start_request *in, uint8_t *buf, size_t cap,
    size_t *out_len);

/**
 * SVHDX_META_OPERATION_CREATE_SNAPSHOT ([MS-RSVD] 2.2.4.17.1): the 52-byte
 * fixed part and CdpParameters. Every value is returned as sent: the type,
 * stage and flag rules and the 92 + ParametersPayloadSize minimum of
 * 3.2.5.5.7.1 are the server's.
 */
typedef struct rsvd_svhdx_meta_operation_create_snapshot {
    /** SnapshotType: RSVD_SVHDX_SNAPSHOT_TYPE_*, as sent. */
    uint32_t snapshot_type;
    /** Flags: 0 or RSVD_SVHDX_SNAPSHOT_DISK_FLAG_ENABLE_CHANGE_TRACKING, as sent. */
    uint32_t flags;
    /** Stage1 .. Stage6 (RSVD_SVHDX_SNAPSHOT_STAGE_*). */
    uint32_t stage[RSVD_SVHDX_SNAPSHOT_STAGE_COUNT];
    /** SnapshotId: the GUID the new snapshot gets. */
    rsvd_guid snapshot_id;
    /** ParametersPayloadSize: MUST be 0 per the spec; as sent. */
    uint32_t parameters_payload_size;
    /** CdpParameters: every byte after the fixed part (a view; decode it
     * with rsvd_svhdx_meta_operation_create_cdp_parameter_decode()). */
    const uint8_t *cdp_parameters;
    /** Bytes at cdp_parameters. */
    size_t cdp_parameters_len;
} rsvd_svhdx_meta_operation_create_snapshot;

/** @return RSVD_OK or RSVD_E_WIRE_SHORT (fewer than 52 bytes). */
RSVD_API int rsvd_svhdx_meta_operation_create_snapshot_decode(
    const uint8_t *buf, size_t len, rsvd_svhdx_meta_operation_create_snapshot *out);
/** @return RSVD_OK, RSVD_E_INVAL (NULL view with a nonzero length) or RSVD_E_NOSPC. */
RSVD_API int rsvd_svhdx_meta_operation_create_snapshot_encode(
    const rsvd_svhdx_meta_operation_create_snapshot *in, uint8_t *buf, size_t cap,
    size_t *out_len);

/**
 * SVHDX_META_OPERATION_CREATE_CDP_PARAMETER ([MS-RSVD] 2.2.4.17.1.1): the
 * 24-byte fixed part and LogFileName, which lies at LogFileNameOffset from
 * the start of this structure (docs/decisions.md). LogFileNameLength MUST be
 * 0 (3.2.5.5.7.1 answers STATUS_INVALID_PARAMETER_6 otherwise); the name is
 * located only when the length is nonzero.
 */
typedef struct rsvd_svhdx_meta_operation_create_cdp_parameter {
    /** LogFileNameOffset: from the start of this structure. */
    uint32_t log_file_name_offset;
    /** LogFileNameLength: bytes of LogFileName; MUST be 0. */
    uint32_t log_file_name_length;
    /** LogFileId: GUID of the log file. */
    rsvd_guid log_file_id;
    /** log_file_name_length bytes of UTF-16LE (a view; NULL when empty). */
    const uint8_t *log_file_name;
} rsvd_svhdx_meta_operation_create_cdp_parameter;

/**
 * @return RSVD_OK, RSVD_E_WIRE_SHORT (fewer than 24 bytes), and only when
 * LogFileNameLength is nonzero: RSVD_E_WIRE_OFFSET (the offset points into
 * the fixed part) or RSVD_E_WIRE_RANGE (the name runs past the buffer).
 */
RSVD_API int rsvd_svhdx_meta_operation_create_cdp_parameter_decode(
    const uint8_t *buf, size_t len, rsvd_svhdx_meta_operation_create_cdp_parameter *out);
/**
 * Writes the fixed part, then, for a nonempty name, zeros up to
 * log_file_name_offset and the name.
 * @return RSVD_OK, RSVD_E_INVAL (a nonempty name with an offset inside the
 * fixed part or a NULL view) or RSVD_E_NOSPC.
 */
RSVD_API int rsvd_svhdx_meta_operation_create_cdp_parameter_encode(
    const rsvd_svhdx_meta_operation_create_cdp_parameter *in, uint8_t *buf, size_t cap,
    size_t *out_len);

/**
 * SVHDX_META_OPERATION_EXTRACT ([MS-RSVD] 2.2.4.17.2): the 48-byte fixed
 * part and DestinationFileName. The name's own rules (nonzero, NUL-terminated
 * UTF-16, legal characters: 3.2.5.5.7.3, STATUS_INVALID_PARAMETER) are the
 * server's; rsvd_utf16z_check() tests the first two.
 */
typedef struct rsvd_svhdx_meta_operation_extract {
    /** SnapshotType: RSVD_SVHDX_SNAPSHOT_TYPE_*, as sent. */
    uint32_t snapshot_type;
    /* 4: Reserved (4), zero */
    /** Flags: 0 or RSVD_SVHDX_EXTRACT_SNAPSHOTS_FLAG_DELETE_ON_CLOSE, as sent. */
    uint32_t flags;
    /** SourceSnapshotId: the snapshot to extract. */
    rsvd_guid source_snapshot_id;
    /** SourceLimitSnapshotId: the base of a differencing result; zero: the
     * result is not a differencing disk. */
    rsvd_guid source_limit_snapshot_id;
    /** DestinationFileNameLength: bytes, the UTF-16 NUL included. */
    uint32_t destination_file_name_length;
    /** DestinationFileName: destination_file_name_length bytes of UTF-16LE
     * (a view). */
    const uint8_t *destination_file_name;
} rsvd_svhdx_meta_operation_extract;

/**
 * @return RSVD_OK, RSVD_E_WIRE_SHORT (fewer than 48 bytes) or
 * RSVD_E_WIRE_RANGE (the name runs past the buffer: 3.2.5.5.7.3's "input
 * smaller than 88 + DestinationFileNameLength").
 */
RSVD_API int rsvd_svhdx_meta_operation_extract_decode(const uint8_t *buf, size_t len,
                                                      rsvd_svhdx_meta_operation_extract *out);
/** @return RSVD_OK, RSVD_E_INVAL (NULL view with a nonzero length) or RSVD_E_NOSPC. */
RSVD_API int rsvd_svhdx_meta_operation_extract_encode(
    const rsvd_svhdx_meta_operation_extract *in, uint8_t *buf, size_t cap, size_t *out_len);

/** SVHDX_META_OPERATION_CONVERT_TO_VHDSET ([MS-RSVD] 2.2.4.17.3). */
typedef struct rsvd_svhdx_meta_operation_convert_to_vhdset {
    /** DestinationVhdSetNameLength: bytes, the UTF-16 NUL included. */
    uint32_t destination_vhd_set_name_length;
    /** DestinationVhdSetName: destination_vhd_set_name_length bytes of
     * UTF-16LE, a name ending in ".vhds" (a view). */
    const uint8_t *destination_vhd_set_name;
} rsvd_svhdx_meta_operation_convert_to_vhdset;

/**
 * @return RSVD_OK, RSVD_E_WIRE_SHORT (fewer than 4 bytes) or
 * RSVD_E_WIRE_RANGE (the name runs past the buffer: 3.2.5.5.7.4's "input
 * smaller than 44 + DestinationVhdSetNameLength").
 */
RSVD_API int rsvd_svhdx_meta_operation_convert_to_vhdset_decode(
    const uint8_t *buf, size_t len, rsvd_svhdx_meta_operation_convert_to_vhdset *out);
/** @return RSVD_OK, RSVD_E_INVAL (NULL view with a nonzero length) or RSVD_E_NOSPC. */
RSVD_API int rsvd_svhdx_meta_operation_convert_to_vhdset_encode(
    const rsvd_svhdx_meta_operation_convert_to_vhdset *in, uint8_t *buf, size_t cap,
    size_t *out_len);

/** SVHDX_META_OPERATION_RESIZE_VIRTUAL_DISK ([MS-RSVD] 2.2.4.17.4), 12 bytes. */
typedef struct rsvd_svhdx_meta_operation_resize_virtual_disk {
    /** NewSize: the new virtual size in bytes (0 with ShrinkToMinimumSafeSize). */
    uint64_t new_size;
    /** ExpandOnly: nonzero if the disk may only grow. Booleans as sent. */
    uint8_t expand_only;
    /** AllowUnsafeVirtualSize: nonzero if it may shrink below the data in use. */
    uint8_t allow_unsafe_virtual_size;
    /** ShrinkToMinimumSafeSize: nonzero to shrink to the smallest safe size. */
    uint8_t shrink_to_minimum_safe_size;
    /* 11: Reserved (1), zero */
} rsvd_svhdx_meta_operation_resize_virtual_disk;

/** @return RSVD_OK or RSVD_E_WIRE_SHORT (fewer than 12 bytes). */
RSVD_API int rsvd_svhdx_meta_operation_resize_virtual_disk_decode(
    const uint8_t *buf, size_t len, rsvd_svhdx_meta_operation_resize_virtual_disk *out);
/** @return RSVD_OK (12 bytes) or RSVD_E_NOSPC. */
RSVD_API int rsvd_svhdx_meta_operation_resize_virtual_disk_encode(
    const rsvd_svhdx_meta_operation_resize_virtual_disk *in, uint8_t *buf, size_t cap,
    size_t *out_len);

/** SVHDX_APPLY_SNAPSHOT_PARAMS ([MS-RSVD] 2.2.4.36), 20 bytes. */
typedef struct rsvd_svhdx_apply_snapshot_params {
    /** SnapshotType: RSVD_SVHDX_SNAPSHOT_TYPE_VM or _WRITEABLE are valid
     * (3.2.5.5.7.6); as sent. */
    uint32_t snapshot_type;
    /** SnapshotID: the snapshot to apply. */
    rsvd_guid snapshot_id;
} rsvd_svhdx_apply_snapshot_params;

/** @return RSVD_OK or RSVD_E_WIRE_SHORT (fewer than 20 bytes). */
RSVD_API int rsvd_svhdx_apply_snapshot_params_decode(const uint8_t *buf, size_t len,
                                                     rsvd_svhdx_apply_snapshot_params *out);
/** @return RSVD_OK (20 bytes) or RSVD_E_NOSPC. */
RSVD_API int rsvd_svhdx_apply_snapshot_params_encode(const rsvd_svhdx_apply_snapshot_params *in,
                                                     uint8_t *buf, size_t cap,
                                                     size_t *out_len);

/** SVHDX_META_OPERATION_REPLY ([MS-RSVD] 2.2.4.18), 4 bytes. */
typedef struct rsvd_svhdx_meta_operation_reply {
    /** ChangeTrackingErrorStatus: RSVD_STATUS_SUCCESS or
     * RSVD_STATUS_CHANGE_TRACKING_*. */
    uint32_t change_tracking_error_status;
} rsvd_svhdx_meta_operation_reply;

/** @return RSVD_OK or RSVD_E_WIRE_SHORT. */
RSVD_API int rsvd_svhdx_meta_operation_reply_decode(const uint8_t *buf, size_t len,
                                                    rsvd_svhdx_meta_operation_reply *out);
/** @return RSVD_OK (4 bytes) or RSVD_E_NOSPC. */
RSVD_API int rsvd_svhdx_meta_operation_reply_encode(const rsvd_svhdx_meta_operation_reply *in,
                                                    uint8_t *buf, size_t cap, size_t *out_len);

/** SVHDX_TUNNEL_VHDSET_QUERY_INFORMATION_REQUEST ([MS-RSVD] 2.2.4.19), 24
 * bytes. 3.2.5.5.9 requires the body to be exactly this size: the server
 * compares the body length itself. */
typedef struct rsvd_svhdx_tunnel_vhdset_query_information_request {
    /** VHDSetInformationType: RSVD_SVHDX_VHDSET_INFORMATION_TYPE_*, as sent. */
    uint32_t vhdset_information_type;
    /** SnapshotType: of the snapshot queried; 0 for the types other than
     * SnapshotEntry and SnapshotList (3.2.5.5.9). As sent. */
    uint32_t snapshot_type;
    /** SnapshotId: the snapshot queried (SnapshotEntry, CdpSnapshotRoot). */
    rsvd_guid snapshot_id;
} rsvd_svhdx_tunnel_vhdset_query_information_request;

/** @return RSVD_OK or RSVD_E_WIRE_SHORT (fewer than 24 bytes). */
RSVD_API int rsvd_svhdx_tunnel_vhdset_query_information_request_decode(
    const uint8_t *buf, size_t len, rsvd_svhdx_tunnel_vhdset_query_information_request *out);
/** @return RSVD_OK (24 bytes) or RSVD_E_NOSPC. */
RSVD_API int rsvd_svhdx_tunnel_vhdset_query_information_request_encode(
    const rsvd_svhdx_tunnel_vhdset_query_information_request *in, uint8_t *buf, size_t cap,
    size_t *out_len);

/**
 * SVHDX_TUNNEL_VHDSET_QUERY_INFORMATION_SNAPSHOT_LIST_RESPONSE ([MS-RSVD]
 * 2.2.4.20): the 16-byte fixed part and, when ResponseComplete is 0x01,
 * NumberOfSnapshots GUIDs.
 */
typedef struct rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response {
    /** VHDSetInformationType: MUST be
     * RSVD_SVHDX_VHDSET_INFORMATION_TYPE_SNAPSHOT_LIST. */
    uint32_t vhdset_information_type;
    /** Reserved1: any value (example 4.4 shows 1); kept as sent. */
    uint32_t reserved1;
    /** ResponseComplete: 0x00 SnapshotIds absent (they did not fit
     * MaxOutputResponse); 0x01 all present. */
    uint8_t response_complete;
    /* 9: Reserved2 (3), zero */
    /** NumberOfSnapshots: how many snapshots there are, present or not. */
    uint32_t number_of_snapshots;
    /** 16 * number_of_snapshots bytes of GUIDs when response_complete is
     * 0x01, else NULL (a view; read one with the _snapshot_id() accessor). */
    const uint8_t *snapshot_ids;
} rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response;

/**
 * @return RSVD_OK, RSVD_E_WIRE_SHORT (fewer than 16 bytes),
 * RSVD_E_WIRE_VALUE (ResponseComplete neither 0 nor 1) or RSVD_E_WIRE_RANGE
 * (the GUIDs NumberOfSnapshots names run past the body; computed without
 * overflow).
 */
RSVD_API int rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response_decode(
    const uint8_t *buf, size_t len,
    rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response *out);
/**
 * Writes the fixed part and, when response_complete is 0x01, the
 * 16 * number_of_snapshots bytes at snapshot_ids (an array of rsvd_guid may
 * be passed as its bytes).
 * @return RSVD_OK, RSVD_E_INVAL (response_complete above 1, or NULL ids with
 * a nonzero count) or RSVD_E_NOSPC.
 */
RSVD_API int rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response_encode(
    const rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response *in, uint8_t *buf,
    size_t cap, size_t *out_len);
/**
 * Copies SnapshotIds[@p index] into @p out.
 * @return RSVD_OK, RSVD_E_NOENT (the ids are absent) or RSVD_E_INVAL
 * (index not below number_of_snapshots).
 */
RSVD_API int rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response_snapshot_id(
    const rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response *in,
    uint32_t index, rsvd_guid *out);

/** SVHDX_TUNNEL_VHDSET_QUERY_INFORMATION_SNAPSHOT_ENTRY_RESPONSE ([MS-RSVD]
 * 2.2.4.21), 72 bytes. */
typedef struct rsvd_svhdx_tunnel_vhdset_query_information_snapshot_entry_response {
    /** VHDSetInformationType: SnapshotEntry (5), or CdpSnapshotRoot (9) per
     * 3.2.5.5.9. */
    uint32_t vhdset_information_type;
    /** Reserved: any value; kept as sent. */
    uint32_t reserved;
    /** SnapshotCreationTime: milliseconds since 1970-01-01. */
    uint64_t snapshot_creation_time;
    /** SnapshotType: RSVD_SVHDX_SNAPSHOT_TYPE_*. */
    uint32_t snapshot_type;
    /** IsValidSnapshot: 1 valid, 0 not valid. */
    uint32_t is_valid_snapshot;
    /** SnapshotId: the snapshot described (the request's). */
    rsvd_guid snapshot_id;
    /** ParentSnapshotId: set for a CDP snapshot root, else zero. */
    rsvd_guid parent_snapshot_id;
    /** LogFileId: set for a CDP snapshot root, else zero. */
    rsvd_guid log_file_id;
} rsvd_svhdx_tunnel_vhdset_query_information_snapshot_entry_response;

/** @return RSVD_OK or RSVD_E_WIRE_SHORT (fewer than 72 bytes). */
RSVD_API int rsvd_svhdx_tunnel_vhdset_query_information_snapshot_entry_response_decode(
    const uint8_t *buf, size_t len,
    rsvd_svhdx_tunnel_vhdset_query_information_snapshot_entry_response *out);
/** @return RSVD_OK (72 bytes) or RSVD_E_NOSPC. */
RSVD_API int rsvd_svhdx_tunnel_vhdset_query_information_snapshot_entry_response_encode(
    const rsvd_svhdx_tunnel_vhdset_query_information_snapshot_entry_response *in, uint8_t *buf,
    size_t cap, size_t *out_len);

/** SVHDX_TUNNEL_VHDSET_QUERY_INFORMATION_OPTIMIZE_RESPONSE ([MS-RSVD]
 * 2.2.4.22), 12 bytes. */
typedef struct rsvd_svhdx_tunnel_vhdset_query_information_optimize_response {
    /** VHDSetInformationType: RSVD_SVHDX_VHDSET_INFORMATION_TYPE_OPTIMIZE_NEEDED. */
    uint32_t vhdset_information_type;
    /** Reserved: any value; kept as sent. */
    uint32_t reserved;
    /** OptimizeNeeded: nonzero if the VHD set needs an optimize. */
    uint32_t optimize_needed;
} rsvd_svhdx_tunnel_vhdset_query_information_optimize_response;

/** @return RSVD_OK or RSVD_E_WIRE_SHORT (fewer than 12 bytes). */
RSVD_API int rsvd_svhdx_tunnel_vhdset_query_information_optimize_response_decode(
    const uint8_t *buf, size_t len,
    rsvd_svhdx_tunnel_vhdset_query_information_optimize_response *out);
/** @return RSVD_OK (12 bytes) or RSVD_E_NOSPC. */
RSVD_API int rsvd_svhdx_tunnel_vhdset_query_information_optimize_response_encode(
    const rsvd_svhdx_tunnel_vhdset_query_information_optimize_response *in, uint8_t *buf,
    size_t cap, size_t *out_len);

/** SVHDX_META_OPERATION_QUERY_PROGRESS_REQUEST ([MS-RSVD] 2.2.4.23), 16 bytes. */
typedef struct rsvd_svhdx_meta_operation_query_progress_request {
    /** TransactionId: that of the META_OPERATION_START request queried. */
    rsvd_guid transaction_id;
} rsvd_svhdx_meta_operation_query_progress_request;

/** @return RSVD_OK or RSVD_E_WIRE_SHORT (fewer than 16 bytes). */
RSVD_API int rsvd_svhdx_meta_operation_query_progress_request_decode(
    const uint8_t *buf, size_t len, rsvd_svhdx_meta_operation_query_progress_request *out);
/** @return RSVD_OK (16 bytes) or RSVD_E_NOSPC. */
RSVD_API int rsvd_svhdx_meta_operation_query_progress_request_encode(
    const rsvd_svhdx_meta_operation_query_progress_request *in, uint8_t *buf, size_t cap,
    size_t *out_len);

/** SVHDX_META_OPERATION_QUERY_PROGRESS_RESPONSE ([MS-RSVD] 2.2.4.24), 16 bytes. */
typedef struct rsvd_svhdx_meta_operation_query_progress_response {
    /** CurrentProgressValue: progress so far, on the scale of complete_value. */
    uint64_t current_progress_value;
    /** CompleteValue: the operation is complete when current_progress_value
     * equals this. */
    uint64_t complete_value;
} rsvd_svhdx_meta_operation_query_progress_response;

/** @return RSVD_OK or RSVD_E_WIRE_SHORT (fewer than 16 bytes). */
RSVD_API int rsvd_svhdx_meta_operation_query_progress_response_decode(
    const uint8_t *buf, size_t len, rsvd_svhdx_meta_operation_query_progress_response *out);
/** @return RSVD_OK (16 bytes) or RSVD_E_NOSPC. */
RSVD_API int rsvd_svhdx_meta_operation_query_progress_response_encode(
    const rsvd_svhdx_meta_operation_query_progress_response *in, uint8_t *buf, size_t cap,
    size_t *out_len);

/** SVHDX_CHANGE_TRACKING_GET_PARAMETERS_RESPONSE ([MS-RSVD] 2.2.4.25), 16 bytes. */
typedef struct rsvd_svhdx_change_tracking_get_parameters_response {
    /** ChangeTrackingStatus: RSVD_STATUS_SUCCESS or RSVD_STATUS_CHANGE_TRACKING_*. */
    uint32_t change_tracking_status;
    /** Reserved: any value; kept as sent. */
    uint32_t reserved;
    /** LogFileSize: size of the change-tracking log, in bytes. */
    uint64_t log_file_size;
} rsvd_svhdx_change_tracking_get_parameters_response;

/** @return RSVD_OK or RSVD_E_WIRE_SHORT (fewer than 16 bytes). */
RSVD_API int rsvd_svhdx_change_tracking_get_parameters_response_decode(
    const uint8_t *buf, size_t len, rsvd_svhdx_change_tracking_get_parameters_response *out);
/** @return RSVD_OK (16 bytes) or RSVD_E_NOSPC. */
RSVD_API int rsvd_svhdx_change_tracking_get_parameters_response_encode(
    const rsvd_svhdx_change_tracking_get_parameters_response *in, uint8_t *buf, size_t cap,
    size_t *out_len);

/** SVHDX_TUNNEL_DELETE_SNAPSHOT_REQUEST ([MS-RSVD] 2.2.4.26), 24 bytes. */
typedef struct rsvd_svhdx_tunnel_delete_snapshot_request {
    /** SnapshotId: the snapshot to delete. */
    rsvd_guid snapshot_id;
    /** PersistReference: 1 keeps a data-less reference, 0 deletes. As sent. */
    uint32_t persist_reference;
    /** SnapshotType: RSVD_SVHDX_SNAPSHOT_TYPE_*, as sent. */
    uint32_t snapshot_type;
} rsvd_svhdx_tunnel_delete_snapshot_request;

/** @return RSVD_OK or RSVD_E_WIRE_SHORT (fewer than 24 bytes). */
RSVD_API int rsvd_svhdx_tunnel_delete_snapshot_request_decode(
    const uint8_t *buf, size_t len, rsvd_svhdx_tunnel_delete_snapshot_request *out);
/** @return RSVD_OK (24 bytes) or RSVD_E_NOSPC. */
RSVD_API int rsvd_svhdx_tunnel_delete_snapshot_request_encode(
    const rsvd_svhdx_tunnel_delete_snapshot_request *in, uint8_t *buf, size_t cap,
    size_t *out_len);

/**
 * SVHDX_CHANGE_TRACKING_START_REQUEST ([MS-RSVD] 2.2.4.27): the 56-byte
 * fixed part and LogFileName, which lies at LogFileNameOffset from the start
 * of this structure. LogFileNameLength MUST be 0 (3.2.5.5.12 answers
 * STATUS_INVALID_PARAMETER otherwise, so any decode failure but
 * RSVD_E_WIRE_SHORT implies a nonzero length).
 */
typedef struct rsvd_svhdx_change_tracking_start_request {
    /** TransactionId: unique per operation. */
    rsvd_guid transaction_id;
    /** LogFileNameOffset: from the start of this structure. */
    uint32_t log_file_name_offset;
    /** LogFileNameLength: bytes of LogFileName; MUST be 0. */
    uint32_t log_file_name_length;
    /** LogFileId: GUID of the log file. */
    rsvd_guid log_file_id;
    /** MaxLogFileSize: the largest log in bytes; 0: unbounded. */
    uint64_t max_log_file_size;
    /** AppendData: Boolean, as sent; TRUE resumes (appends to) earlier
     * tracking, FALSE for the first start. */
    uint32_t append_data;
    /* 52: Reserved (4), zero */
    /** log_file_name_length bytes of UTF-16LE (a view; NULL when empty). */
    const uint8_t *log_file_name;
} rsvd_svhdx_change_tracking_start_request;

/**
 * @return RSVD_OK, RSVD_E_WIRE_SHORT (fewer than 56 bytes), and only when
 * LogFileNameLength is nonzero: RSVD_E_WIRE_OFFSET (the offset points into
 * the fixed part) or RSVD_E_WIRE_RANGE (the name runs past the buffer).
 */
RSVD_API int rsvd_svhdx_change_tracking_start_request_decode(
    const uint8_t *buf, size_t len, rsvd_svhdx_change_tracking_start_request *out);
/**
 * Writes the fixed part, then, for a nonempty name, zeros up to
 * log_file_name_offset and the name.
 * @return RSVD_OK, RSVD_E_INVAL (a nonempty name with an offset inside the
 * fixed part or a NULL view) or RSVD_E_NOSPC.
 */
RSVD_API int rsvd_svhdx_change_tracking_start_request_encode(
    const rsvd_svhdx_change_tracking_start_request *in, uint8_t *buf, size_t cap,
    size_t *out_len);

/** SVHDX_CHANGE_TRACKING_STOP_RESPONSE ([MS-RSVD] 2.2.4.30), 4 bytes. */
typedef struct rsvd_svhdx_change_tracking_stop_response {
    /** ChangeTrackingStatus: RSVD_STATUS_SUCCESS or RSVD_STATUS_CHANGE_TRACKING_*. */
    uint32_t change_tracking_status;
} rsvd_svhdx_change_tracking_stop_response;

/** @return RSVD_OK or RSVD_E_WIRE_SHORT. */
RSVD_API int rsvd_svhdx_change_tracking_stop_response_decode(
    const uint8_t *buf, size_t len, rsvd_svhdx_change_tracking_stop_response *out);
/** @return RSVD_OK (4 bytes) or RSVD_E_NOSPC. */
RSVD_API int rsvd_svhdx_change_tracking_stop_response_encode(
    const rsvd_svhdx_change_tracking_stop_response *in, uint8_t *buf, size_t cap,
    size_t *out_len);

/** SVHDX_TUNNEL_QUERY_VIRTUAL_DISK_CHANGES_REQUEST ([MS-RSVD] 2.2.4.37), 56 bytes. */
typedef struct rsvd_svhdx_tunnel_query_virtual_disk_changes_request {
    /** TargetSnapshotId: the snapshot compared with the baseline. */
    rsvd_guid target_snapshot_id;
    /** LimitSnapshotId: the baseline snapshot the changes are counted from
     * (both snapshots must be tracked ones of Open.SnapshotList, 3.2.5.5.14). */
    rsvd_guid limit_snapshot_id;
    /** SnapshotType: MUST be RSVD_SVHDX_SNAPSHOT_TYPE_VM (3.2.5.5.14); as sent. */
    uint32_t snapshot_type;
    /* 36: Reserved (4), zero */
    /** ByteOffset: start of the region queried, in bytes. */
    uint64_t byte_offset;
    /** ByteLength: length of the region queried, in bytes. */
    uint64_t byte_length;
} rsvd_svhdx_tunnel_query_virtual_disk_changes_request;

/** @return RSVD_OK or RSVD_E_WIRE_SHORT (fewer than 56 bytes). */
RSVD_API int rsvd_svhdx_tunnel_query_virtual_disk_changes_request_decode(
    const uint8_t *buf, size_t len, rsvd_svhdx_tunnel_query_virtual_disk_changes_request *out);
/** @return RSVD_OK (56 bytes) or RSVD_E_NOSPC. */
RSVD_API int rsvd_svhdx_tunnel_query_virtual_disk_changes_request_encode(
    const rsvd_svhdx_tunnel_query_virtual_disk_changes_request *in, uint8_t *buf, size_t cap,
    size_t *out_len);

/** SVHDX_VIRTUAL_DISK_CHANGED_RANGE ([MS-RSVD] 2.2.4.39), 24 bytes. */
typedef struct rsvd_svhdx_virtual_disk_changed_range {
    /** ByteOffset: start of a changed range, in bytes. */
    uint64_t byte_offset;
    /** ByteLength: length of the range, in bytes. */
    uint64_t byte_length;
    /* 16: Reserved (8), zero */
} rsvd_svhdx_virtual_disk_changed_range;

/** SVHDX_TUNNEL_QUERY_VIRTUAL_DISK_CHANGES_REPLY ([MS-RSVD] 2.2.4.38): the
 * 16-byte fixed part and RangeCount SVHDX_VIRTUAL_DISK_CHANGED_RANGEs. */
typedef struct rsvd_svhdx_tunnel_query_virtual_disk_changes_reply {
    /** ProcessedByteLength: bytes of the region processed (ByteLength, or
     * less when the output buffer could not hold every range). */
    uint64_t processed_byte_length;
    /** RangeCount: number of ranges. */
    uint32_t range_count;
    /* 12: Reserved (4), zero */
    /** Ranges: 24 * range_count bytes as on the wire (a view; read one with
     * the _range() accessor). */
    const uint8_t *ranges;
} rsvd_svhdx_tunnel_query_virtual_disk_changes_reply;

/**
 * @return RSVD_OK, RSVD_E_WIRE_SHORT (fewer than 16 bytes) or
 * RSVD_E_WIRE_RANGE (the ranges RangeCount names run past the body;
 * computed without overflow).
 */
RSVD_API int rsvd_svhdx_tunnel_query_virtual_disk_changes_reply_decode(
    const uint8_t *buf, size_t len, rsvd_svhdx_tunnel_query_virtual_disk_changes_reply *out);
/**
 * Writes the fixed part and the 24 * range_count bytes at ranges, as they are.
 * @return RSVD_OK, RSVD_E_INVAL (NULL ranges with a nonzero count) or RSVD_E_NOSPC.
 */
RSVD_API int rsvd_svhdx_tunnel_query_virtual_disk_changes_reply_encode(
    const rsvd_svhdx_tunnel_query_virtual_disk_changes_reply *in, uint8_t *buf, size_t cap,
    size_t *out_len);
/**
 * Builds a reply from @p count ranges (the server's side).
 * @return RSVD_OK, RSVD_E_INVAL (NULL ranges with a nonzero count, or a count
 * above UINT32_MAX) or RSVD_E_NOSPC.
 */
RSVD_API int rsvd_svhdx_tunnel_query_virtual_disk_changes_reply_build(
    uint64_t processed_byte_length, const rsvd_svhdx_virtual_disk_changed_range *ranges,
    size_t count, uint8_t *buf, size_t cap, size_t *out_len);
/**
 * Reads Ranges[@p index] of a decoded reply.
 * @return RSVD_OK or RSVD_E_INVAL (index not below range_count).
 */
RSVD_API int rsvd_svhdx_tunnel_query_virtual_disk_changes_reply_range(
    const rsvd_svhdx_tunnel_query_virtual_disk_changes_reply *in, uint32_t index,
    rsvd_svhdx_virtual_disk_changed_range *out);

/** SVHDX_TUNNEL_QUERY_SAFE_SIZE_RESPONSE ([MS-RSVD] 2.2.4.40), 8 bytes. */
typedef struct rsvd_svhdx_tunnel_query_safe_size_response {
    /** SafeVirtualSize: the smallest safe virtual size of the disk, in bytes. */
    uint64_t safe_virtual_size;
} rsvd_svhdx_tunnel_query_safe_size_response;

/** @return RSVD_OK or RSVD_E_WIRE_SHORT (fewer than 8 bytes). */
RSVD_API int rsvd_svhdx_tunnel_query_safe_size_response_decode(
    const uint8_t *buf, size_t len, rsvd_svhdx_tunnel_query_safe_size_response *out);
/** @return RSVD_OK (8 bytes) or RSVD_E_NOSPC. */
RSVD_API int rsvd_svhdx_tunnel_query_safe_size_response_encode(
    const rsvd_svhdx_tunnel_query_safe_size_response *in, uint8_t *buf, size_t cap,
    size_t *out_len);

/* ======================================================================== */
/* UTF-16LE name helpers                                                     */
/* ======================================================================== */

/* The UTF-16LE name checks these rules need (rsvd_utf16z_check(),
 * rsvd_utf16le_ends_with_ascii()) are in rsvd/wire.h. */

/* ======================================================================== */
/* Opening a shared virtual disk ([MS-RSVD] 2.2.4.12, 2.2.4.31 - 2.2.4.35)   */
/* ======================================================================== */

/** @return true if (@p name, @p len) is exactly the 16-byte
 * SVHDX_OPEN_DEVICE_CONTEXT create-context name
 * (RSVD_SMB2_CC_SVHDX_OPEN_DEVICE_CONTEXT, rsvd/smb2.h). */
RSVD_API bool rsvd_is_svhdx_open_device_context_name(const uint8_t *name, size_t len);

/** @name OriginatorFlags ([MS-RSVD] 2.2.4.12)
 * @{ */
/** Open as a virtual SCSI disk. */
#define RSVD_SVHDX_ORIGINATOR_PVHDPARSER 0x00000001u
/** Open the file in the underlying object store. */
#define RSVD_SVHDX_ORIGINATOR_VHDMP 0x00000004u
/** @} */

/** @name Sizes of the open contexts ([MS-RSVD] 2.2.4.12, 2.2.4.32); each
 * response has the size of its request
 * @{ */
/** SVHDX_OPEN_DEVICE_CONTEXT and its response (2.2.4.31). */
#define RSVD_SVHDX_OPEN_DEVICE_CONTEXT_SIZE 168u
/** SVHDX_OPEN_DEVICE_CONTEXT_V2 and its response (2.2.4.33). */
#define RSVD_SVHDX_OPEN_DEVICE_CONTEXT_V2_SIZE 192u
/** Size of the InitiatorHostName field. */
#define RSVD_SVHDX_INITIATOR_HOST_NAME_SIZE RSVD_MAXIMUM_NAME_LENGTH
/** @} */

/**
 * SVHDX_OPEN_DEVICE_CONTEXT (2.2.4.12) and its response (2.2.4.31), 168
 * bytes, and SVHDX_OPEN_DEVICE_CONTEXT_V2 (2.2.4.32) and its response
 * (2.2.4.33), 192 bytes: the V2 layout is the V1 layout plus five fields.
 *
 * Every field is returned as sent, the Reserved bytes included (3.2.5.1
 * copies them into the V2 response): 3.2.5.1 answers a wrong Version or a
 * HasInitiatorId other than 0/1 with STATUS_INVALID_PARAMETER, so the
 * decoders accept them. An InitiatorHostNameLength above 126 or odd breaks
 * the structure itself (2.2.4.12: "MUST NOT exceed
 * RSVD_MAXIMUM_NAME_LENGTH"; the name is UTF-16): the decoders and the
 * encoders refuse it. Read the Version first with
 * rsvd_svhdx_open_device_context_version() to apply 3.2.5.1's
 * STATUS_BUFFER_TOO_SMALL rules, then decode with the _v1 or _v2 decoder.
 */
typedef struct rsvd_svhdx_open_device_context {
    /** Version: RSVD_ECP_CONTEXT_VERSION_1 or _2 (as sent). */
    uint32_t version;
    /** HasInitiatorId: Boolean as sent; 0x01 means initiator_id is valid. */
    uint8_t has_initiator_id;
    /** Reserved: as sent (3.2.5.1 copies it into the V2 response). */
    uint8_t reserved[3];
    /** InitiatorId: GUID of the initiator; meaningful when has_initiator_id
     * is 0x01. */
    rsvd_guid initiator_id;
    /** Flags: application-provided open flags, opaque to the protocol. */
    uint32_t flags;
    /** OriginatorFlags: RSVD_SVHDX_ORIGINATOR_PVHDPARSER or _VHDMP (as sent). */
    uint32_t originator_flags;
    /** OpenRequestId: the client's RequestIdentifier at the open (3.1.4.2). */
    uint64_t open_request_id;
    /** InitiatorHostNameLength: bytes of the name, even and at most 126
     * (RSVD_MAXIMUM_NAME_LENGTH). */
    uint16_t initiator_host_name_length;
    /**
     * The whole 126-byte InitiatorHostName field after a decode (a view).
     * The name is its first initiator_host_name_length bytes of UTF-16LE:
     * read it through rsvd_svhdx_open_device_context_host_name(). To encode,
     * point it at the name (initiator_host_name_length bytes are read).
     */
    const uint8_t *initiator_host_name;
    /* V2 only; zero after a V1 decode, not written by the V1 encoder. */
    /** VirtualDiskPropertiesInitialized: request 0; response nonzero if the
     * three sizes below are valid. */
    uint32_t virtual_disk_properties_initialized;
    /** ServerServiceVersion: request 0; response the server's protocol
     * version (RSVD_PROTOCOL_VERSION_2). */
    uint32_t server_service_version;
    /** VirtualSectorSize: request 0; response the logical sector size, bytes. */
    uint32_t virtual_sector_size;
    /** PhysicalSectorSize: request 0; response the physical sector size,
     * bytes. */
    uint32_t physical_sector_size;
    /** VirtualSize: request 0; response the virtual disk's size, bytes. */
    uint64_t virtual_size;
} rsvd_svhdx_open_device_context;

/**
 * Reads the Version field (the first 4 bytes) of a context's data.
 * @return RSVD_OK or RSVD_E_WIRE_SHORT (fewer than 4 bytes).
 */
RSVD_API int rsvd_svhdx_open_device_context_version(const uint8_t *buf, size_t len,
                                                     uint32_t *version);

/**
 * Decodes the 168-byte V1 layout (whatever Version says); bytes after it are
 * ignored and the V2 fields are zeroed.
 * @return RSVD_OK, RSVD_E_WIRE_SHORT (fewer than 168 bytes) or
 * RSVD_E_WIRE_NAME (InitiatorHostNameLength above 126 or odd; the fields
 * are filled as sent).
 */
RSVD_API int rsvd_svhdx_open_device_context_v1_decode(const uint8_t *buf, size_t len,
                                                      rsvd_svhdx_open_device_context *out);
/**
 * Decodes the 192-byte V2 layout (whatever Version says).
 * @return RSVD_OK, RSVD_E_WIRE_SHORT (fewer than 192 bytes) or
 * RSVD_E_WIRE_NAME (as the V1 decoder).
 */
RSVD_API int rsvd_svhdx_open_device_context_v2_decode(const uint8_t *buf, size_t len,
                                                      rsvd_svhdx_open_device_context *out);
/**
 * Encodes the V1 layout, 168 bytes: InitiatorHostName gets the
 * initiator_host_name_length bytes of initiator_host_name and zeros after
 * them.
 * @return RSVD_OK, RSVD_E_INVAL (initiator_host_name_length above 126 or
 * odd, or a NULL name with a nonzero length; nothing is written) or
 * RSVD_E_NOSPC.
 */
RSVD_API int rsvd_svhdx_open_device_context_v1_encode(const rsvd_svhdx_open_device_context *in,
                                                      uint8_t *buf, size_t cap,
                                                      size_t *out_len);
/** As rsvd_svhdx_open_device_context_v1_encode() for the V2 layout, 192 bytes. */
RSVD_API int rsvd_svhdx_open_device_context_v2_encode(const rsvd_svhdx_open_device_context *in,
                                                      uint8_t *buf, size_t cap,
                                                      size_t *out_len);
/**
 * The InitiatorHostName of a context as a checked view.
 * @return RSVD_OK (the name's first byte in *name, its length in *len; the
 * length may be 0), or RSVD_E_WIRE_NAME (InitiatorHostNameLength above 126
 * or odd).
 */
RSVD_API int rsvd_svhdx_open_device_context_host_name(const rsvd_svhdx_open_device_context *in,
                                                      const uint8_t **name, size_t *len);

/* ---- FSCTL_QUERY_SHARED_VIRTUAL_DISK_SUPPORT ([MS-RSVD] 2.2.4.16) ------- */

/** @name SharedVirtualDiskSupport and SharedVirtualDiskHandleState values
 * ([MS-RSVD] 2.2.4.16)
 * @{ */
/** SharedVirtualDisksSupported: what a version-1 server reports. */
#define RSVD_SHARED_VIRTUAL_DISKS_SUPPORTED 0x00000001u
/** Supports every snapshot type of 2.2.6 (a version-2 server). */
#define RSVD_SHARED_VIRTUAL_DISK_SNAPSHOTS_SUPPORTED 0x00000007u
/** Not opened as a shared virtual disk. */
#define RSVD_HANDLE_STATE_NONE 0x00000000u
/** Opened as a shared virtual disk by another Open. */
#define RSVD_HANDLE_STATE_FILE_SHARED 0x00000001u
/** Opened as a shared virtual disk by this Open. */
#define RSVD_HANDLE_STATE_SHARED 0x00000003u
/** @} */

/** Size of SVHDX_SHARED_VIRTUAL_DISK_SUPPORT_RESPONSE (3.2.5.6's minimum
 * MaxOutputResponse). The request (2.2.4.15) is empty. */
#define RSVD_SVHDX_SHARED_VIRTUAL_DISK_SUPPORT_RESPONSE_SIZE 8u

/** SVHDX_SHARED_VIRTUAL_DISK_SUPPORT_RESPONSE ([MS-RSVD] 2.2.4.16): the
 * FSCTL's whole output, no tunnel header. */
typedef struct rsvd_svhdx_shared_virtual_disk_support_response {
    /** SharedVirtualDiskSupport: RSVD_SHARED_VIRTUAL_DISKS_SUPPORTED (a
     * version-1 server) or RSVD_SHARED_VIRTUAL_DISK_SNAPSHOTS_SUPPORTED (version 2). */
    uint32_t shared_virtual_disk_support;
    /** SharedVirtualDiskHandleState: an RSVD_HANDLE_STATE_* value. */
    uint32_t shared_virtual_disk_handle_state;
} rsvd_svhdx_shared_virtual_disk_support_response;

/** @return RSVD_OK or RSVD_E_WIRE_SHORT (fewer than 8 bytes). */
RSVD_API int rsvd_svhdx_shared_virtual_disk_support_response_decode(
    const uint8_t *buf, size_t len, rsvd_svhdx_shared_virtual_disk_support_response *out);
/** @return RSVD_OK (8 bytes) or RSVD_E_NOSPC. */
RSVD_API int rsvd_svhdx_shared_virtual_disk_support_response_encode(
    const rsvd_svhdx_shared_virtual_disk_support_response *in, uint8_t *buf, size_t cap,
    size_t *out_len);

/* ---- FILE_FULL_EA_INFORMATION ([MS-FSCC] 2.4.16) ------------------------ */

/** Size of FILE_FULL_EA_INFORMATION before EaName. */
#define RSVD_FILE_FULL_EA_INFORMATION_FIXED_SIZE 8u

/**
 * One FILE_FULL_EA_INFORMATION entry ([MS-FSCC] 2.4.16; [MS-RSVD] cites it
 * as 2.4.15). EaName is ASCII followed by one NUL byte that EaNameLength
 * does not count; EaValue follows the NUL.
 */
typedef struct rsvd_file_full_ea_information {
    /** NextEntryOffset: offset of the next entry from the start of this one;
     * 0 for the last. */
    uint32_t next_entry_offset;
    /** Flags: 0 or RSVD_FILE_NEED_EA (as sent). */
    uint8_t flags;
    /** EaNameLength: bytes of EaName, its NUL not counted. */
    uint8_t ea_name_length;
    /** EaValueLength: bytes of EaValue. */
    uint16_t ea_value_length;
    /** EaName: ea_name_length bytes, the NUL not included (a view). */
    const uint8_t *ea_name;
    /** EaValue: ea_value_length bytes (a view). */
    const uint8_t *ea_value;
} rsvd_file_full_ea_information;

/**
 * Decodes the single entry at the start of @p buf (NextEntryOffset is
 * returned, not followed; see rsvd_ea_iter for a chain).
 * @return RSVD_OK, RSVD_E_WIRE_SHORT (fewer than 8 bytes),
 * RSVD_E_WIRE_RANGE (the name, its NUL or the value runs past the buffer)
 * or RSVD_E_WIRE_NAME (the byte after the name is not NUL).
 */
RSVD_API int rsvd_file_full_ea_information_decode(const uint8_t *buf, size_t len,
                                                  rsvd_file_full_ea_information *out);
/**
 * Encodes one entry (8 + ea_name_length + 1 + ea_value_length bytes, no
 * padding), with NextEntryOffset as given.
 * @return RSVD_OK, RSVD_E_INVAL (NULL view with a nonzero length) or RSVD_E_NOSPC.
 */
RSVD_API int rsvd_file_full_ea_information_encode(const rsvd_file_full_ea_information *in,
                                                  uint8_t *buf, size_t cap, size_t *out_len);

/**
 * Walks a buffer of chained FILE_FULL_EA_INFORMATION entries. Links are
 * checked as a create-context chain is: each NextEntryOffset is a multiple of
 * 4 ([MS-FSCC] 2.4.16: "each MUST be aligned on a 4-byte boundary"), at
 * least the size of the entry it follows (so that entries never overlap and
 * the walk always moves forward), and names an entry inside the buffer.
 * Padding between entries is ignored. Fields are private.
 *
 *     rsvd_ea_iter it;
 *     rsvd_file_full_ea_information ea;
 *     int rc;
 *     rsvd_ea_iter_init(&it, buf, len);
 *     while ((rc = rsvd_ea_iter_next(&it, &ea)) == RSVD_OK)
 *         ...;
 *     if (rc != RSVD_E_NOENT)
 *         ... malformed: rc names the rule ...
 */
typedef struct rsvd_ea_iter {
    /** The buffer walked (private). */
    const uint8_t *buf;
    /** Its length in bytes (private). */
    size_t len;
    size_t pos;   /**< start of the next entry */
    int state;    /**< 0 more entries, 1 done, < 0 the sticky error */
} rsvd_ea_iter;

/** Starts a walk over the chain in (@p buf, @p len); an empty buffer is a
 * malformed chain (RSVD_E_WIRE_SHORT on the first call). */
RSVD_API void rsvd_ea_iter_init(rsvd_ea_iter *it, const uint8_t *buf, size_t len);
/**
 * @return RSVD_OK with the next entry in *out; RSVD_E_NOENT after the entry
 * whose NextEntryOffset is 0; or the error of the first malformed entry or
 * link, repeated on every later call: those of
 * rsvd_file_full_ea_information_decode(), or RSVD_E_WIRE_CHAIN
 * (NextEntryOffset not a multiple of 4, smaller than its entry, or naming a
 * place with fewer than 8 bytes left).
 */
RSVD_API int rsvd_ea_iter_next(rsvd_ea_iter *it, rsvd_file_full_ea_information *out);

/**
 * Encodes @p count entries as a chain: each entry but the last is padded with
 * zeros to a multiple of 4 and its NextEntryOffset set to its padded size;
 * the last gets NextEntryOffset 0 and no padding. The next_entry_offset
 * fields of @p eas are ignored.
 * @return RSVD_OK, RSVD_E_INVAL (count 0 or a NULL view with a nonzero
 * length) or RSVD_E_NOSPC.
 */
RSVD_API int rsvd_file_full_ea_information_chain_encode(const rsvd_file_full_ea_information *eas,
                                                        size_t count, uint8_t *buf, size_t cap,
                                                        size_t *out_len);

/* ---- RSVD target specifier ([MS-RSVD] 2.2.4.34, 2.2.4.35, 3.1.4.24) ----- */

/** EaName of the EA carrying an RSVD_BLOCK_DEVICE_TARGET_SPECIFIER. */
#define RSVD_TARGET_SPECIFIER_EA_NAME "RSVD_TARGET_SPECIFIER_EA"
/** strlen(RSVD_TARGET_SPECIFIER_EA_NAME): the EaNameLength. */
#define RSVD_TARGET_SPECIFIER_EA_NAME_LENGTH 24u
/** Size of the whole EA as 3.1.4.24 lays it out: 8 + 24 + 1 + 24. */
#define RSVD_TARGET_SPECIFIER_EA_SIZE 57u
/** RsvdBlockDeviceTargetNamespace value SnapshotId, the only one defined. */
#define RSVD_BLOCK_DEVICE_TARGET_NAMESPACE_SNAPSHOT_ID 0x00000000u
/** Size of RSVD_BLOCK_DEVICE_TARGET_SPECIFIER, the EaValue of the EA. */
#define RSVD_BLOCK_DEVICE_TARGET_SPECIFIER_SIZE 24u

/** RSVD_BLOCK_DEVICE_TARGET_SPECIFIER_SNAPSHOT ([MS-RSVD] 2.2.4.35), 20 bytes. */
typedef struct rsvd_block_device_target_specifier_snapshot {
    /** SnapshotType: RSVD_SVHDX_SNAPSHOT_TYPE_VM or _WRITEABLE are valid
     * (3.2.5.7); as sent. */
    uint32_t snapshot_type;
    /** SnapshotID: the snapshot of the VHD set to open. */
    rsvd_guid snapshot_id;
} rsvd_block_device_target_specifier_snapshot;

/** RSVD_BLOCK_DEVICE_TARGET_SPECIFIER ([MS-RSVD] 2.2.4.34), 24 bytes. Values
 * as sent: 3.2.5.7 answers a wrong namespace or snapshot type itself. */
typedef struct rsvd_block_device_target_specifier {
    /** RsvdBlockDeviceTargetNamespace: only
     * RSVD_BLOCK_DEVICE_TARGET_NAMESPACE_SNAPSHOT_ID is defined; as sent. */
    uint32_t rsvd_block_device_target_namespace;
    /** TargetInformationSnapshot, at offset 4. */
    rsvd_block_device_target_specifier_snapshot target_information_snapshot;
} rsvd_block_device_target_specifier;

/** @return RSVD_OK or RSVD_E_WIRE_SHORT (fewer than 24 bytes). */
RSVD_API int rsvd_block_device_target_specifier_decode(const uint8_t *buf, size_t len,
                                                       rsvd_block_device_target_specifier *out);
/** @return RSVD_OK (24 bytes) or RSVD_E_NOSPC. */
RSVD_API int rsvd_block_device_target_specifier_encode(
    const rsvd_block_device_target_specifier *in, uint8_t *buf, size_t cap, size_t *out_len);

/**
 * Builds the 57-byte FILE_FULL_EA_INFORMATION of [MS-RSVD] 3.1.4.24:
 * NextEntryOffset 0, Flags FILE_NEED_EA, EaNameLength 24, EaValueLength 24,
 * EaName "RSVD_TARGET_SPECIFIER_EA" and its NUL, EaValue @p ts.
 * @return RSVD_OK or RSVD_E_NOSPC.
 */
RSVD_API int rsvd_target_specifier_ea_build(const rsvd_block_device_target_specifier *ts,
                                            uint8_t *buf, size_t cap, size_t *out_len);

/**
 * Finds the target specifier in an EA buffer as [MS-RSVD] 3.2.5.7 reads it:
 * the first entry of the chain whose EaName equals "RSVD_TARGET_SPECIFIER_EA"
 * (exactly, case included) and whose EaValueLength is at least 24; its first
 * 24 value bytes are decoded into @p out.
 * @return RSVD_OK, RSVD_E_NOENT (a well-formed chain without such an entry)
 * or the chain's error (see rsvd_ea_iter_next()).
 */
RSVD_API int rsvd_target_specifier_ea_find(const uint8_t *buf, size_t len,
                                           rsvd_block_device_target_specifier *out);

#ifdef __cplusplus
}
#endif

#endif /* RSVD_WIRE_RSVD_H */
