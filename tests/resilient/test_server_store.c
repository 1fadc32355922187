/*
 * The records of persistent opens in the state store (rsvd/store.h): what
 * is written before which reply, the record's layout and version, a store
 * that fails (the grant or reclaim refused, nothing half-done), and
 * rsvd_res_server_restore() with wall-clock deadlines and instance ids.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/status.h>
#include <rsvd/wire.h>

#include <rsvd/memory_store.h>

#include "fail_alloc.h"
#include "faulty_store.h"
#include "pv_fixture.h"

/* The records live in the in-memory store; the server writes through the
 * fault-injecting wrapper around it. */
static rsvd_memory_store *ms;
static faulty_store *st;

static int setup(void **state)
{
    (void)state;
    rsvd_memory_store_config mc = RSVD_STRUCT_INIT(rsvd_memory_store_config);
    mc.hash_key[0] = 1;
    mc.hash_key[1] = 2;
    st = calloc(1, sizeof *st);
    if (!st || rsvd_memory_store_create(&mc, &ms) != RSVD_OK)
        return -1;
    faulty_store_init(st, rsvd_memory_store_ops(), ms);
    pv_wall = 1700000000000ull;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    rsvd_memory_store_destroy(ms);
    free(st);
    return 0;
}

static size_t count(void)
{
    return rsvd_memory_store_count(ms);
}

/* A copy of the value of one key, found by a traversal. */
typedef struct found {
    const uint8_t *key;
    size_t key_len;
    unsigned char value[1024];
    size_t len;
    bool hit;
} found;

static int find_visit(void *arg, const void *key, size_t key_len, const void *value,
                      size_t value_len)
{
    found *f = arg;
    if (key_len != f->key_len || memcmp(key, f->key, key_len) != 0)
        return 0;
    assert_true(value_len <= sizeof f->value);
    memcpy(f->value, value, value_len);
    f->len = value_len;
    f->hit = true;
    return 1;
}

static const rsvd_guid instance = {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}};

static void init(srv_fx *fx)
{
    pv_init(fx, NULL, &st->ops, st, &instance);
}

/* The record's key: "RSVO", the instance id, FileId.Persistent (LE). */
static size_t key_of(const rsvd_guid *inst, uint64_t id, uint8_t key[28])
{
    memcpy(key, "RSVO", 4);
    memcpy(key + 4, inst->b, 16);
    for (int i = 0; i < 8; i++)
        key[20 + i] = (uint8_t)(id >> (8 * i));
    return 28;
}

static found last;

/* The record of open @p id (NULL if none); valid until the next call. */
static const unsigned char *record(uint64_t id, size_t *len)
{
    uint8_t key[28];
    memset(&last, 0, sizeof last);
    last.key = key;
    last.key_len = key_of(&instance, id, key);
    (void)rsvd_memory_store_ops()->traverse(ms, find_visit, &last);
    *len = last.len;
    return last.hit ? last.value : NULL;
}

static uint64_t le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static uint16_t le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static pv_create persistent_create(uint8_t guid, const char *name)
{
    pv_create c;
    memset(&c, 0, sizeof c);
    c.name = name;
    c.dh2q = true;
    c.dh2q_flags = RSVD_SMB2_DHANDLE_FLAG_PERSISTENT;
    c.dh2q_timeout = 90000;
    c.create_guid = pv_guid(guid);
    return c;
}

/* A persistent grant is in the store when create_end returns (before the
 * CREATE response), laid out as server_store.c documents; durable and
 * resilient opens are not written. */
