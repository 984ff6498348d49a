package jvuos.debug;

/** Symbolic names of Linux signals, for the debug trace. */
final class SignalNames {
    private static final String[] NAMES = ("- SIGHUP SIGINT SIGQUIT SIGILL SIGTRAP SIGABRT SIGBUS SIGFPE SIGKILL "
            + "SIGUSR1 SIGSEGV SIGUSR2 SIGPIPE SIGALRM SIGTERM SIGSTKFLT SIGCHLD SIGCONT SIGSTOP SIGTSTP "
            + "SIGTTIN SIGTTOU SIGURG SIGXCPU SIGXFSZ SIGVTALRM SIGPROF SIGWINCH SIGIO SIGPWR SIGSYS").split(" ");
    private static final int SIGRTMIN = 32;
    private static final int SIGRTMAX = 64;

    private SignalNames() {
    }

    static String name(int signal) {
        if (signal > 0 && signal < NAMES.length) {
            return NAMES[signal];
        }
        if (signal >= SIGRTMIN && signal <= SIGRTMAX) {
            return "SIGRT_" + (signal - SIGRTMIN);
        }
        return Integer.toString(signal);
    }
}
