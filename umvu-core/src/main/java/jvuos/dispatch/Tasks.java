package jvuos.dispatch;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

import jvuos.tracer.CloneFlags;
import jvuos.vfs.PathNames;

/** The dispatcher's view of every guest thread, kept in step with clone, exec and exit. */
final class Tasks {

    private final Map<Integer, Task> byTid = new HashMap<>();

    /** The thread's state; a thread not seen before (the first guest process) starts afresh. */
    Task get(int tid) {
        Task task = byTid.get(tid);
        if (task == null) {
            task = new Task(tid, new Task.Fs(), new Task.Fds(), new Task.Proc());
            byTid.put(tid, task);
        }
        return task;
    }

    /** The thread's state if it is a guest thread, else null. */
    Task find(int tid) {
        return byTid.get(tid);
    }

    void cloned(int parentTid, int childTid, long flags) {
        Task parent = get(parentTid);
        int tgid = (flags & CloneFlags.THREAD) != 0 ? parent.tgid : childTid;
        Task.Fs fs = (flags & CloneFlags.FS) != 0 ? parent.fs : parent.fs.copy();
        Task.Fds fds = (flags & CloneFlags.FILES) != 0 ? parent.fds : parent.fds.copy();
        boolean thread = (flags & CloneFlags.THREAD) != 0;
        byTid.put(childTid, new Task(tgid, fs, fds, thread ? parent.proc : parent.proc.copy()));
    }

    /** execve unshares the fd table (the kernel undoes CLONE_FILES) and may move the thread to the leader's id. */
    void execed(int pid, int formerTid) {
        Task task = byTid.remove(formerTid);
        if (task == null) {
            task = get(pid);
        }
        task.proc.exe = null; // until the exec's exit says it went through a mount
        byTid.put(pid, new Task(task.tgid, task.fs, task.fds.copy(), task.proc));
    }

    /** umask(2): the umask is the fs_struct's, shared by every thread of the same {@link Task.Fs} (CLONE_FS). */
    void umaskChanged(Task task) {
        for (Task t : byTid.values()) {
            if (t.fs == task.fs) {
                t.credentialsMayChange();
            }
        }
    }

    void gone(int tid) {
        byTid.remove(tid);
    }

    /** A stack is unmounted: no process has it as a default any more. */
    void stackGone(jvuos.vfs.Mount stack) {
        for (Task t : byTid.values()) {
            t.proc.stacks.values().removeIf(m -> m == stack);
        }
    }

    /**
     * True when another thread shares the task's fd table (CLONE_FILES), or an io_uring's
     * workers do: they may take fds at any moment.
     */
    boolean sharesFds(Task task) {
        if (task.fds.ringed) {
            return true;
        }
        for (Task t : byTid.values()) {
            if (t != task && t.fds == task.fds) {
                return true;
            }
        }
        return false;
    }

    Collection<Task> all() {
        return byTid.values();
    }

    /** The guest's processes (their thread-group ids). */
    java.util.Set<Integer> processes() {
        java.util.Set<Integer> tgids = new java.util.HashSet<>();
        for (Task t : all()) {
            tgids.add(t.tgid);
        }
        return tgids;
    }

    /**
     * A rename in a mount succeeded: working directories and fd records at or below the old
     * name now live below the new one (the kernel follows the inodes; the view's paths follow
     * here). Host paths move alike (null for a served file system). With {@code exchange}
     * (RENAME_EXCHANGE) the two trade places.
     */
    void moved(String from, String to, String fromHost, String toHost, boolean exchange) {
        for (Task t : byTid.values()) {
            if (t.fs.virtual() && fromHost != null) {
                Task.OpenFile cwd = movedFile(new Task.OpenFile(t.fs.cwd, t.fs.cwdHost), from, to, fromHost, toHost, exchange);
                t.fs.set(cwd.path(), cwd.hostPath());
            } else if (t.fs.virtual() && PathNames.isWithin(t.fs.cwd, from)) {
                t.fs.set(to + t.fs.cwd.substring(from.length()), t.fs.cwdHost); // a served cwd
            } else if (t.fs.virtual() && exchange && PathNames.isWithin(t.fs.cwd, to)) {
                t.fs.set(from + t.fs.cwd.substring(to.length()), t.fs.cwdHost);
            }
            t.fds.open.replaceAll((fd, f) -> movedFile(f, from, to, fromHost, toHost, exchange));
        }
    }

    private static Task.OpenFile movedFile(Task.OpenFile f, String from, String to, String fromHost, String toHost,
            boolean exchange) {
        if (PathNames.isWithin(f.path(), from) && movesWith(f, fromHost)) {
            return moved(f, from, to, fromHost, toHost);
        }
        if (exchange && PathNames.isWithin(f.path(), to) && movesWith(f, toHost)) {
            return moved(f, to, from, toHost, fromHost);
        }
        return f;
    }

    /** A served file or held directory (no host path) moves with its view path; a host-backed one when its host file moved too. */
    private static boolean movesWith(Task.OpenFile f, String hostDir) {
        return hostDir == null ? f.servedByView() : !f.servedByView() && PathNames.isWithin(f.hostPath(), hostDir);
    }

    private static Task.OpenFile moved(Task.OpenFile f, String from, String to, String fromHost, String toHost) {
        String path = to + f.path().substring(from.length());
        String host = fromHost == null ? f.hostPath() : toHost + f.hostPath().substring(fromHost.length());
        if (f.held() != null) {
            host = heldAfterRename(f, path);
        }
        return new Task.OpenFile(path, host, f.served(), f.held());
    }

    /**
     * The host directory a held directory's fd holds after a rename of it in the view (the
     * module renamed its host directory: A's, in a union): the one the module names for its
     * new path, else the old one (and the record counts no more once /proc shows otherwise).
     */
    private static String heldAfterRename(Task.OpenFile f, String path) {
        jvuos.module.HostDirectory now = f.held().mount.hostDirectory(path);
        return now != null ? now.path() : f.hostPath();
    }

    /** After a rename a cached host cwd may name a moved directory: read it again when needed. */
    void forgetHostCwds() {
        for (Task t : byTid.values()) {
            if (!t.fs.virtual()) {
                t.fs.set(null, null);
            }
        }
    }
}
