/*
 * The contract of rsvd/store.h as tests (store_contract.h).
 */
#include "store_contract.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---------------------------------------------------------------------- */

void sc_fill(uint8_t *buf, size_t len, uint32_t seed)
{
    uint32_t x = seed * 2654435761u + 1u;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf[i] = (uint8_t)x;
    }
}

static uint8_t *sc_dup(const void *p, size_t len)
{
    uint8_t *d = malloc(len ? len : 1);
    assert_non_null(d);
    if (len)
        memcpy(d, p, len);
    return d;
}

static int sc_snapshot_visit(void *arg, const void *key, size_t key_len, const void *value,
                             size_t value_len)
{
    sc_snapshot *snap = arg;
    /* The contract gives valid pointers, also for empty keys and values. */
    assert_non_null(key);
    assert_non_null(value);
    if (snap->n == snap->cap) {
        snap->cap = snap->cap ? snap->cap * 2 : 64;
        snap->r = realloc(snap->r, snap->cap * sizeof *snap->r);
        assert_non_null(snap->r);
    }
    sc_record *r = &snap->r[snap->n++];
    r->key = sc_dup(key, key_len);
    r->key_len = key_len;
    r->value = sc_dup(value, value_len);
    r->value_len = value_len;
    return 0;
}

static int sc_key_cmp(const void *ka, size_t la, const void *kb, size_t lb)
{
    int c = memcmp(ka, kb, la < lb ? la : lb);
    if (c)
        return c;
    return la < lb ? -1 : la > lb;
}

static int sc_record_cmp(const void *a, const void *b)
{
    const sc_record *ra = a, *rb = b;
    return sc_key_cmp(ra->key, ra->key_len, rb->key, rb->key_len);
}

void sc_snapshot_take(const sc_store *s, sc_snapshot *snap)
{
    memset(snap, 0, sizeof *snap);
    assert_int_equal(s->ops->traverse(s->ctx, sc_snapshot_visit, snap), RSVD_OK);
    if (snap->n)
        qsort(snap->r, snap->n, sizeof *snap->r, sc_record_cmp);
    for (size_t i = 1; i < snap->n; i++) /* each key once */
        assert_true(sc_record_cmp(&snap->r[i - 1], &snap->r[i]) < 0);
}

void sc_snapshot_free(sc_snapshot *snap)
{
    for (size_t i = 0; i < snap->n; i++) {
        free(snap->r[i].key);
        free(snap->r[i].value);
    }
    free(snap->r);
    memset(snap, 0, sizeof *snap);
}

