/*
 * rsvd-target: CREATE ([MS-SMB2] 3.3.5.9) and CLOSE ([MS-SMB2] 3.3.5.10),
 * the files opens share (sharing modes, delete-on-close, oplocks:
 * [MS-FSA] 2.1.5.1, 2.1.5.4, [MS-SMB2] 3.3.4.6, 3.3.5.22.1), and the end
 * of an open whatever closes it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access.h"
#include "fscc_info.h"
#include "preserve.h"
#include "smb2_simple.h"
#include "target.h"
#include "trace.h"
#include "utf16.h"
#include "shared_disk.h"
#include "vfs.h"
#include <rsvd/fscc.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire.h>
#include <rsvd/wire_rsvd.h>
#include <rsvd/wire_smb2.h>

/* ---- file objects ------------------------------------------------------------------- */

static tgt_file *file_find(tgt_server *srv, const tgt_share *sh, dev_t dev, ino_t ino)
{
    tgt_link *k, *nk;
    TGT_LIST_FOREACH_SAFE(&srv->files, k, nk) {
        tgt_file *f = TGT_CONTAINER(k, tgt_file, link);
        if (f->share == sh && f->dev == dev && f->ino == ino)
            return f;
    }
    return NULL;
}

static tgt_file *file_get(tgt_server *srv, tgt_share *sh, const struct stat *st, const char *rel)
{
    tgt_file *f = file_find(srv, sh, st->st_dev, st->st_ino);
    if (f)
        return f;
    f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->share = sh;
    f->dev = st->st_dev;
    f->ino = st->st_ino;
    f->is_dir = S_ISDIR(st->st_mode);
    snprintf(f->path, sizeof f->path, "%s", rel);
    tgt_list_init(&f->opens);
    tgt_list_init(&f->waiters);
    tgt_list_init(&f->lock_waiters);
    tgt_brl_init(&f->locks);
    tgt_list_append(&srv->files, &f->link);
    return f;
}

/* A file without opens goes; if it was to be deleted, it is ([MS-FSA]
 * 2.1.5.4: the last close of a file with DeletePending). */
static void file_release(tgt_file *f)
{
    if (!tgt_list_empty(&f->opens) || !tgt_list_empty(&f->waiters) ||
        !tgt_list_empty(&f->lock_waiters))
        return;
    if (f->delete_pending) {
        uint32_t st = tgt_vfs_unlink(f->share->root_fd, f->path, f->is_dir);
        tgt_log(f->share->srv, "deleted %s: %s", f->path, tgt_status_name(st));
    }
    tgt_brl_free(&f->locks);
    tgt_list_remove(&f->link);
    free(f);
}

/* ---- opens ---------------------------------------------------------------------------- */

static tgt_open *open_alloc(tgt_server *srv, tgt_share *sh, const uint8_t *name16, size_t len)
{
    tgt_open *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->name16 = malloc(len ? len : 1);
    if (!o->name16) {
        free(o);
        return NULL;
    }
    if (len)
        memcpy(o->name16, name16, len);
    o->name16_len = len;
    if (tgt_utf16_to_utf8(name16, len, o->name, sizeof o->name) != 0)
        o->name[0] = 0;
    o->kind = TGT_KIND_OPEN;
    o->srv = srv;
    o->fd = -1;
    o->share = sh;
    tgt_link_init(&o->session_link);
    tgt_link_init(&o->all_link);
    tgt_link_init(&o->file_link);
    tgt_list_append(&srv->opens, &o->all_link);
    srv->nopens++;
    return o;
}

static tgt_open *open_new(tgt_req *r, const uint8_t *name16, size_t len)
{
    return open_alloc(r->srv, r->tree->share, name16, len);
}

void tgt_open_free(tgt_open *o)
{
    if (!o)
        return;
    if (tgt_link_linked(&o->session_link)) {
        tgt_list_remove(&o->session_link);
        if (o->session)
            o->session->nopens--;
    }
    if (tgt_link_linked(&o->all_link)) {
        tgt_list_remove(&o->all_link);
        o->srv->nopens--;
    }
    if (o->fd >= 0)
        close(o->fd);
    for (size_t i = 0; i < o->nentries; i++)
        free(o->entries[i].name);
    free(o->entries);
    free(o->pattern);
    free(o->name16);
    free(o);
}

/* Attaches @p o to its session (a new open). */
static void open_attach(tgt_req *r, tgt_open *o)
{
    o->session = r->session;
    o->tree = r->tree;
    tgt_list_append(&r->session->opens, &o->session_link);
    r->session->nopens++;
}

