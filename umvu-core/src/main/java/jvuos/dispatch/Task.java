package jvuos.dispatch;

import java.util.HashMap;
import java.util.Map;

/**
 * What the dispatcher keeps about one guest thread: its process id, the two parts of its
 * state that threads and processes may share (clone flags CLONE_FS and CLONE_FILES), and its
 * ids as served calls check them.
 */
final class Task {
    final int tgid;
    Fs fs;
    Fds fds;
    /** What belongs to the whole process, shared by its threads. */
    final Proc proc;
    /**
     * The thread's ids, groups and umask as /proc last showed them, null until a served call
     * needs them; forgotten at each call that may change them (the setuid family; umask, in
     * every thread that shares the umask), and an exec makes a new Task (a set-user-ID
     * program under a root umvu). A failed read is not kept.
     */
    private Caller caller;

    Task(int tgid, Fs fs, Fds fds, Proc proc) {
        this.tgid = tgid;
        this.fs = fs;
        this.fds = fds;
        this.proc = proc;
    }

    /** The thread's ids, supplementary groups and umask. */
    Caller caller(int tid) {
        if (caller == null) {
            caller = Caller.of(tid);
            if (caller == null) {
                return Caller.UNKNOWN; // (not kept: asked again next time)
            }
        }
        return caller;
    }

    void credentialsMayChange() {
        caller = null;
    }

    /** The state of a process that its threads share: a fork copies it, an exec keeps it. */
    static final class Proc {
        /** The default network stack per address family (msocket). */
        final Map<Integer, jvuos.vfs.Mount> stacks = new HashMap<>();
        /**
         * The program it runs, when it was exec'd through a mount: its view path, and what the
         * kernel's /proc/PID/exe shows for it (which the view corrects while they agree).
         */
        String exe;
        String exeKernel;

        Proc copy() {
            Proc c = new Proc();
            c.stacks.putAll(stacks);
            c.exe = exe;
            c.exeKernel = exeKernel;
            return c;
        }
    }

    /**
     * The working directory: its path in the view and the host directory the kernel holds as
     * the thread's cwd. They differ inside a mount. Null while unknown (read from /proc then).
     */
    static final class Fs {
        String cwd;
        String cwdHost;

        Fs copy() {
            Fs c = new Fs();
            c.cwd = cwd;
            c.cwdHost = cwdHost;
            return c;
        }

        void set(String path, String host) {
            cwd = path;
            cwdHost = host;
        }

        boolean virtual() {
            return cwd != null && !cwd.equals(cwdHost);
        }
    }

    /**
     * A file opened through a mount: its view path, and the host file the guest's fd holds,
     * which for a served file is its placeholder ("pipe:[INODE]", with {@code served} its
     * open description), and for a served directory the kernel may hold, that host
     * directory ({@code held}).
     */
    record OpenFile(String path, String hostPath, OpenDescription served, HeldDirectory held) {
        OpenFile(String path, String hostPath) {
            this(path, hostPath, null, null);
        }

        OpenFile(String path, String hostPath, OpenDescription served) {
            this(path, hostPath, served, null);
        }

        /** True for a file the view answers for, not the kernel: a served one, or a held directory. */
        boolean servedByView() {
            return served != null || held != null;
        }
    }

    /**
     * The fds opened on view paths, so that "*at" calls relative to them and fchdir start from
     * the right view path. Close is not intercepted: an entry counts only while the guest's
     * fd still holds the same host file (checked through /proc when it is used).
     */
    static final class Fds {
        final Map<Integer, OpenFile> open = new HashMap<>();
        /**
         * An fd whose record was made before the call that makes it had run (-1: none): it is
         * checked at the thread's next stop, when the call is over, and dropped unless that fd
         * is open then (FdCalls.confirm).
         */
        int unconfirmed = -1;
        /** An io_uring was set up: its kernel workers may make fds in this table at any moment. */
        boolean ringed;

        Fds copy() {
            Fds c = new Fds();
            c.open.putAll(open);
            c.unconfirmed = unconfirmed;
            c.ringed = ringed;
            return c;
        }
    }
}
