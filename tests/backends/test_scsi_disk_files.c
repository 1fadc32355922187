/*
 * The built-in disk's own files (docs/backends.md, "Version-2 storage"):
 * the decoders of the metadata file, the delta files and the change log
 * refuse every truncation and every field their format does not allow; a
 * disk whose files are damaged does not open (metadata) or reports what it
 * lost (a delta file: the snapshot and the older ones are no longer
 * valid); the storage settings are checked.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/scsi_disk_int.h"
#include "tu_disk_v2.h"
#include "util/crc32c.h"
#include "tu_scsi.h"

#define MIB (1024u * 1024u)
#define VM RSVD_SVHDX_SNAPSHOT_TYPE_VM

static long read_file(const tu_v2 *t, const char *name, uint8_t *buf, size_t cap)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", t->dir, name);
    FILE *f = fopen(p, "rb");
    assert_non_null(f);
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return (long)n;
}

static void write_file(const tu_v2 *t, const char *name, const uint8_t *buf, size_t n)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", t->dir, name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, n, f), n);
    fclose(f);
}

/* A disk with two snapshots (one tracked) and some changes, closed. */
static void make_files(tu_v2 *t)
{
    tu_v2_init(t, false, MIB, 0);
    tu_v2_fill(t, 0, 8192, 1);
    assert_int_equal(tu_v2_snapshot(t, 1, VM, RSVD_SVHDX_SNAPSHOT_DISK_FLAG_ENABLE_CHANGE_TRACKING),
                     RSVD_STATUS_SUCCESS);
    tu_v2_fill(t, 4096, 8192, 2);
    assert_int_equal(tu_v2_snapshot(t, 2, VM, 0), RSVD_STATUS_SUCCESS);
    tu_v2_fill(t, 0, 512, 3);
    assert_int_equal(tu_v2_convert(t, "set.vhds"), RSVD_STATUS_SUCCESS);
}

static int meta_header(const uint8_t *b, size_t n, void *out)
{
    return sd_meta_decode_header(b, n, out);
}

static int snap_header(const uint8_t *b, size_t n, void *out)
{
    return sd_snap_decode_header(b, n, out);
}

static int log_header(const uint8_t *b, size_t n, void *out)
{
    (void)out;
    return sd_log_decode_header(b, n);
}

static int log_record(const uint8_t *b, size_t n, void *out)
{
    return sd_log_decode_record(b, n, out);
}

/* Each decoder accepts the file the disk wrote and refuses every
 * truncation of it (read from a heap block of exactly that size). */
static void decoders_refuse_every_truncation(void **state)
{
    (void)state;
    tu_v2 t;
    make_files(&t);
    static uint8_t buf[65536];
    long n = read_file(&t, "disk.rsvdmeta", buf, sizeof buf);
    sd_meta_header mh;
    assert_int_equal(tu_decode_exact(meta_header, buf, (size_t)n, &mh), RSVD_OK);
    assert_int_equal(mh.snapshot_count, 2);
    assert_int_equal(mh.vhdset_name_len, 8);
    tu_assert_truncations_rejected(meta_header, buf, (size_t)n, sizeof mh);
    for (uint32_t i = 0; i < mh.snapshot_count; i++) {
        sd_snap e;
        assert_int_equal(sd_meta_decode_entry(buf, (size_t)n, &mh, i, &e), RSVD_OK);
        assert_memory_equal(e.id.b, tu_guid((uint8_t)(i + 1)).b, 16);
    }
    sd_snap e;
    assert_int_equal(sd_meta_decode_entry(buf, (size_t)n, &mh, 2, &e), RSVD_E_INVAL);

    char name[128];
    snprintf(name, sizeof name, "disk.%s.rsvdsnap", "01010101010101010101010101010101");
    n = read_file(&t, name, buf, SD_SNAP_HEADER_SIZE);
    sd_snap_header sh;
    assert_int_equal(tu_decode_exact(snap_header, buf, (size_t)n, &sh), RSVD_OK);
    assert_true(sh.size == MIB && sh.chunk_size == 65536);
    tu_assert_truncations_rejected(snap_header, buf, (size_t)n, sizeof sh);

    n = read_file(&t, "disk.rsvdlog", buf, sizeof buf);
    assert_true(n == SD_LOG_HEADER_SIZE + 3 * SD_LOG_RECORD_SIZE); /* MARK, WRITE, WRITE */
    assert_int_equal(tu_decode_exact(log_header, buf, SD_LOG_HEADER_SIZE, NULL), RSVD_OK);
    tu_assert_truncations_rejected(log_header, buf, SD_LOG_HEADER_SIZE, 0);
    sd_log_record rec;
    assert_int_equal(
        tu_decode_exact(log_record, buf + SD_LOG_HEADER_SIZE, SD_LOG_RECORD_SIZE, &rec), RSVD_OK);
    assert_int_equal(rec.type, SD_LOG_MARK);
    tu_assert_truncations_rejected(log_record, buf + SD_LOG_HEADER_SIZE, SD_LOG_RECORD_SIZE,
                                   sizeof rec);
    tu_v2_fini(&t);
}

