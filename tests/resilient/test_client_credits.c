/*
 * Client: MessageIds, the sequence window and credits ([MS-SMB2] 3.2.4.1.2,
 * 3.2.4.1.3, 3.2.4.1.5, 3.2.4.1.6, 3.2.5.1.4, 3.2.4.20) and channel
 * selection (3.2.4.1.7).
 */
#include <stdlib.h>
#include <string.h>

#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_smb2.h>

#include "../wire/smb2_test.h"
#include "res_fixture.h"

static void window_starts_at_zero_with_one_credit(void **state)
{
    (void)state;
    rsvd_res_client_conn_params p = cx_conn_params(RSVD_SMB2_DIALECT_210);
    p.credits = 0; /* a new connection: the window {0} */
    cli_fx cx;
    cx_init(&cx, NULL, &p, false);
    rsvd_res_client_conn_info ci = RSVD_STRUCT_INIT(rsvd_res_client_conn_info);
    assert_int_equal(rsvd_res_client_conn_info_get(cx.cli, cx.conn, &ci), RSVD_OK);
    assert_true(ci.next_message_id == 0);
    assert_true(ci.available == 1);
    uint8_t req[256];
    rsvd_res_client_msg m;
    assert_int_equal(
        rsvd_res_client_request_resiliency(cx.cli, cx.open, 1000, NULL, req, sizeof req, &m),
        RSVD_OK);
    assert_true(m.message_id == 0);
    /* No credit left: the next request must wait, nothing changes. */
    memset(req, 0xCD, sizeof req);
    assert_int_equal(
        rsvd_res_client_request_resiliency(cx.cli, cx.open, 1000, NULL, req, sizeof req, &m),
        RSVD_E_LIMIT);
    assert_int_equal(req[0], 0xCD);
    rsvd_smb2_lock_element e = cx_element(0);
    assert_int_equal(rsvd_res_client_lock(cx.cli, cx.open, &e, 1, NULL, req, sizeof req, &m),
                     RSVD_E_LIMIT);
    uint64_t first;
    assert_int_equal(rsvd_res_client_conn_take_message_ids(cx.cli, cx.conn, 1, &first),
                     RSVD_E_LIMIT);
    cx_fini(&cx);
}

static void granted_credits_add_the_next_highest_ids(void **state)
{
    (void)state;
    rsvd_res_client_conn_params p = cx_conn_params(RSVD_SMB2_DIALECT_210);
    p.credits = 1;
    cli_fx cx;
    cx_init(&cx, NULL, &p, false);
    uint8_t req[256], rsp[256];
    rsvd_res_client_msg m;
    assert_int_equal(
        rsvd_res_client_request_resiliency(cx.cli, cx.open, 1000, NULL, req, sizeof req, &m),
        RSVD_OK);
    /* The response grants 2: the window becomes {1, 2} (3.2.4.1.6 example). */
    size_t rn = cx_rsp_resiliency(req, m.len, 2, rsp, sizeof rsp);
    rsvd_res_client_done d;
    assert_int_equal(rsvd_res_client_on_response(cx.cli, cx.conn, rsp, rn, cx.now, &d), RSVD_OK);
    rsvd_res_client_conn_info ci = RSVD_STRUCT_INIT(rsvd_res_client_conn_info);
    assert_int_equal(rsvd_res_client_conn_info_get(cx.cli, cx.conn, &ci), RSVD_OK);
    assert_true(ci.next_message_id == 1);
    assert_true(ci.available == 2);
    /* The host's own requests take from the same window, lowest first. */
    uint64_t first;
    assert_int_equal(rsvd_res_client_conn_take_message_ids(cx.cli, cx.conn, 1, &first), RSVD_OK);
    assert_true(first == 1);
    assert_int_equal(
        rsvd_res_client_request_resiliency(cx.cli, cx.open, 1000, NULL, req, sizeof req, &m),
        RSVD_OK);
    assert_true(m.message_id == 2);
    assert_int_equal(rsvd_res_client_conn_grant_credits(cx.cli, cx.conn, 3), RSVD_OK);
    assert_int_equal(rsvd_res_client_conn_take_message_ids(cx.cli, cx.conn, 3, &first), RSVD_OK);
    assert_true(first == 3);
    cx_fini(&cx);
}

