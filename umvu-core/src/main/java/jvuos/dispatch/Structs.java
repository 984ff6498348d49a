package jvuos.dispatch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import jvuos.module.DirEntry;
import jvuos.module.FileStat;
import jvuos.module.StatFs;

/** The x86_64 kernel structures the hypervisor writes for served files: stat, statx, statfs, dirents. */
final class Structs {
    static final int STAT_SIZE = 144;
    static final int STATX_SIZE = 256;
    static final int STATFS_SIZE = 120;
    /** STATX_TYPE | MODE | NLINK | UID | GID | ATIME | MTIME | CTIME | INO | SIZE | BLOCKS. */
    static final int STATX_BASIC_STATS = 0x7ff;
    static final int DEFAULT_BLOCK_SIZE = 4096;
    private static final long NANOS = 1_000_000_000L;

    private Structs() {
    }

    private static ByteBuffer buffer(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static int blockSize(FileStat s) {
        return s.blockSize() > 0 ? s.blockSize() : DEFAULT_BLOCK_SIZE;
    }

    /** struct stat of {@code fstat}, {@code stat}, {@code newfstatat}. */
    static byte[] stat(FileStat s, long dev) {
        ByteBuffer b = buffer(STAT_SIZE);
        b.putLong(0, dev).putLong(8, s.ino()).putLong(16, s.nlink()).putInt(24, s.mode()).putInt(28, s.uid())
                .putInt(32, s.gid()).putLong(40, s.rdev()).putLong(48, s.size()).putLong(56, blockSize(s))
                .putLong(64, s.blocks());
        putTimespec(b, 72, s.atime());
        putTimespec(b, 88, s.mtime());
        putTimespec(b, 104, s.ctime());
        return b.array();
    }

    private static void putTimespec(ByteBuffer b, int at, long nanos) {
        b.putLong(at, Math.floorDiv(nanos, NANOS)).putLong(at + 8, Math.floorMod(nanos, NANOS));
    }

    /** struct statx, every basic field filled whatever the mask asked (as the kernel may do). */
    static byte[] statx(FileStat s, long dev) {
        ByteBuffer b = buffer(STATX_SIZE);
        b.putInt(0, STATX_BASIC_STATS).putInt(4, blockSize(s)).putInt(16, (int) s.nlink()).putInt(20, s.uid())
                .putInt(24, s.gid()).putShort(28, (short) s.mode()).putLong(32, s.ino()).putLong(40, s.size())
                .putLong(48, s.blocks());
        putStatxTime(b, 64, s.atime());
        putStatxTime(b, 96, s.ctime());
        putStatxTime(b, 112, s.mtime());
        b.putInt(128, (int) FileStat.major(s.rdev())).putInt(132, (int) FileStat.minor(s.rdev()))
                .putInt(136, (int) FileStat.major(dev)).putInt(140, (int) FileStat.minor(dev));
        return b.array();
    }

    private static void putStatxTime(ByteBuffer b, int at, long nanos) {
        b.putLong(at, Math.floorDiv(nanos, NANOS)).putInt(at + 8, (int) Math.floorMod(nanos, NANOS));
    }

    /** struct statfs. */
    static byte[] statfs(StatFs s, long dev, boolean readOnly) {
        ByteBuffer b = buffer(STATFS_SIZE);
        b.putLong(0, s.type()).putLong(8, s.blockSize()).putLong(16, s.blocks()).putLong(24, s.freeBlocks())
                .putLong(32, s.availableBlocks()).putLong(40, s.files()).putLong(48, s.freeFiles())
                .putInt(56, (int) dev).putInt(60, (int) (dev >>> 32)).putLong(64, s.nameMax())
                .putLong(72, s.blockSize()).putLong(80, s.flags() | (readOnly ? 1 : 0));
        return b.array();
    }

    /** d_type of a dirent from file type bits. */
    static int direntType(int typeBits) {
        return (typeBits >>> 12) & 0xf;
    }

    /** Directory records for the guest, and the index of the first entry they leave out. */
    record Dirents(byte[] bytes, int next) {
    }

    /**
     * Directory records of {@code entries} from index {@code first} on, as many as fit in
     * {@code size} bytes; d_off is the index of the entry after each. {@code sixtyFour}:
     * struct linux_dirent64 of getdents64 (d_type before the name), else struct linux_dirent
     * of the old getdents (d_type in the record's last byte).
     *
     * @return the records, or null when not even the first one fits (the kernel's EINVAL)
     */
    static Dirents dirents(List<DirEntry> entries, int first, int size, boolean sixtyFour) {
        int nameAt = sixtyFour ? 19 : 18;
        // The records that fit, measured first: the guest's buffer is often far larger than they.
        List<byte[]> names = new java.util.ArrayList<>();
        int total = 0;
        for (int i = first; i < entries.size(); i++) {
            byte[] name = entries.get(i).name().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            int length = recordLength(nameAt, name, sixtyFour);
            if (total + length > size) {
                break;
            }
            names.add(name);
            total += length;
        }
        if (names.isEmpty() && first < entries.size()) {
            return null;
        }
        ByteBuffer b = buffer(total);
        for (int k = 0; k < names.size(); k++) {
            int i = first + k;
            byte[] name = names.get(k);
            int length = recordLength(nameAt, name, sixtyFour);
            int at = b.position();
            b.putLong(at, entries.get(i).ino()).putLong(at + 8, i + 1L).putShort(at + 16, (short) length);
            b.put(sixtyFour ? at + 18 : at + length - 1, (byte) direntType(entries.get(i).type()));
            b.put(at + nameAt, name);
            b.position(at + length);
        }
        return new Dirents(b.array(), first + names.size());
    }

    /** A record's length: header, name, NUL (and the old getdents's d_type byte), 8-aligned. */
    private static int recordLength(int nameAt, byte[] name, boolean sixtyFour) {
        return (nameAt + name.length + (sixtyFour ? 1 : 2) + 7) & ~7;
    }
}
