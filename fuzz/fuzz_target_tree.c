/*
 * Fuzz harness: rsvd-target's TREE_CONNECT request and response ([MS-SMB2]
 * 2.2.9, 2.2.10), and the path the server reads from it.
 */
#include <string.h>

#include "smb2_tree.h"
#include "utf16.h"

#include "fuzz_common.h"

static int dec_req(const uint8_t *b, size_t n, void *o)
{
    return tgt_tree_connect_req_decode(b, n, o);
}

static int enc_req(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return tgt_tree_connect_req_encode(o, b, cap, len);
}

static int dec_rsp(const uint8_t *b, size_t n, void *o)
{
    return tgt_tree_connect_rsp_decode(b, n, o);
}

static int enc_rsp(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return tgt_tree_connect_rsp_encode(o, b, cap, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_MSG)
        size = FUZZ_MAX_MSG;
    fuzz_round_trip(data, size, dec_req, enc_req, sizeof(tgt_tree_connect_req));
    fuzz_round_trip(data, size, dec_rsp, enc_rsp, sizeof(tgt_tree_connect_rsp));
    tgt_tree_connect_req q;
    if (tgt_tree_connect_req_decode(data, size, &q) == RSVD_OK) {
        /* The path as UTF-8, and back: the same UTF-16 when it converts. */
        static char path[4 * 65536 + 1];
        static uint8_t back[2 * 65536 + 2];
        if (tgt_utf16_to_utf8(q.path, q.path_length, path, sizeof path) == 0) {
            FUZZ_CHECK(strlen(path) < sizeof path);
            long n = tgt_utf8_to_utf16(path, back, sizeof back);
            FUZZ_CHECK(n == (long)q.path_length && (n == 0 || memcmp(back, q.path, (size_t)n) == 0));
        }
    }
    return 0;
}
