/*
 * Snapshots of the built-in disk ([MS-RSVD] 3.2.5.5.7.1, 3.2.5.5.7.6,
 * 3.2.5.5.9, 3.2.5.5.10, 3.2.5.7), kept by copy-on-write.
 *
 * The disk's block source always holds the present content. A snapshot
 * owns a delta file, NAME.SNAPSHOTID.rsvdsnap, into which a chunk of the
 * disk is copied the first time it changes after the snapshot became the
 * newest one. The content of snapshot i at chunk c is therefore the copy
 * kept by the oldest snapshot j >= i that holds c, and the block source's
 * when none does. A shrink preserves what it cuts the same way, so the rule
 * holds across resizes. Deleting a snapshot hands the chunks it holds to
 * the next older snapshot that lacks them; applying one writes its content
 * back through the guest's write path, so that every other snapshot keeps
 * its own.
 *
 * Delta file, little-endian; chunk c at DataOffset + c * ChunkSize (a
 * sparse file: chunks never copied take no space):
 *
 *    0  8  Signature "RSVDSNAP"
 *    8  4  Version (1)
 *   12  4  Checksum: CRC-32C of these 128 bytes with this field zero
 *   16  4  ChunkSize
 *   20  4  LogicalSectorSize
 *   24  8  VirtualSize (the disk's when the snapshot was taken)
 *   32  8  ChunkCount (ceil(VirtualSize / ChunkSize))
 *   40  8  BitmapOffset (4096): ChunkCount bits, bit c set once chunk c
 *          is held, least significant bit first
 *   48  8  DataOffset (a multiple of 4096 and of ChunkSize)
 *   56 16  SnapshotId
 *   72 56  Reserved
 */
#include "backends/scsi_disk_int.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <rsvd/status.h>
#include <rsvd/wire.h>
#include <rsvd/wire_rsvd.h>

#include "util/crc32c.h"
#include "util/mem.h"

static const uint8_t snap_signature[8] = {'R', 'S', 'V', 'D', 'S', 'N', 'A', 'P'};
#define SNAP_VERSION 1u
#define SNAP_BITMAP_OFF 4096u

static bool bit_get(const uint8_t *b, uint64_t i)
{
    return (b[i >> 3] >> (i & 7u)) & 1u;
}

static uint64_t div_up(uint64_t a, uint64_t b)
{
    return a / b + (a % b != 0);
}

static uint64_t round_up(uint64_t a, uint64_t b)
{
    return div_up(a, b) * b;
}

static uint64_t disk_bytes(const rsvd_scsi_disk *d)
{
    return d->blocks * d->lbs;
}

/* ------------------------------------------------------------------------ */
/* Delta files                                                               */
/* ------------------------------------------------------------------------ */

int sd_snap_decode_header(const uint8_t *buf, size_t len, sd_snap_header *out)
{
    memset(out, 0, sizeof *out);
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    const uint8_t *sig = rsvd_rd_take(&r, 8);    /* 0: Signature */
    uint32_t version = rsvd_rd_u32(&r);          /* 8: Version */
    uint32_t checksum = rsvd_rd_u32(&r);         /* 12: Checksum */
    out->chunk_size = rsvd_rd_u32(&r);           /* 16: ChunkSize */
    out->sector_size = rsvd_rd_u32(&r);          /* 20: LogicalSectorSize */
    out->size = rsvd_rd_u64(&r);                 /* 24: VirtualSize */
    out->nchunks = rsvd_rd_u64(&r);              /* 32: ChunkCount */
    out->bitmap_off = rsvd_rd_u64(&r);           /* 40: BitmapOffset */
    out->data_off = rsvd_rd_u64(&r);             /* 48: DataOffset */
    rsvd_rd_guid(&r, &out->id);                  /* 56: SnapshotId */
    rsvd_rd_skip(&r, 56);                        /* 72: Reserved */
    if (!rsvd_rd_ok(&r))
        return RSVD_E_WIRE_SHORT;
    if (memcmp(sig, snap_signature, sizeof snap_signature) != 0 || version != SNAP_VERSION)
        return RSVD_E_WIRE_VALUE;
    uint8_t zero[4] = {0};
    uint32_t crc = rsvd_crc32c(0, buf, 12);
    crc = rsvd_crc32c(crc, zero, sizeof zero);
    crc = rsvd_crc32c(crc, buf + 16, SD_SNAP_HEADER_SIZE - 16);
    if (crc != checksum)
        return RSVD_E_WIRE_VALUE;
    uint32_t c = out->chunk_size, s = out->sector_size;
    if (s < 512u || s > 65536u || (s & (s - 1)) || c < s || c > SD_CHUNK_MAX || (c & (c - 1)) ||
        out->size == 0 || out->size % s || out->size / c >= SD_CHUNKS_MAX ||
        out->nchunks != div_up(out->size, c))
        return RSVD_E_WIRE_VALUE;
    if (out->bitmap_off != SNAP_BITMAP_OFF || out->data_off % 4096u || out->data_off % c ||
        out->data_off < out->bitmap_off + div_up(out->nchunks, 8) ||
        out->data_off > (uint64_t)INT64_MAX - out->nchunks * c)
        return RSVD_E_WIRE_RANGE;
    return RSVD_OK;
}

