/*
 * rsvd-target: IOCTL ([MS-SMB2] 3.3.5.15): resiliency (the resilient
 * server's), VALIDATE_NEGOTIATE_INFO (3.3.5.15.12), network interfaces
 * (3.3.5.15.11), and the RSVD FSCTLs (3.3.5.15.15, 3.3.5.15.16, the RSVD
 * servers').
 */
#include <arpa/inet.h>
#include <string.h>

#include "preserve.h"
#include "smb2_negotiate.h"
#include "target.h"
#include "shared_disk.h"
#include <rsvd/fscc.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire.h>
#include <rsvd/wire_smb2.h>

/* NETWORK_INTERFACE_INFO ([MS-SMB2] 2.2.32.5): 152 bytes each. */
#define NETWORK_INTERFACE_INFO_SIZE 152u

/* [MS-SMB2] 3.3.5.15.11: one interface, the address clients reach. */
static void network_interfaces(tgt_req *r, const rsvd_smb2_ioctl_req *q)
{
    if (q->max_output_response < NETWORK_INTERFACE_INFO_SIZE) {
        tgt_req_fail(r, RSVD_STATUS_BUFFER_TOO_SMALL);
        return;
    }
    uint8_t info[NETWORK_INTERFACE_INFO_SIZE];
    struct in_addr a;
    if (inet_pton(AF_INET, r->srv->cfg->listen_host, &a) != 1)
        a.s_addr = htonl(INADDR_LOOPBACK);
    rsvd_wr w;
    rsvd_wr_init(&w, info, sizeof info);
    rsvd_wr_u32(&w, 0);                  /* Next: the last entry */
    rsvd_wr_u32(&w, 1);                  /* IfIndex */
    rsvd_wr_u32(&w, 0);                  /* Capability: neither RSS nor RDMA */
    rsvd_wr_u32(&w, 0);                  /* Reserved */
    rsvd_wr_u64(&w, 1000000000ull);      /* LinkSpeed: 1 Gb/s */
    rsvd_wr_u16(&w, 0x0002);             /* SockAddr_Storage: Family InterNetwork */
    rsvd_wr_u16(&w, 0);                  /* Port */
    rsvd_wr_bytes(&w, &a.s_addr, 4);     /* IPv4Address, network order */
    rsvd_wr_zeros(&w, 8);                /* Reserved */
    rsvd_wr_zeros(&w, 128 - 16);         /* the rest of SOCKADDR_STORAGE */
    rsvd_smb2_ioctl_rsp m;
    memset(&m, 0, sizeof m);
    m.hdr = tgt_rsp_hdr(r, RSVD_STATUS_SUCCESS);
    m.ctl_code = q->ctl_code;
    m.file_id = q->file_id;
    m.input_offset = RSVD_SMB2_IOCTL_RSP_BUFFER_OFFSET;
    m.output_offset = RSVD_SMB2_IOCTL_RSP_BUFFER_OFFSET;
    m.output_count = sizeof info;
    m.output = info;
    if (tgt_req_reserve(r, 512, 0) != 0) {
        tgt_req_fail(r, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        return;
    }
    size_t len = 0;
    tgt_req_encoded(r, rsvd_smb2_ioctl_rsp_encode(&m, r->rsp, r->rsp_cap, &len), &len);
}

static bool all_ff(const rsvd_smb2_fileid *f)
{
    return f->persistent_id == UINT64_MAX && f->volatile_id == UINT64_MAX;
}

void tgt_cmd_ioctl(tgt_req *r)
{
    /* FSCTL_LMR_REQUEST_RESILIENCY belongs to the resilient server, which
     * checks it ([MS-SMB2] 3.3.5.15, 3.3.5.15.9) and writes the answer. */
    if (tgt_preserve_ioctl(r->srv->pres, r))
        return;
    rsvd_smb2_ioctl_req q;
    if (rsvd_smb2_ioctl_req_decode(r->msg, r->len, &q) != RSVD_OK) {
        tgt_req_fail(r, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    r->ctl_code = q.ctl_code;
    r->file_id = q.file_id;
    /* [MS-SMB2] 3.3.5.15, in its order. */
    if (q.flags != RSVD_SMB2_0_IOCTL_IS_FSCTL) {
        tgt_req_fail(r, RSVD_STATUS_NOT_SUPPORTED);
        return;
    }
    uint32_t max = r->srv->cfg->limits.max_io; /* Connection.MaxTransactSize */
    if (q.input_count > max || q.max_input_response > max || q.max_output_response > max) {
        tgt_req_fail(r, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    switch (q.ctl_code) {
    case RSVD_FSCTL_VALIDATE_NEGOTIATE_INFO:
        tgt_validate_negotiate(r, &q);
        return;
    case RSVD_FSCTL_QUERY_NETWORK_INTERFACE_INFO:
        if (!all_ff(&q.file_id))
            tgt_req_fail(r, RSVD_STATUS_INVALID_PARAMETER);
        else if (!(r->conn->server_capabilities & TGT_CAP_MULTI_CHANNEL))
            tgt_req_fail(r, RSVD_STATUS_NOT_SUPPORTED);
        else
            network_interfaces(r, &q);
        return;
    case RSVD_FSCTL_DFS_GET_REFERRALS:
    case RSVD_FSCTL_DFS_GET_REFERRALS_EX:
        tgt_req_fail(r, TGT_STATUS_FS_DRIVER_REQUIRED); /* 3.3.5.15.2: not a DFS server */
        return;
    case RSVD_FSCTL_PIPE_WAIT:
        tgt_req_fail(r, RSVD_STATUS_NOT_SUPPORTED);
        return;
    default:
        break;
    }
    tgt_open *o = tgt_req_open(r, &q.file_id);
    if (!o) {
        tgt_req_fail(r, r->open_status);
        return;
    }
    switch (q.ctl_code) {
    case RSVD_FSCTL_QUERY_SHARED_VIRTUAL_DISK_SUPPORT:
        /* [MS-SMB2] 3.3.5.15.16: on any open, with Open.LocalOpen (0: not an
         * RSVD open) and Open.FileName. */
        tgt_vdisk_query_support(o->share->vdisk, r, &q);
        return;
    case RSVD_FSCTL_SVHDX_SYNC_TUNNEL_REQUEST:
    case RSVD_FSCTL_SVHDX_ASYNC_TUNNEL_REQUEST:
        if (!o->svhdx) { /* [MS-SMB2] 3.3.5.15.15: Open.IsSharedVHDX FALSE */
            tgt_req_fail(r, RSVD_STATUS_INVALID_DEVICE_REQUEST);
            return;
        }
        break;
    default:
        if (!o->svhdx) { /* the host's files support no other FSCTL */
            tgt_req_fail(r, RSVD_STATUS_INVALID_DEVICE_REQUEST);
            return;
        }
        break;
    }
    /* [MS-SMB2] 3.3.5.2.12: on a shared-disk open the RSVD server answers
     * (tunnel operations, OFFLOAD_READ/WRITE, pass-through FSCTLs). */
    tgt_vdisk_ioctl(o->share->vdisk, r, &q);
}
