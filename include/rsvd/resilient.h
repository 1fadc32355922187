/*
 * librsvd - MS-SMB2 resilient handles (FSCTL_LMR_REQUEST_RESILIENCY), both
 * roles: the server's state machine (rsvd/resilient_server.h) and the
 * client's (rsvd/resilient_client.h).
 */
#ifndef RSVD_RESILIENT_H
#define RSVD_RESILIENT_H

#include <rsvd/resilient_client.h>
#include <rsvd/resilient_server.h>

#endif /* RSVD_RESILIENT_H */
