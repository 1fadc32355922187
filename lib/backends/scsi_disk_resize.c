/*
 * Resize and safe size of the built-in disk ([MS-RSVD] 3.2.5.5.7.5,
 * 3.2.5.5.15).
 *
 * The virtual size is the block source's size: a resize asks the block
 * source to change it (rsvd_block_ops.resize) and takes the new size as
 * rsvd_scsi_disk_capacity_changed() would, so READ CAPACITY, MODE SENSE
 * and get_info report it and every initiator gets CAPACITY DATA HAS
 * CHANGED. A shrink first preserves what it cuts for the snapshots;
 * both directions are recorded as changes of the range added or cut.
 *
 * The safe size is the end of what the block source has allocated
 * (rsvd_block_ops.allocated_end: the end of the last data extent of a
 * file), rounded up to a logical sector: bytes past it read as zero, so a
 * shrink to it loses nothing. Without allocated_end every byte counts.
 */
#include "backends/scsi_disk_int.h"

#include <string.h>

#include <rsvd/status.h>


uint32_t sd_safe_size(rsvd_scsi_disk *d, uint64_t *out)
{
    uint64_t size = d->blocks * d->lbs;
    uint64_t end = size;
    if (d->block.ops->allocated_end) {
        uint32_t r = d->block.ops->allocated_end(d->block.ctx, &end);
        if (r != RSVD_STATUS_SUCCESS)
            return r;
    }
    if (end > size)
        end = size;
    end = (end + d->lbs - 1) / d->lbs * d->lbs;
    *out = end < d->lbs ? d->lbs : end; /* a disk keeps one sector */
    return RSVD_STATUS_SUCCESS;
}

uint32_t sd_resize_to(rsvd_scsi_disk *d, uint64_t size)
{
    uint64_t cur = d->blocks * d->lbs;
    if (size == cur)
        return RSVD_STATUS_SUCCESS;
    if (!d->block.ops->resize)
        return RSVD_STATUS_INVALID_DEVICE_REQUEST; /* the storage cannot change size */
    if (size < cur && d->store) {
        uint32_t r = sd_snap_preserve(d, size, cur - size);
        if (r != RSVD_STATUS_SUCCESS)
            return r;
    }
    if (d->store)
        sd_track_write(d, size < cur ? size : cur, size < cur ? cur - size : size - cur);
    uint32_t r = d->block.ops->resize(d->block.ctx, size);
    if (r != RSVD_STATUS_SUCCESS)
        return r;
    /* The source has the new size now (rsvd_block_ops.resize). */
    sd_capacity_set(d, size / d->lbs);
    return RSVD_STATUS_SUCCESS;
}

/* [MS-RSVD] 3.2.5.5.7.5, the rules the disk owns: the server has checked
 * the flags' combinations; the disk checks the size against itself. */
void sd_resize(void *ctx, void *handle, const rsvd_disk_resize_args *args,
               rsvd_disk_meta_result *out, rsvd_completion c)
{
    (void)ctx;
    sd_handle *h = sd_handle_get(handle);
    if (!h || !args || !out) {
        sd_fail(c, h ? RSVD_STATUS_INVALID_PARAMETER : RSVD_STATUS_INVALID_HANDLE);
        return;
    }
    rsvd_scsi_disk *d = h->disk;
    uint64_t cur = d->blocks * d->lbs;
    uint64_t size = args->new_size;
    uint32_t r = RSVD_STATUS_SUCCESS;
    if (args->shrink_to_minimum_safe_size) {
        if (args->new_size || args->expand_only || args->allow_unsafe_virtual_size)
            r = RSVD_STATUS_INVALID_PARAMETER_1;
        else
            r = sd_safe_size(d, &size);
    } else if (size == 0 || size % d->lbs || size > (uint64_t)INT64_MAX / 2 ||
               (args->expand_only && size < cur)) {
        r = RSVD_STATUS_INVALID_PARAMETER;
    } else if (size < cur && !args->allow_unsafe_virtual_size) {
        uint64_t safe;
        r = sd_safe_size(d, &safe);
        if (r == RSVD_STATUS_SUCCESS && size < safe)
            r = RSVD_STATUS_INVALID_PARAMETER; /* it would cut data in use */
    }
    sd_progress_start(out, size > cur ? size - cur : cur - size);
    if (r == RSVD_STATUS_SUCCESS)
        r = sd_resize_to(d, size);
    if (r == RSVD_STATUS_SUCCESS)
        out->progress_current = out->progress_complete;
    sd_fail(c, r);
}

/* [MS-RSVD] 3.2.5.5.15 */
void sd_query_safe_size(void *ctx, void *handle, uint64_t *safe_size, rsvd_completion c)
{
    (void)ctx;
    sd_handle *h = sd_handle_get(handle);
    if (!h || !safe_size) {
        sd_fail(c, h ? RSVD_STATUS_INVALID_PARAMETER : RSVD_STATUS_INVALID_HANDLE);
        return;
    }
    sd_fail(c, sd_safe_size(h->disk, safe_size));
}
