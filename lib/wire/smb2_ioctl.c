/*
 * SMB2 IOCTL request and response ([MS-SMB2] 2.2.31, 2.2.32), the
 * NETWORK_RESILIENCY_REQUEST (2.2.31.3), and the FSCTL_LMR_REQUEST_RESILIENCY
 * exchange as 3.2.4.20.8 and 3.3.5.15.9 lay it out.
 */
#include "smb2_msg.h"

#include <rsvd/fscc.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire.h>
#include <rsvd/wire_smb2.h>

/* [MS-SMB2] 2.2.31 SMB2 IOCTL Request */
int rsvd_smb2_ioctl_req_decode(const uint8_t *buf, size_t len, rsvd_smb2_ioctl_req *out)
{
    rsvd_rd r;
    int rc = rsvd_smb2_msg_begin(&r, buf, len, &out->hdr, RSVD_SMB2_IOCTL);
    if (rc != RSVD_OK)
        return rc;
    uint16_t structure_size = rsvd_rd_u16(&r);        /* 64: StructureSize */
    rsvd_rd_skip(&r, 2);                              /* 66: Reserved */
    out->ctl_code = rsvd_rd_u32(&r);                  /* 68: CtlCode */
    out->file_id.persistent_id = rsvd_rd_u64(&r);     /* 72: FileId.Persistent */
    out->file_id.volatile_id = rsvd_rd_u64(&r);       /* 80: FileId.Volatile */
    out->input_offset = rsvd_rd_u32(&r);              /* 88: InputOffset */
    out->input_count = rsvd_rd_u32(&r);               /* 92: InputCount */
    out->max_input_response = rsvd_rd_u32(&r);        /* 96: MaxInputResponse */
    out->output_offset = rsvd_rd_u32(&r);             /* 100: OutputOffset */
    out->output_count = rsvd_rd_u32(&r);              /* 104: OutputCount */
    out->max_output_response = rsvd_rd_u32(&r);       /* 108: MaxOutputResponse */
    out->flags = rsvd_rd_u32(&r);                     /* 112: Flags */
    rsvd_rd_skip(&r, 4);                              /* 116: Reserved2 */
    rc = rsvd_smb2_msg_fixed_end(&r, structure_size, RSVD_SMB2_IOCTL_REQ_STRUCTURE_SIZE);
    if (rc != RSVD_OK)
        return rc;
    /* 120: Buffer. [MS-SMB2] 3.3.5.15: with a non-zero InputCount, InputOffset
     * below 120, not a multiple of 8, or past the message, or the input
     * running past it, is STATUS_INVALID_PARAMETER. */
    rc = rsvd_smb2_msg_view(buf, len, out->input_offset, out->input_count,
                       RSVD_SMB2_IOCTL_REQ_BUFFER_OFFSET, &out->input);
    if (rc != RSVD_OK)
        return rc;
    if (out->input_count != 0 && out->input_offset % 8u != 0)
        return RSVD_E_WIRE_ALIGN;
    return rsvd_smb2_msg_view(buf, len, out->output_offset, out->output_count,
                         RSVD_SMB2_IOCTL_REQ_BUFFER_OFFSET, &out->output);
}

