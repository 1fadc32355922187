/*
 * UTF-16LE strings: the conversions to and from UTF-8 and the name checks
 * the codecs and state machines need. SMB2 and MS-RSVD carry names as
 * UTF-16LE ([MS-SMB2] 2.2.13, [MS-RSVD] 2.2.4.12); the library keeps them
 * as UTF-8.
 */
#include <string.h>

#include <rsvd/wire.h>

/* ---- UTF-16LE to UTF-8 ------------------------------------------------------ */

/* Writes code point @p cp at dst[at] when it fits; @return its UTF-8 length. */
static size_t utf8_put(char *dst, size_t cap, size_t at, uint32_t cp)
{
    uint8_t b[4];
    size_t n;
    if (cp < 0x80u) {
        b[0] = (uint8_t)cp;
        n = 1;
    } else if (cp < 0x800u) {
        b[0] = (uint8_t)(0xC0u | (cp >> 6));
        b[1] = (uint8_t)(0x80u | (cp & 0x3Fu));
        n = 2;
    } else if (cp < 0x10000u) {
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
    if (dst && at <= cap && n <= cap - at)
        memcpy(dst + at, b, n);
    return n;
}

int rsvd_utf16le_to_utf8(const uint8_t *src, size_t src_len, char *dst, size_t cap,
                         size_t *out_len)
{
    if (!out_len)
        return RSVD_E_INVAL;
    if (src_len % 2 != 0 || (!src && src_len))
        return RSVD_E_WIRE_NAME;
    rsvd_rd r;
    rsvd_rd_init(&r, src, src_len);
    size_t n = 0;
    while (rsvd_rd_left(&r) > 0) {
        uint32_t cp = rsvd_rd_u16(&r);
        if (cp == 0)
            return RSVD_E_WIRE_NAME;
        if (cp >= 0xD800u && cp <= 0xDBFFu) {
            if (rsvd_rd_left(&r) < 2)
                return RSVD_E_WIRE_NAME;
            uint32_t lo = rsvd_rd_u16(&r);
            if (lo < 0xDC00u || lo > 0xDFFFu)
                return RSVD_E_WIRE_NAME;
            cp = 0x10000u + ((cp - 0xD800u) << 10) + (lo - 0xDC00u);
        } else if (cp >= 0xDC00u && cp <= 0xDFFFu) {
            return RSVD_E_WIRE_NAME;
        }
        n += utf8_put(dst, cap, n, cp);
    }
    if (dst && n > cap)
        return RSVD_E_NOSPC;
    *out_len = n;
    return RSVD_OK;
}

/* ---- UTF-8 to UTF-16LE ------------------------------------------------------ */

/* Decodes one well-formed UTF-8 sequence at s[*i] (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF). @return the code point, or
 * UINT32_MAX. */
static uint32_t utf8_get(const uint8_t *s, size_t len, size_t *i)
{
    uint8_t c = s[*i];
    size_t n;
    uint32_t cp, min;
    if (c < 0x80u) {
        *i += 1;
        return c;
    } else if ((c & 0xE0u) == 0xC0u) {
        n = 2, cp = c & 0x1Fu, min = 0x80u;
    } else if ((c & 0xF0u) == 0xE0u) {
        n = 3, cp = c & 0x0Fu, min = 0x800u;
    } else if ((c & 0xF8u) == 0xF0u) {
        n = 4, cp = c & 0x07u, min = 0x10000u;
    } else {
        return UINT32_MAX;
    }
    if (n > len - *i)
        return UINT32_MAX;
    for (size_t k = 1; k < n; k++) {
        uint8_t t = s[*i + k];
        if ((t & 0xC0u) != 0x80u)
            return UINT32_MAX;
        cp = (cp << 6) | (t & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFFu || (cp >= 0xD800u && cp <= 0xDFFFu))
        return UINT32_MAX;
    *i += n;
    return cp;
}

int rsvd_utf8_to_utf16le(const char *src, size_t src_len, uint8_t *dst, size_t cap,
                         size_t *out_len)
{
    if (!out_len || (!src && src_len))
        return RSVD_E_INVAL;
    const uint8_t *s = (const uint8_t *)src;
    rsvd_wr w;
    rsvd_wr_init(&w, dst, dst ? cap : 0);
    size_t n = 0;
    for (size_t i = 0; i < src_len;) {
        uint32_t cp = utf8_get(s, src_len, &i);
        if (cp == UINT32_MAX)
            return RSVD_E_INVAL;
        if (cp >= 0x10000u) {
            cp -= 0x10000u;
            if (dst) {
                rsvd_wr_u16(&w, (uint16_t)(0xD800u + (cp >> 10)));
                rsvd_wr_u16(&w, (uint16_t)(0xDC00u + (cp & 0x3FFu)));
            }
            n += 4;
        } else {
            if (dst)
                rsvd_wr_u16(&w, (uint16_t)cp);
            n += 2;
        }
    }
    if (dst && !rsvd_wr_ok(&w))
        return RSVD_E_NOSPC;
    *out_len = n;
    return RSVD_OK;
}

/* ---- checks ------------------------------------------------------------------ */

/* [MS-RSVD] 3.2.5.5.7.3, 3.2.5.5.7.4: the length is the byte size of the
 * UTF-16 string, its terminating NUL included. */
int rsvd_utf16z_check(const uint8_t *name, size_t len)
{
    if (len < 2 || len % 2 != 0 || !name)
        return RSVD_E_WIRE_NAME;
    rsvd_rd r;
    rsvd_rd_init(&r, name, len);
    for (size_t units = len / 2; units > 1; units--)
        if (rsvd_rd_u16(&r) == 0)
            return RSVD_E_WIRE_NAME; /* a NUL before the end */
    return rsvd_rd_u16(&r) == 0 ? RSVD_OK : RSVD_E_WIRE_NAME;
}

static unsigned ascii_lower(unsigned c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

bool rsvd_utf16le_ends_with_ascii(const uint8_t *s, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);
    size_t units = s ? len / 2 : 0;
    if (n > units)
        return false;
    rsvd_rd r;
    rsvd_rd_init(&r, s, units * 2);
    rsvd_rd_seek(&r, (uint64_t)(units - n) * 2);
    for (size_t i = 0; i < n; i++) {
        uint16_t c = rsvd_rd_u16(&r);
        if (c > 0x7F || ascii_lower(c) != ascii_lower((unsigned char)suffix[i]))
            return false;
    }
    return rsvd_rd_ok(&r);
}
