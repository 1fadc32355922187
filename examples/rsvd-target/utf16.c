/*
 * rsvd-target: UTF-16LE and UTF-8 (see utf16.h).
 */
#include "utf16.h"

#include <limits.h>
#include <string.h>

#include <rsvd/wire.h>

/* The conversions are the toolkit's (rsvd/wire.h); these add the NUL the
 * host's file names need and the error convention of this example. */

int tgt_utf16_to_utf8(const uint8_t *in, size_t len, char *out, size_t cap)
{
    size_t n;
    if (cap == 0 || rsvd_utf16le_to_utf8(in, len, out, cap - 1, &n) != RSVD_OK)
        return -1;
    out[n] = 0;
    return 0;
}

long tgt_utf8_to_utf16(const char *in, uint8_t *out, size_t cap)
{
    size_t n;
    if (rsvd_utf8_to_utf16le(in, strlen(in), out, cap, &n) != RSVD_OK || n > LONG_MAX)
        return -1;
    return (long)n;
}

static char fold(char c)
{
    return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

bool tgt_name_equal_nocase(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (fold(*a) != fold(*b))
            return false;
    return *a == *b;
}
