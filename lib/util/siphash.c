/*
 * SipHash-2-4 (util/siphash.h).
 */
#include "util/siphash.h"

static inline uint64_t rotl(uint64_t x, unsigned b)
{
    return (x << b) | (x >> (64u - b));
}

#define SIPROUND                                                                           \
    do {                                                                                   \
        v0 += v1;                                                                          \
        v1 = rotl(v1, 13);                                                                 \
        v1 ^= v0;                                                                          \
        v0 = rotl(v0, 32);                                                                 \
        v2 += v3;                                                                          \
        v3 = rotl(v3, 16);                                                                 \
        v3 ^= v2;                                                                          \
        v0 += v3;                                                                          \
        v3 = rotl(v3, 21);                                                                 \
        v3 ^= v0;                                                                          \
        v2 += v1;                                                                          \
        v1 = rotl(v1, 17);                                                                 \
        v1 ^= v2;                                                                          \
        v2 = rotl(v2, 32);                                                                 \
    } while (0)

static inline uint8_t fold(uint8_t c, bool fold_ascii)
{
    return (fold_ascii && c >= 'A' && c <= 'Z') ? (uint8_t)(c + ('a' - 'A')) : c;
}

uint64_t rsvd_siphash24(const uint64_t key[2], const void *data, size_t len, bool fold_ascii)
{
    const uint64_t k0 = key[0], k1 = key[1];
    uint64_t v0 = 0x736f6d6570736575ull ^ k0;
    uint64_t v1 = 0x646f72616e646f6dull ^ k1;
    uint64_t v2 = 0x6c7967656e657261ull ^ k0;
    uint64_t v3 = 0x7465646279746573ull ^ k1;
    const uint8_t *p = data;
    uint64_t m = 0;
    for (size_t i = 0; i < len; i++) {
        m |= (uint64_t)fold(p[i], fold_ascii) << (8u * (i % 8u));
        if (i % 8u == 7u) {
            v3 ^= m;
            SIPROUND;
            SIPROUND;
            v0 ^= m;
            m = 0;
        }
    }
    m |= (uint64_t)(len & 0xFFu) << 56;
    v3 ^= m;
    SIPROUND;
    SIPROUND;
    v0 ^= m;
    v2 ^= 0xFFu;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}
