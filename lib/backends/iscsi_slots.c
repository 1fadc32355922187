/*
 * Command slots of the iSCSI disk (iscsi_disk_int.h): a fixed pool per
 * session. Sending a CDB, libiscsi's completion, the outcome as
 * rsvd_io_result and the completion of the call, the unit attentions the
 * backend's own commands meet (kept, then reported to the guest), and the
 * REQUEST SENSE workaround for tgtd.
 */
#include "backends/iscsi_disk_int.h"

#include <string.h>

#include <rsvd/scsi.h>
#include <rsvd/status.h>
#include <rsvd/wire.h>

#include "scsi/be.h"

/* SCSI status TASK SET FULL ([SAM-4] 5.3). */
#define IS_SCSI_STATUS_TASK_SET_FULL 0x28u

/* ------------------------------------------------------------------------ */
/* Completing calls                                                          */
/* ------------------------------------------------------------------------ */

void isd_finish(rsvd_iscsi_disk *d, rsvd_completion c, const rsvd_io_result *r)
{
    if (d)
        d->completed++;
    rsvd_complete(c, r); /* may re-enter the backend */
}

void isd_finish_status(rsvd_iscsi_disk *d, rsvd_completion c, uint32_t status)
{
    rsvd_io_result r;
    memset(&r, 0, sizeof r);
    r.status = status;
    isd_finish(d, c, &r);
}

/* Completes a call with a locally built SCSI outcome. */
void isd_local_scsi(rsvd_iscsi_disk *d, rsvd_completion c, uint32_t status, uint8_t scsi,
                    const uint8_t *sense, size_t sense_len)
{
    rsvd_io_result r;
    memset(&r, 0, sizeof r);
    r.status = status;
    rsvd_scsi_result_set(&r.scsi, scsi, sense, sense_len);
    isd_finish(d, c, &r);
}

/* ------------------------------------------------------------------------ */
/* Sending a slot's command; libiscsi's completion                           */
/* ------------------------------------------------------------------------ */

is_slot *isd_slot_get(is_session *s)
{
    for (uint32_t i = 0; i < s->nslots; i++)
        if (s->slots[i].state == SLOT_FREE) {
            is_slot *sl = &s->slots[i];
            memset(sl, 0, sizeof *sl);
            sl->s = s;
            sl->prout_reg = -1;
            return sl;
        }
    return NULL;
}

/* libiscsi's completion of a command: record the outcome, nothing else. */
static void cmd_cb(struct iscsi_context *iscsi, int status, void *command_data, void *priv)
{
    (void)iscsi;
    (void)command_data; /* NULL when cancelled; the slot has the task */
    is_slot *sl = priv;
    struct scsi_task *t = sl->task;
    sl->status = status;
    sl->bytes = 0;
    sl->sense_len = 0;
    if (t && status == SCSI_STATUS_GOOD && sl->xfer == SCSI_XFER_READ) {
        uint32_t want = sl->in_cap;
        if (t->datain.data && t->datain.size > 0) {
            /* Data that did not go into the iovector. */
            uint32_t n = (uint32_t)t->datain.size < want ? (uint32_t)t->datain.size : want;
            memcpy(sl->iov.iov_base, t->datain.data, n);
            sl->bytes = n;
        } else if (t->residual_status == SCSI_RESIDUAL_UNDERFLOW) {
            sl->bytes = t->residual < want ? want - (uint32_t)t->residual : 0;
        } else {
            sl->bytes = want;
        }
    } else if (t && status == SCSI_STATUS_GOOD && sl->xfer == SCSI_XFER_WRITE) {
        sl->bytes = sl->out_len;
    } else if (t && status == SCSI_STATUS_CHECK_CONDITION && t->datain.data) {
        /* The SCSI Response's data segment: SenseLength (2 bytes,
         * big-endian) and the sense data (RFC 7143 11.4.7.2). */
        rsvd_rd rd;
        rsvd_rd_init(&rd, t->datain.data, t->datain.size > 0 ? (size_t)t->datain.size : 0);
        size_t n = rsvd_rd_be16(&rd);
        if (n > rsvd_rd_left(&rd))
            n = rsvd_rd_left(&rd);
        if (n > sizeof sl->sense)
            n = sizeof sl->sense;
        rsvd_rd_copy(&rd, sl->sense, n);
        sl->sense_len = rsvd_rd_ok(&rd) ? (uint8_t)n : 0;
    }
    if (t)
        scsi_free_scsi_task(t);
    sl->task = NULL;
    if (sl->state == SLOT_BUSY) {
        sl->state = SLOT_DONE;
        sl->s->inflight--;
    }
}

