/*
 * The integrator template's codecs of the messages a client exchanges
 * before its first open (examples/common/smb2_setup_negotiate.c, smb2_setup_session.c,
 * smb2_setup_tree.c): each encoder gives the golden bytes laid out by hand from
 * [MS-SMB2] 2.2.3 - 2.2.12, each decoder reads the golden responses, and no
 * truncation or bad StructureSize, offset or command is read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rsvd/smb2.h>
#include <rsvd/wire_smb2.h>

#include "golden.h"
#include "smb2_setup_negotiate.h"
#include "smb2_setup_session.h"
#include "smb2_setup_tree.h"

static uint8_t g_buf[1024];

static size_t golden(const char *name)
{
    const tu_golden *g = tu_golden_find(name);
    assert_non_null(g);
    size_t n = tu_golden_parse(g, g_buf, sizeof g_buf);
    assert_true(n != (size_t)-1);
    return n;
}

static rsvd_smb2_hdr req_hdr(uint64_t mid, uint64_t sid, uint32_t tid)
{
    rsvd_smb2_hdr h;
    memset(&h, 0, sizeof h);
    h.credit = 64;
    h.message_id = mid;
    h.session_id = sid;
    h.tree_id = tid;
    return h;
}

static void negotiate_request_is_the_golden_one(void **state)
{
    (void)state;
    smb2_negotiate_req r;
    memset(&r, 0, sizeof r);
    r.security_mode = SMB2_NEGOTIATE_SIGNING_ENABLED;
    r.capabilities = RSVD_SMB2_GLOBAL_CAP_LARGE_MTU | RSVD_SMB2_GLOBAL_CAP_PERSISTENT_HANDLES;
    for (int i = 0; i < 16; i++)
        r.client_guid.b[i] = (uint8_t)(i * 0x11);
    const uint16_t d[] = {RSVD_SMB2_DIALECT_202, RSVD_SMB2_DIALECT_210, RSVD_SMB2_DIALECT_300,
                          RSVD_SMB2_DIALECT_302};
    memcpy(r.dialects, d, sizeof d);
    r.dialect_count = 4;
    rsvd_smb2_hdr h = req_hdr(0, 0, 0);
    uint8_t out[256];
    size_t len = 0;
    assert_int_equal(smb2_negotiate_req_encode(&h, &r, out, sizeof out, &len), RSVD_OK);
    size_t n = golden("smb2_setup_negotiate_request");
    assert_int_equal(len, n);
    assert_memory_equal(out, g_buf, n);
    /* No dialect, too many, or 3.1.1 (it needs negotiate contexts). */
    r.dialect_count = 0;
    assert_int_equal(smb2_negotiate_req_encode(&h, &r, out, sizeof out, &len), RSVD_E_INVAL);
    r.dialect_count = SMB2_NEGOTIATE_DIALECTS_MAX + 1;
    assert_int_equal(smb2_negotiate_req_encode(&h, &r, out, sizeof out, &len), RSVD_E_INVAL);
    r.dialect_count = 1;
    r.dialects[0] = RSVD_SMB2_DIALECT_311;
    assert_int_equal(smb2_negotiate_req_encode(&h, &r, out, sizeof out, &len), RSVD_E_INVAL);
    r.dialects[0] = RSVD_SMB2_DIALECT_302;
    assert_int_equal(smb2_negotiate_req_encode(&h, &r, out, 90, &len), RSVD_E_NOSPC);
}

