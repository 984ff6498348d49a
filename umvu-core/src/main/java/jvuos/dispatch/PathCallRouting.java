package jvuos.dispatch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jvuos.errno.Errno;
import jvuos.host.HostFiles;
import jvuos.ptrace.PtraceException;
import jvuos.syscall.PathArg;
import jvuos.syscall.PathCall;
import jvuos.syscall.PathCalls;
import jvuos.tracer.SyscallHandler.Resume;
import jvuos.tracer.SyscallStop;
import jvuos.vfs.MountTable;
import jvuos.vfs.PathNames;
import jvuos.vfs.PathResolver;
import jvuos.vfs.Resolution;

/**
 * The path calls, routed by where their paths lead in the view: to the kernel unchanged, to
 * the kernel with the host path a mount's module names, to a served file system
 * ({@link ServedPathCalls}), or refused with the kernel's errno. What a call leaves to its
 * exit stop goes into its {@link PendingExit}.
 */
final class PathCallRouting {
    private static final Logger log = LoggerFactory.getLogger("jvuos.dispatch");
    private static final int SYS_RENAMEAT2 = 316;
    private static final int SYS_UNLINKAT = 263;
    private static final int SYS_LINKAT = 265;
    private static final long RENAME_NOREPLACE = 1;
    private static final long RENAME_EXCHANGE = 2;
    private static final long RENAME_WHITEOUT = 4;
    private static final long AT_SYMLINK_FOLLOW = 0x400;
    private static final long AT_EMPTY_PATH = 0x1000;
    /** renameat2 and linkat take their flags as an int: the register's upper half is not looked at. */
    private static final long INT_FLAGS = 0xffffffffL;
    static final long OPEN_HOW_SIZE = 24;
    private static final long RESOLVE_NO_SYMLINKS = 0x04;
    private static final long RESOLVE_NO_XDEV = 0x01;
    private static final long RESOLVE_BENEATH = 0x08;
    private static final long RESOLVE_IN_ROOT = 0x10;
    /** The resolve flags the view applies itself to a path that touches a mount. */
    private static final long VIEW_RESOLVE_FLAGS = RESOLVE_NO_XDEV | RESOLVE_BENEATH | RESOLVE_IN_ROOT;
    private static final int SYS_EXECVE = 59;
    private static final int SYS_EXECVEAT = 322;
    private static final int S_IFREG = 0100000;
    private static final long AT_REMOVEDIR = 0x200;

    private final Supplier<PathCalls> pathCalls;
    private final MountTable mounts;
    private final HostFiles host;
    private final GuestPaths paths;
    private final Tasks tasks;
    private final PendingExits exits;
    private final ServedPathCalls servedPaths;
    private final FdCalls fdCalls;
    private final DeviceNumbers devices;
    private final ScriptExec scripts;
    private final int ownPid;

    PathCallRouting(Supplier<PathCalls> pathCalls, MountTable mounts, HostFiles host, GuestPaths paths, Tasks tasks,
            PendingExits exits, ServedPathCalls servedPaths, FdCalls fdCalls, DeviceNumbers devices, int ownPid) {
        this.pathCalls = pathCalls;
        this.mounts = mounts;
        this.host = host;
        this.paths = paths;
        this.tasks = tasks;
        this.exits = exits;
        this.servedPaths = servedPaths;
        this.fdCalls = fdCalls;
        this.devices = devices;
        this.scripts = new ScriptExec(paths);
        this.ownPid = ownPid;
    }

