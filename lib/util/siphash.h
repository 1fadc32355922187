/*
 * SipHash-2-4 (Aumasson and Bernstein), the keyed hash of the library's
 * hash tables whose keys a client may choose (the RSVD OpenTable's names,
 * the in-memory state store's keys): without the key, inputs cannot be
 * chosen to collide.
 */
#ifndef RSVD_UTIL_SIPHASH_H
#define RSVD_UTIL_SIPHASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * SipHash-2-4 of the @p len bytes at @p data under the 128-bit key
 * (@p k0, @p k1). With @p fold_ascii_case, the ASCII letters 'A'-'Z' are
 * hashed as 'a'-'z' (names compared without regard to case).
 */
uint64_t rsvd_siphash24(uint64_t k0, uint64_t k1, const void *data, size_t len,
                        bool fold_ascii_case);

#endif /* RSVD_UTIL_SIPHASH_H */
