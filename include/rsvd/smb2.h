/*
 * librsvd - the SMB2 identifiers the core API speaks in ([MS-SMB2] 2.2).
 *
 * Command codes, header flags, dialects, the decoded header and FileId,
 * LOCK elements and LockSequence, oplock levels, capabilities, create-context
 * names, and the sizes of the resiliency FSCTL's messages. Types and
 * constants only: the message codecs are the toolkit's (rsvd/wire_smb2.h);
 * the MS-RSVD identifiers are in rsvd/svhdx.h.
 */
#ifndef RSVD_SMB2_H
#define RSVD_SMB2_H

#include <rsvd/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @file
 * @brief SMB2 protocol identifiers and the few decoded structures the core
 * API names ([MS-SMB2] 2.2); no codecs.
 */

/** @name SMB2 header Command values ([MS-SMB2] 2.2.1)
 * @{ */
/** SMB2 NEGOTIATE. */
#define RSVD_SMB2_NEGOTIATE 0x0000u
/** SMB2 SESSION_SETUP. */
#define RSVD_SMB2_SESSION_SETUP 0x0001u
/** SMB2 LOGOFF. */
#define RSVD_SMB2_LOGOFF 0x0002u
/** SMB2 TREE_CONNECT. */
#define RSVD_SMB2_TREE_CONNECT 0x0003u
/** SMB2 TREE_DISCONNECT. */
#define RSVD_SMB2_TREE_DISCONNECT 0x0004u
/** SMB2 CREATE. */
#define RSVD_SMB2_CREATE 0x0005u
/** SMB2 CLOSE. */
#define RSVD_SMB2_CLOSE 0x0006u
/** SMB2 FLUSH. */
#define RSVD_SMB2_FLUSH 0x0007u
/** SMB2 READ. */
#define RSVD_SMB2_READ 0x0008u
/** SMB2 WRITE. */
#define RSVD_SMB2_WRITE 0x0009u
/** SMB2 LOCK. */
#define RSVD_SMB2_LOCK 0x000Au
/** SMB2 IOCTL. */
#define RSVD_SMB2_IOCTL 0x000Bu
/** SMB2 CANCEL. */
#define RSVD_SMB2_CANCEL 0x000Cu
/** SMB2 ECHO. */
#define RSVD_SMB2_ECHO 0x000Du
/** SMB2 QUERY_DIRECTORY. */
#define RSVD_SMB2_QUERY_DIRECTORY 0x000Eu
/** SMB2 CHANGE_NOTIFY. */
#define RSVD_SMB2_CHANGE_NOTIFY 0x000Fu
/** SMB2 QUERY_INFO. */
#define RSVD_SMB2_QUERY_INFO 0x0010u
/** SMB2 SET_INFO. */
#define RSVD_SMB2_SET_INFO 0x0011u
/** SMB2 OPLOCK_BREAK. */
#define RSVD_SMB2_OPLOCK_BREAK 0x0012u
/** @} */

/** @name SMB2 header Flags ([MS-SMB2] 2.2.1)
 * @{ */
/** SMB2_FLAGS_SERVER_TO_REDIR: the message is a response. */
#define RSVD_SMB2_FLAGS_SERVER_TO_REDIR 0x00000001u
/** SMB2_FLAGS_ASYNC_COMMAND: the ASYNC header form (AsyncId in place of
 * Reserved and TreeId). */
#define RSVD_SMB2_FLAGS_ASYNC_COMMAND 0x00000002u
/** SMB2_FLAGS_RELATED_OPERATIONS: a related member of a compound. */
#define RSVD_SMB2_FLAGS_RELATED_OPERATIONS 0x00000004u
/** SMB2_FLAGS_SIGNED: the message is signed. */
#define RSVD_SMB2_FLAGS_SIGNED 0x00000008u
/** SMB2_FLAGS_PRIORITY_MASK: the I/O priority, 0-7 (3.1.1 only). */
#define RSVD_SMB2_FLAGS_PRIORITY_MASK 0x00000070u
/** SMB2_FLAGS_DFS_OPERATIONS: a DFS operation. */
#define RSVD_SMB2_FLAGS_DFS_OPERATIONS 0x10000000u
/** SMB2_FLAGS_REPLAY_OPERATION: a replayed request (3.x only). */
#define RSVD_SMB2_FLAGS_REPLAY_OPERATION 0x20000000u
/** @} */

/** @name SMB2 dialect revision numbers ([MS-SMB2] 2.2.3)
 * @{ */
