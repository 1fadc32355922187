/*
 * Open preservation, server role: every request that names an open -
 * Open.IsReplayEligible cleared by the commands that clear it ([MS-SMB2]
 * 3.3.5.11 ... 3.3.5.22), and the channel sequence ([MS-SMB2] 3.3.5.2.10
 * Verifying the Channel Sequence Number, with the counts 3.3.4.1 takes
 * back when the response is sent).
 */
#include <string.h>

#include <rsvd/smb2.h>
#include <rsvd/status.h>

#include "resilient/server_int.h"

/* rsvd_res_request.priv_counted */
#define COUNTED_NONE 0u
#define COUNTED_REQUEST 1u /* in Open.OutstandingRequestCount */
#define COUNTED_PRE 2u     /* in Open.OutstandingPreRequestCount */

/* The commands after whose Open lookup IsReplayEligible becomes FALSE
 * (3.3.5.11 FLUSH, .12 READ, .13 WRITE, .14 LOCK, .15 IOCTL, .18
 * QUERY_DIRECTORY, .19 CHANGE_NOTIFY, .20 QUERY_INFO, .21 SET_INFO, .22
 * OPLOCK_BREAK acknowledgments). */
static bool clears_replay_eligible(uint16_t command)
{
    switch (command) {
    case RSVD_SMB2_FLUSH:
    case RSVD_SMB2_READ:
    case RSVD_SMB2_WRITE:
    case RSVD_SMB2_LOCK:
    case RSVD_SMB2_IOCTL:
    case RSVD_SMB2_QUERY_DIRECTORY:
    case RSVD_SMB2_CHANGE_NOTIFY:
    case RSVD_SMB2_QUERY_INFO:
    case RSVD_SMB2_SET_INFO:
    case RSVD_SMB2_OPLOCK_BREAK: return true;
    default: return false;
    }
}

/* The commands a stale channel sequence fails (3.3.5.2.10). */
static bool fails_when_stale(uint16_t command)
{
    return command == RSVD_SMB2_WRITE || command == RSVD_SMB2_SET_INFO ||
           command == RSVD_SMB2_IOCTL;
}

/* [MS-SMB2] 3.3.5.2.10, in the spec's order. @return STATUS_SUCCESS or
 * STATUS_FILE_NOT_AVAILABLE; rq->priv_counted says what was counted. */
static uint32_t verify_channel_sequence(res_open *o, const rsvd_smb2_hdr *h, rsvd_res_request *rq)
{
    uint16_t seq = (uint16_t)(h->status & 0xFFFFu); /* ChannelSequence */
    /* "unsigned difference using 16-bit arithmetic": 0 is the current
     * sequence, 1..0x7FFF ahead, 0x8000.. stale. */
    uint16_t d = (uint16_t)(seq - o->channel_sequence);
    bool stale_fails = fails_when_stale(h->command);
    rq->priv_channel_sequence = seq;
    if (!(h->flags & RSVD_SMB2_FLAGS_REPLAY_OPERATION)) {
        if (d == 0) {
            o->outstanding++;
            rq->priv_counted = COUNTED_REQUEST;
        } else if (d <= 0x7FFFu) {
            o->outstanding_pre += o->outstanding;
            o->outstanding = 1;
            o->channel_sequence = seq;
            rq->priv_counted = COUNTED_REQUEST;
        } else if (stale_fails) {
            return RSVD_STATUS_FILE_NOT_AVAILABLE;
        }
        /* Other commands continue, uncounted (decision D9). */
        return RSVD_STATUS_SUCCESS;
    }
    if (d == 0) {
        if (o->outstanding_pre == 0) {
            o->outstanding++;
            rq->priv_counted = COUNTED_REQUEST;
        } else if (stale_fails) {
            return RSVD_STATUS_FILE_NOT_AVAILABLE;
        }
        return RSVD_STATUS_SUCCESS;
    }
    if (d <= 0x7FFFu) {
        /* SHOULD <273>. */
        o->outstanding_pre += o->outstanding;
        o->channel_sequence = seq;
        if (o->outstanding_pre == 0) {
            o->outstanding = 1;
            rq->priv_counted = COUNTED_REQUEST;
            return RSVD_STATUS_SUCCESS;
        }
        o->outstanding = 0;
        return stale_fails ? RSVD_STATUS_FILE_NOT_AVAILABLE : RSVD_STATUS_SUCCESS;
    }
    return stale_fails ? RSVD_STATUS_FILE_NOT_AVAILABLE : RSVD_STATUS_SUCCESS;
}

int rsvd_res_server_request_begin(rsvd_res_server *s, const rsvd_res_server_ctx *ctx,
                                  const rsvd_smb2_hdr *hdr, const rsvd_smb2_fileid *file_id,
                                  rsvd_res_request *rq)
{
    if (!s || !hdr || !file_id || !rq)
        return RSVD_E_INVAL;
    memset(rq, 0, sizeof *rq);
    if (s->in_callback)
        return RSVD_E_BUSY;
    res_conn *c;
    res_session *ss;
    res_tree *t;
    int rc = res_ctx_resolve(s, ctx, &c, &ss, &t);
    if (rc != RSVD_OK)
        return rc;
    rsvd_smb2_fileid fid = res_ctx_file_id(ctx, hdr, file_id);
    res_open *o = res_open_find(s, ss, t, &fid);
    if (!o) {
        rq->status = RSVD_STATUS_FILE_CLOSED;
        return RSVD_OK;
    }
    rq->open_user_data = o->user_data;
    rq->priv_persistent_id = o->persistent_id;
    rq->priv_epoch = o->epoch;
    /* 3.x: after the command's Open lookup, IsReplayEligible = FALSE. */
    if (res_dialect_is_3x(c->dialect) && clears_replay_eligible(hdr->command))
        o->is_replay_eligible = false;
    /* 3.3.5.2.10: not for 2.0.2 or 2.1. */
    rq->status = res_dialect_is_3x(c->dialect) ? verify_channel_sequence(o, hdr, rq)
                                               : RSVD_STATUS_SUCCESS;
    return RSVD_OK;
}

int rsvd_res_server_request_end(rsvd_res_server *s, const rsvd_res_request *rq)
{
    if (!s || !rq || rq->priv_counted > COUNTED_PRE)
        return RSVD_E_INVAL;
    if (s->in_callback)
        return RSVD_E_BUSY;
    if (rq->priv_counted == COUNTED_NONE)
        return RSVD_OK;
    res_open *o = res_open_by_persistent(s, rq->priv_persistent_id);
    if (!o)
        return RSVD_E_NOENT;
    /* Decision D9: a request the open's detach or reclaim outlived counts
     * nowhere any more. */
    if (o->epoch != rq->priv_epoch || o->state == RES_OPEN_DETACHED)
        return RSVD_OK;
    /* 3.3.4.1: the request's ChannelSequence is Open.ChannelSequence ->
     * OutstandingRequestCount, otherwise OutstandingPreRequestCount. Never
     * below zero. */
    if (rq->priv_channel_sequence == o->channel_sequence) {
        if (o->outstanding)
            o->outstanding--;
    } else if (o->outstanding_pre) {
        o->outstanding_pre--;
    }
    return RSVD_OK;
}
