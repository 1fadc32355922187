/*
 * Fuzz harness: the resilient-handle client's response handling
 * ([MS-SMB2] 3.2.5.1, 3.2.5.14.9, 3.2.5.13, 3.2.5.8).
 *
 * The input is a response message. The harness reads its header's Command
 * and MessageId (when it has a header), has the client send a request of
 * that kind with that MessageId - FSCTL_LMR_REQUEST_RESILIENCY for IOCTL, a
 * LOCK on a resilient open for LOCK, the reconnect CREATE of a detached
 * resilient open for CREATE - and hands it the input as the answer.
 *
 * Invariants: no crash; a matched response ends the request (or leaves it
 * in flight for an interim STATUS_PENDING) with a status; the open changes
 * only as its section says (ResilientHandle only on success; a LOCK's
 * bucket freed and advanced by any final response; a reconnect rebinds the
 * open with the same persistent FileId only on success); the same bytes
 * again are not matched once the request ended.
 */
#include <rsvd/resilient.h>

#include <string.h>

#include "fuzz_common.h"

/* Build with -DFUZZ_TRACE to print the outcome. */
#ifdef FUZZ_TRACE
#define TRACE(...) fprintf(stderr, __VA_ARGS__)
#else
#define TRACE(...) ((void)0)
#endif

static void on_failed(rsvd_res_client *cli, const rsvd_res_client_done *d, void *ud)
{
    (void)cli;
    (void)ud;
    FUZZ_CHECK(d->final && d->status == RSVD_STATUS_CONNECTION_DISCONNECTED);
}

static void on_lost(rsvd_res_client *cli, uint64_t open, void *oud, rsvd_res_lost_reason r,
                    void *ud)
{
    (void)cli;
    (void)open;
    (void)oud;
    (void)ud;
    FUZZ_CHECK(r == RSVD_RES_LOST_NOT_DURABLE || r == RSVD_RES_LOST_TIMEOUT);
}