    Resume pathCall(SyscallStop stop, Task task, PathCall call) throws PtraceException {
        int tid = stop.tid();
        if (stop.nr() == SYS_UNLINKAT && (stop.arg(2) & INT_FLAGS & ~AT_REMOVEDIR) != 0) {
            return Resume.RUN; // the kernel refuses the flags (EINVAL) before it looks at the name
        }
        List<PathArg> args = call.paths();
        Resolution[] resolved = new Resolution[args.size()];
        GuestPaths.Start[] starts = new GuestPaths.Start[args.size()];
        // Which file system each path is in (null: the host), for rename and link.
        jvuos.vfs.Mount[] fileSystems = new jvuos.vfs.Mount[args.size()];
        boolean[] placed = new boolean[args.size()];
        String[] guestPaths = new String[args.size()];
        boolean touches = false;
        OpenDescription byFd = null; // the description the first path names by its fd, if it does
        // A rename or link reports its errors in the kernel's order, found once both names are
        // resolved: each name's lookup failure or refusal waits here till then.
        boolean twoNames = args.size() == 2;
        int[] failures = new int[args.size()];
        int[] refusals = new int[args.size()];
        for (int i = 0; i < args.size(); i++) {
            PathArg arg = args.get(i);
            long address = stop.arg(arg.index());
            int dirfd = arg.dirfdIndex() < 0 ? GuestPaths.AT_FDCWD : (int) stop.arg(arg.dirfdIndex());
            String path = address == 0 ? "" : stop.memory().readPath(tid, address);
            // rename and link look their names up in turn, and a name the kernel cannot read
            // (EFAULT, ENAMETOOLONG), an empty one (ENOENT) or none at all (EFAULT) fails at
            // its turn: the new name's after the old one's lookup, which the kernel, given the
            // guest's own old name, may not do where the view does.
            if (path == null && twoNames && i == 1) {
                failures[i] = stop.memory().lastErrno();
                continue;
            }
            if (path == null) {
                return Resume.RUN; // the kernel reports EFAULT or ENAMETOOLONG itself
            }
            long flags = flags(stop, arg);
            if (twoNames && (address == 0 || (path.isEmpty() && !arg.emptyPathAllowed(flags)))) {
                failures[i] = address == 0 ? Errno.EFAULT : Errno.ENOENT;
                continue;
            }
            if (address == 0 || (path.isEmpty() && arg.emptyPathAllowed(flags))) {
                // utimensat(fd, NULL, ...) or AT_EMPTY_PATH: the call acts on the fd itself.
                // A held directory is answered by its view path (its st_dev, a chmod, are the view's).
                OpenDescription d = fdCalls.servedFd(tid, task, dirfd);
                Task.OpenFile held = d == null ? fdCalls.heldDirectory(tid, task, dirfd) : null;
                if (d == null && held == null && arg.writes(flags)) {
                    held = fdCalls.adoptHeld(tid, task, dirfd);
                }
                if (d != null || held != null) {
                    byFd = i == 0 && d != null ? d : byFd;
                    jvuos.vfs.Mount mount = d != null ? d.mount : held.held().mount;
                    resolved[i] = ServedPathCalls.resolutionOf(task.fds.open.get(dirfd), mount);
                    guestPaths[i] = "";
                    fileSystems[i] = mount;
                    placed[i] = true;
                    touches = true;
                    continue;
                }
                if (address == 0) {
                    continue;
                }
            }
            guestPaths[i] = path;
            int[] fdLink = arg.follows(flags) && path.startsWith("/proc/") ? ProcLinks.fdLink(path, task.tgid, tid) : null;
            Task linked = fdLink == null ? null : tasks.find(fdLink[0]);
            OpenDescription viaLink = linked == null ? null : fdCalls.servedFd(fdLink[0], linked, fdLink[1]);
            if (viaLink != null) {
                // The kernel follows an fd link to the open file itself, unlinked or not.
                resolved[i] = ServedPathCalls.resolutionOf(linked.fds.open.get(fdLink[1]), viaLink.mount);
                byFd = i == 0 ? viaLink : byFd;
                fileSystems[i] = viaLink.mount;
                placed[i] = true;
                touches = true;
                continue;
            }
            // (rename and link resolve every name: the order of their errors needs each name's lookup.)
            if (path.isEmpty() || (!twoNames && kernelAlone(tid, task, call, arg, flags, path, dirfd))) {
                // AT_EMPTY_PATH (the dirfd itself), a one-name call's empty name (the kernel's
                // ENOENT), or a name the kernel finds alike. link still compares file systems,
                // once the kernel has found its old file: a closed fd is EBADF first.
                if (twoNames && dirfd != GuestPaths.AT_FDCWD && !paths.isOpen(tid, dirfd)) {
                    failures[i] = Errno.EBADF;
                } else if (twoNames) {
                    fileSystems[i] = fileSystemOf(tid, task, dirfd);
                    placed[i] = true;
                }
                continue;
            }
            // openat2's resolve flags, read once: 0 for every other call.
            long resolve = arg.follow() == PathArg.Follow.OPEN_HOW ? openHowField(stop, arg, 16) : 0;
            if ((resolve & RESOLVE_IN_ROOT) != 0) {
                path = PathNames.withinRoot(path); // RESOLVE_IN_ROOT: "/" is the dirfd, ".." stops there
            }
            GuestPaths.Start start = paths.start(tid, task, path, dirfd);
            if (start == null && twoNames && i == 1 && dirfd != GuestPaths.AT_FDCWD) {
                // The new name's bad dirfd: the kernel says so once the old name's directory
                // is found, which the kernel, given the guest's own path, may not do where the
                // view does.
                failures[i] = paths.badStartErrno(tid, dirfd);
                continue;
            }
            if (start == null) {
                return Resume.RUN; // a bad dirfd: the kernel says EBADF or ENOTDIR
            }
            // open(O_CREAT) of "name/" is EISDIR before the kernel follows or looks at the name:
            // resolved as a name, the host path keeps the slash and the kernel says so.
            boolean createsAsDirectory = (arg.follow() == PathArg.Follow.OPEN_FLAGS || arg.follow() == PathArg.Follow.OPEN_HOW)
                    && (flags & PathArg.O_CREAT) != 0 && PathNames.endsAsDirectory(path);
            Resolution r = paths.resolve(new PathResolver.Request(path, start.path(), arg.follows(flags) && !createsAsDirectory,
                    arg.follow() == PathArg.Follow.NAME || createsAsDirectory, false, Integer.MAX_VALUE, task.tgid, tid));
            if (r.failed()) {
                // Outside every mount the kernel's own answer is the one to give (its limits,
                // a path longer than PATH_MAX once made absolute, are not the resolver's).
                if (!twoNames) {
                    return r.touchesMount() ? Dispatcher.skip(stop, -r.errno()) : Resume.RUN;
                }
                failures[i] = r.errno();
                touches |= r.touchesMount();
                continue;
            }
            if (r.touchesMount()) {
                int refused = refusal(call, arg, flags, resolve, r, path, removesDirectory(stop, call));
                if (refused == 0) {
                    refused = openat2Scope(resolve, path, start, r);
                }
                if (refused == 0 && removesDirectory(stop, call) && PathNames.endsWithDotDot(path)) {
                    refused = Errno.ENOTEMPTY; // rmdir of "dir/..": the host path ends in "/." (which gives EINVAL)
                }
                if (refused != 0) {
                    log.debug("{} {}({}) refused: errno {}", tid, call.syscall().name(), r.path(), refused);
                    if (!twoNames) {
                        return Dispatcher.skip(stop, -refused);
                    }
                    refusals[i] = refused;
                }
            }
            resolved[i] = r;
            starts[i] = start;
            fileSystems[i] = r.mount();
            if (twoNames && (i == 1 || call.has(PathCall.Effect.RENAMES))) {
                // The kernel compares the mounts of the directories the names are in (link: of
                // its old file itself and of the new name's directory): a mount point is a name
                // in the directory above it, "dir/." and "dir/.." are names in dir.
                if (PathNames.endsWithDot(path)) {
                    Resolution dir = paths.resolve(new PathResolver.Request(PathNames.dirName(path), start.path(), true,
                            false, false, Integer.MAX_VALUE, task.tgid, tid));
                    fileSystems[i] = dir.failed() ? fileSystems[i] : dir.mount();
                } else {
                    fileSystems[i] = mounts.owner(PathNames.parent(r.path()), Integer.MAX_VALUE);
                }
            }
            placed[i] = true;
            touches |= r.touchesMount();
        }
        if (call.has(PathCall.Effect.RENAMES)) {
            tasks.forgetHostCwds();
        }
        boolean twoFileSystems = twoNames && placed[0] && placed[1] && fileSystems[0] != fileSystems[1];
        if (twoNames && !touches && !twoFileSystems && (failures[0] != 0 || failures[1] != 0)) {
            return Resume.RUN; // no name touches a mount: the kernel's own answer
        }
        if (twoNames && (touches || twoFileSystems)) {
            String oldName = guestPaths[0] == null ? "" : guestPaths[0];
            String newName = guestPaths[1] == null ? "" : guestPaths[1];
            int errno = call.has(PathCall.Effect.RENAMES)
                    ? renameErrno(resolved, fileSystems, failures, refusals, twoFileSystems, oldName, newName,
                            stop.nr() == SYS_RENAMEAT2 ? stop.arg(4) & INT_FLAGS : 0)
                    : linkErrno(resolved, failures, refusals, twoFileSystems, oldName, newName,
                            stop.nr() == SYS_LINKAT ? stop.arg(4) & INT_FLAGS : 0);
            if (errno != 0) {
                return Dispatcher.skip(stop, -errno);
            }
        }
        boolean served = false;
        for (int i = 0; i < args.size(); i++) {
            served |= resolved[i] != null && resolved[i].served();
        }
        if (served && args.size() == 2 && (!placed[0] || !placed[1])) {
            return Dispatcher.skip(stop, -Errno.ENOENT); // the other path is empty: the kernel's answer
        }
        PendingExit exit = new PendingExit();
        if (call.has(PathCall.Effect.OPENS) && !devices.isEmpty() && resolved[0] != null && !resolved[0].served()) {
            Resolution device = servedDevice(resolved[0]);
            if (device != null) {
                resolved[0] = device;
            }
        }
        if (twoNames && resolved[0] != null && resolved[1] != null && resolved[0].mount() != resolved[1].mount()
                && (resolved[0].served() || resolved[1].served())) {
            return Dispatcher.skip(stop, -Errno.EXDEV); // a served name and one elsewhere: no module can do it
        }
        if (resolved[0] != null && resolved[0].served()) {
            return served(stop, task, call, resolved, guestPaths, exit, byFd);
        }
        if (call.has(PathCall.Effect.OPENS) && args.get(0).follow() == PathArg.Follow.OPEN_FLAGS
                && resolved[0] != null && !touches && ProcMounts.isMountsFile(resolved[0].path())
                && !serveProcMounts(stop, resolved[0], exit)) {
            return Resume.RUN;
        }
        if (call.has(PathCall.Effect.READSLINK) && resolved[0] != null && !touches
                && !PathNames.endsAsDirectory(guestPaths[0])) {
            String viewPath = ProcLinks.viewTarget(resolved[0].path(), tasks, paths);
            if (viewPath != null) {
                return answerReadlink(stop, args.get(0), viewPath);
            }
        }
        if (call.has(PathCall.Effect.CHDIR) && resolved[0] != null) {
            exit.newCwd = new GuestPaths.Start(resolved[0].path(), resolved[0].canonicalHostPath());
        }
        boolean exec = stop.nr() == SYS_EXECVE || stop.nr() == SYS_EXECVEAT;
        if (exec && resolved[0] != null) {
            long script = scriptThroughMount(stop, task, call, resolved[0], guestPaths[0], exit);
            if (script != ScriptExec.KERNEL) {
                if (script < 0) {
                    return Dispatcher.skip(stop, script);
                }
                return exits.await(tid, exit);
            }
        }
        if (touches) {
            if (exec) {
                exit.exec = true;
                exit.exe = resolved[0].path();
                exit.exeKernel = resolved[0].canonicalHostPath(); // not a script's interpreter, nor a wrong file
            }
            for (int i = 0; i < args.size(); i++) {
                Resolution r = resolved[i];
                if (r != null && r.touchesMount() && !r.served() && !kernelResolvesAlike(r, starts[i])) {
                    log.debug("{} {}: {} -> {}", tid, call.syscall().name(), r.path(), r.hostPath());
                    if (!exit.setPathArg(stop, args.get(i).index(), r.hostPath())
                            || (args.get(i).follow() == PathArg.Follow.OPEN_HOW && !openHowForHostPath(stop, args.get(i), exit))) {
                        return Dispatcher.skip(stop, -Errno.EFAULT);
                    }
                }
            }
            if (call.has(PathCall.Effect.OPENS)) {
                exit.opened = resolved[0];
            }
            if (call.has(PathCall.Effect.RENAMES) && resolved[0] != null && resolved[1] != null) {
                exit.renamedFrom = resolved[0];
                exit.renamedTo = resolved[1];
                exit.exchanged = stop.nr() == SYS_RENAMEAT2 && (stop.arg(4) & INT_FLAGS & RENAME_EXCHANGE) != 0;
            }
        }
        if (exit.savedArgs.isEmpty() && exit.newCwd == null && exit.renamedFrom == null && exit.exe == null
                && exit.memoryFile < 0) {
            if (exit.opened == null) {
                return Resume.RUN;
            }
            // An open through a mount whose only business at its exit is the new fd's record:
            // made now if it can be (a directory walk opens every directory so).
            if (fdCalls.recordBeforehand(tid, task, 0, startFd(stop, args.get(0), guestPaths[0]),
                    new Task.OpenFile(exit.opened.path(), exit.opened.canonicalHostPath()))) {
                return Resume.RUN;
            }
        }
        return exits.await(tid, exit);
    }

