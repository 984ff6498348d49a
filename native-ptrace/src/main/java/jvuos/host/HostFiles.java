package jvuos.host;

import java.nio.charset.StandardCharsets;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jvuos.ptrace.DirectCalls;
import jvuos.errno.Errno;
import jvuos.ptrace.LibC;
import jvuos.ptrace.Native;

/**
 * The host file-system calls the hypervisor makes itself while it resolves a guest's path:
 * lstat, readlink, a symlink-free check, and a memory file for synthesized content.
 *
 * <p>Paths are byte strings carried in {@code String}s of ISO-8859-1 (one char per byte), so
 * a file name that is not valid UTF-8 reaches the kernel unchanged. Results are a value or a
 * negative errno, as the kernel gives them. An instance reuses its buffers: one thread only.
 */
public final class HostFiles {
    public static final int AT_FDCWD = -100;
    public static final int S_IFMT = 0170000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFLNK = 0120000;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFBLK = 0060000;

    private static final int SYS_READLINKAT = 267;
    private static final int SYS_NEWFSTATAT = 262;
    private static final int SYS_SHUTDOWN = 48;
    private static final int SHUT_RDWR = 2;
    private static final int SYS_OPENAT2 = 437;
    private static final int SYS_OPENAT = 257;
    private static final int SYS_READ = 0;
    private static final int SYS_POLL = 7;
    private static final int SYS_PREAD64 = 17;
    private static final int SYS_WRITE = 1;
    private static final int SYS_LSEEK = 8;
    private static final int SYS_TEE = 276;
    private static final int SYS_FCNTL = 72;
    private static final int SEEK_CUR = 1;
    private static final int SYS_PIDFD_OPEN = 434;
    private static final int SYS_PIDFD_GETFD = 438;
    private static final int AT_EMPTY_PATH = 0x1000;
    private static final int SYS_PWRITE64 = 18;
    private static final int SYS_KCMP = 312;
    private static final int KCMP_FILE = 0;
    private static final int SYS_FTRUNCATE = 77;
    private static final int CHUNK = 1 << 20;
    private static final short POLLIN = 1;
    private static final short POLLHUP = 0x10;
    private static final long O_WRONLY = 1;
    private static final long O_NONBLOCK = 04000;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;
    private static final int ST_INO_OFFSET = 8;
    private static final int ST_MODE_OFFSET = 24;
    private static final int ST_RDEV_OFFSET = 40;
    private static final int ST_UID_OFFSET = 28;
    private static final int ST_GID_OFFSET = 32;
    private static final int STAT_SIZE = 144;
    private static final long O_DIRECTORY = 0200000;
    private static final long O_NOFOLLOW = 0400000;
    private static final long O_CLOEXEC = 02000000;
    private static final long O_PATH = 010000000;
    private static final long RESOLVE_NO_SYMLINKS = 0x04;
    private static final int OPEN_HOW_SIZE = 24;
    private static final int MFD_CLOEXEC = 1;
    private static final int LINK_MAX = 4096;

    private final LibC libc = Native.libc();
    private final Pointer stat = Memory.allocateDirect(Native.runtime(), STAT_SIZE);
    private final Pointer link = Memory.allocateDirect(Native.runtime(), LINK_MAX);
    /** The struct open_how of {@link #checkNoSymlinks} for each of its cases (bit 0: follow the final name, bit 1: a directory), made once. */
    private final Pointer[] symlinkChecks = symlinkChecks();
    private static final Pointer EMPTY_PATH = Memory.allocateDirect(Native.runtime(), 1, true);
    /** The path argument of the last call: PATH_MAX bytes and the NUL. */
    private final Pointer pathBuffer = Memory.allocateDirect(Native.runtime(), LINK_MAX + 1);
    private int lastErrno;
    /** The buffer of pread and pwrite, made at their first use. */
    private Pointer chunk;

    private static Pointer[] symlinkChecks() {
        Pointer[] hows = new Pointer[4];
        for (int i = 0; i < hows.length; i++) {
            long flags = O_PATH | O_CLOEXEC | ((i & 1) != 0 ? 0 : O_NOFOLLOW) | ((i & 2) != 0 ? O_DIRECTORY : 0);
            hows[i] = Memory.allocateDirect(Native.runtime(), OPEN_HOW_SIZE, true);
            hows[i].putLong(0, flags); // mode stays 0
            hows[i].putLong(16, RESOLVE_NO_SYMLINKS);
        }
        return hows;
    }

    /** The path as the NUL-terminated bytes the kernel takes. */
    public static byte[] bytes(String path) {
        byte[] b = new byte[path.length() + 1];
        path.getBytes(0, path.length(), b, 0); // ISO-8859-1 by construction: one byte per char
        return b;
    }