int rsvd_smb2_ioctl_req_encode(const rsvd_smb2_ioctl_req *m, uint8_t *buf, size_t cap,
                               size_t *out_len)
{
    if (!rsvd_smb2_view_ok(m->input, m->input_count) ||
        !rsvd_smb2_view_ok(m->output, m->output_count))
        return RSVD_E_INVAL;
    rsvd_smb2_layout l;
    rsvd_smb2_layout_init(&l, RSVD_SMB2_IOCTL_REQ_BUFFER_OFFSET);
    uint64_t in_off = rsvd_smb2_layout_place(&l, m->input_count, m->input_offset);
    uint64_t out_off = rsvd_smb2_layout_place(&l, m->output_count, m->output_offset);
    if (in_off > UINT32_MAX || out_off > UINT32_MAX)
        return RSVD_E_INVAL;

    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_smb2_msg_put_hdr(&w, &m->hdr, RSVD_SMB2_IOCTL);
    rsvd_wr_u16(&w, RSVD_SMB2_IOCTL_REQ_STRUCTURE_SIZE); /* 64: StructureSize */
    rsvd_wr_u16(&w, 0);                                 /* 66: Reserved */
    rsvd_wr_u32(&w, m->ctl_code);                       /* 68: CtlCode */
    rsvd_wr_u64(&w, m->file_id.persistent_id);          /* 72: FileId.Persistent */
    rsvd_wr_u64(&w, m->file_id.volatile_id);            /* 80: FileId.Volatile */
    rsvd_wr_u32(&w, (uint32_t)in_off);                  /* 88: InputOffset */
    rsvd_wr_u32(&w, m->input_count);                    /* 92: InputCount */
    rsvd_wr_u32(&w, m->max_input_response);             /* 96: MaxInputResponse */
    rsvd_wr_u32(&w, (uint32_t)out_off);                 /* 100: OutputOffset */
    rsvd_wr_u32(&w, m->output_count);                   /* 104: OutputCount */
    rsvd_wr_u32(&w, m->max_output_response);            /* 108: MaxOutputResponse */
    rsvd_wr_u32(&w, m->flags);                          /* 112: Flags */
    rsvd_wr_u32(&w, 0);                                 /* 116: Reserved2 */
    rsvd_smb2_msg_put_buf(&w, in_off, m->input, m->input_count);   /* 120: Buffer */
    rsvd_smb2_msg_put_buf(&w, out_off, m->output, m->output_count);
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-SMB2] 2.2.32 SMB2 IOCTL Response */
int rsvd_smb2_ioctl_rsp_decode(const uint8_t *buf, size_t len, rsvd_smb2_ioctl_rsp *out)
{
    rsvd_rd r;
    int rc = rsvd_smb2_msg_begin(&r, buf, len, &out->hdr, RSVD_SMB2_IOCTL);
    if (rc != RSVD_OK)
        return rc;
    uint16_t structure_size = rsvd_rd_u16(&r);        /* 64: StructureSize */
    rsvd_rd_skip(&r, 2);                              /* 66: Reserved */
    out->ctl_code = rsvd_rd_u32(&r);                  /* 68: CtlCode */
    out->file_id.persistent_id = rsvd_rd_u64(&r);     /* 72: FileId.Persistent */
    out->file_id.volatile_id = rsvd_rd_u64(&r);       /* 80: FileId.Volatile */
    out->input_offset = rsvd_rd_u32(&r);              /* 88: InputOffset */
    out->input_count = rsvd_rd_u32(&r);               /* 92: InputCount */
    out->output_offset = rsvd_rd_u32(&r);             /* 96: OutputOffset */
    out->output_count = rsvd_rd_u32(&r);              /* 100: OutputCount */
    out->flags = rsvd_rd_u32(&r);                     /* 104: Flags */
    rsvd_rd_skip(&r, 4);                              /* 108: Reserved2 */
    rc = rsvd_smb2_msg_fixed_end(&r, structure_size, RSVD_SMB2_IOCTL_RSP_STRUCTURE_SIZE);
    if (rc != RSVD_OK)
        return rc;
    /* 112: Buffer */
    rc = rsvd_smb2_msg_view(buf, len, out->input_offset, out->input_count,
                       RSVD_SMB2_IOCTL_RSP_BUFFER_OFFSET, &out->input);
    if (rc != RSVD_OK)
        return rc;
    return rsvd_smb2_msg_view(buf, len, out->output_offset, out->output_count,
                         RSVD_SMB2_IOCTL_RSP_BUFFER_OFFSET, &out->output);
}

