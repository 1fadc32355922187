/*
 * Change tracking of the built-in disk ([MS-RSVD] 3.2.5.5.11 - 3.2.5.5.14).
 *
 * Every change of the disk's content is appended to a change log,
 * NAME.rsvdlog, before it is made, while tracking runs (CHANGE_TRACKING_START
 * without a STOP) or while a snapshot with change tracking
 * (SVHDX_SNAPSHOT_DISK_FLAG_ENABLE_CHANGE_TRACKING) exists. Such a snapshot
 * is a change-tracking point: its SwitchObjectStore appends a MARK record.
 * The changes between two points are the WRITE records between their
 * MARKs; from a point to the present, the WRITE records after its MARK.
 * The log is a file, so the points and the changes outlive a close and
 * reopen of the disk. Resizes are recorded as changes of the range they
 * add or cut.
 *
 * When the log cannot take a record (MaxLogFileSize reached, an I/O error)
 * tracking is broken: the status says why (RSVD_STATUS_CHANGE_TRACKING_*),
 * nothing more is recorded, and queries that reach past the last record
 * fail, until a CHANGE_TRACKING_START without AppendData starts a new log.
 * The guest's writes never fail because of tracking.
 *
 * NAME.rsvdlog, little-endian: a 64-byte header, then 40-byte records.
 *    0  8  Signature "RSVDCTLG"
 *    8  4  Version (1)
 *   12  4  Checksum: CRC-32C of these 64 bytes with this field zero
 *   16  4  HeaderSize (64)
 *   20  4  RecordSize (40)
 *   24 40  Reserved
 * Record:
 *    0  4  Checksum: CRC-32C of bytes 4 - 39
 *    4  2  Type: 1 WRITE (A offset, B length), 2 MARK (Guid: snapshot),
 *          3 START (Guid: LogFileId, A: MaxLogFileSize, B: AppendData),
 *          4 STOP
 *    6  2  Reserved (0)
 *    8  8  A
 *   16  8  B
 *   24 16  Guid
 * A record cut short at the end of the file (a crash while it was being
 * written) is not part of the log.
 */
#include "backends/scsi_disk_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rsvd/status.h>
#include <rsvd/wire.h>
#include <rsvd/wire_rsvd.h>

#include "util/crc32c.h"
#include "util/mem.h"

static const uint8_t log_signature[8] = {'R', 'S', 'V', 'D', 'C', 'T', 'L', 'G'};
#define LOG_VERSION 1u
/* Records read at a time by a scan. */
#define LOG_SCAN_RECORDS 1024u

/* ------------------------------------------------------------------------ */
/* Codec                                                                     */
/* ------------------------------------------------------------------------ */

int sd_log_decode_header(const uint8_t *buf, size_t len)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    const uint8_t *sig = rsvd_rd_take(&r, 8);    /* 0: Signature */
    uint32_t version = rsvd_rd_u32(&r);          /* 8: Version */
    uint32_t checksum = rsvd_rd_u32(&r);         /* 12: Checksum */
    uint32_t header_size = rsvd_rd_u32(&r);      /* 16: HeaderSize */
    uint32_t record_size = rsvd_rd_u32(&r);      /* 20: RecordSize */
    rsvd_rd_skip(&r, 40);                        /* 24: Reserved */
    if (!rsvd_rd_ok(&r))
        return RSVD_E_WIRE_SHORT;
    if (memcmp(sig, log_signature, sizeof log_signature) != 0 || version != LOG_VERSION ||
        header_size != SD_LOG_HEADER_SIZE || record_size != SD_LOG_RECORD_SIZE)
        return RSVD_E_WIRE_VALUE;
    uint8_t zero[4] = {0};
    uint32_t crc = rsvd_crc32c(0, buf, 12);
    crc = rsvd_crc32c(crc, zero, sizeof zero);
    crc = rsvd_crc32c(crc, buf + 16, SD_LOG_HEADER_SIZE - 16);
    return crc == checksum ? RSVD_OK : RSVD_E_WIRE_VALUE;
}

