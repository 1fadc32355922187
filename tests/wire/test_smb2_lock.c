/*
 * SMB2 LOCK request, SMB2_LOCK_ELEMENT and LOCK response ([MS-SMB2] 2.2.26,
 * 2.2.26.1, 2.2.27), and the LockSequence split (2.2.26).
 */
#include <string.h>

#include <rsvd/smb2.h>
#include <rsvd/wire.h>
#include <rsvd/wire_smb2.h>

#include "smb2_test.h"
#include "testutil.h"

static int dec_req(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_lock_req_decode(b, n, o);
}

static int dec_rsp(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_lock_rsp_decode(b, n, o);
}

static void lock_request_golden_decodes_field_by_field(void **state)
{
    (void)state;
    uint8_t msg[256], out[256];
    size_t len = tu_golden_get("smb2_lock_req", msg, sizeof msg);
    assert_int_equal(len, 112);
    rsvd_smb2_lock_req m;
    assert_int_equal(tu_decode_exact(dec_req, msg, len, &m), RSVD_OK);
    assert_int_equal(rsvd_smb2_lock_req_decode(msg, len, &m), RSVD_OK);
    assert_int_equal(m.hdr.command, RSVD_SMB2_LOCK);
    assert_int_equal(m.hdr.message_id, 8);
    assert_int_equal(m.lock_count, 1);
    assert_int_equal(m.lock_sequence, 0x10);
    assert_int_equal(rsvd_smb2_lock_seq_index(m.lock_sequence), 1);
    assert_int_equal(rsvd_smb2_lock_seq_number(m.lock_sequence), 0);
    assert_true(m.file_id.persistent_id == T_PERSISTENT);
    assert_true(m.file_id.volatile_id == T_VOLATILE);
    assert_ptr_equal(m.locks, msg + 88);
    rsvd_smb2_lock_element e;
    assert_int_equal(rsvd_smb2_lock_element_get(&m, 0, &e), RSVD_OK);
    assert_true(e.offset == 0x1000);
    assert_true(e.length == 0x1000);
    assert_int_equal(e.flags,
                     RSVD_SMB2_LOCKFLAG_EXCLUSIVE_LOCK | RSVD_SMB2_LOCKFLAG_FAIL_IMMEDIATELY);
    assert_int_equal(rsvd_smb2_lock_element_get(&m, 1, &e), RSVD_E_INVAL);
    size_t n = 0;
    assert_int_equal(rsvd_smb2_lock_req_encode(&m, out, sizeof out, &n), RSVD_OK);
    tu_assert_bytes(out, n, msg, len);
    assert_int_equal(rsvd_smb2_lock_req_encode(&m, out, len - 1, &n), RSVD_E_NOSPC);
}

static void lock_request_with_two_elements_iterates_each(void **state)
{
    (void)state;
    uint8_t msg[256], out[256];
    size_t len = tu_golden_get("smb2_lock_req_two_elements", msg, sizeof msg);
    rsvd_smb2_lock_req m;
    assert_int_equal(rsvd_smb2_lock_req_decode(msg, len, &m), RSVD_OK);
    assert_int_equal(m.lock_count, 2);
    assert_int_equal(rsvd_smb2_lock_seq_index(m.lock_sequence), 3);
    assert_int_equal(rsvd_smb2_lock_seq_number(m.lock_sequence), 5);
    const uint64_t offsets[2] = {0, 0x10000};
    for (uint32_t i = 0; i < m.lock_count; i++) {
        rsvd_smb2_lock_element e;
        assert_int_equal(rsvd_smb2_lock_element_get(&m, i, &e), RSVD_OK);
        assert_true(e.offset == offsets[i]);
        assert_true(e.length == 0x200);
        assert_int_equal(e.flags,
                         RSVD_SMB2_LOCKFLAG_SHARED_LOCK | RSVD_SMB2_LOCKFLAG_FAIL_IMMEDIATELY);
    }
    rsvd_smb2_lock_element e;
    assert_int_equal(rsvd_smb2_lock_element_get(&m, 2, &e), RSVD_E_INVAL);
    assert_int_equal(rsvd_smb2_lock_element_get(&m, UINT32_MAX, &e), RSVD_E_INVAL);
    size_t n = 0;
    assert_int_equal(rsvd_smb2_lock_req_encode(&m, out, sizeof out, &n), RSVD_OK);
    tu_assert_bytes(out, n, msg, len);
}

