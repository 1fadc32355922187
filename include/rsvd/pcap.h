/*
 * librsvd - a pcap writer for SMB2 traces that Wireshark and tshark read.
 *
 * Each SMB2 message is written as NBSS (Direct TCP transport, [MS-SMB2] 2.1)
 * over TCP port 445 over IPv4 over Ethernet, with consistent addresses,
 * ports, sequence and acknowledgement numbers per flow, a three-way handshake
 * before a flow's first message and correct IPv4 and TCP checksums. Messages
 * larger than one segment are split into several TCP segments, which
 * Wireshark reassembles.
 *
 * The writer does no I/O of its own: every byte goes through the host's
 * write callback, and timestamps are arguments.
 */
#ifndef RSVD_PCAP_H
#define RSVD_PCAP_H

#include <rsvd/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @file
 * @brief Writing SMB2 messages into a pcap capture (NBSS over TCP port 445).
 */

/**
 * Write callback: stores @p len bytes. @return 0 on success, non-zero on
 * failure (the writer then reports RSVD_E_IO).
 */
typedef int (*rsvd_pcap_write_fn)(void *ctx, const void *data, size_t len);

/** A pcap output. Initialise with rsvd_pcap_begin(). */
typedef struct rsvd_pcap {
    rsvd_pcap_write_fn write; /**< private */
    void *ctx;                /**< private */
    uint32_t max_segment;     /**< largest TCP payload per frame: 65000 after
                               * rsvd_pcap_begin(); a host may set it between
                               * 5 and 65495 (the IPv4 limit) to split messages
                               * into more frames; outside that range
                               * rsvd_pcap_write_smb2() fails with RSVD_E_INVAL */
} rsvd_pcap;

/** One TCP connection between an SMB2 client and server. */
typedef struct rsvd_pcap_flow {
    /** Client IPv4 address in network order (a.b.c.d is {a, b, c, d}). */
    uint8_t client_ip[4];
    /** Server IPv4 address in network order. */
    uint8_t server_ip[4];
    /** Client TCP port. */
    uint16_t client_port;
    uint16_t server_port; /**< 445 */
    uint32_t client_seq;  /**< next sequence number the client sends (private) */
    uint32_t server_seq;  /**< next sequence number the server sends (private) */
    bool established;     /**< handshake written (private) */
} rsvd_pcap_flow;

/**
 * Starts a capture: writes the pcap global header (microsecond timestamps,
 * Ethernet link type) through @p write.
 * @return RSVD_OK, RSVD_E_INVAL or RSVD_E_IO.
 */
RSVD_API int rsvd_pcap_begin(rsvd_pcap *p, rsvd_pcap_write_fn write, void *ctx);

/**
 * Describes a flow from @p client_ip:@p client_port to @p server_ip:445.
 * Initial sequence numbers are derived from the addresses, so a capture is
 * reproducible byte for byte.
 */
RSVD_API void rsvd_pcap_flow_init(rsvd_pcap_flow *f, const uint8_t client_ip[4],
                                  uint16_t client_port, const uint8_t server_ip[4]);

/**
 * Writes one SMB2 message (starting at its SMB2 header) sent by the client
 * (@p from_client) or by the server on flow @p f at @p time_us microseconds
 * since the epoch. The first message of a flow is preceded by a handshake.
 * @return RSVD_OK, RSVD_E_INVAL (message over the 24-bit NBSS limit, or
 * max_segment out of range) or
 * RSVD_E_IO.
 */
RSVD_API int rsvd_pcap_write_smb2(rsvd_pcap *p, rsvd_pcap_flow *f, bool from_client,
                                  const uint8_t *msg, size_t len, uint64_t time_us);

/**
 * Ends flow @p f with FIN/ACK in both directions (a dropped connection can
 * be shown by not calling this, or by calling rsvd_pcap_reset()). A flow
 * that carries no connection in the capture - no message written yet, or
 * already ended - gets nothing. A message written after the end starts a
 * new connection on the same addresses and ports, with its handshake.
 * @return RSVD_OK, RSVD_E_INVAL (NULL argument) or RSVD_E_IO.
 */
RSVD_API int rsvd_pcap_close(rsvd_pcap *p, rsvd_pcap_flow *f, uint64_t time_us);

/**
 * Ends flow @p f abruptly: an RST from the client, as seen when a
 * connection is lost. As for rsvd_pcap_close(), a flow without a
 * connection in the capture gets nothing. @return RSVD_OK, RSVD_E_INVAL
 * (NULL argument) or RSVD_E_IO.
 */
RSVD_API int rsvd_pcap_reset(rsvd_pcap *p, rsvd_pcap_flow *f, uint64_t time_us);

#ifdef __cplusplus
}
#endif

#endif /* RSVD_PCAP_H */
