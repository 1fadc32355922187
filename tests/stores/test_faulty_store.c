/*
 * The fault-injecting store of the tests (tests/support/faulty_store.h):
 * with nothing to fail it passes the store contract (over the in-memory
 * store); each way of failing does what its header says.
 */
#include <string.h>

#include <rsvd/memory_store.h>

#include "faulty_store.h"
#include "store_contract.h"

static faulty_store contract_wrapper;

static void faulty_open(sc_store *s)
{
    rsvd_memory_store *ms = NULL;
    assert_int_equal(rsvd_memory_store_create(NULL, &ms), RSVD_OK);
    faulty_store_init(&contract_wrapper, rsvd_memory_store_ops(), ms);
    s->ops = &contract_wrapper.ops;
    s->ctx = &contract_wrapper;
}

static void faulty_close(sc_store *s)
{
    (void)s;
    assert_int_equal(contract_wrapper.failed[FAULTY_WRITE], 0);
    rsvd_memory_store_destroy(contract_wrapper.inner_ctx);
}

static const sc_kind faulty_kind = {"faulty(memory)", faulty_open, faulty_close};

typedef struct fixture {
    rsvd_memory_store *ms;
    faulty_store f;
    sc_store s;     /* through the wrapper */
    sc_store inner; /* the wrapped store itself */
} fixture;

static int setup(void **state)
{
    static fixture fx;
    memset(&fx, 0, sizeof fx);
    assert_int_equal(rsvd_memory_store_create(NULL, &fx.ms), RSVD_OK);
    faulty_store_init(&fx.f, rsvd_memory_store_ops(), fx.ms);
    fx.s.ops = &fx.f.ops;
    fx.s.ctx = &fx.f;
    fx.inner.ops = rsvd_memory_store_ops();
    fx.inner.ctx = fx.ms;
    *state = &fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    rsvd_memory_store_destroy(fx->ms);
    return 0;
}

static int put(fixture *fx, const char *key, const char *value)
{
    return fx->s.ops->put(fx->s.ctx, key, strlen(key), value, strlen(value));
}

static void the_nth_put_fails_before_writing(void **state)
{
    fixture *fx = *state;
    assert_int_equal(put(fx, "a", "1"), RSVD_OK);
    faulty_store_fail_nth(&fx->f, FAULTY_PUT, 2);
    assert_int_equal(put(fx, "b", "2"), RSVD_OK);
    assert_int_equal(put(fx, "c", "3"), RSVD_E_IO);
    assert_int_equal(put(fx, "d", "4"), RSVD_OK);
    assert_int_equal(fx->f.calls[FAULTY_PUT], 4);
    assert_int_equal(fx->f.failed[FAULTY_PUT], 1);
    assert_int_equal(rsvd_memory_store_count(fx->ms), 3); /* no "c" */
    sc_snapshot snap;
    sc_snapshot_take(&fx->inner, &snap);
    assert_null(sc_snapshot_find(&snap, "c", 1));
    sc_snapshot_free(&snap);
}

static void every_remove_after_the_first_n_fails(void **state)
{
    fixture *fx = *state;
    for (int i = 0; i < 4; i++) {
        char k[4] = {'k', (char)('0' + i), 0, 0};
        assert_int_equal(put(fx, k, "v"), RSVD_OK);
    }
    faulty_store_fail_after(&fx->f, FAULTY_REMOVE, 1);
    assert_int_equal(fx->s.ops->remove(fx->s.ctx, "k0", 2), RSVD_OK);
    assert_int_equal(fx->s.ops->remove(fx->s.ctx, "k1", 2), RSVD_E_IO);
    assert_int_equal(fx->s.ops->remove(fx->s.ctx, "k2", 2), RSVD_E_IO);
    assert_int_equal(put(fx, "k9", "puts still pass"), RSVD_OK);
    assert_int_equal(rsvd_memory_store_count(fx->ms), 4);
    faulty_store_heal(&fx->f);
    assert_int_equal(fx->s.ops->remove(fx->s.ctx, "k1", 2), RSVD_OK);
    assert_int_equal(rsvd_memory_store_count(fx->ms), 3);
    assert_int_equal(fx->f.failed[FAULTY_REMOVE], 2);
}

