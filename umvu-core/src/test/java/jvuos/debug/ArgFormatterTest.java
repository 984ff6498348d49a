package jvuos.debug;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import jvuos.ptrace.GuestMemory;
import jvuos.syscall.ArgKind;

class ArgFormatterTest {
    private final ArgFormatter f = new ArgFormatter(new GuestMemory());

    @Test
    void numbersAndFlags() {
        assertEquals("AT_FDCWD", f.format(1, ArgKind.DIRFD, -100));
        assertEquals("3", f.format(1, ArgKind.DIRFD, 3));
        assertEquals("-1", f.format(1, ArgKind.FD, 0xffffffffL));
        assertEquals("O_RDONLY|O_CLOEXEC", f.format(1, ArgKind.OPEN_FLAGS, 02000000));
        assertEquals("O_WRONLY|O_CREAT|O_TRUNC", f.format(1, ArgKind.OPEN_FLAGS, 01101));
        assertEquals("O_RDWR|O_EXCL|010000000000", f.format(1, ArgKind.OPEN_FLAGS, 02 | 0200 | 010000000000));
        assertEquals("AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH", f.format(1, ArgKind.AT_FLAGS, 0x1100));
        assertEquals("0", f.format(1, ArgKind.AT_FLAGS, 0));
        assertEquals("0755", f.format(1, ArgKind.MODE, 0755));
        assertEquals("SIGTERM", f.format(1, ArgKind.SIGNAL, 15));
        assertEquals("SIGRT_2", f.format(1, ArgKind.SIGNAL, 34));
        assertEquals("AF_INET6", f.format(1, ArgKind.FAMILY, 10));
        assertEquals("NULL", f.format(1, ArgKind.PTR, 0));
        assertEquals("0x7ffc0010", f.format(1, ArgKind.OUT_BUF, 0x7ffc0010L));
        assertEquals("NULL", f.format(1, ArgKind.PATH, 0));
    }

    @Test
    void unreadablePathIsShownAsAddress() {
        int self = (int) ProcessHandle.current().pid();
        assertEquals("0x10", f.format(self, ArgKind.PATH, 0x10));
    }

    @Test
    void quotesLikeStrace() {
        assertEquals("\"a\\\"b\\\\c\\n\\x01\"", ArgFormatter.quote("a\"b\\c\n\u0001"));
    }

    @Test
    void errnoAndSignalNames() {
        assertEquals("ENOENT", ErrnoNames.name(2));
        assertEquals("EHWPOISON", ErrnoNames.name(133));
        assertEquals("ERESTARTSYS", ErrnoNames.name(512));
        assertEquals("E41", ErrnoNames.name(41));
        assertEquals("ELOOP", ErrnoNames.name(40));
        assertEquals("EBFONT", ErrnoNames.name(59));
        assertEquals("ETIMEDOUT", ErrnoNames.name(110));
        assertEquals("SIGSYS", SignalNames.name(31));
    }
}