static void log_header_encode(uint8_t out[SD_LOG_HEADER_SIZE])
{
    rsvd_wr w;
    rsvd_wr_init(&w, out, SD_LOG_HEADER_SIZE);
    rsvd_wr_bytes(&w, log_signature, sizeof log_signature); /* 0: Signature */
    rsvd_wr_u32(&w, LOG_VERSION);                /* 8: Version */
    rsvd_wr_u32(&w, 0);                          /* 12: Checksum, set below */
    rsvd_wr_u32(&w, SD_LOG_HEADER_SIZE);         /* 16: HeaderSize */
    rsvd_wr_u32(&w, SD_LOG_RECORD_SIZE);         /* 20: RecordSize */
    rsvd_wr_zeros(&w, 40);                       /* 24: Reserved */
    rsvd_wr_u32_at(&w, 12, rsvd_crc32c(0, out, SD_LOG_HEADER_SIZE));
}

int sd_log_decode_record(const uint8_t *buf, size_t len, sd_log_record *out)
{
    memset(out, 0, sizeof *out);
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    uint32_t checksum = rsvd_rd_u32(&r);         /* 0: Checksum */
    out->type = rsvd_rd_u16(&r);                 /* 4: Type */
    uint16_t reserved = rsvd_rd_u16(&r);         /* 6: Reserved */
    out->a = rsvd_rd_u64(&r);                    /* 8: A */
    out->b = rsvd_rd_u64(&r);                    /* 16: B */
    rsvd_rd_guid(&r, &out->guid);                /* 24: Guid */
    if (!rsvd_rd_ok(&r))
        return RSVD_E_WIRE_SHORT;
    if (rsvd_crc32c(0, buf + 4, SD_LOG_RECORD_SIZE - 4) != checksum)
        return RSVD_E_WIRE_VALUE;
    if (reserved != 0 || out->type < SD_LOG_WRITE || out->type > SD_LOG_STOP)
        return RSVD_E_WIRE_VALUE;
    if (out->type == SD_LOG_WRITE && (out->b == 0 || out->a > UINT64_MAX - out->b))
        return RSVD_E_WIRE_RANGE;
    return RSVD_OK;
}

static void log_record_encode(const sd_log_record *rec, uint8_t out[SD_LOG_RECORD_SIZE])
{
    rsvd_wr w;
    rsvd_wr_init(&w, out, SD_LOG_RECORD_SIZE);
    rsvd_wr_u32(&w, 0);                          /* 0: Checksum, set below */
    rsvd_wr_u16(&w, rec->type);                  /* 4: Type */
    rsvd_wr_u16(&w, 0);                          /* 6: Reserved */
    rsvd_wr_u64(&w, rec->a);                     /* 8: A */
    rsvd_wr_u64(&w, rec->b);                     /* 16: B */
    rsvd_wr_guid(&w, &rec->guid);                /* 24: Guid */
    rsvd_wr_u32_at(&w, 0, rsvd_crc32c(0, out + 4, SD_LOG_RECORD_SIZE - 4));
}

/* ------------------------------------------------------------------------ */
/* The log file                                                              */
/* ------------------------------------------------------------------------ */

static bool log_path(const sd_store *st, char *out, size_t cap)
{
    return sd_store_path(st, ".rsvdlog", out, cap);
}

static bool any_point(const sd_store *st)
{
    for (uint32_t i = 0; i < st->nsnaps; i++)
        if (st->snaps[i].flags & SD_SNAP_TRACKED)
            return true;
    return false;
}

/* Changes are recorded while tracking runs or a point needs them. */
static bool recording(const sd_store *st)
{
    return !st->ct_broken && (st->ct_active || any_point(st));
}

