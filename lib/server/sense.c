/*
 * The sense-error store: Open.SenseErrorSequence and Open.SenseErrorDataList
 * ([MS-RSVD] 3.2.1.2, 3.2.1.3), filled by 3.2.5.3 and 3.2.5.4 and read by
 * 3.2.5.5.3.
 *
 * The slots (StatusKey 0x00 - 0xFF) are allocated as the keys are used:
 * the first stored error of an open allocates the first eight, and the
 * store doubles whenever the sequence reaches a key past its end, up to all
 * 256. Keys are issued in order, so the store holds every key issued so far
 * and an open that never fails, or fails rarely, stays small.
 */
#include <string.h>

#include <rsvd/status.h>
#include <rsvd/wire_rsvd.h>

#include "server/server_internal.h"
#include "util/mem.h"

/* Slots of a new store: keys 0x00 - 0x07 (0x01 is the first issued). */
#define SENSE_FIRST_CAP 8u

/* Makes room for @p key. @return false when the store could not grow. */
static bool sense_room(rsvd_server *srv, rsvd_open *o, uint8_t key)
{
    uint32_t cap = o->sense ? o->sense->cap : 0u;
    if (key < cap)
        return true;
    uint32_t ncap = cap ? cap : SENSE_FIRST_CAP;
    while (ncap <= key)
        ncap *= 2u; /* at most 256 */
    rsvd_sense_store *n =
        rsvd_mem_realloc(srv->mem, o->sense, sizeof *n + (size_t)ncap * sizeof n->slot[0]);
    if (!n)
        return false;
    memset(&n->slot[cap], 0, (size_t)(ncap - cap) * sizeof n->slot[0]);
    n->cap = ncap;
    n->reserved = 0;
    o->sense = n;
    return true;
}

uint32_t rsvd_sense_store_error(rsvd_server *srv, rsvd_open *o, uint8_t srb_status,
                                uint8_t scsi_status, bool auto_generated,
                                const uint8_t *sense, size_t sense_len)
{
    /* [MS-RSVD] 3.2.5.3 / 3.2.5.4: "If Open.SenseErrorSequence is 0xFF, the
     * server MUST reset Open.SenseErrorSequence to 0x00. Otherwise, the server
     * MUST increment the Open.SenseErrorSequence by 0x01." The slot of the
     * new value is made first: a store that cannot grow fails the request
     * and the sequence stays (docs/decisions.md: no key is issued). */
    const uint8_t key = o->sense_seq == 0xFFu ? 0x00u : (uint8_t)(o->sense_seq + 1u);
    if (!sense_room(srv, o, key))
        return RSVD_STATUS_INSUFFICIENT_RESOURCES;
    o->sense_seq = key;
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
    if (!o->sense || key >= o->sense->cap)
        return NULL;
    const rsvd_sense_slot *s = &o->sense->slot[key];
    return (s->flags & RSVD_SENSE_SLOT_VALID) ? s : NULL;
}

void rsvd_sense_free(rsvd_server *srv, rsvd_open *o)
{
    rsvd_mem_free(srv->mem, o->sense);
    o->sense = NULL;
}
