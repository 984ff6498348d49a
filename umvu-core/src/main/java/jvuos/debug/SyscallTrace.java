package jvuos.debug;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.StringJoiner;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jvuos.ptrace.GuestMemory;
import jvuos.ptrace.SyscallInfo;
import jvuos.syscall.ReturnKind;
import jvuos.syscall.Syscall;
import jvuos.syscall.SyscallTable;
import jvuos.tracer.SyscallHandler;

/**
 * The {@code -d syscall} trace: one strace-like line per intercepted call, such as
 * {@code [pid 42] openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3}.
 *
 * <p>Arguments are rendered at entry, while the strings they point to are as the guest passed
 * them; the line is logged when the call returns.
 */
public final class SyscallTrace implements SyscallHandler {
    private static final Logger log = LoggerFactory.getLogger("jvuos.syscall");
    private static final long MAX_ERRNO = 4095;

    private final SyscallTable table;
    private final ArgFormatter formatter = new ArgFormatter(new GuestMemory());
    /** Each thread's call in progress, rendered at its entry. */
    private final Map<Integer, Call> inProgress = new HashMap<>();

    /** A call awaiting its return: {@code syscall} is null for one missing from the table. */
    private record Call(Syscall syscall, String text) {
    }

    public SyscallTrace(SyscallTable table) {
        this.table = table;
    }

    /** The syscalls worth tracing: every one that takes a path, an fd or an address family. */
    public static BitSet tracedSyscalls(SyscallTable table) {
        BitSet traced = new BitSet();
        table.all().stream().filter(Syscall::isVirtualizable).forEach(s -> traced.set(s.nr()));
        return traced;
    }

    @Override
    public Resume onSyscallEntry(int tid, SyscallInfo entry) {
        Syscall syscall = entry.arch() == SyscallInfo.ARCH_X86_64 ? table.byNumber(entry.nr()).orElse(null) : null;
        Call call = new Call(syscall, render(tid, entry, syscall));
        if (syscall != null && syscall.returns() == ReturnKind.NONE) {
            log.debug("[pid {}] {} = ?", tid, call.text());
            return Resume.RUN;
        }
        inProgress.put(tid, call);
        return Resume.RUN_AND_REPORT_EXIT;
    }

    @Override
    public void onSyscallExit(int tid, SyscallInfo exit) {
        Call call = inProgress.remove(tid);
        if (call != null) {
            log.debug("[pid {}] {} = {}", tid, call.text(), result(call.syscall(), exit.returnValue()));
        }
    }

    @Override
    public void onExec(int pid, int formerTid) {
        Call call = inProgress.remove(formerTid);
        if (call != null) {
            inProgress.put(pid, call);
        }
    }

    @Override
    public void onThreadGone(int tid) {
        Call call = inProgress.remove(tid);
        if (call != null) {
            log.debug("[pid {}] {} = ? <thread gone>", tid, call.text());
        }
    }

    private String render(int tid, SyscallInfo entry, Syscall s) {
        if (s == null) {
            String abi = entry.arch() == SyscallInfo.ARCH_X86_64 ? "" : "i386_";
            return "syscall_" + abi + entry.nr() + "(...)";
        }
        StringJoiner args = new StringJoiner(", ", s.name() + "(", ")");
        for (int i = 0; i < s.args().size(); i++) {
            args.add(formatter.format(tid, s.args().get(i), entry.arg(i)));
        }
        return args.toString();
    }

    private static String result(Syscall syscall, long value) {
        if (value < 0 && value >= -MAX_ERRNO) {
            return "-1 " + ErrnoNames.name((int) -value);
        }
        boolean pointer = syscall != null && syscall.returns() == ReturnKind.PTR;
        return pointer ? "0x" + Long.toHexString(value) : Long.toString(value);
    }
}
