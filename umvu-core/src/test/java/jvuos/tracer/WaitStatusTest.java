package jvuos.tracer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

class WaitStatusTest {
    @Test
    void exited() {
        int status = 42 << 8;
        assertTrue(WaitStatus.exited(status));
        assertFalse(WaitStatus.killed(status));
        assertFalse(WaitStatus.stopped(status));
        assertEquals(42, WaitStatus.shellStatus(status));
    }

    @Test
    void killedWithAndWithoutCore() {
        assertTrue(WaitStatus.killed(9));
        assertEquals(137, WaitStatus.shellStatus(9));
        assertEquals(139, WaitStatus.shellStatus(11 | 0x80), "core dump flag");
    }

    @Test
    void stops() {
        int seccomp = 0x7f | (5 << 8) | (7 << 16);
        assertTrue(WaitStatus.stopped(seccomp));
        assertEquals(5, WaitStatus.stopSignal(seccomp));
        assertEquals(7, WaitStatus.event(seccomp));
        int syscallStop = 0x7f | ((5 | 0x80) << 8);
        assertEquals(WaitStatus.SYSCALL_STOP, WaitStatus.stopSignal(syscallStop));
        int groupStop = 0x7f | (20 << 8) | (128 << 16);
        assertEquals(128, WaitStatus.event(groupStop));
        assertFalse(WaitStatus.killed(groupStop));
    }

    @Test
    void splitsNulSeparatedProcFiles() {
        List<byte[]> parts = CallerProcess.splitNul("a=1\0b=\0\0c".getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of("a=1", "b=", "", "c"),
                parts.stream().map(p -> new String(p, StandardCharsets.UTF_8)).toList());
    }
}
