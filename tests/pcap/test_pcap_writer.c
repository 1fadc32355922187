/*
 * The pcap writer (rsvd/pcap.h): global header, handshake, NBSS framing,
 * sequence numbers, checksums and segmentation, checked by reading the
 * capture back.
 */
#include <stdlib.h>
#include <string.h>

#include <rsvd/pcap.h>
#include <rsvd/rsvd.h>
#include <rsvd/wire.h>

#include "testutil.h"

typedef struct sink {
    uint8_t *buf;
    size_t len, cap;
    int fail_after; /* fail the Nth write (1-based); 0 = never */
    int writes;
} sink;

static int sink_write(void *ctx, const void *data, size_t len)
{
    sink *s = ctx;
    if (s->fail_after && ++s->writes >= s->fail_after)
        return -1;
    if (s->len + len > s->cap) {
        size_t ncap = (s->len + len) * 2;
        uint8_t *n = realloc(s->buf, ncap);
        if (!n)
            return -1;
        s->buf = n;
        s->cap = ncap;
    }
    memcpy(s->buf + s->len, data, len);
    s->len += len;
    return 0;
}

typedef struct pkt {
    const uint8_t *eth;
    uint32_t len;
    uint32_t seq, ack;
    uint8_t flags;
    uint16_t sport, dport;
    const uint8_t *payload;
    size_t payload_len;
} pkt;

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t ones_sum(const uint8_t *a, size_t n, uint32_t sum)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += be16(a + i);
    if (n & 1)
        sum += (uint32_t)a[n - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    return (uint16_t)sum;
}

/* Parses the capture into packets, verifying IPv4 and TCP checksums. */
static size_t parse(const sink *s, pkt *out, size_t max)
{
    rsvd_rd r;
    rsvd_rd_init(&r, s->buf, s->len);
    assert_int_equal(rsvd_rd_u32(&r), 0xA1B2C3D4u);
    assert_int_equal(rsvd_rd_u16(&r), 2);
    assert_int_equal(rsvd_rd_u16(&r), 4);
    rsvd_rd_skip(&r, 12);
    assert_int_equal(rsvd_rd_u32(&r), 1); /* Ethernet */
    size_t n = 0;
    while (rsvd_rd_left(&r) > 0) {
        assert_true(n < max);
        rsvd_rd_skip(&r, 8);
        uint32_t incl = rsvd_rd_u32(&r);
        assert_int_equal(rsvd_rd_u32(&r), incl);
        const uint8_t *f = rsvd_rd_take(&r, incl);
        assert_non_null(f);
        assert_int_equal(be16(f + 12), 0x0800);
        const uint8_t *ip = f + 14, *tcp = ip + 20;
        assert_int_equal(be16(ip + 2), incl - 14);
        assert_int_equal(ones_sum(ip, 20, 0), 0xFFFF); /* header checksum valid */
        size_t tcp_len = incl - 34;
        uint8_t pseudo[12];
        memcpy(pseudo, ip + 12, 8);
        pseudo[8] = 0;
        pseudo[9] = 6;
        pseudo[10] = (uint8_t)(tcp_len >> 8);
        pseudo[11] = (uint8_t)tcp_len;
        uint32_t sum = ones_sum(pseudo, 12, 0);
        assert_int_equal(ones_sum(tcp, tcp_len, sum), 0xFFFF); /* TCP checksum valid */
        out[n].eth = f;
        out[n].len = incl;
        out[n].sport = be16(tcp);
        out[n].dport = be16(tcp + 2);
        out[n].seq = be32(tcp + 4);
        out[n].ack = be32(tcp + 8);
        out[n].flags = tcp[13];
        out[n].payload = tcp + 20;
        out[n].payload_len = tcp_len - 20;
        n++;
    }
    assert_true(rsvd_rd_ok(&r));
    return n;
}

static const uint8_t cip[4] = {10, 0, 0, 1}, sip[4] = {10, 0, 0, 2};

static void first_message_follows_a_handshake_and_sequences_continue(void **state)
{
    (void)state;
    sink s = {0};
    rsvd_pcap p;
    rsvd_pcap_flow f;
    assert_int_equal(rsvd_pcap_begin(&p, sink_write, &s), RSVD_OK);
    rsvd_pcap_flow_init(&f, cip, 50001, sip);
    uint8_t req[100], resp[73];
    memset(req, 0xAB, sizeof req);
    memset(resp, 0xCD, sizeof resp);
    assert_int_equal(rsvd_pcap_write_smb2(&p, &f, true, req, sizeof req, 1000000), RSVD_OK);
    assert_int_equal(rsvd_pcap_write_smb2(&p, &f, false, resp, sizeof resp, 1000100), RSVD_OK);
    assert_int_equal(rsvd_pcap_close(&p, &f, 1000200), RSVD_OK);

    pkt k[16];
    size_t n = parse(&s, k, 16);
    assert_int_equal(n, 8); /* SYN, SYN/ACK, ACK, req, resp, FIN, FIN, ACK */
    assert_int_equal(k[0].flags, 0x02);
    assert_int_equal(k[1].flags, 0x12);
    assert_int_equal(k[1].ack, k[0].seq + 1);
    assert_int_equal(k[2].flags, 0x10);
    assert_int_equal(k[3].sport, 50001);
    assert_int_equal(k[3].dport, 445);
    assert_int_equal(k[3].seq, k[0].seq + 1);
    assert_int_equal(k[3].payload_len, 4 + sizeof req);
    const uint8_t nbss[4] = {0, 0, 0, 100};
    assert_memory_equal(k[3].payload, nbss, 4);
    assert_memory_equal(k[3].payload + 4, req, sizeof req);
    assert_int_equal(k[4].sport, 445);
    assert_int_equal(k[4].seq, k[1].seq + 1);
    assert_int_equal(k[4].ack, k[3].seq + 4 + sizeof req); /* acknowledges the request */
    assert_int_equal(k[5].seq, k[4].ack);
    assert_int_equal(k[5].flags, 0x11);
    free(s.buf);
}

