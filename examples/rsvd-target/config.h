/*
 * rsvd-target: the command line (rsvd-target(1)).
 */
#ifndef RSVD_TARGET_CONFIG_H
#define RSVD_TARGET_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TGT_MAX_SHARES 16u
#define TGT_SHARE_NAME_MAX 81u /* 80 characters, as Windows allows */
#define TGT_PATH_MAX 4096u

typedef struct tgt_share_config {
    char name[TGT_SHARE_NAME_MAX];
    char dir[TGT_PATH_MAX];
    bool ca; /* continuously available */
} tgt_share_config;

/** The limits, each with its option. */
typedef struct tgt_limits {
    uint32_t max_connections; /* --max-connections */
    uint32_t max_sessions;    /* --max-sessions (the whole server) */
    uint32_t max_opens;       /* --max-opens (the whole server) */
    uint32_t max_io;          /* --max-io: MaxReadSize, MaxWriteSize, MaxTransactSize */
    uint32_t max_message;     /* --max-message: the largest frame accepted */
    uint32_t max_credits;     /* --max-credits: credits a connection may hold */
    uint32_t max_pending;     /* --max-pending: async requests per connection */
} tgt_limits;

#define TGT_DEFAULT_MAX_CONNECTIONS 64u
#define TGT_DEFAULT_MAX_SESSIONS 256u
#define TGT_DEFAULT_MAX_OPENS 4096u
#define TGT_DEFAULT_MAX_IO (1u << 20)
#define TGT_DEFAULT_MAX_CREDITS 512u
#define TGT_DEFAULT_MAX_PENDING 256u
/* Room for a header, a fixed part and a compound's other members. */
#define TGT_MESSAGE_OVERHEAD 65536u
#define TGT_DEFAULT_OPLOCK_BREAK_TIMEOUT_MS 35000u

typedef struct tgt_config {
    char listen_host[256];
    uint16_t listen_port;
    tgt_share_config shares[TGT_MAX_SHARES];
    size_t nshares;
    const char *users_file;
    bool guest;
    const char *disk_uri;
    const char *pcap_path;
    const char *state_path; /* --state: the TDB state store; NULL: in memory */
    bool multichannel;
    tgt_limits limits;
    uint32_t oplock_break_timeout_ms;
    uint32_t resiliency_max_ms; /* 0: the library's default */
    bool verbose;
} tgt_config;

/**
 * Parses the command line into @p cfg.
 * @return 0 (run), 1 (--help or --version printed: exit 0), or -1 (an
 * error, written into @p err).
 */
int tgt_config_from_args(int argc, char **argv, tgt_config *cfg, char *err, size_t errcap);

/** Writes the usage text. */
void tgt_config_usage(const char *prog, void *stream);

#endif /* RSVD_TARGET_CONFIG_H */
