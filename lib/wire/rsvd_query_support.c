/*
 * FSCTL_QUERY_SHARED_VIRTUAL_DISK_SUPPORT output:
 * SVHDX_SHARED_VIRTUAL_DISK_SUPPORT_RESPONSE ([MS-RSVD] 2.2.4.16). The
 * request (2.2.4.15) has no payload.
 */
#include <rsvd/wire.h>
#include <rsvd/wire_rsvd.h>

/* [MS-RSVD] 2.2.4.16 SVHDX_SHARED_VIRTUAL_DISK_SUPPORT_RESPONSE */
int rsvd_svhdx_shared_virtual_disk_support_response_decode(
    const uint8_t *buf, size_t len, rsvd_svhdx_shared_virtual_disk_support_response *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    out->shared_virtual_disk_support = rsvd_rd_u32(&r); /* 0: SharedVirtualDiskSupport */
    out->shared_virtual_disk_handle_state =
        rsvd_rd_u32(&r);                           /* 4: SharedVirtualDiskHandleState */
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_SHORT;
}

int rsvd_svhdx_shared_virtual_disk_support_response_encode(
    const rsvd_svhdx_shared_virtual_disk_support_response *in, uint8_t *buf, size_t cap,
    size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u32(&w, in->shared_virtual_disk_support); /* 0: SharedVirtualDiskSupport */
    rsvd_wr_u32(&w, in->shared_virtual_disk_handle_state); /* 4: SharedVirtualDiskHandleState */
    return rsvd_wr_finish(&w, out_len);
}
