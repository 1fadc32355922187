/*
 * Persistent reservations of the built-in virtual SCSI disk: the conflict
 * rules ([SPC-3] 5.6.1), PERSISTENT RESERVE IN ([SPC-3] 6.11) and
 * PERSISTENT RESERVE OUT ([SPC-3] 5.6.6-5.6.10, 6.12), with the unit
 * attentions they establish.
 *
 * The I_T nexus is the RSVD open's InitiatorId (sd_nexus). Scope is always
 * LU_SCOPE; there is one target port, so ALL_TG_PT is accepted and changes
 * nothing; SPEC_I_PT, APTPL and REGISTER AND MOVE are not supported.
 */
#include "backends/scsi_disk_int.h"

#include <string.h>

#include <rsvd/scsi.h>
#include <rsvd/scsi_disk.h>
#include <rsvd/wire.h>

static bool type_registrants_only(uint8_t t)
{
    return t == RSVD_SCSI_PR_WRITE_EXCLUSIVE_REGISTRANTS_ONLY ||
           t == RSVD_SCSI_PR_EXCLUSIVE_ACCESS_REGISTRANTS_ONLY;
}

static bool type_all_registrants(uint8_t t)
{
    return t == RSVD_SCSI_PR_WRITE_EXCLUSIVE_ALL_REGISTRANTS ||
           t == RSVD_SCSI_PR_EXCLUSIVE_ACCESS_ALL_REGISTRANTS;
}

static bool type_exclusive_access(uint8_t t)
{
    return t == RSVD_SCSI_PR_EXCLUSIVE_ACCESS ||
           t == RSVD_SCSI_PR_EXCLUSIVE_ACCESS_REGISTRANTS_ONLY ||
           t == RSVD_SCSI_PR_EXCLUSIVE_ACCESS_ALL_REGISTRANTS;
}

/* [SPC-3] 5.6.9: every registrant holds an all-registrants reservation;
 * otherwise the I_T nexus that reserved holds it. */
static bool is_holder(const rsvd_scsi_disk *d, const sd_nexus *nx)
{
    if (!d->res_present || !nx || !nx->registered)
        return false;
    return type_all_registrants(d->res_type) || d->res_holder == nx;
}

/*
 * [SPC-3] 5.6.1 and the [SBC-3] table of commands allowed in the presence of
 * reservations, for an I_T nexus that does not hold the reservation:
 *   Write Exclusive, Exclusive Access: from any such I_T nexus, writes
 *     conflict; reads conflict under Exclusive Access only.
 *   ... Registrants Only, ... All Registrants: a registered I_T nexus may do
 *     everything; an unregistered one is treated as above.
 */
bool sd_pr_conflict(const rsvd_scsi_disk *d, const sd_nexus *nx, sd_access access)
{
    if (access == SD_ACCESS_ANY || access == SD_ACCESS_PROUT || !d->res_present)
        return false;
    if (is_holder(d, nx))
        return false;
    if ((type_registrants_only(d->res_type) || type_all_registrants(d->res_type)) && nx &&
        nx->registered)
        return false;
    return access == SD_ACCESS_WRITE || type_exclusive_access(d->res_type);
}

/* Establishes @p ascq for every registered I_T nexus except @p except. */
static void ua_registered_except(rsvd_scsi_disk *d, const sd_nexus *except, uint16_t ascq)
{
    for (uint32_t i = 0; i < d->max_nexus; i++) {
        sd_nexus *nx = &d->nexus[i];
        if (nx->in_use && nx->registered && nx != except)
            sd_ua_add(nx, ascq);
    }
}

static void release(rsvd_scsi_disk *d)
{
    d->res_present = false;
    d->res_type = 0;
    d->res_holder = NULL;
}

static void reserve(rsvd_scsi_disk *d, sd_nexus *holder, uint8_t type)
{
    d->res_present = true;
    d->res_type = type;
    d->res_holder = type_all_registrants(type) ? NULL : holder;
}

/* Removes a registration, leaving the reservation to the caller. */
static void drop_registration(rsvd_scsi_disk *d, sd_nexus *nx)
{
    nx->registered = false;
    nx->key = 0;
    d->registrants--;
}

/* [SPC-3] 5.6.10.3: an I_T nexus unregisters itself (REGISTER with a zero
 * service action reservation key). A holder's reservation goes with it;
 * other registrants of a registrants-only one are told. An all-registrants
 * reservation lasts until its last registrant goes. */
