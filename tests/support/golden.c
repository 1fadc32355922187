/*
 * The golden vectors. Each is cited to the section whose table or example it
 * was laid out from. Add new vectors at the end of their family.
 */
#include "golden.h"

#include <string.h>

const tu_golden tu_golden_vectors[] = {
    /* ---- smb2_header: [MS-SMB2] 2.2.1, 2.2.2 ------------------------------ */

    /* SYNC request header of the spec reference's FSCTL_LMR_REQUEST_RESILIENCY
     * worked example (1.6): Command IOCTL, MessageId 7, TreeId 5, SessionId
     * 0x11, Reserved 0xFEFF as Windows clients send it. */
    {"smb2_header", "smb2_header_sync_request", false,
     "FE534D42 4000 0100 00000000 0B00 0100 00000000 00000000"
     "0700000000000000 FFFE0000 05000000 1100000000000000"
     "00000000000000000000000000000000"},

    /* ASYNC response header (2.2.1.1): STATUS_PENDING, AsyncId 42. */
    {"smb2_header", "smb2_header_async_response", false,
     "FE534D42 4000 0000 03010000 0B00 0100 03000000 00000000"
     "0800000000000000 2A00000000000000 1100000000000000"
     "00000000000000000000000000000000"},

    /* ERROR response body (2.2.2) with ByteCount 0 and the pad byte. */
    {"smb2_header", "smb2_error_body_empty", false, "0900 00 00 00000000 00"},

    /* ERROR response body for STATUS_BUFFER_TOO_SMALL (2.2.2.2): 4-byte
     * minimum length 0x28. */
    {"smb2_header", "smb2_error_body_buffer_too_small", false,
     "0900 00 00 04000000 28000000"},

    /* ---- rsvd_tunnel: [MS-RSVD] 2.2.4 ------------------------------------- */

    /* SVHDX_TUNNEL_OPERATION_HEADER (2.2.4.11) of a GET_INITIAL_INFO request,
     * RequestId 0x3028E5B600000001 (the id sequence of example 4.3). */
    {"rsvd_tunnel", "rsvd_tunnel_header_initial_info", false,
     "01100002 00000000 01000000B6E52830"},
};

const size_t tu_golden_count = sizeof tu_golden_vectors / sizeof tu_golden_vectors[0];

const tu_golden *tu_golden_find(const char *name)
{
    for (size_t i = 0; i < tu_golden_count; i++)
        if (strcmp(tu_golden_vectors[i].name, name) == 0)
            return &tu_golden_vectors[i];
    return NULL;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

size_t tu_golden_parse(const tu_golden *g, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (const char *p = g->hex; *p; p++) {
        if (*p == ' ' || *p == '\n' || *p == '\t' || *p == '|')
            continue;
        int v = hexval(*p);
        if (v < 0)
            return (size_t)-1;
        if (hi < 0) {
            hi = v;
            continue;
        }
        if (n >= cap)
            return (size_t)-1;
        out[n++] = (uint8_t)(hi << 4 | v);
        hi = -1;
    }
    return hi < 0 ? n : (size_t)-1;
}
