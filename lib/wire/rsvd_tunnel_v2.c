/*
 * MS-RSVD version-2 tunnel operations: the request and response bodies of
 * the meta-operations, VHD-set queries, snapshot deletion, change tracking,
 * changed-range queries and safe-size queries ([MS-RSVD] 2.2.4.17 -
 * 2.2.4.40).
 *
 * The body codecs see the bytes after the 16-byte tunnel header; offsets in
 * the field comments are from the start of the structure.
 */
#include <rsvd/wire.h>
#include <rsvd/wire_rsvd.h>

#include "rsvd_wire_util.h"

/* [MS-RSVD] 2.2.4.17 SVHDX_META_OPERATION_START_REQUEST */
int rsvd_svhdx_meta_operation_start_request_decode(const uint8_t *buf, size_t len,
                                                   rsvd_svhdx_meta_operation_start_request *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    rsvd_rd_guid(&r, &out->transaction_id);        /* 0: TransactionId */
    out->operation_type = rsvd_rd_u32(&r);         /* 16: OperationType */
    rsvd_rd_skip(&r, 4);                           /* 20: Reserved */
    if (!rsvd_rd_ok(&r))
        return RSVD_E_WIRE_SHORT;
    out->data_len = rsvd_rd_left(&r);
    out->data = rsvd_rd_take(&r, out->data_len);   /* 24: Data */
    return RSVD_OK;
}

int rsvd_svhdx_meta_operation_start_request_encode(
    const rsvd_svhdx_meta_operation_start_request *in, uint8_t *buf, size_t cap, size_t *out_len)
{
    if (!wire_view_ok(in->data, in->data_len))
        return RSVD_E_INVAL;
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_guid(&w, &in->transaction_id);         /* 0: TransactionId */
    rsvd_wr_u32(&w, in->operation_type);           /* 16: OperationType */
    rsvd_wr_u32(&w, 0);                            /* 20: Reserved */
    wire_put_view(&w, in->data, in->data_len);     /* 24: Data */
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-RSVD] 2.2.4.17.1 SVHDX_META_OPERATION_CREATE_SNAPSHOT */
int rsvd_svhdx_meta_operation_create_snapshot_decode(
    const uint8_t *buf, size_t len, rsvd_svhdx_meta_operation_create_snapshot *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    out->snapshot_type = rsvd_rd_u32(&r);          /* 0: SnapshotType */
    out->flags = rsvd_rd_u32(&r);                  /* 4: Flags */
    for (size_t i = 0; i < RSVD_SVHDX_SNAPSHOT_STAGE_COUNT; i++)
        out->stage[i] = rsvd_rd_u32(&r);           /* 8 + 4i: Stage1 .. Stage6 */
    rsvd_rd_guid(&r, &out->snapshot_id);           /* 32: SnapshotId */
    out->parameters_payload_size = rsvd_rd_u32(&r); /* 48: ParametersPayloadSize */
    if (!rsvd_rd_ok(&r))
        return RSVD_E_WIRE_SHORT;
    out->cdp_parameters_len = rsvd_rd_left(&r);
    out->cdp_parameters = rsvd_rd_take(&r, out->cdp_parameters_len); /* 52: CdpParameters */
    return RSVD_OK;
}

int rsvd_svhdx_meta_operation_create_snapshot_encode(
    const rsvd_svhdx_meta_operation_create_snapshot *in, uint8_t *buf, size_t cap,
    size_t *out_len)
{
    if (!wire_view_ok(in->cdp_parameters, in->cdp_parameters_len))
        return RSVD_E_INVAL;
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u32(&w, in->snapshot_type);            /* 0: SnapshotType */
    rsvd_wr_u32(&w, in->flags);                    /* 4: Flags */
    for (size_t i = 0; i < RSVD_SVHDX_SNAPSHOT_STAGE_COUNT; i++)
        rsvd_wr_u32(&w, in->stage[i]);             /* 8 + 4i: Stage1 .. Stage6 */
    rsvd_wr_guid(&w, &in->snapshot_id);            /* 32: SnapshotId */
    rsvd_wr_u32(&w, in->parameters_payload_size);  /* 48: ParametersPayloadSize */
    wire_put_view(&w, in->cdp_parameters, in->cdp_parameters_len); /* 52: CdpParameters */
    return rsvd_wr_finish(&w, out_len);
}

/*
 * Locates a name that lies at @p offset from the start of a structure whose
 * fixed part is @p fixed bytes (LogFileName of 2.2.4.17.1.1 and 2.2.4.27).
 * An empty name is not located.
 */
