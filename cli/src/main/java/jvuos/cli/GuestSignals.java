package jvuos.cli;

import jvuos.ptrace.Native;
import jvuos.tracer.Tracer;
import sun.misc.Signal;

/**
 * umvu's own signals. Keyboard signals (SIGINT, SIGQUIT) reach the guest from the terminal
 * when it shares umvu's foreground process group, so umvu ignores them: Ctrl-C interrupts
 * the guest, never the hypervisor. SIGTERM and SIGHUP sent to umvu itself (by kill, timeout,
 * a hang-up) are passed to the first guest process, which decides what to do with them, as it
 * would have natively.
 */
final class GuestSignals {
    private static final int SIGINT = 2;
    private static final int SIGQUIT = 3;
    private static final long SIG_IGN = 1;
    private static final String[] FORWARDED = {"TERM", "HUP"};

    private GuestSignals() {
    }

    /** @param callerIgnored the signals the caller of umvu ignored */
    static void forwardTo(Tracer tracer, long callerIgnored) {
        // Set natively: the JVM refuses a Java handler for SIGQUIT, which it keeps for thread dumps.
        Native.libc().signal(SIGINT, SIG_IGN);
        Native.libc().signal(SIGQUIT, SIG_IGN);
        for (String name : FORWARDED) {
            handle(name, callerIgnored, signal -> {
                int pid = tracer.rootPid();
                if (pid > 0) {
                    Native.libc().kill(pid, signal.getNumber());
                }
            });
        }
    }

    /** Installs {@code handler} unless the caller ignored the signal: then it stays ignored, as natively. */
    private static void handle(String name, long callerIgnored, sun.misc.SignalHandler handler) {
        Signal signal = new Signal(name);
        if ((callerIgnored & (1L << (signal.getNumber() - 1))) == 0) {
            Signal.handle(signal, handler);
        }
    }
}
