/*
 * Integrator template: the virtual SCSI disk from a URI (see vdisk.h).
 */
#include "vdisk.h"

#include <rsvd/block.h>
#include <rsvd/file_store.h>
#include <rsvd/scsi_disk.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if EXAMPLES_HAVE_ISCSI
#include <rsvd/iscsi_disk.h>
#endif
#if EXAMPLES_HAVE_NBD
#include <rsvd/nbd_block.h>
#endif

#define DEFAULT_SIZE (64ull << 20)

/* The VirtualDiskId the disk reports. */
static const rsvd_guid disk_id = {{0x5D, 0x1C, 0x4A, 0x27, 0x8E, 0x0B, 0x4F, 0x41, 0x9A, 0x2E,
                                   0x61, 0x0C, 0x3B, 0x77, 0xD0, 0x15}};

struct vdisk_impl {
    char name[128];           /* vdisk_config.name */
    char program[64];         /* vdisk_config.program */
    char dir[256], path[320]; /* the default disk's temporary file */
    rsvd_file_block *fb;
#if EXAMPLES_HAVE_NBD
    rsvd_nbd_block *nb;
#endif
#if EXAMPLES_HAVE_ISCSI
    rsvd_iscsi_disk *iscsi;
#endif
    rsvd_scsi_disk *disk;
    rsvd_scsi_disk_set *set;
};

/* A temporary directory for the disk: its file, and its storage for the
 * version-2 operations. */
static int make_dir(vdisk_impl *m, char *err, size_t errcap)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(m->dir, sizeof m->dir, "%.200s/%.40s-XXXXXX", tmp && *tmp ? tmp : "/tmp",
             m->program);
    if (!mkdtemp(m->dir)) {
        snprintf(err, errcap, "cannot create a temporary directory %s: %s", m->dir,
                 strerror(errno));
        m->dir[0] = 0;
        return RSVD_E_IO;
    }
    return RSVD_OK;
}

/* The name of the disk's files: "cluster" for "cluster.vhdx". */
static void stem_of(const vdisk_impl *m, char *out, size_t cap)
{
    const char *base = m->name[0] ? m->name : "disk"; /* NULL name: every name */
    int stem = (int)strcspn(base, ".");
    snprintf(out, cap, "%.*s", stem < 48 ? stem : 48, base);
}

/* The built-in SCSI disk over @p block, found by the disk's name, with its
 * storage in the temporary directory (snapshots, change log, VHD sets). */
static int builtin_disk(vdisk *d, rsvd_block_source block, char *err, size_t errcap)
{
    vdisk_impl *m = d->impl;
    char stem[64];
    stem_of(m, stem, sizeof stem);
    rsvd_scsi_disk_config cfg = RSVD_STRUCT_INIT(rsvd_scsi_disk_config);
    cfg.block = block;
    cfg.disk_id = disk_id;
    cfg.storage_dir = m->dir;
    cfg.storage_name = stem;
    int rc = rsvd_scsi_disk_create(&cfg, &m->disk);
    if (rc == RSVD_OK)
        rc = rsvd_scsi_disk_set_create(NULL, &m->set);
    if (rc == RSVD_OK)
        rc = rsvd_scsi_disk_set_add(m->set, m->name[0] ? m->name : NULL, m->disk);
    if (rc != RSVD_OK) {
        snprintf(err, errcap, "cannot create the SCSI disk: %s", rsvd_strerror(rc));
        return rc;
    }
    d->ops = rsvd_scsi_disk_backend_ops();
    d->ctx = m->set;
    d->version2 = true;
    return RSVD_OK;
}

static int open_default(vdisk *d, uint64_t size, char *err, size_t errcap)
{
    vdisk_impl *m = d->impl;
    int rc = make_dir(m, err, errcap);
    if (rc != RSVD_OK)
        return rc;
    /* "cluster.vhdx" is kept in cluster.img: raw blocks, not a VHDX. */
    char stem[64];
    stem_of(m, stem, sizeof stem);
    snprintf(m->path, sizeof m->path, "%.256s/%.48s.img", m->dir, stem);
    rsvd_file_block_config cfg = RSVD_STRUCT_INIT(rsvd_file_block_config);
    cfg.path = m->path;
    cfg.create_size = size;
    cfg.direct_io = RSVD_DIRECT_IO_NEVER;
    rsvd_backend_diag why;
    rc = rsvd_file_block_open(&cfg, &m->fb, &why);
    if (rc != RSVD_OK) {
        snprintf(err, errcap, "cannot create %s: %s", m->path, why.reason);
        return rc;
    }
    snprintf(d->description, sizeof d->description,
             "built-in SCSI disk over %.240s (%llu MiB, temporary)", m->path,
             (unsigned long long)(size >> 20));
    return builtin_disk(d, rsvd_file_block_source(m->fb), err, errcap);
}

