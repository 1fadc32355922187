/*
 * rsvd-target: the [MS-FSCC] information structures a file server returns
 * and takes - file information (2.4) for QUERY_INFO and SET_INFO, the
 * directory entries of QUERY_DIRECTORY, and file system information (2.5).
 * Encoders write with an rsvd_wr; the SET_INFO decoders read with an
 * rsvd_rd.
 */
#ifndef RSVD_TARGET_FSCC_INFO_H
#define RSVD_TARGET_FSCC_INFO_H

#include <rsvd/wire.h>

/** @name File information classes ([MS-FSCC] 2.4)
 * @{ */
#define TGT_FILE_DIRECTORY_INFORMATION 1u
#define TGT_FILE_FULL_DIRECTORY_INFORMATION 2u
#define TGT_FILE_BOTH_DIRECTORY_INFORMATION 3u
#define TGT_FILE_BASIC_INFORMATION 4u
#define TGT_FILE_STANDARD_INFORMATION 5u
#define TGT_FILE_INTERNAL_INFORMATION 6u
#define TGT_FILE_EA_INFORMATION 7u
#define TGT_FILE_ACCESS_INFORMATION 8u
#define TGT_FILE_NAME_INFORMATION 9u
#define TGT_FILE_RENAME_INFORMATION 10u
#define TGT_FILE_NAMES_INFORMATION 12u
#define TGT_FILE_DISPOSITION_INFORMATION 13u
#define TGT_FILE_POSITION_INFORMATION 14u
#define TGT_FILE_FULL_EA_INFORMATION 15u
#define TGT_FILE_MODE_INFORMATION 16u
#define TGT_FILE_ALIGNMENT_INFORMATION 17u
#define TGT_FILE_ALL_INFORMATION 18u
#define TGT_FILE_ALLOCATION_INFORMATION 19u
#define TGT_FILE_END_OF_FILE_INFORMATION 20u
#define TGT_FILE_ALTERNATE_NAME_INFORMATION 21u
#define TGT_FILE_STREAM_INFORMATION 22u
#define TGT_FILE_COMPRESSION_INFORMATION 28u
#define TGT_FILE_NETWORK_OPEN_INFORMATION 34u
#define TGT_FILE_ATTRIBUTE_TAG_INFORMATION 35u
#define TGT_FILE_ID_BOTH_DIRECTORY_INFORMATION 37u
#define TGT_FILE_ID_FULL_DIRECTORY_INFORMATION 38u
#define TGT_FILE_DISPOSITION_INFORMATION_EX 64u
/** @} */

/** @name File system information classes ([MS-FSCC] 2.5)
 * @{ */
#define TGT_FS_VOLUME_INFORMATION 1u
#define TGT_FS_SIZE_INFORMATION 3u
#define TGT_FS_DEVICE_INFORMATION 4u
#define TGT_FS_ATTRIBUTE_INFORMATION 5u
#define TGT_FS_FULL_SIZE_INFORMATION 7u
#define TGT_FS_OBJECT_ID_INFORMATION 8u
#define TGT_FS_SECTOR_SIZE_INFORMATION 11u
/** @} */

/** @name File attributes ([MS-FSCC] 2.6)
 * @{ */
#define TGT_ATTR_READONLY 0x00000001u
#define TGT_ATTR_HIDDEN 0x00000002u
#define TGT_ATTR_SYSTEM 0x00000004u
#define TGT_ATTR_DIRECTORY 0x00000010u
#define TGT_ATTR_ARCHIVE 0x00000020u
#define TGT_ATTR_NORMAL 0x00000080u
/** @} */

/* FileDispositionInformationEx Flags ([MS-FSCC] 2.4.12). */
#define TGT_FILE_DISPOSITION_DELETE 0x00000001u
#define TGT_FILE_DISPOSITION_POSIX_SEMANTICS 0x00000002u

/** What the server knows of a file, for every class below. */
typedef struct tgt_file_info {
    uint64_t creation_time;    /* FILETIME */
    uint64_t last_access_time;
    uint64_t last_write_time;
    uint64_t change_time;
    uint64_t allocation_size;
    uint64_t end_of_file;
    uint32_t attributes;
    uint32_t links;
    uint64_t index_number;     /* the file id */
    bool delete_pending;
    bool directory;
} tgt_file_info;

/** The largest fixed part of a directory entry (FileIdBothDirectoryInformation). */
#define TGT_DIRENT_FIXED_MAX 104u

/** @return the size of the fixed part of a directory entry of @p cls, or 0
 * for a class QUERY_DIRECTORY does not support. */
size_t tgt_fscc_dirent_fixed_size(uint8_t cls);