static void persistent_grant_is_written_before_its_response(void **state)
{
    (void)state;
    srv_fx fx;
    init(&fx);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    pv_create c = persistent_create(0x11, "vm.vhdx");
    rsvd_res_create_op op = pv_begin(&fx, &s, &c, NULL);
    assert_int_equal(count(), 0);
    assert_int_equal(pv_end(&fx, &s, &op, NULL), RSVD_OK);
    assert_int_equal(op.status, RSVD_STATUS_SUCCESS);
    size_t n = 0;
    const unsigned char *r = record(op.file_id.persistent_id, &n);
    assert_non_null(r);
    assert_memory_equal(r, "RSVO", 4);
    assert_int_equal(le16(r + 4), 1);                 /* version */
    assert_int_equal(le16(r + 6) & 0x0206, 0x0006);   /* durable, persistent, attached */
    assert_int_equal(le64(r + 8), op.file_id.persistent_id);
    assert_int_equal(le64(r + 16), 0);                /* no deadline while attached */
    assert_int_equal(le16(r + 28), 90000 & 0xFFFF);   /* DurableOpenTimeout, low half */
    rsvd_guid g = pv_guid(0x11);
    assert_memory_equal(r + 96, g.b, 16);             /* CreateGuid */
    assert_int_equal(r[208], sizeof fx_alice);        /* owner */
    assert_memory_equal(r + 209, fx_alice, sizeof fx_alice);
    size_t at = 209 + sizeof fx_alice;
    assert_int_equal(le16(r + at), 3);                /* share "vms" */
    assert_memory_equal(r + at + 2, "vms", 3);
    assert_int_equal(n, at + 2 + 3 + 2 + 0 + 2 + 14); /* no file key, "vm.vhdx" */
    (void)pv_durable_v2(&fx, &s, 0x12);
    rsvd_smb2_fileid f = pv_durable_v2(&fx, &s, 0x13);
    assert_int_equal(fx_request_resiliency(&fx, &s, &f, 1000), RSVD_STATUS_SUCCESS);
    assert_int_equal(count(), 1);
    fx_fini(&fx);
    /* Shutdown keeps the record: a restarted server restores it. */
    assert_int_equal(count(), 1);
}

/* A store write that fails refuses the grant: the CREATE fails
 * STATUS_INSUFFICIENT_RESOURCES and the server keeps nothing of it. */
static void failed_write_refuses_the_grant_and_keeps_nothing(void **state)
{
    (void)state;
    srv_fx fx;
    init(&fx);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    faulty_store_fail_nth(st, FAULTY_PUT, 1);
    pv_create c = persistent_create(0x21, "vm.vhdx");
    rsvd_res_create_op op = pv_open(&fx, &s, &c, NULL);
    assert_int_equal(op.status, RSVD_STATUS_INSUFFICIENT_RESOURCES);
    assert_null(op.rsp_context);
    rsvd_res_server_stats stats = RSVD_STRUCT_INIT(rsvd_res_server_stats);
    rsvd_res_server_get_stats(fx.srv, &stats);
    assert_int_equal(stats.opens, 0);
    assert_int_equal(stats.persistent, 0);
    assert_int_equal(stats.store_errors, 1);
    assert_int_equal(count(), 0);
    /* The CreateGuid is free again. */
    op = pv_open(&fx, &s, &c, NULL);
    assert_int_equal(op.status, RSVD_STATUS_SUCCESS);
    fx_fini(&fx);
}

/* A disconnection writes the deadline in wall-clock time; a reclaim is
 * written before the CREATE response, and a failed write undoes it. */
static void disconnect_and_reclaim_are_written_and_a_failed_reclaim_is_undone(void **state)
{
    (void)state;
    srv_fx fx;
    init(&fx);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    pv_create c = persistent_create(0x31, "vm.vhdx");
    rsvd_smb2_fileid f = pv_open(&fx, &s, &c, NULL).file_id;
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, s.ctx.conn, fx.now), RSVD_OK);
    size_t n;
    const unsigned char *r = record(f.persistent_id, &n);
    assert_int_equal(le16(r + 6) & 0x0200, 0x0200); /* detached */
    assert_int_equal(le64(r + 16), pv_wall + 90000);
    pv_where w2 = pv_alice();
    w2.session_id = 0x55;
    fx_sess s2 = pv_session(&fx, &w2);
    faulty_store_fail_nth(st, FAULTY_PUT, 1);
    assert_int_equal(pv_reconnect(&fx, &s2, &f, true, 0x31, true),
                     RSVD_STATUS_INSUFFICIENT_RESOURCES);
    assert_int_equal(fx_info(&fx, &f).state, RSVD_RES_OPEN_DETACHED);
    r = record(f.persistent_id, &n);
    assert_int_equal(le16(r + 6) & 0x0200, 0x0200);
    assert_int_equal(pv_reconnect(&fx, &s2, &f, true, 0x31, true), RSVD_STATUS_SUCCESS);
    r = record(f.persistent_id, &n);
    assert_int_equal(le16(r + 6) & 0x0200, 0);
    assert_int_equal(le64(r + 16), 0);
    fx_fini(&fx);
}

