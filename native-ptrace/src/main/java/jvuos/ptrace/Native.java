package jvuos.ptrace;

import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;

/** The loaded libc binding and its errno, shared by the whole process. */
public final class Native {
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
