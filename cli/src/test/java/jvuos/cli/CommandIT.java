package jvuos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The umvu command itself: options, errors like a shell's, signals and clean-up. */
class CommandIT {
    @TempDir
    static Path dir;
    static Path denySyscall;

    @BeforeAll
    static void buildHelper() throws Exception {
        denySyscall = dir.resolve("deny-syscall");
        Run gcc = Run.of(dir, "", List.of("gcc", "-Wall", "-o", denySyscall.toString(),
                Run.ROOT.resolve("cli/src/test/c/deny-syscall.c").toString()));
        assertEquals(0, gcc.status(), gcc.stderr());
    }

    @Test
    void commandNotFound() {
        Run run = Run.umvu(dir, "", List.of(), List.of("no-such-command-xyz"));
        assertEquals(127, run.status());
        assertEquals("umvu: no-such-command-xyz: command not found\n", run.stderr());
    }

    @Test
    void missingPath() {
        Run run = Run.umvu(dir, "", List.of(), List.of("/no/such/file"));
        assertEquals(127, run.status());
        assertEquals("umvu: /no/such/file: No such file or directory\n", run.stderr());
    }

    @Test
    void notExecutable() throws IOException {
        Path plain = Files.writeString(dir.resolve("plain.txt"), "not a program\n");
        Run run = Run.umvu(dir, "", List.of(), List.of(plain.toString()));
        assertEquals(126, run.status());
        assertEquals("umvu: " + plain + ": Permission denied\n", run.stderr());
    }

    @Test
    void optionsAfterTheCommandBelongToIt() {
        Run run = Run.umvu(dir, "", List.of(), List.of("echo", "-d", "-S", "--version"));
        assertEquals("-d -S --version\n", run.stdout());
        assertEquals(0, run.status());
    }

    @Test
    void versionAndHelp() {
        Run version = Run.umvu(dir, "", List.of("--version"), List.of());
        assertEquals(0, version.status());
        assertTrue(version.stdout().startsWith("umvu (jvuos)"), version.stdout());
        Run help = Run.umvu(dir, "", List.of("-h"), List.of());
        assertEquals(0, help.status());
        assertTrue(help.stdout().contains("Usage: umvu"), help.stdout());
        assertTrue(help.stdout().contains("-S"), help.stdout());
    }

    @Test
    void noCommandIsAnError() {
        Run run = Run.umvu(dir, "", List.of(), List.of());
        assertEquals(1, run.status());
        assertTrue(run.stderr().startsWith("umvu: "), run.stderr());
    }

    @Test
    void unknownDebugTag() {
        Run run = Run.umvu(dir, "", List.of("-d", "bogus"), List.of("true"));
        assertEquals(1, run.status());
        assertEquals("umvu: unknown debug tag 'bogus' (known: syscall, dispatch, tracer, vufs, vudev, vunet, all)\n", run.stderr());
    }

    @Test
    void syscallTraceLinesGoToTheLogFile() throws IOException {
        Path log = dir.resolve("trace.log");
        Path file = Files.writeString(dir.resolve("traced.txt"), "content\n");
        Run run = Run.umvu(dir, "", List.of("-d", "syscall", "-o", log.toString()),
                List.of("sh", "-c", "cat " + file + "; cat /no/such/file; exit 3"));
        assertEquals(3, run.status());
        assertEquals("content\n", run.stdout());
        assertEquals("cat: /no/such/file: No such file or directory\n", run.stderr());
        String trace = Files.readString(log);
        assertTrue(trace.matches("(?s).*\\[pid \\d+\\] openat\\(AT_FDCWD, \"" + file + "\", O_RDONLY(\\|O_LARGEFILE)?, 00\\) = 3\n.*"),
                trace);
        assertTrue(trace.matches("(?s).*openat\\(AT_FDCWD, \"/no/such/file\", O_RDONLY[^)]*\\) = -1 ENOENT\n.*"), trace);
        assertTrue(trace.matches("(?s).*execve\\(\"/usr/bin/cat\", 0x[0-9a-f]+, 0x[0-9a-f]+\\) = 0\n.*"), trace);
        // exit_group takes no path or fd: the seccomp filter lets it through unseen.
        assertFalse(trace.contains("exit_group"), trace);
    }

