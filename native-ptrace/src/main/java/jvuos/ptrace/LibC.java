package jvuos.ptrace;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;

/**
 * The few libc entry points the tracer needs, bound through jnr-ffi.
 *
 * <p>Pointer arguments are declared as {@link Pointer}, never as {@code long}: jnr-ffi's
 * default x86_64 stub passes a garbage sixth argument when all six are {@code long}
 * (jnr-ffi#181). Buffers are direct memory the caller allocates once and reuses, so a
 * ptrace stop costs no allocation.
 */
public interface LibC {
    long ptrace(int request, int pid, long addr, long data);

    long ptrace(int request, int pid, long addr, Pointer data);

    int wait4(int pid, Pointer status, int options, Pointer rusage);

    long process_vm_readv(int pid, Pointer localIov, long localCount, Pointer remoteIov, long remoteCount, long flags);

    long process_vm_writev(int pid, Pointer localIov, long localCount, Pointer remoteIov, long remoteCount, long flags);

    int tgkill(int tgid, int tid, int sig);

    int kill(int pid, int sig);

    /** Sets a disposition; {@code handler} is SIG_DFL (0) or SIG_IGN (1) here, never a function. */
    long signal(int sig, long handler);

    int posix_spawn(Pointer pidOut, String path, Pointer fileActions, Pointer attributes, Pointer argv, Pointer envp);

    int pipe2(@Out int[] fds, int flags);

    long write(int fd, @In byte[] buf, long count);

    int close(int fd);

    /**
     * syscall(2) with the argument shape (int, path, pointer, long) shared by newfstatat,
     * readlinkat and openat2; paths are passed as bytes so that no charset touches them.
     */
    long syscall(long nr, int dirfd, @In byte[] path, Pointer buffer, long last);

    int memfd_create(@In byte[] name, int flags);

    int getpid();

    int gettid();

    String strerror(int errnum);
}
