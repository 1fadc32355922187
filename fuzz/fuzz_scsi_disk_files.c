/*
 * Fuzz harness: the built-in disk's own files (docs/backends.md,
 * "Version-2 storage") - the metadata file, the change log and a
 * snapshot's delta file - as decoders and as the storage a disk opens.
 *
 * Input:
 *   flags:u8        bit 0: write NAME.rsvdmeta, bit 1: NAME.rsvdlog,
 *                   bit 2: the delta file of snapshot 01010101...,
 *                   bit 3: set every checksum right before writing (so
 *                   that mutations reach the fields behind them)
 *   meta_len:u16le, log_len:u16le, snap_len:u16le
 *   meta_len bytes, log_len bytes, snap_len bytes (cut short by the end of
 *   the input); the delta file is then extended with zeros to 8 KiB, so
 *   that a valid header finds an (empty) bitmap.
 *
 * Every decoder first reads the whole input and each part: sd_meta_decode_*
 * (header and every entry it announces), sd_snap_decode_header,
 * sd_log_decode_header and sd_log_decode_record (every 40 bytes). Then a
 * disk is created over 64 KiB of memory with the files in its storage
 * directory; when it opens, every query runs on it, a snapshot that reads
 * is read, the disk is written, and the snapshot must read the same after
 * the write (copy-on-write); a snapshot is taken and the disk is created
 * again from what it wrote. Checked: no crash, no leak, every call
 * completes once with a status its function documents.
 */
#define _GNU_SOURCE
#include "backends/scsi_disk_int.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rsvd/scsi_disk.h>
#include <rsvd/status.h>
#include <rsvd/wire.h>
#include <rsvd/wire_rsvd.h>

#include "fuzz_common.h"
#include "fuzz_scratch.h"
#include "util/completion.h"
#include "util/crc32c.h"

#define DISK_BYTES 65536u
#define SNAP1 "disk.01010101010101010101010101010101.rsvdsnap"

static uint8_t disk_data[DISK_BYTES];

static uint32_t mem_read(void *ctx, uint64_t off, uint8_t *buf, size_t len)
{
    (void)ctx;
    FUZZ_CHECK(off <= DISK_BYTES && len <= DISK_BYTES - off);
    memcpy(buf, disk_data + off, len);
    return 0;
}

static uint32_t mem_write(void *ctx, uint64_t off, const uint8_t *data, size_t len)
{
    (void)ctx;
    FUZZ_CHECK(off <= DISK_BYTES && len <= DISK_BYTES - off);
    memcpy(disk_data + off, data, len);
    return 0;
}

static uint32_t mem_flush(void *ctx)
{
    (void)ctx;
    return 0;
}

static uint32_t mem_info(void *ctx, rsvd_block_info *out)
{
    (void)ctx;
    out->size = DISK_BYTES;
    out->logical_sector_size = 512;
    out->physical_sector_size = 4096;
    out->file_size = DISK_BYTES;
    out->write_cache = true;
    return 0;
}

static const rsvd_block_ops mem_ops = {.struct_size = sizeof(rsvd_block_ops),
                                       .read = mem_read,
                                       .write = mem_write,
                                       .flush = mem_flush,
                                       .info = mem_info};

/* ---- completions ---- */

typedef struct capture {
    rsvd_completion_sink sink;
    uint64_t tag;
    unsigned count;
    rsvd_io_result r;
} capture;

static int capture_complete(rsvd_completion_sink *self, uint64_t tag, const rsvd_io_result *r)
{
    capture *c = (capture *)self;
    if (tag != c->tag)
        return RSVD_E_STATE;
    c->count++;
    c->r = *r;
    return RSVD_OK;
}

static capture cap;

static rsvd_completion begin(void)
{
    cap.tag++;
    cap.count = 0;
    cap.sink.complete = capture_complete;
    return rsvd_completion_make(&cap.sink, cap.tag);
}

static uint32_t end(void)
{
    FUZZ_CHECK(cap.count == 1);
    return cap.r.status;
}

/* ---- the storage directory ---- */

static const char *dir;

/* Sets the CRC-32C at @p at of the @p n bytes at @p b (with that field
 * taken as zero), when the bytes are there. */
