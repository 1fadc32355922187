/*
 * NTSTATUS names ([MS-ERREF] 2.3) and the MS-RSVD 2.2.3 code classes.
 */
#include <stdio.h>

#include <rsvd/status.h>

#include "wire/status_int.h"

struct status_name {
    uint32_t status;
    const char *name;
};

#define S(x) {RSVD_##x, #x}
static const struct status_name status_names[] = {
    S(STATUS_SUCCESS),
    S(STATUS_PENDING),
    S(STATUS_BUFFER_OVERFLOW),
    S(STATUS_UNSUCCESSFUL),
    S(STATUS_NOT_IMPLEMENTED),
    S(STATUS_INVALID_HANDLE),
    S(STATUS_INVALID_PARAMETER),
    S(STATUS_NO_SUCH_DEVICE),
    S(STATUS_INVALID_DEVICE_REQUEST),
    S(STATUS_END_OF_FILE),
    S(STATUS_ACCESS_DENIED),
    S(STATUS_BUFFER_TOO_SMALL),
    S(STATUS_OBJECT_NAME_INVALID),
    S(STATUS_OBJECT_NAME_NOT_FOUND),
    S(STATUS_OBJECT_NAME_COLLISION),
    S(STATUS_OBJECT_PATH_NOT_FOUND),
    S(STATUS_SHARING_VIOLATION),
    S(STATUS_FILE_LOCK_CONFLICT),
    S(STATUS_LOCK_NOT_GRANTED),
    S(STATUS_DELETE_PENDING),
    S(STATUS_DISK_FULL),
    S(STATUS_RANGE_NOT_LOCKED),
    S(STATUS_INSUFFICIENT_RESOURCES),
    S(STATUS_MEDIA_WRITE_PROTECTED),
    S(STATUS_DEVICE_NOT_READY),
    S(STATUS_IO_TIMEOUT),
    S(STATUS_FILE_FORCED_CLOSED),
    S(STATUS_NOT_SUPPORTED),
    S(STATUS_INVALID_NETWORK_RESPONSE),
    S(STATUS_NETWORK_NAME_DELETED),
    S(STATUS_INVALID_PARAMETER_1),
    S(STATUS_INVALID_PARAMETER_2),
    S(STATUS_INVALID_PARAMETER_3),
    S(STATUS_INVALID_PARAMETER_4),
    S(STATUS_INVALID_PARAMETER_5),
    S(STATUS_INVALID_PARAMETER_6),
    S(STATUS_FILE_CORRUPT_ERROR),
    S(STATUS_CANCELLED),
    S(STATUS_FILE_CLOSED),
    S(STATUS_IO_DEVICE_ERROR),
    S(STATUS_USER_SESSION_DELETED),
    S(STATUS_CONNECTION_DISCONNECTED),
    S(STATUS_DUPLICATE_OBJECTID),
    S(STATUS_NETWORK_SESSION_EXPIRED),
    S(STATUS_SERVER_UNAVAILABLE),
    S(STATUS_FILE_NOT_AVAILABLE),
    S(STATUS_SHARE_UNAVAILABLE),
    S(STATUS_CONTEXT_MISMATCH),
    S(STATUS_INVALID_SIGNATURE),
    S(STATUS_OFFLOAD_READ_FILE_NOT_SUPPORTED),
    S(STATUS_OFFLOAD_WRITE_FILE_NOT_SUPPORTED),
    S(STATUS_SVHDX_ERROR_NOT_AVAILABLE),
    S(STATUS_SVHDX_UNIT_ATTENTION_AVAILABLE),
    S(STATUS_SVHDX_UNIT_ATTENTION_CAPACITY_DATA_CHANGED),
    S(STATUS_SVHDX_UNIT_ATTENTION_RESERVATIONS_PREEMPTED),
    S(STATUS_SVHDX_UNIT_ATTENTION_RESERVATIONS_RELEASED),
    S(STATUS_SVHDX_UNIT_ATTENTION_REGISTRATIONS_PREEMPTED),
    S(STATUS_SVHDX_UNIT_ATTENTION_OPERATING_DEFINITION_CHANGED),
    S(STATUS_SVHDX_RESERVATION_CONFLICT),
    S(STATUS_SVHDX_WRONG_FILE_TYPE),
    S(STATUS_SVHDX_VERSION_MISMATCH),
    S(STATUS_VHD_SHARED),
    S(STATUS_CHANGE_TRACKING_NOT_INITIALIZED),
    S(STATUS_CHANGE_TRACKING_LOGSIZE_EXCEEDED_MAXSIZE),
    S(STATUS_CHANGE_TRACKING_VHD_CHANGED_OFFLINE),
    S(STATUS_CHANGE_TRACKING_INVALID_TRACKING_STATE),
    S(STATUS_CHANGE_TRACKING_INCONSISTENT_TRACKING_FILE),
};
#undef S

bool rsvd_status_is_error_stored(uint32_t status)
{
    return rsvd_status_stored_inline(status);
}

bool rsvd_status_is_rsvd_error(uint32_t status)
{
    return rsvd_status_rsvd_error_inline(status);
}

const char *rsvd_status_name(uint32_t status)
{
    if (rsvd_status_is_error_stored(status))
        return "STATUS_SVHDX_ERROR_STORED";
    for (size_t i = 0; i < sizeof status_names / sizeof status_names[0]; i++)
        if (status_names[i].status == status)
            return status_names[i].name;
    return NULL;
}

char *rsvd_status_format(uint32_t status, char *buf, size_t cap)
{
    if (!buf || cap == 0)
        return buf;
    const char *name = rsvd_status_name(status);
    if (rsvd_status_is_error_stored(status))
        (void)snprintf(buf, cap, "%s|0x%02X", name, (unsigned)(status & 0xFFu));
    else if (name)
        (void)snprintf(buf, cap, "%s", name);
    else
        (void)snprintf(buf, cap, "0x%08X", (unsigned)status);
    return buf;
}
