#include "util/handle_table.h"

#include "util/mem.h"

void rsvd_handle_table_init(rsvd_handle_table *t, const rsvd_mem *mem, uint32_t limit)
{
    t->mem = rsvd_mem_or_default(mem);
    t->slots = NULL;
    t->cap = 0;
    t->used = 0;
    t->count = 0;
    t->free_head = 0;
    t->limit = limit;
}

void rsvd_handle_table_fini(rsvd_handle_table *t)
{
    rsvd_mem_free(t->mem, t->slots);
    t->slots = NULL;
    t->cap = t->used = t->count = t->free_head = 0;
}

static int grow(rsvd_handle_table *t)
{
    uint32_t ncap = t->cap ? t->cap * 2u : 16u;
    if (ncap < t->cap || ncap > UINT32_MAX / 2u)
        return RSVD_E_LIMIT;
    rsvd_handle_slot *n = rsvd_mem_realloc(t->mem, t->slots, (size_t)ncap * sizeof *n);
    if (!n)
        return RSVD_E_NOMEM;
    t->slots = n;
    t->cap = ncap;
    return RSVD_OK;
}

int rsvd_handle_table_add(rsvd_handle_table *t, void *obj, uint64_t *out)
{
    if (!obj)
        return RSVD_E_INVAL;
    if (t->count >= t->limit)
        return RSVD_E_LIMIT;
    uint32_t idx;
    if (t->free_head) {
        idx = t->free_head - 1u;
        t->free_head = t->slots[idx].next_free;
    } else {
        if (t->used == t->cap) {
            int rc = grow(t);
            if (rc != RSVD_OK)
                return rc;
        }
        idx = t->used++;
        t->slots[idx].gen = 1;
    }
    t->slots[idx].obj = obj;
    t->slots[idx].next_free = 0;
    t->count++;
    *out = ((uint64_t)t->slots[idx].gen << 32) | (uint64_t)(idx + 1u);
    return RSVD_OK;
}

/* Unlinks free slot @p idx from the free list. */
static void free_list_unlink(rsvd_handle_table *t, uint32_t idx)
{
    uint32_t *link = &t->free_head;
    while (*link && *link != idx + 1u)
        link = &t->slots[*link - 1u].next_free;
    if (*link)
        *link = t->slots[idx].next_free;
}

int rsvd_handle_table_add_at(rsvd_handle_table *t, void *obj, uint64_t h)
{
    uint32_t idx1 = (uint32_t)h;
    uint32_t gen = (uint32_t)(h >> 32);
    if (!obj || idx1 == 0 || gen == 0)
        return RSVD_E_INVAL;
    /* A table of at most `limit` objects never issues a slot at or above it. */
    if (t->count >= t->limit || idx1 > t->limit)
        return RSVD_E_LIMIT;
    uint32_t idx = idx1 - 1u;
    while (idx >= t->cap) {
        int rc = grow(t);
        if (rc != RSVD_OK)
            return rc;
    }
    if (idx < t->used) {
        if (t->slots[idx].obj)
            return RSVD_E_STATE;
        free_list_unlink(t, idx);
    } else {
        /* The never-used slots in between become free ones. */
        for (uint32_t i = t->used; i < idx; i++) {
            t->slots[i].obj = NULL;
            t->slots[i].gen = 1;
            t->slots[i].next_free = t->free_head;
            t->free_head = i + 1u;
        }
        t->used = idx + 1u;
    }
    t->slots[idx].obj = obj;
    t->slots[idx].gen = gen;
    t->slots[idx].next_free = 0;
    t->count++;
    return RSVD_OK;
}

static rsvd_handle_slot *slot_of(const rsvd_handle_table *t, uint64_t h)
{
    uint32_t idx1 = (uint32_t)h;
    uint32_t gen = (uint32_t)(h >> 32);
    if (idx1 == 0 || idx1 > t->used)
        return NULL;
    rsvd_handle_slot *s = &t->slots[idx1 - 1u];
    if (!s->obj || s->gen != gen)
        return NULL;
    return s;
}

void *rsvd_handle_table_get(const rsvd_handle_table *t, uint64_t h)
{
    rsvd_handle_slot *s = slot_of(t, h);
    return s ? s->obj : NULL;
}

void *rsvd_handle_table_remove(rsvd_handle_table *t, uint64_t h)
{
    rsvd_handle_slot *s = slot_of(t, h);
    if (!s)
        return NULL;
    void *obj = s->obj;
    s->obj = NULL;
    s->gen = s->gen == UINT32_MAX ? 1u : s->gen + 1u; /* stale handles stay stale */
    s->next_free = t->free_head;
    t->free_head = (uint32_t)h;
    t->count--;
    return obj;
}
