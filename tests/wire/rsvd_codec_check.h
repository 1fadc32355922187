/*
 * Table-driven checks shared by the MS-RSVD codec tests: for one golden
 * vector, decode -> encode gives the same bytes, decode(encode(x)) == x,
 * a one-byte-short output buffer is refused, and truncations are rejected.
 */
#ifndef RSVD_TESTS_RSVD_CODEC_CHECK_H
#define RSVD_TESTS_RSVD_CODEC_CHECK_H

#include <stdlib.h>
#include <string.h>

#include <rsvd/wire.h>
#include <rsvd/wire_rsvd.h>

#include "testutil.h"

typedef int (*rc_encode_fn)(const void *in, uint8_t *buf, size_t cap, size_t *out_len);
typedef bool (*rc_equal_fn)(const void *a, const void *b);

typedef struct rc_codec {
    /** Golden vector holding the structure. */
    const char *golden;
    /** Bytes before the structure in the vector: RSVD_TUNNEL_HEADER_SIZE for a
     * tunnel message, more for a structure inside a START request's Data. */
    size_t skip;
    /** Expected OperationCode of the vector's tunnel header (0: no header). */
    uint32_t opcode;
    tu_decode_fn dec;
    rc_encode_fn enc;
    size_t size;
    rc_equal_fn equal;
    /** Prefixes shorter than this must be rejected (0: the whole structure).
     * Structures whose last field is "every byte that follows" (a DataBuffer,
     * a START request's Data) stay decodable when only that field is cut. */
    size_t trunc;
} rc_codec;

/** True if two views of @p n bytes hold the same bytes (NULL only when n is 0). */
static inline bool rc_view_eq(const uint8_t *a, const uint8_t *b, size_t n)
{
    if (n == 0)
        return true;
    return a && b && memcmp(a, b, n) == 0;
}

#define RC_EQ(f)                                                                           \
    do {                                                                                   \
        if (a->f != b->f)                                                                  \
            return false;                                                                  \
    } while (0)
#define RC_EQ_GUID(f)                                                                      \
    do {                                                                                   \
        if (!rsvd_guid_equal(&a->f, &b->f))                                                \
            return false;                                                                  \
    } while (0)
#define RC_EQ_BYTES(f)                                                                     \
    do {                                                                                   \
        if (memcmp(a->f, b->f, sizeof a->f) != 0)                                          \
            return false;                                                                  \
    } while (0)
#define RC_EQ_VIEW(f, n)                                                                   \
    do {                                                                                   \
        if (!rc_view_eq(a->f, b->f, (n)))                                                  \
            return false;                                                                  \
    } while (0)

/**
 * Loads golden vector @p name, checks its tunnel header when @p opcode is
 * nonzero, and returns the structure's bytes (after @p skip) in @p msg.
 */
static inline const uint8_t *rc_load(const char *name, size_t skip, uint32_t opcode,
                                     uint8_t *msg, size_t cap, size_t *len)
{
    size_t n = tu_golden_get(name, msg, cap);
    if (n < skip)
        fail_msg("%s: shorter than %zu bytes", name, skip);
    if (opcode) {
        rsvd_tunnel_hdr h;
        assert_int_equal(rsvd_tunnel_hdr_decode(msg, n, &h), RSVD_OK);
        if (h.operation_code != opcode)
            fail_msg("%s: OperationCode 0x%08X, expected 0x%08X", name,
                     (unsigned)h.operation_code, (unsigned)opcode);
    }
    *len = n - skip;
    return msg + skip;
}

static inline void rc_check(const rc_codec *c)
{
    uint8_t msg[1024];
    size_t n = 0;
    const uint8_t *body = rc_load(c->golden, c->skip, c->opcode, msg, sizeof msg, &n);
    void *a = calloc(1, c->size);
    void *b = calloc(1, c->size);
    uint8_t *out = malloc(n + 64);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(out);

    int rc = c->dec(body, n, a);
    if (rc != RSVD_OK)
        fail_msg("%s: decode failed with %s", c->golden, rsvd_error_name(rc));
    assert_int_equal(tu_decode_exact(c->dec, body, n, b), RSVD_OK); /* no read past n */

    size_t out_len = 0;
    rc = c->enc(a, out, n + 64, &out_len);
    if (rc != RSVD_OK)
        fail_msg("%s: encode failed with %s", c->golden, rsvd_error_name(rc));
    tu_assert_bytes(out, out_len, body, n);
    if (n > 0 && c->enc(a, out, n - 1, &out_len) != RSVD_E_NOSPC)
        fail_msg("%s: encode into %zu bytes did not fail with RSVD_E_NOSPC", c->golden, n - 1);

    rc = c->enc(a, out, n + 64, &out_len);
    assert_int_equal(rc, RSVD_OK);
    memset(b, 0, c->size);
    rc = c->dec(out, out_len, b);
    if (rc != RSVD_OK || !c->equal(a, b))
        fail_msg("%s: decode(encode(x)) != x", c->golden);

    tu_assert_truncations_rejected(c->dec, body, c->trunc ? c->trunc : n, c->size);
    free(out);
    free(b);
    free(a);
}

#endif /* RSVD_TESTS_RSVD_CODEC_CHECK_H */
