/*
 * rsvd-target: [MS-FSCC] information structures (see fscc_info.h). Each
 * encoder writes its structure one field per line in wire order.
 */
#include "fscc_info.h"
#include <rsvd/wire.h>

/* FILE_DEVICE_DISK ([MS-FSCC] 2.5.10) */
#define FILE_DEVICE_DISK 0x00000007u
/* FileSystemAttributes ([MS-FSCC] 2.5.1): case-preserved and Unicode
 * names, sparse files not claimed. */
#define FILE_CASE_PRESERVED_NAMES 0x00000002u
#define FILE_UNICODE_ON_DISK 0x00000004u
#define FILE_CASE_SENSITIVE_SEARCH 0x00000001u
#define FILE_PERSISTENT_ACLS 0x00000008u
#define BYTES_PER_SECTOR 512u
#define SECTORS_PER_UNIT 8u

size_t tgt_fscc_dirent_fixed_size(uint8_t cls)
{
    switch (cls) {
    case TGT_FILE_DIRECTORY_INFORMATION: return 64;
    case TGT_FILE_FULL_DIRECTORY_INFORMATION: return 68;
    case TGT_FILE_ID_FULL_DIRECTORY_INFORMATION: return 80;
    case TGT_FILE_BOTH_DIRECTORY_INFORMATION: return 94;
    case TGT_FILE_ID_BOTH_DIRECTORY_INFORMATION: return 104;
    case TGT_FILE_NAMES_INFORMATION: return 12;
    default: return 0;
    }
}

static void put_times(rsvd_wr *w, const tgt_file_info *fi)
{
    rsvd_wr_u64(w, fi->creation_time);    /* CreationTime */
    rsvd_wr_u64(w, fi->last_access_time); /* LastAccessTime */
    rsvd_wr_u64(w, fi->last_write_time);  /* LastWriteTime */
    rsvd_wr_u64(w, fi->change_time);      /* ChangeTime */
}

int tgt_fscc_dirent_encode(uint8_t cls, const tgt_file_info *fi, uint32_t file_index,
                           const uint8_t *name16, size_t name16_len, rsvd_wr *w)
{
    if (tgt_fscc_dirent_fixed_size(cls) == 0 || name16_len > UINT32_MAX)
        return RSVD_E_INVAL;
    rsvd_wr_u32(w, 0);          /* NextEntryOffset */
    rsvd_wr_u32(w, file_index); /* FileIndex */
    if (cls == TGT_FILE_NAMES_INFORMATION) { /* [MS-FSCC] 2.4.33 */
        rsvd_wr_u32(w, (uint32_t)name16_len); /* FileNameLength */
        rsvd_wr_bytes(w, name16, name16_len); /* FileName */
        return rsvd_wr_ok(w) ? RSVD_OK : RSVD_E_NOSPC;
    }
    put_times(w, fi);
    rsvd_wr_u64(w, fi->end_of_file);          /* EndOfFile */
    rsvd_wr_u64(w, fi->allocation_size);      /* AllocationSize */
    rsvd_wr_u32(w, fi->attributes);           /* FileAttributes */
    rsvd_wr_u32(w, (uint32_t)name16_len);     /* FileNameLength */
    switch (cls) {
    case TGT_FILE_DIRECTORY_INFORMATION: /* [MS-FSCC] 2.4.10 */
        break;
    case TGT_FILE_FULL_DIRECTORY_INFORMATION: /* 2.4.14 */
        rsvd_wr_u32(w, 0);                    /* EaSize */
        break;
    case TGT_FILE_ID_FULL_DIRECTORY_INFORMATION: /* 2.4.18 */
        rsvd_wr_u32(w, 0);                    /* EaSize */
        rsvd_wr_u32(w, 0);                    /* Reserved */
        rsvd_wr_u64(w, fi->index_number);     /* FileId */
        break;
    case TGT_FILE_BOTH_DIRECTORY_INFORMATION: /* 2.4.8 */
        rsvd_wr_u32(w, 0);                    /* EaSize */
        rsvd_wr_u8(w, 0);                     /* ShortNameLength: no 8.3 names */
        rsvd_wr_u8(w, 0);                     /* Reserved1 */
        rsvd_wr_zeros(w, 24);                 /* ShortName */
        break;
    case TGT_FILE_ID_BOTH_DIRECTORY_INFORMATION: /* 2.4.17 */
        rsvd_wr_u32(w, 0);                    /* EaSize */
        rsvd_wr_u8(w, 0);                     /* ShortNameLength */
        rsvd_wr_u8(w, 0);                     /* Reserved1 */
        rsvd_wr_zeros(w, 24);                 /* ShortName */
        rsvd_wr_u16(w, 0);                    /* Reserved2 */
        rsvd_wr_u64(w, fi->index_number);     /* FileId */
        break;
    default:
        return RSVD_E_INVAL;
    }
    rsvd_wr_bytes(w, name16, name16_len);     /* FileName */
    return rsvd_wr_ok(w) ? RSVD_OK : RSVD_E_NOSPC;
}

