/*
 * The scratch directory of the stateful harnesses that keep files (the
 * built-in disk's storage directory): made once per process, emptied
 * before every input, removed at exit.
 *
 * It is made under TMPDIR when that is set, else on tmpfs (/dev/shm) when
 * there is one, else in /tmp: files created and removed on every input cost
 * no disk I/O there, where on a filesystem with online discard removing
 * them took most of a run (docs/robustness.md, the harnesses' speed).
 * Emptying keeps the directory itself: a run creates no directory.
 *
 * The including file defines _GNU_SOURCE (nftw).
 */
#ifndef RSVD_FUZZ_SCRATCH_H
#define RSVD_FUZZ_SCRATCH_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_common.h"

static char fuzz_scratch[256];

static int fuzz_scratch_rm_entry(const char *path, const struct stat *st, int flag,
                                 struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int fuzz_scratch_rm_inside(const char *path, const struct stat *st, int flag,
                                  struct FTW *ftw)
{
    return ftw->level > 0 ? fuzz_scratch_rm_entry(path, st, flag, ftw) : 0;
}

static void fuzz_scratch_remove(void)
{
    if (fuzz_scratch[0])
        nftw(fuzz_scratch, fuzz_scratch_rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/** The scratch directory, empty; @p prefix names it the first time.
 * @return its path. */
static const char *fuzz_scratch_fresh(const char *prefix)
{
    if (!fuzz_scratch[0]) {
        const char *base = getenv("TMPDIR");
        if (!base || !*base)
            base = access("/dev/shm", W_OK | X_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(fuzz_scratch, sizeof fuzz_scratch, "%s/%s-XXXXXX", base, prefix);
        FUZZ_CHECK(mkdtemp(fuzz_scratch) != NULL);
        atexit(fuzz_scratch_remove);
        return fuzz_scratch;
    }
    nftw(fuzz_scratch, fuzz_scratch_rm_inside, 8, FTW_DEPTH | FTW_PHYS);
    return fuzz_scratch;
}

#endif /* RSVD_FUZZ_SCRATCH_H */
