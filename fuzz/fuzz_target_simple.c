/*
 * Fuzz harness: rsvd-target's fixed-size SMB2 messages - the empty bodies
 * of LOGOFF, TREE_DISCONNECT, ECHO and CANCEL, FLUSH, OPLOCK_BREAK
 * ([MS-SMB2] 2.2.7, 2.2.8, 2.2.11, 2.2.12, 2.2.17, 2.2.23.1 - 2.2.30).
 */
#include "smb2_simple.h"

#include "fuzz_common.h"
#include <rsvd/smb2.h>

static uint16_t command;

static int dec_empty(const uint8_t *b, size_t n, void *o)
{
    return tgt_smb2_empty_decode(b, n, command, o);
}

static int enc_empty(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return tgt_smb2_empty_encode(o, command, b, cap, len);
}

static int dec_flush(const uint8_t *b, size_t n, void *o)
{
    return tgt_flush_req_decode(b, n, o);
}

static int enc_flush(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return tgt_flush_req_encode(o, b, cap, len);
}

static int dec_break(const uint8_t *b, size_t n, void *o)
{
    return tgt_oplock_break_decode(b, n, o);
}

static int enc_break(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return tgt_oplock_break_encode(o, b, cap, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint16_t empty[] = {RSVD_SMB2_LOGOFF, RSVD_SMB2_TREE_DISCONNECT, RSVD_SMB2_ECHO,
                                     RSVD_SMB2_CANCEL, RSVD_SMB2_FLUSH};
    if (size > FUZZ_MAX_MSG)
        size = FUZZ_MAX_MSG;
    for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
        command = empty[i];
        fuzz_round_trip(data, size, dec_empty, enc_empty, sizeof(tgt_smb2_empty));
    }
    fuzz_round_trip(data, size, dec_flush, enc_flush, sizeof(tgt_flush_req));
    fuzz_round_trip(data, size, dec_break, enc_break, sizeof(tgt_oplock_break));
    return 0;
}