static int name_at_offset(rsvd_rd *r, size_t len, size_t fixed, uint32_t offset,
                          uint32_t length, const uint8_t **name)
{
    *name = NULL;
    if (length == 0)
        return RSVD_OK;
    if (offset < fixed)
        return RSVD_E_WIRE_OFFSET;
    if (!rsvd_wire_range_ok(len, offset, length))
        return RSVD_E_WIRE_RANGE;
    rsvd_rd_seek(r, offset);
    *name = rsvd_rd_take(r, length);
    return rsvd_rd_ok(r) ? RSVD_OK : RSVD_E_WIRE_RANGE;
}

/* Writes zeros up to @p offset, then the name; nothing for an empty name. */
static int put_name_at_offset(rsvd_wr *w, size_t fixed, uint32_t offset, uint32_t length,
                              const uint8_t *name)
{
    if (length == 0)
        return RSVD_OK;
    if (offset < fixed || name == NULL)
        return RSVD_E_INVAL;
    rsvd_wr_zeros(w, offset - fixed);
    wire_put_view(w, name, length);
    return RSVD_OK;
}

/* [MS-RSVD] 2.2.4.17.1.1 SVHDX_META_OPERATION_CREATE_CDP_PARAMETER */
int rsvd_svhdx_meta_operation_create_cdp_parameter_decode(
    const uint8_t *buf, size_t len, rsvd_svhdx_meta_operation_create_cdp_parameter *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    out->log_file_name_offset = rsvd_rd_u32(&r);   /* 0: LogFileNameOffset */
    out->log_file_name_length = rsvd_rd_u32(&r);   /* 4: LogFileNameLength */
    rsvd_rd_guid(&r, &out->log_file_id);           /* 8: LogFileId */
    if (!rsvd_rd_ok(&r))
        return RSVD_E_WIRE_SHORT;
    return name_at_offset(&r, len, RSVD_SVHDX_META_OPERATION_CREATE_CDP_PARAMETER_FIXED_SIZE,
                          out->log_file_name_offset, out->log_file_name_length,
                          &out->log_file_name); /* LogFileNameOffset: LogFileName */
}

int rsvd_svhdx_meta_operation_create_cdp_parameter_encode(
    const rsvd_svhdx_meta_operation_create_cdp_parameter *in, uint8_t *buf, size_t cap,
    size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u32(&w, in->log_file_name_offset);     /* 0: LogFileNameOffset */
    rsvd_wr_u32(&w, in->log_file_name_length);     /* 4: LogFileNameLength */
    rsvd_wr_guid(&w, &in->log_file_id);            /* 8: LogFileId */
    int rc = put_name_at_offset(&w, RSVD_SVHDX_META_OPERATION_CREATE_CDP_PARAMETER_FIXED_SIZE,
                                in->log_file_name_offset, in->log_file_name_length,
                                in->log_file_name); /* LogFileNameOffset: LogFileName */
    return rc != RSVD_OK ? rc : rsvd_wr_finish(&w, out_len);
}

/* [MS-RSVD] 2.2.4.17.2 SVHDX_META_OPERATION_EXTRACT */
int rsvd_svhdx_meta_operation_extract_decode(const uint8_t *buf, size_t len,
                                             rsvd_svhdx_meta_operation_extract *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    out->snapshot_type = rsvd_rd_u32(&r);          /* 0: SnapshotType */
    rsvd_rd_skip(&r, 4);                           /* 4: Reserved */
    out->flags = rsvd_rd_u32(&r);                  /* 8: Flags */
    rsvd_rd_guid(&r, &out->source_snapshot_id);    /* 12: SourceSnapshotId */
    rsvd_rd_guid(&r, &out->source_limit_snapshot_id); /* 28: SourceLimitSnapshotId */
    out->destination_file_name_length = rsvd_rd_u32(&r); /* 44: DestinationFileNameLength */
    if (!rsvd_rd_ok(&r))
        return RSVD_E_WIRE_SHORT;
    out->destination_file_name =
        rsvd_rd_take(&r, out->destination_file_name_length); /* 48: DestinationFileName */
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_RANGE;
}

