/*
 * rsvd-target: access masks and sharing (see access.h).
 */
#include "access.h"

#include <rsvd/fscc.h>
#include <rsvd/wire.h>

/* [MS-SMB2] 2.2.13.1.1 and the file generic mapping of [MS-FSA] 2.1.5.1. */
#define GENERIC_READ_MAP 0x00120089u
#define GENERIC_WRITE_MAP 0x00120116u
#define GENERIC_EXECUTE_MAP 0x001200A0u

uint32_t tgt_access_map(uint32_t desired)
{
    uint32_t a = desired & ~(TGT_GENERIC_ALL | TGT_GENERIC_EXECUTE | TGT_GENERIC_WRITE |
                             TGT_GENERIC_READ | TGT_MAXIMUM_ALLOWED);
    if (desired & (TGT_GENERIC_ALL | TGT_MAXIMUM_ALLOWED))
        a |= TGT_FILE_ALL_ACCESS;
    if (desired & TGT_GENERIC_READ)
        a |= GENERIC_READ_MAP;
    if (desired & TGT_GENERIC_WRITE)
        a |= GENERIC_WRITE_MAP;
    if (desired & TGT_GENERIC_EXECUTE)
        a |= GENERIC_EXECUTE_MAP;
    return a;
}

bool tgt_access_is_data(uint32_t access)
{
    return (access & (TGT_FILE_READ_DATA | TGT_FILE_WRITE_DATA | TGT_FILE_APPEND_DATA |
                      TGT_FILE_EXECUTE | TGT_DELETE)) != 0;
}

bool tgt_share_conflict(uint32_t access, uint32_t share, uint32_t e_access, uint32_t e_share)
{
    /* Opens that neither read, write nor delete share with everything. */
    if (!tgt_access_is_data(access) || !tgt_access_is_data(e_access))
        return false;
    const uint32_t rd = TGT_FILE_READ_DATA | TGT_FILE_EXECUTE;
    const uint32_t wr = TGT_FILE_WRITE_DATA | TGT_FILE_APPEND_DATA;
    if (((access & rd) && !(e_share & RSVD_FILE_SHARE_READ)) ||
        ((access & wr) && !(e_share & RSVD_FILE_SHARE_WRITE)) ||
        ((access & TGT_DELETE) && !(e_share & RSVD_FILE_SHARE_DELETE)))
        return true;
    if (((e_access & rd) && !(share & RSVD_FILE_SHARE_READ)) ||
        ((e_access & wr) && !(share & RSVD_FILE_SHARE_WRITE)) ||
        ((e_access & TGT_DELETE) && !(share & RSVD_FILE_SHARE_DELETE)))
        return true;
    return false;
}
