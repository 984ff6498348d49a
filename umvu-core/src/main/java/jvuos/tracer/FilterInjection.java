package jvuos.tracer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import jvuos.ptrace.GuestMemory;
import jvuos.ptrace.Ptrace;
import jvuos.ptrace.PtraceException;
import jvuos.ptrace.Registers;
import jvuos.ptrace.SyscallInfo;

/**
 * Makes a running guest process install one more seccomp filter: at a syscall-entry stop the
 * thread's call is replaced by {@code seccomp(SECCOMP_SET_MODE_FILTER, TSYNC, prog)}, with the
 * program written below its stack; at the exit stop its registers are restored and its
 * instruction pointer moved back over the 2-byte {@code syscall} instruction, so the thread
 * makes its own call again, now judged by the new filter. TSYNC gives all its threads the
 * filter at once.
 */
final class FilterInjection {
    private static final int SYS_SECCOMP = 317;
    private static final int SECCOMP_SET_MODE_FILTER = 1;
    private static final int SECCOMP_FILTER_FLAG_TSYNC = 1;
    static final int SYSCALL_INSTRUCTION_LENGTH = 2;
    private static final int RED_ZONE = 128;

    private final Ptrace ptrace;
    private final int tid;
    private final Registers saved = new Registers();

    private FilterInjection(Ptrace ptrace, int tid) {
        this.ptrace = ptrace;
        this.tid = tid;
    }

    static FilterInjection start(Ptrace ptrace, GuestMemory memory, int tid, SyscallInfo entry, byte[] program)
            throws PtraceException {
        FilterInjection injection = new FilterInjection(ptrace, tid);
        ptrace.getRegs(tid, injection.saved);
        long programAddress = (entry.stackPointer() - RED_ZONE - program.length) & ~15L;
        long fprogAddress = programAddress - 16;
        byte[] fprog = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN)
                .putShort((short) (program.length / 8)).putShort((short) 0).putInt(0)
                .putLong(programAddress).array();
        Registers call = new Registers();
        call.copyFrom(injection.saved);
        if (memory.write(tid, programAddress, program, program.length) == program.length
                && memory.write(tid, fprogAddress, fprog, fprog.length) == fprog.length) {
            call.set(Registers.ORIG_RAX, SYS_SECCOMP);
            call.set(Registers.RDI, SECCOMP_SET_MODE_FILTER);
            call.set(Registers.RSI, SECCOMP_FILTER_FLAG_TSYNC);
            call.set(Registers.RDX, fprogAddress);
        } else {
            call.set(Registers.ORIG_RAX, -1); // no stack to write on: fail, the process stays traced by PTRACE_SYSCALL
        }
        ptrace.setRegs(tid, call);
        return injection;
    }

    /** At the injected call's exit: restores the thread and reports whether the filter is in. */
    boolean finish(SyscallInfo exit) throws PtraceException {
        Registers restored = new Registers();
        restored.copyFrom(saved);
        restored.set(Registers.RIP, saved.get(Registers.RIP) - SYSCALL_INSTRUCTION_LENGTH);
        restored.set(Registers.RAX, saved.get(Registers.ORIG_RAX));
        ptrace.setRegs(tid, restored);
        return exit.returnValue() == 0;
    }
}
