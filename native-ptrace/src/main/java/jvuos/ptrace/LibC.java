package jvuos.ptrace;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;

/**
 * The libc entry points the tracer needs now and then, bound through jnr-ffi (those it needs
 * at every stop are in {@link DirectCalls}).
 *
 * <p>Pointer arguments are declared as {@link Pointer}, never as {@code long}: jnr-ffi's
 * default x86_64 stub passes a garbage sixth argument when all six are {@code long}
 * (jnr-ffi#181). Buffers are direct memory the caller allocates once and reuses, so a
 * ptrace stop costs no allocation.
 */
public interface LibC {
    int tgkill(int tgid, int tid, int sig);

    int kill(int pid, int sig);

    /** Sets a disposition; {@code handler} is SIG_DFL (0) or SIG_IGN (1) here, never a function. */
    long signal(int sig, long handler);

    int posix_spawn(Pointer pidOut, String path, Pointer fileActions, Pointer attributes, Pointer argv, Pointer envp);

    int pipe2(@Out int[] fds, int flags);

    long write(int fd, @In byte[] buf, long count);

    int close(int fd);

    int memfd_create(@In byte[] name, int flags);

    int getpid();

    int gettid();

    int geteuid();

    String strerror(int errnum);
}
