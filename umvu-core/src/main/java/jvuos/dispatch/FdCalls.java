package jvuos.dispatch;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jvuos.errno.Errno;
import jvuos.host.HostFiles;
import jvuos.ptrace.PtraceException;
import jvuos.tracer.SyscallHandler.Resume;
import jvuos.tracer.SyscallStop;

/**
 * The calls on fds that the dispatcher sees: those on a served file's placeholder (answered
 * by {@link ServedFdCalls}, or made to wait) or on a held directory ({@link HeldDirectoryCalls}),
 * and the ones that keep the fd and cwd records in step (dup, fcntl(F_DUPFD*), close_range,
 * fchdir, getcwd).
 */
final class FdCalls {
    private static final Logger log = LoggerFactory.getLogger("jvuos.dispatch");
    static final int SYS_DUP2 = 33;
    static final int SYS_DUP3 = 292;
    private static final int SYS_PPOLL = 271;
    private static final short POLLIN = 1;
    private static final long SIGSET_SIZE = 8;
    /** How long a call on a served file that cannot say when it is ready waits before it tries again. */
    private static final long RETRY_NANOS = 10_000_000;
    private static final long CLOSE_RANGE_UNSHARE = 2;
    private static final long CLOSE_RANGE_CLOEXEC = 4;
    private static final int SYS_DUP = 32;
    /** How many open fds in a row the search for the one a dup gets may pass before the dup's exit is waited for instead. */
    private static final int MAX_FD_PROBES = 64;

    private final PendingExits exits;
    private final GuestPaths paths;
    private final VirtualFds virtualFds;
    private final ServedFdCalls servedFds;
    private final HeldDirectoryCalls heldDirectories;
    private final Tasks tasks;
    private final HostFiles host;

    FdCalls(PendingExits exits, GuestPaths paths, VirtualFds virtualFds, ServedFdCalls servedFds,
            HeldDirectoryCalls heldDirectories, Tasks tasks, HostFiles host) {
        this.exits = exits;
        this.paths = paths;
        this.virtualFds = virtualFds;
        this.servedFds = servedFds;
        this.heldDirectories = heldDirectories;
        this.tasks = tasks;
        this.host = host;
    }

    /**
     * The description of a served file that the guest's fd holds, or null. The record says
     * which fds hold one; /proc says whether the fd still does (close is not always seen: a
     * close-on-exec, a close_range...), and a record that no longer holds is dropped.
     */
    OpenDescription servedFd(int tid, Task task, int fd) {
        Task.OpenFile record = task.fds.open.get(fd);
        if (record == null || record.served() == null) {
            return null;
        }
        return holdsOrForget(tid, task, fd, record) != null ? record.served() : null;
    }

    /**
     * The record of a held directory ({@link HeldDirectory}) that the guest's fd holds, or
     * null; checked through /proc as {@link #servedFd} checks a placeholder.
     */
    Task.OpenFile heldDirectory(int tid, Task task, int fd) {
        Task.OpenFile record = task.fds.open.get(fd);
        if (record == null || record.held() == null) {
            return null;
        }
        return holdsOrForget(tid, task, fd, record);
    }

    private Task.OpenFile holdsOrForget(int tid, Task task, int fd, Task.OpenFile record) {
        if (paths.holds(tid, fd, record)) {
            return record;
        }
        task.fds.open.remove(fd);
        return null;
    }

    /** {@link HeldDirectoryCalls#adopt}: a held directory's record for an fd that has none, or null. */
    Task.OpenFile adoptHeld(int tid, Task task, int fd) {
        return heldDirectories.adopt(tid, task, fd);
    }