static void large_message_is_split_and_reassembles(void **state)
{
    (void)state;
    sink s = {0};
    rsvd_pcap p;
    rsvd_pcap_flow f;
    assert_int_equal(rsvd_pcap_begin(&p, sink_write, &s), RSVD_OK);
    rsvd_pcap_flow_init(&f, cip, 50002, sip);
    size_t len = 200000;
    uint8_t *msg = malloc(len);
    assert_non_null(msg);
    for (size_t i = 0; i < len; i++)
        msg[i] = (uint8_t)(i * 7);
    assert_int_equal(rsvd_pcap_write_smb2(&p, &f, true, msg, len, 5), RSVD_OK);
    pkt k[16];
    size_t n = parse(&s, k, 16);
    assert_true(n > 4);
    uint8_t *joined = malloc(len + 4);
    assert_non_null(joined);
    size_t got = 0;
    uint32_t next = k[3].seq;
    for (size_t i = 3; i < n; i++) {
        assert_int_equal(k[i].seq, next);
        assert_true(k[i].payload_len <= 65000);
        memcpy(joined + got, k[i].payload, k[i].payload_len);
        got += k[i].payload_len;
        next += (uint32_t)k[i].payload_len;
        assert_int_equal(!!(k[i].flags & 0x08), i == n - 1); /* PSH on the last segment */
    }
    assert_int_equal(got, len + 4);
    assert_int_equal(joined[1] << 16 | joined[2] << 8 | joined[3], len);
    assert_memory_equal(joined + 4, msg, len);
    free(joined);
    free(msg);
    free(s.buf);
}

static void write_failure_and_oversize_are_reported(void **state)
{
    (void)state;
    sink s = {0};
    s.fail_after = 1;
    rsvd_pcap p;
    assert_int_equal(rsvd_pcap_begin(&p, sink_write, &s), RSVD_E_IO);
    s.fail_after = 3; /* fails inside the handshake */
    s.writes = 0;
    assert_int_equal(rsvd_pcap_begin(&p, sink_write, &s), RSVD_OK);
    rsvd_pcap_flow f;
    rsvd_pcap_flow_init(&f, cip, 1, sip);
    uint8_t b[8] = {0};
    assert_int_equal(rsvd_pcap_write_smb2(&p, &f, true, b, sizeof b, 0), RSVD_E_IO);
    assert_int_equal(rsvd_pcap_write_smb2(&p, &f, true, b, 0x01000000u, 0), RSVD_E_INVAL);
    assert_int_equal(rsvd_pcap_begin(&p, NULL, &s), RSVD_E_INVAL);
    s.fail_after = 0;
    assert_int_equal(rsvd_pcap_begin(&p, sink_write, &s), RSVD_OK);
    p.max_segment = 4; /* no room for data after the NBSS header */
    assert_int_equal(rsvd_pcap_write_smb2(&p, &f, true, b, sizeof b, 0), RSVD_E_INVAL);
    p.max_segment = 65496; /* IPv4 total length would overflow */
    assert_int_equal(rsvd_pcap_write_smb2(&p, &f, true, b, sizeof b, 0), RSVD_E_INVAL);
    p.max_segment = 5;
    assert_int_equal(rsvd_pcap_write_smb2(&p, &f, true, b, sizeof b, 0), RSVD_OK);
    free(s.buf);
}

/* A flow that never carried a message has no connection in the capture:
 * ending it, by FIN or RST, writes nothing. */
static void ending_a_flow_without_a_message_writes_nothing(void **state)
{
    (void)state;
    sink s = {0};
    rsvd_pcap p;
    rsvd_pcap_flow f, g;
    assert_int_equal(rsvd_pcap_begin(&p, sink_write, &s), RSVD_OK);
    size_t header = s.len;
    rsvd_pcap_flow_init(&f, cip, 50001, sip);
    rsvd_pcap_flow_init(&g, cip, 50002, sip);
    assert_int_equal(rsvd_pcap_close(&p, &f, 1000), RSVD_OK);
    assert_int_equal(rsvd_pcap_reset(&p, &g, 1000), RSVD_OK);
    assert_int_equal(s.len, header);
    free(s.buf);
}

