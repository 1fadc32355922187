/*
 * File information classes ([MS-FSCC] 2.4) of QUERY_INFO and SET_INFO that
 * the backends answer and take: FileStandardInformation (2.4.41),
 * FileNetworkOpenInformation (2.4.29), FileEndOfFileInformation (2.4.14).
 * Every field little-endian, as all of [MS-FSCC] 2.4.
 */
#include <string.h>

#include <rsvd/backend.h>
#include <rsvd/fscc.h>
#include <rsvd/wire.h>

#include "fscc_info.h"

size_t rsvd_fscc_file_info_size(uint32_t info_class)
{
    switch (info_class) {
    case RSVD_FILE_STANDARD_INFORMATION:
        return FSCC_FILE_STANDARD_INFORMATION_SIZE;
    case RSVD_FILE_NETWORK_OPEN_INFORMATION:
        return FSCC_FILE_NETWORK_OPEN_INFORMATION_SIZE;
    case RSVD_FILE_END_OF_FILE_INFORMATION:
        return FSCC_FILE_END_OF_FILE_INFORMATION_SIZE;
    default:
        return 0;
    }
}

/* [MS-FSCC] 2.4.41 FILE_STANDARD_INFORMATION */
static void put_standard(rsvd_wr *w, const rsvd_fscc_file_info *fi)
{
    rsvd_wr_u64(w, fi->allocation_size); /* 0: AllocationSize */
    rsvd_wr_u64(w, fi->end_of_file);     /* 8: EndOfFile */
    rsvd_wr_u32(w, fi->number_of_links); /* 16: NumberOfLinks */
    rsvd_wr_u8(w, fi->delete_pending);   /* 20: DeletePending */
    rsvd_wr_u8(w, fi->directory);        /* 21: Directory */
    rsvd_wr_u16(w, 0);                   /* 22: Reserved */
}

static void get_standard(rsvd_rd *r, rsvd_fscc_file_info *fi)
{
    fi->allocation_size = rsvd_rd_u64(r); /* 0: AllocationSize */
    fi->end_of_file = rsvd_rd_u64(r);     /* 8: EndOfFile */
    fi->number_of_links = rsvd_rd_u32(r); /* 16: NumberOfLinks */
    fi->delete_pending = rsvd_rd_u8(r);   /* 20: DeletePending */
    fi->directory = rsvd_rd_u8(r);        /* 21: Directory */
    rsvd_rd_skip(r, 2);                   /* 22: Reserved */
}

/* [MS-FSCC] 2.4.29 FILE_NETWORK_OPEN_INFORMATION */
static void put_network_open(rsvd_wr *w, const rsvd_fscc_file_info *fi)
{
    rsvd_wr_u64(w, fi->creation_time);    /* 0: CreationTime */
    rsvd_wr_u64(w, fi->last_access_time); /* 8: LastAccessTime */
    rsvd_wr_u64(w, fi->last_write_time);  /* 16: LastWriteTime */
    rsvd_wr_u64(w, fi->change_time);      /* 24: ChangeTime */
    rsvd_wr_u64(w, fi->allocation_size);  /* 32: AllocationSize */
    rsvd_wr_u64(w, fi->end_of_file);      /* 40: EndOfFile */
    rsvd_wr_u32(w, fi->file_attributes);  /* 48: FileAttributes */
    rsvd_wr_u32(w, 0);                    /* 52: Reserved */
}

static void get_network_open(rsvd_rd *r, rsvd_fscc_file_info *fi)
{
    fi->creation_time = rsvd_rd_u64(r);    /* 0: CreationTime */
    fi->last_access_time = rsvd_rd_u64(r); /* 8: LastAccessTime */
    fi->last_write_time = rsvd_rd_u64(r);  /* 16: LastWriteTime */
    fi->change_time = rsvd_rd_u64(r);      /* 24: ChangeTime */
    fi->allocation_size = rsvd_rd_u64(r);  /* 32: AllocationSize */
    fi->end_of_file = rsvd_rd_u64(r);      /* 40: EndOfFile */
    fi->file_attributes = rsvd_rd_u32(r);  /* 48: FileAttributes */
    rsvd_rd_skip(r, 4);                    /* 52: Reserved */
}

/* [MS-FSCC] 2.4.14 FILE_END_OF_FILE_INFORMATION */
static void put_end_of_file(rsvd_wr *w, const rsvd_fscc_file_info *fi)
{
    rsvd_wr_u64(w, fi->end_of_file); /* 0: EndOfFile */
}

static void get_end_of_file(rsvd_rd *r, rsvd_fscc_file_info *fi)
{
    fi->end_of_file = rsvd_rd_u64(r); /* 0: EndOfFile */
}

int rsvd_fscc_file_info_encode(uint32_t info_class, const rsvd_fscc_file_info *fi, uint8_t *buf,
                               size_t cap, size_t *out_len)
{
    if (!fi)
        return RSVD_E_INVAL;
    rsvd_wr w;
    rsvd_wr_init(&w, buf, cap);
    switch (info_class) {
    case RSVD_FILE_STANDARD_INFORMATION:
        put_standard(&w, fi);
        break;
    case RSVD_FILE_NETWORK_OPEN_INFORMATION:
        put_network_open(&w, fi);
        break;
    case RSVD_FILE_END_OF_FILE_INFORMATION:
        put_end_of_file(&w, fi);
        break;
    default:
        return RSVD_E_NOTSUP;
    }
    return rsvd_wr_finish(&w, out_len);
}

int rsvd_fscc_file_info_decode(uint32_t info_class, const uint8_t *buf, size_t len,
                               rsvd_fscc_file_info *out)
{
    if (!out)
        return RSVD_E_INVAL;
    memset(out, 0, sizeof *out);
    rsvd_rd r;
    rsvd_rd_init(&r, buf, len);
    switch (info_class) {
    case RSVD_FILE_STANDARD_INFORMATION:
        get_standard(&r, out);
        break;
    case RSVD_FILE_NETWORK_OPEN_INFORMATION:
        get_network_open(&r, out);
        break;
    case RSVD_FILE_END_OF_FILE_INFORMATION:
        get_end_of_file(&r, out);
        if (rsvd_rd_ok(&r) && out->end_of_file > (uint64_t)INT64_MAX)
            return RSVD_E_WIRE_VALUE; /* 2.4.14: "MUST be greater than or equal to 0" */
        break;
    default:
        return RSVD_E_NOTSUP;
    }
    return rsvd_rd_ok(&r) ? RSVD_OK : RSVD_E_WIRE_SHORT;
}
