package jvuos.dispatch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jvuos.host.HostFiles;
import jvuos.module.ProcessEvents;
import jvuos.errno.Errno;
import jvuos.ptrace.PtraceException;
import jvuos.seccomp.SeccompFilter;
import jvuos.syscall.PathArg;
import jvuos.syscall.PathCall;
import jvuos.syscall.PathCalls;
import jvuos.syscall.SyscallTable;
import jvuos.tracer.FilterControl;
import jvuos.tracer.SyscallHandler;
import jvuos.tracer.SyscallStop;
import jvuos.vfs.MountTable;
import jvuos.vfs.PathNames;
import jvuos.vfs.PathResolver;
import jvuos.vfs.Resolution;

/**
 * The hypervisor's dispatch: routes each intercepted syscall to the mount, module or VU
 * service it concerns, and answers it or lets the kernel run it on the host file a module
 * names.
 *
 * <p>Until the first mount the guest's filter stops only mount, umount2 and the VU calls.
 * The first mount grows every process's filter to the path-taking calls, getcwd and fchdir.
 * A path call is resolved in the view ({@link PathResolver}); when no step of it touched a
 * mount the kernel runs it unchanged (one stop, no exit stop); otherwise its path argument is
 * replaced by the host path the mount's module gives (written below the guest's stack) and
 * restored at the exit stop, where an fd or working directory it produced is recorded with
 * its view path.
 */
public final class Dispatcher implements SyscallHandler {
    private static final Logger log = LoggerFactory.getLogger("jvuos.dispatch");
    private static final int SYS_DUP = 32;
    private static final int SYS_FCNTL = 72;
    private static final int F_DUPFD = 0;
    private static final int F_DUPFD_CLOEXEC = 1030;
    private static final int SYS_GETCWD = 79;
    private static final int SYS_RENAMEAT2 = 316;
    private static final long RENAME_EXCHANGE = 2;
    private static final int SYS_FCHDIR = 81;
    private static final int SYS_MOUNT = 165;
    private static final int SYS_UMOUNT2 = 166;
    private static final long OPEN_HOW_SIZE = 24;
    private static final long RESOLVE_NO_SYMLINKS = 0x04;
    private static final long RESOLVE_NO_XDEV = 0x01;
    private static final long RESOLVE_BENEATH = 0x08;
    private static final long RESOLVE_IN_ROOT = 0x10;
    /** The resolve flags the view applies itself to a path that touches a mount. */
    private static final long VIEW_RESOLVE_FLAGS = RESOLVE_NO_XDEV | RESOLVE_BENEATH | RESOLVE_IN_ROOT;
    private static final int SYS_EXECVE = 59;
    private static final int SYS_UNSHARE = 272;
    private static final int S_IFREG = 0100000;
    private static final int SYS_EXECVEAT = 322;

    /** A call the dispatcher serves itself, whatever its arguments. */
    @FunctionalInterface
    private interface Service {
        SyscallHandler.Resume serve(SyscallStop stop, Task task) throws PtraceException;
    }

    /** Where the syscall table comes from; read at the first mount, which is when it is needed. */
    private final Supplier<SyscallTable> table;
    private PathCalls pathCalls;
    private final MountTable mounts = new MountTable();
    private final HostFiles host = new HostFiles();
    private final GuestPaths paths = new GuestPaths(host, new PathResolver(mounts, host, this::servedLinkTarget));
    private final Tasks tasks = new Tasks();
    private final VirtualFds virtualFds = new VirtualFds(host);
    private final DeviceNumbers devices = new DeviceNumbers();
    private final ModuleRegistry modules;
    private final SocketCalls sockets;
    private final ScriptExec scripts = new ScriptExec(paths);
    private final MountCalls mountCalls;
    private final ServedPathCalls servedPaths;
    private final ServedFdCalls servedFds;
    private final ServedMappings mappings = new ServedMappings(host);
    private final MmapCalls mmaps;
    private final FdCalls fdCalls;
    private final Map<Integer, Service> services = new HashMap<>();
    private final PendingExits exits = new PendingExits();
    private final int ownPid = ProcessHandle.current() == null ? 0 : (int) ProcessHandle.current().pid();
    private FilterControl filters;
    private boolean grown;
    private boolean grownForFds;

