package jvuos.ptrace;

/** The errno values the tracer itself reacts to (x86_64 Linux numbering). */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int EACCES = 13;
    public static final int ECHILD = 10;
    public static final int EINVAL = 22;
    public static final int ENOSYS = 38;

    private Errno() {
    }
}
