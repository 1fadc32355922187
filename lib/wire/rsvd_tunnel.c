/*
 * MS-RSVD version-1 tunnel operations: the SVHDX_TUNNEL_OPERATION_HEADER
 * ([MS-RSVD] 2.2.4.11), the operation-code names ([MS-RSVD] 2.2.2), and the
 * request and response bodies of the six version-1 operations
 * ([MS-RSVD] 2.2.4.1 - 2.2.4.10, 2.2.4.13, 2.2.4.14).
 *
 * The body codecs see the bytes after the 16-byte header; offsets in the
 * field comments are from the start of the body.
 */
#include <rsvd/wire.h>
#include <rsvd/wire_rsvd.h>

#include "rsvd_wire_util.h"

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

/* [MS-RSVD] 2.2.4.14 SVHDX_TUNNEL_INITIAL_INFO_RESPONSE */
int rsvd_svhdx_tunnel_initial_info_response_decode(const uint8_t *buf, size_t len,
                                                   rsvd_svhdx_tunnel_initial_info_response *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    out->server_version = rsvd_rd_u32(&r);         /* 0: ServerVersion */
    out->sector_size = rsvd_rd_u32(&r);            /* 4: SectorSize */
    out->physical_sector_size = rsvd_rd_u32(&r);   /* 8: PhysicalSectorSize */
    rsvd_rd_skip(&r, 4);                           /* 12: Reserved */
    out->virtual_size = rsvd_rd_u64(&r);           /* 16: VirtualSize */
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_SHORT;
}

int rsvd_svhdx_tunnel_initial_info_response_encode(
    const rsvd_svhdx_tunnel_initial_info_response *in, uint8_t *buf, size_t cap, size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u32(&w, in->server_version);           /* 0: ServerVersion */
    rsvd_wr_u32(&w, in->sector_size);              /* 4: SectorSize */
    rsvd_wr_u32(&w, in->physical_sector_size);     /* 8: PhysicalSectorSize */
    rsvd_wr_u32(&w, 0);                            /* 12: Reserved */
    rsvd_wr_u64(&w, in->virtual_size);             /* 16: VirtualSize */
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-RSVD] 2.2.4.3 SVHDX_TUNNEL_SRB_STATUS_REQUEST */
int rsvd_svhdx_tunnel_srb_status_request_decode(const uint8_t *buf, size_t len,
                                                rsvd_svhdx_tunnel_srb_status_request *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    out->status_key = rsvd_rd_u8(&r);              /* 0: StatusKey */
    rsvd_rd_skip(&r, 27);                          /* 1: Reserved */
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_SHORT;
}

int rsvd_svhdx_tunnel_srb_status_request_encode(const rsvd_svhdx_tunnel_srb_status_request *in,
                                                uint8_t *buf, size_t cap, size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u8(&w, in->status_key);                /* 0: StatusKey */
    rsvd_wr_zeros(&w, 27);                         /* 1: Reserved */
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-RSVD] 2.2.4.4 SVHDX_TUNNEL_SRB_STATUS_RESPONSE */
int rsvd_svhdx_tunnel_srb_status_response_decode(const uint8_t *buf, size_t len,
                                                 rsvd_svhdx_tunnel_srb_status_response *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    out->status_key = rsvd_rd_u8(&r);              /* 0: StatusKey */
    uint8_t srb = rsvd_rd_u8(&r);                  /* 1: A (0x80) | SrbStatus (0x7F) */
    out->scsi_status = rsvd_rd_u8(&r);             /* 2: ScsiStatus */
    out->sense_info_ex_length = rsvd_rd_u8(&r);    /* 3: SenseInfoExLength */
    if (!rsvd_rd_ok(&r))
        return RSVD_E_WIRE_SHORT;
    out->sense_info_auto_generated = (srb & RSVD_SRB_STATUS_SENSE_INFO_AUTO_GENERATED) != 0;
    out->srb_status = (uint8_t)(srb & RSVD_SRB_STATUS_MASK);
    if (out->sense_info_ex_length > RSVD_SCSI_SENSE_BUFFER_SIZE)
        return RSVD_E_WIRE_VALUE;
    out->sense_data_ex = rsvd_rd_take(&r, out->sense_info_ex_length); /* 4: SenseDataEx */
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_RANGE;
}

