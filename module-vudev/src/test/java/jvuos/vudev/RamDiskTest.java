package jvuos.vudev;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Random;

import org.junit.jupiter.api.Test;

import jvuos.errno.Errno;
import jvuos.module.VuException;

class RamDiskTest {
    private static byte[] read(Disk disk, long offset, int length) throws VuException {
        ByteBuffer b = ByteBuffer.allocate(length);
        assertEquals(length, disk.read(b, offset));
        return b.array();
    }

    /** 10,000 writes of random sizes at random offsets (zeros among them) read back as a byte array written alike. */
    @Test
    void randomWritesReadBackAsTheModel() throws VuException {
        int size = 8 << 20;
        RamDisk disk = new RamDisk(size);
        byte[] model = new byte[size];
        Random random = new Random(5);
        for (int i = 0; i < 10_000; i++) {
            int length = 1 + random.nextInt(random.nextBoolean() ? 512 : 3 * RamDisk.BLOCK);
            int offset = random.nextInt(size - length);
            byte[] data = new byte[length];
            if (random.nextInt(5) > 0) {
                random.nextBytes(data);
            }
            assertEquals(length, disk.write(ByteBuffer.wrap(data), offset));
            System.arraycopy(data, 0, model, offset, length);
            if (i % 1000 == 0) {
                int zeroAt = random.nextInt(size - RamDisk.BLOCK * 2);
                int zeroLength = random.nextInt(RamDisk.BLOCK * 2);
                disk.zero(zeroAt, zeroLength);
                java.util.Arrays.fill(model, zeroAt, zeroAt + zeroLength, (byte) 0);
            }
        }
        assertArrayEquals(model, read(disk, 0, size));
        disk.close();
    }

    @Test
    void onlyBlocksHoldingDataTakeMemory() throws VuException {
        RamDisk disk = new RamDisk(1L << 40); // 1 TiB
        disk.write(ByteBuffer.wrap(new byte[1 << 20]), 1L << 39); // zeros: nothing kept
        assertEquals(0, disk.stored());
        disk.write(ByteBuffer.wrap(new byte[] {1}), (1L << 40) - 1);
        disk.write(ByteBuffer.wrap(new byte[] {2}), 12345);
        assertEquals(2L * RamDisk.BLOCK, disk.stored());
        assertArrayEquals(new byte[] {0, 1}, read(disk, (1L << 40) - 2, 2));
        disk.write(ByteBuffer.wrap(new byte[RamDisk.BLOCK]), 0); // a whole block of zeros frees it
        assertEquals(RamDisk.BLOCK, disk.stored());
        disk.zero(0, 1L << 40);
        assertEquals(0, disk.stored());
        disk.close();
    }

    @Test
    void aWriteTheMachineCannotHoldIsCutOrFailsWithEnospc() throws VuException {
        // A machine with room for two blocks above the reserve, as the kernel would count it.
        RamDisk[] disks = new RamDisk[2];
        MemoryBudget budget = new MemoryBudget(() -> MemoryBudget.RESERVE + 2L * RamDisk.BLOCK
                - (disks[0] == null ? 0 : disks[0].stored()) - (disks[1] == null ? 0 : disks[1].stored()));
        disks[0] = new RamDisk(1L << 30, budget);
        byte[] data = new byte[3 * RamDisk.BLOCK];
        java.util.Arrays.fill(data, (byte) 7);
        assertEquals(2 * RamDisk.BLOCK, disks[0].write(ByteBuffer.wrap(data), 0));
        VuException e = assertThrows(VuException.class, () -> disks[0].write(ByteBuffer.wrap(data), 10L * RamDisk.BLOCK));
        assertEquals(Errno.ENOSPC, e.errno());
        disks[0].write(ByteBuffer.wrap(new byte[RamDisk.BLOCK]), 0); // zeros over a block free it
        assertEquals(RamDisk.BLOCK, disks[0].write(ByteBuffer.wrap(data, 0, RamDisk.BLOCK), 20L * RamDisk.BLOCK));
        disks[0].close();
        disks[0] = null;
        disks[1] = new RamDisk(1L << 30, budget);
        assertEquals(2 * RamDisk.BLOCK, disks[1].write(ByteBuffer.wrap(data), 0), "close gave the memory back");
        disks[1].close();
    }

    @Test
    void directBuffersAsTheHypervisorPassesThem() throws VuException {
        RamDisk disk = new RamDisk(1 << 20);
        ByteBuffer out = ByteBuffer.allocateDirect(100_000);
        for (int i = 0; i < out.capacity(); i++) {
            out.put(i, (byte) (i + 1));
        }
        assertEquals(100_000, disk.write(out, 4000));
        ByteBuffer in = ByteBuffer.allocateDirect(100_010);
        assertEquals(100_010, disk.read(in, 3995));
        in.flip();
        assertEquals(0, in.get(4));
        assertEquals((byte) 1, in.get(5));
        assertEquals((byte) 100_000, in.get(100_004));
        assertEquals(0, in.get(100_005));
        disk.close();
    }
}