static void lock_goldens_reject_every_truncation(void **state)
{
    (void)state;
    uint8_t msg[256];
    size_t len = tu_golden_get("smb2_lock_req", msg, sizeof msg);
    tu_assert_truncations_rejected(dec_req, msg, len, sizeof(rsvd_smb2_lock_req));
    len = tu_golden_get("smb2_lock_req_two_elements", msg, sizeof msg);
    tu_assert_truncations_rejected(dec_req, msg, len, sizeof(rsvd_smb2_lock_req));
    len = tu_golden_get("smb2_lock_rsp", msg, sizeof msg);
    tu_assert_truncations_rejected(dec_rsp, msg, len, sizeof(rsvd_smb2_lock_rsp));
}

/* 2.2.26: LockCount "MUST be greater than or equal to 1". */
static void lock_count_zero_is_rejected(void **state)
{
    (void)state;
    uint8_t msg[256];
    size_t len = tu_golden_get("smb2_lock_req", msg, sizeof msg);
    rsvd_smb2_lock_req m;
    put16(msg, 66, 0);
    assert_int_equal(rsvd_smb2_lock_req_decode(msg, len, &m), RSVD_E_WIRE_COUNT);
    assert_int_equal(rsvd_smb2_lock_req_decode(msg, 88, &m), RSVD_E_WIRE_COUNT);
    m.lock_count = 0;
    uint8_t out[256];
    size_t n = 0;
    assert_int_equal(rsvd_smb2_lock_req_encode(&m, out, sizeof out, &n), RSVD_E_INVAL);
}

static void lock_count_beyond_the_elements_present_is_short(void **state)
{
    (void)state;
    uint8_t msg[256];
    size_t len = tu_golden_get("smb2_lock_req", msg, sizeof msg);
    rsvd_smb2_lock_req m;
    put16(msg, 66, 2);
    assert_int_equal(rsvd_smb2_lock_req_decode(msg, len, &m), RSVD_E_WIRE_SHORT);
    put16(msg, 66, 0xFFFF);
    assert_int_equal(rsvd_smb2_lock_req_decode(msg, len, &m), RSVD_E_WIRE_SHORT);
}

static void lock_rejects_wrong_structure_size_and_command(void **state)
{
    (void)state;
    uint8_t msg[256];
    size_t len = tu_golden_get("smb2_lock_req", msg, sizeof msg);
    rsvd_smb2_lock_req m;
    rsvd_smb2_lock_rsp r;
    put16(msg, 64, 72); /* the size with two elements: still 48 on the wire */
    assert_int_equal(rsvd_smb2_lock_req_decode(msg, len, &m), RSVD_E_WIRE_STRUCTURE_SIZE);
    len = tu_golden_get("smb2_lock_rsp", msg, sizeof msg);
    put16(msg, 64, 48);
    assert_int_equal(rsvd_smb2_lock_rsp_decode(msg, len, &r), RSVD_E_WIRE_STRUCTURE_SIZE);
    len = tu_golden_get("smb2_close_req", msg, sizeof msg);
    assert_int_equal(rsvd_smb2_lock_req_decode(msg, len, &m), RSVD_E_WIRE_COMMAND);
    assert_int_equal(rsvd_smb2_lock_rsp_decode(msg, len, &r), RSVD_E_WIRE_COMMAND);
}

static void lock_response_golden_round_trips(void **state)
{
    (void)state;
    uint8_t msg[128], out[128];
    size_t len = tu_golden_get("smb2_lock_rsp", msg, sizeof msg);
    assert_int_equal(len, 68);
    rsvd_smb2_lock_rsp m;
    assert_int_equal(tu_decode_exact(dec_rsp, msg, len, &m), RSVD_OK);
    assert_int_equal(m.hdr.message_id, 8);
    assert_true(rsvd_smb2_hdr_is_response(&m.hdr));
    size_t n = 0;
    assert_int_equal(rsvd_smb2_lock_rsp_encode(&m, out, sizeof out, &n), RSVD_OK);
    tu_assert_bytes(out, n, msg, len);
    assert_int_equal(rsvd_smb2_lock_rsp_encode(&m, out, 67, &n), RSVD_E_NOSPC);
}

