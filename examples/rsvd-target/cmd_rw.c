/*
 * rsvd-target: READ ([MS-SMB2] 3.3.5.12), WRITE (3.3.5.13) and FLUSH
 * (3.3.5.11).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "access.h"
#include "smb2_simple.h"
#include "target.h"
#include "shared_disk.h"
#include "vfs.h"
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_smb2.h>

void tgt_cmd_read(tgt_req *r)
{
    rsvd_smb2_read_req q;
    if (rsvd_smb2_read_req_decode(r->msg, r->len, &q) != RSVD_OK ||
        q.length > r->srv->cfg->limits.max_io) { /* > Connection.MaxReadSize */
        tgt_req_fail(r, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    tgt_open *o = tgt_req_open(r, &q.file_id);
    if (!o) {
        tgt_req_fail(r, r->open_status);
        return;
    }
    if (o->svhdx) {
        tgt_vdisk_read(o->share->vdisk, r, &q); /* [MS-RSVD] 3.2.5.3 */
        return;
    }
    if (o->file->is_dir) {
        tgt_req_fail(r, RSVD_STATUS_INVALID_DEVICE_REQUEST);
        return;
    }
    if (!(o->access & (TGT_FILE_READ_DATA | TGT_FILE_EXECUTE))) {
        tgt_req_fail(r, RSVD_STATUS_ACCESS_DENIED);
        return;
    }
    if (!tgt_brl_range_valid(q.offset, q.length) ||
        tgt_brl_io_conflicts(&o->file->locks, o, q.offset, q.length, false)) {
        tgt_req_fail(r, RSVD_STATUS_FILE_LOCK_CONFLICT);
        return;
    }
    size_t cap = RSVD_SMB2_READ_RSP_BUFFER_OFFSET + (size_t)q.length;
    if (tgt_req_reserve(r, cap, 0) != 0) {
        tgt_req_fail(r, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        return;
    }
    /* The data goes straight into its place in the response. */
    uint8_t *data = r->rsp + RSVD_SMB2_READ_RSP_BUFFER_OFFSET;
    size_t got = 0;
    while (got < q.length) {
        ssize_t k = pread(o->fd, data + got, q.length - got, (off_t)(q.offset + got));
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            tgt_req_fail(r, tgt_vfs_status(errno));
            return;
        }
        if (k == 0)
            break;
        got += (size_t)k;
    }
    /* [MS-SMB2] 3.3.5.12: nothing at the offset, or less than
     * MinimumCount, is STATUS_END_OF_FILE. */
    if ((got == 0 && q.length > 0) || got < q.minimum_count) {
        tgt_req_fail(r, RSVD_STATUS_END_OF_FILE);
        return;
    }
    o->position = q.offset + got;
    rsvd_smb2_read_rsp m;
    memset(&m, 0, sizeof m);
    m.hdr = tgt_rsp_hdr(r, RSVD_STATUS_SUCCESS);
    m.data_offset = RSVD_SMB2_READ_RSP_BUFFER_OFFSET;
    m.data_length = (uint32_t)got;
    size_t len = RSVD_SMB2_READ_RSP_BUFFER_OFFSET + got;
    tgt_req_encoded(r, rsvd_smb2_read_rsp_encode_head(&m, r->rsp, r->rsp_cap), &len);
}

