package jvuos.dispatch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import org.junit.jupiter.api.Test;

import jvuos.module.DirEntry;
import jvuos.module.FileStat;

class StructsTest {
    private static final List<DirEntry> ENTRIES = List.of(new DirEntry(".", 7, FileStat.S_IFDIR),
            new DirEntry("a-longer-name", 8, FileStat.S_IFREG), new DirEntry("l", 9, FileStat.S_IFLNK));

    @Test
    void dirent64RecordsAreAlignedAndCarryTheNextIndex() {
        Structs.Dirents all = Structs.dirents(ENTRIES, 0, 4096, true);
        assertEquals(3, all.next());
        ByteBuffer b = ByteBuffer.wrap(all.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        int at = 0;
        for (int i = 0; i < 3; i++) {
            DirEntry e = ENTRIES.get(i);
            int length = b.getShort(at + 16);
            assertEquals(0, length % 8);
            assertEquals(e.ino(), b.getLong(at));
            assertEquals(i + 1, b.getLong(at + 8));
            assertEquals(e.type() >> 12, b.get(at + 18));
            byte[] name = new byte[e.name().length()];
            b.get(at + 19, name);
            assertEquals(e.name(), new String(name));
            assertEquals(0, b.get(at + 19 + name.length));
            at += length;
        }
        assertEquals(all.bytes().length, at);
    }

    @Test
    void aBufferTooSmallForOneRecordIsEinvalAndAPartialOneStopsEarly() {
        assertNull(Structs.dirents(ENTRIES, 0, 10, true));
        Structs.Dirents first = Structs.dirents(ENTRIES, 0, 24, true);
        assertEquals(1, first.next());
        assertEquals(24, first.bytes().length);
        Structs.Dirents rest = Structs.dirents(ENTRIES, 3, 10, true);
        assertEquals(0, rest.bytes().length); // at the end: no record, no error
    }

    @Test
    void oldDirentsPutTheTypeInTheLastByte() {
        Structs.Dirents all = Structs.dirents(ENTRIES.subList(1, 2), 0, 4096, false);
        ByteBuffer b = ByteBuffer.wrap(all.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        int length = b.getShort(16);
        assertEquals(all.bytes().length, length);
        assertEquals(FileStat.S_IFREG >> 12, b.get(length - 1));
        assertEquals('a', b.get(18));
    }

    @Test
    void deviceNumbersRoundTrip() {
        for (long[] mm : new long[][] {{0, 0}, {8, 1}, {259, 65536}, {0xfff, 0xff}, {4095, 1048575}}) {
            long dev = FileStat.makedev(mm[0], mm[1]);
            assertEquals(mm[0], FileStat.major(dev));
            assertEquals(mm[1], FileStat.minor(dev));
        }
        assertEquals(0x801, FileStat.makedev(8, 1)); // as /dev/sda1 shows in st_rdev
    }

    @Test
    void statPutsFieldsWhereTheKernelDoes() {
        FileStat s = new FileStat(FileStat.S_IFREG | 0640, 42, 2, 1000, 100, 0, 12345, 32, 0, 1_500_000_000_123_456_789L,
                2_000_000_000L, -1L);
        ByteBuffer b = ByteBuffer.wrap(Structs.stat(s, 0x803)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0x803, b.getLong(0));
        assertEquals(42, b.getLong(8));
        assertEquals(2, b.getLong(16));
        assertEquals(FileStat.S_IFREG | 0640, b.getInt(24));
        assertEquals(1000, b.getInt(28));
        assertEquals(12345, b.getLong(48));
        assertEquals(Structs.DEFAULT_BLOCK_SIZE, b.getLong(56));
        assertEquals(1_500_000_000L, b.getLong(72));
        assertEquals(123_456_789L, b.getLong(80));
        assertEquals(2, b.getLong(88));
        assertEquals(-1, b.getLong(104)); // a time before the epoch: seconds round down...
        assertEquals(999_999_999L, b.getLong(112)); // ...and nanoseconds stay positive
        byte[] statx = Structs.statx(s, FileStat.makedev(8, 3));
        ByteBuffer x = ByteBuffer.wrap(statx).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(8, x.getInt(136));
        assertEquals(3, x.getInt(140));
        assertEquals((short) (FileStat.S_IFREG | 0640), x.getShort(28));
        assertArrayEquals(new byte[8], java.util.Arrays.copyOfRange(statx, 248, 256));
    }
}
