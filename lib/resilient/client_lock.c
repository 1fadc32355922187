/*
 * Resilient handles, client role: byte-range locks and their lock-sequence
 * buckets ([MS-SMB2] 3.2.4.19 Application Requests Locking of an Array of
 * Byte Ranges, 3.2.4.21 ... Unlocking ..., 3.2.5.13 Receiving an SMB2 LOCK
 * Response). Re-sending unfinished LOCKs after a reconnect (gap G1) is in
 * client_replay.c.
 */
#include <string.h>

#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire.h>
#include <rsvd/wire_smb2.h>

#include "resilient/client_int.h"
#include "util/mem.h"

/* The valid element flags ([MS-SMB2] 2.2.26.1). */
static bool lock_flags_ok(uint32_t f)
{
    const uint32_t fi = RSVD_SMB2_LOCKFLAG_FAIL_IMMEDIATELY;
    return f == RSVD_SMB2_LOCKFLAG_SHARED_LOCK || f == RSVD_SMB2_LOCKFLAG_EXCLUSIVE_LOCK ||
           f == (RSVD_SMB2_LOCKFLAG_SHARED_LOCK | fi) ||
           f == (RSVD_SMB2_LOCKFLAG_EXCLUSIVE_LOCK | fi);
}

/* Does this open use the buckets? (3.2.4.19 / 3.2.4.21: ResilientHandle,
 * IsPersistent or Connection.SupportsMultiChannel.) */
bool cli_uses_buckets(const cli_open *o, const cli_conn *c)
{
    return o->resilient_handle || o->persistent || c->multi_channel;
}

/* The lowest Free bucket (1..64), or 0. */
static uint32_t free_bucket(const cli_open *o)
{
    for (uint32_t i = 1; i <= CLI_BUCKETS; i++)
        if (!(o->buckets[i - 1] & CLI_BUCKET_TAKEN))
            return i;
    return 0;
}

int cli_lock_build(rsvd_res_client *cli, cli_req *r, cli_conn *c, uint64_t message_id,
                   uint16_t charge, uint16_t credit_request, bool replay, uint8_t *buf,
                   size_t cap, size_t *len)
{
    (void)cli;
    rsvd_smb2_lock_req m;
    memset(&m, 0, sizeof m);
    /* Header: Command LOCK, MessageId per 3.2.4.1.3, SessionId and TreeId
     * from Open.TreeConnect. */
    cli_hdr_init(&m.hdr, c, r->open->tree, charge, credit_request, message_id);
    if (replay)
        m.hdr.flags |= RSVD_SMB2_FLAGS_REPLAY_OPERATION;
    m.lock_count = r->lock_count;         /* the number of ranges */
    m.lock_sequence = r->lock_sequence;   /* bucket index << 4 | SequenceNumber, or 0 */
    m.file_id = r->open->file_id;         /* Open.FileId */
    m.locks = r->locks;
    return rsvd_smb2_lock_req_encode(&m, buf, cap, len);
}