static void fix_crc(uint8_t *b, size_t n, size_t at)
{
    if (n < at + 4)
        return;
    memset(b + at, 0, 4);
    uint32_t c = rsvd_crc32c(0, b, n);
    for (int i = 0; i < 4; i++)
        b[at + (size_t)i] = (uint8_t)(c >> (8 * i));
}

static void fix_checksums(uint8_t *meta, size_t meta_len, uint8_t *log, size_t log_len,
                          uint8_t *snap, size_t snap_len)
{
    fix_crc(meta, meta_len, 12);
    fix_crc(log, log_len < SD_LOG_HEADER_SIZE ? log_len : SD_LOG_HEADER_SIZE, 12);
    for (size_t off = SD_LOG_HEADER_SIZE; off + SD_LOG_RECORD_SIZE <= log_len;
         off += SD_LOG_RECORD_SIZE) {
        memset(log + off, 0, 4);
        uint32_t c = rsvd_crc32c(0, log + off + 4, SD_LOG_RECORD_SIZE - 4);
        for (int i = 0; i < 4; i++)
            log[off + (size_t)i] = (uint8_t)(c >> (8 * i));
    }
    fix_crc(snap, snap_len < SD_SNAP_HEADER_SIZE ? snap_len : SD_SNAP_HEADER_SIZE, 12);
}

static void put(const char *name, const uint8_t *b, size_t n, size_t at_least)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    FUZZ_CHECK(fd >= 0);
    FUZZ_CHECK(n == 0 || write(fd, b, n) == (ssize_t)n);
    if (n < at_least)
        FUZZ_CHECK(ftruncate(fd, (off_t)at_least) == 0);
    close(fd);
}

/* ---- the decoders on raw bytes ---- */

static void decode_all(const uint8_t *b, size_t n)
{
    sd_meta_header h;
    if (sd_meta_decode_header(b, n, &h) == RSVD_OK) {
        FUZZ_CHECK(h.entries_off + (uint64_t)h.snapshot_count * SD_META_ENTRY_SIZE == n);
        for (uint32_t i = 0; i < h.snapshot_count; i++) {
            sd_snap e;
            if (sd_meta_decode_entry(b, n, &h, i, &e) == RSVD_OK)
                FUZZ_CHECK(e.size && e.size % h.sector_size == 0 && e.seq < h.next_seq);
        }
    }
    sd_snap_header sh;
    if (sd_snap_decode_header(b, n, &sh) == RSVD_OK)
        FUZZ_CHECK(sh.nchunks * sh.chunk_size >= sh.size && sh.data_off >= sh.bitmap_off);
    (void)sd_log_decode_header(b, n);
    for (size_t off = 0; off + SD_LOG_RECORD_SIZE <= n && off < 64 * SD_LOG_RECORD_SIZE;
         off += SD_LOG_RECORD_SIZE) {
        sd_log_record r;
        if (sd_log_decode_record(b + off, n - off, &r) == RSVD_OK)
            FUZZ_CHECK(r.type >= SD_LOG_WRITE && r.type <= SD_LOG_STOP);
    }
}

/* ---- a disk over the files ---- */

/* Without fdatasync: durability is not what is fuzzed. */
static int no_sync(int fd)
{
    (void)fd;
    return 0;
}

static const rsvd_posix_sys *fast_sys(void)
{
    static rsvd_posix_sys s;
    s = *rsvd_posix_sys_default();
    s.fdatasync = no_sync;
    return &s;
}

static rsvd_guid guid(uint8_t n)
{
    rsvd_guid g;
    memset(g.b, n, sizeof g.b);
    return g;
}

static bool status_is_ntstatus_error_or_success(uint32_t st)
{
    return st == RSVD_STATUS_SUCCESS || (st & 0xC0000000u) == 0xC0000000u;
}

static void *open_snapshot(const rsvd_scsi_disk_ops *ops, rsvd_scsi_disk_set *set, uint8_t id)
{
    rsvd_backend_open_args a;
    memset(&a, 0, sizeof a);
    a.file_name = "d";
    rsvd_disk_snapshot_target t = {.snapshot_type = RSVD_SVHDX_SNAPSHOT_TYPE_VM,
                                   .snapshot_id = guid(id)};
    ops->open_snapshot(set, &a, &t, begin());
    return end() == RSVD_STATUS_SUCCESS ? cap.r.handle : NULL;
}

