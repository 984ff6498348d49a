package jvuos.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import jvuos.errno.Errno;
import jvuos.ptrace.DirectCalls;
import org.junit.jupiter.api.Test;

/** The fd-table probes against the kernel, on this JVM's own fds: the kernel's dup is the oracle. */
class HostFilesTest {
    private static final int SYS_OPENAT = 257;
    private static final int SYS_FCNTL = 72;
    private static final int F_DUPFD = 0;
    private static final int SYS_DUP2 = 33;
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

    @Test
    void lowestFreeFdIsTheOneTheKernelsDupGives() {
        List<int[]> cases = new ArrayList<>();
        int[] fds = new int[6];
        for (int i = 0; i < fds.length; i++) {
            fds[i] = openRoot();
        }
        // Holes at fds[1] and fds[4]: a search from below fds[1] stops there, one above it at fds[4].
        DirectCalls.close(fds[1]);
        DirectCalls.close(fds[4]);
        try {
            for (int from : new int[] {0, fds[0], fds[1] + 1, fds[5], fds[5] + 1}) {
                int predicted = host.lowestFreeFd(self, from, 64);
                int made = (int) DirectCalls.syscall(SYS_FCNTL, fds[0], F_DUPFD, from, 0);
                cases.add(new int[] {from, predicted, made});
                DirectCalls.close(made);
            }
        } finally {
            for (int fd : new int[] {fds[0], fds[2], fds[3], fds[5]}) {
                DirectCalls.close(fd);
            }
        }
        for (int[] c : cases) {
            assertEquals(c[2], c[1], "F_DUPFD from " + c[0]);
        }
    }

    @Test
    void isOpenTellsOpenFromClosed() {
        int fd = openRoot();
        assertEquals(1, host.isOpen(self, fd));
        DirectCalls.close(fd);
        assertEquals(0, host.isOpen(self, fd));
        assertEquals(-Errno.ESRCH, host.isOpen(Integer.MAX_VALUE, 0), "no such process");
    }

    @Test
    void aSearchThatPassesTooManyOpenFdsGivesUp() {
        int fd = openRoot();
        // Two open fds in a row, where this JVM has none of its own.
        int first = (int) DirectCalls.syscall(SYS_DUP2, fd, 900, 0, 0);
        int second = (int) DirectCalls.syscall(SYS_DUP2, fd, 901, 0, 0);
        try {
            assertEquals(900, first);
            assertEquals(901, second);
            assertEquals(-Errno.ERANGE, host.lowestFreeFd(self, 900, 2));
            assertEquals(902, host.lowestFreeFd(self, 900, 3));
            assertEquals(-Errno.EINVAL, host.lowestFreeFd(self, -1, 2));
        } finally {
            for (int f : new int[] {fd, first, second}) {
                DirectCalls.close(f);
            }
        }
    }
}
