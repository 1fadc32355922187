/*
 * Golden byte vectors: messages laid out by hand from the spec tables and
 * worked examples, never produced by the library's own encoders.
 *
 * One table serves three users: the cmocka tests compare the codecs against
 * these bytes, the seed-corpus generator writes them as the fuzzers' seeds
 * (one directory per fuzz harness, named by `family`), and the pcap test
 * writes the complete SMB2 messages among them into a capture for tshark.
 * This file needs nothing but libc.
 */
#ifndef RSVD_GOLDEN_H
#define RSVD_GOLDEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct tu_golden {
    /** The fuzz harness whose seed corpus this vector joins. */
    const char *family;
    /** Unique name, used by the tests to fetch it. */
    const char *name;
    /** True if the bytes are a complete SMB2 message (header first). */
    bool smb2_message;
    /** Hex digits; whitespace and '|' separators are ignored. */
    const char *hex;
} tu_golden;

extern const tu_golden tu_golden_vectors[];
extern const size_t tu_golden_count;

/** @return the vector called @p name, or NULL. */
const tu_golden *tu_golden_find(const char *name);

/**
 * Parses a vector's hex into @p out.
 * @return the number of bytes, or (size_t)-1 on a malformed string or
 * overflow of @p cap.
 */
size_t tu_golden_parse(const tu_golden *g, uint8_t *out, size_t cap);

#endif /* RSVD_GOLDEN_H */
