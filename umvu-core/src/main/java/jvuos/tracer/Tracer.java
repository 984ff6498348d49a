package jvuos.tracer;

import java.util.HashSet;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jvuos.ptrace.Errno;
import jvuos.ptrace.NativeException;
import jvuos.ptrace.Ptrace;
import jvuos.ptrace.PtraceException;
import jvuos.ptrace.Signals;
import jvuos.ptrace.SyscallInfo;

/**
 * The ptrace event loop of one umvu session.
 *
 * <p>One platform thread runs {@link #run}: it spawns and seizes the guest, and since every
 * child the guest makes is auto-attached to the same thread, it alone can issue ptrace
 * requests for the whole session. It waits for any tracee with {@code __WALL|__WNOTHREAD},
 * handles the stop, and resumes the tracee; it never blocks on anything but that wait.
 *
 * <p>In seccomp mode the filter decides which syscalls stop at all; a stopped call that needs
 * nothing more is resumed with PTRACE_CONT, so it has no exit stop. In legacy mode (no
 * seccomp) every syscall stops at entry and exit through PTRACE_SYSCALL.
 */
public final class Tracer {
    private static final Logger log = LoggerFactory.getLogger("jvuos.tracer");

    private final Ptrace ptrace = new Ptrace();
    private final SyscallInfo info = new SyscallInfo();
    private final SyscallHandler handler;
    private final boolean legacy;
    /** Threads resumed with PTRACE_SYSCALL because the handler wants to see their call return. */
    private final Set<Integer> awaitingExit = new HashSet<>();
    private volatile int rootPid;
    private int rootStatus;

    /**
     * @param handler what to do at intercepted syscalls
     * @param legacy true to trace with PTRACE_SYSCALL instead of a seccomp filter
     */
    public Tracer(SyscallHandler handler, boolean legacy) {
        this.handler = handler;
        this.legacy = legacy;
    }

    /**
     * Runs the guest and all its descendants to completion.
     *
     * @param filter the seccomp program (ignored in legacy mode)
     * @return the guest's exit status as a shell reports it (128+N when killed by signal N)
     * @throws PtraceException when the guest cannot be traced (EPERM: ptrace not permitted)
     */
    public int run(Guest guest, byte[] filter) throws NativeException, PtraceException {
        OwnSignals.install(this, guest.ignoredSignals());
        rootPid = GuestStarter.start(ptrace, guest, legacy ? null : filter);
        log.debug("guest {} started{}", rootPid, legacy ? " (legacy ptrace mode)" : "");
        while (true) {
            int pid = ptrace.await(-1, 0);
            if (pid == -Errno.EINTR) {
                continue;
            }
            if (pid == -Errno.ECHILD) {
                return WaitStatus.shellStatus(rootStatus);
            }
            if (pid < 0) {
                throw new NativeException("wait4", -pid);
            }
            int status = ptrace.lastStatus();
            try {
                if (WaitStatus.stopped(status)) {
                    onStop(pid, status);
                } else {
                    onGone(pid, status);
                }
            } catch (PtraceException e) {
                // ESRCH: the tracee was killed (SIGKILL) after it stopped; its death is reported next.
                if (e.errno() != Errno.ESRCH) {
                    throw e;
                }
            }
        }
    }

    /** The pid of the first guest process, 0 before it is started. */
    public int rootPid() {
        return rootPid;
    }

    private void onGone(int pid, int status) {
        log.debug("{} {} {}", pid, WaitStatus.exited(status) ? "exited" : "killed by signal",
                WaitStatus.exited(status) ? WaitStatus.exitCode(status) : WaitStatus.termSignal(status));
        awaitingExit.remove(pid);
        handler.onThreadGone(pid);
        if (pid == rootPid) {
            rootStatus = status;
        }
    }

    private void onStop(int pid, int status) throws PtraceException {
        int signal = WaitStatus.stopSignal(status);
        if (signal == WaitStatus.SYSCALL_STOP) {
            onSyscallStop(pid);
            return;
        }
        switch (WaitStatus.event(status)) {
            case 0 -> {
                // Signal-delivery stop: the guest gets its signal unchanged.
                log.debug("{} signal {}", pid, signal);
                resume(pid, signal);
            }
            case Ptrace.EVENT_SECCOMP -> onSyscallStop(pid);
            case Ptrace.EVENT_FORK, Ptrace.EVENT_VFORK, Ptrace.EVENT_CLONE -> {
                log.debug("{} new child {}", pid, ptrace.eventMessage(pid));
                resume(pid, 0);
            }
            case Ptrace.EVENT_EXEC -> onExec(pid);
            case Ptrace.EVENT_STOP -> {
                if (Signals.isStopSignal(signal)) {
                    // Group-stop: stay stopped so job control sees it, yet let SIGCONT reach us.
                    log.debug("{} group-stop by signal {}", pid, signal);
                    ptrace.listen(pid);
                    if (pid == rootPid) {
                        OwnSignals.stopLikeTheGuest(signal, pid);
                    }
                } else {
                    // A new child's first stop, or the wake-up of a listening tracee.
                    resume(pid, 0);
                }
            }
            default -> resume(pid, 0); // PTRACE_EVENT_EXIT and anything else: nothing to do
        }
    }

    private void onSyscallStop(int pid) throws PtraceException {
        ptrace.syscallInfo(pid, info);
        switch (info.op()) {
            case SyscallInfo.OP_ENTRY, SyscallInfo.OP_SECCOMP -> {
                if (handler.onSyscallEntry(pid, info) == SyscallHandler.Resume.RUN_AND_REPORT_EXIT) {
                    awaitingExit.add(pid);
                }
            }
            case SyscallInfo.OP_EXIT -> {
                if (awaitingExit.remove(pid)) {
                    handler.onSyscallExit(pid, info);
                }
            }
            default -> {
            }
        }
        resume(pid, 0);
    }

    private void onExec(int pid) throws PtraceException {
        int formerTid = (int) ptrace.eventMessage(pid);
        log.debug("{} exec (former tid {})", pid, formerTid);
        if (formerTid != pid && awaitingExit.remove(formerTid)) {
            awaitingExit.add(pid);
        }
        handler.onExec(pid, formerTid);
        resume(pid, 0);
    }

    /**
     * PTRACE_SYSCALL where an exit stop is wanted (legacy mode, or a call the handler awaits,
     * whose exit stop would be lost by a PTRACE_CONT at an event in between), else PTRACE_CONT.
     */
    private void resume(int pid, int signal) throws PtraceException {
        if (legacy || awaitingExit.contains(pid)) {
            ptrace.syscall(pid, signal);
        } else {
            ptrace.cont(pid, signal);
        }
    }
}
