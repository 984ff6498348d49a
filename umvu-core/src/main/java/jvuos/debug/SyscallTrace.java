package jvuos.debug;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.StringJoiner;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jvuos.ptrace.GuestMemory;
import jvuos.ptrace.PtraceException;
import jvuos.syscall.ReturnKind;
import jvuos.syscall.Syscall;
import jvuos.syscall.SyscallTable;
import jvuos.tracer.FilterControl;
import jvuos.tracer.SyscallHandler;
import jvuos.tracer.SyscallStop;

/**
 * The {@code -d syscall} trace: one strace-like line per intercepted call, such as
 * {@code [pid 42] openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3}.
 *
 * <p>It wraps the handler that does the real work. Arguments are rendered at entry, before
 * that handler rewrites any, so the line shows the call as the guest made it; the line is
 * logged when the call returns, with the result the guest gets (a skipped call's at once).
 */
public final class SyscallTrace implements SyscallHandler {
    private static final Logger log = LoggerFactory.getLogger("jvuos.syscall");
    private static final long MAX_ERRNO = 4095;

    private final SyscallTable table;
    private final SyscallHandler inner;
    private final ArgFormatter formatter = new ArgFormatter(new GuestMemory());
    /** Each thread's call in progress, rendered at its entry. */
    private final Map<Integer, Call> inProgress = new HashMap<>();

    /**
     * A call awaiting its return: {@code syscall} is null for one missing from the table;
     * {@code innerAwaits} when the wrapped handler asked to see the exit too.
     */
    private record Call(Syscall syscall, String text, boolean innerAwaits) {
    }

    public SyscallTrace(SyscallTable table, SyscallHandler inner) {
        this.table = table;
        this.inner = inner;
    }

    /** The syscalls worth tracing: every one that takes a path, an fd or an address family. */
    public static BitSet tracedSyscalls(SyscallTable table) {
        BitSet traced = new BitSet();
        table.all().stream().filter(Syscall::isVirtualizable).forEach(s -> traced.set(s.nr()));
        return traced;
    }

    @Override
    public void attached(FilterControl filters) {
        inner.attached(filters);
    }

    @Override
    public Resume onSyscallEntry(SyscallStop stop) throws PtraceException {
        int tid = stop.tid();
        Syscall syscall = stop.nativeAbi() ? table.byNumber(stop.nr()).orElse(null) : null;
        String text = render(stop, syscall);
        boolean innerAwaits = inner.onSyscallEntry(stop) == Resume.RUN_AND_REPORT_EXIT;
        if (stop.skipped()) {
            log.debug("[pid {}] {} = {} (virtual)", tid, text, result(syscall, stop.skipResult()));
            return Resume.RUN;
        }
        if (syscall != null && syscall.returns() == ReturnKind.NONE) {
            log.debug("[pid {}] {} = ?", tid, text);
            return Resume.RUN;
        }
        inProgress.put(tid, new Call(syscall, text, innerAwaits));
        return Resume.RUN_AND_REPORT_EXIT;
    }

    @Override
    public void onSyscallExit(SyscallStop stop) throws PtraceException {
        Call call = inProgress.remove(stop.tid());
        if (call == null) {
            return;
        }
        if (call.innerAwaits()) {
            inner.onSyscallExit(stop);
        }
        log.debug("[pid {}] {} = {}", stop.tid(), call.text(), result(call.syscall(), stop.returnValue()));
    }

    @Override
    public void onClone(int parentTid, int childTid, long flags) {
        inner.onClone(parentTid, childTid, flags);
    }

    @Override
    public void onExec(int pid, int formerTid) {
        inner.onExec(pid, formerTid);
        Call call = inProgress.remove(formerTid);
        if (call != null) {
            inProgress.put(pid, call);
        }
    }

    @Override
    public void onThreadGone(int tid) {
        inner.onThreadGone(tid);
        Call call = inProgress.remove(tid);
        if (call != null) {
            log.debug("[pid {}] {} = ? <thread gone>", tid, call.text());
        }
    }

    private String render(SyscallStop stop, Syscall s) {
        if (s == null) {
            String abi = stop.nativeAbi() ? "" : "i386_";
            return "syscall_" + abi + stop.nr() + "(...)";
        }
        StringJoiner args = new StringJoiner(", ", s.name() + "(", ")");
        for (int i = 0; i < s.args().size(); i++) {
            args.add(formatter.format(stop.tid(), s.args().get(i), stop.arg(i)));
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
