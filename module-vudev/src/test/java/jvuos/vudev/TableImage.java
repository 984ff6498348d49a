package jvuos.vudev;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32;

/** Builds disks holding MBR and GPT partition tables, sector by sector, for the parser's tests. */
final class TableImage {
    static final int SECTOR = PartitionTable.SECTOR;

    final byte[] bytes;

    TableImage(long sectors) {
        bytes = new byte[(int) (sectors * SECTOR)];
    }

    long sectors() {
        return bytes.length / SECTOR;
    }

    PartitionTable.Sectors sectorsView() {
        return lba -> {
            byte[] s = new byte[SECTOR];
            if (lba >= 0 && lba < sectors()) {
                System.arraycopy(bytes, (int) (lba * SECTOR), s, 0, SECTOR);
            }
            return s;
        };
    }

    ByteBuffer sector(long lba) {
        return ByteBuffer.wrap(bytes, (int) (lba * SECTOR), SECTOR).slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A boot record's signature and its entry {@code slot}: type, first sector (relative) and size. */
    TableImage entry(long lba, int slot, int type, long start, long size) {
        ByteBuffer s = sector(lba);
        s.putShort(510, (short) 0xaa55);
        int at = 446 + slot * 16;
        s.put(at + 4, (byte) type).putInt(at + 8, (int) start).putInt(at + 12, (int) size);
        return this;
    }

    TableImage boot(int slot, int flag) {
        sector(0).put(446 + slot * 16, (byte) flag);
        return this;
    }

    /**
     * A GPT: the protective MBR, the primary header at LBA 1 with its entries from LBA 2, and
     * the backup header at the last sector with its entries just before it. Each partition is
     * {first, last} LBA at index i (number i + 1).
     */
    TableImage gpt(int entries, long[]... partitions) {
        entry(0, 0, 0xee, 1, Math.min(0xffffffffL, sectors() - 1));
        int arraySectors = (entries * 128 + SECTOR - 1) / SECTOR;
        byte[] array = new byte[arraySectors * SECTOR];
        ByteBuffer a = ByteBuffer.wrap(array).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < partitions.length; i++) {
            if (partitions[i] == null) {
                continue;
            }
            a.putLong(i * 128, 0x0fc63daf84834772L).putLong(i * 128 + 8, 0x8e793d69d8477de4L); // Linux data
            a.putLong(i * 128 + 16, i + 1);
            a.putLong(i * 128 + 32, partitions[i][0]).putLong(i * 128 + 40, partitions[i][1]);
        }
        long last = sectors() - 1;
        long backupArray = last - arraySectors;
        System.arraycopy(array, 0, bytes, 2 * SECTOR, array.length);
        System.arraycopy(array, 0, bytes, (int) (backupArray * SECTOR), array.length);
        long crc = crc(array, entries * 128);
        header(1, last, 2, entries, crc, 2 + arraySectors, backupArray - 1);
        header(last, 1, backupArray, entries, crc, 2 + arraySectors, backupArray - 1);
        return this;
    }

    private void header(long lba, long alternate, long entriesLba, int entries, long arrayCrc, long firstUsable, long lastUsable) {
        ByteBuffer h = sector(lba);
        h.putLong(0, 0x5452415020494645L).putInt(8, 0x00010000).putInt(12, 92).putInt(16, 0);
        h.putLong(24, lba).putLong(32, alternate).putLong(40, firstUsable).putLong(48, lastUsable);
        h.putLong(72, entriesLba).putInt(80, entries).putInt(84, 128).putInt(88, (int) arrayCrc);
        byte[] header = new byte[92];
        h.get(0, header);
        h.putInt(16, (int) crc(header, 92));
    }

    static long crc(byte[] data, int length) {
        CRC32 c = new CRC32();
        c.update(data, 0, length);
        return c.getValue();
    }
}
