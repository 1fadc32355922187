/*
 * Opening a shared virtual disk: the SVHDX_OPEN_DEVICE_CONTEXT create
 * context and its response ([MS-RSVD] 2.2.4.12, 2.2.4.31), the V2 forms
 * ([MS-RSVD] 2.2.4.32, 2.2.4.33), and the RSVD target specifier carried in
 * an EA ([MS-RSVD] 2.2.4.34, 2.2.4.35, 3.1.4.24, 3.2.5.7).
 */
#include <rsvd/fscc.h>
#include <rsvd/smb2.h>
#include <rsvd/wire.h>
#include <rsvd/wire_rsvd.h>

#include "rsvd_wire_util.h"

bool rsvd_is_svhdx_open_device_context_name(const uint8_t *name, size_t len)
{
    return name && len == RSVD_SMB2_CC_SVHDX_OPEN_DEVICE_CONTEXT_LEN &&
           memcmp(name, RSVD_SMB2_CC_SVHDX_OPEN_DEVICE_CONTEXT, len) == 0;
}

int rsvd_svhdx_open_device_context_version(const uint8_t *buf, size_t len, uint32_t *version)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    *version = rsvd_rd_u32(&r);                    /* 0: Version */
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_SHORT;
}

/* [MS-RSVD] 2.2.4.12, 2.2.4.31 - 2.2.4.33: "InitiatorHostNameLength ...
 * MUST NOT exceed RSVD_MAXIMUM_NAME_LENGTH", in requests and responses
 * alike; the name is UTF-16, so its length is even. */
static bool host_name_length_ok(uint16_t len)
{
    return len <= RSVD_MAXIMUM_NAME_LENGTH && len % 2 == 0;
}

/* [MS-RSVD] 2.2.4.12 / 2.2.4.31: the 168 bytes the two layouts share. */
static void get_v1_fields(rsvd_rd *r, rsvd_svhdx_open_device_context *out)
{
    out->version = rsvd_rd_u32(r);                 /* 0: Version */
    out->has_initiator_id = rsvd_rd_u8(r);         /* 4: HasInitiatorId */
    rsvd_rd_copy(r, out->reserved, sizeof out->reserved); /* 5: Reserved */
    rsvd_rd_guid(r, &out->initiator_id);           /* 8: InitiatorId */
    out->flags = rsvd_rd_u32(r);                   /* 24: Flags */
    out->originator_flags = rsvd_rd_u32(r);        /* 28: OriginatorFlags */
    out->open_request_id = rsvd_rd_u64(r);         /* 32: OpenRequestId */
    out->initiator_host_name_length = rsvd_rd_u16(r); /* 40: InitiatorHostNameLength */
    out->initiator_host_name =
        rsvd_rd_take(r, RSVD_SVHDX_INITIATOR_HOST_NAME_SIZE); /* 42: InitiatorHostName */
}

/* Decoded fields that break a rule of the structure. */
static int check_v1_fields(const rsvd_svhdx_open_device_context *c)
{
    return host_name_length_ok(c->initiator_host_name_length) ? RSVD_OK : RSVD_E_WIRE_NAME;
}

static int put_v1_fields(rsvd_wr *w, const rsvd_svhdx_open_device_context *in)
{
    const size_t name_len = in->initiator_host_name_length;
    if (!host_name_length_ok(in->initiator_host_name_length) ||
        !wire_view_ok(in->initiator_host_name, name_len))
        return RSVD_E_INVAL;
    rsvd_wr_u32(w, in->version);                   /* 0: Version */
    rsvd_wr_u8(w, in->has_initiator_id);           /* 4: HasInitiatorId */
    rsvd_wr_bytes(w, in->reserved, sizeof in->reserved); /* 5: Reserved */
    rsvd_wr_guid(w, &in->initiator_id);            /* 8: InitiatorId */
    rsvd_wr_u32(w, in->flags);                     /* 24: Flags */
    rsvd_wr_u32(w, in->originator_flags);          /* 28: OriginatorFlags */
    rsvd_wr_u64(w, in->open_request_id);           /* 32: OpenRequestId */
    rsvd_wr_u16(w, in->initiator_host_name_length); /* 40: InitiatorHostNameLength */
    wire_put_view(w, in->initiator_host_name, name_len); /* 42: InitiatorHostName */
    rsvd_wr_zeros(w, RSVD_SVHDX_INITIATOR_HOST_NAME_SIZE - name_len); /* its zero fill */
    return RSVD_OK;
}

