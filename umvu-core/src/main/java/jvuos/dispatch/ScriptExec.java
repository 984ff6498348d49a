package jvuos.dispatch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import jvuos.errno.Errno;
import jvuos.host.HostFiles;
import jvuos.ptrace.PtraceException;
import jvuos.syscall.PathCall;
import jvuos.tracer.SyscallStop;
import jvuos.vfs.PathResolver;
import jvuos.vfs.Resolution;

/**
 * The kernel's binfmt_script done in the view: an exec of a "#!" script becomes an exec of its
 * interpreter with the argument vector [interpreter, its optional argument, the script's path
 * as the guest gave it, the guest's arguments after the first]. Needed when the kernel cannot
 * do it itself: the script is a file a module serves, or the interpreter's path leads into a
 * mount (the kernel would look for it on the host).
 */
final class ScriptExec {
    /** The kernel reads at most this much of a "#!" line. */
    static final int BINPRM_BUF_SIZE = 256;
    /** {@link #exec}'s answer when the kernel can run the script itself. */
    static final long KERNEL = Long.MIN_VALUE + 3;
    private static final long AT_EMPTY_PATH = 0x1000;
    private static final long AT_SYMLINK_NOFOLLOW = 0x100;
    private static final int MAX_ARGS = 1 << 17;

    private final GuestPaths paths;

    ScriptExec(GuestPaths paths) {
        this.paths = paths;
    }

    /** True when the file's first bytes make it a script. */
    static boolean isScript(byte[] head, int length) {
        return length > 2 && head[0] == '#' && head[1] == '!';
    }

    /**
     * Rewrites the exec of the script whose first {@code length} bytes are {@code head}: 0 (the
     * call now execs the interpreter), -errno, or {@link #KERNEL} when {@code onlyForMounts}
     * and the interpreter's path touches no mount.
     */
    long exec(SyscallStop stop, Task task, PathCall call, String guestPath, PendingExit exit, byte[] head, int length,
            int flagsIndex, boolean onlyForMounts) throws PtraceException {
        int end = 2;
        while (end < Math.min(length, BINPRM_BUF_SIZE) && head[end] != '\n') {
            end++;
        }
        String line = new String(head, 2, end - 2, StandardCharsets.ISO_8859_1).strip();
        if (line.isEmpty()) {
            return onlyForMounts ? KERNEL : -Errno.ENOEXEC;
        }
        int space = line.indexOf(' ') >= 0 ? line.indexOf(' ') : line.indexOf('\t');
        String interpreter = space < 0 ? line : line.substring(0, space);
        String option = space < 0 ? "" : line.substring(space + 1).strip();
        GuestPaths.Start start = paths.start(stop.tid(), task, interpreter, GuestPaths.AT_FDCWD);
        if (start == null) {
            return onlyForMounts ? KERNEL : -Errno.ENOENT;
        }
        Resolution r = paths.resolve(new PathResolver.Request(interpreter, start.path(), true, false, false,
                Integer.MAX_VALUE, task.tgid, stop.tid()));
        if (onlyForMounts && !r.touchesMount()) {
            return KERNEL;
        }
        if (r.failed()) {
            return -r.errno();
        }
        if (r.served()) {
            return -Errno.ENOEXEC; // an interpreter that is itself served is not run
        }
        int pathIndex = call.paths().get(0).index();
        String scriptPath = guestPath.isEmpty() ? "/dev/fd/" + stop.arg(0) : guestPath;
        List<Long> args = new ArrayList<>();
        args.add(stop.push(HostFiles.bytes(interpreter)));
        if (!option.isEmpty()) {
            args.add(stop.push(HostFiles.bytes(option)));
        }
        args.add(stop.push(HostFiles.bytes(scriptPath)));
        long argv = stop.arg(pathIndex + 1);
        byte[] pointer = new byte[8];
        for (int i = 1; argv != 0; i++) {
            if (i > MAX_ARGS || stop.memory().read(stop.tid(), argv + 8L * i, pointer, 8) != 8) {
                return -Errno.EFAULT;
            }
            long p = ByteBuffer.wrap(pointer).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (p == 0) {
                break;
            }
            args.add(p);
        }
        ByteBuffer vector = ByteBuffer.allocate(8 * (args.size() + 1)).order(ByteOrder.LITTLE_ENDIAN);
        for (long a : args) {
            if (a == 0) {
                return -Errno.EFAULT;
            }
            vector.putLong(a);
        }
        long vectorAddress = stop.push(vector.array());
        if (vectorAddress == 0 || !exit.setPathArg(stop, pathIndex, r.hostPath())) {
            return -Errno.EFAULT;
        }
        exit.setArg(stop, pathIndex + 1, vectorAddress);
        clearExecveatFlags(stop, exit, flagsIndex);
        exit.exe = r.path();
        return 0;
    }

    /**
     * execveat's AT_EMPTY_PATH and AT_SYMLINK_NOFOLLOW applied to the guest's own path; the
     * path the kernel gets instead must be followed.
     */
    static void clearExecveatFlags(SyscallStop stop, PendingExit exit, int flagsIndex) throws PtraceException {
        if (flagsIndex >= 0 && (stop.arg(flagsIndex) & (AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) != 0) {
            exit.setArg(stop, flagsIndex, stop.arg(flagsIndex) & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW));
        }
    }
}
