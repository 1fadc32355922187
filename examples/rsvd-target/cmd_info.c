/*
 * rsvd-target: QUERY_INFO ([MS-SMB2] 3.3.5.20) and SET_INFO (3.3.5.21) on
 * the files of a share; an RSVD open's go to its RSVD server.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "access.h"
#include "fscc_info.h"
#include "target.h"
#include "utf16.h"
#include "shared_disk.h"
#include "vfs.h"
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire.h>
#include <rsvd/wire_smb2.h>

/* Room for the largest information answered without a caller's limit. */
#define INFO_MAX (2u * TGT_PATH_MAX + 256u)

/* Open.FileName as FileNameInformation gives it: from the share's root,
 * with a leading '\\'. */
static long full_name16(const tgt_open *o, uint8_t *out, size_t cap)
{
    char path[TGT_PATH_MAX + 2];
    snprintf(path, sizeof path, "\\%s", o->file ? o->file->path : "");
    for (char *p = path; *p; p++)
        if (*p == '/')
            *p = '\\';
    return tgt_utf8_to_utf16(path, out, cap);
}

/* Sends @p n bytes of information at @p info, or what fits in
 * OutputBufferLength ([MS-SMB2] 3.3.5.20.1 with [MS-FSCC] 2.4: below the
 * fixed part STATUS_INFO_LENGTH_MISMATCH, a cut variable part
 * STATUS_BUFFER_OVERFLOW with the bytes that fit). */
