/*
 * Fuzz harness: the built-in virtual SCSI disk (rsvd/scsi_disk.h) driven by
 * a sequence of commands from four opens (one without an initiator, three
 * initiators), over a 64 KiB disk in memory with room for 2 registrants.
 *
 * Input: records, read until one is cut short.
 *   op:u8          bits 1-0: 0 = the open without initiator, 1-3 = A, B, C
 *                  bits 3-2: kind
 *   kind 0 EXECUTE  cdb_len:u8, cdb:min(cdb_len, 16) bytes,
 *                   out_len:u16le, out:out_len bytes, in_cap:u16le
 *   kind 1 READ     offset:u32le, len:u16le          (SMB2 READ on the disk)
 *   kind 2 WRITE    offset:u32le, len:u16le, data    (SMB2 WRITE on the disk)
 *   kind 3 CONTROL  what:u8: 0 capacity changed, 1 reopen this initiator,
 *                   2 fail:u8 - the block source fails from now on: fail%6 =
 *                   0 never, 1 reads (I/O error), 2 writes (I/O error),
 *                   3 writes (disk full), 4 flushes, 5 its info query
 *
 * Checked after every call: completed exactly once; the outcome is one the
 * disk documents (a failing block source included: CHECK CONDITION with
 * MEDIUM ERROR or DATA PROTECT sense) (status SUCCESS with GOOD, CHECK CONDITION and valid sense,
 * or RESERVATION CONFLICT; or a unit attention status with UNIT ATTENTION
 * sense); no more data than the buffer; the reservation state in bounds.
 */
#include <rsvd/scsi.h>
#include <rsvd/scsi_disk.h>
#include <rsvd/status.h>
#include <rsvd/wire.h>

#include "fuzz_common.h"
#include "util/completion.h"

#define DISK_BYTES 65536u
#define MAX_REGISTRANTS 2u

/* ---- memory block source ---- */

static uint8_t disk_data[DISK_BYTES];
static uint64_t disk_size = DISK_BYTES;
/* What the block source fails (CONTROL 2). */
enum { FAIL_NONE, FAIL_READ, FAIL_WRITE, FAIL_WRITE_FULL, FAIL_FLUSH, FAIL_INFO, FAIL_KINDS };
static int block_fail;

static uint32_t mem_read(void *ctx, uint64_t off, uint8_t *buf, size_t len)
{
    (void)ctx;
    FUZZ_CHECK(off <= disk_size && len <= disk_size - off);
    if (block_fail == FAIL_READ)
        return RSVD_STATUS_IO_DEVICE_ERROR;
    memcpy(buf, disk_data + off, len);
    return 0;
}

static uint32_t mem_write(void *ctx, uint64_t off, const uint8_t *data, size_t len)
{
    (void)ctx;
    FUZZ_CHECK(off <= disk_size && len <= disk_size - off);
    if (block_fail == FAIL_WRITE)
        return RSVD_STATUS_IO_DEVICE_ERROR;
    if (block_fail == FAIL_WRITE_FULL)
        return RSVD_STATUS_DISK_FULL;
    memcpy(disk_data + off, data, len);
    return 0;
}

static uint32_t mem_flush(void *ctx)
{
    (void)ctx;
    return block_fail == FAIL_FLUSH ? RSVD_STATUS_IO_DEVICE_ERROR : 0;
}

static uint32_t mem_info(void *ctx, rsvd_block_info *out)
{
    (void)ctx;
    if (block_fail == FAIL_INFO)
        return RSVD_STATUS_DEVICE_NOT_READY;
    out->size = disk_size;
    out->logical_sector_size = 512;
    out->physical_sector_size = 4096;
    out->file_size = disk_size;
    out->write_cache = true;
    return 0;
}

static const rsvd_block_ops mem_ops = {
    .read = mem_read, .write = mem_write, .flush = mem_flush, .info = mem_info};

/* ---- completion capture ---- */

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

static rsvd_completion begin(capture *c)
{
    c->tag++;
    c->count = 0;
    c->sink.complete = capture_complete;
    return rsvd_completion_make(&c->sink, c->tag);
}

/* ---- checks ---- */

static void check_outcome(const capture *c, uint32_t data_cap)
{
    FUZZ_CHECK(c->count == 1);
    const rsvd_io_result *r = &c->r;
    FUZZ_CHECK(r->scsi.sense_len <= sizeof r->scsi.sense);
    rsvd_scsi_sense s;
    if (r->status == RSVD_STATUS_SUCCESS) {
        switch (r->scsi.scsi_status) {
        case RSVD_SCSI_STATUS_GOOD:
            FUZZ_CHECK(r->scsi.srb_status == RSVD_SRB_STATUS_SUCCESS);
            FUZZ_CHECK(r->bytes <= data_cap);
            break;
        case RSVD_SCSI_STATUS_CHECK_CONDITION:
            FUZZ_CHECK(r->scsi.srb_status == RSVD_SRB_STATUS_ERROR);
            FUZZ_CHECK(r->scsi.sense_auto_generated);
            FUZZ_CHECK(rsvd_scsi_sense_decode(r->scsi.sense, r->scsi.sense_len, &s) == RSVD_OK);
            FUZZ_CHECK(s.key != RSVD_SCSI_SENSE_UNIT_ATTENTION);
            FUZZ_CHECK(r->bytes == 0);
            break;
        case RSVD_SCSI_STATUS_RESERVATION_CONFLICT:
            FUZZ_CHECK(r->scsi.sense_len == 0);
            FUZZ_CHECK(r->bytes == 0);
            break;
        default:
            fprintf(stderr, "unexpected SCSI status 0x%02X\n", r->scsi.scsi_status);
            abort();
        }
        return;
    }
    FUZZ_CHECK(r->status >= RSVD_STATUS_SVHDX_UNIT_ATTENTION_AVAILABLE &&
               r->status <= RSVD_STATUS_SVHDX_UNIT_ATTENTION_OPERATING_DEFINITION_CHANGED);
    FUZZ_CHECK(rsvd_scsi_sense_decode(r->scsi.sense, r->scsi.sense_len, &s) == RSVD_OK);
    FUZZ_CHECK(s.key == RSVD_SCSI_SENSE_UNIT_ATTENTION);
    FUZZ_CHECK(rsvd_scsi_ua_status(s.asc, s.ascq) == r->status);
}

