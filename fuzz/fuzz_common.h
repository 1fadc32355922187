/*
 * Shared pieces of the libFuzzer harnesses.
 *
 * Every harness defines LLVMFuzzerTestOneInput and feeds the input to every
 * decoder of its message family. Whenever a decoder accepts an input, the
 * harness checks the round-trip invariant:
 *
 *     b1 = encode(decode(input)) succeeds,
 *     decode(b1) succeeds, and encode(decode(b1)) == b1 byte for byte.
 *
 * FUZZ_CHECK aborts (a crash libFuzzer reports) when an invariant fails.
 */
#ifndef RSVD_FUZZ_COMMON_H
#define RSVD_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                   \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);   \
            abort();                                                                       \
        }                                                                                  \
    } while (0)

/** Largest message a harness re-encodes; inputs are cut to this size. */
#define FUZZ_MAX_MSG 65536u

/** A decoder and an encoder of one message type, adapted to uniform shapes. */
typedef int (*fuzz_decode_fn)(const uint8_t *buf, size_t len, void *out);
typedef int (*fuzz_encode_fn)(const void *in, uint8_t *buf, size_t cap, size_t *out_len);

/**
 * Runs decode on (data, size); if it succeeds, checks the round-trip
 * invariant above. @p obj_size bytes of scratch hold the decoded structs.
 */
static inline void fuzz_round_trip(const uint8_t *data, size_t size, fuzz_decode_fn dec,
                                   fuzz_encode_fn enc, size_t obj_size)
{
    enum { OBJ_MAX = 4096 };
    static unsigned char obj1[OBJ_MAX], obj2[OBJ_MAX];
    static uint8_t b1[FUZZ_MAX_MSG], b2[FUZZ_MAX_MSG];
    FUZZ_CHECK(obj_size <= OBJ_MAX);
    memset(obj1, 0, obj_size);
    if (dec(data, size, obj1) != 0)
        return;
    size_t n1 = 0, n2 = 0;
    FUZZ_CHECK(enc(obj1, b1, sizeof b1, &n1) == 0);
    FUZZ_CHECK(n1 <= sizeof b1);
    memset(obj2, 0, obj_size);
    FUZZ_CHECK(dec(b1, n1, obj2) == 0);
    FUZZ_CHECK(enc(obj2, b2, sizeof b2, &n2) == 0);
    FUZZ_CHECK(n1 == n2 && memcmp(b1, b2, n1) == 0);
}

#endif /* RSVD_FUZZ_COMMON_H */
