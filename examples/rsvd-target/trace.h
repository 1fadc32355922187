/*
 * rsvd-target: --pcap FILE - every message received and sent, written with
 * the library's pcap writer (rsvd/pcap.h) so that Wireshark shows each
 * connection as SMB2 over TCP port 445 (client addresses and ports as they
 * were; the server as 445).
 */
#ifndef RSVD_TARGET_TRACE_H
#define RSVD_TARGET_TRACE_H

#include "target.h"

/** Opens the capture. @return 0 or -1 (errno set). */
int tgt_trace_open(tgt_server *srv, const char *path);
void tgt_trace_close(tgt_server *srv);
/** A connection was accepted: its flow. */
void tgt_trace_conn_open(tgt_conn *c);
/** A frame (one message or a compound) went one way. */
void tgt_trace_message(tgt_conn *c, bool from_client, const uint8_t *msg, size_t len);
/** The connection ended: closed by the server, or lost (a reset). */
void tgt_trace_conn_end(tgt_conn *c, bool lost);

#endif /* RSVD_TARGET_TRACE_H */
