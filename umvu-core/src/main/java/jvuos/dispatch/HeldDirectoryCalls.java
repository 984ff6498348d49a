package jvuos.dispatch;

import java.util.BitSet;
import java.util.Map;

import jvuos.errno.Errno;
import jvuos.host.HostFiles;
import jvuos.module.FileStat;
import jvuos.module.HostDirectory;
import jvuos.module.ServedFileSystem;
import jvuos.module.VirtualFile;
import jvuos.module.VuException;
import jvuos.ptrace.PtraceException;
import jvuos.tracer.SyscallHandler.Resume;
import jvuos.tracer.SyscallStop;
import jvuos.vfs.ModuleCalls;
import jvuos.vfs.Mount;

/**
 * The fd calls on a guest fd that holds a served directory as the kernel's fd on a host
 * directory ({@link HeldDirectory}). The kernel answers what it knows alike (getdents while
 * its listing is the view's, lseek then, fcntl, close); what the view shows otherwise (the
 * attributes: st_dev is the mount's; fchdir, which must not move the kernel's cwd there) and
 * what would change the host directory rather than the view's are answered as the path
 * calls on the fd's view path; the ioctls that set inode flags get ENOTTY.
 *
 * <p>Once the view has changed, a getdents asks the module whether the host directory still
 * lists as the view. If not, the view's listing is served from the next read at position 0
 * on, as overlayfs reads a directory afresh at position 0 and goes on reading what it read
 * before at any other.
 */
final class HeldDirectoryCalls {
    private static final int SYS_LSEEK = 8;
    private static final int SYS_GETDENTS = 78;
    private static final int SYS_GETDENTS64 = 217;
    private static final int SYS_FSTAT = 5;
    private static final int SYS_IOCTL = 16;
    /**
     * The ioctls that would change the host directory's inode: FS_IOC_SETFLAGS (and its 32-bit
     * form), FS_IOC_SETVERSION (and its 32-bit form), FS_IOC_FSSETXATTR.
     */
    private static final java.util.Set<Long> CHANGING_IOCTLS = java.util.Set.of(0x40086602L, 0x40046602L,
            0x40087602L, 0x40047602L, 0x401c5820L);
    /** fchmod, fchown, fsetxattr, fremovexattr: what would change a directory an fd holds. */
    private static final java.util.Set<Integer> CHANGING_CALLS = java.util.Set.of(91, 93, 190, 199);
    /** The calls answered by path, with the path call each is answered as: fstat, and those of served fds. */
    private static final Map<Integer, String> BY_PATH = byPath();

    private final ServedPathCalls pathCalls;
    private final HostFiles host;
    private final GuestPaths paths;
    private final jvuos.vfs.MountTable mounts;
    /** Told when a held directory's listing is served from now on: getdents and lseek must stop then. */
    private final Runnable listingServed;

    HeldDirectoryCalls(ServedPathCalls pathCalls, HostFiles host, GuestPaths paths, jvuos.vfs.MountTable mounts,
            Runnable listingServed) {
        this.pathCalls = pathCalls;
        this.host = host;
        this.paths = paths;
        this.mounts = mounts;
        this.listingServed = listingServed;
    }

    private static Map<Integer, String> byPath() {
        Map<Integer, String> calls = new java.util.HashMap<>(ServedFdCalls.AS_PATH_CALLS);
        calls.put(SYS_FSTAT, "lstat");
        return Map.copyOf(calls);
    }

    /**
     * The calls that must stop once a held directory is open: those answered by path, and
     * ioctl ({@link #CHANGING_IOCTLS} would change the host directory).
     */
    static BitSet syscalls() {
        BitSet set = new BitSet();
        BY_PATH.keySet().forEach(set::set);
        set.set(SYS_IOCTL);
        return set;
    }

    /** The calls that must stop once a held directory's listing may no longer be the view's: getdents. */
    static BitSet getdentsSyscalls() {
        BitSet set = new BitSet();
        set.set(SYS_GETDENTS);
        set.set(SYS_GETDENTS64);
        return set;
    }

    /** The calls that must stop once a held directory's listing is served: getdents and lseek. */
    static BitSet listingSyscalls() {
        BitSet set = getdentsSyscalls();
        set.set(SYS_LSEEK);
        return set;
    }

    /**
     * True for a call that would change the directory an fd holds, so that an fd on a held
     * directory without a record (received over a socket) must be looked at ({@link #adopt}).
     */
    static boolean changesTheFdsFile(int nr, long arg1) {
        return CHANGING_CALLS.contains(nr) || nr == SYS_IOCTL && CHANGING_IOCTLS.contains(arg1 & 0xffffffffL);
    }