/* A lost connection writes the deadlines of all its persistent opens in
 * one batch (rsvd_store_ops.apply): one durable write, not one per open; a
 * store without batches gets one put each; a batch that fails is counted
 * and leaves the records as they were ("attached": a restore gives them a
 * whole timeout). */
static void lost_connection_writes_its_persistent_opens_in_one_batch(void **state)
{
    (void)state;
    srv_fx fx;
    init(&fx);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    rsvd_smb2_fileid f[3];
    for (int i = 0; i < 3; i++) {
        char name[16];
        snprintf(name, sizeof name, "vm%d.vhdx", i);
        pv_create c = persistent_create((uint8_t)(0x91 + i), name);
        f[i] = pv_open(&fx, &s, &c, NULL).file_id;
    }
    (void)pv_durable_v2(&fx, &s, 0x94); /* durable, not persistent: no record */
    size_t puts = st->calls[FAULTY_PUT];
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, s.ctx.conn, fx.now), RSVD_OK);
    assert_int_equal(st->calls[FAULTY_APPLY], 1);
    assert_int_equal(st->calls[FAULTY_PUT], puts);
    for (int i = 0; i < 3; i++) {
        size_t n;
        const unsigned char *r = record(f[i].persistent_id, &n);
        assert_int_equal(le16(r + 6) & 0x0200, 0x0200); /* detached */
        assert_int_equal(le64(r + 16), pv_wall + 90000);
    }
    fx_fini(&fx);

    /* The same store without batches: one put per open. */
    rsvd_store_ops plain = *rsvd_memory_store_ops();
    plain.apply = NULL;
    faulty_store_init(st, &plain, ms);
    init(&fx);
    pv_where w2 = pv_alice();
    w2.session_id = 0x92;
    fx_sess s2 = pv_session(&fx, &w2);
    for (int i = 0; i < 2; i++) {
        char name[16];
        snprintf(name, sizeof name, "p%d.vhdx", i);
        pv_create c = persistent_create((uint8_t)(0x95 + i), name);
        (void)pv_open(&fx, &s2, &c, NULL);
    }
    puts = st->calls[FAULTY_PUT];
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, s2.ctx.conn, fx.now), RSVD_OK);
    assert_int_equal(st->calls[FAULTY_PUT], puts + 2);
    assert_int_equal(st->calls[FAULTY_APPLY], 0);
    fx_fini(&fx);

    /* A failed batch: counted once, the records still say "attached". */
    faulty_store_init(st, rsvd_memory_store_ops(), ms);
    init(&fx);
    pv_where w3 = pv_alice();
    w3.session_id = 0x93;
    fx_sess s3 = pv_session(&fx, &w3);
    rsvd_smb2_fileid g[2];
    for (int i = 0; i < 2; i++) {
        char name[16];
        snprintf(name, sizeof name, "q%d.vhdx", i);
        pv_create c = persistent_create((uint8_t)(0x97 + i), name);
        g[i] = pv_open(&fx, &s3, &c, NULL).file_id;
    }
    faulty_store_fail_nth(st, FAULTY_APPLY, 1);
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, s3.ctx.conn, fx.now), RSVD_OK);
    rsvd_res_server_stats stats = RSVD_STRUCT_INIT(rsvd_res_server_stats);
    rsvd_res_server_get_stats(fx.srv, &stats);
    assert_int_equal(stats.store_errors, 1);
    assert_int_equal(stats.detached, 2);
    for (int i = 0; i < 2; i++) {
        size_t n;
        const unsigned char *r = record(g[i].persistent_id, &n);
        assert_int_equal(le16(r + 6) & 0x0200, 0);
    }
    fx_fini(&fx);
}

/* CLOSE removes the record first - if that fails, the open stays as it was
 * (a restarted server must not bring back an open its client closed); the
 * scavenger's close removes it too. */
