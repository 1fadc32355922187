/*
 * librsvd - SMB2 message codecs ([MS-SMB2] section 2.2).
 *
 * Part of the opt-in toolkit: no core header includes it. The identifiers the
 * codecs use (commands, flags, FileId, create-context names) are the core's
 * (rsvd/smb2.h, rsvd/fscc.h).
 *
 * Conventions for every codec in this file:
 *  - Decoders take (const uint8_t *buf, size_t len) and never read past len.
 *    Where a structure's offsets are measured from the start of the SMB2
 *    header (InputOffset, DataOffset, NameOffset, ...), the decoder takes the
 *    whole message starting at the header, and checks every offset + count
 *    against the message length without overflow.
 *  - Variable parts are returned as views (pointer + length) into the input
 *    buffer: nothing is copied or allocated.
 *  - Encoders write into a caller buffer and return RSVD_E_NOSPC, having
 *    written nothing useful, when it is too small.
 */
#ifndef RSVD_WIRE_SMB2_H
#define RSVD_WIRE_SMB2_H

#include <rsvd/common.h>
#include <rsvd/fscc.h>
#include <rsvd/smb2.h>
#include <rsvd/wire.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @file
 * @brief SMB2 message codecs ([MS-SMB2] 2.2).
 */

/** @name SMB2 header constants ([MS-SMB2] 2.2.1)
 * @{ */
#define RSVD_SMB2_PROTOCOL_ID 0x424D53FEu /**< bytes FE 'S' 'M' 'B' */
/** Size of the SMB2 header, and its StructureSize. */
#define RSVD_SMB2_HEADER_SIZE 64u
/** @} */



/**
 * Decodes the 64-byte header at the start of @p buf.
 * @return RSVD_OK, RSVD_E_WIRE_SHORT (len < 64), RSVD_E_WIRE_PROTOCOL_ID or
 * RSVD_E_WIRE_STRUCTURE_SIZE (StructureSize != 64).
 */
RSVD_API int rsvd_smb2_hdr_decode(const uint8_t *buf, size_t len, rsvd_smb2_hdr *out);

/**
 * Encodes @p h as 64 bytes at the start of @p buf.
 * @return RSVD_OK or RSVD_E_NOSPC (cap < 64).
 */
RSVD_API int rsvd_smb2_hdr_encode(const rsvd_smb2_hdr *h, uint8_t *buf, size_t cap);


/** Size of the ERROR response body before ErrorData ([MS-SMB2] 2.2.2). */
#define RSVD_SMB2_ERROR_FIXED_SIZE 8u
/** The ERROR response StructureSize, whatever the ErrorData length. */
#define RSVD_SMB2_ERROR_STRUCTURE_SIZE 9u

/** SMB2 ERROR Response body ([MS-SMB2] 2.2.2). */
typedef struct rsvd_smb2_error {
    /** ErrorContextCount: SMB2 ERROR Contexts in ErrorData (3.1.1), else 0. */
    uint8_t error_context_count;
    /** ErrorData: a view into the decoded buffer (ByteCount bytes). */
    const uint8_t *error_data;
    /** ByteCount: bytes of ErrorData. */
    uint32_t byte_count;
} rsvd_smb2_error;

/**
 * Decodes an ERROR response body (the bytes after the 64-byte header).
 * Accepts bodies of 8 bytes and the 9-byte form with a pad byte when
 * ByteCount is 0 ([MS-SMB2] 2.2.2 <5>).
 * @return RSVD_OK, RSVD_E_WIRE_SHORT, RSVD_E_WIRE_STRUCTURE_SIZE (not 9) or
 * RSVD_E_WIRE_RANGE (ByteCount runs past the body).
 */
RSVD_API int rsvd_smb2_error_decode(const uint8_t *buf, size_t len, rsvd_smb2_error *out);

/**
 * Encodes an ERROR response body. With ByteCount 0 one zero pad byte follows
 * the fixed part, as every Windows server and Samba send it, so that the
 * body is StructureSize (9) bytes long.
 * @return RSVD_OK (length in *out_len), RSVD_E_INVAL (byte_count without
 * error_data) or RSVD_E_NOSPC.
 */
RSVD_API int rsvd_smb2_error_encode(const rsvd_smb2_error *e, uint8_t *buf, size_t cap,
                                    size_t *out_len);

/**
 * Builds a complete SMB2 error response message for request header @p req as
 * [MS-SMB2] 3.3.4.4 lays it out: the request's header with Status =
 * @p status, SERVER_TO_REDIR set, NextCommand 0, CreditResponse @p credits
 * (0 for an async request), followed by an ERROR body with no ErrorData.
 * @return RSVD_OK (length in *out_len) or RSVD_E_NOSPC.
 */
RSVD_API int rsvd_smb2_error_response_build(const rsvd_smb2_hdr *req, uint32_t status,
                                            uint16_t credits, uint8_t *buf, size_t cap,
                                            size_t *out_len);

/* ------------------------------------------------------------------------ */
/* Conventions of the message codecs below                                   */
/* ------------------------------------------------------------------------ */

/*
 * Every SMB2 message codec below works on a whole message that starts at the
 * SMB2 header, because the offsets of the variable parts (InputOffset,
 * DataOffset, NameOffset, ...) are measured from the first byte of that
 * header ([MS-SMB2] 2.2). For a compounded message, @p len is the length of
 * this message alone (NextCommand bytes, or what remains for the last one).
 *
 * Decoders:
 *  - run rsvd_smb2_hdr_decode() first, store the header in the struct's
 *    `hdr` and fail with RSVD_E_WIRE_COMMAND unless Command is the
 *    message's command;
 *  - fail with RSVD_E_WIRE_SHORT when the message is shorter than the
 *    header plus the body's fixed part, and RSVD_E_WIRE_STRUCTURE_SIZE when
 *    StructureSize is not the structure's value;
 *  - for every (offset, count) pair with a non-zero count: an offset that
 *    points into the header or the fixed part, or past the end of the
 *    message, fails with RSVD_E_WIRE_OFFSET; offset + count past the end
 *    fails with RSVD_E_WIRE_RANGE (computed without overflow). A pair with a
 *    count of zero is not checked (the receiver ignores that offset) and
 *    its view is NULL;
 *  - return the variable parts as views (pointer + the count field) into
 *    the input; Reserved fields are skipped.
 *  What the decoders leave to the state machines (flags values, alignment
 *  of buffer offsets, dialect rules, limits such as MaxTransactSize) is
 *  listed in docs/decisions.md.
 *
 * Encoders:
 *  - write the header from the struct's `hdr` with Command forced to the
 *    message's command, then the body, then the variable parts;
 *  - compute every offset whose count is non-zero: the first buffer byte is
 *    right after the fixed part, the next buffer starts at the next multiple
 *    of 8; an offset whose count is zero is written as given in the struct
 *    (receivers ignore it; Windows puts particular values there);
 *  - return RSVD_OK and the message length in *out_len, RSVD_E_NOSPC when
 *    @p cap is too small, or RSVD_E_INVAL when a view is NULL while its
 *    count is not zero, or an offset would not fit its field.
 * A message decoded and encoded again therefore gives the same struct back
 * (with offsets normalised), and encoding that struct gives the same bytes.
 *
 * The helpers below are those conventions, for a host that writes codecs of
 * its own for the SMB2 messages the library has none of (NEGOTIATE,
 * SESSION_SETUP, TREE_CONNECT, ...) through the same reader and writer.
 */

/**
 * Starts decoding a whole message: decodes its header into @p hdr, checks
 * that it carries @p command and leaves @p r at the first body byte.
 * @return RSVD_OK, an rsvd_smb2_hdr_decode() error or RSVD_E_WIRE_COMMAND.
 */
static inline int rsvd_smb2_msg_begin(rsvd_rd *r, const uint8_t *buf, size_t len,
                                      rsvd_smb2_hdr *hdr, uint16_t command)
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

/**
 * Ends the fixed part of a body: @return RSVD_E_WIRE_SHORT if a field was
 * missing, RSVD_E_WIRE_STRUCTURE_SIZE if @p structure_size (as read) is not
 * @p expected, else RSVD_OK.
 */
static inline int rsvd_smb2_msg_fixed_end(const rsvd_rd *r, uint16_t structure_size,
                                          uint16_t expected)
{
    if (!rsvd_rd_ok(r))
        return RSVD_E_WIRE_SHORT;
    if (structure_size != expected)
        return RSVD_E_WIRE_STRUCTURE_SIZE;
    return RSVD_OK;
}

/**
 * Locates the variable part (@p off, @p count) of the message (@p buf,
 * @p len), whose first legal byte is @p min_off (the end of the fixed part).
 * A zero count is not checked and gives a NULL view.
 * @return RSVD_OK (*view set), RSVD_E_WIRE_OFFSET or RSVD_E_WIRE_RANGE.
 */
static inline int rsvd_smb2_msg_view(const uint8_t *buf, size_t len, uint64_t off,
                                     uint64_t count, uint64_t min_off, const uint8_t **view)
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