static void unregister_self(rsvd_scsi_disk *d, sd_nexus *nx)
{
    bool held = d->res_present && d->res_holder == nx;
    drop_registration(d, nx);
    if (!d->res_present)
        return;
    if (type_all_registrants(d->res_type)) {
        if (d->registrants == 0)
            release(d);
    } else if (held) {
        uint8_t type = d->res_type;
        release(d);
        if (type_registrants_only(type))
            ua_registered_except(d, nx, RSVD_SCSI_ASCQ_RESERVATIONS_RELEASED);
    }
}

/* ------------------------------------------------------------------------ */
/* PERSISTENT RESERVE IN                                                     */
/* ------------------------------------------------------------------------ */

/* [SPC-3] 6.11.2 READ KEYS */
static size_t prin_read_keys(rsvd_scsi_disk *d)
{
    rsvd_wr w;
    rsvd_wr_init(&w, d->scratch, d->scratch_size);
    rsvd_wr_be32(&w, d->pr_generation);        /* 0-3: PRGENERATION */
    rsvd_wr_be32(&w, d->registrants * 8u);     /* 4-7: ADDITIONAL LENGTH */
    for (uint32_t i = 0; i < d->max_nexus; i++)
        if (d->nexus[i].in_use && d->nexus[i].registered)
            rsvd_wr_be64(&w, d->nexus[i].key); /* 8-n: RESERVATION KEY list */
    return rsvd_wr_pos(&w);
}

/* [SPC-3] 6.11.3 READ RESERVATION */
static size_t prin_read_reservation(rsvd_scsi_disk *d)
{
    rsvd_scsi_prin_reservation res = {
        .pr_generation = d->pr_generation,
        .reserved = d->res_present,
        /* an all-registrants reservation reports key 0 */
        .reservation_key = d->res_holder ? d->res_holder->key : 0,
        .scope = RSVD_SCSI_PR_SCOPE_LU,
        .type = d->res_type,
    };
    size_t len = 0;
    rsvd_scsi_prin_reservation_encode(&res, d->scratch, d->scratch_size, &len);
    return len;
}

/* [SPC-3] 6.11.4 REPORT CAPABILITIES */
static size_t prin_report_capabilities(rsvd_scsi_disk *d)
{
    const rsvd_scsi_prin_capabilities caps = {
        .crh = false,    /* no SPC-2 RESERVE/RELEASE */
        .sip_c = false,  /* SPEC_I_PT not supported */
        .atp_c = true,   /* one target port: ALL_TG_PT is honoured trivially */
        .ptpl_c = false, /* reservations do not persist through power loss */
        .tmv = true,
        .ptpl_a = false,
        .type_mask = RSVD_SCSI_PR_TYPE_MASK_WR_EX_AR | RSVD_SCSI_PR_TYPE_MASK_EX_AC_RO |
                     RSVD_SCSI_PR_TYPE_MASK_WR_EX_RO | RSVD_SCSI_PR_TYPE_MASK_EX_AC |
                     RSVD_SCSI_PR_TYPE_MASK_WR_EX | RSVD_SCSI_PR_TYPE_MASK_EX_AC_AR,
    };
    rsvd_scsi_prin_capabilities_encode(&caps, d->scratch, d->scratch_size);
    return RSVD_SCSI_PRIN_CAPABILITIES_LEN;
}

