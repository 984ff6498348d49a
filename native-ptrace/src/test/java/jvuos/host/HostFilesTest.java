package jvuos.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import jvuos.errno.Errno;
import jvuos.ptrace.DirectCalls;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fd-table probes against the kernel, on this JVM's own fds: the kernel's dup is the
 * oracle. (Other threads of the JVM may open fds between a probe and the dup it foretells:
 * a case is tried a few times before it counts as failed.)
 */
class HostFilesTest {
    private static final int ATTEMPTS = 5;
    private static final int SYS_OPENAT = 257;
    private static final int SYS_FCNTL = 72;
    private static final int F_DUPFD = 0;
    private static final int O_RDONLY_CLOEXEC = 02000000;

    private final HostFiles host = new HostFiles();
    private final int self = (int) ProcessHandle.current().pid();

    private static int openRoot() {
        byte[] root = HostFiles.bytes("/");
        jnr.ffi.Pointer path = jnr.ffi.Memory.allocateDirect(jvuos.ptrace.Native.runtime(), root.length + 1, true);
        path.put(0, root, 0, root.length);
        int fd = (int) DirectCalls.syscall(SYS_OPENAT, HostFiles.AT_FDCWD, path.address(), O_RDONLY_CLOEXEC, 0);
        if (fd < 0) {
            throw new IllegalStateException("open /: errno " + DirectCalls.errno());
        }
        return fd;
    }

    @BeforeEach
    void kcmpWorks() {
        int fd = openRoot();
        int open = host.isOpen(self, fd);
        DirectCalls.close(fd);
        assumeTrue(open == 1, "kcmp(2) is unavailable here (errno " + -open + "): umvu then waits for exit stops");
    }

    @Test
    void lowestFreeFdIsTheOneTheKernelsDupGives() {
        int[] fds = new int[6];
        for (int i = 0; i < fds.length; i++) {
            fds[i] = openRoot();
        }
        // Holes at fds[1] and fds[4]: a search from below fds[1] stops there, one above it at fds[4].
        DirectCalls.close(fds[1]);
        DirectCalls.close(fds[4]);
        try {
            // Every start, so that the holes fall on either fd of a probed pair; with no fd
            // taken to be open, and with each open one (skipped, shifting the pairs).
            for (int from = 0; from <= fds[5] + 2; from++) {
                for (int taken : new int[] {-1, fds[0], fds[2], fds[3], fds[5]}) {
                    int[] last = null;
                    for (int attempt = 0; attempt < ATTEMPTS && (last == null || last[0] != last[1]); attempt++) {
                        int predicted = host.lowestFreeFd(self, from, 64, taken);
                        int made = (int) DirectCalls.syscall(SYS_FCNTL, fds[0], F_DUPFD, from, 0);
                        DirectCalls.close(made);
                        last = new int[] {predicted, made};
                    }
                    assertEquals(last[1], last[0], "F_DUPFD from " + from + ", fd " + taken + " taken");
                }
            }
        } finally {
            for (int fd : new int[] {fds[0], fds[2], fds[3], fds[5]}) {
                DirectCalls.close(fd);
            }
        }
    }

    @Test
    void isOpenTellsOpenFromClosed() {
        int fd = openRoot();
        assertEquals(1, host.isOpen(self, fd));
        DirectCalls.close(fd);
        int[] seen = new int[ATTEMPTS];
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            seen[attempt] = host.isOpen(self, fd); // 1 only if another thread took the number meanwhile
        }
        assertTrue(java.util.Arrays.stream(seen).anyMatch(s -> s == 0), "closed fd seen open: " + java.util.Arrays.toString(seen));
        assertEquals(-Errno.ESRCH, host.isOpen(Integer.MAX_VALUE, 0), "no such process");
    }

    @Test
    void aSearchThatPassesTooManyOpenFdsGivesUp() {
        int fd = openRoot();
        // Two open fds in a row, high above the JVM's own.
        int first = (int) DirectCalls.syscall(SYS_FCNTL, fd, F_DUPFD, 900, 0);
        int second = (int) DirectCalls.syscall(SYS_FCNTL, fd, F_DUPFD, first + 1, 0);
        try {
            assertEquals(first + 1, second, "two fds in a row");
            assertEquals(-Errno.ERANGE, host.lowestFreeFd(self, first, 2, -1));
            assertEquals(-Errno.ERANGE, host.lowestFreeFd(self, first, 1, -1), "an odd number of probes");
            assertEquals(-Errno.ERANGE, host.lowestFreeFd(self, first, 2, first), "one of them taken");
            assertEquals(-Errno.EINVAL, host.lowestFreeFd(self, -1, 2, -1));
        } finally {
            for (int f : new int[] {fd, first, second}) {
                DirectCalls.close(f);
            }
        }
    }
}
