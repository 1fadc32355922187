/*
 * The built-in disk's version-2 storage (docs/backends.md, "Version-2
 * storage"): the directory, the metadata file that lists the snapshots and
 * the change-tracking state, and the hooks on the guest's write path.
 *
 * NAME.rsvdmeta, little-endian, rewritten whole (a new file renamed over
 * the old one) whenever a snapshot or the tracking state changes:
 *
 *    0  8  Signature "RSVDMETA"
 *    8  4  Version (1)
 *   12  4  Checksum: CRC-32C of the file with this field zero
 *   16  4  FileLength
 *   20  4  ChunkSize (the copy-on-write unit)
 *   24  4  LogicalSectorSize
 *   28  4  SnapshotCount
 *   32  8  NextSequence
 *   40  4  TrackingFlags (bit 0: change tracking started, not stopped)
 *   44  4  TrackingBroken (0, or the status that stopped the change log)
 *   48  8  MaxLogFileSize
 *   56 16  LogFileId
 *   72  2  VhdSetNameLength (UTF-8 bytes, no NUL)
 *   74  6  Reserved
 *   80     VhdSetName, padded with zeros to a multiple of 8
 *          SnapshotCount entries of 112 bytes, oldest first:
 *    0 16  SnapshotId        16 16  ParentSnapshotId   32 16  LogFileId
 *   48  8  CreationTime      56  8  VirtualSize        64  8  Sequence
 *   72  4  SnapshotType      76  4  Flags (SD_SNAP_*)  80 32  Reserved
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

static const uint8_t meta_signature[8] = {'R', 'S', 'V', 'D', 'M', 'E', 'T', 'A'};
#define META_VERSION 1u
#define META_CT_ACTIVE 0x1u

static bool pow2_between(uint32_t v, uint32_t lo, uint32_t hi)
{
    return v >= lo && v <= hi && !(v & (v - 1));
}

static bool ct_status_valid(uint32_t v)
{
    return v == RSVD_STATUS_SUCCESS || v == RSVD_STATUS_FILE_FORCED_CLOSED ||
           (v >= RSVD_STATUS_CHANGE_TRACKING_NOT_INITIALIZED &&
            v <= RSVD_STATUS_CHANGE_TRACKING_INCONSISTENT_TRACKING_FILE);
}

static bool snap_type_valid(uint32_t t)
{
    return t == RSVD_SVHDX_SNAPSHOT_TYPE_VM || t == RSVD_SVHDX_SNAPSHOT_TYPE_CDP ||
           t == RSVD_SVHDX_SNAPSHOT_TYPE_WRITEABLE;
}

/* ------------------------------------------------------------------------ */
/* Metadata codec                                                            */
/* ------------------------------------------------------------------------ */

