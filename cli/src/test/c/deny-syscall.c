/*
 * Test helper: runs CMD with one syscall made to fail, to see how umvu copes with a machine
 * where ptrace is not permitted or seccomp is unavailable.
 * usage: deny-syscall ptrace|seccomp CMD [ARGS...]
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: deny-syscall ptrace|seccomp CMD [ARGS...]\n");
        return 2;
    }
    int nr, err;
    if (strcmp(argv[1], "ptrace") == 0) {
        nr = SYS_ptrace;
        err = EPERM;
    } else {
        nr = SYS_seccomp;
        err = ENOSYS;
    }
    struct sock_filter insns[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (unsigned)err),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = { .len = sizeof insns / sizeof insns[0], .filter = insns };
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
        perror("deny-syscall: seccomp");
        return 2;
    }
    execvp(argv[2], argv + 2);
    perror(argv[2]);
    return 127;
}