static void snap_header_encode(const sd_store *st, const sd_snap *s, uint32_t lbs,
                               uint8_t out[SD_SNAP_HEADER_SIZE])
{
    rsvd_wr w;
    rsvd_wr_init(&w, out, SD_SNAP_HEADER_SIZE);
    rsvd_wr_bytes(&w, snap_signature, sizeof snap_signature); /* 0: Signature */
    rsvd_wr_u32(&w, SNAP_VERSION);               /* 8: Version */
    rsvd_wr_u32(&w, 0);                          /* 12: Checksum, set below */
    rsvd_wr_u32(&w, st->chunk);                  /* 16: ChunkSize */
    rsvd_wr_u32(&w, lbs);                        /* 20: LogicalSectorSize */
    rsvd_wr_u64(&w, s->size);                    /* 24: VirtualSize */
    rsvd_wr_u64(&w, s->nchunks);                 /* 32: ChunkCount */
    rsvd_wr_u64(&w, s->bitmap_off);              /* 40: BitmapOffset */
    rsvd_wr_u64(&w, s->data_off);                /* 48: DataOffset */
    rsvd_wr_guid(&w, &s->id);                    /* 56: SnapshotId */
    rsvd_wr_zeros(&w, 56);                       /* 72: Reserved */
    rsvd_wr_u32_at(&w, 12, rsvd_crc32c(0, out, SD_SNAP_HEADER_SIZE));
}

/* NAME.<SnapshotId in hex>.rsvdsnap */
static bool snap_path(const sd_store *st, const rsvd_guid *id, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    char suffix[1 + 32 + 9 + 1];
    suffix[0] = '.';
    for (size_t i = 0; i < 16; i++) {
        suffix[1 + 2 * i] = hex[id->b[i] >> 4];
        suffix[2 + 2 * i] = hex[id->b[i] & 0xF];
    }
    memcpy(suffix + 33, ".rsvdsnap", 10);
    return sd_store_path(st, suffix, out, cap);
}

static void snap_layout(const sd_store *st, sd_snap *s)
{
    s->nchunks = div_up(s->size, st->chunk);
    s->bitmap_off = SNAP_BITMAP_OFF;
    uint64_t align = st->chunk > 4096u ? st->chunk : 4096u;
    s->data_off = round_up(SNAP_BITMAP_OFF + div_up(s->nchunks, 8), align);
}

void sd_snap_close(rsvd_scsi_disk *d, sd_snap *s)
{
    if (s->file.fd >= 0)
        rsvd_pfile_close(&s->file);
    s->file.fd = -1;
    rsvd_mem_free(d->mem, s->present);
    s->present = NULL;
    s->readable = false;
}

/* Opens the delta of @p s and reads its bitmap. @return an NTSTATUS;
 * STATUS_INSUFFICIENT_RESOURCES when the bitmap cannot be had. */
static uint32_t snap_load(rsvd_scsi_disk *d, sd_snap *s)
{
    sd_store *st = d->store;
    char path[SD_PATH_MAX];
    if (!snap_path(st, &s->id, path, sizeof path))
        return RSVD_STATUS_OBJECT_NAME_INVALID;
    rsvd_pfile_args pa = {.dirfd = st->dirfd, .path = path, .flags = O_RDWR};
    uint32_t r = rsvd_pfile_open(&s->file, st->sys, &pa, NULL);
    if (r != RSVD_STATUS_SUCCESS) {
        s->file.fd = -1;
        return r;
    }
    uint8_t hb[SD_SNAP_HEADER_SIZE];
    size_t done = 0;
    sd_snap_header h;
    r = rsvd_pfile_read(&s->file, 0, hb, sizeof hb, &done);
    if (r == RSVD_STATUS_SUCCESS && (sd_snap_decode_header(hb, done, &h) != RSVD_OK ||
                                     !rsvd_guid_equal(&h.id, &s->id) || h.size != s->size ||
                                     h.chunk_size != st->chunk || h.sector_size != d->lbs))
        r = RSVD_STATUS_FILE_CORRUPT_ERROR;
    if (r == RSVD_STATUS_SUCCESS) {
        s->nchunks = h.nchunks;
        s->bitmap_off = h.bitmap_off;
        s->data_off = h.data_off;
        size_t blen = (size_t)div_up(s->nchunks, 8);
        s->present = rsvd_mem_calloc(d->mem, blen, 1);
        if (!s->present)
            r = RSVD_STATUS_INSUFFICIENT_RESOURCES;
        else if ((r = rsvd_pfile_read(&s->file, s->bitmap_off, s->present, blen, &done)) ==
                     RSVD_STATUS_SUCCESS &&
                 done != blen)
            r = RSVD_STATUS_FILE_CORRUPT_ERROR;
    }
    if (r != RSVD_STATUS_SUCCESS)
        sd_snap_close(d, s);
    return r;
}

int sd_snap_load_all(rsvd_scsi_disk *d)
{
    sd_store *st = d->store;
    /* Newest first: a snapshot reads through every newer one. */
    bool chain_ok = true;
    for (uint32_t i = st->nsnaps; i-- > 0;) {
        sd_snap *s = &st->snaps[i];
        if (!(s->flags & SD_SNAP_DATA))
            continue; /* a reference: nothing to read */
        uint32_t r = chain_ok ? snap_load(d, s) : RSVD_STATUS_FILE_CORRUPT_ERROR;
        if (r == RSVD_STATUS_INSUFFICIENT_RESOURCES)
            return RSVD_E_NOMEM;
        s->readable = r == RSVD_STATUS_SUCCESS;
        chain_ok = s->readable;
    }
    return RSVD_OK;
}

