/*
 * MS-RSVD version-2 tunnel operation bodies ([MS-RSVD] 2.2.4.17 - 2.2.4.40):
 * golden vectors from examples 4.3 and 4.4 and from the tables, field by
 * field, and one test per structural rule.
 */
#include <string.h>

#include <rsvd/status.h>
#include <rsvd/wire.h>
#include <rsvd/wire_rsvd.h>

#include "rsvd_codec_check.h"
#include "testutil.h"

#define ADAPT(fn)                                                                          \
    static int dec_##fn(const uint8_t *b, size_t n, void *o)                               \
    {                                                                                      \
        return rsvd_##fn##_decode(b, n, (rsvd_##fn *)o);                                   \
    }                                                                                      \
    static int enc_##fn(const void *o, uint8_t *b, size_t cap, size_t *len)                \
    {                                                                                      \
        return rsvd_##fn##_encode((const rsvd_##fn *)o, b, cap, len);                      \
    }

ADAPT(svhdx_meta_operation_start_request)
ADAPT(svhdx_meta_operation_create_snapshot)
ADAPT(svhdx_meta_operation_create_cdp_parameter)
ADAPT(svhdx_meta_operation_extract)
ADAPT(svhdx_meta_operation_convert_to_vhdset)
ADAPT(svhdx_meta_operation_resize_virtual_disk)
ADAPT(svhdx_apply_snapshot_params)
ADAPT(svhdx_meta_operation_reply)
ADAPT(svhdx_tunnel_vhdset_query_information_request)
ADAPT(svhdx_tunnel_vhdset_query_information_snapshot_list_response)
ADAPT(svhdx_tunnel_vhdset_query_information_snapshot_entry_response)
ADAPT(svhdx_tunnel_vhdset_query_information_optimize_response)
ADAPT(svhdx_meta_operation_query_progress_request)
ADAPT(svhdx_meta_operation_query_progress_response)
ADAPT(svhdx_change_tracking_get_parameters_response)
ADAPT(svhdx_tunnel_delete_snapshot_request)
ADAPT(svhdx_change_tracking_start_request)
ADAPT(svhdx_change_tracking_stop_response)
ADAPT(svhdx_tunnel_query_virtual_disk_changes_request)
ADAPT(svhdx_tunnel_query_virtual_disk_changes_reply)
ADAPT(svhdx_tunnel_query_safe_size_response)

#define EQ_FN(fn) static bool eq_##fn(const void *pa, const void *pb)
#define EQ_BEGIN(fn) const rsvd_##fn *a = pa, *b = pb

EQ_FN(svhdx_meta_operation_start_request)
{
    EQ_BEGIN(svhdx_meta_operation_start_request);
    RC_EQ_GUID(transaction_id);
    RC_EQ(operation_type);
    RC_EQ(data_len);
    RC_EQ_VIEW(data, a->data_len);
    return true;
}

EQ_FN(svhdx_meta_operation_create_snapshot)
{
    EQ_BEGIN(svhdx_meta_operation_create_snapshot);
    RC_EQ(snapshot_type);
    RC_EQ(flags);
    RC_EQ_BYTES(stage);
    RC_EQ_GUID(snapshot_id);
    RC_EQ(parameters_payload_size);
    RC_EQ(cdp_parameters_len);
    RC_EQ_VIEW(cdp_parameters, a->cdp_parameters_len);
    return true;
}

EQ_FN(svhdx_meta_operation_create_cdp_parameter)
{
    EQ_BEGIN(svhdx_meta_operation_create_cdp_parameter);
    RC_EQ(log_file_name_offset);
    RC_EQ(log_file_name_length);
    RC_EQ_GUID(log_file_id);
    RC_EQ_VIEW(log_file_name, a->log_file_name_length);
    return true;
}

EQ_FN(svhdx_meta_operation_extract)
{
    EQ_BEGIN(svhdx_meta_operation_extract);
    RC_EQ(snapshot_type);
    RC_EQ(flags);
    RC_EQ_GUID(source_snapshot_id);
    RC_EQ_GUID(source_limit_snapshot_id);
    RC_EQ(destination_file_name_length);
    RC_EQ_VIEW(destination_file_name, a->destination_file_name_length);
    return true;
}

EQ_FN(svhdx_meta_operation_convert_to_vhdset)
{
    EQ_BEGIN(svhdx_meta_operation_convert_to_vhdset);
    RC_EQ(destination_vhd_set_name_length);
    RC_EQ_VIEW(destination_vhd_set_name, a->destination_vhd_set_name_length);
    return true;
}

EQ_FN(svhdx_meta_operation_resize_virtual_disk)
{
    EQ_BEGIN(svhdx_meta_operation_resize_virtual_disk);
    RC_EQ(new_size);
    RC_EQ(expand_only);
    RC_EQ(allow_unsafe_virtual_size);
    RC_EQ(shrink_to_minimum_safe_size);
    return true;
}

EQ_FN(svhdx_apply_snapshot_params)
{
    EQ_BEGIN(svhdx_apply_snapshot_params);
    RC_EQ(snapshot_type);
    RC_EQ_GUID(snapshot_id);
    return true;
}

EQ_FN(svhdx_meta_operation_reply)
{
    EQ_BEGIN(svhdx_meta_operation_reply);
    RC_EQ(change_tracking_error_status);
    return true;
}

EQ_FN(svhdx_tunnel_vhdset_query_information_request)
{
    EQ_BEGIN(svhdx_tunnel_vhdset_query_information_request);
    RC_EQ(vhdset_information_type);
    RC_EQ(snapshot_type);
    RC_EQ_GUID(snapshot_id);
    return true;
}

EQ_FN(svhdx_tunnel_vhdset_query_information_snapshot_list_response)
{
    EQ_BEGIN(svhdx_tunnel_vhdset_query_information_snapshot_list_response);
    RC_EQ(vhdset_information_type);
    RC_EQ(reserved1);
    RC_EQ(response_complete);
    RC_EQ(number_of_snapshots);
    RC_EQ_VIEW(snapshot_ids,
               a->response_complete ? (size_t)a->number_of_snapshots * 16u : 0u);
    return true;
}

EQ_FN(svhdx_tunnel_vhdset_query_information_snapshot_entry_response)
{
    EQ_BEGIN(svhdx_tunnel_vhdset_query_information_snapshot_entry_response);
    RC_EQ(vhdset_information_type);
    RC_EQ(reserved);
    RC_EQ(snapshot_creation_time);
    RC_EQ(snapshot_type);
    RC_EQ(is_valid_snapshot);
    RC_EQ_GUID(snapshot_id);
    RC_EQ_GUID(parent_snapshot_id);
    RC_EQ_GUID(log_file_id);
    return true;
}

EQ_FN(svhdx_tunnel_vhdset_query_information_optimize_response)
{
    EQ_BEGIN(svhdx_tunnel_vhdset_query_information_optimize_response);
    RC_EQ(vhdset_information_type);
    RC_EQ(reserved);
    RC_EQ(optimize_needed);
    return true;
}

EQ_FN(svhdx_meta_operation_query_progress_request)
{
    EQ_BEGIN(svhdx_meta_operation_query_progress_request);
    RC_EQ_GUID(transaction_id);
    return true;
}

