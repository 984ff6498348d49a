package jvuos.dispatch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jvuos.module.DirEntry;
import jvuos.module.FileStat;
import jvuos.module.VirtualFile;
import jvuos.module.VuException;
import jvuos.errno.Errno;
import jvuos.host.HostFiles;
import jvuos.ptrace.PtraceException;
import jvuos.tracer.SyscallStop;
import jvuos.vfs.ModuleCalls;
import jvuos.vfs.PathNames;

/**
 * The fd calls on a guest fd that holds a served file's placeholder: each is answered from
 * the open description and its module's {@link VirtualFile}. Which argument holds the fd, and
 * which calls leave the placeholder to the kernel (close, flock, F_SETFD...), is said here.
 */
final class ServedFdCalls {
    /** A handler's answer that means "the kernel runs the call on the placeholder". */
    static final long KERNEL = Long.MIN_VALUE;
    /** A handler's answer for a call that must wait (EAGAIN from the module, a blocking fd). */
    static final long WOULD_BLOCK = Long.MIN_VALUE + 1;
    /**
     * The most one read or write of a file without positions, or one copy between fds, moves;
     * more is a short count, as a pipe or socket gives.
     */
    static final int MAX_TRANSFER = 8 << 20;
    /** The most one read or write of a file with positions moves: the kernel's MAX_RW_COUNT. */
    private static final long MAX_RW_COUNT = 0x7ffff000L;
    /** The most of one read or write the hypervisor holds at a time. */
    private static final int CHUNK = 8 << 20;
    private static final int IOV_MAX = 1024;
    /** The end of an x86_64 process's address space (4-level paging), as access_ok knows it. */
    private static final long USER_SPACE_END = (1L << 47) - 4096;
    private static final int IOCTL_SIZE_MAX = 1 << 14;
    private static final int O_LARGEFILE = 0100000;
    private static final long FIONBIO = 0x5421;
    private static final long FIONREAD = 0x541B;
    private static final int SEEK_SET = 0;
    private static final int SEEK_CUR = 1;
    private static final int SEEK_END = 2;
    private static final int SEEK_DATA = 3;
    private static final int SEEK_HOLE = 4;
    private static final long EPOLL_CTL_ADD = 1;
    private static final long SPLICE_F_NONBLOCK = 2;
    private static final int F_GETFL = 3;
    private static final int POLLIN = 1;
    private static final int POLLHUP = 0x10;
    private static final int MSG_DONTWAIT = 0x40;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int SIGPIPE = 13;
    private static final int POLLOUT = 4;

    static final int SYS_READ = 0;
    static final int SYS_WRITE = 1;
    static final int SYS_CLOSE = 3;
    static final int SYS_FCNTL = 72;
    static final int SYS_CLOSE_RANGE = 436;

    /**
     * One call on a served description; {@code blocker} is where a call that must wait says
     * what it waits for ({fd, poll events}), when that is another fd than the served one.
     */
    record Call(SyscallStop stop, Task task, Task.OpenFile record, OpenDescription d, int[] blocker) {
        Call(SyscallStop stop, Task task, Task.OpenFile record, OpenDescription d) {
            this(stop, task, record, d, new int[] {-1, 0});
        }

        long arg(int i) {
            return stop.arg(i);
        }

        void waitOn(int fd, int events) {
            blocker[0] = fd;
            blocker[1] = events;
        }
    }

    @FunctionalInterface
    private interface Handler {
        long serve(Call c) throws VuException, PtraceException;
    }

    /** A syscall on fds: where its fds are, and how a served one is answered. */
    private record FdSyscall(int[] fdArgs, Handler handler) {
    }

    /** write, pwrite64, writev, pwritev, pwritev2, sendfile, splice, copy_file_range. */
    private static final java.util.Set<Integer> WRITES = java.util.Set.of(SYS_WRITE, 18, 20, 296, 328, 40, 275, 326);
    /**
     * The fd calls answered as a path call on the fd's file, by number: fchmod as chmod...
     * (the arguments after the fd are the path call's after its path).
     */
    static final Map<Integer, String> AS_PATH_CALLS = Map.of(91, "chmod", 93, "chown", 138, "statfs", 81, "chdir",
            190, "setxattr", 193, "getxattr", 196, "listxattr", 199, "removexattr");
    /** What an O_PATH fd allows: fstat, fstatfs, fchdir, close, fcntl. */
    static final java.util.Set<Integer> PATH_FD_CALLS = java.util.Set.of(5, 138, 81, SYS_CLOSE, SYS_FCNTL);

