#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

size_t tu_hex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (const char *p = hex; *p; p++) {
        if (*p == ' ' || *p == '\n' || *p == '\t' || *p == '|' || *p == '-')
            continue;
        int v = hexval(*p);
        if (v < 0)
            fail_msg("stray character '%c' in hex string", *p);
        if (hi < 0) {
            hi = v;
        } else {
            if (n >= cap)
                fail_msg("hex string longer than %zu bytes", cap);
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    if (hi >= 0)
        fail_msg("odd number of hex digits");
    return n;
}

static void dump(const char *label, const uint8_t *b, size_t len)
{
    fprintf(stderr, "%s (%zu bytes):", label, len);
    for (size_t i = 0; i < len; i++)
        fprintf(stderr, "%s%02x", i % 16 ? " " : "\n  ", b[i]);
    fprintf(stderr, "\n");
}

void tu_assert_bytes(const uint8_t *got, size_t got_len, const uint8_t *want, size_t want_len)
{
    if (got_len == want_len && (got_len == 0 || memcmp(got, want, got_len) == 0))
        return;
    dump("got", got, got_len);
    dump("want", want, want_len);
    size_t i = 0;
    while (i < got_len && i < want_len && got[i] == want[i])
        i++;
    fail_msg("byte mismatch at offset %zu (lengths %zu vs %zu)", i, got_len, want_len);
}

int tu_decode_exact(tu_decode_fn dec, const uint8_t *msg, size_t len, void *out)
{
    uint8_t *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    if (len)
        memcpy(copy, msg, len);
    int rc = dec(copy, len, out);
    free(copy);
    return rc;
}

void tu_assert_truncations_rejected(tu_decode_fn dec, const uint8_t *msg, size_t len,
                                    size_t out_size)
{
    void *out = malloc(out_size ? out_size : 1);
    assert_non_null(out);
    for (size_t n = 0; n < len; n++) {
        int rc = tu_decode_exact(dec, msg, n, out);
        if (rc == 0)
            fail_msg("decoder accepted a message truncated to %zu of %zu bytes", n, len);
    }
    free(out);
}

size_t tu_golden_get(const char *name, uint8_t *out, size_t cap)
{
    const tu_golden *g = tu_golden_find(name);
    if (!g)
        fail_msg("no golden vector named %s", name);
    size_t n = tu_golden_parse(g, out, cap);
    if (n == (size_t)-1)
        fail_msg("golden vector %s is malformed or longer than %zu bytes", name, cap);
    return n;
}

rsvd_io_result tu_capture_end(tu_capture *cap)
{
    if (cap->completions != 1)
        fail_msg("backend call completed %u times, expected once", cap->completions);
    return cap->result;
}