static void negotiate_response_is_read_field_by_field(void **state)
{
    (void)state;
    size_t n = golden("smb2_setup_negotiate_response");
    smb2_negotiate_rsp r;
    assert_int_equal(smb2_negotiate_rsp_decode(g_buf, n, &r), RSVD_OK);
    assert_int_equal(r.security_mode, SMB2_NEGOTIATE_SIGNING_ENABLED);
    assert_int_equal(r.dialect, RSVD_SMB2_DIALECT_302);
    assert_int_equal(r.server_guid.b[0], 0xA0);
    assert_int_equal(r.server_guid.b[15], 0xAF);
    assert_int_equal(r.capabilities, 0x7);
    assert_int_equal(r.max_transact_size, 0x800000);
    assert_int_equal(r.max_read_size, 0x800000);
    assert_int_equal(r.max_write_size, 0x800000);
    assert_true(r.system_time == 0x01DA0B2DACF8C000ull);
    assert_int_equal(r.security_buffer_length, 0);
    assert_null(r.security_buffer);
    /* A security buffer: its view; one past the end: refused. */
    g_buf[122] = 1;
    assert_int_equal(smb2_negotiate_rsp_decode(g_buf, n, &r), RSVD_OK);
    assert_ptr_equal(r.security_buffer, g_buf + 128);
    g_buf[122] = 2;
    assert_int_equal(smb2_negotiate_rsp_decode(g_buf, n, &r), RSVD_E_WIRE_RANGE);
    g_buf[120] = 0x40; /* inside the fixed part */
    assert_int_equal(smb2_negotiate_rsp_decode(g_buf, n, &r), RSVD_E_WIRE_OFFSET);
    g_buf[64] = 64; /* StructureSize */
    assert_int_equal(smb2_negotiate_rsp_decode(g_buf, n, &r), RSVD_E_WIRE_STRUCTURE_SIZE);
    g_buf[12] = RSVD_SMB2_SESSION_SETUP; /* another command */
    assert_int_equal(smb2_negotiate_rsp_decode(g_buf, n, &r), RSVD_E_WIRE_COMMAND);
    n = golden("smb2_setup_negotiate_response");
    for (size_t cut = 0; cut < 128; cut++)
        assert_int_not_equal(smb2_negotiate_rsp_decode(g_buf, cut, &r), RSVD_OK);
}

static void session_setup_request_is_the_golden_one(void **state)
{
    (void)state;
    static const uint8_t token[9] = {0xA1, 0x07, 0x30, 0x05, 0xA0, 0x03, 0x0A, 0x01, 0x00};
    smb2_session_setup_req r;
    memset(&r, 0, sizeof r);
    r.security_mode = SMB2_NEGOTIATE_SIGNING_ENABLED;
    r.previous_session_id = 0x0000100000000000ull;
    r.security_buffer = token;
    r.security_buffer_length = sizeof token;
    rsvd_smb2_hdr h = req_hdr(1, 0x0000100000000001ull, 0);
    uint8_t out[256];
    size_t len = 0;
    assert_int_equal(smb2_session_setup_req_encode(&h, &r, out, sizeof out, &len), RSVD_OK);
    size_t n = golden("smb2_setup_session_setup_request");
    assert_int_equal(len, n);
    assert_memory_equal(out, g_buf, n);
    /* Without a token the Buffer still has its byte. */
    r.security_buffer_length = 0;
    assert_int_equal(smb2_session_setup_req_encode(&h, &r, out, sizeof out, &len), RSVD_OK);
    assert_int_equal(len, 89);
}

static void session_setup_response_is_read_with_its_token(void **state)
{
    (void)state;
    size_t n = golden("smb2_setup_session_setup_response");
    smb2_session_setup_rsp r;
    assert_int_equal(smb2_session_setup_rsp_decode(g_buf, n, &r), RSVD_OK);
    assert_int_equal(r.session_flags, SMB2_SESSION_FLAG_IS_GUEST);
    assert_int_equal(r.security_buffer_length, 9);
    assert_ptr_equal(r.security_buffer, g_buf + 72);
    assert_true(r.hdr.session_id == 0x0000100000000001ull);
    for (size_t cut = 0; cut < n; cut++)
        assert_int_not_equal(smb2_session_setup_rsp_decode(g_buf, cut, &r), RSVD_OK);
    g_buf[68] = 0x40; /* SecurityBufferOffset into the fixed part */
    assert_int_equal(smb2_session_setup_rsp_decode(g_buf, n, &r), RSVD_E_WIRE_OFFSET);
    g_buf[68] = 0x48;
    g_buf[12] = RSVD_SMB2_LOGOFF; /* another command */
    assert_int_equal(smb2_session_setup_rsp_decode(g_buf, n, &r), RSVD_E_WIRE_COMMAND);
}

