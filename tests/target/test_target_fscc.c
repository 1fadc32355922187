/*
 * rsvd-target's [MS-FSCC] structures (fscc_info.h): each field at the
 * offset the spec's table gives, the sizes below which a query fails, the
 * security descriptor of [MS-DTYP] 2.4.6, and the SET_INFO inputs against
 * the golden vectors of family target_fscc.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fscc_info.h"
#include "golden.h"
#include <rsvd/wire.h>

static uint8_t buf[4096];

static uint64_t u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static uint32_t u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static const tgt_file_info fi = {
    .creation_time = 1, .last_access_time = 2, .last_write_time = 3, .change_time = 4,
    .allocation_size = 8192, .end_of_file = 5000, .attributes = TGT_ATTR_ARCHIVE, .links = 1,
    .index_number = 0x1234, .delete_pending = true, .directory = false};

static size_t encode(uint8_t cls, size_t *min)
{
    static const uint8_t name16[] = {'\\', 0, 'f', 0};
    tgt_file_query q = {&fi, 0x0012019F, 77, 0, name16, sizeof name16};
    rsvd_wr w;
    rsvd_wr_init(&w, buf, sizeof buf);
    assert_int_equal(tgt_fscc_file_info_encode(cls, &q, &w, min), RSVD_OK);
    return rsvd_wr_pos(&w);
}

static void file_information_classes(void **state)
{
    (void)state;
    size_t min;
    /* [MS-FSCC] 2.4.7 FileBasicInformation: four times, then attributes. */
    assert_int_equal(encode(TGT_FILE_BASIC_INFORMATION, &min), 40);
    assert_int_equal(u64(buf + 16), 3);
    assert_int_equal(u32(buf + 32), TGT_ATTR_ARCHIVE);
    /* 2.4.41 FileStandardInformation */
    assert_int_equal(encode(TGT_FILE_STANDARD_INFORMATION, &min), 24);
    assert_int_equal(u64(buf), 8192);
    assert_int_equal(u64(buf + 8), 5000);
    assert_int_equal(u32(buf + 16), 1);
    assert_int_equal(buf[20], 1); /* DeletePending */
    assert_int_equal(buf[21], 0); /* Directory */
    /* 2.4.2 FileAllInformation: the parts in order, the name last. */
    assert_int_equal(encode(TGT_FILE_ALL_INFORMATION, &min), 104);
    assert_int_equal(min, 100);
    assert_int_equal(u64(buf + 64), 0x1234); /* InternalInformation */
    assert_int_equal(u32(buf + 76), 0x0012019F); /* AccessInformation */
    assert_int_equal(u64(buf + 80), 77); /* PositionInformation */
    assert_int_equal(u32(buf + 96), 4);  /* FileNameLength */
    /* 2.4.29 FileNetworkOpenInformation */
    assert_int_equal(encode(TGT_FILE_NETWORK_OPEN_INFORMATION, &min), 56);
    assert_int_equal(u64(buf + 40), 5000);
    assert_int_equal(u32(buf + 48), TGT_ATTR_ARCHIVE);
    /* 2.4.44 FileStreamInformation: the default stream. */
    assert_int_equal(encode(TGT_FILE_STREAM_INFORMATION, &min), 24 + 14);
    assert_int_equal(u32(buf + 4), 14);
    assert_memory_equal(buf + 24, ":\0:\0$\0D\0A\0T\0A\0", 14);
    /* A class not answered. */
    tgt_file_query q = {&fi, 0, 0, 0, NULL, 0};
    rsvd_wr w;
    rsvd_wr_init(&w, buf, sizeof buf);
    assert_int_equal(tgt_fscc_file_info_encode(99, &q, &w, &min), RSVD_E_NOTSUP);
}

static void directory_entries(void **state)
{
    (void)state;
    /* The fixed parts of [MS-FSCC] 2.4.8, 2.4.10, 2.4.14, 2.4.17, 2.4.18, 2.4.33. */
    assert_int_equal(tgt_fscc_dirent_fixed_size(TGT_FILE_DIRECTORY_INFORMATION), 64);
    assert_int_equal(tgt_fscc_dirent_fixed_size(TGT_FILE_FULL_DIRECTORY_INFORMATION), 68);
    assert_int_equal(tgt_fscc_dirent_fixed_size(TGT_FILE_BOTH_DIRECTORY_INFORMATION), 94);
    assert_int_equal(tgt_fscc_dirent_fixed_size(TGT_FILE_ID_BOTH_DIRECTORY_INFORMATION), 104);
    assert_int_equal(tgt_fscc_dirent_fixed_size(TGT_FILE_ID_FULL_DIRECTORY_INFORMATION), 80);
    assert_int_equal(tgt_fscc_dirent_fixed_size(TGT_FILE_NAMES_INFORMATION), 12);
    assert_int_equal(tgt_fscc_dirent_fixed_size(TGT_FILE_BASIC_INFORMATION), 0);
    static const uint8_t name16[] = {'a', 0, 'b', 0};
    rsvd_wr w;
    rsvd_wr_init(&w, buf, sizeof buf);
    assert_int_equal(tgt_fscc_dirent_encode(TGT_FILE_ID_BOTH_DIRECTORY_INFORMATION, &fi, 7,
                                            name16, sizeof name16, &w),
                     RSVD_OK);
    assert_int_equal(rsvd_wr_pos(&w), 108);
    assert_int_equal(u32(buf + 4), 7);      /* FileIndex */
    assert_int_equal(u64(buf + 40), 5000);  /* EndOfFile */
    assert_int_equal(u32(buf + 60), 4);     /* FileNameLength */
    assert_int_equal(u64(buf + 96), 0x1234); /* FileId */
    assert_memory_equal(buf + 104, name16, 4);
    /* No room: RSVD_E_NOSPC. */
    rsvd_wr_init(&w, buf, 107);
    assert_int_equal(tgt_fscc_dirent_encode(TGT_FILE_ID_BOTH_DIRECTORY_INFORMATION, &fi, 7,
                                            name16, sizeof name16, &w),
                     RSVD_E_NOSPC);
}

