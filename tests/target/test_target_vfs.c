/*
 * rsvd-target's files of a share (vfs.h): SMB2 names to paths ([MS-SMB2]
 * 2.2.13, 3.3.5.9; [MS-FSCC] 2.1.4.1), patterns ([MS-FSA] 2.1.4.4), the
 * dispositions and options of a CREATE ([MS-FSA] 2.1.5.1) in a directory of
 * its own, links never followed, rename and delete.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>

#include <cmocka.h>

#include "target_status.h"
#include "utf16.h"
#include "vfs.h"
#include <rsvd/fscc.h>
#include <rsvd/status.h>

static uint32_t name(const char *utf8, char *out, bool *stream)
{
    uint8_t n16[1024];
    long n = tgt_utf8_to_utf16(utf8, n16, sizeof n16);
    assert_true(n >= 0);
    return tgt_vfs_name(n16, (size_t)n, out, 1024, stream);
}

static void names_become_relative_paths(void **state)
{
    (void)state;
    char out[1024];
    bool stream;
    assert_int_equal(name("dir\\sub\\file.txt", out, &stream), RSVD_STATUS_SUCCESS);
    assert_string_equal(out, "dir/sub/file.txt");
    assert_false(stream);
    assert_int_equal(name("", out, &stream), RSVD_STATUS_SUCCESS);
    assert_string_equal(out, "");
    /* The default data stream names the file; another stream is flagged. */
    assert_int_equal(name("f.txt::$DATA", out, &stream), RSVD_STATUS_SUCCESS);
    assert_string_equal(out, "f.txt");
    assert_false(stream);
    assert_int_equal(name("disk.vhdx:SharedVirtualDisk", out, &stream), RSVD_STATUS_SUCCESS);
    assert_string_equal(out, "disk.vhdx");
    assert_true(stream);
    /* [MS-SMB2] 3.3.5.9: a leading separator is STATUS_INVALID_PARAMETER. */
    assert_int_equal(name("\\f.txt", out, &stream), RSVD_STATUS_INVALID_PARAMETER);
    /* Empty, "." and ".." components, and [MS-FSCC] 2.1.4.1's characters. */
    static const char *const bad[] = {"a\\\\b", "a\\", "..", "a\\..\\b", ".\\a", "a/b",
                                      "a*b", "a?b", "a<b", "a>b", "a|b", "a\"b", "a\tb"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(name(bad[i], out, &stream), RSVD_STATUS_OBJECT_NAME_INVALID);
    /* An odd length, or a lone surrogate, is not UTF-16. */
    static const uint8_t odd[] = {'a', 0, 'b'};
    assert_int_equal(tgt_vfs_name(odd, sizeof odd, out, sizeof out, &stream),
                     RSVD_STATUS_OBJECT_NAME_INVALID);
    static const uint8_t lone[] = {0x00, 0xD8, 'a', 0};
    assert_int_equal(tgt_vfs_name(lone, sizeof lone, out, sizeof out, &stream),
                     RSVD_STATUS_OBJECT_NAME_INVALID);
}

static void patterns_match_as_ms_fsa_says(void **state)
{
    (void)state;
    assert_true(tgt_vfs_match("*", "anything.txt"));
    assert_true(tgt_vfs_match("*.TXT", "a.txt")); /* without case */
    assert_false(tgt_vfs_match("*.txt", "a.txt.bak"));
    assert_true(tgt_vfs_match("a?c", "abc"));
    assert_false(tgt_vfs_match("a?c", "ac"));
    assert_true(tgt_vfs_match("file.txt", "FILE.TXT"));
    /* DOS_STAR '<': any run up to the last '.'; DOS_QM '>': one character
     * or nothing before a '.' or the end; DOS_DOT '"': a '.' or the end. */
    assert_true(tgt_vfs_match("<.txt", "a.b.txt"));
    assert_true(tgt_vfs_match("a>>", "a"));
    assert_true(tgt_vfs_match("a>\"txt", "ab.txt"));
    assert_true(tgt_vfs_match("abc\"", "abc"));
    assert_false(tgt_vfs_match("abc\"", "abcd"));
    assert_true(tgt_vfs_match("<", "abc"));
    assert_false(tgt_vfs_match("<", "a.b")); /* '<' stops at the last '.' */
    assert_false(tgt_vfs_match("<b", "a.b"));
    assert_true(tgt_vfs_match("<.b", "a.c.b"));
}

/* Wildcards that would make a backtracking matcher try every split: the
 * answer still comes, and a pattern over the limit matches nothing. */