static void close_and_expiry_remove_the_record(void **state)
{
    (void)state;
    srv_fx fx;
    init(&fx);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    pv_create c = persistent_create(0x41, "a.vhdx");
    rsvd_smb2_fileid a = pv_open(&fx, &s, &c, NULL).file_id;
    c = persistent_create(0x42, "b.vhdx");
    rsvd_smb2_fileid b = pv_open(&fx, &s, &c, NULL).file_id;
    faulty_store_fail_nth(st, FAULTY_REMOVE, 1);
    assert_int_equal(rsvd_res_server_open_close(fx.srv, a.persistent_id), RSVD_E_IO);
    assert_true(fx_exists(&fx, &a));
    assert_int_equal(count(), 2);
    assert_int_equal(rsvd_res_server_open_close(fx.srv, a.persistent_id), RSVD_OK);
    assert_int_equal(count(), 1);
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, s.ctx.conn, fx.now), RSVD_OK);
    size_t closed = 0;
    assert_int_equal(rsvd_res_server_handle_expiry(fx.srv, fx.now + 90001, &closed), RSVD_OK);
    assert_int_equal(closed, 1);
    assert_false(fx_exists(&fx, &b));
    assert_int_equal(count(), 0);
    fx_fini(&fx);
}

/* 3.3.5.14.1/.2 with a store: each LockSequence entry of a persistent open
 * is written before the LOCK response; if it cannot be, lock_end says
 * RSVD_E_IO and the entry stays as it was. The resiliency FSCTL on a
 * persistent open is written too, and refused when it cannot be. */
static void lock_entries_and_resiliency_of_a_persistent_open_are_written(void **state)
{
    (void)state;
    srv_fx fx;
    init(&fx);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    pv_create c = persistent_create(0x51, "vm.vhdx");
    rsvd_smb2_fileid f = pv_open(&fx, &s, &c, NULL).file_id;
    rsvd_res_lock_op op = fx_lock_begin(&fx, &s, &f, rsvd_smb2_lock_seq_encode(7, 3));
    assert_int_equal(rsvd_res_server_lock_end(fx.srv, &op, RSVD_STATUS_SUCCESS), RSVD_OK);
    size_t n;
    const unsigned char *r = record(f.persistent_id, &n);
    assert_int_equal(r[144 + 6], 0x13); /* entry 7: Valid | 3 */
    op = fx_lock_begin(&fx, &s, &f, rsvd_smb2_lock_seq_encode(8, 4));
    faulty_store_fail_nth(st, FAULTY_PUT, 1);
    assert_int_equal(rsvd_res_server_lock_end(fx.srv, &op, RSVD_STATUS_SUCCESS), RSVD_E_IO);
    bool valid = true;
    uint8_t number = 0;
    assert_int_equal(rsvd_res_server_lock_seq(fx.srv, f.persistent_id, 8, &valid, &number),
                     RSVD_OK);
    assert_false(valid);
    faulty_store_fail_nth(st, FAULTY_PUT, 1);
    assert_int_equal(fx_request_resiliency(&fx, &s, &f, 5000),
                     RSVD_STATUS_INSUFFICIENT_RESOURCES);
    rsvd_res_open_info i = fx_info(&fx, &f);
    assert_false(i.is_resilient);
    assert_true(i.is_durable);
    assert_int_equal(fx_request_resiliency(&fx, &s, &f, 5000), RSVD_STATUS_SUCCESS);
    r = record(f.persistent_id, &n);
    assert_int_equal(le16(r + 6) & 0x0007, 0x0005); /* resilient, not durable, persistent */
    fx_fini(&fx);
}

/* Restore: a new server on the same store and instance id gets its
 * detached persistent opens back with their FileId, CreateGuid, owner,
 * share and LockSequenceArray, and what was left of their timeout on the
 * wall clock; the host reopens each (restore_open). */
