/*
 * The test-local state store (tu_store.h).
 */
#define _POSIX_C_SOURCE 200809L

#include "tu_store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- in memory ------------------------------------------------------------- */

static struct tu_store_rec *mem_find(tu_store *st, const void *key, size_t key_len)
{
    for (size_t i = 0; i < st->n; i++)
        if (st->recs[i].key_len == key_len && memcmp(st->recs[i].key, key, key_len) == 0)
            return &st->recs[i];
    return NULL;
}

static int mem_put(tu_store *st, const void *key, size_t key_len, const void *value,
                   size_t value_len)
{
    if (key_len > sizeof st->recs[0].key)
        return RSVD_E_IO;
    struct tu_store_rec *r = mem_find(st, key, key_len);
    if (!r) {
        if (st->n == TU_STORE_MAX)
            return RSVD_E_IO;
        r = &st->recs[st->n++];
        memcpy(r->key, key, key_len);
        r->key_len = key_len;
        r->value = NULL;
        r->value_len = 0;
    }
    unsigned char *v = malloc(value_len ? value_len : 1);
    if (!v)
        return RSVD_E_NOMEM;
    memcpy(v, value, value_len);
    free(r->value);
    r->value = v;
    r->value_len = value_len;
    return RSVD_OK;
}

static void mem_remove(tu_store *st, const void *key, size_t key_len)
{
    struct tu_store_rec *r = mem_find(st, key, key_len);
    if (!r)
        return;
    free(r->value);
    *r = st->recs[--st->n];
}

/* ---- one file per record ------------------------------------------------------ */

static void hex_name(const tu_store *st, const void *key, size_t key_len, char *path, size_t cap)
{
    size_t n = (size_t)snprintf(path, cap, "%s/", st->dir);
    const unsigned char *k = key;
    for (size_t i = 0; i < key_len && n + 3 < cap; i++)
        n += (size_t)snprintf(path + n, cap - n, "%02x", k[i]);
}

static int dir_put(tu_store *st, const void *key, size_t key_len, const void *value,
                   size_t value_len)
{
    char path[512], tmp[520];
    hex_name(st, key, key_len, path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return RSVD_E_IO;
    /* Written, flushed to disk, then renamed over the old record: a crash
     * leaves the old record or the new one, never half of one. */
    ssize_t w = write(fd, value, value_len);
    int ok = w == (ssize_t)value_len && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return RSVD_E_IO;
    }
    return RSVD_OK;
}

static int dir_remove(tu_store *st, const void *key, size_t key_len)
{
    char path[512];
    hex_name(st, key, key_len, path, sizeof path);
    if (unlink(path) != 0 && errno != ENOENT)
        return RSVD_E_IO;
    return RSVD_OK;
}

static int unhex(const char *s, unsigned char *out, size_t cap, size_t *len)
{
    size_t n = strlen(s);
    if (n % 2 || n / 2 > cap)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (unsigned char)v;
    }
    *len = n / 2;
    return 0;
}

/* Reads the directory into memory (the records of st->recs). */
static int dir_load(tu_store *st)
{
    for (size_t i = 0; i < st->n; i++)
        free(st->recs[i].value);
    st->n = 0;
    DIR *d = opendir(st->dir);
    if (!d)
        return RSVD_E_IO;
    struct dirent *e;
    int rc = RSVD_OK;
    while (rc == RSVD_OK && (e = readdir(d)) != NULL) {
        unsigned char key[64];
        size_t key_len;
        if (e->d_name[0] == '.' || strstr(e->d_name, ".tmp") ||
            unhex(e->d_name, key, sizeof key, &key_len) != 0)
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", st->dir, e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        unsigned char buf[1 << 17];
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        rc = mem_put(st, key, key_len, buf, n);
    }
    closedir(d);
    return rc;
}

/* ---- the store's three functions ------------------------------------------------ */

static int op_put(void *ctx, const void *key, size_t key_len, const void *value,
                  size_t value_len)
{
    tu_store *st = ctx;
    st->puts++;
    if (st->fail_all || st->puts == st->fail_put_at) {
        st->failed++;
        return RSVD_E_IO;
    }
    return st->dir ? dir_put(st, key, key_len, value, value_len)
                   : mem_put(st, key, key_len, value, value_len);
}

static int op_remove(void *ctx, const void *key, size_t key_len)
{
    tu_store *st = ctx;
    st->removes++;
    if (st->fail_all || st->removes == st->fail_remove_at) {
        st->failed++;
        return RSVD_E_IO;
    }
    if (st->dir)
        return dir_remove(st, key, key_len);
    mem_remove(st, key, key_len);
    return RSVD_OK;
}

static int op_traverse(void *ctx, rsvd_store_visit_fn fn, void *arg)
{
    tu_store *st = ctx;
    st->traverses++;
    if (st->fail_traverse) {
        st->failed++;
        return RSVD_E_IO;
    }
    if (st->dir && dir_load(st) != RSVD_OK)
        return RSVD_E_IO;
    for (size_t i = 0; i < st->n; i++)
        if (fn(arg, st->recs[i].key, st->recs[i].key_len, st->recs[i].value,
               st->recs[i].value_len))
            break;
    return RSVD_OK;
}

void tu_store_init(tu_store *st)
{
    memset(st, 0, sizeof *st);
    st->ops.struct_size = sizeof st->ops;
    st->ops.put = op_put;
    st->ops.remove = op_remove;
    st->ops.traverse = op_traverse;
}

void tu_store_init_dir(tu_store *st, const char *dir)
{
    tu_store_init(st);
    st->dir = dir;
    (void)mkdir(dir, 0700);
}

void tu_store_fini(tu_store *st)
{
    for (size_t i = 0; i < st->n; i++)
        free(st->recs[i].value);
    st->n = 0;
}

size_t tu_store_count(tu_store *st)
{
    if (st->dir && dir_load(st) != RSVD_OK)
        return 0;
    return st->n;
}

const unsigned char *tu_store_get(tu_store *st, const void *key, size_t key_len, size_t *len)
{
    if (st->dir && dir_load(st) != RSVD_OK)
        return NULL;
    struct tu_store_rec *r = mem_find(st, key, key_len);
    if (!r)
        return NULL;
    *len = r->value_len;
    return r->value;
}

void tu_store_set(tu_store *st, const void *key, size_t key_len, const void *value, size_t len)
{
    if (st->dir)
        (void)dir_put(st, key, key_len, value, len);
    else
        (void)mem_put(st, key, key_len, value, len);
}
