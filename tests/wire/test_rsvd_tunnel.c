/*
 * MS-RSVD version-1 tunnel operation bodies ([MS-RSVD] 2.2.4.1 - 2.2.4.14):
 * golden vectors from examples 4.1 and 4.2 and from the tables, field by
 * field, and one test per structural rule.
 */
#include <string.h>

#include <rsvd/status.h>
#include <rsvd/wire.h>
#include <rsvd/wire_rsvd.h>

#include "rsvd_codec_check.h"
#include "testutil.h"

/* ---- adapters: uniform decode/encode/equal signatures --------------------- */

#define ADAPT(type, fn)                                                                    \
    static int dec_##fn(const uint8_t *b, size_t n, void *o)                               \
    {                                                                                      \
        return rsvd_##fn##_decode(b, n, (rsvd_##type *)o);                                 \
    }                                                                                      \
    static int enc_##fn(const void *o, uint8_t *b, size_t cap, size_t *len)                \
    {                                                                                      \
        return rsvd_##fn##_encode((const rsvd_##type *)o, b, cap, len);                    \
    }

ADAPT(svhdx_tunnel_initial_info_response, svhdx_tunnel_initial_info_response)
ADAPT(svhdx_tunnel_srb_status_request, svhdx_tunnel_srb_status_request)
ADAPT(svhdx_tunnel_srb_status_response, svhdx_tunnel_srb_status_response)
ADAPT(svhdx_tunnel_disk_info_request, svhdx_tunnel_disk_info_request)
ADAPT(svhdx_tunnel_disk_info_response, svhdx_tunnel_disk_info_response)
ADAPT(svhdx_tunnel_scsi_request, svhdx_tunnel_scsi_request)
ADAPT(svhdx_tunnel_scsi_response, svhdx_tunnel_scsi_response)
ADAPT(svhdx_tunnel_validate_disk_request, svhdx_tunnel_validate_disk_request)
ADAPT(svhdx_tunnel_validate_disk_response, svhdx_tunnel_validate_disk_response)

static bool eq_initial_info(const void *pa, const void *pb)
{
    const rsvd_svhdx_tunnel_initial_info_response *a = pa, *b = pb;
    RC_EQ(server_version);
    RC_EQ(sector_size);
    RC_EQ(physical_sector_size);
    RC_EQ(virtual_size);
    return true;
}

static bool eq_srb_req(const void *pa, const void *pb)
{
    const rsvd_svhdx_tunnel_srb_status_request *a = pa, *b = pb;
    RC_EQ(status_key);
    return true;
}

static bool eq_srb_resp(const void *pa, const void *pb)
{
    const rsvd_svhdx_tunnel_srb_status_response *a = pa, *b = pb;
    RC_EQ(status_key);
    RC_EQ(sense_info_auto_generated);
    RC_EQ(srb_status);
    RC_EQ(scsi_status);
    RC_EQ(sense_info_ex_length);
    RC_EQ_VIEW(sense_data_ex, a->sense_info_ex_length);
    return true;
}

static bool eq_disk_req(const void *pa, const void *pb)
{
    const rsvd_svhdx_tunnel_disk_info_request *a = pa, *b = pb;
    RC_EQ(reserved1);
    RC_EQ(block_size);
    RC_EQ_GUID(linkage_id);
    RC_EQ(is_mounted);
    RC_EQ(is_4k_aligned);
    RC_EQ(reserved2);
    RC_EQ(file_size);
    RC_EQ_GUID(virtual_disk_id);
    return true;
}

static bool eq_disk_resp(const void *pa, const void *pb)
{
    const rsvd_svhdx_tunnel_disk_info_response *a = pa, *b = pb;
    RC_EQ(disk_type);
    RC_EQ(disk_format);
    RC_EQ(block_size);
    RC_EQ_GUID(linkage_id);
    RC_EQ(is_mounted);
    RC_EQ(is_4k_aligned);
    RC_EQ(file_size);
    RC_EQ_GUID(virtual_disk_id);
    return true;
}

static bool eq_scsi_req(const void *pa, const void *pb)
{
    const rsvd_svhdx_tunnel_scsi_request *a = pa, *b = pb;
    RC_EQ(length);
    RC_EQ(reserved1);
    RC_EQ(cdb_length);
    RC_EQ(sense_info_ex_length);
    RC_EQ(disposition);
    RC_EQ(reserved2);
    RC_EQ(srb_flags);
    RC_EQ(data_transfer_length);
    RC_EQ_BYTES(cdb);
    RC_EQ(reserved3);
    RC_EQ(data_buffer_len);
    RC_EQ_VIEW(data_buffer, a->data_buffer_len);
    return true;
}

static bool eq_scsi_resp(const void *pa, const void *pb)
{
    const rsvd_svhdx_tunnel_scsi_response *a = pa, *b = pb;
    RC_EQ(length);
    RC_EQ(sense_info_auto_generated);
    RC_EQ(srb_status);
    RC_EQ(scsi_status);
    RC_EQ(cdb_length);
    RC_EQ(sense_info_ex_length);
    RC_EQ(disposition);
    RC_EQ(srb_flags);
    RC_EQ(data_transfer_length);
    RC_EQ_VIEW(sense_data_ex, a->sense_info_ex_length);
    RC_EQ_VIEW(data_buffer, a->data_transfer_length);
    return true;
}

static bool eq_validate_req(const void *pa, const void *pb)
{
    const rsvd_svhdx_tunnel_validate_disk_request *a = pa, *b = pb;
    RC_EQ_BYTES(reserved);
    return true;
}