void tgt_open_detach(tgt_open *o)
{
    tgt_lock_cancel_open(o);
    if (tgt_link_linked(&o->session_link)) {
        tgt_list_remove(&o->session_link);
        if (o->session)
            o->session->nopens--;
    }
    o->session = NULL;
    o->tree = NULL;
    tgt_log(o->srv, "%s is detached, kept for a reconnect", o->name[0] ? o->name : "(root)");
}

/* The end of an open ([MS-SMB2] 3.3.4.17 and CLOSE): its locks go (and
 * the locks that waited for them try again), its oplock goes (and the
 * CREATEs that waited for its break go on), the file goes with its last
 * open. A shared virtual disk open is closed by its RSVD server, which
 * frees it. */
void tgt_open_close(tgt_open *o)
{
    if (o->closing)
        return;
    o->closing = true;
    tgt_lock_cancel_open(o);
    if (tgt_link_linked(&o->session_link)) {
        tgt_list_remove(&o->session_link);
        if (o->session)
            o->session->nopens--;
    }
    if (o->svhdx) {
        tgt_vdisk_close_open(o->share->vdisk, o);
        return;
    }
    tgt_file *f = o->file;
    if (f) {
        tgt_list_remove(&o->file_link);
        if (o->create_options & RSVD_FILE_DELETE_ON_CLOSE)
            f->delete_pending = true; /* [MS-FSA] 2.1.5.4 */
        size_t unlocked = tgt_brl_remove_owner(&f->locks, o);
        if (f->oplock_open == o) {
            f->oplock_open = NULL;
            f->oplock_level = RSVD_SMB2_OPLOCK_LEVEL_NONE;
            tgt_oplock_break_done(f);
        }
        if (unlocked)
            tgt_lock_wake(f);
        o->file = NULL;
        tgt_open_free(o);
        file_release(f);
        return;
    }
    tgt_open_free(o);
}

/* ---- oplocks ([MS-SMB2] 3.3.4.6, 3.3.5.22.1; [MS-FSA] 2.1.5.17) ----------------------- */

/* Sends the break of @p f's oplock to NONE to its holder: an OPLOCK_BREAK
 * notification (MessageId 0xFFFFFFFFFFFFFFFF, TreeId 0, not signed). A
 * detached (resilient) holder has no connection: the break waits for its
 * acknowledgment timer ([MS-SMB2] 3.3.4.6, 3.3.6.1). */
static void oplock_break_send(tgt_file *f)
{
    tgt_open *o = f->oplock_open;
    tgt_server *srv = f->share->srv;
    f->breaking = true;
    f->break_deadline = srv->now + srv->cfg->oplock_break_timeout_ms;
    /* [MS-SMB2] 3.3.7.1: a durable open whose break is in progress is not
     * kept at a lost connection. */
    tgt_preserve_caching(srv->pres, o, o->oplock, true);
    if (!o->session || tgt_list_empty(&o->session->channels))
        return;
    tgt_conn *c = TGT_CONTAINER(o->session->channels.head.next, tgt_channel, session_link)->conn;
    tgt_oplock_break m;
    memset(&m, 0, sizeof m);
    m.hdr.command = RSVD_SMB2_OPLOCK_BREAK;
    m.hdr.flags = RSVD_SMB2_FLAGS_SERVER_TO_REDIR;
    m.hdr.message_id = UINT64_MAX;
    m.hdr.session_id = o->session->id;
    m.oplock_level = RSVD_SMB2_OPLOCK_LEVEL_NONE;
    m.file_id = o->fid;
    uint8_t buf[128];
    size_t len = 0;
    if (tgt_oplock_break_encode(&m, buf, sizeof buf, &len) == RSVD_OK) {
        tgt_log(srv, "%s -> OPLOCK_BREAK of %s to NONE", c->peer, o->name);
        tgt_trace_message(c, false, buf, len);
        (void)tgt_conn_send_frame(c, buf, len);
    }
}

/* The break of @p f is over (acknowledged, timed out, or the holder
 * closed): the CREATEs that waited try again. */
void tgt_oplock_break_done(tgt_file *f)
{
    f->breaking = false;
    tgt_link *k, *nk;
    TGT_LIST_FOREACH_SAFE(&f->waiters, k, nk) {
        tgt_req *r = TGT_CONTAINER(k, tgt_req, wait_link);
        tgt_list_remove(&r->wait_link);
        r->on_cancel = NULL;
        r->on_retry(r);
    }
}

