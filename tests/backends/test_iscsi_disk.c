/*
 * The iSCSI backend without a target: initiator names, configuration
 * checks, failures to connect, foreign handles, allocation failures. The
 * behaviour against a real target is tested in
 * tests/integration/test_iscsi_tgtd.c (tgtd).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rsvd/fscc.h>
#include <rsvd/iscsi_disk.h>
#include <rsvd/status.h>

#include "fail_alloc.h"
#include "testutil.h"

/* A GUID whose wire bytes make Data1..Data3 little-endian:
 * {00112233-4455-6677-8899-AABBCCDDEEFF}. */
static const rsvd_guid windows_guid = {{0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88,
                                        0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF}};

static void initiator_name_is_the_prefix_and_the_guid_as_windows_writes_it(void **state)
{
    (void)state;
    char name[RSVD_ISCSI_NAME_MAX + 1];
    assert_int_equal(rsvd_iscsi_initiator_name(NULL, &windows_guid, true, name, sizeof name),
                     RSVD_OK);
    assert_string_equal(name, "iqn.2024-01.invalid.librsvd:00112233-4455-6677-8899-aabbccddeeff");
    assert_int_equal(rsvd_iscsi_initiator_name("iqn.2016-04.com.example:cluster1", &windows_guid,
                                               true, name, sizeof name),
                     RSVD_OK);
    assert_string_equal(name,
                        "iqn.2016-04.com.example:cluster1:00112233-4455-6677-8899-aabbccddeeff");
}

static void opens_without_initiator_share_one_name(void **state)
{
    (void)state;
    char name[RSVD_ISCSI_NAME_MAX + 1];
    assert_int_equal(rsvd_iscsi_initiator_name(NULL, NULL, false, name, sizeof name), RSVD_OK);
    assert_string_equal(name, "iqn.2024-01.invalid.librsvd:no-initiator");
}

static void initiator_name_refuses_a_prefix_that_is_not_an_iqn(void **state)
{
    (void)state;
    char name[RSVD_ISCSI_NAME_MAX + 1];
    char longp[220];
    memset(longp, 'a', sizeof longp - 1);
    memcpy(longp, "iqn.", 4);
    longp[sizeof longp - 1] = '\0';
    const char *bad[] = {"IQN.2024-01.invalid.x", "iqn.2024-01.Invalid.x", "eui.0123456789ABCDEF",
                         "iqn.2024-01 invalid", "iqn.", "iqn.2024_01.x", "", longp};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(rsvd_iscsi_initiator_name(bad[i], &windows_guid, true, name, sizeof name),
                         RSVD_E_INVAL);
    assert_int_equal(rsvd_iscsi_initiator_name(NULL, NULL, true, name, sizeof name), RSVD_E_INVAL);
}

static void initiator_name_that_does_not_fit_is_refused(void **state)
{
    (void)state;
    char name[40];
    memset(name, 'x', sizeof name);
    assert_int_equal(rsvd_iscsi_initiator_name(NULL, &windows_guid, true, name, sizeof name),
                     RSVD_E_NOSPC);
    assert_string_equal(name, "");
}