/** SMB 2.0.2. */
#define RSVD_SMB2_DIALECT_202 0x0202u
/** SMB 2.1. */
#define RSVD_SMB2_DIALECT_210 0x0210u
/** SMB 3.0. */
#define RSVD_SMB2_DIALECT_300 0x0300u
/** SMB 3.0.2 (the first dialect that carries RSVD, [MS-RSVD] 2.1). */
#define RSVD_SMB2_DIALECT_302 0x0302u
/** SMB 3.1.1. */
#define RSVD_SMB2_DIALECT_311 0x0311u
/** @} */

/**
 * SMB2 packet header, SYNC or ASYNC form ([MS-SMB2] 2.2.1.1, 2.2.1.2).
 * The form is chosen by RSVD_SMB2_FLAGS_ASYNC_COMMAND in flags: the ASYNC
 * form carries async_id, the SYNC form reserved and tree_id.
 */
typedef struct rsvd_smb2_hdr {
    /** CreditCharge: credits the request consumes (2.0.2: 0). */
    uint16_t credit_charge;
    /** Response: NTSTATUS. Request: ChannelSequence (low 16 bits) and
     * Reserved (3.x), or Status which the server ignores (2.0.2/2.1). */
    uint32_t status;
    /** Command: an RSVD_SMB2_* command code. */
    uint16_t command;
    /** CreditRequest in a request, CreditResponse in a response. */
    uint16_t credit;
    /** Flags: RSVD_SMB2_FLAGS_* bits; ASYNC_COMMAND picks the form. */
    uint32_t flags;
    /** NextCommand: offset from this header to the next one of a compound;
     * 0 for the last or only message. */
    uint32_t next_command;
    /** MessageId: identifies the request on the connection; the response
     * echoes it. */
    uint64_t message_id;
    /** AsyncId: ASYNC form only (0 after decoding a SYNC header). */
    uint64_t async_id;
    /** SYNC form only: Reserved (Windows clients send 0xFEFF). */
    uint32_t reserved;
    /** TreeId: the tree connect; SYNC form only (0 after decoding an ASYNC
     * header). */
    uint32_t tree_id;
    /** SessionId: the session (0 in NEGOTIATE). */
    uint64_t session_id;
    /** Signature: when SMB2_FLAGS_SIGNED is set, else zero. */
    uint8_t signature[16];
} rsvd_smb2_hdr;

/** @return true if @p h is a response (SMB2_FLAGS_SERVER_TO_REDIR). */
static inline bool rsvd_smb2_hdr_is_response(const rsvd_smb2_hdr *h)
{
    return (h->flags & RSVD_SMB2_FLAGS_SERVER_TO_REDIR) != 0;
}

/** @return true if @p h uses the ASYNC form. */
static inline bool rsvd_smb2_hdr_is_async(const rsvd_smb2_hdr *h)
{
    return (h->flags & RSVD_SMB2_FLAGS_ASYNC_COMMAND) != 0;
}

/** SMB2_FILEID ([MS-SMB2] 2.2.14.1). */
typedef struct rsvd_smb2_fileid {
    /** Persistent: survives a reconnect (the server's Open.DurableFileId). */
    uint64_t persistent_id;
    /** Volatile: may change on a reconnect (the server's Open.FileId). */
    uint64_t volatile_id;
} rsvd_smb2_fileid;

/** Size of SMB2_FILEID on the wire. */
#define RSVD_SMB2_FILEID_SIZE 16u

/** @return true if @p a and @p b name the same open (both halves equal). */
static inline bool rsvd_smb2_fileid_equal(const rsvd_smb2_fileid *a, const rsvd_smb2_fileid *b)
{
    return a->persistent_id == b->persistent_id && a->volatile_id == b->volatile_id;
}

/** IOCTL Flags: the request is an FSCTL (0 means an IOCTL). */
#define RSVD_SMB2_0_IOCTL_IS_FSCTL 0x00000001u

/** @name Options of rsvd_smb2_resiliency_req_build()
 * @{ */
/** OutputOffset = InputOffset + InputCount rounded up to 8 = 128, as
 * Windows clients send it ([MS-SMB2] 3.2.4.20.8 <173>). The default. */
#define RSVD_SMB2_RESILIENCY_OUTPUT_OFFSET_WINDOWS 0x0u
/** OutputOffset = 0, as the SHOULD of [MS-SMB2] 3.2.4.20.8 says. */
#define RSVD_SMB2_RESILIENCY_OUTPUT_OFFSET_ZERO 0x1u
/** @} */

/** @name FSCTL_LMR_REQUEST_RESILIENCY message sizes ([MS-SMB2] 3.2.4.20.8, 3.3.5.15.9)
 * @{ */