static bool eq_validate_resp(const void *pa, const void *pb)
{
    const rsvd_svhdx_tunnel_validate_disk_response *a = pa, *b = pb;
    RC_EQ(is_valid_disk);
    return true;
}

#define H RSVD_TUNNEL_HEADER_SIZE
#define CODEC(golden, op, fn, type, eq, trunc)                                             \
    {golden, H, op, dec_##fn, enc_##fn, sizeof(rsvd_##type), eq, trunc}

static const rc_codec codecs[] = {
    CODEC("rsvd_initial_info_response_ex41", RSVD_TUNNEL_GET_INITIAL_INFO_OPERATION,
          svhdx_tunnel_initial_info_response, svhdx_tunnel_initial_info_response,
          eq_initial_info, 0),
    CODEC("rsvd_srb_status_request", RSVD_TUNNEL_SRB_STATUS_OPERATION,
          svhdx_tunnel_srb_status_request, svhdx_tunnel_srb_status_request, eq_srb_req, 0),
    CODEC("rsvd_srb_status_response_autosense", RSVD_TUNNEL_SRB_STATUS_OPERATION,
          svhdx_tunnel_srb_status_response, svhdx_tunnel_srb_status_response, eq_srb_resp, 0),
    CODEC("rsvd_srb_status_response_no_initiator", RSVD_TUNNEL_SRB_STATUS_OPERATION,
          svhdx_tunnel_srb_status_response, svhdx_tunnel_srb_status_response, eq_srb_resp, 0),
    CODEC("rsvd_disk_info_request", RSVD_TUNNEL_GET_DISK_INFO_OPERATION,
          svhdx_tunnel_disk_info_request, svhdx_tunnel_disk_info_request, eq_disk_req, 0),
    CODEC("rsvd_disk_info_response", RSVD_TUNNEL_GET_DISK_INFO_OPERATION,
          svhdx_tunnel_disk_info_response, svhdx_tunnel_disk_info_response, eq_disk_resp, 0),
    /* DataBuffer is "every byte after the fixed part": cutting it leaves a
     * request 3.2.5.5.5 must still see, so only the fixed part is checked. */
    CODEC("rsvd_scsi_request_read_capacity_ex42", RSVD_TUNNEL_SCSI_OPERATION,
          svhdx_tunnel_scsi_request, svhdx_tunnel_scsi_request, eq_scsi_req,
          RSVD_SVHDX_TUNNEL_SCSI_REQUEST_SIZE),
    CODEC("rsvd_scsi_request_pr_out_register", RSVD_TUNNEL_SCSI_OPERATION,
          svhdx_tunnel_scsi_request, svhdx_tunnel_scsi_request, eq_scsi_req,
          RSVD_SVHDX_TUNNEL_SCSI_REQUEST_SIZE),
    CODEC("rsvd_scsi_response_read_capacity_ex42", RSVD_TUNNEL_SCSI_OPERATION,
          svhdx_tunnel_scsi_response, svhdx_tunnel_scsi_response, eq_scsi_resp, 0),
    CODEC("rsvd_scsi_response_read_capacity_data", RSVD_TUNNEL_SCSI_OPERATION,
          svhdx_tunnel_scsi_response, svhdx_tunnel_scsi_response, eq_scsi_resp, 0),
    CODEC("rsvd_scsi_response_no_data", RSVD_TUNNEL_SCSI_OPERATION,
          svhdx_tunnel_scsi_response, svhdx_tunnel_scsi_response, eq_scsi_resp, 0),
    CODEC("rsvd_validate_disk_request", RSVD_TUNNEL_VALIDATE_DISK_OPERATION,
          svhdx_tunnel_validate_disk_request, svhdx_tunnel_validate_disk_request,
          eq_validate_req, 0),
    CODEC("rsvd_validate_disk_response", RSVD_TUNNEL_VALIDATE_DISK_OPERATION,
          svhdx_tunnel_validate_disk_response, svhdx_tunnel_validate_disk_response,
          eq_validate_resp, 0),
};

/* Loads the body of tunnel vector @p name into @p msg; returns its length. */
static size_t body_of(const char *name, uint32_t opcode, uint8_t *msg, size_t cap,
                      const uint8_t **body)
{
    size_t n = 0;
    *body = rc_load(name, H, opcode, msg, cap, &n);
    return n;
}

/* ---- every vector: encode == golden, decode(encode(x)) == x, truncations -- */

static void every_v1_golden_vector_round_trips(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof codecs / sizeof codecs[0]; i++)
        rc_check(&codecs[i]);
}

/* ---- golden vectors field by field --------------------------------------- */

static void header_only_operations_are_the_header_alone(void **state)
{
    (void)state;
    uint8_t msg[64];
    rsvd_tunnel_hdr h;
    size_t n = tu_golden_get("rsvd_initial_info_request_ex41", msg, sizeof msg);
    assert_int_equal(n, RSVD_TUNNEL_HEADER_SIZE);
    assert_int_equal(rsvd_tunnel_hdr_decode(msg, n, &h), RSVD_OK);
    assert_int_equal(h.operation_code, RSVD_TUNNEL_GET_INITIAL_INFO_OPERATION);
    assert_true(h.request_id == 0x000000001EC7871Eull);
    n = tu_golden_get("rsvd_check_connection", msg, sizeof msg);
    assert_int_equal(n, RSVD_TUNNEL_HEADER_SIZE);
    assert_int_equal(rsvd_tunnel_hdr_decode(msg, n, &h), RSVD_OK);
    assert_int_equal(h.operation_code, RSVD_TUNNEL_CHECK_CONNECTION_STATUS_OPERATION);
    assert_int_equal(h.status, RSVD_STATUS_SUCCESS);
}