/** Writes the 64-byte header of @p h with Command forced to @p command. */
static inline void rsvd_smb2_msg_put_hdr(rsvd_wr *w, const rsvd_smb2_hdr *h, uint16_t command)
{
    rsvd_smb2_hdr c = *h;
    c.command = command;
    uint8_t *p = rsvd_wr_take(w, RSVD_SMB2_HEADER_SIZE);
    if (p)
        (void)rsvd_smb2_hdr_encode(&c, p, RSVD_SMB2_HEADER_SIZE);
}

/** Where an encoder places the buffers that follow a fixed part: each
 * non-empty buffer at the next multiple of 8. */
typedef struct rsvd_smb2_layout {
    uint64_t next; /**< first byte after the last buffer placed */
} rsvd_smb2_layout;

/** Starts a layout whose first buffer may start at @p first (the end of the
 * fixed part, from the header's first byte). */
static inline void rsvd_smb2_layout_init(rsvd_smb2_layout *l, uint64_t first)
{
    l->next = first;
}

/** @return the offset of a buffer of @p count bytes: the next multiple of 8,
 * or @p given (written as the caller had it) when @p count is 0. */
static inline uint64_t rsvd_smb2_layout_place(rsvd_smb2_layout *l, uint64_t count,
                                              uint64_t given)
{
    if (count == 0)
        return given;
    uint64_t off = rsvd_wire_align8(l->next);
    l->next = off + count;
    return off;
}

/** Writes a buffer placed by rsvd_smb2_layout_place(): zero padding up to
 * @p off, then the @p count bytes of @p view (the writer fails cleanly if
 * @p off is behind it). */
static inline void rsvd_smb2_msg_put_buf(rsvd_wr *w, uint64_t off, const uint8_t *view,
                                         uint64_t count)
{
    if (count == 0)
        return;
    if (off < rsvd_wr_pos(w) || count > (uint64_t)SIZE_MAX) {
        (void)rsvd_wr_take(w, SIZE_MAX); /* fails the writer */
        return;
    }
    rsvd_wr_zeros(w, (size_t)(off - rsvd_wr_pos(w)));
    rsvd_wr_bytes(w, view, (size_t)count);
}

/** @return true if an encoder can use the view: present whenever its count
 * is not zero. */
static inline bool rsvd_smb2_view_ok(const uint8_t *view, uint64_t count)
{
    return count == 0 || view != NULL;
}


/* ------------------------------------------------------------------------ */
/* IOCTL ([MS-SMB2] 2.2.31, 2.2.32)                                          */
/* ------------------------------------------------------------------------ */

/** @name IOCTL constants ([MS-SMB2] 2.2.31, [MS-FSCC] 2.3)
 * @{ */


/** IOCTL request body before Buffer. */
#define RSVD_SMB2_IOCTL_REQ_FIXED_SIZE 56u
/** StructureSize of the IOCTL request. */
#define RSVD_SMB2_IOCTL_REQ_STRUCTURE_SIZE 57u
/** Offset of the first request Buffer byte from the header start (0x78). */
#define RSVD_SMB2_IOCTL_REQ_BUFFER_OFFSET 120u
/** IOCTL response body before Buffer. */
#define RSVD_SMB2_IOCTL_RSP_FIXED_SIZE 48u
/** StructureSize of the IOCTL response. */
#define RSVD_SMB2_IOCTL_RSP_STRUCTURE_SIZE 49u
/** Offset of the first response Buffer byte from the header start (0x70). */
#define RSVD_SMB2_IOCTL_RSP_BUFFER_OFFSET 112u
/** @} */

/** SMB2 IOCTL Request ([MS-SMB2] 2.2.31) as a whole message. */
typedef struct rsvd_smb2_ioctl_req {
    /** The SMB2 header (Command IOCTL). */
    rsvd_smb2_hdr hdr;
    /** CtlCode: the FSCTL or IOCTL code. */
    uint32_t ctl_code;
    /** FileId: the open the code applies to. */
    rsvd_smb2_fileid file_id;
    /** InputOffset: from the header start to the input. */
    uint32_t input_offset;
    /** InputCount: bytes of input. */
    uint32_t input_count;
    /** MaxInputResponse: the most input bytes the response may carry. */
    uint32_t max_input_response;
    /** The client SHOULD send 0; Windows sends InputOffset + InputCount
     * rounded up to 8 ([MS-SMB2] 2.2.31 <64>, 3.2.4.20.8 <173>). */
    uint32_t output_offset;
    /** OutputCount: the client MUST send 0. */
    uint32_t output_count;
    /** MaxOutputResponse: the most output bytes the response may carry. */
    uint32_t max_output_response;
    /** 0 (IOCTL) or RSVD_SMB2_0_IOCTL_IS_FSCTL. */
    uint32_t flags;
    /** View: input_count bytes at input_offset (NULL when the count is 0). */
    const uint8_t *input;
    /** View: output_count bytes at output_offset (NULL when the count is 0). */
    const uint8_t *output;
} rsvd_smb2_ioctl_req;

/**
 * Decodes an IOCTL request message (header first).
 * @return RSVD_OK or an RSVD_E_WIRE_* code as the conventions above say
 * (StructureSize must be 57; a buffer offset below 120 is
 * RSVD_E_WIRE_OFFSET); with a non-zero InputCount, an InputOffset that is
 * not a multiple of 8 is RSVD_E_WIRE_ALIGN ([MS-SMB2] 3.3.5.15). Every such
 * failure is STATUS_INVALID_PARAMETER for the server. A non-zero OutputCount
 * (the client MUST send 0) must also describe bytes inside the message.
 * When it fails with RSVD_E_WIRE_OFFSET, RSVD_E_WIRE_RANGE or
 * RSVD_E_WIRE_ALIGN, the header and every fixed field of *out are set (only
 * the views are not), so that a server can apply the checks 3.3.5.15 makes
 * before the offset checks (Flags, FileId).
 */
RSVD_API int rsvd_smb2_ioctl_req_decode(const uint8_t *buf, size_t len, rsvd_smb2_ioctl_req *out);

/**
 * Encodes an IOCTL request message: input at 0x78, output at the next
 * multiple of 8 after it; no pad byte when both are empty.
 */
RSVD_API int rsvd_smb2_ioctl_req_encode(const rsvd_smb2_ioctl_req *m, uint8_t *buf, size_t cap,
                                        size_t *out_len);

/** SMB2 IOCTL Response ([MS-SMB2] 2.2.32) as a whole message. */
typedef struct rsvd_smb2_ioctl_rsp {
    /** The SMB2 header (Command IOCTL). */
    rsvd_smb2_hdr hdr;
    /** CtlCode: the code that was executed. */
    uint32_t ctl_code;
    /** FileId: the open (all-FF for FSCTL_DFS_GET_REFERRALS and
     * FSCTL_PIPE_WAIT). */
    rsvd_smb2_fileid file_id;
    /** InputOffset: SHOULD be the offset of Buffer (0x70). */
    uint32_t input_offset;
    /** InputCount: SHOULD be 0. */
    uint32_t input_count;
    /** MUST be InputOffset + InputCount rounded up to 8 when output is
     * returned; Windows sets it so even without output (<67>). */
    uint32_t output_offset;
    /** OutputCount: bytes of output. */
    uint32_t output_count;
    /** Reserved: the server MUST send 0, the client ignores it. */
    uint32_t flags;
    /** View: input_count bytes at input_offset (NULL when the count is 0). */
    const uint8_t *input;
    /** View: output_count bytes at output_offset (NULL when the count is 0). */
    const uint8_t *output;
} rsvd_smb2_ioctl_rsp;

/**
 * Decodes an IOCTL response message (header first). No trailing pad byte is
 * required after an empty Buffer ([MS-SMB2] 3.3.5.15.9 builds 112 bytes).
 * @return RSVD_OK or an RSVD_E_WIRE_* code (StructureSize must be 49; a
 * buffer offset below 112 is RSVD_E_WIRE_OFFSET).
 */
RSVD_API int rsvd_smb2_ioctl_rsp_decode(const uint8_t *buf, size_t len, rsvd_smb2_ioctl_rsp *out);

/**
 * Encodes an IOCTL response message: input at 0x70, output at
 * InputOffset + InputCount rounded up to 8 ([MS-SMB2] 2.2.32). With an empty
 * input and a non-empty output, output goes at 0x70: give input_offset 0x70
 * so that the MUST of 2.2.32 holds.
 */
RSVD_API int rsvd_smb2_ioctl_rsp_encode(const rsvd_smb2_ioctl_rsp *m, uint8_t *buf, size_t cap,
                                        size_t *out_len);

/** Size of NETWORK_RESILIENCY_REQUEST ([MS-SMB2] 2.2.31.3). */
#define RSVD_SMB2_NETWORK_RESILIENCY_REQUEST_SIZE 8u

/** NETWORK_RESILIENCY_REQUEST ([MS-SMB2] 2.2.31.3), the input of
 * FSCTL_LMR_REQUEST_RESILIENCY. Reserved (4 bytes) is skipped. */