/* A request built element by element decodes to the same elements. */
static void lock_request_built_from_elements_round_trips(void **state)
{
    (void)state;
    const rsvd_smb2_lock_element els[3] = {
        {0x0, 0x10, RSVD_SMB2_LOCKFLAG_UNLOCK},
        {0xFFFFFFFFFFFFFFF0ull, 0x10, RSVD_SMB2_LOCKFLAG_UNLOCK},
        {0x123456789ull, 0x1, RSVD_SMB2_LOCKFLAG_UNLOCK},
    };
    uint8_t arr[3 * RSVD_SMB2_LOCK_ELEMENT_SIZE];
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(rsvd_smb2_lock_element_encode(&els[i], arr + 24 * i, 24), RSVD_OK);
    assert_int_equal(rsvd_smb2_lock_element_encode(&els[0], arr, 23), RSVD_E_NOSPC);
    rsvd_smb2_lock_req m;
    memset(&m, 0, sizeof m);
    m.hdr.message_id = 30;
    m.lock_count = 3;
    m.lock_sequence = rsvd_smb2_lock_seq_encode(64, 15);
    m.file_id.persistent_id = T_PERSISTENT;
    m.file_id.volatile_id = T_VOLATILE;
    m.locks = arr;
    uint8_t buf[256];
    size_t n = 0;
    assert_int_equal(rsvd_smb2_lock_req_encode(&m, buf, sizeof buf, &n), RSVD_OK);
    assert_int_equal(n, 88 + 72);
    rsvd_smb2_lock_req d;
    assert_int_equal(rsvd_smb2_lock_req_decode(buf, n, &d), RSVD_OK);
    assert_int_equal(d.lock_sequence, 0x40F);
    assert_int_equal(d.hdr.command, RSVD_SMB2_LOCK);
    for (uint32_t i = 0; i < 3; i++) {
        rsvd_smb2_lock_element e;
        assert_int_equal(rsvd_smb2_lock_element_get(&d, i, &e), RSVD_OK);
        assert_true(e.offset == els[i].offset);
        assert_true(e.length == els[i].length);
        assert_int_equal(e.flags, els[i].flags);
    }
}

/* 2.2.26: LockSequenceNumber = low 4 bits, LockSequenceIndex = upper 28 bits. */
static void lock_sequence_splits_into_index_and_number(void **state)
{
    (void)state;
    assert_int_equal(rsvd_smb2_lock_seq_encode(1, 0), 0x10);
    assert_int_equal(rsvd_smb2_lock_seq_encode(64, 15), 0x40F);
    assert_int_equal(rsvd_smb2_lock_seq_encode(3, 0x15), 0x35); /* number is 4 bits */
    assert_int_equal(rsvd_smb2_lock_seq_encode(0x0FFFFFFF, 0xF), 0xFFFFFFFF);
    assert_int_equal(rsvd_smb2_lock_seq_number(0xFFFFFFF7), 7);
    assert_int_equal(rsvd_smb2_lock_seq_index(0xFFFFFFF7), 0x0FFFFFFF);
    assert_int_equal(rsvd_smb2_lock_seq_index(0x41), 4);
    assert_int_equal(rsvd_smb2_lock_seq_number(0x41), 1);
    for (uint32_t idx = 0; idx <= RSVD_SMB2_LOCK_SEQUENCE_INDEX_MAX; idx++)
        for (uint8_t num = 0; num < 16; num++) {
            uint32_t ls = rsvd_smb2_lock_seq_encode(idx, num);
            assert_int_equal(rsvd_smb2_lock_seq_index(ls), idx);
            assert_int_equal(rsvd_smb2_lock_seq_number(ls), num);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lock_request_golden_decodes_field_by_field),
        cmocka_unit_test(lock_request_with_two_elements_iterates_each),
        cmocka_unit_test(lock_goldens_reject_every_truncation),
        cmocka_unit_test(lock_count_zero_is_rejected),
        cmocka_unit_test(lock_count_beyond_the_elements_present_is_short),
        cmocka_unit_test(lock_rejects_wrong_structure_size_and_command),
        cmocka_unit_test(lock_response_golden_round_trips),
        cmocka_unit_test(lock_request_built_from_elements_round_trips),
        cmocka_unit_test(lock_sequence_splits_into_index_and_number),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
