/*
 * pcap writer: SMB2 messages as NBSS over TCP/445 over IPv4 over Ethernet.
 */
#include <rsvd/pcap.h>
#include <rsvd/wire.h>

#define PCAP_MAGIC_USEC 0xA1B2C3D4u
#define LINKTYPE_ETHERNET 1u
#define ETH_HDR 14u
#define IP_HDR 20u
#define TCP_HDR 20u
#define FRAME_HDRS (ETH_HDR + IP_HDR + TCP_HDR)
#define NBSS_HDR 4u
#define NBSS_MAX_LEN 0x00FFFFFFu
#define SMB2_TCP_PORT 445u
/* IPv4 total length is 16 bits: 65535 - IPv4 and TCP headers. */
#define RSVD_PCAP_MAX_SEGMENT_LIMIT (65535u - IP_HDR - TCP_HDR)

enum { TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_RST = 0x04, TCP_PSH = 0x08, TCP_ACK = 0x10 };

static int emit(rsvd_pcap *p, const void *data, size_t len)
{
    return p->write(p->ctx, data, len) == 0 ? RSVD_OK : RSVD_E_IO;
}

int rsvd_pcap_begin(rsvd_pcap *p, rsvd_pcap_write_fn write, void *ctx)
{
    if (!p || !write)
        return RSVD_E_INVAL;
    p->write = write;
    p->ctx = ctx;
    p->max_segment = 65000u; /* below the IPv4 total-length limit */
    uint8_t hdr[24];
    rsvd_wr w;
    rsvd_wr_init(&w, hdr, sizeof hdr);
    rsvd_wr_u32(&w, PCAP_MAGIC_USEC);
    rsvd_wr_u16(&w, 2); /* version 2.4 */
    rsvd_wr_u16(&w, 4);
    rsvd_wr_u32(&w, 0); /* thiszone */
    rsvd_wr_u32(&w, 0); /* sigfigs */
    rsvd_wr_u32(&w, 262144u); /* snaplen */
    rsvd_wr_u32(&w, LINKTYPE_ETHERNET);
    return emit(p, hdr, sizeof hdr);
}

void rsvd_pcap_flow_init(rsvd_pcap_flow *f, const uint8_t client_ip[4], uint16_t client_port,
                         const uint8_t server_ip[4])
{
    for (int i = 0; i < 4; i++) {
        f->client_ip[i] = client_ip[i];
        f->server_ip[i] = server_ip[i];
    }
    f->client_port = client_port;
    f->server_port = SMB2_TCP_PORT;
    uint32_t h = 2166136261u; /* FNV-1a over the 4-tuple: reproducible ISNs */
    for (int i = 0; i < 4; i++)
        h = (h ^ client_ip[i]) * 16777619u;
    h = (h ^ client_port) * 16777619u;
    f->client_seq = h;
    f->server_seq = h * 2654435761u;
    f->established = false;
}

/* One's-complement sum over big-endian 16-bit words, continued across calls. */
static uint32_t csum_add(uint32_t sum, const uint8_t *d, size_t n, bool *odd)
{
    for (size_t i = 0; i < n; i++) {
        sum += *odd ? d[i] : (uint32_t)d[i] << 8;
        *odd = !*odd;
    }
    return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xFFFFu) + (sum >> 16);
    return (uint16_t)~sum;
}

static void put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/*
 * Writes one frame. The TCP payload is the concatenation of @p a and @p b
 * (the NBSS header and a slice of the message), so nothing is copied.
 */
static int frame(rsvd_pcap *p, const rsvd_pcap_flow *f, bool from_client, uint8_t flags,
                 uint32_t seq, uint32_t ack, const uint8_t *a, size_t alen, const uint8_t *b,
                 size_t blen, uint64_t time_us)
{
    size_t payload = alen + blen;
    uint8_t h[16 + FRAME_HDRS];
    uint8_t *eth = h + 16, *ip = eth + ETH_HDR, *tcp = ip + IP_HDR;
    const uint8_t *src_ip = from_client ? f->client_ip : f->server_ip;
    const uint8_t *dst_ip = from_client ? f->server_ip : f->client_ip;
    uint16_t src_port = from_client ? f->client_port : f->server_port;
    uint16_t dst_port = from_client ? f->server_port : f->client_port;

    /* pcap record header (little-endian, like the global header) */
    rsvd_wr w;
    rsvd_wr_init(&w, h, 16);
    rsvd_wr_u32(&w, (uint32_t)(time_us / 1000000u));
    rsvd_wr_u32(&w, (uint32_t)(time_us % 1000000u));
    rsvd_wr_u32(&w, (uint32_t)(FRAME_HDRS + payload));
    rsvd_wr_u32(&w, (uint32_t)(FRAME_HDRS + payload));

    /* Ethernet: locally administered MACs derived from the IPv4 address */
    const uint8_t *dst_mac_ip = dst_ip, *src_mac_ip = src_ip;
    eth[0] = 0x02;
    eth[1] = 0x00;
    for (int i = 0; i < 4; i++)
        eth[2 + i] = dst_mac_ip[i];
    eth[6] = 0x02;
    eth[7] = 0x00;
    for (int i = 0; i < 4; i++)
        eth[8 + i] = src_mac_ip[i];
    put_be16(eth + 12, 0x0800);

    /* IPv4 */
    ip[0] = 0x45;
    ip[1] = 0;
    put_be16(ip + 2, (uint16_t)(IP_HDR + TCP_HDR + payload));
    put_be16(ip + 4, (uint16_t)(seq ^ ack)); /* identification: any value */
    put_be16(ip + 6, 0x4000);                /* don't fragment */
    ip[8] = 64;
    ip[9] = 6; /* TCP */
    put_be16(ip + 10, 0);
    for (int i = 0; i < 4; i++) {
        ip[12 + i] = src_ip[i];
        ip[16 + i] = dst_ip[i];
    }
    bool odd = false;
    put_be16(ip + 10, csum_fold(csum_add(0, ip, IP_HDR, &odd)));

    /* TCP */
    put_be16(tcp, src_port);
    put_be16(tcp + 2, dst_port);
    put_be32(tcp + 4, seq);
    put_be32(tcp + 8, (flags & TCP_ACK) ? ack : 0);
    tcp[12] = (TCP_HDR / 4) << 4;
    tcp[13] = flags;
    put_be16(tcp + 14, 65535);
    put_be16(tcp + 16, 0);
    put_be16(tcp + 18, 0);
    uint8_t pseudo[12];
    for (int i = 0; i < 4; i++) {
        pseudo[i] = src_ip[i];
        pseudo[4 + i] = dst_ip[i];
    }
    pseudo[8] = 0;
    pseudo[9] = 6;
    put_be16(pseudo + 10, (uint16_t)(TCP_HDR + payload));
    odd = false;
    uint32_t sum = csum_add(0, pseudo, sizeof pseudo, &odd);
    sum = csum_add(sum, tcp, TCP_HDR, &odd);
    sum = csum_add(sum, a, alen, &odd);
    sum = csum_add(sum, b, blen, &odd);
    put_be16(tcp + 16, csum_fold(sum));

    int rc = emit(p, h, sizeof h);
    if (rc == RSVD_OK && alen)
        rc = emit(p, a, alen);
    if (rc == RSVD_OK && blen)
        rc = emit(p, b, blen);
    return rc;
}