/* Creates the delta file of a new snapshot, durable before the metadata
 * names it. */
static uint32_t snap_create_file(rsvd_scsi_disk *d, sd_snap *s)
{
    sd_store *st = d->store;
    snap_layout(st, s);
    char path[SD_PATH_MAX];
    if (!snap_path(st, &s->id, path, sizeof path))
        return RSVD_STATUS_OBJECT_NAME_INVALID;
    s->present = rsvd_mem_calloc(d->mem, (size_t)div_up(s->nchunks, 8), 1);
    if (!s->present)
        return RSVD_STATUS_INSUFFICIENT_RESOURCES;
    /* A leftover of a creation that never reached the metadata is replaced. */
    rsvd_pfile_args pa = {.dirfd = st->dirfd, .path = path, .flags = O_RDWR | O_CREAT | O_TRUNC,
                          .create_mode = 0600};
    uint32_t r = rsvd_pfile_open(&s->file, st->sys, &pa, NULL);
    if (r != RSVD_STATUS_SUCCESS) {
        s->file.fd = -1;
        sd_snap_close(d, s);
        return r;
    }
    uint8_t hb[SD_SNAP_HEADER_SIZE];
    snap_header_encode(st, s, d->lbs, hb);
    size_t done;
    r = rsvd_pfile_write(&s->file, 0, hb, sizeof hb, &done);
    if (r == RSVD_STATUS_SUCCESS && st->sys->ftruncate(s->file.fd, (off_t)s->data_off) != 0)
        r = rsvd_status_from_errno(errno);
    if (r == RSVD_STATUS_SUCCESS)
        r = rsvd_pfile_flush(&s->file);
    if (r != RSVD_STATUS_SUCCESS) {
        sd_snap_close(d, s);
        (void)st->sys->unlinkat(st->dirfd, path, 0);
        return r;
    }
    s->readable = true;
    return RSVD_STATUS_SUCCESS;
}

static void snap_unlink(rsvd_scsi_disk *d, const sd_snap *s)
{
    char path[SD_PATH_MAX];
    if (snap_path(d->store, &s->id, path, sizeof path))
        (void)d->store->sys->unlinkat(d->store->dirfd, path, 0);
}

/* Marks chunk @p c held by @p s: the bit, then its byte in the file. */
static uint32_t snap_set_bit(sd_snap *s, uint64_t c)
{
    s->present[c >> 3] = (uint8_t)(s->present[c >> 3] | (1u << (c & 7u)));
    size_t done;
    return rsvd_pfile_write(&s->file, s->bitmap_off + (c >> 3), &s->present[c >> 3], 1, &done);
}

/* ------------------------------------------------------------------------ */
/* Lookups                                                                   */
/* ------------------------------------------------------------------------ */

sd_snap *sd_snap_find(sd_store *st, const rsvd_guid *id)
{
    for (uint32_t i = 0; i < st->nsnaps; i++)
        if (rsvd_guid_equal(&st->snaps[i].id, id))
            return &st->snaps[i];
    return NULL;
}

sd_snap *sd_snap_by_seq(sd_store *st, uint64_t seq)
{
    for (uint32_t i = 0; i < st->nsnaps; i++)
        if (st->snaps[i].seq == seq)
            return &st->snaps[i];
    return NULL;
}

static uint32_t snap_index(const sd_store *st, const sd_snap *s)
{
    return (uint32_t)(s - st->snaps);
}

/* The newest snapshot that keeps data: the one the write path preserves for. */
static sd_snap *snap_newest_data(sd_store *st)
{
    for (uint32_t i = st->nsnaps; i-- > 0;)
        if (st->snaps[i].flags & SD_SNAP_DATA)
            return &st->snaps[i];
    return NULL;
}

