/*
 * rsvd-target: TREE_CONNECT ([MS-SMB2] 3.3.5.7) and TREE_DISCONNECT
 * ([MS-SMB2] 3.3.5.8).
 */
#include <stdlib.h>
#include <string.h>

#include "preserve.h"
#include "smb2_simple.h"
#include "smb2_tree.h"
#include "target.h"
#include "utf16.h"
#include <rsvd/smb2.h>
#include <rsvd/status.h>

/* FILE_ALL_ACCESS: what every user may do on a share of rsvd-target. */
#define MAXIMAL_ACCESS 0x001F01FFu

void tgt_cmd_tree_connect(tgt_req *r)
{
    tgt_tree_connect_req q;
    char path[TGT_PATH_MAX];
    if (tgt_tree_connect_req_decode(r->msg, r->len, &q) != RSVD_OK ||
        tgt_utf16_to_utf8(q.path, q.path_length, path, sizeof path) != 0) {
        tgt_req_fail(r, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    /* "\\server\share": the share is the last component. */
    const char *name = strrchr(path, '\\');
    name = name ? name + 1 : path;
    tgt_share *sh = tgt_share_find(r->srv, name);
    if (!sh) {
        tgt_log(r->srv, "%s: no share %s", r->conn->peer, name);
        tgt_req_fail(r, TGT_STATUS_BAD_NETWORK_NAME);
        return;
    }
    tgt_session *s = r->session;
    tgt_tree *t = calloc(1, sizeof *t);
    if (!t) {
        tgt_req_fail(r, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        return;
    }
    t->session = s;
    t->share = sh;
    t->id = s->next_tree_id++;
    if (tgt_preserve_tree_add(r->srv->pres, t) != 0) {
        free(t);
        tgt_req_fail(r, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        return;
    }
    tgt_list_append(&s->trees, &t->link);
    r->tree = t;

    tgt_tree_connect_rsp m;
    memset(&m, 0, sizeof m);
    m.hdr = tgt_rsp_hdr(r, RSVD_STATUS_SUCCESS);
    m.share_type = TGT_SHARE_TYPE_DISK;
    m.share_flags = TGT_SHAREFLAG_MANUAL_CACHING;
    m.capabilities = sh->ca ? TGT_SHARE_CAP_CONTINUOUS_AVAILABILITY : 0;
    m.maximal_access = MAXIMAL_ACCESS;
    if (tgt_req_reserve(r, 128, 0) != 0) {
        tgt_req_fail(r, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        return;
    }
    size_t len = 0;
    tgt_req_encoded(r, tgt_tree_connect_rsp_encode(&m, r->rsp, r->rsp_cap, &len), &len);
}

void tgt_cmd_tree_disconnect(tgt_req *r)
{
    tgt_smb2_empty q;
    if (tgt_smb2_empty_decode(r->msg, r->len, RSVD_SMB2_TREE_DISCONNECT, &q) != RSVD_OK) {
        tgt_req_fail(r, RSVD_STATUS_INVALID_PARAMETER);
        return;
    }
    tgt_tree *t = r->tree;
    /* Every open of the tree is closed, resilient or not: the library
     * decides and closes them through tgt_open_close(). */
    tgt_preserve_tree_disconnect(r->srv->pres, t);
    tgt_link *k, *nk;
    TGT_LIST_FOREACH_SAFE(&t->session->opens, k, nk) { /* none left but by a bug */
        tgt_open *o = TGT_CONTAINER(k, tgt_open, session_link);
        if (o->tree == t)
            tgt_open_close(o);
    }
    if (r->chain && r->chain->tree == t)
        r->chain->tree = NULL;
    tgt_list_remove(&t->link);
    free(t);
    r->tree = NULL;
    tgt_smb2_empty m = {tgt_rsp_hdr(r, RSVD_STATUS_SUCCESS)};
    if (tgt_req_reserve(r, 128, 0) != 0) {
        tgt_req_fail(r, RSVD_STATUS_INSUFFICIENT_RESOURCES);
        return;
    }
    size_t len = 0;
    tgt_req_encoded(r, tgt_smb2_empty_encode(&m, RSVD_SMB2_TREE_DISCONNECT, r->rsp, r->rsp_cap,
                                             &len), &len);
}