/* Example 4.1: ServerVersion 1, 512, 256, VirtualSize 0x4000000000000000. */
static void initial_info_response_ex41_decodes_field_by_field(void **state)
{
    (void)state;
    uint8_t msg[128];
    const uint8_t *body;
    size_t n = body_of("rsvd_initial_info_response_ex41", RSVD_TUNNEL_GET_INITIAL_INFO_OPERATION,
                       msg, sizeof msg, &body);
    assert_int_equal(n, RSVD_SVHDX_TUNNEL_INITIAL_INFO_RESPONSE_SIZE);
    rsvd_svhdx_tunnel_initial_info_response r;
    assert_int_equal(rsvd_svhdx_tunnel_initial_info_response_decode(body, n, &r), RSVD_OK);
    assert_int_equal(r.server_version, RSVD_PROTOCOL_VERSION_1);
    assert_int_equal(r.sector_size, 512);
    assert_int_equal(r.physical_sector_size, 256);
    assert_true(r.virtual_size == 0x4000000000000000ull);
}

/* Example 4.2: READ CAPACITY(10) request. */
static void scsi_request_ex42_decodes_field_by_field(void **state)
{
    (void)state;
    uint8_t msg[256];
    const uint8_t *body;
    size_t n = body_of("rsvd_scsi_request_read_capacity_ex42", RSVD_TUNNEL_SCSI_OPERATION, msg,
                       sizeof msg, &body);
    rsvd_svhdx_tunnel_scsi_request q;
    assert_int_equal(rsvd_svhdx_tunnel_scsi_request_decode(body, n, &q), RSVD_OK);
    assert_int_equal(q.length, RSVD_SVHDX_TUNNEL_SCSI_REQUEST_SIZE);
    assert_int_equal(q.reserved1, 0);
    assert_int_equal(q.cdb_length, 16);
    assert_int_equal(q.sense_info_ex_length, RSVD_SCSI_SENSE_BUFFER_SIZE);
    assert_int_equal(q.disposition, RSVD_SCSI_DATA_IN);
    assert_int_equal(q.reserved2, 0);
    assert_int_equal(q.srb_flags, 0x0020014A);
    assert_true(q.srb_flags & RSVD_SRB_FLAGS_DATA_IN);
    assert_int_equal(q.data_transfer_length, 8);
    assert_int_equal(q.cdb[0], 0x25); /* READ CAPACITY(10) */
    for (size_t i = 1; i < sizeof q.cdb; i++)
        assert_int_equal(q.cdb[i], 0);
    assert_int_equal(q.reserved3, 0);
    assert_int_equal(q.data_buffer_len, 8);
    assert_ptr_equal(q.data_buffer, body + 36);
}

/* Example 4.2: the response carries the CDB bytes in SenseDataEx and 8 data
 * bytes at offset Length (36). */
static void scsi_response_ex42_decodes_field_by_field(void **state)
{
    (void)state;
    uint8_t msg[256];
    const uint8_t *body;
    size_t n = body_of("rsvd_scsi_response_read_capacity_ex42", RSVD_TUNNEL_SCSI_OPERATION, msg,
                       sizeof msg, &body);
    assert_int_equal(n, 44);
    rsvd_svhdx_tunnel_scsi_response s;
    assert_int_equal(rsvd_svhdx_tunnel_scsi_response_decode(body, n, &s), RSVD_OK);
    assert_int_equal(s.length, 36);
    assert_false(s.sense_info_auto_generated);
    assert_int_equal(s.srb_status, 0);
    assert_int_equal(s.scsi_status, RSVD_SCSI_STATUS_GOOD);
    assert_int_equal(s.cdb_length, 16);
    assert_int_equal(s.sense_info_ex_length, 20);
    assert_int_equal(s.disposition, RSVD_SCSI_DATA_IN);
    assert_int_equal(s.srb_flags, 0x0020014A);
    assert_int_equal(s.data_transfer_length, 8);
    assert_ptr_equal(s.sense_data_ex, body + 16);
    assert_int_equal(s.sense_data_ex[0], 0x25);
    assert_ptr_equal(s.data_buffer, body + 36);
}

/* READ CAPACITY(10) data in: last LBA 0x001FFFFF, 512-byte blocks. */
static void scsi_response_data_in_returns_the_data(void **state)
{
    (void)state;
    uint8_t msg[256];
    const uint8_t *body;
    size_t n = body_of("rsvd_scsi_response_read_capacity_data", RSVD_TUNNEL_SCSI_OPERATION, msg,
                       sizeof msg, &body);
    rsvd_svhdx_tunnel_scsi_response s;
    assert_int_equal(rsvd_svhdx_tunnel_scsi_response_decode(body, n, &s), RSVD_OK);
    assert_int_equal(s.srb_status, RSVD_SRB_STATUS_SUCCESS);
    assert_int_equal(s.cdb_length, 10);
    assert_int_equal(s.srb_flags, RSVD_SRB_FLAGS_DATA_IN);
    assert_int_equal(s.data_transfer_length, 8);
    const uint8_t want[8] = {0x00, 0x1F, 0xFF, 0xFF, 0x00, 0x00, 0x02, 0x00};
    assert_memory_equal(s.data_buffer, want, 8);
}

