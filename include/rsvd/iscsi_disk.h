/*
 * librsvd - the iSCSI virtual SCSI disk: an rsvd_scsi_disk_ops over one
 * logical unit of an iSCSI target, through libiscsi.
 *
 * Built and installed only when librsvd is configured with the iscsi
 * feature (meson -Discsi=enabled, or auto with libiscsi found); the header
 * is installed only then.
 *
 * Initiators. Every RSVD initiator is its own iSCSI initiator, so that the
 * target's own persistent reservations decide every conflict. All opens
 * that carry one InitiatorId share one iSCSI session (one I_T nexus),
 * logged in under the initiator name
 *
 *     <initiator_prefix>:<InitiatorId as a GUID string, lower case>
 *
 * e.g. iqn.2024-01.invalid.librsvd:00112233-4455-6677-8899-aabbccddeeff
 * (rsvd_iscsi_initiator_name() builds it; the GUID is read from its wire
 * bytes as Windows writes GUIDs: Data1, Data2, Data3 little-endian, Data4
 * as it is), and with a fixed ISID of the Random type (RFC 7143 11.12.5)
 * whose 24-bit random field and 16-bit qualifier are a hash of the
 * InitiatorId. The same InitiatorId therefore always logs in as the same
 * iSCSI initiator port. Opens without an initiator share one session named
 * <initiator_prefix>:no-initiator; they act as an initiator that never
 * registers: the backend answers their PERSISTENT RESERVE OUT with
 * RESERVATION CONFLICT without sending it, as the built-in disk does.
 *
 * A session ends when the last open of its initiator closes, unless the
 * initiator holds a registration (it sent a successful REGISTER or REGISTER
 * AND IGNORE EXISTING KEY with a nonzero key, and no later one with key 0):
 * then the session stays logged in until the disk is destroyed, because
 * targets such as tgtd bind a registration to the session rather than to
 * the initiator port, and a new session would no longer be recognised as
 * the registrant (docs/backends.md).
 *
 * Results are reported as by the built-in disk (rsvd/scsi_disk.h):
 *  - status STATUS_SUCCESS and scsi the command's outcome: GOOD ->
 *    SRB_STATUS_SUCCESS; CHECK CONDITION -> SRB_STATUS_ERROR with
 *    sense_auto_generated and the target's sense data (its first 20 bytes);
 *    RESERVATION CONFLICT and any other status -> SRB_STATUS_ERROR without
 *    sense. SMB2 READ/WRITE (the read and write functions) go to the target
 *    as READ(16)/WRITE(16) and report the same way.
 *  - status a STATUS_SVHDX_UNIT_ATTENTION_* code ([MS-RSVD] 2.2.3) when the
 *    target answered CHECK CONDITION with UNIT ATTENTION sense
 *    (rsvd_scsi_sense_ua_status()); scsi still holds the CHECK CONDITION
 *    and the sense. The target clears the attention, so it is seen once.
 *  - status another NTSTATUS when the command could not be carried out:
 *    STATUS_DEVICE_NOT_READY (no session: login failed or the connection
 *    was lost), STATUS_IO_TIMEOUT (no answer within the timeout),
 *    STATUS_IO_DEVICE_ERROR (a protocol error), STATUS_INSUFFICIENT_RESOURCES.
 *  - a command issued while the session already has queue_depth commands
 *    in flight completes with SCSI status TASK SET FULL (0x28, [SAM-4] 5.3)
 *    without reaching the target.
 *
 * Commands the backend issues itself (READ CAPACITY(16) for get_info, TEST
 * UNIT READY for validate) may meet a unit attention meant for the guest:
 * the backend keeps it and reports it, as the target would have, on the
 * initiator's next command (REQUEST SENSE returns it as its data). A
 * target that answers REQUEST SENSE with CHECK CONDITION and keeps a
 * pending attention (tgtd) gets SAM-4's answer made for it: GOOD, the
 * attention's sense as data, the attention cleared by a TEST UNIT READY.
 * Every other command and answer passes through unchanged.
 *
 * Asynchronous use. Each session is a TCP connection. With `synchronous`
 * false, open, the commands and close complete later, from
 * rsvd_iscsi_disk_service(): the host adds the descriptors of
 * rsvd_iscsi_disk_pollfds() to its poll set and calls the service function
 * with what poll returned, and at least once a second (command timeouts are
 * checked there). With `synchronous` true every function completes before it
 * returns (it waits in poll() on that session's connection); simple hosts
 * and tests use this.
 *
 * Memory: the disk, its session table and each session's command slots are
 * allocated through rsvd_mem (sessions at the first open of an initiator).
 * libiscsi allocates its own task and PDUs for every command with malloc;
 * that is the one allocation on the command path, and it is libiscsi's.
 *
 * Threads: none are created; calls must come from one thread at a time,
 * the one that drives the server. Do not destroy the disk from inside a
 * completion.
 */