/* Sends the slot's CDB. @return 0, or -1 (nothing sent). */
static int slot_submit(is_slot *sl)
{
    is_session *s = sl->s;
    if (!s->ctx)
        return -1;
    uint32_t len = sl->xfer == SCSI_XFER_READ ? sl->in_cap
                   : sl->xfer == SCSI_XFER_WRITE ? sl->out_len
                                                 : 0;
    struct scsi_task *t = scsi_create_task(sl->cdb_len, sl->cdb, sl->xfer, (int)len);
    if (!t)
        return -1;
    struct iscsi_data data = {0, NULL};
    if (sl->xfer == SCSI_XFER_READ) {
        sl->iov.iov_base = sl->in;
        sl->iov.iov_len = sl->in_cap;
        scsi_task_set_iov_in(t, &sl->iov, 1);
    } else if (sl->xfer == SCSI_XFER_WRITE) {
        data.size = sl->out_len;
        data.data = (unsigned char *)(uintptr_t)sl->out; /* libiscsi only reads it */
    }
    sl->task = t;
    sl->state = SLOT_BUSY;
    s->inflight++;
    if (iscsi_scsi_command_async(s->ctx, (int)s->d->lun, t, cmd_cb,
                                 sl->xfer == SCSI_XFER_WRITE ? &data : NULL, sl) != 0) {
        sl->task = NULL;
        sl->state = SLOT_FREE;
        s->inflight--;
        scsi_free_scsi_task(t);
        return -1;
    }
    return 0;
}

/* A backend-issued READ CAPACITY(16) into the slot's own buffer. */
int isd_slot_submit_rcap16(is_slot *sl)
{
    int n = rsvd_scsi_cdb_read_capacity16(sl->cdb, sizeof sl->cdb, RSVD_SCSI_READ_CAPACITY16_LEN);
    sl->cdb_len = (uint8_t)n;
    sl->xfer = SCSI_XFER_READ;
    sl->in = sl->own;
    sl->in_cap = sizeof sl->own;
    return slot_submit(sl);
}

static int slot_submit_tur(is_slot *sl)
{
    int n = rsvd_scsi_cdb_test_unit_ready(sl->cdb, sizeof sl->cdb);
    sl->cdb_len = (uint8_t)n;
    sl->xfer = SCSI_XFER_NONE;
    return slot_submit(sl);
}

/* The outcome as rsvd_io_result, with the unit-attention status mapping. */
static void slot_result(const is_slot *sl, rsvd_io_result *r)
{
    memset(r, 0, sizeof *r);
    switch (sl->status) {
    case SCSI_STATUS_TIMEOUT:
        r->status = RSVD_STATUS_IO_TIMEOUT;
        return;
    case SCSI_STATUS_CANCELLED:
        r->status = RSVD_STATUS_DEVICE_NOT_READY;
        return;
    case SCSI_STATUS_ERROR:
        r->status = sl->s->state == IS_DEAD ? RSVD_STATUS_DEVICE_NOT_READY
                                             : RSVD_STATUS_IO_DEVICE_ERROR;
        return;
    default:
        break;
    }
    if (sl->status < 0 || sl->status > 0xFF) {
        r->status = RSVD_STATUS_IO_DEVICE_ERROR;
        return;
    }
    r->status = RSVD_STATUS_SUCCESS;
    rsvd_scsi_result_set(&r->scsi, (uint8_t)sl->status, sl->sense, sl->sense_len);
    if (sl->status == SCSI_STATUS_GOOD) {
        r->bytes = sl->bytes;
        return;
    }
    rsvd_scsi_sense sd;
    if (sl->status == SCSI_STATUS_CHECK_CONDITION &&
        rsvd_scsi_sense_decode(sl->sense, sl->sense_len, &sd) == RSVD_OK)
        r->status = rsvd_scsi_sense_ua_status(&sd); /* [MS-RSVD] 3.2.5.5.5 step 5 */
}

