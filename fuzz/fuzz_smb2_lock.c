/*
 * Fuzz harness: SMB2 LOCK request with its elements, LOCK response
 * ([MS-SMB2] 2.2.26, 2.2.26.1, 2.2.27).
 */
#include <rsvd/smb2.h>
#include <rsvd/wire.h>
#include <rsvd/wire_smb2.h>

#include "fuzz_common.h"

static int dec_req(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_lock_req_decode(b, n, o);
}

static int enc_req(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return rsvd_smb2_lock_req_encode(o, b, cap, len);
}

static int dec_rsp(const uint8_t *b, size_t n, void *o)
{
    return rsvd_smb2_lock_rsp_decode(b, n, o);
}

static int enc_rsp(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return rsvd_smb2_lock_rsp_encode(o, b, cap, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_MSG)
        size = FUZZ_MAX_MSG;
    fuzz_round_trip(data, size, dec_req, enc_req, sizeof(rsvd_smb2_lock_req));
    fuzz_round_trip(data, size, dec_rsp, enc_rsp, sizeof(rsvd_smb2_lock_rsp));

    /* Every element of an accepted request decodes, and re-encodes to its bytes. */
    rsvd_smb2_lock_req m;
    if (rsvd_smb2_lock_req_decode(data, size, &m) == RSVD_OK) {
        FUZZ_CHECK(m.lock_count >= 1);
        for (uint32_t i = 0; i < m.lock_count; i++) {
            rsvd_smb2_lock_element e, e2;
            uint8_t b[RSVD_SMB2_LOCK_ELEMENT_SIZE];
            FUZZ_CHECK(rsvd_smb2_lock_element_get(&m, i, &e) == RSVD_OK);
            FUZZ_CHECK(rsvd_smb2_lock_element_encode(&e, b, sizeof b) == RSVD_OK);
            rsvd_smb2_lock_req one = m;
            one.lock_count = 1;
            one.locks = b;
            FUZZ_CHECK(rsvd_smb2_lock_element_get(&one, 0, &e2) == RSVD_OK);
            FUZZ_CHECK(e.offset == e2.offset && e.length == e2.length && e.flags == e2.flags);
        }
        rsvd_smb2_lock_element e;
        FUZZ_CHECK(rsvd_smb2_lock_element_get(&m, m.lock_count, &e) == RSVD_E_INVAL);
        uint32_t ls = m.lock_sequence;
        FUZZ_CHECK(rsvd_smb2_lock_seq_encode(rsvd_smb2_lock_seq_index(ls),
                                             rsvd_smb2_lock_seq_number(ls)) == ls);
    }
    return 0;
}
