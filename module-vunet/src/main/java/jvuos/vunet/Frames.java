package jvuos.vunet;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;

/** The libc calls that carry frames between the tap interface and the VDE connection. */
interface Frames {
    short POLLIN = 0x001;
    short POLLERR = 0x008;
    short POLLHUP = 0x010;
    short POLLNVAL = 0x020;

    /** poll(2) over an array of struct pollfd (int fd, short events, short revents). */
    int poll(Pointer fds, long count, int timeout);

    long read(int fd, Pointer buffer, long count);

    long write(int fd, Pointer buffer, long count);

    int pipe2(@Out int[] fds, int flags);

    int fcntl(int fd, int command, int argument);

    long write(int fd, @In byte[] buffer, long count);

    int close(int fd);

    static Frames load() {
        return LibraryLoader.create(Frames.class).failImmediately().load("c");
    }
}