bool isd_slot_is_ua(const is_slot *sl, rsvd_scsi_sense *sd)
{
    return sl->status == SCSI_STATUS_CHECK_CONDITION &&
           rsvd_scsi_sense_decode(sl->sense, sl->sense_len, sd) == RSVD_OK &&
           sd->key == RSVD_SCSI_SENSE_UNIT_ATTENTION;
}

/* ------------------------------------------------------------------------ */
/* Unit attentions kept for the guest                                        */
/* ------------------------------------------------------------------------ */

/* Keeps a unit attention the backend's own command met, for the guest. */
void isd_ua_keep(is_session *s, const is_slot *sl)
{
    if (s->ua_count >= IS_UA_MAX)
        return;
    memset(s->ua[s->ua_count], 0, IS_SENSE_MAX);
    memcpy(s->ua[s->ua_count], sl->sense, sl->sense_len);
    s->ua_len[s->ua_count] = sl->sense_len;
    s->ua_count++;
}

static void ua_pop(is_session *s, uint8_t *sense, uint8_t *len)
{
    memcpy(sense, s->ua[0], IS_SENSE_MAX);
    *len = s->ua_len[0];
    s->ua_count--;
    memmove(s->ua[0], s->ua[1], (size_t)s->ua_count * IS_SENSE_MAX);
    memmove(s->ua_len, s->ua_len + 1, s->ua_count);
}

/*
 * Reports a unit attention kept from the backend's own commands instead of
 * the guest's command, as the target would have ([SAM-4] unit attention
 * conditions). INQUIRY and REPORT LUNS pass; REQUEST SENSE returns it as
 * its data. @return true if the call was completed.
 */
bool isd_ua_report(is_session *s, const uint8_t *cdb, uint8_t cdb_len, uint8_t *in, uint32_t in_cap,
                   rsvd_completion c)
{
    if (s->ua_count == 0)
        return false;
    uint8_t op = (cdb && cdb_len) ? cdb[0] : 0xFF;
    if (op == RSVD_SCSI_OP_INQUIRY || op == RSVD_SCSI_OP_REPORT_LUNS)
        return false;
    uint8_t sense[IS_SENSE_MAX];
    uint8_t len;
    ua_pop(s, sense, &len);
    if (cdb && op == RSVD_SCSI_OP_REQUEST_SENSE && cdb_len >= 6) {
        uint32_t n = len;
        if (n > cdb[4])
            n = cdb[4]; /* ALLOCATION LENGTH ([SPC-3] 6.27) */
        if (n > in_cap)
            n = in_cap;
        if (n && in)
            memcpy(in, sense, n);
        rsvd_io_result r;
        memset(&r, 0, sizeof r);
        r.status = RSVD_STATUS_SUCCESS;
        r.bytes = n;
        rsvd_scsi_result_set(&r.scsi, RSVD_SCSI_STATUS_GOOD, NULL, 0);
        isd_finish(s->d, c, &r);
        return true;
    }
    rsvd_scsi_sense sd;
    uint32_t st = RSVD_STATUS_SVHDX_UNIT_ATTENTION_AVAILABLE;
    if (rsvd_scsi_sense_decode(sense, len, &sd) == RSVD_OK)
        st = rsvd_scsi_sense_ua_status(&sd);
    isd_local_scsi(s->d, c, st, RSVD_SCSI_STATUS_CHECK_CONDITION, sense, len);
    return true;
}

/* ------------------------------------------------------------------------ */
/* A finished slot; a guest command in a slot                                */
/* ------------------------------------------------------------------------ */

