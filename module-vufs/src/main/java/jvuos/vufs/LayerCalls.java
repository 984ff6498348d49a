package jvuos.vufs;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jvuos.errno.Errno;
import jvuos.host.HostFiles;
import jvuos.module.DirEntry;
import jvuos.module.FileStat;
import jvuos.module.StatFs;
import jvuos.module.VuException;
import jvuos.ptrace.DirectCalls;
import jvuos.ptrace.Native;

/**
 * The host calls a union makes on its layers, by path. Paths are byte strings (one char per
 * byte, as the hypervisor hands them over), so names that are not UTF-8 reach the kernel
 * unchanged, which java.nio.file could not promise. Every call either succeeds or throws the
 * kernel's errno. Symlinks are never followed except where a method says so. The calls that
 * use the instance's native buffers are synchronized, so that it is safe from any thread.
 */
final class LayerCalls {
    static final int O_RDONLY = 0;
    static final int O_WRONLY = 1;
    static final int O_RDWR = 2;
    static final int O_CREAT = 0100;
    static final int O_EXCL = 0200;
    static final int O_NONBLOCK = 04000;
    static final int O_DIRECTORY = 0200000;
    static final int O_NOFOLLOW = 0400000;
    static final int O_CLOEXEC = 02000000;
    static final int O_PATH = 010000000;
    static final int AT_REMOVEDIR = 0x200;
    static final int RENAME_NOREPLACE = 1;
    static final int RENAME_EXCHANGE = 2;
    private static final int AT_FDCWD = -100;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;
    private static final int AT_EACCESS = 0x200;
    private static final long UTIME_OMIT = (1L << 30) - 2;
    private static final long RESOLVE_NO_SYMLINKS = 0x04;

    private static final int SYS_READ = 0;
    private static final int SYS_WRITE = 1;
    private static final int SYS_CLOSE = 3;
    private static final int SYS_FSTAT = 5;
    private static final int SYS_PREAD64 = 17;
    private static final int SYS_PWRITE64 = 18;
    private static final int SYS_FSYNC = 74;
    private static final int SYS_FDATASYNC = 75;
    private static final int SYS_TRUNCATE = 76;
    private static final int SYS_FTRUNCATE = 77;
    private static final int SYS_GETEUID = 107;
    private static final int SYS_GETEGID = 108;
    private static final int SYS_STATFS = 137;
    private static final int SYS_LSETXATTR = 189;
    private static final int SYS_LGETXATTR = 192;
    private static final int SYS_LLISTXATTR = 195;
    private static final int SYS_LREMOVEXATTR = 198;
    private static final int XATTR_SIZE_MAX = 65536;
    private static final int SYS_GETDENTS64 = 217;
    private static final int SYS_OPENAT = 257;
    private static final int SYS_MKDIRAT = 258;
    private static final int SYS_MKNODAT = 259;
    private static final int SYS_FCHOWNAT = 260;
    private static final int SYS_NEWFSTATAT = 262;
    private static final int SYS_UNLINKAT = 263;
    private static final int SYS_LINKAT = 265;
    private static final int SYS_SYMLINKAT = 266;
    private static final int SYS_READLINKAT = 267;
    private static final int SYS_FCHMODAT = 268;
    private static final int SYS_UTIMENSAT = 280;
    private static final int SYS_FALLOCATE = 285;
    private static final int SYS_RENAMEAT2 = 316;
    private static final int SYS_OPENAT2 = 437;
    private static final int SYS_FACCESSAT = 439; // faccessat2: the one that takes flags

    private static final int PATH_MAX = 4096;
    private static final int STAT_SIZE = 144;
    private static final int BUFFER = 1 << 16;
    private static final long COPY_CHUNK = 1L << 30;