    /**
     * @param table       the syscall table, asked for only once something is mounted (a session
     *                    that mounts nothing does not read it at start-up)
     * @param userModules the directory of the user's module jars ({@code ~/.vu/modules})
     */
    public Dispatcher(Supplier<SyscallTable> table, Path userModules) {
        this.table = table;
        this.modules = new ModuleRegistry(userModules);
        this.mountCalls = new MountCalls(mounts, modules, paths, host, tasks, virtualFds, devices, this::firstMount);
        this.servedPaths = new ServedPathCalls(virtualFds, host, tasks, paths, ownPid, this::firstServedOpen);
        this.servedFds = new ServedFdCalls(servedPaths, mappings, this::servedFd, host);
        this.sockets = new SocketCalls(mounts, paths, () -> filters);
        this.mmaps = new MmapCalls(mappings, virtualFds, host, tasks, exits, ownPid, this::servedFd, () -> filters);
        this.fdCalls = new FdCalls(exits, paths, virtualFds, servedFds);
        services.put(SYS_MOUNT, (stop, task) -> skip(stop, mountCalls.mount(stop, task)));
        services.put(SYS_UMOUNT2, (stop, task) -> skip(stop, mountCalls.umount(stop, task)));
        services.put(VuCalls.INSMOD, (stop, task) -> skip(stop, mountCalls.insmod(stop)));
        services.put(VuCalls.RMMOD, (stop, task) -> skip(stop, mountCalls.rmmod(stop)));
        services.put(VuCalls.LSMOD, (stop, task) -> skip(stop, mountCalls.lsmod(stop)));
        services.put(VuCalls.LSMOUNT, (stop, task) -> skip(stop, mountCalls.lsmount(stop)));
        services.put(SYS_GETCWD, fdCalls::getcwd);
        services.put(SYS_UNSHARE, (stop, task) -> {
            if ((stop.arg(0) & (jvuos.tracer.CloneFlags.FS | jvuos.tracer.CloneFlags.FILES)) == 0) {
                return Resume.RUN;
            }
            PendingExit exit = new PendingExit();
            exit.unshared = stop.arg(0);
            return awaitExit(stop, exit);
        });
        // Until a served file is open the filter stops at fcntl only for F_DUPFD and
        // F_DUPFD_CLOEXEC (see mountedArgRules); then at every fcntl.
        for (int dup : new int[] {SYS_DUP, FdCalls.SYS_DUP2, FdCalls.SYS_DUP3}) {
            services.put(dup, fdCalls::dup);
        }
        servedFds.syscalls().stream().forEach(nr -> services.put(nr, fdCalls::fdCall));
        services.put(SYS_FCNTL, (stop, task) -> stop.arg(1) == F_DUPFD || stop.arg(1) == F_DUPFD_CLOEXEC
                ? fdCalls.dup(stop, task) : fdCalls.fdCall(stop, task));
        services.put(SYS_FCHDIR, fdCalls::fchdir);
        services.put(ServedFdCalls.SYS_CLOSE_RANGE, fdCalls::closeRange);
        services.put(ServedMappings.SYS_MMAP, mmaps::mmap);
        services.put(VuCalls.MSOCKET, (stop, task) -> awaitExit(stop, sockets.msocket(stop, task)));
        services.put(SocketCalls.SYS_SOCKET, (stop, task) -> awaitExit(stop, sockets.socket(stop, task)));
        services.put(ServedMappings.SYS_MUNMAP, mmaps::munmap);
        services.put(ServedMappings.SYS_MSYNC, mmaps::msync);
    }