    /**
     * The directory fd a relative path starts from, or -1 (an absolute path, AT_FDCWD): open,
     * or the call fails (EBADF) and makes no fd.
     */
    private static int startFd(SyscallStop stop, PathArg arg, String path) {
        int dirfd = arg.dirfdIndex() < 0 ? -1 : (int) stop.arg(arg.dirfdIndex());
        return path.startsWith("/") || dirfd < 0 ? -1 : dirfd;
    }

    /**
     * An exec of a host file (or one a mount names) that is a "#!" script whose interpreter
     * lies in a mount: the kernel would look for the interpreter on the host, so the view runs
     * the script itself ({@link ScriptExec}). KERNEL for anything else: the kernel's exec is right.
     */
    private long scriptThroughMount(SyscallStop stop, Task task, PathCall call, Resolution r, String guestPath,
            PendingExit exit) throws PtraceException {
        String file = r.canonicalHostPath();
        long[] ids = file == null ? null : host.ownerAndMode(file);
        if (ids == null || (ids[2] & HostFiles.S_IFMT) != S_IFREG) {
            return ScriptExec.KERNEL; // (a fifo or a device is not even opened: the kernel refuses it)
        }
        byte[] head = new byte[ScriptExec.BINPRM_BUF_SIZE];
        int n = host.head(file, head);
        if (!ScriptExec.isScript(head, n)) {
            return ScriptExec.KERNEL;
        }
        jvuos.module.FileStat s = new jvuos.module.FileStat((int) ids[2], 0, 1, (int) ids[0], (int) ids[1], 0, 0, 0, 0,
                0, 0, 0);
        if (task.caller(stop.tid()).access(s, Caller.X_OK) != 0) {
            return ScriptExec.KERNEL; // the kernel refuses a script without its x bit before its interpreter is looked for
        }
        return scripts.exec(stop, task, call, guestPath, exit, head, n, stop.nr() == SYS_EXECVEAT ? 4 : -1, true);
    }

