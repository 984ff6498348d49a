package jvuos.vudev;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

import jvuos.vudev.PartitionTable.Partition;

/**
 * Random and mutated MBR and GPT sectors never make the parser fail, loop, or show a partition
 * that does not fit the disk: extended-chain loops, overlapping entries, entries beyond the end,
 * bad CRCs and absurd entry counts among them.
 */
class PartitionTableFuzzTest {
    private static final int ROUNDS = 5000;

    /** The non-zero sectors of a disk image, which the rounds copy and mutate. */
    private static Map<Long, byte[]> tableSectors(TableImage image) {
        Map<Long, byte[]> sectors = new HashMap<>();
        for (long lba = 0; lba < image.sectors(); lba++) {
            byte[] s = new byte[TableImage.SECTOR];
            System.arraycopy(image.bytes, (int) (lba * TableImage.SECTOR), s, 0, s.length);
            for (byte b : s) {
                if (b != 0) {
                    sectors.put(lba, s);
                    break;
                }
            }
        }
        return sectors;
    }

    private static List<Map<Long, byte[]>> seeds() {
        TableImage extended = new TableImage(16384).entry(0, 0, 0x83, 2048, 2048).entry(0, 1, 0x05, 4096, 8192);
        extended.entry(4096, 0, 0x83, 2, 1000).entry(4096, 1, 0x05, 1024, 1024);
        extended.entry(5120, 0, 0x83, 2, 1000).entry(5120, 1, 0x05, 2048, 1024);
        extended.entry(6144, 0, 0x82, 2, 1000);
        TableImage gpt = new TableImage(16384).gpt(128, new long[] {2048, 4095}, new long[] {4096, 16000});
        TableImage primaries = new TableImage(16384).entry(0, 0, 0x0c, 2048, 4096).entry(0, 1, 0x83, 6144, 10240);
        return List.of(tableSectors(extended), tableSectors(gpt), tableSectors(primaries));
    }

    @Test
    void randomAndMutatedTablesShowOnlyPartitionsThatFit() throws Exception {
        List<Map<Long, byte[]>> seeds = seeds();
        Random random = new Random(20261202);
        int withPartitions = 0;
        for (int round = 0; round < ROUNDS; round++) {
            Map<Long, byte[]> disk = new HashMap<>();
            long capacity;
            if (round % 4 == 0) {
                capacity = 1 + random.nextInt(20000);
                for (int i = 0; i < 8; i++) {
                    byte[] s = new byte[TableImage.SECTOR];
                    random.nextBytes(s);
                    if (random.nextBoolean()) {
                        s[510] = 0x55;
                        s[511] = (byte) 0xaa;
                    }
                    disk.put(i == 0 ? 0 : (long) random.nextInt((int) capacity), s);
                }
            } else {
                capacity = random.nextInt(3) == 0 ? 1 + random.nextInt(16384) : 16384;
                for (Map.Entry<Long, byte[]> e : seeds.get(round % 3).entrySet()) {
                    disk.put(e.getKey(), e.getValue().clone());
                }
                mutate(disk, random, capacity);
            }
            long cap = capacity;
            int[] reads = {0};
            List<Partition> found = PartitionTable.read(lba -> {
                reads[0]++;
                byte[] s = disk.get(lba);
                return lba < cap && s != null ? s.clone() : new byte[TableImage.SECTOR];
            }, capacity);
            Set<Integer> numbers = new HashSet<>();
            for (Partition p : found) {
                assertTrue(p.start() >= 0 && p.sectors() > 0 && p.start() + p.sectors() <= capacity,
                        "round " + round + ": " + p + " does not fit " + capacity + " sectors");
                assertTrue(p.number() >= 1 && p.number() < PartitionTable.LIMIT && numbers.add(p.number()),
                        "round " + round + ": number of " + p);
            }
            assertTrue(reads[0] < 20000, "round " + round + ": " + reads[0] + " sector reads");
            withPartitions += found.isEmpty() ? 0 : 1;
        }
        // (Mutations that left nothing to read would test nothing.)
        assertTrue(withPartitions > ROUNDS / 3, withPartitions + " rounds of " + ROUNDS + " found partitions");
    }

    /** A few byte flips, sometimes in the fields that matter most: sizes, starts, counts, links. */
    private static void mutate(Map<Long, byte[]> disk, Random random, long capacity) {
        List<Long> lbas = new ArrayList<>(disk.keySet());
        int mutations = 1 + random.nextInt(6);
        for (int m = 0; m < mutations; m++) {
            byte[] s = disk.get(lbas.get(random.nextInt(lbas.size())));
            ByteBuffer b = ByteBuffer.wrap(s).order(ByteOrder.LITTLE_ENDIAN);
            switch (random.nextInt(6)) {
                case 0 -> s[random.nextInt(s.length)] ^= (byte) (1 << random.nextInt(8));
                case 1 -> b.putInt(446 + 16 * random.nextInt(4) + 8 + 4 * random.nextInt(2), random.nextInt());
                case 2 -> b.put(446 + 16 * random.nextInt(4) + 4, (byte) (random.nextBoolean() ? 0x05 : random.nextInt(256)));
                case 3 -> b.putInt(80, random.nextBoolean() ? -1 : random.nextInt(100000)); // a GPT entry count
                case 4 -> b.putLong(8 * random.nextInt(8), random.nextLong()); // GPT header fields
                default -> b.putInt(446 + 16 * random.nextInt(4) + 8, (int) (random.nextBoolean() ? 0 : capacity - 1));
            }
        }
    }
}