uint32_t sd_track_status(const rsvd_scsi_disk *d)
{
    const sd_store *st = d->store;
    if (st->ct_broken)
        return st->ct_broken;
    return st->ct_active ? RSVD_STATUS_SUCCESS : RSVD_STATUS_CHANGE_TRACKING_NOT_INITIALIZED;
}

/* Tracking stops for @p why; the metadata keeps the reason, so that a
 * reopened disk does not trust a log that misses changes. */
static void track_break(rsvd_scsi_disk *d, uint32_t why)
{
    if (d->store->ct_broken)
        return;
    d->store->ct_broken = why;
    (void)sd_store_save(d); /* nothing better to do if this fails too */
}

void sd_track_close(rsvd_scsi_disk *d)
{
    sd_store *st = d->store;
    if (st->log_open)
        rsvd_pfile_close(&st->log);
    st->log_open = false;
    st->log_size = 0;
}

void sd_track_load(rsvd_scsi_disk *d)
{
    sd_store *st = d->store;
    char path[SD_PATH_MAX];
    if (!log_path(st, path, sizeof path))
        return;
    rsvd_pfile_args pa = {.dirfd = st->dirfd, .path = path, .flags = O_RDWR};
    uint32_t r = rsvd_pfile_open(&st->log, st->sys, &pa, NULL);
    if (r == RSVD_STATUS_OBJECT_NAME_NOT_FOUND && !recording(st))
        return; /* never needed */
    struct statx sx;
    if (r == RSVD_STATUS_SUCCESS) {
        uint8_t hb[SD_LOG_HEADER_SIZE];
        size_t done = 0;
        st->log_open = true;
        r = rsvd_pfile_read(&st->log, 0, hb, sizeof hb, &done);
        if (r == RSVD_STATUS_SUCCESS && sd_log_decode_header(hb, done) != RSVD_OK)
            r = RSVD_STATUS_FILE_CORRUPT_ERROR;
        if (r == RSVD_STATUS_SUCCESS)
            r = rsvd_pfile_stat(&st->log, &sx);
    }
    if (r != RSVD_STATUS_SUCCESS) {
        sd_track_close(d);
        if (!st->ct_broken && (st->ct_active || any_point(st)))
            st->ct_broken = RSVD_STATUS_CHANGE_TRACKING_INCONSISTENT_TRACKING_FILE;
        return;
    }
    /* Whole records only: the next one is written over a torn tail. */
    st->log_size = SD_LOG_HEADER_SIZE +
                   (sx.stx_size - SD_LOG_HEADER_SIZE) / SD_LOG_RECORD_SIZE * SD_LOG_RECORD_SIZE;
}

/* Starts an empty log (the file made anew). */
static uint32_t log_reset(rsvd_scsi_disk *d)
{
    sd_store *st = d->store;
    char path[SD_PATH_MAX];
    if (!log_path(st, path, sizeof path))
        return RSVD_STATUS_OBJECT_NAME_INVALID;
    uint8_t hb[SD_LOG_HEADER_SIZE];
    log_header_encode(hb);
    rsvd_pfile f;
    uint32_t r = sd_store_replace(st, path, hb, sizeof hb, &f);
    if (r != RSVD_STATUS_SUCCESS)
        return r;
    sd_track_close(d);
    st->log = f;
    st->log_open = true;
    st->log_size = SD_LOG_HEADER_SIZE;
    return RSVD_STATUS_SUCCESS;
}

