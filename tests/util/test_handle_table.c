/*
 * The handle table behind the OpenTable (lib/util/handle_table.c).
 */
#include <stdlib.h>

#include "util/handle_table.h"
#include "fail_alloc.h"
#include "testutil.h"

static void handles_find_their_objects_and_zero_is_never_issued(void **state)
{
    (void)state;
    rsvd_handle_table t;
    rsvd_handle_table_init(&t, NULL, 1000);
    int objs[100];
    uint64_t h[100];
    for (int i = 0; i < 100; i++) {
        assert_int_equal(rsvd_handle_table_add(&t, &objs[i], &h[i]), RSVD_OK);
        assert_true(h[i] != 0);
    }
    for (int i = 0; i < 100; i++)
        assert_ptr_equal(rsvd_handle_table_get(&t, h[i]), &objs[i]);
    assert_null(rsvd_handle_table_get(&t, 0));
    assert_null(rsvd_handle_table_get(&t, UINT64_MAX));
    assert_int_equal(t.count, 100);
    rsvd_handle_table_fini(&t);
}

static void removed_handle_is_stale_even_after_slot_reuse(void **state)
{
    (void)state;
    rsvd_handle_table t;
    rsvd_handle_table_init(&t, NULL, 10);
    int a, b;
    uint64_t ha, hb;
    assert_int_equal(rsvd_handle_table_add(&t, &a, &ha), RSVD_OK);
    assert_ptr_equal(rsvd_handle_table_remove(&t, ha), &a);
    assert_null(rsvd_handle_table_remove(&t, ha)); /* twice: nothing */
    assert_int_equal(rsvd_handle_table_add(&t, &b, &hb), RSVD_OK);
    assert_true((uint32_t)ha == (uint32_t)hb); /* the slot was reused ... */
    assert_true(ha != hb);                     /* ... under a new generation */
    assert_null(rsvd_handle_table_get(&t, ha));
    assert_ptr_equal(rsvd_handle_table_get(&t, hb), &b);
    rsvd_handle_table_fini(&t);
}

static void limit_is_enforced(void **state)
{
    (void)state;
    rsvd_handle_table t;
    rsvd_handle_table_init(&t, NULL, 2);
    int o[3];
    uint64_t h[3];
    assert_int_equal(rsvd_handle_table_add(&t, &o[0], &h[0]), RSVD_OK);
    assert_int_equal(rsvd_handle_table_add(&t, &o[1], &h[1]), RSVD_OK);
    assert_int_equal(rsvd_handle_table_add(&t, &o[2], &h[2]), RSVD_E_LIMIT);
    rsvd_handle_table_remove(&t, h[0]);
    assert_int_equal(rsvd_handle_table_add(&t, &o[2], &h[2]), RSVD_OK);
    assert_int_equal(rsvd_handle_table_add(&t, NULL, &h[0]), RSVD_E_INVAL);
    rsvd_handle_table_fini(&t);
}

static void a_million_handles_stay_distinct_and_findable(void **state)
{
    (void)state;
    enum { N = 1000000 };
    rsvd_handle_table t;
    rsvd_handle_table_init(&t, NULL, N);
    uint64_t *h = malloc(N * sizeof *h);
    assert_non_null(h);
    static char objs[N];
    for (uint32_t i = 0; i < N; i++)
        assert_int_equal(rsvd_handle_table_add(&t, &objs[i], &h[i]), RSVD_OK);
    for (uint32_t i = 0; i < N; i += 7)
        assert_ptr_equal(rsvd_handle_table_get(&t, h[i]), &objs[i]);
    for (uint32_t i = 0; i < N; i += 2)
        assert_ptr_equal(rsvd_handle_table_remove(&t, h[i]), &objs[i]);
    for (uint32_t i = 0; i < N; i++)
        assert_ptr_equal(rsvd_handle_table_get(&t, h[i]), i % 2 ? &objs[i] : NULL);
    free(h);
    rsvd_handle_table_fini(&t);
}

static void allocation_failure_leaves_table_usable(void **state)
{
    (void)state;
    fa_alloc a;
    fa_init(&a);
    fa_fail_all(&a);
    rsvd_handle_table t;
    rsvd_handle_table_init(&t, &a.mem, 10);
    int o;
    uint64_t h;
    assert_int_equal(rsvd_handle_table_add(&t, &o, &h), RSVD_E_NOMEM);
    assert_int_equal(t.count, 0);
    assert_null(rsvd_handle_table_get(&t, 1));
    /* Memory comes back: the same table takes the handle. */
    fa_heal(&a);
    assert_int_equal(rsvd_handle_table_add(&t, &o, &h), RSVD_OK);
    assert_ptr_equal(rsvd_handle_table_get(&t, h), &o);
    rsvd_handle_table_fini(&t);
    assert_int_equal(a.live, 0);
}

/* A slot freed at the last generation starts again at 1, never 0: a
 * handle is never 0, and the handle of the last generation stays stale. */
static void generation_wraps_past_zero_and_stale_handles_stay_stale(void **state)
{
    (void)state;
    rsvd_handle_table t;
    rsvd_handle_table_init(&t, NULL, 10);
    int a, b;
    uint64_t ha, hb;
    assert_int_equal(rsvd_handle_table_add(&t, &a, &ha), RSVD_OK);
    uint32_t slot = (uint32_t)ha - 1u;
    t.slots[slot].gen = UINT32_MAX; /* as after 2^32 - 1 reuses */
    ha = ((uint64_t)UINT32_MAX << 32) | (slot + 1u);
    assert_ptr_equal(rsvd_handle_table_get(&t, ha), &a);
    assert_ptr_equal(rsvd_handle_table_remove(&t, ha), &a);
    assert_int_equal(t.slots[slot].gen, 1);
    assert_int_equal(rsvd_handle_table_add(&t, &b, &hb), RSVD_OK);
    assert_true((uint32_t)hb == slot + 1u);
    assert_true(hb >> 32 == 1);
    assert_null(rsvd_handle_table_get(&t, ha));
    assert_ptr_equal(rsvd_handle_table_get(&t, hb), &b);
    assert_int_equal(rsvd_handle_table_add(&t, NULL, &hb), RSVD_E_INVAL);
    rsvd_handle_table_fini(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(handles_find_their_objects_and_zero_is_never_issued),
        cmocka_unit_test(removed_handle_is_stale_even_after_slot_reuse),
        cmocka_unit_test(limit_is_enforced),
        cmocka_unit_test(a_million_handles_stay_distinct_and_findable),
        cmocka_unit_test(allocation_failure_leaves_table_usable),
        cmocka_unit_test(generation_wraps_past_zero_and_stale_handles_stay_stale),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
