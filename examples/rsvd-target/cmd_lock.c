/*
 * rsvd-target: LOCK ([MS-SMB2] 3.3.5.14, 3.3.5.14.1, 3.3.5.14.2). The lock
 * sequence (replay detection) is the resilient server's (preserve.c); the
 * byte ranges are the file's table with Windows semantics (brl.h); a
 * blocking lock waits asynchronously until its range is free or it is
 * cancelled.
 */
#include <string.h>

#include "preserve.h"
#include "target.h"
#include "shared_disk.h"
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_smb2.h>

/* The one place where a LOCK ends: the lock sequence is recorded here, and
 * only here, with the final status (only a request that succeeded as a
 * whole records it - rsvd_res_server_lock_end() decides). */
void tgt_lock_finish(tgt_req *r, uint32_t status)
{
    tgt_preserve_lock_end(r->srv->pres, r, status);
    if (r->conn->dead) {
        tgt_req_free(r);
        return;
    }
    if (status != RSVD_STATUS_SUCCESS) {
        tgt_req_fail(r, status);
        return;
    }
    rsvd_smb2_lock_rsp m;
    memset(&m, 0, sizeof m);
    m.hdr = tgt_rsp_hdr(r, status);
    if (tgt_req_reserve(r, 128, 0) != 0) {
        tgt_req_fail(r, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        return;
    }
    size_t len = 0;
    tgt_req_encoded(r, rsvd_smb2_lock_rsp_encode(&m, r->rsp, r->rsp_cap, &len), &len);
}

/* [MS-SMB2] 3.3.5.14.1: every element unlocks a range this open locked,
 * exactly. */
static uint32_t unlock(tgt_req *r, tgt_open *o)
{
    const rsvd_smb2_lock_req *q = &r->lock.req;
    tgt_file *f = o->file;
    uint32_t status = RSVD_STATUS_SUCCESS;
    size_t done = 0;
    for (uint32_t i = 0; i < q->lock_count; i++) {
        rsvd_smb2_lock_element e;
        (void)rsvd_smb2_lock_element_get(q, i, &e);
        if (e.flags != RSVD_SMB2_LOCKFLAG_UNLOCK) {
            status = RSVD_STATUS_INVALID_PARAMETER;
            break;
        }
        if (tgt_brl_remove(&f->locks, o, e.offset, e.length) != 0) {
            status = RSVD_STATUS_RANGE_NOT_LOCKED;
            break;
        }
        done++;
    }
    if (done)
        tgt_lock_wake(f);
    return status;
}

/* [MS-SMB2] 3.3.5.14.2 with [MS-FSA] 2.1.5.7. @return the status, or
 * STATUS_PENDING when a blocking lock must wait. */
static uint32_t lock(tgt_req *r, tgt_open *o)
{
    const rsvd_smb2_lock_req *q = &r->lock.req;
    tgt_file *f = o->file;
    rsvd_smb2_lock_element e;
    /* The flags of every element first: SHARED or EXCLUSIVE, with
     * FAIL_IMMEDIATELY unless the request has a single element. */
    for (uint32_t i = 0; i < q->lock_count; i++) {
        (void)rsvd_smb2_lock_element_get(q, i, &e);
        uint32_t kind = e.flags & ~RSVD_SMB2_LOCKFLAG_FAIL_IMMEDIATELY;
        if ((kind != RSVD_SMB2_LOCKFLAG_SHARED_LOCK && kind != RSVD_SMB2_LOCKFLAG_EXCLUSIVE_LOCK) ||
            (q->lock_count > 1 && !(e.flags & RSVD_SMB2_LOCKFLAG_FAIL_IMMEDIATELY)))
            return RSVD_STATUS_INVALID_PARAMETER;
    }
    uint32_t i;
    uint32_t status = RSVD_STATUS_SUCCESS;
    for (i = 0; i < q->lock_count; i++) {
        (void)rsvd_smb2_lock_element_get(q, i, &e);
        bool exclusive = (e.flags & RSVD_SMB2_LOCKFLAG_EXCLUSIVE_LOCK) != 0;
        if (!tgt_brl_range_valid(e.offset, e.length)) {
            status = TGT_STATUS_INVALID_LOCK_RANGE;
            break;
        }
        if (tgt_brl_lock_conflicts(&f->locks, o, e.offset, e.length, exclusive)) {
            status = (e.flags & RSVD_SMB2_LOCKFLAG_FAIL_IMMEDIATELY) ? RSVD_STATUS_LOCK_NOT_GRANTED
                                                                     : RSVD_STATUS_PENDING;
            break;
        }
        if (tgt_brl_add(&f->locks, o, e.offset, e.length, exclusive) != 0) {
            status = RSVD_STATUS_INSUFFICIENT_RESOURCES;
            break;
        }
    }
    if (status != RSVD_STATUS_SUCCESS) {
        /* The locks this request took are given back. */
        while (i-- > 0) {
            (void)rsvd_smb2_lock_element_get(q, i, &e);
            (void)tgt_brl_remove(&f->locks, o, e.offset, e.length);
        }
    }
    return status;
}

static void lock_cancelled(tgt_req *r)
{
    if (tgt_link_linked(&r->wait_link))
        tgt_list_remove(&r->wait_link);
    tgt_lock_finish(r, RSVD_STATUS_CANCELLED);
}

/* A waiting lock tries again: it is granted, or waits on. */
static void lock_retry(tgt_req *r)
{
    uint32_t st = lock(r, r->open);
    if (st == RSVD_STATUS_PENDING)
        return;
    tgt_list_remove(&r->wait_link);
    r->on_cancel = NULL;
    tgt_lock_finish(r, st);
}

void tgt_lock_wake(tgt_file *f)
{
    tgt_link *k, *nk;
    TGT_LIST_FOREACH_SAFE(&f->lock_waiters, k, nk) {
        tgt_req *r = TGT_CONTAINER(k, tgt_req, wait_link);
        lock_retry(r);
    }
}

void tgt_lock_cancel_open(tgt_open *o)
{
    tgt_file *f = o->file;
    if (!f)
        return;
    tgt_link *k, *nk;
    TGT_LIST_FOREACH_SAFE(&f->lock_waiters, k, nk) {
        tgt_req *r = TGT_CONTAINER(k, tgt_req, wait_link);
        if (r->open != o)
            continue;
        /* The open went while its lock waited. */
        tgt_list_remove(&r->wait_link);
        r->on_cancel = NULL;
        tgt_lock_finish(r, RSVD_STATUS_RANGE_NOT_LOCKED);
    }
}

void tgt_cmd_lock(tgt_req *r)
{
    /* [MS-SMB2] 3.3.5.14: the open and the lock sequence check first. */
    if (tgt_preserve_lock_begin(r->srv->pres, r) != 0) {
        tgt_req_fail(r, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    switch (r->lock.action) {
    case RSVD_RES_LOCK_REPLAY: /* applied before: success, nothing locked */
        tgt_lock_finish(r, RSVD_STATUS_SUCCESS);
        return;
    case RSVD_RES_LOCK_FAIL:
        tgt_req_fail(r, r->lock.status);
        return;
    case RSVD_RES_LOCK_PROCESS:
        break;
    }
    tgt_open *o = r->open = r->lock.open_user_data;
    if (o->svhdx) {
        tgt_vdisk_lock(o->share->vdisk, r); /* [MS-RSVD] 3.2.4: STATUS_LOCK_NOT_GRANTED */
        return;
    }
    rsvd_smb2_lock_element first;
    (void)rsvd_smb2_lock_element_get(&r->lock.req, 0, &first);
    uint32_t st = first.flags == RSVD_SMB2_LOCKFLAG_UNLOCK ? unlock(r, o) : lock(r, o);
    if (st == RSVD_STATUS_PENDING) {
        tgt_list_append(&o->file->lock_waiters, &r->wait_link);
        r->on_retry = lock_retry;
        r->on_cancel = lock_cancelled;
        tgt_req_go_async(r);
        return;
    }
    tgt_lock_finish(r, st);
}
