/*
 * rsvd-target's command line (rsvd-target(1)), access masks and sharing
 * ([MS-SMB2] 2.2.13.1.1, [MS-FSA] 2.1.5.1.2), and the framing of a TCP
 * stream ([MS-SMB2] 2.1, [RFC 1002] 4.3).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "access.h"
#include "config.h"
#include "framing.h"

#include <rsvd/fscc.h>
#include <rsvd/wire.h>

static int parse(tgt_config *cfg, char *err, const char *const *args)
{
    /* getopt wants writable strings. */
    static char store[32][128];
    char *argv[33];
    int argc = 0;
    snprintf(store[argc], sizeof store[argc], "rsvd-target");
    argv[argc] = store[argc];
    argc++;
    for (; *args && argc < 32; args++, argc++) {
        snprintf(store[argc], sizeof store[argc], "%s", *args);
        argv[argc] = store[argc];
    }
    argv[argc] = NULL;
    return tgt_config_from_args(argc, argv, cfg, err, 256);
}

static void a_command_line(void **state)
{
    (void)state;
    static tgt_config cfg;
    char err[256];
    const char *const args[] = {"--listen", "127.0.0.1:0", "--share", "vm=/srv/vm,ca", "--share",
                                "data=/srv/data", "--guest", "--max-opens", "9", NULL};
    assert_int_equal(parse(&cfg, err, args), 0);
    assert_string_equal(cfg.listen_host, "127.0.0.1");
    assert_int_equal(cfg.listen_port, 0);
    assert_int_equal(cfg.nshares, 2);
    assert_string_equal(cfg.shares[0].name, "vm");
    assert_string_equal(cfg.shares[0].dir, "/srv/vm");
    assert_true(cfg.shares[0].ca);
    assert_false(cfg.shares[1].ca);
    assert_true(cfg.guest);
    assert_int_equal(cfg.limits.max_opens, 9);
    assert_int_equal(cfg.limits.max_message, TGT_DEFAULT_MAX_IO + TGT_MESSAGE_OVERHEAD);
}

static void command_lines_refused(void **state)
{
    (void)state;
    static tgt_config cfg;
    char err[256];
    const char *const no_listen[] = {"--share", "d=/x", "--guest", NULL};
    assert_int_equal(parse(&cfg, err, no_listen), -1);
    const char *const no_share[] = {"--listen", "127.0.0.1:1", "--guest", NULL};
    assert_int_equal(parse(&cfg, err, no_share), -1);
    const char *const nobody[] = {"--listen", "127.0.0.1:1", "--share", "d=/x", NULL};
    assert_int_equal(parse(&cfg, err, nobody), -1);
    const char *const twice[] = {"--listen", "127.0.0.1:1", "--share", "d=/x", "--share",
                                 "D=/y", "--guest", NULL};
    assert_int_equal(parse(&cfg, err, twice), -1);
    const char *const port[] = {"--listen", "127.0.0.1:65536", "--share", "d=/x", "--guest",
                                NULL};
    assert_int_equal(parse(&cfg, err, port), -1);
    const char *const small[] = {"--listen", "h:1", "--share", "d=/x", "--guest", "--max-io",
                                 "65536", "--max-message", "65536", NULL};
    assert_int_equal(parse(&cfg, err, small), -1);
    const char *const bad_name[] = {"--listen", "h:1", "--share", "a\\b=/x", "--guest", NULL};
    assert_int_equal(parse(&cfg, err, bad_name), -1);
    const char *const extra[] = {"--listen", "h:1", "--share", "d=/x", "--guest", "stray", NULL};
    assert_int_equal(parse(&cfg, err, extra), -1);
}

static void access_masks_and_sharing(void **state)
{
    (void)state;
    /* [MS-SMB2] 2.2.13.1.1 with the file generic mapping. */
    assert_int_equal(tgt_access_map(TGT_GENERIC_ALL), TGT_FILE_ALL_ACCESS);
    assert_int_equal(tgt_access_map(TGT_MAXIMUM_ALLOWED), TGT_FILE_ALL_ACCESS);
    assert_int_equal(tgt_access_map(TGT_GENERIC_READ), 0x00120089);
    assert_int_equal(tgt_access_map(TGT_GENERIC_WRITE), 0x00120116);
    assert_int_equal(tgt_access_map(TGT_FILE_READ_ATTRIBUTES), TGT_FILE_READ_ATTRIBUTES);
    /* [MS-FSA] 2.1.5.1.2.1: a writer conflicts with an open that does not
     * share writing, either way round; stat opens conflict with nothing. */
    uint32_t rw = TGT_FILE_READ_DATA | TGT_FILE_WRITE_DATA;
    assert_true(tgt_share_conflict(TGT_FILE_WRITE_DATA, 7, TGT_FILE_READ_DATA,
                                   RSVD_FILE_SHARE_READ));
    assert_true(tgt_share_conflict(TGT_FILE_READ_DATA, RSVD_FILE_SHARE_READ, rw, 7));
    assert_false(tgt_share_conflict(TGT_FILE_READ_DATA, 7, TGT_FILE_READ_DATA,
                                    RSVD_FILE_SHARE_READ));
    assert_true(tgt_share_conflict(TGT_DELETE, 7, TGT_FILE_READ_DATA, RSVD_FILE_SHARE_READ));
    assert_false(tgt_share_conflict(TGT_FILE_READ_ATTRIBUTES, 0, rw, 0));
    assert_false(tgt_share_conflict(rw, 0, TGT_FILE_READ_ATTRIBUTES, 0));
}

typedef struct got {
    size_t frames, requests, bytes;
} got;

static void on_frame(void *ctx, const uint8_t *payload, size_t n)
{
    got *g = ctx;
    if (!payload) {
        g->requests++;
        return;
    }
    g->frames++;
    g->bytes += n;
}

static bool never(void *ctx)
{
    (void)ctx;
    return false;
}

static void frames_out_of_a_stream(void **state)
{
    (void)state;
    /* Two messages, a keep-alive between them, then half of a third. */
    static const uint8_t s[] = {0x00, 0, 0, 3, 'a', 'b', 'c', 0x85, 0, 0, 0,
                                0x00, 0, 0, 1, 'd', 0x00, 0, 0, 9, 'e'};
    got g = {0, 0, 0};
    assert_int_equal(tgt_frames(s, sizeof s, 100, on_frame, &g, never), 16);
    assert_int_equal(g.frames, 2);
    assert_int_equal(g.bytes, 4);
    /* A session request ([RFC 1002] 4.3.2) is handed on without payload. */
    static const uint8_t req[] = {0x81, 0, 0, 2, 'x', 'y', 0x00, 0, 0, 0};
    g = (got){0, 0, 0};
    assert_int_equal(tgt_frames(req, sizeof req, 100, on_frame, &g, never), 10);
    assert_int_equal(g.requests, 1);
    assert_int_equal(g.frames, 1);
    /* Longer than the limit, or another type: the connection goes. */
    static const uint8_t big[] = {0x00, 0, 1, 0};
    assert_int_equal(tgt_frames(big, sizeof big, 255, on_frame, &g, never), -1);
    static const uint8_t other[] = {0x82, 0, 0, 0};
    assert_int_equal(tgt_frames(other, sizeof other, 255, on_frame, &g, never), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_command_line),
        cmocka_unit_test(command_lines_refused),
        cmocka_unit_test(access_masks_and_sharing),
        cmocka_unit_test(frames_out_of_a_stream),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
