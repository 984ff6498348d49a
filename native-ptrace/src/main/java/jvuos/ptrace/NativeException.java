package jvuos.ptrace;

/** A libc call other than ptrace failed; {@link #errno()} says why. */
public final class NativeException extends Exception {
    private final int errno;

    public NativeException(String what, int errno) {
        super(what + ": " + Native.describe(errno));
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
