/*
 * Extract ([MS-RSVD] 3.2.5.5.7.3): a snapshot of the built-in disk written
 * as a standalone dynamic VHDX file ([MS-VHDX]), the format Windows
 * produces, under the disk's storage directory.
 *
 * Layout of the file (every region at a 1 MiB boundary, as [MS-VHDX] 2.2
 * requires):
 *
 *   0         file type identifier ("vhdxfile", creator "librsvd")
 *   64 KiB    header 1, 128 KiB header 2 (sequence numbers 1 and 2)
 *   192 KiB   region table 1, 256 KiB region table 2 (the same): the BAT
 *             and the metadata region
 *   1 MiB     the log, 1 MiB, empty (LogGuid zero: nothing to replay)
 *   2 MiB     the metadata region, 1 MiB: file parameters (1 MiB blocks,
 *             no parent), virtual disk size, virtual disk id (page 83
 *             data, the disk's id), logical and physical sector sizes
 *   3 MiB     the BAT, rounded up to 1 MiB
 *   then      payload blocks, 1 MiB each, in block order
 *
 * A block of the snapshot that is all zeros is PAYLOAD_BLOCK_ZERO and takes
 * no space; every other block is PAYLOAD_BLOCK_FULLY_PRESENT. The sector
 * bitmap entries of a disk without a parent are PAYLOAD_BLOCK_NOT_PRESENT.
 * VHDX knows logical sectors of 512 and 4096 bytes only; a disk with other
 * sectors answers STATUS_NOT_SUPPORTED. A physical sector of 4096 bytes or
 * more is recorded as 4096, a smaller one as 512.
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

/* Offsets and sizes, in bytes. */
#define VX_MIB 0x100000u
#define VX_HEADER1_OFF 0x10000u  /* 64 KiB */
#define VX_HEADER2_OFF 0x20000u  /* 128 KiB */
#define VX_REGION1_OFF 0x30000u  /* 192 KiB */
#define VX_REGION2_OFF 0x40000u  /* 256 KiB */
#define VX_HEADER_SIZE 0x1000u   /* 4 KiB */
#define VX_REGION_SIZE 0x10000u  /* 64 KiB */
#define VX_LOG_OFF 0x100000u     /* 1 MiB */
#define VX_LOG_LEN 0x100000u
#define VX_META_OFF 0x200000u    /* 2 MiB */
#define VX_META_ITEMS 0x10000u   /* items start past the table ([MS-VHDX] 2.6.1) */
#define VX_BAT_OFF 0x300000u     /* 3 MiB */
#define VX_BLOCK 0x100000u       /* payload block: 1 MiB */
/* The largest virtual disk VHDX allows: 64 TiB. */
#define VX_MAX_SIZE (64ull << 40)

/* BAT states ([MS-VHDX] 2.5.1). */
#define VX_PAYLOAD_BLOCK_ZERO 2u
#define VX_PAYLOAD_BLOCK_FULLY_PRESENT 6u
/* Metadata entry flags ([MS-VHDX] 2.6.1.2). */
#define VX_META_IS_VIRTUAL_DISK 0x2u
#define VX_META_IS_REQUIRED 0x4u

/* GUIDs of [MS-VHDX] 2.3 and 2.6, as they lie in the file. */
typedef struct vx_guid {
    uint32_t d1;
    uint16_t d2, d3;
    uint8_t d4[8];
} vx_guid;
static const vx_guid vx_bat_region = {
    0x2DC27766, 0xF623, 0x4200, {0x9D, 0x64, 0x11, 0x5E, 0x9B, 0xFD, 0x4A, 0x08}};
static const vx_guid vx_metadata_region = {
    0x8B7CA206, 0x4790, 0x4B9A, {0xB8, 0xFE, 0x57, 0x5F, 0x05, 0x0F, 0x88, 0x6E}};
static const vx_guid vx_file_parameters = {
    0xCAA16737, 0xFA36, 0x4D43, {0xB3, 0xB6, 0x33, 0xF0, 0xAA, 0x44, 0xE7, 0x6B}};
