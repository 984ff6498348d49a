package jvuos.dispatch;

import java.util.BitSet;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jvuos.errno.Errno;
import jvuos.host.HostFiles;
import jvuos.ptrace.PtraceException;
import jvuos.tracer.FilterControl;
import jvuos.tracer.SyscallHandler.Resume;
import jvuos.tracer.SyscallStop;

/**
 * mmap, munmap and msync where served files are concerned: the guest thread's mmap made in
 * steps over a memory file ({@link ServedMappings}), and shared mappings written back.
 */
final class MmapCalls {
    private static final Logger log = LoggerFactory.getLogger("jvuos.dispatch");
    private static final int SYS_OPENAT = 257;
    private static final long O_RDONLY = 0;
    private static final long O_RDWR = 2;
    private static final long O_CLOEXEC = 02000000;
    private static final long MAP_SHARED = 1;
    private static final long MAP_SHARED_VALIDATE = 3;
    private static final long MAP_TYPE = 0xf;
    private static final long MAP_ANONYMOUS = 0x20;
    private static final long PROT_WRITE = 2;
    private static final long PAGE = 4096;

    private final ServedMappings mappings;
    private final VirtualFds virtualFds;
    private final HostFiles host;
    private final Tasks tasks;
    private final PendingExits exits;
    private final int ownPid;
    private final ServedFdCalls.FdLookup lookup;
    private final Supplier<FilterControl> filters;
    private boolean grownForMappings;

    MmapCalls(ServedMappings mappings, VirtualFds virtualFds, HostFiles host, Tasks tasks, PendingExits exits,
            int ownPid, ServedFdCalls.FdLookup lookup, Supplier<FilterControl> filters) {
        this.mappings = mappings;
        this.virtualFds = virtualFds;
        this.host = host;
        this.tasks = tasks;
        this.exits = exits;
        this.ownPid = ownPid;
        this.lookup = lookup;
        this.filters = filters;
    }

    /**
     * mmap of a served file: the guest maps a memory file with the file's pages instead
     * ({@link ServedMappings}). It needs an fd of it for that, so its call is made in three:
     * openat of /proc/UMVU_PID/fd/N, then the guest's mmap with that fd, then close of it; at
     * the end its registers are its own again and the mmap's result is its result.
     */
    Resume mmap(SyscallStop stop, Task task) throws PtraceException {
        long flags = stop.arg(3);
        OpenDescription d = (flags & MAP_ANONYMOUS) != 0 ? null : lookup.served(stop.tid(), task, (int) stop.arg(4));
        if (d == null) {
            return Resume.RUN;
        }
        long prot = stop.arg(2);
        long type = flags & MAP_TYPE;
        boolean shared = type == MAP_SHARED || type == MAP_SHARED_VALIDATE;
        long length = stop.arg(1);
        long offset = stop.arg(5);
        if (d.pathOnly()) {
            return Dispatcher.skip(stop, -Errno.EBADF);
        }
        if (d.directory) {
            return Dispatcher.skip(stop, -Errno.ENODEV);
        }
        if (!d.readable() || (shared && (prot & PROT_WRITE) != 0 && !d.writable())) {
            return Dispatcher.skip(stop, -Errno.EACCES);
        }
        if (length <= 0 || offset < 0 || (offset & (PAGE - 1)) != 0) {
            return Dispatcher.skip(stop, -Errno.EINVAL);
        }
        PendingExit exit = new PendingExit();
        PendingExit.MmapSteps steps = new PendingExit.MmapSteps();
        for (int i = 0; i < 6; i++) {
            steps.args[i] = stop.arg(i);
        }
        steps.description = d;
        steps.shared = shared;
        try {
            steps.memfd = mappings.memoryFor(d, length, offset, shared);
            steps.pinned = shared;
        } catch (jvuos.module.VuException e) {
            return Dispatcher.skip(stop, -e.errno());
        }
        exit.mmap = steps;
        stop.setNr(SYS_OPENAT);
        stop.setArg(0, GuestPaths.AT_FDCWD);
        long path = stop.push(HostFiles.bytes("/proc/" + ownPid + "/fd/" + steps.memfd));
        if (path == 0) {
            done(steps);
            return Dispatcher.skip(stop, -Errno.EFAULT);
        }
        stop.setArg(1, path);
        // A read-only open's shared mapping must not become writable by mprotect.
        stop.setArg(2, (shared && d.writable() ? O_RDWR : O_RDONLY) | O_CLOEXEC);
        stop.setArg(3, 0);
        if (shared && !grownForMappings) {
            grownForMappings = true; // munmap and msync matter from now on
            filters.get().traceAlso(mappingSyscalls(), java.util.List.of());
        }
        return exits.await(stop.tid(), exit);
    }