/* Every byte of each file is covered: a flipped byte is refused (the
 * checksums), and so is a field the format does not allow even with a
 * good checksum. */
static void decoders_refuse_damage_and_bad_fields(void **state)
{
    (void)state;
    tu_v2 t;
    make_files(&t);
    static uint8_t buf[65536];
    size_t n = (size_t)read_file(&t, "disk.rsvdmeta", buf, sizeof buf);
    sd_meta_header mh;
    for (size_t i = 0; i < n; i++) {
        buf[i] ^= 0x40;
        assert_int_not_equal(sd_meta_decode_header(buf, n, &mh), RSVD_OK);
        buf[i] ^= 0x40;
    }
    size_t m = (size_t)read_file(&t, "disk.rsvdlog", buf, sizeof buf);
    for (size_t i = 0; i < SD_LOG_HEADER_SIZE; i++) {
        buf[i] ^= 0x01;
        assert_int_not_equal(sd_log_decode_header(buf, m), RSVD_OK);
        buf[i] ^= 0x01;
    }
    sd_log_record rec;
    for (size_t i = 0; i < SD_LOG_RECORD_SIZE; i++) {
        buf[SD_LOG_HEADER_SIZE + i] ^= 0x01;
        assert_int_not_equal(sd_log_decode_record(buf + SD_LOG_HEADER_SIZE, SD_LOG_RECORD_SIZE,
                                                  &rec),
                             RSVD_OK);
        buf[SD_LOG_HEADER_SIZE + i] ^= 0x01;
    }
    char name[128];
    snprintf(name, sizeof name, "disk.%s.rsvdsnap", "02020202020202020202020202020202");
    size_t k = (size_t)read_file(&t, name, buf, SD_SNAP_HEADER_SIZE);
    sd_snap_header sh;
    for (size_t i = 0; i < k; i++) {
        buf[i] ^= 0x80;
        assert_int_not_equal(sd_snap_decode_header(buf, k, &sh), RSVD_OK);
        buf[i] ^= 0x80;
    }
    tu_v2_fini(&t);
}

/* A disk whose metadata file does not decode does not open: trusting
 * nothing would let the next write destroy the snapshots' data. */
