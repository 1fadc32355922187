/*
 * Stateful fuzz harness of the RSVD server ([MS-RSVD] 3.2): the input is a
 * script of operations on one server over the fake backend
 * (tests/support/fake_backend.h):
 *
 * Set RSVD_FUZZ_TRACE=1 to print every reply when replaying an input.
 *
 *   byte 0      configuration: bit 0 ServerServiceVersion 2, bit 1
 *               IsSVHDXSupported FALSE (when bits 2-7 are all set too),
 *               bits 2-4 max_requests - 1, bits 5-7 log2(max_opens / 4)
 *   byte 1      allocation number to fail (0: none); 0xF0-0xF7: no
 *               failure and no object store, 0xF8-0xFF: no failure and no
 *               virtual SCSI disk
 *   then steps  one opcode byte (mod OP_COUNT) and its operands, below.
 *
 * Operations: CREATE (valid or fuzzed contexts, reconnects), the open with
 * a target specifier (valid or fuzzed EAs), READ, WRITE, every tunnel
 * operation of both versions with valid or fuzzed bodies and
 * MaxOutputResponse on either FSCTL, query-support, QUERY_INFO, SET_INFO,
 * LOCK, other IOCTLs, CLOSE, and the CDP timer on a clock the script
 * advances; every backend call finishes with an outcome the script picks
 * (success, a SCSI error, a reservation conflict, any 2.2.3 code, other
 * failures; the version-2 calls' results too), at once or later; pending
 * calls are completed in any order, and completions are repeated (they must
 * be refused).
 *
 * After every step: the open count and the calls in flight agree with the
 * harness's own account, the backend contract holds, no request has two
 * replies, every reply is within its request's output limit, failures
 * carry no output, tunnel replies echo the request's header, a new open's
 * response context decodes (and no CREATE whose InitiatorHostNameLength is
 * above 126 or odd opens), each open's StatusKeys follow its
 * SenseErrorSequence, an interim signal comes at most once per request,
 * only for one on FSCTL_SVHDX_ASYNC_TUNNEL_REQUEST and before its reply,
 * a target-specifier open answers a LocalOpen it opened or shares, and
 * after the timers are handled none is due. At the end every pending
 * call is completed, every open closed and the server freed: every accepted
 * request got exactly one reply (a CLOSE's after those of every request in
 * flight on its open), every write that succeeded reached the backend
 * exactly once and no write reached it twice, every completion delivered
 * again - now that every open is closed - is refused without a reply, and
 * nothing leaked.
 */
#include <rsvd/fscc.h>
#include <rsvd/rsvd.h>
#include <rsvd/smb2.h>
#include <rsvd/status.h>
#include <rsvd/wire_rsvd.h>

#include "fail_alloc.h"
#include "fake_backend.h"
#include "fuzz_common.h"

/* At most one request and one new open per step, and at the end one CLOSE
 * per SMB2 open: one per open, and one per share of a target-specifier open
 * (at most one per step). */
enum { MAX_STEPS = 256, MAX_HIST = MAX_STEPS + 1, MAX_REQS = 2 * MAX_STEPS + MAX_HIST };

/* ---- the harness's account --------------------------------------------------------------- */

typedef enum req_kind { K_CREATE, K_READ, K_WRITE, K_IOCTL, K_QSUPPORT, K_QINFO, K_SINFO,
                        K_LOCK, K_CLOSE, K_TARGET } req_kind;

typedef struct req {
    req_kind kind;
    bool accepted, replied;
    uint64_t lo;
    uint32_t limit;      /* most output bytes allowed */
    uint32_t ctl;
    bool tunnel;         /* a tunnel IOCTL with a whole header */
    rsvd_tunnel_hdr hdr; /* its header */
    bool closes_live;    /* a CLOSE of an open in the OpenTable */
    bool new_create;     /* a CREATE of a new open */
    bool bad_host_name;  /* its InitiatorHostNameLength is above 126 or odd */
    bool interim;        /* its interim response was signalled */
    uint32_t status;
    uint8_t *in, *out;
    size_t in_len;
} req;

typedef struct hist {
    uint64_t lo;
    bool live;
    unsigned refs; /* SMB2 opens that hold it (target-specifier opens share) */
    uint8_t last_key;
    uint64_t keys[4]; /* StatusKeys issued */
} hist;

typedef struct harness {
    const uint8_t *p;
    size_t left;
    rsvd_server *srv;
    fake_backend fb;
    fa_alloc alloc; /* the instance's allocator */
    uint32_t version;
    req reqs[MAX_REQS];
    size_t nreqs;
    hist hist[MAX_HIST];
    size_t nhist;
    size_t pending_creates, closing;
    uint64_t now; /* the host's clock */
} harness;

static uint8_t take8(harness *h)
{
    if (!h->left)
        return 0;
    h->left--;
    return *h->p++;
}
static uint16_t take16(harness *h)
{
    return (uint16_t)(take8(h) | (take8(h) << 8));
}

static hist *hist_of(harness *h, uint64_t lo)
{
    for (size_t i = 0; i < h->nhist; i++)
        if (h->hist[i].lo == lo)
            return &h->hist[i];
    return NULL;
}

static size_t live_count(const harness *h)
{
    size_t n = 0;
    for (size_t i = 0; i < h->nhist; i++)
        n += h->hist[i].live;
    return n;
}

static void note_key(harness *h, uint64_t lo, uint32_t status)
{
    if (!rsvd_status_is_error_stored(status))
        return;
    hist *e = hist_of(h, lo);
    FUZZ_CHECK(e != NULL);
    uint8_t key = (uint8_t)status;
    FUZZ_CHECK(key == (uint8_t)(e->last_key + 1u)); /* SenseErrorSequence, 0xFF wraps */
    e->last_key = key;
    e->keys[key / 64] |= 1ull << (key % 64);
}

/* RSVD_FUZZ_TRACE, read once (not on every reply). */
static bool trace_replies(void)
{
    static int trace = -1;
    if (trace < 0)
        trace = getenv("RSVD_FUZZ_TRACE") != NULL;
    return trace != 0;
}

