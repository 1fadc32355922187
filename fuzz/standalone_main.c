/*
 * A main() for the fuzz harnesses in builds without libFuzzer, so that every
 * test run (gcc, sanitizers, valgrind) also replays the harnesses:
 *
 *   fuzz_X --golden FAMILY   run the harness on every golden vector of FAMILY,
 *                            and on every truncation of each
 *   fuzz_X FILE...           run the harness on each file (reproduce a crash)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "golden.h"

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

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--golden") == 0)
        return run_golden(argv[2]);
    int rc = 0;
    for (int i = 1; i < argc; i++)
        rc |= run_file(argv[i]);
    return rc;
}