static void message_ids_are_never_reused_across_100000_requests(void **state)
{
    (void)state;
    enum { N = 100000 };
    rsvd_res_client_conn_params p = cx_conn_params(RSVD_SMB2_DIALECT_300);
    p.credits = 1;
    p.supports_multi_credit = true;
    cli_fx cx;
    cx_init(&cx, NULL, &p, false);
    uint8_t *seen = calloc(N + 64, 1);
    assert_non_null(seen);
    uint64_t last = 0;
    bool any = false;
    uint64_t seed = 3;
    rsvd_res_client_msg pend[8];
    uint8_t reqs[8][256];
    size_t npend = 0, done_total = 0, sent = 0;
    while (done_total < N) {
        /* Send while credits last (up to 8 in flight), resiliency and lock
         * requests mixed; then answer them in a scrambled order. */
        while (npend < 8 && sent < N) {
            rsvd_res_client_msg m;
            int rc;
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            if ((seed >> 40) & 1) {
                rc = rsvd_res_client_request_resiliency(cx.cli, cx.open, 1000, NULL, reqs[npend],
                                                        256, &m);
            } else {
                rsvd_smb2_lock_element e = cx_element(sent * 0x100);
                rc = rsvd_res_client_lock(cx.cli, cx.open, &e, 1, NULL, reqs[npend], 256, &m);
            }
            if (rc == RSVD_E_LIMIT)
                break;
            assert_int_equal(rc, RSVD_OK);
            assert_true(m.message_id < N + 64);
            assert_int_equal(seen[m.message_id], 0); /* never reused */
            seen[m.message_id] = 1;
            assert_true(any ? m.message_id == last + 1 : m.message_id == 0); /* lowest available */
            any = true;
            last = m.message_id;
            pend[npend++] = m;
            sent++;
        }
        assert_true(npend > 0);
        size_t pick = (size_t)(seed >> 50) % npend;
        uint8_t rsp[256];
        rsvd_smb2_hdr h;
        assert_int_equal(rsvd_smb2_hdr_decode(reqs[pick], pend[pick].len, &h), RSVD_OK);
        /* Grant what the request asked for (at most 2, to stay small). */
        uint16_t grant = h.credit > 2 ? 2 : h.credit;
        size_t rn = h.command == RSVD_SMB2_IOCTL
                        ? cx_rsp_resiliency(reqs[pick], pend[pick].len, grant, rsp, sizeof rsp)
                        : cx_rsp_lock(reqs[pick], pend[pick].len, grant, rsp, sizeof rsp);
        rsvd_res_client_done d;
        assert_int_equal(rsvd_res_client_on_response(cx.cli, pend[pick].conn, rsp, rn, cx.now, &d),
                         RSVD_OK);
        assert_int_equal(d.status, RSVD_STATUS_SUCCESS);
        assert_true(d.message_id == pend[pick].message_id);
        pend[pick] = pend[npend - 1];
        memcpy(reqs[pick], reqs[npend - 1], 256);
        npend--;
        done_total++;
    }
    free(seen);
    cx_fini(&cx);
}

static void ioctl_charges_one_credit_with_multi_credit_and_zero_without(void **state)
{
    (void)state;
    for (int mc = 0; mc < 2; mc++) {
        rsvd_res_client_conn_params p = cx_conn_params(RSVD_SMB2_DIALECT_300);
        p.supports_multi_credit = mc != 0;
        cli_fx cx;
        cx_init(&cx, NULL, &p, false);
        uint8_t req[256];
        rsvd_res_client_msg m;
        assert_int_equal(
            rsvd_res_client_request_resiliency(cx.cli, cx.open, 1000, NULL, req, sizeof req, &m),
            RSVD_OK);
        rsvd_smb2_hdr h;
        assert_int_equal(rsvd_smb2_hdr_decode(req, m.len, &h), RSVD_OK);
        /* (max(InputCount 8, MaxOutputResponse 0) - 1) / 65536 + 1 = 1 */
        assert_int_equal(h.credit_charge, mc ? 1 : 0);
        rsvd_smb2_lock_element e = cx_element(0);
        assert_int_equal(rsvd_res_client_lock(cx.cli, cx.open, &e, 1, NULL, req, sizeof req, &m),
                         RSVD_OK);
        assert_int_equal(rsvd_smb2_hdr_decode(req, m.len, &h), RSVD_OK);
        assert_int_equal(h.credit_charge, mc ? 1 : 0);
        /* Either way one MessageId each. */
        assert_true(m.message_id == 1);
        cx_fini(&cx);
    }
}

static void credit_request_keeps_and_grows_the_credits(void **state)
{
    (void)state;
    rsvd_res_client_config cfg = RSVD_STRUCT_INIT(rsvd_res_client_config);
    cfg.credit_target = 10;
    rsvd_res_client_conn_params p = cx_conn_params(RSVD_SMB2_DIALECT_210);
    p.credits = 4;
    cli_fx cx;
    cx_init(&cx, &cfg, &p, false);
    uint8_t req[256];
    rsvd_res_client_msg m;
    assert_int_equal(
        rsvd_res_client_request_resiliency(cx.cli, cx.open, 1000, NULL, req, sizeof req, &m),
        RSVD_OK);
    rsvd_smb2_hdr h;
    assert_int_equal(rsvd_smb2_hdr_decode(req, m.len, &h), RSVD_OK);
    assert_int_equal(h.credit, 1 + (10 - 4)); /* what it consumes + the shortfall */
    assert_int_equal(rsvd_res_client_conn_grant_credits(cx.cli, cx.conn, 20), RSVD_OK);
    assert_int_equal(
        rsvd_res_client_request_resiliency(cx.cli, cx.open, 1000, NULL, req, sizeof req, &m),
        RSVD_OK);
    assert_int_equal(rsvd_smb2_hdr_decode(req, m.len, &h), RSVD_OK);
    assert_int_equal(h.credit, 1); /* enough credits: only keep them */
    cx_fini(&cx);
}

