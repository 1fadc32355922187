/*
 * Fuzz harness: rsvd-target's framing of a TCP stream ([MS-SMB2] 2.1
 * Direct TCP; [RFC 1002] 4.3 session requests and keep-alives): every
 * frame handed on lies inside what was received, the consumed count never
 * passes it, and splitting the stream at any point gives the same frames.
 */
#include <string.h>

#include "framing.h"

#include "fuzz_common.h"

#define MAX_FRAME 4096u

typedef struct seen {
    const uint8_t *base;
    size_t len;
    size_t frames;
    size_t bytes;
    uint32_t hash;
} seen;

static void on_frame(void *ctx, const uint8_t *payload, size_t n)
{
    seen *s = ctx;
    s->frames++;
    if (!payload)
        return; /* a session request */
    FUZZ_CHECK(payload >= s->base && n <= s->len && (size_t)(payload - s->base) <= s->len - n);
    FUZZ_CHECK(n <= MAX_FRAME);
    s->bytes += n;
    for (size_t i = 0; i < n; i++)
        s->hash = s->hash * 31u + payload[i];
}

static bool never(void *ctx)
{
    (void)ctx;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_MSG)
        size = FUZZ_MAX_MSG;
    seen whole = {data, size, 0, 0, 0};
    long used = tgt_frames(data, size, MAX_FRAME, on_frame, &whole, never);
    FUZZ_CHECK(used >= -1 && (used < 0 || (size_t)used <= size));
    if (used < 0 || size < 2)
        return 0;
    /* The same stream in two pieces: the first piece's frames, then the
     * rest after what was consumed. */
    size_t cut = data[0] % size;
    seen parts = {data, cut, 0, 0, 0};
    long a = tgt_frames(data, cut, MAX_FRAME, on_frame, &parts, never);
    FUZZ_CHECK(a >= 0 && (size_t)a <= cut);
    parts.base = data + a;
    parts.len = size - (size_t)a;
    long b = tgt_frames(data + a, size - (size_t)a, MAX_FRAME, on_frame, &parts, never);
    FUZZ_CHECK(b >= 0 && a + b == used);
    FUZZ_CHECK(parts.frames == whole.frames && parts.bytes == whole.bytes &&
               parts.hash == whole.hash);
    return 0;
}