    /** The calls every guest process stops at from the start: mount, umount2 and the VU calls. */
    public static BitSet initialSyscalls() {
        BitSet set = new BitSet();
        set.set(SYS_MOUNT);
        set.set(SYS_UMOUNT2);
        set.set(VuCalls.INSMOD, VuCalls.MSOCKET + 1);
        return set;
    }

    /** The calls that stop once something is mounted. */
    private BitSet mountedSyscalls() {
        BitSet set = pathCalls().numbers();
        set.set(SYS_GETCWD);
        set.set(SYS_FCHDIR);
        set.set(SYS_UNSHARE);
        set.set(SYS_DUP);
        set.set(FdCalls.SYS_DUP2);
        set.set(FdCalls.SYS_DUP3);
        return set;
    }

    /** fcntl stops only when it duplicates an fd (find, for one, calls it for much else). */
    private static List<SeccompFilter.ArgRule> mountedArgRules() {
        return List.of(new SeccompFilter.ArgRule(SYS_FCNTL, 1, List.of(F_DUPFD, F_DUPFD_CLOEXEC)));
    }

    @Override
    public void attached(FilterControl filters) {
        this.filters = filters;
    }

    /** At the first open of a served file: every process stops at the fd calls from then on. */
    private void firstServedOpen() {
        if (!grownForFds) {
            grownForFds = true;
            BitSet fdCalls = servedFds.syscalls();
            fdCalls.set(ServedMappings.SYS_MMAP);
            filters.traceAlso(fdCalls, List.of());
        }
    }

    private void firstMount() {
        if (!grown) {
            grown = true; // filters stack: a second copy of the same one would only cost time
            filters.traceAlso(mountedSyscalls(), mountedArgRules());
        }
    }

    @Override
    public Resume onSyscallEntry(SyscallStop stop) throws PtraceException {
        if (!stop.nativeAbi()) {
            return Resume.RUN;
        }
        PendingExit steps = exits.peek(stop.tid());
        if (steps != null && steps.mmap != null && steps.mmap.isNextStep(stop)) {
            return Resume.RUN_AND_REPORT_EXIT; // the next step of an mmap of a served file
        }
        Service service = services.get(stop.nr());
        if (service != null) {
            return service.serve(stop, tasks.get(stop.tid()));
        }
        if (mounts.isEmpty()) {
            return Resume.RUN;
        }
        PathCall call = pathCalls().byNumber(stop.nr());
        return call == null ? Resume.RUN : pathCall(stop, tasks.get(stop.tid()), call);
    }

    private PathCalls pathCalls() {
        if (pathCalls == null) {
            pathCalls = PathCalls.x86_64(table.get());
        }
        return pathCalls;
    }

    /** Skips the call: the guest goes on with {@code result} as its result. */
    static Resume skip(SyscallStop stop, long result) {
        stop.skip(result);
        return Resume.RUN;
    }

