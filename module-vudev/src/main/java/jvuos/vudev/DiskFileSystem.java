package jvuos.vudev;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jvuos.errno.Errno;
import jvuos.module.FileStat;
import jvuos.module.ServedFileSystem;
import jvuos.module.VirtualFile;
import jvuos.module.VuException;

/**
 * A disk mounted as a block device: the mount point is the whole disk, and for vudevpartx the
 * names beside it (/dev/hda1, or /dev/loop0p1 for a name ending in a digit, as the kernel
 * names them) are its partitions, read from the disk's partition table at the mount and again
 * at each BLKRRPART. The module's paths: "" for the disk, "N" for partition N (no name below
 * a block device reaches them).
 */
final class DiskFileSystem implements ServedFileSystem {
    private static final Logger log = LoggerFactory.getLogger("jvuos.vudev");

    private final Disk disk;
    private final boolean partitioned;
    private final boolean numberedWithP;
    private final int physicalBlock;
    private final FileStat diskStat;
    private final BlockDevice.Device whole;
    private volatile Map<Integer, BlockDevice.Device> partitions = Map.of();

    /**
     * @param partitioned   whether the disk's partitions are shown beside the mount point
     * @param pointName     the mount point's last component
     * @param physicalBlock the physical block size the device reports
     */
    DiskFileSystem(Disk disk, boolean partitioned, String pointName, int physicalBlock, boolean readOnly,
            FileStat diskStat) throws VuException {
        this.disk = disk;
        this.partitioned = partitioned;
        this.numberedWithP = !pointName.isEmpty() && Character.isDigit(pointName.charAt(pointName.length() - 1));
        this.physicalBlock = physicalBlock;
        this.diskStat = diskStat;
        this.whole = new BlockDevice.Device(disk, physicalBlock, diskStat, readOnly,
                partitioned ? this::readPartitions : () -> { /* a ramdisk's own partitions are vudevpartx's to show */ });
        if (partitioned) {
            readPartitions();
        }
    }

    /** Reads the partition table; a partition whose extent is unchanged keeps its state (read-only flag). */
    private synchronized void readPartitions() throws VuException {
        List<PartitionTable.Partition> table;
        try {
            table = PartitionTable.read(disk);
        } catch (VuException e) {
            throw e;
        } catch (Exception e) {
            throw new VuException(Errno.EIO, "cannot read the partition table: " + e);
        }
        Map<Integer, BlockDevice.Device> next = new HashMap<>();
        for (PartitionTable.Partition p : table) {
            BlockDevice.Device old = partitions.get(p.number());
            if (old != null && old.offset == p.offset() && old.length == p.length()) {
                next.put(p.number(), old);
                continue;
            }
            FileStat s = diskStat;
            FileStat stat = new FileStat(s.mode(), p.number() + 1L, 1, s.uid(), s.gid(),
                    FileStat.makedev(FileStat.major(s.rdev()), FileStat.minor(s.rdev()) + p.number()), 0, 0,
                    s.blockSize(), s.atime(), s.mtime(), s.ctime());
            next.put(p.number(), new BlockDevice.Device(disk, p.offset(), p.length(), physicalBlock, stat, whole));
            log.debug("partition {}: sectors {}+{}", p.number(), p.start(), p.sectors());
        }
        partitions = Map.copyOf(next);
    }

    /** A partition that exists: "N" for the name of partition N beside the mount point. */
    @Override
    public String sibling(String suffix) {
        if (!partitioned) {
            return null;
        }
        String digits = numberedWithP ? (suffix.startsWith("p") ? suffix.substring(1) : "") : suffix;
        return partition(digits) != null ? digits : null;
    }

    /** The partition numbered {@code digits} (decimal, no leading zero), or null when there is none. */
    private BlockDevice.Device partition(String digits) {
        if (digits.isEmpty() || digits.length() > 3 || digits.charAt(0) == '0'
                || !digits.chars().allMatch(Character::isDigit)) {
            return null;
        }
        return partitions.get(Integer.parseInt(digits));
    }

    /** The device at a module path: "" the disk, "N" (as {@link #sibling} gives it) partition N. */
    private BlockDevice.Device device(String relativePath) throws VuException {
        BlockDevice.Device d = relativePath.isEmpty() ? whole : partition(relativePath);
        if (d == null) {
            throw new VuException(Errno.ENOENT, "no such partition");
        }
        return d;
    }

    @Override
    public FileStat lstat(String relativePath) throws VuException {
        return device(relativePath).stat;
    }

    @Override
    public VirtualFile open(String relativePath, int flags) throws VuException {
        if ((flags & O_DIRECTORY) != 0) {
            throw new VuException(Errno.ENOTDIR, "a block device");
        }
        return new BlockDevice(device(relativePath), flags);
    }

    @Override
    public Map<Long, String> devices() {
        return Map.of(diskStat.rdev(), "");
    }

    @Override
    public void chmod(String relativePath, int mode) throws VuException {
        BlockDevice.Device d = device(relativePath);
        FileStat s = d.stat;
        d.stat = new FileStat((s.mode() & FileStat.S_IFMT) | (mode & 07777), s.ino(), s.nlink(), s.uid(), s.gid(), s.rdev(),
                s.size(), s.blocks(), s.blockSize(), s.atime(), s.mtime(), System.currentTimeMillis() * 1_000_000L);
    }

    @Override
    public void chown(String relativePath, int uid, int gid) throws VuException {
        BlockDevice.Device d = device(relativePath);
        FileStat s = d.stat;
        d.stat = new FileStat(s.mode(), s.ino(), s.nlink(), uid == -1 ? s.uid() : uid, gid == -1 ? s.gid() : gid,
                s.rdev(), s.size(), s.blocks(), s.blockSize(), s.atime(), s.mtime(), System.currentTimeMillis() * 1_000_000L);
    }

    @Override
    public void unmount(boolean force) {
        disk.close();
    }
}
