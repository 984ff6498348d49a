package jvuos.tracer;

/** The clone(2) flags that the tracer reports to {@link SyscallHandler#onClone} and that matter here. */
public final class CloneFlags {
    public static final long VM = 0x100;
    public static final long FS = 0x200;
    public static final long FILES = 0x400;
    public static final long VFORK = 0x4000;
    public static final long THREAD = 0x10000;

    private CloneFlags() {
    }
}
