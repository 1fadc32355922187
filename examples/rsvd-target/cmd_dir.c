/*
 * rsvd-target: QUERY_DIRECTORY ([MS-SMB2] 3.3.5.18; [MS-FSA] 2.1.5.6.3).
 */
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "fscc_info.h"
#include "smb2_query_directory.h"
#include "target.h"
#include "utf16.h"
#include "vfs.h"
#include <rsvd/status.h>
#include <rsvd/wire.h>

/* (Re)starts the enumeration of @p o with @p pattern. @return a status. */
static uint32_t enum_start(tgt_open *o, const char *pattern)
{
    for (size_t i = 0; i < o->nentries; i++)
        free(o->entries[i].name);
    free(o->entries);
    o->entries = NULL;
    o->nentries = o->enum_pos = 0;
    free(o->pattern);
    o->pattern = strdup(pattern);
    if (!o->pattern)
        return RSVD_STATUS_INSUFFICIENT_RESOURCES;
    char **names = NULL;
    long n = tgt_vfs_list(o->fd, &names);
    if (n < 0)
        return RSVD_STATUS_INSUFFICIENT_RESOURCES;
    o->entries = calloc((size_t)n, sizeof *o->entries);
    if (!o->entries) {
        tgt_vfs_names_free(names, (size_t)n);
        return RSVD_STATUS_INSUFFICIENT_RESOURCES;
    }
    for (long i = 0; i < n; i++)
        o->entries[i].name = names[i];
    free(names); /* the strings now belong to the entries */
    o->nentries = (size_t)n;
    o->enum_started = true;
    return RSVD_STATUS_SUCCESS;
}

void tgt_cmd_query_directory(tgt_req *r)
{
    tgt_query_directory_req q;
    if (tgt_query_directory_req_decode(r->msg, r->len, &q) != RSVD_OK ||
        q.output_buffer_length > r->srv->cfg->limits.max_io) {
        tgt_req_fail(r, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    tgt_open *o = tgt_req_open(r, &q.file_id);
    if (!o) {
        tgt_req_fail(r, r->open_status);
        return;
    }
    if (o->svhdx || !o->file || !o->file->is_dir) {
        tgt_req_fail(r, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    if (!(o->access & TGT_FILE_READ_DATA)) { /* FILE_LIST_DIRECTORY */
        tgt_req_fail(r, RSVD_STATUS_ACCESS_DENIED);
        return;
    }
    size_t fixed = tgt_fscc_dirent_fixed_size(q.file_information_class);
    if (fixed == 0) {
        tgt_req_fail(r, TGT_STATUS_INVALID_INFO_CLASS);
        return;
    }
    char pattern[TGT_PATH_MAX];
    if (q.file_name_length == 0)
        strcpy(pattern, "*");
    else if (tgt_utf16_to_utf8(q.file_name, q.file_name_length, pattern, sizeof pattern) != 0 ||
             strlen(pattern) > TGT_VFS_PATTERN_MAX) {
        tgt_req_fail(r, RSVD_STATUS_OBJECT_NAME_INVALID);
        return;
    }
    bool first = !o->enum_started || (q.flags & (TGT_RESTART_SCANS | TGT_REOPEN));
    if (first) {
        uint32_t st = enum_start(o, pattern);
        if (st != RSVD_STATUS_SUCCESS) {
            tgt_req_fail(r, st);
            return;
        }
    }
    if (tgt_req_reserve(r, TGT_QUERY_DIRECTORY_RSP_BUFFER_OFFSET + (size_t)q.output_buffer_length +
                               8,
                        q.output_buffer_length ? q.output_buffer_length : 1) != 0) {
        tgt_req_fail(r, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        return;
    }
    /* The entries, each at a multiple of 8, NextEntryOffset linking them. */
    size_t used = 0, last = 0, count = 0;
    bool too_small = false;
    while (o->enum_pos < o->nentries) {
        const char *name = o->entries[o->enum_pos].name;
        tgt_file_info fi;
        bool shown = false;
        if (!tgt_vfs_match(o->pattern, name) ||
            tgt_vfs_stat_at(o->fd, name, &fi, &shown) != 0 || !shown) {
            o->enum_pos++;
            continue;
        }
        uint8_t name16[2 * 256 + 2];
        long n16 = tgt_utf8_to_utf16(name, name16, sizeof name16);
        if (n16 < 0) { /* a host name SMB2 cannot carry */
            o->enum_pos++;
            continue;
        }
        size_t at = (size_t)rsvd_wire_align8(used);
        if (at > q.output_buffer_length) {
            too_small = count == 0;
            break;
        }
        rsvd_wr w;
        rsvd_wr_init(&w, r->out + at, q.output_buffer_length - at);
        if (tgt_fscc_dirent_encode(q.file_information_class, &fi, 0, name16, (size_t)n16, &w) !=
            RSVD_OK) {
            too_small = count == 0;
            break;
        }
        if (count) { /* the previous entry's NextEntryOffset */
            rsvd_wr link;
            rsvd_wr_init(&link, r->out + last, 4);
            rsvd_wr_u32(&link, (uint32_t)(at - last));
        }
        memset(r->out + used, 0, at - used);
        last = at;
        used = at + rsvd_wr_pos(&w);
        count++;
        o->enum_pos++;
        if (q.flags & TGT_RETURN_SINGLE_ENTRY)
            break;
    }
    if (too_small) {
        tgt_req_fail(r, TGT_STATUS_INFO_LENGTH_MISMATCH);
        return;
    }
    if (count == 0) {
        /* [MS-SMB2] 3.3.5.18: nothing on the first query of a pattern is
         * STATUS_NO_SUCH_FILE, at the end of one STATUS_NO_MORE_FILES. */
        tgt_req_fail(r, first ? TGT_STATUS_NO_SUCH_FILE : TGT_STATUS_NO_MORE_FILES);
        return;
    }
    tgt_query_directory_rsp m;
    memset(&m, 0, sizeof m);
    m.hdr = tgt_rsp_hdr(r, RSVD_STATUS_SUCCESS);
    m.output_buffer_offset = TGT_QUERY_DIRECTORY_RSP_BUFFER_OFFSET;
    m.output_buffer_length = (uint32_t)used;
    m.output = r->out;
    size_t len = 0;
    tgt_req_encoded(r, tgt_query_directory_rsp_encode(&m, r->rsp, r->rsp_cap, &len), &len);
}