/* A slot that finished: the next step, or the completion of its call. */
void isd_slot_done(is_slot *sl)
{
    is_session *s = sl->s;
    rsvd_iscsi_disk *d = s->d;
    rsvd_scsi_sense sd;
    if (sl->kind == K_PROBE) {
        isd_probe_done(sl);
        return;
    }
    if ((sl->kind == K_INFO || sl->kind == K_VALIDATE) && isd_slot_is_ua(sl, &sd) &&
        sl->tries < IS_OWN_TRIES) {
        /* The attention is the guest's: keep it, and ask again. */
        isd_ua_keep(s, sl);
        sl->tries++;
        int rc = sl->kind == K_INFO ? isd_slot_submit_rcap16(sl) : slot_submit_tur(sl);
        if (rc == 0)
            return;
        sl->status = SCSI_STATUS_ERROR;
    }
    if (sl->kind == K_EXEC && !sl->rs_clearing && sl->cdb_len >= 6 &&
        sl->cdb[0] == RSVD_SCSI_OP_REQUEST_SENSE && isd_slot_is_ua(sl, &sd)) {
        /* [SAM-4] unit attention conditions, [SPC-3] 6.27: REQUEST SENSE
         * returns a pending unit attention as its parameter data and clears
         * it. tgtd answers CHECK CONDITION instead and keeps the attention:
         * answer as SAM-4 says, and clear it with a TEST UNIT READY. */
        sl->rs_clearing = true;
        memcpy(sl->rs_sense, sl->sense, sizeof sl->rs_sense);
        sl->rs_len = sl->sense_len;
        sl->rs_alloc = sl->cdb[4];
        sl->rs_in = sl->in;
        sl->rs_cap = sl->in_cap;
        if (slot_submit_tur(sl) == 0)
            return;
        sl->status = SCSI_STATUS_GOOD; /* not cleared: answer all the same */
    }
    rsvd_io_result r;
    if (sl->rs_clearing) {
        rsvd_scsi_sense cleared;
        /* The TEST UNIT READY took the attention REQUEST SENSE reported; if
         * it met another one (a target that had cleared it), keep that. */
        if (isd_slot_is_ua(sl, &sd) &&
            !(rsvd_scsi_sense_decode(sl->rs_sense, sl->rs_len, &cleared) == RSVD_OK &&
              cleared.asc == sd.asc && cleared.ascq == sd.ascq))
            isd_ua_keep(s, sl);
        uint32_t n = sl->rs_len;
        if (n > sl->rs_alloc)
            n = sl->rs_alloc;
        if (n > sl->rs_cap || !sl->rs_in)
            n = sl->rs_in ? sl->rs_cap : 0;
        if (n)
            memcpy(sl->rs_in, sl->rs_sense, n);
        memset(&r, 0, sizeof r);
        r.status = RSVD_STATUS_SUCCESS;
        r.bytes = n;
        rsvd_scsi_result_set(&r.scsi, RSVD_SCSI_STATUS_GOOD, NULL, 0);
    } else {
        slot_result(sl, &r);
    }
    if (sl->kind == K_INFO && r.status == RSVD_STATUS_SUCCESS) {
        rsvd_scsi_capacity cap;
        if (r.scsi.scsi_status != RSVD_SCSI_STATUS_GOOD ||
            rsvd_scsi_read_capacity16_decode(sl->own, sl->bytes, &cap) != RSVD_OK ||
            cap.block_length < 512 || cap.lbppb_exponent > 15 || cap.last_lba == UINT64_MAX) {
            r.status = RSVD_STATUS_IO_DEVICE_ERROR;
        } else {
            s->lbs = cap.block_length;
            s->pbs = cap.block_length << cap.lbppb_exponent;
            s->blocks = cap.last_lba + 1;
            rsvd_disk_info *o = sl->info;
            memset(o, 0, sizeof *o);
            o->sector_size = s->lbs;
            o->physical_sector_size = s->pbs;
            o->virtual_size = s->blocks * s->lbs;
            o->disk_type = RSVD_VHD_TYPE_FIXED;
            o->block_size = 0;       /* [MS-RSVD] <17>: 0 for a fixed disk */
            o->is_mounted = true;
            o->is_4k_aligned = true; /* the data starts at LBA 0 */
            o->file_size = o->virtual_size;
            o->virtual_disk_id = d->disk_id;
        }
        memset(&r.scsi, 0, sizeof r.scsi);
        r.bytes = 0;
    } else if (sl->kind == K_VALIDATE) {
        r.valid = r.status == RSVD_STATUS_SUCCESS && r.scsi.scsi_status == RSVD_SCSI_STATUS_GOOD;
        if (r.status != RSVD_STATUS_SUCCESS && r.status != RSVD_STATUS_IO_TIMEOUT &&
            r.status != RSVD_STATUS_DEVICE_NOT_READY && r.status != RSVD_STATUS_IO_DEVICE_ERROR)
            r.status = RSVD_STATUS_SUCCESS; /* a unit attention left after the tries */
        memset(&r.scsi, 0, sizeof r.scsi);
        r.bytes = 0;
    } else if (sl->kind == K_EXEC && sl->prout_reg >= 0 && r.status == RSVD_STATUS_SUCCESS &&
               r.scsi.scsi_status == RSVD_SCSI_STATUS_GOOD) {
        s->registered = sl->prout_reg == 1;
    }
    bool *flag = sl->done_flag;
    rsvd_completion c = sl->c;
    sl->state = SLOT_FREE;
    s->pending--;
    if (flag)
        *flag = true;
    isd_finish(d, c, &r);
}