EQ_FN(svhdx_meta_operation_query_progress_response)
{
    EQ_BEGIN(svhdx_meta_operation_query_progress_response);
    RC_EQ(current_progress_value);
    RC_EQ(complete_value);
    return true;
}

EQ_FN(svhdx_change_tracking_get_parameters_response)
{
    EQ_BEGIN(svhdx_change_tracking_get_parameters_response);
    RC_EQ(change_tracking_status);
    RC_EQ(reserved);
    RC_EQ(log_file_size);
    return true;
}

EQ_FN(svhdx_tunnel_delete_snapshot_request)
{
    EQ_BEGIN(svhdx_tunnel_delete_snapshot_request);
    RC_EQ_GUID(snapshot_id);
    RC_EQ(persist_reference);
    RC_EQ(snapshot_type);
    return true;
}

EQ_FN(svhdx_change_tracking_start_request)
{
    EQ_BEGIN(svhdx_change_tracking_start_request);
    RC_EQ_GUID(transaction_id);
    RC_EQ(log_file_name_offset);
    RC_EQ(log_file_name_length);
    RC_EQ_GUID(log_file_id);
    RC_EQ(max_log_file_size);
    RC_EQ(append_data);
    RC_EQ_VIEW(log_file_name, a->log_file_name_length);
    return true;
}

EQ_FN(svhdx_change_tracking_stop_response)
{
    EQ_BEGIN(svhdx_change_tracking_stop_response);
    RC_EQ(change_tracking_status);
    return true;
}

EQ_FN(svhdx_tunnel_query_virtual_disk_changes_request)
{
    EQ_BEGIN(svhdx_tunnel_query_virtual_disk_changes_request);
    RC_EQ_GUID(target_snapshot_id);
    RC_EQ_GUID(limit_snapshot_id);
    RC_EQ(snapshot_type);
    RC_EQ(byte_offset);
    RC_EQ(byte_length);
    return true;
}

EQ_FN(svhdx_tunnel_query_virtual_disk_changes_reply)
{
    EQ_BEGIN(svhdx_tunnel_query_virtual_disk_changes_reply);
    RC_EQ(processed_byte_length);
    RC_EQ(range_count);
    RC_EQ_VIEW(ranges, (size_t)a->range_count * 24u);
    return true;
}

EQ_FN(svhdx_tunnel_query_safe_size_response)
{
    EQ_BEGIN(svhdx_tunnel_query_safe_size_response);
    RC_EQ(safe_virtual_size);
    return true;
}

#define H RSVD_TUNNEL_HEADER_SIZE
#define S (RSVD_TUNNEL_HEADER_SIZE + RSVD_SVHDX_META_OPERATION_START_REQUEST_FIXED_SIZE)
#define CODEC(golden, skip, op, fn, trunc)                                                  \
    {golden, skip, op, dec_##fn, enc_##fn, sizeof(rsvd_##fn), eq_##fn, trunc}
#define START RSVD_TUNNEL_META_OPERATION_START
#define START_FIXED RSVD_SVHDX_META_OPERATION_START_REQUEST_FIXED_SIZE
#define CREATE_FIXED RSVD_SVHDX_META_OPERATION_CREATE_SNAPSHOT_FIXED_SIZE

static const rc_codec codecs[] = {
    /* START requests: Data is "every byte after the fixed part" */
    CODEC("rsvd_meta_op_create_snapshot_initialize_ex43", H, START,
          svhdx_meta_operation_start_request, START_FIXED),
    CODEC("rsvd_meta_op_create_snapshot_finalize_ex43", H, START,
          svhdx_meta_operation_start_request, START_FIXED),
    CODEC("rsvd_meta_op_create_cdp_snapshot", H, START, svhdx_meta_operation_start_request,
          START_FIXED),
    CODEC("rsvd_meta_op_extract", H, START, svhdx_meta_operation_start_request, START_FIXED),
    CODEC("rsvd_meta_op_convert_to_vhdset", H, START, svhdx_meta_operation_start_request,
          START_FIXED),
    CODEC("rsvd_meta_op_resize", H, START, svhdx_meta_operation_start_request, START_FIXED),
    CODEC("rsvd_meta_op_apply_snapshot", H, START, svhdx_meta_operation_start_request,
          START_FIXED),
    CODEC("rsvd_meta_op_optimize", H, START, svhdx_meta_operation_start_request, 0),
    /* the Data structures */
    CODEC("rsvd_meta_op_create_snapshot_initialize_ex43", S, START,
          svhdx_meta_operation_create_snapshot, 0),
    CODEC("rsvd_meta_op_create_snapshot_finalize_ex43", S, START,
          svhdx_meta_operation_create_snapshot, 0),
    CODEC("rsvd_meta_op_create_cdp_snapshot", S, START, svhdx_meta_operation_create_snapshot,
          CREATE_FIXED),
    CODEC("rsvd_meta_op_create_cdp_snapshot", S + CREATE_FIXED, START,
          svhdx_meta_operation_create_cdp_parameter, 0),
    CODEC("rsvd_meta_op_extract", S, START, svhdx_meta_operation_extract, 0),
    CODEC("rsvd_meta_op_convert_to_vhdset", S, START, svhdx_meta_operation_convert_to_vhdset, 0),
    CODEC("rsvd_meta_op_resize", S, START, svhdx_meta_operation_resize_virtual_disk, 0),
    CODEC("rsvd_meta_op_apply_snapshot", S, START, svhdx_apply_snapshot_params, 0),
    /* the other operations */
    CODEC("rsvd_meta_op_reply_ex43", H, START, svhdx_meta_operation_reply, 0),
    CODEC("rsvd_vhdset_query_info_request_ex44", H, RSVD_TUNNEL_VHDSET_QUERY_INFORMATION,
          svhdx_tunnel_vhdset_query_information_request, 0),
    CODEC("rsvd_vhdset_snapshot_list_response_ex44", H, RSVD_TUNNEL_VHDSET_QUERY_INFORMATION,
          svhdx_tunnel_vhdset_query_information_snapshot_list_response, 0),
    CODEC("rsvd_vhdset_snapshot_entry_response", H, RSVD_TUNNEL_VHDSET_QUERY_INFORMATION,
          svhdx_tunnel_vhdset_query_information_snapshot_entry_response, 0),
    CODEC("rsvd_vhdset_optimize_response", H, RSVD_TUNNEL_VHDSET_QUERY_INFORMATION,
          svhdx_tunnel_vhdset_query_information_optimize_response, 0),
    CODEC("rsvd_query_progress_request", H, RSVD_TUNNEL_META_OPERATION_QUERY_PROGRESS,
          svhdx_meta_operation_query_progress_request, 0),
    CODEC("rsvd_query_progress_response", H, RSVD_TUNNEL_META_OPERATION_QUERY_PROGRESS,
          svhdx_meta_operation_query_progress_response, 0),
    CODEC("rsvd_ct_get_parameters_response", H, RSVD_TUNNEL_CHANGE_TRACKING_GET_PARAMETERS,
          svhdx_change_tracking_get_parameters_response, 0),
    CODEC("rsvd_delete_snapshot_request", H, RSVD_TUNNEL_DELETE_SNAPSHOT,
          svhdx_tunnel_delete_snapshot_request, 0),
    CODEC("rsvd_ct_start_request", H, RSVD_TUNNEL_CHANGE_TRACKING_START,
          svhdx_change_tracking_start_request, 0),
    CODEC("rsvd_ct_stop_response", H, RSVD_TUNNEL_CHANGE_TRACKING_STOP,
          svhdx_change_tracking_stop_response, 0),
    CODEC("rsvd_query_changes_request", H, RSVD_TUNNEL_QUERY_VIRTUAL_DISK_CHANGES,
          svhdx_tunnel_query_virtual_disk_changes_request, 0),
    CODEC("rsvd_query_changes_reply", H, RSVD_TUNNEL_QUERY_VIRTUAL_DISK_CHANGES,
          svhdx_tunnel_query_virtual_disk_changes_reply, 0),
    CODEC("rsvd_query_safe_size_response", H, RSVD_TUNNEL_QUERY_SAFE_SIZE,
          svhdx_tunnel_query_safe_size_response, 0),
};

static size_t load(const char *name, size_t skip, uint32_t opcode, uint8_t *msg, size_t cap,
                   const uint8_t **body)
{
    size_t n = 0;
    *body = rc_load(name, skip, opcode, msg, cap, &n);
    return n;
}

/* GUIDs as the examples print them, laid out on the wire (Data1-3 little-endian). */
static const uint8_t ex43_transaction_id[16] = {0x4E, 0x13, 0xBC, 0x6A, 0x98, 0xC7, 0xE4, 0x11,
                                                0xAE, 0xCF, 0x02, 0x02, 0xC9, 0x4F, 0xD1, 0xD1};
static const uint8_t ex43_snapshot_id[16] = {0x13, 0x70, 0xC0, 0x5A, 0xB8, 0xED, 0x2C, 0x4E,
                                             0x97, 0x84, 0x6E, 0xDD, 0x28, 0x43, 0xF2, 0x69};
static const uint8_t ex44_snapshot_a[16] = {0x8D, 0x1D, 0x05, 0x4D, 0x20, 0xD1, 0xC5, 0x4E,
                                            0xBA, 0x14, 0xA2, 0xBC, 0x02, 0x21, 0x96, 0x78};
static const uint8_t ex44_snapshot_b[16] = {0x8B, 0x6F, 0x83, 0x71, 0x0E, 0x21, 0x96, 0x48,
                                            0xAA, 0xC6, 0x1C, 0x4E, 0x3A, 0x8E, 0x81, 0xEF};

static void every_v2_golden_vector_round_trips(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof codecs / sizeof codecs[0]; i++)
        rc_check(&codecs[i]);
}

