package jvuos.dispatch;

import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jvuos.host.HostFiles;
import jvuos.module.ProcessEvents;
import jvuos.ptrace.PtraceException;
import jvuos.seccomp.SeccompFilter;
import jvuos.syscall.PathCall;
import jvuos.syscall.PathCalls;
import jvuos.syscall.SyscallTable;
import jvuos.tracer.FilterControl;
import jvuos.tracer.SyscallHandler;
import jvuos.tracer.SyscallStop;
import jvuos.vfs.MountTable;
import jvuos.vfs.PathResolver;

/**
 * The hypervisor's dispatch: routes each intercepted syscall to the mount, module or VU
 * service it concerns, and answers it or lets the kernel run it on the host file a module
 * names.
 *
 * <p>Until the first mount the guest's filter stops only mount, umount2, unshare and the VU calls.
 * The first mount grows every process's filter to the path-taking calls, getcwd and fchdir;
 * the first open of a served file to the fd calls. A call goes to its service: a path call to
 * {@link PathCallRouting} (resolved in the view by {@link PathResolver}), an fd call to
 * {@link FdCalls}, mmap to {@link MmapCalls}, socket and msocket to {@link SocketCalls},
 * mount and the VU calls to {@link MountCalls}. What a call left for its exit stop (a
 * {@link PendingExit}) is done here: registers put back, fds and working directories
 * recorded with their view paths; and clone, exec and the end of a thread keep the records
 * in step.
 */
public final class Dispatcher implements SyscallHandler {
    private static final Logger log = LoggerFactory.getLogger("jvuos.dispatch");
    private static final int SYS_DUP = 32;
    private static final int SYS_FCNTL = 72;
    private static final int F_DUPFD = 0;
    private static final int F_DUPFD_CLOEXEC = 1030;
    private static final int F_GETFL = 3;
    private static final int F_SETFL = 4;
    private static final int F_SETPIPE_SZ = 1031;
    private static final int F_GETPIPE_SZ = 1032;
    private static final int SYS_UMASK = 95;
    /**
     * The calls that change a thread's ids or umask, which served calls keep (Task.caller):
     * umask, setuid, setgid, setreuid, setregid, setgroups, setresuid, setresgid, setfsuid, setfsgid.
     */
    private static final int[] CREDENTIAL_CALLS = {SYS_UMASK, 105, 106, 113, 114, 116, 117, 119, 122, 123};
    private static final int SYS_GETCWD = 79;
    private static final int SYS_FCHDIR = 81;
    private static final int SYS_MOUNT = 165;
    private static final int SYS_UMOUNT2 = 166;
    private static final int SYS_UNSHARE = 272;
    private static final int SYS_IO_URING_SETUP = 425;
    private static final long CLONE_NEWNS = 0x20000;
    private static final long CLONE_NEWUSER = 0x10000000;

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
    private final MountCalls mountCalls;
    private final ServedPathCalls servedPaths;
    private final ServedFdCalls servedFds;
    private final ServedMappings mappings = new ServedMappings(host);
    private final MmapCalls mmaps;
    private final FdCalls fdCalls;
    private final PathCallRouting pathRouting;
    /** The service of each syscall number that has one, by number: looked up at every stop. */
    private final Service[] services = new Service[VuCalls.MSOCKET + 1];
    private final PendingExits exits = new PendingExits();
    private final int ownPid = ProcessHandle.current() == null ? 0 : (int) ProcessHandle.current().pid();
    private FilterControl filters;
    private boolean grown;
    private boolean grownForFds;
    private boolean grownForClose;
    private boolean grownForHeld;
    private boolean grownForHeldGetdents;
    private boolean grownForHeldListing;

