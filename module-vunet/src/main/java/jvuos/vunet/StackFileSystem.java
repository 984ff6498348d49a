package jvuos.vunet;

import java.util.Set;

import jvuos.errno.Errno;
import jvuos.module.Credentials;
import jvuos.module.FileStat;
import jvuos.module.ServedFileSystem;
import jvuos.module.SocketStack;
import jvuos.module.VirtualFile;
import jvuos.module.VuException;

/**
 * A network stack mounted at a path (/dev/net/x): the path stats as a file of type 0160000,
 * which Linux has not (VUOS's S_IFSTACK: `ls -l` shows it as a "weird file"), and a process
 * that makes it its default stack for some address families gets its sockets of those
 * families from {@link #socket}.
 */
abstract class StackFileSystem implements ServedFileSystem, SocketStack {
    static final int S_IFSTACK = 0160000;
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    static final int AF_NETLINK = 16;
    static final int AF_PACKET = 17;
    /** The families a stack of the kernel's serves: what `vustack STACK CMD` gives it. */
    static final Set<Integer> IP_FAMILIES = Set.of(AF_INET, AF_INET6, AF_NETLINK, AF_PACKET);

    private final FileStat stat;

    StackFileSystem() {
        long now = System.currentTimeMillis() * 1_000_000L;
        Credentials owner = Credentials.hypervisor(); // the mounting user's
        stat = new FileStat(S_IFSTACK | 0600, 1, 1, owner.uid(), owner.gid(), 0, 0, 0, 4096, now, now, now);
    }

    @Override
    public FileStat lstat(String relativePath) throws VuException {
        if (!relativePath.isEmpty()) {
            throw new VuException(Errno.ENOENT, "a network stack has nothing below it");
        }
        return stat;
    }

    /** A stack is no file to read: as opening a socket's name, ENXIO. */
    @Override
    public VirtualFile open(String relativePath, int flags) throws VuException {
        lstat(relativePath);
        throw new VuException(Errno.ENXIO, "a network stack cannot be opened");
    }

    @Override
    public Set<Integer> families() {
        return IP_FAMILIES;
    }
}