static uint32_t log_append(rsvd_scsi_disk *d, const sd_log_record *rec)
{
    sd_store *st = d->store;
    if (st->ct_broken)
        return st->ct_broken;
    if (!st->log_open) {
        uint32_t r = log_reset(d);
        if (r != RSVD_STATUS_SUCCESS) {
            track_break(d, RSVD_STATUS_CHANGE_TRACKING_INCONSISTENT_TRACKING_FILE);
            return st->ct_broken;
        }
    }
    if (st->ct_max && st->log_size + SD_LOG_RECORD_SIZE > st->ct_max) {
        track_break(d, RSVD_STATUS_CHANGE_TRACKING_LOGSIZE_EXCEEDED_MAXSIZE);
        return st->ct_broken;
    }
    uint8_t b[SD_LOG_RECORD_SIZE];
    log_record_encode(rec, b);
    size_t done;
    if (rsvd_pfile_write(&st->log, st->log_size, b, sizeof b, &done) != RSVD_STATUS_SUCCESS) {
        track_break(d, RSVD_STATUS_CHANGE_TRACKING_INCONSISTENT_TRACKING_FILE);
        return st->ct_broken;
    }
    st->log_size += SD_LOG_RECORD_SIZE;
    return RSVD_STATUS_SUCCESS;
}

void sd_track_write(rsvd_scsi_disk *d, uint64_t off, uint64_t len)
{
    if (!recording(d->store) || len == 0)
        return;
    sd_log_record rec = {.type = SD_LOG_WRITE, .a = off, .b = len};
    (void)log_append(d, &rec); /* a failure breaks tracking, not the write */
}

uint32_t sd_track_mark(rsvd_scsi_disk *d, const sd_snap *s)
{
    sd_log_record rec = {.type = SD_LOG_MARK, .guid = s->id};
    return log_append(d, &rec);
}

/* ------------------------------------------------------------------------ */
/* Extents                                                                   */
/* ------------------------------------------------------------------------ */

/* A set of byte ranges [start, end), kept sorted and merged by ext_norm(). */
typedef struct ext {
    uint64_t start, end;
} ext;

typedef struct ext_set {
    const rsvd_mem *mem;
    ext *v;
    size_t n, cap;
    bool nomem;
} ext_set;

