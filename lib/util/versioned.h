/*
 * Structs that grow (internal): every public config struct, callback table
 * and registration or inspection struct starts with `size_t struct_size`
 * (rsvd/common.h, RSVD_STRUCT_INIT). A caller built against older headers
 * passes a shorter struct; one built against newer headers a longer one.
 * The library reads and writes only the bytes both sides know.
 */
#ifndef RSVD_UTIL_VERSIONED_H
#define RSVD_UTIL_VERSIONED_H

#include <stddef.h>

#include <rsvd/common.h>

/** Size of the first release of a struct: up to and including @p last, its
 * last member in that release. Later members are appended after it. */
#define RSVD_V0_SIZE(type, last) (offsetof(type, last) + sizeof(((type *)0)->last))
/** RSVD_V0_SIZE() for a struct whose last member then was a pointer. */
#define RSVD_V0_SIZE_PTR(type, last) (offsetof(type, last) + sizeof(void *))

/* The first release of every versioned struct of the API: its size up to
 * its last member then. Appending a member adds a line V1 beside it. */
#define RSVD_V0_MEM RSVD_V0_SIZE(rsvd_mem, user_data)
#define RSVD_V0_SERVER_CONFIG RSVD_V0_SIZE(rsvd_server_config, name_hash_key)
/* + interim, wall_clock, cdp_timeout_ms, max_transactions (version 2). */
#define RSVD_V1_SERVER_CONFIG RSVD_V0_SIZE(rsvd_server_config, max_transactions)
#define RSVD_V0_SERVER_TARGET_CREATE_REQ RSVD_V0_SIZE(rsvd_server_target_create_req, ea_buffer_len)
#define RSVD_V0_OBJECT_STORE_OPS RSVD_V0_SIZE(rsvd_object_store_ops, fsctl)
#define RSVD_V0_SCSI_DISK_OPS RSVD_V0_SIZE(rsvd_scsi_disk_ops, set_info)
/* + the version-2 functions (create_snapshot ... open_snapshot). */
#define RSVD_V1_SCSI_DISK_OPS RSVD_V0_SIZE(rsvd_scsi_disk_ops, open_snapshot)
#define RSVD_V0_RES_SERVER_CONFIG RSVD_V0_SIZE(rsvd_res_server_config, max_channels)
#define RSVD_V0_RES_SERVER_CALLBACKS RSVD_V0_SIZE(rsvd_res_server_callbacks, close_open)
#define RSVD_V0_RES_CONN_PARAMS RSVD_V0_SIZE(rsvd_res_conn_params, max_transact_size)
#define RSVD_V0_RES_TREE_PARAMS RSVD_V0_SIZE(rsvd_res_tree_params, reserved)
#define RSVD_V0_RES_OPEN_INFO RSVD_V0_SIZE(rsvd_res_open_info, open_user_data)
#define RSVD_V0_RES_SERVER_STATS RSVD_V0_SIZE(rsvd_res_server_stats, detached)
/* Members appended for durable and persistent handles (the structs'
 * second release, their size up to the last member now). */
