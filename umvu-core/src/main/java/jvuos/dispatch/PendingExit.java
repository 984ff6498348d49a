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