typedef struct rsvd_smb2_network_resiliency_req {
    /** Milliseconds the server keeps the open after a disconnect. */
    uint32_t timeout;
} rsvd_smb2_network_resiliency_req;

/**
 * Decodes a NETWORK_RESILIENCY_REQUEST from the IOCTL input buffer. Bytes
 * after the first 8 are ignored.
 * @return RSVD_OK or RSVD_E_WIRE_SHORT (fewer than 8 bytes).
 */
RSVD_API int rsvd_smb2_network_resiliency_req_decode(const uint8_t *buf, size_t len,
                                                     rsvd_smb2_network_resiliency_req *out);

/** Encodes the 8-byte NETWORK_RESILIENCY_REQUEST (Reserved 0). */
RSVD_API int rsvd_smb2_network_resiliency_req_encode(const rsvd_smb2_network_resiliency_req *r,
                                                     uint8_t *buf, size_t cap, size_t *out_len);


/** What rsvd_smb2_resiliency_req_build() needs to know. */
typedef struct rsvd_smb2_resiliency_req_args {
    /** Header CreditCharge (1 when the connection supports multi-credit,
     * [MS-SMB2] 3.2.4.1.5; Windows sends 1 either way). */
    uint16_t credit_charge;
    /** Header CreditRequest. */
    uint16_t credit_request;
    /** Header ChannelSequence (3.x with multi-channel or persistent
     * handles, [MS-SMB2] 3.2.4.1); 0 otherwise. */
    uint16_t channel_sequence;
    /** Header Flags (e.g. SMB2_FLAGS_SIGNED when the host signs it);
     * SMB2_FLAGS_ASYNC_COMMAND is dropped. */
    uint32_t hdr_flags;
    /** Header MessageId ([MS-SMB2] 3.2.4.1.3). */
    uint64_t message_id;
    /** Open.TreeConnect.TreeConnectId. */
    uint32_t tree_id;
    /** Open.TreeConnect.Session.SessionId. */
    uint64_t session_id;
    /** Open.FileId. */
    rsvd_smb2_fileid file_id;
    /** The application's time-out in milliseconds. */
    uint32_t timeout_ms;
    /** RSVD_SMB2_RESILIENCY_OUTPUT_OFFSET_WINDOWS (0) or _ZERO. */
    uint32_t options;
} rsvd_smb2_resiliency_req_args;


/**
 * Builds the complete 128-byte FSCTL_LMR_REQUEST_RESILIENCY request as
 * [MS-SMB2] 3.2.4.20.8 lays it out: header Command IOCTL with the given
 * MessageId, SessionId, TreeId, CreditCharge (Reserved 0, Signature 0);
 * CtlCode 0x001401D4, FileId, InputOffset 0x78, InputCount 8,
 * MaxInputResponse 0, OutputOffset 128 (or 0 with
 * RSVD_SMB2_RESILIENCY_OUTPUT_OFFSET_ZERO), OutputCount 0,
 * MaxOutputResponse 0, Flags SMB2_0_IOCTL_IS_FSCTL, and the
 * NETWORK_RESILIENCY_REQUEST {Timeout, Reserved 0}.
 * @return RSVD_OK (128 in *out_len), RSVD_E_NOSPC, or RSVD_E_INVAL (unknown
 * option bits).
 */
RSVD_API int rsvd_smb2_resiliency_req_build(const rsvd_smb2_resiliency_req_args *a, uint8_t *buf,
                                            size_t cap, size_t *out_len);

/** A decoded FSCTL_LMR_REQUEST_RESILIENCY request. */
typedef struct rsvd_smb2_resiliency_req {
    /** The IOCTL request it travels in. */
    rsvd_smb2_ioctl_req ioctl;
    /** NETWORK_RESILIENCY_REQUEST.Timeout in milliseconds. */
    uint32_t timeout;
} rsvd_smb2_resiliency_req;

/**
 * Decodes an FSCTL_LMR_REQUEST_RESILIENCY request message.
 * @return
 *  - RSVD_OK: out->timeout holds the requested time-out;
 *  - RSVD_E_WIRE_COUNT: the IOCTL is well formed but InputCount < 8: the
 *    server MUST fail it with STATUS_INVALID_PARAMETER ([MS-SMB2]
 *    3.3.5.15.9); out->ioctl is filled in;
 *  - RSVD_E_WIRE_COMMAND: not an IOCTL, or CtlCode is not
 *    FSCTL_LMR_REQUEST_RESILIENCY;
 *  - any other RSVD_E_WIRE_* code: the IOCTL itself is malformed
 *    (rsvd_smb2_ioctl_req_decode()).
 * The Flags, dialect and MaxResiliencyTimeout rules belong to the server
 * state machine ([MS-SMB2] 3.3.5.15, 3.3.5.15.9).
 */
RSVD_API int rsvd_smb2_resiliency_req_decode(const uint8_t *buf, size_t len,
                                             rsvd_smb2_resiliency_req *out);

/**
 * Builds the server's 112-byte success response to a resiliency request as
 * [MS-SMB2] 3.3.5.15.9 lays it out. Header: the request's header with Status
 * STATUS_SUCCESS, SMB2_FLAGS_SERVER_TO_REDIR set, SIGNED cleared and a zero
 * Signature (the host signs afterwards), NextCommand 0, CreditResponse
 * @p credits (0 when the request went async). Body: CtlCode
 * FSCTL_LMR_REQUEST_RESILIENCY, the request's FileId echoed (the server has
 * checked that it names the Open: Persistent = Open.DurableFileId, Volatile
 * = Open.FileId), InputOffset 112, InputCount 0, OutputOffset 112
 * (InputOffset + InputCount rounded up to 8), OutputCount 0, Flags 0, and no
 * Buffer bytes.
 * @return RSVD_OK (112 in *out_len) or RSVD_E_NOSPC.
 */
RSVD_API int rsvd_smb2_resiliency_rsp_build(const rsvd_smb2_ioctl_req *req, uint16_t credits,
                                            uint8_t *buf, size_t cap, size_t *out_len);

/* ------------------------------------------------------------------------ */
/* READ and WRITE ([MS-SMB2] 2.2.19 - 2.2.22)                                */
/* ------------------------------------------------------------------------ */

/** @name READ / WRITE Channel values ([MS-SMB2] 2.2.19, 2.2.21), 3.x only
 * @{ */
/** SMB2_CHANNEL_NONE: no channel information. */
#define RSVD_SMB2_CHANNEL_NONE 0x00000000u
/** SMB2_CHANNEL_RDMA_V1: RDMA, with SMB_DIRECT_BUFFER_DESCRIPTOR_V1s
 * in the channel info. */
#define RSVD_SMB2_CHANNEL_RDMA_V1 0x00000001u
/** SMB2_CHANNEL_RDMA_V1_INVALIDATE: as RDMA_V1, and the server
 * invalidates the memory registration (not 3.0). */
#define RSVD_SMB2_CHANNEL_RDMA_V1_INVALIDATE 0x00000002u
/** SMB2_CHANNEL_RDMA_TRANSFORM: RDMA with transforms (3.1.1 only). */
#define RSVD_SMB2_CHANNEL_RDMA_TRANSFORM 0x00000003u
/** @} */

/** @name READ request Flags ([MS-SMB2] 2.2.19), a 1-byte field
 * @{ */
/** SMB2_READFLAG_READ_UNBUFFERED: the data is not to be cached on the way
 * from storage (3.0.2 and 3.1.1). */
#define RSVD_SMB2_READFLAG_READ_UNBUFFERED 0x01u
/** SMB2_READFLAG_REQUEST_COMPRESSED: the client asks for compressed
 * data (3.1.1 only). */
#define RSVD_SMB2_READFLAG_REQUEST_COMPRESSED 0x02u
/** @} */

/** @name READ response Flags ([MS-SMB2] 2.2.20; 3.1.1, Reserved2 before)
 * @{ */
/** SMB2_READFLAG_RESPONSE_NONE: no flag. */
#define RSVD_SMB2_READFLAG_RESPONSE_NONE 0x00000000u
/** SMB2_READFLAG_RESPONSE_RDMA_TRANSFORM: the data was sent with RDMA
 * transforms. */
#define RSVD_SMB2_READFLAG_RESPONSE_RDMA_TRANSFORM 0x00000001u
/** @} */

/** @name WRITE request Flags ([MS-SMB2] 2.2.21)
 * @{ */
/** SMB2_WRITEFLAG_WRITE_THROUGH: the write reaches storage before the
 * response (not 2.0.2). */
#define RSVD_SMB2_WRITEFLAG_WRITE_THROUGH 0x00000001u
/** SMB2_WRITEFLAG_WRITE_UNBUFFERED: the data is not to be cached on the
 * way to storage (3.0.2 and 3.1.1). */
#define RSVD_SMB2_WRITEFLAG_WRITE_UNBUFFERED 0x00000002u
/** @} */

/** @name READ / WRITE sizes ([MS-SMB2] 2.2.19 - 2.2.22)
 * @{ */
