/*
 * librsvd - the bounds-checked wire layer.
 *
 * One reader type and one writer type for little-endian fields. No other
 * code in the library does pointer arithmetic on bytes that came from the
 * network: every decoder walks its input with an rsvd_rd, every encoder fills
 * its output with an rsvd_wr.
 *
 * Both types carry a sticky failure flag. A read past the end returns zero
 * and marks the reader failed; a write past the capacity writes nothing and
 * marks the writer failed. A decoder therefore reads like the spec's table,
 * one line per field in wire order, and checks once at the end.
 */
#ifndef RSVD_WIRE_H
#define RSVD_WIRE_H

#include <string.h>

#include <rsvd/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @file
 * @brief The bounds-checked little-endian reader and writer, and the UTF-16LE
 * string helpers; the message codecs built on them are in rsvd/wire_smb2.h and
 * rsvd/wire_rsvd.h (toolkit).
 */

/**
 * @return true if [off, off + count) lies inside a buffer of @p total bytes.
 * Computed without overflow for any 64-bit inputs.
 */
static inline bool rsvd_wire_range_ok(size_t total, uint64_t off, uint64_t count)
{
    return off <= (uint64_t)total && count <= (uint64_t)total - off;
}

/** Rounds @p v up to a multiple of 8 (v must be below UINT64_MAX - 7). */
static inline uint64_t rsvd_wire_align8(uint64_t v)
{
    return (v + 7u) & ~(uint64_t)7u;
}

/* ------------------------------------------------------------------------ */
/* Reader                                                                    */
/* ------------------------------------------------------------------------ */

/**
 * Reader over untrusted bytes. Fields are private to the inline functions
 * below; use them only through those functions.
 */
typedef struct rsvd_rd {
    const uint8_t *buf; /**< first byte of the input */
    size_t len;         /**< bytes readable from buf */
    size_t pos;         /**< next byte to read */
    bool failed;        /**< sticky: a read ran past len */
} rsvd_rd;

/** Starts reading @p len bytes at @p buf (buf may be NULL when len is 0). */
static inline void rsvd_rd_init(rsvd_rd *r, const uint8_t *buf, size_t len)
{
    r->buf = buf;
    r->len = buf ? len : 0;
    r->pos = 0;
    r->failed = false;
}

/** @return true if no read so far has run past the end. */
static inline bool rsvd_rd_ok(const rsvd_rd *r)
{
    return !r->failed;
}

/** @return the bytes left after the current position. */
static inline size_t rsvd_rd_left(const rsvd_rd *r)
{
    return r->len - r->pos;
}

/** @return the current position (bytes consumed from the start). */
static inline size_t rsvd_rd_pos(const rsvd_rd *r)
{
    return r->pos;
}

/**
 * Reserves @p n bytes: @return a pointer to them and advances, or NULL (and
 * marks the reader failed) if fewer than @p n bytes are left. A reservation
 * of 0 bytes on a reader without a buffer returns NULL without failing.
 */
static inline const uint8_t *rsvd_rd_take(rsvd_rd *r, size_t n)
{
    if (r->failed || n > r->len - r->pos) {
        r->failed = true;
        return NULL;
    }
    const uint8_t *p = r->buf ? r->buf + r->pos : NULL; /* NULL only when n is 0 */
    r->pos += n;
    return p;
}

/** Reads one byte; 0 if it is not there (the reader is then failed). */
static inline uint8_t rsvd_rd_u8(rsvd_rd *r)
{
    const uint8_t *p = rsvd_rd_take(r, 1);
    return p ? p[0] : 0;
}

/** Reads a little-endian u16; 0 if it is not all there (reader failed). */
static inline uint16_t rsvd_rd_u16(rsvd_rd *r)
{
    const uint8_t *p = rsvd_rd_take(r, 2);
    return p ? (uint16_t)(p[0] | (p[1] << 8)) : 0;
}