static void patterns_that_backtrack_still_answer(void **state)
{
    (void)state;
    char name[TGT_VFS_NAME_MAX + 1];
    memset(name, 'a', TGT_VFS_NAME_MAX);
    name[TGT_VFS_NAME_MAX] = 0;
    char pattern[TGT_VFS_PATTERN_MAX + 2];
    size_t n = 0;
    while (n + 2 < TGT_VFS_PATTERN_MAX) {
        pattern[n++] = '*';
        pattern[n++] = 'a';
    }
    pattern[n++] = 'b';
    pattern[n] = 0;
    assert_false(tgt_vfs_match(pattern, name));
    pattern[n - 1] = '*';
    assert_false(tgt_vfs_match(pattern, name)); /* more 'a's than the name has */
    memset(pattern, '<', TGT_VFS_PATTERN_MAX);
    pattern[TGT_VFS_PATTERN_MAX] = 0;
    assert_true(tgt_vfs_match(pattern, name));
    pattern[TGT_VFS_PATTERN_MAX] = '*';
    pattern[TGT_VFS_PATTERN_MAX + 1] = 0;
    assert_false(tgt_vfs_match(pattern, name));
}

static char dir[256];
static int root;

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "%s/rsvd-target-vfs-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    assert_non_null(mkdtemp(dir));
    root = open(dir, O_PATH | O_DIRECTORY);
    assert_true(root >= 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    close(root);
    return system(cmd) == 0 ? 0 : -1;
}

static void put(const char *rel, const char *content)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
}

static uint32_t vopen(const char *rel, uint32_t disposition, uint32_t options, tgt_vfs_opened *o)
{
    uint32_t st = tgt_vfs_open(root, rel, disposition, options, true, o);
    if (st == RSVD_STATUS_SUCCESS)
        close(o->fd);
    return st;
}