static void *open_handle(const rsvd_scsi_disk_ops *ops, rsvd_scsi_disk_set *set, int who,
                         capture *c)
{
    rsvd_backend_open_args a;
    memset(&a, 0, sizeof a);
    a.file_name = "fuzz.vhdx";
    a.has_initiator = who != 0;
    a.initiator_id.b[0] = (uint8_t)who;
    ops->open(set, &a, begin(c));
    FUZZ_CHECK(c->count == 1 && c->r.status == RSVD_STATUS_SUCCESS && c->r.handle);
    return c->r.handle;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t in_buf[65536];
    memset(disk_data, 0, sizeof disk_data);
    disk_size = DISK_BYTES;
    block_fail = FAIL_NONE;

    rsvd_scsi_disk_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.block.ops = &mem_ops;
    cfg.max_registrants = MAX_REGISTRANTS;
    cfg.max_initiators = 3;
    rsvd_scsi_disk *disk = NULL;
    rsvd_scsi_disk_set *set = NULL;
    FUZZ_CHECK(rsvd_scsi_disk_create(&cfg, &disk) == RSVD_OK);
    FUZZ_CHECK(rsvd_scsi_disk_set_create(NULL, &set) == RSVD_OK);
    FUZZ_CHECK(rsvd_scsi_disk_set_add(set, NULL, disk) == RSVD_OK);
    const rsvd_scsi_disk_ops *ops = rsvd_scsi_disk_backend_ops();
    capture c;
    memset(&c, 0, sizeof c);
    void *h[4];
    for (int i = 0; i < 4; i++)
        h[i] = open_handle(ops, set, i, &c);

    rsvd_rd rd;
    rsvd_rd_init(&rd, data, size);
    for (int guard = 0; guard < 4096; guard++) {
        uint8_t op = rsvd_rd_u8(&rd);
        if (!rsvd_rd_ok(&rd))
            break;
        int who = op & 3;
        int kind = (op >> 2) & 3;
        if (kind == 0) {
            rsvd_scsi_cmd cmd;
            memset(&cmd, 0, sizeof cmd);
            uint8_t cdb_len = rsvd_rd_u8(&rd);
            rsvd_rd_copy(&rd, cmd.cdb, cdb_len < 16 ? cdb_len : 16);
            uint16_t out_len = rsvd_rd_u16(&rd);
            cmd.data_out = rsvd_rd_take(&rd, out_len);
            uint16_t in_cap = rsvd_rd_u16(&rd);
            if (!rsvd_rd_ok(&rd))
                break;
            cmd.cdb_len = cdb_len;
            cmd.data_out_len = out_len;
            cmd.data_in = in_buf;
            cmd.data_in_cap = in_cap;
            ops->execute(set, h[who], &cmd, begin(&c));
            check_outcome(&c, in_cap);
        } else if (kind == 1 || kind == 2) {
            uint32_t off = rsvd_rd_u32(&rd);
            uint16_t len = rsvd_rd_u16(&rd);
            const uint8_t *wdata = kind == 2 ? rsvd_rd_take(&rd, len) : NULL;
            if (!rsvd_rd_ok(&rd))
                break;
            if (kind == 1)
                ops->read(set, h[who], off, in_buf, len, begin(&c));
            else
                ops->write(set, h[who], off, wdata ? wdata : in_buf, len, begin(&c));
            check_outcome(&c, len);
        } else {
            uint8_t what = rsvd_rd_u8(&rd);
            if (!rsvd_rd_ok(&rd))
                break;
            if (what == 0) {
                int rc = rsvd_scsi_disk_capacity_changed(disk);
                FUZZ_CHECK(rc == (block_fail == FAIL_INFO ? RSVD_E_IO : RSVD_OK));
            } else if (what == 2) {
                block_fail = rsvd_rd_u8(&rd) % FAIL_KINDS;
            } else if (what == 1) {
                ops->close(set, h[who], false, begin(&c));
                FUZZ_CHECK(c.count == 1 && c.r.status == RSVD_STATUS_SUCCESS);
                h[who] = open_handle(ops, set, who, &c);
            }
        }
        rsvd_scsi_disk_pr_state st;
        rsvd_scsi_disk_pr_state_get(disk, &st);
        FUZZ_CHECK(st.registrants <= MAX_REGISTRANTS);
        FUZZ_CHECK(!st.reserved || rsvd_scsi_pr_type_valid(st.type));
        FUZZ_CHECK(!st.reserved || st.registrants > 0);
    }

    for (int i = 0; i < 4; i++) {
        ops->close(set, h[i], false, begin(&c));
        FUZZ_CHECK(c.count == 1);
    }
    rsvd_scsi_disk_set_destroy(set);
    FUZZ_CHECK(rsvd_scsi_disk_destroy(disk) == RSVD_OK);
    return 0;
}