static void on_reply(void *ctx, const rsvd_server_reply *r)
{
    harness *h = ctx;
    size_t id = (size_t)(uintptr_t)r->cookie;
    FUZZ_CHECK(id < h->nreqs);
    req *q = &h->reqs[id];
    FUZZ_CHECK(q->accepted && !q->replied); /* exactly one reply */
    q->replied = true;
    q->status = r->status;
    if (trace_replies()) { /* reproducing a finding: print every reply */
        char st[64];
        fprintf(stderr, "reply #%zu cmd %u ctl %08x %s out %u", id, r->command, r->ctl_code,
                rsvd_status_format(r->status, st, sizeof st), r->output_len);
        if (q->tunnel && r->status == RSVD_STATUS_SUCCESS && r->output_len >= 16)
            fprintf(stderr, " tunnel %s",
                    rsvd_status_format((uint32_t)r->output[4] | (uint32_t)r->output[5] << 8 |
                                           (uint32_t)r->output[6] << 16 |
                                           (uint32_t)r->output[7] << 24,
                                       st, sizeof st));
        fprintf(stderr, "\n");
    }
    static const uint16_t cmd[] = {RSVD_SMB2_CREATE, RSVD_SMB2_READ,     RSVD_SMB2_WRITE,
                                   RSVD_SMB2_IOCTL,  RSVD_SMB2_IOCTL,    RSVD_SMB2_QUERY_INFO,
                                   RSVD_SMB2_SET_INFO, RSVD_SMB2_LOCK,   RSVD_SMB2_CLOSE,
                                   RSVD_SMB2_CREATE};
    FUZZ_CHECK(r->command == cmd[q->kind]);
    FUZZ_CHECK(r->output_len <= q->limit);
    /* [MS-SMB2] 3.3.4.4: an error carries nothing. */
    if (rsvd_server_reply_is_error(r))
        FUZZ_CHECK(r->output_len == 0 && r->count == 0 && r->create_context_len == 0);
    else if (r->status != RSVD_STATUS_SUCCESS)
        FUZZ_CHECK(r->status == RSVD_STATUS_BUFFER_OVERFLOW && r->count == 0 &&
                   r->create_context_len == 0 &&
                   (r->command == RSVD_SMB2_QUERY_INFO || r->command == RSVD_SMB2_IOCTL));
    if (r->output_len)
        FUZZ_CHECK(r->output == q->out);

    switch (q->kind) {
    case K_CREATE:
        if (q->new_create) {
            FUZZ_CHECK(h->pending_creates > 0);
            h->pending_creates--;
        }
        if (r->status == RSVD_STATUS_SUCCESS) {
            FUZZ_CHECK(r->local_open != 0);
            if (q->new_create) {
                FUZZ_CHECK(r->create_context_len == 168 || r->create_context_len == 192);
                /* [MS-RSVD] 2.2.4.12: a bad InitiatorHostNameLength never
                 * opens, nor reaches the wire in a response. */
                FUZZ_CHECK(!q->bad_host_name);
                rsvd_svhdx_open_device_context echo;
                FUZZ_CHECK((r->create_context_len == 168
                                ? rsvd_svhdx_open_device_context_v1_decode(
                                      r->create_context, r->create_context_len, &echo)
                                : rsvd_svhdx_open_device_context_v2_decode(
                                      r->create_context, r->create_context_len, &echo)) ==
                           RSVD_OK);
                FUZZ_CHECK(hist_of(h, r->local_open) == NULL); /* never reused */
                FUZZ_CHECK(h->nhist < MAX_HIST); /* one CREATE per step at most */
                hist *e = &h->hist[h->nhist++];
                memset(e, 0, sizeof *e);
                e->lo = r->local_open;
                e->live = true;
                e->refs = 1;
            } else {
                FUZZ_CHECK(r->local_open == q->lo && r->create_context_len == 0);
            }
        }
        break;
    case K_TARGET:
        FUZZ_CHECK(h->pending_creates > 0);
        h->pending_creates--;
        FUZZ_CHECK(r->create_context_len == 0);
        if (r->status == RSVD_STATUS_SUCCESS) {
            FUZZ_CHECK(r->local_open != 0);
            hist *e = hist_of(h, r->local_open);
            if (e) { /* shared: an open of the same snapshot in the OpenTable */
                FUZZ_CHECK(e->live);
                e->refs++;
            } else {
                FUZZ_CHECK(h->nhist < MAX_HIST);
                e = &h->hist[h->nhist++];
                memset(e, 0, sizeof *e);
                e->lo = r->local_open;
                e->live = true;
                e->refs = 1;
            }
        }
        break;
    case K_READ:
    case K_WRITE:
        note_key(h, q->lo, r->status);
        break;
    case K_IOCTL:
        if (q->tunnel && r->status == RSVD_STATUS_SUCCESS) {
            rsvd_tunnel_hdr t;
            FUZZ_CHECK(rsvd_tunnel_hdr_decode(r->output, r->output_len, &t) == RSVD_OK);
            FUZZ_CHECK(t.operation_code == q->hdr.operation_code);
            FUZZ_CHECK(t.request_id == q->hdr.request_id);
            if (t.operation_code == RSVD_TUNNEL_SCSI_OPERATION)
                note_key(h, q->lo, t.status);
            /* A version-1 server answers no version-2 operation. */
            if (h->version == 1 &&
                (t.operation_code & RSVD_TUNNEL_OPCODE_VERSION_MASK) != RSVD_TUNNEL_OPCODE_VERSION_1)
                FUZZ_CHECK(t.status == RSVD_STATUS_SVHDX_VERSION_MISMATCH &&
                           r->output_len == RSVD_TUNNEL_HEADER_SIZE);
            if (t.operation_code == RSVD_TUNNEL_SRB_STATUS_OPERATION && q->in_len >= 16 + 28 &&
                (t.status == RSVD_STATUS_SUCCESS ||
                 t.status == RSVD_STATUS_SVHDX_ERROR_NOT_AVAILABLE)) {
                hist *e = hist_of(h, q->lo);
                FUZZ_CHECK(e != NULL);
                uint8_t key = q->in[16];
                bool issued = (e->keys[key / 64] >> (key % 64)) & 1u;
                FUZZ_CHECK(issued == (t.status == RSVD_STATUS_SUCCESS));
            }
        }
        break;
    case K_CLOSE:
        if (q->closes_live) {
            FUZZ_CHECK(h->closing > 0);
            h->closing--;
            /* [MS-RSVD] 3.2.5.2: the close does not overtake the requests
             * in flight on the open - each got its reply first. */
            for (size_t j = 0; j < id; j++) {
                const req *p = &h->reqs[j];
                if (p->accepted && p->lo == q->lo && p->kind != K_CLOSE)
                    FUZZ_CHECK(p->replied);
            }
        }
        break;
    default:
        break;
    }
    free(q->in);
    free(q->out);
    q->in = q->out = NULL;
}