    /**
     * The record of a held directory for a guest fd that has none, though the host directory
     * it holds is one a served file system lets fds hold at that very path of the view (a fd
     * received over a socket, got by pidfd_getfd): made and kept now, so that the kernel never
     * changes that directory for it; null for any other fd.
     */
    Task.OpenFile adopt(int tid, Task task, int fd) {
        if (!pathCalls.heldOpened()) {
            return null;
        }
        GuestPaths.Start start = paths.fd(tid, task, fd);
        String link = start == null ? null : start.kernelDir();
        Mount m = link == null ? null : mounts.owner(link, Integer.MAX_VALUE);
        if (m == null || !m.served() || task.fds.open.containsKey(fd)) {
            return null;
        }
        HostDirectory h = m.hostDirectory(link);
        if (h == null || !h.path().equals(link)) {
            return null;
        }
        Task.OpenFile record = new Task.OpenFile(link, link, null,
                new HeldDirectory(m, false, h.listsAsView(), pathCalls.changes()));
        task.fds.open.put(fd, record);
        return record;
    }

    /**
     * True for a call on the directory that {@link #call} may answer otherwise than the kernel
     * (a directory walk's getdents, while the kernel lists as the view and nothing has changed
     * since that was last known, is not even looked at).
     */
    boolean answers(int nr, HeldDirectory held) {
        if (held.pathOnly) {
            // The kernel refuses the rest on an O_PATH fd (EBADF), as it would the view's.
            return ServedFdCalls.PATH_FD_CALLS.contains(nr) && BY_PATH.containsKey(nr);
        }
        return BY_PATH.containsKey(nr) || nr == SYS_IOCTL || nr == SYS_LSEEK && held.listing != null
                || ((nr == SYS_GETDENTS || nr == SYS_GETDENTS64)
                        && (held.listing != null || held.checkedAt != pathCalls.changes()));
    }

    /** A call on the fd that holds {@code record}: answered here, or left to the kernel. */
    Resume call(SyscallStop stop, Task task, int fd, Task.OpenFile record) throws PtraceException {
        HeldDirectory held = record.held();
        String byPath = BY_PATH.get(stop.nr());
        if (byPath != null) {
            return Dispatcher.skip(stop, pathCalls.serveAs(byPath,
                    ServedPathCalls.onFile(stop, task, record, held.mount, null)));
        }
        if (stop.nr() == SYS_IOCTL) {
            // The inode flags of the view's directory are not the module's to set (the host
            // directory's are not to be changed); the fd's own flags and what only reads are
            // the kernel's.
            return CHANGING_IOCTLS.contains(stop.arg(1) & 0xffffffffL) ? Dispatcher.skip(stop, -Errno.ENOTTY)
                    : Resume.RUN;
        }
        if (stop.nr() == SYS_LSEEK) {
            return Dispatcher.skip(stop, held.listing.seek(stop.arg(1), (int) stop.arg(2)));
        }
        if (held.listing == null) {
            if (hostListsAsView(record, held.mount)) {
                held.checkedAt = pathCalls.changes();
                return Resume.RUN;
            }
            if (host.fdPosition(stop.tid(), fd) != 0) {
                return Resume.RUN; // the rest of what the kernel was reading
            }
            held.listing = new DirectoryListing();
            listingServed.run();
        }
        try {
            return Dispatcher.skip(stop, held.listing.read(stop, stop.arg(1), stop.arg(2), stop.nr() == SYS_GETDENTS64,
                    () -> listing(record.path(), held.mount)));
        } catch (VuException e) {
            return Dispatcher.skip(stop, -e.errno());
        }
    }

    private static boolean hostListsAsView(Task.OpenFile record, Mount mount) {
        HostDirectory now = mount.hostDirectory(record.path());
        return now != null && now.listsAsView() && now.path().equals(record.hostPath());
    }

    /** The view's entries of the directory, read through an open of it that lasts only this long. */
    private static java.util.List<jvuos.module.DirEntry> listing(String path, Mount mount) throws VuException {
        FileStat self = mount.lstat(path);
        if (!self.isDirectory()) {
            throw new VuException(Errno.ENOENT, path); // the directory is gone from the view
        }
        VirtualFile directory = ModuleCalls.guarded(
                () -> mount.servedFs().open(mount.relative(path), ServedFileSystem.O_DIRECTORY), mount.module());
        try {
            return ServedFdCalls.listing(self, path, mount, directory);
        } finally {
            ModuleCalls.run(directory::close, mount.module());
        }
    }
}
