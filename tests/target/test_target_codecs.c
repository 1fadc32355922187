/*
 * rsvd-target's SMB2 codecs against the golden vectors laid out from the
 * specs (tests/support/golden.c, families target_*): every field where the
 * spec's table puts it, encoders giving the same bytes back, and each
 * structural rule refused with its code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "golden.h"
#include "smb2_negotiate.h"
#include "smb2_query_directory.h"
#include "smb2_session.h"
#include "smb2_simple.h"
#include "smb2_tree.h"
#include <rsvd/smb2.h>

static uint8_t vec[4096];
static uint8_t out[4096];

static size_t golden(const char *name)
{
    const tu_golden *g = tu_golden_find(name);
    assert_non_null(g);
    size_t n = tu_golden_parse(g, vec, sizeof vec);
    assert_true(n != (size_t)-1);
    return n;
}

/* ---- NEGOTIATE ([MS-SMB2] 2.2.3, 2.2.4) ------------------------------------------- */

static void negotiate_request_fields_and_dialects(void **state)
{
    (void)state;
    size_t n = golden("target_negotiate_request");
    tgt_negotiate_req q;
    assert_int_equal(tgt_negotiate_req_decode(vec, n, &q), RSVD_OK);
    assert_int_equal(q.dialect_count, 4);
    assert_int_equal(q.security_mode, TGT_NEGOTIATE_SIGNING_ENABLED);
    assert_int_equal(q.capabilities, 0x7F);
    assert_int_equal(q.client_guid.b[0], 0x11);
    assert_int_equal(tgt_negotiate_req_dialect(&q, 0), RSVD_SMB2_DIALECT_202);
    assert_int_equal(tgt_negotiate_req_dialect(&q, 3), RSVD_SMB2_DIALECT_302);
    assert_int_equal(tgt_negotiate_req_dialect(&q, 4), 0); /* past the end */
    size_t len = 0;
    assert_int_equal(tgt_negotiate_req_encode(&q, out, sizeof out, &len), RSVD_OK);
    assert_int_equal(len, n);
    assert_memory_equal(out, vec, n);
}

static void negotiate_request_refuses_what_its_table_refuses(void **state)
{
    (void)state;
    size_t n = golden("target_negotiate_request");
    tgt_negotiate_req q;
    /* The dialects run past the message. */
    assert_int_equal(tgt_negotiate_req_decode(vec, n - 1, &q), RSVD_E_WIRE_RANGE);
    /* Shorter than the header and the fixed part. */
    assert_int_equal(tgt_negotiate_req_decode(vec, 99, &q), RSVD_E_WIRE_SHORT);
    /* StructureSize must be 36. */
    vec[64] = 37;
    assert_int_equal(tgt_negotiate_req_decode(vec, n, &q), RSVD_E_WIRE_STRUCTURE_SIZE);
    vec[64] = 36;
    /* Another command. */
    vec[12] = RSVD_SMB2_SESSION_SETUP;
    assert_int_equal(tgt_negotiate_req_decode(vec, n, &q), RSVD_E_WIRE_COMMAND);
}

static void negotiate_response_fields_and_security_buffer(void **state)
{
    (void)state;
    size_t n = golden("target_negotiate_response");
    tgt_negotiate_rsp m;
    assert_int_equal(tgt_negotiate_rsp_decode(vec, n, &m), RSVD_OK);
    assert_int_equal(m.dialect_revision, RSVD_SMB2_DIALECT_302);
    assert_int_equal(m.capabilities, TGT_CAP_LARGE_MTU | TGT_CAP_MULTI_CHANNEL);
    assert_int_equal(m.max_read_size, 1u << 20);
    assert_int_equal(m.security_buffer_offset, TGT_NEGOTIATE_RSP_BUFFER_OFFSET);
    assert_int_equal(m.security_buffer_length, 30);
    assert_ptr_equal(m.security_buffer, vec + 128);
    size_t len = 0;
    assert_int_equal(tgt_negotiate_rsp_encode(&m, out, sizeof out, &len), RSVD_OK);
    assert_int_equal(len, n);
    assert_memory_equal(out, vec, n);
    /* Without a security buffer, the one byte StructureSize 65 counts. */
    m.security_buffer_length = 0;
    m.security_buffer = NULL;
    assert_int_equal(tgt_negotiate_rsp_encode(&m, out, sizeof out, &len), RSVD_OK);
    assert_int_equal(len, 129);
}

