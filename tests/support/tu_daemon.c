/*
 * The tests' process helper (tu_daemon.h): temporary directory, programs,
 * daemons, cleanup on every exit path, SKIP.
 */
#define _GNU_SOURCE
#include "tu_daemon.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_DAEMONS 8

typedef struct daemon_slot {
    volatile pid_t pid; /* 0: free */
    tu_stop_hook hook;
    void *ctx;
} daemon_slot;

/* Test-process state: one test program, one set of daemons. */
static daemon_slot daemons[MAX_DAEMONS];
static char tmpdir[256];
/* "rm -rf <tmpdir>", prepared in advance for the signal handler. */
static char rm_path[] = "/bin/rm";
static char rm_arg1[] = "-rf";
static char *rm_argv[4];
static volatile sig_atomic_t cleaning;

static const int fatal_signals[] = {SIGINT,  SIGTERM, SIGHUP, SIGQUIT, SIGABRT,
                                    SIGSEGV, SIGBUS,  SIGFPE, SIGILL};

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Async-signal-safe: SIGKILL every daemon by PID, reap it, remove the
 * directory with rm (fork and execve are async-signal-safe). */
static void kill_all_now(void)
{
    for (int i = 0; i < MAX_DAEMONS; i++) {
        pid_t pid = daemons[i].pid;
        if (pid > 0) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            daemons[i].pid = 0;
        }
    }
    if (tmpdir[0] && rm_argv[0]) {
        pid_t pid = fork();
        if (pid == 0) {
            char *envp[] = {NULL};
            execve(rm_path, rm_argv, envp);
            _exit(127);
        }
        if (pid > 0)
            waitpid(pid, NULL, 0);
        tmpdir[0] = '\0';
    }
}

static void on_fatal_signal(int sig)
{
    if (!cleaning) {
        cleaning = 1;
        kill_all_now();
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void sanitizer_death(void)
{
    if (!cleaning) {
        cleaning = 1;
        kill_all_now();
    }
}

/* ASan/UBSan end the process with _exit after a report, skipping atexit:
 * register the cleanup with them when present (a weak reference is NULL
 * in a build without sanitizers). */
extern void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

static void at_exit_cleanup(void)
{
    if (cleaning)
        return;
    /* Normal exit: stop what is still running gracefully first. */
    for (int i = 0; i < MAX_DAEMONS; i++)
        if (daemons[i].pid > 0)
            tu_daemon_stop(daemons[i].pid, 2000);
    cleaning = 1;
    kill_all_now();
}

_Noreturn void tu_skip(const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *req = getenv("RSVD_INTEGRATION_REQUIRED");
    if (req && strcmp(req, "1") == 0) {
        printf("FAIL: %s (RSVD_INTEGRATION_REQUIRED=1: this test must run here)\n", msg);
        fflush(stdout);
        exit(1);
    }
    printf("SKIP: %s\n", msg);
    fflush(stdout);
    exit(TU_EXIT_SKIP);
}

const char *tu_which(const char *name, char *buf, size_t cap)
{
    const char *path = getenv("PATH");
    char dirs[4096];
    snprintf(dirs, sizeof dirs, "%s:/usr/sbin:/sbin", path ? path : "/usr/bin:/bin");
    char *save = NULL;
    for (char *dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        if (!*dir)
            continue;
        int n = snprintf(buf, cap, "%s/%s", dir, name);
        if (n > 0 && (size_t)n < cap && access(buf, X_OK) == 0)
            return buf;
    }
    return NULL;
}

const char *tu_tmpdir(const char *test_name)
{
    if (tmpdir[0])
        return tmpdir;
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/rsvd-%s-XXXXXX", base && *base ? base : "/tmp",
             test_name);
    if (!mkdtemp(tmpdir)) {
        fprintf(stderr, "mkdtemp %s: %s\n", tmpdir, strerror(errno));
        tmpdir[0] = '\0';
        exit(1);
    }
    rm_argv[0] = rm_path;
    rm_argv[1] = rm_arg1;
    rm_argv[2] = tmpdir;
    rm_argv[3] = NULL;
    atexit(at_exit_cleanup);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fatal_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++)
        sigaction(fatal_signals[i], &sa, NULL);
    signal(SIGPIPE, SIG_IGN); /* a daemon closing a socket must not kill the test */
    if (__sanitizer_set_death_callback)
        __sanitizer_set_death_callback(sanitizer_death);
    return tmpdir;
}

