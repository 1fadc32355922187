/*
 * Fuzz harness: MS-RSVD version-2 tunnel operations ([MS-RSVD] 2.2.4.17 -
 * 2.2.4.40): every request and response body, the Data structures of a
 * decoded START request, and the accessors of the variable arrays. Each
 * body decoder runs on the input as it is and on the bytes after a 16-byte
 * header (the seeds are whole tunnel messages).
 */
#include <rsvd/wire.h>
#include <rsvd/wire_rsvd.h>

#include "fuzz_common.h"

#define CODEC(fn)                                                                          \
    static int dec_##fn(const uint8_t *b, size_t n, void *o)                               \
    {                                                                                      \
        return rsvd_##fn##_decode(b, n, o);                                                \
    }                                                                                      \
    static int enc_##fn(const void *o, uint8_t *b, size_t cap, size_t *len)                \
    {                                                                                      \
        return rsvd_##fn##_encode(o, b, cap, len);                                         \
    }

CODEC(svhdx_meta_operation_start_request)
CODEC(svhdx_meta_operation_create_snapshot)
CODEC(svhdx_meta_operation_create_cdp_parameter)
CODEC(svhdx_meta_operation_extract)
CODEC(svhdx_meta_operation_convert_to_vhdset)
CODEC(svhdx_meta_operation_resize_virtual_disk)
CODEC(svhdx_apply_snapshot_params)
CODEC(svhdx_meta_operation_reply)
CODEC(svhdx_tunnel_vhdset_query_information_request)
CODEC(svhdx_tunnel_vhdset_query_information_snapshot_list_response)
CODEC(svhdx_tunnel_vhdset_query_information_snapshot_entry_response)
CODEC(svhdx_tunnel_vhdset_query_information_optimize_response)
CODEC(svhdx_meta_operation_query_progress_request)
CODEC(svhdx_meta_operation_query_progress_response)
CODEC(svhdx_change_tracking_get_parameters_response)
CODEC(svhdx_tunnel_delete_snapshot_request)
CODEC(svhdx_change_tracking_start_request)
CODEC(svhdx_change_tracking_stop_response)
CODEC(svhdx_tunnel_query_virtual_disk_changes_request)
CODEC(svhdx_tunnel_query_virtual_disk_changes_reply)
CODEC(svhdx_tunnel_query_safe_size_response)

#define RUN(fn, p, n) fuzz_round_trip((p), (n), dec_##fn, enc_##fn, sizeof(rsvd_##fn))

/* The Data of a START request, by every type's decoder. */
static void start_data(const uint8_t *p, size_t n)
{
    RUN(svhdx_meta_operation_create_snapshot, p, n);
    RUN(svhdx_meta_operation_extract, p, n);
    RUN(svhdx_meta_operation_convert_to_vhdset, p, n);
    RUN(svhdx_meta_operation_resize_virtual_disk, p, n);
    RUN(svhdx_apply_snapshot_params, p, n);

    rsvd_svhdx_meta_operation_create_snapshot cs;
    if (rsvd_svhdx_meta_operation_create_snapshot_decode(p, n, &cs) == RSVD_OK)
        RUN(svhdx_meta_operation_create_cdp_parameter, cs.cdp_parameters,
            cs.cdp_parameters_len);
    rsvd_svhdx_meta_operation_extract ex;
    if (rsvd_svhdx_meta_operation_extract_decode(p, n, &ex) == RSVD_OK)
        (void)rsvd_utf16z_check(ex.destination_file_name, ex.destination_file_name_length);
    rsvd_svhdx_meta_operation_convert_to_vhdset cv;
    if (rsvd_svhdx_meta_operation_convert_to_vhdset_decode(p, n, &cv) == RSVD_OK) {
        (void)rsvd_utf16z_check(cv.destination_vhd_set_name, cv.destination_vhd_set_name_length);
        (void)rsvd_utf16le_ends_with_ascii(cv.destination_vhd_set_name,
                                           cv.destination_vhd_set_name_length, ".vhds");
    }
}

static void accessors(const uint8_t *p, size_t n)
{
    rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response l;
    if (rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response_decode(p, n, &l) ==
        RSVD_OK) {
        rsvd_guid g;
        for (uint32_t i = 0; i < l.number_of_snapshots && i < 64; i++) {
            int rc = rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response_snapshot_id(
                &l, i, &g);
            FUZZ_CHECK(rc == (l.response_complete ? RSVD_OK : RSVD_E_NOENT));
        }
        if (l.response_complete) {
            int rc = rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response_snapshot_id(
                &l, l.number_of_snapshots, &g);
            FUZZ_CHECK(rc == RSVD_E_INVAL);
        }
    }
    rsvd_svhdx_tunnel_query_virtual_disk_changes_reply r;
    if (rsvd_svhdx_tunnel_query_virtual_disk_changes_reply_decode(p, n, &r) == RSVD_OK) {
        rsvd_svhdx_virtual_disk_changed_range rg;
        for (uint32_t i = 0; i < r.range_count && i < 64; i++)
            FUZZ_CHECK(rsvd_svhdx_tunnel_query_virtual_disk_changes_reply_range(&r, i, &rg) ==
                       RSVD_OK);
        FUZZ_CHECK(rsvd_svhdx_tunnel_query_virtual_disk_changes_reply_range(&r, r.range_count,
                                                                            &rg) == RSVD_E_INVAL);
    }
}

static void bodies(const uint8_t *p, size_t n)
{
    RUN(svhdx_meta_operation_start_request, p, n);
    RUN(svhdx_meta_operation_reply, p, n);
    RUN(svhdx_tunnel_vhdset_query_information_request, p, n);
    RUN(svhdx_tunnel_vhdset_query_information_snapshot_list_response, p, n);
    RUN(svhdx_tunnel_vhdset_query_information_snapshot_entry_response, p, n);
    RUN(svhdx_tunnel_vhdset_query_information_optimize_response, p, n);
    RUN(svhdx_meta_operation_query_progress_request, p, n);
    RUN(svhdx_meta_operation_query_progress_response, p, n);
    RUN(svhdx_change_tracking_get_parameters_response, p, n);
    RUN(svhdx_tunnel_delete_snapshot_request, p, n);
    RUN(svhdx_change_tracking_start_request, p, n);
    RUN(svhdx_change_tracking_stop_response, p, n);
    RUN(svhdx_tunnel_query_virtual_disk_changes_request, p, n);
    RUN(svhdx_tunnel_query_virtual_disk_changes_reply, p, n);
    RUN(svhdx_tunnel_query_safe_size_response, p, n);
    accessors(p, n);
    start_data(p, n);

    rsvd_svhdx_meta_operation_start_request st;
    if (rsvd_svhdx_meta_operation_start_request_decode(p, n, &st) == RSVD_OK)
        start_data(st.data, st.data_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_MSG)
        size = FUZZ_MAX_MSG;
    bodies(data, size);
    if (size >= RSVD_TUNNEL_HEADER_SIZE)
        bodies(data + RSVD_TUNNEL_HEADER_SIZE, size - RSVD_TUNNEL_HEADER_SIZE);
    return 0;
}