/* PERSISTENT RESERVE OUT / REGISTER: data out, 24-byte parameter list. */
static void scsi_request_data_out_carries_the_parameter_list(void **state)
{
    (void)state;
    uint8_t msg[256];
    const uint8_t *body;
    size_t n = body_of("rsvd_scsi_request_pr_out_register", RSVD_TUNNEL_SCSI_OPERATION, msg,
                       sizeof msg, &body);
    rsvd_svhdx_tunnel_scsi_request q;
    assert_int_equal(rsvd_svhdx_tunnel_scsi_request_decode(body, n, &q), RSVD_OK);
    assert_int_equal(q.cdb_length, 10);
    assert_int_equal(q.disposition, RSVD_SCSI_DATA_OUT);
    assert_int_equal(q.srb_flags, RSVD_SRB_FLAGS_DATA_OUT);
    assert_int_equal(q.data_transfer_length, 24);
    assert_int_equal(q.data_buffer_len, 24);
    const uint8_t cdb[16] = {0x5F, 0, 0, 0, 0, 0, 0, 0, 0x18, 0};
    assert_memory_equal(q.cdb, cdb, 16);
    const uint8_t key[8] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF};
    assert_memory_equal(q.data_buffer + 8, key, 8); /* SERVICE ACTION RESERVATION KEY */

    rsvd_svhdx_tunnel_scsi_response s;
    n = body_of("rsvd_scsi_response_no_data", RSVD_TUNNEL_SCSI_OPERATION, msg, sizeof msg, &body);
    assert_int_equal(rsvd_svhdx_tunnel_scsi_response_decode(body, n, &s), RSVD_OK);
    assert_int_equal(s.srb_status, RSVD_SRB_STATUS_SUCCESS);
    assert_int_equal(s.disposition, RSVD_SCSI_DATA_OUT);
    assert_int_equal(s.data_transfer_length, 0);
    assert_int_equal(n, RSVD_SVHDX_TUNNEL_SCSI_RESPONSE_SIZE);
}

static void srb_status_request_decodes_status_key(void **state)
{
    (void)state;
    uint8_t msg[128];
    const uint8_t *body;
    size_t n = body_of("rsvd_srb_status_request", RSVD_TUNNEL_SRB_STATUS_OPERATION, msg,
                       sizeof msg, &body);
    assert_int_equal(n, RSVD_SVHDX_TUNNEL_SRB_STATUS_REQUEST_SIZE);
    rsvd_svhdx_tunnel_srb_status_request q;
    assert_int_equal(rsvd_svhdx_tunnel_srb_status_request_decode(body, n, &q), RSVD_OK);
    assert_int_equal(q.status_key, 0x01);
}

/* Bit 0x80 of byte 1 is SenseInfoAutoGenerated, the low 7 bits SrbStatus. */
static void srb_status_response_splits_auto_generated_bit_from_srb_status(void **state)
{
    (void)state;
    uint8_t msg[128];
    const uint8_t *body;
    size_t n = body_of("rsvd_srb_status_response_autosense", RSVD_TUNNEL_SRB_STATUS_OPERATION,
                       msg, sizeof msg, &body);
    assert_int_equal(n, RSVD_SVHDX_TUNNEL_SRB_STATUS_RESPONSE_SIZE);
    rsvd_svhdx_tunnel_srb_status_response r;
    assert_int_equal(rsvd_svhdx_tunnel_srb_status_response_decode(body, n, &r), RSVD_OK);
    assert_int_equal(r.status_key, 0x01);
    assert_true(r.sense_info_auto_generated);
    assert_int_equal(r.srb_status, RSVD_SRB_STATUS_ERROR);
    assert_int_equal(r.scsi_status, RSVD_SCSI_STATUS_CHECK_CONDITION);
    assert_int_equal(r.sense_info_ex_length, 20);
    assert_ptr_equal(r.sense_data_ex, body + 4);
    assert_int_equal(r.sense_data_ex[0], 0x70);
    assert_int_equal(r.sense_data_ex[2], 0x06);  /* UNIT ATTENTION */
    assert_int_equal(r.sense_data_ex[12], 0x2A); /* ASC */
    assert_int_equal(r.sense_data_ex[13], 0x03); /* ASCQ */

    /* and the bit is written back from the Boolean */
    uint8_t out[64];
    size_t out_len = 0;
    r.sense_info_auto_generated = false;
    assert_int_equal(rsvd_svhdx_tunnel_srb_status_response_encode(&r, out, sizeof out, &out_len),
                     RSVD_OK);
    assert_int_equal(out[1], 0x04);
}

/* 3.2.5.3 <12>, 3.2.5.4 <14>: Windows' stored error for an open without an
 * initiator. */
static void srb_status_response_no_initiator_decodes_windows_sense(void **state)
{
    (void)state;
    uint8_t msg[128];
    const uint8_t *body;
    size_t n = body_of("rsvd_srb_status_response_no_initiator", RSVD_TUNNEL_SRB_STATUS_OPERATION,
                       msg, sizeof msg, &body);
    rsvd_svhdx_tunnel_srb_status_response r;
    assert_int_equal(rsvd_svhdx_tunnel_srb_status_response_decode(body, n, &r), RSVD_OK);
    assert_false(r.sense_info_auto_generated);
    assert_int_equal(r.srb_status, RSVD_SRB_STATUS_ABORTED);
    assert_int_equal(r.scsi_status, 0x02);
    const uint8_t sense[20] = {0xF0, 0, 0, 0, 0, 0, 0, 0x0A};
    assert_int_equal(r.sense_info_ex_length, 20);
    assert_memory_equal(r.sense_data_ex, sense, 20);
}