int rsvd_svhdx_meta_operation_extract_encode(const rsvd_svhdx_meta_operation_extract *in,
                                             uint8_t *buf, size_t cap, size_t *out_len)
{
    if (!wire_view_ok(in->destination_file_name, in->destination_file_name_length))
        return RSVD_E_INVAL;
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u32(&w, in->snapshot_type);            /* 0: SnapshotType */
    rsvd_wr_u32(&w, 0);                            /* 4: Reserved */
    rsvd_wr_u32(&w, in->flags);                    /* 8: Flags */
    rsvd_wr_guid(&w, &in->source_snapshot_id);     /* 12: SourceSnapshotId */
    rsvd_wr_guid(&w, &in->source_limit_snapshot_id); /* 28: SourceLimitSnapshotId */
    rsvd_wr_u32(&w, in->destination_file_name_length); /* 44: DestinationFileNameLength */
    wire_put_view(&w, in->destination_file_name,
                  in->destination_file_name_length); /* 48: DestinationFileName */
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-RSVD] 2.2.4.17.3 SVHDX_META_OPERATION_CONVERT_TO_VHDSET */
int rsvd_svhdx_meta_operation_convert_to_vhdset_decode(
    const uint8_t *buf, size_t len, rsvd_svhdx_meta_operation_convert_to_vhdset *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    out->destination_vhd_set_name_length = rsvd_rd_u32(&r); /* 0: DestinationVhdSetNameLength */
    if (!rsvd_rd_ok(&r))
        return RSVD_E_WIRE_SHORT;
    out->destination_vhd_set_name =
        rsvd_rd_take(&r, out->destination_vhd_set_name_length); /* 4: DestinationVhdSetName */
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_RANGE;
}

int rsvd_svhdx_meta_operation_convert_to_vhdset_encode(
    const rsvd_svhdx_meta_operation_convert_to_vhdset *in, uint8_t *buf, size_t cap,
    size_t *out_len)
{
    if (!wire_view_ok(in->destination_vhd_set_name, in->destination_vhd_set_name_length))
        return RSVD_E_INVAL;
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u32(&w, in->destination_vhd_set_name_length); /* 0: DestinationVhdSetNameLength */
    wire_put_view(&w, in->destination_vhd_set_name,
                  in->destination_vhd_set_name_length); /* 4: DestinationVhdSetName */
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-RSVD] 2.2.4.17.4 SVHDX_META_OPERATION_RESIZE_VIRTUAL_DISK */
int rsvd_svhdx_meta_operation_resize_virtual_disk_decode(
    const uint8_t *buf, size_t len, rsvd_svhdx_meta_operation_resize_virtual_disk *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    out->new_size = rsvd_rd_u64(&r);               /* 0: NewSize */
    out->expand_only = rsvd_rd_u8(&r);             /* 8: ExpandOnly */
    out->allow_unsafe_virtual_size = rsvd_rd_u8(&r); /* 9: AllowUnsafeVirtualSize */
    out->shrink_to_minimum_safe_size = rsvd_rd_u8(&r); /* 10: ShrinkToMinimumSafeSize */
    rsvd_rd_skip(&r, 1);                           /* 11: Reserved */
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_SHORT;
}

int rsvd_svhdx_meta_operation_resize_virtual_disk_encode(
    const rsvd_svhdx_meta_operation_resize_virtual_disk *in, uint8_t *buf, size_t cap,
    size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u64(&w, in->new_size);                 /* 0: NewSize */
    rsvd_wr_u8(&w, in->expand_only);               /* 8: ExpandOnly */
    rsvd_wr_u8(&w, in->allow_unsafe_virtual_size); /* 9: AllowUnsafeVirtualSize */
    rsvd_wr_u8(&w, in->shrink_to_minimum_safe_size); /* 10: ShrinkToMinimumSafeSize */
    rsvd_wr_u8(&w, 0);                             /* 11: Reserved */
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-RSVD] 2.2.4.36 SVHDX_APPLY_SNAPSHOT_PARAMS */
int rsvd_svhdx_apply_snapshot_params_decode(const uint8_t *buf, size_t len,
                                            rsvd_svhdx_apply_snapshot_params *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    out->snapshot_type = rsvd_rd_u32(&r);          /* 0: SnapshotType */
    rsvd_rd_guid(&r, &out->snapshot_id);           /* 4: SnapshotID */
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_SHORT;
}