    private final Map<Integer, FdSyscall> calls = new HashMap<>();
    private final ServedPathCalls pathCalls;
    private final ServedMappings mappings;
    /** The buffer of reads and writes, made at the first one ({@link #chunk()}). */
    private ByteBuffer chunk;
    private final FdLookup lookup;
    private final HostFiles host;
    /** The hypervisor's pipe for looking at a guest pipe's bytes (read end, write end); null until needed. */
    private int[] peekPipe;

    /** The description of a served file a guest fd holds, or null. */
    @FunctionalInterface
    interface FdLookup {
        OpenDescription served(int tid, Task task, int fd);
    }

    ServedFdCalls(ServedPathCalls pathCalls, ServedMappings mappings, FdLookup lookup, HostFiles host) {
        this.pathCalls = pathCalls;
        this.mappings = mappings;
        this.lookup = lookup;
        this.host = host;
        on(SYS_READ, c -> read(c, c.arg(1), c.arg(2), -1, false));
        on(SYS_WRITE, c -> write(c, c.arg(1), c.arg(2), -1, false));
        on(17 /* pread64 */, c -> read(c, c.arg(1), c.arg(2), c.arg(3), true));
        on(18 /* pwrite64 */, c -> write(c, c.arg(1), c.arg(2), c.arg(3), true));
        on(19 /* readv */, c -> readv(c, -1, false));
        on(20 /* writev */, c -> writev(c, -1, false));
        on(295 /* preadv */, c -> readv(c, c.arg(3), true));
        on(296 /* pwritev */, c -> writev(c, c.arg(3), true));
        on(327 /* preadv2: offset -1 is the current one */, c -> readv(c, c.arg(3), c.arg(3) != -1));
        on(328 /* pwritev2 */, c -> writev(c, c.arg(3), c.arg(3) != -1));
        on(5 /* fstat */, c -> ServedPathCalls.put(c.stop(), c.arg(1), Structs.stat(stat(c), c.d().mount.dev())));
        on(8 /* lseek */, this::lseek);
        on(217 /* getdents64 */, c -> getdents(c, true));
        on(78 /* getdents */, c -> getdents(c, false));
        on(16 /* ioctl */, this::ioctl);
        on(SYS_FCNTL, this::fcntl);
        on(74 /* fsync */, c -> sync(c, false));
        on(75 /* fdatasync */, c -> sync(c, true));
        on(277 /* sync_file_range */, c -> sync(c, true));
        on(77 /* ftruncate */, this::ftruncate);
        on(285 /* fallocate */, this::fallocate);
        on(221 /* fadvise64 */, c -> c.d().seekable ? (c.arg(3) > 5 ? -Errno.EINVAL : 0) : -Errno.ESPIPE);
        on(187 /* readahead */, c -> stat(c).type() == FileStat.S_IFREG ? 0 : -Errno.EINVAL);
        on(SYS_CLOSE, c -> KERNEL);
        on(73 /* flock: on the placeholder, shared by the fds of one open */, c -> KERNEL);
        AS_PATH_CALLS.forEach((nr, name) -> on(nr, c -> pathCalls.serveAs(name, pathCall(c))));
        calls.put(233 /* epoll_ctl */, new FdSyscall(new int[] {2},
                c -> c.arg(1) == EPOLL_CTL_ADD && !c.d().pollable ? -Errno.EPERM : KERNEL));
        Kind[] anyFile = {Kind.FILE};
        Kind[] anySink = {Kind.FILE, Kind.PIPE, Kind.SOCKET};
        Kind[] pipe = {Kind.PIPE};
        calls.put(40 /* sendfile(out, in, offset*, count) */, new FdSyscall(new int[] {0, 1},
                c -> copy(c, (int) c.arg(1), c.arg(2), (int) c.arg(0), 0, c.arg(3), anyFile, anySink, false)));
        calls.put(275 /* splice(in, off_in*, out, off_out*, len, flags): a served file and a pipe */,
                new FdSyscall(new int[] {0, 2}, c -> bothServed(c, 0, 2) ? -Errno.EINVAL // no pipe at all
                        : copy(c, (int) c.arg(0), c.arg(1), (int) c.arg(2), c.arg(3), c.arg(4), pipe, pipe,
                                (c.arg(5) & SPLICE_F_NONBLOCK) != 0)));
        calls.put(326 /* copy_file_range(in, off_in*, out, off_out*, len, flags) */, new FdSyscall(new int[] {0, 2},
                c -> c.arg(5) != 0 ? -Errno.EINVAL : copyFileRange(c)));
        // tee takes two pipes: a served file is none (EINVAL, as the kernel says of a file).
        calls.put(276 /* tee */, new FdSyscall(new int[] {0, 1}, c -> -Errno.EINVAL));
    }

    private void on(int nr, Handler handler) {
        calls.put(nr, new FdSyscall(new int[] {0}, handler));
    }

