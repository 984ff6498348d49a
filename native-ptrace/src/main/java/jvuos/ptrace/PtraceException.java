package jvuos.ptrace;

/** A ptrace request the kernel refused; {@link #errno()} says why (ESRCH: the tracee is gone). */
public final class PtraceException extends Exception {
    private final int errno;

    public PtraceException(String request, int pid, int errno) {
        super(request + "(" + pid + "): " + Native.describe(errno));
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
