package jvuos.ptrace;

/** The signal numbers the tracer itself reacts to (x86_64 Linux numbering). */
public final class Signals {
    public static final int SIGINT = 2;
    public static final int SIGQUIT = 3;
    public static final int SIGTRAP = 5;
    public static final int SIGCONT = 18;
    public static final int SIGSTOP = 19;
    public static final int SIGTSTP = 20;
    public static final int SIGTTIN = 21;
    public static final int SIGTTOU = 22;

    private Signals() {
    }

    /** The signals whose default action is to stop the process: the ones that start a group-stop. */
    public static boolean isStopSignal(int signal) {
        return signal == SIGSTOP || signal == SIGTSTP || signal == SIGTTIN || signal == SIGTTOU;
    }
}
