package jvuos.ptrace;

import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;

/** The loaded libc binding and its errno, shared by the whole process. */
public final class Native {
    static {
        // jnr-ffi's default back end generates its stubs with ASM at load time: ~100 ms at every
        // start of umvu, against ~0.1 us more per call for the reflective one. A ptrace stop costs
        // ~10 us and makes a handful of calls, so start-up wins. An explicit setting still rules.
        if (System.getProperty("jnr.ffi.asm.enabled") == null) {
            System.setProperty("jnr.ffi.asm.enabled", "false");
        }
    }

    private static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
    private static final Runtime RUNTIME = Runtime.getRuntime(LIBC);

    private Native() {
    }

    public static LibC libc() {
        return LIBC;
    }

    public static Runtime runtime() {
        return RUNTIME;
    }

    /** errno of the calling thread's last native call. */
    public static int errno() {
        return LastError.getLastError(RUNTIME);
    }

    public static String describe(int errno) {
        return LIBC.strerror(errno);
    }
}