    /**
     * True when the kernel, given the guest's own arguments, does exactly what the view asks,
     * and this is known without a look at /proc: one name, not followed, relative to a directory
     * fd, that no mount point is named after. Then no symlink and no mount is in the way, and
     * the fd's kernel object is the directory the name is in: a host directory, or the host
     * directory a mount's module named when the fd was opened (modules today show host files).
     * It must still be looked at when the fd was opened through a mount and the call writes
     * (a read-only mount) or opens a directory (the new fd's view path is recorded: it may be
     * the start of later calls). This is a directory walk's fstatat(dirfd, name,
     * AT_SYMLINK_NOFOLLOW) and an archiver's openat(dirfd, name, O_NOFOLLOW), inside or
     * outside a mount.
     */
    private boolean kernelAlone(int tid, Task task, PathCall call, PathArg arg, long flags, String path, int dirfd) {
        if (call.has(PathCall.Effect.OPENS) && !devices.isEmpty()) {
            return false; // the name may be a node of a served device
        }
        if (arg.follows(flags) || dirfd == GuestPaths.AT_FDCWD || path.indexOf('/') >= 0 || path.equals("..")
                || path.equals(".") || mounts.hasPointNamed(path)) {
            return false;
        }
        // Every open through a mount and every dup of such an fd is recorded: an fd without a
        // record is a host directory. A served directory is no directory to the kernel (a held
        // one is, but the view's names in it are not the kernel's files), and a name a mount
        // leaves to what lies below it (except=) is not in the fd's host directory.
        Task.OpenFile dir = task.fds.open.get(dirfd);
        if (dir != null && (dir.servedByView() || excepted(dir.path(), path))) {
            return false;
        }
        if (dir == null) {
            // Unless it is a held directory without a record (received over a socket): the
            // kernel must not write in that.
            return !arg.writes(flags) || fdCalls.adoptHeld(tid, task, dirfd) == null;
        }
        if (!arg.writes(flags) && !call.has(PathCall.Effect.OPENS)) {
            return true;
        }
        if (arg.writes(flags) || (flags & PathArg.O_DIRECTORY) != 0) {
            return false;
        }
        // Only an fd on a directory is worth recording. (Should the record be stale, the fd is a
        // host directory, where the kernel is right anyway.)
        int mode = host.lstatMode(PathNames.child(dir.hostPath(), path));
        return mode < 0 || !isDirectory(mode);
    }