static const vx_guid vx_virtual_disk_size = {
    0x2FA54224, 0xCD1B, 0x4876, {0xB2, 0x11, 0x5D, 0xBE, 0xD8, 0x3B, 0xF4, 0xB8}};
static const vx_guid vx_page83_data = {
    0xBECA12AB, 0xB2E6, 0x4523, {0x93, 0xEF, 0xC3, 0x09, 0xE0, 0x00, 0xC7, 0x46}};
static const vx_guid vx_logical_sector_size = {
    0x8141BF1D, 0xA96F, 0x4709, {0xBA, 0x47, 0xF2, 0x33, 0xA8, 0xFA, 0xAB, 0x5F}};
static const vx_guid vx_physical_sector_size = {
    0xCDA348C7, 0x445D, 0x4471, {0x9C, 0xC9, 0xE9, 0x88, 0x52, 0x51, 0xC5, 0x56}};

static void wr_vx_guid(rsvd_wr *w, const vx_guid *g)
{
    rsvd_wr_u32(w, g->d1);
    rsvd_wr_u16(w, g->d2);
    rsvd_wr_u16(w, g->d3);
    rsvd_wr_bytes(w, g->d4, sizeof g->d4);
}

/* ------------------------------------------------------------------------ */
/* Structures                                                                */
/* ------------------------------------------------------------------------ */

/* [MS-VHDX] 2.2.1 File type identifier. */
static void vx_file_identifier(uint8_t *buf, size_t cap)
{
    static const char creator[] = "librsvd";
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_bytes(&w, "vhdxfile", 8);            /* 0: Signature */
    for (size_t i = 0; i < sizeof creator - 1; i++)
        rsvd_wr_u16(&w, (uint16_t)creator[i]);   /* 8: Creator, UTF-16LE */
}

/* [MS-VHDX] 2.2.2 Headers: CRC-32C over the 4 KiB with Checksum zero. */
static void vx_header(uint8_t *buf, uint64_t seq, const rsvd_guid *file_write,
                      const rsvd_guid *data_write)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, VX_HEADER_SIZE);
    rsvd_wr_bytes(&w, "head", 4);                /* 0: Signature */
    rsvd_wr_u32(&w, 0);                          /* 4: Checksum, set below */
    rsvd_wr_u64(&w, seq);                        /* 8: SequenceNumber */
    rsvd_wr_guid(&w, file_write);                /* 16: FileWriteGuid */
    rsvd_wr_guid(&w, data_write);                /* 32: DataWriteGuid */
    rsvd_wr_zeros(&w, 16);                       /* 48: LogGuid: no log to replay */
    rsvd_wr_u16(&w, 0);                          /* 64: LogVersion */
    rsvd_wr_u16(&w, 1);                          /* 66: Version */
    rsvd_wr_u32(&w, VX_LOG_LEN);                 /* 68: LogLength */
    rsvd_wr_u64(&w, VX_LOG_OFF);                 /* 72: LogOffset */
    rsvd_wr_zeros(&w, VX_HEADER_SIZE - 80);      /* 80: Reserved */
    rsvd_wr_u32_at(&w, 4, rsvd_crc32c(0, buf, VX_HEADER_SIZE));
}