static void disk_info_request_and_response_decode_field_by_field(void **state)
{
    (void)state;
    uint8_t msg[128];
    const uint8_t *body;
    size_t n = body_of("rsvd_disk_info_request", RSVD_TUNNEL_GET_DISK_INFO_OPERATION, msg,
                       sizeof msg, &body);
    assert_int_equal(n, RSVD_SVHDX_TUNNEL_DISK_INFO_REQUEST_SIZE);
    rsvd_svhdx_tunnel_disk_info_request q;
    assert_int_equal(rsvd_svhdx_tunnel_disk_info_request_decode(body, n, &q), RSVD_OK);
    assert_true(q.reserved1 == 0 && q.block_size == 0 && q.file_size == 0);
    assert_true(rsvd_guid_is_zero(&q.linkage_id) && rsvd_guid_is_zero(&q.virtual_disk_id));

    n = body_of("rsvd_disk_info_response", RSVD_TUNNEL_GET_DISK_INFO_OPERATION, msg, sizeof msg,
                &body);
    assert_int_equal(n, RSVD_SVHDX_TUNNEL_DISK_INFO_RESPONSE_SIZE);
    rsvd_svhdx_tunnel_disk_info_response r;
    assert_int_equal(rsvd_svhdx_tunnel_disk_info_response_decode(body, n, &r), RSVD_OK);
    assert_int_equal(r.disk_type, RSVD_VHD_TYPE_DYNAMIC);
    assert_int_equal(r.disk_format, RSVD_VIRTUAL_STORAGE_TYPE_DEVICE_VHDX);
    assert_int_equal(r.block_size, 32u << 20);
    assert_true(rsvd_guid_is_zero(&r.linkage_id));
    assert_int_equal(r.is_mounted, 1);
    assert_int_equal(r.is_4k_aligned, 1);
    assert_true(r.file_size == 0x04400000u);
    assert_int_equal(r.virtual_disk_id.b[0], 0x11);
    assert_int_equal(r.virtual_disk_id.b[15], 0xFF);
}

static void validate_disk_request_and_response_decode(void **state)
{
    (void)state;
    uint8_t msg[128];
    const uint8_t *body;
    size_t n = body_of("rsvd_validate_disk_request", RSVD_TUNNEL_VALIDATE_DISK_OPERATION, msg,
                       sizeof msg, &body);
    rsvd_svhdx_tunnel_validate_disk_request q;
    assert_int_equal(rsvd_svhdx_tunnel_validate_disk_request_decode(body, n, &q), RSVD_OK);
    const uint8_t zeros[56] = {0};
    assert_memory_equal(q.reserved, zeros, 56);
    n = body_of("rsvd_validate_disk_response", RSVD_TUNNEL_VALIDATE_DISK_OPERATION, msg,
                sizeof msg, &body);
    assert_int_equal(n, RSVD_SVHDX_TUNNEL_VALIDATE_DISK_RESPONSE_SIZE);
    rsvd_svhdx_tunnel_validate_disk_response r;
    assert_int_equal(rsvd_svhdx_tunnel_validate_disk_response_decode(body, n, &r), RSVD_OK);
    assert_int_equal(r.is_valid_disk, 1);
}

/* ---- SCSI request: decode faithfully what 3.2.5.5.5 answers itself ------- */

static void scsi_request_decodes_semantic_violations_as_sent(void **state)
{
    (void)state;
    uint8_t msg[256];
    const uint8_t *cbody;
    size_t n = body_of("rsvd_scsi_request_read_capacity_ex42", RSVD_TUNNEL_SCSI_OPERATION, msg,
                       sizeof msg, &cbody);
    uint8_t body[256];
    memcpy(body, cbody, n);
    body[0] = 40;             /* Length != 36 */
    body[2] = 0x34;           /* Reserved1 */
    body[4] = 17;             /* CDBLength > 16 */
    body[5] = 30;             /* SenseInfoExLength > 20 */
    body[7] = 0x99;           /* Reserved2 != 0 */
    body[12] = 4;             /* Disposition 1 with DataTransferLength < data present */
    body[35] = 0x77;          /* Reserved3 != 0 */
    rsvd_svhdx_tunnel_scsi_request q;
    assert_int_equal(rsvd_svhdx_tunnel_scsi_request_decode(body, n, &q), RSVD_OK);
    assert_int_equal(q.length, 40);
    assert_int_equal(q.reserved1, 0x34);
    assert_int_equal(q.cdb_length, 17);
    assert_int_equal(q.sense_info_ex_length, 30);
    assert_int_equal(q.disposition, RSVD_SCSI_DATA_IN);
    assert_int_equal(q.reserved2, 0x99);
    assert_int_equal(q.data_transfer_length, 4);
    assert_int_equal(q.data_buffer_len, 8);
    assert_true(q.reserved3 == 0x77000000u);
    /* and encodes back byte for byte, for the echo of 3.2.5.5.5 */
    uint8_t out[256];
    size_t out_len = 0;
    assert_int_equal(rsvd_svhdx_tunnel_scsi_request_encode(&q, out, sizeof out, &out_len),
                     RSVD_OK);
    tu_assert_bytes(out, out_len, body, n);
}

static void scsi_request_shorter_than_36_bytes_is_short(void **state)
{
    (void)state;
    uint8_t msg[256];
    const uint8_t *body;
    size_t n = body_of("rsvd_scsi_request_read_capacity_ex42", RSVD_TUNNEL_SCSI_OPERATION, msg,
                       sizeof msg, &body);
    assert_true(n > 35);
    rsvd_svhdx_tunnel_scsi_request q;
    assert_int_equal(tu_decode_exact(dec_svhdx_tunnel_scsi_request, body, 35, &q),
                     RSVD_E_WIRE_SHORT);
    assert_int_equal(tu_decode_exact(dec_svhdx_tunnel_scsi_request, body, 36, &q), RSVD_OK);
    assert_int_equal(q.data_buffer_len, 0);
}

