package jvuos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * umvu in a pseudo-terminal. Inside {@code umvu bash}: prompt, line editing, Ctrl-C, Ctrl-Z, jobs,
 * bg, fg and exit behave as in a terminal. From an outer shell: {@code umvu CMD} is one job that
 * Ctrl-Z stops and fg resumes, and a {@code suspend} inside umvu stops that job. Each scenario is
 * first checked without umvu, so a failure under umvu is umvu's; the one with a mount is first
 * checked with the kernel's bind mounts in a private mount namespace.
 */
class InteractiveIT {
    @TempDir
    Path dir;

    private static final List<String> BASH = List.of("bash", "--norc", "--noprofile", "-i");

    @Test
    void insideDriverWorksWithPlainBash() {
        assertSession("inside", BASH);
    }

    @Test
    void jobControlInsideUmvuBash() {
        List<String> command = new ArrayList<>(List.of(Run.UMVU.toString()));
        command.addAll(BASH);
        assertSession("inside", command);
    }

    @Test
    void mountDriverWorksWithTheKernelsBindMounts() {
        assertSession("mounted", List.of("env", "MOUNT=mount --bind", "UMOUNT=umount",
                "unshare", "--mount", "--propagation", "private", "bash", "--norc", "--noprofile", "-i"));
    }

    @Test
    void mountInsideUmvuBash() {
        List<String> command = new ArrayList<>(List.of("env", "MOUNT=vumount -t vufs", "UMOUNT=vuumount", Run.UMVU.toString()));
        command.addAll(BASH);
        assertSession("mounted", command);
    }

    @Test
    void outerDriverWorksNatively() {
        assertSession("outer", List.of("env"));
    }

    @Test
    void umvuIsOneJobOfTheOuterShell() {
        assertSession("outer", List.of(Run.UMVU.toString()));
    }

    private void assertSession(String scenario, List<String> arguments) {
        Path driver = dir.resolve("pty_session.py");
        writeDriver(driver);
        List<String> command = new ArrayList<>(List.of("python3", driver.toString(), scenario));
        command.addAll(arguments);
        Run run = Run.of(dir, "", command);
        assertEquals("OK\n", run.stdout(), run.stdout() + run.stderr());
        assertEquals(0, run.status());
    }

    private static void writeDriver(Path to) {
        try {
            java.nio.file.Files.writeString(to, Run.resource("pty_session.py"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