static void restore_brings_back_persistent_opens_with_their_state(void **state)
{
    (void)state;
    srv_fx fx;
    init(&fx);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    pv_create c = persistent_create(0x61, "vm.vhdx");
    rsvd_smb2_fileid f = pv_open(&fx, &s, &c, NULL).file_id;
    rsvd_res_lock_op op = fx_lock_begin(&fx, &s, &f, rsvd_smb2_lock_seq_encode(2, 9));
    assert_int_equal(rsvd_res_server_lock_end(fx.srv, &op, RSVD_STATUS_SUCCESS), RSVD_OK);
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, s.ctx.conn, fx.now), RSVD_OK);
    fx_fini(&fx);

    pv_wall += 30000; /* 30 s later, in a new server with another monotonic clock */
    init(&fx);
    fx.now = 5;
    size_t restored = 0;
    assert_int_equal(rsvd_res_server_restore(fx.srv, fx.now, &restored), RSVD_OK);
    assert_int_equal(restored, 1);
    assert_int_equal(pv_restored_calls, 1);
    assert_string_equal(pv_restored_name, "vm.vhdx");
    rsvd_res_open_info i = fx_info(&fx, &f);
    assert_int_equal(i.state, RSVD_RES_OPEN_DETACHED);
    assert_true(i.is_persistent);
    assert_int_equal(i.deadline_ms, 5 + 60000);
    assert_ptr_equal(i.open_user_data, (void *)(uintptr_t)(0x5000u + f.persistent_id));
    bool valid = false;
    uint8_t number = 0;
    assert_int_equal(rsvd_res_server_lock_seq(fx.srv, f.persistent_id, 2, &valid, &number),
                     RSVD_OK);
    assert_true(valid);
    assert_int_equal(number, 9);
    /* Bob cannot have it; Alice reclaims it and her LOCK replay is one. */
    pv_where wb = pv_alice();
    wb.user = fx_bob;
    fx_sess bob = pv_session(&fx, &wb);
    assert_int_equal(pv_reconnect(&fx, &bob, &f, true, 0x61, true), RSVD_STATUS_ACCESS_DENIED);
    pv_where wa = pv_alice();
    wa.session_id = 0x66;
    fx_sess s2 = pv_session(&fx, &wa);
    assert_int_equal(pv_reconnect(&fx, &s2, &f, true, 0x61, true), RSVD_STATUS_SUCCESS);
    rsvd_smb2_fileid now = fx_info(&fx, &f).file_id;
    op = fx_lock_begin(&fx, &s2, &now, rsvd_smb2_lock_seq_encode(2, 9));
    assert_int_equal(op.action, RSVD_RES_LOCK_REPLAY);
    /* New opens never get its FileId. */
    rsvd_smb2_fileid other = pv_durable_v2(&fx, &s2, 0x62);
    assert_int_not_equal(other.persistent_id, f.persistent_id);
    fx_fini(&fx);
}

/* Restore drops a record whose wall-clock deadline has passed and one the
 * host refuses; an open attached when the old server stopped gets its
 * whole timeout; it needs a store, restore_open and an empty server. */
static void restore_drops_expired_and_refused_records(void **state)
{
    (void)state;
    srv_fx fx;
    init(&fx);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    pv_create c = persistent_create(0x71, "short.vhdx");
    c.dh2q_timeout = 1000;
    rsvd_smb2_fileid shrt = pv_open(&fx, &s, &c, NULL).file_id;
    c = persistent_create(0x72, "attached.vhdx");
    rsvd_smb2_fileid att = pv_open(&fx, &s, &c, NULL).file_id;
    pv_where w2 = pv_alice();
    w2.session_id = 0x72;
    fx_sess s2 = pv_session(&fx, &w2);
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, s.ctx.conn, fx.now), RSVD_OK);
    /* att was detached with s; reclaim it so that its record says attached. */
    assert_int_equal(pv_reconnect(&fx, &s2, &att, true, 0x72, true), RSVD_STATUS_SUCCESS);
    assert_int_equal(rsvd_res_server_restore(fx.srv, fx.now, NULL), RSVD_E_STATE);
    fx_fini(&fx);

    pv_wall += 1001;
    init(&fx);
    pv_restore_answer = 0;
    size_t restored = 0;
    assert_int_equal(rsvd_res_server_restore(fx.srv, fx.now, &restored), RSVD_OK);
    assert_int_equal(restored, 1);
    assert_false(fx_exists(&fx, &shrt));
    assert_int_equal(fx_info(&fx, &att).deadline_ms, fx.now + 90000);
    assert_int_equal(count(), 1);
    fx_fini(&fx);

    init(&fx);
    pv_restore_answer = -1;
    assert_int_equal(rsvd_res_server_restore(fx.srv, fx.now, &restored), RSVD_OK);
    assert_int_equal(restored, 0);
    assert_int_equal(count(), 0);
    faulty_store_fail_nth(st, FAULTY_TRAVERSE, 1);
    assert_int_equal(rsvd_res_server_restore(fx.srv, fx.now, &restored), RSVD_E_IO);
    fx_fini(&fx);

    fx_init(&fx, NULL, RSVD_SMB2_DIALECT_302); /* no store */
    assert_int_equal(rsvd_res_server_restore(fx.srv, fx.now, &restored), RSVD_E_INVAL);
    fx_fini(&fx);
}