/** Reads a little-endian u32; 0 if it is not all there (reader failed). */
static inline uint32_t rsvd_rd_u32(rsvd_rd *r)
{
    const uint8_t *p = rsvd_rd_take(r, 4);
    return p ? (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
                   ((uint32_t)p[3] << 24)
             : 0;
}

/** Reads a little-endian u64; 0 if it is not all there (reader failed). */
static inline uint64_t rsvd_rd_u64(rsvd_rd *r)
{
    const uint8_t *p = rsvd_rd_take(r, 8);
    if (!p)
        return 0;
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/** Copies @p n bytes into @p dst (zero-fills dst if they are not there). */
static inline void rsvd_rd_copy(rsvd_rd *r, void *dst, size_t n)
{
    const uint8_t *p = rsvd_rd_take(r, n);
    if (p)
        memcpy(dst, p, n);
    else if (n)
        memset(dst, 0, n);
}

/** Copies a 16-byte GUID as it lies on the wire (zeroed if not all there). */
static inline void rsvd_rd_guid(rsvd_rd *r, rsvd_guid *g)
{
    rsvd_rd_copy(r, g->b, sizeof g->b);
}

/** Skips @p n bytes (a Reserved field the receiver must ignore). */
static inline void rsvd_rd_skip(rsvd_rd *r, size_t n)
{
    (void)rsvd_rd_take(r, n);
}

/**
 * Moves to absolute position @p pos. Seeking past the end marks the reader
 * failed; seeking to exactly len is allowed (nothing left to read).
 */
static inline void rsvd_rd_seek(rsvd_rd *r, uint64_t pos)
{
    if (r->failed || pos > (uint64_t)r->len) {
        r->failed = true;
        return;
    }
    r->pos = (size_t)pos;
}

/* ------------------------------------------------------------------------ */
/* Writer                                                                    */
/* ------------------------------------------------------------------------ */

/** Writer into a caller buffer. Fields are private to the functions below. */
typedef struct rsvd_wr {
    uint8_t *buf;  /**< first byte of the output */
    size_t cap;    /**< bytes writable at buf */
    size_t pos;    /**< next byte to write */
    bool failed;   /**< sticky: a write did not fit */
} rsvd_wr;

/** Starts writing into @p cap bytes at @p buf (buf may be NULL when cap is 0). */
static inline void rsvd_wr_init(rsvd_wr *w, uint8_t *buf, size_t cap)
{
    w->buf = buf;
    w->cap = buf ? cap : 0;
    w->pos = 0;
    w->failed = false;
}

/** @return true if every write so far fitted. */
static inline bool rsvd_wr_ok(const rsvd_wr *w)
{
    return !w->failed;
}

/** @return the number of bytes written so far. */
static inline size_t rsvd_wr_pos(const rsvd_wr *w)
{
    return w->pos;
}

/**
 * Reserves @p n bytes: @return a pointer to them and advances, or NULL (and
 * marks the writer failed) if they do not fit. A reservation of 0 bytes on a
 * writer without a buffer returns NULL without failing.
 */
static inline uint8_t *rsvd_wr_take(rsvd_wr *w, size_t n)
{
    if (w->failed || n > w->cap - w->pos) {
        w->failed = true;
        return NULL;
    }
    uint8_t *p = w->buf ? w->buf + w->pos : NULL; /* NULL only when n is 0 */
    w->pos += n;
    return p;
}

/** Writes one byte; if it does not fit, nothing is written and the writer
 * fails (as for every write below). */
static inline void rsvd_wr_u8(rsvd_wr *w, uint8_t v)
{
    uint8_t *p = rsvd_wr_take(w, 1);
    if (p)
        p[0] = v;
}

/** Writes @p v as a little-endian u16. */
static inline void rsvd_wr_u16(rsvd_wr *w, uint16_t v)
{
    uint8_t *p = rsvd_wr_take(w, 2);
    if (p) {
        p[0] = (uint8_t)v;
        p[1] = (uint8_t)(v >> 8);
    }
}

/** Writes @p v as a little-endian u32. */
static inline void rsvd_wr_u32(rsvd_wr *w, uint32_t v)
{
    uint8_t *p = rsvd_wr_take(w, 4);
    if (p)
        for (int i = 0; i < 4; i++)
            p[i] = (uint8_t)(v >> (8 * i));
}

/** Writes @p v as a little-endian u64. */
static inline void rsvd_wr_u64(rsvd_wr *w, uint64_t v)
{
    uint8_t *p = rsvd_wr_take(w, 8);
    if (p)
        for (int i = 0; i < 8; i++)
            p[i] = (uint8_t)(v >> (8 * i));
}

/** Writes @p n bytes from @p src (src may be NULL only when n is 0). */
static inline void rsvd_wr_bytes(rsvd_wr *w, const void *src, size_t n)
{
    uint8_t *p = rsvd_wr_take(w, n);
    if (p && n)
        memcpy(p, src, n);
}

/** Writes @p n zero bytes (Reserved fields, padding). */
static inline void rsvd_wr_zeros(rsvd_wr *w, size_t n)
{
    uint8_t *p = rsvd_wr_take(w, n);
    if (p && n)
        memset(p, 0, n);
}

/** Writes the 16 bytes of @p g as they are. */
static inline void rsvd_wr_guid(rsvd_wr *w, const rsvd_guid *g)
{
    rsvd_wr_bytes(w, g->b, sizeof g->b);
}

/** Pads with zeros up to the next multiple of 8 of the position. */
static inline void rsvd_wr_pad8(rsvd_wr *w)
{
    rsvd_wr_zeros(w, (size_t)(rsvd_wire_align8(w->pos) - w->pos));
}

/**
 * Overwrites a little-endian u16 already written at absolute position
 * @p at (for length and offset fields known only after the body).
 */
static inline void rsvd_wr_u16_at(rsvd_wr *w, size_t at, uint16_t v)
{
    if (w->failed || at > w->pos || 2 > w->pos - at) {
        w->failed = true;
        return;
    }
    w->buf[at] = (uint8_t)v;
    w->buf[at + 1] = (uint8_t)(v >> 8);
}

/** As rsvd_wr_u16_at() for a u32. */
static inline void rsvd_wr_u32_at(rsvd_wr *w, size_t at, uint32_t v)
{
    if (w->failed || at > w->pos || 4 > w->pos - at) {
        w->failed = true;
        return;
    }
    for (int i = 0; i < 4; i++)
        w->buf[at + (size_t)i] = (uint8_t)(v >> (8 * i));
}

/**
 * Ends an encoder: @return RSVD_OK and stores the length written in
 * *out_len (when out_len is not NULL), or RSVD_E_NOSPC if any write failed.
 */
static inline int rsvd_wr_finish(const rsvd_wr *w, size_t *out_len)
{
    if (w->failed)
        return RSVD_E_NOSPC;
    if (out_len)
        *out_len = w->pos;
    return RSVD_OK;
}

/* ------------------------------------------------------------------------ */
/* UTF-16LE strings                                                          */
/* ------------------------------------------------------------------------ */

/**
 * Converts the UTF-16LE string (@p src, @p src_len bytes) to UTF-8.
 * With @p dst NULL it only measures. A name on the wire is neither
 * NUL-terminated nor allowed to contain a NUL.
 * @return RSVD_OK with the UTF-8 length in *out_len (no NUL written or
 * counted), RSVD_E_WIRE_NAME (odd length, an unpaired surrogate or a NUL
 * code unit) or RSVD_E_NOSPC (@p dst is shorter than the result; nothing is
 * guaranteed about its content).
 */
RSVD_API int rsvd_utf16le_to_utf8(const uint8_t *src, size_t src_len, char *dst, size_t cap,
                                  size_t *out_len);

/**
 * Converts the UTF-8 string (@p src, @p src_len bytes) to UTF-16LE, code
 * points above U+FFFF as surrogate pairs. With @p dst NULL it only
 * measures.
 * @return RSVD_OK with the UTF-16LE length in bytes in *out_len,
 * RSVD_E_INVAL (not well-formed UTF-8: an overlong form, a surrogate code
 * point, a value above U+10FFFF, a truncated sequence) or RSVD_E_NOSPC.
 */
RSVD_API int rsvd_utf8_to_utf16le(const char *src, size_t src_len, uint8_t *dst, size_t cap,
                                  size_t *out_len);

/**
 * Checks a NUL-terminated UTF-16LE name whose length field counts the NUL
 * (MS-RSVD DestinationFileName, DestinationVhdSetName): @p len is even and
 * at least 2, the last code unit is 0x0000 and no earlier one is.
 * @return RSVD_OK or RSVD_E_WIRE_NAME.
 */
RSVD_API int rsvd_utf16z_check(const uint8_t *name, size_t len);

/**
 * @return true if the UTF-16LE string (@p s, @p len bytes; a trailing odd
 * byte is ignored) ends with the ASCII string @p suffix, compared without
 * regard to ASCII case.
 */
RSVD_API bool rsvd_utf16le_ends_with_ascii(const uint8_t *s, size_t len, const char *suffix);

#ifdef __cplusplus
}
#endif


#endif /* RSVD_WIRE_H */
