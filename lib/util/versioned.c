/*
 * Structs that grow: the import and export of versioned structs
 * (util/versioned.h, docs/abi.md).
 */
#include <string.h>

#include <rsvd/backend.h>
#include <rsvd/block.h>
#include <rsvd/common.h>
#include <rsvd/file_store.h>
#include <rsvd/iscsi_disk.h>
#include <rsvd/memory_store.h>
#include <rsvd/nbd_block.h>
#include <rsvd/resilient_client.h>
#include <rsvd/resilient_server.h>
#include <rsvd/scsi_disk.h>
#include <rsvd/server.h>
#include <rsvd/store.h>
#include <rsvd/tdb_store.h>

#include "util/versioned.h"

/* A struct that ends in padding would let a member appended later land in
 * bytes an older caller never set (its struct_size counts them): each
 * versioned struct ends exactly at its last member (checked where the ABI
 * is: 64-bit targets, docs/abi.md) - its latest release, V1 where members
 * were appended. */
#if UINTPTR_MAX == UINT64_MAX
_Static_assert(RSVD_V0_MEM == sizeof(rsvd_mem), "rsvd_mem ends in padding");
_Static_assert(RSVD_V1_SERVER_CONFIG == sizeof(rsvd_server_config),
               "rsvd_server_config ends in padding");
_Static_assert(RSVD_V0_SERVER_TARGET_CREATE_REQ == sizeof(rsvd_server_target_create_req),
               "rsvd_server_target_create_req ends in padding");
_Static_assert(RSVD_V0_OBJECT_STORE_OPS == sizeof(rsvd_object_store_ops),
               "rsvd_object_store_ops ends in padding");
_Static_assert(RSVD_V1_SCSI_DISK_OPS == sizeof(rsvd_scsi_disk_ops),
               "rsvd_scsi_disk_ops ends in padding");
_Static_assert(RSVD_V1_RES_SERVER_CONFIG == sizeof(rsvd_res_server_config),
               "rsvd_res_server_config ends in padding");
_Static_assert(RSVD_V1_RES_SERVER_CALLBACKS == sizeof(rsvd_res_server_callbacks),
               "rsvd_res_server_callbacks ends in padding");
_Static_assert(RSVD_V1_RES_CONN_PARAMS == sizeof(rsvd_res_conn_params),
               "rsvd_res_conn_params ends in padding");
_Static_assert(RSVD_V1_RES_TREE_PARAMS == sizeof(rsvd_res_tree_params),
               "rsvd_res_tree_params ends in padding");
_Static_assert(RSVD_V1_RES_OPEN_INFO == sizeof(rsvd_res_open_info),
               "rsvd_res_open_info ends in padding");
_Static_assert(RSVD_V1_RES_SERVER_STATS == sizeof(rsvd_res_server_stats),
               "rsvd_res_server_stats ends in padding");
_Static_assert(RSVD_V0_RES_CREATE_PARAMS == sizeof(rsvd_res_create_params),
               "rsvd_res_create_params ends in padding");
_Static_assert(RSVD_V0_RES_CREATE_GRANT == sizeof(rsvd_res_create_grant),
               "rsvd_res_create_grant ends in padding");
_Static_assert(RSVD_V0_RES_CLIENT_CONFIG == sizeof(rsvd_res_client_config),
               "rsvd_res_client_config ends in padding");
_Static_assert(RSVD_V1_RES_CLIENT_CALLBACKS == sizeof(rsvd_res_client_callbacks),
               "rsvd_res_client_callbacks ends in padding");
_Static_assert(RSVD_V0_RES_CLIENT_CONN_PARAMS == sizeof(rsvd_res_client_conn_params),
               "rsvd_res_client_conn_params ends in padding");
_Static_assert(RSVD_V0_RES_CLIENT_CONN_INFO == sizeof(rsvd_res_client_conn_info),
               "rsvd_res_client_conn_info ends in padding");
_Static_assert(RSVD_V0_RES_CLIENT_TREE_PARAMS == sizeof(rsvd_res_client_tree_params),
               "rsvd_res_client_tree_params ends in padding");
_Static_assert(RSVD_V1_RES_CLIENT_OPEN_PARAMS == sizeof(rsvd_res_client_open_params),
               "rsvd_res_client_open_params ends in padding");
_Static_assert(RSVD_V1_RES_CLIENT_OPEN_INFO == sizeof(rsvd_res_client_open_info),
               "rsvd_res_client_open_info ends in padding");
_Static_assert(RSVD_V0_RES_CLIENT_CREATE_PARAMS == sizeof(rsvd_res_client_create_params),
               "rsvd_res_client_create_params ends in padding");
_Static_assert(RSVD_V1_STORE_OPS == sizeof(rsvd_store_ops), "rsvd_store_ops ends in padding");
_Static_assert(RSVD_V1_BLOCK_OPS == sizeof(rsvd_block_ops), "rsvd_block_ops ends in padding");
_Static_assert(RSVD_V0_FILE_STORE_CONFIG == sizeof(rsvd_file_store_config),
               "rsvd_file_store_config ends in padding");
_Static_assert(RSVD_V0_FILE_BLOCK_CONFIG == sizeof(rsvd_file_block_config),
               "rsvd_file_block_config ends in padding");
_Static_assert(RSVD_V1_SCSI_DISK_CONFIG == sizeof(rsvd_scsi_disk_config),
               "rsvd_scsi_disk_config ends in padding");
_Static_assert(RSVD_V0_ISCSI_DISK_CONFIG == sizeof(rsvd_iscsi_disk_config),
               "rsvd_iscsi_disk_config ends in padding");
_Static_assert(RSVD_V0_NBD_BLOCK_CONFIG == sizeof(rsvd_nbd_block_config),
               "rsvd_nbd_block_config ends in padding");
_Static_assert(RSVD_V0_MEMORY_STORE_CONFIG == sizeof(rsvd_memory_store_config),
               "rsvd_memory_store_config ends in padding");
_Static_assert(RSVD_V0_TDB_STORE_CONFIG == sizeof(rsvd_tdb_store_config),
               "rsvd_tdb_store_config ends in padding");
#endif

static size_t struct_size_of(const void *p)
{
    size_t n;
    memcpy(&n, p, sizeof n); /* struct_size is every such struct's first member */
    return n;
}

int rsvd_struct_import(void *dst, size_t dst_size, const void *src, size_t min_size)
{
    if (!src || !dst)
        return RSVD_E_INVAL;
    size_t n = struct_size_of(src);
    if (n < min_size)
        return RSVD_E_INVAL;
    if (n > dst_size) {
        /* A newer caller: it may only have left the members we do not know
         * at their default. */
        const unsigned char *tail = (const unsigned char *)src + dst_size;
        for (size_t i = 0; i < n - dst_size; i++)
            if (tail[i] != 0)
                return RSVD_E_NOTSUP;
        n = dst_size;
    }
    memcpy(dst, src, n);
    memset((unsigned char *)dst + n, 0, dst_size - n);
    return RSVD_OK;
}

int rsvd_struct_export(void *dst, const void *src, size_t src_size, size_t min_size)
{
    if (!dst)
        return RSVD_E_INVAL;
    size_t n = struct_size_of(dst);
    if (n < min_size)
        return RSVD_E_INVAL;
    if (n > src_size)
        n = src_size;
    memcpy((unsigned char *)dst + sizeof n, (const unsigned char *)src + sizeof n,
           n - sizeof n);
    return RSVD_OK;
}
