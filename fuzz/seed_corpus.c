/*
 * Writes the golden vectors as seed corpora: OUTDIR/<family>/<name>, one
 * directory per fuzz harness.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "golden.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
        return 2;
    }
    static uint8_t buf[1u << 20];
    char path[4096];
    if (mkdir(argv[1], 0755) != 0 && errno != EEXIST) {
        perror(argv[1]);
        return 1;
    }
    for (size_t i = 0; i < tu_golden_count; i++) {
        const tu_golden *g = &tu_golden_vectors[i];
        size_t n = tu_golden_parse(g, buf, sizeof buf);
        if (n == (size_t)-1) {
            fprintf(stderr, "malformed golden vector %s\n", g->name);
            return 1;
        }
        snprintf(path, sizeof path, "%s/%s", argv[1], g->family);
        if (mkdir(path, 0755) != 0 && errno != EEXIST) {
            perror(path);
            return 1;
        }
        snprintf(path, sizeof path, "%s/%s/%s", argv[1], g->family, g->name);
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(buf, 1, n, f) != n) {
            perror(path);
            return 1;
        }
        fclose(f);
    }
    return 0;
}
