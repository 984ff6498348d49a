package jvuos.vudev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import jvuos.errno.Errno;
import jvuos.module.FileStat;
import jvuos.module.ServedFileSystem;
import jvuos.module.VuException;

class BlockDeviceTest {
    private static final FileStat STAT = new FileStat(FileStat.S_IFBLK | 0600, 1, 1, 0, 0, FileStat.makedev(60, 1), 0, 0,
            4096, 0, 0, 0);
    private final RamDisk disk;
    private final BlockDevice.Device whole;
    /** A partition: 64 KiB from 128 KiB on. */
    private final BlockDevice.Device window;
    private final BlockDevice rw;

    BlockDeviceTest() throws VuException {
        disk = new RamDisk(1 << 20);
        whole = new BlockDevice.Device(disk, 4096, STAT, false, null);
        window = new BlockDevice.Device(disk, 128 << 10, 64 << 10, 4096, STAT, whole);
        rw = new BlockDevice(window, ServedFileSystem.O_RDWR);
    }

    @AfterEach
    void freeTheDisk() {
        disk.close();
    }

    private static int errno(org.junit.jupiter.api.function.Executable call) {
        return assertThrows(VuException.class, call).errno();
    }

    private ByteBuffer ioctl(BlockDevice device, long request, ByteBuffer in) throws VuException {
        ByteBuffer data = in != null ? in : ByteBuffer.allocate(device.ioctlSize(request)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0, device.ioctl(request, 0, data));
        return data;
    }

    @Test
    void theEndBehavesAsTheKernelsBlockDevices() throws VuException {
        assertEquals(64 << 10, rw.size());
        assertEquals(0, rw.read(ByteBuffer.allocate(10), 64 << 10), "a read at the end");
        assertEquals(Errno.ENOSPC, errno(() -> rw.write(ByteBuffer.allocate(10), 64 << 10)));
        ByteBuffer crossing = ByteBuffer.wrap(new byte[] {1, 2, 3, 4});
        assertEquals(2, rw.write(crossing, (64 << 10) - 2), "a write across the end is cut there");
        assertEquals(2, crossing.position());
        ByteBuffer back = ByteBuffer.allocate(4);
        assertEquals(4, disk.read(back, (192 << 10) - 2));
        assertEquals(ByteBuffer.wrap(new byte[] {1, 2, 0, 0}), back.flip(), "the window ends where the partition does");
    }

    @Test
    void sizesAndTopologyThroughIoctls() throws VuException {
        assertEquals(128, ioctl(rw, BlockDevice.BLKGETSIZE, null).getLong(0));
        assertEquals(64 << 10, ioctl(rw, BlockDevice.BLKGETSIZE64, null).getLong(0));
        assertEquals(512, ioctl(rw, BlockDevice.BLKSSZGET, null).getInt(0));
        assertEquals(4096, ioctl(rw, BlockDevice.BLKPBSZGET, null).getInt(0));
        assertEquals(4096, ioctl(rw, BlockDevice.BLKIOMIN, null).getInt(0));
        assertEquals(0, ioctl(rw, BlockDevice.BLKIOOPT, null).getInt(0));
        assertEquals(4096, ioctl(rw, BlockDevice.BLKBSZGET, null).getInt(0));
        assertEquals(512, ioctl(new BlockDevice(new BlockDevice.Device(disk, 0, 1536, 4096, STAT, whole),
                ServedFileSystem.O_RDONLY), BlockDevice.BLKBSZGET, null).getInt(0));
        ByteBuffer geometry = ioctl(rw, BlockDevice.HDIO_GETGEO, null);
        assertEquals(64, geometry.get(0));
        assertEquals(32, geometry.get(1));
        assertEquals(1, geometry.getShort(2), "cylinders of 1 MiB: the whole disk's one, not the partition's none");
        assertEquals(256, geometry.getLong(8), "the start sector");
        assertEquals(-1, rw.ioctlSize(0x5401 /* TCGETS */));
        assertEquals(Errno.EINVAL, errno(() -> rw.ioctl(BlockDevice.BLKRRPART, 0, ByteBuffer.allocate(0))),
                "a partition has no table to re-read");
    }