/* DataBuffer is what is present; DataTransferLength is what was said. */
static void scsi_request_data_buffer_is_the_bytes_present(void **state)
{
    (void)state;
    uint8_t msg[256];
    const uint8_t *cbody;
    size_t n = body_of("rsvd_scsi_request_pr_out_register", RSVD_TUNNEL_SCSI_OPERATION, msg,
                       sizeof msg, &cbody);
    uint8_t body[256];
    memcpy(body, cbody, n);
    body[12] = 0xFF; body[13] = 0xFF; body[14] = 0xFF; body[15] = 0xFF;
    rsvd_svhdx_tunnel_scsi_request q;
    assert_int_equal(rsvd_svhdx_tunnel_scsi_request_decode(body, n - 4, &q), RSVD_OK);
    assert_true(q.data_transfer_length == 0xFFFFFFFFu);
    assert_int_equal(q.data_buffer_len, 20);
}

/* ---- SCSI response: structural rules ------------------------------------- */

static void scsi_response_sense_past_the_body_is_range(void **state)
{
    (void)state;
    uint8_t msg[256];
    const uint8_t *body;
    size_t n = body_of("rsvd_scsi_response_no_data", RSVD_TUNNEL_SCSI_OPERATION, msg, sizeof msg,
                       &body);
    rsvd_svhdx_tunnel_scsi_response s;
    /* 16 + SenseInfoExLength (20) = 36 > 30 bytes present */
    assert_int_equal(tu_decode_exact(dec_svhdx_tunnel_scsi_response, body, 30, &s),
                     RSVD_E_WIRE_RANGE);
    assert_int_equal(tu_decode_exact(dec_svhdx_tunnel_scsi_response, body, n, &s), RSVD_OK);
}

static void scsi_response_length_past_the_body_is_range(void **state)
{
    (void)state;
    uint8_t msg[256];
    const uint8_t *cbody;
    size_t n = body_of("rsvd_scsi_response_no_data", RSVD_TUNNEL_SCSI_OPERATION, msg, sizeof msg,
                       &cbody);
    uint8_t body[256];
    memcpy(body, cbody, n);
    body[0] = 37; /* Length one past the 36 bytes present */
    rsvd_svhdx_tunnel_scsi_response s;
    assert_int_equal(tu_decode_exact(dec_svhdx_tunnel_scsi_response, body, n, &s),
                     RSVD_E_WIRE_RANGE);
}

static void scsi_response_data_past_the_body_is_range(void **state)
{
    (void)state;
    uint8_t msg[256];
    const uint8_t *cbody;
    size_t n = body_of("rsvd_scsi_response_read_capacity_data", RSVD_TUNNEL_SCSI_OPERATION, msg,
                       sizeof msg, &cbody);
    uint8_t body[256];
    memcpy(body, cbody, n);
    rsvd_svhdx_tunnel_scsi_response s;
    body[12] = 9; /* DataTransferLength 9, 8 bytes present */
    assert_int_equal(tu_decode_exact(dec_svhdx_tunnel_scsi_response, body, n, &s),
                     RSVD_E_WIRE_RANGE);
    body[12] = 0xFF; body[13] = 0xFF; body[14] = 0xFF; body[15] = 0xFF; /* no overflow */
    assert_int_equal(tu_decode_exact(dec_svhdx_tunnel_scsi_response, body, n, &s),
                     RSVD_E_WIRE_RANGE);
}

static void scsi_response_sense_length_above_20_is_value(void **state)
{
    (void)state;
    uint8_t msg[256];
    const uint8_t *cbody;
    size_t n = body_of("rsvd_scsi_response_no_data", RSVD_TUNNEL_SCSI_OPERATION, msg, sizeof msg,
                       &cbody);
    uint8_t body[256] = {0};
    memcpy(body, cbody, n);
    body[0] = 37;
    body[5] = 21; /* Length 37 = 16 + 21 would fit: the value itself is refused */
    rsvd_svhdx_tunnel_scsi_response s;
    assert_int_equal(tu_decode_exact(dec_svhdx_tunnel_scsi_response, body, n + 1, &s),
                     RSVD_E_WIRE_VALUE);
}

static void scsi_response_length_below_the_sense_area_is_value(void **state)
{
    (void)state;
    uint8_t msg[256];
    const uint8_t *cbody;
    size_t n = body_of("rsvd_scsi_response_no_data", RSVD_TUNNEL_SCSI_OPERATION, msg, sizeof msg,
                       &cbody);
    uint8_t body[256];
    memcpy(body, cbody, n);
    body[0] = 35; /* 16 + 20 sense bytes do not fit in 35 */
    rsvd_svhdx_tunnel_scsi_response s;
    assert_int_equal(tu_decode_exact(dec_svhdx_tunnel_scsi_response, body, n, &s),
                     RSVD_E_WIRE_VALUE);
}

