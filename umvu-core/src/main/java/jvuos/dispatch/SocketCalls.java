package jvuos.dispatch;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jvuos.errno.Errno;
import jvuos.module.SocketStack;
import jvuos.module.VuException;
import jvuos.ptrace.PtraceException;
import jvuos.tracer.FdHandover;
import jvuos.tracer.FilterControl;
import jvuos.tracer.SyscallStop;
import jvuos.vfs.ModuleCalls;
import jvuos.vfs.Mount;
import jvuos.vfs.MountTable;
import jvuos.vfs.PathResolver;
import jvuos.vfs.Resolution;

/**
 * Dispatch by socket family: socket(2) of a process whose default stack for that family is a
 * module's ({@link SocketStack}), and the msocket VU call that sets defaults. The stack's
 * socket is handed to the guest thread ({@link FdHandover}): the guest holds a real socket.
 */
final class SocketCalls {
    static final int SYS_SOCKET = 41;
    private static final Logger log = LoggerFactory.getLogger("jvuos.dispatch");
    private static final int AF_UNSPEC = 0;
    private static final long SOCK_CLOEXEC = 02000000;

    private final MountTable mounts;
    private final GuestPaths paths;
    private final StackSockets stackSockets;
    private final java.util.function.Supplier<FilterControl> filters;
    private boolean socketTraced;

    SocketCalls(MountTable mounts, GuestPaths paths, StackSockets stackSockets,
            java.util.function.Supplier<FilterControl> filters) {
        this.mounts = mounts;
        this.paths = paths;
        this.stackSockets = stackSockets;
        this.filters = filters;
    }

    /**
     * socket(family, type, protocol): the default stack's, if the process has one for the
     * family. Returns the exit to see when the call was turned into the hand-over, else null.
     */
    PendingExit socket(SyscallStop stop, Task task) throws PtraceException {
        Mount stack = task.proc.stacks.get((int) stop.arg(0));
        return stack == null ? null : handOver(stop, stack, (int) stop.arg(0), stop.arg(1), (int) stop.arg(2));
    }

    /** msocket(stack, family, type, protocol), as {@link VuCalls#MSOCKET} says; the exit to see, as for {@link #socket}. */
    PendingExit msocket(SyscallStop stop, Task task) throws PtraceException {
        int family = (int) stop.arg(1);
        long type = stop.arg(2);
        Mount stack;
        if (stop.arg(0) == 0) {
            stack = task.proc.stacks.get(family);
            if (type == VuCalls.SOCK_DEFAULT) {
                if (family == AF_UNSPEC) {
                    task.proc.stacks.clear();
                } else {
                    task.proc.stacks.remove(family);
                }
                stop.skip(0);
                return null;
            }
        } else {
            stack = stackAt(stop, task);
            if (stack == null) {
                return null; // skipped with the errno
            }
        }
        if (stack == null) {
            stop.skip(-Errno.EAFNOSUPPORT); // no stack given and none by default
            return null;
        }
        if (type != VuCalls.SOCK_DEFAULT) {
            return handOver(stop, stack, family, type, (int) stop.arg(3));
        }
        java.util.Set<Integer> families;
        try {
            families = ModuleCalls.guarded(() -> ((SocketStack) stack.fs()).families(), stack.module());
        } catch (VuException e) {
            stop.skip(-e.errno());
            return null;
        }
        if (family != AF_UNSPEC && !families.contains(family)) {
            stop.skip(-Errno.EAFNOSUPPORT);
            return null;
        }
        for (int f : family == AF_UNSPEC ? families : java.util.Set.of(family)) {
            task.proc.stacks.put(f, stack);
        }
        if (!socketTraced) {
            socketTraced = true; // socket(2) matters from now on
            java.util.BitSet socket = new java.util.BitSet();
            socket.set(SYS_SOCKET);
            filters.get().traceAlso(socket, java.util.List.of());
        }
        stop.skip(0);
        return null;
    }

    /** The stack mounted at the path of msocket's first argument; null after skipping the call with an errno. */
    private Mount stackAt(SyscallStop stop, Task task) {
        String path = stop.memory().readPath(stop.tid(), stop.arg(0));
        if (path == null) {
            stop.skip(-stop.memory().lastErrno());
            return null;
        }
        GuestPaths.Start start = path.isEmpty() ? null : paths.start(stop.tid(), task, path, GuestPaths.AT_FDCWD);
        if (start == null) {
            stop.skip(-Errno.ENOENT);
            return null;
        }
        Resolution r = paths.resolve(new PathResolver.Request(path, start.path(), true, false, false,
                Integer.MAX_VALUE, task.tgid, stop.tid()));
        Mount m = r.failed() ? null : mounts.mountedAt(r.path(), Integer.MAX_VALUE);
        if (m == null || !(m.fs() instanceof SocketStack)) {
            stop.skip(r.failed() ? -r.errno() : -Errno.ENOTSOCK); // no stack there
            return null;
        }
        return m;
    }

    /**
     * Makes a socket of the stack and turns the thread's call into the hand-over call, whose
     * result is the socket's fd in the guest; on failure the call is skipped with the errno.
     * (A family the stack does not serve is the module's to refuse, with EAFNOSUPPORT.)
     */
    private PendingExit handOver(SyscallStop stop, Mount stack, int family, long type, int protocol) throws PtraceException {
        FdHandover handover = filters.get().fdHandover();
        if (handover == null) {
            log.warn("a virtual network stack needs seccomp user notification, which this session lacks");
            stop.skip(-Errno.EAFNOSUPPORT);
            return null;
        }
        int fd;
        try {
            fd = ModuleCalls.guarded(() -> ((SocketStack) stack.fs()).socket(family, (int) (type & ~SOCK_CLOEXEC), protocol),
                    stack.module());
        } catch (VuException e) {
            stop.skip(-e.errno());
            return null;
        }
        stackSockets.handedOut(stack, fd);
        handover.give(stop.tid(), fd, (type & SOCK_CLOEXEC) != 0);
        // The marked socket call; its argument register is the guest's again at the exit.
        PendingExit exit = new PendingExit();
        exit.handedOver = stop.nr();
        stop.setNr(FdHandover.SYS_SOCKET);
        exit.setArg(stop, FdHandover.MAGIC_ARG, FdHandover.MAGIC);
        log.debug("{} socket({}) from the stack at {}", stop.tid(), family, stack.point());
        return exit;
    }
}