void sd_pr_in(sd_cmd *x)
{
    rsvd_rd *r = &x->cdb;
    rsvd_rd_skip(r, 1);                   /* 0: OPERATION CODE */
    uint8_t sa = rsvd_rd_u8(r) & 0x1F;    /* 1: SERVICE ACTION */
    rsvd_rd_skip(r, 5);                   /* 2-6: Reserved */
    uint16_t alloc = rsvd_rd_be16(r);     /* 7-8: ALLOCATION LENGTH */
    size_t len;
    switch (sa) {
    case RSVD_SCSI_PRIN_READ_KEYS:
        len = prin_read_keys(x->d);
        break;
    case RSVD_SCSI_PRIN_READ_RESERVATION:
        len = prin_read_reservation(x->d);
        break;
    case RSVD_SCSI_PRIN_REPORT_CAPABILITIES:
        len = prin_report_capabilities(x->d);
        break;
    default: /* READ FULL STATUS needs TransportIDs, which RSVD initiators lack */
        sd_illegal(x, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
        return;
    }
    sd_data_in(x, len, alloc);
}

/* ------------------------------------------------------------------------ */
/* PERSISTENT RESERVE OUT                                                    */
/* ------------------------------------------------------------------------ */

/* [SPC-3] 5.6.6: REGISTER and REGISTER AND IGNORE EXISTING KEY. */
static void prout_register(sd_cmd *x, const rsvd_scsi_prout_params *p, bool ignore_key)
{
    rsvd_scsi_disk *d = x->d;
    sd_nexus *nx = x->nx;
    if (!nx->registered) {
        if (!ignore_key && p->reservation_key != 0) {
            sd_conflict(x);
            return;
        }
        if (p->sa_reservation_key == 0) {
            sd_good(x, 0); /* nothing to register: no change, no PRgeneration */
            return;
        }
        if (d->registrants >= d->max_registrants) {
            sd_illegal(x, RSVD_SCSI_ASCQ_INSUFFICIENT_REGISTRATION_RESOURCES);
            return;
        }
        nx->registered = true;
        nx->key = p->sa_reservation_key;
        d->registrants++;
    } else {
        if (!ignore_key && p->reservation_key != nx->key) {
            sd_conflict(x);
            return;
        }
        if (p->sa_reservation_key == 0)
            unregister_self(d, nx);
        else
            nx->key = p->sa_reservation_key; /* a reservation it holds stays held */
    }
    d->pr_generation++;
    sd_good(x, 0);
}

/* The other service actions need a registered I_T nexus and its key
 * ([SPC-3] 5.6.1: they conflict from an unregistered one). */
static bool prout_key_ok(sd_cmd *x, const rsvd_scsi_prout_params *p)
{
    if (!x->nx->registered || p->reservation_key != x->nx->key) {
        sd_conflict(x);
        return false;
    }
    return true;
}

/* [SPC-3] 5.6.8 RESERVE */
static void prout_reserve(sd_cmd *x, const rsvd_scsi_prout_params *p, uint8_t type)
{
    rsvd_scsi_disk *d = x->d;
    if (!prout_key_ok(x, p))
        return;
    if (d->res_present) {
        /* The holder may repeat its reservation; any other change conflicts. */
        if (is_holder(d, x->nx) && d->res_type == type)
            sd_good(x, 0);
        else
            sd_conflict(x);
        return;
    }
    reserve(d, x->nx, type);
    sd_good(x, 0);
}

/* [SPC-3] 5.6.10.2 RELEASE */
static void prout_release(sd_cmd *x, const rsvd_scsi_prout_params *p, uint8_t type)
{
    rsvd_scsi_disk *d = x->d;
    if (!prout_key_ok(x, p))
        return;
    if (!d->res_present || !is_holder(d, x->nx)) {
        sd_good(x, 0); /* nothing of this I_T nexus to release */
        return;
    }
    if (type != d->res_type) {
        sd_illegal(x, RSVD_SCSI_ASCQ_INVALID_RELEASE_OF_PERSISTENT_RESERVATION);
        return;
    }
    release(d);
    /* The other registrants shared the access of these types: tell them. */
    if (type_registrants_only(type) || type_all_registrants(type))
        ua_registered_except(d, x->nx, RSVD_SCSI_ASCQ_RESERVATIONS_RELEASED);
    sd_good(x, 0);
}

/* [SPC-3] 5.6.10.6 CLEAR */
static void prout_clear(sd_cmd *x, const rsvd_scsi_prout_params *p)
{
    rsvd_scsi_disk *d = x->d;
    if (!prout_key_ok(x, p))
        return;
    for (uint32_t i = 0; i < d->max_nexus; i++) {
        sd_nexus *nx = &d->nexus[i];
        if (!nx->in_use || !nx->registered)
            continue;
        if (nx != x->nx)
            sd_ua_add(nx, RSVD_SCSI_ASCQ_RESERVATIONS_PREEMPTED);
        drop_registration(d, nx);
    }
    release(d);
    d->pr_generation++;
    sd_good(x, 0);
}

/*
 * Removes the registrations with key @p key, except the issuer's, each
 * removed I_T nexus getting REGISTRATIONS PREEMPTED.
 * @return whether any registration (the issuer's included) had the key.
 */
static bool remove_by_key(rsvd_scsi_disk *d, const sd_nexus *issuer, uint64_t key, bool all)
{
    bool matched = false;
    for (uint32_t i = 0; i < d->max_nexus; i++) {
        sd_nexus *nx = &d->nexus[i];
        if (!nx->in_use || !nx->registered || (!all && nx->key != key))
            continue;
        matched = true;
        if (nx == issuer)
            continue;
        drop_registration(d, nx);
        sd_ua_add(nx, RSVD_SCSI_ASCQ_REGISTRATIONS_PREEMPTED);
    }
    return matched;
}

/* [SPC-3] 5.6.10.4 PREEMPT (and 5.6.10.5 PREEMPT AND ABORT: the disk completes every
 * command before it takes the next, so there is no task to abort). */
static void prout_preempt(sd_cmd *x, const rsvd_scsi_prout_params *p, uint8_t type)
{
    rsvd_scsi_disk *d = x->d;
    if (!prout_key_ok(x, p))
        return;
    uint64_t sa_key = p->sa_reservation_key;
    bool all_regs = d->res_present && type_all_registrants(d->res_type);
    bool preempts_reservation =
        d->res_present && (all_regs ? sa_key == 0 : sa_key == d->res_holder->key);

    if (!preempts_reservation) {
        /* [SPC-3] 5.6.10.4.4: remove registrations; the reservation, if
         * any, stays as it is. */
        if (sa_key == 0) {
            sd_illegal(x, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_PARAMETER_LIST);
            return;
        }
        if (!remove_by_key(d, x->nx, sa_key, false)) {
            sd_conflict(x); /* the key names no registration */
            return;
        }
        d->pr_generation++;
        sd_good(x, 0);
        return;
    }

    /* [SPC-3] 5.6.10.4.3: preempt the reservation. Under an all-registrants
     * reservation every other registration goes; otherwise those with the
     * holder's key. The issuer then holds a reservation of the CDB's type. */
    uint8_t old_type = d->res_type;
    remove_by_key(d, x->nx, sa_key, all_regs);
    release(d);
    reserve(d, x->nx, type);
    if (type != old_type)
        ua_registered_except(d, x->nx, RSVD_SCSI_ASCQ_RESERVATIONS_RELEASED);
    d->pr_generation++;
    sd_good(x, 0);
}

void sd_pr_out(sd_cmd *x)
{
    rsvd_rd *r = &x->cdb;
    rsvd_rd_skip(r, 1);                   /* 0: OPERATION CODE */
    uint8_t sa = rsvd_rd_u8(r) & 0x1F;    /* 1: SERVICE ACTION */
    uint8_t b2 = rsvd_rd_u8(r);           /* 2: SCOPE (7-4), TYPE (3-0) */
    rsvd_rd_skip(r, 2);                   /* 3-4: Reserved */
    uint32_t plen = rsvd_rd_be32(r);      /* 5-8: PARAMETER LIST LENGTH */
    uint8_t scope = (uint8_t)(b2 >> 4), type = b2 & 0x0F;

    bool registers = sa == RSVD_SCSI_PROUT_REGISTER ||
                     sa == RSVD_SCSI_PROUT_REGISTER_AND_IGNORE_EXISTING_KEY;
    bool reserves = sa == RSVD_SCSI_PROUT_RESERVE || sa == RSVD_SCSI_PROUT_RELEASE ||
                    sa == RSVD_SCSI_PROUT_PREEMPT || sa == RSVD_SCSI_PROUT_PREEMPT_AND_ABORT;
    if (!registers && !reserves && sa != RSVD_SCSI_PROUT_CLEAR) {
        sd_illegal(x, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB); /* REGISTER AND MOVE, reserved */
        return;
    }
    /* [SPC-3] 6.12.2: SCOPE and TYPE matter to these service actions only. */
    if (reserves && (scope != RSVD_SCSI_PR_SCOPE_LU || !rsvd_scsi_pr_type_valid(type))) {
        sd_illegal(x, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_CDB);
        return;
    }
    /* [SPC-3] 6.12.3: the basic parameter list is 24 bytes. */
    rsvd_scsi_prout_params p;
    if (plen != RSVD_SCSI_PROUT_PARAM_LEN || !x->cmd->data_out ||
        rsvd_scsi_prout_params_decode(x->cmd->data_out, x->cmd->data_out_len, &p) != RSVD_OK) {
        sd_illegal(x, RSVD_SCSI_ASCQ_PARAMETER_LIST_LENGTH_ERROR);
        return;
    }
    /* SIP_C and PTPL_C are 0 (REPORT CAPABILITIES); APTPL counts only for
     * the register service actions. */
    if (p.spec_i_pt || (registers && p.aptpl)) {
        sd_illegal(x, RSVD_SCSI_ASCQ_INVALID_FIELD_IN_PARAMETER_LIST);
        return;
    }
    if (!x->nx) { /* an open without an initiator is no I_T nexus to register */
        sd_conflict(x);
        return;
    }
    switch (sa) {
    case RSVD_SCSI_PROUT_REGISTER:
        prout_register(x, &p, false);
        break;
    case RSVD_SCSI_PROUT_REGISTER_AND_IGNORE_EXISTING_KEY:
        prout_register(x, &p, true);
        break;
    case RSVD_SCSI_PROUT_RESERVE:
        prout_reserve(x, &p, type);
        break;
    case RSVD_SCSI_PROUT_RELEASE:
        prout_release(x, &p, type);
        break;
    case RSVD_SCSI_PROUT_CLEAR:
        prout_clear(x, &p);
        break;
    default: /* PREEMPT, PREEMPT AND ABORT */
        prout_preempt(x, &p, type);
        break;
    }
}
