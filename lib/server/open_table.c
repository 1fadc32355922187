/*
 * The OpenTable ([MS-RSVD] 3.2.1.1): by LocalOpen, an array of slots (every
 * request names its open so: READ and WRITE look at the slot only), and by
 * file name ([MS-RSVD] 3.2.5.1 "search the OpenTable for an Open whose
 * FileName matches", 3.2.5.6 "search ... for an Open where Open.FileName
 * matches"), a chained hash table of opens keyed by their file name, so
 * that neither search is O(n) in the number of opens.
 *
 * Names are kept in UTF-8 with the ":SharedVirtualDisk" suffix removed and
 * compared without regard to ASCII case unless the configuration asks for
 * exact comparison (docs/decisions.md). The hash is SipHash-2-4 under the
 * configured key, over the name's bytes with ASCII letters folded.
 */
#include <string.h>

#include <rsvd/fscc.h>
#include <rsvd/wire.h>
#include <rsvd/wire_rsvd.h>

#include "server/server_internal.h"
#include "util/guid.h"
#include "util/mem.h"
#include "util/siphash.h"

/* ---- by LocalOpen ------------------------------------------------------------ */

/* Slots start on a cache line: a 32-byte slot never spans two. */
#define SLOT_ALIGN 64u

void rsvd_open_table_init(rsvd_server *srv)
{
    memset(&srv->opens, 0, sizeof srv->opens);
}

void rsvd_open_table_fini(rsvd_server *srv)
{
    rsvd_mem_free(srv->mem, srv->opens.slots_alloc);
    memset(&srv->opens, 0, sizeof srv->opens);
}

/* Doubles the slot array (16 at first). Not realloc: the copy must keep
 * its alignment. */
static int grow(rsvd_server *srv)
{
    rsvd_open_table *t = &srv->opens;
    uint32_t ncap = t->cap ? t->cap * 2u : 16u;
    const uint64_t bytes = (uint64_t)ncap * sizeof *t->slots + SLOT_ALIGN - 1u;
    if (ncap > UINT32_MAX / 2u || bytes > SIZE_MAX)
        return RSVD_E_LIMIT;
    void *mem = rsvd_mem_alloc(srv->mem, (size_t)bytes);
    if (!mem)
        return RSVD_E_NOMEM;
    uintptr_t p = ((uintptr_t)mem + SLOT_ALIGN - 1u) & ~(uintptr_t)(SLOT_ALIGN - 1u);
    rsvd_open_slot *slots = (rsvd_open_slot *)p;
    if (t->used)
        memcpy(slots, t->slots, (size_t)t->used * sizeof *slots);
    rsvd_mem_free(srv->mem, t->slots_alloc);
    t->slots_alloc = mem;
    t->slots = slots;
    t->cap = ncap;
    return RSVD_OK;
}

int rsvd_open_table_add(rsvd_server *srv, rsvd_open *o)
{
    rsvd_open_table *t = &srv->opens;
    if (t->count >= srv->cfg.max_opens)
        return RSVD_E_LIMIT;
    uint32_t idx;
    if (t->free_head) {
        idx = t->free_head - 1u;
        t->free_head = t->slots[idx].next_free;
    } else {
        if (t->used == t->cap) {
            int rc = grow(srv);
            if (rc != RSVD_OK)
                return rc;
        }
        idx = t->used++;
        t->slots[idx].gen = 1;
    }
    rsvd_open_slot *s = &t->slots[idx];
    s->open = o;
    s->backend_handle = NULL;
    s->in_flight = 0;
    s->next_free = 0;
    s->state = RSVD_OPEN_OPENING;
    s->flags = 0;
    s->reserved = 0;
    t->count++;
    o->local_open = ((uint64_t)s->gen << 32) | (uint64_t)(idx + 1u);
    return RSVD_OK;
}

void rsvd_open_table_publish(rsvd_server *srv, rsvd_open *o)
{
    rsvd_open_slot *s = rsvd_open_slot_of(srv, o);
    /* What [MS-RSVD] 3.2.5.3/3.2.5.4 check on the Open before the I/O, once:
     * a virtual SCSI disk open needs an InitiatorId, and every open
     * FILE_NO_INTERMEDIATE_BUFFERING in its CreateOptions. */
    const bool initiator_ok = !o->is_virtual_scsi_disk || !rsvd_guid_zero_inline(&o->initiator_id);
    const bool nib = (o->create_options & RSVD_FILE_NO_INTERMEDIATE_BUFFERING) != 0;
    s->backend_handle = o->backend_handle;
    s->flags = (uint8_t)((o->is_virtual_scsi_disk ? RSVD_SLOT_SCSI : 0u) |
                         (initiator_ok && nib ? RSVD_SLOT_IO_READY : 0u));
    s->state = RSVD_OPEN_OPEN;
}

void rsvd_open_table_unpublish(rsvd_server *srv, rsvd_open *o)
{
    rsvd_open_slot *s = rsvd_open_slot_of(srv, o);
    s->state = RSVD_OPEN_CLOSING;
    s->flags = 0;
    srv->opens.count--;
}