/* [MS-VHDX] 2.2.3 Region table: CRC-32C over the 64 KiB. */
static void vx_region_table(uint8_t *buf, uint32_t bat_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, VX_REGION_SIZE);
    rsvd_wr_bytes(&w, "regi", 4);                /* 0: Signature */
    rsvd_wr_u32(&w, 0);                          /* 4: Checksum, set below */
    rsvd_wr_u32(&w, 2);                          /* 8: EntryCount */
    rsvd_wr_u32(&w, 0);                          /* 12: Reserved */
    wr_vx_guid(&w, &vx_bat_region);              /* entry: Guid */
    rsvd_wr_u64(&w, VX_BAT_OFF);                 /*        FileOffset */
    rsvd_wr_u32(&w, bat_len);                    /*        Length */
    rsvd_wr_u32(&w, 1);                          /*        Required */
    wr_vx_guid(&w, &vx_metadata_region);
    rsvd_wr_u64(&w, VX_META_OFF);
    rsvd_wr_u32(&w, VX_MIB);
    rsvd_wr_u32(&w, 1);
    rsvd_wr_zeros(&w, VX_REGION_SIZE - rsvd_wr_pos(&w));
    rsvd_wr_u32_at(&w, 4, rsvd_crc32c(0, buf, VX_REGION_SIZE));
}

/* [MS-VHDX] 2.6 Metadata region: the table, then the items at 64 KiB. */
static size_t vx_metadata(uint8_t *buf, size_t cap, uint64_t size, const rsvd_guid *disk_id,
                          uint32_t lbs, uint32_t pbs)
{
    static const struct {
        const vx_guid *id;
        uint32_t len, flags;
    } items[] = {
        {&vx_file_parameters, 8, VX_META_IS_REQUIRED},
        {&vx_virtual_disk_size, 8, VX_META_IS_VIRTUAL_DISK | VX_META_IS_REQUIRED},
        {&vx_page83_data, 16, VX_META_IS_VIRTUAL_DISK | VX_META_IS_REQUIRED},
        {&vx_logical_sector_size, 4, VX_META_IS_VIRTUAL_DISK | VX_META_IS_REQUIRED},
        {&vx_physical_sector_size, 4, VX_META_IS_VIRTUAL_DISK | VX_META_IS_REQUIRED},
    };
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_bytes(&w, "metadata", 8);            /* 0: Signature */
    rsvd_wr_u16(&w, 0);                          /* 8: Reserved */
    rsvd_wr_u16(&w, (uint16_t)(sizeof items / sizeof items[0])); /* 10: EntryCount */
    rsvd_wr_zeros(&w, 20);                       /* 12: Reserved2 */
    uint32_t at = VX_META_ITEMS;
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
        wr_vx_guid(&w, items[i].id);             /* ItemId */
        rsvd_wr_u32(&w, at);                     /* Offset */
        rsvd_wr_u32(&w, items[i].len);           /* Length */
        rsvd_wr_u32(&w, items[i].flags);         /* IsUser, IsVirtualDisk, IsRequired */
        rsvd_wr_u32(&w, 0);                      /* Reserved2 */
        at += items[i].len;
    }
    rsvd_wr_zeros(&w, VX_META_ITEMS - rsvd_wr_pos(&w));
    rsvd_wr_u32(&w, VX_BLOCK);                   /* FileParameters: BlockSize */
    rsvd_wr_u32(&w, 0);                          /*   LeaveBlocksAllocated 0, HasParent 0 */
    rsvd_wr_u64(&w, size);                       /* VirtualDiskSize */
    rsvd_wr_guid(&w, disk_id);                   /* Page83Data */
    rsvd_wr_u32(&w, lbs);                        /* LogicalSectorSize */
    rsvd_wr_u32(&w, pbs);                        /* PhysicalSectorSize */
    return rsvd_wr_ok(&w) ? rsvd_wr_pos(&w) : 0;
}

/* ------------------------------------------------------------------------ */
/* Writing                                                                   */
/* ------------------------------------------------------------------------ */

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

static uint32_t put(rsvd_pfile *f, uint64_t off, const uint8_t *buf, size_t len)
{
    size_t done;
    return rsvd_pfile_write(f, off, buf, len, &done);
}

