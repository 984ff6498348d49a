package jvuos.tracer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import jvuos.errno.Errno;
import jvuos.host.HostFiles;
import jvuos.ptrace.LibC;
import jvuos.ptrace.Native;
import jvuos.ptrace.NativeException;
import jvuos.ptrace.Ptrace;
import jvuos.ptrace.PtraceException;
import jvuos.ptrace.Signals;
import jvuos.ptrace.Spawn;
import jvuos.seccomp.SeccompFilter;

/**
 * Starts the guest: posix_spawn the launcher, PTRACE_SEIZE it while it waits on a pipe, then
 * send it the seccomp filters through that pipe. The launcher installs them and execs the
 * command, so the very first instruction of the command already runs traced. The second
 * filter's listener (for handing fds over, {@link FdHandover}) is copied out of the launcher
 * while it stops itself for that.
 */
final class GuestStarter {
    static final long OPTIONS = Ptrace.O_TRACESYSGOOD | Ptrace.O_EXITKILL | Ptrace.O_TRACEEXEC
            | Ptrace.O_TRACECLONE | Ptrace.O_TRACEFORK | Ptrace.O_TRACEVFORK | Ptrace.O_TRACEEXIT
            | Ptrace.O_TRACESECCOMP;

    /** What /proc shows for a seccomp listener fd. */
    private static final String LISTENER = "anon_inode:seccomp notify";

    private GuestStarter() {
    }

    /** The guest's first process, and the hand-over filter's listener in the hypervisor (-1: none). */
    record Started(int pid, int listener) {
    }

    /**
     * @param filter the BPF program, or null for legacy mode (no filter: every syscall is seen
     *               through PTRACE_SYSCALL, and no fds are handed over)
     * @return the guest, seized by the calling thread
     */
    static Started start(Ptrace ptrace, Guest guest, byte[] filter) throws NativeException, PtraceException {
        LibC libc = Native.libc();
        int[] pipe = Spawn.inheritablePipe();
        int pid;
        try {
            pid = Spawn.spawn(guest.launcher().toString(), launcherArgv(guest, pipe[0]), guest.environment());
        } catch (NativeException e) {
            libc.close(pipe[1]);
            throw e;
        } finally {
            libc.close(pipe[0]);
        }
        try {
            ptrace.seize(pid, OPTIONS);
        } catch (PtraceException e) {
            libc.close(pipe[1]); // the launcher reads end-of-file and exits without running anything
            ptrace.await(pid, 0);
            throw e;
        }
        byte[] message = filterMessage(filter);
        long written = libc.write(pipe[1], message, message.length);
        libc.close(pipe[1]);
        if (written != message.length) {
            throw new NativeException("sending the seccomp filter to the launcher", Native.errno());
        }
        return new Started(pid, filter == null ? -1 : takeListener(ptrace, pid, pipe[0]));
    }

    /**
     * Waits for the launcher's SIGSTOP, copies the listener it left at {@code fd} (none if it
     * could not make one), and lets it go on without the signal.
     */
    private static int takeListener(Ptrace ptrace, int pid, int fd) throws NativeException, PtraceException {
        while (true) {
            int r = ptrace.await(pid, 0);
            if (r == -Errno.EINTR) {
                continue;
            }
            int status = ptrace.lastStatus();
            if (r < 0 || !WaitStatus.stopped(status)) {
                throw new NativeException("the launcher ended before running the command", r < 0 ? -r : Errno.ECHILD);
            }
            int signal = WaitStatus.event(status) == 0 ? WaitStatus.stopSignal(status) : 0;
            if (signal == Signals.SIGSTOP) {
                HostFiles host = new HostFiles();
                int listener = host.borrow(pid, fd);
                ptrace.cont(pid, 0);
                if (listener >= 0 && !LISTENER.equals(host.readlink("/proc/self/fd/" + listener))) {
                    host.close(listener); // a SIGSTOP from elsewhere came first: the pipe, not the listener
                    continue;
                }
                return listener < 0 ? -1 : listener;
            }
            ptrace.cont(pid, signal); // another signal goes on to the launcher; its exit event, if it failed
        }
    }

    private static List<byte[]> launcherArgv(Guest guest, int syncFd) {
        List<byte[]> argv = new ArrayList<>();
        argv.add(bytes(guest.launcher().toString()));
        argv.add(bytes(Integer.toString(syncFd)));
        argv.add(bytes(guest.inheritedFds().stream().map(String::valueOf).collect(Collectors.joining(","))));
        argv.add(bytes(Long.toHexString(guest.ignoredSignals())));
        argv.add(bytes(Long.toHexString(guest.blockedSignals())));
        argv.add(bytes("--"));
        argv.addAll(guest.command());
        return argv;
    }

    /**
     * Each program as a 4-byte instruction count, then the instructions: the filter (count 0:
     * none, and nothing follows), then the fd hand-over filter.
     */
    private static byte[] filterMessage(byte[] filter) {
        if (filter == null) {
            return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(0).array();
        }
        byte[] handOver = SeccompFilter.userNotification(FdHandover.SYS_SOCKET, FdHandover.MAGIC_ARG, FdHandover.MAGIC);
        return ByteBuffer.allocate(8 + filter.length + handOver.length).order(ByteOrder.nativeOrder())
                .putInt(filter.length / 8).put(filter).putInt(handOver.length / 8).put(handOver).array();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