    /** True for a call that writes to its file (its wait is for room, not for data). */
    static boolean writes(int nr) {
        return WRITES.contains(nr);
    }

    /** The calls that must stop once a served file is open somewhere. */
    BitSet syscalls() {
        BitSet set = new BitSet();
        calls.keySet().forEach(set::set);
        set.set(SYS_CLOSE_RANGE);
        return set;
    }

    /** The argument indexes of the call's fds; null for a call that takes none. */
    int[] fdArgs(int nr) {
        FdSyscall call = calls.get(nr);
        return call == null ? null : call.fdArgs();
    }

    /** The result for the guest (a negative errno for a failure), or {@link #KERNEL}. */
    long serve(int nr, Call c) throws PtraceException {
        if (c.d().pathOnly() && !PATH_FD_CALLS.contains(nr)) {
            return -Errno.EBADF;
        }
        try {
            return calls.get(nr).handler().serve(c);
        } catch (VuException e) {
            boolean blocking = (c.d().flags & OpenDescription.O_NONBLOCK) == 0;
            return e.errno() == Errno.EAGAIN && blocking ? WOULD_BLOCK : -e.errno();
        }
    }

    private static ServedPathCalls.Call pathCall(Call c) {
        return ServedPathCalls.onFile(c.stop(), c.task(), c.record(), c.d().mount, c.d());
    }

    private static FileStat stat(Call c) throws VuException {
        return ModuleCalls.guarded(c.d().file::stat, c.d().mount.module());
    }

    /** Where the file ends for lseek(SEEK_END) and O_APPEND: its size, a disk's capacity. */
    private static long size(OpenDescription d) throws VuException {
        return ModuleCalls.guarded(d.file::size, d.mount.module());
    }

    /** A guest buffer of an I/O call. */
    private record Segment(long address, long length) {
    }

