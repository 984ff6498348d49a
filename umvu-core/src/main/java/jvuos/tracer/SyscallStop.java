package jvuos.tracer;

import jvuos.errno.Errno;
import jvuos.ptrace.GuestMemory;
import jvuos.ptrace.Ptrace;
import jvuos.ptrace.PtraceException;
import jvuos.ptrace.Registers;
import jvuos.ptrace.SyscallInfo;

/**
 * A guest thread stopped in a syscall, as the handler sees it: the call's number and
 * arguments, and the few ways to change it: rewrite an argument, put data below the guest's
 * stack, skip the call with a result of the handler's choosing, or change the result.
 *
 * <p>Changes are collected and written back by the tracer in one PTRACE_SETREGS when the
 * handler returns. One instance is reused for every stop.
 */
public final class SyscallStop {
    /** Argument registers in syscall order (x86_64: rdi, rsi, rdx, r10, r8, r9). */
    private static final int[] ARG_REGISTERS = {Registers.RDI, Registers.RSI, Registers.RDX,
            Registers.R10, Registers.R8, Registers.R9};
    /** The x86_64 ABI lets a function use 128 bytes below its stack pointer without moving it. */
    private static final int RED_ZONE = 128;
    private static final int SYSCALL_INSTRUCTION_LENGTH = 2;
    /** The kernel's restart codes, seen by a tracer at the exit of an interrupted call. */
    private static final long ERESTARTSYS = 512;
    private static final long ERESTART_RESTARTBLOCK = 516;

    private final Ptrace ptrace;
    private final GuestMemory memory;
    private final Registers registers = new Registers();
    private SyscallInfo info;
    private int tid;
    private boolean entry;
    private boolean loaded;
    private boolean dirty;
    private boolean skipped;
    private long skipResult;
    private long pushedBelow;
    private Long newReturnValue;
    private long repeated = -1;
    private long repeatedAt;

    SyscallStop(Ptrace ptrace, GuestMemory memory) {
        this.ptrace = ptrace;
        this.memory = memory;
    }

    void begin(int tid, SyscallInfo info, boolean entry) {
        this.tid = tid;
        this.info = info;
        this.entry = entry;
        loaded = false;
        dirty = false;
        skipped = false;
        pushedBelow = entry ? info.stackPointer() - RED_ZONE : 0;
        newReturnValue = null;
        repeated = -1;
    }

    /**
     * The call the handler had the thread make again ({@link #repeatAtExit}), or -1: its entry
     * is shown to the handler whether the filter stops at that call or not.
     */
    long repeated() {
        return repeated;
    }

    /** Where the repeated call is made: its entry shows this instruction pointer, as its first making did. */
    long repeatedAt() {
        return repeatedAt;
    }

    /** Writes the changes back; true when the handler skipped the call. */
    boolean commit(boolean applyResultNow) throws PtraceException {
        if (skipped) {
            load();
            registers.set(Registers.ORIG_RAX, -1);
            if (applyResultNow) {
                registers.set(Registers.RAX, skipResult);
            }
            dirty = true;
        }
        if (dirty) {
            ptrace.setRegs(tid, registers);
        }
        return skipped;
    }

    /** True once the handler has skipped the call. */
    public boolean skipped() {
        return skipped;
    }

    /** The result the guest gets for a skipped call. */
    public long skipResult() {
        return skipResult;
    }

    public int tid() {
        return tid;
    }

    /** The syscall number (at an entry stop). */
    public int nr() {
        return info.nr();
    }

    /** True for a call from the x86_64 ABI, the only one the syscall table describes. */
    public boolean nativeAbi() {
        return info.arch() == SyscallInfo.ARCH_X86_64;
    }

    /** Argument {@code i} as the guest passed it (at an entry stop). */
    public long arg(int i) {
        return info.arg(i);
    }

    /** The call's result (at an exit stop), as the handler left it. */
    public long returnValue() {
        return newReturnValue != null ? newReturnValue : info.returnValue();
    }

    public GuestMemory memory() {
        return memory;
    }

    /** Makes the call see {@code value} as argument {@code i}. */
    public void setArg(int i, long value) throws PtraceException {
        load();
        registers.set(ARG_REGISTERS[i], value);
        dirty = true;
    }

    /** Makes the kernel run syscall {@code nr} instead (at an entry stop); the arguments stay unless set too. */
    public void setNr(long nr) throws PtraceException {
        load();
        registers.set(Registers.ORIG_RAX, nr);
        dirty = true;
    }

    /** Skips the call: the guest sees {@code result} (a negative errno for a failure) as its return value. */
    public void skip(long result) {
        if (!entry) {
            throw new IllegalStateException("a call can only be skipped at its entry");
        }
        skipped = true;
        skipResult = result;
    }

    /** Replaces the result of a call (at an exit stop). */
    public void setReturnValue(long value) throws PtraceException {
        load();
        registers.set(Registers.RAX, value);
        newReturnValue = value;
        dirty = true;
    }

    /**
     * At an exit stop: the thread makes call {@code nr} again when it resumes, as if it had
     * not made it yet (its arguments as the handler leaves them); the handler sees its entry
     * even where the filter lets that call run without a stop.
     */
    public void repeatAtExit(long nr) throws PtraceException {
        repeated = nr;
        load();
        repeatedAt = registers.get(Registers.RIP);
        registers.set(Registers.RIP, registers.get(Registers.RIP) - SYSCALL_INSTRUCTION_LENGTH);
        registers.set(Registers.RAX, nr);
        registers.set(Registers.ORIG_RAX, nr);
        dirty = true;
    }

    /**
     * At an exit stop: call {@code nr} ends as interrupted by a signal, and the kernel restarts
     * it or fails it with EINTR, as the signal's SA_RESTART says (ERESTARTSYS).
     */
    public void interruptedAtExit(long nr) throws PtraceException {
        load();
        registers.set(Registers.ORIG_RAX, nr);
        registers.set(Registers.RAX, -ERESTARTSYS);
        dirty = true;
    }

    /** True for a result by which the kernel says a signal interrupted the call (EINTR, ERESTART*). */
    public static boolean interruptedBySignal(long result) {
        return result == -Errno.EINTR || (result <= -ERESTARTSYS && result >= -ERESTART_RESTARTBLOCK);
    }

    /**
     * Copies {@code data} into the guest's stack below its red zone, where the guest has nothing
     * live during the call, and returns its address (16-byte aligned), or 0 if the stack
     * cannot be written.
     */
    public long push(byte[] data) {
        long address = (pushedBelow - data.length) & ~15L;
        if (memory.write(tid, address, data, data.length) != data.length) {
            return 0;
        }
        pushedBelow = address;
        return address;
    }

    private void load() throws PtraceException {
        if (!loaded) {
            ptrace.getRegs(tid, registers);
            loaded = true;
        }
    }
}
