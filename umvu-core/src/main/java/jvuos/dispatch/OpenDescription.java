package jvuos.dispatch;

import jvuos.module.VirtualFile;
import jvuos.vfs.Mount;

/**
 * A served file opened by the guest: the hypervisor's open file description. Every guest fd
 * that refers to it (by dup, fork, exec, whatever the process) holds the same placeholder,
 * a host pipe whose read end the hypervisor keeps, so the kernel tells which description a
 * guest fd refers to: /proc/PID/fd/N reads {@link #identity}. Its write end is the
 * hypervisor's only until the guest has opened the pipe.
 */
final class OpenDescription {
    static final int O_ACCMODE = 3;
    static final int O_WRONLY = 1;
    static final int O_RDWR = 2;
    static final int O_APPEND = 02000;
    static final int O_NONBLOCK = 04000;
    static final int O_PATH = 010000000;
    /** The status flags fcntl(F_SETFL) may change. */
    static final int SETTABLE_FLAGS = O_APPEND | O_NONBLOCK | 020000 /* O_ASYNC */ | 040000 /* O_DIRECT */
            | 01000000 /* O_NOATIME */;

    final Mount mount;
    final VirtualFile file;
    /** The placeholder pipe: the guest opens the read end through /proc/UMVU_PID/fd/N. */
    final int readEnd;
    final int writeEnd;
    /** What readlink of a guest fd holding the placeholder gives: "pipe:[INODE]". */
    final String identity;
    final boolean directory;
    /** What the module said of the file when it was opened ({@link VirtualFile#seekable}, {@link VirtualFile#pollable}). */
    final boolean seekable;
    final boolean pollable;
    /** The open(2) flags, of which fcntl(F_SETFL) changes {@link #SETTABLE_FLAGS}. */
    int flags;
    /** A file's offset (a directory's position is its {@link #listing}'s). */
    long offset;
    /** A directory's entries and position; null for any other file. */
    final DirectoryListing listing;
    /** Between the open's entry and its exit no guest fd holds the placeholder yet. */
    boolean pending = true;
    /** A pollable file's readiness, as the placeholder shows it (guarded by this object). */
    boolean ready;
    /** Released: the placeholder is gone (guarded by this object). */
    boolean closed;
    /** The memory file behind shared mappings of the file, while there are any. */
    ServedMappings.Shadow shadow;

    OpenDescription(Mount mount, VirtualFile file, int[] pipe, String identity, int flags, boolean directory) {
        this.seekable = ask(file::seekable, mount, true);
        this.pollable = ask(file::pollable, mount, false);
        this.mount = mount;
        this.file = file;
        this.readEnd = pipe[0];
        this.writeEnd = pipe[1];
        this.identity = identity;
        this.flags = flags;
        this.directory = directory;
        this.listing = directory ? new DirectoryListing() : null;
    }

    /** A yes-or-no question to the module; a module that fails to answer gets {@code otherwise}. */
    private static boolean ask(java.util.function.BooleanSupplier question, Mount mount, boolean otherwise) {
        try {
            return jvuos.vfs.ModuleCalls.guarded(question::getAsBoolean, mount.module());
        } catch (jvuos.module.VuException e) {
            return otherwise;
        }
    }

    /** O_PATH: the fd names the file and allows no I/O. */
    boolean pathOnly() {
        return (flags & O_PATH) != 0;
    }

    boolean readable() {
        return (flags & O_ACCMODE) != O_WRONLY && !pathOnly();
    }

    boolean writable() {
        int mode = flags & O_ACCMODE;
        return (mode == O_WRONLY || mode == O_RDWR) && !pathOnly();
    }
}
