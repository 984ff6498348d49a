package jvuos.dispatch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import jvuos.module.Credentials;
import jvuos.module.FileStat;
import jvuos.errno.Errno;

/**
 * Who makes a call on a served file, as the kernel would check it: the thread's file-system
 * ids, supplementary groups and umask, read from /proc/TID/status when a call first needs
 * them and kept by its {@link Task} until they may change.
 */
record Caller(Credentials credentials, Credentials real, Set<Integer> groups, int umask, boolean hostDecides) {
    static final int R_OK = 4;
    static final int W_OK = 2;
    static final int X_OK = 1;
    /** Whom a call is checked as when /proc cannot say who makes it: nobody, umask 077 (a failure never gives rights). */
    static final Caller UNKNOWN = new Caller(new Credentials(65534, 65534), new Credentials(65534, 65534), Set.of(), 077, false);
    /**
     * Who passes the checks on a file system whose host calls decide permissions
     * ({@code ServedFileSystem.hostDecidesPermissions}): anyone that root's checks let pass.
     * It names no one: a file made there is owned by the thread's own ids.
     */
    static final Caller HOST_DECIDES = new Caller(new Credentials(-1, -1), new Credentials(-1, -1), Set.of(), 0, true);
    /**
     * The host decides only for a hypervisor that is no root: then every guest thread has its
     * ids (a traced exec gains no set-user-ID), so the host's refusals are the guest's. A root
     * hypervisor could do anything for anyone: the kernel's checks are made for the thread.
     */
    static final boolean HOST_MAY_DECIDE = jvuos.ptrace.Native.libc().geteuid() != 0;

    /** The thread's ids, groups and umask as /proc shows them, or null when it cannot say (a thread gone, no fd left). */
    static Caller of(int tid) {
        int uid = -1;
        int gid = -1;
        int realUid = -1;
        int realGid = -1;
        int umask = -1;
        Set<Integer> groups = new HashSet<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + tid + "/status"))) {
                // (Split by hand: a regex per line costs more than the whole read, on every served call.)
                String[] f = fields(line);
                switch (f[0]) {
                    case "Umask:" -> umask = Integer.parseInt(f[1], 8);
                    case "Uid:" -> {
                        realUid = Integer.parseInt(f[1]);
                        uid = Integer.parseInt(f[4]);
                    }
                    case "Gid:" -> {
                        realGid = Integer.parseInt(f[1]);
                        gid = Integer.parseInt(f[4]);
                    }
                    case "Groups:" -> {
                        for (int i = 1; i < f.length; i++) {
                            groups.add(Integer.parseInt(f[i]));
                        }
                    }
                    default -> {
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return uid < 0 || gid < 0 || realUid < 0 || realGid < 0 || umask < 0 ? null
                : new Caller(new Credentials(uid, gid), new Credentials(realUid, realGid), groups, umask, false);
    }

    /** A line's fields, split at runs of spaces and tabs. */
    private static String[] fields(String line) {
        java.util.List<String> fields = new java.util.ArrayList<>();
        int start = -1;
        for (int i = 0; i <= line.length(); i++) {
            boolean blank = i == line.length() || line.charAt(i) == ' ' || line.charAt(i) == '\t';
            if (blank && start >= 0) {
                fields.add(line.substring(start, i));
                start = -1;
            } else if (!blank && start < 0) {
                start = i;
            }
        }
        return fields.isEmpty() ? new String[] {""} : fields.toArray(new String[0]);
    }

    /** The same caller judged by its real ids, as access(2) judges (not its file-system ids). */
    Caller byRealIds() {
        return new Caller(real, real, groups, umask, hostDecides);
    }

    boolean root() {
        return credentials.root();
    }

    /** True when the caller passes the checks root passes: root, or on a file system where the host decides. */
    boolean privileged() {
        return root() || hostDecides;
    }

    /**
     * The kernel's permission check of {@code want} (R_OK|W_OK|X_OK bits) on a file: 0 or
     * EACCES. Root may read and write anything, and execute what has an x bit or is a directory.
     */
    int access(FileStat s, int want) {
        if (privileged()) {
            boolean executable = s.isDirectory() || (s.mode() & 0111) != 0;
            return (want & X_OK) != 0 && !executable ? Errno.EACCES : 0;
        }
        int bits;
        if (s.uid() == credentials.uid()) {
            bits = (s.mode() >> 6) & 7;
        } else if (s.gid() == credentials.gid() || groups.contains(s.gid())) {
            bits = (s.mode() >> 3) & 7;
        } else {
            bits = s.mode() & 7;
        }
        return (want & ~bits) != 0 ? Errno.EACCES : 0;
    }

    /** True when the caller may change the file's mode, times or owner group: its owner or root. */
    boolean owns(FileStat s) {
        return privileged() || s.uid() == credentials.uid();
    }
}
