package jvuos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * With nothing mounted, umvu must be invisible: real programs give the same stdout, stderr and
 * exit status under umvu as natively, in seccomp mode and in legacy ptrace mode (-S).
 */
class TransparencyIT {
    @TempDir
    static Path scratch;

    static List<Arguments> workloads() {
        List<String> scripts = List.of("bash-features.sh", "coreutils.sh", "tar.sh", "c-program.sh", "static.sh",
                "python.sh", "git.sh", "make.sh");
        List<Arguments> all = new java.util.ArrayList<>();
        for (String script : scripts) {
            all.add(Arguments.of(script, List.of()));
        }
        // Legacy mode stops at every syscall: one heavy and one process-rich workload are enough.
        all.add(Arguments.of("bash-features.sh", List.of("-S")));
        all.add(Arguments.of("c-program.sh", List.of("-S")));
        return all;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("workloads")
    void sameAsNative(String script, List<String> umvuOptions) {
        Run natively = Run.assertTransparent(scratch.resolve("work"), Run.resource(script), "", umvuOptions);
        assertTrue(natively.stdout().length() > 20, "the workload printed too little to compare: " + natively);
    }

    @ParameterizedTest(name = "exit status {0}")
    @MethodSource("exitScripts")
    void exitStatusPassesThrough(String script, int expected) {
        Run natively = Run.assertTransparent(scratch.resolve("exit"), script, "", List.of());
        assertEquals(expected, natively.status());
    }

    static List<Arguments> exitScripts() {
        return List.of(
                Arguments.of("exit 0", 0),
                Arguments.of("exit 42", 42),
                Arguments.of("kill -KILL $$", 137),
                Arguments.of("kill -SEGV $$", 139),
                Arguments.of("nonexistent-command-xyz", 127));
    }

    /**
     * An orphan still running when its parent exits: umvu returns the parent's status, but only
     * once the orphan has finished. (Its output goes to a file: natively, the JDK closes a
     * child's stdout pipe when the child exits, and an orphan's later output is lost or not
     * depending on whether the reading thread is inside a read at that moment.)
     */
    @Test
    void waitsForAnOrphanAndGivesTheParentsStatus() throws IOException {
        Path d = Run.fresh(scratch.resolve("orphan"));
        Run view = Run.umvu(d, "", List.of(),
                List.of("sh", "-c", "(sleep 0.3; echo orphan finished > orphan.txt) & echo parent leaves; exit 3"));
        assertEquals(new Run("parent leaves\n", "", 3), view);
        assertEquals("orphan finished\n", Files.readString(d.resolve("orphan.txt")));
    }

    @ParameterizedTest(name = "stdin and fds {0}")
    @MethodSource("ioScripts")
    void standardInputAndInheritedFds(String script) {
        Run.assertTransparent(scratch.resolve("io"), script, "line one\nline two\n", List.of());
    }

    static List<String> ioScripts() {
        return List.of(
                "cat; echo done",
                "wc -l",
                "exec 7</dev/null; ls /proc/self/fd | wc -l",
                "env -u _ -u PATH | sort",
                "grep -E '^Sig(Blk|Ign)' /proc/self/status",
                "trap '' INT; grep SigIgn /proc/self/status; bash -c 'grep SigIgn /proc/self/status'");
    }
}
