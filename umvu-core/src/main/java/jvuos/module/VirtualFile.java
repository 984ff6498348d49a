package jvuos.module;

import java.nio.ByteBuffer;
import java.util.List;

import jvuos.errno.Errno;

/**
 * A file a module serves, opened: what the kernel calls an open file description. The guest
 * holds a placeholder fd for it; every fd the guest duplicates, inherits or keeps across exec
 * refers to this one object, so dup'ed fds share their offset as with the kernel. The
 * hypervisor keeps the offset and the status flags; {@link #close} is called once no guest fd
 * refers to it any more.
 *
 * <p>Offsets are absolute: the hypervisor turns read, write, readv, lseek... into calls with
 * an explicit offset (for O_APPEND, the size from {@link #size}). The buffers of read and
 * write are usually direct and reused by the hypervisor: a module must not keep them, nor
 * expect an array behind them.
 */
public interface VirtualFile {
    /** The file's attributes now. */
    FileStat stat() throws VuException;

    /**
     * Where the file ends for lseek(SEEK_END) and O_APPEND: its st_size, or a disk's
     * capacity (the kernel shows a block device's st_size as 0).
     */
    default long size() throws VuException {
        return stat().size();
    }

    /**
     * Fills {@code dst} from {@code offset} on, as far as the file goes.
     *
     * @return the bytes read, 0 at or past the end
     */
    default int read(ByteBuffer dst, long offset) throws VuException {
        throw new VuException(Errno.EINVAL, "not readable");
    }

    /**
     * Writes {@code src} at {@code offset}, growing the file when it writes past the end.
     *
     * @return the bytes written (at least 1 unless {@code src} is empty)
     */
    default int write(ByteBuffer src, long offset) throws VuException {
        throw new VuException(Errno.EINVAL, "not writable");
    }

    /**
     * False for a file without positions (a character device, a stream): then offsets are
     * ignored and lseek, pread and pwrite fail with ESPIPE.
     */
    default boolean seekable() {
        return true;
    }

    /**
     * True when the file has readiness of its own to report (a terminal, a socket, a fifo):
     * it then says when it is readable through the {@link Readiness} given to {@link #watch},
     * and epoll may watch it. A file without (a regular file, a disk) is always ready to poll
     * and select, and epoll_ctl refuses it with EPERM, as the kernel does.
     *
     * <p>A call that would block (a read with nothing to read) throws EAGAIN: the hypervisor
     * answers EAGAIN to a guest fd in non-blocking mode, and otherwise holds the guest thread
     * until the file is readable (a pollable file) or a while has passed (any other), or
     * until a signal interrupts the call, which then fails with EINTR or is restarted as the
     * signal's SA_RESTART says.
     */
    default boolean pollable() {
        return false;
    }

    /** For a pollable file, once after it is opened: where to report its readiness (not readable until then). */
    default void watch(Readiness readiness) {
    }

    /** The entries of a directory, without "." and "..". */
    default List<DirEntry> list() throws VuException {
        throw new VuException(Errno.ENOTDIR, "not a directory");
    }

    /**
     * The size of the argument buffer {@code ioctl(request)} reads and fills, 0 for a request
     * whose argument is a plain value, or -1 for a request the file does not know (ENOTTY).
     */
    default int ioctlSize(long request) {
        return -1;
    }

    /**
     * An ioctl: {@code data} holds the guest's {@link #ioctlSize} bytes at the argument address
     * (empty when that size is 0), and what the module leaves there is copied back.
     *
     * @param arg the argument as the guest passed it
     * @return the call's result
     */
    default long ioctl(long request, long arg, ByteBuffer data) throws VuException {
        throw new VuException(Errno.ENOTTY, "no such ioctl");
    }

    /** fsync and fdatasync ({@code dataOnly}). */
    default void sync(boolean dataOnly) throws VuException {
    }

    /** ftruncate. */
    default void truncate(long length) throws VuException {
        throw new VuException(Errno.EINVAL, "cannot be truncated");
    }

    /** fallocate(mode, offset, length). */
    default void allocate(int mode, long offset, long length) throws VuException {
        throw new VuException(Errno.EOPNOTSUPP, "fallocate not supported");
    }

    /** No guest fd refers to the file any more. */
    default void close() {
    }
}