static void info_answer(tgt_req *r, uint32_t out_len, const uint8_t *info, size_t n, size_t min)
{
    uint32_t status = RSVD_STATUS_SUCCESS;
    if (out_len < min) {
        tgt_req_fail(r, TGT_STATUS_INFO_LENGTH_MISMATCH);
        return;
    }
    if (n > out_len) {
        status = RSVD_STATUS_BUFFER_OVERFLOW;
        n = out_len;
    }
    rsvd_smb2_query_info_rsp m;
    memset(&m, 0, sizeof m);
    m.hdr = tgt_rsp_hdr(r, status);
    m.output_buffer_offset = RSVD_SMB2_QUERY_INFO_RSP_BUFFER_OFFSET;
    m.output_buffer_length = (uint32_t)n;
    m.output = n ? info : NULL;
    if (tgt_req_reserve(r, RSVD_SMB2_QUERY_INFO_RSP_BUFFER_OFFSET + n + 8, 0) != 0) {
        tgt_req_fail(r, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        return;
    }
    size_t len = 0;
    tgt_req_encoded(r, rsvd_smb2_query_info_rsp_encode(&m, r->rsp, r->rsp_cap, &len), &len);
}

void tgt_cmd_query_info(tgt_req *r)
{
    rsvd_smb2_query_info_req q;
    if (rsvd_smb2_query_info_req_decode(r->msg, r->len, &q) != RSVD_OK ||
        q.output_buffer_length > r->srv->cfg->limits.max_io) {
        tgt_req_fail(r, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    tgt_open *o = tgt_req_open(r, &q.file_id);
    if (!o) {
        tgt_req_fail(r, r->open_status);
        return;
    }
    if (o->svhdx) {
        tgt_vdisk_query_info(o->share->vdisk, r, &q); /* [MS-RSVD] 3.2.5.8 */
        return;
    }
    uint8_t *info = malloc(INFO_MAX);
    if (!info) {
        tgt_req_fail(r, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        return;
    }
    rsvd_wr w;
    rsvd_wr_init(&w, info, INFO_MAX);
    size_t min = 0;
    int rc = RSVD_E_NOTSUP;
    uint32_t status = RSVD_STATUS_SUCCESS;
    tgt_file_info fi;
    switch (q.info_type) {
    case RSVD_SMB2_0_INFO_FILE: {
        if (q.file_info_class == TGT_FILE_FULL_EA_INFORMATION) {
            status = TGT_STATUS_NO_EAS_ON_FILE; /* no extended attributes here */
            break;
        }
        if (tgt_vfs_stat(o->fd, &fi) != 0) {
            status = tgt_vfs_status(errno);
            break;
        }
        fi.delete_pending = o->file->delete_pending;
        uint8_t name16[2 * TGT_PATH_MAX + 4];
        long n16 = full_name16(o, name16, sizeof name16);
        tgt_file_query fq = {&fi, o->access, o->position, 0, name16,
                             n16 > 0 ? (size_t)n16 : 0};
        rc = tgt_fscc_file_info_encode(q.file_info_class, &fq, &w, &min);
        break;
    }
    case RSVD_SMB2_0_INFO_FILESYSTEM: {
        struct statvfs vs;
        if (fstatvfs(o->fd, &vs) != 0) {
            status = tgt_vfs_status(errno);
            break;
        }
        uint64_t unit = 4096;
        uint8_t label16[2 * TGT_SHARE_NAME_MAX];
        long nl = tgt_utf8_to_utf16(o->share->name, label16, sizeof label16);
        uint32_t serial = 2166136261u; /* FNV-1a of the share's directory */
        for (const char *p = o->share->dir; *p; p++)
            serial = (serial ^ (uint8_t)*p) * 16777619u;
        tgt_fs_query fq = {(uint64_t)vs.f_blocks * vs.f_frsize / unit,
                           (uint64_t)vs.f_bavail * vs.f_frsize / unit,
                           serial,
                           r->srv->start_time,
                           label16,
                           nl > 0 ? (size_t)nl : 0};
        rc = tgt_fscc_fs_info_encode(q.file_info_class, &fq, &w, &min);
        break;
    }
    case RSVD_SMB2_0_INFO_SECURITY:
        min = 20;
        rc = tgt_fscc_security_encode(q.additional_information, &w);
        break;
    default: /* quota */
        status = RSVD_STATUS_NOT_SUPPORTED;
        break;
    }
    if (status == RSVD_STATUS_SUCCESS && rc == RSVD_E_NOTSUP)
        status = TGT_STATUS_INVALID_INFO_CLASS;
    else if (status == RSVD_STATUS_SUCCESS && rc != RSVD_OK)
        status = RSVD_STATUS_INSUFFICIENT_RESOURCES;
    if (status != RSVD_STATUS_SUCCESS) {
        free(info);
        tgt_req_fail(r, status);
        return;
    }
    info_answer(r, q.output_buffer_length, info, rsvd_wr_pos(&w), min);
    free(info);
}

/* ---- SET_INFO ------------------------------------------------------------------------------ */

/* [MS-FSA] 2.1.5.14.11: renaming a file of the share. */
static uint32_t set_rename(tgt_req *r, tgt_open *o, const uint8_t *buf, uint32_t len)
{
    tgt_set_rename m;
    if (tgt_fscc_set_rename_decode(buf, len, &m) != RSVD_OK)
        return RSVD_STATUS_INVALID_PARAMETER;
    if (!(o->access & TGT_DELETE))
        return RSVD_STATUS_ACCESS_DENIED;
    tgt_share *sh = o->share;
    tgt_file *f = o->file;
    char rel[TGT_PATH_MAX], real[TGT_PATH_MAX];
    bool stream = false, exists = false;
    uint32_t st = tgt_vfs_name(m.name16, m.name16_len, rel, sizeof rel, &stream);
    if (st == RSVD_STATUS_SUCCESS && (stream || rel[0] == 0))
        st = RSVD_STATUS_OBJECT_NAME_INVALID;
    if (st == RSVD_STATUS_SUCCESS)
        st = tgt_vfs_lookup(sh->root_fd, rel, real, sizeof real, &exists);
    if (st != RSVD_STATUS_SUCCESS)
        return st;
    bool same = tgt_name_equal_nocase(real, f->path);
    if (exists && !same && !m.replace_if_exists)
        return RSVD_STATUS_OBJECT_NAME_COLLISION;
    /* A file with opens is not replaced; a directory with open files
     * under it is not moved. */
    size_t plen = strlen(f->path);
    tgt_link *k, *nk;
    TGT_LIST_FOREACH_SAFE(&r->srv->files, k, nk) {
        const tgt_file *g = TGT_CONTAINER(k, tgt_file, link);
        if (g == f || g->share != sh)
            continue;
        if (exists && !same && tgt_name_equal_nocase(g->path, real))
            return RSVD_STATUS_ACCESS_DENIED;
        if (f->is_dir && strncmp(g->path, f->path, plen) == 0 && g->path[plen] == '/')
            return RSVD_STATUS_ACCESS_DENIED;
    }
    st = tgt_vfs_rename(sh->root_fd, f->path, real, m.replace_if_exists || same);
    if (st == RSVD_STATUS_SUCCESS) {
        tgt_log(r->srv, "renamed %s to %s", f->path, real);
        snprintf(f->path, sizeof f->path, "%s", real);
    }
    return st;
}

/* FileDispositionInformation(Ex): the file goes with its last open. */
static uint32_t set_disposition(tgt_open *o, bool delete)
{
    tgt_file *f = o->file;
    if (delete) {
        if (!(o->access & TGT_DELETE))
            return RSVD_STATUS_ACCESS_DENIED;
        if (f->path[0] == 0)
            return RSVD_STATUS_ACCESS_DENIED; /* not the share's root */
        /* [MS-FSA] 2.1.5.14.3: a directory must be empty. */
        if (f->is_dir && !tgt_vfs_dir_empty(o->fd))
            return TGT_STATUS_DIRECTORY_NOT_EMPTY;
    }
    f->delete_pending = delete;
    return RSVD_STATUS_SUCCESS;
}

static uint32_t set_file_info(tgt_req *r, tgt_open *o, const rsvd_smb2_set_info_req *q)
{
    uint64_t v64;
    uint32_t v32;
    uint8_t v8;
    switch (q->file_info_class) {
    case TGT_FILE_BASIC_INFORMATION: {
        tgt_set_basic b;
        if (tgt_fscc_set_basic_decode(q->buffer, q->buffer_length, &b) != RSVD_OK)
            return TGT_STATUS_INFO_LENGTH_MISMATCH;
        if (!(o->access & TGT_FILE_WRITE_ATTRIBUTES))
            return RSVD_STATUS_ACCESS_DENIED;
        /* Attributes are not kept by this server; the times are. */
        return tgt_vfs_set_times(o->fd, &b);
    }
    case TGT_FILE_END_OF_FILE_INFORMATION:
    case TGT_FILE_ALLOCATION_INFORMATION:
        if (tgt_fscc_u64_decode(q->buffer, q->buffer_length, &v64) != RSVD_OK)
            return TGT_STATUS_INFO_LENGTH_MISMATCH;
        if (!(o->access & (TGT_FILE_WRITE_DATA | TGT_FILE_APPEND_DATA)))
            return RSVD_STATUS_ACCESS_DENIED;
        if (o->file->is_dir || v64 > INT64_MAX)
            return RSVD_STATUS_INVALID_PARAMETER;
        if (q->file_info_class == TGT_FILE_ALLOCATION_INFORMATION) {
            /* [MS-FSA] 2.1.5.14.1: an allocation below the end of file cuts
             * the file; a larger one changes nothing visible. */
            tgt_file_info fi;
            if (tgt_vfs_stat(o->fd, &fi) != 0 || v64 >= fi.end_of_file)
                return RSVD_STATUS_SUCCESS;
        }
        return ftruncate(o->fd, (off_t)v64) == 0 ? RSVD_STATUS_SUCCESS : tgt_vfs_status(errno);
    case TGT_FILE_DISPOSITION_INFORMATION:
        if (tgt_fscc_u8_decode(q->buffer, q->buffer_length, &v8) != RSVD_OK)
            return TGT_STATUS_INFO_LENGTH_MISMATCH;
        return set_disposition(o, v8 != 0);
    case TGT_FILE_DISPOSITION_INFORMATION_EX:
        if (tgt_fscc_u32_decode(q->buffer, q->buffer_length, &v32) != RSVD_OK)
            return TGT_STATUS_INFO_LENGTH_MISMATCH;
        return set_disposition(o, (v32 & TGT_FILE_DISPOSITION_DELETE) != 0);
    case TGT_FILE_POSITION_INFORMATION:
        if (tgt_fscc_u64_decode(q->buffer, q->buffer_length, &v64) != RSVD_OK)
            return TGT_STATUS_INFO_LENGTH_MISMATCH;
        o->position = v64;
        return RSVD_STATUS_SUCCESS;
    case TGT_FILE_MODE_INFORMATION:
        if (tgt_fscc_u32_decode(q->buffer, q->buffer_length, &v32) != RSVD_OK)
            return TGT_STATUS_INFO_LENGTH_MISMATCH;
        return RSVD_STATUS_SUCCESS; /* the mode changes nothing here */
    case TGT_FILE_RENAME_INFORMATION:
        return set_rename(r, o, q->buffer, q->buffer_length);
    default:
        return TGT_STATUS_INVALID_INFO_CLASS;
    }
}

void tgt_cmd_set_info(tgt_req *r)
{
    rsvd_smb2_set_info_req q;
    if (rsvd_smb2_set_info_req_decode(r->msg, r->len, &q) != RSVD_OK ||
        q.buffer_length > r->srv->cfg->limits.max_io) {
        tgt_req_fail(r, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    tgt_open *o = tgt_req_open(r, &q.file_id);
    if (!o) {
        tgt_req_fail(r, r->open_status);
        return;
    }
    if (o->svhdx) {
        tgt_vdisk_set_info(o->share->vdisk, r, &q); /* [MS-RSVD] 3.2.5.9 */
        return;
    }
    uint32_t st = q.info_type == RSVD_SMB2_0_INFO_FILE ? set_file_info(r, o, &q)
                                                       : RSVD_STATUS_NOT_SUPPORTED;
    if (st != RSVD_STATUS_SUCCESS) {
        tgt_req_fail(r, st);
        return;
    }
    rsvd_smb2_set_info_rsp m = {tgt_rsp_hdr(r, RSVD_STATUS_SUCCESS)};
    if (tgt_req_reserve(r, 128, 0) != 0) {
        tgt_req_fail(r, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        return;
    }
    size_t len = 0;
    tgt_req_encoded(r, rsvd_smb2_set_info_rsp_encode(&m, r->rsp, r->rsp_cap, &len), &len);
}