    /** A call on fds: answered here when one of them holds a served file or a held directory, else the kernel's. */
    Resume fdCall(SyscallStop stop, Task task) throws PtraceException {
        int[] fdArgs = servedFds.fdArgs(stop.nr());
        for (int index : fdArgs) {
            int fd = (int) stop.arg(index);
            Task.OpenFile record = task.fds.open.get(fd);
            if (record == null && HeldDirectoryCalls.changesTheFdsFile(stop.nr(), stop.arg(1))) {
                record = heldDirectories.adopt(stop.tid(), task, fd);
            }
            if (record != null && record.held() != null && heldDirectories.answers(stop.nr(), record.held())
                    && holdsOrForget(stop.tid(), task, fd, record) != null) {
                return heldDirectories.call(stop, task, fd, record);
            }
            OpenDescription d = record == null || record.served() == null ? null : servedFd(stop.tid(), task, fd);
            if (d == null) {
                continue;
            }
            ServedFdCalls.Call call = new ServedFdCalls.Call(stop, task, record, d);
            long result = servedFds.serve(stop.nr(), call);
            if (result == ServedFdCalls.WOULD_BLOCK) {
                return call.blocker()[0] >= 0 ? park(stop, call.blocker()[0], (short) call.blocker()[1], null)
                        : park(stop, fd, POLLIN, d.pollable && !ServedFdCalls.writes(stop.nr()) ? null : RETRY_NANOS);
            }
            if (stop.nr() == ServedFdCalls.SYS_CLOSE) {
                task.fds.open.remove(fd);
                return collectAtExit(stop);
            }
            return result == ServedFdCalls.KERNEL ? Resume.RUN : Dispatcher.skip(stop, result);
        }
        if (stop.nr() == ServedFdCalls.SYS_CLOSE) {
            task.fds.open.remove((int) stop.arg(0));
        }
        return Resume.RUN;
    }

    /** Lets the kernel run the call, then closes the descriptions no guest fd holds any more. */
    private Resume collectAtExit(SyscallStop stop) {
        PendingExit exit = new PendingExit();
        exit.collect = true;
        return exits.await(stop.tid(), exit);
    }

    /**
     * A call on a served file that must wait: the thread waits in ppoll instead, on the fd it
     * waits for: the placeholder, which a pollable file makes readable when it is ready, or a
     * host pipe or socket at the other end of a copy. A write to a served file, or a call on a
     * file that cannot say when it is ready, is tried again after {@code retryNanos} instead
     * (the placeholder cannot say "writable"). At the ppoll's exit the call is made again, or,
     * if a signal interrupted the wait, ends as the kernel ends an interrupted call.
     */
    private Resume park(SyscallStop stop, int fd, short events, Long retryNanos) throws PtraceException {
        PendingExit exit = new PendingExit();
        exit.parked = stop.nr();
        long fds = 0;
        long timeout = 0;
        if (retryNanos == null) {
            fds = stop.push(java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                    .putInt(fd).putShort(events).putShort((short) 0).array());
        } else {
            timeout = stop.push(java.nio.ByteBuffer.allocate(16).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                    .putLong(0).putLong(retryNanos).array());
        }
        if (fds == 0 && timeout == 0) {
            return Dispatcher.skip(stop, -Errno.EFAULT);
        }
        long[] ppoll = {fds, fds == 0 ? 0 : 1, timeout, 0, SIGSET_SIZE, 0};
        for (int i = 0; i < ppoll.length; i++) {
            exit.setArg(stop, i, ppoll[i]);
        }
        stop.setNr(SYS_PPOLL);
        log.debug("{} waits for a served file (call {})", stop.tid(), exit.parked);
        return exits.await(stop.tid(), exit);
    }

