/*
 * Commands and fields the disk does not implement answer CHECK CONDITION,
 * ILLEGAL REQUEST, never silence: INVALID COMMAND OPERATION CODE (20/00)
 * for an operation code, INVALID FIELD IN CDB (24/00) for a field.
 */
#include <stdlib.h>
#include <string.h>

#include <rsvd/scsi.h>

#include "tu_scsi.h"

static int setup(void **state)
{
    tu_disk *t = calloc(1, sizeof *t);
    assert_non_null(t);
    tu_disk_init_default(t);
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    tu_disk_fini(*state);
    free(*state);
    return 0;
}

static void unknown_operation_codes_are_invalid(void **state)
{
    tu_disk *t = *state;
    void *h = tu_open(t, 1);
    /* FORMAT UNIT, READ(6), WRITE(6), MODE SELECT(6), RESERVE(6), RELEASE(6),
     * START STOP UNIT, VERIFY(10), WRITE SAME(10), UNMAP, MODE SELECT(10),
     * MAINTENANCE IN, and a vendor-specific code. */
    const uint8_t ops[] = {0x04, 0x08, 0x0A, 0x15, 0x16, 0x17, 0x1B, 0x2F,
                           0x41, 0x42, 0x55, 0xA3, 0xC0, 0xFF};
    for (size_t i = 0; i < sizeof ops; i++) {
        uint8_t cdb[16] = {0};
        cdb[0] = ops[i];
        rsvd_io_result r = tu_exec0(t, h, cdb, 16);
        tu_assert_check(r, RSVD_SCSI_SENSE_ILLEGAL_REQUEST,
                        RSVD_SCSI_ASCQ_INVALID_COMMAND_OPERATION_CODE);
        assert_int_equal(r.scsi.srb_status, RSVD_SRB_STATUS_ERROR);
        assert_true(r.scsi.sense_auto_generated);
    }
    tu_close(t, h);
}

/* A CDB shorter than its command, or of no length, is an invalid field. */
static void short_or_empty_cdb_is_an_invalid_field(void **state)
{
    tu_disk *t = *state;
    void *h = tu_open(t, 1);
    uint8_t cdb[16];
    int n = rsvd_scsi_cdb_read16(cdb, sizeof cdb, 0, 1, 0);
    uint8_t buf[512];
    tu_assert_check(tu_exec(t, h, cdb, n - 1, NULL, 0, buf, sizeof buf),
                    RSVD_SCSI_SENSE_ILLEGAL_REQUEST, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
    rsvd_scsi_cmd cmd;
    memset(&cmd, 0, sizeof cmd);
    cmd.cdb_len = 0;
    tu_capture cap;
    t->ops->execute(t->set, h, &cmd, tu_capture_begin(&cap));
    tu_assert_check(tu_capture_end(&cap), RSVD_SCSI_SENSE_ILLEGAL_REQUEST,
                    RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
    cmd.cdb_len = 17;
    t->ops->execute(t->set, h, &cmd, tu_capture_begin(&cap));
    tu_assert_check(tu_capture_end(&cap), RSVD_SCSI_SENSE_ILLEGAL_REQUEST,
                    RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
    tu_close(t, h);
}

/* NACA in the CONTROL byte: NormACA is not supported. */
static void naca_is_an_invalid_field(void **state)
{
    tu_disk *t = *state;
    void *h = tu_open(t, 1);
    uint8_t cdb[16];
    int n = rsvd_scsi_cdb_test_unit_ready(cdb, sizeof cdb);
    cdb[n - 1] = 0x04;
    tu_assert_check(tu_exec0(t, h, cdb, n), RSVD_SCSI_SENSE_ILLEGAL_REQUEST,
                    RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
    tu_close(t, h);
}

static void unsupported_service_actions_are_invalid_fields(void **state)
{
    tu_disk *t = *state;
    void *h = tu_open(t, 1);
    uint8_t cdb[16], data[512];
    int n = rsvd_scsi_cdb_prin(cdb, sizeof cdb, RSVD_SCSI_PRIN_READ_FULL_STATUS, sizeof data);
    tu_assert_check(tu_exec(t, h, cdb, n, NULL, 0, data, sizeof data),
                    RSVD_SCSI_SENSE_ILLEGAL_REQUEST, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
    n = rsvd_scsi_cdb_prin(cdb, sizeof cdb, (enum rsvd_scsi_prin_action)0x04, sizeof data);
    tu_assert_check(tu_exec(t, h, cdb, n, NULL, 0, data, sizeof data),
                    RSVD_SCSI_SENSE_ILLEGAL_REQUEST, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
    n = rsvd_scsi_cdb_read_capacity16(cdb, sizeof cdb, 32);
    cdb[1] = 0x11; /* SERVICE ACTION IN(16) with another service action */
    tu_assert_check(tu_exec(t, h, cdb, n, NULL, 0, data, sizeof data),
                    RSVD_SCSI_SENSE_ILLEGAL_REQUEST, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
    tu_close(t, h);
}

/* The disk has no protection information: RDPROTECT/WRPROTECT are refused. */
static void protection_fields_are_invalid(void **state)
{
    tu_disk *t = *state;
    void *h = tu_open(t, 1);
    uint8_t cdb[16], buf[512] = {0};
    int n = rsvd_scsi_cdb_read10(cdb, sizeof cdb, 0, 1, 0);
    cdb[1] = 0x20; /* RDPROTECT 001b */
    tu_assert_check(tu_exec(t, h, cdb, n, NULL, 0, buf, sizeof buf),
                    RSVD_SCSI_SENSE_ILLEGAL_REQUEST, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
    n = rsvd_scsi_cdb_write16(cdb, sizeof cdb, 0, 1, 0);
    cdb[1] = 0xE0;
    tu_assert_check(tu_exec(t, h, cdb, n, buf, sizeof buf, NULL, 0),
                    RSVD_SCSI_SENSE_ILLEGAL_REQUEST, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
    tu_close(t, h);
}

/* REQUEST SENSE in descriptor format is not supported. */
static void descriptor_format_request_sense_is_an_invalid_field(void **state)
{
    tu_disk *t = *state;
    void *h = tu_open(t, 1);
    uint8_t cdb[16], data[32];
    int n = rsvd_scsi_cdb_request_sense(cdb, sizeof cdb, true, sizeof data);
    tu_assert_check(tu_exec(t, h, cdb, n, NULL, 0, data, sizeof data),
                    RSVD_SCSI_SENSE_ILLEGAL_REQUEST, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
    tu_close(t, h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(unknown_operation_codes_are_invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(short_or_empty_cdb_is_an_invalid_field, setup, teardown),
        cmocka_unit_test_setup_teardown(naca_is_an_invalid_field, setup, teardown),
        cmocka_unit_test_setup_teardown(unsupported_service_actions_are_invalid_fields, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(protection_fields_are_invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(descriptor_format_request_sense_is_an_invalid_field,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