int rsvd_svhdx_apply_snapshot_params_encode(const rsvd_svhdx_apply_snapshot_params *in,
                                            uint8_t *buf, size_t cap, size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u32(&w, in->snapshot_type);            /* 0: SnapshotType */
    rsvd_wr_guid(&w, &in->snapshot_id);            /* 4: SnapshotID */
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-RSVD] 2.2.4.18 SVHDX_META_OPERATION_REPLY */
int rsvd_svhdx_meta_operation_reply_decode(const uint8_t *buf, size_t len,
                                           rsvd_svhdx_meta_operation_reply *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    out->change_tracking_error_status = rsvd_rd_u32(&r); /* 0: ChangeTrackingErrorStatus */
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_SHORT;
}

int rsvd_svhdx_meta_operation_reply_encode(const rsvd_svhdx_meta_operation_reply *in,
                                           uint8_t *buf, size_t cap, size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u32(&w, in->change_tracking_error_status); /* 0: ChangeTrackingErrorStatus */
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-RSVD] 2.2.4.19 SVHDX_TUNNEL_VHDSET_QUERY_INFORMATION_REQUEST */
int rsvd_svhdx_tunnel_vhdset_query_information_request_decode(
    const uint8_t *buf, size_t len, rsvd_svhdx_tunnel_vhdset_query_information_request *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    out->vhdset_information_type = rsvd_rd_u32(&r); /* 0: VHDSetInformationType */
    out->snapshot_type = rsvd_rd_u32(&r);          /* 4: SnapshotType */
    rsvd_rd_guid(&r, &out->snapshot_id);           /* 8: SnapshotId */
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_SHORT;
}

int rsvd_svhdx_tunnel_vhdset_query_information_request_encode(
    const rsvd_svhdx_tunnel_vhdset_query_information_request *in, uint8_t *buf, size_t cap,
    size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u32(&w, in->vhdset_information_type);  /* 0: VHDSetInformationType */
    rsvd_wr_u32(&w, in->snapshot_type);            /* 4: SnapshotType */
    rsvd_wr_guid(&w, &in->snapshot_id);            /* 8: SnapshotId */
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-RSVD] 2.2.4.20 SVHDX_TUNNEL_VHDSET_QUERY_INFORMATION_SNAPSHOT_LIST_RESPONSE */
int rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response_decode(
    const uint8_t *buf, size_t len,
    rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    out->vhdset_information_type = rsvd_rd_u32(&r); /* 0: VHDSetInformationType */
    out->reserved1 = rsvd_rd_u32(&r);              /* 4: Reserved1 */
    out->response_complete = rsvd_rd_u8(&r);       /* 8: ResponseComplete */
    rsvd_rd_skip(&r, 3);                           /* 9: Reserved2 */
    out->number_of_snapshots = rsvd_rd_u32(&r);    /* 12: NumberOfSnapshots */
    if (!rsvd_rd_ok(&r))
        return RSVD_E_WIRE_SHORT;
    out->snapshot_ids = NULL;
    if (out->response_complete > 1)
        return RSVD_E_WIRE_VALUE;
    if (out->response_complete == 0)
        return RSVD_OK; /* the ids are absent */
    uint64_t ids_len = (uint64_t)out->number_of_snapshots * sizeof(rsvd_guid);
    if (!rsvd_wire_range_ok(len, rsvd_rd_pos(&r), ids_len))
        return RSVD_E_WIRE_RANGE;
    out->snapshot_ids = rsvd_rd_take(&r, (size_t)ids_len); /* 16: SnapshotIds */
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_RANGE;
}

int rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response_encode(
    const rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response *in, uint8_t *buf,
    size_t cap, size_t *out_len)
{
    if (in->response_complete > 1 ||
        (in->response_complete == 1 && in->number_of_snapshots != 0 && !in->snapshot_ids))
        return RSVD_E_INVAL;
    uint64_t ids_len = in->response_complete
                           ? (uint64_t)in->number_of_snapshots * sizeof(rsvd_guid)
                           : 0;
    if (ids_len > cap)
        return RSVD_E_NOSPC;
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u32(&w, in->vhdset_information_type);  /* 0: VHDSetInformationType */
    rsvd_wr_u32(&w, in->reserved1);                /* 4: Reserved1 */
    rsvd_wr_u8(&w, in->response_complete);         /* 8: ResponseComplete */
    rsvd_wr_zeros(&w, 3);                          /* 9: Reserved2 */
    rsvd_wr_u32(&w, in->number_of_snapshots);      /* 12: NumberOfSnapshots */
    wire_put_view(&w, in->snapshot_ids, (size_t)ids_len); /* 16: SnapshotIds */
    return rsvd_wr_finish(&w, out_len);
}

int rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response_snapshot_id(
    const rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response *in,
    uint32_t index, rsvd_guid *out)
{
    if (in->response_complete != 1 || !in->snapshot_ids)
        return RSVD_E_NOENT;
    if (index >= in->number_of_snapshots)
        return RSVD_E_INVAL;
    rsvd_rd r;
    rsvd_rd_init(&r, in->snapshot_ids, (size_t)in->number_of_snapshots * sizeof(rsvd_guid));
    rsvd_rd_seek(&r, (uint64_t)index * sizeof(rsvd_guid));
    rsvd_rd_guid(&r, out);
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_INVAL;
}

/* [MS-RSVD] 2.2.4.21 SVHDX_TUNNEL_VHDSET_QUERY_INFORMATION_SNAPSHOT_ENTRY_RESPONSE */
int rsvd_svhdx_tunnel_vhdset_query_information_snapshot_entry_response_decode(
    const uint8_t *buf, size_t len,
    rsvd_svhdx_tunnel_vhdset_query_information_snapshot_entry_response *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    out->vhdset_information_type = rsvd_rd_u32(&r); /* 0: VHDSetInformationType */
    out->reserved = rsvd_rd_u32(&r);               /* 4: Reserved */
    out->snapshot_creation_time = rsvd_rd_u64(&r); /* 8: SnapshotCreationTime */
    out->snapshot_type = rsvd_rd_u32(&r);          /* 16: SnapshotType */
    out->is_valid_snapshot = rsvd_rd_u32(&r);      /* 20: IsValidSnapshot */
    rsvd_rd_guid(&r, &out->snapshot_id);           /* 24: SnapshotId */
    rsvd_rd_guid(&r, &out->parent_snapshot_id);    /* 40: ParentSnapshotId */
    rsvd_rd_guid(&r, &out->log_file_id);           /* 56: LogFileId */
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_SHORT;
}

int rsvd_svhdx_tunnel_vhdset_query_information_snapshot_entry_response_encode(
    const rsvd_svhdx_tunnel_vhdset_query_information_snapshot_entry_response *in, uint8_t *buf,
    size_t cap, size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u32(&w, in->vhdset_information_type);  /* 0: VHDSetInformationType */
    rsvd_wr_u32(&w, in->reserved);                 /* 4: Reserved */
    rsvd_wr_u64(&w, in->snapshot_creation_time);   /* 8: SnapshotCreationTime */
    rsvd_wr_u32(&w, in->snapshot_type);            /* 16: SnapshotType */
    rsvd_wr_u32(&w, in->is_valid_snapshot);        /* 20: IsValidSnapshot */
    rsvd_wr_guid(&w, &in->snapshot_id);            /* 24: SnapshotId */
    rsvd_wr_guid(&w, &in->parent_snapshot_id);     /* 40: ParentSnapshotId */
    rsvd_wr_guid(&w, &in->log_file_id);            /* 56: LogFileId */
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-RSVD] 2.2.4.22 SVHDX_TUNNEL_VHDSET_QUERY_INFORMATION_OPTIMIZE_RESPONSE */
int rsvd_svhdx_tunnel_vhdset_query_information_optimize_response_decode(
    const uint8_t *buf, size_t len,
    rsvd_svhdx_tunnel_vhdset_query_information_optimize_response *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    out->vhdset_information_type = rsvd_rd_u32(&r); /* 0: VHDSetInformationType */
    out->reserved = rsvd_rd_u32(&r);               /* 4: Reserved */
    out->optimize_needed = rsvd_rd_u32(&r);        /* 8: OptimizeNeeded */
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_SHORT;
}

int rsvd_svhdx_tunnel_vhdset_query_information_optimize_response_encode(
    const rsvd_svhdx_tunnel_vhdset_query_information_optimize_response *in, uint8_t *buf,
    size_t cap, size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u32(&w, in->vhdset_information_type);  /* 0: VHDSetInformationType */
    rsvd_wr_u32(&w, in->reserved);                 /* 4: Reserved */
    rsvd_wr_u32(&w, in->optimize_needed);          /* 8: OptimizeNeeded */
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-RSVD] 2.2.4.23 SVHDX_META_OPERATION_QUERY_PROGRESS_REQUEST */
int rsvd_svhdx_meta_operation_query_progress_request_decode(
    const uint8_t *buf, size_t len, rsvd_svhdx_meta_operation_query_progress_request *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    rsvd_rd_guid(&r, &out->transaction_id);        /* 0: TransactionId */
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_SHORT;
}

