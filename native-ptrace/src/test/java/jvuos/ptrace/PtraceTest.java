package jvuos.ptrace;

import jvuos.errno.Errno;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.junit.jupiter.api.Test;

/** The bindings against the kernel: a real child is traced and its exit_group argument rewritten. */
class PtraceTest {
    private static final Path LAUNCHER = Path.of("target/native/umvu-launcher");
    private static final int EXIT_GROUP = 231;

    @Test
    void rewritesASyscallArgumentThroughTheRegisters() throws Exception {
        assertTrue(Files.isExecutable(LAUNCHER), "the build compiles the launcher first");
        Ptrace ptrace = new Ptrace();
        int[] pipe = Spawn.inheritablePipe();
        List<byte[]> argv = new ArrayList<>();
        for (String a : List.of(LAUNCHER.toString(), Integer.toString(pipe[0]), "0,1,2", "0", "0", "--",
                "/bin/sh", "-c", "exit 3")) {
            argv.add(a.getBytes(StandardCharsets.UTF_8));
        }
        int pid = Spawn.spawn(LAUNCHER.toString(), argv, List.of());
        Native.libc().close(pipe[0]);
        ptrace.seize(pid, Ptrace.O_TRACESYSGOOD | Ptrace.O_EXITKILL | Ptrace.O_TRACEEXEC);
        ptrace.interrupt(pid);
        assertEquals(pid, ptrace.await(pid, 0));
        // posix_spawn returns while the kernel may still be finishing the launcher's own exec:
        // then the tracee stops there instead of at the interrupt.
        int firstStop = ptrace.lastStatus() >> 16 & 0xff;
        assertTrue(firstStop == Ptrace.EVENT_STOP || firstStop == Ptrace.EVENT_EXEC, "stopped: " + firstStop);
        ptrace.syscall(pid, 0);
        byte[] noFilter = new byte[4];
        assertEquals(4, Native.libc().write(pipe[1], noFilter, 4));
        Native.libc().close(pipe[1]);

        SyscallInfo info = new SyscallInfo();
        Registers regs = new Registers();
        boolean execSeen = false;
        boolean rewritten = false;
        while (true) {
            assertEquals(pid, ptrace.await(pid, 0));
            int status = ptrace.lastStatus();
            if ((status & 0x7f) == 0) {
                assertTrue(execSeen, "PTRACE_EVENT_EXEC was reported");
                assertTrue(rewritten, "exit_group was seen");
                assertEquals(42, status >> 8 & 0xff, "the rewritten exit status");
                return;
            }
            int signal = status >> 8 & 0xff;
            int event = status >> 16 & 0xff;
            if (event == Ptrace.EVENT_EXEC) {
                execSeen = true;
                assertEquals(pid, (int) ptrace.eventMessage(pid), "exec by the leader keeps its tid");
            } else if (signal == (Signals.SIGTRAP | 0x80)) {
                ptrace.syscallInfo(pid, info);
                assertEquals(SyscallInfo.ARCH_X86_64, info.arch());
                if (info.op() == SyscallInfo.OP_ENTRY && info.nr() == EXIT_GROUP) {
                    assertEquals(3, info.arg(0));
                    ptrace.getRegs(pid, regs);
                    assertEquals(EXIT_GROUP, regs.get(Registers.ORIG_RAX));
                    assertEquals(3, regs.get(Registers.RDI));
                    regs.set(Registers.RDI, 42);
                    ptrace.setRegs(pid, regs);
                    rewritten = true;
                }
            }
            ptrace.syscall(pid, 0);
        }
    }

    @Test
    void errorsCarryTheirErrno() {
        PtraceException e = org.junit.jupiter.api.Assertions.assertThrows(PtraceException.class,
                () -> new Ptrace().cont(1, 0));
        assertEquals(Errno.ESRCH, e.errno(), "init is not our tracee");
    }

    @Test
    void guestMemoryReadsAndWritesAProcess() {
        int self = Native.libc().getpid();
        Pointer buffer = Memory.allocateDirect(Native.runtime(), 8192);
        byte[] text = "hello guest".getBytes(StandardCharsets.UTF_8);
        // Place the string across a page boundary to exercise the page-by-page reading.
        long address = (buffer.address() | 4095) + 1 - 5;
        long offset = address - buffer.address();
        buffer.put(offset, text, 0, text.length);
        buffer.putByte(offset + text.length, (byte) 0);
        GuestMemory memory = new GuestMemory();
        assertEquals("hello guest", memory.readString(self, address, 100));
        assertNull(memory.readString(self, address, 5), "no NUL within the limit");
        assertEquals(-14, memory.read(self, 8, new byte[4], 4), "EFAULT: unmapped address");
        byte[] replacement = "HELLO".getBytes(StandardCharsets.UTF_8);
        assertEquals(5, memory.write(self, address, replacement, 5));
        assertEquals("HELLO guest", memory.readString(self, address, 100));
        byte[] back = new byte[11];
        assertEquals(11, memory.read(self, address, back, 11));
        assertEquals("HELLO guest", new String(back, StandardCharsets.UTF_8));
    }
}
