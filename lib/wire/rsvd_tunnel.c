/*
 * MS-RSVD tunnel operations: the SVHDX_TUNNEL_OPERATION_HEADER
 * ([MS-RSVD] 2.2.4.11) and the operation-code names ([MS-RSVD] 2.2.2).
 */
#include <rsvd/wire.h>

const char *rsvd_tunnel_opcode_name(uint32_t opcode)
{
    switch (opcode) {
    case RSVD_TUNNEL_GET_INITIAL_INFO_OPERATION:
        return "RSVD_TUNNEL_GET_INITIAL_INFO_OPERATION";
    case RSVD_TUNNEL_SCSI_OPERATION:
        return "RSVD_TUNNEL_SCSI_OPERATION";
    case RSVD_TUNNEL_CHECK_CONNECTION_STATUS_OPERATION:
        return "RSVD_TUNNEL_CHECK_CONNECTION_STATUS_OPERATION";
    case RSVD_TUNNEL_SRB_STATUS_OPERATION:
        return "RSVD_TUNNEL_SRB_STATUS_OPERATION";
    case RSVD_TUNNEL_GET_DISK_INFO_OPERATION:
        return "RSVD_TUNNEL_GET_DISK_INFO_OPERATION";
    case RSVD_TUNNEL_VALIDATE_DISK_OPERATION:
        return "RSVD_TUNNEL_VALIDATE_DISK_OPERATION";
    case RSVD_TUNNEL_META_OPERATION_START:
        return "RSVD_TUNNEL_META_OPERATION_START";
    case RSVD_TUNNEL_META_OPERATION_QUERY_PROGRESS:
        return "RSVD_TUNNEL_META_OPERATION_QUERY_PROGRESS";
    case RSVD_TUNNEL_VHDSET_QUERY_INFORMATION:
        return "RSVD_TUNNEL_VHDSET_QUERY_INFORMATION";
    case RSVD_TUNNEL_DELETE_SNAPSHOT:
        return "RSVD_TUNNEL_DELETE_SNAPSHOT";
    case RSVD_TUNNEL_CHANGE_TRACKING_GET_PARAMETERS:
        return "RSVD_TUNNEL_CHANGE_TRACKING_GET_PARAMETERS";
    case RSVD_TUNNEL_CHANGE_TRACKING_START:
        return "RSVD_TUNNEL_CHANGE_TRACKING_START";
    case RSVD_TUNNEL_CHANGE_TRACKING_STOP:
        return "RSVD_TUNNEL_CHANGE_TRACKING_STOP";
    case RSVD_TUNNEL_QUERY_VIRTUAL_DISK_CHANGES:
        return "RSVD_TUNNEL_QUERY_VIRTUAL_DISK_CHANGES";
    case RSVD_TUNNEL_QUERY_SAFE_SIZE:
        return "RSVD_TUNNEL_QUERY_SAFE_SIZE";
    default:
        return NULL;
    }
}

/* [MS-RSVD] 2.2.4.11 SVHDX_TUNNEL_OPERATION_HEADER */
int rsvd_tunnel_hdr_decode(const uint8_t *buf, size_t len, rsvd_tunnel_hdr *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    out->operation_code = rsvd_rd_u32(&r);  /* 0: OperationCode */
    out->status = rsvd_rd_u32(&r);          /* 4: Status */
    out->request_id = rsvd_rd_u64(&r);      /* 8: RequestId */
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_SHORT;
}

int rsvd_tunnel_hdr_encode(const rsvd_tunnel_hdr *h, uint8_t *buf, size_t cap)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u32(&w, h->operation_code);
    rsvd_wr_u32(&w, h->status);
    rsvd_wr_u64(&w, h->request_id);
    return rsvd_wr_finish(&w, NULL);
}
