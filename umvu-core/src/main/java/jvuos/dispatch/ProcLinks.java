package jvuos.dispatch;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * /proc/PID/cwd and /proc/PID/fd/N as the view shows them: the kernel knows only the host
 * directory or file a mount led to, the view knows the path the guest took.
 */
final class ProcLinks {
    /** Ids as the kernel writes them: no leading zeros, within an int. */
    private static final Pattern LINK =
            Pattern.compile("/proc/([1-9]\\d{0,8})(?:/task/([1-9]\\d{0,8}))?/(cwd|fd/(0|[1-9]\\d{0,8}))");

    private ProcLinks() {
    }

    /** The view's target of such a link of a guest thread, or null when the kernel's is right. */
    static String viewTarget(String path, Tasks tasks, GuestPaths paths) {
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
        if (m.group(4) == null) {
            return task.fs.virtual() ? task.fs.cwd : null;
        }
        int fd = Integer.parseInt(m.group(4));
        Task.OpenFile file = task.fds.open.get(fd);
        if (file == null || file.path().equals(file.hostPath())) {
            return null;
        }
        return paths.holds(tid, fd, file) ? file.path() : null;
    }
}
