package jvuos.ptrace;

import com.kenai.jffi.CallContext;
import com.kenai.jffi.CallingConvention;
import com.kenai.jffi.Invoker;
import com.kenai.jffi.LastError;
import com.kenai.jffi.Library;
import com.kenai.jffi.Type;

/**
 * The libc calls made at every ptrace stop, through jffi's invoker: jffi is the JNI core under
 * jnr-ffi, and called directly it passes primitive arguments straight to the function. jnr-ffi's
 * reflective proxies (its default here, see {@link Native}) cost 2-4 µs more per call, several
 * times per stop; its ASM back end would cost ~45 ms at every start of umvu instead.
 *
 * <p>Pointers are native addresses ({@code Pointer.address()} of direct memory). Every call
 * saves errno, read with {@link #errno()} (the same slot {@link Native#errno()} reads).
 */
public final class DirectCalls {
    private static final Invoker INVOKER = Invoker.getInstance();
    private static final Library LIBC = Library.getCachedInstance("libc.so.6", Library.LAZY | Library.GLOBAL);

    private static final long PTRACE = symbol("ptrace");
    private static final long WAIT4 = symbol("wait4");
    private static final long PROCESS_VM_READV = symbol("process_vm_readv");
    private static final long PROCESS_VM_WRITEV = symbol("process_vm_writev");
    private static final long SYSCALL = symbol("syscall");
    private static final long CLOSE = symbol("close");
    private static final long SEND = symbol("send");
    private static final long COPY_FILE_RANGE = symbol("copy_file_range");

    private static final CallContext LONG_4 = context(Type.SINT64, 4);
    private static final CallContext INT_4 = context(Type.SINT, 4);
    private static final CallContext LONG_6 = context(Type.SINT64, 6);
    private static final CallContext INT_1 = context(Type.SINT, 1);
    /** syscall(2) is variadic after the number. */
    private static final CallContext SYSCALL_5 = CallContext.getCallContext(Type.SINT64, 1, types(5),
            CallingConvention.DEFAULT, true);
    private static final CallContext SYSCALL_6 = CallContext.getCallContext(Type.SINT64, 1, types(6),
            CallingConvention.DEFAULT, true);

    private DirectCalls() {
    }

    private static long symbol(String name) {
        long address = LIBC.getSymbolAddress(name);
        if (address == 0) {
            throw new UnsatisfiedLinkError("libc has no " + name + ": " + Library.getLastError());
        }
        return address;
    }

    private static Type[] types(int n) {
        Type[] t = new Type[n];
        java.util.Arrays.fill(t, Type.SINT64);
        return t;
    }

    private static CallContext context(Type returns, int parameters) {
        return CallContext.getCallContext(returns, types(parameters), CallingConvention.DEFAULT, true);
    }

    public static long ptrace(int request, int pid, long addr, long data) {
        return INVOKER.invokeL4(LONG_4, PTRACE, request, pid, addr, data);
    }

    public static int wait4(int pid, long status, int options, long rusage) {
        return (int) INVOKER.invokeL4(INT_4, WAIT4, pid, status, options, rusage);
    }

    public static long processVmReadv(int pid, long localIov, long localCount, long remoteIov, long remoteCount) {
        return INVOKER.invokeL6(LONG_6, PROCESS_VM_READV, pid, localIov, localCount, remoteIov, remoteCount, 0);
    }

    public static long processVmWritev(int pid, long localIov, long localCount, long remoteIov, long remoteCount) {
        return INVOKER.invokeL6(LONG_6, PROCESS_VM_WRITEV, pid, localIov, localCount, remoteIov, remoteCount, 0);
    }

    /** syscall(nr, a, b, c, d): the shape of newfstatat, readlinkat and openat2. */
    public static long syscall(long nr, long a, long b, long c, long d) {
        return INVOKER.invokeL5(SYSCALL_5, SYSCALL, nr, a, b, c, d);
    }

    /** syscall(nr, a, b, c, d, e): the shape of kcmp. */
    public static long syscall(long nr, long a, long b, long c, long d, long e) {
        return INVOKER.invokeL6(SYSCALL_6, SYSCALL, nr, a, b, c, d, e);
    }

    /** send(fd, buf, len, flags). */
    public static long send(int fd, long buf, long length, int flags) {
        return INVOKER.invokeL4(LONG_4, SEND, fd, buf, length, flags);
    }

    /** copy_file_range(in, NULL, out, NULL, length, 0): at both fds' own offsets, which move. */
    public static long copyFileRange(int in, int out, long length) {
        return INVOKER.invokeL6(LONG_6, COPY_FILE_RANGE, in, 0, out, 0, length, 0);
    }

    public static int close(int fd) {
        return (int) INVOKER.invokeL1(INT_1, CLOSE, fd);
    }

    /** errno of the calling thread's last call. */
    public static int errno() {
        return LastError.getInstance().get();
    }
}
