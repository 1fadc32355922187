/*
 * rsvd-target: access masks ([MS-SMB2] 2.2.13.1.1) and the sharing check
 * of [MS-FSA] 2.1.5.1.2.
 */
#ifndef RSVD_TARGET_ACCESS_H
#define RSVD_TARGET_ACCESS_H

#include <stdbool.h>
#include <stdint.h>

#define TGT_FILE_READ_DATA 0x00000001u
#define TGT_FILE_WRITE_DATA 0x00000002u
#define TGT_FILE_APPEND_DATA 0x00000004u
#define TGT_FILE_READ_EA 0x00000008u
#define TGT_FILE_WRITE_EA 0x00000010u
#define TGT_FILE_EXECUTE 0x00000020u
#define TGT_FILE_DELETE_CHILD 0x00000040u
#define TGT_FILE_READ_ATTRIBUTES 0x00000080u
#define TGT_FILE_WRITE_ATTRIBUTES 0x00000100u
#define TGT_DELETE 0x00010000u
#define TGT_READ_CONTROL 0x00020000u
#define TGT_WRITE_DAC 0x00040000u
#define TGT_WRITE_OWNER 0x00080000u
#define TGT_SYNCHRONIZE 0x00100000u
#define TGT_ACCESS_SYSTEM_SECURITY 0x01000000u
#define TGT_MAXIMUM_ALLOWED 0x02000000u
#define TGT_GENERIC_ALL 0x10000000u
#define TGT_GENERIC_EXECUTE 0x20000000u
#define TGT_GENERIC_WRITE 0x40000000u
#define TGT_GENERIC_READ 0x80000000u
/* FILE_ALL_ACCESS */
#define TGT_FILE_ALL_ACCESS 0x001F01FFu
/* The bits a DesiredAccess may hold ([MS-SMB2] 3.3.5.9). */
#define TGT_ACCESS_VALID_MASK 0xF21F01FFu

/** [MS-SMB2] 2.2.13.1.1: the generic rights and MAXIMUM_ALLOWED mapped to
 * the specific ones (a share of rsvd-target grants every right). */
uint32_t tgt_access_map(uint32_t desired);

/** @return true if @p access reads, writes or deletes (not a stat open). */
bool tgt_access_is_data(uint32_t access);

/** [MS-FSA] 2.1.5.1.2.1: does a new open (@p access, @p share) conflict with
 * an existing one (@p e_access, @p e_share)? */
bool tgt_share_conflict(uint32_t access, uint32_t share, uint32_t e_access, uint32_t e_share);

#endif /* RSVD_TARGET_ACCESS_H */