    /** True when the mount of the directory {@code dir} leaves its entry {@code name} to another (except=). */
    private boolean excepted(String dir, String name) {
        return mounts.owner(PathNames.child(dir, name), Integer.MAX_VALUE) != mounts.owner(dir, Integer.MAX_VALUE);
    }

    /**
     * The errno of a link, in the order the kernel finds them: the old name's lookup (its
     * symlink followed or not, as the call asks), the new name's directory, an existing or dot
     * new name (EEXIST), a new name asked for as a directory (ENOENT), the new name's read-only
     * mount (EROFS), two file systems (EXDEV), then any other refusal of the view. 0 when none.
     */
    private int linkErrno(Resolution[] resolved, int[] failures, int[] refusals, boolean twoFileSystems,
            String oldName, String newName, long flags) {
        if ((flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) != 0) {
            return Errno.EINVAL; // linkat checks its flags before any name
        }
        for (int i = 0; i < resolved.length; i++) {
            if (failures[i] != 0) {
                return failures[i];
            }
            Resolution r = resolved[i];
            if (r == null) {
                continue;
            }
            if (i == 0) {
                int mode = viewMode(r.path());
                if (mode < 0) {
                    return -mode;
                }
                if (PathNames.endsAsDirectory(oldName) && !isDirectory(mode)) {
                    return Errno.ENOTDIR; // "file/": the lookup wants a directory
                }
            }
            int parent = parentErrno(r);
            if (parent != 0) {
                return parent;
            }
        }
        if (resolved[1] != null) {
            if (PathNames.endsWithDot(newName) || viewMode(resolved[1].path()) >= 0) {
                return Errno.EEXIST;
            }
            if (newName.endsWith("/")) {
                return Errno.ENOENT; // a new name asked for as a directory, which link cannot make
            }
            if (refusals[1] != 0) {
                return refusals[1]; // the new name's mount is read-only: before EXDEV
            }
        }
        if (twoFileSystems) {
            return Errno.EXDEV;
        }
        return refusals[0];
    }