int rsvd_smb2_ioctl_rsp_encode(const rsvd_smb2_ioctl_rsp *m, uint8_t *buf, size_t cap,
                               size_t *out_len)
{
    if (!rsvd_smb2_view_ok(m->input, m->input_count) ||
        !rsvd_smb2_view_ok(m->output, m->output_count))
        return RSVD_E_INVAL;
    rsvd_smb2_layout l;
    rsvd_smb2_layout_init(&l, RSVD_SMB2_IOCTL_RSP_BUFFER_OFFSET);
    uint64_t in_off = rsvd_smb2_layout_place(&l, m->input_count, m->input_offset);
    /* 2.2.32: OutputOffset = InputOffset + InputCount rounded up to 8. */
    uint64_t out_off = rsvd_smb2_layout_place(&l, m->output_count, m->output_offset);
    if (in_off > UINT32_MAX || out_off > UINT32_MAX)
        return RSVD_E_INVAL;

    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_smb2_msg_put_hdr(&w, &m->hdr, RSVD_SMB2_IOCTL);
    rsvd_wr_u16(&w, RSVD_SMB2_IOCTL_RSP_STRUCTURE_SIZE); /* 64: StructureSize */
    rsvd_wr_u16(&w, 0);                                 /* 66: Reserved */
    rsvd_wr_u32(&w, m->ctl_code);                       /* 68: CtlCode */
    rsvd_wr_u64(&w, m->file_id.persistent_id);          /* 72: FileId.Persistent */
    rsvd_wr_u64(&w, m->file_id.volatile_id);            /* 80: FileId.Volatile */
    rsvd_wr_u32(&w, (uint32_t)in_off);                  /* 88: InputOffset */
    rsvd_wr_u32(&w, m->input_count);                    /* 92: InputCount */
    rsvd_wr_u32(&w, (uint32_t)out_off);                 /* 96: OutputOffset */
    rsvd_wr_u32(&w, m->output_count);                   /* 100: OutputCount */
    rsvd_wr_u32(&w, m->flags);                          /* 104: Flags */
    rsvd_wr_u32(&w, 0);                                 /* 108: Reserved2 */
    rsvd_smb2_msg_put_buf(&w, in_off, m->input, m->input_count);   /* 112: Buffer */
    rsvd_smb2_msg_put_buf(&w, out_off, m->output, m->output_count);
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-SMB2] 2.2.31.3 NETWORK_RESILIENCY_REQUEST */
int rsvd_smb2_network_resiliency_req_decode(const uint8_t *buf, size_t len,
                                            rsvd_smb2_network_resiliency_req *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    out->timeout = rsvd_rd_u32(&r);                   /* 0: Timeout */
    rsvd_rd_skip(&r, 4);                              /* 4: Reserved */
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_SHORT;
}

int rsvd_smb2_network_resiliency_req_encode(const rsvd_smb2_network_resiliency_req *q,
                                            uint8_t *buf, size_t cap, size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u32(&w, q->timeout);                      /* 0: Timeout */
    rsvd_wr_u32(&w, 0);                               /* 4: Reserved */
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-SMB2] 3.2.4.20.8 Application Requests Resiliency on an Open File */
int rsvd_smb2_resiliency_req_build(const rsvd_smb2_resiliency_req_args *a, uint8_t *buf,
                                   size_t cap, size_t *out_len)
{
    if (a->options & ~RSVD_SMB2_RESILIENCY_OUTPUT_OFFSET_ZERO)
        return RSVD_E_INVAL;

    uint8_t input[RSVD_SMB2_NETWORK_RESILIENCY_REQUEST_SIZE];
    const rsvd_smb2_network_resiliency_req nr = {a->timeout_ms}; /* Timeout: the app's, in ms */
    int rc = rsvd_smb2_network_resiliency_req_encode(&nr, input, sizeof input, NULL);
    if (rc != RSVD_OK)
        return rc;

    rsvd_smb2_ioctl_req m;
    memset(&m, 0, sizeof m);
    m.hdr.credit_charge = a->credit_charge;
    m.hdr.status = a->channel_sequence;        /* ChannelSequence, Reserved 0 */
    m.hdr.command = RSVD_SMB2_IOCTL;           /* Command = SMB2 IOCTL */
    m.hdr.credit = a->credit_request;
    m.hdr.flags = a->hdr_flags & ~(uint32_t)RSVD_SMB2_FLAGS_ASYNC_COMMAND;
    m.hdr.message_id = a->message_id;          /* per 3.2.4.1.3 */
    m.hdr.tree_id = a->tree_id;                /* Open.TreeConnect.TreeConnectId */
    m.hdr.session_id = a->session_id;          /* Open.TreeConnect.Session.SessionId */
    m.ctl_code = RSVD_FSCTL_LMR_REQUEST_RESILIENCY;
    m.file_id = a->file_id;                    /* Open.FileId */
    m.input_count = RSVD_SMB2_NETWORK_RESILIENCY_REQUEST_SIZE; /* InputOffset: computed, 0x78 */
    m.input = input;
    m.max_input_response = 0;
    /* OutputOffset SHOULD<173> be 0; Windows sends InputOffset + InputCount
     * rounded up to 8. See docs/decisions.md. */
    m.output_offset = (a->options & RSVD_SMB2_RESILIENCY_OUTPUT_OFFSET_ZERO)
                          ? 0u
                          : (uint32_t)rsvd_wire_align8(RSVD_SMB2_IOCTL_REQ_BUFFER_OFFSET +
                                                       RSVD_SMB2_NETWORK_RESILIENCY_REQUEST_SIZE);
    m.output_count = 0;
    m.max_output_response = 0;
    m.flags = RSVD_SMB2_0_IOCTL_IS_FSCTL;
    return rsvd_smb2_ioctl_req_encode(&m, buf, cap, out_len);
}

