/*
 * Commands against any rsvd_scsi_disk_ops backend (it_disk.h).
 */
#include "it_disk.h"

#include <stdio.h>
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/scsi.h>
#include <rsvd/status.h>

rsvd_guid it_initiator(uint8_t n)
{
    rsvd_guid g;
    for (size_t i = 0; i < sizeof g.b; i++)
        g.b[i] = (uint8_t)(0x10 * (i & 7) + i);
    g.b[0] = n;
    return g;
}

rsvd_io_result it_wait(it_dev *d)
{
    for (int spins = 0; d->cap.completions == 0 && d->pump && spins < 100000; spins++)
        d->pump(d->pump_ctx);
    return tu_capture_end(&d->cap);
}

rsvd_io_result it_open_r(it_dev *d, uint8_t n)
{
    rsvd_backend_open_args a;
    memset(&a, 0, sizeof a);
    a.file_name = "disk.vhdx";
    a.create_options = RSVD_FILE_NO_INTERMEDIATE_BUFFERING;
    a.has_initiator = n != 0;
    if (n)
        a.initiator_id = it_initiator(n);
    d->ops->open(d->ctx, &a, tu_capture_begin(&d->cap));
    return it_wait(d);
}

void *it_open(it_dev *d, uint8_t n)
{
    rsvd_io_result r = it_open_r(d, n);
    assert_int_equal(r.status, RSVD_STATUS_SUCCESS);
    assert_non_null(r.handle);
    for (size_t i = 0; i < sizeof d->open / sizeof d->open[0]; i++)
        if (!d->open[i]) {
            d->open[i] = r.handle;
            break;
        }
    return r.handle;
}

void it_close(it_dev *d, void *h)
{
    for (size_t i = 0; i < sizeof d->open / sizeof d->open[0]; i++)
        if (d->open[i] == h)
            d->open[i] = NULL;
    d->ops->close(d->ctx, h, false, tu_capture_begin(&d->cap));
    rsvd_io_result r = it_wait(d);
    assert_int_equal(r.status, RSVD_STATUS_SUCCESS);
}

void it_close_all(it_dev *d)
{
    for (size_t i = 0; i < sizeof d->open / sizeof d->open[0]; i++) {
        void *h = d->open[i];
        d->open[i] = NULL;
        if (!h)
            continue;
        d->ops->close(d->ctx, h, false, tu_capture_begin(&d->cap));
        for (int spins = 0; d->cap.completions == 0 && d->pump && spins < 1000; spins++)
            d->pump(d->pump_ctx);
    }
}

rsvd_io_result it_exec(it_dev *d, void *h, const uint8_t *cdb, int cdb_len, const uint8_t *out,
                       uint32_t out_len, uint8_t *in, uint32_t in_cap)
{
    assert_true(cdb_len > 0 && cdb_len <= 16);
    rsvd_scsi_cmd cmd;
    memset(&cmd, 0, sizeof cmd);
    memcpy(cmd.cdb, cdb, (size_t)cdb_len);
    cmd.cdb_len = (uint8_t)cdb_len;
    cmd.direction = out ? RSVD_SCSI_DATA_OUT : in ? RSVD_SCSI_DATA_IN : RSVD_SCSI_NO_DATA;
    cmd.data_out = out;
    cmd.data_out_len = out_len;
    cmd.data_in = in;
    cmd.data_in_cap = in_cap;
    d->ops->execute(d->ctx, h, &cmd, tu_capture_begin(&d->cap));
    return it_wait(d);
}

rsvd_io_result it_prout(it_dev *d, void *h, enum rsvd_scsi_prout_action sa, uint8_t type,
                        uint64_t key, uint64_t sa_key)
{
    uint8_t cdb[16], param[RSVD_SCSI_PROUT_PARAM_LEN];
    int n = rsvd_scsi_cdb_prout(cdb, sizeof cdb, sa, RSVD_SCSI_PR_SCOPE_LU, type, sizeof param);
    rsvd_scsi_prout_params p = {.reservation_key = key, .sa_reservation_key = sa_key};
    assert_int_equal(rsvd_scsi_prout_params_encode(&p, param, sizeof param), RSVD_OK);
    return it_exec(d, h, cdb, n, param, sizeof param, NULL, 0);
}

rsvd_io_result it_tur(it_dev *d, void *h)
{
    uint8_t cdb[16];
    int n = rsvd_scsi_cdb_test_unit_ready(cdb, sizeof cdb);
    return it_exec(d, h, cdb, n, NULL, 0, NULL, 0);
}

rsvd_io_result it_read16(it_dev *d, void *h, uint64_t lba, uint32_t blocks, uint8_t *buf,
                         uint32_t cap)
{
    uint8_t cdb[16];
    int n = rsvd_scsi_cdb_read16(cdb, sizeof cdb, lba, blocks, 0);
    return it_exec(d, h, cdb, n, NULL, 0, buf, cap);
}

