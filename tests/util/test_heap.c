/*
 * The indexed deadline heap behind the scavenger (lib/util/heap.c).
 */
#include <stdlib.h>
#include <string.h>

#include "util/heap.h"
#include "util/mem.h"

#include "testutil.h"

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 33;
}

static void pops_in_deadline_order_with_fifo_ties(void **state)
{
    (void)state;
    rsvd_heap h;
    rsvd_heap_init(&h, NULL);
    rsvd_heap_node n[6];
    const uint64_t keys[6] = {50, 10, 30, 10, 70, 30};
    for (int i = 0; i < 6; i++) {
        n[i].id = 0;
        assert_int_equal(rsvd_heap_push(&h, &n[i], keys[i]), RSVD_OK);
    }
    const int want[6] = {1, 3, 2, 5, 0, 4};
    for (int i = 0; i < 6; i++) {
        rsvd_heap_node *top = rsvd_heap_peek(&h);
        assert_non_null(top);
        assert_ptr_equal(top, &n[want[i]]);
        if (!top)
            return;
        rsvd_heap_remove(&h, top);
        assert_false(rsvd_heap_node_queued(top));
    }
    assert_null(rsvd_heap_peek(&h));
    rsvd_heap_fini(&h);
}

static void remove_from_middle_and_requeue_keep_order(void **state)
{
    (void)state;
    enum { N = 100000 };
    rsvd_heap h;
    rsvd_heap_init(&h, NULL);
    rsvd_heap_node *n = calloc(N, sizeof *n);
    assert_non_null(n);
    uint64_t seed = 1;
    for (size_t i = 0; i < N; i++)
        assert_int_equal(rsvd_heap_push(&h, &n[i], lcg(&seed) % 1000000), RSVD_OK);
    for (size_t i = 0; i < N; i += 3)
        rsvd_heap_remove(&h, &n[i]);               /* reclaimed before the deadline */
    for (size_t i = 1; i < N; i += 5)
        assert_int_equal(rsvd_heap_push(&h, &n[i], lcg(&seed) % 1000000), RSVD_OK); /* re-keyed */
    size_t popped = 0;
    uint64_t last = 0;
    rsvd_heap_node *top;
    while ((top = rsvd_heap_peek(&h)) != NULL) {
        assert_true(top->key >= last);
        last = top->key;
        rsvd_heap_remove(&h, top);
        popped++;
    }
    size_t gone = 0; /* removed and not queued again */
    for (size_t i = 0; i < N; i++)
        gone += (i % 3 == 0 && i % 5 != 1);
    assert_int_equal(popped, N - gone);
    free(n);
    rsvd_heap_fini(&h);
}

static void removing_an_unqueued_node_is_harmless(void **state)
{
    (void)state;
    rsvd_heap h;
    rsvd_heap_init(&h, NULL);
    rsvd_heap_node a = {0, 0}, b = {0, 0};
    rsvd_heap_remove(&h, &a);
    assert_int_equal(rsvd_heap_push(&h, &b, 5), RSVD_OK);
    rsvd_heap_remove(&h, &a);
    assert_ptr_equal(rsvd_heap_peek(&h), &b);
    rsvd_heap_fini(&h);
    assert_false(rsvd_heap_node_queued(&b));
}

/* Every queued node's id names its entry, and the array is a heap. */
static void assert_heap_consistent(const rsvd_heap *h)
{
    for (size_t i = 0; i < h->len; i++) {
        uint32_t id = h->v[i].id;
        assert_true(id >= 1 && id <= h->ids);
        assert_int_equal(h->pos[id - 1u], i);
        assert_int_equal(h->node[id - 1u]->id, id);
        assert_true(h->node[id - 1u]->key == h->v[i].key);
        if (i > 0)
            assert_true(h->v[(i - 1) / 4].key <= h->v[i].key);
    }
}

typedef struct ref_entry {
    uint64_t key, seq;
    size_t node;
} ref_entry;