/* FileIds are unique per server instance: two instances share one store,
 * each restores only its own records; a record this version cannot read is
 * skipped and counted. */
static void restore_reads_only_its_instance_and_skips_unreadable_records(void **state)
{
    (void)state;
    static const rsvd_guid other_instance = {{9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9}};
    srv_fx fx, fy;
    init(&fx);
    pv_init(&fy, NULL, &st->ops, st, &other_instance);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    fx_sess t = pv_session(&fy, &w);
    pv_create c = persistent_create(0x81, "x.vhdx");
    rsvd_smb2_fileid fxid = pv_open(&fx, &s, &c, NULL).file_id;
    c = persistent_create(0x82, "y.vhdx");
    rsvd_smb2_fileid fyid = pv_open(&fy, &t, &c, NULL).file_id;
    c = persistent_create(0x83, "z.vhdx");
    rsvd_smb2_fileid bad = pv_open(&fx, &s, &c, NULL).file_id;
    assert_int_equal(fxid.persistent_id & 0xFFFFFFFFu, fyid.persistent_id & 0xFFFFFFFFu);
    fx_fini(&fx);
    fx_fini(&fy);
    assert_int_equal(count(), 3);
    /* A record of version 2 (a later release) for z. */
    size_t n;
    const unsigned char *r = record(bad.persistent_id, &n);
    unsigned char copy[1024];
    memcpy(copy, r, n);
    copy[4] = 2;
    uint8_t key[28];
    assert_int_equal(rsvd_memory_store_ops()->put(ms, key, key_of(&instance, bad.persistent_id, key),
                                                  copy, n),
                     RSVD_OK);

    init(&fx);
    size_t restored = 0;
    assert_int_equal(rsvd_res_server_restore(fx.srv, fx.now, &restored), RSVD_OK);
    assert_int_equal(restored, 1);
    assert_true(fx_exists(&fx, &fxid));
    rsvd_res_server_stats stats = RSVD_STRUCT_INIT(rsvd_res_server_stats);
    rsvd_res_server_get_stats(fx.srv, &stats);
    assert_int_equal(stats.store_errors, 1);
    assert_int_equal(count(), 3); /* the unreadable record stays */
    fx_fini(&fx);
    pv_init(&fy, NULL, &st->ops, st, &other_instance);
    assert_int_equal(rsvd_res_server_restore(fy.srv, fy.now, &restored), RSVD_OK);
    assert_int_equal(restored, 1);
    assert_true(fx_exists(&fy, &fyid));
    fx_fini(&fy);
}

/* Every kind of damaged record of this instance is skipped and counted,
 * never trusted: another magic, cut short, unknown flags, bytes left over,
 * a FileId that is not its key's, an owner too long, a LockSequence entry
 * with stray bits, "detached" without a deadline. The good one is restored. */