/** READ request body before Buffer. */
#define RSVD_SMB2_READ_REQ_FIXED_SIZE 48u
/** StructureSize of the READ request. */
#define RSVD_SMB2_READ_REQ_STRUCTURE_SIZE 49u
/** First Buffer byte of a READ request (0x70). */
#define RSVD_SMB2_READ_REQ_BUFFER_OFFSET 112u
/** READ response body before Buffer. */
#define RSVD_SMB2_READ_RSP_FIXED_SIZE 16u
/** StructureSize of the READ response. */
#define RSVD_SMB2_READ_RSP_STRUCTURE_SIZE 17u
/** First Buffer byte of a READ response (0x50). */
#define RSVD_SMB2_READ_RSP_BUFFER_OFFSET 80u
/** WRITE request body before Buffer. */
#define RSVD_SMB2_WRITE_REQ_FIXED_SIZE 48u
/** StructureSize of the WRITE request. */
#define RSVD_SMB2_WRITE_REQ_STRUCTURE_SIZE 49u
/** First Buffer byte of a WRITE request (0x70). */
#define RSVD_SMB2_WRITE_REQ_BUFFER_OFFSET 112u
/** WRITE response body (it has no Buffer). */
#define RSVD_SMB2_WRITE_RSP_FIXED_SIZE 16u
/** StructureSize of the WRITE response. */
#define RSVD_SMB2_WRITE_RSP_STRUCTURE_SIZE 17u
/** @} */

/** SMB2 READ Request ([MS-SMB2] 2.2.19) as a whole message. */
typedef struct rsvd_smb2_read_req {
    /** The SMB2 header (Command READ). */
    rsvd_smb2_hdr hdr;
    /** Padding: where the client wants the data in the response, from the
     * header start (Windows sends 0x50). */
    uint8_t padding;
    /** Flags: RSVD_SMB2_READFLAG_READ_UNBUFFERED, _REQUEST_COMPRESSED. */
    uint8_t flags;
    /** Length: bytes to read. */
    uint32_t length;
    /** Offset: where to read in the file, in bytes. */
    uint64_t offset;
    /** FileId: the open to read. */
    rsvd_smb2_fileid file_id;
    /** MinimumCount: the fewest bytes a successful read returns. */
    uint32_t minimum_count;
    /** Channel: an RSVD_SMB2_CHANNEL_* value (3.x; else 0). */
    uint32_t channel;
    /** RemainingBytes: bytes the client means to read after this one (a
     * hint, not binding). */
    uint32_t remaining_bytes;
    /** ReadChannelInfoOffset: from the header start. */
    uint16_t read_channel_info_offset;
    /** ReadChannelInfoLength: bytes of channel info. */
    uint16_t read_channel_info_length;
    /** View: the channel info (NULL when its length is 0). */
    const uint8_t *read_channel_info;
} rsvd_smb2_read_req;

/**
 * Decodes a READ request message. The Buffer MUST hold at least one byte
 * ([MS-SMB2] 2.2.19), so a message of 112 bytes is RSVD_E_WIRE_SHORT; the
 * channel info offset must not point below 0x70.
 */
RSVD_API int rsvd_smb2_read_req_decode(const uint8_t *buf, size_t len, rsvd_smb2_read_req *out);

/** Encodes a READ request message: the channel info at 0x70, or the one
 * zero Buffer byte when there is none (113 bytes). */
RSVD_API int rsvd_smb2_read_req_encode(const rsvd_smb2_read_req *m, uint8_t *buf, size_t cap,
                                       size_t *out_len);

/** SMB2 READ Response ([MS-SMB2] 2.2.20) as a whole message. */
typedef struct rsvd_smb2_read_rsp {
    /** The SMB2 header (Command READ). */
    rsvd_smb2_hdr hdr;
    /** A 1-byte field: offset of the data from the header start. */
    uint8_t data_offset;
    /** DataLength: bytes of data. */
    uint32_t data_length;
    /** DataRemaining: bytes sent on the request's RDMA channel; else 0. */
    uint32_t data_remaining;
    /** Reserved2 before 3.1.1; Flags in 3.1.1. */
    uint32_t flags;
    /** View: the data read (NULL when data_length is 0). */
    const uint8_t *data;
} rsvd_smb2_read_rsp;

/** Decodes a READ response message; DataOffset must not point below 0x50. */
RSVD_API int rsvd_smb2_read_rsp_decode(const uint8_t *buf, size_t len, rsvd_smb2_read_rsp *out);

/** Encodes a READ response message with the data at 0x50. */
RSVD_API int rsvd_smb2_read_rsp_encode(const rsvd_smb2_read_rsp *m, uint8_t *buf, size_t cap,
                                       size_t *out_len);

/**
 * Encodes only the first 80 bytes of a READ response (header and fixed
 * part, DataOffset 0x50, DataLength m->data_length; m->data is not used), for
 * a host that sends the data from its own buffer right after them.
 * @return RSVD_OK or RSVD_E_NOSPC (cap < 80).
 */
RSVD_API int rsvd_smb2_read_rsp_encode_head(const rsvd_smb2_read_rsp *m, uint8_t *buf, size_t cap);

/** SMB2 WRITE Request ([MS-SMB2] 2.2.21) as a whole message. */
typedef struct rsvd_smb2_write_req {
    /** The SMB2 header (Command WRITE). */
    rsvd_smb2_hdr hdr;
    /** DataOffset: from the header start to the data. */
    uint16_t data_offset;
    /** Length: bytes to write; may be 0. */
    uint32_t length;
    /** Offset: where to write in the file, in bytes. */
    uint64_t offset;
    /** FileId: the open to write. */
    rsvd_smb2_fileid file_id;
    /** Channel: an RSVD_SMB2_CHANNEL_* value (3.x; else 0). */
    uint32_t channel;
    /** RemainingBytes: with an RDMA channel, the length of the data to write;
     * else 0. */
    uint32_t remaining_bytes;
    /** WriteChannelInfoOffset: from the header start. */
    uint16_t write_channel_info_offset;
    /** WriteChannelInfoLength: bytes of channel info. */
    uint16_t write_channel_info_length;
    /** Flags: RSVD_SMB2_WRITEFLAG_* bits. */
    uint32_t flags;
    /** View: the data to write (NULL when length is 0). */
    const uint8_t *data;
    /** View: the channel info (NULL when its length is 0). */
    const uint8_t *write_channel_info;
} rsvd_smb2_write_req;

/** Decodes a WRITE request message; DataOffset and WriteChannelInfoOffset
 * must not point below 0x70. */
RSVD_API int rsvd_smb2_write_req_decode(const uint8_t *buf, size_t len, rsvd_smb2_write_req *out);

/** Encodes a WRITE request message: data at 0x70, or, when the request has
 * write channel info, the channel info at 0x70 and the data at the next
 * multiple of 8 after it (DataOffset is 16 bits; the channel info is short).
 * @return also RSVD_E_INVAL when the data would start past 0xFFFF. */
RSVD_API int rsvd_smb2_write_req_encode(const rsvd_smb2_write_req *m, uint8_t *buf, size_t cap,
                                        size_t *out_len);

/**
 * Encodes only the first 112 bytes of a WRITE request (DataOffset 0x70,
 * Length m->length; m->data is not used), for a host that sends the data
 * from its own buffer right after them.
 * @return RSVD_OK, RSVD_E_NOSPC (cap < 112) or RSVD_E_INVAL (the request has
 * write channel info, which would have to follow the data).
 */
RSVD_API int rsvd_smb2_write_req_encode_head(const rsvd_smb2_write_req *m, uint8_t *buf,
                                             size_t cap);

/** SMB2 WRITE Response ([MS-SMB2] 2.2.22) as a whole message. */
typedef struct rsvd_smb2_write_rsp {
    /** The SMB2 header (Command WRITE). */
    rsvd_smb2_hdr hdr;
    /** Bytes written. */
    uint32_t count;
    /** Reserved: the server sends 0, the client ignores it. */
    uint32_t remaining;
    /** Reserved: the server sends 0, the client ignores it. */
    uint16_t write_channel_info_offset;
    /** Reserved: the server sends 0, the client ignores it. */
    uint16_t write_channel_info_length;
} rsvd_smb2_write_rsp;

/** Decodes a WRITE response message (StructureSize must be 17); the reserved
 * fields are returned as sent. */
RSVD_API int rsvd_smb2_write_rsp_decode(const uint8_t *buf, size_t len, rsvd_smb2_write_rsp *out);
/** Encodes a WRITE response message: 80 bytes, the reserved fields as given. */
RSVD_API int rsvd_smb2_write_rsp_encode(const rsvd_smb2_write_rsp *m, uint8_t *buf, size_t cap,
                                        size_t *out_len);

/* ------------------------------------------------------------------------ */
/* LOCK ([MS-SMB2] 2.2.26, 2.2.26.1, 2.2.27)                                 */
/* ------------------------------------------------------------------------ */

/** @name LOCK constants ([MS-SMB2] 2.2.26, 2.2.26.1, 2.2.27)
 * @{ */