int rsvd_svhdx_meta_operation_query_progress_request_encode(
    const rsvd_svhdx_meta_operation_query_progress_request *in, uint8_t *buf, size_t cap,
    size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_guid(&w, &in->transaction_id);         /* 0: TransactionId */
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-RSVD] 2.2.4.24 SVHDX_META_OPERATION_QUERY_PROGRESS_RESPONSE */
int rsvd_svhdx_meta_operation_query_progress_response_decode(
    const uint8_t *buf, size_t len, rsvd_svhdx_meta_operation_query_progress_response *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    out->current_progress_value = rsvd_rd_u64(&r); /* 0: CurrentProgressValue */
    out->complete_value = rsvd_rd_u64(&r);         /* 8: CompleteValue */
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_SHORT;
}

int rsvd_svhdx_meta_operation_query_progress_response_encode(
    const rsvd_svhdx_meta_operation_query_progress_response *in, uint8_t *buf, size_t cap,
    size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u64(&w, in->current_progress_value);   /* 0: CurrentProgressValue */
    rsvd_wr_u64(&w, in->complete_value);           /* 8: CompleteValue */
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-RSVD] 2.2.4.25 SVHDX_CHANGE_TRACKING_GET_PARAMETERS_RESPONSE */
int rsvd_svhdx_change_tracking_get_parameters_response_decode(
    const uint8_t *buf, size_t len, rsvd_svhdx_change_tracking_get_parameters_response *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    out->change_tracking_status = rsvd_rd_u32(&r); /* 0: ChangeTrackingStatus */
    out->reserved = rsvd_rd_u32(&r);               /* 4: Reserved */
    out->log_file_size = rsvd_rd_u64(&r);          /* 8: LogFileSize */
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_SHORT;
}

int rsvd_svhdx_change_tracking_get_parameters_response_encode(
    const rsvd_svhdx_change_tracking_get_parameters_response *in, uint8_t *buf, size_t cap,
    size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u32(&w, in->change_tracking_status);   /* 0: ChangeTrackingStatus */
    rsvd_wr_u32(&w, in->reserved);                 /* 4: Reserved */
    rsvd_wr_u64(&w, in->log_file_size);            /* 8: LogFileSize */
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-RSVD] 2.2.4.26 SVHDX_TUNNEL_DELETE_SNAPSHOT_REQUEST */
int rsvd_svhdx_tunnel_delete_snapshot_request_decode(
    const uint8_t *buf, size_t len, rsvd_svhdx_tunnel_delete_snapshot_request *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    rsvd_rd_guid(&r, &out->snapshot_id);           /* 0: SnapshotId */
    out->persist_reference = rsvd_rd_u32(&r);      /* 16: PersistReference */
    out->snapshot_type = rsvd_rd_u32(&r);          /* 20: SnapshotType */
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_SHORT;
}

int rsvd_svhdx_tunnel_delete_snapshot_request_encode(
    const rsvd_svhdx_tunnel_delete_snapshot_request *in, uint8_t *buf, size_t cap,
    size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_guid(&w, &in->snapshot_id);            /* 0: SnapshotId */
    rsvd_wr_u32(&w, in->persist_reference);        /* 16: PersistReference */
    rsvd_wr_u32(&w, in->snapshot_type);            /* 20: SnapshotType */
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-RSVD] 2.2.4.27 SVHDX_CHANGE_TRACKING_START_REQUEST */
int rsvd_svhdx_change_tracking_start_request_decode(
    const uint8_t *buf, size_t len, rsvd_svhdx_change_tracking_start_request *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    rsvd_rd_guid(&r, &out->transaction_id);        /* 0: TransactionId */
    out->log_file_name_offset = rsvd_rd_u32(&r);   /* 16: LogFileNameOffset */
    out->log_file_name_length = rsvd_rd_u32(&r);   /* 20: LogFileNameLength */
    rsvd_rd_guid(&r, &out->log_file_id);           /* 24: LogFileId */
    out->max_log_file_size = rsvd_rd_u64(&r);      /* 40: MaxLogFileSize */
    out->append_data = rsvd_rd_u32(&r);            /* 48: AppendData */
    rsvd_rd_skip(&r, 4);                           /* 52: Reserved */
    if (!rsvd_rd_ok(&r))
        return RSVD_E_WIRE_SHORT;
    return name_at_offset(&r, len, RSVD_SVHDX_CHANGE_TRACKING_START_REQUEST_FIXED_SIZE,
                          out->log_file_name_offset, out->log_file_name_length,
                          &out->log_file_name); /* LogFileNameOffset: LogFileName */
}