int rsvd_smb2_resiliency_req_decode(const uint8_t *buf, size_t len, rsvd_smb2_resiliency_req *out)
{
    out->timeout = 0;
    int rc = rsvd_smb2_ioctl_req_decode(buf, len, &out->ioctl);
    if (rc != RSVD_OK)
        return rc;
    if (out->ioctl.ctl_code != RSVD_FSCTL_LMR_REQUEST_RESILIENCY)
        return RSVD_E_WIRE_COMMAND;
    /* [MS-SMB2] 3.3.5.15.9: InputCount smaller than NETWORK_RESILIENCY_REQUEST
     * -> STATUS_INVALID_PARAMETER, told apart from malformed messages. */
    if (out->ioctl.input_count < RSVD_SMB2_NETWORK_RESILIENCY_REQUEST_SIZE)
        return RSVD_E_WIRE_COUNT;
    rsvd_smb2_network_resiliency_req nr;
    rc = rsvd_smb2_network_resiliency_req_decode(out->ioctl.input, out->ioctl.input_count, &nr);
    if (rc != RSVD_OK)
        return rc;
    out->timeout = nr.timeout;
    return RSVD_OK;
}

/* [MS-SMB2] 3.3.5.15.9 Handling a Resiliency Request: the success response */
int rsvd_smb2_resiliency_rsp_build(const rsvd_smb2_ioctl_req *req, uint16_t credits,
                                   uint8_t *buf, size_t cap, size_t *out_len)
{
    rsvd_smb2_ioctl_rsp m;
    memset(&m, 0, sizeof m);
    m.hdr = req->hdr;
    m.hdr.status = RSVD_STATUS_SUCCESS;
    m.hdr.next_command = 0;
    m.hdr.flags |= RSVD_SMB2_FLAGS_SERVER_TO_REDIR;
    m.hdr.flags &= ~RSVD_SMB2_FLAGS_SIGNED; /* the host signs, if it must, afterwards */
    m.hdr.credit = (req->hdr.flags & RSVD_SMB2_FLAGS_ASYNC_COMMAND) ? 0 : credits;
    memset(m.hdr.signature, 0, sizeof m.hdr.signature);
    m.ctl_code = RSVD_FSCTL_LMR_REQUEST_RESILIENCY;
    m.file_id = req->file_id;                  /* Open.DurableFileId, Open.FileId */
    m.input_offset = RSVD_SMB2_IOCTL_RSP_BUFFER_OFFSET; /* SHOULD: offset of Buffer */
    m.input_count = 0;                                  /* SHOULD be 0 */
    m.output_offset = (uint32_t)rsvd_wire_align8(m.input_offset + m.input_count); /* MUST */
    m.output_count = 0;                                 /* MUST be 0 */
    m.flags = 0;                                        /* MUST be 0 */
    return rsvd_smb2_ioctl_rsp_encode(&m, buf, cap, out_len);
}