    /**
     * @param table       the syscall table, asked for only once something is mounted (a session
     *                    that mounts nothing does not read it at start-up)
     * @param userModules the directory of the user's module jars ({@code ~/.vu/modules})
     */
    public Dispatcher(Supplier<SyscallTable> table, Path userModules) {
        this.table = table;
        this.modules = new ModuleRegistry(userModules);
        StackSockets stackSockets = new StackSockets(host, tasks::processes);
        this.mountCalls = new MountCalls(mounts, modules, paths, host, tasks, virtualFds, devices, stackSockets, this::firstMount);
        this.servedPaths = new ServedPathCalls(virtualFds, host, tasks, paths, ownPid, this::servedOpen, this::heldOpen,
                this::servedChange);
        this.servedFds = new ServedFdCalls(servedPaths, mappings, this::servedFd, host);
        this.sockets = new SocketCalls(mounts, paths, stackSockets, () -> filters);
        this.mmaps = new MmapCalls(mappings, virtualFds, host, tasks, exits, ownPid, this::servedFd, () -> filters);
        HeldDirectoryCalls heldDirectories = new HeldDirectoryCalls(servedPaths, host, paths, mounts, this::heldListed);
        this.fdCalls = new FdCalls(exits, paths, virtualFds, servedFds, heldDirectories, tasks, host);
        this.pathRouting = new PathCallRouting(this::pathCalls, mounts, host, paths, tasks, exits, servedPaths, fdCalls,
                devices, ownPid);
        serve(SYS_MOUNT, (stop, task) -> skip(stop, mountCalls.mount(stop, task)));
        serve(SYS_UMOUNT2, (stop, task) -> skip(stop, mountCalls.umount(stop, task)));
        serve(VuCalls.INSMOD, (stop, task) -> skip(stop, mountCalls.insmod(stop)));
        serve(VuCalls.RMMOD, (stop, task) -> skip(stop, mountCalls.rmmod(stop)));
        serve(VuCalls.LSMOD, (stop, task) -> skip(stop, mountCalls.lsmod(stop)));
        serve(VuCalls.LSMOUNT, (stop, task) -> skip(stop, mountCalls.lsmount(stop)));
        serve(SYS_GETCWD, fdCalls::getcwd);
        serve(SYS_UNSHARE, (stop, task) -> {
            long flags = stop.arg(0);
            if ((flags & (CLONE_NEWNS | CLONE_NEWUSER)) != 0) {
                flags |= jvuos.tracer.CloneFlags.FS; // the kernel unshares the cwd with them
            }
            if ((flags & (jvuos.tracer.CloneFlags.FS | jvuos.tracer.CloneFlags.FILES)) == 0) {
                return Resume.RUN;
            }
            PendingExit exit = new PendingExit();
            exit.unshared = flags;
            return exits.await(stop.tid(), exit);
        });
        serve(SYS_IO_URING_SETUP, (stop, task) -> {
            task.fds.ringed = true; // from now on no fd can be foreseen in this table (FdCalls.recordBeforehand)
            return Resume.RUN;
        });
        // Until a served file is open the filter stops at fcntl only for F_DUPFD and
        // F_DUPFD_CLOEXEC (see mountedArgRules); then also for what served files answer.
        for (int dup : new int[] {SYS_DUP, FdCalls.SYS_DUP2, FdCalls.SYS_DUP3}) {
            serve(dup, fdCalls::dup);
        }
        servedFds.syscalls().stream().forEach(nr -> serve(nr, fdCalls::fdCall));
        serve(SYS_FCNTL, (stop, task) -> stop.arg(1) == F_DUPFD || stop.arg(1) == F_DUPFD_CLOEXEC
                ? fdCalls.dup(stop, task) : fdCalls.fdCall(stop, task));
        serve(SYS_FCHDIR, fdCalls::fchdir);
        for (int nr : CREDENTIAL_CALLS) {
            serve(nr, (stop, task) -> {
                if (nr == SYS_UMASK) {
                    tasks.umaskChanged(task);
                } else {
                    task.credentialsMayChange();
                }
                return Resume.RUN;
            });
        }
        serve(ServedFdCalls.SYS_CLOSE_RANGE, fdCalls::closeRange);
        serve(ServedMappings.SYS_MMAP, mmaps::mmap);
        serve(VuCalls.MSOCKET, (stop, task) -> exits.await(stop.tid(), sockets.msocket(stop, task)));
        serve(SocketCalls.SYS_SOCKET, (stop, task) -> exits.await(stop.tid(), sockets.socket(stop, task)));
        serve(ServedMappings.SYS_MUNMAP, mmaps::munmap);
        serve(ServedMappings.SYS_MSYNC, mmaps::msync);
    }

    private void serve(int nr, Service service) {
        services[nr] = service;
    }

    /** The calls every guest process stops at from the start: mount, umount2, the VU calls, and the rare unshare and io_uring_setup. */
    public static BitSet initialSyscalls() {
        BitSet set = new BitSet();
        set.set(SYS_MOUNT);
        set.set(SYS_UMOUNT2);
        set.set(SYS_UNSHARE); // rare, and the records it splits must be split from the start
        set.set(SYS_IO_URING_SETUP); // rare, and a ring made before the first mount makes fds after it
        set.set(VuCalls.INSMOD, VuCalls.MSOCKET + 1);
        return set;
    }