void tgt_oplock_check_timeouts(tgt_server *srv)
{
    tgt_link *k, *nk;
    TGT_LIST_FOREACH_SAFE(&srv->files, k, nk) {
        tgt_file *f = TGT_CONTAINER(k, tgt_file, link);
        if (!f->breaking || f->break_deadline > srv->now)
            continue;
        /* [MS-SMB2] 3.3.6.1: no acknowledgment in time: the oplock is
         * broken to NONE as if acknowledged. */
        tgt_log(srv, "the oplock break of %s timed out", f->path);
        f->oplock_open->oplock = RSVD_SMB2_OPLOCK_LEVEL_NONE;
        tgt_preserve_caching(srv->pres, f->oplock_open, RSVD_SMB2_OPLOCK_LEVEL_NONE, false);
        f->oplock_open = NULL;
        f->oplock_level = RSVD_SMB2_OPLOCK_LEVEL_NONE;
        tgt_oplock_break_done(f);
    }
}

static void create_wait_cancelled(tgt_req *r)
{
    if (tgt_link_linked(&r->wait_link))
        tgt_list_remove(&r->wait_link);
    tgt_req_fail(r, RSVD_STATUS_CANCELLED);
}

/* [MS-SMB2] 3.3.5.22.1: the holder acknowledges a break. */
void tgt_cmd_oplock_break(tgt_req *r)
{
    tgt_oplock_break q;
    if (tgt_oplock_break_decode(r->msg, r->len, &q) != RSVD_OK) {
        tgt_req_fail(r, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    tgt_open *o = tgt_req_open(r, &q.file_id);
    if (!o) {
        tgt_req_fail(r, r->open_status);
        return;
    }
    tgt_file *f = o->file;
    /* Not breaking, or an acknowledgment above the level broken to. */
    if (!f || f->oplock_open != o || !f->breaking ||
        q.oplock_level != RSVD_SMB2_OPLOCK_LEVEL_NONE) {
        tgt_req_fail(r, TGT_STATUS_INVALID_OPLOCK_PROTOCOL);
        return;
    }
    o->oplock = RSVD_SMB2_OPLOCK_LEVEL_NONE;
    f->oplock_open = NULL;
    f->oplock_level = RSVD_SMB2_OPLOCK_LEVEL_NONE;
    tgt_preserve_caching(r->srv->pres, o, RSVD_SMB2_OPLOCK_LEVEL_NONE, false);
    tgt_oplock_break m;
    memset(&m, 0, sizeof m);
    m.hdr = tgt_rsp_hdr(r, RSVD_STATUS_SUCCESS);
    m.oplock_level = RSVD_SMB2_OPLOCK_LEVEL_NONE;
    m.file_id = q.file_id;
    if (tgt_req_reserve(r, 128, 0) != 0) {
        tgt_req_fail(r, RSVD_STATUS_INSUFFICIENT_RESOURCES);
    } else {
        size_t len = 0;
        tgt_req_encoded(r, tgt_oplock_break_encode(&m, r->rsp, r->rsp_cap, &len), &len);
    }
    tgt_oplock_break_done(f);
}

/* ---- the CREATE response -------------------------------------------------------------------- */

/* [MS-SMB2] 2.2.14 with the response contexts in @p chain. */
static void create_answer(tgt_req *r, tgt_open *o, uint32_t action, const tgt_file_info *fi,
                          const uint8_t *chain, size_t chain_len)
{
    rsvd_smb2_create_rsp m;
    memset(&m, 0, sizeof m);
    m.hdr = tgt_rsp_hdr(r, RSVD_STATUS_SUCCESS);
    m.oplock_level = o->oplock;
    m.create_action = action;
    m.creation_time = fi->creation_time;
    m.last_access_time = fi->last_access_time;
    m.last_write_time = fi->last_write_time;
    m.change_time = fi->change_time;
    m.allocation_size = fi->allocation_size;
    m.end_of_file = fi->end_of_file;
    m.file_attributes = fi->attributes;
    m.file_id = o->fid;
    m.create_contexts_offset = chain_len ? RSVD_SMB2_CREATE_RSP_BUFFER_OFFSET : 0;
    m.create_contexts_length = (uint32_t)chain_len;
    m.create_contexts = chain_len ? chain : NULL;
    if (r->chain) { /* [MS-SMB2] 3.3.5.2.7.2: what related requests use */
        r->chain->file_id = o->fid;
        r->chain->have_file_id = true;
    }
    if (tgt_req_reserve(r, RSVD_SMB2_CREATE_RSP_BUFFER_OFFSET + chain_len + 8, 0) != 0) {
        tgt_req_fail(r, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        return;
    }
    size_t len = 0;
    tgt_req_encoded(r, rsvd_smb2_create_rsp_encode(&m, r->rsp, r->rsp_cap, &len), &len);
}

/* The response contexts asked for that rsvd-target answers: MxAc
 * ([MS-SMB2] 2.2.14.2.5) and QFid (2.2.14.2.9). */
static int answer_contexts(const rsvd_smb2_create_req *q, const tgt_open *o,
                           const tgt_file_info *fi, rsvd_smb2_cc_builder *b)
{
    rsvd_smb2_cc cc;
    if (rsvd_smb2_cc_find(q->create_contexts, q->create_contexts_length,
                          RSVD_SMB2_CC_QUERY_MAXIMAL_ACCESS_REQUEST, RSVD_SMB2_CC_TAG_LEN,
                          &cc) == RSVD_OK) {
        uint8_t d[8];
        rsvd_wr w;
        rsvd_wr_init(&w, d, sizeof d);
        rsvd_wr_u32(&w, RSVD_STATUS_SUCCESS); /* QueryStatus */
        rsvd_wr_u32(&w, TGT_FILE_ALL_ACCESS); /* MaximalAccess */
        if (rsvd_smb2_cc_builder_add(b, RSVD_SMB2_CC_QUERY_MAXIMAL_ACCESS_REQUEST,
                                     RSVD_SMB2_CC_TAG_LEN, d, sizeof d) != RSVD_OK)
            return -1;
    }
    if (rsvd_smb2_cc_find(q->create_contexts, q->create_contexts_length,
                          RSVD_SMB2_CC_QUERY_ON_DISK_ID, RSVD_SMB2_CC_TAG_LEN, &cc) == RSVD_OK &&
        !o->svhdx) {
        uint8_t d[32];
        rsvd_wr w;
        rsvd_wr_init(&w, d, sizeof d);
        rsvd_wr_u64(&w, fi->index_number);                     /* DiskFileId */
        rsvd_wr_u64(&w, (uint64_t)o->file->dev);               /* VolumeId */
        rsvd_wr_zeros(&w, 16);                                 /* Reserved */
        if (rsvd_smb2_cc_builder_add(b, RSVD_SMB2_CC_QUERY_ON_DISK_ID, RSVD_SMB2_CC_TAG_LEN, d,
                                     sizeof d) != RSVD_OK)
            return -1;
    }
    return 0;
}

/* ---- shared virtual disks ------------------------------------------------------------------- */

/* The response contexts of an RSVD open: the SVHDX one the RSVD server
 * built, and the durable one the library chose. */
static size_t svhdx_contexts(const tgt_req *r, const rsvd_server_reply *rep, uint8_t *chain,
                             size_t cap)
{
    size_t chain_len = 0;
    rsvd_smb2_cc_builder b;
    rsvd_smb2_cc_builder_init(&b, chain, cap);
    if ((rep->create_context_len &&
         rsvd_smb2_cc_builder_add(&b, RSVD_SMB2_CC_SVHDX_OPEN_DEVICE_CONTEXT,
                                  RSVD_SMB2_CC_SVHDX_OPEN_DEVICE_CONTEXT_LEN,
                                  rep->create_context, rep->create_context_len) != RSVD_OK) ||
        tgt_preserve_rsp_context(r, &b) != 0 || rsvd_smb2_cc_builder_finish(&b, &chain_len) != 0)
        chain_len = 0;
    return chain_len;
}

static void svhdx_answer(tgt_req *r, tgt_open *o, uint32_t action, const rsvd_server_reply *rep)
{
    uint8_t chain[RSVD_SERVER_CREATE_CONTEXT_MAX + 64];
    size_t chain_len = svhdx_contexts(r, rep, chain, sizeof chain);
    tgt_file_info fi;
    memset(&fi, 0, sizeof fi);
    fi.creation_time = fi.last_access_time = fi.last_write_time = fi.change_time =
        tgt_filetime_now();
    fi.attributes = TGT_ATTR_ARCHIVE;
    tgt_log(r->srv, "%s: %s is an RSVD open (LocalOpen %llu)", r->conn->peer, o->name,
            (unsigned long long)o->local_open);
    create_answer(r, o, action, &fi, chain, chain_len);
}

void tgt_create_svhdx_done(tgt_req *r, tgt_open *o, const rsvd_server_reply *rep)
{
    r->open = NULL;
    if (r->cop.action == RSVD_RES_CREATE_RECLAIM) {
        /* A persistent RSVD open reclaimed: [MS-RSVD] 3.2.5.1's reconnect
         * path found its Open (or failed); the library keeps the reclaim
         * or puts the open back. */
        uint32_t st = tgt_preserve_reclaim_end(r->srv->pres, r, rep->status);
        if (r->conn->dead)
            tgt_req_free(r);
        else if (st != RSVD_STATUS_SUCCESS)
            tgt_req_fail(r, st);
        else
            svhdx_answer(r, o, r->cop.create_action, rep);
        return;
    }
    if (rep->status != RSVD_STATUS_SUCCESS) {
        tgt_open_free(o);
        if (r->conn->dead)
            tgt_req_free(r);
        else
            tgt_req_fail(r, rep->status);
        return;
    }
    o->local_open = rep->local_open;
    uint32_t st = r->conn->dead || !r->session
                      ? RSVD_STATUS_INSUFFICIENT_RESOURCES
                      : tgt_preserve_create_end(r->srv->pres, r, o, TGT_GRANT_SVHDX,
                                                RSVD_FILE_OPENED);
    if (st != RSVD_STATUS_SUCCESS) {
        /* The SMB2 layer cannot take the open (its connection went while
         * the backend opened, or a limit): undo it in the RSVD server. */
        tgt_vdisk_close_open(o->share->vdisk, o);
        if (r->conn->dead)
            tgt_req_free(r);
        else
            tgt_req_fail(r, st);
        return;
    }
    open_attach(r, o);
    svhdx_answer(r, o, RSVD_FILE_OPENED, rep);
}

/* ---- CREATE --------------------------------------------------------------------------------- */

/* [MS-SMB2] 3.3.5.9: the checks of the request before any file is touched. */
static uint32_t check_request(const rsvd_smb2_create_req *q)
{
    if (q->impersonation_level > RSVD_SMB2_IMPERSONATION_DELEGATE)
        return 0xC00000A5u; /* STATUS_BAD_IMPERSONATION_LEVEL */
    if (q->create_disposition > RSVD_FILE_OVERWRITE_IF)
        return RSVD_STATUS_INVALID_PARAMETER;
    if ((q->create_options & RSVD_FILE_DIRECTORY_FILE) &&
        (q->create_options & RSVD_FILE_NON_DIRECTORY_FILE))
        return RSVD_STATUS_INVALID_PARAMETER;
    if (q->desired_access & ~TGT_ACCESS_VALID_MASK)
        return RSVD_STATUS_ACCESS_DENIED;
    if (q->create_options & RSVD_FILE_OPEN_BY_FILE_ID)
        return RSVD_STATUS_NOT_SUPPORTED;
    return RSVD_STATUS_SUCCESS;
}

/* A CREATE that waits for an oplock break runs again from the start when
 * the break is over. */
static void create_wait(tgt_req *r, tgt_file *f)
{
    if (!f->breaking)
        oplock_break_send(f);
    tgt_list_append(&f->waiters, &r->wait_link);
    r->on_retry = tgt_cmd_create;
    r->on_cancel = create_wait_cancelled;
    tgt_req_go_async(r);
}

/* A DHnC, DH2C or replayed CREATE found its open (r->cop): nothing is
 * opened; the response is built from the open. */
static void create_reclaim(tgt_req *r, const rsvd_smb2_create_req *q)
{
    tgt_open *o = r->cop.open_user_data;
    if (r->cop.shared_vhdx) {
        /* A persistent shared virtual disk open: its RSVD Open kept its
         * InitiatorId, sense data and reservation; [MS-RSVD] 3.2.5.1's
         * reconnect path finds it by LocalOpen (tgt_create_svhdx_done()). */
        tgt_vdisk_reclaim(o->share->vdisk, r, o, q);
        return;
    }
    /* The open kept its Open.LocalOpen (its file descriptor) while it was
     * detached. */
    uint32_t st = tgt_preserve_reclaim_end(r->srv->pres, r, RSVD_STATUS_SUCCESS);
    if (st != RSVD_STATUS_SUCCESS) {
        tgt_req_fail(r, st);
        return;
    }
    tgt_file_info fi;
    memset(&fi, 0, sizeof fi);
    if (o->fd >= 0)
        (void)tgt_vfs_stat(o->fd, &fi);
    uint8_t chain[256];
    size_t chain_len = 0;
    rsvd_smb2_cc_builder b;
    rsvd_smb2_cc_builder_init(&b, chain, sizeof chain);
    if ((o->file && answer_contexts(q, o, &fi, &b) != 0) || tgt_preserve_rsp_context(r, &b) != 0 ||
        rsvd_smb2_cc_builder_finish(&b, &chain_len) != 0)
        chain_len = 0;
    create_answer(r, o, r->cop.create_action, &fi, chain, chain_len);
}

void tgt_cmd_create(tgt_req *r)
{
    tgt_server *srv = r->srv;
    rsvd_smb2_create_req q;
    if (rsvd_smb2_create_req_decode(r->msg, r->len, &q) != RSVD_OK) {
        tgt_req_fail(r, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    uint32_t st;

    /* What the name resolves to, without touching anything: the library
     * compares files by it (a persistent open's name collision, an
     * application instance). */
    tgt_share *sh = r->tree->share;
    char rel[TGT_PATH_MAX], real[TGT_PATH_MAX];
    bool stream = false, exists = false, have = false;
    uint32_t name_st = tgt_vfs_name(q.name, q.name_length, rel, sizeof rel, &stream);
    if (name_st == RSVD_STATUS_SUCCESS && stream)
        name_st = RSVD_STATUS_OBJECT_NAME_NOT_FOUND; /* no named streams here */
    if (name_st == RSVD_STATUS_SUCCESS)
        name_st = tgt_vfs_lookup(sh->root_fd, rel, real, sizeof real, &exists);
    struct stat sb;
    if (name_st == RSVD_STATUS_SUCCESS && exists) {
        const char *leaf;
        int dir = tgt_vfs_parent(sh->root_fd, real, &leaf);
        have = dir >= 0 && fstatat(dir, leaf[0] ? leaf : ".", &sb, AT_SYMLINK_NOFOLLOW) == 0;
        if (dir >= 0)
            close(dir);
    }
    tgt_file_key key;
    memset(&key, 0, sizeof key);
    if (have) {
        key.dev = (uint64_t)sb.st_dev;
        key.ino = (uint64_t)sb.st_ino;
    }

    /* 1. The library's half of the CREATE ([MS-SMB2] 3.3.5.9): the durable
     * contexts, a reconnect (DHnC 3.3.5.9.7, DH2C 3.3.5.9.12) or a replay
     * that finds its open, a collision with a detached persistent open, an
     * application instance (3.3.5.9.13), a CreateGuid in use. */
    if (tgt_preserve_create_begin(srv->pres, r, have ? &key : NULL) != 0) {
        tgt_req_fail(r, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    switch (r->cop.action) {
    case RSVD_RES_CREATE_FAIL:
        tgt_req_fail(r, r->cop.status);
        return;
    case RSVD_RES_CREATE_RECLAIM:
        create_reclaim(r, &q);
        return;
    case RSVD_RES_CREATE_EXECUTE:
        break;
    }
    /* Only a CREATE that opens something is checked: a reconnect takes the
     * open as it was, whatever the request's other fields say (the
     * reconnect contexts skip "Open Execution", [MS-SMB2] 3.3.5.9.7,
     * 3.3.5.9.12; Windows and Samba ignore them). */
    st = check_request(&q);
    if (st != RSVD_STATUS_SUCCESS) {
        tgt_req_fail(r, st);
        return;
    }
    tgt_open *o = NULL;
    if (srv->nopens >= srv->cfg->limits.max_opens) {
        tgt_req_fail(r, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        return;
    }

    /* 2. [MS-SMB2] 3.3.5.9.14: an SVHDX_OPEN_DEVICE_CONTEXT on a name that
     * ends with ":SharedVirtualDisk" opens a shared virtual disk. */
    rsvd_smb2_cc cc;
    bool svhdx = rsvd_smb2_cc_find(q.create_contexts, q.create_contexts_length,
                                   RSVD_SMB2_CC_SVHDX_OPEN_DEVICE_CONTEXT,
                                   RSVD_SMB2_CC_SVHDX_OPEN_DEVICE_CONTEXT_LEN, &cc) == RSVD_OK;
    bool suffix = rsvd_utf16le_ends_with_ascii(q.name, q.name_length,
                                               RSVD_SHARED_VIRTUAL_DISK_SUFFIX);
    if (svhdx && suffix) {
        o = open_new(r, q.name, q.name_length);
        if (!o) {
            tgt_req_fail(r, RSVD_STATUS_INSUFFICIENT_RESOURCES);
            return;
        }
        o->svhdx = true;
        o->access = tgt_access_map(q.desired_access);
        o->share_access = q.share_access;
        o->create_options = q.create_options;
        tgt_vdisk_create(sh->vdisk, r, o, &q, &cc);
        return;
    }
    rsvd_svhdx_open_device_context vc;
    if (svhdx && rsvd_svhdx_open_device_context_v1_decode(cc.data, cc.data_length, &vc) == RSVD_OK &&
        vc.originator_flags == RSVD_SVHDX_ORIGINATOR_VHDMP) {
        tgt_req_fail(r, RSVD_STATUS_VHD_SHARED); /* 3.3.5.9.14: VHDMP without the suffix */
        return;
    }

    /* 3. A file or directory of the share. */
    if (name_st != RSVD_STATUS_SUCCESS) {
        tgt_req_fail(r, name_st);
        return;
    }
    uint32_t access = tgt_access_map(q.desired_access);
    /* [MS-FSA] 2.1.5.1: delete-on-close needs DELETE access. */
    if ((q.create_options & RSVD_FILE_DELETE_ON_CLOSE) && !(access & TGT_DELETE)) {
        tgt_req_fail(r, RSVD_STATUS_ACCESS_DENIED);
        return;
    }
    /* An existing file's opens: pending delete, sharing, oplock break -
     * all decided before the file is touched (an overwrite must wait). */
    tgt_file *f = have ? file_find(srv, sh, sb.st_dev, sb.st_ino) : NULL;
    if (f) {
        if (f->delete_pending) {
            tgt_req_fail(r, RSVD_STATUS_DELETE_PENDING);
            return;
        }
        bool overwrite = q.create_disposition == RSVD_FILE_SUPERSEDE ||
                         q.create_disposition == RSVD_FILE_OVERWRITE ||
                         q.create_disposition == RSVD_FILE_OVERWRITE_IF;
        if (f->oplock_open && f->oplock_level != RSVD_SMB2_OPLOCK_LEVEL_NONE &&
            (tgt_access_is_data(access) || overwrite)) {
            /* [MS-SMB2] 3.3.4.6: a break that cannot reach its detached
             * holder ends a durable open (not a resilient or persistent
             * one): it is closed, and the CREATE starts again. */
            if (!f->oplock_open->session &&
                tgt_preserve_durability_lost(srv->pres, f->oplock_open, RSVD_RES_EVENT_BREAK)) {
                tgt_cmd_create(r);
                return;
            }
            create_wait(r, f);
            return;
        }
        tgt_link *k, *nk;
        TGT_LIST_FOREACH_SAFE(&f->opens, k, nk) {
            tgt_open *e = TGT_CONTAINER(k, tgt_open, file_link);
            if (!tgt_share_conflict(access, q.share_access, e->access, e->share_access))
                continue;
            /* A detached durable open does not keep the file from others
             * (docs/decisions.md: a conflicting open ends it). */
            if (!e->session &&
                tgt_preserve_durability_lost(srv->pres, e, RSVD_RES_EVENT_CONFLICTING_OPEN)) {
                tgt_cmd_create(r);
                return;
            }
            tgt_req_fail(r, RSVD_STATUS_SHARING_VIOLATION);
            return;
        }
    }
    bool writable = (access & (TGT_FILE_WRITE_DATA | TGT_FILE_APPEND_DATA)) != 0;
    tgt_vfs_opened op;
    st = tgt_vfs_open(sh->root_fd, real, q.create_disposition, q.create_options, writable, &op);
    if (st != RSVD_STATUS_SUCCESS) {
        tgt_req_fail(r, st);
        return;
    }
    f = file_get(srv, sh, &op.st, real);
    o = f ? open_new(r, q.name, q.name_length) : NULL;
    if (!o) {
        close(op.fd);
        if (f)
            file_release(f);
        tgt_req_fail(r, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        return;
    }
    o->fd = op.fd;
    o->file = f;
    o->access = access;
    o->share_access = q.share_access;
    o->create_options = q.create_options;
    tgt_list_append(&f->opens, &o->file_link);
    /* Oplocks: an exclusive or batch oplock to the only open of a file
     * that asks; anything else gets none (level II and leases are not
     * offered). A batch oplock is what makes a DHnQ or DH2Q durable. */
    if (!op.is_dir && f->opens.head.next == f->opens.head.prev &&
        (q.requested_oplock_level == RSVD_SMB2_OPLOCK_LEVEL_BATCH ||
         q.requested_oplock_level == RSVD_SMB2_OPLOCK_LEVEL_EXCLUSIVE)) {
        o->oplock = q.requested_oplock_level;
        f->oplock_open = o;
        f->oplock_level = o->oplock;
    }
    /* 4. The library registers the open (its FileId) and decides whether
     * it is durable or persistent ([MS-SMB2] 3.3.5.9.6, 3.3.5.9.10). */
    st = tgt_preserve_create_end(srv->pres, r, o, op.is_dir ? TGT_GRANT_DIRECTORY : 0, op.action);
    if (st != RSVD_STATUS_SUCCESS) {
        tgt_open_close(o);
        tgt_req_fail(r, st);
        return;
    }
    open_attach(r, o);

    tgt_file_info fi;
    if (tgt_vfs_stat(o->fd, &fi) != 0)
        memset(&fi, 0, sizeof fi);
    fi.delete_pending = f->delete_pending;
    uint8_t chain[256];
    size_t chain_len = 0;
    rsvd_smb2_cc_builder b;
    rsvd_smb2_cc_builder_init(&b, chain, sizeof chain);
    if (answer_contexts(&q, o, &fi, &b) != 0 || tgt_preserve_rsp_context(r, &b) != 0 ||
        rsvd_smb2_cc_builder_finish(&b, &chain_len) != 0)
        chain_len = 0;
    tgt_log(srv, "%s: %s %s (FileId %llx/%llx, oplock 0x%02x)", r->conn->peer,
            op.action == RSVD_FILE_CREATED ? "created" : "opened", real[0] ? real : "(root)",
            (unsigned long long)o->fid.persistent_id, (unsigned long long)o->fid.volatile_id,
            o->oplock);
    create_answer(r, o, op.action, &fi, chain, chain_len);
}

/* A persistent open the state store kept: its file opened again, with the
 * access and share modes it had, detached until its DH2C. */
tgt_open *tgt_open_restore(tgt_share *sh, const rsvd_res_restored_open *ro, uint32_t *status)
{
    tgt_server *srv = sh->srv;
    char rel[TGT_PATH_MAX], real[TGT_PATH_MAX];
    bool stream = false, exists = false;
    uint32_t st = tgt_vfs_name(ro->name, ro->name_len, rel, sizeof rel, &stream);
    if (st == RSVD_STATUS_SUCCESS && stream)
        st = RSVD_STATUS_OBJECT_NAME_NOT_FOUND;
    if (st == RSVD_STATUS_SUCCESS)
        st = tgt_vfs_lookup(sh->root_fd, rel, real, sizeof real, &exists);
    if (st == RSVD_STATUS_SUCCESS && !exists)
        st = RSVD_STATUS_OBJECT_NAME_NOT_FOUND;
    tgt_vfs_opened op;
    bool writable = (ro->granted_access & (TGT_FILE_WRITE_DATA | TGT_FILE_APPEND_DATA)) != 0;
    if (st == RSVD_STATUS_SUCCESS)
        st = tgt_vfs_open(sh->root_fd, real, RSVD_FILE_OPEN, ro->create_options, writable, &op);
    if (st != RSVD_STATUS_SUCCESS) {
        *status = st;
        return NULL;
    }
    tgt_file *f = file_get(srv, sh, &op.st, real);
    tgt_open *o = f ? open_alloc(srv, sh, ro->name, ro->name_len) : NULL;
    if (!o) {
        close(op.fd);
        if (f)
            file_release(f);
        *status = RSVD_STATUS_INSUFFICIENT_RESOURCES;
        return NULL;
    }
    o->fd = op.fd;
    o->file = f;
    o->access = ro->granted_access;
    o->share_access = ro->share_access;
    o->create_options = ro->create_options;
    o->fid = ro->file_id;
    tgt_list_append(&f->opens, &o->file_link);
    return o;
}

/* ---- CLOSE ([MS-SMB2] 3.3.5.10) ------------------------------------------------------------ */

void tgt_close_answer(tgt_req *r, uint32_t status, const tgt_file_info *fi)
{
    if (status != RSVD_STATUS_SUCCESS) {
        tgt_req_fail(r, status);
        return;
    }
    rsvd_smb2_close_rsp m;
    memset(&m, 0, sizeof m);
    m.hdr = tgt_rsp_hdr(r, status);
    if ((r->close_flags & RSVD_SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB) && fi) {
        m.flags = RSVD_SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB;
        m.creation_time = fi->creation_time;
        m.last_access_time = fi->last_access_time;
        m.last_write_time = fi->last_write_time;
        m.change_time = fi->change_time;
        m.allocation_size = fi->allocation_size;
        m.end_of_file = fi->end_of_file;
        m.file_attributes = fi->attributes;
    }
    if (tgt_req_reserve(r, 160, 0) != 0) {
        tgt_req_fail(r, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        return;
    }
    size_t len = 0;
    tgt_req_encoded(r, rsvd_smb2_close_rsp_encode(&m, r->rsp, r->rsp_cap, &len), &len);
}

void tgt_cmd_close(tgt_req *r)
{
    rsvd_smb2_close_req q;
    if (rsvd_smb2_close_req_decode(r->msg, r->len, &q) != RSVD_OK) {
        tgt_req_fail(r, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    tgt_open *o = tgt_req_open(r, &q.file_id);
    if (!o) {
        tgt_req_fail(r, r->open_status);
        return;
    }
    r->close_flags = q.flags;
    /* The open table forgets the open (no callback for a close the client
     * asked for), then the open is closed where it lives. */
    tgt_preserve_open_forget(r->srv->pres, o);
    if (o->svhdx) {
        o->closing = true;
        if (tgt_link_linked(&o->session_link)) {
            tgt_list_remove(&o->session_link);
            o->session->nopens--;
        }
        tgt_vdisk_close_req(o->share->vdisk, r); /* [MS-RSVD] 3.2.5.2 */
        return;
    }
    tgt_file_info fi;
    bool have = o->fd >= 0 && tgt_vfs_stat(o->fd, &fi) == 0;
    tgt_open_close(o);
    r->open = NULL;
    tgt_close_answer(r, RSVD_STATUS_SUCCESS, have ? &fi : NULL);
}
