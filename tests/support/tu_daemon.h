/*
 * The tests' process helper: a private temporary directory, programs run
 * to completion, daemons started by the test and stopped by their PID on
 * every exit path, and meson's SKIP convention. The integration tests'
 * peers (tests/integration/peers.c) are built on it.
 *
 * Every daemon runs in the foreground as a direct child of the test, in the
 * test's process group, with PR_SET_PDEATHSIG = SIGKILL: it dies with the
 * test even when the test itself is killed (meson kills a timed-out test's
 * whole group with SIGKILL). Besides that safety net the test stops it:
 *  - normally, tu_daemon_stop() (from a cmocka group teardown): the
 *    daemon's graceful stop hook, then SIGTERM, then SIGKILL, by PID;
 *  - at exit (atexit) and on a fatal signal (SIGINT, SIGTERM, SIGHUP,
 *    SIGQUIT, SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL) and on a sanitizer's
 *    death: SIGKILL by PID and the temporary directory removed, with
 *    async-signal-safe calls only.
 *
 * No test framework is needed here; the integration programs add cmocka.
 */
#ifndef RSVD_TU_DAEMON_H
#define RSVD_TU_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/** Exit status meson reports as SKIP. */
#define TU_EXIT_SKIP 77

/**
 * Reports why the test cannot run and exits: "SKIP: <reason>" and status 77
 * (meson: SKIP). With RSVD_INTEGRATION_REQUIRED=1 in the environment (CI,
 * where every peer is installed) a missing peer is an error instead:
 * "FAIL: ... required" and status 1. Daemons already started are stopped.
 */
_Noreturn void tu_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** Finds program @p name in PATH, then /usr/sbin and /sbin (where tgtd
 * lives). @return @p buf with the full path, or NULL. */
const char *tu_which(const char *name, char *buf, size_t cap);

/**
 * Creates the test's private directory (/tmp/rsvd-<test>-XXXXXX, or under
 * TMPDIR) and installs the cleanup (atexit, signal handlers, sanitizer
 * death callback). Call once, first. @return the directory.
 */
const char *tu_tmpdir(const char *test_name);

/** @return "<tmpdir>/<name>" in a static buffer of 8 slots (rotating). */
const char *tu_path(const char *name);

/** @return a TCP port on 127.0.0.1 that was free a moment ago. */
int tu_free_port(void);

/**
 * Runs @p argv (argv[0] a path) to completion with stdout and stderr
 * appended to @p log (NULL: /dev/null).
 * @return its exit status, or -1 if it could not run or died of a signal.
 */
int tu_run(const char *const *argv, const char *log);

/** A daemon's graceful stop (e.g. tgtadm --op delete), run by
 * tu_daemon_stop() before SIGTERM. */
typedef void (*tu_stop_hook)(void *ctx);

/**
 * Starts @p argv as a daemon in the foreground (stdout and stderr to
 * @p log) and registers it for cleanup.
 * @return its PID, or -1.
 */
pid_t tu_daemon_start(const char *const *argv, const char *log, tu_stop_hook hook, void *ctx);

/** @return true while the daemon @p pid has not exited (reaps it when it has). */
bool tu_daemon_alive(pid_t pid);

/**
 * Stops the daemon @p pid: its stop hook, then SIGTERM if it still runs
 * after @p grace_ms, then SIGKILL after 5 more seconds. Unregisters it.
 * @return 0 if it exited by itself after the hook or SIGTERM, 1 if it had
 * to be killed, -1 if @p pid is not a daemon of this test.
 */
int tu_daemon_stop(pid_t pid, int grace_ms);

/** Waits until a TCP connection to 127.0.0.1:@p port succeeds, for up to
 * @p timeout_ms. @return true on success. */
bool tu_wait_port(int port, int timeout_ms);

/** Outcome of tu_daemon_wait(). */
typedef enum tu_wait_result {
    TU_WAIT_READY = 0,   /**< @p ready said so */
    TU_WAIT_TIMEOUT = 1, /**< not within the time given */
    TU_WAIT_EXITED = 2   /**< the daemon exited first */
} tu_wait_result;

/**
 * Waits until @p ready(@p ctx) returns true (its control socket answers,
 * its PID file is written, ...), asking every 25 ms for up to
 * @p timeout_ms, as long as the daemon @p pid runs.
 */
tu_wait_result tu_daemon_wait(pid_t pid, bool (*ready)(void *ctx), void *ctx, int timeout_ms);

/** Prints the file @p path to stderr (a daemon's log after a failure). */
void tu_dump_file(const char *path);

#endif /* RSVD_TU_DAEMON_H */
