package jvuos.vudev;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

import com.kenai.jffi.MemoryIO;

import jvuos.errno.Errno;
import jvuos.module.VuException;
import jvuos.ptrace.DirectCalls;

/**
 * A disk in memory: a memory file of the hypervisor (memfd), which the kernel stores
 * sparsely, so a 1 TiB ramdisk costs what was written to it and zeros read back wherever
 * nothing was. Zeros written where nothing is stored are not stored, and a block written or
 * zeroed whole with zeros is freed. Each {@link #BLOCK} that holds data is taken from the
 * {@link MemoryBudget}, so a write the machine cannot hold fails with ENOSPC. The host sees no
 * file: the memory file has no name in any directory and is freed at the unmount.
 */
final class RamDisk implements Disk {
    static final int BLOCK = 64 * 1024;
    private static final int SCRATCH = 1 << 20;
    private static final long SYS_PREAD64 = 17;
    private static final long SYS_PWRITE64 = 18;
    private static final long SYS_FTRUNCATE = 77;
    private static final long SYS_FALLOCATE = 285;
    private static final long SYS_MEMFD_CREATE = 319;
    private static final long MFD_CLOEXEC = 1;
    private static final long FALLOC_FL_KEEP_SIZE = 1;
    private static final long FALLOC_FL_PUNCH_HOLE = 2;
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(BLOCK);

    private final long size;
    private final MemoryBudget budget;
    private final int fd;
    /** The blocks that may hold data, each taken from the budget. */
    private final Set<Long> stored = new HashSet<>();
    /** For transfers from and to buffers on the Java heap. */
    private ByteBuffer scratch;
    /** After the unmount: the memory file is gone (and its fd number may be another file's). */
    private boolean closed;

    RamDisk(long size) throws VuException {
        this(size, MemoryBudget.MACHINE);
    }

    RamDisk(long size, MemoryBudget budget) throws VuException {
        this.size = size;
        this.budget = budget;
        ByteBuffer name = ByteBuffer.allocateDirect(16).put("vudev-ramdisk\0".getBytes(StandardCharsets.US_ASCII));
        long fd = DirectCalls.syscall(SYS_MEMFD_CREATE, address(name, 0), MFD_CLOEXEC, 0, 0);
        if (fd < 0) {
            throw new VuException(DirectCalls.errno(), "memfd_create");
        }
        this.fd = (int) fd;
        if (DirectCalls.syscall(SYS_FTRUNCATE, fd, size, 0, 0) < 0) {
            int errno = DirectCalls.errno();
            DirectCalls.close(this.fd);
            throw new VuException(errno == Errno.EINVAL ? Errno.EINVAL : errno, "a ramdisk of " + size + " bytes");
        }
    }

    @Override
    public long size() {
        return size;
    }

    /** The bytes this disk's blocks may take. */
    long stored() {
        return (long) stored.size() * BLOCK;
    }

    @Override
    public int read(ByteBuffer dst, long offset) throws VuException {
        checkOpen();
        int total = (int) Math.min(dst.remaining(), Math.max(0, size - offset));
        int done = 0;
        while (done < total) {
            int n = transfer(SYS_PREAD64, dst, dst.position() + done, total - done, offset + done);
            if (n <= 0) {
                break;
            }
            done += n;
        }
        dst.position(dst.position() + done);
        return done;
    }

    @Override
    public int write(ByteBuffer src, long offset) throws VuException {
        checkOpen();
        int start = src.position();
        while (src.hasRemaining()) {
            long index = offset / BLOCK;
            int n = (int) Math.min(src.remaining(), BLOCK - offset % BLOCK);
            boolean zeros = isZero(src, n);
            if (!stored.contains(index) && !zeros) {
                try {
                    budget.take(BLOCK);
                } catch (VuException e) {
                    if (src.position() == start) {
                        throw e;
                    }
                    break;
                }
                stored.add(index);
            }
            if (stored.contains(index)) {
                if (zeros && n == BLOCK) {
                    free(index);
                } else if (transfer(SYS_PWRITE64, src, src.position(), n, offset) != n) {
                    throw new VuException(Errno.EIO, "short write to the ramdisk's memory");
                }
            }
            src.position(src.position() + n);
            offset += n;
        }
        return src.position() - start;
    }

    @Override
    public void zero(long offset, long length) throws VuException {
        checkOpen();
        long end = Math.min(size, offset + length);
        if (offset >= end) {
            return;
        }
        if (DirectCalls.syscall(SYS_FALLOCATE, fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, end - offset) < 0) {
            throw new VuException(DirectCalls.errno(), "zeroing the ramdisk");
        }
        // The blocks the range covers whole are free now; looked for among the stored ones, as a
        // discard of a whole terabyte disk covers billions of blocks and holds few.
        long first = (offset + BLOCK - 1) / BLOCK;
        long pastLast = end / BLOCK;
        int before = stored.size();
        stored.removeIf(index -> index >= first && index < pastLast);
        budget.give((long) (before - stored.size()) * BLOCK);
    }

    @Override
    public void sync() {
    }

    /** Frees the memory: the data is gone. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            budget.give(stored());
            stored.clear();
            DirectCalls.close(fd);
        }
    }

    private void checkOpen() throws VuException {
        if (closed) {
            throw new VuException(Errno.EIO, "the ramdisk was unmounted");
        }
    }

    private void free(long index) throws VuException {
        if (DirectCalls.syscall(SYS_FALLOCATE, fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, index * BLOCK, BLOCK) < 0) {
            throw new VuException(DirectCalls.errno(), "freeing a block of the ramdisk");
        }
        stored.remove(index);
        budget.give(BLOCK);
    }

    /** pread or pwrite of {@code n} bytes of {@code buffer} from index {@code at}; the bytes moved. */
    private int transfer(long call, ByteBuffer buffer, int at, int n, long offset) throws VuException {
        if (buffer.isDirect()) {
            return check(DirectCalls.syscall(call, fd, address(buffer, at), n, offset));
        }
        if (scratch == null) {
            scratch = ByteBuffer.allocateDirect(SCRATCH);
        }
        int chunk = Math.min(n, SCRATCH);
        if (call == SYS_PWRITE64) {
            scratch.put(0, buffer, at, chunk);
        }
        int moved = check(DirectCalls.syscall(call, fd, address(scratch, 0), chunk, offset));
        if (call == SYS_PREAD64) {
            buffer.put(at, scratch, 0, moved);
        }
        return moved;
    }

    private static int check(long result) throws VuException {
        if (result < 0) {
            throw new VuException(DirectCalls.errno(), "the ramdisk's memory file");
        }
        return (int) result;
    }

    private static long address(ByteBuffer direct, int at) {
        return MemoryIO.getInstance().getDirectBufferAddress(direct) + at;
    }

    private static boolean isZero(ByteBuffer src, int n) {
        return src.slice(src.position(), n).mismatch(ZEROS.slice(0, n)) < 0;
    }
}