static void create_refuses_an_incomplete_configuration(void **state)
{
    (void)state;
    rsvd_iscsi_disk *d = (rsvd_iscsi_disk *)1;
    assert_int_equal(rsvd_iscsi_disk_create(NULL, &d), RSVD_E_INVAL);
    assert_null(d);
    rsvd_iscsi_disk_config cfg = RSVD_STRUCT_INIT(rsvd_iscsi_disk_config);
    cfg.target = "iqn.2024-01.invalid.test:t";
    assert_int_equal(rsvd_iscsi_disk_create(&cfg, &d), RSVD_E_INVAL); /* no portal */
    cfg.portal = "127.0.0.1:3260";
    cfg.target = NULL;
    assert_int_equal(rsvd_iscsi_disk_create(&cfg, &d), RSVD_E_INVAL); /* no target */
    cfg.target = "iqn.2024-01.invalid.test:t";
    cfg.initiator_prefix = "Not-An-IQN";
    assert_int_equal(rsvd_iscsi_disk_create(&cfg, &d), RSVD_E_INVAL);
    cfg.initiator_prefix = NULL;
    cfg.queue_depth = 1025;
    assert_int_equal(rsvd_iscsi_disk_create(&cfg, &d), RSVD_E_INVAL);
    cfg.queue_depth = 0;
    cfg.chap_password = "secret";
    assert_int_equal(rsvd_iscsi_disk_create(&cfg, &d), RSVD_E_INVAL); /* password, no user */
    cfg.chap_user = "user";
    assert_int_equal(rsvd_iscsi_disk_create(&cfg, &d), RSVD_OK);
    assert_int_equal(rsvd_iscsi_disk_last_error(d)->status, RSVD_STATUS_SUCCESS);
    assert_string_equal(rsvd_iscsi_disk_last_error(d)->reason, "");
    assert_int_equal(rsvd_iscsi_disk_pending(d), 0);
    assert_int_equal(rsvd_iscsi_disk_pollfds(d, NULL, 0), 0); /* nothing connected yet */
    assert_int_equal(rsvd_iscsi_disk_destroy(d), RSVD_OK);
    assert_int_equal(rsvd_iscsi_disk_destroy(NULL), RSVD_OK);
}

