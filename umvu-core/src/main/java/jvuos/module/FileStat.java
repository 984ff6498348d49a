package jvuos.module;

/**
 * The attributes of a file a module serves, as stat(2) shows them. The hypervisor supplies
 * st_dev (one device number per mount) and st_blksize when the module gives 0.
 *
 * @param mode   file type and permission bits, e.g. {@code S_IFREG | 0644}
 * @param ino    an inode number, stable and unique within the mount while the file lives
 * @param rdev   the device number of a character or block device, else 0
 * @param blocks 512-byte blocks allocated
 * @param atime  access time in nanoseconds since the epoch; likewise {@code mtime}, {@code ctime}
 */
public record FileStat(int mode, long ino, long nlink, int uid, int gid, long rdev, long size, long blocks,
        int blockSize, long atime, long mtime, long ctime) {
    public static final int S_IFMT = 0170000;
    public static final int S_IFSOCK = 0140000;
    public static final int S_IFLNK = 0120000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFBLK = 0060000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFIFO = 0010000;

    /** glibc's makedev: a dev_t (st_dev, st_rdev) from a major and a minor number. */
    public static long makedev(long major, long minor) {
        return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8) | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
    }

    /** The major number of a dev_t. */
    public static long major(long dev) {
        return ((dev >>> 32) & 0xfffff000L) | ((dev >>> 8) & 0xfffL);
    }

    /** The minor number of a dev_t. */
    public static long minor(long dev) {
        return ((dev >>> 12) & 0xffffff00L) | (dev & 0xffL);
    }

    public int type() {
        return mode & S_IFMT;
    }

    public boolean isDirectory() {
        return type() == S_IFDIR;
    }

    public boolean isSymlink() {
        return type() == S_IFLNK;
    }
}
