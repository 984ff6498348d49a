package jvuos.seccomp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Builds the classic-BPF program the launcher installs with seccomp(2).
 *
 * <p>A syscall whose number is in the traced set stops the guest (SECCOMP_RET_TRACE); every
 * other one runs with no stop at all. The numbers are split into alternating runs of traced
 * and untraced syscalls, and the program is a binary search over the run boundaries whose
 * leaves are return instructions: about log2(runs) comparisons per syscall, whatever the
 * size of the set. Calls from another ABI (i386 {@code int 0x80}, x32) have numbers from
 * another table, so they get one verdict of their own.
 */
public final class SeccompFilter {
    public static final int RET_ALLOW = 0x7fff0000;
    public static final int RET_TRACE = 0x7ff00000;
    public static final int RET_USER_NOTIF = 0x7fc00000;

    private static final int AUDIT_ARCH_X86_64 = 0xc000003e;
    /** x32 syscalls are x86_64 numbers with this bit set. */
    private static final int X32_SYSCALL_BIT = 0x40000000;
    private static final int OFFSET_NR = 0;
    private static final int OFFSET_ARCH = 4;
    private static final int OFFSET_ARGS = 16;

    private static final int BPF_LD_W_ABS = 0x20;
    private static final int BPF_JMP_JEQ_K = 0x15;
    private static final int BPF_JMP_JGE_K = 0x35;
    private static final int BPF_JMP_JA = 0x05;
    private static final int BPF_RET_K = 0x06;

    private final List<long[]> program = new ArrayList<>();

    private SeccompFilter() {
    }

    /**
     * A syscall that stops the guest only for some values of one argument (its low 32 bits),
     * e.g. fcntl only for F_DUPFD and F_DUPFD_CLOEXEC.
     */
    public record ArgRule(int nr, int arg, List<Integer> values) {
        public ArgRule {
            values = List.copyOf(values);
        }
    }

    /**
     * @param traced syscall numbers (x86_64 ABI) that must stop the guest
     * @param foreignAbiVerdict the verdict for i386 and x32 calls
     * @return the program as struct sock_filter entries in native (little-endian) order
     */
    public static byte[] build(BitSet traced, int foreignAbiVerdict) {
        return build(traced, List.of(), foreignAbiVerdict);
    }

    /**
     * @param argRules syscalls (not in {@code traced}) that stop only for some argument values;
     *                 they are tested first, one comparison each for every other syscall
     */
    public static byte[] build(BitSet traced, List<ArgRule> argRules, int foreignAbiVerdict) {
        SeccompFilter f = new SeccompFilter();
        f.emit(BPF_LD_W_ABS, 0, 0, OFFSET_ARCH);
        f.emit(BPF_JMP_JEQ_K, 1, 0, AUDIT_ARCH_X86_64);
        f.emit(BPF_RET_K, 0, 0, foreignAbiVerdict);
        f.emit(BPF_LD_W_ABS, 0, 0, OFFSET_NR);
        for (ArgRule rule : argRules) {
            f.emitArgRule(rule);
        }
        List<Run> runs = runs(traced);
        runs.add(new Run(X32_SYSCALL_BIT, foreignAbiVerdict));
        f.emitSearch(runs, 0, runs.size());
        return f.encode();
    }

    /**
     * The fd hand-over filter: syscall {@code nr} of the x86_64 ABI whose argument {@code arg}
     * is {@code magic} is parked for the supervisor (SECCOMP_RET_USER_NOTIF), everything else
     * allowed.
     */
    public static byte[] userNotification(int nr, int arg, long magic) {
        SeccompFilter f = new SeccompFilter();
        f.emit(BPF_LD_W_ABS, 0, 0, OFFSET_ARCH);
        f.emit(BPF_JMP_JEQ_K, 0, 6, AUDIT_ARCH_X86_64);
        f.emit(BPF_LD_W_ABS, 0, 0, OFFSET_NR);
        f.emit(BPF_JMP_JEQ_K, 0, 4, nr);
        f.emit(BPF_LD_W_ABS, 0, 0, OFFSET_ARGS + 8L * arg);
        f.emit(BPF_JMP_JEQ_K, 0, 2, magic & 0xffffffffL);
        f.emit(BPF_LD_W_ABS, 0, 0, OFFSET_ARGS + 8L * arg + 4);
        f.emit(BPF_JMP_JEQ_K, 1, 0, magic >>> 32);
        f.emit(BPF_RET_K, 0, 0, RET_ALLOW);
        f.emit(BPF_RET_K, 0, 0, RET_USER_NOTIF);
        return f.encode();
    }

    /** Number of instructions of a program returned by {@link #build}. */
    public static int length(byte[] program) {
        return program.length / 8;
    }

    /** A run of consecutive syscall numbers, from {@code start} up to the next run, sharing a verdict. */
    private record Run(long start, int verdict) {
    }

    private static List<Run> runs(BitSet traced) {
        List<Run> runs = new ArrayList<>();
        runs.add(new Run(0, traced.get(0) ? RET_TRACE : RET_ALLOW));
        for (int nr = traced.nextSetBit(0); nr >= 0 && nr < X32_SYSCALL_BIT; nr = traced.nextSetBit(nr + 1)) {
            int end = traced.nextClearBit(nr);
            if (nr > 0) {
                runs.add(new Run(nr, RET_TRACE));
            }
            runs.add(new Run(end, RET_ALLOW));
            nr = end;
        }
        return runs;
    }

    /**
     * Emits a search over runs[from, to): the accumulator holds the syscall number, which is known
     * to be at least runs[from].start. Jumps in classic BPF go forward only, so each node is laid out
     * as [jge mid][ja to lower half][upper half][lower half]; the unconditional ja has a 32-bit
     * offset, so no subtree is ever too far away for the 8-bit conditional offsets.
     */
    private void emitSearch(List<Run> runs, int from, int to) {
        if (to - from == 1) {
            emit(BPF_RET_K, 0, 0, runs.get(from).verdict());
            return;
        }
        int mid = (from + to) / 2;
        emit(BPF_JMP_JGE_K, 1, 0, runs.get(mid).start());
        int jump = program.size();
        emit(BPF_JMP_JA, 0, 0, 0);
        int upperStart = program.size();
        emitSearch(runs, mid, to);
        program.get(jump)[3] = program.size() - upperStart;
        emitSearch(runs, from, mid);
    }

    /**
     * [jeq nr, else skip the block][ld arg][jeq value -> trace]... [ret allow][ret trace]; the
     * accumulator still holds the number when the block is skipped.
     */
    private void emitArgRule(ArgRule rule) {
        int m = rule.values().size();
        emit(BPF_JMP_JEQ_K, 0, m + 3, rule.nr());
        emit(BPF_LD_W_ABS, 0, 0, OFFSET_ARGS + 8L * rule.arg());
        for (int i = 0; i < m; i++) {
            emit(BPF_JMP_JEQ_K, m - i, 0, rule.values().get(i));
        }
        emit(BPF_RET_K, 0, 0, RET_ALLOW);
        emit(BPF_RET_K, 0, 0, RET_TRACE);
    }

    private void emit(int code, int jt, int jf, long k) {
        program.add(new long[] {code, jt, jf, k});
    }

    private byte[] encode() {
        ByteBuffer out = ByteBuffer.allocate(program.size() * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long[] insn : program) {
            out.putShort((short) insn[0]).put((byte) insn[1]).put((byte) insn[2]).putInt((int) insn[3]);
        }
        return out.array();
    }
}
