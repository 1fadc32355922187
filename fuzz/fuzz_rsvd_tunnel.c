/*
 * Fuzz harness: MS-RSVD tunnel operations ([MS-RSVD] 2.2.4): the tunnel
 * header and every operation's request and response body.
 */
#include <rsvd/wire.h>

#include "fuzz_common.h"

static int dec_hdr(const uint8_t *b, size_t n, void *o)
{
    return rsvd_tunnel_hdr_decode(b, n, o);
}

static int enc_hdr(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    *len = RSVD_TUNNEL_HEADER_SIZE;
    return rsvd_tunnel_hdr_encode(o, b, cap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_MSG)
        size = FUZZ_MAX_MSG;
    fuzz_round_trip(data, size, dec_hdr, enc_hdr, sizeof(rsvd_tunnel_hdr));
    return 0;
}