const sc_record *sc_snapshot_find(const sc_snapshot *snap, const void *key, size_t key_len)
{
    size_t lo = 0, hi = snap->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = sc_key_cmp(key, key_len, snap->r[mid].key, snap->r[mid].key_len);
        if (c == 0)
            return &snap->r[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

void sc_snapshot_assert_equal(const sc_snapshot *a, const sc_snapshot *b)
{
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        tu_assert_bytes(a->r[i].key, a->r[i].key_len, b->r[i].key, b->r[i].key_len);
        tu_assert_bytes(a->r[i].value, a->r[i].value_len, b->r[i].value, b->r[i].value_len);
    }
}

void sc_assert_record(const sc_store *s, const char *key, const void *value, size_t value_len)
{
    sc_snapshot snap;
    sc_snapshot_take(s, &snap);
    const sc_record *r = sc_snapshot_find(&snap, key, strlen(key));
    if (!r)
        fail_msg("no record of key '%s'", key);
    else
        tu_assert_bytes(r->value, r->value_len, value, value_len);
    sc_snapshot_free(&snap);
}

static int sc_count_visit(void *arg, const void *key, size_t key_len, const void *value,
                          size_t value_len)
{
    (void)key, (void)key_len, (void)value, (void)value_len;
    (*(size_t *)arg)++;
    return 0;
}

size_t sc_count(const sc_store *s)
{
    size_t n = 0;
    assert_int_equal(s->ops->traverse(s->ctx, sc_count_visit, &n), RSVD_OK);
    return n;
}

static int sc_put_str(const sc_store *s, const char *key, const char *value)
{
    return s->ops->put(s->ctx, key, strlen(key), value, strlen(value));
}

static void sc_begin(void **state, sc_store *s)
{
    const sc_kind *kind = *state;
    memset(s, 0, sizeof *s);
    kind->open(s);
    assert_non_null(s->ops);
    assert_int_equal(s->ops->struct_size, sizeof(rsvd_store_ops));
    assert_int_equal(sc_count(s), 0);
}

static void sc_end(void **state, sc_store *s)
{
    const sc_kind *kind = *state;
    kind->close(s);
}

/* ---- the contract ------------------------------------------------------------------- */

void sc_put_then_traverse_finds_the_record(void **state)
{
    sc_store s;
    sc_begin(state, &s);
    assert_int_equal(sc_put_str(&s, "fileid:0000000000000001", "granted"), RSVD_OK);
    assert_int_equal(sc_count(&s), 1);
    sc_assert_record(&s, "fileid:0000000000000001", "granted", 7);
    sc_end(state, &s);
}

void sc_put_replaces_the_record_of_the_same_key(void **state)
{
    sc_store s;
    sc_begin(state, &s);
    assert_int_equal(sc_put_str(&s, "k", "a short value"), RSVD_OK);
    assert_int_equal(sc_put_str(&s, "k", "a longer value than the first one"), RSVD_OK);
    assert_int_equal(sc_count(&s), 1);
    sc_assert_record(&s, "k", "a longer value than the first one", 33);
    assert_int_equal(sc_put_str(&s, "k", "short"), RSVD_OK);
    assert_int_equal(sc_count(&s), 1);
    sc_assert_record(&s, "k", "short", 5);
    sc_end(state, &s);
}

void sc_remove_deletes_only_its_key(void **state)
{
    sc_store s;
    sc_begin(state, &s);
    assert_int_equal(sc_put_str(&s, "a", "1"), RSVD_OK);
    assert_int_equal(sc_put_str(&s, "b", "2"), RSVD_OK);
    assert_int_equal(sc_put_str(&s, "c", "3"), RSVD_OK);
    assert_int_equal(s.ops->remove(s.ctx, "b", 1), RSVD_OK);
    assert_int_equal(sc_count(&s), 2);
    sc_assert_record(&s, "a", "1", 1);
    sc_assert_record(&s, "c", "3", 1);
    sc_snapshot snap;
    sc_snapshot_take(&s, &snap);
    assert_null(sc_snapshot_find(&snap, "b", 1));
    sc_snapshot_free(&snap);
    /* A key removed can be put again. */
    assert_int_equal(sc_put_str(&s, "b", "again"), RSVD_OK);
    sc_assert_record(&s, "b", "again", 5);
    sc_end(state, &s);
}

void sc_remove_of_a_missing_key_succeeds(void **state)
{
    sc_store s;
    sc_begin(state, &s);
    assert_int_equal(s.ops->remove(s.ctx, "never", 5), RSVD_OK); /* empty store */
    assert_int_equal(sc_put_str(&s, "kept", "v"), RSVD_OK);
    assert_int_equal(s.ops->remove(s.ctx, "never", 5), RSVD_OK);
    assert_int_equal(s.ops->remove(s.ctx, "kept", 4), RSVD_OK);
    assert_int_equal(s.ops->remove(s.ctx, "kept", 4), RSVD_OK); /* twice */
    assert_int_equal(sc_count(&s), 0);
    sc_end(state, &s);
}

void sc_empty_key_and_empty_value_are_records(void **state)
{
    sc_store s;
    sc_begin(state, &s);
    assert_int_equal(s.ops->put(s.ctx, NULL, 0, "value of the empty key", 22), RSVD_OK);
    assert_int_equal(s.ops->put(s.ctx, "no value", 8, NULL, 0), RSVD_OK);
    assert_int_equal(s.ops->put(s.ctx, "", 0, "", 0), RSVD_OK); /* replaces the first */
    assert_int_equal(sc_count(&s), 2);
    sc_snapshot snap;
    sc_snapshot_take(&s, &snap);
    const sc_record *e = sc_snapshot_find(&snap, "", 0);
    assert_non_null(e);
    assert_int_equal(e ? e->value_len : 1, 0);
    const sc_record *nv = sc_snapshot_find(&snap, "no value", 8);
    assert_non_null(nv);
    assert_int_equal(nv ? nv->value_len : 1, 0);
    sc_snapshot_free(&snap);
    assert_int_equal(s.ops->remove(s.ctx, NULL, 0), RSVD_OK);
    assert_int_equal(sc_count(&s), 1);
    sc_end(state, &s);
}

void sc_keys_differing_in_length_or_one_byte_are_distinct(void **state)
{
    sc_store s;
    sc_begin(state, &s);
    const uint8_t k[4] = {'a', 'b', 0, 'c'};
    for (size_t len = 1; len <= 4; len++) { /* "a", "ab", "ab\0", "ab\0c" */
        uint8_t v = (uint8_t)len;
        assert_int_equal(s.ops->put(s.ctx, k, len, &v, 1), RSVD_OK);
    }
    const uint8_t k2[4] = {'a', 'b', 0, 'd'};
    uint8_t v5 = 5;
    assert_int_equal(s.ops->put(s.ctx, k2, 4, &v5, 1), RSVD_OK);
    assert_int_equal(sc_count(&s), 5);
    sc_snapshot snap;
    sc_snapshot_take(&s, &snap);
    for (size_t len = 1; len <= 4; len++) {
        const sc_record *r = sc_snapshot_find(&snap, k, len);
        assert_non_null(r);
        assert_int_equal(r ? r->value[0] : 0, len);
    }
    const sc_record *r2 = sc_snapshot_find(&snap, k2, 4);
    assert_non_null(r2);
    assert_int_equal(r2 ? r2->value[0] : 0, 5);
    sc_snapshot_free(&snap);
    sc_end(state, &s);
}

void sc_large_values_are_kept_whole(void **state)
{
    sc_store s;
    sc_begin(state, &s);
    const size_t sizes[3] = {65536 + 3, 1u << 20, 16u << 20};
    uint8_t *big = malloc(sizes[2]);
    assert_non_null(big);
    for (uint32_t i = 0; i < 3; i++) {
        char key[16];
        snprintf(key, sizeof key, "big-%u", i);
        sc_fill(big, sizes[i], i + 100);
        assert_int_equal(s.ops->put(s.ctx, key, strlen(key), big, sizes[i]), RSVD_OK);
    }
    /* A large record replaced by a small one, and the other way round. */
    assert_int_equal(sc_put_str(&s, "big-0", "small now"), RSVD_OK);
    sc_fill(big, sizes[1], 7);
    assert_int_equal(s.ops->put(s.ctx, "small", 5, big, sizes[1]), RSVD_OK);
    sc_snapshot snap;
    sc_snapshot_take(&s, &snap);
    assert_int_equal(snap.n, 4);
    const sc_record *r = sc_snapshot_find(&snap, "small", 5);
    assert_non_null(r);
    if (r)
        tu_assert_bytes(r->value, r->value_len, big, sizes[1]);
    sc_fill(big, sizes[2], 102);
    r = sc_snapshot_find(&snap, "big-2", 5);
    assert_non_null(r);
    if (r) {
        assert_int_equal(r->value_len, sizes[2]);
        assert_memory_equal(r->value, big, sizes[2]);
    }
    sc_snapshot_free(&snap);
    free(big);
    sc_end(state, &s);
}

/* Key i's value in generation g: its length and bytes depend on both. */
static size_t sc_many_value(uint8_t *buf, unsigned i, unsigned g)
{
    size_t len = 1 + (i * 7u + g * 13u) % 200u;
    sc_fill(buf, len, i * 4u + g);
    return len;
}

void sc_many_records_put_replaced_and_removed(void **state)
{
    sc_store s;
    sc_begin(state, &s);
    enum { N = 6000 };
    uint8_t v[256];
    char key[32];
    for (unsigned i = 0; i < N; i++) {
        snprintf(key, sizeof key, "open-%08u", i);
        size_t len = sc_many_value(v, i, 1);
        assert_int_equal(s.ops->put(s.ctx, key, strlen(key), v, len), RSVD_OK);
    }
    for (unsigned i = 0; i < N; i++) {
        snprintf(key, sizeof key, "open-%08u", i);
        if (i % 3 == 0) {
            assert_int_equal(s.ops->remove(s.ctx, key, strlen(key)), RSVD_OK);
        } else if (i % 3 == 1) {
            size_t len = sc_many_value(v, i, 2);
            assert_int_equal(s.ops->put(s.ctx, key, strlen(key), v, len), RSVD_OK);
        }
    }
    sc_snapshot snap;
    sc_snapshot_take(&s, &snap);
    assert_int_equal(snap.n, N - N / 3);
    for (unsigned i = 0; i < N; i++) {
        snprintf(key, sizeof key, "open-%08u", i);
        const sc_record *r = sc_snapshot_find(&snap, key, strlen(key));
        if (i % 3 == 0) {
            assert_null(r);
            continue;
        }
        assert_non_null(r);
        size_t len = sc_many_value(v, i, i % 3 == 1 ? 2 : 1);
        if (r)
            tu_assert_bytes(r->value, r->value_len, v, len);
    }
    sc_snapshot_free(&snap);
    sc_end(state, &s);
}

static int sc_stop_after(void *arg, const void *key, size_t key_len, const void *value,
                         size_t value_len)
{
    (void)key, (void)key_len, (void)value, (void)value_len;
    size_t *left = arg;
    return --*left == 0;
}

void sc_traverse_stops_when_the_visitor_says_so(void **state)
{
    sc_store s;
    sc_begin(state, &s);
    for (int i = 0; i < 10; i++) {
        char key[8];
        snprintf(key, sizeof key, "k%d", i);
        assert_int_equal(sc_put_str(&s, key, "v"), RSVD_OK);
    }
    size_t left = 3;
    assert_int_equal(s.ops->traverse(s.ctx, sc_stop_after, &left), RSVD_OK);
    assert_int_equal(left, 0); /* called exactly three times */
    sc_end(state, &s);
}

typedef struct sc_meddler {
    const sc_store *s;
    int put_rc, remove_rc, apply_rc;
    size_t visits;
} sc_meddler;

static int sc_meddle(void *arg, const void *key, size_t key_len, const void *value,
                     size_t value_len)
{
    (void)value, (void)value_len;
    sc_meddler *m = arg;
    m->visits++;
    m->put_rc = m->s->ops->put(m->s->ctx, "new", 3, "x", 1);
    m->remove_rc = m->s->ops->remove(m->s->ctx, key, key_len);
    rsvd_store_change c = {"new2", 4, "y", 1, RSVD_STORE_PUT, 0};
    m->apply_rc = m->s->ops->apply(m->s->ctx, &c, 1);
    return 0;
}

void sc_writes_from_inside_a_traversal_are_refused(void **state)
{
    sc_store s;
    sc_begin(state, &s);
    assert_int_equal(sc_put_str(&s, "a", "1"), RSVD_OK);
    assert_int_equal(sc_put_str(&s, "b", "2"), RSVD_OK);
    sc_snapshot before, after;
    sc_snapshot_take(&s, &before);
    sc_meddler m = {&s, 0, 0, 0, 0};
    assert_int_equal(s.ops->traverse(s.ctx, sc_meddle, &m), RSVD_OK);
    assert_int_equal(m.visits, 2);
    assert_int_equal(m.put_rc, RSVD_E_BUSY);
    assert_int_equal(m.remove_rc, RSVD_E_BUSY);
    assert_int_equal(m.apply_rc, RSVD_E_BUSY);
    sc_snapshot_take(&s, &after);
    sc_snapshot_assert_equal(&before, &after);
    sc_snapshot_free(&before);
    sc_snapshot_free(&after);
    /* After the traversal, writes work again. */
    assert_int_equal(sc_put_str(&s, "c", "3"), RSVD_OK);
    assert_int_equal(sc_count(&s), 3);
    sc_end(state, &s);
}

typedef struct sc_nest {
    const sc_store *s;
    size_t outer, inner;
} sc_nest;

static int sc_nest_visit(void *arg, const void *key, size_t key_len, const void *value,
                         size_t value_len)
{
    (void)key, (void)key_len, (void)value, (void)value_len;
    sc_nest *n = arg;
    n->outer++;
    n->inner += sc_count(n->s);
    return 0;
}

void sc_traversals_nest(void **state)
{
    sc_store s;
    sc_begin(state, &s);
    for (int i = 0; i < 4; i++) {
        char key[8];
        snprintf(key, sizeof key, "k%d", i);
        assert_int_equal(sc_put_str(&s, key, "v"), RSVD_OK);
    }
    sc_nest n = {&s, 0, 0};
    assert_int_equal(s.ops->traverse(s.ctx, sc_nest_visit, &n), RSVD_OK);
    assert_int_equal(n.outer, 4);
    assert_int_equal(n.inner, 16);
    sc_end(state, &s);
}

void sc_apply_makes_the_changes_in_order(void **state)
{
    sc_store s;
    sc_begin(state, &s);
    assert_non_null(s.ops->apply);
    assert_int_equal(sc_put_str(&s, "old", "was here"), RSVD_OK);
    assert_int_equal(sc_put_str(&s, "gone", "soon"), RSVD_OK);
    const rsvd_store_change c[] = {
        {"a", 1, "first", 5, RSVD_STORE_PUT, 0},
        {"gone", 4, NULL, 0, RSVD_STORE_REMOVE, 0},
        {"a", 1, "second", 6, RSVD_STORE_PUT, 0},       /* a later change wins */
        {"b", 1, "put then removed", 16, RSVD_STORE_PUT, 0},
        {"b", 1, NULL, 0, RSVD_STORE_REMOVE, 0},
        {"old", 3, "replaced", 8, RSVD_STORE_PUT, 0},
        {"missing", 7, NULL, 0, RSVD_STORE_REMOVE, 0}, /* not an error */
        {"", 0, "", 0, RSVD_STORE_PUT, 0},
    };
    assert_int_equal(s.ops->apply(s.ctx, c, sizeof c / sizeof c[0]), RSVD_OK);
    assert_int_equal(sc_count(&s), 3);
    sc_assert_record(&s, "a", "second", 6);
    sc_assert_record(&s, "old", "replaced", 8);
    sc_assert_record(&s, "", "", 0);
    /* A batch of removes only. */
    const rsvd_store_change r[] = {
        {"a", 1, NULL, 0, RSVD_STORE_REMOVE, 0},
        {"old", 3, NULL, 0, RSVD_STORE_REMOVE, 0},
    };
    assert_int_equal(s.ops->apply(s.ctx, r, 2), RSVD_OK);
    assert_int_equal(sc_count(&s), 1);
    sc_end(state, &s);
}

void sc_apply_of_nothing_succeeds(void **state)
{
    sc_store s;
    sc_begin(state, &s);
    assert_int_equal(sc_put_str(&s, "k", "v"), RSVD_OK);
    assert_int_equal(s.ops->apply(s.ctx, NULL, 0), RSVD_OK);
    const rsvd_store_change only_missing = {"none", 4, NULL, 0, RSVD_STORE_REMOVE, 0};
    assert_int_equal(s.ops->apply(s.ctx, &only_missing, 1), RSVD_OK);
    assert_int_equal(sc_count(&s), 1);
    sc_end(state, &s);
}

static int sc_never_called(void *arg, const void *key, size_t key_len, const void *value,
                           size_t value_len)
{
    (void)arg, (void)key, (void)key_len, (void)value, (void)value_len;
    fail_msg("visitor called");
    return 1;
}

void sc_invalid_arguments_are_refused_and_change_nothing(void **state)
{
    sc_store s;
    sc_begin(state, &s);
    assert_int_equal(sc_put_str(&s, "k", "v"), RSVD_OK);
    const rsvd_store_ops *o = s.ops;
    assert_int_equal(o->put(s.ctx, NULL, 3, "v", 1), RSVD_E_INVAL);
    assert_int_equal(o->put(s.ctx, "k", 1, NULL, 1), RSVD_E_INVAL);
    assert_int_equal(o->remove(s.ctx, NULL, 1), RSVD_E_INVAL);
    assert_int_equal(o->apply(s.ctx, NULL, 1), RSVD_E_INVAL);
    assert_int_equal(o->traverse(s.ctx, NULL, NULL), RSVD_E_INVAL);
    /* One bad change refuses the whole batch before any is made. */
    const rsvd_store_change bad[][2] = {
        {{"x", 1, "1", 1, RSVD_STORE_PUT, 0}, {NULL, 2, "2", 1, RSVD_STORE_PUT, 0}},
        {{"x", 1, "1", 1, RSVD_STORE_PUT, 0}, {"y", 1, NULL, 1, RSVD_STORE_PUT, 0}},
        {{"x", 1, "1", 1, RSVD_STORE_PUT, 0}, {"y", 1, "2", 1, (rsvd_store_change_kind)7, 0}},
        {{"k", 1, NULL, 0, RSVD_STORE_REMOVE, 0}, {NULL, 1, NULL, 0, RSVD_STORE_REMOVE, 0}},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(o->apply(s.ctx, bad[i], 2), RSVD_E_INVAL);
    assert_int_equal(sc_count(&s), 1);
    sc_assert_record(&s, "k", "v", 1);
    /* Without a context every function refuses. */
    assert_int_equal(o->put(NULL, "k", 1, "v", 1), RSVD_E_INVAL);
    assert_int_equal(o->remove(NULL, "k", 1), RSVD_E_INVAL);
    assert_int_equal(o->apply(NULL, bad[0], 1), RSVD_E_INVAL);
    assert_int_equal(o->traverse(NULL, sc_never_called, NULL), RSVD_E_INVAL);
    sc_end(state, &s);
}
