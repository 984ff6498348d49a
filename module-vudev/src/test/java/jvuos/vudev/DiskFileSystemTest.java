package jvuos.vudev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

import jvuos.errno.Errno;
import jvuos.module.FileStat;
import jvuos.module.ServedFileSystem;
import jvuos.module.VuException;

class DiskFileSystemTest {
    private static final FileStat DISK = new FileStat(FileStat.S_IFBLK | 0600, 1, 1, 0, 0, FileStat.makedev(60, 512), 0, 0,
            4096, 0, 0, 0);

    /** A 4 MiB ramdisk holding an MBR with partitions 1 and 3. */
    private static RamDisk partitioned() throws VuException {
        TableImage table = new TableImage(1).entry(0, 0, 0x83, 2048, 2048).entry(0, 2, 0x83, 4096, 4096);
        RamDisk disk = new RamDisk(4 << 20);
        disk.write(ByteBuffer.wrap(table.bytes), 0);
        return disk;
    }

    @Test
    void partitionsAreNamedAsTheKernelNamesThem() throws VuException {
        DiskFileSystem hda = new DiskFileSystem(partitioned(), true, "hda", 512, false, DISK);
        assertEquals("1", hda.sibling("1"));
        assertEquals("3", hda.sibling("3"));
        assertNull(hda.sibling("2"), "no partition 2: the host's name stays the host's");
        assertNull(hda.sibling("p1"));
        assertNull(hda.sibling("01"));
        assertEquals(FileStat.makedev(60, 515), hda.lstat("3").rdev(), "the disk's minor plus the number");
        hda.unmount(false);

        DiskFileSystem loop9 = new DiskFileSystem(partitioned(), true, "loop9", 512, false, DISK);
        assertEquals("1", loop9.sibling("p1"), "a name ending in a digit: loop9p1");
        assertNull(loop9.sibling("1"));
        assertEquals(1L << 20, loop9.open("1", ServedFileSystem.O_RDONLY).size());
        assertEquals(Errno.ENOENT, assertThrows(VuException.class, () -> loop9.lstat("2")).errno());
        loop9.unmount(false);
    }

    @Test
    void blkrrpartShowsANewTable() throws VuException {
        RamDisk disk = partitioned();
        DiskFileSystem hda = new DiskFileSystem(disk, true, "hda", 512, false, DISK);
        var whole = hda.open("", ServedFileSystem.O_RDWR);
        whole.write(ByteBuffer.wrap(new TableImage(1).entry(0, 1, 0x83, 2048, 100).bytes), 0);
        assertEquals("1", hda.sibling("1"), "the old table until BLKRRPART");
        whole.ioctl(BlockDevice.BLKRRPART, 0, ByteBuffer.allocate(0));
        assertNull(hda.sibling("1"));
        assertEquals(100 * 512, hda.open("2", ServedFileSystem.O_RDONLY).size());
        hda.unmount(false);
        assertEquals(Errno.EIO, assertThrows(VuException.class, () -> disk.read(ByteBuffer.allocate(1), 0)).errno(),
                "an unmounted ramdisk's memory is gone");
    }
}
