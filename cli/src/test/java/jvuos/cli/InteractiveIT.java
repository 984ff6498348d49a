package jvuos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code umvu bash} in a pseudo-terminal: prompt, line editing, Ctrl-C, Ctrl-Z, jobs, bg, fg and
 * exit behave as in a terminal. The driver script is checked against plain bash first, so a
 * failure under umvu is umvu's.
 */
class InteractiveIT {
    @TempDir
    Path dir;

    @Test
    void driverWorksWithPlainBash() {
        assertSession(List.of());
    }

    @Test
    void interactiveBashUnderUmvu() {
        assertSession(List.of(Run.UMVU.toString()));
    }

    private void assertSession(List<String> prefix) {
        Path driver = dir.resolve("pty_session.py");
        writeDriver(driver);
        List<String> command = new ArrayList<>(List.of("python3", driver.toString()));
        command.addAll(prefix);
        command.addAll(List.of("bash", "--norc", "--noprofile", "-i"));
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