/* A connection ends once: a second FIN or RST writes nothing; a message
 * after the end opens a new connection with its handshake. */
static void a_flow_ends_once(void **state)
{
    (void)state;
    sink s = {0};
    rsvd_pcap p;
    rsvd_pcap_flow f;
    assert_int_equal(rsvd_pcap_begin(&p, sink_write, &s), RSVD_OK);
    rsvd_pcap_flow_init(&f, cip, 50001, sip);
    uint8_t m[8] = {0};
    assert_int_equal(rsvd_pcap_write_smb2(&p, &f, true, m, sizeof m, 10), RSVD_OK);
    assert_int_equal(rsvd_pcap_reset(&p, &f, 20), RSVD_OK);
    assert_int_equal(rsvd_pcap_reset(&p, &f, 30), RSVD_OK);
    assert_int_equal(rsvd_pcap_close(&p, &f, 40), RSVD_OK);
    pkt k[16];
    size_t n = parse(&s, k, 16);
    assert_int_equal(n, 5); /* SYN, SYN/ACK, ACK, the message, RST */
    assert_int_equal(k[4].flags, 0x14);
    assert_int_equal(rsvd_pcap_write_smb2(&p, &f, true, m, sizeof m, 50), RSVD_OK);
    n = parse(&s, k, 16);
    assert_int_equal(n, 9);
    assert_int_equal(k[5].flags, 0x02); /* a new handshake */
    free(s.buf);
}

static void flows_are_reproducible(void **state)
{
    (void)state;
    rsvd_pcap_flow a, b, c;
    rsvd_pcap_flow_init(&a, cip, 50001, sip);
    rsvd_pcap_flow_init(&b, cip, 50001, sip);
    rsvd_pcap_flow_init(&c, cip, 50002, sip);
    assert_int_equal(a.client_seq, b.client_seq);
    assert_int_equal(a.server_seq, b.server_seq);
    assert_int_not_equal(a.client_seq, c.client_seq);
}

/* rsvd_pcap_reset(): one RST/ACK from the client at the current sequence
 * numbers; the next message on the flow opens a new connection. */
static void reset_ends_the_flow_with_a_client_rst(void **state)
{
    (void)state;
    sink s = {0};
    rsvd_pcap p;
    rsvd_pcap_flow f;
    assert_int_equal(rsvd_pcap_begin(&p, sink_write, &s), RSVD_OK);
    rsvd_pcap_flow_init(&f, cip, 50002, sip);
    uint8_t req[10];
    memset(req, 0x11, sizeof req);
    assert_int_equal(rsvd_pcap_write_smb2(&p, &f, true, req, sizeof req, 1000), RSVD_OK);
    assert_int_equal(rsvd_pcap_reset(&p, &f, 2000), RSVD_OK);
    assert_int_equal(rsvd_pcap_write_smb2(&p, &f, true, req, sizeof req, 3000), RSVD_OK);
    pkt k[16];
    size_t n = parse(&s, k, 16);
    assert_int_equal(n, 9); /* SYN, SYN/ACK, ACK, req, RST, SYN, SYN/ACK, ACK, req */
    assert_int_equal(k[4].flags, 0x14); /* RST, ACK */
    assert_int_equal(k[4].sport, 50002);
    assert_int_equal(k[4].seq, k[3].seq + 4 + sizeof req);
    assert_int_equal(k[4].ack, k[1].seq + 1);
    assert_int_equal(k[4].payload_len, 0);
    assert_int_equal(k[5].flags, 0x02); /* a new handshake */
    assert_int_equal(k[8].payload_len, 4 + sizeof req);
    assert_int_equal(rsvd_pcap_reset(NULL, &f, 0), RSVD_E_INVAL);
    assert_int_equal(rsvd_pcap_reset(&p, NULL, 0), RSVD_E_INVAL);
    assert_int_equal(rsvd_pcap_close(NULL, &f, 0), RSVD_E_INVAL);
    assert_int_equal(rsvd_pcap_close(&p, NULL, 0), RSVD_E_INVAL);
    assert_int_equal(rsvd_pcap_begin(NULL, sink_write, &s), RSVD_E_INVAL);
    assert_int_equal(rsvd_pcap_begin(&p, NULL, &s), RSVD_E_INVAL);
    assert_int_equal(rsvd_pcap_write_smb2(&p, NULL, true, req, 1, 0), RSVD_E_INVAL);
    assert_int_equal(rsvd_pcap_write_smb2(&p, &f, true, NULL, 1, 0), RSVD_E_INVAL);
    free(s.buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(first_message_follows_a_handshake_and_sequences_continue),
        cmocka_unit_test(large_message_is_split_and_reassembles),
        cmocka_unit_test(write_failure_and_oversize_are_reported),
        cmocka_unit_test(ending_a_flow_without_a_message_writes_nothing),
        cmocka_unit_test(a_flow_ends_once),
        cmocka_unit_test(flows_are_reproducible),
        cmocka_unit_test(reset_ends_the_flow_with_a_client_rst),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