int sd_meta_decode_header(const uint8_t *buf, size_t len, sd_meta_header *out)
{
    memset(out, 0, sizeof *out);
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    const uint8_t *sig = rsvd_rd_take(&r, 8);        /* 0: Signature */
    uint32_t version = rsvd_rd_u32(&r);               /* 8: Version */
    uint32_t checksum = rsvd_rd_u32(&r);              /* 12: Checksum */
    uint32_t file_len = rsvd_rd_u32(&r);              /* 16: FileLength */
    out->chunk_size = rsvd_rd_u32(&r);                /* 20: ChunkSize */
    out->sector_size = rsvd_rd_u32(&r);               /* 24: LogicalSectorSize */
    out->snapshot_count = rsvd_rd_u32(&r);            /* 28: SnapshotCount */
    out->next_seq = rsvd_rd_u64(&r);                  /* 32: NextSequence */
    uint32_t ct_flags = rsvd_rd_u32(&r);              /* 40: TrackingFlags */
    out->ct_broken = rsvd_rd_u32(&r);                 /* 44: TrackingBroken */
    out->ct_max = rsvd_rd_u64(&r);                    /* 48: MaxLogFileSize */
    rsvd_rd_guid(&r, &out->ct_log_id);                /* 56: LogFileId */
    out->vhdset_name_len = rsvd_rd_u16(&r);           /* 72: VhdSetNameLength */
    rsvd_rd_skip(&r, 6);                              /* 74: Reserved */
    out->vhdset_name = rsvd_rd_take(&r, out->vhdset_name_len); /* 80: VhdSetName */
    rsvd_rd_skip(&r, (size_t)(rsvd_wire_align8(out->vhdset_name_len) - out->vhdset_name_len));
    if (!rsvd_rd_ok(&r))
        return RSVD_E_WIRE_SHORT;
    if (memcmp(sig, meta_signature, sizeof meta_signature) != 0 || version != META_VERSION)
        return RSVD_E_WIRE_VALUE;
    if (file_len != len)
        return RSVD_E_WIRE_RANGE;
    uint8_t zero[4] = {0};
    uint32_t crc = rsvd_crc32c(0, buf, 12);
    crc = rsvd_crc32c(crc, zero, sizeof zero);
    crc = rsvd_crc32c(crc, buf + 16, len - 16);
    if (crc != checksum)
        return RSVD_E_WIRE_VALUE;
    if (!pow2_between(out->sector_size, 512u, 65536u) ||
        !pow2_between(out->chunk_size, out->sector_size, SD_CHUNK_MAX) ||
        (ct_flags & ~META_CT_ACTIVE) || !ct_status_valid(out->ct_broken) ||
        out->vhdset_name_len >= SD_PATH_MAX || memchr(out->vhdset_name, 0, out->vhdset_name_len))
        return RSVD_E_WIRE_VALUE;
    out->ct_active = (ct_flags & META_CT_ACTIVE) != 0;
    out->entries_off = rsvd_rd_pos(&r);
    if (out->snapshot_count > SD_SNAPSHOTS_LIMIT ||
        (uint64_t)out->snapshot_count * SD_META_ENTRY_SIZE != rsvd_rd_left(&r))
        return RSVD_E_WIRE_COUNT;
    return RSVD_OK;
}

int sd_meta_decode_entry(const uint8_t *buf, size_t len, const sd_meta_header *h, uint32_t i,
                         sd_snap *out)
{
    memset(out, 0, sizeof *out);
    if (i >= h->snapshot_count)
        return RSVD_E_INVAL;
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    rsvd_rd_seek(&r, h->entries_off + (uint64_t)i * SD_META_ENTRY_SIZE);
    rsvd_rd_guid(&r, &out->id);                       /* 0: SnapshotId */
    rsvd_rd_guid(&r, &out->parent_id);                /* 16: ParentSnapshotId */
    rsvd_rd_guid(&r, &out->log_file_id);              /* 32: LogFileId */
    out->created_ms = rsvd_rd_u64(&r);                /* 48: CreationTime */
    out->size = rsvd_rd_u64(&r);                      /* 56: VirtualSize */
    out->seq = rsvd_rd_u64(&r);                       /* 64: Sequence */
    out->type = rsvd_rd_u32(&r);                      /* 72: SnapshotType */
    out->flags = rsvd_rd_u32(&r);                     /* 76: Flags */
    rsvd_rd_skip(&r, 32);                             /* 80: Reserved */
    if (!rsvd_rd_ok(&r))
        return RSVD_E_WIRE_SHORT;
    if (rsvd_guid_is_zero(&out->id) || !snap_type_valid(out->type) ||
        (out->flags & ~SD_SNAP_FLAGS_KNOWN) || out->size == 0 || out->size % h->sector_size ||
        out->size / h->chunk_size >= SD_CHUNKS_MAX || out->seq >= h->next_seq)
        return RSVD_E_WIRE_VALUE;
    return RSVD_OK;
}

