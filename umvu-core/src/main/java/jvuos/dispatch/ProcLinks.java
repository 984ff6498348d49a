package jvuos.dispatch;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * /proc/PID/cwd, exe and fd/N as the view shows them: the kernel knows only the host
 * directory or file a mount led to, the view knows the path the guest took.
 */
final class ProcLinks {
    /** Ids as the kernel writes them: no leading zeros, within an int. */
    private static final Pattern LINK =
            Pattern.compile("/proc/([1-9]\\d{0,8})(?:/task/([1-9]\\d{0,8}))?/(cwd|exe|fd/(0|[1-9]\\d{0,8}))");

    /** /proc/self/fd/N and /proc/thread-self/fd/N, which are the calling thread's own. */
    private static final Pattern OWN_FD = Pattern.compile("/proc/(self|thread-self)/fd/(0|[1-9]\\d{0,8})");

    private ProcLinks() {
    }

    /**
     * The thread and fd a path names when it is exactly an fd link of /proc (of the caller's
     * process {@code tgid}, thread {@code tid}, or any other): {thread, fd}, else null.
     */
    static int[] fdLink(String path, int tgid, int tid) {
        Matcher own = OWN_FD.matcher(path);
        if (own.matches()) {
            return new int[] {own.group(1).equals("self") ? tgid : tid, Integer.parseInt(own.group(2))};
        }
        Matcher m = LINK.matcher(path);
        if (!m.matches() || m.group(4) == null) {
            return null;
        }
        return new int[] {Integer.parseInt(m.group(2) != null ? m.group(2) : m.group(1)), Integer.parseInt(m.group(4))};
    }

    /** The view's target of such a link of a guest thread, or null when the kernel's is right. */
    static String viewTarget(String path, Tasks tasks, GuestPaths paths) {
        return viewTarget(path, tasks, paths, false);
    }

    /**
     * The same; with {@code servedOnly}, only for fds of served files (asked before /proc is).
     * (No predicate: a lambda made at the first call would cost a class spun while the guest waits.)
     */
    static String viewTarget(String path, Tasks tasks, GuestPaths paths, boolean servedOnly) {
        if (!path.startsWith("/proc/")) {
            return null;
        }
        Matcher m = LINK.matcher(path);
        if (!m.matches()) {
            return null;
        }
        int tid = Integer.parseInt(m.group(2) != null ? m.group(2) : m.group(1));
        Task task = tasks.find(tid);
        if (task == null) {
            return null;
        }
        if (m.group(3).equals("exe")) {
            // The program, if exec'd through a mount, while the kernel still shows what it ran then.
            String exe = task.proc.exe;
            return exe != null && java.util.Objects.equals(task.proc.exeKernel, paths.kernelLink(path)) ? exe : null;
        }
        if (m.group(4) == null) {
            return task.fs.virtual() ? task.fs.cwd : null;
        }
        int fd = Integer.parseInt(m.group(4));
        Task.OpenFile file = task.fds.open.get(fd);
        // (A held directory's host directory may have the same path, yet the kernel must not
        // follow the link to it: it is the view's.)
        if (file == null || file.held() == null
                && (file.path().equals(file.hostPath()) || (servedOnly && file.served() == null))) {
            return null;
        }
        return paths.holds(tid, fd, file) ? file.path() : null;
    }
}
