package jvuos.syscall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

class SyscallTableTest {
    private final SyscallTable table = SyscallTable.x86_64();

    @Test
    void knowsTheCommonCalls() {
        assertEquals(List.of(ArgKind.DIRFD, ArgKind.PATH, ArgKind.OPEN_FLAGS, ArgKind.MODE),
                table.byName("openat").orElseThrow().args());
        assertEquals(257, table.byName("openat").orElseThrow().nr());
        assertEquals("read", table.byNumber(0).orElseThrow().name());
        assertEquals(ReturnKind.FD, table.byName("open").orElseThrow().returns());
        assertEquals(ReturnKind.NONE, table.byName("exit_group").orElseThrow().returns());
        assertEquals(List.of(ArgKind.STRING, ArgKind.PATH), table.byName("symlink").orElseThrow().args(),
                "symlink's target is not resolved");
        assertTrue(table.maxNumber() >= 450);
    }

    @Test
    void virtualizableMeansPathFdOrFamily() {
        assertTrue(table.byName("stat").orElseThrow().isVirtualizable());
        assertTrue(table.byName("read").orElseThrow().isVirtualizable());
        assertTrue(table.byName("socket").orElseThrow().isVirtualizable());
        assertFalse(table.byName("getpid").orElseThrow().isVirtualizable());
        assertFalse(table.byName("futex").orElseThrow().isVirtualizable());
        assertFalse(table.byName("brk").orElseThrow().isVirtualizable());
    }

    @Test
    void everyPathTakingCallOfTheKernelIsMarked() {
        for (String name : List.of("open", "openat", "openat2", "creat", "stat", "lstat", "newfstatat", "statx",
                "access", "faccessat", "faccessat2", "readlink", "readlinkat", "mkdir", "mkdirat", "mknod",
                "mknodat", "rmdir", "unlink", "unlinkat", "rename", "renameat", "renameat2", "link", "linkat",
                "symlink", "symlinkat", "chmod", "fchmodat", "chown", "lchown", "fchownat", "truncate", "utime",
                "utimes", "utimensat", "futimesat", "statfs", "execve", "execveat", "chdir", "getxattr",
                "setxattr", "listxattr", "removexattr", "lgetxattr", "mount", "umount2", "chroot")) {
            Syscall s = table.byName(name).orElseThrow(() -> new AssertionError("missing " + name));
            assertTrue(s.args().contains(ArgKind.PATH), name + " takes a path");
        }
    }

    /** The numbers must be the kernel's: compare with the installed header where there is one. */
    @Test
    void numbersMatchTheKernelHeader() throws IOException {
        Path header = Path.of("/usr/include/x86_64-linux-gnu/asm/unistd_64.h");
        if (!Files.exists(header)) {
            return; // linux-libc-dev is not installed: nothing to compare with
        }
        Matcher m = Pattern.compile("#define __NR_(\\w+) (\\d+)").matcher(Files.readString(header));
        int checked = 0;
        while (m.find()) {
            String name = m.group(1);
            int nr = Integer.parseInt(m.group(2));
            assertEquals(name, table.byNumber(nr).map(Syscall::name).orElse(null), "syscall " + nr);
            checked++;
        }
        assertTrue(checked > 300, "the header defined too few syscalls");
    }

    @Test
    void rejectsMalformedRows() {
        assertThrows(IllegalArgumentException.class, () -> SyscallTable.parse(new StringReader("0\tread\tFD\n")));
        assertThrows(IllegalArgumentException.class,
                () -> SyscallTable.parse(new StringReader("0\tread\tNOPE\tSIZE\n")));
        assertThrows(IllegalArgumentException.class,
                () -> SyscallTable.parse(new StringReader("0\ta\t-\tINT\n0\tb\t-\tINT\n")));
        assertThrows(IllegalArgumentException.class,
                () -> SyscallTable.parse(new StringReader("0\ta\tFD,FD,FD,FD,FD,FD,FD\tINT\n")));
    }
}
