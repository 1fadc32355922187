/*
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of
 * the VHDX format ([MS-VHDX] 2.2) and of the built-in disk's own files.
 */
#ifndef RSVD_UTIL_CRC32C_H
#define RSVD_UTIL_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/** Continues a CRC-32C over @p len bytes; start with 0. */
uint32_t rsvd_crc32c(uint32_t crc, const void *buf, size_t len);

#endif /* RSVD_UTIL_CRC32C_H */