static void damaged_metadata_keeps_the_disk_closed(void **state)
{
    (void)state;
    tu_v2 t;
    make_files(&t);
    tu_v2_close(&t, t.h);
    t.h = NULL;
    rsvd_scsi_disk_set_destroy(t.set);
    assert_int_equal(rsvd_scsi_disk_destroy(t.disk), RSVD_OK);
    static uint8_t buf[65536], orig[65536];
    size_t n = (size_t)read_file(&t, "disk.rsvdmeta", orig, sizeof orig);
    rsvd_scsi_disk *d = NULL;
    memcpy(buf, orig, n);
    buf[n - 1] ^= 1; /* an entry's reserved byte: the checksum catches it */
    write_file(&t, "disk.rsvdmeta", buf, n);
    assert_int_equal(rsvd_scsi_disk_create(&t.cfg, &d), RSVD_E_IO);
    write_file(&t, "disk.rsvdmeta", orig, n / 2); /* cut short */
    assert_int_equal(rsvd_scsi_disk_create(&t.cfg, &d), RSVD_E_IO);
    /* Written for 4096-byte sectors. */
    write_file(&t, "disk.rsvdmeta", orig, n);
    t.mb.lbs = 4096;
    assert_int_equal(rsvd_scsi_disk_create(&t.cfg, &d), RSVD_E_IO);
    t.mb.lbs = 512;
    /* The storage directory is not there. */
    char missing[700];
    snprintf(missing, sizeof missing, "%s/none", t.dir);
    t.cfg.storage_dir = missing;
    assert_int_equal(rsvd_scsi_disk_create(&t.cfg, &d), RSVD_E_IO);
    t.cfg.storage_dir = t.dir;
    assert_int_equal(rsvd_scsi_disk_create(&t.cfg, &t.disk), RSVD_OK);
    assert_int_equal(rsvd_scsi_disk_set_create(NULL, &t.set), RSVD_OK);
    assert_int_equal(rsvd_scsi_disk_set_add(t.set, "disk.vhdx", t.disk), RSVD_OK);
    tu_v2_fini(&t);
}

/* Metadata whose NextSequence cannot advance opens, but takes no snapshot:
 * one would get a Sequence that the next open refuses, and the disk would
 * no longer open. */
static void a_sequence_that_cannot_advance_takes_no_snapshot(void **state)
{
    (void)state;
    tu_v2 t;
    make_files(&t);
    static uint8_t buf[65536];
    size_t n = (size_t)read_file(&t, "disk.rsvdmeta", buf, sizeof buf);
    memset(buf + 32, 0xFF, 8); /* 32: NextSequence */
    uint8_t zero[4] = {0};
    uint32_t crc = rsvd_crc32c(0, buf, 12);
    crc = rsvd_crc32c(crc, zero, sizeof zero);
    crc = rsvd_crc32c(crc, buf + 16, n - 16);
    for (int i = 0; i < 4; i++) /* 12: Checksum */
        buf[12 + i] = (uint8_t)(crc >> (8 * i));
    write_file(&t, "disk.rsvdmeta", buf, n);
    for (int life = 0; life < 2; life++) {
        tu_v2_reopen(&t); /* opens: the file decodes */
        assert_int_equal(tu_v2_snapshot(&t, 3, VM, 0), RSVD_STATUS_INSUFFICIENT_RESOURCES);
    }
    tu_v2_fini(&t);
}

/* A delta file that cannot be read: that snapshot and every older one are
 * no longer valid (they read through it); the newer ones, the disk and
 * its writes are fine. */
