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
 * ids, supplementary groups and umask, read from /proc/TID/status when a call needs them.
 */
record Caller(Credentials credentials, Set<Integer> groups, int umask) {
    static final int R_OK = 4;
    static final int W_OK = 2;
    static final int X_OK = 1;

    /** {@link #of}, read at the first need and kept: /proc/TID/status costs more than most calls that ask. */
    static java.util.function.Supplier<Caller> lazy(int tid) {
        return new Lazy(tid);
    }

    /** (A class, not a lambda: a lambda's class would be made while the first guest waits.) */
    private static final class Lazy implements java.util.function.Supplier<Caller> {
        private final int tid;
        private Caller read;

        Lazy(int tid) {
            this.tid = tid;
        }

        @Override
        public Caller get() {
            if (read == null) {
                read = of(tid);
            }
            return read;
        }
    }

    /** The thread's ids; root with umask 022 when /proc cannot say (a thread gone meanwhile). */
    static Caller of(int tid) {
        int uid = 0;
        int gid = 0;
        int umask = 022;
        Set<Integer> groups = new HashSet<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + tid + "/status"))) {
                String[] f = line.split("\\s+");
                switch (f[0]) {
                    case "Umask:" -> umask = Integer.parseInt(f[1], 8);
                    case "Uid:" -> uid = Integer.parseInt(f[4]);
                    case "Gid:" -> gid = Integer.parseInt(f[4]);
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
            // keep the defaults
        }
        return new Caller(new Credentials(uid, gid), groups, umask);
    }

    boolean root() {
        return credentials.root();
    }

    /**
     * The kernel's permission check of {@code want} (R_OK|W_OK|X_OK bits) on a file: 0 or
     * EACCES. Root may read and write anything, and execute what has an x bit or is a directory.
     */
    int access(FileStat s, int want) {
        if (root()) {
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
        return root() || s.uid() == credentials.uid();
    }
}