    /**
     * The errno of a rename (renameat2 {@code flags}), in the order the kernel's do_renameat2
     * and vfs_rename find them, so that the view's own answers (EXDEV, EROFS, EBUSY for a mount
     * point) come neither before nor after one the kernel would give first: the directories of
     * both names; two file systems; a dot name; a read-only mount; the old name missing;
     * RENAME_NOREPLACE onto an existing name, RENAME_EXCHANGE with a missing one; a trailing
     * slash on a non-directory; a directory moved below itself; a type mismatch
     * (EISDIR, ENOTDIR); then a mount point (EBUSY). 0 when none: the kernel does the rest.
     */
    private int renameErrno(Resolution[] resolved, jvuos.vfs.Mount[] fileSystems, int[] failures, int[] refusals,
            boolean twoFileSystems, String oldName, String newName, long flags) {
        boolean noReplace = (flags & RENAME_NOREPLACE) != 0;
        boolean exchange = (flags & RENAME_EXCHANGE) != 0;
        if ((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) != 0
                || (exchange && (flags & (RENAME_NOREPLACE | RENAME_WHITEOUT)) != 0)) {
            return Errno.EINVAL; // renameat2 checks its flags before any name
        }
        for (int i = 0; i < resolved.length; i++) {
            if (failures[i] != 0) {
                return failures[i];
            }
            int parent = resolved[i] == null ? 0 : parentErrno(resolved[i]);
            if (parent != 0) {
                return parent;
            }
        }
        if (twoFileSystems) {
            return Errno.EXDEV;
        }
        if (PathNames.endsWithDot(oldName)) {
            return Errno.EBUSY; // rename of "dir/." or "dir/.."
        }
        if (PathNames.endsWithDot(newName)) {
            return noReplace ? Errno.EEXIST : Errno.EBUSY;
        }
        Resolution from = resolved[0];
        Resolution to = resolved[1];
        if (from == null || to == null) {
            return firstRefusal(refusals); // an empty name: the kernel's ENOENT comes first
        }
        if (readOnly(fileSystems[0]) || readOnly(fileSystems[1])) {
            return Errno.EROFS; // (the mounts of the directories the names are in)
        }
        boolean fromMountPoint = mounts.mountedAt(from.path(), Integer.MAX_VALUE) != null;
        boolean toMountPoint = mounts.mountedAt(to.path(), Integer.MAX_VALUE) != null;
        if (!fromMountPoint && !toMountPoint) {
            // Nothing of the view's is left to place: the kernel finds the rest, permission
            // errors (EACCES, the sticky bit's EPERM) before the checks below among them.
            return firstRefusal(refusals);
        }
        int fromMode = viewMode(from.path());
        if (fromMode < 0) {
            return -fromMode;
        }
        int toMode = viewMode(to.path());
        if (noReplace && toMode >= 0) {
            return Errno.EEXIST;
        }
        if (exchange && toMode < 0) {
            return -toMode;
        }
        if (exchange && !isDirectory(toMode) && newName.endsWith("/")) {
            return Errno.ENOTDIR;
        }
        if (!isDirectory(fromMode) && (oldName.endsWith("/") || (!exchange && newName.endsWith("/")))) {
            return Errno.ENOTDIR;
        }
        if (from.path().equals(to.path())) {
            return 0; // a name renamed onto itself: nothing happens, and no error
        }
        if (PathNames.isWithin(to.path(), from.path())) {
            return Errno.EINVAL; // a directory moved below itself
        }
        if (PathNames.isWithin(from.path(), to.path())) {
            return exchange ? Errno.EINVAL : Errno.ENOTEMPTY;
        }
        if (toMode >= 0 && !exchange && isDirectory(toMode) != isDirectory(fromMode)) {
            return isDirectory(toMode) ? Errno.EISDIR : Errno.ENOTDIR;
        }
        return Errno.EBUSY; // a mount point (the new name, a mount point, always exists)
    }

    /** The first name's refusal, else the second's, else 0. */
    private static int firstRefusal(int[] refusals) {
        return refusals[0] != 0 ? refusals[0] : refusals[1];
    }

    /** The errno of looking up the directory a resolved name is in: missing, or no directory; 0 when it is one. */
    private int parentErrno(Resolution r) {
        int mode = viewMode(PathNames.parent(r.path()));
        if (mode < 0) {
            return -mode;
        }
        return isDirectory(mode) ? 0 : Errno.ENOTDIR;
    }

    private static boolean readOnly(jvuos.vfs.Mount m) {
        return m != null && m.readOnly();
    }

    private static boolean isDirectory(int mode) {
        return (mode & HostFiles.S_IFMT) == HostFiles.S_IFDIR;
    }

    /** rmdir, or unlinkat with AT_REMOVEDIR. */
    private static boolean removesDirectory(SyscallStop stop, PathCall call) {
        String name = call.syscall().name();
        return name.equals("rmdir") || (name.equals("unlinkat") && (stop.arg(2) & AT_REMOVEDIR) != 0);
    }

    /**
     * The file type and mode of a canonical path of the view (its last name not followed), from
     * the module that serves it, the host file its mount names, or the host file itself; or -errno.
     */
    private int viewMode(String path) {
        jvuos.vfs.Mount m = mounts.owner(path, Integer.MAX_VALUE);
        try {
            if (m != null && m.served()) {
                return m.lstat(path).mode();
            }
            return host.lstatMode(m == null ? path : m.hostPath(path));
        } catch (jvuos.module.VuException e) {
            return -e.errno();
        }
    }

    /** The file system a directory fd is in (null: the host), by its record if that still holds. */
    private jvuos.vfs.Mount fileSystemOf(int tid, Task task, int dirfd) {
        GuestPaths.Start dir = task.fds.open.containsKey(dirfd) ? paths.fd(tid, task, dirfd) : null;
        return dir == null ? null : mounts.owner(dir.path(), Integer.MAX_VALUE);
    }

