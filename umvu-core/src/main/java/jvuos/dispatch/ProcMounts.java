package jvuos.dispatch;

import java.util.regex.Pattern;

import jvuos.vfs.Mount;
import jvuos.vfs.MountTable;

/** The view's mounts as the lines of /proc/PID/mounts and /proc/PID/mountinfo. */
final class ProcMounts {
    private static final Pattern FILE = Pattern.compile("/proc/\\d+(/task/\\d+)?/(mounts|mountinfo)");
    /** mountinfo ids of virtual mounts: far above the kernel's, so they never collide. */
    private static final int ID_BASE = 1_000_000;

    private ProcMounts() {
    }

    /** True for /proc/PID/mounts, /proc/PID/mountinfo and their /proc/PID/task/TID/ forms. */
    static boolean isMountsFile(String path) {
        // Every open outside a mount asks: the cheap tests first.
        return path.startsWith("/proc/") && path.contains("/mount") && FILE.matcher(path).matches();
    }

    /** Lines in /proc/mounts format: "source target type options 0 0". */
    static String mounts(MountTable table) {
        StringBuilder out = new StringBuilder();
        for (Mount m : table.all()) {
            out.append(escape(m.source())).append(' ').append(escape(m.point())).append(' ')
                    .append(escape(m.type())).append(' ').append(options(m)).append(" 0 0\n");
        }
        return out.toString();
    }

    /** Lines in /proc/PID/mountinfo format, parented to {@code hostRootId} or to the mount below. */
    static String mountinfo(MountTable table, int hostRootId) {
        StringBuilder out = new StringBuilder();
        for (Mount m : table.all()) {
            Mount below = table.owner(m.point(), m.epoch());
            int parent = below == null ? hostRootId : ID_BASE + below.epoch();
            out.append(ID_BASE + m.epoch()).append(' ').append(parent).append(" 0:0 / ").append(escape(m.point()))
                    .append(' ').append(m.readOnly() ? "ro" : "rw").append(" - ").append(escape(m.type()))
                    .append(' ').append(escape(m.source())).append(' ').append(options(m)).append('\n');
        }
        return out.toString();
    }

    /** "ro" or "rw" (from the flags, as the kernel shows them), then the module's options. */
    private static String options(Mount m) {
        StringBuilder out = new StringBuilder(m.readOnly() ? "ro" : "rw");
        for (String option : m.options().split(",")) {
            if (!option.isEmpty() && !option.equals("ro") && !option.equals("rw")) {
                out.append(',').append(escape(option));
            }
        }
        return out.toString();
    }

    /** The kernel's octal escapes for the characters that would break the line's fields. */
    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case ' ' -> out.append("\\040");
                case '\t' -> out.append("\\011");
                case '\n' -> out.append("\\012");
                case '\\' -> out.append("\\134");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
