package jvuos.vudev;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongSupplier;

import jvuos.errno.Errno;
import jvuos.module.VuException;

/**
 * What the ramdisks may still take of the machine's memory: a new block is refused (ENOSPC)
 * once it would leave less than {@link #RESERVE} of the memory the kernel says is available,
 * so that filling a ramdisk ends in a full disk, not in the OOM killer. The kernel's figure
 * is read again after every {@link #CHECK_EVERY} bytes taken, and whenever the estimate comes
 * near the reserve.
 */
final class MemoryBudget {
    static final long RESERVE = 256L << 20;
    static final long CHECK_EVERY = 64L << 20;
    /** The one budget of this JVM's ramdisks. */
    static final MemoryBudget MACHINE = new MemoryBudget(MemoryBudget::memAvailable);

    private final LongSupplier available;
    private long lastAvailable = -1;
    private long takenSinceCheck;

    MemoryBudget(LongSupplier available) {
        this.available = available;
    }

    /** Takes {@code bytes}, or fails with ENOSPC when the machine cannot spare them. */
    synchronized void take(long bytes) throws VuException {
        if (lastAvailable < 0 || takenSinceCheck + bytes > CHECK_EVERY
                || lastAvailable - takenSinceCheck - bytes < 2 * RESERVE) {
            lastAvailable = available.getAsLong();
            takenSinceCheck = 0;
        }
        if (lastAvailable - takenSinceCheck - bytes < RESERVE) {
            throw new VuException(Errno.ENOSPC, "no memory left for the ramdisk");
        }
        takenSinceCheck += bytes;
    }

    /** Gives {@code bytes} back (a freed block). */
    synchronized void give(long bytes) {
        takenSinceCheck = Math.max(0, takenSinceCheck - bytes);
    }

    /**
     * What the kernel would let this process take: MemAvailable of /proc/meminfo, or less where
     * the process's memory cgroup (or one above it) has a limit nearer; 0 when unknown (nothing
     * may be taken then). (A memory file's pages are charged to the cgroup of the process that
     * writes them: the hypervisor's.)
     */
    static long memAvailable() {
        long available = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    available = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
            for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
                String[] fields = line.split(":", 3);
                if (fields.length == 3 && fields[0].equals("0") && fields[1].isEmpty()) {
                    available = Math.min(available, cgroupRoom("/sys/fs/cgroup", fields[2], "memory.max", "memory.current"));
                } else if (fields.length == 3 && java.util.Arrays.asList(fields[1].split(",")).contains("memory")) {
                    available = Math.min(available, cgroupRoom("/sys/fs/cgroup/memory", fields[2],
                            "memory.limit_in_bytes", "memory.usage_in_bytes"));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0; // unknown: refuse rather than risk the machine
        }
        return available;
    }

    /** The least room left under a limit of the cgroup at {@code path} or of one above it (v2: "max" for none). */
    private static long cgroupRoom(String root, String path, String limitFile, String usageFile) {
        long room = Long.MAX_VALUE;
        for (Path dir = Path.of(root + path); dir.startsWith(root); dir = dir.getParent()) {
            try {
                String limit = Files.readString(dir.resolve(limitFile)).strip();
                if (!limit.equals("max")) {
                    room = Math.min(room, Long.parseLong(limit) - Long.parseLong(Files.readString(dir.resolve(usageFile)).strip()));
                }
            } catch (IOException | NumberFormatException e) {
                // No such controller file at this level (a cgroup v2 root has none): nothing to limit.
            }
            if (dir.toString().equals(root)) {
                break;
            }
        }
        return room;
    }
}