    /** The flags a path rule looks at: an argument, or the flags of openat2's struct open_how. */
    private static long flags(SyscallStop stop, PathArg arg) {
        if (arg.flagsIndex() < 0) {
            return 0;
        }
        long value = stop.arg(arg.flagsIndex());
        if (arg.follow() != PathArg.Follow.OPEN_HOW) {
            return value;
        }
        return openHowField(stop, arg, 0);
    }

    /**
     * A u64 field of openat2's struct open_how (flags at 0, mode at 8, resolve at 16); 0 when
     * the struct is too small or unreadable (the kernel then fails the call).
     */
    static long openHowField(SyscallStop stop, PathArg arg, int offset) {
        if (stop.arg(arg.flagsIndex() + 1) < OPEN_HOW_SIZE) {
            return 0; // the kernel rejects the call (EINVAL)
        }
        byte[] field = new byte[8];
        if (stop.memory().read(stop.tid(), stop.arg(arg.flagsIndex()) + offset, field, 8) != 8) {
            return 0; // the kernel reports EFAULT
        }
        return java.nio.ByteBuffer.wrap(field).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /** Why a call on a path of a mount cannot be let through: an errno, or 0. */
    private int refusal(PathCall call, PathArg arg, long flags, long resolve, Resolution r, String guestPath,
            boolean removesDirectory) {
        if (arg.deniedErrno() != 0) {
            return arg.deniedErrno();
        }
        if (r.viaSymlink() && arg.follow() == PathArg.Follow.OPEN_HOW
                && (resolve & RESOLVE_NO_SYMLINKS) != 0) {
            return Errno.ELOOP; // the rewritten path has no symlink left for the kernel to refuse
        }
        if (call.has(PathCall.Effect.RENAMES)) {
            return 0; // a rename's EROFS and EBUSY come in the kernel's order from renameErrno
        }
        boolean mountPoint = call.has(PathCall.Effect.REMOVES) && mounts.mountedAt(r.path(), Integer.MAX_VALUE) != null
                && !PathNames.endsWithDot(guestPath);
        // Removing a name writes the directory it is in: a mount point is a name in
        // the file system above it.
        jvuos.vfs.Mount written = mountPoint ? mounts.owner(PathNames.parent(r.path()), Integer.MAX_VALUE) : r.mount();
        if (readOnly(written) && arg.writes(flags)) {
            return Errno.EROFS;
        }
        if (mountPoint) {
            // (A final "." or ".." the kernel refuses first, on the host path's "/.".) The kernel
            // looks at the type before the mount: unlink of a directory is EISDIR, rmdir of a
            // file ENOTDIR (a device a module serves may be mounted on a file).
            boolean directory = isDirectory(viewMode(r.path()));
            if (removesDirectory) {
                return directory ? Errno.EBUSY : Errno.ENOTDIR;
            }
            return directory ? Errno.EISDIR : Errno.EBUSY;
        }
        return 0;
    }

    /**
     * openat2's RESOLVE_NO_XDEV, RESOLVE_BENEATH and RESOLVE_IN_ROOT for a path that touches a
     * mount, applied in the view (the kernel gets a rewritten absolute host path, for which
     * they would mean something else): an errno, or 0. NO_XDEV refuses a path that leaves the
     * mount its start is in (EXDEV); BENEATH one that is absolute or ends outside its start
     * (EXDEV); IN_ROOT, whose "/" and ".." stay at the start (the path was made so before
     * it was resolved), is done for a path without symlinks, EOPNOTSUPP otherwise.
     */
    private int openat2Scope(long resolve, String path, GuestPaths.Start start, Resolution r) {
        if ((resolve & RESOLVE_NO_XDEV) != 0 && mounts.owner(start.path(), Integer.MAX_VALUE) != r.mount()) {
            return Errno.EXDEV;
        }
        if ((resolve & RESOLVE_BENEATH) != 0 && (path.startsWith("/") || !PathNames.isWithin(r.path(), start.path()))) {
            return Errno.EXDEV;
        }
        if ((resolve & RESOLVE_IN_ROOT) != 0 && r.viaSymlink()) {
            return Errno.EOPNOTSUPP; // a symlink's absolute target would start at the dirfd too
        }
        return 0;
    }

    /**
     * The kernel's copy of openat2's struct open_how when its path is rewritten: without the
     * resolve flags that the view has applied already (they would judge the host path).
     */
    private boolean openHowForHostPath(SyscallStop stop, PathArg arg, PendingExit exit) throws PtraceException {
        long size = Math.min(stop.arg(arg.flagsIndex() + 1), 4096);
        if (size < OPEN_HOW_SIZE) {
            return true; // the kernel refuses the call (EINVAL) anyway
        }
        byte[] how = new byte[(int) size];
        if (stop.memory().read(stop.tid(), stop.arg(arg.flagsIndex()), how, how.length) != how.length) {
            return true; // the kernel reports EFAULT
        }
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(how).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        long resolve = b.getLong(16);
        if ((resolve & VIEW_RESOLVE_FLAGS) == 0) {
            return true;
        }
        b.putLong(16, resolve & ~VIEW_RESOLVE_FLAGS);
        long address = stop.push(how);
        if (address == 0) {
            return false;
        }
        exit.setArg(stop, arg.flagsIndex(), address);
        return true;
    }

    /** True when the guest's own relative path, from the kernel's start directory, reaches the same host file. */
    private static boolean kernelResolvesAlike(Resolution r, GuestPaths.Start start) {
        if (!r.plain() || r.mount() == null) {
            return false;
        }
        try {
            return java.util.Objects.equals(r.mount().hostPath(start.path()), start.kernelDir());
        } catch (jvuos.module.VuException e) {
            return false;
        }
    }

    /**
     * Opens of /proc/PID/mounts and mountinfo get the host's lines followed by the view's, from
     * a memory file the guest opens through /proc/UMVU_PID/fd/N (closed at the call's exit).
     */
    private boolean serveProcMounts(SyscallStop stop, Resolution r, PendingExit exit) throws PtraceException {
        byte[] hostLines;
        try {
            hostLines = Files.readAllBytes(Path.of(r.path()));
        } catch (IOException e) {
            return false; // let the kernel answer (ENOENT for a pid that is gone)
        }
        String extra = r.path().endsWith("mountinfo")
                ? ProcMounts.mountinfo(mounts, firstId(hostLines))
                : ProcMounts.mounts(mounts);
        byte[] virtual = extra.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        byte[] content = new byte[hostLines.length + virtual.length];
        System.arraycopy(hostLines, 0, content, 0, hostLines.length);
        System.arraycopy(virtual, 0, content, hostLines.length, virtual.length);
        int fd = host.memoryFile("mounts", content);
        if (fd < 0) {
            return false;
        }
        exit.memoryFile = fd;
        PathArg arg = pathCalls.get().byNumber(stop.nr()).paths().get(0);
        if (!exit.setPathArg(stop, arg.index(), "/proc/" + ownPid + "/fd/" + fd)) {
            host.close(fd);
            exit.memoryFile = -1;
            return false;
        }
        if ((stop.arg(arg.flagsIndex()) & PathArg.O_NOFOLLOW) != 0) {
            // /proc/UMVU_PID/fd/N is a link the kernel must follow; the file itself is no link.
            exit.setArg(stop, arg.flagsIndex(), stop.arg(arg.flagsIndex()) & ~PathArg.O_NOFOLLOW);
        }
        return true;
    }

    /** The mount id on the first line of a mountinfo file: the root the view's mounts hang from. */
    private static int firstId(byte[] mountinfo) {
        int id = 0;
        for (byte b : mountinfo) {
            if (b < '0' || b > '9') {
                break;
            }
            id = id * 10 + (b - '0');
        }
        return id;
    }

    /** readlink(at) answered with a view path: its bytes, no NUL, cut to the buffer's size. */
    private static Resume answerReadlink(SyscallStop stop, PathArg arg, String viewPath) {
        long buffer = stop.arg(arg.index() + 1);
        int size = (int) stop.arg(arg.index() + 2); // the kernel's bufsiz is an int
        if (size <= 0) {
            return Dispatcher.skip(stop, -Errno.EINVAL);
        }
        byte[] bytes = HostFiles.bytes(viewPath);
        int n = Math.min(bytes.length - 1, size);
        if (stop.memory().write(stop.tid(), buffer, bytes, n) != n) {
            return Dispatcher.skip(stop, -Errno.EFAULT);
        }
        return Dispatcher.skip(stop, n);
    }

    /** The served device file an open reaches when its path is a node of a served device number, else null. */
    private Resolution servedDevice(Resolution r) {
        String host = r.canonicalHostPath();
        long[] node = host == null ? null : this.host.deviceNode(host);
        return node == null ? null : devices.find(node[0], node[1]);
    }

    /** A path call on a file a module serves: answered here, or (open, exec) rewritten for the kernel. */
    private Resume served(SyscallStop stop, Task task, PathCall call, Resolution[] resolved, String[] guestPaths,
            PendingExit exit, OpenDescription byFd) throws PtraceException {
        long result = servedPaths.serve(new ServedPathCalls.Call(stop, task, call, resolved, guestPaths, exit,
                byFd));
        if (result == ServedPathCalls.UNCHANGED && fdCalls.recordBeforehand(stop.tid(), task, 0,
                startFd(stop, call.paths().get(0), guestPaths[0]), exit.held)) {
            return Resume.RUN;
        }
        if (result != ServedPathCalls.REWRITTEN && result != ServedPathCalls.UNCHANGED) {
            log.debug("{} {}({}) served: {}", stop.tid(), call.syscall().name(), resolved[0].path(), result);
            return Dispatcher.skip(stop, result);
        }
        return exits.await(stop.tid(), exit);
    }

}