static void tree_connect_request_and_response_are_the_golden_ones(void **state)
{
    (void)state;
    static const uint8_t path[10] = {'\\', 0, '\\', 0, 'h', 0, '\\', 0, 's', 0};
    rsvd_smb2_hdr h = req_hdr(2, 0x0000100000000001ull, 77);
    uint8_t out[256];
    size_t len = 0;
    assert_int_equal(smb2_tree_connect_req_encode(&h, path, sizeof path, out, sizeof out, &len),
                     RSVD_OK);
    size_t n = golden("smb2_setup_tree_connect_request");
    assert_int_equal(len, n);
    assert_memory_equal(out, g_buf, n); /* TreeId 0, whatever the header had */
    assert_int_equal(smb2_tree_connect_req_encode(&h, path, 3, out, sizeof out, &len),
                     RSVD_E_INVAL);
    assert_int_equal(smb2_tree_connect_req_encode(&h, path, 0, out, sizeof out, &len),
                     RSVD_E_INVAL);

    n = golden("smb2_setup_tree_connect_response");
    smb2_tree_connect_rsp r;
    assert_int_equal(smb2_tree_connect_rsp_decode(g_buf, n, &r), RSVD_OK);
    assert_int_equal(r.hdr.tree_id, 5);
    assert_int_equal(r.share_type, SMB2_SHARE_TYPE_DISK);
    assert_int_equal(r.share_flags, 0);
    assert_int_equal(r.capabilities, RSVD_SMB2_SHARE_CAP_CONTINUOUS_AVAILABILITY);
    assert_int_equal(r.maximal_access, 0x001F01FF);
    for (size_t cut = 0; cut < n; cut++)
        assert_int_not_equal(smb2_tree_connect_rsp_decode(g_buf, cut, &r), RSVD_OK);
    g_buf[64] = 9;
    assert_int_equal(smb2_tree_connect_rsp_decode(g_buf, n, &r), RSVD_E_WIRE_STRUCTURE_SIZE);
}

static void logoff_and_tree_disconnect_are_the_golden_ones(void **state)
{
    (void)state;
    uint8_t out[128];
    size_t len = 0;
    rsvd_smb2_hdr h = req_hdr(3, 0x0000100000000001ull, 5);
    assert_int_equal(smb2_tree_disconnect_req_encode(&h, out, sizeof out, &len), RSVD_OK);
    size_t n = golden("smb2_setup_tree_disconnect_request");
    assert_int_equal(len, n);
    assert_memory_equal(out, g_buf, n);
    h = req_hdr(4, 0x0000100000000001ull, 0);
    assert_int_equal(smb2_logoff_req_encode(&h, out, sizeof out, &len), RSVD_OK);
    n = golden("smb2_setup_logoff_request");
    assert_int_equal(len, n);
    assert_memory_equal(out, g_buf, n);

    rsvd_smb2_hdr r;
    n = golden("smb2_setup_tree_disconnect_response");
    assert_int_equal(smb2_tree_disconnect_rsp_decode(g_buf, n, &r), RSVD_OK);
    assert_int_equal(smb2_logoff_rsp_decode(g_buf, n, &r), RSVD_E_WIRE_COMMAND);
    assert_int_equal(smb2_tree_disconnect_rsp_decode(g_buf, n - 1, &r), RSVD_E_WIRE_SHORT);
    n = golden("smb2_setup_logoff_response");
    assert_int_equal(smb2_logoff_rsp_decode(g_buf, n, &r), RSVD_OK);
    g_buf[64] = 5;
    assert_int_equal(smb2_logoff_rsp_decode(g_buf, n, &r), RSVD_E_WIRE_STRUCTURE_SIZE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(negotiate_request_is_the_golden_one),
        cmocka_unit_test(negotiate_response_is_read_field_by_field),
        cmocka_unit_test(session_setup_request_is_the_golden_one),
        cmocka_unit_test(session_setup_response_is_read_with_its_token),
        cmocka_unit_test(tree_connect_request_and_response_are_the_golden_ones),
        cmocka_unit_test(logoff_and_tree_disconnect_are_the_golden_ones),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