    /**
     * The calls that stop once something is mounted (with the rare ones that change the ids
     * and umask that served calls keep, {@link #CREDENTIAL_CALLS}).
     */
    private BitSet mountedSyscalls() {
        BitSet set = pathCalls().numbers();
        for (int nr : CREDENTIAL_CALLS) {
            set.set(nr);
        }
        set.set(SYS_GETCWD);
        set.set(SYS_FCHDIR);
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

    /**
     * At an open of a served file. At the first, every process stops at the fd calls from then
     * on, and at fcntl only for what the open description answers ({@link #servedArgRules}).
     * close stops only once a stream has been open (a pollable or unseekable file: a fifo, a
     * socket, a device): only such a file must hear of a close at once (its reader waits for
     * the writer's); any other description no guest fd holds any more is closed at the next
     * served open, exec, exit or unmount, and a directory walk closes every directory it opened.
     */
    private void servedOpen(OpenDescription d) {
        if (!grownForFds) {
            grownForFds = true;
            BitSet fdCalls = servedFds.syscalls();
            fdCalls.set(ServedMappings.SYS_MMAP);
            fdCalls.clear(SYS_FCNTL);
            fdCalls.clear(ServedFdCalls.SYS_CLOSE);
            filters.traceAlso(fdCalls, servedArgRules());
        }
        if ((d.pollable || !d.seekable && !d.directory) && !grownForClose) {
            grownForClose = true;
            BitSet close = new BitSet();
            close.set(ServedFdCalls.SYS_CLOSE);
            filters.traceAlso(close, List.of());
        }
    }

    /**
     * At an open of a held directory: at the first, the fd calls it answers stop from then on;
     * getdents and lseek too at the first whose listing is served from the start.
     */
    private void heldOpen(HeldDirectory held) {
        if (!grownForHeld && !grownForFds) { // (a served file's fd calls include these)
            grownForHeld = true;
            filters.traceAlso(HeldDirectoryCalls.syscalls(), List.of());
        }
        if (held.listing != null && !held.pathOnly) {
            heldListed();
        }
    }

    /** A served file system changed: a held directory's getdents must ask whether it still lists as the view. */
    private void servedChange() {
        if (grownForHeld && !grownForHeldGetdents && !grownForFds) {
            grownForHeldGetdents = true;
            filters.traceAlso(HeldDirectoryCalls.getdentsSyscalls(), List.of());
        }
    }

    /** A held directory's listing is served: getdents and lseek stop from then on. */
    private void heldListed() {
        if (!grownForHeldListing && !grownForFds) {
            grownForHeldListing = grownForHeldGetdents = true;
            filters.traceAlso(HeldDirectoryCalls.listingSyscalls(), List.of());
        }
    }

    /** fcntl stops for what a served description answers: its status flags, and no pipe size. */
    private static List<SeccompFilter.ArgRule> servedArgRules() {
        return List.of(new SeccompFilter.ArgRule(SYS_FCNTL, 1,
                List.of(F_DUPFD, F_DUPFD_CLOEXEC, F_GETFL, F_SETFL, F_SETPIPE_SZ, F_GETPIPE_SZ)));
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
        Task known = tasks.find(stop.tid());
        if (known != null && known.fds.unconfirmed >= 0) {
            fdCalls.confirm(stop.tid(), known);
        }
        PendingExit steps = exits.peek(stop.tid());
        if (steps != null && steps.mmap != null && steps.mmap.isNextStep(stop)) {
            return Resume.RUN_AND_REPORT_EXIT; // the next step of an mmap of a served file
        }
        int nr = stop.nr();
        Service service = nr >= 0 && nr < services.length ? services[nr] : null;
        if (service != null) {
            return service.serve(stop, tasks.get(stop.tid()));
        }
        if (mounts.isEmpty()) {
            return Resume.RUN;
        }
        PathCall call = pathCalls().byNumber(stop.nr());
        return call == null ? Resume.RUN : pathRouting.pathCall(stop, tasks.get(stop.tid()), call);
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

    /** The description of a served file that the guest's fd holds, or null ({@link FdCalls#servedFd}). */
    private OpenDescription servedFd(int tid, Task task, int fd) {
        return fdCalls.servedFd(tid, task, fd);
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
        if (exit.held != null) {
            task.fds.open.put((int) result, exit.held);
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
        for (jvuos.module.VuModule m : modules.processListeners()) {
            try {
                event.accept((ProcessEvents) m);
            } catch (RuntimeException | LinkageError e) {
                log.warn("module {} failed: {}", jvuos.vfs.ModuleCalls.nameOf(m), e.toString());
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
