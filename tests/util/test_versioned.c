/*
 * Structs that grow (lib/util/versioned.c, docs/abi.md): a caller built
 * against older headers passes a shorter struct, one built against newer
 * headers a longer one; the library reads and writes only what both know.
 */
#include <stdlib.h>
#include <string.h>

#include <rsvd/resilient_server.h>
#include <rsvd/server.h>

#include "util/versioned.h"

#include "testutil.h"

/* Three releases of one struct: v1 appends b, v2 appends c. */
typedef struct v0 {
    size_t struct_size;
    uint64_t a;
} v0;
typedef struct v1 {
    size_t struct_size;
    uint64_t a;
    uint64_t b;
} v1;
typedef struct v2 {
    size_t struct_size;
    uint64_t a;
    uint64_t b;
    uint64_t c;
} v2;

static void an_older_caller_gets_zero_for_what_it_does_not_know(void **state)
{
    (void)state;
    v0 old = {.struct_size = sizeof old, .a = 7};
    v1 lib;
    memset(&lib, 0xEE, sizeof lib);
    assert_int_equal(rsvd_struct_import(&lib, sizeof lib, &old, sizeof(v0)), RSVD_OK);
    assert_int_equal(lib.a, 7);
    assert_int_equal(lib.b, 0); /* the default of a member the caller never had */
}

static void a_newer_caller_is_accepted_when_it_leaves_new_members_at_their_default(void **state)
{
    (void)state;
    v2 newer = {.struct_size = sizeof newer, .a = 1, .b = 2, .c = 0};
    v1 lib;
    assert_int_equal(rsvd_struct_import(&lib, sizeof lib, &newer, sizeof(v0)), RSVD_OK);
    assert_int_equal(lib.a, 1);
    assert_int_equal(lib.b, 2);
    /* ...and refused, copying nothing, when it asks for something unknown. */
    newer.c = 3;
    memset(&lib, 0xEE, sizeof lib);
    assert_int_equal(rsvd_struct_import(&lib, sizeof lib, &newer, sizeof(v0)), RSVD_E_NOTSUP);
    assert_int_equal(lib.a, 0xEEEEEEEEEEEEEEEEull);
}

static void a_struct_size_below_the_first_release_is_refused(void **state)
{
    (void)state;
    v1 caller = {.struct_size = 0, .a = 1};
    v1 lib;
    assert_int_equal(rsvd_struct_import(&lib, sizeof lib, &caller, sizeof(v0)), RSVD_E_INVAL);
    caller.struct_size = sizeof(v0) - 1;
    assert_int_equal(rsvd_struct_import(&lib, sizeof lib, &caller, sizeof(v0)), RSVD_E_INVAL);
    assert_int_equal(rsvd_struct_import(&lib, sizeof lib, NULL, sizeof(v0)), RSVD_E_INVAL);
}

static void export_writes_only_what_the_caller_has_room_for(void **state)
{
    (void)state;
    const v2 lib = {.struct_size = sizeof lib, .a = 1, .b = 2, .c = 3};
    /* An older caller: a v1 inside a larger buffer whose tail must stay. */
    unsigned char buf[sizeof(v2)];
    memset(buf, 0x5A, sizeof buf);
    v1 *out = (v1 *)(void *)buf;
    out->struct_size = sizeof(v1);
    assert_int_equal(rsvd_struct_export(out, &lib, sizeof lib, sizeof(v0)), RSVD_OK);
    assert_int_equal(out->struct_size, sizeof(v1)); /* the caller's, kept */
    assert_int_equal(out->a, 1);
    assert_int_equal(out->b, 2);
    for (size_t i = sizeof(v1); i < sizeof buf; i++)
        assert_int_equal(buf[i], 0x5A);
    /* A newer caller: what the library does not know is left alone. */
    v2 newer_out = {.struct_size = sizeof newer_out, .c = 9};
    assert_int_equal(rsvd_struct_export(&newer_out, &lib, sizeof(v1), sizeof(v0)), RSVD_OK);
    assert_int_equal(newer_out.b, 2);
    assert_int_equal(newer_out.c, 9);
    v1 unset = {.struct_size = 0};
    assert_int_equal(rsvd_struct_export(&unset, &lib, sizeof lib, sizeof(v0)), RSVD_E_INVAL);
    assert_int_equal(unset.a, 0);
}

