/*
 * Resilient handles, server role: FSCTL_LMR_REQUEST_RESILIENCY
 * ([MS-SMB2] 3.3.5.15 Receiving an SMB2 IOCTL Request, the checks that
 * precede 3.3.5.15.9, then 3.3.5.15.9 Handling a Resiliency Request).
 */
#include <string.h>

#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_smb2.h>

#include "resilient/server_int.h"

/* 3.1.5.2: the credits a payload of @p size bytes is charged. */
static uint64_t credit_charge_for(uint64_t size)
{
    return size == 0 ? 1 : (size - 1) / 65536u + 1;
}

/* Did the IOCTL decoder read the whole fixed part before it failed? Then
 * the header and every fixed field of the request are set (the decoder
 * fills them before it checks the buffers). */
static bool fixed_part_read(int rc)
{
    return rc == RSVD_OK || rc == RSVD_E_WIRE_COUNT || rc == RSVD_E_WIRE_OFFSET ||
           rc == RSVD_E_WIRE_RANGE || rc == RSVD_E_WIRE_ALIGN;
}

/*
 * The rules of 3.3.5.15 and 3.3.5.15.9, in the spec's order. Returns the
 * response status and, on success, the open (whose state it changed).
 */
static uint32_t resiliency_rules(rsvd_res_server *s, const res_conn *c, const res_session *ss,
                                 const res_tree *t, int dec, rsvd_smb2_resiliency_req *r,
                                 const rsvd_res_server_ctx *ctx)
{
    const rsvd_smb2_ioctl_req *q = &r->ioctl;
    if (!fixed_part_read(dec))
        return RSVD_STATUS_INVALID_PARAMETER; /* the IOCTL body itself is malformed */

    /* 3.3.5.15: Flags other than SMB2_0_IOCTL_IS_FSCTL -> STATUS_NOT_SUPPORTED. */
    if (q->flags != RSVD_SMB2_0_IOCTL_IS_FSCTL)
        return RSVD_STATUS_NOT_SUPPORTED;

    /* 3.3.5.15: look up Session.OpenTable by FileId.Volatile; none, or
     * DurableFileId != FileId.Persistent -> STATUS_FILE_CLOSED. */
    rsvd_smb2_fileid fid = res_ctx_file_id(ctx, &q->hdr, &q->file_id);
    res_open *o = res_open_find(s, ss, t, &fid);
    if (!o)
        return RSVD_STATUS_FILE_CLOSED;
    r->ioctl.file_id = fid; /* echoed in the response */
    /* 3.3.5.15: 3.x, after the Open lookup, IsReplayEligible = FALSE. */
    if (res_dialect_is_3x(c->dialect))
        o->is_replay_eligible = false;

    /* 3.3.5.15: InputCount, MaxInputResponse or MaxOutputResponse above
     * Connection.MaxTransactSize -> SHOULD<376> STATUS_INVALID_PARAMETER. */
    if (c->max_transact_size != 0 &&
        (q->input_count > c->max_transact_size || q->max_input_response > c->max_transact_size ||
         q->max_output_response > c->max_transact_size))
        return RSVD_STATUS_INVALID_PARAMETER;

    /* 3.3.5.15: with a non-zero InputCount, InputOffset below 120, not a
     * multiple of 8, or the input past the message -> STATUS_INVALID_PARAMETER
     * (the decoder's buffer checks). */
    if (dec == RSVD_E_WIRE_OFFSET || dec == RSVD_E_WIRE_RANGE || dec == RSVD_E_WIRE_ALIGN)
        return RSVD_STATUS_INVALID_PARAMETER;

    /* 3.3.5.15 / 3.3.5.2.5: with multi-credit, the CreditCharge must cover
     * max(InputCount + OutputCount, MaxInputResponse + MaxOutputResponse). */
    if (c->multi_credit) {
        uint64_t sent = (uint64_t)q->input_count + q->output_count;
        uint64_t back = (uint64_t)q->max_input_response + q->max_output_response;
        uint64_t size = sent > back ? sent : back;
        uint16_t charge = q->hdr.credit_charge;
        if ((charge == 0 && size > 65536u) || (charge > 0 && charge < credit_charge_for(size)))
            return RSVD_STATUS_INVALID_PARAMETER;
    }

    /* 3.3.5.15.9 step 1: Open.Connection.Dialect 2.0.2 -> MAY
     * STATUS_INVALID_DEVICE_REQUEST; processed by default as Windows does
     * (<400>). */
    if (o->dialect == RSVD_SMB2_DIALECT_202 && s->cfg.refuse_dialect_202)
        return RSVD_STATUS_INVALID_DEVICE_REQUEST;

    /* Step 2: the server does not support this FSCTL -> STATUS_NOT_SUPPORTED. */
    if (s->cfg.resiliency_unsupported)
        return RSVD_STATUS_NOT_SUPPORTED;

    /* Step 3: InputCount < sizeof(NETWORK_RESILIENCY_REQUEST) -> STATUS_INVALID_PARAMETER. */
    if (dec == RSVD_E_WIRE_COUNT)
        return RSVD_STATUS_INVALID_PARAMETER;
    /* Step 3: Timeout above MaxResiliencyTimeout -> STATUS_INVALID_PARAMETER.
     * Decision (pitfall P4): compared in milliseconds, never clamped. */
    if (r->timeout > s->cfg.max_resiliency_timeout_ms)
        return RSVD_STATUS_INVALID_PARAMETER;

    /* Step 4: IsDurable FALSE, IsResilient TRUE, ResiliencyTimeout,
     * DurableOwner = the user of Open.Session.SecurityContext. A persistent
     * open's record is written before the response; if it cannot be, the
     * open stays as it was (nothing half-done). */
    bool was_durable = o->is_durable, was_resilient = o->is_resilient;
    uint32_t was_timeout = o->resiliency_timeout_ms;
    res_counter *was_q = o->user_q ? res_counter_ref(o->user_q) : NULL;
    res_open_set_durable(s, o, false, o->is_persistent);
    o->is_resilient = true;
    o->resiliency_timeout_ms = r->timeout ? r->timeout : s->cfg.timeout_zero_grant_ms;
    res_open_set_owner(o, ss);
    if (res_store_put(s, o) != RSVD_OK) {
        res_open_set_durable(s, o, was_durable, o->is_persistent);
        o->is_resilient = was_resilient;
        o->resiliency_timeout_ms = was_timeout;
        res_counter_put(s, false, o->user_q);
        o->user_q = was_q;
        return RSVD_STATUS_INSUFFICIENT_RESOURCES;
    }
    res_counter_put(s, false, was_q);
    return RSVD_STATUS_SUCCESS;
}

