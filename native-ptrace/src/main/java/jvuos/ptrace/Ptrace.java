package jvuos.ptrace;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * ptrace(2) and wait4(2) for one tracer thread.
 *
 * <p>The kernel accepts ptrace requests only from the OS thread that attached the tracee, so
 * an instance belongs to that one platform thread; its buffers are reused across stops.
 */
public final class Ptrace {
    public static final int PTRACE_CONT = 7;
    public static final int PTRACE_GETREGS = 12;
    public static final int PTRACE_SETREGS = 13;
    public static final int PTRACE_SYSCALL = 24;
    public static final int PTRACE_GETEVENTMSG = 0x4201;
    public static final int PTRACE_SEIZE = 0x4206;
    public static final int PTRACE_INTERRUPT = 0x4207;
    public static final int PTRACE_LISTEN = 0x4208;
    public static final int PTRACE_GET_SYSCALL_INFO = 0x420e;

    public static final long O_TRACESYSGOOD = 1;
    public static final long O_TRACEFORK = 1 << 1;
    public static final long O_TRACEVFORK = 1 << 2;
    public static final long O_TRACECLONE = 1 << 3;
    public static final long O_TRACEEXEC = 1 << 4;
    public static final long O_TRACEEXIT = 1 << 6;
    public static final long O_TRACESECCOMP = 1 << 7;
    public static final long O_EXITKILL = 1 << 20;

    public static final int EVENT_FORK = 1;
    public static final int EVENT_VFORK = 2;
    public static final int EVENT_CLONE = 3;
    public static final int EVENT_EXEC = 4;
    public static final int EVENT_EXIT = 6;
    public static final int EVENT_SECCOMP = 7;
    public static final int EVENT_STOP = 128;

    public static final int WNOTHREAD = 0x20000000;
    public static final int WALL = 0x40000000;

    private final Pointer status = Memory.allocateDirect(Native.runtime(), 8);
    private final Pointer eventMessage = Memory.allocateDirect(Native.runtime(), 8);

    /** Attaches without stopping the tracee; the options apply to it and every child it makes. */
    public void seize(int pid, long options) throws PtraceException {
        check(DirectCalls.ptrace(PTRACE_SEIZE, pid, 0, options), "PTRACE_SEIZE", pid);
    }

    /** Resumes until the next event, delivering {@code signal} (0 for none). */
    public void cont(int pid, int signal) throws PtraceException {
        check(DirectCalls.ptrace(PTRACE_CONT, pid, 0, signal), "PTRACE_CONT", pid);
    }

    /** Resumes and stops again at the next syscall entry or exit. */
    public void syscall(int pid, int signal) throws PtraceException {
        check(DirectCalls.ptrace(PTRACE_SYSCALL, pid, 0, signal), "PTRACE_SYSCALL", pid);
    }

    /** Leaves a tracee in group-stop while letting the tracer hear of the SIGCONT that ends it. */
    public void listen(int pid) throws PtraceException {
        check(DirectCalls.ptrace(PTRACE_LISTEN, pid, 0, 0), "PTRACE_LISTEN", pid);
    }

    public void interrupt(int pid) throws PtraceException {
        check(DirectCalls.ptrace(PTRACE_INTERRUPT, pid, 0, 0), "PTRACE_INTERRUPT", pid);
    }

    /** The message of the last event: the new pid at fork/clone, the former tid at exec. */
    public long eventMessage(int pid) throws PtraceException {
        check(DirectCalls.ptrace(PTRACE_GETEVENTMSG, pid, 0, eventMessage.address()), "PTRACE_GETEVENTMSG", pid);
        return eventMessage.getLong(0);
    }

    /** Fills {@code info} with the syscall the tracee is stopped in. */
    public void syscallInfo(int pid, SyscallInfo info) throws PtraceException {
        check(DirectCalls.ptrace(PTRACE_GET_SYSCALL_INFO, pid, SyscallInfo.SIZE, info.buffer().address()),
                "PTRACE_GET_SYSCALL_INFO", pid);
        info.loaded();
    }

    public void getRegs(int pid, Registers regs) throws PtraceException {
        check(DirectCalls.ptrace(PTRACE_GETREGS, pid, 0, regs.buffer().address()), "PTRACE_GETREGS", pid);
    }

    public void setRegs(int pid, Registers regs) throws PtraceException {
        check(DirectCalls.ptrace(PTRACE_SETREGS, pid, 0, regs.buffer().address()), "PTRACE_SETREGS", pid);
    }

    /**
     * Waits for the next event of a tracee or child of this thread ({@code pid} -1: any of them).
     *
     * @return the pid, or -errno (ECHILD when nothing is left to wait for)
     */
    public int await(int pid, int options) {
        int result = DirectCalls.wait4(pid, status.address(), options | WALL | WNOTHREAD, 0);
        return result >= 0 ? result : -DirectCalls.errno();
    }

    /** The wait status of the last successful {@link #await}. */
    public int lastStatus() {
        return status.getInt(0);
    }

    private static void check(long result, String request, int pid) throws PtraceException {
        if (result < 0) {
            throw new PtraceException(request, pid, DirectCalls.errno());
        }
    }
}
