/*
 * Fuzz harness: the SCSI layer's decoders (rsvd/scsi.h): sense data, the
 * PERSISTENT RESERVE OUT parameter list, PERSISTENT RESERVE IN data and
 * READ CAPACITY data. Each accepted input must round-trip.
 */
#include <rsvd/scsi.h>
#include <rsvd/status.h>

#include "fuzz_common.h"

static int dec_sense(const uint8_t *b, size_t n, void *o)
{
    return rsvd_scsi_sense_decode(b, n, o);
}
static int enc_sense(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return rsvd_scsi_sense_encode(o, b, cap, len);
}

static int dec_prout(const uint8_t *b, size_t n, void *o)
{
    return rsvd_scsi_prout_params_decode(b, n, o);
}
static int enc_prout(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    *len = RSVD_SCSI_PROUT_PARAM_LEN;
    return rsvd_scsi_prout_params_encode(o, b, cap);
}

static int dec_keys(const uint8_t *b, size_t n, void *o)
{
    return rsvd_scsi_prin_keys_decode(b, n, o);
}
static int enc_keys(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    static uint64_t keys[FUZZ_MAX_MSG / 8];
    const rsvd_scsi_prin_keys *k = o;
    FUZZ_CHECK(k->num_keys <= sizeof keys / sizeof keys[0]);
    for (uint32_t i = 0; i < k->num_keys; i++)
        keys[i] = rsvd_scsi_prin_keys_get(k, i);
    return rsvd_scsi_prin_keys_encode(k->pr_generation, keys, k->num_keys, b, cap, len);
}

static int dec_res(const uint8_t *b, size_t n, void *o)
{
    return rsvd_scsi_prin_reservation_decode(b, n, o);
}
static int enc_res(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    return rsvd_scsi_prin_reservation_encode(o, b, cap, len);
}

static int dec_caps(const uint8_t *b, size_t n, void *o)
{
    return rsvd_scsi_prin_capabilities_decode(b, n, o);
}
static int enc_caps(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    *len = RSVD_SCSI_PRIN_CAPABILITIES_LEN;
    return rsvd_scsi_prin_capabilities_encode(o, b, cap);
}

static int dec_cap10(const uint8_t *b, size_t n, void *o)
{
    return rsvd_scsi_read_capacity10_decode(b, n, o);
}
static int enc_cap10(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    *len = RSVD_SCSI_READ_CAPACITY10_LEN;
    return rsvd_scsi_read_capacity10_encode(o, b, cap);
}

static int dec_cap16(const uint8_t *b, size_t n, void *o)
{
    return rsvd_scsi_read_capacity16_decode(b, n, o);
}
static int enc_cap16(const void *o, uint8_t *b, size_t cap, size_t *len)
{
    *len = RSVD_SCSI_READ_CAPACITY16_LEN;
    return rsvd_scsi_read_capacity16_encode(o, b, cap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_MSG)
        size = FUZZ_MAX_MSG;
    fuzz_round_trip(data, size, dec_sense, enc_sense, sizeof(rsvd_scsi_sense));
    fuzz_round_trip(data, size, dec_prout, enc_prout, sizeof(rsvd_scsi_prout_params));
    fuzz_round_trip(data, size, dec_keys, enc_keys, sizeof(rsvd_scsi_prin_keys));
    fuzz_round_trip(data, size, dec_res, enc_res, sizeof(rsvd_scsi_prin_reservation));
    fuzz_round_trip(data, size, dec_caps, enc_caps, sizeof(rsvd_scsi_prin_capabilities));
    fuzz_round_trip(data, size, dec_cap10, enc_cap10, sizeof(rsvd_scsi_capacity));
    fuzz_round_trip(data, size, dec_cap16, enc_cap16, sizeof(rsvd_scsi_capacity));

    /* Every unit attention maps to one of the MS-RSVD 2.2.3 codes. */
    rsvd_scsi_sense s;
    if (rsvd_scsi_sense_decode(data, size, &s) == RSVD_OK) {
        uint32_t st = rsvd_scsi_sense_ua_status(&s);
        if (s.key == RSVD_SCSI_SENSE_UNIT_ATTENTION)
            FUZZ_CHECK(st >= RSVD_STATUS_SVHDX_UNIT_ATTENTION_AVAILABLE &&
                       st <= RSVD_STATUS_SVHDX_UNIT_ATTENTION_OPERATING_DEFINITION_CHANGED);
        else
            FUZZ_CHECK(st == RSVD_STATUS_SUCCESS);
    }
    return 0;
}