/* Writes snapshot @p s into the empty file @p f. */
static uint32_t vx_write(rsvd_scsi_disk *d, const sd_snap *s, rsvd_pfile *f,
                         rsvd_disk_meta_result *out)
{
    uint64_t nblocks = (s->size + VX_BLOCK - 1) / VX_BLOCK;
    /* [MS-VHDX] 2.5: a sector bitmap entry after every chunk_ratio blocks. */
    uint64_t chunk_ratio = ((uint64_t)1 << 23) * d->lbs / VX_BLOCK;
    uint64_t entries = nblocks + (nblocks - 1) / chunk_ratio;
    uint64_t bat_len = (entries * 8 + VX_MIB - 1) / VX_MIB * VX_MIB;
    uint8_t *bat = rsvd_mem_calloc(d->mem, (size_t)entries, 8);
    uint8_t *buf = rsvd_mem_alloc(d->mem, VX_REGION_SIZE > VX_BLOCK ? VX_REGION_SIZE : VX_BLOCK);
    uint32_t r = (bat && buf) ? RSVD_STATUS_SUCCESS : RSVD_STATUS_INSUFFICIENT_RESOURCES;
    uint64_t payload = VX_BAT_OFF + bat_len;
    for (uint64_t b = 0; r == RSVD_STATUS_SUCCESS && b < nblocks; b++) {
        uint64_t at = b * VX_BLOCK;
        size_t n = s->size - at < VX_BLOCK ? (size_t)(s->size - at) : VX_BLOCK;
        r = sd_snap_read(d, s, at, buf, n);
        if (r != RSVD_STATUS_SUCCESS)
            break;
        memset(buf + n, 0, VX_BLOCK - n);
        uint64_t entry = VX_PAYLOAD_BLOCK_ZERO;
        if (!all_zero(buf, n)) {
            r = put(f, payload, buf, VX_BLOCK);
            entry = VX_PAYLOAD_BLOCK_FULLY_PRESENT | (payload / VX_MIB) << 20;
            payload += VX_BLOCK;
        }
        rsvd_wr w;
        rsvd_wr_init(&w, bat + (b + b / chunk_ratio) * 8, 8);
        rsvd_wr_u64(&w, entry);
        out->progress_current += n;
    }
    if (r == RSVD_STATUS_SUCCESS)
        r = put(f, VX_BAT_OFF, bat, (size_t)entries * 8);
    uint32_t pbs = d->pbs >= 4096u ? 4096u : 512u;
    if (r == RSVD_STATUS_SUCCESS) {
        size_t n = vx_metadata(buf, VX_BLOCK, s->size, &d->disk_id, d->lbs, pbs);
        r = put(f, VX_META_OFF, buf, n);
    }
    if (r == RSVD_STATUS_SUCCESS) {
        vx_region_table(buf, (uint32_t)bat_len);
        r = put(f, VX_REGION1_OFF, buf, VX_REGION_SIZE);
        if (r == RSVD_STATUS_SUCCESS)
            r = put(f, VX_REGION2_OFF, buf, VX_REGION_SIZE);
    }
    /* The snapshot is what the file holds: its id names the content
     * (DataWriteGuid), the disk's the file. */
    for (uint64_t seq = 1; r == RSVD_STATUS_SUCCESS && seq <= 2; seq++) {
        vx_header(buf, seq, &d->disk_id, &s->id);
        r = put(f, seq == 1 ? VX_HEADER1_OFF : VX_HEADER2_OFF, buf, VX_HEADER_SIZE);
    }
    if (r == RSVD_STATUS_SUCCESS) {
        memset(buf, 0, VX_HEADER1_OFF);
        vx_file_identifier(buf, VX_HEADER1_OFF);
        r = put(f, 0, buf, VX_HEADER1_OFF);
    }
    /* The file ends where the payload does (the regions before it are
     * there even when no block is). */
    if (r == RSVD_STATUS_SUCCESS && f->sys->ftruncate(f->fd, (off_t)payload) != 0)
        r = rsvd_status_from_errno(errno);
    if (r == RSVD_STATUS_SUCCESS)
        r = rsvd_pfile_flush(f);
    rsvd_mem_free(d->mem, bat);
    rsvd_mem_free(d->mem, buf);
    return r;
}