/* [MS-FSCC] 2.4.7 */
static void put_basic(rsvd_wr *w, const tgt_file_info *fi)
{
    put_times(w, fi);
    rsvd_wr_u32(w, fi->attributes); /* FileAttributes */
    rsvd_wr_u32(w, 0);              /* Reserved */
}

/* [MS-FSCC] 2.4.41 */
static void put_standard(rsvd_wr *w, const tgt_file_info *fi)
{
    rsvd_wr_u64(w, fi->allocation_size);         /* AllocationSize */
    rsvd_wr_u64(w, fi->end_of_file);             /* EndOfFile */
    rsvd_wr_u32(w, fi->links);                   /* NumberOfLinks */
    rsvd_wr_u8(w, fi->delete_pending ? 1 : 0);   /* DeletePending */
    rsvd_wr_u8(w, fi->directory ? 1 : 0);        /* Directory */
    rsvd_wr_u16(w, 0);                           /* Reserved */
}

static void put_name(rsvd_wr *w, const uint8_t *name16, size_t len)
{
    rsvd_wr_u32(w, (uint32_t)len);  /* FileNameLength */
    rsvd_wr_bytes(w, name16, len);  /* FileName */
}

int tgt_fscc_file_info_encode(uint8_t cls, const tgt_file_query *q, rsvd_wr *w, size_t *min)
{
    const tgt_file_info *fi = q->fi;
    if (q->name16_len > UINT32_MAX)
        return RSVD_E_INVAL;
    switch (cls) {
    case TGT_FILE_BASIC_INFORMATION:
        *min = 40;
        put_basic(w, fi);
        break;
    case TGT_FILE_STANDARD_INFORMATION:
        *min = 24;
        put_standard(w, fi);
        break;
    case TGT_FILE_INTERNAL_INFORMATION: /* [MS-FSCC] 2.4.22 */
        *min = 8;
        rsvd_wr_u64(w, fi->index_number); /* IndexNumber */
        break;
    case TGT_FILE_EA_INFORMATION: /* 2.4.13 */
        *min = 4;
        rsvd_wr_u32(w, 0); /* EaSize: no extended attributes */
        break;
    case TGT_FILE_ACCESS_INFORMATION: /* 2.4.1 */
        *min = 4;
        rsvd_wr_u32(w, q->access); /* AccessFlags */
        break;
    case TGT_FILE_POSITION_INFORMATION: /* 2.4.35 */
        *min = 8;
        rsvd_wr_u64(w, q->position); /* CurrentByteOffset */
        break;
    case TGT_FILE_MODE_INFORMATION: /* 2.4.26 */
        *min = 4;
        rsvd_wr_u32(w, q->mode); /* Mode */
        break;
    case TGT_FILE_ALIGNMENT_INFORMATION: /* 2.4.3 */
        *min = 4;
        rsvd_wr_u32(w, 0); /* AlignmentRequirement: FILE_BYTE_ALIGNMENT */
        break;
    case TGT_FILE_NAME_INFORMATION: /* 2.4.28 */
        *min = 4;
        put_name(w, q->name16, q->name16_len);
        break;
    case TGT_FILE_ALL_INFORMATION: /* 2.4.2: the classes above, in order */
        *min = 100;
        put_basic(w, fi);
        put_standard(w, fi);
        rsvd_wr_u64(w, fi->index_number); /* InternalInformation */
        rsvd_wr_u32(w, 0);                /* EaInformation */
        rsvd_wr_u32(w, q->access);        /* AccessInformation */
        rsvd_wr_u64(w, q->position);      /* PositionInformation */
        rsvd_wr_u32(w, q->mode);          /* ModeInformation */
        rsvd_wr_u32(w, 0);                /* AlignmentInformation */
        put_name(w, q->name16, q->name16_len); /* NameInformation */
        break;
    case TGT_FILE_STREAM_INFORMATION: /* 2.4.44: a file has its ::$DATA */
        *min = 0;
        if (!fi->directory) {
            static const uint8_t data16[] = {':', 0, ':', 0, '$', 0, 'D', 0, 'A', 0, 'T', 0,
                                             'A', 0};
            rsvd_wr_u32(w, 0);                      /* NextEntryOffset */
            rsvd_wr_u32(w, sizeof data16);          /* StreamNameLength */
            rsvd_wr_u64(w, fi->end_of_file);        /* StreamSize */
            rsvd_wr_u64(w, fi->allocation_size);    /* StreamAllocationSize */
            rsvd_wr_bytes(w, data16, sizeof data16); /* StreamName */
            *min = 24;
        }
        break;
    case TGT_FILE_COMPRESSION_INFORMATION: /* 2.4.9 */
        *min = 16;
        rsvd_wr_u64(w, fi->end_of_file); /* CompressedFileSize */
        rsvd_wr_u16(w, 0);               /* CompressionFormat: none */
        rsvd_wr_u8(w, 0);                /* CompressionUnitShift */
        rsvd_wr_u8(w, 0);                /* ChunkShift */
        rsvd_wr_u8(w, 0);                /* ClusterShift */
        rsvd_wr_zeros(w, 3);             /* Reserved */
        break;
    case TGT_FILE_NETWORK_OPEN_INFORMATION: /* 2.4.29 */
        *min = 56;
        put_times(w, fi);
        rsvd_wr_u64(w, fi->allocation_size); /* AllocationSize */
        rsvd_wr_u64(w, fi->end_of_file);     /* EndOfFile */
        rsvd_wr_u32(w, fi->attributes);      /* FileAttributes */
        rsvd_wr_u32(w, 0);                   /* Reserved */
        break;
    case TGT_FILE_ATTRIBUTE_TAG_INFORMATION: /* 2.4.6 */
        *min = 8;
        rsvd_wr_u32(w, fi->attributes); /* FileAttributes */
        rsvd_wr_u32(w, 0);              /* ReparseTag */
        break;
    default:
        return RSVD_E_NOTSUP;
    }
    return rsvd_wr_ok(w) ? RSVD_OK : RSVD_E_NOSPC;
}

