package jvuos.dispatch;

/**
 * The syscall numbers of the VU calls, which only exist inside umvu (the kernel answers them
 * with ENOSYS, which is how a command knows it runs outside). The vu commands
 * ({@code cli/src/main/c/vucommands.c}) use the same numbers.
 */
final class VuCalls {
    /** {@code (const char *name, int permanent)} → 0. */
    static final int INSMOD = 1024;
    /** {@code (const char *name)} → 0. */
    static final int RMMOD = 1025;
    /** {@code (char *buf, size_t size)} → length of "name: description\n" lines, or -ERANGE. */
    static final int LSMOD = 1026;
    /** {@code (char *buf, size_t size)} → length of the view's mounts in /proc/mounts format, or -ERANGE. */
    static final int LSMOUNT = 1027;
    /**
     * msocket {@code (const char *stack, int family, int type, int protocol)}: with type
     * {@link #SOCK_DEFAULT}, makes the stack mounted at {@code stack} the calling process's
     * default for {@code family} (AF_UNSPEC: all the stack's families; a NULL stack: the
     * host's again) → 0; otherwise a socket of that stack (NULL: of the default one) → its fd.
     */
    static final int MSOCKET = 1028;
    /** The type argument of msocket that sets a default stack. */
    static final int SOCK_DEFAULT = 0;

    private VuCalls() {
    }
}