int rsvd_svhdx_change_tracking_start_request_encode(
    const rsvd_svhdx_change_tracking_start_request *in, uint8_t *buf, size_t cap,
    size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_guid(&w, &in->transaction_id);         /* 0: TransactionId */
    rsvd_wr_u32(&w, in->log_file_name_offset);     /* 16: LogFileNameOffset */
    rsvd_wr_u32(&w, in->log_file_name_length);     /* 20: LogFileNameLength */
    rsvd_wr_guid(&w, &in->log_file_id);            /* 24: LogFileId */
    rsvd_wr_u64(&w, in->max_log_file_size);        /* 40: MaxLogFileSize */
    rsvd_wr_u32(&w, in->append_data);              /* 48: AppendData */
    rsvd_wr_u32(&w, 0);                            /* 52: Reserved */
    int rc = put_name_at_offset(&w, RSVD_SVHDX_CHANGE_TRACKING_START_REQUEST_FIXED_SIZE,
                                in->log_file_name_offset, in->log_file_name_length,
                                in->log_file_name); /* LogFileNameOffset: LogFileName */
    return rc != RSVD_OK ? rc : rsvd_wr_finish(&w, out_len);
}

/* [MS-RSVD] 2.2.4.30 SVHDX_CHANGE_TRACKING_STOP_RESPONSE */
int rsvd_svhdx_change_tracking_stop_response_decode(
    const uint8_t *buf, size_t len, rsvd_svhdx_change_tracking_stop_response *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    out->change_tracking_status = rsvd_rd_u32(&r); /* 0: ChangeTrackingStatus */
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_SHORT;
}

int rsvd_svhdx_change_tracking_stop_response_encode(
    const rsvd_svhdx_change_tracking_stop_response *in, uint8_t *buf, size_t cap,
    size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u32(&w, in->change_tracking_status);   /* 0: ChangeTrackingStatus */
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-RSVD] 2.2.4.37 SVHDX_TUNNEL_QUERY_VIRTUAL_DISK_CHANGES_REQUEST */
int rsvd_svhdx_tunnel_query_virtual_disk_changes_request_decode(
    const uint8_t *buf, size_t len, rsvd_svhdx_tunnel_query_virtual_disk_changes_request *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    rsvd_rd_guid(&r, &out->target_snapshot_id);    /* 0: TargetSnapshotId */
    rsvd_rd_guid(&r, &out->limit_snapshot_id);     /* 16: LimitSnapshotId */
    out->snapshot_type = rsvd_rd_u32(&r);          /* 32: SnapshotType */
    rsvd_rd_skip(&r, 4);                           /* 36: Reserved */
    out->byte_offset = rsvd_rd_u64(&r);            /* 40: ByteOffset */
    out->byte_length = rsvd_rd_u64(&r);            /* 48: ByteLength */
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_SHORT;
}

int rsvd_svhdx_tunnel_query_virtual_disk_changes_request_encode(
    const rsvd_svhdx_tunnel_query_virtual_disk_changes_request *in, uint8_t *buf, size_t cap,
    size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_guid(&w, &in->target_snapshot_id);     /* 0: TargetSnapshotId */
    rsvd_wr_guid(&w, &in->limit_snapshot_id);      /* 16: LimitSnapshotId */
    rsvd_wr_u32(&w, in->snapshot_type);            /* 32: SnapshotType */
    rsvd_wr_u32(&w, 0);                            /* 36: Reserved */
    rsvd_wr_u64(&w, in->byte_offset);              /* 40: ByteOffset */
    rsvd_wr_u64(&w, in->byte_length);              /* 48: ByteLength */
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-RSVD] 2.2.4.38 SVHDX_TUNNEL_QUERY_VIRTUAL_DISK_CHANGES_REPLY */
int rsvd_svhdx_tunnel_query_virtual_disk_changes_reply_decode(
    const uint8_t *buf, size_t len, rsvd_svhdx_tunnel_query_virtual_disk_changes_reply *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    out->processed_byte_length = rsvd_rd_u64(&r);  /* 0: ProcessedByteLength */
    out->range_count = rsvd_rd_u32(&r);            /* 8: RangeCount */
    rsvd_rd_skip(&r, 4);                           /* 12: Reserved */
    if (!rsvd_rd_ok(&r))
        return RSVD_E_WIRE_SHORT;
    uint64_t ranges_len = (uint64_t)out->range_count * RSVD_SVHDX_VIRTUAL_DISK_CHANGED_RANGE_SIZE;
    if (!rsvd_wire_range_ok(len, rsvd_rd_pos(&r), ranges_len))
        return RSVD_E_WIRE_RANGE;
    out->ranges = rsvd_rd_take(&r, (size_t)ranges_len); /* 16: Ranges */
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_RANGE;
}