static size_t meta_encode(const rsvd_scsi_disk *d, uint8_t *buf, size_t cap)
{
    const sd_store *st = d->store;
    size_t name_len = strlen(st->vhdset_name);
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_bytes(&w, meta_signature, sizeof meta_signature); /* 0: Signature */
    rsvd_wr_u32(&w, META_VERSION);                    /* 8: Version */
    rsvd_wr_u32(&w, 0);                               /* 12: Checksum, set below */
    rsvd_wr_u32(&w, 0);                               /* 16: FileLength, set below */
    rsvd_wr_u32(&w, st->chunk);                       /* 20: ChunkSize */
    rsvd_wr_u32(&w, d->lbs);                          /* 24: LogicalSectorSize */
    rsvd_wr_u32(&w, st->nsnaps);                      /* 28: SnapshotCount */
    rsvd_wr_u64(&w, st->next_seq);                    /* 32: NextSequence */
    rsvd_wr_u32(&w, st->ct_active ? META_CT_ACTIVE : 0); /* 40: TrackingFlags */
    rsvd_wr_u32(&w, st->ct_broken);                   /* 44: TrackingBroken */
    rsvd_wr_u64(&w, st->ct_max);                      /* 48: MaxLogFileSize */
    rsvd_wr_guid(&w, &st->ct_log_id);                 /* 56: LogFileId */
    rsvd_wr_u16(&w, (uint16_t)name_len);              /* 72: VhdSetNameLength */
    rsvd_wr_zeros(&w, 6);                             /* 74: Reserved */
    rsvd_wr_bytes(&w, st->vhdset_name, name_len);     /* 80: VhdSetName */
    rsvd_wr_pad8(&w);
    for (uint32_t i = 0; i < st->nsnaps; i++) {
        const sd_snap *s = &st->snaps[i];
        rsvd_wr_guid(&w, &s->id);                     /* 0: SnapshotId */
        rsvd_wr_guid(&w, &s->parent_id);              /* 16: ParentSnapshotId */
        rsvd_wr_guid(&w, &s->log_file_id);            /* 32: LogFileId */
        rsvd_wr_u64(&w, s->created_ms);               /* 48: CreationTime */
        rsvd_wr_u64(&w, s->size);                     /* 56: VirtualSize */
        rsvd_wr_u64(&w, s->seq);                      /* 64: Sequence */
        rsvd_wr_u32(&w, s->type);                     /* 72: SnapshotType */
        rsvd_wr_u32(&w, s->flags);                    /* 76: Flags */
        rsvd_wr_zeros(&w, 32);                        /* 80: Reserved */
    }
    size_t n = rsvd_wr_pos(&w);
    rsvd_wr_u32_at(&w, 16, (uint32_t)n);
    rsvd_wr_u32_at(&w, 12, rsvd_crc32c(0, buf, n));
    return rsvd_wr_ok(&w) ? n : 0;
}

/* ------------------------------------------------------------------------ */
/* Files of the store                                                        */
/* ------------------------------------------------------------------------ */

bool sd_store_path(const sd_store *st, const char *suffix, char *out, size_t cap)
{
    size_t a = strlen(st->name), b = strlen(suffix);
    if (a + b + 1 > cap)
        return false;
    memcpy(out, st->name, a);
    memcpy(out + a, suffix, b + 1);
    return true;
}

/* Writes @p len bytes to a new file @p path, made durable, then renames it
 * over @p final: a reader sees the old file or the new one, never a mix. */
uint32_t sd_store_replace(sd_store *st, const char *final, const uint8_t *buf, size_t len,
                          rsvd_pfile *keep)
{
    char tmp[SD_PATH_MAX];
    size_t n = strlen(final);
    if (n + 5 > sizeof tmp)
        return RSVD_STATUS_OBJECT_NAME_INVALID;
    memcpy(tmp, final, n);
    memcpy(tmp + n, ".tmp", 5);
    rsvd_pfile f;
    rsvd_pfile_args pa = {.dirfd = st->dirfd, .path = tmp, .flags = O_RDWR | O_CREAT | O_TRUNC,
                          .create_mode = 0600};
    uint32_t s = rsvd_pfile_open(&f, st->sys, &pa, NULL);
    if (s != RSVD_STATUS_SUCCESS)
        return s;
    size_t done;
    s = rsvd_pfile_write(&f, 0, buf, len, &done);
    if (s == RSVD_STATUS_SUCCESS)
        s = rsvd_pfile_flush(&f);
    if (s == RSVD_STATUS_SUCCESS && st->sys->renameat(st->dirfd, tmp, st->dirfd, final) != 0)
        s = rsvd_status_from_errno(errno);
    if (s != RSVD_STATUS_SUCCESS) {
        rsvd_pfile_close(&f);
        (void)st->sys->unlinkat(st->dirfd, tmp, 0);
        return s;
    }
    /* The rename is durable once the directory is. */
    (void)st->sys->fdatasync(st->dirfd);
    if (keep)
        *keep = f;
    else
        rsvd_pfile_close(&f);
    return RSVD_STATUS_SUCCESS;
}