static int ref_cmp(const void *a, const void *b)
{
    const ref_entry *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

/* Pops come in (deadline, push order) order, through removals and re-keys
 * that move entries in the middle, exactly as a sorted list would give
 * them. */
static void pop_follows_deadline_then_push_order(void **state)
{
    (void)state;
    enum { N = 20000 };
    rsvd_heap h;
    rsvd_heap_init(&h, NULL);
    rsvd_heap_node *n = calloc(N, sizeof *n);
    uint64_t *seq = calloc(N, sizeof *seq);
    ref_entry *ref = calloc(N, sizeof *ref);
    assert_true(n && seq && ref);
    uint64_t seed = 7, pushes = 0;
    for (size_t i = 0; i < N; i++) {
        assert_int_equal(rsvd_heap_push(&h, &n[i], lcg(&seed) % 500), RSVD_OK); /* many ties */
        seq[i] = pushes++;
    }
    for (size_t i = 0; i < N; i += 4)
        rsvd_heap_remove(&h, &n[i]);
    for (size_t i = 2; i < N; i += 7) {
        assert_int_equal(rsvd_heap_push(&h, &n[i], lcg(&seed) % 500), RSVD_OK);
        seq[i] = pushes++;
    }
    assert_heap_consistent(&h);
    size_t m = 0;
    for (size_t i = 0; i < N; i++)
        if (rsvd_heap_node_queued(&n[i]))
            ref[m++] = (ref_entry){n[i].key, seq[i], i};
    assert_int_equal(m, h.len);
    qsort(ref, m, sizeof *ref, ref_cmp);
    for (size_t k = 0; k < m; k++) {
        assert_true(rsvd_heap_top_before(&h, ref[k].key + 1));
        assert_false(rsvd_heap_top_before(&h, ref[k].key));
        rsvd_heap_node *got = rsvd_heap_pop(&h);
        assert_ptr_equal(got, &n[ref[k].node]);
        assert_false(rsvd_heap_node_queued(got));
        if (k % 1000 == 0)
            assert_heap_consistent(&h);
    }
    assert_int_equal(h.len, 0);
    assert_false(rsvd_heap_top_before(&h, UINT64_MAX));
    free(ref);
    free(seq);
    free(n);
    rsvd_heap_fini(&h);
}

/* Push order is kept modulo 2^32: equal deadlines still pop first-in
 * first-out when the counter wraps between them. */
static void fifo_ties_hold_across_the_order_wrap(void **state)
{
    (void)state;
    rsvd_heap h;
    rsvd_heap_init(&h, NULL);
    h.next_order = UINT32_MAX - 2u;
    rsvd_heap_node n[6];
    memset(n, 0, sizeof n);
    for (int i = 0; i < 6; i++)
        assert_int_equal(rsvd_heap_push(&h, &n[i], 42), RSVD_OK);
    for (int i = 0; i < 6; i++)
        assert_ptr_equal(rsvd_heap_pop(&h), &n[i]);
    rsvd_heap_fini(&h);
}

/* Ids of nodes that left are handed out again: the heap's arrays grow with
 * the nodes queued at once, not with every push. */
static void ids_are_reused(void **state)
{
    (void)state;
    rsvd_heap h;
    rsvd_heap_init(&h, NULL);
    rsvd_heap_node n[8];
    memset(n, 0, sizeof n);
    for (int round = 0; round < 1000; round++) {
        for (int i = 0; i < 8; i++)
            assert_int_equal(rsvd_heap_push(&h, &n[i], (uint64_t)((round * 8 + i) % 13)), RSVD_OK);
        assert_heap_consistent(&h);
        for (int i = 0; i < 8; i += 2)
            rsvd_heap_remove(&h, &n[i]);
        while (h.len)
            (void)rsvd_heap_pop(&h);
    }
    assert_true(h.ids <= 8);
    assert_int_equal(h.cap, 16);
    rsvd_heap_fini(&h);
}

/* Two heaps given the same pushes, removals and re-keys. */
static void build_twins(rsvd_heap *h, rsvd_heap_node *n, size_t count, uint32_t first_order)
{
    rsvd_heap_init(h, NULL);
    h->next_order = first_order;
    uint64_t seed = 11;
    for (size_t i = 0; i < count; i++)
        assert_int_equal(rsvd_heap_push(h, &n[i], lcg(&seed) % 3000), RSVD_OK); /* ties */
    for (size_t i = 0; i < count; i += 5)
        rsvd_heap_remove(h, &n[i]);
    for (size_t i = 3; i < count; i += 11)
        assert_int_equal(rsvd_heap_push(h, &n[i], lcg(&seed) % 3000), RSVD_OK);
}

/* Taking every node below a deadline at once gives them in exactly the
 * order popping would - deadline, then push order, across the wrap of the
 * push counter - and leaves the others a heap that pops as before. */
static void take_before_matches_popping(void **state)
{
    (void)state;
    enum { N = 30000 };
    static const uint32_t starts[] = {0, UINT32_MAX - 10000u};
    for (size_t v = 0; v < 2; v++) {
        rsvd_heap a, b;
        rsvd_heap_node *na = calloc(N, sizeof *na), *nb = calloc(N, sizeof *nb);
        assert_true(na && nb);
        build_twins(&a, na, N, starts[v]);
        build_twins(&b, nb, N, starts[v]);
        const uint64_t now = 1700;
        rsvd_heap_node **due = NULL;
        size_t m = rsvd_heap_take_before(&b, now, &due);
        assert_true(m > 0 && m != SIZE_MAX);
        assert_heap_consistent(&b);
        size_t k = 0;
        while (rsvd_heap_top_before(&a, now)) {
            rsvd_heap_node *x = rsvd_heap_pop(&a);
            assert_true(k < m);
            assert_int_equal(due[k] - nb, x - na); /* the same node, in the same place */
            assert_false(rsvd_heap_node_queued(due[k]));
            k++;
        }
        assert_int_equal(k, m);
        rsvd_mem_free(b.mem, due);
        assert_int_equal(a.len, b.len);
        assert_false(rsvd_heap_top_before(&b, now));
        while (a.len)
            assert_int_equal(rsvd_heap_pop(&b) - nb, rsvd_heap_pop(&a) - na);
        assert_int_equal(rsvd_heap_take_before(&b, UINT64_MAX, &due), 0);
        assert_null(due);
        free(na);
        free(nb);
        rsvd_heap_fini(&a);
        rsvd_heap_fini(&b);
    }
}

/* A million opens of one client lost at once share their deadline: taking
 * them all keeps their push order, in linear time. */
static void take_before_keeps_push_order_among_equal_deadlines(void **state)
{
    (void)state;
    enum { N = 200000 };
    rsvd_heap h;
    rsvd_heap_init(&h, NULL);
    h.next_order = UINT32_MAX - 1000u; /* the counter wraps among them */
    rsvd_heap_node *n = calloc(N, sizeof *n);
    assert_non_null(n);
    for (size_t i = 0; i < N; i++)
        assert_int_equal(rsvd_heap_push(&h, &n[i], 777), RSVD_OK);
    rsvd_heap_node **due = NULL;
    assert_int_equal(rsvd_heap_take_before(&h, 778, &due), N);
    for (size_t i = 0; i < N; i++)
        assert_ptr_equal(due[i], &n[i]);
    rsvd_mem_free(h.mem, due);
    assert_int_equal(h.len, 0);
    free(n);
    rsvd_heap_fini(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pops_in_deadline_order_with_fifo_ties),
        cmocka_unit_test(remove_from_middle_and_requeue_keep_order),
        cmocka_unit_test(removing_an_unqueued_node_is_harmless),
        cmocka_unit_test(pop_follows_deadline_then_push_order),
        cmocka_unit_test(fifo_ties_hold_across_the_order_wrap),
        cmocka_unit_test(ids_are_reused),
        cmocka_unit_test(take_before_matches_popping),
        cmocka_unit_test(take_before_keeps_push_order_among_equal_deadlines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