/* Starts a guest command in a slot; completes the call if it cannot. */
void isd_start(is_handle *h, is_slot *sl, rsvd_completion c)
{
    is_session *s = h->s;
    rsvd_iscsi_disk *d = s->d;
    bool done = false;
    sl->c = c;
    sl->done_flag = d->synchronous ? &done : NULL;
    int rc = -1;
    if (sl->kind == K_INFO)
        rc = isd_slot_submit_rcap16(sl);
    else if (sl->kind == K_VALIDATE)
        rc = slot_submit_tur(sl);
    else
        rc = slot_submit(sl);
    if (rc != 0) {
        sl->state = SLOT_FREE;
        const char *why = s->ctx ? iscsi_get_error(s->ctx) : "no session";
        isd_diag_set(d, RSVD_STATUS_IO_DEVICE_ERROR, "command not sent to %s as %s: %s", d->target,
                     s->name, why);
        isd_finish_status(d, c, RSVD_STATUS_IO_DEVICE_ERROR);
        return;
    }
    s->pending++;
    if (d->synchronous && !s->in_service) {
        s->busy++;
        isd_sess_wait(s, &done);
        /* Completed in every path (a dead session finishes its slots); never
         * leave a pointer to this frame behind all the same. */
        for (uint32_t i = 0; !done && i < s->nslots; i++)
            if (s->slots[i].done_flag == &done)
                s->slots[i].done_flag = NULL;
        s->busy--;
        isd_sess_maybe_free(s);
    }
}

/*
 * A slot for a call on @p h, or NULL when the call was completed instead:
 * STATUS_DEVICE_NOT_READY without a session; with every slot taken, TASK
 * SET FULL for a SCSI command ([SAM-4] 5.3), else
 * STATUS_INSUFFICIENT_RESOURCES.
 */
is_slot *isd_slot_for(is_handle *h, rsvd_completion c, bool scsi)
{
    is_session *s = h->s;
    if (s->state == IS_DEAD || !s->ctx) {
        isd_finish_status(s->d, c, RSVD_STATUS_DEVICE_NOT_READY);
        return NULL;
    }
    is_slot *sl = isd_slot_get(s);
    if (!sl) {
        if (scsi)
            isd_local_scsi(s->d, c, RSVD_STATUS_SUCCESS, IS_SCSI_STATUS_TASK_SET_FULL, NULL, 0);
        else
            isd_finish_status(s->d, c, RSVD_STATUS_INSUFFICIENT_RESOURCES);
    }
    return sl;
}