/* DataBuffer starts at Length, even when the sense data is shorter. */
static void scsi_response_data_starts_at_length(void **state)
{
    (void)state;
    uint8_t body[48];
    tu_hex("2400 01 02 06 12 01 00 40000000 04000000 | 700005000000000A 0000000024000000"
           "0000 | 0000 | DEADBEEF",
           body, sizeof body);
    rsvd_svhdx_tunnel_scsi_response s;
    assert_int_equal(rsvd_svhdx_tunnel_scsi_response_decode(body, 40, &s), RSVD_OK);
    assert_int_equal(s.sense_info_ex_length, 18);
    assert_ptr_equal(s.sense_data_ex, body + 16);
    assert_ptr_equal(s.data_buffer, body + 36);
    assert_int_equal(s.data_buffer[0], 0xDE);
    /* the encoder fills the unused sense bytes with zeros */
    uint8_t out[64];
    size_t out_len = 0;
    assert_int_equal(rsvd_svhdx_tunnel_scsi_response_encode(&s, out, sizeof out, &out_len),
                     RSVD_OK);
    tu_assert_bytes(out, out_len, body, 40);
}

static void scsi_response_encode_refuses_invalid_fields(void **state)
{
    (void)state;
    uint8_t sense[20] = {0x70};
    uint8_t out[128];
    size_t out_len = 0;
    rsvd_svhdx_tunnel_scsi_response s = {.length = 36, .srb_status = 1,
                                         .sense_info_ex_length = 20, .sense_data_ex = sense};
    assert_int_equal(rsvd_svhdx_tunnel_scsi_response_encode(&s, out, sizeof out, &out_len),
                     RSVD_OK);
    assert_int_equal(out_len, 36);
    s.srb_status = 0x80;
    assert_int_equal(rsvd_svhdx_tunnel_scsi_response_encode(&s, out, sizeof out, &out_len),
                     RSVD_E_INVAL);
    s.srb_status = 1;
    s.sense_info_ex_length = 21;
    s.length = 37;
    assert_int_equal(rsvd_svhdx_tunnel_scsi_response_encode(&s, out, sizeof out, &out_len),
                     RSVD_E_INVAL);
    s.sense_info_ex_length = 20;
    s.length = 35;
    assert_int_equal(rsvd_svhdx_tunnel_scsi_response_encode(&s, out, sizeof out, &out_len),
                     RSVD_E_INVAL);
    s.length = 36;
    s.data_transfer_length = 4; /* data_buffer NULL */
    assert_int_equal(rsvd_svhdx_tunnel_scsi_response_encode(&s, out, sizeof out, &out_len),
                     RSVD_E_INVAL);
}

/* A backend may read straight into the output buffer at offset Length. */
static void scsi_response_encode_keeps_data_already_in_place(void **state)
{
    (void)state;
    uint8_t out[64];
    memset(out, 0xAA, sizeof out);
    out[36] = 1; out[37] = 2; out[38] = 3; out[39] = 4;
    uint8_t sense[20] = {0};
    rsvd_svhdx_tunnel_scsi_response s = {.length = 36, .srb_status = RSVD_SRB_STATUS_SUCCESS,
                                         .sense_info_ex_length = 20, .sense_data_ex = sense,
                                         .data_transfer_length = 4, .data_buffer = out + 36};
    size_t out_len = 0;
    assert_int_equal(rsvd_svhdx_tunnel_scsi_response_encode(&s, out, sizeof out, &out_len),
                     RSVD_OK);
    assert_int_equal(out_len, 40);
    const uint8_t want[4] = {1, 2, 3, 4};
    assert_memory_equal(out + 36, want, 4);
    assert_int_equal(out[16], 0); /* the sense area was written */
}

/* 3.2.5.5.5: the error response echoes the request's fixed part. */
static void scsi_error_response_echoes_the_request_fixed_part(void **state)
{
    (void)state;
    uint8_t msg[256];
    const uint8_t *req;
    size_t n = body_of("rsvd_scsi_request_read_capacity_ex42", RSVD_TUNNEL_SCSI_OPERATION, msg,
                       sizeof msg, &req);
    uint8_t out[64];
    size_t out_len = 0;
    assert_int_equal(rsvd_svhdx_tunnel_scsi_response_echo_request(req, n, out, sizeof out,
                                                                  &out_len),
                     RSVD_OK);
    tu_assert_bytes(out, out_len, req, 36);
    /* The echo keeps DataTransferLength 8 without data (the spec's SHOULD NOT
     * add data): a strict response decoder refuses it, clients read the
     * header's Status first. With the length zeroed, it reads as a response
     * whose fields are the request's. */
    rsvd_svhdx_tunnel_scsi_response s;
    assert_int_equal(rsvd_svhdx_tunnel_scsi_response_decode(out, out_len, &s), RSVD_E_WIRE_RANGE);
    out[12] = 0;
    assert_int_equal(rsvd_svhdx_tunnel_scsi_response_decode(out, out_len, &s), RSVD_OK);
    assert_int_equal(s.length, 36);
    assert_int_equal(s.cdb_length, 16);
    assert_int_equal(s.sense_info_ex_length, 20);
    assert_int_equal(s.disposition, RSVD_SCSI_DATA_IN);
    assert_int_equal(s.srb_flags, 0x0020014A);
    assert_int_equal(s.sense_data_ex[0], 0x25); /* the CDB, as example 4.2 shows */

    /* a request shorter than its fixed part is echoed zero-filled */
    assert_int_equal(rsvd_svhdx_tunnel_scsi_response_echo_request(req, 6, out, sizeof out,
                                                                  &out_len),
                     RSVD_OK);
    assert_int_equal(out_len, 36);
    tu_assert_bytes(out, 6, req, 6);
    const uint8_t zeros[30] = {0};
    assert_memory_equal(out + 6, zeros, 30);
    assert_int_equal(rsvd_svhdx_tunnel_scsi_response_echo_request(NULL, 0, out, sizeof out,
                                                                  &out_len),
                     RSVD_OK);
    assert_int_equal(rsvd_svhdx_tunnel_scsi_response_echo_request(req, n, out, 35, &out_len),
                     RSVD_E_NOSPC);
}

