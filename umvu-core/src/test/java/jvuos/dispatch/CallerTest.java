package jvuos.dispatch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;

import org.junit.jupiter.api.Test;

import jvuos.errno.Errno;
import jvuos.module.Credentials;
import jvuos.module.FileStat;

/** The kernel's permission rules for served files, and the /proc fd links a caller may name. */
class CallerTest {
    private static FileStat file(int mode, int uid, int gid) {
        return new FileStat(mode, 1, 1, uid, gid, 0, 0, 0, 0, 0, 0, 0);
    }

    @Test
    void ownerGroupAndOtherBitsDecideInThatOrder() {
        Caller user = new Caller(new Credentials(1000, 100), new Credentials(1000, 100), Set.of(20), 022, false);
        FileStat f = file(FileStat.S_IFREG | 0640, 1000, 100);
        assertEquals(0, user.access(f, Caller.R_OK | Caller.W_OK));
        assertEquals(Errno.EACCES, user.access(f, Caller.X_OK));
        // the owner's bits apply to the owner even when the group's would allow more
        assertEquals(Errno.EACCES, user.access(file(FileStat.S_IFREG | 0070, 1000, 100), Caller.R_OK));
        assertEquals(0, user.access(file(FileStat.S_IFREG | 0040, 0, 20), Caller.R_OK)); // a supplementary group
        assertEquals(0, user.access(file(FileStat.S_IFREG | 0004, 0, 0), Caller.R_OK));
        assertEquals(Errno.EACCES, user.access(file(FileStat.S_IFREG | 0004, 0, 0), Caller.W_OK));
        assertTrue(user.owns(f));
        assertFalse(user.owns(file(FileStat.S_IFREG | 0777, 0, 100)));
    }

    @Test
    void rootReadsAndWritesAllButExecutesOnlyWithAnXBit() {
        Caller root = new Caller(new Credentials(0, 0), new Credentials(0, 0), Set.of(), 022, false);
        assertEquals(0, root.access(file(FileStat.S_IFREG, 5, 5), Caller.R_OK | Caller.W_OK));
        assertEquals(Errno.EACCES, root.access(file(FileStat.S_IFREG | 0644, 5, 5), Caller.X_OK));
        assertEquals(0, root.access(file(FileStat.S_IFREG | 0001, 5, 5), Caller.X_OK));
        assertEquals(0, root.access(file(FileStat.S_IFDIR, 5, 5), Caller.X_OK));
    }

    @Test
    void accessJudgesByTheRealIds() {
        // a set-user-ID root program run by user 1000: its file-system ids are root's
        Caller setuidRoot = new Caller(new Credentials(0, 0), new Credentials(1000, 100), Set.of(), 022, false);
        FileStat rootsOnly = file(FileStat.S_IFREG | 0600, 0, 0);
        assertEquals(0, setuidRoot.access(rootsOnly, Caller.R_OK));
        assertEquals(Errno.EACCES, setuidRoot.byRealIds().access(rootsOnly, Caller.R_OK));
    }

    @Test
    void whereTheHostDecidesAnyonePassesRootsChecks() {
        Caller anyone = Caller.HOST_DECIDES;
        assertEquals(0, anyone.access(file(FileStat.S_IFREG | 0600, 0, 0), Caller.R_OK | Caller.W_OK));
        assertEquals(Errno.EACCES, anyone.access(file(FileStat.S_IFREG | 0644, 0, 0), Caller.X_OK));
        assertTrue(anyone.owns(file(FileStat.S_IFREG | 0644, 0, 0)));
        assertTrue(anyone.privileged());
        assertFalse(anyone.root());
    }

    @Test
    void procFdLinksNameAThreadAndAnFd() {
        assertArrayEquals(new int[] {10, 3}, ProcLinks.fdLink("/proc/self/fd/3", 10, 11));
        assertArrayEquals(new int[] {11, 0}, ProcLinks.fdLink("/proc/thread-self/fd/0", 10, 11));
        assertArrayEquals(new int[] {42, 7}, ProcLinks.fdLink("/proc/42/fd/7", 10, 11));
        assertArrayEquals(new int[] {43, 7}, ProcLinks.fdLink("/proc/42/task/43/fd/7", 10, 11));
        assertNull(ProcLinks.fdLink("/proc/self/fd/03", 10, 11));
        assertNull(ProcLinks.fdLink("/proc/self/fd/3/x", 10, 11));
        assertNull(ProcLinks.fdLink("/proc/42/cwd", 10, 11));
    }
}