uint32_t sd_store_save(rsvd_scsi_disk *d)
{
    sd_store *st = d->store;
    size_t n = meta_encode(d, st->meta_buf, st->meta_cap);
    char path[SD_PATH_MAX];
    if (n == 0 || !sd_store_path(st, ".rsvdmeta", path, sizeof path))
        return RSVD_STATUS_UNSUCCESSFUL; /* cannot happen: the buffer fits a full store */
    return sd_store_replace(st, path, st->meta_buf, n, NULL);
}

/* Reads NAME.rsvdmeta into the store. A missing file is a new store. */
static int store_load(rsvd_scsi_disk *d)
{
    sd_store *st = d->store;
    char path[SD_PATH_MAX];
    if (!sd_store_path(st, ".rsvdmeta", path, sizeof path))
        return RSVD_E_INVAL;
    rsvd_pfile f;
    rsvd_pfile_args pa = {.dirfd = st->dirfd, .path = path, .flags = O_RDONLY};
    uint32_t s = rsvd_pfile_open(&f, st->sys, &pa, NULL);
    if (s == RSVD_STATUS_OBJECT_NAME_NOT_FOUND)
        return RSVD_OK;
    if (s != RSVD_STATUS_SUCCESS)
        return RSVD_E_IO;
    struct statx sx;
    size_t done = 0;
    s = rsvd_pfile_stat(&f, &sx);
    if (s == RSVD_STATUS_SUCCESS && sx.stx_size > st->meta_cap)
        s = RSVD_STATUS_FILE_CORRUPT_ERROR; /* more than max_snapshots could fill */
    if (s == RSVD_STATUS_SUCCESS)
        s = rsvd_pfile_read(&f, 0, st->meta_buf, (size_t)sx.stx_size, &done);
    rsvd_pfile_close(&f);
    if (s != RSVD_STATUS_SUCCESS)
        return s == RSVD_STATUS_FILE_CORRUPT_ERROR ? RSVD_E_LIMIT : RSVD_E_IO;
    sd_meta_header h;
    if (sd_meta_decode_header(st->meta_buf, done, &h) != RSVD_OK || h.sector_size != d->lbs)
        return RSVD_E_IO;
    if (h.snapshot_count > st->max_snaps)
        return RSVD_E_LIMIT;
    st->chunk = h.chunk_size; /* the store keeps the unit it was made with */
    st->next_seq = h.next_seq;
    st->ct_active = h.ct_active;
    st->ct_broken = h.ct_broken;
    st->ct_max = h.ct_max;
    st->ct_log_id = h.ct_log_id;
    memcpy(st->vhdset_name, h.vhdset_name, h.vhdset_name_len);
    st->vhdset_name[h.vhdset_name_len] = '\0';
    for (uint32_t i = 0; i < h.snapshot_count; i++) {
        sd_snap *e = &st->snaps[i];
        if (sd_meta_decode_entry(st->meta_buf, done, &h, i, e) != RSVD_OK)
            return RSVD_E_IO;
        e->file.fd = -1;
        /* Oldest first, each id once. */
        if (i > 0 && e->seq <= st->snaps[i - 1].seq)
            return RSVD_E_IO;
        for (uint32_t j = 0; j < i; j++)
            if (rsvd_guid_equal(&st->snaps[j].id, &e->id))
                return RSVD_E_IO;
        st->nsnaps = i + 1;
    }
    return RSVD_OK;
}

static bool storage_name_ok(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > SD_NAME_MAX || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return false;
    char tmp[SD_NAME_MAX + 1];
    /* One component: what rsvd_posix_resolve_name() accepts, without a separator. */
    return !strpbrk(name, "/\\") &&
           rsvd_posix_resolve_name(name, tmp, sizeof tmp) == RSVD_STATUS_SUCCESS;
}