/** LOCK request body before the Locks array. */
#define RSVD_SMB2_LOCK_REQ_FIXED_SIZE 24u
/** StructureSize of the LOCK request: its size with one element. */
#define RSVD_SMB2_LOCK_REQ_STRUCTURE_SIZE 48u
/** Size of one SMB2_LOCK_ELEMENT. */
#define RSVD_SMB2_LOCK_ELEMENT_SIZE 24u
/** StructureSize of the LOCK response. */
#define RSVD_SMB2_LOCK_RSP_STRUCTURE_SIZE 4u
/** @} */


/**
 * Decodes a LOCK request message.
 * @return RSVD_OK, RSVD_E_WIRE_COUNT (LockCount 0), RSVD_E_WIRE_SHORT (fewer
 * than LockCount elements present), or another code of the conventions
 * (StructureSize must be 48). Element flags are checked by the state
 * machine ([MS-SMB2] 3.3.5.14.1, 3.3.5.14.2).
 */
RSVD_API int rsvd_smb2_lock_req_decode(const uint8_t *buf, size_t len, rsvd_smb2_lock_req *out);

/** Encodes a LOCK request message; m->locks holds lock_count * 24 bytes
 * (fill them with rsvd_smb2_lock_element_encode()). @return also
 * RSVD_E_INVAL for a LockCount of 0. */
RSVD_API int rsvd_smb2_lock_req_encode(const rsvd_smb2_lock_req *m, uint8_t *buf, size_t cap,
                                       size_t *out_len);

/**
 * Decodes element @p i of a decoded (or filled-in) LOCK request.
 * @return RSVD_OK, RSVD_E_INVAL (i >= lock_count or no locks view).
 */
RSVD_API int rsvd_smb2_lock_element_get(const rsvd_smb2_lock_req *req, uint32_t i,
                                        rsvd_smb2_lock_element *out);

/** Encodes one 24-byte SMB2_LOCK_ELEMENT (Reserved 0) at @p buf.
 * @return RSVD_OK or RSVD_E_NOSPC. */
RSVD_API int rsvd_smb2_lock_element_encode(const rsvd_smb2_lock_element *e, uint8_t *buf,
                                           size_t cap);

/** SMB2 LOCK Response ([MS-SMB2] 2.2.27): no field but Reserved. */
typedef struct rsvd_smb2_lock_rsp {
    /** The SMB2 header (Command LOCK). */
    rsvd_smb2_hdr hdr;
} rsvd_smb2_lock_rsp;

/** Decodes a LOCK response message (StructureSize must be 4). */
RSVD_API int rsvd_smb2_lock_rsp_decode(const uint8_t *buf, size_t len, rsvd_smb2_lock_rsp *out);
/** Encodes a LOCK response message: 68 bytes. */
RSVD_API int rsvd_smb2_lock_rsp_encode(const rsvd_smb2_lock_rsp *m, uint8_t *buf, size_t cap,
                                       size_t *out_len);

/* ------------------------------------------------------------------------ */
/* CREATE ([MS-SMB2] 2.2.13, 2.2.14) and create contexts (2.2.13.2, 2.2.14.2)*/
/* ------------------------------------------------------------------------ */


/** @name ImpersonationLevel ([MS-SMB2] 2.2.13)
 * @{ */
/** Anonymous. */
#define RSVD_SMB2_IMPERSONATION_ANONYMOUS 0x00000000u
/** Identification. */
#define RSVD_SMB2_IMPERSONATION_IDENTIFICATION 0x00000001u
/** Impersonation (what Windows RSVD clients send). */
#define RSVD_SMB2_IMPERSONATION_IMPERSONATION 0x00000002u
/** Delegate. */
#define RSVD_SMB2_IMPERSONATION_DELEGATE 0x00000003u
/** @} */


/** @name CREATE response Flags and CREATE sizes ([MS-SMB2] 2.2.13, 2.2.14)
 * @{ */
/** SMB2_CREATE_FLAG_REPARSEPOINT: the last component of the path is a
 * reparse point (3.x). */
#define RSVD_SMB2_CREATE_FLAG_REPARSEPOINT 0x01u

/** CREATE request body before Buffer. */
#define RSVD_SMB2_CREATE_REQ_FIXED_SIZE 56u
/** StructureSize of the CREATE request. */
#define RSVD_SMB2_CREATE_REQ_STRUCTURE_SIZE 57u
/** First Buffer byte of a CREATE request (0x78). */
#define RSVD_SMB2_CREATE_REQ_BUFFER_OFFSET 120u
/** CREATE response body before Buffer. */
#define RSVD_SMB2_CREATE_RSP_FIXED_SIZE 88u
/** StructureSize of the CREATE response. */
#define RSVD_SMB2_CREATE_RSP_STRUCTURE_SIZE 89u
/** First Buffer byte of a CREATE response (0x98). */
#define RSVD_SMB2_CREATE_RSP_BUFFER_OFFSET 152u
/** @} */

/** SMB2 CREATE Request ([MS-SMB2] 2.2.13) as a whole message. */
typedef struct rsvd_smb2_create_req {
    /** The SMB2 header (Command CREATE). */
    rsvd_smb2_hdr hdr;
    /** SecurityFlags: reserved (the client sends 0); as sent. */
    uint8_t security_flags;
    /** RequestedOplockLevel: an RSVD_SMB2_OPLOCK_LEVEL_* value. */
    uint8_t requested_oplock_level;
    /** ImpersonationLevel: an RSVD_SMB2_IMPERSONATION_* value. */
    uint32_t impersonation_level;
    /** SmbCreateFlags: reserved (the client sends 0); as sent. */
    uint64_t smb_create_flags;
    /** DesiredAccess: the access mask ([MS-SMB2] 2.2.13.1). */
    uint32_t desired_access;
    /** FileAttributes: [MS-FSCC] 2.6 attributes for a file that is created. */
    uint32_t file_attributes;
    /** ShareAccess: RSVD_FILE_SHARE_* bits. */
    uint32_t share_access;
    /** CreateDisposition: RSVD_FILE_SUPERSEDE .. RSVD_FILE_OVERWRITE_IF. */
    uint32_t create_disposition;
    /** CreateOptions: RSVD_FILE_* option bits (and
     * RSVD_FILE_NO_INTERMEDIATE_BUFFERING). */
    uint32_t create_options;
    /** NameOffset: from the header start to the name. */
    uint16_t name_offset;
    /** NameLength: in bytes, a multiple of 2; 0 opens the share root. */
    uint16_t name_length;
    /** CreateContextsOffset: from the header start to the first context. */
    uint32_t create_contexts_offset;
    /** CreateContextsLength: bytes of the context chain. */
    uint32_t create_contexts_length;
    /** View: the file name, UTF-16LE, name_length bytes, not terminated. */
    const uint8_t *name;
    /** View: the create-context chain (walk it with rsvd_smb2_cc_*). */
    const uint8_t *create_contexts;
} rsvd_smb2_create_req;

/**
 * Decodes a CREATE request message. Checks ([MS-SMB2] 2.2.13, 3.3.5.9): the
 * Buffer holds at least one byte (a 120-byte message is RSVD_E_WIRE_SHORT);
 * NameLength odd is RSVD_E_WIRE_NAME; NameOffset below 0x78 with a non-zero
 * NameLength is RSVD_E_WIRE_OFFSET; the name and the context list lie inside
 * the message; the whole context chain is valid (rsvd_smb2_cc_validate(),
 * whose codes it returns).
 */
RSVD_API int rsvd_smb2_create_req_decode(const uint8_t *buf, size_t len,
                                         rsvd_smb2_create_req *out);

/** Encodes a CREATE request message: the name at 0x78, the contexts at the
 * next multiple of 8 after it, one zero byte when both are empty. */
RSVD_API int rsvd_smb2_create_req_encode(const rsvd_smb2_create_req *m, uint8_t *buf, size_t cap,
                                         size_t *out_len);

/** SMB2 CREATE Response ([MS-SMB2] 2.2.14) as a whole message. */
typedef struct rsvd_smb2_create_rsp {
    /** The SMB2 header (Command CREATE). */
    rsvd_smb2_hdr hdr;
    /** OplockLevel: the oplock granted (RSVD_SMB2_OPLOCK_LEVEL_*). */
    uint8_t oplock_level;
    /** Flags: 0 or RSVD_SMB2_CREATE_FLAG_REPARSEPOINT. */
    uint8_t flags;
    /** CreateAction: RSVD_FILE_SUPERSEDED .. RSVD_FILE_OVERWRITTEN. */
    uint32_t create_action;
    /** CreationTime, a FILETIME: 100-ns intervals since 1601-01-01 UTC. */
    uint64_t creation_time;
    /** LastAccessTime, a FILETIME. */
    uint64_t last_access_time;
    /** LastWriteTime, a FILETIME. */
    uint64_t last_write_time;
    /** ChangeTime, a FILETIME. */
    uint64_t change_time;
    /** AllocationSize: bytes allocated to the file. */
    uint64_t allocation_size;
    /** EndofFile: the file's size in bytes. */
    uint64_t end_of_file;
    /** FileAttributes ([MS-FSCC] 2.6). */
    uint32_t file_attributes;
    /** FileId: the new open. */
    rsvd_smb2_fileid file_id;
    /** CreateContextsOffset: from the header start to the first context. */
    uint32_t create_contexts_offset;
    /** CreateContextsLength: bytes of the context chain. */
    uint32_t create_contexts_length;
    /** View: the response create-context chain. */
    const uint8_t *create_contexts;
} rsvd_smb2_create_rsp;