static void on_interim(void *ctx, void *cookie)
{
    harness *h = ctx;
    size_t id = (size_t)(uintptr_t)cookie;
    FUZZ_CHECK(id < h->nreqs);
    req *q = &h->reqs[id];
    /* [MS-SMB2] 3.3.4.2: once, for a request the client sent
     * asynchronously, before its final response. */
    FUZZ_CHECK(q->accepted && !q->replied && !q->interim);
    FUZZ_CHECK(q->kind == K_IOCTL && q->ctl == RSVD_FSCTL_SVHDX_ASYNC_TUNNEL_REQUEST);
    q->interim = true;
}

static uint64_t wall_clock(void *ctx)
{
    return ((harness *)ctx)->now;
}

/* ---- outcomes ------------------------------------------------------------------------------- */

static const uint32_t statuses[] = {
    RSVD_STATUS_SVHDX_ERROR_NOT_AVAILABLE,
    RSVD_STATUS_SVHDX_UNIT_ATTENTION_AVAILABLE,
    RSVD_STATUS_SVHDX_UNIT_ATTENTION_RESERVATIONS_PREEMPTED,
    RSVD_STATUS_SVHDX_RESERVATION_CONFLICT,
    RSVD_STATUS_SVHDX_WRONG_FILE_TYPE,
    RSVD_STATUS_VHD_SHARED,
    RSVD_STATUS_SVHDX_ERROR_STORED | 0x42u,
    RSVD_STATUS_IO_DEVICE_ERROR,
    RSVD_STATUS_DISK_FULL,
    RSVD_STATUS_ACCESS_DENIED,
    RSVD_STATUS_NOT_SUPPORTED,
    RSVD_STATUS_BUFFER_OVERFLOW,
    RSVD_STATUS_END_OF_FILE,
};