int rsvd_svhdx_tunnel_srb_status_response_encode(const rsvd_svhdx_tunnel_srb_status_response *in,
                                                 uint8_t *buf, size_t cap, size_t *out_len)
{
    if (in->srb_status > RSVD_SRB_STATUS_MASK ||
        in->sense_info_ex_length > RSVD_SCSI_SENSE_BUFFER_SIZE ||
        !wire_view_ok(in->sense_data_ex, in->sense_info_ex_length))
        return RSVD_E_INVAL;
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u8(&w, in->status_key);                /* 0: StatusKey */
    rsvd_wr_u8(&w, wire_srb_status_byte(in->sense_info_auto_generated,
                                        in->srb_status)); /* 1: A | SrbStatus */
    rsvd_wr_u8(&w, in->scsi_status);               /* 2: ScsiStatus */
    rsvd_wr_u8(&w, in->sense_info_ex_length);      /* 3: SenseInfoExLength */
    wire_put_view(&w, in->sense_data_ex, in->sense_info_ex_length); /* 4: SenseDataEx */
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-RSVD] 2.2.4.5 SVHDX_TUNNEL_DISK_INFO_REQUEST */
int rsvd_svhdx_tunnel_disk_info_request_decode(const uint8_t *buf, size_t len,
                                               rsvd_svhdx_tunnel_disk_info_request *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    out->reserved1 = rsvd_rd_u64(&r);              /* 0: Reserved1 */
    out->block_size = rsvd_rd_u32(&r);             /* 8: BlockSize */
    rsvd_rd_guid(&r, &out->linkage_id);            /* 12: LinkageID */
    out->is_mounted = rsvd_rd_u8(&r);              /* 28: IsMounted */
    out->is_4k_aligned = rsvd_rd_u8(&r);           /* 29: Is4kAligned */
    out->reserved2 = rsvd_rd_u16(&r);              /* 30: Reserved2 */
    out->file_size = rsvd_rd_u64(&r);              /* 32: FileSize */
    rsvd_rd_guid(&r, &out->virtual_disk_id);       /* 40: VirtualDiskId */
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_SHORT;
}

int rsvd_svhdx_tunnel_disk_info_request_encode(const rsvd_svhdx_tunnel_disk_info_request *in,
                                               uint8_t *buf, size_t cap, size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u64(&w, in->reserved1);                /* 0: Reserved1 */
    rsvd_wr_u32(&w, in->block_size);               /* 8: BlockSize */
    rsvd_wr_guid(&w, &in->linkage_id);             /* 12: LinkageID */
    rsvd_wr_u8(&w, in->is_mounted);                /* 28: IsMounted */
    rsvd_wr_u8(&w, in->is_4k_aligned);             /* 29: Is4kAligned */
    rsvd_wr_u16(&w, in->reserved2);                /* 30: Reserved2 */
    rsvd_wr_u64(&w, in->file_size);                /* 32: FileSize */
    rsvd_wr_guid(&w, &in->virtual_disk_id);        /* 40: VirtualDiskId */
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-RSVD] 2.2.4.6 SVHDX_TUNNEL_DISK_INFO_RESPONSE */
int rsvd_svhdx_tunnel_disk_info_response_decode(const uint8_t *buf, size_t len,
                                                rsvd_svhdx_tunnel_disk_info_response *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    out->disk_type = rsvd_rd_u32(&r);              /* 0: DiskType */
    out->disk_format = rsvd_rd_u32(&r);            /* 4: DiskFormat */
    out->block_size = rsvd_rd_u32(&r);             /* 8: BlockSize */
    rsvd_rd_guid(&r, &out->linkage_id);            /* 12: LinkageID */
    out->is_mounted = rsvd_rd_u8(&r);              /* 28: IsMounted */
    out->is_4k_aligned = rsvd_rd_u8(&r);           /* 29: Is4kAligned */
    rsvd_rd_skip(&r, 2);                           /* 30: Reserved */
    out->file_size = rsvd_rd_u64(&r);              /* 32: FileSize */
    rsvd_rd_guid(&r, &out->virtual_disk_id);       /* 40: VirtualDiskId */
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_SHORT;
}