    /** close_range: the records of the fds it closes go (with CLOSE_RANGE_UNSHARE, from a table of the thread's own). */
    Resume closeRange(SyscallStop stop, Task task) {
        long first = stop.arg(0) & 0xffffffffL;
        long last = stop.arg(1) & 0xffffffffL;
        long flags = stop.arg(2);
        boolean valid = first <= last && (flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)) == 0;
        if (valid && (flags & CLOSE_RANGE_CLOEXEC) == 0) {
            if ((flags & CLOSE_RANGE_UNSHARE) != 0) {
                task.fds = task.fds.copy();
            }
            task.fds.open.keySet().removeIf(fd -> fd >= first && fd <= last);
        }
        return virtualFds.isEmpty() ? Resume.RUN : collectAtExit(stop);
    }

    /** getcwd: answered here while the cwd is inside a mount, where the kernel only knows the host directory. */
    Resume getcwd(SyscallStop stop, Task task) {
        if (!task.fs.virtual()) {
            return Resume.RUN;
        }
        byte[] cwd = HostFiles.bytes(task.fs.cwd);
        if (stop.arg(1) < cwd.length) {
            return Dispatcher.skip(stop, -Errno.ERANGE);
        }
        if (stop.memory().write(stop.tid(), stop.arg(0), cwd, cwd.length) != cwd.length) {
            return Dispatcher.skip(stop, -Errno.EFAULT);
        }
        return Dispatcher.skip(stop, cwd.length);
    }

    /** fchdir: the new cwd is the fd's view path, recorded when the kernel has accepted it. */
    Resume fchdir(SyscallStop stop, Task task) throws PtraceException {
        // A served directory, held or not, becomes the cwd in the view only: the kernel's stays.
        int fd = (int) stop.arg(0);
        if (servedFd(stop.tid(), task, fd) != null || heldDirectory(stop.tid(), task, fd) != null) {
            return fdCall(stop, task);
        }
        GuestPaths.Start dir = paths.fd(stop.tid(), task, (int) stop.arg(0));
        if (dir == null) {
            return Resume.RUN;
        }
        PendingExit exit = new PendingExit();
        exit.newCwd = dir;
        return exits.await(stop.tid(), exit);
    }

    /**
     * dup, dup2, dup3, fcntl(F_DUPFD*): the new fd gets the old one's view path. An old fd
     * without a view path needs no record (dup2 and dup3 drop the record of the fd they
     * replace at once). dup and F_DUPFD of a recorded fd get the record at once
     * ({@link #recordBeforehand}), without the exit stop the others wait for (a directory walk
     * dups every directory it enters: find and fts).
     */
    Resume dup(SyscallStop stop, Task task) {
        boolean replaces = stop.nr() == SYS_DUP2 || stop.nr() == SYS_DUP3;
        // dup2 and dup3 close what the new fd held: maybe a served file's last fd.
        boolean closesServed = replaces && servedFd(stop.tid(), task, (int) stop.arg(1)) != null;
        int old = (int) stop.arg(0);
        Task.OpenFile record = task.fds.open.get(old);
        if (record == null) {
            if (replaces) {
                task.fds.open.remove((int) stop.arg(1));
            }
            return closesServed ? collectAtExit(stop) : Resume.RUN;
        }
        if (!replaces
                && recordBeforehand(stop.tid(), task, stop.nr() == SYS_DUP ? 0 : stop.arg(2), old, record)) {
            return Resume.RUN;
        }
        PendingExit exit = new PendingExit();
        exit.collect = closesServed;
        exit.dupOf = old;
        return exits.await(stop.tid(), exit);
    }

    /**
     * Records {@code record} for the fd that the thread's call, about to run, makes (the
     * kernel gives the lowest free fd at or above {@code min}), so that the call needs no exit
     * stop; false when that fd cannot be known now: another thread shares the fd table and may
     * take fds meanwhile, or the free fd is far. The record stays unconfirmed until the
     * thread's next stop ({@link #confirm}): should the call fail (EMFILE, EINVAL, an open's
     * ENOENT), it is gone by then.
     *
     * @param taken the fd the call acts on (dup's old fd, an open's directory fd), or -1: if
     *              it is not open the call fails and makes no fd, so it is not asked about
     */
    boolean recordBeforehand(int tid, Task task, long min, int taken, Task.OpenFile record) {
        if (tasks.sharesFds(task)) {
            return false;
        }
        int fd = host.lowestFreeFd(tid, min, MAX_FD_PROBES, taken);
        if (fd < 0) {
            return false;
        }
        task.fds.open.put(fd, record);
        task.fds.unconfirmed = fd;
        return true;
    }

    /**
     * At the thread's first stop after a {@link #recordBeforehand}: the record goes unless the
     * call made its fd. (Only a call that makes fds without a stop, a pipe or a socket, could
     * have taken that fd meanwhile: the record then counts no more than a record of a closed
     * fd, only while /proc shows its file there.)
     */
    void confirm(int tid, Task task) {
        int fd = task.fds.unconfirmed;
        task.fds.unconfirmed = -1;
        if (host.isOpen(tid, fd) == 0) {
            task.fds.open.remove(fd);
        }
    }
}
