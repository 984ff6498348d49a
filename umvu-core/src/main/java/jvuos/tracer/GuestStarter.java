package jvuos.tracer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import jvuos.ptrace.LibC;
import jvuos.ptrace.Native;
import jvuos.ptrace.NativeException;
import jvuos.ptrace.Ptrace;
import jvuos.ptrace.PtraceException;
import jvuos.ptrace.Spawn;

/**
 * Starts the guest: posix_spawn the launcher, PTRACE_SEIZE it while it waits on a pipe, then
 * send it the seccomp filter through that pipe. The launcher installs the filter and execs
 * the command, so the very first instruction of the command already runs traced.
 */
final class GuestStarter {
    static final long OPTIONS = Ptrace.O_TRACESYSGOOD | Ptrace.O_EXITKILL | Ptrace.O_TRACEEXEC
            | Ptrace.O_TRACECLONE | Ptrace.O_TRACEFORK | Ptrace.O_TRACEVFORK | Ptrace.O_TRACEEXIT
            | Ptrace.O_TRACESECCOMP;

    private GuestStarter() {
    }

    /**
     * @param filter the BPF program, or null for legacy mode (no filter: every syscall is seen
     *               through PTRACE_SYSCALL)
     * @return the pid of the guest, seized by the calling thread
     */
    static int start(Ptrace ptrace, Guest guest, byte[] filter) throws NativeException, PtraceException {
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
        return pid;
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

    /** A 4-byte instruction count, then the instructions; count 0 means no filter. */
    private static byte[] filterMessage(byte[] filter) {
        byte[] program = filter == null ? new byte[0] : filter;
        return ByteBuffer.allocate(4 + program.length).order(ByteOrder.nativeOrder())
                .putInt(program.length / 8).put(program).array();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
