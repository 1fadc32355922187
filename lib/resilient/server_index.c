/*
 * Open preservation, server role: the indexes of what clients choose, so
 * that no lookup the CREATE path makes is a scan of GlobalOpenTable - shares
 * by identity, opens by Open.CreateGuid (replay, DH2Q, DH2C of a persistent
 * open after a failover), by Open.AppInstanceId (3.3.5.9.13) and by file
 * (persistent opens: the name collision of 3.3.5.9) - and the quota
 * counters of detached opens per client and per user. Every key is hashed
 * with SipHash under the configured key.
 */
#include <string.h>

#include "resilient/server_int.h"
#include "util/mem.h"
#include "util/siphash.h"

uint64_t res_hash_bytes(const rsvd_res_server *s, const void *p, size_t n, bool fold)
{
    return rsvd_siphash24(s->cfg.hash_key[0], s->cfg.hash_key[1], p, n, fold);
}

/* ---- shares ------------------------------------------------------------------ */

res_share *res_share_get(rsvd_res_server *s, const void *id, size_t len)
{
    uint64_t h = res_hash_bytes(s, id, len, false);
    for (rsvd_hash_node *n = rsvd_hash_first(&s->shares, h); n; n = rsvd_hash_next(n)) {
        res_share *sh = RSVD_CONTAINER_OF(n, res_share, node);
        if (sh->len == len && (len == 0 || memcmp(sh->id, id, len) == 0)) {
            sh->refs++;
            return sh;
        }
    }
    res_share *sh = rsvd_mem_calloc(s->mem, 1, sizeof *sh + len);
    if (!sh)
        return NULL;
    sh->len = len;
    if (len)
        memcpy(sh->id, id, len);
    sh->refs = 1;
    rsvd_hash_insert(&s->shares, &sh->node, h);
    return sh;
}

void res_share_put(rsvd_res_server *s, res_share *sh)
{
    if (!sh || --sh->refs > 0)
        return;
    rsvd_hash_remove(&s->shares, &sh->node);
    rsvd_mem_free(s->mem, sh);
}

/* ---- names --------------------------------------------------------------------- */

static uint16_t fold16(uint16_t c)
{
    return (c >= 'A' && c <= 'Z') ? (uint16_t)(c + ('a' - 'A')) : c;
}

bool res_name_equal(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
    if (a_len != b_len)
        return false;
    for (size_t i = 0; i + 1 < a_len; i += 2) {
        uint16_t ca = (uint16_t)(a[i] | a[i + 1] << 8), cb = (uint16_t)(b[i] | b[i + 1] << 8);
        if (fold16(ca) != fold16(cb))
            return false;
    }
    return a_len % 2 == 0 || a[a_len - 1] == b[a_len - 1];
}

/* ---- opens by CreateGuid, AppInstanceId, file -------------------------------------- */

void res_index_create_guid(rsvd_res_server *s, res_open *o, const rsvd_guid *g)
{
    if (!rsvd_guid_is_zero(&o->create_guid))
        rsvd_hash_remove(&s->by_create_guid, &o->guid_node);
    o->create_guid = *g;
    if (!rsvd_guid_is_zero(g))
        rsvd_hash_insert(&s->by_create_guid, &o->guid_node,
                         res_hash_bytes(s, g->b, sizeof g->b, false));
}

void res_index_app_id(rsvd_res_server *s, res_open *o, const rsvd_guid *id)
{
    if (o->has_app_id)
        rsvd_hash_remove(&s->by_app_id, &o->app_node);
    o->app_id = *id;
    o->has_app_id = true;
    rsvd_hash_insert(&s->by_app_id, &o->app_node, res_hash_bytes(s, id->b, sizeof id->b, false));
}

uint64_t res_file_hash(const rsvd_res_server *s, const uint8_t *key, size_t key_len,
                       const uint8_t *name, size_t name_len)
{
    if (key_len)
        return res_hash_bytes(s, key, key_len, false);
    return res_hash_bytes(s, name, name_len, true);
}

bool res_file_equal(const res_open *o, const res_share *share, const uint8_t *key,
                    size_t key_len, const uint8_t *name, size_t name_len)
{
    /* Decision D14: the opened object when the host names it; otherwise the
     * name, on the same share. */
    if (key_len || o->file_key_len)
        return key_len == o->file_key_len && memcmp(key, o->file_key, key_len) == 0;
    return o->share == share && o->name && res_name_equal(o->name, o->name_len, name, name_len);
}

void res_index_file(rsvd_res_server *s, res_open *o)
{
    rsvd_hash_insert(&s->by_file, &o->file_node,
                     res_file_hash(s, o->file_key, o->file_key_len, o->name, o->name_len));
}

