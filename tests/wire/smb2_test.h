/*
 * Small helpers of the SMB2 message tests: patch little-endian fields of a
 * golden message to break one rule at a time.
 */
#ifndef RSVD_TEST_SMB2_TEST_H
#define RSVD_TEST_SMB2_TEST_H

#include <stddef.h>
#include <stdint.h>

static inline void put16(uint8_t *b, size_t off, uint16_t v)
{
    b[off] = (uint8_t)v;
    b[off + 1] = (uint8_t)(v >> 8);
}

static inline void put32(uint8_t *b, size_t off, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b[off + (size_t)i] = (uint8_t)(v >> (8 * i));
}

static inline void put64(uint8_t *b, size_t off, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        b[off + (size_t)i] = (uint8_t)(v >> (8 * i));
}

/* The FileId every SMB2 golden of the test suite uses after the reconnect. */
#define T_PERSISTENT 0x2A1ull
#define T_VOLATILE 0x100000005ull
#define T_SESSION 0x11ull
#define T_TREE 5u

#endif /* RSVD_TEST_SMB2_TEST_H */