const char *tu_path(const char *name)
{
    static char bufs[8][512];
    static unsigned next;
    char *b = bufs[next++ % 8];
    snprintf(b, sizeof bufs[0], "%s/%s", tmpdir, name);
    return b;
}

int tu_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    int port = -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

/* In the child: output to @p log, die with the parent, exec. */
static void child_exec(const char *const *argv, const char *log)
{
    int fd = open(log ? log : "/dev/null", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
    }
    int nul = open("/dev/null", O_RDONLY);
    if (nul >= 0)
        dup2(nul, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    /* The signal dispositions the test installed must not reach the child. */
    for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++)
        signal(fatal_signals[i], SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    execv(argv[0], (char *const *)(uintptr_t)argv);
    _exit(127);
}

int tu_run(const char *const *argv, const char *log)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0)
        child_exec(argv, log);
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

pid_t tu_daemon_start(const char *const *argv, const char *log, tu_stop_hook hook, void *ctx)
{
    int slot = -1;
    for (int i = 0; i < MAX_DAEMONS; i++)
        if (daemons[i].pid == 0) {
            slot = i;
            break;
        }
    if (slot < 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0)
        child_exec(argv, log);
    daemons[slot].hook = hook;
    daemons[slot].ctx = ctx;
    daemons[slot].pid = pid;
    return pid;
}

static daemon_slot *find(pid_t pid)
{
    for (int i = 0; i < MAX_DAEMONS; i++)
        if (pid > 0 && daemons[i].pid == pid)
            return &daemons[i];
    return NULL;
}

bool tu_daemon_alive(pid_t pid)
{
    int st;
    pid_t r = waitpid(pid, &st, WNOHANG);
    if (r == 0)
        return true;
    if (r == pid || (r < 0 && errno == ECHILD)) {
        daemon_slot *d = find(pid);
        if (d)
            d->pid = 0; /* exited and reaped: nothing left to stop */
        return false;
    }
    return kill(pid, 0) == 0;
}

static bool wait_exit(pid_t pid, int ms)
{
    for (int waited = 0; waited <= ms; waited += 20) {
        if (!tu_daemon_alive(pid))
            return true;
        sleep_ms(20);
    }
    return false;
}

int tu_daemon_stop(pid_t pid, int grace_ms)
{
    daemon_slot *d = find(pid);
    if (!d)
        return -1;
    tu_stop_hook hook = d->hook;
    d->hook = NULL;
    if (hook)
        hook(d->ctx);
    int rc = 0;
    if (!wait_exit(pid, hook ? grace_ms : 0)) {
        kill(pid, SIGTERM);
        if (!wait_exit(pid, 5000)) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            rc = 1;
        }
    }
    d = find(pid);
    if (d)
        d->pid = 0;
    return rc;
}

bool tu_wait_port(int port, int timeout_ms)
{
    for (int waited = 0; waited <= timeout_ms; waited += 50) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return false;
        struct sockaddr_in a;
        memset(&a, 0, sizeof a);
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons((uint16_t)port);
        int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
        close(fd);
        if (ok)
            return true;
        sleep_ms(50);
    }
    return false;
}

tu_wait_result tu_daemon_wait(pid_t pid, bool (*ready)(void *ctx), void *ctx, int timeout_ms)
{
    for (int waited = 0;; waited += 25) {
        if (!tu_daemon_alive(pid))
            return TU_WAIT_EXITED;
        if (ready(ctx))
            return TU_WAIT_READY;
        if (waited >= timeout_ms)
            return TU_WAIT_TIMEOUT;
        sleep_ms(25);
    }
}

void tu_dump_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    fprintf(stderr, "---- %s ----\n", path);
    char line[512];
    while (fgets(line, sizeof line, f))
        fputs(line, stderr);
    fprintf(stderr, "---- end ----\n");
    fclose(f);
}