static fb_outcome outcome_of(uint8_t b)
{
    fb_outcome o = fb_ok();
    unsigned sel = b & 0x1Fu;
    if (sel == 1 || sel == 2) {
        const uint8_t sense[20] = {0x70, 0, 0x06, 0, 0, 0, 0, 0x0C, 0, 0, 0, 0, b, (uint8_t)sel};
        o = fb_scsi((uint8_t)(b & 0x7F), RSVD_SCSI_STATUS_CHECK_CONDITION, b & 1u, sense,
                    (uint8_t)(b % 24u));
    } else if (sel == 3) {
        o = fb_scsi(RSVD_SRB_STATUS_ERROR, RSVD_SCSI_STATUS_RESERVATION_CONFLICT, false, NULL, 0);
    } else if (sel == 4) {
        o.result.bytes = 0xFFFFFFFFu; /* a backend claiming too much */
    } else if (sel == 5) {
        o.result.valid = false;
        o.result.scsi.srb_status = 0;
    } else if (sel >= 6 && sel < 6 + sizeof statuses / sizeof statuses[0]) {
        o = fb_fail(statuses[sel - 6]);
        o.result.scsi.srb_status = (uint8_t)(b >> 5);
    }
    if (sel != 4)
        o.fill_pattern = true;
    o.info.sector_size = 512;
    o.info.physical_sector_size = 4096;
    o.info.virtual_size = (uint64_t)b << 30;
    o.pending = (b & 0x20u) != 0;
    /* What the version-2 calls report: a few snapshot ids, ranges, sizes. */
    static const rsvd_guid ids[] = {{{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
                                    {{2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2}},
                                    {{3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3}}};
    static const rsvd_disk_changed_range ranges[] = {{0, 512}, {4096, 8192}, {1u << 20, 512}};
    o.meta.progress_complete = b;
    o.meta.progress_current = b / 2u;
    o.meta.change_tracking_status = (b & 0x40u) ? RSVD_STATUS_CHANGE_TRACKING_NOT_INITIALIZED : 0;
    o.ids = ids;
    o.nids = b % 4u;
    o.vhdset.optimize_needed = (b & 1u) != 0;
    o.vhdset.is_valid_snapshot = b & 1u;
    o.vhdset.snapshot_type = b % 5u;
    o.ranges = ranges;
    o.nranges = b % 4u;
    o.ct.change_tracking_status = o.meta.change_tracking_status;
    o.ct.log_file_size = (uint64_t)b << 12;
    o.safe_size = (uint64_t)b << 20;
    return o;
}

static void push_outcome(harness *h, fb_side side, fb_op op)
{
    fake_backend *fb = &h->fb;
    if (fb->qlen[side][op] < FB_QUEUE_MAX) {
        fb_outcome o = outcome_of(take8(h));
        fb_push(fb, side, op, &o);
    }
}

/* Every kind of call the step may make finishes as the script says. */
static void script_outcomes(harness *h, const fb_op *ops, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        push_outcome(h, FB_STORE, ops[i]);
        push_outcome(h, FB_DISK, ops[i]);
    }
}

/* ---- steps -------------------------------------------------------------------------------- */

static uint64_t pick_open(harness *h)
{
    uint8_t b = take8(h);
    if (h->nhist && b < 0xF0)
        return h->hist[b % h->nhist].lo;
    static const uint64_t odd[] = {0, 1, 0x100000001ull, 0xFFFFFFFFFFFFFFFFull};
    return odd[b & 3u];
}

static req *new_req(harness *h, req_kind kind, uint64_t lo, uint32_t limit)
{
    if (h->nreqs == MAX_REQS)
        return NULL;
    req *q = &h->reqs[h->nreqs++];
    memset(q, 0, sizeof *q);
    q->kind = kind;
    q->lo = lo;
    q->limit = limit;
    return q;
}

static void *cookie_of(const harness *h, const req *q)
{
    return (void *)(uintptr_t)(size_t)(q - h->reqs);
}

/* Records the result of the call; frees the buffers of a refused one. */
static void accepted(harness *h, req *q, int rc)
{
    (void)h;
    FUZZ_CHECK(rc == RSVD_OK || rc == RSVD_E_INVAL);
    if (rc != RSVD_OK) {
        FUZZ_CHECK(!q->replied);
        q->accepted = false;
        free(q->in);
        free(q->out);
        q->in = q->out = NULL;
        if (q->new_create)
            h->pending_creates--;
        if (q->closes_live)
            h->closing--;
    }
}

static const char *const names[] = {"a.vhdx:SharedVirtualDisk", "b.vhdx", "c.VHDS",
                                    "A.VHDX:sharedvirtualdisk", NULL, NULL};

static size_t utf16(const char *s, uint8_t *out)
{
    size_t n = 0;
    for (; *s; s++) {
        out[n++] = (uint8_t)*s;
        out[n++] = 0;
    }
    return n;
}

/* File name number @p sel as UTF-16LE: four ASCII names (two of them the
 * same file), one with non-ASCII letters and a surrogate pair, one that is
 * not UTF-16 (an unpaired surrogate). */
static size_t name_utf16(uint8_t sel, uint8_t *out)
{
    static const uint8_t wide[] = {0xE9, 0x00, 0x3D, 0xD8, 0x00, 0xDE, '.', 0, 'v', 0};
    static const uint8_t bad[] = {'x', 0, 0x00, 0xDC};
    sel %= (uint8_t)(sizeof names / sizeof names[0]);
    if (names[sel])
        return utf16(names[sel], out);
    const uint8_t *src = sel == 4 ? wide : bad;
    size_t n = sel == 4 ? sizeof wide : sizeof bad;
    memcpy(out, src, n);
    return n;
}

static void step_create(harness *h)
{
    uint8_t flags = take8(h);
    static const uint32_t orig[] = {RSVD_SVHDX_ORIGINATOR_PVHDPARSER, RSVD_SVHDX_ORIGINATOR_VHDMP,
                                    0x00000008u, 0};
    const fb_op ops[] = {FB_OPEN, FB_GET_INFO};
    script_outcomes(h, ops, 2);
    rsvd_server_create_req c;
    memset(&c, 0, sizeof c);
    uint8_t wname[64];
    c.file_name = wname;
    c.file_name_len = name_utf16(take8(h), wname);
    c.create_options = (flags & 0x10u) ? 0 : RSVD_FILE_NO_INTERMEDIATE_BUFFERING;
    if (flags & 0x40u) { /* a reconnect */
        req *q = new_req(h, K_CREATE, pick_open(h), 0);
        if (!q)
            return;
        c.local_open = q->lo ? q->lo : 1;
        q->lo = c.local_open;
        q->accepted = true;
        accepted(h, q, rsvd_server_create(h->srv, &c, cookie_of(h, q)));
        return;
    }
    req *q = new_req(h, K_CREATE, 0, 0);
    if (!q)
        return;
    uint8_t ctx[256];
    size_t ctx_len;
    rsvd_svhdx_open_device_context d;
    memset(&d, 0, sizeof d);
    d.version = (flags & 0x08u) ? 2 : 1;
    d.has_initiator_id = (flags & 0x04u) ? 1 : 0;
    memset(d.initiator_id.b, 0x11, 16);
    d.originator_flags = orig[flags & 3u];
    int rc = d.version == 2 ? rsvd_svhdx_open_device_context_v2_encode(&d, ctx, 256, &ctx_len)
                            : rsvd_svhdx_open_device_context_v1_encode(&d, ctx, 256, &ctx_len);
    FUZZ_CHECK(rc == RSVD_OK);
    /* InitiatorHostNameLength 0 - 139 (a zero-filled name), odd and above 126
     * included: the encoders refuse those, so it is written on the wire. */
    ctx[40] = (uint8_t)(take8(h) % 140u);
    if (flags & 0x20u) { /* a few bytes changed, and maybe cut short */
        for (unsigned e = take8(h) % 4u; e > 0; e--) {
            size_t at = take8(h) % ctx_len;
            ctx[at] = take8(h);
        }
        uint8_t cut = take8(h);
        if (cut >= 0x80u && (size_t)(cut - 0x80u) + 100u < ctx_len)
            ctx_len = (size_t)(cut - 0x80u) + 100u;
    }
    c.context = ctx;
    c.context_len = ctx_len;
    if (ctx_len >= 42u) {
        uint16_t name_len = (uint16_t)(ctx[40] | ctx[41] << 8);
        q->bad_host_name = name_len > RSVD_MAXIMUM_NAME_LENGTH || name_len % 2 != 0;
    }
    q->out = malloc(RSVD_SERVER_CREATE_CONTEXT_MAX);
    c.response_context = q->out;
    c.response_context_cap = RSVD_SERVER_CREATE_CONTEXT_MAX;
    q->new_create = true;
    q->accepted = true;
    h->pending_creates++;
    accepted(h, q, rsvd_server_create(h->srv, &c, cookie_of(h, q)));
}

static void step_io(harness *h, bool write)
{
    uint64_t lo = pick_open(h);
    uint32_t len = take8(h) * 17u;
    const fb_op ops[] = {write ? FB_WRITE : FB_READ};
    script_outcomes(h, ops, 1);
    req *q = new_req(h, write ? K_WRITE : K_READ, lo, write ? 0 : len);
    if (!q)
        return;
    q->in = malloc(len + 8u);
    q->out = malloc(len + 8u);
    uint64_t tag = 0x7A67000000000000ull | (uint64_t)(q - h->reqs);
    memcpy(q->in, &tag, 8);
    memset(q->in + 8, 0x5A, len);
    q->accepted = true;
    int rc;
    if (write) {
        rsvd_server_write_req w = {lo, take8(h), len < 8 ? 8 : len, q->in};
        rc = rsvd_server_write(h->srv, &w, cookie_of(h, q));
    } else {
        rsvd_server_read_req r = {lo, take8(h), len, q->out};
        rc = rsvd_server_read(h->srv, &r, cookie_of(h, q));
    }
    accepted(h, q, rc);
}

static const uint32_t opcodes[] = {
    RSVD_TUNNEL_GET_INITIAL_INFO_OPERATION,  RSVD_TUNNEL_SCSI_OPERATION,
    RSVD_TUNNEL_CHECK_CONNECTION_STATUS_OPERATION, RSVD_TUNNEL_SRB_STATUS_OPERATION,
    RSVD_TUNNEL_GET_DISK_INFO_OPERATION,     RSVD_TUNNEL_VALIDATE_DISK_OPERATION,
    RSVD_TUNNEL_META_OPERATION_START,        RSVD_TUNNEL_QUERY_SAFE_SIZE,
    RSVD_TUNNEL_SCSI_OPERATION,              RSVD_TUNNEL_SRB_STATUS_OPERATION,
    RSVD_TUNNEL_META_OPERATION_START,        RSVD_TUNNEL_META_OPERATION_START,
    RSVD_TUNNEL_META_OPERATION_QUERY_PROGRESS, RSVD_TUNNEL_VHDSET_QUERY_INFORMATION,
    RSVD_TUNNEL_DELETE_SNAPSHOT,             RSVD_TUNNEL_CHANGE_TRACKING_GET_PARAMETERS,
    RSVD_TUNNEL_CHANGE_TRACKING_START,       RSVD_TUNNEL_CHANGE_TRACKING_STOP,
    RSVD_TUNNEL_QUERY_VIRTUAL_DISK_CHANGES,
};

/* A GUID from a small set, so that ids meet again: 0 (zero) to 3. */
static rsvd_guid pick_guid(harness *h)
{
    rsvd_guid g;
    memset(g.b, take8(h) % 4u, sizeof g.b);
    return g;
}

/* A NUL-terminated UTF-16 name: "x.vhds", "y.vhdx", one with a character
 * [MS-FSCC] 2.1.5 forbids, or one without its NUL. */
static size_t v2_name(harness *h, uint8_t *out)
{
    static const char *const v2_names[] = {"x.vhds", "y.vhdx", "a*b", "n.vhds"};
    uint8_t sel = take8(h);
    size_t n = utf16(v2_names[sel % 4u], out);
    if (sel % 4u != 3) {
        out[n++] = 0;
        out[n++] = 0;
    }
    return n;
}

/* A valid version-2 body of @p op, its fields from the script. */
static size_t v2_body(harness *h, uint32_t op, uint8_t *body)
{
    uint8_t data[512];
    size_t n = 0;
    memset(data, 0, sizeof data);
    switch (op) {
    case RSVD_TUNNEL_META_OPERATION_START: {
        rsvd_svhdx_meta_operation_start_request st;
        st.transaction_id = pick_guid(h);
        st.operation_type = take8(h) % 7u; /* 6: none */
        st.data = data;
        switch (st.operation_type) {
        case RSVD_SVHDX_META_OPERATION_TYPE_CREATE_SNAPSHOT: {
            rsvd_svhdx_meta_operation_create_snapshot c;
            memset(&c, 0, sizeof c);
            static const uint32_t types[] = {RSVD_SVHDX_SNAPSHOT_TYPE_VM,
                                             RSVD_SVHDX_SNAPSHOT_TYPE_CDP,
                                             RSVD_SVHDX_SNAPSHOT_TYPE_WRITEABLE, 2};
            uint8_t b = take8(h);
            c.snapshot_type = types[b % 4u];
            c.flags = (b >> 2) & 1u;
            /* Rising stages from a start, as many as the script says. */
            uint32_t stage = 1u + take8(h) % 5u;
            unsigned count = 1u + take8(h) % 5u;
            for (unsigned i = 0; i < count && stage <= 5u; i++)
                c.stage[i] = stage++;
            if (b & 0x80u)
                c.stage[take8(h) % 6u] = take8(h) % 7u; /* perhaps out of order */
            c.snapshot_id = pick_guid(h);
            uint8_t cdp[24] = {0};
            cdp[0] = 24;
            cdp[4] = (b & 0x40u) ? 2 : 0; /* LogFileNameLength */
            c.cdp_parameters = cdp;
            c.cdp_parameters_len = (b & 0x20u) ? 24 : 0;
            FUZZ_CHECK(rsvd_svhdx_meta_operation_create_snapshot_encode(&c, data, sizeof data, &n) ==
                       RSVD_OK);
            break;
        }
        case RSVD_SVHDX_META_OPERATION_TYPE_EXTRACT_SNAPSHOTS: {
            uint8_t name[64];
            rsvd_svhdx_meta_operation_extract e;
            memset(&e, 0, sizeof e);
            e.snapshot_type = 1u + take8(h) % 4u;
            e.flags = take8(h) % 3u;
            e.source_snapshot_id = pick_guid(h);
            e.source_limit_snapshot_id = pick_guid(h);
            e.destination_file_name_length = (uint32_t)v2_name(h, name);
            e.destination_file_name = name;
            FUZZ_CHECK(rsvd_svhdx_meta_operation_extract_encode(&e, data, sizeof data, &n) ==
                       RSVD_OK);
            break;
        }
        case RSVD_SVHDX_META_OPERATION_TYPE_CONVERT_TO_VHDSET: {
            uint8_t name[64];
            rsvd_svhdx_meta_operation_convert_to_vhdset c;
            c.destination_vhd_set_name_length = (uint32_t)v2_name(h, name);
            c.destination_vhd_set_name = name;
            FUZZ_CHECK(rsvd_svhdx_meta_operation_convert_to_vhdset_encode(&c, data, sizeof data,
                                                                          &n) == RSVD_OK);
            break;
        }
        case RSVD_SVHDX_META_OPERATION_TYPE_RESIZE: {
            uint8_t b = take8(h);
            rsvd_svhdx_meta_operation_resize_virtual_disk r = {(uint64_t)take8(h) << 28, b & 1u,
                                                               (b >> 1) & 1u, (b >> 2) & 1u};
            FUZZ_CHECK(rsvd_svhdx_meta_operation_resize_virtual_disk_encode(&r, data, sizeof data,
                                                                            &n) == RSVD_OK);
            break;
        }
        case RSVD_SVHDX_META_OPERATION_TYPE_APPLY_SNAPSHOT: {
            rsvd_svhdx_apply_snapshot_params a = {take8(h) % 5u, pick_guid(h)};
            FUZZ_CHECK(rsvd_svhdx_apply_snapshot_params_encode(&a, data, sizeof data, &n) ==
                       RSVD_OK);
            break;
        }
        default:
            break;
        }
        st.data_len = n;
        FUZZ_CHECK(rsvd_svhdx_meta_operation_start_request_encode(&st, body, 4096, &n) == RSVD_OK);
        return n;
    }
    case RSVD_TUNNEL_META_OPERATION_QUERY_PROGRESS: {
        rsvd_guid g = pick_guid(h);
        memcpy(body, g.b, 16);
        return 16;
    }
    case RSVD_TUNNEL_VHDSET_QUERY_INFORMATION: {
        static const uint32_t types[] = {2, 5, 8, 9, 10, 12, 3};
        rsvd_svhdx_tunnel_vhdset_query_information_request q = {types[take8(h) % 7u],
                                                                 take8(h) % 5u, pick_guid(h)};
        FUZZ_CHECK(rsvd_svhdx_tunnel_vhdset_query_information_request_encode(&q, body, 64, &n) ==
                   RSVD_OK);
        return n;
    }
    case RSVD_TUNNEL_DELETE_SNAPSHOT: {
        rsvd_svhdx_tunnel_delete_snapshot_request d = {pick_guid(h), take8(h) % 2u,
                                                       1u + take8(h) % 4u};
        FUZZ_CHECK(rsvd_svhdx_tunnel_delete_snapshot_request_encode(&d, body, 64, &n) == RSVD_OK);
        return n;
    }
    case RSVD_TUNNEL_CHANGE_TRACKING_START: {
        rsvd_svhdx_change_tracking_start_request s;
        memset(&s, 0, sizeof s);
        s.transaction_id = pick_guid(h);
        s.log_file_name_offset = 56;
        s.log_file_id = pick_guid(h);
        s.max_log_file_size = take8(h);
        s.append_data = take8(h) % 2u;
        FUZZ_CHECK(rsvd_svhdx_change_tracking_start_request_encode(&s, body, 128, &n) == RSVD_OK);
        return n;
    }
    case RSVD_TUNNEL_QUERY_VIRTUAL_DISK_CHANGES: {
        rsvd_svhdx_tunnel_query_virtual_disk_changes_request q = {
            pick_guid(h), pick_guid(h), take8(h) % 2u, 0, (uint64_t)take16(h) << 9};
        FUZZ_CHECK(rsvd_svhdx_tunnel_query_virtual_disk_changes_request_encode(&q, body, 64, &n) ==
                   RSVD_OK);
        return n;
    }
    default:
        return 0;
    }
}

static void step_tunnel(harness *h)
{
    uint64_t lo = pick_open(h);
    uint8_t sel = take8(h);
    uint32_t op = sel < 0xF0 ? opcodes[sel % (sizeof opcodes / sizeof opcodes[0])]
                             : (uint32_t)take16(h) << 12 | sel;
    uint32_t max_output = take16(h) % 4200u;
    const fb_op ops[] = {FB_GET_INFO,        FB_EXECUTE,          FB_VALIDATE,
                         FB_CREATE_SNAPSHOT, FB_ABORT_SNAPSHOT,   FB_OPTIMIZE,
                         FB_EXTRACT,         FB_CONVERT,          FB_RESIZE,
                         FB_APPLY,           FB_QUERY_VHDSET,     FB_DELETE_SNAPSHOT,
                         FB_CT_GET_PARAMETERS, FB_CT_START,       FB_CT_STOP,
                         FB_QUERY_CHANGES,   FB_QUERY_SAFE_SIZE};
    script_outcomes(h, ops, sizeof ops / sizeof ops[0]);
    req *q = new_req(h, K_IOCTL, lo, max_output);
    if (!q)
        return;
    uint8_t mode = take8(h);
    size_t body_len;
    uint8_t body[4096 + 64];
    memset(body, 0, sizeof body);
    if (mode & 0x80u) { /* fuzzed body */
        body_len = take8(h);
        for (size_t i = 0; i < body_len; i++)
            body[i] = take8(h);
    } else if (op == RSVD_TUNNEL_SCSI_OPERATION) {
        uint8_t disp = take8(h) % 3u;
        uint32_t dtl = take16(h) % 4096u;
        size_t data = disp == RSVD_SCSI_DATA_IN ? (mode & 1u ? dtl : 0) : (disp == 0 ? dtl : 0);
        body[0] = 36;
        body[4] = (uint8_t)(take8(h) % 17u);
        body[5] = 20;
        body[6] = disp;
        body[12] = (uint8_t)dtl;
        body[13] = (uint8_t)(dtl >> 8);
        body[16] = take8(h);
        body_len = 36 + data;
    } else if (op == RSVD_TUNNEL_SRB_STATUS_OPERATION) {
        body[0] = take8(h);
        body_len = 28;
    } else if ((op & RSVD_TUNNEL_OPCODE_VERSION_MASK) == RSVD_TUNNEL_OPCODE_VERSION_2) {
        body_len = v2_body(h, op, body);
    } else {
        body_len = (mode & 1u) ? 56 : 0;
    }
    size_t in_len = (mode & 0x40u) ? take8(h) % 16u : 16u + body_len;
    uint8_t msg[16 + sizeof body];
    rsvd_tunnel_hdr hdr = {op, take8(h), ((uint64_t)take16(h) << 32) | (uint64_t)(q - h->reqs)};
    FUZZ_CHECK(rsvd_tunnel_hdr_encode(&hdr, msg, 16) == RSVD_OK);
    memcpy(msg + 16, body, body_len);
    q->in = malloc(in_len + 1u);
    FUZZ_CHECK(q->in != NULL);
    memcpy(q->in, msg, in_len);
    q->in_len = in_len;
    q->out = malloc(max_output + 1u);
    q->tunnel = in_len >= 16;
    q->hdr = hdr;
    uint32_t ctl = (mode & 0x20u) ? RSVD_FSCTL_SVHDX_ASYNC_TUNNEL_REQUEST
                                  : RSVD_FSCTL_SVHDX_SYNC_TUNNEL_REQUEST;
    q->ctl = ctl;
    rsvd_server_ioctl_req r = {lo, ctl, q->in, (uint32_t)in_len, max_output, q->out};
    q->accepted = true;
    accepted(h, q, rsvd_server_ioctl(h->srv, &r, cookie_of(h, q)));
}

static void step_other_ioctl(harness *h)
{
    uint64_t lo = pick_open(h);
    static const uint32_t ctls[] = {RSVD_FSCTL_OFFLOAD_READ, RSVD_FSCTL_OFFLOAD_WRITE,
                                    RSVD_FSCTL_QUERY_SHARED_VIRTUAL_DISK_SUPPORT, 0x0009003Cu,
                                    0x000900A8u};
    uint32_t ctl = ctls[take8(h) % 5u];
    uint32_t max_output = take8(h);
    const fb_op ops[] = {FB_FSCTL};
    script_outcomes(h, ops, 1);
    req *q = new_req(h, K_IOCTL, lo, max_output);
    if (!q)
        return;
    q->in = malloc(8);
    memset(q->in, 0xAB, 8);
    q->out = malloc(max_output + 1u);
    rsvd_server_ioctl_req r = {lo, ctl, q->in, 8, max_output, q->out};
    q->accepted = true;
    accepted(h, q, rsvd_server_ioctl(h->srv, &r, cookie_of(h, q)));
}

static void step_query_support(harness *h)
{
    uint64_t lo = pick_open(h);
    uint8_t wname[64];
    size_t n = name_utf16(take8(h), wname);
    uint32_t max_output = take8(h) % 16u;
    req *q = new_req(h, K_QSUPPORT, lo, max_output);
    if (!q)
        return;
    q->out = malloc(max_output + 1u);
    rsvd_server_query_support_req r = {lo, wname, n, max_output, q->out};
    q->accepted = true;
    accepted(h, q, rsvd_server_query_support(h->srv, &r, cookie_of(h, q)));
}

static void step_info(harness *h, bool set)
{
    uint64_t lo = pick_open(h);
    static const uint32_t classes[] = {RSVD_FILE_STANDARD_INFORMATION,
                                       RSVD_FILE_NETWORK_OPEN_INFORMATION,
                                       RSVD_FILE_END_OF_FILE_INFORMATION,
                                       RSVD_FILE_RENAME_INFORMATION, RSVD_FILE_LINK_INFORMATION, 4};
    uint8_t b = take8(h);
    uint32_t cls = classes[b % 6u];
    uint8_t type = (b & 0x80u) ? 2 : RSVD_SMB2_0_INFO_FILE;
    uint32_t len = take8(h);
    const fb_op ops[] = {set ? FB_SET_INFO : FB_QUERY_INFO};
    script_outcomes(h, ops, 1);
    req *q = new_req(h, set ? K_SINFO : K_QINFO, lo, set ? 0 : len);
    if (!q)
        return;
    q->in = malloc(len + 1u);
    q->out = malloc(len + 1u);
    memset(q->in, 0, len + 1u);
    q->accepted = true;
    int rc;
    if (set) {
        rsvd_server_set_info_req r = {lo, type, cls, q->in, len};
        rc = rsvd_server_set_info(h->srv, &r, cookie_of(h, q));
    } else {
        rsvd_server_query_info_req r = {lo, type, cls, len, q->out};
        rc = rsvd_server_query_info(h->srv, &r, cookie_of(h, q));
    }
    accepted(h, q, rc);
}

/* [MS-RSVD] 3.2.5.7: a target specifier (valid, or a few bytes changed) in
 * an EA buffer, for one of the file names. */
static void step_target(harness *h)
{
    const fb_op ops[] = {FB_OPEN_SNAPSHOT};
    script_outcomes(h, ops, 1);
    uint8_t b = take8(h);
    rsvd_block_device_target_specifier ts = {(b & 0x80u) ? 1u : 0u,
                                             {1u + take8(h) % 4u, pick_guid(h)}};
    uint8_t ea[128];
    size_t ea_len = 0;
    FUZZ_CHECK(rsvd_target_specifier_ea_build(&ts, ea, sizeof ea, &ea_len) == RSVD_OK);
    if (b & 0x40u)
        ea[take8(h) % ea_len] = take8(h);
    if (b & 0x20u)
        ea_len = take8(h) % (ea_len + 1u);
    uint8_t wname[64];
    rsvd_server_target_create_req c = RSVD_STRUCT_INIT(rsvd_server_target_create_req);
    c.file_name = wname;
    c.file_name_len = name_utf16(take8(h), wname);
    c.create_options = (b & 0x10u) ? 0 : RSVD_FILE_NO_INTERMEDIATE_BUFFERING;
    c.ea_buffer = ea;
    c.ea_buffer_len = ea_len;
    req *q = new_req(h, K_TARGET, 0, 0);
    if (!q)
        return;
    q->accepted = true;
    h->pending_creates++;
    int rc = rsvd_server_create_target(h->srv, &c, cookie_of(h, q));
    FUZZ_CHECK(rc == RSVD_OK);
}

/* The host's clock moves on and the timers are handled: none is due after. */
static void step_expiry(harness *h)
{
    h->now += take16(h);
    size_t fired = 0;
    FUZZ_CHECK(rsvd_server_handle_expiry(h->srv, h->now, &fired) == RSVD_OK);
    uint64_t next = rsvd_server_next_expiry(h->srv);
    FUZZ_CHECK(next == UINT64_MAX || next > h->now);
}

static void close_open(harness *h, uint64_t lo)
{
    req *q = new_req(h, K_CLOSE, lo, 0);
    FUZZ_CHECK(q != NULL); /* MAX_REQS leaves room for every CLOSE */
    hist *e = hist_of(h, lo);
    if (e && e->live && e->refs > 1) {
        e->refs--; /* one of the SMB2 opens sharing it */
    } else if (e && e->live) {
        e->live = false;
        q->closes_live = true;
        h->closing++;
    }
    q->accepted = true;
    accepted(h, q, rsvd_server_close(h->srv, lo, cookie_of(h, q)));
}

static void step_close(harness *h)
{
    uint64_t lo = pick_open(h);
    const fb_op ops[] = {FB_CLOSE};
    script_outcomes(h, ops, 1);
    close_open(h, lo);
}

static void step_complete(harness *h)
{
    uint8_t b = take8(h);
    size_t n = 0;
    while (fb_nth_pending(&h->fb, n) != (size_t)-1)
        n++;
    if (!n)
        return;
    size_t i = fb_nth_pending(&h->fb, b % n);
    if (b & 0x80u) {
        fb_outcome o = outcome_of(take8(h));
        o.pending = false;
        FUZZ_CHECK(fb_complete_with(&h->fb, i, &o) == RSVD_OK);
    } else {
        FUZZ_CHECK(fb_complete(&h->fb, i) == RSVD_OK);
    }
}

static void step_repeat_completion(harness *h)
{
    if (!h->fb.ncalls)
        return;
    size_t i = take16(h) % h->fb.ncalls;
    if (!h->fb.calls[i].pending)
        FUZZ_CHECK(fb_complete_again(&h->fb, i) == RSVD_E_STATE);
}

static void check_invariants(harness *h)
{
    FUZZ_CHECK(h->fb.violations == 0);
    FUZZ_CHECK(rsvd_server_requests_in_flight(h->srv) == h->fb.in_flight);
    FUZZ_CHECK(rsvd_server_open_count(h->srv) == h->pending_creates + live_count(h) + h->closing);
    FUZZ_CHECK(h->fb.open_handles <= rsvd_server_open_count(h->srv));
}

enum { OP_CREATE, OP_READ, OP_WRITE, OP_TUNNEL, OP_OTHER_IOCTL, OP_QSUPPORT, OP_QINFO, OP_SINFO,
       OP_LOCK, OP_CLOSE, OP_COMPLETE, OP_COMPLETE_ALL, OP_REPEAT, OP_TARGET, OP_EXPIRY,
       OP_COUNT };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static harness hs;
    harness *h = &hs;
    /* The account starts empty; its arrays (reqs, hist) are written entry
     * by entry as they fill, so they are not cleared (80 KB an input). */
    h->srv = NULL;
    h->version = 0;
    h->nreqs = h->nhist = 0;
    h->pending_creates = h->closing = 0;
    h->now = 0;
    h->p = data;
    h->left = size;
    fb_init(&h->fb);
    uint8_t cfgb = take8(h);
    uint8_t allocb = take8(h);
    fa_init(&h->alloc);
    h->alloc.fail_at = allocb < 0xF0 ? allocb : 0;
    rsvd_server_config cfg = RSVD_STRUCT_INIT(rsvd_server_config);
    h->version = (cfgb & 1u) ? 2 : 1;
    cfg.service_version = h->version;
    cfg.svhdx_supported = (cfgb & 0xFEu) != 0xFEu;
    cfg.mem = &h->alloc.mem;
    cfg.object_store = (allocb & 0xF8u) == 0xF0u ? NULL : &h->fb.store_ops;
    cfg.object_store_ctx = &h->fb;
    cfg.scsi_disk = (allocb & 0xF8u) == 0xF8u ? NULL : &h->fb.disk_ops;
    cfg.scsi_disk_ctx = &h->fb;
    cfg.reply = on_reply;
    cfg.reply_ctx = h;
    cfg.interim = on_interim;
    cfg.wall_clock = wall_clock;
    cfg.cdp_timeout_ms = (uint32_t)(cfgb & 0x1Cu) * 10u; /* 0: the default */
    cfg.max_transactions = 1u + (cfgb >> 6);
    cfg.max_requests = 1u + ((cfgb >> 2) & 7u);
    cfg.max_opens = 4u << (cfgb >> 5);
    if (rsvd_server_new(&cfg, &h->srv) != RSVD_OK) {
        FUZZ_CHECK(h->alloc.live == 0);
        fb_fini(&h->fb);
        return 0;
    }

    for (int step = 0; step < MAX_STEPS && h->left; step++) {
        switch (take8(h) % OP_COUNT) {
        case OP_CREATE:
            step_create(h);
            break;
        case OP_READ:
            step_io(h, false);
            break;
        case OP_WRITE:
            step_io(h, true);
            break;
        case OP_TUNNEL:
            step_tunnel(h);
            break;
        case OP_OTHER_IOCTL:
            step_other_ioctl(h);
            break;
        case OP_QSUPPORT:
            step_query_support(h);
            break;
        case OP_QINFO:
            step_info(h, false);
            break;
        case OP_SINFO:
            step_info(h, true);
            break;
        case OP_LOCK: {
            req *q = new_req(h, K_LOCK, pick_open(h), 0);
            if (q) {
                q->accepted = true;
                accepted(h, q, rsvd_server_lock(h->srv, q->lo, cookie_of(h, q)));
            }
            break;
        }
        case OP_CLOSE:
            step_close(h);
            break;
        case OP_COMPLETE:
            step_complete(h);
            break;
        case OP_COMPLETE_ALL:
            fb_complete_all(&h->fb);
            break;
        case OP_TARGET:
            step_target(h);
            break;
        case OP_EXPIRY:
            step_expiry(h);
            break;
        default:
            step_repeat_completion(h);
            break;
        }
        check_invariants(h);
    }

    /* The end: finish everything, close everything, free. */
    fb_outcome ok = fb_ok();
    for (int s = 0; s < FB_SIDE_COUNT; s++)
        for (int op = 0; op < FB_OP_COUNT; op++) {
            h->fb.qlen[s][op] = 0;
            fb_set_default(&h->fb, (fb_side)s, (fb_op)op, &ok);
        }
    fb_complete_all(&h->fb);
    check_invariants(h);
    FUZZ_CHECK(h->pending_creates == 0);
    for (size_t i = 0; i < h->nhist; i++)
        while (h->hist[i].live)
            close_open(h, h->hist[i].lo);
    fb_complete_all(&h->fb);
    check_invariants(h);
    FUZZ_CHECK(rsvd_server_open_count(h->srv) == 0);
    FUZZ_CHECK(rsvd_server_requests_in_flight(h->srv) == 0);
    FUZZ_CHECK(h->fb.open_handles == 0);
    for (size_t i = 0; i < h->nreqs; i++)
        FUZZ_CHECK(!h->reqs[i].accepted || h->reqs[i].replied);
    /* Every write that succeeded reached the backend once; none twice. */
    for (size_t i = 0; i < h->nreqs; i++) {
        if (h->reqs[i].kind != K_WRITE || !h->reqs[i].accepted)
            continue;
        uint64_t tag = 0x7A67000000000000ull | i;
        size_t seen = 0;
        for (size_t k = 0; k < h->fb.ncalls; k++)
            if (h->fb.calls[k].op == FB_WRITE && h->fb.calls[k].data_head_len >= 8 &&
                memcmp(h->fb.calls[k].data_head, &tag, 8) == 0)
                seen++;
        FUZZ_CHECK(seen <= 1);
        if (h->reqs[i].status == RSVD_STATUS_SUCCESS)
            FUZZ_CHECK(seen == 1);
    }
    /* A completion arriving after its open was closed (late, or the same
     * one again) is refused and changes nothing. */
    size_t replies = 0;
    for (size_t i = 0; i < h->nreqs; i++)
        replies += h->reqs[i].replied;
    for (size_t k = 0; k < h->fb.ncalls; k++) {
        FUZZ_CHECK(!h->fb.calls[k].pending);
        FUZZ_CHECK(fb_complete_again(&h->fb, k) == RSVD_E_STATE);
    }
    size_t replies_after = 0;
    for (size_t i = 0; i < h->nreqs; i++)
        replies_after += h->reqs[i].replied;
    FUZZ_CHECK(replies_after == replies);
    FUZZ_CHECK(rsvd_server_requests_in_flight(h->srv) == 0);
    FUZZ_CHECK(rsvd_server_free(h->srv) == RSVD_OK);
    FUZZ_CHECK(h->alloc.live == 0);
    for (size_t i = 0; i < h->nreqs; i++) {
        free(h->reqs[i].in);
        free(h->reqs[i].out);
    }
    fb_fini(&h->fb);
    return 0;
}