/* Example 4.3: the two requests that take a VM snapshot. */
static void create_snapshot_ex43_decodes_field_by_field(void **state)
{
    (void)state;
    uint8_t msg[256];
    const uint8_t *body;
    size_t n = load("rsvd_meta_op_create_snapshot_initialize_ex43", H, START, msg, sizeof msg,
                    &body);
    assert_int_equal(
        RSVD_TUNNEL_HEADER_SIZE + n,
        RSVD_TUNNEL_MESSAGE_SIZE(RSVD_SVHDX_META_OPERATION_START_REQUEST_FIXED_SIZE +
                                 RSVD_SVHDX_META_OPERATION_CREATE_SNAPSHOT_FIXED_SIZE));
    assert_int_equal(RSVD_TUNNEL_HEADER_SIZE + n, 92); /* 3.2.5.5.7.1's minimum */
    rsvd_svhdx_meta_operation_start_request st;
    assert_int_equal(rsvd_svhdx_meta_operation_start_request_decode(body, n, &st), RSVD_OK);
    assert_memory_equal(st.transaction_id.b, ex43_transaction_id, 16);
    assert_int_equal(st.operation_type, RSVD_SVHDX_META_OPERATION_TYPE_CREATE_SNAPSHOT);
    assert_int_equal(st.data_len, RSVD_SVHDX_META_OPERATION_CREATE_SNAPSHOT_FIXED_SIZE);
    assert_ptr_equal(st.data, body + 24);

    rsvd_svhdx_meta_operation_create_snapshot cs;
    assert_int_equal(rsvd_svhdx_meta_operation_create_snapshot_decode(st.data, st.data_len, &cs),
                     RSVD_OK);
    assert_int_equal(cs.snapshot_type, RSVD_SVHDX_SNAPSHOT_TYPE_VM);
    assert_int_equal(cs.flags, RSVD_SVHDX_SNAPSHOT_DISK_FLAG_ENABLE_CHANGE_TRACKING);
    assert_int_equal(cs.stage[0], RSVD_SVHDX_SNAPSHOT_STAGE_INITIALIZE);
    for (size_t i = 1; i < RSVD_SVHDX_SNAPSHOT_STAGE_COUNT; i++)
        assert_int_equal(cs.stage[i], RSVD_SVHDX_SNAPSHOT_STAGE_INVALID);
    assert_memory_equal(cs.snapshot_id.b, ex43_snapshot_id, 16);
    assert_int_equal(cs.parameters_payload_size, 0);
    assert_int_equal(cs.cdp_parameters_len, 0);

    n = load("rsvd_meta_op_create_snapshot_finalize_ex43", S, START, msg, sizeof msg, &body);
    assert_int_equal(rsvd_svhdx_meta_operation_create_snapshot_decode(body, n, &cs), RSVD_OK);
    assert_int_equal(cs.flags, 0);
    const uint32_t stages[6] = {
        RSVD_SVHDX_SNAPSHOT_STAGE_BLOCK_IO, RSVD_SVHDX_SNAPSHOT_STAGE_SWITCH_OBJECT_STORE,
        RSVD_SVHDX_SNAPSHOT_STAGE_UNBLOCK_IO, RSVD_SVHDX_SNAPSHOT_STAGE_FINALIZE,
        RSVD_SVHDX_SNAPSHOT_STAGE_INVALID, RSVD_SVHDX_SNAPSHOT_STAGE_INVALID};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(cs.stage[i], stages[i]);

    rsvd_svhdx_meta_operation_reply rp;
    n = load("rsvd_meta_op_reply_ex43", H, START, msg, sizeof msg, &body);
    assert_int_equal(n, RSVD_SVHDX_META_OPERATION_REPLY_SIZE);
    assert_int_equal(rsvd_svhdx_meta_operation_reply_decode(body, n, &rp), RSVD_OK);
    assert_int_equal(rp.change_tracking_error_status, RSVD_STATUS_SUCCESS);
}