int rsvd_svhdx_tunnel_disk_info_response_encode(const rsvd_svhdx_tunnel_disk_info_response *in,
                                                uint8_t *buf, size_t cap, size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u32(&w, in->disk_type);                /* 0: DiskType */
    rsvd_wr_u32(&w, in->disk_format);              /* 4: DiskFormat */
    rsvd_wr_u32(&w, in->block_size);               /* 8: BlockSize */
    rsvd_wr_guid(&w, &in->linkage_id);             /* 12: LinkageID */
    rsvd_wr_u8(&w, in->is_mounted);                /* 28: IsMounted */
    rsvd_wr_u8(&w, in->is_4k_aligned);             /* 29: Is4kAligned */
    rsvd_wr_u16(&w, 0);                            /* 30: Reserved */
    rsvd_wr_u64(&w, in->file_size);                /* 32: FileSize */
    rsvd_wr_guid(&w, &in->virtual_disk_id);        /* 40: VirtualDiskId */
    return rsvd_wr_finish(&w, out_len);
}

/*
 * [MS-RSVD] 2.2.4.7 SVHDX_TUNNEL_SCSI_REQUEST. Only a body shorter than the
 * fixed part is refused: 3.2.5.5.5 answers every other irregularity (Length,
 * CDBLength, SenseInfoExLength, Disposition vs DataTransferLength) with an
 * error response built from these fields.
 */
int rsvd_svhdx_tunnel_scsi_request_decode(const uint8_t *buf, size_t len,
                                          rsvd_svhdx_tunnel_scsi_request *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    out->length = rsvd_rd_u16(&r);                 /* 0: Length */
    out->reserved1 = rsvd_rd_u16(&r);              /* 2: Reserved1 */
    out->cdb_length = rsvd_rd_u8(&r);              /* 4: CDBLength */
    out->sense_info_ex_length = rsvd_rd_u8(&r);    /* 5: SenseInfoExLength */
    out->disposition = rsvd_rd_u8(&r);             /* 6: Disposition */
    out->reserved2 = rsvd_rd_u8(&r);               /* 7: Reserved2 */
    out->srb_flags = rsvd_rd_u32(&r);              /* 8: SrbFlags */
    out->data_transfer_length = rsvd_rd_u32(&r);   /* 12: DataTransferLength */
    rsvd_rd_copy(&r, out->cdb, sizeof out->cdb);   /* 16: CDBBuffer */
    out->reserved3 = rsvd_rd_u32(&r);              /* 32: Reserved3 */
    if (!rsvd_rd_ok(&r))
        return RSVD_E_WIRE_SHORT;
    out->data_buffer_len = rsvd_rd_left(&r);
    out->data_buffer = rsvd_rd_take(&r, out->data_buffer_len); /* 36: DataBuffer */
    return RSVD_OK;
}

