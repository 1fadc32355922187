#include "tu_scsi.h"

#include <stdio.h>
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/scsi.h>
#include <rsvd/scsi_disk.h>
#include <rsvd/status.h>

const rsvd_guid tu_disk_id = {{0x6B, 0x1A, 0x3C, 0x9E, 0x21, 0x4D, 0x44, 0x8A, 0x9F, 0x01,
                               0x5E, 0x77, 0xC2, 0x0D, 0x93, 0x10}};

void tu_disk_init(tu_disk *t, uint64_t blocks, uint32_t lbs, uint32_t pbs,
                  uint32_t max_registrants)
{
    memset(t, 0, sizeof *t);
    assert_int_equal(tu_memblock_init(&t->mb, blocks * lbs, lbs, pbs), 0);
    rsvd_scsi_disk_config cfg = RSVD_STRUCT_INIT(rsvd_scsi_disk_config);
    cfg.block = tu_memblock_source(&t->mb);
    cfg.disk_id = tu_disk_id;
    cfg.max_registrants = max_registrants;
    assert_int_equal(rsvd_scsi_disk_create(&cfg, &t->disk), RSVD_OK);
    assert_int_equal(rsvd_scsi_disk_set_create(NULL, &t->set), RSVD_OK);
    assert_int_equal(rsvd_scsi_disk_set_add(t->set, "disk.vhdx", t->disk), RSVD_OK);
    t->ops = rsvd_scsi_disk_backend_ops();
}

void tu_disk_init_default(tu_disk *t)
{
    tu_disk_init(t, 2048, 512, 4096, 0);
}

void tu_disk_fini(tu_disk *t)
{
    rsvd_scsi_disk_set_destroy(t->set);
    assert_int_equal(rsvd_scsi_disk_destroy(t->disk), RSVD_OK);
    tu_memblock_fini(&t->mb);
}

rsvd_guid tu_initiator(uint8_t n)
{
    rsvd_guid g;
    memset(g.b, 0xA5, sizeof g.b);
    g.b[0] = n;
    return g;
}

void *tu_open(tu_disk *t, uint8_t n)
{
    rsvd_backend_open_args a;
    memset(&a, 0, sizeof a);
    a.file_name = "disk.vhdx";
    a.create_options = RSVD_FILE_NO_INTERMEDIATE_BUFFERING;
    a.has_initiator = n != 0;
    if (n)
        a.initiator_id = tu_initiator(n);
    tu_capture cap;
    t->ops->open(t->set, &a, tu_capture_begin(&cap));
    rsvd_io_result r = tu_capture_end(&cap);
    assert_int_equal(r.status, RSVD_STATUS_SUCCESS);
    assert_non_null(r.handle);
    return r.handle;
}

void tu_close(tu_disk *t, void *h)
{
    tu_capture cap;
    t->ops->close(t->set, h, false, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_SUCCESS);
}

rsvd_io_result tu_exec(tu_disk *t, void *h, const uint8_t *cdb, int cdb_len, const uint8_t *out,
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
    tu_capture cap;
    t->ops->execute(t->set, h, &cmd, tu_capture_begin(&cap));
    return tu_capture_end(&cap);
}

rsvd_io_result tu_exec0(tu_disk *t, void *h, const uint8_t *cdb, int cdb_len)
{
    return tu_exec(t, h, cdb, cdb_len, NULL, 0, NULL, 0);
}

rsvd_io_result tu_prout(tu_disk *t, void *h, enum rsvd_scsi_prout_action sa, uint8_t type,
                        uint64_t key, uint64_t sa_key)
{
    uint8_t cdb[16], params[RSVD_SCSI_PROUT_PARAM_LEN];
    int n = rsvd_scsi_cdb_prout(cdb, sizeof cdb, sa, type ? RSVD_SCSI_PR_SCOPE_LU : 0, type,
                                RSVD_SCSI_PROUT_PARAM_LEN);
    assert_true(n > 0);
    rsvd_scsi_prout_params p = {.reservation_key = key, .sa_reservation_key = sa_key};
    assert_int_equal(rsvd_scsi_prout_params_encode(&p, params, sizeof params), RSVD_OK);
    return tu_exec(t, h, cdb, n, params, sizeof params, NULL, 0);
}

rsvd_io_result tu_tur(tu_disk *t, void *h)
{
    uint8_t cdb[16];
    int n = rsvd_scsi_cdb_test_unit_ready(cdb, sizeof cdb);
    return tu_exec0(t, h, cdb, n);
}

rsvd_io_result tu_read16(tu_disk *t, void *h, uint64_t lba, uint32_t blocks, uint8_t *buf,
                         uint32_t cap)
{
    uint8_t cdb[16];
    int n = rsvd_scsi_cdb_read16(cdb, sizeof cdb, lba, blocks, 0);
    return tu_exec(t, h, cdb, n, NULL, 0, buf, cap);
}

rsvd_io_result tu_write16(tu_disk *t, void *h, uint64_t lba, uint32_t blocks, const uint8_t *buf,
                          uint32_t len)
{
    uint8_t cdb[16];
    int n = rsvd_scsi_cdb_write16(cdb, sizeof cdb, lba, blocks, 0);
    return tu_exec(t, h, cdb, n, buf, len, NULL, 0);
}