int rsvd_res_client_lock(rsvd_res_client *cli, uint64_t open, const rsvd_smb2_lock_element *elems,
                         uint16_t count, void *req_user_data, uint8_t *buf, size_t cap,
                         rsvd_res_client_msg *out)
{
    if (!cli || !out || !elems || count == 0 || (!buf && cap))
        return RSVD_E_INVAL;
    if (cli->in_callback)
        return RSVD_E_BUSY;
    memset(out, 0, sizeof *out);
    if (count > cli->cfg.max_lock_elements)
        return RSVD_E_INVAL;
    /* All locks or all unlocks, each with a valid combination of flags. */
    bool unlock = elems[0].flags == RSVD_SMB2_LOCKFLAG_UNLOCK;
    for (uint16_t i = 0; i < count; i++) {
        if (unlock ? elems[i].flags != RSVD_SMB2_LOCKFLAG_UNLOCK : !lock_flags_ok(elems[i].flags))
            return RSVD_E_INVAL;
    }
    /* An invalid handle -> an implementation-specific error. */
    cli_open *o = rsvd_handle_table_get(&cli->opens, open);
    if (!o)
        return RSVD_E_NOENT;
    /* Select a connection; none -> the operation fails. */
    if (o->state == CLI_OPEN_CREATING)
        return RSVD_E_STATE;
    if (o->state != CLI_OPEN_CONNECTED)
        return RSVD_E_AGAIN;
    cli_conn *c = cli_select_conn(o->tree->sess);
    if (!c)
        return RSVD_E_AGAIN;
    /* 3.2.4.1.5: with multi-credit every command but READ, WRITE, IOCTL and
     * QUERY_DIRECTORY has CreditCharge 1. */
    uint16_t charge = c->multi_credit ? 1u : 0u;
    uint16_t n = cli_consumed(charge);
    int rc = cli_window_check(cli, c, n);
    if (rc != RSVD_OK)
        return rc;
    /* The bucket: scan for a Free one; none -> error, nothing sent. */
    uint32_t bucket = 0;
    if (cli_uses_buckets(o, c)) {
        bucket = free_bucket(o);
        if (bucket == 0)
            return RSVD_E_AGAIN;
    }
    cli_req *r = cli_req_new(cli, RSVD_RES_REQ_LOCK, o, req_user_data);
    if (!r)
        return RSVD_E_NOMEM;
    r->locks = rsvd_mem_alloc(cli->mem, (size_t)count * RSVD_SMB2_LOCK_ELEMENT_SIZE);
    if (!r->locks) {
        cli_req_free(cli, r);
        return RSVD_E_NOMEM;
    }
    rsvd_wr w;
    rsvd_wr_init(&w, r->locks, (size_t)count * RSVD_SMB2_LOCK_ELEMENT_SIZE);
    for (uint16_t i = 0; i < count; i++) {
        rsvd_smb2_lock_element e = elems[i];
        /* More than one element: the client MUST set FAIL_IMMEDIATELY. */
        if (!unlock && count > 1)
            e.flags |= RSVD_SMB2_LOCKFLAG_FAIL_IMMEDIATELY;
        uint8_t *slot = rsvd_wr_take(&w, RSVD_SMB2_LOCK_ELEMENT_SIZE);
        (void)rsvd_smb2_lock_element_encode(&e, slot, RSVD_SMB2_LOCK_ELEMENT_SIZE);
    }
    r->lock_count = count;
    r->bucket = bucket;
    /* LockSequenceIndex = the bucket's index, LockSequenceNumber its
     * SequenceNumber; without a bucket both 0. */
    r->lock_sequence =
        bucket ? rsvd_smb2_lock_seq_encode(bucket, (uint8_t)(o->buckets[bucket - 1] & 0xFu)) : 0;
    rc = cli_lock_build(cli, r, c, c->next_id, charge, cli_credit_request(cli, c, n), false, buf,
                        cap, &out->len);
    if (rc != RSVD_OK) {
        cli_req_free(cli, r);
        return rc;
    }
    if (bucket)
        o->buckets[bucket - 1] |= CLI_BUCKET_TAKEN; /* Free = FALSE */
    cli_req_send(c, r, n);
    rsvd_list_append(&o->requests, &r->open_node);
    out->conn = c->handle;
    out->message_id = r->message_id;
    return RSVD_OK;
}

uint32_t cli_lock_response(rsvd_res_client *cli, cli_req *r, const rsvd_smb2_hdr *h,
                           const uint8_t *msg, size_t len)
{
    (void)cli;
    (void)r;
    if (h->status != RSVD_STATUS_SUCCESS)
        return cli_error_body_ok(msg, len) ? h->status : RSVD_STATUS_INVALID_NETWORK_RESPONSE;
    rsvd_smb2_lock_rsp m;
    if (rsvd_smb2_lock_rsp_decode(msg, len, &m) != RSVD_OK)
        return RSVD_STATUS_INVALID_NETWORK_RESPONSE;
    return RSVD_STATUS_SUCCESS;
}