/* The oldest snapshot from index @p from on that holds chunk @p c. */
static sd_snap *snap_holder(sd_store *st, uint32_t from, uint64_t c)
{
    for (uint32_t j = from; j < st->nsnaps; j++) {
        sd_snap *s = &st->snaps[j];
        if ((s->flags & SD_SNAP_DATA) && s->present && c < s->nchunks && bit_get(s->present, c))
            return s;
    }
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Copy-on-write and reads                                                   */
/* ------------------------------------------------------------------------ */

uint32_t sd_snap_preserve(rsvd_scsi_disk *d, uint64_t off, uint64_t len)
{
    sd_store *st = d->store;
    sd_snap *n = snap_newest_data(st);
    /* An unreadable newest snapshot has already lost its content (and every
     * older one with it): there is nothing left to keep. */
    if (!n || !n->readable || len == 0)
        return RSVD_STATUS_SUCCESS;
    uint64_t have = disk_bytes(d);
    for (uint64_t c = off / st->chunk; c <= (off + len - 1) / st->chunk; c++) {
        if (c >= n->nchunks)
            break;
        if (bit_get(n->present, c))
            continue;
        uint64_t start = c * st->chunk;
        size_t part = start >= have ? 0 : (size_t)(have - start < st->chunk ? have - start
                                                                           : st->chunk);
        uint32_t r = part ? d->block.ops->read(d->block.ctx, start, st->chunk_buf, part)
                          : RSVD_STATUS_SUCCESS;
        if (r != RSVD_STATUS_SUCCESS)
            return r;
        memset(st->chunk_buf + part, 0, st->chunk - part);
        size_t done;
        r = rsvd_pfile_write(&n->file, n->data_off + start, st->chunk_buf, st->chunk, &done);
        if (r == RSVD_STATUS_SUCCESS)
            r = snap_set_bit(n, c);
        if (r != RSVD_STATUS_SUCCESS)
            return r;
    }
    return RSVD_STATUS_SUCCESS;
}

uint32_t sd_snap_read(rsvd_scsi_disk *d, const sd_snap *s, uint64_t off, uint8_t *buf,
                      size_t len)
{
    sd_store *st = d->store;
    if (!s->readable)
        return RSVD_STATUS_FILE_CORRUPT_ERROR;
    if (off > s->size || len > s->size - off)
        return RSVD_STATUS_INVALID_PARAMETER;
    uint32_t from = snap_index(st, s);
    uint64_t have = disk_bytes(d);
    while (len) {
        uint64_t c = off / st->chunk;
        size_t piece = (size_t)((c + 1) * st->chunk - off);
        if (piece > len)
            piece = len;
        sd_snap *h = snap_holder(st, from, c);
        uint32_t r = RSVD_STATUS_SUCCESS;
        size_t got = 0;
        if (h) {
            r = rsvd_pfile_read(&h->file, h->data_off + off, buf, piece, &got);
        } else if (off < have) {
            got = have - off < piece ? (size_t)(have - off) : piece;
            r = d->block.ops->read(d->block.ctx, off, buf, got);
        }
        if (r != RSVD_STATUS_SUCCESS)
            return r;
        memset(buf + got, 0, piece - got); /* past the end of what exists: zeros */
        buf += piece;
        off += piece;
        len -= piece;
    }
    return RSVD_STATUS_SUCCESS;
}

/* ------------------------------------------------------------------------ */
/* Create ([MS-RSVD] 3.2.5.5.7.1)                                            */
/* ------------------------------------------------------------------------ */

static bool type_valid(uint32_t t)
{
    return t == RSVD_SVHDX_SNAPSHOT_TYPE_VM || t == RSVD_SVHDX_SNAPSHOT_TYPE_CDP ||
           t == RSVD_SVHDX_SNAPSHOT_TYPE_WRITEABLE;
}

static sd_pending *pending_find(sd_store *st, const rsvd_guid *transaction_id)
{
    for (uint32_t i = 0; i < SD_PENDING_MAX; i++)
        if (st->pending[i].in_use && rsvd_guid_equal(&st->pending[i].transaction_id,
                                                     transaction_id))
            return &st->pending[i];
    return NULL;
}

static uint32_t pending_count(const sd_store *st)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < SD_PENDING_MAX; i++)
        n += st->pending[i].in_use && !st->pending[i].switched;
    return n;
}

static bool pending_names(const sd_store *st, const rsvd_guid *snapshot_id)
{
    for (uint32_t i = 0; i < SD_PENDING_MAX; i++)
        if (st->pending[i].in_use && rsvd_guid_equal(&st->pending[i].snapshot_id, snapshot_id))
            return true;
    return false;
}

/* A snapshot's bitmap has a bound (SD_CHUNKS_MAX): a disk larger than
 * that many chunks needs a larger chunk_size. */
static bool size_snapshottable(const rsvd_scsi_disk *d)
{
    return disk_bytes(d) / d->store->chunk < SD_CHUNKS_MAX;
}

/* Initialize: the snapshot is checked and its slot reserved. */
static uint32_t stage_initialize(rsvd_scsi_disk *d, const rsvd_disk_snapshot_args *a)
{
    sd_store *st = d->store;
    if (!size_snapshottable(d))
        return RSVD_STATUS_NOT_SUPPORTED;
    if (pending_find(st, &a->transaction_id))
        return RSVD_STATUS_INVALID_PARAMETER; /* Initialize twice */
    if (rsvd_guid_is_zero(&a->snapshot_id))
        return RSVD_STATUS_INVALID_PARAMETER;
    if (sd_snap_find(st, &a->snapshot_id) || pending_names(st, &a->snapshot_id))
        return RSVD_STATUS_DUPLICATE_OBJECTID;
    if (st->nsnaps + pending_count(st) >= st->max_snaps)
        return RSVD_STATUS_INSUFFICIENT_RESOURCES;
    for (uint32_t i = 0; i < SD_PENDING_MAX; i++) {
        sd_pending *p = &st->pending[i];
        if (p->in_use)
            continue;
        memset(p, 0, sizeof *p);
        p->in_use = true;
        p->last_stage = RSVD_SVHDX_SNAPSHOT_STAGE_INITIALIZE;
        p->type = a->snapshot_type;
        p->flags = a->flags;
        p->transaction_id = a->transaction_id;
        p->snapshot_id = a->snapshot_id;
        p->log_file_id = a->log_file_id;
        p->now_ms = a->now_ms;
        return RSVD_STATUS_SUCCESS;
    }
    return RSVD_STATUS_INSUFFICIENT_RESOURCES;
}

/* SwitchObjectStore: the point in time of the snapshot. From here on the
 * write path preserves the disk's content for it. *ct receives the
 * change-tracking status of the reply. */