int tgt_fscc_fs_info_encode(uint8_t cls, const tgt_fs_query *q, rsvd_wr *w, size_t *min)
{
    switch (cls) {
    case TGT_FS_VOLUME_INFORMATION: /* [MS-FSCC] 2.5.9 */
        *min = 18;
        rsvd_wr_u64(w, q->created);                   /* VolumeCreationTime */
        rsvd_wr_u32(w, q->serial);                    /* VolumeSerialNumber */
        rsvd_wr_u32(w, (uint32_t)q->label16_len);     /* VolumeLabelLength */
        rsvd_wr_u8(w, 0);                             /* SupportsObjects */
        rsvd_wr_u8(w, 0);                             /* Reserved */
        rsvd_wr_bytes(w, q->label16, q->label16_len); /* VolumeLabel */
        break;
    case TGT_FS_SIZE_INFORMATION: /* 2.5.8 */
        *min = 24;
        rsvd_wr_u64(w, q->total_units);   /* TotalAllocationUnits */
        rsvd_wr_u64(w, q->free_units);    /* AvailableAllocationUnits */
        rsvd_wr_u32(w, SECTORS_PER_UNIT); /* SectorsPerAllocationUnit */
        rsvd_wr_u32(w, BYTES_PER_SECTOR); /* BytesPerSector */
        break;
    case TGT_FS_DEVICE_INFORMATION: /* 2.5.10 */
        *min = 8;
        rsvd_wr_u32(w, FILE_DEVICE_DISK); /* DeviceType */
        rsvd_wr_u32(w, 0);                /* Characteristics */
        break;
    case TGT_FS_ATTRIBUTE_INFORMATION: { /* 2.5.1 */
        static const uint8_t name16[] = {'N', 0, 'T', 0, 'F', 0, 'S', 0};
        *min = 12;
        rsvd_wr_u32(w, FILE_CASE_PRESERVED_NAMES | FILE_UNICODE_ON_DISK |
                           FILE_PERSISTENT_ACLS); /* FileSystemAttributes */
        rsvd_wr_u32(w, 255);                      /* MaximumComponentNameLength */
        rsvd_wr_u32(w, sizeof name16);            /* FileSystemNameLength */
        rsvd_wr_bytes(w, name16, sizeof name16);  /* FileSystemName */
        break;
    }
    case TGT_FS_FULL_SIZE_INFORMATION: /* 2.5.4 */
        *min = 32;
        rsvd_wr_u64(w, q->total_units);   /* TotalAllocationUnits */
        rsvd_wr_u64(w, q->free_units);    /* CallerAvailableAllocationUnits */
        rsvd_wr_u64(w, q->free_units);    /* ActualAvailableAllocationUnits */
        rsvd_wr_u32(w, SECTORS_PER_UNIT); /* SectorsPerAllocationUnit */
        rsvd_wr_u32(w, BYTES_PER_SECTOR); /* BytesPerSector */
        break;
    case TGT_FS_OBJECT_ID_INFORMATION: /* 2.5.6 */
        *min = 64;
        rsvd_wr_u32(w, q->serial);        /* ObjectId: the volume's */
        rsvd_wr_zeros(w, 12);
        rsvd_wr_zeros(w, 48);             /* ExtendedInfo */
        break;
    case TGT_FS_SECTOR_SIZE_INFORMATION: /* 2.5.7 */
        *min = 28;
        rsvd_wr_u32(w, BYTES_PER_SECTOR); /* LogicalBytesPerSector */
        rsvd_wr_u32(w, BYTES_PER_SECTOR); /* PhysicalBytesPerSectorForAtomicity */
        rsvd_wr_u32(w, BYTES_PER_SECTOR); /* PhysicalBytesPerSectorForPerformance */
        rsvd_wr_u32(w, BYTES_PER_SECTOR); /* FileSystemEffectivePhysicalBytesPerSectorForAtomicity */
        rsvd_wr_u32(w, 0);                /* Flags */
        rsvd_wr_u32(w, 0);                /* ByteOffsetForSectorAlignment */
        rsvd_wr_u32(w, 0);                /* ByteOffsetForPartitionAlignment */
        break;
    default:
        return RSVD_E_NOTSUP;
    }
    return rsvd_wr_ok(w) ? RSVD_OK : RSVD_E_NOSPC;
}