static int ext_cmp(const void *a, const void *b)
{
    const ext *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* Sorts and merges overlapping and adjacent ranges. */
static void ext_norm(ext_set *s)
{
    if (s->n < 2)
        return;
    qsort(s->v, s->n, sizeof *s->v, ext_cmp);
    size_t o = 0;
    for (size_t i = 1; i < s->n; i++) {
        if (s->v[i].start <= s->v[o].end) {
            if (s->v[i].end > s->v[o].end)
                s->v[o].end = s->v[i].end;
        } else {
            s->v[++o] = s->v[i];
        }
    }
    s->n = o + 1;
}

static void ext_add(ext_set *s, uint64_t start, uint64_t end)
{
    if (start >= end || s->nomem)
        return;
    if (s->n == s->cap) {
        ext_norm(s); /* merging may make room */
        if (s->cap == 0 || s->n * 2 > s->cap) {
            size_t cap = s->cap ? s->cap * 2 : 64;
            ext *v = rsvd_mem_realloc(s->mem, s->v, cap * sizeof *v);
            if (!v) {
                s->nomem = true;
                return;
            }
            s->v = v;
            s->cap = cap;
        }
    }
    s->v[s->n].start = start;
    s->v[s->n].end = end;
    s->n++;
}

static void ext_free(ext_set *s)
{
    rsvd_mem_free(s->mem, s->v);
    s->v = NULL;
    s->n = s->cap = 0;
}

/* ------------------------------------------------------------------------ */
/* Scans                                                                     */
/* ------------------------------------------------------------------------ */

/* Reads the log's records in order and hands each to @p fn until it returns
 * false. @return STATUS_SUCCESS, an I/O status, or
 * CHANGE_TRACKING_INCONSISTENT_TRACKING_FILE for a record that does not
 * decode. */
static uint32_t log_scan(rsvd_scsi_disk *d, bool (*fn)(void *arg, const sd_log_record *rec),
                         void *arg)
{
    sd_store *st = d->store;
    if (!st->log_open)
        return RSVD_STATUS_SUCCESS;
    uint8_t *buf = rsvd_mem_alloc(d->mem, (size_t)LOG_SCAN_RECORDS * SD_LOG_RECORD_SIZE);
    if (!buf)
        return RSVD_STATUS_INSUFFICIENT_RESOURCES;
    uint32_t r = RSVD_STATUS_SUCCESS;
    bool more = true;
    for (uint64_t off = SD_LOG_HEADER_SIZE; more && off < st->log_size;) {
        uint64_t left = st->log_size - off;
        size_t want = left < (uint64_t)LOG_SCAN_RECORDS * SD_LOG_RECORD_SIZE
                          ? (size_t)left
                          : (size_t)LOG_SCAN_RECORDS * SD_LOG_RECORD_SIZE;
        size_t got = 0;
        r = rsvd_pfile_read(&st->log, off, buf, want, &got);
        if (r == RSVD_STATUS_SUCCESS && got != want)
            r = RSVD_STATUS_CHANGE_TRACKING_INCONSISTENT_TRACKING_FILE;
        for (size_t i = 0; r == RSVD_STATUS_SUCCESS && more && i < got; i += SD_LOG_RECORD_SIZE) {
            sd_log_record rec;
            if (sd_log_decode_record(buf + i, SD_LOG_RECORD_SIZE, &rec) != RSVD_OK)
                r = RSVD_STATUS_CHANGE_TRACKING_INCONSISTENT_TRACKING_FILE;
            else
                more = fn(arg, &rec);
        }
        if (r != RSVD_STATUS_SUCCESS)
            break;
        off += want;
    }
    rsvd_mem_free(d->mem, buf);
    return r;
}

/* The changes between two MARKs, clipped to a window. An id may have
 * been a snapshot's before (deleted, and another taken under the same id):
 * a snapshot's point is the last MARK of its id in the log, since it was
 * taken after every earlier snapshot of that id. A first scan finds those
 * MARKs, a second collects the writes between them. */
typedef struct changes_scan {
    const rsvd_guid *from, *to; /* to NULL: the present */
    uint64_t lo, hi;
    uint64_t at;                /* records visited so far */
    uint64_t from_at, to_at;    /* the last MARK of each: its number, from 1 (0: none) */
    ext_set set;
} changes_scan;

static bool marks_step(void *arg, const sd_log_record *rec)
{
    changes_scan *cs = arg;
    cs->at++;
    if (rec->type == SD_LOG_MARK) {
        if (rsvd_guid_equal(&rec->guid, cs->from))
            cs->from_at = cs->at;
        if (cs->to && rsvd_guid_equal(&rec->guid, cs->to))
            cs->to_at = cs->at;
    }
    return true;
}

static bool changes_step(void *arg, const sd_log_record *rec)
{
    changes_scan *cs = arg;
    cs->at++;
    if (cs->to && cs->at >= cs->to_at)
        return false;
    if (rec->type == SD_LOG_WRITE && cs->at > cs->from_at) {
        uint64_t s = rec->a, e = rec->a + rec->b;
        ext_add(&cs->set, s > cs->lo ? s : cs->lo, e < cs->hi ? e : cs->hi);
    }
    return true;
}

/* ------------------------------------------------------------------------ */
/* Compaction                                                                */
/* ------------------------------------------------------------------------ */

/* What a compacted log keeps: from the oldest live point on, each span
 * between points as its merged ranges, and the points themselves. */
typedef struct compact_scan {
    rsvd_scsi_disk *d;
    bool started;
    ext_set set;
    uint8_t *out;     /* the new log (NULL: count only) */
    uint64_t records; /* records the new log has */
    bool nomem;
} compact_scan;

static bool is_live_point(sd_store *st, const rsvd_guid *id)
{
    const sd_snap *s = sd_snap_find(st, id);
    return s && (s->flags & SD_SNAP_TRACKED);
}

static void compact_emit(compact_scan *cs, const sd_log_record *rec)
{
    if (cs->out)
        log_record_encode(rec, cs->out + SD_LOG_HEADER_SIZE + cs->records * SD_LOG_RECORD_SIZE);
    cs->records++;
}

static void compact_flush(compact_scan *cs)
{
    ext_norm(&cs->set);
    cs->nomem = cs->nomem || cs->set.nomem;
    for (size_t i = 0; i < cs->set.n; i++) {
        sd_log_record w = {.type = SD_LOG_WRITE,
                           .a = cs->set.v[i].start,
                           .b = cs->set.v[i].end - cs->set.v[i].start};
        compact_emit(cs, &w);
    }
    cs->set.n = 0;
}

static bool compact_step(void *arg, const sd_log_record *rec)
{
    compact_scan *cs = arg;
    if (rec->type == SD_LOG_MARK && is_live_point(cs->d->store, &rec->guid)) {
        if (cs->started)
            compact_flush(cs);
        cs->started = true;
        compact_emit(cs, rec);
    } else if (rec->type == SD_LOG_WRITE && cs->started) {
        ext_add(&cs->set, rec->a, rec->a + rec->b);
    }
    return true;
}

static uint32_t compact_run(rsvd_scsi_disk *d, compact_scan *cs)
{
    cs->set.mem = d->mem;
    uint32_t r = log_scan(d, compact_step, cs);
    if (r == RSVD_STATUS_SUCCESS && cs->started)
        compact_flush(cs); /* the changes after the newest point */
    ext_free(&cs->set);
    if (r == RSVD_STATUS_SUCCESS && cs->nomem)
        r = RSVD_STATUS_INSUFFICIENT_RESOURCES;
    return r;
}

uint32_t sd_track_compact(rsvd_scsi_disk *d, bool dry_run, uint64_t *new_size)
{
    sd_store *st = d->store;
    *new_size = st->log_size;
    /* A broken log keeps what it has for the points before the break. */
    if (!st->log_open || st->ct_broken)
        return RSVD_STATUS_SUCCESS;
    compact_scan cs;
    memset(&cs, 0, sizeof cs);
    cs.d = d;
    uint32_t r = compact_run(d, &cs);
    if (r != RSVD_STATUS_SUCCESS)
        return r;
    uint64_t size = SD_LOG_HEADER_SIZE + cs.records * SD_LOG_RECORD_SIZE;
    if (dry_run || size >= st->log_size) {
        *new_size = size < st->log_size ? size : st->log_size;
        return RSVD_STATUS_SUCCESS;
    }
    /* Second pass into memory: the new log is never larger than the old. */
    memset(&cs, 0, sizeof cs);
    cs.d = d;
    cs.out = rsvd_mem_alloc(d->mem, (size_t)size);
    if (!cs.out)
        return RSVD_STATUS_INSUFFICIENT_RESOURCES;
    log_header_encode(cs.out);
    r = compact_run(d, &cs);
    char path[SD_PATH_MAX];
    rsvd_pfile f;
    if (r == RSVD_STATUS_SUCCESS && !log_path(st, path, sizeof path))
        r = RSVD_STATUS_OBJECT_NAME_INVALID;
    if (r == RSVD_STATUS_SUCCESS)
        r = sd_store_replace(st, path, cs.out, (size_t)size, &f);
    rsvd_mem_free(d->mem, cs.out);
    if (r != RSVD_STATUS_SUCCESS)
        return r;
    sd_track_close(d);
    st->log = f;
    st->log_open = true;
    st->log_size = size;
    *new_size = size;
    return RSVD_STATUS_SUCCESS;
}

/* ------------------------------------------------------------------------ */
/* Backend functions                                                         */
/* ------------------------------------------------------------------------ */

static rsvd_scsi_disk *track_disk(void *handle, const void *arg, rsvd_completion c)
{
    sd_handle *h = sd_handle_get(handle);
    if (!h || !arg) {
        sd_fail(c, h ? RSVD_STATUS_INVALID_PARAMETER : RSVD_STATUS_INVALID_HANDLE);
        return NULL;
    }
    return sd_store_missing(h->disk, c) ? NULL : h->disk;
}

/* [MS-RSVD] 3.2.5.5.11 */
void sd_change_tracking_get_parameters(void *ctx, void *handle,
                                       rsvd_disk_change_tracking_parameters *out,
                                       rsvd_completion c)
{
    (void)ctx;
    rsvd_scsi_disk *d = track_disk(handle, out, c);
    if (!d)
        return;
    out->change_tracking_status = sd_track_status(d);
    out->log_file_size = d->store->log_size;
    sd_fail(c, RSVD_STATUS_SUCCESS);
}

/* [MS-RSVD] 3.2.5.5.12. The same start again (3.2.5.1 issues it after
 * every open) changes nothing. AppendData continues the log of the last
 * start with the same LogFileId; otherwise a new span of tracking begins:
 * the CDP snapshots made from here form the active list, and the log starts
 * empty unless a change-tracking point still needs what it holds. */
void sd_change_tracking_start(void *ctx, void *handle,
                              const rsvd_disk_change_tracking_start_args *args,
                              rsvd_completion c)
{
    (void)ctx;
    rsvd_scsi_disk *d = track_disk(handle, args, c);
    if (!d)
        return;
    sd_store *st = d->store;
    if (st->ct_active && rsvd_guid_equal(&st->ct_log_id, &args->log_file_id) &&
        (args->append_data || !st->ct_broken)) {
        sd_fail(c, st->ct_broken); /* running as asked, or as broken as it was */
        return;
    }
    bool resume = args->append_data && st->log_open &&
                  rsvd_guid_equal(&st->ct_log_id, &args->log_file_id);
    if (resume && st->ct_broken) {
        sd_fail(c, st->ct_broken); /* nothing to append to */
        return;
    }
    if (args->append_data && !resume && st->log_open && !rsvd_guid_is_zero(&st->ct_log_id)) {
        sd_fail(c, RSVD_STATUS_CHANGE_TRACKING_INVALID_TRACKING_STATE); /* another log */
        return;
    }
    uint32_t r = RSVD_STATUS_SUCCESS;
    if (!resume) {
        if (st->ct_broken) {
            /* A broken log cannot serve its points any more. */
            for (uint32_t i = 0; i < st->nsnaps; i++)
                st->snaps[i].flags &= ~(uint32_t)SD_SNAP_TRACKED;
            st->ct_broken = 0;
        }
        if (!any_point(st))
            r = log_reset(d);
        for (uint32_t i = 0; i < st->nsnaps; i++)
            st->snaps[i].flags &= ~(uint32_t)SD_SNAP_CDP_ACTIVE;
    }
    if (r == RSVD_STATUS_SUCCESS) {
        st->ct_active = true;
        st->ct_log_id = args->log_file_id;
        st->ct_max = args->max_log_file_size;
        sd_log_record rec = {.type = SD_LOG_START,
                             .a = args->max_log_file_size,
                             .b = args->append_data,
                             .guid = args->log_file_id};
        r = log_append(d, &rec);
    }
    uint32_t s = sd_store_save(d);
    sd_fail(c, r != RSVD_STATUS_SUCCESS ? r : s);
}

/* [MS-RSVD] 3.2.5.5.13: the active CDP snapshots become inactive. */
void sd_change_tracking_stop(void *ctx, void *handle, uint32_t *status, rsvd_completion c)
{
    (void)ctx;
    rsvd_scsi_disk *d = track_disk(handle, status, c);
    if (!d)
        return;
    sd_store *st = d->store;
    if (!st->ct_active) {
        *status = sd_track_status(d);
        sd_fail(c, RSVD_STATUS_CHANGE_TRACKING_NOT_INITIALIZED);
        return;
    }
    if (!st->ct_broken) {
        sd_log_record rec = {.type = SD_LOG_STOP};
        (void)log_append(d, &rec);
    }
    st->ct_active = false;
    for (uint32_t i = 0; i < st->nsnaps; i++)
        st->snaps[i].flags &= ~(uint32_t)SD_SNAP_CDP_ACTIVE;
    *status = st->ct_broken ? st->ct_broken : RSVD_STATUS_SUCCESS;
    sd_fail(c, sd_store_save(d));
}

/* [MS-RSVD] 3.2.5.5.14: the ranges written after LimitSnapshotId was taken
 * and before TargetSnapshotId was (or until now, for a zero target), inside
 * [ByteOffset, ByteOffset + ByteLength), merged, in offset order, as many
 * as fit; ProcessedByteLength ends where the first range that did not fit
 * begins. */
void sd_query_changes(void *ctx, void *handle, const rsvd_disk_query_changes_args *args,
                      rsvd_disk_changes *out, rsvd_completion c)
{
    (void)ctx;
    rsvd_scsi_disk *d = track_disk(handle, args, c);
    if (!d)
        return;
    if (!out) {
        sd_fail(c, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    sd_store *st = d->store;
    out->range_count = 0;
    out->processed_byte_length = 0;
    const sd_snap *from = sd_snap_find(st, &args->limit_snapshot_id);
    const sd_snap *to = rsvd_guid_is_zero(&args->target_snapshot_id)
                            ? NULL
                            : sd_snap_find(st, &args->target_snapshot_id);
    if (args->snapshot_type != RSVD_SVHDX_SNAPSHOT_TYPE_VM || !from ||
        !(from->flags & SD_SNAP_TRACKED) ||
        (!rsvd_guid_is_zero(&args->target_snapshot_id) &&
         (!to || !(to->flags & SD_SNAP_TRACKED) || to->seq < from->seq)) ||
        args->byte_offset > UINT64_MAX - args->byte_length) {
        sd_fail(c, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    /* A broken log holds every change up to the points made before it
     * broke, none after. */
    if (!to && st->ct_broken) {
        sd_fail(c, st->ct_broken);
        return;
    }
    changes_scan cs;
    memset(&cs, 0, sizeof cs);
    cs.from = &from->id;
    cs.to = to ? &to->id : NULL;
    cs.lo = args->byte_offset;
    cs.hi = args->byte_offset + args->byte_length;
    cs.set.mem = d->mem;
    uint32_t r = RSVD_STATUS_SUCCESS;
    if (to != from) { /* from a point to itself nothing changed */
        r = log_scan(d, marks_step, &cs);
        if (r == RSVD_STATUS_SUCCESS && (!cs.from_at || (to && cs.to_at <= cs.from_at)))
            r = RSVD_STATUS_CHANGE_TRACKING_INVALID_TRACKING_STATE; /* a point the log lost */
        cs.at = 0;
        if (r == RSVD_STATUS_SUCCESS)
            r = log_scan(d, changes_step, &cs);
    }
    ext_norm(&cs.set);
    if (r == RSVD_STATUS_SUCCESS && cs.set.nomem)
        r = RSVD_STATUS_INSUFFICIENT_RESOURCES;
    if (r == RSVD_STATUS_CHANGE_TRACKING_INCONSISTENT_TRACKING_FILE)
        track_break(d, r);
    if (r == RSVD_STATUS_SUCCESS) {
        size_t n = cs.set.n;
        if (n > out->ranges_cap || !out->ranges)
            n = out->ranges ? out->ranges_cap : 0;
        for (size_t i = 0; i < n; i++) {
            out->ranges[i].byte_offset = cs.set.v[i].start;
            out->ranges[i].byte_length = cs.set.v[i].end - cs.set.v[i].start;
        }
        out->range_count = (uint32_t)n;
        out->processed_byte_length =
            n < cs.set.n ? cs.set.v[n].start - args->byte_offset : args->byte_length;
    }
    ext_free(&cs.set);
    sd_fail(c, r);
}