void rsvd_open_table_release(rsvd_server *srv, rsvd_open *o)
{
    if (!o->local_open) /* handle 0 is never issued */
        return;
    rsvd_open_table *t = &srv->opens;
    rsvd_open_slot *s = rsvd_open_slot_of(srv, o);
    if (s->state != RSVD_OPEN_CLOSING)
        t->count--;
    s->open = NULL;
    s->backend_handle = NULL;
    s->state = RSVD_OPEN_FREE;
    s->flags = 0;
    s->gen = s->gen == UINT32_MAX ? 1u : s->gen + 1u; /* stale LocalOpens stay stale */
    s->next_free = t->free_head;
    t->free_head = (uint32_t)o->local_open;
    o->local_open = 0;
}

/* ---- names ------------------------------------------------------------------ */

int rsvd_name_from_utf16(const uint8_t *src, size_t src_len, char *dst, size_t cap,
                         size_t *out_len)
{
    /* [MS-RSVD] 3.1.4.2: the client appends ":SharedVirtualDisk"; the Open's
     * FileName is the file's name without it (docs/decisions.md). */
    if (src_len % 2 == 0 &&
        rsvd_utf16le_ends_with_ascii(src, src_len, RSVD_SHARED_VIRTUAL_DISK_SUFFIX))
        src_len -= 2u * (sizeof RSVD_SHARED_VIRTUAL_DISK_SUFFIX - 1u);
    return rsvd_utf16le_to_utf8(src, src_len, dst, cap, out_len);
}

/* ---- hashing and comparison ---------------------------------------------------- */

static inline uint8_t fold(const rsvd_server *srv, uint8_t c)
{
    if (!srv->cfg.case_sensitive_names && c >= 'A' && c <= 'Z')
        return (uint8_t)(c + ('a' - 'A'));
    return c;
}

/* SipHash-2-4 of the folded name. */
uint32_t rsvd_name_hash(const rsvd_server *srv, rsvd_name name)
{
    uint64_t h = rsvd_siphash24(srv->cfg.name_hash_key[0], srv->cfg.name_hash_key[1], name.s,
                                name.len, !srv->cfg.case_sensitive_names);
    return (uint32_t)(h ^ (h >> 32));
}

bool rsvd_name_equal(const rsvd_server *srv, rsvd_name a, rsvd_name b)
{
    if (a.len != b.len)
        return false;
    const uint8_t *pa = (const uint8_t *)a.s, *pb = (const uint8_t *)b.s;
    for (size_t i = 0; i < a.len; i++)
        if (fold(srv, pa[i]) != fold(srv, pb[i]))
            return false;
    return true;
}

/* ---- the index ------------------------------------------------------------------ */

static void rehash(rsvd_server *srv)
{
    uint32_t ncount = srv->name_bucket_count ? srv->name_bucket_count * 2u : 64u;
    if (ncount < srv->name_bucket_count || ncount > (1u << 30))
        return;
    /* An array of bucket heads: sizeof of a pointer to a struct is meant
     * (clang-tidy 14 has no option to accept this idiom). */
    /* NOLINTNEXTLINE(bugprone-sizeof-expression) */
    rsvd_open **nb = rsvd_mem_calloc(srv->mem, ncount, sizeof *nb);
    if (!nb) /* keep the current buckets: still correct, only longer chains */
        return;
    for (uint32_t i = 0; i < srv->name_bucket_count; i++) {
        rsvd_open *o = srv->name_buckets[i];
        while (o) {
            rsvd_open *next = o->name_next;
            uint32_t b = o->name_hash & (ncount - 1u);
            o->name_next = nb[b];
            nb[b] = o;
            o = next;
        }
    }
    rsvd_mem_free(srv->mem, srv->name_buckets);
    srv->name_buckets = nb;
    srv->name_bucket_count = ncount;
}

void rsvd_names_insert(rsvd_server *srv, rsvd_open *o)
{
    if (srv->name_count >= srv->name_bucket_count)
        rehash(srv);
    /* rehash() only fails before the first table exists when memory is out;
     * the caller reserved the first table (rsvd_names_reserve). */
    uint32_t b = o->name_hash & (srv->name_bucket_count - 1u);
    o->name_next = srv->name_buckets[b];
    srv->name_buckets[b] = o;
    srv->name_count++;
}

int rsvd_names_reserve(rsvd_server *srv)
{
    if (!srv->name_bucket_count)
        rehash(srv);
    return srv->name_bucket_count ? RSVD_OK : RSVD_E_NOMEM;
}

void rsvd_names_remove(rsvd_server *srv, rsvd_open *o)
{
    if (!srv->name_bucket_count)
        return;
    rsvd_open **pp = &srv->name_buckets[o->name_hash & (srv->name_bucket_count - 1u)];
    for (; *pp; pp = &(*pp)->name_next) {
        if (*pp == o) {
            *pp = o->name_next;
            o->name_next = NULL;
            srv->name_count--;
            return;
        }
    }
}

void rsvd_names_each(rsvd_server *srv, rsvd_name name, uint32_t hash,
                     bool (*fn)(rsvd_open *o, void *arg), void *arg)
{
    if (!srv->name_bucket_count)
        return;
    rsvd_open *o = srv->name_buckets[hash & (srv->name_bucket_count - 1u)];
    while (o) {
        rsvd_open *next = o->name_next;
        rsvd_name on = {o->name, o->name_len};
        if (o->name_hash == hash && rsvd_name_equal(srv, on, name) && !fn(o, arg))
            return;
        o = next;
    }
}

void rsvd_names_fini(rsvd_server *srv)
{
    rsvd_mem_free(srv->mem, srv->name_buckets);
    srv->name_buckets = NULL;
    srv->name_bucket_count = 0;
    srv->name_count = 0;
}