/* ---- SRB status response: structural rules -------------------------------- */

static void srb_status_response_sense_past_the_body_is_range(void **state)
{
    (void)state;
    uint8_t msg[128];
    const uint8_t *body;
    size_t n = body_of("rsvd_srb_status_response_autosense", RSVD_TUNNEL_SRB_STATUS_OPERATION,
                       msg, sizeof msg, &body);
    rsvd_svhdx_tunnel_srb_status_response r;
    assert_int_equal(tu_decode_exact(dec_svhdx_tunnel_srb_status_response, body, n - 1, &r),
                     RSVD_E_WIRE_RANGE);
    assert_int_equal(tu_decode_exact(dec_svhdx_tunnel_srb_status_response, body, 3, &r),
                     RSVD_E_WIRE_SHORT);
}

static void srb_status_response_sense_length_above_20_is_value(void **state)
{
    (void)state;
    uint8_t body[32] = {0x01, 0x84, 0x02, 21};
    rsvd_svhdx_tunnel_srb_status_response r;
    assert_int_equal(rsvd_svhdx_tunnel_srb_status_response_decode(body, 25, &r),
                     RSVD_E_WIRE_VALUE);
    uint8_t out[64];
    size_t out_len = 0;
    rsvd_svhdx_tunnel_srb_status_response e = {.sense_info_ex_length = 21, .sense_data_ex = body};
    assert_int_equal(rsvd_svhdx_tunnel_srb_status_response_encode(&e, out, sizeof out, &out_len),
                     RSVD_E_INVAL);
    e.sense_info_ex_length = 0;
    e.srb_status = 0x80;
    assert_int_equal(rsvd_svhdx_tunnel_srb_status_response_encode(&e, out, sizeof out, &out_len),
                     RSVD_E_INVAL);
}

/* ---- the sizes the server's MaxOutputResponse checks use ----------------- */

static void response_sizes_match_the_spec_checks(void **state)
{
    (void)state;
    /* 3.2.5.5.1 */
    assert_int_equal(RSVD_TUNNEL_MESSAGE_SIZE(RSVD_SVHDX_TUNNEL_INITIAL_INFO_RESPONSE_SIZE), 40);
    /* 3.2.5.5.2 */
    assert_int_equal(RSVD_TUNNEL_MESSAGE_SIZE(RSVD_SVHDX_TUNNEL_CHECK_CONNECTION_RESPONSE_SIZE),
                     16);
    /* 3.2.5.5.3 */
    assert_int_equal(RSVD_TUNNEL_MESSAGE_SIZE(RSVD_SVHDX_TUNNEL_SRB_STATUS_RESPONSE_SIZE), 40);
    /* 3.2.5.5.4 */
    assert_int_equal(RSVD_TUNNEL_MESSAGE_SIZE(RSVD_SVHDX_TUNNEL_DISK_INFO_RESPONSE_SIZE), 72);
    /* 3.2.5.5.5 */
    assert_int_equal(RSVD_TUNNEL_MESSAGE_SIZE(RSVD_SVHDX_TUNNEL_SCSI_RESPONSE_SIZE), 52);
    /* 3.2.5.5.6 */
    assert_int_equal(RSVD_TUNNEL_MESSAGE_SIZE(RSVD_SVHDX_TUNNEL_VALIDATE_DISK_RESPONSE_SIZE), 17);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_v1_golden_vector_round_trips),
        cmocka_unit_test(header_only_operations_are_the_header_alone),
        cmocka_unit_test(initial_info_response_ex41_decodes_field_by_field),
        cmocka_unit_test(scsi_request_ex42_decodes_field_by_field),
        cmocka_unit_test(scsi_response_ex42_decodes_field_by_field),
        cmocka_unit_test(scsi_response_data_in_returns_the_data),
        cmocka_unit_test(scsi_request_data_out_carries_the_parameter_list),
        cmocka_unit_test(srb_status_request_decodes_status_key),
        cmocka_unit_test(srb_status_response_splits_auto_generated_bit_from_srb_status),
        cmocka_unit_test(srb_status_response_no_initiator_decodes_windows_sense),
        cmocka_unit_test(disk_info_request_and_response_decode_field_by_field),
        cmocka_unit_test(validate_disk_request_and_response_decode),
        cmocka_unit_test(scsi_request_decodes_semantic_violations_as_sent),
        cmocka_unit_test(scsi_request_shorter_than_36_bytes_is_short),
        cmocka_unit_test(scsi_request_data_buffer_is_the_bytes_present),
        cmocka_unit_test(scsi_response_sense_past_the_body_is_range),
        cmocka_unit_test(scsi_response_length_past_the_body_is_range),
        cmocka_unit_test(scsi_response_data_past_the_body_is_range),
        cmocka_unit_test(scsi_response_sense_length_above_20_is_value),
        cmocka_unit_test(scsi_response_length_below_the_sense_area_is_value),
        cmocka_unit_test(scsi_response_data_starts_at_length),
        cmocka_unit_test(scsi_response_encode_refuses_invalid_fields),
        cmocka_unit_test(scsi_response_encode_keeps_data_already_in_place),
        cmocka_unit_test(scsi_error_response_echoes_the_request_fixed_part),
        cmocka_unit_test(srb_status_response_sense_past_the_body_is_range),
        cmocka_unit_test(srb_status_response_sense_length_above_20_is_value),
        cmocka_unit_test(response_sizes_match_the_spec_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