    /** Bytes from the kernel or a guest as a path string (one char per byte). */
    public static String string(byte[] bytes, int length) {
        return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
    }

    /** st_mode of the file itself (symlinks not followed), or -errno. */
    public int lstatMode(String path) {
        if (!putPath(path)) {
            return -Errno.ENAMETOOLONG;
        }
        long r = DirectCalls.syscall(SYS_NEWFSTATAT, AT_FDCWD, pathBuffer.address(), stat.address(), AT_SYMLINK_NOFOLLOW);
        return r < 0 ? -DirectCalls.errno() : stat.getInt(ST_MODE_OFFSET);
    }

    /** Copies the path into native memory for the next call; false when it exceeds PATH_MAX. */
    private boolean putPath(String path) {
        int n = path.length();
        if (n > LINK_MAX - 1) {
            return false;
        }
        // One copy into native memory: a native write per byte costs more than the call it
        // prepares, above all before the JIT has compiled this.
        byte[] bytes = bytes(path);
        pathBuffer.put(0, bytes, 0, bytes.length);
        return true;
    }

    /** The target of a symlink, or null with {@link #lastErrno()} set. */
    public String readlink(String path) {
        if (!putPath(path)) {
            lastErrno = Errno.ENAMETOOLONG;
            return null;
        }
        long n = DirectCalls.syscall(SYS_READLINKAT, AT_FDCWD, pathBuffer.address(), link.address(), LINK_MAX);
        if (n < 0) {
            lastErrno = DirectCalls.errno();
            return null;
        }
        byte[] target = new byte[(int) n];
        link.get(0, target, 0, target.length);
        return string(target, target.length);
    }

    public int lastErrno() {
        return lastErrno;
    }

    /**
     * Checks in one openat2 call that the kernel resolves {@code path} without meeting a
     * symlink (a final symlink is allowed when {@code followFinal} is false).
     *
     * @return 0, -ELOOP when a symlink is in the way, or the errno the path's resolution gives
     */
    public int checkNoSymlinks(String path, boolean followFinal, boolean directory) {
        if (!putPath(path)) {
            return -Errno.ENAMETOOLONG;
        }
        Pointer how = symlinkChecks[(followFinal ? 1 : 0) | (directory ? 2 : 0)];
        long fd = DirectCalls.syscall(SYS_OPENAT2, AT_FDCWD, pathBuffer.address(), how.address(), OPEN_HOW_SIZE);
        if (fd < 0) {
            return -DirectCalls.errno();
        }
        DirectCalls.close((int) fd);
        return 0;
    }

    /** A close-on-exec memory file holding {@code content}, or -errno. */
    public int memoryFile(String name, byte[] content) {
        int fd = libc.memfd_create(bytes(name), MFD_CLOEXEC);
        if (fd < 0) {
            return -Native.errno();
        }
        long written = content.length == 0 ? 0 : libc.write(fd, content, content.length);
        if (written != content.length) {
            int errno = Native.errno();
            libc.close(fd);
            return -errno;
        }
        return fd;
    }

    /**
     * A close-on-exec pipe with one byte in it: both ends, or null (errno in {@link #lastErrno}).
     * The byte keeps the read end readable, as a regular file always is to poll.
     */
    public int[] readyPipe() {
        int[] fds = new int[2];
        if (libc.pipe2(fds, (int) O_CLOEXEC) != 0) {
            lastErrno = Native.errno();
            return null;
        }
        if (libc.write(fds[1], new byte[] {1}, 1) != 1) {
            lastErrno = Native.errno();
            libc.close(fds[0]);
            libc.close(fds[1]);
            return null;
        }
        return fds;
    }

    /** For each fd (a pipe's read end), whether poll reports POLLHUP: no writer holds the pipe any more. */
    public boolean[] hungUp(int[] fds) {
        boolean[] hup = new boolean[fds.length];
        if (fds.length == 0) {
            return hup;
        }
        Pointer pollfds = Memory.allocateDirect(Native.runtime(), 8L * fds.length);
        for (int i = 0; i < fds.length; i++) {
            pollfds.putInt(8L * i, fds[i]);
            pollfds.putShort(8L * i + 4, POLLIN);
            pollfds.putShort(8L * i + 6, (short) 0);
        }
        if (DirectCalls.syscall(SYS_POLL, pollfds.address(), fds.length, 0, 0) < 0) {
            return hup;
        }
        for (int i = 0; i < fds.length; i++) {
            hup[i] = (pollfds.getShort(8L * i + 6) & POLLHUP) != 0;
        }
        return hup;
    }

