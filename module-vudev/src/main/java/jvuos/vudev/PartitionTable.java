package jvuos.vudev;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Reads a disk's partition table as the Linux kernel does (block/partitions/efi.c, then
 * msdos.c), so that the partitions a view shows are the ones a loop device with partitions
 * would show: a GPT behind a protective MBR entry of type 0xEE (header and entry-array CRC32
 * checked; unlike the kernel, which needs {@code gpt} on its command line for it, the backup
 * header at the disk's last sector is used when the primary one is damaged), else an MBR with
 * primary, extended and logical partitions. An extended partition shows as its first two
 * sectors, as in the kernel (room for a boot loader, none for a file system).
 *
 * <p>Whatever the sectors hold, no partition starts outside the disk or ends past it (one
 * that would end past it is cut at the end, as the kernel cuts it), the extended chain is
 * left after {@value #MAX_EXTENDED_LINKS} links in a row without a partition, and numbers
 * stay below {@value #LIMIT}.
 */
final class PartitionTable {
    static final int SECTOR = 512;
    /** The kernel's DISK_MAX_PARTS: partition numbers are below it. */
    static final int LIMIT = 256;
    static final int MAX_EXTENDED_LINKS = 100;
    /** The largest entry array the kernel reads (KMALLOC_MAX_SIZE): larger ones make the GPT invalid. */
    private static final long MAX_ENTRY_ARRAY = 4L << 20;
    private static final int GPT_ENTRY_SIZE = 128;
    private static final long GPT_SIGNATURE = 0x5452415020494645L; // "EFI PART"
    private static final int GPT_PROTECTIVE = 0xee;

    /** A partition: its number (1–4 primary or GPT, 5 on logical) and extent in 512-byte sectors. */
    record Partition(int number, long start, long sectors) {
        long offset() {
            return start * SECTOR;
        }

        long length() {
            return sectors * SECTOR;
        }
    }

    /** Where the sectors come from. */
    interface Sectors {
        /** The 512 bytes of sector {@code lba} (zeros past the disk's end). */
        byte[] read(long lba) throws Exception;
    }

    private final Sectors disk;
    private final long capacity; // in sectors

    private PartitionTable(Sectors disk, long capacity) {
        this.disk = disk;
        this.capacity = capacity;
    }

    /**
     * The partitions of a disk of {@code capacity} sectors, by number; none when it holds no
     * table the kernel would read.
     */
    static List<Partition> read(Sectors disk, long capacity) throws Exception {
        PartitionTable t = new PartitionTable(disk, capacity);
        List<Partition> found = new ArrayList<>();
        if (!t.gpt(found)) {
            found.clear();
            t.msdos(found);
        }
        List<Partition> fitting = new ArrayList<>();
        for (Partition p : found) {
            if (p.start() < capacity && p.sectors() > 0) {
                fitting.add(new Partition(p.number(), p.start(), Math.min(p.sectors(), capacity - p.start())));
            }
        }
        return Collections.unmodifiableList(fitting);
    }

    /** The same for the disk's bytes. */
    static List<Partition> read(Disk d) throws Exception {
        return read(lba -> {
            ByteBuffer sector = ByteBuffer.allocate(SECTOR);
            if (lba >= 0 && lba < d.size() / SECTOR) {
                d.read(sector, lba * SECTOR);
            }
            return sector.array();
        }, d.size() / SECTOR);
    }

    // --- GPT ---

    private boolean gpt(List<Partition> found) throws Exception {
        if (capacity < 3 || !protectiveMbr(le(disk.read(0)))) {
            return false;
        }
        long last = capacity - 1;
        ByteBuffer header = validGptHeader(1, last);
        if (header == null) {
            header = validGptHeader(last, last);
        }
        if (header == null) {
            return false;
        }
        long entriesLba = header.getLong(72);
        int count = header.getInt(80);
        ByteBuffer entries = entryArray(entriesLba, count);
        for (int i = 0; i < Integer.toUnsignedLong(count) && i < LIMIT - 1; i++) {
            int at = i * GPT_ENTRY_SIZE;
            boolean used = entries.getLong(at) != 0 || entries.getLong(at + 8) != 0;
            long first = entries.getLong(at + 32);
            long end = entries.getLong(at + 40);
            if (used && Long.compareUnsigned(first, last) <= 0 && Long.compareUnsigned(end, last) <= 0 && first <= end) {
                found.add(new Partition(i + 1, first, end - first + 1));
            }
        }
        return true;
    }

    private static boolean protectiveMbr(ByteBuffer mbr) {
        if (Short.toUnsignedInt(mbr.getShort(510)) != 0xaa55) {
            return false;
        }
        for (int slot = 0; slot < 4; slot++) {
            int at = 446 + slot * 16;
            if (Byte.toUnsignedInt(mbr.get(at + 4)) == GPT_PROTECTIVE && mbr.getInt(at + 8) == 1) {
                return true;
            }
        }
        return false;
    }

    /** The GPT header at {@code lba} when it passes the kernel's checks (is_gpt_valid), else null. */
    private ByteBuffer validGptHeader(long lba, long last) throws Exception {
        ByteBuffer h = le(disk.read(lba));
        int headerSize = h.getInt(12);
        if (h.getLong(0) != GPT_SIGNATURE || headerSize < 92 || headerSize > SECTOR) {
            return null;
        }
        byte[] bytes = h.array().clone();
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(16, 0);
        if ((int) crc32(bytes, headerSize) != h.getInt(16)) {
            return null;
        }
        long myLba = h.getLong(24);
        long firstUsable = h.getLong(40);
        long lastUsable = h.getLong(48);
        if (myLba != lba || Long.compareUnsigned(firstUsable, last) > 0 || Long.compareUnsigned(lastUsable, last) > 0
                || Long.compareUnsigned(lastUsable, firstUsable) < 0 || h.getInt(84) != GPT_ENTRY_SIZE) {
            return null;
        }
        long count = Integer.toUnsignedLong(h.getInt(80));
        long entriesLba = h.getLong(72);
        long arraySectors = (count * GPT_ENTRY_SIZE + SECTOR - 1) / SECTOR;
        if (count == 0 || count * GPT_ENTRY_SIZE > MAX_ENTRY_ARRAY || Long.compareUnsigned(entriesLba, last) > 0
                || entriesLba + arraySectors > capacity) {
            return null; // (the kernel's read of an array past the end comes up short)
        }
        if ((int) crc32(entryArray(entriesLba, h.getInt(80)).array(), (int) (count * GPT_ENTRY_SIZE)) != h.getInt(88)) {
            return null;
        }
        return h;
    }

    private ByteBuffer entryArray(long lba, int count) throws Exception {
        int bytes = (int) (Integer.toUnsignedLong(count) * GPT_ENTRY_SIZE);
        ByteBuffer array = ByteBuffer.allocate((bytes + SECTOR - 1) / SECTOR * SECTOR).order(ByteOrder.LITTLE_ENDIAN);
        for (int s = 0; s * SECTOR < bytes; s++) {
            array.put(s * SECTOR, disk.read(lba + s));
        }
        return array;
    }

    private static long crc32(byte[] bytes, int length) {
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, length);
        return crc.getValue();
    }

    // --- MBR ---

    private void msdos(List<Partition> found) throws Exception {
        ByteBuffer mbr = le(disk.read(0));
        if (Short.toUnsignedInt(mbr.getShort(510)) != 0xaa55) {
            return;
        }
        for (int slot = 0; slot < 4; slot++) {
            int boot = Byte.toUnsignedInt(mbr.get(446 + slot * 16));
            if (boot != 0 && boot != 0x80) {
                return; // a FAT boot sector, or garbage: no table
            }
        }
        for (int slot = 0; slot < 4; slot++) {
            if (Byte.toUnsignedInt(mbr.get(446 + slot * 16 + 4)) == GPT_PROTECTIVE) {
                return; // a GPT disk whose GPT is invalid: the MBR is not its table
            }
        }
        int next = 5;
        for (int slot = 0; slot < 4; slot++) {
            int at = 446 + slot * 16;
            int type = Byte.toUnsignedInt(mbr.get(at + 4));
            long start = Integer.toUnsignedLong(mbr.getInt(at + 8));
            long size = Integer.toUnsignedLong(mbr.getInt(at + 12));
            if (size == 0) {
                continue;
            }
            if (isExtended(type)) {
                found.add(new Partition(slot + 1, start, Math.min(size, 2)));
                next = logicals(start, size, next, found);
            } else {
                found.add(new Partition(slot + 1, start, size));
            }
        }
    }

    /** Follows the chain of extended boot records, as the kernel's parse_extended; the next free number. */
    private int logicals(long firstSector, long firstSize, int next, List<Partition> found) throws Exception {
        long thisSector = firstSector;
        long thisSize = firstSize;
        // As the kernel: at most MAX_EXTENDED_LINKS links in a row that hold no partition.
        for (int links = 1; links <= MAX_EXTENDED_LINKS && next < LIMIT; links++) {
            if (thisSector >= capacity) {
                return next;
            }
            ByteBuffer ebr = le(disk.read(thisSector));
            if (Short.toUnsignedInt(ebr.getShort(510)) != 0xaa55) {
                return next;
            }
            for (int i = 0; i < 4 && next < LIMIT; i++) {
                int at = 446 + i * 16;
                long offset = Integer.toUnsignedLong(ebr.getInt(at + 8));
                long size = Integer.toUnsignedLong(ebr.getInt(at + 12));
                if (size == 0 || isExtended(Byte.toUnsignedInt(ebr.get(at + 4)))) {
                    continue;
                }
                long start = thisSector + offset;
                // The 3rd and 4th entries sometimes hold garbage: only what lies within is taken.
                if (i >= 2 && (offset + size > thisSize || start < firstSector || start + size > firstSector + firstSize)) {
                    continue;
                }
                found.add(new Partition(next++, start, size));
                links = 0;
            }
            int link = -1;
            for (int i = 0; i < 4 && link < 0; i++) {
                int at = 446 + i * 16;
                if (ebr.getInt(at + 12) != 0 && isExtended(Byte.toUnsignedInt(ebr.get(at + 4)))) {
                    link = at;
                }
            }
            if (link < 0) {
                return next;
            }
            thisSector = firstSector + Integer.toUnsignedLong(ebr.getInt(link + 8));
            thisSize = Integer.toUnsignedLong(ebr.getInt(link + 12));
        }
        return next;
    }

    private static boolean isExtended(int type) {
        return type == 0x05 || type == 0x0f || type == 0x85;
    }

    private static ByteBuffer le(byte[] sector) {
        return ByteBuffer.wrap(sector).order(ByteOrder.LITTLE_ENDIAN);
    }
}