#ifndef RSVD_ISCSI_DISK_H
#define RSVD_ISCSI_DISK_H

#include <poll.h>

#include <rsvd/backend.h>
#include <rsvd/common.h>
#include <rsvd/file_store.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @file
 * @brief The iSCSI virtual SCSI disk (libiscsi): one initiator per RSVD
 * InitiatorId, the target's persistent reservations.
 */

/** Opaque iSCSI disk: one logical unit of one target. */
typedef struct rsvd_iscsi_disk rsvd_iscsi_disk;

/** Default initiator-name prefix (a reserved domain: set your own). */
#define RSVD_ISCSI_DEFAULT_INITIATOR_PREFIX "iqn.2024-01.invalid.librsvd"
/** Longest iSCSI name (RFC 7143 6.1: 223 bytes), without the NUL. */
#define RSVD_ISCSI_NAME_MAX 223u
/** Default command timeout, seconds. */
#define RSVD_ISCSI_DEFAULT_TIMEOUT 30u
/** Default bound on sessions (initiators) at one time. */
#define RSVD_ISCSI_DEFAULT_MAX_SESSIONS 64u
/** Default bound on commands in flight per session. */
#define RSVD_ISCSI_DEFAULT_QUEUE_DEPTH 32u

/** Configuration of an iSCSI disk. The strings are copied. */
typedef struct rsvd_iscsi_disk_config {
    /** Set by RSVD_STRUCT_INIT(rsvd_iscsi_disk_config): the size the caller was built with. */
    size_t struct_size;
    /** Target portal, "host:port" or "[v6addr]:port" (port 3260 if omitted).
     * Required. */
    const char *portal;
    /** Target name (iqn....). Required. */
    const char *target;
    /** Logical unit number. */
    uint32_t lun;
    /** Initiator-name prefix: "iqn." followed by lower-case letters, digits,
     * '-', '.' and ':' only, short enough for the whole name to fit
     * RSVD_ISCSI_NAME_MAX (NULL: RSVD_ISCSI_DEFAULT_INITIATOR_PREFIX). */
    const char *initiator_prefix;
    /** CHAP user name (NULL: no authentication). */
    const char *chap_user;
    /** CHAP password, used with chap_user. */
    const char *chap_password;
    /** Command and login timeout in seconds (0: 30). */
    uint32_t timeout_s;
    /** Most sessions (initiators, lingering registrants included) at one
     * time; an open for one more initiator fails with
     * STATUS_INSUFFICIENT_RESOURCES (0: 64). */
    uint32_t max_sessions;
    /** Commands in flight per session (0: 32, at most 1024). */
    uint32_t queue_depth;
    /** Complete every call before it returns (see the file comment). */
    bool synchronous;
    /** The virtual disk id that get_info reports (the VHDX's
     * VirtualDiskId); zero if not set. */
    rsvd_guid disk_id;
    /** Allocator (NULL: the C library's). */
    const rsvd_mem *mem;
} rsvd_iscsi_disk_config;

/**
 * Creates a disk. Nothing is connected until the first open.
 * @return RSVD_OK; RSVD_E_INVAL (a missing portal or target, an invalid
 * prefix, queue_depth above 1024); RSVD_E_NOMEM.
 */
RSVD_API int rsvd_iscsi_disk_create(const rsvd_iscsi_disk_config *cfg, rsvd_iscsi_disk **out);

/**
 * Logs every remaining session out (waiting at most the timeout for each)
 * and frees @p disk. NULL is accepted.
 * @return RSVD_OK, or RSVD_E_BUSY (nothing freed) while handles are open.
 */
RSVD_API int rsvd_iscsi_disk_destroy(rsvd_iscsi_disk *disk);

