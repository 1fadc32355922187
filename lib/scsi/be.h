/*
 * Big-endian fields for the SCSI layer.
 *
 * SCSI CDBs and parameter data are big-endian ([SPC-3] 3.5); the wire layer's
 * reader and writer (rsvd/wire.h) are little-endian. These helpers add the
 * big-endian widths on top of rsvd_rd_take()/rsvd_wr_take(), so that the SCSI
 * code, like every other decoder, touches untrusted bytes only through the
 * wire layer and inherits its sticky bounds checks.
 */
#ifndef RSVD_SCSI_BE_H
#define RSVD_SCSI_BE_H

#include <rsvd/wire.h>

static inline uint16_t rsvd_rd_be16(rsvd_rd *r)
{
    const uint8_t *p = rsvd_rd_take(r, 2);
    return p ? (uint16_t)((p[0] << 8) | p[1]) : 0;
}

static inline uint32_t rsvd_rd_be24(rsvd_rd *r)
{
    const uint8_t *p = rsvd_rd_take(r, 3);
    return p ? ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 8) | p[2] : 0;
}

static inline uint32_t rsvd_rd_be32(rsvd_rd *r)
{
    const uint8_t *p = rsvd_rd_take(r, 4);
    return p ? ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3]
             : 0;
}

static inline uint64_t rsvd_rd_be64(rsvd_rd *r)
{
    const uint8_t *p = rsvd_rd_take(r, 8);
    if (!p)
        return 0;
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

static inline void rsvd_wr_be16(rsvd_wr *w, uint16_t v)
{
    uint8_t *p = rsvd_wr_take(w, 2);
    if (p) {
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
    }
}

static inline void rsvd_wr_be24(rsvd_wr *w, uint32_t v)
{
    uint8_t *p = rsvd_wr_take(w, 3);
    if (p) {
        p[0] = (uint8_t)(v >> 16);
        p[1] = (uint8_t)(v >> 8);
        p[2] = (uint8_t)v;
    }
}

static inline void rsvd_wr_be32(rsvd_wr *w, uint32_t v)
{
    uint8_t *p = rsvd_wr_take(w, 4);
    if (p)
        for (int i = 0; i < 4; i++)
            p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static inline void rsvd_wr_be64(rsvd_wr *w, uint64_t v)
{
    uint8_t *p = rsvd_wr_take(w, 8);
    if (p)
        for (int i = 0; i < 8; i++)
            p[i] = (uint8_t)(v >> (56 - 8 * i));
}

/** Overwrites a big-endian u16 already written at absolute position @p at
 * (a length known only after the body). */
static inline void rsvd_wr_be16_at(rsvd_wr *w, size_t at, uint16_t v)
{
    if (w->failed || at > w->pos || 2 > w->pos - at) {
        w->failed = true;
        return;
    }
    w->buf[at] = (uint8_t)(v >> 8);
    w->buf[at + 1] = (uint8_t)v;
}

/** Writes @p s into a fixed field of @p n bytes, padded with spaces
 * (the ASCII fields of INQUIRY data, [SPC-3] 4.4.1). */
static inline void rsvd_wr_ascii_field(rsvd_wr *w, const char *s, size_t n)
{
    uint8_t *p = rsvd_wr_take(w, n);
    if (!p)
        return;
    size_t i = 0;
    for (; s && s[i] && i < n; i++)
        p[i] = (uint8_t)((s[i] >= 0x20 && s[i] < 0x7F) ? s[i] : ' ');
    for (; i < n; i++)
        p[i] = ' ';
}

#endif /* RSVD_SCSI_BE_H */