    private final Pointer path1 = Memory.allocateDirect(Native.runtime(), PATH_MAX + 1);
    private final Pointer path2 = Memory.allocateDirect(Native.runtime(), PATH_MAX + 1);
    private final Pointer stat = Memory.allocateDirect(Native.runtime(), STAT_SIZE);
    private final Pointer buffer = Memory.allocateDirect(Native.runtime(), BUFFER);
    private final Pointer how = Memory.allocateDirect(Native.runtime(), 24, true);
    /** getdents64's records, copied out of {@link #buffer}. */
    private final byte[] records = new byte[BUFFER];
    private final int euid = (int) DirectCalls.syscall(SYS_GETEUID, 0, 0, 0, 0);
    private final int egid = (int) DirectCalls.syscall(SYS_GETEGID, 0, 0, 0, 0);

    /** The effective user id of the hypervisor: the owner of what it creates. */
    int euid() {
        return euid;
    }

    int egid() {
        return egid;
    }

    private static long address(Pointer buffer, String path) throws VuException {
        if (path.length() > PATH_MAX) {
            throw new VuException(Errno.ENAMETOOLONG, "path too long");
        }
        byte[] bytes = HostFiles.bytes(path);
        buffer.put(0, bytes, 0, bytes.length);
        return buffer.address();
    }

    /** The result of a call, or its errno thrown. */
    private static long check(long result, String what) throws VuException {
        if (result < 0) {
            int errno = DirectCalls.errno();
            throw new VuException(errno, what);
        }
        return result;
    }

    synchronized FileStat lstat(String path) throws VuException {
        return lstat(path, false, false);
    }

    /** lstat, or null when nothing is there (ENOENT, or ENOTDIR: a file where a directory would be). */
    synchronized FileStat lstatIfAny(String path) throws VuException {
        return lstat(path, true, true);
    }

    /**
     * lstat, or null when the last name is missing (ENOENT); ENOTDIR is thrown. (A lookup that
     * finds nothing is common: it costs no exception, whose stack would cost more than the call.)
     */
    synchronized FileStat lstatIfPresent(String path) throws VuException {
        return lstat(path, true, false);
    }

    private FileStat lstat(String path, boolean missingIsNull, boolean notDirectoryIsNull) throws VuException {
        long r = DirectCalls.syscall(SYS_NEWFSTATAT, AT_FDCWD, address(path1, path), stat.address(), AT_SYMLINK_NOFOLLOW);
        if (r < 0) {
            int errno = DirectCalls.errno();
            if (errno == Errno.ENOENT && missingIsNull || errno == Errno.ENOTDIR && notDirectoryIsNull) {
                return null;
            }
            throw new VuException(errno, path);
        }
        return readStat();
    }

    synchronized FileStat fstat(int fd) throws VuException {
        check(DirectCalls.syscall(SYS_FSTAT, fd, stat.address(), 0, 0), "fstat");
        return readStat();
    }

    /** The st_dev of a file (FileStat leaves it to the hypervisor). */
    synchronized long device(String path) throws VuException {
        check(DirectCalls.syscall(SYS_NEWFSTATAT, AT_FDCWD, address(path1, path), stat.address(), 0), path);
        return stat.getLong(0);
    }

    private FileStat readStat() {
        return new FileStat(stat.getInt(24), stat.getLong(8), stat.getLong(16), stat.getInt(28), stat.getInt(32),
                stat.getLong(40), stat.getLong(48), stat.getLong(64), (int) stat.getLong(56),
                stat.getLong(72) * 1_000_000_000L + stat.getLong(80), stat.getLong(88) * 1_000_000_000L + stat.getLong(96),
                stat.getLong(104) * 1_000_000_000L + stat.getLong(112));
    }

    /** True when {@code path} is a directory reached without any symlink on the way. */
    synchronized boolean isPlainDirectory(String path) throws VuException {
        how.putLong(0, O_PATH | O_CLOEXEC | O_DIRECTORY | O_NOFOLLOW);
        how.putLong(16, RESOLVE_NO_SYMLINKS);
        long fd = DirectCalls.syscall(SYS_OPENAT2, AT_FDCWD, address(path1, path), how.address(), 24);
        if (fd < 0) {
            return false;
        }
        DirectCalls.close((int) fd);
        return true;
    }

