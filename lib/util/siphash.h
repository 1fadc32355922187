/*
 * SipHash-2-4 (Aumasson and Bernstein), the keyed hash of every index whose
 * keys a client chooses (file names, CreateGuids, ClientGuids, user
 * identities): with a key the client does not know, it cannot make
 * entries collide on purpose.
 */
#ifndef RSVD_UTIL_SIPHASH_H
#define RSVD_UTIL_SIPHASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * SipHash-2-4 of the @p len bytes at @p data under @p key. With
 * @p fold_ascii, the letters A-Z are hashed as a-z (names that compare
 * without regard to ASCII case hash alike).
 */
uint64_t rsvd_siphash24(const uint64_t key[2], const void *data, size_t len, bool fold_ascii);

#endif /* RSVD_UTIL_SIPHASH_H */
