/*
 * rsvd-target: the clocks - a monotonic millisecond clock that drives the
 * library's timers, and FILETIMEs ([MS-DTYP] 2.3.3: 100 ns since 1601).
 */
#ifndef RSVD_TARGET_TIMEUTIL_H
#define RSVD_TARGET_TIMEUTIL_H

#include <stdint.h>

uint64_t tgt_now_ms(void);
uint64_t tgt_filetime_now(void);
uint64_t tgt_filetime_from_timespec(int64_t sec, long nsec);

#endif /* RSVD_TARGET_TIMEUTIL_H */