static void create_cdp_snapshot_carries_the_cdp_parameter(void **state)
{
    (void)state;
    uint8_t msg[256];
    const uint8_t *body;
    size_t n = load("rsvd_meta_op_create_cdp_snapshot", S, START, msg, sizeof msg, &body);
    rsvd_svhdx_meta_operation_create_snapshot cs;
    assert_int_equal(rsvd_svhdx_meta_operation_create_snapshot_decode(body, n, &cs), RSVD_OK);
    assert_int_equal(cs.snapshot_type, RSVD_SVHDX_SNAPSHOT_TYPE_CDP);
    assert_int_equal(cs.cdp_parameters_len,
                     RSVD_SVHDX_META_OPERATION_CREATE_CDP_PARAMETER_FIXED_SIZE);
    rsvd_svhdx_meta_operation_create_cdp_parameter cdp;
    assert_int_equal(rsvd_svhdx_meta_operation_create_cdp_parameter_decode(
                         cs.cdp_parameters, cs.cdp_parameters_len, &cdp),
                     RSVD_OK);
    assert_int_equal(cdp.log_file_name_offset, 0);
    assert_int_equal(cdp.log_file_name_length, 0);
    assert_null(cdp.log_file_name);
    assert_int_equal(cdp.log_file_id.b[0], 0xF1);
    assert_int_equal(cdp.log_file_id.b[15], 0x00);
}

/* A CDP parameter with a name: the name lies at LogFileNameOffset. */
static void cdp_parameter_name_is_located_by_its_offset(void **state)
{
    (void)state;
    uint8_t b[40] = {28, 0, 0, 0, 4, 0, 0, 0};
    b[28] = 'L'; b[30] = 'F';
    rsvd_svhdx_meta_operation_create_cdp_parameter cdp;
    assert_int_equal(rsvd_svhdx_meta_operation_create_cdp_parameter_decode(b, 32, &cdp), RSVD_OK);
    assert_ptr_equal(cdp.log_file_name, b + 28);
    assert_int_equal(tu_decode_exact(dec_svhdx_meta_operation_create_cdp_parameter, b, 31, &cdp),
                     RSVD_E_WIRE_RANGE);
    b[0] = 20; /* inside the 24-byte fixed part */
    assert_int_equal(rsvd_svhdx_meta_operation_create_cdp_parameter_decode(b, 32, &cdp),
                     RSVD_E_WIRE_OFFSET);
    b[0] = 0xFF; b[1] = 0xFF; b[2] = 0xFF; b[3] = 0xFF; /* no overflow */
    assert_int_equal(rsvd_svhdx_meta_operation_create_cdp_parameter_decode(b, 32, &cdp),
                     RSVD_E_WIRE_RANGE);
    /* encode: zeros up to the offset, then the name */
    b[0] = 28; b[1] = 0; b[2] = 0; b[3] = 0;
    assert_int_equal(rsvd_svhdx_meta_operation_create_cdp_parameter_decode(b, 32, &cdp), RSVD_OK);
    uint8_t out[64];
    size_t out_len = 0;
    assert_int_equal(rsvd_svhdx_meta_operation_create_cdp_parameter_encode(&cdp, out, sizeof out,
                                                                           &out_len),
                     RSVD_OK);
    tu_assert_bytes(out, out_len, b, 32);
    cdp.log_file_name_offset = 23;
    assert_int_equal(rsvd_svhdx_meta_operation_create_cdp_parameter_encode(&cdp, out, sizeof out,
                                                                           &out_len),
                     RSVD_E_INVAL);
}

static void extract_convert_resize_apply_decode_field_by_field(void **state)
{
    (void)state;
    uint8_t msg[256];
    const uint8_t *body;
    size_t n = load("rsvd_meta_op_extract", S, START, msg, sizeof msg, &body);
    rsvd_svhdx_meta_operation_extract ex;
    assert_int_equal(rsvd_svhdx_meta_operation_extract_decode(body, n, &ex), RSVD_OK);
    assert_int_equal(ex.snapshot_type, RSVD_SVHDX_SNAPSHOT_TYPE_VM);
    assert_int_equal(ex.flags, RSVD_SVHDX_EXTRACT_SNAPSHOTS_FLAG_DELETE_ON_CLOSE);
    assert_memory_equal(ex.source_snapshot_id.b, ex43_snapshot_id, 16);
    assert_true(rsvd_guid_is_zero(&ex.source_limit_snapshot_id));
    assert_int_equal(ex.destination_file_name_length, 14);
    assert_ptr_equal(ex.destination_file_name, body + 48);
    assert_int_equal(rsvd_utf16z_check(ex.destination_file_name, 14), RSVD_OK);
    assert_int_equal(ex.destination_file_name[0], 'x');

    rsvd_svhdx_meta_operation_convert_to_vhdset cv;
    n = load("rsvd_meta_op_convert_to_vhdset", S, START, msg, sizeof msg, &body);
    assert_int_equal(rsvd_svhdx_meta_operation_convert_to_vhdset_decode(body, n, &cv), RSVD_OK);
    assert_int_equal(cv.destination_vhd_set_name_length, 14);
    assert_int_equal(rsvd_utf16z_check(cv.destination_vhd_set_name, 14), RSVD_OK);
    /* 3.2.5.5.7.4: the name (without its NUL) ends with ".vhds" */
    assert_true(rsvd_utf16le_ends_with_ascii(cv.destination_vhd_set_name, 12, ".vhds"));
    assert_false(rsvd_utf16le_ends_with_ascii(cv.destination_vhd_set_name, 12, ".vhdx"));

    rsvd_svhdx_meta_operation_resize_virtual_disk rz;
    n = load("rsvd_meta_op_resize", S, START, msg, sizeof msg, &body);
    assert_int_equal(n, RSVD_SVHDX_META_OPERATION_RESIZE_VIRTUAL_DISK_SIZE);
    assert_int_equal(rsvd_svhdx_meta_operation_resize_virtual_disk_decode(body, n, &rz), RSVD_OK);
    assert_true(rz.new_size == 4ull << 30);
    assert_int_equal(rz.expand_only, 1);
    assert_int_equal(rz.allow_unsafe_virtual_size, 0);
    assert_int_equal(rz.shrink_to_minimum_safe_size, 0);

    rsvd_svhdx_apply_snapshot_params ap;
    n = load("rsvd_meta_op_apply_snapshot", S, START, msg, sizeof msg, &body);
    assert_int_equal(n, RSVD_SVHDX_APPLY_SNAPSHOT_PARAMS_SIZE);
    assert_int_equal(rsvd_svhdx_apply_snapshot_params_decode(body, n, &ap), RSVD_OK);
    assert_int_equal(ap.snapshot_type, RSVD_SVHDX_SNAPSHOT_TYPE_VM);
    assert_memory_equal(ap.snapshot_id.b, ex43_snapshot_id, 16);

    rsvd_svhdx_meta_operation_start_request st;
    n = load("rsvd_meta_op_optimize", H, START, msg, sizeof msg, &body);
    assert_int_equal(rsvd_svhdx_meta_operation_start_request_decode(body, n, &st), RSVD_OK);
    assert_int_equal(st.operation_type, RSVD_SVHDX_META_OPERATION_TYPE_OPTIMIZE);
    assert_int_equal(st.data_len, 0);
}

/* 3.2.5.5.7.3 / 3.2.5.5.7.4: "input smaller than 88 (44) + name length" is
 * the decoder's RANGE. */
