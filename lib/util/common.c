/*
 * Library version, error names, the default allocator and GUID helpers.
 */
#include <stdlib.h>
#include <string.h>

#include <rsvd/common.h>

#include "util/guid.h"
#include "util/mem.h"
#include "util/versioned.h"

const char *rsvd_version(void)
{
#define RSVD_STR_(x) #x
#define RSVD_STR(x) RSVD_STR_(x)
    return RSVD_STR(RSVD_VERSION_MAJOR) "." RSVD_STR(RSVD_VERSION_MINOR) "." RSVD_STR(
        RSVD_VERSION_PATCH);
#undef RSVD_STR
#undef RSVD_STR_
}

struct error_desc {
    int code;
    const char *name;
    const char *text;
};

static const struct error_desc error_table[] = {
    {RSVD_OK, "RSVD_OK", "success"},
    {RSVD_E_NOMEM, "RSVD_E_NOMEM", "out of memory"},
    {RSVD_E_INVAL, "RSVD_E_INVAL", "invalid argument"},
    {RSVD_E_NOENT, "RSVD_E_NOENT", "no such handle, id or key"},
    {RSVD_E_STATE, "RSVD_E_STATE", "operation not allowed in the object's current state"},
    {RSVD_E_LIMIT, "RSVD_E_LIMIT", "configured resource limit reached"},
    {RSVD_E_NOSPC, "RSVD_E_NOSPC", "output buffer too small"},
    {RSVD_E_NOTSUP, "RSVD_E_NOTSUP", "operation not supported"},
    {RSVD_E_IO, "RSVD_E_IO", "backend or host callback failed"},
    {RSVD_E_BUSY, "RSVD_E_BUSY", "object still in use"},
    {RSVD_E_AGAIN, "RSVD_E_AGAIN", "nothing available now"},
    {RSVD_E_WIRE_SHORT, "RSVD_E_WIRE_SHORT",
     "input shorter than the structure's fixed part or a field it names"},
    {RSVD_E_WIRE_PROTOCOL_ID, "RSVD_E_WIRE_PROTOCOL_ID", "SMB2 ProtocolId is not FE 'SMB'"},
    {RSVD_E_WIRE_STRUCTURE_SIZE, "RSVD_E_WIRE_STRUCTURE_SIZE",
     "StructureSize does not hold the value the structure fixes"},
    {RSVD_E_WIRE_OFFSET, "RSVD_E_WIRE_OFFSET",
     "offset points into the fixed part or past the end of the message"},
    {RSVD_E_WIRE_ALIGN, "RSVD_E_WIRE_ALIGN", "offset not aligned as required"},
    {RSVD_E_WIRE_RANGE, "RSVD_E_WIRE_RANGE", "offset + length runs past the end of the message"},
    {RSVD_E_WIRE_COUNT, "RSVD_E_WIRE_COUNT", "count is zero where an element is required"},
    {RSVD_E_WIRE_CHAIN, "RSVD_E_WIRE_CHAIN", "chain link misaligned, looping or overrunning"},
    {RSVD_E_WIRE_NAME, "RSVD_E_WIRE_NAME", "invalid name length"},
    {RSVD_E_WIRE_VALUE, "RSVD_E_WIRE_VALUE", "field holds a value its structure does not allow"},
    {RSVD_E_WIRE_COMMAND, "RSVD_E_WIRE_COMMAND",
     "message carries a different command or operation than expected"},
};

static const struct error_desc *error_find(int err)
{
    for (size_t i = 0; i < sizeof error_table / sizeof error_table[0]; i++)
        if (error_table[i].code == err)
            return &error_table[i];
    return NULL;
}

const char *rsvd_strerror(int err)
{
    const struct error_desc *d = error_find(err);
    return d ? d->text : "unknown error";
}

const char *rsvd_error_name(int err)
{
    const struct error_desc *d = error_find(err);
    return d ? d->name : "RSVD_E_?";
}

static void *libc_malloc(size_t size, void *ud)
{
    (void)ud;
    return malloc(size);
}

static void *libc_calloc(size_t nmemb, size_t size, void *ud)
{
    (void)ud;
    return calloc(nmemb, size);
}

static void *libc_realloc(void *ptr, size_t size, void *ud)
{
    (void)ud;
    return realloc(ptr, size);
}

static void libc_free(void *ptr, void *ud)
{
    (void)ud;
    free(ptr);
}

static const rsvd_mem libc_mem = {
    .struct_size = sizeof(rsvd_mem),
    .malloc_fn = libc_malloc,
    .calloc_fn = libc_calloc,
    .realloc_fn = libc_realloc,
    .free_fn = libc_free,
};

const rsvd_mem *rsvd_mem_default(void)
{
    return &libc_mem;
}

const rsvd_mem *rsvd_mem_resolve(const rsvd_mem *m)
{
    if (!m)
        return &libc_mem;
    if (m->struct_size < RSVD_V0_SIZE(rsvd_mem, user_data) || !m->malloc_fn || !m->calloc_fn ||
        !m->realloc_fn || !m->free_fn)
        return NULL;
    return m;
}

bool rsvd_guid_is_zero(const rsvd_guid *g)
{
    return rsvd_guid_zero_inline(g);
}

bool rsvd_guid_equal(const rsvd_guid *a, const rsvd_guid *b)
{
    return memcmp(a->b, b->b, sizeof a->b) == 0;
}
