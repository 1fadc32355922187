/*
 * The contract of rsvd/store.h, as tests that every store must pass: the
 * in-memory store, the TDB store and the fault-injecting wrapper (passing
 * every call through) each run them (test_memory_store.c,
 * test_tdb_store.c, test_faulty_store.c).
 *
 * A test file describes its store with an sc_kind and lists the tests
 * with SC_CONTRACT_TESTS(&kind) in its cmocka array.
 */
#ifndef RSVD_TEST_STORE_CONTRACT_H
#define RSVD_TEST_STORE_CONTRACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rsvd/store.h>

#include "testutil.h"

/** A store under test: its functions and context. */
typedef struct sc_store {
    const rsvd_store_ops *ops;
    void *ctx;
} sc_store;

/** How to make (and free) an empty store of one kind. */
typedef struct sc_kind {
    const char *name;
    void (*open)(sc_store *s);
    void (*close)(sc_store *s);
} sc_kind;

/** One record, as a test expects it or as a traversal found it. */
typedef struct sc_record {
    uint8_t *key;
    size_t key_len;
    uint8_t *value;
    size_t value_len;
} sc_record;

/** Every record of a store, sorted by key (copies). */
typedef struct sc_snapshot {
    sc_record *r;
    size_t n, cap;
} sc_snapshot;

/** Fills @p buf with @p len bytes that depend on @p seed. */
void sc_fill(uint8_t *buf, size_t len, uint32_t seed);

/** Traverses @p s into @p snap (fails the test if the traversal fails). */
void sc_snapshot_take(const sc_store *s, sc_snapshot *snap);
void sc_snapshot_free(sc_snapshot *snap);
/** @return the record of @p key in @p snap, or NULL. */
const sc_record *sc_snapshot_find(const sc_snapshot *snap, const void *key, size_t key_len);
/** Fails the test unless @p a and @p b hold the same records. */
void sc_snapshot_assert_equal(const sc_snapshot *a, const sc_snapshot *b);

/** Fails the test unless @p s holds the record (@p key, @p value). */
void sc_assert_record(const sc_store *s, const char *key, const void *value, size_t value_len);
/** @return the number of records of @p s. */
size_t sc_count(const sc_store *s);

void sc_put_then_traverse_finds_the_record(void **state);
void sc_put_replaces_the_record_of_the_same_key(void **state);
void sc_remove_deletes_only_its_key(void **state);
void sc_remove_of_a_missing_key_succeeds(void **state);
void sc_empty_key_and_empty_value_are_records(void **state);
void sc_keys_differing_in_length_or_one_byte_are_distinct(void **state);
void sc_large_values_are_kept_whole(void **state);
void sc_many_records_put_replaced_and_removed(void **state);
void sc_traverse_stops_when_the_visitor_says_so(void **state);
void sc_writes_from_inside_a_traversal_are_refused(void **state);
void sc_traversals_nest(void **state);
void sc_apply_makes_the_changes_in_order(void **state);
void sc_apply_of_nothing_succeeds(void **state);
void sc_invalid_arguments_are_refused_and_change_nothing(void **state);

#define SC_TEST(fn, kind) cmocka_unit_test_prestate(fn, (void *)(uintptr_t)(kind))
/** The contract tests for the store @p kind (a const sc_kind *). */
#define SC_CONTRACT_TESTS(kind)                                                            \
    SC_TEST(sc_put_then_traverse_finds_the_record, kind),                                  \
        SC_TEST(sc_put_replaces_the_record_of_the_same_key, kind),                         \
        SC_TEST(sc_remove_deletes_only_its_key, kind),                                     \
        SC_TEST(sc_remove_of_a_missing_key_succeeds, kind),                                \
        SC_TEST(sc_empty_key_and_empty_value_are_records, kind),                           \
        SC_TEST(sc_keys_differing_in_length_or_one_byte_are_distinct, kind),               \
        SC_TEST(sc_large_values_are_kept_whole, kind),                                     \
        SC_TEST(sc_many_records_put_replaced_and_removed, kind),                           \
        SC_TEST(sc_traverse_stops_when_the_visitor_says_so, kind),                         \
        SC_TEST(sc_writes_from_inside_a_traversal_are_refused, kind),                      \
        SC_TEST(sc_traversals_nest, kind), SC_TEST(sc_apply_makes_the_changes_in_order, kind), \
        SC_TEST(sc_apply_of_nothing_succeeds, kind),                                       \
        SC_TEST(sc_invalid_arguments_are_refused_and_change_nothing, kind)

#endif /* RSVD_TEST_STORE_CONTRACT_H */