/* [MS-DTYP] 2.4.2: S-1-5-32-544 (BUILTIN\Administrators) and S-1-1-0
 * (Everyone), as they lie in a descriptor. */
static const uint8_t sid_admins[16] = {1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 0x02, 0, 0};
static const uint8_t sid_everyone[12] = {1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0};

int tgt_fscc_security_encode(uint32_t info, rsvd_wr *w)
{
    const uint32_t header = 20, ace = 4 + 4 + sizeof sid_everyone, acl = 8 + ace;
    bool owner = info & TGT_OWNER_SECURITY_INFORMATION;
    bool group = info & TGT_GROUP_SECURITY_INFORMATION;
    bool dacl = info & TGT_DACL_SECURITY_INFORMATION;
    uint32_t off = header;
    uint32_t owner_off = owner ? off : 0;
    off += owner ? (uint32_t)sizeof sid_admins : 0;
    uint32_t group_off = group ? off : 0;
    off += group ? (uint32_t)sizeof sid_admins : 0;
    uint32_t dacl_off = dacl ? off : 0;
    /* [MS-DTYP] 2.4.6 SECURITY_DESCRIPTOR, self-relative */
    rsvd_wr_u8(w, 1);                                   /* Revision */
    rsvd_wr_u8(w, 0);                                   /* Sbz1 */
    rsvd_wr_u16(w, (uint16_t)(0x8000u | (dacl ? 0x0004u : 0))); /* SR | DACL_PRESENT */
    rsvd_wr_u32(w, owner_off);                          /* OffsetOwner */
    rsvd_wr_u32(w, group_off);                          /* OffsetGroup */
    rsvd_wr_u32(w, 0);                                  /* OffsetSacl */
    rsvd_wr_u32(w, dacl_off);                           /* OffsetDacl */
    if (owner)
        rsvd_wr_bytes(w, sid_admins, sizeof sid_admins);
    if (group)
        rsvd_wr_bytes(w, sid_admins, sizeof sid_admins);
    if (dacl) { /* [MS-DTYP] 2.4.5 ACL with one 2.4.4.2 ACCESS_ALLOWED_ACE */
        rsvd_wr_u8(w, 2);                 /* AclRevision */
        rsvd_wr_u8(w, 0);                 /* Sbz1 */
        rsvd_wr_u16(w, (uint16_t)acl);    /* AclSize */
        rsvd_wr_u16(w, 1);                /* AceCount */
        rsvd_wr_u16(w, 0);                /* Sbz2 */
        rsvd_wr_u8(w, 0);                 /* AceType: ACCESS_ALLOWED_ACE_TYPE */
        rsvd_wr_u8(w, 0);                 /* AceFlags */
        rsvd_wr_u16(w, (uint16_t)ace);    /* AceSize */
        rsvd_wr_u32(w, 0x001F01FFu);      /* Mask: FILE_ALL_ACCESS */
        rsvd_wr_bytes(w, sid_everyone, sizeof sid_everyone); /* Sid */
    }
    return rsvd_wr_ok(w) ? RSVD_OK : RSVD_E_NOSPC;
}

