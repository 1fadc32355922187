/*
 * Commands against any rsvd_scsi_disk_ops backend for the integration tests
 * (cmocka): opens per initiator, CDBs built with rsvd/scsi.h, and a wait
 * that runs an asynchronous backend's event loop.
 */
#ifndef RSVD_IT_DISK_H
#define RSVD_IT_DISK_H

#include <rsvd/backend.h>
#include <rsvd/scsi.h>
#include <rsvd/status.h>

#include "testutil.h"

typedef struct it_dev {
    const rsvd_scsi_disk_ops *ops;
    void *ctx;
    /** Runs the backend's event loop once (NULL: it completes at once). */
    void (*pump)(void *pump_ctx);
    void *pump_ctx;
    tu_capture cap;
    /** Handles it_open() opened and it_close() did not close yet. */
    void *open[16];
} it_dev;

/** The InitiatorId of test initiator @p n (1..255). */
rsvd_guid it_initiator(uint8_t n);

/** Waits for the call issued with d->cap and fails the test unless it was
 * completed exactly once. */
rsvd_io_result it_wait(it_dev *d);

/** Opens for initiator @p n (0: without an initiator); the result. */
rsvd_io_result it_open_r(it_dev *d, uint8_t n);
/** Opens and asserts success. */
void *it_open(it_dev *d, uint8_t n);
void it_close(it_dev *d, void *h);
/** Closes what a failed test left open (for teardowns). */
void it_close_all(it_dev *d);

rsvd_io_result it_exec(it_dev *d, void *h, const uint8_t *cdb, int cdb_len, const uint8_t *out,
                       uint32_t out_len, uint8_t *in, uint32_t in_cap);
rsvd_io_result it_prout(it_dev *d, void *h, enum rsvd_scsi_prout_action sa, uint8_t type,
                        uint64_t key, uint64_t sa_key);
rsvd_io_result it_tur(it_dev *d, void *h);
rsvd_io_result it_read16(it_dev *d, void *h, uint64_t lba, uint32_t blocks, uint8_t *buf,
                         uint32_t cap);
rsvd_io_result it_write16(it_dev *d, void *h, uint64_t lba, uint32_t blocks, const uint8_t *buf,
                          uint32_t len, uint8_t flags);
rsvd_io_result it_smb_read(it_dev *d, void *h, uint64_t off, uint8_t *buf, uint32_t len);
rsvd_io_result it_smb_write(it_dev *d, void *h, uint64_t off, const uint8_t *buf, uint32_t len);
/** READ KEYS: the number of keys (asserts GOOD). */
uint32_t it_read_keys(it_dev *d, void *h);
/** READ RESERVATION (asserts GOOD). */
rsvd_scsi_prin_reservation it_read_reservation(it_dev *d, void *h);

/** @name Assertions on an outcome
 * @{ */
void it_assert_good(rsvd_io_result r);
/** STATUS_SUCCESS, RESERVATION CONFLICT, SRB_STATUS_ERROR, no sense. */
void it_assert_conflict(rsvd_io_result r);
/** A unit attention reported with @p status and sense key 6, ASC/ASCQ @p ascq. */
void it_assert_ua(rsvd_io_result r, uint32_t status, uint16_t ascq);
/** CHECK CONDITION with sense key @p key and ASC/ASCQ @p ascq, status SUCCESS. */
void it_assert_check(rsvd_io_result r, uint8_t key, uint16_t ascq);
/** @} */

#endif /* RSVD_IT_DISK_H */