    @Test
    void readOnlyFlagRefusesWritesWithEperm() throws VuException {
        ioctl(rw, BlockDevice.BLKROSET, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 1));
        assertEquals(1, ioctl(rw, BlockDevice.BLKROGET, null).getInt(0));
        assertEquals(Errno.EPERM, errno(() -> rw.write(ByteBuffer.allocate(1), 0)));
        ioctl(rw, BlockDevice.BLKROSET, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 0));
        assertEquals(1, rw.write(ByteBuffer.allocate(1), 0));
        ioctl(new BlockDevice(whole, ServedFileSystem.O_RDONLY), BlockDevice.BLKROSET,
                ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 1));
        assertEquals(Errno.EPERM, errno(() -> rw.write(ByteBuffer.allocate(1), 0)), "the whole disk is read-only");
        assertEquals(1, ioctl(rw, BlockDevice.BLKROGET, null).getInt(0));
        BlockDevice.Device mountedReadOnly = new BlockDevice.Device(disk, 512, STAT, true, null);
        assertEquals(Errno.EACCES, errno(() -> new BlockDevice(mountedReadOnly, ServedFileSystem.O_RDONLY)
                .ioctl(BlockDevice.BLKROSET, 0, ByteBuffer.allocate(4))));
    }

    @Test
    void discardAndZeroOutCheckTheirRangeAndClear() throws VuException {
        byte[] ones = new byte[1024];
        java.util.Arrays.fill(ones, (byte) 1);
        rw.write(ByteBuffer.wrap(ones), 0);
        ByteBuffer range = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 512).putLong(8, 512);
        ioctl(rw, BlockDevice.BLKZEROOUT, range);
        ByteBuffer back = ByteBuffer.allocate(1024);
        rw.read(back, 0);
        assertEquals(1, back.get(511));
        assertEquals(0, back.get(512));
        assertEquals(0, back.get(1023));
        ByteBuffer unaligned = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 100).putLong(8, 512);
        assertEquals(Errno.EINVAL, errno(() -> rw.ioctl(BlockDevice.BLKDISCARD, 0, unaligned)));
        ByteBuffer beyond = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 0).putLong(8, 128 << 10);
        assertEquals(Errno.EINVAL, errno(() -> rw.ioctl(BlockDevice.BLKDISCARD, 0, beyond)));
        ByteBuffer empty = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 512).putLong(8, 0);
        assertEquals(Errno.EINVAL, errno(() -> rw.ioctl(BlockDevice.BLKZEROOUT, 0, empty)));
        BlockDevice ro = new BlockDevice(window, ServedFileSystem.O_RDONLY);
        assertEquals(Errno.EBADF, errno(() -> ro.ioctl(BlockDevice.BLKDISCARD, 0, range)));
    }

    @Test
    void fallocateZeroesWholeSectorsAndKeepSizeCutsAtTheEnd() throws VuException {
        byte[] ones = new byte[64 << 10];
        java.util.Arrays.fill(ones, (byte) 1);
        rw.write(ByteBuffer.wrap(ones), 0);
        int punch = 0x03;
        assertEquals(Errno.EINVAL, errno(() -> rw.allocate(punch, 100, 512)), "not whole sectors");
        assertEquals(Errno.EINVAL, errno(() -> rw.allocate(0x10, 63 << 10, 2048)), "past the end without KEEP_SIZE");
        assertEquals(Errno.EOPNOTSUPP, errno(() -> rw.allocate(0, 0, 512)), "a block device allocates nothing");
        rw.allocate(punch, 63 << 10, 4096); // cut at the end
        ByteBuffer back = ByteBuffer.allocate(2);
        rw.read(back, (63 << 10) - 1);
        assertEquals(ByteBuffer.wrap(new byte[] {1, 0}), back.flip());
    }
}
