/*
 * librsvd - file-system constants ([MS-FSCC], and the file-level fields of
 * [MS-SMB2] CREATE): the one home of FSCTL codes, information classes,
 * file attributes, access masks and the CreateOptions, ShareAccess,
 * CreateDisposition and CreateAction values.
 */
#ifndef RSVD_FSCC_H
#define RSVD_FSCC_H

#ifdef __cplusplus
extern "C" {
#endif

/** @file
 * @brief FSCC constants: FSCTL codes, information classes, file attributes,
 * access masks, and the file-level values of an SMB2 CREATE.
 */

/** @name FSCTL codes ([MS-FSCC] 2.3, [MS-SMB2] 2.2.31, [MS-RSVD] 2.2.2)
 * @{ */
/** FSCTL_DFS_GET_REFERRALS: a DFS referral request. */
#define RSVD_FSCTL_DFS_GET_REFERRALS 0x00060194u
/** FSCTL_PIPE_PEEK: read a named pipe without removing the data. */
#define RSVD_FSCTL_PIPE_PEEK 0x0011400Cu
/** FSCTL_PIPE_WAIT: wait for a named pipe to be available. */
#define RSVD_FSCTL_PIPE_WAIT 0x00110018u
/** FSCTL_PIPE_TRANSCEIVE: write and read a named pipe in one exchange. */
#define RSVD_FSCTL_PIPE_TRANSCEIVE 0x0011C017u
/** FSCTL_SRV_COPYCHUNK: server-side copy. */
#define RSVD_FSCTL_SRV_COPYCHUNK 0x001440F2u
/** FSCTL_SRV_ENUMERATE_SNAPSHOTS: the previous versions of the share. */
#define RSVD_FSCTL_SRV_ENUMERATE_SNAPSHOTS 0x00144064u
/** FSCTL_SRV_REQUEST_RESUME_KEY: the copy key of a source file. */
#define RSVD_FSCTL_SRV_REQUEST_RESUME_KEY 0x00140078u
/** FSCTL_SRV_READ_HASH: BranchCache hashes of a file. */
#define RSVD_FSCTL_SRV_READ_HASH 0x001441BBu
/** FSCTL_SRV_COPYCHUNK_WRITE: server-side copy that needs only write access
 * to the target. */
#define RSVD_FSCTL_SRV_COPYCHUNK_WRITE 0x001480F2u
/** Request resiliency on an open ([MS-SMB2] 2.2.31.3, 3.2.4.20.8, 3.3.5.15.9). */
#define RSVD_FSCTL_LMR_REQUEST_RESILIENCY 0x001401D4u
/** FSCTL_QUERY_NETWORK_INTERFACE_INFO: the server's network interfaces. */
#define RSVD_FSCTL_QUERY_NETWORK_INTERFACE_INFO 0x001401FCu
/** FSCTL_SET_REPARSE_POINT: sets a reparse point. */
#define RSVD_FSCTL_SET_REPARSE_POINT 0x000900A4u
/** FSCTL_DFS_GET_REFERRALS_EX: an extended DFS referral request. */
#define RSVD_FSCTL_DFS_GET_REFERRALS_EX 0x000601B0u
/** FSCTL_FILE_LEVEL_TRIM: ranges of the file the storage may reclaim. */
#define RSVD_FSCTL_FILE_LEVEL_TRIM 0x00098208u
/** FSCTL_VALIDATE_NEGOTIATE_INFO: validates the negotiated dialect and
 * capabilities. */
#define RSVD_FSCTL_VALIDATE_NEGOTIATE_INFO 0x00140204u
/** [MS-FSCC] 2.3.42: FILE_DEVICE_FILE_SYSTEM, function 153, METHOD_BUFFERED,
 * FILE_READ_ACCESS. An RSVD open fails it (MS-RSVD 3.2.4). */
#define RSVD_FSCTL_OFFLOAD_READ 0x00094264u
/** [MS-FSCC] 2.3.44: function 154, FILE_WRITE_ACCESS. */
#define RSVD_FSCTL_OFFLOAD_WRITE 0x00098268u
/** FSCTL_SET_SPARSE ([MS-FSCC] 2.3): marks the file sparse. */
#define RSVD_FSCTL_SET_SPARSE 0x000900C4u
/** FSCTL_SET_ZERO_DATA ([MS-FSCC] 2.3): input FILE_ZERO_DATA_INFORMATION
 * (FileOffset, BeyondFinalZero); the range reads as zeros afterwards. */
#define RSVD_FSCTL_SET_ZERO_DATA 0x000980C8u
/** FSCTL_SVHDX_SYNC_TUNNEL_REQUEST ([MS-RSVD] 2.2.2): carries every tunnel
 * operation but RSVD_TUNNEL_META_OPERATION_START (input and output: header +
 * body). */
#define RSVD_FSCTL_SVHDX_SYNC_TUNNEL_REQUEST 0x00090304u
/** FSCTL_QUERY_SHARED_VIRTUAL_DISK_SUPPORT ([MS-RSVD] 2.2.2): no input; the
 * output is SVHDX_SHARED_VIRTUAL_DISK_SUPPORT_RESPONSE ([MS-RSVD] 3.2.5.6). */
#define RSVD_FSCTL_QUERY_SHARED_VIRTUAL_DISK_SUPPORT 0x00090300u
/** FSCTL_SVHDX_ASYNC_TUNNEL_REQUEST ([MS-RSVD] 2.2.2): carries
 * RSVD_TUNNEL_META_OPERATION_START; the server handles it as the sync code
 * ([MS-RSVD] 3.2.4). */
#define RSVD_FSCTL_SVHDX_ASYNC_TUNNEL_REQUEST 0x00090364u
/** @} */

/** @name File information classes ([MS-FSCC] 2.4), the FileInfoClass of an
 * SMB2 QUERY_INFO / SET_INFO with InfoType SMB2_0_INFO_FILE and of a
 * QUERY_DIRECTORY
 * @{ */
#define RSVD_FILE_DIRECTORY_INFORMATION 1u           /**< FileDirectoryInformation */
#define RSVD_FILE_FULL_DIRECTORY_INFORMATION 2u      /**< FileFullDirectoryInformation */
#define RSVD_FILE_BOTH_DIRECTORY_INFORMATION 3u      /**< FileBothDirectoryInformation */
#define RSVD_FILE_BASIC_INFORMATION 4u               /**< FileBasicInformation */
#define RSVD_FILE_STANDARD_INFORMATION 5u            /**< FileStandardInformation */
#define RSVD_FILE_INTERNAL_INFORMATION 6u            /**< FileInternalInformation */
#define RSVD_FILE_EA_INFORMATION 7u                  /**< FileEaInformation */
#define RSVD_FILE_ACCESS_INFORMATION 8u              /**< FileAccessInformation */
#define RSVD_FILE_NAME_INFORMATION 9u                /**< FileNameInformation */
#define RSVD_FILE_RENAME_INFORMATION 10u             /**< FileRenameInformation */
#define RSVD_FILE_LINK_INFORMATION 11u               /**< FileLinkInformation */
#define RSVD_FILE_NAMES_INFORMATION 12u              /**< FileNamesInformation */
#define RSVD_FILE_DISPOSITION_INFORMATION 13u        /**< FileDispositionInformation */
#define RSVD_FILE_POSITION_INFORMATION 14u           /**< FilePositionInformation */
#define RSVD_FILE_FULL_EA_INFORMATION 15u            /**< FileFullEaInformation */
#define RSVD_FILE_MODE_INFORMATION 16u               /**< FileModeInformation */
#define RSVD_FILE_ALIGNMENT_INFORMATION 17u          /**< FileAlignmentInformation */
#define RSVD_FILE_ALL_INFORMATION 18u                /**< FileAllInformation */
#define RSVD_FILE_ALLOCATION_INFORMATION 19u         /**< FileAllocationInformation */
#define RSVD_FILE_END_OF_FILE_INFORMATION 20u        /**< FileEndOfFileInformation */
#define RSVD_FILE_ALTERNATE_NAME_INFORMATION 21u     /**< FileAlternateNameInformation */
#define RSVD_FILE_STREAM_INFORMATION 22u             /**< FileStreamInformation */
#define RSVD_FILE_COMPRESSION_INFORMATION 28u        /**< FileCompressionInformation */
#define RSVD_FILE_NETWORK_OPEN_INFORMATION 34u       /**< FileNetworkOpenInformation */
#define RSVD_FILE_ATTRIBUTE_TAG_INFORMATION 35u      /**< FileAttributeTagInformation */
#define RSVD_FILE_ID_BOTH_DIRECTORY_INFORMATION 37u  /**< FileIdBothDirectoryInformation */
#define RSVD_FILE_ID_FULL_DIRECTORY_INFORMATION 38u  /**< FileIdFullDirectoryInformation */
#define RSVD_FILE_VALID_DATA_LENGTH_INFORMATION 39u  /**< FileValidDataLengthInformation */
#define RSVD_FILE_NORMALIZED_NAME_INFORMATION 48u    /**< FileNormalizedNameInformation */
#define RSVD_FILE_ID_INFORMATION 59u                 /**< FileIdInformation */
/** @} */

/** @name File system information classes ([MS-FSCC] 2.5), the
 * FileInfoClass of a QUERY_INFO with InfoType SMB2_0_INFO_FILESYSTEM
 * @{ */
#define RSVD_FILE_FS_VOLUME_INFORMATION 1u       /**< FileFsVolumeInformation */
#define RSVD_FILE_FS_LABEL_INFORMATION 2u        /**< FileFsLabelInformation */
#define RSVD_FILE_FS_SIZE_INFORMATION 3u         /**< FileFsSizeInformation */
#define RSVD_FILE_FS_DEVICE_INFORMATION 4u       /**< FileFsDeviceInformation */
#define RSVD_FILE_FS_ATTRIBUTE_INFORMATION 5u    /**< FileFsAttributeInformation */
#define RSVD_FILE_FS_CONTROL_INFORMATION 6u      /**< FileFsControlInformation */
#define RSVD_FILE_FS_FULL_SIZE_INFORMATION 7u    /**< FileFsFullSizeInformation */
#define RSVD_FILE_FS_OBJECT_ID_INFORMATION 8u    /**< FileFsObjectIdInformation */
#define RSVD_FILE_FS_SECTOR_SIZE_INFORMATION 11u /**< FileFsSectorSizeInformation */
/** @} */

/** @name File attributes ([MS-FSCC] 2.6)
 * @{ */
#define RSVD_FILE_ATTRIBUTE_READONLY 0x00000001u            /**< read-only */
#define RSVD_FILE_ATTRIBUTE_HIDDEN 0x00000002u              /**< hidden */
#define RSVD_FILE_ATTRIBUTE_SYSTEM 0x00000004u              /**< system */
#define RSVD_FILE_ATTRIBUTE_DIRECTORY 0x00000010u           /**< a directory */
#define RSVD_FILE_ATTRIBUTE_ARCHIVE 0x00000020u             /**< to be archived */
#define RSVD_FILE_ATTRIBUTE_NORMAL 0x00000080u              /**< no other attribute */
#define RSVD_FILE_ATTRIBUTE_TEMPORARY 0x00000100u           /**< temporary */
#define RSVD_FILE_ATTRIBUTE_SPARSE_FILE 0x00000200u         /**< sparse */
#define RSVD_FILE_ATTRIBUTE_REPARSE_POINT 0x00000400u       /**< a reparse point */
#define RSVD_FILE_ATTRIBUTE_COMPRESSED 0x00000800u          /**< compressed */
#define RSVD_FILE_ATTRIBUTE_OFFLINE 0x00001000u             /**< data offline */
#define RSVD_FILE_ATTRIBUTE_NOT_CONTENT_INDEXED 0x00002000u /**< not indexed */
#define RSVD_FILE_ATTRIBUTE_ENCRYPTED 0x00004000u           /**< encrypted */
/** @} */

/** @name Access mask bits ([MS-SMB2] 2.2.13.1.1, 2.2.13.1.2)
 * @{ */
#define RSVD_FILE_READ_DATA 0x00000001u         /**< FILE_READ_DATA / FILE_LIST_DIRECTORY */
#define RSVD_FILE_WRITE_DATA 0x00000002u        /**< FILE_WRITE_DATA / FILE_ADD_FILE */
#define RSVD_FILE_APPEND_DATA 0x00000004u       /**< FILE_APPEND_DATA / FILE_ADD_SUBDIRECTORY */
#define RSVD_FILE_READ_EA 0x00000008u           /**< FILE_READ_EA */
#define RSVD_FILE_WRITE_EA 0x00000010u          /**< FILE_WRITE_EA */
#define RSVD_FILE_EXECUTE 0x00000020u           /**< FILE_EXECUTE / FILE_TRAVERSE */
#define RSVD_FILE_DELETE_CHILD 0x00000040u      /**< FILE_DELETE_CHILD */
#define RSVD_FILE_READ_ATTRIBUTES 0x00000080u   /**< FILE_READ_ATTRIBUTES */
#define RSVD_FILE_WRITE_ATTRIBUTES 0x00000100u  /**< FILE_WRITE_ATTRIBUTES */
#define RSVD_DELETE 0x00010000u                 /**< DELETE */
#define RSVD_READ_CONTROL 0x00020000u           /**< READ_CONTROL */
#define RSVD_WRITE_DAC 0x00040000u              /**< WRITE_DAC */
#define RSVD_WRITE_OWNER 0x00080000u            /**< WRITE_OWNER */
#define RSVD_SYNCHRONIZE 0x00100000u            /**< SYNCHRONIZE */
#define RSVD_ACCESS_SYSTEM_SECURITY 0x01000000u /**< ACCESS_SYSTEM_SECURITY */
#define RSVD_MAXIMUM_ALLOWED 0x02000000u        /**< MAXIMUM_ALLOWED */
#define RSVD_GENERIC_ALL 0x10000000u            /**< GENERIC_ALL */
#define RSVD_GENERIC_EXECUTE 0x20000000u        /**< GENERIC_EXECUTE */
#define RSVD_GENERIC_WRITE 0x40000000u          /**< GENERIC_WRITE */
#define RSVD_GENERIC_READ 0x80000000u           /**< GENERIC_READ */
/** @} */

/** @name ShareAccess bits ([MS-SMB2] 2.2.13)
 * @{ */
/** FILE_SHARE_READ: other opens may read. */
#define RSVD_FILE_SHARE_READ 0x00000001u
/** FILE_SHARE_WRITE: other opens may write. */
#define RSVD_FILE_SHARE_WRITE 0x00000002u
/** FILE_SHARE_DELETE: other opens may delete or rename. */
#define RSVD_FILE_SHARE_DELETE 0x00000004u
/** @} */

/** @name CreateDisposition ([MS-SMB2] 2.2.13)
 * @{ */
/** FILE_SUPERSEDE: replace the file if it exists, else create it. */
#define RSVD_FILE_SUPERSEDE 0x00000000u
/** FILE_OPEN: open the file; fail if it does not exist. */
#define RSVD_FILE_OPEN 0x00000001u
/** FILE_CREATE: create the file; fail if it exists. */
#define RSVD_FILE_CREATE 0x00000002u
/** FILE_OPEN_IF: open the file, or create it if it does not exist. */
#define RSVD_FILE_OPEN_IF 0x00000003u
/** FILE_OVERWRITE: overwrite the file; fail if it does not exist. */
#define RSVD_FILE_OVERWRITE 0x00000004u
/** FILE_OVERWRITE_IF: overwrite the file, or create it if it does not
 * exist. */
#define RSVD_FILE_OVERWRITE_IF 0x00000005u
/** @} */

/** @name CreateOptions bits ([MS-SMB2] 2.2.13)
 * @{ */
/** FILE_DIRECTORY_FILE: the object is a directory. */
#define RSVD_FILE_DIRECTORY_FILE 0x00000001u
/** FILE_WRITE_THROUGH: writes reach storage before they complete. */
#define RSVD_FILE_WRITE_THROUGH 0x00000002u
/** FILE_SEQUENTIAL_ONLY: the file is accessed sequentially. */
#define RSVD_FILE_SEQUENTIAL_ONLY 0x00000004u
/** FILE_NO_INTERMEDIATE_BUFFERING: no caching; an RSVD client sets it on a
 * shared virtual disk open ([MS-RSVD] 3.1.4.2). */
#define RSVD_FILE_NO_INTERMEDIATE_BUFFERING 0x00000008u
/** FILE_SYNCHRONOUS_IO_ALERT: the server ignores it. */
#define RSVD_FILE_SYNCHRONOUS_IO_ALERT 0x00000010u
/** FILE_SYNCHRONOUS_IO_NONALERT: the server ignores it. */
#define RSVD_FILE_SYNCHRONOUS_IO_NONALERT 0x00000020u
/** FILE_NON_DIRECTORY_FILE: the object must not be a directory. */
#define RSVD_FILE_NON_DIRECTORY_FILE 0x00000040u
/** FILE_RANDOM_ACCESS: the file is accessed at random. */
#define RSVD_FILE_RANDOM_ACCESS 0x00000800u
/** FILE_DELETE_ON_CLOSE: delete the file when the last open closes. */
#define RSVD_FILE_DELETE_ON_CLOSE 0x00001000u
/** FILE_OPEN_BY_FILE_ID: the name is a file id. */
#define RSVD_FILE_OPEN_BY_FILE_ID 0x00002000u
/** @} */

/** @name CreateAction ([MS-SMB2] 2.2.14)
 * @{ */
/** FILE_SUPERSEDED: an existing file was replaced. */
#define RSVD_FILE_SUPERSEDED 0x00000000u
/** FILE_OPENED: an existing file was opened. */
#define RSVD_FILE_OPENED 0x00000001u
/** FILE_CREATED: a new file was created. */
#define RSVD_FILE_CREATED 0x00000002u
/** FILE_OVERWRITTEN: an existing file was overwritten. */
#define RSVD_FILE_OVERWRITTEN 0x00000003u
/** @} */

/** FILE_FULL_EA_INFORMATION Flags ([MS-FSCC] 2.4.15): FILE_NEED_EA. */
#define RSVD_FILE_NEED_EA 0x80u

#ifdef __cplusplus
}
#endif

#endif /* RSVD_FSCC_H */