static void file_system_information(void **state)
{
    (void)state;
    static const uint8_t label[] = {'d', 0};
    tgt_fs_query q = {1000, 400, 0xABCD, 9, label, sizeof label};
    size_t min;
    rsvd_wr w;
    rsvd_wr_init(&w, buf, sizeof buf);
    /* [MS-FSCC] 2.5.4 FileFsFullSizeInformation */
    assert_int_equal(tgt_fscc_fs_info_encode(TGT_FS_FULL_SIZE_INFORMATION, &q, &w, &min), RSVD_OK);
    assert_int_equal(rsvd_wr_pos(&w), 32);
    assert_int_equal(u64(buf), 1000);
    assert_int_equal(u64(buf + 16), 400);
    assert_int_equal(u32(buf + 24) * u32(buf + 28), 4096);
    /* 2.5.9 FileFsVolumeInformation */
    rsvd_wr_init(&w, buf, sizeof buf);
    assert_int_equal(tgt_fscc_fs_info_encode(TGT_FS_VOLUME_INFORMATION, &q, &w, &min), RSVD_OK);
    assert_int_equal(rsvd_wr_pos(&w), 20);
    assert_int_equal(u32(buf + 8), 0xABCD);
    assert_int_equal(u32(buf + 12), 2);
}

static void security_descriptor(void **state)
{
    (void)state;
    rsvd_wr w;
    rsvd_wr_init(&w, buf, sizeof buf);
    assert_int_equal(tgt_fscc_security_encode(TGT_OWNER_SECURITY_INFORMATION |
                                                  TGT_DACL_SECURITY_INFORMATION,
                                              &w),
                     RSVD_OK);
    /* [MS-DTYP] 2.4.6: self-relative with a DACL; the owner after the
     * 20-byte header, no group, the DACL after the owner. */
    assert_int_equal(buf[0], 1);
    assert_int_equal(buf[3] & 0x80, 0x80);
    assert_int_equal(u32(buf + 4), 20);
    assert_int_equal(u32(buf + 8), 0);
    assert_int_equal(u32(buf + 16), 36);
    assert_int_equal(buf[36], 2);              /* AclRevision */
    assert_int_equal(buf[40], 1);              /* AceCount */
    assert_int_equal(u32(buf + 48), 0x001F01FF); /* the ACE's mask */
    assert_int_equal(rsvd_wr_pos(&w), 36 + 8 + 20);
}

static void set_info_inputs(void **state)
{
    (void)state;
    uint8_t v[256];
    size_t n = tu_golden_parse(tu_golden_find("target_fscc_basic"), v, sizeof v);
    tgt_set_basic b;
    assert_int_equal(tgt_fscc_set_basic_decode(v, n, &b), RSVD_OK);
    assert_int_equal(b.last_access_time, UINT64_MAX);
    assert_int_equal(b.attributes, TGT_ATTR_ARCHIVE);
    size_t len;
    assert_int_equal(tgt_fscc_set_basic_encode(&b, buf, sizeof buf, &len), RSVD_OK);
    assert_memory_equal(buf, v, n);
    assert_int_equal(tgt_fscc_set_basic_decode(v, 39, &b), RSVD_E_WIRE_SHORT);

    n = tu_golden_parse(tu_golden_find("target_fscc_rename"), v, sizeof v);
    tgt_set_rename r;
    assert_int_equal(tgt_fscc_set_rename_decode(v, n, &r), RSVD_OK);
    assert_true(r.replace_if_exists);
    assert_int_equal(r.name16_len, 14);
    assert_memory_equal(r.name16, "n\0e\0w\0", 6);
    assert_int_equal(tgt_fscc_set_rename_encode(&r, buf, sizeof buf, &len), RSVD_OK);
    assert_memory_equal(buf, v, n);
    assert_int_equal(tgt_fscc_set_rename_decode(v, n - 1, &r), RSVD_E_WIRE_SHORT);
    v[16] = 13; /* an odd FileNameLength */
    assert_int_equal(tgt_fscc_set_rename_decode(v, n, &r), RSVD_E_WIRE_NAME);

    n = tu_golden_parse(tu_golden_find("target_fscc_end_of_file"), v, sizeof v);
    uint64_t eof;
    assert_int_equal(tgt_fscc_u64_decode(v, n, &eof), RSVD_OK);
    assert_int_equal(eof, 4096);
    n = tu_golden_parse(tu_golden_find("target_fscc_disposition"), v, sizeof v);
    uint8_t del;
    assert_int_equal(tgt_fscc_u8_decode(v, n, &del), RSVD_OK);
    assert_int_equal(del, 1);
    assert_int_equal(tgt_fscc_u8_decode(v, 0, &del), RSVD_E_WIRE_SHORT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(file_information_classes),
        cmocka_unit_test(directory_entries),
        cmocka_unit_test(file_system_information),
        cmocka_unit_test(security_descriptor),
        cmocka_unit_test(set_info_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
