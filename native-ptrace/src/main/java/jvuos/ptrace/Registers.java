package jvuos.ptrace;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/** A reusable struct user_regs_struct (x86_64) for PTRACE_GETREGS / PTRACE_SETREGS. */
public final class Registers {
    public static final int RBX = 40;
    public static final int R10 = 56;
    public static final int R9 = 64;
    public static final int R8 = 72;
    public static final int RAX = 80;
    public static final int RDX = 96;
    public static final int RSI = 104;
    public static final int RDI = 112;
    public static final int ORIG_RAX = 120;
    public static final int RIP = 128;
    public static final int RSP = 152;
    private static final int SIZE = 216;

    private final Pointer buffer = Memory.allocateDirect(Native.runtime(), SIZE);

    Pointer buffer() {
        return buffer;
    }

    public long get(int offset) {
        return buffer.getLong(offset);
    }

    public void set(int offset, long value) {
        buffer.putLong(offset, value);
    }

    public void copyFrom(Registers other) {
        buffer.transferFrom(0, other.buffer, 0, SIZE);
    }
}
