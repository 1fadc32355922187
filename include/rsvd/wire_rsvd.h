/*
 * librsvd - MS-RSVD message codecs ([MS-RSVD] section 2.2).
 *
 * Included by rsvd/wire.h; include that header rather than this one.
 * The conventions of rsvd/wire_smb2.h apply: decoders never read past len,
 * return views into their input, and encoders fail cleanly with
 * RSVD_E_NOSPC.
 */
#ifndef RSVD_WIRE_RSVD_H
#define RSVD_WIRE_RSVD_H

#include <rsvd/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @file
 * @brief MS-RSVD message codecs and constants ([MS-RSVD] 2.2).
 */

/** @name General constants ([MS-RSVD] 2.2.1)
 * @{ */
#define RSVD_CDB_GENERIC_LENGTH 16u
#define RSVD_SCSI_SENSE_BUFFER_SIZE 20u
#define RSVD_MAXIMUM_NAME_LENGTH 126u
#define RSVD_FSCTL_SVHDX_SYNC_TUNNEL_REQUEST 0x00090304u
#define RSVD_FSCTL_QUERY_SHARED_VIRTUAL_DISK_SUPPORT 0x00090300u
#define RSVD_FSCTL_SVHDX_ASYNC_TUNNEL_REQUEST 0x00090364u
#define RSVD_ECP_CONTEXT_VERSION_1 0x00000001u
#define RSVD_ECP_CONTEXT_VERSION_2 0x00000002u
/** @} */

/** @name RSVD protocol versions ([MS-RSVD] 1.7)
 * @{ */
#define RSVD_PROTOCOL_VERSION_1 0x00000001u
#define RSVD_PROTOCOL_VERSION_2 0x00000002u
/** @} */

/** @name Tunnel operation codes ([MS-RSVD] 2.2.2)
 * Bits 24-31 are 0x02 (RSVD), bits 12-23 the version class, bits 0-11 the
 * operation.
 * @{ */
#define RSVD_TUNNEL_GET_INITIAL_INFO_OPERATION 0x02001001u
#define RSVD_TUNNEL_SCSI_OPERATION 0x02001002u
#define RSVD_TUNNEL_CHECK_CONNECTION_STATUS_OPERATION 0x02001003u
#define RSVD_TUNNEL_SRB_STATUS_OPERATION 0x02001004u
#define RSVD_TUNNEL_GET_DISK_INFO_OPERATION 0x02001005u
#define RSVD_TUNNEL_VALIDATE_DISK_OPERATION 0x02001006u
#define RSVD_TUNNEL_META_OPERATION_START 0x02002101u
#define RSVD_TUNNEL_META_OPERATION_QUERY_PROGRESS 0x02002002u
#define RSVD_TUNNEL_VHDSET_QUERY_INFORMATION 0x02002005u
#define RSVD_TUNNEL_DELETE_SNAPSHOT 0x02002006u
#define RSVD_TUNNEL_CHANGE_TRACKING_GET_PARAMETERS 0x02002008u
#define RSVD_TUNNEL_CHANGE_TRACKING_START 0x02002009u
#define RSVD_TUNNEL_CHANGE_TRACKING_STOP 0x0200200Au
#define RSVD_TUNNEL_QUERY_VIRTUAL_DISK_CHANGES 0x0200200Cu
#define RSVD_TUNNEL_QUERY_SAFE_SIZE 0x0200200Du

/** Mask of the protocol field of an operation code (must be 0x02000000). */
#define RSVD_TUNNEL_OPCODE_PROTOCOL_MASK 0xFF000000u
#define RSVD_TUNNEL_OPCODE_PROTOCOL_RSVD 0x02000000u
/** Mask of the version-class field of an operation code. */
#define RSVD_TUNNEL_OPCODE_VERSION_MASK 0x00FFF000u
#define RSVD_TUNNEL_OPCODE_VERSION_1 0x00001000u
#define RSVD_TUNNEL_OPCODE_VERSION_2 0x00002000u
/** @} */

/** @return the name of a tunnel operation code, or NULL if it is none of the 15. */
RSVD_API const char *rsvd_tunnel_opcode_name(uint32_t opcode);

/** Size of SVHDX_TUNNEL_OPERATION_HEADER ([MS-RSVD] 2.2.4.11). */
#define RSVD_TUNNEL_HEADER_SIZE 16u

/** SVHDX_TUNNEL_OPERATION_HEADER ([MS-RSVD] 2.2.4.11). */
typedef struct rsvd_tunnel_hdr {
    uint32_t operation_code;
    /** Request: the client SHOULD send 0, the server ignores it.
     * Response: the status of the tunnel operation. */
    uint32_t status;
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

#ifdef __cplusplus
}
#endif

#endif /* RSVD_WIRE_RSVD_H */
