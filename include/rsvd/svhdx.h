/*
 * librsvd - the MS-RSVD identifiers the core API speaks in: protocol
 * versions, the file-name suffix of a shared virtual disk open, the general
 * size constants, SRB and SCSI status codes, disk types and formats, and
 * the data direction of a tunnelled SCSI command. Constants only: the
 * message codecs are the toolkit's (rsvd/wire_rsvd.h).
 */
#ifndef RSVD_SVHDX_H
#define RSVD_SVHDX_H

#ifdef __cplusplus
extern "C" {
#endif

/** @file
 * @brief MS-RSVD identifiers: versions, names, sizes, SRB and SCSI status
 * codes, disk types, data directions ([MS-RSVD] 2.2).
 */

/** @name Protocol versions and names ([MS-RSVD] 1.7, 2.2.1, 3.1.4.2)
 * The create-context name of SVHDX_OPEN_DEVICE_CONTEXT is
 * RSVD_SMB2_CC_SVHDX_OPEN_DEVICE_CONTEXT (rsvd/smb2.h); the three RSVD
 * FSCTL codes are in rsvd/fscc.h.
 * @{ */
/** RSVD Protocol version 1 (ServerServiceVersion, a tunnel header's
 * ProtocolVersion): the version-1 operations only. */
#define RSVD_PROTOCOL_VERSION_1 0x00000001u
/** RSVD Protocol version 2: adds the version-2 operations (VHD sets,
 * snapshots, change tracking). */
#define RSVD_PROTOCOL_VERSION_2 0x00000002u
/** The suffix a client appends to the file name of a shared virtual disk
 * open ([MS-RSVD] 3.1.4.2); an SMB2 server routes a CREATE whose name ends
 * with it (compared without regard to case) to the RSVD server ([MS-SMB2]
 * 3.3.5.9.14). */
#define RSVD_SHARED_VIRTUAL_DISK_SUFFIX ":SharedVirtualDisk"
/** RSVD_CDB_GENERIC_LENGTH: size of CDBBuffer, the largest CDBLength. */
#define RSVD_CDB_GENERIC_LENGTH 16u
/** RSVD_SCSI_SENSE_BUFFER_SIZE: the largest SenseInfoExLength. */
#define RSVD_SCSI_SENSE_BUFFER_SIZE 20u
/** RSVD_MAXIMUM_NAME_LENGTH: the largest InitiatorHostNameLength, in bytes,
 * and the size of the InitiatorHostName field. */
#define RSVD_MAXIMUM_NAME_LENGTH 126u
/** @} */

/** @name SRB status codes ([MS-RSVD] 2.2.5), 7-bit values
 * @{ */
/** The request is in progress. */
#define RSVD_SRB_STATUS_PENDING 0x00u
/** The request completed successfully. */
#define RSVD_SRB_STATUS_SUCCESS 0x01u
/** The request was aborted. */
#define RSVD_SRB_STATUS_ABORTED 0x02u
/** The request completed with an error. */
#define RSVD_SRB_STATUS_ERROR 0x04u
/** The shared virtual disk does not support the request. */
#define RSVD_SRB_STATUS_INVALID_REQUEST 0x06u
/** The device is no longer available. */
#define RSVD_SRB_STATUS_NO_DEVICE 0x08u
/** Selection timed out. */
#define RSVD_SRB_STATUS_SELECTION_TIMEOUT 0x0Au
/** Data overrun or underrun. */
#define RSVD_SRB_STATUS_DATA_OVERRUN 0x12u
/** @} */

/** @name SCSI status codes ([SAM-4] 5.3) the library interprets
 * @{ */
/** GOOD: the command succeeded. */
#define RSVD_SCSI_STATUS_GOOD 0x00u
/** CHECK CONDITION: sense data says what failed. */
#define RSVD_SCSI_STATUS_CHECK_CONDITION 0x02u
/** BUSY. */
#define RSVD_SCSI_STATUS_BUSY 0x08u
/** RESERVATION CONFLICT ([SPC-3] 5.6). */
#define RSVD_SCSI_STATUS_RESERVATION_CONFLICT 0x18u
/** @} */

/** @name DiskType and DiskFormat ([MS-RSVD] 2.2.4.6)
 * @{ */
/** VHD_TYPE_FIXED. */
#define RSVD_VHD_TYPE_FIXED 0x00000002u
/** VHD_TYPE_DYNAMIC. */
#define RSVD_VHD_TYPE_DYNAMIC 0x00000003u
/** VIRTUAL_STORAGE_TYPE_DEVICE_VHDX. */
#define RSVD_VIRTUAL_STORAGE_TYPE_DEVICE_VHDX 0x00000003u
/** VIRTUAL_STORAGE_TYPE_DEVICE_VHDSET. */
#define RSVD_VIRTUAL_STORAGE_TYPE_DEVICE_VHDSET 0x00000004u
/** @} */

/** Data direction of a SCSI command, numbered as the RSVD Disposition field
 * is used on the wire (docs/decisions.md): 0 data out, 1 data in, 2 none. */
typedef enum rsvd_scsi_direction {
    RSVD_SCSI_DATA_OUT = 0,
    RSVD_SCSI_DATA_IN = 1,
    RSVD_SCSI_NO_DATA = 2
} rsvd_scsi_direction;

#ifdef __cplusplus
}
#endif

#endif /* RSVD_SVHDX_H */
