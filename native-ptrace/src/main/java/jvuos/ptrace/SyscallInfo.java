package jvuos.ptrace;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * struct ptrace_syscall_info: the syscall a tracee is stopped in, read in one small request
 * instead of the whole register set.
 */
public final class SyscallInfo {
    public static final int SIZE = 88;
    public static final int OP_ENTRY = 1;
    public static final int OP_EXIT = 2;
    public static final int OP_SECCOMP = 3;
    /** AUDIT_ARCH_X86_64; anything else (int 0x80 from a 64-bit process) is the i386 table. */
    public static final int ARCH_X86_64 = 0xc000003e;

    private final Pointer buffer = Memory.allocateDirect(Native.runtime(), SIZE);

    Pointer buffer() {
        return buffer;
    }

    public int op() {
        return buffer.getByte(0);
    }

    public int arch() {
        return buffer.getInt(4);
    }

    /** The guest's stack pointer when it made the call. */
    public long stackPointer() {
        return buffer.getLong(16);
    }

    /** The syscall number at an entry or seccomp stop. */
    public int nr() {
        return (int) buffer.getLong(24);
    }

    /** Argument {@code i} (0..5) at an entry or seccomp stop. */
    public long arg(int i) {
        return buffer.getLong(32 + 8L * i);
    }

    /** The return value at an exit stop: a negative errno for a failed call. */
    public long returnValue() {
        return buffer.getLong(24);
    }
}