static void extract_and_convert_names_past_the_buffer_are_range(void **state)
{
    (void)state;
    uint8_t msg[256];
    const uint8_t *body;
    size_t n = load("rsvd_meta_op_extract", S, START, msg, sizeof msg, &body);
    rsvd_svhdx_meta_operation_extract ex;
    assert_int_equal(tu_decode_exact(dec_svhdx_meta_operation_extract, body, n - 1, &ex),
                     RSVD_E_WIRE_RANGE);
    assert_int_equal(tu_decode_exact(dec_svhdx_meta_operation_extract, body, 47, &ex),
                     RSVD_E_WIRE_SHORT);
    n = load("rsvd_meta_op_convert_to_vhdset", S, START, msg, sizeof msg, &body);
    rsvd_svhdx_meta_operation_convert_to_vhdset cv;
    assert_int_equal(tu_decode_exact(dec_svhdx_meta_operation_convert_to_vhdset, body, n - 1,
                                     &cv),
                     RSVD_E_WIRE_RANGE);
    uint8_t huge[8] = {0xFF, 0xFF, 0xFF, 0xFF, 'a', 0, 0, 0};
    assert_int_equal(rsvd_svhdx_meta_operation_convert_to_vhdset_decode(huge, 8, &cv),
                     RSVD_E_WIRE_RANGE);
}

/* The name rules are the server's; the decoder returns the name as sent. */
static void utf16z_check_names_each_rule(void **state)
{
    (void)state;
    const uint8_t ok[] = {'a', 0, 'b', 0, 0, 0};
    const uint8_t no_nul[] = {'a', 0, 'b', 0};
    const uint8_t early_nul[] = {'a', 0, 0, 0, 'b', 0, 0, 0};
    const uint8_t odd[] = {'a', 0, 0};
    const uint8_t only_nul[] = {0, 0};
    assert_int_equal(rsvd_utf16z_check(ok, sizeof ok), RSVD_OK);
    assert_int_equal(rsvd_utf16z_check(only_nul, sizeof only_nul), RSVD_OK);
    assert_int_equal(rsvd_utf16z_check(no_nul, sizeof no_nul), RSVD_E_WIRE_NAME);
    assert_int_equal(rsvd_utf16z_check(early_nul, sizeof early_nul), RSVD_E_WIRE_NAME);
    assert_int_equal(rsvd_utf16z_check(odd, sizeof odd), RSVD_E_WIRE_NAME);
    assert_int_equal(rsvd_utf16z_check(ok, 0), RSVD_E_WIRE_NAME);
    assert_int_equal(rsvd_utf16z_check(NULL, 2), RSVD_E_WIRE_NAME);

    uint8_t m[256];
    const uint8_t *body;
    size_t n = load("rsvd_meta_op_extract", S, START, m, sizeof m, &body);
    uint8_t b[256];
    memcpy(b, body, n);
    b[n - 2] = 'z'; /* no NUL: decodes, for the server to answer INVALID_PARAMETER */
    rsvd_svhdx_meta_operation_extract ex;
    assert_int_equal(rsvd_svhdx_meta_operation_extract_decode(b, n, &ex), RSVD_OK);
    assert_int_equal(rsvd_utf16z_check(ex.destination_file_name, ex.destination_file_name_length),
                     RSVD_E_WIRE_NAME);
    b[44] = 0; /* DestinationFileNameLength 0 */
    assert_int_equal(rsvd_svhdx_meta_operation_extract_decode(b, n, &ex), RSVD_OK);
    assert_int_equal(ex.destination_file_name_length, 0);
}

static void suffix_compare_ignores_ascii_case_only(void **state)
{
    (void)state;
    const uint8_t name[] = {'d', 0, '.', 0, 'V', 0, 'h', 0, 'D', 0, 's', 0};
    assert_true(rsvd_utf16le_ends_with_ascii(name, sizeof name, ".vhds"));
    assert_true(rsvd_utf16le_ends_with_ascii(name, sizeof name, "d.VHDS"));
    assert_false(rsvd_utf16le_ends_with_ascii(name, sizeof name, "xd.vhds"));
    assert_false(rsvd_utf16le_ends_with_ascii(name, sizeof name - 2, ".vhds"));
    const uint8_t wide[] = {'a', 0, 's', 1}; /* U+0173, not 's' */
    assert_false(rsvd_utf16le_ends_with_ascii(wide, sizeof wide, "s"));
    assert_true(rsvd_utf16le_ends_with_ascii(name, sizeof name, ""));
    assert_false(rsvd_utf16le_ends_with_ascii(NULL, 0, "s"));
}

/* Example 4.4: the snapshot list. */
static void snapshot_list_ex44_decodes_field_by_field(void **state)
{
    (void)state;
    uint8_t msg[256];
    const uint8_t *body;
    size_t n = load("rsvd_vhdset_query_info_request_ex44", H,
                    RSVD_TUNNEL_VHDSET_QUERY_INFORMATION, msg, sizeof msg, &body);
    assert_int_equal(n, RSVD_SVHDX_TUNNEL_VHDSET_QUERY_INFORMATION_REQUEST_SIZE);
    rsvd_svhdx_tunnel_vhdset_query_information_request q;
    assert_int_equal(rsvd_svhdx_tunnel_vhdset_query_information_request_decode(body, n, &q),
                     RSVD_OK);
    assert_int_equal(q.vhdset_information_type, RSVD_SVHDX_VHDSET_INFORMATION_TYPE_SNAPSHOT_LIST);
    assert_int_equal(q.snapshot_type, RSVD_SVHDX_SNAPSHOT_TYPE_VM);
    assert_true(rsvd_guid_is_zero(&q.snapshot_id));

    n = load("rsvd_vhdset_snapshot_list_response_ex44", H, RSVD_TUNNEL_VHDSET_QUERY_INFORMATION,
             msg, sizeof msg, &body);
    rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response l;
    assert_int_equal(
        rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response_decode(body, n, &l),
        RSVD_OK);
    assert_int_equal(l.vhdset_information_type, RSVD_SVHDX_VHDSET_INFORMATION_TYPE_SNAPSHOT_LIST);
    assert_int_equal(l.reserved1, 1); /* "Padding: 1" */
    assert_int_equal(l.response_complete, 1);
    assert_int_equal(l.number_of_snapshots, 2);
    rsvd_guid g;
    assert_int_equal(rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response_snapshot_id(
                         &l, 0, &g),
                     RSVD_OK);
    assert_memory_equal(g.b, ex44_snapshot_a, 16);
    assert_int_equal(rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response_snapshot_id(
                         &l, 1, &g),
                     RSVD_OK);
    assert_memory_equal(g.b, ex44_snapshot_b, 16);
    assert_int_equal(rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response_snapshot_id(
                         &l, 2, &g),
                     RSVD_E_INVAL);
}