static void the_nth_write_of_any_kind_fails_with_the_chosen_error(void **state)
{
    fixture *fx = *state;
    fx->f.error = RSVD_E_NOMEM;
    faulty_store_fail_nth(&fx->f, FAULTY_WRITE, 3);
    rsvd_store_change c = {"b", 1, "batch", 5, RSVD_STORE_PUT, 0};
    assert_int_equal(put(fx, "a", "1"), RSVD_OK);                        /* write 1 */
    assert_int_equal(fx->s.ops->remove(fx->s.ctx, "zz", 2), RSVD_OK);    /* write 2 */
    assert_int_equal(fx->s.ops->apply(fx->s.ctx, &c, 1), RSVD_E_NOMEM); /* write 3 */
    assert_int_equal(sc_count(&fx->s), 1);                               /* a read: not a write */
    assert_int_equal(put(fx, "c", "3"), RSVD_OK);                        /* write 4 */
    assert_int_equal(fx->f.calls[FAULTY_WRITE], 4);
    assert_int_equal(fx->f.failed[FAULTY_WRITE], 1);
    assert_int_equal(fx->f.failed[FAULTY_APPLY], 1);
    assert_int_equal(rsvd_memory_store_count(fx->ms), 2);
}

static void a_failure_after_the_write_leaves_the_change_made(void **state)
{
    fixture *fx = *state;
    fx->f.fail_after_write = true;
    faulty_store_fail_after(&fx->f, FAULTY_WRITE, 0);
    assert_int_equal(put(fx, "a", "made"), RSVD_E_IO);
    sc_assert_record(&fx->inner, "a", "made", 4);
    rsvd_store_change c = {"b", 1, "also made", 9, RSVD_STORE_PUT, 0};
    assert_int_equal(fx->s.ops->apply(fx->s.ctx, &c, 1), RSVD_E_IO);
    assert_int_equal(fx->s.ops->remove(fx->s.ctx, "a", 1), RSVD_E_IO);
    assert_int_equal(rsvd_memory_store_count(fx->ms), 1);
    sc_assert_record(&fx->inner, "b", "also made", 9);
}

static int count_visits(void *arg, const void *key, size_t key_len, const void *value,
                        size_t value_len)
{
    (void)key, (void)key_len, (void)value, (void)value_len;
    (*(size_t *)arg)++;
    return 0;
}

static void a_failing_traversal_breaks_off_after_the_visits_it_was_given(void **state)
{
    fixture *fx = *state;
    for (int i = 0; i < 5; i++) {
        char k[3] = {'k', (char)('0' + i), 0};
        assert_int_equal(put(fx, k, "v"), RSVD_OK);
    }
    size_t visits = 0;
    faulty_store_fail_nth(&fx->f, FAULTY_TRAVERSE, 1);
    assert_int_equal(fx->s.ops->traverse(fx->s.ctx, count_visits, &visits), RSVD_E_IO);
    assert_int_equal(visits, 0);
    fx->f.traverse_visits_before_failure = 2;
    faulty_store_fail_nth(&fx->f, FAULTY_TRAVERSE, 1);
    assert_int_equal(fx->s.ops->traverse(fx->s.ctx, count_visits, &visits), RSVD_E_IO);
    assert_int_equal(visits, 2);
    visits = 0;
    assert_int_equal(fx->s.ops->traverse(fx->s.ctx, count_visits, &visits), RSVD_OK);
    assert_int_equal(visits, 5);
    assert_int_equal(fx->f.calls[FAULTY_TRAVERSE], 3);
    assert_int_equal(fx->f.calls[FAULTY_WRITE], 5); /* traversals are not writes */
}

static void a_store_without_batches_gives_a_wrapper_without_batches(void **state)
{
    fixture *fx = *state;
    rsvd_store_ops no_apply = *rsvd_memory_store_ops();
    no_apply.apply = NULL;
    faulty_store f;
    faulty_store_init(&f, &no_apply, fx->ms);
    assert_null(f.ops.apply);
    assert_non_null(fx->f.ops.apply);
    assert_int_equal(f.ops.struct_size, sizeof(rsvd_store_ops));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        SC_CONTRACT_TESTS(&faulty_kind),
        cmocka_unit_test_setup_teardown(the_nth_put_fails_before_writing, setup, teardown),
        cmocka_unit_test_setup_teardown(every_remove_after_the_first_n_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(the_nth_write_of_any_kind_fails_with_the_chosen_error,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(a_failure_after_the_write_leaves_the_change_made, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            a_failing_traversal_breaks_off_after_the_visits_it_was_given, setup, teardown),
        cmocka_unit_test_setup_teardown(a_store_without_batches_gives_a_wrapper_without_batches,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
