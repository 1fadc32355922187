/*
 * librsvd - NTSTATUS values used by MS-RSVD and MS-SMB2, with a name function.
 */
#ifndef RSVD_STATUS_H
#define RSVD_STATUS_H

#include <rsvd/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @file
 * @brief NTSTATUS values ([MS-ERREF] 2.3) that the MS-RSVD and MS-SMB2 rules
 * implemented here return, and the MS-RSVD 2.2.3 error codes.
 */

/** @name Generic NTSTATUS values ([MS-ERREF] 2.3)
 * @{ */
/** The operation completed successfully. */
#define RSVD_STATUS_SUCCESS 0x00000000u
/** The operation is in progress: the interim response of an SMB2 request
 * that completes asynchronously. */
#define RSVD_STATUS_PENDING 0x00000103u
/** Warning (severity 2): the data did not fit the buffer. [MS-RSVD]
 * 3.2.5.5.2 fails a too-small MaxOutputResponse with it. */
#define RSVD_STATUS_BUFFER_OVERFLOW 0x80000005u
/** The operation failed (no more specific status); the file backends
 * map an unlisted errno to it. */
#define RSVD_STATUS_UNSUCCESSFUL 0xC0000001u
/** The requested operation is not implemented. */
#define RSVD_STATUS_NOT_IMPLEMENTED 0xC0000002u
/** The handle (FileId, LocalOpen) is not valid. */
#define RSVD_STATUS_INVALID_HANDLE 0xC0000008u
/** A parameter or field is invalid; the answer to most [MS-RSVD] 3.2.5
 * and [MS-SMB2] 3.3.5 validation rules. */
#define RSVD_STATUS_INVALID_PARAMETER 0xC000000Du
/** The device does not exist. */
#define RSVD_STATUS_NO_SUCH_DEVICE 0xC000000Eu
/** The request is not valid for this device or open (an FSCTL the
 * open does not take, IsSVHDXSupported FALSE). */
#define RSVD_STATUS_INVALID_DEVICE_REQUEST 0xC0000010u
/** A read started at or past the end of the file. */
#define RSVD_STATUS_END_OF_FILE 0xC0000011u
/** Access to the object is denied. */
#define RSVD_STATUS_ACCESS_DENIED 0xC0000022u
/** The buffer is too small for the structure; nothing was returned. */
#define RSVD_STATUS_BUFFER_TOO_SMALL 0xC0000023u
/** The object name is not valid. */
#define RSVD_STATUS_OBJECT_NAME_INVALID 0xC0000033u
/** No object has that name. */
#define RSVD_STATUS_OBJECT_NAME_NOT_FOUND 0xC0000034u
/** An object with that name already exists. */
#define RSVD_STATUS_OBJECT_NAME_COLLISION 0xC0000035u
/** A directory on the path does not exist. */
#define RSVD_STATUS_OBJECT_PATH_NOT_FOUND 0xC000003Au
/** The object is in use in a way that conflicts with this request. */
#define RSVD_STATUS_SHARING_VIOLATION 0xC0000043u
/** A read or write conflicts with a byte-range lock. */
#define RSVD_STATUS_FILE_LOCK_CONFLICT 0xC0000054u
/** A byte-range lock was not granted; [MS-RSVD] 3.2.4 fails every
 * SMB2 LOCK on an RSVD open with it. */
#define RSVD_STATUS_LOCK_NOT_GRANTED 0xC0000055u
/** The file is being deleted. */
#define RSVD_STATUS_DELETE_PENDING 0xC0000056u
/** No space left on the storage. */
#define RSVD_STATUS_DISK_FULL 0xC000007Fu
/** An unlock names a range that is not locked. */
#define RSVD_STATUS_RANGE_NOT_LOCKED 0xC000007Eu
/** A resource (memory, handles, a configured limit) is exhausted. */
#define RSVD_STATUS_INSUFFICIENT_RESOURCES 0xC000009Au
/** The storage is write-protected. */
#define RSVD_STATUS_MEDIA_WRITE_PROTECTED 0xC00000A2u
/** The device is not ready. */
#define RSVD_STATUS_DEVICE_NOT_READY 0xC00000A3u
/** The operation timed out ([MS-RSVD] 3.2.5.5.7.1: CDP snapshot stages
 * after the BlockIO timer fired). */
#define RSVD_STATUS_IO_TIMEOUT 0xC00000B5u
/** The file was closed underneath the operation ([MS-RSVD] 3.2.5.2:
 * change tracking of an aborted CDP snapshot). */