    private static List<Segment> iovecs(Call c) {
        long address = c.arg(1);
        long count = c.arg(2);
        if (count < 0 || count > IOV_MAX) {
            return null;
        }
        byte[] raw = new byte[(int) count * 16];
        if (c.stop().memory().read(c.stop().tid(), address, raw, raw.length) != raw.length) {
            return List.of(new Segment(-1, -1));
        }
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        List<Segment> segments = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            segments.add(new Segment(b.getLong(16 * i), b.getLong(16 * i + 8)));
        }
        return segments;
    }

    private long readv(Call c, long offset, boolean positioned) throws VuException {
        List<Segment> segments = iovecs(c);
        return segments == null ? -Errno.EINVAL : read(c, segments, offset, positioned);
    }

    private long writev(Call c, long offset, boolean positioned) throws VuException {
        List<Segment> segments = iovecs(c);
        return segments == null ? -Errno.EINVAL : write(c, segments, offset, positioned);
    }

    private long read(Call c, long buffer, long count, long offset, boolean positioned) throws VuException {
        return read(c, List.of(new Segment(buffer, count)), offset, positioned);
    }

    private long write(Call c, long buffer, long count, long offset, boolean positioned) throws VuException {
        return write(c, List.of(new Segment(buffer, count)), offset, positioned);
    }

    /**
     * The total of the segments, at most the kernel's MAX_RW_COUNT, or {@link #MAX_TRANSFER}
     * for a file without positions (the kernel too cuts a transfer short rather than fail);
     * -EFAULT for an unreadable vector or a buffer that does not fit in user space, -EINVAL
     * for a length that is negative as a ssize_t.
     */
    private static long total(List<Segment> segments, OpenDescription d) {
        long most = d.seekable ? MAX_RW_COUNT : MAX_TRANSFER;
        long total = 0;
        for (Segment s : segments) {
            if (s.address() == -1 && s.length() == -1) {
                return -Errno.EFAULT;
            }
            if (s.length() < 0) {
                return -Errno.EINVAL;
            }
            if (Long.compareUnsigned(s.address(), USER_SPACE_END) > 0 || s.length() > USER_SPACE_END - s.address()) {
                return -Errno.EFAULT; // the kernel's access_ok
            }
            total = s.length() >= most - total ? most : total + s.length();
        }
        return total;
    }

    /** The offset a transfer starts at, or a negative errno. */
    private static long startOffset(Call c, long offset, boolean positioned) {
        OpenDescription d = c.d();
        if (positioned) {
            if (!d.seekable) {
                return -Errno.ESPIPE;
            }
            return offset < 0 ? -Errno.EINVAL : offset;
        }
        return d.seekable ? d.offset : 0;
    }

    private long read(Call c, List<Segment> segments, long offset, boolean positioned) throws VuException {
        OpenDescription d = c.d();
        if (!d.readable()) {
            return -Errno.EBADF;
        }
        if (d.directory) {
            return -Errno.EISDIR;
        }
        long at = startOffset(c, offset, positioned);
        long total = total(segments, d);
        if (at < 0 || total <= 0) {
            return Math.min(at, total);
        }
        mappings.flush(d); // what a shared mapping wrote is the file's content
        ByteBuffer chunk = chunk();
        long done = 0;
        while (done < total) {
            int want = (int) Math.min(CHUNK, total - done);
            long from = at + done;
            ByteBuffer window = chunk.slice(0, want);
            int n;
            try {
                n = Math.min(want, ModuleCalls.guarded(() -> d.file.read(window, from), d.mount.module()));
            } catch (VuException e) {
                if (done == 0) {
                    throw e;
                }
                break; // what was read counts, as the kernel's short read
            }
            if (n <= 0) {
                break;
            }
            long put = copyToGuest(c, segments, done, chunk, n);
            if (put <= 0) {
                if (done == 0) {
                    return -Errno.EFAULT;
                }
                break;
            }
            done += put;
            if (put < n || n < want) {
                break;
            }
        }
        if (!positioned && d.seekable) {
            d.offset = at + done;
        }
        return done;
    }

    private long write(Call c, List<Segment> segments, long offset, boolean positioned) throws VuException {
        OpenDescription d = c.d();
        if (!d.writable()) {
            return -Errno.EBADF;
        }
        long at = startOffset(c, offset, positioned);
        long total = total(segments, d);
        if (at < 0 || total <= 0) {
            return Math.min(at, total);
        }
        // O_APPEND writes at the end, pwrite too (as Linux does).
        long where = (d.flags & OpenDescription.O_APPEND) != 0 && d.seekable ? size(d) : at;
        mappings.flush(d);
        ByteBuffer chunk = chunk();
        long done = 0;
        while (done < total) {
            int gathered = copyFromGuest(c, segments, done, chunk, (int) Math.min(CHUNK, total - done));
            if (gathered <= 0) {
                if (done == 0) {
                    return -Errno.EFAULT;
                }
                break;
            }
            long to = where + done;
            ByteBuffer window = chunk.slice(0, gathered);
            int n;
            try {
                n = Math.min(gathered, ModuleCalls.guarded(() -> d.file.write(window, to), d.mount.module()));
            } catch (VuException e) {
                if (done == 0) {
                    throw e;
                }
                break; // what was written counts, as the kernel's short write
            }
            mappings.written(d, chunk.slice(0, n), to);
            done += n;
            if (n < gathered) {
                break;
            }
        }
        if (!positioned && d.seekable) {
            d.offset = where + done;
        }
        return done;
    }

    /**
     * The buffer of reads and writes: direct, so that guest memory is copied to and from it
     * by the kernel (process_vm_readv/writev) and the module's buffers with no copy between.
     */
    private ByteBuffer chunk() {
        if (chunk == null) {
            chunk = ByteBuffer.allocateDirect(CHUNK);
        }
        return chunk;
    }

    /**
     * Writes the first {@code n} bytes of {@code data} into the guest's segments from byte
     * {@code skip} of the transfer on; the bytes written, fewer at an unwritable address.
     */
    private static long copyToGuest(Call c, List<Segment> segments, long skip, ByteBuffer data, int n) {
        return acrossSegments(segments, skip, n,
                (address, at, length) -> c.stop().memory().write(c.stop().tid(), address, data.slice(at, length), length) == length);
    }

    /**
     * Reads up to {@code n} bytes of the guest's segments, from byte {@code skip} of the
     * transfer on, into {@code data}; the bytes read, fewer at an unreadable address.
     */
    private static int copyFromGuest(Call c, List<Segment> segments, long skip, ByteBuffer data, int n) {
        return acrossSegments(segments, skip, n,
                (address, at, length) -> c.stop().memory().read(c.stop().tid(), address, data.slice(at, length), length) == length);
    }

    /** Moves the guest bytes at {@code address} to or from bytes [at, at + length) of the buffer; false when it could not. */
    private interface Piece {
        boolean move(long address, int at, int length);
    }

    /** Moves up to {@code n} bytes of a transfer, from byte {@code skip} on, segment by segment; the bytes moved. */
    private static int acrossSegments(List<Segment> segments, long skip, int n, Piece piece) {
        int done = 0;
        for (Segment s : segments) {
            if (skip >= s.length()) {
                skip -= s.length();
                continue;
            }
            int part = (int) Math.min(s.length() - skip, n - done);
            if (!piece.move(s.address() + skip, done, part)) {
                break;
            }
            done += part;
            skip = 0;
            if (done == n) {
                break;
            }
        }
        return done;
    }

    /** What the other end of a copy is: a served file, or a host file of some kind the hypervisor borrowed. */
    private enum Kind { SERVED, FILE, PIPE, SOCKET }

    /**
     * One end of a copy between fds. A host end is {@code borrowed}, the hypervisor's copy of
     * the guest's fd (or -errno); a pipe is also opened anew, non-blocking, as {@code io}, so
     * that the hypervisor never waits on it.
     */
    private record End(Kind kind, OpenDescription served, int guestFd, int borrowed, int io) {
        boolean failed() {
            return kind != Kind.SERVED && (borrowed < 0 || (kind == Kind.PIPE && io < 0));
        }

        int error() {
            return borrowed < 0 ? borrowed : io;
        }

        /** The fd the hypervisor reads or writes (-1: none of its own, for a served end or a failed one). */
        int fd() {
            return kind == Kind.PIPE ? io : borrowed;
        }
    }

    /** What a read or write that could not move anything says. */
    private static final long WAIT = Long.MIN_VALUE + 2;
    /** The most a copy moves through a host end at once. */
    private static final int HOST_TRANSFER = 1 << 20;
    private static final int PIPE_BUF = 4096;

    /**
     * sendfile, splice and copy_file_range with a served end: the hypervisor copies, never
     * waiting itself. copy_file_range works within one served file system (EXDEV across file
     * systems, as the kernel says). sendfile also reads a host regular file or disk, and writes
     * to one, to a pipe or to a socket; splice moves between a served file and a pipe. A host
     * end is the guest's own open file (borrowed with pidfd_getfd: offset shared); a pipe is
     * read and written through a non-blocking open of its own, and a pipe's bytes are taken
     * only as far as the served file took them. When nothing can move, the guest's call waits
     * on the end that blocks, as its own would (EAGAIN for a non-blocking end or
     * SPLICE_F_NONBLOCK); EPIPE brings the guest thread its SIGPIPE.
     */
    private long copy(Call c, int inFd, long inOffsetAddress, int outFd, long outOffsetAddress, long count,
            Kind[] hostInKinds, Kind[] hostOutKinds, boolean nonBlocking) throws VuException {
        int tid = c.stop().tid();
        OpenDescription in = lookup.served(tid, c.task(), inFd);
        OpenDescription out = lookup.served(tid, c.task(), outFd);
        if ((in != null && !in.readable()) || (out != null && !out.writable())) {
            return -Errno.EBADF;
        }
        if ((in != null && in.directory) || (out != null && out.directory)) {
            return hostInKinds.length == 0 ? -Errno.EISDIR : -Errno.EINVAL;
        }
        if (hostInKinds.length > 0 && out != null && (out.flags & OpenDescription.O_APPEND) != 0) {
            return -Errno.EINVAL; // sendfile and splice refuse an O_APPEND output
        }
        long inOffset = inOffsetAddress == 0 ? -1 : readLong(c, inOffsetAddress);
        long outOffset = outOffsetAddress == 0 ? -1 : readLong(c, outOffsetAddress);
        if ((inOffsetAddress != 0 && inOffset < 0) || (outOffsetAddress != 0 && outOffset < 0)) {
            return inOffset == -Errno.EFAULT || outOffset == -Errno.EFAULT ? -Errno.EFAULT : -Errno.EINVAL;
        }
        End source = end(c, in, inFd, hostInKinds, true);
        End sink = end(c, out, outFd, hostOutKinds, false);
        try {
            if (source.failed() || sink.failed()) {
                int error = source.failed() ? source.error() : sink.error();
                if (error == -Errno.ENXIO) {
                    return brokenPipe(c); // a pipe without a reader
                }
                return error;
            }
            if ((source.kind() == Kind.PIPE && inOffsetAddress != 0) || (sink.kind() == Kind.PIPE && outOffsetAddress != 0)) {
                return -Errno.ESPIPE;
            }
            if (count <= 0) {
                return count < 0 ? -Errno.EINVAL : 0;
            }
            boolean wait = !nonBlocking && !hostNonBlocking(source) && !hostNonBlocking(sink);
            int limit = sink.kind() == Kind.SERVED && source.kind() == Kind.SERVED ? MAX_TRANSFER : HOST_TRANSFER;
            if (source.kind() == Kind.SERVED && !in.seekable && (sink.kind() == Kind.PIPE || sink.kind() == Kind.SOCKET)) {
                limit = PIPE_BUF; // what a non-seekable file gives cannot be given back: move only what a pipe takes whole
            }
            byte[] data = new byte[(int) Math.min(count, limit)];
            long readAt = in == null ? inOffset : inOffset >= 0 ? inOffset : in.offset;
            long got = read(source, data, readAt);
            if (got == WAIT) {
                return waitFor(c, wait, source.guestFd(), POLLIN);
            }
            if (got <= 0) {
                return got;
            }
            long writeAt = out == null ? outOffset
                    : (out.flags & OpenDescription.O_APPEND) != 0 ? size(out)
                    : outOffset >= 0 ? outOffset : out.offset;
            long put = write(c, sink, data, (int) got, writeAt);
            if (put == WAIT || put < 0) {
                if (source.kind() == Kind.FILE && inOffsetAddress == 0) {
                    host.lseekBack(source.borrowed(), got); // nothing moved: the host file's offset neither
                }
                return put == WAIT ? waitFor(c, wait, sink.guestFd(), POLLOUT) : put;
            }
            if (source.kind() == Kind.PIPE) {
                host.read(source.io(), data, (int) put, -1); // takes what went through, only that
            }
            if (inOffsetAddress != 0) {
                writeLong(c, inOffsetAddress, inOffset + put);
            } else if (in != null) {
                in.offset = readAt + put;
            } else if (put < got && source.kind() == Kind.FILE) {
                host.lseekBack(source.borrowed(), got - put); // the host file gave more than was written
            }
            if (outOffsetAddress != 0) {
                writeLong(c, outOffsetAddress, outOffset + put);
            } else if (out != null) {
                out.offset = writeAt + put;
            }
            return put;
        } finally {
            for (End e : new End[] {source, sink}) {
                if (e.kind() != Kind.SERVED) {
                    closeIfOpen(e.borrowed());
                    closeIfOpen(e.io());
                }
            }
        }
    }

    private boolean bothServed(Call c, int first, int second) {
        int tid = c.stop().tid();
        return lookup.served(tid, c.task(), (int) c.arg(first)) != null && lookup.served(tid, c.task(), (int) c.arg(second)) != null;
    }

    /** copy_file_range: within one served file system, not onto an O_APPEND file. */
    private long copyFileRange(Call c) throws VuException {
        OpenDescription in = lookup.served(c.stop().tid(), c.task(), (int) c.arg(0));
        OpenDescription out = lookup.served(c.stop().tid(), c.task(), (int) c.arg(2));
        if (in == null || out == null || in.mount != out.mount) {
            return -Errno.EXDEV;
        }
        if ((out.flags & OpenDescription.O_APPEND) != 0) {
            return -Errno.EBADF;
        }
        return copy(c, (int) c.arg(0), c.arg(1), (int) c.arg(2), c.arg(3), c.arg(4), new Kind[0], new Kind[0], false);
    }

    private void closeIfOpen(int fd) {
        if (fd >= 0) {
            host.close(fd);
        }
    }

    /** The guest's call waits for {@code fd} to be ready for {@code events}, or fails with EAGAIN. */
    private static long waitFor(Call c, boolean wait, int fd, int events) {
        if (!wait) {
            return -Errno.EAGAIN;
        }
        c.waitOn(fd, events);
        return WOULD_BLOCK;
    }

    /** EPIPE, and the SIGPIPE the kernel sends with it. */
    private long brokenPipe(Call c) {
        jvuos.ptrace.Native.libc().tgkill(c.task().tgid, c.stop().tid(), SIGPIPE);
        return -Errno.EPIPE;
    }

    /**
     * A served end as it is; a host end borrowed, if it is of one of the {@code allowed}
     * kinds (else EINVAL) and open for what the copy does with it (else EBADF).
     */
    private End end(Call c, OpenDescription served, int fd, Kind[] allowed, boolean source) {
        if (served != null) {
            return new End(Kind.SERVED, served, fd, -1, -1);
        }
        if (allowed.length == 0) {
            return new End(Kind.FILE, null, fd, -Errno.EXDEV, -1); // copy_file_range: both ends served, one file system
        }
        int borrowed = host.borrow(c.task().tgid, fd);
        if (borrowed < 0) {
            return new End(Kind.FILE, null, fd, borrowed, -1);
        }
        Kind kind = switch (host.fdMode(borrowed) & FileStat.S_IFMT) {
            case FileStat.S_IFREG, FileStat.S_IFBLK -> Kind.FILE;
            case FileStat.S_IFIFO -> Kind.PIPE;
            case FileStat.S_IFSOCK -> Kind.SOCKET;
            default -> null;
        };
        int flags = host.fcntl(borrowed, F_GETFL);
        int access = flags & OpenDescription.O_ACCMODE;
        int error = kind == null || !java.util.Arrays.asList(allowed).contains(kind) ? -Errno.EINVAL
                : source ? (access == OpenDescription.O_WRONLY ? -Errno.EBADF : 0)
                : access == 0 /* O_RDONLY */ ? -Errno.EBADF
                : kind == Kind.FILE && (flags & OpenDescription.O_APPEND) != 0 ? -Errno.EINVAL : 0;
        if (error != 0) {
            host.close(borrowed);
            return new End(Kind.FILE, null, fd, error, -1);
        }
        int io = kind == Kind.PIPE ? host.reopen(borrowed, (source ? 0 : OpenDescription.O_WRONLY) | OpenDescription.O_NONBLOCK) : -1;
        return new End(kind, null, fd, borrowed, io);
    }

    /** True for a host pipe or socket in non-blocking mode. */
    private boolean hostNonBlocking(End e) {
        return (e.kind() == Kind.PIPE || e.kind() == Kind.SOCKET)
                && (host.fcntl(e.borrowed(), F_GETFL) & OpenDescription.O_NONBLOCK) != 0;
    }

    /**
     * Reads from a source: bytes, 0 at its end, {@link #WAIT}, or -errno. A pipe's bytes are
     * only looked at (tee into the hypervisor's own pipe): the caller takes what it wrote.
     */
    private long read(End e, byte[] data, long offset) throws VuException {
        switch (e.kind()) {
            case SERVED -> {
                OpenDescription d = e.served();
                mappings.flush(d);
                return ModuleCalls.guarded(() -> d.file.read(ByteBuffer.wrap(data), offset), d.mount.module());
            }
            case PIPE -> {
                int[] peek = peekPipe();
                if (peek == null) {
                    return -Errno.ENFILE;
                }
                long n = host.tee(e.io(), peek[1], data.length, (int) SPLICE_F_NONBLOCK);
                if (n == -Errno.EAGAIN) {
                    boolean hungUp = (host.events(e.io(), POLLIN) & POLLHUP) != 0;
                    return hungUp ? 0 : WAIT; // no writer left: its end
                }
                if (n <= 0) {
                    return n;
                }
                return host.read(peek[0], data, (int) n, -1);
            }
            default -> {
                return host.read(e.borrowed(), data, data.length, offset);
            }
        }
    }

    /** The hypervisor's own pipe for looking at a guest pipe's bytes without taking them, made at its first use. */
    private int[] peekPipe() {
        if (peekPipe == null) {
            peekPipe = host.nonBlockingPipe();
        }
        return peekPipe;
    }

    /** Writes to a sink: bytes written, {@link #WAIT} when it takes nothing now, or -errno (EPIPE with its SIGPIPE). */
    private long write(Call c, End e, byte[] data, int length, long offset) throws VuException {
        long put;
        switch (e.kind()) {
            case SERVED -> {
                OpenDescription d = e.served();
                mappings.flush(d);
                int n = ModuleCalls.guarded(() -> d.file.write(ByteBuffer.wrap(data, 0, length), offset), d.mount.module());
                mappings.written(d, data, n, offset);
                return n;
            }
            case SOCKET -> put = host.send(e.borrowed(), data, length, MSG_DONTWAIT | MSG_NOSIGNAL);
            case PIPE -> put = host.write(e.io(), data, length, -1);
            default -> put = host.write(e.borrowed(), data, length, offset);
        }
        if (put == -Errno.EAGAIN) {
            return WAIT;
        }
        return put == -Errno.EPIPE ? brokenPipe(c) : put;
    }

    private static long readLong(Call c, long address) {
        byte[] b = new byte[8];
        if (c.stop().memory().read(c.stop().tid(), address, b, 8) != 8) {
            return -Errno.EFAULT;
        }
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    private static void writeLong(Call c, long address, long value) {
        byte[] b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array();
        c.stop().memory().write(c.stop().tid(), address, b, 8);
    }

    private long lseek(Call c) throws VuException {
        OpenDescription d = c.d();
        if (!d.seekable) {
            return -Errno.ESPIPE;
        }
        long offset = c.arg(1);
        int whence = (int) c.arg(2);
        if (d.directory) {
            return d.listing.seek(offset, whence);
        }
        long target;
        switch (whence) {
            case SEEK_SET -> target = offset;
            case SEEK_CUR -> target = d.offset + offset;
            case SEEK_END -> target = size(d) + offset;
            case SEEK_DATA, SEEK_HOLE -> {
                long size = size(d);
                if (offset < 0 || offset >= size) {
                    return -Errno.ENXIO;
                }
                target = whence == SEEK_DATA ? offset : size;
            }
            default -> {
                return -Errno.EINVAL;
            }
        }
        if (target < 0 || (target > 0 && stat(c).type() == FileStat.S_IFBLK && target > size(d))) {
            return -Errno.EINVAL; // (a block device has a fixed size, as its lseek knows)
        }
        d.offset = target;
        return target;
    }

    private long getdents(Call c, boolean sixtyFour) throws VuException {
        OpenDescription d = c.d();
        if (!d.directory) {
            return -Errno.ENOTDIR;
        }
        return d.listing.read(c.stop(), c.arg(1), c.arg(2), sixtyFour,
                () -> listing(stat(c), c.record().path(), d.mount, d.file));
    }

    /** A served directory's entries as getdents gives them: ".", "..", then the module's. */
    static List<DirEntry> listing(FileStat self, String path, jvuos.vfs.Mount mount, VirtualFile directory)
            throws VuException {
        List<DirEntry> entries = new ArrayList<>();
        entries.add(new DirEntry(".", self.ino(), FileStat.S_IFDIR));
        entries.add(new DirEntry("..", parentIno(path, mount, self), FileStat.S_IFDIR));
        entries.addAll(ModuleCalls.guarded(directory::list, mount.module()));
        return entries;
    }

    /** The inode number ".." shows: the parent's in the mount, the directory's own at the mount root. */
    private static long parentIno(String path, jvuos.vfs.Mount mount, FileStat self) {
        if (path.equals(mount.point()) || !PathNames.isWithin(path, mount.point())) {
            return self.ino();
        }
        try {
            return mount.lstat(PathNames.parent(path)).ino();
        } catch (VuException e) {
            return self.ino();
        }
    }

    private long ioctl(Call c) throws VuException {
        OpenDescription d = c.d();
        long request = c.arg(1) & 0xffffffffL; // the kernel takes it as an unsigned int
        long arg = c.arg(2);
        if (request == FIONBIO) {
            byte[] value = new byte[4];
            if (c.stop().memory().read(c.stop().tid(), arg, value, 4) != 4) {
                return -Errno.EFAULT;
            }
            boolean on = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN).getInt() != 0;
            d.flags = on ? d.flags | OpenDescription.O_NONBLOCK : d.flags & ~OpenDescription.O_NONBLOCK;
            return 0;
        }
        if (request == 0x5450 || request == 0x5451) {
            return KERNEL; // FIONCLEX, FIOCLEX: the fd's own flag, on the placeholder
        }
        if (request == FIONREAD && stat(c).type() == FileStat.S_IFREG) {
            long left = Math.max(0, stat(c).size() - d.offset);
            byte[] value = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) Math.min(left, Integer.MAX_VALUE)).array();
            return ServedPathCalls.put(c.stop(), arg, value);
        }
        int size = ModuleCalls.guarded(() -> d.file.ioctlSize(request), d.mount.module());
        if (size < 0) {
            return -Errno.ENOTTY;
        }
        if (size > IOCTL_SIZE_MAX) {
            return -Errno.EINVAL; // no ioctl argument is larger (the size field of a request has 14 bits)
        }
        byte[] data = new byte[size];
        if (size > 0 && c.stop().memory().read(c.stop().tid(), arg, data, size) != size) {
            return -Errno.EFAULT;
        }
        ByteBuffer buffer = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        long result = ModuleCalls.guarded(() -> d.file.ioctl(request, arg, buffer), d.mount.module());
        if (size > 0 && ServedPathCalls.put(c.stop(), arg, data) < 0) {
            return -Errno.EFAULT;
        }
        return result;
    }

    private long fcntl(Call c) {
        OpenDescription d = c.d();
        switch ((int) c.arg(1)) {
            case 3 /* F_GETFL */ -> {
                return (d.flags & ~(0100 | 0200 | 01000 | 0400000 | 02000000)) | O_LARGEFILE;
            }
            case 4 /* F_SETFL */ -> {
                d.flags = (d.flags & ~OpenDescription.SETTABLE_FLAGS) | ((int) c.arg(2) & OpenDescription.SETTABLE_FLAGS);
                return 0;
            }
            case 1031, 1032 /* F_SETPIPE_SZ, F_GETPIPE_SZ: no pipe to the guest */ -> {
                return -Errno.EBADF;
            }
            default -> {
                return KERNEL; // F_GETFD, F_SETFD, locks, owners: the placeholder's
            }
        }
    }

    private long sync(Call c, boolean dataOnly) throws VuException {
        mappings.flush(c.d());
        ModuleCalls.run(() -> c.d().file.sync(dataOnly), c.d().mount.module());
        return 0;
    }

    private long ftruncate(Call c) throws VuException {
        long length = c.arg(1);
        if (!c.d().writable() || length < 0) {
            return -Errno.EINVAL;
        }
        ModuleCalls.run(() -> c.d().file.truncate(length), c.d().mount.module());
        return 0;
    }

    private long fallocate(Call c) throws VuException {
        if (!c.d().writable()) {
            return -Errno.EBADF;
        }
        long offset = c.arg(2);
        long length = c.arg(3);
        if (offset < 0 || length <= 0) {
            return -Errno.EINVAL;
        }
        ModuleCalls.run(() -> c.d().file.allocate((int) c.arg(1), offset, length), c.d().mount.module());
        return 0;
    }
}
