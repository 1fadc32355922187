/*
 * The in-memory state store (rsvd/memory_store.h, lib/stores/memory_store.c):
 * the store contract on a counting allocator (nothing alive after
 * destroy), creation and configuration, count, allocation failures at
 * every point of every write (the store as it was, nothing leaked), the
 * best-effort growth of the table, and the hash key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rsvd/memory_store.h>

#include "fail_alloc.h"
#include "store_contract.h"

static fa_alloc contract_alloc;

static void memory_open(sc_store *s)
{
    fa_init(&contract_alloc);
    rsvd_memory_store_config cfg = RSVD_STRUCT_INIT(rsvd_memory_store_config);
    cfg.mem = &contract_alloc.mem;
    rsvd_memory_store *ms = NULL;
    assert_int_equal(rsvd_memory_store_create(&cfg, &ms), RSVD_OK);
    s->ops = rsvd_memory_store_ops();
    s->ctx = ms;
}

static void memory_close(sc_store *s)
{
    rsvd_memory_store_destroy(s->ctx);
    assert_int_equal(contract_alloc.live, 0); /* every record and the table freed */
}

static const sc_kind memory_kind = {"memory", memory_open, memory_close};

/* A store on @p a (fixed hash key: repeatable runs). */
static rsvd_memory_store *store_on(fa_alloc *a)
{
    rsvd_memory_store_config cfg = RSVD_STRUCT_INIT(rsvd_memory_store_config);
    cfg.mem = &a->mem;
    cfg.hash_key[0] = 0x0123456789abcdefull;
    cfg.hash_key[1] = 0xfedcba9876543210ull;
    rsvd_memory_store *ms = NULL;
    assert_int_equal(rsvd_memory_store_create(&cfg, &ms), RSVD_OK);
    return ms;
}

static sc_store as_store(rsvd_memory_store *ms)
{
    sc_store s = {rsvd_memory_store_ops(), ms};
    return s;
}

static void create_takes_every_default_from_a_null_config(void **state)
{
    (void)state;
    rsvd_memory_store *ms = NULL;
    assert_int_equal(rsvd_memory_store_create(NULL, &ms), RSVD_OK);
    assert_non_null(ms);
    sc_store s = as_store(ms);
    assert_int_equal(s.ops->put(ms, "k", 1, "v", 1), RSVD_OK);
    assert_int_equal(rsvd_memory_store_count(ms), 1);
    rsvd_memory_store_destroy(ms);
    rsvd_memory_store_destroy(NULL);
    assert_int_equal(rsvd_memory_store_count(NULL), 0);
}

static void create_refuses_what_it_cannot_use(void **state)
{
    (void)state;
    rsvd_memory_store *ms = (rsvd_memory_store *)&ms;
    assert_int_equal(rsvd_memory_store_create(NULL, NULL), RSVD_E_INVAL);
    /* Not set with RSVD_STRUCT_INIT. */
    rsvd_memory_store_config zero;
    memset(&zero, 0, sizeof zero);
    assert_int_equal(rsvd_memory_store_create(&zero, &ms), RSVD_E_INVAL);
    assert_null(ms);
    /* From newer headers: accepted while what this library does not know is zero. */
    struct {
        rsvd_memory_store_config c;
        uint64_t newer;
    } big;
    memset(&big, 0, sizeof big);
    big.c.struct_size = sizeof big;
    assert_int_equal(rsvd_memory_store_create(&big.c, &ms), RSVD_OK);
    rsvd_memory_store_destroy(ms);
    big.newer = 1;
    assert_int_equal(rsvd_memory_store_create(&big.c, &ms), RSVD_E_NOTSUP);
    assert_null(ms);
    /* An allocator without its functions. */
    rsvd_mem broken = RSVD_STRUCT_INIT(rsvd_mem);
    rsvd_memory_store_config cfg = RSVD_STRUCT_INIT(rsvd_memory_store_config);
    cfg.mem = &broken;
    assert_int_equal(rsvd_memory_store_create(&cfg, &ms), RSVD_E_INVAL);
    /* No memory for the store itself. */
    fa_alloc a;
    fa_init(&a);
    fa_fail_all(&a);
    cfg.mem = &a.mem;
    assert_int_equal(rsvd_memory_store_create(&cfg, &ms), RSVD_E_NOMEM);
    assert_null(ms);
    assert_int_equal(a.live, 0);
}