void res_index_remove_all(rsvd_res_server *s, res_open *o)
{
    if (!rsvd_guid_is_zero(&o->create_guid))
        rsvd_hash_remove(&s->by_create_guid, &o->guid_node);
    if (o->has_app_id)
        rsvd_hash_remove(&s->by_app_id, &o->app_node);
    memset(&o->create_guid, 0, sizeof o->create_guid);
    o->has_app_id = false;
}

res_open *res_index_first_create_guid(const rsvd_res_server *s, const rsvd_guid *g)
{
    rsvd_hash_node *n =
        rsvd_hash_first(&s->by_create_guid, res_hash_bytes(s, g->b, sizeof g->b, false));
    for (; n; n = rsvd_hash_next(n)) {
        res_open *o = RSVD_CONTAINER_OF(n, res_open, guid_node);
        if (rsvd_guid_equal(&o->create_guid, g))
            return o;
    }
    return NULL;
}

res_open *res_index_next_create_guid(const res_open *o)
{
    for (rsvd_hash_node *n = rsvd_hash_next(&o->guid_node); n; n = rsvd_hash_next(n)) {
        res_open *x = RSVD_CONTAINER_OF(n, res_open, guid_node);
        if (rsvd_guid_equal(&x->create_guid, &o->create_guid))
            return x;
    }
    return NULL;
}

res_open *res_index_first_app_id(const rsvd_res_server *s, const rsvd_guid *id)
{
    uint64_t h = res_hash_bytes(s, id->b, sizeof id->b, false);
    rsvd_hash_node *n = rsvd_hash_first(&s->by_app_id, h);
    for (; n; n = rsvd_hash_next(n)) {
        res_open *o = RSVD_CONTAINER_OF(n, res_open, app_node);
        if (rsvd_guid_equal(&o->app_id, id))
            return o;
    }
    return NULL;
}

res_open *res_index_next_app_id(const res_open *o)
{
    for (rsvd_hash_node *n = rsvd_hash_next(&o->app_node); n; n = rsvd_hash_next(n)) {
        res_open *x = RSVD_CONTAINER_OF(n, res_open, app_node);
        if (rsvd_guid_equal(&x->app_id, &o->app_id))
            return x;
    }
    return NULL;
}

res_open *res_index_first_file(const rsvd_res_server *s, uint64_t hash)
{
    rsvd_hash_node *n = rsvd_hash_first(&s->by_file, hash);
    return n ? RSVD_CONTAINER_OF(n, res_open, file_node) : NULL;
}

res_open *res_index_next_file(const res_open *o)
{
    rsvd_hash_node *n = rsvd_hash_next(&o->file_node);
    return n ? RSVD_CONTAINER_OF(n, res_open, file_node) : NULL;
}

/* ---- quota counters ------------------------------------------------------------ */

res_counter *res_counter_get(rsvd_res_server *s, bool client, const void *key, size_t len)
{
    rsvd_hash *t = client ? &s->clients : &s->users;
    uint64_t h = res_hash_bytes(s, key, len, false);
    for (rsvd_hash_node *n = rsvd_hash_first(t, h); n; n = rsvd_hash_next(n)) {
        res_counter *c = RSVD_CONTAINER_OF(n, res_counter, node);
        if (c->len == len && memcmp(c->key, key, len) == 0)
            return res_counter_ref(c);
    }
    if (len > sizeof((res_counter *)0)->key)
        return NULL;
    res_counter *c = rsvd_mem_calloc(s->mem, 1, sizeof *c);
    if (!c)
        return NULL;
    memcpy(c->key, key, len);
    c->len = len;
    c->refs = 1;
    rsvd_list_init(&c->opens);
    rsvd_list_init(&c->all_node);
    if (client)
        rsvd_list_append(&s->client_list, &c->all_node);
    rsvd_hash_insert(t, &c->node, h);
    return c;
}

res_counter *res_counter_ref(res_counter *c)
{
    c->refs++;
    return c;
}

void res_counter_put(rsvd_res_server *s, bool client, res_counter *c)
{
    if (!c || --c->refs > 0)
        return;
    rsvd_hash_remove(client ? &s->clients : &s->users, &c->node);
    rsvd_list_remove(&c->all_node);
    rsvd_mem_free(s->mem, c);
}

res_counter *res_counter_heaviest(const rsvd_res_server *s)
{
    res_counter *best = NULL;
    rsvd_list *it, *tmp;
    RSVD_LIST_FOREACH_SAFE(it, tmp, &s->client_list)
    {
        res_counter *c = RSVD_CONTAINER_OF(it, res_counter, all_node);
        if (!best || c->detached > best->detached)
            best = c;
    }
    return best;
}
