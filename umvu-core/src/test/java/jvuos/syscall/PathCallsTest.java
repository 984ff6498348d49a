package jvuos.syscall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

class PathCallsTest {
    private final SyscallTable table = SyscallTable.x86_64();
    private final PathCalls calls = PathCalls.x86_64(table);

    @Test
    void everyPathTakingSyscallHasItsRules() {
        // mount and umount2 are served whole by the dispatcher, never resolved as plain path calls.
        Set<String> servedWhole = Set.of("mount", "umount2");
        for (Syscall s : table.all()) {
            long paths = s.args().stream().filter(a -> a == ArgKind.PATH).count();
            PathCall call = calls.byNumber(s.nr());
            if (paths == 0 || servedWhole.contains(s.name())) {
                assertNull(call, s.name() + " takes no path to resolve");
            } else {
                assertEquals(paths, call.paths().size(), "a rule for each path of " + s.name());
            }
        }
    }

    @Test
    void rulesReadAsTheKernelTreatsTheCalls() {
        PathArg openat = rule("openat", 0);
        assertEquals(0, openat.dirfdIndex());
        assertTrue(openat.follows(0));
        assertFalse(openat.follows(PathArg.O_NOFOLLOW));
        assertFalse(openat.follows(PathArg.O_CREAT | PathArg.O_EXCL), "O_CREAT|O_EXCL never follows a final symlink");
        assertFalse(openat.writes(0));
        assertTrue(openat.writes(1));
        assertTrue(openat.writes(PathArg.O_CREAT));

        PathArg fstatat = rule("newfstatat", 0);
        assertTrue(fstatat.follows(0));
        assertFalse(fstatat.follows(PathArg.AT_SYMLINK_NOFOLLOW));
        assertTrue(fstatat.emptyPathAllowed(PathArg.AT_EMPTY_PATH));

        PathArg linkatOld = rule("linkat", 0);
        assertFalse(linkatOld.follows(0));
        assertTrue(linkatOld.follows(PathArg.AT_SYMLINK_FOLLOW));
        assertTrue(rule("linkat", 1).writes(0));
        assertEquals(2, rule("linkat", 1).dirfdIndex());

        assertEquals(-1, rule("stat", 0).dirfdIndex());
        assertFalse(rule("lstat", 0).follows(0));
        assertEquals(1, rule("chroot", 0).deniedErrno());
        assertTrue(calls.byNumber(table.byName("renameat2").orElseThrow().nr()).has(PathCall.Effect.REMOVES));
        assertTrue(calls.byNumber(table.byName("chdir").orElseThrow().nr()).has(PathCall.Effect.CHDIR));
    }

    @Test
    void badRulesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> parse("stat\t1:f\t-"));
        assertThrows(IllegalArgumentException.class, () -> parse("stat\t0:q\t-"));
        assertThrows(IllegalArgumentException.class, () -> parse("stat\t0:a1\t-"), "stat has no flags argument to follow by");
        assertThrows(IllegalArgumentException.class, () -> parse("nosuchcall\t0:f\t-"));
        assertThrows(IllegalArgumentException.class, () -> parse("stat\t0:f:x\t-"));
    }

    private PathArg rule(String name, int i) {
        return calls.byNumber(table.byName(name).orElseThrow().nr()).paths().get(i);
    }

    private void parse(String line) throws java.io.IOException {
        PathCalls.parse(table, new StringReader(line + "\n"));
    }

    @Test
    void numbersAreThoseOfTheRules() {
        assertEquals(List.of(true, false), List.of(calls.numbers().get(257), calls.numbers().get(0)));
    }
}
