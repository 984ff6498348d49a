package jvuos.tracer;

import jvuos.ptrace.SyscallInfo;

/**
 * What the tracer calls at an intercepted syscall. The handler decides from Java values; it
 * never issues ptrace requests itself.
 */
public interface SyscallHandler {
    /** How the guest continues after an entry stop. */
    enum Resume {
        /** Let the kernel run the call; no exit stop (the cheap, common case). */
        RUN,
        /** Let the kernel run the call, then stop again at its exit and call {@link #onSyscallExit}. */
        RUN_AND_REPORT_EXIT
    }

    /** The guest thread {@code tid} is about to make the call described by {@code entry}. */
    Resume onSyscallEntry(int tid, SyscallInfo entry);

    /** The call {@link #onSyscallEntry} asked to see has returned; {@code exit} holds its result. */
    void onSyscallExit(int tid, SyscallInfo exit);

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
        public Resume onSyscallEntry(int tid, SyscallInfo entry) {
            return Resume.RUN;
        }

        @Override
        public void onSyscallExit(int tid, SyscallInfo exit) {
        }
    };
}