rsvd_io_result it_write16(it_dev *d, void *h, uint64_t lba, uint32_t blocks, const uint8_t *buf,
                          uint32_t len, uint8_t flags)
{
    uint8_t cdb[16];
    int n = rsvd_scsi_cdb_write16(cdb, sizeof cdb, lba, blocks, flags);
    return it_exec(d, h, cdb, n, buf, len, NULL, 0);
}

rsvd_io_result it_smb_read(it_dev *d, void *h, uint64_t off, uint8_t *buf, uint32_t len)
{
    d->ops->read(d->ctx, h, off, buf, len, tu_capture_begin(&d->cap));
    return it_wait(d);
}

rsvd_io_result it_smb_write(it_dev *d, void *h, uint64_t off, const uint8_t *buf, uint32_t len)
{
    d->ops->write(d->ctx, h, off, buf, len, tu_capture_begin(&d->cap));
    return it_wait(d);
}

uint32_t it_read_keys(it_dev *d, void *h)
{
    uint8_t cdb[16], data[512];
    int n = rsvd_scsi_cdb_prin(cdb, sizeof cdb, RSVD_SCSI_PRIN_READ_KEYS, sizeof data);
    rsvd_io_result r = it_exec(d, h, cdb, n, NULL, 0, data, sizeof data);
    it_assert_good(r);
    rsvd_scsi_prin_keys k;
    assert_int_equal(rsvd_scsi_prin_keys_decode(data, r.bytes, &k), RSVD_OK);
    return k.num_keys;
}

rsvd_scsi_prin_reservation it_read_reservation(it_dev *d, void *h)
{
    uint8_t cdb[16], data[64];
    int n = rsvd_scsi_cdb_prin(cdb, sizeof cdb, RSVD_SCSI_PRIN_READ_RESERVATION, sizeof data);
    rsvd_io_result r = it_exec(d, h, cdb, n, NULL, 0, data, sizeof data);
    it_assert_good(r);
    rsvd_scsi_prin_reservation res;
    assert_int_equal(rsvd_scsi_prin_reservation_decode(data, r.bytes, &res), RSVD_OK);
    return res;
}

static const char *st(uint32_t status)
{
    static char bufs[2][64];
    static unsigned next;
    char *b = bufs[next++ % 2];
    return rsvd_status_format(status, b, sizeof bufs[0]);
}

void it_assert_good(rsvd_io_result r)
{
    if (r.status != RSVD_STATUS_SUCCESS || r.scsi.scsi_status != RSVD_SCSI_STATUS_GOOD)
        fail_msg("expected GOOD, got %s, SCSI status 0x%02X, sense %02X/%02X/%02X", st(r.status),
                 r.scsi.scsi_status, r.scsi.sense[2] & 0x0F, r.scsi.sense[12], r.scsi.sense[13]);
    assert_int_equal(r.scsi.srb_status, RSVD_SRB_STATUS_SUCCESS);
    assert_int_equal(r.scsi.sense_len, 0);
}

void it_assert_conflict(rsvd_io_result r)
{
    if (r.status != RSVD_STATUS_SUCCESS ||
        r.scsi.scsi_status != RSVD_SCSI_STATUS_RESERVATION_CONFLICT)
        fail_msg("expected RESERVATION CONFLICT, got %s, SCSI status 0x%02X", st(r.status),
                 r.scsi.scsi_status);
    assert_int_equal(r.scsi.srb_status, RSVD_SRB_STATUS_ERROR);
    assert_false(r.scsi.sense_auto_generated);
    assert_int_equal(r.scsi.sense_len, 0);
}

static void assert_sense(rsvd_io_result r, uint8_t key, uint16_t ascq)
{
    assert_int_equal(r.scsi.scsi_status, RSVD_SCSI_STATUS_CHECK_CONDITION);
    assert_int_equal(r.scsi.srb_status, RSVD_SRB_STATUS_ERROR);
    assert_true(r.scsi.sense_auto_generated);
    rsvd_scsi_sense s;
    assert_int_equal(rsvd_scsi_sense_decode(r.scsi.sense, r.scsi.sense_len, &s), RSVD_OK);
    if (s.key != key || s.asc != (ascq >> 8) || s.ascq != (ascq & 0xFF))
        fail_msg("expected sense %X/%02X/%02X, got %X/%02X/%02X", key, ascq >> 8, ascq & 0xFF,
                 s.key, s.asc, s.ascq);
}

void it_assert_ua(rsvd_io_result r, uint32_t status, uint16_t ascq)
{
    if (r.status != status)
        fail_msg("expected %s, got %s (SCSI status 0x%02X)", st(status), st(r.status),
                 r.scsi.scsi_status);
    assert_sense(r, RSVD_SCSI_SENSE_UNIT_ATTENTION, ascq);
}

void it_assert_check(rsvd_io_result r, uint8_t key, uint16_t ascq)
{
    if (r.status != RSVD_STATUS_SUCCESS)
        fail_msg("expected STATUS_SUCCESS with CHECK CONDITION, got %s", st(r.status));
    assert_sense(r, key, ascq);
}