int sd_store_open(rsvd_scsi_disk *d, const rsvd_scsi_disk_config *cfg, const rsvd_posix_sys *sys)
{
    uint32_t chunk = cfg->chunk_size ? cfg->chunk_size
                                     : (d->lbs > SD_CHUNK_DEFAULT ? d->lbs : SD_CHUNK_DEFAULT);
    uint32_t max_snaps = cfg->max_snapshots ? cfg->max_snapshots : SD_SNAPSHOTS_DEFAULT;
    if (!storage_name_ok(cfg->storage_name) || !pow2_between(chunk, d->lbs, SD_CHUNK_MAX) ||
        max_snaps > SD_SNAPSHOTS_LIMIT)
        return RSVD_E_INVAL;
    sd_store *st = rsvd_mem_calloc(d->mem, 1, sizeof *st);
    if (!st)
        return RSVD_E_NOMEM;
    st->sys = sys;
    st->dirfd = -1;
    st->chunk = chunk;
    st->max_snaps = max_snaps;
    st->next_seq = 1;
    st->log.fd = -1;
    memcpy(st->name, cfg->storage_name, strlen(cfg->storage_name) + 1);
    /* The metadata file of a full store: header, the longest VHD-set name,
     * every entry. */
    st->meta_cap = SD_META_HEADER_SIZE + SD_PATH_MAX + (size_t)max_snaps * SD_META_ENTRY_SIZE;
    st->meta_buf = rsvd_mem_alloc(d->mem, st->meta_cap);
    st->snaps = rsvd_mem_calloc(d->mem, max_snaps, sizeof *st->snaps);
    d->store = st;
    int rc = (st->meta_buf && st->snaps) ? RSVD_OK : RSVD_E_NOMEM;
    if (rc == RSVD_OK) {
        st->dirfd = sys->open(cfg->storage_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
        rc = st->dirfd >= 0 ? store_load(d) : RSVD_E_IO;
    }
    if (rc == RSVD_OK) {
        st->chunk_buf = rsvd_mem_alloc(d->mem, st->chunk);
        rc = st->chunk_buf ? RSVD_OK : RSVD_E_NOMEM;
    }
    if (rc == RSVD_OK)
        rc = sd_snap_load_all(d);
    if (rc == RSVD_OK)
        sd_track_load(d);
    if (rc != RSVD_OK)
        sd_store_close(d);
    return rc;
}

void sd_store_close(rsvd_scsi_disk *d)
{
    sd_store *st = d->store;
    if (!st)
        return;
    if (st->snaps)
        for (uint32_t i = 0; i < st->nsnaps; i++)
            sd_snap_close(d, &st->snaps[i]);
    sd_track_close(d);
    if (st->dirfd >= 0)
        st->sys->close(st->dirfd);
    rsvd_mem_free(d->mem, st->snaps);
    rsvd_mem_free(d->mem, st->meta_buf);
    rsvd_mem_free(d->mem, st->chunk_buf);
    rsvd_mem_free(d->mem, st);
    d->store = NULL;
}

/* ------------------------------------------------------------------------ */
/* Hooks                                                                     */
/* ------------------------------------------------------------------------ */

uint32_t sd_store_write(rsvd_scsi_disk *d, uint64_t off, const uint8_t *data, size_t len)
{
    /* Order: the old content is safe for the snapshots before the change is
     * recorded, and the change is recorded before it is made. */
    uint32_t st = sd_snap_preserve(d, off, len);
    if (st != RSVD_STATUS_SUCCESS)
        return st;
    sd_track_write(d, off, len);
    return d->block.ops->write(d->block.ctx, off, data, len);
}

bool sd_store_missing(rsvd_scsi_disk *d, rsvd_completion c)
{
    if (d->store)
        return false;
    /* [MS-RSVD] 3.2.5.5.7.1, 3.2.5.5.9: what a disk that is not a VHD set answers. */
    sd_fail(c, RSVD_STATUS_INVALID_DEVICE_REQUEST);
    return true;
}

rsvd_scsi_disk *sd_store_disk(void *handle, bool args_ok, rsvd_completion c)
{
    sd_handle *h = sd_handle_get(handle);
    if (!h || !args_ok) {
        sd_fail(c, h ? RSVD_STATUS_INVALID_PARAMETER : RSVD_STATUS_INVALID_HANDLE);
        return NULL;
    }
    return sd_store_missing(h->disk, c) ? NULL : h->disk;
}

void sd_progress_start(rsvd_disk_meta_result *out, uint64_t total)
{
    out->progress_current = 0;
    out->progress_complete = total;
    out->change_tracking_status = RSVD_STATUS_SUCCESS;
}