#define RSVD_V1_RES_SERVER_CONFIG RSVD_V0_SIZE(rsvd_res_server_config, hash_key)
#define RSVD_V1_RES_SERVER_CALLBACKS RSVD_V0_SIZE(rsvd_res_server_callbacks, restore_open)
#define RSVD_V1_RES_CONN_PARAMS RSVD_V0_SIZE(rsvd_res_conn_params, reserved)
#define RSVD_V1_RES_TREE_PARAMS RSVD_V0_SIZE(rsvd_res_tree_params, ca_timeout_ms)
#define RSVD_V1_RES_OPEN_INFO RSVD_V0_SIZE(rsvd_res_open_info, outstanding_pre_requests)
#define RSVD_V1_RES_SERVER_STATS RSVD_V0_SIZE(rsvd_res_server_stats, store_errors)
#define RSVD_V0_RES_CREATE_PARAMS RSVD_V0_SIZE(rsvd_res_create_params, reserved)
#define RSVD_V0_RES_CREATE_GRANT RSVD_V0_SIZE(rsvd_res_create_grant, file_key_len)
#define RSVD_V0_RES_CLIENT_CONFIG RSVD_V0_SIZE_PTR(rsvd_res_client_config, mem)
#define RSVD_V0_RES_CLIENT_CALLBACKS RSVD_V0_SIZE(rsvd_res_client_callbacks, open_lost)
#define RSVD_V1_RES_CLIENT_CALLBACKS RSVD_V0_SIZE_PTR(rsvd_res_client_callbacks, random) /* + random */
#define RSVD_V0_RES_CLIENT_CONN_PARAMS RSVD_V0_SIZE(rsvd_res_client_conn_params, next_message_id)
#define RSVD_V0_RES_CLIENT_CONN_INFO RSVD_V0_SIZE(rsvd_res_client_conn_info, available)
#define RSVD_V0_RES_CLIENT_TREE_PARAMS RSVD_V0_SIZE(rsvd_res_client_tree_params, reserved)
#define RSVD_V0_RES_CLIENT_OPEN_PARAMS RSVD_V0_SIZE(rsvd_res_client_open_params, user_data)
/* + create_guid, durable_timeout_ms, durable_flags (durable v2). */
#define RSVD_V1_RES_CLIENT_OPEN_PARAMS RSVD_V0_SIZE(rsvd_res_client_open_params, durable_flags)
#define RSVD_V0_RES_CLIENT_OPEN_INFO RSVD_V0_SIZE(rsvd_res_client_open_info, user_data)
/* + create_guid, durable_timeout_ms, durable_flags. */
#define RSVD_V1_RES_CLIENT_OPEN_INFO RSVD_V0_SIZE(rsvd_res_client_open_info, durable_flags)
#define RSVD_V0_RES_CLIENT_CREATE_PARAMS RSVD_V0_SIZE_PTR(rsvd_res_client_create_params, user_data)
#define RSVD_V0_STORE_OPS RSVD_V0_SIZE(rsvd_store_ops, traverse)
#define RSVD_V1_STORE_OPS RSVD_V0_SIZE(rsvd_store_ops, apply) /* + apply */
#define RSVD_V0_BLOCK_OPS RSVD_V0_SIZE(rsvd_block_ops, info)
/* + resize, allocated_end. */
#define RSVD_V1_BLOCK_OPS RSVD_V0_SIZE(rsvd_block_ops, allocated_end)
#define RSVD_V0_FILE_STORE_CONFIG RSVD_V0_SIZE_PTR(rsvd_file_store_config, mem)
#define RSVD_V0_FILE_BLOCK_CONFIG RSVD_V0_SIZE_PTR(rsvd_file_block_config, mem)
#define RSVD_V0_SCSI_DISK_CONFIG RSVD_V0_SIZE_PTR(rsvd_scsi_disk_config, mem)
/* + storage_dir, storage_name, chunk_size, max_snapshots. */
#define RSVD_V1_SCSI_DISK_CONFIG RSVD_V0_SIZE(rsvd_scsi_disk_config, max_snapshots)
#define RSVD_V0_ISCSI_DISK_CONFIG RSVD_V0_SIZE_PTR(rsvd_iscsi_disk_config, mem)
#define RSVD_V0_NBD_BLOCK_CONFIG RSVD_V0_SIZE_PTR(rsvd_nbd_block_config, mem)
#define RSVD_V0_MEMORY_STORE_CONFIG RSVD_V0_SIZE(rsvd_memory_store_config, hash_key)
#define RSVD_V0_TDB_STORE_CONFIG RSVD_V0_SIZE_PTR(rsvd_tdb_store_config, mem)

/**
 * Copies the caller's struct @p src into the library's @p dst (@p dst_size
 * bytes, the size this library knows): the bytes both know, and zeros for
 * the members the caller's headers did not have (zero is every member's
 * default). dst->struct_size is left as the caller set it.
 * @return RSVD_OK; RSVD_E_INVAL when @p src is NULL or its struct_size is
 * below @p min_size (not set with RSVD_STRUCT_INIT); RSVD_E_NOTSUP when the
 * caller's struct is longer and sets a member this library does not know
 * (nothing is copied then).
 */
int rsvd_struct_import(void *dst, size_t dst_size, const void *src, size_t min_size);

/**
 * Writes the library's @p src (@p src_size bytes, struct_size included) to
 * the caller's @p dst: the bytes both know, leaving dst->struct_size and
 * any member the library does not know as they were.
 * @return RSVD_OK or RSVD_E_INVAL (@p dst NULL, or its struct_size below
 * @p min_size).
 */
int rsvd_struct_export(void *dst, const void *src, size_t src_size, size_t min_size);

#endif /* RSVD_UTIL_VERSIONED_H */
