package jvuos.tracer;

import jvuos.ptrace.PtraceException;

/**
 * What the tracer calls at an intercepted syscall. The handler decides from Java values and
 * acts on the call only through the {@link SyscallStop} it is given.
 */
public interface SyscallHandler {
    /** How the guest continues after an entry stop that was not skipped. */
    enum Resume {
        /** Let the kernel run the call; no exit stop (the cheap, common case). */
        RUN,
        /** Let the kernel run the call, then stop again at its exit and call {@link #onSyscallExit}. */
        RUN_AND_REPORT_EXIT
    }

    /** Called once, before the guest starts. */
    default void attached(FilterControl filters) {
    }

    /** A guest thread is about to make the call {@code stop} describes. */
    Resume onSyscallEntry(SyscallStop stop) throws PtraceException;

    /** The call {@link #onSyscallEntry} asked to see has returned. */
    void onSyscallExit(SyscallStop stop) throws PtraceException;

    /**
     * Thread {@code parentTid} made a new thread or process {@code childTid} with clone flags
     * {@code flags} (fork: none; vfork: CLONE_VM|CLONE_VFORK). Called before the child runs.
     */
    default void onClone(int parentTid, int childTid, long flags) {
    }

    /**
     * A thread of process {@code pid} completed an execve. When a non-leader thread made the
     * call it took over the leader's id: {@code formerTid} is the id it had before.
     */
    default void onExec(int pid, int formerTid) {
    }

    /** The guest thread has ended; a call it was in will never report its exit. */
    default void onThreadGone(int tid) {
    }

    /** A handler that intercepts nothing. */
    SyscallHandler NONE = new SyscallHandler() {
        @Override
        public Resume onSyscallEntry(SyscallStop stop) {
            return Resume.RUN;
        }

        @Override
        public void onSyscallExit(SyscallStop stop) {
        }
    };
}