    private Resume pathCall(SyscallStop stop, Task task, PathCall call) throws PtraceException {
        int tid = stop.tid();
        List<PathArg> args = call.paths();
        Resolution[] resolved = new Resolution[args.size()];
        GuestPaths.Start[] starts = new GuestPaths.Start[args.size()];
        // Which file system each path is in (null: the host), for rename and link.
        jvuos.vfs.Mount[] fileSystems = new jvuos.vfs.Mount[args.size()];
        boolean[] placed = new boolean[args.size()];
        String[] guestPaths = new String[args.size()];
        boolean touches = false;
        OpenDescription byFd = null; // the description the first path names by its fd, if it does
        for (int i = 0; i < args.size(); i++) {
            PathArg arg = args.get(i);
            long address = stop.arg(arg.index());
            int dirfd = arg.dirfdIndex() < 0 ? GuestPaths.AT_FDCWD : (int) stop.arg(arg.dirfdIndex());
            String path = address == 0 ? "" : stop.memory().readPath(tid, address);
            if (path == null) {
                return Resume.RUN; // the kernel reports EFAULT or ENAMETOOLONG itself
            }
            long flags = flags(stop, arg);
            if (address == 0 || (path.isEmpty() && arg.emptyPathAllowed(flags))) {
                // utimensat(fd, NULL, ...) or AT_EMPTY_PATH: the call acts on the fd itself.
                OpenDescription d = fdCalls.servedFd(tid, task, dirfd);
                if (d != null) {
                    byFd = i == 0 ? d : byFd;
                    resolved[i] = ServedPathCalls.resolutionOf(task.fds.open.get(dirfd), d);
                    guestPaths[i] = "";
                    fileSystems[i] = d.mount;
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
                resolved[i] = ServedPathCalls.resolutionOf(linked.fds.open.get(fdLink[1]), viaLink);
                byFd = i == 0 ? viaLink : byFd;
                fileSystems[i] = viaLink.mount;
                placed[i] = true;
                touches = true;
                continue;
            }
            if (path.isEmpty() || kernelAlone(task, call, arg, flags, path, dirfd)) {
                // AT_EMPTY_PATH (the dirfd itself), ENOENT (the kernel's answer), or a name the
                // kernel finds alike. rename and link still compare file systems.
                if (args.size() == 2 && (!path.isEmpty() || arg.emptyPathAllowed(flags))) {
                    fileSystems[i] = fileSystemOf(tid, task, dirfd);
                    placed[i] = true;
                }
                continue;
            }
            if (arg.follow() == PathArg.Follow.OPEN_HOW && (openHowField(stop, arg, 16) & RESOLVE_IN_ROOT) != 0) {
                path = PathNames.withinRoot(path); // RESOLVE_IN_ROOT: "/" is the dirfd, ".." stops there
            }
            GuestPaths.Start start = paths.start(tid, task, path, dirfd);
            if (start == null) {
                return Resume.RUN; // a bad dirfd: the kernel says EBADF or ENOTDIR
            }
            Resolution r = paths.resolve(new PathResolver.Request(path, start.path(), arg.follows(flags),
                    arg.follow() == PathArg.Follow.NAME, false, Integer.MAX_VALUE, task.tgid, tid));
            if (r.failed()) {
                // Outside every mount the kernel's own answer is the one to give (its limits,
                // a path longer than PATH_MAX once made absolute, are not the resolver's).
                return r.touchesMount() ? skip(stop, -r.errno()) : Resume.RUN;
            }
            if (r.touchesMount()) {
                int refused = refusal(stop, call, arg, flags, r);
                if (refused == 0 && arg.follow() == PathArg.Follow.OPEN_HOW) {
                    refused = openat2Scope(openHowField(stop, arg, 16), path, start, r);
                }
                if (refused != 0) {
                    log.debug("{} {}({}) refused: errno {}", tid, call.syscall().name(), r.path(), refused);
                    return skip(stop, -refused);
                }
            }
            resolved[i] = r;
            starts[i] = start;
            fileSystems[i] = r.mount();
            placed[i] = true;
            touches |= r.touchesMount();
        }
        if (call.has(PathCall.Effect.RENAMES)) {
            tasks.forgetHostCwds();
        }
        if (args.size() == 2 && placed[0] && placed[1] && fileSystems[0] != fileSystems[1]) {
            return skip(stop, -Errno.EXDEV); // a rename or link between two file systems
        }
        boolean served = false;
        for (int i = 0; i < args.size(); i++) {
            served |= resolved[i] != null && resolved[i].served();
        }
        if (served && args.size() == 2 && (!placed[0] || !placed[1])) {
            return skip(stop, -Errno.ENOENT); // the other path is empty: the kernel's answer
        }
        PendingExit exit = new PendingExit();
        if (call.has(PathCall.Effect.OPENS) && !devices.isEmpty() && resolved[0] != null && !resolved[0].served()) {
            Resolution device = servedDevice(resolved[0]);
            if (device != null) {
                resolved[0] = device;
            }
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
                    return skip(stop, script);
                }
                exits.push(tid, exit);
                return Resume.RUN_AND_REPORT_EXIT;
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
                        return skip(stop, -Errno.EFAULT);
                    }
                }
            }
            if (call.has(PathCall.Effect.OPENS)) {
                exit.opened = resolved[0];
            }
            if (call.has(PathCall.Effect.RENAMES) && resolved[0] != null && resolved[1] != null) {
                exit.renamedFrom = resolved[0];
                exit.renamedTo = resolved[1];
                exit.exchanged = stop.nr() == SYS_RENAMEAT2 && (stop.arg(4) & RENAME_EXCHANGE) != 0;
            }
        }
        if (exit.savedArgs.isEmpty() && exit.opened == null && exit.newCwd == null && exit.renamedFrom == null
                && exit.exe == null) {
            return Resume.RUN;
        }
        exits.push(tid, exit);
        return Resume.RUN_AND_REPORT_EXIT;
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
        if (Caller.of(stop.tid()).access(s, Caller.X_OK) != 0) {
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
    private boolean kernelAlone(Task task, PathCall call, PathArg arg, long flags, String path, int dirfd) {
        if (call.has(PathCall.Effect.OPENS) && !devices.isEmpty()) {
            return false; // the name may be a node of a served device
        }
        if (arg.follows(flags) || dirfd == GuestPaths.AT_FDCWD || path.indexOf('/') >= 0 || path.equals("..")
                || path.equals(".") || mounts.hasPointNamed(path)) {
            return false;
        }
        // Every open through a mount and every dup of such an fd is recorded: an fd without a
        // record is a host directory. A served directory is no directory to the kernel.
        Task.OpenFile dir = task.fds.open.get(dirfd);
        if (dir != null && dir.served() != null) {
            return false;
        }
        if (dir == null || (!arg.writes(flags) && !call.has(PathCall.Effect.OPENS))) {
            return true;
        }
        if (arg.writes(flags) || (flags & PathArg.O_DIRECTORY) != 0) {
            return false;
        }
        // Only an fd on a directory is worth recording. (Should the record be stale, the fd is a
        // host directory, where the kernel is right anyway.)
        int mode = host.lstatMode(PathNames.child(dir.hostPath(), path));
        return mode < 0 || (mode & HostFiles.S_IFMT) != HostFiles.S_IFDIR;
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

    /** A u64 field of openat2's struct open_how (flags at 0, resolve at 16); 0 when unreadable (the kernel then fails the call). */
    private static long openHowField(SyscallStop stop, PathArg arg, int offset) {
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
    private int refusal(SyscallStop stop, PathCall call, PathArg arg, long flags, Resolution r) {
        if (arg.deniedErrno() != 0) {
            return arg.deniedErrno();
        }
        if (r.viaSymlink() && arg.follow() == PathArg.Follow.OPEN_HOW
                && (openHowField(stop, arg, 16) & RESOLVE_NO_SYMLINKS) != 0) {
            return Errno.ELOOP; // the rewritten path has no symlink left for the kernel to refuse
        }
        if (r.mount() != null && r.mount().readOnly() && arg.writes(flags)) {
            return Errno.EROFS;
        }
        if (call.has(PathCall.Effect.REMOVES) && mounts.mountedAt(r.path(), Integer.MAX_VALUE) != null) {
            return Errno.EBUSY;
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
        PathArg arg = pathCalls().byNumber(stop.nr()).paths().get(0);
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
            return skip(stop, -Errno.EINVAL);
        }
        byte[] bytes = HostFiles.bytes(viewPath);
        int n = Math.min(bytes.length - 1, size);
        if (stop.memory().write(stop.tid(), buffer, bytes, n) != n) {
            return skip(stop, -Errno.EFAULT);
        }
        return skip(stop, n);
    }

    /** The description of a served file that the guest's fd holds, or null ({@link FdCalls#servedFd}). */
    private OpenDescription servedFd(int tid, Task task, int fd) {
        return fdCalls.servedFd(tid, task, fd);
    }

    /** The served device file an open reaches when its path is a node of a served device number, else null. */
    private Resolution servedDevice(Resolution r) {
        String host = r.canonicalHostPath();
        long[] node = host == null ? null : this.host.deviceNode(host);
        return node == null ? null : devices.find(node[0], node[1]);
    }

    /** The view path a /proc/PID/fd/N or cwd link of a guest thread leads to, when a module serves it. */
    private String servedLinkTarget(String link) {
        String target = ProcLinks.viewTarget(link, tasks, paths, true);
        if (target == null) {
            return null;
        }
        jvuos.vfs.Mount m = mounts.owner(target, Integer.MAX_VALUE);
        return m != null && m.served() ? target : null;
    }

    /** RUN when there is no exit to see, else the exit pushed and RUN_AND_REPORT_EXIT. */
    private Resume awaitExit(SyscallStop stop, PendingExit exit) {
        if (exit == null) {
            return Resume.RUN;
        }
        exits.push(stop.tid(), exit);
        return Resume.RUN_AND_REPORT_EXIT;
    }

    /** A path call on a file a module serves: answered here, or (open, exec) rewritten for the kernel. */
    private Resume served(SyscallStop stop, Task task, PathCall call, Resolution[] resolved, String[] guestPaths,
            PendingExit exit, OpenDescription byFd) throws PtraceException {
        long result = servedPaths.serve(new ServedPathCalls.Call(stop, task, call, resolved, guestPaths, exit,
                Caller.of(stop.tid()), byFd));
        if (result != ServedPathCalls.REWRITTEN) {
            log.debug("{} {}({}) served: {}", stop.tid(), call.syscall().name(), resolved[0].path(), result);
            return skip(stop, result);
        }
        exits.push(stop.tid(), exit);
        return Resume.RUN_AND_REPORT_EXIT;
    }

    @Override
    public void onSyscallExit(SyscallStop stop) throws PtraceException {
        PendingExit exit = exits.pop(stop.tid());
        if (exit == null) {
            return;
        }
        if (!(exit.exec && stop.returnValue() == 0)) {
            // (after an exec the registers are the new program's: nothing of the old call is left)
            for (long[] saved : exit.savedArgs) {
                stop.setArg((int) saved[0], saved[1]);
            }
        }
        if (exit.handedOver >= 0 && SyscallStop.interruptedBySignal(stop.returnValue())) {
            // A signal ended the wait for the socket: the guest's own call is made again (or
            // fails with EINTR), dispatched afresh; this socket is not for it.
            stop.interruptedAtExit(exit.handedOver);
            filters.fdHandover().forget(stop.tid());
            return;
        }
        if (exit.mmap != null) {
            mmaps.step(stop, exit);
            return;
        }
        if (exit.unmapped != null && stop.returnValue() == 0) {
            mmaps.unmapped(stop, exit);
        }
        if (exit.parked >= 0) {
            if (SyscallStop.interruptedBySignal(stop.returnValue())) {
                stop.interruptedAtExit(exit.parked);
            } else {
                stop.repeatAtExit(exit.parked);
            }
            return;
        }
        if (exit.collect) {
            virtualFds.collect();
        }
        if (exit.memoryFile >= 0) {
            host.close(exit.memoryFile);
        }
        long result = stop.returnValue();
        if (exit.served != null && result < 0) {
            virtualFds.failed(exit.served);
        }
        if (result < 0) {
            return;
        }
        Task task = tasks.get(stop.tid());
        if (exit.exe != null && result == 0) {
            String link = paths.kernelLink("/proc/" + task.tgid + "/exe");
            if (link != null && (exit.exeKernel == null || link.equals(exit.exeKernel))) {
                task.proc.exe = exit.exe;
                task.proc.exeKernel = link;
            }
        }
        if (exit.served != null) {
            virtualFds.opened(exit.served);
            task.fds.open.put((int) result, new Task.OpenFile(exit.servedPath, exit.served.identity, exit.served));
        }
        if (exit.unshared != 0) {
            // unshare(CLONE_FS / CLONE_FILES): the thread's cwd or fd table is its own from now on.
            if ((exit.unshared & jvuos.tracer.CloneFlags.FS) != 0) {
                task.fs = task.fs.copy();
            }
            if ((exit.unshared & jvuos.tracer.CloneFlags.FILES) != 0) {
                task.fds = task.fds.copy();
            }
        }
        if (exit.dupOf >= 0) {
            Task.OpenFile original = task.fds.open.get(exit.dupOf);
            if (original != null) {
                task.fds.open.put((int) result, original);
            } else {
                task.fds.open.remove((int) result);
            }
        }
        if (exit.opened != null) {
            task.fds.open.put((int) result,
                    new Task.OpenFile(exit.opened.path(), exit.opened.canonicalHostPath()));
        }
        if (exit.renamedFrom != null) {
            tasks.moved(exit.renamedFrom.path(), exit.renamedTo.path(), exit.renamedFrom.canonicalHostPath(),
                    exit.renamedTo.canonicalHostPath(), exit.exchanged);
        }
        if (exit.newCwd != null) {
            task.fs.set(exit.newCwd.path(), exit.newCwd.kernelDir());
            log.debug("{} cwd {} (host {})", stop.tid(), task.fs.cwd, task.fs.cwdHost);
        }
    }

    @Override
    public void onClone(int parentTid, int childTid, long flags) {
        tasks.cloned(parentTid, childTid, flags);
        tellModules(m -> m.started(parentTid, childTid, (flags & jvuos.tracer.CloneFlags.THREAD) != 0));
        if ((flags & jvuos.tracer.CloneFlags.VM) == 0) {
            mappings.forked(tasks.get(parentTid).tgid, childTid);
        }
    }

    @Override
    public void onExec(int pid, int formerTid) {
        if (formerTid != pid) {
            // The old leader is gone without a report of its own; the exec'ing thread takes its id.
            exits.removeAll(pid).forEach(this::abandon);
            exits.move(formerTid, pid);
        }
        // The steps of an mmap that a signal handler's exec interrupted belong to the old program.
        exits.removeIf(pid, e -> e.mmap != null, this::abandon);
        tasks.execed(pid, formerTid);
        tellModules(m -> m.execed(pid));
        mappings.processGone(pid); // a new program: the old memory is gone
        forgetUnused();
    }

    @Override
    public void onThreadGone(int tid) {
        exits.removeAll(tid).forEach(this::abandon);
        if (filters != null && filters.fdHandover() != null) {
            filters.fdHandover().forget(tid); // a socket it was to take
        }
        Task task = tasks.find(tid);
        if (task != null && task.tgid == tid) {
            mappings.processGone(tid); // the thread group leader ends last
        }
        tasks.gone(tid);
        forgetUnused();
        tellModules(m -> m.ended(tid));
    }

    /** Tells the loaded modules that implement {@link ProcessEvents} of a process event; a failure costs only its module. */
    private void tellModules(java.util.function.Consumer<ProcessEvents> event) {
        for (jvuos.module.VuModule m : modules.loaded()) {
            if (m instanceof ProcessEvents listener) {
                try {
                    event.accept(listener);
                } catch (RuntimeException | LinkageError e) {
                    log.warn("module {} failed: {}", jvuos.vfs.ModuleCalls.nameOf(m), e.toString());
                }
            }
        }
    }

    /** What a pending exit holds, let go of: its thread will never reach that exit. */
    private void abandon(PendingExit exit) {
        if (exit.memoryFile >= 0) {
            host.close(exit.memoryFile);
        }
        if (exit.served != null) {
            virtualFds.failed(exit.served);
        }
        if (exit.mmap != null) {
            mmaps.done(exit.mmap);
        }
    }

    /** Drops the shadows no process maps and closes the descriptions no guest fd holds. */
    private void forgetUnused() {
        mappings.dropUnmapped();
        if (!virtualFds.isEmpty()) {
            virtualFds.collect(); // close-on-exec fds and those of a process that ended are gone
        }
    }
}