void tgt_cmd_write(tgt_req *r)
{
    rsvd_smb2_write_req q;
    if (rsvd_smb2_write_req_decode(r->msg, r->len, &q) != RSVD_OK ||
        q.length > r->srv->cfg->limits.max_io) { /* > Connection.MaxWriteSize */
        tgt_req_fail(r, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    tgt_open *o = tgt_req_open(r, &q.file_id);
    if (!o) {
        tgt_req_fail(r, r->open_status);
        return;
    }
    if (o->svhdx) {
        tgt_vdisk_write(o->share->vdisk, r, &q); /* [MS-RSVD] 3.2.5.4 */
        return;
    }
    if (o->file->is_dir) {
        tgt_req_fail(r, RSVD_STATUS_INVALID_DEVICE_REQUEST);
        return;
    }
    if (!(o->access & (TGT_FILE_WRITE_DATA | TGT_FILE_APPEND_DATA))) {
        tgt_req_fail(r, RSVD_STATUS_ACCESS_DENIED);
        return;
    }
    if (!tgt_brl_range_valid(q.offset, q.length) || q.offset > (uint64_t)INT64_MAX - q.length ||
        tgt_brl_io_conflicts(&o->file->locks, o, q.offset, q.length, true)) {
        tgt_req_fail(r, RSVD_STATUS_FILE_LOCK_CONFLICT);
        return;
    }
    size_t done = 0;
    while (done < q.length) {
        ssize_t k = pwrite(o->fd, q.data + done, q.length - done, (off_t)(q.offset + done));
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            tgt_req_fail(r, tgt_vfs_status(k < 0 ? errno : ENOSPC));
            return;
        }
        done += (size_t)k;
    }
    if (q.flags & RSVD_SMB2_WRITEFLAG_WRITE_THROUGH)
        (void)fdatasync(o->fd);
    o->position = q.offset + done;
    rsvd_smb2_write_rsp m;
    memset(&m, 0, sizeof m);
    m.hdr = tgt_rsp_hdr(r, RSVD_STATUS_SUCCESS);
    m.count = (uint32_t)done;
    if (tgt_req_reserve(r, 128, 0) != 0) {
        tgt_req_fail(r, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        return;
    }
    size_t len = 0;
    tgt_req_encoded(r, rsvd_smb2_write_rsp_encode(&m, r->rsp, r->rsp_cap, &len), &len);
}

void tgt_cmd_flush(tgt_req *r)
{
    tgt_flush_req q;
    if (tgt_flush_req_decode(r->msg, r->len, &q) != RSVD_OK) {
        tgt_req_fail(r, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    tgt_open *o = tgt_req_open(r, &q.file_id);
    if (!o) {
        tgt_req_fail(r, r->open_status);
        return;
    }
    /* [MS-SMB2] 3.3.5.11: an open that cannot write cannot flush. */
    if (!(o->access & (TGT_FILE_WRITE_DATA | TGT_FILE_APPEND_DATA))) {
        tgt_req_fail(r, RSVD_STATUS_ACCESS_DENIED);
        return;
    }
    if (!o->svhdx && o->fd >= 0 && !o->file->is_dir && fsync(o->fd) != 0) {
        tgt_req_fail(r, tgt_vfs_status(errno));
        return;
    }
    tgt_smb2_empty m = {tgt_rsp_hdr(r, RSVD_STATUS_SUCCESS)};
    if (tgt_req_reserve(r, 128, 0) != 0) {
        tgt_req_fail(r, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        return;
    }
    size_t len = 0;
    tgt_req_encoded(r, tgt_smb2_empty_encode(&m, RSVD_SMB2_FLUSH, r->rsp, r->rsp_cap, &len), &len);
}

/* [MS-SMB2] 3.3.5.17 */
void tgt_cmd_echo(tgt_req *r)
{
    tgt_smb2_empty q;
    if (tgt_smb2_empty_decode(r->msg, r->len, RSVD_SMB2_ECHO, &q) != RSVD_OK) {
        tgt_req_fail(r, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    tgt_smb2_empty m = {tgt_rsp_hdr(r, RSVD_STATUS_SUCCESS)};
    if (tgt_req_reserve(r, 128, 0) != 0) {
        tgt_req_fail(r, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        return;
    }
    size_t len = 0;
    tgt_req_encoded(r, tgt_smb2_empty_encode(&m, RSVD_SMB2_ECHO, r->rsp, r->rsp_cap, &len), &len);
}
