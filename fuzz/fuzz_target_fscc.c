/*
 * Fuzz harness: the [MS-FSCC] structures rsvd-target reads from SET_INFO
 * (2.4.7 FileBasicInformation, 2.4.37.2 FILE_RENAME_INFORMATION_TYPE_2,
 * the 1-, 4- and 8-byte classes) and the SMB2 names it turns into paths of
 * a share ([MS-SMB2] 2.2.13, [MS-FSCC] 2.1.5).
 */
#include <string.h>

#include "fscc_info.h"
#include "vfs.h"

#include "fuzz_common.h"
#include <rsvd/status.h>

static int dec_basic(const uint8_t *b, size_t n, void *o)
{
    return tgt_fscc_set_basic_decode(b, n, o);
}

static int enc_basic(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return tgt_fscc_set_basic_encode(o, b, cap, len);
}

static int dec_rename(const uint8_t *b, size_t n, void *o)
{
    return tgt_fscc_set_rename_decode(b, n, o);
}

static int enc_rename(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return tgt_fscc_set_rename_encode(o, b, cap, len);
}

/* A name the server accepts is a relative path below the share. */
static void name(const uint8_t *n16, size_t len)
{
    static char rel[4096];
    bool stream = false;
    if (tgt_vfs_name(n16, len, rel, sizeof rel, &stream) != RSVD_STATUS_SUCCESS)
        return;
    FUZZ_CHECK(rel[0] != '/' && rel[0] != '\\');
    for (const char *p = rel; *p; p = strchr(p, '/') ? strchr(p, '/') + 1 : p + strlen(p)) {
        FUZZ_CHECK(strncmp(p, "../", 3) != 0 && strcmp(p, "..") != 0);
        FUZZ_CHECK(strncmp(p, "./", 2) != 0 && strcmp(p, ".") != 0);
        FUZZ_CHECK(*p != '/');
    }
    FUZZ_CHECK(strchr(rel, ':') == NULL && strchr(rel, '\\') == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_MSG)
        size = FUZZ_MAX_MSG;
    fuzz_round_trip(data, size, dec_basic, enc_basic, sizeof(tgt_set_basic));
    fuzz_round_trip(data, size, dec_rename, enc_rename, sizeof(tgt_set_rename));
    uint64_t v64;
    uint32_t v32;
    uint8_t v8;
    FUZZ_CHECK((tgt_fscc_u64_decode(data, size, &v64) == RSVD_OK) == (size >= 8));
    FUZZ_CHECK((tgt_fscc_u32_decode(data, size, &v32) == RSVD_OK) == (size >= 4));
    FUZZ_CHECK((tgt_fscc_u8_decode(data, size, &v8) == RSVD_OK) == (size >= 1));
    tgt_set_rename r;
    if (tgt_fscc_set_rename_decode(data, size, &r) == RSVD_OK)
        name(r.name16, r.name16_len);
    name(data, size);
    return 0;
}