    /**
     * Puts one byte into the pipe whose read end is {@code readEnd}, through a writer opened and
     * closed for it (so that holding no writer, the hypervisor still hears when others let go).
     */
    public boolean putByte(int readEnd) {
        if (!putPath("/proc/self/fd/" + readEnd)) {
            return false;
        }
        long fd = DirectCalls.syscall(SYS_OPENAT, AT_FDCWD, pathBuffer.address(), O_WRONLY | O_CLOEXEC | O_NONBLOCK, 0);
        if (fd < 0) {
            return false;
        }
        long written = libc.write((int) fd, new byte[] {1}, 1);
        DirectCalls.close((int) fd);
        return written == 1;
    }

    /** Takes one byte out of a pipe known to hold one. */
    public boolean takeByte(int readEnd) {
        return DirectCalls.syscall(SYS_READ, readEnd, link.address(), 1, 0) == 1;
    }

    /**
     * A copy, in the hypervisor, of fd {@code fd} of process {@code pid} (pidfd_getfd: the same
     * open file, offset included), or -errno.
     */
    public int borrow(int pid, int fd) {
        int pidfd = pidfd(pid);
        if (pidfd < 0) {
            return pidfd;
        }
        int copy = borrowFrom(pidfd, fd);
        DirectCalls.close(pidfd);
        return copy;
    }

    /** A pidfd of process {@code pid} (pidfd_open), or -errno. */
    public int pidfd(int pid) {
        long pidfd = DirectCalls.syscall(SYS_PIDFD_OPEN, pid, 0, 0, 0);
        return pidfd < 0 ? -DirectCalls.errno() : (int) pidfd;
    }

    /** A copy of fd {@code fd} of the process a pidfd names (pidfd_getfd), or -errno. */
    public int borrowFrom(int pidfd, int fd) {
        long copy = DirectCalls.syscall(SYS_PIDFD_GETFD, pidfd, fd, 0, 0);
        return copy < 0 ? -DirectCalls.errno() : (int) copy;
    }

    /**
     * The lowest fd at or above {@code from} that is not open in process {@code pid} (dup and
     * fcntl(F_DUPFD, from) give that one), found by asking kcmp(2) which fds from {@code from}
     * on are open: far cheaper than a listing of /proc/PID/fd, whose every entry the kernel
     * makes a dentry for. One kcmp looks at two fds (it fails with EBADF when either is
     * closed), and fd {@code taken} is taken to be open unasked: the fd of the call the answer
     * is for, which makes no new fd unless that one is open. Whether the process's
     * RLIMIT_NOFILE lets the call have the fd is not asked. -ERANGE when the first
     * {@code maxProbes} fds are all open, -EINVAL for a negative {@code from}, or the errno of
     * the probe.
     *
     * @param taken an fd known to be open, or -1
     */
    public int lowestFreeFd(int pid, long from, int maxProbes, int taken) {
        if (from < 0 || from > Integer.MAX_VALUE - maxProbes) {
            return -Errno.EINVAL;
        }
        long end = from + maxProbes;
        long fd = from;
        while (fd < end) {
            if (fd == taken) {
                fd++;
                continue;
            }
            long next = fd + 1 == taken ? fd + 2 : fd + 1;
            int bothOpen = next < end ? areOpen(pid, (int) fd, (int) next) : isOpen(pid, (int) fd);
            if (bothOpen < 0) {
                return bothOpen;
            }
            if (bothOpen == 1) {
                fd = next + 1;
                continue;
            }
            if (next >= end) {
                return (int) fd;
            }
            int first = isOpen(pid, (int) fd);
            if (first < 0) {
                return first;
            }
            return first == 0 ? (int) fd : (int) next; // (fd open: the closed one was next)
        }
        return -Errno.ERANGE;
    }

    /** 1 when fd {@code fd} of process {@code pid} is open, 0 when it is not, or -errno (kcmp(2) compares it with itself). */
    public int isOpen(int pid, int fd) {
        return areOpen(pid, fd, fd);
    }

    /** 1 when fds {@code a} and {@code b} of process {@code pid} are both open, 0 when either is not, or -errno. */
    private static int areOpen(int pid, int a, int b) {
        if (DirectCalls.syscall(SYS_KCMP, pid, pid, KCMP_FILE, a, b) >= 0) {
            return 1;
        }
        int errno = DirectCalls.errno();
        return errno == Errno.EBADF ? 0 : -errno;
    }

