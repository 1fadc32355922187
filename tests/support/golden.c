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

    /* ---- rsvd_tunnel: [MS-RSVD] 2.2.4.1 - 2.2.4.14, examples 4.1 and 4.2 ---- */

    /* SVHDX_TUNNEL_OPERATION_HEADER (2.2.4.11) of a GET_INITIAL_INFO request,
     * RequestId 0x3028E5B600000001 (the id sequence of example 4.3). */
    {"rsvd_tunnel", "rsvd_tunnel_header_initial_info", false,
     "01100002 00000000 01000000B6E52830"},

    /* SVHDX_TUNNEL_INITIAL_INFO_REQUEST (2.2.4.13): the header alone, example
     * 4.1 (RequestId 0x000000001EC7871E). */
    {"rsvd_tunnel", "rsvd_initial_info_request_ex41", false,
     "01100002 00000000 1E87C71E00000000"},

    /* SVHDX_TUNNEL_INITIAL_INFO_RESPONSE (2.2.4.14), example 4.1: ServerVersion 1,
     * SectorSize 512, PhysicalSectorSize 256, VirtualSize 0x4000000000000000. */
    {"rsvd_tunnel", "rsvd_initial_info_response_ex41", false,
     "01100002 00000000 1E87C71E00000000 | 01000000 00020000 00010000 00000000"
     "0000000000000040"},

    /* SVHDX_TUNNEL_SCSI_REQUEST (2.2.4.7), example 4.2: READ CAPACITY(10) (CDB
     * byte 0 = 0x25; the example prints the 16-byte CDBBuffer as a little-endian
     * number), Length 36, CDBLength 16, SenseInfoExLength 20, Disposition 0x01
     * (data in), SrbFlags 0x0020014A, DataTransferLength 8, 8 zero data bytes. */
    {"rsvd_tunnel", "rsvd_scsi_request_read_capacity_ex42", false,
     "02100002 00000000 1E87C71E00000000 | 2400 0000 10 14 01 00 4A012000"
     "08000000 | 25000000000000000000000000000000 | 00000000 |"
     "0000000000000000"},

    /* SVHDX_TUNNEL_SCSI_RESPONSE (2.2.4.8), example 4.2: Length 36, SrbStatus 0,
     * ScsiStatus 0, CDBLength 16, SenseInfoExLength 20, Disposition 0x01, SrbFlags
     * 0x0020014A, DataTransferLength 8; SenseDataEx holds the request's CDB bytes
     * (Windows builds the response over the request), DataBuffer 8 zero bytes. */
    {"rsvd_tunnel", "rsvd_scsi_response_read_capacity_ex42", false,
     "02100002 00000000 1E87C71E00000000 | 2400 00 00 10 14 01 00 4A012000"
     "08000000 | 2500000000000000000000000000000000000000 | 0000000000000000"},

    /* SVHDX_TUNNEL_SCSI_RESPONSE (2.2.4.8) of a READ CAPACITY(10) with real data
     * (the shape of example 4.2): SrbStatus SUCCESS, CDBLength 10, 20 zero sense
     * bytes, DataTransferLength 8: last LBA 0x001FFFFF, block length 512 (SBC-3
     * 5.16.2, big-endian). */
    {"rsvd_tunnel", "rsvd_scsi_response_read_capacity_data", false,
     "02100002 00000000 0300000000000000 | 2400 01 00 0A 14 01 00 40000000"
     "08000000 | 0000000000000000000000000000000000000000 | 001FFFFF 00000200"},

    /* SVHDX_TUNNEL_SCSI_REQUEST (2.2.4.7) carrying data out: PERSISTENT RESERVE
     * OUT, service action REGISTER (SPC-3 6.12: CDB 5F 00 00 00 00 00 00 00 18 00,
     * parameter list length 24), SrbFlags DATA_OUT, Disposition 0x00 (data out),
     * DataTransferLength 24; the parameter list registers key 0x0123456789ABCDEF. */
    {"rsvd_tunnel", "rsvd_scsi_request_pr_out_register", false,
     "02100002 00000000 0400000000000000 | 2400 0000 0A 14 00 00 80000000"
     "18000000 | 5F00000000000000 1800000000000000 | 00000000 |"
     "0000000000000000 0123456789ABCDEF 00000000 00 00 0000"},

    /* SVHDX_TUNNEL_SCSI_RESPONSE (2.2.4.8) answering the PERSISTENT RESERVE OUT
     * above: SrbStatus SUCCESS, GOOD, Length 36 with a zeroed 20-byte sense area,
     * no data. */
    {"rsvd_tunnel", "rsvd_scsi_response_no_data", false,
     "02100002 00000000 0400000000000000 | 2400 01 00 0A 14 00 00 80000000"
     "00000000 | 0000000000000000000000000000000000000000"},

    /* SVHDX_TUNNEL_SRB_STATUS_REQUEST (2.2.4.3): StatusKey 0x01 (the first stored
     * error, STATUS_SVHDX_ERROR_STORED|0x01) and 27 reserved bytes. */
    {"rsvd_tunnel", "rsvd_srb_status_request", false,
     "04100002 00000000 0500000000000000 | 01"
     "000000000000000000000000000000000000000000000000000000"},

    /* SVHDX_TUNNEL_SRB_STATUS_RESPONSE (2.2.4.4) with SenseInfoAutoGenerated: byte
     * 1 = 0x80 | SRB_STATUS_ERROR (0x04), ScsiStatus CHECK CONDITION, 20 bytes of
     * fixed-format sense: UNIT ATTENTION, ASC/ASCQ 2A/03 (reservations preempted). */
    {"rsvd_tunnel", "rsvd_srb_status_response_autosense", false,
     "04100002 00000000 0500000000000000 | 01 84 02 14 | 70 00 06 00000000 0C"
     "00000000 2A 03 000000000000"},

    /* SVHDX_TUNNEL_SRB_STATUS_RESPONSE (2.2.4.4) for the error a server stores on
     * I/O through an open without an initiator (3.2.5.3 <12>, 3.2.5.4 <14>):
     * SrbStatus 0x02, ScsiStatus 0x02, sense F0 00 00 00 00 00 00 0A + 12 zeros. */
    {"rsvd_tunnel", "rsvd_srb_status_response_no_initiator", false,
     "04100002 00000000 0600000000000000 | 01 02 02 14 | F0000000000000 0A"
     "000000000000000000000000"},

    /* SVHDX_TUNNEL_DISK_INFO_REQUEST (2.2.4.5): 56 bytes the client sets to zero. */
    {"rsvd_tunnel", "rsvd_disk_info_request", false,
     "05100002 00000000 0700000000000000 |"
     "000000000000000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000000000000"},

    /* SVHDX_TUNNEL_DISK_INFO_RESPONSE (2.2.4.6): VHD_TYPE_DYNAMIC, VHDX, BlockSize
     * 32 MiB, LinkageID zero, mounted, 4K-aligned, FileSize 0x04400000,
     * VirtualDiskId 11223344-5566-7788-9900-AABBCCDDEEFF as wire bytes. */
    {"rsvd_tunnel", "rsvd_disk_info_response", false,
     "05100002 00000000 0700000000000000 | 03000000 03000000 00000002 |"
     "00000000000000000000000000000000 | 01 01 0000 | 0000400400000000 |"
     "11223344556677889900AABBCCDDEEFF"},

    /* SVHDX_TUNNEL_VALIDATE_DISK_REQUEST (2.2.4.9): 56 reserved zero bytes. */
    {"rsvd_tunnel", "rsvd_validate_disk_request", false,
     "06100002 00000000 0800000000000000 |"
     "000000000000000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000000000000"},

    /* SVHDX_TUNNEL_VALIDATE_DISK_RESPONSE (2.2.4.10): IsValidDisk TRUE. */
    {"rsvd_tunnel", "rsvd_validate_disk_response", false,
     "06100002 00000000 0800000000000000 | 01"},

    /* SVHDX_TUNNEL_CHECK_CONNECTION_REQUEST / _RESPONSE (2.2.4.1, 2.2.4.2): the
     * header alone, Status 0, in both directions. */
    {"rsvd_tunnel", "rsvd_check_connection", false,
     "03100002 00000000 0900000000000000"},

    /* ---- rsvd_tunnel_v2: [MS-RSVD] 2.2.4.17 - 2.2.4.40, examples 4.3 and 4.4 - */

    /* SVHDX_META_OPERATION_START_REQUEST (2.2.4.17) + _CREATE_SNAPSHOT
     * (2.2.4.17.1), example 4.3's first request: TransactionId
     * 6abc134e-c798-11e4-aecf-0202c94fd1d1, CreateSnapshot, Reserved ("Padding") 0,
     * VM snapshot, ENABLE_CHANGE_TRACKING, Stage1 Initialize, Stage2-6 Invalid,
     * SnapshotId 5ac07013-edb8-4e2c-9784-6edd2843f269, ParametersPayloadSize 0. */
    {"rsvd_tunnel_v2", "rsvd_meta_op_create_snapshot_initialize_ex43", false,
     "01210002 00000000 02000000B6E52830 | 4E13BC6A98C7E411AECF0202C94FD1D1"
     "01000000 00000000 | 01000000 01000000 01000000 00000000 00000000"
     "00000000 00000000 00000000 | 1370C05AB8ED2C4E97846EDD2843F269 00000000"},

    /* The same, example 4.3's second request (RequestId ...03): Flags 0,
     * stages BlockIO, SwitchObjectStore, UnblockIO, Finalize, Invalid, Invalid. */
    {"rsvd_tunnel_v2", "rsvd_meta_op_create_snapshot_finalize_ex43", false,
     "01210002 00000000 03000000B6E52830 | 4E13BC6A98C7E411AECF0202C94FD1D1"
     "01000000 00000000 | 01000000 00000000 02000000 03000000 04000000"
     "05000000 00000000 00000000 | 1370C05AB8ED2C4E97846EDD2843F269 00000000"},

    /* SVHDX_META_OPERATION_REPLY (2.2.4.18), example 4.3: ChangeTrackingErrorStatus 0. */
    {"rsvd_tunnel_v2", "rsvd_meta_op_reply_ex43", false,
     "01210002 00000000 02000000B6E52830 | 00000000"},

    /* SVHDX_TUNNEL_VHDSET_QUERY_INFORMATION_REQUEST (2.2.4.19), example 4.4:
     * SnapshotList, SnapshotType VM, SnapshotId zero. */
    {"rsvd_tunnel_v2", "rsvd_vhdset_query_info_request_ex44", false,
     "05200002 00000000 02000000A7160955 | 02000000 01000000 |"
     "00000000000000000000000000000000"},

    /* ..._SNAPSHOT_LIST_RESPONSE (2.2.4.20), example 4.4: SnapshotList,
     * Reserved1 ("Padding") 1, ResponseComplete 1, 2 snapshots
     * 4d051d8d-d120-4ec5-ba14-a2bc02219678, 71836f8b-210e-4896-aac6-1c4e3a8e81ef. */
    {"rsvd_tunnel_v2", "rsvd_vhdset_snapshot_list_response_ex44", false,
     "05200002 00000000 02000000A7160955 | 02000000 01000000 01 000000"
     "02000000 | 8D1D054D20D1C54EBA14A2BC02219678"
     "8B6F83710E219648AAC61C4E3A8E81EF"},

    /* START (2.2.4.17) + CREATE_SNAPSHOT (2.2.4.17.1) of a CDP snapshot, Stage1
     * Initialize, with the CREATE_CDP_PARAMETER block (2.2.4.17.1.1): LogFileNameOffset
     * 0, LogFileNameLength 0, LogFileId F1F2...FF00 as wire bytes. */
    {"rsvd_tunnel_v2", "rsvd_meta_op_create_cdp_snapshot", false,
     "01210002 00000000 1000000000000000 | A1A2A3A4B1B2C1C2D1D2D3D4D5D6D7D8"
     "01000000 00000000 | 03000000 00000000 01000000"
     "0000000000000000000000000000000000000000 |"
     "0102030405060708090A0B0C0D0E0F10 00000000 | 00000000 00000000"
     "F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF00"},

    /* START (2.2.4.17) + EXTRACT (2.2.4.17.2): VM snapshot, DELETE_ON_CLOSE,
     * source = example 4.3's snapshot, no limit, DestinationFileName "x.vhdx" with
     * its NUL (14 bytes). */
    {"rsvd_tunnel_v2", "rsvd_meta_op_extract", false,
     "01210002 00000000 1100000000000000 | 4E13BC6A98C7E411AECF0202C94FD1D1"
     "03000000 00000000 | 01000000 00000000 01000000"
     "1370C05AB8ED2C4E97846EDD2843F269 00000000000000000000000000000000"
     "0E000000 | 78002E007600680064007800 0000"},

    /* START (2.2.4.17) + CONVERT_TO_VHDSET (2.2.4.17.3): "d.vhds" with its NUL. */
    {"rsvd_tunnel_v2", "rsvd_meta_op_convert_to_vhdset", false,
     "01210002 00000000 1200000000000000 | 4E13BC6A98C7E411AECF0202C94FD1D1"
     "04000000 00000000 | 0E000000 | 64002E007600680064007300 0000"},

    /* START (2.2.4.17) + RESIZE_VIRTUAL_DISK (2.2.4.17.4): NewSize 4 GiB,
     * ExpandOnly. */
    {"rsvd_tunnel_v2", "rsvd_meta_op_resize", false,
     "01210002 00000000 1300000000000000 | 4E13BC6A98C7E411AECF0202C94FD1D1"
     "00000000 00000000 | 0000000001000000 01 00 00 00"},

    /* START (2.2.4.17) + SVHDX_APPLY_SNAPSHOT_PARAMS (2.2.4.36): VM snapshot
     * example 4.3's SnapshotId. */
    {"rsvd_tunnel_v2", "rsvd_meta_op_apply_snapshot", false,
     "01210002 00000000 1400000000000000 | 4E13BC6A98C7E411AECF0202C94FD1D1"
     "05000000 00000000 | 01000000 1370C05AB8ED2C4E97846EDD2843F269"},

    /* START (2.2.4.17) of an Optimize: no Data. */
    {"rsvd_tunnel_v2", "rsvd_meta_op_optimize", false,
     "01210002 00000000 1500000000000000 | 4E13BC6A98C7E411AECF0202C94FD1D1"
     "02000000 00000000"},

    /* ..._SNAPSHOT_ENTRY_RESPONSE (2.2.4.21): SnapshotEntry, Reserved 0, created
     * 0x0000018D2A3C5E00 ms after 1970, VM, valid, example 4.3's SnapshotId, no
     * parent, no log file. */
    {"rsvd_tunnel_v2", "rsvd_vhdset_snapshot_entry_response", false,
     "05200002 00000000 1600000000000000 | 05000000 00000000 005E3C2A8D010000"
     "01000000 01000000 | 1370C05AB8ED2C4E97846EDD2843F269"
     "00000000000000000000000000000000 00000000000000000000000000000000"},

    /* ..._OPTIMIZE_RESPONSE (2.2.4.22): OptimizeNeeded, Reserved 0, needed 1. */
    {"rsvd_tunnel_v2", "rsvd_vhdset_optimize_response", false,
     "05200002 00000000 1700000000000000 | 08000000 00000000 01000000"},

    /* SVHDX_META_OPERATION_QUERY_PROGRESS_REQUEST (2.2.4.23): example 4.3's
     * TransactionId. */
    {"rsvd_tunnel_v2", "rsvd_query_progress_request", false,
     "02200002 00000000 1800000000000000 | 4E13BC6A98C7E411AECF0202C94FD1D1"},

    /* SVHDX_META_OPERATION_QUERY_PROGRESS_RESPONSE (2.2.4.24): 0x40 of 0x100. */
    {"rsvd_tunnel_v2", "rsvd_query_progress_response", false,
     "02200002 00000000 1800000000000000 | 4000000000000000 0001000000000000"},

    /* SVHDX_CHANGE_TRACKING_GET_PARAMETERS_RESPONSE (2.2.4.25): success, Reserved
     * 0, LogFileSize 1 MiB. */
    {"rsvd_tunnel_v2", "rsvd_ct_get_parameters_response", false,
     "08200002 00000000 1900000000000000 | 00000000 00000000 0000100000000000"},

    /* SVHDX_TUNNEL_DELETE_SNAPSHOT_REQUEST (2.2.4.26): example 4.3's snapshot,
     * PersistReference FALSE, VM. */
    {"rsvd_tunnel_v2", "rsvd_delete_snapshot_request", false,
     "06200002 00000000 1A00000000000000 | 1370C05AB8ED2C4E97846EDD2843F269"
     "00000000 01000000"},

    /* SVHDX_CHANGE_TRACKING_START_REQUEST (2.2.4.27): LogFileNameOffset 0,
     * LogFileNameLength 0, LogFileId F1..00, unbounded, AppendData FALSE. */
    {"rsvd_tunnel_v2", "rsvd_ct_start_request", false,
     "09200002 00000000 1B00000000000000 | 4E13BC6A98C7E411AECF0202C94FD1D1"
     "00000000 00000000 F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF00 0000000000000000"
     "00000000 00000000"},

    /* SVHDX_CHANGE_TRACKING_STOP_RESPONSE (2.2.4.30), appended whatever the Status
     * (3.2.5.5.13): header Status and ChangeTrackingStatus
     * CHANGE_TRACKING_NOT_INITIALIZED (0xC03A0020). */
    {"rsvd_tunnel_v2", "rsvd_ct_stop_response", false,
     "0A200002 20003AC0 1C00000000000000 | 20003AC0"},

    /* SVHDX_TUNNEL_QUERY_VIRTUAL_DISK_CHANGES_REQUEST (2.2.4.37): between example
     * 4.4's two snapshots, VM, the first GiB. */
    {"rsvd_tunnel_v2", "rsvd_query_changes_request", false,
     "0C200002 00000000 1D00000000000000 | 8D1D054D20D1C54EBA14A2BC02219678"
     "8B6F83710E219648AAC61C4E3A8E81EF 01000000 00000000 0000000000000000"
     "0000004000000000"},

    /* SVHDX_TUNNEL_QUERY_VIRTUAL_DISK_CHANGES_REPLY (2.2.4.38): the whole GiB
     * processed, 2 ranges (2.2.4.39): [0, 1 MiB) and [2 MiB, 2 MiB + 64 KiB). */
    {"rsvd_tunnel_v2", "rsvd_query_changes_reply", false,
     "0C200002 00000000 1D00000000000000 | 0000004000000000 02000000 00000000"
     "| 0000000000000000 0000100000000000 0000000000000000 | 0000200000000000"
     "0000010000000000 0000000000000000"},

    /* SVHDX_TUNNEL_QUERY_SAFE_SIZE_RESPONSE (2.2.4.40): 2 GiB. */
    {"rsvd_tunnel_v2", "rsvd_query_safe_size_response", false,
     "0D200002 00000000 1E00000000000000 | 0000008000000000"},

    /* ---- rsvd_open: [MS-RSVD] 2.2.4.12, 2.2.4.16, 2.2.4.31 - 2.2.4.35, [MS-FSCC] 2.4.16 */

    /* SVHDX_OPEN_DEVICE_CONTEXT (2.2.4.12), example 4.1 (the response 2.2.4.31
     * carries the same bytes): Version 1, HasInitiatorId 1, InitiatorId printed
     * 0x07770D201F2740834579D46F5AC43B73 (laid out in that byte order), Flags 0,
     * PVHDPARSER, OpenRequestId 0x1EC7871E, HostNameLength 16, "client01" in
     * UTF-16LE and 110 zero bytes to fill the 126-byte field. */
    {"rsvd_open", "rsvd_open_device_context_v1_ex41", false,
     "01000000 01 000000 07770D201F2740834579D46F5AC43B73 00000000 01000000"
     "1E87C71E00000000 1000 | 63006C00690065006E00740030003100"
     "000000000000000000000000000000000000000000000000000000000000000000000000"
     "000000000000000000000000000000000000000000000000000000000000000000000000"
     "000000000000000000000000000000000000000000000000000000000000000000000000"
     "0000"},

    /* SVHDX_OPEN_DEVICE_CONTEXT_V2 (2.2.4.32), example 4.3's request: Version 2,
     * InitiatorId 68bad672-2a73-4cd8-9f58-6a4b67232e0d, PVHDPARSER, OpenRequestId
     * 0x3028E5B600000000, "SMBD-SUT01" (20 bytes) + 106 zeros, the five V2 fields 0. */
    {"rsvd_open", "rsvd_open_device_context_v2_ex43", false,
     "02000000 01 000000 72D6BA68732AD84C9F586A4B67232E0D 00000000 01000000"
     "00000000B6E52830 1400 | 53004D00420044002D0053005500540030003100"
     "000000000000000000000000000000000000000000000000000000000000000000000000"
     "000000000000000000000000000000000000000000000000000000000000000000000000"
     "00000000000000000000000000000000000000000000000000000000000000000000 |"
     "00000000 00000000 00000000 00000000 0000000000000000"},

    /* SVHDX_OPEN_DEVICE_CONTEXT_V2_RESPONSE (2.2.4.33), example 4.3: the request's
     * fields echoed, VirtualDiskPropertiesInitialized 1, ServerServiceVersion 2,
     * VirtualSectorSize 512, PhysicalSectorSize 4096, VirtualSize 0x4000000000000000. */
    {"rsvd_open", "rsvd_open_device_context_v2_response_ex43", false,
     "02000000 01 000000 72D6BA68732AD84C9F586A4B67232E0D 00000000 01000000"
     "00000000B6E52830 1400 | 53004D00420044002D0053005500540030003100"
     "000000000000000000000000000000000000000000000000000000000000000000000000"
     "000000000000000000000000000000000000000000000000000000000000000000000000"
     "00000000000000000000000000000000000000000000000000000000000000000000 |"
     "01000000 02000000 00020000 00100000 0000000000000040"},

    /* SVHDX_SHARED_VIRTUAL_DISK_SUPPORT_RESPONSE (2.2.4.16) of a version-2 server
     * asked on the RSVD open itself: SnapshotsSupported (7), HandleStateShared (3). */
    {"rsvd_open", "rsvd_shared_virtual_disk_support_response", false,
     "07000000 03000000"},

    /* The 57-byte FILE_FULL_EA_INFORMATION of 3.1.4.24 ([MS-FSCC] 2.4.16):
     * NextEntryOffset 0, FILE_NEED_EA, EaNameLength 24, EaValueLength 24,
     * "RSVD_TARGET_SPECIFIER_EA" + NUL, RSVD_BLOCK_DEVICE_TARGET_SPECIFIER (2.2.4.34):
     * namespace SnapshotId, SnapshotType VM, example 4.3's SnapshotId. */
    {"rsvd_open", "rsvd_target_specifier_ea", false,
     "00000000 80 18 1800 | 525356445F5441524745545F5350454349464945525F4541"
     "00 | 00000000 01000000 1370C05AB8ED2C4E97846EDD2843F269"},

    /* An EA buffer of two chained FILE_FULL_EA_INFORMATION ([MS-FSCC] 2.4.16): "APP"
     * = 01 02 (14 bytes, 2 zero bytes of padding, NextEntryOffset 16), then the
     * target-specifier EA above. */
    {"rsvd_open", "rsvd_ea_chain_two_entries", false,
     "10000000 00 03 0200 415050 00 0102 0000 | 00000000 80 18 1800"
     "525356445F5441524745545F5350454349464945525F4541 00 00000000 01000000"
     "1370C05AB8ED2C4E97846EDD2843F269"},
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
    /* Version 2 (CONTROL 3-11): A writes sector 0, takes snapshot 1 with
     * change tracking, writes at 4096; snapshot 1 read back, its changes
     * asked; the disk grown to 128 KiB, snapshot 1 applied (back to 64
     * KiB); the disk created again from its files; snapshot 1 read,
     * optimize, changes again; change tracking started; snapshot 1
     * deleted, then looked for. */
    {"scsi_disk", "scsi_disk_version2", false,
     "09 00000000 0002"
     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
     "0D 03 00 01"
     "09 00100000 0002"
     "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
     "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
     "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
     "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
     "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
     "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
     "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
     "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
     "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
     "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
     "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
     "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
     "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
     "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
     "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
     "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
     "0D 07 00"
     "0D 0B 00"
     "0D 06 FF"
     "0D 05 00"
     "0D 09"
     "0D 07 00"
     "0D 0A"
     "0D 0B 00"
     "0D 08"
     "0D 04 00 00"
     "0D 07 00"},
    /* ---- scsi_disk_files: the built-in disk's files, fuzz/fuzz_scsi_disk_files.c */
    /* Records (see the harness): flags (which files), the three lengths
     * (LE), then NAME.rsvdmeta, NAME.rsvdlog and the first 128 bytes of the
     * delta file of snapshot 0101..01, as a disk of 64 KiB with 4 KiB chunks
     * wrote them (docs/backends.md): 8 KiB written, snapshot 1 taken with
     * change tracking at 1700000000000 ms, then 4 KiB at 4096 and 512 bytes
     * at 16384; the log holds the MARK and the two WRITEs. */
    {"scsi_disk_files", "scsi_disk_files_one_snapshot", false,
     "07 C000 B800 8000 |"
     "525356444D455441010000002D8E7613C0000000001000000002000001000000"
     "0200000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000001010101010101010101010101010101"
     "0000000000000000000000000000000000000000000000000000000000000000"
     "0068E5CF8B010000000001000000000001000000000000000100000003000000"
     "0000000000000000000000000000000000000000000000000000000000000000 |"
     "5253564443544C47010000004E83ADFF40000000280000000000000000000000"
     "0000000000000000000000000000000000000000000000000000000000000000"
     "8234539A02000000000000000000000000000000000000000101010101010101"
     "01010101010101013E96A31E0100000000100000000000000010000000000000"
     "00000000000000000000000000000000E0B05866010000000040000000000000"
     "000200000000000000000000000000000000000000000000 |"
     "52535644534E41500100000012D8698D00100000000200000000010000000000"
     "1000000000000000001000000000000000200000000000000101010101010101"
     "0101010101010101000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000000000000000000000000000000000000"},
    /* No file: a new storage directory. */
    {"scsi_disk_files", "scsi_disk_files_none", false, "00 0000 0000 0000"},
    /* The harness sets the checksums (flags bit 3): a metadata file listing
     * snapshot 1 (no tracking) over a log of one START record. */
    {"scsi_disk_files", "scsi_disk_files_checksums_set", false,
     "0B C000 6800 0000 |"
     "525356444D455441010000000000000000C00000001000000002000001000000"
     "0200000000000000010000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000001010101010101010101010101010101"
     "0000000000000000000000000000000000000000000000000000000000000000"
     "0068E5CF8B010000000001000000000001000000000000000100000002000000"
     "0000000000000000000000000000000000000000000000000000000000000000 |"
     "5253564443544C47010000000000000040000000280000000000000000000000"
     "0000000000000000000000000000000000000000000000000000000000000000"
     "0000000003000000000000000000000000000000000000005555555555555555"
     "5555555555555555"},
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

    /* Its response: FILE_STANDARD_INFORMATION ([MS-FSCC] 2.4.41: 68 MiB
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

    /* The information classes the backends answer and take, alone (the
     * QUERY_INFO OutputBuffer, the SET_INFO Buffer). Every field holds a
     * different value, so that a swap shows. */

    /* FILE_STANDARD_INFORMATION ([MS-FSCC] 2.4.41): AllocationSize
     * 0x04401000, EndOfFile 0x04400200, NumberOfLinks 2, DeletePending 1,
     * Directory 0, Reserved 0. 24 bytes. */
    {"smb2_info", "fscc_file_standard_information", false,
     "0010400400000000 0002400400000000 02000000 01 00 0000"},

    /* FILE_NETWORK_OPEN_INFORMATION ([MS-FSCC] 2.4.29): CreationTime
     * 0x01D9A0B1C2D3E4F5 and the three other times 1, 2, 3 (100 ns) later;
     * AllocationSize 1 MiB, EndOfFile 0xFFE00, FileAttributes
     * FILE_ATTRIBUTE_ARCHIVE (2.6), Reserved 0. 56 bytes. */
    {"smb2_info", "fscc_file_network_open_information", false,
     "F5E4D3C2B1A0D901 F6E4D3C2B1A0D901 F7E4D3C2B1A0D901 F8E4D3C2B1A0D901"
     "0000100000000000 00FE0F0000000000 20000000 00000000"},

    /* FILE_END_OF_FILE_INFORMATION ([MS-FSCC] 2.4.14): EndOfFile 128 MiB,
     * the Buffer of smb2_set_info_req. 8 bytes. */
    {"smb2_info", "fscc_file_end_of_file_information", false, "0000000800000000"},

    /* ---- resilient_server: operation sequences for fuzz/fuzz_resilient_server.c */
    /* Records (see the harness): an op byte and its arguments. Slots are
     * reused first-free, so after a loss the new connection, session and
     * tree connect take slot 0 again. */

    /* 2.1: conn, Alice's session, tree, open; resiliency 60000 ms (0x1D4C *
     * 8); connection lost; the clock to the deadline (0x0EA6 * 16 = 60000
     * ms): the scavenger closes nothing; 1 ms more: it closes the open. */
    {"resilient_server", "resilient_server_grant_expire", false,
     "00 01 | 01 00 00 | 03 00 | 04 00 00 | 05 00 FF 1D 4C | 09 00"
     "0E 0E A6 | 0F | 13 01 | 0F"},

    /* 3.0: resiliency; LOCK with LockSequence index 1 number 1, recorded;
     * connection lost; new connection, session and tree of Alice; DHnC
     * reconnect; the LOCK again is a replay; a second reconnect of the now
     * attached open is refused. */
    {"resilient_server", "resilient_server_reconnect_replay", false,
     "00 02 | 01 00 00 | 03 00 | 04 00 00 | 05 00 FF 1D 4C"
     "07 00 FF 11 00 00 00 | 08 00 00 | 09 00"
     "00 02 | 01 00 00 | 03 00 | 0D 00 00 01 | 07 00 FF 11 00 00 00 | 0D 00 00 01"},

    /* 2.1: Alice's and Bob's sessions on one connection, a tree and an open
     * each; Alice's open resilient with Timeout 0 (the default grant);
     * Alice logs off; Bob's reconnect of her open is refused; Bob's IOCTL
     * with Flags 0 (byte 112) is refused; Bob's tree is disconnected (his
     * open closed); a DH2C on 2.1 is no reconnect; the clock runs out. */
    {"resilient_server", "resilient_server_logoff_other_user", false,
     "00 01 | 01 00 00 | 01 00 01 | 03 00 | 03 01 | 04 00 00 | 04 01 00"
     "05 00 FF 00 00 | 0A 00 | 0D 00 01 01 | 06 01 FF 00 10 70 00 00 FE 00 | 0B 01"
     "0D 00 01 02 | 0E FF FF | 0F"},

    /* 3.0 multi-channel: two connections, Alice's session bound to both;
     * resiliency; losing one channel keeps the open attached (reconnect
     * refused); losing the other detaches it; a new connection, session
     * and tree of Alice; DH2C with a zero CreateGuid reconnects it; a LOCK
     * with index 65 (LockSequence 0x411) is processed and never a replay. */
    {"resilient_server", "resilient_server_multichannel", false,
     "00 06 | 00 06 | 01 00 00 | 02 00 01 | 03 00 | 04 00 00 | 05 00 FF 00 10"
     "09 00 | 0D 00 00 01 | 09 01"
     "00 02 | 01 00 00 | 03 00 | 0D 00 00 02 | 07 00 FF 11 04 00 00 | 08 00 00"
     "07 00 FF 11 04 00 00"},

    /* ---- resilient_client: responses for fuzz/fuzz_resilient_client.c ---- */
    /* The harness sends the request the header names (Command, MessageId)
     * on an open {0x2A1, 0x100000005}. */

    /* The resiliency success response of 3.3.5.15.9 (MessageId 7). */
    {"resilient_client", "resilient_client_resiliency_rsp", true,
     "FE534D42 4000 0100 00000000 0B00 0100 01000000 00000000"
     "0700000000000000 00000000 05000000 1100000000000000"
     "00000000000000000000000000000000"
     "3100 0000 D4011400 A102000000000000 0500000001000000"
     "70000000 00000000 70000000 00000000 00000000 00000000"},

    /* STATUS_INVALID_PARAMETER for it: the 3.3.4.4 error response with the
     * ERROR body (StructureSize 9, ByteCount 0, the pad byte). 73 bytes. */
    {"resilient_client", "resilient_client_resiliency_error", true,
     "FE534D42 4000 0100 0D0000C0 0B00 0100 01000000 00000000"
     "0700000000000000 00000000 05000000 1100000000000000"
     "00000000000000000000000000000000"
     "0900 00 00 00000000 00"},

    /* A LOCK response (MessageId 8). 68 bytes. */
    {"resilient_client", "resilient_client_lock_rsp", true,
     "FE534D42 4000 0100 00000000 0A00 0100 01000000 00000000"
     "0800000000000000 00000000 05000000 1100000000000000"
     "00000000000000000000000000000000"
     "0400 0000"},

    /* An interim response to that LOCK: ASYNC, STATUS_PENDING, AsyncId 0x2B,
     * CreditResponse 0. 73 bytes. */
    {"resilient_client", "resilient_client_lock_interim", true,
     "FE534D42 4000 0100 03010000 0A00 0000 03000000 00000000"
     "0800000000000000 2B00000000000000 1100000000000000"
     "00000000000000000000000000000000"
     "0900 00 00 00000000 00"},

    /* The CREATE response of a reconnect (MessageId 4): FileId {0x2A1,
     * 0x100000005}, a DHnQ response context. 184 bytes. */
    {"resilient_client", "resilient_client_reconnect_rsp", true,
     "FE534D42 4000 0100 00000000 0500 0100 01000000 00000000"
     "0400000000000000 00000000 05000000 1100000000000000"
     "00000000000000000000000000000000"
     "5900 00 00 01000000"
     "605F4E3D2B1CDA01 807C6B5A4F3EDA01 807C6B5A4F3EDA01 807C6B5A4F3EDA01"
     "0000400400000000 0000400400000000 20000000 00000000"
     "A102000000000000 0500000001000000 98000000 20000000"
     "00000000 1000 0400 0000 1800 08000000 44486E51 00000000"
     "0000000000000000"},
    /* ---- rsvd_server: scripts of the stateful server harness -------------------
     * (fuzz/fuzz_rsvd_server.c documents the encoding: a configuration byte, an
     * allocation to fail, then steps of an opcode byte and its operands.) */

    /* Version-1 server, 8 requests, 4 opens. CREATE of a virtual SCSI disk with an
     * initiator (V1 context, host name 16 bytes); a WRITE the disk fails with
     * CHECK CONDITION (STATUS_SVHDX_ERROR_STORED|0x01); SRB_STATUS for key 0x01
     * with MaxOutputResponse 40; CLOSE. */
    {"rsvd_server", "rsvd_server_write_error_srb_status_close", false,
     "1C 00 | 00 04 00000000 00 10 | 02 00 1E 00 01 00 |"
     "03 00 03 2800 000000000000 00 01 00 0000 | 09 00 0000"},

    /* Requests in flight at CLOSE: a WRITE and a READ left pending by the disk,
     * the CLOSE, then one pending call completed, then all. */
    {"rsvd_server", "rsvd_server_close_with_requests_in_flight", false,
     "1C 00 | 00 04 00000000 00 10 | 02 00 1E 00 20 00 | 01 00 04 00 20 00 |"
     "09 00 0000 | 0A 01 | 0B"},

    /* Version-2 server: CREATE with a V2 context (the disk's sizes in the
     * response), a tunnelled READ CAPACITY(10) (data in, 8 bytes, MaxOutputResponse
     * 1024), GET_INITIAL_INFO, query-support with MaxOutputResponse 8. */
    {"rsvd_server", "rsvd_server_v2_scsi_initial_info_query_support", false,
     "1D 00 | 00 0C 00000000 00 10 | 03 00 01 0004 000000000000 00 01 0800 0A 25 00 0000 |"
     "03 00 00 2800 000000000000 00 00 0000 | 05 00 00 08"},

    /* An initiator-less virtual SCSI open (its WRITE stores the <14> error), a
     * VHDMP CREATE of the same name (STATUS_VHD_SHARED), LOCK, QUERY_INFO
     * FileStandardInformation, SET_INFO FileRenameInformation, FSCTL_OFFLOAD_READ. */
    {"rsvd_server", "rsvd_server_no_initiator_vhd_shared_dispatch", false,
     "1C 00 | 00 00 00000000 00 10 | 02 00 1E 00 00 00 | 00 05 00000000 00 10 | 08 00 |"
     "06 00 00 20 00 00 | 07 00 03 08 00 00 | 04 00 00 40 00 00"},

    /* ---- smb2_setup: NEGOTIATE, SESSION_SETUP, LOGOFF, TREE_CONNECT and
     * TREE_DISCONNECT as the integrator template's client sends and reads them
     * (examples/common/smb2_setup_negotiate.c, smb2_setup_session.c, smb2_setup_tree.c), laid
     * out from [MS-SMB2] 2.2.3 - 2.2.12. ---------------------------------- */

    /* NEGOTIATE request (2.2.3): MessageId 0, CreditRequest 64; DialectCount 4,
     * SIGNING_ENABLED, Capabilities LARGE_MTU | PERSISTENT_HANDLES, ClientGuid
     * 00 11 .. FF, ClientStartTime 0, dialects 2.0.2, 2.1, 3.0, 3.0.2. */
    {"smb2_setup", "smb2_setup_negotiate_request", true,
     "FE534D42 4000 0000 00000000 0000 4000 00000000 00000000 | 0000000000000000 00000000"
     "00000000 0000000000000000 | 00000000000000000000000000000000 |"
     "2400 0400 0100 0000 14000000 | 00112233445566778899AABBCCDDEEFF | 0000000000000000 |"
     "0202 1002 0003 0203"},

    /* NEGOTIATE response (2.2.4): SIGNING_ENABLED, dialect 3.0.2, ServerGuid
     * A0 .. AF, Capabilities DFS | LEASING | LARGE_MTU, MaxTransact/Read/Write
     * 8 MiB, the two times, SecurityBufferOffset 0x80 with an empty buffer (the
     * Buffer's one byte). */
    {"smb2_setup", "smb2_setup_negotiate_response", true,
     "FE534D42 4000 0000 00000000 0000 0100 01000000 00000000 | 0000000000000000 00000000"
     "00000000 0000000000000000 | 00000000000000000000000000000000 |"
     "4100 0100 0203 0000 | A0A1A2A3A4A5A6A7A8A9AAABACADAEAF | 07000000 | 00008000 00008000"
     "00008000 | 00C0F8AC2D0BDA01 0000000000000000 | 8000 0000 00000000 | 00"},

    /* SESSION_SETUP request (2.2.5): MessageId 1, SessionId 0x0000100000000001
     * (the second leg), Flags 0, SIGNING_ENABLED, Capabilities 0, Channel 0,
     * SecurityBufferOffset 0x58, length 9, PreviousSessionId 0x0000100000000000,
     * the token: a SPNEGO negTokenResp, accept-completed. */
    {"smb2_setup", "smb2_setup_session_setup_request", true,
     "FE534D42 4000 0000 00000000 0100 4000 00000000 00000000 | 0100000000000000 00000000"
     "00000000 0100000000100000 | 00000000000000000000000000000000 |"
     "1900 00 01 00000000 00000000 5800 0900 0000000000100000 | A107 3005 A003 0A01 00"},

    /* SESSION_SETUP response (2.2.6): SUCCESS, SessionFlags IS_GUEST,
     * SecurityBufferOffset 0x48, length 9 (accept-completed). */
    {"smb2_setup", "smb2_setup_session_setup_response", true,
     "FE534D42 4000 0000 00000000 0100 0100 01000000 00000000 | 0100000000000000 00000000"
     "00000000 0100000000100000 | 00000000000000000000000000000000 |"
     "0900 0100 4800 0900 | A107 3005 A003 0A01 00"},

    /* TREE_CONNECT request (2.2.9): MessageId 2, PathOffset 0x48, PathLength 10,
     * "\\h\s" in UTF-16LE. */
    {"smb2_setup", "smb2_setup_tree_connect_request", true,
     "FE534D42 4000 0000 00000000 0300 4000 00000000 00000000 | 0200000000000000 00000000"
     "00000000 0100000000100000 | 00000000000000000000000000000000 |"
     "0900 0000 4800 0A00 | 5C005C0068005C007300"},

    /* TREE_CONNECT response (2.2.10): TreeId 5, ShareType DISK, ShareFlags 0,
     * Capabilities CONTINUOUS_AVAILABILITY, MaximalAccess 0x001F01FF. */
    {"smb2_setup", "smb2_setup_tree_connect_response", true,
     "FE534D42 4000 0000 00000000 0300 0100 01000000 00000000 | 0200000000000000 00000000"
     "05000000 0100000000100000 | 00000000000000000000000000000000 |"
     "1000 01 00 00000000 10000000 FF011F00"},

    /* TREE_DISCONNECT request and response (2.2.11, 2.2.12): MessageId 3. */
    {"smb2_setup", "smb2_setup_tree_disconnect_request", true,
     "FE534D42 4000 0000 00000000 0400 4000 00000000 00000000 | 0300000000000000 00000000"
     "05000000 0100000000100000 | 00000000000000000000000000000000 | 0400 0000"},
    {"smb2_setup", "smb2_setup_tree_disconnect_response", true,
     "FE534D42 4000 0000 00000000 0400 0100 01000000 00000000 | 0300000000000000 00000000"
     "05000000 0100000000100000 | 00000000000000000000000000000000 | 0400 0000"},

    /* LOGOFF request and response (2.2.7, 2.2.8): MessageId 4. */
    {"smb2_setup", "smb2_setup_logoff_request", true,
     "FE534D42 4000 0000 00000000 0200 4000 00000000 00000000 | 0400000000000000 00000000"
     "00000000 0100000000100000 | 00000000000000000000000000000000 | 0400 0000"},
    {"smb2_setup", "smb2_setup_logoff_response", true,
     "FE534D42 4000 0000 00000000 0200 0100 01000000 00000000 | 0400000000000000 00000000"
     "00000000 0100000000100000 | 00000000000000000000000000000000 | 0400 0000"},

    /* ---- rsvd-target's own SMB2 codecs (examples/rsvd-target) ---------------- */

    /* ---- target_negotiate: [MS-SMB2] 2.2.3, 2.2.4, 2.2.31.4, 2.2.32.6; [MS-SMB]
     * 2.2.4.52.1 ---- */

    /* NEGOTIATE request (2.2.3): four dialects 2.0.2, 2.1, 3.0, 3.0.2,
     * SecurityMode SIGNING_ENABLED, Capabilities 0x7F, ClientGuid 11..11. */
    {"target_negotiate", "target_negotiate_request", true,
     "FE534D42 4000 0000 00000000 0000 1F00 00000000 00000000"
     "0000000000000000 FFFE0000 00000000 0000000000000000"
     "00000000000000000000000000000000"
     "2400 0400 0100 0000 7F000000 11111111111111111111111111111111"
     "0000000000000000 | 0202 1002 0003 0203"},

    /* NEGOTIATE response (2.2.4): 3.0.2, LARGE_MTU | MULTI_CHANNEL, 1 MiB
     * sizes, and a SPNEGO NegTokenInit offering NTLMSSP at 0x80 (30 bytes). */
    {"target_negotiate", "target_negotiate_response", true,
     "FE534D42 4000 0000 00000000 0000 0100 01000000 00000000"
     "0000000000000000 FFFE0000 00000000 0000000000000000"
     "00000000000000000000000000000000"
     "4100 0100 0203 0000 22222222222222222222222222222222 0C000000"
     "00001000 00001000 00001000 0080C9A3B5E5DA01 0000000000000000"
     "8000 1E00 00000000"
     "601C 06062B0601050502 A012 3010 A00E 300C 060A2B0601040182370202 0A"},

    /* SMB_COM_NEGOTIATE ([MS-SMB] 2.2.4.52.1) offering "NT LM 0.12",
     * "SMB 2.002" and "SMB 2.???" ([MS-SMB2] 3.3.5.3). */
    {"target_negotiate", "target_smb1_negotiate", false,
     "FF534D42 72 00000000 18 53C8 0000 0000000000000000 0000 FFFF FEFF 0000 0000"
     "00 2200"
     "02 4E54204C4D20302E313200 02 534D4220322E30303200 02 534D4220322E3F3F3F00"},

    /* VALIDATE_NEGOTIATE_INFO request (2.2.31.4), the IOCTL input. */
    {"target_negotiate", "target_validate_negotiate_request", false,
     "7F000000 11111111111111111111111111111111 0100 0400 0202 1002 0003 0203"},

    /* VALIDATE_NEGOTIATE_INFO response (2.2.32.6). */
    {"target_negotiate", "target_validate_negotiate_response", false,
     "0C000000 22222222222222222222222222222222 0100 0203"},

    /* ---- target_session: [MS-SMB2] 2.2.5, 2.2.6; [RFC 4178] 4.2; [MS-NLMP]
     * 2.2.1 ---- */

    /* SESSION_SETUP request (2.2.5): SPNEGO NegTokenInit (74 bytes at 0x58)
     * with mechTypes {NTLMSSP} and an NTLMSSP NEGOTIATE of 40 bytes. */
    {"target_session", "target_session_setup_request", true,
     "FE534D42 4000 0100 00000000 0100 1F00 00000000 00000000"
     "0100000000000000 FFFE0000 00000000 0000000000000000"
     "00000000000000000000000000000000"
     "1900 00 01 01000000 00000000 5800 4A00 0000000000000000"
     "6048 06062B0601050502 A03E 303C A00E 300C060A2B0601040182370202 0A A22A 0428"
     "4E544C4D53535000 01000000 978208E2 0000000000000000 0000000000000000"
     "0601B11D0000000F"},

    /* SESSION_SETUP response (2.2.6): SessionFlags IS_GUEST, NegTokenResp
     * accept-completed (9 bytes at 0x48). */
    {"target_session", "target_session_setup_response", true,
     "FE534D42 4000 0000 00000000 0100 0100 01000000 00000000"
     "0200000000000000 FFFE0000 00000000 4100000000001000"
     "00000000000000000000000000000000"
     "0900 0100 4800 0900 A107 3005 A003 0A0100"},

    /* NegTokenResp with an anonymous NTLMSSP AUTHENTICATE ([MS-NLMP]
     * 3.2.5.1.2): LmChallengeResponse Z(1), everything else empty. */
    {"target_session", "target_spnego_authenticate_anonymous", false,
     "A14F 304D A24B 0449"
     "4E544C4D53535000 03000000 0100 0100 48000000 0000 0000 49000000"
     "0000 0000 49000000 0000 0000 49000000 0000 0000 49000000 0000 0000 49000000"
     "050288A0 0000000000000000 00"},

    /* NegTokenResp with an NTLMSSP AUTHENTICATE of TESTDOM\alice (UTF-16,
     * NEGOTIATE_UNICODE) and a 16-byte NT response. */
    {"target_session", "target_spnego_authenticate_alice", false,
     "A176 3074 A272 0470"
     "4E544C4D53535000 03000000 0000 0000 48000000 1000 1000 48000000"
     "0E00 0E00 58000000 0A00 0A00 66000000 0000 0000 70000000 0000 0000 70000000"
     "050288A0 0000000000000000 000102030405060708090A0B0C0D0E0F"
     "540045005300540044004F004D00 61006C00690063006500"},

    /* ---- target_tree: [MS-SMB2] 2.2.9, 2.2.10 ---- */

    /* TREE_CONNECT request: the path \\127.0.0.1\data (32 bytes at 0x48). */
    {"target_tree", "target_tree_connect_request", true,
     "FE534D42 4000 0100 00000000 0300 1F00 00000000 00000000"
     "0300000000000000 FFFE0000 00000000 4100000000001000"
     "00000000000000000000000000000000"
     "0900 0000 4800 2000"
     "5C005C003100320037002E0030002E0030002E0031005C006400610074006100"},

    /* TREE_CONNECT response: a disk share, continuously available,
     * MaximalAccess FILE_ALL_ACCESS. */
    {"target_tree", "target_tree_connect_response", true,
     "FE534D42 4000 0000 00000000 0300 0100 01000000 00000000"
     "0300000000000000 FFFE0000 01000000 4100000000001000"
     "00000000000000000000000000000000"
     "1000 01 00 00000000 10000000 FF011F00"},

    /* ---- target_simple: [MS-SMB2] 2.2.17, 2.2.23.1, 2.2.28, 2.2.8 ---- */

    /* ECHO request (2.2.28). */
    {"target_simple", "target_echo_request", true,
     "FE534D42 4000 0100 00000000 0D00 0100 00000000 00000000"
     "0400000000000000 FFFE0000 00000000 0000000000000000"
     "00000000000000000000000000000000"
     "0400 0000"},

    /* LOGOFF response (2.2.8). */
    {"target_simple", "target_logoff_response", true,
     "FE534D42 4000 0000 00000000 0200 0100 01000000 00000000"
     "0500000000000000 FFFE0000 00000000 4100000000001000"
     "00000000000000000000000000000000"
     "0400 0000"},

    /* FLUSH request (2.2.17) of FileId {0x400000001, 0x400000001}. */
    {"target_simple", "target_flush_request", true,
     "FE534D42 4000 0100 00000000 0700 0100 00000000 00000000"
     "0600000000000000 FFFE0000 01000000 4100000000001000"
     "00000000000000000000000000000000"
     "1800 0000 00000000 0100000004000000 0100000004000000"},

    /* OPLOCK_BREAK notification (2.2.23.1): MessageId 0xFFFFFFFFFFFFFFFF,
     * to level NONE. */
    {"target_simple", "target_oplock_break_notification", true,
     "FE534D42 4000 0000 00000000 1200 0000 01000000 00000000"
     "FFFFFFFFFFFFFFFF 00000000 00000000 4100000000001000"
     "00000000000000000000000000000000"
     "1800 00 00 00000000 0100000004000000 0100000004000000"},

    /* ---- target_query_directory: [MS-SMB2] 2.2.33, 2.2.34; [MS-FSCC] 2.4.33 ---- */

    /* QUERY_DIRECTORY request: FileNamesInformation (0x0C), pattern "*"
     * at 0x60, OutputBufferLength 65536. */
    {"target_query_directory", "target_query_directory_request", true,
     "FE534D42 4000 0100 00000000 0E00 0100 00000000 00000000"
     "0700000000000000 FFFE0000 01000000 4100000000001000"
     "00000000000000000000000000000000"
     "2100 0C 00 00000000 0100000004000000 0100000004000000 6000 0200 00000100"
     "2A00"},

    /* QUERY_DIRECTORY response: one FileNamesInformation entry, ".". */
    {"target_query_directory", "target_query_directory_response", true,
     "FE534D42 4000 0000 00000000 0E00 0100 01000000 00000000"
     "0700000000000000 FFFE0000 01000000 4100000000001000"
     "00000000000000000000000000000000"
     "0900 4800 0E000000 00000000 00000000 02000000 2E00"},

    /* ---- target_fscc: [MS-FSCC] 2.4.7, 2.4.11, 2.4.13, 2.4.37.2 ---- */

    /* FileBasicInformation: times 2023-11-14 and -1 (LastAccessTime: stop
     * updates), FileAttributes ARCHIVE. */
    {"target_fscc", "target_fscc_basic", false,
     "0080C9A3B5E5DA01 FFFFFFFFFFFFFFFF 0080C9A3B5E5DA01 0000000000000000 20000000 00000000"},

    /* FILE_RENAME_INFORMATION_TYPE_2 (2.4.37.2): to "new.txt", replacing. */
    {"target_fscc", "target_fscc_rename", false,
     "01 00000000000000 0000000000000000 0E000000 6E00650077002E00740078007400"},

    /* FileDispositionInformation (2.4.11): DeletePending. */
    {"target_fscc", "target_fscc_disposition", false, "01"},

    /* FileEndOfFileInformation (2.4.13): 4096. */
    {"target_fscc", "target_fscc_end_of_file", false, "0010000000000000"},

    /* ---- target_frames: [MS-SMB2] 2.1 Direct TCP, [RFC 1002] 4.3 ---- */

    /* One Direct TCP frame holding an ECHO request. */
    {"target_frames", "target_frame_echo", false,
     "00000044"
     "FE534D42 4000 0100 00000000 0D00 0100 00000000 00000000"
     "0400000000000000 FFFE0000 00000000 0000000000000000"
     "00000000000000000000000000000000"
     "0400 0000"},

    /* A keep-alive, then an NBSS session request with two encoded names. */
    {"target_frames", "target_frame_session_request", false,
     "85000000 81000044"
     "20 4345434143414341434143414341434143414341434143414341434143414341 00"
     "20 4545454545454545454545454545454545454545454545454545454545454545 00"},
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