#define RSVD_STATUS_FILE_FORCED_CLOSED 0xC00000B6u
/** The request is not supported. */
#define RSVD_STATUS_NOT_SUPPORTED 0xC00000BBu
/** The peer sent a response that is not valid. */
#define RSVD_STATUS_INVALID_NETWORK_RESPONSE 0xC00000C3u
/** The network name (tree connect, open) no longer exists. */
#define RSVD_STATUS_NETWORK_NAME_DELETED 0xC00000C9u
/** The first parameter is invalid ([MS-RSVD] 3.2.5.5.7.x, 3.2.5.5.9
 * name the failed rule by number). */
#define RSVD_STATUS_INVALID_PARAMETER_1 0xC00000EFu
/** The second parameter is invalid (see RSVD_STATUS_INVALID_PARAMETER_1). */
#define RSVD_STATUS_INVALID_PARAMETER_2 0xC00000F0u
/** The third parameter is invalid (see RSVD_STATUS_INVALID_PARAMETER_1). */
#define RSVD_STATUS_INVALID_PARAMETER_3 0xC00000F1u
/** The fourth parameter is invalid (see RSVD_STATUS_INVALID_PARAMETER_1). */
#define RSVD_STATUS_INVALID_PARAMETER_4 0xC00000F2u
/** The fifth parameter is invalid (see RSVD_STATUS_INVALID_PARAMETER_1). */
#define RSVD_STATUS_INVALID_PARAMETER_5 0xC00000F3u
/** The sixth parameter is invalid (see RSVD_STATUS_INVALID_PARAMETER_1). */
#define RSVD_STATUS_INVALID_PARAMETER_6 0xC00000F4u
/** The file or directory is corrupt and unreadable. */
#define RSVD_STATUS_FILE_CORRUPT_ERROR 0xC0000102u
/** The request was cancelled (SMB2 CANCEL). */
#define RSVD_STATUS_CANCELLED 0xC0000120u
/** The handle was closed. */
#define RSVD_STATUS_FILE_CLOSED 0xC0000128u
/** The device reported an I/O error. */
#define RSVD_STATUS_IO_DEVICE_ERROR 0xC0000185u
/** The SMB2 session no longer exists. */
#define RSVD_STATUS_USER_SESSION_DELETED 0xC0000203u
/** The transport connection was lost. */
#define RSVD_STATUS_CONNECTION_DISCONNECTED 0xC000020Cu
/** An object with the same id already exists. */
#define RSVD_STATUS_DUPLICATE_OBJECTID 0xC000022Au
/** The SMB2 session expired; the client must re-authenticate. */
#define RSVD_STATUS_NETWORK_SESSION_EXPIRED 0xC000035Cu
/** The server is not available. */
#define RSVD_STATUS_SERVER_UNAVAILABLE 0xC0000466u
/** The file is temporarily unavailable; a 3.x client may replay the
 * request ([MS-SMB2] 3.2.5.12). */
#define RSVD_STATUS_FILE_NOT_AVAILABLE 0xC0000467u
/** The share is not available. */
#define RSVD_STATUS_SHARE_UNAVAILABLE 0xC0000480u
/** A replayed CREATE does not match the open it names ([MS-SMB2] 3.3.5.9). */
#define RSVD_STATUS_CONTEXT_MISMATCH 0xC0000719u
/** The message signature is not valid. */
#define RSVD_STATUS_INVALID_SIGNATURE 0xC000A000u
/** FSCTL_OFFLOAD_READ is not supported on the file; [MS-RSVD]
 * 3.2.4 fails it on an RSVD open with this. */
#define RSVD_STATUS_OFFLOAD_READ_FILE_NOT_SUPPORTED 0xC000A2A3u
/** FSCTL_OFFLOAD_WRITE is not supported on the file; [MS-RSVD]
 * 3.2.4 fails it on an RSVD open with this. */
#define RSVD_STATUS_OFFLOAD_WRITE_FILE_NOT_SUPPORTED 0xC000A2A4u
/** @} */

/** @name MS-RSVD 2.2.3 error codes
 * @{ */
/** Sense data stored; returned as (RSVD_STATUS_SVHDX_ERROR_STORED | StatusKey). */
#define RSVD_STATUS_SVHDX_ERROR_STORED 0xC05C0000u
/** No sense data is stored under the requested StatusKey. */
#define RSVD_STATUS_SVHDX_ERROR_NOT_AVAILABLE 0xC05CFF00u
/** Unit attention data is available for the initiator to query;
 * rsvd_scsi_ua_status() gives it for every ASC/ASCQ without a code below. */
