/*
 * Helpers shared by the cmocka tests.
 */
#ifndef RSVD_TESTUTIL_H
#define RSVD_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "golden.h"
#include "tu_capture.h"

/**
 * Parses hex digits from @p hex into @p out, skipping whitespace, '|' and
 * '-' separators; fails the test on a stray character or overflow.
 * @return the number of bytes written.
 */
size_t tu_hex(const char *hex, uint8_t *out, size_t cap);

/** Fails the test, printing both buffers in hex, unless they are equal. */
void tu_assert_bytes(const uint8_t *got, size_t got_len, const uint8_t *want, size_t want_len);

/** A decoder adapted to a uniform signature: @p out is the decoded struct. */
typedef int (*tu_decode_fn)(const uint8_t *buf, size_t len, void *out);

/**
 * Checks that @p dec rejects every truncation of the valid message
 * (@p msg, @p len): each prefix of 0..len-1 bytes is copied into a heap block
 * of exactly that size, so that the sanitizers and valgrind see any read past
 * it, and the decoder must return an error. @p out_size is the size of the
 * decoded struct.
 */
void tu_assert_truncations_rejected(tu_decode_fn dec, const uint8_t *msg, size_t len,
                                    size_t out_size);

/**
 * Decodes (@p msg, @p len) from a heap copy of exactly @p len bytes, so that
 * a read past len is caught. The copy is freed before returning: views the
 * decoder stored in @p out must not be used afterwards.
 * @return the decoder's result.
 */
int tu_decode_exact(tu_decode_fn dec, const uint8_t *msg, size_t len, void *out);

/**
 * Copies the golden vector called @p name into @p out; fails the test if
 * there is no such vector or it does not fit.
 * @return its length.
 */
size_t tu_golden_get(const char *name, uint8_t *out, size_t cap);

/**
 * Fails the test unless the call issued with tu_capture_begin(@p cap) was
 * completed exactly once. @return the result it was completed with.
 */
rsvd_io_result tu_capture_end(tu_capture *cap);

#endif /* RSVD_TESTUTIL_H */
