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

    private VuCalls() {
    }
}
