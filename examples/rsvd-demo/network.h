/*
 * rsvd-demo: the "network" between the hosts and the file server.
 *
 * Every host reaches the server over its own TCP connection. Here a
 * connection is two in-memory byte streams carrying SMB2 messages in NBSS
 * frames (the Direct TCP transport of [MS-SMB2] 2.1: a zero byte and a
 * 24-bit length before each message), and every message is also written
 * into the pcap as it would appear on the network: NBSS over TCP port 445,
 * one TCP flow per connection with its own address, port and sequence
 * numbers (rsvd/pcap.h). A dropped connection is written as an RST; a
 * reconnect is a new flow from a new port.
 *
 * The wire also keeps the demo's clock: every frame takes 100 microseconds,
 * and the scenario moves the clock on explicitly (demo_wire_advance()).
 */
#ifndef DEMO_NETWORK_H
#define DEMO_NETWORK_H

#include <stdio.h>

#include <rsvd/rsvd.h>

#include "smb2_dispatch.h"

typedef struct demo_wire demo_wire;
typedef struct demo_link demo_link;

/**
 * Creates the network, writing a capture to @p pcap_path (NULL: none),
 * with the clock at @p start_ms (milliseconds since 1970).
 * @return RSVD_OK, RSVD_E_IO (the file could not be created; @p err says
 * why) or RSVD_E_NOMEM.
 */
int demo_wire_new(const char *pcap_path, uint64_t start_ms, demo_wire **out, char *err,
                  size_t errcap);

/** Closes the capture and frees the network; every link must be freed. */
void demo_wire_free(demo_wire *w);

/** The server that answers every link (set before the first link opens). */
void demo_wire_set_server(demo_wire *w, smb2_dispatch *srv);

/** The server's send callback (smb2_dispatch_config.send): @p ctx is the
 * wire, @p conn_ctx the link. */
void demo_wire_server_send(void *ctx, void *conn_ctx, const uint8_t *msg, size_t len);

/** The clock (smb2_dispatch_config.now_ms): @p ctx is the wire. */
uint64_t demo_wire_clock(void *ctx);

/** @return the demo's clock in milliseconds. */
uint64_t demo_wire_now_ms(const demo_wire *w);
/** Moves the clock on by @p ms. */
void demo_wire_advance(demo_wire *w, uint64_t ms);

/** Messages written so far, and capture errors (0 when all went well). */
typedef struct demo_wire_stats {
    uint32_t to_server;  /**< requests sent */
    uint32_t to_client;  /**< responses delivered */
    uint32_t lost;       /**< responses the network lost (after a cut) */
    uint32_t flows;      /**< TCP connections */
    uint32_t resets;     /**< connections dropped (RST) */
    int pcap_error;      /**< first rsvd_pcap_* error, RSVD_OK if none */
} demo_wire_stats;

void demo_wire_get_stats(const demo_wire *w, demo_wire_stats *out);

/**
 * A host at @p ip connects from the next free port, and the server's host
 * code completes NEGOTIATE (@p dialect), SESSION_SETUP (@p session_id,
 * user @p user) and TREE_CONNECT (@p tree_id) - not shown in the capture,
 * which starts at the first message librsvd is involved in.
 * @p label names the host in the server's events.
 * @return RSVD_OK or an rsvd_error.
 */
int demo_link_open(demo_wire *w, const uint8_t ip[4], const char *label, uint16_t dialect,
                   uint64_t session_id, const void *user, size_t user_len, uint32_t tree_id,
                   demo_link **out);

/** The link's label. */
const char *demo_link_label(const demo_link *l);
/** The link's TCP port. */
uint16_t demo_link_port(const demo_link *l);

/** Sends one SMB2 message to the server, which processes it at once.
 * @return RSVD_OK or RSVD_E_STATE (the link is down). */
int demo_link_send(demo_link *l, const uint8_t *msg, size_t len);

/** Takes the next response the server sent on this link out of its NBSS
 * frame. @return RSVD_OK, RSVD_E_AGAIN (nothing has arrived),
 * RSVD_E_NOSPC or RSVD_E_WIRE_VALUE (a frame that is not NBSS). */
int demo_link_recv(demo_link *l, uint8_t *buf, size_t cap, size_t *len);

/** The network fails between the host and the server: what the server
 * sends from now on never arrives. */
void demo_link_cut(demo_link *l);

/** The connection is lost: an RST in the capture, the server is told. */
void demo_link_drop(demo_link *l);

/** The host closes the connection: FIN in the capture, the server is told. */
void demo_link_close(demo_link *l);

/** Frees a link that was dropped or closed. */
void demo_link_free(demo_link *l);

#endif /* DEMO_NETWORK_H */
