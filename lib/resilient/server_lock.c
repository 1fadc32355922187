/*
 * Resilient handles, server role: lock-sequence replay detection
 * ([MS-SMB2] 3.3.5.14 Receiving an SMB2 LOCK Request, and the recording
 * step at the end of 3.3.5.14.1 / 3.3.5.14.2).
 *
 * The host does the locking; the library decides, before it, whether the
 * request is a replay (lock_begin) and records the sequence, after it, only
 * when the whole request succeeded (lock_end: the one completion hook).
 */
#include <string.h>

#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_smb2.h>

#include "resilient/server_int.h"

/* Does the lock sequence apply to this open? (3.3.5.14: IsResilient,
 * IsDurable, IsPersistent, or a 3.x connection whose ServerCapabilities
 * has MULTI_CHANNEL - or of a server configured multi_channel_capable.) */
static bool lock_seq_applies(const rsvd_res_server *s, const res_open *o, uint16_t dialect,
                             uint32_t server_caps)
{
    if (dialect == RSVD_SMB2_DIALECT_202)
        return false; /* 2.0.2: LockSequence is unused */
    if (o->is_resilient || o->is_durable || o->is_persistent)
        return true;
    return res_dialect_is_3x(dialect) &&
           (s->cfg.multi_channel_capable || (server_caps & RSVD_SMB2_GLOBAL_CAP_MULTI_CHANNEL));
}

int rsvd_res_server_lock_begin(rsvd_res_server *s, const rsvd_res_server_ctx *ctx,
                               const uint8_t *req, size_t len, rsvd_res_lock_op *op)
{
    if (!s || !req || !op)
        return RSVD_E_INVAL;
    /* Everything but the request, which the decoder fills: a memset of the
     * whole op costs the LOCK path some 30 instructions
     * (docs/performance.md). */
    op->action = (rsvd_res_lock_action)0;
    op->status = 0;
    op->open_user_data = NULL;
    op->priv_persistent_id = 0;
    op->priv_index = 0;
    op->priv_number = 0;
    op->priv_check = false;
    res_req rq;
    int rc = res_req_begin(s, ctx, req, len, RSVD_SMB2_LOCK, false, &rq);
    if (rc != RSVD_OK)
        return rc;

    int dec = rsvd_smb2_lock_req_decode(req, len, &op->req);
    if (dec != RSVD_OK) {
        op->req.hdr = rq.hdr;
        op->action = RSVD_RES_LOCK_FAIL;
        op->status = RSVD_STATUS_INVALID_PARAMETER;
        return RSVD_OK;
    }

    /* Step 3: look up Session.OpenTable by FileId.Volatile; none, or
     * DurableFileId != FileId.Persistent -> STATUS_FILE_CLOSED. */
    rsvd_smb2_fileid fid = res_ctx_file_id(ctx, &rq.hdr, &op->req.file_id);
    res_open *o = res_open_find(s, rq.sess, rq.tree, &fid);
    if (!o) {
        op->action = RSVD_RES_LOCK_FAIL;
        op->status = RSVD_STATUS_FILE_CLOSED;
        return RSVD_OK;
    }
    op->open_user_data = o->user_data;
    op->priv_persistent_id = o->persistent_id;
    op->action = RSVD_RES_LOCK_PROCESS;
    /* Step 4: 3.x, IsReplayEligible = FALSE. */
    if (res_dialect_is_3x(rq.conn->dialect))
        o->is_replay_eligible = false;

    /* Step 5: the lock sequence check (Connection.Dialect != 2.0.2). */
    if (rq.conn->dialect == RSVD_SMB2_DIALECT_202)
        return RSVD_OK;
    uint32_t index = rsvd_smb2_lock_seq_index(op->req.lock_sequence);
    uint8_t number = rsvd_smb2_lock_seq_number(op->req.lock_sequence);
    /* Only indices 1..64 are tracked (pitfall P11): 0 is "no bucket", above
     * 64 "exceeds the maximum extent" - both are processed normally and
     * never recorded. */
    if (index < 1 || index > RSVD_SMB2_LOCK_SEQUENCE_INDEX_MAX)
        return RSVD_OK;
    op->priv_index = index;
    op->priv_number = number;
    op->priv_check = true;
    const uint8_t e = res_lock_seq_get(o, index);
    if (!(e & RES_LOCK_SEQ_VALID) ||
        !lock_seq_applies(s, o, rq.conn->dialect, rq.conn->server_caps))
        return RSVD_OK;
    if ((e & 0xFu) == number) {
        /* Equal: a replay of a request already applied - success without
         * further processing. */
        op->action = RSVD_RES_LOCK_REPLAY;
        op->status = RSVD_STATUS_SUCCESS;
        return RSVD_OK;
    }
    /* Different: reset the entry and continue with normal processing. */
    res_lock_seq_set(o, index, 0);
    return RSVD_OK;
}

/* A persistent open's entry is in the store before the LOCK response goes
 * out, so that a replay after a restart is recognised; if it cannot be
 * written, the entry stays as it was. Out of line: the LOCK path of other
 * opens stays as short as it was (docs/performance.md). */
static __attribute__((noinline)) int record_persistent(rsvd_res_server *s, res_open *o,
                                                       uint32_t index, uint8_t entry)
{
    const uint8_t old = res_lock_seq_get(o, index);
    res_lock_seq_set(o, index, entry);
    if (res_store_put(s, o) != RSVD_OK) {
        res_lock_seq_set(o, index, old);
        return RSVD_E_IO;
    }
    return RSVD_OK;
}

int rsvd_res_server_lock_end(rsvd_res_server *s, const rsvd_res_lock_op *op, uint32_t status)
{
    if (!s || !op)
        return RSVD_E_INVAL;
    if (s->in_callback)
        return RSVD_E_BUSY;
    if (op->action != RSVD_RES_LOCK_PROCESS)
        return RSVD_OK;
    /* The op is the host's memory: an index lock_begin cannot have set
     * (stale or overwritten op) would write outside LockSequenceArray. */
    if (op->priv_check &&
        (op->priv_index < 1 || op->priv_index > RSVD_SMB2_LOCK_SEQUENCE_INDEX_MAX))
        return RSVD_E_INVAL;
    res_open *o = res_open_by_persistent(s, op->priv_persistent_id);
    if (!o)
        return RSVD_E_NOENT;
    /* 3.3.5.14.1 / 3.3.5.14.2: after the whole request succeeded, if
     * Dialect != 2.0.2 and the open tracks sequences,
     * LockSequenceArray[LockSequenceIndex] = {Valid TRUE, LockSequenceNumber}.
     * The index was bounds-checked in lock_begin (pitfall P11) and above. */
    if (status != RSVD_STATUS_SUCCESS || !op->priv_check)
        return RSVD_OK;
    if (!lock_seq_applies(s, o, o->dialect, o->server_caps))
        return RSVD_OK;
    uint8_t entry = (uint8_t)(RES_LOCK_SEQ_VALID | (op->priv_number & 0xFu));
    if (o->is_persistent)
        return record_persistent(s, o, op->priv_index, entry);
    res_lock_seq_set(o, op->priv_index, entry);
    return RSVD_OK;
}