/** Decodes a CREATE response message; the context chain must be valid. */
RSVD_API int rsvd_smb2_create_rsp_decode(const uint8_t *buf, size_t len,
                                         rsvd_smb2_create_rsp *out);

/** Encodes a CREATE response message with the contexts at 0x98. */
RSVD_API int rsvd_smb2_create_rsp_encode(const rsvd_smb2_create_rsp *m, uint8_t *buf, size_t cap,
                                         size_t *out_len);


/** Size of the SMB2_CREATE_CONTEXT fields before Buffer. */
#define RSVD_SMB2_CC_HEADER_SIZE 16u
/** The shortest name a server accepts ([MS-SMB2] 3.3.5.9). */
#define RSVD_SMB2_CC_NAME_MIN 4u

/** One SMB2_CREATE_CONTEXT ([MS-SMB2] 2.2.13.2); Reserved is skipped. All
 * offsets are from the start of this context. */
typedef struct rsvd_smb2_cc {
    /** Next: offset of the next context, 0 for the last one. */
    uint32_t next;
    /** NameOffset: from the start of this context. */
    uint16_t name_offset;
    /** NameLength: bytes of the name, at least 4. */
    uint16_t name_length;
    /** DataOffset: from the start of this context (ignored when DataLength
     * is 0). */
    uint16_t data_offset;
    /** DataLength: bytes of data. */
    uint32_t data_length;
    /** View: name_length bytes. */
    const uint8_t *name;
    /** View: data_length bytes (NULL when data_length is 0). */
    const uint8_t *data;
} rsvd_smb2_cc;

/**
 * Walks a create-context chain (the CreateContexts view of a CREATE message).
 * The fields are private to the functions below.
 */
typedef struct rsvd_smb2_cc_iter {
    /** The chain walked (private). */
    const uint8_t *chain;
    /** Its length in bytes (private). */
    size_t len;
    /** Offset of the next context (private). */
    size_t pos;
    /** The last context has been returned (private). */
    bool done;
    /** The sticky error, RSVD_OK if none (private). */
    int err;
} rsvd_smb2_cc_iter;

/** Starts walking the chain of @p len bytes at @p chain (len 0: no contexts). */
RSVD_API void rsvd_smb2_cc_iter_init(rsvd_smb2_cc_iter *it, const uint8_t *chain, size_t len);

/**
 * Decodes the next context of the chain and checks its link.
 * @return
 *  - RSVD_OK: *out is the next context;
 *  - RSVD_E_NOENT: the previous context was the last (Next 0);
 *  - RSVD_E_WIRE_SHORT: the chain is shorter than one context's 16 bytes;
 *  - RSVD_E_WIRE_CHAIN: Next is not a multiple of 8, is below 16 (the next
 *    context would overlap this one's fixed part), or leaves no room for the
 *    next context's 16 bytes inside the chain;
 *  - RSVD_E_WIRE_OFFSET: NameOffset, or DataOffset with a non-zero
 *    DataLength, points into the context's 16 fixed bytes;
 *  - RSVD_E_WIRE_RANGE: the name or the data runs past the end of the
 *    context (Next bytes, or the rest of the chain for the last context);
 *  - RSVD_E_WIRE_NAME: NameLength is below 4 ([MS-SMB2] 3.3.5.9).
 * An error is sticky: every later call returns it again.
 */
RSVD_API int rsvd_smb2_cc_iter_next(rsvd_smb2_cc_iter *it, rsvd_smb2_cc *out);

/**
 * Checks every link of a chain.
 * @return RSVD_OK (the number of contexts in *count when count is not NULL)
 * or the first error rsvd_smb2_cc_iter_next() finds.
 */
RSVD_API int rsvd_smb2_cc_validate(const uint8_t *chain, size_t len, size_t *count);

/**
 * Finds the first context whose name is the @p name_len bytes at @p name.
 * @return RSVD_OK (*out filled), RSVD_E_NOENT (no such context in a valid
 * chain), or the error of a link met before a match.
 */
RSVD_API int rsvd_smb2_cc_find(const uint8_t *chain, size_t len, const void *name,
                               size_t name_len, rsvd_smb2_cc *out);

/**
 * Builds a create-context chain into a caller buffer. The fields are private
 * to the functions below.
 */
typedef struct rsvd_smb2_cc_builder {
    /** The output buffer (private). */
    uint8_t *buf;
    /** Its size in bytes (private). */
    size_t cap;
    /** Bytes of the chain so far (private). */
    size_t len;
    /** Offset of the last context, whose Next the next add patches (private). */
    size_t last;
    /** Contexts added (private). */
    size_t count;
    /** Sticky: an add did not fit (private). */
    bool failed;
} rsvd_smb2_cc_builder;

/** Starts an empty chain in the @p cap bytes at @p buf. */
RSVD_API void rsvd_smb2_cc_builder_init(rsvd_smb2_cc_builder *b, uint8_t *buf, size_t cap);

/**
 * Appends a context: zero padding to the next multiple of 8, the 16 fixed
 * bytes (Next 0, NameOffset 16, Reserved 0, DataOffset the first multiple
 * of 8 after the name, or 0 without data), the name, zero padding, the
 * data; the previous context's Next is patched to point here. The last
 * context is not padded.
 * @return RSVD_OK, RSVD_E_INVAL (name shorter than 4 bytes or longer than
 * 0xFFFF, NULL name/data with a non-zero length, data too long for the
 * fields), or RSVD_E_NOSPC (the buffer is full; the builder stays failed).
 */
RSVD_API int rsvd_smb2_cc_builder_add(rsvd_smb2_cc_builder *b, const void *name, size_t name_len,
                                      const uint8_t *data, size_t data_len);

/** @return RSVD_OK and the chain length in *out_len, or RSVD_E_NOSPC if an
 * append did not fit. */
RSVD_API int rsvd_smb2_cc_builder_finish(const rsvd_smb2_cc_builder *b, size_t *out_len);

/** @name Durable-handle context data ([MS-SMB2] 2.2.13.2.3/.4/.11/.12,
 * 2.2.14.2.3/.12)
 * Each decoder takes a context's data view and requires DataLength to be
 * exactly the structure's size ([MS-SMB2] 3.3.5.9): fewer bytes are
 * RSVD_E_WIRE_SHORT, more are RSVD_E_WIRE_VALUE.
 * @{ */
/** DataLength of SMB2_CREATE_DURABLE_HANDLE_REQUEST: 16 reserved bytes. */
#define RSVD_SMB2_DHNQ_REQ_SIZE 16u
/** DataLength of SMB2_CREATE_DURABLE_HANDLE_RECONNECT: an SMB2_FILEID. */
#define RSVD_SMB2_DHNC_SIZE 16u
/** DataLength of SMB2_CREATE_DURABLE_HANDLE_REQUEST_V2. */
#define RSVD_SMB2_DH2Q_REQ_SIZE 32u
/** DataLength of SMB2_CREATE_DURABLE_HANDLE_RECONNECT_V2. */
#define RSVD_SMB2_DH2C_SIZE 36u
/** DataLength of SMB2_CREATE_DURABLE_HANDLE_RESPONSE: 8 reserved bytes. */
#define RSVD_SMB2_DHNQ_RSP_SIZE 8u
/** DataLength of SMB2_CREATE_DURABLE_HANDLE_RESPONSE_V2. */
#define RSVD_SMB2_DH2Q_RSP_SIZE 8u
/** @} */

/** Checks SMB2_CREATE_DURABLE_HANDLE_REQUEST (DHnQ) data: 16 reserved bytes. */
RSVD_API int rsvd_smb2_dhnq_req_decode(const uint8_t *data, size_t len);
/** Writes DHnQ data: 16 zero bytes. @return RSVD_OK or RSVD_E_NOSPC. */
RSVD_API int rsvd_smb2_dhnq_req_encode(uint8_t *buf, size_t cap, size_t *out_len);

/** Decodes SMB2_CREATE_DURABLE_HANDLE_RECONNECT (DHnC) data: the FileId of
 * the open to reconnect. */
RSVD_API int rsvd_smb2_dhnc_decode(const uint8_t *data, size_t len, rsvd_smb2_fileid *out);
/** Encodes DHnC data (16 bytes). @return RSVD_OK or RSVD_E_NOSPC. */
RSVD_API int rsvd_smb2_dhnc_encode(const rsvd_smb2_fileid *file_id, uint8_t *buf, size_t cap,
                                   size_t *out_len);

/** SMB2_CREATE_DURABLE_HANDLE_REQUEST_V2 (DH2Q); Reserved (8) skipped. */
typedef struct rsvd_smb2_dh2q_req {
    /** Milliseconds; 0 lets the server choose. */
    uint32_t timeout;
    /** Flags: 0 or RSVD_SMB2_DHANDLE_FLAG_PERSISTENT. */
    uint32_t flags;
    /** CreateGuid: identifies the create (for replay and reconnect). */
    rsvd_guid create_guid;
} rsvd_smb2_dh2q_req;

