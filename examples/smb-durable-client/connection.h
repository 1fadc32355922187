/*
 * smb-durable-client: one SMB2 client over TCP and what it asks of
 * librsvd's client of preserved opens. The host part - the socket,
 * NEGOTIATE, SESSION_SETUP, TREE_CONNECT, WRITE, READ, CLOSE, LOGOFF - is
 * here; every decision about the open's preservation, and every
 * MessageId and ChannelSequence, is the library's.
 */
#ifndef SMB_DURABLE_CLIENT_CONNECTION_H
#define SMB_DURABLE_CLIENT_CONNECTION_H

#include <stdbool.h>
#include <stdint.h>

#include <rsvd/rsvd.h>

/** The largest message exchanged. */
#define CLIENT_MSG_MAX (65536u + 512u)
/** client_connect(): GSSAPI has no NTLMSSP mechanism. */
#define CLIENT_NO_NTLMSSP 2
/** client_reclaim(): the library gave the open up (its time is over). */
#define CLIENT_GIVEN_UP 0xFFFFFFFEu

/** Where the client goes, and as whom. */
typedef struct client_target {
    const char *server;   /**< host name or address */
    int port;             /**< TCP port */
    const char *share;    /**< share name */
    const char *user;     /**< user ("guest" or any unknown one: the guest) */
    const char *password; /**< password */
    const char *domain;   /**< domain, "" for none */
} client_target;

typedef struct client {
    rsvd_res_client *cli;     /**< librsvd's client of preserved opens */
    const client_target *t;
    rsvd_guid client_guid;    /**< the same on every connection */
    int fd;                   /**< the socket, -1 while down */
    uint64_t conn, sess, tree; /**< their handles in the library */
    uint16_t dialect;
    uint32_t server_capabilities;
    uint32_t share_capabilities;
    uint64_t session_id;
    uint32_t tree_id;
    bool guest;               /**< SMB2_SESSION_FLAG_IS_GUEST */
    uint64_t open;            /**< the open's handle in the library (0: none) */
    bool lost;                /**< the library gave the open up */
    char reclaim_context[8];  /**< the context of the last reclaim ("DH2C") */
    uint8_t req[CLIENT_MSG_MAX];
    uint8_t rsp[CLIENT_MSG_MAX];
    size_t rsp_len;
} client;

/** @return a monotonic clock in milliseconds. */
uint64_t client_now_ms(void);

/** Creates the library's client; @p random makes CreateGuids. @return 0. */
int client_init(client *c, const client_target *t, int (*random)(void *, size_t, void *));
void client_fini(client *c);

/** Connects, negotiates (3.0.2 at most), sets up a session (with
 * @p previous_session_id when re-establishing) and connects the share;
 * registers each with the library. @return 0, CLIENT_NO_NTLMSSP, or -1
 * (@p err says why). */
int client_connect(client *c, uint64_t previous_session_id, char *err, size_t errlen);

/** The connection dies: closed with a TCP RST, reported to the library
 * ([MS-SMB2] 3.2.7.1). */
void client_drop(client *c);

/** The library's CREATE with a durable request (rsvd_res_client_create). */
uint32_t client_create_durable(client *c, const char *name, uint32_t access, uint32_t disposition);

/** The open as the library has it. @return false when there is none. */
bool client_open_info(const client *c, rsvd_res_client_open_info *info);

/** WRITE and READ at @p offset (the host's requests, replayed on
 * STATUS_FILE_NOT_AVAILABLE as the library says). */
uint32_t client_write(client *c, uint64_t offset, const uint8_t *data, uint32_t len,
                      uint32_t *count);
uint32_t client_read(client *c, uint64_t offset, uint8_t *buf, uint32_t len, uint32_t *got);

/** FSCTL_LMR_REQUEST_RESILIENCY (the library's request): its status. */
uint32_t client_request_resiliency(client *c, uint32_t timeout_ms);

/** The library's reclaim of the detached open on the current tree connect
 * ([MS-SMB2] 3.2.4.4); CLIENT_GIVEN_UP when its time is over. */
uint32_t client_reclaim(client *c);

/** CLOSE (the library forgets the open) and LOGOFF. */
uint32_t client_close(client *c);
uint32_t client_logoff(client *c);

#endif /* SMB_DURABLE_CLIENT_CONNECTION_H */
