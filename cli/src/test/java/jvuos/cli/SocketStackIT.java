package jvuos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dispatch by socket family: a process that makes a module's stack its default (msocket)
 * gets that stack's sockets, handed over as real fds at the numbers socket(2) gives, and
 * passes the default on to its children; other families stay on the host's stack. The test
 * stack's inet sockets are unix sockets, which SO_DOMAIN shows.
 */
class SocketStackIT {
    @TempDir
    static Path home;

    @BeforeAll
    static void installTestStack() throws IOException {
        TestModules.install(home);
    }

    @Test
    void socketsOfADefaultStackComeFromItsModule() {
        Path script = Run.resourceIn(home, "socket-stack.py");
        Run run = Run.of(home, "", List.of("env", "HOME=" + home, Run.UMVU.toString(), "bash", "-c",
                "vumount -t teststack none /dev/net/t && python3 " + script));
        assertEquals(new Run("""
                before 2
                msocket 0\s
                after 1 True 1
                ipv6 stays 10
                cloexec 1 0
                child 1
                not a stack -1 88
                take without a gift -1 38
                back to the host 0 2
                """, "", 0), run);
    }

    @Test
    void legacyModeCannotHandSocketsOver() throws IOException {
        Run run = Run.of(home, "", List.of("env", "HOME=" + home, Run.UMVU.toString(), "-S", "bash", "-c", """
                vumount -t teststack none /dev/net/t && python3 -c '
                import ctypes, socket
                libc = ctypes.CDLL(None, use_errno=True)
                print(libc.syscall(1028, b"/dev/net/t", 2, 0, 0))
                try:
                    socket.socket()
                except OSError as e:
                    print(e.strerror)
                '
                """));
        assertEquals(new Run("0\nAddress family not supported by protocol\n",
                "umvu: a virtual network stack needs seccomp user notification, which this session lacks\n", 0), run);
    }
}