/**
 * Writes one directory entry of class @p cls ([MS-FSCC] 2.4.8, 2.4.14,
 * 2.4.17, 2.4.18, 2.4.26, 2.4.33) with NextEntryOffset 0 (the caller links
 * the entries). @p name16 is the UTF-16LE name.
 * @return RSVD_OK, RSVD_E_NOSPC or RSVD_E_INVAL (class).
 */
int tgt_fscc_dirent_encode(uint8_t cls, const tgt_file_info *fi, uint32_t file_index,
                           const uint8_t *name16, size_t name16_len, rsvd_wr *w);

/** What a file information query needs besides tgt_file_info. */
typedef struct tgt_file_query {
    const tgt_file_info *fi;
    uint32_t access;          /* FileAccessInformation */
    uint64_t position;        /* FilePositionInformation */
    uint32_t mode;            /* FileModeInformation */
    const uint8_t *name16;    /* FileNameInformation: "\share-relative\path" */
    size_t name16_len;
} tgt_file_query;

/**
 * Writes file information class @p cls ([MS-FSCC] 2.4) in full.
 * @param min set to the size of its fixed part (below which a query fails
 * with STATUS_INFO_LENGTH_MISMATCH).
 * @return RSVD_OK, RSVD_E_NOSPC, or RSVD_E_NOTSUP (a class not answered:
 * STATUS_INVALID_INFO_CLASS).
 */
int tgt_fscc_file_info_encode(uint8_t cls, const tgt_file_query *q, rsvd_wr *w, size_t *min);

/** What a file system information query needs. */
typedef struct tgt_fs_query {
    uint64_t total_units;      /* allocation units of 4096 bytes */
    uint64_t free_units;
    uint32_t serial;
    uint64_t created;          /* FILETIME of the volume */
    const uint8_t *label16;    /* the share name */
    size_t label16_len;
} tgt_fs_query;

/** Writes file system information class @p cls ([MS-FSCC] 2.5); as
 * tgt_fscc_file_info_encode(). */
int tgt_fscc_fs_info_encode(uint8_t cls, const tgt_fs_query *q, rsvd_wr *w, size_t *min);

/** @name SECURITY_INFORMATION bits of AdditionalInformation ([MS-SMB2] 2.2.37)
 * @{ */
#define TGT_OWNER_SECURITY_INFORMATION 0x00000001u
#define TGT_GROUP_SECURITY_INFORMATION 0x00000002u
#define TGT_DACL_SECURITY_INFORMATION 0x00000004u
/** @} */

/**
 * Writes the self-relative security descriptor ([MS-DTYP] 2.4.6) every file
 * of rsvd-target has: owner and group BUILTIN\Administrators, and a DACL
 * that allows Everyone FILE_ALL_ACCESS - the parts @p info asks for.
 * @return RSVD_OK or RSVD_E_NOSPC.
 */
int tgt_fscc_security_encode(uint32_t info, rsvd_wr *w);

/** FileBasicInformation as SET_INFO gives it ([MS-FSCC] 2.4.7): times 0
 * leave a time alone, -1 stop its updates; attributes 0 leave them. */
typedef struct tgt_set_basic {
    uint64_t creation_time, last_access_time, last_write_time, change_time;
    uint32_t attributes;
} tgt_set_basic;

/** @return RSVD_OK or RSVD_E_WIRE_SHORT (fewer than 40 bytes). */
int tgt_fscc_set_basic_decode(const uint8_t *buf, size_t len, tgt_set_basic *out);
/** An 8-byte value (end of file, allocation size, position). */
int tgt_fscc_u64_decode(const uint8_t *buf, size_t len, uint64_t *out);
/** A 4-byte value (mode, disposition flags). */
int tgt_fscc_u32_decode(const uint8_t *buf, size_t len, uint32_t *out);
/** FileDispositionInformation: DeletePending, 1 byte. */
int tgt_fscc_u8_decode(const uint8_t *buf, size_t len, uint8_t *out);

/** FILE_RENAME_INFORMATION_TYPE_2 ([MS-FSCC] 2.4.37.2), as SMB2 sends it. */
typedef struct tgt_set_rename {
    bool replace_if_exists;
    uint64_t root_directory;
    const uint8_t *name16; /* view */
    uint32_t name16_len;
} tgt_set_rename;

/** @return RSVD_OK, RSVD_E_WIRE_SHORT or RSVD_E_WIRE_NAME (an odd or empty
 * FileNameLength). */
int tgt_fscc_set_rename_decode(const uint8_t *buf, size_t len, tgt_set_rename *out);
/** Encodes it (for tests and the fuzz round trip). */
int tgt_fscc_set_rename_encode(const tgt_set_rename *m, uint8_t *buf, size_t cap,
                               size_t *out_len);
int tgt_fscc_set_basic_encode(const tgt_set_basic *m, uint8_t *buf, size_t cap, size_t *out_len);

#endif /* RSVD_TARGET_FSCC_INFO_H */
