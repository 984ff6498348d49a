package jvuos.ptrace;

/** The errno values the tracer itself reacts to (x86_64 Linux numbering). */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int ECHILD = 10;

    private Errno() {
    }
}
