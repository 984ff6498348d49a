package jvuos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files a module serves itself (the test module memfs, in the hypervisor's memory): the
 * kernel never sees them, so every path call and every call on their fds is answered by the
 * framework. The same scripts run in a host directory are the oracle.
 */
class ServedFilesIT {
    @TempDir
    static Path home;

    @BeforeAll
    static void installMemfs() throws IOException {
        TestModules.install(home);
    }

    /** {@code script} with the cwd in a fresh host directory, natively or (umvu) in a memfs mount of it. */
    private static Run inDirectory(String name, String script, boolean served, List<String> umvuOptions) {
        Path d = Run.fresh(home.resolve(name));
        if (!served) {
            return Run.of(d, "", List.of("env", "HERE=" + d.resolve("d"), "bash", "-c", "mkdir d && cd d && " + script));
        }
        List<String> command = new ArrayList<>(List.of("env", "HOME=" + home, "HERE=" + d.resolve("d"), Run.UMVU.toString()));
        command.addAll(umvuOptions);
        String options = name.startsWith("events") ? "-o events " : "";
        command.addAll(List.of("bash", "-c", "vumount -t memfs " + options + "none \"$PWD/d\" && cd d && " + script));
        return Run.of(d, "", command);
    }

    private static void assertSameAsHost(String name, String script, List<String> umvuOptions) {
        Run natively = inDirectory(name + "-host", script, false, List.of());
        Run served = inDirectory(name + "-served", script, true, umvuOptions);
        assertEquals(natively, served);
        assertTrue(Files.notExists(home.resolve(name + "-served/d/a")), "the host saw a served file");
    }

    /** Runs the resource script {@code name} with {@code interpreter} in both places. */
    private static void assertScriptSameAsHost(String interpreter, String name, List<String> umvuOptions) throws IOException {
        String copy = (umvuOptions.isEmpty() ? "" : "legacy-") + name;
        Path script = Files.writeString(home.resolve(copy), Run.resource(name));
        assertSameAsHost(copy, interpreter + " " + script, umvuOptions);
    }

    @Test
    void programsWorkInAServedDirectory() throws IOException {
        assertScriptSameAsHost("bash", "served-files.sh", List.of());
    }

    @Test
    void syscallsOnServedPathsAndFds() throws IOException {
        assertScriptSameAsHost("python3", "served-calls.py", List.of());
    }

    @Test
    void blockingReadsSignalsAndReadiness() throws IOException {
        assertScriptSameAsHost("python3", "served-fifo.py", List.of());
    }

    @Test
    void mmapOfServedFiles() throws IOException {
        assertScriptSameAsHost("python3", "served-mmap.py", List.of());
    }

    @Test
    void sameInLegacyPtraceMode() throws IOException {
        for (String name : List.of("served-calls.py", "served-fifo.py", "served-mmap.py")) {
            assertScriptSameAsHost("python3", name, List.of("-S"));
        }
    }

    @Test
    void anOpenFdKeepsTheMountBusyInAnyProcess() {
        Run run = inDirectory("busy", """
                echo data > f && exec 3< f && cd .. || exit 1
                vuumount d; echo "fd open: $?"
                exec 3<&-
                (sleep 1 < d/f) & sleep 0.3
                vuumount d; echo "a child holds it: $?"
                wait
                vuumount d; echo "all closed: $?"
                test -e d; echo "and gone: $?"
                """, true, List.of());
        assertEquals(new Run("fd open: 1\na child holds it: 1\nall closed: 0\nand gone: 1\n",
                "vuumount: unmounting d: Device or resource busy\nvuumount: unmounting d: Device or resource busy\n", 0), run);
    }

    @Test
    void aNodeOfAServedDeviceNumberReachesTheModuleAnywhere() {
        Path d = Run.fresh(home.resolve("device"));
        Run mknod = Run.of(d, "", List.of("mknod", "node", "c", "240", "7"));
        assumeTrue(mknod.status() == 0, "device nodes cannot be made here (not root): " + mknod.stderr());
        Run run = Run.of(d, "", List.of("env", "HOME=" + home, Run.UMVU.toString(), "bash", "-c", """
                head -c 4 node; echo "before: $?"
                vumount -t memfs -o zero=240:7 none "$PWD/m" && head -c 4 node | od -An -tx1
                vuumount m && head -c 4 node; echo "after: $?"
                """));
        String enxio = "head: cannot open 'node' for reading: No such device or address\n";
        assertEquals(new Run("before: 1\n 00 00 00 00\nafter: 1\n", enxio + enxio, 0), run);
    }

    @Test
    void modulesHearOfProcessesStartingExecingAndEnding() {
        Run run = inDirectory("events", """
                :
                /bin/true & child=$!; wait
                grep -E "(^| )$child( |$)" events | sed -E "s/(^| )$child( |$)/\\1CHILD\\2/g; s/ $$$/ PARENT/"
                """, true, List.of());
        assertEquals(new Run("process CHILD of PARENT\nexec CHILD\nend CHILD\n", "", 0), run);
    }

    @Test
    void aReadOnlyServedMountRefusesChangesByPathAndByFd() {
        Path d = Run.fresh(home.resolve("read-only"));
        Run run = Run.of(d, "", List.of("env", "HOME=" + home, "LC_ALL=C", Run.UMVU.toString(), "bash", "-c", """
                vumount -r -t memfs none "$PWD/m" && cd m || exit 1
                touch f; touch .; mkdir x; echo "by path: $?"
                python3 -c '
                import os
                fd = os.open(".", os.O_RDONLY)
                for name, call in (("fchmod", lambda: os.fchmod(fd, 0o700)), ("futimens", lambda: os.utime(fd)),
                                   ("fchown", lambda: os.fchown(fd, 1, 1)), ("fsetxattr", lambda: os.setxattr(fd, "user.a", b"1"))):
                    try:
                        call()
                        print(name, "changed it")
                    except OSError as e:
                        print(name, e.strerror)
                '
                """));
        assertEquals(new Run("by path: 1\nfchmod Read-only file system\nfutimens Read-only file system\n"
                + "fchown Read-only file system\nfsetxattr Read-only file system\n",
                "touch: cannot touch 'f': Read-only file system\ntouch: cannot touch '.': Read-only file system\n"
                + "mkdir: cannot create directory 'x': Read-only file system\n", 0), run);
    }

    @Test
    void aFailingModuleGivesEioAndTheSessionGoesOn() {
        Run run = inDirectory("explode", """
                echo boom > explode && cat explode; echo "status $?"; echo still > f && cat f
                """, true, List.of());
        assertEquals(new Run("status 1\nstill\n", "umvu: module memfs failed: java.lang.IllegalStateException: a bug in read\n"
                + "cat: explode: Input/output error\n", 0), run);
    }
}
