/*
 * rsvd-target: shared virtual disks through the library's RSVD server (see
 * shared_disk.h).
 */
#include "shared_disk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rsvd/block.h>
#include <rsvd/file_store.h>
#include <rsvd/fscc.h>
#include <rsvd/scsi_disk.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_smb2.h>

#include "fscc_info.h"
#include "preserve.h"
#include "utf16.h"
#include "vdisk.h"
#include "vfs.h"

/* The VirtualDiskId of the share files' disks; a host with several disks
 * would give each its own. */
static const rsvd_guid disk_id = {{0x2F, 0x6B, 0x0E, 0x91, 0x44, 0xC3, 0x4A, 0x5E, 0x8D, 0x17,
                                   0x3C, 0x52, 0xA9, 0x60, 0x7B, 0xE4}};

/* The --disk backend: the integrator template's disk from a URI. */
struct tgt_vdisk_backend {
    vdisk disk;
};

/* A built-in disk over a file of the share, made at its first open. */
typedef struct file_disk {
    rsvd_file_block *fb;
    rsvd_scsi_disk *disk;
} file_disk;

struct tgt_vdisk {
    tgt_share *share;
    tgt_vdisk_backend *backend;
    rsvd_scsi_disk_set *set;
    file_disk *disks;
    size_t ndisks;
    rsvd_server *rsvd;
    /* Whether the request just handed over has been replied to already. */
    const void *handed;
    bool replied;
};

/* ---- the --disk backend ------------------------------------------------------------ */

int tgt_vdisk_backend_open(const char *uri, tgt_vdisk_backend **out, char *err, size_t errcap)
{
    (void)out; /* unused in a build without the iSCSI and NBD backends */
    tgt_vdisk_backend *b = calloc(1, sizeof *b);
    if (!b) {
        snprintf(err, errcap, "out of memory");
        return -1;
    }
    /* Every name of every share is this one disk. */
    vdisk_config cfg = {.uri = uri, .name = NULL, .program = "rsvd-target"};
    if (vdisk_open(&b->disk, &cfg, err, errcap) != RSVD_OK) {
        free(b);
        return -1;
    }
    *out = b;
    return 0;
}

void tgt_vdisk_backend_close(tgt_vdisk_backend *b)
{
    if (!b)
        return;
    vdisk_close(&b->disk);
    free(b);
}

const char *tgt_vdisk_backend_describe(const tgt_vdisk_backend *b)
{
    return b ? b->disk.description : "the built-in SCSI disk over NAME.vhdx in the share";
}

/* ---- replies ----------------------------------------------------------------------- */

