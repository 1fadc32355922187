/*
 * File information classes ([MS-FSCC] 2.4) that the backends answer
 * QUERY_INFO with and read SET_INFO from (internal): one layout per class,
 * shared by the file object store, the built-in virtual SCSI disk and the
 * iSCSI disk.
 *
 * The classes are the ones [MS-RSVD] 3.2.5.8 and 3.2.5.9 name:
 * FileStandardInformation, FileNetworkOpenInformation and
 * FileEndOfFileInformation (RSVD_FILE_*_INFORMATION in rsvd/backend.h).
 */
#ifndef RSVD_LIB_WIRE_FSCC_INFO_H
#define RSVD_LIB_WIRE_FSCC_INFO_H

#include <stddef.h>
#include <stdint.h>

/* [MS-FSCC] 2.4.41 FILE_STANDARD_INFORMATION, in bytes. */
#define FSCC_FILE_STANDARD_INFORMATION_SIZE 24u
/* [MS-FSCC] 2.4.29 FILE_NETWORK_OPEN_INFORMATION. */
#define FSCC_FILE_NETWORK_OPEN_INFORMATION_SIZE 56u
/* [MS-FSCC] 2.4.14 FILE_END_OF_FILE_INFORMATION. */
#define FSCC_FILE_END_OF_FILE_INFORMATION_SIZE 8u

/* [MS-FSCC] 2.6 FILE_ATTRIBUTE_ARCHIVE. */
#define FSCC_FILE_ATTRIBUTE_ARCHIVE 0x00000020u

/*
 * What the three classes carry, field names as in [MS-FSCC]. An encoder
 * writes the fields of its class and ignores the others; a decoder zeroes
 * the struct and fills the fields of its class.
 */
typedef struct rsvd_fscc_file_info {
    uint64_t creation_time;    /* FILETIME ([MS-DTYP] 2.3.3) */
    uint64_t last_access_time; /* FILETIME */
    uint64_t last_write_time;  /* FILETIME */
    uint64_t change_time;      /* FILETIME */
    uint64_t allocation_size;  /* bytes */
    uint64_t end_of_file;      /* bytes; the classes define it as signed and at least 0 */
    uint32_t number_of_links;
    uint8_t delete_pending;    /* Boolean ([MS-FSCC] 2.1.8), as sent */
    uint8_t directory;         /* Boolean, as sent */
    uint32_t file_attributes;  /* FILE_ATTRIBUTE_* ([MS-FSCC] 2.6) */
} rsvd_fscc_file_info;

/**
 * @return the size in bytes of information class @p info_class, or 0 if it
 * is not one of the three.
 */
size_t rsvd_fscc_file_info_size(uint32_t info_class);

/**
 * Encodes class @p info_class of @p fi: exactly rsvd_fscc_file_info_size()
 * bytes, Reserved fields zero.
 * @return RSVD_OK (and *out_len when out_len is not NULL), RSVD_E_NOTSUP
 * for another class, RSVD_E_NOSPC if @p cap is smaller, RSVD_E_INVAL if
 * @p fi is NULL.
 */
int rsvd_fscc_file_info_encode(uint32_t info_class, const rsvd_fscc_file_info *fi, uint8_t *buf,
                               size_t cap, size_t *out_len);

/**
 * Decodes class @p info_class from (@p buf, @p len); bytes after the class's
 * size are not read (a SET_INFO buffer may be longer).
 * @return RSVD_OK, RSVD_E_WIRE_SHORT if @p len is smaller than the class,
 * RSVD_E_WIRE_VALUE for a negative EndOfFile in FileEndOfFileInformation
 * ([MS-FSCC] 2.4.14), RSVD_E_NOTSUP for another class, RSVD_E_INVAL if
 * @p out is NULL.
 */
int rsvd_fscc_file_info_decode(uint32_t info_class, const uint8_t *buf, size_t len,
                               rsvd_fscc_file_info *out);

#endif /* RSVD_LIB_WIRE_FSCC_INFO_H */
