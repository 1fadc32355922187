/*
 * The indexed deadline heap behind the scavenger (lib/util/heap.c).
 */
#include <stdlib.h>

#include "util/heap.h"

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
        n[i].pos = 0;
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
    rsvd_heap_node a = {0, 0, 0}, b = {0, 0, 0};
    rsvd_heap_remove(&h, &a);
    assert_int_equal(rsvd_heap_push(&h, &b, 5), RSVD_OK);
    rsvd_heap_remove(&h, &a);
    assert_ptr_equal(rsvd_heap_peek(&h), &b);
    rsvd_heap_fini(&h);
    assert_false(rsvd_heap_node_queued(&b));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pops_in_deadline_order_with_fifo_ties),
        cmocka_unit_test(remove_from_middle_and_requeue_keep_order),
        cmocka_unit_test(removing_an_unqueued_node_is_harmless),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