static void snapshot_list_count_that_overflows_is_range(void **state)
{
    (void)state;
    uint8_t msg[256];
    const uint8_t *cbody;
    size_t n = load("rsvd_vhdset_snapshot_list_response_ex44", H,
                    RSVD_TUNNEL_VHDSET_QUERY_INFORMATION, msg, sizeof msg, &cbody);
    uint8_t body[256];
    memcpy(body, cbody, n);
    rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response l;
    body[12] = 3; /* three GUIDs named, two present */
    assert_int_equal(
        tu_decode_exact(dec_svhdx_tunnel_vhdset_query_information_snapshot_list_response, body,
                        n, &l),
        RSVD_E_WIRE_RANGE);
    body[12] = 0xFF; body[13] = 0xFF; body[14] = 0xFF; body[15] = 0xFF; /* 16 * N > 2^32 */
    assert_int_equal(
        tu_decode_exact(dec_svhdx_tunnel_vhdset_query_information_snapshot_list_response, body,
                        n, &l),
        RSVD_E_WIRE_RANGE);
    body[12] = 0x00; body[13] = 0x00; body[14] = 0x00; body[15] = 0x10; /* 16 * N == 2^32 */
    assert_int_equal(
        tu_decode_exact(dec_svhdx_tunnel_vhdset_query_information_snapshot_list_response, body,
                        n, &l),
        RSVD_E_WIRE_RANGE);
}

/* ResponseComplete 0: NumberOfSnapshots is a count only, the ids are absent. */
static void snapshot_list_incomplete_has_a_count_and_no_ids(void **state)
{
    (void)state;
    uint8_t body[16];
    tu_hex("02000000 00000000 00 000000 05000000", body, sizeof body);
    rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response l;
    assert_int_equal(
        tu_decode_exact(dec_svhdx_tunnel_vhdset_query_information_snapshot_list_response, body,
                        16, &l),
        RSVD_OK);
    assert_int_equal(l.number_of_snapshots, 5);
    rsvd_guid g;
    assert_int_equal(rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response_snapshot_id(
                         &l, 0, &g),
                     RSVD_E_NOENT);
    uint8_t out[32];
    size_t out_len = 0;
    assert_int_equal(rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response_encode(
                         &l, out, sizeof out, &out_len),
                     RSVD_OK);
    tu_assert_bytes(out, out_len, body, 16);
    body[8] = 2; /* neither 0 nor 1 */
    assert_int_equal(
        tu_decode_exact(dec_svhdx_tunnel_vhdset_query_information_snapshot_list_response, body,
                        16, &l),
        RSVD_E_WIRE_VALUE);
}

static void snapshot_entry_and_optimize_responses_decode_field_by_field(void **state)
{
    (void)state;
    uint8_t msg[256];
    const uint8_t *body;
    size_t n = load("rsvd_vhdset_snapshot_entry_response", H, RSVD_TUNNEL_VHDSET_QUERY_INFORMATION,
                    msg, sizeof msg, &body);
    assert_int_equal(n, RSVD_SVHDX_TUNNEL_VHDSET_QUERY_INFORMATION_SNAPSHOT_ENTRY_RESPONSE_SIZE);
    rsvd_svhdx_tunnel_vhdset_query_information_snapshot_entry_response e;
    assert_int_equal(
        rsvd_svhdx_tunnel_vhdset_query_information_snapshot_entry_response_decode(body, n, &e),
        RSVD_OK);
    assert_int_equal(e.vhdset_information_type, RSVD_SVHDX_VHDSET_INFORMATION_TYPE_SNAPSHOT_ENTRY);
    assert_int_equal(e.reserved, 0);
    assert_true(e.snapshot_creation_time == 0x0000018D2A3C5E00ull);
    assert_int_equal(e.snapshot_type, RSVD_SVHDX_SNAPSHOT_TYPE_VM);
    assert_int_equal(e.is_valid_snapshot, 1);
    assert_memory_equal(e.snapshot_id.b, ex43_snapshot_id, 16);
    assert_true(rsvd_guid_is_zero(&e.parent_snapshot_id));
    assert_true(rsvd_guid_is_zero(&e.log_file_id));

    n = load("rsvd_vhdset_optimize_response", H, RSVD_TUNNEL_VHDSET_QUERY_INFORMATION, msg,
             sizeof msg, &body);
    assert_int_equal(n, RSVD_SVHDX_TUNNEL_VHDSET_QUERY_INFORMATION_OPTIMIZE_RESPONSE_SIZE);
    rsvd_svhdx_tunnel_vhdset_query_information_optimize_response o;
    assert_int_equal(
        rsvd_svhdx_tunnel_vhdset_query_information_optimize_response_decode(body, n, &o),
        RSVD_OK);
    assert_int_equal(o.vhdset_information_type,
                     RSVD_SVHDX_VHDSET_INFORMATION_TYPE_OPTIMIZE_NEEDED);
    assert_int_equal(o.optimize_needed, 1);
}

static void progress_parameters_delete_and_safe_size_decode_field_by_field(void **state)
{
    (void)state;
    uint8_t msg[256];
    const uint8_t *body;
    size_t n = load("rsvd_query_progress_request", H, RSVD_TUNNEL_META_OPERATION_QUERY_PROGRESS,
                    msg, sizeof msg, &body);
    rsvd_svhdx_meta_operation_query_progress_request pq;
    assert_int_equal(rsvd_svhdx_meta_operation_query_progress_request_decode(body, n, &pq),
                     RSVD_OK);
    assert_memory_equal(pq.transaction_id.b, ex43_transaction_id, 16);
    n = load("rsvd_query_progress_response", H, RSVD_TUNNEL_META_OPERATION_QUERY_PROGRESS, msg,
             sizeof msg, &body);
    rsvd_svhdx_meta_operation_query_progress_response pr;
    assert_int_equal(rsvd_svhdx_meta_operation_query_progress_response_decode(body, n, &pr),
                     RSVD_OK);
    assert_true(pr.current_progress_value == 0x40 && pr.complete_value == 0x100);

    n = load("rsvd_ct_get_parameters_response", H, RSVD_TUNNEL_CHANGE_TRACKING_GET_PARAMETERS,
             msg, sizeof msg, &body);
    rsvd_svhdx_change_tracking_get_parameters_response gp;
    assert_int_equal(rsvd_svhdx_change_tracking_get_parameters_response_decode(body, n, &gp),
                     RSVD_OK);
    assert_int_equal(gp.change_tracking_status, RSVD_STATUS_SUCCESS);
    assert_true(gp.log_file_size == 1u << 20);

    n = load("rsvd_delete_snapshot_request", H, RSVD_TUNNEL_DELETE_SNAPSHOT, msg, sizeof msg,
             &body);
    rsvd_svhdx_tunnel_delete_snapshot_request d;
    assert_int_equal(rsvd_svhdx_tunnel_delete_snapshot_request_decode(body, n, &d), RSVD_OK);
    assert_memory_equal(d.snapshot_id.b, ex43_snapshot_id, 16);
    assert_int_equal(d.persist_reference, 0);
    assert_int_equal(d.snapshot_type, RSVD_SVHDX_SNAPSHOT_TYPE_VM);

    n = load("rsvd_query_safe_size_response", H, RSVD_TUNNEL_QUERY_SAFE_SIZE, msg, sizeof msg,
             &body);
    rsvd_svhdx_tunnel_query_safe_size_response ss;
    assert_int_equal(rsvd_svhdx_tunnel_query_safe_size_response_decode(body, n, &ss), RSVD_OK);
    assert_true(ss.safe_virtual_size == 2ull << 30);
    assert_int_equal(RSVD_TUNNEL_MESSAGE_SIZE(RSVD_SVHDX_TUNNEL_QUERY_SAFE_SIZE_RESPONSE_SIZE),
                     24); /* 3.2.5.5.15 */
}

