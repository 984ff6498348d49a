package jvuos.dispatch;

import java.util.ArrayList;
import java.util.List;

import jvuos.ptrace.PtraceException;
import jvuos.tracer.SyscallStop;
import jvuos.vfs.Resolution;

/** What to do at the exit stop of a call whose arguments were rewritten or whose result matters. */
final class PendingExit {
    /** Argument registers to put back: {index, value}. */
    final List<long[]> savedArgs = new ArrayList<>();
    Resolution opened;
    GuestPaths.Start newCwd;
    /** A hypervisor memory file the call opens by /proc path, closed once it has. */
    int memoryFile = -1;
    /** For the dup family: the fd duplicated, whose view path the new fd gets. */
    int dupOf = -1;
    /** A rename in a mount: its old and new names, for the records below them. */
    Resolution renamedFrom;
    Resolution renamedTo;
    boolean exchanged;
    /** An open of a served file: the description its placeholder stands for, and its view path. */
    OpenDescription served;
    String servedPath;
    /** An open of a served directory the kernel holds: the new fd's record. */
    Task.OpenFile held;
    /** A call that had to wait for a served file, parked in a ppoll: its number, else -1. */
    long parked = -1;
    /** The call may have closed the last fd of a served file: look for descriptions to close. */
    boolean collect;
    /** An mmap of a served file, made in steps: open the memory file, map it, close it. */
    MmapSteps mmap;
    /** An exec: its argument registers stay as the new program found them when it succeeds. */
    boolean exec;
    /**
     * An exec through a mount: the view path of the program it runs, for /proc/PID/exe, and
     * the host file the kernel will show there (null: whatever it shows, a memory file).
     */
    String exe;
    String exeKernel;
    /** unshare(2)'s flags, for CLONE_FS and CLONE_FILES. */
    long unshared;
    /** A socket call turned into the fd hand-over: the call's own number, else -1. */
    long handedOver = -1;
    /** A munmap: its range, {address, length}, for the shared mappings of served files. */
    long[] unmapped;

    /** Where an mmap of a served file is, and what it must remember between its steps. */
    static final class MmapSteps {
        enum Step { OPEN, MAP, CLOSE }

        Step step = Step.OPEN;
        /** The guest's six mmap arguments. */
        final long[] args = new long[6];
        OpenDescription description;
        boolean shared;
        /** A shared mapping's shadow is kept for this mmap until it is done. */
        boolean pinned;
        /** The hypervisor's memory file, and the fd the guest holds for it while it maps it. */
        int memfd;
        long guestFd;
        long mapped;

        /** True for the call the thread makes as the next step (not a call of a signal handler that runs first). */
        boolean isNextStep(jvuos.tracer.SyscallStop stop) {
            return switch (step) {
                case OPEN -> false;
                case MAP -> stop.nr() == ServedMappings.SYS_MMAP && stop.arg(4) == guestFd;
                case CLOSE -> stop.nr() == ServedFdCalls.SYS_CLOSE && stop.arg(0) == guestFd;
            };
        }
    }

    /** Replaces argument {@code index} for the call, to be put back at its exit. */
    void setArg(SyscallStop stop, int index, long value) throws PtraceException {
        savedArgs.add(new long[] {index, stop.arg(index)});
        stop.setArg(index, value);
    }

    /** Puts a path below the guest's stack in place of argument {@code index}; false when the stack cannot be written. */
    boolean setPathArg(SyscallStop stop, int index, String hostPath) throws PtraceException {
        long address = stop.push(jvuos.host.HostFiles.bytes(hostPath));
        if (address == 0) {
            return false;
        }
        setArg(stop, index, address);
        return true;
    }
}