static uint32_t stage_switch(rsvd_scsi_disk *d, sd_pending *p, uint32_t *ct)
{
    sd_store *st = d->store;
    if (!size_snapshottable(d))
        return RSVD_STATUS_NOT_SUPPORTED; /* grown since Initialize */
    /* A sequence that cannot advance (metadata that says so): no snapshot,
     * rather than one whose Sequence the next open refuses. */
    if (st->next_seq == UINT64_MAX)
        return RSVD_STATUS_INSUFFICIENT_RESOURCES;
    sd_snap *s = &st->snaps[st->nsnaps];
    memset(s, 0, sizeof *s);
    s->file.fd = -1;
    s->id = p->snapshot_id;
    s->type = p->type;
    s->created_ms = p->now_ms;
    s->size = disk_bytes(d);
    s->seq = st->next_seq;
    s->flags = SD_SNAP_DATA;
    if (p->flags & RSVD_SVHDX_SNAPSHOT_DISK_FLAG_ENABLE_CHANGE_TRACKING)
        s->flags |= SD_SNAP_TRACKED;
    /* Its parent: the previous snapshot of its chain - CDP snapshots
     * follow CDP snapshots, VM and writeable ones each other. */
    bool cdp = p->type == RSVD_SVHDX_SNAPSHOT_TYPE_CDP;
    for (uint32_t i = st->nsnaps; i-- > 0;)
        if ((st->snaps[i].type == RSVD_SVHDX_SNAPSHOT_TYPE_CDP) == cdp) {
            s->parent_id = st->snaps[i].id;
            break;
        }
    if (cdp) {
        /* [MS-RSVD] 3.2.5.5.12: made while tracking runs, it is active. */
        if (st->ct_active)
            s->flags |= SD_SNAP_CDP_ACTIVE;
        s->log_file_id = rsvd_guid_is_zero(&p->log_file_id) ? st->ct_log_id : p->log_file_id;
        *ct = sd_track_status(d);
    }
    uint32_t r = snap_create_file(d, s);
    if (r != RSVD_STATUS_SUCCESS)
        return r;
    st->nsnaps++;
    st->next_seq++;
    if (s->flags & SD_SNAP_TRACKED) {
        uint32_t t = sd_track_mark(d, s);
        if (t != RSVD_STATUS_SUCCESS) {
            s->flags &= ~SD_SNAP_TRACKED; /* its point could not be recorded */
            *ct = t;
        }
    }
    r = sd_store_save(d);
    if (r != RSVD_STATUS_SUCCESS) {
        st->nsnaps--;
        st->next_seq--;
        sd_snap_close(d, s);
        snap_unlink(d, s);
        return r;
    }
    p->switched = true;
    return RSVD_STATUS_SUCCESS;
}

static uint32_t run_stage(rsvd_scsi_disk *d, const rsvd_disk_snapshot_args *a, uint32_t stage,
                          uint32_t *ct)
{
    sd_store *st = d->store;
    if (stage == RSVD_SVHDX_SNAPSHOT_STAGE_INITIALIZE)
        return stage_initialize(d, a);
    sd_pending *p = pending_find(st, &a->transaction_id);
    /* A later stage belongs to the creation its transaction began, in order. */
    if (!p || !rsvd_guid_equal(&p->snapshot_id, &a->snapshot_id) || p->type != a->snapshot_type ||
        stage <= p->last_stage || stage > RSVD_SVHDX_SNAPSHOT_STAGE_FINALIZE)
        return RSVD_STATUS_INVALID_PARAMETER;
    uint32_t r = RSVD_STATUS_SUCCESS;
    switch (stage) {
    case RSVD_SVHDX_SNAPSHOT_STAGE_SWITCH_OBJECT_STORE:
        r = stage_switch(d, p, ct);
        break;
    case RSVD_SVHDX_SNAPSHOT_STAGE_FINALIZE:
        if (!p->switched)
            return RSVD_STATUS_INVALID_PARAMETER;
        memset(p, 0, sizeof *p);
        return RSVD_STATUS_SUCCESS;
    default:
        /* BlockIO, UnblockIO: the disk finishes every call before it takes
         * the next, so no I/O is in flight to hold or release. */
        break;
    }
    if (r == RSVD_STATUS_SUCCESS)
        p->last_stage = stage;
    else
        memset(p, 0, sizeof *p); /* the creation failed: nothing was taken */
    return r;
}

