package jvuos.dispatch;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

import jvuos.vfs.PathNames;

/** The dispatcher's view of every guest thread, kept in step with clone, exec and exit. */
final class Tasks {
    private static final long CLONE_FS = 0x200;
    private static final long CLONE_FILES = 0x400;
    private static final long CLONE_THREAD = 0x10000;

    private final Map<Integer, Task> byTid = new HashMap<>();

    /** The thread's state; a thread not seen before (the first guest process) starts afresh. */
    Task get(int tid) {
        return byTid.computeIfAbsent(tid, t -> new Task(t, new Task.Fs(), new Task.Fds()));
    }

    /** The thread's state if it is a guest thread, else null. */
    Task find(int tid) {
        return byTid.get(tid);
    }

    void cloned(int parentTid, int childTid, long flags) {
        Task parent = get(parentTid);
        int tgid = (flags & CLONE_THREAD) != 0 ? parent.tgid : childTid;
        Task.Fs fs = (flags & CLONE_FS) != 0 ? parent.fs : parent.fs.copy();
        Task.Fds fds = (flags & CLONE_FILES) != 0 ? parent.fds : parent.fds.copy();
        byTid.put(childTid, new Task(tgid, fs, fds));
    }

    /** execve unshares the fd table (the kernel undoes CLONE_FILES) and may move the thread to the leader's id. */
    void execed(int pid, int formerTid) {
        Task task = byTid.remove(formerTid);
        if (task == null) {
            task = get(pid);
        }
        byTid.put(pid, new Task(task.tgid, task.fs, task.fds.copy()));
    }

    void gone(int tid) {
        byTid.remove(tid);
    }

    Collection<Task> all() {
        return byTid.values();
    }

    /**
     * A rename in a mount succeeded: working directories and fd records at or below the old
     * name now live below the new one (the kernel follows the inodes; the view's paths follow
     * here). Host paths move alike.
     */
    void moved(String from, String to, String fromHost, String toHost) {
        for (Task t : byTid.values()) {
            if (t.fs.virtual() && PathNames.isWithin(t.fs.cwd, from) && PathNames.isWithin(t.fs.cwdHost, fromHost)) {
                t.fs.set(to + t.fs.cwd.substring(from.length()), toHost + t.fs.cwdHost.substring(fromHost.length()));
            }
            t.fds.open.replaceAll((fd, f) -> PathNames.isWithin(f.path(), from) && PathNames.isWithin(f.hostPath(), fromHost)
                    ? new Task.OpenFile(to + f.path().substring(from.length()), toHost + f.hostPath().substring(fromHost.length()))
                    : f);
        }
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
