/*
 * FILE_FULL_EA_INFORMATION ([MS-FSCC] 2.4.16): one entry, and chains of
 * entries linked by NextEntryOffset. [MS-RSVD] 3.2.5.7 reads the target
 * specifier out of such a buffer (it cites the section as 2.4.15).
 */
#include <rsvd/wire.h>
#include <rsvd/wire_rsvd.h>

#include "rsvd_wire_util.h"

/* [MS-FSCC] 2.4.16 FILE_FULL_EA_INFORMATION */
int rsvd_file_full_ea_information_decode(const uint8_t *buf, size_t len,
                                         rsvd_file_full_ea_information *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    out->next_entry_offset = rsvd_rd_u32(&r);      /* 0: NextEntryOffset */
    out->flags = rsvd_rd_u8(&r);                   /* 4: Flags */
    out->ea_name_length = rsvd_rd_u8(&r);          /* 5: EaNameLength */
    out->ea_value_length = rsvd_rd_u16(&r);        /* 6: EaValueLength */
    if (!rsvd_rd_ok(&r))
        return RSVD_E_WIRE_SHORT;
    out->ea_name = rsvd_rd_take(&r, out->ea_name_length); /* 8: EaName */
    uint8_t nul = rsvd_rd_u8(&r);                  /* 8 + EaNameLength: its NUL */
    if (!rsvd_rd_ok(&r))
        return RSVD_E_WIRE_RANGE;
    if (nul != 0)
        return RSVD_E_WIRE_NAME;
    out->ea_value = rsvd_rd_take(&r, out->ea_value_length); /* 9 + EaNameLength: EaValue */
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_RANGE;
}

int rsvd_file_full_ea_information_encode(const rsvd_file_full_ea_information *in, uint8_t *buf,
                                         size_t cap, size_t *out_len)
{
    if (!wire_view_ok(in->ea_name, in->ea_name_length) ||
        !wire_view_ok(in->ea_value, in->ea_value_length))
        return RSVD_E_INVAL;
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u32(&w, in->next_entry_offset);        /* 0: NextEntryOffset */
    rsvd_wr_u8(&w, in->flags);                     /* 4: Flags */
    rsvd_wr_u8(&w, in->ea_name_length);            /* 5: EaNameLength */
    rsvd_wr_u16(&w, in->ea_value_length);          /* 6: EaValueLength */
    wire_put_view(&w, in->ea_name, in->ea_name_length); /* 8: EaName */
    rsvd_wr_u8(&w, 0);                             /* 8 + EaNameLength: its NUL */
    wire_put_view(&w, in->ea_value, in->ea_value_length); /* 9 + EaNameLength: EaValue */
    return rsvd_wr_finish(&w, out_len);
}

/* Bytes an entry occupies before any alignment padding. */
static size_t entry_size(const rsvd_file_full_ea_information *ea)
{
    return RSVD_FILE_FULL_EA_INFORMATION_FIXED_SIZE + (size_t)ea->ea_name_length + 1u +
           (size_t)ea->ea_value_length;
}

void rsvd_ea_iter_init(rsvd_ea_iter *it, const uint8_t *buf, size_t len)
{
    it->buf = buf;
    it->len = buf ? len : 0;
    it->pos = 0;
    it->state = 0;
}

/*
 * [MS-FSCC] 2.4.16: "An implementation MUST use this value to determine the
 * location of the next entry"; entries are "aligned on a 4-byte boundary".
 * A link must move forward past the whole entry (no overlap, so no loop) and
 * land where a fixed part still fits.
 */
int rsvd_ea_iter_next(rsvd_ea_iter *it, rsvd_file_full_ea_information *out)
{
    if (it->state < 0)
        return it->state;
    if (it->state > 0)
        return RSVD_E_NOENT;
    rsvd_rd r;
    rsvd_rd_init(&r, it->buf, it->len);
    rsvd_rd_seek(&r, it->pos);
    size_t left = rsvd_rd_left(&r);
    const uint8_t *entry = rsvd_rd_take(&r, left);
    int rc = rsvd_file_full_ea_information_decode(entry, left, out);
    if (rc != RSVD_OK) {
        it->state = rc;
        return rc;
    }
    uint32_t next = out->next_entry_offset;
    if (next == 0) {
        it->state = 1; /* the last entry */
        return RSVD_OK;
    }
    if (next % 4u != 0 || next < entry_size(out) ||
        !rsvd_wire_range_ok(left, next, RSVD_FILE_FULL_EA_INFORMATION_FIXED_SIZE)) {
        it->state = RSVD_E_WIRE_CHAIN;
        return it->state;
    }
    it->pos += next;
    return RSVD_OK;
}

/* [MS-FSCC] 2.4.16: "each MUST be aligned on a 4-byte boundary. Any bytes
 * inserted for alignment SHOULD be set to zero ... No padding is required
 * following the last data element." */
int rsvd_file_full_ea_information_chain_encode(const rsvd_file_full_ea_information *eas,
                                               size_t count, uint8_t *buf, size_t cap,
                                               size_t *out_len)
{
    if (count == 0 || !eas)
        return RSVD_E_INVAL;
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    for (size_t i = 0; i < count; i++) {
        bool last = i + 1 == count;
        rsvd_file_full_ea_information ea = eas[i];
        size_t size = entry_size(&ea);
        size_t padded = (size + 3u) & ~(size_t)3u;
        ea.next_entry_offset = last ? 0u : (uint32_t)padded;
        uint8_t *entry = rsvd_wr_take(&w, size);
        if (entry) {
            int rc = rsvd_file_full_ea_information_encode(&ea, entry, size, NULL);
            if (rc != RSVD_OK)
                return rc;
        }
        if (!last)
            rsvd_wr_zeros(&w, padded - size);      /* alignment padding */
    }
    return rsvd_wr_finish(&w, out_len);
}