/**
 * The virtual-SCSI-disk functions; pass the rsvd_iscsi_disk as context.
 * One disk serves one logical unit: the open's file name is not looked at
 * (a host with several shared disks picks the disk by name itself).
 *
 *  - open: joins the initiator's session, or creates it and logs in (TCP
 *    connect, iSCSI login, then READ CAPACITY(16) for the geometry; unit
 *    attentions a new I_T nexus holds at login — POWER ON, RESET, I_T NEXUS
 *    LOSS — are consumed there, since the built-in disk never raises them).
 *    A failure completes with STATUS_DEVICE_NOT_READY (connection or login
 *    refused: rsvd_iscsi_disk_last_error() says why), STATUS_NO_SUCH_DEVICE
 *    (the target has no such LUN), STATUS_IO_TIMEOUT or
 *    STATUS_INSUFFICIENT_RESOURCES.
 *  - close: releases the handle (with delete_file: STATUS_NOT_SUPPORTED,
 *    the handle is released anyway).
 *  - read/write: READ(16)/WRITE(16); offset and length must be multiples of
 *    the logical block size (else CHECK CONDITION, ILLEGAL REQUEST, INVALID
 *    FIELD IN CDB, without reaching the target); result.bytes is the length
 *    transferred.
 *  - execute: the CDB goes to the target unchanged with the data-out bytes
 *    or into the data-in buffer (data_in_cap is the expected transfer
 *    length); result.bytes is what the target returned (its residual taken
 *    off). PERSISTENT RESERVE OUT on an open without an initiator:
 *    RESERVATION CONFLICT.
 *  - get_info: READ CAPACITY(16): logical and physical block size, virtual
 *    size; VHD_TYPE_FIXED, block size 0, no linkage, mounted, 4 KiB aligned
 *    (the disk's data starts at LBA 0 of the logical unit), file size = the
 *    virtual size (the target's storage is not visible), disk_id.
 *  - validate: TEST UNIT READY; valid when GOOD.
 *  - query_info: FileStandardInformation, FileEndOfFileInformation,
 *    FileNetworkOpenInformation with the sizes of the last READ CAPACITY.
 *  - set_info: rename STATUS_NOT_SUPPORTED, link STATUS_INVALID_PARAMETER,
 *    anything else STATUS_NOT_SUPPORTED.
 */
RSVD_API const rsvd_scsi_disk_ops *rsvd_iscsi_disk_backend_ops(void);

/**
 * Builds the initiator name for @p initiator_id (see the file comment);
 * @p has_initiator false gives the name of the opens without an initiator.
 * @p prefix NULL takes the default.
 * @return RSVD_OK; RSVD_E_INVAL (invalid prefix); RSVD_E_NOSPC (@p cap too
 * small: RSVD_ISCSI_NAME_MAX + 1 always suffices).
 */
RSVD_API int rsvd_iscsi_initiator_name(const char *prefix, const rsvd_guid *initiator_id,
                                       bool has_initiator, char *buf, size_t cap);

/**
 * Fills @p fds (room for @p cap) with one entry per session that has a
 * connection: its descriptor and the events libiscsi waits for.
 * @return the number of sessions with a connection (may exceed @p cap:
 * only @p cap entries are filled then).
 */
RSVD_API size_t rsvd_iscsi_disk_pollfds(const rsvd_iscsi_disk *disk, struct pollfd *fds,
                                        size_t cap);

/**
 * Services the sessions: reads and writes what the connections are ready
 * for (the revents of @p fds, as filled by rsvd_iscsi_disk_pollfds() and
 * poll()), checks timeouts on every session, and completes what finished.
 * @p fds may be NULL (timeouts only).
 * @return the number of calls completed.
 */
RSVD_API size_t rsvd_iscsi_disk_service(rsvd_iscsi_disk *disk, const struct pollfd *fds,
                                        size_t n);

/**
 * Convenience for hosts without their own loop: poll()s every session for
 * up to @p timeout_ms and services them.
 * @return the number of calls completed, or RSVD_E_IO if poll failed.
 */
RSVD_API int rsvd_iscsi_disk_run(rsvd_iscsi_disk *disk, int timeout_ms);

/** @return the calls not yet completed (opens, commands, closes). */
RSVD_API size_t rsvd_iscsi_disk_pending(const rsvd_iscsi_disk *disk);

/** @return the last failure: its NTSTATUS and one line of English
 * ("login to iqn... at 127.0.0.1:3260 as iqn...: ..."); status
 * STATUS_SUCCESS and an empty reason when nothing failed. */
RSVD_API const rsvd_backend_diag *rsvd_iscsi_disk_last_error(const rsvd_iscsi_disk *disk);

#ifdef __cplusplus
}
#endif

#endif /* RSVD_ISCSI_DISK_H */