int rsvd_svhdx_tunnel_scsi_request_encode(const rsvd_svhdx_tunnel_scsi_request *in,
                                          uint8_t *buf, size_t cap, size_t *out_len)
{
    if (!wire_view_ok(in->data_buffer, in->data_buffer_len))
        return RSVD_E_INVAL;
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u16(&w, in->length);                   /* 0: Length */
    rsvd_wr_u16(&w, in->reserved1);                /* 2: Reserved1 */
    rsvd_wr_u8(&w, in->cdb_length);                /* 4: CDBLength */
    rsvd_wr_u8(&w, in->sense_info_ex_length);      /* 5: SenseInfoExLength */
    rsvd_wr_u8(&w, in->disposition);               /* 6: Disposition */
    rsvd_wr_u8(&w, in->reserved2);                 /* 7: Reserved2 */
    rsvd_wr_u32(&w, in->srb_flags);                /* 8: SrbFlags */
    rsvd_wr_u32(&w, in->data_transfer_length);     /* 12: DataTransferLength */
    rsvd_wr_bytes(&w, in->cdb, sizeof in->cdb);    /* 16: CDBBuffer */
    rsvd_wr_u32(&w, in->reserved3);                /* 32: Reserved3 */
    wire_put_view(&w, in->data_buffer, in->data_buffer_len); /* 36: DataBuffer */
    return rsvd_wr_finish(&w, out_len);
}

/*
 * [MS-RSVD] 2.2.4.8 SVHDX_TUNNEL_SCSI_RESPONSE. DataBuffer is located by
 * Length, the size of the structure without it (docs/decisions.md).
 */
int rsvd_svhdx_tunnel_scsi_response_decode(const uint8_t *buf, size_t len,
                                           rsvd_svhdx_tunnel_scsi_response *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    out->length = rsvd_rd_u16(&r);                 /* 0: Length */
    uint8_t srb = rsvd_rd_u8(&r);                  /* 2: A (0x80) | SrbStatus (0x7F) */
    out->scsi_status = rsvd_rd_u8(&r);             /* 3: ScsiStatus */
    out->cdb_length = rsvd_rd_u8(&r);              /* 4: CDBLength */
    out->sense_info_ex_length = rsvd_rd_u8(&r);    /* 5: SenseInfoExLength */
    out->disposition = rsvd_rd_u8(&r);             /* 6: Disposition */
    rsvd_rd_skip(&r, 1);                           /* 7: Reserved */
    out->srb_flags = rsvd_rd_u32(&r);              /* 8: SrbFlags */
    out->data_transfer_length = rsvd_rd_u32(&r);   /* 12: DataTransferLength */
    if (!rsvd_rd_ok(&r))
        return RSVD_E_WIRE_SHORT;
    out->sense_info_auto_generated = (srb & RSVD_SRB_STATUS_SENSE_INFO_AUTO_GENERATED) != 0;
    out->srb_status = (uint8_t)(srb & RSVD_SRB_STATUS_MASK);
    if (out->sense_info_ex_length > RSVD_SCSI_SENSE_BUFFER_SIZE ||
        out->length < RSVD_SVHDX_TUNNEL_SCSI_RESPONSE_FIXED_SIZE + out->sense_info_ex_length)
        return RSVD_E_WIRE_VALUE;
    if (!rsvd_wire_range_ok(len, 0, out->length))
        return RSVD_E_WIRE_RANGE;
    out->sense_data_ex = rsvd_rd_take(&r, out->sense_info_ex_length); /* 16: SenseDataEx */
    rsvd_rd_seek(&r, out->length);
    out->data_buffer = rsvd_rd_take(&r, out->data_transfer_length); /* Length: DataBuffer */
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_RANGE;
}