static const uint8_t name[4] = {'d', 0, 'x', 0};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rsvd_smb2_hdr h;
    memset(&h, 0, sizeof h);
    bool has_hdr = rsvd_smb2_hdr_decode(data, size, &h) == RSVD_OK;
    uint64_t mid = has_hdr && h.message_id < UINT64_MAX - 100 ? h.message_id : 0;
    uint16_t dialect = (h.credit_charge & 1) ? RSVD_SMB2_DIALECT_311 : RSVD_SMB2_DIALECT_210;

    rsvd_res_client *cli;
    const rsvd_res_client_callbacks cb = {on_failed, on_lost};
    FUZZ_CHECK(rsvd_res_client_new(NULL, &cb, NULL, &cli) == RSVD_OK);
    rsvd_res_client_conn_params p;
    memset(&p, 0, sizeof p);
    p.dialect = dialect;
    p.supports_multi_credit = true;
    p.next_message_id = h.command == RSVD_SMB2_IOCTL ? mid : 0;
    p.credits = 8;
    uint64_t conn, sess, tree, open;
    FUZZ_CHECK(rsvd_res_client_conn_add(cli, &p, &conn) == RSVD_OK);
    FUZZ_CHECK(rsvd_res_client_session_add(cli, conn, 0x11, &sess) == RSVD_OK);
    FUZZ_CHECK(rsvd_res_client_tree_add(cli, sess, 5, &tree) == RSVD_OK);
    rsvd_res_client_open_params op;
    memset(&op, 0, sizeof op);
    op.file_id.persistent_id = 0x2A1;
    op.file_id.volatile_id = 0x100000005ull;
    op.name = name;
    op.name_len = sizeof name;
    FUZZ_CHECK(rsvd_res_client_open_add(cli, tree, &op, &open) == RSVD_OK);

    uint8_t req[1024];
    rsvd_res_client_msg m;
    rsvd_res_client_done d;
    uint64_t now = 1000;
    if (h.command == RSVD_SMB2_IOCTL) {
        FUZZ_CHECK(rsvd_res_client_request_resiliency(cli, open, 60000, NULL, req, sizeof req,
                                                      &m) == RSVD_OK);
    } else {
        /* Make the open resilient first, with a well-formed exchange. */
        FUZZ_CHECK(rsvd_res_client_request_resiliency(cli, open, 60000, NULL, req, sizeof req,
                                                      &m) == RSVD_OK);
        rsvd_smb2_resiliency_req q;
        FUZZ_CHECK(rsvd_smb2_resiliency_req_decode(req, m.len, &q) == RSVD_OK);
        uint8_t rsp[256];
        size_t rn;
        FUZZ_CHECK(rsvd_smb2_resiliency_rsp_build(&q.ioctl, 8, rsp, sizeof rsp, &rn) == RSVD_OK);
        FUZZ_CHECK(rsvd_res_client_on_response(cli, conn, rsp, rn, now, &d) == RSVD_OK);
        FUZZ_CHECK(d.status == RSVD_STATUS_SUCCESS);
        if (h.command == RSVD_SMB2_CREATE) {
            FUZZ_CHECK(rsvd_res_client_on_disconnect(cli, conn, now) == RSVD_OK);
            p.next_message_id = mid;
            FUZZ_CHECK(rsvd_res_client_conn_add(cli, &p, &conn) == RSVD_OK);
            FUZZ_CHECK(rsvd_res_client_session_add(cli, conn, 0x12, &sess) == RSVD_OK);
            FUZZ_CHECK(rsvd_res_client_tree_add(cli, sess, 6, &tree) == RSVD_OK);
            FUZZ_CHECK(rsvd_res_client_reconnect_create(cli, open, tree, now, NULL, 0, req,
                                                        sizeof req, &m) == RSVD_OK);
        } else {
            /* Burn ids up to the input's MessageId, then the LOCK. */
            rsvd_res_client_conn_info ci;
            FUZZ_CHECK(rsvd_res_client_conn_info_get(cli, conn, &ci) == RSVD_OK);
            if (mid > ci.next_message_id && mid - ci.next_message_id < 60000) {
                uint64_t first;
                uint64_t gap = mid - ci.next_message_id;
                FUZZ_CHECK(rsvd_res_client_conn_grant_credits(cli, conn, (uint16_t)gap) ==
                           RSVD_OK);
                FUZZ_CHECK(rsvd_res_client_conn_take_message_ids(cli, conn, (uint16_t)gap,
                                                                 &first) == RSVD_OK);
            }
            const rsvd_smb2_lock_element e = {0, 1, RSVD_SMB2_LOCKFLAG_EXCLUSIVE_LOCK};
            FUZZ_CHECK(rsvd_res_client_lock(cli, open, &e, 1, NULL, req, sizeof req, &m) ==
                       RSVD_OK);
        }
    }

    rsvd_res_client_open_info before;
    FUZZ_CHECK(rsvd_res_client_open_info_get(cli, open, &before) == RSVD_OK);
    int rc = rsvd_res_client_on_response(cli, m.conn, data, size, now + 1, &d);
    TRACE("rc %d kind %d final %d status %08x\n", rc, (int)d.kind, (int)d.final, d.status);
    rsvd_res_client_open_info after;
    int irc = rsvd_res_client_open_info_get(cli, open, &after);
    if (rc == RSVD_OK) {
        FUZZ_CHECK(d.message_id == m.message_id && d.open == open);
        if (!d.final) {
            FUZZ_CHECK(d.status == RSVD_STATUS_PENDING);
        } else {
            FUZZ_CHECK(d.status != RSVD_STATUS_PENDING);
            /* Ended: the same bytes are no longer matched. */
            rsvd_res_client_done d2;
            FUZZ_CHECK(rsvd_res_client_on_response(cli, m.conn, data, size, now + 1, &d2) ==
                       RSVD_E_NOENT);
        }
        FUZZ_CHECK(irc == RSVD_OK); /* the attempt is young: never given up here */
        if (d.kind == RSVD_RES_REQ_RESILIENCY) {
            FUZZ_CHECK(after.resilient_handle == (d.final && d.status == RSVD_STATUS_SUCCESS));
        } else if (d.kind == RSVD_RES_REQ_LOCK) {
            bool free_;
            uint8_t seq;
            FUZZ_CHECK(rsvd_res_client_bucket(cli, open, 1, &free_, &seq) == RSVD_OK);
            FUZZ_CHECK(free_ == d.final);
            FUZZ_CHECK(seq == (d.final ? 1 : 0));
        } else {
            bool rebound = d.final && d.status == RSVD_STATUS_SUCCESS;
            FUZZ_CHECK(after.state == (rebound ? RSVD_RES_CLIENT_OPEN_CONNECTED
                                               : RSVD_RES_CLIENT_OPEN_DETACHED));
            FUZZ_CHECK(after.file_id.persistent_id == 0x2A1);
            FUZZ_CHECK(after.reconnecting == !d.final);
        }
    } else {
        /* Not matched: nothing changed. */
        FUZZ_CHECK(irc == RSVD_OK);
        FUZZ_CHECK(after.state == before.state && after.resilient_handle == before.resilient_handle);
        FUZZ_CHECK(rsvd_smb2_fileid_equal(&after.file_id, &before.file_id));
    }
    rsvd_res_client_free(cli);
    return 0;
}
