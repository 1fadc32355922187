/*
 * Fuzz harness: rsvd-target's QUERY_DIRECTORY request and response
 * ([MS-SMB2] 2.2.33, 2.2.34), the search pattern the server reads from it
 * and matches ([MS-FSA] 2.1.4.4), and the names it encodes into entries
 * ([MS-FSCC] 2.4).
 */
#include <stdbool.h>
#include <string.h>

#include "fscc_info.h"
#include "smb2_query_directory.h"
#include "utf16.h"
#include "vfs.h"

#include "fuzz_common.h"
#include <rsvd/wire.h>

static int dec_req(const uint8_t *b, size_t n, void *o)
{
    return tgt_query_directory_req_decode(b, n, o);
}

static int enc_req(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return tgt_query_directory_req_encode(o, b, cap, len);
}

static int dec_rsp(const uint8_t *b, size_t n, void *o)
{
    return tgt_query_directory_rsp_decode(b, n, o);
}

static int enc_rsp(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return tgt_query_directory_rsp_encode(o, b, cap, len);
}

static char fold(char c)
{
    return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

/* [MS-FSA] 2.1.4.4 read literally, by backtracking: exponential in the
 * wildcards, so only ever run on short patterns and names, as the model
 * the server's matcher must agree with. */
static bool model_match(const char *p, const char *n)
{
    for (; *p; p++) {
        switch (*p) {
        case '*':
            for (const char *k = n;; k++) {
                if (model_match(p + 1, k))
                    return true;
                if (!*k)
                    return false;
            }
        case '<': /* any run that stops at or before the last '.' */
            for (const char *k = n;; k++) {
                if (model_match(p + 1, k))
                    return true;
                if (!*k || (*k == '.' && !strchr(k + 1, '.')))
                    return false;
            }
        case '>':
            if (*n && *n != '.')
                n++;
            break;
        case '"':
            if (*n == '.')
                n++;
            else if (*n)
                return false;
            break;
        case '?':
            if (!*n)
                return false;
            n++;
            break;
        default:
            if (fold(*p) != fold(*n))
                return false;
            n++;
            break;
        }
    }
    return *n == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char pattern[4 * 65536 + 1];
    static uint8_t entry[TGT_DIRENT_FIXED_MAX + 2 * 65536];
    if (size > FUZZ_MAX_MSG)
        size = FUZZ_MAX_MSG;
    fuzz_round_trip(data, size, dec_req, enc_req, sizeof(tgt_query_directory_req));
    fuzz_round_trip(data, size, dec_rsp, enc_rsp, sizeof(tgt_query_directory_rsp));
    tgt_query_directory_req q;
    if (tgt_query_directory_req_decode(data, size, &q) != RSVD_OK ||
        tgt_utf16_to_utf8(q.file_name, q.file_name_length, pattern, sizeof pattern) != 0)
        return 0;
    /* The pattern against names, and one entry of the class asked for. */
    static const char *const names[] = {".", "..", "a.txt", "disk.vhdx", "README", "x.y.z"};
    const size_t plen = strlen(pattern);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        bool m = tgt_vfs_match(pattern, names[i]);
        FUZZ_CHECK(plen > 24 || m == model_match(pattern, names[i]));
        FUZZ_CHECK(plen <= TGT_VFS_PATTERN_MAX || !m);
    }
    bool self = tgt_vfs_match(pattern, pattern);
    FUZZ_CHECK(plen > TGT_VFS_NAME_MAX || strpbrk(pattern, "*?<>\"") != NULL || self);
    FUZZ_CHECK(plen > TGT_VFS_NAME_MAX || tgt_vfs_match("*", pattern));
    tgt_file_info fi;
    memset(&fi, 0, sizeof fi);
    rsvd_wr w;
    rsvd_wr_init(&w, entry, sizeof entry);
    int rc = tgt_fscc_dirent_encode(q.file_information_class, &fi, 0, q.file_name,
                                    q.file_name_length, &w);
    size_t fixed = tgt_fscc_dirent_fixed_size(q.file_information_class);
    FUZZ_CHECK(rc == (fixed ? RSVD_OK : RSVD_E_INVAL));
    FUZZ_CHECK(!fixed || rsvd_wr_pos(&w) == fixed + q.file_name_length);
    return 0;
}