/** Length of the message rsvd_smb2_resiliency_req_build() writes. */
#define RSVD_SMB2_RESILIENCY_REQ_SIZE 128u
/** Length of the message rsvd_smb2_resiliency_rsp_build() writes. */
#define RSVD_SMB2_RESILIENCY_RSP_SIZE 112u
/** @} */

/** @name LOCK element Flags ([MS-SMB2] 2.2.26.1)
 * @{ */
/** SMB2_LOCKFLAG_SHARED_LOCK: a shared lock on the range. */
#define RSVD_SMB2_LOCKFLAG_SHARED_LOCK 0x00000001u
/** SMB2_LOCKFLAG_EXCLUSIVE_LOCK: an exclusive lock on the range. */
#define RSVD_SMB2_LOCKFLAG_EXCLUSIVE_LOCK 0x00000002u
/** SMB2_LOCKFLAG_UNLOCK: releases a lock on exactly this range. */
#define RSVD_SMB2_LOCKFLAG_UNLOCK 0x00000004u
/** SMB2_LOCKFLAG_FAIL_IMMEDIATELY: with SHARED or EXCLUSIVE, fail at once
 * instead of waiting for a conflicting lock. */
#define RSVD_SMB2_LOCKFLAG_FAIL_IMMEDIATELY 0x00000010u
/** @} */

/** Highest LockSequenceIndex a server tracks (1..64; 0 = no bucket). */
#define RSVD_SMB2_LOCK_SEQUENCE_INDEX_MAX 64u

/** @return LockSequenceNumber: the low 4 bits of the LockSequence field. */
static inline uint8_t rsvd_smb2_lock_seq_number(uint32_t lock_sequence)
{
    return (uint8_t)(lock_sequence & 0xFu);
}

/** @return LockSequenceIndex: the upper 28 bits of the LockSequence field. */
static inline uint32_t rsvd_smb2_lock_seq_index(uint32_t lock_sequence)
{
    return lock_sequence >> 4;
}

/** @return the LockSequence field (index << 4) | (number & 0xF); bits of
 * @p index above the 28 that fit are dropped. */
static inline uint32_t rsvd_smb2_lock_seq_encode(uint32_t index, uint8_t number)
{
    return (index << 4) | ((uint32_t)number & 0xFu);
}

/** SMB2_LOCK_ELEMENT ([MS-SMB2] 2.2.26.1); Reserved is skipped. */
typedef struct rsvd_smb2_lock_element {
    /** Offset: start of the range, in bytes. */
    uint64_t offset;
    /** Length: bytes in the range. */
    uint64_t length;
    /** Flags: RSVD_SMB2_LOCKFLAG_* (SHARED or EXCLUSIVE, either with
     * FAIL_IMMEDIATELY, or UNLOCK alone). */
    uint32_t flags;
} rsvd_smb2_lock_element;

/** SMB2 LOCK Request ([MS-SMB2] 2.2.26) as a whole message. */
typedef struct rsvd_smb2_lock_req {
    /** The SMB2 header (Command LOCK). */
    rsvd_smb2_hdr hdr;
    /** Number of elements; at least 1. */
    uint16_t lock_count;
    /** LockSequenceNumber (low 4 bits) and LockSequenceIndex (upper 28):
     * see rsvd_smb2_lock_seq_number() / _index(). */
    uint32_t lock_sequence;
    /** FileId: the open whose ranges are locked. */
    rsvd_smb2_fileid file_id;
    /** View: lock_count * 24 bytes of SMB2_LOCK_ELEMENTs; read them with
     * rsvd_smb2_lock_element_get(). */
    const uint8_t *locks;
} rsvd_smb2_lock_req;

/** @name Oplock levels ([MS-SMB2] 2.2.13 RequestedOplockLevel, 2.2.14 OplockLevel)
 * @{ */
/** SMB2_OPLOCK_LEVEL_NONE: no oplock. */
#define RSVD_SMB2_OPLOCK_LEVEL_NONE 0x00u
/** SMB2_OPLOCK_LEVEL_II: a level II (shared) oplock. */
#define RSVD_SMB2_OPLOCK_LEVEL_II 0x01u
/** SMB2_OPLOCK_LEVEL_EXCLUSIVE: an exclusive oplock. */
#define RSVD_SMB2_OPLOCK_LEVEL_EXCLUSIVE 0x08u
/** SMB2_OPLOCK_LEVEL_BATCH: a batch oplock. */
#define RSVD_SMB2_OPLOCK_LEVEL_BATCH 0x09u
/** SMB2_OPLOCK_LEVEL_LEASE: a lease, described by an RqLs context (not
 * 2.0.2). */
