/*
 * rsvd-target: UTF-16LE and UTF-8 (see utf16.h).
 */
#include "utf16.h"

#include <rsvd/wire.h>

static int put(char *out, size_t cap, size_t *pos, uint32_t cp)
{
    uint8_t b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (uint8_t)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (uint8_t)(0xC0u | (cp >> 6));
        b[1] = (uint8_t)(0x80u | (cp & 0x3Fu));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (uint8_t)(0xE0u | (cp >> 12));
        b[1] = (uint8_t)(0x80u | ((cp >> 6) & 0x3Fu));
        b[2] = (uint8_t)(0x80u | (cp & 0x3Fu));
        n = 3;
    } else {
        b[0] = (uint8_t)(0xF0u | (cp >> 18));
        b[1] = (uint8_t)(0x80u | ((cp >> 12) & 0x3Fu));
        b[2] = (uint8_t)(0x80u | ((cp >> 6) & 0x3Fu));
        b[3] = (uint8_t)(0x80u | (cp & 0x3Fu));
        n = 4;
    }
    if (cap - *pos <= n) /* keep room for the NUL */
        return -1;
    for (size_t i = 0; i < n; i++)
        out[(*pos)++] = (char)b[i];
    return 0;
}

int tgt_utf16_to_utf8(const uint8_t *in, size_t len, char *out, size_t cap)
{
    if (cap == 0 || (len & 1u))
        return -1;
    rsvd_rd r;
    rsvd_rd_init(&r, in, len);
    size_t pos = 0;
    while (rsvd_rd_left(&r) > 0) {
        uint32_t cp = rsvd_rd_u16(&r);
        if (cp == 0)
            return -1;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (rsvd_rd_left(&r) < 2)
                return -1;
            uint32_t lo = rsvd_rd_u16(&r);
            if (lo < 0xDC00 || lo > 0xDFFF)
                return -1;
            cp = 0x10000u + ((cp - 0xD800u) << 10) + (lo - 0xDC00u);
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return -1;
        }
        if (put(out, cap, &pos, cp) != 0)
            return -1;
    }
    out[pos] = 0;
    return 0;
}

long tgt_utf8_to_utf16(const char *in, uint8_t *out, size_t cap)
{
    rsvd_wr w;
    rsvd_wr_init(&w, out, cap);
    const unsigned char *p = (const unsigned char *)in;
    while (*p) {
        uint32_t cp;
        size_t n;
        if (p[0] < 0x80) {
            cp = p[0];
            n = 1;
        } else if ((p[0] & 0xE0u) == 0xC0u) {
            cp = p[0] & 0x1Fu;
            n = 2;
        } else if ((p[0] & 0xF0u) == 0xE0u) {
            cp = p[0] & 0x0Fu;
            n = 3;
        } else if ((p[0] & 0xF8u) == 0xF0u) {
            cp = p[0] & 0x07u;
            n = 4;
        } else {
            return -1;
        }
        for (size_t i = 1; i < n; i++) {
            if ((p[i] & 0xC0u) != 0x80u)
                return -1;
            cp = (cp << 6) | (p[i] & 0x3Fu);
        }
        if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return -1;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            rsvd_wr_u16(&w, (uint16_t)(0xD800u + (cp >> 10)));
            rsvd_wr_u16(&w, (uint16_t)(0xDC00u + (cp & 0x3FFu)));
        } else {
            rsvd_wr_u16(&w, (uint16_t)cp);
        }
        p += n;
    }
    size_t len = 0;
    if (rsvd_wr_finish(&w, &len) != RSVD_OK)
        return -1;
    return (long)len;
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
