package jvuos.tracer;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jvuos.errno.Errno;
import jvuos.ptrace.GuestMemory;
import jvuos.ptrace.NativeException;
import jvuos.ptrace.Ptrace;
import jvuos.ptrace.PtraceException;
import jvuos.ptrace.Registers;
import jvuos.ptrace.Signals;
import jvuos.ptrace.SyscallInfo;
import jvuos.seccomp.SeccompFilter;

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
 * seccomp) every syscall stops at entry and exit through PTRACE_SYSCALL. A process whose
 * filter must grow ({@link FilterControl#traceAlso}) runs with PTRACE_SYSCALL until its next
 * syscall entry, where the tracer makes it call seccomp(2) with the new filter and then
 * repeat its own call ({@link FilterInjection}).
 */
public final class Tracer implements FilterControl {
    private static final Logger log = LoggerFactory.getLogger("jvuos.tracer");
    private static final int SYS_CLONE = 56;
    private static final int SYS_CLONE3 = 435;
    private static final int SYS_VFORK = 58;
    private static final int I386_CLONE = 120;
    private static final long X32_SYSCALL_BIT = 0x40000000;

    private final Ptrace ptrace = new Ptrace();
    private final GuestMemory memory = new GuestMemory();
    private final SyscallInfo info = new SyscallInfo();
    private final Registers registers = new Registers();
    private final SyscallStop stop = new SyscallStop(ptrace, memory);
    private final SyscallHandler handler;
    private final boolean legacy;
    private final Map<Integer, Tracee> tracees = new HashMap<>();
    /** Everything the filters were asked to stop at so far: a process that misses a growth gets all of it at once. */
    private final BitSet grownSyscalls = new BitSet();
    private final List<SeccompFilter.ArgRule> grownRules = new ArrayList<>();
    private byte[] grownFilter;
    /** How many times the filter has grown: a process that installed an older one installs it again. */
    private long filterGeneration;
    private volatile FdHandover fdHandover;
    private int currentTid;
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
        handler.attached(this);
        GuestStarter.Started started = GuestStarter.start(ptrace, guest, legacy ? null : filter);
        rootPid = started.pid();
        if (started.listener() >= 0) {
            fdHandover = FdHandover.start(started.listener());
        }
        Tracee root = new Tracee(rootPid, new GuestProcess(legacy));
        root.announced = true;
        tracees.put(rootPid, root);
        log.debug("guest {} started{}", rootPid, legacy ? " (legacy ptrace mode)" : "");
        // (The loop's body is a method of its own: a loop in a method called once is compiled
        // only after hundreds of thousands of turns, while a method called at every stop is
        // compiled soon, or from the start with the AOT cache.)
        while (handleNextEvent()) {
            // each turn handles one event
        }
        return WaitStatus.shellStatus(rootStatus);
    }

    /** Waits for the next event of any tracee and handles it; false when no tracee is left. */
    private boolean handleNextEvent() throws NativeException, PtraceException {
        int pid = ptrace.await(-1, 0);
        if (pid == -Errno.EINTR) {
            return true;
        }
        if (pid == -Errno.ECHILD) {
            return false;
        }
        if (pid < 0) {
            throw new NativeException("wait4", -pid);
        }
        int status = ptrace.lastStatus();
        currentTid = pid;
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
        return true;
    }

    @Override
    public FdHandover fdHandover() {
        return fdHandover;
    }

    /** The pid of the first guest process, 0 before it is started. */
    public int rootPid() {
        return rootPid;
    }

    /** Adds a rule; one for the same argument of the same call widens that one (the first rule met answers). */
    private void addRule(SeccompFilter.ArgRule rule) {
        for (int i = 0; i < grownRules.size(); i++) {
            SeccompFilter.ArgRule old = grownRules.get(i);
            if (old.nr() == rule.nr() && old.arg() == rule.arg()) {
                java.util.Set<Integer> values = new java.util.LinkedHashSet<>(old.values());
                values.addAll(rule.values());
                grownRules.set(i, new SeccompFilter.ArgRule(rule.nr(), rule.arg(), List.copyOf(values)));
                return;
            }
        }
        grownRules.add(rule);
    }

    @Override
    public void traceAlso(BitSet syscalls, List<SeccompFilter.ArgRule> argRules) {
        if (legacy) {
            return; // every call already stops
        }
        grownSyscalls.or(syscalls);
        filterGeneration++;
        for (SeccompFilter.ArgRule rule : argRules) {
            addRule(rule);
        }
        // A syscall that now always stops needs no rule for some of its arguments (a rule
        // answers "allow" for the other values, before the syscall's own verdict is looked at).
        List<SeccompFilter.ArgRule> rules = grownRules.stream().filter(r -> !grownSyscalls.get(r.nr())).toList();
        grownFilter = SeccompFilter.build(grownSyscalls, rules, SeccompFilter.RET_ALLOW);
        for (Tracee t : tracees.values()) {
            // (a child not yet announced gets its process, and so this state, from its parent)
            if (t.process != null && !t.process.legacy) {
                t.process.needsFilter = true;
            }
        }
        // Every other thread is running or blocked in a call: stop it, so that it is resumed
        // with PTRACE_SYSCALL and meets its next syscall entry with the tracer watching.
        for (Tracee t : tracees.values()) {
            if (t.tid != currentTid && t.announced && !t.listening && !t.parked) {
                try {
                    ptrace.interrupt(t.tid);
                    t.interrupted = true;
                } catch (PtraceException e) {
                    log.debug("{} not interrupted: {}", t.tid, e.getMessage());
                }
            }
        }
        log.debug("filter grows to {} more syscalls", syscalls.cardinality());
    }

    private void onGone(int pid, int status) throws PtraceException {
        log.debug("{} {} {}", pid, WaitStatus.exited(status) ? "exited" : "killed by signal",
                WaitStatus.exited(status) ? WaitStatus.exitCode(status) : WaitStatus.termSignal(status));
        Tracee gone = tracees.remove(pid);
        // (Held threads wait for an injection: this thread's, or the one it was to start.)
        if (gone != null && gone.process != null
                && (gone.process.injecting == gone || gone.process.injecting == null)) {
            gone.process.injecting = null;
            releaseWaiting(gone.process);
        }
        handler.onThreadGone(pid);
        if (pid == rootPid) {
            rootStatus = status;
        }
    }

    private void onStop(int pid, int status) throws PtraceException {
        Tracee t = tracees.get(pid);
        if (t == null) {
            // A new child can report its first stop before its parent reports the clone: hold
            // it until then, so the handler hears of the child before any of its calls.
            t = new Tracee(pid, null);
            t.parked = true;
            tracees.put(pid, t);
            log.debug("{} first stop before its parent's clone event", pid);
            return;
        }
        int signal = WaitStatus.stopSignal(status);
        t.listening = false;
        if (signal == WaitStatus.SYSCALL_STOP) {
            onSyscallStop(t);
            return;
        }
        switch (WaitStatus.event(status)) {
            case 0 -> {
                // Signal-delivery stop: the guest gets its signal unchanged.
                log.debug("{} signal {}", pid, signal);
                resume(t, signal);
            }
            case Ptrace.EVENT_SECCOMP -> onSyscallStop(t);
            case Ptrace.EVENT_FORK, Ptrace.EVENT_VFORK, Ptrace.EVENT_CLONE -> onClone(t, WaitStatus.event(status));
            case Ptrace.EVENT_EXEC -> onExec(t);
            case Ptrace.EVENT_STOP -> {
                if (Signals.isStopSignal(signal)) {
                    // Group-stop: stay stopped so job control sees it, yet let SIGCONT reach us.
                    log.debug("{} group-stop by signal {}", pid, signal);
                    ptrace.listen(pid);
                    t.listening = true;
                    if (pid == rootPid) {
                        OwnSignals.stopLikeTheGuest(signal, pid);
                    }
                } else {
                    // A new child's first stop, an interrupt, or the wake-up of a listening tracee.
                    if (t.interrupted) {
                        t.interrupted = false;
                        restartInterruptedCall(t);
                    }
                    resume(t, 0);
                }
            }
            default -> resume(t, 0); // PTRACE_EVENT_EXIT and anything else: nothing to do
        }
    }

    /**
     * The kernel restarts most calls our PTRACE_INTERRUPT breaks (read, poll, futex, wait4
     * come back -ERESTART* and are made again), but a few (epoll_wait, for one) return EINTR
     * to the guest, which no signal explains. Such a call is made again here: its number back
     * in rax and the instruction pointer on its {@code syscall} instruction.
     */
    private void restartInterruptedCall(Tracee t) throws PtraceException {
        ptrace.getRegs(t.tid, registers);
        if (registers.get(Registers.ORIG_RAX) >= 0 && registers.get(Registers.RAX) == -Errno.EINTR
                && !OwnSignals.signalPending(t.tid)) {
            registers.set(Registers.RAX, registers.get(Registers.ORIG_RAX));
            registers.set(Registers.RIP, registers.get(Registers.RIP) - FilterInjection.SYSCALL_INSTRUCTION_LENGTH);
            ptrace.setRegs(t.tid, registers);
            log.debug("{} call {} made again after the filter interrupt", t.tid, registers.get(Registers.ORIG_RAX));
        }
    }

    private void onClone(Tracee parent, int event) throws PtraceException {
        int childTid = (int) ptrace.eventMessage(parent.tid);
        long flags = cloneFlags(parent.tid, event);
        GuestProcess process = (flags & CloneFlags.THREAD) != 0 ? parent.process : parent.process.forked();
        if (parent.interrupted && (flags & CloneFlags.THREAD) == 0 && !process.legacy && grownFilter != null) {
            // The parent was inside this fork when the filter grew: the child may have the old one.
            process.needsFilter = true;
        }
        log.debug("{} new child {} (flags {})", parent.tid, childTid, Long.toHexString(flags));
        handler.onClone(parent.tid, childTid, flags);
        Tracee child = tracees.get(childTid);
        if (child == null) {
            child = new Tracee(childTid, process);
            tracees.put(childTid, child);
        } else {
            child.process = process;
        }
        child.announced = true;
        if (child.parked) {
            child.parked = false;
            resume(child, 0);
        }
        resume(parent, 0);
    }

    /**
     * The flags of the call that made the child, from the parent's registers: the event alone
     * does not say (a clone with SIGCHLD as its exit signal is reported as a fork).
     */
    private long cloneFlags(int tid, int event) throws PtraceException {
        ptrace.getRegs(tid, registers);
        ptrace.syscallInfo(tid, info);
        long nr = registers.get(Registers.ORIG_RAX);
        if (info.arch() != SyscallInfo.ARCH_X86_64) {
            return i386CloneFlags(tid, nr, event);
        }
        nr &= ~X32_SYSCALL_BIT; // x32 calls share these numbers
        if (nr == SYS_VFORK || (nr != SYS_CLONE && nr != SYS_CLONE3 && event == Ptrace.EVENT_VFORK)) {
            return CloneFlags.VM | CloneFlags.VFORK;
        }
        if (nr == SYS_CLONE3) {
            return readClone3Flags(tid, registers.get(Registers.RDI));
        }
        return nr == SYS_CLONE ? registers.get(Registers.RDI) : 0;
    }

    /**
     * The flags field, first in struct clone_args. Should another thread have unmapped it
     * since, the child is taken to share the cwd and the fd table: records then stay shared,
     * which costs exit stops, never a wrong record.
     */
    private long readClone3Flags(int tid, long address) {
        byte[] flags = new byte[8];
        if (memory.read(tid, address, flags, 8) != 8) {
            return CloneFlags.FILES | CloneFlags.FS;
        }
        return java.nio.ByteBuffer.wrap(flags).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /** The same for an int 0x80 call: i386 numbers, the first argument in ebx. */
    private long i386CloneFlags(int tid, long nr, int event) {
        long first = registers.get(Registers.RBX) & 0xffffffffL;
        if (nr == I386_CLONE) {
            return first;
        }
        if (nr == SYS_CLONE3) {
            return readClone3Flags(tid, first);
        }
        return event == Ptrace.EVENT_VFORK ? CloneFlags.VM | CloneFlags.VFORK : 0;
    }

    private void onSyscallStop(Tracee t) throws PtraceException {
        ptrace.syscallInfo(t.tid, info);
        GuestProcess process = t.process;
        switch (info.op()) {
            case SyscallInfo.OP_ENTRY -> {
                if (process.needsFilter && !process.legacy) {
                    if (info.arch() != SyscallInfo.ARCH_X86_64) {
                        // An int 0x80 call: its registers mean other things; wait for a native one.
                        resume(t, 0);
                        return;
                    }
                    if (process.injecting == null) {
                        process.injecting = t;
                        process.injectedGeneration = filterGeneration;
                        t.injection = FilterInjection.start(ptrace, memory, t.tid, info, grownFilter);
                    } else {
                        // Another thread is installing the filter (TSYNC covers this one too):
                        // hold this call until then, so the new filter decides it.
                        t.parked = true;
                        process.waiting.add(t);
                        return;
                    }
                } else if (process.legacy || t.repeating >= 0) {
                    // (A signal handler's calls may come before the repeated one: shown too.)
                    if (info.nr() == t.repeating && info.instructionPointer() == t.repeatingAt) {
                        t.repeating = -1;
                    }
                    dispatch(t, true);
                }
                // else: a thread that was in PTRACE_SYSCALL mode when its process got its
                // filter; resuming it lets that filter judge this very call.
            }
            case SyscallInfo.OP_SECCOMP -> {
                // (A call seen at a legacy entry stop was dispatched there already.)
                if (t.injection == null && !t.dispatchedAtEntry) {
                    dispatch(t, false);
                }
                t.dispatchedAtEntry = false;
            }
            case SyscallInfo.OP_EXIT -> {
                t.dispatchedAtEntry = false;
                if (t.injection != null) {
                    finishInjection(t);
                    return;
                }
                if (t.pendingResult != null || t.awaitingExit) {
                    stop.begin(t.tid, info, false);
                    if (t.pendingResult != null) {
                        stop.setReturnValue(t.pendingResult);
                        t.pendingResult = null;
                    }
                    if (t.awaitingExit) {
                        t.awaitingExit = false;
                        handler.onSyscallExit(stop);
                    }
                    stop.commit(false);
                    t.repeating = stop.repeated();
                    t.repeatingAt = stop.repeatedAt();
                }
            }
            default -> {
            }
        }
        resume(t, 0);
    }

    private void dispatch(Tracee t, boolean legacyEntry) throws PtraceException {
        t.dispatchedAtEntry = legacyEntry;
        stop.begin(t.tid, info, true);
        SyscallHandler.Resume resume = handler.onSyscallEntry(stop);
        // At a seccomp stop a skipped call's result goes into rax now; at a legacy entry
        // stop the kernel would overwrite it with -ENOSYS, so it is set at the exit stop.
        if (stop.commit(!legacyEntry)) {
            if (legacyEntry) {
                t.pendingResult = stop.skipResult();
            }
        } else if (resume == SyscallHandler.Resume.RUN_AND_REPORT_EXIT) {
            t.awaitingExit = true;
        }
    }

    private void finishInjection(Tracee t) throws PtraceException {
        GuestProcess process = t.process;
        boolean installed = t.injection.finish(info);
        t.injection = null;
        process.injecting = null;
        if (installed) {
            // The filter may have grown again while this one was being installed: then the
            // process installs the newer one at its next entry (this thread's own call, made
            // again, is one), and the threads held meanwhile wait for that one: their calls
            // go on from their entry stops, judged by the filter installed when they go on.
            process.needsFilter = process.injectedGeneration != filterGeneration;
        } else {
            log.debug("{} cannot take the grown filter; its process stays in PTRACE_SYSCALL mode", t.tid);
            process.legacy = true;
        }
        resume(t, 0);
        if (!process.needsFilter) {
            releaseWaiting(process);
        }
    }

    /** Resumes the threads held while their process took its new filter. */
    private void releaseWaiting(GuestProcess process) throws PtraceException {
        List<Tracee> waiting = new ArrayList<>(process.waiting);
        process.waiting.clear();
        for (Tracee w : waiting) {
            w.parked = false;
            if (tracees.get(w.tid) != w) {
                continue; // gone, or replaced by an exec
            }
            if (process.legacy) {
                ptrace.syscallInfo(w.tid, info);
                dispatch(w, true);
            }
            resume(w, 0);
        }
    }

    private void onExec(Tracee t) throws PtraceException {
        int pid = t.tid;
        int formerTid = (int) ptrace.eventMessage(pid);
        log.debug("{} exec (former tid {})", pid, formerTid);
        if (formerTid != pid) {
            Tracee former = tracees.remove(formerTid);
            if (former != null) {
                // The old leader is gone without a report of its own: whatever it was doing for
                // its process (installing the filter, waiting for it) ends here.
                GuestProcess process = t.process;
                process.waiting.remove(t);
                if (process.injecting == t) {
                    process.injecting = null;
                    releaseWaiting(process);
                }
                former.tid = pid;
                tracees.put(pid, former);
                t = former;
            }
        }
        handler.onExec(pid, formerTid);
        resume(t, 0);
    }

    /**
     * PTRACE_SYSCALL where a syscall stop is wanted (legacy mode, a call whose exit matters, a call made again,
     * a call dispatched at its entry stop, whose exit ends that, a process waiting for its grown
     * filter), else PTRACE_CONT.
     */
    private void resume(Tracee t, int signal) throws PtraceException {
        GuestProcess p = t.process;
        if (p.legacy || p.needsFilter || t.awaitingExit || t.pendingResult != null || t.injection != null
                || t.repeating >= 0 || t.dispatchedAtEntry) {
            ptrace.syscall(t.tid, signal);
        } else {
            ptrace.cont(t.tid, signal);
        }
    }

    /** What the tracer keeps about one guest thread. */
    private static final class Tracee {
        int tid;
        GuestProcess process;
        /** Its parent's clone event has been seen (the root is announced from the start). */
        boolean announced;
        /** Left stopped on purpose: it is resumed by whatever it waits for, never by an interrupt. */
        boolean parked;
        /** In a group-stop answered with PTRACE_LISTEN. */
        boolean listening;
        /** Sent a PTRACE_INTERRUPT so that its filter can grow. */
        boolean interrupted;
        /** Its current call was dispatched at a legacy entry stop: its seccomp stop, if any, is not a new call. */
        boolean dispatchedAtEntry;
        boolean awaitingExit;
        /** The call the handler made it repeat at an exit stop, or -1: until its entry, every entry goes to the handler. */
        long repeating = -1;
        /** Where the repeated call is made (its instruction pointer). */
        long repeatingAt;
        /** The result of a call skipped at a legacy entry stop, to be set at its exit stop. */
        Long pendingResult;
        FilterInjection injection;

        Tracee(int tid, GuestProcess process) {
            this.tid = tid;
            this.process = process;
        }
    }

    /** What the tracer keeps about one guest process (the threads sharing its seccomp filter). */
    private static final class GuestProcess {
        boolean legacy;
        boolean needsFilter;
        Tracee injecting;
        /** The {@link Tracer#filterGeneration} of the filter {@link #injecting} installs. */
        long injectedGeneration;
        final List<Tracee> waiting = new ArrayList<>();

        GuestProcess(boolean legacy) {
            this.legacy = legacy;
        }

        /** A child process has its parent's filter state. */
        GuestProcess forked() {
            GuestProcess child = new GuestProcess(legacy);
            child.needsFilter = needsFilter;
            return child;
        }
    }
}