/** Decodes DH2Q data (32 bytes). */
RSVD_API int rsvd_smb2_dh2q_req_decode(const uint8_t *data, size_t len, rsvd_smb2_dh2q_req *out);
/** Encodes DH2Q data (32 bytes, Reserved 0). @return RSVD_OK or RSVD_E_NOSPC. */
RSVD_API int rsvd_smb2_dh2q_req_encode(const rsvd_smb2_dh2q_req *r, uint8_t *buf, size_t cap,
                                       size_t *out_len);

/** SMB2_CREATE_DURABLE_HANDLE_RECONNECT_V2 (DH2C). */
typedef struct rsvd_smb2_dh2c {
    /** FileId: the open to reconnect. */
    rsvd_smb2_fileid file_id;
    /** CreateGuid: that of the create that made the open. */
    rsvd_guid create_guid;
    /** Flags: 0 or RSVD_SMB2_DHANDLE_FLAG_PERSISTENT. */
    uint32_t flags;
} rsvd_smb2_dh2c;

/** Decodes DH2C data (36 bytes). */
RSVD_API int rsvd_smb2_dh2c_decode(const uint8_t *data, size_t len, rsvd_smb2_dh2c *out);
/** Encodes DH2C data (36 bytes). @return RSVD_OK or RSVD_E_NOSPC. */
RSVD_API int rsvd_smb2_dh2c_encode(const rsvd_smb2_dh2c *r, uint8_t *buf, size_t cap,
                                   size_t *out_len);

/** Checks SMB2_CREATE_DURABLE_HANDLE_RESPONSE (DHnQ response) data: 8
 * reserved bytes. */
RSVD_API int rsvd_smb2_dhnq_rsp_decode(const uint8_t *data, size_t len);
/** Writes DHnQ response data: 8 zero bytes. @return RSVD_OK or RSVD_E_NOSPC. */
RSVD_API int rsvd_smb2_dhnq_rsp_encode(uint8_t *buf, size_t cap, size_t *out_len);

/** SMB2_CREATE_DURABLE_HANDLE_RESPONSE_V2 (DH2Q response). */
typedef struct rsvd_smb2_dh2q_rsp {
    /** Timeout: milliseconds the server waits for the client to reconnect. */
    uint32_t timeout;
    /** Flags: RSVD_SMB2_DHANDLE_FLAG_PERSISTENT if a persistent handle was
     * granted, else 0. */
    uint32_t flags;
} rsvd_smb2_dh2q_rsp;

/** Decodes DH2Q response data (8 bytes). */
RSVD_API int rsvd_smb2_dh2q_rsp_decode(const uint8_t *data, size_t len, rsvd_smb2_dh2q_rsp *out);
/** Encodes DH2Q response data (8 bytes). @return RSVD_OK or RSVD_E_NOSPC. */
RSVD_API int rsvd_smb2_dh2q_rsp_encode(const rsvd_smb2_dh2q_rsp *r, uint8_t *buf, size_t cap,
                                       size_t *out_len);

/** @name Lease and application-instance context data ([MS-SMB2]
 * 2.2.13.2.8, 2.2.13.2.10, 2.2.13.2.13, 2.2.13.2.15)
 * Each decoder requires DataLength to be exactly its structure's size, as
 * the durable-handle decoders do.
 * @{ */
/** DataLength of SMB2_CREATE_REQUEST_LEASE. */
#define RSVD_SMB2_LEASE_REQ_V1_SIZE 32u
/** DataLength of SMB2_CREATE_REQUEST_LEASE_V2. */
#define RSVD_SMB2_LEASE_REQ_V2_SIZE 52u
/** DataLength (and StructureSize) of SMB2_CREATE_APP_INSTANCE_ID. */
#define RSVD_SMB2_APP_INSTANCE_ID_SIZE 20u
/** DataLength (and StructureSize) of SMB2_CREATE_APP_INSTANCE_VERSION. */
#define RSVD_SMB2_APP_INSTANCE_VERSION_SIZE 24u
/** @} */

/** SMB2_CREATE_REQUEST_LEASE (version 1) or _V2 (version 2), told apart by
 * DataLength. */
typedef struct rsvd_smb2_lease_req {
    /** 1 (32 bytes of data) or 2 (52 bytes). */
    uint8_t version;
    /** LeaseKey: the client's key of the lease. */
    rsvd_guid lease_key;
    /** LeaseState: RSVD_SMB2_LEASE_* bits requested. */
    uint32_t lease_state;
    /** LeaseFlags (v1) / Flags (v2). */
    uint32_t flags;
    /** LeaseDuration: reserved. */
    uint64_t duration;
    /** v2: ParentLeaseKey; zero for v1. */
    rsvd_guid parent_lease_key;
    /** v2: Epoch; 0 for v1. */
    uint16_t epoch;
} rsvd_smb2_lease_req;

/** Decodes RqLs data: 32 bytes (v1) or 52 (v2); any other length is
 * RSVD_E_WIRE_SHORT (below 32) or RSVD_E_WIRE_VALUE. */
RSVD_API int rsvd_smb2_lease_req_decode(const uint8_t *data, size_t len,
                                        rsvd_smb2_lease_req *out);
/** Encodes RqLs data of r->version (1 or 2; anything else RSVD_E_INVAL).
 * @return RSVD_OK, RSVD_E_INVAL or RSVD_E_NOSPC. */
RSVD_API int rsvd_smb2_lease_req_encode(const rsvd_smb2_lease_req *r, uint8_t *buf, size_t cap,
                                        size_t *out_len);

/** Decodes SMB2_CREATE_APP_INSTANCE_ID data: StructureSize 20 (else
 * RSVD_E_WIRE_STRUCTURE_SIZE), Reserved skipped, AppInstanceId. */
RSVD_API int rsvd_smb2_app_instance_id_decode(const uint8_t *data, size_t len, rsvd_guid *out);
/** Encodes SMB2_CREATE_APP_INSTANCE_ID data (20 bytes). @return RSVD_OK or
 * RSVD_E_NOSPC. */
RSVD_API int rsvd_smb2_app_instance_id_encode(const rsvd_guid *id, uint8_t *buf, size_t cap,
                                              size_t *out_len);

/** SMB2_CREATE_APP_INSTANCE_VERSION. */
typedef struct rsvd_smb2_app_instance_version {
    /** AppInstanceVersionHigh. */
    uint64_t high;
    /** AppInstanceVersionLow. */
    uint64_t low;
} rsvd_smb2_app_instance_version;

/** Decodes SMB2_CREATE_APP_INSTANCE_VERSION data: StructureSize 24 (else
 * RSVD_E_WIRE_STRUCTURE_SIZE), Reserved and Padding skipped. */
RSVD_API int rsvd_smb2_app_instance_version_decode(const uint8_t *data, size_t len,
                                                   rsvd_smb2_app_instance_version *out);
/** Encodes SMB2_CREATE_APP_INSTANCE_VERSION data (24 bytes). @return
 * RSVD_OK or RSVD_E_NOSPC. */
RSVD_API int rsvd_smb2_app_instance_version_encode(const rsvd_smb2_app_instance_version *v,
                                                   uint8_t *buf, size_t cap, size_t *out_len);

/* ------------------------------------------------------------------------ */
/* CLOSE ([MS-SMB2] 2.2.15, 2.2.16)                                          */
/* ------------------------------------------------------------------------ */

/** CLOSE Flags SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB ([MS-SMB2] 2.2.15): return
 * the attributes in the response. */
#define RSVD_SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB 0x0001u
/** StructureSize of the CLOSE request (and its body size). */
#define RSVD_SMB2_CLOSE_REQ_STRUCTURE_SIZE 24u
/** StructureSize of the CLOSE response (and its body size). */
#define RSVD_SMB2_CLOSE_RSP_STRUCTURE_SIZE 60u

/** SMB2 CLOSE Request ([MS-SMB2] 2.2.15); Reserved skipped. */
typedef struct rsvd_smb2_close_req {
    /** The SMB2 header (Command CLOSE). */
    rsvd_smb2_hdr hdr;
    /** Flags: 0 or RSVD_SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB. */
    uint16_t flags;
    /** FileId: the open to close. */
    rsvd_smb2_fileid file_id;
} rsvd_smb2_close_req;

/** Decodes a CLOSE request message (StructureSize must be 24). */
RSVD_API int rsvd_smb2_close_req_decode(const uint8_t *buf, size_t len, rsvd_smb2_close_req *out);
/** Encodes a CLOSE request message: 88 bytes. */
RSVD_API int rsvd_smb2_close_req_encode(const rsvd_smb2_close_req *m, uint8_t *buf, size_t cap,
                                        size_t *out_len);