static void change_tracking_start_and_stop_decode_field_by_field(void **state)
{
    (void)state;
    uint8_t msg[256];
    const uint8_t *body;
    size_t n = load("rsvd_ct_start_request", H, RSVD_TUNNEL_CHANGE_TRACKING_START, msg, sizeof msg,
                    &body);
    assert_int_equal(n, RSVD_SVHDX_CHANGE_TRACKING_START_REQUEST_FIXED_SIZE);
    rsvd_svhdx_change_tracking_start_request s;
    assert_int_equal(rsvd_svhdx_change_tracking_start_request_decode(body, n, &s), RSVD_OK);
    assert_memory_equal(s.transaction_id.b, ex43_transaction_id, 16);
    assert_int_equal(s.log_file_name_offset, 0);
    assert_int_equal(s.log_file_name_length, 0);
    assert_null(s.log_file_name);
    assert_int_equal(s.log_file_id.b[0], 0xF1);
    assert_true(s.max_log_file_size == 0);
    assert_int_equal(s.append_data, 0);

    n = load("rsvd_ct_stop_response", H, RSVD_TUNNEL_CHANGE_TRACKING_STOP, msg, sizeof msg, &body);
    rsvd_svhdx_change_tracking_stop_response t;
    assert_int_equal(rsvd_svhdx_change_tracking_stop_response_decode(body, n, &t), RSVD_OK);
    assert_int_equal(t.change_tracking_status, RSVD_STATUS_CHANGE_TRACKING_NOT_INITIALIZED);
}

/* 3.2.5.5.12: LogFileNameLength != 0 is the server's STATUS_INVALID_PARAMETER;
 * a length the buffer cannot hold is a decode failure (nonzero length too). */
static void change_tracking_start_name_past_the_buffer_is_range(void **state)
{
    (void)state;
    uint8_t msg[256];
    const uint8_t *cbody;
    size_t n = load("rsvd_ct_start_request", H, RSVD_TUNNEL_CHANGE_TRACKING_START, msg, sizeof msg,
                    &cbody);
    uint8_t body[256] = {0};
    memcpy(body, cbody, n);
    rsvd_svhdx_change_tracking_start_request s;
    body[20] = 4; /* LogFileNameLength 4, LogFileNameOffset 0: inside the fixed part */
    assert_int_equal(tu_decode_exact(dec_svhdx_change_tracking_start_request, body, n + 4, &s),
                     RSVD_E_WIRE_OFFSET);
    body[16] = 56; /* right after the fixed part */
    assert_int_equal(tu_decode_exact(dec_svhdx_change_tracking_start_request, body, n + 4, &s),
                     RSVD_OK);
    assert_int_equal(s.log_file_name_length, 4);
    assert_int_equal(tu_decode_exact(dec_svhdx_change_tracking_start_request, body, n + 3, &s),
                     RSVD_E_WIRE_RANGE);
}

static void query_changes_request_and_reply_decode_field_by_field(void **state)
{
    (void)state;
    uint8_t msg[256];
    const uint8_t *body;
    size_t n = load("rsvd_query_changes_request", H, RSVD_TUNNEL_QUERY_VIRTUAL_DISK_CHANGES, msg,
                    sizeof msg, &body);
    assert_int_equal(n, RSVD_SVHDX_TUNNEL_QUERY_VIRTUAL_DISK_CHANGES_REQUEST_SIZE);
    rsvd_svhdx_tunnel_query_virtual_disk_changes_request q;
    assert_int_equal(rsvd_svhdx_tunnel_query_virtual_disk_changes_request_decode(body, n, &q),
                     RSVD_OK);
    assert_memory_equal(q.target_snapshot_id.b, ex44_snapshot_a, 16);
    assert_memory_equal(q.limit_snapshot_id.b, ex44_snapshot_b, 16);
    assert_int_equal(q.snapshot_type, RSVD_SVHDX_SNAPSHOT_TYPE_VM);
    assert_true(q.byte_offset == 0 && q.byte_length == 1ull << 30);

    n = load("rsvd_query_changes_reply", H, RSVD_TUNNEL_QUERY_VIRTUAL_DISK_CHANGES, msg,
             sizeof msg, &body);
    rsvd_svhdx_tunnel_query_virtual_disk_changes_reply r;
    assert_int_equal(rsvd_svhdx_tunnel_query_virtual_disk_changes_reply_decode(body, n, &r),
                     RSVD_OK);
    assert_true(r.processed_byte_length == 1ull << 30);
    assert_int_equal(r.range_count, 2);
    rsvd_svhdx_virtual_disk_changed_range g;
    assert_int_equal(rsvd_svhdx_tunnel_query_virtual_disk_changes_reply_range(&r, 0, &g), RSVD_OK);
    assert_true(g.byte_offset == 0 && g.byte_length == 1u << 20);
    assert_int_equal(rsvd_svhdx_tunnel_query_virtual_disk_changes_reply_range(&r, 1, &g), RSVD_OK);
    assert_true(g.byte_offset == 2u << 20 && g.byte_length == 64u << 10);
    assert_int_equal(rsvd_svhdx_tunnel_query_virtual_disk_changes_reply_range(&r, 2, &g),
                     RSVD_E_INVAL);

    /* the server's builder lays out the same bytes */
    const rsvd_svhdx_virtual_disk_changed_range ranges[2] = {{0, 1u << 20},
                                                             {2u << 20, 64u << 10}};
    uint8_t out[128];
    size_t out_len = 0;
    assert_int_equal(rsvd_svhdx_tunnel_query_virtual_disk_changes_reply_build(
                         1ull << 30, ranges, 2, out, sizeof out, &out_len),
                     RSVD_OK);
    tu_assert_bytes(out, out_len, body, n);
    assert_int_equal(rsvd_svhdx_tunnel_query_virtual_disk_changes_reply_build(
                         1ull << 30, ranges, 2, out, n - 1, &out_len),
                     RSVD_E_NOSPC);
    assert_int_equal(rsvd_svhdx_tunnel_query_virtual_disk_changes_reply_build(
                         1ull << 30, NULL, 1, out, sizeof out, &out_len),
                     RSVD_E_INVAL);
}

static void query_changes_range_count_that_overflows_is_range(void **state)
{
    (void)state;
    uint8_t msg[256];
    const uint8_t *cbody;
    size_t n = load("rsvd_query_changes_reply", H, RSVD_TUNNEL_QUERY_VIRTUAL_DISK_CHANGES, msg,
                    sizeof msg, &cbody);
    uint8_t body[256];
    memcpy(body, cbody, n);
    rsvd_svhdx_tunnel_query_virtual_disk_changes_reply r;
    body[8] = 3;
    assert_int_equal(tu_decode_exact(dec_svhdx_tunnel_query_virtual_disk_changes_reply, body, n,
                                     &r),
                     RSVD_E_WIRE_RANGE);
    body[8] = 0xFF; body[9] = 0xFF; body[10] = 0xFF; body[11] = 0xFF;
    assert_int_equal(tu_decode_exact(dec_svhdx_tunnel_query_virtual_disk_changes_reply, body, n,
                                     &r),
                     RSVD_E_WIRE_RANGE);
}