int rsvd_res_server_ioctl(rsvd_res_server *s, const rsvd_res_server_ctx *ctx, const uint8_t *req,
                          size_t len, uint8_t *rsp, size_t cap, size_t *rsp_len, uint32_t *status)
{
    if (!s || !req || !rsp_len || !status || (!rsp && cap))
        return RSVD_E_INVAL;
    *rsp_len = 0;
    *status = 0;
    rsvd_smb2_resiliency_req r;
    memset(&r, 0, sizeof r);
    int dec = rsvd_smb2_resiliency_req_decode(req, len, &r);
    res_req rq;
    /* Another CtlCode is the host's (RSVD_E_WIRE_COMMAND), whatever ctx says. */
    int rc = res_req_begin(s, ctx, req, len, RSVD_SMB2_IOCTL, dec == RSVD_E_WIRE_COMMAND, &rq);
    if (rc != RSVD_OK)
        return rc;

    /* Check the room first, so that a response that does not fit leaves the
     * open unchanged. */
    size_t need = RSVD_SMB2_HEADER_SIZE + RSVD_SMB2_ERROR_STRUCTURE_SIZE;
    if (need < RSVD_SMB2_RESILIENCY_RSP_SIZE)
        need = RSVD_SMB2_RESILIENCY_RSP_SIZE;
    if (cap < need)
        return RSVD_E_NOSPC;

    uint32_t st = resiliency_rules(s, rq.conn, rq.sess, rq.tree, dec, &r, ctx);
    *status = st;
    if (st == RSVD_STATUS_SUCCESS)
        return rsvd_smb2_resiliency_rsp_build(&r.ioctl, ctx->credits, rsp, cap, rsp_len);
    return res_error_response(&rq.hdr, st, ctx->credits, rsp, cap, rsp_len);
}
