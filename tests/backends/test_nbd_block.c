/*
 * The NBD block source without a server: configuration checks and a
 * refused connection. Reads, writes, flushes and splitting against a real
 * server (qemu-nbd serving a VHDX) are in tests/integration/test_nbd_vhdx.c.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rsvd/nbd_block.h>
#include <rsvd/status.h>

#include "testutil.h"

static void open_refuses_an_incomplete_configuration(void **state)
{
    (void)state;
    rsvd_nbd_block *nb = (rsvd_nbd_block *)1;
    rsvd_backend_diag why;
    assert_int_equal(rsvd_nbd_block_open(NULL, &nb, &why), RSVD_E_INVAL);
    assert_null(nb);
    rsvd_nbd_block_config cfg = RSVD_STRUCT_INIT(rsvd_nbd_block_config);
    assert_int_equal(rsvd_nbd_block_open(&cfg, &nb, &why), RSVD_E_INVAL); /* no URI */
    assert_int_equal(why.status, RSVD_STATUS_INVALID_PARAMETER);
    cfg.uri = "nbd://127.0.0.1:1/x";
    const uint32_t bad[][2] = {{1000, 0}, {256, 0}, {131072, 0}, {4096, 512}, {512, 3000}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cfg.logical_sector_size = bad[i][0];
        cfg.physical_sector_size = bad[i][1];
        memset(&why, 0, sizeof why);
        assert_int_equal(rsvd_nbd_block_open(&cfg, &nb, &why), RSVD_E_INVAL);
        assert_int_equal(why.status, RSVD_STATUS_INVALID_PARAMETER);
        assert_non_null(strstr(why.reason, "sector sizes"));
    }
}

static void open_fails_with_device_not_ready_when_nothing_listens(void **state)
{
    (void)state;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0); /* never listened on */
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    char uri[64];
    snprintf(uri, sizeof uri, "nbd://127.0.0.1:%d/vdisk", ntohs(a.sin_port));
    rsvd_nbd_block_config cfg = RSVD_STRUCT_INIT(rsvd_nbd_block_config);
    cfg.uri = uri;
    rsvd_nbd_block *nb = (rsvd_nbd_block *)1;
    rsvd_backend_diag why;
    assert_int_equal(rsvd_nbd_block_open(&cfg, &nb, &why), RSVD_E_IO);
    assert_null(nb);
    assert_int_equal(why.status, RSVD_STATUS_DEVICE_NOT_READY);
    assert_non_null(strstr(why.reason, uri));
    rsvd_nbd_block_close(NULL);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(open_refuses_an_incomplete_configuration),
        cmocka_unit_test(open_fails_with_device_not_ready_when_nothing_listens),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