static void a_lost_delta_invalidates_the_older_snapshots(void **state)
{
    (void)state;
    tu_v2 t;
    tu_v2_init(&t, false, MIB, 0);
    for (uint8_t id = 1; id <= 3; id++) {
        tu_v2_fill(&t, 0, 4096, id);
        assert_int_equal(tu_v2_snapshot(&t, id, VM, 0), RSVD_STATUS_SUCCESS);
    }
    tu_v2_fill(&t, 0, 4096, 9);
    tu_v2_close(&t, t.h);
    t.h = NULL;
    char name[128];
    snprintf(name, sizeof name, "disk.%s.rsvdsnap", "02020202020202020202020202020202");
    uint8_t hb[SD_SNAP_HEADER_SIZE];
    read_file(&t, name, hb, sizeof hb);
    hb[30] ^= 1; /* VirtualSize */
    write_file(&t, name, hb, sizeof hb);
    tu_v2_reopen(&t);
    rsvd_disk_vhdset_info info;
    for (uint8_t id = 1; id <= 3; id++) {
        memset(&info, 0, sizeof info);
        assert_int_equal(
            tu_v2_query(&t, RSVD_SVHDX_VHDSET_INFORMATION_TYPE_SNAPSHOT_ENTRY, VM, id, &info),
            RSVD_STATUS_SUCCESS);
        assert_int_equal(info.is_valid_snapshot, id == 3 ? 1 : 0);
    }
    assert_int_equal(tu_v2_open_snapshot_result(&t, 1, VM).status,
                     RSVD_STATUS_FILE_CORRUPT_ERROR);
    assert_int_equal(tu_v2_apply(&t, 2, VM), RSVD_STATUS_FILE_CORRUPT_ERROR);
    assert_int_equal(tu_v2_extract(&t, 1, "x.vhdx", 0), RSVD_STATUS_FILE_CORRUPT_ERROR);
    uint8_t b[4096];
    tu_v2_read_snapshot(&t, 3, b, sizeof b);
    assert_int_equal(b[0], 3);
    tu_v2_fill(&t, 0, 4096, 10);
    tu_v2_read_snapshot(&t, 3, b, sizeof b);
    assert_int_equal(b[0], 3);
    /* The lost ones can still be deleted. */
    assert_int_equal(tu_v2_delete(&t, 2, VM, false), RSVD_STATUS_SUCCESS);
    assert_int_equal(tu_v2_delete(&t, 1, VM, false), RSVD_STATUS_SUCCESS);
    tu_v2_fini(&t);
}

/* storage_name: one component, no separator; chunk_size a power of two
 * from the sector size to 16 MiB; storage settings need storage_dir. */
static void storage_settings_are_checked(void **state)
{
    (void)state;
    tu_memblock mb;
    assert_int_equal(tu_memblock_init(&mb, MIB, 512, 4096), 0);
    rsvd_scsi_disk_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.struct_size = sizeof cfg;
    cfg.block = tu_memblock_source(&mb);
    cfg.storage_dir = TU_SCRATCH_DIR;
    rsvd_scsi_disk *d = NULL;
    const char *bad_names[] = {NULL, "", ".", "..", "a/b", "a\\b", "a:b", "a\x01"};
    for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
        cfg.storage_name = bad_names[i];
        assert_int_equal(rsvd_scsi_disk_create(&cfg, &d), RSVD_E_INVAL);
    }
    char longname[SD_NAME_MAX + 2];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    cfg.storage_name = longname;
    assert_int_equal(rsvd_scsi_disk_create(&cfg, &d), RSVD_E_INVAL);
    cfg.storage_name = "ok";
    const uint32_t bad_chunks[] = {256, 3 * 4096, 32u << 20};
    for (size_t i = 0; i < 3; i++) {
        cfg.chunk_size = bad_chunks[i];
        assert_int_equal(rsvd_scsi_disk_create(&cfg, &d), RSVD_E_INVAL);
    }
    cfg.chunk_size = 0;
    cfg.max_snapshots = SD_SNAPSHOTS_LIMIT + 1;
    assert_int_equal(rsvd_scsi_disk_create(&cfg, &d), RSVD_E_INVAL);
    cfg.max_snapshots = 0;
    cfg.storage_dir = NULL;
    assert_int_equal(rsvd_scsi_disk_create(&cfg, &d), RSVD_E_INVAL);
    cfg.storage_name = NULL;
    cfg.chunk_size = 4096;
    assert_int_equal(rsvd_scsi_disk_create(&cfg, &d), RSVD_E_INVAL);
    cfg.chunk_size = 0;
    assert_int_equal(rsvd_scsi_disk_create(&cfg, &d), RSVD_OK);
    assert_int_equal(rsvd_scsi_disk_destroy(d), RSVD_OK);
    tu_memblock_fini(&mb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decoders_refuse_every_truncation),
        cmocka_unit_test(decoders_refuse_damage_and_bad_fields),
        cmocka_unit_test(damaged_metadata_keeps_the_disk_closed),
        cmocka_unit_test(a_sequence_that_cannot_advance_takes_no_snapshot),
        cmocka_unit_test(a_lost_delta_invalidates_the_older_snapshots),
        cmocka_unit_test(storage_settings_are_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