static void nop_reply(void *ctx, const rsvd_server_reply *r)
{
    (void)ctx;
    (void)r;
}

static void nop_close(rsvd_res_server *s, const rsvd_res_closed_open *c, void *ud)
{
    (void)s;
    (void)c;
    (void)ud;
}

/* The public entry points apply the rules: a config without struct_size
 * (zero-initialised, not RSVD_STRUCT_INIT) is refused, as is one from newer
 * headers that sets a member this library does not know. */
static void server_configs_are_checked_at_creation(void **state)
{
    (void)state;
    rsvd_server *srv = NULL;
    rsvd_server_config cfg = RSVD_STRUCT_INIT(rsvd_server_config);
    cfg.service_version = RSVD_PROTOCOL_VERSION_1;
    cfg.reply = nop_reply;
    cfg.struct_size = 0;
    assert_int_equal(rsvd_server_new(&cfg, &srv), RSVD_E_INVAL);
    assert_null(srv);

    unsigned char bigger[sizeof cfg + 16];
    memset(bigger, 0, sizeof bigger);
    cfg.struct_size = sizeof bigger;
    memcpy(bigger, &cfg, sizeof cfg);
    assert_int_equal(rsvd_server_new((const rsvd_server_config *)(void *)bigger, &srv), RSVD_OK);
    assert_int_equal(rsvd_server_free(srv), RSVD_OK);
    bigger[sizeof cfg + 3] = 1;
    srv = NULL;
    assert_int_equal(rsvd_server_new((const rsvd_server_config *)(void *)bigger, &srv),
                     RSVD_E_NOTSUP);
    assert_null(srv);

    /* A backend table is checked the same way. */
    static const rsvd_scsi_disk_ops unset_disk = {.struct_size = 0};
    cfg.struct_size = sizeof cfg;
    cfg.scsi_disk = &unset_disk;
    assert_int_equal(rsvd_server_new(&cfg, &srv), RSVD_E_INVAL);
    /* And the allocator. */
    rsvd_mem mem = *rsvd_mem_default();
    mem.struct_size = 0;
    cfg.scsi_disk = NULL;
    cfg.mem = &mem;
    assert_int_equal(rsvd_server_new(&cfg, &srv), RSVD_E_INVAL);
}

static void resilient_structs_are_checked(void **state)
{
    (void)state;
    rsvd_res_server *s = NULL;
    rsvd_res_server_callbacks cb = {.struct_size = 0, .close_open = nop_close};
    assert_int_equal(rsvd_res_server_new(NULL, &cb, NULL, &s), RSVD_E_INVAL);
    cb.struct_size = sizeof cb;
    assert_int_equal(rsvd_res_server_new(NULL, &cb, NULL, &s), RSVD_OK);
    rsvd_res_conn_params p = {.dialect = RSVD_SMB2_DIALECT_302};
    uint64_t conn;
    assert_int_equal(rsvd_res_server_conn_add(s, &p, &conn), RSVD_E_INVAL); /* no struct_size */
    p.struct_size = sizeof p;
    assert_int_equal(rsvd_res_server_conn_add(s, &p, &conn), RSVD_OK);
    rsvd_res_server_stats st = {.struct_size = 0};
    assert_int_equal(rsvd_res_server_get_stats(s, &st), RSVD_E_INVAL);
    assert_int_equal(st.connections, 0);
    st.struct_size = sizeof st;
    assert_int_equal(rsvd_res_server_get_stats(s, &st), RSVD_OK);
    assert_int_equal(st.connections, 1);
    rsvd_res_server_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_older_caller_gets_zero_for_what_it_does_not_know),
        cmocka_unit_test(a_newer_caller_is_accepted_when_it_leaves_new_members_at_their_default),
        cmocka_unit_test(a_struct_size_below_the_first_release_is_refused),
        cmocka_unit_test(export_writes_only_what_the_caller_has_room_for),
        cmocka_unit_test(server_configs_are_checked_at_creation),
        cmocka_unit_test(resilient_structs_are_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