void sd_create_snapshot(void *ctx, void *handle, const rsvd_disk_snapshot_args *args,
                        rsvd_disk_meta_result *out, rsvd_completion c)
{
    (void)ctx;
    sd_handle *h = sd_handle_get(handle);
    if (!h || !args || !out) {
        sd_fail(c, h ? RSVD_STATUS_INVALID_PARAMETER : RSVD_STATUS_INVALID_HANDLE);
        return;
    }
    rsvd_scsi_disk *d = h->disk;
    if (sd_store_missing(d, c))
        return;
    uint32_t nstages = 0;
    while (nstages < 6 && args->stages[nstages] != RSVD_SVHDX_SNAPSHOT_STAGE_INVALID)
        nstages++;
    sd_progress_start(out, nstages);
    if (!type_valid(args->snapshot_type) || nstages == 0 ||
        (args->flags & ~RSVD_SVHDX_SNAPSHOT_DISK_FLAG_ENABLE_CHANGE_TRACKING)) {
        sd_fail(c, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    uint32_t ct = RSVD_STATUS_SUCCESS;
    uint32_t r = RSVD_STATUS_SUCCESS;
    for (uint32_t i = 0; i < nstages && r == RSVD_STATUS_SUCCESS; i++) {
        r = run_stage(d, args, args->stages[i], &ct);
        if (r == RSVD_STATUS_SUCCESS)
            out->progress_current = i + 1;
    }
    out->change_tracking_status = ct;
    sd_fail(c, r);
}

/* [MS-RSVD] 3.2.2, 3.2.5.2: the creation is abandoned. Before
 * SwitchObjectStore nothing was taken; after it the snapshot exists and
 * stays, but a CDP snapshot abandoned after UnblockIO ends change tracking
 * with STATUS_FILE_FORCED_CLOSED (3.2.5.5.7.1). */
void sd_abort_snapshot(void *ctx, void *handle, const rsvd_guid *transaction_id,
                       rsvd_completion c)
{
    (void)ctx;
    sd_handle *h = sd_handle_get(handle);
    if (!h || !transaction_id) {
        sd_fail(c, h ? RSVD_STATUS_INVALID_PARAMETER : RSVD_STATUS_INVALID_HANDLE);
        return;
    }
    rsvd_scsi_disk *d = h->disk;
    if (sd_store_missing(d, c))
        return;
    sd_pending *p = pending_find(d->store, transaction_id);
    if (!p) {
        sd_fail(c, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    uint32_t r = RSVD_STATUS_SUCCESS;
    if (p->type == RSVD_SVHDX_SNAPSHOT_TYPE_CDP &&
        p->last_stage >= RSVD_SVHDX_SNAPSHOT_STAGE_UNBLOCK_IO && d->store->ct_active &&
        !d->store->ct_broken) {
        d->store->ct_broken = RSVD_STATUS_FILE_FORCED_CLOSED;
        r = sd_store_save(d);
    }
    memset(p, 0, sizeof *p);
    sd_fail(c, r);
}

/* ------------------------------------------------------------------------ */
/* Delete ([MS-RSVD] 3.2.5.5.10)                                             */
/* ------------------------------------------------------------------------ */

/* Hands the chunks @p s holds to the next older snapshot with data, which
 * read them through @p s until now. */
static uint32_t snap_merge_down(rsvd_scsi_disk *d, sd_snap *s)
{
    sd_store *st = d->store;
    sd_snap *older = NULL;
    for (uint32_t i = snap_index(st, s); i-- > 0;)
        if (st->snaps[i].flags & SD_SNAP_DATA) {
            older = &st->snaps[i];
            break;
        }
    if (!older || !older->readable || !s->readable)
        return RSVD_STATUS_SUCCESS; /* nobody reads through it */
    uint64_t n = older->nchunks < s->nchunks ? older->nchunks : s->nchunks;
    for (uint64_t c = 0; c < n; c++) {
        if (!bit_get(s->present, c) || bit_get(older->present, c))
            continue;
        size_t done;
        uint64_t at = c * st->chunk;
        uint32_t r = rsvd_pfile_read(&s->file, s->data_off + at, st->chunk_buf, st->chunk, &done);
        if (r == RSVD_STATUS_SUCCESS) {
            memset(st->chunk_buf + done, 0, st->chunk - done);
            r = rsvd_pfile_write(&older->file, older->data_off + at, st->chunk_buf, st->chunk,
                                 &done);
        }
        if (r == RSVD_STATUS_SUCCESS)
            r = snap_set_bit(older, c);
        if (r != RSVD_STATUS_SUCCESS)
            return r;
    }
    return RSVD_STATUS_SUCCESS;
}

/* [MS-RSVD] 3.2.5.5.10: an inactive CDP snapshot, or the first active one,
 * may go; another active one is in use by the change log. */
static bool cdp_deletable(const sd_store *st, const sd_snap *s)
{
    if (s->type != RSVD_SVHDX_SNAPSHOT_TYPE_CDP || !(s->flags & SD_SNAP_CDP_ACTIVE))
        return true;
    for (uint32_t i = 0; i < st->nsnaps; i++)
        if (st->snaps[i].type == RSVD_SVHDX_SNAPSHOT_TYPE_CDP &&
            (st->snaps[i].flags & SD_SNAP_CDP_ACTIVE))
            return &st->snaps[i] == s;
    return true;
}

void sd_delete_snapshot(void *ctx, void *handle, const rsvd_disk_delete_snapshot_args *args,
                        rsvd_completion c)
{
    (void)ctx;
    sd_handle *h = sd_handle_get(handle);
    if (!h || !args) {
        sd_fail(c, h ? RSVD_STATUS_INVALID_PARAMETER : RSVD_STATUS_INVALID_HANDLE);
        return;
    }
    rsvd_scsi_disk *d = h->disk;
    if (sd_store_missing(d, c))
        return;
    sd_store *st = d->store;
    sd_snap *s = sd_snap_find(st, &args->snapshot_id);
    /* A reference is kept for VM snapshots only (2.2.4.26 PersistReference). */
    if (!s || s->type != args->snapshot_type ||
        (args->persist_reference && args->snapshot_type != RSVD_SVHDX_SNAPSHOT_TYPE_VM)) {
        sd_fail(c, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    if (s->opens || pending_names(st, &s->id) || !cdp_deletable(st, s)) {
        sd_fail(c, RSVD_STATUS_SHARING_VIOLATION);
        return;
    }
    uint32_t r = (s->flags & SD_SNAP_DATA) ? snap_merge_down(d, s) : RSVD_STATUS_SUCCESS;
    if (r != RSVD_STATUS_SUCCESS) {
        sd_fail(c, r);
        return;
    }
    /* The metadata forgets the data before the file goes: a crash leaves an
     * orphan file at worst, never a listed snapshot without its data. */
    sd_snap saved = *s;
    uint32_t idx = snap_index(st, s);
    if (args->persist_reference) {
        s->flags &= ~(uint32_t)SD_SNAP_DATA;
    } else {
        memmove(s, s + 1, (st->nsnaps - idx - 1) * sizeof *s);
        st->nsnaps--;
    }
    r = sd_store_save(d);
    if (r != RSVD_STATUS_SUCCESS) {
        if (!args->persist_reference) {
            memmove(&st->snaps[idx + 1], &st->snaps[idx], (st->nsnaps - idx) * sizeof *s);
            st->nsnaps++;
        }
        st->snaps[idx] = saved;
        sd_fail(c, r);
        return;
    }
    if (saved.flags & SD_SNAP_DATA) {
        sd_snap_close(d, &saved);
        snap_unlink(d, &saved);
    }
    if (args->persist_reference) {
        st->snaps[idx].present = NULL; /* freed with saved */
        st->snaps[idx].file.fd = -1;
        st->snaps[idx].readable = false;
    }
    sd_fail(c, RSVD_STATUS_SUCCESS);
}

/* ------------------------------------------------------------------------ */
/* Apply ([MS-RSVD] 3.2.5.5.7.6)                                             */
/* ------------------------------------------------------------------------ */

/* Finds the snapshot a request names, of the type it names. */
static uint32_t snap_lookup(sd_store *st, const rsvd_guid *id, uint32_t type, bool readable,
                            sd_snap **out)
{
    sd_snap *s = sd_snap_find(st, id);
    if (!s || s->type != type)
        return RSVD_STATUS_INVALID_PARAMETER;
    if (readable && !s->readable)
        return (s->flags & SD_SNAP_DATA) ? RSVD_STATUS_FILE_CORRUPT_ERROR
                                         : RSVD_STATUS_INVALID_PARAMETER; /* a reference */
    *out = s;
    return RSVD_STATUS_SUCCESS;
}

void sd_apply_snapshot(void *ctx, void *handle, const rsvd_disk_apply_args *args,
                       rsvd_disk_meta_result *out, rsvd_completion c)
{
    (void)ctx;
    sd_handle *h = sd_handle_get(handle);
    if (!h || !args || !out) {
        sd_fail(c, h ? RSVD_STATUS_INVALID_PARAMETER : RSVD_STATUS_INVALID_HANDLE);
        return;
    }
    rsvd_scsi_disk *d = h->disk;
    if (sd_store_missing(d, c))
        return;
    sd_store *st = d->store;
    sd_snap *s = NULL;
    uint32_t r = (args->snapshot_type == RSVD_SVHDX_SNAPSHOT_TYPE_VM ||
                  args->snapshot_type == RSVD_SVHDX_SNAPSHOT_TYPE_WRITEABLE)
                     ? snap_lookup(st, &args->snapshot_id, args->snapshot_type, true, &s)
                     : RSVD_STATUS_INVALID_PARAMETER;
    if (r != RSVD_STATUS_SUCCESS) {
        sd_fail(c, r);
        return;
    }
    uint64_t seq = s->seq;
    sd_progress_start(out, s->size);
    uint8_t *want = rsvd_mem_alloc(d->mem, st->chunk);
    uint8_t *have = rsvd_mem_alloc(d->mem, st->chunk);
    if (!want || !have) {
        rsvd_mem_free(d->mem, want);
        rsvd_mem_free(d->mem, have);
        sd_fail(c, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        return;
    }
    /* The size first, then every chunk some snapshot from s on holds (the
     * others are the disk's already); writes go through the write path, so
     * the snapshots newer than s keep the content they had. */
    r = sd_resize_to(d, s->size);
    for (uint64_t off = 0; r == RSVD_STATUS_SUCCESS && off < out->progress_complete;
         off += st->chunk) {
        s = sd_snap_by_seq(st, seq);
        uint64_t left = out->progress_complete - off;
        size_t n = left < st->chunk ? (size_t)left : st->chunk;
        if (snap_holder(st, snap_index(st, s), off / st->chunk)) {
            r = sd_snap_read(d, s, off, want, n);
            if (r == RSVD_STATUS_SUCCESS)
                r = d->block.ops->read(d->block.ctx, off, have, n);
            if (r == RSVD_STATUS_SUCCESS && memcmp(want, have, n) != 0)
                r = sd_store_write(d, off, want, n);
        }
        if (r == RSVD_STATUS_SUCCESS)
            out->progress_current = off + n;
    }
    rsvd_mem_free(d->mem, want);
    rsvd_mem_free(d->mem, have);
    sd_fail(c, r);
}

/* ------------------------------------------------------------------------ */
/* VHD-set information ([MS-RSVD] 3.2.5.5.9)                                 */
/* ------------------------------------------------------------------------ */

enum snap_list { LIST_VM, LIST_CDP_ACTIVE, LIST_CDP_INACTIVE };

static bool in_list(const sd_snap *s, enum snap_list which)
{
    switch (which) {
    case LIST_VM:
        return s->type == RSVD_SVHDX_SNAPSHOT_TYPE_VM;
    case LIST_CDP_ACTIVE:
        return s->type == RSVD_SVHDX_SNAPSHOT_TYPE_CDP && (s->flags & SD_SNAP_CDP_ACTIVE);
    default:
        return s->type == RSVD_SVHDX_SNAPSHOT_TYPE_CDP && !(s->flags & SD_SNAP_CDP_ACTIVE);
    }
}

static void list_fill(const sd_store *st, enum snap_list which, rsvd_disk_vhdset_info *out)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < st->nsnaps; i++) {
        if (!in_list(&st->snaps[i], which))
            continue;
        if (out->snapshot_ids && n < out->snapshot_ids_cap)
            out->snapshot_ids[n] = st->snaps[i].id;
        n++;
    }
    out->number_of_snapshots = n;
}

static void entry_fill(const sd_snap *s, rsvd_disk_vhdset_info *out)
{
    out->snapshot_id = s->id;
    out->snapshot_creation_time = s->created_ms;
    out->snapshot_type = s->type;
    out->is_valid_snapshot = s->readable ? 1u : 0u;
    out->parent_snapshot_id = s->parent_id;
    out->log_file_id = s->log_file_id;
}

void sd_query_vhdset(void *ctx, void *handle, const rsvd_disk_vhdset_query *q,
                     rsvd_disk_vhdset_info *out, rsvd_completion c)
{
    (void)ctx;
    sd_handle *h = sd_handle_get(handle);
    if (!h || !q || !out) {
        sd_fail(c, h ? RSVD_STATUS_INVALID_PARAMETER : RSVD_STATUS_INVALID_HANDLE);
        return;
    }
    rsvd_scsi_disk *d = h->disk;
    if (sd_store_missing(d, c))
        return;
    sd_store *st = d->store;
    uint32_t r = RSVD_STATUS_SUCCESS;
    sd_snap *s = NULL;
    switch (q->information_type) {
    case RSVD_SVHDX_VHDSET_INFORMATION_TYPE_SNAPSHOT_LIST:
        if (q->snapshot_type != RSVD_SVHDX_SNAPSHOT_TYPE_VM)
            r = RSVD_STATUS_INVALID_PARAMETER;
        else
            list_fill(st, LIST_VM, out);
        break;
    case RSVD_SVHDX_VHDSET_INFORMATION_TYPE_SNAPSHOT_ENTRY:
        r = snap_lookup(st, &q->snapshot_id, q->snapshot_type, false, &s);
        if (r == RSVD_STATUS_SUCCESS)
            entry_fill(s, out);
        break;
    case RSVD_SVHDX_VHDSET_INFORMATION_TYPE_OPTIMIZE_NEEDED: {
        uint64_t after = 0;
        r = sd_track_compact(d, true, &after);
        out->optimize_needed = r == RSVD_STATUS_SUCCESS && after < st->log_size;
        break;
    }
    case RSVD_SVHDX_VHDSET_INFORMATION_TYPE_CDP_SNAPSHOT_ROOT:
        for (uint32_t i = 0; i < st->nsnaps && !s; i++)
            if (st->snaps[i].type == RSVD_SVHDX_SNAPSHOT_TYPE_CDP)
                s = &st->snaps[i];
        if (s)
            entry_fill(s, out);
        else
            r = RSVD_STATUS_INVALID_PARAMETER; /* no CDP snapshot */
        break;
    case RSVD_SVHDX_VHDSET_INFORMATION_TYPE_CDP_SNAPSHOT_ACTIVE_LIST:
        list_fill(st, LIST_CDP_ACTIVE, out);
        break;
    case RSVD_SVHDX_VHDSET_INFORMATION_TYPE_CDP_SNAPSHOT_INACTIVE_LIST:
        list_fill(st, LIST_CDP_INACTIVE, out);
        break;
    default:
        r = RSVD_STATUS_INVALID_PARAMETER;
        break;
    }
    sd_fail(c, r);
}

/* ------------------------------------------------------------------------ */
/* Opens of a snapshot ([MS-RSVD] 3.2.5.7)                                   */
/* ------------------------------------------------------------------------ */

uint32_t sd_snap_open_view(rsvd_scsi_disk *d, const rsvd_disk_snapshot_target *t, uint64_t *seq)
{
    if (!d->store)
        return RSVD_STATUS_INVALID_DEVICE_REQUEST;
    /* 3.2.5.7: a VM or a writeable snapshot. */
    if (t->snapshot_type != RSVD_SVHDX_SNAPSHOT_TYPE_VM &&
        t->snapshot_type != RSVD_SVHDX_SNAPSHOT_TYPE_WRITEABLE)
        return RSVD_STATUS_INVALID_PARAMETER;
    sd_snap *s = NULL;
    uint32_t r = snap_lookup(d->store, &t->snapshot_id, t->snapshot_type, true, &s);
    if (r == RSVD_STATUS_SUCCESS)
        *seq = s->seq;
    return r;
}
