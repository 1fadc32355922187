/*
 * The fault-injecting state store (faulty_store.h).
 */
#include "faulty_store.h"

#include <string.h>

/* Counts a call of @p fn (and, for a write, of FAULTY_WRITE) and says
 * whether it fails. */
static bool faulty_call(faulty_store *f, faulty_store_fn fn)
{
    bool fail = false;
    faulty_store_fn counted[2] = {fn, FAULTY_WRITE};
    size_t n = fn == FAULTY_TRAVERSE ? 1 : 2;
    for (size_t i = 0; i < n; i++) {
        faulty_store_fn c = counted[i];
        size_t call = ++f->calls[c];
        if ((f->fail_at[c] && call == f->fail_at[c]) ||
            (f->fail_from[c] && call >= f->fail_from[c]))
            fail = true;
    }
    if (fail) {
        f->failed[fn]++;
        if (fn != FAULTY_TRAVERSE)
            f->failed[FAULTY_WRITE]++;
    }
    return fail;
}

static int faulty_error(const faulty_store *f)
{
    return f->error ? f->error : RSVD_E_IO;
}

static int faulty_put(void *ctx, const void *key, size_t key_len, const void *value,
                      size_t value_len)
{
    faulty_store *f = ctx;
    if (!f)
        return RSVD_E_INVAL;
    if (!faulty_call(f, FAULTY_PUT))
        return f->inner->put(f->inner_ctx, key, key_len, value, value_len);
    if (f->fail_after_write)
        (void)f->inner->put(f->inner_ctx, key, key_len, value, value_len);
    return faulty_error(f);
}

static int faulty_remove(void *ctx, const void *key, size_t key_len)
{
    faulty_store *f = ctx;
    if (!f)
        return RSVD_E_INVAL;
    if (!faulty_call(f, FAULTY_REMOVE))
        return f->inner->remove(f->inner_ctx, key, key_len);
    if (f->fail_after_write)
        (void)f->inner->remove(f->inner_ctx, key, key_len);
    return faulty_error(f);
}

static int faulty_apply(void *ctx, const rsvd_store_change *changes, size_t n)
{
    faulty_store *f = ctx;
    if (!f)
        return RSVD_E_INVAL;
    if (!faulty_call(f, FAULTY_APPLY))
        return f->inner->apply(f->inner_ctx, changes, n);
    if (f->fail_after_write)
        (void)f->inner->apply(f->inner_ctx, changes, n);
    return faulty_error(f);
}

typedef struct faulty_visit {
    rsvd_store_visit_fn fn;
    void *arg;
    size_t left; /* records still to visit before the failure */
} faulty_visit;

static int faulty_visit_record(void *arg, const void *key, size_t key_len, const void *value,
                               size_t value_len)
{
    faulty_visit *v = arg;
    if (v->left == 0)
        return 1; /* the failure: stop here */
    v->left--;
    return v->fn(v->arg, key, key_len, value, value_len);
}

static int faulty_traverse(void *ctx, rsvd_store_visit_fn fn, void *arg)
{
    faulty_store *f = ctx;
    if (!f)
        return RSVD_E_INVAL;
    if (!faulty_call(f, FAULTY_TRAVERSE))
        return f->inner->traverse(f->inner_ctx, fn, arg);
    faulty_visit v = {fn, arg, f->traverse_visits_before_failure};
    if (v.left)
        (void)f->inner->traverse(f->inner_ctx, faulty_visit_record, &v);
    return faulty_error(f);
}

void faulty_store_init(faulty_store *f, const rsvd_store_ops *inner, void *inner_ctx)
{
    memset(f, 0, sizeof *f);
    f->inner = inner;
    f->inner_ctx = inner_ctx;
    f->ops.struct_size = sizeof f->ops;
    f->ops.put = faulty_put;
    f->ops.remove = faulty_remove;
    f->ops.traverse = faulty_traverse;
    f->ops.apply = inner->apply ? faulty_apply : NULL;
}

void faulty_store_fail_nth(faulty_store *f, faulty_store_fn fn, size_t n)
{
    f->fail_at[fn] = n ? f->calls[fn] + n : 0;
}

void faulty_store_fail_after(faulty_store *f, faulty_store_fn fn, size_t n)
{
    f->fail_from[fn] = f->calls[fn] + n + 1;
}

void faulty_store_heal(faulty_store *f)
{
    memset(f->fail_at, 0, sizeof f->fail_at);
    memset(f->fail_from, 0, sizeof f->fail_from);
}