static void count_follows_puts_replaces_and_removes(void **state)
{
    (void)state;
    fa_alloc a;
    fa_init(&a);
    rsvd_memory_store *ms = store_on(&a);
    const rsvd_store_ops *o = rsvd_memory_store_ops();
    assert_int_equal(rsvd_memory_store_count(ms), 0);
    assert_int_equal(o->put(ms, "a", 1, "1", 1), RSVD_OK);
    assert_int_equal(o->put(ms, "b", 1, "2", 1), RSVD_OK);
    assert_int_equal(rsvd_memory_store_count(ms), 2);
    assert_int_equal(o->put(ms, "a", 1, "3", 1), RSVD_OK);
    assert_int_equal(rsvd_memory_store_count(ms), 2);
    assert_int_equal(a.live, 4); /* the store, its table and two records: the old "a" freed */
    assert_int_equal(o->remove(ms, "a", 1), RSVD_OK);
    assert_int_equal(o->remove(ms, "a", 1), RSVD_OK);
    assert_int_equal(rsvd_memory_store_count(ms), 1);
    rsvd_store_change c[2] = {{"x", 1, "", 0, RSVD_STORE_PUT, 0},
                              {"b", 1, NULL, 0, RSVD_STORE_REMOVE, 0}};
    assert_int_equal(o->apply(ms, c, 2), RSVD_OK);
    assert_int_equal(rsvd_memory_store_count(ms), 1);
    rsvd_memory_store_destroy(ms);
    assert_int_equal(a.live, 0);
}

/* Fails each allocation of @p write in turn: every failure answers
 * RSVD_E_NOMEM and leaves the records and the memory as they were; then it
 * succeeds. @return the number of allocations the write needs. */
static size_t check_every_allocation_failure(fa_alloc *a, rsvd_memory_store *ms,
                                             int (*write)(rsvd_memory_store *ms))
{
    sc_store s = as_store(ms);
    sc_snapshot before, after;
    sc_snapshot_take(&s, &before);
    size_t n = 1;
    for (;; n++) {
        size_t live = a->live, bytes = a->live_bytes;
        fa_fail_nth(a, n);
        size_t calls = a->calls;
        int rc = write(ms);
        bool reached = a->calls - calls >= n;
        fa_heal(a);
        if (!reached) {
            assert_int_equal(rc, RSVD_OK); /* n-1 allocations suffice */
            break;
        }
        assert_int_equal(rc, RSVD_E_NOMEM);
        assert_int_equal(a->live, live);
        assert_int_equal(a->live_bytes, bytes);
        sc_snapshot_take(&s, &after);
        sc_snapshot_assert_equal(&before, &after);
        sc_snapshot_free(&after);
    }
    sc_snapshot_free(&before);
    return n - 1;
}

static int put_new(rsvd_memory_store *ms)
{
    return rsvd_memory_store_ops()->put(ms, "new", 3, "value", 5);
}

static int put_replace(rsvd_memory_store *ms)
{
    return rsvd_memory_store_ops()->put(ms, "k1", 2, "a new value", 11);
}

static int apply_five_puts(rsvd_memory_store *ms)
{
    const rsvd_store_change c[] = {
        {"p1", 2, "1", 1, RSVD_STORE_PUT, 0},   {"k1", 2, NULL, 0, RSVD_STORE_REMOVE, 0},
        {"p2", 2, "2", 1, RSVD_STORE_PUT, 0},   {"k2", 2, "22", 2, RSVD_STORE_PUT, 0},
        {"p3", 2, "3", 1, RSVD_STORE_PUT, 0},   {"p1", 2, "11", 2, RSVD_STORE_PUT, 0},
    };
    return rsvd_memory_store_ops()->apply(ms, c, sizeof c / sizeof c[0]);
}

