/*
 * Convert to VHD set and optimize ([MS-RSVD] 3.2.5.5.7.4, 3.2.5.5.7.2) for
 * the built-in disk.
 *
 * A VHD set here is the disk and its storage (the metadata file is the
 * snapshot table a .vhds file holds for Windows; Microsoft does not
 * document that file's format). Converting creates the named .vhds file
 * under the storage directory - a small descriptor that names the storage -
 * and records the name in the metadata, so that the disk set resolves it to
 * this disk from then on, in this life of the disk and the next: a client
 * that opens the new name reads and writes the same disk.
 *
 * The descriptor, little-endian:
 *    0  8  Signature "RSVDVHDS"
 *    8  4  Version (1)
 *   12  4  Checksum: CRC-32C of the file with this field zero
 *   16 16  VirtualDiskId
 *   32  2  StorageNameLength, then StorageName (UTF-8)
 *
 * Optimize compacts the change log (sd_track_compact()): what no
 * change-tracking point needs is dropped and each span between points keeps
 * its merged ranges. Every read and every changed-ranges query answers as
 * before.
 */
#include "backends/scsi_disk_int.h"

#include <fcntl.h>
#include <string.h>

#include <rsvd/status.h>
#include <rsvd/wire.h>
#include <rsvd/wire_rsvd.h>

#include "util/crc32c.h"

static const uint8_t vhds_signature[8] = {'R', 'S', 'V', 'D', 'V', 'H', 'D', 'S'};

bool sd_vhdset_name_matches(const rsvd_scsi_disk *d, const char *name)
{
    return d->store && d->store->vhdset_name[0] && sd_name_equal(d->store->vhdset_name, name);
}

static bool ends_with_vhds(const char *name)
{
    static const char ext[] = ".vhds";
    size_t n = strlen(name), e = sizeof ext - 1;
    if (n <= e)
        return false;
    for (size_t i = 0; i < e; i++) {
        char ch = name[n - e + i];
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        if (ch != ext[i])
            return false;
    }
    return true;
}

void sd_convert_to_vhdset(void *ctx, void *handle, const rsvd_disk_convert_args *args,
                          rsvd_disk_meta_result *out, rsvd_completion c)
{
    (void)ctx;
    rsvd_scsi_disk *d = sd_store_disk(handle, args && out, c);
    if (!d)
        return;
    sd_store *st = d->store;
    sd_progress_start(out, 1);
    const char *name = args->destination_vhdset_name;
    char path[SD_PATH_MAX];
    uint32_t r = RSVD_STATUS_SUCCESS;
    if (!name || !ends_with_vhds(name) || strlen(name) >= sizeof st->vhdset_name)
        r = RSVD_STATUS_INVALID_PARAMETER; /* 3.2.5.5.7.4: the .vhds extension */
    else if (st->vhdset_name[0])
        r = sd_name_equal(st->vhdset_name, name) ? RSVD_STATUS_OBJECT_NAME_COLLISION
                                                 : RSVD_STATUS_INVALID_PARAMETER; /* one set */
    else
        r = rsvd_posix_resolve_name(name, path, sizeof path);
    if (r != RSVD_STATUS_SUCCESS) {
        sd_fail(c, r);
        return;
    }
    uint8_t buf[34 + SD_NAME_MAX];
    size_t nlen = strlen(st->name);
    rsvd_wr w;
    rsvd_wr_init(&w, buf, sizeof buf);
    rsvd_wr_bytes(&w, vhds_signature, sizeof vhds_signature); /* 0: Signature */
    rsvd_wr_u32(&w, 1);                          /* 8: Version */
    rsvd_wr_u32(&w, 0);                          /* 12: Checksum, set below */
    rsvd_wr_guid(&w, &d->disk_id);               /* 16: VirtualDiskId */
    rsvd_wr_u16(&w, (uint16_t)nlen);             /* 32: StorageNameLength */
    rsvd_wr_bytes(&w, st->name, nlen);           /* 34: StorageName */
    rsvd_wr_u32_at(&w, 12, rsvd_crc32c(0, buf, rsvd_wr_pos(&w)));
    rsvd_pfile f;
    rsvd_pfile_args pa = {.dirfd = st->dirfd, .path = path,
                          .flags = O_RDWR | O_CREAT | O_EXCL, .create_mode = 0600};
    r = rsvd_pfile_open(&f, st->sys, &pa, NULL);
    if (r == RSVD_STATUS_SUCCESS) {
        size_t done;
        r = rsvd_pfile_write(&f, 0, buf, rsvd_wr_pos(&w), &done);
        if (r == RSVD_STATUS_SUCCESS)
            r = rsvd_pfile_flush(&f);
        rsvd_pfile_close(&f);
        if (r == RSVD_STATUS_SUCCESS) {
            memcpy(st->vhdset_name, name, strlen(name) + 1);
            r = sd_store_save(d);
            if (r != RSVD_STATUS_SUCCESS)
                st->vhdset_name[0] = '\0';
        }
        if (r != RSVD_STATUS_SUCCESS)
            (void)st->sys->unlinkat(st->dirfd, path, 0);
    }
    if (r == RSVD_STATUS_SUCCESS)
        out->progress_current = 1;
    sd_fail(c, r);
}

void sd_optimize(void *ctx, void *handle, const rsvd_guid *transaction_id,
                 rsvd_disk_meta_result *out, rsvd_completion c)
{
    (void)ctx;
    rsvd_scsi_disk *d = sd_store_disk(handle, transaction_id && out, c);
    if (!d)
        return;
    sd_progress_start(out, d->store->log_size);
    uint64_t after = 0;
    uint32_t r = sd_track_compact(d, false, &after);
    if (r == RSVD_STATUS_SUCCESS)
        out->progress_current = out->progress_complete;
    sd_fail(c, r);
}