    @Test
    void legacyModeTracesEverySyscall() {
        Run run = Run.umvu(dir, "", List.of("-S", "-d", "syscall"), List.of("true"));
        assertEquals(0, run.status());
        assertTrue(run.stderr().contains("brk(NULL) = 0x"), run.stderr());
        assertTrue(run.stderr().contains("exit_group(0) = ?"), run.stderr());
    }

    @Test
    void ptraceNotPermitted() {
        Run run = Run.of(dir, "", List.of(denySyscall.toString(), "ptrace", Run.UMVU.toString(), "echo", "hi"));
        assertEquals(1, run.status());
        assertEquals("", run.stdout());
        assertTrue(run.stderr().startsWith("umvu: ptrace not permitted"), run.stderr());
        assertEquals(1, run.stderr().lines().count(), run.stderr());
    }

    @Test
    void seccompUnavailableFallsBackToLegacyMode() {
        Run run = Run.of(dir, "", List.of(denySyscall.toString(), "seccomp", Run.UMVU.toString(), "-d", "syscall",
                "sh", "-c", "echo still works; exit 4"));
        assertEquals(4, run.status());
        assertEquals("still works\n", run.stdout());
        assertTrue(run.stderr().startsWith("umvu: warning: seccomp filters unavailable, using legacy ptrace mode\n"),
                run.stderr());
        // Legacy mode sees calls the seccomp filter would have let through.
        assertTrue(run.stderr().contains("brk(NULL) = 0x"), run.stderr());
    }

    @Test
    void sigtermToUmvuReachesTheGuest() {
        long start = System.nanoTime();
        Run run = Run.of(dir, "", List.of("timeout", "1", Run.UMVU.toString(), "sleep", "30"));
        assertEquals(124, run.status(), "timeout reports that its command timed out");
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(15), "the guest ignored SIGTERM");
    }

    @Test
    void killingUmvuKillsTheGuest() throws Exception {
        Path marker = dir.resolve("guest-alive");
        Process umvu = new ProcessBuilder(Run.UMVU.toString(), "sh", "-c", "touch " + marker + "; exec sleep 60")
                .directory(dir.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.exists(marker) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(Files.exists(marker), "the guest never started");
        List<ProcessHandle> guests = umvu.descendants().toList();
        assertFalse(guests.isEmpty());
        umvu.destroyForcibly().waitFor();
        for (ProcessHandle guest : guests) {
            guest.onExit().get(10, TimeUnit.SECONDS);
            assertFalse(guest.isAlive(), "guest " + guest.pid() + " outlived umvu");
        }
    }

    @Test
    void leavesNoTemporaryFile() throws Exception {
        Path tmp = Files.createDirectories(dir.resolve("private-tmp"));
        ProcessBuilder pb = new ProcessBuilder(Run.UMVU.toString(), "sh", "-c", "exit 0").directory(dir.toFile());
        pb.environment().put("TMPDIR", tmp.toString());
        pb.environment().put("JAVA_TOOL_OPTIONS", "-Djava.io.tmpdir=" + tmp);
        Process umvu = pb.redirectErrorStream(true).start();
        umvu.getInputStream().readAllBytes();
        assertEquals(0, umvu.waitFor());
        try (var left = Files.list(tmp)) {
            assertEquals(List.of(), left.toList(), "files umvu left in its temporary directory");
        }
        assertFalse(Files.exists(Path.of("/tmp/hsperfdata_" + System.getProperty("user.name"), Long.toString(umvu.pid()))),
                "JVM performance data file");
    }

    @Test
    void umvuWaitsForEveryDescendant() {
        Run run = Run.umvu(dir, "", List.of(), List.of("sh", "-c", "(sleep 0.5; echo late child) & exit 2"));
        assertEquals(2, run.status());
        assertEquals("late child\n", run.stdout());
    }
}
