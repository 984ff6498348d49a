package jvuos.vudev;

import java.nio.ByteBuffer;

import jvuos.errno.Errno;
import jvuos.module.FileStat;
import jvuos.module.ServedFileSystem;
import jvuos.module.VirtualFile;
import jvuos.module.VuException;

/**
 * An open block device: the whole disk or one of its partitions (a window on the disk), with
 * the kernel's block-device semantics: reads past the end return 0, a write at or past the
 * end fails with ENOSPC and one that crosses it is cut there, and the ioctls that mkfs,
 * fdisk and their kin ask.
 */
final class BlockDevice implements VirtualFile {
    static final long BLKROSET = 0x125d;
    static final long BLKROGET = 0x125e;
    static final long BLKRRPART = 0x125f;
    static final long BLKGETSIZE = 0x1260;
    static final long BLKFLSBUF = 0x1261;
    static final long BLKSSZGET = 0x1268;
    static final long BLKBSZGET = 0x80081270L;
    static final long BLKGETSIZE64 = 0x80081272L;
    static final long BLKDISCARD = 0x1277;
    static final long BLKIOMIN = 0x1278;
    static final long BLKIOOPT = 0x1279;
    static final long BLKALIGNOFF = 0x127a;
    static final long BLKPBSZGET = 0x127b;
    static final long BLKZEROOUT = 0x127f;
    static final long HDIO_GETGEO = 0x0301;
    /** The geometry virtio-blk makes up for a disk that has none: 2048 sectors (1 MiB) a cylinder. */
    private static final int HEADS = 64;
    private static final int SECTORS_PER_TRACK = 32;

    /** What the device's opens share: its attributes, read-only flag and extent. */
    static final class Device {
        final Disk disk;
        final long offset;
        final long length;
        final int physicalBlock;
        volatile FileStat stat;
        /** A disk that cannot be written (vudevpartx -r): BLKROSET cannot clear its read-only flag. */
        final boolean diskReadOnly;
        volatile boolean readOnly;
        /** The whole disk, for a partition: its read-only flag counts too, as the kernel's bdev_read_only. */
        final Device whole;
        /** Re-reads the disk's partition table (BLKRRPART), or null for a device without partitions to read. */
        final PartitionRereader rereader;

        /** The whole disk. */
        Device(Disk disk, int physicalBlock, FileStat stat, boolean diskReadOnly, PartitionRereader rereader) {
            this(disk, 0, disk.size(), physicalBlock, stat, diskReadOnly, null, rereader);
        }

        /** A partition of {@code whole}. */
        Device(Disk disk, long offset, long length, int physicalBlock, FileStat stat, Device whole) {
            this(disk, offset, length, physicalBlock, stat, whole.diskReadOnly, whole, null);
        }

        private Device(Disk disk, long offset, long length, int physicalBlock, FileStat stat, boolean diskReadOnly,
                Device whole, PartitionRereader rereader) {
            this.disk = disk;
            this.offset = offset;
            this.length = length;
            this.physicalBlock = physicalBlock;
            this.stat = stat;
            this.diskReadOnly = diskReadOnly;
            this.readOnly = diskReadOnly;
            this.whole = whole;
            this.rereader = rereader;
        }

        boolean readOnlyNow() {
            return readOnly || (whole != null && whole.readOnly);
        }

        /** The disk's capacity, for a partition its whole disk's. */
        long diskLength() {
            return whole != null ? whole.length : length;
        }
    }

    interface PartitionRereader {
        void reread() throws VuException;
    }

    private final Device device;
    private final boolean writable;

    BlockDevice(Device device, int flags) {
        this.device = device;
        this.writable = (flags & ServedFileSystem.O_ACCMODE) != ServedFileSystem.O_RDONLY;
    }

    @Override
    public FileStat stat() {
        return device.stat;
    }

    @Override
    public long size() {
        return device.length;
    }

    @Override
    public int read(ByteBuffer dst, long offset) throws VuException {
        if (offset >= device.length) {
            return 0;
        }
        int n = (int) Math.min(dst.remaining(), device.length - offset);
        int got = device.disk.read(dst.slice(dst.position(), n), device.offset + offset);
        dst.position(dst.position() + got);
        return got;
    }

    @Override
    public int write(ByteBuffer src, long offset) throws VuException {
        if (device.readOnlyNow()) {
            throw new VuException(Errno.EPERM, "the device is read-only");
        }
        if (offset >= device.length) {
            throw new VuException(Errno.ENOSPC, "past the end of the device");
        }
        int n = (int) Math.min(src.remaining(), device.length - offset);
        int written = device.disk.write(src.slice(src.position(), n), device.offset + offset);
        src.position(src.position() + written);
        return written;
    }

    @Override
    public void sync(boolean dataOnly) throws VuException {
        device.disk.sync();
    }