    synchronized String readlink(String path) throws VuException {
        long n = check(DirectCalls.syscall(SYS_READLINKAT, AT_FDCWD, address(path1, path), buffer.address(), PATH_MAX), path);
        byte[] target = new byte[(int) n];
        buffer.get(0, target, 0, target.length);
        return HostFiles.string(target, target.length);
    }

    /** The entries of a directory, "." and ".." left out; the type from d_type (0 when unknown). */
    synchronized List<DirEntry> list(String path) throws VuException {
        int fd = (int) check(DirectCalls.syscall(SYS_OPENAT, AT_FDCWD, address(path1, path),
                O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW, 0), path);
        List<DirEntry> entries = new ArrayList<>();
        try {
            for (long n; (n = check(DirectCalls.syscall(SYS_GETDENTS64, fd, buffer.address(), BUFFER, 0), path)) > 0;) {
                buffer.get(0, records, 0, (int) n);
                for (int at = 0; at < n;) {
                    // struct linux_dirent64: d_ino (8), d_off (8), d_reclen (2), d_type (1), d_name
                    int length = (records[at + 16] & 0xff) | (records[at + 17] & 0xff) << 8;
                    int end = at + 19;
                    while (records[end] != 0) {
                        end++;
                    }
                    boolean dots = records[at + 19] == '.' && (end == at + 20 || end == at + 21 && records[at + 20] == '.');
                    if (!dots) {
                        String name = new String(records, at + 19, end - at - 19, StandardCharsets.ISO_8859_1);
                        entries.add(new DirEntry(name, littleEndianLong(records, at), (records[at + 18] & 0xff) << 12));
                    }
                    at += length;
                }
            }
        } finally {
            DirectCalls.close(fd);
        }
        return entries;
    }

