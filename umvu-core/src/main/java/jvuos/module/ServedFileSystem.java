package jvuos.module;

import java.util.List;

import jvuos.errno.Errno;

/**
 * A file system whose files the module serves itself, rather than naming host files for the
 * kernel ({@link MountedFileSystem#hostPath} returns null for them). The hypervisor resolves
 * paths (".", "..", symlinks through {@link #lstat} and {@link #readlink}, mount points),
 * checks what the kernel checks before calling a file system (O_CREAT|O_EXCL on an existing
 * name, O_DIRECTORY on a file, a directory opened for writing, permissions, a read-only
 * mount), and hands the module canonical paths relative to its mount point.
 *
 * <p>Calls that change the file system fail with EROFS unless the module implements them.
 */
public interface ServedFileSystem extends MountedFileSystem {
    int O_ACCMODE = 3;
    int O_RDONLY = 0;
    int O_WRONLY = 1;
    int O_RDWR = 2;
    int O_TRUNC = 01000;
    int O_APPEND = 02000;
    int O_DIRECTORY = 0200000;

    /** Every file is served here. */
    @Override
    default String hostPath(String relativePath) {
        return null;
    }

    /**
     * The device numbers (st_rdev, as makedev gives them) whose device nodes this file system
     * serves, each with the relative path of the device file that serves it: an open of a
     * character or block device node of that number, anywhere in the view (a node of the
     * host's /dev, one made with mknod), opens that file instead. Read once, at the mount.
     */
    default java.util.Map<Long, String> devices() {
        return java.util.Map.of();
    }

    /**
     * True when the module's own host calls decide who may do what (they run as the user who
     * started umvu, and a refusal is the module's to handle: vufs copies a file up where the
     * host will not let it be written). Where umvu runs as a user other than root, the
     * hypervisor then checks permissions as the kernel checks root's: only that something is
     * executable or searchable. (A root umvu checks the thread's own ids, as for any file system.)
     */
    default boolean hostDecidesPermissions() {
        return false;
    }

    /**
     * access(2) where the host decides ({@link #hostDecidesPermissions}): whether the guest
     * could read or write the file ({@code mode}: R_OK = 4, W_OK = 2), EACCES if not.
     */
    default void access(String relativePath, int mode) throws VuException {
    }

    /** The attributes of the file at the path, a symlink not followed; ENOENT when there is none. */
    FileStat lstat(String relativePath) throws VuException;

    /** The target of the symlink at the path; EINVAL when it is no symlink. */
    default String readlink(String relativePath) throws VuException {
        throw new VuException(Errno.EINVAL, "not a symlink");
    }

    /**
     * Opens the existing file at the path. {@code flags} are open(2)'s: the access mode
     * ({@link #O_ACCMODE}) and O_APPEND, O_NONBLOCK... for the module's information; O_TRUNC
     * has been applied through {@link #truncate}.
     */
    VirtualFile open(String relativePath, int flags) throws VuException;

    /**
     * For an open of a fifo, socket or device node: the host node the kernel should open
     * itself, so that the open blocks, polls and meets its other end as the kernel's own does
     * (after whatever the module must do first, a copy-up say); null to serve the node as any
     * file. The guest's fd is then the kernel's.
     */
    default String hostNode(String relativePath, int flags) throws VuException {
        return null;
    }

    /**
     * For a read-only open of the directory at the path: a host directory that the guest's fd
     * may hold instead of a placeholder; null to serve the directory as any file. The kernel
     * then answers fcntl and close on the fd, and getdents and lseek while the host directory
     * lists as the view does; the hypervisor answers fstat, fchdir, ioctl and the calls that
     * would change the host directory rather than the view's, every path relative to the fd
     * or through its /proc link (the kernel opens a name in it itself only where that name's
     * own host directory is the one it finds there), and getdents otherwise. After any change
     * in a served file system the module is asked again at the fd's next getdents: a listing
     * that has stopped being the view's is served from the next read at position 0 on, as
     * overlayfs reads a directory afresh at position 0.
     */
    default HostDirectory hostDirectory(String relativePath) throws VuException {
        return null;
    }

    /** Creates an empty regular file (open with O_CREAT of a missing name); mode has the umask applied. */
    default void create(String relativePath, int mode, Credentials owner) throws VuException {
        throw new VuException(Errno.EROFS, "read-only file system");
    }

    default void mkdir(String relativePath, int mode, Credentials owner) throws VuException {
        throw new VuException(Errno.EROFS, "read-only file system");
    }

    /** mknod: {@code mode} carries the file type (S_IFIFO, S_IFCHR, S_IFBLK, S_IFREG, S_IFSOCK). */
    default void mknod(String relativePath, int mode, long rdev, Credentials owner) throws VuException {
        throw new VuException(Errno.EROFS, "read-only file system");
    }

    default void symlink(String target, String relativePath, Credentials owner) throws VuException {
        throw new VuException(Errno.EROFS, "read-only file system");
    }

    /** A hard link {@code newPath} to the existing non-directory {@code oldPath}. */
    default void link(String oldPath, String newPath) throws VuException {
        throw new VuException(Errno.EPERM, "no hard links here");
    }

    /** Removes a name that is not a directory (EISDIR for a directory). */
    default void unlink(String relativePath) throws VuException {
        throw new VuException(Errno.EROFS, "read-only file system");
    }

    /** Removes an empty directory (ENOTEMPTY otherwise, ENOTDIR for a file). */
    default void rmdir(String relativePath) throws VuException {
        throw new VuException(Errno.EROFS, "read-only file system");
    }

    /** renameat2 with the kernel's rules; {@code flags} RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2. */
    default void rename(String oldPath, String newPath, int flags) throws VuException {
        throw new VuException(Errno.EROFS, "read-only file system");
    }

    /** Sets the permission bits (mode & 07777). */
    default void chmod(String relativePath, int mode) throws VuException {
        throw new VuException(Errno.EROFS, "read-only file system");
    }

    /** Sets the owner; -1 leaves that id as it is. */
    default void chown(String relativePath, int uid, int gid) throws VuException {
        throw new VuException(Errno.EROFS, "read-only file system");
    }

    default void truncate(String relativePath, long length) throws VuException {
        throw new VuException(Errno.EROFS, "read-only file system");
    }

    /** Sets the times (nanoseconds since the epoch); {@link #OMIT} leaves that time as it is. */
    default void utimens(String relativePath, long atime, long mtime) throws VuException {
        throw new VuException(Errno.EROFS, "read-only file system");
    }

    /** A time argument of {@link #utimens} that leaves the time unchanged. */
    long OMIT = Long.MIN_VALUE;

    default StatFs statfs() throws VuException {
        return new StatFs(0x858458f6L /* RAMFS_MAGIC */, 4096, 0, 0, 0, 0, 0, 255, 0);
    }

    /** The value of an extended attribute; ENODATA when the file has none of that name. */
    default byte[] getxattr(String relativePath, String name) throws VuException {
        throw new VuException(Errno.EOPNOTSUPP, "no extended attributes");
    }

    /** {@code flags} XATTR_CREATE = 1, XATTR_REPLACE = 2. */
    default void setxattr(String relativePath, String name, byte[] value, int flags) throws VuException {
        throw new VuException(Errno.EOPNOTSUPP, "no extended attributes");
    }

    default List<String> listxattr(String relativePath) throws VuException {
        throw new VuException(Errno.EOPNOTSUPP, "no extended attributes");
    }

    default void removexattr(String relativePath, String name) throws VuException {
        throw new VuException(Errno.EOPNOTSUPP, "no extended attributes");
    }
}