static void reply_read(tgt_req *r, const rsvd_server_reply *rep)
{
    rsvd_smb2_read_rsp m;
    memset(&m, 0, sizeof m);
    m.hdr = tgt_rsp_hdr(r, rep->status);
    m.data_offset = RSVD_SMB2_READ_RSP_BUFFER_OFFSET;
    m.data_length = rep->output_len;
    m.data = rep->output_len ? rep->output : NULL;
    size_t len = 0;
    if (tgt_req_reserve(r, RSVD_SMB2_READ_RSP_BUFFER_OFFSET + (size_t)rep->output_len + 8, 0)) {
        tgt_req_fail(r, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        return;
    }
    tgt_req_encoded(r, rsvd_smb2_read_rsp_encode(&m, r->rsp, r->rsp_cap, &len), &len);
}

static void reply_ioctl(tgt_req *r, const rsvd_server_reply *rep)
{
    rsvd_smb2_ioctl_rsp m;
    memset(&m, 0, sizeof m);
    m.hdr = tgt_rsp_hdr(r, rep->status);
    m.ctl_code = r->ctl_code;
    m.file_id = r->file_id;
    /* [MS-SMB2] 3.3.5.15: no input echoed; the output at InputOffset +
     * InputCount rounded up to 8. */
    m.input_offset = RSVD_SMB2_IOCTL_RSP_BUFFER_OFFSET;
    m.output_offset = RSVD_SMB2_IOCTL_RSP_BUFFER_OFFSET;
    m.output_count = rep->output_len;
    m.output = rep->output_len ? rep->output : NULL;
    if (tgt_req_reserve(r, RSVD_SMB2_IOCTL_RSP_BUFFER_OFFSET + (size_t)rep->output_len + 8, 0)) {
        tgt_req_fail(r, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        return;
    }
    size_t len = 0;
    tgt_req_encoded(r, rsvd_smb2_ioctl_rsp_encode(&m, r->rsp, r->rsp_cap, &len), &len);
}

static void reply_query_info(tgt_req *r, const rsvd_server_reply *rep)
{
    rsvd_smb2_query_info_rsp m;
    memset(&m, 0, sizeof m);
    m.hdr = tgt_rsp_hdr(r, rep->status);
    m.output_buffer_offset = RSVD_SMB2_QUERY_INFO_RSP_BUFFER_OFFSET;
    m.output_buffer_length = rep->output_len;
    m.output = rep->output_len ? rep->output : NULL;
    if (tgt_req_reserve(r, RSVD_SMB2_QUERY_INFO_RSP_BUFFER_OFFSET + (size_t)rep->output_len + 8,
                        0)) {
        tgt_req_fail(r, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        return;
    }
    size_t len = 0;
    tgt_req_encoded(r, rsvd_smb2_query_info_rsp_encode(&m, r->rsp, r->rsp_cap, &len), &len);
}

static void rsvd_reply(void *ctx, const rsvd_server_reply *rep)
{
    tgt_vdisk *v = ctx;
    if (rep->cookie == v->handed)
        v->replied = true;
    if (*(const tgt_kind *)rep->cookie == TGT_KIND_OPEN) {
        /* A close the server decided ([MS-SMB2] 3.3.4.17), or the undoing
         * of a CREATE the SMB2 layer could not take: no SMB2 answer. */
        tgt_open_free((tgt_open *)rep->cookie);
        return;
    }
    tgt_req *r = rep->cookie;
    r->backend = false;
    if (r->conn->dead && rep->command != RSVD_SMB2_CREATE && rep->command != RSVD_SMB2_CLOSE) {
        tgt_req_free(r); /* nobody to answer */
        return;
    }
    switch (rep->command) {
    case RSVD_SMB2_CREATE:
        tgt_create_svhdx_done(r, r->open, rep);
        return;
    case RSVD_SMB2_CLOSE: {
        tgt_open *o = r->open;
        r->open = NULL;
        tgt_open_free(o); /* [MS-RSVD] 3.2.5.2 freed the Open whatever the status */
        if (r->conn->dead) {
            tgt_req_free(r);
            return;
        }
        tgt_close_answer(r, rep->status, NULL);
        return;
    }
    case RSVD_SMB2_LOCK:
        tgt_lock_finish(r, rep->status);
        return;
    default:
        break;
    }
    /* [MS-SMB2] 3.3.4.4: an error is an ERROR response; success and a
     * partial STATUS_BUFFER_OVERFLOW are the command's own. */
    if (rsvd_server_reply_is_error(rep)) {
        tgt_req_fail(r, rep->status);
        return;
    }
    switch (rep->command) {
    case RSVD_SMB2_READ:
        reply_read(r, rep);
        break;
    case RSVD_SMB2_WRITE: {
        rsvd_smb2_write_rsp m;
        memset(&m, 0, sizeof m);
        m.hdr = tgt_rsp_hdr(r, rep->status);
        m.count = rep->count;
        size_t len = 0;
        if (tgt_req_reserve(r, 128, 0)) {
            tgt_req_fail(r, RSVD_STATUS_INSUFFICIENT_RESOURCES);
            break;
        }
        tgt_req_encoded(r, rsvd_smb2_write_rsp_encode(&m, r->rsp, r->rsp_cap, &len), &len);
        break;
    }
    case RSVD_SMB2_IOCTL:
        reply_ioctl(r, rep);
        break;
    case RSVD_SMB2_QUERY_INFO:
        reply_query_info(r, rep);
        break;
    case RSVD_SMB2_SET_INFO: {
        rsvd_smb2_set_info_rsp m = {tgt_rsp_hdr(r, rep->status)};
        size_t len = 0;
        if (tgt_req_reserve(r, 128, 0)) {
            tgt_req_fail(r, RSVD_STATUS_INSUFFICIENT_RESOURCES);
            break;
        }
        tgt_req_encoded(r, rsvd_smb2_set_info_rsp_encode(&m, r->rsp, r->rsp_cap, &len), &len);
        break;
    }
    default:
        tgt_req_fail(r, rep->status);
        break;
    }
}

/* [MS-SMB2] 3.3.4.2: the RSVD server hands a request of
 * FSCTL_SVHDX_ASYNC_TUNNEL_REQUEST to the disk and says "send the interim
 * response now"; the final response follows with the same AsyncId. */
static void rsvd_interim(void *ctx, void *cookie)
{
    (void)ctx;
    tgt_req *r = cookie;
    r->backend = true;
    tgt_req_go_async(r);
}

/* After handing @p r to the RSVD server: RSVD_OK means exactly one reply
 * comes; if it has not come yet the request goes async ([MS-SMB2]
 * 3.3.4.2) and waits. Anything else is this host's mistake. */
static void handed(tgt_vdisk *v, tgt_req *r, int rc)
{
    bool replied = v->replied;
    v->handed = NULL;
    if (rc != RSVD_OK) {
        tgt_warn("the RSVD server refused a call: %s", rsvd_error_name(rc));
        if (r->hdr.command == RSVD_SMB2_CREATE && r->cop.action == RSVD_RES_CREATE_RECLAIM) {
            (void)tgt_preserve_reclaim_end(r->srv->pres, r, RSVD_STATUS_INVALID_PARAMETER);
        } else if (r->hdr.command == RSVD_SMB2_CREATE && r->open) {
            /* A new open the RSVD server never saw: as a failed
             * tgt_create_svhdx_done() does, it goes. */
            tgt_open_free(r->open);
            r->open = NULL;
        }
        tgt_req_fail(r, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    if (!replied) {
        r->backend = true;
        tgt_req_go_async(r);
    }
}

static void hand(tgt_vdisk *v, tgt_req *r)
{
    v->handed = r;
    v->replied = false;
}

/* ---- a share's RSVD server ----------------------------------------------------------- */

int tgt_vdisk_new(tgt_share *share, tgt_vdisk_backend *backend, tgt_vdisk **out)
{
    tgt_vdisk *v = calloc(1, sizeof *v);
    if (!v)
        return -1;
    v->share = share;
    v->backend = backend;
    rsvd_server_config rc = RSVD_STRUCT_INIT(rsvd_server_config);
    rc.svhdx_supported = true;                    /* IsSVHDXSupported */
    rc.service_version = RSVD_PROTOCOL_VERSION_1; /* ServerServiceVersion */
    rc.reply = rsvd_reply;
    rc.reply_ctx = v;
    rc.interim = rsvd_interim;
    rc.max_opens = share->srv->cfg->limits.max_opens;
    /* Untrusted clients: a key of the file-name hash they cannot guess. */
    FILE *rnd = fopen("/dev/urandom", "rb");
    if (rnd) {
        if (fread(rc.name_hash_key, sizeof rc.name_hash_key, 1, rnd) != 1)
            memset(rc.name_hash_key, 0, sizeof rc.name_hash_key);
        fclose(rnd);
    }
    rsvd_scsi_disk *builtin = backend ? vdisk_builtin_disk(&backend->disk) : NULL;
    if (backend && !builtin) { /* an iSCSI LUN */
        rc.scsi_disk = backend->disk.ops;
        rc.scsi_disk_ctx = backend->disk.ctx;
    } else {
        if (rsvd_scsi_disk_set_create(NULL, &v->set) != RSVD_OK) {
            free(v);
            return -1;
        }
        if (builtin && rsvd_scsi_disk_set_add(v->set, NULL, builtin) != RSVD_OK) {
            rsvd_scsi_disk_set_destroy(v->set);
            free(v);
            return -1;
        }
        rc.scsi_disk = rsvd_scsi_disk_backend_ops();
        rc.scsi_disk_ctx = v->set;
    }
    if (rsvd_server_new(&rc, &v->rsvd) != RSVD_OK) {
        rsvd_scsi_disk_set_destroy(v->set);
        free(v);
        return -1;
    }
    *out = v;
    return 0;
}

void tgt_vdisk_free(tgt_vdisk *v)
{
    if (!v)
        return;
    if (rsvd_server_free(v->rsvd) != RSVD_OK)
        tgt_warn("share %s: the RSVD server still has opens", v->share->name);
    rsvd_scsi_disk_set_destroy(v->set);
    for (size_t i = 0; i < v->ndisks; i++) {
        if (rsvd_scsi_disk_destroy(v->disks[i].disk) != RSVD_OK)
            tgt_warn("share %s: a disk still has handles open", v->share->name);
        rsvd_file_block_close(v->disks[i].fb);
    }
    free(v->disks);
    free(v);
}

size_t tgt_vdisk_open_count(const tgt_vdisk *v)
{
    return rsvd_server_open_count(v->rsvd);
}

/* The built-in disk over the share's file @p rel, added to the set under
 * @p name at its first open. @return a status. */
static uint32_t ensure_file_disk(tgt_vdisk *v, const char *name, const char *rel)
{
    if (!v->set || v->backend)
        return RSVD_STATUS_SUCCESS; /* a --disk backend serves every name */
    char real[TGT_PATH_MAX];
    bool exists = false;
    uint32_t st = tgt_vfs_lookup(v->share->root_fd, rel, real, sizeof real, &exists);
    if (st != RSVD_STATUS_SUCCESS)
        return st;
    if (!exists)
        return RSVD_STATUS_OBJECT_NAME_NOT_FOUND;
    char path[2 * TGT_PATH_MAX + 2];
    snprintf(path, sizeof path, "%s/%s", v->share->dir, real);
    rsvd_file_block_config fc = RSVD_STRUCT_INIT(rsvd_file_block_config);
    fc.path = path;
    fc.direct_io = RSVD_DIRECT_IO_NEVER;
    file_disk d = {NULL, NULL};
    rsvd_backend_diag why;
    if (rsvd_file_block_open(&fc, &d.fb, &why) != RSVD_OK)
        return why.status ? why.status : RSVD_STATUS_OBJECT_NAME_NOT_FOUND;
    rsvd_scsi_disk_config dc = RSVD_STRUCT_INIT(rsvd_scsi_disk_config);
    dc.block = rsvd_file_block_source(d.fb);
    dc.disk_id = disk_id;
    file_disk *n = realloc(v->disks, (v->ndisks + 1) * sizeof *n);
    if (!n || rsvd_scsi_disk_create(&dc, &d.disk) != RSVD_OK) {
        if (n)
            v->disks = n;
        rsvd_file_block_close(d.fb);
        return RSVD_STATUS_INSUFFICIENT_RESOURCES;
    }
    v->disks = n;
    int rc = rsvd_scsi_disk_set_add(v->set, name, d.disk);
    if (rc == RSVD_E_STATE) { /* opened before under this name */
        (void)rsvd_scsi_disk_destroy(d.disk);
        rsvd_file_block_close(d.fb);
        return RSVD_STATUS_SUCCESS;
    }
    if (rc != RSVD_OK) {
        (void)rsvd_scsi_disk_destroy(d.disk);
        rsvd_file_block_close(d.fb);
        return RSVD_STATUS_INSUFFICIENT_RESOURCES;
    }
    v->disks[v->ndisks++] = d;
    tgt_log(v->share->srv, "share %s: %s is a shared virtual disk", v->share->name, real);
    return RSVD_STATUS_SUCCESS;
}

void tgt_vdisk_create(tgt_vdisk *v, tgt_req *r, tgt_open *o, const rsvd_smb2_create_req *q,
                      const rsvd_smb2_cc *context)
{
    /* The disk file: the name without ":SharedVirtualDisk". */
    size_t base16 = q->name_length - 2u * (sizeof RSVD_SHARED_VIRTUAL_DISK_SUFFIX - 1u);
    char name[TGT_PATH_MAX], rel[TGT_PATH_MAX];
    bool stream = false;
    uint32_t st = tgt_utf16_to_utf8(q->name, base16, name, sizeof name) == 0
                      ? tgt_vfs_name(q->name, base16, rel, sizeof rel, &stream)
                      : RSVD_STATUS_OBJECT_NAME_INVALID;
    if (st == RSVD_STATUS_SUCCESS && stream)
        st = RSVD_STATUS_OBJECT_NAME_INVALID;
    if (st == RSVD_STATUS_SUCCESS)
        st = ensure_file_disk(v, name, rel);
    if (st != RSVD_STATUS_SUCCESS) {
        rsvd_server_reply rep;
        memset(&rep, 0, sizeof rep);
        rep.cookie = r;
        rep.command = RSVD_SMB2_CREATE;
        rep.status = st;
        tgt_create_svhdx_done(r, o, &rep);
        return;
    }
    if (tgt_req_reserve(r, 0, RSVD_SERVER_CREATE_CONTEXT_MAX) != 0) {
        tgt_req_fail(r, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        tgt_open_free(o);
        return;
    }
    rsvd_server_create_req cr;
    memset(&cr, 0, sizeof cr);
    cr.file_name = q->name;
    cr.file_name_len = q->name_length;
    cr.create_options = q->create_options;
    cr.context = context->data;
    cr.context_len = context->data_length;
    cr.response_context = r->out;
    cr.response_context_cap = r->out_cap;
    r->open = o;
    hand(v, r);
    handed(v, r, rsvd_server_create(v->rsvd, &cr, r)); /* [MS-RSVD] 3.2.5.1 */
}

void tgt_vdisk_reclaim(tgt_vdisk *v, tgt_req *r, tgt_open *o, const rsvd_smb2_create_req *q)
{
    if (tgt_req_reserve(r, 0, RSVD_SERVER_CREATE_CONTEXT_MAX) != 0) {
        (void)tgt_preserve_reclaim_end(r->srv->pres, r, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        tgt_req_fail(r, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        return;
    }
    rsvd_server_create_req cr;
    memset(&cr, 0, sizeof cr);
    cr.local_open = o->local_open; /* [MS-RSVD] 3.2.5.1: the reconnect path */
    cr.file_name = q->name;
    cr.file_name_len = q->name_length;
    cr.create_options = q->create_options;
    rsvd_smb2_cc cc;
    if (rsvd_smb2_cc_find(q->create_contexts, q->create_contexts_length,
                          RSVD_SMB2_CC_SVHDX_OPEN_DEVICE_CONTEXT,
                          RSVD_SMB2_CC_SVHDX_OPEN_DEVICE_CONTEXT_LEN, &cc) == RSVD_OK) {
        cr.context = cc.data;
        cr.context_len = cc.data_length;
    }
    cr.response_context = r->out;
    cr.response_context_cap = r->out_cap;
    r->open = o;
    hand(v, r);
    handed(v, r, rsvd_server_create(v->rsvd, &cr, r)); /* tgt_create_svhdx_done() */
}

void tgt_vdisk_read(tgt_vdisk *v, tgt_req *r, const rsvd_smb2_read_req *q)
{
    if (tgt_req_reserve(r, 0, q->length ? q->length : 1) != 0) {
        tgt_req_fail(r, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        return;
    }
    rsvd_server_read_req rq = {r->open->local_open, q->offset, q->length, r->out};
    hand(v, r);
    handed(v, r, rsvd_server_read(v->rsvd, &rq, r));
}

void tgt_vdisk_write(tgt_vdisk *v, tgt_req *r, const rsvd_smb2_write_req *q)
{
    /* The data stays in r->msg until the reply. */
    rsvd_server_write_req wq = {r->open->local_open, q->offset, q->length, q->data};
    hand(v, r);
    handed(v, r, rsvd_server_write(v->rsvd, &wq, r));
}

void tgt_vdisk_ioctl(tgt_vdisk *v, tgt_req *r, const rsvd_smb2_ioctl_req *q)
{
    if (tgt_req_reserve(r, 0, q->max_output_response ? q->max_output_response : 1) != 0) {
        tgt_req_fail(r, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        return;
    }
    /* An asynchronous tunnel request gets its interim response when the
     * RSVD server says (rsvd_interim). */
    rsvd_server_ioctl_req iq = {r->open->local_open, q->ctl_code,   q->input,
                                q->input_count,     q->max_output_response, r->out};
    hand(v, r);
    handed(v, r, rsvd_server_ioctl(v->rsvd, &iq, r));
}

void tgt_vdisk_query_support(tgt_vdisk *v, tgt_req *r, const rsvd_smb2_ioctl_req *q)
{
    if (tgt_req_reserve(r, 0, q->max_output_response ? q->max_output_response : 1) != 0) {
        tgt_req_fail(r, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        return;
    }
    tgt_open *o = r->open;
    rsvd_server_query_support_req qs = {o->svhdx ? o->local_open : 0, o->name16, o->name16_len,
                                        q->max_output_response, r->out};
    hand(v, r);
    handed(v, r, rsvd_server_query_support(v->rsvd, &qs, r));
}

void tgt_vdisk_query_info(tgt_vdisk *v, tgt_req *r, const rsvd_smb2_query_info_req *q)
{
    if (tgt_req_reserve(r, 0, q->output_buffer_length ? q->output_buffer_length : 1) != 0) {
        tgt_req_fail(r, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        return;
    }
    rsvd_server_query_info_req iq = {r->open->local_open, q->info_type, q->file_info_class,
                                     q->output_buffer_length, r->out};
    hand(v, r);
    handed(v, r, rsvd_server_query_info(v->rsvd, &iq, r));
}

void tgt_vdisk_set_info(tgt_vdisk *v, tgt_req *r, const rsvd_smb2_set_info_req *q)
{
    rsvd_server_set_info_req sq = {r->open->local_open, q->info_type, q->file_info_class,
                                   q->buffer, q->buffer_length};
    hand(v, r);
    handed(v, r, rsvd_server_set_info(v->rsvd, &sq, r));
}

void tgt_vdisk_lock(tgt_vdisk *v, tgt_req *r)
{
    hand(v, r);
    handed(v, r, rsvd_server_lock(v->rsvd, r->open->local_open, r));
}

void tgt_vdisk_close_req(tgt_vdisk *v, tgt_req *r)
{
    hand(v, r);
    handed(v, r, rsvd_server_close(v->rsvd, r->open->local_open, r));
}

void tgt_vdisk_close_open(tgt_vdisk *v, tgt_open *o)
{
    if (rsvd_server_close(v->rsvd, o->local_open, o) != RSVD_OK)
        tgt_open_free(o); /* not an RSVD open after all */
}