static void smb1_negotiate_finds_the_smb2_dialects(void **state)
{
    (void)state;
    size_t n = golden("target_smb1_negotiate");
    tgt_smb1_negotiate s;
    assert_int_equal(tgt_smb1_negotiate_decode(vec, n, &s), RSVD_OK);
    assert_int_equal(s.dialect_strings, 3);
    assert_true(s.smb2_wildcard);
    assert_true(s.smb2_002);
    /* A dialect string without its NUL. */
    assert_int_equal(tgt_smb1_negotiate_decode(vec, n - 1, &s), RSVD_E_WIRE_SHORT);
    vec[33] = (uint8_t)(vec[33] - 1); /* ByteCount one less: the last string is cut */
    assert_int_equal(tgt_smb1_negotiate_decode(vec, n - 1, &s), RSVD_E_WIRE_VALUE);
    vec[4] = 0x73; /* not SMB_COM_NEGOTIATE */
    assert_int_equal(tgt_smb1_negotiate_decode(vec, n, &s), RSVD_E_WIRE_COMMAND);
}

static void validate_negotiate_request_and_response(void **state)
{
    (void)state;
    size_t n = golden("target_validate_negotiate_request");
    tgt_validate_negotiate_req v;
    assert_int_equal(tgt_validate_negotiate_req_decode(vec, n, &v), RSVD_OK);
    assert_int_equal(v.dialect_count, 4);
    assert_int_equal(tgt_validate_negotiate_req_dialect(&v, 3), RSVD_SMB2_DIALECT_302);
    size_t len = 0;
    assert_int_equal(tgt_validate_negotiate_req_encode(&v, out, sizeof out, &len), RSVD_OK);
    assert_memory_equal(out, vec, n);
    assert_int_equal(tgt_validate_negotiate_req_decode(vec, n - 1, &v), RSVD_E_WIRE_SHORT);
    n = golden("target_validate_negotiate_response");
    tgt_validate_negotiate_rsp r;
    assert_int_equal(tgt_validate_negotiate_rsp_decode(vec, n, &r), RSVD_OK);
    assert_int_equal(r.dialect, RSVD_SMB2_DIALECT_302);
    assert_int_equal(r.security_mode, TGT_NEGOTIATE_SIGNING_ENABLED);
    assert_int_equal(tgt_validate_negotiate_rsp_encode(&r, out, sizeof out, &len), RSVD_OK);
    assert_int_equal(len, TGT_VALIDATE_NEGOTIATE_RSP_SIZE);
    assert_memory_equal(out, vec, n);
}

/* ---- SESSION_SETUP ([MS-SMB2] 2.2.5, 2.2.6) ------------------------------------------ */

static void session_setup_request_and_response(void **state)
{
    (void)state;
    size_t n = golden("target_session_setup_request");
    tgt_session_setup_req q;
    assert_int_equal(tgt_session_setup_req_decode(vec, n, &q), RSVD_OK);
    assert_int_equal(q.security_mode, 1);
    assert_int_equal(q.security_buffer_offset, TGT_SESSION_SETUP_REQ_BUFFER_OFFSET);
    assert_int_equal(q.security_buffer_length, 74);
    assert_int_equal(q.previous_session_id, 0);
    size_t len = 0;
    assert_int_equal(tgt_session_setup_req_encode(&q, out, sizeof out, &len), RSVD_OK);
    assert_memory_equal(out, vec, n);
    /* A buffer offset inside the fixed part. */
    vec[76] = 0x50;
    assert_int_equal(tgt_session_setup_req_decode(vec, n, &q), RSVD_E_WIRE_OFFSET);

    n = golden("target_session_setup_response");
    tgt_session_setup_rsp r;
    assert_int_equal(tgt_session_setup_rsp_decode(vec, n, &r), RSVD_OK);
    assert_int_equal(r.session_flags, TGT_SESSION_FLAG_IS_GUEST);
    assert_int_equal(r.security_buffer_length, 9);
    assert_int_equal(tgt_session_setup_rsp_encode(&r, out, sizeof out, &len), RSVD_OK);
    assert_int_equal(len, n);
    assert_memory_equal(out, vec, n);
}

/* ---- TREE_CONNECT ([MS-SMB2] 2.2.9, 2.2.10) ---------------------------------------------- */

static void tree_connect_request_and_response(void **state)
{
    (void)state;
    size_t n = golden("target_tree_connect_request");
    tgt_tree_connect_req q;
    assert_int_equal(tgt_tree_connect_req_decode(vec, n, &q), RSVD_OK);
    assert_int_equal(q.path_length, 32);
    assert_memory_equal(q.path, "\\\0\\\0" "1\0", 6);
    size_t len = 0;
    assert_int_equal(tgt_tree_connect_req_encode(&q, out, sizeof out, &len), RSVD_OK);
    assert_memory_equal(out, vec, n);
    assert_int_equal(tgt_tree_connect_req_decode(vec, n - 2, &q), RSVD_E_WIRE_RANGE);

    n = golden("target_tree_connect_response");
    tgt_tree_connect_rsp r;
    assert_int_equal(tgt_tree_connect_rsp_decode(vec, n, &r), RSVD_OK);
    assert_int_equal(r.share_type, TGT_SHARE_TYPE_DISK);
    assert_int_equal(r.capabilities, TGT_SHARE_CAP_CONTINUOUS_AVAILABILITY);
    assert_int_equal(r.maximal_access, 0x001F01FF);
    assert_int_equal(tgt_tree_connect_rsp_encode(&r, out, sizeof out, &len), RSVD_OK);
    assert_int_equal(len, n);
    assert_memory_equal(out, vec, n);
}

