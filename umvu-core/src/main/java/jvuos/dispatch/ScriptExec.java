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
        String[] line = parse(head, Math.min(length, BINPRM_BUF_SIZE));
        if (line == null) {
            return onlyForMounts ? KERNEL : -Errno.ENOEXEC;
        }
        String interpreter = line[0];
        String option = line[1];
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
        // The path the interpreter is given, as the kernel makes it: execveat's dirfd as /dev/fd/N.
        boolean at = flagsIndex >= 0 && (int) stop.arg(0) != GuestPaths.AT_FDCWD && !guestPath.startsWith("/");
        String scriptPath = guestPath.isEmpty() ? "/dev/fd/" + stop.arg(0)
                : at ? "/dev/fd/" + stop.arg(0) + "/" + guestPath : guestPath;
        List<Long> args = new ArrayList<>();
        args.add(stop.push(HostFiles.bytes(interpreter)));
        if (!option.isEmpty()) {
            args.add(stop.push(HostFiles.bytes(option)));
        }
        args.add(stop.push(HostFiles.bytes(scriptPath)));
        long argv = stop.arg(pathIndex + 1);
        byte[] pointer = new byte[8];
        if (argv != 0 && stop.memory().read(stop.tid(), argv, pointer, 8) == 8
                && ByteBuffer.wrap(pointer).order(ByteOrder.LITTLE_ENDIAN).getLong() == 0) {
            argv = 0; // no argv[0]: no arguments after the script's path either
        }
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
        exit.exec = true;
        exit.exe = r.path();
        exit.exeKernel = r.canonicalHostPath();
        return 0;
    }

    /**
     * The "#!" line as binfmt_script reads it: {interpreter, its one optional argument (the
     * rest of the line)}, names ended by a space, a tab or a NUL, only spaces and tabs
     * trimmed; null when there is no interpreter, or when a line without its newline in the
     * buffer does not end the interpreter's name within it (ENOEXEC).
     */
    static String[] parse(byte[] head, int length) {
        int end = 2;
        while (end < length && head[end] != '\n') {
            end++;
        }
        boolean complete = end < length;
        if (!complete) {
            end = Math.min(length, BINPRM_BUF_SIZE - 1); // the kernel's last byte is not part of the line
        }
        int i = 2;
        while (i < end && (head[i] == ' ' || head[i] == '\t')) {
            i++;
        }
        int nameStart = i;
        while (i < end && head[i] != ' ' && head[i] != '\t' && head[i] != 0) {
            i++;
        }
        if (i == nameStart || (!complete && i == end)) {
            return null;
        }
        String interpreter = new String(head, nameStart, i - nameStart, StandardCharsets.ISO_8859_1);
        if (i < end && head[i] == 0) {
            return new String[] {interpreter, ""};
        }
        while (i < end && (head[i] == ' ' || head[i] == '\t')) {
            i++;
        }
        int optionEnd = end;
        for (int k = i; k < end; k++) {
            if (head[k] == 0) {
                optionEnd = k;
                break;
            }
        }
        while (optionEnd > i && (head[optionEnd - 1] == ' ' || head[optionEnd - 1] == '\t')) {
            optionEnd--;
        }
        return new String[] {interpreter, new String(head, i, optionEnd - i, StandardCharsets.ISO_8859_1)};
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
