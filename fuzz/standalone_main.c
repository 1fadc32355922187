/*
 * A main() for the fuzz harnesses in builds without libFuzzer, so that every
 * test run (gcc, sanitizers, valgrind) also replays the harnesses:
 *
 *   fuzz_X --golden FAMILY [--corpus DIR]
 *                            run the harness on every golden vector of FAMILY,
 *                            on every truncation of each, and on every file
 *                            of DIR (the committed corpus, fuzz/corpus/X)
 *   fuzz_X FILE...           run the harness on each file (reproduce a crash)
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "golden.h"

/* Runs the harness on @p path. */
static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return 1;
    }
    static uint8_t buf[1u << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    uint8_t *copy = malloc(n ? n : 1);
    if (!copy)
        return 1;
    memcpy(copy, buf, n);
    LLVMFuzzerTestOneInput(copy, n);
    free(copy);
    return 0;
}

static int run_golden(const char *family)
{
    static uint8_t buf[FUZZ_MAX_MSG];
    size_t runs = 0;
    for (size_t i = 0; i < tu_golden_count; i++) {
        const tu_golden *g = &tu_golden_vectors[i];
        if (strcmp(g->family, family) != 0)
            continue;
        size_t n = tu_golden_parse(g, buf, sizeof buf);
        if (n == (size_t)-1) {
            fprintf(stderr, "malformed golden vector %s\n", g->name);
            return 1;
        }
        for (size_t cut = 0; cut <= n; cut++) { /* exact-size copies: overreads show */
            uint8_t *copy = malloc(cut ? cut : 1);
            if (!copy)
                return 1;
            memcpy(copy, buf, cut);
            LLVMFuzzerTestOneInput(copy, cut);
            free(copy);
            runs++;
        }
    }
    if (runs == 0) {
        fprintf(stderr, "no golden vectors in family %s\n", family);
        return 1;
    }
    printf("%zu inputs from family %s: invariants held\n", runs, family);
    return 0;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs the harness on every regular file of @p dir, in name order. */
static int run_corpus(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        perror(dir);
        return 1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn) {
                rc = 1;
                break;
            }
            names = nn;
        }
        size_t len = strlen(dir) + 1 + strlen(e->d_name) + 1;
        names[n] = malloc(len);
        if (!names[n]) {
            rc = 1;
            break;
        }
        snprintf(names[n], len, "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, name_cmp);
    for (size_t i = 0; i < n; i++) {
        if (rc == 0)
            rc = run_file(names[i]);
        free(names[i]);
    }
    free(names);
    if (rc == 0)
        printf("%zu inputs from %s: invariants held\n", n, dir);
    return rc;
}

int main(int argc, char **argv)
{
    if ((argc == 3 || argc == 5) && strcmp(argv[1], "--golden") == 0) {
        int rc = run_golden(argv[2]);
        if (rc == 0 && argc == 5 && strcmp(argv[3], "--corpus") == 0)
            rc = run_corpus(argv[4]);
        else if (argc == 5 && strcmp(argv[3], "--corpus") != 0)
            rc = 2;
        return rc;
    }
    int rc = 0;
    for (int i = 1; i < argc; i++)
        rc |= run_file(argv[i]);
    return rc;
}
