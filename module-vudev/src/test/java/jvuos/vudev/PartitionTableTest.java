package jvuos.vudev;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

import jvuos.vudev.PartitionTable.Partition;

class PartitionTableTest {
    private static List<Partition> read(TableImage image) throws Exception {
        return PartitionTable.read(image.sectorsView(), image.sectors());
    }

    @Test
    void primaryPartitionsKeepTheirSlotNumbers() throws Exception {
        TableImage image = new TableImage(8192).entry(0, 0, 0x0c, 2048, 2048).entry(0, 2, 0x83, 4096, 4096).boot(0, 0x80);
        assertEquals(List.of(new Partition(1, 2048, 2048), new Partition(3, 4096, 4096)), read(image));
    }

    @Test
    void logicalPartitionsAreNumberedFromFiveAndTheExtendedShowsTwoSectors() throws Exception {
        // Extended partition 2 at 4096; EBRs at 4096, 5120 and 6144, each with a logical 1 MiB after it.
        TableImage image = new TableImage(16384).entry(0, 0, 0x83, 2048, 2048).entry(0, 1, 0x05, 4096, 8192);
        image.entry(4096, 0, 0x83, 2, 1000).entry(4096, 1, 0x05, 1024, 1024);
        image.entry(5120, 0, 0x83, 2, 1000).entry(5120, 1, 0x05, 2048, 1024);
        image.entry(6144, 0, 0x82, 2, 1000);
        assertEquals(List.of(new Partition(1, 2048, 2048), new Partition(2, 4096, 2),
                new Partition(5, 4098, 1000), new Partition(6, 5122, 1000), new Partition(7, 6146, 1000)), read(image));
    }

    @Test
    void aLoopInTheExtendedChainEndsAtTheLastPartitionNumber() throws Exception {
        TableImage image = new TableImage(8192).entry(0, 0, 0x0f, 2048, 4096);
        image.entry(2048, 0, 0x83, 2, 10).entry(2048, 1, 0x05, 0, 4096); // links to itself
        List<Partition> found = read(image);
        assertEquals(1 + PartitionTable.LIMIT - 5, found.size(), "as the kernel: a partition found resets the link count");
        assertEquals(new Partition(5, 2050, 10), found.get(1));
        assertEquals(new Partition(PartitionTable.LIMIT - 1, 2050, 10), found.get(found.size() - 1));
    }

    @Test
    void aLoopOfLinksWithoutPartitionsEndsAfterTheLinkLimit() throws Exception {
        TableImage image = new TableImage(8192).entry(0, 0, 0x05, 2048, 4096);
        image.entry(2048, 0, 0x05, 1024, 8).entry(3072, 0, 0x05, 0, 8); // 2048 -> 3072 -> 2048 ...
        assertEquals(List.of(new Partition(1, 2048, 2)), read(image));
    }

    @Test
    void partitionsPastTheEndAreDroppedAndThoseCrossingItCut() throws Exception {
        TableImage image = new TableImage(4096).entry(0, 0, 0x83, 2048, 4096).entry(0, 1, 0x83, 5000, 10);
        assertEquals(List.of(new Partition(1, 2048, 2048)), read(image));
    }

    @Test
    void aFatBootSectorOrGarbageBootFlagsMeanNoTable() throws Exception {
        TableImage image = new TableImage(4096).entry(0, 0, 0x83, 2048, 1024).boot(1, 0x12);
        assertEquals(List.of(), read(image));
        assertEquals(List.of(), read(new TableImage(4096)));
    }

    @Test
    void aGptIsReadBehindItsProtectiveEntry() throws Exception {
        TableImage image = new TableImage(65536).gpt(128, new long[] {2048, 10239}, null, new long[] {10240, 63487});
        assertEquals(List.of(new Partition(1, 2048, 8192), new Partition(3, 10240, 53248)), read(image));
    }

    @Test
    void aDamagedPrimaryGptHeaderFallsBackToTheBackup() throws Exception {
        TableImage image = new TableImage(65536).gpt(128, new long[] {2048, 4095});
        image.sector(1).putInt(16, 12345); // header CRC wrong
        assertEquals(List.of(new Partition(1, 2048, 2048)), read(image));
    }

    @Test
    void aPrimaryGptWhoseEntriesAreDamagedFallsBackToTheBackup() throws Exception {
        TableImage image = new TableImage(65536).gpt(128, new long[] {2048, 4095});
        image.sector(2).putLong(32, 100); // the primary's first entry moved: the array's CRC fails
        assertEquals(List.of(new Partition(1, 2048, 2048)), read(image));
    }

    @Test
    void aGptWithoutEntriesOrWithEntriesPastTheEndIsNoTable() throws Exception {
        for (int count : new int[] {0, 128}) {
            TableImage image = new TableImage(65536).gpt(128, new long[] {2048, 4095});
            for (long header : new long[] {1, 65535}) {
                java.nio.ByteBuffer h = image.sector(header);
                if (count == 0) {
                    h.putInt(80, 0);
                } else {
                    h.putLong(72, 65530); // 32 sectors of entries from 6 sectors before the end
                }
                h.putInt(16, 0);
                byte[] bytes = new byte[92];
                h.get(0, bytes);
                h.putInt(16, (int) TableImage.crc(bytes, 92));
            }
            assertEquals(List.of(), read(image), count == 0 ? "no entries" : "entries past the end");
        }
    }

    @Test
    void aGptWithBothHeadersDamagedShowsNothingNotEvenItsProtectiveEntry() throws Exception {
        TableImage image = new TableImage(65536).gpt(128, new long[] {2048, 4095});
        image.sector(1).putInt(16, 1);
        image.sector(65535).putInt(16, 1);
        assertEquals(List.of(), read(image));
    }

    @Test
    void gptEntriesOutsideTheDiskOrBackwardsAreSkipped() throws Exception {
        TableImage image = new TableImage(65536).gpt(4, new long[] {2048, 4095}, new long[] {70000, 80000},
                new long[] {5000, 4000}, new long[] {4096, 65535});
        assertEquals(List.of(new Partition(1, 2048, 2048), new Partition(4, 4096, 61440)), read(image));
    }
}
