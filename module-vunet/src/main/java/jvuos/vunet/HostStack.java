package jvuos.vunet;

import jvuos.module.VuException;
import jvuos.ptrace.DirectCalls;

/** vunetreal: the host's own stack, for a process whose default stack is another. */
final class HostStack extends StackFileSystem {
    private static final long SYS_SOCKET = 41;

    @Override
    public int socket(int family, int type, int protocol) throws VuException {
        long fd = DirectCalls.syscall(SYS_SOCKET, family, type, protocol, 0);
        if (fd < 0) {
            throw new VuException(DirectCalls.errno(), "socket");
        }
        return (int) fd;
    }
}
