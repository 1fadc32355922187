/*
 * librsvd - MS-SMB2 open preservation: the server's engine for resilient
 * (FSCTL_LMR_REQUEST_RESILIENCY), durable v1/v2 and persistent opens
 * (rsvd/resilient_server.h) and the client's state machine
 * (rsvd/resilient_client.h).
 */
#ifndef RSVD_RESILIENT_H
#define RSVD_RESILIENT_H

#include <rsvd/resilient_client.h>
#include <rsvd/resilient_server.h>

#endif /* RSVD_RESILIENT_H */
