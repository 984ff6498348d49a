package jvuos.syscall;

/** What a syscall argument means: how the debug trace prints it and how dispatch will route it. */
public enum ArgKind {
    /** A pathname the kernel resolves against the cwd or a dirfd. */
    PATH,
    /** The directory fd of an *at call (AT_FDCWD allowed). */
    DIRFD,
    /** An existing file descriptor. */
    FD,
    OPEN_FLAGS,
    AT_FLAGS,
    MODE,
    INT,
    HEX,
    SIZE,
    OFFSET,
    PTR,
    /** Data the kernel reads. */
    IN_BUF,
    /** Memory the kernel fills. */
    OUT_BUF,
    /** A string that is not resolved as a path (symlink target, xattr name, fs type). */
    STRING,
    PID,
    SIGNAL,
    /** The address family of socket/socketpair. */
    FAMILY;

    /** True for the kinds through which a syscall can reach a virtual file, fd or stack. */
    public boolean isVirtualizable() {
        return this == PATH || this == DIRFD || this == FD || this == FAMILY;
    }
}
