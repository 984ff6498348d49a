package jvuos.tracer;

import jvuos.ptrace.LibC;
import jvuos.ptrace.Native;
import sun.misc.Signal;

import static jvuos.ptrace.Signals.SIGCONT;
import static jvuos.ptrace.Signals.SIGINT;
import static jvuos.ptrace.Signals.SIGQUIT;
import static jvuos.ptrace.Signals.SIGSTOP;
import static jvuos.ptrace.Signals.SIGTSTP;
import static jvuos.ptrace.Signals.SIGTTIN;
import static jvuos.ptrace.Signals.SIGTTOU;

/**
 * The signals umvu itself receives, so that umvu stays invisible to the terminal and to the
 * shell that started it.
 *
 * <ul>
 * <li>SIGINT, SIGQUIT: ignored. When they come from the keyboard, the guest gets them too if it
 * shares umvu's foreground process group: Ctrl-C interrupts the guest, never the hypervisor.</li>
 * <li>SIGTERM, SIGHUP sent to umvu (kill, timeout, a hang-up): passed to the first guest process,
 * which decides, as it would have natively.</li>
 * <li>SIGTSTP, SIGTTIN, SIGTTOU: ignored, so that umvu is never stopped while a guest still
 * waits for it to re-inject a signal. Instead, when the first guest process stops, umvu stops
 * itself with the same signal: the shell that started umvu sees its job stop, and its
 * {@code fg}/{@code bg} SIGCONT resumes umvu, which passes it on.</li>
 * </ul>
 */
final class OwnSignals {
    private static final int[] KEYBOARD_AND_JOB_CONTROL = {SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU};
    private static final long SIG_DFL = 0;
    private static final long SIG_IGN = 1;
    private static final String[] FORWARDED = {"TERM", "HUP"};

    /**
     * True when thread {@code tid} has an unblocked signal pending (its own or its process's),
     * read from /proc: such a signal, not the tracer, explains an EINTR.
     */
    static boolean signalPending(int tid) {
        long pending = 0;
        long blocked = 0;
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/" + tid + "/status"))) {
                String[] kv = line.split(":\\s*", 2);
                switch (kv[0]) {
                    case "SigPnd", "ShdPnd" -> pending |= Long.parseUnsignedLong(kv[1].trim(), 16);
                    case "SigBlk" -> blocked = Long.parseUnsignedLong(kv[1].trim(), 16);
                    default -> {
                    }
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            return true; // cannot tell: leave the EINTR as it is
        }
        return (pending & ~blocked) != 0;
    }

    private OwnSignals() {
    }

    /**
     * @param tracer whose first guest gets the forwarded signals
     * @param callerIgnored signals the caller of umvu ignored: they stay ignored, as natively
     */
    static void install(Tracer tracer, long callerIgnored) {
        LibC libc = Native.libc();
        // Set natively: the JVM refuses a Java handler for SIGQUIT, which it keeps for thread dumps.
        for (int signal : KEYBOARD_AND_JOB_CONTROL) {
            libc.signal(signal, SIG_IGN);
        }
        for (String name : FORWARDED) {
            Signal signal = new Signal(name);
            if ((callerIgnored & (1L << (signal.getNumber() - 1))) == 0) {
                Signal.handle(signal, s -> {
                    int pid = tracer.rootPid();
                    if (pid > 0) {
                        libc.kill(pid, s.getNumber());
                    }
                });
            }
        }
    }

    /**
     * Stops umvu as the first guest process was stopped, returns once umvu is continued, then
     * continues that guest: it may sit in a process group that the SIGCONT did not reach.
     */
    static void stopLikeTheGuest(int signal, int rootPid) {
        LibC libc = Native.libc();
        if (signal != SIGSTOP) {
            libc.signal(signal, SIG_DFL);
        }
        // Sent to this very thread, which takes it on the way out of the call and stops the whole
        // JVM there: a signal sent to the process could still be pending, and then be discarded,
        // when the disposition goes back to ignored below.
        libc.tgkill(libc.getpid(), libc.gettid(), signal);
        if (signal != SIGSTOP) {
            libc.signal(signal, SIG_IGN);
        }
        libc.kill(rootPid, SIGCONT);
    }
}