/* Every decoder accepts a body longer than its structure: 3.2.5.5.9 and the
 * other size rules compare the body length themselves. */
static void fixed_size_decoders_leave_exact_size_rules_to_the_server(void **state)
{
    (void)state;
    uint8_t msg[256];
    const uint8_t *cbody;
    size_t n = load("rsvd_vhdset_query_info_request_ex44", H,
                    RSVD_TUNNEL_VHDSET_QUERY_INFORMATION, msg, sizeof msg, &cbody);
    uint8_t body[64] = {0};
    memcpy(body, cbody, n);
    rsvd_svhdx_tunnel_vhdset_query_information_request q;
    assert_int_equal(rsvd_svhdx_tunnel_vhdset_query_information_request_decode(body, n + 8, &q),
                     RSVD_OK);
    assert_int_equal(q.vhdset_information_type, RSVD_SVHDX_VHDSET_INFORMATION_TYPE_SNAPSHOT_LIST);
}

/* Encoders refuse a view that names bytes it does not point to, and the
 * accessors of a decoded list refuse an index past it. */
static void v2_encoders_refuse_a_view_without_its_bytes(void **state)
{
    (void)state;
    uint8_t buf[512];
    size_t n = 0;
    rsvd_svhdx_meta_operation_start_request start;
    memset(&start, 0, sizeof start);
    start.data_len = 4;
    assert_int_equal(rsvd_svhdx_meta_operation_start_request_encode(&start, buf, sizeof buf, &n),
                     RSVD_E_INVAL);
    rsvd_svhdx_meta_operation_create_snapshot snap;
    memset(&snap, 0, sizeof snap);
    snap.cdp_parameters_len = 4;
    assert_int_equal(rsvd_svhdx_meta_operation_create_snapshot_encode(&snap, buf, sizeof buf, &n),
                     RSVD_E_INVAL);
    rsvd_svhdx_meta_operation_extract ex;
    memset(&ex, 0, sizeof ex);
    ex.destination_file_name_length = 4;
    assert_int_equal(rsvd_svhdx_meta_operation_extract_encode(&ex, buf, sizeof buf, &n),
                     RSVD_E_INVAL);
    rsvd_svhdx_meta_operation_convert_to_vhdset cv;
    memset(&cv, 0, sizeof cv);
    cv.destination_vhd_set_name_length = 4;
    assert_int_equal(rsvd_svhdx_meta_operation_convert_to_vhdset_encode(&cv, buf, sizeof buf, &n),
                     RSVD_E_INVAL);

    rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response sl;
    memset(&sl, 0, sizeof sl);
    sl.response_complete = 2; /* a BOOLEAN */
    assert_int_equal(
        rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response_encode(&sl, buf,
                                                                                 sizeof buf, &n),
        RSVD_E_INVAL);
    sl.response_complete = 1;
    sl.number_of_snapshots = 2; /* but no SnapshotIds */
    assert_int_equal(
        rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response_encode(&sl, buf,
                                                                                 sizeof buf, &n),
        RSVD_E_INVAL);
    uint8_t ids[64];
    memset(ids, 0xA5, sizeof ids);
    sl.snapshot_ids = ids;
    sl.number_of_snapshots = 4;
    assert_int_equal(
        rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response_encode(&sl, buf, 32,
                                                                                 &n),
        RSVD_E_NOSPC);
    rsvd_guid g;
    assert_int_equal(
        rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response_snapshot_id(&sl, 4, &g),
        RSVD_E_INVAL);
    assert_int_equal(
        rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response_snapshot_id(&sl, 3, &g),
        RSVD_OK);
    assert_int_equal(g.b[0], 0xA5);
    sl.response_complete = 0; /* ids only come with a complete response */
    assert_int_equal(
        rsvd_svhdx_tunnel_vhdset_query_information_snapshot_list_response_snapshot_id(&sl, 0, &g),
        RSVD_E_NOENT);

    rsvd_svhdx_tunnel_query_virtual_disk_changes_reply rep;
    memset(&rep, 0, sizeof rep);
    rep.range_count = 1; /* but no Ranges */
    assert_int_equal(
        rsvd_svhdx_tunnel_query_virtual_disk_changes_reply_encode(&rep, buf, sizeof buf, &n),
        RSVD_E_INVAL);
    rsvd_svhdx_virtual_disk_changed_range out;
    assert_int_equal(rsvd_svhdx_tunnel_query_virtual_disk_changes_reply_range(&rep, 0, &out),
                     RSVD_E_INVAL);
    uint8_t ranges[3 * RSVD_SVHDX_VIRTUAL_DISK_CHANGED_RANGE_SIZE];
    memset(ranges, 0, sizeof ranges);
    rep.ranges = ranges;
    rep.range_count = 3;
    assert_int_equal(rsvd_svhdx_tunnel_query_virtual_disk_changes_reply_encode(&rep, buf, 40, &n),
                     RSVD_E_NOSPC);
    assert_int_equal(rsvd_svhdx_tunnel_query_virtual_disk_changes_reply_range(&rep, 3, &out),
                     RSVD_E_INVAL);
    assert_int_equal(
        rsvd_svhdx_tunnel_query_virtual_disk_changes_reply_build(0, NULL, 1, buf, sizeof buf, &n),
        RSVD_E_INVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_v2_golden_vector_round_trips),
        cmocka_unit_test(create_snapshot_ex43_decodes_field_by_field),
        cmocka_unit_test(create_cdp_snapshot_carries_the_cdp_parameter),
        cmocka_unit_test(cdp_parameter_name_is_located_by_its_offset),
        cmocka_unit_test(extract_convert_resize_apply_decode_field_by_field),
        cmocka_unit_test(extract_and_convert_names_past_the_buffer_are_range),
        cmocka_unit_test(utf16z_check_names_each_rule),
        cmocka_unit_test(suffix_compare_ignores_ascii_case_only),
        cmocka_unit_test(snapshot_list_ex44_decodes_field_by_field),
        cmocka_unit_test(snapshot_list_count_that_overflows_is_range),
        cmocka_unit_test(snapshot_list_incomplete_has_a_count_and_no_ids),
        cmocka_unit_test(snapshot_entry_and_optimize_responses_decode_field_by_field),
        cmocka_unit_test(progress_parameters_delete_and_safe_size_decode_field_by_field),
        cmocka_unit_test(change_tracking_start_and_stop_decode_field_by_field),
        cmocka_unit_test(change_tracking_start_name_past_the_buffer_is_range),
        cmocka_unit_test(query_changes_request_and_reply_decode_field_by_field),
        cmocka_unit_test(query_changes_range_count_that_overflows_is_range),
        cmocka_unit_test(fixed_size_decoders_leave_exact_size_rules_to_the_server),
        cmocka_unit_test(v2_encoders_refuse_a_view_without_its_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