/* [MS-FSCC] 2.4.7 FileBasicInformation */
int tgt_fscc_set_basic_decode(const uint8_t *buf, size_t len, tgt_set_basic *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    out->creation_time = rsvd_rd_u64(&r);    /* CreationTime */
    out->last_access_time = rsvd_rd_u64(&r); /* LastAccessTime */
    out->last_write_time = rsvd_rd_u64(&r);  /* LastWriteTime */
    out->change_time = rsvd_rd_u64(&r);      /* ChangeTime */
    out->attributes = rsvd_rd_u32(&r);       /* FileAttributes */
    rsvd_rd_skip(&r, 4);                     /* Reserved */
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_SHORT;
}

int tgt_fscc_set_basic_encode(const tgt_set_basic *m, uint8_t *buf, size_t cap, size_t *out_len)
{
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u64(&w, m->creation_time);
    rsvd_wr_u64(&w, m->last_access_time);
    rsvd_wr_u64(&w, m->last_write_time);
    rsvd_wr_u64(&w, m->change_time);
    rsvd_wr_u32(&w, m->attributes);
    rsvd_wr_u32(&w, 0);
    return rsvd_wr_finish(&w, out_len);
}

int tgt_fscc_u64_decode(const uint8_t *buf, size_t len, uint64_t *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    *out = rsvd_rd_u64(&r);
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_SHORT;
}

int tgt_fscc_u32_decode(const uint8_t *buf, size_t len, uint32_t *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    *out = rsvd_rd_u32(&r);
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_SHORT;
}

int tgt_fscc_u8_decode(const uint8_t *buf, size_t len, uint8_t *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    *out = rsvd_rd_u8(&r);
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_SHORT;
}

/* [MS-FSCC] 2.4.37.2 FILE_RENAME_INFORMATION_TYPE_2 */
int tgt_fscc_set_rename_decode(const uint8_t *buf, size_t len, tgt_set_rename *out)
{
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    out->replace_if_exists = rsvd_rd_u8(&r) != 0; /* ReplaceIfExists */
    rsvd_rd_skip(&r, 7);                          /* Reserved */
    out->root_directory = rsvd_rd_u64(&r);        /* RootDirectory */
    out->name16_len = rsvd_rd_u32(&r);            /* FileNameLength */
    if (!rsvd_rd_ok(&r))
        return RSVD_E_WIRE_SHORT;
    if (out->name16_len == 0 || out->name16_len % 2)
        return RSVD_E_WIRE_NAME;
    out->name16 = rsvd_rd_take(&r, out->name16_len); /* FileName */
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_SHORT;
}

int tgt_fscc_set_rename_encode(const tgt_set_rename *m, uint8_t *buf, size_t cap,
                               size_t *out_len)
{
    if (!m->name16 && m->name16_len)
        return RSVD_E_INVAL;
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    rsvd_wr_u8(&w, m->replace_if_exists ? 1 : 0);
    rsvd_wr_zeros(&w, 7);
    rsvd_wr_u64(&w, m->root_directory);
    rsvd_wr_u32(&w, m->name16_len);
    rsvd_wr_bytes(&w, m->name16, m->name16_len);
    return rsvd_wr_finish(&w, out_len);
}