/* Reads up to 64 KiB of what handle @p h sees, in 4 KiB reads. */
static size_t read_view(const rsvd_scsi_disk_ops *ops, rsvd_scsi_disk_set *set, void *h,
                        uint8_t *buf)
{
    rsvd_disk_info info;
    ops->get_info(set, h, &info, begin());
    FUZZ_CHECK(end() == RSVD_STATUS_SUCCESS);
    size_t n = info.virtual_size < DISK_BYTES ? (size_t)info.virtual_size : DISK_BYTES;
    for (size_t off = 0; off + 4096 <= n; off += 4096) {
        ops->read(set, h, off, buf + off, 4096, begin());
        FUZZ_CHECK(end() == RSVD_STATUS_SUCCESS);
        if (cap.r.scsi.scsi_status != RSVD_SCSI_STATUS_GOOD)
            memset(buf + off, 0xEE, 4096); /* unreadable: compared as such */
    }
    return n - n % 4096;
}

static void exercise(rsvd_scsi_disk *disk)
{
    rsvd_scsi_disk_set *set = NULL;
    FUZZ_CHECK(rsvd_scsi_disk_set_create(NULL, &set) == RSVD_OK);
    FUZZ_CHECK(rsvd_scsi_disk_set_add(set, NULL, disk) == RSVD_OK);
    const rsvd_scsi_disk_ops *ops = rsvd_scsi_disk_backend_ops();
    rsvd_backend_open_args a;
    memset(&a, 0, sizeof a);
    a.file_name = "d";
    a.has_initiator = true;
    a.initiator_id = guid(0xA1);
    ops->open(set, &a, begin());
    FUZZ_CHECK(end() == RSVD_STATUS_SUCCESS);
    void *h = cap.r.handle;

    /* Every information type of 3.2.5.5.9. */
    static const uint32_t types[] = {2, 5, 8, 9, 10, 12};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        rsvd_guid ids[4];
        rsvd_disk_vhdset_info info;
        memset(&info, 0, sizeof info);
        info.snapshot_ids = ids;
        info.snapshot_ids_cap = 4;
        rsvd_disk_vhdset_query q = {.information_type = types[i],
                                    .snapshot_type = types[i] <= 5 ? 1u : 0u,
                                    .snapshot_id = guid(1)};
        ops->query_vhdset(set, h, &q, &info, begin());
        uint32_t st = end();
        FUZZ_CHECK(status_is_ntstatus_error_or_success(st));
        FUZZ_CHECK(st != RSVD_STATUS_SUCCESS || info.is_valid_snapshot <= 1);
    }
    rsvd_disk_change_tracking_parameters p;
    ops->change_tracking_get_parameters(set, h, &p, begin());
    FUZZ_CHECK(end() == RSVD_STATUS_SUCCESS);
    rsvd_disk_changed_range ranges[8];
    rsvd_disk_changes ch = {.ranges = ranges, .ranges_cap = 8};
    rsvd_disk_query_changes_args qa = {.limit_snapshot_id = guid(1),
                                       .snapshot_type = RSVD_SVHDX_SNAPSHOT_TYPE_VM,
                                       .byte_length = DISK_BYTES};
    ops->query_changes(set, h, &qa, &ch, begin());
    if (end() == RSVD_STATUS_SUCCESS) {
        FUZZ_CHECK(ch.range_count <= 8 && ch.processed_byte_length <= DISK_BYTES);
        for (uint32_t i = 0; i < ch.range_count; i++)
            FUZZ_CHECK(ranges[i].byte_length > 0 &&
                       ranges[i].byte_offset + ranges[i].byte_length <= DISK_BYTES);
    }

    /* A snapshot that reads keeps reading the same across a write. */
    static uint8_t before[DISK_BYTES], after[DISK_BYTES];
    void *v = open_snapshot(ops, set, 1);
    size_t n = v ? read_view(ops, set, v, before) : 0;
    static uint8_t data[8192];
    memset(data, 0x5A, sizeof data);
    ops->write(set, h, 0, data, sizeof data, begin());
    FUZZ_CHECK(end() == RSVD_STATUS_SUCCESS);
    if (v) {
        FUZZ_CHECK(read_view(ops, set, v, after) == n);
        FUZZ_CHECK(memcmp(before, after, n) == 0);
        ops->close(set, v, false, begin());
        FUZZ_CHECK(end() == RSVD_STATUS_SUCCESS);
    }

    /* A snapshot taken, the log optimized, and the metadata written anew. */
    rsvd_disk_snapshot_args sa;
    memset(&sa, 0, sizeof sa);
    sa.transaction_id = guid(0x33);
    sa.snapshot_id = guid(3);
    sa.snapshot_type = RSVD_SVHDX_SNAPSHOT_TYPE_VM;
    sa.flags = RSVD_SVHDX_SNAPSHOT_DISK_FLAG_ENABLE_CHANGE_TRACKING;
    sa.stages[0] = RSVD_SVHDX_SNAPSHOT_STAGE_INITIALIZE;
    sa.stages[1] = RSVD_SVHDX_SNAPSHOT_STAGE_SWITCH_OBJECT_STORE;
    sa.stages[2] = RSVD_SVHDX_SNAPSHOT_STAGE_FINALIZE;
    rsvd_disk_meta_result mr;
    ops->create_snapshot(set, h, &sa, &mr, begin());
    FUZZ_CHECK(status_is_ntstatus_error_or_success(end()));
    rsvd_guid tx = guid(0x34);
    ops->optimize(set, h, &tx, &mr, begin());
    FUZZ_CHECK(status_is_ntstatus_error_or_success(end()));
    ops->close(set, h, false, begin());
    FUZZ_CHECK(end() == RSVD_STATUS_SUCCESS);
    rsvd_scsi_disk_set_destroy(set);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    decode_all(data, size);
    rsvd_rd r;
    rsvd_rd_init(&r, data, size);
    uint8_t flags = rsvd_rd_u8(&r);
    uint16_t lens[3];
    for (int i = 0; i < 3; i++)
        lens[i] = rsvd_rd_u16(&r);
    if (!rsvd_rd_ok(&r))
        return 0;
    const uint8_t *part[3];
    size_t plen[3];
    for (int i = 0; i < 3; i++) {
        plen[i] = lens[i] < rsvd_rd_left(&r) ? lens[i] : rsvd_rd_left(&r);
        part[i] = rsvd_rd_take(&r, plen[i]);
        decode_all(part[i], plen[i]);
    }
    static uint8_t copy[3][65536];
    for (int i = 0; i < 3; i++) {
        memcpy(copy[i], part[i], plen[i]);
        part[i] = copy[i];
    }
    if (flags & 8)
        fix_checksums(copy[0], plen[0], copy[1], plen[1], copy[2], plen[2]);
    dir = fuzz_scratch_fresh("rsvd-fuzz-files");
    if (flags & 1)
        put("disk.rsvdmeta", part[0], plen[0], 0);
    if (flags & 2)
        put("disk.rsvdlog", part[1], plen[1], 0);
    if (flags & 4)
        put(SNAP1, part[2], plen[2], 8192);
    memset(disk_data, 0, sizeof disk_data);
    rsvd_scsi_disk_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.struct_size = sizeof cfg;
    cfg.block.ops = &mem_ops;
    cfg.storage_dir = dir;
    cfg.storage_name = "disk";
    cfg.chunk_size = 4096;
    cfg.max_snapshots = 8;
    for (int life = 0; life < 2; life++) {
        rsvd_scsi_disk *disk = NULL;
        int rc = rsvd_scsi_disk_create_sys(&cfg, fast_sys(), &disk);
        FUZZ_CHECK(rc == RSVD_OK || rc == RSVD_E_IO || rc == RSVD_E_LIMIT);
        if (rc != RSVD_OK) {
            FUZZ_CHECK(life == 0); /* what the disk wrote, it reads */
            break;
        }
        exercise(disk);
        FUZZ_CHECK(rsvd_scsi_disk_destroy(disk) == RSVD_OK);
    }
    return 0;
}