int rsvd_svhdx_open_device_context_v1_decode(const uint8_t *buf, size_t len,
                                             rsvd_svhdx_open_device_context *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    get_v1_fields(&r, out);
    out->virtual_disk_properties_initialized = 0;
    out->server_service_version = 0;
    out->virtual_sector_size = 0;
    out->physical_sector_size = 0;
    out->virtual_size = 0;
    return rsvd_rd_ok(&r) ? check_v1_fields(out) : RSVD_E_WIRE_SHORT;
}

/* [MS-RSVD] 2.2.4.32 / 2.2.4.33 */
int rsvd_svhdx_open_device_context_v2_decode(const uint8_t *buf, size_t len,
                                             rsvd_svhdx_open_device_context *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    get_v1_fields(&r, out);                        /* 0 - 167: as version 1 */
    out->virtual_disk_properties_initialized =
        rsvd_rd_u32(&r);                           /* 168: VirtualDiskPropertiesInitialized */
    out->server_service_version = rsvd_rd_u32(&r); /* 172: ServerServiceVersion */
    out->virtual_sector_size = rsvd_rd_u32(&r);    /* 176: VirtualSectorSize */
    out->physical_sector_size = rsvd_rd_u32(&r);   /* 180: PhysicalSectorSize */
    out->virtual_size = rsvd_rd_u64(&r);           /* 184: VirtualSize */
    return rsvd_rd_ok(&r) ? check_v1_fields(out) : RSVD_E_WIRE_SHORT;
}

int rsvd_svhdx_open_device_context_v1_encode(const rsvd_svhdx_open_device_context *in,
                                             uint8_t *buf, size_t cap, size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    int rc = put_v1_fields(&w, in);
    return rc != RSVD_OK ? rc : rsvd_wr_finish(&w, out_len);
}

int rsvd_svhdx_open_device_context_v2_encode(const rsvd_svhdx_open_device_context *in,
                                             uint8_t *buf, size_t cap, size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    int rc = put_v1_fields(&w, in);                /* 0 - 167: as version 1 */
    if (rc != RSVD_OK)
        return rc;
    rsvd_wr_u32(&w, in->virtual_disk_properties_initialized);
                                                   /* 168: VirtualDiskPropertiesInitialized */
    rsvd_wr_u32(&w, in->server_service_version);   /* 172: ServerServiceVersion */
    rsvd_wr_u32(&w, in->virtual_sector_size);      /* 176: VirtualSectorSize */
    rsvd_wr_u32(&w, in->physical_sector_size);     /* 180: PhysicalSectorSize */
    rsvd_wr_u64(&w, in->virtual_size);             /* 184: VirtualSize */
    return rsvd_wr_finish(&w, out_len);
}

/* The length checked as the codecs check it: a context filled by hand may
 * break the rule. */
int rsvd_svhdx_open_device_context_host_name(const rsvd_svhdx_open_device_context *in,
                                             const uint8_t **name, size_t *len)
{
    if (!host_name_length_ok(in->initiator_host_name_length) ||
        (in->initiator_host_name_length != 0 && !in->initiator_host_name))
        return RSVD_E_WIRE_NAME;
    *name = in->initiator_host_name;
    *len = in->initiator_host_name_length;
    return RSVD_OK;
}

