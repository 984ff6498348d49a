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
    /**
     * The struct as Java longs, copied out of native memory in one call once the kernel has
     * filled it ({@link #loaded}): its fields are read several times a stop, and each read of
     * native memory through jnr-ffi is five calls deep, which costs before the JIT has compiled it.
     */
    private final long[] words = new long[SIZE / 8];

    Pointer buffer() {
        return buffer;
    }

    /** The kernel has filled the buffer. */
    void loaded() {
        buffer.get(0, words, 0, words.length);
    }

    public int op() {
        return (int) (words[0] & 0xff);
    }

    public int arch() {
        return (int) (words[0] >>> 32);
    }

    /** Where the guest made the call: the address after its syscall instruction. */
    public long instructionPointer() {
        return words[1];
    }

    /** The guest's stack pointer when it made the call. */
    public long stackPointer() {
        return words[2];
    }

    /** The syscall number at an entry or seccomp stop. */
    public int nr() {
        return (int) words[3];
    }

    /** Argument {@code i} (0..5) at an entry or seccomp stop. */
    public long arg(int i) {
        return words[4 + i];
    }

    /** The return value at an exit stop: a negative errno for a failed call. */
    public long returnValue() {
        return words[3];
    }
}