/* ------------------------------------------------------------------------ */
/* The backend function                                                      */
/* ------------------------------------------------------------------------ */

bool sd_doomed_delete(rsvd_scsi_disk *d, sd_handle *h)
{
    bool any = h->doomed != NULL;
    while (h->doomed) {
        sd_doomed *x = h->doomed;
        h->doomed = x->next;
        (void)d->store->sys->unlinkat(d->store->dirfd, x->path, 0);
        rsvd_mem_free(d->mem, x);
    }
    return any;
}

void sd_extract(void *ctx, void *handle, const rsvd_disk_extract_args *args,
                rsvd_disk_meta_result *out, rsvd_completion c)
{
    (void)ctx;
    rsvd_scsi_disk *d = sd_store_disk(handle, args && out, c);
    if (!d)
        return;
    sd_handle *h = sd_handle_get(handle);
    sd_store *st = d->store;
    char path[SD_PATH_MAX];
    uint32_t r = RSVD_STATUS_SUCCESS;
    const sd_snap *s = sd_snap_find(st, &args->source_snapshot_id);
    if (!s || s->type != args->snapshot_type ||
        (!rsvd_guid_is_zero(&args->source_limit_snapshot_id) &&
         !sd_snap_find(st, &args->source_limit_snapshot_id)))
        r = RSVD_STATUS_INVALID_PARAMETER; /* not a valid snapshot ID */
    else if (args->flags & ~RSVD_SVHDX_EXTRACT_SNAPSHOTS_FLAG_DELETE_ON_CLOSE)
        r = RSVD_STATUS_INVALID_PARAMETER_2;
    else if (!s->readable)
        r = (s->flags & SD_SNAP_DATA) ? RSVD_STATUS_FILE_CORRUPT_ERROR
                                      : RSVD_STATUS_INVALID_PARAMETER; /* a reference */
    else if (!rsvd_guid_is_zero(&args->source_limit_snapshot_id) ||
             (d->lbs != 512u && d->lbs != 4096u) || s->size > VX_MAX_SIZE)
        /* A differencing VHDX (docs/backends.md), or what VHDX cannot hold. */
        r = RSVD_STATUS_NOT_SUPPORTED;
    else
        r = rsvd_posix_resolve_name(args->destination_file_name, path, sizeof path);
    sd_progress_start(out, s && r == RSVD_STATUS_SUCCESS ? s->size : 0);
    if (r != RSVD_STATUS_SUCCESS) {
        sd_fail(c, r);
        return;
    }
    /* Allocated before the file exists, so that nothing fails after it. */
    sd_doomed *doom = NULL;
    size_t plen = strlen(path);
    if (args->flags & RSVD_SVHDX_EXTRACT_SNAPSHOTS_FLAG_DELETE_ON_CLOSE) {
        doom = rsvd_mem_alloc(d->mem, sizeof *doom + plen + 1);
        if (!doom) {
            sd_fail(c, RSVD_STATUS_INSUFFICIENT_RESOURCES);
            return;
        }
        memcpy(doom->path, path, plen + 1);
    }
    rsvd_pfile f;
    rsvd_pfile_args pa = {.dirfd = st->dirfd, .path = path,
                          .flags = O_RDWR | O_CREAT | O_EXCL, .create_mode = 0600};
    r = rsvd_pfile_open(&f, st->sys, &pa, NULL);
    if (r == RSVD_STATUS_SUCCESS) {
        r = vx_write(d, s, &f, out);
        rsvd_pfile_close(&f);
        if (r != RSVD_STATUS_SUCCESS)
            (void)st->sys->unlinkat(st->dirfd, path, 0); /* no half-written image */
    }
    if (r != RSVD_STATUS_SUCCESS) {
        rsvd_mem_free(d->mem, doom);
        sd_fail(c, r);
        return;
    }
    if (doom) {
        doom->next = h->doomed;
        h->doomed = doom;
    }
    sd_fail(c, RSVD_STATUS_SUCCESS);
}