#define RSVD_STATUS_SVHDX_UNIT_ATTENTION_AVAILABLE 0xC05CFF01u
/** Unit attention: CAPACITY DATA HAS CHANGED (2A/09). */
#define RSVD_STATUS_SVHDX_UNIT_ATTENTION_CAPACITY_DATA_CHANGED 0xC05CFF02u
/** Unit attention: RESERVATIONS PREEMPTED (2A/03). */
#define RSVD_STATUS_SVHDX_UNIT_ATTENTION_RESERVATIONS_PREEMPTED 0xC05CFF03u
/** Unit attention: RESERVATIONS RELEASED (2A/04). */
#define RSVD_STATUS_SVHDX_UNIT_ATTENTION_RESERVATIONS_RELEASED 0xC05CFF04u
/** Unit attention: REGISTRATIONS PREEMPTED (2A/05). */
#define RSVD_STATUS_SVHDX_UNIT_ATTENTION_REGISTRATIONS_PREEMPTED 0xC05CFF05u
/** Unit attention: the operating definition changed (3F/xx). */
#define RSVD_STATUS_SVHDX_UNIT_ATTENTION_OPERATING_DEFINITION_CHANGED 0xC05CFF06u
/** The initiator is not allowed access because of a reservation conflict
 * ([MS-RSVD] 3.2.5.4: a WRITE refused by a persistent reservation). */
#define RSVD_STATUS_SVHDX_RESERVATION_CONFLICT 0xC05CFF07u
/** The file opened is not of the type the request needs. */
#define RSVD_STATUS_SVHDX_WRONG_FILE_TYPE 0xC05CFF08u
/** The operation code's version class is one the server does not
 * implement ([MS-RSVD] 3.2.5.5). */
#define RSVD_STATUS_SVHDX_VERSION_MISMATCH 0xC05CFF09u
/** The disk is in use in shared mode and cannot be opened so: a VHDMP open
 * of a file already in OpenTable ([MS-RSVD] 3.2.5.1), or a VHDMP context on
 * a name without ":SharedVirtualDisk" ([MS-SMB2] 3.3.5.9.14). */
#define RSVD_STATUS_VHD_SHARED 0xC05CFF0Au
/** @} */

/** @name MS-RSVD 2.2.4.18 change-tracking status values
 * @{ */
/** Change tracking is not initialized. */
#define RSVD_STATUS_CHANGE_TRACKING_NOT_INITIALIZED 0xC03A0020u
/** The change-tracking log outgrew MaxLogFileSize. */
#define RSVD_STATUS_CHANGE_TRACKING_LOGSIZE_EXCEEDED_MAXSIZE 0xC03A0021u
/** The disk was changed while change tracking was not running. */
#define RSVD_STATUS_CHANGE_TRACKING_VHD_CHANGED_OFFLINE 0xC03A0022u
/** Change tracking is in a state that does not allow the request. */
#define RSVD_STATUS_CHANGE_TRACKING_INVALID_TRACKING_STATE 0xC03A0023u
/** The change-tracking file is inconsistent. */
#define RSVD_STATUS_CHANGE_TRACKING_INCONSISTENT_TRACKING_FILE 0xC03A0024u
/** @} */

/** Mask that separates STATUS_SVHDX_ERROR_STORED from its StatusKey. */
#define RSVD_STATUS_SVHDX_ERROR_STORED_MASK 0xFFFFFF00u

/** @return true if @p status is STATUS_SVHDX_ERROR_STORED | key, any key. */
RSVD_API bool rsvd_status_is_error_stored(uint32_t status);

/**
 * @return true if @p status is one of the error codes MS-RSVD 2.2.3 lists
 * (STATUS_SVHDX_ERROR_STORED with any key included).
 */
RSVD_API bool rsvd_status_is_rsvd_error(uint32_t status);

/** @return true if @p status has severity "error" (top two bits 11). */
static inline bool rsvd_status_is_error(uint32_t status)
{
    return (status & 0xC0000000u) == 0xC0000000u;
}

/**
 * @return the symbolic name of an NTSTATUS value ("STATUS_INVALID_PARAMETER"),
 * "STATUS_SVHDX_ERROR_STORED" for any key, or NULL for a value not known
 * to the library.
 */
RSVD_API const char *rsvd_status_name(uint32_t status);

/**
 * Formats @p status for logs: its name when known, plus the StatusKey of a
 * stored error ("STATUS_SVHDX_ERROR_STORED|0x01"), else "0xC0001234".
 * Always NUL-terminates when @p cap > 0.
 *
 * @return @p buf.
 */
RSVD_API char *rsvd_status_format(uint32_t status, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* RSVD_STATUS_H */
