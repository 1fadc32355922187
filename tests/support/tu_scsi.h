/*
 * Helpers for the virtual SCSI disk tests (cmocka): a disk over a memory
 * block source, opens per initiator, commands built with rsvd/scsi.h, and
 * assertions on the outcome.
 */
#ifndef RSVD_TU_SCSI_H
#define RSVD_TU_SCSI_H

#include <rsvd/scsi.h>
#include <rsvd/scsi_disk.h>
#include <rsvd/status.h>

#include "testutil.h"
#include "tu_memblock.h"

typedef struct tu_disk {
    tu_memblock mb;
    rsvd_scsi_disk *disk;
    rsvd_scsi_disk_set *set;
    const rsvd_scsi_disk_ops *ops;
} tu_disk;

/** The disk id every test disk gets. */
extern const rsvd_guid tu_disk_id;

/** Creates a disk of @p blocks blocks of @p lbs bytes (physical @p pbs) under
 * the name "disk.vhdx"; @p max_registrants 0 takes the default. */
void tu_disk_init(tu_disk *t, uint64_t blocks, uint32_t lbs, uint32_t pbs,
                  uint32_t max_registrants);
/** The usual test disk: 2048 blocks of 512 bytes, 4096-byte physical sectors. */
void tu_disk_init_default(tu_disk *t);
void tu_disk_fini(tu_disk *t);

/** The InitiatorId of test initiator @p n (1..255). */
rsvd_guid tu_initiator(uint8_t n);

/** Opens the disk for initiator @p n (0: an open without an initiator). */
void *tu_open(tu_disk *t, uint8_t n);
void tu_close(tu_disk *t, void *h);

/** Executes a CDB; @p out/@p out_len data out, @p in/@p in_cap data in. */
rsvd_io_result tu_exec(tu_disk *t, void *h, const uint8_t *cdb, int cdb_len, const uint8_t *out,
                       uint32_t out_len, uint8_t *in, uint32_t in_cap);

/** A CDB-only command (no data). */
rsvd_io_result tu_exec0(tu_disk *t, void *h, const uint8_t *cdb, int cdb_len);

/** PERSISTENT RESERVE OUT with the basic parameter list. */
rsvd_io_result tu_prout(tu_disk *t, void *h, enum rsvd_scsi_prout_action sa, uint8_t type,
                        uint64_t key, uint64_t sa_key);

/** TEST UNIT READY. */
rsvd_io_result tu_tur(tu_disk *t, void *h);

/** READ(16)/WRITE(16) of @p blocks blocks at @p lba through @p buf. */
rsvd_io_result tu_read16(tu_disk *t, void *h, uint64_t lba, uint32_t blocks, uint8_t *buf,
                         uint32_t cap);
rsvd_io_result tu_write16(tu_disk *t, void *h, uint64_t lba, uint32_t blocks, const uint8_t *buf,
                          uint32_t len);

/** SMB2 READ/WRITE on the disk handle (the backend's read/write functions). */
rsvd_io_result tu_smb_read(tu_disk *t, void *h, uint64_t off, uint8_t *buf, uint32_t len);
rsvd_io_result tu_smb_write(tu_disk *t, void *h, uint64_t off, const uint8_t *buf, uint32_t len);

/** READ KEYS: fills @p keys (up to @p max) and returns the number of keys;
 * *gen (if not NULL) receives PRgeneration. */
uint32_t tu_read_keys(tu_disk *t, void *h, uint64_t *keys, uint32_t max, uint32_t *gen);

/** READ RESERVATION. */
rsvd_scsi_prin_reservation tu_read_reservation(tu_disk *t, void *h);

/** @name Assertions on an outcome
 * @{ */
void tu_assert_good(rsvd_io_result r);
void tu_assert_conflict(rsvd_io_result r);
/** CHECK CONDITION with these sense key and (ASC << 8 | ASCQ), status SUCCESS. */
void tu_assert_check(rsvd_io_result r, uint8_t key, uint16_t ascq);
/** A unit attention reported with @p status and sense 6/(ascq). */
void tu_assert_ua(rsvd_io_result r, uint32_t status, uint16_t ascq);
/** @} */

#endif /* RSVD_TU_SCSI_H */