static int handshake(rsvd_pcap *p, rsvd_pcap_flow *f, uint64_t t)
{
    int rc = frame(p, f, true, TCP_SYN, f->client_seq, 0, NULL, 0, NULL, 0, t);
    f->client_seq++;
    if (rc == RSVD_OK)
        rc = frame(p, f, false, TCP_SYN | TCP_ACK, f->server_seq, f->client_seq, NULL, 0, NULL,
                   0, t);
    f->server_seq++;
    if (rc == RSVD_OK)
        rc = frame(p, f, true, TCP_ACK, f->client_seq, f->server_seq, NULL, 0, NULL, 0, t);
    f->established = true;
    return rc;
}

int rsvd_pcap_write_smb2(rsvd_pcap *p, rsvd_pcap_flow *f, bool from_client, const uint8_t *msg,
                         size_t len, uint64_t time_us)
{
    if (!p || !f || (!msg && len) || len > NBSS_MAX_LEN)
        return RSVD_E_INVAL;
    if (p->max_segment <= NBSS_HDR || p->max_segment > RSVD_PCAP_MAX_SEGMENT_LIMIT)
        return RSVD_E_INVAL;
    int rc = RSVD_OK;
    if (!f->established)
        rc = handshake(p, f, time_us);
    uint8_t nbss[NBSS_HDR] = {0x00, (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len};
    uint32_t *seq = from_client ? &f->client_seq : &f->server_seq;
    uint32_t ack = from_client ? f->server_seq : f->client_seq;
    size_t off = 0;
    bool first = true;
    while (rc == RSVD_OK && (first || off < len)) {
        size_t hdr = first ? NBSS_HDR : 0;
        size_t room = p->max_segment - hdr;
        size_t chunk = len - off < room ? len - off : room;
        bool last = off + chunk == len;
        rc = frame(p, f, from_client, (uint8_t)(TCP_ACK | (last ? TCP_PSH : 0)), *seq, ack,
                   first ? nbss : NULL, hdr, msg ? msg + off : NULL, chunk, time_us);
        *seq += (uint32_t)(hdr + chunk);
        off += chunk;
        first = false;
    }
    return rc;
}

int rsvd_pcap_close(rsvd_pcap *p, rsvd_pcap_flow *f, uint64_t time_us)
{
    if (!p || !f)
        return RSVD_E_INVAL;
    if (!f->established)
        return RSVD_OK; /* no connection in the capture to end */
    int rc = frame(p, f, true, TCP_FIN | TCP_ACK, f->client_seq, f->server_seq, NULL, 0, NULL, 0,
                   time_us);
    f->client_seq++;
    if (rc == RSVD_OK)
        rc = frame(p, f, false, TCP_FIN | TCP_ACK, f->server_seq, f->client_seq, NULL, 0, NULL,
                   0, time_us);
    f->server_seq++;
    if (rc == RSVD_OK)
        rc = frame(p, f, true, TCP_ACK, f->client_seq, f->server_seq, NULL, 0, NULL, 0, time_us);
    f->established = false;
    return rc;
}

int rsvd_pcap_reset(rsvd_pcap *p, rsvd_pcap_flow *f, uint64_t time_us)
{
    if (!p || !f)
        return RSVD_E_INVAL;
    if (!f->established)
        return RSVD_OK; /* no connection in the capture to end */
    int rc = frame(p, f, true, TCP_RST | TCP_ACK, f->client_seq, f->server_seq, NULL, 0, NULL, 0,
                   time_us);
    f->established = false;
    return rc;
}
