/*
 * The sense-error store: Open.SenseErrorSequence and Open.SenseErrorDataList
 * ([MS-RSVD] 3.2.1.2, 3.2.1.3), filled by 3.2.5.3 and 3.2.5.4 and read by
 * 3.2.5.5.3.
 *
 * The 256 slots (StatusKey 0x00 - 0xFF) are allocated when the first error
 * of an open is stored, so that an open that never fails stays small.
 */
#include <string.h>

#include <rsvd/status.h>
#include <rsvd/wire_rsvd.h>

#include "server/server_internal.h"
#include "util/mem.h"

uint32_t rsvd_sense_store_error(rsvd_server *srv, rsvd_open *o, uint8_t srb_status,
                                uint8_t scsi_status, bool auto_generated,
                                const uint8_t *sense, size_t sense_len)
{
    if (!o->sense) {
        o->sense = rsvd_mem_calloc(srv->mem, 1, sizeof *o->sense);
        if (!o->sense) /* docs/decisions.md: no key is issued */
            return RSVD_STATUS_INSUFFICIENT_RESOURCES;
    }
    /* [MS-RSVD] 3.2.5.3 / 3.2.5.4: "If Open.SenseErrorSequence is 0xFF, the
     * server MUST reset Open.SenseErrorSequence to 0x00. Otherwise, the server
     * MUST increment the Open.SenseErrorSequence by 0x01." */
    o->sense_seq = o->sense_seq == 0xFFu ? 0x00u : (uint8_t)(o->sense_seq + 1u);
    /* "update SenseError in Open.SenseErrorDataList at index
     * Open.SenseErrorSequence": SenseError.StatusKey = the sequence (the slot's
     * index), SrbStatus, ScsiStatus and SenseData from the disk. */
    rsvd_sense_slot *s = &o->sense->slot[o->sense_seq];
    memset(s, 0, sizeof *s);
    s->flags = RSVD_SENSE_SLOT_VALID | (auto_generated ? RSVD_SENSE_SLOT_AUTO_GENERATED : 0u);
    s->srb_status = srb_status & RSVD_SRB_STATUS_MASK;
    s->scsi_status = scsi_status;
    /* Exactly 20 bytes, zero-filled past what the disk gave (docs/decisions.md). */
    if (sense_len > sizeof s->sense)
        sense_len = sizeof s->sense;
    if (sense && sense_len)
        memcpy(s->sense, sense, sense_len);
    /* "return the error (STATUS_SVHDX_ERROR_STORED | SenseError.StatusKey)" */
    return RSVD_STATUS_SVHDX_ERROR_STORED | o->sense_seq;
}

/* [MS-RSVD] 3.2.5.3 <12> and 3.2.5.4 <14>: Windows stores SrbStatus 0x02,
 * ScsiStatus 0x02 and the sense data F0 00 00 00 00 00 00 0A 00 ... 00. */
uint32_t rsvd_sense_store_no_initiator(rsvd_server *srv, rsvd_open *o)
{
    static const uint8_t sense[RSVD_SCSI_SENSE_BUFFER_SIZE] = {
        0xF0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0A,
    };
    return rsvd_sense_store_error(srv, o, RSVD_SRB_STATUS_ABORTED,
                                  RSVD_SCSI_STATUS_CHECK_CONDITION, false, sense,
                                  sizeof sense);
}

/* [MS-RSVD] 3.2.5.3 / 3.2.5.4, last rule: "store the received sense data". A
 * disk that failed without saying how (SrbStatus still PENDING, 0x00) is
 * stored as SRB_STATUS_ERROR (docs/decisions.md). */
uint32_t rsvd_sense_store_disk_error(rsvd_server *srv, rsvd_open *o, const rsvd_io_result *r)
{
    uint8_t srb = r->scsi.srb_status & RSVD_SRB_STATUS_MASK;
    if (srb == RSVD_SRB_STATUS_PENDING)
        srb = RSVD_SRB_STATUS_ERROR;
    return rsvd_sense_store_error(srv, o, srb, r->scsi.scsi_status,
                                  r->scsi.sense_auto_generated, r->scsi.sense,
                                  r->scsi.sense_len);
}

const rsvd_sense_slot *rsvd_sense_lookup(const rsvd_open *o, uint8_t key)
{
    if (!o->sense)
        return NULL;
    const rsvd_sense_slot *s = &o->sense->slot[key];
    return (s->flags & RSVD_SENSE_SLOT_VALID) ? s : NULL;
}

void rsvd_sense_free(rsvd_server *srv, rsvd_open *o)
{
    rsvd_mem_free(srv->mem, o->sense);
    o->sense = NULL;
}