rsvd_io_result tu_smb_read(tu_disk *t, void *h, uint64_t off, uint8_t *buf, uint32_t len)
{
    tu_capture cap;
    t->ops->read(t->set, h, off, buf, len, tu_capture_begin(&cap));
    return tu_capture_end(&cap);
}

rsvd_io_result tu_smb_write(tu_disk *t, void *h, uint64_t off, const uint8_t *buf, uint32_t len)
{
    tu_capture cap;
    t->ops->write(t->set, h, off, buf, len, tu_capture_begin(&cap));
    return tu_capture_end(&cap);
}

uint32_t tu_read_keys(tu_disk *t, void *h, uint64_t *keys, uint32_t max, uint32_t *gen)
{
    uint8_t cdb[16], data[1024];
    int n = rsvd_scsi_cdb_prin(cdb, sizeof cdb, RSVD_SCSI_PRIN_READ_KEYS, sizeof data);
    rsvd_io_result r = tu_exec(t, h, cdb, n, NULL, 0, data, sizeof data);
    tu_assert_good(r);
    rsvd_scsi_prin_keys k;
    assert_int_equal(rsvd_scsi_prin_keys_decode(data, r.bytes, &k), RSVD_OK);
    for (uint32_t i = 0; i < k.num_keys && i < max; i++)
        keys[i] = rsvd_scsi_prin_keys_get(&k, i);
    if (gen)
        *gen = k.pr_generation;
    return k.num_keys;
}

rsvd_scsi_prin_reservation tu_read_reservation(tu_disk *t, void *h)
{
    uint8_t cdb[16], data[64];
    int n = rsvd_scsi_cdb_prin(cdb, sizeof cdb, RSVD_SCSI_PRIN_READ_RESERVATION, sizeof data);
    rsvd_io_result r = tu_exec(t, h, cdb, n, NULL, 0, data, sizeof data);
    tu_assert_good(r);
    rsvd_scsi_prin_reservation res;
    assert_int_equal(rsvd_scsi_prin_reservation_decode(data, r.bytes, &res), RSVD_OK);
    return res;
}

static void describe(rsvd_io_result r, char *buf, size_t cap)
{
    char st[64];
    snprintf(buf, cap, "status %s, scsi 0x%02X, srb 0x%02X, sense %02X/%02X/%02X",
             rsvd_status_format(r.status, st, sizeof st), r.scsi.scsi_status,
             r.scsi.srb_status, r.scsi.sense[2] & 0x0F, r.scsi.sense[12], r.scsi.sense[13]);
}

void tu_assert_good(rsvd_io_result r)
{
    if (r.status != RSVD_STATUS_SUCCESS || r.scsi.scsi_status != RSVD_SCSI_STATUS_GOOD) {
        char d[160];
        describe(r, d, sizeof d);
        fail_msg("expected GOOD, got %s", d);
    }
    assert_int_equal(r.scsi.srb_status, RSVD_SRB_STATUS_SUCCESS);
    assert_int_equal(r.scsi.sense_len, 0);
}

void tu_assert_conflict(rsvd_io_result r)
{
    if (r.status != RSVD_STATUS_SUCCESS ||
        r.scsi.scsi_status != RSVD_SCSI_STATUS_RESERVATION_CONFLICT) {
        char d[160];
        describe(r, d, sizeof d);
        fail_msg("expected RESERVATION CONFLICT, got %s", d);
    }
    assert_int_equal(r.scsi.srb_status, RSVD_SRB_STATUS_ERROR);
    assert_false(r.scsi.sense_auto_generated);
    assert_int_equal(r.scsi.sense_len, 0);
    assert_int_equal(r.bytes, 0);
}

static void assert_sense(rsvd_io_result r, uint8_t key, uint16_t ascq, const char *what)
{
    rsvd_scsi_sense s;
    bool ok = r.scsi.scsi_status == RSVD_SCSI_STATUS_CHECK_CONDITION &&
              rsvd_scsi_sense_decode(r.scsi.sense, r.scsi.sense_len, &s) == RSVD_OK &&
              s.key == key && s.asc == (uint8_t)(ascq >> 8) && s.ascq == (uint8_t)ascq;
    if (!ok) {
        char d[160];
        describe(r, d, sizeof d);
        fail_msg("expected %s %X/%02X/%02X, got %s", what, key, ascq >> 8, ascq & 0xFF, d);
    }
    assert_int_equal(r.scsi.srb_status, RSVD_SRB_STATUS_ERROR);
    assert_true(r.scsi.sense_auto_generated);
    assert_int_equal(r.scsi.sense_len, RSVD_SCSI_FIXED_SENSE_LEN);
    assert_int_equal(s.response_code, RSVD_SCSI_SENSE_FIXED_CURRENT);
}

void tu_assert_check(rsvd_io_result r, uint8_t key, uint16_t ascq)
{
    if (r.status != RSVD_STATUS_SUCCESS)
        fail_msg("expected status SUCCESS with CHECK CONDITION, got 0x%08X", r.status);
    assert_sense(r, key, ascq, "CHECK CONDITION");
    assert_int_equal(r.bytes, 0);
}

void tu_assert_ua(rsvd_io_result r, uint32_t status, uint16_t ascq)
{
    if (r.status != status) {
        char d[160];
        describe(r, d, sizeof d);
        fail_msg("expected unit attention 0x%08X, got %s", status, d);
    }
    assert_sense(r, RSVD_SCSI_SENSE_UNIT_ATTENTION, ascq, "UNIT ATTENTION");
}