#define RSVD_SMB2_OPLOCK_LEVEL_LEASE 0xFFu
/** @} */

/** @name Create context names ([MS-SMB2] 2.2.13.2, 2.2.14.2)
 * A name is a byte string compared byte for byte. The 4-byte tags are ASCII
 * (the spec writes them as big-endian numbers: 0x44486e43 is 'D' 'H' 'n'
 * 'C'); pass RSVD_SMB2_CC_TAG_LEN as their length.
 * @{ */
/** Length of a 4-byte tag name. */
#define RSVD_SMB2_CC_TAG_LEN 4u
/** SMB2_CREATE_EA_BUFFER (FILE_FULL_EA_INFORMATION list). */
#define RSVD_SMB2_CC_EA_BUFFER "ExtA"
/** SMB2_CREATE_SD_BUFFER: a security descriptor for the new file. */
#define RSVD_SMB2_CC_SD_BUFFER "SecD"
/** SMB2_CREATE_DURABLE_HANDLE_REQUEST: asks for a durable open. */
#define RSVD_SMB2_CC_DURABLE_HANDLE_REQUEST "DHnQ"
/** SMB2_CREATE_DURABLE_HANDLE_RESPONSE (the request's tag). */
#define RSVD_SMB2_CC_DURABLE_HANDLE_RESPONSE "DHnQ"
/** SMB2_CREATE_DURABLE_HANDLE_RECONNECT: reconnects a durable or
 * resilient open. */
#define RSVD_SMB2_CC_DURABLE_HANDLE_RECONNECT "DHnC"
/** SMB2_CREATE_ALLOCATION_SIZE: the allocation size of a new file. */
#define RSVD_SMB2_CC_ALLOCATION_SIZE "AlSi"
/** SMB2_CREATE_QUERY_MAXIMAL_ACCESS_REQUEST: asks for the maximal
 * access the user has (the response has the same tag). */
#define RSVD_SMB2_CC_QUERY_MAXIMAL_ACCESS_REQUEST "MxAc"
/** SMB2_CREATE_TIMEWARP_TOKEN: opens a previous version of the file. */
#define RSVD_SMB2_CC_TIMEWARP_TOKEN "TWrp"
/** SMB2_CREATE_QUERY_ON_DISK_ID: asks for the file's on-disk id. */
#define RSVD_SMB2_CC_QUERY_ON_DISK_ID "QFid"
/** SMB2_CREATE_REQUEST_LEASE and _V2 (told apart by DataLength). */
#define RSVD_SMB2_CC_REQUEST_LEASE "RqLs"
/** SMB2_CREATE_DURABLE_HANDLE_REQUEST_V2: asks for a durable or persistent
 * open (3.x only). */
#define RSVD_SMB2_CC_DURABLE_HANDLE_REQUEST_V2 "DH2Q"
/** SMB2_CREATE_DURABLE_HANDLE_RESPONSE_V2 (the request's tag). */
#define RSVD_SMB2_CC_DURABLE_HANDLE_RESPONSE_V2 "DH2Q"
/** SMB2_CREATE_DURABLE_HANDLE_RECONNECT_V2: reconnects a durable open
 * (3.x only). */
#define RSVD_SMB2_CC_DURABLE_HANDLE_RECONNECT_V2 "DH2C"
/** SVHDX_OPEN_DEVICE_CONTEXT (and _V2, and their responses): a 16-byte name,
 * 0x9CCBCF9E04C1E643980E158DA1F6EC83 in network byte order (3.0.2 and
 * 3.1.1 only). Its data is MS-RSVD's (rsvd/wire_rsvd.h). */
#define RSVD_SMB2_CC_SVHDX_OPEN_DEVICE_CONTEXT                                                    \
    "\x9C\xCB\xCF\x9E\x04\xC1\xE6\x43\x98\x0E\x15\x8D\xA1\xF6\xEC\x83"
/** NameLength of RSVD_SMB2_CC_SVHDX_OPEN_DEVICE_CONTEXT. */
#define RSVD_SMB2_CC_SVHDX_OPEN_DEVICE_CONTEXT_LEN 16u
/** SMB2_CREATE_APP_INSTANCE_ID (2.2.13.2.13): a 16-byte name,
 * 0x45BCA66AEFA7F74A9008FA462E144D74 in network byte order (3.x only). */
#define RSVD_SMB2_CC_APP_INSTANCE_ID                                                              \
    "\x45\xBC\xA6\x6A\xEF\xA7\xF7\x4A\x90\x08\xFA\x46\x2E\x14\x4D\x74"