/** SMB2 CLOSE Response ([MS-SMB2] 2.2.16); Reserved skipped. */
typedef struct rsvd_smb2_close_rsp {
    /** The SMB2 header (Command CLOSE). */
    rsvd_smb2_hdr hdr;
    /** Flags: RSVD_SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB when the fields below are
     * valid; 0 and the fields all 0 otherwise. */
    uint16_t flags;
    /** CreationTime, a FILETIME: 100-ns intervals since 1601-01-01 UTC. */
    uint64_t creation_time;
    /** LastAccessTime, a FILETIME. */
    uint64_t last_access_time;
    /** LastWriteTime, a FILETIME. */
    uint64_t last_write_time;
    /** ChangeTime, a FILETIME. */
    uint64_t change_time;
    /** AllocationSize: bytes allocated to the file. */
    uint64_t allocation_size;
    /** EndofFile: the file's size in bytes. */
    uint64_t end_of_file;
    /** FileAttributes ([MS-FSCC] 2.6). */
    uint32_t file_attributes;
} rsvd_smb2_close_rsp;

/** Decodes a CLOSE response message (StructureSize must be 60). */
RSVD_API int rsvd_smb2_close_rsp_decode(const uint8_t *buf, size_t len, rsvd_smb2_close_rsp *out);
/** Encodes a CLOSE response message: 124 bytes. */
RSVD_API int rsvd_smb2_close_rsp_encode(const rsvd_smb2_close_rsp *m, uint8_t *buf, size_t cap,
                                        size_t *out_len);

/* ------------------------------------------------------------------------ */
/* QUERY_INFO and SET_INFO ([MS-SMB2] 2.2.37 - 2.2.40)                       */
/* ------------------------------------------------------------------------ */

/** @name QUERY_INFO / SET_INFO constants ([MS-SMB2] 2.2.37 - 2.2.40)
 * @{ */
/** SL_RESTART_SCAN (QUERY_INFO Flags, EA queries): scan the EAs from the
 * beginning. */
#define RSVD_SL_RESTART_SCAN 0x00000001u
/** SL_RETURN_SINGLE_ENTRY: return one EA entry only. */
#define RSVD_SL_RETURN_SINGLE_ENTRY 0x00000002u
/** SL_INDEX_SPECIFIED: AdditionalInformation holds the EA index to
 * start at. */
#define RSVD_SL_INDEX_SPECIFIED 0x00000004u

/* The FileInfoClass values ([MS-FSCC] 2.4) the RSVD server looks at
 * (MS-RSVD 3.2.5.8, 3.2.5.9) are RSVD_FILE_*_INFORMATION in rsvd/fscc.h. */

/** QUERY_INFO request body before Buffer. */
#define RSVD_SMB2_QUERY_INFO_REQ_FIXED_SIZE 40u
/** StructureSize of the QUERY_INFO request. */
#define RSVD_SMB2_QUERY_INFO_REQ_STRUCTURE_SIZE 41u
/** First Buffer byte of a QUERY_INFO request (0x68). */
#define RSVD_SMB2_QUERY_INFO_REQ_BUFFER_OFFSET 104u
/** QUERY_INFO response body before Buffer. */
#define RSVD_SMB2_QUERY_INFO_RSP_FIXED_SIZE 8u
/** StructureSize of the QUERY_INFO response. */
#define RSVD_SMB2_QUERY_INFO_RSP_STRUCTURE_SIZE 9u
/** First Buffer byte of a QUERY_INFO response (0x48). */
#define RSVD_SMB2_QUERY_INFO_RSP_BUFFER_OFFSET 72u
/** SET_INFO request body before Buffer. */
#define RSVD_SMB2_SET_INFO_REQ_FIXED_SIZE 32u
/** StructureSize of the SET_INFO request. */
#define RSVD_SMB2_SET_INFO_REQ_STRUCTURE_SIZE 33u
/** First Buffer byte of a SET_INFO request (0x60). */
#define RSVD_SMB2_SET_INFO_REQ_BUFFER_OFFSET 96u
/** StructureSize of the SET_INFO response (and its body size). */
#define RSVD_SMB2_SET_INFO_RSP_STRUCTURE_SIZE 2u
/** @} */

/** SMB2 QUERY_INFO Request ([MS-SMB2] 2.2.37); Reserved skipped. */
typedef struct rsvd_smb2_query_info_req {
    /** The SMB2 header (Command QUERY_INFO). */
    rsvd_smb2_hdr hdr;
    /** InfoType: an RSVD_SMB2_0_INFO_* value. */
    uint8_t info_type;
    /** FileInfoClass: the information class (RSVD_FILE_*_INFORMATION for
     * files). */
    uint8_t file_info_class;
    /** The most bytes the server may return. */
    uint32_t output_buffer_length;
    /** InputBufferOffset: from the header start. */
    uint16_t input_buffer_offset;
    /** InputBufferLength: bytes of input. */
    uint32_t input_buffer_length;
    /** AdditionalInformation: the security information wanted, or the EA
     * index with RSVD_SL_INDEX_SPECIFIED. */
    uint32_t additional_information;
    /** Flags: RSVD_SL_* bits (EA queries). */
    uint32_t flags;
    /** FileId: the open queried. */
    rsvd_smb2_fileid file_id;
    /** View: the input buffer (NULL when its length is 0). */
    const uint8_t *input;
} rsvd_smb2_query_info_req;

/** Decodes a QUERY_INFO request message (StructureSize must be 41; the input
 * must not start below 0x68). */
RSVD_API int rsvd_smb2_query_info_req_decode(const uint8_t *buf, size_t len,
                                             rsvd_smb2_query_info_req *out);
/** Encodes a QUERY_INFO request message with the input at 0x68. */
RSVD_API int rsvd_smb2_query_info_req_encode(const rsvd_smb2_query_info_req *m, uint8_t *buf,
                                             size_t cap, size_t *out_len);

/** SMB2 QUERY_INFO Response ([MS-SMB2] 2.2.38). */
typedef struct rsvd_smb2_query_info_rsp {
    /** The SMB2 header (Command QUERY_INFO). */
    rsvd_smb2_hdr hdr;
    /** OutputBufferOffset: from the header start. */
    uint16_t output_buffer_offset;
    /** OutputBufferLength: bytes of information returned. */
    uint32_t output_buffer_length;
    /** View: the information returned (NULL when its length is 0). */
    const uint8_t *output;
} rsvd_smb2_query_info_rsp;

/** Decodes a QUERY_INFO response message (StructureSize must be 9; the
 * output must not start below 0x48). */
RSVD_API int rsvd_smb2_query_info_rsp_decode(const uint8_t *buf, size_t len,
                                             rsvd_smb2_query_info_rsp *out);
/** Encodes a QUERY_INFO response message with the output at 0x48. */
RSVD_API int rsvd_smb2_query_info_rsp_encode(const rsvd_smb2_query_info_rsp *m, uint8_t *buf,
                                             size_t cap, size_t *out_len);

/** SMB2 SET_INFO Request ([MS-SMB2] 2.2.39); Reserved skipped. */
typedef struct rsvd_smb2_set_info_req {
    /** The SMB2 header (Command SET_INFO). */
    rsvd_smb2_hdr hdr;
    /** InfoType: an RSVD_SMB2_0_INFO_* value. */
    uint8_t info_type;
    /** FileInfoClass: the information class (RSVD_FILE_*_INFORMATION for
     * files). */
    uint8_t file_info_class;
    /** BufferLength: bytes of information. */
    uint32_t buffer_length;
    /** BufferOffset: from the header start. */
    uint16_t buffer_offset;
    /** AdditionalInformation: the security information set (InfoType
     * SECURITY), else 0. */
    uint32_t additional_information;
    /** FileId: the open changed. */
    rsvd_smb2_fileid file_id;
    /** View: the information to set (NULL when its length is 0). */
    const uint8_t *buffer;
} rsvd_smb2_set_info_req;

/** Decodes a SET_INFO request message (StructureSize must be 33; the buffer
 * must not start below 0x60). */
RSVD_API int rsvd_smb2_set_info_req_decode(const uint8_t *buf, size_t len,
                                           rsvd_smb2_set_info_req *out);
/** Encodes a SET_INFO request message with the buffer at 0x60. */
RSVD_API int rsvd_smb2_set_info_req_encode(const rsvd_smb2_set_info_req *m, uint8_t *buf,
                                           size_t cap, size_t *out_len);

/** SMB2 SET_INFO Response ([MS-SMB2] 2.2.40): StructureSize only. */
typedef struct rsvd_smb2_set_info_rsp {
    /** The SMB2 header (Command SET_INFO). */
    rsvd_smb2_hdr hdr;
} rsvd_smb2_set_info_rsp;

/** Decodes a SET_INFO response message (StructureSize must be 2). */
RSVD_API int rsvd_smb2_set_info_rsp_decode(const uint8_t *buf, size_t len,
                                           rsvd_smb2_set_info_rsp *out);
/** Encodes a SET_INFO response message: 66 bytes. */
RSVD_API int rsvd_smb2_set_info_rsp_encode(const rsvd_smb2_set_info_rsp *m, uint8_t *buf,
                                           size_t cap, size_t *out_len);

#ifdef __cplusplus
}
#endif

#endif /* RSVD_WIRE_SMB2_H */