static int open_iscsi(vdisk *d, const char *spec, char *err, size_t errcap)
{
#if EXAMPLES_HAVE_ISCSI
    /* iscsi://HOST[:PORT]/IQN/LUN */
    char buf[512], *portal, *iqn, *lun, *end;
    snprintf(buf, sizeof buf, "%s", spec + strlen("iscsi://"));
    portal = buf;
    iqn = strchr(buf, '/');
    lun = strrchr(buf, '/');
    if (!iqn || iqn == lun || iqn == buf || !lun[1] || lun == iqn + 1) {
        snprintf(err, errcap, "%s: expected iscsi://HOST:PORT/IQN/LUN", spec);
        return RSVD_E_INVAL;
    }
    *iqn++ = 0;
    *lun++ = 0;
    errno = 0;
    unsigned long n = strtoul(lun, &end, 10);
    if (*end || errno || n > UINT32_MAX) {
        snprintf(err, errcap, "%s: the LUN must be a number", spec);
        return RSVD_E_INVAL;
    }
    rsvd_iscsi_disk_config cfg = RSVD_STRUCT_INIT(rsvd_iscsi_disk_config);
    cfg.portal = portal;
    cfg.target = iqn;
    cfg.lun = (uint32_t)n;
    cfg.synchronous = true; /* every call completes before it returns */
    cfg.disk_id = disk_id;
    int rc = rsvd_iscsi_disk_create(&cfg, &d->impl->iscsi);
    if (rc != RSVD_OK) {
        snprintf(err, errcap, "%s: %s", spec, rsvd_strerror(rc));
        return rc;
    }
    d->ops = rsvd_iscsi_disk_backend_ops();
    d->ctx = d->impl->iscsi;
    snprintf(d->description, sizeof d->description,
             "iSCSI LUN %lu of %.160s at %.100s (libiscsi)", n, iqn, portal);
    return RSVD_OK;
#else
    snprintf(err, errcap, "%s: this %s was built without the iSCSI backend "
             "(configure librsvd with -Discsi=enabled and libiscsi-dev installed)", spec,
             d->impl->program);
    return RSVD_E_NOTSUP;
#endif
}

static int open_nbd(vdisk *d, const char *spec, char *err, size_t errcap)
{
#if EXAMPLES_HAVE_NBD
    int rc = make_dir(d->impl, err, errcap);
    if (rc != RSVD_OK)
        return rc;
    rsvd_nbd_block_config cfg = RSVD_STRUCT_INIT(rsvd_nbd_block_config);
    cfg.uri = spec;
    rsvd_backend_diag why;
    rc = rsvd_nbd_block_open(&cfg, &d->impl->nb, &why);
    if (rc != RSVD_OK) {
        snprintf(err, errcap, "%s: %s", spec, why.reason[0] ? why.reason : rsvd_strerror(rc));
        return rc;
    }
    snprintf(d->description, sizeof d->description,
             "built-in SCSI disk over the NBD export %.240s (libnbd)", spec);
    return builtin_disk(d, rsvd_nbd_block_source(d->impl->nb), err, errcap);
#else
    snprintf(err, errcap, "%s: this %s was built without the NBD backend "
             "(configure librsvd with -Dnbd=enabled and libnbd-dev installed)", spec,
             d->impl->program);
    return RSVD_E_NOTSUP;
#endif
}

int vdisk_open(vdisk *d, const vdisk_config *cfg, char *err, size_t errcap)
{
    memset(d, 0, sizeof *d);
    d->impl = calloc(1, sizeof *d->impl);
    if (!d->impl)
        return RSVD_E_NOMEM;
    snprintf(d->impl->name, sizeof d->impl->name, "%s", cfg->name ? cfg->name : "");
    snprintf(d->impl->program, sizeof d->impl->program, "%s", cfg->program);
    const char *spec = cfg->uri;
    int rc;
    if (!spec)
        rc = open_default(d, cfg->size ? cfg->size : DEFAULT_SIZE, err, errcap);
    else if (strncmp(spec, "iscsi://", 8) == 0)
        rc = open_iscsi(d, spec, err, errcap);
    else if (strncmp(spec, "nbd://", 6) == 0 || strncmp(spec, "nbd+unix://", 11) == 0)
        rc = open_nbd(d, spec, err, errcap);
    else {
        snprintf(err, errcap, "%s: expected iscsi://HOST:PORT/IQN/LUN or nbd://HOST:PORT/EXPORT",
                 spec);
        rc = RSVD_E_INVAL;
    }
    if (rc != RSVD_OK)
        vdisk_close(d);
    return rc;
}

const char *vdisk_why(const vdisk *d)
{
#if EXAMPLES_HAVE_ISCSI
    if (d->impl && d->impl->iscsi) {
        const rsvd_backend_diag *diag = rsvd_iscsi_disk_last_error(d->impl->iscsi);
        return diag->reason[0] ? diag->reason : NULL;
    }
#endif
    (void)d;
    return NULL;
}

rsvd_scsi_disk *vdisk_builtin_disk(const vdisk *d)
{
    return d->impl ? d->impl->disk : NULL;
}

void vdisk_close(vdisk *d)
{
    vdisk_impl *m = d->impl;
    if (!m)
        return;
    rsvd_scsi_disk_set_destroy(m->set);
    if (rsvd_scsi_disk_destroy(m->disk) != RSVD_OK)
        fprintf(stderr, "%s: the SCSI disk still has handles open\n", m->program);
#if EXAMPLES_HAVE_ISCSI
    if (m->iscsi && rsvd_iscsi_disk_destroy(m->iscsi) != RSVD_OK)
        fprintf(stderr, "%s: the iSCSI disk still has handles open\n", m->program);
#endif
#if EXAMPLES_HAVE_NBD
    rsvd_nbd_block_close(m->nb);
#endif
    rsvd_file_block_close(m->fb);
    if (m->path[0])
        (void)unlink(m->path);
    if (m->dir[0]) {
        /* What the disk kept there: its metadata, change log, snapshots,
         * VHD-set descriptors. */
        DIR *dir = opendir(m->dir);
        struct dirent *e;
        while (dir && (e = readdir(dir)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char path[600];
            snprintf(path, sizeof path, "%s/%s", m->dir, e->d_name);
            (void)unlink(path);
        }
        if (dir)
            closedir(dir);
        (void)rmdir(m->dir);
    }
    free(m);
    d->impl = NULL;
}