/** SMB2_CREATE_APP_INSTANCE_VERSION (2.2.13.2.15): a 16-byte name,
 * 0xB982D0B73B56074FA07B524A8116A010 in network byte order (3.1.1 only). */
#define RSVD_SMB2_CC_APP_INSTANCE_VERSION                                                         \
    "\xB9\x82\xD0\xB7\x3B\x56\x07\x4F\xA0\x7B\x52\x4A\x81\x16\xA0\x10"
/** NameLength of RSVD_SMB2_CC_APP_INSTANCE_ID and _VERSION. */
#define RSVD_SMB2_CC_APP_INSTANCE_LEN 16u
/** @} */

/** SMB2_DHANDLE_FLAG_PERSISTENT (Flags of DH2Q, DH2C and the DH2Q response):
 * a persistent handle is requested, or granted. */
#define RSVD_SMB2_DHANDLE_FLAG_PERSISTENT 0x00000002u

/** @name QUERY_INFO / SET_INFO InfoType ([MS-SMB2] 2.2.37)
 * @{ */
/** SMB2_0_INFO_FILE: file information ([MS-FSCC] 2.4). */
#define RSVD_SMB2_0_INFO_FILE 0x01u
/** SMB2_0_INFO_FILESYSTEM: file system information ([MS-FSCC] 2.5). */
#define RSVD_SMB2_0_INFO_FILESYSTEM 0x02u
/** SMB2_0_INFO_SECURITY: the security descriptor. */
#define RSVD_SMB2_0_INFO_SECURITY 0x03u
/** SMB2_0_INFO_QUOTA: quota information. */
#define RSVD_SMB2_0_INFO_QUOTA 0x04u
/** @} */

/** @name NEGOTIATE Capabilities ([MS-SMB2] 2.2.3, 2.2.4)
 * @{ */
/** SMB2_GLOBAL_CAP_DFS. */
#define RSVD_SMB2_GLOBAL_CAP_DFS 0x00000001u
/** SMB2_GLOBAL_CAP_LEASING. */
#define RSVD_SMB2_GLOBAL_CAP_LEASING 0x00000002u
/** SMB2_GLOBAL_CAP_LARGE_MTU: multi-credit requests. */
#define RSVD_SMB2_GLOBAL_CAP_LARGE_MTU 0x00000004u
/** SMB2_GLOBAL_CAP_MULTI_CHANNEL. */
#define RSVD_SMB2_GLOBAL_CAP_MULTI_CHANNEL 0x00000008u
/** SMB2_GLOBAL_CAP_PERSISTENT_HANDLES. */
#define RSVD_SMB2_GLOBAL_CAP_PERSISTENT_HANDLES 0x00000010u
/** SMB2_GLOBAL_CAP_DIRECTORY_LEASING. */
#define RSVD_SMB2_GLOBAL_CAP_DIRECTORY_LEASING 0x00000020u
/** SMB2_GLOBAL_CAP_ENCRYPTION. */
#define RSVD_SMB2_GLOBAL_CAP_ENCRYPTION 0x00000040u
/** @} */

/** @name TREE_CONNECT response Capabilities ([MS-SMB2] 2.2.10)
 * @{ */
/** SMB2_SHARE_CAP_DFS. */
#define RSVD_SMB2_SHARE_CAP_DFS 0x00000008u
/** SMB2_SHARE_CAP_CONTINUOUS_AVAILABILITY: the share offers persistent
 * handles. */
#define RSVD_SMB2_SHARE_CAP_CONTINUOUS_AVAILABILITY 0x00000010u
/** SMB2_SHARE_CAP_SCALEOUT. */
#define RSVD_SMB2_SHARE_CAP_SCALEOUT 0x00000020u
/** SMB2_SHARE_CAP_CLUSTER. */
#define RSVD_SMB2_SHARE_CAP_CLUSTER 0x00000040u
/** SMB2_SHARE_CAP_ASYMMETRIC. */
#define RSVD_SMB2_SHARE_CAP_ASYMMETRIC 0x00000080u
/** @} */

/** @name Lease state bits ([MS-SMB2] 2.2.13.2.8)
 * @{ */
/** SMB2_LEASE_READ_CACHING. */
#define RSVD_SMB2_LEASE_READ_CACHING 0x00000001u
/** SMB2_LEASE_HANDLE_CACHING. */
#define RSVD_SMB2_LEASE_HANDLE_CACHING 0x00000002u
/** SMB2_LEASE_WRITE_CACHING. */
#define RSVD_SMB2_LEASE_WRITE_CACHING 0x00000004u
/** @} */


#ifdef __cplusplus
}
#endif

#endif /* RSVD_SMB2_H */
