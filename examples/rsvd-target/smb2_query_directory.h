/*
 * rsvd-target: QUERY_DIRECTORY request and response ([MS-SMB2] 2.2.33,
 * 2.2.34). The directory entries they carry are built by fscc_info.h.
 */
#ifndef RSVD_TARGET_SMB2_QUERY_DIRECTORY_H
#define RSVD_TARGET_SMB2_QUERY_DIRECTORY_H

#include <rsvd/smb2.h>
#include <rsvd/wire.h>

#define TGT_QUERY_DIRECTORY_REQ_STRUCTURE_SIZE 33u
#define TGT_QUERY_DIRECTORY_REQ_BUFFER_OFFSET 96u
#define TGT_QUERY_DIRECTORY_RSP_STRUCTURE_SIZE 9u
#define TGT_QUERY_DIRECTORY_RSP_BUFFER_OFFSET 72u
/* Flags */
#define TGT_RESTART_SCANS 0x01u
#define TGT_RETURN_SINGLE_ENTRY 0x02u
#define TGT_INDEX_SPECIFIED 0x04u
#define TGT_REOPEN 0x10u

/** SMB2 QUERY_DIRECTORY Request ([MS-SMB2] 2.2.33). */
typedef struct tgt_query_directory_req {
    rsvd_smb2_hdr hdr;
    uint8_t file_information_class;
    uint8_t flags;
    uint32_t file_index;
    rsvd_smb2_fileid file_id;
    uint16_t file_name_offset;
    uint16_t file_name_length;
    uint32_t output_buffer_length;
    const uint8_t *file_name; /* UTF-16LE search pattern */
} tgt_query_directory_req;

int tgt_query_directory_req_decode(const uint8_t *buf, size_t len, tgt_query_directory_req *out);
int tgt_query_directory_req_encode(const tgt_query_directory_req *m, uint8_t *buf, size_t cap,
                                   size_t *out_len);

/** SMB2 QUERY_DIRECTORY Response ([MS-SMB2] 2.2.34). */
typedef struct tgt_query_directory_rsp {
    rsvd_smb2_hdr hdr;
    uint16_t output_buffer_offset;
    uint32_t output_buffer_length;
    const uint8_t *output;
} tgt_query_directory_rsp;

int tgt_query_directory_rsp_decode(const uint8_t *buf, size_t len, tgt_query_directory_rsp *out);
int tgt_query_directory_rsp_encode(const tgt_query_directory_rsp *m, uint8_t *buf, size_t cap,
                                   size_t *out_len);

#endif /* RSVD_TARGET_SMB2_QUERY_DIRECTORY_H */