    /**
     * The device number of a character or block device node (its symlink not followed), as
     * {@code {mode, rdev}}; null for any other file or none.
     */
    public long[] deviceNode(String path) {
        if (!putPath(path)) {
            return null;
        }
        long r = DirectCalls.syscall(SYS_NEWFSTATAT, AT_FDCWD, pathBuffer.address(), stat.address(), AT_SYMLINK_NOFOLLOW);
        if (r < 0) {
            return null;
        }
        int mode = stat.getInt(ST_MODE_OFFSET);
        int type = mode & S_IFMT;
        return type == S_IFCHR || type == S_IFBLK ? new long[] {mode, stat.getLong(ST_RDEV_OFFSET)} : null;
    }

    /** The first bytes of a file, up to {@code buf.length}: how many, or -errno. */
    public int head(String path, byte[] buf) {
        if (!putPath(path)) {
            return -Errno.ENAMETOOLONG;
        }
        long fd = DirectCalls.syscall(SYS_OPENAT, AT_FDCWD, pathBuffer.address(), O_CLOEXEC | O_NONBLOCK, 0);
        if (fd < 0) {
            return -DirectCalls.errno();
        }
        long n = pread((int) fd, buf, buf.length, 0);
        DirectCalls.close((int) fd);
        return (int) n;
    }

    /**
     * The file position of a thread's fd, as /proc/TID/fdinfo/FD gives it ("pos:" first);
     * -1 when it cannot be read.
     */
    public long fdPosition(int tid, int fd) {
        byte[] info = new byte[64];
        int n = head("/proc/" + tid + "/fdinfo/" + fd, info);
        long position = 0;
        int i = "pos:".length();
        if (n <= i || !string(info, i).equals("pos:")) {
            return -1;
        }
        for (; i < n && (info[i] == ' ' || info[i] == '\t'); i++) {
            // the separator
        }
        int digits = 0;
        for (; i < n && info[i] >= '0' && info[i] <= '9'; i++, digits++) {
            position = position * 10 + (info[i] - '0');
        }
        return digits == 0 ? -1 : position;
    }

    /** A file's owner, group and mode ({@code {uid, gid, mode}}), its symlink followed; null if it has none. */
    public long[] ownerAndMode(String path) {
        if (!putPath(path)) {
            return null;
        }
        if (DirectCalls.syscall(SYS_NEWFSTATAT, AT_FDCWD, pathBuffer.address(), stat.address(), 0) < 0) {
            return null;
        }
        return new long[] {stat.getInt(ST_UID_OFFSET), stat.getInt(ST_GID_OFFSET), stat.getInt(ST_MODE_OFFSET)};
    }

    /** The file type and mode of a hypervisor fd's file, or -errno. */
    public int fdMode(int fd) {
        long r = DirectCalls.syscall(SYS_NEWFSTATAT, fd, EMPTY_PATH.address(), stat.address(), AT_EMPTY_PATH);
        return r < 0 ? -DirectCalls.errno() : stat.getInt(ST_MODE_OFFSET);
    }

    /** The inode number of a hypervisor fd's file (a socket's, as /proc/PID/fd links name it), or -errno. */
    public long fdInode(int fd) {
        long r = DirectCalls.syscall(SYS_NEWFSTATAT, fd, EMPTY_PATH.address(), stat.address(), AT_EMPTY_PATH);
        return r < 0 ? -DirectCalls.errno() : stat.getLong(ST_INO_OFFSET);
    }

    /** shutdown(fd, SHUT_RDWR) of a hypervisor fd: 0 or -errno. */
    public int shutdown(int fd) {
        return DirectCalls.syscall(SYS_SHUTDOWN, fd, SHUT_RDWR, 0, 0) < 0 ? -DirectCalls.errno() : 0;
    }

    /** read (offset -1: at the fd's own offset, which moves) or pread on a hypervisor fd: bytes read, or -errno. */
    public long read(int fd, byte[] buf, int length, long offset) {
        if (offset >= 0) {
            return pread(fd, buf, length, offset);
        }
        Pointer chunk = chunk();
        int n = Math.min(CHUNK, length);
        long got = DirectCalls.syscall(SYS_READ, fd, chunk.address(), n, 0);
        if (got < 0) {
            return -DirectCalls.errno();
        }
        chunk.get(0, buf, 0, (int) got);
        return got;
    }

    /** write (offset -1: at the fd's own offset) or pwrite on a hypervisor fd: bytes written, or -errno. */
    public long write(int fd, byte[] buf, int length, long offset) {
        if (offset >= 0) {
            return pwrite(fd, buf, length, offset);
        }
        Pointer chunk = chunk();
        int n = Math.min(CHUNK, length);
        chunk.put(0, buf, 0, n);
        long put = DirectCalls.syscall(SYS_WRITE, fd, chunk.address(), n, 0);
        return put < 0 ? -DirectCalls.errno() : put;
    }