static void channel_with_fewest_outstanding_requests_is_picked(void **state)
{
    (void)state;
    rsvd_res_client_conn_params p = cx_conn_params(RSVD_SMB2_DIALECT_300);
    p.supports_multi_channel = true;
    cli_fx cx;
    cx_init(&cx, NULL, &p, false);
    uint64_t conn2;
    p.next_message_id = 1000;
    assert_int_equal(rsvd_res_client_conn_add(cx.cli, &p, &conn2), RSVD_OK);
    assert_int_equal(rsvd_res_client_session_bind(cx.cli, cx.sess, conn2), RSVD_OK);
    assert_int_equal(rsvd_res_client_session_bind(cx.cli, cx.sess, conn2), RSVD_E_STATE);
    uint8_t req[256];
    rsvd_res_client_msg m1, m2, m3;
    assert_int_equal(
        rsvd_res_client_request_resiliency(cx.cli, cx.open, 1000, NULL, req, sizeof req, &m1),
        RSVD_OK);
    assert_true(m1.conn == cx.conn);
    assert_int_equal(
        rsvd_res_client_request_resiliency(cx.cli, cx.open, 1000, NULL, req, sizeof req, &m2),
        RSVD_OK);
    assert_true(m2.conn == conn2); /* conn has 1 outstanding, conn2 none */
    assert_true(m2.message_id == 1000);
    assert_int_equal(
        rsvd_res_client_request_resiliency(cx.cli, cx.open, 1000, NULL, req, sizeof req, &m3),
        RSVD_OK);
    assert_true(m3.conn == cx.conn);
    cx_fini(&cx);
}

static void binding_a_2x_session_is_not_supported(void **state)
{
    (void)state;
    cli_fx cx;
    cx_init(&cx, NULL, NULL, false);
    rsvd_res_client_conn_params p = cx_conn_params(RSVD_SMB2_DIALECT_210);
    uint64_t conn2;
    assert_int_equal(rsvd_res_client_conn_add(cx.cli, &p, &conn2), RSVD_OK);
    assert_int_equal(rsvd_res_client_session_bind(cx.cli, cx.sess, conn2), RSVD_E_NOTSUP);
    cx_fini(&cx);
}

static void outstanding_limit_is_a_clear_error(void **state)
{
    (void)state;
    rsvd_res_client_config cfg = RSVD_STRUCT_INIT(rsvd_res_client_config);
    cfg.max_outstanding = 2;
    cli_fx cx;
    cx_init(&cx, &cfg, NULL, false);
    uint8_t req[256];
    rsvd_res_client_msg m;
    for (int i = 0; i < 2; i++)
        assert_int_equal(
            rsvd_res_client_request_resiliency(cx.cli, cx.open, 1000, NULL, req, sizeof req, &m),
            RSVD_OK);
    assert_int_equal(
        rsvd_res_client_request_resiliency(cx.cli, cx.open, 1000, NULL, req, sizeof req, &m),
        RSVD_E_LIMIT);
    cx_fini(&cx);
}

static void channel_sequence_goes_in_3x_multichannel_headers(void **state)
{
    (void)state;
    rsvd_res_client_conn_params p = cx_conn_params(RSVD_SMB2_DIALECT_300);
    p.supports_multi_channel = true;
    cli_fx cx;
    cx_init(&cx, NULL, &p, false);
    uint64_t conn2;
    assert_int_equal(rsvd_res_client_conn_add(cx.cli, &p, &conn2), RSVD_OK);
    assert_int_equal(rsvd_res_client_session_bind(cx.cli, cx.sess, conn2), RSVD_OK);
    /* Losing one of two channels: Session.ChannelSequence += 1. */
    assert_int_equal(rsvd_res_client_on_disconnect(cx.cli, conn2, cx.now), RSVD_OK);
    uint8_t req[256];
    rsvd_res_client_msg m;
    assert_int_equal(
        rsvd_res_client_request_resiliency(cx.cli, cx.open, 1000, NULL, req, sizeof req, &m),
        RSVD_OK);
    rsvd_smb2_hdr h;
    assert_int_equal(rsvd_smb2_hdr_decode(req, m.len, &h), RSVD_OK);
    assert_int_equal(h.status, 1); /* ChannelSequence 1, Reserved 0 */
    cx_fini(&cx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(window_starts_at_zero_with_one_credit),
        cmocka_unit_test(granted_credits_add_the_next_highest_ids),
        cmocka_unit_test(message_ids_are_never_reused_across_100000_requests),
        cmocka_unit_test(ioctl_charges_one_credit_with_multi_credit_and_zero_without),
        cmocka_unit_test(credit_request_keeps_and_grows_the_credits),
        cmocka_unit_test(channel_with_fewest_outstanding_requests_is_picked),
        cmocka_unit_test(binding_a_2x_session_is_not_supported),
        cmocka_unit_test(outstanding_limit_is_a_clear_error),
        cmocka_unit_test(channel_sequence_goes_in_3x_multichannel_headers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