/* ---- the fixed-size messages ([MS-SMB2] 2.2.8, 2.2.17, 2.2.23.1, 2.2.28) ------------------ */

static void fixed_size_messages(void **state)
{
    (void)state;
    size_t n = golden("target_echo_request"), len = 0;
    tgt_smb2_empty e;
    assert_int_equal(tgt_smb2_empty_decode(vec, n, RSVD_SMB2_ECHO, &e), RSVD_OK);
    assert_int_equal(tgt_smb2_empty_decode(vec, n, RSVD_SMB2_LOGOFF, &e), RSVD_E_WIRE_COMMAND);
    assert_int_equal(tgt_smb2_empty_encode(&e, RSVD_SMB2_ECHO, out, sizeof out, &len), RSVD_OK);
    assert_int_equal(len, 68);
    assert_memory_equal(out, vec, n);
    assert_int_equal(tgt_smb2_empty_decode(vec, n - 1, RSVD_SMB2_ECHO, &e), RSVD_E_WIRE_SHORT);

    n = golden("target_logoff_response");
    assert_int_equal(tgt_smb2_empty_decode(vec, n, RSVD_SMB2_LOGOFF, &e), RSVD_OK);
    assert_true(rsvd_smb2_hdr_is_response(&e.hdr));

    n = golden("target_flush_request");
    tgt_flush_req f;
    assert_int_equal(tgt_flush_req_decode(vec, n, &f), RSVD_OK);
    assert_int_equal(f.file_id.persistent_id, 0x400000001ull);
    assert_int_equal(tgt_flush_req_encode(&f, out, sizeof out, &len), RSVD_OK);
    assert_memory_equal(out, vec, n);

    n = golden("target_oplock_break_notification");
    tgt_oplock_break b;
    assert_int_equal(tgt_oplock_break_decode(vec, n, &b), RSVD_OK);
    assert_int_equal(b.hdr.message_id, UINT64_MAX);
    assert_int_equal(b.oplock_level, RSVD_SMB2_OPLOCK_LEVEL_NONE);
    assert_int_equal(tgt_oplock_break_encode(&b, out, sizeof out, &len), RSVD_OK);
    assert_memory_equal(out, vec, n);
}

/* ---- QUERY_DIRECTORY ([MS-SMB2] 2.2.33, 2.2.34) ------------------------------------------- */

static void query_directory_request_and_response(void **state)
{
    (void)state;
    size_t n = golden("target_query_directory_request"), len = 0;
    tgt_query_directory_req q;
    assert_int_equal(tgt_query_directory_req_decode(vec, n, &q), RSVD_OK);
    assert_int_equal(q.file_information_class, 0x0C);
    assert_int_equal(q.file_name_length, 2);
    assert_memory_equal(q.file_name, "*\0", 2);
    assert_int_equal(q.output_buffer_length, 65536);
    assert_int_equal(tgt_query_directory_req_encode(&q, out, sizeof out, &len), RSVD_OK);
    assert_memory_equal(out, vec, n);
    /* A name offset inside the fixed part. */
    vec[88] = 0x58;
    assert_int_equal(tgt_query_directory_req_decode(vec, n, &q), RSVD_E_WIRE_OFFSET);

    n = golden("target_query_directory_response");
    tgt_query_directory_rsp r;
    assert_int_equal(tgt_query_directory_rsp_decode(vec, n, &r), RSVD_OK);
    assert_int_equal(r.output_buffer_length, 14);
    assert_int_equal(tgt_query_directory_rsp_encode(&r, out, sizeof out, &len), RSVD_OK);
    assert_memory_equal(out, vec, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(negotiate_request_fields_and_dialects),
        cmocka_unit_test(negotiate_request_refuses_what_its_table_refuses),
        cmocka_unit_test(negotiate_response_fields_and_security_buffer),
        cmocka_unit_test(smb1_negotiate_finds_the_smb2_dialects),
        cmocka_unit_test(validate_negotiate_request_and_response),
        cmocka_unit_test(session_setup_request_and_response),
        cmocka_unit_test(tree_connect_request_and_response),
        cmocka_unit_test(fixed_size_messages),
        cmocka_unit_test(query_directory_request_and_response),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