static void a_failed_allocation_leaves_the_store_as_it_was(void **state)
{
    (void)state;
    fa_alloc a;
    fa_init(&a);
    rsvd_memory_store *ms = store_on(&a);
    /* The first put allocates its record, then the table. */
    assert_int_equal(check_every_allocation_failure(&a, ms, put_new), 2);
    const rsvd_store_ops *o = rsvd_memory_store_ops();
    assert_int_equal(o->put(ms, "k1", 2, "v1", 2), RSVD_OK);
    assert_int_equal(o->put(ms, "k2", 2, "v2", 2), RSVD_OK);
    /* A replacement: the new record first; the old one stays on failure. */
    assert_int_equal(check_every_allocation_failure(&a, ms, put_replace), 1);
    sc_store s = as_store(ms);
    sc_assert_record(&s, "k1", "a new value", 11);
    /* A batch: every record of it, or none. */
    assert_int_equal(check_every_allocation_failure(&a, ms, apply_five_puts), 5);
    assert_int_equal(rsvd_memory_store_count(ms), 5); /* new, k2, p1, p2, p3 */
    sc_assert_record(&s, "p1", "11", 2);
    sc_assert_record(&s, "k2", "22", 2);
    /* A batch into an empty store also needs the table. */
    rsvd_memory_store *empty = store_on(&a);
    assert_int_equal(check_every_allocation_failure(&a, empty, apply_five_puts), 6);
    rsvd_memory_store_destroy(empty);
    rsvd_memory_store_destroy(ms);
    assert_int_equal(a.live, 0);
}

static void a_size_no_allocator_can_give_is_refused_without_allocating(void **state)
{
    (void)state;
    fa_alloc a;
    fa_init(&a);
    rsvd_memory_store *ms = store_on(&a);
    const rsvd_store_ops *o = rsvd_memory_store_ops();
    assert_int_equal(o->put(ms, "k", 1, "v", 1), RSVD_OK);
    size_t calls = a.calls;
    /* The lengths are refused before anything is read or allocated. */
    assert_int_equal(o->put(ms, "k", SIZE_MAX / 2, "v", SIZE_MAX / 2), RSVD_E_NOMEM);
    assert_int_equal(o->put(ms, "k", SIZE_MAX, "v", 0), RSVD_E_NOMEM);
    rsvd_store_change c = {"k", 1, "v", SIZE_MAX, RSVD_STORE_PUT, 0};
    assert_int_equal(o->apply(ms, &c, 1), RSVD_E_NOMEM);
    assert_int_equal(a.calls, calls);
    sc_store s = as_store(ms);
    sc_assert_record(&s, "k", "v", 1);
    rsvd_memory_store_destroy(ms);
}

static void a_failed_growth_keeps_every_record(void **state)
{
    (void)state;
    fa_alloc a;
    fa_init(&a);
    rsvd_memory_store *ms = store_on(&a);
    const rsvd_store_ops *o = rsvd_memory_store_ops();
    char key[16];
    /* The table starts with 16 buckets and doubles at the 17th record. */
    for (int i = 0; i < 16; i++) {
        snprintf(key, sizeof key, "k%02d", i);
        assert_int_equal(o->put(ms, key, strlen(key), key, strlen(key)), RSVD_OK);
    }
    fa_fail_nth(&a, 2); /* the 17th put: its record works, the growth fails */
    assert_int_equal(o->put(ms, "k16", 3, "k16", 3), RSVD_OK);
    assert_int_equal(a.failed, 1);
    fa_heal(&a);
    for (int i = 17; i < 200; i++) { /* the next growths work */
        snprintf(key, sizeof key, "k%02d", i);
        assert_int_equal(o->put(ms, key, strlen(key), key, strlen(key)), RSVD_OK);
    }
    sc_store s = as_store(ms);
    sc_snapshot snap;
    sc_snapshot_take(&s, &snap);
    assert_int_equal(snap.n, 200);
    for (int i = 0; i < 200; i++) {
        snprintf(key, sizeof key, "k%02d", i);
        const sc_record *r = sc_snapshot_find(&snap, key, strlen(key));
        assert_non_null(r);
        if (r)
            tu_assert_bytes(r->value, r->value_len, (const uint8_t *)key, strlen(key));
    }
    sc_snapshot_free(&snap);
    rsvd_memory_store_destroy(ms);
    assert_int_equal(a.live, 0);
}