/* [MS-RSVD] 2.2.4.35 RSVD_BLOCK_DEVICE_TARGET_SPECIFIER_SNAPSHOT inside
 * [MS-RSVD] 2.2.4.34 RSVD_BLOCK_DEVICE_TARGET_SPECIFIER */
int rsvd_block_device_target_specifier_decode(const uint8_t *buf, size_t len,
                                              rsvd_block_device_target_specifier *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    out->rsvd_block_device_target_namespace =
        rsvd_rd_u32(&r);                           /* 0: RsvdBlockDeviceTargetNamespace */
    out->target_information_snapshot.snapshot_type =
        rsvd_rd_u32(&r);                           /* 4: TargetInformationSnapshot.SnapshotType */
    rsvd_rd_guid(&r, &out->target_information_snapshot
                          .snapshot_id);           /* 8: TargetInformationSnapshot.SnapshotID */
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_SHORT;
}

int rsvd_block_device_target_specifier_encode(const rsvd_block_device_target_specifier *in,
                                              uint8_t *buf, size_t cap, size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u32(&w, in->rsvd_block_device_target_namespace); /* 0: RsvdBlockDeviceTargetNamespace */
    rsvd_wr_u32(&w, in->target_information_snapshot
                        .snapshot_type);           /* 4: TargetInformationSnapshot.SnapshotType */
    rsvd_wr_guid(&w, &in->target_information_snapshot
                          .snapshot_id);           /* 8: TargetInformationSnapshot.SnapshotID */
    return rsvd_wr_finish(&w, out_len);
}

/* [MS-RSVD] 3.1.4.24: one FILE_FULL_EA_INFORMATION, NextEntryOffset 0, Flags
 * FILE_NEED_EA, EaName "RSVD_TARGET_SPECIFIER_EA", EaValue the specifier. */
int rsvd_target_specifier_ea_build(const rsvd_block_device_target_specifier *ts, uint8_t *buf,
                                   size_t cap, size_t *out_len)
{
    uint8_t value[RSVD_BLOCK_DEVICE_TARGET_SPECIFIER_SIZE];
    int rc = rsvd_block_device_target_specifier_encode(ts, value, sizeof value, NULL);
    if (rc != RSVD_OK)
        return rc;
    const rsvd_file_full_ea_information ea = {
        .next_entry_offset = 0,
        .flags = RSVD_FILE_NEED_EA,
        .ea_name_length = RSVD_TARGET_SPECIFIER_EA_NAME_LENGTH,
        .ea_value_length = RSVD_BLOCK_DEVICE_TARGET_SPECIFIER_SIZE,
        .ea_name = (const uint8_t *)RSVD_TARGET_SPECIFIER_EA_NAME,
        .ea_value = value,
    };
    return rsvd_file_full_ea_information_encode(&ea, buf, cap, out_len);
}

/* [MS-RSVD] 3.2.5.7: "If EaValueLength is greater than or equal to 24, and
 * EaName is equal to "RSVD_TARGET_SPECIFIER_EA" ..." */
int rsvd_target_specifier_ea_find(const uint8_t *buf, size_t len,
                                  rsvd_block_device_target_specifier *out)
{
    rsvd_ea_iter it;
    rsvd_file_full_ea_information ea;
    int rc;
    rsvd_ea_iter_init(&it, buf, len);
    while ((rc = rsvd_ea_iter_next(&it, &ea)) == RSVD_OK) {
        if (ea.ea_name_length == RSVD_TARGET_SPECIFIER_EA_NAME_LENGTH &&
            memcmp(ea.ea_name, RSVD_TARGET_SPECIFIER_EA_NAME,
                   RSVD_TARGET_SPECIFIER_EA_NAME_LENGTH) == 0 &&
            ea.ea_value_length >= RSVD_BLOCK_DEVICE_TARGET_SPECIFIER_SIZE)
            return rsvd_block_device_target_specifier_decode(ea.ea_value, ea.ea_value_length,
                                                             out);
    }
    return rc;
}