static void restore_skips_every_kind_of_damaged_record(void **state)
{
    (void)state;
    srv_fx fx;
    init(&fx);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    pv_create c = persistent_create(0xA1, "good.vhdx");
    rsvd_smb2_fileid good = pv_open(&fx, &s, &c, NULL).file_id;
    c = persistent_create(0xA2, "model.vhdx");
    rsvd_smb2_fileid model = pv_open(&fx, &s, &c, NULL).file_id;
    fx_fini(&fx);
    size_t n;
    unsigned char rec[1024];
    const unsigned char *r = record(model.persistent_id, &n);
    assert_true(n + 1 <= sizeof rec);
    memcpy(rec, r, n);
    const rsvd_store_ops *ops = rsvd_memory_store_ops();
    uint8_t key[28];
    assert_int_equal(ops->remove(ms, key, key_of(&instance, model.persistent_id, key)), RSVD_OK);

    enum { BAD_MAGIC, CUT, FLAGS, LEFT_OVER, OTHER_ID, OWNER, LOCK_SEQ, NO_DEADLINE, KINDS };
    for (int k = 0; k < KINDS; k++) {
        unsigned char v[1024];
        size_t len = n;
        memcpy(v, rec, n);
        uint64_t id = 0x7000u + (uint64_t)k; /* a key no open has */
        for (int i = 0; i < 8; i++)
            v[8 + i] = (unsigned char)(id >> (8 * i)); /* FileId.Persistent: the key's */
        switch (k) {
        case BAD_MAGIC: v[0] = 'X'; break;
        case CUT: len = 6; break;
        case FLAGS: v[7] |= 0x80; break;
        case LEFT_OVER: v[len++] = 0; break;
        case OTHER_ID: v[8] ^= 1; break;
        case OWNER: v[208] = 69; break;
        case LOCK_SEQ: v[144] = 0x20; break;
        case NO_DEADLINE: v[7] |= 0x02; break; /* REC_DETACHED, deadline 0 */
        default: break;
        }
        assert_int_equal(ops->put(ms, key, key_of(&instance, id, key), v, len), RSVD_OK);
    }

    init(&fx);
    size_t restored = 0;
    assert_int_equal(rsvd_res_server_restore(fx.srv, fx.now, &restored), RSVD_OK);
    assert_int_equal(restored, 1);
    assert_true(fx_exists(&fx, &good));
    rsvd_res_server_stats stats = RSVD_STRUCT_INIT(rsvd_res_server_stats);
    rsvd_res_server_get_stats(fx.srv, &stats);
    assert_int_equal(stats.store_errors, KINDS);
    assert_int_equal(stats.opens, 1);
    assert_int_equal(count(), 1 + KINDS); /* damaged records stay for a newer version */
    fx_fini(&fx);
}

/* Allocation failures: the batch of a lost connection falls back to one
 * put per open; a LockSequence entry whose record cannot be built is not
 * recorded (RSVD_E_IO); a restore that runs out of memory returns
 * RSVD_E_NOMEM and keeps no open, and leaks nothing - each allocation in
 * turn. */
static void store_allocation_failures_leave_nothing_half_done(void **state)
{
    (void)state;
    fa_alloc fa;
    fa_init(&fa);
    rsvd_res_server_config cfg = RSVD_STRUCT_INIT(rsvd_res_server_config);
    cfg.mem = &fa.mem;
    srv_fx fx;
    pv_init(&fx, &cfg, &st->ops, st, &instance);
    pv_where w = pv_alice();
    fx_sess s = pv_session(&fx, &w);
    rsvd_smb2_fileid f[2];
    for (int i = 0; i < 2; i++) {
        char name[16];
        snprintf(name, sizeof name, "m%d.vhdx", i);
        pv_create c = persistent_create((uint8_t)(0xB1 + i), name);
        f[i] = pv_open(&fx, &s, &c, NULL).file_id;
    }
    rsvd_res_lock_op op = fx_lock_begin(&fx, &s, &f[0], rsvd_smb2_lock_seq_encode(4, 2));
    fa_fail_nth(&fa, 1); /* the record's buffer */
    assert_int_equal(rsvd_res_server_lock_end(fx.srv, &op, RSVD_STATUS_SUCCESS), RSVD_E_IO);
    bool valid = true;
    uint8_t number = 0;
    assert_int_equal(rsvd_res_server_lock_seq(fx.srv, f[0].persistent_id, 4, &valid, &number),
                     RSVD_OK);
    assert_false(valid);
    size_t puts = st->calls[FAULTY_PUT];
    fa_fail_nth(&fa, 2); /* the deadline heap's first growth, then the batch */
    assert_int_equal(rsvd_res_server_conn_lost(fx.srv, s.ctx.conn, fx.now), RSVD_OK);
    assert_int_equal(st->calls[FAULTY_APPLY], 0);
    assert_int_equal(st->calls[FAULTY_PUT], puts + 2);
    for (int i = 0; i < 2; i++) {
        size_t n;
        const unsigned char *r = record(f[i].persistent_id, &n);
        assert_int_equal(le16(r + 6) & 0x0200, 0x0200);
    }
    fx_fini(&fx);
    assert_int_equal(fa.live, 0);

    bool done = false;
    for (size_t k = 1; !done && k < 200; k++) {
        fa_init(&fa);
        pv_init(&fx, &cfg, &st->ops, st, &instance);
        fa_fail_nth(&fa, k);
        size_t restored = 0;
        int rc = rsvd_res_server_restore(fx.srv, fx.now, &restored);
        rsvd_res_server_stats stats = RSVD_STRUCT_INIT(rsvd_res_server_stats);
        rsvd_res_server_get_stats(fx.srv, &stats);
        if (fa.failed == 0) {
            assert_int_equal(rc, RSVD_OK);
            assert_int_equal(restored, 2);
            done = true;
        } else if (rc == RSVD_E_NOMEM) {
            assert_int_equal(restored, 0);
            assert_int_equal(stats.opens, 0);
        } else {
            /* A failure after the host reopened an open gives that open
             * back (close_open, RESOURCES); one in rewriting a restored
             * open's record is only counted. */
            assert_int_equal(rc, RSVD_OK);
            assert_int_equal(stats.opens, restored);
            assert_true(stats.store_errors >= 1);
        }
        fx_fini(&fx);
        assert_int_equal(fa.live, 0);
        assert_int_equal(count(), 2); /* the records stay */
    }
    assert_true(done);
}

