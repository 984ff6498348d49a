package jvuos.module;

import java.util.Set;

/**
 * A network stack that a module serves, mounted at a path of the view (vunet's
 * {@code /dev/net/x}). A guest process picks it as its default stack for some address
 * families ({@code msocket(path, family, SOCK_DEFAULT, 0)}, which its children and later
 * programs inherit); its socket(2) calls of those families then reach {@link #socket}.
 *
 * <p>The stack answers with a socket of the hypervisor's own process, a real kernel socket
 * (say, one made in a network namespace of the stack's): the guest gets it at the fd number
 * socket(2) would have given, and every later call on it (bind, connect, send, poll...) is
 * the kernel's, at native speed.
 */
public interface SocketStack {
    /** The address families the stack serves (AF_INET = 2, AF_INET6 = 10, AF_NETLINK = 16, AF_PACKET = 17...). */
    Set<Integer> families();

    /**
     * A new socket: an fd of the hypervisor's process, which the hypervisor hands to the
     * guest and then closes. {@code type} may carry SOCK_NONBLOCK; SOCK_CLOEXEC is the
     * hypervisor's to apply.
     *
     * @throws VuException with socket(2)'s errno (EAFNOSUPPORT, EPROTONOSUPPORT, ENETDOWN...)
     */
    int socket(int family, int type, int protocol) throws VuException;
}