int rsvd_svhdx_tunnel_query_virtual_disk_changes_reply_encode(
    const rsvd_svhdx_tunnel_query_virtual_disk_changes_reply *in, uint8_t *buf, size_t cap,
    size_t *out_len)
{
    uint64_t ranges_len = (uint64_t)in->range_count * RSVD_SVHDX_VIRTUAL_DISK_CHANGED_RANGE_SIZE;
    if (in->range_count != 0 && !in->ranges)
        return RSVD_E_INVAL;
    if (ranges_len > cap)
        return RSVD_E_NOSPC;
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u64(&w, in->processed_byte_length);    /* 0: ProcessedByteLength */
    rsvd_wr_u32(&w, in->range_count);              /* 8: RangeCount */
    rsvd_wr_u32(&w, 0);                            /* 12: Reserved */
    wire_put_view(&w, in->ranges, (size_t)ranges_len); /* 16: Ranges */
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-RSVD] 2.2.4.39 SVHDX_VIRTUAL_DISK_CHANGED_RANGE */
static void put_changed_range(rsvd_wr *w, const rsvd_svhdx_virtual_disk_changed_range *in)
{
    rsvd_wr_u64(w, in->byte_offset);               /* 0: ByteOffset */
    rsvd_wr_u64(w, in->byte_length);               /* 8: ByteLength */
    rsvd_wr_u64(w, 0);                             /* 16: Reserved */
}

int rsvd_svhdx_tunnel_query_virtual_disk_changes_reply_build(
    uint64_t processed_byte_length, const rsvd_svhdx_virtual_disk_changed_range *ranges,
    size_t count, uint8_t *buf, size_t cap, size_t *out_len)
{
    if ((count != 0 && !ranges) || count > UINT32_MAX)
        return RSVD_E_INVAL;
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u64(&w, processed_byte_length);        /* 0: ProcessedByteLength */
    rsvd_wr_u32(&w, (uint32_t)count);              /* 8: RangeCount */
    rsvd_wr_u32(&w, 0);                            /* 12: Reserved */
    for (size_t i = 0; i < count && rsvd_wr_ok(&w); i++)
        put_changed_range(&w, &ranges[i]);         /* 16 + 24i: Ranges[i] */
    return rsvd_wr_finish(&w, out_len);
}

int rsvd_svhdx_tunnel_query_virtual_disk_changes_reply_range(
    const rsvd_svhdx_tunnel_query_virtual_disk_changes_reply *in, uint32_t index,
    rsvd_svhdx_virtual_disk_changed_range *out)
{
    if (index >= in->range_count || !in->ranges)
        return RSVD_E_INVAL;
    rsvd_rd r;
    rsvd_rd_init(&r, in->ranges,
                 (size_t)in->range_count * RSVD_SVHDX_VIRTUAL_DISK_CHANGED_RANGE_SIZE);
    rsvd_rd_seek(&r, (uint64_t)index * RSVD_SVHDX_VIRTUAL_DISK_CHANGED_RANGE_SIZE);
    out->byte_offset = rsvd_rd_u64(&r);            /* 0: ByteOffset */
    out->byte_length = rsvd_rd_u64(&r);            /* 8: ByteLength */
    rsvd_rd_skip(&r, 8);                           /* 16: Reserved */
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_INVAL;
}

/* [MS-RSVD] 2.2.4.40 SVHDX_TUNNEL_QUERY_SAFE_SIZE_RESPONSE */
int rsvd_svhdx_tunnel_query_safe_size_response_decode(
    const uint8_t *buf, size_t len, rsvd_svhdx_tunnel_query_safe_size_response *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    out->safe_virtual_size = rsvd_rd_u64(&r);      /* 0: SafeVirtualSize */
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_SHORT;
}

int rsvd_svhdx_tunnel_query_safe_size_response_encode(
    const rsvd_svhdx_tunnel_query_safe_size_response *in, uint8_t *buf, size_t cap,
    size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u64(&w, in->safe_virtual_size);        /* 0: SafeVirtualSize */
    return rsvd_wr_finish(&w, out_len);
}
