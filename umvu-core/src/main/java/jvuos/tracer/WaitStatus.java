package jvuos.tracer;

import jvuos.ptrace.Signals;

/** Decodes a wait(2) status word (the W* macros of sys/wait.h). */
final class WaitStatus {
    /** The bit PTRACE_O_TRACESYSGOOD sets in the stop signal of a syscall stop. */
    static final int SYSCALL_STOP = Signals.SIGTRAP | 0x80;

    private WaitStatus() {
    }

    static boolean exited(int status) {
        return (status & 0x7f) == 0;
    }

    static int exitCode(int status) {
        return (status >> 8) & 0xff;
    }

    static boolean killed(int status) {
        int signal = status & 0x7f;
        return signal != 0 && signal != 0x7f;
    }

    static int termSignal(int status) {
        return status & 0x7f;
    }

    static boolean stopped(int status) {
        return (status & 0xff) == 0x7f;
    }

    static int stopSignal(int status) {
        return (status >> 8) & 0xff;
    }

    /** The PTRACE_EVENT_* of a ptrace event stop, 0 for a signal-delivery or syscall stop. */
    static int event(int status) {
        return (status >> 16) & 0xff;
    }

    /** The status a shell would report for a process that ended this way: its code, or 128+signal. */
    static int shellStatus(int status) {
        return exited(status) ? exitCode(status) : 128 + termSignal(status);
    }
}