    private static BitSet mappingSyscalls() {
        BitSet set = new BitSet();
        set.set(ServedMappings.SYS_MUNMAP);
        set.set(ServedMappings.SYS_MSYNC);
        return set;
    }

    /** The exit of one step of an mmap of a served file: on to the next step, or back to the guest's registers. */
    void step(SyscallStop stop, PendingExit exit) throws PtraceException {
        PendingExit.MmapSteps steps = exit.mmap;
        long result = stop.returnValue();
        switch (steps.step) {
            case OPEN -> {
                if (result < 0) {
                    finishMmap(stop, steps, result);
                    return;
                }
                steps.guestFd = result;
                for (int i = 0; i < 6; i++) {
                    stop.setArg(i, i == 4 ? result : steps.args[i]);
                }
                stop.repeatAtExit(ServedMappings.SYS_MMAP);
                steps.step = PendingExit.MmapSteps.Step.MAP;
            }
            case MAP -> {
                steps.mapped = result;
                stop.setArg(0, steps.guestFd);
                stop.repeatAtExit(ServedFdCalls.SYS_CLOSE);
                steps.step = PendingExit.MmapSteps.Step.CLOSE;
            }
            case CLOSE -> {
                finishMmap(stop, steps, steps.mapped);
                return;
            }
        }
        exits.push(stop.tid(), exit);
    }

    private void finishMmap(SyscallStop stop, PendingExit.MmapSteps steps, long result) throws PtraceException {
        for (int i = 0; i < 6; i++) {
            stop.setArg(i, steps.args[i]);
        }
        stop.setReturnValue(result);
        boolean failed = result < 0 && result > -4096;
        if (steps.shared && !failed) {
            mappings.mapped(steps.description, tasks.get(stop.tid()).tgid, result, steps.args[1], steps.args[5]);
            steps.pinned = false;
        }
        done(steps);
    }

    /**
     * An mmap of a served file is over, mapped or not: a private copy is the guest's alone
     * (or nobody's), a shadow no longer waits for it.
     */
    void done(PendingExit.MmapSteps steps) {
        if (!steps.shared) {
            host.close(steps.memfd);
            return;
        }
        if (steps.pinned) {
            mappings.notMapped(steps.description);
            steps.pinned = false;
        }
        mappings.dropUnmapped();
    }

    /** munmap: shared mappings of served files in the range go back to their modules first. */
    Resume munmap(SyscallStop stop, Task task) {
        if (!mappings.overlaps(task.tgid, stop.arg(0), stop.arg(1))) {
            return Resume.RUN; // no shared mapping of a served file there (the common munmap)
        }
        try {
            mappings.flush(task.tgid, stop.arg(0), stop.arg(1));
        } catch (jvuos.module.VuException e) {
            log.debug("pages of a served file not written back: {}", e.getMessage());
        }
        PendingExit exit = new PendingExit();
        exit.unmapped = new long[] {stop.arg(0), stop.arg(1)};
        return exits.await(stop.tid(), exit);
    }

    /** msync: shared mappings of served files in the range go back to their modules. */
    Resume msync(SyscallStop stop, Task task) {
        if (!mappings.overlaps(task.tgid, stop.arg(0), stop.arg(1))) {
            return Resume.RUN;
        }
        try {
            mappings.flush(task.tgid, stop.arg(0), stop.arg(1));
        } catch (jvuos.module.VuException e) {
            return Dispatcher.skip(stop, -e.errno());
        }
        return Resume.RUN;
    }

    /** munmap's exit: the mappings it ended are gone, and what no one maps or holds any more is closed. */
    void unmapped(SyscallStop stop, PendingExit exit) {
        mappings.unmapped(tasks.get(stop.tid()).tgid, exit.unmapped[0], exit.unmapped[1]);
        mappings.dropUnmapped();
        virtualFds.collect();
    }
}