static void never_close(rsvd_res_server *srv, const rsvd_res_closed_open *c, void *ud)
{
    (void)srv;
    (void)c;
    (void)ud;
    fail_msg("no open was closed");
}

static uint64_t a_wall_clock(rsvd_res_server *srv, void *ud)
{
    (void)srv;
    (void)ud;
    return 1;
}

/* A store needs the wall clock: rsvd_res_server_new refuses a store
 * without wall_clock_ms, or one with a function missing. */
static void a_store_needs_a_wall_clock_and_its_three_functions(void **state)
{
    (void)state;
    rsvd_res_server_config cfg = RSVD_STRUCT_INIT(rsvd_res_server_config);
    cfg.store = &st->ops;
    cfg.store_ctx = st;
    rsvd_res_server_callbacks cb = RSVD_STRUCT_INIT(rsvd_res_server_callbacks);
    cb.close_open = never_close;
    rsvd_res_server *s = NULL;
    assert_int_equal(rsvd_res_server_new(&cfg, &cb, NULL, &s), RSVD_E_INVAL);
    cb.wall_clock_ms = a_wall_clock;
    rsvd_store_ops partial = st->ops;
    partial.traverse = NULL;
    cfg.store = &partial;
    assert_int_equal(rsvd_res_server_new(&cfg, &cb, NULL, &s), RSVD_E_INVAL);
    cfg.store = &st->ops;
    assert_int_equal(rsvd_res_server_new(&cfg, &cb, NULL, &s), RSVD_OK);
    rsvd_res_server_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(persistent_grant_is_written_before_its_response, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(failed_write_refuses_the_grant_and_keeps_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            disconnect_and_reclaim_are_written_and_a_failed_reclaim_is_undone, setup, teardown),
        cmocka_unit_test_setup_teardown(lost_connection_writes_its_persistent_opens_in_one_batch,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(close_and_expiry_remove_the_record, setup, teardown),
        cmocka_unit_test_setup_teardown(
            lock_entries_and_resiliency_of_a_persistent_open_are_written, setup, teardown),
        cmocka_unit_test_setup_teardown(restore_brings_back_persistent_opens_with_their_state,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(restore_drops_expired_and_refused_records, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            restore_reads_only_its_instance_and_skips_unreadable_records, setup, teardown),
        cmocka_unit_test_setup_teardown(restore_skips_every_kind_of_damaged_record, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(store_allocation_failures_leave_nothing_half_done, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_store_needs_a_wall_clock_and_its_three_functions,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