    /** The kernel's blkdev_fallocate: only zeroing or punching a range of whole sectors within the device. */
    @Override
    public void allocate(int mode, long offset, long length) throws VuException {
        int keepSize = 0x01;
        int punch = 0x02 | keepSize; // FALLOC_FL_PUNCH_HOLE needs FALLOC_FL_KEEP_SIZE
        int zero = 0x10; // FALLOC_FL_ZERO_RANGE
        if (mode != punch && mode != zero && mode != (zero | keepSize) && mode != (punch | 0x08 /* NO_HIDE_STALE */)) {
            throw new VuException(Errno.EOPNOTSUPP, "a block device only zeroes or punches ranges");
        }
        if (length <= 0 || offset < 0 || ((offset | length) & (PartitionTable.SECTOR - 1)) != 0 || offset + length < offset) {
            throw new VuException(Errno.EINVAL, "a range of whole sectors");
        }
        if (offset + length > device.length) {
            if ((mode & keepSize) == 0) {
                throw new VuException(Errno.EINVAL, "past the end of the device");
            }
            length = Math.max(0, device.length - offset);
        }
        if (length > 0) {
            zeroRange(offset, length);
        }
    }

    @Override
    public int ioctlSize(long request) {
        if (request == BLKROSET || request == BLKROGET || request == BLKSSZGET || request == BLKIOMIN
                || request == BLKIOOPT || request == BLKALIGNOFF || request == BLKPBSZGET || request == BLKBSZGET) {
            return 4;
        }
        if (request == BLKGETSIZE || request == BLKGETSIZE64) {
            return 8;
        }
        if (request == BLKDISCARD || request == BLKZEROOUT || request == HDIO_GETGEO) {
            return 16;
        }
        if (request == BLKRRPART || request == BLKFLSBUF) {
            return 0;
        }
        return -1;
    }

    @Override
    public long ioctl(long request, long arg, ByteBuffer data) throws VuException {
        if (request == BLKROSET) {
            if (data.getInt(0) == 0 && device.diskReadOnly) {
                throw new VuException(Errno.EACCES, "the disk was mounted read-only");
            }
            device.readOnly = data.getInt(0) != 0;
        } else if (request == BLKROGET) {
            data.putInt(0, device.readOnlyNow() ? 1 : 0);
        } else if (request == BLKSSZGET) {
            data.putInt(0, PartitionTable.SECTOR);
        } else if (request == BLKPBSZGET || request == BLKIOMIN) {
            data.putInt(0, device.physicalBlock);
        } else if (request == BLKBSZGET) {
            data.putInt(0, softBlockSize());
        } else if (request == BLKIOOPT || request == BLKALIGNOFF) {
            data.putInt(0, 0);
        } else if (request == BLKGETSIZE) {
            data.putLong(0, device.length / PartitionTable.SECTOR);
        } else if (request == BLKGETSIZE64) {
            data.putLong(0, device.length);
        } else if (request == BLKFLSBUF) {
            device.disk.sync();
        } else if (request == BLKRRPART) {
            if (device.rereader == null) {
                throw new VuException(Errno.EINVAL, "no partition table to read here");
            }
            device.rereader.reread();
        } else if (request == BLKDISCARD || request == BLKZEROOUT) {
            discard(data.getLong(0), data.getLong(8));
        } else if (request == HDIO_GETGEO) {
            data.put(0, (byte) HEADS).put(1, (byte) SECTORS_PER_TRACK)
                    .putShort(2, (short) Math.min(0xffff, device.diskLength() / PartitionTable.SECTOR / (HEADS * SECTORS_PER_TRACK)))
                    .putLong(8, device.offset / PartitionTable.SECTOR);
        } else {
            throw new VuException(Errno.ENOTTY, "no such ioctl on a block device");
        }
        return 0;
    }

    /** The block size the kernel gives a device at first (BLKBSZGET): the largest power of two up to 4096 dividing its size. */
    private int softBlockSize() {
        int size = 4096;
        while (size > PartitionTable.SECTOR && device.length % size != 0) {
            size /= 2;
        }
        return size;
    }

    /** BLKDISCARD and BLKZEROOUT: the range reads back as zeros (the kernel's checks first, in its order). */
    private void discard(long start, long length) throws VuException {
        if (!writable) {
            throw new VuException(Errno.EBADF, "the device is not open for writing");
        }
        if (device.readOnlyNow()) {
            throw new VuException(Errno.EPERM, "the device is read-only");
        }
        if (length == 0 || ((start | length) & (PartitionTable.SECTOR - 1)) != 0 || start < 0 || length < 0
                || start + length < start || start + length > device.length) {
            throw new VuException(Errno.EINVAL, "range empty, not within the device or not in whole sectors");
        }
        zeroRange(start, length);
    }

    private void zeroRange(long start, long length) throws VuException {
        if (device.readOnlyNow()) {
            throw new VuException(Errno.EPERM, "the device is read-only");
        }
        if (start < 0 || start + length < start || start + length > device.length) {
            throw new VuException(Errno.EINVAL, "range not within the device");
        }
        device.disk.zero(device.offset + start, length);
    }
}
