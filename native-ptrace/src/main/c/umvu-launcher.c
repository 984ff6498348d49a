/*
 * umvu-launcher: the first guest process of a umvu session.
 *
 * The JVM must never fork (a child forked inside the JVM can hang on a lock
 * another JVM thread held), so the tracer posix_spawn()s this small program
 * instead. It restores the process state the caller of umvu had (signal
 * dispositions, signal mask, inherited file descriptors), then waits on a
 * pipe until the tracer has PTRACE_SEIZEd it. Through the same pipe the tracer
 * sends the seccomp-BPF programs; the launcher installs them and execs the
 * command, which from then on runs traced.
 *
 * usage: umvu-launcher SYNC_FD KEEP_FDS SIG_IGNORED SIG_BLOCKED -- CMD [ARGS...]
 *        umvu-launcher --probe-seccomp  (exit 0 if this process may install a filter)
 *   SYNC_FD      read end of the tracer's pipe
 *   KEEP_FDS     comma-separated fds the caller of umvu passed (others are the JVM's)
 *   SIG_IGNORED  hex mask (bit N-1 = signal N) of signals the caller ignored
 *   SIG_BLOCKED  hex mask of signals the caller blocked
 * The pipe carries two programs, each a 4-byte native-endian instruction count
 * then that many struct sock_filter entries: the filter (count 0: none, legacy
 * ptrace mode, and no second program) and the fd hand-over filter (count 0: none).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_FILTER_LEN 4096 /* BPF_MAXINSNS */

static void die(const char *what) {
    fprintf(stderr, "umvu: launcher: %s: %s\n", what, strerror(errno));
    _exit(1);
}

static int read_fully(int fd, void *buf, size_t len) {
    char *p = buf;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int listed(const char *csv, int fd) {
    const char *p = csv;
    while (*p) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p)
            break;
        if (v == fd)
            return 1;
        p = (*end == ',') ? end + 1 : end;
    }
    return 0;
}

/* Close every fd the JVM left open that the caller did not give us. */
static void close_foreign_fds(const char *keep, int sync_fd) {
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL)
        die("opendir /proc/self/fd");
    int dir_fd = dirfd(d);
    int victims[1024], n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 1024) {
        if (e->d_name[0] == '.')
            continue;
        int fd = atoi(e->d_name);
        if (fd != dir_fd && fd != sync_fd && !listed(keep, fd))
            victims[n++] = fd;
    }
    closedir(d);
    for (int i = 0; i < n; i++)
        close(victims[i]);
}

/* The kernel's struct sigaction: glibc's wrapper refuses the signals it reserves (32, 33). */
struct kernel_sigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
};

static void restore_signals(uint64_t ignored, uint64_t blocked) {
    /* Every disposition as the caller had it: posix_spawn leaves glibc's reserved signals
     * ignored, and execve keeps ignored signals ignored. */
    for (int sig = 1; sig <= 64; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP)
            continue;
        struct kernel_sigaction sa = { .handler = (ignored >> (sig - 1)) & 1 ? SIG_IGN : SIG_DFL };
        syscall(SYS_rt_sigaction, sig, &sa, NULL, sizeof sa.mask);
    }
    sigset_t mask;
    sigemptyset(&mask);
    for (int sig = 1; sig < 65; sig++)
        if ((blocked >> (sig - 1)) & 1)
            sigaddset(&mask, sig);
    sigprocmask(SIG_SETMASK, &mask, NULL);
}

static int seccomp_filter(struct sock_fprog *prog) {
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog) == 0)
        return 0;
    /* Without CAP_SYS_ADMIN the kernel demands no_new_privs first. */
    if (errno != EACCES || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -1;
    return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog);
}

/* Tries what the real launch will do, with a filter that allows everything. */
static int probe_seccomp(void) {
    struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    struct sock_fprog prog = { .len = 1, .filter = &allow };
    return seccomp_filter(&prog) == 0 ? 0 : 1;
}

/* Reads one program of the tracer's message (a 4-byte count, then the instructions): its count. */
static uint32_t read_program(int sync_fd, struct sock_filter *insns) {
    uint32_t count;
    if (read_fully(sync_fd, &count, sizeof count) < 0)
        _exit(1); /* the tracer went away before seizing us: nothing to run */
    if (count > MAX_FILTER_LEN) {
        errno = E2BIG;
        die("seccomp filter");
    }
    if (count > 0 && read_fully(sync_fd, insns, count * sizeof insns[0]) < 0)
        die("reading the seccomp filter");
    return count;
}

/*
 * The tracer sends two programs: the filter that decides which calls stop, and one that parks
 * the call by which a guest thread takes an fd the tracer gives it (SECCOMP_RET_USER_NOTIF).
 * The second one's listener fd is put at sync_fd, where the tracer copies it (pidfd_getfd)
 * while this process stops itself; main closes it before the exec. Without a listener (an old kernel)
 * sync_fd is simply closed: the tracer then hands no fds over.
 */
static void install_filters(int sync_fd) {
    static struct sock_filter insns[MAX_FILTER_LEN];
    uint32_t count = read_program(sync_fd, insns);
    if (count == 0)
        return;
    struct sock_fprog prog = { .len = (unsigned short)count, .filter = insns };
    if (seccomp_filter(&prog) != 0)
        die("installing the seccomp filter");
    count = read_program(sync_fd, insns);
    if (count == 0)
        return;
    prog.len = (unsigned short)count;
    long listener = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
    if (listener < 0 || dup3((int)listener, sync_fd, O_CLOEXEC) < 0)
        close(sync_fd);
    if (listener >= 0)
        close((int)listener);
    raise(SIGSTOP);
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "--probe-seccomp") == 0)
        return probe_seccomp();
    if (argc < 7 || strcmp(argv[5], "--") != 0) {
        fprintf(stderr, "usage: umvu-launcher SYNC_FD KEEP_FDS SIG_IGNORED SIG_BLOCKED -- CMD [ARGS...]\n");
        return 2;
    }
    int sync_fd = atoi(argv[1]);
    restore_signals(strtoull(argv[3], NULL, 16), strtoull(argv[4], NULL, 16));
    close_foreign_fds(argv[2], sync_fd);
    install_filters(sync_fd);
    close(sync_fd);

    char **cmd = argv + 6;
    execvp(cmd[0], cmd);
    int err = errno;
    if (err == ENOENT && strchr(cmd[0], '/') == NULL) {
        fprintf(stderr, "umvu: %s: command not found\n", cmd[0]);
        return 127;
    }
    fprintf(stderr, "umvu: %s: %s\n", cmd[0], strerror(err));
    return err == ENOENT ? 127 : 126;
}