typedef struct key_order {
    char keys[64][8];
    size_t n;
} key_order;

static int record_order(void *arg, const void *key, size_t key_len, const void *value,
                        size_t value_len)
{
    (void)value, (void)value_len;
    key_order *o = arg;
    assert_true(key_len < 8 && o->n < 64);
    memcpy(o->keys[o->n], key, key_len);
    o->keys[o->n][key_len] = '\0';
    o->n++;
    return 0;
}

static void traversal_order(rsvd_memory_store *ms, key_order *o)
{
    const rsvd_store_ops *ops = rsvd_memory_store_ops();
    char key[8];
    for (int i = 0; i < 64; i++) {
        snprintf(key, sizeof key, "k%d", i);
        assert_int_equal(ops->put(ms, key, strlen(key), "", 0), RSVD_OK);
    }
    memset(o, 0, sizeof *o);
    assert_int_equal(ops->traverse(ms, record_order, o), RSVD_OK);
    assert_int_equal(o->n, 64);
}

/* Which bucket a key lands in depends on the secret key: two stores with
 * the same configured key order their records alike; two with the default
 * (random) keys do not (64 keys in 64 buckets: the chance that two random
 * keys give the same order is negligible). */
static void the_default_hash_key_is_random_and_a_set_one_repeatable(void **state)
{
    (void)state;
    fa_alloc a;
    fa_init(&a);
    key_order o1, o2;
    rsvd_memory_store *s1 = store_on(&a), *s2 = store_on(&a);
    traversal_order(s1, &o1);
    traversal_order(s2, &o2);
    assert_memory_equal(o1.keys, o2.keys, sizeof o1.keys);
    rsvd_memory_store_destroy(s1);
    rsvd_memory_store_destroy(s2);
    assert_int_equal(rsvd_memory_store_create(NULL, &s1), RSVD_OK);
    assert_int_equal(rsvd_memory_store_create(NULL, &s2), RSVD_OK);
    traversal_order(s1, &o1);
    traversal_order(s2, &o2);
    assert_true(memcmp(o1.keys, o2.keys, sizeof o1.keys) != 0);
    rsvd_memory_store_destroy(s1);
    rsvd_memory_store_destroy(s2);
}

/* What the store is for in a host: it outlives the server that wrote it.
 * Two users of one store see each other's records. */
static void the_store_outlives_its_users(void **state)
{
    (void)state;
    rsvd_memory_store *ms = NULL;
    assert_int_equal(rsvd_memory_store_create(NULL, &ms), RSVD_OK);
    sc_store first = as_store(ms);
    assert_int_equal(first.ops->put(first.ctx, "persistent-open", 15, "state", 5), RSVD_OK);
    sc_store second = as_store(ms); /* e.g. a server created after the first was freed */
    sc_assert_record(&second, "persistent-open", "state", 5);
    rsvd_memory_store_destroy(ms);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        SC_CONTRACT_TESTS(&memory_kind),
        cmocka_unit_test(create_takes_every_default_from_a_null_config),
        cmocka_unit_test(create_refuses_what_it_cannot_use),
        cmocka_unit_test(count_follows_puts_replaces_and_removes),
        cmocka_unit_test(a_failed_allocation_leaves_the_store_as_it_was),
        cmocka_unit_test(a_size_no_allocator_can_give_is_refused_without_allocating),
        cmocka_unit_test(a_failed_growth_keeps_every_record),
        cmocka_unit_test(the_default_hash_key_is_random_and_a_set_one_repeatable),
        cmocka_unit_test(the_store_outlives_its_users),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