    /**
     * A new open of the pipe behind a hypervisor fd, through /proc/self/fd, with flags of its
     * own (O_NONBLOCK, say): an fd, or -errno (ENXIO: a write end while the pipe has no reader).
     */
    public int reopen(int fd, long flags) {
        if (!putPath("/proc/self/fd/" + fd)) {
            return -Errno.ENAMETOOLONG;
        }
        long r = DirectCalls.syscall(SYS_OPENAT, AT_FDCWD, pathBuffer.address(), flags | O_CLOEXEC, 0);
        return r < 0 ? -DirectCalls.errno() : (int) r;
    }

    /** A pipe of the hypervisor's, non-blocking at both ends: {read, write}, or null. */
    public int[] nonBlockingPipe() {
        int[] fds = new int[2];
        return libc.pipe2(fds, (int) (O_CLOEXEC | O_NONBLOCK)) == 0 ? fds : null;
    }

    /** tee(2): copies up to {@code length} bytes of one pipe into another without taking them; bytes, or -errno. */
    public long tee(int from, int to, long length, int flags) {
        long r = DirectCalls.syscall(SYS_TEE, from, to, length, flags);
        return r < 0 ? -DirectCalls.errno() : r;
    }

    /** fcntl(fd, cmd) without an argument (F_GETFL, F_GETPIPE_SZ...), or -errno. */
    public int fcntl(int fd, int cmd) {
        long r = DirectCalls.syscall(SYS_FCNTL, fd, cmd, 0, 0);
        return r < 0 ? -DirectCalls.errno() : (int) r;
    }

    /** The events poll reports for a hypervisor fd right now (POLLIN 1, POLLOUT 4, POLLERR 8, POLLHUP 16). */
    public int events(int fd, int wanted) {
        Pointer pollfd = Memory.allocateDirect(Native.runtime(), 8);
        pollfd.putInt(0, fd);
        pollfd.putShort(4, (short) wanted);
        pollfd.putShort(6, (short) 0);
        return DirectCalls.syscall(SYS_POLL, pollfd.address(), 1, 0, 0) < 0 ? 0 : pollfd.getShort(6);
    }

    /** send(2) on a hypervisor socket fd: bytes sent, or -errno. */
    public long send(int fd, byte[] buf, int length, int flags) {
        Pointer chunk = chunk();
        int n = Math.min(CHUNK, length);
        chunk.put(0, buf, 0, n);
        long r = DirectCalls.send(fd, chunk.address(), n, flags);
        return r < 0 ? -DirectCalls.errno() : r;
    }

    /** Moves a hypervisor fd's offset back by {@code count} bytes. */
    public void lseekBack(int fd, long count) {
        DirectCalls.syscall(SYS_LSEEK, fd, -count, SEEK_CUR, 0);
    }

    /** pread on a hypervisor fd: bytes read, or -errno. */
    public long pread(int fd, byte[] buf, int length, long offset) {
        Pointer chunk = chunk();
        long total = 0;
        while (total < length) {
            int n = (int) Math.min(CHUNK, length - total);
            long got = DirectCalls.syscall(SYS_PREAD64, fd, chunk.address(), n, offset + total);
            if (got <= 0) {
                return total > 0 ? total : got < 0 ? -DirectCalls.errno() : 0;
            }
            chunk.get(0, buf, (int) total, (int) got);
            total += got;
        }
        return total;
    }

    /** pwrite on a hypervisor fd: bytes written, or -errno. */
    public long pwrite(int fd, byte[] buf, int length, long offset) {
        Pointer chunk = chunk();
        long total = 0;
        while (total < length) {
            int n = (int) Math.min(CHUNK, length - total);
            chunk.put(0, buf, (int) total, n);
            long put = DirectCalls.syscall(SYS_PWRITE64, fd, chunk.address(), n, offset + total);
            if (put <= 0) {
                return total > 0 ? total : put < 0 ? -DirectCalls.errno() : 0;
            }
            total += put;
        }
        return total;
    }

    /** ftruncate on a hypervisor fd: 0 or -errno. */
    public int truncate(int fd, long length) {
        return DirectCalls.syscall(SYS_FTRUNCATE, fd, length, 0, 0) < 0 ? -DirectCalls.errno() : 0;
    }

    private Pointer chunk() {
        if (chunk == null) {
            chunk = Memory.allocateDirect(Native.runtime(), CHUNK);
        }
        return chunk;
    }

    public void close(int fd) {
        libc.close(fd);
    }
}