int rsvd_svhdx_tunnel_scsi_response_encode(const rsvd_svhdx_tunnel_scsi_response *in,
                                           uint8_t *buf, size_t cap, size_t *out_len)
{
    if (in->srb_status > RSVD_SRB_STATUS_MASK ||
        in->sense_info_ex_length > RSVD_SCSI_SENSE_BUFFER_SIZE ||
        in->length < RSVD_SVHDX_TUNNEL_SCSI_RESPONSE_FIXED_SIZE + in->sense_info_ex_length ||
        !wire_view_ok(in->sense_data_ex, in->sense_info_ex_length) ||
        !wire_view_ok(in->data_buffer, in->data_transfer_length))
        return RSVD_E_INVAL;
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u16(&w, in->length);                   /* 0: Length */
    rsvd_wr_u8(&w, wire_srb_status_byte(in->sense_info_auto_generated,
                                        in->srb_status)); /* 2: A | SrbStatus */
    rsvd_wr_u8(&w, in->scsi_status);               /* 3: ScsiStatus */
    rsvd_wr_u8(&w, in->cdb_length);                /* 4: CDBLength */
    rsvd_wr_u8(&w, in->sense_info_ex_length);      /* 5: SenseInfoExLength */
    rsvd_wr_u8(&w, in->disposition);               /* 6: Disposition */
    rsvd_wr_u8(&w, 0);                             /* 7: Reserved */
    rsvd_wr_u32(&w, in->srb_flags);                /* 8: SrbFlags */
    rsvd_wr_u32(&w, in->data_transfer_length);     /* 12: DataTransferLength */
    wire_put_view(&w, in->sense_data_ex, in->sense_info_ex_length); /* 16: SenseDataEx */
    rsvd_wr_zeros(&w, (size_t)(in->length - RSVD_SVHDX_TUNNEL_SCSI_RESPONSE_FIXED_SIZE -
                               in->sense_info_ex_length)); /* rest of the sense area */
    wire_put_view(&w, in->data_buffer, in->data_transfer_length); /* Length: DataBuffer */
    return rsvd_wr_finish(&w, out_len);
}

/*
 * [MS-RSVD] 3.2.5.5.5: "The SVHDX_TUNNEL_SCSI_RESPONSE MUST be set to the
 * data received in SVHDX_TUNNEL_SCSI_REQUEST structure of the request" and
 * the server "SHOULD NOT add additional data": the request's fixed part,
 * byte for byte (docs/decisions.md).
 */
int rsvd_svhdx_tunnel_scsi_response_echo_request(const uint8_t *req, size_t req_len,
                                                 uint8_t *buf, size_t cap, size_t *out_len)
{
    rsvd_rd r;
    rsvd_rd_init(&r, req, req_len);
    size_t n = rsvd_rd_left(&r);
    if (n > RSVD_SVHDX_TUNNEL_SCSI_REQUEST_SIZE)
        n = RSVD_SVHDX_TUNNEL_SCSI_REQUEST_SIZE;
    const uint8_t *fixed = rsvd_rd_take(&r, n);

    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_bytes(&w, fixed, n);
    rsvd_wr_zeros(&w, RSVD_SVHDX_TUNNEL_SCSI_REQUEST_SIZE - n);
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-RSVD] 2.2.4.9 SVHDX_TUNNEL_VALIDATE_DISK_REQUEST */
int rsvd_svhdx_tunnel_validate_disk_request_decode(const uint8_t *buf, size_t len,
                                                   rsvd_svhdx_tunnel_validate_disk_request *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    rsvd_rd_copy(&r, out->reserved, sizeof out->reserved); /* 0: Reserved */
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_SHORT;
}

int rsvd_svhdx_tunnel_validate_disk_request_encode(
    const rsvd_svhdx_tunnel_validate_disk_request *in, uint8_t *buf, size_t cap, size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_bytes(&w, in->reserved, sizeof in->reserved); /* 0: Reserved */
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-RSVD] 2.2.4.10 SVHDX_TUNNEL_VALIDATE_DISK_RESPONSE */
int rsvd_svhdx_tunnel_validate_disk_response_decode(
    const uint8_t *buf, size_t len, rsvd_svhdx_tunnel_validate_disk_response *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    out->is_valid_disk = rsvd_rd_u8(&r);           /* 0: IsValidDisk */
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_SHORT;
}

int rsvd_svhdx_tunnel_validate_disk_response_encode(
    const rsvd_svhdx_tunnel_validate_disk_response *in, uint8_t *buf, size_t cap, size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u8(&w, in->is_valid_disk);             /* 0: IsValidDisk */
    return rsvd_wr_finish(&w, out_len);
}