    private static long littleEndianLong(byte[] b, int at) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = v << 8 | (b[at + i] & 0xff);
        }
        return v;
    }

    synchronized int open(String path, int flags, int mode) throws VuException {
        return (int) check(DirectCalls.syscall(SYS_OPENAT, AT_FDCWD, address(path1, path), flags | O_CLOEXEC, mode), path);
    }

    synchronized void mkdir(String path, int mode) throws VuException {
        check(DirectCalls.syscall(SYS_MKDIRAT, AT_FDCWD, address(path1, path), mode, 0), path);
    }

    synchronized void mknod(String path, int mode, long rdev) throws VuException {
        check(DirectCalls.syscall(SYS_MKNODAT, AT_FDCWD, address(path1, path), mode, rdev), path);
    }

    synchronized void symlink(String target, String path) throws VuException {
        check(DirectCalls.syscall(SYS_SYMLINKAT, address(path2, target), AT_FDCWD, address(path1, path), 0), path);
    }

    synchronized void link(String from, String to) throws VuException {
        check(DirectCalls.syscall(SYS_LINKAT, AT_FDCWD, address(path1, from), AT_FDCWD, address(path2, to), 0), to);
    }

    synchronized void unlink(String path, boolean directory) throws VuException {
        check(DirectCalls.syscall(SYS_UNLINKAT, AT_FDCWD, address(path1, path), directory ? AT_REMOVEDIR : 0, 0), path);
    }

    synchronized void rename(String from, String to, int flags) throws VuException {
        check(DirectCalls.syscall(SYS_RENAMEAT2, AT_FDCWD, address(path1, from), AT_FDCWD, address(path2, to), flags), to);
    }

    /** chmod of the file itself (the path's final symlink is followed by the kernel: never call it on one). */
    synchronized void chmod(String path, int mode) throws VuException {
        check(DirectCalls.syscall(SYS_FCHMODAT, AT_FDCWD, address(path1, path), mode, 0), path);
    }

    /** lchown; -1 keeps an id. */
    synchronized void chown(String path, int uid, int gid) throws VuException {
        check(DirectCalls.syscall(SYS_FCHOWNAT, AT_FDCWD, address(path1, path), uid, gid, AT_SYMLINK_NOFOLLOW), path);
    }

    /** utimensat without following a final symlink; {@code OMIT} (Long.MIN_VALUE) keeps a time. */
    synchronized void utimens(String path, long atime, long mtime) throws VuException {
        long times = putTimes(atime, mtime);
        check(DirectCalls.syscall(SYS_UTIMENSAT, AT_FDCWD, address(path1, path), times, AT_SYMLINK_NOFOLLOW), path);
    }

    private long putTimes(long atime, long mtime) {
        long[] t = {atime, mtime};
        for (int i = 0; i < 2; i++) {
            boolean omit = t[i] == Long.MIN_VALUE;
            stat.putLong(16 * i, omit ? 0 : Math.floorDiv(t[i], 1_000_000_000L));
            stat.putLong(16 * i + 8, omit ? UTIME_OMIT : Math.floorMod(t[i], 1_000_000_000L));
        }
        return stat.address();
    }

    synchronized void truncate(String path, long length) throws VuException {
        check(DirectCalls.syscall(SYS_TRUNCATE, address(path1, path), length, 0, 0), path);
    }

    /** faccessat with the effective ids (AT_EACCESS): may the hypervisor do {@code mode} (R_OK = 4, W_OK = 2)? */
    synchronized boolean mayAccess(String path, int mode) throws VuException {
        return DirectCalls.syscall(SYS_FACCESSAT, AT_FDCWD, address(path1, path), mode, AT_EACCESS) == 0;
    }

    synchronized StatFs statfs(String path) throws VuException {
        check(DirectCalls.syscall(SYS_STATFS, address(path1, path), buffer.address(), 0, 0), path);
        // struct statfs: f_type, f_bsize, f_blocks, f_bfree, f_bavail, f_files, f_ffree, f_fsid[2], f_namelen, f_frsize, f_flags
        return new StatFs(buffer.getLong(0), buffer.getLong(8), buffer.getLong(16), buffer.getLong(24), buffer.getLong(32),
                buffer.getLong(40), buffer.getLong(48), buffer.getLong(64), buffer.getLong(80));
    }

    /** An extended attribute's value (of a symlink itself, not its target). */
    synchronized byte[] getxattr(String path, String name) throws VuException {
        long n = check(DirectCalls.syscall(SYS_LGETXATTR, address(path1, path), address(path2, name), buffer.address(),
                XATTR_SIZE_MAX), path);
        byte[] value = new byte[(int) n];
        buffer.get(0, value, 0, value.length);
        return value;
    }

    synchronized void setxattr(String path, String name, byte[] value, int flags) throws VuException {
        if (value.length > XATTR_SIZE_MAX) {
            throw new VuException(Errno.E2BIG, "attribute too large");
        }
        buffer.put(0, value, 0, value.length);
        check(DirectCalls.syscall(SYS_LSETXATTR, address(path1, path), address(path2, name), buffer.address(), value.length,
                flags), path);
    }

    synchronized List<String> listxattr(String path) throws VuException {
        long n = check(DirectCalls.syscall(SYS_LLISTXATTR, address(path1, path), buffer.address(), XATTR_SIZE_MAX, 0), path);
        byte[] names = new byte[(int) n];
        buffer.get(0, names, 0, names.length);
        List<String> list = new ArrayList<>();
        for (int start = 0, end; start < names.length; start = end + 1) {
            for (end = start; end < names.length && names[end] != 0; end++) {
                // to the name's NUL
            }
            list.add(HostFiles.string(java.util.Arrays.copyOfRange(names, start, end), end - start));
        }
        return list;
    }

    synchronized void removexattr(String path, String name) throws VuException {
        check(DirectCalls.syscall(SYS_LREMOVEXATTR, address(path1, path), address(path2, name), 0, 0), path);
    }

    // Calls on an fd the union holds open.

    /**
     * Reads into {@code dst} from {@code offset} (-1: at the fd's own offset, once: a fifo's
     * read returns what is there). From an offset it reads as far as the buffer or the file
     * goes, as the kernel's read of a regular file does: a caller may take a short count for the end.
     */
    synchronized int read(int fd, ByteBuffer dst, long offset) throws VuException {
        int total = 0;
        while (dst.hasRemaining()) {
            int n = Math.min(dst.remaining(), BUFFER);
            long at = offset < 0 ? -1 : offset + total;
            long got = DirectCalls.syscall(at < 0 ? SYS_READ : SYS_PREAD64, fd, buffer.address(), n, at);
            if (got < 0) {
                if (total > 0) {
                    break;
                }
                check(got, "read");
            }
            byte[] bytes = new byte[(int) got];
            buffer.get(0, bytes, 0, bytes.length);
            dst.put(bytes);
            total += (int) got;
            if (got < n || offset < 0) {
                break;
            }
        }
        return total;
    }

    /** Writes all of {@code src} at {@code offset} (-1: at the fd's own offset, once), unless the host stops short. */
    synchronized int write(int fd, ByteBuffer src, long offset) throws VuException {
        int total = 0;
        while (src.hasRemaining()) {
            int n = Math.min(src.remaining(), BUFFER);
            byte[] bytes = new byte[n];
            src.get(bytes);
            buffer.put(0, bytes, 0, n);
            long at = offset < 0 ? -1 : offset + total;
            long put = DirectCalls.syscall(at < 0 ? SYS_WRITE : SYS_PWRITE64, fd, buffer.address(), n, at);
            if (put < 0) {
                src.position(src.position() - n);
                if (total > 0) {
                    break;
                }
                check(put, "write");
            }
            src.position(src.position() - n + (int) put);
            total += (int) put;
            if (put < n || offset < 0) {
                break;
            }
        }
        return total;
    }

    void ftruncate(int fd, long length) throws VuException {
        check(DirectCalls.syscall(SYS_FTRUNCATE, fd, length, 0, 0), "ftruncate");
    }

    void fsync(int fd, boolean dataOnly) throws VuException {
        check(DirectCalls.syscall(dataOnly ? SYS_FDATASYNC : SYS_FSYNC, fd, 0, 0, 0), "fsync");
    }

    void fallocate(int fd, int mode, long offset, long length) throws VuException {
        check(DirectCalls.syscall(SYS_FALLOCATE, fd, mode, offset, length), "fallocate");
    }




    /**
     * Copies all of one fd's file into another by copy_file_range (in the kernel, a reflink
     * where the file system can), falling back to reads and writes across file systems that
     * refuse it.
     */
    synchronized void copyData(int from, int to) throws VuException {
        while (true) {
            long n = DirectCalls.copyFileRange(from, to, COPY_CHUNK);
            if (n == 0) {
                return;
            }
            if (n < 0) {
                int errno = DirectCalls.errno();
                if (errno == Errno.EXDEV || errno == Errno.EINVAL || errno == Errno.ENOSYS || errno == Errno.EOPNOTSUPP) {
                    copyByReading(from, to);
                    return;
                }
                throw new VuException(errno, "copy");
            }
        }
    }

    private void copyByReading(int from, int to) throws VuException {
        while (true) {
            long got = check(DirectCalls.syscall(SYS_READ, from, buffer.address(), BUFFER, 0), "read");
            if (got == 0) {
                return;
            }
            for (long done = 0; done < got;) {
                done += check(DirectCalls.syscall(SYS_WRITE, to, buffer.address() + done, got - done, 0), "write");
            }
        }
    }

    void close(int fd) {
        DirectCalls.syscall(SYS_CLOSE, fd, 0, 0, 0);
    }
}
