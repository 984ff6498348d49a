package jvuos.vudev;

import java.util.concurrent.atomic.AtomicLong;

import jvuos.errno.Errno;
import jvuos.module.FileStat;
import jvuos.module.MountRequest;
import jvuos.module.MountedFileSystem;
import jvuos.module.ServedFileSystem;
import jvuos.module.VuException;
import jvuos.module.VuModule;

/**
 * vudev: virtual devices, which live in the hypervisor and which the host never sees.
 * <ul>
 * <li>{@code vumount -t vudevnull none /dev/xnull}: a character device that reads EOF and
 * takes every write;
 * <li>{@code vumount -t vudevramdisk -o size=N none /dev/ramdisk}: a block device of N bytes
 * (32 MiB by default) held sparsely in memory, freed at {@code vuumount};
 * <li>{@code vumount -t vudevpartx [-r] SOURCE /dev/hda}: SOURCE (an image file, or a device
 * another module serves) as the disk /dev/hda, with its partitions as /dev/hda1, /dev/hda2...
 * </ul>
 * Options {@code major=, minor=, mode=, uid=, gid=} set the device's number and owner; without
 * a number, a device takes that of a device node the host has at the mount point, else one of
 * its own in the range Linux leaves to local use (major 60), apart for each mount.
 */
public final class Vudev implements VuModule {
    static final long DEFAULT_RAMDISK_SIZE = 32L << 20;
    private static final int LOCAL_MAJOR = 60;
    /** Minor numbers per device: room for its partitions. */
    private static final int MINORS_PER_DEVICE = PartitionTable.LIMIT;
    private static final AtomicLong nextMinor = new AtomicLong();
    private static final long MAX_MINOR = (1L << 20) - 1;

    @Override
    public String name() {
        return "vudev";
    }

    @Override
    public String description() {
        return "virtual devices: vudevnull, vudevramdisk (a disk in memory), vudevpartx (a disk image and its partitions)";
    }

    @Override
    public MountedFileSystem mount(MountRequest request) throws VuException {
        DeviceOptions options = DeviceOptions.parse(request.options());
        String pointName = request.target().substring(request.target().lastIndexOf('/') + 1);
        long now = System.currentTimeMillis() * 1_000_000L;
        switch (request.type()) {
            case "vudevnull" -> {
                noSize(options, request.type());
                FileStat stat = new FileStat(FileStat.S_IFCHR | options.modeOr(0666), 1, 1, options.uidOr(), options.gidOr(),
                        rdev(options, FileStat.S_IFCHR, request), 0, 0, 4096, now, now, now);
                return new NullDevice(stat);
            }
            case "vudevramdisk" -> {
                long size = options.size() == DeviceOptions.UNSET ? DEFAULT_RAMDISK_SIZE : options.size();
                return new DiskFileSystem(new RamDisk(size), false, pointName, 4096, request.readOnly(),
                        diskStat(options, request, now));
            }
            case "vudevpartx" -> {
                noSize(options, request.type());
                FileStat stat = diskStat(options, request, now);
                if (FileStat.minor(stat.rdev()) + PartitionTable.LIMIT - 1 > MAX_MINOR) {
                    throw new VuException(Errno.EINVAL, "no room for the partitions' minor numbers above " + FileStat.minor(stat.rdev()));
                }
                Disk disk = source(request);
                try {
                    return new DiskFileSystem(disk, true, pointName, PartitionTable.SECTOR, request.readOnly(), stat);
                } catch (VuException | RuntimeException e) {
                    disk.close();
                    throw e;
                }
            }
            default -> throw new VuException(Errno.ENODEV, "vudev serves vudevnull, vudevramdisk and vudevpartx, not "
                    + request.type());
        }
    }

    private static void noSize(DeviceOptions options, String type) throws VuException {
        if (options.size() != DeviceOptions.UNSET) {
            throw new VuException(Errno.EINVAL, "size= is for vudevramdisk, not " + type);
        }
    }

    /** The disk vudevpartx shows: an image file of the host, or a file (a device) another module serves. */
    private static Disk source(MountRequest request) throws VuException {
        if (request.source().isEmpty() || request.source().equals("none")) {
            throw new VuException(Errno.ENOENT, "vudevpartx needs a disk image or device as its source");
        }
        String hostPath;
        try {
            hostPath = request.view().hostPath(request.source());
        } catch (VuException e) {
            if (e.errno() != Errno.EOPNOTSUPP) {
                throw e;
            }
            int flags = request.readOnly() ? ServedFileSystem.O_RDONLY : ServedFileSystem.O_RDWR;
            return new ServedDisk(request.view().openServed(request.source(), flags));
        }
        if (java.nio.file.Files.isDirectory(java.nio.file.Path.of(hostPath))) {
            throw new VuException(Errno.ENOTBLK, request.source() + " is a directory");
        }
        return ImageDisk.open(hostPath, request.readOnly());
    }

    private static FileStat diskStat(DeviceOptions options, MountRequest request, long now) {
        return new FileStat(FileStat.S_IFBLK | options.modeOr(0600), 1, 1, options.uidOr(), options.gidOr(),
                rdev(options, FileStat.S_IFBLK, request), 0, 0, 4096, now, now, now);
    }

    private static long rdev(DeviceOptions options, int type, MountRequest request) {
        return options.rdev(type, () -> {
            try {
                return request.view().hostPath(request.target());
            } catch (VuException e) {
                return null;
            }
        }, () -> FileStat.makedev(LOCAL_MAJOR, nextMinor.getAndAdd(MINORS_PER_DEVICE) % (MAX_MINOR + 1)));
    }
}
