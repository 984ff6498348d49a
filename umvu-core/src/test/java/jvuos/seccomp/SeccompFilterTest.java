package jvuos.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.BitSet;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** Runs the generated BPF programs in a small interpreter and checks every verdict. */
class SeccompFilterTest {
    private static final int ARCH_X86_64 = 0xc000003e;
    private static final int ARCH_I386 = 0x40000003;

    @Test
    void emptySetAllowsEverything() {
        byte[] program = SeccompFilter.build(new BitSet(), SeccompFilter.RET_ALLOW);
        for (int nr = 0; nr < 600; nr++) {
            assertEquals(SeccompFilter.RET_ALLOW, run(program, ARCH_X86_64, nr));
        }
        assertEquals(SeccompFilter.RET_ALLOW, run(program, ARCH_I386, 5));
    }

    @Test
    void tracesExactlyTheSet() {
        BitSet traced = new BitSet();
        traced.set(0);
        traced.set(2);
        traced.set(3);
        traced.set(257);
        traced.set(450, 460);
        assertVerdicts(traced);
    }

    @Test
    void randomSetsOfAnySize() {
        Random random = new Random(42);
        for (int round = 0; round < 200; round++) {
            BitSet traced = new BitSet();
            int density = 1 + random.nextInt(100);
            for (int nr = 0; nr < 500; nr++) {
                if (random.nextInt(100) < density) {
                    traced.set(nr);
                }
            }
            assertVerdicts(traced);
        }
    }

    @Test
    void everyOtherSyscallNeedsLongJumps() {
        BitSet traced = new BitSet();
        for (int nr = 0; nr < 1000; nr += 2) {
            traced.set(nr);
        }
        byte[] program = SeccompFilter.build(traced, SeccompFilter.RET_TRACE);
        assertTrue(SeccompFilter.length(program) < 4096, "within BPF_MAXINSNS");
        assertVerdicts(traced);
    }

    @Test
    void foreignAbisGetTheirOwnVerdict() {
        BitSet traced = new BitSet();
        traced.set(2);
        byte[] program = SeccompFilter.build(traced, SeccompFilter.RET_TRACE);
        assertEquals(SeccompFilter.RET_TRACE, run(program, ARCH_I386, 20));
        assertEquals(SeccompFilter.RET_TRACE, run(program, ARCH_X86_64, 0x40000000 | 39), "x32 getpid");
        assertEquals(SeccompFilter.RET_TRACE, run(program, ARCH_X86_64, -1));
        assertEquals(SeccompFilter.RET_ALLOW, run(program, ARCH_X86_64, 39));
    }

    private static void assertVerdicts(BitSet traced) {
        byte[] program = SeccompFilter.build(traced, SeccompFilter.RET_TRACE);
        for (int nr = 0; nr < 1100; nr++) {
            int expected = traced.get(nr) ? SeccompFilter.RET_TRACE : SeccompFilter.RET_ALLOW;
            assertEquals(expected, run(program, ARCH_X86_64, nr), "syscall " + nr + " of " + traced);
        }
    }

    @Test
    void argumentRulesStopOnlyForTheirValues() {
        BitSet traced = new BitSet();
        traced.set(2);
        traced.set(100);
        byte[] program = SeccompFilter.build(traced,
                java.util.List.of(new SeccompFilter.ArgRule(72, 1, java.util.List.of(0, 1030)),
                        new SeccompFilter.ArgRule(16, 2, java.util.List.of(7))), SeccompFilter.RET_ALLOW);
        assertEquals(SeccompFilter.RET_TRACE, run(program, ARCH_X86_64, 72, 5, 0));
        assertEquals(SeccompFilter.RET_TRACE, run(program, ARCH_X86_64, 72, 5, 1030));
        assertEquals(SeccompFilter.RET_ALLOW, run(program, ARCH_X86_64, 72, 5, 2), "fcntl F_SETFD");
        assertEquals(SeccompFilter.RET_TRACE, run(program, ARCH_X86_64, 16, 0, 0, 7));
        assertEquals(SeccompFilter.RET_ALLOW, run(program, ARCH_X86_64, 16, 0, 7, 0));
        for (int nr = 0; nr < 500; nr++) {
            if (nr != 72 && nr != 16) {
                int expected = traced.get(nr) ? SeccompFilter.RET_TRACE : SeccompFilter.RET_ALLOW;
                assertEquals(expected, run(program, ARCH_X86_64, nr, 0, 1030, 7), "syscall " + nr);
            }
        }
    }

    /** Executes the instructions the filter uses on a seccomp_data of (nr, arch, args...). */
    static int run(byte[] program, int arch, int nr, long... args) {
        ByteBuffer b = ByteBuffer.wrap(program).order(ByteOrder.LITTLE_ENDIAN);
        int n = program.length / 8;
        int acc = 0;
        int pc = 0;
        for (int steps = 0; steps < 10_000; steps++) {
            assertTrue(pc < n, "fell off the end of the program");
            int code = b.getShort(pc * 8) & 0xffff;
            int jt = b.get(pc * 8 + 2) & 0xff;
            int jf = b.get(pc * 8 + 3) & 0xff;
            int k = b.getInt(pc * 8 + 4);
            switch (code) {
                case 0x20 -> {
                    assertTrue(k == 0 || k == 4 || (k >= 16 && k < 64 && k % 8 == 0), "loads nr, arch or an argument's low word");
                    acc = k == 0 ? nr : k == 4 ? arch : (int) (k / 8 - 2 < args.length ? args[k / 8 - 2] : 0);
                    pc++;
                }
                case 0x15 -> pc += 1 + (acc == k ? jt : jf);
                case 0x35 -> pc += 1 + (Integer.compareUnsigned(acc, k) >= 0 ? jt : jf);
                case 0x05 -> pc += 1 + k;
                case 0x06 -> {
                    return k;
                }
                default -> throw new AssertionError("unexpected opcode " + code);
            }
        }
        throw new AssertionError("no verdict");
    }
}