/* A loopback port where nothing listens (bound, never listened on). */
static int closed_port(int *fd)
{
    *fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(*fd >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    assert_int_equal(bind(*fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(*fd, (struct sockaddr *)&a, &len), 0);
    return ntohs(a.sin_port);
}

static rsvd_io_result open_one(rsvd_iscsi_disk *d, bool synchronous)
{
    rsvd_backend_open_args a;
    memset(&a, 0, sizeof a);
    a.file_name = "disk.vhdx";
    a.has_initiator = true;
    a.initiator_id = windows_guid;
    tu_capture cap;
    rsvd_iscsi_disk_backend_ops()->open(d, &a, tu_capture_begin(&cap));
    for (int i = 0; !synchronous && cap.completions == 0 && i < 100; i++)
        assert_true(rsvd_iscsi_disk_run(d, 100) >= 0);
    return tu_capture_end(&cap);
}

static void open_fails_with_device_not_ready_when_nothing_listens(void **state)
{
    (void)state;
    for (int synchronous = 1; synchronous >= 0; synchronous--) {
        int fd;
        char portal[64];
        snprintf(portal, sizeof portal, "127.0.0.1:%d", closed_port(&fd));
        rsvd_iscsi_disk_config cfg = RSVD_STRUCT_INIT(rsvd_iscsi_disk_config);
        cfg.portal = portal;
        cfg.target = "iqn.2024-01.invalid.test:nobody";
        cfg.synchronous = synchronous != 0;
        cfg.timeout_s = 5;
        rsvd_iscsi_disk *d;
        assert_int_equal(rsvd_iscsi_disk_create(&cfg, &d), RSVD_OK);
        rsvd_io_result r = open_one(d, cfg.synchronous);
        assert_int_equal(r.status, RSVD_STATUS_DEVICE_NOT_READY);
        assert_null(r.handle);
        const rsvd_backend_diag *why = rsvd_iscsi_disk_last_error(d);
        assert_int_equal(why->status, RSVD_STATUS_DEVICE_NOT_READY);
        assert_non_null(strstr(why->reason, portal));
        assert_non_null(strstr(why->reason, "iqn.2024-01.invalid.test:nobody"));
        assert_null(strchr(why->reason, '\n'));
        assert_int_equal(rsvd_iscsi_disk_pending(d), 0);
        assert_int_equal(rsvd_iscsi_disk_pollfds(d, NULL, 0), 0);
        assert_int_equal(rsvd_iscsi_disk_destroy(d), RSVD_OK);
        close(fd);
    }
}

static void a_foreign_handle_is_refused(void **state)
{
    (void)state;
    rsvd_iscsi_disk_config cfg = RSVD_STRUCT_INIT(rsvd_iscsi_disk_config);
    cfg.portal = "127.0.0.1:1";
    cfg.target = "iqn.2024-01.invalid.test:t";
    rsvd_iscsi_disk *d;
    assert_int_equal(rsvd_iscsi_disk_create(&cfg, &d), RSVD_OK);
    const rsvd_scsi_disk_ops *ops = rsvd_iscsi_disk_backend_ops();
    uint64_t foreign[8] = {0};
    uint8_t buf[512];
    rsvd_scsi_cmd cmd;
    memset(&cmd, 0, sizeof cmd);
    cmd.cdb_len = 6;
    rsvd_disk_info info;
    tu_capture cap;
    ops->execute(d, foreign, &cmd, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_INVALID_HANDLE);
    ops->read(d, foreign, 0, buf, sizeof buf, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_INVALID_HANDLE);
    ops->write(d, foreign, 0, buf, sizeof buf, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_INVALID_HANDLE);
    ops->get_info(d, foreign, &info, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_INVALID_HANDLE);
    ops->validate(d, foreign, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_INVALID_HANDLE);
    ops->query_info(d, foreign, RSVD_FILE_STANDARD_INFORMATION, buf, sizeof buf,
                    tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_INVALID_HANDLE);
    ops->set_info(d, foreign, RSVD_FILE_RENAME_INFORMATION, buf, 8, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_INVALID_HANDLE);
    ops->close(d, foreign, false, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_INVALID_HANDLE);
    ops->close(d, NULL, false, tu_capture_begin(&cap));
    assert_int_equal(tu_capture_end(&cap).status, RSVD_STATUS_INVALID_HANDLE);
    assert_int_equal(rsvd_iscsi_disk_destroy(d), RSVD_OK);
}

/* Allocation failures: create fails cleanly at each allocation, and leaves
 * nothing behind. */
static void create_survives_every_allocation_failure(void **state)
{
    (void)state;
    int ok_at = -1;
    for (int n = 0; n < 32 && ok_at < 0; n++) {
        fa_alloc a;
        fa_init(&a);
        fa_fail_after(&a, (size_t)n); /* n allocations work, then none */
        rsvd_iscsi_disk_config cfg = RSVD_STRUCT_INIT(rsvd_iscsi_disk_config);
        cfg.portal = "127.0.0.1:1";
        cfg.target = "iqn.2024-01.invalid.test:t";
        cfg.chap_user = "u";
        cfg.chap_password = "p";
        cfg.mem = &a.mem;
        rsvd_iscsi_disk *d = NULL;
        int rc = rsvd_iscsi_disk_create(&cfg, &d);
        if (rc == RSVD_OK) {
            ok_at = n;
            assert_int_equal(rsvd_iscsi_disk_destroy(d), RSVD_OK);
        } else {
            assert_int_equal(rc, RSVD_E_NOMEM);
            assert_null(d);
        }
        assert_int_equal(a.live, 0);
    }
    assert_true(ok_at > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(initiator_name_is_the_prefix_and_the_guid_as_windows_writes_it),
        cmocka_unit_test(opens_without_initiator_share_one_name),
        cmocka_unit_test(initiator_name_refuses_a_prefix_that_is_not_an_iqn),
        cmocka_unit_test(initiator_name_that_does_not_fit_is_refused),
        cmocka_unit_test(create_refuses_an_incomplete_configuration),
        cmocka_unit_test(open_fails_with_device_not_ready_when_nothing_listens),
        cmocka_unit_test(a_foreign_handle_is_refused),
        cmocka_unit_test(create_survives_every_allocation_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
