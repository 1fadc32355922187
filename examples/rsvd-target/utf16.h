/*
 * rsvd-target: UTF-16LE (SMB2 names) to and from UTF-8 (the host's file
 * names), and the case-insensitive comparison SMB2 names get.
 */
#ifndef RSVD_TARGET_UTF16_H
#define RSVD_TARGET_UTF16_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * Converts @p len bytes of UTF-16LE (not terminated) to NUL-terminated
 * UTF-8 in @p out. @return 0, or -1: an odd length, an unpaired surrogate,
 * a NUL code unit, or no room for the result and its NUL.
 */
int tgt_utf16_to_utf8(const uint8_t *in, size_t len, char *out, size_t cap);

/**
 * Converts NUL-terminated UTF-8 to UTF-16LE (not terminated).
 * @return the number of bytes written, or -1 (invalid UTF-8, or no room).
 */
long tgt_utf8_to_utf16(const char *in, uint8_t *out, size_t cap);

/** @return true if @p a and @p b are equal when ASCII letters are compared
 * without case (the rest byte for byte). */
bool tgt_name_equal_nocase(const char *a, const char *b);

#endif /* RSVD_TARGET_UTF16_H */
