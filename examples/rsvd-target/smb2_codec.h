/*
 * rsvd-target: helpers shared by its SMB2 message codecs (smb2_*.c).
 *
 * The codecs follow the conventions written in rsvd/wire_smb2.h for the
 * library's own: a decoder reads the whole message from its SMB2 header with
 * an rsvd_rd, checks the Command and the StructureSize, checks every
 * (offset, count) pair against the message length and returns the variable
 * parts as views; an encoder writes the header, the fixed part and each
 * buffer at the next multiple of 8 with an rsvd_wr. No byte from the network
 * is read any other way.
 */
#ifndef RSVD_TARGET_SMB2_CODEC_H
#define RSVD_TARGET_SMB2_CODEC_H

#include <rsvd/smb2.h>
#include <rsvd/wire.h>
#include <rsvd/wire_smb2.h>

/* Decodes the header, checks the Command, leaves @p r at the body. */
static inline int smb2c_begin(rsvd_rd *r, const uint8_t *buf, size_t len, rsvd_smb2_hdr *hdr,
                              uint16_t command)
{
    int rc = rsvd_smb2_hdr_decode(buf, len, hdr);
    if (rc != RSVD_OK)
        return rc;
    if (hdr->command != command)
        return RSVD_E_WIRE_COMMAND;
    rsvd_rd_init(r, buf, len);
    rsvd_rd_seek(r, RSVD_SMB2_HEADER_SIZE);
    return RSVD_OK;
}

/* Ends the fixed part: every field was there and StructureSize is right. */
static inline int smb2c_fixed_end(const rsvd_rd *r, uint16_t structure_size, uint16_t expected)
{
    if (!rsvd_rd_ok(r))
        return RSVD_E_WIRE_SHORT;
    if (structure_size != expected)
        return RSVD_E_WIRE_STRUCTURE_SIZE;
    return RSVD_OK;
}

/* The variable part (@p off, @p count) whose first legal byte is @p min_off;
 * a zero count is not checked and gives a NULL view. */
static inline int smb2c_view(const uint8_t *buf, size_t len, uint64_t off, uint64_t count,
                             uint64_t min_off, const uint8_t **view)
{
    *view = NULL;
    if (count == 0)
        return RSVD_OK;
    if (off < min_off || off > (uint64_t)len)
        return RSVD_E_WIRE_OFFSET;
    if (!rsvd_wire_range_ok(len, off, count))
        return RSVD_E_WIRE_RANGE;
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    rsvd_rd_seek(&r, off);
    *view = rsvd_rd_take(&r, (size_t)count);
    return RSVD_OK;
}

/* Writes the 64-byte header of @p h with Command forced to @p command. */
static inline void smb2c_put_hdr(rsvd_wr *w, const rsvd_smb2_hdr *h, uint16_t command)
{
    rsvd_smb2_hdr c = *h;
    c.command = command;
    uint8_t *p = rsvd_wr_take(w, RSVD_SMB2_HEADER_SIZE);
    if (p)
        (void)rsvd_smb2_hdr_encode(&c, p, RSVD_SMB2_HEADER_SIZE);
}

/* Where a buffer goes: right after the fixed part when @p count is not 0
 * (at the next multiple of 8 of @p first), else the offset given. */
static inline uint64_t smb2c_place(uint64_t first, uint64_t count, uint64_t given)
{
    return count == 0 ? given : rsvd_wire_align8(first);
}

/* Writes a buffer placed by smb2c_place(): zero padding, then the bytes. */
static inline void smb2c_put_buf(rsvd_wr *w, uint64_t off, const uint8_t *view, uint64_t count)
{
    if (count == 0)
        return;
    if (off < rsvd_wr_pos(w) || count > SIZE_MAX) {
        (void)rsvd_wr_take(w, SIZE_MAX); /* fails the writer */
        return;
    }
    rsvd_wr_zeros(w, (size_t)(off - rsvd_wr_pos(w)));
    rsvd_wr_bytes(w, view, (size_t)count);
}

/* A view an encoder can use: present whenever its count is not zero. */
static inline bool smb2c_view_ok(const uint8_t *view, uint64_t count)
{
    return count == 0 || view != NULL;
}

#endif /* RSVD_TARGET_SMB2_CODEC_H */