static void dispositions_of_a_create(void **state)
{
    (void)state;
    tgt_vfs_opened o;
    /* FILE_OPEN of nothing; FILE_CREATE creates; again collides. */
    assert_int_equal(vopen("f", RSVD_FILE_OPEN, 0, &o), RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(vopen("f", RSVD_FILE_CREATE, 0, &o), RSVD_STATUS_SUCCESS);
    assert_int_equal(o.action, RSVD_FILE_CREATED);
    assert_int_equal(vopen("f", RSVD_FILE_CREATE, 0, &o), RSVD_STATUS_OBJECT_NAME_COLLISION);
    /* FILE_OPEN_IF opens; FILE_OVERWRITE and FILE_SUPERSEDE truncate. */
    put("f", "data");
    assert_int_equal(vopen("f", RSVD_FILE_OPEN_IF, 0, &o), RSVD_STATUS_SUCCESS);
    assert_int_equal(o.action, RSVD_FILE_OPENED);
    assert_int_equal(o.st.st_size, 4);
    assert_int_equal(vopen("f", RSVD_FILE_OVERWRITE, 0, &o), RSVD_STATUS_SUCCESS);
    assert_int_equal(o.action, RSVD_FILE_OVERWRITTEN);
    assert_int_equal(o.st.st_size, 0);
    put("f", "data");
    assert_int_equal(vopen("f", RSVD_FILE_SUPERSEDE, 0, &o), RSVD_STATUS_SUCCESS);
    assert_int_equal(o.action, RSVD_FILE_SUPERSEDED);
    assert_int_equal(o.st.st_size, 0);
    assert_int_equal(vopen("g", RSVD_FILE_OVERWRITE, 0, &o), RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(vopen("g", RSVD_FILE_OVERWRITE_IF, 0, &o), RSVD_STATUS_SUCCESS);
    assert_int_equal(o.action, RSVD_FILE_CREATED);
    assert_int_equal(vopen("g", 6, 0, &o), RSVD_STATUS_INVALID_PARAMETER);
}

static void directories_and_their_options(void **state)
{
    (void)state;
    tgt_vfs_opened o;
    assert_int_equal(vopen("d", RSVD_FILE_CREATE, RSVD_FILE_DIRECTORY_FILE, &o),
                     RSVD_STATUS_SUCCESS);
    assert_true(o.is_dir);
    assert_int_equal(vopen("d", RSVD_FILE_OPEN, RSVD_FILE_NON_DIRECTORY_FILE, &o),
                     TGT_STATUS_FILE_IS_A_DIRECTORY);
    put("f", "x");
    assert_int_equal(vopen("f", RSVD_FILE_OPEN, RSVD_FILE_DIRECTORY_FILE, &o),
                     TGT_STATUS_NOT_A_DIRECTORY);
    assert_int_equal(vopen("d", RSVD_FILE_OPEN,
                           RSVD_FILE_DIRECTORY_FILE | RSVD_FILE_NON_DIRECTORY_FILE, &o),
                     RSVD_STATUS_INVALID_PARAMETER);
    /* A directory cannot be overwritten. */
    assert_int_equal(vopen("d", RSVD_FILE_OVERWRITE_IF, RSVD_FILE_DIRECTORY_FILE, &o),
                     RSVD_STATUS_INVALID_PARAMETER);
    /* A file in a directory that does not exist. */
    assert_int_equal(vopen("nodir/f", RSVD_FILE_CREATE, 0, &o),
                     RSVD_STATUS_OBJECT_PATH_NOT_FOUND);
    /* The share's root. */
    assert_int_equal(vopen("", RSVD_FILE_OPEN, 0, &o), RSVD_STATUS_SUCCESS);
    assert_true(o.is_dir);
    int fd = openat(root, "d", O_RDONLY | O_DIRECTORY);
    assert_true(tgt_vfs_dir_empty(fd));
    close(fd);
}

static void lookup_ignores_case_and_links_lead_nowhere(void **state)
{
    (void)state;
    put("Mixed.TXT", "x");
    char real[256];
    bool exists;
    assert_int_equal(tgt_vfs_lookup(root, "mixed.txt", real, sizeof real, &exists),
                     RSVD_STATUS_SUCCESS);
    assert_true(exists);
    assert_string_equal(real, "Mixed.TXT");
    assert_int_equal(tgt_vfs_lookup(root, "nope/x", real, sizeof real, &exists),
                     RSVD_STATUS_OBJECT_PATH_NOT_FOUND);
    /* A symbolic link out of the share is never followed. */
    char link[512];
    snprintf(link, sizeof link, "%s/out", dir);
    assert_int_equal(symlink("/etc", link), 0);
    snprintf(link, sizeof link, "%s/outfile", dir);
    assert_int_equal(symlink("/etc/hostname", link), 0);
    tgt_vfs_opened o;
    assert_int_equal(tgt_vfs_lookup(root, "out/passwd", real, sizeof real, &exists),
                     RSVD_STATUS_OBJECT_PATH_NOT_FOUND);
    assert_int_equal(vopen("outfile", RSVD_FILE_OPEN, 0, &o), RSVD_STATUS_ACCESS_DENIED);
    assert_int_equal(vopen("out/passwd", RSVD_FILE_OPEN, 0, &o),
                     RSVD_STATUS_OBJECT_PATH_NOT_FOUND);
}

static void rename_and_unlink(void **state)
{
    (void)state;
    put("a", "1");
    put("b", "2");
    assert_int_equal(tgt_vfs_rename(root, "a", "b", false), RSVD_STATUS_OBJECT_NAME_COLLISION);
    assert_int_equal(tgt_vfs_rename(root, "a", "c", false), RSVD_STATUS_SUCCESS);
    assert_int_equal(tgt_vfs_rename(root, "c", "b", true), RSVD_STATUS_SUCCESS);
    assert_int_equal(tgt_vfs_unlink(root, "b", false), RSVD_STATUS_SUCCESS);
    assert_int_equal(tgt_vfs_unlink(root, "b", false), RSVD_STATUS_OBJECT_NAME_NOT_FOUND);
    tgt_vfs_opened o;
    assert_int_equal(vopen("e", RSVD_FILE_CREATE, RSVD_FILE_DIRECTORY_FILE, &o),
                     RSVD_STATUS_SUCCESS);
    put("e/x", "x");
    assert_int_equal(tgt_vfs_unlink(root, "e", true), TGT_STATUS_DIRECTORY_NOT_EMPTY);
    char **names = NULL;
    int fd = openat(root, "e", O_RDONLY | O_DIRECTORY);
    long n = tgt_vfs_list(fd, &names);
    close(fd);
    assert_int_equal(n, 3); /* ".", "..", "x" */
    assert_string_equal(names[0], ".");
    assert_string_equal(names[2], "x");
    tgt_vfs_names_free(names, (size_t)n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_become_relative_paths),
        cmocka_unit_test(patterns_match_as_ms_fsa_says),
        cmocka_unit_test(patterns_that_backtrack_still_answer),
        cmocka_unit_test_setup_teardown(dispositions_of_a_create, setup, teardown),
        cmocka_unit_test_setup_teardown(directories_and_their_options, setup, teardown),
        cmocka_unit_test_setup_teardown(lookup_ignores_case_and_links_lead_nowhere, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(rename_and_unlink, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
