/*
 * Internal helpers shared by the SMB2 message codecs (lib/wire/smb2_*.c).
 *
 * They implement the conventions written at the top of the codec section of
 * rsvd/wire_smb2.h: header first with a Command check, fixed part with a
 * StructureSize check, (offset, count) pairs checked against the message
 * length, buffers placed at multiples of 8 by the encoders.
 */
#ifndef RSVD_LIB_WIRE_SMB2_MSG_H
#define RSVD_LIB_WIRE_SMB2_MSG_H

#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire.h>
#include <rsvd/wire_smb2.h>

/*
 * Decodes the SMB2 header of a message, checks that it carries @p command
 * and leaves @p r positioned at the first body byte.
 */
static inline int smb2_msg_begin(rsvd_rd *r, const uint8_t *buf, size_t len, rsvd_smb2_hdr *hdr,
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

/* Ends the fixed part of a body: every field was there, StructureSize is right. */
static inline int smb2_msg_fixed_end(const rsvd_rd *r, uint16_t structure_size, uint16_t expected)
{
    if (!rsvd_rd_ok(r))
        return RSVD_E_WIRE_SHORT;
    if (structure_size != expected)
        return RSVD_E_WIRE_STRUCTURE_SIZE;
    return RSVD_OK;
}

/*
 * Locates the variable part (@p off, @p count) of the message (@p buf,
 * @p len), whose first legal byte is @p min_off (the end of the fixed part).
 * A zero count is not checked and gives a NULL view.
 */
static inline int smb2_msg_view(const uint8_t *buf, size_t len, uint64_t off, uint64_t count,
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
static inline void smb2_msg_put_hdr(rsvd_wr *w, const rsvd_smb2_hdr *h, uint16_t command)
{
    rsvd_smb2_hdr c = *h;
    c.command = command;
    uint8_t *p = rsvd_wr_take(w, RSVD_SMB2_HEADER_SIZE);
    if (p)
        (void)rsvd_smb2_hdr_encode(&c, p, RSVD_SMB2_HEADER_SIZE);
}

/*
 * Encoder layout of the buffers that follow a fixed part: each non-empty
 * buffer starts at the next multiple of 8; an empty one keeps the offset the
 * caller gave.
 */
typedef struct smb2_layout {
    uint64_t next;
} smb2_layout;

static inline void smb2_layout_init(smb2_layout *l, uint64_t first)
{
    l->next = first;
}

static inline uint64_t smb2_layout_place(smb2_layout *l, uint64_t count, uint64_t given)
{
    if (count == 0)
        return given;
    uint64_t off = rsvd_wire_align8(l->next);
    l->next = off + count;
    return off;
}

/* @return v as a size_t, or SIZE_MAX (which no writer can take) if it does not fit. */
static inline size_t smb2_size(uint64_t v)
{
    return v > (uint64_t)SIZE_MAX ? SIZE_MAX : (size_t)v;
}

/* Writes a buffer placed by smb2_layout_place(): zero padding, then the bytes. */
static inline void smb2_msg_put_buf(rsvd_wr *w, uint64_t off, const uint8_t *view, uint64_t count)
{
    if (count == 0)
        return;
    if (off < rsvd_wr_pos(w)) { /* cannot happen with a layout: fail cleanly */
        (void)rsvd_wr_take(w, SIZE_MAX);
        return;
    }
    rsvd_wr_zeros(w, smb2_size(off - rsvd_wr_pos(w)));
    rsvd_wr_bytes(w, view, smb2_size(count));
}

/* A view is usable by an encoder: present whenever its count is not zero. */
static inline bool smb2_view_ok(const uint8_t *view, uint64_t count)
{
    return count == 0 || view != NULL;
}

#endif /* RSVD_LIB_WIRE_SMB2_MSG_H */
