package jvuos.testfs;

import java.util.Set;

import jnr.ffi.LibraryLoader;
import jvuos.errno.Errno;
import jvuos.module.Credentials;
import jvuos.module.MountRequest;
import jvuos.module.MountedFileSystem;
import jvuos.module.SocketStack;
import jvuos.module.VuException;
import jvuos.module.VuModule;

/**
 * {@code vumount -t teststack none /dev/net/t}: a network stack for the tests, whose AF_INET
 * sockets are, recognisably, AF_UNIX sockets of the same type: a guest whose default stack it
 * is sees SO_DOMAIN say AF_UNIX.
 */
public final class TestStackModule implements VuModule {
    private static final int AF_INET = 2;
    private static final int AF_UNIX = 1;

    /** The one libc call the stack needs. */
    public interface Sockets {
        int socket(int domain, int type, int protocol);
    }

    private static final Sockets LIBC = LibraryLoader.create(Sockets.class).load("c");

    @Override
    public String name() {
        return "teststack";
    }

    @Override
    public String description() {
        return "a network stack whose inet sockets are unix sockets (the tests' stack)";
    }

    /** The mount: an empty directory, and the stack. */
    private static final class Stack extends MemFs implements SocketStack {
        Stack() {
            super(new Credentials(0, 0));
        }

        @Override
        public Set<Integer> families() {
            return Set.of(AF_INET);
        }

        @Override
        public int socket(int family, int type, int protocol) throws VuException {
            if (family != AF_INET) {
                throw new VuException(Errno.EAFNOSUPPORT, "inet only");
            }
            int fd = LIBC.socket(AF_UNIX, type, 0);
            if (fd < 0) {
                throw new VuException(Errno.ENOMEM, "no socket");
            }
            return fd;
        }
    }

    @Override
    public MountedFileSystem mount(MountRequest request) {
        return new Stack();
    }
}
